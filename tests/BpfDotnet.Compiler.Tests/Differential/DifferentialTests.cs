using System.Linq;
using BpfDotnet.Loader.Tests;
using Xunit;
using Xunit.Abstractions;

namespace BpfDotnet.Compiler.Tests.Differential
{
    /// <summary>The kernel computes exactly what C# computes, for generated and hand-written probes.</summary>
    public class DifferentialTests
    {
        private readonly ITestOutputHelper _output;

        public DifferentialTests(ITestOutputHelper output) => _output = output;

        /// <summary>The hand-written corpus for cpu v2 (no JMP32) and v4 (movsx) too: the instruction set changes, the results must not.</summary>
        [KernelTheory]
        [InlineData("BPFDOTNET_CPU_V2")]
        [InlineData("BPFDOTNET_CPU_V4")]
        public void HandWrittenCorpusMatchesDotnetOnEveryCpu(string cpu)
        {
            Kernel.Require();
            var methods = HandWrittenCorpus.Probes();
            var outcome = DifferentialHarness.Run(methods, DifferentialHarness.Inputs(100, seed: 11), cpu);
            Assert.True(outcome.Failures.Count == 0, string.Join("\n\n", outcome.Failures));
            Assert.Equal(methods.Count(m => m.Contains("[BpfProgram")), outcome.Functions);
        }

        [KernelFact]
        public void HandWrittenCorpusMatchesDotnet()
        {
            Kernel.Require();
            var methods = HandWrittenCorpus.Probes();
            var outcome = DifferentialHarness.Run(methods, DifferentialHarness.Inputs(300, seed: 7));
            Assert.True(outcome.Failures.Count == 0, string.Join("\n\n", outcome.Failures));
            Assert.Equal(methods.Count(m => m.Contains("[BpfProgram")), outcome.Functions);
            Assert.Equal(outcome.Functions * 300, outcome.Runs);
        }

        [KernelFact]
        public void OperatorMatrixMatchesDotnet()
        {
            Kernel.Require();
            var methods = OperatorMatrix.Probes();
            var outcome = DifferentialHarness.Run(methods, DifferentialHarness.Inputs(100, seed: 5));
            _output.WriteLine($"{outcome.Functions} functions, {outcome.Runs} runs");
            Assert.True(outcome.Failures.Count == 0, string.Join("\n\n", outcome.Failures));
            Assert.Equal(methods.Count * 100, outcome.Runs);
        }

        [KernelFact]
        public void GeneratedCorpusMatchesDotnet()
        {
            Kernel.Require();
            var generator = new CorpusGenerator(seed: 2026);
            var methods = Enumerable.Range(0, 300).Select(i => generator.Probe("g" + i)).Append(CorpusGenerator.Helpers).ToList();
            var outcome = DifferentialHarness.Run(methods, DifferentialHarness.Inputs(100, seed: 11));
            _output.WriteLine($"{outcome.Functions} functions, {outcome.Runs} runs");
            Assert.True(outcome.Failures.Count == 0, string.Join("\n\n", outcome.Failures));
            Assert.Equal(300, outcome.Functions);
            Assert.Equal(300 * 100, outcome.Runs);
        }
    }
}

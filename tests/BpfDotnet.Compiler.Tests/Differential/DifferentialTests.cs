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

        /// <summary>Loops too long for the verifier to walk run through bpf_loop, with the meaning C# gives them.</summary>
        [KernelFact]
        public void LoopsRunThroughBpfLoopMatchDotnet()
        {
            Kernel.Require();
            var methods = LongLoopCorpus.Probes();
            var outcome = DifferentialHarness.Run(methods, DifferentialHarness.Inputs(20, seed: 3));
            Assert.True(outcome.Failures.Count == 0, string.Join("\n\n", outcome.Failures));
            Assert.Equal(methods.Count * 20, outcome.Runs);
            foreach (var program in outcome.Compiled)
            {
                // Each program hands a callback to bpf_loop: an ld_imm64 of a subprogram's address, and the helper's call.
                Assert.Contains(program.Calls, c => c.IsAddress);
                const byte Call = 0x85;
                const int BpfLoop = 181;
                Assert.Contains(program.Code, i => i.Opcode == Call && i.Src == 0 && i.Imm == BpfLoop);
            }
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

        /// <summary>
        /// 300 generated probes on 100 inputs each. A longer run sets <c>BPFDOTNET_CORPUS_SEED</c> and
        /// <c>BPFDOTNET_CORPUS_PROBES</c> (run in batches of 300).
        /// </summary>
        [KernelFact]
        public void GeneratedCorpusMatchesDotnet()
        {
            Kernel.Require();
            int seed = int.TryParse(System.Environment.GetEnvironmentVariable("BPFDOTNET_CORPUS_SEED"), out int s) ? s : 2026;
            int probes = int.TryParse(System.Environment.GetEnvironmentVariable("BPFDOTNET_CORPUS_PROBES"), out int n) ? n : 300;
            var generator = new CorpusGenerator(seed);
            for (int done = 0; done < probes; done += 300)
            {
                int count = System.Math.Min(300, probes - done);
                var methods = Enumerable.Range(done, count).Select(i => generator.Probe("g" + i)).Append(CorpusGenerator.Helpers).ToList();
                var outcome = DifferentialHarness.Run(methods, DifferentialHarness.Inputs(100, seed: 11));
                _output.WriteLine($"seed {seed}, probes {done}..{done + count - 1}: {outcome.Functions} functions, {outcome.Runs} runs");
                Assert.True(outcome.Failures.Count == 0, $"seed {seed}:\n" + string.Join("\n\n", outcome.Failures));
                Assert.Equal(count, outcome.Functions);
                Assert.Equal(count * 100, outcome.Runs);
            }
        }
    }
}

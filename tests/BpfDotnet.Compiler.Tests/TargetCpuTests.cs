using System.Linq;
using BpfDotnet.Compiler.Tests.Differential;
using Xunit;

namespace BpfDotnet.Compiler.Tests
{
    /// <summary>The BpfCpu property (through its preprocessor symbol) chooses the instruction set.</summary>
    public class TargetCpuTests
    {
        private static string Corpus => DifferentialHarness.ClassHeader + string.Join("\n", HandWrittenCorpus.Probes()) + "}\n";

        private static (int Jmp32, int MovSx, int Instructions) Count(params string[] symbols)
        {
            var result = ProbeBuilder.Build(Corpus, symbols);
            Assert.Empty(result.Diagnostics);
            var code = result.Functions.SelectMany(f => f.Code.Concat(f.Subprograms.SelectMany(s => s.Code))).ToList();
            return (code.Count(i => (i.Opcode & 0x07) == 0x06), code.Count(i => i.Opcode == 0xbf && i.Offset != 0), code.Count);
        }

        [Fact]
        public void V2UsesNeitherJmp32NorMovsx()
        {
            var v2 = Count("BPFDOTNET_CPU_V2");
            Assert.Equal(0, v2.Jmp32);
            Assert.Equal(0, v2.MovSx);
        }

        [Fact]
        public void V3IsTheDefaultAndUsesJmp32()
        {
            var byDefault = Count();
            var v3 = Count("BPFDOTNET_CPU_V3");
            var v2 = Count("BPFDOTNET_CPU_V2");
            Assert.Equal(v3, byDefault);
            Assert.True(v3.Jmp32 > 0, "no JMP32 instruction in the corpus for v3");
            Assert.Equal(0, v3.MovSx);
            Assert.True(v3.Instructions < v2.Instructions, $"v3 {v3.Instructions} instructions, v2 {v2.Instructions}");
        }

        [Fact]
        public void V4SignExtendsWithMovsx()
        {
            var v4 = Count("BPFDOTNET_CPU_V4");
            var v3 = Count("BPFDOTNET_CPU_V3");
            Assert.True(v4.MovSx > 0, "no movsx in the corpus for v4");
            Assert.True(v4.Instructions < v3.Instructions, $"v4 {v4.Instructions} instructions, v3 {v3.Instructions}");
        }
    }
}

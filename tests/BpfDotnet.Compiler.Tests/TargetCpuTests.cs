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

namespace BpfDotnet.Compiler.Tests
{
    /// <summary>Middle-end effects visible in the code.</summary>
    public class OptimizationTests
    {
        [Fact]
        public void ALargeCalleeStaysACallAndASmallOneIsInlined()
        {
            var corpus = DifferentialHarness.ClassHeader + string.Join("\n", HandWrittenCorpus.Probes()) + "}\n";
            var functions = ProbeBuilder.Build(corpus).Functions;
            var large = functions.Single(f => f.Name == "h_large_callee");
            Assert.Equal(new[] { "Corpus_Scramble" }, large.Subprograms.Select(s => s.Name));
            Assert.Equal(3, large.Calls.Count);
            var small = functions.Single(f => f.Name == "h_call_simple");
            Assert.Empty(small.Subprograms);
            Assert.Empty(small.Calls);
        }

        [Fact]
        public void ConstantArgumentsOfAnInlinedCallBecomeImmediates()
        {
            const string source = @"
public static partial class P
{
    [BpfMap(MaxEntries = 1)] public static BpfArrayMap<long> Out = new(1);
    private static int Clamp(int v, int lo, int hi) { if (v < lo) return lo; if (v > hi) return hi; return v; }
    [BpfProgram, Section(""raw_tp/clamp"")]
    public static int OnEvent(ref RawTracepointArgs ctx) => Clamp(unchecked((int)ctx.Arg0), -5, 1000);
}";
            var code = ProbeBuilder.Build(source).Functions.Single().Code;
            // The bounds are compared as immediates, never materialised in registers.
            Assert.Contains(code, i => (i.Opcode & 0x07) is 0x05 or 0x06 && (i.Opcode & 0x08) == 0 && i.Imm == -5);
            Assert.Contains(code, i => (i.Opcode & 0x07) is 0x05 or 0x06 && (i.Opcode & 0x08) == 0 && i.Imm == 1000);
            Assert.DoesNotContain(code, i => (i.Opcode & 0x07) is 0x05 or 0x06 && (i.Opcode & 0xf0) is not 0x00 and not 0x90 and not 0x80 && (i.Opcode & 0x08) != 0);
        }
    }
}

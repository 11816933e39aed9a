using System;
using System.Linq;
using BpfDotnet.Compiler.Tests.Differential;
using Xunit;

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
        public void ASpanCalleeIsCompiledOncePerSpanLength()
        {
            var corpus = DifferentialHarness.ClassHeader + string.Join("\n", HandWrittenCorpus.Probes()) + "}\n";
            var functions = ProbeBuilder.Build(corpus).Functions;
            var probe = functions.Single(f => f.Name == "h_span_subprogram");
            // Digest8 is called twice with the same 8-byte span: one subprogram; Digest2 and FillLongs once each.
            Assert.Equal(new[] { "Corpus_Digest2_s2", "Corpus_Digest8_s8", "Corpus_FillLongs_s4" }, probe.Subprograms.Select(s => s.Name).OrderBy(n => n, StringComparer.Ordinal));
            Assert.Equal(4, probe.Calls.Count);
            // The span arrives as a pointer to its elements in the subprogram's BTF signature.
            var digest = probe.Subprograms.Single(s => s.Name == "Corpus_Digest8_s8");
            Assert.IsType<BpfDotnet.Compiler.Model.PointerType>(digest.Signature.Parameters[0].Type);
            // A loop bounded by the span's Length: one subprogram for each length it is called with (5 and 3).
            var lengths = functions.Single(f => f.Name == "h_span_length_loops");
            Assert.Equal(new[] { "Corpus_SumBytes_s3", "Corpus_SumBytes_s5" }, lengths.Subprograms.Select(s => s.Name).OrderBy(n => n, StringComparer.Ordinal));
        }

        [Fact]
        public void AComputedMapKeyFillsItsSlotAndAConstantKeyKeepsItsSize()
        {
            const string source = @"
public static partial class P
{
    [BpfMap(MaxEntries = 64)] public static BpfArrayMap<ulong> Buckets = new(64);
    [BpfProgram, Section(""raw_tp/keys"")]
    public static int OnEvent(ref RawTracepointArgs ctx)
    {
        uint bucket = ctx.Arg0 > 100 ? 7u : 3u;
        ref ulong computed = ref Buckets.GetValueRefOrNullRef(bucket);
        if (!Unsafe.IsNullRef(ref computed)) computed++;
        ref ulong fixedKey = ref Buckets.GetValueRefOrNullRef(0);
        if (!Unsafe.IsNullRef(ref fixedKey)) fixedKey++;
        return 0;
    }
}";
            var code = ProbeBuilder.Build(source).Functions.Single().Code;
            // The computed key: an 8-byte register store (the verifier sees data and merges the two paths).
            Assert.Contains(code, i => i.Opcode == 0x7b && i.Dst == 10);
            // The constant key 0: a 4-byte immediate store (the verifier proves the lookup and drops its miss path).
            Assert.Contains(code, i => i.Opcode == 0x62 && i.Dst == 10 && i.Imm == 0);
        }

        [Fact]
        public void AResultTakesTheRegisterOfAnOperandThatDiesThere()
        {
            const string source = @"
public static partial class P
{
    [BpfMap(MaxEntries = 1)] public static BpfArrayMap<long> Out = new(1);
    [BpfProgram, Section(""raw_tp/dies"")]
    public static int OnEvent(ref RawTracepointArgs ctx)
    {
        long a = (long)ctx.Arg0;
        long b = (long)ctx.Arg1 * 5;
        long c = a ^ b;
        Out.Update(0, c + a);
        return 0;
    }
}";
            var code = ProbeBuilder.Build(source).Functions.Single().Code.ToArray();
            // b dies at 'a ^ b' while a lives on: xor is commutative, so c is computed in b's register (b ^= a)
            // with no copy of a first.
            int multiply = System.Array.FindIndex(code, i => i.Opcode == 0x27 && i.Imm == 5);
            Assert.True(multiply >= 0, "no multiply by 5");
            var xor = code[multiply + 1];
            Assert.Equal(0xaf, xor.Opcode);
            Assert.Equal(code[multiply].Dst, xor.Dst);
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

        private const string SumOfSixteen = @"
[System.Runtime.CompilerServices.InlineArray(16)] public struct Sixteen { private ulong _element; }
public static partial class P
{
    [BpfMap(MaxEntries = 1)] public static BpfArrayMap<Sixteen> Samples = new(1);
    [BpfMap(MaxEntries = 1)] public static BpfArrayMap<ulong> Out = new(1);
    [BpfProgram, Section(""raw_tp/sum"")]
    public static int OnEvent(ref RawTracepointArgs ctx)
    {
        ref Sixteen s = ref Samples.GetValueRefOrNullRef(0);
        if (Unsafe.IsNullRef(ref s)) return 0;
        ulong sum = 0;
        for (int i = 0; i < TRIPS; i++) sum += s[i & 15];
        Out.Update(0, sum);
        return 0;
    }
}";

        /// <summary>A jump (class jmp or jmp32, not call or exit) to an earlier instruction.</summary>
        private static bool IsBackwardJump(Isa.Instruction i) => (i.Opcode & 0x07) is 0x05 or 0x06 && i.Opcode is not 0x85 and not 0x95 && i.Offset < 0;

        [Fact]
        public void ASmallConstantLoopIsUnrolledWithEachElementAtItsOffset()
        {
            var code = ProbeBuilder.Build(SumOfSixteen.Replace("TRIPS", "16")).Functions.Single().Code;
            Assert.DoesNotContain(code, IsBackwardJump);
            // Sixteen 8-byte loads, one at each element's offset from the map value (the counter folded into them).
            var offsets = code.Where(i => i.Opcode == 0x79 && i.Offset % 8 == 0).Select(i => (int)i.Offset).Distinct().OrderBy(o => o);
            Assert.Equal(Enumerable.Range(0, 16).Select(k => k * 8), offsets);
            Assert.True(code.Count <= 16 * 2 + 24, "an unrolled element is a load and an add; got " + code.Count + " instructions");
        }

        [Fact]
        public void ALoopTooLongToUnrollStaysALoop()
        {
            var code = ProbeBuilder.Build(SumOfSixteen.Replace("TRIPS", "64")).Functions.Single().Code;
            Assert.Contains(code, IsBackwardJump);
        }
    }
}

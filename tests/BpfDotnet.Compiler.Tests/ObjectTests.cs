using System;
using System.Linq;
using BpfDotnet.Compiler.Isa;
using BpfDotnet.Compiler.Model;
using BpfDotnet.Compiler.Object;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.Compiler.Tests
{
    public class ObjectTests
    {
        private const string Source = @"
public static partial class Counter
{
    [BpfMap(MaxEntries = 64)] public static BpfHashMap<uint, ulong> Counts = new();

    [BpfProgram, Tracepoint(""syscalls"", ""sys_enter_openat"")]
    public static int OnOpenat(ref SysEnterArgs ctx)
    {
        uint pid = (uint)(Bpf.GetCurrentPidTgid() >> 32);
        ref ulong count = ref Counts.GetValueRefOrNullRef(pid);
        if (Unsafe.IsNullRef(ref count))
        {
            Counts.Update(pid, 1);
            return 0;
        }
        Interlocked.Increment(ref count);
        return 1;
    }
}";

        [Fact]
        public void SameSourceGivesByteIdenticalObject()
        {
            var first = ProbeBuilder.BuildObject(Source);
            var second = ProbeBuilder.BuildObject(Source);
            Assert.Equal(first, second);
        }

        [Fact]
        public void LineInfoCarriesCSharpSourceLines()
        {
            var function = ProbeBuilder.Build(Source).Functions.Single();
            Assert.Equal(0, function.Lines[0].InstructionIndex);
            Assert.Contains(function.Lines, l => l.LineText == "Interlocked.Increment(ref count);" && l.FileName == "Probe.cs");
            Assert.Contains(function.Lines, l => l.LineText == "uint pid = (uint)(Bpf.GetCurrentPidTgid() >> 32);");
            var indices = function.Lines.Select(l => l.InstructionIndex).ToArray();
            Assert.Equal(indices.OrderBy(i => i).Distinct(), indices);
        }

        /// <summary>
        /// Weakens the null test the compiler placed after the lookup: the verifier must refuse the
        /// program, and its log must show the C# lines (from BTF line info) around the bad access.
        /// </summary>
        [KernelFact]
        public void VerifierRejectionCarriesLogWithCSharpLines()
        {
            Kernel.Require();
            var result = ProbeBuilder.Build(Source);
            var function = result.Functions.Single();
            var code = function.Code.ToArray();
            int lookup = Array.FindIndex(code, i => i.Opcode == 0x85 && i.Imm == 1);
            int test = Array.FindIndex(code, lookup, i => (i.Opcode & 0x07) == 0x05 && (i.Opcode & 0xf0) is 0x10 or 0x50 && i.Imm == 0);
            Assert.True(lookup >= 0 && test > lookup, "expected a null test after the map lookup");
            // Test the lookup's result against 1 instead of null: both paths stay reachable, and on the
            // fall-through path the value may still be null when it is used.
            code[test] = code[test] with { Imm = 1 };
            var broken = function with { Code = code.ToEquatableArray() };
            var maps = new[] { new MapSpec("Counts", 1, 64, 0, IntType.UInt, IntType.ULong) };
            var elf = ObjectWriter.Write(new ObjectSpec("GPL", new[] { broken }.ToEquatableArray(), maps.ToEquatableArray()));

            var ex = Assert.Throws<BpfVerifierException>(() => BpfObject.Load(elf).Dispose());
            Assert.Equal("OnOpenat", ex.ProgramName);
            Assert.Contains("map_value_or_null", ex.VerifierLog);
            Assert.Contains("; uint pid = (uint)(Bpf.GetCurrentPidTgid() >> 32);", ex.VerifierLog);
            Assert.Contains("; ref ulong count = ref Counts.GetValueRefOrNullRef(pid);", ex.VerifierLog);
            Assert.Contains("; Interlocked.Increment(ref count);", ex.VerifierLog);
            Assert.Contains("Probe.cs", ex.VerifierLog + ex.Message);
        }
    }
}

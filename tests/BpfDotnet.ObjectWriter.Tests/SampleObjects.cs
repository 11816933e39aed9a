using System.Linq;
using BpfDotnet.Compiler.Isa;
using BpfDotnet.Compiler.Model;

namespace BpfDotnet.ObjectWriter.Tests
{
    /// <summary>Hand-built object specs: what the code generator would produce for small probes.</summary>
    internal static class SampleObjects
    {
        public const string OpenatSection = "tracepoint/syscalls/sys_enter_openat";
        public const string SourceFile = "/src/Probes/OpenCounter.cs";

        /// <summary>A value struct with a C#-style qualified generic name, to exercise name sanitising.</summary>
        public static readonly StructType CounterValue = new StructType("Probes.Counter<ulong>", 16, 8, Array(
            new StructMember("Count", IntType.ULong, 0),
            new StructMember("LastPid", IntType.UInt, 8),
            new StructMember("Seen", IntType.Bool, 12)));

        public static readonly StructType SysEnterArgs = new StructType("SysEnterArgs", 64, 8, Array(
            new StructMember("Common", IntType.ULong, 0),
            new StructMember("Id", IntType.Long, 8),
            new StructMember("Args", new ArrayType(IntType.ULong, 6), 16)));

        public static MapSpec Counts(string name = "Counts") => new MapSpec(name, 1 /* HASH */, 1024, 0, IntType.UInt, CounterValue);

        /// <summary>
        /// <c>key = 0; v = lookup(Counts, &amp;key); if (v) atomic v-&gt;Count += 1; return 0;</c>
        /// </summary>
        public static readonly Instruction[] CountCode =
        {
            new Instruction(0xb7, 1, 0, 0, 0),      // 0: r1 = 0
            new Instruction(0x63, 10, 1, -4, 0),    // 1: *(u32 *)(r10 - 4) = r1
            new Instruction(0xbf, 2, 10, 0, 0),     // 2: r2 = r10
            new Instruction(0x07, 2, 0, 0, -4),     // 3: r2 += -4
            new Instruction(0x18, 1, 0, 0, 0),      // 4: r1 = map Counts (ld_imm64, relocated)
            new Instruction(0x00, 0, 0, 0, 0),      // 5:   second slot
            new Instruction(0x85, 0, 0, 0, 1),      // 6: call bpf_map_lookup_elem
            new Instruction(0x15, 0, 0, 2, 0),      // 7: if r0 == 0 goto +2
            new Instruction(0xb7, 1, 0, 0, 1),      // 8: r1 = 1
            new Instruction(0xdb, 0, 1, 0, 0),      // 9: lock *(u64 *)(r0 + 0) += r1
            new Instruction(0xb7, 0, 0, 0, 0),      // 10: r0 = 0
            new Instruction(0x95, 0, 0, 0, 0),      // 11: exit
        };

        public static readonly LineInfo[] CountLines =
        {
            new LineInfo(0, SourceFile, "uint key = 0;", 12, 9),
            new LineInfo(2, SourceFile, "ref var counter = ref Counts.GetValueRefOrNullRef(key);", 13, 9),
            new LineInfo(7, SourceFile, "if (!Unsafe.IsNullRef(ref counter))", 14, 9),
            new LineInfo(8, SourceFile, "Interlocked.Increment(ref counter.Count);", 15, 13),
            new LineInfo(10, SourceFile, "return 0;", 16, 9),
        };

        public static CompiledFunction CountOpens(string name = "CountOpens", string section = OpenatSection, string map = "Counts")
            => new CompiledFunction(
                name,
                section,
                Array(CountCode),
                Array(new MapRelocation(4, map)),
                Array(CountLines),
                new FunctionSignature(IntType.Int, Array(new FunctionParameter("ctx", new PointerType(SysEnterArgs)))),
                StackDepth: 4);

        /// <summary><c>return 1;</c> — a program with no maps and no line info.</summary>
        public static CompiledFunction ReturnOne(string name, string section)
            => new CompiledFunction(
                name,
                section,
                Array(new Instruction(0xb7, 0, 0, 0, 1), new Instruction(0x95, 0, 0, 0, 0)),
                EquatableArray<MapRelocation>.Empty,
                EquatableArray<LineInfo>.Empty,
                new FunctionSignature(IntType.Int, Array(new FunctionParameter("ctx", new PointerType(null)))),
                StackDepth: 0);

        public static ObjectSpec OpenCounter() => new ObjectSpec("GPL", Array(CountOpens()), Array(Counts()));

        public static EquatableArray<T> Array<T>(params T[] items) where T : System.IEquatable<T> => items.ToEquatableArray();
    }
}

using System;
using System.IO;
using BpfDotnet.Compiler.Model;
using Xunit;
using static BpfDotnet.ObjectWriter.Tests.SampleObjects;
using Writer = BpfDotnet.Compiler.Object.ObjectWriter;

namespace BpfDotnet.ObjectWriter.Tests
{
    /// <summary>The <c>.BTF</c> section as bpftool (libbpf) reads it, and as clang would have written it.</summary>
    public sealed class BtfTests : IDisposable
    {
        private readonly TempDirectory _temp = new TempDirectory();

        public void Dispose() => _temp.Dispose();

        private string Dump(ObjectSpec spec) => Tools.Run(Tools.BpfTool, "btf", "dump", "file", _temp.Write("o.o", Writer.Write(spec)));

        [KernelFact]
        public void Program_is_a_global_func_with_named_parameters()
        {
            var output = Dump(OpenCounter());

            Assert.Matches(@"\] FUNC 'CountOpens' type_id=\d+ linkage=global", output);
            Assert.Matches(@"\] FUNC_PROTO '\(anon\)' ret_type_id=\d+ vlen=1\n\t'ctx' type_id=\d+", output);
            Assert.Matches(@"\] STRUCT 'SysEnterArgs' size=64 vlen=3\n\t'Common' type_id=\d+ bits_offset=0\n\t'Id' type_id=\d+ bits_offset=64\n\t'Args' type_id=\d+ bits_offset=128", output);
            Assert.Matches(@"\] ARRAY '\(anon\)' type_id=\d+ index_type_id=\d+ nr_elems=6", output);
        }

        [KernelFact]
        public void Integers_carry_their_encoding()
        {
            var output = Dump(OpenCounter());

            Assert.Contains("INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED", output);
            Assert.Contains("INT 'uint' size=4 bits_offset=0 nr_bits=32 encoding=(none)", output);
            Assert.Contains("INT 'ulong' size=8 bits_offset=0 nr_bits=64 encoding=(none)", output);
            Assert.Contains("INT 'bool' size=1 bits_offset=0 nr_bits=8 encoding=BOOL", output);
            Assert.Contains("INT '__ARRAY_SIZE_TYPE__' size=4 bits_offset=0 nr_bits=32 encoding=(none)", output);
        }

        [KernelFact]
        public void Struct_names_become_c_identifiers()
        {
            var output = Dump(OpenCounter());

            Assert.Matches(@"\] STRUCT 'Probes_Counter_ulong_' size=16 vlen=3\n\t'Count' type_id=\d+ bits_offset=0\n\t'LastPid' type_id=\d+ bits_offset=64\n\t'Seen' type_id=\d+ bits_offset=96", output);
        }

        [KernelFact]
        public void Maps_are_vars_in_the_maps_datasec_with_exact_offsets()
        {
            var flagged = new MapSpec("Totals", 2 /* ARRAY */, 4, 0x400 /* BPF_F_MMAPABLE */, IntType.UInt, IntType.ULong);
            var output = Dump(new ObjectSpec("GPL", Array(CountOpens()), Array(Counts(), flagged)));

            Assert.Matches(@"\] VAR 'Counts' type_id=\d+, linkage=global", output);
            Assert.Matches(@"\] VAR 'Totals' type_id=\d+, linkage=global", output);
            Assert.Matches(@"\] DATASEC '\.maps' size=72 vlen=2\n\ttype_id=\d+ offset=0 size=32 \(VAR 'Counts'\)\n\ttype_id=\d+ offset=32 size=40 \(VAR 'Totals'\)", output);

            var btf = new BtfDump(output);
            Assert.Equal(
                "struct (anon) 40 { type@0: *int32:SIGNED[2]; max_entries@64: *int32:SIGNED[4]; key@128: *int32:(none); value@192: *int64:(none); map_flags@256: *int32:SIGNED[1024]; }",
                btf.Describe(btf.Find("VAR", "Totals")));
        }

        [KernelFact]
        public void Identical_types_are_emitted_once()
        {
            var output = Dump(new ObjectSpec("GPL", Array(CountOpens()), Array(Counts("Counts"), Counts("Other"))));

            Assert.Single(System.Text.RegularExpressions.Regex.Matches(output, "STRUCT 'Probes_Counter_ulong_'"));
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(output, "INT 'uint'"));
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(output, @"nr_elems=1024\n"));
        }

        [KernelFact(Tools.Clang)]
        public void Map_definition_matches_what_clang_emits_for_the_same_c()
        {
            const string c = @"
typedef unsigned int __u32; typedef unsigned long long __u64;
#define SEC(n) __attribute__((section(n), used))
struct Probes_Counter_ulong_ { __u64 Count; __u32 LastPid; _Bool Seen; };
struct SysEnterArgs { __u64 Common; long long Id; __u64 Args[6]; };
struct {
    int (*type)[1];
    int (*max_entries)[1024];
    __u32 *key;
    struct Probes_Counter_ulong_ *value;
} Counts SEC("".maps"");
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *) 1;
SEC(""tracepoint/syscalls/sys_enter_openat"")
int CountOpens(struct SysEnterArgs *ctx)
{
    __u32 key = 0;
    struct Probes_Counter_ulong_ *counter = bpf_map_lookup_elem(&Counts, &key);
    if (counter) __sync_fetch_and_add(&counter->Count, 1);
    return 0;
}
char LICENSE[] SEC(""license"") = ""GPL"";
";
            var source = Path.Combine(_temp.Path, "reference.c");
            File.WriteAllText(source, c);
            var reference = Path.Combine(_temp.Path, "reference.o");
            Tools.Run(Tools.Clang, "-O2", "-g", "-target", "bpf", "-mcpu=v3", "-c", source, "-o", reference);

            var theirs = new BtfDump(Tools.Run(Tools.BpfTool, "btf", "dump", "file", reference));
            var ours = new BtfDump(Dump(OpenCounter()));

            Assert.Equal(theirs.Describe(theirs.Find("VAR", "Counts")), ours.Describe(ours.Find("VAR", "Counts")));
            Assert.Equal(theirs.Describe(theirs.Find("STRUCT", "SysEnterArgs")), ours.Describe(ours.Find("STRUCT", "SysEnterArgs")));
        }
    }
}

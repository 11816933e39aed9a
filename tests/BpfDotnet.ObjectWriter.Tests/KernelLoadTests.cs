using System;
using System.IO;
using System.Linq;
using BpfDotnet.Compiler.Model;
using Xunit;
using static BpfDotnet.ObjectWriter.Tests.SampleObjects;
using Writer = BpfDotnet.Compiler.Object.ObjectWriter;

namespace BpfDotnet.ObjectWriter.Tests
{
    /// <summary>The kernel verifier accepts written objects, and sees the C# source lines through BTF line info.</summary>
    public sealed class KernelLoadTests : IDisposable
    {
        private const string BpfFs = "/sys/fs/bpf";
        private readonly TempDirectory _temp = new TempDirectory();
        private readonly string _pinDirectory = Path.Combine(BpfFs, "bpfdotnet-objtest-" + Guid.NewGuid().ToString("N"));

        private string MapPinDirectory => _pinDirectory + "-maps";

        public void Dispose()
        {
            foreach (var directory in new[] { _pinDirectory, MapPinDirectory })
            {
                if (!Directory.Exists(directory)) continue;
                foreach (var pin in Directory.GetFiles(directory)) File.Delete(pin);
                Directory.Delete(directory);
            }
            _temp.Dispose();
        }

        /// <summary>Runs <c>bpftool prog loadall</c>; returns the pinned programs.</summary>
        private string[] LoadAll(ObjectSpec spec, bool pinMaps = false)
        {
            MountBpfFs();
            var obj = _temp.Write("probe.o", Writer.Write(spec));
            var arguments = new[] { "-d", "prog", "loadall", obj, _pinDirectory };
            if (pinMaps) arguments = arguments.Concat(new[] { "pinmaps", MapPinDirectory }).ToArray();
            var (exitCode, stdout, stderr) = Tools.TryRun(Tools.BpfTool, arguments);
            Assert.True(exitCode == 0, $"bpftool prog loadall failed ({exitCode}):\n{Tail(stderr)}\n{stdout}");
            return Directory.GetFiles(_pinDirectory).OrderBy(p => p, StringComparer.Ordinal).ToArray();
        }

        private static void MountBpfFs()
        {
            if (File.ReadAllText("/proc/mounts").Contains($" {BpfFs} bpf ")) return;
            Tools.Run("mount", "-t", "bpf", "bpf", BpfFs);
        }

        /// <summary>The end of libbpf's debug output, where the verifier log and the error are.</summary>
        private static string Tail(string text) => text.Length <= 6000 ? text : text[^6000..];

        [KernelFact]
        public void Tracepoint_program_with_a_hash_map_of_structs_loads()
        {
            var pins = LoadAll(OpenCounter());

            var pin = Assert.Single(pins);
            var info = Tools.Run(Tools.BpfTool, "prog", "show", "pinned", pin);
            Assert.Contains("tracepoint", info);
            Assert.Contains("name CountOpens", info);
            Assert.Contains("btf_id", info);
            var maps = Tools.Run(Tools.BpfTool, "map", "show");
            Assert.Contains("name Counts", maps);
        }

        [KernelFact]
        public void Verifier_sees_the_csharp_source_lines()
        {
            var pin = Assert.Single(LoadAll(OpenCounter()));

            var xlated = Tools.Run(Tools.BpfTool, "prog", "dump", "xlated", "pinned", pin, "linum");
            // func_info: the kernel knows the program's BTF prototype.
            Assert.StartsWith("int CountOpens(struct SysEnterArgs * ctx):", xlated);
            foreach (var line in CountLines)
            {
                Assert.Contains("; " + line.LineText, xlated);
            }
            Assert.Contains($"[file:{SourceFile} line_num:12 line_col:9]", xlated);
        }

        [KernelFact]
        public void Line_records_are_normalised_to_what_the_verifier_accepts()
        {
            // First record not at 0, one on the second slot of the ld_imm64, two on one instruction, out of order.
            var lines = Array(
                new LineInfo(7, SourceFile, "if (!Unsafe.IsNullRef(ref counter))", 14, 9),
                new LineInfo(2, SourceFile, "ref var counter = ref Counts.GetValueRefOrNullRef(key);", 13, 9),
                new LineInfo(5, SourceFile, "second slot", 13, 20),
                new LineInfo(7, SourceFile, "duplicate", 14, 30));
            var spec = new ObjectSpec("GPL", Array(CountOpens() with { Lines = lines }), Array(Counts()));

            var xlated = Tools.Run(Tools.BpfTool, "prog", "dump", "xlated", "pinned", Assert.Single(LoadAll(spec)));

            Assert.Contains("; ref var counter", xlated);
            Assert.Contains("; if (!Unsafe.IsNullRef(ref counter))", xlated);
            Assert.DoesNotContain("second slot", xlated);
            Assert.DoesNotContain("duplicate", xlated);
        }

        [KernelFact]
        public void Enums_void_pointers_and_ring_buffers_pass_the_kernel_btf_checks()
        {
            var color = new EnumType("Probes.Color", IntType.Byte, Array(new EnumMember("Red", 0), new EnumMember("Blue", 255)));
            var delta = new EnumType("Delta", IntType.Int, Array(new EnumMember("Down", -1), new EnumMember("Up", 1)));
            var big = new EnumType("Big", IntType.ULong, Array(new EnumMember("Huge", unchecked((long)0xffff_ffff_0000_0000UL))));
            var value = new StructType("Event", 24, 8, Array(
                new StructMember("Color", color, 0),
                new StructMember("Delta", delta, 4),
                new StructMember("Big", big, 8),
                new StructMember("Data", new PointerType(null), 16)));
            var none = new StructType(string.Empty, 0, 1, EquatableArray<StructMember>.Empty);
            var spec = new ObjectSpec("GPL",
                Array(CountOpens()),
                Array(Counts(), new MapSpec("Events", 1 /* HASH */, 16, 0, IntType.UInt, value), new MapSpec("Ring", 27 /* RINGBUF */, 64 * 4096, 0, none, none)));

            Assert.Single(LoadAll(spec, pinMaps: true));

            var btf = Tools.Run(Tools.BpfTool, "btf", "dump", "file", Path.Combine(_temp.Path, "probe.o"));
            Assert.Contains("ENUM 'Probes_Color' encoding=UNSIGNED size=1 vlen=2", btf);
            Assert.Contains("'Blue' val=255", btf);
            Assert.Contains("ENUM 'Delta' encoding=SIGNED size=4 vlen=2", btf);
            Assert.Contains("'Down' val=-1", btf);
            Assert.Contains("ENUM64 'Big' encoding=UNSIGNED size=8 vlen=1", btf);
            Assert.Contains("'Huge' val=18446744069414584320ULL", btf);
            var ring = Tools.Run(Tools.BpfTool, "map", "show", "pinned", Path.Combine(MapPinDirectory, "Ring"));
            Assert.Contains("ringbuf  name Ring", ring);
            Assert.Contains("key 0B  value 0B  max_entries 262144", ring);
            var events = Tools.Run(Tools.BpfTool, "map", "show", "pinned", Path.Combine(MapPinDirectory, "Events"));
            Assert.Contains("key 4B  value 24B  max_entries 16", events);
            Assert.Contains("btf_id", events);
        }

        [KernelFact]
        public void Several_programs_and_maps_load_together()
        {
            var spec = new ObjectSpec("GPL",
                Array(CountOpens(), CountOpens("CountOpens2", "tracepoint/syscalls/sys_enter_open", "Other"), ReturnOne("PassAll", "xdp")),
                Array(Counts(), Counts("Other"), new MapSpec("Totals", 2 /* ARRAY */, 4, 0, IntType.UInt, IntType.ULong)));

            Assert.Equal(3, LoadAll(spec).Length);
        }
    }
}

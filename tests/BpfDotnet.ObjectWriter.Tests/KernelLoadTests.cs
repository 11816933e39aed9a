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

        public void Dispose()
        {
            if (Directory.Exists(_pinDirectory))
            {
                foreach (var pin in Directory.GetFiles(_pinDirectory)) File.Delete(pin);
                Directory.Delete(_pinDirectory);
            }
            _temp.Dispose();
        }

        /// <summary>Runs <c>bpftool prog loadall</c>; returns the pinned programs.</summary>
        private string[] LoadAll(ObjectSpec spec)
        {
            MountBpfFs();
            var obj = _temp.Write("probe.o", Writer.Write(spec));
            var (exitCode, stdout, stderr) = Tools.TryRun(Tools.BpfTool, "-d", "prog", "loadall", obj, _pinDirectory);
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
            foreach (var line in CountLines)
            {
                Assert.Contains("; " + line.LineText, xlated);
            }
            Assert.Contains($"[file:{SourceFile} line_num:12 line_col:9]", xlated);
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

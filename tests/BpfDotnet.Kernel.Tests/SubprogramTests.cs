using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>BPF-to-BPF calls: subprograms in <c>.text</c>, shared by two programs, checked in the kernel and with the tools.</summary>
    [Collection("kernel")]
    public class SubprogramTests
    {
        [DllImport("libc")]
        private static extern int gettid();

        private static string ObjectPath => Path.Combine(System.AppContext.BaseDirectory, "CallCounter.bpf.o");

        [KernelFact]
        public void ProgramsCallingSharedSubprogramsCountRealEvents()
        {
            Kernel.Require();
            uint tid = (uint)gettid();
            using var probe = CallCounter.Load(new() { TargetTid = tid });
            probe.AttachAll();
            const int n = 25;
            for (int i = 0; i < n; i++) File.OpenHandle("/proc/self/stat").Dispose();

            var totals = probe.Totals;
            ulong opens = totals[0];
            ulong successes = totals[1];
            Assert.True(opens >= n, $"openat calls counted: {opens}");
            Assert.True(successes >= 2UL * n && successes % 2 == 0, $"successful openat weight: {successes}");

            // Each program carries its own copy of both subprograms, each with its own func_info record.
            foreach (var program in new[] { probe.OnOpenat, probe.OnOpenatExit })
            {
                Assert.True(program.GetInfo().VerifiedInstructions > 0);
                Assert.Equal(3u, program.GetInfo().FuncInfoCount);
            }
        }

        [KernelFact]
        public void ToolsSeeStaticSubprogramsInText()
        {
            Kernel.Require();
            var (dumpCode, disassembly) = Repo.Run("llvm-objdump-14", $"-d -r {ObjectPath}");
            Assert.True(dumpCode == 0, disassembly);
            Assert.Contains("Disassembly of section .text:", disassembly);
            Assert.Contains("<CallCounter_IsTarget>:", disassembly);
            Assert.Contains("<CallCounter_Add>:", disassembly);
            Assert.Contains("R_BPF_64_32\tCallCounter_Add", disassembly);

            var (btfCode, btf) = Repo.Run("bpftool", $"btf dump file {ObjectPath}");
            Assert.True(btfCode == 0, btf);
            Assert.Contains("FUNC 'CallCounter_Add' type_id=", btf);
            Assert.Contains("linkage=static", btf.Split('\n').Single(l => l.Contains("FUNC 'CallCounter_Add'")));
            Assert.Contains("linkage=global", btf.Split('\n').Single(l => l.Contains("FUNC 'OnOpenat'")));

            var pinDir = "/sys/fs/bpf/bpfdotnet-subprog-" + System.Environment.ProcessId;
            try
            {
                var (code, output) = Repo.Run("bpftool", $"prog loadall {ObjectPath} {pinDir}");
                Assert.True(code == 0, "bpftool prog loadall failed:\n" + output);
                Assert.Equal(2, Directory.GetFileSystemEntries(pinDir).Length);
            }
            finally
            {
                if (Directory.Exists(pinDir)) Directory.Delete(pinDir, recursive: true);
            }
        }
    }
}

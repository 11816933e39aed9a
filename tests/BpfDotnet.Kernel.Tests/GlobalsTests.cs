using System.IO;
using System.Runtime.InteropServices;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Static fields as global variables: typed config before load, counters read and written from user space.</summary>
    [Collection("kernel")]
    public class GlobalsTests
    {
        [DllImport("libc")]
        private static extern int gettid();

        [KernelFact]
        public void ConfigIsSetBeforeLoadAndCountersAreShared()
        {
            Kernel.Require();
            uint tid = (uint)gettid();
            using var probe = ConfiguredCounter.Load(new() { TargetTid = tid, Weight = 5 });
            Assert.Equal(tid, probe.TargetTid);
            Assert.Equal(5UL, probe.Weight);
            Assert.Equal(100UL, probe.Seen);
            Assert.Equal(0UL, probe.Matched);

            probe.AttachAll();
            const int n = 30;
            for (int i = 0; i < n; i++) File.OpenHandle("/proc/self/stat").Dispose();

            ulong matched = probe.Matched;
            Assert.True(matched >= 5UL * n && matched % 5 == 0, $"matched {matched}");
            Assert.True(probe.Seen >= 100UL + n, $"seen {probe.Seen}");

            probe.Matched = 7;
            Assert.Equal(7UL, probe.Matched);
            Assert.Throws<BpfException>(() => probe.Object.WriteGlobal(".rodata", 0, 1u));
        }

        [KernelFact]
        public void DefaultConfigUsesTheFieldValues()
        {
            Kernel.Require();
            using var probe = ConfiguredCounter.Load();
            Assert.Equal(3UL, probe.Weight);
            Assert.Equal(0u, probe.TargetTid);
        }

        [KernelFact]
        public void BpftoolLoadsAnObjectWithGlobalData()
        {
            Kernel.Require();
            var path = Path.Combine(System.AppContext.BaseDirectory, "ConfiguredCounter.bpf.o");
            var pinDir = "/sys/fs/bpf/bpfdotnet-globals-" + System.Environment.ProcessId;
            try
            {
                var (code, output) = Repo.Run("bpftool", $"prog loadall {path} {pinDir}");
                Assert.True(code == 0, "bpftool prog loadall failed:\n" + output);
                var (dumpCode, btf) = Repo.Run("bpftool", $"btf dump file {path}");
                Assert.True(dumpCode == 0, btf);
                Assert.Contains("DATASEC '.rodata'", btf);
                Assert.Contains("DATASEC '.bss'", btf);
                Assert.Contains("DATASEC '.data'", btf);
                Assert.Contains("VAR 'TargetTid'", btf);
            }
            finally
            {
                if (Directory.Exists(pinDir)) Directory.Delete(pinDir, recursive: true);
            }
        }
    }
}

using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>
    /// The same probe body runs in the kernel and as plain .NET code on the same inputs; every result
    /// must agree. Inputs reach the kernel as the mode argument of real openat(2) calls.
    /// </summary>
    [Collection("kernel")]
    public class DifferentialTests
    {
        private const long AtFdCwd = -100, OpenFlags = 0x80000; // O_RDONLY | O_CLOEXEC

        [DllImport("libc", SetLastError = true)]
        private static extern long syscall(long number, long dirfd, string path, long flags, long mode);

        [DllImport("libc")]
        private static extern int close(int fd);

        [DllImport("libc")]
        private static extern int gettid();

        [DllImport("libc")]
        private static extern uint getuid();

        private static readonly long[] Interesting =
        {
            0, 1, -1, 2, 0x2a, -6, 7, 255, 256, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x10000,
            int.MaxValue, int.MinValue, uint.MaxValue, 0x80000000, 999, 1000, 1001, -1000,
            long.MaxValue, long.MinValue, 0x1234_5678_9abc_def0, unchecked((long)0xfedc_ba98_7654_3210),
        };

        [KernelFact]
        public void KernelAndDotnetAgreeOnEveryInput()
        {
            Kernel.Require();
            var random = new Random(20261125);
            var inputs = Interesting.Concat(Enumerable.Range(0, 150).Select(_ => random.NextInt64(long.MinValue, long.MaxValue))).ToArray();

            uint tid = (uint)gettid();
            using var probe = OpenStatsProbe.Load();
            probe.AttachAll();
            // A first pass with the filter unset records nothing; it only makes sure every code path of the
            // loop is compiled and its assemblies loaded, so no other openat runs on this thread later.
            RunAll(probe, inputs.Take(3).ToArray(), check: false);
            probe.Filter[0] = tid;
            OpenStatsProbe.Filter.Update(0, tid);
            RunAll(probe, inputs, check: true);

            var stats = probe.Stats[tid];
            Assert.True(stats.Calls >= (ulong)inputs.Length, $"{stats.Calls} calls recorded for {inputs.Length} openat calls");
            Assert.Equal((ulong)OpenFlags, stats.FlagsSeen & (ulong)OpenFlags);
            Assert.Equal(inputs[^1], stats.LastMode);
            Assert.Equal(getuid(), stats.Uid);
            Assert.True(stats.Cpu < (uint)Environment.ProcessorCount, "cpu " + stats.Cpu);
            Assert.True(stats.FirstNs > 0 && stats.LastNs >= stats.FirstNs, $"timestamps {stats.FirstNs} .. {stats.LastNs}");
            Assert.Equal(File.ReadAllText($"/proc/self/task/{tid}/comm").Trim(), stats.Comm.ToString());
        }

        private static void RunAll(OpenStatsProbe.Loaded probe, long[] inputs, bool check)
        {
            foreach (long mode in inputs)
            {
                long fd = syscall(257, AtFdCwd, "/dev/null", OpenFlags, mode);
                Assert.True(fd >= 0, "openat failed: errno " + Marshal.GetLastPInvokeError());
                close((int)fd);

                // Read the kernel's results before the .NET run, which may itself open files (reading the thread name).
                var kernel = new long[16];
                if (check) for (uint slot = 0; slot < kernel.Length; slot++) kernel[slot] = probe.Results[slot];

                var ctx = new SysEnterArgs { Arg0 = AtFdCwd, Arg2 = OpenFlags, Arg3 = mode };
                OpenStatsProbe.OnOpenat(ref ctx);
                if (!check) continue;
                Assert.Equal(mode, kernel[15]);
                for (uint slot = 0; slot < 14; slot++)
                {
                    Assert.True(OpenStatsProbe.Results.TryGetValue(slot, out long expected));
                    Assert.True(expected == kernel[slot], $"slot {slot}, mode 0x{mode:x}: .NET computed {expected}, the kernel {kernel[slot]}");
                }
            }

        }
    }
}

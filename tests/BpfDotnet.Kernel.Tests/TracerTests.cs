using System;
using System.IO;
using System.Runtime.InteropServices;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary><c>Bpf.Printk</c> reaches the trace buffer; a false read-only switch removes the code behind it.</summary>
    [Collection("kernel")]
    public class TracerTests
    {
        [DllImport("libc", SetLastError = true)]
        private static extern long syscall(long number, long dirfd, string path, long flags, long mode);

        [DllImport("libc")]
        private static extern int close(int fd);

        [DllImport("libc")]
        private static extern int gettid();

        [KernelFact]
        public void PrintkWritesToTheTraceBuffer()
        {
            Kernel.Require();
            uint tid = (uint)gettid();
            ulong marker = (ulong)Random.Shared.NextInt64(1, long.MaxValue);
            using var probe = Tracer.Load(new() { TargetTid = tid, Verbose = true });
            probe.AttachAll();
            // The first record written into a trace buffer not yet expanded from its boot size can be lost while it grows.
            close((int)syscall(257, -100, "/dev/null", 0, 0));
            long fd = syscall(257, -100, "/dev/null", 0, (long)marker);
            Assert.True(fd >= 0);
            close((int)fd);
            string trace = File.ReadAllText("/sys/kernel/tracing/trace");
            Assert.Contains($"bpfdotnet-marker tid={tid} mode={marker}", trace);
        }

        [KernelFact]
        public void ReadOnlySwitchLetsTheVerifierDropTheBranch()
        {
            Kernel.Require();
            using var verbose = Tracer.Load(new() { Verbose = true });
            using var quiet = Tracer.Load(new() { Verbose = false });
            uint withBranch = verbose.OnOpenat.GetInfo().VerifiedInstructions;
            uint without = quiet.OnOpenat.GetInfo().VerifiedInstructions;
            Assert.True(without < withBranch, $"verified {without} instructions with Verbose = false, {withBranch} with true");
        }
    }
}

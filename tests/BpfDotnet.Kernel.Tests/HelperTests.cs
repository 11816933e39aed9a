using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>The helpers that are one entry of the helpers table each, called by a real program and checked against the system.</summary>
    [Collection("kernel")]
    public class HelperTests
    {
        [KernelFact]
        public void TimeCgroupNumaRandomCpuAndIdHelpers_ReturnTheKernelsValues()
        {
            Kernel.Require();
            using var probe = HelperProbe.Load(new() { TargetPid = (uint)Environment.ProcessId });
            probe.AttachAll();
            Syscalls.Getpgid(0);
            var v = probe.Values[0];
            // Read in this order in the program: monotonic, then boot (which adds the time suspended).
            Assert.True(v.Monotonic > 0);
            Assert.True(v.Boot >= v.Monotonic, $"boot {v.Boot} < monotonic {v.Monotonic}");
            Assert.True(v.Jiffies > 0);
            // The cgroup id is the inode number of this process's cgroup v2 directory.
            string cgroup = File.ReadAllLines("/proc/self/cgroup").Single(l => l.StartsWith("0::", StringComparison.Ordinal))[3..];
            var (exit, inode) = Kernel.Run("stat", "-c %i /sys/fs/cgroup" + cgroup);
            Assert.Equal(0, exit);
            Assert.Equal(ulong.Parse(inode.Trim(), System.Globalization.CultureInfo.InvariantCulture), v.CgroupId);
            int nodes = Directory.Exists("/sys/devices/system/node") ? Directory.GetDirectories("/sys/devices/system/node", "node*").Length : 1;
            Assert.InRange(v.NumaNode, 0, Math.Max(nodes, 1) - 1);
            // Three draws of the generator are not all equal (a chance of 2^-64 that they are).
            Assert.False(v.Random1 == v.Random2 && v.Random2 == v.Random3, $"three equal random values {v.Random1}");
            Assert.InRange(v.Cpu, 0u, (uint)BpfSystem.GetPossibleCpuCount() - 1);
            // Running as root: uid and gid 0.
            Assert.Equal(0UL, v.UidGid);
        }

        /// <summary>A program sends the traced process a signal (SIGWINCH, which this test handles) and queries its ring buffer.</summary>
        [KernelFact]
        [System.Runtime.Versioning.SupportedOSPlatform("linux")]
        public void SendSignal_ReachesTheTracedProcess_AndRingBufferQuery_SaysWhatTheBufferHolds()
        {
            Kernel.Require();
            using var probe = Signals.Load(new() { TargetPid = (uint)Environment.ProcessId });
            probe.AttachAll();
            using var received = new System.Threading.ManualResetEventSlim();
            using var registration = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGWINCH, context =>
            {
                context.Cancel = true;
                received.Set();
            });
            const int SigWinch = 28;
            Syscalls.Getpgid(SigWinch);
            Assert.Equal(0, probe.Results[0]);
            Assert.True(received.Wait(TimeSpan.FromSeconds(5)), "SIGWINCH did not arrive");
            Assert.Equal(4096, probe.Results[1]);
            // One 8-byte record and its 8-byte header.
            Assert.Equal(16, probe.Results[2]);
        }

        /// <summary>The ids in this process's own pid namespace are its pid and thread id; a wrong namespace is refused.</summary>
        [KernelFact]
        public void GetNsCurrentPidTgid_GivesTheIdsInTheNamespace()
        {
            Kernel.Require();
            var (exit, stat) = Kernel.Run("stat", "-L -c \"%d %i\" /proc/self/ns/pid");
            Assert.Equal(0, exit);
            var parts = stat.Trim().Split(' ');
            ulong device = ulong.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            ulong inode = ulong.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
            using var probe = NamespaceIds.Load(new() { TargetPid = (uint)Environment.ProcessId, NamespaceInode = inode });
            probe.AttachAll();
            Syscalls.Getpgid((int)device);
            Assert.Equal(0, probe.Results[0]);
            Assert.Equal(Environment.ProcessId, probe.Results[1]);
            Assert.Equal(Syscalls.Gettid(), probe.Results[2]);
            // Another device: no such namespace, and the ids are zero.
            Syscalls.Getpgid((int)device + 1000);
            Assert.True(probe.Results[0] < 0);
            Assert.Equal(0, probe.Results[1]);
        }

        /// <summary>bpf_snprintf formats as the .NET stand-in does, cutting a line that does not fit.</summary>
        [KernelFact]
        public void Snprintf_FormatsTheArguments_AsTheStandInDoes()
        {
            Kernel.Require();
            using var probe = Formatter.Load(new() { TargetPid = (uint)Environment.ProcessId });
            probe.AttachAll();
            Syscalls.Getpgid(1234567);
            var line = probe.Lines[0];
            string text = System.Text.Encoding.ASCII.GetString(line.Text[..(int)(line.Length - 1)]);
            Assert.Equal("v=1234567 hex=0012d687 [7   ] D%", text);

            Span<byte> expected = stackalloc byte[64];
            long standIn = Bpf.Snprintf(expected, "v=%ld hex=%08lx [%-4d] %c%%", 1234567, 1234567, 1234567 & 7, 'A' + (1234567 & 3));
            Assert.Equal(standIn, line.Length);
            Assert.Equal(text, System.Text.Encoding.ASCII.GetString(expected[..(int)(standIn - 1)]));

            var cut = probe.Lines[1];
            Assert.Equal("1234567-1234567-1234567".Length + 1, cut.Length);
            Assert.Equal("1234567", System.Text.Encoding.ASCII.GetString(cut.Text[..7]));
            Assert.Equal(0, cut.Text[7]);
        }
    }
}

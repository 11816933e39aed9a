using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>cgroup programs on this process's own cgroup v2 directory, seeing its real packets.</summary>
    [Collection("kernel")]
    public class CgroupTests
    {
        /// <summary>This process's cgroup v2 directory: the unified hierarchy's mount (scripts/prepare-machine.sh mounts one where there is none) joined with /proc/self/cgroup's "0::" path.</summary>
        private static string OwnCgroup()
        {
            string mount = File.ReadLines("/proc/self/mounts").Select(l => l.Split(' ')).First(f => f.Length > 2 && f[2] == "cgroup2")[1];
            string path = File.ReadLines("/proc/self/cgroup").Single(l => l.StartsWith("0::", StringComparison.Ordinal))[3..];
            return mount + path.TrimEnd('/');
        }

        [KernelFact]
        public void ACgroupSkbProgram_CountsThePacketsItsCgroupSends_AndLetsThemGo()
        {
            Kernel.Require();
            int linksBefore = BpfSystem.GetLinkIds().Count;
            using (var probe = CgroupEgress.Load())
            {
                using var link = probe.OnEgress.AttachCgroup(OwnCgroup());
                Assert.Contains("CgroupInetEgress", link.Description);
                using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                receiver.ReceiveTimeout = 2000;
                using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                for (int i = 0; i < 4; i++) sender.SendTo(new byte[50], receiver.LocalEndPoint!);
                var buffer = new byte[64];
                for (int i = 0; i < 4; i++) Assert.Equal(50, receiver.Receive(buffer)); // 1: allowed
                Assert.True(probe.Sent[0] >= 4, "packets: " + probe.Sent[0]);
                Assert.True(probe.Sent[1] >= 4 * 78, "bytes: " + probe.Sent[1]); // IPv4 + UDP headers and 50 bytes each
            }
            Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count);
        }

        [KernelFact]
        public void ADirectoryThatIsNotACgroup_IsRefusedWithTheReason()
        {
            Kernel.Require();
            using var probe = CgroupEgress.Load();
            var e = Assert.Throws<BpfException>(() => probe.OnEgress.AttachCgroup("/tmp"));
            Assert.Contains("cgroup '/tmp'", e.Message);
        }
    }
}

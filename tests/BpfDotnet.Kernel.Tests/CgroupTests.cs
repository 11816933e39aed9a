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

        /// <summary>A cgroup sock_create program on this process's cgroup refuses raw sockets of protocol 253 (EPERM) and lets TCP ones be made.</summary>
        [KernelFact]
        public void ASockCreateProgram_RefusesTheSocketsItChooses()
        {
            Kernel.Require();
            int linksBefore = BpfSystem.GetLinkIds().Count;
            using (var probe = SocketCreation.Load())
            {
                using (probe.OnCreate.AttachCgroup(OwnCgroup()))
                {
                    using (new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)) { }
                    const int AfInet = 2, SockRaw = 3, Experimental = 253, EPERM = 1;
                    Assert.Equal(EPERM, Syscalls.MakeSocket(AfInet, SockRaw, Experimental));
                    Assert.True(probe.Counts[0] >= 2, "sockets seen: " + probe.Counts[0]);
                    Assert.Equal(1, probe.Counts[1]);
                }
                Assert.Equal(0, Syscalls.MakeSocket(2, 3, 253)); // detached: allowed again
            }
            Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count);
        }

        /// <summary>A cgroup device program on this process's cgroup refuses reading /dev/full (EPERM) and lets /dev/null be opened.</summary>
        [KernelFact]
        public void ADeviceProgram_RefusesTheDeviceAccessItChooses()
        {
            Kernel.Require();
            int linksBefore = BpfSystem.GetLinkIds().Count;
            using (var probe = DeviceGuard.Load())
            {
                using (probe.OnAccess.AttachCgroup(OwnCgroup()))
                {
                    using (File.OpenRead("/dev/null")) { }
                    Assert.Throws<UnauthorizedAccessException>(() => File.OpenRead("/dev/full").Dispose());
                    Assert.Equal(1, probe.Refused[0]);
                }
                using (File.OpenRead("/dev/full")) { } // detached: allowed again
            }
            Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count);
        }

        /// <summary>A sock_ops program on this process's cgroup sees a loopback TCP connection established on both ends.</summary>
        [KernelFact]
        public void ASockOpsProgram_SeesBothEndsOfAConnectionEstablished()
        {
            Kernel.Require();
            const int ActiveEstablished = 4, PassiveEstablished = 5;
            int linksBefore = BpfSystem.GetLinkIds().Count;
            using (var probe = ConnectionLife.Load())
            {
                using (probe.OnSockOp.AttachCgroup(OwnCgroup()))
                {
                    using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                    listener.Listen(1);
                    using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    client.Connect(listener.LocalEndPoint!);
                    using var accepted = listener.Accept();
                    uint clientPort = (uint)((IPEndPoint)client.LocalEndPoint!).Port, serverPort = (uint)((IPEndPoint)listener.LocalEndPoint!).Port;
                    Assert.True(probe.OpsByPort.TryGetValue(clientPort, out uint clientOps), "no op seen on the client's port");
                    Assert.True((clientOps & (1u << ActiveEstablished)) != 0, "client ops: " + clientOps);
                    Assert.True(probe.OpsByPort.TryGetValue(serverPort, out uint serverOps), "no op seen on the server's port");
                    Assert.True((serverOps & (1u << PassiveEstablished)) != 0, "server ops: " + serverOps);
                }
            }
            Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count);
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

        /// <summary>
        /// A cgroup connect4 program on this process's cgroup refuses connects to one port (EPERM) and rewrites the
        /// destination port of others, which then reach the listener on the new port.
        /// </summary>
        [KernelFact]
        public void AConnect4Program_RefusesAndRewritesThisProcesssConnects()
        {
            Kernel.Require();
            using var listener = new TcpListenerPort();
            ushort target = (ushort)listener.Port;
            ushort from = FreePort(), denied = FreePort();
            using var probe = ConnectPolicy.Load(new() { DeniedPort = denied, FromPort = from, ToPort = target });
            using (var link = probe.OnConnect4.AttachCgroup(OwnCgroup()))
            {
                using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
                {
                    client.Connect(new IPEndPoint(IPAddress.Loopback, from));
                    using var accepted = listener.Accept();
                    Assert.Equal(target, ((IPEndPoint)client.RemoteEndPoint!).Port); // connected where the program sent it
                    Assert.NotNull(accepted);
                }
                using (var refused = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
                {
                    var e = Assert.Throws<SocketException>(() => refused.Connect(new IPEndPoint(IPAddress.Loopback, denied)));
                    Assert.Equal(SocketError.AccessDenied, e.SocketErrorCode);
                }
            }
            Assert.True(probe.Counts[0] >= 2 && probe.Counts[1] == 1 && probe.Counts[2] == 1, $"seen {probe.Counts[0]}, refused {probe.Counts[1]}, rewritten {probe.Counts[2]}");
        }

        /// <summary>
        /// A cgroup sysctl program on this process's cgroup reads each accessed sysctl's name and refuses reads of
        /// kernel/ostype (EPERM), while other sysctls read as before; detached, ostype reads again.
        /// </summary>
        [KernelFact]
        public void ASysctlProgram_RefusesReadsOfOneSysctl()
        {
            Kernel.Require();
            using var probe = SysctlGuard.Load();
            using (var link = probe.OnSysctl.AttachCgroup(OwnCgroup()))
            {
                Assert.Throws<UnauthorizedAccessException>(() => File.ReadAllText("/proc/sys/kernel/ostype"));
                Assert.False(string.IsNullOrWhiteSpace(File.ReadAllText("/proc/sys/kernel/osrelease")));
                Assert.True(probe.Seen[0] >= 2, "accesses: " + probe.Seen[0]);
                Assert.Equal(1, probe.Seen[1]);
                Assert.Equal("kernel/osrelease".Length, probe.Seen[2]);
            }
            Assert.Equal("Linux", File.ReadAllText("/proc/sys/kernel/ostype").Trim());
        }

        /// <summary>
        /// A cgroup setsockopt program on this process's cgroup changes the SO_PRIORITY values this process sets (in place,
        /// through the option's value) and refuses those above 6, leaving other options alone.
        /// </summary>
        [KernelFact]
        public void ASetsockoptProgram_ChangesAndRefusesOptionValues()
        {
            Kernel.Require();
            const int SolSocket = 1, SoPriority = 12;
            using var probe = PriorityGuard.Load();
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            void SetPriority(int value) => socket.SetRawSocketOption(SolSocket, SoPriority, BitConverter.GetBytes(value));
            int GetPriority()
            {
                var value = new byte[4];
                socket.GetRawSocketOption(SolSocket, SoPriority, value);
                return BitConverter.ToInt32(value);
            }
            using (var link = probe.OnSetsockopt.AttachCgroup(OwnCgroup()))
            {
                SetPriority(3);
                Assert.Equal(4, GetPriority());
                Assert.Equal(3, probe.Seen[0]);
                var refused = Assert.Throws<SocketException>(() => SetPriority(7));
                Assert.Equal(SocketError.AccessDenied, refused.SocketErrorCode);
                Assert.Equal(1, probe.Seen[1]);
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReceiveBuffer, 65536); // another option: untouched
            }
            SetPriority(3);
            Assert.Equal(3, GetPriority());
        }

        /// <summary>A port nothing listens on now.</summary>
        private static ushort FreePort()
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            return (ushort)((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        /// <summary>A TCP listener on a loopback port.</summary>
        private sealed class TcpListenerPort : IDisposable
        {
            private readonly Socket _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

            public TcpListenerPort()
            {
                _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                _socket.Listen(4);
            }

            public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

            public Socket Accept() => _socket.Accept();

            public void Dispose() => _socket.Dispose();
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

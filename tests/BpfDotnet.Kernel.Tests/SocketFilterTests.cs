using System;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Socket filters test-run on a packet and attached to a real UDP socket.</summary>
    [Collection("kernel")]
    public class SocketFilterTests
    {
        [KernelFact]
        public void ATestRunGivesTheVerdict_AndTheCoarseClockReadsTheKernelsTime()
        {
            Kernel.Require();
            using var probe = SocketFilters.Load();
            var packet = new byte[100];
            long before = Stopwatch.GetTimestamp();
            var result = probe.KeepFirst64.TestRun(packet, repeat: 10);
            Assert.Equal(64u, result.ReturnValue);
            Assert.Equal(100, result.Packet.Length);
            // CLOCK_MONOTONIC_COARSE lags CLOCK_MONOTONIC (Stopwatch's on Linux) by at most a tick or so.
            long coarse = (long)probe.Seen[0];
            long monotonic = (long)((double)before / Stopwatch.Frequency * 1e9);
            Assert.InRange(coarse - monotonic, -100_000_000L, 100_000_000L);
        }

        [KernelFact]
        public void AFilterThatKeepsNothing_DropsWhatTheSocketWouldReceive_UntilItIsDetached()
        {
            Kernel.Require();
            using var probe = SocketFilters.Load();
            using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            receiver.ReceiveTimeout = 300;
            using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            var buffer = new byte[64];

            var filter = probe.DropAll.AttachToSocket(receiver);
            sender.SendTo(new byte[] { 1, 2, 3 }, receiver.LocalEndPoint!);
            var timeout = Assert.Throws<SocketException>(() => receiver.Receive(buffer));
            Assert.Equal(SocketError.TimedOut, timeout.SocketErrorCode);
            Assert.Equal(1UL, probe.Seen[1]);

            filter.Dispose();
            sender.SendTo(new byte[] { 4, 5, 6 }, receiver.LocalEndPoint!);
            Assert.Equal(3, receiver.Receive(buffer));
            Assert.Equal(4, buffer[0]);
            Assert.Equal(1UL, probe.Seen[1]);
        }

        [KernelFact]
        public void AProgramThatIsNotASocketFilter_IsRefused()
        {
            Kernel.Require();
            using var probe = LibcProbes.Load(new() { TargetPid = 1 });
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            Assert.Contains("socket filter", Assert.Throws<BpfException>(() => probe.OnEntry.AttachToSocket(socket)).Message);
        }
    }
}

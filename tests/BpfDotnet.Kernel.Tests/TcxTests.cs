using System;
using System.Net;
using System.Net.Sockets;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>tcx programs on the loopback interface's ingress and egress, seeing real packets.</summary>
    [Collection("kernel")]
    public class TcxTests
    {
        [KernelFact]
        public void TcxProgramsOnLoopback_CountPacketsBothWays_AndDetach()
        {
            Kernel.Require();
            int linksBefore = BpfSystem.GetLinkIds().Count;
            using (var probe = TcxCounter.Load())
            {
                using var ingress = probe.OnIngress.AttachTcx("lo", TcxDirection.Ingress);
                using var egress = probe.OnEgress.AttachTcx("lo", TcxDirection.Egress);
                using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                receiver.ReceiveTimeout = 2000;
                using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                for (int i = 0; i < 5; i++) sender.SendTo(new byte[100], receiver.LocalEndPoint!);
                var buffer = new byte[128];
                for (int i = 0; i < 5; i++) Assert.Equal(100, receiver.Receive(buffer));
                Assert.True(probe.Counts[0] >= 5, "ingress packets: " + probe.Counts[0]);
                Assert.True(probe.Counts[1] >= 5, "egress packets: " + probe.Counts[1]);
                // Each datagram is 14 + 20 + 8 + 100 bytes on the wire of lo.
                Assert.True(probe.Counts[2] >= 5 * 142, "ingress bytes: " + probe.Counts[2]);
                Assert.Equal(0x0008UL, probe.Counts[3]); // ETH_P_IP, in network byte order
                Assert.Equal(linksBefore + 2, BpfSystem.GetLinkIds().Count);
            }
            Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count);
        }
    }
}

using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Netfilter programs on a hook of this network namespace, judging real datagrams.</summary>
    [Collection("kernel")]
    public class NetfilterTests
    {
        [KernelFact]
        public void ANetfilterProgram_DropsThePacketsItChooses_AndTheLinkGoesWithIt()
        {
            Kernel.Require();
            const int Payload = 123;
            using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            receiver.ReceiveTimeout = 2000;
            using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            int linksBefore = BpfSystem.GetLinkIds().Count;
            // 20 bytes of IPv4 header and 8 of UDP before the payload.
            using (var probe = NetfilterDrop.Load(new() { DropLength = 28 + Payload }))
            {
                var manual = Assert.Throws<BpfException>(() => probe.AttachAll());
                Assert.Contains("AttachNetfilter(protocol, hook)", manual.Message);
                var kept = Assert.Throws<BpfException>(() => probe.OnPacket.AttachNetfilter(NetfilterProtocol.Ipv4, NetfilterHook.LocalOut, priority: int.MinValue));
                Assert.Contains("kept by the kernel", kept.Message);
                using (probe.OnPacket.AttachNetfilter(NetfilterProtocol.Ipv4, NetfilterHook.LocalOut, priority: -100))
                {
                    Assert.Equal(linksBefore + 1, BpfSystem.GetLinkIds().Count);
                    sender.SendTo(new byte[10], receiver.LocalEndPoint!);
                    var buffer = new byte[512];
                    Assert.Equal(10, receiver.Receive(buffer));
                    var refused = Assert.Throws<SocketException>(() => sender.SendTo(new byte[Payload], receiver.LocalEndPoint!));
                    Assert.Equal(SocketError.AccessDenied, refused.SocketErrorCode);
                    Assert.True(probe.Seen[0] >= 2, "packets seen: " + probe.Seen[0]);
                    Assert.Equal(1, probe.Seen[1]);
                }
                // Detached: the same datagram goes through.
                sender.SendTo(new byte[Payload], receiver.LocalEndPoint!);
                Assert.Equal(Payload, receiver.Receive(new byte[512]));
            }
            Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count);
        }
    }
}

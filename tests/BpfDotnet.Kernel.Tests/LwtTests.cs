using System;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>
    /// Lightweight-tunnel programs: the kernel loads each kind (lwt_xmit may set the mark); AttachAll names them, since a
    /// route must be given, and AttachToRoute adds a route whose BPF encapsulation runs them on the packets it carries,
    /// in a network namespace of the test's own.
    /// </summary>
    [Collection("kernel")]
    public class LwtTests
    {
        /// <summary>A UDP datagram's length from its IPv4 header on, as an lwt program sees it: 20 + 8 + payload.</summary>
        private const int Payload = 100, Ipv4DatagramLength = 20 + 8 + Payload, Ipv6DatagramLength = 40 + 8 + Payload;

        [KernelFact]
        public void TunnelPrograms_LoadAsTheKernelDecides_AndAttachAllNamesThem()
        {
            Kernel.Require();
            using var probe = TunnelPrograms.Load();
            Assert.Equal(BpfProgramType.LwtIn, probe.OnIn.Type);
            Assert.Equal(BpfProgramType.LwtOut, probe.OnOut.Type);
            Assert.Equal(BpfProgramType.LwtXmit, probe.OnXmit.Type);
            Assert.True(probe.OnXmit.Id > 0);
            var e = Assert.Throws<BpfException>(() => probe.AttachAll());
            Assert.Contains("OnIn", e.Message);
            Assert.Contains("AttachToRoute(destination, interface)", e.Message);
        }

        /// <summary>
        /// A namespace with an interface d0 (10.77.0.1/24, fd00:77::1/64, no ARP) whose peer d1 drops what it receives
        /// (the namespace does not forward).
        /// </summary>
        private static NetworkNamespace WithOutboundInterface()
        {
            var ns = NetworkNamespace.Create("lwt");
            try
            {
                ns.Ip("link add d0 type veth peer name d1");
                ns.Ip("addr add 10.77.0.1/24 dev d0");
                ns.Ip("-6 addr add fd00:77::1/64 dev d0 nodad");
                ns.Ip("link set d0 arp off up");
                ns.Ip("link set d1 up");
                return ns;
            }
            catch
            {
                ns.Dispose();
                throw;
            }
        }

        private static void Send(Socket socket, string address, int count)
        {
            for (int i = 0; i < count; i++) socket.SendTo(new byte[Payload], new IPEndPoint(IPAddress.Parse(address), 9));
        }

        [KernelFact]
        public void XmitAndOutPrograms_OnARoute_SeeExactlyTheDatagramsSentThroughIt_UntilTheRouteIsDeleted()
        {
            Kernel.Require();
            using var ns = WithOutboundInterface();
            using var probe = TunnelPrograms.Load();
            ns.Run(() =>
            {
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                using (var route = probe.OnXmit.AttachToRoute("10.78.1.0/24", "d0"))
                {
                    Assert.Equal("10.78.1.0/24 dev d0 encap bpf xmit -> OnXmit", route.Description);
                    Assert.Contains("encap bpf xmit", ns.Ip("route show 10.78.1.0/24"));
                    Send(udp, "10.78.1.5", 3);
                    Send(udp, "10.77.0.9", 2); // the interface's own network: another route
                    Assert.Equal(3 * Ipv4DatagramLength, probe.Bytes[0]);
                }
                Assert.Equal("", ns.Ip("route show 10.78.1.0/24").Trim());
                Assert.Equal(SocketError.NetworkUnreachable, Assert.Throws<SocketException>(() => Send(udp, "10.78.1.5", 1)).SocketErrorCode);
                Assert.Equal(3 * Ipv4DatagramLength, probe.Bytes[0]);

                probe.Bytes[0] = 0;
                using (var route = probe.OnOut.AttachToRoute(IPNetwork.Parse("10.78.2.0/24"), "d0", IPAddress.Parse("10.77.0.2")))
                {
                    Assert.Contains("via 10.77.0.2", ns.Ip("route show 10.78.2.0/24"));
                    Send(udp, "10.78.2.200", 4);
                    Assert.Equal(4 * Ipv4DatagramLength, probe.Bytes[0]);
                }
                Assert.Equal("", ns.Ip("route show 10.78.2.0/24").Trim());

                probe.Bytes[0] = 0;
                using var udp6 = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
                using (var route = probe.OnXmit.AttachToRoute("fd00:78::/64", "d0", xmitHeadroom: 16))
                {
                    Assert.Contains("encap bpf", ns.Ip("-6 route show fd00:78::/64"));
                    Send(udp6, "fd00:78::5", 2);
                    Send(udp6, "fd00:77::9", 1);
                    Assert.Equal(2 * Ipv6DatagramLength, probe.Bytes[0]);
                }
                Assert.Equal("", ns.Ip("-6 route show fd00:78::/64").Trim());
            });
        }

        [KernelFact]
        public void AnInProgram_OnARoute_SeesTheDatagramsItForwards()
        {
            Kernel.Require();
            // Namespace a sends through the veth pair va-vb to b, which forwards 10.80.0.0/24 through its route with the program.
            using var a = NetworkNamespace.Create("lwt-a");
            using var b = NetworkNamespace.Create("lwt-b");
            a.Ip($"link add va type veth peer name vb netns {b.Name}");
            a.Ip("addr add 10.79.0.1/24 dev va");
            a.Ip("link set va up");
            a.Ip("route add 10.80.0.0/24 via 10.79.0.2");
            b.Ip("addr add 10.79.0.2/24 dev vb");
            b.Ip("link set vb up");
            // b forwards through d0 to its peer d1 in a, which does not forward: the datagrams end there.
            b.Ip($"link add d0 type veth peer name d1 netns {a.Name}");
            b.Ip("link set d0 arp off up");
            a.Ip("link set d1 up");
            b.Exec("sysctl -qw net.ipv4.ip_forward=1");
            using var probe = TunnelPrograms.Load();
            BpfRouteAttachment? route = null;
            b.Run(() => route = probe.OnIn.AttachToRoute("10.80.0.0/24", "d0"));
            using (route)
            {
                Assert.Contains("encap bpf in", b.Ip("route show 10.80.0.0/24"));
                a.Run(() =>
                {
                    using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                    Send(udp, "10.80.0.7", 3);
                    Send(udp, "10.79.0.2", 2); // b's own address: delivered, not forwarded
                });
                Assert.True(WaitFor(() => probe.Bytes[0] >= 3 * Ipv4DatagramLength), "bytes: " + probe.Bytes[0]);
                Thread.Sleep(200);
                Assert.Equal(3 * Ipv4DatagramLength, probe.Bytes[0]);
            }
            Assert.Equal("", b.Ip("route show 10.80.0.0/24").Trim());
            a.Run(() =>
            {
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                Send(udp, "10.80.0.7", 2);
            });
            Thread.Sleep(300);
            Assert.Equal(3 * Ipv4DatagramLength, probe.Bytes[0]);
        }

        private static bool WaitFor(Func<bool> condition)
        {
            var clock = Stopwatch.StartNew();
            while (!condition())
            {
                if (clock.ElapsedMilliseconds > 5000) return false;
                Thread.Sleep(20);
            }
            return true;
        }

        [KernelFact]
        public void AttachToRoute_RefusesAProgramOfAnotherType_AnExistingRoute_AndAMissingInterface_SayingWhy()
        {
            Kernel.Require();
            using var ns = WithOutboundInterface();
            using var probe = TunnelPrograms.Load();
            using var tc = TcxCounter.Load();
            ns.Run(() =>
            {
                var wrongType = Assert.Throws<BpfException>(() => tc.OnIngress.AttachToRoute("10.78.5.0/24", "d0"));
                Assert.Contains("lwt_in, lwt_out, lwt_xmit", wrongType.Message);
                Assert.Equal("", ns.Ip("route show 10.78.5.0/24").Trim());

                ns.Ip("route add 10.78.3.0/24 dev d0");
                var exists = Assert.Throws<BpfException>(() => probe.OnXmit.AttachToRoute("10.78.3.0/24", "d0"));
                Assert.Equal(17, exists.Errno); // EEXIST
                Assert.Contains("10.78.3.0/24", exists.Message);
                Assert.Contains("ip route del 10.78.3.0/24", exists.Message);
                Assert.DoesNotContain("encap", ns.Ip("route show 10.78.3.0/24"));

                var noInterface = Assert.Throws<BpfException>(() => probe.OnXmit.AttachToRoute("10.78.4.0/24", "nosuch0"));
                Assert.Contains("nosuch0", noInterface.Message);

                // The kernel's own words come with its refusal (the extended ack).
                var unreachable = Assert.Throws<BpfException>(() => probe.OnOut.AttachToRoute("10.78.4.0/24", "d0", IPAddress.Parse("10.99.0.1")));
                Assert.Contains("The kernel says", unreachable.Message);

                Assert.Throws<ArgumentException>(() => probe.OnXmit.AttachToRoute("10.78.4.1/24", "d0"));
                Assert.Throws<ArgumentException>(() => probe.OnOut.AttachToRoute("10.78.4.0/24", "d0", xmitHeadroom: 8));
                Assert.Throws<ArgumentException>(() => probe.OnOut.AttachToRoute("10.78.4.0/24", "d0", IPAddress.IPv6Loopback));
            });
        }

        [KernelFact]
        public void DisposingTheObject_DeletesItsRoutes()
        {
            Kernel.Require();
            using var ns = WithOutboundInterface();
            ns.Run(() =>
            {
                var probe = TunnelPrograms.Load();
                var route = probe.OnXmit.AttachToRoute("10.78.6.0/24", "d0");
                Assert.Contains("encap bpf", ns.Ip("route show 10.78.6.0/24"));
                probe.Dispose();
                Assert.True(route.IsDisposed);
                Assert.Equal("", ns.Ip("route show 10.78.6.0/24").Trim());
            });
        }
    }
}

using System.Net;
using System.Net.Sockets;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>
    /// tc programs attached through the clsact qdisc and bpf filters (the way before tcx), on the loopback interface of a
    /// network namespace of the test's own, seeing real packets; and AttachTc's choice between tcx and clsact.
    /// </summary>
    [Collection("kernel")]
    public class TcClsactTests
    {
        /// <summary>Five 100-byte datagrams over the namespace's loopback, each received.</summary>
        private static void SendFiveDatagrams()
        {
            using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            receiver.ReceiveTimeout = 2000;
            using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            for (int i = 0; i < 5; i++) sender.SendTo(new byte[100], receiver.LocalEndPoint!);
            var buffer = new byte[128];
            for (int i = 0; i < 5; i++) Assert.Equal(100, receiver.Receive(buffer));
        }

        [KernelFact]
        public void ClsactFiltersOnLoopback_CountPacketsBothWays_MakeNoLink_AndLeaveNothingBehind()
        {
            Kernel.Require();
            using var ns = NetworkNamespace.Create("tc");
            using var probe = TcxCounter.Load();
            int linksBefore = BpfSystem.GetLinkIds().Count;
            Assert.DoesNotContain("clsact", ns.Exec("tc qdisc show dev lo"));
            ns.Run(() =>
            {
                using (var ingress = probe.OnIngress.AttachTc("lo", TcxDirection.Ingress, TcAttachMode.Clsact))
                using (var egress = probe.OnEgress.AttachTc("lo", TcxDirection.Egress, TcAttachMode.Clsact))
                {
                    Assert.Equal(TcAttachMode.Clsact, ingress.Mode);
                    Assert.Null(ingress.Link);
                    Assert.True(ingress.Priority > 0 && ingress.Handle != 0, ingress.Description);
                    Assert.Contains("clsact", ns.Exec("tc qdisc show dev lo"));
                    string ingressFilters = ns.Exec("tc filter show dev lo ingress");
                    Assert.Contains("bpf", ingressFilters);
                    Assert.Contains("OnIngress", ingressFilters);
                    Assert.Contains("direct-action", ingressFilters);
                    Assert.Contains($"pref {ingress.Priority} ", ingressFilters);
                    Assert.Contains("OnEgress", ns.Exec("tc filter show dev lo egress"));
                    Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count);

                    SendFiveDatagrams();
                    Assert.True(probe.Counts[0] >= 5, "ingress packets: " + probe.Counts[0]);
                    Assert.True(probe.Counts[1] >= 5, "egress packets: " + probe.Counts[1]);
                    // Each datagram is 14 + 20 + 8 + 100 bytes on the wire of lo.
                    Assert.True(probe.Counts[2] >= 5 * 142, "ingress bytes: " + probe.Counts[2]);
                    Assert.Equal(0x0008UL, probe.Counts[3]); // ETH_P_IP, in network byte order
                }
                Assert.Equal("", ns.Exec("tc filter show dev lo ingress").Trim());
                Assert.Equal("", ns.Exec("tc filter show dev lo egress").Trim());
                Assert.DoesNotContain("clsact", ns.Exec("tc qdisc show dev lo"));

                // Detached: the counters stand still.
                ulong ingressPackets = probe.Counts[0], egressPackets = probe.Counts[1];
                SendFiveDatagrams();
                Assert.Equal(ingressPackets, probe.Counts[0]);
                Assert.Equal(egressPackets, probe.Counts[1]);
            });
        }

        [KernelFact]
        public void TheClsactQdisc_IsDeletedWithTheLastFilterOfTheProcessThatMadeIt_AndAQdiscFoundThereIsLeft()
        {
            Kernel.Require();
            using var ns = NetworkNamespace.Create("tc");
            using var probe = TcxCounter.Load();
            ns.Run(() =>
            {
                // The attachment that made the qdisc goes first: the qdisc stays for the other filter, then goes with it.
                var ingress = probe.OnIngress.AttachTc("lo", TcxDirection.Ingress, TcAttachMode.Clsact);
                var egress = probe.OnEgress.AttachTc("lo", TcxDirection.Egress, TcAttachMode.Clsact);
                ingress.Dispose();
                Assert.Contains("clsact", ns.Exec("tc qdisc show dev lo"));
                Assert.Equal("", ns.Exec("tc filter show dev lo ingress").Trim());
                Assert.Contains("OnEgress", ns.Exec("tc filter show dev lo egress"));
                egress.Dispose();
                Assert.True(egress.IsDisposed);
                Assert.DoesNotContain("clsact", ns.Exec("tc qdisc show dev lo"));

                // A qdisc made by someone else stays; so does their filter.
                ns.Exec("tc qdisc add dev lo clsact");
                ns.Exec("tc filter add dev lo ingress pref 7 bpf bytecode \"1,6 0 0 0,\""); // a classic BPF filter: return 0
                using (probe.OnIngress.AttachTc("lo", TcxDirection.Ingress, TcAttachMode.Clsact))
                {
                    Assert.Contains("OnIngress", ns.Exec("tc filter show dev lo ingress"));
                }
                string left = ns.Exec("tc filter show dev lo ingress");
                Assert.DoesNotContain("OnIngress", left);
                Assert.Contains("pref 7 bpf", left);
                Assert.Contains("clsact", ns.Exec("tc qdisc show dev lo"));
            });
        }

        [KernelFact]
        public void AttachTc_PrefersTcx_WhereTheKernelHasIt_AndRefusesAProgramOfAnotherType()
        {
            Kernel.Require();
            using var ns = NetworkNamespace.Create("tc");
            using var probe = TcxCounter.Load();
            using var tunnel = TunnelPrograms.Load();
            int linksBefore = BpfSystem.GetLinkIds().Count;
            ns.Run(() =>
            {
                using (var auto = probe.OnIngress.AttachTc("lo", TcxDirection.Ingress))
                {
                    Assert.Equal(TcAttachMode.Tcx, auto.Mode);
                    Assert.NotNull(auto.Link);
                    Assert.Equal(linksBefore + 1, BpfSystem.GetLinkIds().Count);
                    Assert.DoesNotContain("clsact", ns.Exec("tc qdisc show dev lo"));
                    SendFiveDatagrams();
                    Assert.True(probe.Counts[0] >= 5, "ingress packets: " + probe.Counts[0]);
                }
                Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count);
                var wrongType = Assert.Throws<BpfException>(() => tunnel.OnXmit.AttachTc("lo", TcxDirection.Egress, TcAttachMode.Clsact));
                Assert.Contains("tc classifier programs", wrongType.Message);
                var noInterface = Assert.Throws<BpfException>(() => probe.OnIngress.AttachTc("nosuch0", TcxDirection.Ingress, TcAttachMode.Clsact));
                Assert.Contains("nosuch0", noInterface.Message);
                Assert.DoesNotContain("clsact", ns.Exec("tc qdisc show dev lo"));
            });
        }
    }
}

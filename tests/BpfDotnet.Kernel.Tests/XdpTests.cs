using System;
using System.Net;
using System.Net.Sockets;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>XDP programs: attached to the loopback interface in generic mode with a link, and test-run on packets.</summary>
    [Collection("kernel")]
    public class XdpTests
    {
        /// <summary>Misuse is named before the kernel is asked: an index that is not positive, an index no interface has, a log level or batch size the kernel does not know.</summary>
        [KernelFact]
        public void MisusedArguments_AreNamed()
        {
            Kernel.Require();
            using var probe = XdpCounter.Load();
            Assert.Throws<ArgumentOutOfRangeException>(() => probe.Count.AttachXdp(-1));
            var e = Assert.Throws<BpfException>(() => probe.Count.AttachXdp(99999));
            Assert.Contains("no network interface of index 99999", e.Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => new BpfLoadOptions { LogLevel = 99 });
            Assert.Throws<ArgumentOutOfRangeException>(() => probe.Object.GetMap<uint, ulong>("Packets").BatchSize = 0);
        }

        /// <summary>
        /// Redirects through device and CPU maps user space filled: an entry gives XDP_REDIRECT, a missing one the action in
        /// the flags; the .NET stand-ins, filled the same way, give the same verdicts.
        /// </summary>
        [KernelFact]
        public void RedirectMaps_RedirectWhereAnEntryIs_AndOtherwiseTakeTheFlagsAction()
        {
            Kernel.Require();
            using var probe = Redirector.Load();
            int loopback = System.Net.NetworkInformation.NetworkInterface.LoopbackInterfaceIndex;
            probe.Devices[0] = (uint)loopback;
            probe.Cpus[1] = 192; // the queue size of CPU 1's redirect queue
            Redirector.Devices.Set(0, (uint)loopback);
            Redirector.Cpus.Set(1, 192);
            foreach (byte key in new byte[] { 0, 1, 2, 3 })
            {
                var packet = new byte[60];
                packet[14] = key;
                var device = probe.ToDevice.TestRun(packet, 1);
                var cpu = probe.ToCpu.TestRun(packet, 1);
                Assert.Equal(key == 0 ? (uint)XdpAction.Redirect : (uint)XdpAction.Pass, device.ReturnValue);
                Assert.Equal(key == 1 ? (uint)XdpAction.Redirect : (uint)XdpAction.Drop, cpu.ReturnValue);
                var context = XdpContext.ForPacket(packet);
                Assert.Equal((XdpAction)device.ReturnValue, Redirector.ToDevice(ref context));
                Assert.Equal((XdpAction)cpu.ReturnValue, Redirector.ToCpu(ref context));
            }
            // A route lookup of a local address on loopback: refused where loopback does not forward (the default), and
            // otherwise found local (delivered, not forwarded), as the kernel's own forwarding decides.
            Assert.Equal((uint)XdpAction.Pass, probe.Route.TestRun(new byte[60], 1).ReturnValue);
            bool forwards = System.IO.File.ReadAllText("/proc/sys/net/ipv4/conf/lo/forwarding").Trim() != "0";
            Assert.Equal((long)(forwards ? FibLookupResult.NotForwarded : FibLookupResult.ForwardingDisabled), probe.Routes[0]);
            // The kernel keeps AF_XDP sockets' map from user-space lookups; the map is there, of its type.
            Assert.Equal(BpfMapType.Xskmap, probe.Sockets.Handle.Type);
            Assert.Equal(BpfMapType.Devmap, probe.Devices.Handle.Type);
            Assert.Equal(BpfMapType.Cpumap, probe.Cpus.Handle.Type);
        }

        /// <summary>
        /// A pinned link keeps its program attached after the link object and the loaded object are disposed; the pin opens
        /// again, and deleting it detaches the program. Maps and programs pin too; a taken path is a clear error.
        /// </summary>
        [KernelFact]
        public void PinnedLink_KeepsTheProgramAttachedUntilUnpinned()
        {
            Kernel.Require();
            string directory = "/sys/fs/bpf/bpfdotnet-pins-" + Environment.ProcessId;
            System.IO.Directory.CreateDirectory(directory);
            try
            {
                int linksBefore = BpfSystem.GetLinkIds().Count;
                uint linkId;
                using (var probe = XdpCounter.Load())
                {
                    using var link = probe.Count.AttachXdp("lo", XdpMode.Generic);
                    linkId = link.Id;
                    link.Pin(directory + "/link");
                    probe.Packets.Handle.Pin(directory + "/packets");
                    probe.Count.Pin(directory + "/program");
                    var taken = Assert.Throws<BpfException>(() => link.Pin(directory + "/link"));
                    Assert.Contains("EEXIST", taken.Message);
                }
                // The loaded object and the link object are gone; the pinned link holds the program on loopback.
                Assert.Contains(linkId, BpfSystem.GetLinkIds());
                using (var again = BpfLink.OpenPinned(directory + "/link"))
                {
                    Assert.Equal(linkId, again.Id);
                }
                var (code, output) = Repo.Run("bpftool", $"map dump pinned {directory}/packets");
                Assert.True(code == 0, output);
                BpfLink.Unpin(directory + "/link");
                System.IO.File.Delete(directory + "/packets");
                System.IO.File.Delete(directory + "/program");
                // The kernel frees the link once nothing holds it.
                for (int i = 0; i < 50 && System.Linq.Enumerable.Contains(BpfSystem.GetLinkIds(), linkId); i++) System.Threading.Thread.Sleep(20);
                Assert.DoesNotContain(linkId, BpfSystem.GetLinkIds());
                Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count);
                Assert.Throws<BpfException>(() => BpfLink.OpenPinned(directory + "/link"));
            }
            finally
            {
                foreach (string file in System.IO.Directory.GetFiles(directory)) System.IO.File.Delete(file);
                System.IO.Directory.Delete(directory);
            }
        }

        [KernelFact]
        public void AnXdpProgramOnLoopback_CountsRealPackets_AndDetaches()
        {
            Kernel.Require();
            int linksBefore = BpfSystem.GetLinkIds().Count;
            using (var probe = XdpCounter.Load())
            {
                using (var link = probe.Count.AttachXdp("lo", XdpMode.Generic))
                {
                    Assert.Contains("XDP on 'lo'", link.Description);
                    using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                    receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                    receiver.ReceiveTimeout = 2000;
                    using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                    for (int i = 0; i < 5; i++) sender.SendTo(new byte[] { (byte)i }, receiver.LocalEndPoint!);
                    var buffer = new byte[16];
                    for (int i = 0; i < 5; i++) Assert.Equal(1, receiver.Receive(buffer)); // XdpAction.Pass: every packet arrives
                    Assert.True(probe.Packets[0] >= 5, "packets counted: " + probe.Packets[0]);
                    Assert.Equal((ulong)System.Net.NetworkInformation.NetworkInterface.LoopbackInterfaceIndex, probe.Packets[1]);
                }
                ulong counted = probe.Packets[0];
                using var again = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                again.SendTo(new byte[] { 9 }, new IPEndPoint(IPAddress.Loopback, 9));
                System.Threading.Thread.Sleep(50);
                Assert.Equal(counted, probe.Packets[0]);
            }
            Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count);
        }

        [KernelFact]
        public void TestRuns_GiveEachProgramsVerdict()
        {
            Kernel.Require();
            var packet = new byte[64];
            packet[12] = 0x08; // EtherType IPv4
            using var dropper = XdpDropper.Load();
            Assert.Equal((uint)XdpAction.Drop, dropper.Drop.TestRun(packet, repeat: 100).ReturnValue);
            using var counter = XdpCounter.Load();
            var result = counter.Count.TestRun(packet, repeat: 1);
            Assert.Equal((uint)XdpAction.Pass, result.ReturnValue);
            Assert.Equal(packet, result.Packet);
            Assert.Equal(1UL, counter.Packets[0]);
        }

        [KernelFact]
        public void AttachAll_NamesTheCallThatAttachesAnXdpProgram_AndAttachesNothing()
        {
            Kernel.Require();
            int linksBefore = BpfSystem.GetLinkIds().Count;
            using var probe = XdpCounter.Load();
            var e = Assert.Throws<BpfException>(() => probe.AttachAll());
            Assert.Contains("'Count' (section 'xdp': AttachXdp(interface))", e.Message);
            Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count);
        }

        [KernelFact]
        public void AnInterfaceThatDoesNotExist_IsNamedInTheException()
        {
            Kernel.Require();
            using var probe = XdpCounter.Load();
            Assert.Contains("no network interface named 'nosuchif0'", Assert.Throws<BpfException>(() => probe.Count.AttachXdp("nosuchif0")).Message);
        }
    }
}

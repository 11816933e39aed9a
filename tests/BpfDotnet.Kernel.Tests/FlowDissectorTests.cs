using System;
using System.Buffers.Binary;
using System.Linq;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>A flow dissector run in the kernel (BPF_PROG_TEST_RUN) and as .NET code on the same packets.</summary>
    [Collection("kernel")]
    public class FlowDissectorTests
    {
        /// <summary>An Ethernet frame with an IPv4 header (protocol <paramref name="protocol"/>) and ports 1234 -> 80.</summary>
        private static byte[] Frame(byte protocol, int ipHeaderLength = 20, ushort etherType = 0x0800)
        {
            var frame = new byte[14 + ipHeaderLength + 20];
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), etherType);
            frame[14] = (byte)(0x40 | (ipHeaderLength / 4));
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(16), (ushort)(ipHeaderLength + 20));
            frame[22] = 64;
            frame[23] = protocol;
            new byte[] { 10, 0, 0, 1 }.CopyTo(frame, 26);
            new byte[] { 10, 0, 0, 2 }.CopyTo(frame, 30);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14 + ipHeaderLength), 1234);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(16 + ipHeaderLength), 80);
            return frame;
        }

        public static TheoryData<string, byte[]> Packets()
        {
            var data = new TheoryData<string, byte[]>
            {
                { "tcp", Frame(6) },
                { "udp", Frame(17) },
                { "icmp", Frame(1) },
                { "tcp with options", Frame(6, ipHeaderLength: 28) },
                { "ipv6 ethertype", Frame(6, etherType: 0x86DD) },
            };
            // TCP truncated at every length the kernel's test run takes (an Ethernet header at least).
            var tcp = Frame(6);
            for (int length = 14; length < tcp.Length; length += 3) data.Add("tcp cut at " + length, tcp.AsSpan(0, length).ToArray());
            return data;
        }

        [KernelTheory]
        [MemberData(nameof(Packets))]
        public void TheKernelsRun_AndTheDotnetRun_GiveTheSameVerdictAndKeys(string name, byte[] packet)
        {
            Kernel.Require();
            using var dissector = Dissector.Load();
            var verdict = dissector.Dissect.TestRunFlowDissector(packet, out BpfFlowKeys kernelKeys);
            var context = FlowDissectorContext.ForPacket(packet.ToArray());
            var dotnetVerdict = (FlowDissectorResult)Dissector.Dissect(ref context);
            Assert.True(verdict == dotnetVerdict, $"{name}: kernel {verdict}, .NET {dotnetVerdict}");
            if (verdict != FlowDissectorResult.Ok) return;
            BpfFlowKeys dotnetKeys = context.FlowKeys;
            Assert.Equal(kernelKeys.IpProtocol, dotnetKeys.IpProtocol);
            Assert.Equal(kernelKeys.TransportOffset, dotnetKeys.TransportOffset);
            Assert.Equal(kernelKeys.SourcePortNetworkOrder, dotnetKeys.SourcePortNetworkOrder);
            Assert.Equal(kernelKeys.DestinationPortNetworkOrder, dotnetKeys.DestinationPortNetworkOrder);
            Assert.Equal(kernelKeys.Addresses[0], dotnetKeys.Addresses[0]);
            Assert.Equal(kernelKeys.Addresses[1], dotnetKeys.Addresses[1]);
            if (name == "tcp")
            {
                Assert.Equal(6, kernelKeys.IpProtocol);
                Assert.Equal(34, kernelKeys.TransportOffset);
                Assert.Equal(80, BinaryPrimitives.ReverseEndianness(kernelKeys.DestinationPortNetworkOrder));
                Assert.Equal(BitConverter.ToUInt32(new byte[] { 10, 0, 0, 2 }), kernelKeys.Addresses[1]);
            }
        }

        [KernelFact]
        public void AFlowDissector_AttachesToANetworkNamespace_AndDetaches()
        {
            Kernel.Require();
            var linksBefore = BpfSystem.GetLinkIds().Count();
            using (var dissector = Dissector.Load())
            {
                string name = "bpfdotnet-fd-" + Environment.ProcessId;
                Assert.Equal(0, Repo.Run("ip", $"netns add {name}", timeoutSeconds: 30).ExitCode);
                try
                {
                    using var link = dissector.Dissect.AttachNetworkNamespace("/run/netns/" + name);
                    Assert.Equal(linksBefore + 1, BpfSystem.GetLinkIds().Count());
                }
                finally
                {
                    Repo.Run("ip", $"netns delete {name}", timeoutSeconds: 30);
                }
            }
            Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count());
        }
    }
}

using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BpfDotnet
{
    /// <summary>
    /// The context of a flow dissector program (<c>[Section("flow_dissector")]</c>): the packet (read-only, from its
    /// Ethernet header; the network header starts at <see cref="BpfFlowKeys.NetworkOffset"/>) and the flow keys the program
    /// fills in place (<see cref="FlowKeys"/>), which the kernel then uses instead of its own dissector for the packets of
    /// the network namespace it is attached to. The program returns <see cref="FlowDissectorResult.Ok"/> or
    /// <see cref="FlowDissectorResult.Drop"/>.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct FlowDissectorContext
    {
        private SkBuffWords19 _head;
        private uint _data;
        private uint _dataEnd;
        private SkBuffWords15 _middle;
        private ulong _flowKeys;

        /// <summary>
        /// The flow keys, written in place (<c>ctx.FlowKeys.IpProtocol = 6</c>). The kernel starts them with the network
        /// header's offset in <see cref="BpfFlowKeys.NetworkOffset"/> and <see cref="BpfFlowKeys.TransportOffset"/>, and the
        /// EtherType in <see cref="BpfFlowKeys.NetworkProtocolNetworkOrder"/>.
        /// </summary>
        public readonly ref BpfFlowKeys FlowKeys => ref PacketBuffers.At<BpfFlowKeys>(PacketBuffers.Of((uint)_flowKeys), 0);

        /// <summary>The packet's length in bytes (<c>data_end - data</c>).</summary>
        public readonly int PacketLength => PacketBuffers.Of(_data).Length;

        /// <summary>
        /// A reference to the <typeparamref name="T"/> at byte <paramref name="offset"/> of the packet, or a null reference when
        /// the packet ends before it: test it with <c>Unsafe.IsNullRef</c> before use (BPF0015). Read-only in the kernel.
        /// </summary>
        public readonly ref T GetPacketRefOrNullRef<T>(int offset) where T : unmanaged => ref PacketBuffers.At<T>(PacketBuffers.Of(_data), offset);

        /// <summary>Copies the <typeparamref name="T"/> at byte <paramref name="offset"/> of the packet; false (and <paramref name="value"/> zeroed) when the packet ends before it.</summary>
        public readonly bool TryReadPacket<T>(int offset, out T value) where T : unmanaged
            => PacketBuffers.TryRead(PacketBuffers.Of(_data), offset, out value);

        /// <summary>
        /// A context for running a flow dissector as .NET code on <paramref name="packet"/> (an Ethernet frame), with the
        /// flow keys started as the kernel's test run starts them: the network header at byte 14, the frame's EtherType.
        /// </summary>
        public static FlowDissectorContext ForPacket(byte[] packet)
        {
            ArgumentNullException.ThrowIfNull(packet);
            var keys = new byte[Unsafe.SizeOf<BpfFlowKeys>()];
            var start = new BpfFlowKeys { NetworkOffset = 14, TransportOffset = 14 };
            if (packet.Length >= 14) start.NetworkProtocolNetworkOrder = MemoryMarshal.Read<ushort>(packet.AsSpan(12));
            MemoryMarshal.Write(keys, in start);
            return new FlowDissectorContext { _data = PacketBuffers.Register(packet), _dataEnd = (uint)packet.Length, _flowKeys = PacketBuffers.Register(keys) };
        }
    }

    /// <summary>What a flow dissector found in a packet (<c>struct bpf_flow_keys</c>), in its byte orders.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct BpfFlowKeys
    {
        /// <summary>The network header's offset in the packet.</summary>
        public ushort NetworkOffset;
        /// <summary>The transport header's offset in the packet.</summary>
        public ushort TransportOffset;
        /// <summary>The address family of <see cref="Addresses"/>, as an EtherType in host byte order (0x0800 IPv4, 0x86DD IPv6).</summary>
        public ushort AddressProtocol;
        /// <summary>1 for a fragment.</summary>
        public byte IsFragment;
        /// <summary>1 for a first fragment.</summary>
        public byte IsFirstFragment;
        /// <summary>1 when the packet was encapsulated.</summary>
        public byte IsEncapsulated;
        /// <summary>The transport protocol (6 TCP, 17 UDP, ...).</summary>
        public byte IpProtocol;
        /// <summary>The network protocol, an EtherType in network byte order.</summary>
        public ushort NetworkProtocolNetworkOrder;
        /// <summary>The source port, in network byte order.</summary>
        public ushort SourcePortNetworkOrder;
        /// <summary>The destination port, in network byte order.</summary>
        public ushort DestinationPortNetworkOrder;
        /// <summary>The addresses: IPv4 source and destination in words 0 and 1, or IPv6 source in words 0-3 and destination in 4-7.</summary>
        public FlowAddresses Addresses;
        /// <summary><c>BPF_FLOW_DISSECTOR_F_*</c> flags the kernel passed in.</summary>
        public uint Flags;
        /// <summary>The IPv6 flow label, in network byte order.</summary>
        public uint FlowLabelNetworkOrder;
    }

    /// <summary>The addresses of <see cref="BpfFlowKeys"/>: eight 32-bit words in network byte order.</summary>
    [InlineArray(8)]
    public struct FlowAddresses
    {
        private uint _element;
    }

    /// <summary>What a flow dissector program returns.</summary>
    public enum FlowDissectorResult
    {
        /// <summary>The keys are good (<c>BPF_OK</c>).</summary>
        Ok = 0,
        /// <summary>Drop the packet (<c>BPF_DROP</c>).</summary>
        Drop = 2,
    }

    /// <summary>The first 19 words of <c>struct __sk_buff</c>, which a flow dissector may not read.</summary>
    [InlineArray(19)]
    internal struct SkBuffWords19
    {
        private uint _element;
    }

    /// <summary>Words 21 to 35 of <c>struct __sk_buff</c>, which a flow dissector may not read.</summary>
    [InlineArray(15)]
    internal struct SkBuffWords15
    {
        private uint _element;
    }
}

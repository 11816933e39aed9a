using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BpfDotnet
{
    /// <summary>Link-layer protocols (<c>ETH_P_*</c>), in host byte order as <see cref="EthernetHeader.EtherType"/> gives them.</summary>
    public static class EtherType
    {
        /// <summary>IPv4 (<c>ETH_P_IP</c>).</summary>
        public const ushort IPv4 = 0x0800;
        /// <summary>ARP (<c>ETH_P_ARP</c>).</summary>
        public const ushort Arp = 0x0806;
        /// <summary>An 802.1Q VLAN tag (<c>ETH_P_8021Q</c>).</summary>
        public const ushort Vlan = 0x8100;
        /// <summary>An 802.1ad (QinQ) VLAN tag (<c>ETH_P_8021AD</c>).</summary>
        public const ushort QinQ = 0x88A8;
        /// <summary>IPv6 (<c>ETH_P_IPV6</c>).</summary>
        public const ushort IPv6 = 0x86DD;
    }

    /// <summary>IP protocol numbers (<c>IPPROTO_*</c>): <see cref="Ipv4Header.Protocol"/>, <see cref="Ipv6Header.NextHeader"/>.</summary>
    public static class IpProtocol
    {
        /// <summary>ICMP.</summary>
        public const byte Icmp = 1;
        /// <summary>TCP.</summary>
        public const byte Tcp = 6;
        /// <summary>UDP.</summary>
        public const byte Udp = 17;
        /// <summary>ICMPv6.</summary>
        public const byte Icmpv6 = 58;
    }

    /// <summary>A MAC address's 6 bytes, in wire order.</summary>
    [InlineArray(6)]
    public struct MacAddress
    {
        private byte _element;

        /// <inheritdoc/>
        public override readonly string ToString()
        {
            ReadOnlySpan<byte> bytes = this;
            return string.Join(":", bytes.ToArray().Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>An Ethernet header (<c>struct ethhdr</c>, 14 bytes), as it is on the wire.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    public struct EthernetHeader
    {
        /// <summary>The destination MAC address.</summary>
        public MacAddress Destination;
        /// <summary>The source MAC address.</summary>
        public MacAddress Source;
        private ushort _etherType;

        /// <summary>The protocol of the payload (<see cref="BpfDotnet.EtherType"/>), in host byte order.</summary>
        [BpfFieldView(nameof(_etherType), NetworkOrder = true)]
        public ushort EtherType
        {
            readonly get => BinaryPrimitives.ReverseEndianness(_etherType);
            set => _etherType = BinaryPrimitives.ReverseEndianness(value);
        }
    }

    /// <summary>An 802.1Q VLAN tag after the Ethernet addresses' header (<c>struct vlan_hdr</c>, 4 bytes).</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    public struct VlanHeader
    {
        private ushort _tci;
        private ushort _etherType;

        /// <summary>The tag control information (priority, drop eligibility and the 12-bit VLAN id), in host byte order.</summary>
        [BpfFieldView(nameof(_tci), NetworkOrder = true)]
        public ushort Tci
        {
            readonly get => BinaryPrimitives.ReverseEndianness(_tci);
            set => _tci = BinaryPrimitives.ReverseEndianness(value);
        }

        /// <summary>The VLAN id (the low 12 bits of <see cref="Tci"/>).</summary>
        [BpfFieldView(nameof(_tci), NetworkOrder = true, Bits = 12)]
        public readonly int VlanId => BinaryPrimitives.ReverseEndianness(_tci) & 0xfff;

        /// <summary>The protocol of what follows the tag, in host byte order.</summary>
        [BpfFieldView(nameof(_etherType), NetworkOrder = true)]
        public ushort EtherType
        {
            readonly get => BinaryPrimitives.ReverseEndianness(_etherType);
            set => _etherType = BinaryPrimitives.ReverseEndianness(value);
        }
    }

    /// <summary>An IPv4 header without options (<c>struct iphdr</c>, 20 bytes); <see cref="HeaderLength"/> says where the payload starts.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    public struct Ipv4Header
    {
        /// <summary>The version (high 4 bits) and the header length in 32-bit words (low 4 bits).</summary>
        public byte VersionAndLength;
        /// <summary>The type of service (DSCP and ECN).</summary>
        public byte TypeOfService;
        private ushort _totalLength;
        private ushort _id;
        private ushort _fragment;
        /// <summary>The time to live.</summary>
        public byte TimeToLive;
        /// <summary>The payload's protocol (<see cref="IpProtocol"/>).</summary>
        public byte Protocol;
        private ushort _checksum;
        /// <summary>The source address, in network byte order (as <c>saddr</c> holds it).</summary>
        public uint SourceAddress;
        /// <summary>The destination address, in network byte order (as <c>daddr</c> holds it).</summary>
        public uint DestinationAddress;

        /// <summary>The IP version (4).</summary>
        [BpfFieldView(nameof(VersionAndLength), Shift = 4)]
        public readonly int Version => VersionAndLength >> 4;

        /// <summary>The header's length in bytes (20 without options, up to 60).</summary>
        [BpfFieldView(nameof(VersionAndLength), Bits = 4, Scale = 4)]
        public readonly int HeaderLength => (VersionAndLength & 0xf) * 4;

        /// <summary>The datagram's length in bytes, in host byte order.</summary>
        [BpfFieldView(nameof(_totalLength), NetworkOrder = true)]
        public ushort TotalLength
        {
            readonly get => BinaryPrimitives.ReverseEndianness(_totalLength);
            set => _totalLength = BinaryPrimitives.ReverseEndianness(value);
        }

        /// <summary>The identification, in host byte order.</summary>
        [BpfFieldView(nameof(_id), NetworkOrder = true)]
        public readonly ushort Id => BinaryPrimitives.ReverseEndianness(_id);

        /// <summary>The flags and fragment offset, in host byte order.</summary>
        [BpfFieldView(nameof(_fragment), NetworkOrder = true)]
        public readonly ushort FragmentField => BinaryPrimitives.ReverseEndianness(_fragment);

        /// <summary>True for a fragment other than the first, or one with more to come.</summary>
        [BpfFieldView(nameof(_fragment), NetworkOrder = true, Bits = 14)]
        public readonly bool IsFragment => (BinaryPrimitives.ReverseEndianness(_fragment) & 0x3fff) != 0;

        /// <summary>The header checksum, in host byte order.</summary>
        [BpfFieldView(nameof(_checksum), NetworkOrder = true)]
        public ushort Checksum
        {
            readonly get => BinaryPrimitives.ReverseEndianness(_checksum);
            set => _checksum = BinaryPrimitives.ReverseEndianness(value);
        }
    }

    /// <summary>An IPv6 header (<c>struct ipv6hdr</c>, 40 bytes).</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    public struct Ipv6Header
    {
        private uint _versionClassFlow;
        private ushort _payloadLength;
        /// <summary>The payload's protocol or the first extension header (<see cref="IpProtocol"/>).</summary>
        public byte NextHeader;
        /// <summary>The hop limit.</summary>
        public byte HopLimit;
        /// <summary>The source address.</summary>
        public Ipv6Address SourceAddress;
        /// <summary>The destination address.</summary>
        public Ipv6Address DestinationAddress;

        /// <summary>The IP version (6).</summary>
        [BpfFieldView(nameof(_versionClassFlow), NetworkOrder = true, Shift = 28)]
        public readonly int Version => (int)(BinaryPrimitives.ReverseEndianness(_versionClassFlow) >> 28);

        /// <summary>The payload's length in bytes, in host byte order.</summary>
        [BpfFieldView(nameof(_payloadLength), NetworkOrder = true)]
        public ushort PayloadLength
        {
            readonly get => BinaryPrimitives.ReverseEndianness(_payloadLength);
            set => _payloadLength = BinaryPrimitives.ReverseEndianness(value);
        }
    }

    /// <summary>A TCP header without options (<c>struct tcphdr</c>, 20 bytes); <see cref="HeaderLength"/> says where the payload starts.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    public struct TcpHeader
    {
        private ushort _sourcePort;
        private ushort _destinationPort;
        private uint _sequence;
        private uint _acknowledgment;
        /// <summary>The data offset in 32-bit words (high 4 bits).</summary>
        public byte DataOffset;
        /// <summary>The flags (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80).</summary>
        public byte Flags;
        private ushort _window;
        private ushort _checksum;
        private ushort _urgent;

        /// <summary>The source port, in host byte order.</summary>
        [BpfFieldView(nameof(_sourcePort), NetworkOrder = true)]
        public ushort SourcePort
        {
            readonly get => BinaryPrimitives.ReverseEndianness(_sourcePort);
            set => _sourcePort = BinaryPrimitives.ReverseEndianness(value);
        }

        /// <summary>The destination port, in host byte order.</summary>
        [BpfFieldView(nameof(_destinationPort), NetworkOrder = true)]
        public ushort DestinationPort
        {
            readonly get => BinaryPrimitives.ReverseEndianness(_destinationPort);
            set => _destinationPort = BinaryPrimitives.ReverseEndianness(value);
        }

        /// <summary>The sequence number, in host byte order.</summary>
        [BpfFieldView(nameof(_sequence), NetworkOrder = true)]
        public readonly uint Sequence => BinaryPrimitives.ReverseEndianness(_sequence);

        /// <summary>The acknowledgment number, in host byte order.</summary>
        [BpfFieldView(nameof(_acknowledgment), NetworkOrder = true)]
        public readonly uint Acknowledgment => BinaryPrimitives.ReverseEndianness(_acknowledgment);

        /// <summary>The header's length in bytes (20 without options, up to 60).</summary>
        [BpfFieldView(nameof(DataOffset), Shift = 4, Bits = 4, Scale = 4)]
        public readonly int HeaderLength => (DataOffset >> 4) * 4;

        /// <summary>The receive window, in host byte order.</summary>
        [BpfFieldView(nameof(_window), NetworkOrder = true)]
        public readonly ushort Window => BinaryPrimitives.ReverseEndianness(_window);

        /// <summary>The checksum, in host byte order.</summary>
        [BpfFieldView(nameof(_checksum), NetworkOrder = true)]
        public ushort Checksum
        {
            readonly get => BinaryPrimitives.ReverseEndianness(_checksum);
            set => _checksum = BinaryPrimitives.ReverseEndianness(value);
        }
    }

    /// <summary>A UDP header (<c>struct udphdr</c>, 8 bytes).</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    public struct UdpHeader
    {
        private ushort _sourcePort;
        private ushort _destinationPort;
        private ushort _length;
        private ushort _checksum;

        /// <summary>The source port, in host byte order.</summary>
        [BpfFieldView(nameof(_sourcePort), NetworkOrder = true)]
        public ushort SourcePort
        {
            readonly get => BinaryPrimitives.ReverseEndianness(_sourcePort);
            set => _sourcePort = BinaryPrimitives.ReverseEndianness(value);
        }

        /// <summary>The destination port, in host byte order.</summary>
        [BpfFieldView(nameof(_destinationPort), NetworkOrder = true)]
        public ushort DestinationPort
        {
            readonly get => BinaryPrimitives.ReverseEndianness(_destinationPort);
            set => _destinationPort = BinaryPrimitives.ReverseEndianness(value);
        }

        /// <summary>The datagram's length in bytes (header included), in host byte order.</summary>
        [BpfFieldView(nameof(_length), NetworkOrder = true)]
        public readonly ushort Length => BinaryPrimitives.ReverseEndianness(_length);

        /// <summary>The checksum, in host byte order.</summary>
        [BpfFieldView(nameof(_checksum), NetworkOrder = true)]
        public ushort Checksum
        {
            readonly get => BinaryPrimitives.ReverseEndianness(_checksum);
            set => _checksum = BinaryPrimitives.ReverseEndianness(value);
        }
    }

    /// <summary>An ICMP (or ICMPv6) header's first 8 bytes (<c>struct icmphdr</c>).</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    public struct IcmpHeader
    {
        /// <summary>The message type (8 echo request, 0 echo reply; ICMPv6: 128 and 129).</summary>
        public byte Type;
        /// <summary>The message code.</summary>
        public byte Code;
        private ushort _checksum;
        private ushort _id;
        private ushort _sequence;

        /// <summary>The checksum, in host byte order.</summary>
        [BpfFieldView(nameof(_checksum), NetworkOrder = true)]
        public ushort Checksum
        {
            readonly get => BinaryPrimitives.ReverseEndianness(_checksum);
            set => _checksum = BinaryPrimitives.ReverseEndianness(value);
        }

        /// <summary>An echo's identifier, in host byte order.</summary>
        [BpfFieldView(nameof(_id), NetworkOrder = true)]
        public readonly ushort Id => BinaryPrimitives.ReverseEndianness(_id);

        /// <summary>An echo's sequence number, in host byte order.</summary>
        [BpfFieldView(nameof(_sequence), NetworkOrder = true)]
        public readonly ushort Sequence => BinaryPrimitives.ReverseEndianness(_sequence);
    }

    /// <summary>
    /// The packets of contexts made in .NET (<see cref="XdpContext.ForPacket"/>, <see cref="SkBuff.ForPacket"/>): a context's
    /// packet field holds the id of its byte array here, so that the same probe code reads and writes the packet in a .NET run
    /// as the kernel's packet access does in the kernel. An array is held weakly: a context outliving its array has no packet.
    /// </summary>
    internal static class PacketBuffers
    {
        private static readonly object Gate = new object();
        private static readonly Dictionary<uint, WeakReference<byte[]>> ById = new Dictionary<uint, WeakReference<byte[]>>();
        private static readonly ConditionalWeakTable<byte[], object> Ids = new ConditionalWeakTable<byte[], object>();
        private static uint s_next;

        /// <summary>The id of <paramref name="packet"/> (never 0), registered once.</summary>
        public static uint Register(byte[] packet)
        {
            ArgumentNullException.ThrowIfNull(packet);
            lock (Gate)
            {
                if (Ids.TryGetValue(packet, out var known)) return (uint)known;
                if (ById.Count > 4096)
                {
                    var dead = new List<uint>();
                    foreach (var pair in ById) if (!pair.Value.TryGetTarget(out _)) dead.Add(pair.Key);
                    foreach (uint id in dead)
                    {
                        ById.Remove(id);
                        Replacements.Remove(id);
                    }
                }
                uint next;
                do { next = ++s_next; } while (next == 0 || ById.ContainsKey(next));
                ById[next] = new WeakReference<byte[]>(packet);
                Ids.Add(packet, next);
                return next;
            }
        }

        /// <summary>The packet of id <paramref name="id"/>, or an empty array (a context from the kernel, or whose array is gone).</summary>
        public static byte[] Of(uint id)
        {
            lock (Gate)
            {
                if (!ById.TryGetValue(id, out var reference) || !reference.TryGetTarget(out var packet)) return Array.Empty<byte>();
                return Replacements.TryGetValue(id, out var replaced) ? replaced : packet;
            }
        }

        /// <summary>
        /// Makes <paramref name="packet"/> (a packet a helper made anew) the packet of <paramref name="id"/>. It has no other
        /// owner, so it is held as long as the array the id was first registered for lives.
        /// </summary>
        public static void Replace(uint id, byte[] packet)
        {
            lock (Gate) Replacements[id] = packet;
        }

        private static readonly Dictionary<uint, byte[]> Replacements = new Dictionary<uint, byte[]>();

        /// <summary>Copies the <typeparamref name="T"/> at <paramref name="offset"/> of <paramref name="packet"/>; false (and <paramref name="value"/> zeroed) where it does not fit.</summary>
        public static bool TryRead<T>(byte[] packet, int offset, out T value) where T : unmanaged
        {
            ref T at = ref At<T>(packet, offset);
            if (Unsafe.IsNullRef(ref at))
            {
                value = default;
                return false;
            }
            value = at;
            return true;
        }

        /// <summary>Writes <paramref name="value"/> at <paramref name="offset"/> of <paramref name="packet"/>; false (nothing written) where it does not fit.</summary>
        public static bool TryWrite<T>(byte[] packet, int offset, in T value) where T : unmanaged
        {
            ref T at = ref At<T>(packet, offset);
            if (Unsafe.IsNullRef(ref at)) return false;
            at = value;
            return true;
        }

        /// <summary>
        /// A reference to the <typeparamref name="T"/> at <paramref name="offset"/> of <paramref name="packet"/>, or a null
        /// reference where it does not fit, or ends past byte 65,535 (as the compiled program's bounds say).
        /// </summary>
        public static ref T At<T>(byte[] packet, int offset) where T : unmanaged
        {
            if (offset < 0 || (long)offset + Unsafe.SizeOf<T>() > packet.Length || (long)offset + Unsafe.SizeOf<T>() > 0xffff) return ref Unsafe.NullRef<T>();
            return ref Unsafe.As<byte, T>(ref packet[offset]);
        }
    }
}

namespace BpfDotnet
{
    /// <summary>
    /// The question and answer of <see cref="Bpf.FibLookup{TContext}"/> (<c>struct bpf_fib_lookup</c>, 64 bytes): fill in the
    /// family, the addresses and the interface the packet came in on; the kernel answers with the interface to send it out
    /// of, the MTU and the MAC addresses to write.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    public struct BpfFibLookup
    {
        /// <summary>The address family: 2 (AF_INET) or 10 (AF_INET6).</summary>
        [FieldOffset(0)] public byte Family;
        /// <summary>The transport protocol (<see cref="IpProtocol"/>), for policy routing.</summary>
        [FieldOffset(1)] public byte L4Protocol;
        /// <summary>The source port, in network byte order.</summary>
        [FieldOffset(2)] public ushort SourcePort;
        /// <summary>The destination port, in network byte order.</summary>
        [FieldOffset(4)] public ushort DestinationPort;
        /// <summary>In: the packet's total length (for the MTU check); out: the MTU of the route.</summary>
        [FieldOffset(6)] public ushort TotalLength;
        /// <summary>In: the interface the packet came in on; out: the interface to send it out of.</summary>
        [FieldOffset(8)] public uint InterfaceIndex;
        /// <summary>IPv4: the type of service.</summary>
        [FieldOffset(12)] public byte Tos;
        /// <summary>IPv6: the flow information, in network byte order.</summary>
        [FieldOffset(12)] public uint FlowInfo;
        /// <summary>IPv4: the source address, in network byte order.</summary>
        [FieldOffset(16)] public uint Ipv4Source;
        /// <summary>IPv6: the source address.</summary>
        [FieldOffset(16)] public Ipv6Address Ipv6Source;
        /// <summary>IPv4: the destination address, in network byte order.</summary>
        [FieldOffset(32)] public uint Ipv4Destination;
        /// <summary>IPv6: the destination address.</summary>
        [FieldOffset(32)] public Ipv6Address Ipv6Destination;
        /// <summary>Out: the VLAN protocol to tag with, in network byte order.</summary>
        [FieldOffset(48)] public ushort VlanProtocol;
        /// <summary>Out: the VLAN tag control information, in network byte order.</summary>
        [FieldOffset(50)] public ushort VlanTci;
        /// <summary>In, with <see cref="FibLookupFlags.Table"/>: the routing table to look in.</summary>
        [FieldOffset(48)] public uint TableId;
        /// <summary>In, with <see cref="FibLookupFlags.Mark"/>: the mark for policy routing.</summary>
        [FieldOffset(52)] public uint Mark;
        /// <summary>Out: the source MAC address to write.</summary>
        [FieldOffset(52)] public MacAddress SourceMac;
        /// <summary>Out: the destination MAC address to write (the next hop's).</summary>
        [FieldOffset(58)] public MacAddress DestinationMac;
    }

    /// <summary>How <see cref="Bpf.FibLookup{TContext}"/> looks (<c>BPF_FIB_LOOKUP_*</c>).</summary>
    [Flags]
    public enum FibLookupFlags : uint
    {
        /// <summary>The full lookup, with policy rules.</summary>
        None = 0,
        /// <summary>Look only in the main table, without rules (<c>BPF_FIB_LOOKUP_DIRECT</c>).</summary>
        Direct = 1,
        /// <summary>Use the egress interface given, not the ingress (<c>BPF_FIB_LOOKUP_OUTPUT</c>).</summary>
        Output = 2,
        /// <summary>Skip the neighbour lookup: no MAC addresses (<c>BPF_FIB_LOOKUP_SKIP_NEIGH</c>).</summary>
        SkipNeighbour = 4,
        /// <summary>Look in <see cref="BpfFibLookup.TableId"/> (<c>BPF_FIB_LOOKUP_TBID</c>).</summary>
        Table = 8,
        /// <summary>Give the source address too (<c>BPF_FIB_LOOKUP_SRC</c>).</summary>
        Source = 16,
        /// <summary>Use <see cref="BpfFibLookup.Mark"/> for policy routing (<c>BPF_FIB_LOOKUP_MARK</c>).</summary>
        Mark = 32,
    }

    /// <summary>What <see cref="Bpf.FibLookup{TContext}"/> found (<c>BPF_FIB_LKUP_RET_*</c>), or a negative errno.</summary>
    public enum FibLookupResult
    {
        /// <summary>Forward it: the interface and MAC addresses are filled in.</summary>
        Success = 0,
        /// <summary>A blackhole route: drop it.</summary>
        Blackhole = 1,
        /// <summary>An unreachable route: drop it.</summary>
        Unreachable = 2,
        /// <summary>A prohibited route: drop it.</summary>
        Prohibit = 3,
        /// <summary>Not forwarded: a local address, or forwarding is off; give it to the stack.</summary>
        NotForwarded = 4,
        /// <summary>Forwarding is off on the ingress interface.</summary>
        ForwardingDisabled = 5,
        /// <summary>The route is not a unicast route.</summary>
        UnsupportedLwt = 6,
        /// <summary>No neighbour entry for the next hop yet: give it to the stack, which resolves it.</summary>
        NoNeighbour = 7,
        /// <summary>The packet needs fragmenting.</summary>
        FragmentationNeeded = 8,
        /// <summary>No source address.</summary>
        NoSourceAddress = 9,
    }
}

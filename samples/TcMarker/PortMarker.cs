using System.Runtime.CompilerServices;
using BpfDotnet;

namespace TcMarker;

/// <summary>
/// Marks the TCP and UDP packets an interface sends to one destination port (the socket buffer's mark and priority, which
/// routing rules, qdiscs and firewalls match), and counts them.
/// </summary>
public static partial class PortMarker
{
    /// <summary>The destination port to mark.</summary>
    public static readonly ushort Port;

    /// <summary>The mark to set.</summary>
    public static readonly uint Mark;

    /// <summary>The priority to set (a tc class id, major:minor as major &lt;&lt; 16 | minor, or a band).</summary>
    public static readonly uint Priority;

    /// <summary>Packets and bytes.</summary>
    public struct Traffic
    {
        public ulong Packets;
        public ulong Bytes;
    }

    /// <summary>[0]: packets marked; [1]: packets seen.</summary>
    [BpfMap(MaxEntries = 2)]
    public static BpfPerCpuArrayMap<Traffic> Counts = new(2);

    [BpfProgram, Section("tcx/egress")]
    public static TcAction MarkPort(ref SkBuff ctx)
    {
        Add(1, ctx.Len);
        ref EthernetHeader eth = ref ctx.GetPacketRefOrNullRef<EthernetHeader>(0);
        if (Unsafe.IsNullRef(ref eth)) return TcAction.Next;
        int offset;
        byte protocol;
        if (eth.EtherType == EtherType.IPv4)
        {
            ref Ipv4Header ip = ref ctx.GetPacketRefOrNullRef<Ipv4Header>(14);
            if (Unsafe.IsNullRef(ref ip) || ip.IsFragment) return TcAction.Next;
            protocol = ip.Protocol;
            offset = 14 + ip.HeaderLength;
        }
        else if (eth.EtherType == EtherType.IPv6)
        {
            ref Ipv6Header ip6 = ref ctx.GetPacketRefOrNullRef<Ipv6Header>(14);
            if (Unsafe.IsNullRef(ref ip6)) return TcAction.Next;
            protocol = ip6.NextHeader;
            offset = 14 + 40;
        }
        else return TcAction.Next;
        if (protocol != IpProtocol.Tcp && protocol != IpProtocol.Udp) return TcAction.Next;
        // TCP and UDP both start with the source and destination ports.
        ref UdpHeader ports = ref ctx.GetPacketRefOrNullRef<UdpHeader>(offset);
        if (Unsafe.IsNullRef(ref ports) || ports.DestinationPort != Port) return TcAction.Next;
        ctx.Mark = Mark;
        ctx.Priority = Priority;
        Add(0, ctx.Len);
        return TcAction.Next;
    }

    private static void Add(uint slot, uint length)
    {
        ref Traffic traffic = ref Counts.GetValueRefOrNullRef(slot);
        if (Unsafe.IsNullRef(ref traffic)) return;
        traffic.Packets++;
        traffic.Bytes += length;
    }
}

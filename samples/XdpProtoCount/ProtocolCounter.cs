using System.Runtime.CompilerServices;
using BpfDotnet;

namespace XdpProtoCount;

/// <summary>Packets and bytes an interface receives, per IP protocol (the IPv4 protocol or the IPv6 next header), counted per CPU by an XDP program.</summary>
public static partial class ProtocolCounter
{
    /// <summary>Packets and bytes.</summary>
    public struct Traffic
    {
        public ulong Packets;
        public ulong Bytes;
    }

    /// <summary>By IP protocol number.</summary>
    [BpfMap(MaxEntries = 256)]
    public static BpfPerCpuArrayMap<Traffic> ByProtocol = new(256);

    /// <summary>[0]: packets that are not IP (ARP, say); [1]: IP packets too short for their header.</summary>
    [BpfMap(MaxEntries = 2)]
    public static BpfPerCpuArrayMap<Traffic> Other = new(2);

    [BpfProgram, Section("xdp")]
    public static XdpAction Count(ref XdpContext ctx)
    {
        ulong length = (ulong)ctx.PacketLength;
        ref EthernetHeader eth = ref ctx.GetPacketRefOrNullRef<EthernetHeader>(0);
        if (Unsafe.IsNullRef(ref eth)) return XdpAction.Pass;
        ushort type = eth.EtherType;
        int offset = 14;
        if (type == EtherType.Vlan || type == EtherType.QinQ)
        {
            ref VlanHeader vlan = ref ctx.GetPacketRefOrNullRef<VlanHeader>(offset);
            if (Unsafe.IsNullRef(ref vlan)) return XdpAction.Pass;
            type = vlan.EtherType;
            offset += 4;
        }
        uint protocol;
        if (type == EtherType.IPv4)
        {
            ref Ipv4Header ip = ref ctx.GetPacketRefOrNullRef<Ipv4Header>(offset);
            if (Unsafe.IsNullRef(ref ip)) return Add(ref Other.GetValueRefOrNullRef(1), length);
            protocol = ip.Protocol;
        }
        else if (type == EtherType.IPv6)
        {
            ref Ipv6Header ip6 = ref ctx.GetPacketRefOrNullRef<Ipv6Header>(offset);
            if (Unsafe.IsNullRef(ref ip6)) return Add(ref Other.GetValueRefOrNullRef(1), length);
            protocol = ip6.NextHeader;
        }
        else
        {
            return Add(ref Other.GetValueRefOrNullRef(0), length);
        }
        return Add(ref ByProtocol.GetValueRefOrNullRef(protocol), length);
    }

    private static XdpAction Add(ref Traffic traffic, ulong length)
    {
        if (!Unsafe.IsNullRef(ref traffic))
        {
            traffic.Packets++;
            traffic.Bytes += length;
        }
        return XdpAction.Pass;
    }
}

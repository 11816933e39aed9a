using System.Runtime.CompilerServices;
using BpfDotnet;

namespace BpfXdp;

/// <summary>Counts the packets and bytes an interface receives per IP protocol, per CPU, and lets every packet pass.</summary>
public static partial class XdpProbe
{
    public struct Traffic
    {
        public ulong Packets;
        public ulong Bytes;
    }

    /// <summary>By IP protocol number (the IPv4 protocol, or the IPv6 next header).</summary>
    [BpfMap(MaxEntries = 256)]
    public static BpfPerCpuArrayMap<Traffic> ByProtocol = new(256);

    [BpfProgram, Section("xdp")]
    public static XdpAction CountProtocols(ref XdpContext ctx)
    {
        // Each header is a reference into the packet, null where the packet ends first: test it before use.
        ref EthernetHeader eth = ref ctx.GetPacketRefOrNullRef<EthernetHeader>(0);
        if (Unsafe.IsNullRef(ref eth)) return XdpAction.Pass;
        ushort type = eth.EtherType;
        int offset = 14;
        if (type == EtherType.Vlan)
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
            if (Unsafe.IsNullRef(ref ip)) return XdpAction.Pass;
            protocol = ip.Protocol;
        }
        else if (type == EtherType.IPv6)
        {
            ref Ipv6Header ip6 = ref ctx.GetPacketRefOrNullRef<Ipv6Header>(offset);
            if (Unsafe.IsNullRef(ref ip6)) return XdpAction.Pass;
            protocol = ip6.NextHeader;
        }
        else return XdpAction.Pass;

        ref Traffic traffic = ref ByProtocol.GetValueRefOrNullRef(protocol);
        if (!Unsafe.IsNullRef(ref traffic))
        {
            traffic.Packets++;
            traffic.Bytes += (ulong)ctx.PacketLength;
        }
        return XdpAction.Pass;
    }
}

using System.Runtime.CompilerServices;
using BpfDotnet;

namespace BpfTc;

/// <summary>Counts the TCP and UDP packets an interface receives per destination port, and marks them with the port.</summary>
public static partial class TcProbe
{
    public struct Traffic
    {
        public ulong Packets;
        public ulong Bytes;
    }

    /// <summary>By destination port.</summary>
    [BpfMap(MaxEntries = 4096)]
    public static BpfHashMap<ushort, Traffic> ByPort = new();

    [BpfProgram, Section("tcx/ingress")]
    public static TcAction CountPorts(ref SkBuff ctx)
    {
        // Each header is a reference into the packet, null where the packet ends first: test it before use.
        ref EthernetHeader eth = ref ctx.GetPacketRefOrNullRef<EthernetHeader>(0);
        if (Unsafe.IsNullRef(ref eth) || eth.EtherType != EtherType.IPv4) return TcAction.Next;
        ref Ipv4Header ip = ref ctx.GetPacketRefOrNullRef<Ipv4Header>(14);
        if (Unsafe.IsNullRef(ref ip) || ip.IsFragment) return TcAction.Next;
        if (ip.Protocol != IpProtocol.Tcp && ip.Protocol != IpProtocol.Udp) return TcAction.Next;
        // TCP and UDP headers both start with the source and destination ports.
        ref UdpHeader ports = ref ctx.GetPacketRefOrNullRef<UdpHeader>(14 + ip.HeaderLength);
        if (Unsafe.IsNullRef(ref ports)) return TcAction.Next;
        ushort port = ports.DestinationPort;

        // A tc program may set the packet's mark (and priority) for routing rules, qdiscs and firewalls.
        ctx.Mark = port;

        ref Traffic traffic = ref ByPort.GetValueRefOrNullRef(port);
        if (Unsafe.IsNullRef(ref traffic))
        {
            ByPort.Update(port, new Traffic { Packets = 1, Bytes = ctx.Len });
        }
        else
        {
            Interlocked.Increment(ref traffic.Packets);
            Interlocked.Add(ref traffic.Bytes, ctx.Len);
        }
        return TcAction.Next;
    }
}

using System;
using System.Collections.Generic;
using System.Linq;

namespace BpfDotnet.Compiler.Tests.Packets
{
    /// <summary>
    /// Packet parsers as users write them (Ethernet, VLAN tags, IPv4 with options, IPv6, TCP, UDP, ICMP), through references,
    /// copies and writes, and the packets they run on: well-formed ones of every protocol, each cut short at every length.
    /// </summary>
    public static class PacketCorpus
    {
        private static string Xdp(string name, string body) =>
            $"    [BpfProgram, Section(\"xdp\")]\n    public static XdpAction {name}(ref XdpContext ctx)\n    {{\n        {body}\n    }}\n";

        private static string Socket(string name, string body) =>
            $"    [BpfProgram, Section(\"socket\")]\n    public static int {name}(ref SkBuff ctx)\n    {{\n        {body}\n    }}\n";

        private static string Tc(string name, string body) =>
            $"    [BpfProgram, Section(\"tcx/ingress\")]\n    public static TcAction {name}(ref SkBuff ctx)\n    {{\n        {body}\n    }}\n";

        /// <summary>Finds the layer-3 protocol and offset after up to two VLAN tags; shared by the parsers.</summary>
        private const string L3 = @"
        ref EthernetHeader eth = ref ctx.GetPacketRefOrNullRef<EthernetHeader>(0);
        if (Unsafe.IsNullRef(ref eth)) return XdpAction.Aborted;
        int offset = 14;
        ushort proto = eth.EtherType;
        for (int tags = 0; tags < 2; tags++)
        {
            if (proto != EtherType.Vlan && proto != EtherType.QinQ) break;
            ref VlanHeader vlan = ref ctx.GetPacketRefOrNullRef<VlanHeader>(offset);
            if (Unsafe.IsNullRef(ref vlan)) return XdpAction.Drop;
            proto = vlan.EtherType;
            offset += 4;
        }";

        public static List<string> Probes() => new List<string>
        {
            // A TCP options walk whose iterations split the verifier's walk (the offset steps by 1 or by a length read
            // from the packet): 12 rounds load.
            Xdp("x_tcp_mss_walk", @"
        int mss = 0, o = 54;
        for (int n = 0; n < 12; n++)
        {
            if (!ctx.TryReadPacket(o, out byte kind)) break;
            if (kind == 0) break;
            if (kind == 1) { o++; continue; }
            if (!ctx.TryReadPacket(o + 1, out byte len)) break;
            if (len < 2) break;
            if (kind == 2) mss = len;
            o += len;
        }
        Out.Update(0, mss * 1000L + o);
        return mss > 0 ? XdpAction.Pass : XdpAction.Drop;"),
            Xdp("x_ethertype", "ref EthernetHeader eth = ref ctx.GetPacketRefOrNullRef<EthernetHeader>(0); if (Unsafe.IsNullRef(ref eth)) return XdpAction.Aborted; Out.Update(0, eth.EtherType + eth.Source[5] * 65536L); return eth.EtherType == EtherType.IPv4 ? XdpAction.Pass : XdpAction.Drop;"),
            Xdp("x_l4_ports", L3 + @"
        byte l4 = 0;
        if (proto == EtherType.IPv4)
        {
            ref Ipv4Header ip = ref ctx.GetPacketRefOrNullRef<Ipv4Header>(offset);
            if (Unsafe.IsNullRef(ref ip)) return XdpAction.Drop;
            int length = ip.HeaderLength;
            if (length < 20) return XdpAction.Drop;
            if (ip.IsFragment) return XdpAction.Pass;
            l4 = ip.Protocol;
            offset += length;
        }
        else if (proto == EtherType.IPv6)
        {
            ref Ipv6Header ip6 = ref ctx.GetPacketRefOrNullRef<Ipv6Header>(offset);
            if (Unsafe.IsNullRef(ref ip6)) return XdpAction.Drop;
            l4 = ip6.NextHeader;
            offset += 40;
        }
        else return XdpAction.Pass;
        long ports = 0;
        if (l4 == IpProtocol.Tcp)
        {
            ref TcpHeader tcp = ref ctx.GetPacketRefOrNullRef<TcpHeader>(offset);
            if (Unsafe.IsNullRef(ref tcp)) return XdpAction.Drop;
            ports = tcp.SourcePort * 65536L + tcp.DestinationPort + (tcp.Flags & 0x02) * 1000000000L;
        }
        else if (l4 == IpProtocol.Udp)
        {
            ref UdpHeader udp = ref ctx.GetPacketRefOrNullRef<UdpHeader>(offset);
            if (Unsafe.IsNullRef(ref udp)) return XdpAction.Drop;
            ports = udp.SourcePort * 65536L + udp.DestinationPort;
        }
        else if (l4 == IpProtocol.Icmp || l4 == IpProtocol.Icmpv6)
        {
            ref IcmpHeader icmp = ref ctx.GetPacketRefOrNullRef<IcmpHeader>(offset);
            if (Unsafe.IsNullRef(ref icmp)) return XdpAction.Drop;
            ports = icmp.Type * 256 + icmp.Code;
        }
        Out.Update(0, ports * 256 + l4 + offset * 1000000000000L);
        return ports % 3 == 0 ? XdpAction.Drop : XdpAction.Pass;"),
            Xdp("x_copies", @"
        if (!ctx.TryReadPacket(0, out EthernetHeader eth)) return XdpAction.Aborted;
        if (eth.EtherType != EtherType.IPv4) { Out.Update(0, -eth.EtherType); return XdpAction.Pass; }
        if (!ctx.TryReadPacket(14, out Ipv4Header ip)) return XdpAction.Drop;
        ctx.TryReadPacket(14 + ip.HeaderLength, out ushort sourcePort);
        Out.Update(0, unchecked((long)ip.SourceAddress * 31 + ip.DestinationAddress + sourcePort));
        return XdpAction.Pass;"),
            Xdp("x_ip_options", @"
        ref Ipv4Header ip = ref ctx.GetPacketRefOrNullRef<Ipv4Header>(14);
        if (Unsafe.IsNullRef(ref ip)) return XdpAction.Pass;
        int end = 14 + ip.HeaderLength;
        long sum = 0;
        for (int at = 34; at < 74; at++)
        {
            if (at >= end) break;
            if (!ctx.TryReadPacket(at, out byte option)) return XdpAction.Drop;
            sum = sum * 7 + option;
        }
        Out.Update(0, sum);
        return XdpAction.Pass;"),
            Xdp("x_length", "int n = ctx.PacketLength; Out.Update(0, n); return n > 60 ? XdpAction.Pass : XdpAction.Drop;"),
            Xdp("x_rewrite", @"
        ref EthernetHeader eth = ref ctx.GetPacketRefOrNullRef<EthernetHeader>(0);
        if (Unsafe.IsNullRef(ref eth)) return XdpAction.Aborted;
        for (int i = 0; i < 6; i++) { byte b = eth.Source[i]; eth.Source[i] = eth.Destination[i]; eth.Destination[i] = b; }
        if (eth.EtherType != EtherType.IPv4) return XdpAction.Tx;
        ref Ipv4Header ip = ref ctx.GetPacketRefOrNullRef<Ipv4Header>(14);
        if (Unsafe.IsNullRef(ref ip) || ip.TimeToLive <= 1) return XdpAction.Drop;
        ip.TimeToLive--;
        ip.Checksum = unchecked((ushort)(ip.Checksum + 0x100));
        ctx.TryWritePacket(26, ip.DestinationAddress);
        return XdpAction.Tx;"),
            Tc("t_ports", @"
        ref EthernetHeader eth = ref ctx.GetPacketRefOrNullRef<EthernetHeader>(0);
        if (Unsafe.IsNullRef(ref eth)) return TcAction.Shot;
        if (eth.EtherType != EtherType.IPv4) return TcAction.Ok;
        ref Ipv4Header ip = ref ctx.GetPacketRefOrNullRef<Ipv4Header>(14);
        if (Unsafe.IsNullRef(ref ip)) return TcAction.Shot;
        if (ip.Protocol != IpProtocol.Udp) return TcAction.Ok;
        ref UdpHeader udp = ref ctx.GetPacketRefOrNullRef<UdpHeader>(14 + ip.HeaderLength);
        if (Unsafe.IsNullRef(ref udp)) return TcAction.Shot;
        Out.Update(0, udp.DestinationPort);
        if (udp.DestinationPort == 53) udp.DestinationPort = 5353;
        return TcAction.Ok;"),
            Xdp("x_pop_ethernet", @"
        if (!ctx.TryReadPacket(12, out ushort type) || type != 0x0008) return XdpAction.Pass;
        if (Bpf.XdpAdjustHead(ref ctx, 14) != 0) return XdpAction.Aborted;
        ref Ipv4Header ip = ref ctx.GetPacketRefOrNullRef<Ipv4Header>(0);
        if (Unsafe.IsNullRef(ref ip)) return XdpAction.Drop;
        Out.Update(0, ip.TimeToLive * 1000 + ctx.PacketLength);
        return XdpAction.Pass;"),
            Xdp("x_push_and_trim", @"
        if (ctx.PacketLength > 40 && Bpf.XdpAdjustTail(ref ctx, 40 - ctx.PacketLength) != 0) return XdpAction.Aborted;
        if (Bpf.XdpAdjustHead(ref ctx, -4) != 0) return XdpAction.Aborted;
        if (!ctx.TryWritePacket(0, 0xdeadbeefu)) return XdpAction.Drop;
        Out.Update(0, ctx.PacketLength);
        return XdpAction.Tx;"),
            Xdp("x_redirect", "return ctx.PacketLength > 50 ? Bpf.XdpRedirect(1) : XdpAction.Pass;"),
            Tc("t_ttl_with_checksum", @"
        if (!ctx.TryReadPacket(12, out ushort type) || type != 0x0008) return TcAction.Ok;
        if (!ctx.TryReadPacket(22, out ushort ttlAndProtocol)) return TcAction.Shot;
        ushort lowered = unchecked((ushort)(ttlAndProtocol - 1));
        if (Bpf.L3CsumReplace(ref ctx, 24, ttlAndProtocol, lowered, 2) != 0) return TcAction.Shot;
        if (Bpf.SkbStoreBytes(ref ctx, 22, lowered) != 0) return TcAction.Shot;
        if (!ctx.TryReadPacket(24, out ushort checksum)) return TcAction.Shot;
        Out.Update(0, checksum);
        return TcAction.Ok;"),
            Socket("s_udp_ports", @"
        if (!ctx.TryReadPacket(0, out Ipv4Header ip)) return 0;
        if (ip.Version != 4 || ip.Protocol != IpProtocol.Udp) { Out.Update(0, ip.Version); return (int)ctx.Len; }
        if (!ctx.TryReadPacket(ip.HeaderLength, out UdpHeader udp)) return 0;
        Out.Update(0, udp.SourcePort * 65536L + udp.DestinationPort);
        return udp.DestinationPort == 53 ? 64 : 0;"),
            Tc("t_context_writes", @"
        ctx.Mark = 42;
        ctx.Priority += 3;
        ctx.TcClassid = 0x1002;
        ctx.ControlBuffer[1] = ctx.Len;
        ctx.TcIndex++;
        Out.Update(0, ctx.Mark * 1000000L + ctx.Priority * 1000 + ctx.ControlBuffer[1] + ctx.TcClassid + ctx.TcIndex);
        return ctx.Mark == 42 ? TcAction.Ok : TcAction.Shot;"),
        };

        /// <summary>Well-formed packets of each protocol, and each of them cut at every length from 14 bytes.</summary>
        public static List<byte[]> Packets()
        {
            var whole = new List<byte[]>
            {
                Ethernet(0x0800, Ipv4(6, Tcp(443, 51000)), vlans: 0),
                Ethernet(0x0800, Ipv4(17, Udp(53000, 53)), vlans: 0),
                Ethernet(0x0800, Ipv4(1, new byte[] { 8, 0, 0xf7, 0xff, 0, 1, 0, 1 }), vlans: 0),
                Ethernet(0x0800, Ipv4(17, Udp(1234, 53), options: 12), vlans: 1),
                Ethernet(0x86DD, Ipv6(6, Tcp(22, 40000)), vlans: 0),
                Ethernet(0x86DD, Ipv6(58, new byte[] { 128, 0, 0, 0, 0, 7, 0, 9 }), vlans: 2),
                Ethernet(0x0806, new byte[28], vlans: 0),
            };
            var all = new List<byte[]>();
            foreach (var packet in whole)
            {
                for (int length = 14; length <= packet.Length; length++) all.Add(packet[..length]);
            }
            return all;
        }

        private static byte[] Ethernet(ushort type, byte[] payload, int vlans)
        {
            var bytes = new List<byte> { 0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02 };
            for (int v = 0; v < vlans; v++) bytes.AddRange(new byte[] { v == 0 && vlans == 2 ? (byte)0x88 : (byte)0x81, v == 0 && vlans == 2 ? (byte)0xa8 : (byte)0x00, 0x00, (byte)(10 + v) });
            bytes.Add((byte)(type >> 8));
            bytes.Add((byte)type);
            bytes.AddRange(payload);
            return bytes.ToArray();
        }

        private static byte[] Ipv4(byte protocol, byte[] payload, int options = 0)
        {
            int header = 20 + options;
            var ip = new byte[header + payload.Length];
            ip[0] = (byte)(0x40 | (header / 4));
            ip[2] = (byte)(ip.Length >> 8);
            ip[3] = (byte)ip.Length;
            ip[8] = 64;
            ip[9] = protocol;
            new byte[] { 10, 0, 0, 1, 10, 0, 0, 2 }.CopyTo(ip, 12);
            for (int i = 0; i < options; i++) ip[20 + i] = (byte)(i * 37 + 1);
            payload.CopyTo(ip, header);
            return ip;
        }

        private static byte[] Ipv6(byte next, byte[] payload)
        {
            var ip = new byte[40 + payload.Length];
            ip[0] = 0x60;
            ip[4] = (byte)(payload.Length >> 8);
            ip[5] = (byte)payload.Length;
            ip[6] = next;
            ip[7] = 64;
            ip[23] = 1;
            ip[39] = 2;
            payload.CopyTo(ip, 40);
            return ip;
        }

        private static byte[] Tcp(ushort source, ushort destination)
        {
            var tcp = new byte[20];
            tcp[0] = (byte)(source >> 8); tcp[1] = (byte)source; tcp[2] = (byte)(destination >> 8); tcp[3] = (byte)destination;
            tcp[12] = 0x50;
            tcp[13] = 0x02;
            return tcp;
        }

        private static byte[] Udp(ushort source, ushort destination)
        {
            var udp = new byte[8 + 12];
            udp[0] = (byte)(source >> 8); udp[1] = (byte)source; udp[2] = (byte)(destination >> 8); udp[3] = (byte)destination;
            udp[5] = (byte)udp.Length;
            return udp;
        }
    }
}

using System.Runtime.InteropServices;

namespace BpfDotnet.KernelModel
{
    // The rtnetlink wire format the loader speaks to attach programs where no BPF link reaches: routes with a BPF
    // encapsulation (include/uapi/linux/lwtunnel.h) and tc's clsact qdisc with bpf filters (pkt_sched.h, pkt_cls.h).
    // Framing from include/uapi/linux/netlink.h, messages from rtnetlink.h. Every message is a 16-byte nlmsghdr, a
    // fixed family header (rtmsg, tcmsg) and attributes; headers and attributes are aligned to 4 bytes.

    /// <summary>Constants of <c>AF_NETLINK</c> sockets and their messages (<c>linux/netlink.h</c>).</summary>
    internal static class Netlink
    {
        /// <summary><c>AF_NETLINK</c>.</summary>
        public const int AddressFamily = 16;

        /// <summary><c>NETLINK_ROUTE</c>: the rtnetlink protocol (routes, qdiscs, filters).</summary>
        public const int ProtocolRoute = 0;

        /// <summary><c>SOL_NETLINK</c>, the level of the options below.</summary>
        public const int SocketLevel = 270;

        /// <summary><c>NETLINK_CAP_ACK</c>: error replies carry only the request's header, not its whole payload.</summary>
        public const int OptionCapAck = 10;

        /// <summary><c>NETLINK_EXT_ACK</c>: error replies carry the kernel's message (<see cref="NetlinkErrorAttribute"/>).</summary>
        public const int OptionExtendedAck = 11;

        /// <summary>Size of <c>struct sockaddr_nl</c> (family, pad, port id, groups).</summary>
        public const int SocketAddressSize = 12;

        /// <summary>Size of <c>struct nlmsghdr</c> (<see cref="NetlinkHeader"/>).</summary>
        public const int HeaderSize = 16;

        /// <summary>Size of <c>struct nlattr</c> / <c>struct rtattr</c>: a 16-bit length and a 16-bit type.</summary>
        public const int AttributeHeaderSize = 4;

        /// <summary><c>NLMSG_ALIGNTO</c> and <c>NLA_ALIGNTO</c>.</summary>
        public const int Alignment = 4;

        /// <summary><c>NLA_F_NESTED</c>: the attribute holds attributes.</summary>
        public const ushort AttributeNested = 0x8000;

        /// <summary><c>NLA_TYPE_MASK</c>: the type bits of an attribute's type, without <c>NLA_F_NESTED</c> and <c>NLA_F_NET_BYTEORDER</c>.</summary>
        public const ushort AttributeTypeMask = 0x3FFF;

        /// <summary>Size of the <c>int error</c> that starts <c>struct nlmsgerr</c>, before the request's header.</summary>
        public const int ErrorCodeSize = 4;

        /// <summary><paramref name="length"/> rounded up to <see cref="Alignment"/>.</summary>
        public static int Align(int length) => (length + Alignment - 1) & ~(Alignment - 1);
    }

    /// <summary><c>struct nlmsghdr</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NetlinkHeader
    {
        public uint Length;
        public ushort Type;
        public ushort Flags;
        public uint Sequence;
        public uint PortId;
    }

    /// <summary>The <c>nlmsg_type</c> values the loader sends and reads: netlink's own, then rtnetlink's (<c>RTM_*</c>).</summary>
    internal enum NetlinkMessageType : ushort
    {
        Noop = 1,
        Error = 2,
        Done = 3,
        Overrun = 4,
        NewRoute = 24,
        DeleteRoute = 25,
        GetRoute = 26,
        NewQdisc = 36,
        DeleteQdisc = 37,
        GetQdisc = 38,
        NewFilter = 44,
        DeleteFilter = 45,
        GetFilter = 46,
    }

    /// <summary>The <c>NLM_F_*</c> flags of <c>nlmsg_flags</c>; the meaning of bits 8 to 11 depends on the request.</summary>
    [System.Flags]
    internal enum NetlinkFlags : ushort
    {
        None = 0,
        Request = 0x1,
        Multi = 0x2,
        Ack = 0x4,
        Echo = 0x8,
        DumpInterrupted = 0x10,

        /// <summary><c>NLM_F_ROOT | NLM_F_MATCH</c> on a get request.</summary>
        Dump = 0x300,

        /// <summary>On a new request: fail if the object exists.</summary>
        Exclusive = 0x200,

        /// <summary>On a new request: create the object if it does not exist.</summary>
        Create = 0x400,

        /// <summary>On an error reply: the request's payload is left out (<see cref="Netlink.OptionCapAck"/>).</summary>
        Capped = 0x100,

        /// <summary>On an error reply: extended-ack attributes follow the request.</summary>
        AcknowledgementAttributes = 0x200,
    }

    /// <summary><c>enum nlmsgerr_attrs</c>: the extended-ack attributes of an error reply.</summary>
    internal enum NetlinkErrorAttribute : ushort
    {
        /// <summary><c>NLMSGERR_ATTR_MSG</c>: the kernel's message, a NUL-terminated string.</summary>
        Message = 1,

        /// <summary><c>NLMSGERR_ATTR_OFFS</c>: the offset in the request of the attribute the kernel refused.</summary>
        Offset = 2,
    }

    /// <summary>Address families as the kernel numbers them (not .NET's <c>AddressFamily</c>).</summary>
    internal static class LinuxAddressFamily
    {
        public const byte Unspecified = 0;
        public const byte Inet = 2;
        public const byte Inet6 = 10;
    }

    /// <summary><c>struct rtmsg</c>, the family header of route messages.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct RouteMessage
    {
        public byte Family;
        public byte DestinationLength;
        public byte SourceLength;
        public byte Tos;
        public byte Table;
        public byte Protocol;
        public byte Scope;
        public byte Type;
        public uint Flags;
    }

    /// <summary>Values of <see cref="RouteMessage"/>'s fields: <c>RT_TABLE_*</c>, <c>RTPROT_*</c>, <c>RT_SCOPE_*</c>, <c>RTN_*</c>.</summary>
    internal static class RouteValues
    {
        /// <summary><c>RT_TABLE_MAIN</c>.</summary>
        public const byte TableMain = 254;

        /// <summary><c>RTPROT_STATIC</c>: a route an administrator added.</summary>
        public const byte ProtocolStatic = 4;

        /// <summary><c>RT_SCOPE_UNIVERSE</c>: a route through a gateway.</summary>
        public const byte ScopeUniverse = 0;

        /// <summary><c>RT_SCOPE_LINK</c>: a destination on the link itself.</summary>
        public const byte ScopeLink = 253;

        /// <summary><c>RTN_UNICAST</c>.</summary>
        public const byte TypeUnicast = 1;
    }

    /// <summary><c>enum rtattr_type_t</c>: the attributes of a route message the loader uses.</summary>
    internal enum RouteAttribute : ushort
    {
        Destination = 1,
        OutputInterface = 4,
        Gateway = 5,
        Table = 15,
        EncapsulationType = 21,
        Encapsulation = 22,
    }

    /// <summary><c>enum lwtunnel_encap_types</c>: the route encapsulations (only BPF is used).</summary>
    internal static class LightweightTunnel
    {
        /// <summary><c>LWTUNNEL_ENCAP_BPF</c>.</summary>
        public const ushort EncapsulationBpf = 6;

        /// <summary><c>LWT_BPF_MAX_HEADROOM</c>: the most an xmit program may ask to be reserved in front of the packet.</summary>
        public const int MaxHeadroom = 256;
    }

    /// <summary><c>enum lwt_bpf_attrs</c>: the hooks of a route's BPF encapsulation, each holding a program.</summary>
    internal enum LwtBpfAttribute : ushort
    {
        /// <summary><c>LWT_BPF_IN</c>: packets received and routed by this route (program type lwt_in).</summary>
        In = 1,

        /// <summary><c>LWT_BPF_OUT</c>: packets sent locally through this route, before the output path (lwt_out).</summary>
        Out = 2,

        /// <summary><c>LWT_BPF_XMIT</c>: packets about to be transmitted through this route (lwt_xmit).</summary>
        Xmit = 3,

        /// <summary><c>LWT_BPF_XMIT_HEADROOM</c>: a u32, the bytes of headroom the xmit program needs.</summary>
        XmitHeadroom = 4,
    }

    /// <summary><c>enum lwt_bpf_prog_attrs</c>: what a hook of <see cref="LwtBpfAttribute"/> holds.</summary>
    internal enum LwtBpfProgramAttribute : ushort
    {
        /// <summary><c>LWT_BPF_PROG_FD</c>: a u32 program descriptor.</summary>
        Fd = 1,

        /// <summary><c>LWT_BPF_PROG_NAME</c>: a string the kernel shows for the program (required).</summary>
        Name = 2,
    }

    /// <summary><c>struct tcmsg</c>, the family header of qdisc and filter messages.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct TcMessage
    {
        public byte Family;
        public byte Pad1;
        public ushort Pad2;
        public int InterfaceIndex;
        public uint Handle;
        public uint Parent;

        /// <summary>For a filter: <c>TC_H_MAKE(priority &lt;&lt; 16, protocol)</c>, the protocol in network byte order.</summary>
        public uint Info;
    }

    /// <summary>tc handles (<c>pkt_sched.h</c>): a 16-bit major and a 16-bit minor number.</summary>
    internal static class TcHandle
    {
        public const uint MajorMask = 0xFFFF0000;
        public const uint MinorMask = 0x0000FFFF;

        /// <summary><c>TC_H_CLSACT</c> (the same as <c>TC_H_INGRESS</c>): the parent of the clsact qdisc.</summary>
        public const uint Clsact = 0xFFFFFFF1;

        /// <summary>The clsact qdisc's own handle, <c>ffff:0</c>.</summary>
        public const uint ClsactQdisc = 0xFFFF0000;

        /// <summary><c>TC_H_MIN_INGRESS</c>.</summary>
        public const uint MinorIngress = 0xFFF2;

        /// <summary><c>TC_H_MIN_EGRESS</c>.</summary>
        public const uint MinorEgress = 0xFFF3;

        /// <summary><c>TC_H_MAKE(major, minor)</c>.</summary>
        public static uint Make(uint major, uint minor) => (major & MajorMask) | (minor & MinorMask);

        /// <summary><c>ETH_P_ALL</c>: a filter for every protocol (host byte order; the kernel wants it in network order).</summary>
        public const ushort EthernetProtocolAll = 0x0003;
    }

    /// <summary><c>TCA_*</c>: the attributes of qdisc and filter messages the loader uses.</summary>
    internal enum TcAttribute : ushort
    {
        /// <summary><c>TCA_KIND</c>: the qdisc or classifier name (<c>clsact</c>, <c>bpf</c>).</summary>
        Kind = 1,

        /// <summary><c>TCA_OPTIONS</c>: the kind's own attributes, nested.</summary>
        Options = 2,
    }

    /// <summary><c>TCA_BPF_*</c>: the options of a <c>bpf</c> classifier (<c>pkt_cls.h</c>).</summary>
    internal enum TcBpfAttribute : ushort
    {
        /// <summary><c>TCA_BPF_FD</c>: a u32 program descriptor.</summary>
        Fd = 6,

        /// <summary><c>TCA_BPF_NAME</c>: a string tc shows for the program.</summary>
        Name = 7,

        /// <summary><c>TCA_BPF_FLAGS</c>: a u32 of <see cref="TcBpfFlags"/>.</summary>
        Flags = 8,

        /// <summary><c>TCA_BPF_ID</c>: the program's kernel id, in dumps.</summary>
        Id = 11,
    }

    /// <summary><c>TCA_BPF_FLAG_*</c>.</summary>
    [System.Flags]
    internal enum TcBpfFlags : uint
    {
        /// <summary><c>TCA_BPF_FLAG_ACT_DIRECT</c>: the program's return value is the action (direct action).</summary>
        ActDirect = 1,
    }
}

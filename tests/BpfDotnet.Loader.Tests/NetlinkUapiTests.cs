using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using BpfDotnet.KernelModel;
using Xunit;

namespace BpfDotnet.Loader.Tests
{
    /// <summary>
    /// The kernel model's rtnetlink constants and structs (Uapi/Netlink.cs) are the kernel's: a C program built against
    /// the machine's &lt;linux/netlink.h&gt;, &lt;linux/rtnetlink.h&gt;, &lt;linux/lwtunnel.h&gt;, &lt;linux/pkt_sched.h&gt;
    /// and &lt;linux/pkt_cls.h&gt; prints each one.
    /// </summary>
    public class NetlinkUapiTests
    {
        private static long Offset<T>(string field) => Marshal.OffsetOf<T>(field).ToInt64();

        private static readonly (string C, long Ours)[] s_values =
        {
            ("AF_NETLINK", Netlink.AddressFamily),
            ("NETLINK_ROUTE", Netlink.ProtocolRoute),
            ("SOL_NETLINK", Netlink.SocketLevel),
            ("NETLINK_CAP_ACK", Netlink.OptionCapAck),
            ("NETLINK_EXT_ACK", Netlink.OptionExtendedAck),
            ("sizeof(struct sockaddr_nl)", Netlink.SocketAddressSize),
            ("sizeof(struct nlmsghdr)", Netlink.HeaderSize),
            ("sizeof(struct nlmsghdr)", Marshal.SizeOf<NetlinkHeader>()),
            ("offsetof(struct nlmsghdr, nlmsg_seq)", Offset<NetlinkHeader>(nameof(NetlinkHeader.Sequence))),
            ("offsetof(struct nlmsghdr, nlmsg_pid)", Offset<NetlinkHeader>(nameof(NetlinkHeader.PortId))),
            ("NLA_HDRLEN", Netlink.AttributeHeaderSize),
            ("NLMSG_ALIGNTO", Netlink.Alignment),
            ("NLA_F_NESTED", Netlink.AttributeNested),
            ("(unsigned short)NLA_TYPE_MASK", Netlink.AttributeTypeMask),
            ("offsetof(struct nlmsgerr, msg)", Netlink.ErrorCodeSize),
            ("NLMSG_NOOP", (long)NetlinkMessageType.Noop),
            ("NLMSG_ERROR", (long)NetlinkMessageType.Error),
            ("NLMSG_DONE", (long)NetlinkMessageType.Done),
            ("NLMSG_OVERRUN", (long)NetlinkMessageType.Overrun),
            ("RTM_NEWROUTE", (long)NetlinkMessageType.NewRoute),
            ("RTM_DELROUTE", (long)NetlinkMessageType.DeleteRoute),
            ("RTM_GETROUTE", (long)NetlinkMessageType.GetRoute),
            ("RTM_NEWQDISC", (long)NetlinkMessageType.NewQdisc),
            ("RTM_DELQDISC", (long)NetlinkMessageType.DeleteQdisc),
            ("RTM_GETQDISC", (long)NetlinkMessageType.GetQdisc),
            ("RTM_NEWTFILTER", (long)NetlinkMessageType.NewFilter),
            ("RTM_DELTFILTER", (long)NetlinkMessageType.DeleteFilter),
            ("RTM_GETTFILTER", (long)NetlinkMessageType.GetFilter),
            ("NLM_F_REQUEST", (long)NetlinkFlags.Request),
            ("NLM_F_MULTI", (long)NetlinkFlags.Multi),
            ("NLM_F_ACK", (long)NetlinkFlags.Ack),
            ("NLM_F_ECHO", (long)NetlinkFlags.Echo),
            ("NLM_F_DUMP_INTR", (long)NetlinkFlags.DumpInterrupted),
            ("NLM_F_DUMP", (long)NetlinkFlags.Dump),
            ("NLM_F_EXCL", (long)NetlinkFlags.Exclusive),
            ("NLM_F_CREATE", (long)NetlinkFlags.Create),
            ("NLM_F_CAPPED", (long)NetlinkFlags.Capped),
            ("NLM_F_ACK_TLVS", (long)NetlinkFlags.AcknowledgementAttributes),
            ("NLMSGERR_ATTR_MSG", (long)NetlinkErrorAttribute.Message),
            ("NLMSGERR_ATTR_OFFS", (long)NetlinkErrorAttribute.Offset),
            ("AF_UNSPEC", LinuxAddressFamily.Unspecified),
            ("AF_INET", LinuxAddressFamily.Inet),
            ("AF_INET6", LinuxAddressFamily.Inet6),
            ("sizeof(struct rtmsg)", Marshal.SizeOf<RouteMessage>()),
            ("offsetof(struct rtmsg, rtm_table)", Offset<RouteMessage>(nameof(RouteMessage.Table))),
            ("offsetof(struct rtmsg, rtm_scope)", Offset<RouteMessage>(nameof(RouteMessage.Scope))),
            ("offsetof(struct rtmsg, rtm_type)", Offset<RouteMessage>(nameof(RouteMessage.Type))),
            ("offsetof(struct rtmsg, rtm_flags)", Offset<RouteMessage>(nameof(RouteMessage.Flags))),
            ("RT_TABLE_MAIN", RouteValues.TableMain),
            ("RTPROT_STATIC", RouteValues.ProtocolStatic),
            ("RT_SCOPE_UNIVERSE", RouteValues.ScopeUniverse),
            ("RT_SCOPE_LINK", RouteValues.ScopeLink),
            ("RTN_UNICAST", RouteValues.TypeUnicast),
            ("RTA_DST", (long)RouteAttribute.Destination),
            ("RTA_OIF", (long)RouteAttribute.OutputInterface),
            ("RTA_GATEWAY", (long)RouteAttribute.Gateway),
            ("RTA_TABLE", (long)RouteAttribute.Table),
            ("RTA_ENCAP_TYPE", (long)RouteAttribute.EncapsulationType),
            ("RTA_ENCAP", (long)RouteAttribute.Encapsulation),
            ("LWTUNNEL_ENCAP_BPF", LightweightTunnel.EncapsulationBpf),
            ("LWT_BPF_MAX_HEADROOM", LightweightTunnel.MaxHeadroom),
            ("LWT_BPF_IN", (long)LwtBpfAttribute.In),
            ("LWT_BPF_OUT", (long)LwtBpfAttribute.Out),
            ("LWT_BPF_XMIT", (long)LwtBpfAttribute.Xmit),
            ("LWT_BPF_XMIT_HEADROOM", (long)LwtBpfAttribute.XmitHeadroom),
            ("LWT_BPF_PROG_FD", (long)LwtBpfProgramAttribute.Fd),
            ("LWT_BPF_PROG_NAME", (long)LwtBpfProgramAttribute.Name),
            ("sizeof(struct tcmsg)", Marshal.SizeOf<TcMessage>()),
            ("offsetof(struct tcmsg, tcm_ifindex)", Offset<TcMessage>(nameof(TcMessage.InterfaceIndex))),
            ("offsetof(struct tcmsg, tcm_handle)", Offset<TcMessage>(nameof(TcMessage.Handle))),
            ("offsetof(struct tcmsg, tcm_parent)", Offset<TcMessage>(nameof(TcMessage.Parent))),
            ("offsetof(struct tcmsg, tcm_info)", Offset<TcMessage>(nameof(TcMessage.Info))),
            ("TC_H_MAJ_MASK", TcHandle.MajorMask),
            ("TC_H_MIN_MASK", TcHandle.MinorMask),
            ("TC_H_CLSACT", TcHandle.Clsact),
            ("TC_H_MAKE(TC_H_CLSACT, 0)", TcHandle.ClsactQdisc),
            ("TC_H_MIN_INGRESS", TcHandle.MinorIngress),
            ("TC_H_MIN_EGRESS", TcHandle.MinorEgress),
            ("TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS)", TcHandle.Make(TcHandle.Clsact, TcHandle.MinorEgress)),
            ("ETH_P_ALL", TcHandle.EthernetProtocolAll),
            ("TCA_KIND", (long)TcAttribute.Kind),
            ("TCA_OPTIONS", (long)TcAttribute.Options),
            ("TCA_BPF_FD", (long)TcBpfAttribute.Fd),
            ("TCA_BPF_NAME", (long)TcBpfAttribute.Name),
            ("TCA_BPF_FLAGS", (long)TcBpfAttribute.Flags),
            ("TCA_BPF_ID", (long)TcBpfAttribute.Id),
            ("TCA_BPF_FLAG_ACT_DIRECT", (long)TcBpfFlags.ActDirect),
        };

        [KernelFact]
        public void NetlinkConstantsAndStructs_AreTheKernelHeaders()
        {
            Kernel.Require();
            var values = Kernel.HeaderValues("netlink", new[] { "stddef.h", "sys/socket.h", "linux/netlink.h", "linux/rtnetlink.h", "linux/lwtunnel.h",
                "linux/pkt_sched.h", "linux/pkt_cls.h", "linux/if_ether.h" }, s_values.Select(v => v.C).ToList());
            var wrong = s_values.Select((v, i) => (v.C, v.Ours, Kernels: values[i])).Where(v => v.Ours != v.Kernels)
                .Select(v => $"{v.C}: ours {v.Ours}, the kernel's {v.Kernels}").ToList();
            Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        }
    }
}

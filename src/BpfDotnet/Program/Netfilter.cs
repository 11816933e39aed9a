using System.Runtime.InteropServices;

namespace BpfDotnet
{
    /// <summary>
    /// The context of a netfilter program (<c>struct bpf_nf_ctx</c>, section <c>netfilter</c>): the hook's state and the
    /// packet, each a kernel pointer (<c>struct nf_hook_state *</c>, <c>struct sk_buff *</c>) the program reads through
    /// kernel types (CO-RE). It returns <see cref="NetfilterVerdict.Accept"/> or <see cref="NetfilterVerdict.Drop"/>.
    /// Read-only.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct NetfilterContext
    {
        /// <summary>The hook's state (<c>struct nf_hook_state *</c>): the hook, the protocol family, the devices.</summary>
        public ulong State;

        /// <summary>The packet (<c>struct sk_buff *</c>).</summary>
        public ulong Skb;
    }

    /// <summary>What a netfilter program returns.</summary>
    public enum NetfilterVerdict
    {
        /// <summary><c>NF_DROP</c>: the packet is dropped (a local sender's call fails with EPERM).</summary>
        Drop = 0,

        /// <summary><c>NF_ACCEPT</c>: the packet goes on.</summary>
        Accept = 1,
    }

    /// <summary>The protocol family a netfilter hook is for.</summary>
    public enum NetfilterProtocol
    {
        /// <summary><c>NFPROTO_IPV4</c>.</summary>
        Ipv4 = 2,

        /// <summary><c>NFPROTO_IPV6</c>.</summary>
        Ipv6 = 10,
    }

    /// <summary>The netfilter hooks a program attaches to (<c>enum nf_inet_hooks</c>).</summary>
    public enum NetfilterHook
    {
        /// <summary>Packets arriving, before routing.</summary>
        PreRouting = 0,

        /// <summary>Packets for this host.</summary>
        LocalIn = 1,

        /// <summary>Packets routed through this host.</summary>
        Forward = 2,

        /// <summary>Packets this host sends.</summary>
        LocalOut = 3,

        /// <summary>Packets leaving, after routing.</summary>
        PostRouting = 4,
    }
}

using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BpfDotnet
{
    /// <summary>
    /// The helpers that change or send the packet (XDP and tc). Each ends every packet reference taken before it: the
    /// verifier forgets them at the call, so a reference used after one is a build error (BPF0008); take it again. As .NET
    /// code on a context made with <c>ForPacket</c>, they change that packet as the kernel would, where that is defined.
    /// </summary>
    public static partial class Bpf
    {
        private const long EOPNOTSUPP = 95, EINVAL = 22, EFAULT = 14, ENOMEM = 12;

        /// <summary>
        /// <c>bpf_xdp_adjust_head</c>: moves the packet's start by <paramref name="delta"/> bytes (negative: room for a header
        /// to push; positive: a header popped). Returns 0, or a negative errno.
        /// </summary>
        public static long XdpAdjustHead(ref XdpContext context, int delta) => context.Adjust(delta, head: true);

        /// <summary>
        /// <c>bpf_xdp_adjust_tail</c>: moves the packet's end by <paramref name="delta"/> bytes (negative: truncates it;
        /// positive: grows it with zeroes). Returns 0, or a negative errno.
        /// </summary>
        public static long XdpAdjustTail(ref XdpContext context, int delta) => context.Adjust(delta, head: false);

        /// <summary>
        /// <c>bpf_xdp_adjust_meta</c>: moves the start of the metadata area before the packet by <paramref name="delta"/>
        /// bytes (a multiple of 4, at most 32 in all), for a program after this one. Returns 0, or a negative errno. As .NET
        /// code there is no metadata area: -EOPNOTSUPP.
        /// </summary>
        public static long XdpAdjustMeta(ref XdpContext context, int delta) => -EOPNOTSUPP;

        /// <summary>
        /// <c>bpf_msg_apply_bytes</c>: in an sk_msg program, applies this verdict to the next <paramref name="bytes"/> bytes
        /// of the socket's data, so the program runs again only after them. Returns 0. As .NET code: 0.
        /// </summary>
        public static long MsgApplyBytes(ref SkMsgContext context, uint bytes) => 0;

        /// <summary>
        /// <c>bpf_msg_cork_bytes</c>: in an sk_msg program, holds the data back until <paramref name="bytes"/> bytes are
        /// gathered, then runs the program on them together. Returns 0. As .NET code: 0.
        /// </summary>
        public static long MsgCorkBytes(ref SkMsgContext context, uint bytes) => 0;

        /// <summary>
        /// <c>bpf_redirect</c> from an XDP program: sends the packet out of interface <paramref name="interfaceIndex"/>.
        /// Return its result: <see cref="XdpAction.Redirect"/>, or <see cref="XdpAction.Aborted"/> for bad flags.
        /// </summary>
        public static XdpAction XdpRedirect(uint interfaceIndex, ulong flags = 0) => flags == 0 ? XdpAction.Redirect : XdpAction.Aborted;

        /// <summary>
        /// <c>bpf_redirect</c> from a tc program: sends the packet to interface <paramref name="interfaceIndex"/> (its egress;
        /// with <c>BPF_F_INGRESS</c>, 1, its ingress). Return its result: <see cref="TcAction.Redirect"/>, or
        /// <see cref="TcAction.Shot"/> for bad flags.
        /// </summary>
        public static TcAction Redirect(uint interfaceIndex, ulong flags = 0) => (flags & ~1UL) == 0 ? TcAction.Redirect : TcAction.Shot;

        /// <summary>
        /// <c>bpf_clone_redirect</c>: sends a copy of the packet to interface <paramref name="interfaceIndex"/> (its egress;
        /// with <c>BPF_F_INGRESS</c>, 1, its ingress) and goes on with the original. Returns 0, or a negative errno. As .NET
        /// code: 0 for valid flags.
        /// </summary>
        public static long CloneRedirect(ref SkBuff context, uint interfaceIndex, ulong flags = 0) => (flags & ~1UL) == 0 ? 0 : -EINVAL;

        /// <summary>
        /// <c>bpf_skb_store_bytes</c>: writes <paramref name="value"/> at byte <paramref name="offset"/> of the packet (flags:
        /// <c>BPF_F_RECOMPUTE_CSUM</c> 1, <c>BPF_F_INVALIDATE_HASH</c> 2). Returns 0, or a negative errno (-EFAULT past the end).
        /// </summary>
        public static long SkbStoreBytes<T>(ref SkBuff context, uint offset, in T value, ulong flags = 0) where T : unmanaged
            => context.TryWritePacket((int)Math.Min(offset, int.MaxValue), value) ? 0 : -EFAULT;

        /// <summary>
        /// <c>bpf_l3_csum_replace</c>: updates the 16-bit checksum at byte <paramref name="offset"/> for a field of
        /// <paramref name="size"/> bytes (2 or 4) changed from <paramref name="from"/> to <paramref name="to"/> (both as the
        /// packet holds them, in network byte order), incrementally (RFC 1624). Returns 0, or a negative errno.
        /// </summary>
        public static long L3CsumReplace(ref SkBuff context, uint offset, ulong from, ulong to, ulong size) => context.ReplaceChecksum(offset, from, to, size & 0xf, pseudo: false);

        /// <summary>
        /// <c>bpf_l4_csum_replace</c>: as <see cref="L3CsumReplace"/> for a transport checksum; <paramref name="flags"/> holds
        /// the field's size (2 or 4) in its low 4 bits, and <c>BPF_F_PSEUDO_HDR</c> (0x10) for a field of the pseudo header
        /// (an address) or <c>BPF_F_MARK_MANGLED_0</c> (0x20) for UDP's checksum. Returns 0, or a negative errno.
        /// </summary>
        public static long L4CsumReplace(ref SkBuff context, uint offset, ulong from, ulong to, ulong flags) => context.ReplaceChecksum(offset, from, to, flags & 0xf, pseudo: (flags & 0x10) != 0);

        /// <summary>
        /// <c>bpf_skb_change_head</c>: grows the packet at its start by <paramref name="length"/> zero bytes (room for a
        /// header to push). Returns 0, or a negative errno.
        /// </summary>
        public static long SkbChangeHead(ref SkBuff context, uint length, ulong flags = 0)
            => flags != 0 ? -EINVAL : context.Grow((int)Math.Min(length, int.MaxValue));

        /// <summary>
        /// <c>bpf_skb_pull_data</c>: makes the first <paramref name="length"/> bytes of the packet (all of its first
        /// fragment where 0) direct packet data, which <see cref="SkBuff.GetPacketRefOrNullRef{T}"/> and
        /// <see cref="SkBuff.TryReadPacket{T}"/> reach. An sk_skb program's packet can start with no direct data at all
        /// (a TCP stream's bytes sit in page fragments): pull what it reads first. Returns 0, or a negative errno
        /// (-ENOMEM past the packet's end). As .NET code the packet is all direct data already.
        /// </summary>
        public static long SkbPullData(ref SkBuff context, uint length) => length <= (uint)context.PacketLength ? 0 : -ENOMEM;

        /// <summary>
        /// <c>bpf_skb_change_tail</c>: makes the packet <paramref name="length"/> bytes long (truncated, or grown with
        /// zeroes). Returns 0, or a negative errno.
        /// </summary>
        public static long SkbChangeTail(ref SkBuff context, uint length, ulong flags = 0)
            => flags != 0 ? -EINVAL : context.Resize((int)Math.Min(length, int.MaxValue));

        /// <summary>The one's-complement checksum at <paramref name="checksum"/> updated for a change of <paramref name="from"/> to <paramref name="to"/> (RFC 1624).</summary>
        internal static ushort UpdatedChecksum(ushort checksum, ReadOnlySpan<byte> from, ReadOnlySpan<byte> to)
        {
            uint sum = (ushort)~checksum;
            for (int i = 0; i + 1 < from.Length; i += 2)
            {
                sum += (ushort)~(from[i] << 8 | from[i + 1]);
                sum += (ushort)(to[i] << 8 | to[i + 1]);
            }
            while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
            return (ushort)~sum;
        }
    }
}

namespace BpfDotnet
{
    public static partial class Bpf
    {
        /// <summary>
        /// <c>bpf_fib_lookup</c>: looks the packet's route up in the kernel's forwarding table (XDP and tc), as the stack
        /// would, filling in <paramref name="parameters"/>' answers. Returns a <see cref="FibLookupResult"/>, or a negative
        /// errno. As .NET code there is no forwarding table: <see cref="FibLookupResult.NotForwarded"/>.
        /// </summary>
        public static long FibLookup<TContext>(ref TContext context, ref BpfFibLookup parameters, FibLookupFlags flags = FibLookupFlags.None) where TContext : unmanaged
            => (long)FibLookupResult.NotForwarded;
    }
}

namespace BpfDotnet
{
    /// <summary>What <see cref="Bpf.SysctlGetName"/> gives.</summary>
    public enum SysctlNameFlags : ulong
    {
        /// <summary>The full name from <c>/proc/sys</c> on, with '/' between its parts (<c>kernel/ostype</c>).</summary>
        Full = 0,
        /// <summary>Only the last part (<c>ostype</c>; <c>BPF_F_SYSCTL_BASE_NAME</c>).</summary>
        BaseName = 1,
    }

    public static partial class Bpf
    {
        private const long E2BIG = 7;

        /// <summary>
        /// <c>bpf_sysctl_get_name</c>: the name of the sysctl accessed, NUL-terminated, into <paramref name="name"/> (a
        /// <c>stackalloc</c> span or an <c>[InlineArray]</c> of bytes). Returns its length, or -E2BIG when it was cut. As .NET
        /// code there is no sysctl: -EOPNOTSUPP.
        /// </summary>
        public static long SysctlGetName(ref SysctlContext context, Span<byte> name, SysctlNameFlags flags = SysctlNameFlags.Full)
        {
            name.Clear();
            return -EOPNOTSUPP;
        }

        /// <summary>
        /// <c>bpf_sysctl_get_current_value</c>: the sysctl's value as text, NUL-terminated, into <paramref name="value"/>.
        /// Returns its length, -E2BIG when cut, or -EINVAL. As .NET code: -EOPNOTSUPP.
        /// </summary>
        public static long SysctlGetCurrentValue(ref SysctlContext context, Span<byte> value)
        {
            value.Clear();
            return -EOPNOTSUPP;
        }

        /// <summary>
        /// <c>bpf_sysctl_get_new_value</c>: the value a write is about to set, as text, into <paramref name="value"/>.
        /// Returns its length, -E2BIG when cut, or -EINVAL for a read. As .NET code: -EOPNOTSUPP.
        /// </summary>
        public static long SysctlGetNewValue(ref SysctlContext context, Span<byte> value)
        {
            value.Clear();
            return -EOPNOTSUPP;
        }

        /// <summary>
        /// <c>bpf_sysctl_set_new_value</c>: replaces the value a write is about to set with <paramref name="value"/> (text,
        /// its bytes up to the span's length). Returns 0, or -EINVAL for a read. As .NET code: -EOPNOTSUPP.
        /// </summary>
        public static long SysctlSetNewValue(ref SysctlContext context, ReadOnlySpan<byte> value) => -EOPNOTSUPP;
    }
}


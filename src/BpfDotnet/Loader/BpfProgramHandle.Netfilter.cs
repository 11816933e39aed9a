using System;
using System.Collections.Generic;
using BpfDotnet.Interop;

namespace BpfDotnet
{
    /// <summary>Netfilter programs: attached to a hook of this network namespace's netfilter with a link.</summary>
    public sealed partial class BpfProgramHandle
    {
        /// <summary>
        /// Attaches the program, a netfilter program (section <c>netfilter</c>), to <paramref name="hook"/> of
        /// <paramref name="protocol"/> in this process's network namespace, at <paramref name="priority"/> among the hook's
        /// other functions (lower runs first; conntrack's defragmentation is -400), with a link: it runs for every packet
        /// there and accepts or drops it.
        /// </summary>
        /// <param name="protocol">IPv4 or IPv6.</param>
        /// <param name="hook">The netfilter hook (prerouting, local in, forward, local out, postrouting).</param>
        /// <param name="priority">The program's place among the hook's functions; the kernel keeps INT_MIN and INT_MAX for itself.</param>
        /// <param name="defragment">Reassemble IP fragments before the program runs (<c>BPF_F_NETFILTER_IP_DEFRAG</c>; kernel 6.6+).</param>
        /// <exception cref="BpfException">The program is of another type, the priority is one the kernel keeps, or the kernel refused.</exception>
        public BpfLink AttachNetfilter(NetfilterProtocol protocol, NetfilterHook hook, int priority = 0, bool defragment = false)
        {
            _owner.ThrowIfDisposed();
            if (Type != BpfProgramType.Netfilter)
                throw new BpfException($"Program '{Name}' is a {Type} program; a netfilter hook runs netfilter programs (section netfilter).");
            if (priority is int.MinValue or int.MaxValue)
                throw new BpfException($"Priority {priority} is kept by the kernel for its own first and last hook functions; give another.", Native.ERANGE);
            string what = $"netfilter {protocol} {hook} (priority {priority})";
            int lfd;
            int errno;
            using (BpfFileDescriptor.Lease prog = Fd.Acquire())
            {
                lfd = BpfSyscalls.LinkCreateNetfilter(prog.Fd, (uint)protocol, (uint)hook, priority, defragment ? 1u : 0u, out errno);
            }
            if (lfd < 0)
                throw BpfErrors.FromErrno(errno, $"to attach program '{Name}' to {what} (BPF_LINK_CREATE)",
                    errno == Native.EOPNOTSUPP ? "The kernel has no netfilter links (CONFIG_NETFILTER_BPF_LINK, kernel 6.4+)."
                    : errno == Native.EINVAL ? "The kernel refused the hook, the family or the flags (IP defragmentation needs kernel 6.6)." : null);
            return Track(new BpfLink(new BpfFileDescriptor(lfd), what + " -> " + Name, new List<BpfFileDescriptor>()));
        }
    }
}

using System;
using BpfDotnet.Interop;

namespace BpfDotnet
{
    /// <summary>tc programs: attached to a network interface through tcx or through the clsact qdisc.</summary>
    public sealed partial class BpfProgramHandle
    {
        /// <summary>
        /// Attaches the program, a tc program (section <c>tcx/ingress</c>, <c>tcx/egress</c> or <c>tc</c>, context
        /// <see cref="SkBuff"/>, returning a <see cref="TcAction"/>), to the ingress or egress of an interface in the calling
        /// thread's network namespace, the way <paramref name="mode"/> says: through tcx with a link, as
        /// <see cref="AttachTcx"/> does; or through the clsact qdisc with a <c>bpf</c> filter in direct-action mode
        /// (made over rtnetlink, the qdisc too when the interface has none), which every kernel since 4.5 has. In
        /// <see cref="TcAttachMode.Auto"/> mode, clsact is used when the kernel refuses the tcx link with EINVAL, as a
        /// kernel without tcx (before 6.6) does.
        /// </summary>
        /// <param name="interfaceName">The interface.</param>
        /// <param name="direction">The traffic to see: what the interface receives or what it sends.</param>
        /// <param name="mode">tcx, clsact, or tcx where the kernel has it (the default).</param>
        /// <returns>The attachment; dispose it to detach (<see cref="BpfTcAttachment.Dispose"/> says what it deletes).
        /// The program's <see cref="BpfObject"/> detaches it too when disposed.</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="mode"/> is not one of <see cref="TcAttachMode"/>'s values.</exception>
        /// <exception cref="BpfException">The program is not a tc program, there is no such interface, or the kernel refused
        /// the attachment (its message is quoted).</exception>
        public BpfTcAttachment AttachTc(string interfaceName, TcxDirection direction, TcAttachMode mode = TcAttachMode.Auto)
        {
            if (mode is not (TcAttachMode.Auto or TcAttachMode.Tcx or TcAttachMode.Clsact)) throw new ArgumentOutOfRangeException(nameof(mode), mode, null);
            int index = TcInterfaceIndex(interfaceName, "tc");
            if (mode != TcAttachMode.Clsact)
            {
                BpfLink? link = TryAttachTcx(interfaceName, index, direction, out int errno, out string what);
                if (link is not null) return BpfTcAttachment.ForLink(link, interfaceName, direction);
                if (mode == TcAttachMode.Tcx || errno != Native.EINVAL)
                    throw BpfErrors.FromErrno(errno, $"to attach program '{Name}' to the {what} (BPF_LINK_CREATE)",
                        errno == Native.EINVAL ? "The kernel may have no tcx (6.6 and later); TcAttachMode.Clsact attaches without it." : null);
            }
            return BpfTcAttachment.AttachClsact(_owner, this, interfaceName, index, direction);
        }
    }
}

using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using BpfDotnet.Interop;
using BpfDotnet.KernelModel;

namespace BpfDotnet
{
    /// <summary>XDP and tcx programs: attached to a network interface with a link.</summary>
    public sealed partial class BpfProgramHandle
    {
        /// <summary>Attaches the program, an XDP program (section <c>xdp</c>), to the interface named <paramref name="interfaceName"/>.</summary>
        /// <exception cref="BpfException">There is no such interface, or the kernel refused the attachment.</exception>
        public BpfLink AttachXdp(string interfaceName, XdpMode mode = XdpMode.Default)
        {
            ArgumentNullException.ThrowIfNull(interfaceName);
            uint index = if_nametoindex(interfaceName);
            if (index == 0) throw new BpfException($"There is no network interface named '{interfaceName}' (in this network namespace).", Native.ENODEV);
            return AttachXdp((int)index, mode, interfaceName);
        }

        /// <summary>Attaches the program, an XDP program, to the interface of index <paramref name="interfaceIndex"/> (BPF_LINK_CREATE).</summary>
        /// <exception cref="BpfException">The program is not an XDP program, or the kernel refused the attachment.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="interfaceIndex"/> is not positive.</exception>
        public BpfLink AttachXdp(int interfaceIndex, XdpMode mode = XdpMode.Default)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(interfaceIndex);
            var name = new System.Text.StringBuilder(16);
            if (if_indextoname((uint)interfaceIndex, name) == IntPtr.Zero)
                throw new BpfException($"There is no network interface of index {interfaceIndex} (in this network namespace).", Native.ENODEV);
            return AttachXdp(interfaceIndex, mode, name.ToString());
        }

        private BpfLink AttachXdp(int interfaceIndex, XdpMode mode, string? interfaceName)
        {
            _owner.ThrowIfDisposed();
            if (Type != BpfProgramType.Xdp)
                throw new BpfException($"Program '{Name}' is a {Type} program; an interface runs XDP programs (section 'xdp', context XdpContext).");
            string what = $"XDP on {(interfaceName is null ? "interface " + interfaceIndex : "'" + interfaceName + "'")}{(mode == XdpMode.Default ? "" : " (" + mode + " mode)")}";
            int lfd = CreateLink(interfaceIndex, AttachType.Xdp, (uint)mode, out int errno);
            if (lfd < 0)
                throw BpfErrors.FromErrno(errno, $"to attach program '{Name}' as {what} (BPF_LINK_CREATE)",
                    errno switch
                    {
                        Native.EBUSY => "The interface has an XDP program already (in another mode, or attached without a link); detach it first (ip link set dev <name> xdp off).",
                        Native.EOPNOTSUPP or Native.EINVAL when mode == XdpMode.Native => "The interface's driver has no native XDP; use XdpMode.Generic.",
                        Native.ENODEV => $"There is no interface of index {interfaceIndex}.",
                        _ => null,
                    });
            return Track(new BpfLink(new BpfFileDescriptor(lfd), what + " -> " + Name, new List<BpfFileDescriptor>()));
        }

        /// <summary>
        /// Attaches the program, a tc program (section <c>tcx/ingress</c>, <c>tcx/egress</c> or <c>tc</c>, context
        /// <see cref="SkBuff"/>, returning a <see cref="TcAction"/>), to the ingress or egress of an interface through tcx
        /// (kernel 6.6 and later), after the programs attached there already. <see cref="AttachTc"/> also attaches
        /// through the clsact qdisc, where the kernel has no tcx.
        /// </summary>
        /// <exception cref="BpfException">There is no such interface, the kernel has no tcx, or it refused the attachment.</exception>
        public BpfLink AttachTcx(string interfaceName, TcxDirection direction)
        {
            int index = TcInterfaceIndex(interfaceName, "tcx");
            BpfLink? link = TryAttachTcx(interfaceName, index, direction, out int errno, out string what);
            return link ?? throw BpfErrors.FromErrno(errno, $"to attach program '{Name}' to the {what} (BPF_LINK_CREATE)",
                errno == Native.EINVAL ? "The kernel may have no tcx (6.6 and later; AttachTc with TcAttachMode.Clsact attaches without it), or the program was loaded for the other direction." : null);
        }

        /// <summary>The index of the interface a tc program is attached to, after the program's type is checked.</summary>
        private int TcInterfaceIndex(string interfaceName, string through)
        {
            ArgumentNullException.ThrowIfNull(interfaceName);
            _owner.ThrowIfDisposed();
            if (Type != BpfProgramType.SchedCls)
                throw new BpfException($"Program '{Name}' is a {Type} program; {through} runs tc classifier programs (section 'tcx/ingress', 'tcx/egress' or 'tc', context SkBuff).");
            uint index = if_nametoindex(interfaceName);
            if (index == 0) throw new BpfException($"There is no network interface named '{interfaceName}' (in this network namespace).", Native.ENODEV);
            return (int)index;
        }

        /// <summary>A tcx link of the program to the interface, or null with the errno of BPF_LINK_CREATE.</summary>
        private BpfLink? TryAttachTcx(string interfaceName, int index, TcxDirection direction, out int errno, out string what)
        {
            var attach = direction == TcxDirection.Ingress ? AttachType.TcxIngress : AttachType.TcxEgress;
            what = $"tcx {direction.ToString().ToLowerInvariant()} of '{interfaceName}'";
            int lfd = CreateLink(index, attach, 0, out errno);
            return lfd < 0 ? null : Track(new BpfLink(new BpfFileDescriptor(lfd), what + " -> " + Name, new List<BpfFileDescriptor>()));
        }

        [DllImport("libc", SetLastError = true)]
        private static extern uint if_nametoindex(string name);

        [DllImport("libc", SetLastError = true)]
        private static extern IntPtr if_indextoname(uint index, System.Text.StringBuilder name);
    }
}

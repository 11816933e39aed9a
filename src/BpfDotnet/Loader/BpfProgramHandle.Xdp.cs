using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using BpfDotnet.Interop;
using BpfDotnet.KernelModel;

namespace BpfDotnet
{
    /// <summary>XDP programs: attached to a network interface with a link.</summary>
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
        public BpfLink AttachXdp(int interfaceIndex, XdpMode mode = XdpMode.Default) => AttachXdp(interfaceIndex, mode, null);

        private BpfLink AttachXdp(int interfaceIndex, XdpMode mode, string? interfaceName)
        {
            _owner.ThrowIfDisposed();
            if (Type != BpfProgramType.Xdp)
                throw new BpfException($"Program '{Name}' is a {Type} program; an interface runs XDP programs (section 'xdp', context XdpContext).");
            string what = $"XDP on {(interfaceName is null ? "interface " + interfaceIndex : "'" + interfaceName + "'")}{(mode == XdpMode.Default ? "" : " (" + mode + " mode)")}";
            int lfd, errno;
            using (BpfFileDescriptor.Lease prog = Fd.Acquire())
            {
                lfd = BpfSyscalls.LinkCreate(prog.Fd, interfaceIndex, (uint)AttachType.Xdp, (uint)mode, out errno);
            }
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

        [DllImport("libc", SetLastError = true)]
        private static extern uint if_nametoindex(string name);
    }
}

using System;
using System.Collections.Generic;
using System.Text;
using BpfDotnet.Interop;
using BpfDotnet.KernelModel;

namespace BpfDotnet
{
    /// <summary>cgroup programs: attached to a cgroup v2 directory with a link, for every process in it and below.</summary>
    public sealed partial class BpfProgramHandle
    {
        /// <summary>
        /// Attaches the program, a cgroup program (<c>cgroup_skb/ingress</c>, <c>cgroup_skb/egress</c>, <c>cgroup/connect4</c>,
        /// <c>cgroup/sock_create</c>, ...: it returns 1 to allow, 0 to deny), to the cgroup v2 directory
        /// <paramref name="cgroupPath"/> (such as <c>/sys/fs/cgroup/my.slice</c>), at the hook its section names.
        /// </summary>
        /// <exception cref="BpfException">The program is not a cgroup program, the directory is not a cgroup v2 one, or the kernel refused.</exception>
        public BpfLink AttachCgroup(string cgroupPath)
        {
            ArgumentNullException.ThrowIfNull(cgroupPath);
            _owner.ThrowIfDisposed();
            if (Type is not (BpfProgramType.CgroupSkb or BpfProgramType.CgroupSock or BpfProgramType.CgroupSockAddr or BpfProgramType.CgroupSockopt
                or BpfProgramType.CgroupSysctl or BpfProgramType.CgroupDevice or BpfProgramType.SockOps))
                throw new BpfException($"Program '{Name}' is a {Type} program; a cgroup runs cgroup programs (sections cgroup_skb/..., cgroup/..., sockops).");
            int cgroupFd = Native.OpenDirectory(cgroupPath, out int errno);
            if (cgroupFd < 0)
                throw BpfErrors.FromErrno(errno, $"to open cgroup '{cgroupPath}'", errno == Native.ENOENT ? "Give the path of a cgroup v2 directory (where cgroup2 is mounted, usually /sys/fs/cgroup)." : null);
            using var cgroup = new BpfFileDescriptor(cgroupFd);
            int lfd = CreateLink(cgroupFd, _kind.ExpectedAttach, 0, out errno);
            string what = $"cgroup '{cgroupPath}' ({_kind.ExpectedAttach})";
            if (lfd < 0)
                throw BpfErrors.FromErrno(errno, $"to attach program '{Name}' to {what} (BPF_LINK_CREATE)",
                    errno == Native.EBADF ? "The directory is not a cgroup v2 directory (a cgroup v1 hierarchy cannot run BPF programs)." : null);
            return Track(new BpfLink(new BpfFileDescriptor(lfd), what + " -> " + Name, new List<BpfFileDescriptor>()));
        }
    }
}

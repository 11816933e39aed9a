namespace BpfDotnet.KernelModel
{
    /// <summary>
    /// The context fields a program may write, by program type (the kernel's <c>*_is_valid_access</c> for
    /// <c>BPF_WRITE</c>): <c>struct __sk_buff</c>'s by program type, and <c>struct bpf_sock_addr</c>'s (read and written)
    /// by attach type. The one table the compiler reads before it lets a program assign a context field (or read a
    /// sock_addr field); every other context, and every other field, is read-only.
    /// </summary>
    internal static class ContextWrites
    {
        /// <summary>A writable field: its offset, its size and its name in <c>SkBuff</c>.</summary>
        internal readonly record struct Field(int Offset, int Size, string Name);

        private static readonly Field Mark = new(8, 4, "Mark");
        private static readonly Field QueueMapping = new(12, 4, "QueueMapping");
        private static readonly Field Priority = new(32, 4, "Priority");
        private static readonly Field TcIndex = new(44, 4, "TcIndex");
        private static readonly Field ControlBuffer = new(48, 20, "ControlBuffer");
        private static readonly Field TcClassid = new(72, 4, "TcClassid");

        /// <summary>The <c>__sk_buff</c> fields programs of <paramref name="type"/> may write (empty for other types).</summary>
        public static Field[] SkBuffFields(ProgramType type) => type switch
        {
            ProgramType.SchedCls or ProgramType.SchedAct => new[] { Mark, QueueMapping, Priority, TcIndex, ControlBuffer, TcClassid },
            ProgramType.CgroupSkb or ProgramType.LwtIn or ProgramType.LwtOut or ProgramType.LwtXmit => new[] { Mark, Priority, ControlBuffer },
            ProgramType.SkSkb => new[] { Priority, TcIndex },
            ProgramType.SocketFilter => new[] { ControlBuffer },
            _ => System.Array.Empty<Field>(),
        };

        /// <summary>
        /// True when a cgroup sock_addr program of <paramref name="attach"/> may read (or, with <paramref name="write"/>,
        /// write) the <paramref name="size"/> bytes at <paramref name="offset"/> of its <c>struct bpf_sock_addr</c>
        /// (<c>sock_addr_is_valid_access</c>): an IPv4 address only in IPv4 hooks, an IPv6 one in IPv6 hooks, the message
        /// source only in sendmsg hooks; the port in all; the family, type, protocol and socket read-only.
        /// </summary>
        public static bool AllowsSockAddr(AttachType attach, int offset, int size, bool write)
        {
            bool inet4 = attach is AttachType.CgroupInet4Bind or AttachType.CgroupInet4Connect or AttachType.CgroupUdp4Sendmsg or AttachType.CgroupUdp4Recvmsg;
            bool inet6 = attach is AttachType.CgroupInet6Bind or AttachType.CgroupInet6Connect or AttachType.CgroupUdp6Sendmsg or AttachType.CgroupUdp6Recvmsg;
            if (offset < 0 || size <= 0) return false;
            int end = offset + size;
            if (offset >= 4 && end <= 8) return inet4;                                      // user_ip4
            if (offset >= 8 && end <= 24) return inet6;                                     // user_ip6[4]
            if (offset >= 24 && end <= 28) return true;                                     // user_port
            if (offset >= 40 && end <= 44) return attach == AttachType.CgroupUdp4Sendmsg;   // msg_src_ip4
            if (offset >= 44 && end <= 60) return attach == AttachType.CgroupUdp6Sendmsg;   // msg_src_ip6[4]
            if (write) return false;
            if (offset >= 0 && end <= 4) return true;                                       // user_family
            if (offset >= 28 && end <= 40) return true;                                     // family, type, protocol
            return offset == 64 && size == 8;                                               // sk
        }

        /// <summary>
        /// True when a cgroup sockopt program of <paramref name="attach"/> may read (or, with <paramref name="write"/>, write)
        /// the <paramref name="size"/> bytes at <paramref name="offset"/> of its <c>struct bpf_sockopt</c>
        /// (<c>cg_sockopt_is_valid_access</c>): the level and name (written by setsockopt programs only), the length, and the
        /// return value (getsockopt programs only), each whole; the socket and value pointers are the compiler's own loads.
        /// </summary>
        public static bool AllowsSockopt(AttachType attach, int offset, int size, bool write)
        {
            if (size != 4) return false;
            return offset switch
            {
                24 or 28 => !write || attach == AttachType.CgroupSetsockopt,  // level, optname
                32 => true,                                                   // optlen
                36 => attach == AttachType.CgroupGetsockopt,                  // retval
                _ => false,
            };
        }

        /// <summary>
        /// True when a cgroup sysctl program may write the <paramref name="size"/> bytes at <paramref name="offset"/> of its
        /// <c>struct bpf_sysctl</c> (<c>sysctl_is_valid_access</c>): only <c>file_pos</c>, all 4 bytes.
        /// </summary>
        public static bool AllowsSysctl(int offset, int size) => offset == 4 && size == 4;

        /// <summary>True when a program of <paramref name="type"/> may write the <paramref name="size"/> bytes at <paramref name="offset"/> of its <c>__sk_buff</c>.</summary>
        public static bool AllowsSkBuff(ProgramType type, int offset, int size)
        {
            foreach (var field in SkBuffFields(type))
            {
                if (offset >= field.Offset && offset + size <= field.Offset + field.Size && (offset - field.Offset) % 4 == 0 && size == 4) return true;
            }
            return false;
        }
    }
}

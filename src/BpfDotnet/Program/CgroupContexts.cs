using System.Runtime.InteropServices;

namespace BpfDotnet
{
    /// <summary>
    /// The context of a cgroup sock program (<c>struct bpf_sock</c>, section <c>cgroup/sock_create</c>): the socket being
    /// created by a process of the cgroup. It returns 1 to let the socket be made, 0 to refuse it (<c>socket(2)</c> fails
    /// with EPERM). Read-only; the fields here are those every cgroup sock hook may read.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockContext
    {
        private uint _boundDeviceIf;

        /// <summary>The address family: 2 (AF_INET) or 10 (AF_INET6).</summary>
        public uint Family;

        /// <summary>The socket type: 1 (SOCK_STREAM), 2 (SOCK_DGRAM), 3 (SOCK_RAW).</summary>
        public uint Type;

        /// <summary>The protocol: 6 (TCP), 17 (UDP), 136 (UDP-Lite), ...</summary>
        public uint Protocol;
    }

    /// <summary>
    /// The context of a cgroup device program (<c>struct bpf_cgroup_dev_ctx</c>, section <c>cgroup/dev</c>): a process of
    /// the cgroup opening or making a device node. It returns 1 to allow the access, 0 to refuse it (the call fails with
    /// EPERM). Read-only.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct DeviceContext
    {
        /// <summary>
        /// The device's type in the low 16 bits (<see cref="DeviceAccess.Block"/> or <see cref="DeviceAccess.Character"/>)
        /// and the access in the high 16 (<see cref="DeviceAccess.Mknod"/>, <see cref="DeviceAccess.Read"/>,
        /// <see cref="DeviceAccess.Write"/>, or-ed).
        /// </summary>
        public uint AccessType;

        /// <summary>The device's major number.</summary>
        public uint Major;

        /// <summary>The device's minor number.</summary>
        public uint Minor;
    }

    /// <summary>The parts of <see cref="DeviceContext.AccessType"/> (<c>BPF_DEVCG_DEV_*</c>, and <c>BPF_DEVCG_ACC_*</c> shifted 16 bits up).</summary>
    public static class DeviceAccess
    {
        /// <summary>A block device.</summary>
        public const uint Block = 1;

        /// <summary>A character device.</summary>
        public const uint Character = 2;

        /// <summary>Making the node (<c>mknod(2)</c>).</summary>
        public const uint Mknod = 1 << 16;

        /// <summary>Reading.</summary>
        public const uint Read = 2 << 16;

        /// <summary>Writing.</summary>
        public const uint Write = 4 << 16;
    }

    /// <summary>
    /// The context of a sock_ops program (<c>struct bpf_sock_ops</c>, section <c>sockops</c>): called at points of a TCP
    /// connection's life of a process of the cgroup (<see cref="Op"/> says which), with the connection's addresses and
    /// ports. It returns 1. Read-only.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct SockOpsContext
    {
        /// <summary>The point of the connection's life (<c>BPF_SOCK_OPS_*</c>): 4 active side established, 5 passive side established, ...</summary>
        public uint Op;

        /// <summary>The operation's arguments.</summary>
        public fixed uint Args[4];

        /// <summary>The address family: 2 (AF_INET) or 10 (AF_INET6).</summary>
        public uint Family;

        /// <summary>The remote IPv4 address, in network byte order.</summary>
        public uint RemoteIp4;

        /// <summary>The local IPv4 address, in network byte order.</summary>
        public uint LocalIp4;

        /// <summary>The remote IPv6 address, in network byte order.</summary>
        public fixed uint RemoteIp6[4];

        /// <summary>The local IPv6 address, in network byte order.</summary>
        public fixed uint LocalIp6[4];

        /// <summary>The remote port, in network byte order (in the low 16 bits).</summary>
        public uint RemotePort;

        /// <summary>The local port, in host byte order.</summary>
        public uint LocalPort;

        /// <summary>1 when the socket is a full socket (not a request or time-wait one).</summary>
        public uint IsFullSock;
    }
}

using System;
using System.Runtime.InteropServices;

namespace BpfDotnet.Interop
{
    /// <summary>Raw system calls used by the loader, numbered for the architecture the process runs on.</summary>
    internal static unsafe class Native
    {
        /// <summary>The running architecture's system call numbers (the kernel model's table); null on one it does not know.</summary>
        private static readonly KernelModel.SyscallNumbers? s_numbers = KernelModel.SyscallNumbers.Of(RuntimeInformation.ProcessArchitecture);

        private static KernelModel.SyscallNumbers Numbers => s_numbers
            ?? throw new BpfException($"BpfDotnet does not know the system call numbers of {RuntimeInformation.ProcessArchitecture}; it runs on x64 and arm64 Linux.");

        internal static long SysBpf => Numbers.Bpf;
        internal static long SysPerfEventOpen => Numbers.PerfEventOpen;

        internal const int EPERM = 1;
        internal const int ESRCH = 3;
        internal const int EBADF = 9;
        internal const int EBUSY = 16;
        internal const int ENOENT = 2;
        internal const int ENODEV = 19;
        internal const int E2BIG = 7;
        internal const int EACCES = 13;
        internal const int EEXIST = 17;
        internal const int EINVAL = 22;
        internal const int ENOSPC = 28;
        internal const int ENOTSUPP = 524;
        internal const int EOPNOTSUPP = 95;
        internal const int ERANGE = 34;
        internal const int EAGAIN = 11;
        internal const int ENETUNREACH = 101;

        internal const ulong PerfEventIocEnable = 0x2400;
        internal const ulong PerfEventIocDisable = 0x2401;
        internal const ulong PerfFlagFdCloexec = 8;

        [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
        private static extern long syscall6(long number, long a1, long a2, long a3, long a4, long a5);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        internal static extern int close(int fd);

        [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
        internal static extern int ioctl(int fd, ulong request, long arg);

        [DllImport("libc", EntryPoint = "get_nprocs_conf")]
        internal static extern int get_nprocs_conf();

        internal const int ProtRead = 1, ProtWrite = 2, MapShared = 1;
        internal const int EpollCloexec = 0x80000, EpollCtlAdd = 1;
        internal const uint EpollIn = 1;
        internal const uint EpollEdgeTriggered = 1u << 31;
        internal const int EfdCloexec = 0x80000, EfdNonblock = 0x800;
        internal const int EINTR = 4;

        [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
        internal static extern IntPtr mmap(IntPtr address, nuint length, int protection, int flags, int fd, long offset);

        [DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
        internal static extern int munmap(IntPtr address, nuint length);

        [DllImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
        internal static extern int epoll_create1(int flags);

        [DllImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
        internal static extern int epoll_ctl(int epfd, int op, int fd, void* @event);

        [DllImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
        internal static extern int epoll_wait(int epfd, void* events, int maxEvents, int timeoutMs);

        [DllImport("libc", EntryPoint = "eventfd", SetLastError = true)]
        internal static extern int eventfd(uint initial, int flags);

        [DllImport("libc", EntryPoint = "write", SetLastError = true)]
        internal static extern nint write(int fd, void* buffer, nuint count);

        [DllImport("libc", EntryPoint = "geteuid")]
        internal static extern uint geteuid();

        [DllImport("libc", EntryPoint = "getpagesize")]
        internal static extern int getpagesize();

        [DllImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
        private static extern int setsockopt(int socket, int level, int name, void* value, uint length);

        /// <summary>setsockopt with an <c>int</c> value; -1 with the errno on failure.</summary>
        internal static int SetSocketOption(int socket, int level, int name, int value, out int errno)
        {
            int r = setsockopt(socket, level, name, &value, sizeof(int));
            errno = r < 0 ? Marshal.GetLastPInvokeError() : 0;
            return r;
        }

        /// <summary>setsockopt with a value of any size; -1 with the errno on failure.</summary>
        internal static int SetSocketOption(int socket, int level, int name, ReadOnlySpan<byte> value, out int errno)
        {
            int r;
            fixed (byte* p = value) r = setsockopt(socket, level, name, p, (uint)value.Length);
            errno = r < 0 ? Marshal.GetLastPInvokeError() : 0;
            return r;
        }

        [DllImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
        private static extern int getsockopt(int socket, int level, int name, void* value, uint* length);

        /// <summary>getsockopt of a 64-bit value (<c>SO_NETNS_COOKIE</c>); -1 with the errno on failure.</summary>
        internal static int GetSocketOption(int socket, int level, int name, out ulong value, out int errno)
        {
            ulong v = 0;
            uint length = sizeof(ulong);
            int r = getsockopt(socket, level, name, &v, &length);
            errno = r < 0 ? Marshal.GetLastPInvokeError() : 0;
            value = v;
            return r;
        }

        internal const int SockRaw = 3, SockCloexec = 0x80000;
        internal const int SolSocket = 1, SoReceiveTimeout = 20, SoNetnsCookie = 71;
        internal const int MsgTruncate = 0x20;

        [DllImport("libc", EntryPoint = "socket", SetLastError = true)]
        private static extern int socket(int domain, int type, int protocol);

        /// <summary>socket(2); the descriptor, or -1 with the errno.</summary>
        internal static int Socket(int domain, int type, int protocol, out int errno)
        {
            int fd = socket(domain, type, protocol);
            errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
            return fd;
        }

        [DllImport("libc", EntryPoint = "bind", SetLastError = true)]
        private static extern int bind(int socket, void* address, uint length);

        /// <summary>bind(2) to the address in <paramref name="address"/>; -1 with the errno on failure.</summary>
        internal static int Bind(int socket, ReadOnlySpan<byte> address, out int errno)
        {
            int r;
            fixed (byte* p = address) r = bind(socket, p, (uint)address.Length);
            errno = r < 0 ? Marshal.GetLastPInvokeError() : 0;
            return r;
        }

        [DllImport("libc", EntryPoint = "send", SetLastError = true)]
        private static extern nint send(int socket, void* buffer, nuint length, int flags);

        /// <summary>send(2) of the whole buffer (EINTR retried); the bytes sent, or -1 with the errno.</summary>
        internal static int Send(int socket, ReadOnlySpan<byte> buffer, out int errno)
        {
            fixed (byte* p = buffer)
            {
                while (true)
                {
                    nint r = send(socket, p, (nuint)buffer.Length, 0);
                    errno = r < 0 ? Marshal.GetLastPInvokeError() : 0;
                    if (r >= 0 || errno != EINTR) return (int)r;
                }
            }
        }

        [DllImport("libc", EntryPoint = "recv", SetLastError = true)]
        private static extern nint recv(int socket, void* buffer, nuint length, int flags);

        /// <summary>
        /// recv(2) of one datagram into <paramref name="buffer"/> (EINTR retried), with <c>MSG_TRUNC</c>: the datagram's
        /// real length, which is larger than the buffer when it did not fit; or -1 with the errno.
        /// </summary>
        internal static int ReceiveDatagram(int socket, Span<byte> buffer, out int errno)
        {
            fixed (byte* p = buffer)
            {
                while (true)
                {
                    nint r = recv(socket, p, (nuint)buffer.Length, MsgTruncate);
                    errno = r < 0 ? Marshal.GetLastPInvokeError() : 0;
                    if (r >= 0 || errno != EINTR) return (int)r;
                }
            }
        }

        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        private static extern int open(byte* path, int flags);

        [DllImport("libc", EntryPoint = "read", SetLastError = true)]
        private static extern nint read(int fd, void* buffer, nuint count);

        private const int ORdOnlyCloexec = 0x80000; // O_RDONLY | O_CLOEXEC

        /// <summary>read(2) into <paramref name="buffer"/>: the bytes read (0 at the end), or -1 with the errno (EINTR retried).</summary>
        internal static int Read(int fd, System.Span<byte> buffer, out int errno)
        {
            fixed (byte* p = buffer)
            {
                while (true)
                {
                    nint r = read(fd, p, (nuint)buffer.Length);
                    errno = r < 0 ? Marshal.GetLastPInvokeError() : 0;
                    if (r >= 0 || errno != EINTR) return (int)r;
                }
            }
        }

        private const int ODirectoryCloexec = 0x10000 | 0x80000; // O_RDONLY | O_DIRECTORY | O_CLOEXEC

        /// <summary>Opens a file read-only (a namespace) for its descriptor; -1 with the errno on failure.</summary>
        internal static int OpenReadOnly(string path, out int errno)
        {
            byte[] name = System.Text.Encoding.UTF8.GetBytes(path + "\0");
            int fd;
            fixed (byte* p = name) fd = open(p, ORdOnlyCloexec);
            errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
            return fd;
        }

        /// <summary>Opens a directory (a cgroup) for its descriptor; -1 with the errno on failure.</summary>
        internal static int OpenDirectory(string path, out int errno)
        {
            byte[] name = System.Text.Encoding.UTF8.GetBytes(path + "\0");
            int fd;
            fixed (byte* p = name) fd = open(p, ODirectoryCloexec);
            errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
            return fd;
        }

        /// <summary>
        /// Reads up to <paramref name="buffer"/>'s length of a small file (a tracefs or sysfs attribute) with one open and
        /// read, none of the locking and size queries of the .NET file APIs; the bytes read, or -1 with the errno.
        /// </summary>
        internal static int ReadSmallFile(string path, System.Span<byte> buffer, out int errno)
        {
            errno = 0;
            int length = System.Text.Encoding.UTF8.GetByteCount(path);
            System.Span<byte> name = length < 512 ? stackalloc byte[length + 1] : new byte[length + 1];
            System.Text.Encoding.UTF8.GetBytes(path, name);
            name[length] = 0;
            int fd;
            fixed (byte* p = name) fd = open(p, ORdOnlyCloexec);
            if (fd < 0)
            {
                errno = Marshal.GetLastPInvokeError();
                return -1;
            }
            try
            {
                nint n;
                fixed (byte* b = buffer) n = read(fd, b, (nuint)buffer.Length);
                if (n < 0) errno = Marshal.GetLastPInvokeError();
                return (int)n;
            }
            finally
            {
                close(fd);
            }
        }

        /// <summary>
        /// The size of <c>struct epoll_event</c> (<c>uint32 events; uint64 data</c>) on this architecture: packed on x86-64
        /// (12 bytes, data at 4), naturally aligned elsewhere (16 bytes, data at 8).
        /// </summary>
        internal static int EpollEventSize => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

        /// <summary>Where <c>data</c> lies in <c>struct epoll_event</c>.</summary>
        internal static int EpollDataOffset => RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

        /// <summary>Invokes <c>bpf(cmd, attr, size)</c>; returns the result or -1 with <paramref name="errno"/> set.</summary>
        internal static long Bpf(BpfCommand cmd, void* attr, int size, out int errno)
        {
            long r = syscall6(SysBpf, (long)cmd, (long)attr, size, 0, 0);
            errno = r < 0 ? Marshal.GetLastPInvokeError() : 0;
            return r;
        }

        /// <summary>Invokes <c>bpf(cmd, attr, size)</c> on a zero-padded attribute buffer of the full union size.</summary>
        internal static long Bpf(BpfCommand cmd, Span<byte> attr, out int errno)
        {
            fixed (byte* p = attr)
            {
                return Bpf(cmd, p, attr.Length, out errno);
            }
        }

        /// <summary>Invokes <c>perf_event_open(attr, pid, cpu, group_fd, flags)</c>.</summary>
        internal static int PerfEventOpen(void* attr, int pid, int cpu, int groupFd, ulong flags, out int errno)
        {
            long r = syscall6(SysPerfEventOpen, (long)attr, pid, cpu, groupFd, (long)flags);
            errno = r < 0 ? Marshal.GetLastPInvokeError() : 0;
            return (int)r;
        }

        /// <summary>Symbolic name of an errno value, for messages.</summary>
        internal static string ErrnoName(int errno) => errno switch
        {
            1 => "EPERM",
            2 => "ENOENT",
            3 => "ESRCH",
            4 => "EINTR",
            7 => "E2BIG",
            9 => "EBADF",
            11 => "EAGAIN",
            12 => "ENOMEM",
            13 => "EACCES",
            14 => "EFAULT",
            16 => "EBUSY",
            17 => "EEXIST",
            19 => "ENODEV",
            22 => "EINVAL",
            24 => "EMFILE",
            28 => "ENOSPC",
            38 => "ENOSYS",
            95 => "EOPNOTSUPP",
            101 => "ENETUNREACH",
            524 => "ENOTSUPP",
            _ => "errno " + errno,
        };

        /// <summary>Text of an errno value from the C library (strerror).</summary>
        internal static string ErrnoText(int errno)
        {
            if (errno == ENOTSUPP) return "Operation not supported by the kernel";
            try
            {
                return Marshal.GetPInvokeErrorMessage(errno);
            }
            catch
            {
                return ErrnoName(errno);
            }
        }
    }

    /// <summary>Commands of the <c>bpf(2)</c> system call used by the loader.</summary>
    internal enum BpfCommand
    {
        MapCreate = 0,
        MapLookupElem = 1,
        MapUpdateElem = 2,
        MapDeleteElem = 3,
        MapGetNextKey = 4,
        MapLookupAndDeleteElem = 21,
        MapLookupBatch = 24,
        MapUpdateBatch = 26,
        MapDeleteBatch = 27,
        ProgLoad = 5,
        ObjPin = 6,
        ObjGet = 7,
        ProgGetNextId = 11,
        MapGetNextId = 12,
        ProgGetFdById = 13,
        MapGetFdById = 14,
        ProgTestRun = 10,
        ObjGetInfoByFd = 15,
        RawTracepointOpen = 17,
        BtfLoad = 18,
        BtfGetNextId = 23,
        MapFreeze = 22,
        LinkCreate = 28,
        LinkGetNextId = 31,
        IterCreate = 33,
    }
}

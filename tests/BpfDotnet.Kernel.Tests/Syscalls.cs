using System.Runtime.InteropServices;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>The system calls the tests make to trigger their probes.</summary>
    internal static class Syscalls
    {
        private const long SysGetpgid = 121;

        /// <summary>getpgid(2): the tests' probes watch it; its argument carries a value to the probe.</summary>
        /// <summary>socket(2) then close(2): 0 when the socket was made, else the errno.</summary>
        public static int MakeSocket(int domain, int type, int protocol)
        {
            int fd = socket(domain, type, protocol);
            if (fd < 0) return Marshal.GetLastPInvokeError();
            close(fd);
            return 0;
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int socket(int domain, int type, int protocol);

        [DllImport("libc")]
        private static extern int close(int fd);

        /// <summary>sched_setscheduler(2) of the calling thread (pid 0) with priority 0.</summary>
        public static int SetScheduler(int policy)
        {
            int priority = 0;
            return sched_setscheduler(0, policy, ref priority);
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int sched_setscheduler(int pid, int policy, ref int priority);

        [DllImport("libc", EntryPoint = "getpgid", SetLastError = true)]
        public static extern int Getpgid(int pid);

        /// <summary>getppid(2), through libc's function of that name.</summary>
        [DllImport("libc", EntryPoint = "getppid")]
        public static extern int Getppid();

        /// <summary>The calling thread's id.</summary>
        [DllImport("libc", EntryPoint = "gettid")]
        public static extern int Gettid();

        /// <summary>getpgid(2) with a full 64-bit argument (an address), as the tracepoint records it.</summary>
        public static long Getpgid64(long argument) => syscall(SysGetpgid, argument);

        [DllImport("libc", SetLastError = true)]
        private static extern long syscall(long number, long argument);
    }
}

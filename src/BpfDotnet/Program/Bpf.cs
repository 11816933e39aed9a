using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;

namespace BpfDotnet
{
    /// <summary>
    /// eBPF helper functions callable from a <see cref="BpfProgramAttribute"/> method. In the kernel
    /// each call compiles to the helper of the same name; as ordinary .NET code each returns the
    /// equivalent value for the calling thread.
    /// </summary>
    public static class Bpf
    {
        /// <summary><c>bpf_get_current_pid_tgid</c>: process id (tgid) in the upper 32 bits, thread id in the lower.</summary>
        public static ulong GetCurrentPidTgid()
        {
            ulong pid = (uint)Environment.ProcessId;
            ulong tid = OperatingSystem.IsLinux() ? (uint)Syscall.GetTid() : pid;
            return (pid << 32) | tid;
        }

        /// <summary><c>bpf_get_current_uid_gid</c>: group id in the upper 32 bits, user id in the lower.</summary>
        public static ulong GetCurrentUidGid()
        {
            if (!OperatingSystem.IsLinux()) return 0;
            return ((ulong)Syscall.GetGid() << 32) | Syscall.GetUid();
        }

        /// <summary><c>bpf_ktime_get_ns</c>: nanoseconds since boot on the monotonic clock.</summary>
        public static ulong KtimeGetNs()
        {
            long ticks = Stopwatch.GetTimestamp();
            return (ulong)((double)ticks * 1_000_000_000 / Stopwatch.Frequency);
        }

        /// <summary><c>bpf_get_smp_processor_id</c>: the CPU running the program.</summary>
        public static uint GetSmpProcessorId() => (uint)Thread.GetCurrentProcessorId();

        /// <summary>
        /// <c>bpf_get_current_comm</c>: copies the current task's name (NUL-padded, at most 15 characters)
        /// into <paramref name="comm"/>. Returns 0 or a negative errno. As .NET code on Linux it reads the calling
        /// thread's name, as the kernel does.
        /// </summary>
        public static long GetCurrentComm(out TaskComm comm)
        {
            comm = default;
            string name = OperatingSystem.IsLinux() && System.IO.File.Exists("/proc/thread-self/comm")
                ? System.IO.File.ReadAllText("/proc/thread-self/comm").TrimEnd('\n')
                : Process.GetCurrentProcess().ProcessName;
            for (int i = 0; i < name.Length && i < TaskComm.Length - 1; i++) comm[i] = (byte)name[i];
            return 0;
        }

        private static class Syscall
        {
            [DllImport("libc", EntryPoint = "gettid")] public static extern int GetTid();
            [DllImport("libc", EntryPoint = "getuid")] public static extern uint GetUid();
            [DllImport("libc", EntryPoint = "getgid")] public static extern uint GetGid();
        }
    }
}

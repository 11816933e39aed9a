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
    public static partial class Bpf
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

        /// <summary><c>bpf_get_prandom_u32</c>: a pseudo-random 32-bit number (not for cryptography).</summary>
        public static uint GetPrandomU32() => (uint)Random.Shared.NextInt64(0, 1L << 32);

        /// <summary><c>bpf_ktime_get_boot_ns</c>: nanoseconds since boot, including time suspended (CLOCK_BOOTTIME).</summary>
        public static ulong KtimeGetBootNs() => KtimeGetNs();

        /// <summary><c>bpf_ktime_get_coarse_ns</c>: the monotonic clock at tick resolution, cheaper to read.</summary>
        public static ulong KtimeGetCoarseNs() => KtimeGetNs();

        /// <summary><c>bpf_jiffies64</c>: timer ticks since boot. As .NET code: milliseconds since the process's clock began.</summary>
        public static ulong Jiffies64() => (ulong)Environment.TickCount64;

        /// <summary><c>bpf_get_current_cgroup_id</c>: the id of the current task's cgroup (v2). As .NET code: 0.</summary>
        public static ulong GetCurrentCgroupId() => 0;

        /// <summary><c>bpf_get_numa_node_id</c>: the NUMA node the program runs on. As .NET code: 0.</summary>
        public static int GetNumaNodeId() => 0;

        /// <summary>
        /// <c>bpf_send_signal</c>: sends <paramref name="signal"/> to the current process (for a tracing program, the one
        /// that made the call traced). Returns 0 or a negative errno. As .NET code: -EOPNOTSUPP.
        /// </summary>
        public static long SendSignal(uint signal) => -95;

        /// <summary>
        /// <c>bpf_get_ns_current_pid_tgid</c>: the current task's process and thread ids as the pid namespace identified by
        /// <paramref name="device"/> and <paramref name="inode"/> (those of its <c>/proc/PID/ns/pid</c>) sees them, for
        /// tools that run in containers. Returns 0, or a negative errno (-EINVAL when the task is not in that namespace)
        /// with <paramref name="ids"/> zeroed. As .NET code: this process's ids, whatever the namespace.
        /// </summary>
        public static long GetNsCurrentPidTgid(ulong device, ulong inode, out PidNamespaceIds ids)
        {
            ids = new PidNamespaceIds { Pid = (uint)Environment.ProcessId, Tid = (uint)Environment.CurrentManagedThreadId };
            return 0;
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

        /// <summary>
        /// <c>bpf_get_current_task</c>: the address of the current task's <c>task_struct</c>, to read fields from with
        /// <see cref="ProbeReadKernel{T}"/> at their offsets. As .NET code: 0.
        /// </summary>
        public static ulong GetCurrentTask() => 0;

        /// <summary>The errno a read of a bad address fails with (<c>EFAULT</c>), negated as helpers return it.</summary>
        private const long Fault = -14;

        /// <summary>
        /// <c>bpf_get_attach_cookie</c>: the 64-bit cookie the program was attached with (for a <c>uprobe.multi</c> program, the
        /// index of the function that fired in the list it was attached to; 0 where the attachment gave none). As .NET code
        /// there is no attachment: 0.
        /// </summary>
        /// <param name="context">The program's context, which the helper needs.</param>
        public static ulong GetAttachCookie<TContext>(ref TContext context) where TContext : unmanaged => 0;

        /// <summary>
        /// <c>bpf_get_stack</c>: writes the addresses of the current kernel stack (or, with
        /// <see cref="StackTraceFlags.UserStack"/>, user stack), innermost first, into <paramref name="frames"/> (a
        /// <c>stackalloc</c> span or an <c>[InlineArray]</c> of <c>ulong</c>). Returns the bytes written (8 per frame), or a
        /// negative errno. Needs a GPL-compatible license. As .NET code there is no kernel stack to read: -EOPNOTSUPP.
        /// </summary>
        /// <param name="context">The program's context, which the helper needs.</param>
        /// <param name="frames">Receives the addresses.</param>
        /// <param name="flags">Which stack.</param>
        public static long GetStack<TContext>(ref TContext context, Span<ulong> frames, StackTraceFlags flags = StackTraceFlags.Kernel)
            where TContext : unmanaged
        {
            frames.Clear();
            return -95;
        }

        /// <summary>
        /// <c>bpf_probe_read_user</c>: copies a <typeparamref name="T"/> from user memory at <paramref name="source"/> into
        /// <paramref name="value"/>. Returns 0, or a negative errno with <paramref name="value"/> zeroed. As .NET code it
        /// reads this process's memory.
        /// </summary>
        public static unsafe long ProbeReadUser<T>(UserPointer source, out T value)
            where T : unmanaged
        {
            value = default;
            if (source.Address == 0) return Fault;
            value = *(T*)source.Address;
            return 0;
        }

        /// <summary>
        /// <c>bpf_probe_read_user</c> into a byte span: copies <paramref name="destination"/>'s length of bytes from user
        /// memory at <paramref name="source"/>. Returns 0, or a negative errno with the span zeroed. As .NET code it reads
        /// this process's memory.
        /// </summary>
        public static unsafe long ProbeReadUser(UserPointer source, Span<byte> destination)
        {
            if (source.Address == 0)
            {
                destination.Clear();
                return Fault;
            }
            new ReadOnlySpan<byte>((void*)source.Address, destination.Length).CopyTo(destination);
            return 0;
        }

        /// <summary>
        /// <c>bpf_probe_read_kernel</c> into a byte span: copies <paramref name="destination"/>'s length of bytes from kernel
        /// memory at <paramref name="source"/>. Returns 0, or a negative errno with the span zeroed. As .NET code it fails
        /// with EFAULT.
        /// </summary>
        public static long ProbeReadKernel(KernelPointer source, Span<byte> destination)
        {
            destination.Clear();
            return Fault;
        }

        /// <summary>
        /// <c>bpf_probe_read_user_str</c>: copies a NUL-terminated string from user memory at <paramref name="source"/> into
        /// <paramref name="destination"/>, at most its length including the NUL (the string is cut there and still ends
        /// with a NUL). Returns the bytes written including the NUL, or a negative errno. As .NET code it reads this
        /// process's memory.
        /// </summary>
        public static unsafe long ProbeReadUserString(UserPointer source, Span<byte> destination)
        {
            if (destination.IsEmpty) return 0;
            if (source.Address == 0) return Fault;
            byte* p = (byte*)source.Address;
            int n = 0;
            while (n < destination.Length - 1 && p[n] != 0)
            {
                destination[n] = p[n];
                n++;
            }
            destination[n] = 0;
            return n + 1;
        }

        /// <summary>
        /// <c>bpf_probe_read_kernel</c>: copies a <typeparamref name="T"/> from kernel memory at <paramref name="source"/>
        /// into <paramref name="value"/>. Returns 0, or a negative errno with <paramref name="value"/> zeroed. As .NET code
        /// there is no kernel memory to read: it fails with EFAULT.
        /// </summary>
        public static long ProbeReadKernel<T>(KernelPointer source, out T value)
            where T : unmanaged
        {
            value = default;
            return Fault;
        }

        /// <summary>
        /// <c>bpf_probe_read_kernel_str</c>: as <see cref="ProbeReadUserString"/>, from kernel memory. As .NET code it fails
        /// with EFAULT.
        /// </summary>
        public static long ProbeReadKernelString(KernelPointer source, Span<byte> destination)
        {
            if (!destination.IsEmpty) destination[0] = 0;
            return Fault;
        }

        /// <summary>
        /// <c>bpf_snprintf</c>: writes <paramref name="format"/> with its arguments into <paramref name="destination"/> as a
        /// NUL-terminated string, cut to the span's length. <paramref name="format"/> must be a string literal of printable
        /// ASCII with conversions the kernel takes: <c>%d</c>, <c>%i</c>, <c>%u</c>, <c>%x</c>, <c>%X</c> (32-bit; with <c>l</c>
        /// or <c>ll</c>, 64-bit) and <c>%c</c>, each with flags among <c>0 + - space</c> and a width, and <c>%%</c>; each
        /// conversion takes the next argument (checked at build time). Needs a GPL-compatible license. As .NET code it
        /// formats the same way.
        /// </summary>
        /// <returns>The length of the whole formatted string including its NUL (more than the span holds when it was cut), or a negative errno.</returns>
        public static long Snprintf(Span<byte> destination, string format) => Format(destination, format, ReadOnlySpan<long>.Empty);

        /// <inheritdoc cref="Snprintf(Span{byte}, string)"/>
        public static long Snprintf(Span<byte> destination, string format, long a) => Format(destination, format, stackalloc long[] { a });

        /// <inheritdoc cref="Snprintf(Span{byte}, string)"/>
        public static long Snprintf(Span<byte> destination, string format, long a, long b) => Format(destination, format, stackalloc long[] { a, b });

        /// <inheritdoc cref="Snprintf(Span{byte}, string)"/>
        public static long Snprintf(Span<byte> destination, string format, long a, long b, long c) => Format(destination, format, stackalloc long[] { a, b, c });

        /// <inheritdoc cref="Snprintf(Span{byte}, string)"/>
        public static long Snprintf(Span<byte> destination, string format, long a, long b, long c, long d) => Format(destination, format, stackalloc long[] { a, b, c, d });

        /// <inheritdoc cref="Snprintf(Span{byte}, string)"/>
        public static long Snprintf(Span<byte> destination, string format, long a, long b, long c, long d, long e) => Format(destination, format, stackalloc long[] { a, b, c, d, e });

        /// <inheritdoc cref="Snprintf(Span{byte}, string)"/>
        public static long Snprintf(Span<byte> destination, string format, long a, long b, long c, long d, long e, long f) => Format(destination, format, stackalloc long[] { a, b, c, d, e, f });

        private static long Format(Span<byte> destination, string format, ReadOnlySpan<long> arguments)
        {
            ArgumentNullException.ThrowIfNull(format);
            if (KernelModel.PrintfFormat.Problem(format, arguments.Length, out _) is not null) return -22; // EINVAL, as the helper refuses it
            string text = KernelModel.PrintfFormat.Format(format, arguments);
            if (!destination.IsEmpty)
            {
                int written = Math.Min(text.Length, destination.Length - 1);
                for (int i = 0; i < written; i++) destination[i] = (byte)text[i];
                destination[written] = 0;
            }
            return text.Length + 1;
        }

        /// <summary>
        /// <c>bpf_trace_printk</c>: writes a line to the kernel's trace buffer (<c>/sys/kernel/tracing/trace_pipe</c>).
        /// <paramref name="format"/> must be a string literal, with at most three <c>%d</c>, <c>%u</c>, <c>%x</c>,
        /// <c>%ld</c>, <c>%lu</c>, <c>%lx</c>, <c>%lld</c>, <c>%llu</c> or <c>%llx</c> conversions. For debugging: the
        /// buffer is shared system-wide. As .NET code the line goes to <see cref="System.Diagnostics.Trace"/>.
        /// </summary>
        /// <returns>The number of bytes written, or a negative errno.</returns>
        public static long Printk(string format, ulong arg1 = 0, ulong arg2 = 0, ulong arg3 = 0)
        {
            var args = new[] { arg1, arg2, arg3 };
            var text = new System.Text.StringBuilder();
            int next = 0;
            for (int i = 0; i < format.Length; i++)
            {
                if (format[i] != '%' || i + 1 >= format.Length)
                {
                    text.Append(format[i]);
                    continue;
                }
                int j = i + 1;
                while (j < format.Length && format[j] == 'l') j++;
                char conversion = j < format.Length ? format[j] : '%';
                ulong value = next < args.Length ? args[next] : 0;
                switch (conversion)
                {
                    case 'd': text.Append(j - i > 1 ? ((long)value).ToString(System.Globalization.CultureInfo.InvariantCulture) : ((int)value).ToString(System.Globalization.CultureInfo.InvariantCulture)); next++; break;
                    case 'u': text.Append(j - i > 1 ? value.ToString(System.Globalization.CultureInfo.InvariantCulture) : ((uint)value).ToString(System.Globalization.CultureInfo.InvariantCulture)); next++; break;
                    case 'x': text.Append(j - i > 1 ? value.ToString("x", System.Globalization.CultureInfo.InvariantCulture) : ((uint)value).ToString("x", System.Globalization.CultureInfo.InvariantCulture)); next++; break;
                    case '%': text.Append('%'); break;
                    default: text.Append(format, i, j - i + 1); break;
                }
                i = j;
            }
            Trace.WriteLine(text.ToString());
            return text.Length;
        }

        private static class Syscall
        {
            [DllImport("libc", EntryPoint = "gettid")] public static extern int GetTid();
            [DllImport("libc", EntryPoint = "getuid")] public static extern uint GetUid();
            [DllImport("libc", EntryPoint = "getgid")] public static extern uint GetGid();
        }
    }
}

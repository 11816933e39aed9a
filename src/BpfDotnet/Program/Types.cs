using System;
using System.Runtime.InteropServices;
using System.Text;

namespace BpfDotnet
{
    /// <summary>A task name (<c>comm</c>): 16 bytes, NUL-padded.</summary>
    [StructLayout(LayoutKind.Sequential, Size = Length)]
    public unsafe struct TaskComm : IEquatable<TaskComm>
    {
        /// <summary>Length of a task name buffer in bytes (<c>TASK_COMM_LEN</c>).</summary>
        public const int Length = 16;

        /// <summary>The raw bytes.</summary>
        public fixed byte Bytes[Length];

        /// <summary>Byte at <paramref name="index"/>.</summary>
        public byte this[int index]
        {
            readonly get
            {
                if ((uint)index >= Length) throw new ArgumentOutOfRangeException(nameof(index));
                fixed (byte* p = Bytes) return p[index];
            }
            set
            {
                if ((uint)index >= Length) throw new ArgumentOutOfRangeException(nameof(index));
                fixed (byte* p = Bytes) p[index] = value;
            }
        }

        /// <summary>
        /// True when the name (the bytes up to the first NUL) equals <paramref name="name"/>. In a probe the argument
        /// must be a UTF-8 literal such as <c>"bash"u8</c>; the comparison then compiles to a few word compares.
        /// </summary>
        public readonly bool Is(ReadOnlySpan<byte> name)
        {
            if (name.Length >= Length) return false;
            fixed (byte* p = Bytes)
            {
                for (int i = 0; i < name.Length; i++)
                {
                    if (p[i] != name[i]) return false;
                }
                return p[name.Length] == 0;
            }
        }

        /// <summary>
        /// True when the name starts with <paramref name="prefix"/>. In a probe the argument must be a UTF-8 literal
        /// such as <c>"kworker"u8</c>.
        /// </summary>
        public readonly bool StartsWith(ReadOnlySpan<byte> prefix)
        {
            if (prefix.Length > Length) return false;
            fixed (byte* p = Bytes)
            {
                for (int i = 0; i < prefix.Length; i++)
                {
                    if (p[i] != prefix[i]) return false;
                }
                return true;
            }
        }

        /// <summary>The name up to the first NUL, decoded as UTF-8.</summary>
        public override readonly string ToString()
        {
            fixed (byte* p = Bytes)
            {
                int n = 0;
                while (n < Length && p[n] != 0) n++;
                return Encoding.UTF8.GetString(p, n);
            }
        }

        /// <inheritdoc/>
        public readonly bool Equals(TaskComm other)
        {
            fixed (byte* a = Bytes)
            {
                byte* b = other.Bytes;
                return new ReadOnlySpan<byte>(a, Length).SequenceEqual(new ReadOnlySpan<byte>(b, Length));
            }
        }

        /// <inheritdoc/>
        public override readonly bool Equals(object? obj) => obj is TaskComm other && Equals(other);

        /// <inheritdoc/>
        public override readonly int GetHashCode()
        {
            fixed (byte* p = Bytes)
            {
                var hash = new HashCode();
                hash.AddBytes(new ReadOnlySpan<byte>(p, Length));
                return hash.ToHashCode();
            }
        }
    }

    /// <summary>
    /// Context of a <c>syscalls/sys_enter_*</c> tracepoint: the syscall number and its six arguments,
    /// laid out as the tracepoint's format file describes. The kernel keeps the common fields (the first 8 bytes) from
    /// a tracepoint program, so reading them is BPF0008; use <c>Bpf.GetCurrentPidTgid()</c> for the caller's ids.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SysEnterArgs
    {
        /// <summary>Tracepoint event type id (<c>common_type</c>).</summary>
        public ushort CommonType;
        /// <summary><c>common_flags</c>.</summary>
        public byte CommonFlags;
        /// <summary><c>common_preempt_count</c>.</summary>
        public byte CommonPreemptCount;
        /// <summary>Thread id of the caller (<c>common_pid</c>); not readable from a tracepoint program (BPF0008): use <c>(uint)Bpf.GetCurrentPidTgid()</c>.</summary>
        public int CommonPid;
        /// <summary>Syscall number (<c>__syscall_nr</c>).</summary>
        public int SyscallNr;
        private int _padding;
        /// <summary>First syscall argument.</summary>
        public long Arg0;
        /// <summary>Second syscall argument.</summary>
        public long Arg1;
        /// <summary>Third syscall argument.</summary>
        public long Arg2;
        /// <summary>Fourth syscall argument.</summary>
        public long Arg3;
        /// <summary>Fifth syscall argument.</summary>
        public long Arg4;
        /// <summary>Sixth syscall argument.</summary>
        public long Arg5;
    }

    /// <summary>
    /// Context of a <c>syscalls/sys_exit_*</c> tracepoint: the syscall number and its return value. The common fields
    /// (the first 8 bytes) cannot be read from a tracepoint program (BPF0008).
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SysExitArgs
    {
        /// <summary>Tracepoint event type id (<c>common_type</c>).</summary>
        public ushort CommonType;
        /// <summary><c>common_flags</c>.</summary>
        public byte CommonFlags;
        /// <summary><c>common_preempt_count</c>.</summary>
        public byte CommonPreemptCount;
        /// <summary>Thread id of the caller (<c>common_pid</c>); not readable from a tracepoint program (BPF0008): use <c>(uint)Bpf.GetCurrentPidTgid()</c>.</summary>
        public int CommonPid;
        /// <summary>Syscall number (<c>__syscall_nr</c>).</summary>
        public int SyscallNr;
        private int _padding;
        /// <summary>Return value of the syscall.</summary>
        public long Ret;
    }

    /// <summary>
    /// Context of a raw tracepoint program (<c>raw_tracepoint/&lt;name&gt;</c>): the tracepoint's arguments as
    /// 64-bit values. Also the context <see cref="BpfProgramHandle.TestRun(System.ReadOnlySpan{byte})"/> passes to raw tracepoint programs.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct RawTracepointArgs
    {
        /// <summary>First argument.</summary>
        public ulong Arg0;
        /// <summary>Second argument.</summary>
        public ulong Arg1;
        /// <summary>Third argument.</summary>
        public ulong Arg2;
        /// <summary>Fourth argument.</summary>
        public ulong Arg3;
        /// <summary>Fifth argument.</summary>
        public ulong Arg4;
        /// <summary>Sixth argument.</summary>
        public ulong Arg5;
    }
}

namespace BpfDotnet
{
    /// <summary>
    /// An address in the user memory of the process a program runs for (a system call's buffer or path argument, say).
    /// A program cannot dereference it: it reads through it with <see cref="Bpf.ProbeReadUser{T}"/> and
    /// <see cref="Bpf.ProbeReadUserString"/>, which fail cleanly (a negative errno) on a bad address. Made explicitly from
    /// an integer, so an integer never becomes a pointer by accident.
    /// </summary>
    public readonly struct UserPointer
    {
        /// <summary>The pointer at <paramref name="address"/>.</summary>
        public UserPointer(ulong address) => Address = address;

        /// <summary>The pointer at <paramref name="address"/> (a context field such as <c>SysEnterArgs.Arg1</c>).</summary>
        public UserPointer(long address) => Address = unchecked((ulong)address);

        /// <summary>The address.</summary>
        public ulong Address { get; }
    }

    /// <summary>
    /// An address in kernel memory (a field of a kernel structure, the current task). A program reads through it with
    /// <see cref="Bpf.ProbeReadKernel{T}"/> and <see cref="Bpf.ProbeReadKernelString"/>, which fail cleanly on a bad
    /// address. Made explicitly from an integer, so an integer never becomes a pointer by accident.
    /// </summary>
    public readonly struct KernelPointer
    {
        /// <summary>The pointer at <paramref name="address"/>.</summary>
        public KernelPointer(ulong address) => Address = address;

        /// <summary>The pointer at <paramref name="address"/>.</summary>
        public KernelPointer(long address) => Address = unchecked((ulong)address);

        /// <summary>The address.</summary>
        public ulong Address { get; }
    }
}

namespace BpfDotnet
{
    /// <summary>The current task's ids in a pid namespace (<c>struct bpf_pidns_info</c>: its <c>pid</c>, then its <c>tgid</c>).</summary>
    public struct PidNamespaceIds
    {
        /// <summary>The thread id in the namespace (the kernel's <c>pid</c>).</summary>
        public uint Tid;
        /// <summary>The process id in the namespace (the kernel's <c>tgid</c>).</summary>
        public uint Pid;
    }
}

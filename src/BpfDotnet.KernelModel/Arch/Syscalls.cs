using System.Runtime.InteropServices;

namespace BpfDotnet.KernelModel
{
    /// <summary>
    /// System call numbers per architecture (<c>arch/x86/entry/syscalls/syscall_64.tbl</c>; arm64, riscv64 and
    /// loongarch64 use the generic table of <c>include/uapi/asm-generic/unistd.h</c>).
    /// </summary>
    /// <param name="Bpf">The number of <c>bpf(2)</c>.</param>
    /// <param name="PerfEventOpen">The number of <c>perf_event_open(2)</c>.</param>
    /// <param name="WrapperPrefix">The prefix of the kernel's system call functions (its syscall wrappers, which take the
    /// caller's <c>pt_regs</c>): <c>__x64_sys_</c> on x86-64, <c>__arm64_sys_</c> on arm64. A ksyscall probe attaches to the
    /// wrapper of its system call.</param>
    internal readonly record struct SyscallNumbers(long Bpf, long PerfEventOpen, string WrapperPrefix)
    {
        /// <summary>x86-64.</summary>
        public static readonly SyscallNumbers X64 = new(Bpf: 321, PerfEventOpen: 298, WrapperPrefix: "__x64_sys_");

        /// <summary>arm64 (and the other architectures of the generic table).</summary>
        public static readonly SyscallNumbers Arm64 = new(Bpf: 280, PerfEventOpen: 241, WrapperPrefix: "__arm64_sys_");

        /// <summary>The numbers of <paramref name="architecture"/>, or null for one BpfDotnet does not know.</summary>
        public static SyscallNumbers? Of(Architecture architecture) => architecture switch
        {
            Architecture.X64 => X64,
            Architecture.Arm64 => Arm64,
            _ => null,
        };
    }
}

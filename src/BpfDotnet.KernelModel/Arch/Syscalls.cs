using System.Runtime.InteropServices;

namespace BpfDotnet.KernelModel
{
    /// <summary>
    /// System call numbers per architecture (<c>arch/x86/entry/syscalls/syscall_64.tbl</c>; arm64, riscv64 and
    /// loongarch64 use the generic table of <c>include/uapi/asm-generic/unistd.h</c>).
    /// </summary>
    internal readonly record struct SyscallNumbers(long Bpf, long PerfEventOpen)
    {
        /// <summary>x86-64.</summary>
        public static readonly SyscallNumbers X64 = new(Bpf: 321, PerfEventOpen: 298);

        /// <summary>arm64 (and the other architectures of the generic table).</summary>
        public static readonly SyscallNumbers Arm64 = new(Bpf: 280, PerfEventOpen: 241);

        /// <summary>The numbers of <paramref name="architecture"/>, or null for one BpfDotnet does not know.</summary>
        public static SyscallNumbers? Of(Architecture architecture) => architecture switch
        {
            Architecture.X64 => X64,
            Architecture.Arm64 => Arm64,
            _ => null,
        };
    }
}

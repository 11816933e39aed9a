using System.Runtime.InteropServices;

namespace BpfDotnet.KernelModel
{
    /// <summary>
    /// Where a kprobe's, uprobe's or perf event's <c>struct pt_regs</c> keeps the registers a program reads, per
    /// architecture: byte offsets of the first six function arguments (the C calling convention), the return value, the
    /// instruction, stack and frame pointers, and the arguments of a system call as its entry sees them (in the
    /// <c>pt_regs</c> a syscall wrapper receives, read from kernel memory). <see cref="Size"/> is what a program may read
    /// of its context (<c>bpf_user_pt_regs_t</c>). x86-64 follows
    /// <c>arch/x86/include/uapi/asm/ptrace.h</c>; arm64 <c>arch/arm64/include/asm/ptrace.h</c> (<c>regs[31]</c>,
    /// <c>sp</c>, <c>pc</c>, <c>pstate</c>, then <c>orig_x0</c>).
    /// </summary>
    internal sealed record PtRegsLayout(
        string Architecture,
        int Size,
        int[] Arguments,
        int ReturnValue,
        int InstructionPointer,
        int StackPointer,
        int FramePointer,
        int[] SyscallArguments)
    {
        /// <summary>x86-64: di, si, dx, cx, r8, r9; ax; ip; sp; bp; a system call's fourth argument is in r10.</summary>
        public static readonly PtRegsLayout X64 = new(
            "x86-64",
            Size: 21 * 8,
            Arguments: new[] { 14 * 8, 13 * 8, 12 * 8, 11 * 8, 9 * 8, 8 * 8 },
            ReturnValue: 10 * 8,
            InstructionPointer: 16 * 8,
            StackPointer: 19 * 8,
            FramePointer: 4 * 8,
            SyscallArguments: new[] { 14 * 8, 13 * 8, 12 * 8, 7 * 8, 9 * 8, 8 * 8 });

        /// <summary>arm64: x0..x5; x0; pc; sp; x29; a system call's first argument is kept in orig_x0.</summary>
        public static readonly PtRegsLayout Arm64 = new(
            "arm64",
            Size: 34 * 8,
            Arguments: new[] { 0, 8, 16, 24, 32, 40 },
            ReturnValue: 0,
            InstructionPointer: 32 * 8,
            StackPointer: 31 * 8,
            FramePointer: 29 * 8,
            SyscallArguments: new[] { 34 * 8, 8, 16, 24, 32, 40 });

        /// <summary>The layout of <paramref name="architecture"/>, or null for one BpfDotnet does not know.</summary>
        public static PtRegsLayout? Of(Architecture architecture) => architecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => X64,
            System.Runtime.InteropServices.Architecture.Arm64 => Arm64,
            _ => null,
        };
    }
}

using System;
using System.Runtime.InteropServices;
using BpfDotnet.KernelModel;

namespace BpfDotnet
{
    /// <summary>
    /// The context of uprobes, uretprobes and kprobes: the registers of the probed code (the kernel's
    /// <c>struct pt_regs</c>), read by meaning rather than by register name, at the offsets of the architecture the probe
    /// is built for (x86-64, or arm64 with <c>BpfTargetArchitecture=arm64</c> or when building on arm64).
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct PtRegs
    {
        private const int Registers = 34;
        private fixed ulong _registers[Registers];

        private static PtRegsLayout Layout => PtRegsLayout.Of(RuntimeInformation.ProcessArchitecture) ?? PtRegsLayout.X64;

        private readonly ulong At(int offset)
        {
            fixed (ulong* registers = _registers) return registers[offset / 8];
        }

        /// <summary>
        /// Argument <paramref name="index"/> (0 to 5) of the probed function, by the C calling convention (a constant
        /// index in a program).
        /// </summary>
        public readonly ulong Arg(int index)
        {
            var arguments = Layout.Arguments;
            if ((uint)index >= (uint)arguments.Length) throw new ArgumentOutOfRangeException(nameof(index), index, "The calling convention passes arguments 0 to 5 in registers.");
            return At(arguments[index]);
        }

        /// <summary>What the probed function returned (in a uretprobe or kretprobe).</summary>
        public readonly ulong ReturnValue => At(Layout.ReturnValue);

        /// <summary>The address of the instruction being executed.</summary>
        public readonly ulong InstructionPointer => At(Layout.InstructionPointer);

        /// <summary>The stack pointer.</summary>
        public readonly ulong StackPointer => At(Layout.StackPointer);

        /// <summary>The frame pointer.</summary>
        public readonly ulong FramePointer => At(Layout.FramePointer);
    }
}

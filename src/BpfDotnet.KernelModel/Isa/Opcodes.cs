namespace BpfDotnet.KernelModel
{
    /// <summary>
    /// The eBPF instruction set's opcode byte, by name (RFC 9669, <c>include/uapi/linux/bpf_common.h</c> and
    /// <c>bpf.h</c>): the instruction class in the low three bits, and per class the source, size, mode and operation
    /// fields. The code generator, the object writer and the loader build and read opcodes only from these.
    /// </summary>
    internal static class Opcodes
    {
        // Classes.
        public const byte ClassLd = 0x00, ClassLdx = 0x01, ClassSt = 0x02, ClassStx = 0x03, ClassAlu = 0x04, ClassJmp = 0x05, ClassJmp32 = 0x06, ClassAlu64 = 0x07;

        /// <summary>The class bits of an opcode.</summary>
        public const byte ClassMask = 0x07;

        // Source operand (ALU and jumps): the immediate (K) or the source register (X).
        public const byte SourceImm = 0x00, SourceReg = 0x08;

        // Access sizes (loads and stores).
        public const byte SizeWord = 0x00, SizeHalf = 0x08, SizeByte = 0x10, SizeDouble = 0x18;

        // Modes (loads and stores).
        public const byte ModeImm = 0x00, ModeMem = 0x60, ModeMemSx = 0x80, ModeAtomic = 0xc0;

        // ALU operations (the same bits as BpfDotnet.Compiler.Ir.AluOp), and the two the IR does not name.
        public const byte AluNeg = 0x80, AluMov = 0xb0, AluEnd = 0xd0;

        // Jump operations besides the conditions: jump always, call, exit.
        public const byte JumpAlways = 0x00, JumpCall = 0x80, JumpExit = 0x90;

        // Whole opcodes used on their own.
        /// <summary><c>lddw</c>: a 64-bit immediate in two slots (also the map and global-data references).</summary>
        public const byte LoadImm64 = ClassLd | ModeImm | SizeDouble;

        /// <summary><c>call</c> of a helper (source 0) or of a BPF-to-BPF subprogram (source <see cref="PseudoCall"/>).</summary>
        public const byte Call = ClassJmp | JumpCall;

        /// <summary><c>exit</c>.</summary>
        public const byte Exit = ClassJmp | JumpExit;

        /// <summary><c>ja</c>: an unconditional jump by the offset.</summary>
        public const byte Jump = ClassJmp | JumpAlways;

        // Atomic operation codes (the immediate of an atomic store), beyond the ALU operations they share.
        public const int AtomicFetch = 0x01, AtomicExchange = 0xe0 | AtomicFetch, AtomicCompareExchange = 0xf0 | AtomicFetch;

        // Pseudo sources (the src register field of lddw and call).
        /// <summary><c>BPF_PSEUDO_MAP_FD</c>: lddw of a map.</summary>
        public const byte PseudoMapFd = 1;

        /// <summary><c>BPF_PSEUDO_MAP_VALUE</c>: lddw of an address inside a map's value (global data).</summary>
        public const byte PseudoMapValue = 2;

        /// <summary><c>BPF_PSEUDO_CALL</c>: a call whose immediate is the relative offset of a subprogram.</summary>
        public const byte PseudoCall = 1;

        /// <summary><c>BPF_PSEUDO_FUNC</c>: an <c>ld_imm64</c> of a subprogram's address (a callback), its immediate the subprogram's relative offset.</summary>
        public const byte PseudoFunc = 4;

        /// <summary>An ALU instruction: class (32- or 64-bit), operation, and register or immediate source.</summary>
        public static byte Alu(bool is32, byte operation, bool register) => (byte)((is32 ? ClassAlu : ClassAlu64) | operation | (register ? SourceReg : SourceImm));

        /// <summary>A conditional jump comparing 64 bits, or the low 32 (JMP32).</summary>
        public static byte Branch(bool is32, byte condition, bool register) => (byte)((is32 ? ClassJmp32 : ClassJmp) | condition | (register ? SourceReg : SourceImm));

        /// <summary>The size bits of a 1-, 2-, 4- or 8-byte access.</summary>
        public static byte Size(int bytes) => bytes switch { 1 => SizeByte, 2 => SizeHalf, 4 => SizeWord, _ => SizeDouble };

        /// <summary><c>ldx</c>: a load from memory into a register.</summary>
        public static byte LoadMem(int bytes) => (byte)(ClassLdx | ModeMem | Size(bytes));

        /// <summary><c>st</c>: a store of an immediate to memory.</summary>
        public static byte StoreImm(int bytes) => (byte)(ClassSt | ModeMem | Size(bytes));

        /// <summary><c>stx</c>: a store of a register to memory.</summary>
        public static byte StoreReg(int bytes) => (byte)(ClassStx | ModeMem | Size(bytes));

        /// <summary>An atomic operation on 4 or 8 bytes of memory (its kind in the immediate).</summary>
        public static byte Atomic(int bytes) => (byte)(ClassStx | ModeAtomic | Size(bytes));

        /// <summary>The byte swap <c>be16/be32/be64</c> (ALU END, to big-endian): a swap on a little-endian machine.</summary>
        public const byte SwapToBigEndian = ClassAlu | AluEnd | SourceReg;
    }
}

using System.Collections.Generic;

namespace BpfDotnet.Compiler.Ir
{
    /// <summary>Operations of the IR. Values are 64-bit virtual registers.</summary>
    public enum IrOp
    {
        /// <summary>dst = imm (64-bit).</summary>
        Const,
        /// <summary>dst = a.</summary>
        Mov,
        /// <summary>dst = a (op) b-or-imm; <see cref="IrInstruction.Is32"/> selects 32-bit ALU (zero-extends).</summary>
        Alu,
        /// <summary>dst = -a.</summary>
        Neg,
        /// <summary>dst = extend(a) from <see cref="IrInstruction.Size"/> bytes, signed or not.</summary>
        Extend,
        /// <summary>dst = *(size*)(addr).</summary>
        Load,
        /// <summary>*(size*)(addr) = a-or-imm.</summary>
        Store,
        /// <summary>Atomic read-modify-write at addr with a; with <see cref="IrInstruction.Fetch"/>, dst gets the old value.
        /// <see cref="IrInstruction.Atomic"/> selects add/or/and/xor (by <see cref="IrInstruction.Alu"/>), exchange, or
        /// compare-exchange (comparand in b).</summary>
        Atomic,
        /// <summary>dst = a with its low <see cref="IrInstruction.Size"/> bytes in reverse order (zero-extended).</summary>
        ByteSwap,
        /// <summary>dst = address of a stack slot.</summary>
        FrameAddr,
        /// <summary>dst = map reference (ld_imm64 relocated against a map), or, with <see cref="IrInstruction.Callee"/>, a subprogram's address.</summary>
        LoadMap,
        /// <summary>dst = the byte offset of a kernel struct member (<see cref="IrInstruction.Core"/>), which the loader relocates.</summary>
        CoreOffset,
        /// <summary>dst = helper(args...), or a BPF-to-BPF call when <see cref="IrInstruction.Callee"/> is set.</summary>
        Call,
        /// <summary>dst = (a cond b-or-imm) ? 1 : 0.</summary>
        SetCond,
        /// <summary>
        /// dst = a, where lowering needs a to lie in the range <see cref="IrInstruction.Obligation"/> names; settled from
        /// the facts before optimisation (see <c>Facts.Obligations</c>), never seen by the passes or the code generator.
        /// </summary>
        Check,
        /// <summary>Terminator: goto target.</summary>
        Jump,
        /// <summary>Terminator: if (a cond b-or-imm) goto target else goto else-target.</summary>
        Branch,
        /// <summary>Terminator: return a-or-imm.</summary>
        Return,
    }

    /// <summary>ALU operations (values are the BPF opcode bits).</summary>
    public enum AluOp : byte
    {
        Add = 0x00, Sub = 0x10, Mul = 0x20, Div = 0x30, Or = 0x40, And = 0x50, Lsh = 0x60, Rsh = 0x70,
        Mod = 0x90, Xor = 0xa0, Arsh = 0xc0,
    }

    /// <summary>Kinds of atomic operation.</summary>
    public enum AtomicKind
    {
        /// <summary>add, or, and, xor (the ALU operation says which).</summary>
        ReadModifyWrite,
        /// <summary>Store a, return the old value.</summary>
        Exchange,
        /// <summary>Store a if the old value equals b; return the old value.</summary>
        CompareExchange,
    }

    /// <summary>Conditions (values are the BPF jump opcode bits).</summary>
    public enum Cond : byte
    {
        Eq = 0x10, Gt = 0x20, Ge = 0x30, Set = 0x40, Ne = 0x50, SGt = 0x60, SGe = 0x70, Lt = 0xa0, Le = 0xb0, SLt = 0xc0, SLe = 0xd0,
    }

    /// <summary>A memory address: a base (virtual register or stack slot) plus a constant offset.</summary>
    public readonly struct Address
    {
        public Address(int baseReg, int slot, int offset)
        {
            BaseReg = baseReg;
            Slot = slot;
            Offset = offset;
        }

        /// <summary>Base virtual register, or -1 when the base is a stack slot.</summary>
        public int BaseReg { get; }

        /// <summary>Stack slot id, or -1.</summary>
        public int Slot { get; }

        /// <summary>Constant byte offset.</summary>
        public int Offset { get; }

        public static Address OfReg(int reg, int offset = 0) => new Address(reg, -1, offset);

        public static Address OfSlot(int slot, int offset = 0) => new Address(-1, slot, offset);

        public Address Plus(int delta) => new Address(BaseReg, Slot, Offset + delta);

        public bool IsSlot => Slot >= 0;
    }

    /// <summary>The source position an instruction came from (for line info and diagnostics).</summary>
    public sealed class SourcePosition
    {
        public SourcePosition(string file, int line, int column, string text, Microsoft.CodeAnalysis.Location location)
        {
            File = file;
            Line = line;
            Column = column;
            Text = text;
            Location = location;
        }

        public string File { get; }
        public int Line { get; }
        public int Column { get; }
        public string Text { get; }
        public Microsoft.CodeAnalysis.Location Location { get; }

        /// <summary>The code at <see cref="Location"/> (the statement, not its whole line), on one line, shortened past 80 characters, for diagnostics.</summary>
        public string Code
        {
            get
            {
                string code = Location.SourceTree?.GetText().ToString(Location.SourceSpan) ?? Text;
                code = System.Text.RegularExpressions.Regex.Replace(code, @"\s+", " ").Trim();
                return code.Length <= 80 ? code : code.Substring(0, 77) + "...";
            }
        }
    }

    /// <summary>One IR instruction. Fields not used by an operation are left at their defaults.</summary>
    public sealed class IrInstruction
    {
        public IrOp Op;
        public int Dst = -1;
        public int A = -1;
        /// <summary>Second operand register, or -1 to use <see cref="Imm"/>.</summary>
        public int B = -1;
        public long Imm;
        public bool Is32;
        public AluOp Alu;
        public Cond Cond;
        /// <summary>Bytes for loads, stores, atomics and extends.</summary>
        public int Size;
        public bool Signed;
        public bool Fetch;
        public AtomicKind Atomic;
        public Address Addr;
        public int Slot = -1;
        public int Helper;
        /// <summary>For <see cref="IrOp.Call"/>: the subprogram called (a BPF-to-BPF call), or null for a helper.</summary>
        public string? Callee;
        public string? MapName;
        /// <summary>For <see cref="IrOp.LoadMap"/>: the symbol is a global variable, the result its address.</summary>
        public bool IsGlobalData;
        public List<int>? Args;
        public BasicBlock? Target;
        public BasicBlock? Else;
        public SourcePosition? Position;
        /// <summary>
        /// For <see cref="IrOp.Mov"/>: the value is a pointer that is not null where this copy makes it (a packet reference
        /// past its bounds check), so that the null check knows a join of it with 0 may be null. Kept by the passes.
        /// </summary>
        public bool NotNull;
        /// <summary>
        /// For <see cref="IrOp.Branch"/>: a comparison of the packet's start plus this many bytes with its end (taken when
        /// they are past it), which a dominating comparison of as many bytes or more makes needless; for a
        /// <see cref="NotNull"/> copy: the packet bytes from its start the reference's check proved; 0 otherwise.
        /// </summary>
        public long PacketBound;
        /// <summary>For <see cref="IrOp.Load"/>: the load of the packet's start into the register the program keeps it in (nothing is proven of the new packet).</summary>
        public bool PacketStart;
        /// <summary>For <see cref="IrOp.Load"/>: the value is a pointer the kernel may hand over as null (an iterator's key or value), to test before use.</summary>
        public bool MaybeNull;
        /// <summary>For <see cref="IrOp.CoreOffset"/>: the member whose offset the loader relocates (its instruction index not yet known).</summary>
        public Model.CoreAccess? Core;
        /// <summary>For <see cref="IrOp.Store"/>: a store into the program's context, which the verifier takes only from a register (never an immediate).</summary>
        public bool IntoContext;
        /// <summary>For <see cref="IrOp.Check"/>: what must be proven, and the diagnostic when it is not.</summary>
        public Obligation? Obligation;

        /// <summary>A copy of this instruction (its argument list copied too; blocks it targets shared).</summary>
        public IrInstruction Clone()
        {
            var copy = (IrInstruction)MemberwiseClone();
            if (Args is not null) copy.Args = new List<int>(Args);
            return copy;
        }

        public bool IsTerminator => Op == IrOp.Jump || Op == IrOp.Branch || Op == IrOp.Return;

        /// <summary>Registers read by this instruction.</summary>
        public IEnumerable<int> Uses()
        {
            switch (Op)
            {
                case IrOp.Mov:
                case IrOp.Check:
                case IrOp.Neg:
                case IrOp.Extend:
                    yield return A;
                    break;
                case IrOp.Alu:
                case IrOp.SetCond:
                case IrOp.Branch:
                    yield return A;
                    if (B >= 0) yield return B;
                    break;
                case IrOp.Load:
                    if (Addr.BaseReg >= 0) yield return Addr.BaseReg;
                    break;
                case IrOp.Store:
                case IrOp.Atomic:
                    if (Addr.BaseReg >= 0) yield return Addr.BaseReg;
                    if (A >= 0) yield return A;
                    if (Op == IrOp.Atomic && Atomic == AtomicKind.CompareExchange && B >= 0) yield return B;
                    break;
                case IrOp.ByteSwap:
                    yield return A;
                    break;
                case IrOp.Call:
                    if (Args is not null) foreach (var a in Args) yield return a;
                    break;
                case IrOp.Return:
                    if (A >= 0) yield return A;
                    break;
            }
        }

        /// <summary>The register written, or -1.</summary>
        public int Def => Op switch
        {
            IrOp.Store or IrOp.Jump or IrOp.Branch or IrOp.Return => -1,
            IrOp.Atomic => Fetch ? Dst : -1,
            _ => Dst,
        };
    }

    /// <summary>What an <see cref="IrOp.Check"/> states.</summary>
    public enum ObligationKind
    {
        /// <summary>The value must lie in [<see cref="Obligation.Low"/>, <see cref="Obligation.High"/>].</summary>
        Range,
        /// <summary>The value is a pointer to the start of object <see cref="Obligation.Object"/> (no proof needed).</summary>
        Origin,
        /// <summary>The bytes [pointer + Low, pointer + High] must lie inside the object the pointer points into.</summary>
        Access,
        /// <summary>
        /// The value divides as C# allows: it is not 0, and for a <see cref="Obligation.Signed"/> division it is not -1
        /// unless the dividend (register B of the check) is not the <see cref="Obligation.Size"/>-byte MinValue.
        /// </summary>
        Divisor,
    }

    /// <summary>What the facts knew of a value an obligation is about, for its diagnostic.</summary>
    public readonly struct KnownValue
    {
        public KnownValue(long low, long high, bool bounded, int objectSize, string? objectName, bool excludesZero = false, bool excludesMinusOne = false)
        {
            Low = low;
            High = high;
            Bounded = bounded;
            ObjectSize = objectSize;
            ObjectName = objectName;
            ExcludesZero = excludesZero;
            ExcludesMinusOne = excludesMinusOne;
        }

        /// <summary>For a divisor: 0 is ruled out.</summary>
        public bool ExcludesZero { get; }
        /// <summary>For a divisor: -1 is ruled out, or does not matter (the dividend cannot be MinValue).</summary>
        public bool ExcludesMinusOne { get; }

        /// <summary>Lowest value (for an access: the first byte's offset in the object).</summary>
        public long Low { get; }
        /// <summary>Highest value (for an access: the last byte's offset in the object).</summary>
        public long High { get; }
        /// <summary>False when nothing bounds the value.</summary>
        public bool Bounded { get; }
        public int ObjectSize { get; }
        public string? ObjectName { get; }
    }

    /// <summary>
    /// What lowering needs of a value for the code it made to be valid (an index within bounds, an access within its
    /// object), with the diagnostic to report, given what is known of the value, when the facts do not prove it.
    /// </summary>
    public sealed class Obligation
    {
        public ObligationKind Kind { get; set; }
        public long Low { get; set; }
        public long High { get; set; }
        /// <summary>For <see cref="ObligationKind.Range"/>: the verifier relies on the range too (an index), so a range
        /// proven where the verifier cannot see it is shown to it with a clamp.</summary>
        public bool ForVerifier { get; set; } = true;
        /// <summary>For <see cref="ObligationKind.Divisor"/>: the operands' size in bytes.</summary>
        public int Size { get; set; }
        /// <summary>For <see cref="ObligationKind.Divisor"/>: a signed division, where MinValue / -1 overflows.</summary>
        public bool Signed { get; set; }
        /// <summary>
        /// For <see cref="ObligationKind.Origin"/>: the object is a reservation (a ring buffer record) that every path must
        /// release with a helper that takes it (submit, discard) or by finding it null; <see cref="Refusal"/> is given the
        /// line of a return reached holding it, as <see cref="KnownValue.Low"/>.
        /// </summary>
        public bool Reservation { get; set; }
        /// <summary>For <see cref="ObligationKind.Origin"/>: the object is bytes of the packet the compiler bounded (a pointer that is not null).</summary>
        public bool Packet { get; set; }
        /// <summary>For <see cref="ObligationKind.Origin"/>: the object's index in <see cref="IrFunction.Objects"/>.</summary>
        public int Object { get; set; } = -1;
        /// <summary>The diagnostic when the obligation does not hold; null for an origin.</summary>
        public System.Func<KnownValue, BpfDotnet.Compiler.Diagnostics.DiagnosticInfo>? Refusal { get; set; }
    }

    /// <summary>A basic block: straight-line instructions ending in one terminator.</summary>
    public sealed class BasicBlock
    {
        public BasicBlock(int id) => Id = id;

        public int Id { get; }
        public List<IrInstruction> Instructions { get; } = new List<IrInstruction>();

        public IrInstruction? Terminator => Instructions.Count > 0 && Instructions[Instructions.Count - 1].IsTerminator ? Instructions[Instructions.Count - 1] : null;

        public IEnumerable<BasicBlock> Successors()
        {
            var t = Terminator;
            if (t is null) yield break;
            if (t.Target is not null) yield return t.Target;
            if (t.Else is not null) yield return t.Else;
        }
    }

    /// <summary>A stack slot: a local struct, a temporary for helper arguments, or a spill.</summary>
    public sealed class StackSlot
    {
        public StackSlot(int id, int size, int alignment, string owner)
        {
            Id = id;
            Size = size;
            Alignment = alignment;
            Owner = owner;
        }

        public int Id { get; }
        public int Size { get; }
        public int Alignment { get; }
        /// <summary>What the slot holds, for the stack-budget diagnostic.</summary>
        public string Owner { get; }
        /// <summary>
        /// True when the slot must be zeroed on entry: a struct with padding or a fixed buffer, whose bytes C#
        /// definite assignment does not cover but the verifier checks when the memory goes to a helper.
        /// </summary>
        public bool ZeroAtEntry { get; set; }

        /// <summary>Offset from the frame pointer (negative), set by frame layout.</summary>
        public int FrameOffset { get; set; }
    }

    /// <summary>A function in IR form.</summary>
    public sealed class IrFunction
    {
        public List<BasicBlock> Blocks { get; } = new List<BasicBlock>();
        public List<StackSlot> Slots { get; } = new List<StackSlot>();
        /// <summary>Objects pointers point into (a local, a fixed buffer): size in bytes and the name diagnostics give.</summary>
        public List<(int Size, string Name)> Objects { get; } = new List<(int, string)>();
        /// <summary>Where the loops unrolled completely are (the step of each), so that the verifier's walk of them is counted once.</summary>
        public List<Microsoft.CodeAnalysis.Location> UnrolledLoops { get; } = new List<Microsoft.CodeAnalysis.Location>();
        public int RegisterCount { get; private set; }
        /// <summary>Registers holding the arguments at entry (R1, R2, ... in order).</summary>
        public List<int> Parameters { get; } = new List<int>();

        /// <summary>
        /// The parameters that hold the program's context at entry (a program's first argument, a called method's reference
        /// to the context type), for the check that the context is only read and written at constant offsets from them.
        /// </summary>
        public HashSet<int> ContextParameters { get; } = new HashSet<int>();

        /// <summary>The register holding the context pointer (argument 1 at entry), or -1.</summary>
        public int ContextRegister
        {
            get => Parameters.Count > 0 ? Parameters[0] : -1;
            set
            {
                Parameters.Clear();
                ContextParameters.Clear();
                if (value < 0) return;
                Parameters.Add(value);
                ContextParameters.Add(value);
            }
        }

        public int NewReg() => RegisterCount++;

        /// <summary>Makes registers below <paramref name="count"/> taken, so that code copied from a function with that many keeps its register numbers.</summary>
        public void ReserveRegisters(int count)
        {
            if (count > RegisterCount) RegisterCount = count;
        }

        /// <summary>
        /// How many times each register is defined: by instructions, plus once at entry for each parameter
        /// (so a parameter written again in the body counts two definitions).
        /// </summary>
        public Dictionary<int, int> DefinitionCounts()
        {
            var counts = new Dictionary<int, int>();
            foreach (var p in Parameters) counts[p] = 1;
            foreach (var block in Blocks)
            {
                foreach (var ins in block.Instructions)
                {
                    if (ins.Def >= 0) counts[ins.Def] = counts.TryGetValue(ins.Def, out int n) ? n + 1 : 1;
                }
            }
            return counts;
        }

        public BasicBlock NewBlock()
        {
            var b = new BasicBlock(Blocks.Count);
            Blocks.Add(b);
            return b;
        }

        public StackSlot NewSlot(int size, int alignment, string owner)
        {
            var s = new StackSlot(Slots.Count, size, alignment, owner);
            Slots.Add(s);
            return s;
        }
    }
}

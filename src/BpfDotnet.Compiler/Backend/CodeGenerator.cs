using System;
using System.Collections.Generic;
using System.Linq;
using BpfDotnet.Compiler.Ir;
using BpfDotnet.Compiler.Isa;
using BpfDotnet.Compiler.Model;
using BpfDotnet.KernelModel;

namespace BpfDotnet.Compiler.Backend
{
    /// <summary>The machine code of one function with its map relocations and line info.</summary>
    internal sealed class MachineFunction
    {
        public List<Instruction> Code { get; } = new List<Instruction>();
        public List<MapRelocation> Relocations { get; } = new List<MapRelocation>();
        public List<CallRelocation> Calls { get; } = new List<CallRelocation>();
        public List<CoreAccess> CoreAccesses { get; } = new List<CoreAccess>();
        public List<LineInfo> Lines { get; } = new List<LineInfo>();
        public int StackDepth { get; set; }

        /// <summary>How many instruction slots each IR block became (what the verifier walks for it).</summary>
        public Dictionary<BasicBlock, int> BlockSizes { get; } = new Dictionary<BasicBlock, int>();
    }

    /// <summary>
    /// Instruction selection and encoding: walks the allocated IR in block order and emits eBPF
    /// instructions, resolving stack slots to frame offsets and jumps to instruction offsets.
    /// </summary>
    internal sealed class CodeGenerator
    {
        private const byte R10 = 10;
        private const int Scratch = RegisterAllocator.Scratch, Scratch2 = RegisterAllocator.Scratch2;

        private readonly IrFunction _function;
        private readonly Dictionary<int, ValueLocation> _locations;
        private readonly MachineFunction _out = new MachineFunction();
        private readonly Dictionary<BasicBlock, int> _blockStart = new Dictionary<BasicBlock, int>();
        private readonly HashSet<int> _used = new HashSet<int>();
        private readonly List<(int Index, BasicBlock Target)> _fixups = new List<(int, BasicBlock)>();
        private SourcePosition? _position;
        private SourcePosition? _lastLine;
        private int _emergencySlot = -1;

        private readonly BpfCpu _cpu;

        private CodeGenerator(IrFunction function, Dictionary<int, ValueLocation> locations, BpfCpu cpu)
        {
            _cpu = cpu;
            _function = function;
            _locations = locations;
        }

        public static MachineFunction Generate(IrFunction function, List<BasicBlock> order, Dictionary<int, ValueLocation> locations, SourcePosition start, BpfCpu cpu)
        {
            var generator = new CodeGenerator(function, locations, cpu) { _position = start };
            if (order.Any(b => b.Instructions.Any(i => i.Op == IrOp.Atomic && i.Atomic == AtomicKind.CompareExchange)))
            {
                generator._emergencySlot = function.NewSlot(8, 8, "register save").Id;
            }
            foreach (var block in order)
            {
                foreach (var ins in block.Instructions)
                {
                    foreach (var r in ins.Uses()) generator._used.Add(r);
                }
            }
            generator._out.StackDepth = FrameLayout.Layout(function, order);
            generator.ReceiveParameters();
            for (int i = 0; i < order.Count; i++)
            {
                var block = order[i];
                generator._blockStart[block] = generator._out.Code.Count;
                var next = i + 1 < order.Count ? order[i + 1] : null;
                foreach (var ins in block.Instructions)
                {
                    if (ins.Position is not null) generator._position = ins.Position;
                    generator.Select(ins, next);
                }
            }
            for (int i = 0; i < order.Count; i++)
            {
                int end = i + 1 < order.Count ? generator._blockStart[order[i + 1]] : generator._out.Code.Count;
                generator._out.BlockSizes[order[i]] = end - generator._blockStart[order[i]];
            }
            generator.ResolveJumps();
            return generator._out;
        }

        // ---------------------------------------------------------------- emission

        private void Emit(byte opcode, int dst, int src, int offset, int imm)
        {
            if (_position is not null && (_lastLine is null || _lastLine.Line != _position.Line || _lastLine.File != _position.File))
            {
                _out.Lines.Add(new LineInfo(_out.Code.Count, _position.File, _position.Text, _position.Line, _position.Column));
                _lastLine = _position;
            }
            _out.Code.Add(new Instruction(opcode, (byte)dst, (byte)src, checked((short)offset), imm));
        }

        private void EmitLoadImm64(int dst, long value, int src = 0)
        {
            Emit(Opcodes.LoadImm64, dst, src, 0, unchecked((int)value));
            _out.Code.Add(new Instruction(0, 0, 0, 0, unchecked((int)(value >> 32))));
        }


        private void MovReg(int dst, int src, bool is32 = false)
        {
            if (dst == src && !is32) return;
            Emit(Opcodes.Alu(is32, Opcodes.AluMov, register: true), dst, src, 0, 0);
        }

        private void MovImm(int dst, long value)
        {
            if (Frontend.Lowering.FitsImm(value)) Emit(Opcodes.Alu(false, Opcodes.AluMov, register: false), dst, 0, 0, (int)value);
            else EmitLoadImm64(dst, value);
        }

        private int SpillOffset(ValueLocation location) => _function.Slots[location.SpillSlot].FrameOffset;

        /// <summary>The physical register holding <paramref name="vreg"/>, reloading a spill into <paramref name="scratch"/>.</summary>
        private int Use(int vreg, int scratch)
        {
            var location = _locations[vreg];
            if (!location.IsSpilled) return location.Register;
            Emit(Opcodes.LoadMem(8), scratch, R10, SpillOffset(location), 0);
            return scratch;
        }

        /// <summary>The register to compute <paramref name="vreg"/> into (scratch when it is spilled).</summary>
        private int DefReg(int vreg) => _locations.TryGetValue(vreg, out var l) && !l.IsSpilled ? l.Register : Scratch;

        /// <summary>Moves a definition computed into <paramref name="register"/> to where <paramref name="vreg"/> lives.</summary>
        private void Commit(int vreg, int register)
        {
            if (_locations.TryGetValue(vreg, out var location)) MoveToLocation(location, register);
        }

        private void MoveToLocation(ValueLocation location, int register)
        {
            if (location.IsSpilled) Emit(Opcodes.StoreReg(8), R10, register, SpillOffset(location), 0);
            else MovReg(location.Register, register);
        }

        private (int Base, int Offset) AddressOperand(Address address, int scratch)
        {
            if (address.IsSlot) return (R10, _function.Slots[address.Slot].FrameOffset + address.Offset);
            return (Use(address.BaseReg, scratch), address.Offset);
        }

        // ---------------------------------------------------------------- selection

        private void Select(IrInstruction ins, BasicBlock? next)
        {
            switch (ins.Op)
            {
                case IrOp.Const:
                    {
                        int d = DefReg(ins.Dst);
                        MovImm(d, ins.Imm);
                        Commit(ins.Dst, d);
                        break;
                    }
                case IrOp.CoreOffset:
                    {
                        // mov64 dst, <the member's offset, or the query's local answer>: the loader rewrites the immediate for the running kernel.
                        int d = DefReg(ins.Dst);
                        _out.CoreAccesses.Add(ins.Core! with { InstructionIndex = _out.Code.Count });
                        Emit(Opcodes.Alu(false, Opcodes.AluMov, register: false), d, 0, 0, unchecked((int)ins.Core!.LocalValue));
                        Commit(ins.Dst, d);
                        break;
                    }
                case IrOp.Mov:
                    {
                        int a = Use(ins.A, Scratch);
                        Commit(ins.Dst, a);
                        break;
                    }
                case IrOp.Alu:
                    SelectAlu(ins);
                    break;
                case IrOp.Neg:
                    {
                        int d = DefReg(ins.Dst);
                        MovReg(d, Use(ins.A, d == Scratch ? Scratch : Scratch2));
                        Emit(Opcodes.Alu(false, Opcodes.AluNeg, register: false), d, 0, 0, 0);
                        Commit(ins.Dst, d);
                        break;
                    }
                case IrOp.Extend:
                    {
                        int d = DefReg(ins.Dst);
                        int a = Use(ins.A, Scratch2);
                        if (ins.Signed && _cpu >= BpfCpu.V4)
                        {
                            Emit(Opcodes.Alu(false, Opcodes.AluMov, register: true), d, a, ins.Size * 8, 0); // movsx: ALU64 MOV X with the source width in the offset
                        }
                        else if (ins.Signed)
                        {
                            int shift = 64 - ins.Size * 8;
                            MovReg(d, a);
                            Emit(Opcodes.Alu(false, (byte)AluOp.Lsh, register: false), d, 0, 0, shift);
                            Emit(Opcodes.Alu(false, (byte)AluOp.Arsh, register: false), d, 0, 0, shift);
                        }
                        else if (ins.Size == 4)
                        {
                            MovReg(d, a, is32: true);
                        }
                        else
                        {
                            MovReg(d, a);
                            Emit(Opcodes.Alu(false, (byte)AluOp.And, register: false), d, 0, 0, ins.Size == 2 ? 0xffff : 0xff);
                        }
                        Commit(ins.Dst, d);
                        break;
                    }
                case IrOp.Load:
                    {
                        var (b, off) = AddressOperand(ins.Addr, Scratch2);
                        int d = DefReg(ins.Dst);
                        Emit(Opcodes.LoadMem(ins.Size), d, b, off, 0);
                        Commit(ins.Dst, d);
                        break;
                    }
                case IrOp.Store:
                    {
                        var (b, off) = AddressOperand(ins.Addr, Scratch2);
                        if (ins.A < 0) Emit(Opcodes.StoreImm(ins.Size), b, 0, off, (int)ins.Imm);
                        else Emit(Opcodes.StoreReg(ins.Size), b, Use(ins.A, Scratch), off, 0);
                        break;
                    }
                case IrOp.Atomic:
                    {
                        var (b, off) = AddressOperand(ins.Addr, Scratch2);
                        byte opcode = Opcodes.Atomic(ins.Size == 8 ? 8 : 4);
                        if (ins.Atomic == AtomicKind.CompareExchange)
                        {
                            SelectCompareExchange(ins, opcode, b, off);
                            break;
                        }
                        int imm = ins.Atomic == AtomicKind.Exchange ? Opcodes.AtomicExchange : (int)ins.Alu | (ins.Fetch ? Opcodes.AtomicFetch : 0);
                        if (ins.Fetch)
                        {
                            MovReg(Scratch, Use(ins.A, Scratch));
                            Emit(opcode, b, Scratch, off, imm);
                            Commit(ins.Dst, Scratch);
                        }
                        else
                        {
                            Emit(opcode, b, Use(ins.A, Scratch), off, imm);
                        }
                        break;
                    }
                case IrOp.ByteSwap:
                    {
                        int d = DefReg(ins.Dst);
                        MovReg(d, Use(ins.A, Scratch2));
                        Emit(Opcodes.SwapToBigEndian, d, 0, 0, ins.Size * 8);
                        Commit(ins.Dst, d);
                        break;
                    }
                case IrOp.FrameAddr:
                    {
                        int d = DefReg(ins.Dst);
                        MovReg(d, R10);
                        Emit(Opcodes.Alu(false, (byte)AluOp.Add, register: false), d, 0, 0, _function.Slots[ins.Slot].FrameOffset);
                        Commit(ins.Dst, d);
                        break;
                    }
                case IrOp.LoadMap:
                    {
                        int d = DefReg(ins.Dst);
                        if (ins.Callee is not null)
                        {
                            // A subprogram's address: relocated as clang relocates one (R_BPF_64_64, source 0); the loader marks it BPF_PSEUDO_FUNC.
                            _out.Calls.Add(new CallRelocation(_out.Code.Count, ins.Callee, IsAddress: true));
                            EmitLoadImm64(d, 0, src: 0);
                            Commit(ins.Dst, d);
                            break;
                        }
                        _out.Relocations.Add(new MapRelocation(_out.Code.Count, ins.MapName!));
                        EmitLoadImm64(d, 0, src: ins.IsGlobalData ? 0 : 1);
                        Commit(ins.Dst, d);
                        break;
                    }
                case IrOp.Call:
                    SelectCall(ins);
                    break;
                case IrOp.SetCond:
                    {
                        int a = Use(ins.A, Scratch2);
                        int b = ins.B >= 0 ? Use(ins.B, Scratch) : -1;
                        int d = DefReg(ins.Dst);
                        if (d != a && d != b)
                        {
                            MovImm(d, 1);
                            EmitJump(ins.Cond, a, b, ins.Imm, 1);
                            MovImm(d, 0);
                        }
                        else
                        {
                            // The result register is also an operand: compare first, then write it.
                            EmitJump(ins.Cond, a, b, ins.Imm, 2);
                            MovImm(d, 0);
                            Emit(Opcodes.Jump, 0, 0, 1, 0);
                            MovImm(d, 1);
                        }
                        Commit(ins.Dst, d);
                        break;
                    }
                case IrOp.Jump:
                    if (ins.Target != next) EmitJa(ins.Target!);
                    break;
                case IrOp.Branch:
                    {
                        int a = Use(ins.A, Scratch);
                        int b = ins.B >= 0 ? Use(ins.B, Scratch2) : -1;
                        if (ins.Target == next)
                        {
                            EmitJumpTo(Invert(ins.Cond), a, b, ins.Imm, ins.Else!, ins.Is32);
                        }
                        else
                        {
                            EmitJumpTo(ins.Cond, a, b, ins.Imm, ins.Target!, ins.Is32);
                            if (ins.Else != next) EmitJa(ins.Else!);
                        }
                        break;
                    }
                case IrOp.Return:
                    if (ins.A >= 0) MovReg(0, Use(ins.A, Scratch));
                    else MovImm(0, ins.Imm);
                    Emit(Opcodes.Exit, 0, 0, 0, 0);
                    break;
                default:
                    throw new InvalidOperationException("unknown IR operation " + ins.Op);
            }
        }

        private void SelectAlu(IrInstruction ins)
        {
            // cpu v4 signed division and remainder: the div/mod opcodes with offset 1.
            short offset = (short)(ins.Signed && (ins.Alu == AluOp.Div || ins.Alu == AluOp.Mod) ? 1 : 0);
            int d = DefReg(ins.Dst);
            int a = Use(ins.A, Scratch2);
            if (ins.B < 0)
            {
                if (d != a) MovReg(d, a, ins.Is32);
                Emit(Opcodes.Alu(ins.Is32, (byte)ins.Alu, register: false), d, 0, offset, (int)ins.Imm);
            }
            else
            {
                int b = Use(ins.B, a == Scratch2 ? Scratch : Scratch2);
                if (d == b && d != a && offset == 0 && ins.Alu is AluOp.Add or AluOp.Mul or AluOp.And or AluOp.Or or AluOp.Xor)
                {
                    // d = a op d for a commutative op: d op= a.
                    Emit(Opcodes.Alu(ins.Is32, (byte)ins.Alu, register: true), d, a, 0, 0);
                }
                else if (d == b && d != a)
                {
                    // d = a op d would clobber b: compute in a scratch register first
                    // (in a itself when a is a reloaded spill, which dies here).
                    // R5 is never allocated; R0 may hold a live helper result, so it is used only when b is in R5.
                    bool aReloaded = _locations[ins.A].IsSpilled;
                    int t = aReloaded ? a : (b == Scratch2 ? Scratch : Scratch2);
                    MovReg(t, a, ins.Is32);
                    Emit(Opcodes.Alu(ins.Is32, (byte)ins.Alu, register: true), t, b, offset, 0);
                    d = t;
                }
                else
                {
                    if (d != a) MovReg(d, a, ins.Is32);
                    Emit(Opcodes.Alu(ins.Is32, (byte)ins.Alu, register: true), d, b, offset, 0);
                }
            }
            Commit(ins.Dst, d);
        }

        /// <summary>
        /// Compare-exchange needs the comparand in R0 and the new value and address in two other registers. When
        /// both of those are spilled, R9 is borrowed for the value and restored from the emergency slot.
        /// </summary>
        private void SelectCompareExchange(IrInstruction ins, byte opcode, int baseReg, int offset)
        {
            int borrowed = -1;
            int value;
            var valueLocation = _locations[ins.A];
            if (!valueLocation.IsSpilled) value = valueLocation.Register;
            else if (baseReg != Scratch2) value = Use(ins.A, Scratch2);
            else
            {
                borrowed = 9;
                Emit(Opcodes.StoreReg(8), R10, borrowed, _function.Slots[_emergencySlot].FrameOffset, 0);
                value = Use(ins.A, borrowed);
            }
            MovReg(Scratch, Use(ins.B, Scratch));
            Emit(opcode, baseReg, value, offset, Opcodes.AtomicCompareExchange);
            if (borrowed >= 0) Emit(Opcodes.LoadMem(8), borrowed, R10, _function.Slots[_emergencySlot].FrameOffset, 0);
            Commit(ins.Dst, Scratch);
        }

        private void SelectCall(IrInstruction ins)
        {
            var args = ins.Args!;
            // Parallel move of arguments into R1..Rn: sources are registers or spill slots.
            var loads = new List<(int Target, ValueLocation From)>();
            var moves = new List<(int Target, int Source)>();
            for (int i = 0; i < args.Count; i++)
            {
                int target = i + 1;
                var location = _locations[args[i]];
                if (location.IsSpilled) loads.Add((target, location));
                else if (location.Register != target) moves.Add((target, location.Register));
            }
            ParallelMove(moves);
            foreach (var (target, from) in loads) Emit(Opcodes.LoadMem(8), target, R10, SpillOffset(from), 0);
            if (ins.Callee is not null)
            {
                // BPF_PSEUDO_CALL; the object writer relocates it against the subprogram's symbol.
                _out.Calls.Add(new CallRelocation(_out.Code.Count, ins.Callee));
                Emit(Opcodes.Call, 0, Opcodes.PseudoCall, 0, -1);
            }
            else
            {
                Emit(Opcodes.Call, 0, 0, 0, ins.Helper);
            }
            if (ins.Dst >= 0 && _used.Contains(ins.Dst)) Commit(ins.Dst, 0);
        }

        /// <summary>Moves registers into registers all at once (targets may be other moves' sources); R0 breaks cycles.</summary>
        private void ParallelMove(List<(int Target, int Source)> moves)
        {
            while (moves.Count > 0)
            {
                bool progressed = false;
                for (int i = 0; i < moves.Count; i++)
                {
                    var (target, source) = moves[i];
                    bool targetStillRead = false;
                    foreach (var m in moves) if (m.Source == target) targetStillRead = true;
                    if (!targetStillRead)
                    {
                        MovReg(target, source);
                        moves.RemoveAt(i);
                        progressed = true;
                        break;
                    }
                }
                if (!progressed)
                {
                    // A cycle: park one source in R0 and redirect its readers.
                    var (_, source) = moves[0];
                    MovReg(Scratch, source);
                    for (int i = 0; i < moves.Count; i++)
                    {
                        if (moves[i].Source == source) moves[i] = (moves[i].Target, Scratch);
                    }
                }
            }
        }

        /// <summary>At entry, moves the arguments from R1..R5 to where the allocator put the parameters.</summary>
        private void ReceiveParameters()
        {
            var moves = new List<(int Target, int Source)>();
            for (int i = 0; i < _function.Parameters.Count; i++)
            {
                if (!_locations.TryGetValue(_function.Parameters[i], out var location)) continue;
                if (location.IsSpilled) Emit(Opcodes.StoreReg(8), R10, i + 1, SpillOffset(location), 0);
                else if (location.Register != i + 1) moves.Add((location.Register, i + 1));
            }
            ParallelMove(moves);
        }

        // ---------------------------------------------------------------- jumps

        private static Cond Invert(Cond cond) => cond switch
        {
            Cond.Eq => Cond.Ne, Cond.Ne => Cond.Eq,
            Cond.Gt => Cond.Le, Cond.Le => Cond.Gt, Cond.Ge => Cond.Lt, Cond.Lt => Cond.Ge,
            Cond.SGt => Cond.SLe, Cond.SLe => Cond.SGt, Cond.SGe => Cond.SLt, Cond.SLt => Cond.SGe,
            _ => throw new InvalidOperationException("cannot invert " + cond),
        };

        private void EmitJump(Cond cond, int a, int b, long imm, int offset, bool is32 = false)
        {
            // JMP32 compares the low 32 bits.
            if (b >= 0) Emit(Opcodes.Branch(is32, (byte)cond, register: true), a, b, offset, 0);
            else Emit(Opcodes.Branch(is32, (byte)cond, register: false), a, 0, offset, (int)imm);
        }

        private void EmitJumpTo(Cond cond, int a, int b, long imm, BasicBlock target, bool is32 = false)
        {
            _fixups.Add((_out.Code.Count, target));
            EmitJump(cond, a, b, imm, 0, is32);
        }

        private void EmitJa(BasicBlock target)
        {
            _fixups.Add((_out.Code.Count, target));
            Emit(Opcodes.Jump, 0, 0, 0, 0);
        }

        private void ResolveJumps()
        {
            foreach (var (index, target) in _fixups)
            {
                int offset = _blockStart[target] - (index + 1);
                var ins = _out.Code[index];
                _out.Code[index] = ins with { Offset = checked((short)offset) };
            }
        }
    }
}

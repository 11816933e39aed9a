using System.Collections.Generic;
using BpfDotnet.Compiler.Ir;

namespace BpfDotnet.Compiler.Passes
{
    /// <summary>
    /// Constant propagation and folding over registers defined once: a copy, an extension, a negation or an ALU
    /// operation of constants becomes a constant, and a constant second operand of an ALU operation, a branch, a
    /// comparison, a store or a return becomes an immediate. The common source is an inlined call whose argument
    /// is a constant: the callee's parameter register then folds into every use.
    /// </summary>
    internal static class ConstantPropagation
    {
        public static void Run(IrFunction function)
        {
            for (int round = 0; round < 8; round++)
            {
                var defs = function.DefinitionCounts();
                var constants = new Dictionary<int, long>();
                foreach (var block in function.Blocks)
                {
                    foreach (var ins in block.Instructions)
                    {
                        if (ins.Op == IrOp.Const && defs[ins.Dst] == 1) constants[ins.Dst] = ins.Imm;
                    }
                }
                bool Known(int reg, out long value) => constants.TryGetValue(reg, out value);

                bool changed = false;
                foreach (var block in function.Blocks)
                {
                    foreach (var ins in block.Instructions)
                    {
                        changed |= Rewrite(ins, Known, defs);
                    }
                }
                if (!changed) return;
            }
        }

        private delegate bool KnownConstant(int reg, out long value);

        private static bool Rewrite(IrInstruction ins, KnownConstant known, Dictionary<int, int> defs)
        {
            bool single = ins.Def >= 0 && defs.TryGetValue(ins.Def, out int d) && d == 1;
            switch (ins.Op)
            {
                case IrOp.Mov when single && known(ins.A, out long v):
                    return ToConst(ins, v);
                case IrOp.Neg when single && known(ins.A, out long v):
                    return ToConst(ins, unchecked(-v));
                case IrOp.Extend when single && known(ins.A, out long v):
                    return ToConst(ins, Extend(v, ins.Size, ins.Signed));
                case IrOp.Alu:
                    {
                        long b = ins.Imm;
                        bool bKnown = ins.B < 0 || known(ins.B, out b);
                        if (single && bKnown && known(ins.A, out long a) && Fold(ins.Alu, a, b, ins.Is32, ins.Signed, out long folded)) return ToConst(ins, folded);
                        if (ins.B >= 0 && bKnown && FitsImm(b, ins.Is32))
                        {
                            ins.Imm = ins.Is32 ? unchecked((int)b) : b;
                            ins.B = -1;
                            return true;
                        }
                        return false;
                    }
                case IrOp.Branch:
                case IrOp.SetCond:
                    if (ins.B >= 0 && known(ins.B, out long c) && FitsImm(c, ins.Is32))
                    {
                        ins.Imm = ins.Is32 ? unchecked((int)c) : c;
                        ins.B = -1;
                        return true;
                    }
                    return false;
                case IrOp.Store when ins.A >= 0 && !ins.IntoContext && known(ins.A, out long s) && FitsImm(s, false):
                    ins.Imm = s;
                    ins.A = -1;
                    return true;
                case IrOp.Return when ins.A >= 0 && known(ins.A, out long r):
                    ins.Imm = r;
                    ins.A = -1;
                    return true;
            }
            return false;
        }

        private static bool ToConst(IrInstruction ins, long value)
        {
            ins.Op = IrOp.Const;
            ins.Imm = value;
            ins.A = ins.B = -1;
            ins.Is32 = false;
            return true;
        }

        private static bool FitsImm(long value, bool is32) => is32 || (value >= int.MinValue && value <= int.MaxValue);

        private static long Extend(long value, int size, bool signed) => size switch
        {
            1 => signed ? (sbyte)value : (byte)value,
            2 => signed ? (short)value : (ushort)value,
            4 => signed ? (int)value : (uint)value,
            _ => value,
        };

        /// <summary>Evaluates an ALU operation as the kernel does; false where its result is not defined (shifts past the width, division by zero).</summary>
        private static bool Fold(AluOp op, long a, long b, bool is32, bool signed, out long result)
        {
            result = 0;
            unchecked
            {
                if (signed && !is32 && (op == AluOp.Div || op == AluOp.Mod))
                {
                    // cpu v4 sdiv/smod; the kernel's results for a zero divisor and MinValue / -1 are left to it.
                    if (b == 0 || b == -1) return false;
                    result = op == AluOp.Div ? a / b : a % b;
                    return true;
                }
                if (is32)
                {
                    uint x = (uint)a, y = (uint)b;
                    uint r;
                    switch (op)
                    {
                        case AluOp.Add: r = x + y; break;
                        case AluOp.Sub: r = x - y; break;
                        case AluOp.Mul: r = x * y; break;
                        case AluOp.Or: r = x | y; break;
                        case AluOp.And: r = x & y; break;
                        case AluOp.Xor: r = x ^ y; break;
                        case AluOp.Lsh when y < 32: r = x << (int)y; break;
                        case AluOp.Rsh when y < 32: r = x >> (int)y; break;
                        case AluOp.Arsh when y < 32: r = (uint)((int)x >> (int)y); break;
                        case AluOp.Div when y != 0: r = x / y; break;
                        case AluOp.Mod when y != 0: r = x % y; break;
                        default: return false;
                    }
                    result = r;
                    return true;
                }
                ulong ux = (ulong)a, uy = (ulong)b;
                switch (op)
                {
                    case AluOp.Add: result = a + b; return true;
                    case AluOp.Sub: result = a - b; return true;
                    case AluOp.Mul: result = a * b; return true;
                    case AluOp.Or: result = a | b; return true;
                    case AluOp.And: result = a & b; return true;
                    case AluOp.Xor: result = a ^ b; return true;
                    case AluOp.Lsh when uy < 64: result = a << (int)uy; return true;
                    case AluOp.Rsh when uy < 64: result = (long)(ux >> (int)uy); return true;
                    case AluOp.Arsh when uy < 64: result = a >> (int)uy; return true;
                    case AluOp.Div when uy != 0: result = (long)(ux / uy); return true;
                    case AluOp.Mod when uy != 0: result = (long)(ux % uy); return true;
                    default: return false;
                }
            }
        }
    }
}

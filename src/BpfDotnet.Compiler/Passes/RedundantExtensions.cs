using System.Collections.Generic;
using BpfDotnet.Compiler.Ir;

namespace BpfDotnet.Compiler.Passes
{
    /// <summary>
    /// Removes zero- and sign-extensions of values whose upper bits are already known to be zero: for
    /// example <c>(uint)(pidTgid &gt;&gt; 32)</c>, a narrow load, or a 32-bit ALU result. The extension becomes
    /// a copy, which the register allocator then coalesces away.
    /// </summary>
    internal static class RedundantExtensions
    {
        public static void Run(IrFunction function)
        {
            var defs = function.DefinitionCounts();

            // Significant bits of single-definition registers: the value is below 2^bits.
            var bits = new Dictionary<int, int>();
            int Bits(int reg) => reg >= 0 && bits.TryGetValue(reg, out int b) ? b : 64;
            for (int round = 0; round < 2; round++)
            {
                foreach (var block in function.Blocks)
                {
                    foreach (var ins in block.Instructions)
                    {
                        if (ins.Def < 0 || defs[ins.Def] != 1) continue;
                        int known = ins.Op switch
                        {
                            IrOp.Const => ins.Imm < 0 ? 64 : Width((ulong)ins.Imm),
                            IrOp.Load or IrOp.ByteSwap => ins.Size * 8,
                            IrOp.SetCond => 1,
                            IrOp.Mov => Bits(ins.A),
                            IrOp.Extend when !ins.Signed => System.Math.Min(ins.Size * 8, Bits(ins.A)),
                            IrOp.Alu => AluBits(ins, Bits),
                            _ => 64,
                        };
                        bits[ins.Def] = known;
                    }
                }
            }

            // Single-definition registers known to be sign-extended from a narrower width.
            var signedFrom = new Dictionary<int, int>();
            foreach (var block in function.Blocks)
            {
                foreach (var ins in block.Instructions)
                {
                    if (ins.Op != IrOp.Extend) continue;
                    int width = ins.Size * 8;
                    bool redundant = ins.Signed
                        ? Bits(ins.A) < width || (signedFrom.TryGetValue(ins.A, out int from) && from <= width)
                        : Bits(ins.A) <= width;
                    if (redundant) ins.Op = IrOp.Mov;
                    else if (ins.Signed && defs[ins.Dst] == 1) signedFrom[ins.Dst] = width;
                }
            }
        }

        private static int AluBits(IrInstruction ins, System.Func<int, int> bitsOf)
        {
            int a = bitsOf(ins.A);
            int b = ins.B >= 0 ? bitsOf(ins.B) : (ins.Imm < 0 ? 64 : Width((ulong)ins.Imm));
            int result = ins.Alu switch
            {
                AluOp.And => System.Math.Min(a, b),
                AluOp.Or or AluOp.Xor => System.Math.Max(a, b),
                AluOp.Rsh when ins.B < 0 => System.Math.Max(0, a - (int)(ins.Imm & (ins.Is32 ? 31 : 63))),
                AluOp.Rsh => a,
                AluOp.Div or AluOp.Mod when !ins.Signed => a,
                AluOp.Add => System.Math.Min(64, System.Math.Max(a, b) + 1),
                AluOp.Mul => System.Math.Min(64, a + b),
                _ => 64,
            };
            return ins.Is32 ? System.Math.Min(result, 32) : result;
        }

        private static int Width(ulong value)
        {
            int n = 0;
            while (value != 0)
            {
                n++;
                value >>= 1;
            }
            return n;
        }
    }
}

using System.Collections.Generic;
using BpfDotnet.Compiler.Ir;

namespace BpfDotnet.Compiler.Passes
{
    /// <summary>
    /// With JMP32 (cpu v3 and later): a branch that compares a 32-bit value extended only for that comparison
    /// compares the low 32 bits instead, and the extension goes away. Sign-extended values keep every
    /// condition (32-bit order equals the 64-bit order of their extensions, signed or not); zero-extended values
    /// keep equality and the unsigned conditions, and their signed conditions become unsigned (the 64-bit
    /// values are never negative).
    /// </summary>
    internal static class NarrowBranches
    {
        public static void Run(IrFunction function)
        {
            var defs = function.DefinitionCounts();
            var uses = new Dictionary<int, int>();
            var definition = new Dictionary<int, IrInstruction>();
            foreach (var block in function.Blocks)
            {
                foreach (var ins in block.Instructions)
                {
                    foreach (var r in ins.Uses()) uses[r] = uses.TryGetValue(r, out int n) ? n + 1 : 1;
                    if (ins.Def >= 0) definition[ins.Def] = ins;
                }
            }

            IrInstruction? Extension(int reg)
                => reg >= 0 && defs.TryGetValue(reg, out int d) && d == 1 && uses.TryGetValue(reg, out int u) && u == 1
                   && definition.TryGetValue(reg, out var def) && def is { Op: IrOp.Extend, Size: 4 } extend && defs.TryGetValue(extend.A, out int s) && s == 1 ? extend : null;

            foreach (var block in function.Blocks)
            {
                var branch = block.Terminator;
                if (branch is not { Op: IrOp.Branch } || branch.Is32) continue;
                var left = Extension(branch.A);
                if (left is null) continue;
                bool signed = left.Signed;
                IrInstruction? right = null;
                if (branch.B >= 0)
                {
                    right = Extension(branch.B);
                    if (right is null || right.Signed != signed) continue;
                }
                else if (signed ? branch.Imm != (int)branch.Imm : (branch.Imm < 0 || branch.Imm > uint.MaxValue))
                {
                    continue;
                }
                var cond = branch.Cond;
                if (!signed) cond = Unsigned(cond);
                branch.Is32 = true;
                branch.Cond = cond;
                branch.A = left.A;
                if (right is not null) branch.B = right.A;
                else branch.Imm = unchecked((int)branch.Imm);
            }
        }

        private static Cond Unsigned(Cond cond) => cond switch
        {
            Cond.SGt => Cond.Gt,
            Cond.SGe => Cond.Ge,
            Cond.SLt => Cond.Lt,
            Cond.SLe => Cond.Le,
            _ => cond,
        };
    }
}

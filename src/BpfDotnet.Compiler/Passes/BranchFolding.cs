using System.Collections.Generic;
using BpfDotnet.Compiler.Ir;

namespace BpfDotnet.Compiler.Passes
{
    /// <summary>
    /// Folds conditional branches whose operands are constants where the branch runs: the constant is defined
    /// earlier in the block, or in a chain of single predecessors that jump straight to it. The typical case is
    /// the entry test of a rotated loop, <c>i = 0; if (i &gt;= 64)</c>, which can never be taken.
    /// </summary>
    internal static class BranchFolding
    {
        private const int MaxChain = 4;

        public static bool Run(IrFunction function)
        {
            var predecessors = new Dictionary<BasicBlock, List<BasicBlock>>();
            foreach (var block in function.Blocks)
            {
                foreach (var successor in block.Successors())
                {
                    if (!predecessors.TryGetValue(successor, out var list)) predecessors[successor] = list = new List<BasicBlock>();
                    list.Add(block);
                }
            }

            bool changed = false;
            foreach (var block in function.Blocks)
            {
                var branch = block.Terminator;
                if (branch is not { Op: IrOp.Branch } || branch.Is32) continue;
                int at = block.Instructions.Count - 1;
                if (!Constant(block, at, branch.A, predecessors, out long a)) continue;
                long b = branch.Imm;
                if (branch.B >= 0 && !Constant(block, at, branch.B, predecessors, out b)) continue;
                branch.Op = IrOp.Jump;
                branch.Target = Holds(branch.Cond, a, b) ? branch.Target : branch.Else;
                branch.Else = null;
                branch.A = branch.B = -1;
                changed = true;
            }
            return changed;
        }

        /// <summary>The constant <paramref name="reg"/> holds before instruction <paramref name="index"/> of <paramref name="block"/>.</summary>
        private static bool Constant(BasicBlock block, int index, int reg, Dictionary<BasicBlock, List<BasicBlock>> predecessors, out long value)
        {
            value = 0;
            for (int depth = 0; depth < MaxChain; depth++)
            {
                for (int i = index - 1; i >= 0; i--)
                {
                    var ins = block.Instructions[i];
                    if (ins.Def != reg) continue;
                    if (ins.Op == IrOp.Const)
                    {
                        value = ins.Imm;
                        return true;
                    }
                    if (ins.Op == IrOp.Mov)
                    {
                        reg = ins.A;
                        continue;
                    }
                    return false;
                }
                // Not defined here: look in the only predecessor, when it comes straight here.
                if (!predecessors.TryGetValue(block, out var list) || list.Count != 1 || list[0].Terminator is not { Op: IrOp.Jump } || list[0] == block) return false;
                block = list[0];
                index = block.Instructions.Count - 1;
            }
            return false;
        }

        private static bool Holds(Cond cond, long a, long b)
        {
            ulong ua = unchecked((ulong)a), ub = unchecked((ulong)b);
            return cond switch
            {
                Cond.Eq => a == b,
                Cond.Ne => a != b,
                Cond.Gt => ua > ub,
                Cond.Ge => ua >= ub,
                Cond.Lt => ua < ub,
                Cond.Le => ua <= ub,
                Cond.SGt => a > b,
                Cond.SGe => a >= b,
                Cond.SLt => a < b,
                Cond.SLe => a <= b,
                Cond.Set => (a & b) != 0,
                _ => throw new System.ArgumentOutOfRangeException(nameof(cond)),
            };
        }
    }
}

using System.Collections.Generic;
using BpfDotnet.Compiler.Ir;

namespace BpfDotnet.Compiler.Passes
{
    /// <summary>
    /// Retargets jumps and branches that lead to a block holding nothing but a jump, so that such blocks drop
    /// out of the layout instead of costing a <c>goto</c> each.
    /// </summary>
    internal static class JumpThreading
    {
        public static void Run(IrFunction function)
        {
            foreach (var block in function.Blocks)
            {
                var last = block.Terminator;
                if (last is null) continue;
                if (last.Target is not null) last.Target = Resolve(last.Target);
                if (last.Else is not null) last.Else = Resolve(last.Else);
                if (last.Op == IrOp.Branch && last.Target == last.Else)
                {
                    last.Op = IrOp.Jump;
                    last.Else = null;
                }
            }
        }

        private static BasicBlock Resolve(BasicBlock target)
        {
            var seen = new HashSet<BasicBlock>();
            while (target.Instructions.Count == 1 && target.Instructions[0].Op == IrOp.Jump && seen.Add(target))
            {
                target = target.Instructions[0].Target!;
            }
            return target;
        }
    }
}

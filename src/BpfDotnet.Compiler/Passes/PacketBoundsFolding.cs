using System.Collections.Generic;
using BpfDotnet.Compiler.Facts;
using BpfDotnet.Compiler.Ir;

namespace BpfDotnet.Compiler.Passes
{
    /// <summary>
    /// Drops a comparison of the packet's start plus n bytes with its end where the facts prove those bytes on every path
    /// to it (a comparison of as many bytes or more before it, through the same register, which the verifier follows
    /// too): a header read after a longer one, or read twice, is checked once.
    /// </summary>
    internal static class PacketBoundsFolding
    {
        /// <summary>True when it dropped any.</summary>
        public static bool Run(IrFunction function)
        {
            bool any = false;
            foreach (var block in function.Blocks) any |= block.Terminator is { PacketBound: > 0 };
            if (!any) return false;
            var needless = new List<IrInstruction>();
            ValueFacts.Solve(function).Walk((_, _, ins, state) =>
            {
                if (ins.Op == IrOp.Branch && ins.PacketBound > 0 && ins.Cond == Cond.Gt && state.PacketProven >= ins.PacketBound) needless.Add(ins);
            });
            foreach (var branch in needless)
            {
                branch.Op = IrOp.Jump;
                branch.Target = branch.Else;
                branch.Else = null;
                branch.A = branch.B = -1;
                branch.PacketBound = 0;
            }
            return needless.Count > 0;
        }
    }
}

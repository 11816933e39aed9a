using System.Collections.Generic;
using BpfDotnet.Compiler.Ir;

namespace BpfDotnet.Compiler.Passes
{
    /// <summary>Removes instructions whose results are never read and that have no side effects.</summary>
    internal static class DeadCodeElimination
    {
        public static void Run(IrFunction function)
        {
            bool changed = true;
            while (changed)
            {
                changed = false;
                var used = new HashSet<int>();
                foreach (var block in function.Blocks)
                {
                    foreach (var ins in block.Instructions)
                    {
                        foreach (var r in ins.Uses()) used.Add(r);
                    }
                }
                foreach (var parameter in function.Parameters) used.Add(parameter);
                foreach (var block in function.Blocks)
                {
                    int removed = block.Instructions.RemoveAll(ins => IsPure(ins) && ins.Def >= 0 && !used.Contains(ins.Def));
                    if (removed > 0) changed = true;
                }
            }
        }

        private static bool IsPure(IrInstruction ins) => ins.Op switch
        {
            IrOp.Const or IrOp.Mov or IrOp.ByteSwap or IrOp.Alu or IrOp.Neg or IrOp.Extend or IrOp.FrameAddr or IrOp.LoadMap or IrOp.CoreOffset or IrOp.SetCond or IrOp.Load => true,
            _ => false,
        };
    }
}

using System.Collections.Generic;
using BpfDotnet.Compiler.Ir;

namespace BpfDotnet.Compiler.Passes
{
    /// <summary>
    /// Gives each returned constant one exit block: <c>return 0;</c> in five places becomes five jumps (most of
    /// which fall through after layout) to a single <c>r0 = 0; exit</c>.
    /// </summary>
    internal static class ReturnMerging
    {
        public static void Run(IrFunction function)
        {
            var byValue = new Dictionary<long, List<IrInstruction>>();
            foreach (var block in function.Blocks)
            {
                var last = block.Terminator;
                if (last is { Op: IrOp.Return, A: < 0 })
                {
                    if (!byValue.TryGetValue(last.Imm, out var list)) byValue[last.Imm] = list = new List<IrInstruction>();
                    list.Add(last);
                }
            }
            foreach (var entry in byValue)
            {
                if (entry.Value.Count < 2) continue;
                var exit = function.NewBlock();
                exit.Instructions.Add(new IrInstruction { Op = IrOp.Return, A = -1, Imm = entry.Key, Position = entry.Value[0].Position });
                foreach (var ret in entry.Value)
                {
                    ret.Op = IrOp.Jump;
                    ret.Target = exit;
                }
            }
        }
    }
}

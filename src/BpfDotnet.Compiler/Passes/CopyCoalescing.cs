using System.Collections.Generic;
using BpfDotnet.Compiler.Ir;

namespace BpfDotnet.Compiler.Passes
{
    /// <summary>
    /// Folds <c>t = op(...); x = t</c> into <c>x = op(...)</c> when the temporary is read only by that copy (and
    /// <c>t = op(...); x = ext(t)</c> into an extension in place). Locals
    /// are assigned this way all the time (<c>v = v &gt;&gt; 4</c>), and without the fold the value travels through
    /// a second register, costing a move and making the verifier's state pruning less effective.
    /// </summary>
    internal static class CopyCoalescing
    {
        public static void Run(IrFunction function)
        {
            var uses = new Dictionary<int, int>();
            foreach (var block in function.Blocks)
            {
                foreach (var ins in block.Instructions)
                {
                    foreach (var r in ins.Uses()) uses[r] = uses.TryGetValue(r, out int n) ? n + 1 : 1;
                }
            }
            foreach (var parameter in function.Parameters) uses[parameter] = int.MaxValue;

            foreach (var block in function.Blocks)
            {
                var list = block.Instructions;
                for (int i = 0; i + 1 < list.Count; i++)
                {
                    var producer = list[i];
                    var copy = list[i + 1];
                    int temporary = producer.Def;
                    if (temporary < 0 || copy.A != temporary || copy.Dst == temporary) continue;
                    if (!uses.TryGetValue(temporary, out int count) || count != 1) continue;
                    if (copy.Op == IrOp.Mov && !copy.NotNull)
                    {
                        producer.Dst = copy.Dst;
                        list.RemoveAt(i + 1);
                        i--; // the producer may now fold into the copy after it as well
                    }
                    else if (copy.Op is IrOp.Extend or IrOp.Neg or IrOp.ByteSwap)
                    {
                        // t = op(...); x = ext(t)  =>  x = op(...); x = ext(x): computed in place.
                        producer.Dst = copy.Dst;
                        copy.A = copy.Dst;
                    }
                }
            }
        }
    }
}

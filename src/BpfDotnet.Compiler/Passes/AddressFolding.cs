using System.Collections.Generic;
using BpfDotnet.Compiler.Ir;

namespace BpfDotnet.Compiler.Passes
{
    /// <summary>
    /// Folds a constant added to a pointer into the accesses through it: <c>t = p + 72; x = *(t + 0)</c> becomes
    /// <c>x = *(p + 72)</c> when <c>p</c> is unchanged in between, as the instruction set's 16-bit offsets allow. The
    /// common source is an element at a constant index (an unrolled loop's, say); <c>t</c> usually dies with it.
    /// </summary>
    internal static class AddressFolding
    {
        public static void Run(IrFunction function)
        {
            var sums = new Dictionary<int, (int Base, long Offset)>();
            foreach (var block in function.Blocks)
            {
                sums.Clear();
                foreach (var ins in block.Instructions)
                {
                    if ((ins.Op == IrOp.Load || ins.Op == IrOp.Store || ins.Op == IrOp.Atomic) && ins.Addr.BaseReg >= 0
                        && sums.TryGetValue(ins.Addr.BaseReg, out var sum))
                    {
                        long offset = ins.Addr.Offset + sum.Offset;
                        if (offset >= short.MinValue && offset <= short.MaxValue) ins.Addr = new Address(sum.Base, -1, (int)offset);
                    }
                    int def = ins.Def;
                    if (def < 0) continue;
                    // A new value in a register ends every sum made from it, and its own.
                    sums.Remove(def);
                    List<int>? stale = null;
                    foreach (var entry in sums)
                    {
                        if (entry.Value.Base == def) (stale ??= new List<int>()).Add(entry.Key);
                    }
                    if (stale is not null) foreach (var s in stale) sums.Remove(s);
                    if (ins.Op == IrOp.Alu && ins.Alu == AluOp.Add && !ins.Is32 && ins.B < 0 && ins.A != def) sums[def] = (ins.A, ins.Imm);
                    else if (ins.Op == IrOp.Mov && !ins.NotNull && ins.A != def) sums[def] = (ins.A, 0);
                }
            }
        }
    }
}

using System.Collections.Generic;
using BpfDotnet.Compiler.Ir;

namespace BpfDotnet.Compiler.Passes
{
    /// <summary>
    /// Removes stores to stack slots that a later store in the same block overwrites before anything can read
    /// them, such as the zeroing of <c>T x = default;</c> followed by assignments to every field. Scans each
    /// block backwards, tracking the bytes of each slot that are certain to be overwritten.
    /// </summary>
    internal static class DeadStoreElimination
    {
        public static void Run(IrFunction function)
        {
            foreach (var block in function.Blocks)
            {
                var overwritten = new Dictionary<int, HashSet<int>>();
                for (int i = block.Instructions.Count - 1; i >= 0; i--)
                {
                    var ins = block.Instructions[i];
                    switch (ins.Op)
                    {
                        case IrOp.Store when ins.Addr.IsSlot:
                            {
                                if (!overwritten.TryGetValue(ins.Addr.Slot, out var bytes))
                                {
                                    bytes = new HashSet<int>();
                                    overwritten[ins.Addr.Slot] = bytes;
                                }
                                bool dead = true;
                                for (int b = 0; b < ins.Size; b++) dead &= bytes.Contains(ins.Addr.Offset + b);
                                if (dead)
                                {
                                    block.Instructions.RemoveAt(i);
                                    continue;
                                }
                                for (int b = 0; b < ins.Size; b++) bytes.Add(ins.Addr.Offset + b);
                                break;
                            }
                        case IrOp.Load when ins.Addr.IsSlot:
                            overwritten.Remove(ins.Addr.Slot);
                            break;
                        case IrOp.FrameAddr:
                            overwritten.Remove(ins.Slot);
                            break;
                        case IrOp.Load:
                        case IrOp.Atomic:
                        case IrOp.Call:
                            // Reads through a pointer (or by a helper) may reach any slot whose address escaped.
                            overwritten.Clear();
                            break;
                    }
                }
            }
        }
    }
}

using System.Collections.Generic;
using BpfDotnet.Compiler.Backend;
using BpfDotnet.Compiler.Ir;

namespace BpfDotnet.Compiler.Passes
{
    /// <summary>
    /// Rotates loops: a back edge that jumps to a small loop header (the condition test) gets a copy of the
    /// header instead, so each iteration ends in the conditional branch rather than in a jump to it. Every path
    /// runs the same instructions as before, one jump fewer per iteration.
    /// </summary>
    internal static class LoopRotation
    {
        private const int MaxHeaderSize = 6;

        public static void Run(IrFunction function)
        {
            var order = Liveness.ReversePostorder(function);
            var position = new Dictionary<BasicBlock, int>();
            for (int i = 0; i < order.Count; i++) position[order[i]] = i;
            foreach (var latch in order)
            {
                var jump = latch.Terminator;
                if (jump is not { Op: IrOp.Jump } || jump.Target is not { } header) continue;
                if (!position.TryGetValue(header, out int headerAt) || headerAt > position[latch]) continue;
                if (header.Instructions.Count > MaxHeaderSize || header.Terminator is not { Op: IrOp.Branch } || header == latch) continue;

                latch.Instructions.RemoveAt(latch.Instructions.Count - 1);
                foreach (var ins in header.Instructions) latch.Instructions.Add(Copy(ins));
            }
        }

        private static IrInstruction Copy(IrInstruction ins) => new IrInstruction
        {
            Op = ins.Op, Dst = ins.Dst, A = ins.A, B = ins.B, Imm = ins.Imm, Is32 = ins.Is32, Alu = ins.Alu, Cond = ins.Cond,
            Size = ins.Size, Signed = ins.Signed, Fetch = ins.Fetch, Atomic = ins.Atomic, Addr = ins.Addr, Slot = ins.Slot,
            Helper = ins.Helper, MapName = ins.MapName, IsGlobalData = ins.IsGlobalData,
            Args = ins.Args is null ? null : new List<int>(ins.Args), Target = ins.Target, Else = ins.Else, Position = ins.Position,
        };
    }
}

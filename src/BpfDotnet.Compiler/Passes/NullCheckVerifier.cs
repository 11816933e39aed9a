using System.Collections.Generic;
using System.Linq;
using BpfDotnet.Compiler.Backend;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Ir;

namespace BpfDotnet.Compiler.Passes
{
    /// <summary>
    /// Proves that every map value pointer is tested against null before it is dereferenced or offset,
    /// as the kernel verifier demands; reports BPF0015 where it is not. A forward data-flow analysis over
    /// the set of registers that may hold a null map value.
    /// </summary>
    internal static class NullCheckVerifier
    {
        private const int MapLookupHelper = (int)KernelModel.HelperId.MapLookupElem;

        public static void Run(IrFunction function, List<DiagnosticInfo> diagnostics)
        {
            var order = Liveness.ReversePostorder(function);
            var inState = new Dictionary<BasicBlock, HashSet<int>>();
            foreach (var block in order) inState[block] = new HashSet<int>();
            var reported = new HashSet<SourcePosition>();
            bool changed = true;
            int guard = 0;
            while (changed && guard++ < 1000)
            {
                changed = false;
                foreach (var block in order)
                {
                    var state = new HashSet<int>(inState[block]);
                    foreach (var ins in block.Instructions)
                    {
                        if (ins.IsTerminator)
                        {
                            foreach (var (successor, outState) in Edges(ins, state))
                            {
                                var target = inState[successor];
                                foreach (var r in outState) if (target.Add(r)) changed = true;
                            }
                            break;
                        }
                        Transfer(ins, state, diagnostics, reported, report: false);
                    }
                }
            }
            foreach (var block in order)
            {
                var state = new HashSet<int>(inState[block]);
                foreach (var ins in block.Instructions)
                {
                    if (ins.IsTerminator) break;
                    Transfer(ins, state, diagnostics, reported, report: true);
                }
            }
        }

        private static IEnumerable<(BasicBlock, HashSet<int>)> Edges(IrInstruction terminator, HashSet<int> state)
        {
            if (terminator.Op == IrOp.Branch && terminator.B < 0 && terminator.Imm == 0 && state.Contains(terminator.A)
                && (terminator.Cond == Cond.Eq || terminator.Cond == Cond.Ne))
            {
                var nonNull = new HashSet<int>(state);
                nonNull.Remove(terminator.A);
                var isNull = state;
                if (terminator.Cond == Cond.Eq)
                {
                    yield return (terminator.Target!, isNull);
                    yield return (terminator.Else!, nonNull);
                }
                else
                {
                    yield return (terminator.Target!, nonNull);
                    yield return (terminator.Else!, isNull);
                }
                yield break;
            }
            if (terminator.Target is not null) yield return (terminator.Target, state);
            if (terminator.Else is not null) yield return (terminator.Else, state);
        }

        private static void Transfer(IrInstruction ins, HashSet<int> state, List<DiagnosticInfo> diagnostics, HashSet<SourcePosition> reported, bool report)
        {
            bool bad = false;
            switch (ins.Op)
            {
                case IrOp.Load:
                case IrOp.Store:
                case IrOp.Atomic:
                    bad = ins.Addr.BaseReg >= 0 && state.Contains(ins.Addr.BaseReg);
                    break;
                case IrOp.Alu:
                case IrOp.Neg:
                case IrOp.Extend:
                    bad = state.Contains(ins.A) || (ins.B >= 0 && state.Contains(ins.B));
                    break;
            }
            if (bad && report && ins.Position is not null && reported.Add(ins.Position))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MaybeNullMapValue, ins.Position.Location, ins.Position.Text));
            }
            int def = ins.Def;
            if (def < 0) return;
            bool maybeNull = (ins.Op == IrOp.Call && ins.Helper == MapLookupHelper) || (ins.Op == IrOp.Mov && state.Contains(ins.A));
            if (maybeNull) state.Add(def);
            else state.Remove(def);
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using System.Threading;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Facts;
using BpfDotnet.Compiler.Ir;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// Loops whose bound the source does not show in a shape the syntax reads (a counter tested in a <c>break</c>, stepped in
    /// the middle of the body, a limit held in a local), each with the BPF0005 it gets unless the facts prove a bound. Once
    /// the method holding them is compiled, the IR's loop forest (<see cref="LoopForest"/>) settles each: a loop whose
    /// counter it runs to an end within <see cref="LoopBounds.MaxIterations"/> iterations stands, as does one the
    /// optimiser removed; any other is refused. One engine decides: the facts over the code the verifier will walk.
    /// </summary>
    internal sealed class UnprovenLoops
    {
        private readonly List<(StatementSyntax Loop, DiagnosticInfo Refusal)> _loops = new List<(StatementSyntax, DiagnosticInfo)>();

        /// <summary>How many loops wait to be settled (a mark for <see cref="Settle"/> and <see cref="Refuse"/>).</summary>
        public int Count => _loops.Count;

        /// <summary>Adds a loop whose bound the syntax does not show, with its refusal.</summary>
        public void Add(StatementSyntax loop, DiagnosticInfo refusal)
        {
            if (!_loops.Any(l => l.Loop == loop)) _loops.Add((loop, refusal));
        }

        /// <summary>Adds every loop of <paramref name="other"/>.</summary>
        public void AddRange(UnprovenLoops other)
        {
            foreach (var (loop, refusal) in other._loops) Add(loop, refusal);
        }

        /// <summary>Reports the loops added since <paramref name="mark"/> as refused (the method was not compiled, so nothing proves them) and forgets them.</summary>
        public void Refuse(int mark, List<DiagnosticInfo> diagnostics)
        {
            for (int i = mark; i < _loops.Count; i++) diagnostics.Add(_loops[i].Refusal);
            _loops.RemoveRange(mark, _loops.Count - mark);
        }

        /// <summary>
        /// Settles the loops added since <paramref name="mark"/> against the compiled <paramref name="functions"/>: refuses
        /// each the facts do not bound, and forgets them all. True when none is refused.
        /// </summary>
        public bool Settle(int mark, IEnumerable<IrFunction> functions, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            if (mark >= _loops.Count) return true;
            var counted = new Dictionary<StatementSyntax, bool>();
            bool unplaced = false;
            foreach (var function in functions)
            {
                foreach (var loop in LoopForest.Find(function).All)
                {
                    bool bounded = loop.Trips is long trips && trips <= LoopBounds.MaxIterations + 1;
                    var statement = Backend.VerifierCost.StatementOf(loop, cancellationToken);
                    if (statement is null)
                    {
                        unplaced |= !bounded;
                        continue;
                    }
                    counted[statement] = (counted.TryGetValue(statement, out bool all) ? all : true) && bounded;
                }
            }
            int errorsBefore = diagnostics.Count;
            for (int i = mark; i < _loops.Count; i++)
            {
                var (loop, refusal) = _loops[i];
                // A loop with no IR loop left was removed (unreachable, or unrolled from a proven count), unless some
                // unbounded loop could not be placed in the source: then nothing is taken on trust.
                bool proven = counted.TryGetValue(loop, out bool bounded) ? bounded : !unplaced;
                if (!proven) diagnostics.Add(refusal);
            }
            _loops.RemoveRange(mark, _loops.Count - mark);
            return diagnostics.Count == errorsBefore;
        }
    }
}

using System.Collections.Generic;
using System.Linq;
using System.Threading;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Frontend;
using BpfDotnet.Compiler.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BpfDotnet.Compiler.Backend
{
    /// <summary>
    /// Estimates how many instructions the kernel verifier walks through a program's loops, to refuse at build time a
    /// program it would refuse as too large. The verifier follows every iteration of a bounded loop (the counter differs
    /// in each, so no state is pruned), so each instruction counts once per iteration of every loop around it. Only the
    /// program's own loops are counted (not inlined or called methods, nor the paths branches add), so the estimate is
    /// a lower bound: what it refuses, the kernel refuses too.
    /// </summary>
    internal static class VerifierCost
    {
        /// <summary>The verifier's limit of instructions walked (<c>BPF_COMPLEXITY_LIMIT_INSNS</c>).</summary>
        public const long Limit = 1_000_000;

        /// <summary>Reports BPF0005 on the outermost loop of the costliest nest when the walk would pass the limit.</summary>
        public static void Check(IrFunction function, MethodDeclarationSyntax declaration, SemanticModel model, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
        {
            var loops = new List<(StatementSyntax Loop, long Trips)>();
            foreach (var statement in declaration.DescendantNodes().OfType<StatementSyntax>())
            {
                if (statement is ForStatementSyntax or WhileStatementSyntax or DoStatementSyntax
                    && LoopBounds.TripCount(statement, model, cancellationToken, out _) is long trips && trips > 1)
                {
                    loops.Add((statement, trips));
                }
            }
            if (loops.Count == 0) return;
            // A loop unrolled completely is walked once: its copies' instructions count one time each.
            for (int i = 0; i < loops.Count; i++)
            {
                var loop = loops[i].Loop;
                bool unrolled = function.UnrolledLoops.Any(at => at.SourceTree == declaration.SyntaxTree && loop.Span.Contains(at.SourceSpan)
                    && !loops.Any(inner => inner.Loop != loop && loop.Span.Contains(inner.Loop.Span) && inner.Loop.Span.Contains(at.SourceSpan)));
                if (unrolled) loops[i] = (loop, 1);
            }

            // Instructions walked, by outermost loop.
            var walked = new Dictionary<StatementSyntax, long>();
            foreach (var instruction in function.Blocks.SelectMany(b => b.Instructions))
            {
                var location = instruction.Position?.Location;
                if (location is null || location.SourceTree != declaration.SyntaxTree) continue;
                long times = 1;
                StatementSyntax? outermost = null;
                foreach (var (loop, trips) in loops)
                {
                    if (!loop.Span.Contains(location.SourceSpan)) continue;
                    times = times > Limit ? times : times * trips;
                    if (outermost is null || loop.SpanStart < outermost.SpanStart) outermost = loop;
                }
                if (outermost is not null) walked[outermost] = (walked.TryGetValue(outermost, out long w) ? w : 0) + times;
            }
            foreach (var entry in walked.Where(w => w.Value > Limit).OrderBy(w => w.Key.SpanStart))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnboundedLoop, entry.Key.GetFirstToken().GetLocation(),
                    "the verifier would walk at least " + entry.Value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)
                    + " instructions through it, more than its limit of 1,000,000: each iteration is walked again and nested loops multiply, so lower the bound or move work out of the loop"));
            }
        }
    }
}

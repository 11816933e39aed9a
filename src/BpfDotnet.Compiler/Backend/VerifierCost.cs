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

        /// <summary>
        /// The loops of <paramref name="declaration"/> whose walk would pass the limit, outermost of each costly nest, with
        /// what the verifier would pass (instructions walked, or branches left pending while it walks). <paramref name="functions"/> are the program and the
        /// callbacks made of its loops; a loop in <paramref name="runOnce"/> runs through <c>bpf_loop</c>, whose body the
        /// verifier walks once, as it walks a loop unrolled completely once.
        /// </summary>
        public static List<(StatementSyntax Loop, string Cost)> OverBudget(IReadOnlyList<IrFunction> functions, MethodDeclarationSyntax declaration, SemanticModel model,
            ICollection<StatementSyntax> runOnce, CancellationToken cancellationToken)
        {
            var over = new List<(StatementSyntax, string)>();
            var loops = new List<(StatementSyntax Loop, long Trips)>();
            foreach (var statement in declaration.DescendantNodes().OfType<StatementSyntax>())
            {
                if (statement is ForStatementSyntax or WhileStatementSyntax or DoStatementSyntax
                    && LoopBounds.TripCount(statement, model, cancellationToken, out _) is long trips && trips > 1)
                {
                    loops.Add((statement, runOnce.Contains(statement) ? 1 : trips));
                }
            }
            if (loops.Count == 0) return over;
            // A loop unrolled completely is walked once: its copies' instructions count one time each.
            var unrolledAt = functions.SelectMany(f => f.UnrolledLoops).ToList();
            for (int i = 0; i < loops.Count; i++)
            {
                var loop = loops[i].Loop;
                bool unrolled = unrolledAt.Any(at => at.SourceTree == declaration.SyntaxTree && loop.Span.Contains(at.SourceSpan)
                    && !loops.Any(inner => inner.Loop != loop && loop.Span.Contains(inner.Loop.Span) && inner.Loop.Span.Contains(at.SourceSpan)));
                if (unrolled) loops[i] = (loop, 1);
            }

            // Instructions walked, and branches left pending, by outermost loop that repeats its walk. A loop's own
            // condition tests a counter the verifier knows in each iteration: it takes one way and leaves nothing pending.
            var walked = new Dictionary<StatementSyntax, long>();
            var pending = new Dictionary<StatementSyntax, long>();
            foreach (var instruction in functions.SelectMany(f => f.Blocks).SelectMany(b => b.Instructions))
            {
                var location = instruction.Position?.Location;
                if (location is null || location.SourceTree != declaration.SyntaxTree) continue;
                long times = 1;
                StatementSyntax? outermost = null;
                bool inCondition = false;
                foreach (var (loop, trips) in loops)
                {
                    if (!loop.Span.Contains(location.SourceSpan)) continue;
                    inCondition |= ConditionOf(loop) is { } condition && condition.Span.Contains(location.SourceSpan);
                    if (trips <= 1) continue;
                    times = times > Limit ? times : times * trips;
                    if (outermost is null || loop.SpanStart < outermost.SpanStart) outermost = loop;
                }
                if (outermost is null) continue;
                walked[outermost] = (walked.TryGetValue(outermost, out long w) ? w : 0) + times;
                if (instruction.Op == IrOp.Branch && !inCondition) pending[outermost] = (pending.TryGetValue(outermost, out long p) ? p : 0) + times;
            }
            foreach (var loop in walked.Keys.OrderBy(l => l.SpanStart))
            {
                long instructions = walked[loop], branches = pending.TryGetValue(loop, out long b) ? b : 0;
                if (instructions > Limit) over.Add((loop, "the verifier would walk at least " + Count(instructions) + " instructions through it, more than its limit of 1,000,000"));
                else if (branches > PendingLimit) over.Add((loop, "the verifier would keep at least " + Count(branches) + " branches pending through it, more than its limit of 8,192"));
            }
            return over;
        }

        /// <summary>The verifier's limit of branches pending exploration (<c>BPF_COMPLEXITY_LIMIT_JMP_SEQ</c>).</summary>
        public const long PendingLimit = 8192;

        private static string Count(long n) => n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);

        private static ExpressionSyntax? ConditionOf(StatementSyntax loop) => loop switch
        {
            ForStatementSyntax f => f.Condition,
            WhileStatementSyntax w => w.Condition,
            DoStatementSyntax d => d.Condition,
            _ => null,
        };

        /// <summary>BPF0005 on a loop whose walk would pass a limit (<paramref name="cost"/>); <paramref name="why"/> says why it does not run through <c>bpf_loop</c>.</summary>
        public static DiagnosticInfo Refusal(StatementSyntax loop, string cost, string why)
            => DiagnosticInfo.Create(DiagnosticDescriptors.UnboundedLoop, loop.GetFirstToken().GetLocation(),
                cost + " (each iteration is walked again and nested loops multiply), and it cannot run through bpf_loop because "
                + why + "; lower the bound or move work out of the loop");
    }
}

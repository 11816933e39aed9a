using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// Proves that a loop runs a bounded number of times: one integer counter starting at a constant,
    /// compared with a constant or a span's <c>Length</c> (possibly joined by <c>&amp;&amp;</c> to any other condition, which can only
    /// end the loop sooner), stepped once per iteration by a constant added, multiplied or shifted, and not otherwise
    /// assigned in the body. <c>for</c> loops step in the incrementor; <c>while</c> and <c>do</c> loops
    /// take the counter from the statement just before the loop and step it as the body's last statement.
    /// The kernel verifier then follows the loop to its end; the trip count is capped so that it can.
    /// </summary>
    public static class LoopBounds
    {
        /// <summary>Most iterations a loop may have (the verifier walks each one).</summary>
        public const long MaxIterations = 8192;

        /// <summary>The number of iterations of a loop statement, or null (with <paramref name="why"/>) when no bound is proven.</summary>
        /// <param name="lengthOf">The length of the span in <c>span.Length</c> (a bound as good as a constant), or null when unknown.</param>
        public static long? TripCount(StatementSyntax loop, SemanticModel model, CancellationToken cancellationToken, out string why, Func<ExpressionSyntax, long?>? lengthOf = null)
        {
            switch (loop)
            {
                case ForStatementSyntax f: return ForTripCount(f, model, cancellationToken, out why, out _, out _, lengthOf);
                case WhileStatementSyntax w: return WhileTripCount(w.Condition, w.Statement, loop, runsFirst: false, model, cancellationToken, out why, lengthOf);
                case DoStatementSyntax d: return WhileTripCount(d.Condition, d.Statement, loop, runsFirst: true, model, cancellationToken, out why, lengthOf);
                default: return Fail("only for, while and do loops with a constant bound are followed", out why);
            }
        }

        /// <summary>
        /// For a proven <c>for</c> loop that declares its counter: every value the counter ever holds (its start,
        /// each step, and the value that ends the loop). Nothing else assigns it, so the range holds wherever it is read.
        /// </summary>
        /// <param name="bodyLow">The least value the counter has while the body runs.</param>
        /// <param name="bodyHigh">The greatest value the counter has while the body runs.</param>
        public static bool TryGetCounterRange(ForStatementSyntax loop, SemanticModel model, CancellationToken cancellationToken,
            out ILocalSymbol? counter, out long low, out long high, out long bodyLow, out long bodyHigh, Func<ExpressionSyntax, long?>? lengthOf = null)
        {
            counter = null;
            low = high = bodyLow = bodyHigh = 0;
            if (loop.Declaration is null || ForTripCount(loop, model, cancellationToken, out _, out counter, out var range, lengthOf) is null) return false;
            (low, high, bodyLow, bodyHigh) = (range.Low, range.High, range.BodyLow, range.BodyHigh);
            return true;
        }

        /// <summary>
        /// For a proven <c>for</c> loop, or a <c>while</c> loop whose body's last statement steps the counter, that adds a
        /// constant to its counter once per iteration: the
        /// counter's value in iteration k is <paramref name="start"/> + k × <paramref name="step"/>, for k below
        /// <paramref name="trips"/>, and in the iteration that ends the loop, computed in 64 bits as the register holding it has it (a
        /// narrower counter never wraps on the way). False for other loops.
        /// </summary>
        public static bool TryGetLinearCounter(StatementSyntax loop, SemanticModel model, CancellationToken cancellationToken,
            out ILocalSymbol? counter, out long start, out long step, out long trips, Func<ExpressionSyntax, long?>? lengthOf = null)
        {
            counter = null;
            start = step = trips = 0;
            long count;
            Stepper stepper;
            switch (loop)
            {
                case ForStatementSyntax f when f.Incrementors.Count == 1:
                    if (ForTripCount(f, model, cancellationToken, out _, out counter, out _, lengthOf) is not long forCount
                        || !Initial(f, model, cancellationToken, out _, out start, out _) || !Step(f.Incrementors[0], counter!, model, cancellationToken, out stepper)) return false;
                    count = forCount;
                    break;
                case WhileStatementSyntax w when w.Parent is BlockSyntax block && SteppedInCondition(w.Condition, model, cancellationToken, lengthOf) is null:
                    // The counter is set before the loop and stepped by the body's last statement, which no 'continue' skips.
                    if (WhileTripCount(w.Condition, w.Statement, w, runsFirst: false, model, cancellationToken, out _, lengthOf) is not long whileCount) return false;
                    (counter, start) = CounterBefore(w.Condition, block, block.Statements.IndexOf(w), model, cancellationToken, lengthOf);
                    var last = w.Statement is BlockSyntax b ? b.Statements.LastOrDefault() : w.Statement;
                    if (counter is null || last is not ExpressionStatementSyntax { Expression: var stepExpression } || !Step(stepExpression, counter, model, cancellationToken, out stepper)) return false;
                    count = whileCount;
                    break;
                default:
                    return false;
            }
            if (stepper.Op != SyntaxKind.AddExpression) return false;
            bool wide = counter!.Type.SpecialType is SpecialType.System_Int64 or SpecialType.System_UInt64;
            decimal end = start + (decimal)count * stepper.Amount;
            if (!wide && !(InRange(start, counter.Type) && end >= long.MinValue && end <= long.MaxValue && InRange((long)end, counter.Type))) return false;
            step = stepper.Amount;
            trips = count;
            return true;
        }

        /// <summary>The values a counter takes: all of them, and those it has while the body runs.</summary>
        private struct Range
        {
            public long Low, High, BodyLow, BodyHigh;

            public Range(long start)
            {
                Low = High = start;
                BodyLow = long.MaxValue;
                BodyHigh = long.MinValue;
            }

            public void Body(long value)
            {
                BodyLow = Math.Min(BodyLow, value);
                BodyHigh = Math.Max(BodyHigh, value);
            }

            public void Value(long value)
            {
                Low = Math.Min(Low, value);
                High = Math.Max(High, value);
            }
        }

        private static long? ForTripCount(ForStatementSyntax loop, SemanticModel model, CancellationToken cancellationToken, out string why,
            out ILocalSymbol? counter, out Range range, Func<ExpressionSyntax, long?>? lengthOf)
        {
            why = "";
            range = default;
            if (!Initial(loop, model, cancellationToken, out counter, out long start, out why)) return null;
            if (loop.Incrementors.Count != 1) return Fail("the loop does not step the counter once per iteration", out why);
            if (!Step(loop.Incrementors[0], counter!, model, cancellationToken, out Stepper step)) return Fail("the counter is not stepped by a constant added, multiplied or shifted (a division is a step the verifier cannot follow)", out why);
            return Count(counter!, start, loop.Condition, step, loop.Statement, null, runsFirst: false, model, cancellationToken, out why, out range, lengthOf);
        }

        private static long? WhileTripCount(ExpressionSyntax condition, StatementSyntax body, StatementSyntax loop, bool runsFirst, SemanticModel model, CancellationToken cancellationToken, out string why,
            Func<ExpressionSyntax, long?>? lengthOf)
        {
            why = "";
            // The counter is compared with a constant in the condition and set to a constant before the
            // loop, by the last statement of the enclosing block that writes it.
            if (loop.Parent is not BlockSyntax block) return Fail("the loop is not in a block that sets its counter to a constant", out why);
            int index = block.Statements.IndexOf(loop);
            if (SteppedInCondition(condition, model, cancellationToken, lengthOf) is { } found)
            {
                var (stepped, op, limit, conditionStep, prefix) = found;
                // 'while (--n > 0)', 'do { ... } while (i++ < 9)': the condition steps the counter.
                if (InitialBefore(block, index, stepped, model, cancellationToken) is not long first) return Fail("'" + stepped.Name + "' is not set to a constant before the loop", out why);
                if (StatementsOf(body).Any(statement => Writes(statement, stepped, model, cancellationToken))) return Fail("the loop body changes the counter", out why);
                return CountSteppedInCondition(stepped, first, op, limit, conditionStep, prefix, runsFirst, out why);
            }
            var (counter, start) = CounterBefore(condition, block, index, model, cancellationToken, lengthOf);
            if (counter is null) return Fail("no counter compared in the condition is set to a constant before the loop", out why);
            // The body's last statement steps it, and no 'continue' skips that step.
            var last = body is BlockSyntax b ? b.Statements.LastOrDefault() : body;
            if (last is not ExpressionStatementSyntax { Expression: var stepExpression } || !Step(stepExpression, counter!, model, cancellationToken, out Stepper step))
            {
                return Fail("the loop body does not end by stepping '" + counter!.Name + "' by a constant added, multiplied or shifted", out why);
            }
            if (ContinuesSkipStep(body)) return Fail("a 'continue' skips the step of '" + counter!.Name + "'", out why);
            return Count(counter!, start, condition, step, body, last, runsFirst, model, cancellationToken, out why, out _, lengthOf);
        }

        /// <summary>The first local compared in <paramref name="condition"/> that the block sets to a constant before statement <paramref name="index"/>, with that constant.</summary>
        private static (ILocalSymbol? Counter, long Start) CounterBefore(ExpressionSyntax condition, BlockSyntax block, int index, SemanticModel model, CancellationToken cancellationToken,
            Func<ExpressionSyntax, long?>? lengthOf)
        {
            foreach (var candidate in Compared(condition, model, cancellationToken, lengthOf))
            {
                for (int k = index - 1; k >= 0; k--)
                {
                    var statement = block.Statements[k];
                    if (!Writes(statement, candidate, model, cancellationToken)) continue;
                    if (Initial(statement, model, cancellationToken, out var set, out long value, out _) && SymbolEqualityComparer.Default.Equals(set, candidate)) return (candidate, value);
                    break;
                }
            }
            return (null, 0);
        }

        /// <summary>The constant the last statement before <paramref name="index"/> that writes <paramref name="counter"/> sets it to, if any.</summary>
        private static long? InitialBefore(BlockSyntax block, int index, ILocalSymbol counter, SemanticModel model, CancellationToken cancellationToken)
        {
            for (int k = index - 1; k >= 0; k--)
            {
                var statement = block.Statements[k];
                if (!Writes(statement, counter, model, cancellationToken)) continue;
                return Initial(statement, model, cancellationToken, out var set, out long value, out _) && SymbolEqualityComparer.Default.Equals(set, counter) ? value : null;
            }
            return null;
        }

        /// <summary>A condition that steps a local and compares it with a constant: <c>--n &gt; 0</c>, <c>i++ &lt; 9</c>, <c>0 &lt; n--</c>.</summary>
        private static (ILocalSymbol Counter, SyntaxKind Op, long Limit, long Step, bool Prefix)? SteppedInCondition(ExpressionSyntax condition, SemanticModel model, CancellationToken cancellationToken,
            Func<ExpressionSyntax, long?>? lengthOf)
        {
            while (condition is ParenthesizedExpressionSyntax p) condition = p.Expression;
            if (condition is not BinaryExpressionSyntax binary || !IsComparison(binary.Kind())) return null;
            foreach (var (side, other, mirrored) in new[] { (binary.Left, binary.Right, false), (binary.Right, binary.Left, true) })
            {
                var inner = side;
                while (inner is ParenthesizedExpressionSyntax p) inner = p.Expression;
                var (operand, prefix, increment) = inner switch
                {
                    PrefixUnaryExpressionSyntax pre when pre.IsKind(SyntaxKind.PreIncrementExpression) || pre.IsKind(SyntaxKind.PreDecrementExpression)
                        => (pre.Operand, true, pre.IsKind(SyntaxKind.PreIncrementExpression)),
                    PostfixUnaryExpressionSyntax post when post.IsKind(SyntaxKind.PostIncrementExpression) || post.IsKind(SyntaxKind.PostDecrementExpression)
                        => (post.Operand, false, post.IsKind(SyntaxKind.PostIncrementExpression)),
                    _ => ((ExpressionSyntax?)null, false, false),
                };
                if (operand is null || model.GetSymbolInfo(operand, cancellationToken).Symbol is not ILocalSymbol counter || !IsInteger(counter.Type)) continue;
                if (!Limit(other, model, cancellationToken, lengthOf, out long limit)) continue;
                return (counter, mirrored ? Mirror(binary.Kind()) : binary.Kind(), limit, increment ? 1 : -1, prefix);
            }
            return null;
        }

        /// <summary>Counts the iterations of a loop whose condition steps its counter (before the comparison for a prefix step, after it for a postfix one).</summary>
        private static long? CountSteppedInCondition(ILocalSymbol counter, long start, SyntaxKind op, long limit, long step, bool prefix, bool runsFirst, out string why)
        {
            why = "";
            long trips = 0;
            long i = start;
            for (bool first = true; ; first = false)
            {
                if (!(runsFirst && first))
                {
                    // The step wraps as C# wraps it (the value after the last postfix step may wrap harmlessly).
                    long before = i;
                    if (counter.Type.SpecialType is SpecialType.System_UInt64 or SpecialType.System_Int64 && !InRange(i + step, counter.Type) || i == long.MinValue || i == long.MaxValue)
                    {
                        return Fail("the counter overflows before the condition fails", out why);
                    }
                    i = Wrap(i + step, counter.Type);
                    if (!Holds(op, prefix ? i : before, limit)) break;
                }
                if (++trips > MaxIterations) return Fail($"it runs more than {MaxIterations} times", out why);
            }
            return trips;
        }

        /// <summary>A counter set to a constant by a declaration or an assignment.</summary>
        private static bool Initial(SyntaxNode node, SemanticModel model, CancellationToken cancellationToken, out ILocalSymbol? counter, out long start, out string why)
        {
            counter = null;
            start = 0;
            why = "";
            VariableDeclarationSyntax? declaration = node switch
            {
                ForStatementSyntax f => f.Declaration,
                LocalDeclarationStatementSyntax l => l.Declaration,
                _ => null,
            };
            ExpressionSyntax? assigned = node switch
            {
                ForStatementSyntax { Declaration: null, Initializers.Count: 1 } f => f.Initializers[0],
                ExpressionStatementSyntax e => e.Expression,
                _ => null,
            };
            ExpressionSyntax? value;
            if (declaration is { Variables.Count: 1 } && declaration.Variables[0].Initializer is { } init)
            {
                counter = model.GetDeclaredSymbol(declaration.Variables[0], cancellationToken) as ILocalSymbol;
                value = init.Value;
            }
            else if (declaration is null && assigned is AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression } assign)
            {
                counter = model.GetSymbolInfo(assign.Left, cancellationToken).Symbol as ILocalSymbol;
                value = assign.Right;
            }
            else
            {
                Fail("the loop does not initialise a single counter", out why);
                return false;
            }
            if (!Constant(value, model, cancellationToken, out start))
            {
                Fail("the counter does not start at a constant", out why);
                return false;
            }
            if (counter is null || !IsInteger(counter.Type))
            {
                Fail("the counter is not an integer local", out why);
                return false;
            }
            return true;
        }

        /// <summary>
        /// How the counter changes once per iteration: by a constant added (<c>i++</c>, <c>i -= 3</c>), or by a constant
        /// multiplier or shift (<c>i *= 2</c>, <c>i &gt;&gt;= 1</c>, <c>i = i &lt;&lt; 2</c>). Not by a division: the verifier
        /// does not follow the value of a register through a division, so it could not walk such a loop to its end. The
        /// iterations are then counted by running the steps as C# runs them, so any step that reaches the bound within
        /// the cap is proven, and any that does not (<c>i *= 1</c>, <c>i &gt;&gt;= 1</c> from a negative start) is not.
        /// </summary>
        private readonly struct Stepper
        {
            public Stepper(SyntaxKind op, long amount)
            {
                Op = op;
                Amount = amount;
            }

            /// <summary><see cref="SyntaxKind.AddExpression"/>, Multiply, LeftShift, RightShift or UnsignedRightShift.</summary>
            public SyntaxKind Op { get; }
            public long Amount { get; }

            /// <summary>The counter after one step, as C# computes it; false when an added step overflows the type, or a ulong leaves long's range.</summary>
            public bool Next(long value, ITypeSymbol type, out long next)
            {
                next = 0;
                bool unsignedType = type.SpecialType is SpecialType.System_Byte or SpecialType.System_UInt16 or SpecialType.System_UInt32 or SpecialType.System_UInt64;
                int bits = type.SpecialType switch
                {
                    SpecialType.System_Int64 or SpecialType.System_UInt64 => 64,
                    _ => 32, // C# computes narrower types in int (or uint)
                };
                int shift = (int)(Amount & (bits - 1));
                unchecked
                {
                    switch (Op)
                    {
                        case SyntaxKind.AddExpression:
                            if (!InRange(value + Amount, type) || (Amount > 0 && value > long.MaxValue - Amount) || (Amount < 0 && value < long.MinValue - Amount)) return false;
                            next = value + Amount;
                            return true;
                        case SyntaxKind.MultiplyExpression:
                            next = value * Amount;
                            break;
                        case SyntaxKind.LeftShiftExpression:
                            next = bits == 64 ? value << shift : (long)((int)value << shift);
                            break;
                        case SyntaxKind.RightShiftExpression when unsignedType:
                        case SyntaxKind.UnsignedRightShiftExpression:
                            next = bits == 64 ? (long)((ulong)value >> shift) : (long)((uint)value >> shift);
                            if (!unsignedType && bits == 32) next = (int)(uint)next;
                            break;
                        case SyntaxKind.RightShiftExpression:
                            next = bits == 64 ? value >> shift : (long)((int)value >> shift);
                            break;
                        default:
                            return false;
                    }
                    if (type.SpecialType == SpecialType.System_UInt64)
                    {
                        return InRange(next, type);
                    }
                    next = Wrap(next, type);
                    return true;
                }
            }
        }

        private static bool Step(ExpressionSyntax expression, ILocalSymbol counter, SemanticModel model, CancellationToken cancellationToken, out Stepper step)
        {
            step = default;
            while (expression is ParenthesizedExpressionSyntax p) expression = p.Expression;
            switch (expression)
            {
                case PostfixUnaryExpressionSyntax p when Refers(p.Operand, counter, model, cancellationToken):
                    step = new Stepper(SyntaxKind.AddExpression, p.IsKind(SyntaxKind.PostIncrementExpression) ? 1 : -1);
                    return true;
                case PrefixUnaryExpressionSyntax p when Refers(p.Operand, counter, model, cancellationToken)
                    && (p.IsKind(SyntaxKind.PreIncrementExpression) || p.IsKind(SyntaxKind.PreDecrementExpression)):
                    step = new Stepper(SyntaxKind.AddExpression, p.IsKind(SyntaxKind.PreIncrementExpression) ? 1 : -1);
                    return true;
                case AssignmentExpressionSyntax a when Refers(a.Left, counter, model, cancellationToken) && Constant(a.Right, model, cancellationToken, out long amount):
                    {
                        var op = a.Kind() switch
                        {
                            SyntaxKind.AddAssignmentExpression => SyntaxKind.AddExpression,
                            SyntaxKind.SubtractAssignmentExpression => SyntaxKind.SubtractExpression,
                            SyntaxKind.MultiplyAssignmentExpression => SyntaxKind.MultiplyExpression,
                            SyntaxKind.LeftShiftAssignmentExpression => SyntaxKind.LeftShiftExpression,
                            SyntaxKind.RightShiftAssignmentExpression => SyntaxKind.RightShiftExpression,
                            SyntaxKind.UnsignedRightShiftAssignmentExpression => SyntaxKind.UnsignedRightShiftExpression,
                            _ => SyntaxKind.None,
                        };
                        return Stepping(op, amount, out step);
                    }
                case AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression } a when Refers(a.Left, counter, model, cancellationToken):
                    {
                        // i = i * 2, i = i >> 1, i = i + 3 (the counter on the left of the operator; i = 3 + i too).
                        var right = a.Right;
                        while (right is ParenthesizedExpressionSyntax or CheckedExpressionSyntax { RawKind: (int)SyntaxKind.UncheckedExpression })
                        {
                            right = right is ParenthesizedExpressionSyntax paren ? paren.Expression : ((CheckedExpressionSyntax)right).Expression;
                        }
                        if (right is not BinaryExpressionSyntax binary) return false;
                        if (Refers(binary.Left, counter, model, cancellationToken) && Constant(binary.Right, model, cancellationToken, out long operand)) return Stepping(binary.Kind(), operand, out step);
                        if (Refers(binary.Right, counter, model, cancellationToken) && Constant(binary.Left, model, cancellationToken, out operand)
                            && binary.Kind() is SyntaxKind.AddExpression or SyntaxKind.MultiplyExpression) return Stepping(binary.Kind(), operand, out step);
                        return false;
                    }
                default:
                    return false;
            }
        }

        private static bool Stepping(SyntaxKind op, long amount, out Stepper step)
        {
            step = default;
            switch (op)
            {
                case SyntaxKind.AddExpression when amount != 0:
                    step = new Stepper(SyntaxKind.AddExpression, amount);
                    return true;
                case SyntaxKind.SubtractExpression when amount != 0 && amount != long.MinValue:
                    step = new Stepper(SyntaxKind.AddExpression, -amount);
                    return true;
                case SyntaxKind.MultiplyExpression:
                case SyntaxKind.LeftShiftExpression:
                case SyntaxKind.RightShiftExpression:
                case SyntaxKind.UnsignedRightShiftExpression:
                    step = new Stepper(op, amount);
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>The comparison of the counter with a constant that bounds the loop.</summary>
        private static bool Bound(ExpressionSyntax? condition, ILocalSymbol counter, SemanticModel model, CancellationToken cancellationToken, out SyntaxKind op, out long limit,
            Func<ExpressionSyntax, long?>? lengthOf)
        {
            op = SyntaxKind.None;
            limit = 0;
            while (condition is ParenthesizedExpressionSyntax p) condition = p.Expression;
            if (condition is not BinaryExpressionSyntax binary) return false;
            if (binary.IsKind(SyntaxKind.LogicalAndExpression))
            {
                // Either side failing ends the loop: one bounded side bounds it.
                return Bound(binary.Left, counter, model, cancellationToken, out op, out limit, lengthOf)
                    || Bound(binary.Right, counter, model, cancellationToken, out op, out limit, lengthOf);
            }
            op = binary.Kind();
            if (Refers(binary.Left, counter, model, cancellationToken) && (Limit(binary.Right, model, cancellationToken, lengthOf, out limit)
                || OuterCounterLimit(binary.Right, op, counter, model, cancellationToken, lengthOf, out limit)))
            {
                return IsComparison(op);
            }
            if (Refers(binary.Right, counter, model, cancellationToken) && (Limit(binary.Left, model, cancellationToken, lengthOf, out limit)
                || OuterCounterLimit(binary.Left, Mirror(op), counter, model, cancellationToken, lengthOf, out limit)))
            {
                op = Mirror(op);
                return IsComparison(op);
            }
            return false;
        }

        /// <summary>
        /// A limit that is the counter of an enclosing proven <c>for</c> loop (<c>for (j = 0; j &lt; i; j++)</c>): the inner
        /// loop runs at most as often as with that counter's extreme value in its body (the greatest for <c>&lt;</c> and
        /// <c>&lt;=</c>, the least for <c>&gt;</c> and <c>&gt;=</c>), and takes no value it would not take then. Not for
        /// <c>!=</c>, which a step could jump over.
        /// </summary>
        private static bool OuterCounterLimit(ExpressionSyntax expression, SyntaxKind op, ILocalSymbol inner, SemanticModel model, CancellationToken cancellationToken,
            Func<ExpressionSyntax, long?>? lengthOf, out long limit)
        {
            limit = 0;
            while (expression is ParenthesizedExpressionSyntax p) expression = p.Expression;
            if (op is not (SyntaxKind.LessThanExpression or SyntaxKind.LessThanOrEqualExpression or SyntaxKind.GreaterThanExpression or SyntaxKind.GreaterThanOrEqualExpression)) return false;
            if (expression is not IdentifierNameSyntax || model.GetSymbolInfo(expression, cancellationToken).Symbol is not ILocalSymbol outer
                || SymbolEqualityComparer.Default.Equals(outer, inner)) return false;
            foreach (var loop in expression.Ancestors().OfType<ForStatementSyntax>())
            {
                if (!loop.Statement.Span.Contains(expression.Span)) continue;
                if (TryGetCounterRange(loop, model, cancellationToken, out var counter, out _, out _, out long bodyLow, out long bodyHigh, lengthOf)
                    && SymbolEqualityComparer.Default.Equals(counter, outer) && bodyLow <= bodyHigh)
                {
                    limit = op is SyntaxKind.LessThanExpression or SyntaxKind.LessThanOrEqualExpression ? bodyHigh : bodyLow;
                    return true;
                }
            }
            return false;
        }

        /// <summary>Integer locals the condition compares with a constant.</summary>
        private static IEnumerable<ILocalSymbol> Compared(ExpressionSyntax? condition, SemanticModel model, CancellationToken cancellationToken, Func<ExpressionSyntax, long?>? lengthOf)
        {
            while (condition is ParenthesizedExpressionSyntax p) condition = p.Expression;
            if (condition is not BinaryExpressionSyntax binary) yield break;
            if (binary.IsKind(SyntaxKind.LogicalAndExpression))
            {
                foreach (var local in Compared(binary.Left, model, cancellationToken, lengthOf)) yield return local;
                foreach (var local in Compared(binary.Right, model, cancellationToken, lengthOf)) yield return local;
                yield break;
            }
            if (!IsComparison(binary.Kind())) yield break;
            foreach (var (side, other) in new[] { (binary.Left, binary.Right), (binary.Right, binary.Left) })
            {
                var inner = side;
                while (inner is ParenthesizedExpressionSyntax p) inner = p.Expression;
                if (inner is IdentifierNameSyntax && model.GetSymbolInfo(inner, cancellationToken).Symbol is ILocalSymbol local && IsInteger(local.Type)
                    && Limit(other, model, cancellationToken, lengthOf, out _))
                {
                    yield return local;
                }
            }
        }

        private static bool Writes(SyntaxNode node, ILocalSymbol counter, SemanticModel model, CancellationToken cancellationToken)
        {
            foreach (var n in node.DescendantNodesAndSelf())
            {
                bool writes = n switch
                {
                    VariableDeclaratorSyntax v => SymbolEqualityComparer.Default.Equals(model.GetDeclaredSymbol(v, cancellationToken), counter),
                    AssignmentExpressionSyntax a => Refers(a.Left, counter, model, cancellationToken),
                    PostfixUnaryExpressionSyntax p when !p.IsKind(SyntaxKind.SuppressNullableWarningExpression) => Refers(p.Operand, counter, model, cancellationToken),
                    PrefixUnaryExpressionSyntax p when p.IsKind(SyntaxKind.PreIncrementExpression) || p.IsKind(SyntaxKind.PreDecrementExpression) => Refers(p.Operand, counter, model, cancellationToken),
                    ArgumentSyntax arg when !arg.RefKindKeyword.IsKind(SyntaxKind.None) => Refers(arg.Expression, counter, model, cancellationToken),
                    RefExpressionSyntax r => Refers(r.Expression, counter, model, cancellationToken),
                    _ => false,
                };
                if (writes) return true;
            }
            return false;
        }

        private static IEnumerable<StatementSyntax> StatementsOf(StatementSyntax body)
            => body is BlockSyntax block ? block.Statements : new[] { body };

        private static bool IsComparison(SyntaxKind op) => op is SyntaxKind.LessThanExpression or SyntaxKind.LessThanOrEqualExpression
            or SyntaxKind.GreaterThanExpression or SyntaxKind.GreaterThanOrEqualExpression or SyntaxKind.NotEqualsExpression;

        private static bool ContinuesSkipStep(StatementSyntax body)
        {
            foreach (var node in body.DescendantNodes(n => !(n is ForStatementSyntax || n is WhileStatementSyntax || n is DoStatementSyntax || n is ForEachStatementSyntax)))
            {
                if (node is ContinueStatementSyntax) return true;
            }
            return false;
        }

        private static long? Count(ILocalSymbol counter, long start, ExpressionSyntax? condition, Stepper step, StatementSyntax body, StatementSyntax? stepStatement,
            bool runsFirst, SemanticModel model, CancellationToken cancellationToken, out string why, out Range range, Func<ExpressionSyntax, long?>? lengthOf)
        {
            why = "";
            range = new Range(start);
            if (!Bound(condition, counter, model, cancellationToken, out var op, out long limit, lengthOf))
            {
                return Fail("the condition does not compare the counter with a constant or a span's Length", out why);
            }

            // The body must leave the counter alone (apart from the step itself).
            foreach (var statement in StatementsOf(body))
            {
                if (statement != stepStatement && Writes(statement, counter, model, cancellationToken)) return Fail("the loop body changes the counter", out why);
            }

            // Count the iterations exactly (bounded by the cap, so this terminates quickly).
            long trips = 0;
            long i = start;
            if (runsFirst)
            {
                trips = 1;
                range.Body(i);
                if (!step.Next(i, counter.Type, out i)) return Fail("the counter overflows before the condition fails", out why);
                range.Value(i);
            }
            while (Holds(op, i, limit))
            {
                if (++trips > MaxIterations) return Fail($"it runs more than {MaxIterations} times", out why);
                range.Body(i);
                if (!step.Next(i, counter.Type, out i)) return Fail("the counter overflows before the condition fails", out why);
                range.Value(i);
            }
            return trips;
        }

        private static long? Fail(string reason, out string why)
        {
            why = reason;
            return null;
        }

        private static bool Holds(SyntaxKind op, long value, long limit) => op switch
        {
            SyntaxKind.LessThanExpression => value < limit,
            SyntaxKind.LessThanOrEqualExpression => value <= limit,
            SyntaxKind.GreaterThanExpression => value > limit,
            SyntaxKind.GreaterThanOrEqualExpression => value >= limit,
            SyntaxKind.NotEqualsExpression => value != limit,
            _ => false,
        };

        private static SyntaxKind Mirror(SyntaxKind op) => op switch
        {
            SyntaxKind.LessThanExpression => SyntaxKind.GreaterThanExpression,
            SyntaxKind.LessThanOrEqualExpression => SyntaxKind.GreaterThanOrEqualExpression,
            SyntaxKind.GreaterThanExpression => SyntaxKind.LessThanExpression,
            SyntaxKind.GreaterThanOrEqualExpression => SyntaxKind.LessThanOrEqualExpression,
            _ => op,
        };

        private static bool IsInteger(ITypeSymbol type) => type.SpecialType is SpecialType.System_SByte or SpecialType.System_Byte
            or SpecialType.System_Int16 or SpecialType.System_UInt16 or SpecialType.System_Int32 or SpecialType.System_UInt32
            or SpecialType.System_Int64 or SpecialType.System_UInt64;

        private static long Wrap(long value, ITypeSymbol type) => type.SpecialType switch
        {
            SpecialType.System_SByte => (sbyte)value,
            SpecialType.System_Byte => (byte)value,
            SpecialType.System_Int16 => (short)value,
            SpecialType.System_UInt16 => (ushort)value,
            SpecialType.System_Int32 => (int)value,
            SpecialType.System_UInt32 => (uint)value,
            _ => value,
        };

        private static bool InRange(long value, ITypeSymbol type) => type.SpecialType switch
        {
            SpecialType.System_SByte => value >= sbyte.MinValue && value <= sbyte.MaxValue,
            SpecialType.System_Byte => value >= 0 && value <= byte.MaxValue,
            SpecialType.System_Int16 => value >= short.MinValue && value <= short.MaxValue,
            SpecialType.System_UInt16 => value >= 0 && value <= ushort.MaxValue,
            SpecialType.System_Int32 => value >= int.MinValue && value <= int.MaxValue,
            SpecialType.System_UInt32 => value >= 0 && value <= uint.MaxValue,
            SpecialType.System_UInt64 => value >= 0,
            _ => true,
        };

        private static bool Refers(ExpressionSyntax expression, ILocalSymbol counter, SemanticModel model, CancellationToken cancellationToken)
        {
            while (expression is ParenthesizedExpressionSyntax p) expression = p.Expression;
            return expression is IdentifierNameSyntax && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(expression, cancellationToken).Symbol, counter);
        }

        /// <summary>A loop limit: a constant, or <c>span.Length</c> of a span whose length is known.</summary>
        private static bool Limit(ExpressionSyntax expression, SemanticModel model, CancellationToken cancellationToken, Func<ExpressionSyntax, long?>? lengthOf, out long value)
        {
            if (Constant(expression, model, cancellationToken, out value)) return true;
            while (expression is ParenthesizedExpressionSyntax p) expression = p.Expression;
            if (lengthOf is not null && expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Length" } access && lengthOf(access.Expression) is long length)
            {
                value = length;
                return true;
            }
            return false;
        }

        private static bool Constant(ExpressionSyntax expression, SemanticModel model, CancellationToken cancellationToken, out long value)
        {
            value = 0;
            var constant = model.GetConstantValue(expression, cancellationToken);
            if (!constant.HasValue || constant.Value is null || constant.Value is bool || constant.Value is string || constant.Value is float || constant.Value is double || constant.Value is decimal) return false;
            try
            {
                value = constant.Value is ulong u ? (u > long.MaxValue ? throw new OverflowException() : (long)u) : Convert.ToInt64(constant.Value, System.Globalization.CultureInfo.InvariantCulture);
                return true;
            }
            catch (OverflowException)
            {
                return false;
            }
        }
    }
}

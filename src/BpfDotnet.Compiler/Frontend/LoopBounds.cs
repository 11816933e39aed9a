using System;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// Proves that a <c>for</c> loop runs a bounded number of times: one integer counter starting at a
    /// constant, compared with a constant, stepped by a constant towards it, and not assigned in the body.
    /// The kernel verifier then follows the loop to its end; the trip count is capped so that it can.
    /// </summary>
    public static class LoopBounds
    {
        /// <summary>Most iterations a loop may have (the verifier walks each one).</summary>
        public const long MaxIterations = 8192;

        /// <summary>The number of iterations, or null (with <paramref name="why"/>) when no bound is proven.</summary>
        public static long? TripCount(ForStatementSyntax loop, SemanticModel model, CancellationToken cancellationToken, out string why)
        {
            why = "";
            // The counter and its start.
            ILocalSymbol? counter = null;
            long start;
            if (loop.Declaration is { Variables.Count: 1 } declaration && declaration.Variables[0].Initializer is { } init)
            {
                counter = model.GetDeclaredSymbol(declaration.Variables[0], cancellationToken) as ILocalSymbol;
                if (!Constant(init.Value, model, cancellationToken, out start)) return Fail("the counter does not start at a constant", out why);
            }
            else if (loop.Declaration is null && loop.Initializers.Count == 1 && loop.Initializers[0] is AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression } assign)
            {
                counter = model.GetSymbolInfo(assign.Left, cancellationToken).Symbol as ILocalSymbol;
                if (!Constant(assign.Right, model, cancellationToken, out start)) return Fail("the counter does not start at a constant", out why);
            }
            else
            {
                return Fail("the loop does not initialise a single counter", out why);
            }
            if (counter is null || !IsInteger(counter.Type)) return Fail("the counter is not an integer local", out why);

            // The condition: counter <op> constant.
            if (loop.Condition is not BinaryExpressionSyntax condition) return Fail("the condition does not compare the counter with a constant", out why);
            var op = condition.Kind();
            long limit;
            if (Refers(condition.Left, counter, model, cancellationToken) && Constant(condition.Right, model, cancellationToken, out limit)) { }
            else if (Refers(condition.Right, counter, model, cancellationToken) && Constant(condition.Left, model, cancellationToken, out limit)) op = Mirror(op);
            else return Fail("the condition does not compare the counter with a constant", out why);

            // The step.
            if (loop.Incrementors.Count != 1) return Fail("the loop does not step the counter once per iteration", out why);
            long step;
            switch (loop.Incrementors[0])
            {
                case PostfixUnaryExpressionSyntax p when Refers(p.Operand, counter, model, cancellationToken):
                    step = p.IsKind(SyntaxKind.PostIncrementExpression) ? 1 : -1;
                    break;
                case PrefixUnaryExpressionSyntax p when Refers(p.Operand, counter, model, cancellationToken):
                    step = p.IsKind(SyntaxKind.PreIncrementExpression) ? 1 : -1;
                    break;
                case AssignmentExpressionSyntax a when Refers(a.Left, counter, model, cancellationToken)
                    && (a.IsKind(SyntaxKind.AddAssignmentExpression) || a.IsKind(SyntaxKind.SubtractAssignmentExpression))
                    && Constant(a.Right, model, cancellationToken, out long amount) && amount > 0:
                    step = a.IsKind(SyntaxKind.AddAssignmentExpression) ? amount : -amount;
                    break;
                default:
                    return Fail("the counter is not stepped by a constant", out why);
            }

            // The body must leave the counter alone.
            foreach (var node in loop.Statement.DescendantNodesAndSelf())
            {
                bool writes = node switch
                {
                    AssignmentExpressionSyntax a => Refers(a.Left, counter, model, cancellationToken),
                    PostfixUnaryExpressionSyntax p when !p.IsKind(SyntaxKind.SuppressNullableWarningExpression) => Refers(p.Operand, counter, model, cancellationToken),
                    PrefixUnaryExpressionSyntax p when p.IsKind(SyntaxKind.PreIncrementExpression) || p.IsKind(SyntaxKind.PreDecrementExpression) => Refers(p.Operand, counter, model, cancellationToken),
                    ArgumentSyntax arg when !arg.RefKindKeyword.IsKind(SyntaxKind.None) => Refers(arg.Expression, counter, model, cancellationToken),
                    RefExpressionSyntax r => Refers(r.Expression, counter, model, cancellationToken),
                    _ => false,
                };
                if (writes) return Fail("the loop body changes the counter", out why);
            }

            // Count the iterations exactly (bounded by the cap, so this terminates quickly).
            long trips = 0;
            for (long i = start; Holds(op, i, limit); i += step)
            {
                if (++trips > MaxIterations) return Fail($"it runs more than {MaxIterations} times", out why);
                if (!InRange(i + step, counter.Type)) return Fail("the counter overflows before the condition fails", out why);
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

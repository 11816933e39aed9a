using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BpfDotnet.Compiler.Frontend
{
    internal sealed partial class Lowering
    {
        /// <summary>
        /// The values a variable can hold where <paramref name="at"/> runs, as the tests around it bound them:
        /// <c>if (n &gt;= 0 &amp;&amp; n &lt; 16)</c>, <c>if ((uint)n &lt; 16)</c>, <c>n is &gt;= 0 and &lt; 16</c>, an
        /// earlier <c>if (n &gt; 15) return ...;</c>, the condition of the loop it is in, with nothing assigning the
        /// variable (or referring to it) in between; without tests, the range of its type. Null when
        /// <paramref name="value"/> is not such a variable.
        /// </summary>
        private (long Low, long High)? GuardedRange(SyntaxNode at, IOperation value)
        {
            var narrow = StripWidening(value);
            var path = VariablePath(narrow);
            if (path is null) return null;
            var (size, signed) = ScalarInfo(narrow.Type);
            long low = signed ? MinValueOf(size) : 0, high = signed ? MaxValueOf(size) : (size >= 8 ? long.MaxValue : (long)MaxUnsigned(size));
            bool unsigned64 = !signed && size >= 8;
            var model = ModelFor(at.SyntaxTree);
            foreach (var (condition, sense, first, last) in Guards(at))
            {
                if (!Unwritten(path[0], first, last, model) || !Unwritten(path[0], condition, condition, model)) continue;
                var test = model.GetOperation(WithoutUnchecked(condition), _cancellationToken);
                if (test is null || Implied(test, sense, path) is not { } bound) continue;
                low = Math.Max(low, bound.Low);
                high = Math.Min(high, bound.High);
            }
            if (unsigned64 && high == long.MaxValue) return null; // a ulong may lie above long.MaxValue
            if (low > high || IsAliased(path[0], at)) return null;
            return (low, high);
        }

        private static long MaxValueOf(int size) => size >= 8 ? long.MaxValue : size == 4 ? int.MaxValue : size == 2 ? short.MaxValue : sbyte.MaxValue;

        private static ulong MaxUnsigned(int size) => size >= 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;

        /// <summary>The range a test taken in <paramref name="sense"/> leaves the variable, or null when it says nothing of it.</summary>
        private static (long Low, long High)? Implied(IOperation test, bool sense, System.Collections.Generic.List<ISymbol> path)
        {
            switch (test)
            {
                case IParenthesizedOperation paren:
                    return Implied(paren.Operand, sense, path);
                case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not, OperatorMethod: null } not:
                    return Implied(not.Operand, !sense, path);
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd } both when sense:
                    return Intersect(Implied(both.LeftOperand, true, path), Implied(both.RightOperand, true, path));
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalOr } either when !sense:
                    return Intersect(Implied(either.LeftOperand, false, path), Implied(either.RightOperand, false, path));
                case IBinaryOperation { OperatorMethod: null } compare when IsRelational(compare.OperatorKind):
                    {
                        var kind = compare.OperatorKind;
                        IOperation variable;
                        long constant;
                        if (Constant(compare.RightOperand, out constant)) variable = compare.LeftOperand;
                        else if (Constant(compare.LeftOperand, out constant)) { variable = compare.RightOperand; kind = Mirror(kind); }
                        else return null;
                        if (!sense) kind = Negate(kind);
                        bool reinterpreted = false;
                        if (!SamePath(variable, path))
                        {
                            // (uint)n < 16 bounds a signed n on both sides: a negative n is a large unsigned value.
                            if (StripParenthesesOp(variable) is not IConversionOperation { OperatorMethod: null } conversion
                                || !SamePath(conversion.Operand, path)) return null;
                            var (toSize, toSigned) = ScalarInfo(conversion.Type);
                            var (fromSize, fromSigned) = ScalarInfo(conversion.Operand.Type);
                            if (toSigned || !fromSigned || toSize < fromSize) return null;
                            reinterpreted = true;
                        }
                        var range = RelationRange(kind, constant);
                        if (range is null) return null;
                        if (reinterpreted)
                        {
                            // Only an upper bound of the unsigned view that a signed value can hold says it is not negative.
                            if (range.Value.Low != long.MinValue || range.Value.High < 0 || range.Value.High > int.MaxValue) return null;
                            return (0, range.Value.High);
                        }
                        return range;
                    }
                case IIsPatternOperation isPattern when SamePath(isPattern.Value, path):
                    return sense ? PatternRange(isPattern.Pattern) : null;
                default:
                    return null;
            }
        }

        /// <summary>The values a pattern of relational and constant tests matches, when they form one interval.</summary>
        private static (long Low, long High)? PatternRange(IPatternOperation pattern)
        {
            switch (pattern)
            {
                case IConstantPatternOperation constant when Constant(constant.Value, out long c):
                    return (c, c);
                case IRelationalPatternOperation relational when Constant(relational.Value, out long c):
                    return RelationRange(relational.OperatorKind, c);
                case IBinaryPatternOperation { OperatorKind: BinaryOperatorKind.And } both:
                    return Intersect(PatternRange(both.LeftPattern), PatternRange(both.RightPattern));
                default:
                    return null;
            }
        }

        private static (long Low, long High)? Intersect((long Low, long High)? a, (long Low, long High)? b)
        {
            if (a is null) return b;
            if (b is null) return a;
            return (Math.Max(a.Value.Low, b.Value.Low), Math.Min(a.Value.High, b.Value.High));
        }

        /// <summary>The values <c>x</c> for which <c>x (kind) c</c> holds, as one interval; null when they are not one (or c is an extreme).</summary>
        private static (long Low, long High)? RelationRange(BinaryOperatorKind kind, long c)
        {
            if (c == long.MinValue || c == long.MaxValue) return null;
            return kind switch
            {
                BinaryOperatorKind.LessThan => (long.MinValue, c - 1),
                BinaryOperatorKind.LessThanOrEqual => (long.MinValue, c),
                BinaryOperatorKind.GreaterThan => (c + 1, long.MaxValue),
                BinaryOperatorKind.GreaterThanOrEqual => (c, long.MaxValue),
                BinaryOperatorKind.Equals => (c, c),
                _ => null,
            };
        }

        private static BinaryOperatorKind Negate(BinaryOperatorKind kind) => kind switch
        {
            BinaryOperatorKind.LessThan => BinaryOperatorKind.GreaterThanOrEqual,
            BinaryOperatorKind.LessThanOrEqual => BinaryOperatorKind.GreaterThan,
            BinaryOperatorKind.GreaterThan => BinaryOperatorKind.LessThanOrEqual,
            BinaryOperatorKind.GreaterThanOrEqual => BinaryOperatorKind.LessThan,
            BinaryOperatorKind.Equals => BinaryOperatorKind.NotEquals,
            BinaryOperatorKind.NotEquals => BinaryOperatorKind.Equals,
            _ => kind,
        };

        private static IOperation StripParenthesesOp(IOperation op)
        {
            while (op is IParenthesizedOperation paren) op = paren.Operand;
            return op;
        }
    }
}

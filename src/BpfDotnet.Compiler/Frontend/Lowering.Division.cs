using System.Collections.Generic;
using System.Linq;
using BpfDotnet.Compiler.Ir;
using BpfDotnet.Compiler.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// Division by a variable. C# throws for a zero divisor and for <c>MinValue / -1</c>; eBPF yields 0 (or the
    /// dividend) and carries on. A variable divisor therefore compiles only where the source proves those cases
    /// cannot happen: the division sits where a test of the same variable has ruled out 0 (and, for signed
    /// division, -1 unless the dividend cannot be <c>MinValue</c>), and nothing writes the variable in between.
    /// The proof is read from the syntax: the branch of an <c>if</c>, <c>?:</c>, <c>&amp;&amp;</c>, <c>||</c>,
    /// <c>while</c> or <c>for</c> the division is in, or an earlier <c>if (d == 0) return ...;</c> in the same block.
    /// </summary>
    internal sealed partial class Lowering
    {
        /// <summary>What the source proves about a division by a variable.</summary>
        private readonly struct DivisionFacts
        {
            public DivisionFacts(bool divisorNonZero, bool divisorNotMinusOne, bool dividendNotMinValue, bool bothNonNegative, bool divisorIsVariable = true)
            {
                DivisorIsVariable = divisorIsVariable;
                DivisorNonZero = divisorNonZero;
                DivisorNotMinusOne = divisorNotMinusOne;
                DividendNotMinValue = dividendNotMinValue;
                BothNonNegative = bothNonNegative;
            }

            /// <summary>The divisor is a variable a test can speak for (not memory that may change in between).</summary>
            public bool DivisorIsVariable { get; }

            public bool DivisorNonZero { get; }
            public bool DivisorNotMinusOne { get; }
            public bool DividendNotMinValue { get; }
            /// <summary>Both operands come from narrower unsigned values: the unsigned divide gives the C# result.</summary>
            public bool BothNonNegative { get; }

            public bool Proven(bool signed) => DivisorNonZero && (!signed || BothNonNegative || DivisorNotMinusOne || DividendNotMinValue);
        }

        /// <summary>
        /// Division or remainder by a register: proven safe by <see cref="ProveDivision"/>, or BPF0016. Unsigned (and
        /// provably non-negative) operands use the unsigned divide; signed ones use cpu v4's signed divide, or the
        /// unsigned divide of the magnitudes with the sign restored.
        /// </summary>
        private Operand DivideByRegister(BinaryOperatorKind kind, Operand left, int divisor, int size, bool signed, IOperation at)
        {
            var facts = ProveDivision(at.Syntax, size);
            if (!facts.Proven(signed))
            {
                string variable = DivisorText(at.Syntax);
                bool minusOneMatters = signed && !facts.BothNonNegative && !facts.DividendNotMinValue;
                string Test(string name) => facts.DivisorNonZero ? name + " != -1" : minusOneMatters ? name + " > 0" : name + " != 0";
                Report(Diagnostics.DiagnosticDescriptors.UnsupportedDivision, at.Syntax, at.Syntax.ToString(), facts.DivisorIsVariable
                    ? "test the divisor first (for example 'if (" + Test(variable) + ")') so that the division runs only with a divisor C# accepts, and nothing assigns '" + variable + "' in between"
                    : "'" + variable + "' is not a local, parameter or readonly field, so it may change between a test and the division: copy it to a local and test that, for example 'if (" + Test("n") + ")' after 'var n = " + variable + ";'");
                return Operand.Const(0);
            }
            var op = kind == BinaryOperatorKind.Divide ? AluOp.Div : AluOp.Mod;
            int dividend = Materialize(left);
            if (!signed || facts.BothNonNegative)
            {
                return Operand.InReg(_b.Alu(op, dividend, divisor, size < 8));
            }
            if (TargetCpu.Of(_model.SyntaxTree) >= BpfCpu.V4)
            {
                // sdiv/smod at 64 bits on canonical values: the result fits the type (MinValue / -1 is ruled out).
                int r = Function.NewReg();
                _b.Emit(new IrInstruction { Op = IrOp.Alu, Alu = op, Dst = r, A = dividend, B = divisor, Signed = true });
                return Operand.InReg(r);
            }
            int dividendSign = _b.AluImm(AluOp.Arsh, dividend, 63, false);
            int divisorSign = _b.AluImm(AluOp.Arsh, divisor, 63, false);
            int unsignedResult = _b.Alu(op, Magnitude(dividend, dividendSign), Magnitude(divisor, divisorSign), false);
            // The quotient's sign is the operands' signs combined; the remainder's is the dividend's.
            int sign = op == AluOp.Div ? _b.Alu(AluOp.Xor, dividendSign, divisorSign, false) : dividendSign;
            return Operand.InReg(Magnitude(unsignedResult, sign));
        }

        /// <summary>(x ^ s) - s: |x| when s is x's sign mask, or x negated when s is all ones.</summary>
        private int Magnitude(int value, int signMask) => _b.Alu(AluOp.Sub, _b.Alu(AluOp.Xor, value, signMask, false), signMask, false);

        private static string DivisorText(SyntaxNode division) => division switch
        {
            BinaryExpressionSyntax binary => StripParentheses(binary.Right).ToString(),
            AssignmentExpressionSyntax assignment => StripParentheses(assignment.Right).ToString(),
            InvocationExpressionSyntax { ArgumentList.Arguments.Count: >= 2 } divRem => StripParentheses(divRem.ArgumentList.Arguments[1].Expression).ToString(),
            _ => "the divisor",
        };

        private static ExpressionSyntax WithoutUnchecked(ExpressionSyntax e)
        {
            while (true)
            {
                if (e is ParenthesizedExpressionSyntax p) e = p.Expression;
                else if (e is CheckedExpressionSyntax c && c.IsKind(SyntaxKind.UncheckedExpression)) e = c.Expression;
                else return e;
            }
        }

        private static ExpressionSyntax StripParentheses(ExpressionSyntax e)
        {
            while (e is ParenthesizedExpressionSyntax p) e = p.Expression;
            return e;
        }

        private DivisionFacts ProveDivision(SyntaxNode division, int size)
        {
            ExpressionSyntax? dividendSyntax, divisorSyntax;
            switch (division)
            {
                case BinaryExpressionSyntax binary: dividendSyntax = binary.Left; divisorSyntax = binary.Right; break;
                case AssignmentExpressionSyntax assignment: dividendSyntax = assignment.Left; divisorSyntax = assignment.Right; break;
                case InvocationExpressionSyntax { ArgumentList.Arguments.Count: >= 2 } divRem:
                    dividendSyntax = divRem.ArgumentList.Arguments[0].Expression;
                    divisorSyntax = divRem.ArgumentList.Arguments[1].Expression;
                    break;
                default: return default;
            }
            var model = ModelFor(division.SyntaxTree);
            // unchecked(...) has no operation of its own: read through it.
            var divisor = model.GetOperation(WithoutUnchecked(divisorSyntax), _cancellationToken);
            var dividend = model.GetOperation(WithoutUnchecked(dividendSyntax), _cancellationToken);
            if (divisor is null || dividend is null) return default;

            var narrowDivisor = StripWidening(divisor);
            var narrowDividend = StripWidening(dividend);
            var (divisorSize, divisorSigned) = ScalarInfo(narrowDivisor.Type);
            var (dividendSize, dividendSigned) = ScalarInfo(narrowDividend.Type);
            bool dividendNotMinValue = dividendSize < size
                || (narrowDividend.ConstantValue.HasValue && narrowDividend.ConstantValue.Value is not null && !IsMinValue(narrowDividend, size));
            bool bothNonNegative = !dividendSigned && dividendSize < size && !divisorSigned && divisorSize < size;
            bool divisorNotMinusOne = !divisorSigned && divisorSize < size;

            var path = VariablePath(narrowDivisor);
            if (path is null) return new DivisionFacts(false, divisorNotMinusOne, dividendNotMinValue, bothNonNegative, divisorIsVariable: false);
            bool nonZero = RuledOutAt(division, path, model, 0);
            divisorNotMinusOne |= RuledOutAt(division, path, model, -1);
            return new DivisionFacts(nonZero, divisorNotMinusOne, dividendNotMinValue, bothNonNegative);
        }

        /// <summary>
        /// True when, wherever <paramref name="at"/> runs, a test of the variable <paramref name="path"/> has ruled out
        /// <paramref name="value"/>, with nothing assigning the variable (or taking a reference to it) in between.
        /// </summary>
        private bool RuledOutAt(SyntaxNode at, List<ISymbol> path, SemanticModel model, long value)
        {
            foreach (var (condition, sense, first, last) in Guards(at))
            {
                if (!Unwritten(path[0], first, last, model) || !Unwritten(path[0], condition, condition, model)) continue;
                var test = model.GetOperation(WithoutUnchecked(condition), _cancellationToken);
                if (test is not null && RulesOut(test, sense, value, path)) return !IsAliased(path[0], at);
            }
            return false;
        }

        /// <summary>True for a constant that is <paramref name="size"/>-byte signed <c>MinValue</c>.</summary>
        private static bool IsMinValue(IOperation constant, int size) => Constant(constant, out long value) && value == MinValueOf(size);

        private static long MinValueOf(int size) => size >= 8 ? long.MinValue : size == 4 ? int.MinValue : size == 2 ? short.MinValue : sbyte.MinValue;

        /// <summary>Removes parentheses and conversions that keep every value (widening, or identity).</summary>
        private static IOperation StripWidening(IOperation op)
        {
            while (true)
            {
                switch (op)
                {
                    case IParenthesizedOperation paren:
                        op = paren.Operand;
                        continue;
                    case IConversionOperation conversion when conversion.OperatorMethod is null && !conversion.IsChecked
                        && IsInteger(conversion.Type) && IsInteger(conversion.Operand.Type):
                        var (toSize, toSigned) = ScalarInfo(conversion.Type);
                        var (fromSize, fromSigned) = ScalarInfo(conversion.Operand.Type);
                        if (fromSize == toSize ? fromSigned == toSigned : fromSize < toSize && (!fromSigned || toSigned))
                        {
                            op = conversion.Operand;
                            continue;
                        }
                        return op;
                    default:
                        return op;
                }
            }
        }

        private static bool IsInteger(ITypeSymbol? type)
            => type is not null && type.TypeKind != TypeKind.Pointer && type.SpecialType != SpecialType.System_Boolean && IsScalar(type);

        /// <summary>
        /// The variable an expression reads: a by-value local or parameter, a <c>static readonly</c> field, or a
        /// field path into one of them (<c>v.Count</c>). Root first. Null for anything else (memory that another
        /// CPU or a pointer may change between the test and the division).
        /// </summary>
        private static List<ISymbol>? VariablePath(IOperation op)
        {
            op = StripWidening(op);
            var path = new List<ISymbol>();
            while (op is IFieldReferenceOperation { Field.IsStatic: false, Instance: { } instance } field && instance.Type?.IsValueType == true && !field.Field.IsFixedSizeBuffer)
            {
                path.Add(field.Field);
                op = instance;
            }
            switch (op)
            {
                case ILocalReferenceOperation local when !local.Local.IsRef:
                    path.Add(local.Local);
                    break;
                case IParameterReferenceOperation parameter when parameter.Parameter.RefKind == RefKind.None:
                    path.Add(parameter.Parameter);
                    break;
                case IFieldReferenceOperation { Field: { IsStatic: true, IsReadOnly: true } root }:
                    path.Add(root);
                    break;
                default:
                    return null;
            }
            path.Reverse();
            return path;
        }

        private static bool SamePath(IOperation op, List<ISymbol> path)
        {
            var other = VariablePath(op);
            return other is not null && other.Count == path.Count && other.Zip(path, (a, b) => SymbolEqualityComparer.Default.Equals(a, b)).All(x => x);
        }

        /// <summary>
        /// The tests that hold (or fail, when the sense is false) wherever <paramref name="division"/> runs, each
        /// with the code that runs between the test and the division.
        /// </summary>
        private static IEnumerable<(ExpressionSyntax Condition, bool Sense, SyntaxNode First, SyntaxNode Last)> Guards(SyntaxNode division)
        {
            SyntaxNode child = division;
            for (var parent = child.Parent; parent is not null; child = parent, parent = parent.Parent)
            {
                if (parent is MemberDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax) yield break;
                switch (parent)
                {
                    case IfStatementSyntax ifStatement when child == ifStatement.Statement:
                        yield return (ifStatement.Condition, true, child, child);
                        break;
                    case ElseClauseSyntax elseClause when elseClause.Parent is IfStatementSyntax owner:
                        yield return (owner.Condition, false, child, child);
                        break;
                    case ConditionalExpressionSyntax conditional when child == conditional.WhenTrue:
                        yield return (conditional.Condition, true, child, child);
                        break;
                    case ConditionalExpressionSyntax conditional when child == conditional.WhenFalse:
                        yield return (conditional.Condition, false, child, child);
                        break;
                    case BinaryExpressionSyntax logical when child == logical.Right && logical.IsKind(SyntaxKind.LogicalAndExpression):
                        yield return (logical.Left, true, child, child);
                        break;
                    case BinaryExpressionSyntax logical when child == logical.Right && logical.IsKind(SyntaxKind.LogicalOrExpression):
                        yield return (logical.Left, false, child, child);
                        break;
                    case WhileStatementSyntax loop when child == loop.Statement:
                        yield return (loop.Condition, true, child, child);
                        break;
                    case ForStatementSyntax loop when child == loop.Statement && loop.Condition is not null:
                        yield return (loop.Condition, true, child, child);
                        break;
                    case BlockSyntax block:
                        foreach (var guard in EarlyExits(block.Statements, child)) yield return guard;
                        break;
                    case SwitchSectionSyntax section:
                        foreach (var guard in EarlyExits(section.Statements, child)) yield return guard;
                        break;
                }
            }
        }

        /// <summary><c>if (d == 0) return ...;</c> before <paramref name="child"/>: the rest of the block runs only when the test failed.</summary>
        private static IEnumerable<(ExpressionSyntax, bool, SyntaxNode, SyntaxNode)> EarlyExits(SyntaxList<StatementSyntax> statements, SyntaxNode child)
        {
            int index = statements.IndexOf(s => s == child);
            for (int i = 0; i < index; i++)
            {
                if (statements[i] is IfStatementSyntax { Else: null } guard && !EndReachable(guard.Statement))
                {
                    // The code between the test and the division: the statements after the test up to the division's.
                    yield return (guard.Condition, false, statements[i + 1], statements[index]);
                }
            }
        }

        /// <summary>True when control can leave <paramref name="statement"/> at its end (it does not always return, break or continue).</summary>
        private static bool EndReachable(StatementSyntax statement) => statement switch
        {
            ReturnStatementSyntax or BreakStatementSyntax or ContinueStatementSyntax or ThrowStatementSyntax => false,
            BlockSyntax block => block.Statements.Count == 0 || EndReachable(block.Statements[block.Statements.Count - 1]),
            _ => true,
        };

        /// <summary>
        /// True when the test is known to reject <paramref name="value"/> for the variable: with the test taken in
        /// <paramref name="sense"/>, the variable cannot hold that value.
        /// </summary>
        private static bool RulesOut(IOperation test, bool sense, long value, List<ISymbol> path)
        {
            switch (test)
            {
                case IParenthesizedOperation paren:
                    return RulesOut(paren.Operand, sense, value, path);
                case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not, OperatorMethod: null } not:
                    return RulesOut(not.Operand, !sense, value, path);
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd } both when sense:
                    return RulesOut(both.LeftOperand, true, value, path) || RulesOut(both.RightOperand, true, value, path);
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalOr } either when !sense:
                    return RulesOut(either.LeftOperand, false, value, path) || RulesOut(either.RightOperand, false, value, path);
                case IBinaryOperation { OperatorMethod: null } compare when IsRelational(compare.OperatorKind):
                    {
                        var kind = compare.OperatorKind;
                        long constant;
                        if (SamePath(compare.LeftOperand, path) && Constant(compare.RightOperand, out constant)) { }
                        else if (SamePath(compare.RightOperand, path) && Constant(compare.LeftOperand, out constant)) kind = Mirror(kind);
                        else return false;
                        return Compare(value, kind, constant) != sense;
                    }
                case IIsPatternOperation isPattern when SamePath(isPattern.Value, path):
                    return Matches(isPattern.Pattern, value) is bool matches && matches != sense;
                default:
                    return false;
            }
        }

        /// <summary>Whether <paramref name="value"/> matches a pattern of constants; null when it cannot be told.</summary>
        private static bool? Matches(IPatternOperation pattern, long value)
        {
            switch (pattern)
            {
                case IConstantPatternOperation constant when Constant(constant.Value, out long c):
                    return value == c;
                case IRelationalPatternOperation relational when Constant(relational.Value, out long c):
                    return Compare(value, relational.OperatorKind, c);
                case INegatedPatternOperation negated:
                    return !Matches(negated.Pattern, value);
                case IBinaryPatternOperation binary:
                    {
                        var left = Matches(binary.LeftPattern, value);
                        var right = Matches(binary.RightPattern, value);
                        if (binary.OperatorKind == BinaryOperatorKind.And)
                        {
                            if (left == false || right == false) return false;
                            return left == true && right == true ? true : null;
                        }
                        if (left == true || right == true) return true;
                        return left == false && right == false ? false : null;
                    }
                default:
                    return null;
            }
        }

        private static bool Constant(IOperation op, out long value)
        {
            value = 0;
            var constant = op.ConstantValue;
            if (!constant.HasValue || constant.Value is null || constant.Value is bool) return false;
            try
            {
                value = System.Convert.ToInt64(constant.Value, System.Globalization.CultureInfo.InvariantCulture);
                return true;
            }
            catch (System.Exception e) when (e is System.OverflowException || e is System.InvalidCastException || e is System.FormatException)
            {
                return false;
            }
        }

        private static BinaryOperatorKind Mirror(BinaryOperatorKind kind) => kind switch
        {
            BinaryOperatorKind.LessThan => BinaryOperatorKind.GreaterThan,
            BinaryOperatorKind.LessThanOrEqual => BinaryOperatorKind.GreaterThanOrEqual,
            BinaryOperatorKind.GreaterThan => BinaryOperatorKind.LessThan,
            BinaryOperatorKind.GreaterThanOrEqual => BinaryOperatorKind.LessThanOrEqual,
            _ => kind,
        };

        private static bool Compare(long value, BinaryOperatorKind kind, long constant) => kind switch
        {
            BinaryOperatorKind.Equals => value == constant,
            BinaryOperatorKind.NotEquals => value != constant,
            BinaryOperatorKind.LessThan => value < constant,
            BinaryOperatorKind.LessThanOrEqual => value <= constant,
            BinaryOperatorKind.GreaterThan => value > constant,
            BinaryOperatorKind.GreaterThanOrEqual => value >= constant,
            _ => false,
        };

        /// <summary>True when nothing from <paramref name="first"/> to <paramref name="last"/> assigns <paramref name="root"/> (or a field of it).</summary>
        private static bool Unwritten(ISymbol root, SyntaxNode first, SyntaxNode last, SemanticModel model)
        {
            if (root is IFieldSymbol) return true; // static readonly
            DataFlowAnalysis? flow = (first, last) switch
            {
                (StatementSyntax a, StatementSyntax b) => model.AnalyzeDataFlow(a, b),
                (ExpressionSyntax e, _) when e == last => model.AnalyzeDataFlow(e),
                _ => null,
            };
            if (flow is null || !flow.Succeeded) return false;
            return !flow.WrittenInside.Contains(root, SymbolEqualityComparer.Default);
        }

        /// <summary>True when the variable may be changed through a reference or pointer: <c>ref d</c>, <c>out d</c>, <c>&amp;d</c>.</summary>
        private bool IsAliased(ISymbol root, SyntaxNode division)
        {
            if (root is IFieldSymbol) return false;
            var body = division.Ancestors().FirstOrDefault(a => a is MemberDeclarationSyntax);
            if (body is null) return true;
            var model = ModelFor(division.SyntaxTree);
            foreach (var name in body.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (name.Identifier.ValueText != root.Name) continue;
                SyntaxNode outer = name;
                while (outer.Parent is MemberAccessExpressionSyntax access && access.Expression == outer || outer.Parent is ParenthesizedExpressionSyntax) outer = outer.Parent!;
                bool byReference = outer.Parent is RefExpressionSyntax
                    || (outer.Parent is ArgumentSyntax argument && !argument.RefKindKeyword.IsKind(SyntaxKind.None))
                    || (outer.Parent is PrefixUnaryExpressionSyntax prefix && prefix.IsKind(SyntaxKind.AddressOfExpression));
                if (byReference && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, _cancellationToken).Symbol, root)) return true;
            }
            return false;
        }
    }
}

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
    /// dividend) and carries on. A variable divisor therefore compiles only where the facts prove those cases cannot
    /// happen: a test has ruled out 0 (and, for signed division, -1 unless the dividend cannot be <c>MinValue</c>) on
    /// every path to the division, however the test is written (an <c>if</c>, an early return, a loop condition, an
    /// assignment such as <c>if (d == 0) d = 1;</c>, a narrower type's range). The division states this as an
    /// obligation that <see cref="Facts.Obligations"/> settles, with BPF0016 where it is not proven.
    /// </summary>
    internal sealed partial class Lowering
    {
        /// <summary>
        /// Division or remainder by a register, which must be proven a divisor C# accepts (BPF0016 otherwise). Unsigned
        /// (and provably non-negative) operands use the unsigned divide; signed ones use cpu v4's signed divide, or the
        /// unsigned divide of the magnitudes with the sign restored.
        /// </summary>
        private Operand DivideByRegister(BinaryOperatorKind kind, Operand left, int divisor, int size, bool signed, IOperation at)
        {
            var (bothNonNegative, divisorIsVariable) = DivisionOperands(at.Syntax, size);
            int dividend = Materialize(left);
            var syntax = at.Syntax;
            int checkedDivisor = Function.NewReg();
            _b.Emit(new IrInstruction
            {
                Op = IrOp.Check, Dst = checkedDivisor, A = divisor, B = dividend,
                Obligation = new Obligation
                {
                    Kind = ObligationKind.Divisor, Size = size, Signed = signed && !bothNonNegative,
                    Refusal = known =>
                    {
                        string variable = DivisorText(syntax);
                        string Test(string name) => known.ExcludesZero ? name + " != -1" : !known.ExcludesMinusOne ? name + " > 0" : name + " != 0";
                        return Diagnostics.DiagnosticInfo.Create(Diagnostics.DiagnosticDescriptors.UnsupportedDivision, syntax.GetLocation(), syntax.ToString(), divisorIsVariable
                            ? "test the divisor first (for example 'if (" + Test(variable) + ")') so that the division runs only with a divisor C# accepts, and nothing assigns '" + variable + "' in between"
                            : "'" + variable + "' is not a local, parameter or readonly field, so it may change between a test and the division: copy it to a local and test that, for example 'if (" + Test("n") + ")' after 'var n = " + variable + ";'");
                    },
                },
            });
            divisor = checkedDivisor;
            var op = kind == BinaryOperatorKind.Divide ? AluOp.Div : AluOp.Mod;
            if (!signed || bothNonNegative)
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

        /// <summary>
        /// What the operands' types say of a division: both come from narrower unsigned values (so the unsigned divide
        /// gives C#'s result), and whether the divisor is a variable a test can speak for (for the diagnostic's advice).
        /// </summary>
        private (bool BothNonNegative, bool DivisorIsVariable) DivisionOperands(SyntaxNode division, int size)
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
                default: return (false, false);
            }
            var model = ModelFor(division.SyntaxTree);
            // unchecked(...) has no operation of its own: read through it.
            var divisor = model.GetOperation(WithoutUnchecked(divisorSyntax), _cancellationToken);
            var dividend = model.GetOperation(WithoutUnchecked(dividendSyntax), _cancellationToken);
            if (divisor is null || dividend is null) return (false, false);
            var narrowDivisor = StripWidening(divisor);
            var narrowDividend = StripWidening(dividend);
            var (divisorSize, divisorSigned) = ScalarInfo(narrowDivisor.Type);
            var (dividendSize, dividendSigned) = ScalarInfo(narrowDividend.Type);
            bool bothNonNegative = !dividendSigned && dividendSize < size && !divisorSigned && divisorSize < size;
            return (bothNonNegative, VariablePath(narrowDivisor) is not null);
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
    }
}

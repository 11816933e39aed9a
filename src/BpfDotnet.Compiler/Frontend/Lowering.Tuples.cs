using System.Collections.Generic;
using System.Linq;
using BpfDotnet.Compiler.Ir;
using BpfDotnet.Compiler.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using IrBlock = BpfDotnet.Compiler.Ir.BasicBlock;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// Tuple patterns (<c>(a, b) switch { (0, _) =&gt; ..., (&gt; 5, not 0) =&gt; ... }</c>), which test each element of a tuple
    /// literal in turn, and <c>==</c> and <c>!=</c> on record structs, which compare the members the way the compiler's
    /// generated <c>Equals</c> does (member by member; padding is not compared).
    /// </summary>
    internal sealed partial class Lowering
    {
        /// <summary>The elements of a tuple literal (or of its capture), with their types; null for anything else.</summary>
        private List<(Operand Value, ITypeSymbol? Type)>? TupleElements(IOperation value)
        {
            switch (Unconverted(Unwrap(value)))
            {
                case IFlowCaptureReferenceOperation captureRef when _captures.TryGetValue(captureRef.Id, out var captured) && captured.Elements is { } elements:
                    return elements;
                case ITupleOperation tuple when tuple.Elements.All(e => IsScalar(e.Type)):
                    return tuple.Elements.Select(e => (Rvalue(e), e.Type)).ToList();
                default:
                    return null;
            }
        }

        private void LowerTuplePattern(List<(Operand Value, ITypeSymbol? Type)> elements, IPatternOperation pattern, IrBlock whenTrue, IrBlock whenFalse)
            => LowerPatternShape(pattern, whenTrue, whenFalse, (test, matched, otherwise) =>
            {
                if (test is not IRecursivePatternOperation { DeclaredSymbol: null, PropertySubpatterns.Length: 0 } recursive || recursive.DeconstructionSubpatterns.Length != elements.Count)
                {
                    Unsupported(test, "This pattern on a tuple");
                    _b.Jump(otherwise);
                    return;
                }
                for (int i = 0; i < elements.Count; i++)
                {
                    var next = Function.NewBlock();
                    LowerPattern(elements[i].Value, elements[i].Type, recursive.DeconstructionSubpatterns[i], next, otherwise);
                    _b.Block = next;
                }
                _b.Jump(matched);
            });

        /// <summary>
        /// <c>(a, b) == (c, d)</c> and <c>!=</c>: every element of both tuples is evaluated, left to right, then the pairs
        /// are compared in order. Values are canonical, so equality of the 64-bit registers is C#'s equality after its
        /// conversions to a common type.
        /// </summary>
        private void LowerTupleComparison(ITupleBinaryOperation comparison, IrBlock whenTrue, IrBlock whenFalse)
        {
            var left = TupleElements(comparison.LeftOperand);
            var right = TupleElements(comparison.RightOperand);
            if (left is null || right is null || left.Count != right.Count || comparison.OperatorKind is not (BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals))
            {
                Unsupported(comparison, "Comparing tuples other than tuple literals of integers");
                _b.Jump(whenFalse);
                return;
            }
            if (comparison.OperatorKind == BinaryOperatorKind.NotEquals) (whenTrue, whenFalse) = (whenFalse, whenTrue);
            for (int i = 0; i < left.Count; i++)
            {
                var next = Function.NewBlock();
                EmitBranch(Cond.Ne, left[i].Value, right[i].Value, whenFalse, next);
                _b.Block = next;
            }
            _b.Jump(whenTrue);
        }

        /// <summary><c>==</c> or <c>!=</c> of a record struct whose equality the compiler generated.</summary>
        private static bool IsRecordEquality(IBinaryOperation binary)
            => binary.OperatorMethod is { IsImplicitlyDeclared: true, Name: "op_Equality" or "op_Inequality" } method
               && method.ContainingType is { IsRecord: true, TypeKind: TypeKind.Struct };

        private void LowerRecordEquality(IBinaryOperation binary, IrBlock whenTrue, IrBlock whenFalse)
        {
            var type = binary.OperatorMethod!.ContainingType;
            if (type.GetMembers("Equals").Any(m => !m.IsImplicitlyDeclared))
            {
                Unsupported(binary, "'==' on a record struct that declares its own Equals");
                _b.Jump(whenFalse);
                return;
            }
            if (Layout(type, binary.Syntax) is not StructType layout) return;
            var left = AddressOf(binary.LeftOperand);
            var right = AddressOf(binary.RightOperand);
            if (binary.OperatorMethod.Name == "op_Inequality") (whenTrue, whenFalse) = (whenFalse, whenTrue);
            CompareMembers(layout, left, right, whenFalse);
            _b.Jump(whenTrue);
        }

        /// <summary>Branches to <paramref name="different"/> at the first member (scalar, nested struct member or array element) that differs.</summary>
        private void CompareMembers(BpfType type, Address left, Address right, IrBlock different)
        {
            switch (type)
            {
                case StructType structType:
                    foreach (var member in structType.Members) CompareMembers(member.Type, left.Plus(member.Offset), right.Plus(member.Offset), different);
                    return;
                case ArrayType array:
                    for (int i = 0; i < array.Count; i++) CompareMembers(array.Element, left.Plus(i * array.Element.Size), right.Plus(i * array.Element.Size), different);
                    return;
                default:
                    {
                        int a = _b.Load(left, type.Size);
                        int b = _b.Load(right, type.Size);
                        var next = Function.NewBlock();
                        _b.Branch(Cond.Ne, a, b, 0, different, next);
                        _b.Block = next;
                        return;
                    }
            }
        }
    }
}

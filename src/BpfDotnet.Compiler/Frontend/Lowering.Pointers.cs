using System.Linq;
using BpfDotnet.Compiler.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// Pointers in <c>unsafe</c> code: <c>&amp;x</c>, <c>*p</c>, <c>p-&gt;Field</c>, <c>p[i]</c>, <c>p + n</c>, and fixed
    /// buffers in structs (<c>s.Bytes[i]</c>). A pointer is a 64-bit register holding an address; the verifier
    /// checks every access through it, and a constant or loop-counter index keeps the offset visible to it.
    /// Roslyn exposes indirection and pointer element access only as operations of kind <c>None</c>, so they are
    /// recognised by their syntax.
    /// </summary>
    internal sealed partial class Lowering
    {
        /// <summary>
        /// True for <c>*p</c>, <c>p[i]</c> and the <c>*p</c> inside <c>p-&gt;Field</c>: Roslyn's <see cref="OperationKind.None"/>
        /// operations whose first child is a pointer and whose type is what it points at.
        /// </summary>
        private static bool IsPointerAccess(IOperation op)
            => op.Kind == OperationKind.None && op.ChildOperations.FirstOrDefault()?.Type is IPointerTypeSymbol pointer
               && SymbolEqualityComparer.Default.Equals(pointer.PointedAtType, op.Type);

        /// <summary>
        /// The memory <c>*p</c> or <c>p[i]</c> denotes. The verifier lets a program read its context only at constant
        /// offsets: an element of a fixed buffer in the context at a variable index is read from a stack copy of the
        /// buffer (<paramref name="read"/>), and cannot be written or referred to.
        /// </summary>
        private Address PointerAccessAddress(IOperation op, bool read = false)
        {
            var children = op.ChildOperations.ToList();
            if (op.Syntax is ElementAccessExpressionSyntax && children.Count >= 2 && !children[1].ConstantValue.HasValue
                && Unwrap(children[0]) is IFieldReferenceOperation { Field.IsFixedSizeBuffer: true } buffer && IsContextAccess(buffer))
            {
                var elementLayout = Layout(((IPointerTypeSymbol)children[0].Type!).PointedAtType, op.Syntax);
                if (!read)
                {
                    Unsupported(op, "Writing to, or referring to, an element of the program's context at a variable index (the verifier allows constant offsets only)");
                    return Address.OfReg(Materialize(Rvalue(children[0])));
                }
                int size = buffer.Field.FixedSize * (elementLayout?.Size ?? 1);
                var copy = Address.OfSlot(NewSlot(new Model.ArrayType(elementLayout ?? Model.IntType.Byte, buffer.Field.FixedSize), "copy of " + buffer.Syntax).Id);
                Copy(copy, AddressOf(buffer), size);
                var element = Rvalue(children[1]);
                return Address.OfReg(_b.Alu(AluOp.Add, PointerOf(copy), Scaled(element, elementLayout?.Size ?? 1), false));
            }
            if (op.Syntax is ElementAccessExpressionSyntax && children.Count >= 2 && children[1].ConstantValue.HasValue
                && Unwrap(children[0]) is IFieldReferenceOperation { Field.IsFixedSizeBuffer: true } fixedBuffer)
            {
                // A constant index into a fixed buffer is an offset from the struct, which keeps context reads at
                // constant offsets from the context pointer, as the verifier requires.
                long offset = ConstantToLong(children[1].ConstantValue.Value) * ElementSize(children[0].Type, op.Syntax);
                if (FitsImm(offset)) return AddressOf(fixedBuffer).Plus((int)offset);
            }
            int pointer = Materialize(Rvalue(children[0]));
            if (op.Syntax is not ElementAccessExpressionSyntax || children.Count < 2) return Address.OfReg(pointer);
            var elementSize = ElementSize(children[0].Type, op.Syntax);
            var index = Rvalue(children[1]);
            if (index.IsConst && FitsImm(index.Value * elementSize)) return Address.OfReg(pointer, (int)(index.Value * elementSize));
            return Address.OfReg(_b.Alu(AluOp.Add, pointer, Scaled(index, elementSize), false));
        }

        private int ElementSize(ITypeSymbol? pointerType, SyntaxNode syntax)
            => pointerType is IPointerTypeSymbol p && p.PointedAtType.SpecialType != SpecialType.System_Void
                ? (Layout(p.PointedAtType, syntax)?.Size ?? 1)
                : 1;

        /// <summary>index × size as a 64-bit register (the index is canonical, so sign-extended already).</summary>
        private int Scaled(Operand index, int size)
        {
            int reg = Materialize(index);
            if (size == 1) return reg;
            if ((size & (size - 1)) == 0) return _b.AluImm(AluOp.Lsh, reg, Log2(size), false);
            return _b.AluImm(AluOp.Mul, reg, size, false);
        }

        private static int Log2(int value)
        {
            int n = 0;
            while ((1 << n) < value) n++;
            return n;
        }

        /// <summary><c>p + n</c> and <c>p - n</c>: the integer is scaled by the size of what <c>p</c> points at.</summary>
        private Operand? PointerArithmetic(IBinaryOperation binary)
        {
            if (binary.LeftOperand.Type is not IPointerTypeSymbol && binary.RightOperand.Type is not IPointerTypeSymbol) return null;
            if (binary.OperatorKind != BinaryOperatorKind.Add && binary.OperatorKind != BinaryOperatorKind.Subtract) return null; // comparisons
            bool leftIsPointer = binary.LeftOperand.Type is IPointerTypeSymbol;
            if (binary.LeftOperand.Type is IPointerTypeSymbol && binary.RightOperand.Type is IPointerTypeSymbol)
            {
                Unsupported(binary, "This pointer arithmetic (adding or subtracting an integer is supported)");
                return Operand.Const(0);
            }
            var pointerOp = leftIsPointer ? binary.LeftOperand : binary.RightOperand;
            var indexOp = leftIsPointer ? binary.RightOperand : binary.LeftOperand;
            int pointer = Materialize(Rvalue(pointerOp));
            int size = ElementSize(pointerOp.Type, binary.Syntax);
            var index = Rvalue(indexOp);
            // The verifier refuses subtraction from a stack pointer, so p - n adds -n.
            bool subtract = binary.OperatorKind == BinaryOperatorKind.Subtract;
            if (index.IsConst && FitsImm(index.Value * size)) return Operand.InReg(_b.AluImm(AluOp.Add, pointer, subtract ? -index.Value * size : index.Value * size, false));
            int offset = Scaled(index, size);
            if (subtract)
            {
                int negated = Function.NewReg();
                _b.Emit(new IrInstruction { Op = IrOp.Neg, Dst = negated, A = offset });
                offset = negated;
            }
            return Operand.InReg(_b.Alu(AluOp.Add, pointer, offset, false));
        }
    }
}

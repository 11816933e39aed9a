using System;
using System.Collections.Generic;
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
        /// A pointer to <paramref name="address"/>, the start of an object of <paramref name="size"/> bytes (a local, a
        /// fixed buffer). The facts follow its offset through arithmetic, and an access through it provably outside the
        /// object is refused at build time: C# leaves it undefined, and the verifier refuses it.
        /// </summary>
        private Operand PointerInto(Address address, int size, string name)
        {
            int reg = PointerOf(address);
            Function.Objects.Add((size, name));
            int pointer = Function.NewReg();
            _b.Emit(new IrInstruction
            {
                Op = IrOp.Check, Dst = pointer, A = reg,
                Obligation = new Obligation { Kind = ObligationKind.Origin, Object = Function.Objects.Count - 1 },
            });
            return Operand.InReg(pointer);
        }

        /// <summary>
        /// <paramref name="pointer"/>, where the bytes from <paramref name="first"/> to <paramref name="last"/> past it are
        /// accessed: the facts must not place them outside the object it points into.
        /// </summary>
        private int Inside(int pointer, long first, long last, IOperation at)
        {
            int checkedPointer = Function.NewReg();
            var syntax = at.Syntax;
            _b.Emit(new IrInstruction
            {
                Op = IrOp.Check, Dst = checkedPointer, A = pointer,
                Obligation = new Obligation
                {
                    Kind = ObligationKind.Access, Low = first, High = last,
                    Refusal = known => Diagnostics.DiagnosticInfo.Create(Diagnostics.DiagnosticDescriptors.UnsupportedConstruct, syntax.GetLocation(),
                        "An access through a pointer outside what it points into ('" + syntax + "' reaches bytes " + known.Low + " to " + known.High
                        + " of '" + known.ObjectName + "', which has " + known.ObjectSize + "; C# leaves it undefined and the verifier refuses it)"),
                },
            });
            return checkedPointer;
        }

        /// <summary>
        /// <paramref name="value"/>, which must lie in [<paramref name="low"/>, <paramref name="high"/>]: the facts settle
        /// it, or <paramref name="refusal"/> (given what they know of the value) is reported. With
        /// <paramref name="forVerifier"/>, the verifier relies on the range too, so it is shown one it cannot see.
        /// </summary>
        private Operand Require(Operand value, long low, long high, Func<KnownValue, Diagnostics.DiagnosticInfo> refusal, bool forVerifier = true)
        {
            int checkedValue = Function.NewReg();
            _b.Emit(new IrInstruction
            {
                Op = IrOp.Check, Dst = checkedValue, A = Materialize(value),
                Obligation = new Obligation { Kind = ObligationKind.Range, Low = low, High = high, Refusal = refusal, ForVerifier = forVerifier },
            });
            return Operand.InReg(checkedValue);
        }

        /// <summary>An index that must lie in [low, high], with <paramref name="what"/> as BPF0008 on the index otherwise.</summary>
        private Operand IndexWithin(Operand index, long low, long high, IOperation indexOp, string what)
        {
            if (index.IsConst && index.Value >= low && index.Value <= high) return index;
            var syntax = indexOp.Syntax;
            return Require(index, low, high, _ => Diagnostics.DiagnosticInfo.Create(Diagnostics.DiagnosticDescriptors.UnsupportedConstruct, syntax.GetLocation(), what));
        }

        /// <summary>
        /// The memory <c>*p</c> or <c>p[i]</c> denotes. The verifier lets a program read its context only at constant
        /// offsets: an element of a fixed buffer in the context at a variable index is read from a stack copy of the
        /// buffer (<paramref name="read"/>), and cannot be written or referred to.
        /// </summary>
        private Address PointerAccessAddress(IOperation op, bool read = false)
        {
            var children = op.ChildOperations.ToList();
            if (children.Count > 0 && children[0].Type is IPointerTypeSymbol { PointedAtType: var pointee } && TypeLayout.IsKernelType(pointee))
            {
                // Kernel memory is read member by member with bpf_probe_read_kernel (p->Member); the program cannot touch it in place.
                Unsupported(op, "Writing to, taking the address of, or reading other than an integer, enum or pointer member of kernel memory ('" + op.Syntax
                    + "'; read integer, enum and pointer members one at a time: p->Member)");
                return Address.OfReg(Materialize(Rvalue(children[0])));
            }
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
                int element = ElementSize(children[0].Type, op.Syntax);
                long constant = ConstantToLong(children[1].ConstantValue.Value);
                if (constant < 0 || constant >= fixedBuffer.Field.FixedSize)
                {
                    Unsupported(op, "An index outside the fixed buffer ('" + op.Syntax + "': '" + fixedBuffer.Field.Name + "' has " + fixedBuffer.Field.FixedSize
                        + " elements; C# leaves it undefined and the verifier refuses it, or reads another field)");
                }
                long offset = constant * element;
                if (FitsImm(offset)) return AddressOf(fixedBuffer).Plus((int)offset);
            }
            int pointer = Materialize(Rvalue(children[0]));
            int accessSize = Layout(op.Type, op.Syntax)?.Size ?? 1;
            if (op.Syntax is not ElementAccessExpressionSyntax || children.Count < 2)
            {
                return Address.OfReg(Inside(pointer, 0, accessSize - 1, op));
            }
            var elementSize = ElementSize(children[0].Type, op.Syntax);
            var index = Rvalue(children[1]);
            if (index.IsConst && FitsImm(index.Value * elementSize))
            {
                long offset = index.Value * elementSize;
                return Address.OfReg(Inside(pointer, offset, offset + accessSize - 1, op), (int)offset);
            }
            index = BoundedOffset(index, children[1], elementSize);
            return Address.OfReg(Inside(_b.Alu(AluOp.Add, pointer, Scaled(index, elementSize), false), 0, accessSize - 1, op));
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

        /// <summary>
        /// The pointer offset furthest from zero the verifier accepts from a register (its <c>BPF_MAX_VAR_OFF</c>);
        /// beyond it, or with no lower bound, it refuses the arithmetic whatever the pointer.
        /// </summary>
        private const long MaxVariableOffset = 1L << 29;

        /// <summary>
        /// An integer added to a pointer: the verifier refuses pointer arithmetic by a value it cannot bound, so the facts
        /// must bound it (a mask, a test, a loop condition); otherwise BPF0008 on it, with the fix.
        /// </summary>
        private Operand BoundedOffset(Operand index, IOperation indexOp, int elementSize)
        {
            long limit = MaxVariableOffset / Math.Max(elementSize, 1) - 1;
            if (index.IsConst && index.Value >= -limit && index.Value <= limit) return index;
            var syntax = indexOp.Syntax;
            return Require(index, -limit, limit, known => Diagnostics.DiagnosticInfo.Create(Diagnostics.DiagnosticDescriptors.UnsupportedConstruct, syntax.GetLocation(),
                "A pointer offset the compiler cannot bound ('" + syntax + "' may hold "
                + (known.Bounded ? "any value from " + known.Low + " to " + known.High : "any value")
                + "; the verifier refuses pointer arithmetic it cannot bound): mask it ('& 15') or test it first ('if ((uint)n < 16)')"));
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
            var index = BoundedOffset(Rvalue(indexOp), indexOp, size);
            // The verifier refuses subtraction from a stack pointer, so p - n adds -n.
            bool subtract = binary.OperatorKind == BinaryOperatorKind.Subtract;
            int result;
            if (index.IsConst && FitsImm(index.Value * size)) result = _b.AluImm(AluOp.Add, pointer, subtract ? -index.Value * size : index.Value * size, false);
            else
            {
                int offset = Scaled(index, size);
                if (subtract)
                {
                    int negated = Function.NewReg();
                    _b.Emit(new IrInstruction { Op = IrOp.Neg, Dst = negated, A = offset });
                    offset = negated;
                }
                result = _b.Alu(AluOp.Add, pointer, offset, false);
            }
            return Operand.InReg(result);
        }
    }
}

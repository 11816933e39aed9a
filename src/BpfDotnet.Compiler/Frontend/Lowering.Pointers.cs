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
        /// What a pointer register points into: an object (a local, a fixed buffer) of <c>Size</c> bytes, at an offset
        /// between <c>Low</c> and <c>High</c>. Accesses provably outside the object are refused at build time: C# leaves
        /// them undefined, and the verifier refuses them.
        /// </summary>
        private readonly Dictionary<int, (int Size, long Low, long High, string Name)> _pointees = new Dictionary<int, (int, long, long, string)>();

        /// <summary>A pointer to <paramref name="address"/>, the start of an object of <paramref name="size"/> bytes.</summary>
        private Operand PointerInto(Address address, int size, string name)
        {
            int reg = PointerOf(address);
            // Only a register made here (a frame address, or a base plus an offset) is this pointer alone.
            if (address.IsSlot || address.Offset != 0) _pointees[reg] = (size, 0, 0, name);
            return Operand.InReg(reg);
        }

        /// <summary>Reports an access of <paramref name="size"/> bytes through <paramref name="pointer"/> (plus an index) that provably leaves its object.</summary>
        private void CheckPointerAccess(int pointer, (long Low, long High)? index, int elementSize, int size, IOperation at)
        {
            if (!_pointees.TryGetValue(pointer, out var pointee) || index is not { } range) return;
            if (range.Low == long.MinValue && range.High == long.MaxValue) return; // reported as unbounded already
            long low, high;
            try
            {
                checked
                {
                    low = pointee.Low + range.Low * elementSize;
                    high = pointee.High + range.High * elementSize + size;
                }
            }
            catch (System.OverflowException)
            {
                low = long.MinValue;
                high = long.MaxValue;
            }
            if (low >= 0 && high <= pointee.Size) return;
            Unsupported(at, "An access through a pointer outside what it points into ('" + at.Syntax + "' reaches bytes " + low + " to " + (high - 1)
                + " of '" + pointee.Name + "', which has " + pointee.Size + "; C# leaves it undefined and the verifier refuses it)");
        }

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
                CheckPointerAccess(pointer, (0, 0), 0, accessSize, op);
                return Address.OfReg(pointer);
            }
            var elementSize = ElementSize(children[0].Type, op.Syntax);
            var index = Rvalue(children[1]);
            var range = IndexRange(ref index, children[1], elementSize, op);
            CheckPointerAccess(pointer, range, elementSize, accessSize, op);
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

        /// <summary>
        /// The pointer offset furthest from zero the verifier accepts from a register (its <c>BPF_MAX_VAR_OFF</c>);
        /// beyond it, or with no lower bound, it refuses the arithmetic whatever the pointer.
        /// </summary>
        private const long MaxVariableOffset = 1L << 29;

        /// <summary>
        /// The values an index can take: what lowering knows of its register, narrowed by the tests around it (the index
        /// is then clamped to that range, see <see cref="Clamped"/>). An index whose scaled range the verifier cannot
        /// bound is reported here, on the index, whatever the pointer points into; its range is then all values.
        /// </summary>
        private (long Low, long High) IndexRange(ref Operand index, IOperation indexOp, int elementSize, IOperation at)
        {
            var known = RangeOf(index, at.Syntax);
            var guarded = index.IsConst ? null : GuardedRange(at.Syntax, indexOp);
            var range = Intersect(known, guarded);
            bool bounded = range is { } r && r.Low <= r.High
                && r.Low > -MaxVariableOffset / Math.Max(elementSize, 1) && r.High < MaxVariableOffset / Math.Max(elementSize, 1);
            if (bounded)
            {
                if (known != range) index = Clamped(index, range!.Value);
                return range!.Value;
            }
            Unsupported(indexOp, "A pointer offset the compiler cannot bound ('" + indexOp.Syntax + "' may hold "
                + (range is { } wide && (wide.Low != long.MinValue || wide.High != long.MaxValue) ? "any value from " + wide.Low + " to " + wide.High : "any value")
                + "; the verifier refuses pointer arithmetic it cannot bound): mask it ('& 15') or test it first ('if ((uint)n < 16)')");
            return (long.MinValue, long.MaxValue);
        }

        /// <summary>
        /// An index proven to lie in <paramref name="low"/>..<paramref name="high"/>, as an operand the verifier knows lies
        /// there too; null when neither its register nor the tests around it prove that.
        /// </summary>
        private Operand? ProvenIndex(Operand index, IOperation indexOp, long low, long high, IOperation at)
        {
            if (index.IsConst) return index.Value >= low && index.Value <= high ? index : null;
            var known = RangeOf(index, at.Syntax);
            if (known is { } k && k.Low >= low && k.High <= high) return index;
            var range = Intersect(known, GuardedRange(at.Syntax, indexOp));
            if (range is not { } r || r.Low < low || r.High > high) return null;
            return Clamped(index, r);
        }

        /// <summary>
        /// The value clamped into <paramref name="range"/>, which the source has already proven it lies in (so the clamp
        /// changes nothing): the tests that proved it may have been made on another register (a zero-extended copy,
        /// say), so the verifier needs to see the bound on the register that is used.
        /// </summary>
        private Operand Clamped(Operand value, (long Low, long High) range)
        {
            if (value.IsConst) return value;
            int t = range.Low == 0 ? CopyOf(value.Reg) : _b.AluImm(AluOp.Sub, value.Reg, range.Low, false);
            long span = range.High - range.Low;
            var clamp = Function.NewBlock();
            var join = Function.NewBlock();
            _b.Branch(Cond.Gt, t, -1, span, clamp, join);
            _b.Block = clamp;
            _b.MovConst(t, span);
            _b.Jump(join);
            _b.Block = join;
            int result = range.Low == 0 ? t : _b.AluImm(AluOp.Add, t, range.Low, false);
            _ranges[result] = range;
            return Operand.InReg(result);
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
            var range = IndexRange(ref index, indexOp, size, binary);
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
            // The new pointer points into the same object, at the old offsets moved by the index.
            if (_pointees.TryGetValue(pointer, out var pointee) && range != (long.MinValue, long.MaxValue) && result != pointer)
            {
                var moved = subtract ? Combine(AluOp.Sub, (pointee.Low, pointee.High), (range.Low * size, range.High * size), 64)
                                     : Combine(AluOp.Add, (pointee.Low, pointee.High), (range.Low * size, range.High * size), 64);
                if (moved is { } offsets) _pointees[result] = (pointee.Size, offsets.Low, offsets.High, pointee.Name);
            }
            return Operand.InReg(result);
        }
    }
}

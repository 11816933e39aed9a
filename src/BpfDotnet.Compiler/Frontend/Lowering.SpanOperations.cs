using System.Linq;
using BpfDotnet.Compiler.Ir;
using BpfDotnet.Compiler.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// Slices and whole-span operations. Lengths are constants, so everything C# checks at run time is checked here:
    /// <c>span.Slice(start)</c>, <c>span.Slice(start, length)</c>, <c>span[a..b]</c> and <c>span[^k]</c> with constant
    /// bounds inside the span (C# throws otherwise: BPF0008) are views of the same memory; <c>Clear()</c>,
    /// <c>Fill(value)</c>, <c>CopyTo(destination)</c> (the destination at least as long: C# throws otherwise),
    /// <c>TryCopyTo</c> and <c>IsEmpty</c> are unrolled stores and copies.
    /// </summary>
    internal sealed partial class Lowering
    {
        /// <summary>The bounds of a slice expression: its source span, and the start and length within it (constants).</summary>
        private static (IOperation Source, int Start, int Length)? SliceBounds(IOperation op, int sourceLength)
        {
            op = Unconverted(op);
            switch (op)
            {
                case IInvocationOperation { TargetMethod.Name: "Slice", Instance: { } instance } slice when IsSpan(slice.TargetMethod.ContainingType):
                    {
                        if (!ConstantArgument(slice, 0, out long start)) return null;
                        long length = sourceLength - start;
                        if (slice.Arguments.Length == 2 && !ConstantArgument(slice, 1, out length)) return null;
                        return Checked(instance, start, length);
                    }
                case IImplicitIndexerReferenceOperation { Argument: IRangeOperation range, Instance: var instance } when IsSpan(instance.Type):
                    {
                        long start = 0, end = sourceLength;
                        if (range.LeftOperand is { } left && !IndexValue(left, sourceLength, out start)) return null;
                        if (range.RightOperand is { } right && !IndexValue(right, sourceLength, out end)) return null;
                        return Checked(instance, start, end - start);
                    }
                default:
                    return null;
            }

            (IOperation, int, int)? Checked(IOperation source, long start, long length)
            {
                if (start < 0 || length <= 0 || start + length > sourceLength) return null;
                return (source, (int)start, (int)length);
            }
        }

        private static bool ConstantArgument(IInvocationOperation invocation, int index, out long value)
        {
            value = 0;
            if (index >= invocation.Arguments.Length) return false;
            var constant = invocation.Arguments[index].Value.ConstantValue;
            if (!constant.HasValue || constant.Value is not int i) return false;
            value = i;
            return true;
        }

        /// <summary>A constant <c>System.Index</c>: <c>k</c> or <c>^k</c>.</summary>
        private static bool IndexValue(IOperation index, long length, out long value)
        {
            value = 0;
            index = Unconverted(index);
            bool fromEnd = false;
            if (index is IUnaryOperation { OperatorKind: UnaryOperatorKind.Hat } hat)
            {
                fromEnd = true;
                index = Unconverted(hat.Operand);
            }
            if (!index.ConstantValue.HasValue || index.ConstantValue.Value is not int i) return false;
            value = fromEnd ? length - i : i;
            return true;
        }

        /// <summary>The span a slice expression (<c>s.Slice(...)</c>, <c>s[a..b]</c>) is taken from; null for anything else.</summary>
        private static IOperation? SliceSource(IOperation unconverted) => unconverted switch
        {
            IInvocationOperation { TargetMethod.Name: "Slice", Instance: { } instance } slice when IsSpan(slice.TargetMethod.ContainingType) => instance,
            IImplicitIndexerReferenceOperation { Argument: IRangeOperation, Instance: var instance } when IsSpan(instance.Type) => instance,
            _ => null,
        };

        /// <summary>
        /// A span made from another by slicing: a view (a pointer to its first element) of the source's memory.
        /// Null when <paramref name="op"/> is not a slice; BPF0008 when its bounds are not constants inside the source.
        /// </summary>
        private LocalStorage? SliceView(IOperation op)
        {
            var unconverted = Unconverted(op);
            var sourceOperation = SliceSource(unconverted);
            if (sourceOperation is null) return null;
            var source = SpanStorage(sourceOperation);
            var element = (unconverted.Type as INamedTypeSymbol)?.TypeArguments.FirstOrDefault();
            var layout = element is null ? null : Layout(element, op.Syntax);
            if (source is null || layout is null)
            {
                Unsupported(op, "Slicing a span that is not a span local or parameter");
                return null;
            }
            if (SliceBounds(unconverted, source.SpanLength) is not { } bounds)
            {
                Unsupported(op, "A slice whose bounds are not constants inside the span's " + source.SpanLength + " elements (C# would throw ArgumentOutOfRangeException)");
                return null;
            }
            int pointer = PointerOf(SpanStart(source).Plus(bounds.Start * layout.Size));
            return new LocalStorage { Kind = StorageKind.Reference, Reg = pointer, SpanLength = bounds.Length, Type = new ArrayType(layout, bounds.Length) };
        }

        /// <summary>
        /// The static length of a span local declared as a slice: <c>s.Slice(a, n)</c>, <c>s[a..b]</c>, or, when the
        /// source is a span local of known length, <c>s.Slice(a)</c>, <c>s[a..]</c>, <c>s[..^k]</c>.
        /// </summary>
        private static long? SliceLength(ExpressionSyntax value, SemanticModel model, System.Threading.CancellationToken cancellationToken)
        {
            var op = model.GetOperation(value, cancellationToken);
            if (op is null) return null;
            var unconverted = Unconverted(op);
            var instance = SliceSource(unconverted);
            if (instance is null) return null;
            long? sourceLength = Unconverted(instance) is ILocalReferenceOperation local && IsSpan(local.Local.Type)
                ? StackAllocLength(local.Local, model, cancellationToken)
                : null;
            // Without the source's length, only a slice that states its own length (Slice(a, n), [a..b]) has one.
            bool openEnded = unconverted switch
            {
                IInvocationOperation invocation => invocation.Arguments.Length < 2,
                IImplicitIndexerReferenceOperation { Argument: IRangeOperation range } => range.LeftOperand is null || range.RightOperand is null
                    || Unconverted(range.LeftOperand) is IUnaryOperation || Unconverted(range.RightOperand) is IUnaryOperation,
                _ => true,
            };
            if (sourceLength is null && openEnded) return null;
            return SliceBounds(unconverted, (int)System.Math.Min(sourceLength ?? int.MaxValue, int.MaxValue))?.Length;
        }

        /// <summary><c>span[^k]</c> (or <c>span[k]</c> written with an Index): a constant element inside the span.</summary>
        private Address? IndexFromEndAddress(IImplicitIndexerReferenceOperation indexer)
        {
            if (indexer.Argument is IRangeOperation || !IsSpan(indexer.Instance.Type)) return null;
            var storage = SpanStorage(indexer.Instance);
            var layout = Layout(indexer.Type, indexer.Syntax);
            if (storage is null || layout is null || !IndexValue(indexer.Argument, storage.SpanLength, out long index) || index < 0 || index >= storage.SpanLength)
            {
                Unsupported(indexer, "An index that is not a constant inside the span (C# would throw IndexOutOfRangeException)");
                return Address.OfSlot(NewSlot(IntType.Long, "temporary").Id);
            }
            return SpanStart(storage).Plus((int)index * layout.Size);
        }

        /// <summary>Clear, Fill, CopyTo and TryCopyTo on a span; null when <paramref name="invocation"/> is none of them.</summary>
        private Operand? InvokeSpanMethod(IInvocationOperation invocation)
        {
            var method = invocation.TargetMethod;
            if (!IsSpan(method.ContainingType) || invocation.Instance is null || method.Name is not ("Clear" or "Fill" or "CopyTo" or "TryCopyTo")) return null;
            var span = SpanStorage(invocation.Instance);
            var element = ((INamedTypeSymbol)method.ContainingType).TypeArguments[0];
            var layout = Layout(element, invocation.Syntax);
            if (span is null || layout is null)
            {
                Unsupported(invocation, "Span." + method.Name + " on a span that is not a span local, parameter or slice");
                return Operand.Const(0);
            }
            var start = SpanStart(span);
            int chunk = SpanChunk(span, layout);
            switch (method.Name)
            {
                case "Clear":
                    for (int offset = 0; offset < span.SpanLength * layout.Size; offset += chunk) _b.StoreImm(start.Plus(offset), chunk, 0);
                    return Operand.Const(0);
                case "Fill":
                    {
                        if (!IsScalar(element))
                        {
                            Unsupported(invocation, "Span.Fill with struct elements");
                            return Operand.Const(0);
                        }
                        var value = Rvalue(invocation.Arguments[0].Value);
                        for (int i = 0; i < span.SpanLength; i++) StoreOperand(start.Plus(i * layout.Size), layout.Size, value);
                        return Operand.Const(0);
                    }
                default:
                    {
                        // CopyTo(destination): C# throws when the destination is shorter; TryCopyTo returns false instead.
                        var destination = SpanArgument(invocation.Arguments[0].Value);
                        if (destination is null)
                        {
                            Unsupported(invocation.Arguments[0], "Copying to something other than a span local, parameter or slice");
                            return Operand.Const(0);
                        }
                        bool fits = destination.SpanLength >= span.SpanLength;
                        if (method.Name == "TryCopyTo" && !fits) return Operand.Const(0);
                        if (!fits)
                        {
                            Unsupported(invocation, "CopyTo a span shorter than the source (" + destination.SpanLength + " < " + span.SpanLength + " elements: C# would throw ArgumentException)");
                            return Operand.Const(0);
                        }
                        var to = SpanStart(destination);
                        int step = System.Math.Min(chunk, SpanChunk(destination, layout));
                        int total = span.SpanLength * layout.Size;
                        if (!MayOverlap(span, destination))
                        {
                            for (int offset = 0; offset < total; offset += step) _b.Store(to.Plus(offset), step, _b.Load(start.Plus(offset), step));
                        }
                        else if (total / step <= 8)
                        {
                            // Views that may overlap copy as memmove does: every chunk is read before any is written.
                            var loaded = new System.Collections.Generic.List<int>();
                            for (int offset = 0; offset < total; offset += step) loaded.Add(_b.Load(start.Plus(offset), step));
                            for (int k = 0; k < loaded.Count; k++) _b.Store(to.Plus(k * step), step, loaded[k]);
                        }
                        else
                        {
                            // Larger ones go through a temporary on the stack.
                            var buffer = Address.OfSlot(NewSlot(new ArrayType(layout, span.SpanLength), "temporary copy").Id);
                            for (int offset = 0; offset < total; offset += step) _b.Store(buffer.Plus(offset), step, _b.Load(start.Plus(offset), step));
                            for (int offset = 0; offset < total; offset += step) _b.Store(to.Plus(offset), step, _b.Load(buffer.Plus(offset), step));
                        }
                        return method.Name == "TryCopyTo" ? Operand.Const(1) : Operand.Const(0);
                    }
            }
        }

        /// <summary>
        /// The widest store that keeps to the span's alignment: 8 bytes over a whole stack slot; otherwise the element's
        /// own alignment (a view may start anywhere a field can, and the verifier wants stack accesses aligned).
        /// </summary>
        private static int SpanChunk(LocalStorage span, BpfType element)
        {
            int total = span.SpanLength * element.Size;
            int limit = span.Kind == StorageKind.Memory ? 8 : System.Math.Max(1, System.Math.Min(8, element.Alignment));
            foreach (int size in new[] { 8, 4, 2, 1 })
            {
                if (size <= limit && total % size == 0) return size;
            }
            return 1;
        }

        /// <summary>True when two spans may share memory: a view (a pointer) may point into anything, a stack span only into itself.</summary>
        private static bool MayOverlap(LocalStorage a, LocalStorage b)
            => a.Kind == StorageKind.Reference || b.Kind == StorageKind.Reference || a.Slot == b.Slot;
    }
}

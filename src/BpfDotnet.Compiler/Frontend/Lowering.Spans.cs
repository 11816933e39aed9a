using System.Collections.Generic;
using System.Linq;
using BpfDotnet.Compiler.Ir;
using IrBlock = BpfDotnet.Compiler.Ir.BasicBlock;
using BpfDotnet.Compiler.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// <c>Span&lt;T&gt;</c> and <c>ReadOnlySpan&lt;T&gt;</c> locals over <c>stackalloc T[N]</c> with a constant N (N elements
    /// of stack, zeroed where it is declared as C# zeroes <c>stackalloc</c>), or over an <c>[InlineArray]</c> on the stack or
    /// in a map value (a pointer to its first element); <c>Length</c> is the constant N. C# throws on an index outside 0..N-1 and a probe cannot throw, so every index must be proven
    /// in range: a constant, or a loop counter whose values all fit.
    /// </summary>
    internal sealed partial class Lowering
    {
        internal static bool IsSpan(ITypeSymbol? type)
            => type is INamedTypeSymbol { IsGenericType: true } named
               && named.OriginalDefinition.ToDisplayString() is "System.Span<T>" or "System.ReadOnlySpan<T>";

        /// <summary>
        /// The number of elements of the span <paramref name="local"/> is declared over: N of <c>stackalloc T[N]</c>,
        /// or the length of the <c>[InlineArray]</c> it views (on the stack or in a map value); null otherwise.
        /// </summary>
        internal static long? StackAllocLength(ILocalSymbol local, SemanticModel model, System.Threading.CancellationToken cancellationToken)
        {
            foreach (var reference in local.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is not VariableDeclaratorSyntax { Initializer.Value: var value }) continue;
                while (value is ParenthesizedExpressionSyntax p) value = p.Expression;
                if (value is StackAllocArrayCreationExpressionSyntax { Type: ArrayTypeSyntax { RankSpecifiers.Count: 1 } array, Initializer: null }
                    && array.RankSpecifiers[0].Sizes.Count == 1
                    && model.GetConstantValue(array.RankSpecifiers[0].Sizes[0], cancellationToken) is { HasValue: true, Value: int n } && n > 0)
                {
                    return n;
                }
                if (SpanInitializer(value) is { } elements) return elements.Count > 0 ? elements.Count : null;
                if (value.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.Utf8StringLiteralExpression)
                    && model.GetOperation(value, cancellationToken) is IUtf8StringOperation utf8)
                {
                    int bytes = System.Text.Encoding.UTF8.GetByteCount(utf8.Value);
                    return bytes > 0 ? bytes : null;
                }
                if (model.GetTypeInfo(value, cancellationToken).Type is ITypeSymbol viewed && TypeLayout.InlineArrayLength(viewed) is int length and > 0)
                {
                    return length;
                }
                if (SliceLength(value, model, cancellationToken) is long sliced) return sliced;
            }
            return null;
        }

        /// <summary>True when the span local views an <c>[InlineArray]</c> rather than owning <c>stackalloc</c> memory.</summary>
        private bool ViewsInlineArray(ILocalSymbol local)
        {
            if (local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken) is not VariableDeclaratorSyntax { Initializer.Value: var value }) return false;
            while (value is ParenthesizedExpressionSyntax p) value = p.Expression;
            return value is not StackAllocArrayCreationExpressionSyntax && SpanInitializer(value) is null && !value.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.Utf8StringLiteralExpression);
        }

        /// <summary>
        /// The elements a span local is initialised with: <c>stackalloc T[] { a, b }</c>, <c>stackalloc[] { a, b }</c>
        /// or a collection expression <c>[a, b]</c> (no spreads); null for any other initializer.
        /// </summary>
        internal static IReadOnlyList<ExpressionSyntax>? SpanInitializer(ExpressionSyntax value)
        {
            while (value is ParenthesizedExpressionSyntax p) value = p.Expression;
            switch (value)
            {
                case StackAllocArrayCreationExpressionSyntax { Initializer: { } initializer }:
                    return initializer.Expressions;
                case ImplicitStackAllocArrayCreationExpressionSyntax implicitStackAlloc:
                    return implicitStackAlloc.Initializer.Expressions;
                case CollectionExpressionSyntax collection when collection.Elements.All(e => e is ExpressionElementSyntax):
                    return collection.Elements.Cast<ExpressionElementSyntax>().Select(e => e.Expression).ToList();
                default:
                    return null;
            }
        }

        private static bool HasControlFlow(IOperation operation)
            => operation.DescendantsAndSelf().Any(o => o is IConditionalOperation or IInvocationOperation or ICoalesceOperation or ISwitchExpressionOperation or IIsPatternOperation
                || o is IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr });

        /// <summary>Lays out a span local: its elements on the stack.</summary>
        private bool TryLayoutSpan(ILocalSymbol local, SyntaxNode syntax, LocalStorage storage)
        {
            var element = ((INamedTypeSymbol)local.Type).TypeArguments[0];
            var layout = Layout(element, syntax);
            var model = ModelFor(local.DeclaringSyntaxReferences[0].SyntaxTree);
            long? length = StackAllocLength(local, model, _cancellationToken);
            if (layout is null || length is null)
            {
                Report(Diagnostics.DiagnosticDescriptors.UnsupportedConstruct, syntax, "A Span that is not declared as 'stackalloc T[N]' with a constant N, or over an [InlineArray]");
                return false;
            }
            var array = new ArrayType(layout, (int)length.Value);
            if (ViewsInlineArray(local))
            {
                // A view: a pointer to the inline array's first element, set where the span is declared.
                storage.Kind = StorageKind.Reference;
                storage.Type = array;
                storage.SpanLength = (int)length.Value;
                storage.Reg = Function.NewReg();
                return true;
            }
            storage.Kind = StorageKind.Memory;
            storage.Type = array;
            storage.SpanLength = (int)length.Value;
            storage.Slot = NewSlot(array, local.Name).Id;
            return true;
        }

        private static bool IsSpanMember(IPropertyReferenceOperation property, string name)
            => IsSpan(property.Property.ContainingType) && property.Instance is not null
               && (name == "this[]" ? property.Property.IsIndexer && property.Arguments.Length == 1 : property.Property.Name == name);

        /// <summary>The storage of a span local, or of a span parameter of an inlined method (an alias of the caller's span).</summary>
        private LocalStorage? SpanStorage(IOperation? instance)
        {
            if (instance is null) return null;
            var op = Unconverted(Unwrap(instance));
            if (op is ILocalReferenceOperation local && IsSpan(local.Local.Type) && GetLocal(local.Local, instance.Syntax) is { SpanLength: > 0 } storage) return storage;
            if (op is IParameterReferenceOperation parameter && _parameters.TryGetValue(parameter.Parameter, out var bound) && bound.SpanLength > 0) return bound;
            if (InlineArrayView(op) is { } inline) return inline;
            return SliceView(instance);
        }

        /// <summary>
        /// An inline array (a local, a parameter, a field of a struct in the program's memory) seen as the span of its
        /// elements, as C# enumerates it: its own stack slot, or a pointer to where it is. Not one in the context, whose
        /// address the verifier does not let a program take.
        /// </summary>
        private LocalStorage? InlineArrayView(IOperation op)
        {
            if (op.Type is not INamedTypeSymbol type || IsContextAccess(op)) return null;
            int length = TypeLayout.InlineArrayLength(type);
            if (length <= 0) return null;
            if (op is not (ILocalReferenceOperation or IParameterReferenceOperation or IFieldReferenceOperation { Field.IsStatic: false })) return null;
            var element = type.GetMembers().OfType<IFieldSymbol>().FirstOrDefault(f => !f.IsStatic)?.Type;
            if (element is null || Layout(element, op.Syntax) is not { } layout) return null;
            var address = AddressOf(op);
            var array = new ArrayType(layout, length);
            if (address.IsSlot && address.Offset == 0) return new LocalStorage { Kind = StorageKind.Memory, Slot = address.Slot, Type = array, SpanLength = length };
            return new LocalStorage { Kind = StorageKind.Reference, Reg = PointerOf(address), Type = array, SpanLength = length };
        }

        /// <summary>
        /// The span an argument passes: a span local or parameter, or a <c>"..."u8</c> literal (its bytes stored in a
        /// new stack slot; the literal is read-only, so the copy behaves the same).
        /// </summary>
        private LocalStorage? SpanArgument(IOperation value)
        {
            if (SpanStorage(value) is { } span) return span;
            if (StackAllocArgument(value) is { } allocated) return allocated;
            if (Unconverted(value) is not IUtf8StringOperation literal) return null;
            var bytes = System.Text.Encoding.UTF8.GetBytes(literal.Value);
            if (bytes.Length == 0) return null;
            var array = new ArrayType(IntType.Byte, bytes.Length);
            var slot = NewSlot(array, "u8 literal");
            StoreBytes(slot, bytes);
            return new LocalStorage { Kind = StorageKind.Memory, Type = array, Slot = slot.Id, SpanLength = bytes.Length };
        }

        /// <summary><c>stackalloc T[N]</c> passed straight to a span parameter: N zeroed elements in a new stack slot.</summary>
        private LocalStorage? StackAllocArgument(IOperation value)
        {
            var syntax = value.Syntax;
            while (syntax is ParenthesizedExpressionSyntax p) syntax = p.Expression;
            if (syntax is not StackAllocArrayCreationExpressionSyntax { Type: ArrayTypeSyntax { RankSpecifiers.Count: 1 } array, Initializer: null } stackAlloc
                || array.RankSpecifiers[0].Sizes.Count != 1) return null;
            var model = ModelFor(syntax.SyntaxTree);
            if (model.GetConstantValue(array.RankSpecifiers[0].Sizes[0], _cancellationToken) is not { HasValue: true, Value: int n } || n <= 0) return null;
            var element = Layout(model.GetTypeInfo(array.ElementType, _cancellationToken).Type, stackAlloc);
            if (element is null) return null;
            var type = new ArrayType(element, n);
            var slot = NewSlot(type, "stackalloc argument");
            ZeroSlot(slot);
            return new LocalStorage { Kind = StorageKind.Memory, Type = type, Slot = slot.Id, SpanLength = n };
        }

        /// <summary>A span's first element: its stack slot, or the element a view points at.</summary>
        private static Address SpanStart(LocalStorage span) => span.Kind == StorageKind.Reference ? Address.OfReg(span.Reg) : Address.OfSlot(span.Slot);

        /// <summary>The enumerator of a <c>foreach</c> over a span: the span, and an index register from -1 to its length.</summary>
        private sealed class SpanEnumerator
        {
            public LocalStorage Span = null!;
            public int Index;
            public int ElementSize;
        }

        private static bool IsSpanEnumeratorType(ITypeSymbol? type)
            => type is INamedTypeSymbol { Name: "Enumerator" } enumerator && IsSpan(enumerator.ContainingType);

        private static bool IsSpanGetEnumerator(IOperation value)
            => value is IInvocationOperation { TargetMethod.Name: "GetEnumerator", Instance: not null } invocation && IsSpan(invocation.TargetMethod.ContainingType);

        /// <summary>Roslyn disposes a foreach enumerator in a finally block; a span enumerator's Dispose does nothing.</summary>
        private static bool IsSpanEnumeratorDispose(Microsoft.CodeAnalysis.FlowAnalysis.BasicBlock block)
            => block.EnclosingRegion.Kind == Microsoft.CodeAnalysis.FlowAnalysis.ControlFlowRegionKind.Finally && block.Operations.Length > 0
               && block.Operations.All(op => op is IInvocationOperation { TargetMethod.Name: "Dispose", Instance: { } instance } && IsSpanEnumeratorType(Unconverted(instance).Type));

        private SpanEnumerator? StartSpanEnumerator(IInvocationOperation getEnumerator)
        {
            var span = SpanStorage(getEnumerator.Instance);
            var element = ((INamedTypeSymbol)getEnumerator.TargetMethod.ContainingType).TypeArguments[0];
            var layout = Layout(element, getEnumerator.Syntax);
            if (span is null || layout is null)
            {
                Unsupported(getEnumerator, "foreach over a span that is not a span local or parameter");
                return null;
            }
            var enumerator = new SpanEnumerator { Span = span, Index = Function.NewReg(), ElementSize = layout.Size };
            _b.MovConst(enumerator.Index, -1);
            return enumerator;
        }

        /// <summary>The foreach enumerator a <c>MoveNext()</c> call or <c>Current</c> read works on, if it enumerates a span.</summary>
        private SpanEnumerator? SpanEnumeratorOf(IOperation operation)
        {
            var instance = operation switch
            {
                IInvocationOperation { TargetMethod.Name: "MoveNext" } invocation when IsSpanEnumeratorType(invocation.TargetMethod.ContainingType) => invocation.Instance,
                IPropertyReferenceOperation { Property.Name: "Current" } property when IsSpanEnumeratorType(property.Property.ContainingType) => property.Instance,
                _ => null,
            };
            return instance is not null && Unconverted(instance) is Microsoft.CodeAnalysis.FlowAnalysis.IFlowCaptureReferenceOperation reference
                && _captures.TryGetValue(reference.Id, out var captured) ? captured.Enumerator : null;
        }

        private void StepSpanEnumerator(SpanEnumerator enumerator)
            => _b.Emit(new IrInstruction { Op = IrOp.Alu, Alu = AluOp.Add, Dst = enumerator.Index, A = enumerator.Index, Imm = 1 });

        /// <summary>The element <c>Current</c> refers to: MoveNext has just proven the index inside the span.</summary>
        private Address CurrentElementAddress(SpanEnumerator enumerator)
        {
            return Address.OfReg(_b.Alu(AluOp.Add, PointerOf(SpanStart(enumerator.Span)), Scaled(Operand.InReg(enumerator.Index), enumerator.ElementSize), false));
        }

        /// <summary>The address of <c>span[i]</c>, with the index proven inside the span.</summary>
        private Address SpanElementAddress(IPropertyReferenceOperation indexer)
        {
            var storage = SpanStorage(indexer.Instance);
            var elementLayout = Layout(indexer.Type, indexer.Syntax);
            if (storage is null || elementLayout is null)
            {
                Unsupported(indexer, "Indexing a Span that is not a local declared as 'stackalloc T[N]'");
                return Address.OfSlot(NewSlot(IntType.Long, "temporary").Id);
            }
            int length = storage.SpanLength;
            var index = Rvalue(indexer.Arguments[0].Value);
            var start = SpanStart(storage);
            string notProven = "A Span index not proven within 0.." + (length - 1)
                + " (C# would throw IndexOutOfRangeException; use a constant, a loop counter, or test it first: 'if ((uint)i < " + length + ")')";
            if (index.IsConst)
            {
                if (index.Value >= 0 && index.Value < length) return start.Plus((int)index.Value * elementLayout.Size);
                Unsupported(indexer.Arguments[0].Value, notProven);
                return Address.OfSlot(storage.Slot);
            }
            var proven = IndexWithin(index, 0, length - 1, indexer.Arguments[0].Value, notProven);
            return Address.OfReg(_b.Alu(AluOp.Add, PointerOf(start), Scaled(proven, elementLayout.Size), false));
        }

        /// <summary>Zeroes a span's memory where it is declared, as <c>stackalloc</c> does, or points a view at its inline array.</summary>
        private void InitializeSpan(ILocalReferenceOperation target, IOperation value)
        {
            var storage = GetLocal(target.Local, target.Syntax);
            if (storage.SpanLength <= 0) return;
            if (storage.Kind == StorageKind.Reference)
            {
                while (value is IConversionOperation conversion) value = conversion.Operand;
                _b.Mov(storage.Reg, PointerOf(AddressOf(value)));
                return;
            }
            var slot = Function.Slots[storage.Slot];
            if (Unconverted(value) is IUtf8StringOperation literal)
            {
                // A UTF-8 literal: its bytes are stored on the stack (it is read-only, so a copy behaves the same).
                StoreBytes(slot, System.Text.Encoding.UTF8.GetBytes(literal.Value));
                return;
            }
            ZeroSlot(slot);
            if (target.Local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken) is VariableDeclaratorSyntax { Initializer.Value: var initializer }
                && SpanInitializer(initializer) is { } elements)
            {
                // stackalloc T[] { ... } and [ ... ]: each element stored in order, as C# evaluates them.
                var model = ModelFor(initializer.SyntaxTree);
                var element = ((INamedTypeSymbol)target.Local.Type).TypeArguments[0];
                var (size, signed) = ScalarInfo(element);
                for (int i = 0; i < elements.Count; i++)
                {
                    var operation = model.GetOperation(elements[i], _cancellationToken);
                    if (operation is null || !IsScalar(element) || HasControlFlow(operation))
                    {
                        Unsupported(operation ?? value, "A span element initializer that is not a scalar expression without branches (&&, ||, ?:, calls)");
                        return;
                    }
                    var v = Rvalue(operation);
                    StoreOperand(Address.OfSlot(slot.Id).Plus(i * size), size, v.IsConst ? Operand.Const(TruncateConstant(v.Value, size, signed)) : v);
                }
            }
        }
        /// <summary><c>span.SequenceEqual("..."u8)</c> and <c>span.StartsWith("..."u8)</c> on a byte span local.</summary>
        private bool IsSpanCompare(IInvocationOperation invocation)
            => invocation.TargetMethod.Name is "SequenceEqual" or "StartsWith" && invocation.Arguments.Length == 2
               && invocation.TargetMethod.ContainingType?.ToDisplayString() == "System.MemoryExtensions"
               && SpanStorage(invocation.Arguments[0].Value) is not null
               && Unconverted(invocation.Arguments[0].Value).Type is INamedTypeSymbol { TypeArguments.Length: 1 } span
               && span.TypeArguments[0].SpecialType == SpecialType.System_Byte;

        /// <summary>Compares <paramref name="count"/> bytes at two addresses, in the widest aligned loads, branching out at the first difference.</summary>
        private void CompareSpans(Address a, Address b, int count, bool aligned, IrBlock whenTrue, IrBlock whenFalse)
        {
            for (int done = 0; done < count;)
            {
                int chunk = aligned ? Chunk(count - done, a.Offset + done, b.Offset + done) : 1;
                int left = _b.Load(a.Plus(done), chunk);
                int right = _b.Load(b.Plus(done), chunk);
                var next = Function.NewBlock();
                _b.Branch(Cond.Ne, left, right, 0, whenFalse, next);
                _b.Block = next;
                done += chunk;
            }
            _b.Jump(whenTrue);
        }

        private static IOperation Unconverted(IOperation op)
        {
            while (op is IConversionOperation conversion) op = conversion.Operand;
            return op;
        }

        /// <summary>
        /// Compares a byte span with a UTF-8 literal in place: lengths are constants, so a length mismatch decides at
        /// compile time; the bytes are compared in the widest aligned loads, branching out at the first difference.
        /// </summary>
        private void LowerSpanCompare(IInvocationOperation invocation, IrBlock whenTrue, IrBlock whenFalse)
        {
            var storage = SpanStorage(invocation.Arguments[0].Value)!;
            bool exact = invocation.TargetMethod.Name == "SequenceEqual";
            if (SpanStorage(invocation.Arguments[1].Value) is { } other)
            {
                // Two spans of constant lengths: a length that cannot match decides at compile time; the bytes are
                // compared in place otherwise.
                if (other.SpanLength > storage.SpanLength || (exact && other.SpanLength != storage.SpanLength))
                {
                    _b.Jump(whenFalse);
                    return;
                }
                CompareSpans(SpanStart(storage), SpanStart(other), other.SpanLength, storage.Kind == StorageKind.Memory && other.Kind == StorageKind.Memory, whenTrue, whenFalse);
                return;
            }
            if (Unconverted(invocation.Arguments[1].Value) is not IUtf8StringOperation literal)
            {
                Unsupported(invocation.Arguments[1], "Comparing a span with something other than a byte span local, a span parameter or a UTF-8 literal (write it as \"bash\"u8)");
                _b.Jump(whenFalse);
                return;
            }
            var expected = System.Text.Encoding.UTF8.GetBytes(literal.Value);
            if (expected.Length > storage.SpanLength || (exact && expected.Length != storage.SpanLength))
            {
                _b.Jump(whenFalse);
                return;
            }
            // Stack slots are 8-byte aligned; a view into other memory is compared byte by byte.
            CompareWithLiteral(SpanStart(storage), expected, storage.Kind == StorageKind.Memory, whenTrue, whenFalse);
        }
    }
}

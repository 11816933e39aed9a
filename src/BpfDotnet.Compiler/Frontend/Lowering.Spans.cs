using System.Linq;
using BpfDotnet.Compiler.Ir;
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
                if (model.GetTypeInfo(value, cancellationToken).Type is ITypeSymbol viewed && TypeLayout.InlineArrayLength(viewed) is int length and > 0)
                {
                    return length;
                }
            }
            return null;
        }

        /// <summary>True when the span local views an <c>[InlineArray]</c> rather than owning <c>stackalloc</c> memory.</summary>
        private bool ViewsInlineArray(ILocalSymbol local)
        {
            if (local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(_cancellationToken) is not VariableDeclaratorSyntax { Initializer.Value: var value }) return false;
            while (value is ParenthesizedExpressionSyntax p) value = p.Expression;
            return value is not StackAllocArrayCreationExpressionSyntax;
        }

        /// <summary>Lays out a span local: its elements on the stack.</summary>
        private bool TryLayoutSpan(ILocalSymbol local, SyntaxNode syntax, LocalStorage storage)
        {
            var element = ((INamedTypeSymbol)local.Type).TypeArguments[0];
            var layout = Layout(element, syntax);
            var model = _model.Compilation.GetSemanticModel(local.DeclaringSyntaxReferences[0].SyntaxTree);
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

        private LocalStorage? SpanStorage(IOperation? instance)
            => instance is not null && Unwrap(instance) is ILocalReferenceOperation local && IsSpan(local.Local.Type)
               && GetLocal(local.Local, instance.Syntax) is { SpanLength: > 0 } storage ? storage : null;

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
            var start = storage.Kind == StorageKind.Reference ? Address.OfReg(storage.Reg) : Address.OfSlot(storage.Slot);
            if (index.IsConst)
            {
                if (index.Value >= 0 && index.Value < length) return start.Plus((int)index.Value * elementLayout.Size);
            }
            else if (TryGetRange(index.Reg, indexer.Syntax, out var range) && range.Low >= 0 && range.High < length)
            {
                return Address.OfReg(_b.Alu(AluOp.Add, PointerOf(start), Scaled(index, elementLayout.Size), false));
            }
            Unsupported(indexer.Arguments[0].Value, "A Span index not proven within 0.." + (length - 1) + " (C# would throw IndexOutOfRangeException; use a constant or a loop counter)");
            return Address.OfSlot(storage.Slot);
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
            ZeroSlot(slot);
        }
    }
}

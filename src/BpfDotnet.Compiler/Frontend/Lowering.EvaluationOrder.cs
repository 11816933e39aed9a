using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// C#'s evaluation order, where registers could break it. A scalar variable that lives in a register is read by
    /// naming that register; when something evaluated later in the same expression writes the variable
    /// (<c>k + k++</c>, <c>F(a, a = 3)</c>, <c>k += k++</c>), the read takes a copy first, so it sees the value the
    /// variable had when C# read it. Assignment targets are located before their value (see <c>LocationOf</c>).
    /// </summary>
    internal sealed partial class Lowering
    {
        /// <summary>A fresh register holding <paramref name="reg"/>'s value now, with what is known of its range.</summary>
        private int CopyOf(int reg)
        {
            int copy = Function.NewReg();
            _b.Mov(copy, reg);
            if (_ranges.TryGetValue(reg, out var range)) _ranges[copy] = range;
            if (_bodyRanges.TryGetValue(reg, out var body)) _bodyRanges[copy] = body;
            return copy;
        }

        /// <summary>The value of a variable held in <paramref name="reg"/>, read by <paramref name="read"/>.</summary>
        private Operand ReadVariable(int reg, IOperation read, ISymbol variable)
            => WrittenLater(read, variable) ? Operand.InReg(CopyOf(reg)) : Operand.InReg(reg);

        /// <summary>
        /// True when an operation C# evaluates after <paramref name="read"/>, before the expression around it uses the
        /// value read, may write <paramref name="variable"/>: a later operand of any enclosing operation.
        /// </summary>
        private static bool WrittenLater(IOperation read, ISymbol variable)
        {
            IOperation child = read;
            for (var parent = read.Parent; parent is not null; child = parent, parent = parent.Parent)
            {
                bool after = false;
                foreach (var sibling in parent.ChildOperations)
                {
                    if (after && Writes(sibling, variable)) return true;
                    if (sibling == child) after = true;
                }
            }
            return false;
        }

        /// <summary>True when evaluating <paramref name="op"/> may write a variable (<paramref name="variable"/>, or any with null).</summary>
        private static bool Writes(IOperation op, ISymbol? variable = null)
        {
            foreach (var node in op.DescendantsAndSelf())
            {
                switch (node)
                {
                    case IDeconstructionAssignmentOperation deconstruction:
                        if (deconstruction.Target.DescendantsAndSelf().Any(t => Denotes(t, variable))) return true;
                        break;
                    case IAssignmentOperation assignment when Denotes(assignment.Target, variable):
                    case IIncrementOrDecrementOperation increment when Denotes(increment.Target, variable):
                    case IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument when Denotes(argument.Value, variable):
                        return true;
                }
            }
            return false;
        }

        /// <summary>True when <paramref name="target"/> names <paramref name="variable"/> (with null: any local or parameter).</summary>
        private static bool Denotes(IOperation target, ISymbol? variable)
        {
            ISymbol? named = Unwrap(target) switch
            {
                ILocalReferenceOperation local => local.Local,
                IParameterReferenceOperation parameter => parameter.Parameter,
                _ => null,
            };
            if (named is null) return false;
            return variable is null || SymbolEqualityComparer.Default.Equals(named, variable);
        }

        /// <summary>
        /// True for an lvalue that denotes memory: a field, a span, inline array or <c>TaskComm</c> element, a pointer's
        /// target, a ref-returning call, or a local or parameter that lives in memory or is a reference.
        /// </summary>
        private bool IsMemoryLocation(IOperation op) => !op.ConstantValue.HasValue && op switch
        {
            IFieldReferenceOperation field => !IsMapField(field) && !field.Field.IsFixedSizeBuffer,
            IPropertyReferenceOperation property => IsSpanMember(property, "this[]") || IsCommIndexer(property) || SpanEnumeratorOf(property) is not null
                || (property.Instance is not null && TypeLayout.BackingField(property.Property) is not null),
            IInlineArrayAccessOperation => true,
            IImplicitIndexerReferenceOperation { Argument: not IRangeOperation } => true,
            IInvocationOperation invocation => invocation.TargetMethod.ReturnsByRef || invocation.TargetMethod.ReturnsByRefReadonly,
            ILocalReferenceOperation local => GetLocal(local.Local, local.Syntax).Kind != StorageKind.Register,
            IParameterReferenceOperation parameter => _parameters.TryGetValue(parameter.Parameter, out var bound) && bound.Kind != StorageKind.Register,
            _ => IsPointerAccess(op),
        };

        /// <summary>
        /// Per control-flow graph: the captures something reads (rather than only assigns to), those whose value is read
        /// (rather than only referred to: a <c>ref</c> argument, a ref assignment), and those assigned on more than one path.
        /// </summary>
        private readonly Dictionary<ControlFlowGraph, (HashSet<CaptureId> Read, HashSet<CaptureId> ValueRead, HashSet<CaptureId> Merged)> _captureUses
            = new Dictionary<ControlFlowGraph, (HashSet<CaptureId>, HashSet<CaptureId>, HashSet<CaptureId>)>();

        private (HashSet<CaptureId> Read, HashSet<CaptureId> ValueRead, HashSet<CaptureId> Merged) CaptureUses()
        {
            if (_captureUses.TryGetValue(_cfg!, out var uses)) return uses;
            var read = new HashSet<CaptureId>();
            var valueRead = new HashSet<CaptureId>();
            var captured = new HashSet<CaptureId>();
            var merged = new HashSet<CaptureId>();
            foreach (var block in _cfg!.Blocks)
            {
                var roots = block.BranchValue is null ? block.Operations : block.Operations.Add(block.BranchValue);
                foreach (var op in roots.SelectMany(r => r.DescendantsAndSelf()))
                {
                    if (op is IFlowCaptureOperation capture && !captured.Add(capture.Id)) merged.Add(capture.Id);
                    if (op is not IFlowCaptureReferenceOperation reference || (reference.Parent is ISimpleAssignmentOperation target && target.Target == reference)) continue;
                    read.Add(reference.Id);
                    bool referredTo = reference.Parent is IArgumentOperation { Parameter.RefKind: not RefKind.None } or IAddressOfOperation
                        || (reference.Parent is ISimpleAssignmentOperation { IsRef: true } refAssignment && refAssignment.Value == reference);
                    if (!referredTo) valueRead.Add(reference.Id);
                }
            }
            uses = (read, valueRead, merged);
            _captureUses[_cfg] = uses;
            return uses;
        }

        /// <summary>True when the graph being lowered reads capture <paramref name="id"/> (not only assigns to it).</summary>
        private bool IsCaptureRead(CaptureId id) => _cfg is null || CaptureUses().Read.Contains(id);

        /// <summary>True when the graph reads the value of capture <paramref name="id"/>, not only refers to what it denotes.</summary>
        private bool IsCaptureValueRead(CaptureId id) => _cfg is null || CaptureUses().ValueRead.Contains(id);

        /// <summary>
        /// True when capture <paramref name="id"/> is assigned on more than one path (the value of <c>c ? x : y</c>): it is
        /// a value, never the location of one of its arms.
        /// </summary>
        private bool IsMergedCapture(CaptureId id) => _cfg is not null && CaptureUses().Merged.Contains(id);

        /// <summary>True for the target of a ref assignment (<c>r</c> in <c>r = ref x</c>).</summary>
        private static bool IsRefAssignmentTarget(IOperation value)
            => value.Syntax.Parent is AssignmentExpressionSyntax { Right: RefExpressionSyntax } assignment && assignment.Left == value.Syntax;

        /// <summary>
        /// True for an arm of a conditional ref (<c>c ? ref a : ref b</c>): Roslyn captures each arm in its own branch, so
        /// the capture holds the address the arm refers to, chosen when the program runs.
        /// </summary>
        private static bool IsRefArm(IOperation value)
        {
            var syntax = value.Syntax;
            while (syntax.Parent is ParenthesizedExpressionSyntax parenthesized) syntax = parenthesized;
            return syntax.Parent is RefExpressionSyntax { Parent: ConditionalExpressionSyntax };
        }
    }
}

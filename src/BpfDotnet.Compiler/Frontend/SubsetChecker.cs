using System.Collections.Generic;
using System.Linq;
using System.Threading;
using BpfDotnet.Compiler.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// Finds constructs outside the eBPF subset before any lowering, reporting each on its own syntax:
    /// allocation, strings, exceptions, floating point, loops, unsupported types and language features.
    /// </summary>
    internal static class SubsetChecker
    {
        /// <param name="unproven">
        /// Where loops the syntax shows no bound for go, with their refusal, to be settled by the IR's loop forest once the
        /// method is compiled (<see cref="UnprovenLoops"/>); null to report them at once.
        /// </param>
        public static void Check(BaseMethodDeclarationSyntax declaration, SemanticModel model, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken,
            UnprovenLoops? unproven = null)
        {
            SyntaxNode? body = (SyntaxNode?)declaration.Body ?? declaration.ExpressionBody;
            if (body is null) return;
            if (declaration.Modifiers.Any(SyntaxKind.AsyncKeyword)) diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedConstruct, declaration.GetLocation(), "An async method"));
            CheckBody(body, model, diagnostics, cancellationToken, unproven);
        }

        /// <summary>Checks a body (of a method, constructor or property accessor) against the subset.</summary>
        public static void CheckBody(SyntaxNode body, SemanticModel model, List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken,
            UnprovenLoops? unproven = null)
        {
            void Report(DiagnosticDescriptor d, SyntaxNode node, params string[] args) => diagnostics.Add(DiagnosticInfo.Create(d, node.GetLocation(), args));

            // span.Length bounds a loop: a span local's length is known here; a span parameter's is a constant at each
            // call, so the loop's shape is checked with a stand-in length and checked again with the real one where it is lowered.
            long? SpanLength(ExpressionSyntax span)
            {
                switch (model.GetSymbolInfo(span, cancellationToken).Symbol)
                {
                    case ILocalSymbol local when Lowering.IsSpan(local.Type):
                        return Lowering.StackAllocLength(local, model, cancellationToken);
                    case IParameterSymbol parameter when Lowering.IsSpan(parameter.Type):
                        return 1;
                    default:
                        return null;
                }
            }

            // foreach over a span local or parameter runs once per element: a bound the verifier sees.
            long? ForEachSpanLength(ForEachStatementSyntax loop)
            {
                var expression = loop.Expression;
                while (expression is ParenthesizedExpressionSyntax p) expression = p.Expression;
                // An inline array (a local, a parameter, a field of one) is enumerated as the span of its elements.
                if (model.GetTypeInfo(expression, cancellationToken).Type is { } type && TypeLayout.InlineArrayLength(type) > 0) return TypeLayout.InlineArrayLength(type);
                return expression is IdentifierNameSyntax ? SpanLength(expression) : null;
            }

            void CheckLoop(StatementSyntax loop, SyntaxToken keyword)
            {
                if (LoopBounds.TripCount(loop, model, cancellationToken, out var why, SpanLength) is null)
                {
                    var refusal = DiagnosticInfo.Create(DiagnosticDescriptors.UnboundedLoop, keyword.GetLocation(), why);
                    if (unproven is null) diagnostics.Add(refusal);
                    else unproven.Add(loop, refusal);
                }
            }

            // Syntax-level constructs.
            var skip = new HashSet<SyntaxNode>();
            foreach (var node in body.DescendantNodesAndSelf())
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (node)
                {
                    case ForStatementSyntax s: CheckLoop(s, s.ForKeyword); break;
                    case WhileStatementSyntax s: CheckLoop(s, s.WhileKeyword); break;
                    case DoStatementSyntax s: CheckLoop(s, s.DoKeyword); break;
                    case ForEachStatementSyntax s when ForEachSpanLength(s) is long n:
                        if (n > LoopBounds.MaxIterations) diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnboundedLoop, s.ForEachKeyword.GetLocation(), $"it runs more than {LoopBounds.MaxIterations} times"));
                        break;
                    case CommonForEachStatementSyntax s: diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnboundedLoop, s.ForEachKeyword.GetLocation(), "foreach is followed only over a span local or span parameter, or an inline array; other loops must be for, while or do loops with a constant bound")); break;
                    case GotoStatementSyntax s when !JumpsForward(s, model, cancellationToken):
                        // A backward jump makes a loop with no bound the compiler or the verifier can see.
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnboundedLoop, s.GetLocation(), "a 'goto' that jumps back makes a loop with no visible bound (jump forward only, or write a for loop with a constant bound)"));
                        break;
                    case TryStatementSyntax s: Report(DiagnosticDescriptors.Exceptions, s, "try"); break;
                    case ThrowStatementSyntax s: Report(DiagnosticDescriptors.Exceptions, s, s.ToString()); break;
                    case ThrowExpressionSyntax s: Report(DiagnosticDescriptors.Exceptions, s, s.ToString()); break;
                    case AnonymousFunctionExpressionSyntax s: Report(DiagnosticDescriptors.UnsupportedConstruct, s, "A lambda or anonymous method"); skip.Add(s); break;
                    case LocalFunctionStatementSyntax s when LocalFunctionProblem(s, model, cancellationToken) is string problem:
                        // A local function that captures nothing is inlined like a method; one that captures variables, is async or generic is not.
                        Report(DiagnosticDescriptors.UnsupportedConstruct, s.Identifier.Parent!, problem);
                        skip.Add(s);
                        break;
                    case AwaitExpressionSyntax s: Report(DiagnosticDescriptors.UnsupportedConstruct, s, "'await'"); break;
                    case QueryExpressionSyntax s: Report(DiagnosticDescriptors.UnsupportedConstruct, s, "A LINQ query"); skip.Add(s); break;
                    case YieldStatementSyntax s: Report(DiagnosticDescriptors.UnsupportedConstruct, s, "'yield'"); break;
                    case LockStatementSyntax s: Report(DiagnosticDescriptors.UnsupportedConstruct, s, "'lock'"); break;
                    case UsingStatementSyntax s: Report(DiagnosticDescriptors.UnsupportedConstruct, s, "'using'"); break;
                    case FixedStatementSyntax s: Report(DiagnosticDescriptors.UnsupportedConstruct, s, "'fixed'"); break;
                    case StackAllocArrayCreationExpressionSyntax s when !InitializesSpan(s, model, cancellationToken):
                        Report(DiagnosticDescriptors.UnsupportedConstruct, s, "'stackalloc' other than 'Span<T> name = stackalloc T[N]' or an argument 'stackalloc T[N]', with a constant N");
                        skip.Add(s);
                        break;
                    case ImplicitStackAllocArrayCreationExpressionSyntax s when !InitializesSpan(s, model, cancellationToken):
                        Report(DiagnosticDescriptors.UnsupportedConstruct, s, "'stackalloc' other than 'Span<T> name = stackalloc T[N]' or an argument 'stackalloc T[N]', with a constant N");
                        skip.Add(s);
                        break;
                    case CollectionExpressionSyntax s when !InitializesSpan(s, model, cancellationToken):
                        Report(DiagnosticDescriptors.UnsupportedConstruct, s, "A collection expression other than the initializer of a Span or ReadOnlySpan local (with no spread)");
                        skip.Add(s);
                        break;
                    case AssignmentExpressionSyntax a when Lowering.IsSpan(model.GetTypeInfo(a.Left, cancellationToken).Type):
                        Report(DiagnosticDescriptors.UnsupportedConstruct, a, "Assigning a Span after its declaration");
                        break;
                    case CheckedExpressionSyntax s when s.IsKind(SyntaxKind.CheckedExpression): Report(DiagnosticDescriptors.UnsupportedConstruct, s, "Checked arithmetic"); break;
                    case CheckedStatementSyntax s when s.IsKind(SyntaxKind.CheckedStatement): Report(DiagnosticDescriptors.UnsupportedConstruct, s, "Checked arithmetic"); break;
                    case SwitchExpressionSyntax s when !s.Arms.Any(a => a.Pattern is DiscardPatternSyntax && a.WhenClause is null)
                        && model.GetOperation(s, cancellationToken) is not ISwitchExpressionOperation { IsExhaustive: true }:
                        // When no arm matches C# throws; probes cannot throw. Arms that cover every value need no '_'.
                        Report(DiagnosticDescriptors.UnsupportedConstruct, s, "A switch expression whose arms do not cover every value, without a final '_ =>' arm (it throws when no arm matches)");
                        break;
                    case VariableDeclaratorSyntax v:
                        if (model.GetDeclaredSymbol(v, cancellationToken) is ILocalSymbol local) CheckLocalType(local, v, Report);
                        break;
                    case SingleVariableDesignationSyntax d:
                        if (model.GetDeclaredSymbol(d, cancellationToken) is ILocalSymbol designated) CheckLocalType(designated, d, Report);
                        break;
                }
            }

            // Operation-level constructs, reported on the outermost offending operation.
            if (model.GetOperation(body, cancellationToken) is not IOperation root) return;
            var stack = new Stack<IOperation>();
            stack.Push(root);
            while (stack.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var op = stack.Pop();
                if (skip.Contains(op.Syntax)) continue;
                if (CheckOperation(op, Report)) continue;
                foreach (var child in op.ChildOperations) stack.Push(child);
            }
        }

        /// <summary>
        /// True when a <c>goto</c> jumps to a point after itself: a label, or (for <c>goto case</c> and <c>goto default</c>)
        /// a later section of its switch. Forward jumps are ordinary branches; backward ones form loops.
        /// </summary>
        private static bool JumpsForward(GotoStatementSyntax jump, SemanticModel model, CancellationToken cancellationToken)
        {
            SyntaxNode? target = null;
            if (jump.IsKind(SyntaxKind.GotoStatement))
            {
                target = (model.GetSymbolInfo(jump.Expression!, cancellationToken).Symbol as ILabelSymbol)?.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken);
            }
            else if (jump.FirstAncestorOrSelf<SwitchStatementSyntax>() is { } switchStatement)
            {
                var value = jump.Expression is null ? default : model.GetConstantValue(jump.Expression, cancellationToken);
                target = switchStatement.Sections.FirstOrDefault(section => section.Labels.Any(label => label switch
                {
                    DefaultSwitchLabelSyntax => jump.IsKind(SyntaxKind.GotoDefaultStatement),
                    CaseSwitchLabelSyntax caseLabel => value is { HasValue: true } && jump.IsKind(SyntaxKind.GotoCaseStatement)
                        && model.GetConstantValue(caseLabel.Value, cancellationToken) is { HasValue: true } caseValue && Lowering.ConstantToLong(caseValue.Value) == Lowering.ConstantToLong(value.Value),
                    _ => false,
                }));
            }
            return target is not null && target.SpanStart > jump.Span.End;
        }

        private static bool InitializesSpan(ExpressionSyntax stackAlloc, SemanticModel model, CancellationToken cancellationToken)
        {
            SyntaxNode node = stackAlloc;
            while (node.Parent is ParenthesizedExpressionSyntax) node = node.Parent;
            if (node.Parent is ArgumentSyntax && stackAlloc is StackAllocArrayCreationExpressionSyntax { Type: ArrayTypeSyntax { RankSpecifiers.Count: 1 } array, Initializer: null }
                && array.RankSpecifiers[0].Sizes.Count == 1 && model.GetConstantValue(array.RankSpecifiers[0].Sizes[0], cancellationToken) is { HasValue: true, Value: int count } && count > 0
                && Lowering.IsSpan(model.GetTypeInfo(stackAlloc, cancellationToken).ConvertedType)
                && TypeLayout.TryGet(model.GetTypeInfo(array.ElementType, cancellationToken).Type, out _) is { } element && (long)count * element.Size <= 512)
            {
                // 'Sum(stackalloc byte[8])': zeroed elements on the stack, passed to a span parameter.
                return true;
            }
            return node.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax declarator }
                && model.GetDeclaredSymbol(declarator, cancellationToken) is ILocalSymbol local && Lowering.IsSpan(local.Type)
                && Lowering.StackAllocLength(local, model, cancellationToken) is long n && n * ElementSize(local) <= 512;
        }

        private static long ElementSize(ILocalSymbol span)
            => TypeLayout.TryGet(((INamedTypeSymbol)span.Type).TypeArguments[0], out _)?.Size ?? long.MaxValue / 1024;

        private delegate void Reporter(DiagnosticDescriptor descriptor, SyntaxNode node, params string[] args);

        private static void CheckLocalType(ILocalSymbol local, SyntaxNode node, Reporter report)
        {
            var type = local.Type;
            if (type is null || type.TypeKind == TypeKind.Error) return;
            if (IsNullableValue(type)) report(DiagnosticDescriptors.UnsupportedConstruct, node, NullableProblem(type));
            else if (type.SpecialType == SpecialType.System_String) report(DiagnosticDescriptors.StringUse, node, local.Name);
            else if (IsFloat(type)) report(DiagnosticDescriptors.FloatingPoint, node, local.Name, type.ToDisplayString());
            else if (IsMapType(type)) { }
            else if (Lowering.IsSpan(type))
            {
                var element = ((INamedTypeSymbol)type).TypeArguments[0];
                if (TypeLayout.TryGet(element, out _) is null) report(DiagnosticDescriptors.UnsupportedType, node, element.ToDisplayString());
            }
            else if (TypeLayout.TryGet(type, out _) is null) report(DiagnosticDescriptors.UnsupportedType, node, type.ToDisplayString());
        }

        private static bool IsNullableValue(ITypeSymbol? type) => type?.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;

        private static string NullableProblem(ITypeSymbol type)
            => "A nullable value ('" + type.ToDisplayString() + "': eBPF has no null for values; keep a separate bool that says whether there is one, or a value that cannot occur)";

        /// <summary>A type a local may not have: strings, floating point and nullable values (each reported where the local is declared).</summary>
        private static bool IsRefusedType(ITypeSymbol? type)
            => type is not null && (type.SpecialType == SpecialType.System_String || IsFloat(type) || IsNullableValue(type));

        /// <summary>
        /// One mistake, one diagnostic: a local of a refused type is reported where it is declared, so the expressions
        /// that use it (or initialise it) are left alone. True when <paramref name="op"/> is explained that way.
        /// </summary>
        private static bool ExplainedByDeclaration(IOperation op)
        {
            static bool Declared(IOperation o) => o switch
            {
                ILocalReferenceOperation local => IsRefusedType(local.Local.Type),
                IVariableDeclaratorOperation declarator => IsRefusedType(declarator.Symbol.Type),
                _ => false,
            };
            if (Declared(op)) return true;
            if (!IsRefusedType(op.Type)) return false;
            for (var parent = op.Parent; parent is not null; parent = parent.Parent)
            {
                if (Declared(parent)) return true;
            }
            return op.DescendantsAndSelf().Any(Declared);
        }

        /// <summary>The formats of <c>Bpf.Printk</c> and <c>Bpf.Snprintf</c> are the places a string literal is allowed.</summary>
        private static bool IsPrintkFormat(IOperation literal)
            => literal.Parent is IArgumentOperation { Parameter.Name: "format", Parent: IInvocationOperation invocation }
               && invocation.TargetMethod.Name is "Printk" or "Snprintf" or "SeqPrintf" && invocation.TargetMethod.ContainingType?.ToDisplayString() == KnownTypes.Bpf;

        private static bool IsFloat(ITypeSymbol? type)
            => type is not null && (type.SpecialType == SpecialType.System_Single || type.SpecialType == SpecialType.System_Double || type.SpecialType == SpecialType.System_Decimal);

        /// <summary>True for the map types a probe declares (the map kinds table's C# types).</summary>
        internal static bool IsMapType(ITypeSymbol type)
        {
            string name = type.OriginalDefinition.ContainingNamespace?.ToDisplayString() + "." + type.OriginalDefinition.MetadataName;
            return KernelModel.MapKinds.ByClrType(name) is not null;
        }

        /// <summary>Why a local function cannot be inlined, or null when it can.</summary>
        private static string? LocalFunctionProblem(LocalFunctionStatementSyntax function, SemanticModel model, CancellationToken cancellationToken)
        {
            if (function.Modifiers.Any(SyntaxKind.AsyncKeyword) || function.TypeParameterList is not null) return "A local function that is async or generic";
            if (model.GetDeclaredSymbol(function, cancellationToken) is IMethodSymbol symbol && symbol.GetAttributes().Any(a =>
                    a.AttributeClass?.ToDisplayString() == "System.Runtime.CompilerServices.MethodImplAttribute" && a.ConstructorArguments.Length == 1
                    && a.ConstructorArguments[0].Value is int or short && (System.Convert.ToInt32(a.ConstructorArguments[0].Value, System.Globalization.CultureInfo.InvariantCulture) & 0x08) != 0))
            {
                // Local functions are always inlined; only methods of the class are kept as BPF-to-BPF calls.
                return "A local function marked [MethodImpl(MethodImplOptions.NoInlining)] (local functions are inlined; make it a static method of the class to keep it a BPF-to-BPF call)";
            }
            return CapturedVariable(function, model, cancellationToken) is string captured
                ? "A local function that captures '" + captured + "' (pass it as a parameter, or make the function static)"
                : null;
        }

        /// <summary>The first local or parameter of an enclosing method that a local function uses, or null when it captures nothing.</summary>
        private static string? CapturedVariable(LocalFunctionStatementSyntax function, SemanticModel model, CancellationToken cancellationToken)
        {
            if (function.Modifiers.Any(SyntaxKind.StaticKeyword)) return null;
            var self = model.GetDeclaredSymbol(function, cancellationToken);
            foreach (var name in function.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (model.GetSymbolInfo(name, cancellationToken).Symbol is not (ILocalSymbol or IParameterSymbol) || model.GetSymbolInfo(name, cancellationToken).Symbol is not { } variable) continue;
                // Its own locals and parameters (and those of functions nested in it) are contained in it.
                bool own = false;
                for (var owner = variable.ContainingSymbol; owner is not null; owner = owner.ContainingSymbol)
                {
                    if (SymbolEqualityComparer.Default.Equals(owner, self)) { own = true; break; }
                }
                if (!own) return variable.Name;
            }
            return null;
        }

        /// <summary>A property pattern on a struct (<c>{ Count: > 0, Kind: 2 }</c>) with no type test, deconstruction or designation.</summary>
        private static bool IsStructPropertyPattern(IPatternOperation pattern)
            => pattern is IRecursivePatternOperation { DeconstructSymbol: null, DeclaredSymbol: null, DeconstructionSubpatterns.Length: 0 } recursive
               && recursive.InputType.TypeKind == TypeKind.Struct && SymbolEqualityComparer.Default.Equals(recursive.InputType, recursive.MatchedType);

        /// <summary>A positional pattern on a tuple (<c>(0, &gt; 5)</c>) with no designation, type test or property subpatterns.</summary>
        private static bool IsTuplePattern(IPatternOperation pattern)
            => pattern is IRecursivePatternOperation { DeconstructSymbol: null, DeclaredSymbol: null, PropertySubpatterns.Length: 0, DeconstructionSubpatterns.Length: > 0 } recursive
               && recursive.InputType.IsTupleType;

        /// <summary>The boxing of an enum for <c>flags.HasFlag(Flag)</c>, which compiles to a mask test and allocates nothing.</summary>
        internal static bool IsHasFlagOperand(IConversionOperation conversion)
        {
            var parent = conversion.Parent is IArgumentOperation argument ? argument.Parent : conversion.Parent;
            return parent is IInvocationOperation { TargetMethod: { Name: "HasFlag", ContainingType.SpecialType: SpecialType.System_Enum } } && conversion.Operand.Type?.TypeKind == TypeKind.Enum;
        }

        /// <summary>Reports a problem with <paramref name="op"/> itself; true when its children need no further look.</summary>
        private static bool CheckOperation(IOperation op, Reporter report)
        {
            // Code C# itself refuses has its own error: nothing is added to it, or to what it contains.
            if (op is IInvalidOperation || op.Type?.TypeKind == TypeKind.Error) return true;
            if (ExplainedByDeclaration(op)) return true;
            if (IsNullableValue(op.Type))
            {
                report(DiagnosticDescriptors.UnsupportedConstruct, op.Syntax, NullableProblem(op.Type!));
                return true;
            }
            switch (op)
            {
                case IObjectCreationOperation creation when creation.Type is { IsReferenceType: true }:
                    report(DiagnosticDescriptors.HeapAllocation, op.Syntax, op.Syntax.ToString());
                    return true;
                case IArrayCreationOperation:
                case IAnonymousObjectCreationOperation:
                case ITypeParameterObjectCreationOperation:
                case IDelegateCreationOperation:
                    report(DiagnosticDescriptors.HeapAllocation, op.Syntax, op.Syntax.ToString());
                    return true;
                case IConversionOperation conversion when conversion.Type is IPointerTypeSymbol && conversion.Operand.Type is not IPointerTypeSymbol
                    && !(conversion.Type is IPointerTypeSymbol { PointedAtType: var kernelType } && TypeLayout.IsKernelType(kernelType))
                    && !(conversion.Operand.ConstantValue.HasValue && (conversion.Operand.ConstantValue.Value is null || conversion.Operand.ConstantValue.Value is 0 or 0L or 0UL)):
                    report(DiagnosticDescriptors.UnsupportedConstruct, op.Syntax, "A pointer made from an integer ('" + op.Syntax + "': the verifier lets a program dereference only pointers it can track, such as '&local' or a fixed buffer)");
                    return true;
                case IConversionOperation conversion when conversion.Type is { IsReferenceType: true } && conversion.Operand.Type is { IsValueType: true } && !IsHasFlagOperand(conversion):
                    report(DiagnosticDescriptors.HeapAllocation, op.Syntax, op.Syntax.ToString());
                    return true;
                case IInterpolatedStringOperation:
                    report(DiagnosticDescriptors.StringUse, op.Syntax, op.Syntax.ToString());
                    return true;
                case ILiteralOperation literal when literal.Type?.SpecialType == SpecialType.System_String && IsPrintkFormat(literal):
                    return true;
                case ILiteralOperation literal when literal.Type?.SpecialType == SpecialType.System_String:
                    report(DiagnosticDescriptors.StringUse, op.Syntax, op.Syntax.ToString());
                    return true;
                case IThrowOperation:
                    return true;
                case IPatternOperation pattern when !(pattern is IConstantPatternOperation || pattern is IRelationalPatternOperation
                    || pattern is IDiscardPatternOperation || pattern is INegatedPatternOperation || pattern is IBinaryPatternOperation || IsStructPropertyPattern(pattern) || IsTuplePattern(pattern)):
                    report(DiagnosticDescriptors.UnsupportedConstruct, op.Syntax, "This pattern ('" + op.Syntax + "'; constant and relational patterns, property patterns on structs, tuple patterns, 'not', 'and', 'or' and '_' are supported)");
                    return true;
            }
            if (op.Type is not null && IsFloat(op.Type) && op is not IVariableDeclarationOperation)
            {
                report(DiagnosticDescriptors.FloatingPoint, op.Syntax, op.Syntax.ToString(), op.Type.ToDisplayString());
                return true;
            }
            if (op.Type?.SpecialType == SpecialType.System_String && op is not IInvocationOperation)
            {
                report(DiagnosticDescriptors.StringUse, op.Syntax, op.Syntax.ToString());
                return true;
            }
            return false;
        }
    }
}

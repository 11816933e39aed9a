using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace BpfDotnet.CodeFixes
{
    /// <summary>
    /// BPF0015: a <c>ref</c> local from <c>GetValueRefOrNullRef</c> used without a null test. The fix returns early
    /// when the key is missing, right after the declaration: <c>if (Unsafe.IsNullRef(ref value)) return 0;</c>.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(NullTestMapValueFix)), Shared]
    public sealed class NullTestMapValueFix : CodeFixProvider
    {
        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(FixIds.MaybeNullMapValue);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null || model is null) return;
            foreach (var diagnostic in context.Diagnostics)
            {
                var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
                var method = node.FirstAncestorOrSelf<MethodDeclarationSyntax>();
                if (method is null) continue;
                // The ref locals read in the diagnosed code that come from GetValueRefOrNullRef.
                var declarators = node.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>()
                    .Select(name => model.GetSymbolInfo(name, context.CancellationToken).Symbol as ILocalSymbol)
                    .Where(local => local is not null && local.IsRef)
                    .Select(local => local!.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(context.CancellationToken) as VariableDeclaratorSyntax)
                    .Where(declarator => declarator?.Initializer?.Value is RefExpressionSyntax { Expression: InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "GetValueRefOrNullRef" } } })
                    .Distinct()
                    .ToList();
                if (declarators.Count != 1) continue;
                var declarator = declarators[0]!;
                if (declarator.Parent?.Parent is not LocalDeclarationStatementSyntax declaration || declaration.Parent is not BlockSyntax block) continue;
                string name = declarator.Identifier.ValueText;
                string returned = method.ReturnType is PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.VoidKeyword } ? "return;" : "return 0;";
                if (!(method.ReturnType is PredefinedTypeSyntax predefined && (predefined.Keyword.IsKind(SyntaxKind.VoidKeyword) || predefined.Keyword.IsKind(SyntaxKind.IntKeyword)
                    || predefined.Keyword.IsKind(SyntaxKind.LongKeyword) || predefined.Keyword.IsKind(SyntaxKind.UIntKeyword)))) returned = "return default;";
                context.RegisterCodeFix(
                    CodeAction.Create($"Return when '{name}' is missing from the map", _ =>
                    {
                        var test = SyntaxFactory.ParseStatement($"if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref {name})) {returned}")
                            .WithAdditionalAnnotations(Formatter.Annotation, Microsoft.CodeAnalysis.Simplification.Simplifier.Annotation);
                        var newBlock = block.WithStatements(block.Statements.Insert(block.Statements.IndexOf(declaration) + 1, test));
                        return Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(block, newBlock)));
                    }, nameof(NullTestMapValueFix)),
                    diagnostic);
            }
        }
    }
}

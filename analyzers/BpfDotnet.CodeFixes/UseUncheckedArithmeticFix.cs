using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BpfDotnet.CodeFixes
{
    /// <summary>
    /// BPF0008 on checked arithmetic: an eBPF program cannot throw <c>OverflowException</c>, so the fix states the
    /// wrap-around the kernel performs: <c>checked(...)</c> and <c>checked { }</c> become <c>unchecked</c>, and an
    /// operation checked by the project's <c>CheckForOverflowUnderflow</c> setting is wrapped in <c>unchecked</c>.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseUncheckedArithmeticFix)), Shared]
    public sealed class UseUncheckedArithmeticFix : CodeFixProvider
    {
        private const string Title = "Use unchecked arithmetic (wraps on overflow, as eBPF does)";

        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(FixIds.UnsupportedConstruct);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null) return;
            foreach (var diagnostic in context.Diagnostics)
            {
                string message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
                if (!message.StartsWith("Checked arithmetic", System.StringComparison.Ordinal) && !message.StartsWith("A checked conversion", System.StringComparison.Ordinal)) continue;
                var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
                var replacement = Replacement(node);
                if (replacement is null) continue;
                var (target, newNode) = replacement.Value;
                context.RegisterCodeFix(
                    CodeAction.Create(Title, _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(target, newNode))), nameof(UseUncheckedArithmeticFix)),
                    diagnostic);
            }
        }

        private static (SyntaxNode Target, SyntaxNode Replacement)? Replacement(SyntaxNode node)
        {
            switch (node)
            {
                case CheckedExpressionSyntax expression when expression.IsKind(SyntaxKind.CheckedExpression):
                    return (expression, SyntaxFactory.CheckedExpression(SyntaxKind.UncheckedExpression,
                        SyntaxFactory.Token(expression.Keyword.LeadingTrivia, SyntaxKind.UncheckedKeyword, expression.Keyword.TrailingTrivia),
                        expression.OpenParenToken, expression.Expression, expression.CloseParenToken));
                case CheckedStatementSyntax statement when statement.IsKind(SyntaxKind.CheckedStatement):
                    return (statement, SyntaxFactory.CheckedStatement(SyntaxKind.UncheckedStatement,
                        SyntaxFactory.Token(statement.Keyword.LeadingTrivia, SyntaxKind.UncheckedKeyword, statement.Keyword.TrailingTrivia),
                        statement.Block));
                case ExpressionSyntax expression when expression.Parent is ExpressionStatementSyntax statement:
                    // x += y; cannot be written unchecked(x += y);: the statement goes in an unchecked block.
                    var inner = statement.WithoutLeadingTrivia().WithoutTrailingTrivia();
                    return (statement, SyntaxFactory.CheckedStatement(SyntaxKind.UncheckedStatement, SyntaxFactory.Block(inner))
                        .WithLeadingTrivia(statement.GetLeadingTrivia()).WithTrailingTrivia(statement.GetTrailingTrivia()));
                case ExpressionSyntax expression:
                    return (expression, SyntaxFactory.CheckedExpression(SyntaxKind.UncheckedExpression, expression.WithoutTrivia())
                        .WithTriviaFrom(expression));
                default:
                    return null;
            }
        }
    }
}

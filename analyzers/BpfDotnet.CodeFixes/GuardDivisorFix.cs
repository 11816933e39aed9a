using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
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
    /// BPF0016 on a division by a variable: divides only when the test the diagnostic names holds, and gives 0
    /// otherwise (<c>x / d</c> becomes <c>(d != 0 ? x / d : 0)</c>; <c>q /= d;</c> becomes <c>if (d != 0) q /= d;</c>).
    /// A divisor that is not a plain variable (<c>ctx.Arg1</c>) is first read into a local, so the test and the
    /// division see the same value.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(GuardDivisorFix)), Shared]
    public sealed class GuardDivisorFix : CodeFixProvider
    {
        // The compiler's message names the test: "... (for example 'if (d > 0)') ...".
        private static readonly Regex s_test = new Regex(@"'if \((?<divisor>.+) (?<test>!= 0|> 0|!= -1)\)'", RegexOptions.CultureInvariant);

        public override ImmutableArray<string> FixableDiagnosticIds => ImmutableArray.Create(FixIds.UnsupportedDivision);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null || model is null) return;
            foreach (var diagnostic in context.Diagnostics)
            {
                var match = s_test.Match(diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
                if (!match.Success) continue;
                string test = match.Groups["test"].Value;
                var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
                var (divisor, division) = node switch
                {
                    BinaryExpressionSyntax b when b.IsKind(SyntaxKind.DivideExpression) || b.IsKind(SyntaxKind.ModuloExpression) => (b.Right, (ExpressionSyntax)b),
                    AssignmentExpressionSyntax a when a.IsKind(SyntaxKind.DivideAssignmentExpression) || a.IsKind(SyntaxKind.ModuloAssignmentExpression) => (a.Right, a),
                    _ => (null!, null!),
                };
                if (division is null) continue;
                var statement = division.FirstAncestorOrSelf<StatementSyntax>();
                if (statement is null) continue;
                bool plainVariable = IsVariable(Unparenthesized(divisor), model, context.CancellationToken);
                if (!plainVariable && !CanHoist(divisor, statement)) continue;
                string title = $"Divide only when '{(plainVariable ? Unparenthesized(divisor).ToString() : "divisor")} {test}' (0 otherwise)";
                // One equivalence key for every test: Fix All (and dotnet format) guards each division with its own test.
                context.RegisterCodeFix(
                    CodeAction.Create(title, ct => Task.FromResult(Apply(context.Document, root, statement, division, divisor, test, plainVariable)), nameof(GuardDivisorFix)),
                    diagnostic);
            }
        }

        private static Document Apply(Document document, SyntaxNode root, StatementSyntax statement, ExpressionSyntax division, ExpressionSyntax divisor, string test, bool plainVariable)
        {
            string name = plainVariable ? Unparenthesized(divisor).ToString() : FreeName(statement, "divisor");
            var condition = SyntaxFactory.ParseExpression(name + " " + test);
            var newDivision = plainVariable ? division : division.ReplaceNode(divisor, SyntaxFactory.IdentifierName(name).WithTriviaFrom(divisor));
            StatementSyntax newStatement;
            if (division is AssignmentExpressionSyntax && division.Parent == statement)
            {
                // q /= d;  ->  if (d != 0) q /= d;
                newStatement = SyntaxFactory.IfStatement(condition, SyntaxFactory.ExpressionStatement((ExpressionSyntax)newDivision.WithoutTrivia()))
                    .WithTriviaFrom(statement);
            }
            else
            {
                var guarded = SyntaxFactory.ParenthesizedExpression(SyntaxFactory.ConditionalExpression(condition,
                    ((ExpressionSyntax)newDivision).WithoutTrivia(), SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(0))));
                newStatement = statement.ReplaceNode(division, guarded.WithTriviaFrom(division));
            }
            newStatement = newStatement.WithAdditionalAnnotations(Formatter.Annotation);
            if (plainVariable) return document.WithSyntaxRoot(root.ReplaceNode(statement, newStatement));

            // Read the divisor once, before the statement: var divisor = ctx.Arg1;
            var declaration = SyntaxFactory.LocalDeclarationStatement(SyntaxFactory.VariableDeclaration(SyntaxFactory.IdentifierName("var"),
                    SyntaxFactory.SingletonSeparatedList(SyntaxFactory.VariableDeclarator(name).WithInitializer(SyntaxFactory.EqualsValueClause(Unparenthesized(divisor).WithoutTrivia())))))
                .WithLeadingTrivia(statement.GetLeadingTrivia())
                .WithAdditionalAnnotations(Formatter.Annotation);
            var newRoot = root.ReplaceNode(statement, new SyntaxNode[] { declaration, newStatement.WithLeadingTrivia(statement.GetLeadingTrivia()) });
            return document.WithSyntaxRoot(newRoot);
        }

        private static ExpressionSyntax Unparenthesized(ExpressionSyntax e)
        {
            while (e is ParenthesizedExpressionSyntax p) e = p.Expression;
            return e;
        }

        /// <summary>
        /// A variable the compiler's proof can follow: a local, a by-value parameter or a <c>static readonly</c>
        /// field, or a field of one of those (<c>v.Count</c>). Not memory behind a reference (<c>ctx.Arg1</c>).
        /// </summary>
        private static bool IsVariable(ExpressionSyntax e, SemanticModel model, CancellationToken cancellationToken)
        {
            while (e is MemberAccessExpressionSyntax access && access.IsKind(SyntaxKind.SimpleMemberAccessExpression))
            {
                if (model.GetSymbolInfo(access, cancellationToken).Symbol is not IFieldSymbol field) return false;
                if (field.IsStatic) return field.IsReadOnly;
                if (model.GetTypeInfo(access.Expression, cancellationToken).Type?.IsValueType != true) return false;
                e = access.Expression;
            }
            if (e is not IdentifierNameSyntax) return false;
            return model.GetSymbolInfo(e, cancellationToken).Symbol switch
            {
                ILocalSymbol local => !local.IsRef,
                IParameterSymbol parameter => parameter.RefKind == RefKind.None,
                IFieldSymbol field => field.IsStatic && field.IsReadOnly,
                _ => false,
            };
        }

        /// <summary>
        /// Reading the divisor before its statement keeps the statement's meaning when the divisor has no side effects
        /// and nothing earlier in the statement can change it, and when the statement sits in a block.
        /// </summary>
        private static bool CanHoist(ExpressionSyntax divisor, StatementSyntax statement)
        {
            if (statement.Parent is not BlockSyntax && statement.Parent is not SwitchSectionSyntax) return false;
            if (divisor.DescendantNodesAndSelf().Any(HasSideEffects)) return false;
            return !statement.DescendantNodes().Any(n => n.Span.End <= divisor.SpanStart && HasSideEffects(n));
        }

        private static bool HasSideEffects(SyntaxNode node)
            => node is InvocationExpressionSyntax or AssignmentExpressionSyntax or ObjectCreationExpressionSyntax
                || node.IsKind(SyntaxKind.PreIncrementExpression) || node.IsKind(SyntaxKind.PreDecrementExpression)
                || node.IsKind(SyntaxKind.PostIncrementExpression) || node.IsKind(SyntaxKind.PostDecrementExpression);

        private static string FreeName(SyntaxNode at, string name)
        {
            var member = at.FirstAncestorOrSelf<MemberDeclarationSyntax>();
            var taken = member is null
                ? new System.Collections.Generic.HashSet<string>()
                : new System.Collections.Generic.HashSet<string>(member.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText));
            string candidate = name;
            for (int i = 2; taken.Contains(candidate); i++) candidate = name + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return candidate;
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using BpfDotnet.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace BpfDotnet.Generator.Tests
{
    /// <summary>
    /// Each code fix applied in a workspace to the diagnostic the analyzer reports: the fixed source has the expected
    /// shape, and the analyzer then reports nothing for it (the fix produces code the compiler accepts).
    /// </summary>
    public class CodeFixTests
    {
        [Fact]
        public async Task CheckedExpression_BecomesUnchecked()
        {
            string fixedSource = await FixUntilClean(new UseUncheckedArithmeticFix(), "BPF0008", Probe("""
                long x = checked(ctx.Arg0 + 1);
                return (int)x;
                """));
            AssertHas("long x = unchecked(ctx.Arg0 + 1);", fixedSource);
        }

        [Fact]
        public async Task CheckedStatement_BecomesUnchecked()
        {
            string fixedSource = await FixUntilClean(new UseUncheckedArithmeticFix(), "BPF0008", Probe("""
                long total = ctx.Arg0;
                checked
                {
                    total += ctx.Arg1;
                }
                return (int)(total & 0xff);
                """));
            AssertHas("unchecked { total += ctx.Arg1; }", fixedSource);
        }

        [Fact]
        public async Task ProjectWideOverflowChecks_AreWrappedInUnchecked()
        {
            string fixedSource = await FixUntilClean(new UseUncheckedArithmeticFix(), "BPF0008", Probe("""
                long y = ctx.Arg0 * 3;
                y += ctx.Arg1;
                return (int)(y & 0xff);
                """), checkOverflow: true);
            AssertHas("long y = unchecked(ctx.Arg0 * 3);", fixedSource);
            AssertHas("unchecked { y += ctx.Arg1; }", fixedSource);
            AssertHas("return unchecked((int)(y & 0xff));", fixedSource);
        }

        [Fact]
        public async Task DivisionByVariable_IsGuardedWithTheNamedTest()
        {
            string fixedSource = await FixUntilClean(new GuardDivisorFix(), "BPF0016", Probe("""
                long d = ctx.Arg1;
                long q = ctx.Arg0 / d;
                return (int)q;
                """));
            AssertHas("long q = (d > 0 ? ctx.Arg0 / d : 0);", fixedSource);
        }

        [Fact]
        public async Task DivisionByContextField_ReadsTheDivisorOnce()
        {
            string fixedSource = await FixUntilClean(new GuardDivisorFix(), "BPF0016", Probe("""
                long q = ctx.Arg0 % ctx.Arg1;
                return (int)q;
                """));
            AssertHas("var divisor = ctx.Arg1;", fixedSource);
            AssertHas("long q = (divisor > 0 ? ctx.Arg0 % divisor : 0);", fixedSource);
        }

        [Fact]
        public async Task UnsignedCompoundDivision_RunsOnlyForNonZero()
        {
            string fixedSource = await FixUntilClean(new GuardDivisorFix(), "BPF0016", Probe("""
                ulong total = (ulong)ctx.Arg0;
                ulong n = (ulong)ctx.Arg1;
                total /= n;
                return (int)(total & 0xff);
                """));
            AssertHas("if (n != 0) total /= n;", fixedSource);
        }

        [Fact]
        public async Task MapValueWithoutNullTest_ReturnsWhenMissing()
        {
            string fixedSource = await FixUntilClean(new NullTestMapValueFix(), "BPF0015", Probe("""
                uint pid = (uint)(Bpf.GetCurrentPidTgid() >> 32);
                ref ulong count = ref Counts.GetValueRefOrNullRef(pid);
                count++;
                return 0;
                """));
            AssertHas("if (Unsafe.IsNullRef(ref count)) return 0;", fixedSource);
        }

        /// <summary>Fix All in a document (what <c>dotnet format</c> runs) fixes every occurrence at once, for each fix.</summary>
        [Theory]
        [InlineData("guard", "BPF0016")]
        [InlineData("null test", "BPF0015")]
        [InlineData("unchecked", "BPF0008")]
        public async Task FixAll_FixesEveryOccurrenceInTheDocument(string fix, string id)
        {
            var (provider, body) = fix switch
            {
                "guard" => ((CodeFixProvider)new GuardDivisorFix(), """
                    long d = ctx.Arg1;
                    ulong n = (ulong)ctx.Arg0;
                    long q = ctx.Arg0 / d;
                    ulong r = 7 % n;
                    return (int)(q + (long)r);
                    """),
                "null test" => (new NullTestMapValueFix(), """
                    ref ulong first = ref Counts.GetValueRefOrNullRef(1);
                    first++;
                    ref ulong second = ref Counts.GetValueRefOrNullRef(2);
                    second += 3;
                    return 0;
                    """),
                _ => (new UseUncheckedArithmeticFix(), """
                    long x = checked(ctx.Arg0 + 1);
                    long y = checked(x * 3);
                    return (int)y;
                    """),
            };
            string fixedSource = await FixAllInDocument(provider, id, Probe(body));
            if (fix == "guard")
            {
                AssertHas("long q = (d > 0 ? ctx.Arg0 / d : 0);", fixedSource);
                AssertHas("ulong r = (n != 0 ? 7 % n : 0);", fixedSource);
            }
            if (fix == "null test")
            {
                AssertHas("if (Unsafe.IsNullRef(ref first)) return 0;", fixedSource);
                AssertHas("if (Unsafe.IsNullRef(ref second)) return 0;", fixedSource);
            }
        }

        /// <summary>
        /// Runs <paramref name="fix"/>'s Fix All provider over every <paramref name="id"/> diagnostic of the document (there
        /// must be at least two), and asserts that the analyzer then reports none.
        /// </summary>
        private static async Task<string> FixAllInDocument(CodeFixProvider fix, string id, string source)
        {
            using var workspace = new AdhocWorkspace();
            var projectId = ProjectId.CreateNewId();
            var solution = workspace.CurrentSolution
                .AddProject(ProjectInfo.Create(projectId, VersionStamp.Default, "Probe", "ProbeAssembly", LanguageNames.CSharp,
                    compilationOptions: TestCompilation.Options, parseOptions: TestCompilation.ParseOptions, metadataReferences: TestCompilation.References));
            var documentId = DocumentId.CreateNewId(projectId);
            solution = solution.AddDocument(documentId, "Probe.cs", SourceText.From(source));
            var document = solution.GetDocument(documentId)!;
            var (diagnostics, _) = TestCompilation.RunAnalyzer((await document.Project.GetCompilationAsync())!);
            var found = diagnostics.Where(d => d.Id == id).OrderBy(d => d.Location.SourceSpan.Start).ToList();
            Assert.True(found.Count >= 2, $"{found.Count} {id} diagnostics");
            var actions = new List<CodeAction>();
            await fix.RegisterCodeFixesAsync(new CodeFixContext(document, found[0], (action, _) => actions.Add(action), CancellationToken.None));
            var fixAll = fix.GetFixAllProvider();
            Assert.NotNull(fixAll);
            var context = new FixAllContext(document, fix, FixAllScope.Document, actions[0].EquivalenceKey, new[] { id }, new FixedDiagnostics(found), CancellationToken.None);
            var action = await fixAll!.GetFixAsync(context);
            Assert.NotNull(action);
            var fixedDocument = (await action!.GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>().Single().ChangedSolution.GetDocument(documentId)!;
            var (after, _) = TestCompilation.RunAnalyzer((await fixedDocument.Project.GetCompilationAsync())!);
            string text = (await fixedDocument.GetTextAsync()).ToString();
            Assert.True(!after.Any(d => d.Id == id), $"left after Fix All: {string.Join("; ", after.Where(d => d.Id == id))}\n{text}");
            return text;
        }

        /// <summary>The diagnostics a Fix All runs over: the ones the analyzer reported.</summary>
        private sealed class FixedDiagnostics : FixAllContext.DiagnosticProvider
        {
            private readonly IReadOnlyList<Diagnostic> _diagnostics;

            public FixedDiagnostics(IReadOnlyList<Diagnostic> diagnostics) => _diagnostics = diagnostics;

            public override Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken) => Task.FromResult<IEnumerable<Diagnostic>>(_diagnostics);

            public override Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) => Task.FromResult(Enumerable.Empty<Diagnostic>());

            public override Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) => Task.FromResult<IEnumerable<Diagnostic>>(_diagnostics);
        }

        /// <summary>Asserts <paramref name="source"/> contains <paramref name="expected"/>, whatever the line breaks and indentation.</summary>
        private static void AssertHas(string expected, string source)
        {
            static string Collapse(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ");
            Assert.True(Collapse(source).Contains(Collapse(expected), StringComparison.Ordinal), $"'{expected}' not in the fixed source:\n{source}");
        }

        private static string Probe(string body) => AnalyzerDiagnosticTests.ProbeSource(body);

        /// <summary>
        /// Applies <paramref name="fix"/> to the first <paramref name="id"/> diagnostic until none is left (at most 10
        /// times); asserts each round offers exactly one fix, and that the result has no BPF diagnostic at all.
        /// </summary>
        private static async Task<string> FixUntilClean(CodeFixProvider fix, string id, string source, bool checkOverflow = false)
        {
            using var workspace = new AdhocWorkspace();
            var projectId = ProjectId.CreateNewId();
            var options = TestCompilation.Options.WithOverflowChecks(checkOverflow);
            var solution = workspace.CurrentSolution
                .AddProject(ProjectInfo.Create(projectId, VersionStamp.Default, "Probe", "ProbeAssembly", LanguageNames.CSharp,
                    compilationOptions: options, parseOptions: TestCompilation.ParseOptions, metadataReferences: TestCompilation.References));
            var documentId = DocumentId.CreateNewId(projectId);
            solution = solution.AddDocument(documentId, "Probe.cs", SourceText.From(source));
            for (int round = 0; round < 10; round++)
            {
                var document = solution.GetDocument(documentId)!;
                var compilation = (await document.Project.GetCompilationAsync())!;
                Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
                var (diagnostics, exceptions) = TestCompilation.RunAnalyzer(compilation);
                Assert.Empty(exceptions);
                var bpf = diagnostics.Where(d => d.Id.StartsWith("BPF", StringComparison.Ordinal)).OrderBy(d => d.Location.SourceSpan.Start).ToList();
                string text = (await document.GetTextAsync()).ToString();
                if (bpf.Count == 0)
                {
                    Assert.True(round > 0, "the probe has no diagnostic to fix");
                    return text;
                }
                var target = bpf.FirstOrDefault(d => d.Id == id);
                Assert.True(target is not null, $"left after fixing: {string.Join("; ", bpf)}\n{text}");
                var actions = new List<CodeAction>();
                await fix.RegisterCodeFixesAsync(new CodeFixContext(document, target!, (action, _) => actions.Add(action), CancellationToken.None));
                Assert.True(actions.Count == 1, $"{actions.Count} fixes offered for {target}");
                var operations = await actions[0].GetOperationsAsync(CancellationToken.None);
                solution = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
            }
            throw new Xunit.Sdk.XunitException("still not clean after 10 fixes:\n" + (await solution.GetDocument(documentId)!.GetTextAsync()));
        }
    }
}

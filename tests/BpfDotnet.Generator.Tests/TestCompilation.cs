using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using BpfDotnet.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace BpfDotnet.Generator.Tests
{
    /// <summary>A diagnostic as tests assert it: id, 1-based line and column, and the source text it underlines.</summary>
    public readonly record struct ReportedDiagnostic(string Id, int Line, int Column, string Text);

    /// <summary>Builds compilations of probe source and runs the generator and the analyzer over them.</summary>
    public static class TestCompilation
    {
        public static readonly CSharpParseOptions ParseOptions = new CSharpParseOptions(LanguageVersion.Latest);

        private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new Lazy<ImmutableArray<MetadataReference>>(() =>
        {
            // The running runtime's assemblies plus the BpfDotnet runtime library (program-side API and loader).
            var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
                .Where(p => Path.GetFileName(p) is var name && (name.StartsWith("System.", StringComparison.Ordinal) || name is "mscorlib.dll" or "netstandard.dll"))
                .Append(typeof(BpfProgramAttribute).Assembly.Location)
                .Distinct(StringComparer.Ordinal)
                .OrderBy(p => p, StringComparer.Ordinal);
            return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
        });

        /// <summary>The assemblies probe compilations reference.</summary>
        public static ImmutableArray<MetadataReference> References => s_references.Value;

        /// <summary>The options of probe compilations: a library with unsafe code and nullable annotations.</summary>
        public static readonly CSharpCompilationOptions Options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable);

        /// <summary>A compilation of <paramref name="sources"/> (files <c>Probe.cs</c>, <c>Probe1.cs</c>, ...: path order is declaration order).</summary>
        public static CSharpCompilation Create(params string[] sources)
            => CSharpCompilation.Create("ProbeAssembly",
                sources.Select((source, i) => Parse(source, i == 0 ? "Probe.cs" : $"Probe{i}.cs")),
                s_references.Value,
                Options);

        /// <summary>Parses <paramref name="source"/> as the file <paramref name="path"/>.</summary>
        public static SyntaxTree Parse(string source, string path) => CSharpSyntaxTree.ParseText(source, ParseOptions, path);

        /// <summary>A driver for <see cref="BpfGenerator"/> that records every pipeline step.</summary>
        public static GeneratorDriver CreateDriver()
            => CSharpGeneratorDriver.Create(
                new[] { new BpfGenerator().AsSourceGenerator() },
                parseOptions: ParseOptions,
                driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

        /// <summary>Runs the generator over <paramref name="compilation"/>: the compilation with generated files, and the driver's diagnostics.</summary>
        public static (Compilation Output, ImmutableArray<Diagnostic> Diagnostics, GeneratorDriverRunResult Result) RunGenerator(Compilation compilation)
        {
            var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
            return (output, diagnostics, driver.GetRunResult());
        }

        /// <summary>Runs <see cref="BpfProgramAnalyzer"/>; analyzer exceptions are collected rather than swallowed.</summary>
        public static (ImmutableArray<Diagnostic> Diagnostics, IReadOnlyList<Exception> Exceptions) RunAnalyzer(Compilation compilation)
        {
            var exceptions = new List<Exception>();
            var options = new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                (exception, _, _) => { lock (exceptions) exceptions.Add(exception); },
                concurrentAnalysis: false,
                logAnalyzerExecutionTime: false);
            var withAnalyzers = compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new BpfProgramAnalyzer()), options);
            var diagnostics = withAnalyzers.GetAnalyzerDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult();
            return (diagnostics, exceptions);
        }

        /// <summary>
        /// The BPF diagnostics the analyzer reports for <paramref name="source"/>, in source order, each with its
        /// line, column and underlined text. Fails the test if the analyzer throws.
        /// </summary>
        public static ImmutableArray<ReportedDiagnostic> GetBpfDiagnostics(string source)
        {
            var (diagnostics, exceptions) = RunAnalyzer(Create(source));
            Xunit.Assert.Empty(exceptions);
            Xunit.Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
            return diagnostics
                .Where(d => d.Id.StartsWith("BPF", StringComparison.Ordinal))
                .OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal)
                .Select(ToReported)
                .ToImmutableArray();
        }

        /// <summary>The id, position and underlined text of <paramref name="diagnostic"/>.</summary>
        public static ReportedDiagnostic ToReported(Diagnostic diagnostic)
        {
            var location = diagnostic.Location;
            if (!location.IsInSource) return new ReportedDiagnostic(diagnostic.Id, 0, 0, string.Empty);
            var position = location.GetLineSpan().StartLinePosition;
            string text = location.SourceTree!.GetText().ToString(location.SourceSpan);
            return new ReportedDiagnostic(diagnostic.Id, position.Line + 1, position.Character + 1, text);
        }

        /// <summary>Errors of <paramref name="compilation"/>, formatted for an assertion message.</summary>
        public static string[] Errors(Compilation compilation)
            => compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToArray();
    }
}

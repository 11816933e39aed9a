using System;
using System.Collections.Immutable;
using System.Threading;
using BpfDotnet.Compiler;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Frontend;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace BpfDotnet.Analyzers
{
    /// <summary>
    /// Reports what the eBPF compiler finds in <c>[BpfProgram]</c> methods and <c>[BpfMap]</c> fields (BPF0001–BPF0016),
    /// live in the IDE and in the build, and checks that each probe class can get a generated loader.
    /// </summary>
    /// <remarks>
    /// Programs are compiled per syntax tree from its semantic model, the one place an analyzer may get a semantic
    /// model from without asking the compilation for a new one.
    /// </remarks>
    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    public sealed class BpfProgramAnalyzer : DiagnosticAnalyzer
    {
        /// <inheritdoc/>
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => DiagnosticDescriptors.All;

        /// <inheritdoc/>
        public override void Initialize(AnalysisContext context)
        {
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.EnableConcurrentExecution();
            context.RegisterCompilationStartAction(static start =>
            {
                var programAttribute = start.Compilation.GetTypeByMetadataName(KnownTypes.BpfProgramAttribute);
                var mapAttribute = start.Compilation.GetTypeByMetadataName(KnownTypes.BpfMapAttribute);
                if (programAttribute is null && mapAttribute is null) return;

                var attributes = new ProbeAttributes(programAttribute, mapAttribute);

                if (programAttribute is not null)
                {
                    start.RegisterSemanticModelAction(model => Guard(model.ReportDiagnostic, model.CancellationToken,
                        () => AnalyzePrograms(model, attributes)));
                }
                if (mapAttribute is not null)
                {
                    start.RegisterSymbolAction(symbol => Guard(symbol.ReportDiagnostic, symbol.CancellationToken,
                        () => AnalyzeMap(symbol, attributes)), SymbolKind.Field);
                }
                start.RegisterSymbolAction(symbol => Guard(symbol.ReportDiagnostic, symbol.CancellationToken,
                    () => AnalyzeProbeClass(symbol, attributes)), SymbolKind.NamedType);
            });
        }

        private static void AnalyzePrograms(SemanticModelAnalysisContext context, ProbeAttributes attributes)
        {
            var cancellationToken = context.CancellationToken;
            var root = context.SemanticModel.SyntaxTree.GetRoot(cancellationToken);
            foreach (var node in root.DescendantNodes(static n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax or TypeDeclarationSyntax))
            {
                if (node is not MethodDeclarationSyntax { AttributeLists.Count: > 0 } declaration) continue;
                if (context.SemanticModel.GetDeclaredSymbol(declaration, cancellationToken) is not IMethodSymbol method) continue;
                if (!attributes.IsProgram(method)) continue;

                // The compiler checks the signature (BPF0009) and the attach attribute (BPF0012) itself.
                var compilation = CompileProgram(method, context.SemanticModel, cancellationToken);
                foreach (var diagnostic in compilation.Diagnostics)
                {
                    context.ReportDiagnostic(ToDiagnostic(diagnostic, context.SemanticModel.Compilation));
                }
            }
        }

        private static void AnalyzeMap(SymbolAnalysisContext context, ProbeAttributes attributes)
        {
            var field = (IFieldSymbol)context.Symbol;
            if (!attributes.IsMap(field)) return;
            var declaration = ProbeCompiler.ReadMap(field, context.CancellationToken);
            foreach (var diagnostic in declaration.Diagnostics)
            {
                context.ReportDiagnostic(ToDiagnostic(diagnostic, context.Compilation));
            }
        }

        /// <summary>BPF0013: a class with programs or maps, and every class around it, must be partial for its loader to be generated.</summary>
        private static void AnalyzeProbeClass(SymbolAnalysisContext context, ProbeAttributes attributes)
        {
            var type = (INamedTypeSymbol)context.Symbol;
            if (!HoldsProbes(type, attributes)) return;
            for (var current = type; current is not null; current = current.ContainingType)
            {
                string? problem = !ProbeClassReader.IsPartial(current, context.CancellationToken)
                    ? (current.Equals(type, SymbolEqualityComparer.Default) ? "must be declared 'partial'" : "must be declared 'partial', as must '" + current.Name + "', which contains it,")
                        + " so that its loader can be generated"
                    : current.TypeParameters.Length > 0
                        ? (current.Equals(type, SymbolEqualityComparer.Default) ? "cannot be generic" : "cannot be inside the generic type '" + current.Name + "'")
                          + ": one object file is built per class, and each constructed type would need its own maps"
                        : null;
                if (problem is null) continue;
                foreach (var reference in current.DeclaringSyntaxReferences)
                {
                    if (reference.GetSyntax(context.CancellationToken) is BaseTypeDeclarationSyntax declaration)
                    {
                        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ProbeClassNotPartial, declaration.Identifier.GetLocation(), type.Name, problem));
                        break;
                    }
                }
            }
        }

        private static bool HoldsProbes(INamedTypeSymbol type, ProbeAttributes attributes)
        {
            foreach (var member in type.GetMembers())
            {
                if (member is IMethodSymbol method && attributes.IsProgram(method)) return true;
                if (member is IFieldSymbol field && attributes.IsMap(field)) return true;
            }
            return false;
        }

        /// <summary>
        /// The program's compilation: the one the generator (or an earlier run) made for the same fingerprint, when there
        /// is one, so a build compiles each program once.
        /// </summary>
        private static MethodCompilation CompileProgram(IMethodSymbol method, SemanticModel model, CancellationToken cancellationToken)
        {
            try
            {
                var fingerprint = SourceFingerprint.Of(method, model.Compilation, cancellationToken);
                if (CompiledPrograms.TryGet(fingerprint, out var known)) return known;
                var compiled = ProbeCompiler.CompileProgram(method, model, cancellationToken);
                CompiledPrograms.Add(fingerprint, compiled);
                return compiled;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                var location = method.Locations.Length > 0 ? method.Locations[0] : null;
                return new MethodCompilation(null, BpfDotnet.Compiler.Model.EquatableArray<string>.Empty,
                    new BpfDotnet.Compiler.Model.EquatableArray<DiagnosticInfo>(new[]
                    {
                        DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, location, ex.GetType().Name + ": " + ex.Message),
                    }));
            }
        }

        /// <summary>
        /// Turns a compiler diagnostic into one located in the compilation's own syntax tree, so that the IDE
        /// squiggles it and <c>#pragma</c> and .editorconfig apply; falls back to the file path and span.
        /// </summary>
        private static Diagnostic ToDiagnostic(DiagnosticInfo info, Compilation compilation)
        {
            var descriptor = DiagnosticDescriptors.ById(info.Id);
            object[] arguments = info.Arguments.ToArray();
            if (info.Location is null) return Diagnostic.Create(descriptor, Location.None, arguments);
            foreach (var tree in compilation.SyntaxTrees)
            {
                if (tree.FilePath == info.Location.FilePath && info.Location.Span.End <= tree.Length)
                {
                    return Diagnostic.Create(descriptor, Location.Create(tree, info.Location.Span), arguments);
                }
            }
            return Diagnostic.Create(descriptor, info.Location.ToLocation(), arguments);
        }

        /// <summary>
        /// Runs an analysis so that no exception escapes (which would surface as AD0001): anything unexpected
        /// becomes BPF0014 at no location, asking for a report.
        /// </summary>
        private static void Guard(Action<Diagnostic> report, CancellationToken cancellationToken, Action analyze)
        {
            try
            {
                analyze();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                report(Diagnostic.Create(DiagnosticDescriptors.InternalError, Location.None, "analyzer: " + ex.GetType().Name + ": " + ex.Message));
            }
        }

        /// <summary>The program-side attribute types of one compilation.</summary>
        private sealed class ProbeAttributes
        {
            private readonly INamedTypeSymbol? _program, _map;

            public ProbeAttributes(INamedTypeSymbol? program, INamedTypeSymbol? map)
            {
                _program = program;
                _map = map;
            }

            public bool IsProgram(IMethodSymbol method) => Has(method, _program);

            public bool IsMap(IFieldSymbol field) => Has(field, _map);

            private static bool Has(ISymbol symbol, INamedTypeSymbol? attribute)
            {
                if (attribute is null) return false;
                foreach (var data in symbol.GetAttributes())
                {
                    if (SymbolEqualityComparer.Default.Equals(data.AttributeClass, attribute)) return true;
                }
                return false;
            }
        }
    }
}

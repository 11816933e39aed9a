using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BpfDotnet.Compiler;
using BpfDotnet.Compiler.Model;
using BpfDotnet.Compiler.Object;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BpfDotnet.Compiler.Tests
{
    /// <summary>Compiles C# probe source in memory with the BpfDotnet compiler and writes the object.</summary>
    public static class ProbeBuilder
    {
        private static readonly Lazy<MetadataReference[]> s_references = new Lazy<MetadataReference[]>(() =>
        {
            var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
            return trusted.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
                .Append(MetadataReference.CreateFromFile(typeof(BpfProgramAttribute).Assembly.Location))
                .ToArray();
        });

        public const string Usings = "using System; using System.Buffers.Binary; using System.Numerics; using System.Threading; using System.Runtime.CompilerServices; using BpfDotnet;\n";

        /// <param name="symbols">Preprocessor symbols, as MSBuild's DefineConstants (e.g. BPFDOTNET_CPU_V4).</param>
        public static CSharpCompilation Compilation(string source, params string[] symbols)
        {
            var tree = CSharpSyntaxTree.ParseText(Usings + source, new CSharpParseOptions(LanguageVersion.Latest, preprocessorSymbols: symbols), path: "/src/Probe.cs");
            return CSharpCompilation.Create("Probe", new[] { tree }, s_references.Value,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        }

        public sealed record Result(byte[]? Object, IReadOnlyList<Diagnostics.DiagnosticInfo> Diagnostics, IReadOnlyList<CompiledFunction> Functions);

        /// <summary>Compiles every [BpfProgram] method and [BpfMap] field of the source into one object.</summary>
        public static Result Build(string source, params string[] symbols)
        {
            var compilation = Compilation(source, symbols);
            var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (errors.Count > 0) throw new InvalidOperationException("C# errors:\n" + string.Join("\n", errors));
            var tree = compilation.SyntaxTrees[0];
            var model = compilation.GetSemanticModel(tree);
            var diagnostics = new List<Diagnostics.DiagnosticInfo>();
            var programs = new List<CompiledFunction>();
            var maps = new List<MapSpec>();
            var globals = EquatableArray<GlobalVariable>.Empty;
            foreach (var node in tree.GetRoot().DescendantNodes())
            {
                if (node is MethodDeclarationSyntax method && model.GetDeclaredSymbol(method) is IMethodSymbol symbol
                    && symbol.GetAttributes().Any(a => a.AttributeClass?.Name == "BpfProgramAttribute"))
                {
                    var result = ProbeCompiler.CompileProgram(symbol, model, default);
                    diagnostics.AddRange(result.Diagnostics);
                    if (result.Function is not null) programs.Add(result.Function);
                    globals = result.Globals;
                }
                if (node is VariableDeclaratorSyntax variable && model.GetDeclaredSymbol(variable) is IFieldSymbol field
                    && field.GetAttributes().Any(a => a.AttributeClass?.Name == "BpfMapAttribute"))
                {
                    var map = ProbeCompiler.ReadMap(field, default);
                    diagnostics.AddRange(map.Diagnostics);
                    if (map.Spec is not null) maps.Add(map.Spec);
                }
            }
            if (diagnostics.Count > 0) return new Result(null, diagnostics, programs);
            var spec = new ObjectSpec("GPL", programs.ToEquatableArray(), maps.ToEquatableArray()) { Globals = globals };
            return new Result(ObjectWriter.Write(spec), diagnostics, programs);
        }

        /// <summary>Builds and asserts there are no diagnostics.</summary>
        public static byte[] BuildObject(string source)
        {
            var result = Build(source);
            if (result.Object is null)
            {
                throw new InvalidOperationException("BPF diagnostics:\n" + string.Join("\n", result.Diagnostics.Select(d => d.ToDiagnostic().ToString())));
            }
            return result.Object;
        }
    }
}

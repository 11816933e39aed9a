using System.Threading;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Model;
using Microsoft.CodeAnalysis;

namespace BpfDotnet.Compiler
{
    /// <summary>The result of compiling one <c>[BpfProgram]</c> method.</summary>
    /// <param name="Function">The compiled program, or null when <paramref name="Diagnostics"/> holds an error.</param>
    /// <param name="MapsUsed">Names of the map fields the program references.</param>
    public sealed record MethodCompilation(CompiledFunction? Function, EquatableArray<string> MapsUsed, EquatableArray<DiagnosticInfo> Diagnostics)
    {
        /// <summary>The global variables (static fields) of the program's class, laid out as the object holds them.</summary>
        public EquatableArray<GlobalVariable> Globals { get; init; } = EquatableArray<GlobalVariable>.Empty;

        /// <summary>The program's constant strings (helpers' formats), in a read-only section of its own.</summary>
        public EquatableArray<GlobalVariable> Strings { get; init; } = EquatableArray<GlobalVariable>.Empty;
    }

    /// <summary>The result of reading one <c>[BpfMap]</c> field.</summary>
    /// <param name="Spec">The map, or null when <paramref name="Diagnostics"/> holds an error.</param>
    /// <param name="FieldName">The field's name.</param>
    /// <param name="KeyTypeName">Fully qualified C# key type (<c>global::</c> form) for generated user-space code.</param>
    /// <param name="ValueTypeName">Fully qualified C# value type (<c>global::</c> form).</param>
    public sealed record MapDeclaration(MapSpec? Spec, string FieldName, string KeyTypeName, string ValueTypeName, EquatableArray<DiagnosticInfo> Diagnostics);

    /// <summary>
    /// Entry points of the compiler: C# symbols in, equatable models out. Never throws for bad input;
    /// problems come back as diagnostics.
    /// </summary>
    public static class ProbeCompiler
    {
        /// <summary>Compiles a <c>[BpfProgram]</c> method.</summary>
        public static MethodCompilation CompileProgram(IMethodSymbol method, SemanticModel model, CancellationToken cancellationToken)
            => Frontend.ProgramCompiler.Compile(method, model, cancellationToken);

        /// <summary>Reads a <c>[BpfMap]</c> field.</summary>
        public static MapDeclaration ReadMap(IFieldSymbol field, CancellationToken cancellationToken)
            => Frontend.MapReader.Read(field, cancellationToken);
    }
}

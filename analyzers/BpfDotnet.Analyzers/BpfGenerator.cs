using BpfDotnet.Analyzers.Model;
using BpfDotnet.Compiler.Frontend;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BpfDotnet.Analyzers
{
    /// <summary>
    /// Compiles the <c>[BpfProgram]</c> methods and <c>[BpfMap]</c> fields of each probe class into one eBPF
    /// ELF object, embeds it in the assembly, and generates a typed loader for it (<c>OpenSnoop.Load()</c>).
    /// </summary>
    /// <remarks>
    /// The compiler's own diagnostics are reported by <see cref="BpfProgramAnalyzer"/>, live in the IDE and in the
    /// build; this generator reports only failures of writing the object. A class with errors still gets its
    /// loader, so user code compiles, but its <c>Load</c> throws.
    /// </remarks>
    [Generator(LanguageNames.CSharp)]
    public sealed partial class BpfGenerator : IIncrementalGenerator
    {
        /// <summary>
        /// True when the compilation references the runtime library (by assembly name: asking for a type would make
        /// Roslyn build the new compilation's symbol tables on every edit).
        /// </summary>
        private static bool ReferencesRuntime(Compilation compilation)
        {
            foreach (var identity in compilation.ReferencedAssemblyNames)
            {
                if (identity.Name == "BpfDotnet") return true;
            }
            return false;
        }

        /// <inheritdoc/>
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            // The first step runs on every edit, so it binds nothing: it finds the probe members by syntax and takes each
            // one's fingerprint. The steps after it compile a program, or read a map, only when its fingerprint changed
            // (an edit its code can see), and confirm its attribute by binding.
            IncrementalValuesProvider<MemberInput> members = context.CompilationProvider
                .Select(static (compilation, cancellationToken) => Parser.FindMembers(compilation, cancellationToken))
                .WithTrackingName(TrackingNames.MembersFound)
                .SelectMany(static (found, _) => found);

            IncrementalValuesProvider<ProgramSpec> programs = members
                .Where(static member => member.IsProgram)
                .Select(static (member, cancellationToken) => Parser.ParseProgram(member, cancellationToken))
                .WithTrackingName(TrackingNames.ProgramCompiled)
                .Where(static program => program is not null)!;

            IncrementalValuesProvider<MapFieldSpec> maps = members
                .Where(static member => !member.IsProgram)
                .Select(static (member, cancellationToken) => Parser.ParseMap(member, cancellationToken))
                .WithTrackingName(TrackingNames.MapsRead)
                .Where(static map => map is not null)!;

            IncrementalValuesProvider<BuiltObjectSpec> objects = programs.Collect()
                .Combine(maps.Collect())
                .SelectMany(static (pair, cancellationToken) => Parser.GroupByClass(pair.Left, pair.Right, cancellationToken))
                .WithTrackingName(TrackingNames.ProbeClassesGrouped)
                .Select(static (probeObject, cancellationToken) => ObjectBuilder.Build(probeObject, cancellationToken))
                .WithTrackingName(TrackingNames.ObjectBuilt);

            // Code and diagnostics are separate outputs: a failure that moves with the source must not re-emit code.
            context.RegisterSourceOutput(
                objects.Select(static (built, _) => built.Loader).Where(static loader => loader is not null),
                static (context, loader) => Emitter.Emit(context, loader!));
            context.RegisterSourceOutput(
                objects.Select(static (built, _) => built.Failure).Where(static failure => failure is not null),
                static (context, failure) => context.ReportDiagnostic(failure!.ToDiagnostic()));

            // Loaded without the runtime (the package referenced with its compile assets excluded, say): say so once,
            // rather than compile nothing without a word.
            context.RegisterSourceOutput(
                context.CompilationProvider.Select(static (compilation, _) => !ReferencesRuntime(compilation))
                    .WithTrackingName(TrackingNames.RuntimeReferenced),
                static (context, missing) =>
                {
                    if (missing) context.ReportDiagnostic(Diagnostic.Create(BpfDotnet.Compiler.Diagnostics.DiagnosticDescriptors.RuntimeNotReferenced, Location.None));
                });
        }
    }
}

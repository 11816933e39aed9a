using BpfDotnet.Compiler.Model;

namespace BpfDotnet.Analyzers.Model
{
    /// <summary>
    /// What the emitter writes for one probe class: the reopened declaration chain, the object bytes and the
    /// members of the typed loader. Holds no source locations, so moving code around does not re-emit it.
    /// </summary>
    /// <param name="HintName">Name of the generated file, unique per class.</param>
    /// <param name="Name">The class's simple name, which also names the object.</param>
    /// <param name="Namespace">The containing namespace, empty for the global namespace.</param>
    /// <param name="TypeChain">The declarations to reopen, outermost first.</param>
    /// <param name="ObjectBase64">The ELF object, base64-encoded; empty when <paramref name="ErrorMessage"/> is set.</param>
    /// <param name="ErrorMessage">Set when the class has compile errors: <c>Load</c> then throws with this message.</param>
    /// <param name="Accessibility"><c>public</c>, or <c>internal</c> when a map's key or value type is not public.</param>
    /// <param name="Programs">One loader property per program.</param>
    /// <param name="Maps">One loader property per map whose types can be named.</param>
    /// <remarks>Value equality over all members (strings and equatable arrays of records).</remarks>
    public sealed record LoaderSpec(
        string HintName,
        string Name,
        string Namespace,
        EquatableArray<TypeDeclarationSpec> TypeChain,
        string ObjectBase64,
        string? ErrorMessage,
        string Accessibility,
        EquatableArray<LoaderMemberSpec> Programs,
        EquatableArray<LoaderMemberSpec> Maps)
    {
        /// <summary>The class's static fields as global variables: <c>Config</c> for <c>.rodata</c>, properties for the others.</summary>
        public EquatableArray<GlobalVariable> Globals { get; init; } = EquatableArray<GlobalVariable>.Empty;

        /// <summary>
        /// The map fields whose .NET stand-ins are given their declared <c>MaxEntries</c> when the assembly loads; empty
        /// when the class cannot hold a module initializer (it, or a type around it, is private, protected or file-local).
        /// </summary>
        public EquatableArray<StandInSpec> StandIns { get; init; } = EquatableArray<StandInSpec>.Empty;
    }

    /// <summary>A map field and the number of entries its .NET stand-in is given.</summary>
    /// <param name="FieldName">The field (escaped if it is a keyword).</param>
    /// <param name="MaxEntries">The map's <c>MaxEntries</c>.</param>
    public sealed record StandInSpec(string FieldName, uint MaxEntries);

    /// <summary>A property of the generated loader that exposes one program or map of the loaded object.</summary>
    /// <param name="PropertyName">The C# property name (the method's or field's name, escaped if it is a keyword).</param>
    /// <param name="ObjectName">The program's or map's name in the ELF object, which the loader looks up.</param>
    /// <param name="TypeArguments">For maps, the key and value types (<c>uint, ulong</c>), or a ring buffer's record type; null for programs.</param>
    /// <param name="HandleType">For maps, the user-side handle type without its type arguments (<c>global::BpfDotnet.BpfMapHandle</c>).</param>
    /// <param name="Factory">For maps, the <c>BpfObject</c> method that gives the handle (<c>GetMap</c>).</param>
    /// <remarks>Value equality over all members (strings).</remarks>
    public sealed record LoaderMemberSpec(string PropertyName, string ObjectName, string? TypeArguments,
        string HandleType = "global::BpfDotnet.BpfMapHandle", string Factory = "GetMap");

    /// <summary>The output of building one probe class's object: what to emit, and a failure to report if writing it failed.</summary>
    /// <param name="Loader">The code to emit, or null when the class cannot be reopened (not partial).</param>
    /// <param name="Failure">A BPF0014 diagnostic when the object writer rejected the compiled programs; null otherwise.</param>
    /// <remarks>Value equality over both members.</remarks>
    public sealed record BuiltObjectSpec(LoaderSpec? Loader, BpfDotnet.Compiler.Diagnostics.DiagnosticInfo? Failure);
}

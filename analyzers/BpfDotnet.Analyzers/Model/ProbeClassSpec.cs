using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Model;

namespace BpfDotnet.Analyzers.Model
{
    /// <summary>
    /// The identity of a class that holds <c>[BpfProgram]</c> methods or <c>[BpfMap]</c> fields: what the
    /// generator needs to group its members and to reopen it as a partial declaration.
    /// </summary>
    /// <param name="FullName">Namespace and containing types with arity (<c>Ns.Outer`1+OpenSnoop</c>); unique in a compilation, the grouping key.</param>
    /// <param name="Name">The class's simple name, which also names its eBPF object.</param>
    /// <param name="Namespace">The containing namespace, empty for the global namespace.</param>
    /// <param name="TypeChain">The containing types, outermost first, ending with the class itself.</param>
    /// <param name="License">The object's license: <c>[BpfLicense]</c> on the class, <c>GPL</c> by default.</param>
    /// <param name="IsPartial">True when the class and every containing type are declared <c>partial</c> and none is generic; only then can code be generated.</param>
    /// <param name="Location">The class's first declaration, for diagnostics about the object as a whole.</param>
    /// <remarks>
    /// Value equality over all members (strings, <see cref="EquatableArray{T}"/> of records and a location record),
    /// so an incremental step whose output holds this record is cached while the class's declaration is unchanged.
    /// </remarks>
    public sealed record ProbeClassSpec(
        string FullName,
        string Name,
        string Namespace,
        EquatableArray<TypeDeclarationSpec> TypeChain,
        string License,
        bool IsPartial,
        LocationInfo? Location);
}

using BpfDotnet.Compiler;

namespace BpfDotnet.Analyzers.Model
{
    /// <summary>A <c>[BpfMap]</c> field, read into a map declaration, and the class it belongs to.</summary>
    /// <param name="Class">The class that declares the field.</param>
    /// <param name="FieldName">The field's name; the generated loader exposes the map under it.</param>
    /// <param name="Order">Declaration position, which orders the maps in the object.</param>
    /// <param name="Declaration">What the compiler read from the field: the map or its diagnostics.</param>
    /// <param name="KeyTypeName">Key type for the user-space handle (<c>global::</c> form), or null when it cannot be named.</param>
    /// <param name="ValueTypeName">Value type for the user-space handle, or null when it cannot be named.</param>
    /// <param name="TypesArePublic">True when key and value types are visible outside the assembly, so the handle may be public.</param>
    /// <param name="Kind">The metadata name of the field's map type (the map kinds table's key), or null when it is not one.</param>
    /// <remarks>Value equality over all members (strings, a bool and equatable records).</remarks>
    public sealed record MapFieldSpec(
        ProbeClassSpec Class,
        string FieldName,
        SourceOrder Order,
        MapDeclaration Declaration,
        string? KeyTypeName,
        string? ValueTypeName,
        bool TypesArePublic,
        string? Kind = null);
}

using BpfDotnet.Compiler;

namespace BpfDotnet.Analyzers.Model
{
    /// <summary>A compiled <c>[BpfProgram]</c> method and the class it belongs to.</summary>
    /// <param name="Class">The class that declares the method.</param>
    /// <param name="MethodName">The method's name; the generated loader exposes the program under it.</param>
    /// <param name="Order">Declaration position, which orders the programs in the object.</param>
    /// <param name="Compilation">What the compiler made of the method: the program or its diagnostics.</param>
    /// <remarks>
    /// Value equality over all members; <see cref="MethodCompilation"/> holds only records and equatable arrays,
    /// so re-running the compile step on an unchanged method yields an equal value and later steps stay cached.
    /// </remarks>
    public sealed record ProgramSpec(ProbeClassSpec Class, string MethodName, SourceOrder Order, MethodCompilation Compilation);
}

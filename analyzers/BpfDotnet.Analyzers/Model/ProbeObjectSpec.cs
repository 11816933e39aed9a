using BpfDotnet.Compiler.Model;

namespace BpfDotnet.Analyzers.Model
{
    /// <summary>Everything one probe class contributes to its eBPF object: its programs and maps, in declaration order.</summary>
    /// <remarks>Value equality over the class and both arrays, element by element.</remarks>
    public sealed record ProbeObjectSpec(ProbeClassSpec Class, EquatableArray<ProgramSpec> Programs, EquatableArray<MapFieldSpec> Maps);
}

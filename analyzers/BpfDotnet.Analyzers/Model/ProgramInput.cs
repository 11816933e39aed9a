using Microsoft.CodeAnalysis;

namespace BpfDotnet.Analyzers.Model
{
    /// <summary>
    /// A <c>[BpfProgram]</c> method as the generator's first step sees it: what its compilation depends on (equatable),
    /// and the symbol and semantic model to compile it from, which take no part in equality. When the fingerprint and
    /// the position are unchanged, the compile step is not run again (its output is cached).
    /// </summary>
    internal sealed class ProgramInput : System.IEquatable<ProgramInput>
    {
        public ProgramInput(SourceFingerprint? fingerprint, SourceOrder order, IMethodSymbol method, SemanticModel model)
        {
            Fingerprint = fingerprint;
            Order = order;
            Method = method;
            Model = model;
        }

        /// <summary>What the compilation reads; null when it could not be taken (then the input equals nothing).</summary>
        public SourceFingerprint? Fingerprint { get; }

        public SourceOrder Order { get; }

        public IMethodSymbol Method { get; }

        public SemanticModel Model { get; }

        public bool Equals(ProgramInput? other)
            => other is not null && Fingerprint is not null && Fingerprint.Equals(other.Fingerprint) && Order.Equals(other.Order);

        public override bool Equals(object? obj) => obj is ProgramInput other && Equals(other);

        public override int GetHashCode() => Fingerprint?.GetHashCode() ?? 0;
    }
}

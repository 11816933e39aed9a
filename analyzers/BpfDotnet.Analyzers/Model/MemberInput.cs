using Microsoft.CodeAnalysis;

namespace BpfDotnet.Analyzers.Model
{
    /// <summary>
    /// A <c>[BpfProgram]</c> method or <c>[BpfMap]</c> field as the generator's first step sees it: what its compilation depends on (equatable),
    /// and the symbol and semantic model to compile it from, which take no part in equality. When the fingerprint and
    /// the position are unchanged, the step that compiles or reads it is not run again (its output is cached).
    /// </summary>
    internal sealed class MemberInput : System.IEquatable<MemberInput>
    {
        public MemberInput(SourceFingerprint? fingerprint, SourceOrder order, ISymbol member, SemanticModel model)
        {
            Fingerprint = fingerprint;
            Order = order;
            Member = member;
            Model = model;
        }

        /// <summary>What the compilation reads; null when it could not be taken (then the input equals nothing).</summary>
        public SourceFingerprint? Fingerprint { get; }

        public SourceOrder Order { get; }

        public ISymbol Member { get; }

        public SemanticModel Model { get; }

        public bool Equals(MemberInput? other)
            => other is not null && Fingerprint is not null && Fingerprint.Equals(other.Fingerprint) && Order.Equals(other.Order);

        public override bool Equals(object? obj) => obj is MemberInput other && Equals(other);

        public override int GetHashCode() => Fingerprint?.GetHashCode() ?? 0;
    }
}

using Microsoft.CodeAnalysis;

namespace BpfDotnet.Analyzers.Model
{
    /// <summary>
    /// A <c>[BpfProgram]</c> method or <c>[BpfMap]</c> field variable as the generator's first step finds it, from syntax:
    /// what compiling or reading it depends on (equatable), and the declaration and compilation to do it from, which take
    /// no part in equality. When the fingerprint and the position are unchanged, the step that compiles or reads it is
    /// not run again (its output is cached).
    /// </summary>
    internal sealed class MemberInput : System.IEquatable<MemberInput>
    {
        public MemberInput(SourceFingerprint? fingerprint, SourceOrder order, bool isProgram, SyntaxNode declaration, Compilation compilation)
        {
            Fingerprint = fingerprint;
            Order = order;
            IsProgram = isProgram;
            Declaration = declaration;
            Compilation = compilation;
        }

        /// <summary>What the compilation reads; null when not taken (then the input equals nothing).</summary>
        public SourceFingerprint? Fingerprint { get; }

        public SourceOrder Order { get; }

        /// <summary>True for a method's declaration, false for a field variable's.</summary>
        public bool IsProgram { get; }

        public SyntaxNode Declaration { get; }

        public Compilation Compilation { get; }

        private SemanticModel? _model;

        /// <summary>The semantic model of the declaration's tree, made once, when a step that runs first needs it.</summary>
        public SemanticModel Model => _model ??= Compilation.GetSemanticModel(Declaration.SyntaxTree);

        /// <summary>The declared symbol, bound now (only the steps that run pay for it).</summary>
        public ISymbol? Bind(System.Threading.CancellationToken cancellationToken) => Model.GetDeclaredSymbol(Declaration, cancellationToken);

        public bool Equals(MemberInput? other)
            => other is not null && Fingerprint is not null && Fingerprint.Equals(other.Fingerprint) && Order.Equals(other.Order) && IsProgram == other.IsProgram;

        public override bool Equals(object? obj) => obj is MemberInput other && Equals(other);

        public override int GetHashCode() => Fingerprint?.GetHashCode() ?? 0;
    }
}

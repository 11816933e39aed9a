using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BpfDotnet.Analyzers
{
    /// <summary>
    /// Everything the compilation of one <c>[BpfProgram]</c> method can read, by identity: the method, the syntax trees
    /// its code can reach by name, the metadata it is compiled against, and the options that change its meaning. Two
    /// equal fingerprints compile to the same result, so the generator's back end (and the analyzer) skip a program
    /// whose fingerprint has not changed: an edit to a file the probe cannot see recompiles nothing.
    /// </summary>
    /// <remarks>
    /// The trees a method can reach are found by name, without binding: starting from the trees that declare its class,
    /// every tree that declares a type (or an extension method) named by an identifier in the trees found so far, until
    /// nothing is added; and every tree with global usings or assembly attributes. Members need no names of their own:
    /// code reaches a member through its type, and the type's name is spelled where the code names it, or in the
    /// declaration of whatever produced the value (a method's return type, a field's type), which is in a tree the
    /// closure takes. That over-approximates what binding can reach (a common type name pulls in every tree that
    /// declares one), and does not under-approximate it. Trees are compared by reference (an IDE keeps the tree of an
    /// unchanged document), metadata by <see cref="MetadataId"/>.
    /// </remarks>
    internal sealed class SourceFingerprint : IEquatable<SourceFingerprint>
    {
        private readonly string _method;
        private readonly SyntaxTree[] _trees;
        private readonly object[] _metadata;
        private readonly CompilationOptions _options;
        private readonly int _hash;

        private SourceFingerprint(string method, SyntaxTree[] trees, object[] metadata, CompilationOptions options)
        {
            _method = method;
            _trees = trees;
            _metadata = metadata;
            _options = options;
            int hash = StringComparer.Ordinal.GetHashCode(method);
            foreach (var tree in trees) hash = unchecked(hash * 31 + RuntimeHelpers.GetHashCode(tree));
            _hash = unchecked(hash * 31 + metadata.Length);
        }

        /// <summary>
        /// When set, no fingerprint is taken (<see cref="Of"/> returns null): every program is compiled on every run, by
        /// the generator and again by the analyzer. For the IDE benchmark's "without fingerprints" figures only.
        /// </summary>
        internal static bool Disabled { get; set; }

        /// <summary>
        /// The fingerprint of <paramref name="member"/> (a <c>[BpfProgram]</c> method or a <c>[BpfMap]</c> field) in
        /// <paramref name="compilation"/>; null when <see cref="Disabled"/>.
        /// </summary>
        public static SourceFingerprint? Of(ISymbol member, Compilation compilation, CancellationToken cancellationToken)
        {
            if (Disabled) return null;
            var shared = s_perCompilation.GetValue(compilation, static c => new PerCompilation(c));
            var trees = shared.Reachable(member.ContainingType, cancellationToken);
            // The member by name and position (overloads differ by position): cheaper than a documentation id.
            var location = member.Locations.Length > 0 ? member.Locations[0] : null;
            string id = member.ContainingType.MetadataName + "." + member.Name + "@" + (location?.SourceTree?.FilePath ?? "") + ":"
                + (location?.SourceSpan.Start ?? -1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return new SourceFingerprint(id, trees, shared.Metadata, compilation.Options);
        }

        private static readonly ConditionalWeakTable<Compilation, PerCompilation> s_perCompilation = new ConditionalWeakTable<Compilation, PerCompilation>();

        /// <summary>What all the members of one compilation share: its metadata, and the trees reachable from each class.</summary>
        private sealed class PerCompilation
        {
            private readonly Compilation _compilation;
            private readonly Dictionary<INamedTypeSymbol, SyntaxTree[]> _reachable = new Dictionary<INamedTypeSymbol, SyntaxTree[]>(SymbolEqualityComparer.Default);

            public PerCompilation(Compilation compilation)
            {
                _compilation = compilation;
                var metadata = new List<object>();
                foreach (var reference in compilation.References)
                {
                    metadata.Add(reference is PortableExecutableReference file ? file.GetMetadataId() : (object)reference);
                }
                Metadata = metadata.ToArray();
            }

            public object[] Metadata { get; }

            public SyntaxTree[] Reachable(INamedTypeSymbol type, CancellationToken cancellationToken)
            {
                lock (_reachable)
                {
                    if (_reachable.TryGetValue(type, out var known)) return known;
                }
                var start = new List<SyntaxTree>();
                foreach (var reference in type.DeclaringSyntaxReferences)
                {
                    if (!start.Contains(reference.SyntaxTree)) start.Add(reference.SyntaxTree);
                }
                var trees = SourceFingerprint.Reachable(_compilation, start, cancellationToken);
                lock (_reachable)
                {
                    _reachable[type] = trees;
                }
                return trees;
            }
        }

        /// <summary>The trees reachable by name from <paramref name="start"/>, in the compilation's order (see the remarks).</summary>
        private static SyntaxTree[] Reachable(Compilation compilation, List<SyntaxTree> start, CancellationToken cancellationToken)
        {
            var candidates = new List<(SyntaxTree Tree, TreeNames Names)>();
            var used = new HashSet<string>(StringComparer.Ordinal);
            var included = new HashSet<SyntaxTree>();
            foreach (var tree in compilation.SyntaxTrees)
            {
                if (IsGeneratedByBpfDotnet(tree)) continue;
                var names = TreeNames.Of(tree, cancellationToken);
                if (start.Contains(tree) || names.AffectsAll)
                {
                    included.Add(tree);
                    used.UnionWith(names.Used);
                }
                else
                {
                    candidates.Add((tree, names));
                }
            }
            for (bool added = true; added;)
            {
                added = false;
                for (int i = candidates.Count - 1; i >= 0; i--)
                {
                    var (tree, names) = candidates[i];
                    if (!DeclaresAny(names.Declared, used)) continue;
                    included.Add(tree);
                    used.UnionWith(names.Used);
                    candidates.RemoveAt(i);
                    added = true;
                }
            }
            var ordered = new List<SyntaxTree>(included.Count);
            foreach (var tree in compilation.SyntaxTrees)
            {
                if (included.Contains(tree)) ordered.Add(tree);
            }
            return ordered.ToArray();
        }

        /// <summary>True when a name of <paramref name="declared"/> (a tree's few type names) is in <paramref name="used"/>.</summary>
        private static bool DeclaresAny(HashSet<string> declared, HashSet<string> used)
        {
            foreach (string name in declared)
            {
                if (used.Contains(name)) return true;
            }
            return false;
        }

        /// <summary>The loader and object this generator adds: nothing a probe's code reads.</summary>
        private static bool IsGeneratedByBpfDotnet(SyntaxTree tree)
            => tree.FilePath.IndexOf("BpfDotnet.Analyzers.BpfGenerator", StringComparison.Ordinal) >= 0;

        public bool Equals(SourceFingerprint? other)
        {
            if (other is null) return false;
            if (ReferenceEquals(this, other)) return true;
            if (_hash != other._hash || _method != other._method || _trees.Length != other._trees.Length || _metadata.Length != other._metadata.Length) return false;
            for (int i = 0; i < _trees.Length; i++)
            {
                if (!ReferenceEquals(_trees[i], other._trees[i])) return false;
            }
            for (int i = 0; i < _metadata.Length; i++)
            {
                if (!ReferenceEquals(_metadata[i], other._metadata[i])) return false;
            }
            return ReferenceEquals(_options, other._options) || _options.Equals(other._options);
        }

        public override bool Equals(object? obj) => obj is SourceFingerprint other && Equals(other);

        public override int GetHashCode() => _hash;

        public override string ToString() => _method + " (" + _trees.Length + " trees)";

        /// <summary>The names a tree declares and the identifiers it uses, read once per tree.</summary>
        private sealed class TreeNames
        {
            private static readonly ConditionalWeakTable<SyntaxTree, TreeNames> s_cache = new ConditionalWeakTable<SyntaxTree, TreeNames>();

            private TreeNames(HashSet<string> declared, HashSet<string> used, bool affectsAll)
            {
                Declared = declared;
                Used = used;
                AffectsAll = affectsAll;
            }

            public HashSet<string> Declared { get; }

            public HashSet<string> Used { get; }

            /// <summary>Global usings or assembly/module attributes: they can change how any tree binds.</summary>
            public bool AffectsAll { get; }

            public static TreeNames Of(SyntaxTree tree, CancellationToken cancellationToken)
            {
                if (s_cache.TryGetValue(tree, out var names)) return names;
                names = Read(tree, cancellationToken);
                try
                {
                    s_cache.Add(tree, names);
                }
                catch (ArgumentException)
                {
                    // Another thread read the same tree first; both readings are equal.
                }
                return names;
            }

            private static TreeNames Read(SyntaxTree tree, CancellationToken cancellationToken)
            {
                var declared = new HashSet<string>(StringComparer.Ordinal);
                var used = new HashSet<string>(StringComparer.Ordinal);
                var root = tree.GetRoot(cancellationToken);
                bool affectsAll = false;
                if (root is CompilationUnitSyntax unit)
                {
                    foreach (var directive in unit.Usings) affectsAll |= !directive.GlobalKeyword.IsKind(SyntaxKind.None);
                    foreach (var list in unit.AttributeLists) affectsAll |= list.Target is not null;
                }
                foreach (var token in root.DescendantTokens())
                {
                    if (!token.IsKind(SyntaxKind.IdentifierToken)) continue;
                    if (IsDeclarationName(token))
                    {
                        declared.Add(token.ValueText);
                        continue;
                    }
                    if (IsMemberDeclarationName(token)) continue;
                    used.Add(token.ValueText);
                    // [Foo] names the class FooAttribute.
                    if (token.Parent?.Parent is AttributeSyntax || token.Parent is IdentifierNameSyntax { Parent: AttributeSyntax }) used.Add(token.ValueText + "Attribute");
                }
                return new TreeNames(declared, used, affectsAll);
            }

            /// <summary>The name a member declaration gives itself: neither a declaration other trees can find nor a use.</summary>
            private static bool IsMemberDeclarationName(SyntaxToken token) => token.Parent is MethodDeclarationSyntax or PropertyDeclarationSyntax
                or EventDeclarationSyntax or EnumMemberDeclarationSyntax or VariableDeclaratorSyntax or ParameterSyntax or LocalFunctionStatementSyntax;

            /// <summary>
            /// True for the name of a type, or of an extension method (which code calls without naming its class). Other
            /// members are reached through their type, whose name the code that reaches them spells somewhere: in the
            /// expression, or in the declaration of the member that produced the value.
            /// </summary>
            private static bool IsDeclarationName(SyntaxToken token) => token.Parent switch
            {
                BaseTypeDeclarationSyntax type => type.Identifier == token,
                DelegateDeclarationSyntax @delegate => @delegate.Identifier == token,
                MethodDeclarationSyntax method => method.Identifier == token && method.ParameterList.Parameters.Count > 0
                    && method.ParameterList.Parameters[0].Modifiers.Any(SyntaxKind.ThisKeyword),
                _ => false,
            };
        }
    }
}

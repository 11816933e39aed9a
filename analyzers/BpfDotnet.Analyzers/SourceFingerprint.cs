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
        /// <paramref name="compilation"/>; null when <see cref="Disabled"/> or when the member has no declaration in source.
        /// Equal to the one <see cref="FindMembers"/> takes of the same member from syntax.
        /// </summary>
        public static SourceFingerprint? Of(ISymbol member, Compilation compilation, CancellationToken cancellationToken)
        {
            if (Disabled || member.Locations.Length == 0 || !member.Locations[0].IsInSource) return null;
            var location = member.Locations[0];
            var shared = s_perCompilation.GetValue(compilation, static c => new PerCompilation(c));
            return shared.Fingerprint(member.ContainingType.Name, member.Name, location.SourceTree!.FilePath, location.SourceSpan.Start, cancellationToken);
        }

        /// <summary>
        /// Every <c>[BpfProgram]</c> method and <c>[BpfMap]</c> field variable of the compilation that its syntax shows
        /// (attribute names, with the aliases the trees declare), with its fingerprint: found without binding, so a run
        /// costs the changed trees' syntax and a few set operations, however many probes there are. The step that
        /// compiles a member confirms its attribute by binding (a lookalike attribute is dropped there).
        /// </summary>
        public static List<(SyntaxNode Node, bool IsProgram, SourceFingerprint? Fingerprint)> FindMembers(Compilation compilation, CancellationToken cancellationToken)
        {
            var shared = s_perCompilation.GetValue(compilation, static c => new PerCompilation(c));
            var aliases = new HashSet<string>(StringComparer.Ordinal);
            foreach (var tree in compilation.SyntaxTrees)
            {
                if (!IsGeneratedByBpfDotnet(tree)) aliases.UnionWith(TreeNames.Of(tree, cancellationToken).GlobalAttributeAliases);
            }
            var found = new List<(SyntaxNode, bool, SourceFingerprint?)>();
            foreach (var tree in compilation.SyntaxTrees)
            {
                if (IsGeneratedByBpfDotnet(tree)) continue;
                foreach (var candidate in TreeNames.Of(tree, cancellationToken).Candidates(aliases))
                {
                    var fingerprint = Disabled ? null : shared.Fingerprint(candidate.TypeName, candidate.MemberName, tree.FilePath, candidate.Position, cancellationToken);
                    found.Add((candidate.Node, candidate.IsProgram, fingerprint));
                }
            }
            return found;
        }

        private static readonly ConditionalWeakTable<Compilation, PerCompilation> s_perCompilation = new ConditionalWeakTable<Compilation, PerCompilation>();

        /// <summary>What all the members of one compilation share: its metadata, and the trees reachable from each class name.</summary>
        private sealed class PerCompilation
        {
            /// <summary>
            /// The last compilation seen, whose closures (as file paths) the next one reuses when every tree declares and
            /// uses the same names as before: an edit that changes no name (a digit, a statement) recomputes no closure.
            /// </summary>
            private static PerCompilation? s_last;

            private readonly Compilation _compilation;
            private readonly Dictionary<string, SyntaxTree[]> _reachable = new Dictionary<string, SyntaxTree[]>(StringComparer.Ordinal);
            private readonly Dictionary<string, (SyntaxTree Tree, TreeNames Names)> _byPath = new Dictionary<string, (SyntaxTree, TreeNames)>(StringComparer.Ordinal);
            private readonly Dictionary<string, string[]> _closurePaths;
            private readonly object[] _metadata;

            public PerCompilation(Compilation compilation)
            {
                _compilation = compilation;
                var metadata = new List<object>();
                foreach (var reference in compilation.References)
                {
                    metadata.Add(reference is PortableExecutableReference file ? file.GetMetadataId() : (object)reference);
                }
                _metadata = metadata.ToArray();
                bool unique = true;
                foreach (var tree in compilation.SyntaxTrees)
                {
                    if (IsGeneratedByBpfDotnet(tree)) continue;
                    if (_byPath.ContainsKey(tree.FilePath)) unique = false;
                    _byPath[tree.FilePath] = (tree, TreeNames.Of(tree, CancellationToken.None));
                }
                var last = System.Threading.Volatile.Read(ref s_last);
                _closurePaths = new Dictionary<string, string[]>(StringComparer.Ordinal);
                if (unique && last is not null && last.SameNames(this))
                {
                    lock (last._reachable)
                    {
                        foreach (var pair in last._closurePaths) _closurePaths[pair.Key] = pair.Value;
                    }
                }
                if (unique) System.Threading.Volatile.Write(ref s_last, this);
            }

            /// <summary>True when <paramref name="next"/> has the trees (by path) of this compilation, each with the same names.</summary>
            private bool SameNames(PerCompilation next)
            {
                if (next._byPath.Count != _byPath.Count) return false;
                foreach (var pair in next._byPath)
                {
                    if (!_byPath.TryGetValue(pair.Key, out var mine)) return false;
                    if (!ReferenceEquals(mine.Names, pair.Value.Names) && !mine.Names.SameNames(pair.Value.Names)) return false;
                }
                return true;
            }

            /// <summary>The member by class name, name and position (overloads differ by position).</summary>
            public SourceFingerprint Fingerprint(string typeName, string memberName, string path, int position, CancellationToken cancellationToken)
            {
                string id = typeName + "." + memberName + "@" + path + ":" + position.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return new SourceFingerprint(id, Reachable(typeName, cancellationToken), _metadata, _compilation.Options);
            }

            /// <summary>The trees reachable from those that declare a type named <paramref name="typeName"/> (every part of the class).</summary>
            private SyntaxTree[] Reachable(string typeName, CancellationToken cancellationToken)
            {
                lock (_reachable)
                {
                    if (_reachable.TryGetValue(typeName, out var known)) return known;
                    if (_closurePaths.TryGetValue(typeName, out var paths))
                    {
                        var reused = new SyntaxTree[paths.Length];
                        for (int i = 0; i < paths.Length; i++) reused[i] = _byPath[paths[i]].Tree;
                        _reachable[typeName] = reused;
                        return reused;
                    }
                }
                var start = new List<SyntaxTree>();
                foreach (var tree in _compilation.SyntaxTrees)
                {
                    if (!IsGeneratedByBpfDotnet(tree) && TreeNames.Of(tree, cancellationToken).Declared.Contains(typeName)) start.Add(tree);
                }
                var trees = SourceFingerprint.Reachable(_compilation, start, cancellationToken);
                lock (_reachable)
                {
                    _reachable[typeName] = trees;
                    var closure = new string[trees.Length];
                    for (int i = 0; i < trees.Length; i++) closure[i] = trees[i].FilePath;
                    _closurePaths[typeName] = closure;
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

            private readonly List<(SyntaxNode Node, string TypeName, string MemberName, int Position, string Attribute)> _attributed;

            private TreeNames(HashSet<string> declared, HashSet<string> used, bool affectsAll, HashSet<string> globalAliases, HashSet<string> localAliases,
                List<(SyntaxNode, string, string, int, string)> attributed)
            {
                Declared = declared;
                Used = used;
                AffectsAll = affectsAll;
                GlobalAttributeAliases = globalAliases;
                _localAliases = localAliases;
                _attributed = attributed;
            }

            private readonly HashSet<string> _localAliases;

            /// <summary>True when <paramref name="other"/> declares and uses the same names (so every closure through it is the same).</summary>
            public bool SameNames(TreeNames other)
                => AffectsAll == other.AffectsAll && Declared.SetEquals(other.Declared) && Used.SetEquals(other.Used)
                   && GlobalAttributeAliases.SetEquals(other.GlobalAttributeAliases);

            /// <summary>Names that global using aliases give BpfProgramAttribute ("P:" + name) or BpfMapAttribute ("M:" + name).</summary>
            public HashSet<string> GlobalAttributeAliases { get; }

            /// <summary>The methods and field variables whose attributes name BpfProgram or BpfMap (directly, or by an alias in scope).</summary>
            public IEnumerable<(SyntaxNode Node, bool IsProgram, string TypeName, string MemberName, int Position)> Candidates(HashSet<string> globalAliases)
            {
                foreach (var (node, typeName, memberName, position, attribute) in _attributed)
                {
                    bool program = node is MethodDeclarationSyntax;
                    string wanted = program ? "BpfProgram" : "BpfMap";
                    string prefix = program ? "P:" : "M:";
                    if (attribute == wanted || attribute == wanted + "Attribute" || _localAliases.Contains(prefix + attribute) || globalAliases.Contains(prefix + attribute))
                    {
                        yield return (node, program, typeName, memberName, position);
                    }
                }
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
                var globalAliases = new HashSet<string>(StringComparer.Ordinal);
                var localAliases = new HashSet<string>(StringComparer.Ordinal);
                var attributed = new List<(SyntaxNode, string, string, int, string)>();
                var root = tree.GetRoot(cancellationToken);
                bool affectsAll = false;
                if (root is CompilationUnitSyntax unit)
                {
                    foreach (var directive in unit.Usings) affectsAll |= !directive.GlobalKeyword.IsKind(SyntaxKind.None);
                    foreach (var list in unit.AttributeLists) affectsAll |= list.Target is not null;
                }
                foreach (var node in root.DescendantNodes(static n => n is CompilationUnitSyntax or BaseNamespaceDeclarationSyntax or TypeDeclarationSyntax))
                {
                    switch (node)
                    {
                        case UsingDirectiveSyntax { Alias: { } alias } directive:
                            // using P = BpfDotnet.BpfProgramAttribute;
                            string target = LastName(directive.NamespaceOrType);
                            string? prefix = target is "BpfProgramAttribute" or "BpfProgram" ? "P:" : target is "BpfMapAttribute" or "BpfMap" ? "M:" : null;
                            if (prefix is not null) (directive.GlobalKeyword.IsKind(SyntaxKind.None) ? localAliases : globalAliases).Add(prefix + alias.Name.Identifier.ValueText);
                            break;
                        case MethodDeclarationSyntax { AttributeLists.Count: > 0, Parent: TypeDeclarationSyntax owner } method:
                            foreach (var name in AttributeNames(method.AttributeLists))
                            {
                                attributed.Add((method, owner.Identifier.ValueText, method.Identifier.ValueText, method.Identifier.SpanStart, name));
                            }
                            break;
                        case FieldDeclarationSyntax { AttributeLists.Count: > 0, Parent: TypeDeclarationSyntax owner } field:
                            foreach (var name in AttributeNames(field.AttributeLists))
                            {
                                foreach (var variable in field.Declaration.Variables)
                                {
                                    attributed.Add((variable, owner.Identifier.ValueText, variable.Identifier.ValueText, variable.Identifier.SpanStart, name));
                                }
                            }
                            break;
                    }
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
                return new TreeNames(declared, used, affectsAll, globalAliases, localAliases, attributed);
            }

            private static IEnumerable<string> AttributeNames(SyntaxList<AttributeListSyntax> lists)
            {
                foreach (var list in lists)
                {
                    foreach (var attribute in list.Attributes) yield return LastName(attribute.Name);
                }
            }

            private static string LastName(TypeSyntax name) => name switch
            {
                QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
                AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
                SimpleNameSyntax simple => simple.Identifier.ValueText,
                _ => name.ToString(),
            };

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

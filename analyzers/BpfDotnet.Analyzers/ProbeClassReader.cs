using System.Collections.Generic;
using System.Text;
using System.Threading;
using BpfDotnet.Analyzers.Model;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Frontend;
using BpfDotnet.Compiler.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BpfDotnet.Analyzers
{
    /// <summary>
    /// Reads the shape of a probe class (the type that declares <c>[BpfProgram]</c> methods or <c>[BpfMap]</c>
    /// fields): shared by the generator, which reopens the class, and the analyzer, which checks it can be reopened.
    /// </summary>
    internal static class ProbeClassReader
    {

        private static readonly SymbolDisplayFormat s_namespaceFormat =
            SymbolDisplayFormat.FullyQualifiedFormat.WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted);

        /// <summary>Reads the identity of <paramref name="type"/>.</summary>
        public static ProbeClassSpec Read(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            var chain = new List<INamedTypeSymbol>();
            for (var current = type; current is not null; current = current.ContainingType) chain.Add(current);
            chain.Reverse();

            string ns = type.ContainingNamespace is null || type.ContainingNamespace.IsGlobalNamespace
                ? string.Empty
                : type.ContainingNamespace.ToDisplayString(s_namespaceFormat);

            var fullName = new StringBuilder(ns);
            var declarations = new List<TypeDeclarationSpec>(chain.Count);
            bool isPartial = true;
            for (int i = 0; i < chain.Count; i++)
            {
                var t = chain[i];
                if (fullName.Length > 0) fullName.Append(i == 0 ? '.' : '+');
                fullName.Append(t.MetadataName);
                declarations.Add(new TypeDeclarationSpec(Modifiers(t), Keyword(t), NameWithTypeParameters(t)));
                isPartial &= IsPartial(t, cancellationToken) && t.TypeParameters.Length == 0;
            }

            var location = type.Locations.Length > 0 ? type.Locations[0] : null;
            return new ProbeClassSpec(fullName.ToString(), type.Name, ns, declarations.ToEquatableArray(), BpfDotnet.Compiler.Frontend.Licenses.Of(type), isPartial,
                LocationInfo.From(location));
        }

        /// <summary>True when every declaration of <paramref name="type"/> in source carries the <c>partial</c> modifier.</summary>
        public static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            if (type.DeclaringSyntaxReferences.Length == 0) return false;
            foreach (var reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration) return false;
                if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword)) return false;
            }
            return true;
        }

        /// <summary>True when <paramref name="type"/> and every type it is built from are visible outside the assembly.</summary>
        public static bool IsEffectivelyPublic(ITypeSymbol type)
        {
            switch (type)
            {
                case IPointerTypeSymbol pointer:
                    return IsEffectivelyPublic(pointer.PointedAtType);
                case IArrayTypeSymbol array:
                    return IsEffectivelyPublic(array.ElementType);
                case INamedTypeSymbol named:
                    for (ISymbol? current = named; current is INamedTypeSymbol t; current = t.ContainingType)
                    {
                        if (t.DeclaredAccessibility != Accessibility.Public && t.DeclaredAccessibility != Accessibility.NotApplicable) return false;
                    }
                    foreach (var argument in named.TypeArguments)
                    {
                        if (!IsEffectivelyPublic(argument)) return false;
                    }
                    return true;
                default:
                    return type.TypeKind != TypeKind.Error;
            }
        }


        private static string Keyword(INamedTypeSymbol type) => type.TypeKind switch
        {
            TypeKind.Struct => type.IsRecord ? "record struct" : "struct",
            TypeKind.Interface => "interface",
            _ => type.IsRecord ? "record" : "class",
        };

        private static string Modifiers(INamedTypeSymbol type)
        {
            var modifiers = new StringBuilder(AccessibilityKeyword(type.DeclaredAccessibility));
            void Add(string modifier)
            {
                if (modifiers.Length > 0) modifiers.Append(' ');
                modifiers.Append(modifier);
            }
            if (type.IsStatic) Add("static");
            if (type.TypeKind == TypeKind.Struct && type.IsReadOnly) Add("readonly");
            if (type.IsRefLikeType) Add("ref");
            return modifiers.ToString();
        }

        private static string AccessibilityKeyword(Accessibility accessibility) => accessibility switch
        {
            Accessibility.Public => "public",
            Accessibility.Internal => "internal",
            Accessibility.Private => "private",
            Accessibility.Protected => "protected",
            Accessibility.ProtectedOrInternal => "protected internal",
            Accessibility.ProtectedAndInternal => "private protected",
            _ => string.Empty,
        };

        private static string NameWithTypeParameters(INamedTypeSymbol type)
        {
            string name = EscapeIdentifier(type.Name);
            if (type.TypeParameters.Length == 0) return name;
            var builder = new StringBuilder(name).Append('<');
            for (int i = 0; i < type.TypeParameters.Length; i++)
            {
                if (i > 0) builder.Append(", ");
                builder.Append(EscapeIdentifier(type.TypeParameters[i].Name));
            }
            return builder.Append('>').ToString();
        }

        /// <summary>Prefixes <c>@</c> to a name that is a C# keyword, so it can be written back as an identifier.</summary>
        public static string EscapeIdentifier(string name)
            => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
    }
}

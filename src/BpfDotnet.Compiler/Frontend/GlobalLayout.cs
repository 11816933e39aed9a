using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using BpfDotnet.Compiler.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// Places the static fields of a probe class in the global-data sections. The layout depends only on the
    /// class's declarations (declaration order, natural alignment), so every program of the class, compiled on
    /// its own, agrees on it with the object writer and the generated loader.
    /// </summary>
    public static class GlobalLayout
    {
        public const string ReadOnlyData = ".rodata", Data = ".data", Bss = ".bss";

        /// <summary>The global variables of <paramref name="type"/>, in section and offset order.</summary>
        public static EquatableArray<GlobalVariable> For(INamedTypeSymbol type, Compilation compilation, CancellationToken cancellationToken)
        {
            var fields = new List<(IFieldSymbol Field, BpfType Layout, string Section, byte[] Initial, bool Constant, Location Where)>();
            foreach (var field in type.GetMembers().OfType<IFieldSymbol>())
            {
                if (!field.IsStatic || field.IsConst || field.IsImplicitlyDeclared || field.DeclaringSyntaxReferences.Length == 0) continue;
                if (field.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KnownTypes.BpfMapAttribute)) continue;
                var layout = TypeLayout.TryGet(field.Type, out _);
                if (layout is null || layout is PointerType) continue;

                var declarator = field.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) as VariableDeclaratorSyntax;
                var initial = new byte[layout.Size];
                bool constant = true;
                if (declarator?.Initializer is { } initializer)
                {
                    var model = compilation.GetSemanticModel(declarator.SyntaxTree);
                    var value = model.GetConstantValue(initializer.Value, cancellationToken);
                    if (value.HasValue && layout is IntType or EnumType) Encode(value.Value, initial);
                    else if (!(value.HasValue && value.Value is null) && initializer.Value is not LiteralExpressionSyntax { RawKind: (int)Microsoft.CodeAnalysis.CSharp.SyntaxKind.DefaultLiteralExpression }
                        && initializer.Value is not DefaultExpressionSyntax)
                    {
                        constant = false;
                    }
                }
                string section = field.IsReadOnly ? ReadOnlyData : initial.Any(b => b != 0) ? Data : Bss;
                fields.Add((field, layout, section, initial, constant, field.Locations[0]));
            }

            var result = new List<GlobalVariable>();
            foreach (var section in new[] { ReadOnlyData, Data, Bss })
            {
                int offset = 0;
                foreach (var f in fields.Where(f => f.Section == section)
                    .OrderBy(f => f.Where.SourceTree?.FilePath, StringComparer.Ordinal).ThenBy(f => f.Where.SourceSpan.Start))
                {
                    offset = TypeLayout.AlignUp(offset, Math.Max(1, f.Layout.Alignment));
                    result.Add(new GlobalVariable(f.Field.Name, section, offset, f.Layout,
                        f.Field.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat), f.Initial.ToEquatableArray(), f.Constant,
                        IsPublic(f.Field.Type)));
                    offset += f.Layout.Size;
                }
            }
            return result.ToEquatableArray();
        }

        /// <summary>The size of a section: the end of its last variable, rounded up to 8.</summary>
        public static int SectionSize(IEnumerable<GlobalVariable> globals, string section)
        {
            int end = 0;
            foreach (var g in globals) if (g.Section == section) end = Math.Max(end, g.Offset + g.Type.Size);
            return TypeLayout.AlignUp(end, 8);
        }

        private static bool IsPublic(ITypeSymbol type)
        {
            for (ISymbol? t = type; t is INamedTypeSymbol named; t = named.ContainingType)
            {
                if (named.DeclaredAccessibility != Accessibility.Public && named.SpecialType == SpecialType.None) return false;
            }
            return true;
        }

        private static void Encode(object? value, byte[] into)
        {
            ulong bits = value switch
            {
                bool b => b ? 1UL : 0UL,
                char c => c,
                sbyte v => unchecked((ulong)v),
                byte v => v,
                short v => unchecked((ulong)v),
                ushort v => v,
                int v => unchecked((ulong)v),
                uint v => v,
                long v => unchecked((ulong)v),
                ulong v => v,
                _ => 0UL,
            };
            for (int i = 0; i < into.Length; i++) into[i] = (byte)(bits >> (8 * i));
        }
    }
}

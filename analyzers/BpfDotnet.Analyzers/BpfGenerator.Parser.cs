using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using BpfDotnet.Analyzers.Model;
using BpfDotnet.Compiler;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Frontend;
using BpfDotnet.Compiler.Model;
using Microsoft.CodeAnalysis;

namespace BpfDotnet.Analyzers
{
    public sealed partial class BpfGenerator
    {
        /// <summary>
        /// Turns symbols into equatable models: compiles each program, reads each map, and groups both by class.
        /// No <see cref="ISymbol"/> or syntax node survives past this point.
        /// </summary>
        internal static class Parser
        {
            private static readonly SymbolDisplayFormat s_typeFormat = SymbolDisplayFormat.FullyQualifiedFormat
                .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

            /// <summary>
            /// Every <c>[BpfProgram]</c> method and <c>[BpfMap]</c> field of the compilation, with what compiling or reading
            /// it depends on. Runs on every edit, so it binds nothing: see <see cref="SourceFingerprint.FindMembers"/>.
            /// </summary>
            public static ImmutableArray<MemberInput> FindMembers(Compilation compilation, CancellationToken cancellationToken)
            {
                var members = ImmutableArray.CreateBuilder<MemberInput>();
                foreach (var (node, isProgram, fingerprint) in SourceFingerprint.FindMembers(compilation, cancellationToken))
                {
                    members.Add(new MemberInput(fingerprint, new SourceOrder(node.SyntaxTree.FilePath, node.SpanStart), isProgram, node, compilation));
                }
                return members.ToImmutable();
            }

            /// <summary>Compiles a program (or takes its compilation from <see cref="CompiledPrograms"/> when its fingerprint is known).</summary>
            public static ProgramSpec? ParseProgram(MemberInput input, CancellationToken cancellationToken)
            {
                if (input.Bind(cancellationToken) is not IMethodSymbol method || method.ContainingType is not INamedTypeSymbol type
                    || !HasAttribute(method, KnownTypes.BpfProgramAttribute)) return null;
                try
                {
                    var probeClass = ProbeClassReader.Read(type, cancellationToken);
                    if (!CompiledPrograms.TryGet(input.Fingerprint, out var compilation))
                    {
                        compilation = ProbeCompiler.CompileProgram(method, input.Model, cancellationToken);
                        CompiledPrograms.Add(input.Fingerprint, compilation);
                    }
                    return new ProgramSpec(probeClass, method.Name, input.Order, compilation);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception ex)
                {
                    // The compiler guards itself; this is the last line so that no exception leaves the generator.
                    var failed = new MethodCompilation(null, EquatableArray<string>.Empty,
                        new EquatableArray<DiagnosticInfo>(new[] { InternalError(method, ex) }));
                    return new ProgramSpec(SafeRead(type, cancellationToken), method.Name, input.Order, failed);
                }
            }

            /// <summary>Reads a <c>[BpfMap]</c> field; null if it is not a field of a type.</summary>
            public static MapFieldSpec? ParseMap(MemberInput input, CancellationToken cancellationToken)
            {
                if (input.Bind(cancellationToken) is not IFieldSymbol field || field.ContainingType is not INamedTypeSymbol type
                    || !HasAttribute(field, KnownTypes.BpfMapAttribute)) return null;
                try
                {
                    var probeClass = ProbeClassReader.Read(type, cancellationToken);
                    var declaration = ProbeCompiler.ReadMap(field, cancellationToken);
                    string? key = null, value = null, kindName = null;
                    bool typesArePublic = true;
                    if (field.Type is INamedTypeSymbol { IsGenericType: false } plain
                        && KernelModel.MapKinds.ByClrType(plain.ContainingNamespace?.ToDisplayString() + "." + plain.MetadataName) is { } plainKind)
                    {
                        // A map type without type arguments (stack traces): its handle takes none.
                        kindName = plainKind.ClrType;
                        key = string.Empty;
                        value = string.Empty;
                    }
                    if (field.Type is INamedTypeSymbol { IsGenericType: true } mapType)
                    {
                        string metadataName = mapType.ContainingNamespace?.ToDisplayString() + "." + mapType.MetadataName;
                        var arguments = mapType.TypeArguments;
                        var kind = KernelModel.MapKinds.ByClrType(metadataName);
                        if (kind is not null) kindName = metadataName;
                        if (kind is { Records: false, KeyIsIndex: false, Keyless: false } && arguments.Length == 2 && Nameable(arguments[0]) && Nameable(arguments[1]))
                        {
                            key = arguments[0].ToDisplayString(s_typeFormat);
                            value = arguments[1].ToDisplayString(s_typeFormat);
                            typesArePublic = ProbeClassReader.IsEffectivelyPublic(arguments[0]) && ProbeClassReader.IsEffectivelyPublic(arguments[1]);
                        }
                        else if (kind is { } single && (single.KeyIsIndex || single.Records || single.Keyless) && arguments.Length == 1 && Nameable(arguments[0]))
                        {
                            // An array's key is its index; a buffer of records, a queue or a filter has no key, and its handle takes the value type alone.
                            key = single.KeyIsIndex ? "uint" : string.Empty;
                            value = arguments[0].ToDisplayString(s_typeFormat);
                            typesArePublic = ProbeClassReader.IsEffectivelyPublic(arguments[0]);
                        }
                    }
                    if (declaration.Spec is not null && declaration.KeyTypeName.Length > 0 && declaration.ValueTypeName.Length > 0)
                    {
                        key = declaration.KeyTypeName;
                        value = declaration.ValueTypeName;
                    }
                    return new MapFieldSpec(probeClass, field.Name, input.Order, declaration, key, value, typesArePublic, kindName);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception ex)
                {
                    var failed = new MapDeclaration(null, field.Name, string.Empty, string.Empty,
                        new EquatableArray<DiagnosticInfo>(new[] { InternalError(field, ex) }));
                    return new MapFieldSpec(SafeRead(type, cancellationToken), field.Name, input.Order, failed, null, null, true);
                }
            }

            /// <summary>
            /// Groups programs and maps by class: classes by full name, members by declaration order, so the
            /// output does not depend on the order in which the compilation reported them.
            /// </summary>
            public static ImmutableArray<ProbeObjectSpec> GroupByClass(
                ImmutableArray<ProgramSpec> programs, ImmutableArray<MapFieldSpec> maps, CancellationToken cancellationToken)
            {
                var classes = new SortedDictionary<string, (ProbeClassSpec Class, List<ProgramSpec> Programs, List<MapFieldSpec> Maps)>(StringComparer.Ordinal);
                (ProbeClassSpec Class, List<ProgramSpec> Programs, List<MapFieldSpec> Maps) GroupOf(ProbeClassSpec probeClass)
                {
                    if (!classes.TryGetValue(probeClass.FullName, out var group))
                    {
                        group = (probeClass, new List<ProgramSpec>(), new List<MapFieldSpec>());
                        classes.Add(probeClass.FullName, group);
                    }
                    return group;
                }

                foreach (var program in programs) GroupOf(program.Class).Programs.Add(program);
                foreach (var map in maps) GroupOf(map.Class).Maps.Add(map);

                var result = ImmutableArray.CreateBuilder<ProbeObjectSpec>(classes.Count);
                foreach (var group in classes.Values)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    group.Programs.Sort(static (a, b) => a.Order.CompareTo(b.Order));
                    group.Maps.Sort(static (a, b) => a.Order.CompareTo(b.Order));
                    result.Add(new ProbeObjectSpec(group.Class, group.Programs.ToEquatableArray(), group.Maps.ToEquatableArray()));
                }
                return result.MoveToImmutable();
            }

            private static bool Nameable(ITypeSymbol type) => type.TypeKind != TypeKind.Error && !type.IsAnonymousType;

            /// <summary>True when <paramref name="symbol"/> carries the attribute whose metadata name is <paramref name="attribute"/> (found by syntax; confirmed here).</summary>
            private static bool HasAttribute(ISymbol symbol, string attribute)
            {
                foreach (var data in symbol.GetAttributes())
                {
                    if (data.AttributeClass is { } type && type.ContainingNamespace?.ToDisplayString() + "." + type.MetadataName == attribute) return true;
                }
                return false;
            }

            private static DiagnosticInfo InternalError(ISymbol symbol, Exception ex)
                => DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, symbol.Locations.Length > 0 ? symbol.Locations[0] : null,
                    ex.GetType().Name + ": " + ex.Message);

            /// <summary>The class identity even when reading its shape failed: the grouping key and name survive.</summary>
            private static ProbeClassSpec SafeRead(INamedTypeSymbol type, CancellationToken cancellationToken)
            {
                try
                {
                    return ProbeClassReader.Read(type, cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception)
                {
                    return new ProbeClassSpec(type.MetadataName, type.Name, string.Empty, EquatableArray<TypeDeclarationSpec>.Empty,
                        "GPL", IsPartial: false, Location: null);
                }
            }
        }
    }
}

using System.Threading;
using BpfDotnet.Compiler.Diagnostics;
using BpfDotnet.Compiler.Model;
using Microsoft.CodeAnalysis;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>Reads a <c>[BpfMap]</c> field into a <see cref="MapSpec"/>.</summary>
    public static class MapReader
    {
        private static readonly SymbolDisplayFormat s_fullyQualified = SymbolDisplayFormat.FullyQualifiedFormat;

        /// <summary>Reads <paramref name="field"/>; never throws.</summary>
        public static MapDeclaration Read(IFieldSymbol field, CancellationToken cancellationToken)
        {
            var location = field.Locations.Length > 0 ? field.Locations[0] : null;
            MapDeclaration Fail(string why) => new MapDeclaration(null, field.Name, "", "",
                new EquatableArray<DiagnosticInfo>(new[] { DiagnosticInfo.Create(DiagnosticDescriptors.InvalidMapDeclaration, location, field.Name, why) }));

            if (!field.IsStatic) return Fail("map fields must be static");
            if (field.Type is INamedTypeSymbol { IsGenericType: false } plain
                && KernelModel.MapKinds.ByClrType(plain.ContainingNamespace?.ToDisplayString() + "." + plain.MetadataName) is { Type: KernelModel.MapType.StackTrace } stacks)
            {
                // Stack ids to StackDepth addresses each.
                uint entries = 1, stackFlags = 0;
                foreach (var attribute in field.GetAttributes())
                {
                    if (attribute.AttributeClass?.ToDisplayString() != KnownTypes.BpfMapAttribute) continue;
                    foreach (var named in attribute.NamedArguments)
                    {
                        if (named.Key == "MaxEntries" && named.Value.Value is uint m) entries = m;
                        if (named.Key == "Flags" && named.Value.Value is uint f) stackFlags = f;
                    }
                }
                if (entries == 0) return Fail("MaxEntries must be at least 1");
                var frames = new ArrayType(IntType.ULong, KernelModel.MapKinds.StackDepth);
                if (KernelModel.MapKinds.Problem(stacks, entries, stackFlags, (uint)frames.Size) is string refusedStacks) return Fail(refusedStacks + ": the kernel would refuse to create the map");
                return new MapDeclaration(new MapSpec(field.Name, (uint)stacks.Type, entries, stackFlags, IntType.UInt, frames), field.Name, string.Empty, string.Empty,
                    EquatableArray<DiagnosticInfo>.Empty);
            }
            if (field.Type is INamedTypeSymbol { IsGenericType: false } redirectType
                && KernelModel.MapKinds.ByClrType(redirectType.ContainingNamespace?.ToDisplayString() + "." + redirectType.MetadataName) is { Redirect: true } redirect)
            {
                // 4-byte keys to 4-byte entries that user space sets.
                uint entries = 1, redirectFlags = 0;
                foreach (var attribute in field.GetAttributes())
                {
                    if (attribute.AttributeClass?.ToDisplayString() != KnownTypes.BpfMapAttribute) continue;
                    foreach (var named in attribute.NamedArguments)
                    {
                        if (named.Key == "MaxEntries" && named.Value.Value is uint m) entries = m;
                        if (named.Key == "Flags" && named.Value.Value is uint f) redirectFlags = f;
                    }
                }
                if (entries == 0) return Fail("MaxEntries must be at least 1");
                if (KernelModel.MapKinds.Problem(redirect, entries, redirectFlags, 4) is string refusedRedirect) return Fail(refusedRedirect + ": the kernel would refuse to create the map");
                return new MapDeclaration(new MapSpec(field.Name, (uint)redirect.Type, entries, redirectFlags, IntType.UInt, IntType.UInt), field.Name, "uint", "uint",
                    EquatableArray<DiagnosticInfo>.Empty);
            }
            if (field.Type is not INamedTypeSymbol mapType || !mapType.IsGenericType) return Fail("the field type must be BpfHashMap<TKey, TValue>, BpfArrayMap<TValue>, BpfRingBuffer<T> or another map type of the map kinds table");
            string definition = mapType.OriginalDefinition.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted).WithGenericsOptions(SymbolDisplayGenericsOptions.None));
            string metadataName = mapType.ContainingNamespace?.ToDisplayString() + "." + mapType.MetadataName;

            uint maxEntries = 1, flags = 0, innerMaxEntries = 0, innerFlags = 0;
            foreach (var attribute in field.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() != KnownTypes.BpfMapAttribute) continue;
                foreach (var named in attribute.NamedArguments)
                {
                    if (named.Key == "MaxEntries" && named.Value.Value is uint m) maxEntries = m;
                    if (named.Key == "Flags" && named.Value.Value is uint f) flags = f;
                    if (named.Key == "InnerMaxEntries" && named.Value.Value is uint im) innerMaxEntries = im;
                    if (named.Key == "InnerFlags" && named.Value.Value is uint inf) innerFlags = inf;
                }
            }
            if (maxEntries == 0) return Fail("MaxEntries must be at least 1");

            if (KernelModel.MapKinds.ByClrType(metadataName) is not KernelModel.MapKind kind || mapType.TypeArguments.Length != (kind.KeyIsIndex || kind.Records || kind.Keyless ? 1 : 2))
            {
                return Fail($"'{definition}' is not a map type; use BpfHashMap<TKey, TValue>, BpfArrayMap<TValue>, BpfRingBuffer<T> or another map type of the map kinds table");
            }
            if (kind.Type == KernelModel.MapType.PerfEventArray)
            {
                // One slot per possible CPU, each holding a perf event's descriptor: sized by the loader (max_entries 0).
                var sample = TypeLayout.TryGet(mapType.TypeArguments[0], out var sampleError);
                if (sample is null) return Fail($"record type '{mapType.TypeArguments[0].ToDisplayString()}' is not supported: {sampleError}");
                return new MapDeclaration(new MapSpec(field.Name, (uint)kind.Type, 0, flags, IntType.UInt, IntType.UInt), field.Name, string.Empty,
                    mapType.TypeArguments[0].ToDisplayString(s_fullyQualified), EquatableArray<DiagnosticInfo>.Empty);
            }
            if (kind.Keyless)
            {
                // Values without keys: a queue, a stack, a bloom filter.
                var element = TypeLayout.TryGet(mapType.TypeArguments[0], out var elementError);
                if (element is null) return Fail($"value type '{mapType.TypeArguments[0].ToDisplayString()}' is not supported: {elementError}");
                if (KernelModel.MapKinds.Problem(kind, maxEntries, flags, (uint)element.Size) is string refusedValues) return Fail(refusedValues + ": the kernel would refuse to create the map");
                var noKey = new StructType(string.Empty, 0, 1, EquatableArray<StructMember>.Empty);
                return new MapDeclaration(new MapSpec(field.Name, (uint)kind.Type, maxEntries, flags, noKey, element), field.Name, string.Empty,
                    mapType.TypeArguments[0].ToDisplayString(s_fullyQualified), EquatableArray<DiagnosticInfo>.Empty);
            }
            if (kind.Records)
            {
                // A buffer of records has no key or value: MaxEntries is its size in bytes.
                var record = TypeLayout.TryGet(mapType.TypeArguments[0], out var recordError);
                if (record is null) return Fail($"record type '{mapType.TypeArguments[0].ToDisplayString()}' is not supported: {recordError}");
                if (KernelModel.MapKinds.Problem(kind, maxEntries, flags, 0) is string refusedBuffer) return Fail(refusedBuffer + ": the kernel would refuse to create the map");
                if ((ulong)record.Size + 8 > maxEntries) return Fail($"a record of {record.Size} bytes does not fit a buffer of {maxEntries} bytes");
                var none = new StructType(string.Empty, 0, 1, EquatableArray<StructMember>.Empty);
                return new MapDeclaration(new MapSpec(field.Name, (uint)kind.Type, maxEntries, flags, none, none), field.Name, string.Empty,
                    mapType.TypeArguments[0].ToDisplayString(s_fullyQualified), EquatableArray<DiagnosticInfo>.Empty);
            }
            if (kind.OfMaps)
            {
                // A map of maps: the outer key, 4-byte values (map references), and the inner maps' definition.
                var innerSymbol = mapType.TypeArguments[mapType.TypeArguments.Length - 1];
                if (innerSymbol is not INamedTypeSymbol { IsGenericType: true } innerType
                    || KernelModel.MapKinds.ByClrType(innerType.ContainingNamespace?.ToDisplayString() + "." + innerType.MetadataName) is not KernelModel.MapKind innerKind
                    || !innerKind.CanBeInner)
                {
                    return Fail($"'{innerSymbol.ToDisplayString()}' cannot be the inner map type of a map of maps; use a hash, array, per-CPU, LRU or LPM trie map type");
                }
                if (innerMaxEntries == 0) return Fail("a map of maps needs InnerMaxEntries, the maximum number of entries of its inner maps");
                if (((KernelModel.MapFlags)innerFlags & (KernelModel.MapFlags.ReadOnlyProgram | KernelModel.MapFlags.WriteOnlyProgram)) != 0)
                    return Fail("InnerFlags cannot make inner maps read-only or write-only for programs, whose calls on an inner map are checked against its declared type only");
                if (KernelModel.MapKinds.Problem(kind, maxEntries, flags, 4) is string refusedOuter) return Fail(refusedOuter + ": the kernel would refuse to create the map");
                if (ReadKeyed(innerKind, innerType, innerMaxEntries, innerFlags, out var innerKey, out var innerValue, out var innerKeyName, out var innerValueName, out var innerError) is not MapSpec innerSpec)
                    return Fail("its inner maps: " + innerError);
                BpfType? outerKey = kind.KeyIsIndex ? IntType.UInt : TypeLayout.TryGet(mapType.TypeArguments[0], out _);
                if (outerKey is null) return Fail($"key type '{mapType.TypeArguments[0].ToDisplayString()}' is not supported");
                var outer = new MapSpec(field.Name, (uint)kind.Type, maxEntries, flags, outerKey, IntType.UInt) { Inner = innerSpec with { Name = field.Name + ".inner" } };
                string outerKeyName = kind.KeyIsIndex ? "uint" : mapType.TypeArguments[0].ToDisplayString(s_fullyQualified);
                return new MapDeclaration(outer, field.Name, outerKeyName, innerSymbol.ToDisplayString(s_fullyQualified), EquatableArray<DiagnosticInfo>.Empty);
            }

            if (ReadKeyed(kind, mapType, maxEntries, flags, out _, out _, out var keyName, out var valueName, out var error) is not MapSpec spec) return Fail(error);
            return new MapDeclaration(spec with { Name = field.Name }, field.Name, keyName, valueName, EquatableArray<DiagnosticInfo>.Empty);
        }

        /// <summary>
        /// The definition of a map of keys and values (<paramref name="kind"/> declared by <paramref name="mapType"/>), or
        /// null with the reason in <paramref name="error"/>. Its name is left empty.
        /// </summary>
        private static MapSpec? ReadKeyed(KernelModel.MapKind kind, INamedTypeSymbol mapType, uint maxEntries, uint flags,
            out BpfType? key, out BpfType? value, out string keyName, out string valueName, out string error)
        {
            ITypeSymbol keySymbol = kind.KeyIsIndex ? null! : mapType.TypeArguments[0];
            ITypeSymbol valueSymbol = mapType.TypeArguments[mapType.TypeArguments.Length - 1];
            keyName = kind.KeyIsIndex ? "uint" : keySymbol.ToDisplayString(s_fullyQualified);
            valueName = valueSymbol.ToDisplayString(s_fullyQualified);
            value = null;
            error = string.Empty;

            key = kind.KeyIsIndex ? IntType.UInt : TypeLayout.TryGet(keySymbol, out _);
            if (key is null)
            {
                error = $"key type '{keySymbol.ToDisplayString()}' is not supported";
                return null;
            }
            value = TypeLayout.TryGet(valueSymbol, out var valueError);
            if (value is null)
            {
                error = $"value type '{valueSymbol.ToDisplayString()}' is not supported: {valueError}";
                return null;
            }
            if (kind.Type == KernelModel.MapType.LpmTrie)
            {
                // The kernel creates a trie only unpreallocated, with a prefix length and 1 to 256 data bytes in the key.
                flags |= (uint)KernelModel.MapFlags.NoPrealloc;
                if (key.Size < 5 || key.Size > 4 + 256)
                {
                    error = $"key type '{keySymbol.ToDisplayString()}' is {key.Size} bytes; an LPM trie's key is a uint prefix length then 1 to 256 address bytes (Ipv4Prefix, Ipv6Prefix)";
                    return null;
                }
            }
            if (KernelModel.MapKinds.Problem(kind, maxEntries, flags, (uint)value.Size) is string refused)
            {
                error = refused + ": the kernel would refuse to create the map";
                return null;
            }
            return new MapSpec(string.Empty, (uint)kind.Type, maxEntries, flags, key, value);
        }
    }
}

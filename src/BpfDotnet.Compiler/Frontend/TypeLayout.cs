using System.Collections.Generic;
using System.Linq;
using BpfDotnet.Compiler.Model;
using Microsoft.CodeAnalysis;

namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>
    /// Lays out C# types the way the CLR does for unmanaged sequential structs, producing the
    /// <see cref="BpfType"/> the kernel sees (BTF) and the offsets the code generator uses.
    /// </summary>
    public static class TypeLayout
    {
        private const int MaxDepth = 16;

        /// <summary>
        /// Lays out <paramref name="type"/>; returns null (with <paramref name="error"/> set) for
        /// types eBPF code cannot hold.
        /// </summary>
        public static BpfType? TryGet(ITypeSymbol? type, out string? error) => TryGet(type, 0, out error);

        private static BpfType? TryGet(ITypeSymbol? type, int depth, out string? error)
        {
            error = null;
            if (type is null)
            {
                error = "unknown type";
                return null;
            }
            if (depth > MaxDepth)
            {
                error = "type nesting too deep";
                return null;
            }
            switch (type.SpecialType)
            {
                case SpecialType.System_Boolean: return IntType.Bool;
                case SpecialType.System_SByte: return IntType.SByte;
                case SpecialType.System_Byte: return IntType.Byte;
                case SpecialType.System_Int16: return IntType.Short;
                case SpecialType.System_UInt16: return IntType.UShort;
                case SpecialType.System_Char: return new IntType("char16_t", 2, false);
                case SpecialType.System_Int32: return IntType.Int;
                case SpecialType.System_UInt32: return IntType.UInt;
                case SpecialType.System_Int64: return IntType.Long;
                case SpecialType.System_UInt64: return IntType.ULong;
                case SpecialType.System_IntPtr: return new IntType("nint", 8, true);
                case SpecialType.System_UIntPtr: return new IntType("nuint", 8, false);
            }
            if (type.TypeKind == TypeKind.Enum && type is INamedTypeSymbol enumType)
            {
                if (TryGet(enumType.EnumUnderlyingType, depth + 1, out error) is not IntType underlying) return null;
                var members = new List<EnumMember>();
                foreach (var f in enumType.GetMembers().OfType<IFieldSymbol>())
                {
                    if (f.HasConstantValue && f.ConstantValue is not null)
                    {
                        // A ulong member above long.MaxValue keeps its bits (BTF's 64-bit enum values are raw bits too).
                        long value = f.ConstantValue is ulong u ? unchecked((long)u) : System.Convert.ToInt64(f.ConstantValue, System.Globalization.CultureInfo.InvariantCulture);
                        members.Add(new EnumMember(f.Name, value));
                    }
                }
                return new EnumType(type.Name, underlying, members.ToEquatableArray());
            }
            if (type is IPointerTypeSymbol pointer)
            {
                // A pointer into kernel memory is an address the program reads through with helpers: no layout of its target is needed.
                if (pointer.PointedAtType.SpecialType == SpecialType.System_Void || IsKernelType(pointer.PointedAtType)) return new PointerType(null);
                var target = TryGet(pointer.PointedAtType, depth + 1, out error);
                return target is null ? null : new PointerType(target);
            }
            if (type.SpecialType == SpecialType.System_Single || type.SpecialType == SpecialType.System_Double || type.SpecialType == SpecialType.System_Decimal)
            {
                error = "floating point has no eBPF instructions";
                return null;
            }
            if (type.SpecialType != SpecialType.None)
            {
                error = "not an integer, enum or unmanaged struct type";
                return null;
            }
            if (type.TypeKind == TypeKind.Struct && type is INamedTypeSymbol structType && type.IsUnmanagedType)
            {
                return LayoutStruct(structType, depth, out error);
            }
            error = type.IsReferenceType ? "reference types live on the managed heap" : "not an unmanaged integer, enum or struct type";
            return null;
        }

        /// <summary>The length of an <c>[InlineArray(n)]</c> struct, or 0.</summary>
        public static int InlineArrayLength(ITypeSymbol type)
        {
            foreach (var attribute in type.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == "System.Runtime.CompilerServices.InlineArrayAttribute"
                    && attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int length)
                {
                    return length;
                }
            }
            return 0;
        }

        private static BpfType? LayoutStruct(INamedTypeSymbol type, int depth, out string? error)
        {
            error = null;
            int inlineLength = InlineArrayLength(type);
            if (inlineLength > 0)
            {
                // [InlineArray(n)] repeats its single field n times.
                var element = type.GetMembers().OfType<IFieldSymbol>().FirstOrDefault(f => !f.IsStatic);
                var elementType = element is null ? null : TryGet(element.Type, depth + 1, out error);
                if (elementType is null)
                {
                    error ??= "an inline array needs one field of a supported type";
                    return null;
                }
                var array = new ArrayType(elementType, inlineLength);
                return new StructType(type.Name, array.Size, elementType.Alignment,
                    new EquatableArray<StructMember>(new[] { new StructMember(element!.Name, array, 0) }));
            }
            int pack = 0, explicitSize = 0;
            bool isExplicit = false;
            foreach (var attribute in type.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() != KnownTypes.StructLayoutAttribute) continue;
                if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int kind)
                {
                    if (kind == 2) isExplicit = true;
                    else if (kind == 3)
                    {
                        error = "LayoutKind.Auto structs have no fixed layout";
                        return null;
                    }
                }
                foreach (var named in attribute.NamedArguments)
                {
                    if (named.Key == "Pack" && named.Value.Value is int p) pack = p;
                    if (named.Key == "Size" && named.Value.Value is int s) explicitSize = s;
                }
            }

            var members = new List<StructMember>();
            int offset = 0, alignment = 1, end = 0;
            foreach (var field in type.GetMembers().OfType<IFieldSymbol>())
            {
                if (field.IsStatic || field.IsConst) continue;
                BpfType? fieldType;
                if (field.IsFixedSizeBuffer && field.Type is IPointerTypeSymbol elementPointer)
                {
                    var element = TryGet(elementPointer.PointedAtType, depth + 1, out error);
                    if (element is null) return null;
                    fieldType = new ArrayType(element, field.FixedSize);
                }
                else
                {
                    fieldType = TryGet(field.Type, depth + 1, out error);
                    if (fieldType is null)
                    {
                        error = $"field '{field.Name}': {error}";
                        return null;
                    }
                }
                int fieldAlign = pack > 0 ? System.Math.Min(pack, fieldType.Alignment) : fieldType.Alignment;
                if (isExplicit)
                {
                    var offsetAttr = field.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == KnownTypes.FieldOffsetAttribute);
                    offset = offsetAttr is not null && offsetAttr.ConstructorArguments.Length == 1 && offsetAttr.ConstructorArguments[0].Value is int o ? o : 0;
                }
                else
                {
                    offset = AlignUp(offset, fieldAlign);
                }
                members.Add(new StructMember(MemberName(field), fieldType, offset));
                alignment = System.Math.Max(alignment, fieldAlign);
                offset += fieldType.Size;
                end = System.Math.Max(end, offset);
            }
            if (members.Count == 0)
            {
                // Structs from other assemblies hide their private fields, so their layout is unknown here.
                error = "it has no fields visible to the compiler, so its layout is unknown";
                return null;
            }
            int size = AlignUp(end, alignment);
            if (explicitSize > size) size = explicitSize;
            if (size == 0) size = 1;
            return new StructType(type.Name, size, alignment, members.ToEquatableArray());
        }

        /// <summary>
        /// The name a field has in the layout (and in BTF): its own, or for the hidden backing field of an
        /// auto-property (<c>&lt;Count&gt;k__BackingField</c>) the property's, so that BTF and <c>bpftool map dump</c> show <c>Count</c>.
        /// </summary>
        public static string MemberName(IFieldSymbol field) => field.AssociatedSymbol is IPropertySymbol property ? property.Name : field.Name;

        /// <summary>The hidden field behind an auto-property, or null for a property with accessor bodies.</summary>
        public static IFieldSymbol? BackingField(IPropertySymbol property)
            => property.ContainingType.GetMembers().OfType<IFieldSymbol>().FirstOrDefault(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, property));

        /// <summary>True for a struct declared as a kernel type (<c>[BtfName]</c>), whose memory a program reads with <c>bpf_probe_read_kernel</c>.</summary>
        public static bool IsKernelType(ITypeSymbol type)
            => type.TypeKind == TypeKind.Struct && type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == KnownTypes.BtfNameAttribute);

        /// <summary>Rounds <paramref name="value"/> up to a multiple of <paramref name="alignment"/>.</summary>
        public static int AlignUp(int value, int alignment) => alignment <= 1 ? value : (value + alignment - 1) / alignment * alignment;
    }
}

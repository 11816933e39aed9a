using System;

namespace BpfDotnet.Compiler.Model
{
    /// <summary>
    /// A data type as the kernel sees it: the C-level shape of a C# type used in a probe
    /// (map keys and values, context structs, locals). The object writer turns these into BTF.
    /// </summary>
    /// <remarks>Records compare by value so that models holding them are equatable.</remarks>
    public abstract record BpfType
    {
        /// <summary>Size in bytes.</summary>
        public abstract int Size { get; }

        /// <summary>Alignment in bytes.</summary>
        public abstract int Alignment { get; }
    }

    /// <summary>An integer (or <c>bool</c>, <see cref="IsBool"/>) of 1, 2, 4 or 8 bytes.</summary>
    /// <param name="Name">The C# keyword (<c>uint</c>, <c>long</c>, <c>bool</c>, ...); also its BTF name.</param>
    public sealed record IntType(string Name, int ByteSize, bool Signed, bool IsBool = false) : BpfType
    {
        public override int Size => ByteSize;
        public override int Alignment => ByteSize;

        public static readonly IntType Bool = new IntType("bool", 1, false, true);
        public static readonly IntType SByte = new IntType("sbyte", 1, true);
        public static readonly IntType Byte = new IntType("byte", 1, false);
        public static readonly IntType Short = new IntType("short", 2, true);
        public static readonly IntType UShort = new IntType("ushort", 2, false);
        public static readonly IntType Int = new IntType("int", 4, true);
        public static readonly IntType UInt = new IntType("uint", 4, false);
        public static readonly IntType Long = new IntType("long", 8, true);
        public static readonly IntType ULong = new IntType("ulong", 8, false);
    }

    /// <summary>A named enum over an integer type.</summary>
    public sealed record EnumType(string Name, IntType Underlying, EquatableArray<EnumMember> Members) : BpfType
    {
        public override int Size => Underlying.Size;
        public override int Alignment => Underlying.Alignment;
    }

    /// <summary>One named value of an <see cref="EnumType"/>.</summary>
    public sealed record EnumMember(string Name, long Value);

    /// <summary>A struct with members at fixed byte offsets.</summary>
    public sealed record StructType(string Name, int ByteSize, int ByteAlignment, EquatableArray<StructMember> Members) : BpfType
    {
        public override int Size => ByteSize;
        public override int Alignment => ByteAlignment;
    }

    /// <summary>One member of a <see cref="StructType"/>.</summary>
    public sealed record StructMember(string Name, BpfType Type, int Offset);

    /// <summary>A fixed-length array (fixed buffers, inline arrays).</summary>
    public sealed record ArrayType(BpfType Element, int Count) : BpfType
    {
        public override int Size => Element.Size * Count;
        public override int Alignment => Element.Alignment;
    }

    /// <summary>A pointer; <see cref="Target"/> is null for <c>void*</c>.</summary>
    public sealed record PointerType(BpfType? Target) : BpfType
    {
        public override int Size => 8;
        public override int Alignment => 8;
    }
}

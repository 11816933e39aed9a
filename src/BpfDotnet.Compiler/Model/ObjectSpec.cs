using System.Linq;
using BpfDotnet.Compiler.Isa;

namespace BpfDotnet.Compiler.Model
{
    /// <summary>Everything the object writer needs to produce one ELF object.</summary>
    /// <param name="License">Contents of the <c>license</c> section (without the trailing NUL).</param>
    /// <param name="Programs">Entry-point programs, one ELF section each, in output order.</param>
    /// <param name="Maps">BTF-defined maps, laid out in the <c>.maps</c> section in this order.</param>
    public sealed record ObjectSpec(string License, EquatableArray<CompiledFunction> Programs, EquatableArray<MapSpec> Maps)
    {
        /// <summary>Static fields placed in <c>.rodata</c>, <c>.data</c> and <c>.bss</c>.</summary>
        public EquatableArray<GlobalVariable> Globals { get; init; } = EquatableArray<GlobalVariable>.Empty;
    }

    /// <summary>
    /// A static field of a probe class as a global variable: <c>static readonly</c> fields go to <c>.rodata</c>
    /// (set from user space before load; the verifier then knows their values), mutable fields with a non-zero
    /// constant initializer to <c>.data</c>, the others to <c>.bss</c>.
    /// </summary>
    /// <param name="Name">The field name (ELF symbol and BTF VAR).</param>
    /// <param name="Section"><c>.rodata</c>, <c>.data</c> or <c>.bss</c>.</param>
    /// <param name="Offset">Byte offset in the section.</param>
    /// <param name="TypeName">The field's C# type, fully qualified, for generated code.</param>
    /// <param name="Initial">Initial bytes (the constant initializer, little-endian), <see cref="BpfType.Size"/> long.</param>
    /// <param name="ConstantInitializer">False when the field has an initializer that is not a constant (it runs only in .NET).</param>
    /// <param name="PublicType">True when the field's type is public, so a public generated member can expose it.</param>
    public sealed record GlobalVariable(string Name, string Section, int Offset, BpfType Type, string TypeName, EquatableArray<byte> Initial,
        bool ConstantInitializer, bool PublicType);

    /// <summary>
    /// A compiled program: final instructions plus what the object writer needs around them.
    /// </summary>
    /// <param name="Name">Symbol and BTF FUNC name.</param>
    /// <param name="Section">ELF section name, e.g. <c>tracepoint/syscalls/sys_enter_openat</c>.</param>
    /// <param name="Code">Instruction slots; map references are <c>ld_imm64</c> with imm 0, listed in <paramref name="Relocations"/>.</param>
    /// <param name="Relocations">Instructions that reference a map symbol.</param>
    /// <param name="Lines">Line info records, ascending by instruction index, first one at index 0.</param>
    /// <param name="Signature">Return and parameter types for BTF FUNC_PROTO.</param>
    /// <param name="StackDepth">Bytes of stack the program uses (informational).</param>
    public sealed record CompiledFunction(
        string Name,
        string Section,
        EquatableArray<Instruction> Code,
        EquatableArray<MapRelocation> Relocations,
        EquatableArray<LineInfo> Lines,
        FunctionSignature Signature,
        int StackDepth)
    {
        /// <summary>Instructions whose immediate is a kernel struct member's offset, which the loader relocates (CO-RE).</summary>
        public EquatableArray<CoreAccess> CoreAccesses { get; init; } = EquatableArray<CoreAccess>.Empty;

        /// <summary>BPF-to-BPF calls: <c>call</c> instructions (src <c>BPF_PSEUDO_CALL</c>) to a function of <see cref="Subprograms"/>.</summary>
        public EquatableArray<CallRelocation> Calls { get; init; } = EquatableArray<CallRelocation>.Empty;

        /// <summary>
        /// Every subprogram this function calls, directly or not, compiled separately (placed once in <c>.text</c>,
        /// with static linkage). Empty for a subprogram itself: its callees are listed by the program that calls it.
        /// </summary>
        public EquatableArray<CompiledFunction> Subprograms { get; init; } = EquatableArray<CompiledFunction>.Empty;
    }

    /// <summary>
    /// A <c>mov</c> at <paramref name="InstructionIndex"/> whose immediate is the byte offset of a kernel struct member, as
    /// the C# declarations place it, which the loader moves to where the running kernel's BTF places it (CO-RE).
    /// <paramref name="Steps"/> are the members from the struct the pointer points to down to the one read
    /// (<c>sk-&gt;SkCommon.SkcDaddr</c>: sock's __sk_common, then sock_common's skc_daddr); the last is
    /// <paramref name="Size"/> bytes, a pointer when <paramref name="Pointer"/>. <paramref name="Declared"/> names the C# member.
    /// </summary>
    public sealed record CoreAccess(int InstructionIndex, EquatableArray<CoreStep> Steps, int Size, bool Pointer, string Declared)
    {
        /// <summary>What the loader writes into the immediate: the member's offset (a read), or the answer to a <c>Core</c> query.</summary>
        public CoreQuery Kind { get; init; } = CoreQuery.FieldByteOffset;

        /// <summary>The immediate as the C# declarations answer (the member's declared offset for a read), which the loader replaces.</summary>
        public long LocalValue { get; init; }

        /// <summary>For a bitfield: its first bit's offset in the struct that holds it, as declared.</summary>
        public int BitOffset { get; init; }

        /// <summary>For a bitfield: its number of bits (0: not a bitfield).</summary>
        public int BitSize { get; init; }

        /// <summary>True when the member is a signed integer (or signed enum) as declared.</summary>
        public bool Signed { get; init; }

        /// <summary>For the type and enum queries: the kernel type asked about (its BTF name and kind); null for member accesses.</summary>
        public CoreType? Type { get; init; }

        /// <summary>The struct the access starts from (its BTF name), or the type a type query names.</summary>
        public string Struct => Steps.Count > 0 ? Steps[0].Struct : Type?.Name ?? "";

        /// <summary>The member path by BTF names, dotted.</summary>
        public string Member => string.Join(".", Steps.Select(s => s.Member));

        /// <summary>The member's declared offset from the start of <see cref="Struct"/>.</summary>
        public int Offset => Steps.Sum(s => s.Offset);
    }

    /// <summary>
    /// The CO-RE questions a program asks the loader, numbered as the kernel's relocation kinds (<c>enum bpf_core_relo_kind</c>):
    /// a member's offset, size, existence or signedness; a type's local or kernel id, existence, size, or match; an enum
    /// value's existence or value.
    /// </summary>
    public enum CoreQuery
    {
        FieldByteOffset = 0, FieldByteSize = 1, FieldExists = 2, FieldSigned = 3, FieldLShiftU64 = 4, FieldRShiftU64 = 5,
        TypeIdLocal = 6, TypeIdTarget = 7, TypeExists = 8, TypeSize = 9, EnumValueExists = 10, EnumValue = 11, TypeMatches = 12,
    }

    /// <summary>
    /// The kernel type a type or enum query names: its BTF <paramref name="Name"/> (flavor suffix kept), whether it is an
    /// enum, a union or a struct, its declared <paramref name="Size"/>, its members as declared (BTF names and offsets, for
    /// the local BTF the loader matches), and for an enum query the <paramref name="Enumerator"/> asked about.
    /// </summary>
    public sealed record CoreType(string Name, CoreTypeKind TypeKind, int Size, EquatableArray<CoreMember> Members, EquatableArray<CoreEnumerator> Enumerators, string? Enumerator);

    /// <summary>
    /// A member of a kernel type as declared: BTF name, byte offset, size, whether it is a pointer or a signed integer, and
    /// for a pointer to a kernel type, that type's BTF name (<paramref name="Pointee"/>).
    /// </summary>
    public sealed record CoreMember(string Name, int Offset, int Size, bool Pointer, bool Signed, string? Pointee = null);

    /// <summary>A value of a kernel enum as declared: its BTF name and value.</summary>
    public sealed record CoreEnumerator(string Name, long Value);

    /// <summary>The kinds of kernel type a CO-RE type query may name.</summary>
    public enum CoreTypeKind { Struct, Union, Enum }

    /// <summary>One member on a CO-RE access path: member <paramref name="Member"/> of struct <paramref name="Struct"/> (BTF names), at <paramref name="Offset"/> there.</summary>
    public sealed record CoreStep(string Struct, string Member, int Offset);

    /// <summary>
    /// A <c>call</c> at <paramref name="InstructionIndex"/> to the subprogram named <paramref name="Callee"/>, or, with
    /// <paramref name="IsAddress"/>, an <c>ld_imm64</c> there of its address (a callback handed to a helper such as <c>bpf_loop</c>).
    /// </summary>
    public sealed record CallRelocation(int InstructionIndex, string Callee, bool IsAddress = false);

    /// <summary>An <c>ld_imm64</c> at <paramref name="InstructionIndex"/> (slot index) that loads the map <paramref name="MapName"/>.</summary>
    public sealed record MapRelocation(int InstructionIndex, string MapName);

    /// <summary>A line info record: the instruction (slot index) where a C# source line starts.</summary>
    /// <param name="FileName">Source file path as the user knows it.</param>
    /// <param name="LineText">The text of that source line (trimmed), shown by the verifier log.</param>
    /// <param name="Line">1-based line.</param>
    /// <param name="Column">1-based column.</param>
    public sealed record LineInfo(int InstructionIndex, string FileName, string LineText, int Line, int Column);

    /// <summary>A function's BTF signature. A null <paramref name="ReturnType"/> means void.</summary>
    public sealed record FunctionSignature(BpfType? ReturnType, EquatableArray<FunctionParameter> Parameters);

    /// <summary>One named parameter.</summary>
    public sealed record FunctionParameter(string Name, BpfType Type);

    /// <summary>A BTF-defined map in the <c>.maps</c> section.</summary>
    /// <param name="Name">Map name (ELF symbol and BTF VAR name; the kernel keeps the first 15 characters).</param>
    /// <param name="MapType">Kernel map type (<c>BPF_MAP_TYPE_HASH</c> = 1, <c>ARRAY</c> = 2, ...).</param>
    public sealed record MapSpec(string Name, uint MapType, uint MaxEntries, uint Flags, BpfType Key, BpfType Value)
    {
        /// <summary>For a map of maps: the inner maps' definition (its name is the outer map's with <c>.inner</c>).</summary>
        public MapSpec? Inner { get; init; }
    }
}

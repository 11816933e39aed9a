using System;
using System.Runtime.CompilerServices;

namespace BpfDotnet
{
    /// <summary>
    /// Questions a probe asks about the running kernel's types (CO-RE), answered by the loader from the kernel's BTF, as
    /// libbpf's <c>bpf_core_field_exists</c>, <c>bpf_core_type_size</c>, <c>bpf_core_enum_value</c> and the rest answer
    /// them. Each names a member read through a pointer to a kernel type (<c>task-&gt;LoginUid</c>, not read), a kernel
    /// type (<c>Core.TypeSize&lt;TaskStruct&gt;()</c>) or a kernel enum's value (<c>Core.EnumValue(BpfFuncId.BpfFuncLoop)</c>),
    /// as <c>KernelTypes.GenerateCSharp</c> declares them (with <c>[BtfName]</c>); a type name with a <c>___flavor</c>
    /// suffix asks about the type without it. Outside the kernel each answers as the C# declarations do.
    /// </summary>
    public static class Core
    {
        /// <summary>
        /// True when the running kernel's struct has the member <paramref name="member"/> reads (<c>task-&gt;LoginUid</c>,
        /// which is not read here): <c>if (Core.FieldExists(task-&gt;LoginUid)) uid = task-&gt;LoginUid;</c> loads on kernels
        /// without the member, where the unguarded read would be refused at load. As .NET code: true.
        /// </summary>
        public static bool FieldExists<T>(T member) => true;

        /// <summary>
        /// The size in bytes of the member <paramref name="member"/> reads, in the running kernel (the member is not read).
        /// A kernel without the member refuses the program at load unless <see cref="FieldExists{T}"/> guards the query.
        /// As .NET code: the size of <typeparamref name="T"/>.
        /// </summary>
        public static int FieldSize<T>(T member) where T : unmanaged => Unsafe.SizeOf<T>();

        /// <summary>
        /// True when the member <paramref name="member"/> reads is a signed integer (or signed enum) in the running kernel.
        /// As .NET code: whether <typeparamref name="T"/> is a signed integer type.
        /// </summary>
        public static bool FieldSigned<T>(T member) where T : unmanaged
        {
            var type = typeof(T).IsEnum ? Enum.GetUnderlyingType(typeof(T)) : typeof(T);
            return type == typeof(sbyte) || type == typeof(short) || type == typeof(int) || type == typeof(long) || type == typeof(nint);
        }

        /// <summary>True when the running kernel has the struct, union or enum <typeparamref name="T"/> declares. As .NET code: true.</summary>
        public static bool TypeExists<T>() where T : unmanaged => true;

        /// <summary>
        /// The size in bytes of <typeparamref name="T"/>'s kernel type in the running kernel. A kernel without the type refuses
        /// the program at load unless <see cref="TypeExists{T}"/> guards the query. As .NET code: the declared size.
        /// </summary>
        public static int TypeSize<T>() where T : unmanaged => Unsafe.SizeOf<T>();

        /// <summary>
        /// True when the running kernel's type of <typeparamref name="T"/>'s name matches the declaration: of the same kind,
        /// every declared member present with a compatible type (every declared value, for an enum). As .NET code: true.
        /// </summary>
        public static bool TypeMatches<T>() where T : unmanaged => true;

        /// <summary>The BTF id of <typeparamref name="T"/>'s type in the program's own BTF, as loaded. As .NET code: 0.</summary>
        public static uint TypeIdLocal<T>() where T : unmanaged => 0;

        /// <summary>
        /// The BTF id of <typeparamref name="T"/>'s type in the running kernel's BTF (for helpers that take one, such as
        /// <c>bpf_snprintf_btf</c>). A kernel without the type refuses the program at load unless <see cref="TypeExists{T}"/>
        /// guards the query. As .NET code: 0.
        /// </summary>
        public static uint TypeIdTarget<T>() where T : unmanaged => 0;

        /// <summary>True when the running kernel's enum has the value <paramref name="value"/> names (by its BTF name). As .NET code: true.</summary>
        public static bool EnumValueExists<TEnum>(TEnum value) where TEnum : struct, Enum => true;

        /// <summary>
        /// The value the running kernel gives the enum value <paramref name="value"/> names (by its BTF name): enums are
        /// renumbered between kernels. A kernel without the value refuses the program at load unless
        /// <see cref="EnumValueExists{TEnum}"/> guards the query. As .NET code: the declared value.
        /// </summary>
        public static long EnumValue<TEnum>(TEnum value) where TEnum : struct, Enum => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }
}

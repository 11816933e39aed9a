using System;

namespace BpfDotnet
{
    /// <summary>
    /// Marks a static method as an eBPF program. The BpfDotnet generator compiles its body to eBPF
    /// bytecode at build time; pair it with an attach attribute such as <see cref="TracepointAttribute"/>
    /// or give the ELF section directly with <see cref="SectionAttribute"/>.
    /// </summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
    public sealed class BpfProgramAttribute : Attribute
    {
    }

    /// <summary>
    /// Attaches the program to a kernel tracepoint, <c>/sys/kernel/tracing/events/&lt;category&gt;/&lt;name&gt;</c>.
    /// The program's section becomes <c>tracepoint/&lt;category&gt;/&lt;name&gt;</c>.
    /// </summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
    public sealed class TracepointAttribute : Attribute
    {
        /// <summary>Creates the attribute.</summary>
        /// <param name="category">Tracepoint category, e.g. <c>syscalls</c>.</param>
        /// <param name="name">Tracepoint name, e.g. <c>sys_enter_openat</c>.</param>
        public TracepointAttribute(string category, string name)
        {
            Category = category;
            Name = name;
        }

        /// <summary>Tracepoint category.</summary>
        public string Category { get; }

        /// <summary>Tracepoint name.</summary>
        public string Name { get; }
    }

    /// <summary>
    /// Attaches the program to the entry of a kernel function (a kprobe); its context is a <see cref="PtRegs"/>. The
    /// section becomes <c>kprobe/&lt;function&gt;</c> (or <c>kretprobe/</c> with <see cref="Return"/>), as libbpf names it.
    /// Kernels built without kprobes (no <c>/sys/bus/event_source/devices/kprobe</c>) load such programs but cannot attach them.
    /// </summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
    public sealed class KprobeAttribute : Attribute
    {
        /// <summary>Creates the attribute.</summary>
        /// <param name="function">The kernel function (as <c>/proc/kallsyms</c> names it).</param>
        public KprobeAttribute(string function) => Function = function;

        /// <summary>The kernel function.</summary>
        public string Function { get; }

        /// <summary>True to run at the function's returns (a kretprobe; <see cref="PtRegs.ReturnValue"/> is its result).</summary>
        public bool Return { get; set; }
    }

    /// <summary>
    /// Attaches the program to the entry of a function of a user-space executable or shared library (a uprobe), in every
    /// process that runs it. The program's context is a <see cref="PtRegs"/>, whose <see cref="PtRegs.Arg"/> are the
    /// function's arguments. The section becomes <c>uprobe/&lt;binary&gt;:&lt;function&gt;</c> (libbpf's convention).
    /// </summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
    public sealed class UprobeAttribute : Attribute
    {
        /// <summary>Creates the attribute.</summary>
        /// <param name="binary">
        /// An absolute path (<c>/usr/bin/bash</c>), or a library name (<c>libc</c>, <c>libssl.so.3</c>) found the way the
        /// dynamic loader finds it: in this process's mappings, then the standard library directories.
        /// </param>
        /// <param name="function">The function's symbol name (from <c>.symtab</c> or <c>.dynsym</c>, without its version).</param>
        public UprobeAttribute(string binary, string function)
        {
            Binary = binary;
            Function = function;
        }

        /// <summary>The executable or library.</summary>
        public string Binary { get; }

        /// <summary>The function.</summary>
        public string Function { get; }

        /// <summary>Bytes past the function's start to probe at (0: its entry).</summary>
        public ulong Offset { get; set; }
    }

    /// <summary>
    /// Attaches the program to the returns of a function of a user-space executable or shared library (a uretprobe);
    /// <see cref="PtRegs.ReturnValue"/> is what it returned. The section becomes <c>uretprobe/&lt;binary&gt;:&lt;function&gt;</c>.
    /// </summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
    public sealed class UretprobeAttribute : Attribute
    {
        /// <summary>Creates the attribute; the arguments are those of <see cref="UprobeAttribute"/>.</summary>
        public UretprobeAttribute(string binary, string function)
        {
            Binary = binary;
            Function = function;
        }

        /// <summary>The executable or library.</summary>
        public string Binary { get; }

        /// <summary>The function.</summary>
        public string Function { get; }
    }

    /// <summary>
    /// Escape hatch: places the program in an ELF section of this exact name, following libbpf's
    /// conventions (for example <c>raw_tracepoint/sched_switch</c> or <c>xdp</c>).
    /// </summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
    public sealed class SectionAttribute : Attribute
    {
        /// <summary>Creates the attribute.</summary>
        /// <param name="name">The ELF section name.</param>
        public SectionAttribute(string name) => Name = name;

        /// <summary>The ELF section name.</summary>
        public string Name { get; }
    }

    /// <summary>
    /// Declares a static field of a map type (<see cref="BpfHashMap{TKey, TValue}"/>,
    /// <see cref="BpfArrayMap{TValue}"/>) as a kernel map shared by the programs of the class
    /// and by user space.
    /// </summary>
    [AttributeUsage(AttributeTargets.Field, AllowMultiple = false, Inherited = false)]
    public sealed class BpfMapAttribute : Attribute
    {
        /// <summary>Maximum number of entries (for array maps: the number of slots).</summary>
        public uint MaxEntries { get; set; } = 1;

        /// <summary>Map creation flags (<c>BPF_F_*</c>), passed to the kernel unchanged.</summary>
        public uint Flags { get; set; }

        /// <summary>
        /// For a map of maps (<see cref="BpfArrayOfMaps{TInner}"/>, <see cref="BpfHashOfMaps{TKey, TInner}"/>): the maximum
        /// number of entries of the inner maps, which the kernel checks every inner map against (required there, unused elsewhere).
        /// </summary>
        public uint InnerMaxEntries { get; set; }

        /// <summary>For a map of maps: the creation flags of the inner maps.</summary>
        public uint InnerFlags { get; set; }
    }

    /// <summary>
    /// Sets the license string of the probe class's object (default <c>"GPL"</c>, which GPL-only helpers need).
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class BpfLicenseAttribute : Attribute
    {
        /// <summary>Creates the attribute.</summary>
        /// <param name="license">The license, e.g. <c>"Dual MIT/GPL"</c>.</param>
        public BpfLicenseAttribute(string license) => License = license;

        /// <summary>The license string.</summary>
        public string License { get; }
    }
}

namespace BpfDotnet
{
    /// <summary>
    /// Says what a property of a struct from a compiled library (a packet header, say) reads, so that probes may use it:
    /// the field <see cref="Field"/>, its bytes reversed when <see cref="NetworkOrder"/> (big-endian on the wire), shifted
    /// right by <see cref="Shift"/>, kept to its low <see cref="Bits"/> bits (all when 0), multiplied by <see cref="Scale"/>; a
    /// <c>bool</c> property is true when that is not 0. A setter, where the view is the whole field, writes the field the
    /// same way. The property's .NET accessors must compute the same.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
    public sealed class BpfFieldViewAttribute : Attribute
    {
        /// <summary>Describes a view of <paramref name="field"/>, a field of the same struct.</summary>
        public BpfFieldViewAttribute(string field) => Field = field;

        /// <summary>The field's name.</summary>
        public string Field { get; }

        /// <summary>The field holds its value in network (big-endian) byte order.</summary>
        public bool NetworkOrder { get; set; }

        /// <summary>Bits to shift the value right by.</summary>
        public int Shift { get; set; }

        /// <summary>Bits of the shifted value kept (0: all).</summary>
        public int Bits { get; set; }

        /// <summary>What the kept bits are multiplied by.</summary>
        public int Scale { get; set; } = 1;
    }

    /// <summary>
    /// The name a type or member has in the kernel's BTF (<c>task_struct</c>, <c>real_parent</c>), on the declarations
    /// <c>KernelTypes.GenerateCSharp</c> writes, where the C# name is its PascalCase form.
    /// </summary>
    [AttributeUsage(AttributeTargets.Struct | AttributeTargets.Enum | AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
    public sealed class BtfNameAttribute : Attribute
    {
        /// <summary>Names the BTF type or member.</summary>
        public BtfNameAttribute(string name) => Name = name;

        /// <summary>The BTF name.</summary>
        public string Name { get; }
    }

    /// <summary>
    /// A bitfield member of a kernel type, on the property <c>KernelTypes.GenerateCSharp</c> writes for it: where its bits
    /// start from the start of the struct, and how many there are. A probe reads it portably (<c>task-&gt;InExecve</c>):
    /// the loader relocates the bytes read and the shifts that extract the bits (CO-RE).
    /// </summary>
    [AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
    public sealed class BtfBitfieldAttribute : Attribute
    {
        /// <summary>Places the bitfield.</summary>
        public BtfBitfieldAttribute(int bitOffset, int bitSize)
        {
            BitOffset = bitOffset;
            BitSize = bitSize;
        }

        /// <summary>The first bit's offset from the start of the struct.</summary>
        public int BitOffset { get; }

        /// <summary>The number of bits.</summary>
        public int BitSize { get; }
    }
}

using System;

namespace BpfDotnet
{
    /// <summary>
    /// Emitted by the BpfDotnet generator, one per probe class: the compiled ELF object, so that build
    /// tooling can write it next to the assembly (<c>&lt;Name&gt;.bpf.o</c>) without running any code.
    /// </summary>
    [AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true, Inherited = false)]
    public sealed class BpfObjectAttribute : Attribute
    {
        /// <summary>Creates the attribute.</summary>
        /// <param name="name">Object name: the probe class's name.</param>
        /// <param name="elfBase64">The ELF object, base64-encoded.</param>
        public BpfObjectAttribute(string name, string elfBase64)
        {
            Name = name;
            ElfBase64 = elfBase64;
        }

        /// <summary>Object name: the probe class's name.</summary>
        public string Name { get; }

        /// <summary>The ELF object, base64-encoded.</summary>
        public string ElfBase64 { get; }
    }
}

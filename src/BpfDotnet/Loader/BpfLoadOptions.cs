using System;
namespace BpfDotnet
{
    /// <summary>Options for loading BPF programs and objects.</summary>
    public sealed class BpfLoadOptions
    {
        /// <summary>
        /// Verifier log level of the first load attempt (0 = no log, 1 = instructions on the failing path,
        /// 2 = every instruction, 4 = statistics). When a load fails, it is retried with level 1 (then 2 if the log
        /// was empty) so the verifier log can be reported. The levels combine (1 | 4); the kernel knows no others.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">The value is negative or has a bit the kernel does not know (above 7).</exception>
        public int LogLevel
        {
            get => _logLevel;
            set
            {
                if (value < 0 || value > 7)
                    throw new ArgumentOutOfRangeException(nameof(value), value, "The verifier's log levels are 1 (the failing path), 2 (every instruction) and 4 (statistics), combined; 0 is no log.");
                _logLevel = value;
            }
        }

        private int _logLevel;

        /// <summary>Size in bytes of the buffer that receives the verifier log (default 16 MiB).</summary>
        public uint LogBufferSize { get; set; } = 16 * 1024 * 1024;

        /// <summary>
        /// Initial contents of global-data sections by section name (<c>.rodata</c>, <c>.data</c>, <c>.bss</c>), replacing
        /// the object's. Each must be exactly the section's size. This is how read-only configuration is set before
        /// load: <c>.rodata</c> is frozen afterwards, and the verifier treats its values as constants.
        /// </summary>
        public System.Collections.Generic.IDictionary<string, byte[]> GlobalData { get; } =
            new System.Collections.Generic.Dictionary<string, byte[]>(System.StringComparer.Ordinal);

        /// <summary>
        /// A BTF file of the running kernel (raw BTF, as <c>/sys/kernel/btf/vmlinux</c> is, or as btfhub publishes for
        /// kernels built without <c>CONFIG_DEBUG_INFO_BTF</c>) to resolve CO-RE relocations and BTF attach targets
        /// (tp_btf, fentry, fexit, LSM, iterators) against, instead of <c>/sys/kernel/btf/vmlinux</c>. Null (the default)
        /// uses the running kernel's. Each file is read once per process, when a program first needs it; a file that cannot
        /// be read or is not valid BTF is a <see cref="BpfException"/> naming it.
        /// </summary>
        public string? KernelBtfPath { get; set; }

        /// <summary>A copy of these options (its own <see cref="GlobalData"/> dictionary, holding the same arrays).</summary>
        public BpfLoadOptions Clone()
        {
            var copy = new BpfLoadOptions { LogLevel = LogLevel, LogBufferSize = LogBufferSize, KernelBtfPath = KernelBtfPath };
            foreach (var entry in GlobalData) copy.GlobalData[entry.Key] = entry.Value;
            return copy;
        }
    }
}

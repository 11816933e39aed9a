namespace BpfDotnet
{
    /// <summary>Options for loading BPF programs and objects.</summary>
    public sealed class BpfLoadOptions
    {
        /// <summary>
        /// Verifier log level of the first load attempt (0 = no log, 1 = instructions on the failing path,
        /// 2 = every instruction, 4 = statistics). When a load fails, it is retried with level 1 (then 2 if the log
        /// was empty) so the verifier log can be reported.
        /// </summary>
        public int LogLevel { get; set; } = 0;

        /// <summary>Size in bytes of the buffer that receives the verifier log (default 16 MiB).</summary>
        public uint LogBufferSize { get; set; } = 16 * 1024 * 1024;

        /// <summary>
        /// Initial contents of global-data sections by section name (<c>.rodata</c>, <c>.data</c>, <c>.bss</c>), replacing
        /// the object's. Each must be exactly the section's size. This is how read-only configuration is set before
        /// load: <c>.rodata</c> is frozen afterwards, and the verifier treats its values as constants.
        /// </summary>
        public System.Collections.Generic.IDictionary<string, byte[]> GlobalData { get; } =
            new System.Collections.Generic.Dictionary<string, byte[]>(System.StringComparer.Ordinal);
    }
}

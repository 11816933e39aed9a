using System.Collections.Generic;

namespace BpfDotnet.Benchmarks
{
    /// <summary>
    /// Why a probe is worse than clang's, from reading both disassemblies (llvm-objdump-14 -d of the C# probe's object and
    /// of the clang object). Printed in the report under the probes that are worse; update when the compiler changes.
    /// </summary>
    public static class Notes
    {
        public static readonly Dictionary<string, string> Why = new()
        {
        };
    }
}

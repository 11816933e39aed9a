using System;
using System.IO;
using Xunit;

namespace BpfDotnet.ObjectWriter.Tests
{
    /// <summary>
    /// A fact that needs root and bpftool. It is skipped when they are missing, unless
    /// <c>BPFDOTNET_REQUIRE_KERNEL=1</c>: then it runs and fails, so CI cannot pass by skipping.
    /// </summary>
    public sealed class KernelFactAttribute : FactAttribute
    {
        public KernelFactAttribute()
        {
            if (RequireKernel) return;
            if (!Environment.IsPrivilegedProcess) Skip = "needs root (set BPFDOTNET_REQUIRE_KERNEL=1 to make this a failure)";
            else if (Tools.Find("bpftool") is null) Skip = "needs bpftool (apt-get install bpftool)";
        }

        public static bool RequireKernel => Environment.GetEnvironmentVariable("BPFDOTNET_REQUIRE_KERNEL") == "1";
    }
}

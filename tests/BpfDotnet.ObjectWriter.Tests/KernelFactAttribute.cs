using System;
using System.IO;
using System.Linq;
using Xunit;

namespace BpfDotnet.ObjectWriter.Tests
{
    /// <summary>
    /// A fact that needs root, bpftool and any other tools it names. It is skipped, with the reason, when one is
    /// missing, unless <c>BPFDOTNET_REQUIRE_KERNEL=1</c>: then it runs and fails, so CI cannot pass by skipping.
    /// </summary>
    public sealed class KernelFactAttribute : FactAttribute
    {
        public KernelFactAttribute(params string[] tools)
        {
            if (RequireKernel) return;
            if (!Environment.IsPrivilegedProcess)
            {
                Skip = "needs root (set BPFDOTNET_REQUIRE_KERNEL=1 to make this a failure)";
                return;
            }
            foreach (var tool in tools.Prepend(Tools.BpfTool))
            {
                if (Tools.Find(tool) is null)
                {
                    Skip = $"needs {tool} (apt-get install {tool}; set BPFDOTNET_REQUIRE_KERNEL=1 to make this a failure)";
                    return;
                }
            }
        }

        public static bool RequireKernel => Environment.GetEnvironmentVariable("BPFDOTNET_REQUIRE_KERNEL") == "1";
    }
}

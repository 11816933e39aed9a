using System.Linq;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.Compiler.Tests.Packets
{
    /// <summary>Packet parsers build, load, and give the kernel's verdicts in .NET too, on every protocol and every truncation.</summary>
    public class PacketTests
    {
        [KernelFact]
        public void PacketParsersMatchDotnetOnEveryTruncation()
        {
            Kernel.Require();
            var probes = PacketCorpus.Probes();
            var packets = PacketCorpus.Packets();
            var outcome = PacketHarness.Run(probes, packets);
            Assert.True(outcome.Failures.Count == 0, string.Join("\n\n", outcome.Failures));
            Assert.Equal(probes.Count, outcome.Programs);
            int tcProbes = probes.Count(p => p.Contains("SkBuff", System.StringComparison.Ordinal));
            Assert.Equal(probes.Count * packets.Count - tcProbes * packets.Count(p => !PacketHarness.SkbRunnable(p)), outcome.Runs);
        }
    }
}

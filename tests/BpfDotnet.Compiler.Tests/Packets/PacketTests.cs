using System.Linq;
using Microsoft.CodeAnalysis.CSharp;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.Compiler.Tests.Packets
{
    /// <summary>Packet parsers build, load, and give the kernel's verdicts in .NET too, on every protocol and every truncation.</summary>
    public class PacketTests
    {
        /// <summary>
        /// Each packet access is compared with the packet's end once: a header read after a longer one that covers it, or
        /// read again, needs no comparison of its own (two comparisons here: bytes 0..14, then 0..34), and the probe loads.
        /// </summary>
        [KernelFact]
        public void PacketBoundsCoveredByAnEarlierComparison_AreNotComparedAgain()
        {
            Kernel.Require();
            string source = PacketHarness.ClassHeader + @"
    [BpfProgram, Section(""xdp"")]
    public static XdpAction Twice(ref XdpContext ctx)
    {
        ref EthernetHeader eth = ref ctx.GetPacketRefOrNullRef<EthernetHeader>(0);
        if (Unsafe.IsNullRef(ref eth) || eth.EtherType != EtherType.IPv4) return XdpAction.Pass;
        ref Ipv4Header ip = ref ctx.GetPacketRefOrNullRef<Ipv4Header>(14);
        if (Unsafe.IsNullRef(ref ip)) return XdpAction.Drop;
        if (!ctx.TryReadPacket(12, out ushort type)) return XdpAction.Aborted;
        ref Ipv4Header again = ref ctx.GetPacketRefOrNullRef<Ipv4Header>(14);
        if (Unsafe.IsNullRef(ref again)) return XdpAction.Aborted;
        Out.Update(0, type + ip.Protocol + again.TimeToLive + eth.Source[0]);
        return XdpAction.Pass;
    }
}
";
            var built = ProbeBuilder.Build(source);
            Assert.True(built.Object is not null, string.Join("\n", built.Diagnostics.Select(d => d.ToDiagnostic().ToString())));
            using var loaded = BpfObject.Load(built.Object!);
            var compilation = ProbeBuilder.Compilation(source);
            var tree = compilation.SyntaxTrees[0];
            var model = compilation.GetSemanticModel(tree);
            var method = tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>().Single(m => m.Identifier.Text == "Twice");
            var code = ProbeCompiler.CompileProgram((Microsoft.CodeAnalysis.IMethodSymbol)model.GetDeclaredSymbol(method)!, model, default).Function!.Code;
            // Unsigned register-register comparisons (jgt, jge, jlt, jle with a register source): the packet bound checks.
            int comparisons = code.Count(i => (i.Opcode & 0x0f) == 0x0d && (i.Opcode >> 4) is 0x2 or 0x3 or 0xa or 0xb);
            Assert.Equal(2, comparisons);
        }

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

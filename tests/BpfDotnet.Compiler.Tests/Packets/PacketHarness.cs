using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using BpfDotnet.Compiler.Model;
using BpfDotnet.Compiler.Object;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BpfDotnet.Compiler.Tests.Packets
{
    /// <summary>An XDP probe as .NET code.</summary>
    public delegate XdpAction XdpProbe(ref XdpContext ctx);

    /// <summary>A tc probe as .NET code.</summary>
    public delegate TcAction TcProbe(ref SkBuff ctx);

    /// <summary>A socket filter as .NET code: the bytes of the packet to keep.</summary>
    public delegate int SocketProbe(ref SkBuff ctx);

    /// <summary>
    /// Runs packet probes twice on the same packets: in the kernel (compiled by BpfDotnet, loaded, run with
    /// <c>BPF_PROG_TEST_RUN</c>) and as .NET code on a context made for the packet, and reports every difference in
    /// verdict, in the packet as the probe left it, or in the value it stored, and every probe the verifier refuses.
    /// </summary>
    public static class PacketHarness
    {
        public const string ClassHeader = @"
public static partial class Parsers
{
    [BpfMap(MaxEntries = 1)] public static BpfArrayMap<long> Out = new(1);
";

        private const long Sentinel = 0x5a5a_5a5a_5a5a_5a5a;

        public sealed record Outcome(int Programs, int Runs, List<string> Failures);

        /// <summary>
        /// The kernel test-runs an skb program only on a packet with bytes after its Ethernet header, and with a whole IP
        /// header after an Ethernet header that announces IPv4 or IPv6 (it builds the socket buffer from it).
        /// </summary>
        public static bool SkbRunnable(byte[] packet)
        {
            if (packet.Length <= 14) return false;
            int type = packet[12] << 8 | packet[13];
            return type switch { 0x0800 => packet.Length >= 34, 0x86DD => packet.Length >= 54, _ => true };
        }

        public static Outcome Run(IReadOnlyList<string> methods, IReadOnlyList<byte[]> packets)
        {
            string source = ClassHeader + string.Join("\n", methods) + "}\n";
            var compilation = ProbeBuilder.Compilation(source);
            var failures = new List<string>();
            using var stream = new MemoryStream();
            var emit = compilation.Emit(stream);
            if (!emit.Success)
            {
                throw new InvalidOperationException("the probes do not compile as C#:\n" +
                    string.Join("\n", emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(20)));
            }
            var type = Assembly.Load(stream.ToArray()).GetType("Parsers")!;
            var managedOut = (BpfArrayMap<long>)type.GetField("Out")!.GetValue(null)!;

            var tree = compilation.SyntaxTrees[0];
            var model = compilation.GetSemanticModel(tree);
            var maps = new List<MapSpec>();
            var programs = new List<(IMethodSymbol Symbol, CompiledFunction Function, string Text)>();
            foreach (var node in tree.GetRoot().DescendantNodes())
            {
                if (node is VariableDeclaratorSyntax v && model.GetDeclaredSymbol(v) is IFieldSymbol field
                    && field.GetAttributes().Any(a => a.AttributeClass?.Name == "BpfMapAttribute") && ProbeCompiler.ReadMap(field, default).Spec is MapSpec spec)
                {
                    maps.Add(spec);
                }
                if (node is MethodDeclarationSyntax m && model.GetDeclaredSymbol(m) is IMethodSymbol symbol
                    && symbol.GetAttributes().Any(a => a.AttributeClass?.Name == "BpfProgramAttribute"))
                {
                    var result = ProbeCompiler.CompileProgram(symbol, model, default);
                    if (result.Function is null)
                    {
                        failures.Add($"{symbol.Name} did not compile:\n  " + string.Join("\n  ", result.Diagnostics.Select(d => d.ToDiagnostic().ToString())) + "\n" + m);
                        continue;
                    }
                    programs.Add((symbol, result.Function, m.ToString()));
                }
            }

            int runs = 0;
            foreach (var (symbol, function, text) in programs)
            {
                if (failures.Count >= 10) break;
                var elf = ObjectWriter.Write(new ObjectSpec("GPL", new[] { function }.ToEquatableArray(), maps.ToEquatableArray()));
                BpfObject loaded;
                try
                {
                    loaded = BpfObject.Load(elf);
                }
                catch (BpfVerifierException ex)
                {
                    var log = ex.VerifierLog.Split('\n');
                    failures.Add($"{symbol.Name} was refused by the verifier (if it builds, it must load):\n{string.Join("\n", log.Skip(Math.Max(0, log.Length - 25)))}\n{text}");
                    continue;
                }
                using (loaded)
                {
                    var program = loaded.GetProgram(symbol.Name);
                    var kernelOut = loaded.GetMap<uint, long>("Out");
                    var method = type.GetMethod(symbol.Name)!;
                    bool xdp = method.GetParameters()[0].ParameterType.GetElementType() == typeof(XdpContext);
                    // A socket filter sees the packet from its network header on, as on an IP socket.
                    bool socket = method.ReturnType == typeof(int);
                    foreach (var packet in packets)
                    {
                        if (!xdp && !SkbRunnable(packet)) continue;
                        kernelOut[0] = Sentinel;
                        var kernel = program.TestRun(packet, 1);
                        long kernelResult = kernelOut[0];

                        managedOut.Update(0, Sentinel);
                        var copy = (byte[])packet.Clone();
                        uint managed;
                        byte[] left;
                        if (xdp)
                        {
                            var ctx = XdpContext.ForPacket(copy);
                            managed = (uint)method.CreateDelegate<XdpProbe>()(ref ctx);
                            left = ctx.PacketBytes();
                        }
                        else if (socket)
                        {
                            var ctx = SkBuff.ForPacket(copy[14..]);
                            managed = (uint)method.CreateDelegate<SocketProbe>()(ref ctx);
                            left = kernel.Packet;
                        }
                        else
                        {
                            var ctx = SkBuff.ForPacket(copy);
                            managed = (uint)method.CreateDelegate<TcProbe>()(ref ctx);
                            left = ctx.PacketBytes();
                        }
                        managedOut.TryGetValue(0, out long managedResult);
                        runs++;
                        if (kernel.ReturnValue != managed || kernelResult != managedResult || !kernel.Packet.AsSpan().SequenceEqual(left))
                        {
                            failures.Add($"{symbol.Name} on {Convert.ToHexString(packet)}: .NET returned {managed}, stored {managedResult}, left {Convert.ToHexString(left)}; " +
                                $"the kernel returned {kernel.ReturnValue}, stored {kernelResult}, left {Convert.ToHexString(kernel.Packet)}\n{text}");
                            break;
                        }
                    }
                }
            }
            return new Outcome(programs.Count, runs, failures);
        }
    }
}

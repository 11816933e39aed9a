using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using BpfDotnet.Compiler.Model;
using BpfDotnet.Compiler.Object;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BpfDotnet.Compiler.Tests.Differential
{
    /// <summary>A probe entry point as .NET code.</summary>
    public delegate int RawProbe(ref RawTracepointArgs ctx);

    /// <summary>
    /// Runs each probe of a corpus twice on the same inputs: in the kernel (compiled by BpfDotnet, loaded, run
    /// with <c>BPF_PROG_TEST_RUN</c>) and as ordinary .NET code (the same source compiled by Roslyn), and
    /// reports every difference in return value or stored result, and every program the verifier refuses.
    /// </summary>
    public static class DifferentialHarness
    {
        public const string ClassHeader = @"
public static partial class Corpus
{
    [BpfMap(MaxEntries = 1)] public static BpfArrayMap<long> Out = new(1);
    [BpfMap(MaxEntries = 4)] public static BpfArrayMap<int> Ints = new(4);
    [System.Runtime.CompilerServices.InlineArray(4)] public struct Quad { private long _element; }
    [BpfMap(MaxEntries = 6)] public static BpfArrayMap<Quad> Quads = new(6);
    [BpfMap(MaxEntries = 2)] public static BpfArrayMap<Point3> Points = new(2);
    [BpfMap(MaxEntries = 2)] public static BpfArrayMap<Tally> Tallies = new(2);
    [System.Flags] public enum Perm : byte { None = 0, R = 1, W = 2, X = 4 }
    public record struct Sample(int Pid, long Size);
    [BpfMap(MaxEntries = 2)] public static BpfArrayMap<Sample> Samples = new(2);
    /// <summary>A struct with auto-properties, computed properties and instance methods (a map holds it).</summary>
    public struct Tally
    {
        public long Count { get; set; }
        public int Last { get; private set; }
        private long _total;
        public long Total { readonly get => _total; set => _total = value < 0 ? 0 : value; }
        public readonly long Mean => Count == 0 ? 0 : unchecked(_total >> 1);
        public void Add(int sample) { Count++; Last = sample; Total = unchecked(_total + sample); }
        public readonly bool Above(int limit) => Last > limit;
    }
    /// <summary>A struct with constructors (the hand-written corpus builds it; a map holds it).</summary>
    public struct Point3
    {
        public int X; public long Y; public short Z;
        public Point3(int x, long y) { X = x; Y = unchecked(y * 2); if (x < 0) Z = -1; else Z = (short)(x & 0xff); }
        public Point3(long seed) => Y = seed ^ 5;
        public readonly Point3 Doubled() => new Point3(unchecked(X * 2), Y);
    }
    public static readonly long Scale = 3;
    public static readonly int Bias = -7;
    public static long Counter;
    public static int Seeded = 5;
";

        private const long Sentinel = 0x5a5a_5a5a_5a5a_5a5a;

        public sealed record Outcome(int Functions, int Runs, List<string> Failures)
        {
            /// <summary>The programs as compiled.</summary>
            public List<CompiledFunction> Compiled { get; init; } = new List<CompiledFunction>();
        }

        /// <summary>Builds the corpus class from probe method sources and runs every probe on every input.</summary>
        public static Outcome Run(IReadOnlyList<string> methods, IReadOnlyList<(ulong A, ulong B, ulong C)> inputs, params string[] symbols)
        {
            string source = ClassHeader + string.Join("\n", methods) + "}\n";
            var compilation = ProbeBuilder.Compilation(source, symbols);
            var failures = new List<string>();

            using var stream = new MemoryStream();
            var emit = compilation.Emit(stream);
            if (!emit.Success)
            {
                throw new InvalidOperationException("the corpus does not compile as C#:\n" +
                    string.Join("\n", emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(20)));
            }
            var assembly = Assembly.Load(stream.ToArray());
            var corpusType = assembly.GetType("Corpus")!;
            var managedOut = (BpfArrayMap<long>)corpusType.GetField("Out")!.GetValue(null)!;

            var tree = compilation.SyntaxTrees[0];
            var model = compilation.GetSemanticModel(tree);
            var mapSpecs = new List<MapSpec>();
            var programs = new List<(IMethodSymbol Symbol, CompiledFunction Function, string Text)>();
            var globals = EquatableArray<GlobalVariable>.Empty;
            foreach (var node in tree.GetRoot().DescendantNodes())
            {
                if (node is VariableDeclaratorSyntax v && model.GetDeclaredSymbol(v) is IFieldSymbol field
                    && field.GetAttributes().Any(a => a.AttributeClass?.Name == "BpfMapAttribute") && ProbeCompiler.ReadMap(field, default).Spec is MapSpec spec)
                {
                    mapSpecs.Add(spec);
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
                    globals = result.Globals;
                }
            }
            if (!mapSpecs.Any(m => m.Name == "Out")) throw new InvalidOperationException("the Out map was not read");

            int runs = 0;
            Span<byte> context = stackalloc byte[48];
            foreach (var (symbol, function, text) in programs)
            {
                if (failures.Count >= 10) break;
                var elf = ObjectWriter.Write(new ObjectSpec("GPL", new[] { function }.ToEquatableArray(), mapSpecs.ToEquatableArray()) { Globals = globals });
                BpfObject loaded;
                try
                {
                    loaded = BpfObject.Load(elf);
                }
                catch (BpfVerifierException ex)
                {
                    failures.Add($"{symbol.Name} was refused by the verifier (if it builds, it must load):\n{Tail(ex.VerifierLog, 25)}\n{text}");
                    continue;
                }
                using (loaded)
                {
                    var program = loaded.GetProgram(symbol.Name);
                    var kernelOut = loaded.GetMap<uint, long>("Out");
                    var probe = corpusType.GetMethod(symbol.Name)!.CreateDelegate<RawProbe>();
                    foreach (var (a, b, c) in inputs)
                    {
                        context.Clear();
                        MemoryMarshal.Write(context, in a);
                        MemoryMarshal.Write(context.Slice(8), in b);
                        MemoryMarshal.Write(context.Slice(16), in c);

                        kernelOut[0] = Sentinel;
                        uint kernelReturn = program.TestRun(context);
                        long kernelResult = kernelOut[0];

                        managedOut.Update(0, Sentinel);
                        var args = new RawTracepointArgs { Arg0 = a, Arg1 = b, Arg2 = c };
                        uint managedReturn = (uint)probe(ref args);
                        managedOut.TryGetValue(0, out long managedResult);
                        runs++;

                        if (kernelReturn != managedReturn || kernelResult != managedResult)
                        {
                            failures.Add($"{symbol.Name}(0x{a:x}, 0x{b:x}, 0x{c:x}): .NET returned {managedReturn} and stored {managedResult}; " +
                                $"the kernel returned {kernelReturn} and stored {kernelResult}\n{text}");
                            break;
                        }
                    }
                }
            }
            return new Outcome(programs.Count, runs, failures) { Compiled = programs.Select(p => p.Function).ToList() };
        }

        private static string Tail(string log, int lines)
        {
            var all = log.Split('\n');
            return string.Join("\n", all.Skip(Math.Max(0, all.Length - lines)));
        }

        /// <summary>Edge values of every width mixed with random values; deterministic for a seed.</summary>
        public static List<(ulong, ulong, ulong)> Inputs(int count, int seed)
        {
            ulong[] edges =
            {
                0, 1, 2, 3, 7, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fff_ffff, 0x8000_0000,
                0xffff_ffff, 0x1_0000_0000, 0x7fff_ffff_ffff_ffff, 0x8000_0000_0000_0000, ulong.MaxValue,
                ulong.MaxValue - 1, 31, 32, 63, 64, 1000, 65536,
            };
            var random = new Random(seed);
            ulong Value() => random.Next(3) == 0 ? edges[random.Next(edges.Length)] : (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);
            var inputs = new List<(ulong, ulong, ulong)>();
            for (int i = 0; i < count; i++) inputs.Add((Value(), Value(), Value()));
            return inputs;
        }
    }
}

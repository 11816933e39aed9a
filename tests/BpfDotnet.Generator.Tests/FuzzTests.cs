using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace BpfDotnet.Generator.Tests
{
    /// <summary>
    /// The compiler never crashes: half-typed and malformed probes go through the generator and the analyzer
    /// without an exception escaping (no CS8784/CS8785 from the generator, no AD0001 from the analyzer).
    /// </summary>
    public class FuzzTests
    {
        private const int Seed = 20251125;

        [Fact]
        public void TruncatedProbes_NeverCrashGeneratorOrAnalyzer()
        {
            string source = Probes.OpenSnoop + "\n" + Probes.Broken;
            int step = Math.Max(1, source.Length / 100);
            var variants = new List<string>();
            for (int length = 0; length < source.Length; length += step) variants.Add(source.Substring(0, length));

            AssertNoCrashes(variants);
        }

        [Fact]
        public void ProbesWithRandomTokensDeleted_NeverCrashGeneratorOrAnalyzer()
        {
            var random = new Random(Seed);
            var variants = new List<string>();
            foreach (string source in new[] { Probes.OpenSnoop, Probes.Broken, Probes.OpenSnoop + "\n" + Probes.OpenSnoopUser })
            {
                var tokens = CSharpSyntaxTree.ParseText(source, TestCompilation.ParseOptions).GetRoot().DescendantTokens().ToList();
                for (int i = 0; i < 40; i++)
                {
                    var deleted = new HashSet<int>();
                    int count = random.Next(1, 4);
                    for (int d = 0; d < count; d++) deleted.Add(random.Next(tokens.Count));
                    var text = new StringBuilder();
                    for (int t = 0; t < tokens.Count; t++)
                    {
                        text.Append(deleted.Contains(t) ? tokens[t].LeadingTrivia.ToFullString() + tokens[t].TrailingTrivia.ToFullString() : tokens[t].ToFullString());
                    }
                    variants.Add(text.ToString());
                }
            }

            AssertNoCrashes(variants);
        }

        /// <summary>
        /// Ten thousand programs in 100 classes of 100: generated valid probes (every width, operator, loop, switch
        /// and call), the same with tokens deleted (as an IDE sees half-typed code), and with constructs outside
        /// the subset spliced in. Generator and analyzer run on each class; nothing may crash, and every valid
        /// probe must compile without a diagnostic.
        /// </summary>
        [Fact]
        public void TenThousandGeneratedProgramsNeverCrashTheCompiler()
        {
            var random = new Random(Seed);
            var generator = new BpfDotnet.Compiler.Tests.Differential.CorpusGenerator(Seed);
            string[] outside =
            {
                "object o = new object();", "string text = \"x\";", "double d = 1.5;", "throw new System.Exception();",
                "while (ctx.Arg0 > 0) { }", "long m = System.Math.BigMul(1, 2);", "System.Func<int> f = () => 1;",
                "int[] array = new int[4];", "try { } finally { }", "var list = new System.Collections.Generic.List<int>();",
                "for (long k = 0; k < (long)ctx.Arg0; k++) { }", "checked { int c = 1 + 1; }", "goto done; done:",
                "decimal money = 1m;", "lock (Out) { }",
                "unsafe { long* bad = (long*)ctx.Arg0; }", "Span<byte> sp = stackalloc byte[4]; sp[(int)ctx.Arg0] = 1;",
                "Span<long> big = stackalloc long[100];", "int w = 0; while (w < 10) { w++; continue; }",
                "Span<byte> sp2 = stackalloc byte[2]; sp2 = default;", "unsafe { long q = 1; long* pq = &q; pq -= 1; *pq = 2; }",
                "ReadOnlySpan<byte> lit = \"ab\"u8; int z = lit[2];", "int dw = 0; do { dw += 2; } while (dw != 7);",
                "Span<byte> sl = stackalloc byte[4]; var bad = sl.Slice(3, 4);", "Span<byte> c1 = stackalloc byte[2]; Span<byte> c2 = stackalloc byte[1]; c1.CopyTo(c2);",
                "int ab = System.Math.Abs((int)ctx.Arg0);", "long cl = System.Math.Clamp((long)ctx.Arg0, 5L, 1L);", "long dv = (long)ctx.Arg0 / (long)ctx.Arg1;",
                "long gd = (long)ctx.Arg1; long gq = gd != 0 ? 5 / gd : 0;", "foreach (var ch in \"abc\"u8) { }", "long cap = 1; long Lf() => cap; cap = Lf();",
                "var (t1, t2) = (1, 2); (t1, t2) = (t2, t1);", "ReadOnlySpan<int> ce = [1, 2]; int ce2 = ce[^3];", "Span<int> se = stackalloc int[] { 1, 2 }; foreach (ref int e in se) e++;",
            };
            int programs = 0, valid = 0;
            var failures = new List<string>();
            for (int batch = 0; batch < 100; batch++)
            {
                var methods = new List<string>();
                var expectedClean = new HashSet<string>();
                for (int i = 0; i < 100; i++)
                {
                    string name = $"p{batch}_{i}";
                    string probe = generator.Probe(name);
                    switch (i % 3)
                    {
                        case 0:
                            expectedClean.Add(name);
                            break;
                        case 1:
                            probe = DeleteTokens(probe, random, name);
                            break;
                        default:
                            int at = probe.IndexOf("        Out.Update", StringComparison.Ordinal);
                            probe = probe.Insert(at < 0 ? probe.Length - 6 : at, "        " + outside[random.Next(outside.Length)] + "\n");
                            break;
                    }
                    methods.Add(probe);
                }
                programs += methods.Count;
                string source = "using System; using System.Buffers.Binary; using System.Threading; using System.Runtime.CompilerServices; using BpfDotnet;\n"
                    + "public static partial class Corpus\n{\n    [BpfMap(MaxEntries = 1)] public static BpfArrayMap<long> Out = new(1);\n"
                    + BpfDotnet.Compiler.Tests.Differential.CorpusGenerator.Helpers + string.Join("\n", methods) + "}\n";
                var (output, generatorDiagnostics, result) = TestCompilation.RunGenerator(TestCompilation.Create(source));
                if (result.Results.Single().Exception is { } thrown) failures.Add($"generator threw {thrown}");
                failures.AddRange(generatorDiagnostics.Where(d => d.Id is "CS8784" or "CS8785").Select(d => d.ToString()));
                var (analyzerDiagnostics, exceptions) = TestCompilation.RunAnalyzer(output);
                failures.AddRange(exceptions.Select(e => "analyzer threw " + e));
                failures.AddRange(analyzerDiagnostics.Where(d => d.Id == "AD0001" || d.Id == "BPF0014").Select(d => d.ToString()));
                // Valid probes (untouched generated ones) get no BPF diagnostic at all.
                foreach (var d in analyzerDiagnostics.Where(d => d.Id.StartsWith("BPF", StringComparison.Ordinal)))
                {
                    var method = d.Location.SourceTree?.GetRoot().FindNode(d.Location.SourceSpan).AncestorsAndSelf()
                        .OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>().FirstOrDefault();
                    if (method is not null && expectedClean.Contains(method.Identifier.Text)) failures.Add("valid probe got " + d);
                }
                valid += expectedClean.Count;
                if (failures.Count > 0) break;
            }
            Assert.True(failures.Count == 0, string.Join("\n", failures.Take(5)));
            Assert.Equal(10_000, programs);
            Assert.True(valid > 3000);
        }

        private static string DeleteTokens(string probe, Random random, string name)
        {
            var tokens = CSharpSyntaxTree.ParseText(probe, TestCompilation.ParseOptions).GetRoot().DescendantTokens().ToList();
            var deleted = new HashSet<int>();
            for (int d = random.Next(1, 4); d > 0; d--)
            {
                int index = random.Next(tokens.Count);
                if (tokens[index].Text != name) deleted.Add(index);
            }
            var text = new StringBuilder();
            for (int t = 0; t < tokens.Count; t++)
            {
                text.Append(deleted.Contains(t) ? tokens[t].LeadingTrivia.ToFullString() + tokens[t].TrailingTrivia.ToFullString() : tokens[t].ToFullString());
            }
            return text.ToString();
        }

        /// <summary>The analyzer turns its own exceptions into BPF0014 "analyzer: ..." rather than AD0001; those are crashes too.</summary>
        private static bool IsAnalyzerCrash(Diagnostic diagnostic)
            => diagnostic.Id == "BPF0014" && diagnostic.GetMessage().Contains("(analyzer: ", StringComparison.Ordinal);

        private static void AssertNoCrashes(IReadOnlyList<string> variants)
        {
            var failures = new List<string>();
            foreach (string variant in variants)
            {
                var (output, generatorDiagnostics, result) = TestCompilation.RunGenerator(TestCompilation.Create(variant));
                var generator = result.Results.Single();
                if (generator.Exception is not null) failures.Add($"generator threw {generator.Exception}\n--- source ---\n{variant}");
                foreach (var d in generatorDiagnostics.Where(d => d.Id is "CS8784" or "CS8785"))
                {
                    failures.Add($"{d}\n--- source ---\n{variant}");
                }

                var (analyzerDiagnostics, exceptions) = TestCompilation.RunAnalyzer(output);
                foreach (var exception in exceptions) failures.Add($"analyzer threw {exception}\n--- source ---\n{variant}");
                foreach (var d in analyzerDiagnostics.Where(d => d.Id == "AD0001" || IsAnalyzerCrash(d))) failures.Add($"{d}\n--- source ---\n{variant}");
            }

            Assert.True(failures.Count == 0, $"{failures.Count} of {variants.Count} variants crashed; first:\n{failures.FirstOrDefault()}");
        }
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
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

        /// <summary>The analyzer turns its own exceptions into BPF0014 "analyzer: ..." rather than AD0001; those are crashes too.</summary>
        private static bool IsAnalyzerCrash(Diagnostic diagnostic)
            => diagnostic.Id == "BPF0014" && diagnostic.GetMessage().Contains("(analyzer: ", StringComparison.Ordinal);

        private static void AssertNoCrashes(IReadOnlyList<string> variants)
        {
            var stopwatch = Stopwatch.StartNew();
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
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(60), $"{variants.Count} variants took {stopwatch.Elapsed}");
        }
    }
}

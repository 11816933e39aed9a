using System.Collections.Generic;
using System.Linq;
using BpfDotnet.Analyzers;
using Microsoft.CodeAnalysis;
using Xunit;

namespace BpfDotnet.Generator.Tests
{
    /// <summary>
    /// The pipeline's caching contract: editing code that holds no probes re-runs no compiler work downstream
    /// and re-emits nothing; editing a probe does.
    /// </summary>
    public class IncrementalTests
    {
        private const string Unrelated = "public static class Unrelated { public static int Answer() => 42; }";
        private const string UnrelatedEdited = "public static class Unrelated { public static int Answer() => 43; public static int More() => 1; }";

        [Fact]
        public void AddingFileWithoutProbes_LeavesEveryStepCached()
        {
            var compilation = TestCompilation.Create(Probes.OpenSnoop, Probes.Broken);
            var driver = TestCompilation.CreateDriver().RunGenerators(compilation);

            driver = driver.RunGenerators(compilation.AddSyntaxTrees(TestCompilation.Parse(Unrelated, "Unrelated.cs")));

            AssertAllCached(driver, TrackingNames.ProgramCompiled, expectedOutputs: 2);
            AssertAllCachedOrUnchanged(driver, TrackingNames.MapsRead, expectedOutputs: 2);
            AssertAllCachedOrUnchanged(driver, TrackingNames.ProbeClassesGrouped, expectedOutputs: 2);
            AssertAllCachedOrUnchanged(driver, TrackingNames.ObjectBuilt, expectedOutputs: 2);
            AssertSourceOutputsCached(driver);
        }

        [Fact]
        public void EditingFileWithoutProbes_LeavesEveryStepCached()
        {
            var unrelated = TestCompilation.Parse(Unrelated, "Unrelated.cs");
            var compilation = TestCompilation.Create(Probes.OpenSnoop).AddSyntaxTrees(unrelated);
            var driver = TestCompilation.CreateDriver().RunGenerators(compilation);

            driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(unrelated, TestCompilation.Parse(UnrelatedEdited, "Unrelated.cs")));

            AssertAllCached(driver, TrackingNames.ProgramCompiled, expectedOutputs: 1);
            AssertAllCachedOrUnchanged(driver, TrackingNames.MapsRead, expectedOutputs: 1);
            AssertAllCachedOrUnchanged(driver, TrackingNames.ObjectBuilt, expectedOutputs: 1);
            AssertSourceOutputsCached(driver);
        }

        [Fact]
        public void EditingProbe_RecompilesIt()
        {
            var probe = TestCompilation.Parse(Probes.OpenSnoop, "Probe.cs");
            var compilation = TestCompilation.Create().AddSyntaxTrees(probe);
            var driver = TestCompilation.CreateDriver().RunGenerators(compilation);

            var edited = TestCompilation.Parse(Probes.OpenSnoop.Replace("return 0;", "return 1;"), "Probe.cs");
            driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(probe, edited));

            var outputs = Outputs(driver, TrackingNames.ProgramCompiled);
            Assert.Contains(outputs, o => o.Reason == IncrementalStepRunReason.Modified);
        }

        private static string ProbeClass(int n) => $$"""
            using BpfDotnet;
            public static partial class Probe{{n}}
            {
                [BpfMap(MaxEntries = 4)] public static BpfArrayMap<long> Out{{n}} = new(4);

                [BpfProgram, Section("raw_tp/sys_enter")]
                public static int Run{{n}}(ref RawTracepointArgs ctx) { Out{{n}}.Update(0, Helper{{n}}.Scale((long)ctx.Arg1)); return 0; }
            }
            """;

        private static string HelperClass(int n, int factor) => $"public static class Helper{n} {{ public static long Scale(long x) => x * {factor}; }}";

        [Fact]
        public void EditingOneProbe_RecompilesOnlyIt()
        {
            var first = TestCompilation.Parse(ProbeClass(1), "Probe1.cs");
            var compilation = TestCompilation.Create().AddSyntaxTrees(first, TestCompilation.Parse(ProbeClass(2), "Probe2.cs"),
                TestCompilation.Parse(HelperClass(1, 3), "Helper1.cs"), TestCompilation.Parse(HelperClass(2, 3), "Helper2.cs"));
            var driver = TestCompilation.CreateDriver().RunGenerators(compilation);

            var edited = TestCompilation.Parse(ProbeClass(1).Replace("return 0;", "return 1;", System.StringComparison.Ordinal), "Probe1.cs");
            driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(first, edited));

            var outputs = Outputs(driver, TrackingNames.ProgramCompiled);
            Assert.Equal(2, outputs.Count);
            Assert.Single(outputs, o => o.Reason == IncrementalStepRunReason.Cached);
            Assert.Single(outputs, o => o.Reason == IncrementalStepRunReason.Modified);
        }

        /// <summary>A file a probe reads (a method it calls, in another file) is a dependency: editing it recompiles that probe only.</summary>
        [Fact]
        public void EditingAMethodAProbeCalls_RecompilesThatProbe()
        {
            var helper = TestCompilation.Parse(HelperClass(1, 3), "Helper1.cs");
            var compilation = TestCompilation.Create().AddSyntaxTrees(TestCompilation.Parse(ProbeClass(1), "Probe1.cs"), TestCompilation.Parse(ProbeClass(2), "Probe2.cs"),
                helper, TestCompilation.Parse(HelperClass(2, 3), "Helper2.cs"));
            var driver = TestCompilation.CreateDriver().RunGenerators(compilation);
            var before = Outputs(driver, TrackingNames.ProgramCompiled).Select(o => (BpfDotnet.Analyzers.Model.ProgramSpec)o.Value).Single(p => p.MethodName == "Run1");

            driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(helper, TestCompilation.Parse(HelperClass(1, 5), "Helper1.cs")));

            var outputs = Outputs(driver, TrackingNames.ProgramCompiled);
            Assert.Single(outputs, o => o.Reason == IncrementalStepRunReason.Cached);
            var after = (BpfDotnet.Analyzers.Model.ProgramSpec)Assert.Single(outputs, o => o.Reason == IncrementalStepRunReason.Modified).Value;
            Assert.Equal("Run1", after.MethodName);
            Assert.NotEqual(before.Compilation, after.Compilation); // multiplies by 5 now
        }

        /// <summary>
        /// An extension method is called without naming its class, and a struct's field without naming the struct (its
        /// value comes from a method declared elsewhere): editing either file still recompiles the probe.
        /// </summary>
        [Theory]
        [InlineData("Extensions.cs", "public static class Extensions { public static long Twice(this long x) => x * FACTOR; }")]
        [InlineData("Sample.cs", "public struct Sample { public long A; public long B; public long Sum() => A * FACTOR + B; }")]
        public void EditingWhatAProbeReachesWithoutNamingIt_RecompilesTheProbe(string file, string dependency)
        {
            const string probeSource = """
                using BpfDotnet;
                public static partial class Reach
                {
                    [BpfMap(MaxEntries = 4)] public static BpfArrayMap<long> Out = new(4);

                    [BpfProgram, Section("raw_tp/sys_enter")]
                    public static int Run(ref RawTracepointArgs ctx) { Out.Update(0, ((long)ctx.Arg1).Twice() + Factory.Make().Sum()); return 0; }
                }
                """;
            const string others = """
                public static class Extensions { public static long Twice(this long x) => x * 2; }
                """;
            const string sample = "public struct Sample { public long A; public long B; public long Sum() => A * 2 + B; }";
            const string factory = "public static class Factory { public static Sample Make() => new Sample { A = 1, B = 2 }; }";
            var edited = TestCompilation.Parse(dependency.Replace("FACTOR", "2", System.StringComparison.Ordinal), file);
            var compilation = TestCompilation.Create().AddSyntaxTrees(TestCompilation.Parse(probeSource, "Reach.cs"), TestCompilation.Parse(factory, "Factory.cs"),
                file == "Extensions.cs" ? edited : TestCompilation.Parse(others, "Extensions.cs"),
                file == "Sample.cs" ? edited : TestCompilation.Parse(sample, "Sample.cs"));
            var driver = TestCompilation.CreateDriver().RunGenerators(compilation);

            driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(edited, TestCompilation.Parse(dependency.Replace("FACTOR", "7", System.StringComparison.Ordinal), file)));

            var output = Assert.Single(Outputs(driver, TrackingNames.ProgramCompiled));
            Assert.Equal(IncrementalStepRunReason.Modified, output.Reason);
        }

        /// <summary>
        /// Probe members are found by syntax: an attribute named through a using alias is found, and an attribute that
        /// only looks like BpfProgram (another namespace's) is dropped when the member is bound.
        /// </summary>
        [Fact]
        public void ProgramsNamedThroughAnAlias_AreCompiled_AndLookalikeAttributes_AreNot()
        {
            const string source = """
                using BpfDotnet;
                using Program = BpfDotnet.BpfProgramAttribute;
                namespace Other { public sealed class BpfProgramAttribute : System.Attribute { } }
                public static partial class Aliased
                {
                    [BpfMap(MaxEntries = 4)] public static BpfArrayMap<long> Out = new(4);

                    [Program, Section("raw_tp/sys_enter")]
                    public static int Real(ref RawTracepointArgs ctx) { Out.Update(0, 1); return 0; }

                    [Other.BpfProgram]
                    public static int NotAProbe(ref RawTracepointArgs ctx) => 0;
                }
                """;
            var driver = TestCompilation.CreateDriver().RunGenerators(TestCompilation.Create(source));
            var compiled = Outputs(driver, TrackingNames.ProgramCompiled).Select(o => (BpfDotnet.Analyzers.Model.ProgramSpec?)o.Value).Where(p => p is not null).ToList();
            Assert.Equal(new[] { "Real" }, compiled.Select(p => p!.MethodName));
        }

        private static void AssertAllCached(GeneratorDriver driver, string stepName, int expectedOutputs)
        {
            var outputs = Outputs(driver, stepName);
            Assert.Equal(expectedOutputs, outputs.Count);
            Assert.All(outputs, output => Assert.True(output.Reason == IncrementalStepRunReason.Cached, $"{stepName}: {output.Reason} for {output.Value}"));
        }

        private static List<(object Value, IncrementalStepRunReason Reason)> Outputs(GeneratorDriver driver, string stepName)
        {
            var result = driver.GetRunResult().Results.Single();
            Assert.True(result.TrackedSteps.TryGetValue(stepName, out var steps), $"step {stepName} was not tracked");
            return steps.SelectMany(step => step.Outputs).ToList();
        }

        private static void AssertAllCachedOrUnchanged(GeneratorDriver driver, string stepName, int expectedOutputs)
        {
            var outputs = Outputs(driver, stepName);
            Assert.Equal(expectedOutputs, outputs.Count);
            Assert.All(outputs, output => Assert.True(
                output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"{stepName}: {output.Reason} for {output.Value}"));
        }

        private static void AssertSourceOutputsCached(GeneratorDriver driver)
        {
            var result = driver.GetRunResult().Results.Single();
            var outputs = result.TrackedOutputSteps.SelectMany(pair => pair.Value).SelectMany(step => step.Outputs).ToList();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
        }
    }
}

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

            AssertAllCachedOrUnchanged(driver, TrackingNames.ProgramCompiled, expectedOutputs: 2);
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

            AssertAllCachedOrUnchanged(driver, TrackingNames.ProgramCompiled, expectedOutputs: 1);
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

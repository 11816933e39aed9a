using System;
using System.IO;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace BpfDotnet.Build.Tests
{
    /// <summary>
    /// Real `dotnet build` runs of temporary projects that carry <c>[assembly: BpfDotnet.BpfObjectAttribute]</c>
    /// written by hand (no generator), checking what BpfDotnetWriteObjects leaves in the output directory.
    /// </summary>
    public sealed class WriteBpfObjectsTests
    {
        private static readonly byte[] s_first = { 0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0xF7, 0x00, 0xAA, 0x55 };
        private static readonly byte[] s_second = { 0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0xF7, 0x01, 0x02, 0x03, 0x04 };

        private readonly ITestOutputHelper _log;

        public WriteBpfObjectsTests(ITestOutputHelper log)
        {
            _log = log;
        }

        [Fact]
        public void WritesObject_KeepsItWhenUnchanged_RewritesItWhenChanged_CleanRemovesIt()
        {
            using var project = TempProject.Create();
            project.WriteSource("Probe.cs", TempProject.ProbeSource(("Demo", Convert.ToBase64String(s_first)), ("Gone", Convert.ToBase64String(s_second))));
            string obj = project.ObjectPath("Demo");

            // First build: the object appears, byte-identical to the embedded bytes.
            BuildSucceeds(project, restore: true);
            Assert.Equal(s_first, File.ReadAllBytes(obj));
            DateTime written = File.GetLastWriteTimeUtc(obj);

            // No change: the target is skipped and the file is not touched.
            string output = BuildSucceeds(project, verbosity: "normal");
            AssertOutputContains("Skipping target \"BpfDotnetWriteObjects\"", output);
            Assert.Equal(written, File.GetLastWriteTimeUtc(obj));

            // A change elsewhere recompiles the assembly: the task runs, finds the bytes equal and leaves the file alone.
            project.WriteSource("Other.cs", "namespace Demo { internal static class Other { } }\n");
            output = BuildSucceeds(project, verbosity: "normal");
            AssertOutputContains("Demo.bpf.o is up to date", output);
            Assert.Equal(written, File.GetLastWriteTimeUtc(obj));
            Assert.Equal(s_first, File.ReadAllBytes(obj));

            // The object kept its old time, older than the new assembly: the next no-op build still skips the target.
            output = BuildSucceeds(project, verbosity: "normal");
            AssertOutputContains("Skipping target \"BpfDotnetWriteObjects\"", output);

            // New bytes in the source: the file is rewritten with them. An object no longer in the assembly
            // (its probe class was removed) is deleted by incremental clean.
            Assert.True(File.Exists(project.ObjectPath("Gone")));
            project.WriteSource("Probe.cs", TempProject.ProbeSource(("Demo", Convert.ToBase64String(s_second))));
            output = BuildSucceeds(project, verbosity: "normal");
            AssertOutputContains("BpfDotnet: wrote", output);
            Assert.Equal(s_second, File.ReadAllBytes(obj));
            Assert.NotEqual(written, File.GetLastWriteTimeUtc(obj));
            Assert.False(File.Exists(project.ObjectPath("Gone")), "the object of a removed probe is deleted");

            // A deleted object is written again although the assembly did not change.
            File.Delete(obj);
            BuildSucceeds(project);
            Assert.Equal(s_second, File.ReadAllBytes(obj));

            // The object is a FileWrite: `dotnet clean` removes it. (BuildProjectReferences=false: do not also clean
            // the task project, whose output the other tests use.)
            var (exit, cleanOutput) = DotnetCli.Run(project.Root, "clean", "-nologo", "-tl:off", "-v:quiet", "-c", DotnetCli.Configuration,
                "-nodeReuse:false", "-p:BuildProjectReferences=false");
            Assert.True(exit == 0, "dotnet clean failed:\n" + cleanOutput);
            Assert.False(File.Exists(obj), "dotnet clean left " + obj);
        }

        [Fact]
        public void WritesEveryObject_OfAnAttributeDeclaredInAReferencedAssembly_AndIgnoresLookalikes()
        {
            using var project = TempProject.Create("App", """
                <ItemGroup>
                  <ProjectReference Include="Attr/Attr.csproj" />
                  <Compile Remove="Attr/**" />
                </ItemGroup>
                """);
            // The attribute lives in another assembly, as it does in the real runtime library (a MemberReference).
            File.WriteAllText(Path.Combine(project.Root, "Attr", "Attr.csproj").EnsureDirectory(), """
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(project.Root, "Attr", "Attribute.cs"), TempProject.AttributeSource);
            project.WriteSource("Probes.cs", $$"""
                [assembly: BpfDotnet.BpfObjectAttribute("First", "{{Convert.ToBase64String(s_first)}}")]
                [assembly: BpfDotnet.BpfObjectAttribute("Second", "{{Convert.ToBase64String(s_second)}}")]
                [assembly: Elsewhere.BpfObjectAttribute("Lookalike", "AAAA")]
                namespace Elsewhere
                {
                    [System.AttributeUsage(System.AttributeTargets.Assembly, AllowMultiple = true)]
                    public sealed class BpfObjectAttribute : System.Attribute
                    {
                        public BpfObjectAttribute(string name, string elfBase64) { }
                    }
                }
                """);
            BuildSucceeds(project, restore: true);

            Assert.Equal(s_first, File.ReadAllBytes(project.ObjectPath("First")));
            Assert.Equal(s_second, File.ReadAllBytes(project.ObjectPath("Second")));
            Assert.False(File.Exists(project.ObjectPath("Lookalike")));
            Assert.Equal(new[] { "First.bpf.o", "Second.bpf.o" },
                Directory.GetFiles(project.OutDir, "*.bpf.o").Select(Path.GetFileName).Order().ToArray());
        }

        [Fact]
        public void WorksFromAPackageLayout_WithoutTheProjectReference()
        {
            // The layout a NuGet package would have: build/, buildTransitive/ and tasks/netstandard2.0/.
            string packageRoot = Path.Combine(Path.GetTempPath(), "bpfdotnet-build-tests", "pkg-" + Guid.NewGuid().ToString("N").Substring(0, 12));
            try
            {
                string source = Path.Combine(TempProject.RepoRoot, "msbuild", "BpfDotnet.Build");
                foreach (string folder in new[] { "build", "buildTransitive" })
                {
                    Directory.CreateDirectory(Path.Combine(packageRoot, folder));
                    File.Copy(Path.Combine(source, folder, "BpfDotnet.targets"), Path.Combine(packageRoot, folder, "BpfDotnet.targets"));
                }

                string task = Path.Combine(source, "bin", DotnetCli.Configuration, "netstandard2.0", "BpfDotnet.Build.dll");
                Assert.True(File.Exists(task), "the test project's ProjectReference builds " + task);
                File.Copy(task, Path.Combine(packageRoot, "tasks", "netstandard2.0", "BpfDotnet.Build.dll").EnsureDirectory());

                using var project = TempProject.Create(targetsPath: Path.Combine(packageRoot, "buildTransitive", "BpfDotnet.targets"));
                project.WriteSource("Probe.cs", TempProject.ProbeSource(("Demo", Convert.ToBase64String(s_first))));

                string output = BuildSucceeds(project, restore: true, verbosity: "normal");
                Assert.Equal(s_first, File.ReadAllBytes(project.ObjectPath("Demo")));
                Assert.DoesNotContain("BpfDotnet.Build.csproj", output);
            }
            finally
            {
                Directory.Delete(packageRoot, recursive: true);
            }
        }

        [Fact]
        public void ReportsErrors_ForBadNames_BadBase64_AndDuplicates_AndWritesNothing()
        {
            using var project = TempProject.Create();
            string valid = Convert.ToBase64String(s_first);

            // No attribute at all: the build succeeds and writes no object.
            project.WriteSource("Probe.cs", TempProject.ProbeSource());
            BuildSucceeds(project, restore: true);
            Assert.Empty(Directory.GetFiles(project.OutDir, "*.bpf.o"));

            // Every problem is reported in one build (the compiler folds identical assembly attributes
            // into one, so the duplicates differ in content), and no object is written, not even the valid one.
            project.WriteSource("Probe.cs", TempProject.ProbeSource(
                ("Valid", valid),
                ("../Escape", valid),
                ("Sub\\\\Dir", valid), // the C# source of the test project escapes the backslash
                ("BadBase64", "this is not base64!"),
                ("Demo", valid),
                ("demo", Convert.ToBase64String(s_second))));
            string output = BuildFails(project);
            AssertOutputContains("error BPFB001: Invalid BpfDotnet object name '../Escape'", output);
            AssertOutputContains("error BPFB001: Invalid BpfDotnet object name 'Sub\\Dir'", output);
            AssertOutputContains("path separator", output);
            AssertOutputContains("error BPFB002: The BpfDotnet object 'BadBase64'", output);
            AssertOutputContains("error BPFB003: Two BpfDotnet objects are named 'demo'", output);
            Assert.False(File.Exists(Path.Combine(project.Root, "bin", DotnetCli.Configuration, "Escape.bpf.o")));
            Assert.False(File.Exists(project.ObjectPath("Valid")), "nothing is written when an object is invalid");
            Assert.Empty(Directory.GetFiles(project.OutDir, "*.bpf.o"));
        }

        [Fact]
        public void BpfCpuBecomesThePreprocessorSymbolTheCompilerReads_AndABadValueFailsTheBuild()
        {
            using var project = TempProject.Create(extraProjectXml: "<PropertyGroup><BpfCpu>v4</BpfCpu></PropertyGroup>");
            project.WriteSource("Cpu.cs", "#if !BPFDOTNET_CPU_V4 || BPFDOTNET_CPU_V3\n#error BpfCpu v4 did not reach the compiler\n#endif\n");
            BuildSucceeds(project, restore: true);

            using var bad = TempProject.Create(extraProjectXml: "<PropertyGroup><BpfCpu>v9</BpfCpu></PropertyGroup>");
            string output = BuildFails(bad, restore: true);
            AssertOutputContains("error BPFB008: BpfCpu is 'v9'; use v2, v3 or v4", output);
        }

        private void AssertOutputContains(string expected, string output)
        {
            if (!output.Contains(expected, StringComparison.Ordinal))
            {
                _log.WriteLine(output);
                Assert.Fail($"The build output does not contain '{expected}':\n{output}");
            }
        }

        private string BuildSucceeds(TempProject project, bool restore = false, string verbosity = "quiet")
        {
            var (exit, output) = DotnetCli.Build(project.Root, restore, verbosity);
            Assert.True(exit == 0, "dotnet build failed:\n" + output);
            return output;
        }

        private string BuildFails(TempProject project, bool restore = false)
        {
            var (exit, output) = DotnetCli.Build(project.Root, restore);
            Assert.True(exit != 0, "dotnet build succeeded but should have failed:\n" + output);
            return output;
        }
    }

    internal static class PathExtensions
    {
        /// <summary>Creates the directory of <paramref name="path"/> and returns the path.</summary>
        public static string EnsureDirectory(this string path)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            return path;
        }
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;
using BpfDotnet.Build;
using BpfDotnet.Build.Tests;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.Package.Tests
{
    public sealed class PackageTests : IClassFixture<PackagedFeed>
    {
        private readonly PackagedFeed _feed;

        public PackageTests(PackagedFeed feed) => _feed = feed;

        /// <summary>Every template folder of the template pack (adding a folder adds a case).</summary>
        public static IEnumerable<object[]> Templates()
            => Directory.GetDirectories(Path.Combine(PackagedFeed.RepoRoot, "templates", "content"))
                .Select(d => new object[] { Path.GetFileName(d) })
                .OrderBy(t => (string)t[0], StringComparer.Ordinal);

        [Fact]
        public void RuntimePackage_HoldsRuntimeGeneratorAnalyzersTaskAndTargets()
        {
            using var package = ZipFile.OpenRead(_feed.RuntimePackage);
            var entries = package.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
            foreach (string expected in new[]
            {
                "lib/net8.0/BpfDotnet.dll", "lib/net8.0/BpfDotnet.xml", "analyzers/dotnet/cs/BpfDotnet.Analyzers.dll",
                "analyzers/dotnet/cs/BpfDotnet.CodeFixes.dll", "tasks/netstandard2.0/BpfDotnet.Build.dll",
                "build/BpfDotnet.targets", "buildTransitive/BpfDotnet.targets", "README.md",
            })
            {
                Assert.Contains(expected, entries);
            }
            // The build targets the package ships are the file this repository's own projects import.
            Assert.Equal(File.ReadAllText(Path.Combine(PackagedFeed.RepoRoot, "msbuild", "BpfDotnet.Build", "build", "BpfDotnet.targets")),
                new StreamReader(package.GetEntry("build/BpfDotnet.targets")!.Open()).ReadToEnd());

            var nuspec = XDocument.Load(package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            XNamespace ns = nuspec.Root!.GetDefaultNamespace();
            var metadata = nuspec.Root.Element(ns + "metadata")!;
            Assert.Equal("BpfDotnet", metadata.Element(ns + "id")!.Value);
            Assert.Equal(PackagedFeed.Version, metadata.Element(ns + "version")!.Value);
            Assert.Equal("MIT", metadata.Element(ns + "license")!.Value);
            Assert.Equal("README.md", metadata.Element(ns + "readme")!.Value);
            Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "description")?.Value));
            Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "tags")?.Value));
            Assert.Null(metadata.Element(ns + "repository")); // the package names no repository or commit
        }

        [Fact]
        public void RuntimePackage_IsReproducible()
        {
            string again = Path.Combine(_feed.Root, "feed-again");
            string second = PackagedFeed.Pack(Path.Combine(PackagedFeed.RepoRoot, "src", "BpfDotnet", "BpfDotnet.csproj"), again, noBuild: true);
            Assert.Equal(File.ReadAllBytes(_feed.RuntimePackage), File.ReadAllBytes(second));
        }

        [Fact]
        public void Templates_ReferenceTheRuntimePackageOfTheSameVersion()
        {
            var references = Directory.GetFiles(Path.Combine(PackagedFeed.RepoRoot, "templates", "content"), "*.csproj", SearchOption.AllDirectories)
                .SelectMany(p => XDocument.Load(p).Descendants("PackageReference").Where(r => (string?)r.Attribute("Include") == "BpfDotnet"))
                .ToList();
            Assert.NotEmpty(references);
            Assert.All(references, r => Assert.Equal(PackagedFeed.Version, (string?)r.Attribute("Version")));
        }

        [Fact]
        public void FrameworkAndCpuOptions_ReachTheProject()
        {
            string output = Path.Combine(_feed.Root, "options");
            var (exit, text) = _feed.Dotnet(_feed.Root, "new", "bpf-tracepoint", "-n", "Options", "-o", output, "--framework", "net8.0", "--cpu", "v2",
                "--no-restore", "--debug:custom-hive", _feed.Hive);
            Assert.True(exit == 0, text);
            var project = XDocument.Load(Path.Combine(output, "Options.csproj"));
            Assert.Equal("net8.0", project.Descendants("TargetFramework").Single().Value);
            Assert.Equal("v2", project.Descendants("BpfCpu").Single().Value);
        }

        /// <summary>
        /// Instantiates the template as a user does, builds it (each probe's .bpf.o lands next to its assembly, with the
        /// bytes the assembly embeds) and runs its app as root for two seconds while this process makes system calls,
        /// checking that the app printed rows of counts the kernel gathered.
        /// </summary>
        /// <summary>
        /// A project of the packed package's user takes kernel types two ways: the curated set the package ships
        /// (<c>&lt;BpfKernelTypes&gt;true&lt;/BpfKernelTypes&gt;</c>, namespace BpfDotnet.Kernel) and a type declared from BTF
        /// at build time (<c>&lt;BpfKernelType Include="linux_binprm" /&gt;</c>); its probe reads through both, and run as root
        /// it prints this kernel's values (its own tgid, read through the curated task_struct; linux_binprm's size).
        /// </summary>
        [KernelFact]
        public void KernelTypes_CuratedAndDeclaredAtBuildTime_CompileIntoAProbeThatReadsThem()
        {
            Kernel.Require();
            string directory = Path.Combine(_feed.Root, "kernel-types-user");
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "KernelTypesUser.csproj"), $$"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <BpfKernelTypes>true</BpfKernelTypes>
                  </PropertyGroup>
                  <ItemGroup>
                    <BpfKernelType Include="linux_binprm" />
                    <PackageReference Include="BpfDotnet" Version="{{PackagedFeed.Version}}" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(directory, "Program.cs"), """
                using BpfDotnet;
                using K = BpfDotnet.Kernel;

                using var probe = Reader.Load(new() { TargetPid = (uint)Environment.ProcessId });
                using var link = probe.OnOpen.Attach();
                _ = File.ReadAllText("/proc/self/comm");
                Console.WriteLine($"pid={Environment.ProcessId} tgid={probe.Seen[0]} binprm={probe.Seen[1]}");
                return 0;

                public static unsafe partial class Reader
                {
                    public static readonly uint TargetPid;

                    [BpfMap(MaxEntries = 2)]
                    public static BpfArrayMap<long> Seen = new(2);

                    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
                    public static int OnOpen(ref SysEnterArgs ctx)
                    {
                        if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid) return 0;
                        K.TaskStruct* task = (K.TaskStruct*)Bpf.GetCurrentTask();
                        Seen.Update(0, task->Tgid);
                        Seen.Update(1, Core.TypeSize<Kernel.LinuxBinprm>());
                        return 0;
                    }
                }
                """);
            var (exit, text) = _feed.Dotnet(directory, "build", "-c", "Release", "-nologo", "-tl:off", "-v:quiet", "-nodeReuse:false");
            Assert.True(exit == 0, "dotnet build failed:\n" + text);
            Assert.DoesNotContain("warning BPF", text, StringComparison.Ordinal);
            string generated = Path.Combine(directory, "obj", "Release", "net10.0", "BpfKernelTypes.g.cs");
            Assert.Contains("[BtfName(\"linux_binprm\")]", File.ReadAllText(generated));
            var (dumped, dump) = Kernel.Run("bpftool", "btf dump file /sys/kernel/btf/vmlinux format raw");
            Assert.Equal(0, dumped);
            var binprm = Regex.Match(dump, @"^\[\d+\] STRUCT 'linux_binprm' size=(\d+)", RegexOptions.Multiline);
            Assert.True(binprm.Success);
            (exit, text) = _feed.Dotnet(directory, Path.Combine(directory, "bin", "Release", "net10.0", "KernelTypesUser.dll"));
            Assert.True(exit == 0, text);
            Assert.Contains($"binprm={binprm.Groups[1].Value}", text);
            var ids = Regex.Match(text, @"pid=(\d+) tgid=(\d+)");
            Assert.True(ids.Success, text);
            Assert.Equal(ids.Groups[1].Value, ids.Groups[2].Value);
        }

        /// <summary>
        /// The tool package installs as a local tool from the feed, the way a user's repository takes it, and
        /// <c>dotnet bpf types</c> writes the kernel's types, the same bytes as the tool built in the repository.
        /// </summary>
        [Fact]
        public void ToolPackage_InstallsAsALocalTool_AndDotnetBpfTypesWritesKernelTypes()
        {
            string directory = Path.Combine(_feed.Root, "tool-user");
            Directory.CreateDirectory(directory);
            // A CLI home of its own: the SDK remembers where it found each local tool's package (toolResolverCache), and a
            // feed of an earlier run is gone.
            var environment = new Dictionary<string, string>(_feed.Environment) { ["DOTNET_CLI_HOME"] = Path.Combine(_feed.Root, "cli-home") };
            (int, string) Dotnet(params string[] args) => DotnetCli.Run(directory, environment, args);
            var (exit, text) = Dotnet("new", "tool-manifest");
            Assert.True(exit == 0, "dotnet new tool-manifest failed:\n" + text);
            (exit, text) = Dotnet("tool", "install", "BpfDotnet.Tool", "--version", PackagedFeed.Version);
            Assert.True(exit == 0, "dotnet tool install failed:\n" + text);
            (exit, text) = Dotnet("bpf", "types", "task_struct", "file", "-o", "Kernel.cs");
            Assert.True(exit == 0, "dotnet bpf types failed:\n" + text);
            string written = File.ReadAllText(Path.Combine(directory, "Kernel.cs"));
            Assert.Contains("[BtfName(\"task_struct\")]", written);
            Assert.Contains("public unsafe partial struct TaskStruct", written);
            Assert.Contains("public unsafe partial struct File", written);
            // The same bytes as the tool built in this repository writes.
            string repositoryTool = Path.Combine(PackagedFeed.RepoRoot, "src", "BpfDotnet.Tool", "bin", DotnetCli.Configuration, "net8.0", "dotnet-bpf.dll");
            (exit, text) = Dotnet(repositoryTool, "types", "task_struct", "file", "-o", "Expected.cs");
            Assert.True(exit == 0, text);
            Assert.Equal(File.ReadAllText(Path.Combine(directory, "Expected.cs")), written);
        }

        [KernelTheory]
        [MemberData(nameof(Templates))]
        public void Template_InstantiatesBuildsAndRuns(string folder)
        {
            Kernel.Require();
            string shortName = ShortName(folder);
            string name = "E2e." + string.Concat(folder.Split('-').Select(p => char.ToUpperInvariant(p[0]) + p.Substring(1)));
            string directory = Path.Combine(_feed.Root, name);

            var (exit, text) = _feed.Dotnet(_feed.Root, "new", shortName, "-n", name, "-o", directory, "--debug:custom-hive", _feed.Hive);
            Assert.True(exit == 0, $"dotnet new {shortName} failed:\n{text}");
            (exit, text) = _feed.Dotnet(directory, "build", "-c", "Release", "-nologo", "-tl:off", "-v:quiet", "-nodeReuse:false");
            Assert.True(exit == 0, $"dotnet build of {shortName} failed:\n{text}");
            Assert.DoesNotContain("warning BPF", text, StringComparison.Ordinal);

            var objects = Directory.GetFiles(directory, "*.bpf.o", SearchOption.AllDirectories).Where(p => p.Contains("/bin/Release/", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(objects);
            foreach (string obj in objects)
            {
                string objectName = Path.GetFileName(obj)[..^".bpf.o".Length];
                var embedded = Directory.GetFiles(Path.GetDirectoryName(obj)!, "*.dll")
                    .Where(dll => !Path.GetFileName(dll).StartsWith("BpfDotnet", StringComparison.Ordinal) && Path.GetFileName(dll) != "ELFSharp.dll")
                    .SelectMany(dll => BpfObjectReader.Read(dll))
                    .Single(e => e.Name == objectName);
                Assert.Equal(Convert.FromBase64String(embedded.ElfBase64!), File.ReadAllBytes(obj));
            }

            string app = Directory.GetFiles(directory, "*.runtimeconfig.json", SearchOption.AllDirectories)
                .Where(p => p.Contains("/bin/Release/", StringComparison.Ordinal))
                .Select(p => p[..^".runtimeconfig.json".Length] + ".dll")
                .Single();
            var run = Task.Run(() => _feed.Dotnet(directory, app, "--duration", "2"));
            MakeSystemCalls(run);
            (exit, text) = run.Result;
            Assert.True(exit == 0, $"{Path.GetFileName(app)} failed:\n{text}");
            var rows = text.Split('\n').Where(line => Regex.IsMatch(line, @"^\s*\d+\s.*\s\d+\s*$")).ToList();
            Assert.True(rows.Count > 0, $"{Path.GetFileName(app)} printed no counts:\n{text}");
        }

        /// <summary>
        /// A template made with --aot publishes as a NativeAOT executable (the runtime library is trimming- and
        /// AOT-compatible), which loads its probe, attaches it and reads its map like the JIT-compiled app.
        /// </summary>
        [KernelFact]
        public void TemplateWithAot_PublishesANativeExecutableThatLoadsAttachesAndReadsItsMap()
        {
            Kernel.Require();
            string directory = Path.Combine(_feed.Root, "E2e.Aot");
            var (exit, text) = _feed.Dotnet(_feed.Root, "new", "bpf-tracepoint", "-n", "E2e.Aot", "-o", directory, "--aot", "--debug:custom-hive", _feed.Hive);
            Assert.True(exit == 0, text);
            Assert.Equal("true", XDocument.Load(Path.Combine(directory, "E2e.Aot.csproj")).Descendants("PublishAot").Single().Value);
            (exit, text) = _feed.Dotnet(directory, "publish", "-c", "Release", "-r", "linux-x64", "-o", Path.Combine(directory, "native"), "-nologo", "-tl:off", "-v:quiet", "-nodeReuse:false");
            Assert.True(exit == 0, "dotnet publish (NativeAOT) failed:\n" + text);
            Assert.DoesNotContain("warning IL", text, StringComparison.Ordinal); // no trimming or AOT warnings
            string native = Path.Combine(directory, "native", "E2e.Aot");
            Assert.True(File.Exists(native), "no native executable at " + native);

            var start = new ProcessStartInfo(native) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("--duration");
            start.ArgumentList.Add("2");
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            var exited = Task.Run(() => process.WaitForExit(60_000));
            MakeSystemCalls(exited);
            Assert.True(exited.Result, "the native executable did not exit");
            Assert.True(process.ExitCode == 0, $"the native executable failed:\n{output.Result}{errors.Result}");
            Assert.Contains(output.Result.Split('\n'), line => Regex.IsMatch(line, @"^\s*\d+\s.*\s\d+\s*$"));
        }

        [Fact]
        public void TemplatePack_InstallsListsAndUninstalls()
        {
            string hive = Path.Combine(_feed.Root, "hive-install");
            var (exit, text) = _feed.Dotnet(_feed.Root, "new", "install", _feed.TemplatePackage, "--debug:custom-hive", hive);
            Assert.True(exit == 0, text);
            (exit, text) = _feed.Dotnet(_feed.Root, "new", "list", "bpf", "--debug:custom-hive", hive);
            Assert.True(exit == 0, text);
            foreach (var template in Templates())
            {
                Assert.Contains(ShortName((string)template[0]), text, StringComparison.Ordinal);
            }
            (exit, text) = _feed.Dotnet(_feed.Root, "new", "uninstall", "BpfDotnet.Templates", "--debug:custom-hive", hive);
            Assert.True(exit == 0, text);
            (exit, text) = _feed.Dotnet(_feed.Root, "new", "list", "bpf", "--debug:custom-hive", hive);
            Assert.DoesNotContain("bpf-tracepoint", text, StringComparison.Ordinal);
        }

        /// <summary>The short name (<c>dotnet new &lt;name&gt;</c>) of the template in <paramref name="folder"/>.</summary>
        private static string ShortName(string folder)
            => JsonDocument.Parse(File.ReadAllText(Path.Combine(PackagedFeed.RepoRoot, "templates", "content", folder, ".template.config", "template.json")))
                .RootElement.GetProperty("shortName").GetString()!;

        /// <summary>Opens, writes and reads files until <paramref name="until"/> ends, so every template's probe has something to count.</summary>
        private static void MakeSystemCalls(Task until)
        {
            string scratch = Path.Combine(Path.GetTempPath(), "bpfdotnet-syscalls-" + Environment.ProcessId);
            var deadline = Stopwatch.StartNew();
            // A datagram to loopback too, for the network templates, which watch loopback by default.
            using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
            var loopback = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9);
            while (!until.IsCompleted && deadline.Elapsed < TimeSpan.FromMinutes(2))
            {
                File.WriteAllText(scratch, "bpfdotnet");
                _ = File.ReadAllBytes(scratch);
                socket.SendTo(new byte[16], loopback);
                Thread.Sleep(10);
            }
            File.Delete(scratch);
        }
    }
}

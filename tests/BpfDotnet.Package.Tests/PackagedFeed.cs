using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BpfDotnet.Build.Tests;

namespace BpfDotnet.Package.Tests
{
    /// <summary>
    /// Both packages packed into a local folder feed, in a scratch directory outside the repository whose
    /// <c>nuget.config</c> takes BpfDotnet packages from that feed only (and everything else from the machine's
    /// sources), with its own global packages folder (so no package cached by an earlier run is used) and its own
    /// template hive, in which the template pack is installed.
    /// </summary>
    public sealed class PackagedFeed : IDisposable
    {
        public PackagedFeed()
        {
            Root = Path.Combine(Path.GetTempPath(), "bpfdotnet-package-tests-" + System.Environment.ProcessId + "-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Feed = Path.Combine(Root, "feed");
            Hive = Path.Combine(Root, "hive");
            Directory.CreateDirectory(Feed);
            Environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(Root, "packages") };

            RuntimePackage = Pack(Path.Combine(RepoRoot, "src", "BpfDotnet", "BpfDotnet.csproj"), Feed, noBuild: true);
            TemplatePackage = Pack(Path.Combine(RepoRoot, "templates", "BpfDotnet.Templates.csproj"), Feed, noBuild: false);
            ToolPackage = Pack(Path.Combine(RepoRoot, "src", "BpfDotnet.Tool", "BpfDotnet.Tool.csproj"), Feed, noBuild: true);
            File.WriteAllText(Path.Combine(Root, "nuget.config"), NugetConfig(Feed, MachineSources()));

            var (exit, output) = Dotnet(Root, "new", "install", TemplatePackage, "--debug:custom-hive", Hive);
            if (exit != 0) throw new InvalidOperationException("dotnet new install failed:\n" + output);
        }

        /// <summary>The scratch directory (under the system's temporary directory, outside the repository).</summary>
        public string Root { get; }

        /// <summary>The local folder feed holding the packages (runtime, templates, tool).</summary>
        public string Feed { get; }

        /// <summary>The template hive the template pack is installed in.</summary>
        public string Hive { get; }

        /// <summary>Variables set for every dotnet command run in the scratch directory.</summary>
        public IReadOnlyDictionary<string, string> Environment { get; }

        public string RuntimePackage { get; }

        public string TemplatePackage { get; }

        /// <summary>The dotnet bpf tool's package.</summary>
        public string ToolPackage { get; }

        /// <summary>The repository root: the directory above this test assembly that holds BpfDotnet.sln.</summary>
        public static string RepoRoot { get; } = BpfDotnet.Loader.Tests.Kernel.RepoRoot;

        /// <summary>The version the repository builds (Directory.Build.props), which both packages carry.</summary>
        public static string Version => System.Xml.Linq.XDocument.Load(Path.Combine(RepoRoot, "Directory.Build.props"))
            .Descendants("Version").Single().Value;

        /// <summary>Runs dotnet in <paramref name="directory"/> with the scratch environment.</summary>
        public (int ExitCode, string Output) Dotnet(string directory, params string[] args) => DotnetCli.Run(directory, Environment, args);

        /// <summary><c>dotnet pack</c> of <paramref name="project"/> into <paramref name="output"/>; the path of the package made.</summary>
        public static string Pack(string project, string output, bool noBuild)
        {
            var args = new List<string> { "pack", project, "-c", DotnetCli.Configuration, "-o", output, "-nologo", "-tl:off", "-v:quiet", "-nodeReuse:false" };
            if (noBuild) args.Add("--no-build");
            var (exit, text) = DotnetCli.Run(RepoRoot, args.ToArray());
            if (exit != 0) throw new InvalidOperationException($"dotnet pack {project} failed:\n{text}");
            string id = Path.GetFileNameWithoutExtension(project);
            string package = Path.Combine(output, id + "." + Version + ".nupkg");
            if (!File.Exists(package)) throw new InvalidOperationException($"dotnet pack {project} made no {package}:\n{text}");
            return package;
        }

        /// <summary>BpfDotnet packages from <paramref name="feed"/> only; everything else from the machine's sources.</summary>
        private static string NugetConfig(string feed, IReadOnlyList<string> machineSources)
        {
            var others = string.Concat(machineSources.Select(name =>
                $"    <packageSource key=\"{System.Security.SecurityElement.Escape(name)}\">\n      <package pattern=\"*\" />\n    </packageSource>\n"));
            return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <packageSources>\n"
                + $"    <add key=\"bpfdotnet-local\" value=\"{System.Security.SecurityElement.Escape(feed)}\" />\n  </packageSources>\n"
                + "  <packageSourceMapping>\n    <packageSource key=\"bpfdotnet-local\">\n      <package pattern=\"BpfDotnet\" />\n      <package pattern=\"BpfDotnet.*\" />\n    </packageSource>\n"
                + others + "  </packageSourceMapping>\n</configuration>\n";
        }

        /// <summary>The names of the package sources this machine's NuGet configuration enables.</summary>
        private static IReadOnlyList<string> MachineSources()
        {
            var (exit, output) = DotnetCli.Run(Path.GetTempPath(), "nuget", "list", "source");
            if (exit != 0) throw new InvalidOperationException("dotnet nuget list source failed:\n" + output);
            return System.Text.RegularExpressions.Regex.Matches(output, @"^\s*\d+\.\s+(.+?)\s+\[Enabled\]\s*$", System.Text.RegularExpressions.RegexOptions.Multiline)
                .Select(m => m.Groups[1].Value).ToList();
        }

        public void Dispose()
        {
            DotnetCli.Run(Root, Environment, "new", "uninstall", "BpfDotnet.Templates", "--debug:custom-hive", Hive);
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}

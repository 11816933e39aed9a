using System;
using System.IO;

namespace BpfDotnet.Build.Tests
{
    /// <summary>
    /// A throwaway project directory under the system temp folder, shielded from any Directory.Build.* above
    /// it, that imports the repository's build/BpfDotnet.targets exactly as an in-repo project does.
    /// </summary>
    internal sealed class TempProject : IDisposable
    {
        public const string AttributeSource = """
            namespace BpfDotnet
            {
                [System.AttributeUsage(System.AttributeTargets.Assembly, AllowMultiple = true)]
                public sealed class BpfObjectAttribute : System.Attribute
                {
                    public BpfObjectAttribute(string name, string elfBase64) { }
                }
            }
            """;

        private TempProject(string root)
        {
            Root = root;
        }

        /// <summary>The directory that holds the project (and its bin/ and obj/).</summary>
        public string Root { get; }

        /// <summary>The project's output directory.</summary>
        public string OutDir => Path.Combine(Root, "bin", DotnetCli.Configuration, "net10.0");

        /// <summary>Path of the object written for <paramref name="name"/>.</summary>
        public string ObjectPath(string name) => Path.Combine(OutDir, name + ".bpf.o");

        public static TempProject Create(string projectName = "Demo", string extraProjectXml = "", string? targetsPath = null)
        {
            string root = Path.Combine(Path.GetTempPath(), "bpfdotnet-build-tests", Guid.NewGuid().ToString("N").Substring(0, 12));
            Directory.CreateDirectory(root);
            // Stop MSBuild's upward search for Directory.Build.* and Directory.Packages.props.
            File.WriteAllText(Path.Combine(root, "Directory.Build.props"), "<Project />\n");
            File.WriteAllText(Path.Combine(root, "Directory.Build.targets"), "<Project />\n");
            File.WriteAllText(Path.Combine(root, "Directory.Packages.props"), "<Project />\n");
            var project = new TempProject(root);
            project.WriteProject(projectName, extraProjectXml, targetsPath: targetsPath);
            return project;
        }

        /// <summary>The targets file an in-repo project imports.</summary>
        public static string RepoTargets => Path.Combine(RepoRoot, "msbuild", "BpfDotnet.Build", "build", "BpfDotnet.targets");

        public void WriteProject(string projectName, string extraProjectXml = "", string subdirectory = "", string? targetsPath = null)
        {
            string targets = targetsPath ?? RepoTargets;
            string directory = Path.Combine(Root, subdirectory);
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, projectName + ".csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>disable</ImplicitUsings>
                    <GenerateDocumentationFile>false</GenerateDocumentationFile>
                  </PropertyGroup>
                  {extraProjectXml}
                  <Import Project="{targets}" />
                </Project>
                """);
        }

        public void WriteSource(string fileName, string text) => File.WriteAllText(Path.Combine(Root, fileName), text);

        /// <summary>A source file with the attribute class and one <c>[assembly: BpfObject]</c> per (name, bytes).</summary>
        public static string ProbeSource(params (string Name, string Base64)[] objects)
        {
            var text = new System.Text.StringBuilder();
            foreach (var (name, base64) in objects)
            {
                text.Append("[assembly: BpfDotnet.BpfObjectAttribute(\"").Append(name).Append("\", \"").Append(base64).Append("\")]\n");
            }

            return text.Append(AttributeSource).Append('\n').ToString();
        }

        /// <summary>The repository root: the nearest ancestor of the test binaries that holds msbuild/BpfDotnet.Build.</summary>
        public static string RepoRoot { get; } = FindRepoRoot();

        private static string FindRepoRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "msbuild", "BpfDotnet.Build", "build", "BpfDotnet.targets")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("Cannot find the repository root above " + AppContext.BaseDirectory);
        }

        public void Dispose()
        {
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

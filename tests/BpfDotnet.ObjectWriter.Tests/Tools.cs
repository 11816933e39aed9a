using System;
using System.Diagnostics;
using System.IO;
using Xunit;

namespace BpfDotnet.ObjectWriter.Tests
{
    /// <summary>Runs the real toolchain (llvm-readelf, llvm-objdump, bpftool, clang) on written objects.</summary>
    internal static class Tools
    {
        public const string ReadElf = "llvm-readelf-14";
        public const string ObjDump = "llvm-objdump-14";
        public const string Clang = "clang-14";
        public const string BpfTool = "bpftool";

        /// <summary>Full path of <paramref name="tool"/> on PATH (or in /usr/sbin), or null.</summary>
        public static string? Find(string tool)
        {
            var path = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty) + ":/usr/sbin:/sbin";
            foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = Path.Combine(dir, tool);
                if (File.Exists(candidate)) return candidate;
            }
            return null;
        }

        /// <summary>Runs a tool and returns its standard output; fails the test on a non-zero exit.</summary>
        public static string Run(string tool, params string[] arguments)
        {
            var (exitCode, stdout, stderr) = TryRun(tool, arguments);
            Assert.True(exitCode == 0, $"{tool} {string.Join(' ', arguments)} exited with {exitCode}:\n{stderr}\n{stdout}");
            return stdout;
        }

        public static (int ExitCode, string Stdout, string Stderr) TryRun(string tool, params string[] arguments)
        {
            var path = Find(tool) ?? throw new InvalidOperationException($"{tool} is not installed");
            var start = new ProcessStartInfo(path)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in arguments) start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            var stderrTask = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, stdout, stderrTask.Result);
        }
    }

    /// <summary>A temporary directory holding written objects, deleted on dispose.</summary>
    internal sealed class TempDirectory : IDisposable
    {
        public TempDirectory() => Directory.CreateDirectory(Path);

        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bpfdotnet-objtest-" + Guid.NewGuid().ToString("N"));

        /// <summary>Writes <paramref name="bytes"/> to a file in this directory and returns its path.</summary>
        public string Write(string name, byte[] bytes)
        {
            var file = System.IO.Path.Combine(Path, name);
            File.WriteAllBytes(file, bytes);
            return file;
        }

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }
}

using System;
using System.Diagnostics;
using System.IO;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Paths in the repository and a process runner for the tools the tests cross-check with.</summary>
    public static class Repo
    {
        public static string Root
        {
            get
            {
                var dir = new DirectoryInfo(AppContext.BaseDirectory);
                while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BpfDotnet.sln"))) dir = dir.Parent;
                return dir?.FullName ?? throw new InvalidOperationException("BpfDotnet.sln not found above " + AppContext.BaseDirectory);
            }
        }

        /// <summary>The build configuration the tests were built with (bin/&lt;Configuration&gt;/&lt;tfm&gt;/).</summary>
        public static string Configuration => new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

        public static string SampleOutput => OutputOf("OpenatCounter");

        /// <summary>Where the sample <paramref name="name"/> (a folder of samples/) is built.</summary>
        public static string OutputOf(string name) => Path.Combine(Root, "samples", name, "bin", Configuration, "net10.0");

        public static (int ExitCode, string Output) Run(string file, string arguments, int timeoutSeconds = 60)
        {
            var info = new ProcessStartInfo(file, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + file);
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeoutSeconds * 1000))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{file} {arguments} did not finish in {timeoutSeconds} s");
            }
            return (process.ExitCode, stdout.Result + stderr.Result);
        }
    }
}

using System;
using System.Collections;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading.Tasks;

namespace BpfDotnet.Build.Tests
{
    /// <summary>Runs the dotnet CLI in a clean environment and captures what it prints.</summary>
    internal static class DotnetCli
    {
        /// <summary>Configuration of this test assembly; the temporary projects are built with the same one.</summary>
#if DEBUG
        public const string Configuration = "Debug";
#else
        public const string Configuration = "Release";
#endif

        private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(3);

        public static (int ExitCode, string Output) Run(string workingDirectory, params string[] args)
            => Run(workingDirectory, null, args);

        /// <summary>Runs <c>dotnet</c> with <paramref name="args"/>, with <paramref name="environment"/> set on top of the clean environment.</summary>
        public static (int ExitCode, string Output) Run(string workingDirectory, System.Collections.Generic.IReadOnlyDictionary<string, string>? environment, params string[] args)
        {
            var start = new ProcessStartInfo(DotnetPath())
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (string arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            // The test host can inherit MSBuild variables from the `dotnet test` that started it; a nested
            // build must pick its own SDK and MSBuild, so drop them.
            foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
            {
                string name = (string)variable.Key;
                if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)
                    || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                    || name.Equals("DOTNET_HOST_PATH", StringComparison.OrdinalIgnoreCase))
                {
                    start.Environment.Remove(name);
                }
            }

            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            start.Environment["DOTNET_NOLOGO"] = "1";
            start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
            start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
            start.Environment["MSBUILDTERMINALLOGGER"] = "off";
            start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
            if (environment != null)
            {
                foreach (var pair in environment) start.Environment[pair.Key] = pair.Value;
            }

            var output = new StringBuilder();
            using var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
            process.Start();
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            if (!process.WaitForExit((int)s_timeout.TotalMilliseconds))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"dotnet {string.Join(' ', args)} did not finish in {s_timeout}:\n{output}");
            }

            process.WaitForExit(); // flush the asynchronous readers
            lock (output)
            {
                return (process.ExitCode, output.ToString());
            }
        }

        /// <summary>
        /// <c>dotnet build</c> with switches that keep it quick and leave no server processes behind.
        /// </summary>
        public static (int ExitCode, string Output) Build(string projectDirectory, bool restore, string verbosity = "quiet")
        {
            var args = new System.Collections.Generic.List<string>
            {
                "build", "-nologo", "-tl:off", "-v:" + verbosity, "-c", Configuration,
                "-nodeReuse:false", "-p:UseSharedCompilation=false",
            };
            if (!restore)
            {
                args.Add("--no-restore");
            }

            return Run(projectDirectory, args.ToArray());
        }

        private static string DotnetPath()
        {
            // The test host normally runs under the same dotnet that runs the tests: use that one.
            string? self = Environment.ProcessPath;
            if (self != null && Path.GetFileNameWithoutExtension(self) == "dotnet")
            {
                return self;
            }

            return "dotnet";
        }
    }
}

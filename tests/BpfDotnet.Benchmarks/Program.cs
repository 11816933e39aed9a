using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using BpfDotnet;
using BpfDotnet.Benchmarks;

// Code-quality benchmark: C# probes (compiled by the BpfDotnet generator) against the same probes in C, compiled by
// clang-19 -O2 (the best reference) and clang-14 -O2, side by side in one run.
// Usage (root): dotnet run -c Release --project tests/BpfDotnet.Benchmarks [-- --events N] [--out DIR]
// Writes DIR/code-quality.md and DIR/code-quality.json (DIR defaults to docs/benchmarks in the repository).

int events = 1_000_000;
string? outDir = null;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--events" && i + 1 < args.Length && int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0) events = n;
    else if (args[i] == "--out" && i + 1 < args.Length) outDir = args[++i];
    else
    {
        Console.Error.WriteLine("usage: BpfDotnet.Benchmarks [--events N] [--out DIR]");
        return 2;
    }
}

if (Native.geteuid() != 0)
{
    Console.Error.WriteLine("The benchmark loads programs into the kernel and enables kernel.bpf_stats_enabled: run it as root (sudo).");
    return 1;
}
outDir ??= Path.Combine(Runner.RepositoryRoot(), "docs", "benchmarks");

try
{
    var runner = new Runner(events);
    List<Result> results = runner.Run();
    var report = new Report(results, runner.Facts, events);
    Directory.CreateDirectory(outDir);
    File.WriteAllText(Path.Combine(outDir, "code-quality.md"), report.Markdown());
    File.WriteAllText(Path.Combine(outDir, "code-quality.json"), report.Json());
    Console.WriteLine(report.Table());
    Console.WriteLine(report.Summary());
    Console.WriteLine("Wrote " + Path.Combine(outDir, "code-quality.md") + " and code-quality.json");
    return 0;
}
catch (BpfException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

namespace BpfDotnet.Benchmarks
{
    internal static class Native
    {
        [DllImport("libc")]
        public static extern uint geteuid();

        [DllImport("libc", SetLastError = true)]
        public static extern int mount(string source, string target, string fstype, ulong flags, IntPtr data);

        /// <summary>glibc's posix_fadvise issues fadvise64(2) and returns the error number.</summary>
        [DllImport("libc")]
        public static extern int posix_fadvise(int fd, long offset, long len, int advice);
    }

    /// <summary>The numbers of one side (C# or C) of a twin.</summary>
    public sealed class Side
    {
        public uint XlatedInsns { get; set; }
        public uint ObjectInsns { get; set; }
        public uint VerifiedInsns { get; set; }
        public string StackDepthText { get; set; } = "";
        public int StackDepth { get; set; }
        public ulong RunCount { get; set; }
        public ulong RunTimeNs { get; set; }
        /// <summary>run_time_ns / run_cnt of each measurement round.</summary>
        public List<double> RoundNs { get; } = new();

        /// <summary>The median over the rounds of run_time_ns / run_cnt.</summary>
        public double NsPerEvent => RoundNs.Count == 0 ? double.NaN : Stats.Median(RoundNs);
        public Dictionary<string, int> Mix { get; set; } = new();

        [System.Text.Json.Serialization.JsonIgnore]
        public InstructionMix? Disassembly { get; set; }
    }

    /// <summary>One row of the report.</summary>
    public sealed class Result
    {
        public Twin Twin { get; init; } = null!;
        public Side? Ours { get; set; }
        /// <summary>The C twin compiled by clang-14.</summary>
        public Side Clang { get; set; } = new();
        /// <summary>The C twin compiled by clang-19.</summary>
        public Side Clang19 { get; set; } = new();

        /// <summary>
        /// Ours ÷ clang run time per event: the geometric mean of the per-round ratios (both sides measured on the same
        /// events). The program attached first runs first and pays for cold caches; attach order alternates between
        /// rounds, and the geometric mean cancels that effect where a median of the bimodal ratios would not.
        /// </summary>
        public double RunTimeRatio => RatioTo(Clang);

        /// <summary>Ours ÷ clang-19 run time per event, as <see cref="RunTimeRatio"/>.</summary>
        public double RunTimeRatio19 => RatioTo(Clang19);

        private double RatioTo(Side reference) => Ours == null || Ours.RoundNs.Count == 0 ? double.NaN
            : Math.Exp(Ours.RoundNs.Zip(reference.RoundNs, (a, b) => Math.Log(a / b)).Average());
    }

    internal static class Stats
    {
        public static double Median(IReadOnlyList<double> xs)
        {
            var s = xs.Where(x => !double.IsNaN(x)).OrderBy(x => x).ToList();
            if (s.Count == 0) return double.NaN;
            return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
        }
    }

    /// <summary>Compiles, loads, measures.</summary>
    public sealed class Runner
    {
        /// <summary>Measurement rounds; the events are split evenly between them.</summary>
        public const int Rounds = 20;

        private readonly int _events;
        private readonly string _work = Path.Combine(Path.GetTempPath(), "bpfdotnet-benchmarks-" + System.Environment.ProcessId);

        public Runner(int events) => _events = events;

        /// <summary>Machine and tool facts for the report.</summary>
        public Dictionary<string, string> Facts { get; } = new();

        public static string RepositoryRoot()
        {
            for (string? d = AppContext.BaseDirectory; d != null; d = Path.GetDirectoryName(d))
            {
                if (File.Exists(Path.Combine(d, "BpfDotnet.sln"))) return d;
            }
            for (string? d = Directory.GetCurrentDirectory(); d != null; d = Path.GetDirectoryName(d))
            {
                if (File.Exists(Path.Combine(d, "BpfDotnet.sln"))) return d;
            }
            throw new BpfException("Cannot find the repository root (BpfDotnet.sln) above " + AppContext.BaseDirectory + "; pass --out DIR.");
        }

        public List<Result> Run()
        {
            MountTracefs();
            Directory.CreateDirectory(_work);
            Facts["kernel"] = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
            Facts["clang"] = Tool("clang-14", "--version").Split('\n')[0].Trim();
            Facts["clang19"] = Tool("clang-19", "--version").Split('\n')[0].Trim();
            Facts["cpu"] = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
            string root = RepositoryRoot();
            Facts["commit"] = Tool("git", "-C " + root + " rev-parse --short HEAD").Trim() +
                (Tool("git", "-C " + root + " status --porcelain -- src analyzers msbuild").Trim().Length > 0 ? " (with uncommitted changes in src/, analyzers/ or msbuild/)" : "");
            Facts["jit"] = File.Exists("/proc/sys/net/core/bpf_jit_enable") ? File.ReadAllText("/proc/sys/net/core/bpf_jit_enable").Trim() : "?";

            var options = new BpfLoadOptions { LogLevel = 4, LogBufferSize = 1 << 20 };
            var objects = new List<BpfObject>();
            var results = new List<Result>();
            var handles = new List<Handles>();
            try
            {
                var (csObjects, cObjects, c19Objects) = LoadTwins(options, objects);
                foreach (Twin twin in Twin.All)
                {
                    var row = new Result { Twin = twin };
                    BpfObject cObj = cObjects[twin.CFile];
                    BpfProgramHandle cProg = cObj.GetProgram(twin.CProgram);
                    row.Clang = Measure(cObj, cProg, CompileC(twin.CFile, "clang-14"), twin.CProgram);
                    BpfObject c19Obj = c19Objects[twin.CFile];
                    BpfProgramHandle c19Prog = c19Obj.GetProgram(twin.CProgram);
                    row.Clang19 = Measure(c19Obj, c19Prog, CompileC(twin.CFile, "clang-19"), twin.CProgram);

                    BpfProgramHandle? ours = null;
                    if (twin.CSharpObject != null)
                    {
                        string csPath = Path.Combine(_work, twin.CFile + ".cs.bpf.o");
                        File.WriteAllBytes(csPath, twin.CSharpObject());
                        BpfObject csObj = csObjects[twin.CFile];
                        ours = csObj.GetProgram(twin.CSharpProgram!);
                        row.Ours = Measure(csObj, ours, csPath, twin.CSharpProgram!);
                    }
                    results.Add(row);
                    handles.Add(new Handles(row, ours, cProg, c19Prog));
                }

                SetFilterTarget(csObjects, cObjects, c19Objects);
                MeasureRunTime(handles);
                CheckSameWork(csObjects, cObjects);
                CheckSameWork(csObjects, c19Objects);
            }
            finally
            {
                foreach (BpfObject o in objects) o.Dispose();
            }
            return results;
        }

        private Side Measure(BpfObject obj, BpfProgramHandle prog, string objectPath, string function)
        {
            BpfProgramInfo info = prog.GetInfo();
            string log = obj.VerifierLogs.TryGetValue(prog.Name, out string? l) ? l : "";
            Match depth = Regex.Match(log, @"stack depth ([0-9+]+)");
            InstructionMix mix = InstructionMix.Read(objectPath, function);
            return new Side
            {
                XlatedInsns = info.XlatedLength / 8,
                ObjectInsns = (uint)mix.Slots,
                VerifiedInsns = info.VerifiedInstructions,
                StackDepthText = depth.Success ? depth.Groups[1].Value : "?",
                StackDepth = depth.Success ? depth.Groups[1].Value.Split('+').Sum(int.Parse) : -1,
                Mix = mix.Counts,
                Disassembly = mix,
            };
        }

        /// <summary>
        /// With kernel.bpf_stats_enabled = 1, attaches the twins of one object at a time (ours and clang's, on the same
        /// tracepoints) and makes the events for them. <see cref="Rounds"/> rounds, each on freshly loaded objects, ours
        /// attached first in even rounds and clang's first in odd ones, so neither side always runs first; each round gives
        /// every program one run_time_ns / run_cnt, and the report takes medians over the rounds (the machine may be busy
        /// with other work).
        /// </summary>
        private static void SetFilterTarget(Dictionary<string, BpfObject> csObjects, Dictionary<string, BpfObject> cObjects, Dictionary<string, BpfObject> c19Objects)
        {
            uint pid = (uint)System.Environment.ProcessId;
            if (csObjects.TryGetValue("filter_pid", out BpfObject? fpCs)) fpCs.GetMap<uint, uint>("Target")[0] = pid;
            if (cObjects.TryGetValue("filter_pid", out BpfObject? fpC)) fpC.GetMap<uint, uint>("target")[0] = pid;
            if (c19Objects.TryGetValue("filter_pid", out BpfObject? fp19)) fp19.GetMap<uint, uint>("target")[0] = pid;
        }

        /// <summary>The programs of one row: ours (null when pending) and the two clang builds of the C twin.</summary>
        private sealed record Handles(Result Row, BpfProgramHandle? Ours, BpfProgramHandle Clang, BpfProgramHandle Clang19);

        /// <summary>Loads every twin's object once per object file: ours, clang-14's and clang-19's (by file).</summary>
        private (Dictionary<string, BpfObject> Ours, Dictionary<string, BpfObject> Clang, Dictionary<string, BpfObject> Clang19) LoadTwins(BpfLoadOptions options, List<BpfObject> loaded)
        {
            var csObjects = new Dictionary<string, BpfObject>();
            var cObjects = new Dictionary<string, BpfObject>();
            var c19Objects = new Dictionary<string, BpfObject>();
            foreach (Twin twin in Twin.All)
            {
                if (!cObjects.ContainsKey(twin.CFile))
                {
                    cObjects[twin.CFile] = BpfObject.LoadFile(CompileC(twin.CFile, "clang-14"), options);
                    loaded.Add(cObjects[twin.CFile]);
                    c19Objects[twin.CFile] = BpfObject.LoadFile(CompileC(twin.CFile, "clang-19"), options);
                    loaded.Add(c19Objects[twin.CFile]);
                }
                if (twin.CSharpObject != null && !csObjects.ContainsKey(twin.CFile))
                {
                    csObjects[twin.CFile] = BpfObject.Load(twin.CSharpObject(), options);
                    loaded.Add(csObjects[twin.CFile]);
                }
            }
            return (csObjects, cObjects, c19Objects);
        }

        /// <summary>
        /// Loads every twin again (the rows' objects stay for the static measures): each round runs freshly JIT-compiled
        /// images, so where the kernel happens to place them in memory (which moves a probe's time by up to half between
        /// loads) averages out over the rounds instead of biasing a whole run.
        /// </summary>
        private List<Handles> Reload(List<Handles> handles, BpfLoadOptions options, List<BpfObject> loaded)
        {
            var (csObjects, cObjects, c19Objects) = LoadTwins(options, loaded);
            SetFilterTarget(csObjects, cObjects, c19Objects);
            return handles.Select(h => new Handles(h.Row, h.Ours == null ? null : csObjects[h.Row.Twin.CFile].GetProgram(h.Row.Twin.CSharpProgram!),
                cObjects[h.Row.Twin.CFile].GetProgram(h.Row.Twin.CProgram), c19Objects[h.Row.Twin.CFile].GetProgram(h.Row.Twin.CProgram))).ToList();
        }

        private void MeasureRunTime(List<Handles> firstLoad)
        {
            const string Sysctl = "/proc/sys/kernel/bpf_stats_enabled";
            string before = File.ReadAllText(Sysctl).Trim();
            File.WriteAllText(Sysctl, "1");
            var quiet = new BpfLoadOptions { LogLevel = 0 };
            try
            {
                for (int round = 0; round < Rounds; round++)
                {
                    var links = new List<BpfLink>();
                    var loaded = new List<BpfObject>();
                    try
                    {
                        var handles = round == 0 ? firstLoad : Reload(firstLoad, quiet, loaded);
                        // One object's twins at a time (the latency twins work as a pair), so that no other probe's
                        // cache footprint lands in a measurement.
                        foreach (var group in handles.GroupBy(h => h.Row.Twin.CFile))
                        {
                            // Attach order rotates between rounds: each of the three sides is attached first in a third of them.
                            var order = group.SelectMany(h =>
                                {
                                    var sides = new[] { (h.Row, Side: 0, P: h.Ours), (h.Row, Side: 1, P: (BpfProgramHandle?)h.Clang), (h.Row, Side: 2, P: (BpfProgramHandle?)h.Clang19) };
                                    return sides.Skip(round % 3).Concat(sides.Take(round % 3));
                                })
                                .Where(x => x.P != null)
                                .ToList();
                            foreach (var x in order) links.Add(x.P!.Attach());
                            MakeEvents(_events / Rounds / 10, 0);   // warm-up
                            var start = order.Select(x => x.P!.GetInfo()).ToList();
                            MakeEvents(_events / Rounds, round * _events);
                            for (int i = 0; i < order.Count; i++)
                            {
                                BpfProgramInfo end = order[i].P!.GetInfo();
                                Side side = order[i].Side switch { 0 => order[i].Row.Ours!, 1 => order[i].Row.Clang, _ => order[i].Row.Clang19 };
                                ulong cnt = end.RunCount - start[i].RunCount, ns = end.RunTimeNs - start[i].RunTimeNs;
                                side.RunCount += cnt;
                                side.RunTimeNs += ns;
                                side.RoundNs.Add(cnt == 0 ? double.NaN : (double)ns / cnt);
                            }
                            foreach (BpfLink l in links) l.Dispose();
                            links.Clear();
                        }
                    }
                    finally
                    {
                        foreach (BpfLink l in links) l.Dispose();
                        foreach (BpfObject o in loaded) o.Dispose();
                    }
                }
            }
            finally
            {
                File.WriteAllText(Sysctl, before);
            }
        }

        /// <summary>fadvise64(2) on the benchmark's fd: fails with EBADF at once; the arguments vary per call.</summary>
        private static void MakeEvents(int n, int seed)
        {
            for (int i = 0; i < n; i++)
            {
                long k = seed + i;
                Native.posix_fadvise((int)Bench.Magic, k * 7, (1L << (int)(k % 40)) + k, (int)(k % 6));
            }
        }

        /// <summary>The twins must compute the same: compare a few result maps after the run.</summary>
        private static void CheckSameWork(Dictionary<string, BpfObject> cs, Dictionary<string, BpfObject> c)
        {
            void Same(string file, string csMap, string cMap)
            {
                if (!cs.TryGetValue(file, out BpfObject? a) || !c.TryGetValue(file, out BpfObject? b)) return;
                var x = a.GetMap<uint, ulong>(csMap).OrderBy(kv => kv.Key).ToList();
                var y = b.GetMap<uint, ulong>(cMap).OrderBy(kv => kv.Key).ToList();
                if (!x.SequenceEqual(y))
                    throw new BpfException($"{file}: the C# and C twins disagree ({csMap}: {string.Join(",", x)} vs {cMap}: {string.Join(",", y)}).");
            }
            Same("counter_array", "Count", "count");
            Same("histogram_log2", "Buckets", "buckets");
            Same("branchy", "Classes", "classes");
            Same("filter_pid", "Hits", "hits");
            Same("arith_mix", "Out", "out");
        }

        private string CompileC(string name, string compiler)
        {
            string src = Path.Combine(AppContext.BaseDirectory, "c", name + ".bpf.c");
            string obj = Path.Combine(_work, name + "." + compiler + ".bpf.o");
            if (File.Exists(obj)) return obj;
            string err = Tool(compiler, $"-O2 -g -target bpf -mcpu=v3 -c {src} -o {obj}", out int code);
            if (code != 0) throw new BpfException($"{compiler} failed on {src}:\n{err}");
            return obj;
        }

        private static string Tool(string file, string arguments) => Tool(file, arguments, out _);

        private static string Tool(string file, string arguments, out int exitCode)
        {
            var psi = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
            try
            {
                using Process p = Process.Start(psi)!;
                string o = p.StandardOutput.ReadToEnd();
                string e = p.StandardError.ReadToEnd();
                p.WaitForExit();
                exitCode = p.ExitCode;
                return exitCode == 0 ? o : e + o;
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                throw new BpfException($"Cannot run {file}: {ex.Message}. Install it (scripts/prepare-machine.sh installs clang-14 and llvm-14; apt-get install clang-19 for the other reference).");
            }
        }

        private static void MountTracefs()
        {
            if (BpfSystem.TracefsPath != null) return;
            Directory.CreateDirectory("/sys/kernel/tracing");
            if (Native.mount("nodev", "/sys/kernel/tracing", "tracefs", 0, IntPtr.Zero) != 0)
                throw new BpfException("mount -t tracefs nodev /sys/kernel/tracing failed: errno " + Marshal.GetLastPInvokeError());
        }
    }
}

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using Xunit;

namespace BpfDotnet.Loader.Tests
{
    /// <summary>
    /// A fact that needs root and a real kernel. It is skipped when not running as root, unless
    /// BPFDOTNET_REQUIRE_KERNEL=1, in which case it runs (and fails) so CI cannot silently skip it.
    /// </summary>
    public sealed class KernelFactAttribute : FactAttribute
    {
        public KernelFactAttribute() => Skip = Kernel.SkipReason;
    }

    /// <summary>A theory that needs root and a real kernel; skipped like <see cref="KernelFactAttribute"/>.</summary>
    public sealed class KernelTheoryAttribute : TheoryAttribute
    {
        public KernelTheoryAttribute() => Skip = Kernel.SkipReason;
    }

    /// <summary>Kernel prerequisites and the clang helper for the tests.</summary>
    public static class Kernel
    {
        private static readonly Lazy<bool> Mounted = new Lazy<bool>(MountAll, LazyThreadSafetyMode.ExecutionAndPublication);

        [DllImport("libc")]
        private static extern uint geteuid();

        [DllImport("libc", SetLastError = true)]
        private static extern int mount(string source, string target, string fstype, ulong flags, IntPtr data);

        public static bool IsRoot => geteuid() == 0;

        /// <summary>Runs a tool and returns its exit code and what it printed (standard output, then standard error).</summary>
        public static (int ExitCode, string Output) Run(string file, string arguments)
        {
            var psi = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(psi)!;
            var errors = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output + errors.Result);
        }

        /// <summary>
        /// Compiles a C program that includes <paramref name="includes"/> and prints each of <paramref name="expressions"/> as a
        /// number, runs it, and returns the numbers: what the machine's kernel headers say, to check our declarations against.
        /// </summary>
        public static long[] HeaderValues(string name, IEnumerable<string> includes, IReadOnlyList<string> expressions)
        {
            string dir = Path.Combine(Path.GetTempPath(), "bpfdotnet-" + name + "-" + Environment.ProcessId);
            Directory.CreateDirectory(dir);
            string source = Path.Combine(dir, name + ".c"), program = Path.Combine(dir, name);
            File.WriteAllText(source, string.Concat(includes.Select(i => "#include <" + i + ">\n")) + "#include <stdio.h>\nint main(void) {\n"
                + string.Concat(expressions.Select(e => $"    printf(\"%lld\\n\", (long long)({e}));\n")) + "    return 0;\n}\n");
            var (exit, output) = Run("gcc", $"-o {program} {source}");
            Assert.True(exit == 0, "gcc failed (is linux-libc-dev installed?): " + output);
            (exit, output) = Run(program, "");
            Assert.Equal(0, exit);
            var values = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToArray();
            Assert.Equal(expressions.Count, values.Length);
            return values;
        }

        /// <summary>The repository root: the directory above the test assembly that holds BpfDotnet.sln.</summary>
        public static string RepoRoot
        {
            get
            {
                for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                {
                    if (File.Exists(Path.Combine(dir.FullName, "BpfDotnet.sln"))) return dir.FullName;
                }
                throw new InvalidOperationException("BpfDotnet.sln not found above " + AppContext.BaseDirectory);
            }
        }

        /// <summary>Why kernel tests are skipped (not root), or null when they run: always under BPFDOTNET_REQUIRE_KERNEL=1.</summary>
        public static string? SkipReason => !IsRoot && Environment.GetEnvironmentVariable("BPFDOTNET_REQUIRE_KERNEL") != "1"
            ? "Needs root (bpf(2), perf_event_open(2)); set BPFDOTNET_REQUIRE_KERNEL=1 to make this a failure instead."
            : null;

        /// <summary>Mounts tracefs and bpffs when they are not mounted yet (fresh machines do not mount them).</summary>
        public static void Require()
        {
            Assert.True(IsRoot, "The kernel tests need root (or BPFDOTNET_REQUIRE_KERNEL is set on a non-root run).");
            _ = Mounted.Value;
        }

        private static bool MountAll()
        {
            if (!Directory.Exists("/sys/kernel/tracing/events"))
            {
                Directory.CreateDirectory("/sys/kernel/tracing");
                if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, IntPtr.Zero) != 0)
                    throw new InvalidOperationException("mount -t tracefs nodev /sys/kernel/tracing failed: errno " + Marshal.GetLastPInvokeError());
            }
            if (!File.ReadAllText("/proc/mounts").Contains(" /sys/fs/bpf bpf "))
            {
                if (mount("bpf", "/sys/fs/bpf", "bpf", 0, IntPtr.Zero) != 0)
                    throw new InvalidOperationException("mount -t bpf bpf /sys/fs/bpf failed: errno " + Marshal.GetLastPInvokeError());
            }
            return true;
        }

        /// <summary>Declarations the test programs share instead of libbpf's headers.</summary>
        public const string Prelude = @"
typedef unsigned int __u32;
typedef unsigned long long __u64;
#define SEC(n) __attribute__((section(n), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define BPF_MAP_TYPE_HASH 1
#define BPF_MAP_TYPE_ARRAY 2
#define BPF_NOEXIST 1
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value, __u64 flags) = (void *)2;
static __u64 (*bpf_get_current_pid_tgid)(void) = (void *)14;
char LICENSE[] SEC(""license"") = ""GPL"";
";

        private static readonly string WorkDir = Path.Combine(Path.GetTempPath(), "bpfdotnet-loader-tests-" + Environment.ProcessId);

        /// <summary>Compiles C source with clang-14 -O2 -g -target bpf -mcpu=v3 and returns the object path.</summary>
        public static string CompileC(string name, string source)
        {
            Directory.CreateDirectory(WorkDir);
            string c = Path.Combine(WorkDir, name + ".c"), o = Path.Combine(WorkDir, name + ".bpf.o");
            File.WriteAllText(c, Prelude + source);
            var (exit, output) = Run("clang-14", $"-O2 -g -target bpf -mcpu=v3 -c {c} -o {o}");
            Assert.True(exit == 0, "clang-14 failed: " + output);
            return o;
        }
    }
}

using System;
using System.IO;
using System.Linq;
using BpfDotnet.Loader.Tests;
using Xunit;
using Xunit.Abstractions;

namespace BpfDotnet.Compiler.Tests
{
    public class OpenatCounterTests
    {
        private readonly ITestOutputHelper _output;

        public OpenatCounterTests(ITestOutputHelper output) => _output = output;

        private const string Source = @"
public static partial class Counter
{
    [BpfMap(MaxEntries = 1024)] public static BpfHashMap<uint, ulong> Counts = new();

    [BpfProgram, Tracepoint(""syscalls"", ""sys_enter_openat"")]
    public static int OnOpenat(ref SysEnterArgs ctx)
    {
        uint pid = (uint)(Bpf.GetCurrentPidTgid() >> 32);
        ref ulong count = ref Counts.GetValueRefOrNullRef(pid);
        if (Unsafe.IsNullRef(ref count))
        {
            Counts.Update(pid, 1, BpfUpdateFlags.NoExist);
        }
        else
        {
            Interlocked.Increment(ref count);
        }
        return 0;
    }
}";

        [KernelFact]
        public void CountsOpenatCallsOfThisProcess()
        {
            Kernel.Require();
            var elf = ProbeBuilder.BuildObject(Source);
            File.WriteAllBytes(Path.Combine(Path.GetTempPath(), "counter.bpf.o"), elf);
            using var probe = BpfObject.Load(elf);
            using var link = probe.GetProgram("OnOpenat").Attach();
            const int n = 25;
            for (int i = 0; i < n; i++) File.OpenHandle("/proc/self/stat").Dispose();
            var counts = probe.GetMap<uint, ulong>("Counts");
            Assert.True(counts.TryGetValue((uint)Environment.ProcessId, out var seen), "no entry for this process");
            Assert.True(seen >= n, $"counted {seen} openat calls, expected at least {n}");
        }
    }
}

using System;
using System.Linq;
using System.Runtime.InteropServices;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Per-CPU and LRU maps, fed by real getpgid(2) calls and read back through their generated handles.</summary>
    [Collection("kernel")]
    public class PerCpuAndLruMapTests
    {
        private const int Calls = 100;

        private static CpuMaps.Loaded Run()
        {
            var probe = CpuMaps.Load(new() { TargetPid = (uint)Environment.ProcessId });
            probe.AttachAll();
            for (int i = 0; i < Calls; i++) Syscalls.Getpgid(i);
            return probe;
        }

        [KernelFact]
        public void PerCpuMaps_HoldAValuePerPossibleCpu_ThatAddUpToEveryCall()
        {
            Kernel.Require();
            using var probe = Run();
            Assert.Equal(BpfSystem.GetPossibleCpuCount(), probe.Calls.CpuCount);
            var perCpu = probe.Calls[0];
            Assert.Equal(probe.Calls.CpuCount, perCpu.Length);
            Assert.Equal((ulong)Calls, perCpu.Aggregate(0UL, (a, b) => a + b));
            Assert.Equal((ulong)Calls, probe.Calls.Sum(0u));
            for (long residue = 0; residue < 4; residue++) Assert.Equal((ulong)(Calls / 4), probe.ByResidue.Sum(residue));
            Assert.Equal(new long[] { 0, 1, 2, 3 }, probe.ByResidue.Keys.OrderBy(k => k));
        }

        [KernelFact]
        public void LruMaps_EvictOldEntriesInsteadOfRefusingNewOnes()
        {
            Kernel.Require();
            using var probe = Run();
            Assert.Equal(0, probe.UpdateFailures[0]);
            var recent = probe.Recent.ToList();
            Assert.InRange(recent.Count, 1, 8);
            // The newest key is kept, with its value; the oldest went.
            Assert.Equal((Calls - 1) * 10L, probe.Recent[Calls - 1]);
            Assert.False(probe.Recent.TryGetValue(0, out _));
            Assert.InRange(probe.RecentPerCpu.Keys.Count(), 1, 8);
            Assert.Equal(Calls - 1L, probe.RecentPerCpu[Calls - 1].Max());
        }
    }
}

using System;
using System.Diagnostics;
using System.Linq;
using BpfDotnet.Loader.Tests;
using Xunit;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>A perf event program sampling the CPU clock on every CPU while this process spins.</summary>
    [Collection("kernel")]
    public class PerfEventTests
    {
        [KernelFact]
        public void CpuClockSamples_RunTheProgram_WithThePeriodAndTheInstructionAddress()
        {
            Kernel.Require();
            int linksBefore = BpfSystem.GetLinkIds().Count;
            using (var probe = Sampler.Load(new() { TargetPid = (uint)Environment.ProcessId }))
            {
                using var link = probe.OnSample.AttachPerfEvent(SoftwareEvent.CpuClock, frequency: 1000);
                Assert.Contains("1000 Hz", link.Description);
                // One link per possible CPU (all online here).
                Assert.Equal(linksBefore + BpfSystem.GetPossibleCpuCount(), BpfSystem.GetLinkIds().Count);
                var clock = Stopwatch.StartNew();
                ulong spin = 0;
                while (clock.ElapsedMilliseconds < 500) spin += (ulong)clock.ElapsedTicks;
                Assert.NotEqual(0UL, spin);
                ulong mine = probe.Samples[0];
                // 500 ms on one CPU at 1000 Hz: about 500 samples; the kernel throttles and starts late, so ask for 100.
                Assert.True(mine >= 100, $"{mine} samples of this process ({probe.Samples[3]} in all)");
                Assert.True(probe.Samples[1] > 0, "sample period 0");
                Assert.True(probe.Samples[2] != 0, "instruction address 0");
            }
            Assert.Equal(linksBefore, BpfSystem.GetLinkIds().Count);
        }

        [KernelFact]
        public void AProgramOfAnotherType_IsRefusedWithWhatItNeeds()
        {
            Kernel.Require();
            using var probe = LibcProbes.Load(new() { TargetPid = 1 });
            var e = Assert.Throws<BpfException>(() => probe.OnEntry.AttachPerfEvent(SoftwareEvent.CpuClock, frequency: 99));
            Assert.Contains("perf_event", e.Message);
            Assert.Throws<ArgumentException>(() => probe.OnEntry.AttachPerfEvent(SoftwareEvent.CpuClock));
        }
    }
}

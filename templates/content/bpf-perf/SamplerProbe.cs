using System.Runtime.CompilerServices;
using BpfDotnet;

namespace BpfPerf;

/// <summary>The kernel side, compiled to eBPF at build time: counts CPU-clock samples per process.</summary>
public static partial class SamplerProbe
{
    /// <summary>Samples per process id (0: the CPU was idle), shared with user space.</summary>
    [BpfMap(MaxEntries = 10240)]
    public static BpfHashMap<uint, ulong> Samples = new();

    /// <summary>Runs on every sample of the perf event it is attached to, on the CPU the sample was taken on.</summary>
    [BpfProgram, Section("perf_event")]
    public static int OnSample(ref PerfEventData ctx)
    {
        uint pid = (uint)(Bpf.GetCurrentPidTgid() >> 32);
        ref ulong count = ref Samples.GetValueRefOrNullRef(pid);
        if (Unsafe.IsNullRef(ref count))
        {
            Samples.Update(pid, 1, BpfUpdateFlags.NoExist);
        }
        else
        {
            Interlocked.Increment(ref count);
        }
        return 0;
    }
}

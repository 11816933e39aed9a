using System.Numerics;
using System.Runtime.CompilerServices;
using System.Threading;
using BpfDotnet;

namespace MallocStat;

/// <summary>Counts libc malloc calls and bytes per process, and the requests' sizes as a log2 histogram.</summary>
public static partial class MallocProbe
{
    /// <summary>What one process asked malloc for.</summary>
    public struct Usage
    {
        public ulong Calls;
        public ulong Bytes;
        public TaskComm Comm;
    }

    /// <summary>The number of histogram slots: sizes of 2^63 bytes and more share the last.</summary>
    public const int Slots = 64;

    /// <summary>The process to count; 0 counts every process that calls this libc's malloc.</summary>
    public static readonly uint TargetPid;

    [BpfMap(MaxEntries = 10240)]
    public static BpfHashMap<uint, Usage> ByProcess = new();

    [BpfMap(MaxEntries = Slots)]
    public static BpfPerCpuArrayMap<ulong> Sizes = new(Slots);

    [BpfProgram, Uprobe("libc", "malloc")]
    public static int OnMalloc(ref PtRegs ctx)
    {
        uint pid = (uint)(Bpf.GetCurrentPidTgid() >> 32);
        if (TargetPid != 0 && pid != TargetPid) return 0;
        ulong size = ctx.Arg(0);
        ref Usage usage = ref ByProcess.GetValueRefOrNullRef(pid);
        if (Unsafe.IsNullRef(ref usage))
        {
            var first = new Usage { Calls = 1, Bytes = size };
            Bpf.GetCurrentComm(out first.Comm);
            ByProcess.Update(pid, first);
        }
        else
        {
            Interlocked.Increment(ref usage.Calls);
            Interlocked.Add(ref usage.Bytes, size);
        }
        ref ulong slot = ref Sizes.GetValueRefOrNullRef((uint)BitOperations.Log2(size));
        if (!Unsafe.IsNullRef(ref slot)) slot++;
        return 0;
    }
}

using System.Runtime.CompilerServices;
using BpfDotnet;

namespace BpfUprobe;

/// <summary>Calls of malloc and the bytes they asked for, of one process.</summary>
public struct MallocStats
{
    public ulong Calls;
    public ulong Bytes;
}

/// <summary>The kernel side, compiled to eBPF at build time: a uprobe on libc's malloc, in every process that calls it.</summary>
public static partial class MallocProbe
{
    /// <summary>malloc calls and bytes per process id, shared with user space.</summary>
    [BpfMap(MaxEntries = 10240)]
    public static BpfHashMap<uint, MallocStats> Stats = new();

    /// <summary>Runs at the entry of malloc(size_t size): its first argument is the size.</summary>
    [BpfProgram, Uprobe("libc", "malloc")]
    public static int OnMalloc(ref PtRegs ctx)
    {
        uint pid = (uint)(Bpf.GetCurrentPidTgid() >> 32);
        ulong size = ctx.Arg(0);
        ref MallocStats stats = ref Stats.GetValueRefOrNullRef(pid);
        if (Unsafe.IsNullRef(ref stats))
        {
            Stats.Update(pid, new MallocStats { Calls = 1, Bytes = size }, BpfUpdateFlags.NoExist);
        }
        else
        {
            Interlocked.Increment(ref stats.Calls);
            Interlocked.Add(ref stats.Bytes, size);
        }
        return 0;
    }
}

using System.Runtime.CompilerServices;
using BpfDotnet;

namespace BpfTracepoint;

/// <summary>The kernel side, compiled to eBPF at build time: counts openat(2) calls per process.</summary>
public static partial class OpenatProbe
{
    /// <summary>openat(2) calls per process id, shared with user space.</summary>
    [BpfMap(MaxEntries = 10240)]
    public static BpfHashMap<uint, ulong> Counts = new();

    /// <summary>Runs in the kernel on every openat(2) entry, on every CPU.</summary>
    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
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
}

using System.Runtime.CompilerServices;
using BpfDotnet;

namespace BpfKprobe;

/// <summary>Opens of one process: all of them, and those relative to its working directory (AT_FDCWD).</summary>
public struct OpenStats
{
    public ulong Calls;
    public ulong FromWorkingDirectory;
}

/// <summary>
/// The kernel side, compiled to eBPF at build time: a kprobe on the kernel function every open goes through, and the
/// openat(2) tracepoint for kernels without kprobes. Both count into the same map.
/// </summary>
public static partial class OpenProbe
{
    /// <summary>The directory descriptor that means "relative to the working directory".</summary>
    private const int AtFdcwd = -100;

    /// <summary>Opens per process id, shared with user space.</summary>
    [BpfMap(MaxEntries = 10240)]
    public static BpfHashMap<uint, OpenStats> Stats = new();

    /// <summary>Runs at the entry of do_sys_openat2(int dfd, const char __user *filename, struct open_how *how).</summary>
    [BpfProgram, Kprobe("do_sys_openat2")]
    public static int OnOpenKprobe(ref PtRegs ctx)
    {
        Count((int)ctx.Arg(0));
        return 0;
    }

    /// <summary>The same count from the openat(2) tracepoint, whose first argument is the same dfd.</summary>
    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
    public static int OnOpenTracepoint(ref SysEnterArgs ctx)
    {
        Count((int)ctx.Arg0);
        return 0;
    }

    private static void Count(int dfd)
    {
        uint pid = (uint)(Bpf.GetCurrentPidTgid() >> 32);
        ulong relative = dfd == AtFdcwd ? 1UL : 0UL;
        ref OpenStats stats = ref Stats.GetValueRefOrNullRef(pid);
        if (Unsafe.IsNullRef(ref stats))
        {
            Stats.Update(pid, new OpenStats { Calls = 1, FromWorkingDirectory = relative }, BpfUpdateFlags.NoExist);
        }
        else
        {
            Interlocked.Increment(ref stats.Calls);
            Interlocked.Add(ref stats.FromWorkingDirectory, relative);
        }
    }
}

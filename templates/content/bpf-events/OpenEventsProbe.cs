using System.Runtime.CompilerServices;
using BpfDotnet;

namespace BpfEvents;

/// <summary>A path's bytes, NUL-terminated.</summary>
[InlineArray(128)]
public struct PathBytes
{
    private byte _element;
}

/// <summary>One openat(2) call, as the kernel side sends it.</summary>
public struct OpenEvent
{
    public uint Pid;
    public long Result;
    public TaskComm Comm;
    public PathBytes Path;
}

/// <summary>The kernel side, compiled to eBPF at build time: each openat(2) call, sent when it returns.</summary>
public static partial class OpenEventsProbe
{
    /// <summary>Where each thread's call keeps its path until the call returns.</summary>
    [BpfMap(MaxEntries = 10240)]
    public static BpfHashMap<uint, long> PathArguments = new();

    /// <summary>The events, shared with user space (256 KiB).</summary>
    [BpfMap(MaxEntries = 256 * 1024)]
    public static BpfRingBuffer<OpenEvent> Events = new();

    [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
    public static int OnEnter(ref SysEnterArgs ctx)
    {
        PathArguments.Update((uint)Bpf.GetCurrentPidTgid(), ctx.Arg1);
        return 0;
    }

    [BpfProgram, Tracepoint("syscalls", "sys_exit_openat")]
    public static int OnExit(ref SysExitArgs ctx)
    {
        ulong pidTgid = Bpf.GetCurrentPidTgid();
        uint tid = (uint)pidTgid;
        ref long path = ref PathArguments.GetValueRefOrNullRef(tid);
        if (Unsafe.IsNullRef(ref path)) return 0;
        // A record reserved in the ring buffer must be submitted or discarded on every path (BPF0018 otherwise).
        ref OpenEvent e = ref Events.Reserve();
        if (!Unsafe.IsNullRef(ref e))
        {
            e.Pid = (uint)(pidTgid >> 32);
            e.Result = ctx.Ret;
            Bpf.GetCurrentComm(out e.Comm);
            Bpf.ProbeReadUserString(new UserPointer(path), e.Path);
            Events.Submit(ref e);
        }
        PathArguments.Delete(tid);
        return 0;
    }
}

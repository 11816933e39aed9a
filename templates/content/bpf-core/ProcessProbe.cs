using System.Runtime.CompilerServices;
using BpfDotnet;

namespace BpfCore;

/// <summary>System calls of one process, and its parent.</summary>
public struct ProcessCalls
{
    public ulong Calls;
    public int ParentPid;
}

/// <summary>The kernel side, compiled to eBPF at build time: counts system calls per process, with its parent read from task_struct.</summary>
public static unsafe partial class ProcessProbe
{
    /// <summary>Calls per process id, shared with user space.</summary>
    [BpfMap(MaxEntries = 10240)]
    public static BpfHashMap<int, ProcessCalls> Processes = new();

    /// <summary>Runs in the kernel on every system call entry.</summary>
    [BpfProgram, Section("raw_tp/sys_enter")]
    public static int OnSysEnter(ref RawTracepointArgs ctx)
    {
        TaskStruct* task = (TaskStruct*)Bpf.GetCurrentTask();
        int pid = task->Tgid;
        ref ProcessCalls calls = ref Processes.GetValueRefOrNullRef(pid);
        if (Unsafe.IsNullRef(ref calls))
        {
            // task->real_parent->tgid, at the running kernel's offsets.
            var first = new ProcessCalls { Calls = 1, ParentPid = task->RealParent->Tgid };
            Processes.Update(pid, first, BpfUpdateFlags.NoExist);
        }
        else
        {
            Interlocked.Increment(ref calls.Calls);
        }
        return 0;
    }
}

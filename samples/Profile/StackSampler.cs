using System.Runtime.CompilerServices;
using System.Threading;
using BpfDotnet;

namespace Profile;

/// <summary>Samples the running task on every CPU: counts each (process, user stack, kernel stack) seen.</summary>
public static partial class StackSampler
{
    /// <summary>Only this process (0: every process).</summary>
    public static readonly uint TargetPid;

    /// <summary>What a sample saw.</summary>
    public struct StackKey
    {
        public uint Pid;
        /// <summary>The user stack's id in <see cref="Stacks"/>, or a negative errno (a kernel thread has none).</summary>
        public int UserStack;
        /// <summary>The kernel stack's id, or a negative errno.</summary>
        public int KernelStack;
        public TaskComm Comm;
    }

    [BpfMap(MaxEntries = 16384)]
    public static BpfStackTraceMap Stacks = new();

    [BpfMap(MaxEntries = 40960)]
    public static BpfHashMap<StackKey, ulong> Counts = new();

    [BpfProgram, Section("perf_event")]
    public static int OnSample(ref PerfEventData ctx)
    {
        uint pid = (uint)(Bpf.GetCurrentPidTgid() >> 32);
        if (pid == 0 || (TargetPid != 0 && pid != TargetPid)) return 0;
        var key = new StackKey
        {
            Pid = pid,
            UserStack = (int)Stacks.GetStackId(ref ctx, StackTraceFlags.UserStack),
            KernelStack = (int)Stacks.GetStackId(ref ctx, StackTraceFlags.Kernel),
        };
        Bpf.GetCurrentComm(out key.Comm);
        ref ulong count = ref Counts.GetValueRefOrNullRef(key);
        if (Unsafe.IsNullRef(ref count)) Counts.Update(key, 1, BpfUpdateFlags.NoExist);
        else Interlocked.Increment(ref count);
        return 0;
    }
}

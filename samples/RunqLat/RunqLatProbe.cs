using System.Runtime.CompilerServices;
using BpfDotnet;

namespace RunqLat
{
    /// <summary>The record of the <c>sched:sched_wakeup</c> and <c>sched:sched_wakeup_new</c> tracepoints.</summary>
    public struct SchedWakeupArgs
    {
        public ushort CommonType;
        public byte CommonFlags;
        public byte CommonPreemptCount;
        public int CommonPid;
        public TaskComm Comm;
        public int Pid;
        public int Prio;
        public int TargetCpu;
    }

    /// <summary>The record of the <c>sched:sched_switch</c> tracepoint.</summary>
    public struct SchedSwitchArgs
    {
        public ushort CommonType;
        public byte CommonFlags;
        public byte CommonPreemptCount;
        public int CommonPid;
        public TaskComm PrevComm;
        public int PrevPid;
        public int PrevPrio;
        public long PrevState;
        public TaskComm NextComm;
        public int NextPid;
        public int NextPrio;
    }

    /// <summary>
    /// Run-queue latency: when a task is woken (or preempted while runnable) the time is kept by thread id; when the
    /// scheduler switches to it, the wait is added to a log2 histogram of microseconds (or milliseconds) in a per-CPU
    /// array, one slot per power of two, which user space sums over the CPUs.
    /// </summary>
    public static partial class RunqLatProbe
    {
        /// <summary>The number of histogram slots (waits of 2^63 units and more share the last).</summary>
        public const int Slots = 64;

        /// <summary>True to count milliseconds instead of microseconds.</summary>
        public static readonly bool Milliseconds;

        /// <summary>The thread group (process) whose threads are counted; 0 counts every task.</summary>
        public static readonly int TargetTgid;

        [BpfMap(MaxEntries = 10240)]
        public static BpfHashMap<int, ulong> Enqueued = new();

        [BpfMap(MaxEntries = Slots)]
        public static BpfPerCpuArrayMap<ulong> Histogram = new(Slots);

        /// <summary>Threads of the target process, put in by user space (empty when every task is counted).</summary>
        [BpfMap(MaxEntries = 4096)]
        public static BpfHashMap<int, byte> Threads = new();

        private static void Enqueue(int pid)
        {
            if (pid == 0) return;
            if (TargetTgid != 0 && Unsafe.IsNullRef(ref Threads.GetValueRefOrNullRef(pid))) return;
            ulong now = Bpf.KtimeGetNs();
            Enqueued.Update(pid, now);
        }

        [BpfProgram, Tracepoint("sched", "sched_wakeup")]
        public static int OnWakeup(ref SchedWakeupArgs ctx)
        {
            Enqueue(ctx.Pid);
            return 0;
        }

        [BpfProgram, Tracepoint("sched", "sched_wakeup_new")]
        public static int OnWakeupNew(ref SchedWakeupArgs ctx)
        {
            Enqueue(ctx.Pid);
            return 0;
        }

        [BpfProgram, Tracepoint("sched", "sched_switch")]
        public static int OnSwitch(ref SchedSwitchArgs ctx)
        {
            // A task switched out while still runnable (TASK_RUNNING: preempted) waits in the queue from now on.
            if (ctx.PrevState == 0) Enqueue(ctx.PrevPid);

            int next = ctx.NextPid;
            ref ulong since = ref Enqueued.GetValueRefOrNullRef(next);
            if (Unsafe.IsNullRef(ref since)) return 0;
            ulong waited = Bpf.KtimeGetNs() - since;
            Enqueued.Delete(next);
            waited /= Milliseconds ? 1_000_000UL : 1_000UL;

            uint slot = 0;
            while (waited > 1 && slot < Slots - 1)
            {
                waited >>= 1;
                slot++;
            }
            ref ulong count = ref Histogram.GetValueRefOrNullRef(slot);
            if (!Unsafe.IsNullRef(ref count)) count++;
            return 0;
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BpfDotnet;

namespace ExecSnoop
{
    /// <summary>One argument's bytes (as libbpf-tools' execsnoop, up to 127 characters and a NUL).</summary>
    [InlineArray(128)]
    public struct ArgumentBytes
    {
        private byte _element;
    }

    /// <summary>The first arguments of a call.</summary>
    [InlineArray(ExecSnoopProbe.MaxArguments)]
    public struct Arguments
    {
        private ArgumentBytes _element;
    }

    /// <summary>
    /// The two members of the kernel's task_struct this tool reads. The offsets are placeholders: the loader moves each read
    /// to where the running kernel's BTF places the member (CO-RE), so one build runs on any kernel.
    /// </summary>
    [BtfName("task_struct")]
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    public unsafe struct Task
    {
        [FieldOffset(0), BtfName("real_parent")] public Task* RealParent;
        [FieldOffset(8), BtfName("tgid")] public int Tgid;
    }

    /// <summary>One execve(2) call: who made it, the program's path, its first arguments, and what it returned.</summary>
    public struct ExecEvent
    {
        public int Pid;
        /// <summary>The parent's process id, read from the kernel's task_struct (<c>task->real_parent->tgid</c>).</summary>
        public int ParentPid;
        public uint Uid;
        public long Ret;
        public int ArgumentCount;
        public TaskComm Comm;
        public ArgumentBytes Path;
        public Arguments Args;
    }

    /// <summary>
    /// Reads each execve(2) call's path and arguments from the caller's memory when it starts (the memory is gone once
    /// the call succeeds), keeps them by thread in a map (the record is too large for the stack), and sends them with
    /// the result through a ring buffer when the call returns.
    /// </summary>
    public static unsafe partial class ExecSnoopProbe
    {
        public const int MaxArguments = 8;

        [BpfMap(MaxEntries = 10240)]
        public static BpfHashMap<uint, ExecEvent> Starts = new();

        [BpfMap(MaxEntries = 1)]
        public static BpfPerCpuArrayMap<ExecEvent> Empty = new(1);

        [BpfMap(MaxEntries = 1024 * 1024)]
        public static BpfRingBuffer<ExecEvent> Events = new();

        [BpfProgram, Tracepoint("syscalls", "sys_enter_execve")]
        public static int OnEnter(ref SysEnterArgs ctx)
        {
            ulong pidTgid = Bpf.GetCurrentPidTgid();
            uint tid = (uint)pidTgid;
            // A zeroed record from a per-CPU slot (never written), copied in as the thread's entry.
            ref ExecEvent empty = ref Empty.GetValueRefOrNullRef(0);
            if (Unsafe.IsNullRef(ref empty)) return 0;
            if (Starts.Update(tid, empty) != 0) return 0;
            ref ExecEvent e = ref Starts.GetValueRefOrNullRef(tid);
            if (Unsafe.IsNullRef(ref e)) return 0;
            e.Pid = (int)(pidTgid >> 32);
            Task* task = (Task*)Bpf.GetCurrentTask();
            e.ParentPid = task->RealParent->Tgid;
            e.Uid = (uint)Bpf.GetCurrentUidGid();
            Bpf.GetCurrentComm(out e.Comm);
            Bpf.ProbeReadUserString(new UserPointer(ctx.Arg0), e.Path);
            long argv = ctx.Arg1;
            for (int i = 0; i < MaxArguments; i++)
            {
                if (Bpf.ProbeReadUser(new UserPointer(argv + i * 8), out long argument) != 0 || argument == 0) break;
                Bpf.ProbeReadUserString(new UserPointer(argument), e.Args[i]);
                e.ArgumentCount = i + 1;
            }
            return 0;
        }

        [BpfProgram, Tracepoint("syscalls", "sys_exit_execve")]
        public static int OnExit(ref SysExitArgs ctx)
        {
            uint tid = (uint)Bpf.GetCurrentPidTgid();
            ref ExecEvent e = ref Starts.GetValueRefOrNullRef(tid);
            if (Unsafe.IsNullRef(ref e)) return 0;
            e.Ret = ctx.Ret;
            // After a successful exec, the task has the new program's name.
            Bpf.GetCurrentComm(out e.Comm);
            Events.Output(e);
            Starts.Delete(tid);
            return 0;
        }
    }
}

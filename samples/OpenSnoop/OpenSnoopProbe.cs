using System.Runtime.CompilerServices;
using BpfDotnet;

namespace OpenSnoop
{
    /// <summary>The path bytes of an event (as libbpf-tools' opensnoop, 255 characters and a NUL).</summary>
    [InlineArray(256)]
    public struct PathBuffer
    {
        private byte _element;
    }

    /// <summary>What an openat(2) call started with, kept by thread until it returns.</summary>
    public struct OpenStart
    {
        public long Path;
        public int Flags;
    }

    /// <summary>One openat(2) call, sent to user space when it returns.</summary>
    public struct OpenEvent
    {
        public int Pid;
        public int Tid;
        public uint Uid;
        public int Flags;
        public long Ret;
        public TaskComm Comm;
        public PathBuffer Path;
    }

    /// <summary>
    /// Records where each openat(2) call's path is when it starts, and sends the call, its result and the path (read
    /// from the caller's memory) through a ring buffer when it returns.
    /// </summary>
    public static partial class OpenSnoopProbe
    {
        /// <summary>The process to trace; 0 traces every process.</summary>
        public static readonly uint TargetPid;

        [BpfMap(MaxEntries = 10240)]
        public static BpfHashMap<uint, OpenStart> Starts = new();

        [BpfMap(MaxEntries = 256 * 1024)]
        public static BpfRingBuffer<OpenEvent> Events = new();

        [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
        public static int OnEnter(ref SysEnterArgs ctx)
        {
            ulong pidTgid = Bpf.GetCurrentPidTgid();
            if (TargetPid != 0 && (uint)(pidTgid >> 32) != TargetPid) return 0;
            var start = new OpenStart { Path = ctx.Arg1, Flags = (int)ctx.Arg2 };
            Starts.Update((uint)pidTgid, start);
            return 0;
        }

        [BpfProgram, Tracepoint("syscalls", "sys_exit_openat")]
        public static int OnExit(ref SysExitArgs ctx)
        {
            ulong pidTgid = Bpf.GetCurrentPidTgid();
            uint tid = (uint)pidTgid;
            ref OpenStart start = ref Starts.GetValueRefOrNullRef(tid);
            if (Unsafe.IsNullRef(ref start)) return 0;
            ref OpenEvent e = ref Events.Reserve();
            if (!Unsafe.IsNullRef(ref e))
            {
                e.Pid = (int)(pidTgid >> 32);
                e.Tid = (int)tid;
                e.Uid = (uint)Bpf.GetCurrentUidGid();
                e.Flags = start.Flags;
                e.Ret = ctx.Ret;
                Bpf.GetCurrentComm(out e.Comm);
                Bpf.ProbeReadUserString(new UserPointer(start.Path), e.Path);
                Events.Submit(ref e);
            }
            Starts.Delete(tid);
            return 0;
        }
    }
}

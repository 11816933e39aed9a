using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using BpfDotnet;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>
    /// The kernel's task_struct as a user might declare a few of its members: at offsets that are deliberately not the
    /// running kernel's (and in another order), so that only relocation makes the reads right.
    /// </summary>
    [BtfName("task_struct")]
    [StructLayout(LayoutKind.Explicit, Size = 24)]
    public unsafe struct SkewedTask
    {
        [FieldOffset(0), BtfName("real_parent")] public SkewedTask* RealParent;
        [FieldOffset(8), BtfName("tgid")] public int Tgid;
        [FieldOffset(12), BtfName("pid")] public int Pid;
        [FieldOffset(16), BtfName("flags")] public uint Flags;
    }

    /// <summary>A task_struct declaration with a member no kernel has.</summary>
    [BtfName("task_struct")]
    [StructLayout(LayoutKind.Explicit, Size = 8)]
    public struct TaskWithAMissingMember
    {
        [FieldOffset(0), BtfName("no_such_member_anywhere")] public int Missing;
    }

    /// <summary>Reads of the current task through kernel pointers, relocated to the running kernel's layout (CO-RE).</summary>
    public static unsafe partial class CoreReads
    {
        /// <summary>The process to watch.</summary>
        public static readonly uint TargetPid;

        /// <summary>Slot 0: the task's tgid; 1: its pid (thread id); 2: its parent's tgid.</summary>
        [BpfMap(MaxEntries = 4)]
        public static BpfArrayMap<long> Seen = new(4);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnGetpgid(ref SysEnterArgs ctx)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid) return 0;
            SkewedTask* task = (SkewedTask*)Bpf.GetCurrentTask();
            Seen.Update(0, task->Tgid);
            Seen.Update(1, task->Pid);
            SkewedTask* parent = task->RealParent;
            Seen.Update(2, parent->Tgid);
            return 0;
        }
    }

    /// <summary>A task_struct declared under a libbpf flavor name (the part from "___" is not the kernel's).</summary>
    [BtfName("task_struct___renamed")]
    [StructLayout(LayoutKind.Explicit, Size = 8)]
    public struct FlavoredTask
    {
        [FieldOffset(4), BtfName("tgid")] public int Tgid;
    }

    /// <summary>Reads guarded by Core.FieldExists: a member the kernel has, and one it does not; and one through a flavored declaration.</summary>
    public static unsafe partial class GuardedReads
    {
        public static readonly uint TargetPid;

        /// <summary>Slot 0: the missing member, or -1; 1: whether tgid exists; 2: tgid through the flavored declaration.</summary>
        [BpfMap(MaxEntries = 4)]
        public static BpfArrayMap<long> Seen = new(4);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnGetpgid(ref SysEnterArgs ctx)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid) return 0;
            TaskWithAMissingMember* task = (TaskWithAMissingMember*)Bpf.GetCurrentTask();
            if (Core.FieldExists(task->Missing)) Seen.Update(0, task->Missing);
            else Seen.Update(0, -1);
            FlavoredTask* flavored = (FlavoredTask*)Bpf.GetCurrentTask();
            Seen.Update(1, Core.FieldExists(flavored->Tgid) ? 1 : 0);
            Seen.Update(2, flavored->Tgid);
            return 0;
        }
    }

    /// <summary>The members of the kernel's sock_common a TCP tool reads, at placeholder offsets.</summary>
    [BtfName("sock_common")]
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    public struct SockCommon
    {
        [FieldOffset(0), BtfName("skc_daddr")] public uint DestinationAddress;
        [FieldOffset(4), BtfName("skc_rcv_saddr")] public uint SourceAddress;
        [FieldOffset(8), BtfName("skc_dport")] public ushort DestinationPortNetworkOrder;
        [FieldOffset(10), BtfName("skc_num")] public ushort SourcePort;
    }

    /// <summary>The kernel's sock, as far as its sock_common (held by value, as C's sk->__sk_common).</summary>
    [BtfName("sock")]
    [StructLayout(LayoutKind.Explicit, Size = 24)]
    public struct Sock
    {
        [FieldOffset(8), BtfName("__sk_common")] public SockCommon Common;
    }

    /// <summary>TCP state changes of the sockets of one port: the addresses and ports read from the kernel's sock (sk->__sk_common.skc_*).</summary>
    public static unsafe partial class SocketStates
    {
        /// <summary>The local port to watch.</summary>
        public static readonly ushort Port;

        /// <summary>Slot 0: destination address; 1: source address; 2: destination port; 3: changes seen.</summary>
        [BpfMap(MaxEntries = 4)]
        public static BpfArrayMap<long> Seen = new(4);

        [BpfProgram, Section("raw_tracepoint/inet_sock_set_state")]
        public static int OnStateChange(ref RawTracepointArgs ctx)
        {
            Sock* sk = (Sock*)ctx.Arg0;
            if (sk->Common.SourcePort != Port) return 0;
            Seen.Update(0, sk->Common.DestinationAddress);
            Seen.Update(1, sk->Common.SourceAddress);
            Seen.Update(2, BinaryPrimitives.ReverseEndianness(sk->Common.DestinationPortNetworkOrder));
            ref long changes = ref Seen.GetValueRefOrNullRef(3);
            if (!Unsafe.IsNullRef(ref changes)) Interlocked.Increment(ref changes);
            return 0;
        }
    }

    /// <summary>A read of a member the running kernel's task_struct does not have.</summary>
    public static unsafe partial class MissingMemberRead
    {
        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<long> Seen = new(1);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnGetpgid(ref SysEnterArgs ctx)
        {
            TaskWithAMissingMember* task = (TaskWithAMissingMember*)Bpf.GetCurrentTask();
            Seen.Update(0, task->Missing);
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>The kernel's helper ids, declared with a value the running kernel does not give (1 for bpf_loop) and a value it lacks.</summary>
    [BtfName("bpf_func_id")]
    public enum SkewedFuncId : uint
    {
        BPF_FUNC_loop = 1,
        [BtfName("BPF_FUNC_no_such_helper_anywhere")] NoSuchHelper = 2,
    }

    /// <summary>An enum no kernel has.</summary>
    [BtfName("no_such_enum_anywhere")]
    public enum MissingEnum : int
    {
        [BtfName("NO_SUCH_VALUE")] Value = 7,
    }

    /// <summary>A struct no kernel has.</summary>
    [BtfName("no_such_struct_anywhere")]
    [StructLayout(LayoutKind.Explicit, Size = 4)]
    public struct MissingStruct
    {
        [FieldOffset(0), BtfName("x")] public int X;
    }

    /// <summary>A task_struct declaration whose pid is 8 bytes: the kernel's type does not match it.</summary>
    [BtfName("task_struct")]
    [StructLayout(LayoutKind.Explicit, Size = 8)]
    public struct MismatchedTask
    {
        [FieldOffset(0), BtfName("pid")] public long Pid;
    }

    /// <summary>
    /// Every CO-RE question besides member offsets, answered by the loader for the running kernel: member sizes and
    /// signedness, type existence, sizes, ids and matches (a flavored name too), enum values and their existence.
    /// </summary>
    public static unsafe partial class CoreQueries
    {
        public static readonly uint TargetPid;

        /// <summary>The answers, by slot (see the test).</summary>
        [BpfMap(MaxEntries = 16)]
        public static BpfArrayMap<long> Answers = new(16);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnGetpgid(ref SysEnterArgs ctx)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid) return 0;
            SkewedTask* task = (SkewedTask*)Bpf.GetCurrentTask();
            Answers.Update(0, Core.FieldSize(task->Pid));
            Answers.Update(1, Core.FieldSigned(task->Pid) ? 1 : 0);
            Answers.Update(2, Core.FieldSigned(task->Flags) ? 1 : 0);
            Answers.Update(3, Core.TypeExists<SkewedTask>() ? 1 : 0);
            Answers.Update(4, Core.TypeExists<MissingStruct>() ? 1 : 0);
            Answers.Update(5, Core.TypeSize<SkewedTask>());
            Answers.Update(6, Core.TypeSize<FlavoredTask>());
            Answers.Update(7, Core.TypeIdTarget<SkewedTask>());
            Answers.Update(8, Core.TypeIdLocal<SkewedTask>());
            Answers.Update(9, Core.TypeMatches<SkewedTask>() ? 1 : 0);
            Answers.Update(10, Core.TypeMatches<MismatchedTask>() ? 1 : 0);
            Answers.Update(11, Core.EnumValue(SkewedFuncId.BPF_FUNC_loop));
            Answers.Update(12, Core.EnumValueExists(SkewedFuncId.NoSuchHelper) ? 1 : 0);
            Answers.Update(13, Core.EnumValueExists(MissingEnum.Value) ? 1 : 0);
            // Guarded: a kernel without the type or value loads the program and takes the other way.
            Answers.Update(14, Core.TypeExists<MissingStruct>() ? Core.TypeSize<MissingStruct>() : -1);
            Answers.Update(15, Core.EnumValueExists(SkewedFuncId.NoSuchHelper) ? Core.EnumValue(SkewedFuncId.NoSuchHelper) : -1);
            return 0;
        }
    }

    /// <summary>An unguarded question the running kernel cannot answer: refused at load, naming it.</summary>
    public static unsafe partial class UnguardedEnumQuery
    {
        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<long> Answers = new(1);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnGetpgid(ref SysEnterArgs ctx)
        {
            Answers.Update(0, Core.EnumValue(SkewedFuncId.NoSuchHelper));
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>
    /// task_struct's bitfields as KernelTypes.GenerateCSharp declares them (properties over the bytes that hold them),
    /// placed deliberately where the running kernel does not place them: only relocation reads the right bits.
    /// </summary>
    [BtfName("task_struct")]
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    public struct BitfieldTask
    {
        [FieldOffset(0)] private uint _bits0;

        [BtfName("sched_reset_on_fork"), BtfBitfield(3, 1)]
        public uint SchedResetOnFork
        {
            readonly get => (_bits0 >> 3) & 1;
            set => _bits0 = (_bits0 & ~(1u << 3)) | ((value & 1) << 3);
        }

        [BtfName("init_private_fork_class"), BtfBitfield(9, 4)]
        public uint InitPrivateForkClass
        {
            readonly get => (_bits0 >> 9) & 0xf;
            set => _bits0 = (_bits0 & ~(0xfu << 9)) | ((value & 0xf) << 9);
        }

        [FieldOffset(8), BtfName("tgid")] public int Tgid;
    }

    /// <summary>Reads a 1-bit and a 4-bit bitfield of the current task (CO-RE: offset, size and both shifts relocated).</summary>
    public static unsafe partial class BitfieldReads
    {
        public static readonly uint TargetPid;

        /// <summary>Slot 0: sched_reset_on_fork; 1: init_private_fork_class; 2: tgid; 3: calls seen.</summary>
        [BpfMap(MaxEntries = 4)]
        public static BpfArrayMap<long> Seen = new(4);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnGetpgid(ref SysEnterArgs ctx)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid) return 0;
            BitfieldTask* task = (BitfieldTask*)Bpf.GetCurrentTask();
            Seen.Update(0, task->SchedResetOnFork);
            Seen.Update(1, task->InitPrivateForkClass);
            Seen.Update(2, task->Tgid);
            ref long calls = ref Seen.GetValueRefOrNullRef(3);
            if (!Unsafe.IsNullRef(ref calls)) calls++;
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Tracing programs that take the traced function's arguments as parameters (C's BPF_PROG), typed.</summary>
    public static unsafe partial class TypedArguments
    {
        public static readonly uint TargetPid;

        /// <summary>Slot 0: switches to a thread of the process; 1: the tgid read through next; 2: switches seen with prev in the process; 3: getpgid calls.</summary>
        [BpfMap(MaxEntries = 4)]
        public static BpfArrayMap<long> Seen = new(4);

        /// <summary>sched_switch(bool preempt, struct task_struct *prev, struct task_struct *next, unsigned int prev_state).</summary>
        [BpfProgram, Section("tp_btf/sched_switch")]
        public static int OnSwitch(bool preempt, SkewedTask* prev, SkewedTask* next, uint prevState)
        {
            if ((uint)next->Tgid == TargetPid)
            {
                ref long switches = ref Seen.GetValueRefOrNullRef(0);
                if (!Unsafe.IsNullRef(ref switches)) Interlocked.Increment(ref switches);
                Seen.Update(1, next->Tgid);
            }
            if ((uint)prev->Tgid == TargetPid)
            {
                ref long away = ref Seen.GetValueRefOrNullRef(2);
                if (!Unsafe.IsNullRef(ref away)) Interlocked.Increment(ref away);
            }
            return 0;
        }

        /// <summary>sys_enter(struct pt_regs *regs, long id): the system call's number as a parameter.</summary>
        [BpfProgram, Section("raw_tp/sys_enter")]
        public static int OnSysEnter(ulong regs, long id)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid || id != 121) return 0;
            ref long calls = ref Seen.GetValueRefOrNullRef(3);
            if (!Unsafe.IsNullRef(ref calls)) Interlocked.Increment(ref calls);
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>
    /// A classic tracepoint whose context is the kernel's own record type, declared from BTF (trace_event_raw_sys_enter,
    /// by dotnet bpf types): the system call's number and first argument, read where the record has them.
    /// </summary>
    public static unsafe partial class RawRecord
    {
        public static readonly uint TargetPid;

        /// <summary>Slot 0: getpgid calls; 1: the first argument of the last one.</summary>
        [BpfMap(MaxEntries = 2)]
        public static BpfArrayMap<long> Seen = new(2);

        [BpfProgram, Tracepoint("raw_syscalls", "sys_enter")]
        public static int OnSysEnter(ref KernelRecords.TraceEventRawSysEnter ctx)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid || ctx.Id != 121) return 0;
            ref long calls = ref Seen.GetValueRefOrNullRef(0);
            if (!Unsafe.IsNullRef(ref calls)) Interlocked.Increment(ref calls);
            Seen.Update(1, (long)ctx.Args[0]);
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>The one member of the kernel's sk_buff a netfilter program reads here (CO-RE).</summary>
    [BtfName("sk_buff")]
    [StructLayout(LayoutKind.Explicit, Size = 4)]
    public struct PacketBufferLength
    {
        [FieldOffset(0), BtfName("len")] public uint Len;
    }

    /// <summary>A netfilter program on this namespace's IPv4 output: counts packets, drops those of one length.</summary>
    public static unsafe partial class NetfilterDrop
    {
        /// <summary>The IP packet length to drop.</summary>
        public static readonly uint DropLength;

        /// <summary>Slot 0: packets seen; 1: packets dropped.</summary>
        [BpfMap(MaxEntries = 2)]
        public static BpfArrayMap<long> Seen = new(2);

        [BpfProgram, Section("netfilter")]
        public static int OnPacket(ref NetfilterContext ctx)
        {
            ref long seen = ref Seen.GetValueRefOrNullRef(0);
            if (!Unsafe.IsNullRef(ref seen)) Interlocked.Increment(ref seen);
            PacketBufferLength* skb = (PacketBufferLength*)ctx.Skb;
            if (skb->Len != DropLength) return (int)NetfilterVerdict.Accept;
            ref long dropped = ref Seen.GetValueRefOrNullRef(1);
            if (!Unsafe.IsNullRef(ref dropped)) Interlocked.Increment(ref dropped);
            return (int)NetfilterVerdict.Drop;
        }
    }
}

using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Threading;

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Per-process openat counter, as a user would write it.</summary>
    public static partial class OpenCounter
    {
        [BpfMap(MaxEntries = 4096)]
        public static BpfHashMap<uint, ulong> Counts = new();

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

    /// <summary>Value type shared by the probe and the test.</summary>
    public struct OpenStats
    {
        public ulong Calls;
        public ulong FlagsSeen;
        public long LastMode;
        public uint Cpu;
        public uint Uid;
        public ulong FirstNs;
        public ulong LastNs;
        public TaskComm Comm;
    }

    /// <summary>
    /// Exercises struct values, context fields, helpers, ?:, &amp;&amp;/||, early return and integer widths.
    /// Only events of the thread whose id is in <see cref="Filter"/>[0] are recorded.
    /// </summary>
    public static partial class OpenStatsProbe
    {
        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<uint> Filter = new();

        [BpfMap(MaxEntries = 64)]
        public static BpfHashMap<uint, OpenStats> Stats = new();

        [BpfMap(MaxEntries = 16)]
        public static BpfArrayMap<long> Results = new(16);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
        public static int OnOpenat(ref SysEnterArgs ctx)
        {
            uint tid = (uint)Bpf.GetCurrentPidTgid();
            if (!Filter.TryGetValue(0, out uint wanted) || wanted != tid) return 0;

            long mode = ctx.Arg3;
            int flags = (int)ctx.Arg2;
            ulong now = Bpf.KtimeGetNs();
            ref OpenStats stats = ref Stats.GetValueRefOrNullRef(tid);
            if (Unsafe.IsNullRef(ref stats))
            {
                OpenStats fresh = default;
                fresh.Calls = 1;
                fresh.FlagsSeen = (ulong)flags;
                fresh.LastMode = mode;
                fresh.Cpu = Bpf.GetSmpProcessorId();
                fresh.Uid = (uint)Bpf.GetCurrentUidGid();
                fresh.FirstNs = now;
                fresh.LastNs = now;
                Bpf.GetCurrentComm(out fresh.Comm);
                Stats.Update(tid, fresh);
            }
            else
            {
                Interlocked.Increment(ref stats.Calls);
                stats.FlagsSeen |= (ulong)flags;
                stats.LastMode = mode;
                stats.LastNs = now > stats.LastNs ? now : stats.LastNs;
            }

            // Arithmetic of every width on the test's chosen mode value.
            byte b = (byte)mode;
            sbyte sb = (sbyte)mode;
            short s = (short)(mode >> 8);
            ushort us = (ushort)(mode >> 8);
            int i = (int)mode;
            uint u = (uint)(mode >> 16);
            ulong ul = (ulong)mode;
            Results.Update(15, mode);
            // Names compared with UTF-8 literals compile to word compares; constant indexes read single bytes.
            ref OpenStats recorded = ref Stats.GetValueRefOrNullRef(tid);
            if (!Unsafe.IsNullRef(ref recorded))
            {
                Results.Update(12, recorded.Comm.Is("testhost"u8) ? 1 : recorded.Comm.StartsWith(".NET"u8) ? 2 : recorded.Comm.Is(""u8) ? 3 : 4);
                Results.Update(13, recorded.Comm[0] + recorded.Comm[15] * 256L);
            }
            Results.Update(0, b + sb);
            Results.Update(1, (short)(s * 3) - us);
            Results.Update(2, i * 7 + (i >> 3) - (i << 2));
            Results.Update(3, (long)(u / 10 + u % 7));
            Results.Update(4, (long)(ul >> 5) ^ mode);
            Results.Update(5, i > 0 && u < 1000 ? 1 : (i < -5 || b == 0x2a ? 2 : 3));
            Results.Update(6, ~i & 0xfff);
            Results.Update(7, -mode);
            Results.Update(8, (long)(uint)(i * i));
            Results.Update(9, sb < 0 ? -sb : sb);

            // More values live across a helper call than there are callee-saved registers: some must spill.
            long v0 = mode + 1, v1 = mode * 3, v2 = mode - 77, v3 = mode ^ 0x55, v4 = mode >> 3;
            long v5 = mode << 2, v6 = ~mode, v7 = mode & 0xff00, v8 = mode | 5, v9 = (long)(uint)mode;
            ulong t = Bpf.KtimeGetNs();
            long spilled = v0 + v1 * 2 + v2 * 3 + v3 * 5 + v4 * 7 + v5 * 11 + v6 * 13 + v7 * 17 + v8 * 19 + v9 * 23;
            Results.Update(10, t > 0 ? spilled : -1);
            Results.Update(11, v0 - v9 + (v4 ^ v5));
            return 0;
        }

    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Configuration in <c>.rodata</c> set before load, counters in <c>.bss</c> and <c>.data</c>.</summary>
    public static partial class ConfiguredCounter
    {
        /// <summary>The thread to count (set through <c>Config</c>).</summary>
        public static readonly uint TargetTid;

        /// <summary>How much each matching call adds.</summary>
        public static readonly ulong Weight = 3;

        /// <summary>Sum of weights of matching calls (<c>.bss</c>).</summary>
        public static ulong Matched;

        /// <summary>All calls, starting from 100 (<c>.data</c>).</summary>
        public static ulong Seen = 100;

        [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
        public static int OnOpenat(ref SysEnterArgs ctx)
        {
            Interlocked.Increment(ref Seen);
            if ((uint)Bpf.GetCurrentPidTgid() != TargetTid) return 0;
            Interlocked.Add(ref Matched, Weight);
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Printk behind a read-only switch: with <c>Verbose</c> false the verifier drops the branch.</summary>
    public static partial class Tracer
    {
        /// <summary>The thread to trace.</summary>
        public static readonly uint TargetTid;

        /// <summary>Whether to print.</summary>
        public static readonly bool Verbose;

        [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
        public static int OnOpenat(ref SysEnterArgs ctx)
        {
            uint tid = (uint)Bpf.GetCurrentPidTgid();
            if (tid != TargetTid) return 0;
            if (Verbose)
            {
                ulong mode = (ulong)ctx.Arg3;
                long flags = ctx.Arg2;
                Bpf.Printk("bpfdotnet-marker tid=%u mode=%llu\n", tid, mode);
                Bpf.Printk("bpfdotnet-flags %lld cpu %u\n", (ulong)flags, Bpf.GetSmpProcessorId());
            }
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Two programs sharing BPF-to-BPF subprograms (kept as calls by <c>NoInlining</c>).</summary>
    public static partial class CallCounter
    {
        /// <summary>The thread to count.</summary>
        public static readonly uint TargetTid;

        /// <summary>[0]: openat calls; [1]: 2 per successful openat.</summary>
        [BpfMap(MaxEntries = 2)]
        public static BpfArrayMap<ulong> Totals = new(2);

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static bool IsTarget() => (uint)Bpf.GetCurrentPidTgid() == TargetTid;

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Add(uint slot, ulong amount)
        {
            ref ulong total = ref Totals.GetValueRefOrNullRef(slot);
            if (Unsafe.IsNullRef(ref total)) return;
            Interlocked.Add(ref total, amount);
        }

        [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
        public static int OnOpenat(ref SysEnterArgs ctx)
        {
            if (IsTarget()) Add(0, 1);
            return 0;
        }

        [BpfProgram, Tracepoint("syscalls", "sys_exit_openat")]
        public static int OnOpenatExit(ref SysExitArgs ctx)
        {
            if (IsTarget()) Add(1, ctx.Ret >= 0 ? 2UL : 0UL);
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Statistics of read sizes, kept in a map value through its own members.</summary>
    public struct SizeStats
    {
        public long Count { get; set; }
        public long Total { get; private set; }
        public ulong Largest;

        /// <summary>The mean size: the test of the count (read once into a local) is what lets the division compile.</summary>
        public readonly long Mean
        {
            get
            {
                long count = Count;
                return count > 0 ? Total / count : 0;
            }
        }

        public void Add(long size)
        {
            Count++;
            Total += size;
            Largest = System.Math.Max(Largest, (ulong)size);
        }
    }

    /// <summary>
    /// read(2) sizes of one thread, written with struct members, BitOperations and a guarded division: the log2
    /// histogram and the running statistics a user would write in C with clang builtins.
    /// </summary>
    public static partial class ReadSizes
    {
        /// <summary>The thread to watch.</summary>
        public static readonly uint TargetTid;

        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<SizeStats> Stats = new(1);

        [BpfMap(MaxEntries = 64)]
        public static BpfArrayMap<ulong> Log2Histogram = new(64);

        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<long> LastMean = new(1);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_read")]
        public static int OnRead(ref SysEnterArgs ctx)
        {
            if ((uint)Bpf.GetCurrentPidTgid() != TargetTid) return 0;
            long size = ctx.Arg2;
            ref SizeStats stats = ref Stats.GetValueRefOrNullRef(0);
            if (Unsafe.IsNullRef(ref stats)) return 0;
            stats.Add(size);
            uint bucket = (uint)System.Numerics.BitOperations.Log2((ulong)size);
            ref ulong slot = ref Log2Histogram.GetValueRefOrNullRef(bucket);
            if (!Unsafe.IsNullRef(ref slot)) Interlocked.Increment(ref slot);
            LastMean.Update(0, stats.Mean);
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>One ring buffer record: the thread that made it, how it was sent, and the value it passed to getpgid(2).</summary>
    public struct RingEvent
    {
        public int Tid;
        public int Kind;
        public long Value;
    }

    /// <summary>
    /// getpgid(2) calls of one process sent to user space through a ring buffer: even values copied in with Output, odd
    /// ones reserved, filled in place and submitted (negative ones discarded); records that find the buffer full are
    /// counted.
    /// </summary>
    public static partial class RingEvents
    {
        /// <summary>The process to watch.</summary>
        public static readonly uint TargetPid;

        [BpfMap(MaxEntries = 4 * 1024 * 1024)]
        public static BpfRingBuffer<RingEvent> Events = new();

        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<long> Failed = new(1);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnGetpgid(ref SysEnterArgs ctx)
        {
            ulong pidTgid = Bpf.GetCurrentPidTgid();
            if ((uint)(pidTgid >> 32) != TargetPid) return 0;
            long value = ctx.Arg0;
            if ((value & 1) == 0)
            {
                var copy = new RingEvent { Tid = (int)(uint)pidTgid, Kind = 0, Value = value };
                if (!Events.Output(copy)) CountFailure();
                return 0;
            }
            ref RingEvent record = ref Events.Reserve();
            if (Unsafe.IsNullRef(ref record))
            {
                CountFailure();
                return 0;
            }
            record.Tid = (int)(uint)pidTgid;
            record.Kind = 1;
            record.Value = value;
            if (value < 0)
            {
                Events.Discard(ref record);
                return 0;
            }
            Events.Submit(ref record);
            return 0;
        }

        private static void CountFailure()
        {
            ref long failed = ref Failed.GetValueRefOrNullRef(0);
            if (!Unsafe.IsNullRef(ref failed)) Interlocked.Increment(ref failed);
        }
    }

    /// <summary>The same program with a buffer of one page, which fills after 170 records of 16 bytes.</summary>
    public static partial class SmallRing
    {
        /// <summary>The process to watch.</summary>
        public static readonly uint TargetPid;

        [BpfMap(MaxEntries = 4096)]
        public static BpfRingBuffer<RingEvent> Events = new();

        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<long> Failed = new(1);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnGetpgid(ref SysEnterArgs ctx)
        {
            ulong pidTgid = Bpf.GetCurrentPidTgid();
            if ((uint)(pidTgid >> 32) != TargetPid) return 0;
            ref RingEvent record = ref Events.Reserve();
            if (Unsafe.IsNullRef(ref record))
            {
                ref long failed = ref Failed.GetValueRefOrNullRef(0);
                if (!Unsafe.IsNullRef(ref failed)) Interlocked.Increment(ref failed);
                return 0;
            }
            record.Tid = (int)(uint)pidTgid;
            record.Kind = 1;
            record.Value = ctx.Arg0;
            Events.Submit(ref record);
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>256 bytes of a path.</summary>
    [InlineArray(256)]
    public struct PathBytes
    {
        private byte _element;
    }

    /// <summary>An openat(2) call as opensnoop reports it.</summary>
    public struct OpenEvent
    {
        public int Pid;
        public int Flags;
        public long PathLength;
        public TaskComm Comm;
        public PathBytes Path;
    }

    /// <summary>openat(2) calls of one process, with the path read from user memory, sent through a ring buffer.</summary>
    public static partial class OpenSnoop
    {
        /// <summary>The process to watch.</summary>
        public static readonly uint TargetPid;

        [BpfMap(MaxEntries = 256 * 1024)]
        public static BpfRingBuffer<OpenEvent> Events = new();

        [BpfProgram, Tracepoint("syscalls", "sys_enter_openat")]
        public static int OnOpenat(ref SysEnterArgs ctx)
        {
            ulong pidTgid = Bpf.GetCurrentPidTgid();
            if ((uint)(pidTgid >> 32) != TargetPid) return 0;
            ref OpenEvent e = ref Events.Reserve();
            if (Unsafe.IsNullRef(ref e)) return 0;
            e.Pid = (int)(pidTgid >> 32);
            e.Flags = (int)ctx.Arg2;
            Bpf.GetCurrentComm(out e.Comm);
            e.PathLength = Bpf.ProbeReadUserString(new UserPointer(ctx.Arg1), e.Path);
            Events.Submit(ref e);
            return 0;
        }
    }

    /// <summary>What one getpgid(2) call read: a value and a string at the address passed, and kernel memory.</summary>
    public struct MemoryReadResult
    {
        public long UserValue;
        public long UserStatus;
        public long StringLength;
        public long KernelStatus;
        public long BadKernelStatus;
        public long BadUserStatus;
        public PathBytes Text;
        public long RawStatus;
        public long RawKernelStatus;
        public SixteenBytes Raw;
        public SixteenBytes RawKernel;
    }

    [InlineArray(16)]
    public struct SixteenBytes
    {
        private byte _element;
    }

    /// <summary>Reads user and kernel memory at addresses a getpgid(2) call passes.</summary>
    public static partial class MemoryReads
    {
        /// <summary>The process to watch.</summary>
        public static readonly uint TargetPid;

        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<MemoryReadResult> Results = new(1);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnGetpgid(ref SysEnterArgs ctx)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid) return 0;
            ref MemoryReadResult r = ref Results.GetValueRefOrNullRef(0);
            if (Unsafe.IsNullRef(ref r)) return 0;
            r.UserStatus = Bpf.ProbeReadUser(new UserPointer(ctx.Arg0), out long value);
            r.UserValue = value;
            r.StringLength = Bpf.ProbeReadUserString(new UserPointer(ctx.Arg0 + 8), r.Text);
            r.KernelStatus = Bpf.ProbeReadKernel(new KernelPointer(Bpf.GetCurrentTask()), out long first);
            r.BadKernelStatus = Bpf.ProbeReadKernel(new KernelPointer(8UL), out long bad);
            r.BadUserStatus = Bpf.ProbeReadUser(new UserPointer(8UL), out long badUser);
            r.RawStatus = Bpf.ProbeReadUser(new UserPointer(ctx.Arg0 + 8), r.Raw);
            r.RawKernelStatus = Bpf.ProbeReadKernel(new KernelPointer(Bpf.GetCurrentTask()), r.RawKernel);
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>getpgid(2) calls of one process counted in per-CPU maps and remembered in LRU maps.</summary>
    public static partial class CpuMaps
    {
        /// <summary>The process to watch.</summary>
        public static readonly uint TargetPid;

        [BpfMap(MaxEntries = 1)]
        public static BpfPerCpuArrayMap<ulong> Calls = new(1);

        [BpfMap(MaxEntries = 16)]
        public static BpfPerCpuHashMap<long, ulong> ByResidue = new();

        [BpfMap(MaxEntries = 8)]
        public static BpfLruHashMap<long, long> Recent = new();

        [BpfMap(MaxEntries = 8)]
        public static BpfLruPerCpuHashMap<long, long> RecentPerCpu = new();

        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<long> UpdateFailures = new(1);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnGetpgid(ref SysEnterArgs ctx)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid) return 0;
            ref ulong calls = ref Calls.GetValueRefOrNullRef(0);
            if (!Unsafe.IsNullRef(ref calls)) calls++;
            long value = ctx.Arg0;
            long residue = value & 3;
            ref ulong count = ref ByResidue.GetValueRefOrNullRef(residue);
            if (Unsafe.IsNullRef(ref count)) ByResidue.Update(residue, 1);
            else count++;
            long failures = 0;
            if (Recent.Update(value, value * 10) != 0) failures++;
            if (RecentPerCpu.Update(value, value) != 0) failures++;
            ref long failed = ref UpdateFailures.GetValueRefOrNullRef(0);
            if (!Unsafe.IsNullRef(ref failed)) Interlocked.Add(ref failed, failures);
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>What the time, cgroup and NUMA helpers said in one getpgid(2) call.</summary>
    public struct HelperValues
    {
        public ulong Monotonic;
        public ulong Boot;
        public ulong Jiffies;
        public ulong CgroupId;
        public long NumaNode;
        public uint Random1;
        public uint Random2;
        public uint Random3;
        public uint Cpu;
        public ulong UidGid;
    }

    /// <summary>Calls the helpers that take nothing and return a value, for one process's getpgid(2) calls.</summary>
    public static partial class HelperProbe
    {
        /// <summary>The process to watch.</summary>
        public static readonly uint TargetPid;

        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<HelperValues> Values = new(1);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnGetpgid(ref SysEnterArgs ctx)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid) return 0;
            ref HelperValues v = ref Values.GetValueRefOrNullRef(0);
            if (Unsafe.IsNullRef(ref v)) return 0;
            v.Monotonic = Bpf.KtimeGetNs();
            v.Boot = Bpf.KtimeGetBootNs();
            v.Jiffies = Bpf.Jiffies64();
            v.CgroupId = Bpf.GetCurrentCgroupId();
            v.NumaNode = Bpf.GetNumaNodeId();
            v.Random1 = Bpf.GetPrandomU32();
            v.Random2 = Bpf.GetPrandomU32();
            v.Random3 = Bpf.GetPrandomU32();
            v.Cpu = Bpf.GetSmpProcessorId();
            v.UidGid = Bpf.GetCurrentUidGid();
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>getpgid(2) calls of one process sent through a perf event array, as older tools do.</summary>
    public static partial class PerfEvents
    {
        /// <summary>The process to watch.</summary>
        public static readonly uint TargetPid;

        [BpfMap]
        public static BpfPerfEventArray<RingEvent> Events = new();

        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<long> Failed = new(1);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnGetpgid(ref SysEnterArgs ctx)
        {
            ulong pidTgid = Bpf.GetCurrentPidTgid();
            if ((uint)(pidTgid >> 32) != TargetPid) return 0;
            var record = new RingEvent { Tid = (int)(uint)pidTgid, Kind = 2, Value = ctx.Arg0 };
            if (!Events.Output(ref ctx, record))
            {
                ref long failed = ref Failed.GetValueRefOrNullRef(0);
                if (!Unsafe.IsNullRef(ref failed)) Interlocked.Increment(ref failed);
            }
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>The kernel and user stacks of one process's getpgid(2) calls.</summary>
    public static partial class StackProbe
    {
        /// <summary>The process to watch.</summary>
        public static readonly uint TargetPid;

        [BpfMap(MaxEntries = 64)]
        public static BpfStackTraceMap Stacks = new();

        /// <summary>Slot 0: the last kernel stack id; slot 1: the last user stack id.</summary>
        [BpfMap(MaxEntries = 2)]
        public static BpfArrayMap<long> LastIds = new(2);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnGetpgid(ref SysEnterArgs ctx)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid) return 0;
            LastIds.Update(0, Stacks.GetStackId(ref ctx));
            LastIds.Update(1, Stacks.GetStackId(ref ctx, StackTraceFlags.UserStack));
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>
    /// getpgid(2) values pushed into a queue, a stack and a bloom filter; a negative value instead pops a value user space
    /// pushed into the requests queue and keeps what it got.
    /// </summary>
    public static partial class ValueMaps
    {
        /// <summary>The process to watch.</summary>
        public static readonly uint TargetPid;

        [BpfMap(MaxEntries = 16)]
        public static BpfQueue<long> Fifo = new();

        [BpfMap(MaxEntries = 16)]
        public static BpfStack<long> Lifo = new();

        [BpfMap(MaxEntries = 1024)]
        public static BpfBloomFilter<long> Seen = new();

        [BpfMap(MaxEntries = 16)]
        public static BpfQueue<long> Requests = new();

        /// <summary>Slot 0: the value popped from Requests; slot 1: 1 when it was found, 0 when the queue was empty.</summary>
        [BpfMap(MaxEntries = 2)]
        public static BpfArrayMap<long> Popped = new(2);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnGetpgid(ref SysEnterArgs ctx)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid) return 0;
            long value = ctx.Arg0;
            if (value < 0)
            {
                bool found = Requests.TryPop(out long request);
                Popped.Update(0, request);
                Popped.Update(1, found ? 1 : 0);
                return 0;
            }
            Fifo.Push(value);
            Lifo.Push(value);
            Seen.Add(value);
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Looks the IPv4 address a getpgid(2) call passes up in a longest-prefix-match trie.</summary>
    public static partial class Routes
    {
        /// <summary>The process to watch.</summary>
        public static readonly uint TargetPid;

        [BpfMap(MaxEntries = 64)]
        public static BpfLpmTrieMap<Ipv4Prefix, long> Table = new();

        /// <summary>The value found for the last address, or -1 when none matched.</summary>
        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<long> Found = new(1);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnGetpgid(ref SysEnterArgs ctx)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid) return 0;
            var address = new Ipv4Prefix { PrefixLength = 32, Address = (uint)ctx.Arg0 };
            Found.Update(0, Table.TryGetValue(address, out long route) ? route : -1);
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>A getpgid(2) call passing a signal number gets that signal back; the ring buffer says how much it holds.</summary>
    public static partial class Signals
    {
        /// <summary>The process to watch.</summary>
        public static readonly uint TargetPid;

        [BpfMap(MaxEntries = 4096)]
        public static BpfRingBuffer<long> Events = new();

        /// <summary>Slot 0: what bpf_send_signal returned; slot 1: the ring buffer's size; slot 2: its unread bytes after one record.</summary>
        [BpfMap(MaxEntries = 3)]
        public static BpfArrayMap<long> Results = new(3);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnGetpgid(ref SysEnterArgs ctx)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid) return 0;
            Results.Update(0, Bpf.SendSignal((uint)ctx.Arg0));
            Events.Output(ctx.Arg0);
            Results.Update(1, (long)Events.Query(RingBufferQuery.Size));
            Results.Update(2, (long)Events.Query(RingBufferQuery.AvailableData));
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>The ids of the caller of getpgid(2) in the pid namespace whose device and inode the call passes (device in the high half).</summary>
    public static partial class NamespaceIds
    {
        /// <summary>The process to watch.</summary>
        public static readonly uint TargetPid;

        /// <summary>The namespace's inode, set before load.</summary>
        public static readonly ulong NamespaceInode;

        /// <summary>Slot 0: the helper's result; 1: the pid; 2: the tid.</summary>
        [BpfMap(MaxEntries = 3)]
        public static BpfArrayMap<long> Results = new(3);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnGetpgid(ref SysEnterArgs ctx)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid) return 0;
            long result = Bpf.GetNsCurrentPidTgid((ulong)ctx.Arg0, NamespaceInode, out PidNamespaceIds ids);
            Results.Update(0, result);
            Results.Update(1, ids.Pid);
            Results.Update(2, ids.Tid);
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>
    /// getpgid(2) calls counted in inner maps: the argument's high 32 bits pick an inner map (a slot of an array of maps,
    /// and a key of a hash of maps), its low 32 bits the key counted in it.
    /// </summary>
    public static partial class MapsOfMaps
    {
        /// <summary>The process to watch.</summary>
        public static readonly uint TargetPid;

        [BpfMap(MaxEntries = 4, InnerMaxEntries = 16)]
        public static BpfArrayOfMaps<BpfHashMap<uint, ulong>> Tenants = new();

        [BpfMap(MaxEntries = 8, InnerMaxEntries = 4)]
        public static BpfHashOfMaps<uint, BpfArrayMap<ulong>> ByKey = new();

        /// <summary>Slot 0: calls whose tenant slot held no map; slot 1: calls whose hash-of-maps key held none.</summary>
        [BpfMap(MaxEntries = 2)]
        public static BpfArrayMap<ulong> Missing = new(2);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnGetpgid(ref SysEnterArgs ctx)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid) return 0;
            uint tenant = (uint)((ulong)ctx.Arg0 >> 32);
            uint key = (uint)ctx.Arg0;

            var counts = Tenants.Get(tenant);
            if (counts is null)
            {
                ref ulong missing = ref Missing.GetValueRefOrNullRef(0);
                if (!Unsafe.IsNullRef(ref missing)) Interlocked.Increment(ref missing);
            }
            else
            {
                ref ulong count = ref counts.GetValueRefOrNullRef(key);
                if (Unsafe.IsNullRef(ref count)) counts.Update(key, 1UL);
                else Interlocked.Increment(ref count);
            }

            var slots = ByKey.Get(tenant);
            if (slots != null)
            {
                if (slots.TryGetValue(key & 3, out ulong seen)) slots.Update(key & 3, seen + 10);
            }
            else
            {
                ref ulong missing = ref Missing.GetValueRefOrNullRef(1);
                if (!Unsafe.IsNullRef(ref missing)) Interlocked.Increment(ref missing);
            }
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>A formatted line of the getpgid(2) argument, written by bpf_snprintf into a map value.</summary>
    public struct FormattedLine
    {
        public long Length;
        public LineBytes Text;
    }

    [InlineArray(64)]
    public struct LineBytes
    {
        private byte _element;
    }

    public static partial class Formatter
    {
        /// <summary>The process to watch.</summary>
        public static readonly uint TargetPid;

        [BpfMap(MaxEntries = 2)]
        public static BpfArrayMap<FormattedLine> Lines = new(2);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnGetpgid(ref SysEnterArgs ctx)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid) return 0;
            long value = ctx.Arg0;
            ref FormattedLine line = ref Lines.GetValueRefOrNullRef(0);
            if (Unsafe.IsNullRef(ref line)) return 0;
            line.Length = Bpf.Snprintf(line.Text, "v=%ld hex=%08lx [%-4d] %c%%", value, value, (int)(value & 7), 'A' + (value & 3));
            // A line that does not fit is cut, and the length says how long it would have been.
            System.Span<byte> small = stackalloc byte[8];
            ref FormattedLine cut = ref Lines.GetValueRefOrNullRef(1);
            if (Unsafe.IsNullRef(ref cut)) return 0;
            cut.Length = Bpf.Snprintf(small, "%d-%d-%d", value, value, value);
            for (int i = 0; i < 8; i++) cut.Text[i] = small[i];
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>The first field of every record of <see cref="MixedRecords"/>: which record it is.</summary>
    public struct SmallRecord
    {
        public int Kind;
        public int Value;
    }

    public struct LargeRecord
    {
        public int Kind;
        public int Value;
        public Payload Bytes;
    }

    [InlineArray(56)]
    public struct Payload
    {
        private byte _element;
    }

    /// <summary>Records of two sizes in one ring buffer: getpgid(2) arguments 0 to 9 give a small record, 10 to 19 a large one, 20 a discarded large one.</summary>
    public static partial class MixedRecords
    {
        /// <summary>The process to watch.</summary>
        public static readonly uint TargetPid;

        [BpfMap(MaxEntries = 64 * 1024)]
        public static BpfRingBuffer<SmallRecord> Events = new();

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnGetpgid(ref SysEnterArgs ctx)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid) return 0;
            int value = (int)ctx.Arg0;
            if (value < 10)
            {
                Events.Output(new SmallRecord { Kind = 1, Value = value });
                return 0;
            }
            ref LargeRecord large = ref Events.Reserve<LargeRecord>();
            if (Unsafe.IsNullRef(ref large)) return 0;
            large.Kind = 2;
            large.Value = value;
            for (int i = 0; i < 56; i++) large.Bytes[i] = (byte)(value + i);
            if (value >= 20) Events.Discard(ref large);
            else Events.Submit(ref large);
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>The kernel and user stacks of a getpgid(2) call, as bpf_get_stack writes them.</summary>
    public struct StackCopy
    {
        public long KernelBytes;
        public long UserBytes;
        public Frames Kernel;
        public Frames User;
    }

    [InlineArray(32)]
    public struct Frames
    {
        private ulong _element;
    }

    public static partial class StackCopies
    {
        /// <summary>The process to watch.</summary>
        public static readonly uint TargetPid;

        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<StackCopy> Last = new(1);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnGetpgid(ref SysEnterArgs ctx)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid) return 0;
            ref StackCopy copy = ref Last.GetValueRefOrNullRef(0);
            if (Unsafe.IsNullRef(ref copy)) return 0;
            copy.KernelBytes = Bpf.GetStack(ref ctx, copy.Kernel);
            copy.UserBytes = Bpf.GetStack(ref ctx, copy.User, StackTraceFlags.UserStack);
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Uprobes on libc's getpgid: the argument at entry, the result at return, for one process.</summary>
    public static partial class LibcProbes
    {
        /// <summary>The process to watch.</summary>
        public static readonly uint TargetPid;

        /// <summary>Slot 0: the last argument; 1: entries; 2: the last result; 3: returns.</summary>
        [BpfMap(MaxEntries = 4)]
        public static BpfArrayMap<long> Seen = new(4);

        [BpfProgram, Uprobe("libc", "getpgid")]
        public static int OnEntry(ref PtRegs ctx)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid) return 0;
            Seen.Update(0, (long)ctx.Arg(0));
            ref long entries = ref Seen.GetValueRefOrNullRef(1);
            if (!Unsafe.IsNullRef(ref entries)) Interlocked.Increment(ref entries);
            return 0;
        }

        [BpfProgram, Uretprobe("libc", "getpgid")]
        public static int OnReturn(ref PtRegs ctx)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid) return 0;
            Seen.Update(2, (long)(int)ctx.ReturnValue);
            ref long returns = ref Seen.GetValueRefOrNullRef(3);
            if (!Unsafe.IsNullRef(ref returns)) Interlocked.Increment(ref returns);
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>A flow dissector for IPv4 over Ethernet: addresses, protocol and TCP or UDP ports; other packets dropped.</summary>
    public static partial class Dissector
    {
        [BpfProgram, Section("flow_dissector")]
        public static int Dissect(ref FlowDissectorContext ctx)
        {
            ref BpfFlowKeys keys = ref ctx.FlowKeys;
            int network = keys.NetworkOffset;
            if (keys.NetworkProtocolNetworkOrder != 0x0008) return (int)FlowDissectorResult.Drop; // IPv4, network order
            ref Ipv4Header ip = ref ctx.GetPacketRefOrNullRef<Ipv4Header>(network);
            if (Unsafe.IsNullRef(ref ip) || ip.Version != 4 || ip.HeaderLength < 20) return (int)FlowDissectorResult.Drop;
            keys.AddressProtocol = 0x0800;
            keys.Addresses[0] = ip.SourceAddress;
            keys.Addresses[1] = ip.DestinationAddress;
            keys.IpProtocol = ip.Protocol;
            int transport = network + ip.HeaderLength;
            keys.TransportOffset = (ushort)transport;
            if (ip.Protocol == 6)
            {
                ref TcpHeader tcp = ref ctx.GetPacketRefOrNullRef<TcpHeader>(transport);
                if (Unsafe.IsNullRef(ref tcp)) return (int)FlowDissectorResult.Drop;
                keys.SourcePortNetworkOrder = BinaryPrimitives.ReverseEndianness(tcp.SourcePort);
                keys.DestinationPortNetworkOrder = BinaryPrimitives.ReverseEndianness(tcp.DestinationPort);
            }
            else if (ip.Protocol == 17)
            {
                ref UdpHeader udp = ref ctx.GetPacketRefOrNullRef<UdpHeader>(transport);
                if (Unsafe.IsNullRef(ref udp)) return (int)FlowDissectorResult.Drop;
                keys.SourcePortNetworkOrder = BinaryPrimitives.ReverseEndianness(udp.SourcePort);
                keys.DestinationPortNetworkOrder = BinaryPrimitives.ReverseEndianness(udp.DestinationPort);
            }
            return (int)FlowDissectorResult.Ok;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>
    /// An sk_msg program on the sockets of a sockmap: counts the bytes sent, refuses messages starting with 'X', and sends
    /// those starting with 'E' out of the socket at index 1 instead (an echo, when that socket is the peer's).
    /// </summary>
    public static partial class MessageFilter
    {
        [BpfMap(MaxEntries = 2)]
        public static BpfSockMap Sockets = new();

        /// <summary>Slot 0: bytes seen; 1: messages redirected.</summary>
        [BpfMap(MaxEntries = 2)]
        public static BpfArrayMap<long> Counts = new(2);

        [BpfProgram, Section("sk_msg")]
        public static int OnSend(ref SkMsgContext ctx)
        {
            ref long bytes = ref Counts.GetValueRefOrNullRef(0);
            if (!Unsafe.IsNullRef(ref bytes)) Interlocked.Add(ref bytes, ctx.Size);
            if (!ctx.TryReadPacket(0, out byte first)) return (int)SkAction.Pass;
            if (first == (byte)'X') return (int)SkAction.Drop;
            if (first == (byte)'E')
            {
                ref long redirected = ref Counts.GetValueRefOrNullRef(1);
                if (!Unsafe.IsNullRef(ref redirected)) Interlocked.Increment(ref redirected);
                return (int)Sockets.RedirectMessage(ref ctx, 1);
            }
            return (int)SkAction.Pass;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>An sk_lookup program handing the TCP connections to one port to the socket at index 0 of a sockmap.</summary>
    public static partial class Steering
    {
        /// <summary>The port whose connections go to the socket.</summary>
        public static readonly uint FromPort;

        [BpfMap(MaxEntries = 1)]
        public static BpfSockMap Sockets = new();

        /// <summary>Slot 0: connections handed over; 1: the last Assign's result.</summary>
        [BpfMap(MaxEntries = 2)]
        public static BpfArrayMap<long> Results = new(2);

        [BpfProgram, Section("sk_lookup")]
        public static int Steer(ref SkLookupContext ctx)
        {
            if (ctx.Protocol != 6 || ctx.LocalPort != FromPort) return (int)SkAction.Pass;
            long assigned = Sockets.Assign(ref ctx, 0);
            Results.Update(1, assigned);
            if (assigned == 0)
            {
                ref long handed = ref Results.GetValueRefOrNullRef(0);
                if (!Unsafe.IsNullRef(ref handed)) Interlocked.Increment(ref handed);
            }
            return (int)SkAction.Pass;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>
    /// USDT probes of Debian's Python interpreter: imports of json.decoder counted by whether they found the module (a
    /// string argument read from the process, and a 4-byte signed register one), and collections counted by generation
    /// (an argument in memory at the stack pointer; the probe has a semaphore).
    /// </summary>
    public static partial class PythonProbes
    {
        /// <summary>Imports of json.decoder by the "found" argument.</summary>
        [BpfMap(MaxEntries = 64)]
        public static BpfHashMap<long, long> Imports = new(64);

        [BpfMap(MaxEntries = 4)]
        public static BpfArrayMap<long> Generations = new(4);

        [BpfProgram, Section("usdt//usr/bin/python3:python:import__find__load__done")]
        public static int OnImport(ref PtRegs ctx)
        {
            long name = Usdt.Arg(ref ctx, 0);
            if (Bpf.ProbeReadUser(new UserPointer(name), out ulong first) != 0) return 0;
            if (first != 0x6365642e6e6f736aUL) return 0; // "json.dec", little-endian
            long found = Usdt.Arg(ref ctx, 1);
            ref long imports = ref Imports.GetValueRefOrNullRef(found);
            if (Unsafe.IsNullRef(ref imports)) Imports.Update(found, 1);
            else Interlocked.Increment(ref imports);
            return 0;
        }

        [BpfProgram, Section("usdt//usr/bin/python3:python:gc__start")]
        public static int OnCollect(ref PtRegs ctx)
        {
            long generation = Usdt.Arg(ref ctx, 0);
            if (generation < 0 || generation > 3) return 0;
            ref long collections = ref Generations.GetValueRefOrNullRef((uint)generation);
            if (!Unsafe.IsNullRef(ref collections)) Interlocked.Increment(ref collections);
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>An iterator over a hash map's elements, printing and doubling each value.</summary>
    public static partial class MapWalks
    {
        [BpfMap(MaxEntries = 64)]
        public static BpfHashMap<uint, long> Scores = new(64);

        /// <summary>Prints "key value" for each element, doubles its value, and ends with the count.</summary>
        [BpfProgram, Section("iter/bpf_map_elem")]
        public static int DumpScores(ref MapElementIterator<uint, long> ctx)
        {
            ref readonly uint key = ref ctx.GetKeyRefOrNullRef();
            ref long value = ref ctx.GetValueRefOrNullRef();
            if (Unsafe.IsNullRef(in key) || Unsafe.IsNullRef(ref value))
            {
                Bpf.SeqPrintf(ref ctx, "%llu elements\n", (long)ctx.SequenceNumber + 1);
                return 0;
            }
            Bpf.SeqPrintf(ref ctx, "%u %lld\n", key, value);
            value *= 2;
            return 0;
        }
    }

    /// <summary>An iterator over tasks: a line per task with its position, then the count.</summary>
    public static partial class Walks
    {
        [BpfProgram, Section("iter/task")]
        public static int ListTasks(ref IteratorContext ctx)
        {
            if (ctx.IsEnd)
            {
                Bpf.SeqPrintf(ref ctx, "tasks %llu\n", (long)ctx.SequenceNumber + 1);
                return 0;
            }
            Bpf.SeqPrintf(ref ctx, "task %llu\n", (long)ctx.SequenceNumber);
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>One kprobe_multi link on the getpgid system call's entry functions, counted per function by the attach cookie.</summary>
    public static partial class KernelMultiProbes
    {
        /// <summary>The process to watch.</summary>
        public static readonly uint TargetPid;

        [BpfMap(MaxEntries = 8)]
        public static BpfArrayMap<long> Calls = new(8);

        [BpfProgram, Section("kprobe.multi/__*_sys_getpgid")]
        public static int OnGetpgid(ref PtRegs ctx)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid) return 0;
            ulong cookie = Bpf.GetAttachCookie(ref ctx);
            if (cookie >= 8) return 0;
            ref long calls = ref Calls.GetValueRefOrNullRef((uint)cookie);
            if (!Unsafe.IsNullRef(ref calls)) Interlocked.Increment(ref calls);
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>One uprobe_multi link on the libc functions "getp?id" matches, counted per function by the attach cookie.</summary>
    public static partial class LibcMultiProbes
    {
        /// <summary>The process to watch.</summary>
        public static readonly uint TargetPid;

        /// <summary>Calls per cookie (the function's index in the attached list).</summary>
        [BpfMap(MaxEntries = 8)]
        public static BpfArrayMap<long> Calls = new(8);

        [BpfProgram, Section("uprobe.multi/libc:getp?id")]
        public static int OnAny(ref PtRegs ctx)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid) return 0;
            ulong cookie = Bpf.GetAttachCookie(ref ctx);
            if (cookie >= 8) return 0;
            ref long calls = ref Calls.GetValueRefOrNullRef((uint)cookie);
            if (!Unsafe.IsNullRef(ref calls)) Interlocked.Increment(ref calls);
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>CPU-clock samples of one process: how many, the last sample period and instruction address.</summary>
    public static partial class Sampler
    {
        /// <summary>The process to count.</summary>
        public static readonly uint TargetPid;

        /// <summary>Slot 0: samples of the process; 1: the last sample period; 2: the last instruction address; 3: samples of any process.</summary>
        [BpfMap(MaxEntries = 4)]
        public static BpfArrayMap<ulong> Samples = new(4);

        [BpfProgram, Section("perf_event")]
        public static int OnSample(ref PerfEventData ctx)
        {
            ref ulong all = ref Samples.GetValueRefOrNullRef(3);
            if (!Unsafe.IsNullRef(ref all)) Interlocked.Increment(ref all);
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid) return 0;
            ref ulong mine = ref Samples.GetValueRefOrNullRef(0);
            if (!Unsafe.IsNullRef(ref mine)) Interlocked.Increment(ref mine);
            Samples.Update(1, ctx.SamplePeriod);
            Samples.Update(2, ctx.Regs.InstructionPointer);
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>A kprobe on the kernel's openat path, counting calls.</summary>
    public static partial class KernelProbe
    {
        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<ulong> Calls = new(1);

        [BpfProgram, Kprobe("do_sys_openat2")]
        public static int OnOpen(ref PtRegs ctx)
        {
            ref ulong calls = ref Calls.GetValueRefOrNullRef(0);
            if (!Unsafe.IsNullRef(ref calls)) Interlocked.Increment(ref calls);
            return (int)(ctx.Arg(1) & 0);
        }

        /// <summary>libbpf's ksyscall: a kprobe on getpgid's system call function (<c>__x64_sys_getpgid</c> on x86-64).</summary>
        [BpfProgram, Section("ksyscall/getpgid")]
        public static int OnGetpgid(ref PtRegs ctx)
        {
            ref ulong calls = ref Calls.GetValueRefOrNullRef(0);
            if (!Unsafe.IsNullRef(ref calls)) Interlocked.Increment(ref calls);
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Socket filters: one drops every packet and counts them, one keeps 64 bytes and reads the coarse clock.</summary>
    public static partial class SocketFilters
    {
        /// <summary>Slot 0: the coarse clock at the last run of KeepFirst64; 1: packets DropAll saw.</summary>
        [BpfMap(MaxEntries = 2)]
        public static BpfArrayMap<ulong> Seen = new(2);

        [BpfProgram, Section("socket")]
        public static int KeepFirst64()
        {
            Seen.Update(0, Bpf.KtimeGetCoarseNs());
            return 64;
        }

        [BpfProgram, Section("socket/drop")]
        public static int DropAll()
        {
            ref ulong dropped = ref Seen.GetValueRefOrNullRef(1);
            if (!Unsafe.IsNullRef(ref dropped)) Interlocked.Increment(ref dropped);
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>An XDP program that counts the packets of an interface and lets them pass.</summary>
    public static partial class XdpCounter
    {
        /// <summary>Slot 0: packets; slot 1: the last ingress interface index.</summary>
        [BpfMap(MaxEntries = 2)]
        public static BpfArrayMap<ulong> Packets = new(2);

        [BpfProgram, Section("xdp")]
        public static XdpAction Count(ref XdpContext ctx)
        {
            ref ulong packets = ref Packets.GetValueRefOrNullRef(0);
            if (!Unsafe.IsNullRef(ref packets)) Interlocked.Increment(ref packets);
            Packets.Update(1, ctx.IngressInterfaceIndex);
            return XdpAction.Pass;
        }
    }

    /// <summary>An XDP program that drops every packet (test-run only).</summary>
    public static partial class XdpDropper
    {
        [BpfProgram, Section("xdp")]
        public static XdpAction Drop(ref XdpContext ctx) => XdpAction.Drop;
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>tcx programs counting the packets of an interface's ingress and egress, and their bytes.</summary>
    public static partial class TcxCounter
    {
        /// <summary>Slot 0: ingress packets; 1: egress packets; 2: ingress bytes; 3: the last ingress packet's protocol.</summary>
        [BpfMap(MaxEntries = 4)]
        public static BpfArrayMap<ulong> Counts = new(4);

        [BpfProgram, Section("tcx/ingress")]
        public static TcAction OnIngress(ref SkBuff skb)
        {
            ref ulong packets = ref Counts.GetValueRefOrNullRef(0);
            if (!Unsafe.IsNullRef(ref packets)) Interlocked.Increment(ref packets);
            ref ulong bytes = ref Counts.GetValueRefOrNullRef(2);
            if (!Unsafe.IsNullRef(ref bytes)) Interlocked.Add(ref bytes, skb.Len);
            Counts.Update(3, skb.Protocol);
            return TcAction.Ok;
        }

        [BpfProgram, Section("tcx/egress")]
        public static TcAction OnEgress(ref SkBuff skb)
        {
            ref ulong packets = ref Counts.GetValueRefOrNullRef(1);
            if (!Unsafe.IsNullRef(ref packets)) Interlocked.Increment(ref packets);
            return TcAction.Ok;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>A BTF-enabled tracepoint (tp_btf) on every system call's entry: the calls of one number by one process.</summary>
    public static partial class BtfTracepoint
    {
        /// <summary>The process to watch.</summary>
        public static readonly uint TargetPid;

        /// <summary>The system call to count.</summary>
        public static readonly long Syscall;

        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<ulong> Calls = new(1);

        /// <summary>sys_enter(struct pt_regs *regs, long id): the second argument is the system call's number.</summary>
        [BpfProgram, Section("tp_btf/sys_enter")]
        public static int OnSysEnter(ref RawTracepointArgs ctx)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid || (long)ctx.Arg1 != Syscall) return 0;
            ref ulong calls = ref Calls.GetValueRefOrNullRef(0);
            if (!Unsafe.IsNullRef(ref calls)) Interlocked.Increment(ref calls);
            return 0;
        }
    }

    /// <summary>
    /// A writable raw tracepoint program (raw_tp.w) on every system call's entry: the calls of one number by one process. Its
    /// first argument is the tracepoint's writable buffer; it reads only the second, the call's number, so it attaches to a
    /// tracepoint whose buffer is empty.
    /// </summary>
    public static partial class WritableRawTracepoint
    {
        /// <summary>The process to watch.</summary>
        public static readonly uint TargetPid;

        /// <summary>The system call to count.</summary>
        public static readonly long Syscall;

        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<ulong> Calls = new(1);

        [BpfProgram, Section("raw_tp.w/sys_enter")]
        public static int OnSysEnter(ref RawTracepointArgs ctx)
        {
            if ((uint)(Bpf.GetCurrentPidTgid() >> 32) != TargetPid || (long)ctx.Arg1 != Syscall) return 0;
            ref ulong calls = ref Calls.GetValueRefOrNullRef(0);
            if (!Unsafe.IsNullRef(ref calls)) Interlocked.Increment(ref calls);
            return 0;
        }
    }

    /// <summary>An fexit program, which this suite's kernel refuses to load as it refuses fentry.</summary>
    public static partial class FunctionExit
    {
        [BpfProgram, Section("fexit/do_sys_openat2")]
        public static int OnOpenReturned(ref RawTracepointArgs ctx) => 0;
    }

    /// <summary>An fmod_ret program on a function that allows its return value to be changed.</summary>
    public static partial class ModifyReturn
    {
        [BpfProgram, Section("fmod_ret/security_file_open")]
        public static int OnFileOpen(ref RawTracepointArgs ctx) => 0;
    }

    /// <summary>An LSM program on the file_open hook, allowing every open.</summary>
    public static partial class SecurityHook
    {
        [BpfProgram, Section("lsm/file_open")]
        public static int OnFileOpen(ref RawTracepointArgs ctx) => 0;
    }

    /// <summary>An fentry program, which this suite's kernel refuses to load.</summary>
    public static partial class FunctionEntry
    {
        [BpfProgram, Section("fentry/do_sys_openat2")]
        public static int OnOpen(ref RawTracepointArgs ctx) => 0;
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>A cgroup skb program that counts the packets its cgroup's processes send, and lets them go.</summary>
    public static partial class CgroupEgress
    {
        /// <summary>Slot 0: packets; 1: bytes.</summary>
        [BpfMap(MaxEntries = 2)]
        public static BpfArrayMap<ulong> Sent = new(2);

        [BpfProgram, Section("cgroup_skb/egress")]
        public static int OnEgress(ref SkBuff skb)
        {
            ref ulong packets = ref Sent.GetValueRefOrNullRef(0);
            if (!Unsafe.IsNullRef(ref packets)) Interlocked.Increment(ref packets);
            ref ulong bytes = ref Sent.GetValueRefOrNullRef(1);
            if (!Unsafe.IsNullRef(ref bytes)) Interlocked.Add(ref bytes, skb.Len);
            return 1;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>
    /// A loop too long for the verifier to walk iteration by iteration (8,192 rounds mixing a table into a digest), which
    /// the compiler runs through bpf_loop, with a break and a return inside.
    /// </summary>
    public static partial class LongLoop
    {
        /// <summary>The high half of the getpgid(2) argument the program digests.</summary>
        public const long Magic = 0x5eed;

        [BpfMap(MaxEntries = 1024)]
        public static BpfArrayMap<long> Table = new(1024);

        /// <summary>[0]: the digest; [1]: the round the loop stopped at.</summary>
        [BpfMap(MaxEntries = 2)]
        public static BpfArrayMap<long> Result = new(2);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnGetpgid(ref SysEnterArgs ctx)
        {
            long seed = ctx.Arg0;
            if ((seed >> 32) != Magic) return 0;
            long acc = seed;
            long stop = -1;
            for (int i = 0; i < 8192; i++)
            {
                if (!Table.TryGetValue((uint)(i & 1023), out long entry)) return 1;
                acc = unchecked(acc * 31 + entry);
                acc ^= acc >>> 29; acc = unchecked(acc * 0x5851F42D4C957F2D); acc ^= acc >>> 31; acc = unchecked(acc + i);
                acc ^= acc << 7; acc = unchecked(acc * 3 + (i ^ 0x55)); acc ^= acc >>> 11; acc = unchecked(acc * 5 + (i ^ 0xaa));
                acc ^= acc << 13; acc = unchecked(acc * 7 + (i ^ 0x33)); acc ^= acc >>> 17; acc = unchecked(acc * 9 + (i ^ 0xcc));
                acc ^= acc << 5; acc = unchecked(acc * 11 + (i ^ 0x0f)); acc ^= acc >>> 23; acc = unchecked(acc * 13 + (i ^ 0xf0));
                acc ^= acc << 3; acc = unchecked(acc * 15 + (i ^ 0x99)); acc ^= acc >>> 19; acc = unchecked(acc * 17 + (i ^ 0x66));
                acc ^= acc << 9; acc = unchecked(acc * 19 + (i ^ 0x3c)); acc ^= acc >>> 27; acc = unchecked(acc * 21 + (i ^ 0xc3));
                if ((acc & 0xffff) == (seed & 0xffff))
                {
                    stop = i;
                    break;
                }
            }
            Result.Update(0, acc);
            Result.Update(1, stop);
            return 0;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>
    /// Long loops whose syntax shows no counter stepped by a constant (a test in the body, a do loop stepped mid-body): the
    /// IR's facts count them, and they run through bpf_loop like a for loop.
    /// </summary>
    public static partial class LongLoopShapes
    {
        [BpfMap(MaxEntries = 1024)]
        public static BpfArrayMap<long> Table = new(1024);

        /// <summary>[0], [1]: the first program's digest and stop; [2], [3]: the second's.</summary>
        [BpfMap(MaxEntries = 4)]
        public static BpfArrayMap<long> Result = new(4);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnTestInBody(ref SysEnterArgs ctx)
        {
            long seed = ctx.Arg0;
            if ((seed >> 32) != LongLoop.Magic) return 0;
            long acc = seed, stop = -1;
            int i = 0;
            while (true)
            {
                if (i >= 6000) break;
                if (!Table.TryGetValue((uint)(i & 1023), out long entry)) return 1;
                acc = Mix(acc, entry, i);
                if ((acc & 0xffff) == (seed & 0xffff))
                {
                    stop = i;
                    break;
                }
                i++;
            }
            Result.Update(0, acc);
            Result.Update(1, stop);
            return 0;
        }

        [BpfProgram, Section("tp/syscalls/sys_enter_getpgid")]
        public static int OnDoLoop(ref SysEnterArgs ctx)
        {
            long seed = ctx.Arg0;
            if ((seed >> 32) != LongLoop.Magic) return 0;
            long acc = ~seed, stop = -1;
            int j = 5;
            do
            {
                if (!Table.TryGetValue((uint)(j & 1023), out long entry)) return 1;
                j += 3;
                acc = Mix(acc, entry, j);
                if ((acc & 0x3fff) == (seed & 0x3fff)) stop = j;
            }
            while (j < 15000);
            Result.Update(2, acc);
            Result.Update(3, stop);
            return 0;
        }

        private static long Mix(long acc, long entry, int i)
        {
            acc = unchecked(acc * 31 + entry);
            acc ^= acc >>> 29; acc = unchecked(acc * 0x5851F42D4C957F2D); acc ^= acc >>> 31; acc = unchecked(acc + i);
            acc ^= acc << 7; acc = unchecked(acc * 3 + (i ^ 0x55)); acc ^= acc >>> 11; acc = unchecked(acc * 5 + (i ^ 0xaa));
            acc ^= acc << 13; acc = unchecked(acc * 7 + (i ^ 0x33)); acc ^= acc >>> 17; acc = unchecked(acc * 9 + (i ^ 0xcc));
            acc ^= acc << 5; acc = unchecked(acc * 11 + (i ^ 0x0f)); acc ^= acc >>> 23; acc = unchecked(acc * 13 + (i ^ 0xf0));
            return acc;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>XDP redirects through a device map and a CPU map, keyed by the packet's first payload byte.</summary>
    public static partial class Redirector
    {
        [BpfMap(MaxEntries = 4)]
        public static BpfDevMap Devices = new();

        [BpfMap(MaxEntries = 4)]
        public static BpfCpuMap Cpus = new();

        [BpfMap(MaxEntries = 4)]
        public static BpfXskMap Sockets = new();

        [BpfProgram, Section("xdp")]
        public static XdpAction ToDevice(ref XdpContext ctx)
        {
            if (!ctx.TryReadPacket(14, out byte key)) return XdpAction.Aborted;
            return Devices.Redirect(key, (ulong)XdpAction.Pass);
        }

        /// <summary>[0]: what the route lookup found; [1]: the interface it gave.</summary>
        [BpfMap(MaxEntries = 2)]
        public static BpfArrayMap<long> Routes = new(2);

        [BpfProgram, Section("xdp.route")]
        public static XdpAction Route(ref XdpContext ctx)
        {
            // 127.0.0.1, the bytes in network order.
            var lookup = new BpfFibLookup { Family = 2, InterfaceIndex = ctx.IngressInterfaceIndex, Ipv4Destination = 0x0100007f, TotalLength = 60 };
            long found = Bpf.FibLookup(ref ctx, ref lookup, FibLookupFlags.Output);
            Routes.Update(0, found);
            Routes.Update(1, lookup.InterfaceIndex);
            return XdpAction.Pass;
        }

        [BpfProgram, Section("xdp.cpu")]
        public static XdpAction ToCpu(ref XdpContext ctx)
        {
            if (!ctx.TryReadPacket(14, out byte key)) return XdpAction.Aborted;
            if (key == 3) return Sockets.Redirect(key, (ulong)XdpAction.Drop);
            return Cpus.Redirect(key, (ulong)XdpAction.Drop);
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>A cgroup connect4 program that refuses connects to one port and sends those to another port to a third.</summary>
    public static partial class ConnectPolicy
    {
        public static readonly ushort DeniedPort;
        public static readonly ushort FromPort;
        public static readonly ushort ToPort;

        /// <summary>[0]: connects seen; [1]: refused; [2]: rewritten.</summary>
        [BpfMap(MaxEntries = 3)]
        public static BpfArrayMap<ulong> Counts = new(3);

        [BpfProgram, Section("cgroup/connect4")]
        public static int OnConnect4(ref SockAddrContext ctx)
        {
            Bump(0);
            if (ctx.Port == DeniedPort)
            {
                Bump(1);
                return 0;
            }
            if (ctx.Port == FromPort)
            {
                ctx.UserPort = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(ToPort);
                Bump(2);
            }
            return 1;
        }

        private static void Bump(uint slot)
        {
            ref ulong count = ref Counts.GetValueRefOrNullRef(slot);
            if (!Unsafe.IsNullRef(ref count)) Interlocked.Increment(ref count);
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>A cgroup sysctl program that refuses reads of kernel/ostype and lets every other access go.</summary>
    public static partial class SysctlGuard
    {
        /// <summary>[0]: accesses seen; [1]: refused; [2]: the length of the last name read.</summary>
        [BpfMap(MaxEntries = 3)]
        public static BpfArrayMap<long> Seen = new(3);

        [BpfProgram, Section("cgroup/sysctl")]
        public static int OnSysctl(ref SysctlContext ctx)
        {
            System.Span<byte> name = stackalloc byte[32];
            long length = Bpf.SysctlGetName(ref ctx, name);
            Seen.Update(0, Seen.TryGetValue(0, out long seen) ? seen + 1 : 1);
            Seen.Update(2, length);
            // "kernel/ostype" is 13 bytes.
            if (ctx.Write == 0 && length == 13 && name[7] == (byte)'o' && name[8] == (byte)'s' && name[9] == (byte)'t' && name[12] == (byte)'e' && name[0] == (byte)'k')
            {
                Seen.Update(1, Seen.TryGetValue(1, out long refused) ? refused + 1 : 1);
                return 0;
            }
            return 1;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>A syscall program run on a context chosen by the test: it reads two values and writes back their sum and product.</summary>
    public static partial class Calculator
    {
        public struct Operands
        {
            public long A;
            public long B;
            public long Sum;
            public long Product;
        }

        [BpfProgram, Section("syscall")]
        public static int Compute(ref Operands ctx)
        {
            ctx.Sum = unchecked(ctx.A + ctx.B);
            ctx.Product = unchecked(ctx.A * ctx.B);
            return ctx.A > ctx.B ? 1 : 2;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>A cgroup setsockopt program on SO_PRIORITY: refuses priorities above 6 and raises the others by one.</summary>
    public static partial class PriorityGuard
    {
        private const int SolSocket = 1, SoPriority = 12;

        /// <summary>[0]: the last SO_PRIORITY value asked for; [1]: calls refused.</summary>
        [BpfMap(MaxEntries = 2)]
        public static BpfArrayMap<long> Seen = new(2);

        [BpfProgram, Section("cgroup/setsockopt")]
        public static int OnSetsockopt(ref SockoptContext ctx)
        {
            if (ctx.Level != SolSocket || ctx.OptionName != SoPriority) return 1;
            ref int priority = ref ctx.GetValueRefOrNullRef<int>(0);
            if (Unsafe.IsNullRef(ref priority)) return 1;
            Seen.Update(0, priority);
            if (priority > 6)
            {
                Seen.Update(1, Seen.TryGetValue(1, out long refused) ? refused + 1 : 1);
                return 0;
            }
            priority++;
            return 1;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>
    /// An sk_skb stream verdict program on the sockets of a sockmap, run on what they receive: counts the bytes, drops data
    /// starting with 'X', and puts data starting with 'E' into the receive queue of the socket at index 1 instead (an echo
    /// when that socket is the sender's).
    /// </summary>
    public static partial class StreamVerdict
    {
        [BpfMap(MaxEntries = 2)]
        public static BpfSockMap Sockets = new();

        /// <summary>Slot 0: bytes seen; 1: packets dropped; 2: packets redirected; 3: messages the parser delimited.</summary>
        [BpfMap(MaxEntries = 4)]
        public static BpfArrayMap<long> Counts = new(4);

        /// <summary>The stream parser: each message is what arrived (its length), so the verdict sees each send whole.</summary>
        [BpfProgram, Section("sk_skb/stream_parser")]
        public static int ParseMessage(ref SkBuff ctx)
        {
            ref long parsed = ref Counts.GetValueRefOrNullRef(3);
            if (!Unsafe.IsNullRef(ref parsed)) Interlocked.Increment(ref parsed);
            return (int)ctx.Len;
        }

        [BpfProgram, Section("sk_skb/stream_verdict")]
        public static int OnReceive(ref SkBuff ctx)
        {
            ref long bytes = ref Counts.GetValueRefOrNullRef(0);
            if (!Unsafe.IsNullRef(ref bytes)) Interlocked.Add(ref bytes, ctx.Len);
            // A stream's bytes arrive in page fragments: the first one is made direct data before it is read.
            if (Bpf.SkbPullData(ref ctx, 1) != 0 || !ctx.TryReadPacket(0, out byte first)) return (int)SkAction.Pass;
            if (first == (byte)'X')
            {
                ref long dropped = ref Counts.GetValueRefOrNullRef(1);
                if (!Unsafe.IsNullRef(ref dropped)) Interlocked.Increment(ref dropped);
                return (int)SkAction.Drop;
            }
            if (first == (byte)'E')
            {
                ref long redirected = ref Counts.GetValueRefOrNullRef(2);
                if (!Unsafe.IsNullRef(ref redirected)) Interlocked.Increment(ref redirected);
                return (int)Sockets.RedirectPacket(ref ctx, 1, SockRedirectFlags.Ingress);
            }
            return (int)SkAction.Pass;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>A cgroup sock_create program refusing raw IPv4 sockets of protocol 253 (kept for experiments: nothing else here makes them), counting every creation.</summary>
    public static partial class SocketCreation
    {
        /// <summary>[0]: sockets created in the cgroup; [1]: refused.</summary>
        [BpfMap(MaxEntries = 2)]
        public static BpfArrayMap<long> Counts = new(2);

        [BpfProgram, Section("cgroup/sock_create")]
        public static int OnCreate(ref SockContext ctx)
        {
            ref long created = ref Counts.GetValueRefOrNullRef(0);
            if (!Unsafe.IsNullRef(ref created)) Interlocked.Increment(ref created);
            if (ctx.Family != 2 || ctx.Type != 3 || ctx.Protocol != 253) return 1;
            ref long refused = ref Counts.GetValueRefOrNullRef(1);
            if (!Unsafe.IsNullRef(ref refused)) Interlocked.Increment(ref refused);
            return 0;
        }
    }

    /// <summary>A cgroup device program refusing reads of /dev/full (character 1:7) and allowing everything else.</summary>
    public static partial class DeviceGuard
    {
        /// <summary>[0]: accesses refused.</summary>
        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<long> Refused = new(1);

        [BpfProgram, Section("cgroup/dev")]
        public static int OnAccess(ref DeviceContext ctx)
        {
            if ((ctx.AccessType & 0xffff) != DeviceAccess.Character || ctx.Major != 1 || ctx.Minor != 7 || (ctx.AccessType & DeviceAccess.Read) == 0) return 1;
            ref long refused = ref Refused.GetValueRefOrNullRef(0);
            if (!Unsafe.IsNullRef(ref refused)) Interlocked.Increment(ref refused);
            return 0;
        }
    }

    /// <summary>A sock_ops program recording, by local port, the points of TCP connections' lives it sees (a bit per op).</summary>
    public static partial class ConnectionLife
    {
        [BpfMap(MaxEntries = 1024)]
        public static BpfHashMap<uint, uint> OpsByPort = new();

        [BpfProgram, Section("sockops")]
        public static int OnSockOp(ref SockOpsContext ctx)
        {
            uint port = ctx.LocalPort;
            uint bit = ctx.Op < 32 ? 1u << (int)ctx.Op : 0;
            ref uint ops = ref OpsByPort.GetValueRefOrNullRef(port);
            if (Unsafe.IsNullRef(ref ops)) OpsByPort.Update(port, bit);
            else ops |= bit;
            return 1;
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>An sk_msg program on the sockets of a sockhash: sends messages starting with 'E' to the socket at key 7.</summary>
    public static partial class HashedMessageFilter
    {
        [BpfMap(MaxEntries = 4)]
        public static BpfSockHash Sockets = new();

        /// <summary>Slot 0: messages redirected.</summary>
        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<long> Redirected = new(1);

        [BpfProgram, Section("sk_msg")]
        public static int OnSend(ref SkMsgContext ctx)
        {
            if (!ctx.TryReadPacket(0, out byte first) || first != (byte)'E') return (int)SkAction.Pass;
            ref long redirected = ref Redirected.GetValueRefOrNullRef(0);
            if (!Unsafe.IsNullRef(ref redirected)) Interlocked.Increment(ref redirected);
            return (int)Sockets.RedirectMessage(ref ctx, 7);
        }
    }
}

namespace BpfDotnet.EndToEnd.Tests
{
    /// <summary>Lightweight-tunnel programs (lwt_in, lwt_out, lwt_xmit): each counts the bytes it sees and lets the packet go (BPF_OK).</summary>
    public static partial class TunnelPrograms
    {
        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<long> Bytes = new(1);

        [BpfProgram, Section("lwt_in")]
        public static int OnIn(ref SkBuff ctx) => Count(ctx.Len);

        [BpfProgram, Section("lwt_out")]
        public static int OnOut(ref SkBuff ctx) => Count(ctx.Len);

        [BpfProgram, Section("lwt_xmit")]
        public static int OnXmit(ref SkBuff ctx)
        {
            ctx.Mark = 7;
            return Count(ctx.Len);
        }

        private static int Count(uint length)
        {
            ref long bytes = ref Bytes.GetValueRefOrNullRef(0);
            if (!Unsafe.IsNullRef(ref bytes)) Interlocked.Add(ref bytes, length);
            return 0;
        }
    }
}

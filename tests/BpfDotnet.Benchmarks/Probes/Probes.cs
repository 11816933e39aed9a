using System.Runtime.CompilerServices;
using System.Threading;

// The C# half of each twin. Every probe runs on syscalls:sys_enter_fadvise64 (the latency pair also on
// sys_exit_fadvise64) and does its work only for the benchmark's own calls (fd == Bench.Magic), except the
// filter probes, whose subject is the filter. The C half of each twin is c/<name>.bpf.c, same algorithm.
namespace BpfDotnet.Benchmarks
{
    /// <summary>counter_array: one global counter in an array map, atomic increment.</summary>
    public static partial class CounterArray
    {
        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<ulong> Count = new();

        [BpfProgram, Tracepoint("syscalls", "sys_enter_fadvise64")]
        public static int OnEvent(ref SysEnterArgs ctx)
        {
            if (ctx.Arg0 != Bench.Magic) return 0;
            ref ulong n = ref Count.GetValueRefOrNullRef(0);
            if (!Unsafe.IsNullRef(ref n)) Interlocked.Increment(ref n);
            return 0;
        }
    }

    /// <summary>counter_hash: count per process (tgid) in a hash map; insert on first sight.</summary>
    public static partial class CounterHash
    {
        [BpfMap(MaxEntries = 1024)]
        public static BpfHashMap<uint, ulong> Counts = new();

        [BpfProgram, Tracepoint("syscalls", "sys_enter_fadvise64")]
        public static int OnEvent(ref SysEnterArgs ctx)
        {
            if (ctx.Arg0 != Bench.Magic) return 0;
            uint pid = (uint)(Bpf.GetCurrentPidTgid() >> 32);
            ref ulong n = ref Counts.GetValueRefOrNullRef(pid);
            if (Unsafe.IsNullRef(ref n))
                Counts.Update(pid, 1, BpfUpdateFlags.NoExist);
            else
                Interlocked.Increment(ref n);
            return 0;
        }
    }

    /// <summary>Value of <see cref="HashStruct"/>.</summary>
    public struct LenStats
    {
        public ulong Count;
        public ulong Sum;
        public ulong Max;
        public ulong LastNs;
    }

    /// <summary>hash_struct: per-thread statistics struct in a hash map, created with default then field writes.</summary>
    public static partial class HashStruct
    {
        [BpfMap(MaxEntries = 1024)]
        public static BpfHashMap<uint, LenStats> Stats = new();

        [BpfProgram, Tracepoint("syscalls", "sys_enter_fadvise64")]
        public static int OnEvent(ref SysEnterArgs ctx)
        {
            if (ctx.Arg0 != Bench.Magic) return 0;
            uint tid = (uint)Bpf.GetCurrentPidTgid();
            ulong len = (ulong)ctx.Arg2;
            ref LenStats s = ref Stats.GetValueRefOrNullRef(tid);
            if (Unsafe.IsNullRef(ref s))
            {
                LenStats fresh = default;
                fresh.Count = 1;
                fresh.Sum = len;
                fresh.Max = len;
                fresh.LastNs = Bpf.KtimeGetNs();
                Stats.Update(tid, fresh);
            }
            else
            {
                s.Count = s.Count + 1;
                s.Sum = s.Sum + len;
                if (len > s.Max) s.Max = len;
                s.LastNs = Bpf.KtimeGetNs();
            }
            return 0;
        }
    }

    /// <summary>Value of <see cref="ArrayStruct"/>.</summary>
    public struct Slot
    {
        public ulong Hits;
        public ulong LastOffset;
        public uint LastAdvice;
        public uint Cpu;
    }

    /// <summary>array_struct: a struct slot chosen by a masked argument in an array map; plain field updates.</summary>
    public static partial class ArrayStruct
    {
        [BpfMap(MaxEntries = 64)]
        public static BpfArrayMap<Slot> Slots = new(64);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_fadvise64")]
        public static int OnEvent(ref SysEnterArgs ctx)
        {
            if (ctx.Arg0 != Bench.Magic) return 0;
            uint index = (uint)ctx.Arg1 & 63;
            ref Slot s = ref Slots.GetValueRefOrNullRef(index);
            if (Unsafe.IsNullRef(ref s)) return 0;
            s.Hits = s.Hits + 1;
            s.LastOffset = (ulong)ctx.Arg1;
            s.LastAdvice = (uint)ctx.Arg3;
            s.Cpu = Bpf.GetSmpProcessorId();
            return 0;
        }
    }

    /// <summary>histogram_log2: log2 buckets of the len argument; the log2 is a binary-search if-chain (no loops yet).</summary>
    public static partial class HistogramLog2
    {
        [BpfMap(MaxEntries = 64)]
        public static BpfArrayMap<ulong> Buckets = new(64);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_fadvise64")]
        public static int OnEvent(ref SysEnterArgs ctx)
        {
            if (ctx.Arg0 != Bench.Magic) return 0;
            ulong v = (ulong)ctx.Arg2;
            uint r = 0;
            if (v > 0xFFFFFFFF) { v = v >> 32; r = r + 32; }
            if (v > 0xFFFF) { v = v >> 16; r = r + 16; }
            if (v > 0xFF) { v = v >> 8; r = r + 8; }
            if (v > 0xF) { v = v >> 4; r = r + 4; }
            if (v > 0x3) { v = v >> 2; r = r + 2; }
            if (v > 0x1) { r = r + 1; }
            ref ulong n = ref Buckets.GetValueRefOrNullRef(r);
            if (!Unsafe.IsNullRef(ref n)) Interlocked.Increment(ref n);
            return 0;
        }
    }

    /// <summary>A 40-byte record copied by <see cref="StructCopy"/>.</summary>
    public struct Record
    {
        public ulong A;
        public ulong B;
        public ulong C;
        public ulong D;
        public uint E;
        public uint F;
    }

    /// <summary>struct_copy: copy a template record out of a map, change two fields, store the copy in another map.</summary>
    public static partial class StructCopy
    {
        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<Record> Template = new();

        [BpfMap(MaxEntries = 1024)]
        public static BpfHashMap<uint, Record> Copies = new();

        [BpfProgram, Tracepoint("syscalls", "sys_enter_fadvise64")]
        public static int OnEvent(ref SysEnterArgs ctx)
        {
            if (ctx.Arg0 != Bench.Magic) return 0;
            if (!Template.TryGetValue(0, out Record r)) return 0;
            uint tid = (uint)Bpf.GetCurrentPidTgid();
            r.A = r.A + (ulong)ctx.Arg1;
            r.E = tid;
            Copies.Update(tid, r);
            return 0;
        }
    }

    /// <summary>Totals of <see cref="Latency"/>.</summary>
    public struct LatencyTotals
    {
        public ulong Count;
        public ulong TotalNs;
        public ulong MaxNs;
    }

    /// <summary>latency_enter / latency_exit: timestamp at syscall entry per thread, delta at exit, totals.</summary>
    public static partial class Latency
    {
        [BpfMap(MaxEntries = 1024)]
        public static BpfHashMap<uint, ulong> Start = new();

        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<LatencyTotals> Totals = new();

        [BpfProgram, Tracepoint("syscalls", "sys_enter_fadvise64")]
        public static int OnEnter(ref SysEnterArgs ctx)
        {
            if (ctx.Arg0 != Bench.Magic) return 0;
            uint tid = (uint)Bpf.GetCurrentPidTgid();
            ulong now = Bpf.KtimeGetNs();
            Start.Update(tid, now);
            return 0;
        }

        [BpfProgram, Tracepoint("syscalls", "sys_exit_fadvise64")]
        public static int OnExit(ref SysExitArgs ctx)
        {
            uint tid = (uint)Bpf.GetCurrentPidTgid();
            ref ulong t0 = ref Start.GetValueRefOrNullRef(tid);
            if (Unsafe.IsNullRef(ref t0)) return 0;
            ulong delta = Bpf.KtimeGetNs() - t0;
            Start.Delete(tid);
            ref LatencyTotals t = ref Totals.GetValueRefOrNullRef(0);
            if (Unsafe.IsNullRef(ref t)) return 0;
            Interlocked.Increment(ref t.Count);
            Interlocked.Add(ref t.TotalNs, delta);
            if (delta > t.MaxNs) t.MaxNs = delta;
            return 0;
        }
    }

    /// <summary>filter_pid: only the process whose tgid user space put in <see cref="Target"/> is counted.</summary>
    public static partial class FilterPid
    {
        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<uint> Target = new();

        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<ulong> Hits = new();

        [BpfProgram, Tracepoint("syscalls", "sys_enter_fadvise64")]
        public static int OnEvent(ref SysEnterArgs ctx)
        {
            uint tgid = (uint)(Bpf.GetCurrentPidTgid() >> 32);
            if (!Target.TryGetValue(0, out uint wanted) || wanted != tgid) return 0;
            ref ulong n = ref Hits.GetValueRefOrNullRef(0);
            if (!Unsafe.IsNullRef(ref n)) Interlocked.Increment(ref n);
            return 0;
        }
    }

    /// <summary>filter_uid: root's calls with the benchmark's fd, counted per uid in a hash map.</summary>
    public static partial class FilterUid
    {
        [BpfMap(MaxEntries = 64)]
        public static BpfHashMap<uint, ulong> PerUid = new();

        [BpfProgram, Tracepoint("syscalls", "sys_enter_fadvise64")]
        public static int OnEvent(ref SysEnterArgs ctx)
        {
            uint uid = (uint)Bpf.GetCurrentUidGid();
            if (uid != 0 || ctx.Arg0 != Bench.Magic) return 0;
            ref ulong n = ref PerUid.GetValueRefOrNullRef(uid);
            if (Unsafe.IsNullRef(ref n))
                PerUid.Update(uid, 1, BpfUpdateFlags.NoExist);
            else
                Interlocked.Increment(ref n);
            return 0;
        }
    }

    /// <summary>Value of <see cref="Atomics"/>.</summary>
    public struct Balance
    {
        public long Sum;
        public long Level;
        public ulong Events;
    }

    /// <summary>atomics: several atomic adds (Add, Increment, Decrement) on fields of one map value.</summary>
    public static partial class Atomics
    {
        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<Balance> Balances = new();

        [BpfProgram, Tracepoint("syscalls", "sys_enter_fadvise64")]
        public static int OnEvent(ref SysEnterArgs ctx)
        {
            if (ctx.Arg0 != Bench.Magic) return 0;
            ref Balance b = ref Balances.GetValueRefOrNullRef(0);
            if (Unsafe.IsNullRef(ref b)) return 0;
            Interlocked.Add(ref b.Sum, ctx.Arg2);
            Interlocked.Decrement(ref b.Level);
            Interlocked.Add(ref b.Level, ctx.Arg3);
            Interlocked.Increment(ref b.Events);
            return 0;
        }
    }

    /// <summary>Value of <see cref="CommCapture"/>.</summary>
    public struct LastCall
    {
        public uint Pid;
        public uint Tid;
        public ulong Ns;
        public TaskComm Comm;
    }

    /// <summary>comm_capture: build an event struct on the stack (pid, tid, time, comm) and store it.</summary>
    public static partial class CommCapture
    {
        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<LastCall> Last = new();

        [BpfProgram, Tracepoint("syscalls", "sys_enter_fadvise64")]
        public static int OnEvent(ref SysEnterArgs ctx)
        {
            if (ctx.Arg0 != Bench.Magic) return 0;
            ulong id = Bpf.GetCurrentPidTgid();
            LastCall e = default;
            e.Pid = (uint)(id >> 32);
            e.Tid = (uint)id;
            e.Ns = Bpf.KtimeGetNs();
            Bpf.GetCurrentComm(out e.Comm);
            Last.Update(0, e);
            return 0;
        }
    }

    /// <summary>cpu_counter: count per CPU in an array map indexed by the processor id.</summary>
    public static partial class CpuCounter
    {
        [BpfMap(MaxEntries = 256)]
        public static BpfArrayMap<ulong> PerCpu = new(256);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_fadvise64")]
        public static int OnEvent(ref SysEnterArgs ctx)
        {
            if (ctx.Arg0 != Bench.Magic) return 0;
            uint cpu = Bpf.GetSmpProcessorId();
            ref ulong n = ref PerCpu.GetValueRefOrNullRef(cpu);
            if (!Unsafe.IsNullRef(ref n)) Interlocked.Increment(ref n);
            return 0;
        }
    }

    /// <summary>arith_mix: integer arithmetic over several widths (multiply, shifts, xor, unsigned / and % by constants).</summary>
    public static partial class ArithMix
    {
        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<ulong> Out = new();

        [BpfProgram, Tracepoint("syscalls", "sys_enter_fadvise64")]
        public static int OnEvent(ref SysEnterArgs ctx)
        {
            if (ctx.Arg0 != Bench.Magic) return 0;
            ulong x = (ulong)ctx.Arg1;
            uint lo = (uint)x;
            ushort h16 = (ushort)(x >> 16);
            byte b = (byte)ctx.Arg3;
            ulong h = x * 0x9E3779B97F4A7C15UL;
            h = h ^ (h >> 29);
            uint m = lo * 2654435761u + h16 - b;
            ulong r = h + m + (ulong)lo % 10 + lo / 3;
            Out.Update(0, r);
            return 0;
        }
    }

    /// <summary>branchy: classify a call with &amp;&amp;, || and ?: and count per class.</summary>
    public static partial class Branchy
    {
        [BpfMap(MaxEntries = 8)]
        public static BpfArrayMap<ulong> Classes = new(8);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_fadvise64")]
        public static int OnEvent(ref SysEnterArgs ctx)
        {
            if (ctx.Arg0 != Bench.Magic) return 0;
            long advice = ctx.Arg3;
            long offset = ctx.Arg1;
            uint cls = advice == 0 && offset < 4096 ? 1u : (advice >= 4 || offset > 1048576 ? 2u : 3u);
            if ((offset & 1) != 0 && cls != 2) cls = cls + 4;
            ref ulong n = ref Classes.GetValueRefOrNullRef(cls);
            if (!Unsafe.IsNullRef(ref n)) Interlocked.Increment(ref n);
            return 0;
        }
    }
}

namespace BpfDotnet.Benchmarks
{
    /// <summary>string_compare: counts events of tasks whose name starts with "BpfDotnet".</summary>
    public static partial class StringCompare
    {
        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<ulong> Matches = new(1);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_fadvise64")]
        public static int OnEvent(ref SysEnterArgs ctx)
        {
            if (ctx.Arg0 != Bench.Magic) return 0;
            Bpf.GetCurrentComm(out TaskComm comm);
            if (!comm.StartsWith("BpfDotnet"u8)) return 0;
            ref ulong n = ref Matches.GetValueRefOrNullRef(0);
            if (!Unsafe.IsNullRef(ref n)) Interlocked.Increment(ref n);
            return 0;
        }
    }

    /// <summary>loop_popcount: a 64-iteration bounded loop counting set bits; buckets by the count.</summary>
    public static partial class LoopPopcount
    {
        [BpfMap(MaxEntries = 65)]
        public static BpfArrayMap<ulong> Bits = new(65);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_fadvise64")]
        public static int OnEvent(ref SysEnterArgs ctx)
        {
            if (ctx.Arg0 != Bench.Magic) return 0;
            ulong v = (ulong)ctx.Arg2;
            uint n = 0;
            for (int i = 0; i < 64; i++) n += (uint)((v >> i) & 1);
            ref ulong c = ref Bits.GetValueRefOrNullRef(n);
            if (!Unsafe.IsNullRef(ref c)) Interlocked.Increment(ref c);
            return 0;
        }
    }

    /// <summary>Sixteen samples in one map value.</summary>
    [System.Runtime.CompilerServices.InlineArray(16)]
    public struct Samples16
    {
        private ulong _element;
    }

    /// <summary>array_sum: a 16-iteration loop summing a map value's array (unrolled by clang -O2).</summary>
    public static partial class ArraySum
    {
        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<Samples16> Samples = new(1);

        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<ulong> Out = new(1);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_fadvise64")]
        public static int OnEvent(ref SysEnterArgs ctx)
        {
            if (ctx.Arg0 != Bench.Magic) return 0;
            ref Samples16 s = ref Samples.GetValueRefOrNullRef(0);
            if (Unsafe.IsNullRef(ref s)) return 0;
            ulong sum = 0;
            for (int i = 0; i < 16; i++) sum += s[i];
            ref ulong o = ref Out.GetValueRefOrNullRef(0);
            if (!Unsafe.IsNullRef(ref o)) o = sum + (ulong)ctx.Arg2;
            return 0;
        }
    }

    /// <summary>subprog_call: a mixing function called twice (inlined in C#, a BPF-to-BPF call in the C twin).</summary>
    public static partial class SubprogCall
    {
        [BpfMap(MaxEntries = 1)]
        public static BpfArrayMap<ulong> Out = new(1);

        [BpfProgram, Tracepoint("syscalls", "sys_enter_fadvise64")]
        public static int OnEvent(ref SysEnterArgs ctx)
        {
            if (ctx.Arg0 != Bench.Magic) return 0;
            ulong r = Mix((ulong)ctx.Arg1) + Mix((ulong)ctx.Arg2);
            Out.Update(0, r);
            return 0;
        }

        // As the C twin's __attribute__((noinline)): a BPF-to-BPF call, not inlined.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static ulong Mix(ulong x)
        {
            x ^= x >> 33;
            x *= 0xff51afd7ed558ccdUL;
            return x ^ (x >> 29);
        }
    }
}

using System.Runtime.CompilerServices;
using BpfDotnet;

namespace BpfDotnet.EventsBenchmark
{
    /// <summary>A 128-byte record.</summary>
    [InlineArray(16)]
    public struct Record128
    {
        private ulong _element;
    }

    /// <summary>
    /// The kernel producer both readers drain: a getpgid(2) call with <see cref="SmallMagic"/> sends 64 records of 8
    /// bytes, one with <see cref="LargeMagic"/> 64 records of 128 bytes.
    /// </summary>
    public static partial class EventsProducer
    {
        public const long SmallMagic = 0x5bd1e995;
        public const long LargeMagic = 0x5bd1e996;
        public const long PerfOursMagic = 0x5bd1e997;
        public const long PerfLibbpfMagic = 0x5bd1e998;
        public const int RecordsPerCall = 64;

        [BpfMap(MaxEntries = 8 * 1024 * 1024)]
        public static BpfRingBuffer<ulong> Small = new();

        [BpfMap(MaxEntries = 8 * 1024 * 1024)]
        public static BpfRingBuffer<Record128> Large = new();

        /// <summary>The perf event array BpfDotnet's reader drains.</summary>
        [BpfMap]
        public static BpfPerfEventArray<ulong> PerfOurs = new();

        /// <summary>The same, for libbpf's perf_buffer, which puts its own events in the array.</summary>
        [BpfMap]
        public static BpfPerfEventArray<ulong> PerfLibbpf = new();

        [BpfProgram, Tracepoint("syscalls", "sys_enter_getpgid")]
        public static int OnGetpgid(ref SysEnterArgs ctx)
        {
            long magic = ctx.Arg0;
            if (magic == SmallMagic)
            {
                for (int i = 0; i < RecordsPerCall; i++) Small.Output((ulong)i);
            }
            else if (magic == PerfOursMagic)
            {
                for (int i = 0; i < RecordsPerCall; i++) PerfOurs.Output(ref ctx, (ulong)i);
            }
            else if (magic == PerfLibbpfMagic)
            {
                for (int i = 0; i < RecordsPerCall; i++) PerfLibbpf.Output(ref ctx, (ulong)i);
            }
            else if (magic == LargeMagic)
            {
                Record128 record = default;
                for (int i = 0; i < RecordsPerCall; i++)
                {
                    record[0] = (ulong)i;
                    Large.Output(record);
                }
            }
            return 0;
        }
    }
}

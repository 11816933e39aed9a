using System;

namespace BpfDotnet.Benchmarks
{
    /// <summary>
    /// One benchmark row: a probe written in C# (compiled by the generator; null when the C# subset cannot express it
    /// yet) and in C (c/&lt;CFile&gt;.bpf.c, compiled by clang-14 at run time).
    /// </summary>
    public sealed record Twin(
        string Name,
        string Category,
        string CFile,
        string CProgram,
        Func<byte[]>? CSharpObject,
        string? CSharpProgram,
        string? PendingReason = null)
    {
        /// <summary>Every row of the benchmark, in report order.</summary>
        public static readonly Twin[] All =
        {
            new("counter_array", "counter", "counter_array", "on_event", () => CounterArray.BpfObjectBytes.ToArray(), "OnEvent"),
            new("counter_hash", "counter, hash map", "counter_hash", "on_event", () => CounterHash.BpfObjectBytes.ToArray(), "OnEvent"),
            new("cpu_counter", "counter, array map", "cpu_counter", "on_event", () => CpuCounter.BpfObjectBytes.ToArray(), "OnEvent"),
            new("hash_struct", "hash map, struct value", "hash_struct", "on_event", () => HashStruct.BpfObjectBytes.ToArray(), "OnEvent"),
            new("array_struct", "array map, struct value", "array_struct", "on_event", () => ArrayStruct.BpfObjectBytes.ToArray(), "OnEvent"),
            new("histogram_log2", "histogram (log2)", "histogram_log2", "on_event", () => HistogramLog2.BpfObjectBytes.ToArray(), "OnEvent"),
            new("struct_copy", "struct copy", "struct_copy", "on_event", () => StructCopy.BpfObjectBytes.ToArray(), "OnEvent"),
            new("comm_capture", "struct on stack, helpers", "comm_capture", "on_event", () => CommCapture.BpfObjectBytes.ToArray(), "OnEvent"),
            new("latency_enter", "timestamps (enter)", "latency", "on_enter", () => Latency.BpfObjectBytes.ToArray(), "OnEnter"),
            new("latency_exit", "latency (exit)", "latency", "on_exit", () => Latency.BpfObjectBytes.ToArray(), "OnExit"),
            new("filter_pid", "filter (pid)", "filter_pid", "on_event", () => FilterPid.BpfObjectBytes.ToArray(), "OnEvent"),
            new("filter_uid", "filter (uid)", "filter_uid", "on_event", () => FilterUid.BpfObjectBytes.ToArray(), "OnEvent"),
            new("atomics", "atomics", "atomics", "on_event", () => Atomics.BpfObjectBytes.ToArray(), "OnEvent"),
            new("arith_mix", "integer arithmetic", "arith_mix", "on_event", () => ArithMix.BpfObjectBytes.ToArray(), "OnEvent"),
            new("branchy", "branches (&&, or, ?:)", "branchy", "on_event", () => Branchy.BpfObjectBytes.ToArray(), "OnEvent"),
            new("string_compare", "string compare", "string_compare", "on_event", () => StringCompare.BpfObjectBytes.ToArray(), "OnEvent"),
            new("loop_popcount", "loop", "loop_popcount", "on_event", () => LoopPopcount.BpfObjectBytes.ToArray(), "OnEvent"),
            new("array_sum", "loop over a map value", "array_sum", "on_event", () => ArraySum.BpfObjectBytes.ToArray(), "OnEvent"),
            new("subprog_call", "calls", "subprog_call", "on_event", () => SubprogCall.BpfObjectBytes.ToArray(), "OnEvent"),
        };

        /// <summary>True when only the C side exists.</summary>
        public bool IsPending => CSharpObject == null;
    }
}

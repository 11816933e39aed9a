namespace BpfDotnet
{
    /// <summary>
    /// What the kernel reports about a loaded program (<c>struct bpf_prog_info</c> from BPF_OBJ_GET_INFO_BY_FD).
    /// </summary>
    public sealed class BpfProgramInfo
    {
        /// <summary>The program's kernel id.</summary>
        public uint Id { get; init; }

        /// <summary>The program type.</summary>
        public BpfProgramType Type { get; init; }

        /// <summary>The name the kernel stores (at most 15 characters).</summary>
        public string Name { get; init; } = "";

        /// <summary>The program tag: a hash of its instructions, as bpftool prints it (16 hex digits).</summary>
        public string Tag { get; init; } = "";

        /// <summary>Size in bytes of the program after verification and rewriting (xlated_prog_len).</summary>
        public uint XlatedLength { get; init; }

        /// <summary>Size in bytes of the JIT-compiled machine code (jited_prog_len); 0 without JIT.</summary>
        public uint JitedLength { get; init; }

        /// <summary>Number of instructions the verifier processed (verified_insns).</summary>
        public uint VerifiedInstructions { get; init; }

        /// <summary>Cumulative run time in nanoseconds; counted only while <c>kernel.bpf_stats_enabled = 1</c>.</summary>
        public ulong RunTimeNs { get; init; }

        /// <summary>Number of runs; counted only while <c>kernel.bpf_stats_enabled = 1</c>.</summary>
        public ulong RunCount { get; init; }

        /// <summary>Id of the BTF object the program was loaded with, or 0.</summary>
        public uint BtfId { get; init; }

        /// <summary>Number of func_info records: one per function (the program and each BPF-to-BPF subprogram it calls).</summary>
        public uint FuncInfoCount { get; init; }

        /// <summary>Number of line_info records.</summary>
        public uint LineInfoCount { get; init; }

        /// <summary>Number of maps the program uses.</summary>
        public uint MapCount { get; init; }
    }
}

namespace BpfDotnet
{
    /// <summary>What a test run of a program on a packet gave.</summary>
    /// <param name="ReturnValue">The program's return value: its verdict (an <c>XdpAction</c>, a tc action, the bytes a socket filter keeps).</param>
    /// <param name="Packet">The packet as the program left it.</param>
    /// <param name="Duration">The time of one run, averaged over the repeats (the kernel's nanosecond count).</param>
    public readonly record struct BpfTestRunResult(uint ReturnValue, byte[] Packet, System.TimeSpan Duration);
}

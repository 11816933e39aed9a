namespace BpfDotnet.KernelModel
{
    /// <summary>What the kernel says of a helper function.</summary>
    /// <param name="Id">Its id.</param>
    /// <param name="Name">Its name in the kernel (<c>bpf_...</c>).</param>
    /// <param name="GplOnly">The kernel lets only programs under a GPL-compatible license call it (<c>gpl_only</c>).</param>
    /// <param name="Method">
    /// For a helper whose arguments and result are all integers: the name of the <c>Bpf</c> method that calls it, which
    /// the compiler lowers to the call by this entry alone, each argument passed as its value (null for helpers with their
    /// own lowering).
    /// </param>
    /// <param name="Tracing">
    /// The kernel gives it to tracing programs (kprobes, tracepoints, perf events, raw tracepoints, fentry and the like);
    /// false for the helpers of <c>bpf_base_func_proto</c> that the tracing programs' list leaves out.
    /// </param>
    internal readonly record struct HelperInfo(HelperId Id, string Name, bool GplOnly, string? Method = null, bool Tracing = true)
    {
        /// <summary>True for the program types whose helpers are the tracing list (<c>bpf_tracing_func_proto</c>).</summary>
        public static bool IsTracing(ProgramType type) => type is ProgramType.Kprobe or ProgramType.Tracepoint or ProgramType.PerfEvent
            or ProgramType.RawTracepoint or ProgramType.RawTracepointWritable or ProgramType.Tracing;
    }

    /// <summary>The helpers BpfDotnet calls.</summary>
    internal static class Helpers
    {
        private static readonly HelperInfo[] Table =
        {
            new(HelperId.MapLookupElem, "bpf_map_lookup_elem", false),
            new(HelperId.MapUpdateElem, "bpf_map_update_elem", false),
            new(HelperId.MapDeleteElem, "bpf_map_delete_elem", false),
            new(HelperId.KtimeGetNs, "bpf_ktime_get_ns", false, "KtimeGetNs"),
            new(HelperId.TracePrintk, "bpf_trace_printk", true),
            new(HelperId.GetPrandomU32, "bpf_get_prandom_u32", false, "GetPrandomU32"),
            new(HelperId.GetSmpProcessorId, "bpf_get_smp_processor_id", false, "GetSmpProcessorId"),
            new(HelperId.GetCurrentPidTgid, "bpf_get_current_pid_tgid", false, "GetCurrentPidTgid"),
            new(HelperId.GetCurrentUidGid, "bpf_get_current_uid_gid", false, "GetCurrentUidGid"),
            new(HelperId.GetCurrentComm, "bpf_get_current_comm", false),
            new(HelperId.PerfEventOutput, "bpf_perf_event_output", true),
            new(HelperId.GetStackid, "bpf_get_stackid", true),
            new(HelperId.GetCurrentTask, "bpf_get_current_task", true, "GetCurrentTask"),
            new(HelperId.ProbeReadUser, "bpf_probe_read_user", true),
            new(HelperId.ProbeReadKernel, "bpf_probe_read_kernel", true),
            new(HelperId.ProbeReadUserStr, "bpf_probe_read_user_str", true),
            new(HelperId.ProbeReadKernelStr, "bpf_probe_read_kernel_str", true),
            new(HelperId.GetNumaNodeId, "bpf_get_numa_node_id", false, "GetNumaNodeId"),
            new(HelperId.MapPushElem, "bpf_map_push_elem", false),
            new(HelperId.MapPopElem, "bpf_map_pop_elem", false),
            new(HelperId.MapPeekElem, "bpf_map_peek_elem", false),
            new(HelperId.GetCurrentCgroupId, "bpf_get_current_cgroup_id", false, "GetCurrentCgroupId"),
            new(HelperId.Jiffies64, "bpf_jiffies64", false, "Jiffies64"),
            new(HelperId.KtimeGetBootNs, "bpf_ktime_get_boot_ns", false, "KtimeGetBootNs"),
            new(HelperId.KtimeGetCoarseNs, "bpf_ktime_get_coarse_ns", false, "KtimeGetCoarseNs", Tracing: false),
            new(HelperId.SendSignal, "bpf_send_signal", false, "SendSignal"),
            new(HelperId.GetNsCurrentPidTgid, "bpf_get_ns_current_pid_tgid", false),
            new(HelperId.Snprintf, "bpf_snprintf", true),
            new(HelperId.RingbufOutput, "bpf_ringbuf_output", false),
            new(HelperId.RingbufQuery, "bpf_ringbuf_query", false),
            new(HelperId.RingbufReserve, "bpf_ringbuf_reserve", false),
            new(HelperId.RingbufSubmit, "bpf_ringbuf_submit", false),
            new(HelperId.RingbufDiscard, "bpf_ringbuf_discard", false),
        };

        /// <summary>The integer-only helper the <c>Bpf</c> method <paramref name="method"/> calls, or null.</summary>
        public static HelperInfo? ByMethod(string method)
        {
            foreach (var helper in Table)
            {
                if (helper.Method == method) return helper;
            }
            return null;
        }

        /// <summary>The entry of <paramref name="id"/>.</summary>
        public static HelperInfo Of(HelperId id)
        {
            foreach (var helper in Table)
            {
                if (helper.Id == id) return helper;
            }
            return new HelperInfo(id, "helper " + (int)id, false);
        }
    }
}

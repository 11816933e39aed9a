namespace BpfDotnet.KernelModel
{
    /// <summary>How one argument of a helper is made from the arguments of the C# method that calls it.</summary>
    internal enum HelperArgumentKind
    {
        /// <summary>An integer, passed as its value.</summary>
        Scalar,
        /// <summary>
        /// A <c>UserPointer</c> or <c>KernelPointer</c>: the address it holds, passed as an integer (the helper reads
        /// memory there itself, failing cleanly on a bad address).
        /// </summary>
        Address,
        /// <summary>
        /// An <c>out</c> variable, or a byte span (a <c>stackalloc</c> span, or an <c>[InlineArray]</c> of bytes in a local,
        /// a map value or a ring buffer record), that the helper fills on every path (zeroed where it fails): its address.
        /// </summary>
        Into,
        /// <summary>An <c>out</c> variable the helper may leave unwritten where it fails: zeroed first (C# gives it a value on every path), its address.</summary>
        OutZeroed,
        /// <summary>The program's context (the <c>ref</c> context parameter the program was called with): the context pointer.</summary>
        Context,
        /// <summary>The size in bytes of the argument before it (an <c>out</c> variable's type, a span's length); no C# argument.</summary>
        SizeOfPrevious,
        /// <summary>An <c>in</c> value (or a byte span) the helper reads: its address in the program's memory.</summary>
        ReadFrom,
        /// <summary>An iterator program's context: the <c>seq_file</c> its output goes to (<c>ctx-&gt;meta-&gt;seq</c>).</summary>
        IteratorOutput,
    }

    /// <summary>One argument of a helper: how it is made, and from which argument of the C# method (-1: none).</summary>
    internal readonly record struct HelperArgument(HelperArgumentKind Kind, int From = -1)
    {
        public static HelperArgument Scalar(int from) => new(HelperArgumentKind.Scalar, from);
        public static HelperArgument Context(int from) => new(HelperArgumentKind.Context, from);
        public static HelperArgument Address(int from) => new(HelperArgumentKind.Address, from);
        public static HelperArgument Into(int from) => new(HelperArgumentKind.Into, from);
        public static HelperArgument OutZeroed(int from) => new(HelperArgumentKind.OutZeroed, from);
        public static HelperArgument ReadFrom(int from) => new(HelperArgumentKind.ReadFrom, from);
        public static HelperArgument IteratorOutput(int from) => new(HelperArgumentKind.IteratorOutput, from);
        public static readonly HelperArgument Size = new(HelperArgumentKind.SizeOfPrevious);
    }

    /// <summary>What the kernel says of a helper function, and how BpfDotnet calls it.</summary>
    /// <param name="Id">Its id.</param>
    /// <param name="Name">Its name in the kernel (<c>bpf_...</c>).</param>
    /// <param name="GplOnly">The kernel lets only programs under a GPL-compatible license call it (<c>gpl_only</c>).</param>
    /// <param name="Method">
    /// The name of the <c>Bpf</c> method that calls it, which the compiler lowers by this entry alone: each argument
    /// made as <paramref name="Arguments"/> says, or, without them, each C# argument passed as its integer value (null for
    /// helpers with their own lowering, such as the map helpers the map kinds call).
    /// </param>
    /// <param name="Tracing">
    /// The kernel gives it to tracing programs (kprobes, tracepoints, perf events, raw tracepoints, fentry and the like);
    /// false for the helpers of <c>bpf_base_func_proto</c> that the tracing programs' list leaves out.
    /// </param>
    /// <param name="Arguments">The helper's arguments in order, when they are not all the C# arguments' values.</param>
    /// <param name="ChangesPacket">It may change the packet's bytes or bounds, so the verifier forgets every packet reference at the call (<c>bpf_helper_changes_pkt_data</c>).</param>
    /// <param name="Only">The program types the kernel gives it to, when it gives it to a few only (null: all, but for <paramref name="Tracing"/>).</param>
    internal readonly record struct HelperInfo(HelperId Id, string Name, bool GplOnly, string? Method = null, bool Tracing = true, HelperArgument[]? Arguments = null,
        bool ChangesPacket = false, ProgramType[]? Only = null)
    {
        /// <summary>True for the program types whose helpers are the tracing list (<c>bpf_tracing_func_proto</c>).</summary>
        public static bool IsTracing(ProgramType type) => type is ProgramType.Kprobe or ProgramType.Tracepoint or ProgramType.PerfEvent
            or ProgramType.RawTracepoint or ProgramType.RawTracepointWritable or ProgramType.Tracing;
    }

    /// <summary>The helpers BpfDotnet calls.</summary>
    internal static class Helpers
    {
        /// <summary>The probe reads' arguments: the destination (C# argument 1, an out variable or a span), its size, the address (C# argument 0).</summary>
        private static readonly HelperArgument[] ReadInto = { HelperArgument.Into(1), HelperArgument.Size, HelperArgument.Address(0) };

        private static readonly ProgramType[] Xdp = { ProgramType.Xdp };
        private static readonly ProgramType[] Tc = { ProgramType.SchedCls, ProgramType.SchedAct };
        private static readonly ProgramType[] Sysctl = { ProgramType.CgroupSysctl };
        private static readonly ProgramType[] TcAndLwt = { ProgramType.SchedCls, ProgramType.SchedAct, ProgramType.LwtXmit };

        /// <summary>The context (C# argument 0), then <paramref name="scalars"/> integers (C# arguments 1 on).</summary>
        private static HelperArgument[] ContextThen(int scalars)
        {
            var arguments = new HelperArgument[scalars + 1];
            arguments[0] = HelperArgument.Context(0);
            for (int i = 1; i <= scalars; i++) arguments[i] = HelperArgument.Scalar(i);
            return arguments;
        }

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
            // (char *buf, u32 size): the task's name into an out TaskComm.
            new(HelperId.GetCurrentComm, "bpf_get_current_comm", false, "GetCurrentComm", Arguments: new[] { HelperArgument.Into(0), HelperArgument.Size }),
            new(HelperId.PerfEventOutput, "bpf_perf_event_output", true),
            new(HelperId.GetStackid, "bpf_get_stackid", true),
            // (void *ctx, void *buf, u32 size, u64 flags): the current stack's addresses into a span.
            new(HelperId.GetStack, "bpf_get_stack", true, "GetStack",
                Arguments: new[] { HelperArgument.Context(0), HelperArgument.Into(1), HelperArgument.Size, HelperArgument.Scalar(2) }),
            new(HelperId.GetCurrentTask, "bpf_get_current_task", true, "GetCurrentTask"),
            // (void *dst, u32 size, const void *unsafe_ptr): into an out T, or a byte span; the strings into a span.
            new(HelperId.ProbeReadUser, "bpf_probe_read_user", true, "ProbeReadUser", Arguments: ReadInto),
            new(HelperId.ProbeReadKernel, "bpf_probe_read_kernel", true, "ProbeReadKernel", Arguments: ReadInto),
            new(HelperId.ProbeReadUserStr, "bpf_probe_read_user_str", true, "ProbeReadUserString", Arguments: ReadInto),
            new(HelperId.ProbeReadKernelStr, "bpf_probe_read_kernel_str", true, "ProbeReadKernelString", Arguments: ReadInto),
            new(HelperId.GetNumaNodeId, "bpf_get_numa_node_id", false, "GetNumaNodeId"),
            new(HelperId.MapPushElem, "bpf_map_push_elem", false),
            // (struct sk_buff *skb, u32 offset, void *to, u32 len): packet bytes out, for socket filters' TryReadPacket.
            new(HelperId.SkbLoadBytes, "bpf_skb_load_bytes", false, Tracing: false),
            // The helpers that change or send the packet: (ctx, scalars...), or skb_store_bytes' (skb, offset, from, len, flags).
            new(HelperId.XdpAdjustHead, "bpf_xdp_adjust_head", false, "XdpAdjustHead", false, ContextThen(1), true, Xdp),
            new(HelperId.XdpAdjustTail, "bpf_xdp_adjust_tail", false, "XdpAdjustTail", false, ContextThen(1), true, Xdp),
            new(HelperId.XdpAdjustMeta, "bpf_xdp_adjust_meta", false, "XdpAdjustMeta", false, ContextThen(1), true, Xdp),
            new(HelperId.Redirect, "bpf_redirect", false, "XdpRedirect", false, null, false, Xdp),
            // (void *ctx, struct bpf_fib_lookup *params, int plen, u32 flags).
            new(HelperId.FibLookup, "bpf_fib_lookup", true, "FibLookup", false,
                new[] { HelperArgument.Context(0), HelperArgument.ReadFrom(1), HelperArgument.Size, HelperArgument.Scalar(2) }, false, new[] { ProgramType.Xdp, ProgramType.SchedCls, ProgramType.SchedAct }),
            // cgroup sysctl programs: (ctx, buf, buf_len[, flags]) into or from a byte span.
            new(HelperId.SysctlGetName, "bpf_sysctl_get_name", false, "SysctlGetName", false,
                new[] { HelperArgument.Context(0), HelperArgument.Into(1), HelperArgument.Size, HelperArgument.Scalar(2) }, false, Sysctl),
            new(HelperId.SysctlGetCurrentValue, "bpf_sysctl_get_current_value", false, "SysctlGetCurrentValue", false,
                new[] { HelperArgument.Context(0), HelperArgument.Into(1), HelperArgument.Size }, false, Sysctl),
            new(HelperId.SysctlGetNewValue, "bpf_sysctl_get_new_value", false, "SysctlGetNewValue", false,
                new[] { HelperArgument.Context(0), HelperArgument.Into(1), HelperArgument.Size }, false, Sysctl),
            new(HelperId.SysctlSetNewValue, "bpf_sysctl_set_new_value", false, "SysctlSetNewValue", false,
                new[] { HelperArgument.Context(0), HelperArgument.ReadFrom(1), HelperArgument.Size }, false, Sysctl),
            // (void *map, u64 key, u64 flags): the redirect maps' Redirect.
            new(HelperId.RedirectMap, "bpf_redirect_map", false, null, false, null, false, Xdp),
            new(HelperId.Redirect, "bpf_redirect", false, "Redirect", false, null, false, Tc),
            new(HelperId.CloneRedirect, "bpf_clone_redirect", false, "CloneRedirect", false, ContextThen(2), true, Tc),
            new(HelperId.SkbStoreBytes, "bpf_skb_store_bytes", false, "SkbStoreBytes", false,
                new[] { HelperArgument.Context(0), HelperArgument.Scalar(1), HelperArgument.ReadFrom(2), HelperArgument.Size, HelperArgument.Scalar(3) }, true, TcAndLwt),
            new(HelperId.L3CsumReplace, "bpf_l3_csum_replace", false, "L3CsumReplace", false, ContextThen(4), true, TcAndLwt),
            new(HelperId.L4CsumReplace, "bpf_l4_csum_replace", false, "L4CsumReplace", false, ContextThen(4), true, TcAndLwt),
            new(HelperId.SkbChangeHead, "bpf_skb_change_head", false, "SkbChangeHead", false, ContextThen(2), true, new[] { ProgramType.SchedCls, ProgramType.SchedAct, ProgramType.SkSkb }),
            // (skb, len): makes the first len bytes direct packet data (an sk_skb program's data can start out of reach).
            new(HelperId.SkbPullData, "bpf_skb_pull_data", false, "SkbPullData", false, ContextThen(1), true, new[] { ProgramType.SchedCls, ProgramType.SchedAct, ProgramType.SkSkb }),
            new(HelperId.SkbChangeTail, "bpf_skb_change_tail", false, "SkbChangeTail", false, ContextThen(2), true, new[] { ProgramType.SchedCls, ProgramType.SchedAct, ProgramType.SkSkb }),
            // (ctx, struct bpf_sock *sk, u64 flags) and (sk): an sk_lookup program handing the connection to a socket of a sockmap, and the reference's release.
            new(HelperId.SkAssign, "bpf_sk_assign", false, null, false, null, false, new[] { ProgramType.SkLookup, ProgramType.SchedCls, ProgramType.SchedAct }),
            new(HelperId.SkRelease, "bpf_sk_release", false, null, false),
            // sk_msg programs: (msg, map, key, flags) sends the message to a socket of a sockmap; (msg, bytes) gives the
            // verdict to that many bytes, or holds back until that many are sent.
            new(HelperId.MsgRedirectMap, "bpf_msg_redirect_map", false, null, false, null, false, new[] { ProgramType.SkMsg }),
            new(HelperId.SkRedirectMap, "bpf_sk_redirect_map", false, null, false, null, false, new[] { ProgramType.SkSkb }),
            // (msg or skb, map, void *key, flags): the sockhash's key by address.
            new(HelperId.MsgRedirectHash, "bpf_msg_redirect_hash", false, null, false, null, false, new[] { ProgramType.SkMsg }),
            new(HelperId.SkRedirectHash, "bpf_sk_redirect_hash", false, null, false, null, false, new[] { ProgramType.SkSkb }),
            new(HelperId.MsgApplyBytes, "bpf_msg_apply_bytes", false, "MsgApplyBytes", false, ContextThen(1), false, new[] { ProgramType.SkMsg }),
            new(HelperId.MsgCorkBytes, "bpf_msg_cork_bytes", false, "MsgCorkBytes", false, ContextThen(1), false, new[] { ProgramType.SkMsg }),
            new(HelperId.MapPopElem, "bpf_map_pop_elem", false),
            new(HelperId.MapPeekElem, "bpf_map_peek_elem", false),
            new(HelperId.GetCurrentCgroupId, "bpf_get_current_cgroup_id", false, "GetCurrentCgroupId"),
            new(HelperId.Jiffies64, "bpf_jiffies64", false, "Jiffies64"),
            new(HelperId.KtimeGetBootNs, "bpf_ktime_get_boot_ns", false, "KtimeGetBootNs"),
            new(HelperId.KtimeGetCoarseNs, "bpf_ktime_get_coarse_ns", false, "KtimeGetCoarseNs", Tracing: false),
            new(HelperId.SendSignal, "bpf_send_signal", false, "SendSignal"),
            // (u64 dev, u64 ino, struct bpf_pidns_info *nsdata, u32 size).
            new(HelperId.GetNsCurrentPidTgid, "bpf_get_ns_current_pid_tgid", false, "GetNsCurrentPidTgid",
                Arguments: new[] { HelperArgument.Scalar(0), HelperArgument.Scalar(1), HelperArgument.OutZeroed(2), HelperArgument.Size }),
            new(HelperId.Snprintf, "bpf_snprintf", true),
            // Iterator programs' output: (struct seq_file *m, const void *data, u32 len), and bpf_seq_printf's (m, fmt, fmt_size, data, data_len).
            new(HelperId.SeqWrite, "bpf_seq_write", true, "SeqWrite", true, new[] { HelperArgument.IteratorOutput(0), HelperArgument.ReadFrom(1), HelperArgument.Size }, false, new[] { ProgramType.Tracing }),
            new(HelperId.SeqPrintf, "bpf_seq_printf", true, null, true, null, false, new[] { ProgramType.Tracing }),
            // (void *ctx): the cookie the attachment gave the program (a uprobe_multi link's per-function index, say).
            new(HelperId.GetAttachCookie, "bpf_get_attach_cookie", false, "GetAttachCookie", true, ContextThen(0), false,
                new[] { ProgramType.Kprobe, ProgramType.Tracepoint, ProgramType.PerfEvent, ProgramType.RawTracepoint, ProgramType.Tracing, ProgramType.Lsm }),
            // (u32 nr_loops, void *callback_fn, void *callback_ctx, u64 flags): a loop whose walk would pass the verifier's budget (5.17+).
            new(HelperId.Loop, "bpf_loop", false),
            new(HelperId.RingbufOutput, "bpf_ringbuf_output", false),
            new(HelperId.RingbufQuery, "bpf_ringbuf_query", false),
            new(HelperId.RingbufReserve, "bpf_ringbuf_reserve", false),
            new(HelperId.RingbufSubmit, "bpf_ringbuf_submit", false),
            new(HelperId.RingbufDiscard, "bpf_ringbuf_discard", false),
        };

        /// <summary>The helper the <c>Bpf</c> method <paramref name="method"/> calls by its table entry, or null.</summary>
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

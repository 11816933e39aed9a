namespace BpfDotnet
{
    /// <summary>Kernel program types (<c>enum bpf_prog_type</c>).</summary>
    public enum BpfProgramType : uint
    {
        /// <summary>Unspecified (invalid for loading).</summary>
        Unspec = (uint)KernelModel.ProgramType.Unspec,

        /// <summary>Socket filter (BPF_PROG_TYPE_SOCKET_FILTER).</summary>
        SocketFilter = (uint)KernelModel.ProgramType.SocketFilter,

        /// <summary>kprobe/kretprobe/uprobe/uretprobe (BPF_PROG_TYPE_KPROBE).</summary>
        Kprobe = (uint)KernelModel.ProgramType.Kprobe,

        /// <summary>tc/tcx classifier (BPF_PROG_TYPE_SCHED_CLS).</summary>
        SchedCls = (uint)KernelModel.ProgramType.SchedCls,

        /// <summary>tc action (BPF_PROG_TYPE_SCHED_ACT).</summary>
        SchedAct = (uint)KernelModel.ProgramType.SchedAct,

        /// <summary>Tracepoint (BPF_PROG_TYPE_TRACEPOINT).</summary>
        Tracepoint = (uint)KernelModel.ProgramType.Tracepoint,

        /// <summary>XDP (BPF_PROG_TYPE_XDP).</summary>
        Xdp = (uint)KernelModel.ProgramType.Xdp,

        /// <summary>Perf event (BPF_PROG_TYPE_PERF_EVENT).</summary>
        PerfEvent = (uint)KernelModel.ProgramType.PerfEvent,

        /// <summary>cgroup skb ingress/egress (BPF_PROG_TYPE_CGROUP_SKB).</summary>
        CgroupSkb = (uint)KernelModel.ProgramType.CgroupSkb,

        /// <summary>cgroup socket (BPF_PROG_TYPE_CGROUP_SOCK).</summary>
        CgroupSock = (uint)KernelModel.ProgramType.CgroupSock,

        /// <summary>Lightweight tunnel input (BPF_PROG_TYPE_LWT_IN).</summary>
        LwtIn = (uint)KernelModel.ProgramType.LwtIn,

        /// <summary>Lightweight tunnel output (BPF_PROG_TYPE_LWT_OUT).</summary>
        LwtOut = (uint)KernelModel.ProgramType.LwtOut,

        /// <summary>Lightweight tunnel transmit (BPF_PROG_TYPE_LWT_XMIT).</summary>
        LwtXmit = (uint)KernelModel.ProgramType.LwtXmit,

        /// <summary>Socket operations (BPF_PROG_TYPE_SOCK_OPS).</summary>
        SockOps = (uint)KernelModel.ProgramType.SockOps,

        /// <summary>sockmap skb (BPF_PROG_TYPE_SK_SKB).</summary>
        SkSkb = (uint)KernelModel.ProgramType.SkSkb,

        /// <summary>cgroup device access (BPF_PROG_TYPE_CGROUP_DEVICE).</summary>
        CgroupDevice = (uint)KernelModel.ProgramType.CgroupDevice,

        /// <summary>sockmap message (BPF_PROG_TYPE_SK_MSG).</summary>
        SkMsg = (uint)KernelModel.ProgramType.SkMsg,

        /// <summary>Raw tracepoint (BPF_PROG_TYPE_RAW_TRACEPOINT).</summary>
        RawTracepoint = (uint)KernelModel.ProgramType.RawTracepoint,

        /// <summary>cgroup socket address hooks such as connect4 (BPF_PROG_TYPE_CGROUP_SOCK_ADDR).</summary>
        CgroupSockAddr = (uint)KernelModel.ProgramType.CgroupSockAddr,

        /// <summary>SRv6 local (BPF_PROG_TYPE_LWT_SEG6LOCAL).</summary>
        LwtSeg6Local = (uint)KernelModel.ProgramType.LwtSeg6Local,

        /// <summary>Infrared decoder (BPF_PROG_TYPE_LIRC_MODE2).</summary>
        LircMode2 = (uint)KernelModel.ProgramType.LircMode2,

        /// <summary>SO_REUSEPORT selection (BPF_PROG_TYPE_SK_REUSEPORT).</summary>
        SkReuseport = (uint)KernelModel.ProgramType.SkReuseport,

        /// <summary>Flow dissector (BPF_PROG_TYPE_FLOW_DISSECTOR).</summary>
        FlowDissector = (uint)KernelModel.ProgramType.FlowDissector,

        /// <summary>cgroup sysctl (BPF_PROG_TYPE_CGROUP_SYSCTL).</summary>
        CgroupSysctl = (uint)KernelModel.ProgramType.CgroupSysctl,

        /// <summary>Writable raw tracepoint (BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE).</summary>
        RawTracepointWritable = (uint)KernelModel.ProgramType.RawTracepointWritable,

        /// <summary>cgroup get/setsockopt (BPF_PROG_TYPE_CGROUP_SOCKOPT).</summary>
        CgroupSockopt = (uint)KernelModel.ProgramType.CgroupSockopt,

        /// <summary>BTF-typed tracing: tp_btf, fentry, fexit, fmod_ret, iter (BPF_PROG_TYPE_TRACING).</summary>
        Tracing = (uint)KernelModel.ProgramType.Tracing,

        /// <summary>struct_ops (BPF_PROG_TYPE_STRUCT_OPS).</summary>
        StructOps = (uint)KernelModel.ProgramType.StructOps,

        /// <summary>Freplace extension (BPF_PROG_TYPE_EXT).</summary>
        Ext = (uint)KernelModel.ProgramType.Ext,

        /// <summary>LSM hook (BPF_PROG_TYPE_LSM).</summary>
        Lsm = (uint)KernelModel.ProgramType.Lsm,

        /// <summary>Socket lookup (BPF_PROG_TYPE_SK_LOOKUP).</summary>
        SkLookup = (uint)KernelModel.ProgramType.SkLookup,

        /// <summary>Syscall program run with BPF_PROG_TEST_RUN (BPF_PROG_TYPE_SYSCALL).</summary>
        Syscall = (uint)KernelModel.ProgramType.Syscall,

        /// <summary>Netfilter hook (BPF_PROG_TYPE_NETFILTER).</summary>
        Netfilter = (uint)KernelModel.ProgramType.Netfilter,
    }
}

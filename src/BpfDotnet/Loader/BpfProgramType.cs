namespace BpfDotnet
{
    /// <summary>Kernel program types (<c>enum bpf_prog_type</c>).</summary>
    public enum BpfProgramType : uint
    {
        /// <summary>Unspecified (invalid for loading).</summary>
        Unspec = 0,

        /// <summary>Socket filter (BPF_PROG_TYPE_SOCKET_FILTER).</summary>
        SocketFilter = 1,

        /// <summary>kprobe/kretprobe/uprobe/uretprobe (BPF_PROG_TYPE_KPROBE).</summary>
        Kprobe = 2,

        /// <summary>tc/tcx classifier (BPF_PROG_TYPE_SCHED_CLS).</summary>
        SchedCls = 3,

        /// <summary>tc action (BPF_PROG_TYPE_SCHED_ACT).</summary>
        SchedAct = 4,

        /// <summary>Tracepoint (BPF_PROG_TYPE_TRACEPOINT).</summary>
        Tracepoint = 5,

        /// <summary>XDP (BPF_PROG_TYPE_XDP).</summary>
        Xdp = 6,

        /// <summary>Perf event (BPF_PROG_TYPE_PERF_EVENT).</summary>
        PerfEvent = 7,

        /// <summary>cgroup skb ingress/egress (BPF_PROG_TYPE_CGROUP_SKB).</summary>
        CgroupSkb = 8,

        /// <summary>cgroup socket (BPF_PROG_TYPE_CGROUP_SOCK).</summary>
        CgroupSock = 9,

        /// <summary>Lightweight tunnel input (BPF_PROG_TYPE_LWT_IN).</summary>
        LwtIn = 10,

        /// <summary>Lightweight tunnel output (BPF_PROG_TYPE_LWT_OUT).</summary>
        LwtOut = 11,

        /// <summary>Lightweight tunnel transmit (BPF_PROG_TYPE_LWT_XMIT).</summary>
        LwtXmit = 12,

        /// <summary>Socket operations (BPF_PROG_TYPE_SOCK_OPS).</summary>
        SockOps = 13,

        /// <summary>sockmap skb (BPF_PROG_TYPE_SK_SKB).</summary>
        SkSkb = 14,

        /// <summary>cgroup device access (BPF_PROG_TYPE_CGROUP_DEVICE).</summary>
        CgroupDevice = 15,

        /// <summary>sockmap message (BPF_PROG_TYPE_SK_MSG).</summary>
        SkMsg = 16,

        /// <summary>Raw tracepoint (BPF_PROG_TYPE_RAW_TRACEPOINT).</summary>
        RawTracepoint = 17,

        /// <summary>cgroup socket address hooks such as connect4 (BPF_PROG_TYPE_CGROUP_SOCK_ADDR).</summary>
        CgroupSockAddr = 18,

        /// <summary>SRv6 local (BPF_PROG_TYPE_LWT_SEG6LOCAL).</summary>
        LwtSeg6Local = 19,

        /// <summary>Infrared decoder (BPF_PROG_TYPE_LIRC_MODE2).</summary>
        LircMode2 = 20,

        /// <summary>SO_REUSEPORT selection (BPF_PROG_TYPE_SK_REUSEPORT).</summary>
        SkReuseport = 21,

        /// <summary>Flow dissector (BPF_PROG_TYPE_FLOW_DISSECTOR).</summary>
        FlowDissector = 22,

        /// <summary>cgroup sysctl (BPF_PROG_TYPE_CGROUP_SYSCTL).</summary>
        CgroupSysctl = 23,

        /// <summary>Writable raw tracepoint (BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE).</summary>
        RawTracepointWritable = 24,

        /// <summary>cgroup get/setsockopt (BPF_PROG_TYPE_CGROUP_SOCKOPT).</summary>
        CgroupSockopt = 25,

        /// <summary>BTF-typed tracing: tp_btf, fentry, fexit, fmod_ret, iter (BPF_PROG_TYPE_TRACING).</summary>
        Tracing = 26,

        /// <summary>struct_ops (BPF_PROG_TYPE_STRUCT_OPS).</summary>
        StructOps = 27,

        /// <summary>Freplace extension (BPF_PROG_TYPE_EXT).</summary>
        Ext = 28,

        /// <summary>LSM hook (BPF_PROG_TYPE_LSM).</summary>
        Lsm = 29,

        /// <summary>Socket lookup (BPF_PROG_TYPE_SK_LOOKUP).</summary>
        SkLookup = 30,

        /// <summary>Syscall program run with BPF_PROG_TEST_RUN (BPF_PROG_TYPE_SYSCALL).</summary>
        Syscall = 31,

        /// <summary>Netfilter hook (BPF_PROG_TYPE_NETFILTER).</summary>
        Netfilter = 32,
    }
}

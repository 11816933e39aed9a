namespace BpfDotnet.KernelModel
{
    /// <summary><c>enum bpf_prog_type</c>.</summary>
    internal enum ProgramType : uint
    {
        Unspec = 0, SocketFilter = 1, Kprobe = 2, SchedCls = 3, SchedAct = 4, Tracepoint = 5, Xdp = 6, PerfEvent = 7,
        CgroupSkb = 8, CgroupSock = 9, LwtIn = 10, LwtOut = 11, LwtXmit = 12, SockOps = 13, SkSkb = 14, CgroupDevice = 15,
        SkMsg = 16, RawTracepoint = 17, CgroupSockAddr = 18, LwtSeg6Local = 19, LircMode2 = 20, SkReuseport = 21,
        FlowDissector = 22, CgroupSysctl = 23, RawTracepointWritable = 24, CgroupSockopt = 25, Tracing = 26, StructOps = 27,
        Ext = 28, Lsm = 29, SkLookup = 30, Syscall = 31, Netfilter = 32,
    }
}

namespace BpfDotnet.KernelModel
{
    /// <summary><c>enum bpf_attach_type</c> (the expected attach type a program is loaded with).</summary>
    internal enum AttachType : uint
    {
        CgroupInetIngress = 0, CgroupInetEgress = 1, CgroupInetSockCreate = 2, CgroupSockOps = 3, SkSkbStreamParser = 4,
        SkSkbStreamVerdict = 5, CgroupDevice = 6, SkMsgVerdict = 7, CgroupInet4Bind = 8, CgroupInet6Bind = 9,
        CgroupInet4Connect = 10, CgroupInet6Connect = 11, CgroupUdp4Sendmsg = 14, CgroupUdp6Sendmsg = 15, FlowDissector = 17,
        CgroupSysctl = 18, CgroupUdp4Recvmsg = 19, CgroupUdp6Recvmsg = 20, CgroupGetsockopt = 21, CgroupSetsockopt = 22,
        TraceRawTp = 23, TraceFentry = 24, TraceFexit = 25, ModifyReturn = 26, LsmMac = 27, TraceIter = 28, SkLookup = 36,
        Xdp = 37, PerfEvent = 41, TraceKprobeMulti = 42, Netfilter = 45, TcxIngress = 46, TcxEgress = 47, TraceUprobeMulti = 48,
    }
}

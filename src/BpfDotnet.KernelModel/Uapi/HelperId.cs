namespace BpfDotnet.KernelModel
{
    /// <summary>Helper function ids (<c>enum bpf_func_id</c>) of the helpers BpfDotnet calls.</summary>
    internal enum HelperId
    {
        MapLookupElem = 1,
        MapUpdateElem = 2,
        MapDeleteElem = 3,
        KtimeGetNs = 5,
        TracePrintk = 6,
        GetPrandomU32 = 7,
        GetSmpProcessorId = 8,
        GetCurrentPidTgid = 14,
        GetCurrentUidGid = 15,
        GetCurrentComm = 16,
        PerfEventOutput = 25,
        GetStackid = 27,
        GetCurrentTask = 35,
        GetNumaNodeId = 42,
        GetCurrentCgroupId = 80,
        MapPushElem = 87,
        MapPopElem = 88,
        MapPeekElem = 89,
        ProbeReadUser = 112,
        ProbeReadKernel = 113,
        ProbeReadUserStr = 114,
        ProbeReadKernelStr = 115,
        SendSignal = 109,
        Jiffies64 = 118,
        GetNsCurrentPidTgid = 120,
        KtimeGetBootNs = 125,
        RingbufOutput = 130,
        RingbufReserve = 131,
        RingbufSubmit = 132,
        RingbufDiscard = 133,
        RingbufQuery = 134,
        KtimeGetCoarseNs = 160,
    }
}

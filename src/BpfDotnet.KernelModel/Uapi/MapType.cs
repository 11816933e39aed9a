namespace BpfDotnet.KernelModel
{
    /// <summary><c>enum bpf_map_type</c>.</summary>
    internal enum MapType : uint
    {
        Unspec = 0, Hash = 1, Array = 2, ProgArray = 3, PerfEventArray = 4, PercpuHash = 5, PercpuArray = 6, StackTrace = 7,
        CgroupArray = 8, LruHash = 9, LruPercpuHash = 10, LpmTrie = 11, ArrayOfMaps = 12, HashOfMaps = 13, Devmap = 14,
        Sockmap = 15, Cpumap = 16, Xskmap = 17, Sockhash = 18, CgroupStorage = 19, ReuseportSockarray = 20,
        PercpuCgroupStorage = 21, Queue = 22, Stack = 23, SkStorage = 24, DevmapHash = 25, StructOps = 26, Ringbuf = 27,
        InodeStorage = 28, TaskStorage = 29, BloomFilter = 30, UserRingbuf = 31, CgrpStorage = 32, Arena = 33,
    }
}

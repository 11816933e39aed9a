namespace BpfDotnet
{
    /// <summary>Kernel map types (<c>enum bpf_map_type</c>).</summary>
    public enum BpfMapType : uint
    {
        /// <summary>Unspecified (invalid).</summary>
        Unspec = (uint)KernelModel.MapType.Unspec,

        /// <summary>Hash table (BPF_MAP_TYPE_HASH).</summary>
        Hash = (uint)KernelModel.MapType.Hash,

        /// <summary>Array indexed by u32 (BPF_MAP_TYPE_ARRAY).</summary>
        Array = (uint)KernelModel.MapType.Array,

        /// <summary>Program array for tail calls (BPF_MAP_TYPE_PROG_ARRAY).</summary>
        ProgArray = (uint)KernelModel.MapType.ProgArray,

        /// <summary>Perf event buffer per CPU (BPF_MAP_TYPE_PERF_EVENT_ARRAY).</summary>
        PerfEventArray = (uint)KernelModel.MapType.PerfEventArray,

        /// <summary>Hash table with one value per CPU (BPF_MAP_TYPE_PERCPU_HASH).</summary>
        PercpuHash = (uint)KernelModel.MapType.PercpuHash,

        /// <summary>Array with one value per CPU (BPF_MAP_TYPE_PERCPU_ARRAY).</summary>
        PercpuArray = (uint)KernelModel.MapType.PercpuArray,

        /// <summary>Stack traces (BPF_MAP_TYPE_STACK_TRACE).</summary>
        StackTrace = (uint)KernelModel.MapType.StackTrace,

        /// <summary>cgroup references (BPF_MAP_TYPE_CGROUP_ARRAY).</summary>
        CgroupArray = (uint)KernelModel.MapType.CgroupArray,

        /// <summary>Hash table with LRU eviction (BPF_MAP_TYPE_LRU_HASH).</summary>
        LruHash = (uint)KernelModel.MapType.LruHash,

        /// <summary>Per-CPU hash table with LRU eviction (BPF_MAP_TYPE_LRU_PERCPU_HASH).</summary>
        LruPercpuHash = (uint)KernelModel.MapType.LruPercpuHash,

        /// <summary>Longest-prefix-match trie (BPF_MAP_TYPE_LPM_TRIE).</summary>
        LpmTrie = (uint)KernelModel.MapType.LpmTrie,

        /// <summary>Array of maps (BPF_MAP_TYPE_ARRAY_OF_MAPS).</summary>
        ArrayOfMaps = (uint)KernelModel.MapType.ArrayOfMaps,

        /// <summary>Hash of maps (BPF_MAP_TYPE_HASH_OF_MAPS).</summary>
        HashOfMaps = (uint)KernelModel.MapType.HashOfMaps,

        /// <summary>Device redirect map (BPF_MAP_TYPE_DEVMAP).</summary>
        Devmap = (uint)KernelModel.MapType.Devmap,

        /// <summary>Socket map (BPF_MAP_TYPE_SOCKMAP).</summary>
        Sockmap = (uint)KernelModel.MapType.Sockmap,

        /// <summary>CPU redirect map (BPF_MAP_TYPE_CPUMAP).</summary>
        Cpumap = (uint)KernelModel.MapType.Cpumap,

        /// <summary>AF_XDP socket map (BPF_MAP_TYPE_XSKMAP).</summary>
        Xskmap = (uint)KernelModel.MapType.Xskmap,

        /// <summary>Socket hash (BPF_MAP_TYPE_SOCKHASH).</summary>
        Sockhash = (uint)KernelModel.MapType.Sockhash,

        /// <summary>cgroup storage (BPF_MAP_TYPE_CGROUP_STORAGE).</summary>
        CgroupStorage = (uint)KernelModel.MapType.CgroupStorage,

        /// <summary>Reuseport socket array (BPF_MAP_TYPE_REUSEPORT_SOCKARRAY).</summary>
        ReuseportSockarray = (uint)KernelModel.MapType.ReuseportSockarray,

        /// <summary>Per-CPU cgroup storage (BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE).</summary>
        PercpuCgroupStorage = (uint)KernelModel.MapType.PercpuCgroupStorage,

        /// <summary>FIFO queue (BPF_MAP_TYPE_QUEUE).</summary>
        Queue = (uint)KernelModel.MapType.Queue,

        /// <summary>LIFO stack (BPF_MAP_TYPE_STACK).</summary>
        Stack = (uint)KernelModel.MapType.Stack,

        /// <summary>Socket-local storage (BPF_MAP_TYPE_SK_STORAGE).</summary>
        SkStorage = (uint)KernelModel.MapType.SkStorage,

        /// <summary>Device redirect hash (BPF_MAP_TYPE_DEVMAP_HASH).</summary>
        DevmapHash = (uint)KernelModel.MapType.DevmapHash,

        /// <summary>struct_ops (BPF_MAP_TYPE_STRUCT_OPS).</summary>
        StructOps = (uint)KernelModel.MapType.StructOps,

        /// <summary>Ring buffer (BPF_MAP_TYPE_RINGBUF).</summary>
        Ringbuf = (uint)KernelModel.MapType.Ringbuf,

        /// <summary>Inode-local storage (BPF_MAP_TYPE_INODE_STORAGE).</summary>
        InodeStorage = (uint)KernelModel.MapType.InodeStorage,

        /// <summary>Task-local storage (BPF_MAP_TYPE_TASK_STORAGE).</summary>
        TaskStorage = (uint)KernelModel.MapType.TaskStorage,

        /// <summary>Bloom filter (BPF_MAP_TYPE_BLOOM_FILTER).</summary>
        BloomFilter = (uint)KernelModel.MapType.BloomFilter,

        /// <summary>User-space-to-kernel ring buffer (BPF_MAP_TYPE_USER_RINGBUF).</summary>
        UserRingbuf = (uint)KernelModel.MapType.UserRingbuf,

        /// <summary>cgroup-local storage (BPF_MAP_TYPE_CGRP_STORAGE).</summary>
        CgrpStorage = (uint)KernelModel.MapType.CgrpStorage,

        /// <summary>Shared memory arena (BPF_MAP_TYPE_ARENA).</summary>
        Arena = (uint)KernelModel.MapType.Arena,
    }
}

namespace BpfDotnet
{
    /// <summary>Kernel map types (<c>enum bpf_map_type</c>).</summary>
    public enum BpfMapType : uint
    {
        /// <summary>Unspecified (invalid).</summary>
        Unspec = 0,

        /// <summary>Hash table (BPF_MAP_TYPE_HASH).</summary>
        Hash = 1,

        /// <summary>Array indexed by u32 (BPF_MAP_TYPE_ARRAY).</summary>
        Array = 2,

        /// <summary>Program array for tail calls (BPF_MAP_TYPE_PROG_ARRAY).</summary>
        ProgArray = 3,

        /// <summary>Perf event buffer per CPU (BPF_MAP_TYPE_PERF_EVENT_ARRAY).</summary>
        PerfEventArray = 4,

        /// <summary>Hash table with one value per CPU (BPF_MAP_TYPE_PERCPU_HASH).</summary>
        PercpuHash = 5,

        /// <summary>Array with one value per CPU (BPF_MAP_TYPE_PERCPU_ARRAY).</summary>
        PercpuArray = 6,

        /// <summary>Stack traces (BPF_MAP_TYPE_STACK_TRACE).</summary>
        StackTrace = 7,

        /// <summary>cgroup references (BPF_MAP_TYPE_CGROUP_ARRAY).</summary>
        CgroupArray = 8,

        /// <summary>Hash table with LRU eviction (BPF_MAP_TYPE_LRU_HASH).</summary>
        LruHash = 9,

        /// <summary>Per-CPU hash table with LRU eviction (BPF_MAP_TYPE_LRU_PERCPU_HASH).</summary>
        LruPercpuHash = 10,

        /// <summary>Longest-prefix-match trie (BPF_MAP_TYPE_LPM_TRIE).</summary>
        LpmTrie = 11,

        /// <summary>Array of maps (BPF_MAP_TYPE_ARRAY_OF_MAPS).</summary>
        ArrayOfMaps = 12,

        /// <summary>Hash of maps (BPF_MAP_TYPE_HASH_OF_MAPS).</summary>
        HashOfMaps = 13,

        /// <summary>Device redirect map (BPF_MAP_TYPE_DEVMAP).</summary>
        Devmap = 14,

        /// <summary>Socket map (BPF_MAP_TYPE_SOCKMAP).</summary>
        Sockmap = 15,

        /// <summary>CPU redirect map (BPF_MAP_TYPE_CPUMAP).</summary>
        Cpumap = 16,

        /// <summary>AF_XDP socket map (BPF_MAP_TYPE_XSKMAP).</summary>
        Xskmap = 17,

        /// <summary>Socket hash (BPF_MAP_TYPE_SOCKHASH).</summary>
        Sockhash = 18,

        /// <summary>cgroup storage (BPF_MAP_TYPE_CGROUP_STORAGE).</summary>
        CgroupStorage = 19,

        /// <summary>Reuseport socket array (BPF_MAP_TYPE_REUSEPORT_SOCKARRAY).</summary>
        ReuseportSockarray = 20,

        /// <summary>Per-CPU cgroup storage (BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE).</summary>
        PercpuCgroupStorage = 21,

        /// <summary>FIFO queue (BPF_MAP_TYPE_QUEUE).</summary>
        Queue = 22,

        /// <summary>LIFO stack (BPF_MAP_TYPE_STACK).</summary>
        Stack = 23,

        /// <summary>Socket-local storage (BPF_MAP_TYPE_SK_STORAGE).</summary>
        SkStorage = 24,

        /// <summary>Device redirect hash (BPF_MAP_TYPE_DEVMAP_HASH).</summary>
        DevmapHash = 25,

        /// <summary>struct_ops (BPF_MAP_TYPE_STRUCT_OPS).</summary>
        StructOps = 26,

        /// <summary>Ring buffer (BPF_MAP_TYPE_RINGBUF).</summary>
        Ringbuf = 27,

        /// <summary>Inode-local storage (BPF_MAP_TYPE_INODE_STORAGE).</summary>
        InodeStorage = 28,

        /// <summary>Task-local storage (BPF_MAP_TYPE_TASK_STORAGE).</summary>
        TaskStorage = 29,

        /// <summary>Bloom filter (BPF_MAP_TYPE_BLOOM_FILTER).</summary>
        BloomFilter = 30,

        /// <summary>User-space-to-kernel ring buffer (BPF_MAP_TYPE_USER_RINGBUF).</summary>
        UserRingbuf = 31,

        /// <summary>cgroup-local storage (BPF_MAP_TYPE_CGRP_STORAGE).</summary>
        CgrpStorage = 32,

        /// <summary>Shared memory arena (BPF_MAP_TYPE_ARENA).</summary>
        Arena = 33,
    }
}

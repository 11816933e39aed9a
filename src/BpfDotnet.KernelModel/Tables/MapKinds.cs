namespace BpfDotnet.KernelModel
{
    /// <summary>A map kind: the C# type that declares it, and what the kernel accepts when it creates a map of its type.</summary>
    /// <param name="ClrType">The metadata name of the C# map type (<c>BpfDotnet.BpfHashMap`2</c>).</param>
    /// <param name="Type">The map type.</param>
    /// <param name="Flags">The <c>map_flags</c> it accepts (others make <c>BPF_MAP_CREATE</c> fail with EINVAL).</param>
    /// <param name="MaxEntries">The largest <c>max_entries</c> it can create.</param>
    /// <param name="KeyIsIndex">True when the key is a <c>uint</c> index (arrays): the C# type's only type argument is the value.</param>
    /// <param name="Records">
    /// True for a buffer of records (ring buffers): no key or value, <c>max_entries</c> is the size in bytes, and the C#
    /// type's only type argument is the record type.
    /// </param>
    /// <param name="UserHandle">The metadata name of the user-side type the loaded object gives for a map of this kind.</param>
    /// <param name="Factory">The <c>BpfObject</c> method that gives the user-side handle.</param>
    /// <param name="Keyless">True for maps of values without keys (queues, stacks, bloom filters): the C# type's only type argument is the value.</param>
    /// <param name="OfMaps">
    /// True for maps whose values are maps (array and hash of maps): the C# type's last type argument is the inner maps'
    /// type, the value a 4-byte map descriptor (from user space) or map id (read back).
    /// </param>
    /// <param name="Redirect">
    /// True for the maps an XDP program redirects through (devices, CPUs, AF_XDP sockets): the C# type takes no type
    /// arguments, keys and values are 4-byte integers user space sets, and a program only redirects through them.
    /// </param>
    internal readonly record struct MapKind(string ClrType, MapType Type, MapFlags Flags, uint MaxEntries, bool KeyIsIndex, bool Records = false,
        string UserHandle = "BpfDotnet.BpfMapHandle`2", string Factory = "GetMap", bool Keyless = false, bool OfMaps = false, bool Redirect = false)
    {
        /// <summary>
        /// True when maps of this kind can be the inner maps of a map of maps, with keys and values a program reaches
        /// through the inner map (the kernel refuses maps of maps as inner maps, and BpfDotnet's buffers of records and
        /// keyless maps are declared only as fields).
        /// </summary>
        public bool CanBeInner => !Records && !Keyless && !OfMaps && !Redirect && Type != MapType.StackTrace;
    }

    /// <summary>The map types BpfDotnet declares, with what the kernel accepts for each.</summary>
    internal static class MapKinds
    {
        /// <summary>
        /// A hash table has a power-of-two number of 16-byte buckets, at most <c>U32_MAX / 16</c> of them
        /// (<c>htab_map_alloc</c>); a NUMA node and a read-only/write-only choice are the other flags it takes
        /// (<c>HTAB_CREATE_FLAG_MASK</c>; BPF_F_NO_COMMON_LRU only for LRU hashes, BPF_F_NUMA_NODE needs a node BpfDotnet does not set).
        /// </summary>
        public static readonly MapKind Hash = new("BpfDotnet.BpfHashMap`2", MapType.Hash, MapFlags.NoPrealloc | MapFlags.AccessMask | MapFlags.ZeroSeed, 1u << 28, KeyIsIndex: false);

        /// <summary>An array is preallocated: it takes the access flags and BPF_F_MMAPABLE (<c>ARRAY_CREATE_FLAG_MASK</c>).</summary>
        public static readonly MapKind Array = new("BpfDotnet.BpfArrayMap`1", MapType.Array, MapFlags.Mmapable | MapFlags.AccessMask, uint.MaxValue, KeyIsIndex: true);

        private const string PerCpuHandle = "BpfDotnet.BpfPerCpuMapHandle`2";
        private const string PerCpuFactory = "GetPerCpuMap";

        /// <summary>A per-CPU hash takes the hash table's flags (<c>HTAB_CREATE_FLAG_MASK</c>).</summary>
        public static readonly MapKind PerCpuHash = new("BpfDotnet.BpfPerCpuHashMap`2", MapType.PercpuHash, MapFlags.NoPrealloc | MapFlags.AccessMask | MapFlags.ZeroSeed, 1u << 28,
            KeyIsIndex: false, UserHandle: PerCpuHandle, Factory: PerCpuFactory);

        /// <summary>A per-CPU array takes the access flags; it cannot be memory-mapped (<c>array_map_alloc_check</c>).</summary>
        public static readonly MapKind PerCpuArray = new("BpfDotnet.BpfPerCpuArrayMap`1", MapType.PercpuArray, MapFlags.AccessMask, uint.MaxValue,
            KeyIsIndex: true, UserHandle: PerCpuHandle, Factory: PerCpuFactory);

        /// <summary>An LRU hash is preallocated (no BPF_F_NO_PREALLOC); BPF_F_NO_COMMON_LRU gives each CPU its own LRU list.</summary>
        public static readonly MapKind LruHash = new("BpfDotnet.BpfLruHashMap`2", MapType.LruHash, MapFlags.NoCommonLru | MapFlags.AccessMask | MapFlags.ZeroSeed, 1u << 28, KeyIsIndex: false);

        /// <summary>A per-CPU LRU hash, as the LRU hash.</summary>
        public static readonly MapKind LruPerCpuHash = new("BpfDotnet.BpfLruPerCpuHashMap`2", MapType.LruPercpuHash, MapFlags.NoCommonLru | MapFlags.AccessMask | MapFlags.ZeroSeed, 1u << 28,
            KeyIsIndex: false, UserHandle: PerCpuHandle, Factory: PerCpuFactory);

        /// <summary>
        /// A ring buffer's size is a power of two and a multiple of the page size, at most <c>RINGBUF_MAX_DATA_SZ</c>
        /// (<c>ringbuf_map_alloc</c>); it takes no flags but a NUMA node, which BpfDotnet does not set.
        /// </summary>
        public static readonly MapKind RingBuffer = new("BpfDotnet.BpfRingBuffer`1", MapType.Ringbuf, MapFlags.None, 1u << 30, KeyIsIndex: false, Records: true,
            UserHandle: "BpfDotnet.BpfRingBufferReader`1", Factory: "GetRingBuffer");

        /// <summary>
        /// The suffix of the per-CPU counter BpfDotnet adds to an object for each ring buffer: a one-slot per-CPU array of
        /// <c>ulong</c>, named after the buffer, that programs increment for each record the buffer had no room for.
        /// </summary>
        public const string DropCounterSuffix = "__drops";

        /// <summary>
        /// A perf event array holds, per CPU, the perf event a program's output goes to: 4-byte keys (the CPU) and values
        /// (the event's descriptor). Declared with no size, it gets one slot per possible CPU at load, as libbpf does.
        /// </summary>
        public static readonly MapKind PerfEventArray = new("BpfDotnet.BpfPerfEventArray`1", MapType.PerfEventArray, MapFlags.None, uint.MaxValue, KeyIsIndex: false, Records: true,
            UserHandle: "BpfDotnet.BpfPerfBufferReader`1", Factory: "GetPerfBuffer");

        /// <summary>
        /// An LPM trie must be created unpreallocated (<c>trie_alloc</c> refuses it otherwise), takes the access flags, and
        /// has keys of a 4-byte prefix length and 1 to 256 data bytes.
        /// </summary>
        public static readonly MapKind LpmTrie = new("BpfDotnet.BpfLpmTrieMap`2", MapType.LpmTrie, MapFlags.NoPrealloc | MapFlags.AccessMask, 1u << 24, KeyIsIndex: false);

        /// <summary>Queues and stacks take a NUMA node and the access flags (<c>QUEUE_STACK_CREATE_FLAG_MASK</c>).</summary>
        public static readonly MapKind Queue = new("BpfDotnet.BpfQueue`1", MapType.Queue, MapFlags.AccessMask, 1u << 24, KeyIsIndex: false,
            UserHandle: "BpfDotnet.BpfQueueHandle`1", Factory: "GetQueue", Keyless: true);

        /// <summary>A stack: as a queue, last in first out.</summary>
        public static readonly MapKind Stack = new("BpfDotnet.BpfStack`1", MapType.Stack, MapFlags.AccessMask, 1u << 24, KeyIsIndex: false,
            UserHandle: "BpfDotnet.BpfQueueHandle`1", Factory: "GetQueue", Keyless: true);

        /// <summary>A bloom filter takes a NUMA node, a zero seed and the access flags (<c>BLOOM_CREATE_FLAG_MASK</c>).</summary>
        public static readonly MapKind BloomFilter = new("BpfDotnet.BpfBloomFilter`1", MapType.BloomFilter, MapFlags.AccessMask | MapFlags.ZeroSeed, 1u << 28, KeyIsIndex: false,
            UserHandle: "BpfDotnet.BpfBloomFilterHandle`1", Factory: "GetBloomFilter", Keyless: true);

        /// <summary>The frames a stack-trace map keeps per stack (<c>PERF_MAX_STACK_DEPTH</c>).</summary>
        public const int StackDepth = 127;

        /// <summary>
        /// A stack-trace map: 4-byte stack ids to <see cref="StackDepth"/> 8-byte addresses (<c>stack_map_alloc</c> takes the
        /// read-only/write-only flags; BPF_F_STACK_BUILD_ID would change the value's layout, so it is not offered).
        /// </summary>
        public static readonly MapKind StackTrace = new("BpfDotnet.BpfStackTraceMap", MapType.StackTrace, MapFlags.ReadOnly | MapFlags.WriteOnly, 1u << 24, KeyIsIndex: false,
            UserHandle: "BpfDotnet.BpfStackTraceMapHandle", Factory: "GetStackTraceMap");

        private const string MapOfMapsHandle = "BpfDotnet.BpfMapOfMapsHandle`1";

        /// <summary>
        /// An array of maps holds 4-byte map references; as every map holding descriptors it takes the read-only and
        /// write-only flags but none for programs (<c>fd_array_map_alloc_check</c>).
        /// </summary>
        public static readonly MapKind ArrayOfMaps = new("BpfDotnet.BpfArrayOfMaps`1", MapType.ArrayOfMaps, MapFlags.ReadOnly | MapFlags.WriteOnly, uint.MaxValue,
            KeyIsIndex: true, UserHandle: MapOfMapsHandle, Factory: "GetMapOfMaps", OfMaps: true);

        /// <summary>A hash of maps takes the hash table's flags but those for programs (<c>htab_of_map_alloc</c>).</summary>
        public static readonly MapKind HashOfMaps = new("BpfDotnet.BpfHashOfMaps`2", MapType.HashOfMaps, MapFlags.NoPrealloc | MapFlags.ReadOnly | MapFlags.WriteOnly | MapFlags.ZeroSeed, 1u << 28,
            KeyIsIndex: false, UserHandle: MapOfMapsHandle, Factory: "GetMapOfMaps", OfMaps: true);

        /// <summary>The page size a ring buffer's size must be a multiple of (x86-64's and the common arm64 configuration's).</summary>
        public const uint PageSize = 4096;

        /// <summary>Every map kind a probe can declare.</summary>
        /// <summary>
        /// A map of network devices by index (<c>dev_map_alloc</c>: 4-byte keys, a 4-byte interface index or an 8-byte
        /// <c>bpf_devmap_val</c>; the read-only/write-only flags and BPF_F_NUMA_NODE).
        /// </summary>
        public static readonly MapKind DevMap = new("BpfDotnet.BpfDevMap", MapType.Devmap, MapFlags.ReadOnly | MapFlags.WriteOnly, 1u << 16, KeyIsIndex: true, Redirect: true);

        /// <summary>A map of network devices by any 4-byte key, as the device map.</summary>
        public static readonly MapKind DevMapHash = new("BpfDotnet.BpfDevMapHash", MapType.DevmapHash, MapFlags.ReadOnly | MapFlags.WriteOnly, 1u << 16, KeyIsIndex: false, Redirect: true);

        /// <summary>A map of CPUs by index (<c>cpu_map_alloc</c>: no flags but the NUMA node; at most NR_CPUS entries).</summary>
        public static readonly MapKind CpuMap = new("BpfDotnet.BpfCpuMap", MapType.Cpumap, MapFlags.None, 8192, KeyIsIndex: true, Redirect: true);

        /// <summary>A map of AF_XDP sockets by receive queue (<c>xsk_map_alloc</c>: 4-byte keys and values, no flags but the NUMA node).</summary>
        public static readonly MapKind XskMap = new("BpfDotnet.BpfXskMap", MapType.Xskmap, MapFlags.None, 1u << 16, KeyIsIndex: true, Redirect: true);

        /// <summary>
        /// A map of sockets by index (<c>BPF_MAP_TYPE_SOCKMAP</c>): each entry a socket's descriptor set from user space;
        /// an sk_lookup program hands one of them the connection (<c>bpf_sk_assign</c>). Read-only or write-only for
        /// programs, or a NUMA node, are the flags it takes (<c>SOCK_CREATE_FLAG_MASK</c>).
        /// </summary>
        public static readonly MapKind SockMap = new("BpfDotnet.BpfSockMap", MapType.Sockmap, MapFlags.ReadOnly | MapFlags.WriteOnly, 1u << 24, KeyIsIndex: true, Redirect: true);

        /// <summary>
        /// A map of sockets by any 4-byte key (<c>BPF_MAP_TYPE_SOCKHASH</c>): as the sockmap, each entry a socket's descriptor
        /// set from user space; sk_msg and sk_skb programs send data to one of them by key (<c>bpf_msg_redirect_hash</c>,
        /// <c>bpf_sk_redirect_hash</c>). It takes the sockmap's flags (<c>SOCK_CREATE_FLAG_MASK</c>).
        /// </summary>
        public static readonly MapKind SockHash = new("BpfDotnet.BpfSockHash", MapType.Sockhash, MapFlags.ReadOnly | MapFlags.WriteOnly, 1u << 24, KeyIsIndex: false, Redirect: true);

        public static readonly MapKind[] All = { Hash, Array, PerCpuHash, PerCpuArray, LruHash, LruPerCpuHash, RingBuffer, PerfEventArray, StackTrace, Queue, Stack, BloomFilter, LpmTrie, ArrayOfMaps, HashOfMaps,
            DevMap, DevMapHash, CpuMap, XskMap, SockMap, SockHash };

        /// <summary>The kind the C# type with this metadata name declares, or null.</summary>
        public static MapKind? ByClrType(string metadataName)
        {
            foreach (var kind in All)
            {
                if (kind.ClrType == metadataName) return kind;
            }
            return null;
        }

        /// <summary>The kind of a kernel map type, or null when BpfDotnet declares no map of that type.</summary>
        public static MapKind? ByType(uint type)
        {
            foreach (var kind in All)
            {
                if ((uint)kind.Type == type) return kind;
            }
            return null;
        }

        /// <summary>
        /// Why the kernel would refuse a map of <paramref name="kind"/> with these parameters, or null when it would
        /// create it (memory permitting).
        /// </summary>
        public static string? Problem(MapKind kind, uint maxEntries, uint flags, uint valueSize)
        {
            var unknown = (MapFlags)flags & ~kind.Flags;
            if (unknown != 0) return "flags 0x" + ((uint)unknown).ToString("x", System.Globalization.CultureInfo.InvariantCulture) + " (" + unknown + ") are not valid for maps of type " + kind.Type + ", which take " + kind.Flags;
            var access = (MapFlags)flags;
            if ((access & MapFlags.ReadOnly) != 0 && (access & MapFlags.WriteOnly) != 0) return "ReadOnly and WriteOnly exclude each other";
            if ((access & MapFlags.ReadOnlyProgram) != 0 && (access & MapFlags.WriteOnlyProgram) != 0) return "ReadOnlyProgram and WriteOnlyProgram exclude each other";
            if (maxEntries > kind.MaxEntries) return "MaxEntries " + maxEntries + " is more than a map of type " + kind.Type + " can have (" + kind.MaxEntries + ")";
            if (kind.Type == MapType.Ringbuf && (maxEntries < PageSize || (maxEntries & (maxEntries - 1)) != 0))
            {
                return "MaxEntries " + maxEntries + " is not a ring buffer size: the size in bytes must be a power of two and a multiple of the page size (" + PageSize + "), such as 256 * 1024";
            }
            if (kind.Type is MapType.Array or MapType.PercpuArray && (ulong)maxEntries * ((valueSize + 7UL) & ~7UL) >= uint.MaxValue)
            {
                return "MaxEntries " + maxEntries + " of " + valueSize + "-byte values make an array of 4 GiB or more, which the kernel refuses";
            }
            return null;
        }
    }
}

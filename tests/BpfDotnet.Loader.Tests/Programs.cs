namespace BpfDotnet.Loader.Tests
{
    /// <summary>C sources of the test programs.</summary>
    public static class Programs
    {
        /// <summary>Counts sys_enter_openat per tgid, through a subprogram in .text, plus global data.</summary>
        public const string OpenatCounter = @"
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, __u32);
    __type(value, __u64);
} counts SEC("".maps"");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, __u32);
    __type(value, __u64);
} raw_counts SEC("".maps"");

__u64 total_hits = 5;           /* .data */
__u64 zero_hits;                /* .bss */
const volatile __u32 magic = 42; /* .rodata */

static __attribute__((noinline)) int bump(void *map, __u32 key)
{
    __u64 *v = bpf_map_lookup_elem(map, &key);
    if (v) {
        __sync_fetch_and_add(v, 1);
    } else {
        __u64 one = 1;
        bpf_map_update_elem(map, &key, &one, BPF_NOEXIST);
    }
    return 0;
}

SEC(""tracepoint/syscalls/sys_enter_openat"")
int count_openat(void *ctx)
{
    __u32 tgid = bpf_get_current_pid_tgid() >> 32;
    __sync_fetch_and_add(&total_hits, 1);
    if (magic == 42)
        __sync_fetch_and_add(&zero_hits, 1);
    return bump(&counts, tgid);
}

SEC(""raw_tracepoint/sys_enter"")
int count_raw(void *ctx)
{
    __u32 tgid = bpf_get_current_pid_tgid() >> 32;
    return bump(&raw_counts, tgid);
}
";

        /// <summary>Dereferences a map lookup result without a null check: the verifier must reject it.</summary>
        public const string BadDeref = @"
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} slots SEC("".maps"");

SEC(""tracepoint/syscalls/sys_enter_openat"")
int bad_deref(void *ctx)
{
    __u32 key = 1;
    __u64 *v = bpf_map_lookup_elem(&slots, &key);
    *v += 3; /* missing null check here */
    return 0;
}
";

        /// <summary>A tracepoint that does not exist (loads fine; attaching must fail clearly).</summary>
        public const string UnknownTracepoint = @"
SEC(""tracepoint/syscalls/sys_enter_no_such_call_xyz"")
int on_nothing(void *ctx)
{
    return 0;
}
";
    
        /// <summary>A tracepoint program that reads its context past the end of the sys_enter_openat record.</summary>
        public const string ReadsPastTheRecord = @"
SEC(""tp/syscalls/sys_enter_openat"")
int past_the_record(void *ctx)
{
    return (int)*(volatile long *)((char *)ctx + 200);
}
";

        /// <summary>An array map asking for BPF_F_NO_PREALLOC, which arrays (always preallocated) refuse.</summary>
        public const string ArrayWithNoPrealloc = @"
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __uint(map_flags, 1);
    __type(key, __u32);
    __type(value, __u64);
} slots SEC("".maps"");

SEC(""tp/syscalls/sys_enter_openat"")
int on_openat(void *ctx)
{
    return 0;
}
";

        /// <summary>A tracepoint program and a socket filter, which needs a socket to attach to.</summary>
        public const string TracepointAndSocketFilter = @"
SEC(""tp/syscalls/sys_enter_openat"")
int on_openat(void *ctx)
{
    return 0;
}

SEC(""socket"")
int filter(void *skb)
{
    return 0;
}
";

        /// <summary>Two programs in one section, both using the same map.</summary>
        public const string TwoInOneSection = @"
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 2);
    __type(key, __u32);
    __type(value, __u64);
} hits SEC("".maps"");

SEC(""tp/syscalls/sys_enter_openat"")
int first(void *ctx)
{
    __u32 k = 0;
    __u64 *v = bpf_map_lookup_elem(&hits, &k);
    if (v) __sync_fetch_and_add(v, 1);
    return 0;
}

SEC(""tp/syscalls/sys_enter_openat"")
int second(void *ctx)
{
    __u32 k = 1;
    __u64 *v = bpf_map_lookup_elem(&hits, &k);
    if (v) __sync_fetch_and_add(v, 2);
    return 0;
}
";
    }
}

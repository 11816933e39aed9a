#include "bench.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
} target SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} hits SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_fadvise64")
int on_event(struct enter_args *ctx)
{
    __u32 tgid = bpf_get_current_pid_tgid() >> 32;
    __u32 zero = 0;
    __u32 *wanted = bpf_map_lookup_elem(&target, &zero);
    if (!wanted || *wanted != tgid) return 0;
    __u64 *n = bpf_map_lookup_elem(&hits, &zero);
    if (n) __sync_fetch_and_add(n, 1);
    return 0;
}

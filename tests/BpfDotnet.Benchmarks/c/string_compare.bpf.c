#include "bench.h"


struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} matches SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_fadvise64")
int on_event(struct enter_args *ctx)
{
    if (ctx->args[0] != MAGIC) return 0;
    char comm[16];
    bpf_get_current_comm(comm, sizeof(comm));
    const char want[] = "BpfDotnet";
    for (int i = 0; i < (int)sizeof(want) - 1; i++)
        if (comm[i] != want[i]) return 0;
    __u32 zero = 0;
    __u64 *n = bpf_map_lookup_elem(&matches, &zero);
    if (n) __sync_fetch_and_add(n, 1);
    return 0;
}

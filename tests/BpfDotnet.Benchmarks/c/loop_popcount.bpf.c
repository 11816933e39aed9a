#include "bench.h"


struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 65);
    __type(key, __u32);
    __type(value, __u64);
} bits SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_fadvise64")
int on_event(struct enter_args *ctx)
{
    if (ctx->args[0] != MAGIC) return 0;
    __u64 v = ctx->args[2];
    __u32 n = 0;
    for (int i = 0; i < 64; i++)
        n += (v >> i) & 1;
    __u64 *c = bpf_map_lookup_elem(&bits, &n);
    if (c) __sync_fetch_and_add(c, 1);
    return 0;
}

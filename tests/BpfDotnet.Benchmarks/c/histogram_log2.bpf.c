#include "bench.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 64);
    __type(key, __u32);
    __type(value, __u64);
} buckets SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_fadvise64")
int on_event(struct enter_args *ctx)
{
    if (ctx->args[0] != MAGIC) return 0;
    __u64 v = ctx->args[2];
    __u32 r = 0;
    if (v > 0xFFFFFFFF) { v = v >> 32; r = r + 32; }
    if (v > 0xFFFF) { v = v >> 16; r = r + 16; }
    if (v > 0xFF) { v = v >> 8; r = r + 8; }
    if (v > 0xF) { v = v >> 4; r = r + 4; }
    if (v > 0x3) { v = v >> 2; r = r + 2; }
    if (v > 0x1) { r = r + 1; }
    __u64 *n = bpf_map_lookup_elem(&buckets, &r);
    if (n) __sync_fetch_and_add(n, 1);
    return 0;
}

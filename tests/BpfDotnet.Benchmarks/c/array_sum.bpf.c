#include "bench.h"

struct samples {
    __u64 v[16];
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct samples);
} samples SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} out SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_fadvise64")
int on_event(struct enter_args *ctx)
{
    if (ctx->args[0] != MAGIC) return 0;
    __u32 k = 0;
    struct samples *s = bpf_map_lookup_elem(&samples, &k);
    if (!s) return 0;
    __u64 sum = 0;
    for (int i = 0; i < 16; i++)
        sum += s->v[i];
    __u64 *o = bpf_map_lookup_elem(&out, &k);
    if (o) *o = sum + ctx->args[2];
    return 0;
}

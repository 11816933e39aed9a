#include "bench.h"

struct slot {
    __u64 hits;
    __u64 last_offset;
    __u32 last_advice;
    __u32 cpu;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 64);
    __type(key, __u32);
    __type(value, struct slot);
} slots SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_fadvise64")
int on_event(struct enter_args *ctx)
{
    if (ctx->args[0] != MAGIC) return 0;
    __u32 index = (__u32)ctx->args[1] & 63;
    struct slot *s = bpf_map_lookup_elem(&slots, &index);
    if (!s) return 0;
    s->hits = s->hits + 1;
    s->last_offset = ctx->args[1];
    s->last_advice = ctx->args[3];
    s->cpu = bpf_get_smp_processor_id();
    return 0;
}

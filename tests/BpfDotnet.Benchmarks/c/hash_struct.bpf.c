#include "bench.h"

struct len_stats {
    __u64 count;
    __u64 sum;
    __u64 max;
    __u64 last_ns;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, __u32);
    __type(value, struct len_stats);
} stats SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_fadvise64")
int on_event(struct enter_args *ctx)
{
    if (ctx->args[0] != MAGIC) return 0;
    __u32 tid = bpf_get_current_pid_tgid();
    __u64 len = ctx->args[2];
    struct len_stats *s = bpf_map_lookup_elem(&stats, &tid);
    if (!s) {
        struct len_stats fresh = {};
        fresh.count = 1;
        fresh.sum = len;
        fresh.max = len;
        fresh.last_ns = bpf_ktime_get_ns();
        bpf_map_update_elem(&stats, &tid, &fresh, BPF_ANY);
    } else {
        s->count = s->count + 1;
        s->sum = s->sum + len;
        if (len > s->max) s->max = len;
        s->last_ns = bpf_ktime_get_ns();
    }
    return 0;
}

#include "bench.h"

struct latency_totals {
    __u64 count;
    __u64 total_ns;
    __u64 max_ns;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, __u32);
    __type(value, __u64);
} start SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct latency_totals);
} totals SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_fadvise64")
int on_enter(struct enter_args *ctx)
{
    if (ctx->args[0] != MAGIC) return 0;
    __u32 tid = bpf_get_current_pid_tgid();
    __u64 now = bpf_ktime_get_ns();
    bpf_map_update_elem(&start, &tid, &now, BPF_ANY);
    return 0;
}

SEC("tracepoint/syscalls/sys_exit_fadvise64")
int on_exit(struct exit_args *ctx)
{
    __u32 tid = bpf_get_current_pid_tgid();
    __u64 *t0 = bpf_map_lookup_elem(&start, &tid);
    if (!t0) return 0;
    __u64 delta = bpf_ktime_get_ns() - *t0;
    bpf_map_delete_elem(&start, &tid);
    __u32 zero = 0;
    struct latency_totals *t = bpf_map_lookup_elem(&totals, &zero);
    if (!t) return 0;
    __sync_fetch_and_add(&t->count, 1);
    __sync_fetch_and_add(&t->total_ns, delta);
    if (delta > t->max_ns) t->max_ns = delta;
    return 0;
}

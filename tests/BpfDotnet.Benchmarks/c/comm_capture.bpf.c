#include "bench.h"

struct last_call {
    __u32 pid;
    __u32 tid;
    __u64 ns;
    char comm[16];
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct last_call);
} last SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_fadvise64")
int on_event(struct enter_args *ctx)
{
    if (ctx->args[0] != MAGIC) return 0;
    __u64 id = bpf_get_current_pid_tgid();
    struct last_call e = {};
    e.pid = id >> 32;
    e.tid = id;
    e.ns = bpf_ktime_get_ns();
    bpf_get_current_comm(&e.comm, sizeof(e.comm));
    __u32 zero = 0;
    bpf_map_update_elem(&last, &zero, &e, BPF_ANY);
    return 0;
}

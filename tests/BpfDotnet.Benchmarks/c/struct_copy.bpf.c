#include "bench.h"

struct record {
    __u64 a;
    __u64 b;
    __u64 c;
    __u64 d;
    __u32 e;
    __u32 f;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct record);
} template SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, __u32);
    __type(value, struct record);
} copies SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_fadvise64")
int on_event(struct enter_args *ctx)
{
    if (ctx->args[0] != MAGIC) return 0;
    __u32 zero = 0;
    struct record *t = bpf_map_lookup_elem(&template, &zero);
    if (!t) return 0;
    struct record r = *t;
    __u32 tid = bpf_get_current_pid_tgid();
    r.a = r.a + ctx->args[1];
    r.e = tid;
    bpf_map_update_elem(&copies, &tid, &r, BPF_ANY);
    return 0;
}

// libbpf doing what the C# benchmark does: load the running kernel's BTF, then find the members a tracing tool reads
// (by name, looking into anonymous members). Prints: parse_ms resolve_us peak_rss_kib members.
#include <bpf/btf.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

static double now_ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }

static int find_member(const struct btf *btf, const struct btf_type *t, const char *name, int depth)
{
    const struct btf_member *m = btf_members(t);
    for (int i = 0; i < btf_vlen(t); i++, m++) {
        const char *n = btf__name_by_offset(btf, m->name_off);
        if (n && strcmp(n, name) == 0) return 1;
        if (depth < 32 && (!n || !*n)) {
            const struct btf_type *inner = btf__type_by_id(btf, m->type);
            while (inner && (btf_is_typedef(inner) || btf_is_const(inner) || btf_is_volatile(inner))) inner = btf__type_by_id(btf, inner->type);
            if (inner && (btf_is_struct(inner) || btf_is_union(inner)) && find_member(btf, inner, name, depth + 1)) return 1;
        }
    }
    return 0;
}

int main(void)
{
    const char *members[][2] = {
        {"task_struct", "real_parent"}, {"task_struct", "tgid"}, {"task_struct", "pid"}, {"task_struct", "flags"}, {"task_struct", "mm"},
        {"task_struct", "cred"}, {"mm_struct", "total_vm"}, {"cred", "uid"}, {"file", "f_path"}, {"path", "dentry"}, {"dentry", "d_name"},
        {"sock_common", "skc_daddr"}, {"sock_common", "skc_dport"}, {"sock", "sk_protocol"}, {"sk_buff", "len"}, {"net_device", "ifindex"},
    };
    int count = sizeof(members) / sizeof(members[0]), found = 0;
    double start = now_ms();
    struct btf *btf = btf__load_vmlinux_btf();
    if (!btf) { fprintf(stderr, "cannot load vmlinux BTF\n"); return 1; }
    double parsed = now_ms();
    for (int i = 0; i < count; i++) {
        int id = btf__find_by_name_kind(btf, members[i][0], BTF_KIND_STRUCT);
        if (id > 0 && find_member(btf, btf__type_by_id(btf, id), members[i][1], 0)) found++;
    }
    double resolved = now_ms();
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("%.2f %.1f %ld %d\n", parsed - start, (resolved - parsed) * 1000, usage.ru_maxrss, found);
    btf__free(btf);
    return found == count ? 0 : 1;
}

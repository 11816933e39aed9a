/* libbpf's side of the ring buffer drain benchmark: fills a ring buffer (by id) through the same kernel producer,
   then drains it with ring_buffer__consume, and prints the records drained and the nanoseconds the drains took.
   Built by the benchmark: gcc -O2 -o consumer consumer.c -lbpf */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static int on_sample(void *ctx, void *data, size_t size)
{
    (void)data;
    (void)size;
    (*(long long *)ctx)++;
    return 0;
}

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void on_perf_sample(void *ctx, int cpu, void *data, __u32 size)
{
    (void)cpu;
    (void)data;
    (void)size;
    (*(long long *)ctx)++;
}

static void on_perf_lost(void *ctx, int cpu, __u64 lost)
{
    (void)ctx;
    fprintf(stderr, "lost %llu records on CPU %d\n", (unsigned long long)lost, cpu);
}

/* perf <map id> <magic> <rounds> <calls per round>: the same with perf_buffer__consume, on CPU 0. */
static int perf(int fd, long magic, int rounds, int calls)
{
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    if (sched_setaffinity(0, sizeof(one), &one)) { perror("sched_setaffinity"); return 1; }
    long long count = 0, ns = 0;
    struct perf_buffer *pb = perf_buffer__new(fd, 64, on_perf_sample, on_perf_lost, &count, NULL);
    if (!pb) { perror("perf_buffer__new"); return 1; }
    for (int r = 0; r < rounds; r++) {
        for (int c = 0; c < calls; c++) syscall(SYS_getpgid, magic);
        long long start = now_ns();
        int n = perf_buffer__consume(pb);
        ns += now_ns() - start;
        if (n < 0) { fprintf(stderr, "perf_buffer__consume: %d\n", n); return 1; }
    }
    printf("%lld %lld\n", count, ns);
    perf_buffer__free(pb);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "perf") == 0) {
        int pfd = bpf_map_get_fd_by_id((unsigned)atoi(argv[2]));
        if (pfd < 0) { perror("bpf_map_get_fd_by_id"); return 1; }
        return perf(pfd, atol(argv[3]), atoi(argv[4]), atoi(argv[5]));
    }
    if (argc != 5) {
        fprintf(stderr, "usage: consumer [perf] <map id> <magic> <rounds> <calls per round>\n");
        return 2;
    }
    int fd = bpf_map_get_fd_by_id((unsigned)atoi(argv[1]));
    long magic = atol(argv[2]);
    int rounds = atoi(argv[3]), calls = atoi(argv[4]);
    if (fd < 0) { perror("bpf_map_get_fd_by_id"); return 1; }
    long long count = 0, ns = 0;
    struct ring_buffer *rb = ring_buffer__new(fd, on_sample, &count, NULL);
    if (!rb) { perror("ring_buffer__new"); return 1; }
    for (int r = 0; r < rounds; r++) {
        for (int c = 0; c < calls; c++) syscall(SYS_getpgid, magic);
        long long start = now_ns();
        int n = ring_buffer__consume(rb);
        ns += now_ns() - start;
        if (n < 0) { fprintf(stderr, "ring_buffer__consume: %d\n", n); return 1; }
    }
    printf("%lld %lld\n", count, ns);
    ring_buffer__free(rb);
    return 0;
}

// The libbpf side of the loader benchmark: open, load, attach and close one object many times, timing each step.
// Build: gcc -O2 loader_ops.c -lbpf -o loader_ops. Usage: loader_ops FirstEventProbe.bpf.o ITERATIONS
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <bpf/libbpf.h>

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, n, sizeof *v, compare);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: loader_ops OBJECT ITERATIONS\n"); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror("fopen"); return 1; }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *bytes = malloc(size);
    if (fread(bytes, 1, size, f) != (size_t)size) { perror("fread"); return 1; }
    fclose(f);
    int n = atoi(argv[2]);
    double *load = calloc(n, sizeof(double)), *attach = calloc(n, sizeof(double)), *close_ = calloc(n, sizeof(double));
    for (int i = 0; i < n; i++)
    {
        double t0 = now_us();
        struct bpf_object *obj = bpf_object__open_mem(bytes, size, NULL);
        if (!obj || bpf_object__load(obj)) { perror("open/load"); return 1; }
        double t1 = now_us();
        struct bpf_program *prog;
        struct bpf_link *links[16];
        int count = 0;
        bpf_object__for_each_program(prog, obj)
        {
            links[count] = bpf_program__attach(prog);
            if (!links[count++]) { perror("attach"); return 1; }
        }
        double t2 = now_us();
        for (int k = 0; k < count; k++) bpf_link__destroy(links[k]);
        bpf_object__close(obj);
        double t3 = now_us();
        load[i] = t1 - t0;
        attach[i] = t2 - t1;
        close_[i] = t3 - t2;
    }
    printf("load_us %.1f attach_us %.1f close_us %.1f\n", median(load, n), median(attach, n), median(close_, n));
    return 0;
}

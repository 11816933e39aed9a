// The libbpf side of the start-up benchmark: the same program as FirstEvent/Program.cs, on the same object file.
// Build: gcc -O2 first_event.c -lbpf -o first_event
#include <stdio.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

int main(int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: first_event FirstEventProbe.bpf.o\n"); return 2; }
    struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
    if (!obj) { perror("bpf_object__open_file"); return 1; }
    if (bpf_object__load(obj)) { perror("bpf_object__load"); return 1; }
    struct bpf_program *prog;
    struct bpf_link *link = NULL;
    bpf_object__for_each_program(prog, obj)
    {
        link = bpf_program__attach(prog);
        if (!link) { perror("bpf_program__attach"); return 1; }
    }
    int map = bpf_object__find_map_fd_by_name(obj, "Hits");
    if (map < 0) { fprintf(stderr, "no map Hits\n"); return 1; }
    for (int calls = 1; calls <= 1000000; calls++)
    {
        (void)getppid();
        unsigned int key = 0;
        unsigned long long hits = 0;
        if (bpf_map_lookup_elem(map, &key, &hits) == 0 && hits > 0)
        {
            printf("first event after %d call(s)\n", calls);
            bpf_link__destroy(link);
            bpf_object__close(obj);
            return 0;
        }
    }
    fprintf(stderr, "no event\n");
    return 1;
}

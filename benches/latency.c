/*
 * latency.c — the latency ladder: a dependent pointer chase over working sets
 * from 4 KiB to 256 MiB (a random cyclic permutation, one pointer per cache
 * line), in the manner of lmbench's lat_mem_rd.  Each iteration is one load,
 * so ns and cycles are per load.  It shows this machine's L1, L2, LLC and DRAM
 * steps: the yardstick other families cite — how slow data is to reach depends
 * on where it sits in the hierarchy, not on whether it came from the stack or
 * the heap.  Pages are ordinary 4 KiB pages, so large sets include TLB misses.
 */
#include "memprobe/bench.h"
#include "memprobe/cbench.h"
#include "memprobe/output.h"
#include "memprobe/rng.h"
#include "memprobe/topo.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define LATENCY_MIN_BYTES (4ull << 10)
#define LATENCY_MAX_BYTES (256ull << 20)
#define LATENCY_QUICK_MAX_BYTES (64ull << 20)

/* One chase buffer, built on first use and kept for the run. */
typedef struct latency_set {
    unsigned long long bytes;
    unsigned line;
    void **lines;          /* bytes / line pointers, each in its own line */
    size_t mapped;
} latency_set;

static latency_set sets[32];
static int nsets;
static unsigned chase_line = 64;

/* Link every line into one random cycle (Sattolo's shuffle of line order). */
static void latency_link(latency_set *s)
{
    size_t n = s->bytes / s->line, stride = s->line / sizeof(void *);
    size_t *order = malloc(n * sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    uint64_t seed = 0x9E3779B97F4A7C15ull ^ s->bytes;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = rng_next(&seed) % i;   /* fixed seed: every run chases the same cycle */
        size_t tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
    for (size_t i = 0; i < n; i++)
        s->lines[order[i] * stride] = &s->lines[order[(i + 1) % n] * stride];
    free(order);
}

static latency_set *latency_get(unsigned long long bytes)
{
    for (int i = 0; i < nsets; i++)
        if (sets[i].bytes == bytes)
            return &sets[i];
    if (nsets == (int)(sizeof sets / sizeof sets[0]))
        return NULL;
    latency_set *s = &sets[nsets];
    s->bytes = bytes;
    s->line = chase_line;
    s->mapped = bytes;
    s->lines = mmap(NULL, s->mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (s->lines == MAP_FAILED)
        return NULL;
    latency_link(s);
    nsets++;
    return s;
}

static void latency_chase(cbench_state *st)
{
    unsigned long long bytes = (unsigned long long)cbench_range(st, 0);
    latency_set *s = latency_get(bytes);
    if (!s) {
        cbench_error(st, "cannot map the working set");
        return;
    }
    void **p = s->lines;
    /* warm: one lap so the first timed loads find the set where it lives */
    for (size_t i = 0, n = bytes / s->line; i < n; i++)
        p = (void **)*p;
    for (int64_t n; (n = cbench_next_batch(st)) > 0;) {
        for (int64_t i = 0; i < n; i++)
            p = (void **)*p;
    }
    cbench_do_not_optimize(p);
    cbench_set_bytes_processed(st, cbench_max_iterations(st) * (int64_t)sizeof(void *));
}

static void latency_register(const bench_config *cfg, char *why, size_t whylen)
{
    (void)why;
    (void)whylen;
    chase_line = topo_cache_line(cfg->topo);
    if (chase_line < sizeof(void *) || chase_line > 4096)
        chase_line = 64;
    cbench_bench *b = cbench_register("latency/chase", latency_chase, NULL);
    if (!b)
        return;
    static const char *const names[] = {"working_set"};
    cbench_arg_names(b, names, 1);
    unsigned long long top = cfg->quick ? LATENCY_QUICK_MAX_BYTES : LATENCY_MAX_BYTES;
    /* never more than an eighth of RAM */
    while (top > LATENCY_MIN_BYTES && top > cfg->ram_bytes / 8)
        top /= 2;
    int step = cfg->quick ? 4 : 2;
    for (unsigned long long size = LATENCY_MIN_BYTES; size <= top; size *= (unsigned long long)step)
        cbench_arg(b, (int64_t)size);
    cbench_min_time(b, cfg->quick ? 0.05 : 0.3);
}

/* The cache sizes the plot marks, from hwloc. */
static void latency_finish(const bench_config *cfg)
{
    output_table *t = output_table_get("latency_caches.csv");
    int cpu = topo_pu(cfg->topo, 0);
    for (int level = 1; level <= topo_cache_levels(cfg->topo); level++) {
        unsigned long long size = topo_cache_size(cfg->topo, cpu, level);
        if (!size)
            continue;
        output_table_row(t);
        output_table_set_int(t, "level", level);
        output_table_set_int(t, "size_bytes", (long long)size);
    }
    for (int i = 0; i < nsets; i++)
        munmap(sets[i].lines, sets[i].mapped);
    nsets = 0;
}

const bench_family bench_family_latency = {
    .name = "latency",
    .help = "dependent pointer chase from 4 KiB to 256 MiB: the cache and DRAM ladder",
    .description = "A dependent pointer chase over a random cyclic permutation, one pointer per cache line, "
                   "for working sets from 4 KiB to 256 MiB. Each step of the ladder is a level of the "
                   "memory hierarchy; the other families' numbers are read against it.",
    .min_cpus = 1,
    .register_benchmarks = latency_register,
    .finish = latency_finish,
};

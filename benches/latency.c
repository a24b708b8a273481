/*
 * latency.c — the latency ladder: a dependent pointer chase over working sets
 * from 4 KiB to 256 MiB (a random cyclic permutation, one pointer per cache
 * line), in the manner of lmbench's lat_mem_rd.  Each iteration is one load,
 * so ns and cycles are per load.  It shows this machine's L1, L2, LLC and DRAM
 * steps: the yardstick other families cite — how slow data is to reach depends
 * on where it sits in the hierarchy, not on whether it came from the stack or
 * the heap.
 *
 * Page size is chosen, not inherited (pages.h): latency/chase maps its sets
 * with base pages (MADV_NOHUGEPAGE, so THP set to "always" cannot change the
 * DRAM step), so large sets include TLB misses; latency/chase_thp and
 * latency/chase_hugetlb run the same ladder from 64 KiB on transparent huge
 * pages and on hugetlbfs 2 MiB pages, skipped with the reason where those
 * cannot be had.  Every row says how much of its set the kernel really
 * backed with huge pages (huge_page_fraction).  One set is mapped at a time:
 * it is unmapped when the next size or page policy is asked for.
 *
 * At the end the base-page ladder's steps are fitted (caches.h): the cache
 * levels this process really gets, recorded beside hwloc's in
 * latency_caches.csv and machine.json.
 *
 * latency/mutex_lock_unlock is the one row that is not a chase: an
 * uncontended pthread mutex locked and unlocked, the "mutex lock/unlock"
 * line of the classic latency tables (claims/latency-numbers.ini).
 */
#include "memprobe/bench.h"
#include "memprobe/caches.h"
#include "memprobe/chase.h"
#include "memprobe/cbench.h"
#include "memprobe/output.h"
#include "memprobe/pages.h"
#include "memprobe/stats.h"
#include "memprobe/topo.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LATENCY_MIN_BYTES (4ull << 10)
#define LATENCY_MAX_BYTES (256ull << 20)
#define LATENCY_QUICK_MAX_BYTES (64ull << 20)
/* Huge-page ladders start here: smaller sets sit in a few base pages, well
 * inside the first-level TLB, where the page size changes nothing. */
#define LATENCY_HUGE_MIN_BYTES (64ull << 10)

/* The chase buffer: one at a time, built on first use, kept while the same
 * size and page policy are asked for (calibration and repetitions call the
 * benchmark again), unmapped when another is asked for or at finish. */
typedef struct latency_set {
    unsigned long long bytes;
    pages_policy policy;
    unsigned line;
    void **lines;          /* bytes / line pointers, each in its own line */
    pages_map map;
    double huge_fraction;  /* of the set backed by huge pages; NaN: unknown */
    int warm;              /* a lap was chased since the set was built */
} latency_set;

static latency_set latency_current;
static unsigned chase_line = 64;

/* Link every line into one random cycle (chase.h; a fixed seed: every run
 * chases the same cycle).  0, or -1 when out of memory for the order. */
static int latency_link(latency_set *s)
{
    size_t n = s->bytes / s->line, *off = malloc(n * sizeof *off);
    void *head;
    int rc = off ? chase_link(s->lines, off, chase_line_offsets(off, s->bytes, s->line), 1,
                              0x9E3779B97F4A7C15ull ^ s->bytes, &head)
                 : -1;
    free(off);
    return rc;
}

static void latency_release(void)
{
    pages_unmap(&latency_current.map);
    latency_current = (latency_set){.lines = NULL};
}

/* The set of bytes mapped with policy, linked; NULL with why. */
static latency_set *latency_get(unsigned long long bytes, pages_policy policy, char *why, size_t whylen)
{
    latency_set *s = &latency_current;
    if (s->lines && s->bytes == bytes && s->policy == policy)
        return s;
    latency_release();   /* first, so that two sets are never mapped at once */
    if (pages_usable(policy, (size_t)bytes, why, whylen) != 0 ||
        pages_map_memory(&s->map, (size_t)bytes, policy, 0, why, whylen) != 0)
        return NULL;
    s->bytes = bytes;
    s->policy = policy;
    s->line = chase_line;
    s->lines = s->map.p;
    if (latency_link(s) != 0) {   /* writes every line: the pages are all there now */
        snprintf(why, whylen, "out of memory for the chase order of a %llu-byte set", bytes);
        latency_release();
        return NULL;
    }
    long long huge = pages_huge_bytes(s->map.p, (size_t)bytes);
    s->huge_fraction = huge < 0 ? NAN : (double)huge / (double)bytes;
    return s;
}

static void latency_chase(cbench_state *st)
{
    const pages_policy *policy = cbench_user(st);
    unsigned long long bytes = (unsigned long long)cbench_range(st, 0);
    char why[256];
    cbench_tag(st, "page_policy", pages_policy_name(*policy));
    latency_set *s = latency_get(bytes, *policy, why, sizeof why);
    if (!s) {
        if (*policy == PAGES_BASE)
            cbench_error(st, why);
        else
            cbench_skip(st, why);
        return;
    }
    void **p = s->lines;
    /* warm: one lap so the first timed loads find the set where it lives;
     * once per set: later runs of the same set (calibration, repetitions)
     * find it where the previous run left it, and a lap of a DRAM-sized set
     * costs more than a repetition's minimum time */
    for (size_t i = 0, n = s->warm ? 0 : bytes / s->line; i < n; i++)
        p = (void **)*p;
    s->warm = 1;
    for (int64_t n; (n = cbench_next_batch(st)) > 0;) {
        for (int64_t i = 0; i < n; i++)
            p = (void **)*p;
    }
    cbench_do_not_optimize(p);
    cbench_set_bytes_processed(st, cbench_max_iterations(st) * (int64_t)sizeof(void *));
    if (!isnan(s->huge_fraction))
        cbench_counter(st, "huge_page_fraction", s->huge_fraction, CBENCH_COUNTER_PLAIN);
}

/* An uncontended pthread mutex taken and given back: the "mutex lock/unlock"
 * line of the latency tables, one lock and one unlock per iteration. */
static void latency_mutex(cbench_state *st)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    for (int64_t n; (n = cbench_next_batch(st)) > 0;)
        for (int64_t i = 0; i < n; i++) {
            pthread_mutex_lock(&lock);
            cbench_clobber_memory();
            pthread_mutex_unlock(&lock);
        }
}

static const pages_policy latency_policies[] = {PAGES_BASE, PAGES_THP, PAGES_HUGETLB};
static const char *const latency_names[] = {"latency/chase", "latency/chase_thp", "latency/chase_hugetlb"};

static void latency_register(const bench_config *cfg, char *why, size_t whylen)
{
    (void)why;
    (void)whylen;
    chase_line = topo_cache_line(cfg->topo);
    if (chase_line < sizeof(void *) || chase_line > 4096)
        chase_line = 64;
    unsigned long long top = cfg->quick ? LATENCY_QUICK_MAX_BYTES : LATENCY_MAX_BYTES;
    /* never more than an eighth of RAM */
    while (top > LATENCY_MIN_BYTES && top > cfg->ram_bytes / 8)
        top /= 2;
    int step = cfg->quick ? 4 : 2;
    static const char *const names[] = {"working_set"};
    for (size_t v = 0; v < sizeof latency_policies / sizeof latency_policies[0]; v++) {
        cbench_bench *b = cbench_register(latency_names[v], latency_chase, (void *)&latency_policies[v]);
        if (!b)
            continue;
        cbench_arg_names(b, names, 1);
        unsigned long long low = latency_policies[v] == PAGES_BASE ? LATENCY_MIN_BYTES : LATENCY_HUGE_MIN_BYTES;
        for (unsigned long long size = LATENCY_MIN_BYTES; size <= top; size *= (unsigned long long)step)
            if (size >= low)
                cbench_arg(b, (int64_t)size);
        /* 50 ms is 250,000 loads at 200 ns: a default run's 9 repetitions
         * give the spread; --quick's one repetition gets the same */
        cbench_min_time(b, 0.05);
    }
    cbench_bench *b = cbench_register("latency/mutex_lock_unlock", latency_mutex, NULL);
    if (b)
        cbench_min_time(b, cfg->quick ? 0.05 : 0.1);
}

/* 1 when row r of t is an ok iteration row of latency/chase (base pages)
 * over a set of `bytes`. */
static int latency_row_of(const output_table *t, size_t r, unsigned long long bytes)
{
    static const char *const want[][2] = {
        {"family", "latency"}, {"variant", "chase"}, {"run_type", "iteration"}, {"status", "ok"}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const char *c = output_table_cell(t, r, want[i][0]);
        if (!c || strcmp(c, want[i][1]) != 0)
            return 0;
    }
    const char *ws = output_table_cell(t, r, "working_set");
    return ws && strtoull(ws, NULL, 10) == bytes;
}

/* The base-page ladder this run measured: per working set, the median ns
 * per load of its iteration rows, smallest set first.  Returns the number
 * of points (at most max). */
static size_t latency_ladder(unsigned long long *bytes, double *ns, size_t max)
{
    const output_table *t = output_table_get("results.csv");
    size_t n = 0;
    for (unsigned long long size = LATENCY_MIN_BYTES; size <= LATENCY_MAX_BYTES && n < max; size *= 2) {
        double v[64];
        size_t k = 0;
        for (size_t r = 0; r < output_table_row_count(t) && k < 64; r++)
            if (latency_row_of(t, r, size))
                v[k++] = strtod(output_table_cell(t, r, "real_ns"), NULL);
        if (k) {
            bytes[n] = size;
            ns[n++] = stats_median(v, k);
        }
    }
    return n;
}

static void latency_cache_row(output_table *t, int level, unsigned long long bytes, const char *source, double ns)
{
    output_table_row(t);
    output_table_set_int(t, "level", level);
    output_table_set_int(t, "size_bytes", (long long)bytes);
    output_table_set_str(t, "source", source);
    output_table_set_num(t, "ns", ns);
}

/* The cache sizes the plot marks: hwloc's, and the levels the ladder shows
 * (recorded for machine.json through caches.h). */
static void latency_finish(const bench_config *cfg)
{
    output_table *t = output_table_get("latency_caches.csv");
    int cpu = topo_pu(cfg->topo, 0);
    for (int level = 1; level <= topo_cache_levels(cfg->topo); level++) {
        unsigned long long size = topo_cache_size(cfg->topo, cpu, level);
        if (size)
            latency_cache_row(t, level, size, "hwloc", NAN);
    }
    unsigned long long bytes[32];
    double ns[32];
    caches_levels inferred;
    if (caches_fit_ladder(bytes, ns, latency_ladder(bytes, ns, 32), &inferred) == 0) {
        snprintf(inferred.source, sizeof inferred.source, "latency family");
        caches_record_ladder(&inferred);
        for (int i = 0; i < inferred.n; i++)
            latency_cache_row(t, i + 1, inferred.level[i].bytes, "measured", inferred.level[i].ns);
    }
    latency_release();
}

const bench_family bench_family_latency = {
    .name = "latency",
    .help = "dependent pointer chase from 4 KiB to 256 MiB: the cache and DRAM ladder (base, THP, hugetlb pages)",
    .description = "A dependent pointer chase over a random cyclic permutation, one pointer per cache line, "
                   "for working sets from 4 KiB to 256 MiB. Each step of the ladder is a level of the "
                   "memory hierarchy; the other families' numbers are read against it. The ladder runs on base "
                   "pages (huge pages refused with MADV_NOHUGEPAGE), and again from 64 KiB on transparent huge "
                   "pages and on hugetlbfs 2 MiB pages where the kernel offers them.",
    .min_cpus = 1,
    .register_benchmarks = latency_register,
    .finish = latency_finish,
};

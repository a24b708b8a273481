/*
 * access.c — what touching memory costs once it exists, by where it lives.
 *
 * Hot: read-modify-write of every 8-byte word of an N-byte buffer (1 KiB to
 * 1 MiB) that lives on the stack, on the malloc heap or on the GC heap,
 * after a warming pass.  While the buffers sit in the same cache level the
 * three should be equal within noise; finish() writes the ratios to the
 * stack and their spread into access_summary.csv.
 *
 * Cold: a store to every cache line of a freshly obtained large block (at
 * and above glibc's mmap threshold, 128 KiB) against the same stores into a
 * stack buffer that was touched before: the price of the page faults (count
 * them with the sw counter group), of populating up front, and of huge
 * pages where the kernel offers them.  Mapped blocks get their page size
 * from pages.h (base pages unless the variant asks for huge ones); every
 * cold row says how much of a sample block was backed by huge pages.
 *
 * Variants:  hot_stack, hot_heap, hot_gc                         (size)
 *            cold_heap_malloc    malloc + touch + free: whatever the allocator
 *                                recycles (per allocator)
 *            cold_heap_mmap      mmap (base pages) + touch + munmap: always
 *                                fresh pages
 *            cold_heap_populate  the same, populated by the kernel first
 *                                (MADV_POPULATE_WRITE)
 *            cold_heap_thp       transparent huge pages (MADV_HUGEPAGE)
 *            cold_heap_hugetlb   hugetlbfs 2 MiB pages, where reserved
 *            cold_stack_touched  the same stores into a warm stack buffer
 * Under an alternative allocator only cold_heap_malloc and its stack
 * baseline run.
 */
#include "memprobe/allocators.h"
#include "memprobe/bench.h"
#include "memprobe/cbench.h"
#include "memprobe/child.h"
#include "memprobe/gcheap.h"
#include "memprobe/measure.h"
#include "memprobe/output.h"
#include "memprobe/pages.h"
#include "memprobe/rows.h"

#include <gc.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Bytes between the stores of a touch: the cache line (set at registration). */
static size_t access_stride = 64;

/* ---- hot ---- */

/* One pass: add 1 to every word. */
static MEASURE_NOINLINE void access_rmw(uint64_t *w, size_t words)
{
    for (size_t i = 0; i < words; i++)
        w[i] += 1;
}

static void access_fill_index(uint64_t *w, size_t words)
{
    for (size_t i = 0; i < words; i++)
        w[i] = i;
}

static uint64_t access_sum(const uint64_t *w, size_t words)
{
    uint64_t s = 0;
    for (size_t i = 0; i < words; i++)
        s += w[i];
    return s;
}

/* Sum of the words after passes passes over a buffer filled with 0..words-1. */
static uint64_t access_hot_expected(size_t words, uint64_t passes)
{
    uint64_t w = words;
    uint64_t triangle = w % 2 ? w * ((w - 1) / 2) : (w / 2) * (w - 1);
    return triangle + passes * w;
}

/* The hot timed loop over a buffer wherever it lives: fill, warm, measure,
 * check. */
static void access_hot_loop(cbench_state *st, uint64_t *w, size_t size)
{
    size_t words = size / sizeof *w;
    void (*volatile rmw)(uint64_t *, size_t) = access_rmw;
    access_fill_index(w, words);
    rmw(w, words);   /* the warming pass */
    uint64_t passes = 1;
    for (int64_t n; (n = cbench_next_batch(st)) > 0;)
        for (int64_t i = 0; i < n; i++, passes++)
            rmw(w, words);
    cbench_escape(w);
    cbench_set_bytes_processed(st, (int64_t)((passes - 1) * size));
    measure_report_checksum(st, access_sum(w, words), access_hot_expected(words, passes));
}

static void access_tag(cbench_state *st)
{
    cbench_tag(st, "allocator", allocators_active());
    cbench_tag(st, "runtime", "c");
}

/* Bytes of stack this process may use (RLIMIT_STACK; 8 MiB when unlimited). */
static size_t access_stack_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_STACK, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return 8u << 20;
    return (size_t)rl.rlim_cur;
}

/* 0 when a stack buffer of size bytes fits comfortably (half the limit);
 * otherwise skips the run and returns -1. */
static int access_stack_fits(cbench_state *st, size_t size)
{
    size_t limit = access_stack_limit();
    if (size <= limit / 2)
        return 0;
    char msg[160];
    snprintf(msg, sizeof msg, "a %zu-byte stack buffer needs a stack limit of at least %zu KiB (ulimit -s is %zu KiB)",
             size, size * 2 / 1024, limit / 1024);
    cbench_skip(st, msg);
    return -1;
}

static void access_hot_stack(cbench_state *st)
{
    size_t size = (size_t)cbench_range(st, 0);
    access_tag(st);
    if (access_stack_fits(st, size) != 0)
        return;
    uint64_t buf[size / sizeof(uint64_t)];
    access_hot_loop(st, buf, size);
}

static void access_hot_heap(cbench_state *st)
{
    size_t size = (size_t)cbench_range(st, 0);
    access_tag(st);
    uint64_t *w = malloc(size);
    if (!w) {
        cbench_error(st, "malloc failed");
        return;
    }
    access_hot_loop(st, w, size);
    free(w);
}

/* hot_gc runs each batch in a fresh, identically configured collected heap
 * (gcheap.h): the parent's benchmark function, and the child's side. */
static const topo *access_topo;

static void access_hot_gc(cbench_state *st)
{
    size_t size = (size_t)cbench_range(st, 0);
    access_tag(st);
    gcheap_bench_run(st, "access", access_topo, "hot_gc", size, access_stride);
    cbench_set_bytes_processed(st, cbench_max_iterations(st) * (int64_t)size);
}

/* The child's buffer: from GC_MALLOC_ATOMIC, filled and warmed before the
 * clock, as access_hot_loop does. */
typedef struct access_gc_job {
    size_t size;
    uint64_t *w;
} access_gc_job;

static void access_gc_setup(void *arg)
{
    access_gc_job *j = arg;
    j->w = GC_MALLOC_ATOMIC(j->size);
    if (!j->w)
        return;
    access_fill_index(j->w, j->size / sizeof *j->w);
    access_rmw(j->w, j->size / sizeof *j->w);   /* the warming pass */
}

static uint64_t access_gc_loop(void *arg, uint64_t iterations)
{
    access_gc_job *j = arg;
    void (*volatile rmw)(uint64_t *, size_t) = access_rmw;
    if (!j->w)
        return 0;
    for (uint64_t i = 0; i < iterations; i++)
        rmw(j->w, j->size / sizeof *j->w);
    cbench_escape(j->w);
    return 0;
}

static int access_gc_check(void *arg, uint64_t iterations, uint64_t unused)
{
    (void)unused;
    const access_gc_job *j = arg;
    size_t words = j->size / sizeof *j->w;
    return j->w && access_sum(j->w, words) == access_hot_expected(words, iterations + 1) ? 0 : -1;
}

/* `memprobe __child access variant=hot_gc size=BYTES line=BYTES
 *  iterations=N cpus=LIST` */
static int access_child_main(int argc, char **argv)
{
    static const char *const variants[] = {"hot_gc"};
    gcheap_bench_args a;
    if (gcheap_bench_parse(argc, argv, variants, 1, &a) != 0)
        return 2;
    access_stride = a.line;
    access_gc_job job = {.size = a.size};
    gcheap_bench_ops ops = {.setup = access_gc_setup, .loop = access_gc_loop, .check = access_gc_check, .arg = &job};
    return gcheap_bench_child(argc, argv, "access", &ops);
}

/* ---- cold ---- */

/* One cold operation: obtain size bytes, touch every line, give them back;
 * returns the touch checksum (0 when the memory could not be had). */
typedef uint64_t (*access_cold_op)(size_t size, uint64_t seed);
typedef struct access_cold_variant {
    access_cold_op op;
    int mapped;              /* the block comes from pages_map_memory ... */
    pages_policy policy;     /* ... with this page policy */
    int populate;            /* ... faulted in by the kernel before the touch */
} access_cold_variant;

static MEASURE_NOINLINE uint64_t access_cold_malloc(size_t size, uint64_t seed)
{
    return measure_malloc_touch_free(size, access_stride, seed);
}

/* Map with a page policy, touch, unmap. */
static uint64_t access_cold_map(size_t size, uint64_t seed, pages_policy policy, int populate)
{
    pages_map m;
    char why[160];
    if (pages_map_memory(&m, size, policy, populate, why, sizeof why) != 0)
        return 0;
    uint64_t sum = measure_touch_lines(m.p, size, access_stride, seed);
    pages_unmap(&m);
    return sum;
}

static MEASURE_NOINLINE uint64_t access_cold_mmap(size_t size, uint64_t seed)
{
    return access_cold_map(size, seed, PAGES_BASE, 0);
}

static MEASURE_NOINLINE uint64_t access_cold_populate(size_t size, uint64_t seed)
{
    return access_cold_map(size, seed, PAGES_BASE, 1);
}

static MEASURE_NOINLINE uint64_t access_cold_thp(size_t size, uint64_t seed)
{
    return access_cold_map(size, seed, PAGES_THP, 0);
}

static MEASURE_NOINLINE uint64_t access_cold_hugetlb(size_t size, uint64_t seed)
{
    return access_cold_map(size, seed, PAGES_HUGETLB, 0);
}

/* The stores of a cold operation, into memory that is already there. */
static MEASURE_NOINLINE uint64_t access_touch(unsigned char *p, size_t size, uint64_t seed)
{
    return measure_touch_lines(p, size, access_stride, seed);
}

/* Outside the timed loop: obtain one block as v does, touch it, and return
 * the fraction of it the kernel backed with huge pages (NaN: unknown). */
static double access_cold_huge_fraction(const access_cold_variant *v, size_t size)
{
    pages_map m;
    char why[160];
    unsigned char *p = NULL;
    if (v->mapped && pages_map_memory(&m, size, v->policy, v->populate, why, sizeof why) == 0)
        p = m.p;
    else if (!v->mapped)
        p = malloc(size);
    if (!p)
        return NAN;
    measure_touch_lines(p, size, access_stride, 0);
    long long huge = pages_huge_bytes(p, size);
    if (v->mapped)
        pages_unmap(&m);
    else
        free(p);
    return huge < 0 ? NAN : (double)huge / (double)size;
}

static void access_cold_finish(cbench_state *st, size_t size, uint64_t iterations, uint64_t sum)
{
    size_t pages = size / (size_t)sysconf(_SC_PAGESIZE);
    cbench_counter(st, "pages", (double)pages, CBENCH_COUNTER_PLAIN);
    cbench_set_bytes_processed(st, (int64_t)(iterations * size));
    measure_report_checksum(st, sum, measure_touch_expected_total(size, access_stride, iterations));
}

static void access_cold_run(cbench_state *st)
{
    const access_cold_variant *v = cbench_user(st);
    size_t size = (size_t)cbench_range(st, 0);
    char why[256];
    access_tag(st);
    if (v->mapped) {
        cbench_tag(st, "page_policy", pages_policy_name(v->policy));
        if (pages_usable(v->policy, size, why, sizeof why) != 0) {
            cbench_skip(st, why);
            return;
        }
    }
    access_cold_op volatile op = v->op;
    uint64_t sum = 0, seed = 0;
    for (int64_t n; (n = cbench_next_batch(st)) > 0;)
        for (int64_t i = 0; i < n; i++)
            sum += op(size, seed++);
    cbench_do_not_optimize(sum);
    double huge = access_cold_huge_fraction(v, size);
    if (!isnan(huge))
        cbench_counter(st, "huge_page_fraction", huge, CBENCH_COUNTER_PLAIN);
    access_cold_finish(st, size, seed, sum);
}

static void access_cold_stack_touched(cbench_state *st)
{
    size_t size = (size_t)cbench_range(st, 0);
    access_tag(st);
    if (access_stack_fits(st, size) != 0)
        return;
    unsigned char buf[size];
    memset(buf, 0, size);   /* touched before the clock starts */
    cbench_escape(buf);
    uint64_t (*volatile touch)(unsigned char *, size_t, uint64_t) = access_touch;
    uint64_t sum = 0, seed = 0;
    for (int64_t n; (n = cbench_next_batch(st)) > 0;)
        for (int64_t i = 0; i < n; i++)
            sum += touch(buf, size, seed++);
    cbench_do_not_optimize(sum);
    access_cold_finish(st, size, seed, sum);
}

static const access_cold_variant access_cold_malloc_v = {access_cold_malloc, 0, PAGES_BASE, 0};
static const access_cold_variant access_cold_mmap_v = {access_cold_mmap, 1, PAGES_BASE, 0};
static const access_cold_variant access_cold_populate_v = {access_cold_populate, 1, PAGES_BASE, 1};
static const access_cold_variant access_cold_thp_v = {access_cold_thp, 1, PAGES_THP, 0};
static const access_cold_variant access_cold_hugetlb_v = {access_cold_hugetlb, 1, PAGES_HUGETLB, 0};

/* ---- registration ---- */

typedef struct access_sizes {
    const int64_t *v;
    size_t n;
} access_sizes;

static const int64_t access_hot_quick[] = {4096, 65536, 1 << 20};
static const int64_t access_hot_full[] = {1024, 4096, 16384, 65536, 262144, 1 << 20};
static const int64_t access_cold_quick[] = {128 << 10, 4 << 20};
static const int64_t access_cold_full[] = {128 << 10, 1 << 20, 4 << 20};

#define ACCESS_SIZES_OF(a) ((access_sizes){(a), sizeof(a) / sizeof((a)[0])})

static access_sizes access_hot_sizes(const bench_config *cfg)
{
    return cfg->quick ? ACCESS_SIZES_OF(access_hot_quick) : ACCESS_SIZES_OF(access_hot_full);
}

static access_sizes access_cold_sizes(const bench_config *cfg)
{
    return cfg->quick ? ACCESS_SIZES_OF(access_cold_quick) : ACCESS_SIZES_OF(access_cold_full);
}

/* Register name with fn and one "size" argument per size at least min_size
 * and at most an eighth of RAM. */
static void access_register_one(const bench_config *cfg, const char *name, cbench_fn fn, void *user,
                                access_sizes sizes, int64_t min_size, double quick_s, double full_s)
{
    cbench_bench *b = cbench_register(name, fn, user);
    if (!b)
        return;
    static const char *const names[] = {"size"};
    cbench_arg_names(b, names, 1);
    for (size_t i = 0; i < sizes.n; i++)
        if (sizes.v[i] >= min_size && (!cfg->ram_bytes || (unsigned long long)sizes.v[i] <= cfg->ram_bytes / 8))
            cbench_arg(b, sizes.v[i]);
    measure_timing(b, cfg, quick_s, full_s);
}

/* The smallest block a huge-page variant measures: one whole huge page (2 MiB
 * where the kernel has no THP: the rows then skip, saying why). */
static int64_t access_huge_min(pages_policy policy)
{
    size_t bytes = pages_policy_bytes(policy);
    return bytes ? (int64_t)bytes : (int64_t)PAGES_HUGETLB_BYTES;
}

static void access_register(const bench_config *cfg, char *why, size_t whylen)
{
    int child = allocators_check_child(cfg, why, whylen);
    if (child < 0)
        return;
    if (cfg->topo)
        access_stride = topo_cache_line(cfg->topo);
    access_sizes hot = access_hot_sizes(cfg), cold = access_cold_sizes(cfg);
    access_topo = cfg->topo;
    if (!child) {
        access_register_one(cfg, "access/hot_stack", access_hot_stack, NULL, hot, 0, 0.002, 0.007);
        access_register_one(cfg, "access/hot_heap", access_hot_heap, NULL, hot, 0, 0.002, 0.007);
        gcheap_bench_register(cfg, "access/hot_gc", access_hot_gc, NULL, hot.v, hot.n,
                              cfg->ram_bytes ? (int64_t)(cfg->ram_bytes / 8) : 0);
        access_register_one(cfg, "access/cold_heap_mmap", access_cold_run, (void *)&access_cold_mmap_v,
                            cold, 0, 0.01, 0.01);
        access_register_one(cfg, "access/cold_heap_populate", access_cold_run, (void *)&access_cold_populate_v,
                            cold, 0, 0.01, 0.01);
        access_register_one(cfg, "access/cold_heap_thp", access_cold_run, (void *)&access_cold_thp_v,
                            cold, access_huge_min(PAGES_THP), 0.01, 0.01);
        access_register_one(cfg, "access/cold_heap_hugetlb", access_cold_run, (void *)&access_cold_hugetlb_v,
                            cold, access_huge_min(PAGES_HUGETLB), 0.01, 0.01);
    }
    access_register_one(cfg, "access/cold_heap_malloc", access_cold_run, (void *)&access_cold_malloc_v,
                        cold, 0, 0.01, 0.01);
    access_register_one(cfg, "access/cold_stack_touched", access_cold_stack_touched, NULL, cold, 0, 0.01, 0.01);
}

/* ---- access_summary.csv ---- */

/* One summary row: variant against baseline at size, from this process's
 * rows, by wall time (ratio*) and by CPU time (ratio_cpu*: robust on a
 * loaded machine, where preemption inflates wall time). */
static void access_summary_row(output_table **out, const output_table *rows, const char *allocator,
                               const char *kind, const char *variant, const char *baseline, long long size)
{
    static const char *const cols[] = {"allocator", "kind", "variant", "baseline", "size", "ratio",
                                       "ratio_low", "ratio_high", "ratio_cpu", "ratio_cpu_low",
                                       "ratio_cpu_high", "repetitions"};
    rows_ratio wall, cpu;
    if (rows_ratio_times(rows, "access", variant, baseline, allocator, size, &wall, &cpu) == 0)
        return;
    output_table *t = rows_side_row(out, "access_summary.csv", cols, (int)(sizeof cols / sizeof cols[0]));
    output_table_set_str(t, "allocator", allocator);
    output_table_set_str(t, "kind", kind);
    output_table_set_str(t, "variant", variant);
    output_table_set_str(t, "baseline", baseline);
    output_table_set_int(t, "size", size);
    rows_set_ratio(t, "ratio", wall);
    rows_set_ratio(t, "ratio_cpu", cpu);
    output_table_set_int(t, "repetitions", wall.count);
}

static void access_finish(const bench_config *cfg)
{
    static const char *const hot[] = {"hot_heap", "hot_gc"};
    static const char *const cold[] = {"cold_heap_malloc", "cold_heap_mmap", "cold_heap_populate",
                                       "cold_heap_thp", "cold_heap_hugetlb"};
    const output_table *rows = rows_results();
    const char *allocator = allocators_active();
    access_sizes hs = access_hot_sizes(cfg), cs = access_cold_sizes(cfg);
    output_table *out = NULL;
    for (size_t i = 0; i < hs.n; i++)
        for (size_t k = 0; k < sizeof hot / sizeof hot[0]; k++)
            access_summary_row(&out, rows, allocator, "hot", hot[k], "hot_stack", hs.v[i]);
    for (size_t i = 0; i < cs.n; i++)
        for (size_t k = 0; k < sizeof cold / sizeof cold[0]; k++)
            access_summary_row(&out, rows, allocator, "cold", cold[k], "cold_stack_touched", cs.v[i]);
}

const bench_family bench_family_access = {
    .name = "access",
    .help = "touching memory: hot RMW on stack/heap/GC heap, cold first touch and page faults",
    .description =
        "Read-modify-write of a warm 1 KiB-1 MiB buffer on the stack, the malloc heap and the GC "
        "heap (equal within noise while in the same cache level: see the ratios in "
        "access_summary.csv), and the first touch of a freshly obtained large block "
        "(malloc; mmap with base pages, populated or not; transparent huge pages; hugetlbfs 2 MiB "
        "pages) against the same stores into a "
        "warm stack buffer: the page-fault cost, counted with the sw counters.",
    .min_cpus = 1,
    .flags = BENCH_FAMILY_PER_ALLOCATOR,
    .register_benchmarks = access_register,
    .finish = access_finish,
    .child_main = access_child_main,
};

/*
 * passing.c — pointer against copy: what handing a struct of 8 to 1024 bytes
 * from a callee to its caller (or back) costs, in the shapes the explainer's
 * FastPath/SlowPath example stands for.
 *
 * Every operation produces a struct (the callee writes every 8-byte word)
 * and consumes it (the caller, or for by_value_arg the callee, reads every
 * word into a checksum).  Callees are never inlined: noinline, and called
 * through a volatile function pointer the optimiser cannot see through.
 *
 * Variants (argument "size", bytes):
 *   by_value      the callee returns the struct by value (FastPath)
 *   ptr_malloc    the callee returns a pointer to a fresh malloc'd struct; the
 *                 caller reads and frees it (SlowPath: the value escapes)
 *   ptr_gc        the same with GC_MALLOC_ATOMIC (a pointer-free object on a
 *                 collected heap, as Go allocates an escaping pointer-free
 *                 struct); collections included; each batch in a fresh,
 *                 identically configured heap (a child process, gcheap.h)
 *   out_param     the callee fills a struct the caller owns on its stack
 *   by_value_arg  the caller builds the struct and passes it by value to a
 *                 callee that reads every field
 * Under an alternative allocator only by_value and ptr_malloc run.
 *
 * finish() writes passing_ratios.csv (each variant / by_value per size) and
 * passing_summary.csv (per allocator and pointer variant: the smallest size
 * where returning a pointer is no dearer than copying, and the ratio at
 * 64 bytes — the explainer's "often 10x").
 */
#include "memprobe/allocators.h"
#include "memprobe/bench.h"
#include "memprobe/cbench.h"
#include "memprobe/child.h"
#include "memprobe/gcheap.h"
#include "memprobe/measure.h"
#include "memprobe/output.h"
#include "memprobe/rows.h"

#include <gc.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PASSING_SIZES(X) X(8) X(16) X(32) X(64) X(128) X(256) X(512) X(1024)
#define PASSING_SIZE_COUNT 8

/* Producer: word i of a struct made with seed holds seed + i.  A macro, so
 * the struct is written directly (not through a pointer to it: see the note
 * on by_value below); fully unrolled in every variant alike. */
#define PASSING_FILL(w, words, seed)                     \
    do {                                                 \
        _Pragma("GCC unroll 128")                        \
        for (size_t i_ = 0; i_ < (words); i_++)          \
            (w)[i_] = (seed) + i_;                       \
    } while (0)

/* Consumer: the sum of the words. */
static inline uint64_t passing_sum(const uint64_t *w, size_t words)
{
    uint64_t s = 0;
    _Pragma("GCC unroll 128")
    for (size_t i = 0; i < words; i++)
        s += w[i];
    return s;
}

/* What one operation with seed returns for a struct of words words. */
static uint64_t passing_expected(size_t words, uint64_t seed)
{
    uint64_t w = words;
    return w * seed + (w % 2 ? w * ((w - 1) / 2) : (w / 2) * (w - 1));
}

/* Sum of passing_expected over seeds 0..n-1. */
static uint64_t passing_expected_total(size_t words, uint64_t n)
{
    uint64_t seeds = n % 2 ? n * ((n - 1) / 2) : (n / 2) * (n - 1);
    return (uint64_t)words * seeds + n * passing_expected(words, 0);
}

/* Everything for one size N: the struct, the callees (never inlined, reached
 * through volatile pointers), and one operation per variant returning its
 * checksum.  The operations are the caller's side and are inlined into the
 * timed loops below.
 *
 * Note on by_value: gcc 12 at -O2 builds a returned struct in place (the
 * named-return-value optimisation) only when it is written directly and the
 * fill is fully unrolled; otherwise it builds it in a local and copies it
 * into the return slot with 16-byte loads of 8-byte stores — a
 * store-forwarding stall per 16 bytes that made a 64-byte return cost ~9x a
 * 32-byte one, a compiler artefact rather than the cost of copying.  Clang
 * builds in place either way.  Hence PASSING_FILL, used by every variant. */
#define PASSING_DEFINE(N)                                                                       \
    typedef struct passing_blob_##N { uint64_t w[(N) / 8]; } passing_blob_##N;                  \
    static MEASURE_NOINLINE passing_blob_##N passing_make_##N(uint64_t seed)                   \
    {                                                                                           \
        passing_blob_##N b;                                                                     \
        PASSING_FILL(b.w, (N) / 8, seed);                                                       \
        return b;                                                                               \
    }                                                                                           \
    static MEASURE_NOINLINE passing_blob_##N *passing_make_malloc_##N(uint64_t seed)           \
    {                                                                                           \
        passing_blob_##N *p = malloc(sizeof *p);                                                \
        if (p)                                                                                  \
            PASSING_FILL(p->w, (N) / 8, seed);                                                  \
        return p;                                                                               \
    }                                                                                           \
    static MEASURE_NOINLINE passing_blob_##N *passing_make_gc_##N(uint64_t seed)               \
    {                                                                                           \
        passing_blob_##N *p = GC_MALLOC_ATOMIC(sizeof *p);                                      \
        if (p)                                                                                  \
            PASSING_FILL(p->w, (N) / 8, seed);                                                  \
        return p;                                                                               \
    }                                                                                           \
    static MEASURE_NOINLINE void passing_fill_out_##N(passing_blob_##N *out, uint64_t seed)    \
    {                                                                                           \
        PASSING_FILL(out->w, (N) / 8, seed);                                                    \
    }                                                                                           \
    static MEASURE_NOINLINE uint64_t passing_read_##N(passing_blob_##N b)                       \
    {                                                                                           \
        return passing_sum(b.w, (N) / 8);                                                       \
    }                                                                                           \
    static passing_blob_##N (*volatile passing_make_fn_##N)(uint64_t) = passing_make_##N;      \
    static passing_blob_##N *(*volatile passing_make_malloc_fn_##N)(uint64_t) =                \
        passing_make_malloc_##N;                                                                \
    static passing_blob_##N *(*volatile passing_make_gc_fn_##N)(uint64_t) = passing_make_gc_##N; \
    static void (*volatile passing_fill_out_fn_##N)(passing_blob_##N *, uint64_t) =            \
        passing_fill_out_##N;                                                                   \
    static uint64_t (*volatile passing_read_fn_##N)(passing_blob_##N) = passing_read_##N;      \
    static inline uint64_t passing_op_by_value_##N(uint64_t seed)                               \
    {                                                                                           \
        passing_blob_##N b = passing_make_fn_##N(seed);                                         \
        return passing_sum(b.w, (N) / 8);                                                       \
    }                                                                                           \
    static inline uint64_t passing_op_ptr_malloc_##N(uint64_t seed)                             \
    {                                                                                           \
        passing_blob_##N *p = passing_make_malloc_fn_##N(seed);                                 \
        if (!p)                                                                                 \
            return 0;                                                                           \
        uint64_t s = passing_sum(p->w, (N) / 8);                                                \
        free(p);                                                                                \
        return s;                                                                               \
    }                                                                                           \
    static inline uint64_t passing_op_ptr_gc_##N(uint64_t seed)                                 \
    {                                                                                           \
        passing_blob_##N *p = passing_make_gc_fn_##N(seed);                                     \
        return p ? passing_sum(p->w, (N) / 8) : 0;                                              \
    }                                                                                           \
    static inline uint64_t passing_op_out_param_##N(uint64_t seed)                              \
    {                                                                                           \
        passing_blob_##N b;                                                                     \
        passing_fill_out_fn_##N(&b, seed);                                                      \
        return passing_sum(b.w, (N) / 8);                                                       \
    }                                                                                           \
    static inline uint64_t passing_op_by_value_arg_##N(uint64_t seed)                           \
    {                                                                                           \
        passing_blob_##N b;                                                                     \
        PASSING_FILL(b.w, (N) / 8, seed);                                                       \
        return passing_read_fn_##N(b);                                                          \
    }
PASSING_SIZES(PASSING_DEFINE)
#undef PASSING_DEFINE

/* The timed loop of one variant at one size: the operation is inlined, so
 * the only calls per iteration are the variant's own. */
#define PASSING_LOOP(V, N)                                                                      \
    static void passing_loop_##V##_##N(cbench_state *st)                                        \
    {                                                                                           \
        uint64_t sum = 0, seed = 0;                                                             \
        for (int64_t n; (n = cbench_next_batch(st)) > 0;)                                       \
            for (int64_t i = 0; i < n; i++)                                                     \
                sum += passing_op_##V##_##N(seed++);                                            \
        cbench_do_not_optimize(sum);                                                            \
        measure_report_checksum(st, sum, passing_expected_total((N) / 8, seed));                \
    }
/* ptr_gc's loop runs in a fresh collected heap per batch (gcheap.h), in a
 * child: the same inlined operation, without cbench around it. */
#define PASSING_GC_LOOP(N)                                                                      \
    static uint64_t passing_gc_loop_##N(void *arg, uint64_t iterations)                         \
    {                                                                                           \
        (void)arg;                                                                              \
        uint64_t sum = 0;                                                                       \
        for (uint64_t seed = 0; seed < iterations; seed++)                                      \
            sum += passing_op_ptr_gc_##N(seed);                                                 \
        cbench_do_not_optimize(sum);                                                            \
        return sum;                                                                             \
    }
#define PASSING_LOOPS(N)                                                                        \
    PASSING_LOOP(by_value, N) PASSING_LOOP(ptr_malloc, N) PASSING_GC_LOOP(N)                    \
    PASSING_LOOP(out_param, N) PASSING_LOOP(by_value_arg, N)
PASSING_SIZES(PASSING_LOOPS)
#undef PASSING_LOOPS
#undef PASSING_GC_LOOP
#undef PASSING_LOOP

static const int64_t passing_sizes[PASSING_SIZE_COUNT] = {
#define PASSING_SIZE_VALUE(N) N,
    PASSING_SIZES(PASSING_SIZE_VALUE)
#undef PASSING_SIZE_VALUE
};

/* A variant: its name and its loop for each size (in passing_sizes order);
 * the collected-heap variant has none here: its loops run in children. */
typedef struct passing_variant {
    const char *name;
    int uses_malloc;   /* runs in the per-allocator children too */
    int uses_gc;       /* runs in a fresh collected heap per batch */
    cbench_fn loops[PASSING_SIZE_COUNT];
} passing_variant;

typedef uint64_t (*passing_gc_loop)(void *arg, uint64_t iterations);
static const passing_gc_loop passing_gc_loops[PASSING_SIZE_COUNT] = {
#define PASSING_GC_LOOP_REF(N) passing_gc_loop_##N,
    PASSING_SIZES(PASSING_GC_LOOP_REF)
#undef PASSING_GC_LOOP_REF
};

#define PASSING_LOOP_REF(V, N) passing_loop_##V##_##N,
#define PASSING_VARIANT(V, malloc_dep, gc)                                                      \
    {#V, malloc_dep, gc, {PASSING_LOOP_REF(V, 8) PASSING_LOOP_REF(V, 16) PASSING_LOOP_REF(V, 32) \
                          PASSING_LOOP_REF(V, 64) PASSING_LOOP_REF(V, 128) PASSING_LOOP_REF(V, 256) \
                          PASSING_LOOP_REF(V, 512) PASSING_LOOP_REF(V, 1024)}}
static const passing_variant passing_variants[] = {
    PASSING_VARIANT(by_value, 1, 0),   /* the baseline every process needs */
    PASSING_VARIANT(ptr_malloc, 1, 0),
    {"ptr_gc", 0, 1, {NULL}},
    PASSING_VARIANT(out_param, 0, 0),
    PASSING_VARIANT(by_value_arg, 0, 0),
};
#undef PASSING_VARIANT
#undef PASSING_LOOP_REF

static int passing_size_index(int64_t size)
{
    for (int i = 0; i < PASSING_SIZE_COUNT; i++)
        if (passing_sizes[i] == size)
            return i;
    return -1;
}

/* The run's CPUs, for the collected-heap children. */
static const topo *passing_topo;

/* The registered function: tag the row, then run the loop for its size (in
 * children for the collected heap). */
static void passing_run(cbench_state *st)
{
    const passing_variant *v = cbench_user(st);
    int idx = passing_size_index(cbench_range(st, 0));
    cbench_tag(st, "allocator", allocators_active());
    cbench_tag(st, "runtime", "c");
    if (idx < 0) {
        cbench_error(st, "no struct of this size");
        return;
    }
    if (!v->uses_gc) {
        v->loops[idx](st);
        return;
    }
    gcheap_bench_run(st, "passing", passing_topo, v->name, (size_t)passing_sizes[idx], 64);
}

/* Child: the checksum of a ptr_gc loop over the struct of size. */
static int passing_gc_check(void *arg, uint64_t iterations, uint64_t sum)
{
    const int64_t *size = arg;
    return sum == passing_expected_total((size_t)*size / 8, iterations) ? 0 : -1;
}

/* `memprobe __child passing variant=ptr_gc size=BYTES iterations=N cpus=LIST`
 * (line= is accepted and not used: passing touches whole structs) */
static int passing_child_main(int argc, char **argv)
{
    static const char *const variants[] = {"ptr_gc"};
    gcheap_bench_args a;
    int idx;
    if (gcheap_bench_parse(argc, argv, variants, 1, &a) != 0)
        return 2;
    if ((idx = passing_size_index((int64_t)a.size)) < 0) {
        fprintf(stderr, "__child: size='%zu': expected one of 8, 16, 32, 64, 128, 256, 512, 1024\n", a.size);
        return 2;
    }
    gcheap_bench_ops ops = {.loop = passing_gc_loops[idx], .check = passing_gc_check,
                            .arg = (void *)&passing_sizes[idx]};
    return gcheap_bench_child(argc, argv, "passing", &ops);
}

static void passing_register(const bench_config *cfg, char *why, size_t whylen)
{
    int child = allocators_check_child(cfg, why, whylen);
    if (child < 0)
        return;
    passing_topo = cfg->topo;
    static const char *const names[] = {"size"};
    for (size_t i = 0; i < sizeof passing_variants / sizeof passing_variants[0]; i++) {
        const passing_variant *v = &passing_variants[i];
        if (child && !v->uses_malloc)
            continue;
        char name[64];
        snprintf(name, sizeof name, "passing/%s", v->name);
        if (v->uses_gc) {
            gcheap_bench_register(cfg, name, passing_run, (void *)v, passing_sizes, PASSING_SIZE_COUNT, 0);
            continue;
        }
        cbench_bench *b = cbench_register(name, passing_run, (void *)v);
        if (!b)
            continue;
        cbench_arg_names(b, names, 1);
        for (int k = 0; k < PASSING_SIZE_COUNT; k++)
            cbench_arg(b, passing_sizes[k]);
        measure_timing(b, cfg, 0.01, 0.01);
    }
}

/* ---- passing_ratios.csv and passing_summary.csv ---- */

/* The crossover and the 64-byte ratio of one variant, by one time column. */
typedef struct passing_crossing {
    long long crossover;   /* smallest size with ratio <= 1; -1: none */
    double ratio_64;       /* NaN when 64 bytes was not measured */
} passing_crossing;

static void passing_cross(passing_crossing *c, long long size, double ratio)
{
    if (c->crossover < 0 && ratio <= 1.0)
        c->crossover = size;
    if (size == 64)
        c->ratio_64 = ratio;
}

/* Ratios of variant v to by_value at every size, by wall time and by CPU
 * time, into passing_ratios.csv; the crossings through wall and cpu.
 * Returns 0 when v has no rows. */
static int passing_ratios(output_table **ratios, const output_table *rows, const char *allocator,
                          const char *v, passing_crossing *wall_x, passing_crossing *cpu_x)
{
    static const char *const cols[] = {"allocator", "variant", "size", "real_ns", "by_value_ns",
                                       "ratio", "ratio_low", "ratio_high", "cpu_ns", "by_value_cpu_ns",
                                       "ratio_cpu", "ratio_cpu_low", "ratio_cpu_high"};
    int found = 0;
    *wall_x = *cpu_x = (passing_crossing){-1, NAN};
    for (int k = 0; k < PASSING_SIZE_COUNT; k++) {
        long long size = passing_sizes[k];
        rows_ratio wall, cpu;
        if (rows_ratio_times(rows, "passing", v, "by_value", allocator, size, &wall, &cpu) == 0)
            continue;
        output_table *t = rows_side_row(ratios, "passing_ratios.csv", cols, (int)(sizeof cols / sizeof cols[0]));
        output_table_set_str(t, "allocator", allocator);
        output_table_set_str(t, "variant", v);
        output_table_set_int(t, "size", size);
        output_table_set_num(t, "real_ns", wall.value);
        output_table_set_num(t, "by_value_ns", wall.baseline);
        rows_set_ratio(t, "ratio", wall);
        output_table_set_num(t, "cpu_ns", cpu.value);
        output_table_set_num(t, "by_value_cpu_ns", cpu.baseline);
        rows_set_ratio(t, "ratio_cpu", cpu);
        passing_cross(wall_x, size, wall.ratio);
        if (cpu.count)
            passing_cross(cpu_x, size, cpu.ratio);
        found = 1;
    }
    return found;
}

static void passing_finish(const bench_config *cfg)
{
    static const char *const cols[] = {"allocator", "variant", "crossover_size_bytes", "ratio_64B",
                                       "crossover_size_bytes_cpu", "ratio_64B_cpu", "max_size_bytes"};
    (void)cfg;
    const output_table *rows = rows_results();
    const char *allocator = allocators_active();
    output_table *ratios = NULL, *summary = NULL;
    for (size_t i = 1; i < sizeof passing_variants / sizeof passing_variants[0]; i++) {
        passing_crossing wall, cpu;
        const char *v = passing_variants[i].name;
        if (!passing_ratios(&ratios, rows, allocator, v, &wall, &cpu) || strncmp(v, "ptr_", 4) != 0)
            continue;   /* the crossover is about the pointer variants */
        output_table *t = rows_side_row(&summary, "passing_summary.csv", cols, (int)(sizeof cols / sizeof cols[0]));
        output_table_set_str(t, "allocator", allocator);
        output_table_set_str(t, "variant", v);
        /* empty crossover: copying stayed cheaper up to max_size_bytes */
        if (wall.crossover > 0)
            output_table_set_int(t, "crossover_size_bytes", wall.crossover);
        output_table_set_num(t, "ratio_64B", wall.ratio_64);
        if (cpu.crossover > 0)
            output_table_set_int(t, "crossover_size_bytes_cpu", cpu.crossover);
        output_table_set_num(t, "ratio_64B_cpu", cpu.ratio_64);
        output_table_set_int(t, "max_size_bytes", passing_sizes[PASSING_SIZE_COUNT - 1]);
    }
}

const bench_family bench_family_passing = {
    .name = "passing",
    .help = "pointer vs copy: return by value, malloc'd or GC'd pointer, out-param, by-value argument",
    .description =
        "Handing a struct of 8-1024 bytes between caller and callee (never inlined): return by "
        "value, return a pointer to a fresh malloc'd or GC-allocated struct (the value escapes "
        "to the heap), fill a caller-owned struct through a pointer, pass by value into a "
        "reader.  passing_summary.csv gives, per allocator, the pointer/by-value ratio at 64 "
        "bytes and the smallest size where returning a pointer stops being dearer than copying.",
    .min_cpus = 1,
    .flags = BENCH_FAMILY_PER_ALLOCATOR,
    .register_benchmarks = passing_register,
    .finish = passing_finish,
    .child_main = passing_child_main,
};

/*
 * alloc.c — what allocating a block costs: on the stack, from malloc (glibc
 * and, re-run under LD_PRELOAD, jemalloc, mimalloc, tcmalloc), and from the
 * Boehm collector (libgc), for sizes 16 B to 64 KiB including the size-class
 * edges 24, 48 and 96 B.
 *
 * Every operation allocates, touches every cache line of the block (one store
 * per line plus the last byte, then reads them back into a checksum) and
 * releases it, so the cost of first use is in the number and the optimiser
 * cannot delete the work.  Each operation is a separate function, never
 * inlined, called through a volatile function pointer.
 *
 * Variants:  stack_fixed        a fixed-size local array (one function per size)
 *            stack_vla          a runtime-sized local array (VLA)
 *            heap_malloc_free   malloc + touch + free, one at a time (hot path)
 *            heap_batch         `batch` live blocks, freed in a shuffled order
 *            heap_calloc        calloc + touch + free
 *            gc_malloc          GC_MALLOC (collections it triggers included)
 *            gc_malloc_atomic   GC_MALLOC_ATOMIC (pointer-free, not scanned)
 * Under an alternative allocator (a per-allocator child) only the heap_*
 * variants run: the others do not depend on malloc.  The gc_* variants run
 * each batch in a fresh child with an identically configured heap
 * (gcheap.h), so their numbers do not depend on what ran before.
 */
#include "memprobe/allocators.h"
#include "memprobe/bench.h"
#include "memprobe/cbench.h"
#include "memprobe/child.h"
#include "memprobe/gcheap.h"
#include "memprobe/measure.h"
#include "memprobe/rng.h"

#include <gc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALLOC_BATCH 512                          /* live blocks in heap_batch */
#define ALLOC_BATCH_BYTES_MAX (64ull << 20)     /* cap on a batch's live bytes */

/* Bytes between the stores of a touch: the cache line (set at registration,
 * and passed to the collected-heap children as line=). */
static size_t alloc_stride = 64;
/* The run's CPUs, for the collected-heap children. */
static const topo *alloc_topo;

/* One operation: allocate size bytes, touch them with seed, release; returns
 * the touch checksum (measure_touch_expected when the memory works). */
typedef uint64_t (*alloc_op)(size_t size, uint64_t seed);

/* ---- the stack ---- */

#define ALLOC_FIXED_SIZES(X) \
    X(16) X(24) X(32) X(48) X(64) X(96) X(128) X(256) X(512) X(1024) \
    X(2048) X(4096) X(8192) X(16384) X(32768) X(65536)

#define ALLOC_STACK_FIXED(n)                                                   \
    static MEASURE_NOINLINE uint64_t alloc_stack_fixed_##n(size_t size, uint64_t seed) \
    {                                                                          \
        (void)size;                                                            \
        unsigned char block[n];                                                \
        return measure_touch_lines(block, n, alloc_stride, seed);              \
    }
ALLOC_FIXED_SIZES(ALLOC_STACK_FIXED)
#undef ALLOC_STACK_FIXED

typedef struct alloc_fixed_entry {
    size_t size;
    alloc_op op;
} alloc_fixed_entry;

#define ALLOC_FIXED_ENTRY(n) {n, alloc_stack_fixed_##n},
static const alloc_fixed_entry alloc_fixed_table[] = {ALLOC_FIXED_SIZES(ALLOC_FIXED_ENTRY)};
#undef ALLOC_FIXED_ENTRY

/* The fixed-size stack function for size, or NULL. */
static alloc_op alloc_stack_fixed_for(size_t size)
{
    for (size_t i = 0; i < sizeof alloc_fixed_table / sizeof alloc_fixed_table[0]; i++)
        if (alloc_fixed_table[i].size == size)
            return alloc_fixed_table[i].op;
    return NULL;
}

static MEASURE_NOINLINE uint64_t alloc_stack_vla(size_t size, uint64_t seed)
{
    unsigned char block[size];
    return measure_touch_lines(block, size, alloc_stride, seed);
}

/* ---- malloc ---- */

static MEASURE_NOINLINE uint64_t alloc_heap_malloc_free(size_t size, uint64_t seed)
{
    return measure_malloc_touch_free(size, alloc_stride, seed);
}

static MEASURE_NOINLINE uint64_t alloc_heap_calloc(size_t size, uint64_t seed)
{
    unsigned char *p = calloc(1, size);
    if (!p)
        return 0;
    uint64_t sum = measure_touch_lines(p, size, alloc_stride, seed);
    free(p);
    return sum;
}

/* heap_batch: blocks stay live until `batch` of them exist, then all are
 * freed in a shuffled order (which leaves the allocator's per-thread cache
 * and its LIFO fast path). */
typedef struct alloc_batch {
    size_t batch;
    size_t live;
    unsigned char **blocks;
    uint32_t *free_order;   /* a permutation of 0..batch-1 */
} alloc_batch;

static int alloc_batch_init(alloc_batch *b, size_t batch)
{
    b->batch = batch;
    b->live = 0;
    b->blocks = calloc(batch, sizeof *b->blocks);
    b->free_order = calloc(batch, sizeof *b->free_order);
    if (!b->blocks || !b->free_order)
        return -1;
    for (size_t i = 0; i < batch; i++)
        b->free_order[i] = (uint32_t)i;
    uint64_t x = 0x9e3779b97f4a7c15ull;   /* fixed-seed Fisher-Yates */
    for (size_t i = batch - 1; i > 0; i--) {
        size_t j = (size_t)(rng_next(&x) % (i + 1));
        uint32_t t = b->free_order[i];
        b->free_order[i] = b->free_order[j];
        b->free_order[j] = t;
    }
    return 0;
}

/* Free every live block: shuffled when the batch is full, else in order. */
static void alloc_batch_release(alloc_batch *b)
{
    if (b->live == b->batch) {
        for (size_t i = 0; i < b->batch; i++)
            free(b->blocks[b->free_order[i]]);
    } else {
        for (size_t i = 0; i < b->live; i++)
            free(b->blocks[i]);
    }
    b->live = 0;
}

static void alloc_batch_destroy(alloc_batch *b)
{
    if (b->blocks)
        alloc_batch_release(b);
    free(b->blocks);
    free(b->free_order);
    b->blocks = NULL;
    b->free_order = NULL;
}

/* One operation of heap_batch: allocate and touch one block (the frees of a
 * full batch are counted in the operation that fills it). */
static MEASURE_NOINLINE uint64_t alloc_batch_step(alloc_batch *b, size_t size, uint64_t seed)
{
    unsigned char *p = malloc(size);
    if (!p)
        return 0;
    b->blocks[b->live++] = p;
    uint64_t sum = measure_touch_lines(p, size, alloc_stride, seed);
    if (b->live == b->batch)
        alloc_batch_release(b);
    return sum;
}

/* ---- the collector ---- */

static MEASURE_NOINLINE uint64_t alloc_gc_malloc(size_t size, uint64_t seed)
{
    unsigned char *p = GC_MALLOC(size);
    return p ? measure_touch_lines(p, size, alloc_stride, seed) : 0;
}

static MEASURE_NOINLINE uint64_t alloc_gc_malloc_atomic(size_t size, uint64_t seed)
{
    unsigned char *p = GC_MALLOC_ATOMIC(size);
    return p ? measure_touch_lines(p, size, alloc_stride, seed) : 0;
}

/* ---- variants ---- */

typedef struct alloc_variant {
    const char *name;       /* benchmark name */
    alloc_op op;            /* NULL: looked up per size (stack_fixed) or special loop */
    int uses_malloc;        /* depends on the allocator (runs in per-allocator children) */
    int uses_gc;            /* runs in a fresh collected heap per batch (gcheap.h) */
} alloc_variant;

static const alloc_variant alloc_variants[] = {
    {"alloc/stack_fixed", NULL, 0, 0},
    {"alloc/stack_vla", alloc_stack_vla, 0, 0},
    {"alloc/heap_malloc_free", alloc_heap_malloc_free, 1, 0},
    {"alloc/heap_batch", NULL, 1, 0},
    {"alloc/heap_calloc", alloc_heap_calloc, 1, 0},
    {"alloc/gc_malloc", alloc_gc_malloc, 0, 1},
    {"alloc/gc_malloc_atomic", alloc_gc_malloc_atomic, 0, 1},
};

/* Tag the row with the allocator that really serves malloc here. */
static void alloc_tag(cbench_state *st)
{
    cbench_tag(st, "allocator", allocators_active());
    cbench_tag(st, "runtime", "c");
}

/* The timed loop shared by every one-at-a-time variant. */
static void alloc_run_ops(cbench_state *st)
{
    const alloc_variant *v = cbench_user(st);
    size_t size = (size_t)cbench_range(st, 0);
    alloc_op chosen = v->op ? v->op : alloc_stack_fixed_for(size);
    alloc_tag(st);
    if (!chosen) {
        cbench_error(st, "no fixed-size stack function for this size");
        return;
    }
    alloc_op volatile op = chosen;
    uint64_t sum = 0, seed = 0;
    for (int64_t n; (n = cbench_next_batch(st)) > 0;)
        for (int64_t i = 0; i < n; i++)
            sum += op(size, seed++);
    cbench_do_not_optimize(sum);
    cbench_set_bytes_processed(st, (int64_t)(seed * size));
    measure_report_checksum(st, sum, measure_touch_expected_total(size, alloc_stride, seed));
}

/* ---- the collected-heap variants, in a fresh child per batch ---- */

/* Parent: the gc_* benchmark function. */
static void alloc_run_gc(cbench_state *st)
{
    const alloc_variant *v = cbench_user(st);
    size_t size = (size_t)cbench_range(st, 0);
    alloc_tag(st);
    gcheap_bench_run(st, "alloc", alloc_topo, v->name + strlen("alloc/"), size, alloc_stride);
    cbench_set_bytes_processed(st, (int64_t)((uint64_t)cbench_max_iterations(st) * size));
}

/* Child: one operation of the variant, size bytes. */
typedef struct alloc_gc_job {
    alloc_op op;
    size_t size;
} alloc_gc_job;

static uint64_t alloc_gc_loop(void *arg, uint64_t iterations)
{
    const alloc_gc_job *j = arg;
    alloc_op volatile op = j->op;
    uint64_t sum = 0;
    for (uint64_t seed = 0; seed < iterations; seed++)
        sum += op(j->size, seed);
    cbench_do_not_optimize(sum);
    return sum;
}

static int alloc_gc_check(void *arg, uint64_t iterations, uint64_t sum)
{
    const alloc_gc_job *j = arg;
    return sum == measure_touch_expected_total(j->size, alloc_stride, iterations) ? 0 : -1;
}

/* `memprobe __child alloc variant=gc_malloc|gc_malloc_atomic size=BYTES
 *  line=BYTES iterations=N cpus=LIST` */
static int alloc_child_main(int argc, char **argv)
{
    static const char *const variants[] = {"gc_malloc", "gc_malloc_atomic"};
    static const alloc_op ops[] = {alloc_gc_malloc, alloc_gc_malloc_atomic};
    gcheap_bench_args a;
    if (gcheap_bench_parse(argc, argv, variants, 2, &a) != 0)
        return 2;
    alloc_stride = a.line;
    alloc_gc_job job = {.op = ops[a.variant], .size = a.size};
    gcheap_bench_ops ops_of_job = {.loop = alloc_gc_loop, .check = alloc_gc_check, .arg = &job};
    return gcheap_bench_child(argc, argv, "alloc", &ops_of_job);
}

static void alloc_run_batch(cbench_state *st)
{
    size_t size = (size_t)cbench_range(st, 0);
    alloc_batch b;
    alloc_tag(st);
    if (alloc_batch_init(&b, (size_t)cbench_range(st, 1)) != 0) {
        alloc_batch_destroy(&b);
        cbench_error(st, "out of memory for the batch table");
        return;
    }
    uint64_t (*volatile step)(alloc_batch *, size_t, uint64_t) = alloc_batch_step;
    uint64_t sum = 0, seed = 0;
    for (int64_t n; (n = cbench_next_batch(st)) > 0;)
        for (int64_t i = 0; i < n; i++)
            sum += step(&b, size, seed++);
    cbench_do_not_optimize(sum);
    alloc_batch_destroy(&b);
    cbench_set_bytes_processed(st, (int64_t)(seed * size));
    measure_report_checksum(st, sum, measure_touch_expected_total(size, alloc_stride, seed));
}

/* ---- registration ---- */

static const int64_t alloc_sizes_full[] = {16, 24, 32, 48, 64, 96, 128, 256, 512,
                                           1024, 2048, 4096, 8192, 16384, 32768, 65536};
static const int64_t alloc_sizes_quick[] = {16, 24, 48, 64, 96, 128, 1024, 65536};

/* Blocks per heap_batch: ALLOC_BATCH, fewer when that many would exceed the
 * live-memory cap (64 MiB, or 1/16 of RAM on a small machine). */
static int64_t alloc_batch_for(int64_t size, unsigned long long ram_bytes)
{
    unsigned long long cap = ALLOC_BATCH_BYTES_MAX;
    if (ram_bytes && ram_bytes / 16 < cap)
        cap = ram_bytes / 16;
    int64_t batch = (int64_t)(cap / (unsigned long long)size);
    return batch < ALLOC_BATCH ? (batch < 2 ? 2 : batch) : ALLOC_BATCH;
}

static void alloc_register_variant(const alloc_variant *v, const bench_config *cfg)
{
    int batch = v->op == NULL && strcmp(v->name, "alloc/heap_batch") == 0;
    const int64_t *sizes = cfg->quick ? alloc_sizes_quick : alloc_sizes_full;
    size_t count = cfg->quick ? sizeof alloc_sizes_quick / sizeof alloc_sizes_quick[0]
                              : sizeof alloc_sizes_full / sizeof alloc_sizes_full[0];
    if (v->uses_gc) {
        gcheap_bench_register(cfg, v->name, alloc_run_gc, (void *)v, sizes, count, 0);
        return;
    }
    cbench_bench *b = cbench_register(v->name, batch ? alloc_run_batch : alloc_run_ops, (void *)v);
    if (!b)
        return;
    static const char *const names[] = {"size", "batch"};
    cbench_arg_names(b, names, batch ? 2 : 1);
    for (size_t i = 0; i < count; i++) {
        int64_t args[2] = {sizes[i], alloc_batch_for(sizes[i], cfg->ram_bytes)};
        cbench_args(b, args, batch ? 2 : 1);
    }
    measure_timing(b, cfg, 0.01, 0.01);
}

static void alloc_register(const bench_config *cfg, char *why, size_t whylen)
{
    int child = allocators_check_child(cfg, why, whylen);
    if (child < 0)
        return;
    if (cfg->topo)
        alloc_stride = topo_cache_line(cfg->topo);
    alloc_topo = cfg->topo;
    for (size_t i = 0; i < sizeof alloc_variants / sizeof alloc_variants[0]; i++)
        if (!child || alloc_variants[i].uses_malloc)
            alloc_register_variant(&alloc_variants[i], cfg);
}

const bench_family bench_family_alloc = {
    .name = "alloc",
    .help = "allocation cost by size: stack, malloc (each allocator), GC_MALLOC",
    .description =
        "What allocating a block of 16 B to 64 KiB costs, including touching every cache line "
        "of it once: a fixed-size and a variable-length stack array, malloc+free one at a time, "
        "a batch of live blocks freed in shuffled order, calloc, and the Boehm collector's "
        "GC_MALLOC and GC_MALLOC_ATOMIC with the collections they trigger, each run in a fresh, "
        "identically configured collected heap.  The heap variants "
        "are re-run under jemalloc, mimalloc and tcmalloc (LD_PRELOAD) where installed.",
    .min_cpus = 1,
    .flags = BENCH_FAMILY_PER_ALLOCATOR,
    .register_benchmarks = alloc_register,
    .child_main = alloc_child_main,
};

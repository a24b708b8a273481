/*
 * falseshare.c — false and true sharing: what it costs when threads on
 * different cores write to the same cache line.
 *
 * Two (or more) threads pinned to distinct CPUs each increment a counter of
 * their own for a bounded time.  Layouts of the counters:
 *   pad128  one counter per 128-byte block (the reference: no sharing, not
 *           even through adjacent-line prefetch)
 *   pad64   one counter per 64-byte line (adjacent lines: Intel's spatial
 *           prefetcher pairs them)
 *   packed  all counters in one 64-byte line (false sharing)
 *   shared  one counter for all threads (true sharing, for contrast)
 * Operations:
 *   plain      relaxed load, add, relaxed store — what `x++` on a private
 *              variable compiles to; a signal fence after each increment keeps
 *              the compiler from merging increments, so each one is a store
 *   fetch_add  atomic_fetch_add (a locked read-modify-write on x86)
 * Reported: ns per increment per thread (manual time), the slowdown against
 * pad128 with the same operation on the same CPUs (slowdown_vs_padded128,
 * computed in finish() from the rows of the same repetition, or median over
 * median on the aggregate rows, whatever order the runs had), and the
 * workers' counters per increment.  Every run checks its counts:
 * a private counter must equal its thread's increments, the shared fetch_add
 * counter the sum of all; shared plain increments lose updates (two threads
 * read the same value and both store value + 1) and lost_updates says how
 * many — that is the point of showing it.
 *
 * Groups: one representative pair per pair class, plus, on machines with
 * more than two cores, one group of up to 8 cores (one CPU each).
 */
#include "memprobe/bench.h"
#include "memprobe/cbench.h"
#include "memprobe/clock.h"
#include "memprobe/pairs.h"
#include "memprobe/pin.h"
#include "memprobe/rows.h"
#include "memprobe/topo.h"

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum fs_op { FS_PLAIN, FS_FETCH_ADD, FS_OP_COUNT };
static const char *const fs_op_names[FS_OP_COUNT] = {"plain", "fetch_add"};

/* pad128 first: the others compare against it. */
enum fs_layout { FS_PAD128, FS_PAD64, FS_PACKED, FS_SHARED, FS_LAYOUT_COUNT };
static const char *const fs_layout_names[FS_LAYOUT_COUNT] = {"pad128", "pad64", "packed", "shared"};
static const size_t fs_layout_stride[FS_LAYOUT_COUNT] = {128, 64, sizeof(uint64_t), 0};

#define FS_MAX_WORKERS 8      /* 8 counters of 8 bytes fill one 64-byte line */
#define FS_CHUNK 256          /* increments between looks at the stop flag */

/* One worker's own state, on its own lines. */
typedef struct fs_worker {
    _Alignas(PAIRS_LINE) _Atomic uint64_t *counter;
    uint64_t increments;
    uint64_t elapsed_ns;
} fs_worker;

/* One experiment. */
typedef struct fs_run {
    _Alignas(PAIRS_LINE) _Atomic int stop;
    _Alignas(PAIRS_LINE) pin_barrier start;
    int op, layout, n;
    uint64_t budget_ns;
    _Atomic uint64_t *area;                 /* the counters, PAIRS_LINE-aligned */
    fs_worker workers[FS_MAX_WORKERS];
    pairs_counters counters[FS_MAX_WORKERS];
} fs_run;

/* ---- the measured loops ---- */

static void fs_chunk_plain(_Atomic uint64_t *c)
{
    for (int i = 0; i < FS_CHUNK; i++) {
        uint64_t v = atomic_load_explicit(c, memory_order_relaxed);
        atomic_store_explicit(c, v + 1, memory_order_relaxed);
        atomic_signal_fence(memory_order_seq_cst);
    }
}

static void fs_chunk_fetch_add(_Atomic uint64_t *c)
{
    for (int i = 0; i < FS_CHUNK; i++)
        atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* Increment until the first worker's deadline passes. */
static void fs_increment(fs_run *r, fs_worker *w, int index)
{
    void (*chunk)(_Atomic uint64_t *) = r->op == FS_PLAIN ? fs_chunk_plain : fs_chunk_fetch_add;
    const _Atomic int *abandon = pin_current_abandon_flag();
    uint64_t t0 = clock_now_ns(), deadline = t0 + r->budget_ns, n = 0;
    do {
        chunk(w->counter);
        n += FS_CHUNK;
        if (index == 0 && clock_now_ns() >= deadline)
            atomic_store_explicit(&r->stop, 1, memory_order_relaxed);
    } while (!atomic_load_explicit(&r->stop, memory_order_relaxed) && !pairs_abandoned(abandon));
    w->elapsed_ns = clock_now_ns() - t0;
    w->increments = n;
}

static void fs_thread(void *arg, int index)
{
    fs_run *r = arg;
    pairs_counters_start(&r->counters[index]);
    if (pin_barrier_wait(&r->start, pin_current_abandon_flag()) == 0)
        fs_increment(r, &r->workers[index], index);
    pairs_counters_stop(&r->counters[index]);
}

static void fs_run_free(void *run)
{
    fs_run *r = run;
    if (!r)
        return;
    pairs_counters_discard(r->counters, r->n);
    free(r->area);
    free(r);
}

/* Run one experiment on n CPUs for about budget_s seconds.  NULL with err
 * set on failure (after a timeout the run is leaked: threads may touch it). */
static fs_run *fs_measure(const topo *t, const int *cpus, int n, int op, int layout,
                          double budget_s, char *err, size_t errlen)
{
    if (n < 1 || n > FS_MAX_WORKERS) {
        snprintf(err, errlen, "falseshare: %d workers (1 to %d accepted)", n, FS_MAX_WORKERS);
        return NULL;
    }
    fs_run *r = pairs_calloc_lines(sizeof *r);
    _Atomic uint64_t *area = pairs_calloc_lines(fs_layout_stride[layout] * (size_t)n + sizeof(uint64_t));
    if (!r || !area) {
        free(r);
        free(area);
        snprintf(err, errlen, "falseshare: out of memory");
        return NULL;
    }
    r->op = op;
    r->layout = layout;
    r->n = n;
    r->budget_ns = (uint64_t)(budget_s * 1e9);
    r->area = area;
    pin_barrier_init(&r->start, n);
    for (int i = 0; i < n; i++)
        r->workers[i].counter = (_Atomic uint64_t *)((char *)area + fs_layout_stride[layout] * (size_t)i);
    return pairs_run_shared(t, cpus, n, fs_thread, r, fs_run_free, budget_s + 10.0, err, errlen);
}

static uint64_t fs_total_increments(const fs_run *r)
{
    uint64_t total = 0;
    for (int i = 0; i < r->n; i++)
        total += r->workers[i].increments;
    return total;
}

/* Check the counts.  Returns the lost updates (only shared plain increments
 * may lose any), or -1 with err when a count is wrong. */
static long long fs_verify(const fs_run *r, char *err, size_t errlen)
{
    if (r->layout != FS_SHARED) {
        for (int i = 0; i < r->n; i++) {
            uint64_t got = atomic_load_explicit(r->workers[i].counter, memory_order_relaxed);
            if (got != r->workers[i].increments) {
                snprintf(err, errlen, "falseshare %s/%s: worker %d counted %llu, incremented %llu",
                         fs_op_names[r->op], fs_layout_names[r->layout], i,
                         (unsigned long long)got, (unsigned long long)r->workers[i].increments);
                return -1;
            }
        }
        return 0;
    }
    uint64_t total = fs_total_increments(r);
    uint64_t got = atomic_load_explicit(r->area, memory_order_relaxed);
    if (got > total || (r->op == FS_FETCH_ADD && got != total)) {
        snprintf(err, errlen, "falseshare %s/shared: counter %llu after %llu increments",
                 fs_op_names[r->op], (unsigned long long)got, (unsigned long long)total);
        return -1;
    }
    return (long long)(total - got);
}

/* Mean over workers of each one's time per increment. */
static double fs_ns_per_increment(const fs_run *r)
{
    double sum = 0;
    for (int i = 0; i < r->n; i++)
        sum += (double)r->workers[i].elapsed_ns / (double)r->workers[i].increments;
    return sum / r->n;
}

/* ---- registration and reporting ---- */

/* One registered benchmark: an operation and layout on a group of CPUs. */
typedef struct fs_slot {
    int op, layout;
    int group;                 /* index into fs.groups */
} fs_slot;

typedef struct fs_group {
    int cpus[FS_MAX_WORKERS];
    int n;
} fs_group;

static struct {
    const topo *topo;
    double budget_s;
    fs_group *groups;
    int n_groups;
    fs_slot *slots;
} fs;

static void fs_bench(cbench_state *st)
{
    const fs_slot *slot = cbench_user(st);
    const fs_group *g = &fs.groups[slot->group];
    topo_pair p;
    int started = g->n == 2 ? pairs_begin(st, fs.topo, &p) : pairs_begin_group(st, fs.topo, g->cpus, g->n);
    if (started != 0)
        return;
    char err[256];
    fs_run *r = fs_measure(fs.topo, g->cpus, g->n, slot->op, slot->layout, fs.budget_s, err, sizeof err);
    if (!r) {
        cbench_error(st, err);
        return;
    }
    long long lost = fs_verify(r, err, sizeof err);
    if (lost < 0) {
        if (r->layout == FS_SHARED)   /* the count stays on the failed row: evidence for the claims */
            cbench_counter(st, "lost_updates", (double)fs_total_increments(r) -
                           (double)atomic_load_explicit(r->area, memory_order_relaxed), CBENCH_COUNTER_PLAIN);
        cbench_error(st, err);
        fs_run_free(r);
        return;
    }
    double ns = fs_ns_per_increment(r);
    cbench_counter(st, "ns_per_increment", ns, CBENCH_COUNTER_PLAIN);
    cbench_counter(st, "increments", (double)fs_total_increments(r), CBENCH_COUNTER_PLAIN);
    if (slot->layout == FS_SHARED && slot->op == FS_PLAIN)
        cbench_counter(st, "lost_updates", (double)lost, CBENCH_COUNTER_PLAIN);
    pairs_counters_report(st, r->counters, r->n, (double)fs_total_increments(r));
    pairs_end(st, ns * 1e-9);
    fs_run_free(r);
}

/* The representative pairs, plus one group of up to FS_MAX_WORKERS cores
 * when there are more than two.  Returns the group count. */
static int fs_make_groups(const topo *t, fs_group **out)
{
    topo_pair *pairs;
    int n_pairs = pairs_select(t, 0, &pairs);
    fs_group *g = calloc((size_t)n_pairs + 1, sizeof *g);
    int n = 0;
    for (int i = 0; g && i < n_pairs; i++) {
        g[n] = (fs_group){.cpus = {pairs[i].cpu_a, pairs[i].cpu_b}, .n = 2};
        n++;
    }
    int cores = topo_core_count(t);
    if (g && cores > 2) {
        g[n].n = cores < FS_MAX_WORKERS ? cores : FS_MAX_WORKERS;
        for (int i = 0; i < g[n].n; i++)
            g[n].cpus[i] = topo_core_pu(t, i);
        n++;
    }
    free(pairs);
    *out = g;
    return g ? n : 0;
}

static void fs_register(const bench_config *cfg, char *why, size_t whylen)
{
    if (pairs_require_cpus(cfg->topo, 2, why, whylen) != 0)
        return;
    fs.topo = cfg->topo;
    fs.n_groups = fs_make_groups(cfg->topo, &fs.groups);
    if (!fs.groups) {
        snprintf(why, whylen, "out of memory");
        return;
    }
    if (fs.n_groups == 0) {
        snprintf(why, whylen, "no pair of allowed CPUs to measure");
        return;
    }
    int per_group = FS_OP_COUNT * FS_LAYOUT_COUNT;
    fs.slots = calloc((size_t)fs.n_groups * per_group, sizeof *fs.slots);
    if (!fs.slots) {
        snprintf(why, whylen, "out of memory");
        return;
    }
    fs.budget_s = pairs_share_s(cfg, 3.0, 9.0, fs.n_groups * per_group, 0.05, 2.0);
    int k = 0;
    for (int gi = 0; gi < fs.n_groups; gi++)
        for (int op = 0; op < FS_OP_COUNT; op++)
            for (int layout = 0; layout < FS_LAYOUT_COUNT; layout++) {
                fs_slot *slot = &fs.slots[k++];
                *slot = (fs_slot){.op = op, .layout = layout, .group = gi};
                char name[64];
                snprintf(name, sizeof name, "falseshare/%s/%s", fs_op_names[op], fs_layout_names[layout]);
                const fs_group *g = &fs.groups[gi];
                if (g->n == 2)
                    pairs_register(name, fs_bench, slot,
                                   &(topo_pair){g->cpus[0], g->cpus[1],
                                                topo_pair_classify(cfg->topo, g->cpus[0], g->cpus[1])});
                else
                    pairs_register_group(name, fs_bench, slot, g->cpus, g->n);
            }
}

/* The reference of "<op>/<layout>" is "<op>/pad128" (pad128 has none). */
static int fs_reference(const char *variant, char *ref, size_t len)
{
    const char *slash = strchr(variant, '/');
    if (!slash || strcmp(slash + 1, fs_layout_names[FS_PAD128]) == 0)
        return -1;
    snprintf(ref, len, "%.*s/%s", (int)(slash - variant), variant, fs_layout_names[FS_PAD128]);
    return 0;
}

static double fs_slowdown(const output_table *t, size_t row, size_t ref)
{
    double ns = rows_number(t, row, "real_ns"), base = rows_number(t, ref, "real_ns");
    return base > 0 ? ns / base : NAN;
}

static void fs_finish(const bench_config *cfg)
{
    (void)cfg;
    /* empty where pad128 of the same op, CPUs and repetition was not run */
    rows_derive(rows_results(), "falseshare", "slowdown_vs_padded128", fs_reference, fs_slowdown);
    free(fs.groups);
    free(fs.slots);
    memset(&fs, 0, sizeof fs);
}

const bench_family bench_family_falseshare = {
    .name = "falseshare",
    .help = "false and true sharing: threads incrementing counters in one line, padded, or shared",
    .description =
        "Threads pinned to distinct CPUs increment counters of their own, packed into one "
        "cache line, padded to 64 bytes, padded to 128 bytes (the reference), or one shared "
        "counter (true sharing), with plain increments (relaxed load, add, store) and with "
        "atomic fetch-add.  Reported: ns per increment, the slowdown against the 128-byte "
        "padded layout, and for shared plain increments the updates lost to the race.",
    .min_cpus = 2,
    .register_benchmarks = fs_register,
    .finish = fs_finish,
};

/*
 * bandwidth.c — how many bytes per second each cache level and memory
 * deliver, and how that scales with cores: STREAM's kernels (streams.h: read,
 * write, copy, triad, and non-temporal write and copy where the ISA has
 * them), in the widest vector width the CPU runs ("vector", the width in the
 * width column) and in a scalar version.
 *
 * bandwidth/<kernel>/<vector|scalar> runs on 1 thread over working sets from
 * 16 KiB to 4x the effective last-level cache (caches.h: measured, so a VM's
 * false L3 size does not decide it); the vector kernels run again on 2, 4 ...
 * every allowed CPU, taken in topo_spread_order (one per core first, SMT
 * siblings last, spread over NUMA nodes), at four sets: half of L1, half of
 * L2, half of the LLC, and a DRAM-sized set.  The working set is per thread
 * and counts every array the kernel touches (copy's 1 MiB is two 512 KiB
 * arrays); each thread maps its own (transparent huge pages where the kernel
 * has them, else base pages: the page_policy column) and touches it first,
 * so its pages sit on its own NUMA node.
 *
 * One run per repetition (manual time): the threads start together from a
 * barrier and repeat the kernel until the first thread's budget ends (and it
 * timed at least 8 chunks, up to 11 budgets), timing
 * each chunk of passes (at least 1 MiB of work).  real_ns is one pass over a
 * thread's set at the thread's median chunk (mean over threads); gb_per_s the
 * bytes the kernel asks for (streams.h: write-allocate traffic not counted)
 * per second at each thread's median chunk, summed over the threads (1 GB =
 * 1e9 bytes), so that a thread taken off its CPU by other work for a while
 * does not lower it; gb_per_s_best the same at each thread's fastest chunk
 * (STREAM's best-of-N convention, for comparing with it); gb_per_s_wall over
 * the whole run, pauses included; gb_per_s_per_thread is gb_per_s divided by the threads; fits the level a thread's set fits in ("L1", "L2",
 * ... as measured; "memory" from 4x the last level on; empty in between).
 * Every run checks the result: read's sum, the
 * written array against what the kernel must have put there
 * (checksum_errors, an error row when it is not 0).
 */
#include "memprobe/bench.h"
#include "memprobe/caches.h"
#include "memprobe/cbench.h"
#include "memprobe/clock.h"
#include "memprobe/output.h"
#include "memprobe/pages.h"
#include "memprobe/pairs.h"
#include "memprobe/pin.h"
#include "memprobe/stats.h"
#include "memprobe/streams.h"
#include "memprobe/topo.h"

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BW_MIN_BYTES (16ull << 10)
#define BW_MAX_THREADS 256
#define BW_STAGGER 320           /* bytes between arrays beyond their size: no 4 KiB aliasing */
#define BW_CHUNK_BYTES (1u << 20) /* at least this much work between looks at the clock */
#define BW_SAMPLES 1024           /* chunk times kept per thread */
#define BW_MIN_CHUNKS 8           /* a run goes on past its budget (up to 11x) for this many */
#define BW_SEED_B 1u
#define BW_SEED_C 2u
#define BW_SCALAR_S 3.0

/* A thread's buffer, kept between runs (thread i always runs on the same
 * CPU, so its pages stay where it first touched them). */
typedef struct bw_buffer {
    pages_map map;
} bw_buffer;

typedef struct bw_worker {
    _Alignas(PAIRS_LINE) uint64_t passes;
    uint64_t elapsed_ns;
    uint64_t chunk_passes;               /* passes per timed chunk */
    uint32_t chunk_ns[BW_SAMPLES];       /* the first BW_SAMPLES chunks' times */
    size_t chunks;
    size_t errors;
    char err[160];
} bw_worker;

typedef struct bw_run {
    _Alignas(PAIRS_LINE) _Atomic int stop;
    _Alignas(PAIRS_LINE) pin_barrier start;
    streams_kernel kernel;
    streams_width width;
    size_t elems;                /* per array */
    uint64_t budget_ns;
    int n;
    bw_worker workers[BW_MAX_THREADS];
    pairs_counters counters[BW_MAX_THREADS];
} bw_run;

typedef struct bw_slot {
    streams_kernel kernel;
    streams_width width;
} bw_slot;

static struct {
    const topo *topo;
    int order[BW_MAX_THREADS];
    int n_order;
    pages_policy policy;
    double budget_s;
    unsigned long long dram_set;   /* the sweep's last set: 4x the LLC measured at registration */
    bw_slot slots[STREAMS_KERNEL_COUNT * 2];
    bw_buffer buffers[BW_MAX_THREADS];
} bw;

/* ---- one thread ---- */

/* The arrays of a run in buf: a, b, c, each elems long, staggered. */
static void bw_arrays(double *buf, size_t elems, double **a, double **b, double **c)
{
    size_t step = elems + BW_STAGGER / sizeof(double);
    *a = buf;
    *b = buf + step;
    *c = buf + 2 * step;
}

static size_t bw_buffer_bytes(size_t elems)
{
    return 3 * (elems * sizeof(double) + BW_STAGGER);
}

/* This thread's buffer, big enough for elems per array; NULL with err. */
static double *bw_buffer_get(int index, size_t elems, char *err, size_t errlen)
{
    bw_buffer *buf = &bw.buffers[index];
    size_t need = bw_buffer_bytes(elems);
    if (buf->map.p && buf->map.bytes >= need)
        return buf->map.p;
    pages_unmap(&buf->map);
    if (pages_map_memory(&buf->map, need, bw.policy, 0, err, errlen) != 0)
        return NULL;
    return buf->map.p;
}

/* Run the kernel over this thread's set until stopped; counts passes. */
static void bw_timed(bw_run *r, bw_worker *w, int index, streams_fn fn, double *a, const double *b,
                     const double *c)
{
    size_t set_bytes = r->elems * sizeof(double) * (size_t)streams_arrays(r->kernel);
    uint64_t chunk = set_bytes >= BW_CHUNK_BYTES ? 1 : BW_CHUNK_BYTES / set_bytes;
    const _Atomic int *abandon = pin_current_abandon_flag();
    uint64_t t0 = clock_now_ns(), deadline = t0 + r->budget_ns, passes = 0, last = t0;
    double sink = 0;
    w->chunks = 0;
    w->chunk_passes = chunk;
    do {
        for (uint64_t i = 0; i < chunk; i++)
            sink += fn(a, b, c, r->elems, BW_SCALAR_S);
        passes += chunk;
        uint64_t now = clock_now_ns();
        if (w->chunks < BW_SAMPLES)
            w->chunk_ns[w->chunks++] = now - last > UINT32_MAX ? UINT32_MAX : (uint32_t)(now - last);
        last = now;
        if (index == 0 && now >= deadline && (w->chunks >= BW_MIN_CHUNKS || now >= deadline + 10 * r->budget_ns))
            atomic_store_explicit(&r->stop, 1, memory_order_relaxed);
    } while (!atomic_load_explicit(&r->stop, memory_order_relaxed) && !pairs_abandoned(abandon));
    w->elapsed_ns = last - t0;
    w->passes = passes;
    cbench_do_not_optimize(sink);
}

/* What the kernel left: read's sum, the written array. */
static void bw_verify(const bw_run *r, bw_worker *w, streams_fn fn, double *a, const double *b, const double *c)
{
    if (r->kernel == STREAMS_READ) {
        double got = fn(a, b, c, r->elems, BW_SCALAR_S), want = streams_fill_sum(r->elems, BW_SEED_B);
        w->errors = got != want;
        if (w->errors)
            snprintf(w->err, sizeof w->err, "read summed %.17g, expected %.17g", got, want);
        return;
    }
    size_t bad = streams_check(r->kernel, a, r->elems, BW_SEED_B, BW_SEED_C, BW_SCALAR_S, 61);
    w->errors = bad != 0;
    if (bad)
        snprintf(w->err, sizeof w->err, "%s left a wrong value at element %zu", streams_kernel_name(r->kernel),
                 bad - 1);
}

static void bw_thread(void *arg, int index)
{
    bw_run *r = arg;
    bw_worker *w = &r->workers[index];
    streams_fn fn = streams_get(r->kernel, r->width);
    double *buf = bw_buffer_get(index, r->elems, w->err, sizeof w->err), *a = NULL, *b = NULL, *c = NULL;
    if (buf) {
        bw_arrays(buf, r->elems, &a, &b, &c);
        streams_fill(b, r->elems, BW_SEED_B);   /* first touch, on this thread's CPU */
        streams_fill(c, r->elems, BW_SEED_C);
        fn(a, b, c, r->elems, BW_SCALAR_S);      /* warm pass */
    } else {
        w->errors = 1;
    }
    pairs_counters_start(&r->counters[index]);
    /* every thread reaches the barrier, so a failed one cannot hang the rest */
    if (pin_barrier_wait(&r->start, pin_current_abandon_flag()) == 0 && buf)
        bw_timed(r, w, index, fn, a, b, c);
    else
        atomic_store_explicit(&r->stop, 1, memory_order_relaxed);
    pairs_counters_stop(&r->counters[index]);
    if (buf)
        bw_verify(r, w, fn, a, b, c);
}

static void bw_run_free(void *run)
{
    bw_run *r = run;
    if (!r)
        return;
    pairs_counters_discard(r->counters, r->n);
    free(r);
}

/* ---- one benchmark run ---- */

static const char *bw_first_error(const bw_run *r, size_t *errors)
{
    const char *first = NULL;
    *errors = 0;
    for (int i = 0; i < r->n; i++) {
        *errors += r->workers[i].errors;
        if (!first && r->workers[i].errors)
            first = r->workers[i].err;
    }
    return first;
}

/* A thread's median and fastest chunk time per pass (ns). */
static double bw_pass_ns(const bw_worker *w, double *fastest)
{
    double v[BW_SAMPLES];
    for (size_t i = 0; i < w->chunks; i++)
        v[i] = (double)w->chunk_ns[i];
    *fastest = stats_min(v, w->chunks) / (double)w->chunk_passes;
    return stats_median(v, w->chunks) / (double)w->chunk_passes;
}

static void bw_report(cbench_state *st, bw_run *r)
{
    size_t set_bytes = r->elems * sizeof(double) * (size_t)streams_arrays(r->kernel);
    double gbps = 0, best = 0, wall = 0, ns_per_pass = 0, passes = 0;
    for (int i = 0; i < r->n; i++) {
        const bw_worker *w = &r->workers[i];
        double fastest, pass_ns = bw_pass_ns(w, &fastest);
        gbps += (double)set_bytes / pass_ns;   /* bytes/ns = GB/s */
        best += (double)set_bytes / fastest;
        wall += (double)w->passes * (double)set_bytes / (double)w->elapsed_ns;
        ns_per_pass += pass_ns / r->n;
        passes += (double)w->passes;
    }
    cbench_counter(st, "gb_per_s", gbps, CBENCH_COUNTER_PLAIN);
    cbench_counter(st, "gb_per_s_wall", wall, CBENCH_COUNTER_PLAIN);
    cbench_counter(st, "gb_per_s_best", best, CBENCH_COUNTER_PLAIN);
    cbench_counter(st, "gb_per_s_per_thread", gbps / r->n, CBENCH_COUNTER_PLAIN);
    cbench_counter(st, "bytes_per_pass", (double)set_bytes, CBENCH_COUNTER_PLAIN);
    cbench_counter(st, "checksum_errors", 0, CBENCH_COUNTER_PLAIN);
    pairs_counters_report(st, r->counters, r->n, passes);
    pairs_end(st, ns_per_pass * 1e-9);
}

/* The cache level a per-thread set of bytes fits in ("L1", "L2", ... as
 * measured), "memory" from 4x the last level on (or from the sweep's last
 * set: the latency ladder may refine the levels between registration and
 * this run), NULL in between. */
static const char *bw_fits(unsigned long long bytes, char *buf, size_t len)
{
    if (bw.dram_set && bytes >= bw.dram_set)
        return "memory";
    const caches_levels *lv = caches_inferred();
    for (int i = 0; i < lv->n; i++)
        if (bytes <= lv->level[i].bytes) {
            snprintf(buf, len, "L%d", i + 1);
            return buf;
        }
    unsigned long long llc = caches_llc_bytes();
    return llc && bytes >= 4 * llc ? "memory" : NULL;
}

static void bw_bench(cbench_state *st)
{
    const bw_slot *slot = cbench_user(st);
    unsigned long long set = (unsigned long long)cbench_range(st, 0);
    int n = (int)cbench_range(st, 3);
    cbench_tag(st, "kernel", streams_kernel_name(slot->kernel));
    cbench_tag(st, "width", streams_width_name(slot->width));
    cbench_tag(st, "page_policy", pages_policy_name(bw.policy));
    char level[16];
    const char *fits = bw_fits(set, level, sizeof level);
    if (fits)
        cbench_tag(st, "fits", fits);
    if (pairs_begin_group(st, bw.topo, bw.order, n) != 0)
        return;
    bw_run *r = pairs_calloc_lines(sizeof *r);
    if (!r) {
        cbench_error(st, "bandwidth: out of memory");
        return;
    }
    r->kernel = slot->kernel;
    r->width = slot->width;
    r->elems = (size_t)(set / (unsigned long long)streams_arrays(slot->kernel) / sizeof(double)) /
               STREAMS_BLOCK * STREAMS_BLOCK;
    r->budget_ns = (uint64_t)(bw.budget_s * 1e9);
    r->n = n;
    pin_barrier_init(&r->start, n);
    char err[256];
    if (!pairs_run_shared(bw.topo, bw.order, n, bw_thread, r, bw_run_free, bw.budget_s + 10.0, err, sizeof err)) {
        cbench_error(st, err);
        return;
    }
    size_t errors;
    const char *first = bw_first_error(r, &errors);
    if (first) {
        cbench_counter(st, "checksum_errors", (double)errors, CBENCH_COUNTER_PLAIN);
        cbench_error(st, first);
    } else {
        bw_report(st, r);
    }
    bw_run_free(r);
}

/* ---- registration ---- */

static unsigned long long bw_pow2_floor(unsigned long long v)
{
    unsigned long long p = 1;
    while (p * 2 <= v)
        p *= 2;
    return p;
}

/* Per-thread sets of the thread sweep: half of L1, L2 and the LLC (as
 * measured; hwloc's L1/L2 where the fit has fewer levels), and a DRAM set
 * shrunk so that all threads' sets together stay within RAM/8.  Returns how
 * many (0 when the DRAM set would fit in the caches). */
static int bw_level_sets(const bench_config *cfg, int threads, unsigned long long *out)
{
    const caches_levels *lv = caches_inferred();
    int n = 0, cpu = topo_pu(cfg->topo, 0);
    for (int level = 1; level <= 2; level++) {
        unsigned long long size = lv->n > level ? lv->level[level - 1].bytes : topo_cache_size(cfg->topo, cpu, level);
        if (size >= 2 * BW_MIN_BYTES && (n == 0 || bw_pow2_floor(size / 2) > out[n - 1]))
            out[n++] = bw_pow2_floor(size / 2);
    }
    unsigned long long llc = caches_llc_bytes();
    if (llc >= 2 * BW_MIN_BYTES && (n == 0 || bw_pow2_floor(llc / 2) > out[n - 1]))
        out[n++] = bw_pow2_floor(llc / 2);
    unsigned long long dram = bw_pow2_floor(caches_dram_bytes());
    while (dram > 0 && dram * (unsigned long long)threads > cfg->ram_bytes / 8)
        dram /= 2;
    if (dram > 2 * llc)
        out[n++] = dram;
    return n;
}

/* 2, 4, 8 ... and every allowed CPU last (past it: stop). */
static int bw_next_threads(int threads)
{
    if (threads >= bw.n_order)
        return bw.n_order + 1;
    return threads * 2 > bw.n_order ? bw.n_order : threads * 2;
}

static void bw_register_one(const char *name, bw_slot *slot, unsigned long long set, int threads)
{
    cbench_bench *b = cbench_register(name, bw_bench, slot);
    if (!b)
        return;
    static const char *const names[] = {"working_set", "cpu_a", "cpu_b", "workers"};
    const int64_t args[] = {(int64_t)set, bw.order[0], bw.order[threads - 1], threads};
    cbench_arg_names(b, names, 4);
    cbench_args(b, args, 4);
    cbench_iterations(b, 1);
    cbench_use_manual_time(b);
}

static void bw_register_slot(const bench_config *cfg, bw_slot *slot, int sweep_step)
{
    char name[64];
    snprintf(name, sizeof name, "bandwidth/%s/%s", streams_kernel_name(slot->kernel),
             slot->width == STREAMS_SCALAR ? "scalar" : "vector");
    /* 4x the LLC, at least 64 MiB, at most RAM/8; whole 64 KiB blocks */
    unsigned long long top = caches_dram_bytes() & ~0xffffull;
    bw.dram_set = top;
    unsigned long long set = BW_MIN_BYTES;
    for (; set <= top; set *= (unsigned long long)sweep_step)
        bw_register_one(name, slot, set, 1);
    if (set / (unsigned long long)sweep_step < top)
        bw_register_one(name, slot, top, 1);   /* the sweep ends at a set that fits in no cache */
    if (slot->width == STREAMS_SCALAR)
        return;
    for (int threads = 2; threads <= bw.n_order; threads = bw_next_threads(threads)) {
        unsigned long long sets[4] = {0};
        int n = bw_level_sets(cfg, threads, sets);
        for (int i = 0; i < n; i++)
            bw_register_one(name, slot, sets[i], threads);
    }
}

static void bw_register(const bench_config *cfg, char *why, size_t whylen)
{
    bw.topo = cfg->topo;
    bw.n_order = topo_spread_order(cfg->topo, bw.order, BW_MAX_THREADS);
    if (bw.n_order < 1) {
        snprintf(why, whylen, "no allowed CPU to run on");
        return;
    }
    char ignored[256];
    bw.policy = pages_usable(PAGES_THP, 1u << 21, ignored, sizeof ignored) == 0 ? PAGES_THP : PAGES_BASE;
    bw.budget_s = 0.01;   /* per repetition: a 64 MiB set is several passes at DRAM speed */
    streams_width widths[2] = {streams_widest(), STREAMS_SCALAR};
    int k = 0;
    for (int w = 0; w < 2; w++)
        for (int kernel = 0; kernel < STREAMS_KERNEL_COUNT; kernel++) {
            if (!streams_usable((streams_kernel)kernel, widths[w]) || (w == 1 && widths[0] == STREAMS_SCALAR))
                continue;
            if (cfg->quick && w == 1 && kernel != STREAMS_READ && kernel != STREAMS_COPY && kernel != STREAMS_TRIAD)
                continue;   /* --quick: the scalar reference of read, copy and triad only */
            bw_slot *slot = &bw.slots[k++];
            *slot = (bw_slot){.kernel = (streams_kernel)kernel, .width = widths[w]};
            /* the scalar sweep in coarser steps: it is the reference, not the point */
            bw_register_slot(cfg, slot, cfg->quick ? 8 : w == 1 ? 4 : 2);
        }
}

/* The cache levels the plot marks: the measured ones (caches.h). */
static void bw_finish(const bench_config *cfg)
{
    (void)cfg;
    const caches_levels *lv = caches_inferred();
    output_table *t = output_table_get("bandwidth_caches.csv");
    for (int i = 0; i < lv->n; i++) {
        output_table_row(t);
        output_table_set_int(t, "level", i + 1);
        output_table_set_int(t, "size_bytes", (long long)lv->level[i].bytes);
        output_table_set_str(t, "source", lv->source);
    }
    for (int i = 0; i < BW_MAX_THREADS; i++)
        pages_unmap(&bw.buffers[i].map);
}

const bench_family bench_family_bandwidth = {
    .name = "bandwidth",
    .help = "read, write, copy, triad (and streaming stores) GB/s from L1 to DRAM, 1 to every allowed CPU",
    .description =
        "STREAM's kernels (read as a sum, write, copy, triad a = b + s*c, and non-temporal write and copy where the "
        "ISA has streaming stores) in the widest vector width the CPU runs and in a scalar version, over working "
        "sets from 16 KiB to 4x the measured last-level cache on one thread, then on 2, 4 ... every allowed CPU "
        "(one per core first, SMT siblings last, spread over NUMA nodes) at L1, L2, LLC and DRAM-sized sets. "
        "GB/s counts the bytes the kernel reads and writes (write-allocate reads not counted), per thread and in "
        "total; every run checks the kernel's result.",
    .min_cpus = 1,
    .register_benchmarks = bw_register,
    .finish = bw_finish,
};

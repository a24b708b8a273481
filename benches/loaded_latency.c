/*
 * loaded_latency.c — how memory latency rises as the memory system fills
 * up (the curve Intel's Memory Latency Checker draws).
 *
 * One thread, on the first CPU of topo_spread_order, runs the dependent
 * chase (chase.h) over a DRAM-sized set while every other allowed CPU
 * injects traffic over a DRAM-sized buffer of its own: loaded_latency/read
 * with the read kernel, loaded_latency/mix_2to1 with triad (two arrays read,
 * one written: a 2:1 read/write mix), both from streams.h in the widest
 * vector width.  Between 64 KiB chunks an injector spins `delay` pause hints;
 * the delay is stepped from 0 (full speed) to 16384, and
 * loaded_latency/idle is the chase alone.  real_ns is the chase's ns per
 * load; injected_gb_per_s the bytes the injectors' kernels moved per second,
 * all injectors together; the injectors column says how many there were (on
 * a 2-core machine that is one).  Sets use transparent huge pages where the
 * kernel has them (page_policy), so the chase measures memory, not page
 * walks.  loaded_latency.csv holds the curve: per variant and delay, the
 * median ns per load against the median injected bandwidth.
 */
#include "memprobe/bench.h"
#include "memprobe/caches.h"
#include "memprobe/cbench.h"
#include "memprobe/chase.h"
#include "memprobe/clock.h"
#include "memprobe/output.h"
#include "memprobe/pages.h"
#include "memprobe/pairs.h"
#include "memprobe/pin.h"
#include "memprobe/rows.h"
#include "memprobe/stats.h"
#include "memprobe/streams.h"
#include "memprobe/topo.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LL_MAX_THREADS 256
#define LL_CHUNK_BYTES (64u << 10)   /* injected between two delays */
#define LL_CHASE_STEP 1024           /* loads between looks at the clock */

typedef enum ll_variant { LL_IDLE, LL_READ, LL_MIX, LL_VARIANT_COUNT } ll_variant;
static const char *const ll_names[LL_VARIANT_COUNT] = {"idle", "read", "mix_2to1"};
static const ll_variant ll_variants[LL_VARIANT_COUNT] = {LL_IDLE, LL_READ, LL_MIX};
static const int ll_delays[] = {0, 16, 64, 256, 1024, 4096, 16384};
#define LL_DELAYS ((int)(sizeof ll_delays / sizeof ll_delays[0]))

typedef struct ll_worker {
    _Alignas(PAIRS_LINE) uint64_t count;    /* the chaser's loads, an injector's bytes */
    uint64_t elapsed_ns;
    char err[160];
} ll_worker;

typedef struct ll_run {
    _Alignas(PAIRS_LINE) _Atomic int stop;
    _Alignas(PAIRS_LINE) pin_barrier start;
    ll_variant variant;
    int delay, n;
    uint64_t budget_ns;
    ll_worker workers[LL_MAX_THREADS];
    pairs_counters chaser_counters;   /* the chase's events (the injectors' are not reported) */
} ll_run;

static struct {
    const topo *topo;
    int order[LL_MAX_THREADS];
    int n_order;
    pages_policy policy;
    size_t bytes;                       /* the chase set and each injector's buffer */
    double budget_s;
    streams_width width;
    pages_map chase_map;
    void *head;                         /* where the chase goes on from */
    pages_map buffers[LL_MAX_THREADS];  /* per injector, first touched by it */
} ll;

/* The chase set, linked once; -1 with why. */
static int ll_chase_prepare(char *why, size_t whylen)
{
    if (ll.head)
        return 0;
    if (pages_map_memory(&ll.chase_map, ll.bytes, ll.policy, 0, why, whylen) != 0)
        return -1;
    size_t n = ll.bytes / 64, *off = malloc(n * sizeof *off);
    if (!off || chase_link(ll.chase_map.p, off, chase_line_offsets(off, ll.bytes, 64), 1, 0x6c6cull, &ll.head) != 0) {
        free(off);
        snprintf(why, whylen, "out of memory for the chase order of a %zu-byte set", ll.bytes);
        return -1;
    }
    free(off);
    return 0;
}

static void ll_chaser(ll_run *r, ll_worker *w)
{
    uint64_t t0 = clock_now_ns(), deadline = t0 + r->budget_ns, loads = 0;
    void *p = ll.head;
    const _Atomic int *abandon = pin_current_abandon_flag();
    do {
        p = chase_walk(p, LL_CHASE_STEP);
        loads += LL_CHASE_STEP;
    } while (clock_now_ns() < deadline && !pairs_abandoned(abandon));
    w->elapsed_ns = clock_now_ns() - t0;
    w->count = loads;
    ll.head = p;
    atomic_store_explicit(&r->stop, 1, memory_order_relaxed);
}

static void ll_spin(int delay)
{
    for (int i = 0; i < delay; i++)
        pin_cpu_relax();
}

/* Stream over this injector's buffer chunk by chunk until the chaser stops. */
static void ll_inject(ll_run *r, ll_worker *w, double *buf, size_t elems)
{
    streams_kernel k = r->variant == LL_MIX ? STREAMS_TRIAD : STREAMS_READ;
    streams_fn fn = streams_get(k, ll.width);
    size_t chunk = LL_CHUNK_BYTES / sizeof(double) / (size_t)streams_arrays(k) / STREAMS_BLOCK * STREAMS_BLOCK;
    const _Atomic int *abandon = pin_current_abandon_flag();
    uint64_t t0 = clock_now_ns(), bytes = 0;
    double sink = 0;
    for (size_t at = 0; !atomic_load_explicit(&r->stop, memory_order_relaxed) && !pairs_abandoned(abandon);) {
        sink += fn(buf + at, buf + elems + at, buf + 2 * elems + at, chunk, 3.0);
        bytes += chunk * sizeof(double) * (size_t)streams_arrays(k);
        at = at + 2 * chunk <= elems ? at + chunk : 0;
        ll_spin(r->delay);
    }
    w->elapsed_ns = clock_now_ns() - t0;
    w->count = bytes;
    cbench_do_not_optimize(sink);
}

static void ll_thread(void *arg, int index)
{
    ll_run *r = arg;
    ll_worker *w = &r->workers[index];
    double *buf = NULL;
    size_t elems = ll.bytes / 3 / sizeof(double) / STREAMS_BLOCK * STREAMS_BLOCK;
    if (index > 0 && index < LL_MAX_THREADS) {
        pages_map *m = &ll.buffers[index];
        if (!m->p && pages_map_memory(m, ll.bytes, ll.policy, 0, w->err, sizeof w->err) == 0)
            streams_fill(m->p, 3 * elems, 1);   /* first touch, on this CPU */
        buf = m->p;
    }
    if (pin_barrier_wait(&r->start, pin_current_abandon_flag()) != 0)
        return;
    if (index == 0) {
        pairs_counters_start(&r->chaser_counters);
        ll_chaser(r, w);
        pairs_counters_stop(&r->chaser_counters);
    } else if (buf)
        ll_inject(r, w, buf, elems);
}

static void ll_run_free(void *run)
{
    ll_run *r = run;
    if (r)
        pairs_counters_discard(&r->chaser_counters, 1);
    free(r);
}

static void ll_bench(cbench_state *st)
{
    ll_variant v = *(const ll_variant *)cbench_user(st);
    int n = (int)cbench_range(st, 3);
    char err[256], injectors[16];
    snprintf(injectors, sizeof injectors, "%d", n - 1);
    cbench_tag(st, "injectors", injectors);
    cbench_tag(st, "page_policy", pages_policy_name(ll.policy));
    if (v != LL_IDLE)
        cbench_tag(st, "width", streams_width_name(ll.width));
    if (pairs_begin_group(st, ll.topo, ll.order, n) != 0)
        return;
    if (ll_chase_prepare(err, sizeof err) != 0) {
        cbench_error(st, err);
        return;
    }
    ll_run *r = pairs_calloc_lines(sizeof *r);
    if (!r) {
        cbench_error(st, "loaded_latency: out of memory");
        return;
    }
    *r = (ll_run){.variant = v, .delay = (int)cbench_range(st, 0), .n = n, .budget_ns = (uint64_t)(ll.budget_s * 1e9)};
    pin_barrier_init(&r->start, n);
    if (!pairs_run_shared(ll.topo, ll.order, n, ll_thread, r, ll_run_free, ll.budget_s + 10.0, err, sizeof err)) {
        cbench_error(st, err);
        return;
    }
    double gbps = 0;
    for (int i = 1; i < n; i++) {
        if (r->workers[i].err[0]) {
            cbench_error(st, r->workers[i].err);
            ll_run_free(r);
            return;
        }
        gbps += r->workers[i].elapsed_ns ? (double)r->workers[i].count / (double)r->workers[i].elapsed_ns : 0;
    }
    double ns = (double)r->workers[0].elapsed_ns / (double)r->workers[0].count;
    cbench_counter(st, "injected_gb_per_s", gbps, CBENCH_COUNTER_PLAIN);
    pairs_counters_report(st, &r->chaser_counters, 1, (double)r->workers[0].count);
    pairs_end(st, ns * 1e-9);
    free(r);
}

static void ll_register_one(ll_variant v, int delay, int threads)
{
    char name[64];
    snprintf(name, sizeof name, "loaded_latency/%s", ll_names[v]);
    cbench_bench *b = cbench_register(name, ll_bench, (void *)&ll_variants[v]);
    if (!b)
        return;
    static const char *const names[] = {"delay", "cpu_a", "cpu_b", "workers"};
    const int64_t args[] = {delay, ll.order[0], ll.order[threads - 1], threads};
    cbench_arg_names(b, names, 4);
    cbench_args(b, args, 4);
    cbench_iterations(b, 1);
    cbench_use_manual_time(b);
}

static void ll_register(const bench_config *cfg, char *why, size_t whylen)
{
    if (pairs_require_cpus(cfg->topo, 2, why, whylen) != 0)
        return;
    ll.topo = cfg->topo;
    ll.n_order = topo_spread_order(cfg->topo, ll.order, LL_MAX_THREADS);
    char ignored[256];
    ll.policy = pages_usable(PAGES_THP, 1u << 21, ignored, sizeof ignored) == 0 ? PAGES_THP : PAGES_BASE;
    ll.width = streams_widest();
    ll.bytes = (size_t)caches_dram_bytes();
    /* the chase set and every injector's buffer within RAM/8 together */
    while (ll.bytes > (64u << 20) && (unsigned long long)ll.bytes * (unsigned long long)ll.n_order > cfg->ram_bytes / 8)
        ll.bytes /= 2;
    ll.budget_s = pairs_share_s(cfg, 1.0, 8.0, 1 + 2 * LL_DELAYS, 0.03, 0.3);
    ll_register_one(LL_IDLE, 0, 1);
    for (int v = LL_READ; v < LL_VARIANT_COUNT; v++)
        for (int i = 0; i < LL_DELAYS; i++)
            ll_register_one((ll_variant)v, ll_delays[i], ll.n_order);
}

static void ll_curve_row(output_table **side, ll_variant v, int delay)
{
    static const char *const cols[] = {"variant", "delay", "injectors", "ns_per_load", "injected_gb_per_s"};
    const output_table *t = rows_results();
    double ns = rows_median_at(t, "loaded_latency", ll_names[v], "delay", delay, "real_ns");
    if (isnan(ns))
        return;
    rows_side_row(side, "loaded_latency.csv", cols, 5);
    output_table_set_str(*side, "variant", ll_names[v]);
    output_table_set_int(*side, "delay", delay);
    output_table_set_int(*side, "injectors", v == LL_IDLE ? 0 : ll.n_order - 1);
    output_table_set_num(*side, "ns_per_load", ns);
    output_table_set_num(*side, "injected_gb_per_s", v == LL_IDLE ? 0 : rows_median_at(t, "loaded_latency", ll_names[v], "delay", delay, "injected_gb_per_s"));
}

static void ll_finish(const bench_config *cfg)
{
    (void)cfg;
    output_table *side = NULL;
    ll_curve_row(&side, LL_IDLE, 0);
    for (int v = LL_READ; v < LL_VARIANT_COUNT; v++)
        for (int i = 0; i < LL_DELAYS; i++)
            ll_curve_row(&side, (ll_variant)v, ll_delays[i]);
    pages_unmap(&ll.chase_map);
    for (int i = 0; i < LL_MAX_THREADS; i++)
        pages_unmap(&ll.buffers[i]);
    ll.head = NULL;
}

const bench_family bench_family_loaded_latency = {
    .name = "loaded_latency",
    .help = "memory latency under load: a chase on one CPU while the others inject read or 2:1 read/write traffic",
    .description =
        "One thread chases pointers over a DRAM-sized set while every other allowed CPU streams over a DRAM-sized "
        "buffer of its own (read-only, or triad's 2:1 read/write mix), pausing between 64 KiB chunks for a delay "
        "stepped from none to 16384 spin hints; idle is the chase alone. Each step gives the chase's ns per load and "
        "the bandwidth injected: the latency-against-bandwidth curve (loaded_latency.csv). The injectors column "
        "says how many CPUs injected (one on a 2-core machine).",
    .min_cpus = 2,
    .register_benchmarks = ll_register,
    .finish = ll_finish,
};

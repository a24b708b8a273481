/*
 * c2c.c — core-to-core latency: how long one cache line takes to travel from
 * one core to another.
 *
 * Two threads pinned to a pair of CPUs play ping-pong with a cache line:
 *   load_store  the initiator stores a sequence number into `ping` (release)
 *               and spins on `pong` (acquire) until the responder echoes it;
 *               the two flags sit on separate 128-byte blocks, so each
 *               round trip moves two lines, one each way.
 *   cas         both threads compare-and-swap one line: the initiator moves
 *               it from 2k-2 to 2k-1, the responder from 2k-1 to 2k.
 * One-way latency is a round trip / 2.  The initiator timestamps batches of
 * C2C_BATCH round trips with clock_ticks(), so the timer's own cost is spread
 * over the batch; the run reports the median, minimum and p99 over all
 * batches (user counters median_ns, min_ns, p99_ns; manual time = median).
 *
 * The spin loops deliberately do not execute pin_cpu_relax(): on x86 a
 * `pause` lasts up to ~140 cycles on recent cores and would be added to the
 * latency it is meant to measure.  They do poll the group's abandon flag
 * (a load that hits L1) so a peer that stops answering cannot hang the run.
 * On an SMT pair the spinning sibling competes for its core: that is part of
 * what an smt number means.
 *
 * Default and --quick: one representative pair per pair class.  --c2c-all:
 * every pair of allowed CPUs, each with a bounded time, into c2c_matrix.csv.
 */
#include "memprobe/bench.h"
#include "memprobe/cbench.h"
#include "memprobe/clock.h"
#include "memprobe/output.h"
#include "memprobe/pairs.h"
#include "memprobe/pin.h"
#include "memprobe/topo.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum c2c_variant { C2C_LOAD_STORE, C2C_CAS, C2C_VARIANT_COUNT };
static const char *const c2c_variant_names[C2C_VARIANT_COUNT] = {"load_store", "cas"};

#define C2C_BATCH 64                  /* round trips per timed sample */
#define C2C_STOP UINT64_MAX           /* initiator -> responder: no more round trips */
#define C2C_MAX_SAMPLES (1u << 18)    /* 2 MiB of samples per run at most */

/* One experiment: the lines the threads share and what they report. */
typedef struct c2c_run {
    _Alignas(PAIRS_LINE) _Atomic uint64_t ping;   /* load_store: initiator's flag; cas: the line */
    _Alignas(PAIRS_LINE) _Atomic uint64_t pong;   /* load_store: responder's flag */
    _Alignas(PAIRS_LINE) pin_barrier start;
    int variant;
    uint64_t budget_ns;                 /* the initiator stops sampling after this */
    size_t max_samples;
    double ns_per_tick;
    double *samples;                    /* one-way ns per batch (initiator) */
    size_t n_samples;
    uint64_t round_trips;               /* initiator: round trips started and answered */
    uint64_t responses;                 /* responder: round trips answered (written at its end) */
    uint64_t final_value;               /* load_store: pong; cas: the line (2 * round trips) */
    int abandoned;
    pairs_counters counters[2];
} c2c_run;

/* ---- the two protocols ---- */

/* load_store, initiator: publish seq, wait for its echo.  -1 if abandoned. */
static int c2c_ls_round_trip(c2c_run *r, uint64_t seq, const _Atomic int *abandon)
{
    atomic_store_explicit(&r->ping, seq, memory_order_release);
    while (atomic_load_explicit(&r->pong, memory_order_acquire) != seq)
        if (pairs_abandoned(abandon))
            return -1;
    return 0;
}

/* load_store, responder: echo every sequence number until C2C_STOP;
 * returns how many it echoed. */
static uint64_t c2c_ls_respond(c2c_run *r, const _Atomic int *abandon)
{
    for (uint64_t expect = 1;; expect++) {
        uint64_t v;
        while ((v = atomic_load_explicit(&r->ping, memory_order_acquire)) != expect)
            if (v == C2C_STOP || pairs_abandoned(abandon))
                return expect - 1;
        atomic_store_explicit(&r->pong, v, memory_order_release);
    }
}

/* cas, initiator: move the line from 2seq-2 to 2seq-1, which succeeds once
 * the responder has answered seq-1.  -1 if abandoned. */
static int c2c_cas_round_trip(c2c_run *r, uint64_t seq, const _Atomic int *abandon)
{
    const uint64_t from = 2 * seq - 2;
    uint64_t expected = from;
    while (!atomic_compare_exchange_weak_explicit(&r->ping, &expected, from + 1,
                                                  memory_order_acq_rel, memory_order_acquire)) {
        expected = from;
        if (pairs_abandoned(abandon))
            return -1;
    }
    return 0;
}

/* cas, responder: move the line from 2k-1 to 2k for k = 1, 2, ... until the
 * initiator stores C2C_STOP; returns how many moves it made. */
static uint64_t c2c_cas_respond(c2c_run *r, const _Atomic int *abandon)
{
    for (uint64_t from = 1;; from += 2) {
        uint64_t expected = from;
        while (!atomic_compare_exchange_weak_explicit(&r->ping, &expected, from + 1,
                                                      memory_order_acq_rel, memory_order_acquire)) {
            if (expected == C2C_STOP || pairs_abandoned(abandon))
                return from / 2;
            expected = from;
        }
    }
}

/* Wait until the responder answered the last round trip, record the final
 * value, and tell it to stop. */
static void c2c_finish_initiator(c2c_run *r, const _Atomic int *abandon)
{
    _Atomic uint64_t *line = r->variant == C2C_CAS ? &r->ping : &r->pong;
    const uint64_t want = r->variant == C2C_CAS ? 2 * r->round_trips : r->round_trips;
    while (atomic_load_explicit(line, memory_order_acquire) != want && !pairs_abandoned(abandon))
        ;
    r->final_value = atomic_load_explicit(line, memory_order_acquire);
    atomic_store_explicit(&r->ping, C2C_STOP, memory_order_release);
}

/* Initiator: batches of C2C_BATCH timed round trips until the budget or the
 * sample array is used up. */
static void c2c_initiate(c2c_run *r, const _Atomic int *abandon)
{
    int (*round_trip)(c2c_run *, uint64_t, const _Atomic int *) =
        r->variant == C2C_CAS ? c2c_cas_round_trip : c2c_ls_round_trip;
    uint64_t seq = 0;
    /* cas: the first move only starts the chain; its answer ends round trip 2 */
    if (r->variant == C2C_CAS && round_trip(r, ++seq, abandon) != 0) {
        r->abandoned = 1;
        goto out;
    }
    const uint64_t deadline = clock_now_ns() + r->budget_ns;
    while (r->n_samples < r->max_samples) {
        uint64_t t0 = clock_ticks();
        for (int k = 0; k < C2C_BATCH; k++)
            if (round_trip(r, ++seq, abandon) != 0) {
                r->abandoned = 1;
                goto out;
            }
        uint64_t t1 = clock_ticks();
        r->samples[r->n_samples++] = (double)(t1 - t0) * r->ns_per_tick / (2.0 * C2C_BATCH);
        if (clock_now_ns() >= deadline)
            break;
    }
out:
    r->round_trips = seq - (r->abandoned ? 1 : 0);
    c2c_finish_initiator(r, abandon);
}

static void c2c_thread(void *arg, int index)
{
    c2c_run *r = arg;
    const _Atomic int *abandon = pin_current_abandon_flag();
    pairs_counters_start(&r->counters[index]);
    if (pin_barrier_wait(&r->start, abandon) == 0) {
        if (index == 0)
            c2c_initiate(r, abandon);
        else   /* counted locally: a shared counter would add traffic to the measurement */
            r->responses = r->variant == C2C_CAS ? c2c_cas_respond(r, abandon)
                                                 : c2c_ls_respond(r, abandon);
    }
    pairs_counters_stop(&r->counters[index]);
}

static void c2c_run_free(void *run)
{
    c2c_run *r = run;
    if (!r)
        return;
    pairs_counters_discard(r->counters, 2);
    free(r->samples);
    free(r);
}

/* Run one ping-pong experiment on pair p for about budget_s seconds (or
 * max_samples batches).  Returns the run, or NULL with err set (after a
 * timeout the run is leaked: its threads may still touch it). */
static c2c_run *c2c_measure(const topo *t, const topo_pair *p, int variant, double budget_s,
                            size_t max_samples, char *err, size_t errlen)
{
    c2c_run *r = pairs_calloc_lines(sizeof *r);
    double *samples = malloc(max_samples * sizeof *samples);
    if (!r || !samples) {
        free(r);
        free(samples);
        snprintf(err, errlen, "c2c: out of memory for %zu samples", max_samples);
        return NULL;
    }
    r->samples = samples;
    r->variant = variant;
    r->budget_ns = (uint64_t)(budget_s * 1e9);
    r->max_samples = max_samples;
    r->ns_per_tick = clock_ns_per_tick();
    pin_barrier_init(&r->start, 2);
    const int cpus[2] = {p->cpu_a, p->cpu_b};
    return pairs_run_shared(t, cpus, 2, c2c_thread, r, c2c_run_free, budget_s + 10.0, err, errlen);
}

/* The protocol's own check: every round trip answered, the line ends where
 * the sequence says.  0, or -1 with err. */
static int c2c_verify(const c2c_run *r, char *err, size_t errlen)
{
    uint64_t want = r->variant == C2C_CAS ? 2 * r->round_trips : r->round_trips;
    if (r->abandoned || r->responses != r->round_trips || r->final_value != want) {
        snprintf(err, errlen, "c2c %s: %llu round trips, %llu answered, final value %llu (expected %llu)%s",
                 c2c_variant_names[r->variant], (unsigned long long)r->round_trips,
                 (unsigned long long)r->responses, (unsigned long long)r->final_value,
                 (unsigned long long)want, r->abandoned ? ", abandoned" : "");
        return -1;
    }
    return 0;
}

/* ---- registration and reporting ---- */

/* One registered benchmark: a variant on a pair. */
typedef struct c2c_slot {
    int variant;
    topo_pair pair;
    int repetition;      /* calls so far (iterations are fixed: one call per repetition) */
} c2c_slot;

static struct {
    const topo *topo;
    int all;                 /* --c2c-all */
    double budget_s;         /* per benchmark run */
    c2c_slot *slots;
    int n_slots;
} c2c;

static void c2c_matrix_row(const c2c_slot *slot, const pairs_summary *s)
{
    static const char *const columns[] = {"cpu_a", "cpu_b", "pair_class", "variant", "median_ns",
                                          "min_ns", "samples", "p99_ns", "repetition"};
    output_table *t = output_table_get("c2c_matrix.csv");
    output_table_columns(t, columns, 9);
    output_table_row(t);
    output_table_set_int(t, "cpu_a", slot->pair.cpu_a);
    output_table_set_int(t, "cpu_b", slot->pair.cpu_b);
    output_table_set_str(t, "pair_class", topo_pair_class_name(slot->pair.pair_class));
    output_table_set_str(t, "variant", c2c_variant_names[slot->variant]);
    output_table_set_num(t, "median_ns", s->p50);
    output_table_set_num(t, "min_ns", s->min);
    output_table_set_int(t, "samples", (long long)s->n);
    output_table_set_num(t, "p99_ns", s->p99);
    output_table_set_int(t, "repetition", slot->repetition);
}

static void c2c_bench(cbench_state *st)
{
    c2c_slot *slot = cbench_user(st);
    topo_pair p;
    if (pairs_begin(st, c2c.topo, &p) != 0)
        return;
    char err[256];
    size_t max_samples = (size_t)(c2c.budget_s * 1e9 / (2.0 * C2C_BATCH * 5.0)) + 16;
    c2c_run *r = c2c_measure(c2c.topo, &p, slot->variant, c2c.budget_s,
                             max_samples < C2C_MAX_SAMPLES ? max_samples : C2C_MAX_SAMPLES,
                             err, sizeof err);
    if (!r) {
        cbench_error(st, err);
        return;
    }
    if (c2c_verify(r, err, sizeof err) != 0) {
        cbench_error(st, err);
        c2c_run_free(r);
        return;
    }
    pairs_summary s;
    pairs_summarize(r->samples, r->n_samples, &s);
    pairs_report_summary(st, "", &s);
    cbench_counter(st, "samples", (double)s.n, CBENCH_COUNTER_PLAIN);
    cbench_counter(st, "round_trips", (double)r->round_trips, CBENCH_COUNTER_PLAIN);
    pairs_counters_report(st, r->counters, 2, 2.0 * (double)r->round_trips);  /* per one-way */
    if (c2c.all)
        c2c_matrix_row(slot, &s);
    slot->repetition++;
    pairs_end(st, s.p50 * 1e-9);
    c2c_run_free(r);
}

static void c2c_register(const bench_config *cfg, char *why, size_t whylen)
{
    if (pairs_require_cpus(cfg->topo, 2, why, whylen) != 0)
        return;
    topo_pair *pairs;
    int n = pairs_select(cfg->topo, c2c.all, &pairs);
    c2c.topo = cfg->topo;
    c2c.slots = calloc((size_t)n * C2C_VARIANT_COUNT, sizeof *c2c.slots);
    if (!c2c.slots) {
        snprintf(why, whylen, "out of memory for %d pairs", n);
        free(pairs);
        return;
    }
    c2c.n_slots = n * C2C_VARIANT_COUNT;
    if (c2c.all)   /* every pair: minutes in total even on 128 cores */
        c2c.budget_s = pairs_share_s(cfg, 30.0, 180.0, c2c.n_slots, 0.004, 0.25);
    else
        c2c.budget_s = pairs_share_s(cfg, 2.0, 10.0, c2c.n_slots, 0.05, 2.5);
    for (int v = 0; v < C2C_VARIANT_COUNT; v++) {
        char name[64];
        snprintf(name, sizeof name, "c2c/%s", c2c_variant_names[v]);
        for (int i = 0; i < n; i++) {
            c2c_slot *slot = &c2c.slots[v * n + i];
            *slot = (c2c_slot){.variant = v, .pair = pairs[i]};
            pairs_register(name, c2c_bench, slot, &pairs[i]);
        }
    }
    free(pairs);
}

static void c2c_finish(const bench_config *cfg)
{
    (void)cfg;
    free(c2c.slots);
    c2c.slots = NULL;
    c2c.n_slots = 0;
}

static const bench_option c2c_options[] = {
    {"c2c-all", BENCH_OPT_FLAG, &c2c.all,
     "c2c: measure every pair of allowed CPUs into c2c_matrix.csv (bounded time per pair)", 0, NULL},
    {0},
};

const bench_family bench_family_c2c = {
    .name = "c2c",
    .help = "core-to-core latency: cache-line ping-pong between two pinned threads",
    .description =
        "Two threads pinned to a pair of CPUs pass a cache line back and forth, either as "
        "release/acquire flags on separate lines (load_store) or by compare-and-swap on one "
        "line (cas).  One-way latency is half a round trip, the median over batches of 64 "
        "round trips; min_ns and p99_ns give the spread.  One pair per pair class (smt, l2, "
        "llc, numa, package, cross-package), or every pair with --c2c-all (c2c_matrix.csv).",
    .min_cpus = 2,
    .options = c2c_options,
    .register_benchmarks = c2c_register,
    .finish = c2c_finish,
};

/*
 * c2c.c — core-to-core latency: how long one cache line takes to travel from
 * one core to another.
 *
 * Two threads pinned to a pair of CPUs play ping-pong with a cache line
 * (harness/pingpong.c, shared with the placement probes):
 *   load_store  the initiator stores a sequence number into `ping` (release)
 *               and spins on `pong` (acquire) until the responder echoes it;
 *               the two flags sit on separate 128-byte blocks, so each
 *               round trip moves two lines, one each way.
 *   cas         both threads compare-and-swap one line: the initiator moves
 *               it from 2k-2 to 2k-1, the responder from 2k-1 to 2k.
 * One-way latency is a round trip / 2.  The initiator timestamps batches of
 * PINGPONG_BATCH round trips with clock_ticks(), so the timer's own cost is
 * spread over the batch; the run reports the median, minimum and p99 over all
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
#include "memprobe/output.h"
#include "memprobe/pairs.h"
#include "memprobe/pingpong.h"
#include "memprobe/topo.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define C2C_MAX_SAMPLES (1u << 18)    /* 2 MiB of samples per run at most */

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
    output_table_set_str(t, "variant", pingpong_variant_name(slot->variant));
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
    size_t max_samples = (size_t)(c2c.budget_s * 1e9 / (2.0 * PINGPONG_BATCH * 5.0)) + 16;
    pingpong_run *r = pingpong_measure(c2c.topo, &p, slot->variant, c2c.budget_s,
                                       max_samples < C2C_MAX_SAMPLES ? max_samples : C2C_MAX_SAMPLES,
                                       err, sizeof err);
    if (!r) {
        cbench_error(st, err);
        return;
    }
    if (pingpong_verify(r, err, sizeof err) != 0) {
        cbench_error(st, err);
        pingpong_free(r);
        return;
    }
    pairs_summary s = pairs_report_samples(st, r->samples, r->n_samples);
    cbench_counter(st, "round_trips", (double)r->round_trips, CBENCH_COUNTER_PLAIN);
    pairs_counters_report(st, r->counters, 2, 2.0 * (double)r->round_trips);  /* per one-way */
    if (c2c.all)
        c2c_matrix_row(slot, &s);
    slot->repetition++;
    pairs_end(st, s.p50 * 1e-9);
    pingpong_free(r);
}

static void c2c_register(const bench_config *cfg, char *why, size_t whylen)
{
    if (pairs_require_cpus(cfg->topo, 2, why, whylen) != 0)
        return;
    topo_pair *pairs;
    int n = pairs_select(cfg->topo, c2c.all, &pairs);
    c2c.topo = cfg->topo;
    c2c.slots = calloc((size_t)n * PINGPONG_VARIANT_COUNT, sizeof *c2c.slots);
    if (!c2c.slots) {
        snprintf(why, whylen, "out of memory for %d pairs", n);
        free(pairs);
        return;
    }
    c2c.n_slots = n * PINGPONG_VARIANT_COUNT;
    if (c2c.all)   /* every pair: minutes in total even on 128 cores */
        c2c.budget_s = pairs_share_s(cfg, 30.0, 180.0, c2c.n_slots, 0.004, 0.25);
    else
        c2c.budget_s = pairs_share_s(cfg, 2.0, 10.0, c2c.n_slots, 0.05, 2.5);
    for (int v = 0; v < PINGPONG_VARIANT_COUNT; v++) {
        char name[64];
        snprintf(name, sizeof name, "c2c/%s", pingpong_variant_name(v));
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
     "c2c: measure every pair of allowed CPUs into c2c_matrix.csv (bounded time per pair)", 0, NULL, NULL},
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

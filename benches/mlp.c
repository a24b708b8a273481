/*
 * mlp.c — memory-level parallelism: how many cache misses one core keeps in
 * flight.
 *
 * mlp/chains walks k independent dependent chases (chase.h: k random cycles
 * over the lines of one DRAM-sized set, so nearly every load misses every
 * cache) together in one thread, k = 1, 2, 4, 8, 16, 32: one iteration is
 * one load on each chain.  real_ns is then the time a chain takes per load
 * (it rises once the core runs out of miss buffers), loads_per_ns the loads
 * completed per ns over all chains.  The set is mapped with transparent huge
 * pages where the kernel has them (page_policy), so what is measured is
 * misses to memory, not page walks.
 *
 * At the end mlp.csv has one row per k (medians over repetitions) and the
 * knee: the smallest k past which doubling the chains adds less than 10 % to
 * loads_per_ns — the number of misses a core keeps in flight.
 */
#include "memprobe/bench.h"
#include "memprobe/caches.h"
#include "memprobe/cbench.h"
#include "memprobe/chase.h"
#include "memprobe/clock.h"
#include "memprobe/measure.h"
#include "memprobe/output.h"
#include "memprobe/pages.h"
#include "memprobe/rows.h"
#include "memprobe/stats.h"
#include "memprobe/topo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MLP_MAX_CHAINS 32
#define MLP_GAIN 1.10   /* doubling the chains must add at least this much throughput */

static const int mlp_chain_counts[] = {1, 2, 4, 8, 16, 32};
#define MLP_COUNTS ((int)(sizeof mlp_chain_counts / sizeof mlp_chain_counts[0]))

/* The set, linked for one k at a time (relinked when k changes). */
static struct {
    pages_map map;
    pages_policy policy;
    unsigned line;
    size_t bytes;
    int k;                        /* chains linked now; 0: none */
    void *heads[MLP_MAX_CHAINS];
} mlp;

/* The set linked into k chains; -1 with why. */
static int mlp_prepare(int k, char *why, size_t whylen)
{
    if (mlp.k == k)
        return 0;
    if (!mlp.map.p && pages_map_memory(&mlp.map, mlp.bytes, mlp.policy, 0, why, whylen) != 0)
        return -1;
    size_t n = mlp.bytes / mlp.line;
    size_t *off = malloc(n * sizeof *off);
    if (!off || chase_link(mlp.map.p, off, chase_line_offsets(off, mlp.bytes, mlp.line), k,
                           0x6d6c70ull + (uint64_t)k, mlp.heads) != 0) {
        free(off);
        snprintf(why, whylen, "out of memory for the chase order of a %zu-byte set", mlp.bytes);
        return -1;
    }
    free(off);
    mlp.k = k;
    return 0;
}

/* One step of every chain, steps times. */
static void mlp_walk(void **p, int k, int64_t steps)
{
    for (int64_t s = 0; s < steps; s++)
        for (int j = 0; j < k; j++)
            p[j] = *(void **)p[j];
}

static void mlp_chains(cbench_state *st)
{
    int k = (int)cbench_range(st, 0);
    char why[256];
    cbench_tag(st, "page_policy", pages_policy_name(mlp.policy));
    if (mlp_prepare(k, why, sizeof why) != 0) {
        cbench_error(st, why);
        return;
    }
    void *p[MLP_MAX_CHAINS];
    memcpy(p, mlp.heads, sizeof(void *) * (size_t)k);
    /* no warm lap: the set is far larger than the caches, every load misses */
    uint64_t t0 = 0;
    int64_t steps = 0;
    for (int64_t n; (n = cbench_next_batch(st)) > 0; steps += n) {
        if (t0 == 0)
            t0 = clock_now_ns();
        mlp_walk(p, k, n);
    }
    uint64_t elapsed = clock_now_ns() - t0;
    cbench_do_not_optimize(p);
    if (steps > 0 && elapsed > 0)
        cbench_counter(st, "loads_per_ns", (double)steps * k / (double)elapsed, CBENCH_COUNTER_PLAIN);
    cbench_counter(st, "chains_in_flight", k, CBENCH_COUNTER_PLAIN);
}

static void mlp_register(const bench_config *cfg, char *why, size_t whylen)
{
    (void)why, (void)whylen;
    char ignored[256];
    mlp.policy = pages_usable(PAGES_THP, 1u << 21, ignored, sizeof ignored) == 0 ? PAGES_THP : PAGES_BASE;
    mlp.line = topo_cache_line(cfg->topo);
    if (mlp.line < sizeof(void *) || mlp.line > 4096)
        mlp.line = 64;
    mlp.bytes = (size_t)caches_dram_bytes();
    cbench_bench *b = cbench_register("mlp/chains", mlp_chains, NULL);
    if (!b)
        return;
    static const char *const names[] = {"chains"};
    cbench_arg_names(b, names, 1);
    for (int i = 0; i < MLP_COUNTS; i++)
        cbench_arg(b, mlp_chain_counts[i]);
    measure_timing(b, cfg, 0.02, 0.08);
}

/* The knee: the smallest chain count past which doubling adds less than
 * MLP_GAIN (the last count when every doubling helps). */
static int mlp_knee(const double *loads_per_ns, const int *chains, int n)
{
    for (int i = 0; i + 1 < n; i++)
        if (!(loads_per_ns[i + 1] >= MLP_GAIN * loads_per_ns[i]))
            return chains[i];
    return n ? chains[n - 1] : 0;
}

static void mlp_finish(const bench_config *cfg)
{
    (void)cfg;
    const output_table *t = rows_results();
    double rate[MLP_COUNTS], ns[MLP_COUNTS];
    int chains[MLP_COUNTS], n = 0;
    for (int i = 0; i < MLP_COUNTS; i++) {
        double r = rows_median_at(t, "mlp", "chains", "chains", mlp_chain_counts[i], "loads_per_ns");
        if (isnan(r))
            continue;
        rate[n] = r;
        ns[n] = rows_median_at(t, "mlp", "chains", "chains", mlp_chain_counts[i], "real_ns");
        chains[n++] = mlp_chain_counts[i];
    }
    int knee = mlp_knee(rate, chains, n);
    static const char *const cols[] = {"chains", "ns_per_load", "loads_per_ns", "speedup_vs_1", "knee_chains"};
    output_table *side = NULL;
    for (int i = 0; i < n; i++) {
        rows_side_row(&side, "mlp.csv", cols, 5);
        output_table_set_int(side, "chains", chains[i]);
        output_table_set_num(side, "ns_per_load", ns[i]);
        output_table_set_num(side, "loads_per_ns", rate[i]);
        output_table_set_num(side, "speedup_vs_1", rate[i] / rate[0]);
        output_table_set_int(side, "knee_chains", knee);
    }
    pages_unmap(&mlp.map);
    mlp.k = 0;
}

const bench_family bench_family_mlp = {
    .name = "mlp",
    .help = "memory-level parallelism: 1 to 32 independent chases over a DRAM-sized set in one thread",
    .description =
        "k independent dependent pointer chases (k = 1, 2, 4, 8, 16, 32) over one DRAM-sized set, walked together "
        "in one thread: ns per load on each chain, and loads completed per ns. Throughput grows with k until the "
        "core runs out of miss buffers; mlp.csv names the knee, the smallest k past which doubling the chains adds "
        "less than 10 %: the number of misses a core keeps in flight.",
    .min_cpus = 1,
    .register_benchmarks = mlp_register,
    .finish = mlp_finish,
};

/*
 * pairs.h — the shared shape of the families that run pinned threads on a
 * pair (or small group) of CPUs: c2c, falseshare, visibility, litmus.
 *
 * One benchmark instance per pair, identified in results.csv by its
 * arguments cpu_a and cpu_b and tagged with cpus "A,B" and the pair class.
 * Each instance runs exactly one bounded experiment per repetition
 * (iterations fixed at 1, manual time): the family starts its pinned threads
 * with pairs_run(), summarises the samples they collected with
 * pairs_summarize(), and reports the statistic it chose as the iteration's
 * manual time (for example the median one-way latency).  Worker threads count
 * their own events with pairs_counters_start/stop; the main thread only
 * waits, so it hands their counts to cbench scaled per operation.
 */
#ifndef MEMPROBE_PAIRS_H
#define MEMPROBE_PAIRS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "memprobe/bench.h"
#include "memprobe/cbench.h"
#include "memprobe/counters.h"
#include "memprobe/pin.h"
#include "memprobe/topo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes between data that must not share a cache line: 128, because
 * adjacent-line prefetchers (Intel) pull 64-byte lines in pairs and some
 * cores (Apple M, POWER) have 128-byte lines. */
#define PAIRS_LINE 128

/* Zeroed memory of at least size bytes aligned to PAIRS_LINE (free with
 * free()); NULL when out of memory. */
void *pairs_calloc_lines(size_t size);

/* The pairs a family measures: one representative pair per pair class
 * present (topo_representative_pairs, closest class first), or with all
 * nonzero every unordered pair of allowed PUs, SMT siblings included
 * (topo_all_pairs).  *out is malloc'd (free it); returns the count (0 when
 * fewer than two PUs are allowed). */
int pairs_select(const topo *t, int all, topo_pair **out);

/* 0 when at least need PUs are allowed; otherwise -1 and one line in why,
 * e.g. "needs 2 CPUs, 1 allowed (taskset, cgroup cpuset or --cpus)". */
int pairs_require_cpus(const topo *t, int need, char *why, size_t whylen);

/* Format a CPU list as "0,1" (the cpus tag). */
void pairs_format_cpus(const int *cpus, int n, char *buf, size_t len);

/* Seconds one run of a benchmark instance may take: the family's total
 * budget (quick_total_s under --quick, default_total_s otherwise) shared
 * among count instances times cfg->repetitions, clamped to [min_s, max_s]. */
double pairs_share_s(const bench_config *cfg, double quick_total_s, double default_total_s,
                     int count, double min_s, double max_s);

/* Register name for pair p: arguments cpu_a and cpu_b, one iteration per
 * repetition, manual time.  Returns NULL when --filter deselects it. */
cbench_bench *pairs_register(const char *name, cbench_fn fn, void *user, const topo_pair *p);
/* Same for a group of n CPUs: arguments cpu_a (first), cpu_b (last) and
 * workers (n), so every group is its own results.csv identity. */
cbench_bench *pairs_register_group(const char *name, cbench_fn fn, void *user,
                                   const int *cpus, int n);

/* Start a run registered by pairs_register(): reads cpu_a/cpu_b from the
 * arguments into *p (class from t), tags cpus and pair_class, turns off the
 * main thread's own counters and starts the batch.  0 to go on, -1 when the
 * run is already over (stop requested): return without reporting. */
int pairs_begin(cbench_state *st, const topo *t, topo_pair *p);
/* Tag a group run with its CPUs and widest pair class, then start it like
 * pairs_begin. */
int pairs_begin_group(cbench_state *st, const topo *t, const int *cpus, int n);
/* Widest (farthest) pair class among the CPUs of a group. */
topo_pair_class pairs_group_class(const topo *t, const int *cpus, int n);
/* Finish the run: seconds is the iteration's manual time. */
void pairs_end(cbench_state *st, double seconds);

/* How a pairs_run ended. */
typedef enum pairs_status {
    PAIRS_DONE,          /* every thread finished */
    PAIRS_NOT_STARTED,   /* a thread could not be started or pinned: no thread
                            runs, what they would have used may be freed */
    PAIRS_ABANDONED,     /* a thread did not finish in time (its peers saw the
                            abandon flag): what the threads use must be kept */
} pairs_status;

/* Run fn on n threads pinned to cpus (thread i gets args[i] and index i),
 * wait at most timeout_s, then free the group.  Unless PAIRS_DONE, one line
 * in err says why.  After PAIRS_ABANDONED a thread blocked in a system call
 * may still touch its argument: pairs_run keeps the group (and through it
 * each thread's argument) on a process-lifetime list, so it stays reachable
 * and leak checkers do not report it. */
pairs_status pairs_run(const topo *t, const int *cpus, int n, pin_thread_fn fn, void *const *args,
                       double timeout_s, char *err, size_t errlen);
/* pairs_run with the same argument, run, for every thread, and the clean-up
 * every caller needs: returns run when every thread finished; otherwise NULL
 * with err set, after freeing run with free_run when no thread started, or
 * keeping it (abandoned threads may still touch it). */
void *pairs_run_shared(const topo *t, const int *cpus, int n, pin_thread_fn fn, void *run,
                       void (*free_run)(void *), double timeout_s, char *err, size_t errlen);

/* True once the calling worker's group is being abandoned (cheap: one
 * relaxed load; abandon may be NULL outside a group). */
static inline int pairs_abandoned(const _Atomic int *abandon)
{
    return abandon && atomic_load_explicit(abandon, memory_order_relaxed);
}

/* Distribution summary of n samples (any unit). */
typedef struct pairs_summary {
    size_t n;
    double min, p50, p90, p99, p999, max, mean;
} pairs_summary;
/* Sort v in place and summarise it (all NaN when n is 0); the quantiles are
 * stats.h's (linear interpolation, the project's one definition). */
void pairs_summarize(double *v, size_t n, pairs_summary *out);
/* Report a summary as user counters <prefix>min_ns ... (min, p50/median,
 * p99, max): names median_ns, min_ns, p99_ns, max_ns when prefix is "". */
void pairs_report_summary(cbench_state *st, const char *prefix, const pairs_summary *s);
/* Summarise the n samples v (sorted in place), report the summary (prefix "")
 * and a "samples" counter; returns the summary. */
pairs_summary pairs_report_samples(cbench_state *st, double *v, size_t n);

/* Event counts of one worker thread (see counters.h). */
typedef struct pairs_counters {
    counters_thread *ct;
    double *values;          /* counters_event_count() entries, NaN = not counted */
} pairs_counters;
/* On the worker, around its timed region. */
void pairs_counters_start(pairs_counters *c);
void pairs_counters_stop(pairs_counters *c);
/* On the main thread: add the n workers' counts, divided by ops (so they are
 * reported per operation), to the run; frees what start allocated. */
void pairs_counters_report(cbench_state *st, pairs_counters *c, int n, double ops);
/* Free without reporting (error paths). */
void pairs_counters_discard(pairs_counters *c, int n);

#ifdef __cplusplus
}
#endif
#endif

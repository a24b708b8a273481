/*
 * gcheap.h — the Boehm collector (libgc) in a family's child process: start
 * it with its settings and its marker threads pinned, and run the mutator on
 * a pinned thread registered with it.
 *
 * The collector's settings (marker count, free-space divisor, incremental
 * mode) are per process and must precede GC_INIT, which is why the gc and
 * hoard families run every configuration in a fresh child (child.h).  The
 * mutator gets the first allowed PU; marker K gets PU K+1 (modulo the count).
 *
 * Collected-heap benchmarks of the single-threaded families (alloc/gc_*,
 * access/hot_gc, passing/ptr_gc) run the same way, so that no number depends
 * on which benchmarks ran before in the same heap: every run (a fixed
 * number of iterations) is a fresh child whose heap starts identically
 * configured —
 * GCHEAP_BENCH_MARKERS marker, GCHEAP_BENCH_HEAP_BYTES of heap, every page of
 * it touched once before the clock starts — and every row reports the heap
 * it ran in (gc_markers, gc_heap_start_bytes), what the run did to it
 * (gc_collections, gc_heap_bytes at the end), and the mutator thread's CPU
 * time per iteration (mutator_cpu_ns: what cpu_ns is for an in-process
 * row, which these rows, timed by the child, leave empty).
 */
#ifndef MEMPROBE_GCHEAP_H
#define MEMPROBE_GCHEAP_H

#include <stddef.h>
#include <stdint.h>

#include "memprobe/bench.h"
#include "memprobe/cbench.h"
#include "memprobe/topo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Start the collector in this (fresh) process: markers (0: the collector
 * decides) and the free-space divisor (0: default) are set before GC_INIT,
 * incremental mode right after; then threads the collector did not start may
 * register, which also starts the marker threads, which are then pinned
 * (gcheap_pin_markers). */
void gcheap_start(const topo *t, unsigned markers, unsigned long divisor, int incremental);

/* Pin each of libgc's marker threads ("GC-marker-K" in /proc/self/task) to
 * the allowed PU K+1 (modulo the count).  Returns the number pinned. */
int gcheap_pin_markers(const topo *t);

/* Run fn(arg) on one thread pinned to cpu, registered with the collector
 * while fn runs when with_gc is set, and wait at most timeout_s.
 * 0, or -1 with one line in err. */
int gcheap_run_mutator(const topo *t, int cpu, int with_gc, void (*fn)(void *), void *arg, double timeout_s,
                       char *err, size_t errlen);

/* True when the mutator run by gcheap_run_mutator should give up (its
 * thread was abandoned after the timeout). */
int gcheap_mutator_abandoned(void);

/* ---- collected-heap benchmarks in a fresh child per run ---- */

/* Marker threads (1: the mutator marks, alone; the same on every machine)
 * and the heap every run starts with (4 MiB: the heap Go's runtime starts
 * with too; libgc would start smaller and grow it only when the live data
 * needs it, which a run of pure garbage never does). */
#define GCHEAP_BENCH_MARKERS 1
#define GCHEAP_BENCH_HEAP_BYTES (4ull << 20)

/* Bytes every run works through (allocates, or reads and writes), the same
 * on every machine: a fixed iteration count per size instead of
 * libbenchmark's calibration, so that every run does the same work in its
 * heap (the same number of collections on a fast CPU as on a slow one) and
 * a run costs one child, not one per calibration step. */
#define GCHEAP_BENCH_RUN_BYTES (32ull << 20)

/* Register name (with fn and user) once per size: one "size" argument,
 * GCHEAP_BENCH_RUN_BYTES / size iterations (at least 64), manual time, and
 * the fixed-work repetitions (measure_fixed_work_repetitions).  Sizes above
 * max_size are left out (0: no bound). */
void gcheap_bench_register(const bench_config *cfg, const char *name, cbench_fn fn, void *user,
                           const int64_t *sizes, size_t n, int64_t max_size);

/* Parent side, as the benchmark's function (registered with
 * gcheap_bench_register): run each batch in `memprobe __child family
 * variant=V size=BYTES line=BYTES cpus=CPU iterations=N` on the first CPU of
 * t (all allowed ones when t is NULL), take the batch's time from the child,
 * and report the heap counters above plus checksum_errors (a mismatch fails
 * the run); the row is tagged with the mutator's CPU.  line: the cache-line
 * stride of the family's touches. */
void gcheap_bench_run(cbench_state *st, const char *family, const topo *t, const char *variant, size_t size,
                      size_t line);

/* Child side: the arguments gcheap_bench_run passes (iterations= and cpus=
 * are gcheap_bench_child's). */
typedef struct gcheap_bench_args {
    int variant;             /* index into the family's variant names */
    size_t size;             /* bytes, 1 .. 1 GiB */
    size_t line;             /* bytes, 8 .. 4096 (64 when absent) */
} gcheap_bench_args;

/* Parse them; variant= must be one of the n names.  0, or -1 after one line
 * on stderr naming the argument and what is accepted. */
int gcheap_bench_parse(int argc, char **argv, const char *const *variants, int n, gcheap_bench_args *out);

/* Child side: what the family runs in the fresh heap. */
typedef struct gcheap_bench_ops {
    void (*setup)(void *arg);                        /* optional, before the clock */
    uint64_t (*loop)(void *arg, uint64_t iterations); /* the timed operations; a checksum */
    int (*check)(void *arg, uint64_t iterations, uint64_t checksum); /* 0 when the work was done */
    void *arg;
} gcheap_bench_ops;

/* The family's child entry point hands over here after reading its own
 * arguments: parse iterations= and cpus=, start the heap as described
 * above, run setup and the timed loop on a pinned mutator thread registered
 * with the collector, and print the result line (ns=, iterations=, the heap
 * counters, checksum_errors=).  Returns the child's exit status (2 for a bad
 * argument, after one line on stderr). */
int gcheap_bench_child(int argc, char **argv, const char *family, const gcheap_bench_ops *ops);

#ifdef __cplusplus
}
#endif
#endif

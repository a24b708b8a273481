/*
 * harness.c — the "harness" family: what the measuring machinery itself costs
 * on this machine, so every other number can be read against it.
 *
 *   harness/c_loop       the minimal loop body (one read-write DoNotOptimize
 *                        of an integer) written in C through cbench's
 *                        batched loop
 *   harness/native_loop  the same body written natively in C++ against
 *                        libbenchmark (cbench.cc); target: c_loop within
 *                        0.1 ns per iteration of native_loop
 *   harness/clock_now    one clock_now_ns() (CLOCK_MONOTONIC_RAW) read,
 *                        the reference clock of every manual timing
 *
 * The two loops are the same instructions, so that what differs between
 * them is the wrapper alone: the same DoNotOptimize constraint as
 * libbenchmark's (cbench_do_not_optimize_rw), and the C loop counts its
 * batch down as libbenchmark's `for (auto _ : state)` does (with gcc both
 * are `sub $1,%rax; jne`; with clang both store x and `add $-1,%rax; jne`),
 * each loop on a cache line of its own.
 *
 * Budget: about 2 s with --quick; about 5 s by default (9 repetitions of
 * 0.15 s per loop).
 */
#include "memprobe/bench.h"
#include "memprobe/cbench.h"
#include "memprobe/clock.h"

#define HARNESS_QUICK_MIN_TIME 0.2   /* seconds per run with --quick */
#define HARNESS_MIN_TIME 0.15        /* seconds per repetition of a default run */

/* The timed loops start on a cache line of their own (as native_loop's does
 * in cbench.cc): a 1-cycle loop that straddles a 64-byte fetch line runs at
 * half speed on some cores (seen on AMD EPYC), which would be charged to the
 * wrapper although it is code placement. */
#define HARNESS_LOOP_ALIGNED __attribute__((aligned(64)))

HARNESS_LOOP_ALIGNED static void harness_c_loop(cbench_state *st)
{
    for (int64_t n; (n = cbench_next_batch(st)) > 0;)
        for (int64_t i = n; i != 0; i--) {
            int x = 1;
            cbench_do_not_optimize_rw(x);
        }
}

HARNESS_LOOP_ALIGNED static void harness_clock_now(cbench_state *st)
{
    for (int64_t n; (n = cbench_next_batch(st)) > 0;)
        for (int64_t i = 0; i < n; i++) {
            uint64_t t = clock_now_ns();
            cbench_do_not_optimize(t);
        }
}

/* The same minimum time for every loop of the family, C and native alike. */
static void harness_timing(const bench_config *cfg, cbench_bench *b)
{
    if (b)
        cbench_min_time(b, cfg->quick ? HARNESS_QUICK_MIN_TIME : HARNESS_MIN_TIME);
}

static void harness_register_benchmarks(const bench_config *cfg, char *why, size_t whylen)
{
    (void)why;
    (void)whylen;
    harness_timing(cfg, cbench_register("harness/c_loop", harness_c_loop, NULL));
    harness_timing(cfg, cbench_register_native_overhead("harness/native_loop"));
    harness_timing(cfg, cbench_register("harness/clock_now", harness_clock_now, NULL));
}

const bench_family bench_family_harness = {
    .name = "harness",
    .help = "cost of the measuring harness: C batched loop vs native C++ loop, clock read",
    .description = "The wrapper's own cost per iteration: the same minimal loop body (one "
                   "read-write DoNotOptimize of an integer) run through cbench's batched C loop and "
                   "natively in C++ against libbenchmark, plus the cost of one "
                   "CLOCK_MONOTONIC_RAW read. The C loop should be within 0.1 ns per "
                   "iteration of the native one.",
    .min_cpus = 1,
    .register_benchmarks = harness_register_benchmarks,
};

/*
 * clock.c — calibration of the CPU tick counter, the cost of reading the
 * reference clock, and a sleep that survives signals (include/memprobe/clock.h).
 *
 * clock_now_ns() (CLOCK_MONOTONIC_RAW) is the reference.  clock_ticks()
 * (rdtsc / cntvct_el0) is converted with a factor measured once, over about
 * 20 ms, the first time anyone asks; pthread_once makes that thread-safe.
 */
#include "memprobe/clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "memprobe/stats.h"

#define CLOCK_CALIBRATION_NS 20000000ull   /* 20 ms */
#define CLOCK_OVERHEAD_SAMPLES 31
#define CLOCK_OVERHEAD_CALLS 256

static double ns_per_tick = 1.0;
static pthread_once_t ns_per_tick_once = PTHREAD_ONCE_INIT;
static double now_overhead_ns;
static pthread_once_t now_overhead_once = PTHREAD_ONCE_INIT;

/* One (ns, ticks) pair read as close together as possible: the ticks are
 * taken between two clock reads and paired with their midpoint. */
static void clock_pair(uint64_t *ns, uint64_t *ticks)
{
    uint64_t before = clock_now_ns();
    *ticks = clock_ticks();
    uint64_t after = clock_now_ns();
    *ns = before + (after - before) / 2;
}

static void clock_calibrate_ticks(void)
{
    uint64_t ns0, ticks0, ns1, ticks1;
    clock_pair(&ns0, &ticks0);
    do
        clock_pair(&ns1, &ticks1);
    while (ns1 - ns0 < CLOCK_CALIBRATION_NS);
    if (ticks1 > ticks0)
        ns_per_tick = (double)(ns1 - ns0) / (double)(ticks1 - ticks0);
}

double clock_ns_per_tick(void)
{
    pthread_once(&ns_per_tick_once, clock_calibrate_ticks);
    return ns_per_tick;
}

static void clock_measure_now_overhead(void)
{
    double per_call[CLOCK_OVERHEAD_SAMPLES];
    for (int s = 0; s < CLOCK_OVERHEAD_SAMPLES; s++) {
        uint64_t start = clock_now_ns(), sink = 0;
        for (int i = 0; i < CLOCK_OVERHEAD_CALLS; i++)
            sink += clock_now_ns();
        __asm__ volatile("" : : "r,m"(sink) : "memory");
        /* +1: the closing read belongs to the sample too */
        per_call[s] = (double)(clock_now_ns() - start) / (CLOCK_OVERHEAD_CALLS + 1);
    }
    stats_sort(per_call, CLOCK_OVERHEAD_SAMPLES);
    now_overhead_ns = per_call[CLOCK_OVERHEAD_SAMPLES / 2];
}

double clock_now_overhead_ns(void)
{
    pthread_once(&now_overhead_once, clock_measure_now_overhead);
    return now_overhead_ns;
}

void clock_sleep_ns(uint64_t ns)
{
    struct timespec left = {(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)};
    while (nanosleep(&left, &left) != 0 && errno == EINTR) {
    }
}

/*
 * clock.h — timers for measured regions.
 *
 * clock_now_ns() is CLOCK_MONOTONIC_RAW in nanoseconds: the reference for
 * everything reported.  clock_ticks() is the cheapest timestamp the CPU has
 * (rdtsc on x86-64, cntvct_el0 on aarch64), converted with a factor
 * calibrated once against clock_now_ns().
 */
#ifndef MEMPROBE_CLOCK_H
#define MEMPROBE_CLOCK_H

#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

static inline uint64_t clock_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Raw CPU timestamp counter (not serialising). */
static inline uint64_t clock_ticks(void) {
#if defined(__x86_64__) || defined(__i386__)
    return __builtin_ia32_rdtsc();
#elif defined(__aarch64__)
    uint64_t v;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) :: "memory");
    return v;
#else
    return clock_now_ns();
#endif
}

/* Nanoseconds per tick (calibrated on first call, about 20 ms). */
double clock_ns_per_tick(void);
static inline double clock_ticks_to_ns(uint64_t ticks) { return (double)ticks * clock_ns_per_tick(); }
/* Median cost of one clock_now_ns() call in ns (measured once). */
double clock_now_overhead_ns(void);
/* Sleep (nanosleep) for ns nanoseconds. */
void clock_sleep_ns(uint64_t ns);

#ifdef __cplusplus
}
#endif
#endif

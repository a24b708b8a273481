/*
 * perfev.h — the kernel's generic performance events through perf_event_open(2).
 *
 * The second counter backend (counters.c uses it for every event PAPI cannot
 * count): the events every Linux kernel names the same way whatever the CPU
 * and whatever libpfm4 knows about it — software events (page faults, context
 * switches, CPU migrations, task clock), hardware events (cycles,
 * instructions, branch misses, cache references and misses) and hardware-
 * cache events (L1D and last-level read misses).
 *
 * Events are opened one file descriptor each, on the calling thread or on a
 * process and everything it creates afterwards (inherited).  Nothing is ever
 * multiplexed: a read reports NaN for an event that was not running the whole
 * time it was enabled (time_running < time_enabled), never a scaled value.
 */
#ifndef MEMPROBE_PERFEV_H
#define MEMPROBE_PERFEV_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One generic event. */
typedef struct perfev_event {
    const char *name;            /* libpfm4's / PAPI's spelling after "perf::": "PAGE-FAULTS" */
    const char *perf_name;       /* perf(1)'s spelling: "page-faults" */
    unsigned type;               /* PERF_TYPE_SOFTWARE, _HARDWARE or _HW_CACHE */
    unsigned long long config;
} perfev_event;

/* The generic event called name ("PAGE-FAULTS" or "perf::PAGE-FAULTS",
 * case-insensitive), or NULL when the kernel defines no such generic event. */
const perfev_event *perfev_find(const char *name);
/* Number of generic events and the i-th (for listings). */
int perfev_count(void);
const perfev_event *perfev_at(int i);
/* 1 for a software event (counted by the kernel, needs no PMU). */
int perfev_is_software(const perfev_event *e);

/* Open e on the calling thread, enable it, read it, close it.  0 when it
 * counts; else the (positive) errno of the failing step, with
 * "perf_event_open(page-faults): Permission denied (EACCES)" in why. */
int perfev_probe(const perfev_event *e, int exclude_kernel, char *why, size_t len);

typedef struct perfev_set perfev_set;
/* Open n events, disabled: on the calling thread when pid is 0, else on
 * process pid and every thread and child it creates from now on.  An event
 * that fails to open reads NaN; NULL when none opened (or out of memory). */
perfev_set *perfev_open(const perfev_event *const *events, int n, int pid, int exclude_kernel);
/* Zero and enable every event of s.  0, or -1 with errno. */
int perfev_start(perfev_set *s);
/* Read the counts since perfev_start into values (n entries), NaN for an
 * event that did not open or was not counted the whole time it was enabled;
 * with stop, disable the events first.  Returns the number refused because
 * they were multiplexed. */
int perfev_read(perfev_set *s, int stop, double *values);
/* Close every descriptor and free s (NULL is fine). */
void perfev_close(perfev_set *s);

#ifdef __cplusplus
}
#endif
#endif

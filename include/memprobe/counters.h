/*
 * counters.h — hardware and software event counters through PAPI 7.
 *
 * The run's event list is chosen once (--counters): groups in the spirit of
 * likwid's performance groups, or PAPI event names.  Each event is probed:
 * one this machine cannot count (no virtual PMU in a VM, perf_event_paranoid,
 * a PMU without it) is marked unavailable with PAPI's reason and a fix, and
 * its cells stay empty (never zero).  A name PAPI does not know is a usage
 * error.  No multiplexing: events that do not fit together are refused.
 *
 * Counting is per thread: counters_thread_start/stop bracket the timed region
 * on the calling thread.
 *
 * Groups:  core  = cycles, instructions, branch_misses   (PAPI presets)
 *          cache = l1d_misses, l2_misses, llc_misses      (PAPI presets)
 *          sw    = page_faults, context_switches, cpu_migrations
 *                  (perf::PAGE-FAULTS, perf::CONTEXT-SWITCHES, perf::CPU-MIGRATIONS)
 * Default: core,cache,sw (cache dropped with a warning if it does not fit
 * beside core).  Derived metrics where both inputs count: ipc,
 * branch_mpki, l1d_mpki, l2_mpki, llc_mpki.
 */
#ifndef MEMPROBE_COUNTERS_H
#define MEMPROBE_COUNTERS_H

#include <stdio.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Choose the events: "core,sw", "none", "PAPI_TOT_CYC,perf::PAGE-FAULTS",
 * NULL for the default.  Returns 0; or -1 with one line in err for a usage
 * error (unknown group or event, events that cannot be counted together). */
int counters_init(const char *spec, char *err, size_t errlen);
void counters_shutdown(void);

/* Events selected (available or not), in column order. */
int counters_event_count(void);
/* Column name ("cycles", "page_faults", or a sanitised PAPI name). */
const char *counters_event_column(int i);
/* The PAPI name ("PAPI_TOT_CYC", "perf::PAGE-FAULTS"). */
const char *counters_event_papi_name(int i);
int counters_event_available(int i);
/* Why event i is unavailable (PAPI's reason plus the fix), or NULL. */
const char *counters_event_reason(int i);
/* Number of events that will really be counted. */
int counters_available_count(void);
/* 1 when this machine's PMU can count hardware events (cycles) at all,
 * whatever the selection (for the "no hardware counters" warning). */
int counters_hardware_countable(void);

/* Derived metric columns (ipc, *_mpki): count and names. */
int counters_derived_count(void);
const char *counters_derived_column(int i);
/* 1 when column names a derived metric this build computes (ipc,
 * branch_mpki, ...), whether or not the run selected it. */
int counters_derived_known(const char *column);
/* Compute derived metric i from per-event values (NaN where unavailable);
 * returns NaN when an input is missing. */
double counters_derived_value(int i, const double *event_values);

/* Print, once per process, one line per unavailable event with the reason
 * (and a summary line when nothing hardware-related counts). */
void counters_warn_unavailable(FILE *out);

/* Per-thread counting.  start returns an opaque handle (NULL when nothing
 * is countable); stop writes counters_event_count() values into out, NaN
 * for events not counted.  start/stop may be repeated on the same thread. */
typedef struct counters_thread counters_thread;
counters_thread *counters_thread_start(void);
void counters_thread_stop(counters_thread *ct, double *out);

/* Counting another process (added for the Go companion, benches/go.c).
 * Attach to pid before it runs anything (for instance blocked between fork
 * and exec): the process and every thread it creates afterwards are counted
 * (inherited counters).  Through PAPI (PAPI_attach with inheritance); where
 * PAPI refuses (its permission check needs a hardware event, which a VM
 * without a PMU lacks), the perf software events of the selection are
 * opened directly with perf_event_open.  NULL when nothing can be counted. */
typedef struct counters_process counters_process;
counters_process *counters_process_attach(int pid);
/* Totals since attach: counters_event_count() values, NaN where not counted. */
void counters_process_read(counters_process *cp, double *out);
/* Stop counting and free cp (NULL is fine). */
void counters_process_detach(counters_process *cp);
/* How cp counts: "papi" or "perf". */
const char *counters_process_source(const counters_process *cp);

/* `memprobe counters`: every known group event and raw event we tried, with
 * available / unavailable and why. */
void counters_print(FILE *out);

#ifdef __cplusplus
}
#endif
#endif

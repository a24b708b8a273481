/*
 * counters.h — hardware and software event counters: PAPI first, the
 * kernel's generic perf events (perfev.h) where PAPI cannot count.
 *
 * The run's event list is chosen once (--counters): groups in the spirit of
 * likwid's performance groups, the kernel's generic events (perf::NAME), or
 * PAPI event names.  Each event is resolved through the backends the
 * setting allows (--counters-backend auto|papi|perf; auto = PAPI's named
 * events and presets first, then the kernel's generic event of the same
 * meaning).  One that neither can count here (no virtual PMU in a VM,
 * perf_event_paranoid, a PMU without it, PAPI's perf_event component
 * disabled because libpfm4 does not know the CPU) is marked unavailable with
 * every layer's reason and a fix, and its cells stay empty (never zero).  A
 * name nobody knows is a usage error.  No multiplexing: events that do not
 * fit together are refused, and a value the kernel multiplexed is dropped.
 *
 * Counting is per thread: counters_thread_start/stop bracket the timed region
 * on the calling thread.
 *
 * Groups:  core  = cycles, instructions, branch_misses   (PAPI presets | kernel cycles, ...)
 *          cache = l1d_misses, l2_misses, llc_misses      (PAPI presets | kernel L1D/LL read misses;
 *                                                          the kernel has no generic L2 event)
 *          sw    = page_faults, context_switches, cpu_migrations
 *                  (perf::PAGE-FAULTS, perf::CONTEXT-SWITCHES, perf::CPU-MIGRATIONS)
 * Default: core,cache,sw (cache dropped with a warning if it does not fit
 * beside core).  Derived metrics where both inputs count: ipc,
 * branch_mpki, l1d_mpki, l2_mpki, llc_mpki.
 *
 * Environment (read only here): MEMPROBE_COUNTERS_BACKEND=auto|papi|perf is
 * the backend setting when counters_set_backend was not called;
 * MEMPROBE_PAPI_DISABLE=COMPONENT[,...] disables those PAPI components before
 * PAPI starts (how tests see any machine as one whose perf_event component
 * is disabled).
 */
#ifndef MEMPROBE_COUNTERS_H
#define MEMPROBE_COUNTERS_H

#include <stdio.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Which backends may count: "auto", "papi" or "perf" (NULL: back to
 * MEMPROBE_COUNTERS_BACKEND, else auto).  Call before counters_init.
 * Returns 0; or -1 with one line in err naming what is accepted. */
int counters_set_backend(const char *name, char *err, size_t errlen);
/* The backend setting in force: "auto", "papi" or "perf". */
const char *counters_backend_name(void);

/* Choose the events: "core,sw", "none", "PAPI_TOT_CYC,perf::PAGE-FAULTS",
 * NULL for the default.  Returns 0; or -1 with one line in err for a usage
 * error (unknown group or event, events that cannot be counted together, a
 * bad MEMPROBE_COUNTERS_BACKEND).  PAPI starts only when an event needs it. */
int counters_init(const char *spec, char *err, size_t errlen);
void counters_shutdown(void);

/* Events selected (available or not), in column order. */
int counters_event_count(void);
/* Column name ("cycles", "page_faults", or a sanitised PAPI name). */
const char *counters_event_column(int i);
/* The PAPI name counted or tried ("PAPI_TOT_CYC", "perf::PAGE-FAULTS"). */
const char *counters_event_papi_name(int i);
int counters_event_available(int i);
/* Why event i is unavailable (each backend's reason plus the fix), or NULL. */
const char *counters_event_reason(int i);
/* The backend that counts event i: "papi", "perf", or NULL (unavailable). */
const char *counters_event_backend(int i);
/* The kernel's generic event behind event i ("page-faults"), or NULL. */
const char *counters_event_generic_name(int i);
/* Why PAPI does not count event i (when another backend does, or none),
 * or NULL (PAPI counts it, or was not asked). */
const char *counters_event_papi_reason(int i);
/* Number of events that will really be counted. */
int counters_available_count(void);
/* 1 when this machine's PMU can count hardware events (cycles) at all
 * through the backends allowed, whatever the selection (for the "no
 * hardware counters" warning). */
int counters_hardware_countable(void);
/* 1 once PAPI has been started (successfully) in this process. */
int counters_papi_started(void);
/* What other libraries printed while PAPI started, one "label: line" per
 * line (already kept out of memprobe's output), or "". */
const char *counters_library_messages(void);

/* Derived metric columns (ipc, *_mpki): count and names. */
int counters_derived_count(void);
const char *counters_derived_column(int i);
/* 1 when column names a derived metric this build computes (ipc,
 * branch_mpki, ...), whether or not the run selected it. */
int counters_derived_known(const char *column);
/* 1 when column is a counter column any run of this build may have: a
 * group's event, a derived metric, or a raw event's column (papi_..., perf_...). */
int counters_column_known(const char *column);
/* The group events' and derived metrics' columns, ", "-separated. */
const char *counters_known_columns(void);
/* Compute derived metric i from per-event values (NaN where unavailable);
 * returns NaN when an input is missing. */
double counters_derived_value(int i, const double *event_values);

/* Print, once per process, what libraries printed while PAPI started
 * (labelled), one line per unavailable event with the reason, and a summary
 * line when nothing hardware-related counts. */
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
 * (inherited counters).  PAPI's events through PAPI (PAPI_attach with
 * inheritance); the perf-counted events, and PAPI's where PAPI refuses (its
 * permission check needs a hardware event, which a VM without a PMU lacks),
 * through the kernel's generic events.  NULL when nothing can be counted. */
typedef struct counters_process counters_process;
counters_process *counters_process_attach(int pid);
/* Totals since attach: counters_event_count() values, NaN where not counted. */
void counters_process_read(counters_process *cp, double *out);
/* Stop counting and free cp (NULL is fine). */
void counters_process_detach(counters_process *cp);
/* How cp counts: "papi", "perf", or "papi+perf". */
const char *counters_process_source(const counters_process *cp);

/* `memprobe counters`: the backends, every group event and raw event asked
 * for, the backend that counts each and why the other does not. */
void counters_print(FILE *out);
/* `memprobe counters --touch-pages N`: touch N fresh pages (no huge pages)
 * under the counters and print the page_faults count and its backend.  0,
 * or -1 (printed why) when page_faults was not counted. */
int counters_touch_pages(long pages, FILE *out);

#ifdef __cplusplus
}
#endif
#endif

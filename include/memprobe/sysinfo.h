/*
 * sysinfo.h — the machine fingerprint (machine.json) and experimenter warnings.
 *
 * Collected once at start: CPU vendor/model/family/model/stepping/microcode,
 * sockets/cores/PUs/NUMA, caches (hwloc's, and the measured ones from
 * caches.h with their source), MHz, governor, boost, SMT, hypervisor (the
 * kernel's word first; CPUID's and PAPI's as second fields where they
 * differ), kernel, glibc, compiler and flags, library versions (PAPI,
 * hwloc, libbenchmark and whether it is a debug build, libgc),
 * perf_event_paranoid, counter availability and the backend of each
 * column, memprobe version and git revision, the command line, UTC
 * start/end and whether the run completed.
 */
#ifndef MEMPROBE_SYSINFO_H
#define MEMPROBE_SYSINFO_H

#include <stdio.h>
#include <stddef.h>
#include "memprobe/topo.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sysinfo sysinfo;
struct json_object;

/* Collect the fingerprint; argv is recorded as the command line. */
sysinfo *sysinfo_collect(const topo *t, int argc, char **argv);
void sysinfo_free(sysinfo *s);
/* Print a short summary and every warning (VM, governor not performance,
 * boost on, no hardware counters, load average high, SMT siblings in use,
 * libbenchmark debug build). */
void sysinfo_print_summary(const sysinfo *s, FILE *out);
/* Number of warnings and the i-th one (for the report). */
int sysinfo_warning_count(const sysinfo *s);
const char *sysinfo_warning(const sysinfo *s, int i);
/* A field by its machine.json key ("cpu_model", "host", ...) or NULL. */
const char *sysinfo_get(const sysinfo *s, const char *key);
/* The hypervisor as the kernel sees it: "none", a lower-case name ("kvm",
 * "pvm", "xen", ...) or "unknown"; *source (when non-NULL) says where it
 * came from (/sys/hypervisor/type, the kernel log, CPUID 0x40000000,
 * systemd-detect-virt).  Decided once per process. */
const char *sysinfo_hypervisor(const char **source);
/* Physical RAM in bytes. */
unsigned long long sysinfo_ram_bytes(void);
/* Host name (short). */
const char *sysinfo_host(const sysinfo *s);
/* Add a warning (machine.json's "warnings", shown by the report; s may be NULL). */
void sysinfo_add_warning(sysinfo *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Set machine.json's top-level key to value (a json-c object, taken over;
 * NULL writes null; s NULL drops it): the run's own facts, e.g. "files",
 * "interrupted", "placement". */
void sysinfo_put(sysinfo *s, const char *key, struct json_object *value);
/* Record now as the run's end time (end_utc). */
void sysinfo_mark_end(sysinfo *s);
/* Record completed (true only when everything the run set out to write was
 * written) and the measured caches as they stand (the latency family's
 * ladder when it ran; a new disagreement with hwloc is warned about on
 * stderr), then write machine.json atomically into dir; a run writes it
 * when it starts, and again as its very last step. */
int sysinfo_write_json(sysinfo *s, const char *dir, int completed, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif

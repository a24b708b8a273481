/*
 * caches.h — the cache levels this process really has, measured.
 *
 * A virtual machine reports whatever caches the host chose to expose (a
 * 508 MiB "L3" per vCPU, say), and a working set sized from that never
 * leaves the cache.  This module infers the effective levels from a latency
 * ladder (ns per dependent load against working-set size): a change-point
 * fit finds where the curve steps, each step ends a cache level, and the
 * plateau past the last step is memory.  The ladder comes from the latency
 * family when it ran, else from a short built-in probe; when neither shows a
 * step, hwloc's sizes stand in, with the reason.  Families size their
 * working sets from caches_llc_bytes() / caches_dram_bytes().
 */
#ifndef MEMPROBE_CACHES_H
#define MEMPROBE_CACHES_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CACHES_MAX_LEVELS 6

typedef struct caches_level {
    unsigned long long bytes;   /* capacity: where the curve is a quarter of the way up the next step */
    double ns;                  /* plateau latency per dependent load (NaN when not measured) */
} caches_level;

typedef struct caches_levels {
    int n;                                  /* cache levels, nearest first */
    caches_level level[CACHES_MAX_LEVELS];
    double memory_ns;                       /* the plateau past the last step (NaN: none) */
    char source[32];                        /* "latency family", "probe" or "hwloc" */
    char note[256];                         /* why a fallback was taken, or "" */
} caches_levels;

/* Fit a ladder: n working sets (bytes, any order) and their ns per load.
 * A step is a rise of at least 1.5x, made of stretches rising faster than
 * 50% per doubling (single outliers are ignored); the level before it ends
 * where the curve is a quarter (in log) of the way up.  The first plateau
 * at 50 ns or more past a step (else the last plateau) is memory: steps
 * beyond it (TLB reach, page walks) are noted, not counted as caches.  0
 * with out filled (source "") when at least one step was found; else -1
 * with out->n = 0 and the reason in out->note. */
int caches_fit_ladder(const unsigned long long *bytes, const double *ns, size_t n, caches_levels *out);

/* Measure a ladder here: a dependent chase over working sets from 4 KiB up
 * in steps of sqrt(2), at most max_points and max_bytes (bounded further by
 * RAM/8), stopping early once the curve has been flat at memory speed
 * (50 ns or more) for two doublings or budget_ms ran out.  Returns the
 * number of points. */
size_t caches_probe_ladder(unsigned long long *bytes, double *ns, size_t max_points,
                           unsigned long long max_bytes, double budget_ms);

/* The effective levels for this process: the probe's fit (well under a
 * second, at most RAM/8 of memory), else hwloc's sizes with the reason.
 * Computed once per process; thread-safe; never NULL. */
const caches_levels *caches_effective(void);
/* The latency family's full ladder, fitted: from now on caches_inferred()
 * answers with it (a copy is kept). */
void caches_record_ladder(const caches_levels *levels);
/* The latency family's levels when it ran in this process, else
 * caches_effective().  Never NULL. */
const caches_levels *caches_inferred(void);
/* The effective last-level cache in bytes (0 when nothing is known). */
unsigned long long caches_llc_bytes(void);
/* A working set comfortably past the effective LLC (4x it, at least
 * 64 MiB), at most RAM/8. */
unsigned long long caches_dram_bytes(void);
/* When the last level of inferred and hwloc_llc_bytes differ by more than
 * 2x: 1 with a one-line warning in buf; else 0. */
int caches_disagreement(const caches_levels *inferred, unsigned long long hwloc_llc_bytes, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif

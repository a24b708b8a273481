/*
 * gcheap.h — the Boehm collector (libgc) in a family's child process: start
 * it with its settings and its marker threads pinned, and run the mutator on
 * a pinned thread registered with it.
 *
 * The collector's settings (marker count, free-space divisor, incremental
 * mode) are per process and must precede GC_INIT, which is why the gc and
 * hoard families run every configuration in a fresh child (child.h).  The
 * mutator gets the first allowed PU; marker K gets PU K+1 (modulo the count).
 */
#ifndef MEMPROBE_GCHEAP_H
#define MEMPROBE_GCHEAP_H

#include <stddef.h>

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

#ifdef __cplusplus
}
#endif
#endif

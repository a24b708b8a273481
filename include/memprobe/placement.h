/*
 * placement.h — did the CPUs stay where they were during the run?
 *
 * On a VM the host may move the vCPUs while a run goes on, and a pair's
 * core-to-core latency can change tenfold with no sign in the numbers.  So
 * a run probes one pair (the first representative pair, the closest class)
 * with a short c2c load_store ping-pong (PLACEMENT_PROBE_S, pingpong.h) at
 * its start, before the first run of every further pair family (c2c,
 * falseshare, visibility, litmus: the families that start pinned threads
 * through pairs.h) and at its end.  Every pair row is tagged with the probe
 * before it (results.csv column placement_probe = k: measured between probe
 * k and probe k+1); at the end each such row gets the column placement:
 * "changed" when the two probes around it differ by more than
 * PLACEMENT_CHANGE_RATIO, "unknown" when one of them is missing, else
 * "stable" (an aggregate row takes the worst of its repetitions).  The
 * probes go into machine.json ("placement"); a change of more than
 * PLACEMENT_CHANGE_RATIO between any two probes is a warning (stderr and
 * machine.json's warnings, which the report lists).
 */
#ifndef MEMPROBE_PLACEMENT_H
#define MEMPROBE_PLACEMENT_H

#include <stdio.h>
#include "memprobe/cbench.h"
#include "memprobe/output.h"
#include "memprobe/sysinfo.h"
#include "memprobe/topo.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PLACEMENT_PROBE_S 0.1         /* seconds per probe */
#define PLACEMENT_CHANGE_RATIO 2.0    /* probes further apart than this: placement changed */
#define PLACEMENT_MAX_PROBES 32

/* Take the start probe on t's first representative pair, say so on out (may
 * be NULL: "placement: start probe ...") and begin tagging pair rows (a
 * machine with one allowed CPU records why there is none). */
void placement_begin(const topo *t, FILE *out);
/* A pair family's run begins (called by pairs.h): the first run of a pair
 * family after the first one takes a probe; the run is tagged with the
 * index of the latest probe.  Does nothing unless placement_begin ran. */
void placement_enter(cbench_state *st);
/* Take the end probe (when take_end_probe), mark the pair rows of results,
 * record the probes into si's machine.json and warn on out when placement
 * changed.  Ends the tagging.  Returns 1 when it changed, else 0. */
int placement_finish(output_table *results, sysinfo *si, int take_end_probe, FILE *out);

/* One probe's median one-way ns (NaN when it failed) and its label. */
int placement_probe_count(void);
double placement_probe_ns(int i);
/* 1 when two probe medians differ by more than PLACEMENT_CHANGE_RATIO, 0
 * when not, -1 when either is missing (NaN or not positive). */
int placement_differs(double a_ns, double b_ns);
/* Fill column placement of results from the placement_probe tags and the n
 * probe medians ns[] (see the head of this file). */
void placement_mark_rows(output_table *results, const double *ns, int n);

#ifdef __cplusplus
}
#endif
#endif

/*
 * keynumbers.h — this machine's key numbers from a run folder, for the
 * report's summary and the end of the terminal run: the latency ladder's
 * L1/L2/L3/DRAM, one-way core-to-core latency per pair class, 64-byte
 * allocation per allocator, collector pauses per live set, litmus weak
 * rates.  Each is one entry of a table in keynumbers.c (a term of the claim
 * syntax, reduced per group with claims_measure): a family adds its key
 * numbers by adding entries there.
 */
#ifndef MEMPROBE_KEYNUMBERS_H
#define MEMPROBE_KEYNUMBERS_H

#include <stddef.h>
#include <stdio.h>
#include "analysis/runfolder.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One key number: what it is, its value(s) ("1.06 ns", or per group
 * "llc: 210 ns; smt: 18 ns"), and where it comes from. */
typedef struct keynumbers_line {
    char *what, *value, *source;
} keynumbers_line;

/* The key numbers run has (entries whose rows are absent are left out).
 * Returns the count; free *out with keynumbers_free. */
size_t keynumbers_collect(runfolder *run, keynumbers_line **out);
void keynumbers_free(keynumbers_line *lines, size_t n);
/* "  what  value" lines for the terminal. */
void keynumbers_print(const keynumbers_line *lines, size_t n, FILE *out);
/* ns in the unit a reader takes in at a glance: "1.06 ns", "41.2 µs", "2.8 ms". */
char *keynumbers_ns_text(double ns);

#ifdef __cplusplus
}
#endif
#endif

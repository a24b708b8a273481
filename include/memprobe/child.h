/*
 * child.h — both sides of a family's child process
 * (`memprobe __child <family> key=value...`, child_spawn).
 *
 * A family that runs each configuration in a fresh process (gc, hoard)
 * passes key=value arguments; the child prints lines of key=value fields,
 * one of them the "result" line.  The parent side here runs the child once
 * per timed iteration, takes the iteration time from the result line and
 * reads the lines back; the child side parses its arguments and bounds its
 * own resources.
 */
#ifndef MEMPROBE_CHILD_H
#define MEMPROBE_CHILD_H

#include <stddef.h>
#include <time.h>

#include "memprobe/cbench.h"
#include "memprobe/topo.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- arguments (child side) ---- */

/* The value of argument "key=value" in argv, or NULL. */
const char *child_arg(int argc, char **argv, const char *key);

/* Parse argument key (a size: 4096, 64K, 16M, 1G) into *out; def when absent.
 * 0, or -1 after one line on stderr naming the argument and the range lo..hi. */
int child_arg_size(int argc, char **argv, const char *key, unsigned long long def, unsigned long long lo,
                   unsigned long long hi, unsigned long long *out);

/* Parse argument key, one of the n names in choices, into its index.
 * 0, or -1 after one line on stderr naming the argument and the choices. */
int child_arg_choice(int argc, char **argv, const char *key, const char *const *choices, int n, int *out);

/* The topology of the CPUs named by argument "cpus" (all allowed ones when
 * absent), or NULL after one line "__child <family>: why" on stderr. */
topo *child_arg_topo(int argc, char **argv, const char *family);

/* The start of a child entry point: child_arg_topo, then this process's
 * memory capped (child_limit_memory) at what it maps plus extra bytes. */
topo *child_start(int argc, char **argv, const char *family, unsigned long long extra);

/* ---- output lines (parent side) ---- */

/* Find " key=" (or "key=" at the start) in line, which ends at '\n' or
 * '\0', and parse its number.  1 when found, else 0 (*out untouched). */
int child_kv(const char *line, const char *key, double *out);

/* The first line of output starting with "tag " (NULL if none). */
const char *child_line(const char *output, const char *tag);

/* The line of output after the one p points into (NULL at the end). */
const char *child_next_line(const char *p);

/* Parse every "tag ..." line of output into columns: for each line where all
 * nkeys keys parse, value k goes to (*cols)[k * rows + i] (column-major, so
 * each key's values are contiguous).  *cols is malloc'd (NULL when no line
 * matched or out of memory); returns the number of rows filled. */
size_t child_columns(const char *output, const char *tag, const char *const *keys, int nkeys, double **cols);

/* ---- running the child (parent side) ---- */

/* Run `memprobe __child <family> args...` (this executable, in a fresh
 * process) under proc.h's timeout policy with timeout_s; its stdout is
 * captured into *output (malloc'd; NULL: discarded).  Returns its exit
 * status (128 + signal when a signal ended it), or -1 when it could not
 * start or ran out of time (one line on stderr says which). */
int child_spawn(const char *family, const char *const *args, int nargs, double timeout_s, char **output);

/* The timed loop of a benchmark that runs one child per iteration: every
 * iteration runs `memprobe __child family args...` (at most timeout_s) and
 * takes its manual time from the result line's time_key (nanoseconds).
 * Returns the last run's "result" line, inside *output (malloc'd, the
 * caller frees it); or NULL, *output NULL, after failing the benchmark with
 * child_report_failure. */
const char *child_run_timed(cbench_state *st, const char *family, const char *const *args, int nargs,
                            double timeout_s, const char *time_key, char **output);

/* The timed loop of a benchmark that runs one child per batch of
 * iterations (a run of nanosecond operations): each batch of n runs
 * `memprobe __child family args... iterations=n` (at most timeout_s) and
 * takes the batch's manual time from the result line's time_key (ns for all
 * n).  args: at most 64.  Returns and fails as child_run_timed does. */
const char *child_run_batched(cbench_state *st, const char *family, const char *const *args, int nargs,
                              double timeout_s, const char *time_key, char **output);

/* Fail the running benchmark because its child did not deliver a result
 * (rc: child_spawn's status; -1 when it could not start or timed out). */
void child_report_failure(cbench_state *st, int rc);

/* How many times key was seen before: the repetition index of a benchmark
 * whose iterations are fixed at 1 (each call of its function is one
 * repetition).  Keys (up to 199 characters) are copied; at most 512
 * distinct keys per process, later ones count as repetition 0. */
int child_repetition(const char *key);

/* ---- process resources (child side) ---- */

/* Resident set size of this process in bytes (/proc/self/statm), 0 if unreadable. */
unsigned long long child_rss_bytes(void);

/* Cap this process's address space at what it maps now plus extra bytes,
 * so a runaway child fails its allocation instead of pressing the host
 * (skipped under sanitizers, which reserve terabytes of shadow memory). */
void child_limit_memory(unsigned long long extra);

/* CPU time of the given clock (CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID) in ns. */
unsigned long long child_cpu_ns(clockid_t clock);

#ifdef __cplusplus
}
#endif
#endif

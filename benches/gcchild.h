/*
 * gcchild.h — plumbing shared by the two collector families, gc.c and
 * hoard.c (header-only: every function is static inline, so each family
 * stays one object exporting one symbol).
 *
 * Both families run each configuration in a fresh process
 * (`memprobe __child <family> key=value...`, bench_spawn_child) because the
 * collector's settings (marker count, incremental mode) are per process and
 * must precede GC_INIT, and because memory really returns to the operating
 * system only when the process ends.  The parent passes key=value
 * arguments; the child prints lines of key=value fields; both sides parse
 * them with the helpers below.  The child caps its address space, starts the
 * collector with its marker threads pinned, and runs its mutator on a pinned
 * thread registered with the collector.
 */
#ifndef MEMPROBE_GCCHILD_H
#define MEMPROBE_GCCHILD_H

#include <gc/gc.h>

#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "memprobe/bench.h"
#include "memprobe/cbench.h"
#include "memprobe/pin.h"
#include "memprobe/topo.h"

#define GCCHILD_MIB (1024ull * 1024ull)

/* ---- key=value arguments (child side) ---- */

/* The value of argument "key=value" in argv, or NULL. */
static inline const char *gcchild_arg(int argc, char **argv, const char *key)
{
    size_t klen = strlen(key);
    for (int i = 0; i < argc; i++)
        if (strncmp(argv[i], key, klen) == 0 && argv[i][klen] == '=')
            return argv[i] + klen + 1;
    return NULL;
}

/* Parse argument key (a size: 4096, 64K, 16M, 1G) into *out; def when absent.
 * 0, or -1 after one line on stderr naming the argument and the range. */
static inline int gcchild_arg_size(int argc, char **argv, const char *key, unsigned long long def,
                                   unsigned long long lo, unsigned long long hi, unsigned long long *out)
{
    const char *v = gcchild_arg(argc, argv, key);
    *out = def;
    if (!v)
        return 0;
    if (bench_parse_size(v, out) == 0 && *out >= lo && *out <= hi)
        return 0;
    fprintf(stderr, "__child: %s='%s': expected a whole number (K/M/G suffix allowed) from %llu to %llu\n",
            key, v, lo, hi);
    return -1;
}

/* Parse argument key, one of the n names in choices, into its index. */
static inline int gcchild_arg_choice(int argc, char **argv, const char *key, const char *const *choices,
                                     int n, int *out)
{
    const char *v = gcchild_arg(argc, argv, key);
    for (int i = 0; v && i < n; i++)
        if (strcmp(v, choices[i]) == 0) {
            *out = i;
            return 0;
        }
    fprintf(stderr, "__child: %s='%s': expected one of", key, v ? v : "");
    for (int i = 0; i < n; i++)
        fprintf(stderr, "%s %s", i ? "," : "", choices[i]);
    fputc('\n', stderr);
    return -1;
}

/* ---- key=value output lines (parent side) ---- */

/* Find " key=" (or "key=" at the start) in line, which ends at '\n' or
 * '\0', and parse its number.  1 when found, else 0 (*out untouched). */
static inline int gcchild_kv(const char *line, const char *key, double *out)
{
    size_t klen = strlen(key);
    const char *end = line + strcspn(line, "\n");
    for (const char *p = line; (p = strstr(p, key)) != NULL && p < end; p += klen) {
        if ((p == line || p[-1] == ' ') && p[klen] == '=') {
            char *stop;
            double v = strtod(p + klen + 1, &stop);
            if (stop == p + klen + 1 || stop > end)
                return 0;
            *out = v;
            return 1;
        }
    }
    return 0;
}

/* The line of text starting with "tag " in output (NULL if none). */
static inline const char *gcchild_line(const char *output, const char *tag)
{
    size_t tlen = strlen(tag);
    for (const char *p = output; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, tag, tlen) == 0 && p[tlen] == ' ')
            return p;
    return NULL;
}

/* Next line of output after p (NULL at the end). */
static inline const char *gcchild_next_line(const char *p)
{
    p = strchr(p, '\n');
    return p && p[1] ? p + 1 : NULL;
}

/* Parse every "tag ..." line of output into columns: for each line where all
 * nkeys keys parse, value k goes to (*cols)[k * rows + i] (column-major, so
 * each key's values are contiguous).  *cols is malloc'd (NULL when no line
 * matched or out of memory); returns the number of rows filled. */
static inline size_t gcchild_columns(const char *output, const char *tag, const char *const *keys, int nkeys,
                                     double **cols)
{
    size_t lines = 0, tlen = strlen(tag), rows = 0;
    *cols = NULL;
    for (const char *p = gcchild_line(output, tag); p; p = gcchild_next_line(p))
        lines += strncmp(p, tag, tlen) == 0 && p[tlen] == ' ';
    double *v = lines ? malloc(lines * (size_t)nkeys * sizeof *v) : NULL;
    if (!v)
        return 0;
    for (const char *p = gcchild_line(output, tag); p && rows < lines; p = gcchild_next_line(p)) {
        if (strncmp(p, tag, tlen) != 0 || p[tlen] != ' ')
            continue;
        int k = 0;
        while (k < nkeys && gcchild_kv(p, keys[k], &v[(size_t)k * lines + rows]))
            k++;
        rows += k == nkeys;
    }
    /* close the gaps when some lines did not parse */
    for (int k = 1; rows < lines && k < nkeys; k++)
        memmove(&v[(size_t)k * rows], &v[(size_t)k * lines], rows * sizeof *v);
    *cols = v;
    return rows;
}

/* How many times key was seen before: the repetition index of a benchmark
 * whose iterations are fixed at 1 (each call of its function is one
 * repetition).  Keys are copied; at most 512 distinct keys per family. */
static inline int gcchild_repetition(const char *key)
{
    static char keys[512][200];
    static int counts[512];
    static int used;
    for (int i = 0; i < used; i++)
        if (strcmp(keys[i], key) == 0)
            return counts[i]++;
    if (used == 512)
        return 0;
    snprintf(keys[used], sizeof keys[used], "%s", key);
    counts[used] = 1;
    used++;
    return 0;
}

/* Fail the running benchmark because its child did not deliver a result
 * (rc: bench_spawn_child's status; -1 when it could not start or timed out). */
static inline void gcchild_report_failure(cbench_state *st, int rc)
{
    char msg[160];
    if (rc == -1)
        snprintf(msg, sizeof msg, "child process could not be started or ran past its time limit");
    else if (rc == 0)
        snprintf(msg, sizeof msg, "child process printed no result line");
    else
        snprintf(msg, sizeof msg, "child process failed with status %d (its stderr says why)", rc);
    cbench_error(st, msg);
}

/* ---- process resources (child side) ---- */

/* Resident set size of this process in bytes (/proc/self/statm), 0 if unreadable. */
static inline unsigned long long gcchild_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long size = 0, resident = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%llu %llu", &size, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * (unsigned long long)sysconf(_SC_PAGESIZE);
}

/* Sanitizers reserve terabytes of shadow address space: no RLIMIT_AS there. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define GCCHILD_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define GCCHILD_SANITIZED 1
#endif
#endif

/* Cap this process's address space at what it maps now plus extra bytes,
 * so a runaway child fails its allocation instead of pressing the host
 * (skipped under sanitizers; the callers also check RSS themselves). */
static inline void gcchild_limit_memory(unsigned long long extra)
{
#ifndef GCCHILD_SANITIZED
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long pages = 0;
    if (f && fscanf(f, "%llu", &pages) == 1) {
        rlim_t lim = (rlim_t)(pages * (unsigned long long)sysconf(_SC_PAGESIZE) + extra);
        struct rlimit rl = {.rlim_cur = lim, .rlim_max = lim};
        setrlimit(RLIMIT_AS, &rl);
    }
    if (f)
        fclose(f);
#else
    (void)extra;
#endif
}

/* CPU time of the given clock (CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID) in ns. */
static inline unsigned long long gcchild_cpu_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* ---- the collector (child side) ---- */

/* Pin each of libgc's marker threads ("GC-marker-K" in /proc/self/task) to
 * the allowed PU K+1 (modulo the count): the mutator has PU 0.  Returns the
 * number of marker threads pinned. */
static inline int gcchild_pin_markers(const topo *t)
{
    DIR *d = opendir("/proc/self/task");
    int pinned = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        char path[300], comm[64] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (!fgets(comm, sizeof comm, f))
            comm[0] = '\0';
        fclose(f);
        if (strncmp(comm, "GC-marker-", 10) != 0)
            continue;
        int cpu = topo_pu(t, (int)((strtol(comm + 10, NULL, 10) + 1) % topo_pu_count(t)));
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        pinned += sched_setaffinity((pid_t)strtol(e->d_name, NULL, 10), sizeof set, &set) == 0;
    }
    if (d)
        closedir(d);
    return pinned;
}

/* Start the collector in this (fresh) process: markers (0: the collector
 * decides) and the free-space divisor (0: default) are set before GC_INIT,
 * incremental mode right after; then threads the collector did not start may
 * register, which also starts the marker threads, which are then pinned. */
static inline void gcchild_collector_start(const topo *t, unsigned markers, unsigned long divisor, int incremental)
{
    if (markers)
        GC_set_markers_count(markers);
    if (divisor)
        GC_set_free_space_divisor((GC_word)divisor);
    GC_INIT();
    if (incremental)
        GC_enable_incremental();
    GC_allow_register_threads();
    gcchild_pin_markers(t);
}

/* One mutator thread: pinned by pin_group_start, registered with the
 * collector around fn when with_gc is set. */
typedef struct gcchild_mutator {
    void (*fn)(void *arg);
    void *arg;
    int with_gc;
} gcchild_mutator;

static inline void gcchild_mutator_main(void *arg, int index)
{
    (void)index;
    gcchild_mutator *m = arg;
    struct GC_stack_base sb;
    int registered = m->with_gc && GC_get_stack_base(&sb) == GC_SUCCESS &&
                     GC_register_my_thread(&sb) == GC_SUCCESS;
    m->fn(m->arg);
    if (registered)
        GC_unregister_my_thread();
}

/* Run fn(arg) on one thread pinned to cpu and wait at most timeout_s.
 * 0, or -1 with one line in err. */
static inline int gcchild_run_mutator(const topo *t, int cpu, int with_gc, void (*fn)(void *), void *arg,
                                      double timeout_s, char *err, size_t errlen)
{
    gcchild_mutator m = {.fn = fn, .arg = arg, .with_gc = with_gc};
    void *args[1] = {&m};
    pin_group *g = pin_group_start(t, 1, &cpu, gcchild_mutator_main, args, err, errlen);
    if (!g)
        return -1;
    int rc = pin_group_join(g, timeout_s, err, errlen);
    pin_group_free(g);
    return rc;
}

/* True when the mutator should give up (its group was abandoned). */
static inline int gcchild_abandoned(void)
{
    const _Atomic int *flag = pin_current_abandon_flag();
    return flag && atomic_load_explicit(flag, memory_order_acquire);
}

#endif

/*
 * child.c — both sides of a family's child process (see child.h): key=value
 * arguments and output lines, the spawn-per-iteration timed loop, failure
 * messages and the child's own resource bounds.
 */
#include "memprobe/child.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "memprobe/bench.h"
#include "memprobe/proc.h"
#include "memprobe/procfs.h"
#include "memprobe/xalloc.h"

/* ---- arguments (child side) ---- */

const char *child_arg(int argc, char **argv, const char *key)
{
    size_t klen = strlen(key);
    for (int i = 0; i < argc; i++)
        if (strncmp(argv[i], key, klen) == 0 && argv[i][klen] == '=')
            return argv[i] + klen + 1;
    return NULL;
}

int child_arg_size(int argc, char **argv, const char *key, unsigned long long def, unsigned long long lo,
                   unsigned long long hi, unsigned long long *out)
{
    const char *v = child_arg(argc, argv, key);
    *out = def;
    if (!v)
        return 0;
    if (bench_parse_size(v, out) == 0 && *out >= lo && *out <= hi)
        return 0;
    fprintf(stderr, "__child: %s='%s': expected a whole number (K/M/G suffix allowed) from %llu to %llu\n",
            key, v, lo, hi);
    return -1;
}

int child_arg_choice(int argc, char **argv, const char *key, const char *const *choices, int n, int *out)
{
    const char *v = child_arg(argc, argv, key);
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

topo *child_arg_topo(int argc, char **argv, const char *family)
{
    char err[512];
    topo *t = topo_load(child_arg(argc, argv, "cpus"), err, sizeof err);
    if (!t)
        fprintf(stderr, "__child %s: %s\n", family, err);
    return t;
}

topo *child_start(int argc, char **argv, const char *family, unsigned long long extra)
{
    topo *t = child_arg_topo(argc, argv, family);
    if (t)
        child_limit_memory(extra);
    return t;
}

/* ---- output lines (parent side) ---- */

int child_kv(const char *line, const char *key, double *out)
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

/* Does the line at p start with "tag "? */
static int child_line_is(const char *p, const char *tag, size_t tlen)
{
    return strncmp(p, tag, tlen) == 0 && p[tlen] == ' ';
}

const char *child_line(const char *output, const char *tag)
{
    size_t tlen = strlen(tag);
    for (const char *p = output; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (child_line_is(p, tag, tlen))
            return p;
    return NULL;
}

const char *child_next_line(const char *p)
{
    p = strchr(p, '\n');
    return p && p[1] ? p + 1 : NULL;
}

size_t child_columns(const char *output, const char *tag, const char *const *keys, int nkeys, double **cols)
{
    size_t lines = 0, tlen = strlen(tag), rows = 0;
    *cols = NULL;
    for (const char *p = child_line(output, tag); p; p = child_next_line(p))
        lines += child_line_is(p, tag, tlen);
    double *v = lines ? malloc(lines * (size_t)nkeys * sizeof *v) : NULL;
    if (!v)
        return 0;
    for (const char *p = child_line(output, tag); p && rows < lines; p = child_next_line(p)) {
        if (!child_line_is(p, tag, tlen))
            continue;
        int k = 0;
        while (k < nkeys && child_kv(p, keys[k], &v[(size_t)k * lines + rows]))
            k++;
        rows += k == nkeys;
    }
    /* close the gaps when some lines did not parse */
    for (int k = 1; rows < lines && k < nkeys; k++)
        memmove(&v[(size_t)k * rows], &v[(size_t)k * lines], rows * sizeof *v);
    *cols = v;
    return rows;
}

/* ---- running the child (parent side) ---- */

int child_spawn(const char *family, const char *const *args, int nargs, double timeout_s, char **output)
{
    char **argv = xalloc_calloc((size_t)nargs + 4, sizeof *argv);
    argv[0] = (char *)"memprobe";
    argv[1] = (char *)"__child";
    argv[2] = (char *)family;
    for (int i = 0; i < nargs; i++)
        argv[3 + i] = (char *)args[i];
    /* /proc/self/exe itself: the path it points to may have been replaced
     * (a rebuild) while this process runs */
    proc_spec spec = {.path = "/proc/self/exe", .argv = argv, .out = PROC_CAPTURE, .timeout_s = timeout_s};
    proc_result r;
    proc_run(&spec, &r);
    free(argv);
    if (r.status == PROC_TIMED_OUT || r.status == PROC_NOT_STARTED) {
        char why[256];
        proc_describe(&r, timeout_s, why, sizeof why);
        fprintf(stderr, "%s: child process %s\n", family, why);
    }
    if (output)
        *output = r.output;
    else
        proc_result_free(&r);
    return proc_shell_status(&r);
}

/* Run one child and add its result line's time_key (ns) as manual time.
 * Returns its status (-1 also when it printed no usable result line);
 * *out (replaced) holds its output. */
static int child_run_one(cbench_state *st, const char *family, const char *const *args, int nargs,
                         double timeout_s, const char *time_key, char **out)
{
    free(*out);
    *out = NULL;
    int rc = child_spawn(family, args, nargs, timeout_s, out);
    double ns = 0;
    const char *res = rc == 0 && *out ? child_line(*out, "result") : NULL;
    if (res && child_kv(res, time_key, &ns))
        cbench_set_iteration_time(st, ns * 1e-9);
    else
        rc = rc ? rc : -1;
    return rc;
}

/* The last run's result line, or NULL after failing the benchmark. */
static const char *child_last_result(cbench_state *st, int rc, char **out)
{
    const char *result = rc == 0 && *out ? child_line(*out, "result") : NULL;
    if (!result) {
        child_report_failure(st, rc);
        free(*out);
        *out = NULL;
    }
    return result;
}

const char *child_run_timed(cbench_state *st, const char *family, const char *const *args, int nargs,
                            double timeout_s, const char *time_key, char **output)
{
    char *out = NULL;
    int rc = -1;
    for (int64_t n; (n = cbench_next_batch(st)) > 0;)
        for (int64_t i = 0; i < n; i++)
            rc = child_run_one(st, family, args, nargs, timeout_s, time_key, &out);
    const char *result = child_last_result(st, rc, &out);
    *output = out;
    return result;
}

#define CHILD_BATCH_MAX_ARGS 64

const char *child_run_batched(cbench_state *st, const char *family, const char *const *args, int nargs,
                              double timeout_s, const char *time_key, char **output)
{
    char *out = NULL, iterations[40];
    const char *argv[CHILD_BATCH_MAX_ARGS + 1];
    int rc = -1;
    if (nargs > CHILD_BATCH_MAX_ARGS)
        nargs = CHILD_BATCH_MAX_ARGS;
    memcpy(argv, args, (size_t)nargs * sizeof *argv);
    argv[nargs] = iterations;
    for (int64_t n; (n = cbench_next_batch(st)) > 0;) {
        snprintf(iterations, sizeof iterations, "iterations=%lld", (long long)n);
        if ((rc = child_run_one(st, family, argv, nargs + 1, timeout_s, time_key, &out)) != 0)
            break;
    }
    const char *result = child_last_result(st, rc, &out);
    *output = out;
    return result;
}

void child_report_failure(cbench_state *st, int rc)
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

#define CHILD_REPETITION_KEYS 512

int child_repetition(const char *key)
{
    static char keys[CHILD_REPETITION_KEYS][200];
    static int counts[CHILD_REPETITION_KEYS];
    static int used;
    for (int i = 0; i < used; i++)
        if (strcmp(keys[i], key) == 0)
            return counts[i]++;
    if (used == CHILD_REPETITION_KEYS)
        return 0;
    snprintf(keys[used], sizeof keys[used], "%s", key);
    counts[used] = 1;
    used++;
    return 0;
}

/* ---- process resources (child side) ---- */

/* Field `index` (0: total program size, 1: resident set) of
 * /proc/self/statm, in pages; 0 when it cannot be read. */
static unsigned long long child_statm_pages(int index)
{
    char line[256];
    if (procfs_read_line("/proc/self/statm", line, sizeof line) != 0)
        return 0;
    const char *p = line;
    unsigned long long v = 0;
    for (int i = 0; i <= index; i++) {
        char *end;
        errno = 0;
        v = strtoull(p, &end, 10);
        if (end == p || errno != 0)
            return 0;
        p = end;
    }
    return v;
}

unsigned long long child_rss_bytes(void)
{
    return child_statm_pages(1) * (unsigned long long)sysconf(_SC_PAGESIZE);
}

/* Sanitizers reserve terabytes of shadow address space: no RLIMIT_AS there. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CHILD_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CHILD_SANITIZED 1
#endif
#endif

void child_limit_memory(unsigned long long extra)
{
#ifndef CHILD_SANITIZED
    unsigned long long pages = child_statm_pages(0);
    if (pages) {
        rlim_t lim = (rlim_t)(pages * (unsigned long long)sysconf(_SC_PAGESIZE) + extra);
        struct rlimit rl = {.rlim_cur = lim, .rlim_max = lim};
        setrlimit(RLIMIT_AS, &rl);
    }
#else
    (void)extra;
#endif
}

unsigned long long child_cpu_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

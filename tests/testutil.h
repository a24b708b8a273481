/*
 * testutil.h — shared helpers for the cmocka tests: run bin/memprobe and
 * capture its output and exit status, make scratch folders, make a run
 * folder with `memprobe run` and read its tables back.
 */
#ifndef MEMPROBE_TESTUTIL_H
#define MEMPROBE_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memprobe/cbench.h"
#include "memprobe/output.h"
#include "memprobe/topo.h"
#include "memprobe/xalloc.h"

/* The machine-wide measuring lock (runlock.h) of the memprobe runs a test
 * starts: a folder of this test process's own ($MEMPROBE_LOCK_DIR), so that
 * test binaries run at the same time elsewhere on the machine (another
 * checkout's `make test`, a sanitizer build) never wait for each other's
 * runs; runs started by one test binary still share it.  Removed at exit. */
static char testutil_lock_dir[64];
static pid_t testutil_lock_owner;

__attribute__((constructor)) static void testutil_private_lock_dir(void)
{
    if (getenv("MEMPROBE_LOCK_DIR"))
        return;
    snprintf(testutil_lock_dir, sizeof testutil_lock_dir, "/tmp/memprobe-test-lock-XXXXXX");
    if (mkdtemp(testutil_lock_dir)) {
        setenv("MEMPROBE_LOCK_DIR", testutil_lock_dir, 1);
        testutil_lock_owner = getpid();
    }
}

__attribute__((destructor)) static void testutil_remove_lock_dir(void)
{
    char path[128];
    if (!testutil_lock_dir[0] || getpid() != testutil_lock_owner)   /* not in a forked child */
        return;
    snprintf(path, sizeof path, "%s/memprobe.lock", testutil_lock_dir);
    unlink(path);
    rmdir(testutil_lock_dir);
}

/* Run a shell command; returns its exit status, output (stdout+stderr) in a
 * malloc'd string through *output (may be NULL). */
static inline int testutil_run(char **output, const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    char full[8300];
    snprintf(full, sizeof full, "%s 2>&1", cmd);
    FILE *p = popen(full, "r");
    if (!p)
        return -1;
    size_t cap = 4096, len = 0;
    char *buf = xalloc_malloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 1024)
            buf = xalloc_array(buf, cap *= 2, 1);
    }
    buf[len] = '\0';
    int st = pclose(p);
    if (output)
        *output = buf;
    else
        free(buf);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A fresh scratch folder under /tmp (path written into buf). */
static inline void testutil_scratch(char *buf, size_t len)
{
    snprintf(buf, len, "/tmp/memprobe-test-XXXXXX");
    if (!mkdtemp(buf))
        abort();
}

/* Count lines in a string. */
static inline int testutil_count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* The memprobe binary under test: $MEMPROBE_BIN (sanitizer builds set it),
 * else ./bin/memprobe.  Use as a runtime string, e.g. with "%s". */
static inline const char *testutil_bin(void)
{
    const char *b = getenv("MEMPROBE_BIN");
    return b && *b ? b : "./bin/memprobe";
}
#define MEMPROBE_BIN testutil_bin()

/* Group fixture for tests that drive the memprobe binary: its absolute path
 * into bin (PATH_MAX bytes) and a fresh scratch folder into scratch.
 * 0, or -1 when the binary is not there. */
static inline int testutil_binary_setup(char *bin, char *scratch, size_t scratchlen)
{
    if (!realpath(MEMPROBE_BIN, bin))
        return -1;
    testutil_scratch(scratch, scratchlen);
    return 0;
}

/* Load the real machine's topology (the CPUs this process may use) into
 * *slot for a test group; with_cbench also initialises libbenchmark, for
 * families whose runs go through cbench.  0, or -1 with the reason printed. */
static inline int testutil_load_machine(topo **slot, int with_cbench)
{
    char err[256];
    if (with_cbench) {
        char *argv[] = {"memprobe-test", NULL};
        cbench_init(1, argv);
    }
    *slot = topo_load(NULL, err, sizeof err);
    if (!*slot)
        fprintf(stderr, "topo_load: %s\n", err);
    return *slot ? 0 : -1;
}

/* A test group's machine: testutil_group_setup loads the real topology (and
 * initialises libbenchmark) into testutil_machine, testutil_group_teardown
 * frees it; pass both to cmocka_run_group_tests. */
static topo *testutil_machine __attribute__((unused));
static inline int testutil_group_setup(void **state)
{
    (void)state;
    return testutil_load_machine(&testutil_machine, 1);
}
static inline int testutil_group_teardown(void **state)
{
    (void)state;
    topo_free(testutil_machine);
    testutil_machine = NULL;
    return 0;
}

/* The first two allowed CPUs of t as a pair, or skip the test. */
static inline topo_pair testutil_first_pair(const topo *t)
{
    if (topo_pu_count(t) < 2)
        skip();
    int a = topo_pu(t, 0), b = topo_pu(t, 1);
    return (topo_pair){a, b, topo_pair_classify(t, a, b)};
}

/* `ENV memprobe run ARGS --out DIR/run` (env may be NULL), with DIR a fresh
 * scratch folder and a time bound: the run folder's path into run (runlen
 * bytes).  Returns the output (stdout and stderr, malloc'd); the test fails,
 * showing it, unless memprobe exits 0.  testutil_remove_run removes DIR. */
static inline char *testutil_memprobe_run(char *run, size_t runlen, const char *env, const char *args_fmt, ...)
{
    char scratch[64], args[4096], *out = NULL;
    va_list ap;
    va_start(ap, args_fmt);
    vsnprintf(args, sizeof args, args_fmt, ap);
    va_end(ap);
    testutil_scratch(scratch, sizeof scratch);
    snprintf(run, runlen, "%s/run", scratch);
    int rc = testutil_run(&out, "%s timeout 300 %s run %s --out %s", env ? env : "", MEMPROBE_BIN, args, run);
    if (rc != 0)
        fail_msg("memprobe run %s failed (%d):\n%s", args, rc, out);
    return out;
}

/* Remove the scratch folder testutil_memprobe_run made for run. */
static inline void testutil_remove_run(const char *run)
{
    testutil_run(NULL, "rm -rf \"$(dirname '%s')\"", run);
}

/* Write text into dir/name, replacing it (mode "w") or at its end ("a"). */
static inline void testutil_write_file(const char *dir, const char *name, const char *mode, const char *text)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, mode);
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* dir/file (a CSV: results.csv, a side table) parsed; NULL, with the reason
 * printed, when it cannot be read. */
static inline output_table *testutil_read_csv(const char *dir, const char *file)
{
    char path[PATH_MAX + 64], err[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    output_table *t = output_table_read_csv(path, err, sizeof err);
    if (!t)
        print_error("%s\n", err);
    return t;
}

/* 1 when t has a column called name. */
static inline int testutil_has_column(const output_table *t, const char *name)
{
    for (size_t i = 0; i < output_table_column_count(t); i++)
        if (strcmp(output_table_column(t, i), name) == 0)
            return 1;
    return 0;
}

/* The first row of t whose column holds value (and column2 value2, unless
 * column2 is NULL), or -1. */
static inline long testutil_find_row(const output_table *t, const char *column, const char *value,
                                     const char *column2, const char *value2)
{
    for (size_t r = 0; r < output_table_row_count(t); r++) {
        const char *a = output_table_cell(t, r, column), *b = column2 ? output_table_cell(t, r, column2) : NULL;
        if (a && strcmp(a, value) == 0 && (!column2 || (b && strcmp(b, value2) == 0)))
            return (long)r;
    }
    return -1;
}

#endif

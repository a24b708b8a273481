/*
 * testutil.h — shared helpers for the cmocka tests: run bin/memprobe and
 * capture its output and exit status, make scratch folders.
 */
#ifndef MEMPROBE_TESTUTIL_H
#define MEMPROBE_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
    char *buf = malloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 1024)
            buf = realloc(buf, cap *= 2);
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

#endif

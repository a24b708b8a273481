/*
 * xalloc.c — allocation that succeeds or ends the process (see xalloc.h).
 */
#include "memprobe/xalloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void xalloc_fail(size_t size) __attribute__((noreturn));
static void xalloc_fail(size_t size)
{
    char line[128];
    int n = snprintf(line, sizeof line, "memprobe: out of memory (asked for %zu bytes); stopping\n", size);
    if (n > 0) {
        ssize_t w = write(STDERR_FILENO, line, (size_t)n);   /* no stdio: it may need memory */
        (void)w;
    }
    exit(XALLOC_EXIT_STATUS);
}

void *xalloc_malloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        xalloc_fail(size);
    return p;
}

void *xalloc_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        xalloc_fail(n * size);
    return p;
}

void *xalloc_array(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        xalloc_fail(SIZE_MAX);
    size_t bytes = n * size;
    void *q = realloc(p, bytes ? bytes : 1);
    if (!q)
        xalloc_fail(bytes);
    return q;
}

void xalloc_list_push(char ***list, size_t *n, const char *s)
{
    *list = xalloc_array(*list, *n + 1, sizeof **list);
    (*list)[(*n)++] = xalloc_strdup(s);
}

void xalloc_free_list(char **list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        free(list[i]);
    free(list);
}

void xalloc_free_strings(size_t n, ...)
{
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        free(va_arg(ap, char *));
    va_end(ap);
}

char *xalloc_strdup(const char *s)
{
    return xalloc_strndup(s, strlen(s));
}

char *xalloc_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = xalloc_malloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

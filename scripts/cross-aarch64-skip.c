/*
 * cross-aarch64-skip.c — drops named cmocka tests from a test binary run
 * under qemu-user (scripts/cross-aarch64.sh preloads it into the emulated
 * process; never linked into memprobe).
 *
 * $MEMPROBE_QEMU_SKIP is a colon-separated list of test function names
 * (not commas: qemu's -E splits its argument at commas).  Our
 * _cmocka_run_group_tests wraps libcmocka's: it prints one "[  SKIPPED ]"
 * line per listed test and runs the others.  A listed name the binary does
 * not have is an error (exit 1), so the skip list cannot go stale unnoticed.
 * The constructor removes LD_PRELOAD and the list from the environment so
 * that host programs the tests start (sh, taskset) never see them.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

typedef int (*run_group_fn)(const char *, const struct CMUnitTest *, size_t,
                            CMFixtureFunction, CMFixtureFunction);

static char *skip_list;   /* ":name1:name2:" or NULL */

__attribute__((constructor)) static void skip_take_environment(void)
{
    const char *list = getenv("MEMPROBE_QEMU_SKIP");
    if (list && *list) {
        size_t n = strlen(list) + 3;
        skip_list = malloc(n);
        if (skip_list)
            snprintf(skip_list, n, ":%s:", list);
    }
    unsetenv("MEMPROBE_QEMU_SKIP");
    unsetenv("LD_PRELOAD");
}

static int skip_listed(const char *name)
{
    char key[512];
    snprintf(key, sizeof key, ":%s:", name);
    return skip_list && strstr(skip_list, key) != NULL;
}

/* 1 when every name in the skip list is one of the group's tests. */
static int skip_names_known(const struct CMUnitTest *tests, size_t n)
{
    int ok = 1;
    for (char *p = skip_list ? skip_list + 1 : NULL; p && *p; p = strchr(p, ':') + 1) {
        size_t len = strcspn(p, ":");
        int found = 0;
        for (size_t i = 0; i < n && !found; i++)
            found = strlen(tests[i].name) == len && strncmp(tests[i].name, p, len) == 0;
        if (!found) {
            fprintf(stderr, "qemu skip list names %.*s, which this binary does not have\n", (int)len, p);
            ok = 0;
        }
    }
    return ok;
}

int _cmocka_run_group_tests(const char *group_name, const struct CMUnitTest *const tests,
                            const size_t num_tests, CMFixtureFunction group_setup,
                            CMFixtureFunction group_teardown)
{
    run_group_fn real = (run_group_fn)dlsym(RTLD_NEXT, "_cmocka_run_group_tests");
    if (!real || !skip_names_known(tests, num_tests))
        exit(1);
    struct CMUnitTest *kept = calloc(num_tests ? num_tests : 1, sizeof *kept);
    if (!kept)
        exit(1);
    size_t n = 0;
    for (size_t i = 0; i < num_tests; i++) {
        if (skip_listed(tests[i].name))
            printf("[  SKIPPED ] %s (cannot run under qemu-user: scripts/cross-aarch64.sh says why)\n",
                   tests[i].name);
        else
            kept[n++] = tests[i];
    }
    fflush(stdout);
    int rc = real(group_name, kept, n, group_setup, group_teardown);
    free(kept);
    return rc;
}

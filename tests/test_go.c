/*
 * test_go.c — the Go companion (benches/go.c, benches/go/): the escape
 * report parses into per-function escape flags (a fixture, and the real
 * report when Go is installed); one forced runtime.GC() is exactly one
 * pause; the companion's pause percentiles are the C side's definition; the companion's rows land in results.csv beside C rows with the
 * same columns; without a Go toolchain the suite runs and says the
 * companion was skipped.  Tests that need Go skip without it.
 */
#include "testutil.h"

#include <json-c/json.h>

#include "memprobe/output.h"
#include "memprobe/stats.h"

#include <math.h>

#define GO_COMPANION "./bin/memprobe-go"

static int go_built(void)
{
    return access(GO_COMPANION, X_OK) == 0;
}

/* The flag the escape report gives function name ("name 0|1" lines), or -1. */
static int escape_flag(const char *report, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = report; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, name, n) == 0 && p[n] == ' ')
            return atoi(p + n + 1);
    return -1;
}

static void test_escape_fixture(void **state)
{
    (void)state;
    char *out = NULL;
    int rc = testutil_run(&out, "%s __child go escapes tests/fixtures/go-escape.txt", MEMPROBE_BIN);
    assert_int_equal(rc, 0);
    assert_int_equal(escape_flag(out, "fastPath64"), 0);
    assert_int_equal(escape_flag(out, "slowPath64"), 1);
    assert_int_equal(escape_flag(out, "loopFast64"), 0);
    assert_int_equal(escape_flag(out, "hotStack"), 0);
    assert_int_equal(escape_flag(out, "hotHeap"), 1);
    assert_int_equal(escape_flag(out, "hotExpected"), 0);
    assert_int_equal(escape_flag(out, "mutexPingPong"), 1);
    assert_int_equal(escape_flag(out, "noSuchFunction"), -1);
    free(out);
}

static void test_escape_bad_input(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(testutil_run(&out, "%s __child go escapes /nonexistent/escape.txt", MEMPROBE_BIN), 2);
    assert_non_null(strstr(out, "/nonexistent/escape.txt"));
    free(out);
}

/* The compiler's real report: every SlowPath escapes, no FastPath does. */
static void test_escape_real(void **state)
{
    (void)state;
    if (!go_built() || access(GO_COMPANION ".escape.txt", R_OK) != 0)
        skip();
    char *out = NULL;
    assert_int_equal(testutil_run(&out, "%s __child go escapes " GO_COMPANION ".escape.txt", MEMPROBE_BIN), 0);
    static const char *const sizes[] = {"8", "16", "32", "64", "128", "256", "512", "1024"};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char fast[32], slow[32];
        snprintf(fast, sizeof fast, "fastPath%s", sizes[i]);
        snprintf(slow, sizeof slow, "slowPath%s", sizes[i]);
        assert_int_equal(escape_flag(out, fast), 0);
        assert_int_equal(escape_flag(out, slow), 1);
    }
    assert_int_equal(escape_flag(out, "hotStack"), 0);
    assert_int_equal(escape_flag(out, "hotHeap"), 1);
    free(out);
}

static json_object *json_key(json_object *o, const char *k)
{
    json_object *v = NULL;
    return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

/* One forced runtime.GC() with automatic collection off: exactly one pause. */
static void test_gc_once_is_one_pause(void **state)
{
    (void)state;
    if (!go_built())
        skip();
    char *out = NULL;
    assert_int_equal(testutil_run(&out, "timeout 60 " GO_COMPANION " -mode gc-once 2>/dev/null"), 0);
    json_object *doc = json_tokener_parse(out);
    assert_non_null(doc);
    json_object *pauses = json_key(doc, "pauses");
    assert_non_null(pauses);
    assert_int_equal(json_object_array_length(pauses), 1);
    assert_true(json_object_get_int64(json_key(json_object_array_get_idx(pauses, 0), "pause_ns")) > 0);
    json_object *b = json_object_array_get_idx(json_key(doc, "benchmarks"), 0);
    json_object *c = json_key(json_object_array_get_idx(json_key(b, "reps"), 0), "counters");
    assert_int_equal(json_object_get_int(json_key(c, "collections")), 1);
    /* the histogram sees the cycle's two stop-the-world phases */
    assert_int_equal(json_object_get_int(json_key(c, "stw_phases")), 2);
    json_object_put(doc);
    free(out);
}

/* The Go companion's pause percentiles are the C side's: recomputed here
 * with stats_percentile from the pauses it lists, they must match the
 * pause_p50_ns and pause_p99_ns it reported (one definition, both runtimes). */
static void test_percentiles_match_c(void **state)
{
    (void)state;
    if (!go_built())
        skip();
    char *out = NULL;
    assert_int_equal(testutil_run(&out, "timeout 60 " GO_COMPANION " -mode gc -live 1000000 -duration 200ms 2>/dev/null"),
                     0);
    json_object *doc = json_tokener_parse(out);
    assert_non_null(doc);
    json_object *pauses = json_key(doc, "pauses");
    size_t n = pauses ? json_object_array_length(pauses) : 0;
    if (n < 3) {
        print_message("skipped: the collector paused %zu times in 200 ms; 3 needed to compare percentiles\n", n);
        json_object_put(doc);
        free(out);
        skip();
    }
    double *v = malloc(n * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = (double)json_object_get_int64(json_key(json_object_array_get_idx(pauses, i), "pause_ns"));
    json_object *b = json_object_array_get_idx(json_key(doc, "benchmarks"), 0);
    json_object *c = json_key(json_object_array_get_idx(json_key(b, "reps"), 0), "counters");
    double p50 = json_object_get_double(json_key(c, "pause_p50_ns"));
    double p99 = json_object_get_double(json_key(c, "pause_p99_ns"));
    assert_true(fabs(stats_percentile(v, n, 50) - p50) <= 1e-9 * p50);
    assert_true(fabs(stats_percentile(v, n, 99) - p99) <= 1e-9 * p99);
    free(v);
    json_object_put(doc);
    free(out);
}

static void test_companion_bad_input(void **state)
{
    (void)state;
    if (!go_built())
        skip();
    char *out = NULL;
    assert_int_equal(testutil_run(&out, GO_COMPANION " -mode micro -run 'passing/go_fastpath=7'"), 2);
    assert_non_null(strstr(out, "size 7"));
    free(out);
}

static void assert_cell(const output_table *t, long r, const char *col, const char *want)
{
    const char *v = output_table_cell(t, (size_t)r, col);
    assert_non_null(v);
    assert_string_equal(v, want);
}

/* A C row and a Go row of one family land in one results.csv, same columns. */
static void test_rows_beside_c_rows(void **state)
{
    (void)state;
    if (!go_built())
        skip();
    char run[128];
    free(testutil_memprobe_run(run, sizeof run, NULL,
                               "--quick --counters none --filter 'passing/(by_value|go_fastpath)$'"));
    output_table *t = testutil_read_csv(run, "results.csv");
    assert_non_null(t);
    long c = testutil_find_row(t, "benchmark", "passing/by_value/size:64", NULL, NULL);
    long g = testutil_find_row(t, "benchmark", "passing/go_fastpath/size:64", NULL, NULL);
    assert_true(c >= 0 && g >= 0);
    assert_cell(t, c, "runtime", "c");
    assert_cell(t, g, "runtime", "go");
    static const char *const same[] = {"family", "variant", "size", "status"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        const char *a = output_table_cell(t, (size_t)c, same[i]);
        const char *b = output_table_cell(t, (size_t)g, same[i]);
        assert_non_null(a);
        assert_non_null(b);
        if (strcmp(same[i], "variant") != 0)
            assert_string_equal(a, b);
    }
    assert_cell(t, g, "status", "ok");
    assert_cell(t, g, "escapes", "0");
    assert_true(strtod(output_table_cell(t, (size_t)g, "real_ns"), NULL) > 0);
    assert_cell(t, g, "iterations", "1");
    output_table_free(t);
    testutil_remove_run(run);
}

/* No Go toolchain: the family says why (one line, how to install Go), and
 * the suite runs on without Go rows.  (Under --filter the harness hides the
 * reasons of families that registered nothing, so the message is checked
 * through `memprobe list`, which registers every family unfiltered.) */
static void test_skipped_without_go(void **state)
{
    (void)state;
    char run[128], *out = NULL;
    int rc = testutil_run(&out, "MEMPROBE_GO=/nonexistent timeout 60 %s list --quick", MEMPROBE_BIN);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "go: skipped: go toolchain not found: apt-get install golang-go"));
    assert_null(strstr(out, "passing/go_fastpath"));
    free(out);
    free(testutil_memprobe_run(run, sizeof run, "MEMPROBE_GO=/nonexistent",
                               "--quick --counters none --filter 'passing/by_value$|passing/go_'"));
    output_table *t = testutil_read_csv(run, "results.csv");
    assert_non_null(t);
    int go_rows = 0;
    for (size_t r = 0; r < output_table_row_count(t); r++) {
        const char *rt = output_table_cell(t, r, "runtime");
        go_rows += rt && strcmp(rt, "go") == 0;
    }
    assert_int_equal(go_rows, 0);
    assert_true(testutil_find_row(t, "variant", "by_value", NULL, NULL) >= 0);
    output_table_free(t);
    testutil_remove_run(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_fixture),
        cmocka_unit_test(test_escape_bad_input),
        cmocka_unit_test(test_escape_real),
        cmocka_unit_test(test_gc_once_is_one_pause),
        cmocka_unit_test(test_percentiles_match_c),
        cmocka_unit_test(test_companion_bad_input),
        cmocka_unit_test(test_rows_beside_c_rows),
        cmocka_unit_test(test_skipped_without_go),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

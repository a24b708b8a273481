/*
 * test_integration.c — the path from command line to run folder: a --quick
 * latency run produces results.csv (parsed with libcsv) in the documented
 * column contract, gbench.json and machine.json (parsed with json-c);
 * a raw PAPI event given with --counters is a counter column everywhere (in
 * the counter block of results.csv, in machine.json, to the run-folder
 * reader); SIGINT keeps completed rows and marks the run incomplete; two runs
 * at once get separate folders.
 */
#include "testutil.h"

#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <signal.h>

#include "memprobe/output.h"
#include "memprobe/results.h"
#include "analysis/runfolder.h"

static char bin[PATH_MAX];
static char scratch[64];

static int setup(void **state)
{
    (void)state;
    return testutil_binary_setup(bin, scratch, sizeof scratch);
}

static int teardown(void **state)
{
    (void)state;
    testutil_run(NULL, "rm -rf %s", scratch);
    return 0;
}

static json_object *read_json(const char *dir, const char *name)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    json_object *j = json_object_from_file(path);
    if (!j)
        print_error("%s does not parse: %s\n", path, json_util_get_last_err());
    return j;
}

static void test_quick_latency_run(void **state)
{
    (void)state;
    char dir[PATH_MAX], *out = NULL;
    snprintf(dir, sizeof dir, "%s/run-latency", scratch);
    int rc = testutil_run(&out, "%s run --quick --filter latency --out %s", bin, dir);
    if (rc != 0)
        print_error("%s\n", out);
    assert_int_equal(rc, 0);
    free(out);

    output_table *t = testutil_read_csv(dir, "results.csv");
    assert_non_null(t);
    /* the column contract, in order where it is fixed */
    const char *const lead[] = {"family", "benchmark", "variant", "working_set", "threads", "cpus",
                                "pair_class", "allocator", "runtime", "run_type", "aggregate",
                                "repetition", "iterations", "real_ns", "cpu_ns"};
    for (size_t i = 0; i < sizeof lead / sizeof *lead; i++)
        assert_string_equal(output_table_column(t, i), lead[i]);
    assert_string_equal(output_table_column(t, output_table_column_count(t) - 1), "message");
    size_t rows = output_table_row_count(t);
    assert_true(rows >= 5);
    int saw_16k = 0;
    for (size_t r = 0; r < rows; r++) {
        assert_string_equal(output_table_cell(t, r, "family"), "latency");
        assert_string_equal(output_table_cell(t, r, "allocator"), "glibc");
        /* the base-page ladder always runs; the huge-page ladders run or say why not */
        const char *policy = output_table_cell(t, r, "page_policy");
        int base = strcmp(output_table_cell(t, r, "variant"), "chase") == 0;
        assert_string_equal(policy, base ? "base" : strstr(output_table_cell(t, r, "variant"), "thp") ? "thp" : "hugetlb");
        if (strcmp(output_table_cell(t, r, "status"), "ok") != 0) {
            assert_false(base);
            assert_string_equal(output_table_cell(t, r, "status"), "skipped");
            assert_true(strlen(output_table_cell(t, r, "message")) > 10);
            continue;
        }
        assert_true(strtod(output_table_cell(t, r, "real_ns"), NULL) > 0);
        /* base pages hold no huge page (empty where smaps cannot be read: qemu-user) */
        if (base && *output_table_cell(t, r, "huge_page_fraction"))
            assert_string_equal(output_table_cell(t, r, "huge_page_fraction"), "0");
        saw_16k |= strcmp(output_table_cell(t, r, "working_set"), "16384") == 0;
    }
    assert_true(saw_16k);
    output_table_free(t);

    json_object *g = read_json(dir, "gbench.json"), *benchmarks;
    assert_non_null(g);
    assert_true(json_object_object_get_ex(g, "benchmarks", &benchmarks));
    assert_int_equal((int)json_object_array_length(benchmarks), (int)rows);
    assert_true(json_object_object_get_ex(g, "context", NULL));
    json_object_put(g);

    json_object *m = read_json(dir, "machine.json"), *completed;
    assert_non_null(m);
    assert_true(json_object_object_get_ex(m, "completed", &completed));
    assert_true(json_object_get_boolean(completed));
    assert_true(json_object_object_get_ex(m, "cpu_model", NULL));
    json_object_put(m);
}

/* Unavailable counters: the column exists and every cell is empty, never 0. */
static void test_unavailable_counter_cells_empty(void **state)
{
    (void)state;
    char dir[PATH_MAX], *out = NULL;
    snprintf(dir, sizeof dir, "%s/run-counters", scratch);
    int rc = testutil_run(&out, "%s run --quick --filter latency --out %s", bin, dir);
    assert_int_equal(rc, 0);
    free(out);
    json_object *m = read_json(dir, "machine.json"), *counters;
    assert_non_null(m);
    assert_true(json_object_object_get_ex(m, "counters", &counters));
    output_table *t = testutil_read_csv(dir, "results.csv");
    assert_non_null(t);
    int checked = 0;
    for (size_t i = 0; i < json_object_array_length(counters); i++) {
        json_object *c = json_object_array_get_idx(counters, i), *col, *avail;
        assert_true(json_object_object_get_ex(c, "column", &col));
        assert_true(json_object_object_get_ex(c, "available", &avail));
        const char *name = json_object_get_string(col);
        int found = 0;
        for (size_t k = 0; k < output_table_column_count(t); k++)
            found |= strcmp(output_table_column(t, k), name) == 0;
        assert_true(found);
        for (size_t r = 0; r < output_table_row_count(t); r++) {
            const char *cell = output_table_cell(t, r, name);
            if (!json_object_get_boolean(avail))
                assert_null(cell);     /* empty, never "0" */
            else
                assert_non_null(cell);
        }
        checked++;
    }
    assert_true(checked > 0);
    output_table_free(t);
    json_object_put(m);
}

/* Index of column name in t, or -1. */
static long column_index(const output_table *t, const char *name)
{
    for (size_t k = 0; k < output_table_column_count(t); k++)
        if (strcmp(output_table_column(t, k), name) == 0)
            return (long)k;
    return -1;
}

/* A raw event (not in any group) given with --counters: its column stands in
 * the counter block of results.csv (right after items_per_second, in
 * machine.json's order, before the families' own columns), machine.json lists
 * it, and the run-folder reader counts it as a counter column, not a family's. */
static void test_raw_counter_is_a_counter_column(void **state)
{
    (void)state;
    const char *raw = "PAPI_L1_ICM", *column = "papi_l1_icm";
    if (testutil_run(NULL, "%s counters --counters %s", bin, raw) != 0) {
        print_message("skipped: PAPI does not know %s on this machine\n", raw);
        skip();
    }
    char dir[PATH_MAX], *out = NULL, err[512];
    snprintf(dir, sizeof dir, "%s/run-raw-counter", scratch);
    int rc = testutil_run(&out, "%s run --quick --filter latency --counters sw,%s --out %s", bin, raw, dir);
    if (rc != 0)
        print_error("%s\n", out);
    assert_int_equal(rc, 0);
    free(out);
    output_table *t = testutil_read_csv(dir, "results.csv");
    json_object *m = read_json(dir, "machine.json"), *counters;
    assert_non_null(t);
    assert_non_null(m);
    assert_true(json_object_object_get_ex(m, "counters", &counters));
    long first = column_index(t, "items_per_second") + 1, listed = -1;
    assert_true(first > 0);
    for (size_t i = 0; i < json_object_array_length(counters); i++) {
        json_object *col;
        assert_true(json_object_object_get_ex(json_object_array_get_idx(counters, i), "column", &col));
        assert_int_equal(column_index(t, json_object_get_string(col)), first + (long)i);
        if (strcmp(json_object_get_string(col), column) == 0)
            listed = (long)i;
    }
    assert_true(listed >= 0);
    assert_false(results_column_is_fixed(column));
    runfolder *run = runfolder_open(dir, err, sizeof err);
    assert_non_null(run);
    assert_true(runfolder_is_counter_column(run, column));
    assert_false(runfolder_is_counter_column(run, "working_set"));   /* the family's own */
    runfolder_free(run);
    output_table_free(t);
    json_object_put(m);
}

static void test_sigint_keeps_rows(void **state)
{
    (void)state;
    char dir[PATH_MAX], *out = NULL;
    snprintf(dir, sizeof dir, "%s/run-sigint", scratch);
    /* the full ladder takes far longer than the delay before the signal */
    /* wait until the first benchmark reported progress ("[k/N] ..."), then interrupt */
    int rc = testutil_run(&out, "%s run --filter latency --repetitions 3 --out %s >/dev/null 2>%s/sigint.log & pid=$!; "
                                "while ! grep -q '^\\[[0-9]*/' %s/sigint.log && kill -0 $pid 2>/dev/null; do sleep 0.1; done; "
                                "kill -INT $pid; wait $pid", bin, dir, scratch, scratch);
    assert_true(rc != 0);
    free(out);
    json_object *m = read_json(dir, "machine.json"), *completed;
    assert_non_null(m);
    assert_true(json_object_object_get_ex(m, "completed", &completed));
    assert_false(json_object_get_boolean(completed));
    json_object_put(m);
    output_table *t = testutil_read_csv(dir, "results.csv");
    assert_non_null(t);
    size_t ok = 0;
    for (size_t r = 0; r < output_table_row_count(t); r++)
        ok += strcmp(output_table_cell(t, r, "status"), "ok") == 0;
    assert_true(ok >= 1);
    output_table_free(t);
    char *listing = NULL;
    testutil_run(&listing, "ls -a %s | grep -c '\\.tmp\\.' || true", dir);
    assert_string_equal(listing, "0\n");
    free(listing);
}

static void test_two_runs_at_once(void **state)
{
    (void)state;
    char *out = NULL;
    int rc = testutil_run(&out, "cd %s && (%s run --quick --filter 'latency' >/dev/null 2>&1 & "
                                "%s run --quick --filter 'latency' >/dev/null 2>&1; wait $!) && "
                                "ls -d results/*-*/ | wc -l", scratch, bin, bin);
    assert_int_equal(rc, 0);
    assert_int_equal(atoi(out), 2);
    free(out);
    rc = testutil_run(&out, "cd %s && for d in results/*-*/; do test -s $d/results.csv || echo missing $d; done",
                      scratch);
    assert_string_equal(out, "");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quick_latency_run),
        cmocka_unit_test(test_unavailable_counter_cells_empty),
        cmocka_unit_test(test_raw_counter_is_a_counter_column),
        cmocka_unit_test(test_sigint_keeps_rows),
        cmocka_unit_test(test_two_runs_at_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

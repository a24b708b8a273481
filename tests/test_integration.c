/*
 * test_integration.c — the path from command line to run folder: a --quick
 * latency run produces results.csv (parsed with libcsv) in the documented
 * column contract, gbench.json and machine.json (parsed with json-c);
 * a raw PAPI event given with --counters is a counter column everywhere (in
 * the counter block of results.csv, in machine.json, to the run-folder
 * reader); SIGINT keeps completed rows and marks the run incomplete; two runs
 * at once get separate folders; a run of the pair families derives its
 * comparison columns from rows of the same repetition and marks every pair
 * row from the placement probes recorded in machine.json; a --quick and a
 * default run name their benchmarks alike.
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

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
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
    int rc = testutil_run(&out, "%s run --quick --filter ^latency/ --out %s", bin, dir);
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
        if (strcmp(output_table_cell(t, r, "variant"), "mutex_lock_unlock") == 0)
            continue;   /* the one row that is not a chase */
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
    /* where the time went: the one family that ran, and nothing else */
    json_object *times, *latency;
    assert_true(json_object_object_get_ex(m, "family_wall_s", &times));
    assert_int_equal(json_object_object_length(times), 1);
    assert_true(json_object_object_get_ex(times, "latency", &latency));
    assert_true(json_object_get_double(latency) > 0);
    json_object_put(m);
}

/* Unavailable counters: the column exists and every cell is empty, never 0. */
static void test_unavailable_counter_cells_empty(void **state)
{
    (void)state;
    char dir[PATH_MAX], *out = NULL;
    snprintf(dir, sizeof dir, "%s/run-counters", scratch);
    int rc = testutil_run(&out, "%s run --quick --filter ^latency/ --out %s", bin, dir);
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
            const char *cell = output_table_cell(t, r, name), *status = output_table_cell(t, r, "status");
            if (!json_object_get_boolean(avail))
                assert_null(cell);     /* empty, never "0" */
            else if (status && strcmp(status, "ok") == 0)
                assert_non_null(cell);   /* counted wherever a benchmark ran (a skipped one ran nothing) */
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

/* The iteration row of family/variant in repetition rep (-1 when none). */
static long find_row(const output_table *t, const char *variant, int rep)
{
    char want[16];
    snprintf(want, sizeof want, "%d", rep);
    for (size_t r = 0; r < output_table_row_count(t); r++) {
        const char *v = output_table_cell(t, r, "variant"), *k = output_table_cell(t, r, "repetition");
        const char *a = output_table_cell(t, r, "aggregate");
        if (v && k && strcmp(v, variant) == 0 && strcmp(k, want) == 0 && (!a || !*a))
            return (long)r;
    }
    return -1;
}

static double cell(const output_table *t, long r, const char *column)
{
    const char *c = r >= 0 ? output_table_cell(t, r, column) : NULL;
    return c && *c ? strtod(c, NULL) : NAN;
}

static void assert_near(double got, double want)
{
    if (!(fabs(got - want) <= 1e-9 * fabs(want) + 1e-12))
        print_error("%.17g != %.17g\n", got, want);
    assert_true(fabs(got - want) <= 1e-9 * fabs(want) + 1e-12);
}

/* The placement mark a row measured after probe k must have, from the
 * medians machine.json recorded (the rule of placement.h). */
static const char *expected_mark(json_object *probes, int k)
{
    int n = (int)json_object_array_length(probes);
    if (k < 0 || k + 1 >= n)
        return "unknown";
    json_object *a, *b;
    if (!json_object_object_get_ex(json_object_array_get_idx(probes, k), "median_ns", &a) || !a ||
        !json_object_object_get_ex(json_object_array_get_idx(probes, k + 1), "median_ns", &b) || !b)
        return "unknown";
    double x = json_object_get_double(a), y = json_object_get_double(b);
    return (x > y ? x / y : y / x) > 2.0 ? "changed" : "stable";
}

/* A run of the pair families, repetitions in random order: the derived
 * columns compare rows of the same repetition (falseshare's slowdown,
 * litmus's control, visibility's over_flag_only_ns), store_to_load's
 * median is the mean of its two directions and the offset half their
 * difference, every litmus row names its sync mode, and machine.json holds a
 * placement probe at the start, before each further pair family and at the
 * end, with every pair row marked from the two probes around it. */
static void test_pair_families_run(void **state)
{
    (void)state;
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
        print_message("skipped: the pair families need 2 CPUs\n");
        skip();
    }
    char dir[PATH_MAX], *out = NULL;
    snprintf(dir, sizeof dir, "%s/run-pairs", scratch);
    int rc = testutil_run(&out, "%s run --quick --repetitions 2 --benchmark_enable_random_interleaving=true "
                                "--litmus-instances 50000 --filter '%s' --out %s", bin,
                          "falseshare/plain/(pad128|packed)$|litmus/sb_(relaxed|sc_fence)$|"
                          "visibility/(store_to_load|flag_only|release_acquire)$", dir);
    if (rc != 0)
        print_error("%s\n", out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "placement: "));
    free(out);
    output_table *t = testutil_read_csv(dir, "results.csv");
    assert_non_null(t);
    json_object *m = read_json(dir, "machine.json"), *placement, *probes;
    assert_non_null(m);
    assert_true(json_object_object_get_ex(m, "placement", &placement));
    assert_true(json_object_object_get_ex(placement, "probes", &probes));
    assert_int_equal((int)json_object_array_length(probes), 4);   /* start, 2 families more, end */
    for (int rep = 0; rep < 2; rep++) {
        long pad = find_row(t, "plain/pad128", rep), packed = find_row(t, "plain/packed", rep);
        assert_true(pad >= 0 && packed >= 0);
        assert_true(isnan(cell(t, pad, "slowdown_vs_padded128")));
        assert_near(cell(t, packed, "slowdown_vs_padded128"), cell(t, packed, "real_ns") / cell(t, pad, "real_ns"));
        long relaxed = find_row(t, "sb_relaxed", rep), fenced = find_row(t, "sb_sc_fence", rep);
        assert_true(relaxed >= 0 && fenced >= 0);
        assert_string_equal(output_table_cell(t, fenced, "sync"), "timebase");
        assert_near(cell(t, fenced, "control_weak_per_million"), cell(t, relaxed, "weak_per_million"));
        long s2l = find_row(t, "store_to_load", rep), bare = find_row(t, "flag_only", rep);
        long flag = find_row(t, "release_acquire", rep);
        double ab = cell(t, s2l, "median_ab_ns"), ba = cell(t, s2l, "median_ba_ns");
        assert_near(cell(t, s2l, "median_ns"), (ab + ba) / 2);
        assert_near(cell(t, s2l, "clock_offset_ns"), (ab - ba) / 2);
        assert_near(cell(t, flag, "over_flag_only_ns"), cell(t, flag, "median_ns") - cell(t, bare, "median_ns"));
        assert_true(isnan(cell(t, bare, "stale_payloads")));   /* flag_only carries no payload */
        assert_true(cell(t, flag, "stale_payloads") == 0);
    }
    for (size_t r = 0; r < output_table_row_count(t); r++) {   /* every row of this run is a pair row */
        const char *probe = output_table_cell(t, r, "placement_probe"), *agg = output_table_cell(t, r, "aggregate");
        assert_non_null(output_table_cell(t, r, "placement"));
        if (agg && *agg)
            continue;
        assert_non_null(probe);
        assert_string_equal(output_table_cell(t, r, "placement"), expected_mark(probes, atoi(probe)));
    }
    json_object_put(m);
    output_table_free(t);
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

/* The names of gbench.json's iteration entries, sorted, one a line. */
static char *gbench_names(const char *dir)
{
    json_object *g = read_json(dir, "gbench.json"), *benchmarks;
    assert_non_null(g);
    assert_true(json_object_object_get_ex(g, "benchmarks", &benchmarks));
    size_t n = json_object_array_length(benchmarks), k = 0;
    char **names = xalloc_calloc(n + 1, sizeof *names);
    for (size_t i = 0; i < n; i++) {
        json_object *b = json_object_array_get_idx(benchmarks, i), *type, *name, *run_name;
        assert_true(json_object_object_get_ex(b, "run_type", &type));
        if (strcmp(json_object_get_string(type), "iteration") != 0)
            continue;
        assert_true(json_object_object_get_ex(b, "name", &name));
        assert_true(json_object_object_get_ex(b, "run_name", &run_name));
        assert_string_equal(json_object_get_string(name), json_object_get_string(run_name));
        int seen = 0;
        for (size_t j = 0; j < k && !seen; j++)
            seen = strcmp(names[j], json_object_get_string(name)) == 0;
        if (!seen)
            names[k++] = xalloc_strdup(json_object_get_string(name));
    }
    qsort(names, k, sizeof *names, cmp_names);
    char *text = xalloc_strdup("");
    for (size_t i = 0; i < k; i++) {
        char *next = output_strdupf("%s%s\n", text, names[i]);
        free(text);
        text = next;
    }
    xalloc_free_list(names, k);
    json_object_put(g);
    return text;
}

/* A --quick and a default run name every benchmark alike in gbench.json,
 * results.csv and `memprobe list`: libbenchmark's per-benchmark settings
 * (min_time:0.050 for the ladder, iterations:N, repeats:N and manual_time
 * for a collected-heap run) stay out of the names, so compare.py and
 * memprobe compare match a quick run against a default one. */
static void test_names_stable_across_modes(void **state)
{
    (void)state;
    const char *select = "--filter '^(latency/chase|access/hot_gc)$' --benchmark_filter='(working_set|size):4096/'";
    char dirs[2][256], *names[2];
    for (int quick = 0; quick < 2; quick++) {
        char *out;
        snprintf(dirs[quick], sizeof dirs[quick], "%s/names-%s", scratch, quick ? "quick" : "default");
        int rc = testutil_run(&out, "%s run %s %s --out %s", bin, quick ? "--quick" : "", select, dirs[quick]);
        if (rc != 0)
            fail_msg("%s", out);
        free(out);
        names[quick] = gbench_names(dirs[quick]);
    }
    assert_string_equal(names[0], "access/hot_gc/size:4096\nlatency/chase/working_set:4096\n");
    assert_string_equal(names[1], names[0]);
    for (int quick = 0; quick < 2; quick++) {
        output_table *t = testutil_read_csv(dirs[quick], "results.csv");
        assert_non_null(t);
        for (size_t r = 0; r < output_table_row_count(t); r++)
            assert_non_null(strstr(names[0], output_table_cell(t, r, "benchmark")));
        output_table_free(t);
    }
    free(names[0]);
    free(names[1]);
    char *lists[2];
    for (int quick = 0; quick < 2; quick++) {
        assert_int_equal(testutil_run(&lists[quick], "%s list %s %s | sed -n '/^benchmarks/,$p' | tail -n +2", bin,
                                      quick ? "--quick" : "", select), 0);
    }
    assert_string_equal(lists[0], "latency/chase/working_set:4096\naccess/hot_gc/size:4096\n");
    assert_string_equal(lists[1], lists[0]);
    free(lists[0]);
    free(lists[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quick_latency_run),
        cmocka_unit_test(test_unavailable_counter_cells_empty),
        cmocka_unit_test(test_raw_counter_is_a_counter_column),
        cmocka_unit_test(test_sigint_keeps_rows),
        cmocka_unit_test(test_two_runs_at_once),
        cmocka_unit_test(test_pair_families_run),
        cmocka_unit_test(test_names_stable_across_modes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * test_compare.c — the statistics behind compare and claims (Mann–Whitney U
 * against p-values computed independently with scipy's algorithm:
 * enumeration for the exact branch, the tie- and continuity-corrected normal
 * approximation otherwise; the power check), and `memprobe compare` on run
 * folders cut from real runs (tests/fixtures/compare/, made by its
 * regen.sh): a and b, two --quick runs of a few families with 4
 * repetitions; c, the same measured rows as a bigger machine's --c2c-all
 * numbers them (llc pairs (0,8) and (2,9)).  Hostile copies (an incomplete
 * run, impossible values, placement changed, other settings, another
 * fingerprint) are made from them in scratch folders.
 */
#include "testutil.h"

#include <json-c/json.h>
#include <math.h>
#include <sys/stat.h>

#include "analysis/compare.h"
#include "analysis/fingerprint.h"
#include "analysis/runfolder.h"
#include "memprobe/bench.h"
#include "memprobe/results.h"
#include "memprobe/stats.h"

#define FIX "tests/fixtures/"
#define CMP FIX "compare/"

static void assert_close(double got, double want, double rel)
{
    if (!(fabs(got - want) <= rel * fabs(want))) {
        print_error("got %.17g, want %.17g\n", got, want);
        fail();
    }
}

static void test_percentiles(void **state)
{
    (void)state;
    double v[] = {400000, 100000, 5000000, 300000, 200000};
    assert_close(stats_median(v, 5), 300000, 1e-12);
    assert_close(stats_percentile(v, 5, 99), 4816000, 1e-12);   /* numpy linear: 4e5 + 0.96 * 4.6e6 */
    assert_close(stats_percentile(v, 5, 0), 100000, 1e-12);
    double even[] = {4, 1, 3, 2};
    assert_close(stats_median(even, 4), 2.5, 1e-12);
    assert_true(isnan(stats_median(even, 0)));
}

static void test_slope_and_geomean(void **state)
{
    (void)state;
    double x[] = {0, 1, 2, 3}, y[] = {1, 3, 5, 7};
    assert_close(stats_slope(x, y, 4), 2, 1e-12);
    double flat[] = {5, 5, 5, 5};
    assert_true(isnan(stats_slope(flat, y, 4)));
    double r[] = {2, 8};
    assert_close(stats_geomean(r, 2), 4, 1e-12);
    double bad[] = {2, 0};
    assert_true(isnan(stats_geomean(bad, 2)));
}

static void test_mann_whitney_exact(void **state)
{
    (void)state;
    double a[] = {1, 2, 3, 4, 5}, b[] = {6, 7, 8, 9, 10}, u;
    assert_close(stats_mann_whitney_p(a, 5, b, 5, &u), 2.0 / 252.0, 1e-12);
    assert_close(u, 0, 0);
    assert_close(stats_mann_whitney_p(b, 5, a, 5, &u), 2.0 / 252.0, 1e-12);
    assert_close(u, 25, 0);
    double c[] = {10, 12, 14}, d[] = {11, 13, 15};
    assert_close(stats_mann_whitney_p(c, 3, d, 3, NULL), 0.7, 1e-12);
    double e[] = {3.1, 1.2, 5.5, 2.2}, f[] = {4.4, 6.6, 0.5, 7.7, 8.8, 9.9};
    assert_close(stats_mann_whitney_p(e, 4, f, 6, NULL), 0.17142857142857143, 1e-12);
    double big[12], small[4] = {0.5, 100, 101, 102};
    for (int i = 0; i < 12; i++)
        big[i] = i + 1;
    /* exact although one side is large: only one sample needs to be <= 8 */
    double p = stats_mann_whitney_p(small, 4, big, 12, NULL);
    assert_true(p > 0 && p < 1);
}

static void test_mann_whitney_asymptotic(void **state)
{
    (void)state;
    double a[10], b[10];
    for (int i = 0; i < 10; i++) {
        a[i] = i;
        b[i] = 20 + i;
    }
    assert_close(stats_mann_whitney_p(a, 10, b, 10, NULL), 0.0001826717911095504, 1e-9);
    double c[] = {0, 1, 2, 3, 4}, d[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};   /* ties: normal approximation */
    double u;
    assert_close(stats_mann_whitney_p(c, 5, d, 10, &u), 0.13986357686781276, 1e-9);
    assert_close(u, 12.5, 0);
    double e[12], f[12];
    for (int i = 0; i < 12; i++) {
        e[i] = i + 1;
        f[i] = i + 5;
    }
    assert_close(stats_mann_whitney_p(e, 12, f, 12, NULL), 0.022341570564099751, 1e-9);
    double same[] = {7, 7, 7};
    assert_close(stats_mann_whitney_p(same, 3, same, 3, NULL), 1.0, 0);
    assert_true(isnan(stats_mann_whitney_p(same, 0, same, 3, NULL)));
}


static void test_min_p_and_power(void **state)
{
    (void)state;
    assert_close(stats_mann_whitney_min_p(3, 3), 0.1, 1e-12);           /* 2 / C(6,3) */
    assert_close(stats_mann_whitney_min_p(4, 4), 2.0 / 70.0, 1e-12);
    assert_close(stats_mann_whitney_min_p(5, 5), 2.0 / 252.0, 1e-12);
    assert_true(isnan(stats_mann_whitney_min_p(0, 4)));
    assert_int_equal(stats_mann_whitney_min_n(STATS_UTEST_ALPHA), 4);
    assert_int_equal(stats_mann_whitney_min_n(0.01), 5);                 /* 2/252 < 0.01 <= 2/70 */
}

/* n values of center * (1 + spread * u) with u evenly over [-1, 1]: a
 * synthetic repetition set with a +-spread relative noise. */
static void synthetic(double *v, size_t n, double center, double spread)
{
    for (size_t i = 0; i < n; i++)
        v[i] = center * (1 + spread * (n > 1 ? 2.0 * (double)i / (double)(n - 1) - 1 : 0));
}

static void test_u_test_verdicts(void **state)
{
    (void)state;
    double a[BENCH_DEFAULT_REPETITIONS], b[BENCH_DEFAULT_REPETITIONS], p;
    char verdict[96];
    /* a real 10 % shift between two default runs, each with +-5 % noise
     * (the two ranges overlap): significant */
    synthetic(a, BENCH_DEFAULT_REPETITIONS, 100, 0.05);
    synthetic(b, BENCH_DEFAULT_REPETITIONS, 110, 0.05);
    compare_u_test(a, BENCH_DEFAULT_REPETITIONS, b, BENCH_DEFAULT_REPETITIONS, &p, verdict, sizeof verdict);
    assert_string_equal(verdict, "significant");
    assert_true(p < 0.01);
    /* the same at the fixed-work repetition count */
    synthetic(a, BENCH_FIXED_WORK_REPETITIONS, 100, 0.03);
    synthetic(b, BENCH_FIXED_WORK_REPETITIONS, 110, 0.03);
    compare_u_test(a, BENCH_FIXED_WORK_REPETITIONS, b, BENCH_FIXED_WORK_REPETITIONS, &p, verdict, sizeof verdict);
    assert_string_equal(verdict, "significant");
    /* 3 against 3 can never reach 0.05, even 2x apart: no power, said so */
    synthetic(a, 3, 100, 0.01);
    synthetic(b, 3, 200, 0.01);
    compare_u_test(a, 3, b, 3, &p, verdict, sizeof verdict);
    assert_string_equal(verdict, "too few repetitions (need >= 4 each)");
    assert_true(isnan(p));
    /* no shift at all: not significant */
    synthetic(b, BENCH_DEFAULT_REPETITIONS, 100, 0.05);
    synthetic(a, BENCH_DEFAULT_REPETITIONS, 100, 0.04);
    compare_u_test(a, BENCH_DEFAULT_REPETITIONS, b, BENCH_DEFAULT_REPETITIONS, &p, verdict, sizeof verdict);
    assert_string_equal(verdict, "not significant");
}

static const compare_row *find_row(const compare_result *c, const char *label)
{
    for (size_t i = 0; i < c->nrows; i++)
        if (strcmp(c->rows[i].label, label) == 0)
            return &c->rows[i];
    print_error("no row '%s'\n", label);
    return NULL;
}

/* Open the runs dirs[0..n) and compare them (the test fails when it cannot). */
static compare_result *compare_dirs(runfolder **runs, const char *const *dirs, size_t n)
{
    char err[512];
    for (size_t i = 0; i < n; i++) {
        runs[i] = runfolder_open(dirs[i], err, sizeof err);
        if (!runs[i])
            fail_msg("%s", err);
    }
    compare_result *c = compare_runs(runs, n, err, sizeof err);
    if (!c)
        fail_msg("%s", err);
    return c;
}

/* Compare fixture a (the baseline) with the run folder dir. */
static compare_result *compare_with(runfolder **runs, const char *dir)
{
    const char *dirs[] = {CMP "a", dir};
    return compare_dirs(runs, dirs, 2);
}

static void compare_done(compare_result *c, runfolder **runs, size_t n)
{
    compare_result_free(c);
    for (size_t i = 0; i < n; i++)
        runfolder_free(runs[i]);
}

/* Median real_ns of the iteration rows of dir whose benchmark is bench (and
 * cpus, unless NULL), read straight from results.csv; *n their count. */
static double table_median(const char *dir, const char *bench, const char *allocator, const char *cpus, size_t *n)
{
    output_table *t = testutil_read_csv(dir, "results.csv");
    assert_non_null(t);
    double v[64];
    *n = 0;
    for (size_t r = 0; r < output_table_row_count(t) && *n < 64; r++) {
        const char *b = output_table_cell(t, r, "benchmark"), *type = output_table_cell(t, r, "run_type");
        const char *a = output_table_cell(t, r, "allocator"), *c = output_table_cell(t, r, "cpus");
        if (b && strcmp(b, bench) == 0 && type && strcmp(type, "iteration") == 0 && a && strcmp(a, allocator) == 0 &&
            (!cpus || (c && strcmp(c, cpus) == 0)))
            v[(*n)++] = atof(output_table_cell(t, r, "real_ns"));
    }
    output_table_free(t);
    return stats_median(v, *n);
}

/* Two real runs: every row matched, each value the median of its 4
 * repetitions as results.csv holds them, the ratio and p-value from them. */
static void test_compare_two_real_runs(void **state)
{
    (void)state;
    runfolder *runs[2];
    const char *dirs[] = {CMP "a", CMP "b"};
    compare_result *c = compare_dirs(runs, dirs, 2);
    assert_int_equal(c->nruns, 2);
    assert_string_equal(c->names[0], "a");
    assert_string_equal(c->names[1], "b");
    assert_true(c->nrows >= 20);
    for (size_t r = 0; r < c->nrows; r++) {
        const compare_row *row = &c->rows[r];
        if (strcmp(row->benchmark, "litmus/iriw") == 0)
            continue;
        if (row->cells[0].state != COMPARE_MEASURED || row->cells[1].state != COMPARE_MEASURED)
            fail_msg("%s not matched", row->label);
        assert_int_equal(row->cells[1].n, 4);
        assert_non_null(strstr("significant|not significant", row->cells[1].verdict));
    }
    const compare_row *row = find_row(c, "alloc/heap_malloc_free/size:64 [jemalloc]");
    assert_non_null(row);
    size_t na, nb;
    double ma = table_median(CMP "a", "alloc/heap_malloc_free/size:64", "jemalloc", NULL, &na);
    double mb = table_median(CMP "b", "alloc/heap_malloc_free/size:64", "jemalloc", NULL, &nb);
    assert_int_equal(na, 4);
    assert_close(row->cells[0].value, ma, 1e-12);
    assert_close(row->cells[1].value, mb, 1e-12);
    assert_close(row->cells[1].ratio, mb / ma, 1e-12);
    assert_close(row->cells[1].p_value,
                 stats_mann_whitney_p(row->cells[0].samples, 4, row->cells[1].samples, 4, NULL), 1e-12);
    /* pair rows match on the pair class, not on CPU numbers */
    row = find_row(c, "c2c/cas [llc]");
    assert_non_null(row);
    assert_string_equal(row->benchmark, "c2c/cas");
    assert_string_equal(row->args, "");
    compare_done(c, runs, 2);
}

/* Run c numbers its llc pairs (0,8) and (2,9): they match a's (0,1), and
 * the class's value is the median of the two pairs' medians. */
static void test_compare_pairs_by_class(void **state)
{
    (void)state;
    runfolder *runs[2];
    const char *dirs[] = {CMP "a", CMP "c"};
    compare_result *c = compare_dirs(runs, dirs, 2);
    const char *pair_rows[] = {"c2c/load_store", "c2c/cas", "visibility/relaxed", "visibility/mutex",
                               "litmus/sb_relaxed"};
    for (size_t i = 0; i < sizeof pair_rows / sizeof *pair_rows; i++) {
        char label[128], name08[128], name29[128];
        snprintf(label, sizeof label, "%s [llc]", pair_rows[i]);
        snprintf(name08, sizeof name08, "%s/cpu_a:0/cpu_b:8", pair_rows[i]);
        snprintf(name29, sizeof name29, "%s/cpu_a:2/cpu_b:9", pair_rows[i]);
        const compare_row *row = find_row(c, label);
        assert_non_null(row);
        assert_int_equal(row->cells[0].state, COMPARE_MEASURED);
        assert_int_equal(row->cells[1].state, COMPARE_MEASURED);
        assert_int_equal(row->cells[0].pairs, 1);
        assert_int_equal(row->cells[1].pairs, 2);
        assert_int_equal(row->cells[1].n, 8);
        size_t n08, n29;
        double m08 = table_median(CMP "c", name08, "glibc", "0,8", &n08);
        double m29 = table_median(CMP "c", name29, "glibc", "2,9", &n29);
        assert_int_equal(n08, 4);
        assert_int_equal(n29, 4);
        assert_close(row->cells[1].value, (m08 + m29) / 2, 1e-12);   /* median of two medians */
    }
    for (size_t r = 0; r < c->nrows; r++)
        if (strcmp(c->rows[r].benchmark, "litmus/iriw") != 0 && c->rows[r].cells[1].state != COMPARE_MEASURED)
            fail_msg("%s not matched", c->rows[r].label);
    compare_done(c, runs, 2);
}

static void test_compare_three_way(void **state)
{
    (void)state;
    runfolder *runs[3];
    const char *dirs[] = {CMP "a", CMP "b", CMP "c"};
    compare_result *c = compare_dirs(runs, dirs, 3);
    assert_int_equal(c->nruns, 3);
    const compare_row *row = find_row(c, "latency/chase/working_set:4096");
    assert_non_null(row);
    assert_string_equal(row->cells[0].verdict, "baseline");
    for (size_t i = 1; i < 3; i++)
        assert_close(row->cells[i].ratio, row->cells[i].value / row->cells[0].value, 1e-12);
    int seen = 0;
    for (size_t f = 0; f < c->nfamilies; f++)
        if (strcmp(c->families[f].family, "latency") == 0) {
            seen = 1;
            assert_true(isnan(c->families[f].geomean[0]));
            for (size_t i = 1; i < 3; i++) {
                double ratios[16];
                size_t n = 0;
                for (size_t r = 0; r < c->nrows; r++)
                    if (strcmp(c->rows[r].family, "latency") == 0)
                        ratios[n++] = c->rows[r].cells[i].ratio;
                assert_int_equal(c->families[f].n[i], n);
                assert_close(c->families[f].geomean[i], stats_geomean(ratios, n), 1e-12);
            }
        }
    assert_true(seen);
    compare_done(c, runs, 3);
}

/* ---- hostile copies ---- */

/* Copy fixture run src into a fresh scratch folder: its path into dir. */
static void copy_run(const char *src, char *dir, size_t len)
{
    char scratch[64];
    testutil_scratch(scratch, sizeof scratch);
    snprintf(dir, len, "%s/%s", scratch, strrchr(src, '/') + 1);
    assert_int_equal(testutil_run(NULL, "cp -r %s %s", src, dir), 0);
}

static void remove_copy(const char *dir)
{
    testutil_run(NULL, "rm -rf \"$(dirname '%s')\"", dir);
}

/* Set key (a dotted path) of dir/file (JSON) to value. */
static void edit_json(const char *dir, const char *file, const char *path, json_object *value)
{
    char name[PATH_MAX];
    snprintf(name, sizeof name, "%s/%s", dir, file);
    json_object *root = json_object_from_file(name), *o = root;
    assert_non_null(root);
    char key[64];
    for (const char *p = path;;) {
        size_t n = strcspn(p, ".");
        snprintf(key, sizeof key, "%.*s", (int)n, p);
        if (!p[n]) {
            json_object_object_add(o, key, value);
            break;
        }
        assert_true(json_object_object_get_ex(o, key, &o));
        p += n + 1;
    }
    assert_int_equal(json_object_to_file(name, root), 0);
    json_object_put(root);
}

/* The families.json options object of family in dir: set option to value. */
static void edit_option(const char *dir, const char *family, const char *option, json_object *value)
{
    char name[PATH_MAX];
    snprintf(name, sizeof name, "%s/families.json", dir);
    json_object *root = json_object_from_file(name), *list;
    assert_non_null(root);
    assert_true(json_object_object_get_ex(root, "families", &list));
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *f = json_object_array_get_idx(list, i), *n, *options;
        if (json_object_object_get_ex(f, "name", &n) && strcmp(json_object_get_string(n), family) == 0) {
            assert_true(json_object_object_get_ex(f, "options", &options));
            json_object_object_add(options, option, value);
        }
    }
    assert_int_equal(json_object_to_file(name, root), 0);
    json_object_put(root);
}

/* Rewrite dir/results.csv through the program's own table writer, with
 * edit(table-being-built, source, row) called after each row is copied. */
static void edit_results(const char *dir, void (*edit)(output_table *, const output_table *, size_t))
{
    output_table *src = testutil_read_csv(dir, "results.csv"), *dst = output_table_new();
    assert_non_null(src);
    for (size_t r = 0; r < output_table_row_count(src); r++) {
        output_table_row(dst);
        for (size_t k = 0; k < output_table_column_count(src); k++) {
            const char *col = output_table_column(src, k), *v = output_table_cell(src, r, col);
            if (v)
                output_table_set_str(dst, col, v);
        }
        edit(dst, src, r);
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/results.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    output_table_write_csv(dst, f);
    fclose(f);
    output_table_free(src);
    output_table_free(dst);
}

/* The first ok iteration row of benchmark in t (as an int; -1 when none). */
static long first_iteration(const output_table *t, const char *benchmark)
{
    for (size_t r = 0; r < output_table_row_count(t); r++)
        if (strcmp(output_table_cell(t, r, "benchmark") ? output_table_cell(t, r, "benchmark") : "", benchmark) == 0 &&
            results_row_kind_of(t, r) == RESULTS_ROW_ITERATION)
            return (long)r;
    return -1;
}

static const char *bad_value;
static long bad_row = -1;

static void put_bad_value(output_table *dst, const output_table *src, size_t r)
{
    if ((long)r == bad_row)
        output_table_set_str(dst, "real_ns", bad_value);
    (void)src;
}

/* issue 17 item 12: an impossible real_ns is refused with file and line (it
 * used to give a negative ratio and an infinite geometric mean, or put a NaN
 * row under "only in A"). */
static void test_compare_refuses_impossible_values(void **state)
{
    (void)state;
    const char *values[] = {"-5", "0", "nan", "inf", "12abc", ""};
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        char dir[128];
        copy_run(CMP "b", dir, sizeof dir);
        output_table *t = testutil_read_csv(dir, "results.csv");
        bad_row = first_iteration(t, "alloc/heap_malloc_free/size:64");
        output_table_free(t);
        assert_true(bad_row >= 0);
        bad_value = values[i];
        edit_results(dir, put_bad_value);
        char *out, want[PATH_MAX], value[64];
        int rc = testutil_run(&out, "%s compare --no-plots --out %s/cmp " CMP "a %s", MEMPROBE_BIN, dir, dir);
        snprintf(want, sizeof want, "%s/results.csv:%ld: ", dir, bad_row + 2);   /* file and line, */
        snprintf(value, sizeof value, "'%s'", values[i]);                        /* the value, the column */
        if (rc != 2 || testutil_count_lines(out) != 1 || !strstr(out, want) || !strstr(out, value) ||
            !strstr(out, "real_ns"))
            fail_msg("real_ns '%s': exit %d, output:\n%s(expected one line with '%s', real_ns and %s)", values[i],
                     rc, out, want, value);
        free(out);
        struct stat st;
        char cmp[PATH_MAX];
        snprintf(cmp, sizeof cmp, "%s/cmp", dir);
        assert_int_not_equal(stat(cmp, &st), 0);        /* nothing written */
        remove_copy(dir);
    }
}

/* A run with "completed": false is named in the header and on every row. */
static void test_compare_incomplete_run(void **state)
{
    (void)state;
    char dir[128];
    copy_run(CMP "b", dir, sizeof dir);
    edit_json(dir, "machine.json", "completed", json_object_new_boolean(0));
    runfolder *runs[2];
    compare_result *c = compare_with(runs, dir);
    int noted = 0;
    for (size_t i = 0; i < c->nnotes; i++)
        noted |= strstr(c->notes[i], "incomplete run: b did not complete") != NULL;
    assert_true(noted);
    for (size_t r = 0; r < c->nrows; r++) {
        assert_true(c->rows[r].cells[1].marks & COMPARE_MARK_INCOMPLETE);
        assert_false(c->rows[r].cells[0].marks & COMPARE_MARK_INCOMPLETE);
    }
    compare_done(c, runs, 2);
    char *out;
    assert_int_equal(testutil_run(&out, "%s compare --no-plots --out %s.cmp " CMP "a %s", MEMPROBE_BIN, dir, dir), 0);
    assert_non_null(strstr(out, "incomplete run: b did not complete"));
    assert_non_null(strstr(out, "significant (incomplete run)"));
    free(out);
    remove_copy(dir);
}

static void mark_placement(output_table *dst, const output_table *src, size_t r)
{
    const char *family = output_table_cell(src, r, "family"), *pair = output_table_cell(src, r, "pair_class");
    if (pair && *pair)
        output_table_set_str(dst, "placement", strcmp(family, "c2c") == 0 ? "changed" : "stable");
}

/* Pair rows measured while the placement changed (issue 12's mark) are not
 * compared, and leave their family's geometric mean. */
static void test_compare_placement_changed(void **state)
{
    (void)state;
    char dir[128];
    copy_run(CMP "b", dir, sizeof dir);
    edit_results(dir, mark_placement);
    runfolder *runs[2];
    compare_result *c = compare_with(runs, dir);
    const compare_row *row = find_row(c, "c2c/load_store [llc]");
    assert_non_null(row);
    assert_string_equal(row->cells[1].verdict, "not comparable (placement changed)");
    assert_true(isnan(row->cells[1].p_value));
    row = find_row(c, "visibility/mutex [llc]");
    assert_non_null(row);
    assert_null(strstr(row->cells[1].verdict, "not comparable"));
    for (size_t f = 0; f < c->nfamilies; f++)
        if (strcmp(c->families[f].family, "c2c") == 0) {
            assert_int_equal(c->families[f].n[1], 0);
            assert_true(isnan(c->families[f].geomean[1]));
        }
    compare_done(c, runs, 2);
    /* as the baseline too */
    const char *swapped[] = {dir, CMP "a"};
    c = compare_dirs(runs, swapped, 2);
    assert_string_equal(find_row(c, "c2c/cas [llc]")->cells[1].verdict, "not comparable (placement changed)");
    compare_done(c, runs, 2);
    remove_copy(dir);
}

/* A family run with other options: its rows are marked, a note says which. */
static void test_compare_settings_differ(void **state)
{
    (void)state;
    char dir[128];
    copy_run(CMP "b", dir, sizeof dir);
    edit_option(dir, "litmus", "litmus-delay", json_object_new_int64(0));
    runfolder *runs[2];
    compare_result *c = compare_with(runs, dir);
    assert_string_equal(find_row(c, "litmus/sb_relaxed [llc]")->cells[1].verdict, "not comparable (settings differ)");
    assert_null(strstr(find_row(c, "c2c/cas [llc]")->cells[1].verdict, "not comparable"));
    int noted = 0;
    for (size_t i = 0; i < c->nnotes; i++)
        noted |= strstr(c->notes[i], "litmus settings differ on b (--litmus-delay -1 vs 0)") != NULL;
    assert_true(noted);
    compare_done(c, runs, 2);
    remove_copy(dir);
}

static size_t note_index(const compare_result *c, const char *prefix)
{
    for (size_t i = 0; i < c->nnotes; i++)
        if (strncmp(c->notes[i], prefix, strlen(prefix)) == 0)
            return i;
    fail_msg("no note starting '%s'", prefix);
    return 0;
}

/* Fingerprint differences become notes, the most serious first. */
static void test_compare_fingerprint_notes(void **state)
{
    (void)state;
    char dir[128];
    copy_run(CMP "b", dir, sizeof dir);
    runfolder *runs[2];
    compare_result *c = compare_with(runs, dir);
    size_t before = c->nnotes;   /* what the two real runs differ in (load at start) */
    compare_done(c, runs, 2);
    edit_json(dir, "machine.json", "pages.thp_enabled", json_object_new_string("always"));
    edit_json(dir, "machine.json", "build_flags.benches.stack_protector", json_object_new_string("strong"));
    edit_json(dir, "machine.json", "hypervisor", json_object_new_string("none"));
    c = compare_with(runs, dir);
    assert_int_equal(c->nnotes, before + 3);
    size_t vm = note_index(c, "VM vs bare metal: VM ("), build = note_index(c, "build flags: "),
           thp = note_index(c, "transparent huge pages: ");
    assert_true(vm < build);
    assert_true(build < thp);
    assert_non_null(strstr(c->notes[vm], "bare metal: b"));
    assert_non_null(strstr(c->notes[build], "stack_protector=strong"));
    compare_done(c, runs, 2);
    remove_copy(dir);
}

/* ---- the command ---- */

/* compare writes only its folder: results/compare-a-vs-b/ and the
 * results/latest-compare link by default, exactly DIR with --out. */
static void test_compare_cli_output_folder(void **state)
{
    (void)state;
    char cwd[PATH_MAX], bin[PATH_MAX], scratch[64], *out;
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_non_null(realpath(MEMPROBE_BIN, bin));
    testutil_scratch(scratch, sizeof scratch);
    int rc = testutil_run(&out, "cd %s && %s compare --no-plots %s/" CMP "a %s/" CMP "b", scratch, bin, cwd, cwd);
    if (rc != 0)
        fail_msg("%s", out);
    assert_non_null(strstr(out, "compare: results/compare-a-vs-b/compare.html"));
    free(out);
    assert_int_equal(testutil_run(&out, "cd %s && find . | sort", scratch), 0);
    assert_string_equal(out, ".\n./results\n./results/compare-a-vs-b\n./results/compare-a-vs-b/compare-alloc.csv\n"
                             "./results/compare-a-vs-b/compare-c2c.csv\n./results/compare-a-vs-b/compare-handoff.csv\n"
                             "./results/compare-a-vs-b/compare-latency.csv\n"
                             "./results/compare-a-vs-b/compare-litmus.csv\n./results/compare-a-vs-b/compare.csv\n"
                             "./results/compare-a-vs-b/compare.html\n./results/compare-a-vs-b/compare.json\n"
                             "./results/compare-a-vs-b/compare.md\n./results/compare-a-vs-b/compare_families.csv\n"
                             "./results/latest-compare\n");
    free(out);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/results/latest-compare/compare.csv", scratch);
    char err[256];
    output_table *t = output_table_read_csv(path, err, sizeof err);
    assert_non_null(t);
    output_table *a = testutil_read_csv(CMP "a", "results.csv");
    assert_true(output_table_row_count(t) >= 40);
    assert_int_equal(output_table_row_count(t) % 2, 0);      /* one row per benchmark and run */
    output_table_free(a);
    output_table_free(t);
    /* --out: exactly that folder; a second comparison into it replaces the first */
    for (int i = 0; i < 2; i++) {
        rc = testutil_run(&out, "cd %s && %s compare --no-plots --out=mine %s/" CMP "a %s/" CMP "%s", scratch, bin, cwd,
                          cwd, i ? "c" : "b");
        assert_int_equal(rc, 0);
        free(out);
    }
    assert_int_equal(testutil_run(&out, "cd %s && ls mine | wc -l && ls", scratch), 0);
    assert_string_equal(out, "10\nmine\nresults\n");
    free(out);
    /* a folder with other files is not a comparison's: refused, untouched */
    assert_int_equal(testutil_run(NULL, "mkdir %s/other && touch %s/other/keep", scratch, scratch), 0);
    rc = testutil_run(&out, "cd %s && %s compare --out other %s/" CMP "a %s/" CMP "b", scratch, bin, cwd, cwd);
    assert_int_equal(rc, 2);
    assert_int_equal(testutil_count_lines(out), 1);
    assert_non_null(strstr(out, "no compare.json"));
    free(out);
    assert_int_equal(testutil_run(&out, "ls %s/other", scratch), 0);
    assert_string_equal(out, "keep\n");
    free(out);
    testutil_run(NULL, "rm -rf %s", scratch);
}

/* A folder holding run folders, three runs, --baseline. */
static void test_compare_cli_many(void **state)
{
    (void)state;
    char scratch[64], *out;
    testutil_scratch(scratch, sizeof scratch);
    int rc = testutil_run(&out, "%s compare --no-plots --baseline " CMP "c --out %s/cmp " CMP, MEMPROBE_BIN, scratch);
    if (rc != 0)
        fail_msg("%s", out);
    assert_non_null(strstr(out, "baseline: c ("));
    assert_non_null(strstr(out, "run: a ("));
    assert_non_null(strstr(out, "run: b ("));
    assert_non_null(strstr(out, "ratio marks:"));
    free(out);
    char dir[128];
    snprintf(dir, sizeof dir, "%s/cmp", scratch);
    output_table *t = testutil_read_csv(dir, "compare_families.csv");
    assert_non_null(t);
    assert_int_equal(output_table_column_count(t), 3);       /* family, a, b */
    assert_string_equal(output_table_column(t, 1), "a");
    output_table_free(t);
    t = testutil_read_csv(dir, "compare-latency.csv");
    assert_non_null(t);
    assert_string_equal(output_table_column(t, 0), "working_set");
    assert_int_equal(output_table_column_count(t), 4);       /* working_set, c, a, b */
    assert_int_equal(output_table_row_count(t), 8);
    output_table_free(t);
    testutil_run(NULL, "rm -rf %s", scratch);
}

static void test_compare_bad_input(void **state)
{
    (void)state;
    char *out, run[128], bad_out[300];
    copy_run(CMP "b", run, sizeof run);   /* a run folder as --out: refused, and a copy in case it were not */
    snprintf(bad_out, sizeof bad_out, "compare --out %s " CMP "a " CMP "b", run);
    const char *bad[] = {
        "compare " CMP "a",                               /* one run */
        "compare " CMP "a /nonexistent/run",              /* not a folder */
        "compare " CMP "a tests",                         /* a folder without runs */
        "compare --out " CMP "a/results.csv " CMP "a " CMP "b",   /* --out a file */
        bad_out,
        "compare --bogus " CMP "a " CMP "b",
        "compare " CMP "a " CMP "b --out",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = testutil_run(&out, "%s %s", MEMPROBE_BIN, bad[i]);
        if (rc != 2 || testutil_count_lines(out) != 1)
            fail_msg("memprobe %s: exit %d, output:\n%s", bad[i], rc, out);
        free(out);
    }
    remove_copy(run);
    assert_int_equal(testutil_run(&out, "%s compare --help", MEMPROBE_BIN), 0);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percentiles),
        cmocka_unit_test(test_slope_and_geomean),
        cmocka_unit_test(test_mann_whitney_exact),
        cmocka_unit_test(test_mann_whitney_asymptotic),
        cmocka_unit_test(test_min_p_and_power),
        cmocka_unit_test(test_u_test_verdicts),
        cmocka_unit_test(test_compare_two_real_runs),
        cmocka_unit_test(test_compare_pairs_by_class),
        cmocka_unit_test(test_compare_three_way),
        cmocka_unit_test(test_compare_refuses_impossible_values),
        cmocka_unit_test(test_compare_incomplete_run),
        cmocka_unit_test(test_compare_placement_changed),
        cmocka_unit_test(test_compare_settings_differ),
        cmocka_unit_test(test_compare_fingerprint_notes),
        cmocka_unit_test(test_compare_cli_output_folder),
        cmocka_unit_test(test_compare_cli_many),
        cmocka_unit_test(test_compare_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

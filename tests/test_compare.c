/*
 * test_compare.c — the statistics behind compare and claims (Mann–Whitney U
 * against p-values computed independently with scipy's algorithm:
 * enumeration for the exact branch, the tie- and continuity-corrected normal
 * approximation otherwise), and `memprobe compare` on the fixture run
 * folders tests/fixtures/run-a (2 CPUs) and run-b (8 CPUs, other families).
 */
#include "testutil.h"

#include <math.h>

#include "analysis/compare.h"
#include "analysis/runfolder.h"
#include "memprobe/stats.h"

#define FIX "tests/fixtures/"

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

static const compare_row *find_row(const compare_result *c, const char *benchmark)
{
    for (size_t i = 0; i < c->nrows; i++)
        if (strcmp(c->rows[i].benchmark, benchmark) == 0)
            return &c->rows[i];
    return NULL;
}

static void test_compare_fixture_runs(void **state)
{
    (void)state;
    char err[512];
    runfolder *a = runfolder_open(FIX "run-a", err, sizeof err), *b = runfolder_open(FIX "run-b", err, sizeof err);
    assert_non_null(a);
    assert_non_null(b);
    compare_result *c = compare_runs(a, b);
    const compare_row *r = find_row(c, "alloc/heap_malloc_free/size:64");
    assert_non_null(r);
    assert_close(r->a_ns, 12, 1e-12);
    assert_close(r->b_ns, 22, 1e-12);
    assert_close(r->ratio, 22.0 / 12.0, 1e-12);
    assert_close(r->p_value, 2.0 / 252.0, 1e-12);
    assert_string_equal(r->verdict, "significant");
    r = find_row(c, "alloc/heap_calloc/size:64");
    assert_close(r->p_value, 0.7, 1e-12);
    assert_string_equal(r->verdict, "not significant");
    r = find_row(c, "alloc/gc_malloc/size:64");   /* one repetition in A */
    assert_string_equal(r->verdict, "too few repetitions");
    assert_true(isnan(r->p_value));
    r = find_row(c, "alloc/heap_batch/size:64");  /* aggregate rows only: value used, no test */
    assert_close(r->ratio, 1.1, 1e-12);
    assert_string_equal(r->verdict, "too few repetitions");
    /* different CPUs (0,1 vs 2,3), same pair class: matched */
    r = find_row(c, "visibility/mutex");
    assert_close(r->ratio, 405.0 / 505.0, 1e-12);
    assert_string_equal(find_row(c, "c2c/load_store")->verdict, "only in B");
    assert_string_equal(find_row(c, "gc/collected")->verdict, "only in A");
    assert_string_equal(find_row(c, "passing/ptr_malloc/size:64")->verdict, "only in A");
    /* geometric mean of alloc ratios: 2/2, 22/12, 13/12, 34/30, 44/40 */
    int seen = 0;
    for (size_t i = 0; i < c->nfamilies; i++)
        if (strcmp(c->families[i].family, "alloc") == 0) {
            seen = 1;
            assert_int_equal(c->families[i].n, 5);
            assert_close(c->families[i].geomean_ratio,
                         pow(1.0 * (22.0 / 12) * (13.0 / 12) * (34.0 / 30) * (44.0 / 40), 0.2), 1e-12);
        }
    assert_true(seen);
    compare_result_free(c);
    runfolder_free(a);
    runfolder_free(b);
}

static void test_compare_cli_writes_csv(void **state)
{
    (void)state;
    char dir[64], *out;
    testutil_scratch(dir, sizeof dir);
    int rc = testutil_run(&out, "%s compare --no-plots --out %s " FIX "run-a " FIX "run-b", MEMPROBE_BIN, dir);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "only in B (1):"));
    assert_non_null(strstr(out, "c2c/load_store"));
    assert_non_null(strstr(out, "too few repetitions"));
    free(out);
    char path[128];
    snprintf(path, sizeof path, "%s/compare.csv", dir);
    char err[256];
    output_table *t = output_table_read_csv(path, err, sizeof err);
    assert_non_null(t);
    assert_int_equal(output_table_row_count(t), 13);   /* 6 in both, 6 only in A, 1 only in B */
    int found = 0;
    for (size_t i = 0; i < output_table_row_count(t); i++)
        if (strcmp(output_table_cell(t, i, "benchmark"), "alloc/heap_malloc_free/size:64") == 0) {
            found = 1;
            assert_close(atof(output_table_cell(t, i, "p_value")), 2.0 / 252.0, 1e-12);
            assert_string_equal(output_table_cell(t, i, "difference"), "significant");
        }
    assert_true(found);
    output_table_free(t);
    snprintf(path, sizeof path, "%s/compare_families.csv", dir);
    t = output_table_read_csv(path, err, sizeof err);
    assert_non_null(t);
    assert_int_equal(output_table_row_count(t), 2);
    output_table_free(t);
    testutil_run(NULL, "rm -rf %s", dir);
}

static void test_compare_bad_input(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(testutil_run(&out, "%s compare " FIX "run-a", MEMPROBE_BIN), 2);
    assert_int_equal(testutil_count_lines(out), 1);
    free(out);
    assert_int_equal(testutil_run(&out, "%s compare " FIX "run-a /nonexistent/run", MEMPROBE_BIN), 2);
    assert_int_equal(testutil_count_lines(out), 1);
    assert_non_null(strstr(out, "/nonexistent/run"));
    free(out);
    assert_int_equal(testutil_run(&out, "%s compare --out /nonexistent " FIX "run-a " FIX "run-b", MEMPROBE_BIN), 2);
    assert_int_equal(testutil_count_lines(out), 1);
    free(out);
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
        cmocka_unit_test(test_compare_fixture_runs),
        cmocka_unit_test(test_compare_cli_writes_csv),
        cmocka_unit_test(test_compare_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

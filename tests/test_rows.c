/*
 * test_rows.c — reading results rows back (harness/rows.c): only the
 * iteration rows of the instance named count (family, variant before '/',
 * allocator, size; not aggregates, errors, skips or empty cells), medians
 * with min and max, ratios with their spread and a missing or zero baseline
 * left empty, ratio cells by prefix, side tables created on their first row;
 * derived columns from the reference row of the same repetition and CPUs;
 * and the closed-form value of a cache-line touch (harness/measure.c).
 */
#include "testutil.h"

#include <math.h>

#include "memprobe/measure.h"
#include "memprobe/rows.h"

static void add_row(output_table *t, const char *variant, const char *allocator, int size, const char *real_ns)
{
    output_table_row(t);
    output_table_set_str(t, "family", "fam");
    output_table_set_str(t, "variant", variant);
    output_table_set_str(t, "allocator", allocator);
    output_table_set_int(t, "size", size);
    output_table_set_str(t, "run_type", "iteration");
    output_table_set_str(t, "status", "ok");
    if (real_ns)
        output_table_set_str(t, "real_ns", real_ns);
}

static void test_stats_count_only_matching_iteration_rows(void **state)
{
    (void)state;
    output_tables_reset();
    output_table *t = output_table_get("results.csv");
    assert_ptr_equal(rows_results(), t);
    add_row(t, "a", "glibc", 64, "4");
    add_row(t, "a/size:64", "glibc", 64, "1");
    add_row(t, "a", "glibc", 64, "3");
    add_row(t, "a", "glibc", 64, "2");
    add_row(t, "ab", "glibc", 64, "100");        /* another variant */
    add_row(t, "a", "jemalloc", 64, "100");      /* another allocator */
    add_row(t, "a", "glibc", 128, "100");        /* another size */
    add_row(t, "a", "glibc", 64, NULL);          /* no value */
    add_row(t, "a", "glibc", 64, "100");
    output_table_set_str(t, "run_type", "aggregate");
    add_row(t, "a", "glibc", 64, "100");
    output_table_set_str(t, "status", "error");
    add_row(t, "a", "glibc", 64, "100");
    output_table_set_str(t, "family", "other");
    rows_stats s = rows_stats_of(t, "fam", "a", "glibc", 64, "real_ns");
    assert_int_equal(s.count, 4);
    assert_true(s.median == 2.5);
    assert_true(s.min == 1);
    assert_true(s.max == 4);
    rows_stats none = rows_stats_of(t, "fam", "missing", "glibc", 64, "real_ns");
    assert_int_equal(none.count, 0);
    assert_true(isnan(none.median) && isnan(none.min) && isnan(none.max));
    assert_int_equal(rows_stats_of(NULL, "fam", "a", "glibc", 64, "real_ns").count, 0);
    output_tables_reset();
}

static void test_ratio_and_spread(void **state)
{
    (void)state;
    output_tables_reset();
    output_table *t = output_table_get("results.csv");
    const char *base[] = {"100", "110", "90"}, *var[] = {"210", "190", "200"};
    for (int i = 0; i < 3; i++) {
        add_row(t, "base", "glibc", 8, base[i]);
        add_row(t, "var", "glibc", 8, var[i]);
    }
    add_row(t, "var", "glibc", 8, "205");
    add_row(t, "zero", "glibc", 8, "0");
    rows_ratio r = rows_ratio_of(t, "fam", "var", "base", "glibc", 8, "real_ns");
    assert_int_equal(r.count, 3);   /* the smaller side */
    assert_true(fabs(r.ratio - 202.5 / 100) < 1e-12);
    assert_true(fabs(r.low - 190.0 / 110) < 1e-12);
    assert_true(fabs(r.high - 210.0 / 90) < 1e-12);
    assert_true(r.value == 202.5 && r.baseline == 100);
    /* a missing or non-positive baseline gives no ratio */
    assert_int_equal(rows_ratio_of(t, "fam", "var", "missing", "glibc", 8, "real_ns").count, 0);
    rows_ratio z = rows_ratio_of(t, "fam", "var", "zero", "glibc", 8, "real_ns");
    assert_int_equal(z.count, 0);
    assert_true(isnan(z.ratio));

    output_table *side = NULL;
    static const char *const cols[] = {"name", "r", "r_low", "r_high"};
    assert_ptr_equal(rows_side_row(&side, "side.csv", cols, 4), output_table_get("side.csv"));
    output_table_set_str(side, "name", "x");
    rows_set_ratio(side, "r", r);
    rows_side_row(&side, "side.csv", cols, 4);
    rows_set_ratio(side, "r", z);
    assert_int_equal(output_table_row_count(side), 2);
    assert_string_equal(output_table_column(side, 3), "r_high");
    assert_true(fabs(strtod(output_table_cell(side, 0, "r_low"), NULL) - 190.0 / 110) < 1e-12);
    assert_null(output_table_cell(side, 1, "r"));   /* NaN stays empty */
    output_tables_reset();
}

/* A side table gets its columns with its first row. */
static void test_side_table_only_on_first_row(void **state)
{
    (void)state;
    output_tables_reset();
    output_table *side = NULL;
    static const char *const cols[] = {"a", "b"};
    assert_int_equal(output_table_column_count(output_table_get("lazy.csv")), 0);
    rows_side_row(&side, "lazy.csv", cols, 2);
    assert_int_equal(output_table_column_count(side), 2);
    output_tables_reset();
}

static void test_touch_expected(void **state)
{
    (void)state;
    assert_int_equal(measure_touch_expected(0, 64, 3), 0);
    /* 130 bytes, stride 64: marks at 0, 64 and 128 (seed, seed+1, seed+2), the tail mark at 129 */
    assert_int_equal(measure_touch_expected(130, 64, 3), 3 + 4 + 5 + (3 ^ 0xa5));
    unsigned char block[130] = {0};
    assert_int_equal(measure_touch_lines(block, sizeof block, 64, 3), measure_touch_expected(130, 64, 3));
    assert_int_equal(measure_touch_expected_total(130, 64, 2),
                     measure_touch_expected(130, 64, 0) + measure_touch_expected(130, 64, 1));
}

/* A pair-family row as the CLI writes it: CPUs, repetition or aggregate. */
static void add_pair_row(output_table *t, const char *variant, const char *cpus, const char *aggregate,
                         int repetition, const char *real_ns)
{
    char bench[64];
    snprintf(bench, sizeof bench, "fam/%s/cpu_a:%c/cpu_b:%c", variant, cpus[0], cpus[2]);
    output_table_row(t);
    output_table_set_str(t, "family", "fam");
    output_table_set_str(t, "benchmark", bench);
    output_table_set_str(t, "variant", variant);
    if (*aggregate != 'm')   /* interleaved medians and means may carry no tags */
        output_table_set_str(t, "cpus", cpus);
    output_table_set_str(t, "allocator", "glibc");
    output_table_set_str(t, "runtime", "c");
    output_table_set_str(t, "run_type", *aggregate ? "aggregate" : "iteration");
    output_table_set_str(t, "aggregate", aggregate);
    if (repetition >= 0)
        output_table_set_int(t, "repetition", repetition);
    output_table_set_str(t, "real_ns", real_ns);
    output_table_set_str(t, "label", "cpus=x");
    output_table_set_str(t, "status", "ok");
}

static int ref_is_base(const char *variant, char *ref, size_t len)
{
    if (strcmp(variant, "base") == 0)
        return -1;
    snprintf(ref, len, "base");
    return 0;
}

static double ratio_of_real_ns(const output_table *t, size_t row, size_t ref)
{
    return rows_number(t, row, "real_ns") / rows_number(t, ref, "real_ns");
}

/* Each row is compared with its reference of the same repetition and CPUs
 * (in whatever order the rows came), a median with the median; stddev and
 * cv rows, rows without a reference and the reference itself stay empty;
 * the column lands before label. */
static void test_derive_matches_repetition_and_cpus(void **state)
{
    (void)state;
    output_tables_reset();
    output_table *t = output_table_get("results.csv");
    add_pair_row(t, "var", "0,1", "", 1, "300");     /* before its reference */
    add_pair_row(t, "base", "0,1", "", 0, "100");
    add_pair_row(t, "base", "0,1", "", 1, "150");
    add_pair_row(t, "base", "2,3", "", 0, "1000");   /* other CPUs */
    add_pair_row(t, "var", "0,1", "", 0, "200");
    add_pair_row(t, "var", "0,1", "median", -1, "250");
    add_pair_row(t, "base", "0,1", "median", -1, "125");
    add_pair_row(t, "var", "0,1", "stddev", -1, "50");
    add_pair_row(t, "base", "0,1", "stddev", -1, "25");
    add_pair_row(t, "var", "4,5", "", 0, "7");       /* no reference on these CPUs */
    add_pair_row(t, "base", "2,3", "median", -1, "1"); /* another pair's median, without its cpus tag */
    add_pair_row(t, "var", "2,3", "median", -1, "5"); /* compared with it, not with pair 0,1's */
    rows_derive(t, "fam", "slowdown", ref_is_base, ratio_of_real_ns);
    assert_string_equal(output_table_cell(t, 0, "slowdown"), "2");
    assert_null(output_table_cell(t, 1, "slowdown"));
    assert_string_equal(output_table_cell(t, 4, "slowdown"), "2");
    assert_string_equal(output_table_cell(t, 5, "slowdown"), "2");
    assert_null(output_table_cell(t, 7, "slowdown"));
    assert_null(output_table_cell(t, 9, "slowdown"));
    assert_string_equal(output_table_cell(t, 11, "slowdown"), "5");
    size_t n = output_table_column_count(t);
    assert_string_equal(output_table_column(t, n - 3), "slowdown");
    assert_string_equal(output_table_column(t, n - 2), "label");
    assert_string_equal(output_table_cell(t, 0, "label"), "cpus=x");   /* cells moved with their columns */
    assert_string_equal(output_table_cell(t, 0, "status"), "ok");
    output_tables_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats_count_only_matching_iteration_rows),
        cmocka_unit_test(test_ratio_and_spread),
        cmocka_unit_test(test_side_table_only_on_first_row),
        cmocka_unit_test(test_derive_matches_repetition_and_cpus),
        cmocka_unit_test(test_touch_expected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

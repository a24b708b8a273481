/*
 * test_mlp.c — the mlp family: the knee is where doubling the chains stops
 * adding 10 % (on made-up curves), and a --quick run writes mlp.csv with one
 * row per chain count, 1 to 32, every row naming the same knee, which is one
 * of the counts.  Includes the family's source to reach its statics.  No
 * assertion depends on how long anything took.
 */
#include "../benches/mlp.c"

#include "testutil.h"

static void test_knee(void **state)
{
    (void)state;
    const int chains[] = {1, 2, 4, 8, 16, 32};
    /* doubles up to 8 chains, then flat: 8 misses in flight */
    assert_int_equal(mlp_knee((const double[]){1, 2, 4, 8, 8.5, 8.6}, chains, 6), 8);
    /* never helps: 1 */
    assert_int_equal(mlp_knee((const double[]){1, 1, 1, 1, 1, 1}, chains, 6), 1);
    /* always helps: the last count (at least that many) */
    assert_int_equal(mlp_knee((const double[]){1, 2, 3, 4, 5, 6}, chains, 6), 32);
    assert_int_equal(mlp_knee(NULL, chains, 0), 0);
}

static void test_table_shape(void **state)
{
    (void)state;
    char run[PATH_MAX];
    free(testutil_memprobe_run(run, sizeof run, NULL, "--quick --filter '^mlp/' --counters none"));
    output_table *t = testutil_read_csv(run, "mlp.csv");
    assert_non_null(t);
    static const char *const cols[] = {"chains", "ns_per_load", "loads_per_ns", "speedup_vs_1", "knee_chains"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        assert_true(testutil_has_column(t, cols[i]));
    assert_int_equal(output_table_row_count(t), MLP_COUNTS);
    const char *knee = output_table_cell(t, 0, "knee_chains");
    int knee_is_a_count = 0;
    for (size_t r = 0; r < output_table_row_count(t); r++) {
        assert_int_equal(atoi(output_table_cell(t, r, "chains")), mlp_chain_counts[r]);
        assert_string_equal(output_table_cell(t, r, "knee_chains"), knee);
        assert_true(strtod(output_table_cell(t, r, "loads_per_ns"), NULL) > 0);
        knee_is_a_count |= atoi(knee) == mlp_chain_counts[r];
    }
    assert_true(knee_is_a_count);
    assert_true(strtod(output_table_cell(t, 0, "speedup_vs_1"), NULL) == 1.0);
    output_table_free(t);
    testutil_remove_run(run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_knee),
        cmocka_unit_test(test_table_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

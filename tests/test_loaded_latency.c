/*
 * test_loaded_latency.c — the loaded_latency family: a --quick run on two
 * CPUs or more writes loaded_latency.csv with the idle point first (no
 * injector, nothing injected) and then, for read and for mix_2to1, one row per
 * delay from 0 to 16384 in rising order, each naming the injectors (every
 * allowed CPU but the chaser's) and a positive bandwidth; on one CPU the
 * family skips with one line.  No assertion depends on how long anything
 * took.
 */
#include "../benches/loaded_latency.c"

#include "testutil.h"

static void test_table_shape(void **state)
{
    (void)state;
    if (topo_pu_count(testutil_machine) < 2)
        skip();
    char run[PATH_MAX];
    free(testutil_memprobe_run(run, sizeof run, NULL, "--quick --filter '^loaded_latency/' --counters none"));
    output_table *t = testutil_read_csv(run, "loaded_latency.csv");
    assert_non_null(t);
    assert_int_equal(output_table_row_count(t), 1 + 2 * LL_DELAYS);
    assert_string_equal(output_table_cell(t, 0, "variant"), "idle");
    assert_string_equal(output_table_cell(t, 0, "injectors"), "0");
    char injectors[16];
    snprintf(injectors, sizeof injectors, "%d", topo_pu_count(testutil_machine) - 1);
    for (int v = 0; v < 2; v++)
        for (int i = 0; i < LL_DELAYS; i++) {
            size_t r = 1 + (size_t)(v * LL_DELAYS + i);
            assert_string_equal(output_table_cell(t, r, "variant"), ll_names[LL_READ + v]);
            assert_int_equal(atoi(output_table_cell(t, r, "delay")), ll_delays[i]);
            assert_string_equal(output_table_cell(t, r, "injectors"), injectors);
            assert_true(strtod(output_table_cell(t, r, "injected_gb_per_s"), NULL) > 0);
            assert_true(strtod(output_table_cell(t, r, "ns_per_load"), NULL) > 0);
        }
    output_table_free(t);
    testutil_remove_run(run);
}

static void test_one_cpu_skips(void **state)
{
    (void)state;
    char err[256], why[256] = "";
    topo *t = topo_load_synthetic("pack:1 core:1 pu:1", err, sizeof err);
    assert_non_null(t);
    bench_config cfg = {.topo = t, .quick = 1, .repetitions = 1, .ram_bytes = 8ull << 30};
    size_t before = cbench_registered_count();
    bench_family_loaded_latency.register_benchmarks(&cfg, why, sizeof why);
    assert_non_null(strstr(why, "needs 2 CPUs"));
    assert_int_equal(cbench_registered_count(), before);
    topo_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_shape),
        cmocka_unit_test(test_one_cpu_skips),
    };
    return cmocka_run_group_tests(tests, testutil_group_setup, testutil_group_teardown);
}

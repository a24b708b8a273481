/*
 * test_c2c.c — the c2c family and the pairs and pingpong modules it stands
 * on: ping-pong completes exactly the round trips it claims with the right final sequence
 * (both variants), the protocol check catches a missing answer, the pairs
 * registered are the topology module's (representative pairs by default,
 * every pair with --c2c-all), c2c_matrix.csv rows, the pairs helpers
 * (quantiles, CPU lists, budgets), and — an integration run of bin/memprobe —
 * that the pair families skip with a message and exit 0 on one CPU.
 * Includes the family's source to reach its statics.  No assertion depends
 * on timing: runs are bounded by a sample count, with a generous deadline.
 */
#include "../benches/c2c.c"

#include "testutil.h"

#include <math.h>

#include "memprobe/stats.h"

#define SAMPLES 40            /* batches of PINGPONG_BATCH round trips */

static topo *machine;

static int setup(void **state)
{
    (void)state;
    return testutil_load_machine(&machine, 1);
}

static int teardown(void **state)
{
    (void)state;
    topo_free(machine);
    return 0;
}


/* ---- the protocol ---- */

static void test_load_store_completes_round_trips(void **state)
{
    (void)state;
    topo_pair p = testutil_first_pair(machine);
    char err[256] = "";
    pingpong_run *r = pingpong_measure(machine, &p, PINGPONG_LOAD_STORE, 60.0, SAMPLES, err, sizeof err);
    assert_non_null(r);
    assert_int_equal(r->n_samples, SAMPLES);
    assert_int_equal(r->round_trips, (uint64_t)SAMPLES * PINGPONG_BATCH);
    assert_int_equal(r->responses, r->round_trips);
    assert_int_equal(r->final_value, r->round_trips);
    assert_int_equal(pingpong_verify(r, err, sizeof err), 0);
    for (size_t i = 0; i < r->n_samples; i++)
        assert_true(r->samples[i] > 0);
    pingpong_free(r);
}

static void test_cas_completes_round_trips(void **state)
{
    (void)state;
    topo_pair p = testutil_first_pair(machine);
    char err[256] = "";
    pingpong_run *r = pingpong_measure(machine, &p, PINGPONG_CAS, 60.0, SAMPLES, err, sizeof err);
    assert_non_null(r);
    assert_int_equal(r->n_samples, SAMPLES);
    /* the first move only starts the chain */
    assert_int_equal(r->round_trips, 1 + (uint64_t)SAMPLES * PINGPONG_BATCH);
    assert_int_equal(r->responses, r->round_trips);
    assert_int_equal(r->final_value, 2 * r->round_trips);
    assert_int_equal(pingpong_verify(r, err, sizeof err), 0);
    pingpong_free(r);
}

static void test_verify_catches_a_missing_answer(void **state)
{
    (void)state;
    pingpong_run r = {.variant = PINGPONG_CAS, .round_trips = 10, .responses = 9, .final_value = 20};
    char err[256] = "";
    assert_int_equal(pingpong_verify(&r, err, sizeof err), -1);
    assert_non_null(strstr(err, "9 answered"));
    r.responses = 10;
    r.final_value = 19;
    assert_int_equal(pingpong_verify(&r, err, sizeof err), -1);
    r.final_value = 20;
    assert_int_equal(pingpong_verify(&r, err, sizeof err), 0);
    r.abandoned = 1;
    assert_int_equal(pingpong_verify(&r, err, sizeof err), -1);
}

/* ---- which pairs ---- */

static void assert_same_pair(const topo_pair *a, const topo_pair *b)
{
    assert_int_equal(a->cpu_a, b->cpu_a);
    assert_int_equal(a->cpu_b, b->cpu_b);
    assert_int_equal(a->pair_class, b->pair_class);
}

/* Register c2c on a synthetic topology; the slots must hold want[0..n) for
 * each variant, in order. */
static void assert_registers_pairs(const topo *t, int all, const topo_pair *want, int n)
{
    bench_config cfg = {.topo = t, .quick = 1, .repetitions = 1};
    char why[256] = "";
    size_t before = cbench_registered_count();
    c2c.all = all;
    bench_family_c2c.register_benchmarks(&cfg, why, sizeof why);
    assert_string_equal(why, "");
    assert_int_equal(c2c.n_slots, n * PINGPONG_VARIANT_COUNT);
    assert_int_equal(cbench_registered_count() - before, (size_t)n * PINGPONG_VARIANT_COUNT);
    for (int v = 0; v < PINGPONG_VARIANT_COUNT; v++)
        for (int i = 0; i < n; i++) {
            assert_int_equal(c2c.slots[v * n + i].variant, v);
            assert_same_pair(&c2c.slots[v * n + i].pair, &want[i]);
        }
    bench_family_c2c.finish(&cfg);
    c2c.all = 0;
}

static void test_pairs_are_the_representative_pairs(void **state)
{
    (void)state;
    char err[256];
    topo *t = topo_load_synthetic("pack:2 numa:1 l3:1 l2:2 core:1 pu:2", err, sizeof err);
    assert_non_null(t);
    topo_pair want[TOPO_PAIR_CLASS_COUNT];
    int n = topo_representative_pairs(t, want, TOPO_PAIR_CLASS_COUNT);
    assert_true(n >= 3);   /* smt, a shared-cache class, cross-package */
    topo_pair *got;
    assert_int_equal(pairs_select(t, 0, &got), n);
    for (int i = 0; i < n; i++)
        assert_same_pair(&got[i], &want[i]);
    free(got);
    assert_registers_pairs(t, 0, want, n);
    topo_free(t);
}

static void test_c2c_all_registers_every_pair(void **state)
{
    (void)state;
    char err[256];
    topo *t = topo_load_synthetic("pack:2 core:2 pu:2", err, sizeof err);
    assert_non_null(t);
    topo_pair *want;
    int n = topo_all_pairs(t, 1, &want);
    assert_int_equal(n, 8 * 7 / 2);
    assert_registers_pairs(t, 1, want, n);
    free(want);
    topo_free(t);
}

static void test_one_cpu_registers_nothing(void **state)
{
    (void)state;
    char err[256], why[256] = "", cpu[16];
    snprintf(cpu, sizeof cpu, "%d", topo_pu(machine, 0));
    topo *one = topo_load(cpu, err, sizeof err);
    assert_non_null(one);
    bench_config cfg = {.topo = one, .quick = 1, .repetitions = 1};
    size_t before = cbench_registered_count();
    bench_family_c2c.register_benchmarks(&cfg, why, sizeof why);
    assert_int_equal(cbench_registered_count(), before);
    assert_non_null(strstr(why, "needs 2 CPUs, 1 allowed"));
    bench_family_c2c.finish(&cfg);
    topo_free(one);
}

/* ---- c2c_matrix.csv ---- */

static void test_matrix_row(void **state)
{
    (void)state;
    output_tables_reset();
    c2c_slot slot = {.variant = PINGPONG_CAS, .pair = {3, 7, TOPO_PAIR_NUMA}, .repetition = 2};
    double v[] = {40, 10, 20, 30};
    pairs_summary s;
    pairs_summarize(v, 4, &s);
    c2c_matrix_row(&slot, &s);
    output_table *t = output_table_get("c2c_matrix.csv");
    assert_int_equal(output_table_row_count(t), 1);
    assert_string_equal(output_table_column(t, 0), "cpu_a");
    assert_string_equal(output_table_cell(t, 0, "cpu_a"), "3");
    assert_string_equal(output_table_cell(t, 0, "cpu_b"), "7");
    assert_string_equal(output_table_cell(t, 0, "pair_class"), "numa");
    assert_string_equal(output_table_cell(t, 0, "variant"), "cas");
    assert_string_equal(output_table_cell(t, 0, "median_ns"), "25");   /* between 20 and 30 (linear) */
    assert_string_equal(output_table_cell(t, 0, "min_ns"), "10");
    assert_string_equal(output_table_cell(t, 0, "samples"), "4");
    assert_string_equal(output_table_cell(t, 0, "repetition"), "2");
    output_tables_reset();
}

/* ---- pairs helpers ---- */

static void test_pairs_quantiles(void **state)
{
    (void)state;
    double v[] = {5, 1, 4, 2, 3, 10, 9, 8, 7, 6};
    pairs_summary s;
    pairs_summarize(v, 10, &s);
    assert_int_equal(s.n, 10);
    assert_true(s.min == 1 && s.max == 10 && s.mean == 5.5);
    /* linear interpolation at position q * (n - 1), as stats_percentile */
    assert_true(s.p50 == 5.5);
    assert_true(fabs(s.p90 - 9.1) < 1e-12 && fabs(s.p99 - 9.91) < 1e-12);
    assert_true(stats_quantile_sorted(v, 10, 0) == 1);
    assert_true(stats_quantile_sorted(v, 10, 1) == 10);
    double copy[] = {5, 1, 4, 2, 3, 10, 9, 8, 7, 6};
    assert_true(stats_percentile(copy, 10, 99) == s.p99);   /* one definition */
    pairs_summarize(v, 0, &s);
    assert_true(isnan(s.p50) && isnan(s.min));
}

static void test_pairs_cpus_and_budget(void **state)
{
    (void)state;
    char buf[32];
    pairs_format_cpus((const int[]){0, 1, 17}, 3, buf, sizeof buf);
    assert_string_equal(buf, "0,1,17");
    pairs_format_cpus((const int[]){123456, 654321}, 2, buf, 8);
    assert_true(strlen(buf) < 8);
    bench_config quick = {.quick = 1, .repetitions = 1}, full = {.quick = 0, .repetitions = 3};
    assert_true(pairs_share_s(&quick, 2.0, 10.0, 4, 0.01, 5.0) == 0.5);
    assert_true(fabs(pairs_share_s(&full, 2.0, 12.0, 4, 0.01, 5.0) - 1.0) < 1e-12);
    assert_true(pairs_share_s(&quick, 2.0, 10.0, 1000, 0.05, 5.0) == 0.05);
    assert_true(pairs_share_s(&quick, 2.0, 10.0, 0, 0.05, 1.0) == 1.0);
    void *p = pairs_calloc_lines(3);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % PAIRS_LINE, 0);
    free(p);
}

/* ---- integration: one CPU ---- */

static void test_one_cpu_run_skips_with_message(void **state)
{
    (void)state;
    if (access(MEMPROBE_BIN, X_OK) != 0 || testutil_run(NULL, "command -v taskset >/dev/null") != 0)
        skip();
    char dir[64], *out = NULL;
    testutil_scratch(dir, sizeof dir);
    int rc = testutil_run(&out, "taskset -c %d %s run --quick --counters none "
                                "--filter '^(c2c|falseshare|visibility)/' --out %s/run",
                          topo_pu(machine, 0), MEMPROBE_BIN, dir);
    if (rc != 0)
        fprintf(stderr, "%s", out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "c2c: skipped: needs 2 CPUs"));
    assert_non_null(strstr(out, "falseshare: skipped: needs 2 CPUs"));
    assert_non_null(strstr(out, "visibility: skipped: needs 2 CPUs"));
    free(out);
    testutil_run(NULL, "rm -rf %s", dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_store_completes_round_trips),
        cmocka_unit_test(test_cas_completes_round_trips),
        cmocka_unit_test(test_verify_catches_a_missing_answer),
        cmocka_unit_test(test_pairs_are_the_representative_pairs),
        cmocka_unit_test(test_c2c_all_registers_every_pair),
        cmocka_unit_test(test_one_cpu_registers_nothing),
        cmocka_unit_test(test_matrix_row),
        cmocka_unit_test(test_pairs_quantiles),
        cmocka_unit_test(test_pairs_cpus_and_budget),
        cmocka_unit_test(test_one_cpu_run_skips_with_message),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

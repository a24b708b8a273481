/*
 * test_harness.c — the harness family: it registers the C loop, its native
 * twin and the clock read, each runs and reports a time per iteration, the
 * C loop runs exactly the iterations libbenchmark asked for, and the C loop
 * starts on a cache line of its own (as the native one does), so code
 * placement cannot decide the comparison.  Includes the family's source to
 * reach its statics.  No assertion depends on how long anything took.
 */
#include "testutil.h"

#include <math.h>

#include "../benches/harness.c"

typedef struct seen {
    int rows;
    int ok[3];
    const char *names[3];
} seen;

static void collect(const cbench_result *r, void *ctx)
{
    seen *s = ctx;
    if (r->aggregate[0])
        return;
    for (int i = 0; i < 3; i++)
        if (strcmp(r->function_name, s->names[i]) == 0)
            s->ok[i] = r->status == CBENCH_OK && r->iterations > 0 && r->real_ns > 0 && isfinite(r->real_ns);
    s->rows++;
}

static void test_family_runs_its_three_loops(void **state)
{
    (void)state;
    char why[128] = "";
    bench_config cfg = {.quick = 1, .repetitions = 1};
    size_t before = cbench_registered_count();
    bench_family_harness.register_benchmarks(&cfg, why, sizeof why);
    assert_int_equal(cbench_registered_count() - before, 3);
    seen s = {.names = {"harness/c_loop", "harness/native_loop", "harness/clock_now"}};
    cbench_run(NULL, collect, &s);
    assert_int_equal(s.rows, 3);
    for (int i = 0; i < 3; i++)
        assert_true(s.ok[i]);
}

/* The countdown runs the batch's iterations, no more, no fewer. */
static int64_t counted;

static void count_loop(cbench_state *st)
{
    for (int64_t n; (n = cbench_next_batch(st)) > 0;)
        for (int64_t i = n; i != 0; i--) {
            int x = 1;
            cbench_do_not_optimize_rw(x);
            counted += x;
        }
}

static void capture(const cbench_result *r, void *ctx)
{
    if (!r->aggregate[0])
        *(int64_t *)ctx = r->iterations;
}

static void test_countdown_runs_every_iteration(void **state)
{
    (void)state;
    counted = 0;
    cbench_bench *b = cbench_register("t/countdown", count_loop, NULL);
    cbench_iterations(b, 12345);
    int64_t iterations = 0;
    cbench_run(NULL, capture, &iterations);
    assert_int_equal(iterations, 12345);
    assert_int_equal(counted, 12345);
}

static void test_loop_on_its_own_line(void **state)
{
    (void)state;
    assert_int_equal((uintptr_t)harness_c_loop % 64, 0);
    assert_int_equal((uintptr_t)harness_clock_now % 64, 0);
}

int main(void)
{
    char *argv[] = {"test_harness", "--benchmark_min_time=0.01", NULL};
    cbench_init(2, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_family_runs_its_three_loops),
        cmocka_unit_test(test_countdown_runs_every_iteration),
        cmocka_unit_test(test_loop_on_its_own_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

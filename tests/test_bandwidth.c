/*
 * test_bandwidth.c — the bandwidth family: a run of every kernel on one and
 * on two pinned threads leaves what the kernel must (read's sum, the copy's
 * destination, triad's values: checked by the family itself, and the check
 * is shown to catch a wrong element); the registered instances take their
 * CPUs in topo_spread_order and go 1, 2, 4 ... up to every CPU.  Includes
 * the family's source to reach its statics.  Runs are bounded in time; no
 * assertion depends on how long anything took.
 */
#include "../benches/bandwidth.c"

#include "testutil.h"

#define SET_BYTES (96u << 10)

/* One run of kernel k in width w on n threads; the run (free it). */
static bw_run *run_kernel(streams_kernel k, streams_width w, int n)
{
    bw.topo = testutil_machine;
    bw.n_order = topo_spread_order(testutil_machine, bw.order, BW_MAX_THREADS);
    if (bw.n_order < n)
        skip();
    bw.policy = PAGES_BASE;
    bw.budget_s = 0.005;
    bw_run *r = pairs_calloc_lines(sizeof *r);
    assert_non_null(r);
    r->kernel = k;
    r->width = w;
    r->elems = SET_BYTES / (size_t)streams_arrays(k) / sizeof(double) / STREAMS_BLOCK * STREAMS_BLOCK;
    r->budget_ns = 5000000;
    r->n = n;
    pin_barrier_init(&r->start, n);
    char err[256] = "";
    assert_non_null(pairs_run_shared(testutil_machine, bw.order, n, bw_thread, r, bw_run_free, 10.0, err, sizeof err));
    return r;
}

static void test_every_kernel_checks_out(void **state)
{
    (void)state;
    streams_width widths[] = {STREAMS_SCALAR, streams_widest()};
    for (int n = 1; n <= 2; n++)
        for (int w = 0; w < 2; w++)
            for (int k = 0; k < STREAMS_KERNEL_COUNT; k++) {
                if (!streams_usable((streams_kernel)k, widths[w]) || (n == 2 && topo_pu_count(testutil_machine) < 2))
                    continue;
                bw_run *r = run_kernel((streams_kernel)k, widths[w], n);
                size_t errors;
                const char *first = bw_first_error(r, &errors);
                if (first)
                    fail_msg("%s/%s on %d threads: %s", streams_kernel_name((streams_kernel)k),
                             streams_width_name(widths[w]), n, first);
                for (int i = 0; i < n; i++)
                    assert_true(r->workers[i].passes > 0 && r->workers[i].elapsed_ns > 0);
                bw_run_free(r);
            }
    for (int i = 0; i < BW_MAX_THREADS; i++)
        pages_unmap(&bw.buffers[i].map);
}

static void test_check_catches_a_wrong_copy(void **state)
{
    (void)state;
    bw_run *r = run_kernel(STREAMS_COPY, STREAMS_SCALAR, 1);
    double *a, *b, *c;
    bw_arrays(bw.buffers[0].map.p, r->elems, &a, &b, &c);
    bw_verify(r, &r->workers[0], streams_get(STREAMS_COPY, STREAMS_SCALAR), a, b, c);
    assert_int_equal(r->workers[0].errors, 0);
    a[61 * 3] += 1;   /* an element the check looks at */
    bw_verify(r, &r->workers[0], streams_get(STREAMS_COPY, STREAMS_SCALAR), a, b, c);
    assert_int_equal(r->workers[0].errors, 1);
    assert_non_null(strstr(r->workers[0].err, "element 183"));
    bw_run_free(r);
    pages_unmap(&bw.buffers[0].map);
}

static void test_threads_follow_the_spread_order(void **state)
{
    (void)state;
    char err[256], why[256] = "";
    topo *t = topo_load_synthetic("pack:1 core:3 pu:2", err, sizeof err);
    assert_non_null(t);
    bench_config cfg = {.topo = t, .quick = 1, .repetitions = 1, .ram_bytes = 8ull << 30};
    bench_family_bandwidth.register_benchmarks(&cfg, why, sizeof why);
    assert_string_equal(why, "");
    int want[6];
    assert_int_equal(topo_spread_order(t, want, 6), 6);
    assert_int_equal(bw.n_order, 6);
    assert_memory_equal(bw.order, want, sizeof want);
    assert_int_equal(bw_next_threads(1), 2);
    assert_int_equal(bw_next_threads(2), 4);
    assert_int_equal(bw_next_threads(4), 6);   /* every CPU last */
    assert_int_equal(bw_next_threads(6), 7);   /* past it: the end */
    unsigned long long sets[4] = {0};
    int n = bw_level_sets(&cfg, 2, sets);
    assert_true(n >= 1);
    for (int i = 1; i < n; i++)
        assert_true(sets[i] > sets[i - 1]);   /* distinct, rising */
    bench_family_bandwidth.finish(&cfg);
    topo_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kernel_checks_out),
        cmocka_unit_test(test_check_catches_a_wrong_copy),
        cmocka_unit_test(test_threads_follow_the_spread_order),
    };
    return cmocka_run_group_tests(tests, testutil_group_setup, testutil_group_teardown);
}

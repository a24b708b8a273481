/*
 * test_placement.c — the placement probes (harness/placement.c): when two
 * probes count as different, how pair rows are marked from the probes
 * around them (aggregates take the worst of their repetitions), and, on
 * this machine, that a run of two pair families takes a probe at the start,
 * one before the second family and one at the end, and tags every pair run
 * with the probe before it.  No assertion depends on the probes' values.
 */
#include "testutil.h"

#include <math.h>

#include "memprobe/output.h"
#include "memprobe/pairs.h"
#include "memprobe/placement.h"

static void test_differs(void **state)
{
    (void)state;
    assert_int_equal(placement_differs(23, 289), 1);
    assert_int_equal(placement_differs(289, 23), 1);
    assert_int_equal(placement_differs(100, 200), 0);   /* exactly 2x is not more than 2x */
    assert_int_equal(placement_differs(100, 201), 1);
    assert_int_equal(placement_differs(100, 120), 0);
    assert_int_equal(placement_differs(NAN, 120), -1);
    assert_int_equal(placement_differs(100, 0), -1);
}

/* A pair row as the CLI writes it: benchmark, repetition or aggregate, the
 * placement_probe tag, label last. */
static void add_row(output_table *t, const char *bench, const char *aggregate, const char *probe)
{
    output_table_row(t);
    output_table_set_str(t, "benchmark", bench);
    output_table_set_str(t, "aggregate", aggregate);
    if (probe)
        output_table_set_str(t, "placement_probe", probe);
    output_table_set_str(t, "label", "cpus=0,1");
}

static void test_mark_rows(void **state)
{
    (void)state;
    output_table *t = output_table_new();
    add_row(t, "c2c/cas", "", "0");            /* 20 -> 25: stable */
    add_row(t, "c2c/cas", "", "1");            /* 25 -> 300: changed */
    add_row(t, "c2c/cas", "median", NULL);     /* its repetitions: stable and changed (no tags of its own) */
    add_row(t, "litmus/sb", "", "2");          /* 300 -> 290: stable */
    add_row(t, "litmus/sb", "median", "2");
    add_row(t, "litmus/mp", "", "3");          /* no probe after it */
    add_row(t, "latency/chase", "", NULL);     /* not a pair row */
    const double ns[] = {20, 25, 300, 290};
    placement_mark_rows(t, ns, 4);
    static const char *const want[] = {"stable", "changed", "changed", "stable", "stable", "unknown", NULL};
    for (size_t r = 0; r < 7; r++) {
        const char *got = output_table_cell(t, r, "placement");
        if (want[r])
            assert_string_equal(got, want[r]);
        else
            assert_null(got);
    }
    size_t n = output_table_column_count(t);
    assert_string_equal(output_table_column(t, n - 2), "placement");   /* among the tags, before label */
    assert_string_equal(output_table_cell(t, 0, "label"), "cpus=0,1");
    output_table_free(t);
}

static void pair_run(cbench_state *st)
{
    topo_pair p;
    if (pairs_begin(st, testutil_machine, &p) == 0)
        pairs_end(st, 1e-6);
}

static char labels[8][256];
static int n_labels;

static void keep_label(const cbench_result *r, void *ctx)
{
    (void)ctx;
    if (n_labels < 8)
        snprintf(labels[n_labels++], sizeof labels[0], "%s", r->label);
}

static void test_probes_around_pair_families(void **state)
{
    (void)state;
    topo_pair p = testutil_first_pair(testutil_machine);
    placement_begin(testutil_machine, NULL);
    assert_int_equal(placement_probe_count(), 1);
    pairs_register("fama/x", pair_run, NULL, &p);
    pairs_register("fama/y", pair_run, NULL, &p);
    pairs_register("famb/x", pair_run, NULL, &p);
    n_labels = 0;
    cbench_run(NULL, keep_label, NULL);
    assert_int_equal(placement_probe_count(), 2);   /* start, before famb */
    output_table *t = output_table_new();
    assert_int_equal(placement_finish(t, NULL, 1, NULL) >= 0, 1);
    assert_int_equal(placement_probe_count(), 3);   /* and the end */
    for (int i = 0; i < 3; i++)
        assert_true(placement_probe_ns(i) > 0);
    assert_int_equal(n_labels, 3);
    assert_non_null(strstr(labels[0], "placement_probe=0"));
    assert_non_null(strstr(labels[1], "placement_probe=0"));
    assert_non_null(strstr(labels[2], "placement_probe=1"));
    output_table_free(t);
    /* after the end, pair runs are not tagged any more */
    pairs_register("famc/x", pair_run, NULL, &p);
    n_labels = 0;
    cbench_run(NULL, keep_label, NULL);
    assert_int_equal(n_labels, 1);
    assert_null(strstr(labels[0], "placement_probe"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_differs),
        cmocka_unit_test(test_mark_rows),
        cmocka_unit_test(test_probes_around_pair_families),
    };
    return cmocka_run_group_tests(tests, testutil_group_setup, testutil_group_teardown);
}

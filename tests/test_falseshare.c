/*
 * test_falseshare.c — the falseshare family: the counts are exact where they
 * must be (every private counter equals its thread's increments, with plain
 * and with atomic increments; the shared fetch_add counter equals the sum),
 * shared plain increments never gain updates, the count check catches a
 * wrong count, the layouts really put the counters the threads incremented
 * where they say (read from the run's own pointers), and the CPU groups are
 * the topology module's representative pairs (plus one wider group).
 * Includes the family's source to reach its statics.  Runs are bounded in
 * time; no assertion depends on how long anything took.
 */
#include "../benches/falseshare.c"

#include "testutil.h"

#define BUDGET_S 0.03

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

/* Run op/layout on the first two allowed CPUs (skip the test with one). */
static fs_run *run_on_pair(int op, int layout)
{
    if (topo_pu_count(machine) < 2)
        skip();
    const int cpus[2] = {topo_pu(machine, 0), topo_pu(machine, 1)};
    char err[256] = "";
    fs_run *r = fs_measure(machine, cpus, 2, op, layout, BUDGET_S, err, sizeof err);
    if (!r)
        fprintf(stderr, "fs_measure: %s\n", err);
    assert_non_null(r);
    for (int i = 0; i < 2; i++)
        assert_true(r->workers[i].increments > 0 && r->workers[i].increments % FS_CHUNK == 0);
    return r;
}

static void test_private_counters_exact(void **state)
{
    (void)state;
    for (int op = 0; op < FS_OP_COUNT; op++)
        for (int layout = FS_PAD128; layout <= FS_PACKED; layout++) {
            fs_run *r = run_on_pair(op, layout);
            char err[256] = "";
            for (int i = 0; i < 2; i++)
                assert_int_equal(atomic_load(r->workers[i].counter), r->workers[i].increments);
            assert_int_equal(fs_verify(r, err, sizeof err), 0);
            fs_run_free(r);
        }
}

static void test_shared_fetch_add_exact(void **state)
{
    (void)state;
    fs_run *r = run_on_pair(FS_FETCH_ADD, FS_SHARED);
    char err[256] = "";
    assert_int_equal(atomic_load(r->area), fs_total_increments(r));
    assert_int_equal(fs_verify(r, err, sizeof err), 0);
    fs_run_free(r);
}

static void test_shared_plain_never_gains(void **state)
{
    (void)state;
    fs_run *r = run_on_pair(FS_PLAIN, FS_SHARED);
    char err[256] = "";
    uint64_t got = atomic_load(r->area);
    /* every increment that landed came from some thread: the counter is
     * neither empty nor above the increments made */
    assert_true(got > 0);
    assert_true(got <= fs_total_increments(r));
    assert_true(fs_verify(r, err, sizeof err) >= 0);
    fs_run_free(r);
}

static void test_verify_catches_wrong_counts(void **state)
{
    (void)state;
    _Alignas(PAIRS_LINE) _Atomic uint64_t area[32] = {0};
    fs_run r = {.op = FS_FETCH_ADD, .layout = FS_PAD128, .n = 2, .area = area};
    r.workers[0].counter = &area[0];
    r.workers[1].counter = &area[16];
    r.workers[0].increments = 5;
    r.workers[1].increments = 7;
    atomic_store(&area[0], 5);
    atomic_store(&area[16], 6);
    char err[256] = "";
    assert_int_equal(fs_verify(&r, err, sizeof err), -1);
    assert_non_null(strstr(err, "worker 1 counted 6, incremented 7"));
    atomic_store(&area[16], 7);
    assert_int_equal(fs_verify(&r, err, sizeof err), 0);
    /* shared: fetch_add must be exact, plain may only lose */
    r.layout = FS_SHARED;
    atomic_store(&area[0], 11);
    assert_int_equal(fs_verify(&r, err, sizeof err), -1);
    r.op = FS_PLAIN;
    assert_int_equal(fs_verify(&r, err, sizeof err), 1);
    atomic_store(&area[0], 13);
    assert_int_equal(fs_verify(&r, err, sizeof err), -1);
}

/* Where a real run put its counters: packed, all FS_MAX_WORKERS in one
 * 64-byte line; pad64, one line each, adjacent; pad128, one line each,
 * 128 bytes apart; shared, all the same counter. */
static void test_layouts(void **state)
{
    (void)state;
    int cpus[FS_MAX_WORKERS];
    for (int i = 0; i < FS_MAX_WORKERS; i++)
        cpus[i] = topo_pu(machine, i % topo_pu_count(machine));
    for (int layout = 0; layout < FS_LAYOUT_COUNT; layout++) {
        char err[256] = "";
        fs_run *r = fs_measure(machine, cpus, FS_MAX_WORKERS, FS_FETCH_ADD, layout, BUDGET_S, err, sizeof err);
        if (!r)
            fail_msg("fs_measure(%s): %s", fs_layout_names[layout], err);
        uintptr_t first = (uintptr_t)r->workers[0].counter;
        for (int i = 0; i < FS_MAX_WORKERS; i++) {
            uintptr_t a = (uintptr_t)r->workers[i].counter;
            switch (layout) {
            case FS_PACKED:
                assert_int_equal(a / 64, first / 64);
                assert_int_equal(a - first, (uintptr_t)i * sizeof(uint64_t));
                break;
            case FS_PAD64:
                assert_int_equal(a / 64, first / 64 + (uintptr_t)i);
                break;
            case FS_PAD128:
                assert_int_equal(a / 64, first / 64 + 2 * (uintptr_t)i);
                break;
            default:
                assert_int_equal(a, first);
                break;
            }
        }
        fs_run_free(r);
    }
    char err[256];
    assert_null(fs_measure(machine, cpus, FS_MAX_WORKERS + 1, FS_PLAIN, FS_PACKED, BUDGET_S, err, sizeof err));
    assert_non_null(strstr(err, "1 to 8 accepted"));
}

static void test_groups_are_the_representative_pairs(void **state)
{
    (void)state;
    char err[256], why[256] = "";
    topo *t = topo_load_synthetic("pack:2 l3:1 core:4 pu:2", err, sizeof err);
    assert_non_null(t);
    topo_pair want[TOPO_PAIR_CLASS_COUNT];
    int n = topo_representative_pairs(t, want, TOPO_PAIR_CLASS_COUNT);
    bench_config cfg = {.topo = t, .quick = 1, .repetitions = 1};
    size_t before = cbench_registered_count();
    bench_family_falseshare.register_benchmarks(&cfg, why, sizeof why);
    assert_string_equal(why, "");
    assert_int_equal(fs.n_groups, n + 1);   /* 8 cores: one wider group too */
    for (int i = 0; i < n; i++) {
        assert_int_equal(fs.groups[i].n, 2);
        assert_int_equal(fs.groups[i].cpus[0], want[i].cpu_a);
        assert_int_equal(fs.groups[i].cpus[1], want[i].cpu_b);
    }
    assert_int_equal(fs.groups[n].n, FS_MAX_WORKERS);
    for (int i = 0; i < FS_MAX_WORKERS; i++)
        assert_int_equal(fs.groups[n].cpus[i], topo_core_pu(t, i));
    assert_int_equal(pairs_group_class(t, fs.groups[n].cpus, FS_MAX_WORKERS), TOPO_PAIR_CROSS_PACKAGE);
    assert_int_equal(cbench_registered_count() - before, (size_t)(n + 1) * FS_OP_COUNT * FS_LAYOUT_COUNT);
    bench_family_falseshare.finish(&cfg);
    topo_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_private_counters_exact),
        cmocka_unit_test(test_shared_fetch_add_exact),
        cmocka_unit_test(test_shared_plain_never_gains),
        cmocka_unit_test(test_verify_catches_wrong_counts),
        cmocka_unit_test(test_layouts),
        cmocka_unit_test(test_groups_are_the_representative_pairs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

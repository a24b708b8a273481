/*
 * test_gc.c — the gc family: its collection-event recorder (one forced
 * GC_gcollect() is exactly one collection with a positive pause), the
 * turning of event logs into pauses, the child protocol and its input
 * checks, and, end to end, that every parameter of a configuration lands in
 * its own column of gc_pauses.csv and results.csv.
 *
 * The family file is included so its static functions can be reached; this
 * copy of bench_family_gc then satisfies the registry's weak reference.
 */
#include "../benches/gc.c"

#include "testutil.h"

/* ---- the recorder, against the real collector ---- */

static gc_node *test_keep;   /* a little live data, so marking has work */

static void test_one_forced_collection(void **state)
{
    (void)state;
    gc_job j = {.heap = GC_HEAP_COLLECTED, .live = 64 * 1024, .object = 64};
    test_keep = gc_build_live(&j);
    assert_non_null(test_keep);
    assert_int_equal(gc_recorder_init(1024), 0);
    GC_word before = GC_get_gc_no();
    gc_recorder_arm(1);
    GC_gcollect();
    gc_recorder_arm(0);
    assert_int_equal(GC_get_gc_no() - before, 1);
    assert_int_equal(gc_recorder_dropped(), 0);

    gc_pause p[8];
    gc_totals tot;
    size_t n = gc_pauses_from_events(gc_event_log, gc_recorder_stored(), p, 8, &tot);
    assert_int_equal(n, 1);
    assert_int_equal(tot.pauses, 1);
    assert_int_equal(tot.collections, 1);
    assert_true(p[0].pause_ns > 0);
    assert_true(p[0].mark_ns > 0 && (uint64_t)p[0].mark_ns <= p[0].pause_ns);
    assert_true(p[0].collection_ns >= (int64_t)p[0].pause_ns);
    assert_int_equal(tot.collector_ns, (uint64_t)p[0].collection_ns);
    assert_int_equal(atomic_load(&gc_marks_seen), 1);
}

static void test_disarmed_records_nothing(void **state)
{
    (void)state;
    assert_int_equal(gc_recorder_init(16), 0);
    GC_gcollect();
    assert_int_equal(gc_recorder_stored(), 0);
}

static void test_full_log_drops_and_counts(void **state)
{
    (void)state;
    assert_int_equal(gc_recorder_init(3), 0);
    gc_recorder_arm(1);
    GC_gcollect();
    gc_recorder_arm(0);
    assert_int_equal(gc_recorder_stored(), 3);
    assert_true(gc_recorder_dropped() > 0);
}

/* ---- event logs to pauses (synthetic logs, exact numbers) ---- */

static void test_pauses_whole_collection(void **state)
{
    (void)state;
    const gc_event ev[] = {
        {100, GC_EVENT_START},        {110, GC_EVENT_PRE_STOP_WORLD}, {115, GC_EVENT_POST_STOP_WORLD},
        {120, GC_EVENT_MARK_START},   {170, GC_EVENT_MARK_END},       {175, GC_EVENT_PRE_START_WORLD},
        {180, GC_EVENT_POST_START_WORLD}, {190, GC_EVENT_RECLAIM_START}, {200, GC_EVENT_RECLAIM_END},
        {210, GC_EVENT_END},
    };
    gc_pause p[4];
    gc_totals tot;
    assert_int_equal(gc_pauses_from_events(ev, 10, p, 4, &tot), 1);
    assert_int_equal(p[0].start_ns, 110);
    assert_int_equal(p[0].pause_ns, 70);
    assert_int_equal(p[0].mark_ns, 50);
    assert_int_equal(p[0].collection_ns, 110);
    assert_int_equal(tot.collections, 1);
    assert_int_equal(tot.collector_ns, 110);
    assert_int_equal(tot.mark_ns, 50);
}

/* Incremental mode reports pauses and reclaim phases without START/END. */
static void test_pauses_without_collection_events(void **state)
{
    (void)state;
    const gc_event ev[] = {
        {0, GC_EVENT_PRE_STOP_WORLD},  {5, GC_EVENT_POST_STOP_WORLD},  {10, GC_EVENT_MARK_START},
        {30, GC_EVENT_MARK_END},       {35, GC_EVENT_PRE_START_WORLD}, {40, GC_EVENT_POST_START_WORLD},
        {50, GC_EVENT_RECLAIM_START},  {60, GC_EVENT_RECLAIM_END},
        {100, GC_EVENT_PRE_STOP_WORLD}, {107, GC_EVENT_POST_START_WORLD},
    };
    gc_pause p[4];
    gc_totals tot;
    assert_int_equal(gc_pauses_from_events(ev, 10, p, 4, &tot), 2);
    assert_int_equal(p[0].pause_ns, 40);
    assert_int_equal(p[0].mark_ns, 20);
    assert_int_equal(p[0].collection_ns, -1);
    assert_int_equal(p[1].pause_ns, 7);
    assert_int_equal(p[1].mark_ns, -1);
    assert_int_equal(tot.collections, 1);
    assert_int_equal(tot.collector_ns, 40 + 10 + 7);
}

/* A log armed in the middle of a collection: the half-seen parts are ignored. */
static void test_pauses_partial_log(void **state)
{
    (void)state;
    const gc_event ev[] = {
        {10, GC_EVENT_MARK_END}, {20, GC_EVENT_POST_START_WORLD}, {30, GC_EVENT_RECLAIM_END}, {40, GC_EVENT_END},
    };
    gc_pause p[2];
    gc_totals tot;
    assert_int_equal(gc_pauses_from_events(ev, 4, p, 2, &tot), 0);
    assert_int_equal(tot.pauses, 0);
    assert_int_equal(tot.collections, 0);
    assert_int_equal(tot.collector_ns, 0);
}

/* More pauses than room: the count is still right. */
static void test_pauses_more_than_room(void **state)
{
    (void)state;
    const gc_event ev[] = {
        {0, GC_EVENT_PRE_STOP_WORLD}, {4, GC_EVENT_POST_START_WORLD},
        {10, GC_EVENT_PRE_STOP_WORLD}, {13, GC_EVENT_POST_START_WORLD},
    };
    gc_pause p[1];
    gc_totals tot;
    assert_int_equal(gc_pauses_from_events(ev, 4, p, 1, &tot), 1);
    assert_int_equal(tot.pauses, 2);
    assert_int_equal(p[0].pause_ns, 4);
    assert_int_equal(tot.collector_ns, 7);
}

/* ---- the child protocol ---- */

/* throughput_vs_malloc's reference is the median of the baseline's
 * repetitions of the same configuration, not the first one stored. */
static void test_baseline_is_the_median(void **state)
{
    (void)state;
    gc_case c = {.live = 4 << 20, .object = 64, .work = 0}, other = {.live = 1 << 20, .object = 64, .work = 0};
    gc_run.baselines = 0;
    assert_true(isnan(gc_baseline_find(&c)));
    gc_baseline_store(&c, 100.0);
    gc_baseline_store(&other, 1e9);
    gc_baseline_store(&c, 300.0);
    gc_baseline_store(&c, 200.0);
    assert_true(gc_baseline_find(&c) == 200.0);
    gc_baseline_store(&c, 250.0);
    assert_true(gc_baseline_find(&c) == 225.0);
    assert_true(gc_baseline_find(&other) == 1e9);
    gc_run.baselines = 0;
}

static void test_kv_parsing(void **state)
{
    (void)state;
    const char *out = "pause i=0 pause_ns=5\nresult heap=gc allocs=12 ab=3 b=4\n";
    const char *res = child_line(out, "result");
    assert_non_null(res);
    double v = 0;
    assert_true(child_kv(res, "b", &v));
    assert_true(v == 4);
    assert_true(child_kv(res, "allocs", &v));
    assert_true(v == 12);
    assert_false(child_kv(res, "llocs", &v));
    assert_false(child_kv(res, "heap", &v));   /* not a number */
    assert_null(child_line(out, "paus"));
    assert_ptr_equal(child_next_line(out), res);
    assert_null(child_next_line(res));
}

static void test_columns_skip_unparsable_lines(void **state)
{
    (void)state;
    const char *out = "sample a=1 b=10\nresult a=99 b=99\nsample a=2\nsample a=3 b=30\nsampler a=7 b=7\n";
    static const char *const keys[] = {"a", "b"};
    double *v;
    size_t n = child_columns(out, "sample", keys, 2, &v);
    assert_int_equal(n, 2);
    assert_non_null(v);
    assert_true(v[0] == 1 && v[1] == 3);     /* column a */
    assert_true(v[2] == 10 && v[3] == 30);   /* column b */
    free(v);
    assert_int_equal(child_columns(out, "pause", keys, 2, &v), 0);
    assert_null(v);
}

static void test_child_args_checked(void **state)
{
    (void)state;
    gc_job j;
    unsigned long long m, d, inc;
    char *good[] = {"heap=malloc", "live=2M", "object=128", "markers=2", "incremental=1"};
    memset(&j, 0, sizeof j);
    assert_int_equal(gc_child_args(5, good, &j, &m, &d, &inc), 0);
    assert_int_equal(j.heap, GC_HEAP_MALLOC);
    assert_int_equal(j.live, 2 * 1024 * 1024);
    assert_int_equal(j.object, 128);
    assert_int_equal(m, 2);
    assert_int_equal(d, 3);
    assert_int_equal(inc, 1);
    char *bad_heap[] = {"heap=arena"};
    char *small_object[] = {"heap=gc", "object=8"};
    char *bad_incremental[] = {"heap=gc", "incremental=2"};
    assert_int_equal(gc_child_args(1, bad_heap, &j, &m, &d, &inc), -1);
    assert_int_equal(gc_child_args(2, small_object, &j, &m, &d, &inc), -1);
    assert_int_equal(gc_child_args(2, bad_incremental, &j, &m, &d, &inc), -1);
}

static void test_child_process(void **state)
{
    (void)state;
    char *out = NULL;
    int rc = testutil_run(&out, "%s __child gc heap=gc live=1M min_ms=20 max_ms=2000 min_collections=2", MEMPROBE_BIN);
    assert_int_equal(rc, 0);
    const char *res = child_line(out, "result");
    assert_non_null(res);
    double pauses = -1, collections = -1, allocs = 0;
    assert_true(child_kv(res, "pauses", &pauses));
    assert_true(child_kv(res, "collections", &collections));
    assert_true(child_kv(res, "allocs", &allocs));
    assert_true(collections >= 2);
    assert_true(allocs > 0);
    int lines = 0;
    for (const char *p = child_line(out, "pause"); p; p = child_next_line(p))
        lines += strncmp(p, "pause ", 6) == 0;
    assert_int_equal(lines, (int)pauses);
    free(out);

    rc = testutil_run(&out, "%s __child gc heap=gc object=8", MEMPROBE_BIN);
    assert_int_equal(rc, 2);
    assert_int_equal(testutil_count_lines(out), 1);
    assert_non_null(strstr(out, "object='8'"));
    free(out);
}

/* ---- end to end: every parameter in its own column ---- */

/* A cell the test needs: a missing column or row fails the test, naming
 * them, instead of being dereferenced. */
static const char *test_cell(const output_table *t, size_t r, const char *column)
{
    const char *v = output_table_cell(t, r, column);
    if (!v)
        fail_msg("row %zu has no '%s' cell", r, column);
    return v;
}

static void test_every_parameter_in_its_column(void **state)
{
    (void)state;
    char run[128];
    free(testutil_memprobe_run(run, sizeof run, NULL, "--quick --filter '^(gc|hoard)/'"));

    static const char *const params[] = {"live_bytes", "object_bytes", "divisor", "markers", "incremental",
                                         "work_per_alloc", "cpus", "repetition"};
    /* rows of this family (heap gc; a Go companion may add heap=go rows) */
    output_table *p = testutil_read_csv(run, "gc_pauses.csv");
    assert_non_null(p);
    size_t ours = 0;
    for (size_t r = 0; r < output_table_row_count(p); r++) {
        if (strcmp(test_cell(p, r, "heap"), "gc") != 0)
            continue;
        ours++;
        for (size_t c = 0; c < sizeof params / sizeof *params; c++) {
            const char *v = output_table_cell(p, r, params[c]);
            if (!v || !*v)
                fail_msg("gc_pauses.csv row %zu: column %s empty", r, params[c]);
        }
        assert_true(atof(test_cell(p, r, "pause_ns")) > 0);
    }
    assert_true(ours > 0);
    output_table_free(p);

    output_table *res = testutil_read_csv(run, "results.csv");
    assert_non_null(res);
    int collected = 0, hoard = 0;
    for (size_t r = 0; r < output_table_row_count(res); r++) {
        const char *family = test_cell(res, r, "family");
        const char *variant = test_cell(res, r, "variant");
        assert_string_equal(test_cell(res, r, "status"), "ok");
        if (strcmp(family, "gc") == 0 && strcmp(variant, "collected") == 0) {
            collected++;
            for (size_t c = 0; c < 6; c++)
                assert_true(*test_cell(res, r, params[c]) != '\0');
            /* every collected run saw a collection, however busy the machine (the family waits for one) */
            assert_true(atof(test_cell(res, r, "pauses")) >= 1);
            assert_true(atof(test_cell(res, r, "pause_max_ns")) > 0);
            assert_true(atof(test_cell(res, r, "allocs_per_second")) > 0);
        }
        const char *heap = output_table_cell(res, r, "heap");
        if (strcmp(family, "hoard") == 0 && heap && (!strcmp(heap, "gc") || !strcmp(heap, "malloc"))) {
            hoard++;
            static const char *const hp[] = {"value_bytes", "insert_rate", "bound_bytes", "cap_bytes"};
            for (size_t c = 0; c < 4; c++)
                assert_true(*test_cell(res, r, hp[c]) != '\0');
        }
    }
    assert_true(collected > 0);
    assert_int_equal(hoard, 4);
    output_table_free(res);

    output_table *s = testutil_read_csv(run, "rss_series.csv");
    assert_non_null(s);
    static const char *const series[] = {"time_ms", "entries", "bytes_inserted", "rss_bytes", "heap_bytes",
                                         "variant", "allocator", "value_bytes", "insert_rate", "bound_bytes",
                                         "cap_bytes", "sample_ms"};
    for (size_t c = 0; c < sizeof series / sizeof *series; c++)
        assert_true(testutil_has_column(s, series[c]));
    output_table_free(s);
    testutil_remove_run(run);
}

int main(void)
{
    GC_INIT();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_forced_collection),
        cmocka_unit_test(test_disarmed_records_nothing),
        cmocka_unit_test(test_full_log_drops_and_counts),
        cmocka_unit_test(test_pauses_whole_collection),
        cmocka_unit_test(test_pauses_without_collection_events),
        cmocka_unit_test(test_pauses_partial_log),
        cmocka_unit_test(test_pauses_more_than_room),
        cmocka_unit_test(test_baseline_is_the_median),
        cmocka_unit_test(test_kv_parsing),
        cmocka_unit_test(test_columns_skip_unparsable_lines),
        cmocka_unit_test(test_child_args_checked),
        cmocka_unit_test(test_child_process),
        cmocka_unit_test(test_every_parameter_in_its_column),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

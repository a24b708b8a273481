/*
 * test_cbench.c — cbench (the C API over libbenchmark) and clock.c.
 *
 * Registers small C benchmarks, runs them through cbench_run() with a
 * callback that copies every result, and checks what arrives: iterations,
 * arguments and their names, user and PAPI counters per iteration, tags as
 * label, skips and errors, manual time, the JSON file, the filter,
 * repetitions and aggregates, and SIGINT-style stop.  Runs use a tiny
 * --benchmark_min_time so the whole file takes well under a second of
 * benchmarking; no assertion depends on how fast anything is.
 */
#include "testutil.h"

#include "memprobe/cbench.h"
#include "memprobe/clock.h"
#include "memprobe/counters.h"

#include <json-c/json.h>
#include <math.h>
#include <regex.h>
#include <sys/mman.h>

/* ---- collecting results ---- */

#define MAX_RESULTS 64
#define MAX_COUNTERS 32

typedef struct result_copy {
    char *name, *function_name, *args, *aggregate, *label, *message;
    int64_t repetition_index, repetitions, iterations;
    double real_ns, cpu_ns;
    cbench_status status;
    int n_counters;
    char *counter_names[MAX_COUNTERS];
    double counter_values[MAX_COUNTERS];
} result_copy;

static result_copy results[MAX_RESULTS];
static int n_results;

static void results_clear(void)
{
    for (int i = 0; i < n_results; i++) {
        result_copy *r = &results[i];
        free(r->name), free(r->function_name), free(r->args), free(r->aggregate);
        free(r->label), free(r->message);
        for (int c = 0; c < r->n_counters; c++)
            free(r->counter_names[c]);
    }
    memset(results, 0, sizeof results);
    n_results = 0;
}

static void collect(const cbench_result *r, void *ctx)
{
    int *calls = ctx;
    (*calls)++;
    assert_true(n_results < MAX_RESULTS);
    result_copy *c = &results[n_results++];
    c->name = strdup(r->name);
    c->function_name = strdup(r->function_name);
    c->args = strdup(r->args);
    c->aggregate = strdup(r->aggregate);
    c->label = strdup(r->label);
    c->message = strdup(r->message);
    c->repetition_index = r->repetition_index;
    c->repetitions = r->repetitions;
    c->iterations = r->iterations;
    c->real_ns = r->real_ns;
    c->cpu_ns = r->cpu_ns;
    c->status = r->status;
    assert_true(r->n_counters <= MAX_COUNTERS);
    c->n_counters = r->n_counters;
    for (int i = 0; i < r->n_counters; i++) {
        c->counter_names[i] = strdup(r->counter_names[i]);
        c->counter_values[i] = r->counter_values[i];
    }
}

/* Run everything registered; returns the number of results collected. */
static int run_all(const char *json_path)
{
    results_clear();
    int calls = 0;
    cbench_run(json_path, collect, &calls);
    assert_int_equal(calls, n_results);
    return n_results;
}

/* The only iteration row of function_name/args (fails when not exactly one). */
static const result_copy *row(const char *function_name, const char *args)
{
    const result_copy *found = NULL;
    for (int i = 0; i < n_results; i++)
        if (!strcmp(results[i].function_name, function_name) && !strcmp(results[i].args, args) &&
            !results[i].aggregate[0]) {
            assert_null(found);
            found = &results[i];
        }
    assert_non_null(found);
    return found;
}

/* Value of counter name in r; NAN when r has no such counter. */
static double counter(const result_copy *r, const char *name)
{
    for (int i = 0; i < r->n_counters; i++)
        if (!strcmp(r->counter_names[i], name))
            return r->counter_values[i];
    return NAN;
}

static void assert_ok_timing(const result_copy *r)
{
    assert_int_equal(r->status, CBENCH_OK);
    assert_true(r->iterations > 0);
    assert_true(r->real_ns > 0);
    assert_true(r->cpu_ns > 0);
}

/* ---- benchmark bodies and what they saw ---- */

typedef struct seen {
    int calls;
    int64_t last_total;      /* iterations run in the last call */
    int64_t last_max;        /* cbench_max_iterations in the last call */
    int bad_batches;         /* calls where the batches did not add up to max */
    int64_t ranges[8];       /* first argument of each instance run */
    int n_ranges;
} seen;

static void loop_and_record(cbench_state *st, seen *s)
{
    int64_t total = 0, batches = 0;
    for (int64_t n; (n = cbench_next_batch(st)) > 0;) {
        batches++;
        for (int64_t i = 0; i < n; i++) {
            total++;
            cbench_do_not_optimize(total);
        }
    }
    s->calls++;
    s->last_total = total;
    s->last_max = cbench_max_iterations(st);
    s->bad_batches += total != s->last_max || batches != 1;
}

static void bm_record(cbench_state *st)
{
    loop_and_record(st, cbench_user(st));
}

static void bm_record_args(cbench_state *st)
{
    seen *s = cbench_user(st);
    int64_t v = cbench_range(st, 0);
    if (s->n_ranges == 0 || (s->ranges[s->n_ranges - 1] != v && s->n_ranges < 8))
        s->ranges[s->n_ranges++] = v;   /* distinct values, in order */
    loop_and_record(st, s);
}

/* ---- tests ---- */

static void test_iterations_match_reported(void **state)
{
    (void)state;
    seen calibrated = {0}, fixed = {0};
    assert_non_null(cbench_register("t/calibrated", bm_record, &calibrated));
    cbench_bench *b = cbench_register("t/fixed", bm_record, &fixed);
    assert_non_null(b);
    cbench_iterations(b, 1000);
    run_all(NULL);

    const result_copy *r = row("t/calibrated", "");
    assert_ok_timing(r);
    assert_int_equal(r->iterations, calibrated.last_total);
    assert_int_equal(calibrated.bad_batches, 0);

    r = row("t/fixed", "");
    assert_ok_timing(r);
    assert_int_equal(r->iterations, 1000);
    assert_int_equal(fixed.last_total, 1000);
    assert_int_equal(fixed.calls, 1);
    assert_int_equal(fixed.bad_batches, 0);
}

static void test_arguments_and_names(void **state)
{
    (void)state;
    seen one = {0}, two = {0}, range = {0};
    size_t before = cbench_registered_count();

    cbench_bench *b = cbench_register("t/args", bm_record_args, &one);
    const char *const size_name[] = {"size"};
    cbench_arg_names(b, size_name, 1);
    cbench_arg(b, 64);
    cbench_arg(b, 128);

    b = cbench_register("t/pair", bm_record_args, &two);
    const char *const pair_names[] = {"size", "n"};
    const int64_t pair[] = {64, 2};
    cbench_arg_names(b, pair_names, 2);
    cbench_args(b, pair, 2);

    b = cbench_register("t/range", bm_record_args, &range);
    cbench_range_mult(b, 1, 8, 2);
    assert_int_equal(cbench_registered_count() - before, 2 + 1 + 4);

    run_all(NULL);
    assert_ok_timing(row("t/args", "size:64"));
    assert_ok_timing(row("t/args", "size:128"));
    assert_ok_timing(row("t/pair", "size:64/n:2"));
    const char *unnamed[] = {"1", "2", "4", "8"};
    for (int i = 0; i < 4; i++)
        assert_ok_timing(row("t/range", unnamed[i]));
    assert_int_equal(n_results, 7);

    /* each instance saw its own argument, in registration order */
    assert_int_equal(one.n_ranges, 2);
    assert_int_equal(one.ranges[0], 64);
    assert_int_equal(one.ranges[1], 128);
    assert_int_equal(two.n_ranges, 1);
    assert_int_equal(two.ranges[0], 64);
    assert_int_equal(range.n_ranges, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(range.ranges[i], 1 << i);
}

static void bm_counters(cbench_state *st)
{
    int64_t total = 0;
    for (int64_t n; (n = cbench_next_batch(st)) > 0;)
        total += n;
    cbench_counter(st, "touched", 3.0 * (double)total, CBENCH_COUNTER_AVG_ITER);
    cbench_counter(st, "plain", 7.0, CBENCH_COUNTER_PLAIN);
    cbench_set_bytes_processed(st, 64 * total);
    cbench_set_items_processed(st, total);
}

static void test_user_counters_per_iteration(void **state)
{
    (void)state;
    assert_non_null(cbench_register("t/counters", bm_counters, NULL));
    run_all(NULL);
    const result_copy *r = row("t/counters", "");
    assert_ok_timing(r);
    assert_true(fabs(counter(r, "touched") - 3.0) < 1e-9);
    assert_true(fabs(counter(r, "plain") - 7.0) < 1e-9);
    assert_true(counter(r, "bytes_per_second") > 0);
    assert_true(counter(r, "items_per_second") > 0);
}

static void bm_tags(cbench_state *st)
{
    cbench_tag(st, "cpus", "0,1");
    cbench_tag(st, "pair_class", "smt");
    for (int64_t n; (n = cbench_next_batch(st)) > 0;) {
    }
    cbench_tag(st, "pair_class", "llc");   /* replaces; set after the loop */
}

static void test_tags_become_label(void **state)
{
    (void)state;
    assert_non_null(cbench_register("t/tags", bm_tags, NULL));
    run_all(NULL);
    const result_copy *r = row("t/tags", "");
    assert_ok_timing(r);
    assert_string_equal(r->label, "cpus=0,1;pair_class=llc");
}

static void bm_skip_before(cbench_state *st)
{
    cbench_tag(st, "cpus", "0,1");
    cbench_skip(st, "needs 2 CPUs");
}

static void bm_skip_inside(cbench_state *st)
{
    for (int64_t n; (n = cbench_next_batch(st)) > 0;)
        cbench_skip(st, "gave up");
}

static void bm_error_after_pause(cbench_state *st)
{
    for (int64_t n; (n = cbench_next_batch(st)) > 0;) {
        cbench_pause_timing(st);
        cbench_error(st, "peer thread died");
    }
}

static void bm_returns_early(cbench_state *st)
{
    (void)st;
}

static void bm_leaves_loop_open(cbench_state *st)
{
    cbench_next_batch(st);   /* never asks for the end: the harness closes it */
}

static void bm_pause_resume(cbench_state *st)
{
    for (int64_t n; (n = cbench_next_batch(st)) > 0;) {
        cbench_pause_timing(st);
        cbench_pause_timing(st);    /* twice: harmless */
        cbench_resume_timing(st);
        cbench_resume_timing(st);
    }
}

static void test_skip_error_and_early_return(void **state)
{
    (void)state;
    cbench_register("t/skip_before", bm_skip_before, NULL);
    cbench_register("t/skip_inside", bm_skip_inside, NULL);
    cbench_register("t/error", bm_error_after_pause, NULL);
    cbench_register("t/early", bm_returns_early, NULL);
    cbench_register("t/open", bm_leaves_loop_open, NULL);
    cbench_register("t/pause", bm_pause_resume, NULL);
    run_all(NULL);

    const result_copy *r = row("t/skip_before", "");
    assert_int_equal(r->status, CBENCH_SKIPPED);
    assert_string_equal(r->message, "needs 2 CPUs");
    assert_string_equal(r->label, "cpus=0,1");
    assert_true(isnan(r->real_ns));

    r = row("t/skip_inside", "");
    assert_int_equal(r->status, CBENCH_SKIPPED);
    assert_string_equal(r->message, "gave up");

    r = row("t/error", "");
    assert_int_equal(r->status, CBENCH_ERROR);
    assert_string_equal(r->message, "peer thread died");

    r = row("t/early", "");
    assert_int_equal(r->status, CBENCH_ERROR);
    assert_non_null(strstr(r->message, "returned without running its loop"));

    assert_ok_timing(row("t/open", ""));
    assert_ok_timing(row("t/pause", ""));
}

/* Instance n:1 skips, n:2 fails with a message that merely looks like a
 * skip, n:3 skips in its second repetition only. */
static void bm_outcome_by_instance(cbench_state *st)
{
    static int third_runs;
    int64_t n = cbench_range(st, 0);
    if (n == 1)
        cbench_skip(st, "no such device");
    else if (n == 2)
        cbench_error(st, "skipped: the peer");
    else if (n == 3 && third_runs++ == 1)
        cbench_skip(st, "second time");
    for (int64_t k; (k = cbench_next_batch(st)) > 0;)
        ;
}

/* The status a run ended with travels as a field, per instance and
 * repetition, not as text: an error whose message starts with "skipped: "
 * stays an error and keeps its message. */
static void test_status_per_instance_and_repetition(void **state)
{
    (void)state;
    cbench_bench *b = cbench_register("t/outcome", bm_outcome_by_instance, NULL);
    static const char *const names[] = {"n"};
    cbench_arg_names(b, names, 1);
    for (int64_t n = 1; n <= 3; n++)
        cbench_arg(b, n);
    cbench_iterations(b, 1);
    cbench_repetitions(b, 2);
    run_all(NULL);
    int seen[4][2] = {{0}};
    for (int i = 0; i < n_results; i++) {
        const result_copy *r = &results[i];
        if (strcmp(r->function_name, "t/outcome") != 0 || r->aggregate[0])
            continue;
        int n = r->args[2] - '0', rep = (int)r->repetition_index;
        assert_true(n >= 1 && n <= 3 && rep >= 0 && rep <= 1);
        seen[n][rep]++;
        if (n == 1) {
            assert_int_equal(r->status, CBENCH_SKIPPED);
            assert_string_equal(r->message, "no such device");
        } else if (n == 2) {
            assert_int_equal(r->status, CBENCH_ERROR);
            assert_string_equal(r->message, "skipped: the peer");
        } else {
            assert_int_equal(r->status, rep == 1 ? CBENCH_SKIPPED : CBENCH_OK);
            assert_string_equal(r->message, rep == 1 ? "second time" : "");
        }
    }
    for (int n = 1; n <= 3; n++)
        assert_true(seen[n][0] == 1 && seen[n][1] == 1);
}

static void bm_fails_on_its_count(cbench_state *st)
{
    if (cbench_next_batch(st) > 0) {
        cbench_tag(st, "cpus", "0,1");
        cbench_counter(st, "stale_payloads", 3, CBENCH_COUNTER_PLAIN);
        cbench_error(st, "3 stale payloads");
    }
}

/* libbenchmark drops a failed run's counters; cbench keeps them as tags, so
 * the count that failed the run still reaches results.csv. */
static void test_error_keeps_counters_as_tags(void **state)
{
    (void)state;
    cbench_bench *b = cbench_register("t/fails", bm_fails_on_its_count, NULL);
    cbench_iterations(b, 1);
    run_all(NULL);
    const result_copy *r = row("t/fails", "");
    assert_int_equal(r->status, CBENCH_ERROR);
    assert_string_equal(r->message, "3 stale payloads");
    assert_string_equal(r->label, "cpus=0,1;stale_payloads=3");
}

static void bm_manual(cbench_state *st)
{
    for (int64_t n; (n = cbench_next_batch(st)) > 0;)
        cbench_set_iteration_time(st, 1e-6 * (double)n);   /* 1 us per iteration */
}

static void test_manual_time(void **state)
{
    (void)state;
    cbench_bench *b = cbench_register("t/manual", bm_manual, NULL);
    cbench_use_manual_time(b);
    cbench_unit(b, CBENCH_US);   /* results stay in ns whatever the unit */
    run_all(NULL);
    const result_copy *r = row("t/manual", "");
    assert_ok_timing(r);
    assert_true(fabs(r->real_ns - 1000.0) < 1e-6);
}

static void test_json_file(void **state)
{
    (void)state;
    char dir[64], path[128];
    testutil_scratch(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/gbench.json", dir);
    seen s = {0};
    cbench_register("t/json", bm_record, &s);
    run_all(path);

    json_object *root = json_object_from_file(path);
    assert_non_null(root);
    json_object *context, *benchmarks;
    assert_true(json_object_object_get_ex(root, "context", &context));
    assert_true(json_object_object_get_ex(root, "benchmarks", &benchmarks));
    assert_true(json_object_is_type(benchmarks, json_type_array));
    assert_int_equal(json_object_array_length(benchmarks), 1);
    json_object *name;
    assert_true(json_object_object_get_ex(json_object_array_get_idx(benchmarks, 0), "name", &name));
    assert_string_equal(json_object_get_string(name), "t/json");
    json_object_put(root);
    unlink(path);
    rmdir(dir);
}

static void test_filter(void **state)
{
    (void)state;
    regex_t re;
    assert_int_equal(regcomp(&re, "^keep/", REG_EXTENDED | REG_NOSUB), 0);
    cbench_set_filter(&re);
    size_t before = cbench_registered_count();
    seen kept = {0}, dropped = {0};
    assert_non_null(cbench_register("keep/a", bm_record, &kept));
    assert_null(cbench_register("drop/keep/b", bm_record, &dropped));
    cbench_register_native_overhead("drop/native");
    assert_int_equal(cbench_registered_count() - before, 1);
    cbench_set_filter(NULL);
    regfree(&re);

    run_all(NULL);
    assert_int_equal(n_results, 1);
    assert_ok_timing(row("keep/a", ""));
    assert_int_equal(dropped.calls, 0);
}

static void test_native_overhead_loop(void **state)
{
    (void)state;
    cbench_register_native_overhead("t/native");
    run_all(NULL);
    assert_ok_timing(row("t/native", ""));
}

/* Worker threads' counters add up; NaN (unavailable) leaves no counter. */
static void bm_thread_counters(cbench_state *st)
{
    cbench_no_self_counters(st);
    int64_t total = 0;
    for (int64_t n; (n = cbench_next_batch(st)) > 0;)
        total += n;
    int ne = counters_event_count();
    double *a = calloc((size_t)ne, sizeof *a), *b = calloc((size_t)ne, sizeof *b);
    for (int i = 0; i < ne; i++) {
        a[i] = i == 1 ? NAN : (double)total;
        b[i] = i == 1 ? NAN : (double)(total * (i + 1));
    }
    cbench_add_thread_counters(st, a);
    cbench_add_thread_counters(st, b);
    free(a);
    free(b);
}

static void test_thread_counters(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(counters_init("sw", err, sizeof err), 0);
    assert_int_equal(counters_event_count(), 3);
    cbench_register("t/threads", bm_thread_counters, NULL);
    run_all(NULL);
    const result_copy *r = row("t/threads", "");
    assert_ok_timing(r);
    assert_true(fabs(counter(r, counters_event_column(0)) - 2.0) < 1e-9);
    assert_true(isnan(counter(r, counters_event_column(1))));
    assert_true(fabs(counter(r, counters_event_column(2)) - 4.0) < 1e-9);
    counters_shutdown();
}

/* Each iteration touches one fresh page: at least one page fault each. */
#define FAULT_PAGES 64
static void bm_touch_pages(cbench_state *st)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t len = (size_t)page * FAULT_PAGES;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        cbench_error(st, "mmap failed");
        return;
    }
    for (int64_t n; (n = cbench_next_batch(st)) > 0;)
        for (int64_t i = 0; i < n && i < FAULT_PAGES; i++)
            p[i * page] = 1;
    munmap(p, len);
}

static void test_self_counters_page_faults(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(counters_init("sw", err, sizeof err), 0);
    cbench_bench *b = cbench_register("t/faults", bm_touch_pages, NULL);
    cbench_iterations(b, FAULT_PAGES);
    run_all(NULL);
    const result_copy *r = row("t/faults", "");
    assert_ok_timing(r);
    for (int i = 0; i < counters_event_count(); i++) {
        double v = counter(r, counters_event_column(i));
        if (!counters_event_available(i))
            assert_true(isnan(v));   /* unavailable: no counter, empty cell */
        else if (!strcmp(counters_event_column(i), "page_faults"))
            assert_true(v >= 1.0);
        else
            assert_false(isnan(v));
    }
    counters_shutdown();
}

static void test_repetitions_and_aggregates(void **state)
{
    (void)state;
    char a0[] = "test_cbench", a1[] = "--benchmark_repetitions=3", a2[] = "--benchmark_min_time=0.001",
         a3[] = "--not-a-benchmark-flag";
    char *argv[] = {a0, a1, a2, a3, NULL};
    assert_int_equal(cbench_init(4, argv), 2);
    assert_string_equal(argv[1], "--not-a-benchmark-flag");

    seen s = {0};
    cbench_register("t/reps", bm_record, &s);
    run_all(NULL);

    int iterations_rows = 0, mean = 0, median = 0, stddev = 0;
    for (int i = 0; i < n_results; i++) {
        const result_copy *r = &results[i];
        assert_string_equal(r->function_name, "t/reps");
        assert_int_equal(r->repetitions, 3);
        if (!r->aggregate[0]) {
            assert_ok_timing(r);
            assert_int_equal(r->repetition_index, iterations_rows++);
            continue;
        }
        assert_int_equal(r->repetition_index, -1);
        mean += !strcmp(r->aggregate, "mean");
        median += !strcmp(r->aggregate, "median");
        stddev += !strcmp(r->aggregate, "stddev");
    }
    assert_int_equal(iterations_rows, 3);
    assert_int_equal(mean, 1);
    assert_int_equal(median, 1);
    assert_int_equal(stddev, 1);

    char b1[] = "--benchmark_repetitions=1";
    char *reset[] = {a0, b1, NULL};
    assert_int_equal(cbench_init(2, reset), 1);
}

static void test_clock(void **state)
{
    (void)state;
    double npt = clock_ns_per_tick();
    assert_true(npt > 0 && isfinite(npt));
    assert_true(clock_ns_per_tick() == npt);   /* calibrated once */
    assert_true(clock_now_overhead_ns() > 0);
    uint64_t t0 = clock_now_ns();
    clock_sleep_ns(2000000);
    assert_true(clock_now_ns() - t0 >= 2000000);
    uint64_t k0 = clock_ticks();
    clock_sleep_ns(1000000);
    assert_true(clock_ticks() > k0);
}

static void test_library_version(void **state)
{
    (void)state;
    assert_string_equal(cbench_library_version(), MEMPROBE_BENCHMARK_VERSION);
    assert_true(cbench_library_version()[0] != '\0');
    int debug = cbench_library_is_debug();
    assert_true(debug == 0 || debug == 1);
}

/* Must run last: the stop request cannot be withdrawn. */
static void test_stop_request_skips_runs(void **state)
{
    (void)state;
    seen s = {0};
    cbench_register("t/stopped", bm_record, &s);
    cbench_register_native_overhead("t/stopped_native");
    cbench_request_stop();
    assert_true(cbench_stop_requested());
    run_all(NULL);
    const result_copy *r = row("t/stopped", "");
    assert_int_equal(r->status, CBENCH_ERROR);
    assert_string_equal(r->message, "interrupted");
    assert_int_equal(s.calls, 0);
    r = row("t/stopped_native", "");
    assert_int_equal(r->status, CBENCH_ERROR);
    assert_string_equal(r->message, "interrupted");
}

static int setup(void **state)
{
    (void)state;
    char a0[] = "test_cbench", a1[] = "--benchmark_min_time=0.001";
    char *argv[] = {a0, a1, NULL};
    return cbench_init(2, argv) == 1 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    results_clear();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iterations_match_reported),
        cmocka_unit_test(test_arguments_and_names),
        cmocka_unit_test(test_user_counters_per_iteration),
        cmocka_unit_test(test_tags_become_label),
        cmocka_unit_test(test_skip_error_and_early_return),
        cmocka_unit_test(test_status_per_instance_and_repetition),
        cmocka_unit_test(test_error_keeps_counters_as_tags),
        cmocka_unit_test(test_manual_time),
        cmocka_unit_test(test_json_file),
        cmocka_unit_test(test_filter),
        cmocka_unit_test(test_native_overhead_loop),
        cmocka_unit_test(test_thread_counters),
        cmocka_unit_test(test_self_counters_page_faults),
        cmocka_unit_test(test_repetitions_and_aggregates),
        cmocka_unit_test(test_clock),
        cmocka_unit_test(test_library_version),
        cmocka_unit_test(test_stop_request_skips_runs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

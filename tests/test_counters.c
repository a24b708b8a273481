/*
 * test_counters.c — counter selection, availability detection, the
 * empty-cell rule (unavailable -> NaN, never 0), page-fault counting, derived
 * metrics and counting from a second thread.  Every check is written so it
 * holds both on this counter-less VM and on bare metal with a PMU.
 */
#include "testutil.h"

#include <math.h>
#include <pthread.h>
#include <sys/mman.h>

#include "memprobe/cbench.h"
#include "memprobe/counters.h"

#define TOUCH_PAGES 256

static int column_index(const char *column)
{
    for (int i = 0; i < counters_event_count(); i++)
        if (strcmp(counters_event_column(i), column) == 0)
            return i;
    return -1;
}

static int paranoid_blocks_counting(void)
{
    int v = 99;
    FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
    if (f) {
        if (fscanf(f, "%d", &v) != 1)
            v = 99;
        fclose(f);
    }
    return geteuid() != 0 && v >= 3;
}

static void init_ok(const char *spec)
{
    char err[512] = "";
    int rc = counters_init(spec, err, sizeof err);
    if (rc != 0)
        print_error("counters_init(%s): %s\n", spec ? spec : "default", err);
    assert_int_equal(rc, 0);
}

/* Touch `pages` fresh pages; returns the page-fault count measured around
 * it (NaN when nothing was counted).  No cmocka asserts: threads call it. */
static double count_page_faults(int pages)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    volatile char *p = mmap(NULL, (size_t)pages * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NAN;
    double v[32];
    counters_thread *ct = counters_thread_start();
    for (int i = 0; i < pages; i++)
        p[(size_t)i * ps] = 1;
    counters_thread_stop(ct, v);
    munmap((void *)p, (size_t)pages * ps);
    return ct ? v[column_index("page_faults")] : NAN;
}

static void test_sw_group_columns_and_availability(void **state)
{
    (void)state;
    init_ok("sw");
    assert_int_equal(counters_event_count(), 3);
    assert_string_equal(counters_event_column(0), "page_faults");
    assert_string_equal(counters_event_column(1), "context_switches");
    assert_string_equal(counters_event_column(2), "cpu_migrations");
    assert_string_equal(counters_event_papi_name(0), "perf::PAGE-FAULTS");
    if (paranoid_blocks_counting()) {
        assert_false(counters_event_available(0));
        assert_non_null(strstr(counters_event_reason(0), "perf_event_paranoid"));
    } else {
        assert_true(counters_event_available(0));
        assert_null(counters_event_reason(0));
    }
    for (int i = 0; i < counters_event_count(); i++) {
        /* available and a reason are mutually exclusive */
        assert_int_equal(counters_event_available(i), counters_event_reason(i) == NULL);
        if (counters_event_reason(i))
            assert_true(strlen(counters_event_reason(i)) > 0);
    }
    int avail = 0;
    for (int i = 0; i < counters_event_count(); i++)
        avail += counters_event_available(i);
    assert_int_equal(counters_available_count(), avail);
    assert_int_equal(counters_derived_count(), 0);
    counters_shutdown();
}

static void expect_usage_error(const char *spec, const char *must_name)
{
    char err[512] = "";
    assert_int_equal(counters_init(spec, err, sizeof err), -1);
    assert_non_null(strstr(err, must_name));
    assert_null(strchr(err, '\n'));  /* one line */
    assert_int_equal(counters_event_count(), 0);
}

static void test_unknown_names_are_usage_errors(void **state)
{
    (void)state;
    expect_usage_error("core,NOT_AN_EVENT_XYZ", "NOT_AN_EVENT_XYZ");
    expect_usage_error("cachez", "cachez");
    expect_usage_error("PAPI_NO_SUCH_PRESET", "PAPI_NO_SUCH_PRESET");
    char err[512] = "";
    assert_int_equal(counters_init("bogus", err, sizeof err), -1);
    assert_non_null(strstr(err, "core"));
    assert_non_null(strstr(err, "sw"));
    assert_non_null(strstr(err, "memprobe counters"));
    expect_usage_error("none,sw", "none");
    expect_usage_error("sw,,core", "empty");
    expect_usage_error("", "counters");
}

static void test_none_selects_nothing(void **state)
{
    (void)state;
    init_ok("none");
    assert_int_equal(counters_event_count(), 0);
    assert_int_equal(counters_available_count(), 0);
    assert_int_equal(counters_derived_count(), 0);
    counters_thread *ct = counters_thread_start();
    assert_null(ct);
    counters_thread_stop(ct, NULL);
    counters_shutdown();
}

static void test_default_selection(void **state)
{
    (void)state;
    init_ok(NULL);
    static const char *const expected[] = {"cycles", "instructions", "branch_misses", "l1d_misses",
                                           "l2_misses", "llc_misses", "page_faults", "context_switches",
                                           "cpu_migrations"};
    assert_int_equal(counters_event_count(), 9);
    for (int i = 0; i < 9; i++)
        assert_string_equal(counters_event_column(i), expected[i]);
    assert_int_equal(counters_derived_count(), 5);
    assert_string_equal(counters_derived_column(0), "ipc");
    assert_string_equal(counters_derived_column(4), "llc_mpki");
    /* hardware events count iff the PMU counts cycles */
    assert_int_equal(counters_event_available(0), counters_hardware_countable());
    counters_shutdown();
}

static void test_duplicates_and_raw_columns(void **state)
{
    (void)state;
    init_ok("sw,perf::PAGE-FAULTS,perf::TASK-CLOCK");
    assert_int_equal(counters_event_count(), 4);   /* PAGE-FAULTS counted once */
    assert_string_equal(counters_event_column(3), "perf_task_clock");
    assert_string_equal(counters_event_papi_name(3), "perf::TASK-CLOCK");
    counters_shutdown();
}

/* The empty-cell rule: an event that is not counted reads NaN, never 0. */
static void test_unavailable_event_is_nan(void **state)
{
    (void)state;
    init_ok("PAPI_TOT_CYC,perf::PAGE-FAULTS");
    assert_int_equal(counters_event_count(), 2);
    assert_string_equal(counters_event_column(0), "cycles");
    double v[2] = {0, 0};
    for (int rep = 0; rep < 3; rep++) {
        counters_thread *ct = counters_thread_start();
        double x = 0;
        for (int i = 0; i < 100000; i++) {
            x += i;
            cbench_do_not_optimize(x);   /* keep the loop: it is what we count */
        }
        counters_thread_stop(ct, v);
        for (int i = 0; i < 2; i++) {
            assert_int_equal(isnan(v[i]) != 0, !counters_event_available(i));
            if (!counters_event_available(i))
                assert_non_null(counters_event_reason(i));
        }
        if (counters_event_available(0))
            assert_true(v[0] > 0);
    }
    counters_shutdown();
}

static void test_page_faults_counted(void **state)
{
    (void)state;
    init_ok("sw");
    if (!counters_event_available(column_index("page_faults"))) {
        assert_true(paranoid_blocks_counting());
        skip();
    }
    double faults = count_page_faults(TOUCH_PAGES);
    print_message("page faults for %d fresh pages: %.0f\n", TOUCH_PAGES, faults);
    assert_true(faults >= TOUCH_PAGES);
    counters_shutdown();
}

static double value_of(const double *v, const char *column)
{
    return v[column_index(column)];
}

static int derived_index(const char *column)
{
    for (int i = 0; i < counters_derived_count(); i++)
        if (strcmp(counters_derived_column(i), column) == 0)
            return i;
    return -1;
}

static void set_value(double *v, const char *column, double x)
{
    int i = column_index(column);
    assert_true(i >= 0);
    v[i] = x;
}

static void test_derived_math(void **state)
{
    (void)state;
    init_ok("core");
    assert_int_equal(counters_derived_count(), 2);
    double v[32];
    set_value(v, "cycles", 2000);
    set_value(v, "instructions", 3000);
    set_value(v, "branch_misses", 6);
    assert_true(fabs(counters_derived_value(derived_index("ipc"), v) - 1.5) < 1e-12);
    assert_true(fabs(counters_derived_value(derived_index("branch_mpki"), v) - 2.0) < 1e-12);
    assert_true(fabs(value_of(v, "cycles") - 2000) < 1e-12);
    set_value(v, "cycles", NAN);
    assert_true(isnan(counters_derived_value(derived_index("ipc"), v)));
    set_value(v, "instructions", 0);
    assert_true(isnan(counters_derived_value(derived_index("branch_mpki"), v)));
    assert_true(isnan(counters_derived_value(99, v)));
    counters_shutdown();

    char err[512];
    if (counters_init("core,cache", err, sizeof err) == 0) {  /* may not fit on some PMUs */
        assert_int_equal(counters_derived_count(), 5);
        set_value(v, "instructions", 4000);
        set_value(v, "llc_misses", 10);
        assert_true(fabs(counters_derived_value(derived_index("llc_mpki"), v) - 2.5) < 1e-12);
        counters_shutdown();
    } else {
        assert_non_null(strstr(err, "multiplexing"));
    }
}

typedef struct thread_result {
    double faults[2];
} thread_result;

static void *counting_thread(void *arg)
{
    thread_result *r = arg;
    for (int rep = 0; rep < 2; rep++) {
        r->faults[rep] = count_page_faults(TOUCH_PAGES / 4);
    }
    return NULL;
}

static void test_second_thread_counts(void **state)
{
    (void)state;
    init_ok("sw");
    int pf = column_index("page_faults");
    if (!counters_event_available(pf)) {
        assert_true(paranoid_blocks_counting());
        skip();
    }
    for (int round = 0; round < 3; round++) {
        if (round == 2)
            init_ok("sw");   /* a new selection: threads rebuild their event sets */
        thread_result r;
        memset(&r, 0, sizeof r);
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, counting_thread, &r), 0);
        assert_int_equal(pthread_join(t, NULL), 0);
        for (int rep = 0; rep < 2; rep++)
            assert_true(r.faults[rep] >= TOUCH_PAGES / 4);
        assert_true(count_page_faults(TOUCH_PAGES / 4) >= TOUCH_PAGES / 4);  /* main thread too */
    }
    counters_shutdown();
}

static void test_warn_once_and_print(void **state)
{
    (void)state;
    init_ok(NULL);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    counters_warn_unavailable(f);
    counters_warn_unavailable(f);
    fflush(f);
    /* one line per unavailable event (a dropped group shares one line), plus
     * the summary when nothing hardware-related counts */
    int expected = 0, dropped = 0;
    for (int i = 0; i < counters_event_count(); i++) {
        const char *why = counters_event_reason(i);
        if (why && strncmp(why, "dropped:", 8) == 0)
            dropped = 1;
        else if (why)
            expected++;
        if (why && !strstr(why, "dropped:"))
            assert_non_null(strstr(buf, counters_event_papi_name(i)));
    }
    int summary = counters_hardware_countable() ? 0 : 1;
    assert_int_equal(testutil_count_lines(buf), expected + dropped + summary);
    if (summary)
        assert_non_null(strstr(buf, "no hardware counters"));
    fclose(f);
    free(buf);

    f = open_memstream(&buf, &len);
    counters_print(f);
    fclose(f);
    static const char *const must[] = {"PAPI 7", "perf_event_paranoid", "group core", "group cache",
                                       "group sw", "page_faults", "PAPI_TOT_CYC", "ipc", "llc_mpki"};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++) {
        if (!strstr(buf, must[i]))
            print_error("counters_print lacks '%s'\n", must[i]);
        assert_non_null(strstr(buf, must[i]));
    }
    free(buf);
    counters_shutdown();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sw_group_columns_and_availability),
        cmocka_unit_test(test_unknown_names_are_usage_errors),
        cmocka_unit_test(test_none_selects_nothing),
        cmocka_unit_test(test_default_selection),
        cmocka_unit_test(test_duplicates_and_raw_columns),
        cmocka_unit_test(test_unavailable_event_is_nan),
        cmocka_unit_test(test_page_faults_counted),
        cmocka_unit_test(test_derived_math),
        cmocka_unit_test(test_second_thread_counts),
        cmocka_unit_test(test_warn_once_and_print),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

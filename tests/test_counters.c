/*
 * test_counters.c — counter selection, the two backends (PAPI first, the
 * kernel's generic perf events), availability and its reasons, the empty-
 * cell rule (unavailable -> NaN, never 0), page-fault counting through each
 * backend (against `perf stat` where linux-perf is installed), derived
 * metrics and counting from a second thread.
 *
 * What to expect is decided from what this machine can do: the kernel is
 * probed with perf_event_open directly, and PAPI's perf_event component
 * status is read from PAPI itself — never from perf_event_paranoid alone.
 * The PAPI-disabled path is exercised on any machine through
 * MEMPROBE_PAPI_DISABLE=perf_event (PAPI's own component switch, before it
 * starts), and the perf backend through --counters-backend perf.
 */
#include "testutil.h"

#include <linux/perf_event.h>
#include <math.h>
#include <papi.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "memprobe/cbench.h"
#include "memprobe/counters.h"
#include "memprobe/perfev.h"

#define TOUCH_PAGES 256
#define PERF_STAT_PAGES 8192

static char bin[PATH_MAX];
static char scratch[64];

static int setup(void **state)
{
    (void)state;
    if (testutil_binary_setup(bin, scratch, sizeof scratch) != 0)
        snprintf(bin, sizeof bin, "%s", MEMPROBE_BIN);   /* the CLI tests then fail, naming it */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (scratch[0])
        testutil_run(NULL, "rm -rf %s", scratch);
    return 0;
}

static int column_index(const char *column)
{
    for (int i = 0; i < counters_event_count(); i++)
        if (strcmp(counters_event_column(i), column) == 0)
            return i;
    return -1;
}

/* The kernel counts the page faults of this thread (user mode). */
static int kernel_counts_page_faults(void)
{
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_PAGE_FAULTS;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    int fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

/* PAPI's perf_event component is enabled (ask PAPI, once it was started). */
static int papi_component_enabled(void)
{
    if (!counters_papi_started())
        return 0;
    const PAPI_component_info_t *c = PAPI_get_component_info(PAPI_get_component_index("perf_event"));
    return c && !c->disabled;
}

/* The backend page_faults must come from under the current setting. */
static const char *expected_page_fault_backend(void)
{
    if (!kernel_counts_page_faults())
        return NULL;
    const char *mode = counters_backend_name();
    if (strcmp(mode, "perf") == 0)
        return "perf";
    if (papi_component_enabled())
        return "papi";
    return strcmp(mode, "auto") == 0 ? "perf" : NULL;
}

static void init_ok(const char *spec)
{
    char err[512] = "";
    int rc = counters_init(spec, err, sizeof err);
    if (rc != 0)
        print_error("counters_init(%s): %s\n", spec ? spec : "default", err);
    assert_int_equal(rc, 0);
}

static void set_backend(const char *name)
{
    char err[256] = "";
    assert_int_equal(counters_set_backend(name, err, sizeof err), 0);
}

/* Touch `pages` fresh pages; returns the page-fault count measured around
 * it (NaN when nothing was counted).  No cmocka asserts: threads call it. */
static double count_page_faults(int pages)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    volatile char *p = mmap(NULL, (size_t)pages * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NAN;
    madvise((void *)p, (size_t)pages * ps, MADV_NOHUGEPAGE);
    double v[32];
    counters_thread *ct = counters_thread_start();
    for (int i = 0; i < pages; i++)
        p[(size_t)i * ps] = 1;
    counters_thread_stop(ct, v);
    munmap((void *)p, (size_t)pages * ps);
    return ct ? v[column_index("page_faults")] : NAN;
}

/* Every event: available iff it has a backend, and a reason iff not. */
static void check_event_invariants(void)
{
    int avail = 0;
    for (int i = 0; i < counters_event_count(); i++) {
        int a = counters_event_available(i);
        avail += a;
        assert_int_equal(a, counters_event_reason(i) == NULL);
        assert_int_equal(a, counters_event_backend(i) != NULL);
        if (!a)
            assert_true(strlen(counters_event_reason(i)) > 0);
        if (a && strcmp(counters_event_backend(i), "perf") == 0)
            assert_non_null(counters_event_generic_name(i));
    }
    assert_int_equal(counters_available_count(), avail);
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
    assert_string_equal(counters_event_generic_name(0), "page-faults");
    const char *want = expected_page_fault_backend();
    print_message("backend setting %s: page_faults expected from %s\n", counters_backend_name(),
                  want ? want : "nowhere");
    if (want) {
        assert_true(counters_event_available(0));
        assert_string_equal(counters_event_backend(0), want);
    } else {
        assert_false(counters_event_available(0));
        assert_non_null(counters_event_reason(0));
    }
    /* counted by the kernel while PAPI's component is off: PAPI's reason names the component */
    if (want && strcmp(want, "perf") == 0 && counters_papi_started() && !papi_component_enabled())
        assert_non_null(strstr(counters_event_papi_reason(0), "perf_event component is disabled"));
    check_event_invariants();
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

static void test_backend_setting(void **state)
{
    (void)state;
    char err[256] = "";
    assert_int_equal(counters_set_backend("pmu", err, sizeof err), -1);
    assert_non_null(strstr(err, "'pmu'"));
    assert_non_null(strstr(err, "papi"));
    assert_null(strchr(err, '\n'));
    for (const char *const *b = (const char *const[]){"papi", "perf", "auto", NULL}; *b; b++) {
        set_backend(*b);
        assert_string_equal(counters_backend_name(), *b);
    }
    set_backend(NULL);   /* back to the environment's setting */

    /* a bad MEMPROBE_COUNTERS_BACKEND is bad input, named */
    const char *was = getenv("MEMPROBE_COUNTERS_BACKEND");
    char saved[32] = "";
    if (was)
        snprintf(saved, sizeof saved, "%s", was);
    setenv("MEMPROBE_COUNTERS_BACKEND", "kernel", 1);
    expect_usage_error("sw", "MEMPROBE_COUNTERS_BACKEND='kernel'");
    set_backend("perf");   /* the option wins over the environment */
    init_ok("sw");
    counters_shutdown();
    set_backend(NULL);
    if (was)
        setenv("MEMPROBE_COUNTERS_BACKEND", saved, 1);
    else
        unsetenv("MEMPROBE_COUNTERS_BACKEND");
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
    /* the kernel has no generic L2 event: l2_misses is PAPI's or nobody's */
    assert_null(counters_event_generic_name(4));
    if (counters_event_available(4))
        assert_string_equal(counters_event_backend(4), "papi");
    check_event_invariants();
    counters_shutdown();
}

static void test_duplicates_and_raw_columns(void **state)
{
    (void)state;
    init_ok("sw,perf::PAGE-FAULTS,perf::TASK-CLOCK");
    assert_int_equal(counters_event_count(), 4);   /* PAGE-FAULTS counted once */
    assert_string_equal(counters_event_column(3), "perf_task_clock");
    assert_string_equal(counters_event_papi_name(3), "perf::TASK-CLOCK");
    assert_string_equal(counters_event_generic_name(3), "task-clock");
    /* the kernel's task clock counts wherever its page faults do */
    if (kernel_counts_page_faults() && strcmp(counters_backend_name(), "papi") != 0)
        assert_true(counters_event_available(3));
    check_event_invariants();
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

/* Page faults for fresh pages are at least one per page, through whichever
 * backend counts them under the current setting. */
static void test_page_faults_counted(void **state)
{
    (void)state;
    init_ok("sw");
    const char *want = expected_page_fault_backend();
    if (!want) {
        assert_false(counters_event_available(column_index("page_faults")));
        print_message("page_faults not countable here (%s)\n", counters_event_reason(column_index("page_faults")));
        counters_shutdown();
        skip();
    }
    double faults = count_page_faults(TOUCH_PAGES);
    print_message("page faults for %d fresh pages through %s: %.0f\n", TOUCH_PAGES, want, faults);
    assert_true(faults >= TOUCH_PAGES);
    counters_shutdown();
}

/* --counters-backend perf: the kernel's generic events, whatever PAPI can do. */
static void test_forced_perf_backend(void **state)
{
    (void)state;
    set_backend("perf");
    init_ok(NULL);
    int pf = column_index("page_faults");
    if (!kernel_counts_page_faults()) {
        assert_false(counters_event_available(pf));
        assert_non_null(strstr(counters_event_reason(pf), "kernel: "));
        counters_shutdown();
        set_backend(NULL);
        skip();
    }
    for (int i = 0; i < counters_event_count(); i++)
        if (counters_event_available(i))
            assert_string_equal(counters_event_backend(i), "perf");
    assert_string_equal(counters_event_backend(pf), "perf");
    assert_false(counters_event_available(column_index("l2_misses")));   /* no generic L2 event */
    assert_non_null(strstr(counters_event_reason(column_index("l2_misses")), "no generic event"));
    check_event_invariants();
    double faults = count_page_faults(TOUCH_PAGES);
    assert_true(faults >= TOUCH_PAGES);
    counters_shutdown();
    set_backend(NULL);
}

/* The generic-event table and the kernel's answers, below the backends. */
static void test_perfev_events(void **state)
{
    (void)state;
    assert_ptr_equal(perfev_find("perf::PAGE-FAULTS"), perfev_find("page-faults"));
    assert_non_null(perfev_find("LLC-LOAD-MISSES"));
    assert_null(perfev_find("perf::NO-SUCH-EVENT"));
    assert_null(perfev_find("PAPI_TOT_CYC"));
    assert_true(perfev_is_software(perfev_find("CPU-MIGRATIONS")));
    assert_false(perfev_is_software(perfev_find("CYCLES")));
    for (int i = 0; i < perfev_count(); i++) {
        const perfev_event *e = perfev_at(i);
        char why[256] = "";
        int err = perfev_probe(e, 1, why, sizeof why);
        if (err)
            assert_non_null(strstr(why, e->perf_name));   /* the reason names the event */
    }
    if (!kernel_counts_page_faults())
        skip();
    assert_int_equal(perfev_probe(perfev_find("PAGE-FAULTS"), 1, NULL, 0), 0);
    const perfev_event *ev[] = {perfev_find("PAGE-FAULTS"), perfev_find("TASK-CLOCK")};
    perfev_set *s = perfev_open(ev, 2, 0, 1);
    assert_non_null(s);
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, TOUCH_PAGES * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(p != MAP_FAILED);
    madvise(p, TOUCH_PAGES * ps, MADV_NOHUGEPAGE);
    assert_int_equal(perfev_start(s), 0);
    for (size_t i = 0; i < TOUCH_PAGES; i++)
        ((volatile char *)p)[i * ps] = 1;
    double v[2];
    assert_int_equal(perfev_read(s, 1, v), 0);   /* software events are never multiplexed */
    assert_true(v[0] >= TOUCH_PAGES);
    assert_true(v[1] > 0);                      /* task clock: ns on the CPU */
    munmap(p, TOUCH_PAGES * ps);
    perfev_close(s);
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
    if (!expected_page_fault_backend()) {
        counters_shutdown();
        skip();
    }
    for (int round = 0; round < 3; round++) {
        if (round == 2)
            init_ok("sw");   /* a new selection: threads rebuild their counting sets */
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
    /* library lines (labelled), one line per unavailable event (a dropped
     * group shares one line), plus the summary when nothing hardware counts */
    int expected = testutil_count_lines(counters_library_messages()), dropped = 0;
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
    /* events are named by the PAPI event tried, or by the kernel's when PAPI is not asked */
    const char *named = strcmp(counters_backend_name(), "perf") == 0 ? "L1-dcache-load-misses" : "PAPI_TOT_CYC";
    const char *const must[] = {"PAPI 7", "perf_event_paranoid", "--counters-backend", "group core",
                                "group cache", "group sw", "page_faults", named, "ipc", "llc_mpki"};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++) {
        if (!strstr(buf, must[i]))
            print_error("counters_print lacks '%s'\n", must[i]);
        assert_non_null(strstr(buf, must[i]));
    }
    free(buf);
    counters_shutdown();
}

/* ---- the CLI, in a child process with its own environment ---- */

/* The page_faults count `memprobe counters --touch-pages` printed, or -1. */
static double touched_faults(const char *out)
{
    const char *p = out ? strstr(out, "fresh pages: ") : NULL;
    double v = -1;
    return p && sscanf(p, "fresh pages: %lf", &v) == 1 ? v : -1;
}

/* PAPI's perf_event component disabled (MEMPROBE_PAPI_DISABLE, before PAPI
 * starts, as libpfm4 does on a CPU it does not know): page faults fall back
 * to the kernel, the other events say why neither layer counts them. */
static void test_simulated_papi_disabled(void **state)
{
    (void)state;
    char *out = NULL;
    int rc = testutil_run(&out, "MEMPROBE_PAPI_DISABLE=perf_event MEMPROBE_COUNTERS_BACKEND= %s counters", bin);
    if (rc != 0)
        print_error("exit %d:\n%s\n", rc, out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "PAPI's perf_event component is disabled"));
    assert_non_null(strstr(out, "MEMPROBE_PAPI_DISABLE=perf_event"));
    const char *line = strstr(out, "  page_faults ");
    assert_non_null(line);
    int kernel = kernel_counts_page_faults();
    if (kernel) {
        assert_int_equal(strncmp(line + 21, "perf ", 5), 0);   /* the backend column */
        assert_non_null(strstr(line, "not through PAPI"));
    }
    const char *cycles = strstr(out, "  cycles ");
    assert_non_null(cycles);
    if (!strstr(cycles, "perf  cycles")) {   /* no PMU either: both layers' reasons */
        assert_non_null(strstr(cycles, "PAPI: "));
        assert_non_null(strstr(cycles, "kernel: "));
    }
    free(out);
    if (!kernel)
        skip();
    rc = testutil_run(&out, "MEMPROBE_PAPI_DISABLE=perf_event MEMPROBE_COUNTERS_BACKEND= %s counters --counters sw "
                      "--touch-pages %d", bin,
                      TOUCH_PAGES);
    assert_int_equal(rc, 0);
    assert_true(touched_faults(out) >= TOUCH_PAGES);
    assert_non_null(strstr(out, "(backend perf)"));
    free(out);
}

/* The page faults `perf stat` counts for `memprobe counters --touch-pages
 * pages`, or -1 when perf stat cannot count here. */
static double perf_stat_faults(const char *backend, int pages, double *memprobe_count)
{
    char *out = NULL;
    int rc = testutil_run(&out, "perf stat -x, -e page-faults -o %s/stat.csv -- %s counters --counters sw "
                          "--counters-backend %s --touch-pages %d", scratch, bin, backend, pages);
    if (memprobe_count)
        *memprobe_count = touched_faults(out);
    free(out);
    char path[128];
    snprintf(path, sizeof path, "%s/stat.csv", scratch);
    FILE *f = fopen(path, "r");
    double v = -1;
    char line[256];
    while (rc == 0 && f && fgets(line, sizeof line, f))
        if (strstr(line, "page-faults") && sscanf(line, "%lf,", &v) != 1)
            v = -1;
    if (f)
        fclose(f);
    return v;
}

/* Through each backend that counts here: at least one fault per fresh page,
 * and the same count as `perf stat -e page-faults` on the same work (the
 * difference between touching N pages and none) within 2 %. */
static void test_page_faults_agree_with_perf_stat(void **state)
{
    (void)state;
    if (!kernel_counts_page_faults()) {
        print_message("skipped: the kernel does not count page faults here\n");
        skip();
    }
    if (testutil_run(NULL, "perf stat -e page-faults -- true") != 0) {
        print_message("skipped: `perf stat -e page-faults` does not run here (install linux-perf)\n");
        skip();
    }
    int compared = 0;
    for (const char *const *b = (const char *const[]){"papi", "perf", NULL}; *b; b++) {
        double counted = -1;
        double none = perf_stat_faults(*b, 0, NULL), with = perf_stat_faults(*b, PERF_STAT_PAGES, &counted);
        if (counted < 0) {
            assert_string_equal(*b, "papi");   /* the kernel's generic event always counts here */
            print_message("backend papi: page faults not countable through PAPI here\n");
            continue;
        }
        assert_true(none > 0 && with > none);
        double work = with - none;
        print_message("backend %s: memprobe %.0f, perf stat %.0f (%.2f %% apart)\n", *b, counted, work,
                      100.0 * fabs(counted - work) / work);
        assert_true(counted >= PERF_STAT_PAGES);
        assert_true(fabs(counted - work) <= 0.02 * work);
        compared++;
    }
    assert_true(compared > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sw_group_columns_and_availability),
        cmocka_unit_test(test_unknown_names_are_usage_errors),
        cmocka_unit_test(test_backend_setting),
        cmocka_unit_test(test_none_selects_nothing),
        cmocka_unit_test(test_default_selection),
        cmocka_unit_test(test_duplicates_and_raw_columns),
        cmocka_unit_test(test_unavailable_event_is_nan),
        cmocka_unit_test(test_page_faults_counted),
        cmocka_unit_test(test_forced_perf_backend),
        cmocka_unit_test(test_perfev_events),
        cmocka_unit_test(test_derived_math),
        cmocka_unit_test(test_second_thread_counts),
        cmocka_unit_test(test_warn_once_and_print),
        cmocka_unit_test(test_simulated_papi_disabled),
        cmocka_unit_test(test_page_faults_agree_with_perf_stat),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * test_allocators.c — alternative allocators: the table, finding the
 * libraries, telling from inside a process which allocator serves malloc
 * (this test re-executes itself under LD_PRELOAD), the documented skip line
 * for a missing allocator, the child's command line and environment (its
 * time bound is the launcher's: test_proc), merging a child's tables, the
 * check a family's register function makes in a child (allocators_check_child), and an
 * integration run of `memprobe run --quick --filter 'alloc|access|passing'`
 * whose results.csv carries size, variant and allocator columns with rows
 * for every installed allocator and empty cells for counters this machine
 * cannot count.
 */
#include "testutil.h"

#include <math.h>
#include <sys/stat.h>

#include "memprobe/counters.h"

#include "../harness/allocators.c"

static char self_exe[4096];

/* `test_allocators --print-active`: the helper run under LD_PRELOAD. */
static int print_active_main(void)
{
    void *p = malloc(100);   /* make sure malloc is bound and used */
    printf("%s\n", allocators_active());
    free(p);
    return 0;
}

static void test_table(void **state)
{
    (void)state;
    assert_true(allocators_count() >= 3);
    for (int i = 0; i < allocators_count(); i++) {
        const allocator_info *a = allocators_at(i);
        assert_non_null(a);
        assert_ptr_equal(allocators_find(a->name), a);
        assert_non_null(strstr(a->soname, ".so."));
        assert_non_null(a->deb_package);
        assert_non_null(a->rpm_package);
    }
    assert_null(allocators_at(-1));
    assert_null(allocators_at(allocators_count()));
    assert_null(allocators_find("glibc"));
    assert_non_null(allocators_find("tcmalloc"));
}

static void test_library_lookup(void **state)
{
    (void)state;
    char path[4096];
    for (int i = 0; i < allocators_count(); i++) {
        const allocator_info *a = allocators_at(i);
        if (!allocators_library(a, path, sizeof path))
            continue;
        size_t n = strlen(path), m = strlen(a->soname);
        assert_true(n > m && strcmp(path + n - m, a->soname) == 0 && path[n - m - 1] == '/');
        assert_int_equal(access(path, R_OK), 0);
    }
    const allocator_info fake = {"nosuchalloc", "libnosuchalloc-memprobe-test.so.9", "libnosuchalloc9", "nosuchalloc"};
    assert_null(allocators_library(&fake, path, sizeof path));
    char tiny[8];
    assert_null(allocators_library(allocators_at(0), tiny, sizeof tiny));   /* does not fit */
}

/* In a sanitizer build (detected as harness/allocators.c detects it) malloc
 * is the sanitizer's and is named after it, and memprobe starts no
 * per-allocator children. */
#if defined(__SANITIZE_THREAD__)
#define TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TEST_TSAN 1
#endif
#endif
#if defined(ALLOCATORS_SANITIZED) && defined(TEST_TSAN)
#define TEST_EXPECT_SELF "tsan"
#define TEST_CHILDREN_SKIPPED 1
#elif defined(ALLOCATORS_SANITIZED)
#define TEST_EXPECT_SELF "asan"
#define TEST_CHILDREN_SKIPPED 1
#else
#define TEST_EXPECT_SELF "glibc"
#define TEST_CHILDREN_SKIPPED 0
#endif

static void test_active_in_this_process(void **state)
{
    (void)state;
    assert_string_equal(allocators_active(), TEST_EXPECT_SELF);
}

/* Start this test binary with LD_PRELOAD=library and return what it prints. */
static char *active_under(const char *library)
{
    char *out = NULL;
    int rc = testutil_run(&out, "env LD_PRELOAD='%s' '%s' --print-active", library, self_exe);
    assert_int_equal(rc, 0);
    char *nl = strchr(out, '\n');
    if (nl)
        *nl = '\0';
    return out;
}

static void test_active_under_ld_preload(void **state)
{
    (void)state;
#if defined(ALLOCATORS_SANITIZED)
    skip();
#endif
    int checked = 0;
    char path[4096];
    for (int i = 0; i < allocators_count(); i++) {
        const allocator_info *a = allocators_at(i);
        if (!allocators_library(a, path, sizeof path))
            continue;
        char *got = active_under(path);
        assert_string_equal(got, a->name);
        free(got);
        checked++;
    }
    char *got = active_under("");
    assert_string_equal(got, "glibc");
    free(got);
    if (checked == 0)
        skip();   /* no alternative allocator installed here */
}

static void test_missing_allocator_skip_line(void **state)
{
    (void)state;
    char dir[256];
    testutil_scratch(dir, sizeof dir);
    const allocator_info fake = {"nosuchalloc", "libnosuchalloc-memprobe-test.so.9", "libnosuchalloc9", "nosuchalloc"};
    char *buf = NULL;
    size_t len = 0;
    FILE *log = open_memstream(&buf, &len);
    char *argv[] = {(char *)"memprobe", (char *)"run", NULL};
    assert_int_equal(allocators_run_one(&fake, 2, argv, dir, 5.0, log), 0);
    fclose(log);
    char hint[256];
    allocators_install_hint(&fake, hint, sizeof hint);
    char want[512];
    snprintf(want, sizeof want, "alloc: nosuchalloc not installed, skipped (%s)\n", hint);
    assert_string_equal(buf, want);
    assert_int_equal(testutil_count_lines(buf), 1);
    if (access("/usr/bin/apt-get", X_OK) == 0)
        assert_string_equal(hint, "apt-get install libnosuchalloc9");
    char sub[512];
    snprintf(sub, sizeof sub, "%s/allocators", dir);
    struct stat st;
    assert_int_not_equal(stat(sub, &st), 0);   /* nothing created for it */
    free(buf);
    rmdir(dir);
}

static void test_child_command_line(void **state)
{
    (void)state;
    char *argv[] = {(char *)"memprobe", (char *)"run", (char *)"--quick", (char *)"--out", (char *)"/tmp/x",
                    (char *)"--filter", (char *)"alloc", (char *)"--out=/tmp/y", (char *)"--cpus", (char *)"0",
                    NULL};
    char **c = allocators_child_argv(10, argv, "jemalloc", "/tmp/x/allocators/jemalloc");
    assert_non_null(c);
    const char *want[] = {"memprobe", "run", "--quick", "--filter", "alloc", "--cpus", "0",
                          "--child-allocator", "jemalloc", "--out", "/tmp/x/allocators/jemalloc"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_string_equal(c[i], want[i]);
    assert_null(c[sizeof want / sizeof want[0]]);
    free(c);
}

static void test_child_environment(void **state)
{
    (void)state;
    setenv("LD_PRELOAD", "/old/lib.so", 1);
    char preload[256], marker[64];
    char **env = allocators_child_env("/usr/lib/libx.so.2", "x", preload, sizeof preload, marker, sizeof marker);
    unsetenv("LD_PRELOAD");
    assert_non_null(env);
    int preloads = 0, markers = 0;
    for (char **e = env; *e; e++) {
        if (strncmp(*e, "LD_PRELOAD=", 11) == 0) {
            preloads++;
            assert_string_equal(*e, "LD_PRELOAD=/usr/lib/libx.so.2");
        }
        markers += strcmp(*e, ALLOCATORS_CHILD_ENV "=x") == 0;
    }
    assert_int_equal(preloads, 1);
    assert_int_equal(markers, 1);
    free(env);
    /* a child never starts children */
    setenv(ALLOCATORS_CHILD_ENV, "x", 1);
    char *argv[] = {(char *)"/nonexistent", NULL};
    assert_int_equal(allocators_run_children(1, argv, "/nonexistent"), 0);
    unsetenv(ALLOCATORS_CHILD_ENV);
}

static void test_merge(void **state)
{
    (void)state;
    char dir[256];
    testutil_scratch(dir, sizeof dir);
    testutil_write_file(dir, "results.csv", "w",
                        "family,variant,size,allocator,real_ns,status,message\n"
                        "alloc,heap_malloc_free,64,jemalloc,12.5,ok,\n"
                        "alloc,heap_calloc,64,jemalloc,,skipped,\"no, really\"\n");
    testutil_write_file(dir, "passing_summary.csv", "w", "allocator,variant,ratio_64B\njemalloc,ptr_malloc,3\n");
    testutil_write_file(dir, "other.csv", "w", "a,b\n1,2\n");
    output_tables_reset();
    char why[512] = "";
    const allocator_info *je = allocators_find("jemalloc");
    assert_int_equal(allocators_merge(je, dir, why, sizeof why), 0);
    const output_table *t = output_table_get("results.csv");
    assert_int_equal(output_table_row_count(t), 2);
    assert_string_equal(output_table_cell(t, 0, "size"), "64");
    assert_int_equal(output_table_row_count(output_table_get("passing_summary.csv")), 1);
    assert_int_equal(output_table_row_count(output_table_get("other.csv")), 0);   /* no allocator column */

    /* rows another allocator served are a failure, named */
    testutil_write_file(dir, "results.csv", "w", "family,variant,allocator,status\nalloc,heap_batch,glibc,ok\n");
    assert_int_equal(allocators_merge(je, dir, why, sizeof why), -1);
    assert_non_null(strstr(why, "not served by jemalloc"));
    /* a child that measured nothing */
    testutil_write_file(dir, "results.csv", "w", "family,allocator,status,message\nalloc,jemalloc,skipped,why not\n");
    assert_int_equal(allocators_merge(je, dir, why, sizeof why), -1);
    assert_non_null(strstr(why, "why not"));
    output_tables_reset();
    testutil_run(NULL, "rm -rf '%s'", dir);
}

/* A family's register function learns whether it runs in the glibc run, in
 * a child whose allocator serves malloc, or in one where LD_PRELOAD did not
 * take effect (then why says so). */
static void test_check_child(void **state)
{
    (void)state;
    char why[256] = "";
    bench_config glibc = {.allocator = "glibc"}, unset = {.allocator = NULL}, empty = {.allocator = ""};
    assert_int_equal(allocators_check_child(&glibc, why, sizeof why), 0);
    assert_int_equal(allocators_check_child(&unset, why, sizeof why), 0);
    assert_int_equal(allocators_check_child(&empty, why, sizeof why), 0);
    assert_string_equal(why, "");
    const char *active = allocators_active();
    const char *other = strcmp(active, "jemalloc") == 0 ? "mimalloc" : "jemalloc";
    bench_config served = {.allocator = active}, not_served = {.allocator = other};
    if (strcmp(active, "glibc") != 0)
        assert_int_equal(allocators_check_child(&served, why, sizeof why), 1);
    assert_int_equal(allocators_check_child(&not_served, why, sizeof why), -1);
    assert_non_null(strstr(why, "LD_PRELOAD did not take effect"));
    char expected[128];
    snprintf(expected, sizeof expected, "served by %s, not %s", active, other);
    assert_non_null(strstr(why, expected));
}

/* ---- integration ---- */

/* 1 when this machine counts CPU cycles. */
static int cycles_countable(void)
{
    char err[256];
    if (counters_init(NULL, err, sizeof err) != 0)
        return 0;
    int yes = 0;
    for (int i = 0; i < counters_event_count(); i++)
        if (strcmp(counters_event_column(i), "cycles") == 0)
            yes = counters_event_available(i);
    counters_shutdown();
    return yes;
}

static size_t count_rows(const output_table *t, const char *family, const char *allocator)
{
    size_t n = 0;
    for (size_t r = 0; r < output_table_row_count(t); r++) {
        const char *f = output_table_cell(t, r, "family"), *a = output_table_cell(t, r, "allocator");
        const char *s = output_table_cell(t, r, "status");
        n += f && a && s && strcmp(f, family) == 0 && strcmp(a, allocator) == 0 && strcmp(s, "ok") == 0;
    }
    return n;
}

/* 1 when family is re-run under each allocator. */
static int per_allocator(const char *family)
{
    const bench_family *f = family ? bench_family_find(family) : NULL;
    return f && (f->flags & BENCH_FAMILY_PER_ALLOCATOR);
}

static void test_integration_quick_run(void **state)
{
    (void)state;
    char run[128], filter[256] = "^(";
    for (size_t i = 0; i < bench_family_count(); i++)   /* the per-allocator families */
        if (per_allocator(bench_family_at(i)->name))
            snprintf(filter + strlen(filter), sizeof filter - strlen(filter), "%s%s", filter[2] ? "|" : "",
                     bench_family_at(i)->name);
    strcat(filter, ")/");
    char *out = testutil_memprobe_run(run, sizeof run, NULL, "--quick --filter '%s'", filter);
    output_table *t = testutil_read_csv(run, "results.csv");
    assert_non_null(t);
    assert_true(testutil_has_column(t, "size") && testutil_has_column(t, "variant") &&
                testutil_has_column(t, "allocator"));
    assert_true(testutil_has_column(t, "batch"));
    for (size_t i = 0; i < bench_family_count(); i++)
        if (per_allocator(bench_family_at(i)->name))
            assert_true(count_rows(t, bench_family_at(i)->name, TEST_EXPECT_SELF) > 0);
    char lib[4096];
    for (int i = 0; i < allocators_count() && !TEST_CHILDREN_SKIPPED; i++) {
        const allocator_info *a = allocators_at(i);
        if (allocators_library(a, lib, sizeof lib)) {
            assert_true(count_rows(t, "alloc", a->name) > 0);
            assert_true(count_rows(t, "passing", a->name) > 0);
        } else {
            char want[128];
            snprintf(want, sizeof want, "alloc: %s not installed, skipped", a->name);
            assert_non_null(strstr(out, want));
        }
    }
    /* every measured row: size, variant and allocator set; checksums right;
     * cycles empty (never 0) where the machine cannot count them */
    int countable = cycles_countable();
    for (size_t r = 0; r < output_table_row_count(t); r++) {
        const char *status = output_table_cell(t, r, "status");
        const char *family = output_table_cell(t, r, "family");
        if (!status || strcmp(status, "ok") != 0 || !per_allocator(family))
            continue;
        assert_true(output_table_cell(t, r, "size") && *output_table_cell(t, r, "size"));
        assert_true(output_table_cell(t, r, "variant") && *output_table_cell(t, r, "variant"));
        assert_true(output_table_cell(t, r, "allocator") && *output_table_cell(t, r, "allocator"));
        assert_string_equal(output_table_cell(t, r, "checksum_errors"), "0");
        const char *cycles = output_table_cell(t, r, "cycles");
        if (countable)
            assert_true(cycles && strtod(cycles, NULL) > 0);
        else
            assert_true(!cycles || *cycles == '\0');
    }
    output_table_free(t);

    /* the crossover side table has a row per allocator that ran */
    output_table *s = testutil_read_csv(run, "passing_summary.csv");
    if (!s)   /* passing's finish() reads results.csv: it must be built before finish() runs */
        fprintf(stderr, "no passing_summary.csv: does the CLI build results.csv before calling finish()?\n");
    assert_non_null(s);
    assert_true(testutil_has_column(s, "crossover_size_bytes") && testutil_has_column(s, "ratio_64B"));
    size_t ptr_malloc_rows = 0;
    for (size_t r = 0; r < output_table_row_count(s); r++)
        ptr_malloc_rows += strcmp(output_table_cell(s, r, "variant"), "ptr_malloc") == 0;
    size_t installed = 1;   /* glibc, plus each installed allocator */
    for (int i = 0; i < allocators_count() && !TEST_CHILDREN_SKIPPED; i++)
        installed += allocators_library(allocators_at(i), lib, sizeof lib) != NULL;
    assert_int_equal(ptr_malloc_rows, installed);
    output_table_free(s);
    if (TEST_CHILDREN_SKIPPED)   /* the run said why it started no children */
        assert_non_null(strstr(out, "alloc: alternative allocators skipped: this build's sanitizer replaces malloc"));
    free(out);
    testutil_remove_run(run);
    if (TEST_CHILDREN_SKIPPED) {
        print_message("sanitizer build: memprobe starts no per-allocator children (the sanitizer replaces "
                      "malloc); the per-allocator rows were not checked\n");
        skip();
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--print-active") == 0)
        return print_active_main();
    ssize_t n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
    self_exe[n > 0 ? n : 0] = '\0';
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_library_lookup),
        cmocka_unit_test(test_active_in_this_process),
        cmocka_unit_test(test_active_under_ld_preload),
        cmocka_unit_test(test_missing_allocator_skip_line),
        cmocka_unit_test(test_child_command_line),
        cmocka_unit_test(test_child_environment),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_check_child),
        cmocka_unit_test(test_integration_quick_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

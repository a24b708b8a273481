/*
 * test_cli.c — every bad input to the command line gets exactly one line
 * naming the input, exit status 2, and leaves no run folder behind — also
 * with a GPU library installed that speaks when probed; the informational
 * commands succeed.
 */
#include "testutil.h"

#include <dirent.h>
#include <limits.h>
#include <math.h>

#include "memprobe/bench.h"

static char bin[PATH_MAX];
static char scratch[64];

static int setup(void **state)
{
    (void)state;
    return testutil_binary_setup(bin, scratch, sizeof scratch);
}

static int teardown(void **state)
{
    (void)state;
    testutil_run(NULL, "rm -rf %s", scratch);
    return 0;
}

/* Number of entries in scratch/results (0 when absent). */
static int run_folders(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/results", scratch);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* Run memprobe with args inside scratch; expect exit 2, one line mentioning needle. */
static void expect_usage_error(const char *args, const char *needle)
{
    char *out = NULL;
    int rc = testutil_run(&out, "cd %s && %s %s", scratch, bin, args);
    if (rc != 2 || testutil_count_lines(out) != 1 || !strstr(out, needle))
        print_error("args: %s\nexit %d, output:\n%s\n", args, rc, out);
    assert_int_equal(rc, 2);
    assert_int_equal(testutil_count_lines(out), 1);
    assert_non_null(strstr(out, needle));
    assert_int_equal(run_folders(), 0);
    free(out);
}

static void test_unknown_subcommand(void **state)
{
    (void)state;
    expect_usage_error("frobnicate", "'frobnicate'");
}

static void test_unknown_flag(void **state)
{
    (void)state;
    expect_usage_error("run --no-such-flag", "--no-such-flag");
    expect_usage_error("--quick --bogus=3", "--bogus");
    expect_usage_error("run stray", "'stray'");
}

static void test_bad_regex(void **state)
{
    (void)state;
    expect_usage_error("run --filter '(['", "'(['");
}

static void test_regex_selects_nothing(void **state)
{
    (void)state;
    expect_usage_error("run --quick --filter '^nothing-matches-this$'", "selects no benchmark");
}

static void test_bad_cpu_lists(void **state)
{
    (void)state;
    expect_usage_error("run --quick --cpus 4096", "4096");
    expect_usage_error("run --quick --cpus 0-x", "0-x");
    expect_usage_error("topo --cpus 99999", "99999");
}

static void test_unknown_counter(void **state)
{
    (void)state;
    expect_usage_error("run --quick --counters PAPI_NO_SUCH_EVENT", "PAPI_NO_SUCH_EVENT");
    expect_usage_error("run --quick --counters nogroup", "nogroup");
}

static void test_unwritable_output(void **state)
{
    (void)state;
    expect_usage_error("run --quick --filter latency --out /proc/memprobe-cannot-write", "/proc/memprobe-cannot-write");
}

static void test_bad_repetitions(void **state)
{
    (void)state;
    expect_usage_error("run --quick --repetitions three", "three");
    expect_usage_error("run --quick --repetitions 0", "--repetitions");
    expect_usage_error("run --quick --repetitions", "--repetitions");
}

/* Whether `memprobe run --help` lists the family option --name. */
static int has_family_option(const char *name)
{
    char *out = NULL;
    testutil_run(&out, "%s run --help", bin);
    int found = out && strstr(out, name) != NULL;
    free(out);
    return found;
}

static void test_bad_family_option_value(void **state)
{
    (void)state;
    /* a family option of size kind, if one is registered, rejects junk */
    if (!has_family_option("--hoard-cap"))
        skip();
    expect_usage_error("run --quick --hoard-cap lots", "--hoard-cap");
}

/* --hoard-cap above half the RAM is refused while parsing, naming the
 * accepted maximum (16000000T exceeds half of any RAM a 64-bit machine can
 * have); a small cap passes the option check (the run then stops at the
 * filter that selects nothing). */
static void test_hoard_cap_above_ram(void **state)
{
    (void)state;
    if (!has_family_option("--hoard-cap"))
        skip();
    expect_usage_error("run --quick --hoard-cap 16000000T", "--hoard-cap '16000000T': at most ");
    expect_usage_error("run --quick --hoard-cap 64M --filter '^nothing-matches-this$'", "selects no benchmark");
}

/* A GPU library that speaks when PAPI probes for GPUs: Debian's
 * librocm-smi64-1 (Slurm's packages pull it in, as on any node with AMD GPU
 * tooling).  PAPI finds it under $PAPI_ROCMSMI_ROOT/lib; the package has
 * only the versioned name, so a scratch root links it.  0, or -1 when it
 * is not installed. */
static int point_papi_at_rocm_smi(void)
{
    static const char *const libs[] = {"/usr/lib/librocm_smi64.so.1", "/usr/lib/x86_64-linux-gnu/librocm_smi64.so.1",
                                       "/opt/rocm/lib/librocm_smi64.so"};
    for (size_t i = 0; i < sizeof libs / sizeof *libs; i++) {
        if (access(libs[i], R_OK) != 0)
            continue;
        char root[128];
        snprintf(root, sizeof root, "%s/rocm", scratch);
        testutil_run(NULL, "mkdir -p %s/lib && ln -sf %s %s/lib/librocm_smi64.so", root, libs[i], root);
        setenv("PAPI_ROCMSMI_ROOT", root, 1);
        return 0;
    }
    return -1;
}

/* With that library present, usage errors are still one line each and no
 * command lets it speak: memprobe disables PAPI's GPU components before PAPI
 * starts and keeps what libraries print out of its own output. */
static void test_usage_errors_with_gpu_library(void **state)
{
    (void)state;
    if (point_papi_at_rocm_smi() != 0) {
        print_message("skipped: librocm-smi64 is not installed (scripts/deps.sh test installs it on amd64)\n");
        skip();
    }
    expect_usage_error("run --quick --counters nogroup", "nogroup");
    expect_usage_error("counters --counters PAPI_NO_SUCH_EVENT", "PAPI_NO_SUCH_EVENT");
    expect_usage_error("run --quick --filter '^nothing-matches-this$'", "selects no benchmark");
    expect_usage_error("run --quick --filter latency --out /proc/memprobe-cannot-write", "/proc/memprobe-cannot-write");
    char *out = NULL;
    assert_int_equal(testutil_run(&out, "cd %s && %s counters", scratch, bin), 0);
    assert_null(strstr(out, "rsmi"));
    assert_null(strstr(out, "drm"));
    free(out);
    unsetenv("PAPI_ROCMSMI_ROOT");
}

/* Every numeric family option has a range, and a value above it is refused
 * while parsing, naming the option (before: --litmus-delay 4294967295
 * crashed with SIGFPE, 4294967296 wrapped to 0, --litmus-seconds 1e9 ran
 * until killed). */
static void test_every_family_option_has_a_range(void **state)
{
    (void)state;
    for (size_t i = 0; i < bench_family_count(); i++)
        for (const bench_option *o = bench_family_at(i)->options; o && o->name; o++) {
            if (o->kind == BENCH_OPT_FLAG || o->kind == BENCH_OPT_STRING)
                continue;
            if (!o->max)
                fail_msg("--%s (%s) has no maximum", o->name, bench_family_at(i)->name);
            char args[256], needle[96];
            snprintf(args, sizeof args, "run --quick --filter '^nothing$' --%s %.0f", o->name, floor(o->max()) + 1);
            snprintf(needle, sizeof needle, "--%s", o->name);
            expect_usage_error(args, needle);
        }
    if (!has_family_option("--litmus-delay"))
        return;
    expect_usage_error("run --quick --filter '^nothing$' --litmus-delay 4294967295", "--litmus-delay");
    expect_usage_error("run --quick --filter '^nothing$' --litmus-delay 4294967296", "--litmus-delay");
    expect_usage_error("run --quick --filter '^nothing$' --litmus-seconds 1e9", "--litmus-seconds");
    expect_usage_error("run --quick --filter '^nothing$' --litmus-instances 2.5", "--litmus-instances");
}

/* The help's own notation for whole numbers (--litmus-instances 2e7) is
 * accepted. */
static void test_option_accepts_exponent_notation(void **state)
{
    (void)state;
    if (!has_family_option("--litmus-instances"))
        skip();
    char *out = NULL;
    int rc = testutil_run(&out, "cd %s && %s list --quick --filter harness --litmus-instances 2e7", scratch, bin);
    if (rc != 0)
        print_error("%s\n", out);
    assert_int_equal(rc, 0);
    free(out);
}

/* Run `memprobe CMD` inside scratch; the test fails, showing the output,
 * unless it exits 0. */
static void expect_success(const char *cmd)
{
    char *out = NULL;
    int rc = testutil_run(&out, "cd %s && %s %s", scratch, bin, cmd);
    if (rc != 0)
        fail_msg("memprobe %s: exit %d\n%s", cmd, rc, out);
    free(out);
}

/* Every option that takes a value accepts both `--name VALUE` and
 * `--name=VALUE`, in every subcommand that has one (before: `compare
 * --out=DIR` was "unexpected"). */
static void test_both_option_forms_everywhere(void **state)
{
    (void)state;
    static const struct {
        const char *cmd, *option, *value, *rest;
    } cases[] = {
        {"list", "--filter", "harness", "--quick"},
        {"list", "--cpus", "0", "--quick --filter harness"},
        {"list", "--counters", "none", "--quick --filter harness"},
        {"list", "--repetitions", "2", "--quick --filter harness"},
        {"list", "--litmus-delay", "8", "--quick --filter harness"},
        {"list", "--hoard-cap", "64M", "--quick --filter harness"},
        {"topo", "--cpus", "0", ""},
        {"counters", "--counters", "sw", ""},
        {"counters", "--counters-backend", "auto", ""},
        {"compare", "--out", "%s/compare-%d", "--no-plots tests/fixtures/run-a tests/fixtures/run-b"},
        {"run", "--out", "%s/form-%d", "--quick --filter harness/clock_now --counters none --repetitions 1"},
        {"run", "--filter", "harness/clock_now", "--quick --out %s/form-%d"},
        {"run", "--cpus", "0", "--quick --filter harness/clock_now --out %s/form-%d"},
        {"run", "--benchmark_min_time", "0.01", "--quick --filter harness/clock_now --out %s/form-%d"},
    };
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));
    int n = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        for (int joined = 0; joined < 2; joined++) {
            char value[256], rest[2 * PATH_MAX + 64], cmd[3 * PATH_MAX];
            snprintf(value, sizeof value, cases[i].value, scratch, n++);
            snprintf(rest, sizeof rest, cases[i].rest, scratch, n++);
            if (strstr(rest, "tests/fixtures")) {   /* the fixtures are in the source tree */
                snprintf(rest, sizeof rest, "--no-plots %s/tests/fixtures/run-a %s/tests/fixtures/run-b", cwd, cwd);
            }
            snprintf(cmd, sizeof cmd, "%s %s%s%s %s", cases[i].cmd, cases[i].option, joined ? "=" : " ", value, rest);
            expect_success(cmd);
        }
}

/* libbenchmark's flags pass memprobe's checks too (before: a filter that
 * matched nothing, listing and zero repetitions "completed" a run without
 * results, -3 repetitions aborted, an unwritable --benchmark_out failed
 * only after the run folder was made); results/latest never moves. */
static void test_benchmark_flags_are_checked(void **state)
{
    (void)state;
    const char *const refused[][2] = {
        {"--benchmark_filter=nomatch", "--benchmark_filter 'nomatch' selects no benchmark"},
        {"--benchmark_list_tests=true", "memprobe list"},
        {"--benchmark_list_tests", "memprobe list"},
        {"--benchmark_repetitions=0", "--benchmark_repetitions '0'"},
        {"--benchmark_repetitions=-3", "--benchmark_repetitions '-3'"},
        {"--benchmark_out=/nonexistent/x", "--benchmark_out '/nonexistent/x'"},
        {"--benchmark_min_time=-1", "--benchmark_min_time '-1'"},
        {"--benchmark_report_aggregates_only=true", "results.csv keeps every repetition"},
        {"--benchmark_frobnicate=1", "unknown libbenchmark flag"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        char args[256];
        snprintf(args, sizeof args, "run --quick --filter harness/clock_now %s", refused[i][0]);
        expect_usage_error(args, refused[i][1]);
    }
}

/* An --out longer than the system accepts is refused whole: one complete
 * line (not cut off), and no folder made under a shortened name. */
static void test_out_too_long(void **state)
{
    (void)state;
    char *out = NULL;
    /* existing folders down to ~4090 characters, then a new name past PATH_MAX */
    assert_int_equal(testutil_run(&out, "(cd %s && p=$(printf 'd/%%.0s' $(seq 1 2045)) && mkdir -p \"$p\" && "
                                        "%s run --quick --filter harness/clock_now --out \"$p/newfolder\"; echo \"rc=$?\"; "
                                        "ls \"$p\" | wc -l)", scratch, bin), 0);
    if (!strstr(out, "rc=2") || !strstr(out, "expected a path of 1 to") || testutil_count_lines(out) != 3 ||
        !strstr(out, "\n0\n"))
        fail_msg("a path past PATH_MAX: %d lines:\n%s", testutil_count_lines(out), out);
    free(out);
    testutil_run(NULL, "rm -rf %s/d", scratch);
}

static void test_informational_commands(void **state)
{
    (void)state;
    const char *const ok[] = {"--version", "--help", "run --help", "topo", "counters", "list --quick"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        char *out = NULL;
        int rc = testutil_run(&out, "cd %s && %s %s", scratch, bin, ok[i]);
        if (rc != 0)
            print_error("%s: exit %d\n%s\n", ok[i], rc, out);
        assert_int_equal(rc, 0);
        assert_true(strlen(out) > 0);
        free(out);
    }
    assert_int_equal(run_folders(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_subcommand),
        cmocka_unit_test(test_unknown_flag),
        cmocka_unit_test(test_bad_regex),
        cmocka_unit_test(test_regex_selects_nothing),
        cmocka_unit_test(test_bad_cpu_lists),
        cmocka_unit_test(test_unknown_counter),
        cmocka_unit_test(test_unwritable_output),
        cmocka_unit_test(test_bad_repetitions),
        cmocka_unit_test(test_bad_family_option_value),
        cmocka_unit_test(test_hoard_cap_above_ram),
        cmocka_unit_test(test_usage_errors_with_gpu_library),
        cmocka_unit_test(test_every_family_option_has_a_range),
        cmocka_unit_test(test_option_accepts_exponent_notation),
        cmocka_unit_test(test_both_option_forms_everywhere),
        cmocka_unit_test(test_benchmark_flags_are_checked),
        cmocka_unit_test(test_out_too_long),
        cmocka_unit_test(test_informational_commands),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * test_claims.c — claim files: every parse error names file:line, and what
 * is not a short text (NUL, binary, /dev/zero, over 1 MiB) is refused;
 * every verdict path (holds, does not hold, partly, each reason for "not
 * measurable here", coverage) against the fixture run tests/fixtures/run-a;
 * the engine's rules (empty is a number, errored rows as evidence, controls,
 * per-group judgement, @max/@min, within noise); the explainer's claims
 * against a default run cut into tests/fixtures/run-default and a run whose
 * payload the visibility family's test hook spoiled (tests/fixtures/run-stale,
 * and live when the machine has two CPUs); and the `memprobe claims`
 * command's exit statuses.
 */
#include "testutil.h"

#include "analysis/claims.h"
#include "analysis/runfolder.h"

#include <sched.h>

#define FIX "tests/fixtures/"
#define HEAD "[claim.x]\ndocument = d\nclaim = c\n"

/* Parse text; expect failure with a message starting "t.ini:LINE: " and
 * containing what. */
static void expect_error(const char *text, int line, const char *what)
{
    char err[512] = "", prefix[32];
    claims_set *s = claims_load_string("t.ini", text, err, sizeof err);
    if (s) {
        claims_free(s);
        print_error("parsed, expected an error at line %d (%s)\n", line, what);
        fail();
    }
    snprintf(prefix, sizeof prefix, "t.ini:%d: ", line);
    if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, what)) {
        print_error("error '%s', want prefix '%s' and '%s'\n", err, prefix, what);
        fail();
    }
}

static void test_parse_errors_point_at_line(void **state)
{
    (void)state;
    expect_error(HEAD "check = {family=a} > 1\nthis line has no equals sign\n", 5, "not an INI line");
    expect_error(HEAD "chek = {family=a} > 1\n", 4, "unknown key 'chek'");
    expect_error(HEAD "check = {family=a} ~ 1\n", 4, "expected a comparison");
    expect_error(HEAD "check = {family=a} >> 1\n", 4, "expected a number");
    expect_error(HEAD "check = {family=a} > many\n", 4, "expected a number");
    expect_error(HEAD "check = average(real_ns){family=a} > 1\n", 4, "unknown statistic 'average'");
    expect_error(HEAD "check = {family=a\n", 4, "expected '}'");
    expect_error(HEAD "check = {family} > 1\n", 4, "expected a filter column=value");
    expect_error(HEAD "check = slope(rss){file=r.csv} > 1\n", 4, "slope(Y_COLUMN, X_COLUMN)");
    expect_error(HEAD "check = max(x){file=r.txt} > 1\n", 4, "file= names one CSV file");
    expect_error(HEAD "check = max(x){file=../r.csv} > 1\n", 4, "file=../r.csv: a file name inside the run folder");
    expect_error(HEAD "check = max(x){file=/etc/r.csv} > 1\n", 4, "without '/'");
    expect_error(HEAD "check = {a=1} in 5\n", 4, "in LOW..HIGH");
    expect_error(HEAD "check = {a=1} > 1 extra\n", 4, "unexpected text");
    expect_error(HEAD "min_cpus = two\ncheck = {a=1} > 1\n", 4, "min_cpus 'two'");
    expect_error(HEAD "check = {a=1} > 1\n\n[claim.y]\ndocument = d\ncheck = {a=1} > 1\n", 6, "no 'claim' key");
    expect_error(HEAD "\n\n[claim.z]\ndocument = d\nclaim = c\ncheck = {a=1} > 1\n", 1, "no 'check' key");
    expect_error("# c\ndocument = d\n" HEAD "check = {a=1} > 1\n", 2, "outside any [claim.ID]");
    expect_error(HEAD "check = {a=1} > 1\n[claim.x]\n", 5, "duplicate claim id 'x'");
    expect_error("[settings]\nfoo = 1\n", 1, "unknown section [settings]");
    expect_error(HEAD "document = again\ncheck = {a=1} > 1\n", 4, "'document' given twice");
    expect_error("# nothing\n", 1, "no [claim.ID] section");
    expect_error(HEAD "check = {a=1} in 5..1\n", 4, "in 5..1: the range is reversed");
    expect_error(HEAD "check = {family=} > 1\n", 4, "filter 'family=' has an empty value");
    expect_error(HEAD "check = {family=a|} > 1\n", 4, "filter 'family=' has an empty value");
    expect_error(HEAD "where = size!=\ncheck = {a=1} > 1\n", 4, "filter 'size!=' has an empty value");
    expect_error(HEAD "check = {size=@largest} > 1\n", 4, "@max and @min stand alone");
    expect_error(HEAD "check = {size=@max|64} > 1\n", 4, "@max and @min stand alone");
    expect_error(HEAD "counters = cycles bogus\ncheck = {a=1} > 1\n", 4, "unknown counter column 'bogus'");
    expect_error(HEAD "check.a = {a=1} > 1\ncheck.a = {a=2} > 1\n", 5, "check 'a' given twice");
    expect_error(HEAD "check.a = {a=1} > 1\ncontrol.b = {a=2} > 1\n", 5, "no check.b in [claim.x]");
    expect_error(HEAD "control.a = {a=2} > 1\ncheck.a = {a=1} > 1\ncontrol.a = {a=3} > 1\n", 6,
                 "'control.a' given twice");
    expect_error(HEAD "check.a = {a=1} > 1\ncontrol.a = {a=2} > 1 and more\n", 5, "a reason follows ':'");
    expect_error(HEAD "check = {a=1} > 1 by\n", 4, "expected 'by COLUMN [all|any]'");
    expect_error(HEAD "check = {a=1} > 1 by size every\n", 4, "unexpected text after the comparison");
    char long_line[400];
    snprintf(long_line, sizeof long_line, HEAD "check = {family=%0250d} > 1\n", 0);
    expect_error(long_line, 4, "longer than");
}

/* An empty families= or counters= list adds nothing (no zero-size
 * realloc, no copy from NULL: the fuzzer's empty-families-list input). */
static void test_parse_empty_lists(void **state)
{
    (void)state;
    char err[512] = "";
    claims_set *s = claims_load_string("t.ini", HEAD "families =\ncounters = ,\ncheck = {family=a} > 1\n", err,
                                       sizeof err);
    if (!s)
        print_error("%s\n", err);
    assert_non_null(s);
    claims_free(s);
}

static void test_parse_file_error_names_file(void **state)
{
    (void)state;
    const char *paths[] = {FIX "claims/bad-key.ini"};
    char err[512];
    assert_null(claims_load(paths, 1, err, sizeof err));
    assert_non_null(strstr(err, FIX "claims/bad-key.ini:4: unknown key 'chek'"));
    const char *missing[] = {"/nonexistent/x.ini"};
    assert_null(claims_load(missing, 1, err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/x.ini: cannot read"));
}

/* Every part of the syntax in one file, judged against run-a: the outcome of
 * each check is known from the fixture's rows. */
static void test_parse_good_file(void **state)
{
    (void)state;
    char err[512];
    claims_set *s = claims_load_string("t.ini",
        "# comment\n[claim.one]\ndocument = d\nclaim = first line\n  continued\n"
        "where = family=alloc size=64\n"
        "check.a = {variant=heap_malloc_free} / {variant=stack_vla} >= 3\n"
        "check.b = p99.9(pause_ns){file=gc_pauses.csv heap=gc|malloc} in 0..1e6\n"
        "check = slope(rss_bytes, time_ms){file=rss_series.csv variant!=bounded} > 0\n"
        "control.a = {variant=stack_fixed} > 0 : no stack\n"
        "families = alloc, gc\ncounters = page_faults\nmin_cpus = 2\n",
        err, sizeof err);
    if (!s)
        print_error("%s\n", err);
    assert_non_null(s);
    assert_int_equal(claims_count(s), 1);
    char run_err[256];
    runfolder *run = runfolder_open(FIX "run-a", run_err, sizeof run_err);
    assert_non_null(run);
    size_t n;
    claims_verdict *v = claims_evaluate(s, run, &n);
    claims_free(s);   /* the verdicts own their strings */
    assert_int_equal(n, 1);
    assert_string_equal(v[0].claim, "first line continued");
    assert_int_equal(v[0].line, 2);
    assert_int_equal(v[0].ncheck, 3);
    assert_string_equal(v[0].checks[0].label, "a");
    assert_string_equal(v[0].checks[2].label, "check 3");
    /* a: where's family and size apply (to the control too): 12 ns (10-14) / 3 ns is 4 */
    assert_int_equal(v[0].checks[0].outcome, CLAIMS_HOLDS);
    assert_non_null(strstr(v[0].checks[0].evidence, "ratio 4, meets >= 3; control: median(real_ns){variant=stack_fixed}"
                                                    " = 2 ns (3 rows, 1-100), meets > 0"));
    /* b: where does not reach a side CSV; p99.9 of 1e5..5e6 is near 5e6 */
    assert_int_equal(v[0].checks[1].outcome, CLAIMS_DOES_NOT_HOLD);
    assert_non_null(strstr(v[0].checks[1].evidence, "(5 rows), fails in 0..1e+06"));
    assert_int_equal(v[0].checks[2].outcome, CLAIMS_NOT_MEASURABLE);
    assert_string_equal(v[0].checks[2].why, "rss_series.csv absent from this run");
    assert_int_equal(v[0].outcome, CLAIMS_PARTLY);
    assert_string_equal(v[0].reason, "1 of 2 measurable checks hold");
    assert_string_equal(v[0].coverage, "2 of 3 checks measurable: check 3: rss_series.csv absent from this run");
    claims_verdicts_free(v, n);
    runfolder_free(run);
}

/* What is not a short UTF-8 text is refused with one line naming the line. */
static void test_load_refuses_non_text(void **state)
{
    (void)state;
    char err[512] = "";
    static const char nul[] = HEAD "check = {family=a\0b} > 1\n";
    assert_null(claims_load_buffer("t.ini", nul, sizeof nul - 1, err, sizeof err));
    assert_string_equal(err, "t.ini:4: a NUL byte: a claim file is text (UTF-8), not binary data");
    assert_null(claims_load_string("t.ini", HEAD "note = bell\a\n", err, sizeof err));
    assert_string_equal(err, "t.ini:4: not text (byte 0x07): a claim file is UTF-8 text");
    assert_null(claims_load_string("t.ini", HEAD "\n\nnote = caf\xe9\n", err, sizeof err));
    assert_string_equal(err, "t.ini:6: not text (byte 0xe9): a claim file is UTF-8 text");
    claims_set *ok = claims_load_string("t.ini", HEAD "note = 2 \xc2\xb5s, caf\xc3\xa9 \xe2\x80\x94 fine\r\n"
                                        "check = {family=a} > 1\n", err, sizeof err);
    assert_non_null(ok);   /* UTF-8 and CRLF are text */
    claims_free(ok);
    size_t big = (1u << 20) + 1;
    char *text = malloc(big + 1);
    memset(text, '#', big);
    text[big] = '\0';
    assert_null(claims_load_string("t.ini", text, err, sizeof err));
    assert_non_null(strstr(err, "t.ini: larger than 1024 KiB"));
    free(text);
}

/* memprobe claims /dev/zero (endless NULs) and a binary file: one line, exit 2. */
static void test_cli_refuses_non_text(void **state)
{
    (void)state;
    char *out;
    int rc = testutil_run(&out, "timeout 20 %s claims /dev/zero " FIX "run-a", MEMPROBE_BIN);
    assert_int_equal(rc, 2);
    assert_int_equal(testutil_count_lines(out), 1);
    assert_non_null(strstr(out, "/dev/zero:1: a NUL byte"));
    free(out);
    /* a binary file: the start of an ELF header (not the memprobe binary
     * itself, which under qemu-user is a wrapper script) */
    char dir[PATH_MAX], path[PATH_MAX + 16];
    testutil_scratch(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/binary.ini", dir);
    static const unsigned char elf[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0xff, 0xfe, '\n'};
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(elf, 1, sizeof elf, f), sizeof elf);
    assert_int_equal(fclose(f), 0);
    rc = testutil_run(&out, "timeout 20 %s claims %s " FIX "run-a", MEMPROBE_BIN, path);
    assert_int_equal(rc, 2);
    assert_int_equal(testutil_count_lines(out), 1);
    assert_non_null(strstr(out, "binary.ini:1: "));
    free(out);
    unlink(path);
    rmdir(dir);
}

/* Fixture verdicts: tests/fixtures/datadir/claims/verdicts.ini vs run-a. */
typedef struct expected {
    const char *id;
    claims_outcome outcome;
    const char *in_reason_or_evidence;
} expected;

static const expected fixture_verdicts[] = {
    {"holds-ratio", CLAIMS_HOLDS, "ratio 4, meets > 3"},
    {"does-not-hold", CLAIMS_DOES_NOT_HOLD, "= 2 ns (3 rows, 1-100), fails < 1"},
    {"partly", CLAIMS_PARTLY, "1 of 2 measurable checks hold"},
    {"family-absent", CLAIMS_NOT_MEASURABLE, "family hoard absent from this run"},
    {"counters-required", CLAIMS_NOT_MEASURABLE, "counters unavailable: cycles (no PMU in this VM)"},
    {"counter-metric", CLAIMS_NOT_MEASURABLE, "counters unavailable: cycles (no PMU in this VM)"},
    {"too-few-cpus", CLAIMS_NOT_MEASURABLE, "too few CPUs: needs 4, this run had 2"},
    {"rows-missing", CLAIMS_NOT_MEASURABLE, "rows missing: no row of results.csv matches"},
    {"skipped", CLAIMS_NOT_MEASURABLE, "skipped: needs 4 allowed CPUs, 2 allowed"},
    {"side-csv", CLAIMS_PARTLY, "1 of 2 measurable checks hold"},
    {"side-csv-absent", CLAIMS_NOT_MEASURABLE, "rss_series.csv absent from this run"},
    {"aggregate-only", CLAIMS_HOLDS, "aggregate=median rows"},
    {"litmus-sum", CLAIMS_HOLDS, "= 120 (1 row), meets == 120"},
    {"range-and-negation", CLAIMS_HOLDS, "meets in 11..13"},
    {"holds-unmeasurable", CLAIMS_HOLDS, "1 of 2 checks measurable: absent: family hoard absent from this run"},
    {"within-noise", CLAIMS_PARTLY, "ratio 6, within noise (the ranges overlap: counts as 1), fails > 5"},
    {"empty-is-a-number", CLAIMS_HOLDS, "count(pause_ns){file=gc_pauses.csv heap=go} = 0 (0 rows), meets == 0"},
    {"controls", CLAIMS_HOLDS, "mp_rel_acq: control shows no effect: no relaxed MP run showed it"},
};

static int verdict_mentions(const claims_verdict *v, const char *text)
{
    if ((v->reason && strstr(v->reason, text)) || strstr(v->coverage, text))
        return 1;
    for (size_t j = 0; j < v->ncheck; j++)
        if (strstr(v->checks[j].evidence, text))
            return 1;
    return 0;
}

static void test_every_verdict_path(void **state)
{
    (void)state;
    const char *paths[] = {FIX "datadir/claims/verdicts.ini"};
    char err[512];
    claims_set *s = claims_load(paths, 1, err, sizeof err);
    assert_non_null(s);
    runfolder *run = runfolder_open(FIX "run-a", err, sizeof err);
    assert_non_null(run);
    size_t n;
    claims_verdict *v = claims_evaluate(s, run, &n);
    size_t want = sizeof fixture_verdicts / sizeof fixture_verdicts[0];
    assert_int_equal(n, want);
    for (size_t i = 0; i < want; i++) {
        const expected *e = &fixture_verdicts[i];
        assert_string_equal(v[i].id, e->id);
        if (v[i].outcome != e->outcome || !verdict_mentions(&v[i], e->in_reason_or_evidence)) {
            print_error("claim %s: %s (%s), want %s mentioning '%s'\n", e->id, claims_outcome_name(v[i].outcome),
                        v[i].reason, claims_outcome_name(e->outcome), e->in_reason_or_evidence);
            fail();
        }
    }
    /* the median of 1, 2, 100 is 2: repetitions are reduced with the median */
    assert_non_null(strstr(v[1].checks[0].evidence, "= 2 ns (3 rows, 1-100)"));
    /* side-csv: p50 holds (3e5), p99 fails (4.816e6, linear interpolation) */
    assert_int_equal(v[9].checks[0].outcome, CLAIMS_HOLDS);
    assert_int_equal(v[9].checks[1].outcome, CLAIMS_DOES_NOT_HOLD);
    assert_non_null(strstr(v[9].checks[1].evidence, "4.816e+06"));
    /* within noise: the ratio counts as 1, so "== 1" holds */
    assert_int_equal(v[15].checks[1].outcome, CLAIMS_HOLDS);
    assert_non_null(strstr(v[15].checks[1].evidence, "within noise (the ranges overlap: counts as 1), meets == 1"));
    /* empty is a number: a sum over no row; a column that is absent is not */
    assert_int_equal(v[16].checks[1].outcome, CLAIMS_HOLDS);
    assert_int_equal(v[16].checks[2].outcome, CLAIMS_NOT_MEASURABLE);
    assert_string_equal(v[16].checks[2].why, "column collector absent from gc_pauses.csv in this run");
    /* controls: one shows its effect (the check counts), one does not (the check is not measurable) */
    assert_int_equal(v[17].checks[0].outcome, CLAIMS_HOLDS);
    assert_non_null(strstr(v[17].checks[0].evidence, "; control: sum(count){file=litmus.csv test=sb variant=relaxed "
                                                     "weak=1} = 120 (1 row), meets > 0"));
    assert_int_equal(v[17].checks[1].outcome, CLAIMS_NOT_MEASURABLE);
    assert_string_equal(v[17].checks[1].why, "control shows no effect: no relaxed MP run showed it");
    claims_verdicts_free(v, n);
    runfolder_free(run);
    claims_free(s);
}

/* Evaluate claim file path against fixture run; the verdicts, *n of them. */
static claims_verdict *judge(const char *path, const char *run_dir, size_t *n)
{
    char err[512];
    const char *paths[] = {path};
    claims_set *s = claims_load(paths, 1, err, sizeof err);
    if (!s)
        print_error("%s\n", err);
    assert_non_null(s);
    runfolder *run = runfolder_open(run_dir, err, sizeof err);
    if (!run)
        print_error("%s\n", err);
    assert_non_null(run);
    claims_verdict *v = claims_evaluate(s, run, n);
    claims_free(s);
    runfolder_free(run);
    return v;
}

static const claims_verdict *find_verdict(const claims_verdict *v, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].id, id) == 0)
            return &v[i];
    print_error("no verdict for claim %s\n", id);
    fail();
    return NULL;
}

static const claims_check_result *find_check(const claims_verdict *v, const char *label)
{
    for (size_t i = 0; i < v->ncheck; i++)
        if (strcmp(v->checks[i].label, label) == 0)
            return &v->checks[i];
    print_error("claim %s has no check %s\n", v->id, label);
    fail();
    return NULL;
}

/* The check's outcome is want and its evidence mentions text. */
static void expect_outcome(const claims_verdict *v, const char *label, claims_outcome want, const char *text)
{
    const claims_check_result *c = find_check(v, label);
    if (c->outcome != want || !strstr(c->evidence, text)) {
        print_error("%s/%s: %s: %s\nwant %s mentioning '%s'\n", v->id, label, claims_outcome_name(c->outcome),
                    c->evidence, claims_outcome_name(want), text);
        fail();
    }
}

/* Per-group judgement (all, any, a ratio per group) and @max/@min, on the
 * collector pauses and the latency ladder of a real default run. */
static void test_groups_and_extremes(void **state)
{
    (void)state;
    size_t n;
    claims_verdict *v = judge(FIX "claims/engine.ini", FIX "run-default", &n);
    assert_int_equal(n, 4);
    /* the evidence names every group's value; 1 MiB passes, 4 MiB does not */
    expect_outcome(&v[0], "c", CLAIMS_DOES_NOT_HOLD, "by live_bytes (every group must meet < 1e+06): 1 MiB: 5.651e+05 ns "
                 "(40 rows) meets; 4 MiB: 1.298e+06 ns (40 rows) fails;");
    expect_outcome(&v[0], "c", CLAIMS_DOES_NOT_HOLD, "1 GiB: 6.449e+08 ns (2 rows) fails; 1 of 6 groups meet it "
                 "(smallest that does: 1 MiB; largest that does: 1 MiB; smallest that does not: 4 MiB)");
    expect_outcome(&v[1], "c", CLAIMS_HOLDS, "(one group must meet < 1e+06)");
    expect_outcome(&v[2], "go", CLAIMS_HOLDS, "16 MiB: ratio 10.3 meets;");
    expect_outcome(&v[2], "go", CLAIMS_HOLDS, "5 of 5 groups meet it");
    expect_outcome(&v[3], "dram_over_l1", CLAIMS_HOLDS, "= 275.6 ns (3 rows, 266.5-280.6) / median(real_ns)"
                 "{family=latency variant=chase working_set=@min} = 1.058 ns (3 rows, 1.008-1.126): ratio 260");
    claims_verdicts_free(v, n);
    /* the same through the measuring API the report's key numbers use */
    char err[512];
    runfolder *run = runfolder_open(FIX "run-default", err, sizeof err);
    claims_quantity *q;
    size_t nq = claims_measure(run, "p99(pause_ns){file=gc_pauses.csv heap=go gogc=100}", "live_bytes", &q, err,
                               sizeof err);
    assert_int_equal(nq, 5);
    assert_string_equal(q[0].group, "1048576");
    assert_string_equal(q[4].group, "268435456");
    assert_int_equal(q[2].nrows, 40);
    claims_quantities_free(q, nq);
    assert_int_equal(claims_measure(run, "median(real_ns){family=hoard variant=nothing}", NULL, &q, err, sizeof err), 0);
    assert_non_null(strstr(err, "rows missing"));
    assert_int_equal(claims_measure(run, "median(real_ns){family=}", NULL, &q, err, sizeof err), 0);
    assert_non_null(strstr(err, "empty value"));
    runfolder_free(run);
}

/* The explainer's claims against a real default run: each verdict, and the
 * evidence each rule of the engine adds. */
static void test_explainer_claims_on_a_default_run(void **state)
{
    (void)state;
    size_t n;
    claims_verdict *v = judge("claims/go-memory-model.ini", FIX "run-default", &n);
    assert_int_equal(n, 9);
    static const struct { const char *id; claims_outcome outcome; } want[] = {
        {"stack-alloc-cheap", CLAIMS_PARTLY}, {"heap-alloc-slower", CLAIMS_HOLDS},
        {"heap-access-slower", CLAIMS_PARTLY}, {"pointer-escape-10x", CLAIMS_PARTLY},
        {"gc-pause-under-1ms", CLAIMS_PARTLY}, {"gc-steals-cpu", CLAIMS_HOLDS},
        {"hoarding-staircase", CLAIMS_HOLDS}, {"stale-read-private-caches", CLAIMS_PARTLY},
        {"mutex-channel-happens-before", CLAIMS_HOLDS},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const claims_verdict *c = find_verdict(v, n, want[i].id);
        if (c->outcome != want[i].outcome) {
            print_error("%s: %s (%s), want %s\n", c->id, claims_outcome_name(c->outcome), c->coverage,
                        claims_outcome_name(want[i].outcome));
            fail();
        }
    }
    /* against this run's own L1 hit latency, not nanoseconds */
    const claims_verdict *c = find_verdict(v, n, "stack-alloc-cheap");
    expect_outcome(c, "c_stack_fixed_64B_under_4_L1_hits", CLAIMS_HOLDS, "working_set=@min runtime=c} = 1.058 ns");
    expect_outcome(c, "go_fastpath_64B_under_10_L1_hits", CLAIMS_DOES_NOT_HOLD, "ratio 15.8, fails < 10");
    /* hot buffers within noise; fresh mmap'd memory really slower */
    c = find_verdict(v, n, "heap-access-slower");
    expect_outcome(c, "c_hot_64KiB", CLAIMS_DOES_NOT_HOLD, "within noise");
    expect_outcome(c, "c_fresh_heap_first_touch_4MiB", CLAIMS_HOLDS, "{variant=cold_heap_mmap size=4194304");
    /* per live set: the largest that stayed under 1 ms, for libgc and for Go */
    c = find_verdict(v, n, "gc-pause-under-1ms");
    expect_outcome(c, "c_p99_held_per_live_set", CLAIMS_DOES_NOT_HOLD, "largest that does: 1 MiB;");
    expect_outcome(c, "go_p99_pause_per_live_set", CLAIMS_DOES_NOT_HOLD,
                 "largest that does: 256 MiB; smallest that does not: 16 MiB");
    expect_outcome(c, "go_median_pause_per_live_set", CLAIMS_HOLDS, "5 of 5 groups meet it");
    /* against this run's DRAM latency; a control that the x86 run cannot show */
    c = find_verdict(v, n, "stale-read-private-caches");
    expect_outcome(c, "c_write_stays_unseen_past_2_DRAM_accesses", CLAIMS_DOES_NOT_HOLD, "working_set=@max runtime=c}");
    assert_string_equal(c->coverage, "3 of 4 checks measurable: go_racy_flag_sees_stale: control shows no effect: this "
                        "CPU keeps stores in order and loads in order (x86-TSO), so a flag handoff cannot show an old "
                        "payload");
    c = find_verdict(v, n, "mutex-channel-happens-before");
    assert_int_equal(c->nmeasurable, 4);
    assert_non_null(strstr(c->coverage, "c_release_acquire_mp: control shows no effect: x86-TSO forbids"));
    expect_outcome(c, "c_mutex_no_stale_payload", CLAIMS_HOLDS, "meets == 0; control: min(handoffs)");
    claims_verdicts_free(v, n);
}

/* A row that errored because its receiver saw a stale payload (a real run
 * with MEMPROBE_VISIBILITY_CORRUPT=1) refutes the claim: the check fails
 * with the row named, even where the count never reached results.csv. */
static void test_errored_row_refutes_a_claim(void **state)
{
    (void)state;
    size_t n;
    claims_verdict *v = judge("claims/go-memory-model.ini", FIX "run-stale", &n);
    const claims_verdict *c = find_verdict(v, n, "mutex-channel-happens-before");
    assert_int_equal(c->outcome, CLAIMS_DOES_NOT_HOLD);
    expect_outcome(c, "c_mutex_no_stale_payload", CLAIMS_DOES_NOT_HOLD, "a matching row errored for this reason: "
                 "visibility/mutex_condvar/cpu_a:0/cpu_b:1: visibility mutex_condvar: 2 stale payloads");
    claims_verdicts_free(v, n);
    /* an errored row the check is not about is listed, and its count (a value
     * it made before it stopped) is reduced with the rest */
    char err[512];
    claims_set *s = claims_load_string("t.ini", HEAD "where = family=visibility\n"
                                       "check.speed = {variant=relaxed|seq_cst} > 0\n"
                                       "check.counted = max(iterations){variant=relaxed|seq_cst} >= 1\n", err, sizeof err);
    assert_non_null(s);
    runfolder *run = runfolder_open(FIX "run-stale", err, sizeof err);
    v = claims_evaluate(s, run, &n);
    expect_outcome(&v[0], "speed", CLAIMS_HOLDS, "(1 row), meets > 0; 1 errored row matched: visibility/seq_cst/"
                 "cpu_a:0/cpu_b:1: visibility seq_cst: 2 stale payloads");
    expect_outcome(&v[0], "counted", CLAIMS_HOLDS, "(2 rows)");
    claims_verdicts_free(v, n);
    claims_free(s);
    runfolder_free(run);
}

/* End to end: the visibility family's test hook spoils one payload of a
 * mutex handoff; the run's row errors and the claim turns. */
static void test_spoiled_payload_turns_the_claim(void **state)
{
    (void)state;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0 || CPU_COUNT(&set) < 2) {
        print_message("SKIP: the visibility family needs 2 allowed CPUs, this process has fewer\n");
        skip();
    }
    char run[128];
    free(testutil_memprobe_run(run, sizeof run, "MEMPROBE_VISIBILITY_CORRUPT=1",
                               "--quick --counters none --filter 'visibility/mutex$'"));
    size_t n;
    claims_verdict *v = judge("claims/go-memory-model.ini", run, &n);
    const claims_verdict *c = find_verdict(v, n, "mutex-channel-happens-before");
    assert_int_equal(c->outcome, CLAIMS_DOES_NOT_HOLD);
    expect_outcome(c, "c_mutex_no_stale_payload", CLAIMS_DOES_NOT_HOLD, "stale payloads through a happens-before");
    claims_verdicts_free(v, n);
    /* without the hook the same run holds */
    testutil_remove_run(run);
    free(testutil_memprobe_run(run, sizeof run, NULL, "--quick --counters none --filter 'visibility/mutex$'"));
    v = judge("claims/go-memory-model.ini", run, &n);
    c = find_verdict(v, n, "mutex-channel-happens-before");
    expect_outcome(c, "c_mutex_no_stale_payload", CLAIMS_HOLDS, "meets == 0; control: min(handoffs)");
    claims_verdicts_free(v, n);
    testutil_remove_run(run);
}

static void test_explainer_claims_parse_and_degrade(void **state)
{
    (void)state;
    const char *paths[] = {"claims/go-memory-model.ini"};
    char err[512];
    claims_set *s = claims_load(paths, 1, err, sizeof err);
    if (!s)
        print_error("%s\n", err);
    assert_non_null(s);
    assert_true(claims_count(s) >= 9);
    /* run-b has no passing, gc or hoard family: those claims must say so */
    runfolder *run = runfolder_open(FIX "run-b", err, sizeof err);
    size_t n;
    claims_verdict *v = claims_evaluate(s, run, &n);
    int saw_absent = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].id, "pointer-escape-10x") == 0 || strcmp(v[i].id, "gc-pause-under-1ms") == 0 ||
            strcmp(v[i].id, "hoarding-staircase") == 0) {
            assert_int_equal(v[i].outcome, CLAIMS_NOT_MEASURABLE);
            assert_non_null(strstr(v[i].reason, "absent from this run"));
            saw_absent++;
        }
    }
    assert_int_equal(saw_absent, 3);
    claims_verdicts_free(v, n);
    runfolder_free(run);
    claims_free(s);
}

/* claims/latency-numbers.ini against a real --quick run of the families it
 * names: it parses, and every check of every claim could be judged (its
 * filters and columns match rows the program really writes); only
 * loaded_latency may be absent, on one CPU. */
static void test_latency_numbers_checks_name_real_columns(void **state)
{
    (void)state;
    const char *paths[] = {"claims/latency-numbers.ini"};
    char err[512], run[PATH_MAX];
    claims_set *s = claims_load(paths, 1, err, sizeof err);
    if (!s)
        print_error("%s\n", err);
    assert_non_null(s);
    assert_int_equal(claims_count(s), 5);
    free(testutil_memprobe_run(run, sizeof run, NULL,
                               "--quick --counters none --filter '^(latency/(chase|mutex_lock_unlock)|bandwidth/read/vector|loaded_latency/idle)$'"));
    runfolder *rf = runfolder_open(run, err, sizeof err);
    assert_non_null(rf);
    size_t n;
    claims_verdict *v = claims_evaluate(s, rf, &n);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < v[i].ncheck; j++) {
            const claims_check_result *c = &v[i].checks[j];
            if (c->outcome == CLAIMS_NOT_MEASURABLE && !strstr(c->evidence, "family loaded_latency absent"))
                fail_msg("%s/%s not measurable: %s", v[i].id, c->label, c->evidence);
        }
    claims_verdicts_free(v, n);
    runfolder_free(rf);
    claims_free(s);
    testutil_remove_run(run);
}

static void test_claims_cli(void **state)
{
    (void)state;
    char *out;
    int rc = testutil_run(&out, "%s claims " FIX "datadir/claims/verdicts.ini " FIX "run-a", MEMPROBE_BIN);
    assert_int_equal(rc, 0);   /* verdicts are data, even when claims do not hold */
    assert_non_null(strstr(out, "does not hold"));
    assert_non_null(strstr(out, "18 claims: 7 hold, 1 do not hold, 3 partly, 7 not measurable here"));
    free(out);
    rc = testutil_run(&out, "%s claims " FIX "claims/bad-key.ini " FIX "run-a", MEMPROBE_BIN);
    assert_int_equal(rc, 2);
    assert_int_equal(testutil_count_lines(out), 1);
    assert_non_null(strstr(out, "bad-key.ini:4:"));
    free(out);
    rc = testutil_run(&out, "%s claims " FIX "datadir/claims/verdicts.ini /nonexistent/run " FIX "run-a", MEMPROBE_BIN);
    assert_int_equal(rc, 2);   /* /nonexistent/run is not a folder: read as a claim file */
    assert_int_equal(testutil_count_lines(out), 1);
    free(out);
    rc = testutil_run(&out, "%s claims " FIX "run-a", MEMPROBE_BIN);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(out, "no claim file"));
    free(out);
    rc = testutil_run(&out, "%s claims " FIX "datadir/claims/verdicts.ini " FIX "claims", MEMPROBE_BIN);
    assert_int_equal(rc, 2);   /* a folder without results.csv */
    assert_non_null(strstr(out, "no results.csv"));
    free(out);
    rc = testutil_run(&out, "%s claims --bogus", MEMPROBE_BIN);
    assert_int_equal(rc, 2);
    assert_int_equal(testutil_count_lines(out), 1);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_errors_point_at_line),
        cmocka_unit_test(test_parse_empty_lists),
        cmocka_unit_test(test_parse_file_error_names_file),
        cmocka_unit_test(test_parse_good_file),
        cmocka_unit_test(test_load_refuses_non_text),
        cmocka_unit_test(test_cli_refuses_non_text),
        cmocka_unit_test(test_every_verdict_path),
        cmocka_unit_test(test_explainer_claims_parse_and_degrade),
        cmocka_unit_test(test_groups_and_extremes),
        cmocka_unit_test(test_explainer_claims_on_a_default_run),
        cmocka_unit_test(test_errored_row_refutes_a_claim),
        cmocka_unit_test(test_spoiled_payload_turns_the_claim),
        cmocka_unit_test(test_latency_numbers_checks_name_real_columns),
        cmocka_unit_test(test_claims_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

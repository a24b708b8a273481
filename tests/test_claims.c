/*
 * test_claims.c — claim files: every parse error names file:line; every
 * verdict path (holds, does not hold, partly, and each reason for "not
 * measurable here") against the fixture run tests/fixtures/run-a; and the
 * `memprobe claims` command's exit statuses.
 */
#include "testutil.h"

#include "analysis/claims.h"
#include "analysis/runfolder.h"

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

static void test_parse_good_file(void **state)
{
    (void)state;
    char err[512];
    claims_set *s = claims_load_string("t.ini",
        "# comment\n[claim.one]\ndocument = d\nclaim = first line\n  continued\n"
        "where = family=alloc size=64\n"
        "check.a = {variant=x} / {variant=y} >= 10\n"
        "check.b = p99.9(pause_ns){file=gc_pauses.csv heap=gc|malloc} in 0..1e6\n"
        "check = slope(rss_bytes, time_ms){file=rss_series.csv variant!=bounded} > 0\n"
        "families = alloc, gc\ncounters = cycles instructions\nmin_cpus = 2\n",
        err, sizeof err);
    assert_non_null(s);
    assert_int_equal(claims_count(s), 1);
    char run_err[256];
    runfolder *run = runfolder_open(FIX "run-a", run_err, sizeof run_err);
    assert_non_null(run);
    size_t n;
    claims_verdict *v = claims_evaluate(s, run, &n);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].claim, "first line continued");
    assert_int_equal(v[0].ncheck, 3);
    assert_string_equal(v[0].checks[0].label, "a");
    assert_string_equal(v[0].checks[2].label, "check 3");
    assert_int_equal(v[0].line, 2);
    claims_verdicts_free(v, n);
    runfolder_free(run);
    claims_free(s);
}

/* Fixture verdicts: tests/fixtures/datadir/claims/verdicts.ini vs run-a. */
typedef struct expected {
    const char *id;
    claims_outcome outcome;
    const char *in_reason_or_evidence;
} expected;

static const expected fixture_verdicts[] = {
    {"holds-ratio", CLAIMS_HOLDS, "ratio 6, meets > 5"},
    {"does-not-hold", CLAIMS_DOES_NOT_HOLD, "= 2 ns (3 rows), fails < 1"},
    {"partly", CLAIMS_PARTLY, "1 of 2 checks hold"},
    {"family-absent", CLAIMS_NOT_MEASURABLE, "family hoard absent from this run"},
    {"counters-required", CLAIMS_NOT_MEASURABLE, "counters unavailable: cycles (no PMU in this VM)"},
    {"counter-metric", CLAIMS_NOT_MEASURABLE, "counters unavailable: cycles (no PMU in this VM)"},
    {"too-few-cpus", CLAIMS_NOT_MEASURABLE, "too few CPUs: needs 4, this run had 2"},
    {"rows-missing", CLAIMS_NOT_MEASURABLE, "rows missing: no row of results.csv matches"},
    {"skipped", CLAIMS_NOT_MEASURABLE, "skipped: needs 4 allowed CPUs, 2 allowed"},
    {"side-csv", CLAIMS_PARTLY, "1 of 2 checks hold"},
    {"side-csv-absent", CLAIMS_NOT_MEASURABLE, "rss_series.csv absent from this run"},
    {"aggregate-only", CLAIMS_HOLDS, "aggregate=median rows"},
    {"litmus-sum", CLAIMS_HOLDS, "= 120 (1 row), meets == 120"},
    {"range-and-negation", CLAIMS_HOLDS, "meets in 11..13"},
    {"partly-unmeasurable", CLAIMS_PARTLY, "not measurable: family hoard absent from this run"},
};

static int verdict_mentions(const claims_verdict *v, const char *text)
{
    if (v->reason && strstr(v->reason, text))
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
    assert_non_null(strstr(v[1].checks[0].evidence, "= 2 ns (3 rows)"));
    /* side-csv: p50 holds (3e5), p99 fails (4.816e6, linear interpolation) */
    assert_int_equal(v[9].checks[0].outcome, CLAIMS_HOLDS);
    assert_int_equal(v[9].checks[1].outcome, CLAIMS_DOES_NOT_HOLD);
    assert_non_null(strstr(v[9].checks[1].evidence, "4.816e+06"));
    claims_verdicts_free(v, n);
    runfolder_free(run);
    claims_free(s);
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

static void test_claims_cli(void **state)
{
    (void)state;
    char *out;
    int rc = testutil_run(&out, "%s claims " FIX "datadir/claims/verdicts.ini " FIX "run-a", MEMPROBE_BIN);
    assert_int_equal(rc, 0);   /* verdicts are data, even when claims do not hold */
    assert_non_null(strstr(out, "does not hold"));
    assert_non_null(strstr(out, "15 claims: 4 hold, 1 do not hold, 3 partly, 7 not measurable here"));
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
        cmocka_unit_test(test_every_verdict_path),
        cmocka_unit_test(test_explainer_claims_parse_and_degrade),
        cmocka_unit_test(test_claims_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

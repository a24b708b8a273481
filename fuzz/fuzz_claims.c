/*
 * fuzz_claims.c — libFuzzer target for claim files: claims_load_buffer takes
 * the raw bytes (NULs and non-text included), parses the INI sections,
 * filters, checks and controls; every set that parses is evaluated against
 * the fixture run tests/fixtures/run-a and printed.
 * Invariants: a refused file comes with "NAME:LINE: ..." in the message; an
 * accepted one gives one verdict per claim, each with an id.
 */
#include "fuzzutil.h"
#include "analysis/claims.h"

#ifndef FUZZ_FIXTURE_RUN
#define FUZZ_FIXTURE_RUN "tests/fixtures/run-a"
#endif

static runfolder *fixture;
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char err[1024];
    fixture = runfolder_open(FUZZ_FIXTURE_RUN, err, sizeof err);
    devnull = fopen("/dev/null", "w");
    if (!fixture || !devnull) {
        fprintf(stderr, "fuzz_claims: %s\n", fixture ? "cannot open /dev/null" : err);
        exit(1);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[1024] = "";
    claims_set *set = claims_load_buffer("fuzz.ini", (const char *)data, size, err, sizeof err);
    if (!set) {
        FUZZ_CHECK(strncmp(err, "fuzz.ini", 8) == 0, "message does not name the file: %s", err);
        return 0;
    }
    size_t n = 0;
    claims_verdict *v = claims_evaluate(set, fixture, &n);
    FUZZ_CHECK(n == claims_count(set), "%zu verdicts for %zu claims", n, claims_count(set));
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(v[i].id && v[i].coverage && v[i].outcome <= CLAIMS_NOT_MEASURABLE, "verdict %zu malformed", i);
    claims_print_table(v, n, devnull);
    claims_verdicts_free(v, n);
    claims_free(set);
    return 0;
}

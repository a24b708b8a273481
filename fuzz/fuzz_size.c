/*
 * fuzz_size.c — libFuzzer target for size and number options: bench_parse_size
 * ("512M", "2G") and bench_option_set for every option kind (what
 * `--hoard-cap 512M`, `--c2c-pairs N`, ... go through).  Invariants: a refused
 * value leaves the target untouched and comes with a message naming the
 * option; an accepted number respects the option's minimum and its
 * machine-dependent maximum (bench_option.max).
 */
#include "fuzzutil.h"
#include "memprobe/bench.h"

#include <math.h>

/* A machine-dependent bound as --hoard-cap has (half the RAM there). */
static double fuzz_size_max(void)
{
    return 1048576.0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *value = fuzz_string(data, size);
    unsigned long long bytes = 12345;
    if (bench_parse_size(value, &bytes) != 0)
        FUZZ_CHECK(bytes == 12345, "refused '%s' but wrote %llu", value, bytes);

    int flag = 0;
    long long n = -7;
    unsigned long long sz = 7, capped = 7;
    double d = -7;
    const char *text = NULL;
    const bench_option options[] = {
        {"fuzz-flag", BENCH_OPT_FLAG, &flag, "", 0, NULL},
        {"fuzz-int", BENCH_OPT_INT, &n, "", 2, NULL},
        {"fuzz-size", BENCH_OPT_SIZE, &sz, "", 4096, NULL},
        {"fuzz-capped", BENCH_OPT_SIZE, &capped, "", 4096, fuzz_size_max},
        {"fuzz-double", BENCH_OPT_DOUBLE, &d, "", 0.5, NULL},
        {"fuzz-text", BENCH_OPT_STRING, &text, "", 0, NULL},
    };
    for (size_t i = 0; i < sizeof options / sizeof *options; i++) {
        char err[512] = "";
        if (bench_option_set(&options[i], value, err, sizeof err) != 0) {
            FUZZ_CHECK(strstr(err, options[i].name) != NULL, "'%s' refused for --%s with '%s'", value,
                       options[i].name, err);
        }
    }
    FUZZ_CHECK(n == -7 || n >= 2, "--fuzz-int accepted %lld below its minimum", n);
    FUZZ_CHECK(sz == 7 || sz >= 4096, "--fuzz-size accepted %llu below its minimum", sz);
    FUZZ_CHECK(capped == 7 || (capped >= 4096 && capped <= 1048576), "--fuzz-capped accepted %llu outside 4096..1M",
               capped);
    FUZZ_CHECK(d == -7 || (isfinite(d) && d >= 0.5), "--fuzz-double accepted %g", d);
    FUZZ_CHECK(!text || text == value, "--fuzz-text stored a foreign pointer");
    free(value);
    return 0;
}

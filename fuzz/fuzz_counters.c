/*
 * fuzz_counters.c — libFuzzer target for the --counters spec: counters_init
 * splits the list, resolves groups (core, cache, sw, none) and PAPI event
 * names, probes each event and checks that the set fits.  PAPI starts once
 * per process (counters keeps it); every input ends with counters_shutdown,
 * so nothing accumulates between inputs.  Invariants: a refused spec comes
 * with a message and leaves no events selected; an accepted one selects at
 * most as many events as it named tokens times a group's size, each with a
 * column name, and every unavailable event says why.
 */
#include "fuzzutil.h"
#include "memprobe/counters.h"

#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *spec = fuzz_string(data, size);
    char err[1024] = "";
    if (counters_init(spec, err, sizeof err) != 0) {
        FUZZ_CHECK(fuzz_message_ok(err), "'%s' refused without a message", spec);
        FUZZ_CHECK(counters_event_count() == 0, "'%s' refused but %d events stay selected", spec,
                   counters_event_count());
    } else {
        int n = counters_event_count();
        FUZZ_CHECK(counters_available_count() <= n, "more available than selected");
        for (int i = 0; i < n; i++) {
            const char *col = counters_event_column(i);
            FUZZ_CHECK(col && *col, "event %d of '%s' has no column", i, spec);
            FUZZ_CHECK(counters_event_available(i) || counters_event_reason(i), "event %s unavailable without a reason",
                       col);
        }
        double values[64];
        for (int i = 0; i < 64; i++)
            values[i] = NAN;
        for (int i = 0; i < counters_derived_count() && n <= 64; i++)
            FUZZ_CHECK(isnan(counters_derived_value(i, values)), "derived metric from unavailable inputs");
    }
    counters_shutdown();
    free(spec);
    return 0;
}

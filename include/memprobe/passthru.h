/*
 * passthru.h — the libbenchmark flags memprobe passes on (--benchmark_*),
 * checked like memprobe's own options before anything runs.
 *
 * Accepted (VALUE after '=' or as the next argument; a true/false flag may
 * stand alone): --benchmark_filter=REGEX, --benchmark_min_time=SECONDS,
 * --benchmark_min_warmup_time=SECONDS, --benchmark_repetitions=N (the same
 * as --repetitions), --benchmark_enable_random_interleaving[=BOOL],
 * --benchmark_out=FILE, --benchmark_out_format=json|console|csv,
 * --benchmark_format=console|json|csv, --benchmark_color=auto|true|false,
 * --benchmark_counters_tabular[=BOOL], --benchmark_display_aggregates_only
 * [=BOOL], --benchmark_time_unit=ns|us|ms|s.  Refused, with the reason:
 * --benchmark_list_tests (`memprobe list` lists), --benchmark_report_
 * aggregates_only (results.csv keeps every repetition), --benchmark_perf_
 * counters (--counters counts); any other --benchmark_ flag is unknown.
 */
#ifndef MEMPROBE_PASSTHRU_H
#define MEMPROBE_PASSTHRU_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PASSTHRU_REPETITIONS "--benchmark_repetitions"
#define PASSTHRU_FILTER "--benchmark_filter"

/* Check the --benchmark_* flag at argv[*i] (taking its value from the next
 * argument when it is not given after '=': *i advanced).  0 with the flag
 * as libbenchmark takes it ("--benchmark_NAME=VALUE", malloc'd) in *flag
 * and its value in *value (points into *flag); -1 with one line in err
 * naming the flag and what is accepted. */
int passthru_parse(int argc, char **argv, int *i, char **flag, const char **value, char *err, size_t errlen);
/* 1 when flag (as passthru_parse gave it) is named name. */
int passthru_is(const char *flag, const char *name);

#ifdef __cplusplus
}
#endif
#endif

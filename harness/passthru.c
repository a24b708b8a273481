/*
 * passthru.c — checking the libbenchmark flags memprobe passes on
 * (passthru.h): a table of the accepted ones with what each accepts, and
 * the ones refused with the reason.
 */
#include "memprobe/passthru.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memprobe/args.h"
#include "memprobe/output.h"

typedef struct passthru_flag {
    const char *name;
    int is_bool;                       /* may stand alone (meaning true) */
    int (*valid)(const char *value);   /* NULL: any non-empty value */
    const char *accepts;               /* for the error line */
} passthru_flag;

static int passthru_one_of(const char *value, const char *const *words)
{
    for (; *words; words++)
        if (strcmp(value, *words) == 0)
            return 1;
    return 0;
}

static int passthru_bool(const char *v)
{
    return passthru_one_of(v, (const char *const[]){"true", "false", "yes", "no", "1", "0", NULL});
}

static int passthru_seconds(const char *v)
{
    double d;
    return output_parse_number(v, &d) && d > 0 && d <= 3600;
}

static int passthru_seconds_or_zero(const char *v)
{
    double d;
    return output_parse_number(v, &d) && d >= 0 && d <= 3600;
}

static int passthru_repetitions(const char *v)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    return !errno && end != v && !*end && n >= 1 && n <= 1000;
}

static int passthru_format(const char *v)
{
    return passthru_one_of(v, (const char *const[]){"console", "json", "csv", NULL});
}

static int passthru_color(const char *v)
{
    return strcmp(v, "auto") == 0 || passthru_bool(v);
}

static int passthru_time_unit(const char *v)
{
    return passthru_one_of(v, (const char *const[]){"ns", "us", "ms", "s", NULL});
}

/* A file libbenchmark can create: not a folder, in a folder that exists and
 * is writable. */
static int passthru_out_file(const char *v)
{
    char copy[PATH_MAX];
    struct stat st;
    if (strlen(v) >= sizeof copy || (stat(v, &st) == 0 && S_ISDIR(st.st_mode)))
        return 0;
    snprintf(copy, sizeof copy, "%s", v);
    const char *dir = dirname(copy);
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && access(dir, W_OK | X_OK) == 0;
}

static const passthru_flag passthru_flags[] = {
    {PASSTHRU_FILTER, 0, NULL, "a regex over full benchmark names (`memprobe list` shows them)"},
    {"--benchmark_min_time", 0, passthru_seconds, "seconds, more than 0 and at most 3600"},
    {"--benchmark_min_warmup_time", 0, passthru_seconds_or_zero, "seconds, 0 to 3600"},
    {PASSTHRU_REPETITIONS, 0, passthru_repetitions, "a whole number from 1 to 1000"},
    {"--benchmark_enable_random_interleaving", 1, passthru_bool, "true or false"},
    {"--benchmark_out", 0, passthru_out_file, "a file in a folder that exists and is writable"},
    {"--benchmark_out_format", 0, passthru_format, "json, console or csv"},
    {"--benchmark_format", 0, passthru_format, "console, json or csv"},
    {"--benchmark_color", 1, passthru_color, "auto, true or false"},
    {"--benchmark_counters_tabular", 1, passthru_bool, "true or false"},
    {"--benchmark_display_aggregates_only", 1, passthru_bool, "true or false"},
    {"--benchmark_time_unit", 0, passthru_time_unit, "ns, us, ms or s"},
};

static const struct {
    const char *name, *why;
} passthru_refused[] = {
    {"--benchmark_list_tests", "listing belongs to `memprobe list`, which shows every benchmark name"},
    {"--benchmark_report_aggregates_only", "results.csv keeps every repetition (claims and compare use them); "
                                           "--benchmark_display_aggregates_only shortens the console instead"},
    {"--benchmark_perf_counters", "memprobe counts events itself: use --counters"},
};

#define PASSTHRU_COUNT(a) (sizeof(a) / sizeof(a)[0])

int passthru_is(const char *flag, const char *name)
{
    return args_option_is(flag, name);
}

int passthru_parse(int argc, char **argv, int *i, char **flag, const char **value, char *err, size_t errlen)
{
    const char *arg = argv[*i];
    for (size_t k = 0; k < PASSTHRU_COUNT(passthru_refused); k++)
        if (args_option_is(arg, passthru_refused[k].name)) {
            snprintf(err, errlen, "%s is not accepted by memprobe run: %s", passthru_refused[k].name,
                     passthru_refused[k].why);
            return -1;
        }
    const passthru_flag *f = NULL;
    for (size_t k = 0; k < PASSTHRU_COUNT(passthru_flags) && !f; k++)
        if (args_option_is(arg, passthru_flags[k].name))
            f = &passthru_flags[k];
    if (!f) {
        snprintf(err, errlen, "unknown libbenchmark flag '%.200s'; memprobe passes on --benchmark_filter, _min_time, "
                 "_min_warmup_time, _repetitions, _enable_random_interleaving, _out, _out_format, _format, _color, "
                 "_counters_tabular, _display_aggregates_only, _time_unit", arg);
        return -1;
    }
    const char *v = f->is_bool && !strchr(arg, '=') ? "true" : args_value(argc, argv, i);
    if (!v || !*v || (f->valid && !f->valid(v))) {
        snprintf(err, errlen, "%s '%.200s': expected %s", f->name, v ? v : "", f->accepts);
        return -1;
    }
    *flag = output_strdupf("%s=%s", f->name, v);
    *value = *flag + strlen(f->name) + 1;
    return 0;
}

/*
 * registry.c — the list of benchmark families (MEMPROBE_FAMILIES: adding a
 * family is one line there, and its file in benches/).  Also: family option
 * lookup and parsing.
 */
#include "memprobe/bench.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memprobe/output.h"
#include "memprobe/sysinfo.h"

/* The families, one line each, in the order of `memprobe list`, of a run
 * and of its report.  FAMILY(name) declares bench_family_<name>, the
 * descriptor benches/<name>.c defines, and lists it: a misspelt or missing
 * family fails to link.  Adding a family is adding its line. */
#define MEMPROBE_FAMILIES(FAMILY) \
    FAMILY(harness)               \
    FAMILY(latency)               \
    FAMILY(alloc)                 \
    FAMILY(access)                \
    FAMILY(passing)               \
    FAMILY(gc)                    \
    FAMILY(hoard)                 \
    FAMILY(c2c)                   \
    FAMILY(falseshare)            \
    FAMILY(visibility)            \
    FAMILY(litmus)                \
    FAMILY(go)                    \
    FAMILY(bandwidth)             \
    FAMILY(mlp)                   \
    FAMILY(tlb)                   \
    FAMILY(loaded_latency)

#define REGISTRY_DECLARE(n) extern const bench_family bench_family_##n;
#define REGISTRY_ENTRY(n) &bench_family_##n,
MEMPROBE_FAMILIES(REGISTRY_DECLARE)
static const bench_family *const registry_families[] = {MEMPROBE_FAMILIES(REGISTRY_ENTRY)};
#define REGISTRY_COUNT (sizeof registry_families / sizeof registry_families[0])

size_t bench_family_count(void)
{
    return REGISTRY_COUNT;
}

const bench_family *bench_family_at(size_t i)
{
    return i < REGISTRY_COUNT ? registry_families[i] : NULL;
}

/* The value an option has now (what the command line set, else its default). */
static json_object *bench_option_json(const bench_option *o)
{
    if (!o->target)
        return NULL;
    switch (o->kind) {
    case BENCH_OPT_FLAG: return json_object_new_boolean(*(const int *)o->target);
    case BENCH_OPT_INT: return json_object_new_int64(*(const long long *)o->target);
    case BENCH_OPT_SIZE: return json_object_new_uint64(*(const unsigned long long *)o->target);
    case BENCH_OPT_DOUBLE: return json_object_new_double(*(const double *)o->target);
    case BENCH_OPT_STRING: {
        const char *v = *(const char *const *)o->target;
        return v ? json_object_new_string(v) : NULL;
    }
    }
    return NULL;
}

static json_object *bench_family_options_json(const bench_family *f)
{
    json_object *options = json_object_new_object();
    for (const bench_option *o = f->options; o && o->name; o++)
        json_object_object_add(options, o->name, bench_option_json(o));
    return options;
}

int bench_families_write_json(const char *dir, const bench_config *cfg, char *err, size_t errlen)
{
    json_object *list = json_object_new_array();
    for (size_t i = 0; i < REGISTRY_COUNT; i++) {
        const bench_family *f = registry_families[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(f->name));
        json_object_object_add(o, "help", json_object_new_string(f->help ? f->help : ""));
        json_object_object_add(o, "description", json_object_new_string(f->description ? f->description : ""));
        json_object_object_add(o, "min_cpus", json_object_new_int(f->min_cpus));
        json_object_object_add(o, "per_allocator", json_object_new_boolean(f->flags & BENCH_FAMILY_PER_ALLOCATOR));
        json_object_object_add(o, "options", bench_family_options_json(f));
        json_object_array_add(list, o);
    }
    json_object *root = json_object_new_object();
    json_object *settings = json_object_new_object();
    json_object_object_add(settings, "quick", json_object_new_boolean(cfg->quick));
    json_object_object_add(settings, "repetitions", json_object_new_int(cfg->repetitions));
    json_object_object_add(settings, "fixed_work_repetitions", json_object_new_int(cfg->fixed_work_repetitions));
    json_object_object_add(root, "settings", settings);
    json_object_object_add(root, "families", list);
    size_t len;
    const char *text = json_object_to_json_string_length(root, JSON_C_TO_STRING_PRETTY, &len);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/families.json", dir);
    int rc = output_write_atomic(path, text, len, err, errlen);
    json_object_put(root);
    return rc;
}

double bench_ram_fraction(unsigned divisor)
{
    unsigned long long part = divisor ? sysinfo_ram_bytes() / divisor : 0;
    return part ? (double)part : INFINITY;
}

const bench_family *bench_family_find(const char *name)
{
    for (size_t i = 0; i < REGISTRY_COUNT; i++)
        if (strcmp(registry_families[i]->name, name) == 0)
            return registry_families[i];
    return NULL;
}

const bench_option *bench_option_find(const char *name, const bench_family **owner)
{
    for (size_t i = 0; i < REGISTRY_COUNT; i++) {
        const bench_option *o = registry_families[i]->options;
        for (; o && o->name; o++)
            if (strcmp(o->name, name) == 0) {
                if (owner)
                    *owner = registry_families[i];
                return o;
            }
    }
    return NULL;
}

int bench_parse_size(const char *s, unsigned long long *out)
{
    if (!s || !*s)
        return -1;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0 || !isfinite(v))
        return -1;
    double mult = 1;
    switch (*end) {
    case 'k': case 'K': mult = 1024.0; end++; break;
    case 'm': case 'M': mult = 1024.0 * 1024; end++; break;
    case 'g': case 'G': mult = 1024.0 * 1024 * 1024; end++; break;
    case 't': case 'T': mult = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: break;
    }
    if (*end == 'i' && mult > 1)
        end++;
    if ((*end == 'B' || *end == 'b') && end[1] == '\0')
        end++;
    if (*end)
        return -1;
    double bytes = v * mult;
    if (bytes >= 18446744073709551616.0)   /* 2^64: does not fit (and the cast would be undefined) */
        return -1;
    *out = (unsigned long long)bytes;
    return 0;
}

/* A whole number, in decimal ("20000000") or exponent notation ("2e7", the
 * help's own), exactly representable: 0 with *out set, or -1. */
static int bench_parse_whole(const char *s, long long *out)
{
    char *end;
    if (!s || !*s)
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!errno && end != s && !*end) {
        *out = v;
        return 0;
    }
    double d;
    if (!output_parse_number(s, &d) || d != floor(d) || fabs(d) > 9007199254740992.0)   /* 2^53 */
        return -1;
    *out = (long long)d;
    return 0;
}

/* 0 when v is within o's machine-dependent bound (or it has none); else -1
 * with one line in err naming the option and the accepted maximum. */
static int bench_option_check_max(const bench_option *o, const char *value, double v, char *err, size_t errlen)
{
    double max = o->max ? o->max() : INFINITY;
    if (!(v > max))
        return 0;
    if (o->kind == BENCH_OPT_SIZE)
        snprintf(err, errlen, "--%s '%s': at most %.0f bytes (%.0fM) accepted on this machine", o->name, value,
                 max, floor(max / (1024.0 * 1024)));
    else
        snprintf(err, errlen, "--%s '%s': at most %g accepted on this machine", o->name, value, max);
    return -1;
}

/* 0 when value is one of o's choices; else -1 with one line in err naming them. */
static int bench_option_check_choice(const bench_option *o, const char *value, char *err, size_t errlen)
{
    size_t used = (size_t)snprintf(err, errlen, "--%s '%s': expected one of", o->name, value);
    for (int i = 0; o->choices[i]; i++) {
        if (strcmp(o->choices[i], value) == 0)
            return 0;
        if (used < errlen)
            used += (size_t)snprintf(err + used, errlen - used, "%s %s", i ? "," : "", o->choices[i]);
    }
    return -1;
}

int bench_option_set(const bench_option *o, const char *value, char *err, size_t errlen)
{
    switch (o->kind) {
    case BENCH_OPT_FLAG:
        *(int *)o->target = 1;
        return 0;
    case BENCH_OPT_INT: {
        long long v;
        if (bench_parse_whole(value, &v) != 0 || (double)v < o->min) {
            snprintf(err, errlen, "--%s '%s': expected a whole number >= %.0f (e.g. 2000 or 2e3)", o->name,
                     value ? value : "", o->min);
            return -1;
        }
        if (bench_option_check_max(o, value, (double)v, err, errlen) != 0)
            return -1;
        *(long long *)o->target = v;
        return 0;
    }
    case BENCH_OPT_SIZE: {
        unsigned long long v;
        if (bench_parse_size(value, &v) || (double)v < o->min) {
            snprintf(err, errlen, "--%s '%s': expected a size in bytes >= %.0f, with optional K, M or G suffix (e.g. 512M)",
                     o->name, value ? value : "", o->min);
            return -1;
        }
        if (bench_option_check_max(o, value, (double)v, err, errlen) != 0)
            return -1;
        *(unsigned long long *)o->target = v;
        return 0;
    }
    case BENCH_OPT_DOUBLE: {
        double v;
        if (!output_parse_number(value, &v) || !isfinite(v) || v < o->min) {
            snprintf(err, errlen, "--%s '%s': expected a number >= %g", o->name, value ? value : "", o->min);
            return -1;
        }
        if (bench_option_check_max(o, value, v, err, errlen) != 0)
            return -1;
        *(double *)o->target = v;
        return 0;
    }
    case BENCH_OPT_STRING:
        if (!value || !*value) {
            snprintf(err, errlen, "--%s: expected a value", o->name);
            return -1;
        }
        if (o->choices && bench_option_check_choice(o, value, err, errlen) != 0)
            return -1;
        *(const char **)o->target = value;
        return 0;
    }
    snprintf(err, errlen, "--%s: unknown option kind", o->name);
    return -1;
}

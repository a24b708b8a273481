/*
 * fingerprint.c — the runs' fingerprints side by side, and the differences
 * that make their numbers less comparable (fingerprint.h).  Every field is a
 * function from a run folder to one line of text; a field that weighs on
 * comparability has a rank, and runs whose texts differ get a note.
 */
#include "analysis/fingerprint.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memprobe/output.h"
#include "memprobe/xalloc.h"

/* Names listed per value in a note before "and N more". */
#define FINGERPRINT_NAMES_SHOWN 8

/* machine.json's value at a dotted path ("pages.thp_enabled"); NULL when absent. */
static json_object *fingerprint_value(const runfolder *r, const char *path)
{
    json_object *v = runfolder_machine(r);
    char key[128];
    for (const char *p = path; v && *p;) {
        size_t n = strcspn(p, ".");
        snprintf(key, sizeof key, "%.*s", (int)n, p);
        if (!json_object_is_type(v, json_type_object) || !json_object_object_get_ex(v, key, &v))
            return NULL;
        p += n + (p[n] == '.');
    }
    return v;
}

/* The value as text ("unknown" when absent or null). */
static const char *fingerprint_str(const runfolder *r, const char *path)
{
    json_object *v = fingerprint_value(r, path);
    return v ? json_object_get_string(v) : "unknown";
}

static char *fingerprint_bytes(long long bytes)
{
    if (bytes >= (1ll << 30) && bytes % (1ll << 30) == 0)
        return output_strdupf("%lld GiB", bytes >> 30);
    if (bytes >= (1ll << 20) && bytes % (1ll << 20) == 0)
        return output_strdupf("%lld MiB", bytes >> 20);
    if (bytes >= 1024 && bytes % 1024 == 0)
        return output_strdupf("%lld KiB", bytes >> 10);
    return output_strdupf("%lld B", bytes);
}

/* "L1d 48 KiB, L2 1 MiB" from an array of {level, type, size_bytes}. */
static char *fingerprint_cache_list(json_object *levels)
{
    if (!levels || !json_object_is_type(levels, json_type_array) || json_object_array_length(levels) == 0)
        return xalloc_strdup("not recorded");
    char *text = xalloc_strdup("");
    for (size_t i = 0; i < json_object_array_length(levels); i++) {
        json_object *e = json_object_array_get_idx(levels, i), *level, *type, *size;
        if (!json_object_object_get_ex(e, "size_bytes", &size) || !size)
            continue;
        int lv = json_object_object_get_ex(e, "level", &level) ? json_object_get_int(level) : (int)i + 1;
        const char *t = json_object_object_get_ex(e, "type", &type) ? json_object_get_string(type) : "";
        char *b = fingerprint_bytes(json_object_get_int64(size));
        char *next = output_strdupf("%s%sL%d%s %s", text, *text ? ", " : "", lv,
                                    strcmp(t, "data") == 0 ? "d" : strcmp(t, "instruction") == 0 ? "i" : "", b);
        free(b);
        free(text);
        text = next;
    }
    return text;
}

/* ---- the fields ---- */

static char *fingerprint_cpu(const runfolder *r)
{
    return output_strdupf("%s (%s family %s model %s stepping %s), microcode %s", fingerprint_str(r, "cpu_model"),
                          fingerprint_str(r, "cpu_vendor"), fingerprint_str(r, "cpu_family"),
                          fingerprint_str(r, "cpu_model_number"), fingerprint_str(r, "cpu_stepping"),
                          fingerprint_str(r, "microcode"));
}

static char *fingerprint_cores(const runfolder *r)
{
    return output_strdupf("%s package(s), %s cores, %s PUs, %s NUMA node(s)", fingerprint_str(r, "packages"),
                          fingerprint_str(r, "cores"), fingerprint_str(r, "pus"), fingerprint_str(r, "numa_nodes"));
}

static char *fingerprint_caches(const runfolder *r)
{
    return fingerprint_cache_list(fingerprint_value(r, "caches"));
}

static char *fingerprint_caches_measured(const runfolder *r)
{
    json_object *inferred = fingerprint_value(r, "caches_inferred");
    if (!inferred)
        return xalloc_strdup("not recorded");
    char *list = fingerprint_cache_list(fingerprint_value(r, "caches_inferred.levels"));
    char *text = output_strdupf("%s (%s)", list, fingerprint_str(r, "caches_inferred.source"));
    free(list);
    return text;
}

static char *fingerprint_cpus_used(const runfolder *r)
{
    return xalloc_strdup(fingerprint_str(r, "allowed_cpus"));
}

static char *fingerprint_clock(const runfolder *r)
{
    return output_strdupf("base %s MHz, max %s MHz", fingerprint_str(r, "base_mhz"), fingerprint_str(r, "max_mhz"));
}

static char *fingerprint_ram(const runfolder *r)
{
    json_object *v = fingerprint_value(r, "ram_bytes");
    return v ? output_strdupf("%.1f GiB", (double)json_object_get_int64(v) / (double)(1ll << 30))
             : xalloc_strdup("unknown");
}

static char *fingerprint_virtualisation(const runfolder *r)
{
    json_object *v = fingerprint_value(r, "hypervisor");
    const char *hv = v ? json_object_get_string(v) : NULL;
    if (!hv)
        return xalloc_strdup("unknown");
    if (!*hv || strcmp(hv, "none") == 0)
        return xalloc_strdup("bare metal");
    return output_strdupf("VM (%s)", hv);
}

static char *fingerprint_revision(const runfolder *r)
{
    return output_strdupf("memprobe %s (git %s)", fingerprint_str(r, "memprobe_version"),
                          fingerprint_str(r, "git_revision"));
}

/* "k=v k=v" of an object's members, leaving out skip (may be NULL). */
static char *fingerprint_members(json_object *o, const char *skip)
{
    if (!o || !json_object_is_type(o, json_type_object))
        return xalloc_strdup("unknown");
    char *text = xalloc_strdup("");
    json_object_object_foreach(o, key, val) {
        if (skip && strcmp(key, skip) == 0)
            continue;
        char *next = output_strdupf("%s%s%s=%s", text, *text ? " " : "", key, val ? json_object_get_string(val) : "null");
        free(text);
        text = next;
    }
    return text;
}

static char *fingerprint_build(const runfolder *r)
{
    char *hardening = fingerprint_members(fingerprint_value(r, "build_flags.benches"), "flags");
    char *text = output_strdupf("%s; benches/ built with '%s': %s", fingerprint_str(r, "compiler"),
                                fingerprint_str(r, "build_flags.benches.flags"), hardening);
    free(hardening);
    return text;
}

static char *fingerprint_libbenchmark(const runfolder *r)
{
    json_object *v = fingerprint_value(r, "libraries.benchmark_debug_build");
    return output_strdupf("%s, %s", fingerprint_str(r, "libraries.benchmark"),
                          !v ? "build type unknown" : json_object_get_boolean(v) ? "DEBUG build" : "release build");
}

static char *fingerprint_frequency(const runfolder *r)
{
    return output_strdupf("governor %s, boost %s", fingerprint_str(r, "governor"), fingerprint_str(r, "boost"));
}

static char *fingerprint_thp(const runfolder *r)
{
    if (!fingerprint_value(r, "pages"))
        return xalloc_strdup("unknown");
    return output_strdupf("enabled %s, defrag %s", fingerprint_str(r, "pages.thp_enabled"),
                          fingerprint_str(r, "pages.thp_defrag"));
}

static char *fingerprint_smt(const runfolder *r)
{
    return xalloc_strdup(fingerprint_str(r, "smt"));
}

/* "quiet", or "high (2.47 on 2 CPUs)" above half a load per CPU (the
 * threshold of the run's own warning). */
static char *fingerprint_load(const runfolder *r)
{
    json_object *v = fingerprint_value(r, "load_average");
    int cpus = runfolder_cpu_count(r);
    if (!v || cpus <= 0)
        return xalloc_strdup("unknown");
    double load = json_object_get_double(v);
    return load > 0.5 * cpus ? output_strdupf("high (%.2f on %d CPUs)", load, cpus) : xalloc_strdup("quiet");
}

/* "papi: 3 of 9 columns count" from counters_backend and counters[]. */
static char *fingerprint_counters(const runfolder *r)
{
    json_object *list = fingerprint_value(r, "counters");
    if (!list || !json_object_is_type(list, json_type_array))
        return xalloc_strdup("unknown");
    size_t n = json_object_array_length(list), counted = 0;
    char *backends = xalloc_strdup("");
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(list, i), *avail, *backend;
        if (!json_object_object_get_ex(e, "available", &avail) || !json_object_get_boolean(avail))
            continue;
        counted++;
        const char *b = json_object_object_get_ex(e, "backend", &backend) && backend
                            ? json_object_get_string(backend) : "papi";
        if (!strstr(backends, b)) {
            char *next = output_strdupf("%s%s%s", backends, *backends ? "+" : "", b);
            free(backends);
            backends = next;
        }
    }
    char *text = output_strdupf("%zu of %zu columns count%s%s", counted, n, counted ? " through " : "", backends);
    free(backends);
    return text;
}

static char *fingerprint_settings(const runfolder *r)
{
    json_object *s = runfolder_settings(r), *quick, *reps;
    if (s && json_object_object_get_ex(s, "quick", &quick) && json_object_object_get_ex(s, "repetitions", &reps))
        return output_strdupf("%s, %d repetition%s", json_object_get_boolean(quick) ? "--quick" : "default",
                              json_object_get_int(reps), json_object_get_int(reps) == 1 ? "" : "s");
    json_object *cmd = fingerprint_value(r, "command_line");
    if (!cmd)
        return xalloc_strdup("unknown");
    return xalloc_strdup(strstr(json_object_get_string(cmd), "--quick") ? "--quick" : "default");
}

static char *fingerprint_libraries(const runfolder *r)
{
    return fingerprint_members(fingerprint_value(r, "libraries"), "benchmark_debug_build");
}

static char *fingerprint_kernel(const runfolder *r)
{
    return xalloc_strdup(fingerprint_str(r, "kernel"));
}

static char *fingerprint_started(const runfolder *r)
{
    return xalloc_strdup(fingerprint_str(r, "start_utc"));
}

static char *fingerprint_completed(const runfolder *r)
{
    const char *c = fingerprint_str(r, "completed");
    return xalloc_strdup(strcmp(c, "false") == 0 ? "no (interrupted: only the rows it finished)" : c);
}

typedef struct fingerprint_field {
    const char *label;
    char *(*text)(const runfolder *r);
    int rank;                /* 0: descriptive; -1: differs by nature (not marked);
                                else how much a difference weighs (1 most) */
} fingerprint_field;

static const fingerprint_field fingerprint_fields[] = {
    {"CPU", fingerprint_cpu, 0},
    {"cores", fingerprint_cores, 0},
    {"caches (hwloc)", fingerprint_caches, 0},
    {"caches (measured)", fingerprint_caches_measured, 13},
    {"CPUs used", fingerprint_cpus_used, 0},
    {"clock", fingerprint_clock, 0},
    {"RAM", fingerprint_ram, 0},
    {"VM vs bare metal", fingerprint_virtualisation, 1},
    {"memprobe revision", fingerprint_revision, 2},
    {"build flags", fingerprint_build, 3},
    {"libbenchmark", fingerprint_libbenchmark, 4},
    {"governor and boost", fingerprint_frequency, 5},
    {"transparent huge pages", fingerprint_thp, 6},
    {"SMT", fingerprint_smt, 7},
    {"load at start", fingerprint_load, 8},
    {"counters", fingerprint_counters, 9},
    {"run settings", fingerprint_settings, 10},
    {"libraries", fingerprint_libraries, 11},
    {"kernel", fingerprint_kernel, 12},
    {"started (UTC)", fingerprint_started, -1},
    {"completed", fingerprint_completed, 0},
};

#define FINGERPRINT_FIELDS (sizeof fingerprint_fields / sizeof fingerprint_fields[0])

size_t fingerprint_field_count(void) { return FINGERPRINT_FIELDS; }

const char *fingerprint_field_label(size_t i)
{
    return i < FINGERPRINT_FIELDS ? fingerprint_fields[i].label : NULL;
}

char *fingerprint_field_text(const runfolder *r, size_t i)
{
    return i < FINGERPRINT_FIELDS ? fingerprint_fields[i].text(r) : xalloc_strdup("");
}

int fingerprint_field_differs_by_nature(size_t i)
{
    return i < FINGERPRINT_FIELDS && fingerprint_fields[i].rank < 0;
}

/* ---- notes ---- */

/* "label: text1: a, b; text2: c" over the distinct texts, in run order. */
static char *fingerprint_note(const char *label, char **texts, const char *const *names, size_t n)
{
    char *note = output_strdupf("%s:", label);
    const char *sep = " ";
    for (size_t i = 0; i < n; i++) {
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(texts[j], texts[i]) == 0;
        if (seen)
            continue;
        char *line = output_strdupf("%s%s%s:", note, sep, texts[i]);
        size_t shown = 0, more = 0;
        for (size_t j = i; j < n; j++) {
            if (strcmp(texts[j], texts[i]) != 0)
                continue;
            if (shown++ < FINGERPRINT_NAMES_SHOWN) {
                char *next = output_strdupf("%s%s %s", line, shown > 1 ? "," : "", names[j]);
                free(line);
                line = next;
            } else {
                more++;
            }
        }
        if (more) {
            char *next = output_strdupf("%s and %zu more", line, more);
            free(line);
            line = next;
        }
        free(note);
        note = line;
        sep = "; ";
    }
    return note;
}

size_t fingerprint_notes(runfolder *const *runs, const char *const *names, size_t n, char ***notes)
{
    *notes = NULL;
    size_t count = 0;
    char **texts = xalloc_calloc(n + 1, sizeof *texts);
    for (int rank = 1; rank <= (int)FINGERPRINT_FIELDS; rank++)
        for (size_t f = 0; f < FINGERPRINT_FIELDS; f++) {
            if (fingerprint_fields[f].rank != rank)
                continue;
            int differ = 0;
            for (size_t i = 0; i < n; i++) {
                texts[i] = fingerprint_fields[f].text(runs[i]);
                differ |= i > 0 && strcmp(texts[i], texts[0]) != 0;
            }
            if (differ) {
                *notes = xalloc_array(*notes, count + 1, sizeof **notes);
                (*notes)[count++] = fingerprint_note(fingerprint_fields[f].label, texts, names, n);
            }
            for (size_t i = 0; i < n; i++)
                free(texts[i]);
        }
    free(texts);
    return count;
}

int fingerprint_family_options_differ(const runfolder *base, const runfolder *run, const char *family, char *why,
                                      size_t whylen)
{
    json_object *a = runfolder_family_options(base, family), *b = runfolder_family_options(run, family);
    why[0] = '\0';
    if (!a || !b)
        return 0;
    size_t used = 0;
    json_object_object_foreach(a, key, va) {
        json_object *vb = NULL;
        json_object_object_get_ex(b, key, &vb);
        if (json_object_equal(va, vb))
            continue;
        if (used < whylen)
            used += (size_t)snprintf(why + used, whylen - used, "%s--%s %s vs %s", used ? ", " : "", key,
                                     va ? json_object_get_string(va) : "unset", vb ? json_object_get_string(vb) : "unset");
    }
    return why[0] != '\0';
}

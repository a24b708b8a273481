/*
 * runfolder.c — read a run folder back for the report, claims and compare:
 * results.csv through output_table_read_csv, machine.json through json-c,
 * side CSVs on demand (cached), and the facts derived from them.
 */
#include "analysis/runfolder.h"

#include <dirent.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memprobe/counters.h"
#include "memprobe/topo.h"
#include "memprobe/journal.h"
#include "memprobe/rundir.h"
#include "memprobe/xalloc.h"

typedef struct runfolder_side {
    char *name;
    output_table *table;      /* NULL when absent or malformed */
    char *error;              /* why it is NULL ("" when absent) */
} runfolder_side;

struct runfolder {
    char *dir;
    char **listed;            /* machine.json's "files": what the run wrote */
    size_t nlisted;
    int has_list;             /* 0: a run of a memprobe that did not list its files */
    output_table *results;
    json_object *machine;
    json_object *families_json;   /* families.json, NULL when absent */
    runfolder_side *sides;
    size_t nsides;
    char **families;
    size_t nfamilies;
    char **warnings;
    size_t nwarnings;
};

static char *runfolder_path(const runfolder *r, const char *file_name)
{
    size_t n = strlen(r->dir) + strlen(file_name) + 2;
    char *p = xalloc_malloc(n);
    snprintf(p, n, "%s/%s", r->dir, file_name);
    return p;
}

static void runfolder_add_warning(runfolder *r, const char *text)
{
    r->warnings = xalloc_array(r->warnings, r->nwarnings + 1, sizeof *r->warnings);
    r->warnings[r->nwarnings++] = xalloc_strdup(text);
}

static void runfolder_collect_families(runfolder *r)
{
    for (size_t i = 0; i < output_table_row_count(r->results); i++) {
        const char *f = output_table_cell(r->results, i, "family");
        if (!f || runfolder_family_present(r, f))
            continue;
        r->families = xalloc_array(r->families, r->nfamilies + 1, sizeof *r->families);
        r->families[r->nfamilies++] = xalloc_strdup(f);
    }
}

/* Warnings from machine.json's "warnings" array, or recomputed. */
static void runfolder_collect_warnings(runfolder *r)
{
    json_object *w;
    if (r->machine && json_object_object_get_ex(r->machine, "warnings", &w) &&
        json_object_is_type(w, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(w); i++)
            runfolder_add_warning(r, json_object_get_string(json_object_array_get_idx(w, i)));
        return;
    }
    if (!r->machine)
        return;
    char line[256];
    const char *gov = runfolder_machine_get(r, "governor");
    if (!gov || strcmp(gov, "performance") != 0) {
        snprintf(line, sizeof line, "frequency scaling not pinned (governor: %s); clock speed may vary between runs",
                 gov ? gov : "unknown");
        runfolder_add_warning(r, line);
    }
    const char *boost = runfolder_machine_get(r, "boost");
    if (boost && (strcmp(boost, "on") == 0 || strcmp(boost, "true") == 0))
        runfolder_add_warning(r, "boost/turbo is on: clock speed follows load and temperature");
    const char *hv = runfolder_machine_get(r, "hypervisor");
    if (hv && *hv && strcmp(hv, "none") != 0) {
        snprintf(line, sizeof line, "running under a hypervisor (%s): timings and topology are seen through "
                 "virtualisation", hv);
        runfolder_add_warning(r, line);
    }
    const char *hw = runfolder_machine_get(r, "hardware_counters");
    if (hw && strcmp(hw, "false") == 0)
        runfolder_add_warning(r, "no hardware counters: cycles, instructions and cache-miss columns stay empty");
    const char *load = runfolder_machine_get(r, "load_average");
    int cpus = runfolder_cpu_count(r);
    char *end = NULL;
    double load_value = load ? strtod(load, &end) : 0;
    if (load && end != load && *end == '\0' && cpus > 0 && load_value > 0.5 * cpus) {
        snprintf(line, sizeof line, "high load average %s on %d CPUs during the run", load, cpus);
        runfolder_add_warning(r, line);
    }
}

/* dir/file_name as a JSON object into *out (NULL when the file is absent).
 * 0, or -1 with err when it is there but not a JSON object. */
static int runfolder_load_json(runfolder *r, const char *file_name, json_object **out, char *err, size_t errlen)
{
    char *path = runfolder_path(r, file_name);
    struct stat st;
    int rc = 0;
    if (stat(path, &st) == 0) {
        *out = json_object_from_file(path);
        if (!*out || !json_object_is_type(*out, json_type_object)) {
            snprintf(err, errlen, "%s: not a JSON object (%s)", path, json_util_get_last_err());
            rc = -1;
        }
    }
    free(path);
    return rc;
}

/* families.json's list (NULL when the folder has none). */
static json_object *runfolder_known_families(const runfolder *r)
{
    json_object *list;
    if (!r->families_json || !json_object_object_get_ex(r->families_json, "families", &list) ||
        !json_object_is_type(list, json_type_array))
        return NULL;
    return list;
}

/* A field of the entry of families.json at i of the given type (NULL when absent). */
static json_object *runfolder_known_value(const runfolder *r, size_t i, const char *key, json_type type)
{
    json_object *list = runfolder_known_families(r), *v;
    json_object *entry = list && i < json_object_array_length(list) ? json_object_array_get_idx(list, i) : NULL;
    if (!entry || !json_object_object_get_ex(entry, key, &v) || !json_object_is_type(v, type))
        return NULL;
    return v;
}

/* A string field of the entry of families.json at i (NULL when absent). */
static const char *runfolder_known_field(const runfolder *r, size_t i, const char *key)
{
    json_object *v = runfolder_known_value(r, i, key, json_type_string);
    return v ? json_object_get_string(v) : NULL;
}

/* The numeric columns of results.csv (the contract's, the counters') hold
 * numbers or nothing: 0, or -1 with err naming the file, line and cell. */
static int runfolder_check_numbers(const runfolder *r, char *err, size_t errlen)
{
    for (size_t i = 0; i < output_table_column_count(r->results); i++) {
        const char *c = output_table_column(r->results, i);
        if (!results_column_is_numeric(c) && !runfolder_is_counter_column(r, c))
            continue;
        if (output_table_check_numbers(r->results, c, err, errlen) != 0) {
            if (!results_column_is_numeric(c) && !counters_derived_known(c)) {
                size_t used = strlen(err);
                snprintf(err + used, errlen - used, " (machine.json lists '%s' among its counters)", c);
            }
            return -1;
        }
    }
    return 0;
}

/* The files machine.json lists (an older run's folder lists none: then
 * whatever is in the folder is read, as before lists existed). */
static void runfolder_collect_listed(runfolder *r)
{
    long n = rundir_listed_files(r->dir, &r->listed);
    r->has_list = n >= 0;
    r->nlisted = n > 0 ? (size_t)n : 0;
}

/* Why dir has no results.csv to read (one line into err). */
static void runfolder_no_results(const runfolder *r, char *err, size_t errlen)
{
    char *path = runfolder_path(r, RESULTS_FILE);
    struct stat st;
    int on_disk = stat(path, &st) == 0;
    free(path);
    if (r->has_list && on_disk)
        snprintf(err, errlen, "'%s': its machine.json's file list does not name results.csv (a folder written by "
                 "memprobe run lists every file it wrote)", r->dir);
    else if (runfolder_has_file(r, JOURNAL_FILE))
        snprintf(err, errlen, "'%s': the run stopped before writing results.csv (killed?); `memprobe report %s` "
                 "writes it from the run's journal", r->dir, r->dir);
    else
        snprintf(err, errlen, "'%s': no results.csv in it (expected a folder written by memprobe run)", r->dir);
}

runfolder *runfolder_open(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "'%s': not a run folder (expected a folder written by memprobe run)", dir);
        return NULL;
    }
    runfolder *r = xalloc_calloc(1, sizeof *r);
    r->dir = xalloc_strdup(dir);
    runfolder_collect_listed(r);
    if (!runfolder_has_file(r, RESULTS_FILE)) {
        runfolder_no_results(r, err, errlen);
        runfolder_free(r);
        return NULL;
    }
    char *path = runfolder_path(r, RESULTS_FILE);
    r->results = output_table_read_csv(path, err, errlen);
    free(path);
    if (!r->results || runfolder_load_json(r, "machine.json", &r->machine, err, errlen) != 0 ||
        (runfolder_has_file(r, "families.json") &&
         runfolder_load_json(r, "families.json", &r->families_json, err, errlen) != 0) ||
        runfolder_check_numbers(r, err, errlen) != 0) {
        runfolder_free(r);
        return NULL;
    }
    runfolder_collect_families(r);
    runfolder_collect_warnings(r);
    return r;
}

void runfolder_free(runfolder *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nsides; i++) {
        xalloc_free_strings(2, r->sides[i].name, r->sides[i].error);
        output_table_free(r->sides[i].table);
    }
    free(r->sides);
    free(r->dir);
    xalloc_free_list(r->listed, r->nlisted);
    xalloc_free_list(r->families, r->nfamilies);
    xalloc_free_list(r->warnings, r->nwarnings);
    output_table_free(r->results);
    json_object_put(r->machine);
    json_object_put(r->families_json);
    free(r);
}

const char *runfolder_dir(const runfolder *r) { return r->dir; }
const output_table *runfolder_results(const runfolder *r) { return r->results; }
struct json_object *runfolder_machine(const runfolder *r) { return r->machine; }

/* 1 when the run's machine.json lists file_name. */
static int runfolder_listed(const runfolder *r, const char *file_name)
{
    for (size_t i = 0; i < r->nlisted; i++)
        if (strcmp(r->listed[i], file_name) == 0)
            return 1;
    return 0;
}

int runfolder_has_file(const runfolder *r, const char *file_name)
{
    if (r->has_list && !runfolder_listed(r, file_name))
        return 0;
    char *path = runfolder_path(r, file_name);
    struct stat st;
    int ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);
    free(path);
    return ok;
}

size_t runfolder_files(const runfolder *r, char ***names)
{
    *names = NULL;
    size_t n = 0;
    DIR *d = opendir(r->dir);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.' || !runfolder_has_file(r, e->d_name))
            continue;
        *names = xalloc_array(*names, n + 1, sizeof **names);
        (*names)[n++] = xalloc_strdup(e->d_name);
    }
    if (d)
        closedir(d);
    return n;
}

/* Write machine (a run's machine.json) into dir, as memprobe run does. */
static int runfolder_write_machine(const char *dir, json_object *machine, char *err, size_t errlen)
{
    char *path = output_strdupf("%s/machine.json", dir);
    const char *text = json_object_to_json_string_ext(machine, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    char *line = output_strdupf("%s\n", text);
    int rc = output_write_atomic(path, line, strlen(line), err, errlen);
    free(line);
    free(path);
    return rc;
}

/* Add names to the "files" list of machine (no duplicates). */
static void runfolder_list_more(json_object *machine, char *const *names, size_t n)
{
    json_object *files;
    if (!json_object_object_get_ex(machine, "files", &files) || !json_object_is_type(files, json_type_array))
        return;
    for (size_t i = 0; i < n; i++) {
        int there = 0;
        for (size_t k = 0; k < json_object_array_length(files) && !there; k++)
            there = strcmp(json_object_get_string(json_object_array_get_idx(files, k)), names[i]) == 0;
        if (!there)
            json_object_array_add(files, json_object_new_string(names[i]));
    }
}

int runfolder_add_files(runfolder *r, char *const *names, size_t n, char *err, size_t errlen)
{
    if (!r->has_list || !r->machine || n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!runfolder_listed(r, names[i])) {
            r->listed = xalloc_array(r->listed, r->nlisted + 1, sizeof *r->listed);
            r->listed[r->nlisted++] = xalloc_strdup(names[i]);
        }
    runfolder_list_more(r->machine, names, n);
    return runfolder_write_machine(r->dir, r->machine, err, errlen);
}

int runfolder_recover(const char *dir, char *note, size_t notelen, char *err, size_t errlen)
{
    char **listed, path[PATH_MAX];
    long n = rundir_listed_files(dir, &listed);
    int wanted = 0, has_results = 0;
    for (long i = 0; i < n; i++) {
        has_results |= strcmp(listed[i], RESULTS_FILE) == 0;
        wanted |= strcmp(listed[i], JOURNAL_FILE) == 0;
    }
    xalloc_free_list(listed, n > 0 ? (size_t)n : 0);
    snprintf(path, sizeof path, "%s/%s", dir, JOURNAL_FILE);
    if (!wanted || has_results || access(path, R_OK) != 0)
        return 0;
    if (rundir_busy(dir)) {
        snprintf(err, errlen, "'%s': a run is writing into it right now; report on it once it has finished", dir);
        return -1;
    }
    journal_summary sum;
    if (journal_write_tables(dir, &sum, err, errlen) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/machine.json", dir);
    json_object *machine = json_object_from_file(path);
    int rc = -1;
    if (machine && json_object_is_type(machine, json_type_object)) {
        runfolder_list_more(machine, sum.files, sum.nfiles);
        json_object_object_add(machine, "rebuilt_from_journal", json_object_new_boolean(1));
        json_object_object_add(machine, "completed", json_object_new_boolean(0));
        rc = runfolder_write_machine(dir, machine, err, errlen);
    } else {
        snprintf(err, errlen, "%s: not a JSON object (%s)", path, json_util_get_last_err());
    }
    json_object_put(machine);
    rundir_clean_stale(dir);
    snprintf(note, notelen, "the run stopped before it finished (killed?): results.csv written from its journal, "
             "%zu rows%s", sum.rows, sum.cut ? "; the last row, cut short by the kill, is left out" : "");
    journal_summary_free(&sum);
    return rc == 0 ? 1 : -1;
}

const output_table *runfolder_table(runfolder *r, const char *file_name, char *err, size_t errlen)
{
    if (strcmp(file_name, "results.csv") == 0)
        return r->results;
    runfolder_side *s = NULL;
    for (size_t i = 0; i < r->nsides && !s; i++)
        if (strcmp(r->sides[i].name, file_name) == 0)
            s = &r->sides[i];
    if (!s) {
        r->sides = xalloc_array(r->sides, r->nsides + 1, sizeof *r->sides);
        s = &r->sides[r->nsides++];
        *s = (runfolder_side){.name = xalloc_strdup(file_name)};
        char why[512] = "";
        if (runfolder_has_file(r, file_name)) {
            char *path = runfolder_path(r, file_name);
            s->table = output_table_read_csv(path, why, sizeof why);
            free(path);
        }
        s->error = xalloc_strdup(s->table ? "" : why);
    }
    snprintf(err, errlen, "%s", s->error);
    return s->table;
}

const char *runfolder_machine_get(const runfolder *r, const char *key)
{
    json_object *v;
    if (!r->machine || !json_object_object_get_ex(r->machine, key, &v) || !v)
        return NULL;
    return json_object_get_string(v);
}

/* How many CPUs a cpus tag ("0,1" or "0-3,8") names; -1 when it is not a
 * CPU list topo_parse_cpulist accepts. */
static int runfolder_cpus_in_list(const char *list)
{
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    char err[256];
    int n = set && topo_parse_cpulist(list, set, err, sizeof err) == 0 ? hwloc_bitmap_weight(set) : -1;
    hwloc_bitmap_free(set);
    return n;
}

int runfolder_cpu_count(const runfolder *r)
{
    static const char *const keys[] = {"allowed_pus", "allowed_cpus", "pus", "cores"};
    for (size_t k = 0; r->machine && k < sizeof keys / sizeof keys[0]; k++) {
        json_object *v;
        if (!json_object_object_get_ex(r->machine, keys[k], &v) || !v)
            continue;
        if (json_object_is_type(v, json_type_int) && json_object_get_int(v) > 0)
            return json_object_get_int(v);
        if (json_object_is_type(v, json_type_array) && json_object_array_length(v) > 0)
            return (int)json_object_array_length(v);
        int listed = json_object_is_type(v, json_type_string) ? runfolder_cpus_in_list(json_object_get_string(v)) : -1;
        if (listed > 0)
            return listed;
    }
    int widest = -1;
    for (size_t i = 0; i < output_table_row_count(r->results); i++) {
        const char *c = output_table_cell(r->results, i, "cpus");
        int n = c ? runfolder_cpus_in_list(c) : -1;
        widest = n > widest ? n : widest;
    }
    return widest;
}

int runfolder_counter_state(const runfolder *r, const char *column, const char **reason)
{
    json_object *counters;
    if (!r->machine || !json_object_object_get_ex(r->machine, "counters", &counters) ||
        !json_object_is_type(counters, json_type_array))
        return -1;
    for (size_t i = 0; i < json_object_array_length(counters); i++) {
        json_object *c = json_object_array_get_idx(counters, i), *col, *avail, *why;
        if (!json_object_object_get_ex(c, "column", &col) || strcmp(json_object_get_string(col), column) != 0)
            continue;
        int ok = json_object_object_get_ex(c, "available", &avail) && json_object_get_boolean(avail);
        if (!ok && reason)
            *reason = json_object_object_get_ex(c, "reason", &why) ? json_object_get_string(why) : "";
        return ok;
    }
    return -1;
}

int runfolder_is_counter_column(const runfolder *r, const char *column)
{
    if (results_column_is_fixed(column))
        return 0;
    return runfolder_counter_state(r, column, NULL) >= 0 || counters_derived_known(column);
}

size_t runfolder_warning_count(const runfolder *r) { return r->nwarnings; }
const char *runfolder_warning(const runfolder *r, size_t i) { return i < r->nwarnings ? r->warnings[i] : NULL; }
size_t runfolder_family_count(const runfolder *r) { return r->nfamilies; }
const char *runfolder_family(const runfolder *r, size_t i) { return i < r->nfamilies ? r->families[i] : NULL; }

size_t runfolder_known_family_count(const runfolder *r)
{
    json_object *list = runfolder_known_families(r);
    return list ? json_object_array_length(list) : 0;
}

const char *runfolder_known_family(const runfolder *r, size_t i)
{
    return runfolder_known_field(r, i, "name");
}

/* Where families.json lists family; -1 when it does not. */
static long runfolder_known_index(const runfolder *r, const char *family)
{
    for (size_t i = 0; i < runfolder_known_family_count(r); i++) {
        const char *name = runfolder_known_field(r, i, "name");
        if (name && strcmp(name, family) == 0)
            return (long)i;
    }
    return -1;
}

const char *runfolder_family_description(const runfolder *r, const char *family)
{
    long i = runfolder_known_index(r, family);
    if (i < 0)
        return NULL;
    const char *text = runfolder_known_field(r, (size_t)i, "description");
    return text && *text ? text : runfolder_known_field(r, (size_t)i, "help");
}

int runfolder_family_present(const runfolder *r, const char *family)
{
    for (size_t i = 0; i < r->nfamilies; i++)
        if (strcmp(r->families[i], family) == 0)
            return 1;
    return 0;
}

struct json_object *runfolder_settings(const runfolder *r)
{
    json_object *v;
    if (!r->families_json || !json_object_object_get_ex(r->families_json, "settings", &v) ||
        !json_object_is_type(v, json_type_object))
        return NULL;
    return v;
}

struct json_object *runfolder_family_options(const runfolder *r, const char *family)
{
    long i = runfolder_known_index(r, family);
    return i < 0 ? NULL : runfolder_known_value(r, (size_t)i, "options", json_type_object);
}

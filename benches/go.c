/*
 * go.c — the "go" family: the explainer's own runtime, measured by the Go
 * companion bin/memprobe-go (source in benches/go/) and folded into the run
 * beside the C families' rows.
 *
 * The companion is started as a child process pinned to the run's CPUs
 * (GOMAXPROCS = their number, GOGC as configured), blocked between fork
 * and exec until the run's counters are attached to it
 * (counters_process_attach: the process and every thread it creates).  It
 * prints "sync K" around each timed region and waits for a line on stdin,
 * so the counters are read exactly at the edges of each region, then one
 * JSON document with every benchmark's ns/op per repetition and its series.
 *
 * Rows are named to sit beside their C counterparts ("passing/go_slowpath"
 * next to "passing/ptr_malloc", same argument names), tagged runtime=go,
 * escapes=0/1 (the compiler's escape decision for the measured function,
 * parsed from memprobe-go.escape.txt (paths.h), which `make` writes with
 * go build -gcflags=-m=2), cpus and, for the handoffs, the race detector's
 * verdict.  Each benchmark runs one iteration whose manual time is Go's own
 * ns/op (real_ns is Go's number); counters are divided by Go's operation
 * count.  The micro benchmarks run in one child per run (results cached
 * across calls); each gc and hoard configuration runs in a child of its own.
 * Side series: gc_pauses.csv and rss_series.csv rows with runtime=go,
 * go_ratios.csv (SlowPath/FastPath and heap/stack per size).
 *
 * Without the companion (no Go toolchain; MEMPROBE_GO pointing nowhere) the
 * family registers nothing and says how to install Go.
 */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "memprobe/bench.h"
#include "memprobe/cbench.h"
#include "memprobe/child.h"
#include "memprobe/counters.h"
#include "memprobe/output.h"
#include "memprobe/paths.h"
#include "memprobe/proc.h"
#include "memprobe/rows.h"
#include "memprobe/stats.h"
#include "memprobe/topo.h"
#include "memprobe/xalloc.h"

extern char **environ;

#define GO_MIB (1024ll * 1024ll)
#define GO_INSTALL_HINT "go toolchain not found: apt-get install golang-go"
#define GO_COUNT(a) ((int)(sizeof(a) / sizeof(a)[0]))

/* ====================================================================== */
/* The escape report (go build -gcflags=-m=2 output)                      */
/* ====================================================================== */

/* One function of the report: where it is declared, whether anything in it
 * escapes ("moved to heap: x" or "... escapes to heap"). */
typedef struct go_escape_fn {
    char name[128];
    char file[128];
    long line;
    int escapes;
} go_escape_fn;

typedef struct go_escape_report {
    go_escape_fn *fn;
    size_t n, cap;
} go_escape_report;

/* Split "./file.go:12:6: message" into its parts; 1 when it has that shape. */
static int go_escape_split(const char *line, char *file, size_t flen, long *lineno, const char **msg)
{
    const char *colon = strstr(line, ".go:");
    if (!colon || (size_t)(colon + 3 - line) >= flen)
        return 0;
    snprintf(file, flen, "%.*s", (int)(colon + 3 - line), line);
    char *end;
    *lineno = strtol(colon + 4, &end, 10);
    if (*end != ':')
        return 0;
    strtol(end + 1, &end, 10);
    if (end[0] != ':' || end[1] != ' ')
        return 0;
    *msg = end + 2;
    return 1;
}

/* "can inline NAME ..." or "cannot inline NAME: ..." -> NAME (1), else 0. */
static int go_escape_anchor(const char *msg, char *name, size_t len)
{
    const char *p = NULL;
    if (strncmp(msg, "can inline ", 11) == 0)
        p = msg + 11;
    else if (strncmp(msg, "cannot inline ", 14) == 0)
        p = msg + 14;
    if (!p)
        return 0;
    size_t k = strcspn(p, " :\n");
    if (k == 0 || k >= len)
        return 0;
    snprintf(name, len, "%.*s", (int)k, p);
    return 1;
}

/* A message saying a value goes to the heap. */
static int go_escape_is_escape(const char *msg)
{
    size_t k = strcspn(msg, "\n");
    static const char tail[] = " escapes to heap";
    return strncmp(msg, "moved to heap: ", 15) == 0 ||
           (k >= sizeof tail - 1 && strncmp(msg + k - (sizeof tail - 1), tail, sizeof tail - 1) == 0);
}

static void go_escape_add(go_escape_report *r, const char *name, const char *file, long line)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->fn[i].name, name) == 0 && strcmp(r->fn[i].file, file) == 0)
            return;
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->fn = xalloc_array(r->fn, r->cap, sizeof *r->fn);
    }
    go_escape_fn *f = &r->fn[r->n++];
    snprintf(f->name, sizeof f->name, "%s", name);
    snprintf(f->file, sizeof f->file, "%s", file);
    f->line = line;
    f->escapes = 0;
}

/* The function declared last at or before file:line. */
static go_escape_fn *go_escape_enclosing(go_escape_report *r, const char *file, long line)
{
    go_escape_fn *best = NULL;
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->fn[i].file, file) == 0 && r->fn[i].line <= line && (!best || r->fn[i].line > best->line))
            best = &r->fn[i];
    return best;
}

/* Parse the compiler's report: first every function declaration (the
 * inlining verdicts name each function at its declaration), then every
 * escape message, credited to the function that encloses its line. */
static void go_escape_parse(const char *text, go_escape_report *r)
{
    char file[128], name[128];
    long line;
    const char *msg;
    memset(r, 0, sizeof *r);
    for (int pass = 0; pass < 2; pass++)
        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
            if (!go_escape_split(p, file, sizeof file, &line, &msg))
                continue;
            if (pass == 0 && go_escape_anchor(msg, name, sizeof name))
                go_escape_add(r, name, file, line);
            if (pass == 1 && go_escape_is_escape(msg)) {
                go_escape_fn *f = go_escape_enclosing(r, file, line);
                if (f)
                    f->escapes = 1;
            }
        }
}

/* 1 or 0 for a function in the report, -1 when it is not there. */
static int go_escape_lookup(const go_escape_report *r, const char *name)
{
    for (size_t i = 0; r && i < r->n; i++)
        if (strcmp(r->fn[i].name, name) == 0)
            return r->fn[i].escapes;
    return -1;
}

static char *go_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, len = 0, n;
    char *buf = xalloc_malloc(cap);
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 4096)
            buf = xalloc_array(buf, cap *= 2, 1);
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

/* ====================================================================== */
/* Locating the companion                                                 */
/* ====================================================================== */

static struct {
    char bin[PATH_MAX + 16];      /* bin/memprobe-go */
    char race_bin[PATH_MAX + 24]; /* bin/memprobe-go-race (may be absent) */
    go_escape_report escape;
    int escape_loaded;
    const topo *topo;
    int quick, reps;
    char cpus[256];
    const char *pair_class;       /* of the two CPUs when exactly two are allowed */
    unsigned long long ram, hoard_cap;
} go_run;

static int go_executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Find the companion: $MEMPROBE_GO, else memprobe-go beside this program.
 * 0, or -1 with the reason in why. */
static int go_locate(char *why, size_t whylen)
{
    const char *env = getenv("MEMPROBE_GO");
    if (env && *env)
        snprintf(go_run.bin, sizeof go_run.bin, "%s", env);
    else
        paths_helper("memprobe-go", go_run.bin, sizeof go_run.bin);
    if (go_executable(go_run.bin)) {
        snprintf(go_run.race_bin, sizeof go_run.race_bin, "%s-race", go_run.bin);
        return 0;
    }
    char toolchain[PATH_MAX];
    if (env && *env)
        snprintf(why, whylen, "%s (MEMPROBE_GO=%s is not an executable)", GO_INSTALL_HINT, env);
    else if (proc_find_in_path("go", toolchain, sizeof toolchain) != 0)
        snprintf(why, whylen, "%s", GO_INSTALL_HINT);
    else
        snprintf(why, whylen, "Go companion %s not built: run make bin/memprobe-go", go_run.bin);
    return -1;
}

static const go_escape_report *go_escape_report_get(void)
{
    if (!go_run.escape_loaded) {
        char path[PATH_MAX + 32];
        char *text = paths_record(go_run.bin, ".escape.txt", path, sizeof path) == 0 ? go_read_file(path) : NULL;
        if (text)
            go_escape_parse(text, &go_run.escape);
        free(text);
        go_run.escape_loaded = 1;
    }
    return &go_run.escape;
}

/* ====================================================================== */
/* Running the companion                                                  */
/* ====================================================================== */

/* What one child run produced. */
typedef struct go_child {
    char *out;            /* stdout (and stderr when merged) */
    int status;           /* exit status; -1 when it could not run or timed out */
    double *readings;     /* counters at sync point k: readings[k * events + e] */
    int nreadings;
    const char *counter_source;   /* "papi", "perf" or NULL (not counted) */
    json_object *json;    /* the parsed document (NULL if none) */
} go_child;

/* environ without GOMAXPROCS/GOGC, plus ours.  Strings in store. */
static char **go_child_env(const char *gogc, char store[2][64])
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = xalloc_calloc(n + 3, sizeof *env);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "GOMAXPROCS=", 11) != 0 && strncmp(environ[i], "GOGC=", 5) != 0)
            env[k++] = environ[i];
    snprintf(store[0], 64, "GOMAXPROCS=%d", topo_pu_count(go_run.topo));
    snprintf(store[1], 64, "GOGC=%s", gogc ? gogc : "100");
    env[k++] = store[0];
    env[k++] = store[1];
    return env;
}

/* The launch of one child: its record and the counters attached to it. */
typedef struct go_launch {
    go_child *child;
    counters_process *cp;
} go_launch;

/* Before the child runs: attach the run's counters to it. */
static void go_child_started(pid_t pid, void *ctx)
{
    go_launch *l = ctx;
    l->cp = counters_process_attach((int)pid);
    l->child->counter_source = l->cp ? counters_process_source(l->cp) : NULL;
}

/* A "sync K" line: record the counters at that point and let the child go on. */
static void go_child_sync(const char *line, size_t len, int reply_fd, void *ctx)
{
    go_launch *l = ctx;
    go_child *c = l->child;
    if (len < 5 || strncmp(line, "sync ", 5) != 0)
        return;
    int events = counters_event_count();
    size_t per_sync = (size_t)(events ? events : 1);
    c->readings = xalloc_array(c->readings, (size_t)(c->nreadings + 1) * per_sync, sizeof *c->readings);
    double *r = c->readings + (size_t)c->nreadings * (size_t)events;
    if (l->cp)
        counters_process_read(l->cp, r);
    else
        for (int e = 0; e < events; e++)
            r[e] = NAN;
    c->nreadings++;
    ssize_t w;
    do
        w = write(reply_fd, "\n", 1);
    while (w < 0 && errno == EINTR);
}

/* The JSON document: the last line that starts with '{'. */
static json_object *go_child_json(const char *out)
{
    const char *last = NULL;
    for (const char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (*p == '{')
            last = p;
    return last ? json_tokener_parse(last) : NULL;
}

/* Run bin with args (argv[0] is added), pinned, counted, bounded by timeout_s. */
static void go_child_run(go_child *c, const char *bin, const char *const *args, int nargs, const char *gogc,
                         double timeout_s, int merge_stderr)
{
    memset(c, 0, sizeof *c);
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)bin;
    for (int i = 0; i < nargs && argc < 31; i++)
        argv[argc++] = (char *)args[i];
    argv[argc] = NULL;
    char store[2][64];
    char **env = go_child_env(gogc, store);
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    for (int i = 0; i < topo_pu_count(go_run.topo); i++)
        CPU_SET((size_t)topo_pu(go_run.topo, i), &cpus);
    go_launch launch = {c, NULL};
    proc_spec spec = {.path = bin, .argv = argv, .envp = env, .cpus = &cpus, .in = PROC_CAPTURE,
                      .out = PROC_CAPTURE, .err = merge_stderr ? PROC_CAPTURE : PROC_INHERIT,
                      .timeout_s = timeout_s, .started = go_child_started, .on_line = go_child_sync, .ctx = &launch};
    proc_result r;
    proc_run(&spec, &r);
    free(env);
    counters_process_detach(launch.cp);
    if (r.status == PROC_TIMED_OUT || r.status == PROC_NOT_STARTED) {
        char why[256];
        proc_describe(&r, timeout_s, why, sizeof why);
        fprintf(stderr, "go: %s %s\n", bin, why);
    }
    c->status = proc_shell_status(&r);
    c->out = r.output;
    if (c->status == 0)
        c->json = go_child_json(c->out);
}

static void go_child_free(go_child *c)
{
    free(c->out);
    free(c->readings);
    if (c->json)
        json_object_put(c->json);
    memset(c, 0, sizeof *c);
}

/* ====================================================================== */
/* Reading the JSON                                                       */
/* ====================================================================== */

static json_object *go_get(json_object *o, const char *key)
{
    json_object *v = NULL;
    return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static double go_num(json_object *o, const char *key, double def)
{
    json_object *v = go_get(o, key);
    return v ? json_object_get_double(v) : def;
}

/* The benchmark named name whose argument arg equals value (arg NULL: any). */
static json_object *go_find_bench(json_object *doc, const char *name, const char *arg, int64_t value)
{
    json_object *list = go_get(doc, "benchmarks");
    size_t n = list ? json_object_array_length(list) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *b = json_object_array_get_idx(list, i);
        json_object *nm = go_get(b, "name");
        if (!nm || strcmp(json_object_get_string(nm), name) != 0)
            continue;
        if (!arg || (int64_t)go_num(go_get(b, "args"), arg, -1) == value)
            return b;
    }
    return NULL;
}

/* ====================================================================== */
/* Reporting one repetition                                               */
/* ====================================================================== */

/* Counter deltas of the repetition's region, per operation, to cbench. */
static void go_report_counters(cbench_state *st, const go_child *c, json_object *rep, double ops)
{
    cbench_no_self_counters(st);
    int events = counters_event_count();
    int b = (int)go_num(rep, "sync_begin", -1), e = (int)go_num(rep, "sync_end", -1);
    if (!c->counter_source || events == 0 || b < 0 || e <= b || e >= c->nreadings || ops <= 0)
        return;
    double v[64];
    for (int i = 0; i < events && i < 64; i++)
        v[i] = (c->readings[(size_t)e * (size_t)events + (size_t)i] -
                c->readings[(size_t)b * (size_t)events + (size_t)i]) / ops;
    cbench_add_thread_counters(st, v);
    cbench_tag(st, "counter_source", c->counter_source);
}

/* Every number the companion measured in this repetition as a user counter;
 * a checksum mismatch fails the run. */
static void go_report_user_counters(cbench_state *st, json_object *rep)
{
    json_object *cs = go_get(rep, "counters");
    if (!cs)
        return;
    json_object_object_foreach(cs, key, val)
    {
        double x = json_object_get_double(val);
        cbench_counter(st, key, x, CBENCH_COUNTER_PLAIN);
        if (strcmp(key, "checksum_errors") == 0 && x != 0)
            cbench_error(st, "checksum mismatch in the Go benchmark: the measured work was not done as claimed");
    }
}

/* The tags every Go row carries. */
static void go_tag_common(cbench_state *st, json_object *doc, json_object *bench)
{
    char buf[64];
    cbench_tag(st, "runtime", "go");
    cbench_tag(st, "allocator", "go");   /* the Go runtime's own heap serves these rows */
    cbench_tag(st, "cpus", go_run.cpus);
    json_object *v = go_get(doc, "go_version");
    if (v)
        cbench_tag(st, "go_version", json_object_get_string(v));
    snprintf(buf, sizeof buf, "%d", (int)go_num(doc, "gomaxprocs", 0));
    cbench_tag(st, "gomaxprocs", buf);
    /* the escape decision is the point of passing and access only */
    json_object *fn = go_get(bench, "func"), *nm = go_get(bench, "name");
    const char *name = nm ? json_object_get_string(nm) : "";
    int about_escape = strncmp(name, "passing/", 8) == 0 || strncmp(name, "access/", 7) == 0;
    int esc = fn && about_escape ? go_escape_lookup(go_escape_report_get(), json_object_get_string(fn)) : -1;
    if (esc >= 0)
        cbench_tag(st, "escapes", esc ? "1" : "0");
}

/* Report repetition index rep of bench (from child c): manual time = Go's
 * ns/op.  Returns the repetition object or NULL (after cbench_error). */
static json_object *go_report(cbench_state *st, const go_child *c, json_object *bench, int rep)
{
    json_object *reps = go_get(bench, "reps");
    json_object *r = reps && rep < (int)json_object_array_length(reps) ? json_object_array_get_idx(reps, rep) : NULL;
    double ns = go_num(r, "ns_per_op", NAN);
    for (int64_t n; (n = cbench_next_batch(st)) > 0;)
        cbench_set_iteration_time(st, isnan(ns) ? 0 : ns * 1e-9 * (double)n);
    if (!r || isnan(ns)) {
        cbench_error(st, "the Go companion reported no result for this repetition");
        return NULL;
    }
    go_tag_common(st, c->json, bench);
    go_report_counters(st, c, r, go_num(r, "ops", 1));
    go_report_user_counters(st, r);
    return r;
}

static void go_child_error(cbench_state *st, const go_child *c)
{
    char msg[200];
    while (cbench_next_batch(st) > 0)
        cbench_set_iteration_time(st, 0);
    snprintf(msg, sizeof msg, "Go companion failed (status %d%s); its stderr says why", c->status,
             c->status == -1 ? ": did not start or timed out" : "");
    cbench_error(st, msg);
}

/* ====================================================================== */
/* Micro benchmarks: passing, access, visibility (one child per run)       */
/* ====================================================================== */

typedef struct go_micro {
    const char *name;            /* "passing/go_fastpath" */
    const int64_t *quick, *full; /* sizes, 0-terminated; NULL: no argument */
    int registered;
} go_micro;

static const int64_t go_passing_sizes[] = {8, 16, 32, 64, 128, 256, 512, 1024, 0};
static const int64_t go_hot_quick[] = {4096, 65536, 1 << 20, 0};
static const int64_t go_hot_full[] = {1024, 4096, 16384, 65536, 262144, 1 << 20, 0};

static go_micro go_micros[] = {
    {"passing/go_fastpath", go_passing_sizes, go_passing_sizes, 0},
    {"passing/go_slowpath", go_passing_sizes, go_passing_sizes, 0},
    {"access/go_hot_stack", go_hot_quick, go_hot_full, 0},
    {"access/go_hot_heap", go_hot_quick, go_hot_full, 0},
    {"visibility/go_chan_unbuffered", NULL, NULL, 0},
    {"visibility/go_chan_cap1", NULL, NULL, 0},
    {"visibility/go_mutex", NULL, NULL, 0},
    {"visibility/go_racy_flag", NULL, NULL, 0},
};
#define GO_MICRO_COUNT ((int)(sizeof go_micros / sizeof go_micros[0]))

static struct {
    int tried;
    go_child child;
    char race_verdict[160];
} go_micro_run;

/* The -run spec of every registered micro benchmark. */
static void go_micro_spec(char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; i < GO_MICRO_COUNT && off < len; i++) {
        const go_micro *m = &go_micros[i];
        if (!m->registered)
            continue;
        off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ";" : "", m->name);
        const int64_t *s = go_run.quick ? m->quick : m->full;
        for (int k = 0; s && s[k] && off < len; k++)
            off += (size_t)snprintf(buf + off, len - off, "%c%lld", k ? ',' : '=', (long long)s[k]);
    }
}

/* The race detector's verdict on the racy handoff: run the -race build. */
static void go_race_verdict(void)
{
    if (!go_executable(go_run.race_bin)) {
        char path[PATH_MAX + 48];
        char *why = paths_record(go_run.race_bin, ".unavailable", path, sizeof path) == 0 ? go_read_file(path) : NULL;
        snprintf(go_micro_run.race_verdict, sizeof go_micro_run.race_verdict, "unavailable%s%.*s",
                 why ? ": " : "", why ? (int)strcspn(why, "\n") : 0, why ? why : "");
        free(why);
        return;
    }
    static const char *const args[] = {"-mode", "racecheck"};
    go_child c;
    go_child_run(&c, go_run.race_bin, args, 2, NULL, 60.0, 1);
    const char *v = !c.out ? "unavailable: the -race build did not run"
                    : strstr(c.out, "WARNING: DATA RACE") ? "reported"
                                                           : "not_reported";
    snprintf(go_micro_run.race_verdict, sizeof go_micro_run.race_verdict, "%s", v);
    go_child_free(&c);
}

static const go_child *go_micro_results(void)
{
    if (go_micro_run.tried)
        return &go_micro_run.child;
    go_micro_run.tried = 1;
    char spec[2048], reps[16];
    go_micro_spec(spec, sizeof spec);
    snprintf(reps, sizeof reps, "%d", go_run.reps);
    const char *args[] = {"-mode", "micro", "-run", spec, "-reps", reps,
                          "-min-time", go_run.quick ? "10ms" : "15ms", "-sync"};
    int benches = 0;
    for (int i = 0; i < GO_MICRO_COUNT; i++)
        benches += go_micros[i].registered * 8;
    go_child_run(&go_micro_run.child, go_run.bin, args, 9, NULL, 60.0 + 2.0 * benches * go_run.reps, 0);
    if (go_micros[GO_MICRO_COUNT - 1].registered)
        go_race_verdict();
    return &go_micro_run.child;
}

static void go_micro_bench(cbench_state *st)
{
    const go_micro *m = cbench_user(st);
    const go_child *c = go_micro_results();
    if (!c->json) {
        go_child_error(st, c);
        return;
    }
    int has_size = m->quick != NULL;
    int64_t size = has_size ? cbench_range(st, 0) : 0;
    char key[160];
    snprintf(key, sizeof key, "%s/%lld", m->name, (long long)size);
    int rep = child_repetition(key);
    json_object *b = go_find_bench(c->json, m->name, has_size ? "size" : NULL, size);
    json_object *r = go_report(st, c, b, rep);
    if (!r)
        return;
    if (strncmp(m->name, "access/", 7) == 0)
        cbench_set_bytes_processed(st, size);
    if (strncmp(m->name, "visibility/", 11) == 0) {
        if (go_run.pair_class)
            cbench_tag(st, "pair_class", go_run.pair_class);
        if (strstr(m->name, "racy"))
            cbench_tag(st, "race_detector", go_micro_run.race_verdict);
    }
}

/* ====================================================================== */
/* gc/go_collected: one child per configuration and repetition            */
/* ====================================================================== */

/* gc_pauses.csv's columns (the C gc family's, in its order). */
static const char *const go_pause_columns[] = {
    "benchmark", "heap", "live_bytes", "object_bytes", "divisor", "markers", "incremental",
    "work_per_alloc", "cpus", "repetition", "pause", "start_ms", "pause_ns", "mark_ns", "collection_ns"};

static void go_write_pauses(json_object *doc, const char *bench, int64_t live, int64_t gogc, int rep)
{
    json_object *list = go_get(doc, "pauses");
    output_table *t = NULL;
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        json_object *p = json_object_array_get_idx(list, i);
        double pause = go_num(p, "pause_ns", NAN);
        rows_side_row(&t, "gc_pauses.csv", go_pause_columns, GO_COUNT(go_pause_columns));
        output_table_set_str(t, "benchmark", bench);
        output_table_set_str(t, "heap", "go");
        output_table_set_int(t, "live_bytes", live);
        output_table_set_int(t, "object_bytes", 64);
        output_table_set_str(t, "cpus", go_run.cpus);
        output_table_set_int(t, "repetition", rep);
        output_table_set_int(t, "pause", (long long)i);
        output_table_set_num(t, "start_ms", go_num(p, "end_ms", NAN) - pause / 1e6);
        output_table_set_num(t, "pause_ns", pause);
        output_table_set_str(t, "runtime", "go");
        output_table_set_int(t, "gogc", gogc);
        output_table_set_int(t, "gc_cycle", (long long)go_num(p, "cycle", 0));
    }
}

static void go_gc_bench(cbench_state *st)
{
    int64_t live = cbench_range(st, 0), gogc = cbench_range(st, 2);
    char live_s[32], gogc_s[32], key[96];
    snprintf(live_s, sizeof live_s, "%lld", (long long)live);
    snprintf(gogc_s, sizeof gogc_s, "%lld", (long long)gogc);
    /* a cycle needs about the live set allocated again (GOGC=100): from
     * 256 MiB on 800 ms holds one pause or two, so the large sets get 3 s */
    const char *duration = go_run.quick ? "400ms" : live >= 256 * (int64_t)GO_MIB ? "3000ms" : "800ms";
    const char *args[] = {"-mode", "gc", "-live", live_s, "-duration", duration, "-sync"};
    go_child c;
    go_child_run(&c, go_run.bin, args, 7, gogc_s, 120.0 + (double)live / (4.0 * GO_MIB), 0);
    json_object *b = c.json ? go_find_bench(c.json, "gc/go_collected", NULL, 0) : NULL;
    if (!b) {
        go_child_error(st, &c);
        go_child_free(&c);
        return;
    }
    snprintf(key, sizeof key, "gc/go_collected/%lld/%lld", (long long)live, (long long)gogc);
    int rep = child_repetition(key);
    if (go_report(st, &c, b, 0)) {
        cbench_tag(st, "heap", "go");
        go_write_pauses(c.json, "gc/go_collected", live, gogc, rep);
    }
    go_child_free(&c);
}

/* ====================================================================== */
/* hoard/go_unbounded, hoard/go_bounded                                   */
/* ====================================================================== */

#define GO_HOARD_VALUE 4000
#define GO_HOARD_RATE 40000

/* rss_series.csv's columns (the C hoard family's, in its order). */
static const char *const go_series_columns[] = {
    "benchmark", "variant", "allocator", "value_bytes", "insert_rate", "bound_bytes", "cap_bytes",
    "sample_ms", "repetition", "time_ms", "entries", "bytes_inserted", "rss_bytes", "heap_bytes"};

static void go_write_series(json_object *doc, const char *bench, const char *variant, const cbench_state *st,
                            int sample_ms, int rep)
{
    json_object *list = go_get(doc, "rss");
    output_table *t = NULL;
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        json_object *s = json_object_array_get_idx(list, i);
        rows_side_row(&t, "rss_series.csv", go_series_columns, GO_COUNT(go_series_columns));
        output_table_set_str(t, "benchmark", bench);
        output_table_set_str(t, "variant", variant);
        output_table_set_str(t, "allocator", "go");
        output_table_set_int(t, "value_bytes", cbench_range(st, 0));
        output_table_set_int(t, "insert_rate", cbench_range(st, 1));
        output_table_set_int(t, "bound_bytes", cbench_range(st, 2));
        output_table_set_int(t, "cap_bytes", cbench_range(st, 3));
        output_table_set_int(t, "sample_ms", sample_ms);
        output_table_set_int(t, "repetition", rep);
        output_table_set_num(t, "time_ms", go_num(s, "t_ms", NAN));
        output_table_set_num(t, "entries", go_num(s, "entries", NAN));
        output_table_set_num(t, "bytes_inserted", go_num(s, "bytes_inserted", NAN));
        output_table_set_num(t, "rss_bytes", go_num(s, "rss_bytes", NAN));
        output_table_set_num(t, "heap_bytes", go_num(s, "heap_bytes", NAN));
        output_table_set_str(t, "runtime", "go");
    }
}

static void go_hoard_bench(cbench_state *st)
{
    const char *name = cbench_user(st);
    int bounded = strstr(name, "go_bounded") != NULL;
    int64_t value = cbench_range(st, 0), rate = cbench_range(st, 1), bound = cbench_range(st, 2);
    int64_t cap = cbench_range(st, 3);
    int sample_ms = go_run.quick ? 20 : 50;
    /* as long as the C hoard: the unbounded run until the cap (it stops
     * there), the bounded one as long as the cap takes to reach */
    double expect_s = (double)cap / ((double)value * (double)rate);
    double dur_s = bounded ? (expect_s > 0.5 ? expect_s : 0.5) : 2.0 * expect_s + 1.0;
    if (dur_s > 120)
        dur_s = 120;
    char a[6][32];
    snprintf(a[0], 32, "%lld", (long long)value);
    snprintf(a[1], 32, "%lld", (long long)rate);
    snprintf(a[2], 32, "%lld", (long long)(bounded ? bound / value : 1));
    snprintf(a[3], 32, "%lld", (long long)cap);
    snprintf(a[4], 32, "%dms", (int)(dur_s * 1000));
    snprintf(a[5], 32, "%dms", sample_ms);
    const char *args[] = {"-mode", "hoard", "-variant", bounded ? "bounded" : "unbounded", "-entry", a[0],
                          "-rate", a[1], "-bound", a[2], "-cap", a[3], "-duration", a[4], "-sample", a[5], "-sync"};
    go_child c;
    go_child_run(&c, go_run.bin, args, 17, NULL, 60.0 + 2 * dur_s, 0);
    json_object *b = c.json ? go_find_bench(c.json, name, NULL, 0) : NULL;
    if (!b) {
        go_child_error(st, &c);
        go_child_free(&c);
        return;
    }
    int rep = child_repetition(name);
    if (go_report(st, &c, b, 0)) {
        cbench_tag(st, "heap", "go");
        go_write_series(c.json, name, bounded ? "bounded" : "unbounded", st, sample_ms, rep);
    }
    go_child_free(&c);
}

/* ====================================================================== */
/* go_ratios.csv: SlowPath/FastPath and heap/stack per size               */
/* ====================================================================== */

/* Median, min and max ns/op over the repetitions of one Go benchmark
 * (count 0 when it has none, or more than 128). */
static rows_stats go_bench_stats(json_object *doc, const char *name, int64_t size)
{
    json_object *b = go_find_bench(doc, name, "size", size), *reps = go_get(b, "reps");
    size_t n = reps ? json_object_array_length(reps) : 0;
    rows_stats s = {0, NAN, NAN, NAN};
    double v[128];
    if (n == 0 || n > 128)
        return s;
    for (size_t i = 0; i < n; i++)
        v[i] = go_num(json_object_array_get_idx(reps, i), "ns_per_op", NAN);
    s.count = (int)n;
    s.median = stats_median(v, n);
    s.min = stats_min(v, n);
    s.max = stats_max(v, n);
    return s;
}

/* num / den per size into go_ratios.csv.  The spread is rows_ratio_of's
 * (min over max, max over min), but over the Go companion's own
 * repetitions at full precision rather than results.csv's rows, and a
 * baseline that is not positive still gives a row. */
static void go_ratio_rows(json_object *doc, const char *num, const char *den, const char *variant,
                          const int64_t *sizes)
{
    static const char *const columns[] = {"runtime", "variant", "size", "real_ns", "baseline_ns",
                                          "ratio", "ratio_low", "ratio_high", "escapes", "baseline_escapes"};
    for (int k = 0; sizes[k]; k++) {
        rows_stats a = go_bench_stats(doc, num, sizes[k]), b = go_bench_stats(doc, den, sizes[k]);
        if (a.count == 0 || b.count == 0)
            continue;
        output_table *t = output_table_get("go_ratios.csv");
        output_table_columns(t, columns, (int)(sizeof columns / sizeof *columns));
        output_table_row(t);
        output_table_set_str(t, "runtime", "go");
        output_table_set_str(t, "variant", variant);
        output_table_set_int(t, "size", sizes[k]);
        output_table_set_num(t, "real_ns", a.median);
        output_table_set_num(t, "baseline_ns", b.median);
        rows_set_ratio(t, "ratio",
                       (rows_ratio){.count = a.count < b.count ? a.count : b.count, .ratio = a.median / b.median,
                                    .low = a.min / b.max, .high = a.max / b.min, .value = a.median,
                                    .baseline = b.median});
        json_object *fa = go_get(go_find_bench(doc, num, "size", sizes[k]), "func");
        json_object *fb = go_get(go_find_bench(doc, den, "size", sizes[k]), "func");
        int ea = fa ? go_escape_lookup(go_escape_report_get(), json_object_get_string(fa)) : -1;
        int eb = fb ? go_escape_lookup(go_escape_report_get(), json_object_get_string(fb)) : -1;
        if (ea >= 0)
            output_table_set_int(t, "escapes", ea);
        if (eb >= 0)
            output_table_set_int(t, "baseline_escapes", eb);
    }
}

static void go_finish(const bench_config *cfg)
{
    (void)cfg;
    json_object *doc = go_micro_run.child.json;
    if (doc) {
        go_ratio_rows(doc, "passing/go_slowpath", "passing/go_fastpath", "slowpath_over_fastpath", go_passing_sizes);
        go_ratio_rows(doc, "access/go_hot_heap", "access/go_hot_stack", "hot_heap_over_hot_stack", go_hot_full);
    }
    go_child_free(&go_micro_run.child);
    go_micro_run.tried = 0;
}

/* ====================================================================== */
/* Registration                                                           */
/* ====================================================================== */

static cbench_bench *go_register_one(const char *name, cbench_fn fn, void *user, const char *const *argn,
                                     int nargs, int reps)
{
    cbench_bench *b = cbench_register(name, fn, user);
    if (!b)
        return NULL;
    if (nargs)
        cbench_arg_names(b, argn, nargs);
    cbench_iterations(b, 1);
    cbench_repetitions(b, reps);
    cbench_use_manual_time(b);
    return b;
}

static void go_register_micros(void)
{
    static const char *const size_arg[] = {"size"};
    for (int i = 0; i < GO_MICRO_COUNT; i++) {
        go_micro *m = &go_micros[i];
        int has_size = m->quick != NULL;
        cbench_bench *b = go_register_one(m->name, go_micro_bench, m, size_arg, has_size, go_run.reps);
        m->registered = b != NULL;
        const int64_t *s = go_run.quick ? m->quick : m->full;
        for (int k = 0; b && s && s[k]; k++)
            cbench_arg(b, s[k]);
    }
}

/* The largest live set: 256 MiB (32 MiB with --quick), at most RAM/8. */
static void go_register_gc(void)
{
    static const char *const names[] = {"live_bytes", "object_bytes", "gogc"};
    cbench_bench *b = go_register_one("gc/go_collected", go_gc_bench, NULL, names, 3, 1);
    if (!b)
        return;
    int64_t lmax = go_run.quick ? 32 * GO_MIB : 256 * GO_MIB;
    if (go_run.ram && (int64_t)(go_run.ram / 8) < lmax)
        lmax = (int64_t)(go_run.ram / 8);
    int64_t step = go_run.quick ? 8 : 4, mid = go_run.quick ? 32 * GO_MIB : 64 * GO_MIB;
    for (int64_t l = go_run.quick ? 4 * GO_MIB : GO_MIB; l <= lmax; l *= step)
        cbench_args(b, (const int64_t[]){l, 64, 100}, 3);
    if (mid > lmax)
        mid = lmax;
    static const int64_t gogc_quick[] = {50, 0}, gogc_full[] = {50, 200, 0};
    for (const int64_t *g = go_run.quick ? gogc_quick : gogc_full; *g; g++)
        cbench_args(b, (const int64_t[]){mid, 64, *g}, 3);
    cbench_unit(b, CBENCH_MS);
}

/* The hoard cap: the hoard family's --hoard-cap when given, else
 * min(512 MiB, RAM/4) (64 MiB with --quick), as benches/hoard.c does. */
static unsigned long long go_hoard_cap(void)
{
    const bench_option *o = bench_option_find("hoard-cap", NULL);
    unsigned long long given = 0;
    if (o && o->kind == BENCH_OPT_SIZE && o->target)
        given = *(const unsigned long long *)o->target;
    if (given)
        return given;
    unsigned long long cap = (unsigned long long)(go_run.quick ? 64 : 512) * GO_MIB;
    if (go_run.ram && go_run.ram / 4 < cap)
        cap = go_run.ram / 4;
    return cap;
}

static void go_register_hoard(void)
{
    static const char *const names[] = {"value_bytes", "insert_rate", "bound_bytes", "cap_bytes"};
    static const char *const variants[] = {"hoard/go_unbounded", "hoard/go_bounded"};
    unsigned long long cap = go_hoard_cap(), bound = (unsigned long long)(go_run.quick ? 8 : 32) * GO_MIB;
    if (bound > cap / 4)
        bound = cap / 4;
    for (int i = 0; i < 2; i++) {
        cbench_bench *b = go_register_one(variants[i], go_hoard_bench, (void *)variants[i], names, 4, 1);
        if (b)
            cbench_args(b, (const int64_t[]){GO_HOARD_VALUE, GO_HOARD_RATE, i ? (int64_t)bound : 0, (int64_t)cap}, 4);
        if (b)
            cbench_unit(b, CBENCH_MS);
    }
}

static void go_register(const bench_config *cfg, char *why, size_t whylen)
{
    if (go_locate(why, whylen) != 0)
        return;
    go_run.topo = cfg->topo;
    go_run.quick = cfg->quick;
    go_run.reps = cfg->repetitions > 1 ? cfg->repetitions : 1;
    go_run.ram = cfg->ram_bytes;
    topo_format_cpulist(topo_allowed(cfg->topo), go_run.cpus, sizeof go_run.cpus);
    go_run.pair_class = topo_pu_count(cfg->topo) == 2
                            ? topo_pair_class_name(topo_pair_classify(cfg->topo, topo_pu(cfg->topo, 0),
                                                                      topo_pu(cfg->topo, 1)))
                            : NULL;
    go_register_micros();
    go_register_gc();
    go_register_hoard();
}

/* `memprobe __child go escapes FILE`: print the escape report as
 * "function escapes" lines (for tests and for users checking the compiler). */
static int go_child_main(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[0], "escapes") != 0) {
        fprintf(stderr, "usage: memprobe __child go escapes FILE (go build -gcflags=-m=2 output)\n");
        return 2;
    }
    char *text = go_read_file(argv[1]);
    if (!text) {
        fprintf(stderr, "__child go: cannot read '%s': %s\n", argv[1], strerror(errno));
        return 2;
    }
    go_escape_report r;
    go_escape_parse(text, &r);
    for (size_t i = 0; i < r.n; i++)
        printf("%s %d\n", r.fn[i].name, r.fn[i].escapes);
    free(r.fn);
    free(text);
    return 0;
}

const bench_family bench_family_go = {
    .name = "go",
    .help = "the Go companion (bin/memprobe-go): FastPath/SlowPath, hot stack/heap, GC pauses, hoarding, handoffs",
    .description =
        "The explainer's own runtime, measured by a Go program the harness starts pinned to the same "
        "CPUs (GOMAXPROCS = their number), with the same counters attached to the child process.  "
        "FastPath (a struct of 8 to 1024 bytes returned by value) against SlowPath (a pointer that "
        "escapes to the heap), with the compiler's escape decision (go build -gcflags=-m) recorded per "
        "row; a hot buffer on the goroutine stack against one on the heap; per-cycle stop-the-world "
        "pauses and GC CPU fraction against live-heap size and GOGC with an allocating goroutine per CPU; "
        "the hoarding map against a bounded one (RSS over time); channel and mutex handoffs and an "
        "unsynchronised plain-flag handoff, with the race detector's verdict.  Rows sit beside the C "
        "families' rows with runtime=go.",
    .min_cpus = 1,
    .register_benchmarks = go_register,
    .finish = go_finish,
    .child_main = go_child_main,
};

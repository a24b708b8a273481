/*
 * counters.c — event selection, probing and per-thread counting through two
 * backends: PAPI first, the kernel's generic perf events (perfev.c) always.
 *
 * counters_init() turns a --counters spec (groups core/cache/sw, "none", or
 * event names) into an ordered list of events.  Every event is resolved
 * once: through PAPI when PAPI can count it (its named events and presets),
 * else through the kernel's generic event of the same meaning, else it is
 * kept as a column marked unavailable with each layer's true reason, so its
 * cells stay empty.  --counters-backend papi|perf narrows this to one
 * backend.  The available events must be countable together: we never
 * multiplex.  Each thread that counts gets its own PAPI event set and perf
 * descriptors, created lazily on its first counters_thread_start() and
 * released when the thread exits (a pthread key destructor).
 *
 * PAPI starts only when an event needs it, with every component memprobe
 * does not use disabled first (no GPU probing), and anything a library
 * prints while it starts is captured (quiet.h) and shown labelled.
 */
#include "memprobe/counters.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <papi.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memprobe/perfev.h"
#include "memprobe/procfs.h"
#include "memprobe/quiet.h"
#include "memprobe/sysinfo.h"

#define COUNTERS_MAX_EVENTS 32
#define COUNTERS_REASON_LEN 400
#define COUNTERS_FIX_PARANOID "sysctl kernel.perf_event_paranoid=1 or run as root"
#define COUNTERS_PAPI_COMPONENT "perf_event"   /* the only PAPI component memprobe counts with */

enum event_flags {
    EV_SOFTWARE = 1,     /* a perf software event: needs no PMU */
    EV_KERNEL_ONLY = 2,  /* happens in kernel mode only (counts 0 in user domain) */
};

enum backend { BACKEND_NONE = 0, BACKEND_PAPI, BACKEND_PERF };
static const char *const backend_names[] = {NULL, "papi", "perf"};

/* Which backends may count: both (PAPI first), or one of them. */
enum mode { MODE_AUTO = 0, MODE_PAPI, MODE_PERF };
static const char *const mode_names[] = {"auto", "papi", "perf"};

/* One column of a group: the PAPI names that may provide it, best first,
 * and the kernel's generic event of the same meaning (NULL: none). */
typedef struct group_event {
    const char *column;
    const char *candidates[4];
    const char *generic;
    int flags;
} group_event;

typedef struct group {
    const char *name;
    const char *what;
    group_event events[3];
} group;

static const group groups[] = {
    {"core", "cycles, instructions, branch misses",
     {{"cycles", {"PAPI_TOT_CYC", "perf::CYCLES"}, "CYCLES", 0},
      {"instructions", {"PAPI_TOT_INS", "perf::INSTRUCTIONS"}, "INSTRUCTIONS", 0},
      {"branch_misses", {"PAPI_BR_MSP", "perf::BRANCH-MISSES"}, "BRANCH-MISSES", 0}}},
    {"cache", "L1D, L2 and last-level cache misses",
     {{"l1d_misses", {"PAPI_L1_DCM", "perf::L1-DCACHE-LOAD-MISSES"}, "L1-DCACHE-LOAD-MISSES", 0},
      {"l2_misses", {"PAPI_L2_DCM", "PAPI_L2_TCM", "L2D_CACHE_REFILL"}, NULL, 0},
      {"llc_misses", {"PAPI_L3_TCM", "PAPI_L3_DCM", "perf::LLC-LOAD-MISSES"}, "LLC-LOAD-MISSES", 0}}},
    {"sw", "page faults, context switches, CPU migrations (perf software events)",
     {{"page_faults", {"perf::PAGE-FAULTS"}, "PAGE-FAULTS", EV_SOFTWARE},
      {"context_switches", {"perf::CONTEXT-SWITCHES"}, "CONTEXT-SWITCHES", EV_SOFTWARE | EV_KERNEL_ONLY},
      {"cpu_migrations", {"perf::CPU-MIGRATIONS"}, "CPU-MIGRATIONS", EV_SOFTWARE | EV_KERNEL_ONLY}}},
};
#define GROUP_COUNT ((int)(sizeof groups / sizeof groups[0]))
#define GROUP_EVENTS 3
static const char *const default_spec = "core,cache,sw";

/* A derived metric: scale * numerator / denominator. */
typedef struct derived_metric {
    const char *column;
    const char *numerator;
    const char *denominator;
    double scale;
} derived_metric;

static const derived_metric derived_all[] = {
    {"ipc", "instructions", "cycles", 1.0},
    {"branch_mpki", "branch_misses", "instructions", 1000.0},
    {"l1d_mpki", "l1d_misses", "instructions", 1000.0},
    {"l2_mpki", "l2_misses", "instructions", 1000.0},
    {"llc_mpki", "llc_misses", "instructions", 1000.0},
};
#define DERIVED_ALL ((int)(sizeof derived_all / sizeof derived_all[0]))

typedef struct event {
    char column[64];
    char papi_name[128];       /* the PAPI name counted, or the best one tried */
    int code;                  /* PAPI's code when backend is PAPI */
    const perfev_event *generic;   /* the kernel's generic event, NULL when none */
    int flags;
    int backend;               /* enum backend; BACKEND_NONE: unavailable */
    int dropped;               /* countable, but left out so the rest fit without multiplexing */
    char papi_why[COUNTERS_REASON_LEN];   /* why PAPI does not count it ("" when not asked) */
    char perf_why[COUNTERS_REASON_LEN];   /* why the kernel's generic event does not */
    char reason[COUNTERS_REASON_LEN];     /* unavailable: the reasons of every layer asked */
} event;

/* The run's selection (written by counters_init, read-only afterwards). */
static struct {
    event ev[COUNTERS_MAX_EVENTS];
    int n;
    int derived[DERIVED_ALL];      /* indexes into derived_all */
    int derived_num[DERIVED_ALL];  /* event index of the numerator */
    int derived_den[DERIVED_ALL];
    int n_derived;
} sel;

/* The backend setting: counters_set_backend, else MEMPROBE_COUNTERS_BACKEND. */
static struct {
    int chosen;     /* set by counters_set_backend */
    int mode;
} backend_setting;

/* PAPI library state: started at most once per process, never shut down
 * (event sets of threads still alive stay valid across counters_init calls). */
static struct {
    int state;               /* 0 untried, 1 ready, -1 failed */
    char error[200];
    char disabled_on_purpose[160];    /* MEMPROBE_PAPI_DISABLE, as given */
    char messages[2048];     /* what libraries printed while PAPI started, labelled */
} papi;

/* The hardware probe, once per process and backend mode. */
static struct {
    int probed_mode;         /* mode + 1 when probed */
    int countable;
} hardware;

static pthread_key_t thread_key;
static pthread_once_t thread_key_once = PTHREAD_ONCE_INIT;
static int thread_key_ok;

static atomic_uint generation = 1;   /* bumped when the selection changes */
static atomic_flag warned = ATOMIC_FLAG_INIT;
static atomic_flag thread_failure_reported = ATOMIC_FLAG_INIT;
static atomic_flag multiplex_reported = ATOMIC_FLAG_INIT;

struct counters_thread {
    int event_set;           /* PAPI's, PAPI_NULL when no event counts through PAPI */
    perfev_set *perf;        /* the perf-counted events, NULL when none */
    unsigned generation;
    int running;
};

/* ---------- small helpers ---------- */

/* snprintf for messages: truncation at len is intended (no -Wformat-truncation). */
static void say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}


static int read_paranoid(void)
{
    long v;
    if (procfs_read_long("/proc/sys/kernel/perf_event_paranoid", &v) != 0)
        return 99;
    return v < -1 || v > 99 ? 99 : (int)v;
}

/* Context switches and migrations happen in the kernel: count user+kernel
 * when the kernel lets us, else user only (and say so per event). */
static int kernel_domain(void)
{
    return geteuid() == 0 || read_paranoid() <= 1;
}

static int is_virtualized(void)
{
    return strcmp(sysinfo_hypervisor(NULL), "none") != 0;
}

static int current_mode(void)
{
    if (backend_setting.chosen)
        return backend_setting.mode;
    const char *env = getenv("MEMPROBE_COUNTERS_BACKEND");
    for (int m = 0; env && m < 3; m++)
        if (strcmp(env, mode_names[m]) == 0)
            return m;
    return MODE_AUTO;
}

static void nan_fill(double *v, int n)
{
    for (int i = 0; i < n; i++)
        v[i] = NAN;
}

static unsigned long thread_id(void)
{
    return (unsigned long)pthread_self();
}

static int selection_uses(int backend)
{
    for (int i = 0; i < sel.n; i++)
        if (sel.ev[i].backend == backend)
            return 1;
    return 0;
}

/* ---------- PAPI: starting it, and why it cannot count something ---------- */

/* Disable every compiled-in component but perf_event (no GPU, network or
 * power probing at start), and those MEMPROBE_PAPI_DISABLE names (a test's
 * way to see this machine as one whose perf_event component is disabled). */
static void papi_disable_components(void)
{
    for (int i = 0; i < PAPI_num_components(); i++) {
        const PAPI_component_info_t *c = PAPI_get_component_info(i);
        if (c && strcmp(c->name, COUNTERS_PAPI_COMPONENT) != 0)
            PAPI_disable_component_by_name(c->name);
    }
    const char *env = getenv("MEMPROBE_PAPI_DISABLE");
    if (!env || !*env)
        return;
    say(papi.disabled_on_purpose, sizeof papi.disabled_on_purpose, "%s", env);
    char list[160];
    say(list, sizeof list, "%s", env);
    char *rest = list;
    for (char *name; (name = strsep(&rest, ",")) != NULL;)
        if (*name)
            PAPI_disable_component_by_name(name);
}

static void papi_keep_messages(const char *text)
{
    quiet_label_lines("library output while PAPI started", text, papi.messages, sizeof papi.messages);
}

static void thread_exit(void *p);

static void thread_key_create(void)
{
    thread_key_ok = pthread_key_create(&thread_key, thread_exit) == 0;
}

static int papi_ready(void)
{
    if (papi.state)
        return papi.state > 0;
    papi_disable_components();
    quiet_capture q;
    quiet_begin(&q);
    int rc = PAPI_library_init(PAPI_VER_CURRENT);
    int trc = rc == PAPI_VER_CURRENT ? PAPI_thread_init(thread_id) : PAPI_OK;
    char text[1024];
    quiet_end(&q, text, sizeof text);
    papi_keep_messages(text);
    if (rc != PAPI_VER_CURRENT) {
        say(papi.error, sizeof papi.error, "PAPI could not start: %s",
                 rc > 0 ? "library and header versions differ" : PAPI_strerror(rc));
        papi.state = -1;
        return 0;
    }
    if (trc != PAPI_OK) {
        say(papi.error, sizeof papi.error, "PAPI thread support failed: %s", PAPI_strerror(trc));
        papi.state = -1;
        return 0;
    }
    PAPI_set_domain(kernel_domain() ? (PAPI_DOM_USER | PAPI_DOM_KERNEL) : PAPI_DOM_USER);
    papi.state = 1;
    return 1;
}

/* Why PAPI's component cid cannot count, or NULL when it is enabled. */
static const char *papi_component_disabled(int cid)
{
    const PAPI_component_info_t *c = cid >= 0 ? PAPI_get_component_info(cid) : NULL;
    if (!c || !c->disabled)
        return NULL;
    return c->disabled_reason[0] ? c->disabled_reason : "disabled";
}

/* "PAPI's perf_event component is disabled (<its reason>)" into buf, or 0
 * when that component is enabled. */
static int papi_perf_component_off(char *buf, size_t len)
{
    const char *why = papi_component_disabled(PAPI_get_component_index(COUNTERS_PAPI_COMPONENT));
    if (!why)
        return 0;
    say(buf, len, "PAPI's %s component is disabled (%s%s%s)", COUNTERS_PAPI_COMPONENT, why,
             papi.disabled_on_purpose[0] ? "; MEMPROBE_PAPI_DISABLE=" : "", papi.disabled_on_purpose);
    return 1;
}

/* Add code to a fresh event set, start and stop it: PAPI_OK or the error. */
static int probe_code(int code)
{
    int es = PAPI_NULL;
    int rc = PAPI_create_eventset(&es);
    if (rc != PAPI_OK)
        return rc;
    rc = PAPI_add_event(es, code);
    if (rc == PAPI_OK) {
        rc = PAPI_start(es);
        if (rc == PAPI_OK) {
            long long v;
            rc = PAPI_stop(es, &v);
        }
    }
    PAPI_cleanup_eventset(es);
    PAPI_destroy_eventset(&es);
    return rc;
}

/* Why e does not count through PAPI under name (whose probe failed with rc). */
static void papi_describe_failure(const event *e, const char *name, int rc, char *buf, size_t len)
{
    char off[COUNTERS_REASON_LEN];
    const char *fix;
    if (rc == PAPI_ECMP_DISABLED && papi_perf_component_off(off, sizeof off)) {
        say(buf, len, "%s; fix: a newer libpfm4 (and PAPI) that knows this CPU", off);
        return;
    }
    if (rc == PAPI_EPERM)
        fix = "counting is not permitted: " COUNTERS_FIX_PARANOID;
    else if (!(e->flags & EV_SOFTWARE) && is_virtualized())
        fix = "this VM has no virtual PMU: enable the guest PMU, e.g. KVM -cpu host,pmu=on";
    else if (rc == PAPI_ECNFLCT || rc == PAPI_ECOUNT)
        fix = "it conflicts with other events on this PMU: count it on its own";
    else
        fix = "this CPU's PMU does not provide it (see papi_avail, papi_native_avail)";
    say(buf, len, "%s: %s; fix: %s", name, PAPI_strerror(rc), fix);
}

/* Why PAPI does not know name: the perf_event component being disabled
 * hides every perf:: and native name. */
static void papi_describe_unknown(const char *name, char *buf, size_t len)
{
    char off[COUNTERS_REASON_LEN];
    if (papi.state < 0)
        say(buf, len, "%s", papi.error);
    else if (papi_perf_component_off(off, sizeof off))
        say(buf, len, "PAPI does not know %s: %s", name, off);
    else
        say(buf, len, "PAPI does not know %s on this system", name);
}

/* Try PAPI for e under name: 1 when it counts (e takes the name and code),
 * else 0 with e->papi_why set (the first reason found is kept). */
static int papi_try(event *e, const char *name)
{
    char why[COUNTERS_REASON_LEN];
    int code;
    if (!papi_ready()) {
        say(why, sizeof why, "%s", papi.error);
    } else if (PAPI_event_name_to_code(name, &code) != PAPI_OK) {
        papi_describe_unknown(name, why, sizeof why);
    } else {
        int rc = probe_code(code);
        if (rc == PAPI_OK) {
            say(e->papi_name, sizeof e->papi_name, "%s", name);
            e->code = code;
            e->papi_why[0] = '\0';
            return 1;
        }
        papi_describe_failure(e, name, rc, why, sizeof why);
    }
    if (!e->papi_why[0])
        say(e->papi_why, sizeof e->papi_why, "%s", why);
    return 0;
}

/* ---------- the kernel's generic events: why one cannot count ---------- */

static void perf_describe_failure(event *e, int err, const char *what)
{
    const char *fix;
    int hardware = !perfev_is_software(e->generic);
    if ((err == EACCES || err == EPERM) && geteuid() != 0) {
        say(e->perf_why, sizeof e->perf_why, "%s; fix: not permitted at perf_event_paranoid=%d: "
            COUNTERS_FIX_PARANOID, what, read_paranoid());
        return;
    }
    if (err == EACCES || err == EPERM)
        fix = "not permitted even as root: a seccomp filter or security module forbids perf_event_open";
    else if (err == ENOSYS)
        fix = "this kernel has no perf events (CONFIG_PERF_EVENTS), or a filter hides the system call";
    else if (hardware && (err == ENOENT || err == EOPNOTSUPP || err == ENODEV) && is_virtualized())
        fix = "the kernel has no PMU in this VM (software events only): enable the guest PMU, e.g. KVM -cpu host,pmu=on";
    else if (hardware && (err == ENOENT || err == EOPNOTSUPP || err == ENODEV))
        fix = "this CPU's PMU, as the kernel drives it, does not provide it";
    else if (err == EBUSY)
        fix = "the PMU's counters are taken (NMI watchdog, another profiler): count fewer events";
    else
        fix = "the kernel refused the event";
    say(e->perf_why, sizeof e->perf_why, "%s; fix: %s", what, fix);
}

/* Try the kernel's generic event for e: 1 when it counts, else 0 with
 * e->perf_why set. */
static int perf_try(event *e)
{
    if (!e->generic) {
        say(e->perf_why, sizeof e->perf_why, "the kernel defines no generic event for %s", e->column);
        return 0;
    }
    char what[COUNTERS_REASON_LEN];
    int err = perfev_probe(e->generic, !kernel_domain(), what, sizeof what);
    if (err) {
        perf_describe_failure(e, err, what);
        return 0;
    }
    e->perf_why[0] = '\0';
    return 1;
}

/* ---------- resolving one event through the backends ---------- */

/* Kernel-mode-only events count nothing in the user domain: unavailable. */
static int kernel_only_blocked(event *e)
{
    if (!(e->flags & EV_KERNEL_ONLY) || kernel_domain())
        return 0;
    say(e->reason, sizeof e->reason,
             "happens in kernel mode only, and perf_event_paranoid=%d forbids counting the kernel; fix: "
             COUNTERS_FIX_PARANOID, read_paranoid());
    e->backend = BACKEND_NONE;
    return 1;
}

/* The unavailable event's reason: every layer that was asked, in order. */
static void compose_reason(event *e, int mode)
{
    if (mode == MODE_PAPI)
        say(e->reason, sizeof e->reason, "%s (--counters-backend papi: the kernel's generic events not asked)",
                 e->papi_why);
    else if (mode == MODE_PERF)
        say(e->reason, sizeof e->reason, "kernel: %s (--counters-backend perf: PAPI not asked)", e->perf_why);
    else
        say(e->reason, sizeof e->reason, "PAPI: %s; kernel: %s", e->papi_why, e->perf_why);
}

/* Resolve e through the backends the mode allows, trying PAPI under each of
 * names (best first): PAPI where it counts, else the kernel's generic event,
 * else unavailable with every layer's reason. */
static void resolve_event(event *e, const char *const *names)
{
    int mode = current_mode();
    e->backend = BACKEND_NONE;
    e->code = PAPI_NULL;
    if (mode != MODE_PERF)
        for (int c = 0; names[c] && e->backend == BACKEND_NONE; c++)
            if (papi_try(e, names[c]))
                e->backend = BACKEND_PAPI;
    if (e->backend == BACKEND_NONE && mode != MODE_PAPI && perf_try(e))
        e->backend = BACKEND_PERF;
    if (kernel_only_blocked(e))
        return;
    if (e->backend == BACKEND_NONE)
        compose_reason(e, mode);
}

/* Column name for a raw event name: lower case, runs of other chars -> '_'. */
static void sanitise_column(const char *name, char *out, size_t len)
{
    size_t j = 0;
    int pending_sep = 0;
    for (const char *p = name; *p && j + 2 < len; p++) {
        if (isalnum((unsigned char)*p)) {
            if (pending_sep && j > 0)
                out[j++] = '_';
            out[j++] = (char)tolower((unsigned char)*p);
            pending_sep = 0;
        } else {
            pending_sep = 1;
        }
    }
    out[j] = '\0';
}

static const group *find_group(const char *name)
{
    for (int g = 0; g < GROUP_COUNT; g++)
        if (strcmp(groups[g].name, name) == 0)
            return &groups[g];
    return NULL;
}

/* The group event that lists papi_name as a candidate, or NULL. */
static const group_event *find_group_event(const char *papi_name)
{
    for (int g = 0; g < GROUP_COUNT; g++)
        for (int i = 0; i < GROUP_EVENTS; i++)
            for (int c = 0; groups[g].events[i].candidates[c]; c++)
                if (strcmp(groups[g].events[i].candidates[c], papi_name) == 0)
                    return &groups[g].events[i];
    return NULL;
}

static void resolve_group_event(const group_event *ge, event *e)
{
    memset(e, 0, sizeof *e);
    say(e->column, sizeof e->column, "%s", ge->column);
    say(e->papi_name, sizeof e->papi_name, "%s", ge->candidates[0]);
    e->flags = ge->flags;
    e->generic = ge->generic ? perfev_find(ge->generic) : NULL;
    resolve_event(e, ge->candidates);
}

static int find_column(const char *column)
{
    for (int i = 0; i < sel.n; i++)
        if (strcmp(sel.ev[i].column, column) == 0)
            return i;
    return -1;
}

static int append_event(const event *e, char *err, size_t errlen)
{
    if (find_column(e->column) >= 0)
        return 0;   /* asked for twice: count once */
    if (sel.n == COUNTERS_MAX_EVENTS) {
        say(err, errlen, "too many counters: at most %d events", COUNTERS_MAX_EVENTS);
        return -1;
    }
    sel.ev[sel.n++] = *e;
    return 0;
}

static int add_group(const group *g, char *err, size_t errlen)
{
    for (int i = 0; i < GROUP_EVENTS; i++) {
        event e;
        resolve_group_event(&g->events[i], &e);
        if (append_event(&e, err, errlen) < 0)
            return -1;
    }
    return 0;
}

static void unknown_counter(const char *name, char *err, size_t errlen)
{
    char why[COUNTERS_REASON_LEN] = "";
    if (papi.state != 0)
        papi_describe_unknown(name, why, sizeof why);
    say(err, errlen,
             "unknown counter '%s': accepted are the groups core, cache, sw, none, the kernel's generic events "
             "(perf::PAGE-FAULTS, perf::CYCLES, ...) or PAPI event names (see `memprobe counters`, papi_avail, "
             "papi_native_avail)%s%s",
             name, why[0] ? "; " : "", why);
}

/* A raw name: a kernel generic event (perf::NAME) counts through PAPI or
 * the kernel like a group event; any other name is PAPI's and needs PAPI. */
static int add_raw_event(const char *name, char *err, size_t errlen)
{
    event e;
    memset(&e, 0, sizeof e);
    say(e.papi_name, sizeof e.papi_name, "%s", name);
    e.generic = strncmp(name, "perf::", 6) == 0 ? perfev_find(name) : NULL;
    const group_event *ge = find_group_event(name);
    if (ge) {
        say(e.column, sizeof e.column, "%s", ge->column);
        e.flags = ge->flags;
    } else {
        sanitise_column(name, e.column, sizeof e.column);
        e.flags = perfev_is_software(e.generic) || strncmp(name, "perf::PERF_COUNT_SW_", 20) == 0 ? EV_SOFTWARE : 0;
    }
    if (e.generic) {
        const char *const names[] = {name, NULL};
        resolve_event(&e, names);
        return append_event(&e, err, errlen);
    }
    if (!papi_ready() || PAPI_event_name_to_code(e.papi_name, &e.code) != PAPI_OK) {
        unknown_counter(name, err, errlen);
        return -1;
    }
    if (current_mode() == MODE_PERF) {
        say(e.reason, sizeof e.reason, "a PAPI event: it needs PAPI, and --counters-backend perf counts only "
                 "the kernel's generic events");
    } else {
        const char *const names[] = {name, NULL};
        resolve_event(&e, names);
        if (e.backend == BACKEND_NONE)
            say(e.reason, sizeof e.reason, "%s", e.papi_why);   /* PAPI's own: the kernel has no such event */
    }
    return append_event(&e, err, errlen);
}

static void trim(char *s)
{
    char *p = s;
    while (isspace((unsigned char)*p))
        p++;
    memmove(s, p, strlen(p) + 1);
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
}

/* Parse spec into sel. */
static int select_events(const char *spec, char *err, size_t errlen)
{
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", spec) >= (int)sizeof buf) {
        say(err, errlen, "--counters list too long (at most %zu characters)", sizeof buf - 1);
        return -1;
    }
    trim(buf);
    if (buf[0] == '\0') {
        say(err, errlen, "empty --counters: give groups (core, cache, sw), none, or event names");
        return -1;
    }
    int tokens = 0, saw_none = 0;
    char *rest = buf;
    for (char *tok; (tok = strsep(&rest, ",")) != NULL;) {
        trim(tok);
        tokens++;
        if (*tok == '\0') {
            say(err, errlen, "empty counter name in '%s': give groups (core, cache, sw), none, or event names",
                     spec);
            return -1;
        }
        const group *g = find_group(tok);
        int rc = 0;
        if (strcmp(tok, "none") == 0)
            saw_none = 1;
        else if (g)
            rc = add_group(g, err, errlen);
        else
            rc = add_raw_event(tok, err, errlen);
        if (rc < 0)
            return -1;
    }
    if (saw_none && tokens > 1) {
        say(err, errlen, "--counters '%s': 'none' cannot be combined with other counters", spec);
        return -1;
    }
    return 0;
}

/* ---------- per-thread counting sets ---------- */

static void report_thread_failure(const char *what, const char *why)
{
    if (!atomic_flag_test_and_set(&thread_failure_reported))
        fprintf(stderr, "counters: %s failed on a thread (%s); its counter cells stay empty\n", what, why);
}

static void thread_release(struct counters_thread *ct)
{
    if (ct->event_set != PAPI_NULL) {
        long long scratch[COUNTERS_MAX_EVENTS];
        if (ct->running)
            PAPI_stop(ct->event_set, scratch);
        PAPI_cleanup_eventset(ct->event_set);
        PAPI_destroy_eventset(&ct->event_set);
    }
    perfev_close(ct->perf);
    free(ct);
}

/* pthread key destructor: the thread is exiting. */
static void thread_exit(void *p)
{
    thread_release(p);
    if (papi.state > 0)
        PAPI_unregister_thread();
}

/* The generic events of the perf-counted selection, in selection order. */
static int perf_events_of_selection(const perfev_event **out)
{
    int n = 0;
    for (int i = 0; i < sel.n; i++)
        if (sel.ev[i].backend == BACKEND_PERF)
            out[n++] = sel.ev[i].generic;
    return n;
}

/* A counting set for the calling thread over the current selection.  NULL
 * when it cannot be built; loud says so once on stderr. */
static struct counters_thread *thread_build(unsigned gen, int loud)
{
    struct counters_thread *ct = calloc(1, sizeof *ct);
    if (!ct)
        return NULL;
    ct->event_set = PAPI_NULL;
    ct->generation = gen;
    int rc = PAPI_OK;
    if (selection_uses(BACKEND_PAPI)) {
        PAPI_register_thread();
        rc = PAPI_create_eventset(&ct->event_set);
        for (int i = 0; i < sel.n && rc == PAPI_OK; i++)
            if (sel.ev[i].backend == BACKEND_PAPI)
                rc = PAPI_add_event(ct->event_set, sel.ev[i].code);
    }
    const perfev_event *generic[COUNTERS_MAX_EVENTS];
    int nperf = perf_events_of_selection(generic);
    if (rc == PAPI_OK && nperf)
        ct->perf = perfev_open(generic, nperf, 0, !kernel_domain());
    if (rc != PAPI_OK || (nperf && !ct->perf)) {
        if (loud)
            report_thread_failure("creating the counting set", rc != PAPI_OK ? PAPI_strerror(rc) : "perf_event_open");
        thread_release(ct);
        return NULL;
    }
    return ct;
}

static int thread_begin(struct counters_thread *ct, int loud)
{
    int rc = ct->event_set != PAPI_NULL ? PAPI_start(ct->event_set) : PAPI_OK;
    if (rc != PAPI_OK) {
        if (loud)
            report_thread_failure("PAPI_start", PAPI_strerror(rc));
        return -1;
    }
    if (perfev_start(ct->perf) != 0) {
        if (ct->event_set != PAPI_NULL) {
            long long scratch[COUNTERS_MAX_EVENTS];
            PAPI_stop(ct->event_set, scratch);
        }
        if (loud)
            report_thread_failure("enabling perf events", "ioctl");
        return -1;
    }
    ct->running = 1;
    return 0;
}

/* Stop ct and write the selection's values into out (NaN where not
 * counted).  Returns the number of values refused (multiplexed or lost). */
static int thread_end(struct counters_thread *ct, double *out, int loud)
{
    long long pv[COUNTERS_MAX_EVENTS] = {0};
    double fv[COUNTERS_MAX_EVENTS];
    nan_fill(fv, COUNTERS_MAX_EVENTS);
    int papi_ok = 1, refused = 0;
    if (ct->event_set != PAPI_NULL) {
        int rc = PAPI_stop(ct->event_set, pv);
        papi_ok = rc == PAPI_OK;
        if (!papi_ok && loud)
            report_thread_failure("PAPI_stop", PAPI_strerror(rc));
    }
    int multiplexed = ct->perf ? perfev_read(ct->perf, 1, fv) : 0;
    ct->running = 0;
    if (multiplexed && loud && !atomic_flag_test_and_set(&multiplex_reported))
        fprintf(stderr, "counters: the kernel multiplexed a perf event on a thread: its value is left empty "
                        "(memprobe never scales)\n");
    for (int i = 0, k = 0, f = 0; i < sel.n; i++) {
        double v = NAN;
        if (sel.ev[i].backend == BACKEND_PAPI)
            v = papi_ok ? (double)pv[k++] : NAN;
        else if (sel.ev[i].backend == BACKEND_PERF)
            v = fv[f++];
        if (sel.ev[i].backend != BACKEND_NONE && isnan(v))
            refused++;
        if (out)
            out[i] = v;
    }
    return refused;
}

/* Count every available event together once: 0 when they fit without
 * multiplexing; else -1 with their names in names. */
static int check_fit(char *names, size_t len)
{
    size_t used = 0;
    int n = 0;
    names[0] = '\0';
    for (int i = 0; i < sel.n; i++) {
        const event *e = &sel.ev[i];
        if (e->backend == BACKEND_NONE)
            continue;
        const char *name = e->backend == BACKEND_PAPI ? e->papi_name : e->generic->perf_name;
        used += (size_t)snprintf(names + used, used < len ? len - used : 0, "%s%s", n++ ? " and " : "", name);
        if (used >= len)
            used = len - 1;
    }
    if (!n)
        return 0;
    struct counters_thread *ct = thread_build(0, 0);
    int fits = ct && thread_begin(ct, 0) == 0 && thread_end(ct, NULL, 0) == 0;
    if (ct)
        thread_release(ct);
    return fits ? 0 : -1;
}

static void drop_group(const char *name, const char *why)
{
    const group *g = find_group(name);
    for (int i = 0; i < GROUP_EVENTS; i++) {
        int k = find_column(g->events[i].column);
        if (k >= 0 && sel.ev[k].backend != BACKEND_NONE) {
            sel.ev[k].backend = BACKEND_NONE;
            sel.ev[k].dropped = 1;
            say(sel.ev[k].reason, sizeof sel.ev[k].reason, "%s", why);
        }
    }
}

static void select_derived(void)
{
    sel.n_derived = 0;
    for (int d = 0; d < DERIVED_ALL; d++) {
        int num = find_column(derived_all[d].numerator);
        int den = find_column(derived_all[d].denominator);
        if (num < 0 || den < 0)
            continue;
        sel.derived[sel.n_derived] = d;
        sel.derived_num[sel.n_derived] = num;
        sel.derived_den[sel.n_derived] = den;
        sel.n_derived++;
    }
}

static void clear_selection(void)
{
    memset(&sel, 0, sizeof sel);
    atomic_fetch_add_explicit(&generation, 1, memory_order_relaxed);
}

/* ---------- public: selection ---------- */

int counters_set_backend(const char *name, char *err, size_t errlen)
{
    if (!name) {
        backend_setting.chosen = 0;
        return 0;
    }
    for (int m = 0; m < 3; m++) {
        if (strcmp(name, mode_names[m]) == 0) {
            backend_setting.chosen = 1;
            backend_setting.mode = m;
            return 0;
        }
    }
    if (err)
        say(err, errlen, "--counters-backend '%s': accepted are papi, perf and auto (PAPI first, then the "
                 "kernel's generic events)", name);
    return -1;
}

const char *counters_backend_name(void)
{
    return mode_names[current_mode()];
}

/* A MEMPROBE_COUNTERS_BACKEND that names no backend is bad input: 0 or -1 with err. */
static int check_backend_env(char *err, size_t errlen)
{
    const char *env = getenv("MEMPROBE_COUNTERS_BACKEND");
    if (backend_setting.chosen || !env || !*env)
        return 0;
    for (int m = 0; m < 3; m++)
        if (strcmp(env, mode_names[m]) == 0)
            return 0;
    say(err, errlen, "MEMPROBE_COUNTERS_BACKEND='%s': accepted are papi, perf and auto", env);
    return -1;
}

int counters_init(const char *spec, char *err, size_t errlen)
{
    char scratch[8];
    if (!err) {
        err = scratch;
        errlen = sizeof scratch;
    }
    err[0] = '\0';
    int is_default = spec == NULL;
    clear_selection();
    if (check_backend_env(err, errlen) < 0)
        return -1;
    quiet_capture q;
    quiet_begin(&q);   /* a PAPI component may print while it looks a name up */
    int rc = select_events(is_default ? default_spec : spec, err, errlen);
    char text[1024];
    quiet_end(&q, text, sizeof text);
    papi_keep_messages(text);
    if (rc < 0) {
        clear_selection();
        return -1;
    }
    char names[512];
    if (check_fit(names, sizeof names) < 0) {
        if (is_default) {
            drop_group("cache", "dropped: it does not fit beside the core group without multiplexing, "
                                "so its cells stay empty; fix: --counters cache,sw (on their own)");
        }
        if (!is_default || check_fit(names, sizeof names) < 0) {
            say(err, errlen, "cannot count %s together without multiplexing; ask for fewer events", names);
            clear_selection();
            return -1;
        }
    }
    select_derived();
    return 0;
}

void counters_shutdown(void)
{
    if (thread_key_ok) {
        struct counters_thread *ct = pthread_getspecific(thread_key);
        if (ct) {
            pthread_setspecific(thread_key, NULL);
            thread_release(ct);
        }
    }
    clear_selection();
}

int counters_event_count(void)
{
    return sel.n;
}

const char *counters_event_column(int i)
{
    return i >= 0 && i < sel.n ? sel.ev[i].column : NULL;
}

const char *counters_event_papi_name(int i)
{
    return i >= 0 && i < sel.n ? sel.ev[i].papi_name : NULL;
}

int counters_event_available(int i)
{
    return i >= 0 && i < sel.n && sel.ev[i].backend != BACKEND_NONE;
}

const char *counters_event_reason(int i)
{
    if (i < 0 || i >= sel.n || sel.ev[i].backend != BACKEND_NONE)
        return NULL;
    return sel.ev[i].reason;
}

const char *counters_event_backend(int i)
{
    return i >= 0 && i < sel.n ? backend_names[sel.ev[i].backend] : NULL;
}

const char *counters_event_generic_name(int i)
{
    return i >= 0 && i < sel.n && sel.ev[i].generic ? sel.ev[i].generic->perf_name : NULL;
}

const char *counters_event_papi_reason(int i)
{
    if (i < 0 || i >= sel.n || sel.ev[i].backend == BACKEND_PAPI || !sel.ev[i].papi_why[0])
        return NULL;
    return sel.ev[i].papi_why;
}

int counters_available_count(void)
{
    int n = 0;
    for (int i = 0; i < sel.n; i++)
        n += sel.ev[i].backend != BACKEND_NONE;
    return n;
}

int counters_hardware_countable(void)
{
    int mode = current_mode();
    if (hardware.probed_mode != mode + 1) {
        event e;
        memset(&e, 0, sizeof e);
        say(e.column, sizeof e.column, "cycles");
        e.generic = perfev_find("CYCLES");
        const char *const names[] = {"PAPI_TOT_CYC", "perf::CYCLES", NULL};
        resolve_event(&e, names);
        hardware.countable = e.backend != BACKEND_NONE;
        hardware.probed_mode = mode + 1;
    }
    return hardware.countable;
}

int counters_papi_started(void)
{
    return papi.state > 0;
}

const char *counters_library_messages(void)
{
    return papi.messages;
}

int counters_derived_count(void)
{
    return sel.n_derived;
}

const char *counters_derived_column(int i)
{
    return i >= 0 && i < sel.n_derived ? derived_all[sel.derived[i]].column : NULL;
}

int counters_derived_known(const char *column)
{
    for (int d = 0; column && d < DERIVED_ALL; d++)
        if (strcmp(derived_all[d].column, column) == 0)
            return 1;
    return 0;
}

int counters_column_known(const char *column)
{
    if (!column || counters_derived_known(column))
        return 1;
    for (int g = 0; g < GROUP_COUNT; g++)
        for (int i = 0; i < GROUP_EVENTS && groups[g].events[i].column; i++)
            if (strcmp(groups[g].events[i].column, column) == 0)
                return 1;
    /* a raw event's column: a sanitised PAPI or perf:: name */
    return (strncmp(column, "papi_", 5) == 0 || strncmp(column, "perf_", 5) == 0) && column[5];
}

/* Append ", name" (or name, when list is empty) to list, as far as it fits. */
static void append_name(char *list, size_t size, const char *name)
{
    size_t n = strlen(list);
    snprintf(list + n, size - n, "%s%s", n ? ", " : "", name);
}

const char *counters_known_columns(void)
{
    static char list[512];   /* the names fit several times over */
    if (!list[0]) {
        for (int g = 0; g < GROUP_COUNT; g++)
            for (int i = 0; i < GROUP_EVENTS && groups[g].events[i].column; i++)
                append_name(list, sizeof list, groups[g].events[i].column);
        for (int d = 0; d < DERIVED_ALL; d++)
            append_name(list, sizeof list, derived_all[d].column);
    }
    return list;
}

double counters_derived_value(int i, const double *event_values)
{
    if (i < 0 || i >= sel.n_derived || !event_values)
        return NAN;
    double num = event_values[sel.derived_num[i]];
    double den = event_values[sel.derived_den[i]];
    if (isnan(num) || isnan(den) || den == 0.0)
        return NAN;
    return derived_all[sel.derived[i]].scale * num / den;
}

/* ---------- public: per-thread counting ---------- */

counters_thread *counters_thread_start(void)
{
    if (counters_available_count() == 0)
        return NULL;
    pthread_once(&thread_key_once, thread_key_create);
    if (!thread_key_ok)
        return NULL;
    unsigned gen = atomic_load_explicit(&generation, memory_order_relaxed);
    struct counters_thread *ct = pthread_getspecific(thread_key);
    if (ct && ct->generation != gen) {
        pthread_setspecific(thread_key, NULL);
        thread_release(ct);
        ct = NULL;
    }
    if (!ct) {
        ct = thread_build(gen, 1);
        if (!ct)
            return NULL;
        pthread_setspecific(thread_key, ct);
    }
    if (ct->running)
        return NULL;   /* already counting on this thread: the outer caller owns it */
    return thread_begin(ct, 1) == 0 ? ct : NULL;
}

void counters_thread_stop(counters_thread *ct, double *out)
{
    if (ct && ct->running)
        thread_end(ct, out, 1);
    else if (out)
        nan_fill(out, sel.n);
}

/* ---------- public: reporting ---------- */

static int selection_has_hardware(void)
{
    for (int i = 0; i < sel.n; i++)
        if (!(sel.ev[i].flags & EV_SOFTWARE))
            return 1;
    return 0;
}

static int available_hardware(void)
{
    int n = 0;
    for (int i = 0; i < sel.n; i++)
        n += sel.ev[i].backend != BACKEND_NONE && !(sel.ev[i].flags & EV_SOFTWARE);
    return n;
}

void counters_warn_unavailable(FILE *out)
{
    if (atomic_flag_test_and_set(&warned))
        return;
    fputs(papi.messages, out);
    int dropped = 0;
    for (int i = 0; i < sel.n; i++) {
        if (sel.ev[i].dropped && !dropped++)
            fprintf(out, "counters: cache group %s\n", sel.ev[i].reason);
        else if (sel.ev[i].backend == BACKEND_NONE && !sel.ev[i].dropped)
            fprintf(out, "counters: %s (%s) unavailable: %s\n", sel.ev[i].column, sel.ev[i].papi_name,
                    sel.ev[i].reason);
    }
    if (selection_has_hardware() && available_hardware() == 0)
        fprintf(out, "counters: no hardware counters: cycles/instructions/cache cells stay empty\n");
}

/* "perf page-faults (kernel generic event); not through PAPI: ..." */
static void print_event(FILE *out, const event *e)
{
    if (e->backend == BACKEND_PAPI) {
        fprintf(out, "  %-18s papi  %s\n", e->column, e->papi_name);
    } else if (e->backend == BACKEND_PERF) {
        fprintf(out, "  %-18s perf  %s (the kernel's generic event)", e->column, e->generic->perf_name);
        if (e->papi_why[0])
            fprintf(out, "; not through PAPI (%s): %s", e->papi_name, e->papi_why);
        else if (current_mode() == MODE_PERF)
            fprintf(out, "; PAPI not asked (--counters-backend perf)");
        fputc('\n', out);
    } else {
        const char *name = current_mode() == MODE_PERF && e->generic ? e->generic->perf_name : e->papi_name;
        fprintf(out, "  %-18s -     %s unavailable: %s\n", e->column, name, e->reason);
    }
}

static void print_papi_line(FILE *out)
{
    if (papi.state == 0) {
        fprintf(out, "PAPI %d.%d.%d (not started: --counters-backend %s)\n", PAPI_VERSION_MAJOR(PAPI_VER_CURRENT),
                PAPI_VERSION_MINOR(PAPI_VER_CURRENT), PAPI_VERSION_REVISION(PAPI_VER_CURRENT), counters_backend_name());
        return;
    }
    if (papi.state < 0) {
        fprintf(out, "%s\n", papi.error);
        return;
    }
    int v = PAPI_get_opt(PAPI_LIB_VERSION, NULL);
    char off[COUNTERS_REASON_LEN];
    fprintf(out, "PAPI %d.%d.%d.%d: %s\n", PAPI_VERSION_MAJOR(v), PAPI_VERSION_MINOR(v), PAPI_VERSION_REVISION(v),
            PAPI_VERSION_INCREMENT(v),
            papi_perf_component_off(off, sizeof off) ? off : "its perf_event component is enabled");
}

static void print_header(FILE *out)
{
    char paranoid[32];
    int p = read_paranoid();
    if (p == 99)
        say(paranoid, sizeof paranoid, "unknown");
    else
        say(paranoid, sizeof paranoid, "%d", p);
    fprintf(out, "backends: --counters-backend %s (auto: PAPI's named events and presets first, the kernel's "
                 "generic perf events where PAPI cannot count)\n",
            counters_backend_name());
    print_papi_line(out);
    const perfev_event *cycles = perfev_find("CYCLES"), *faults = perfev_find("PAGE-FAULTS");
    char why_hw[COUNTERS_REASON_LEN], why_sw[COUNTERS_REASON_LEN];
    int hw = perfev_probe(cycles, !kernel_domain(), why_hw, sizeof why_hw);
    int sw = perfev_probe(faults, !kernel_domain(), why_sw, sizeof why_sw);
    fprintf(out, "kernel perf events: software %s; hardware %s\n", sw ? why_sw : "countable",
            hw ? why_hw : "countable");
    fprintf(out, "hardware counters: %s\n", counters_hardware_countable() ? "usable" : "none usable");
    fprintf(out, "perf_event_paranoid: %s (%s); counting domain: %s; multiplexing: never\n", paranoid,
            geteuid() == 0 ? "running as root" : "not root", kernel_domain() ? "user+kernel" : "user only");
    const char *source = NULL;
    const char *hyp = sysinfo_hypervisor(&source);
    if (strcmp(hyp, "none") != 0)
        fprintf(out, "running under a hypervisor (%s, from %s)\n", hyp, source);
    fputs(papi.messages, out);
}

/* Group event i of group g as this run selected it, else freshly resolved. */
static void shown_event(int g, int i, event *e)
{
    int k = find_column(groups[g].events[i].column);
    if (k >= 0)
        *e = sel.ev[k];   /* e.g. dropped for multiplexing in this run */
    else
        resolve_group_event(&groups[g].events[i], e);
}

static int shown_available(const event *shown, const char *column)
{
    for (int i = 0; i < GROUP_COUNT * GROUP_EVENTS; i++)
        if (strcmp(shown[i].column, column) == 0)
            return shown[i].backend != BACKEND_NONE;
    return 0;
}

static void print_derived(FILE *out, const event *shown)
{
    fprintf(out, "\nderived metrics (filled where both inputs count):\n");
    for (int d = 0; d < DERIVED_ALL; d++) {
        const derived_metric *m = &derived_all[d];
        char formula[96];
        if (m->scale == 1.0)
            say(formula, sizeof formula, "%s / %s", m->numerator, m->denominator);
        else
            say(formula, sizeof formula, "%g * %s / %s", m->scale, m->numerator, m->denominator);
        int ok = shown_available(shown, m->numerator) && shown_available(shown, m->denominator);
        fprintf(out, "  %-18s = %-36s %s\n", m->column, formula, ok ? "available" : "unavailable (an input does not count)");
    }
}

void counters_print(FILE *out)
{
    event shown[GROUP_COUNT * GROUP_EVENTS];
    for (int g = 0; g < GROUP_COUNT; g++)
        for (int i = 0; i < GROUP_EVENTS; i++)
            shown_event(g, i, &shown[g * GROUP_EVENTS + i]);
    print_header(out);
    fprintf(out, "\nper event: column, the backend that counts it (papi, perf, or - for none), and why not the "
                 "other\n");
    for (int g = 0; g < GROUP_COUNT; g++) {
        fprintf(out, "\ngroup %s: %s\n", groups[g].name, groups[g].what);
        for (int i = 0; i < GROUP_EVENTS; i++)
            print_event(out, &shown[g * GROUP_EVENTS + i]);
    }
    int raw = 0;
    for (int i = 0; i < sel.n; i++) {
        if (find_group_event(sel.ev[i].papi_name))
            continue;
        if (!raw++)
            fprintf(out, "\nother events asked for:\n");
        print_event(out, &sel.ev[i]);
    }
    print_derived(out, shown);
    fprintf(out, "\nchoose with --counters GROUP|EVENT,...|none (default: %s) and --counters-backend "
                 "papi|perf|auto\n", default_spec);
}

int counters_touch_pages(long pages, FILE *out)
{
    int k = find_column("page_faults");
    long page = sysconf(_SC_PAGESIZE);
    size_t bytes = (size_t)(pages > 0 ? pages : 1) * (size_t)page;
    char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    madvise(p, bytes, MADV_NOHUGEPAGE);   /* one fault per page, not per huge page */
    double v[COUNTERS_MAX_EVENTS];
    nan_fill(v, COUNTERS_MAX_EVENTS);
    counters_thread *ct = counters_thread_start();
    for (long i = 0; i < pages; i++)
        ((volatile char *)p)[(size_t)i * (size_t)page] = 1;
    counters_thread_stop(ct, v);
    munmap(p, bytes);
    if (k < 0 || !ct || isnan(v[k])) {
        fprintf(out, "page_faults for touching %ld fresh pages: not counted (%s)\n", pages,
                k < 0 ? "page_faults is not selected" : counters_event_reason(k) ? counters_event_reason(k)
                                                                                  : "counting failed");
        return -1;
    }
    fprintf(out, "page_faults for touching %ld fresh pages: %.0f (backend %s)\n", pages, v[k], counters_event_backend(k));
    return 0;
}

/* ---------- public: counting another process (for the Go companion) ---------- */

struct counters_process {
    int event_set;                    /* PAPI_NULL unless some events count through PAPI */
    perfev_set *perf;                 /* the perf-counted events, inherited */
    int via_perf[COUNTERS_MAX_EVENTS];   /* 1: event i counts through perf */
    int perf_events;
};

/* PAPI: an event set on the events' component, inherited, attached to pid. */
static int process_attach_papi(struct counters_process *cp, int pid)
{
    int first = -1;
    for (int i = 0; i < sel.n && first < 0; i++)
        if (sel.ev[i].backend == BACKEND_PAPI)
            first = i;
    if (first < 0)
        return -1;
    int es = PAPI_NULL;
    int rc = PAPI_create_eventset(&es);
    if (rc == PAPI_OK)
        rc = PAPI_assign_eventset_component(es, PAPI_get_event_component(sel.ev[first].code));
    if (rc == PAPI_OK) {
        PAPI_option_t opt;
        memset(&opt, 0, sizeof opt);
        opt.inherit.eventset = es;
        opt.inherit.inherit = PAPI_INHERIT_ALL;
        rc = PAPI_set_opt(PAPI_INHERIT, &opt);
    }
    if (rc == PAPI_OK)
        rc = PAPI_attach(es, (unsigned long)pid);
    for (int i = 0; i < sel.n && rc == PAPI_OK; i++)
        if (sel.ev[i].backend == BACKEND_PAPI)
            rc = PAPI_add_event(es, sel.ev[i].code);
    if (rc == PAPI_OK)
        rc = PAPI_start(es);
    if (rc != PAPI_OK) {
        if (es != PAPI_NULL) {
            PAPI_cleanup_eventset(es);
            PAPI_destroy_eventset(&es);
        }
        return -1;
    }
    cp->event_set = es;
    return 0;
}

/* The kernel's generic events, inherited: the perf-counted events, plus
 * PAPI's where PAPI could not attach (PAPI_attach's permission check needs
 * a hardware event, which a VM without a PMU lacks). */
static int process_attach_perf(struct counters_process *cp, int pid)
{
    const perfev_event *generic[COUNTERS_MAX_EVENTS];
    int n = 0;
    for (int i = 0; i < sel.n; i++) {
        int papi_missing = sel.ev[i].backend == BACKEND_PAPI && cp->event_set == PAPI_NULL;
        cp->via_perf[i] = sel.ev[i].generic && (sel.ev[i].backend == BACKEND_PERF || papi_missing);
        if (cp->via_perf[i])
            generic[n++] = sel.ev[i].generic;
    }
    cp->perf_events = n;
    if (!n)
        return 0;
    cp->perf = perfev_open(generic, n, pid, !kernel_domain());
    return cp->perf && perfev_start(cp->perf) == 0 ? 0 : -1;
}

counters_process *counters_process_attach(int pid)
{
    if (pid <= 0 || counters_available_count() == 0)
        return NULL;
    struct counters_process *cp = calloc(1, sizeof *cp);
    if (!cp)
        return NULL;
    cp->event_set = PAPI_NULL;
    if (selection_uses(BACKEND_PAPI))
        process_attach_papi(cp, pid);
    process_attach_perf(cp, pid);
    if (cp->event_set != PAPI_NULL || cp->perf)
        return cp;
    counters_process_detach(cp);
    return NULL;
}

void counters_process_read(counters_process *cp, double *out)
{
    long long v[COUNTERS_MAX_EVENTS] = {0};
    double fv[COUNTERS_MAX_EVENTS];
    nan_fill(fv, COUNTERS_MAX_EVENTS);
    int papi_ok = cp && cp->event_set != PAPI_NULL && PAPI_read(cp->event_set, v) == PAPI_OK;
    if (cp && cp->perf)
        perfev_read(cp->perf, 0, fv);
    for (int i = 0, k = 0, f = 0; i < sel.n; i++) {
        out[i] = NAN;
        if (cp && cp->via_perf[i])
            out[i] = cp->perf ? fv[f++] : NAN;
        else if (cp && cp->event_set != PAPI_NULL && sel.ev[i].backend == BACKEND_PAPI)
            out[i] = papi_ok ? (double)v[k++] : NAN;
    }
}

void counters_process_detach(counters_process *cp)
{
    if (!cp)
        return;
    if (cp->event_set != PAPI_NULL) {
        long long v[COUNTERS_MAX_EVENTS];
        PAPI_stop(cp->event_set, v);
        PAPI_cleanup_eventset(cp->event_set);
        PAPI_destroy_eventset(&cp->event_set);
    }
    perfev_close(cp->perf);
    free(cp);
}

const char *counters_process_source(const counters_process *cp)
{
    if (!cp)
        return "perf";
    if (cp->event_set != PAPI_NULL)
        return cp->perf_events ? "papi+perf" : "papi";
    return "perf";
}

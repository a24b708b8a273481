/*
 * counters.c — PAPI event selection, probing and per-thread counting.
 *
 * counters_init() turns a --counters spec (groups core/cache/sw, "none", or
 * PAPI event names) into an ordered list of events.  Every event is probed
 * once in a throw-away event set: one that cannot be counted here is kept as
 * a column but marked unavailable, with PAPI's reason and the fix, so its
 * cells stay empty.  The available events must fit into ONE event set: we
 * never multiplex.  Each thread that counts gets its own event set, created
 * lazily on its first counters_thread_start() and destroyed when the thread
 * exits (a pthread key destructor), so pinned worker threads can count too.
 */
#include "memprobe/counters.h"
#include "memprobe/procfs.h"

#include <ctype.h>
#include <math.h>
#include <papi.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COUNTERS_MAX_EVENTS 32
#define COUNTERS_REASON_LEN 320
#define COUNTERS_FIX_PARANOID "sysctl kernel.perf_event_paranoid=1 or run as root"

enum event_flags {
    EV_SOFTWARE = 1,     /* a perf software event: needs no PMU */
    EV_KERNEL_ONLY = 2,  /* happens in kernel mode only (counts 0 in user domain) */
};

/* One column of a group and the PAPI names that may provide it, best first. */
typedef struct group_event {
    const char *column;
    const char *candidates[4];
    int flags;
} group_event;

typedef struct group {
    const char *name;
    const char *what;
    group_event events[3];
} group;

static const group groups[] = {
    {"core", "cycles, instructions, branch misses",
     /* perf:: generic events stand in where PAPI 7.0 has no preset table
      * for the CPU (Neoverse N1/V1/N2, for one) */
     {{"cycles", {"PAPI_TOT_CYC", "perf::CYCLES"}, 0},
      {"instructions", {"PAPI_TOT_INS", "perf::INSTRUCTIONS"}, 0},
      {"branch_misses", {"PAPI_BR_MSP", "perf::BRANCH-MISSES"}, 0}}},
    {"cache", "L1D, L2 and last-level cache misses",
     {{"l1d_misses", {"PAPI_L1_DCM", "perf::L1-DCACHE-LOAD-MISSES"}, 0},
      {"l2_misses", {"PAPI_L2_DCM", "PAPI_L2_TCM", "L2D_CACHE_REFILL"}, 0},
      {"llc_misses", {"PAPI_L3_TCM", "PAPI_L3_DCM", "perf::LLC-LOAD-MISSES"}, 0}}},
    {"sw", "page faults, context switches, CPU migrations (perf software events)",
     {{"page_faults", {"perf::PAGE-FAULTS"}, EV_SOFTWARE},
      {"context_switches", {"perf::CONTEXT-SWITCHES"}, EV_SOFTWARE | EV_KERNEL_ONLY},
      {"cpu_migrations", {"perf::CPU-MIGRATIONS"}, EV_SOFTWARE | EV_KERNEL_ONLY}}},
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
    char papi_name[128];
    int code;
    int flags;
    int available;
    int dropped;         /* countable, but left out so the rest fit without multiplexing */
    char reason[COUNTERS_REASON_LEN];
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

/* PAPI library state: initialised once per process, never shut down (event
 * sets of threads still alive stay valid across counters_init calls). */
static struct {
    int state;               /* 0 untried, 1 ready, -1 failed */
    char error[160];
    int kernel_domain;       /* counting user+kernel (else user only) */
    int hw_probed;
    int hw_countable;        /* the PMU counts cycles */
    pthread_key_t thread_key;
} papi;

static atomic_uint generation = 1;   /* bumped when the selection changes */
static atomic_flag warned = ATOMIC_FLAG_INIT;
static atomic_flag thread_failure_reported = ATOMIC_FLAG_INIT;

struct counters_thread {
    int event_set;
    unsigned generation;
    int running;
};

/* ---------- small helpers ---------- */

static int read_paranoid(void)
{
    long v;
    if (procfs_read_long("/proc/sys/kernel/perf_event_paranoid", &v) != 0)
        return 99;
    return v < -1 || v > 99 ? 99 : (int)v;
}

static int paranoid_blocks(void)
{
    return geteuid() != 0 && read_paranoid() >= 3;
}

static unsigned long thread_id(void)
{
    return (unsigned long)pthread_self();
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
    free(ct);
}

/* pthread key destructor: the thread is exiting. */
static void thread_exit(void *p)
{
    thread_release(p);
    PAPI_unregister_thread();
}

static int papi_ready(void)
{
    if (papi.state)
        return papi.state > 0;
    int rc = PAPI_library_init(PAPI_VER_CURRENT);
    if (rc != PAPI_VER_CURRENT) {
        snprintf(papi.error, sizeof papi.error, "PAPI could not start: %s",
                 rc > 0 ? "library and header versions differ" : PAPI_strerror(rc));
        papi.state = -1;
        return 0;
    }
    rc = PAPI_thread_init(thread_id);
    if (rc != PAPI_OK || pthread_key_create(&papi.thread_key, thread_exit) != 0) {
        snprintf(papi.error, sizeof papi.error, "PAPI thread support failed: %s", PAPI_strerror(rc));
        papi.state = -1;
        return 0;
    }
    /* Context switches and migrations happen in the kernel: count user+kernel
     * when the kernel lets us, else user only (and say so per event). */
    papi.kernel_domain = geteuid() == 0 || read_paranoid() <= 1;
    PAPI_set_domain(papi.kernel_domain ? (PAPI_DOM_USER | PAPI_DOM_KERNEL) : PAPI_DOM_USER);
    papi.state = 1;
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

static int probe_name(const char *name)
{
    int code;
    int rc = PAPI_event_name_to_code(name, &code);
    return rc == PAPI_OK ? probe_code(code) : rc;
}

static int hardware_countable(void)
{
    if (!papi_ready())
        return 0;
    if (!papi.hw_probed) {
        papi.hw_countable = probe_name("PAPI_TOT_CYC") == PAPI_OK || probe_name("perf::CYCLES") == PAPI_OK;
        papi.hw_probed = 1;
    }
    return papi.hw_countable;
}

static int is_virtualized(void)
{
    const PAPI_hw_info_t *hw = PAPI_get_hardware_info();
    return hw && hw->virtualized;
}

/* Why event e (which failed with rc) cannot be counted, and the fix. */
static void describe_unavailable(event *e, int rc)
{
    const char *fix;
    if (rc == PAPI_EPERM || paranoid_blocks())
        fix = "counting is not permitted: " COUNTERS_FIX_PARANOID;
    else if (!(e->flags & EV_SOFTWARE) && !hardware_countable())
        fix = is_virtualized() ? "this VM has no virtual PMU: enable the guest PMU, e.g. KVM -cpu host,pmu=on"
                               : "no usable hardware PMU (see dmesg | grep -i perf)";
    else if (rc == PAPI_ECNFLCT || rc == PAPI_ECOUNT)
        fix = "it conflicts with other events on this PMU: count it on its own";
    else
        fix = "this CPU's PMU does not provide it (see papi_avail, papi_native_avail)";
    snprintf(e->reason, sizeof e->reason, "%s; fix: %s", PAPI_strerror(rc), fix);
}

/* Probe e and set available/reason. */
static void probe_event(event *e)
{
    e->available = 0;
    e->reason[0] = '\0';
    if (!papi_ready()) {
        snprintf(e->reason, sizeof e->reason, "%s", papi.error);
        return;
    }
    int rc = probe_code(e->code);
    if (rc != PAPI_OK) {
        describe_unavailable(e, rc);
        return;
    }
    if ((e->flags & EV_KERNEL_ONLY) && !papi.kernel_domain) {
        snprintf(e->reason, sizeof e->reason,
                 "happens in kernel mode only, and perf_event_paranoid=%d forbids counting the kernel; fix: "
                 COUNTERS_FIX_PARANOID, read_paranoid());
        return;
    }
    e->available = 1;
}

/* Column name for a raw PAPI name: lower case, runs of other chars -> '_'. */
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

static int is_software_name(const char *name)
{
    static const char *const sw[] = {"PAGE-FAULTS", "CONTEXT-SWITCHES", "CPU-MIGRATIONS", "TASK-CLOCK",
                                     "CPU-CLOCK", "MINOR-FAULTS", "MAJOR-FAULTS", "ALIGNMENT-FAULTS",
                                     "EMULATION-FAULTS", "PERF_COUNT_SW_"};
    if (strncmp(name, "perf::", 6) != 0)
        return 0;
    for (size_t i = 0; i < sizeof sw / sizeof sw[0]; i++)
        if (strncmp(name + 6, sw[i], strlen(sw[i])) == 0)
            return 1;
    return 0;
}

/* Fill e for a group event: the first candidate that counts, else the first
 * one PAPI knows (unavailable, with its reason). */
static void resolve_group_event(const group_event *ge, event *e)
{
    memset(e, 0, sizeof *e);
    snprintf(e->column, sizeof e->column, "%s", ge->column);
    e->flags = ge->flags;
    e->code = PAPI_NULL;
    event first_known = {0};
    int have_known = 0;
    for (int c = 0; ge->candidates[c]; c++) {
        event cand = *e;
        snprintf(cand.papi_name, sizeof cand.papi_name, "%s", ge->candidates[c]);
        if (!papi_ready() || PAPI_event_name_to_code(cand.papi_name, &cand.code) != PAPI_OK)
            continue;
        probe_event(&cand);
        if (cand.available) {
            *e = cand;
            return;
        }
        if (!have_known) {
            first_known = cand;
            have_known = 1;
        }
    }
    if (have_known) {
        *e = first_known;
        return;
    }
    snprintf(e->papi_name, sizeof e->papi_name, "%s", ge->candidates[0]);
    snprintf(e->reason, sizeof e->reason, "%s",
             papi_ready() ? "PAPI does not know this event on this system" : papi.error);
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
        snprintf(err, errlen, "too many counters: at most %d events", COUNTERS_MAX_EVENTS);
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
    snprintf(err, errlen,
             "unknown counter '%s': accepted are the groups core, cache, sw, none, or PAPI event names "
             "(see `memprobe counters`, papi_avail, papi_native_avail)%s%s",
             name, papi.state < 0 ? "; " : "", papi.state < 0 ? papi.error : "");
}

static int add_raw_event(const char *name, char *err, size_t errlen)
{
    event e;
    memset(&e, 0, sizeof e);
    snprintf(e.papi_name, sizeof e.papi_name, "%s", name);
    if (!papi_ready() || PAPI_event_name_to_code(e.papi_name, &e.code) != PAPI_OK) {
        unknown_counter(name, err, errlen);
        return -1;
    }
    const group_event *ge = find_group_event(name);
    if (ge) {
        snprintf(e.column, sizeof e.column, "%s", ge->column);
        e.flags = ge->flags;
    } else {
        sanitise_column(name, e.column, sizeof e.column);
        e.flags = is_software_name(name) ? EV_SOFTWARE : 0;
    }
    probe_event(&e);
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
        snprintf(err, errlen, "--counters list too long (at most %zu characters)", sizeof buf - 1);
        return -1;
    }
    trim(buf);
    if (buf[0] == '\0') {
        snprintf(err, errlen, "empty --counters: give groups (core, cache, sw), none, or PAPI event names");
        return -1;
    }
    int tokens = 0, saw_none = 0;
    char *rest = buf;
    for (char *tok; (tok = strsep(&rest, ",")) != NULL;) {
        trim(tok);
        tokens++;
        if (*tok == '\0') {
            snprintf(err, errlen, "empty counter name in '%s': give groups (core, cache, sw), none, or PAPI event names", spec);
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
        snprintf(err, errlen, "--counters '%s': 'none' cannot be combined with other counters", spec);
        return -1;
    }
    return 0;
}

/* Add every available event to one event set and start it.  0 when they fit;
 * else -1 with the events named in names. */
static int check_fit(char *names, size_t len)
{
    int es = PAPI_NULL;
    int rc = PAPI_create_eventset(&es);
    int added = 0;
    size_t used = 0;
    names[0] = '\0';
    for (int i = 0; i < sel.n && rc == PAPI_OK; i++) {
        if (!sel.ev[i].available)
            continue;
        used += (size_t)snprintf(names + used, used < len ? len - used : 0, "%s%s",
                                 added ? " and " : "", sel.ev[i].papi_name);
        if (used >= len)
            used = len - 1;
        rc = PAPI_add_event(es, sel.ev[i].code);
        added++;
    }
    if (rc == PAPI_OK && added) {
        rc = PAPI_start(es);
        if (rc == PAPI_OK) {
            long long v[COUNTERS_MAX_EVENTS];
            rc = PAPI_stop(es, v);
        }
    }
    if (es != PAPI_NULL) {
        PAPI_cleanup_eventset(es);
        PAPI_destroy_eventset(&es);
    }
    return rc == PAPI_OK ? 0 : -1;
}

static void drop_group(const char *name, const char *why)
{
    const group *g = find_group(name);
    for (int i = 0; i < GROUP_EVENTS; i++) {
        int k = find_column(g->events[i].column);
        if (k >= 0 && sel.ev[k].available) {
            sel.ev[k].available = 0;
            sel.ev[k].dropped = 1;
            snprintf(sel.ev[k].reason, sizeof sel.ev[k].reason, "%s", why);
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
    if (select_events(is_default ? default_spec : spec, err, errlen) < 0) {
        clear_selection();
        return -1;
    }
    char names[512];
    if (papi.state > 0 && check_fit(names, sizeof names) < 0) {
        if (is_default) {
            drop_group("cache", "dropped: it does not fit beside the core group without multiplexing, "
                                "so its cells stay empty; fix: --counters cache,sw (on their own)");
        }
        if (!is_default || check_fit(names, sizeof names) < 0) {
            snprintf(err, errlen, "cannot count %s together without multiplexing; ask for fewer events", names);
            clear_selection();
            return -1;
        }
    }
    select_derived();
    return 0;
}

void counters_shutdown(void)
{
    if (papi.state > 0) {
        struct counters_thread *ct = pthread_getspecific(papi.thread_key);
        if (ct) {
            pthread_setspecific(papi.thread_key, NULL);
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
    return i >= 0 && i < sel.n && sel.ev[i].available;
}

const char *counters_event_reason(int i)
{
    if (i < 0 || i >= sel.n || sel.ev[i].available)
        return NULL;
    return sel.ev[i].reason;
}

int counters_available_count(void)
{
    int n = 0;
    for (int i = 0; i < sel.n; i++)
        n += sel.ev[i].available;
    return n;
}

int counters_hardware_countable(void)
{
    return hardware_countable();
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

static void report_thread_failure(const char *what, int rc)
{
    if (!atomic_flag_test_and_set(&thread_failure_reported))
        fprintf(stderr, "counters: %s failed on a thread (%s); its counter cells stay empty\n", what,
                PAPI_strerror(rc));
}

static struct counters_thread *thread_create(unsigned gen)
{
    struct counters_thread *ct = calloc(1, sizeof *ct);
    if (!ct)
        return NULL;
    ct->event_set = PAPI_NULL;
    ct->generation = gen;
    PAPI_register_thread();
    int rc = PAPI_create_eventset(&ct->event_set);
    for (int i = 0; i < sel.n && rc == PAPI_OK; i++)
        if (sel.ev[i].available)
            rc = PAPI_add_event(ct->event_set, sel.ev[i].code);
    if (rc != PAPI_OK) {
        report_thread_failure("creating the event set", rc);
        thread_release(ct);
        return NULL;
    }
    return ct;
}

counters_thread *counters_thread_start(void)
{
    if (papi.state <= 0 || counters_available_count() == 0)
        return NULL;
    unsigned gen = atomic_load_explicit(&generation, memory_order_relaxed);
    struct counters_thread *ct = pthread_getspecific(papi.thread_key);
    if (ct && ct->generation != gen) {
        pthread_setspecific(papi.thread_key, NULL);
        thread_release(ct);
        ct = NULL;
    }
    if (!ct) {
        ct = thread_create(gen);
        if (!ct)
            return NULL;
        pthread_setspecific(papi.thread_key, ct);
    }
    if (ct->running)
        return NULL;   /* already counting on this thread: the outer caller owns it */
    int rc = PAPI_start(ct->event_set);
    if (rc != PAPI_OK) {
        report_thread_failure("PAPI_start", rc);
        return NULL;
    }
    ct->running = 1;
    return ct;
}

void counters_thread_stop(counters_thread *ct, double *out)
{
    long long v[COUNTERS_MAX_EVENTS];
    int ok = 0;
    if (ct && ct->running) {
        int rc = PAPI_stop(ct->event_set, v);
        ct->running = 0;
        ok = rc == PAPI_OK;
        if (!ok)
            report_thread_failure("PAPI_stop", rc);
    }
    if (!out)
        return;
    for (int i = 0, k = 0; i < sel.n; i++) {
        if (ok && sel.ev[i].available)
            out[i] = (double)v[k++];
        else
            out[i] = NAN;
    }
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
        n += sel.ev[i].available && !(sel.ev[i].flags & EV_SOFTWARE);
    return n;
}

void counters_warn_unavailable(FILE *out)
{
    if (atomic_flag_test_and_set(&warned))
        return;
    int dropped = 0;
    for (int i = 0; i < sel.n; i++) {
        if (sel.ev[i].dropped && !dropped++)
            fprintf(out, "counters: cache group %s\n", sel.ev[i].reason);
        else if (!sel.ev[i].available && !sel.ev[i].dropped)
            fprintf(out, "counters: %s (%s) unavailable: %s\n", sel.ev[i].column, sel.ev[i].papi_name,
                    sel.ev[i].reason);
    }
    if (selection_has_hardware() && available_hardware() == 0)
        fprintf(out, "counters: no hardware counters: cycles/instructions/cache cells stay empty\n");
}

static void print_event(FILE *out, const event *e)
{
    if (e->available)
        fprintf(out, "  %-18s %-24s available\n", e->column, e->papi_name);
    else
        fprintf(out, "  %-18s %-24s unavailable: %s\n", e->column, e->papi_name, e->reason);
}

static void print_header(FILE *out)
{
    char paranoid[32];
    int p = read_paranoid();
    if (p == 99)
        snprintf(paranoid, sizeof paranoid, "unknown");
    else
        snprintf(paranoid, sizeof paranoid, "%d", p);
    if (!papi_ready()) {
        fprintf(out, "%s\nperf_event_paranoid: %s\n", papi.error, paranoid);
        return;
    }
    int v = PAPI_get_opt(PAPI_LIB_VERSION, NULL);
    const PAPI_hw_info_t *hw = PAPI_get_hardware_info();
    fprintf(out, "PAPI %d.%d.%d.%d; hardware counters reported by the PMU: %d (%s)\n", PAPI_VERSION_MAJOR(v),
            PAPI_VERSION_MINOR(v), PAPI_VERSION_REVISION(v), PAPI_VERSION_INCREMENT(v), PAPI_num_cmp_hwctrs(0),
            hardware_countable() ? "usable" : "none usable");
    fprintf(out, "perf_event_paranoid: %s (%s); counting domain: %s; multiplexing: never\n", paranoid,
            geteuid() == 0 ? "running as root" : "not root", papi.kernel_domain ? "user+kernel" : "user only");
    if (hw && hw->virtualized)
        fprintf(out, "running under a hypervisor (%s)\n", hw->virtual_vendor_string);
}

/* Group event i of group g as this run selected it, else freshly probed. */
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
            return shown[i].available;
    return 0;
}

static void print_derived(FILE *out, const event *shown)
{
    fprintf(out, "\nderived metrics (filled where both inputs count):\n");
    for (int d = 0; d < DERIVED_ALL; d++) {
        const derived_metric *m = &derived_all[d];
        char formula[96];
        if (m->scale == 1.0)
            snprintf(formula, sizeof formula, "%s / %s", m->numerator, m->denominator);
        else
            snprintf(formula, sizeof formula, "%g * %s / %s", m->scale, m->numerator, m->denominator);
        int ok = shown_available(shown, m->numerator) && shown_available(shown, m->denominator);
        fprintf(out, "  %-18s = %-36s %s\n", m->column, formula, ok ? "available" : "unavailable (an input does not count)");
    }
}

void counters_print(FILE *out)
{
    event shown[GROUP_COUNT * GROUP_EVENTS];
    print_header(out);
    for (int g = 0; g < GROUP_COUNT; g++) {
        fprintf(out, "\ngroup %s: %s\n", groups[g].name, groups[g].what);
        for (int i = 0; i < GROUP_EVENTS; i++) {
            event *e = &shown[g * GROUP_EVENTS + i];
            shown_event(g, i, e);
            print_event(out, e);
        }
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
    fprintf(out, "\nchoose with --counters GROUP|EVENT,...|none (default: %s)\n", default_spec);
}

/* ---------- public: counting another process (for the Go companion) ---------- */

#include <linux/perf_event.h>
#include <sys/syscall.h>

struct counters_process {
    int event_set;                    /* PAPI_NULL unless counting through PAPI */
    int fds[COUNTERS_MAX_EVENTS];     /* perf fallback: one fd per event, -1 if not counted */
};

/* PAPI: an event set on the events' component, inherited, attached to pid. */
static int process_attach_papi(struct counters_process *cp, int pid)
{
    int first = -1;
    for (int i = 0; i < sel.n && first < 0; i++)
        if (sel.ev[i].available)
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
        if (sel.ev[i].available)
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

/* The perf software event behind a PAPI name, or -1. */
static long long process_sw_config(const char *papi_name)
{
    static const struct {
        const char *name;
        long long config;
    } sw[] = {{"perf::PAGE-FAULTS", PERF_COUNT_SW_PAGE_FAULTS},
              {"perf::CONTEXT-SWITCHES", PERF_COUNT_SW_CONTEXT_SWITCHES},
              {"perf::CPU-MIGRATIONS", PERF_COUNT_SW_CPU_MIGRATIONS}};
    for (size_t i = 0; i < sizeof sw / sizeof sw[0]; i++)
        if (strcmp(sw[i].name, papi_name) == 0)
            return sw[i].config;
    return -1;
}

/* perf_event_open fallback: the selection's software events, inherited. */
static int process_attach_perf(struct counters_process *cp, int pid)
{
    int opened = 0;
    for (int i = 0; i < sel.n; i++) {
        long long config = sel.ev[i].available ? process_sw_config(sel.ev[i].papi_name) : -1;
        if (config < 0)
            continue;
        struct perf_event_attr attr;
        memset(&attr, 0, sizeof attr);
        attr.size = sizeof attr;
        attr.type = PERF_TYPE_SOFTWARE;
        attr.config = (unsigned long long)config;
        attr.inherit = 1;
        attr.exclude_kernel = !papi.kernel_domain;
        attr.exclude_hv = 1;
        cp->fds[i] = (int)syscall(SYS_perf_event_open, &attr, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
        opened += cp->fds[i] >= 0;
    }
    return opened ? 0 : -1;
}

counters_process *counters_process_attach(int pid)
{
    if (pid <= 0 || papi.state <= 0 || counters_available_count() == 0)
        return NULL;
    struct counters_process *cp = malloc(sizeof *cp);
    if (!cp)
        return NULL;
    cp->event_set = PAPI_NULL;
    for (int i = 0; i < COUNTERS_MAX_EVENTS; i++)
        cp->fds[i] = -1;
    if (process_attach_papi(cp, pid) == 0 || process_attach_perf(cp, pid) == 0)
        return cp;
    free(cp);
    return NULL;
}

void counters_process_read(counters_process *cp, double *out)
{
    long long v[COUNTERS_MAX_EVENTS];
    int papi_ok = cp && cp->event_set != PAPI_NULL && PAPI_read(cp->event_set, v) == PAPI_OK;
    for (int i = 0, k = 0; i < sel.n; i++) {
        out[i] = NAN;
        if (papi_ok && sel.ev[i].available)
            out[i] = (double)v[k++];
        unsigned long long count;
        if (cp && cp->event_set == PAPI_NULL && cp->fds[i] >= 0 &&
            read(cp->fds[i], &count, sizeof count) == (ssize_t)sizeof count)
            out[i] = (double)count;
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
    for (int i = 0; i < COUNTERS_MAX_EVENTS; i++)
        if (cp->fds[i] >= 0)
            close(cp->fds[i]);
    free(cp);
}

const char *counters_process_source(const counters_process *cp)
{
    return cp && cp->event_set != PAPI_NULL ? "papi" : "perf";
}

/*
 * pin.c — pin threads to CPUs (hwloc), and run groups of pinned threads.
 *
 * pin_self binds the calling thread to one PU and checks with sched_getcpu()
 * that it really runs there.  A pin_group starts N threads that each pin
 * themselves and then wait at a start gate: only when every thread is pinned
 * does any of them run its function, otherwise all are released without
 * running and the start fails.  Joining is bounded: on timeout the group's
 * abandon flag is raised (threads poll it in their spin loops, see
 * pin_barrier_wait), a grace period follows, and a thread that still has not
 * finished is detached and named in the error.  The group's shared state is
 * reference counted so a detached thread never touches freed memory.
 */
#include "memprobe/pin.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PIN_VERIFY_TRIES 100        /* sched_yield retries before a pin is declared failed */
#define PIN_GRACE_S 1.0             /* after abandon, how long threads get to finish */
#define PIN_START_LIMIT_S 30.0      /* a thread that cannot even report its pin is broken */

/* ------------------------------------------------------------------ */
/* Pinning one thread                                                  */

int pin_self(const topo *t, int cpu, char *err, size_t errlen)
{
    if (!topo_cpu_allowed(t, cpu)) {
        char ok[256];
        topo_format_cpulist(topo_allowed(t), ok, sizeof ok);
        snprintf(err, errlen, "cannot pin to CPU %d: it is not available to this process; allowed: %s", cpu, ok);
        return -1;
    }
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    if (!set) {
        snprintf(err, errlen, "cannot pin to CPU %d: out of memory", cpu);
        return -1;
    }
    hwloc_bitmap_only(set, (unsigned)cpu);
    int rc = hwloc_set_cpubind(topo_hwloc(t), set, HWLOC_CPUBIND_THREAD);
    int saved = errno;
    hwloc_bitmap_free(set);
    if (rc < 0) {
        snprintf(err, errlen, "cannot pin to CPU %d: hwloc_set_cpubind: %s", cpu, strerror(saved));
        return -1;
    }
    int now = sched_getcpu();
    for (int i = 0; now != cpu && i < PIN_VERIFY_TRIES; i++) {
        sched_yield();
        now = sched_getcpu();
    }
    if (now != cpu) {
        snprintf(err, errlen, "cannot pin to CPU %d: bound to it, but still running on CPU %d", cpu, now);
        return -1;
    }
    return 0;
}

int pin_self_unpin(const topo *t)
{
    return hwloc_set_cpubind(topo_hwloc(t), topo_allowed(t), HWLOC_CPUBIND_THREAD);
}

/* ------------------------------------------------------------------ */
/* Spin barrier                                                        */

void pin_barrier_init(pin_barrier *b, int n)
{
    atomic_init(&b->count, n);
    atomic_init(&b->sense, 0);
    b->n = n;
}

/* Sense reversal: each episode flips b->sense once.  A thread reads the sense
 * of the episode it joins before announcing its arrival (the flip needs its
 * own arrival, so the value read is the current one); the last to arrive
 * re-arms the count and then publishes the flip with release order, which
 * the waiters acquire, so the re-armed count and every write made before the
 * barrier are visible to everyone after it. */
int pin_barrier_wait(pin_barrier *b, const _Atomic int *abandon)
{
    if (!abandon)
        abandon = pin_current_abandon_flag();
    int sense = atomic_load_explicit(&b->sense, memory_order_acquire);
    if (atomic_fetch_sub_explicit(&b->count, 1, memory_order_acq_rel) == 1) {
        atomic_store_explicit(&b->count, b->n, memory_order_relaxed);
        atomic_store_explicit(&b->sense, !sense, memory_order_release);
        return 0;
    }
    while (atomic_load_explicit(&b->sense, memory_order_acquire) == sense) {
        if (abandon && atomic_load_explicit(abandon, memory_order_acquire))
            return -1;
        pin_cpu_relax();
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Thread groups                                                       */

enum pin_state { PIN_STARTING, PIN_PINNED, PIN_FAILED };
enum pin_gate { PIN_GATE_WAIT, PIN_GATE_GO, PIN_GATE_CANCEL };

typedef struct pin_shared pin_shared;

typedef struct pin_thread {
    pin_shared *shared;
    int index, cpu;
    void *arg;
    pthread_t thread;
    int created, joined;
    int late;                      /* not finished when the join timed out */
    enum pin_state state;          /* guarded by shared->lock */
    char err[256];                 /* pin error, written before state = FAILED */
} pin_thread;

/* Everything the threads touch; freed by whoever drops the last reference. */
struct pin_shared {
    _Atomic int refs;
    _Atomic int abandon;
    const topo *topo;
    pin_thread_fn fn;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    enum pin_gate gate;            /* guarded by lock */
    int n;
    pin_thread threads[];
};

struct pin_group {
    pin_shared *shared;
};

static _Thread_local const _Atomic int *pin_tls_abandon;

const _Atomic int *pin_current_abandon_flag(void) { return pin_tls_abandon; }

static void pin_shared_release(pin_shared *s)
{
    if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
        return;
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->changed);
    free(s);
}

/* Report this thread's pin result and wait for the start decision. */
static enum pin_gate pin_thread_report(pin_thread *th, enum pin_state state)
{
    pin_shared *s = th->shared;
    pthread_mutex_lock(&s->lock);
    th->state = state;
    pthread_cond_broadcast(&s->changed);
    while (s->gate == PIN_GATE_WAIT)
        pthread_cond_wait(&s->changed, &s->lock);
    enum pin_gate gate = s->gate;
    pthread_mutex_unlock(&s->lock);
    return gate;
}

static void *pin_thread_main(void *p)
{
    pin_thread *th = p;
    pin_shared *s = th->shared;
    pin_tls_abandon = &s->abandon;
    int pinned = pin_self(s->topo, th->cpu, th->err, sizeof th->err) == 0;
    if (pin_thread_report(th, pinned ? PIN_PINNED : PIN_FAILED) == PIN_GATE_GO)
        s->fn(th->arg, th->index);
    pin_tls_abandon = NULL;
    pin_shared_release(s);
    return NULL;
}

static struct timespec pin_deadline(double seconds)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (seconds < 0)
        seconds = 0;
    time_t whole = (time_t)seconds;
    long nsec = ts.tv_nsec + (long)((seconds - (double)whole) * 1e9);
    ts.tv_sec += whole + nsec / 1000000000L;
    ts.tv_nsec = nsec % 1000000000L;
    return ts;
}

/* Wait until every created thread has reported its pin; the first failure
 * (or a thread that never reports) is written into err.  0 when all pinned. */
static int pin_wait_pinned(pin_shared *s, int created, char *err, size_t errlen)
{
    struct timespec limit = pin_deadline(PIN_START_LIMIT_S);
    int rc = 0;
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < created && rc == 0; i++) {
        pin_thread *th = &s->threads[i];
        while (th->state == PIN_STARTING)
            if (pthread_cond_timedwait(&s->changed, &s->lock, &limit) == ETIMEDOUT)
                break;
        if (th->state == PIN_FAILED)
            snprintf(err, errlen, "thread %d: %s", i, th->err);
        else if (th->state == PIN_STARTING)
            snprintf(err, errlen, "thread %d (CPU %d) did not start within %.0f s", i, th->cpu, PIN_START_LIMIT_S);
        rc = th->state == PIN_PINNED ? 0 : -1;
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static void pin_open_gate(pin_shared *s, enum pin_gate gate)
{
    pthread_mutex_lock(&s->lock);
    s->gate = gate;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
}

static pin_shared *pin_shared_new(const topo *t, int n, const int *cpus, pin_thread_fn fn, void *const *args)
{
    pin_shared *s = calloc(1, sizeof *s + (size_t)n * sizeof s->threads[0]);
    if (!s)
        return NULL;
    atomic_init(&s->refs, 1);
    atomic_init(&s->abandon, 0);
    s->topo = t;
    s->fn = fn;
    s->n = n;
    s->gate = PIN_GATE_WAIT;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->changed, NULL);
    for (int i = 0; i < n; i++) {
        pin_thread *th = &s->threads[i];
        th->shared = s;
        th->index = i;
        th->cpu = cpus[i];
        th->arg = args ? args[i] : NULL;
        th->state = PIN_STARTING;
    }
    return s;
}

/* Create the threads; returns how many were created (n on success). */
static int pin_create_threads(pin_shared *s, char *err, size_t errlen)
{
    for (int i = 0; i < s->n; i++) {
        pin_thread *th = &s->threads[i];
        atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
        int rc = pthread_create(&th->thread, NULL, pin_thread_main, th);
        if (rc != 0) {
            atomic_fetch_sub_explicit(&s->refs, 1, memory_order_relaxed);
            snprintf(err, errlen, "thread %d (CPU %d): pthread_create: %s", i, th->cpu, strerror(rc));
            return i;
        }
        th->created = 1;
    }
    return s->n;
}

pin_group *pin_group_start(const topo *t, int n, const int *cpus,
                           pin_thread_fn fn, void *const *args,
                           char *err, size_t errlen)
{
    if (n <= 0 || !cpus || !fn) {
        snprintf(err, errlen, "pin_group_start: need at least one thread, its CPU and a function");
        return NULL;
    }
    pin_group *g = calloc(1, sizeof *g);
    pin_shared *s = g ? pin_shared_new(t, n, cpus, fn, args) : NULL;
    if (!s) {
        free(g);
        snprintf(err, errlen, "pin_group_start: out of memory");
        return NULL;
    }
    g->shared = s;
    int created = pin_create_threads(s, err, errlen);
    if (created == n && pin_wait_pinned(s, created, err, errlen) == 0) {
        pin_open_gate(s, PIN_GATE_GO);
        return g;
    }
    /* Release every thread without running fn; they only finish reporting. */
    atomic_store_explicit(&s->abandon, 1, memory_order_release);
    pin_open_gate(s, PIN_GATE_CANCEL);
    char ignored[16];
    pin_group_join(g, PIN_GRACE_S, ignored, sizeof ignored);
    pin_group_free(g);
    return NULL;
}

/* Join threads until deadline; returns how many are still unjoined. */
static int pin_join_until(pin_shared *s, const struct timespec *deadline)
{
    int left = 0;
    for (int i = 0; i < s->n; i++) {
        pin_thread *th = &s->threads[i];
        if (!th->created || th->joined)
            continue;
        if (pthread_timedjoin_np(th->thread, NULL, deadline) == 0)
            th->joined = 1;
        else
            left++;
    }
    return left;
}

/* Name the threads that did not finish in time; detach those still running. */
static void pin_report_late(pin_shared *s, double timeout_s, char *err, size_t errlen)
{
    size_t len = (size_t)snprintf(err, errlen, "timed out after %.3g s waiting for", timeout_s);
    const char *sep = "";
    for (int i = 0; i < s->n; i++) {
        pin_thread *th = &s->threads[i];
        int late = th->created && (!th->joined || th->late);
        if (!late)
            continue;
        const char *fate = th->joined ? "stopped after the abandon flag" : "still running after the grace period, detached";
        if (len < errlen)
            len += (size_t)snprintf(err + len, errlen - len, "%s thread %d (CPU %d, %s)", sep, i, th->cpu, fate);
        sep = ";";
        if (!th->joined) {
            pthread_detach(th->thread);
            th->joined = 1;
        }
    }
}

int pin_group_join(pin_group *g, double timeout_s, char *err, size_t errlen)
{
    pin_shared *s = g->shared;
    struct timespec deadline = pin_deadline(timeout_s);
    if (pin_join_until(s, &deadline) == 0)
        return 0;
    for (int i = 0; i < s->n; i++)
        s->threads[i].late = s->threads[i].created && !s->threads[i].joined;
    atomic_store_explicit(&s->abandon, 1, memory_order_release);
    struct timespec grace = pin_deadline(PIN_GRACE_S);
    pin_join_until(s, &grace);
    pin_report_late(s, timeout_s, err, errlen);
    return -1;
}

const _Atomic int *pin_group_abandon_flag(const pin_group *g) { return &g->shared->abandon; }

int pin_group_abandoned(const pin_group *g)
{
    return atomic_load_explicit(&g->shared->abandon, memory_order_acquire);
}

void pin_group_free(pin_group *g)
{
    if (!g)
        return;
    char ignored[16];
    pin_shared *s = g->shared;
    for (int i = 0; i < s->n; i++)
        if (s->threads[i].created && !s->threads[i].joined) {
            /* Freed without a join: the caller has given up on the threads. */
            atomic_store_explicit(&s->abandon, 1, memory_order_release);
            pin_group_join(g, 0, ignored, sizeof ignored);
            break;
        }
    pin_shared_release(s);
    free(g);
}

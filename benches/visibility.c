/*
 * visibility.c — how long until another core sees a write, and what each way
 * of publishing data between two threads costs.
 *
 * store_to_load: a writer pinned to one CPU stores a sequence number at
 *   irregular intervals (a random 0.2-2 us pause, so the reader cannot fall
 *   into step with it); a reader pinned to the other CPU spins until it sees
 *   the new value.  Each side takes a timestamp with clock_ticks() (writer:
 *   just before the store; reader: just after seeing it) and the difference
 *   is the store-to-observation latency.  This needs one timebase on both
 *   cores: on x86 the invariant TSC (cpuid 0x80000007 EDX bit 8), which Linux
 *   keeps synchronised across cores (the tag timebase says "tsc", or
 *   "tsc-not-invariant" when the CPU does not promise it); on aarch64 the
 *   architectural system counter cntvct_el0, common to all cores but often
 *   ticking at only 25-100 MHz (then the numbers are coarse); elsewhere
 *   CLOCK_MONOTONIC_RAW.  Any offset between the two cores' counters would go
 *   straight into a one-way difference, so each pair is measured in both
 *   directions (A writes, B sees; B writes, A sees): the mean of the two
 *   medians is the latency (the offset cancels), half their difference the
 *   estimated offset (clock_offset_ns; a warning when it exceeds 10 % of the
 *   latency), and the distribution pools both directions' samples, each
 *   corrected by that offset.  The answer to "a write stays invisible until
 *   the cache is flushed to RAM": median, p99 and max of this latency.
 *
 * handoff/<mechanism>: two pinned threads hand messages to each other through
 *   flag_only      a sequence number and nothing else: the sender stores it
 *                  (release), the receiver spins until it sees it (acquire);
 *                  no payload, no ack, so one handoff is one cache-line
 *                  transfer, as in c2c/load_store (ping-pong only)
 *   relaxed        a flag with relaxed loads and stores (no happens-before)
 *   release_acquire, seq_cst   the same flag with those orders
 *   mutex          a slot guarded by a pthread mutex, polled
 *   mutex_condvar  a slot guarded by a mutex, waited for on a condition variable
 *   channel_0, _1, _64     a bounded channel (mutex + two condition
 *                  variables) of capacity 0 (rendezvous), 1 and 64: the shape
 *                  of a Go channel
 *   pipe, eventfd, futex   the kernel's ways (futex: wait/wake on a word)
 *   Every message carries a 64-byte payload derived from its sequence number,
 *   written before the synchronisation (plain stores for every mechanism that
 *   creates happens-before; relaxed atomic stores for the relaxed flag, whose
 *   reads would otherwise be a data race) and checked by the receiver.
 *   stale_payloads counts the payloads that did not match: it must be 0 for
 *   every happens-before mechanism (a run that sees one fails); for the
 *   relaxed flag it is counted honestly (0 is expected on x86, whose stores
 *   and loads are not reordered with each other; ARM or POWER may show some).
 *   Compiler reordering is blocked with signal fences, so what is seen is the
 *   hardware's.  Reported: the one-handoff latency (half a ping-pong round
 *   trip, each round trip timed: median, p99, max; manual time = median) and
 *   handoffs_per_s, one thread streaming to the other for half the budget.
 *   A flag handoff (relaxed, release_acquire, seq_cst) is more than one line
 *   transfer: the sender writes the 64-byte payload, waits until the
 *   receiver's ack of the previous message reaches it, stores the flag; the
 *   receiver sees the flag, reads and checks the payload (fetching its line)
 *   and stores its ack: about three line transfers.  over_flag_only_ns (in
 *   finish(), from flag_only's row of the same pair and repetition) is what
 *   each mechanism adds to a bare one-line handoff.
 *
 * visibility.csv: per mechanism and pair, the latency distribution at fixed
 * quantiles (for the CDF plot).
 */
#include "memprobe/bench.h"
#include "memprobe/cbench.h"
#include "memprobe/clock.h"
#include "memprobe/output.h"
#include "memprobe/pairs.h"
#include "memprobe/pin.h"
#include "memprobe/rng.h"
#include "memprobe/rows.h"
#include "memprobe/stats.h"
#include "memprobe/topo.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

/* ThreadSanitizer builds: see vis_pipe_send. */
#if defined(__SANITIZE_THREAD__)
#define VIS_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define VIS_TSAN 1
#endif
#endif
#ifdef VIS_TSAN
#include <sanitizer/tsan_interface.h>
#define vis_tsan_acquire(p) __tsan_acquire(p)
#define vis_tsan_release(p) __tsan_release(p)
#else
#define vis_tsan_acquire(p) ((void)(p))
#define vis_tsan_release(p) ((void)(p))
#endif

#define VIS_STOP UINT64_MAX              /* message: no more messages */
#define VIS_WAIT_NS 50000000L            /* blocking waits look at the abandon flag this often */
#define VIS_PAYLOAD_WORDS 8              /* 64 bytes */
#define VIS_MAX_SAMPLES (1u << 18)
#define VIS_STREAM_CHECK 64              /* streaming: messages between clock reads */

/* ---- payloads ---- */

typedef struct vis_payload {
    _Alignas(64) uint64_t w[VIS_PAYLOAD_WORDS];
} vis_payload;

typedef struct vis_payload_relaxed {
    _Alignas(64) _Atomic uint64_t w[VIS_PAYLOAD_WORDS];
} vis_payload_relaxed;

/* Word j of message msg's payload. */
static inline uint64_t vis_pattern(uint64_t msg, int j)
{
    return (msg + 1) * 0x9E3779B97F4A7C15ull ^ ((uint64_t)j * 0xBF58476D1CE4E5B9ull);
}

/* ---- mailboxes: one direction, one mechanism ---- */

typedef struct vis_box vis_box;

typedef struct vis_mech {
    const char *name;
    int happens_before;          /* the mechanism orders the payload before the receiver's reads */
    int bare;                    /* flag_only: no payload and no ack, so ping-pong only (a streaming
                                    sender would overwrite messages not yet taken) */
    int capacity;                /* messages in flight without a receiver (0: rendezvous) */
    memory_order store_order, load_order;   /* the flags */
    int (*init)(vis_box *b, char *err, size_t errlen);
    void (*destroy)(vis_box *b);
    /* 0, or -1 when abandoned or a system call failed */
    int (*send)(vis_box *b, uint64_t msg, const _Atomic int *abandon);
    int (*recv)(vis_box *b, uint64_t *msg, const _Atomic int *abandon);
} vis_mech;

struct vis_box {
    const vis_mech *mech;
    int capacity;                /* the mechanism's, or the pipe's real one */
    size_t ring_len;             /* payload slots: capacity + 2 (see vis_box_open) */
    vis_payload *plain;          /* happens-before mechanisms */
    vis_payload_relaxed *relaxed;   /* the relaxed flag */
    /* flags: the sender's and the receiver's line, and each side's own state */
    _Alignas(PAIRS_LINE) _Atomic uint64_t seq;      /* last message published */
    _Alignas(PAIRS_LINE) _Atomic uint64_t ack;      /* last message taken */
    _Alignas(PAIRS_LINE) uint64_t sent;             /* sender only */
    _Alignas(PAIRS_LINE) uint64_t taken;            /* receiver only */
    /* mutex, mutex_condvar, channels */
    _Alignas(PAIRS_LINE) pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    int sync_ready;              /* mu and the condition variables were initialised */
    uint64_t *buf;               /* channel ring (capacity >= 1) or the one slot */
    uint64_t slot;
    int head, count;
    uint64_t puts, takes;        /* rendezvous tickets */
    /* pipe: fd[0] read end, fd[1] write end; eventfd: fd[0] messages, fd[1] credits */
    int fd[2];
    /* futex */
    _Alignas(PAIRS_LINE) _Atomic uint32_t state;    /* 0 empty, 1 full */
    _Atomic uint32_t waiters;
    uint64_t futex_slot;
};

/* flags: capacity 1; the sender waits until its last message was taken. */
static int vis_flag_send(vis_box *b, uint64_t msg, const _Atomic int *abandon)
{
    while (atomic_load_explicit(&b->ack, b->mech->load_order) != b->sent)
        if (pairs_abandoned(abandon))
            return -1;
    atomic_store_explicit(&b->seq, msg, b->mech->store_order);
    b->sent = msg;
    return 0;
}

static int vis_flag_recv(vis_box *b, uint64_t *msg, const _Atomic int *abandon)
{
    uint64_t v;
    while ((v = atomic_load_explicit(&b->seq, b->mech->load_order)) == b->taken)
        if (pairs_abandoned(abandon))
            return -1;
    b->taken = v;
    atomic_store_explicit(&b->ack, v, b->mech->store_order);
    *msg = v;
    return 0;
}

/* flag_only: a sequence number and nothing else; in ping-pong each side
 * waits for the other's answer, so no ack is needed. */
static int vis_bare_send(vis_box *b, uint64_t msg, const _Atomic int *abandon)
{
    (void)abandon;
    atomic_store_explicit(&b->seq, msg, memory_order_release);
    return 0;
}

static int vis_bare_recv(vis_box *b, uint64_t *msg, const _Atomic int *abandon)
{
    uint64_t v;
    while ((v = atomic_load_explicit(&b->seq, memory_order_acquire)) == b->taken)
        if (pairs_abandoned(abandon))
            return -1;
    b->taken = v;
    *msg = v;
    return 0;
}

static int vis_no_init(vis_box *b, char *err, size_t errlen)
{
    (void)b, (void)err, (void)errlen;
    return 0;
}

static void vis_no_destroy(vis_box *b)
{
    (void)b;
}

/* Mutex and condition variables (CLOCK_MONOTONIC timeouts). */
static int vis_sync_init(vis_box *b, char *err, size_t errlen)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_mutex_init(&b->mu, NULL);
    if (!rc && (rc = pthread_cond_init(&b->not_empty, &ca)) != 0)
        pthread_mutex_destroy(&b->mu);
    if (!rc && (rc = pthread_cond_init(&b->not_full, &ca)) != 0) {
        pthread_cond_destroy(&b->not_empty);
        pthread_mutex_destroy(&b->mu);
    }
    pthread_condattr_destroy(&ca);
    if (rc) {
        snprintf(err, errlen, "visibility %s: %s", b->mech->name, strerror(rc));
        return -1;
    }
    b->sync_ready = 1;
    return 0;
}

/* A channel: the lock, its two condition variables and the ring. */
static int vis_chan_init(vis_box *b, char *err, size_t errlen)
{
    if (vis_sync_init(b, err, errlen) != 0)
        return -1;
    if (b->mech->capacity > 0 && !(b->buf = calloc((size_t)b->mech->capacity, sizeof *b->buf))) {
        snprintf(err, errlen, "visibility %s: out of memory", b->mech->name);
        return -1;
    }
    return 0;
}

static void vis_sync_destroy(vis_box *b)
{
    if (b->sync_ready) {
        pthread_cond_destroy(&b->not_full);
        pthread_cond_destroy(&b->not_empty);
        pthread_mutex_destroy(&b->mu);
    }
    free(b->buf);
}

/* Wait on cv for at most VIS_WAIT_NS; -1 (mutex still held) when abandoned. */
static int vis_cond_wait(pthread_cond_t *cv, pthread_mutex_t *mu, const _Atomic int *abandon)
{
    if (pairs_abandoned(abandon))
        return -1;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += VIS_WAIT_NS;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(cv, mu, &ts);
    return 0;
}

/* mutex: a one-message slot polled under the lock.  Sending waits for
 * the slot to be empty and fills it; receiving waits for it to be full and
 * empties it. */
static int vis_mutex_exchange(vis_box *b, uint64_t *msg, int send, const _Atomic int *abandon)
{
    for (;;) {
        pthread_mutex_lock(&b->mu);
        if (b->count == !send) {
            if (send)
                b->slot = *msg;
            else
                *msg = b->slot;
            b->count = send;
            pthread_mutex_unlock(&b->mu);
            return 0;
        }
        pthread_mutex_unlock(&b->mu);
        if (pairs_abandoned(abandon))
            return -1;
        pin_cpu_relax();
    }
}

static int vis_mutex_send(vis_box *b, uint64_t msg, const _Atomic int *abandon)
{
    return vis_mutex_exchange(b, &msg, 1, abandon);
}

static int vis_mutex_recv(vis_box *b, uint64_t *msg, const _Atomic int *abandon)
{
    return vis_mutex_exchange(b, msg, 0, abandon);
}

/* mutex_condvar: a one-message slot and one condition variable (one sender
 * and one receiver never wait at the same time: the slot is full or empty). */
static int vis_condvar_send(vis_box *b, uint64_t msg, const _Atomic int *abandon)
{
    pthread_mutex_lock(&b->mu);
    while (b->count == 1)
        if (vis_cond_wait(&b->not_empty, &b->mu, abandon)) {
            pthread_mutex_unlock(&b->mu);
            return -1;
        }
    b->slot = msg;
    b->count = 1;
    pthread_cond_signal(&b->not_empty);
    pthread_mutex_unlock(&b->mu);
    return 0;
}

static int vis_condvar_recv(vis_box *b, uint64_t *msg, const _Atomic int *abandon)
{
    pthread_mutex_lock(&b->mu);
    while (b->count == 0)
        if (vis_cond_wait(&b->not_empty, &b->mu, abandon)) {
            pthread_mutex_unlock(&b->mu);
            return -1;
        }
    *msg = b->slot;
    b->count = 0;
    pthread_cond_signal(&b->not_empty);
    pthread_mutex_unlock(&b->mu);
    return 0;
}

/* chan: a bounded channel.  Capacity >= 1: a ring; capacity 0 (rendezvous):
 * the sender leaves the message in the slot and waits until it is taken. */
static int vis_chan_send(vis_box *b, uint64_t msg, const _Atomic int *abandon)
{
    int rc = 0;
    pthread_mutex_lock(&b->mu);
    if (b->mech->capacity > 0) {
        while (b->count == b->mech->capacity && !rc)
            rc = vis_cond_wait(&b->not_full, &b->mu, abandon);
        if (!rc) {
            b->buf[(b->head + b->count) % b->mech->capacity] = msg;
            b->count++;
            pthread_cond_signal(&b->not_empty);
        }
    } else {
        while (b->count == 1 && !rc)
            rc = vis_cond_wait(&b->not_full, &b->mu, abandon);
        if (!rc) {
            uint64_t ticket = ++b->puts;
            b->slot = msg;
            b->count = 1;
            pthread_cond_signal(&b->not_empty);
            while (b->takes < ticket && !rc)
                rc = vis_cond_wait(&b->not_full, &b->mu, abandon);
        }
    }
    pthread_mutex_unlock(&b->mu);
    return rc;
}

static int vis_chan_recv(vis_box *b, uint64_t *msg, const _Atomic int *abandon)
{
    int rc = 0;
    pthread_mutex_lock(&b->mu);
    while (b->count == 0 && !rc)
        rc = vis_cond_wait(&b->not_empty, &b->mu, abandon);
    if (!rc) {
        if (b->mech->capacity > 0) {
            *msg = b->buf[b->head];
            b->head = (b->head + 1) % b->mech->capacity;
        } else {
            *msg = b->slot;
            b->takes++;
        }
        b->count--;
        if (b->mech->capacity > 0)
            pthread_cond_signal(&b->not_full);
        else
            pthread_cond_broadcast(&b->not_full);   /* the sender waits for its ticket */
    }
    pthread_mutex_unlock(&b->mu);
    return rc;
}

/* Write or read exactly 8 bytes (retrying EINTR and short transfers). */
static int vis_fd_io(int fd, uint64_t *v, int writing)
{
    size_t done = 0;
    while (done < sizeof *v) {
        ssize_t n = writing ? write(fd, (char *)v + done, sizeof *v - done)
                            : read(fd, (char *)v + done, sizeof *v - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

/* pipe: 8-byte messages; the pipe is shrunk to one page so that the payload
 * ring (capacity + 2 slots) stays small.  A blocked read or write does not
 * see the abandon flag: peers always end with VIS_STOP, and a run that times
 * out is leaked (pairs_run). */
static int vis_pipe_init(vis_box *b, char *err, size_t errlen)
{
    if (pipe2(b->fd, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "visibility pipe: %s", strerror(errno));
        return -1;
    }
    fcntl(b->fd[1], F_SETPIPE_SZ, 4096);   /* best effort; the real size is read back */
    int size = fcntl(b->fd[1], F_GETPIPE_SZ);
    b->capacity = size > 0 ? size / (int)sizeof(uint64_t) : 65536 / (int)sizeof(uint64_t);
    return 0;
}

static void vis_fd_destroy(vis_box *b)
{
    for (int i = 0; i < 2; i++)
        if (b->fd[i] >= 0)
            close(b->fd[i]);
}

/* A write returns once the pipe has room, that is once the reader has read
 * far enough: that is what lets the sender reuse a payload slot (the kernel's
 * pipe lock orders it).  ThreadSanitizer models a pipe only from writer to
 * reader, so TSan builds state the reverse edge: the reader releases before
 * each read (its checks of earlier payloads are done), the writer acquires
 * after each write (before it writes the next payload). */
static int vis_pipe_send(vis_box *b, uint64_t msg, const _Atomic int *abandon)
{
    (void)abandon;
    int rc = vis_fd_io(b->fd[1], &msg, 1);
    vis_tsan_acquire(b);
    return rc;
}

static int vis_pipe_recv(vis_box *b, uint64_t *msg, const _Atomic int *abandon)
{
    (void)abandon;
    vis_tsan_release(b);
    return vis_fd_io(b->fd[0], msg, 0);
}

/* eventfd: a message eventfd and a credit eventfd (semaphore mode, one
 * credit): capacity 1, so the message counter holds one value at a time,
 * msg + 1 (1 is VIS_STOP: 0 would not wake the reader). */
static int vis_eventfd_init(vis_box *b, char *err, size_t errlen)
{
    b->fd[0] = eventfd(0, EFD_CLOEXEC);
    b->fd[1] = eventfd(1, EFD_CLOEXEC | EFD_SEMAPHORE);
    if (b->fd[0] < 0 || b->fd[1] < 0) {
        snprintf(err, errlen, "visibility eventfd: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int vis_eventfd_send(vis_box *b, uint64_t msg, const _Atomic int *abandon)
{
    (void)abandon;
    uint64_t credit, v = msg == VIS_STOP ? 1 : msg + 1;
    if (vis_fd_io(b->fd[1], &credit, 0) != 0)
        return -1;
    return vis_fd_io(b->fd[0], &v, 1);
}

static int vis_eventfd_recv(vis_box *b, uint64_t *msg, const _Atomic int *abandon)
{
    (void)abandon;
    uint64_t v, credit = 1;
    if (vis_fd_io(b->fd[0], &v, 0) != 0)
        return -1;
    *msg = v == 1 ? VIS_STOP : v - 1;
    return vis_fd_io(b->fd[1], &credit, 1);
}

/* futex: a one-message slot; state 0 empty, 1 full.  A side that must wait
 * sleeps in FUTEX_WAIT; the other side calls FUTEX_WAKE only when someone
 * announced itself in waiters (seq_cst on both words: either the waker sees
 * the waiter, or the waiter sees the new state and does not sleep). */
static long vis_futex(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *timeout)
{
    return syscall(SYS_futex, (void *)word, op, val, timeout, NULL, 0);
}

static int vis_futex_wait_while(vis_box *b, uint32_t busy, const _Atomic int *abandon)
{
    static const struct timespec timeout = {0, VIS_WAIT_NS};
    while (atomic_load_explicit(&b->state, memory_order_acquire) == busy) {
        if (pairs_abandoned(abandon))
            return -1;
        atomic_fetch_add_explicit(&b->waiters, 1, memory_order_seq_cst);
        if (atomic_load_explicit(&b->state, memory_order_seq_cst) == busy)
            vis_futex(&b->state, FUTEX_WAIT_PRIVATE, busy, &timeout);
        atomic_fetch_sub_explicit(&b->waiters, 1, memory_order_seq_cst);
    }
    return 0;
}

static void vis_futex_set(vis_box *b, uint32_t value)
{
    atomic_store_explicit(&b->state, value, memory_order_seq_cst);
    if (atomic_load_explicit(&b->waiters, memory_order_seq_cst))
        vis_futex(&b->state, FUTEX_WAKE_PRIVATE, 1, NULL);
}

static int vis_futex_send(vis_box *b, uint64_t msg, const _Atomic int *abandon)
{
    if (vis_futex_wait_while(b, 1, abandon))
        return -1;
    b->futex_slot = msg;
    vis_futex_set(b, 1);
    return 0;
}

static int vis_futex_recv(vis_box *b, uint64_t *msg, const _Atomic int *abandon)
{
    if (vis_futex_wait_while(b, 0, abandon))
        return -1;
    *msg = b->futex_slot;
    vis_futex_set(b, 0);
    return 0;
}

#define VIS_FLAG(n, hb, st, ld) \
    {n, hb, 0, 1, st, ld, vis_no_init, vis_no_destroy, vis_flag_send, vis_flag_recv}
#define VIS_SYNC(n, cap, init, send, recv) \
    {n, 1, 0, cap, memory_order_relaxed, memory_order_relaxed, init, vis_sync_destroy, send, recv}

static const vis_mech vis_mechs[] = {
    {"flag_only", 1, 1, 1, memory_order_release, memory_order_acquire, vis_no_init, vis_no_destroy,
     vis_bare_send, vis_bare_recv},
    VIS_FLAG("relaxed", 0, memory_order_relaxed, memory_order_relaxed),
    VIS_FLAG("release_acquire", 1, memory_order_release, memory_order_acquire),
    VIS_FLAG("seq_cst", 1, memory_order_seq_cst, memory_order_seq_cst),
    VIS_SYNC("mutex", 1, vis_sync_init, vis_mutex_send, vis_mutex_recv),
    VIS_SYNC("mutex_condvar", 1, vis_sync_init, vis_condvar_send, vis_condvar_recv),
    VIS_SYNC("channel_0", 0, vis_chan_init, vis_chan_send, vis_chan_recv),
    VIS_SYNC("channel_1", 1, vis_chan_init, vis_chan_send, vis_chan_recv),
    VIS_SYNC("channel_64", 64, vis_chan_init, vis_chan_send, vis_chan_recv),
    {"pipe", 1, 0, -1, memory_order_relaxed, memory_order_relaxed, vis_pipe_init, vis_fd_destroy,
     vis_pipe_send, vis_pipe_recv},
    {"eventfd", 1, 0, 1, memory_order_relaxed, memory_order_relaxed, vis_eventfd_init, vis_fd_destroy,
     vis_eventfd_send, vis_eventfd_recv},
    {"futex", 1, 0, 1, memory_order_relaxed, memory_order_relaxed, vis_no_init, vis_no_destroy,
     vis_futex_send, vis_futex_recv},
};
#define VIS_MECH_COUNT ((int)(sizeof vis_mechs / sizeof vis_mechs[0]))

static void vis_box_close(vis_box *b)
{
    if (!b)
        return;
    b->mech->destroy(b);
    free(b->plain);
    free(b->relaxed);
    free(b);
}

/* A mailbox with its payload ring.  The ring has capacity + 2 slots: when
 * send(m) returns, the receiver has taken m - capacity, so it has finished
 * reading every payload before m - capacity; the sender's next payload
 * (m + 1) lands in the slot of m + 1 - (capacity + 2), already read. */
static vis_box *vis_box_open(const vis_mech *m, char *err, size_t errlen)
{
    vis_box *b = pairs_calloc_lines(sizeof *b);
    if (!b) {
        snprintf(err, errlen, "visibility %s: out of memory", m->name);
        return NULL;
    }
    b->mech = m;
    b->capacity = m->capacity;
    b->fd[0] = b->fd[1] = -1;
    if (m->init(b, err, errlen) != 0) {
        vis_box_close(b);
        return NULL;
    }
    b->ring_len = (size_t)b->capacity + 2;
    if (m->bare)
        return b;                /* no payload */
    if (m->happens_before)
        b->plain = pairs_calloc_lines(b->ring_len * sizeof *b->plain);
    else
        b->relaxed = pairs_calloc_lines(b->ring_len * sizeof *b->relaxed);
    if (!b->plain && !b->relaxed) {
        snprintf(err, errlen, "visibility %s: out of memory for %zu payloads", m->name, b->ring_len);
        vis_box_close(b);
        return NULL;
    }
    return b;
}

/* What one receiving side saw. */
typedef struct vis_tally {
    _Alignas(PAIRS_LINE) uint64_t handoffs;   /* messages received (not counting VIS_STOP) */
    uint64_t stale;                           /* payloads that did not match their message */
    uint64_t disorder;                        /* messages that were not the one expected */
    uint64_t elapsed_ns;                      /* streaming receiver: first wait to VIS_STOP */
} vis_tally;

/* Test hook: with MEMPROBE_VISIBILITY_CORRUPT=N in the environment, each
 * sender spoils one word of message N's payload after writing it (plain
 * payloads: the happens-before mechanisms), so a test can follow a stale
 * payload through the family's own failure path to results.csv and the
 * claims.  Unset or 0: off. */
static uint64_t vis_corrupt_msg;

static void vis_test_spoil(vis_box *b, uint64_t msg)
{
    if (msg == vis_corrupt_msg && msg != VIS_STOP && b->plain)
        b->plain[msg % b->ring_len].w[0] ^= 1;
}

/* Write msg's payload, then hand msg over. */
static int vis_send(vis_box *b, uint64_t msg, const _Atomic int *abandon)
{
    if (msg != VIS_STOP && !b->mech->bare) {
        size_t s = msg % b->ring_len;
        if (b->plain)
            for (int j = 0; j < VIS_PAYLOAD_WORDS; j++)
                b->plain[s].w[j] = vis_pattern(msg, j);
        else
            for (int j = 0; j < VIS_PAYLOAD_WORDS; j++)
                atomic_store_explicit(&b->relaxed[s].w[j], vis_pattern(msg, j), memory_order_relaxed);
    }
    vis_test_spoil(b, msg);
    atomic_signal_fence(memory_order_seq_cst);
    return b->mech->send(b, msg, abandon);
}

static int vis_payload_intact(const vis_box *b, uint64_t msg)
{
    size_t s = msg % b->ring_len;
    int intact = 1;
    if (b->plain)
        for (int j = 0; j < VIS_PAYLOAD_WORDS; j++)
            intact &= b->plain[s].w[j] == vis_pattern(msg, j);
    else
        for (int j = 0; j < VIS_PAYLOAD_WORDS; j++)
            intact &= atomic_load_explicit(&b->relaxed[s].w[j], memory_order_relaxed) == vis_pattern(msg, j);
    return intact;
}

/* Take the next message, expected to be `expected`, and check its payload. */
static int vis_recv(vis_box *b, uint64_t expected, uint64_t *msg, vis_tally *tally,
                    const _Atomic int *abandon)
{
    if (b->mech->recv(b, msg, abandon) != 0)
        return -1;
    atomic_signal_fence(memory_order_seq_cst);
    if (*msg == VIS_STOP)
        return 0;
    tally->handoffs++;
    tally->disorder += *msg != expected;
    tally->stale += !b->mech->bare && !vis_payload_intact(b, *msg);
    return 0;
}

/* ---- handoff experiments ---- */

enum vis_mode { VIS_PINGPONG, VIS_STREAM };

typedef struct vis_run {
    _Alignas(PAIRS_LINE) pin_barrier start;
    const vis_mech *mech;
    int mode;
    uint64_t budget_ns;
    uint64_t max_messages;        /* the initiator stops after this many (tests) */
    size_t max_samples;
    double ns_per_tick;
    vis_box *ab, *ba;             /* initiator -> responder, responder -> initiator */
    double *samples;              /* pingpong: one-handoff ns per round trip */
    size_t n_samples;
    uint64_t round_trips;
    int failed[2];                /* a side's send or recv failed or was abandoned */
    int errnum[2];                /* errno where it failed */
    vis_tally tally[2];           /* [0]: initiator receiving (pingpong); [1]: responder */
    pairs_counters counters[2];
} vis_run;

static int vis_past(uint64_t deadline)
{
    return clock_now_ns() >= deadline;
}

/* Pingpong initiator: send m, wait for m back, time each round trip. */
static int vis_pingpong_initiate(vis_run *r, const _Atomic int *abandon)
{
    const uint64_t deadline = clock_now_ns() + r->budget_ns;
    uint64_t m, back;
    size_t n = 0;
    int rc = 0;
    for (m = 1; m <= r->max_messages && n < r->max_samples; m++) {
        uint64_t t0 = clock_ticks();
        if ((rc = vis_send(r->ab, m, abandon)) != 0 || (rc = vis_recv(r->ba, m, &back, &r->tally[0], abandon)) != 0)
            break;
        uint64_t t1 = clock_ticks();
        r->samples[n++] = (double)(t1 - t0) * r->ns_per_tick / 2.0;
        if (vis_past(deadline))
            break;
    }
    r->n_samples = n;
    r->round_trips = r->tally[0].handoffs;
    if (rc == 0)
        rc = vis_send(r->ab, VIS_STOP, abandon);
    return rc;
}

/* Pingpong responder: echo every message until VIS_STOP. */
static int vis_pingpong_respond(vis_run *r, const _Atomic int *abandon)
{
    for (uint64_t expected = 1;; expected++) {
        uint64_t m;
        if (vis_recv(r->ab, expected, &m, &r->tally[1], abandon) != 0)
            return -1;
        if (m == VIS_STOP)
            return 0;
        if (vis_send(r->ba, m, abandon) != 0)
            return -1;
    }
}

/* Stream sender: messages as fast as the mechanism takes them. */
static int vis_stream_send(vis_run *r, const _Atomic int *abandon)
{
    const uint64_t deadline = clock_now_ns() + r->budget_ns;
    for (uint64_t m = 1; m <= r->max_messages; m++) {
        if (vis_send(r->ab, m, abandon) != 0)
            return -1;
        if (m % VIS_STREAM_CHECK == 0 && vis_past(deadline))
            break;
    }
    return vis_send(r->ab, VIS_STOP, abandon);
}

/* Stream receiver: take and check every message until VIS_STOP. */
static int vis_stream_receive(vis_run *r, const _Atomic int *abandon)
{
    uint64_t t0 = clock_now_ns();
    for (uint64_t expected = 1;; expected++) {
        uint64_t m;
        if (vis_recv(r->ab, expected, &m, &r->tally[1], abandon) != 0)
            return -1;
        if (m == VIS_STOP)
            break;
    }
    r->tally[1].elapsed_ns = clock_now_ns() - t0;
    return 0;
}

static void vis_handoff_thread(void *arg, int index)
{
    vis_run *r = arg;
    const _Atomic int *abandon = pin_current_abandon_flag();
    pairs_counters_start(&r->counters[index]);
    int rc = pin_barrier_wait(&r->start, abandon);
    if (rc == 0 && r->mode == VIS_PINGPONG)
        rc = index == 0 ? vis_pingpong_initiate(r, abandon) : vis_pingpong_respond(r, abandon);
    else if (rc == 0)
        rc = index == 0 ? vis_stream_send(r, abandon) : vis_stream_receive(r, abandon);
    r->errnum[index] = rc != 0 ? errno : 0;
    r->failed[index] = rc != 0;
    pairs_counters_stop(&r->counters[index]);
}

static void vis_run_free(void *run)
{
    vis_run *r = run;
    if (!r)
        return;
    vis_box_close(r->ab);
    vis_box_close(r->ba);
    pairs_counters_discard(r->counters, 2);
    free(r->samples);
    free(r);
}

/* One handoff experiment through mechanism m on pair p: pingpong (latency)
 * or stream (throughput), for about budget_s or max_messages messages.
 * NULL with err set on failure (after a timeout the run is leaked). */
static vis_run *vis_handoff_measure(const topo *t, const topo_pair *p, const vis_mech *m, int mode,
                                    double budget_s, uint64_t max_messages, char *err, size_t errlen)
{
    vis_run *r = pairs_calloc_lines(sizeof *r);
    if (!r) {
        snprintf(err, errlen, "visibility %s: out of memory", m->name);
        return NULL;
    }
    r->mech = m;
    r->mode = mode;
    r->budget_ns = (uint64_t)(budget_s * 1e9);
    r->max_messages = max_messages;
    r->ns_per_tick = clock_ns_per_tick();
    size_t want = (size_t)(budget_s * 1e9 / 50.0) + 16;
    r->max_samples = mode == VIS_PINGPONG ? (want < VIS_MAX_SAMPLES ? want : VIS_MAX_SAMPLES) : 0;
    r->samples = malloc((r->max_samples + 1) * sizeof *r->samples);
    r->ab = vis_box_open(m, err, errlen);
    r->ba = r->ab && mode == VIS_PINGPONG ? vis_box_open(m, err, errlen) : NULL;
    if (!r->samples || !r->ab || (mode == VIS_PINGPONG && !r->ba)) {
        if (!r->samples)
            snprintf(err, errlen, "visibility %s: out of memory for samples", m->name);
        vis_run_free(r);
        return NULL;
    }
    pin_barrier_init(&r->start, 2);
    const int cpus[2] = {p->cpu_a, p->cpu_b};
    if (!pairs_run_shared(t, cpus, 2, vis_handoff_thread, r, vis_run_free, budget_s + 10.0, err, errlen))
        return NULL;
    if (r->failed[0] || r->failed[1]) {
        snprintf(err, errlen, "visibility %s: the %s's send or receive failed: %s", m->name,
                 r->failed[0] ? "initiator" : "responder", strerror(r->errnum[r->failed[0] ? 0 : 1]));
        vis_run_free(r);
        return NULL;
    }
    return r;
}

/* Check what the receivers saw: every message in order, and no stale
 * payload through a happens-before mechanism.  0, or -1 with err. */
static int vis_handoff_verify(const vis_run *r, char *err, size_t errlen)
{
    uint64_t disorder = r->tally[0].disorder + r->tally[1].disorder;
    uint64_t stale = r->tally[0].stale + r->tally[1].stale;
    if (disorder) {
        snprintf(err, errlen, "visibility %s: %llu messages out of order", r->mech->name,
                 (unsigned long long)disorder);
        return -1;
    }
    if (stale && r->mech->happens_before) {
        snprintf(err, errlen, "visibility %s: %llu stale payloads through a happens-before mechanism (must be 0)",
                 r->mech->name, (unsigned long long)stale);
        return -1;
    }
    return 0;
}

/* ---- store-to-observation latency ---- */

typedef struct vis_observe {
    _Alignas(PAIRS_LINE) _Atomic uint64_t seq;    /* the writer's store */
    _Alignas(PAIRS_LINE) _Atomic uint64_t ack;    /* the reader: seen up to */
    _Alignas(PAIRS_LINE) pin_barrier start;
    uint64_t budget_ns;
    size_t max_events;
    double ns_per_tick;
    uint64_t *t_store;            /* writer: tick before storing k (index k - 1) */
    uint64_t *t_seen;             /* reader: tick after seeing k */
    size_t events;                /* writer: stores made and seen */
    uint64_t disorder;            /* reader: values that were not the next one */
    pairs_counters counters[2];
} vis_observe;

/* Spin for a random 200-2000 ns (a pause here is fine: nothing is timed). */
static void vis_random_pause(uint64_t *rng, double ns_per_tick)
{
    uint64_t ns = 200 + rng_next(rng) % 1800;
    uint64_t until = clock_ticks() + (uint64_t)((double)ns / ns_per_tick);
    while (clock_ticks() < until)
        pin_cpu_relax();
}

static void vis_observe_write(vis_observe *o, const _Atomic int *abandon)
{
    uint64_t rng = 0x243F6A8885A308D3ull ^ clock_ticks();
    const uint64_t deadline = clock_now_ns() + o->budget_ns;
    size_t seen = 0;
    for (uint64_t k = 1; k <= o->max_events && !vis_past(deadline); k++) {
        vis_random_pause(&rng, o->ns_per_tick);
        o->t_store[k - 1] = clock_ticks();
        atomic_signal_fence(memory_order_seq_cst);
        atomic_store_explicit(&o->seq, k, memory_order_relaxed);
        while (atomic_load_explicit(&o->ack, memory_order_acquire) != k)
            if (pairs_abandoned(abandon))
                goto out;
            else
                pin_cpu_relax();
        seen = k;
    }
out:
    o->events = seen;
    atomic_store_explicit(&o->seq, VIS_STOP, memory_order_relaxed);
}

static void vis_observe_read(vis_observe *o, const _Atomic int *abandon)
{
    uint64_t last = 0, v;
    for (;;) {
        while ((v = atomic_load_explicit(&o->seq, memory_order_relaxed)) == last)
            if (pairs_abandoned(abandon))
                return;
        uint64_t t = clock_ticks();
        if (v == VIS_STOP)
            return;
        o->disorder += v != last + 1;
        if (v - 1 < o->max_events)
            o->t_seen[v - 1] = t;
        last = v;
        atomic_store_explicit(&o->ack, v, memory_order_release);
    }
}

static void vis_observe_thread(void *arg, int index)
{
    vis_observe *o = arg;
    const _Atomic int *abandon = pin_current_abandon_flag();
    pairs_counters_start(&o->counters[index]);
    if (pin_barrier_wait(&o->start, abandon) == 0) {
        if (index == 0)
            vis_observe_write(o, abandon);
        else
            vis_observe_read(o, abandon);
    }
    pairs_counters_stop(&o->counters[index]);
}

static void vis_observe_free(void *run)
{
    vis_observe *o = run;
    if (!o)
        return;
    pairs_counters_discard(o->counters, 2);
    free(o->t_store);
    free(o->t_seen);
    free(o);
}

/* Run the store-to-observation experiment on pair p. */
static vis_observe *vis_observe_measure(const topo *t, const topo_pair *p, double budget_s,
                                        size_t max_events, char *err, size_t errlen)
{
    vis_observe *o = pairs_calloc_lines(sizeof *o);
    if (o) {
        o->t_store = calloc(max_events, sizeof *o->t_store);
        o->t_seen = calloc(max_events, sizeof *o->t_seen);
    }
    if (!o || !o->t_store || !o->t_seen) {
        vis_observe_free(o);
        snprintf(err, errlen, "visibility store_to_load: out of memory for %zu events", max_events);
        return NULL;
    }
    o->budget_ns = (uint64_t)(budget_s * 1e9);
    o->max_events = max_events;
    o->ns_per_tick = clock_ns_per_tick();
    pin_barrier_init(&o->start, 2);
    const int cpus[2] = {p->cpu_a, p->cpu_b};
    return pairs_run_shared(t, cpus, 2, vis_observe_thread, o, vis_observe_free, budget_s + 10.0, err, errlen);
}

/* Latencies in ns (malloc'd, o->events entries); *negative counts samples
 * below zero (clock skew between the cores). */
static double *vis_observe_latencies(const vis_observe *o, size_t *negative)
{
    double *lat = malloc((o->events + 1) * sizeof *lat);
    *negative = 0;
    for (size_t i = 0; lat && i < o->events; i++) {
        lat[i] = ((double)o->t_seen[i] - (double)o->t_store[i]) * o->ns_per_tick;
        *negative += lat[i] < 0;
    }
    return lat;
}

/* Which timebase store_to_load relies on (see the head of this file). */
static const char *vis_timebase(void)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (__get_cpuid(0x80000007, &a, &b, &c, &d) && (d & (1u << 8)))
        return "tsc";
    return "tsc-not-invariant";
#elif defined(__aarch64__)
    return "cntvct";
#else
    return "clock_monotonic_raw";
#endif
}

/* ---- registration and reporting ---- */

#define VIS_OBSERVE (-1)          /* slot.mech for store_to_load */

typedef struct vis_slot {
    int mech;                     /* index into vis_mechs, or VIS_OBSERVE */
    topo_pair pair;
    int repetition;               /* calls so far: one per repetition */
} vis_slot;

static struct {
    const topo *topo;
    double budget_s;
    vis_slot *slots;
    int n_slots;
} vis;

/* visibility.csv: the distribution at fixed quantiles, for the CDF plot. */
static void vis_distribution_rows(const char *mechanism, const topo_pair *p, int repetition,
                                  const double *sorted, size_t n)
{
    static const char *const columns[] = {"mechanism", "cpu_a", "cpu_b", "pair_class",
                                          "repetition", "quantile", "latency_ns"};
    static const double tail[] = {0.995, 0.999, 0.9999, 1.0};
    output_table *t = output_table_get("visibility.csv");
    output_table_columns(t, columns, 7);
    for (int i = 0; n && i < 100 + 4; i++) {
        double q = i < 100 ? i / 100.0 : tail[i - 100];
        output_table_row(t);
        output_table_set_str(t, "mechanism", mechanism);
        output_table_set_int(t, "cpu_a", p->cpu_a);
        output_table_set_int(t, "cpu_b", p->cpu_b);
        output_table_set_str(t, "pair_class", topo_pair_class_name(p->pair_class));
        output_table_set_int(t, "repetition", repetition);
        output_table_set_num(t, "quantile", q);
        output_table_set_num(t, "latency_ns", stats_quantile_sorted(sorted, n, q));
    }
}

/* One direction of store_to_load: the writer on from, the reader on to;
 * latencies in ns into *lat (malloc'd, *n of them).  0, or -1 with err. */
static int vis_observe_direction(const topo_pair *p, int reverse, double budget_s, double **lat, size_t *n,
                                 size_t *negative, pairs_counters *counters, char *err, size_t errlen)
{
    topo_pair dir = reverse ? (topo_pair){p->cpu_b, p->cpu_a, p->pair_class} : *p;
    size_t max_events = (size_t)(budget_s * 1e9 / 500.0) + 16;
    vis_observe *o = vis_observe_measure(vis.topo, &dir, budget_s,
                                         max_events < VIS_MAX_SAMPLES ? max_events : VIS_MAX_SAMPLES, err, errlen);
    if (!o)
        return -1;
    *lat = vis_observe_latencies(o, negative);
    *n = o->events;
    int rc = 0;
    if (!*lat || o->disorder || o->events == 0) {
        snprintf(err, errlen, "visibility store_to_load: CPU %d to CPU %d: %zu events, %llu out of order",
                 dir.cpu_a, dir.cpu_b, o->events, (unsigned long long)o->disorder);
        rc = -1;
    }
    for (int i = 0; i < 2; i++) {   /* both directions' events, summed per event at the end */
        if (!counters[i].values) {
            counters[i] = o->counters[i];
            o->counters[i].values = NULL;
        } else {
            for (int e = 0; o->counters[i].values && e < counters_event_count(); e++)
                counters[i].values[e] += o->counters[i].values[e];
        }
    }
    vis_observe_free(o);
    return rc;
}

/* The estimated offset of cpu_b's clock against cpu_a's from the two
 * directions' medians: A->B sees latency + offset, B->A latency - offset. */
static double vis_clock_offset(double median_ab, double median_ba)
{
    return (median_ab - median_ba) / 2.0;
}

static void vis_observe_bench(cbench_state *st, vis_slot *slot, const topo_pair *p)
{
    char err[256];
    double *lat[2] = {NULL, NULL};
    size_t n[2] = {0, 0}, negative[2] = {0, 0};
    pairs_counters counters[2] = {{0}, {0}};
    int rc = 0;
    for (int d = 0; d < 2 && rc == 0; d++)
        rc = vis_observe_direction(p, d, vis.budget_s / 2, &lat[d], &n[d], &negative[d], counters, err, sizeof err);
    cbench_tag(st, "timebase", vis_timebase());
    cbench_counter(st, "negative_samples", (double)(negative[0] + negative[1]), CBENCH_COUNTER_PLAIN);
    if (rc != 0) {
        cbench_error(st, err);
        pairs_counters_discard(counters, 2);
        free(lat[0]);
        free(lat[1]);
        return;
    }
    pairs_summary ab, ba;
    pairs_summarize(lat[0], n[0], &ab);
    pairs_summarize(lat[1], n[1], &ba);
    double offset = vis_clock_offset(ab.p50, ba.p50), latency = (ab.p50 + ba.p50) / 2.0;
    /* the pooled distribution, each sample corrected by the offset */
    double *all = malloc((n[0] + n[1] + 1) * sizeof *all);
    if (!all) {
        cbench_error(st, "visibility store_to_load: out of memory");
        pairs_counters_discard(counters, 2);
        free(lat[0]);
        free(lat[1]);
        return;
    }
    for (size_t i = 0; i < n[0]; i++)
        all[i] = lat[0][i] - offset;
    for (size_t i = 0; i < n[1]; i++)
        all[n[0] + i] = lat[1][i] + offset;
    pairs_summary s;
    pairs_summarize(all, n[0] + n[1], &s);
    s.p50 = latency;   /* the mean of the two medians, as reported */
    pairs_report_summary(st, "", &s);
    cbench_counter(st, "median_ab_ns", ab.p50, CBENCH_COUNTER_PLAIN);
    cbench_counter(st, "median_ba_ns", ba.p50, CBENCH_COUNTER_PLAIN);
    cbench_counter(st, "clock_offset_ns", offset, CBENCH_COUNTER_PLAIN);
    cbench_counter(st, "samples", (double)s.n, CBENCH_COUNTER_PLAIN);
    if (fabs(offset) > 0.1 * latency)
        fprintf(stderr, "visibility: warning: store_to_load on CPUs %d,%d: the clocks of the two CPUs seem %.1f ns "
                        "apart, more than 10%% of the latency (%.1f ns); each direction alone would be off by that\n",
                p->cpu_a, p->cpu_b, offset, latency);
    pairs_counters_report(st, counters, 2, (double)(n[0] + n[1]));
    vis_distribution_rows("store_to_load", p, slot->repetition++, all, s.n);
    pairs_end(st, latency * 1e-9);
    free(all);
    free(lat[0]);
    free(lat[1]);
}

/* The correctness counters of a handoff run: reported even when the run
 * fails on them, so that results.csv shows what was seen. */
static void vis_report_checks(cbench_state *st, const vis_run *lat, const vis_run *thr)
{
    uint64_t stale = 0, disorder = 0, handoffs = 0;
    for (int i = 0; i < 2; i++) {
        const vis_tally *a = &lat->tally[i], *b = thr ? &thr->tally[i] : NULL;
        stale += a->stale + (b ? b->stale : 0);
        disorder += a->disorder + (b ? b->disorder : 0);
        handoffs += a->handoffs + (b ? b->handoffs : 0);
    }
    cbench_counter(st, "handoffs", (double)handoffs, CBENCH_COUNTER_PLAIN);
    if (!lat->mech->bare)
        cbench_counter(st, "stale_payloads", (double)stale, CBENCH_COUNTER_PLAIN);
    cbench_counter(st, "out_of_order", (double)disorder, CBENCH_COUNTER_PLAIN);
}

static void vis_handoff_bench(cbench_state *st, vis_slot *slot, const topo_pair *p)
{
    const vis_mech *m = &vis_mechs[slot->mech];
    char err[256];
    cbench_tag(st, "happens_before", m->happens_before ? "yes" : "no");
    /* flag_only has no ack, so it cannot stream: its whole budget is ping-pong */
    double pingpong_s = m->bare ? vis.budget_s : vis.budget_s / 2;
    vis_run *lat = vis_handoff_measure(vis.topo, p, m, VIS_PINGPONG, pingpong_s, UINT64_MAX, err, sizeof err);
    vis_run *thr = lat && !m->bare
                       ? vis_handoff_measure(vis.topo, p, m, VIS_STREAM, vis.budget_s / 2, UINT64_MAX, err, sizeof err)
                       : NULL;
    if (lat && (thr || m->bare))
        vis_report_checks(st, lat, thr);
    if (!lat || (!thr && !m->bare) || vis_handoff_verify(lat, err, sizeof err) ||
        (thr && vis_handoff_verify(thr, err, sizeof err))) {
        cbench_error(st, err);
        vis_run_free(lat);
        vis_run_free(thr);
        return;
    }
    pairs_summary s = pairs_report_samples(st, lat->samples, lat->n_samples);
    if (thr)
        cbench_counter(st, "handoffs_per_s", (double)thr->tally[1].handoffs / (thr->tally[1].elapsed_ns * 1e-9),
                       CBENCH_COUNTER_PLAIN);
    pairs_counters_report(st, lat->counters, 2, 2.0 * (double)lat->round_trips);   /* per handoff */
    vis_distribution_rows(m->name, p, slot->repetition++, lat->samples, s.n);
    pairs_end(st, s.p50 * 1e-9);
    vis_run_free(lat);
    vis_run_free(thr);
}

static void vis_bench(cbench_state *st)
{
    vis_slot *slot = cbench_user(st);
    topo_pair p;
    if (pairs_begin(st, vis.topo, &p) != 0)
        return;
    if (slot->mech == VIS_OBSERVE)
        vis_observe_bench(st, slot, &p);
    else
        vis_handoff_bench(st, slot, &p);
}

static void vis_register(const bench_config *cfg, char *why, size_t whylen)
{
    if (pairs_require_cpus(cfg->topo, 2, why, whylen) != 0)
        return;
    const char *corrupt = getenv("MEMPROBE_VISIBILITY_CORRUPT");
    vis_corrupt_msg = corrupt ? strtoull(corrupt, NULL, 10) : 0;
    topo_pair *pairs;
    int n = pairs_select(cfg->topo, 0, &pairs);
    int per_pair = 1 + VIS_MECH_COUNT;
    vis.topo = cfg->topo;
    vis.slots = calloc((size_t)n * per_pair, sizeof *vis.slots);
    if (!vis.slots) {
        snprintf(why, whylen, "out of memory");
        free(pairs);
        return;
    }
    vis.n_slots = n * per_pair;
    vis.budget_s = pairs_share_s(cfg, 5.0, 15.0, n * per_pair, 0.1, 4.0);
    for (int k = 0; k < per_pair; k++) {
        char name[64];
        if (k == 0)
            snprintf(name, sizeof name, "visibility/store_to_load");
        else
            snprintf(name, sizeof name, "visibility/%s", vis_mechs[k - 1].name);
        for (int i = 0; i < n; i++) {
            vis_slot *slot = &vis.slots[k * n + i];
            slot->mech = k == 0 ? VIS_OBSERVE : k - 1;
            slot->pair = pairs[i];
            pairs_register(name, vis_bench, slot, &pairs[i]);
        }
    }
    free(pairs);
}

/* Every handoff mechanism but flag_only is compared with flag_only on the
 * same pair and repetition. */
static int vis_flag_only_reference(const char *variant, char *ref, size_t len)
{
    if (strcmp(variant, "store_to_load") == 0 || strcmp(variant, vis_mechs[0].name) == 0)
        return -1;
    snprintf(ref, len, "%s", vis_mechs[0].name);
    return 0;
}

static double vis_over_flag_only(const output_table *t, size_t row, size_t ref)
{
    return rows_number(t, row, "median_ns") - rows_number(t, ref, "median_ns");
}

static void vis_finish(const bench_config *cfg)
{
    (void)cfg;
    rows_derive(rows_results(), "visibility", "over_flag_only_ns", vis_flag_only_reference, vis_over_flag_only);
    free(vis.slots);
    vis.slots = NULL;
    vis.n_slots = 0;
}

const bench_family bench_family_visibility = {
    .name = "visibility",
    .help = "how long until another core sees a write; publication mechanisms and their cost",
    .description =
        "store_to_load: a writer stores a sequence number at random intervals and a reader on "
        "another core spins until it sees it; the store-to-observation latency (common "
        "timestamp counter, both directions so that a clock offset cancels) shows how long a "
        "write really stays invisible.  handoff/*: two pinned threads pass a bare sequence "
        "number (flag_only: one cache-line transfer), or messages with a 64-byte payload through "
        "a relaxed, release/acquire or seq_cst flag, a mutex, a mutex with a condition variable, "
        "a channel of capacity 0, 1 or 64 (mutex and condition variables), a pipe, an eventfd "
        "and a futex: one-handoff latency, what it adds to flag_only, handoffs per second, and "
        "stale payloads (zero for every mechanism that creates happens-before).",
    .min_cpus = 2,
    .register_benchmarks = vis_register,
    .finish = vis_finish,
};

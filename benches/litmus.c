/*
 * litmus.c — litmus tests of the memory model (family "litmus").
 *
 * The classic shapes, each in four variants, run on pinned threads in the
 * manner of litmus7 and counted outcome by outcome:
 *
 *   SB    store buffering   T0: x=1; r0=y          T1: y=1; r1=x
 *   MP    message passing   T0: x=1; y=1           T1: r0=y; r1=x
 *   LB    load buffering    T0: r0=x; y=1          T1: r1=y; x=1
 *   2+2W  two writes each   T0: x=1; y=2           T1: y=1; x=2    (outcome: final x, y)
 *   IRIW  independent reads T0: x=1   T1: y=1   T2: r0=x; r1=y   T3: r2=y; r3=x
 *
 *   relaxed   every access memory_order_relaxed; atomic_signal_fence between
 *             the two accesses of a thread stops the compiler reordering them,
 *             so any reordering observed is the hardware's
 *   rel_acq   every store release, every load acquire
 *   sc_fence  relaxed accesses with atomic_thread_fence(seq_cst) between them
 *   seq_cst   every access memory_order_seq_cst
 *
 * Every shape has exactly one outcome no interleaving of the threads can
 * produce (its "weak" outcome: SB r0=0,r1=0; MP r0=1,r1=0; LB r0=1,r1=1;
 * 2+2W x=1,y=1; IRIW r0=1,r1=0,r2=1,r3=0).  A table says, per variant, whether
 * the C11 model (with the C++20/RC11 fence rules) allows it, and whether the
 * architecture's model (x86-TSO, ARMv8) allows it for the instructions the
 * standard compiler mappings emit.  Observing an outcome C11 forbids is a
 * failure of the run (LITMUS FAILURE on stderr, the row errors).
 *
 * Instances and layout: a round is an array of independent instances (like
 * litmus7's -s size); every shared location of every instance has a block of
 * PAIRS_LINE (128) bytes of its own (instance i, location l at block
 * i*locs + l), so no two locations share a line or an adjacent-line
 * prefetch pair.  Before a round each location is reset by a thread that
 * writes it (loc_owner: in SB, LB and 2+2W each thread owns one), so its
 * line starts in a writer's cache, not all in thread 0's.  The threads meet
 * at a spin barrier, walk the instances in order, meet again; thread 0
 * decodes and counts every instance's outcome, and a third barrier separates
 * the counting from the next round's resets.  How the threads line up for
 * each instance is the sync mode (--litmus-sync, recorded in every row):
 *   timebase  (default) every instance starts at a time common to all
 *             threads, read from clock_ticks() (the TSC, the ARM virtual
 *             counter: one timebase on all cores, see the visibility
 *             family), like litmus7's -barrier timebase: thread 0 publishes
 *             the start of every chunk of LITMUS_TB_CHUNK instances a few
 *             periods ahead, instance k of the chunk starts at that time +
 *             k * period; the period adapts between rounds so that few
 *             starts are already past when a thread reaches them (those run
 *             unsynchronised and are counted: late_fraction);
 *   instance  litmus7's default -barrier user: before every instance one
 *             thread (instance mod N) raises a flag and the others wait
 *             for it, so the others start about one cache-line transfer
 *             after it;
 *   round     only the round barrier, then each thread waits a random
 *             0..--litmus-delay spin hints and walks all its instances
 *             without meeting again: the threads drift apart, and what is
 *             seen depends on pause latency and the delay as much as on the
 *             CPU (the mode memprobe used first; kept for comparison).
 * Runs are bounded by an instance count and by time.  Instances per second
 * include the barriers and the counting, as litmus7's figures do.
 *
 * The bodies depend on constant memory orders: they are instantiated per
 * variant through always_inline helpers.  Built without optimisation (-O0)
 * GCC treats the orders as seq_cst (stronger, never weaker), so the relaxed
 * variants then show no weak outcomes.
 */
#include "memprobe/bench.h"
#include "memprobe/cbench.h"
#include "memprobe/clock.h"
#include "memprobe/counters.h"
#include "memprobe/output.h"
#include "memprobe/pairs.h"
#include "memprobe/pin.h"
#include "memprobe/rng.h"
#include "memprobe/rows.h"
#include "memprobe/topo.h"

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    LITMUS_MAX_THREADS = 4,
    LITMUS_MAX_LOCS = 2,
    LITMUS_MAX_REGS = 4,
    LITMUS_MAX_OUTCOMES = 1 << LITMUS_MAX_REGS,
};

#define LITMUS_QUICK_BUDGET_S 6.0      /* whole family, --quick */
#define LITMUS_DEFAULT_BUDGET_S 15.0   /* whole family, default run */
#define LITMUS_QUICK_MAX_INSTANCES 20000000ull
#define LITMUS_DEFAULT_MAX_INSTANCES 200000000ull
#define LITMUS_ROUND_INSTANCES 1000    /* instances per round (litmus7's -s) */
#define LITMUS_MAX_DELAY 16            /* round mode: random spin hints before a round, per thread */
#define LITMUS_MAX_ROUND_BYTES (64ull << 20)
#define LITMUS_TB_FIRST_PERIOD_NS 200.0 /* timebase: first period between instance starts */
#define LITMUS_TB_MAX_PERIOD_NS 1e4   /* timebase: the period never grows past 10 us */
#define LITMUS_TB_CHUNK 64             /* timebase: instances per published start time */
#define LITMUS_TB_LEAD_NS 1000.0       /* timebase: from publishing a chunk's start to the start */

/* How the threads line up for each instance (see the head of this file). */
typedef enum litmus_sync { LITMUS_SYNC_TIMEBASE, LITMUS_SYNC_INSTANCE, LITMUS_SYNC_ROUND, LITMUS_SYNC_COUNT } litmus_sync;
static const char *const litmus_sync_names[LITMUS_SYNC_COUNT + 1] = {"timebase", "instance", "round", NULL};

/* ------------------------------------------------------------------ */
/* Shapes, variants and what the models allow                         */

typedef enum litmus_shape {
    LITMUS_SB, LITMUS_MP, LITMUS_LB, LITMUS_2P2W, LITMUS_IRIW, LITMUS_SHAPE_COUNT
} litmus_shape;

typedef enum litmus_variant {
    LITMUS_RELAXED, LITMUS_REL_ACQ, LITMUS_SC_FENCE, LITMUS_SEQ_CST, LITMUS_VARIANT_COUNT
} litmus_variant;

static const char *const litmus_variant_names[LITMUS_VARIANT_COUNT] = {
    "relaxed", "rel_acq", "sc_fence", "seq_cst",
};

typedef enum litmus_op_kind { LITMUS_OP_NONE, LITMUS_OP_STORE, LITMUS_OP_LOAD } litmus_op_kind;

/* One access: a store of value to loc, or a load of loc into register reg. */
typedef struct litmus_op {
    litmus_op_kind kind;
    int loc;
    int value;
    int reg;
} litmus_op;

/* Whether the shape's weak outcome is allowed, per model. */
typedef struct litmus_allowed {
    unsigned char c11, x86, arm;
} litmus_allowed;

#define ST(l, v) { LITMUS_OP_STORE, l, v, -1 }
#define LD(l, r) { LITMUS_OP_LOAD, l, 0, r }
#define NOP { LITMUS_OP_NONE, 0, 0, -1 }

/* On ARMv8 an acquire load compiled to LDAR may not pass an earlier STLR
 * (RCsc), so rel_acq SB would be forbidden; compiled to LDAPR (RCpc) it is
 * allowed.  Which one a compiler emits is not reliably signalled
 * (__ARM_FEATURE_RCPC is absent with GCC 12 even for armv8.3-a+rcpc), so
 * the table takes the weaker, always-true view: allowed. */
#define LITMUS_ARM_SB_REL_ACQ 1

typedef struct litmus_shape_info {
    const char *name;                 /* "2+2w": litmus.csv, messages */
    const char *ident;                /* "2p2w": benchmark names (no regex metacharacters) */
    int threads, locs, regs;
    int final_state;                  /* outcome from final memory (2+2W), else registers */
    int value_lo;                     /* registers hold value_lo or value_lo + 1 */
    litmus_op prog[LITMUS_MAX_THREADS][2];
    int loc_owner[LITMUS_MAX_LOCS];   /* the thread that resets the location */
    const char *reg_names[LITMUS_MAX_REGS];
    unsigned weak;                    /* the outcome no interleaving produces */
    litmus_allowed weak_allowed[LITMUS_VARIANT_COUNT];
} litmus_shape_info;

enum { X = 0, Y = 1 };

static const litmus_shape_info litmus_shapes[LITMUS_SHAPE_COUNT] = {
    [LITMUS_SB] = {
        "sb", "sb", 2, 2, 2, 0, 0,
        { { ST(X, 1), LD(Y, 0) }, { ST(Y, 1), LD(X, 1) } },
        { 0, 1 }, { "r0", "r1" }, 0x0,
        /* rel_acq does not order a store before a later load; TSO lets the
         * load pass the buffered store.  A seq_cst fence or seq_cst accesses
         * forbid it everywhere. */
        { { 1, 1, 1 }, { 1, 1, LITMUS_ARM_SB_REL_ACQ }, { 0, 0, 0 }, { 0, 0, 0 } },
    },
    [LITMUS_MP] = {
        "mp", "mp", 2, 2, 2, 0, 0,
        { { ST(X, 1), ST(Y, 1) }, { LD(Y, 0), LD(X, 1) } },
        { 0, 0 }, { "r0", "r1" }, 0x1,
        /* weak: flag seen (r0=1), data not (r1=0).  TSO keeps stores in order
         * and loads in order; ARM does neither for relaxed accesses. */
        { { 1, 0, 1 }, { 0, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 } },
    },
    [LITMUS_LB] = {
        "lb", "lb", 2, 2, 2, 0, 0,
        { { LD(X, 0), ST(Y, 1) }, { LD(Y, 1), ST(X, 1) } },
        { 1, 0 }, { "r0", "r1" }, 0x3,
        /* C11 allows relaxed LB (out-of-thin-air aside); TSO never lets a
         * store pass an earlier load; ARMv8 allows it (rarely seen). */
        { { 1, 0, 1 }, { 0, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 } },
    },
    [LITMUS_2P2W] = {
        "2+2w", "2p2w", 2, 2, 2, 1, 1,
        { { ST(X, 1), ST(Y, 2) }, { ST(Y, 1), ST(X, 2) } },
        { 0, 1 }, { "x", "y" }, 0x0,
        /* weak: both first writes last in coherence order (x=1, y=1).  C11
         * allows it with release stores (no read, no synchronisation); TSO
         * and ARMv8 STLR keep the stores in order. */
        { { 1, 0, 1 }, { 1, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 } },
    },
    [LITMUS_IRIW] = {
        "iriw", "iriw", 4, 2, 4, 0, 0,
        { { ST(X, 1), NOP }, { ST(Y, 1), NOP }, { LD(X, 0), LD(Y, 1) }, { LD(Y, 2), LD(X, 3) } },
        { 0, 1 }, { "r0", "r1", "r2", "r3" }, 0x5,
        /* weak: the readers disagree on the order of the two writes.  C11
         * needs seq_cst for IRIW; x86 and ARMv8 are multi-copy atomic, but
         * relaxed loads may be reordered on ARM. */
        { { 1, 0, 1 }, { 1, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 } },
    },
};

#undef ST
#undef LD
#undef NOP

#if defined(__x86_64__) || defined(__i386__)
#define LITMUS_ARCH "x86-64"
#define LITMUS_ARCH_MODEL "x86-TSO"
#elif defined(__aarch64__)
#define LITMUS_ARCH "aarch64"
#define LITMUS_ARCH_MODEL "ARMv8"
#else
#define LITMUS_ARCH "unknown"
#define LITMUS_ARCH_MODEL "unknown"
#endif

static int litmus_outcome_count(litmus_shape s) { return 1 << litmus_shapes[s].regs; }

/* Decode register (or final) values into an outcome index: bit k is set when
 * value k is the higher of the two it can take.  -1 when a value is neither. */
static int litmus_decode(litmus_shape s, const int *values)
{
    const litmus_shape_info *info = &litmus_shapes[s];
    int outcome = 0;
    for (int k = 0; k < info->regs; k++) {
        int v = values[k] - info->value_lo;
        if (v != 0 && v != 1)
            return -1;
        outcome |= v << k;
    }
    return outcome;
}

/* "r0=1,r1=0" for outcome o of shape s. */
static void litmus_outcome_name(litmus_shape s, int o, char *buf, size_t len)
{
    const litmus_shape_info *info = &litmus_shapes[s];
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < info->regs && used < len; k++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s=%d", k ? "," : "",
                                 info->reg_names[k], info->value_lo + ((o >> k) & 1));
}

/* 1 when the C11 model allows outcome o of shape s in variant v. */
static int litmus_allowed_c11(litmus_shape s, litmus_variant v, int o)
{
    return (unsigned)o != litmus_shapes[s].weak || litmus_shapes[s].weak_allowed[v].c11;
}

/* 1/0 when this architecture's model allows it; -1 for an unknown architecture. */
static int litmus_allowed_arch(litmus_shape s, litmus_variant v, int o)
{
    if ((unsigned)o != litmus_shapes[s].weak)
        return 1;
#if defined(__x86_64__) || defined(__i386__)
    return litmus_shapes[s].weak_allowed[v].x86;
#elif defined(__aarch64__)
    return litmus_shapes[s].weak_allowed[v].arm;
#else
    (void)v;
    return -1;
#endif
}

/* ------------------------------------------------------------------ */
/* Thread bodies                                                       */

/* What one thread does in a round: its two ops over n instances, and how
 * it lines up with the others before each one. */
typedef struct litmus_work {
    char *mem;                     /* instance i, location l at mem + (i*locs + l)*stride */
    size_t stride;
    int locs;
    size_t n;
    litmus_op op[2];
    int *reg[2];                   /* register array for each load op (NULL for stores) */
    int thread, threads;
    _Atomic uint64_t *arrive[LITMUS_MAX_THREADS];  /* each thread's flag (instance) or arrival (timebase chunk), own lines */
    uint64_t ticket;               /* instance sync: instances before this round's first */
    char *tb_anchor;               /* timebase: chunk j's start (ticks) at tb_anchor + j * PAIRS_LINE */
    uint64_t tb_period;            /* timebase: ticks between instance starts */
    uint64_t tb_lead;              /* timebase: LITMUS_TB_LEAD_NS in ticks */
    const _Atomic int *abandon;    /* the group's abandon flag */
} litmus_work;

/* Runs the round; returns how many instance starts were already past
 * (timebase), or LITMUS_ABANDONED when the group was abandoned mid-round. */
typedef uint64_t (*litmus_body_fn)(const litmus_work *w);
#define LITMUS_ABANDONED UINT64_MAX

static inline _Atomic int *litmus_loc(const litmus_work *w, size_t i, int loc)
{
    return (_Atomic int *)(void *)(w->mem + (i * (size_t)w->locs + (size_t)loc) * w->stride);
}

static inline __attribute__((always_inline)) void
litmus_access(const litmus_work *w, size_t i, int which, litmus_op_kind kind,
              memory_order store_order, memory_order load_order)
{
    if (kind == LITMUS_OP_STORE)
        atomic_store_explicit(litmus_loc(w, i, w->op[which].loc), w->op[which].value, store_order);
    else if (kind == LITMUS_OP_LOAD)
        w->reg[which][i] = atomic_load_explicit(litmus_loc(w, i, w->op[which].loc), load_order);
}

/* GCC's ThreadSanitizer does not model atomic_thread_fence and warns about
 * it (-Wtsan); the fence is what sc_fence tests, so it stays.  Every access
 * it orders is atomic, so TSan has nothing to misreport here. */
#if defined(__SANITIZE_THREAD__) && !defined(__clang__) && __GNUC__ >= 11
#define LITMUS_TSAN_FENCE_WARNING_OFF 1
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif

/* Instance sync, litmus7's -barrier user: before instance `ticket` (1, 2,
 * ... over the run) thread ticket mod N raises its flag to ticket and goes
 * on; every other thread waits until it sees that flag.  The flags are
 * relaxed: they only line the threads up in time, the signal fence after
 * them keeps the compiler from moving the instance's accesses above the
 * wait, and nothing the instance does is ordered by them (that would hide
 * the reorderings the test looks for).  -1 if abandoned. */
static inline __attribute__((always_inline)) int litmus_meet(const litmus_work *w, uint64_t ticket)
{
    int r = (int)(ticket % (uint64_t)w->threads);
    if (r == w->thread)
        atomic_store_explicit(w->arrive[r], ticket, memory_order_relaxed);
    else
        while (atomic_load_explicit(w->arrive[r], memory_order_relaxed) < ticket)
            if (pairs_abandoned(w->abandon))
                return -1;
    atomic_signal_fence(memory_order_seq_cst);
    return 0;
}

/* Timebase sync: the start of the chunk whose first instance is `ticket`
 * (1, 2, ... over the run) at round position j.  Every thread announces that
 * it reached the chunk; once all have, thread 0 sets its start a little
 * ahead (LITMUS_TB_LEAD_NS and two periods) and publishes it, and the others
 * wait for it.  So a thread that was preempted costs one chunk, not the rest
 * of the round.  0 when abandoned. */
static inline __attribute__((always_inline)) uint64_t litmus_chunk_start(const litmus_work *w, uint64_t ticket,
                                                                          size_t j)
{
    _Atomic uint64_t *anchor = (_Atomic uint64_t *)(void *)(w->tb_anchor + j * PAIRS_LINE);
    atomic_store_explicit(w->arrive[w->thread], ticket, memory_order_relaxed);
    uint64_t start;
    if (w->thread == 0) {
        for (int u = 1; u < w->threads; u++)
            while (atomic_load_explicit(w->arrive[u], memory_order_relaxed) < ticket)
                if (pairs_abandoned(w->abandon))
                    return 0;
        start = clock_ticks() + w->tb_lead + 2 * w->tb_period;
        atomic_store_explicit(anchor, start, memory_order_relaxed);
        return start;
    }
    while ((start = atomic_load_explicit(anchor, memory_order_relaxed)) == 0)
        if (pairs_abandoned(w->abandon))
            return 0;
    return start;
}

/* Timebase sync: wait until clock_ticks() reaches start; 1 when it already
 * had (the instance then starts unsynchronised), else 0. */
static inline __attribute__((always_inline)) int litmus_wait_until(uint64_t start)
{
    if (clock_ticks() > start)
        return 1;
    while (clock_ticks() < start)
        ;
    atomic_signal_fence(memory_order_seq_cst);
    return 0;
}

/* The loop every body shares; kinds, orders, fence and sync are constants at
 * each instantiation below, so every access compiles to its own instruction. */
static inline __attribute__((always_inline)) uint64_t
litmus_body(const litmus_work *w, litmus_op_kind k0, litmus_op_kind k1,
            memory_order store_order, memory_order load_order, int thread_fence, litmus_sync sync)
{
    const litmus_work local = *w;  /* kept in registers across the fences */
    uint64_t late = 0, chunk = 0;
    for (size_t i = 0; i < local.n; i++) {
        if (sync == LITMUS_SYNC_INSTANCE && litmus_meet(&local, local.ticket + i + 1) != 0)
            return LITMUS_ABANDONED;
        if (sync == LITMUS_SYNC_TIMEBASE && i % LITMUS_TB_CHUNK == 0 &&
            (chunk = litmus_chunk_start(&local, local.ticket + i + 1, i / LITMUS_TB_CHUNK)) == 0)
            return LITMUS_ABANDONED;
        if (sync == LITMUS_SYNC_TIMEBASE)
            late += (uint64_t)litmus_wait_until(chunk + (i % LITMUS_TB_CHUNK) * local.tb_period);
        litmus_access(&local, i, 0, k0, store_order, load_order);
        if (k1 == LITMUS_OP_NONE)
            continue;
        if (thread_fence)
            atomic_thread_fence(memory_order_seq_cst);
        else
            atomic_signal_fence(memory_order_seq_cst);
        litmus_access(&local, i, 1, k1, store_order, load_order);
    }
    return late;
}

#ifdef LITMUS_TSAN_FENCE_WARNING_OFF
#pragma GCC diagnostic pop
#endif

#define LITMUS_BODY(pat, k0, k1, var, so, lo, fence, sname, sync) \
    static uint64_t litmus_body_##pat##_##var##_##sname(const litmus_work *w) \
    { return litmus_body(w, k0, k1, so, lo, fence, sync); }
#define LITMUS_BODIES_SYNC(pat, k0, k1, sname, sync) \
    LITMUS_BODY(pat, k0, k1, relaxed, memory_order_relaxed, memory_order_relaxed, 0, sname, sync) \
    LITMUS_BODY(pat, k0, k1, rel_acq, memory_order_release, memory_order_acquire, 0, sname, sync) \
    LITMUS_BODY(pat, k0, k1, sc_fence, memory_order_relaxed, memory_order_relaxed, 1, sname, sync) \
    LITMUS_BODY(pat, k0, k1, seq_cst, memory_order_seq_cst, memory_order_seq_cst, 0, sname, sync)
#define LITMUS_BODY_ROW(pat, var) \
    { litmus_body_##pat##_##var##_timebase, litmus_body_##pat##_##var##_instance, litmus_body_##pat##_##var##_round }
#define LITMUS_BODIES(pat, k0, k1) \
    LITMUS_BODIES_SYNC(pat, k0, k1, instance, LITMUS_SYNC_INSTANCE) \
    LITMUS_BODIES_SYNC(pat, k0, k1, timebase, LITMUS_SYNC_TIMEBASE) \
    LITMUS_BODIES_SYNC(pat, k0, k1, round, LITMUS_SYNC_ROUND) \
    static const litmus_body_fn litmus_bodies_##pat[LITMUS_VARIANT_COUNT][LITMUS_SYNC_COUNT] = { \
        LITMUS_BODY_ROW(pat, relaxed), LITMUS_BODY_ROW(pat, rel_acq), \
        LITMUS_BODY_ROW(pat, sc_fence), LITMUS_BODY_ROW(pat, seq_cst), \
    };
LITMUS_BODIES(st, LITMUS_OP_STORE, LITMUS_OP_NONE)
LITMUS_BODIES(st_st, LITMUS_OP_STORE, LITMUS_OP_STORE)
LITMUS_BODIES(st_ld, LITMUS_OP_STORE, LITMUS_OP_LOAD)
LITMUS_BODIES(ld_st, LITMUS_OP_LOAD, LITMUS_OP_STORE)
LITMUS_BODIES(ld_ld, LITMUS_OP_LOAD, LITMUS_OP_LOAD)
#undef LITMUS_BODIES
#undef LITMUS_BODY_ROW
#undef LITMUS_BODIES_SYNC
#undef LITMUS_BODY

static litmus_body_fn litmus_body_for(const litmus_op *op, litmus_variant v, litmus_sync sync)
{
    litmus_op_kind k0 = op[0].kind, k1 = op[1].kind;
    if (k0 == LITMUS_OP_STORE)
        return k1 == LITMUS_OP_NONE ? litmus_bodies_st[v][sync]
             : k1 == LITMUS_OP_STORE ? litmus_bodies_st_st[v][sync] : litmus_bodies_st_ld[v][sync];
    return k1 == LITMUS_OP_STORE ? litmus_bodies_ld_st[v][sync] : litmus_bodies_ld_ld[v][sync];
}

/* ------------------------------------------------------------------ */
/* One run: rounds of instances on pinned threads                      */

typedef struct litmus_params {
    litmus_shape shape;
    litmus_variant variant;
    const topo *topo;
    int cpus[LITMUS_MAX_THREADS];  /* thread i runs on cpus[i] */
    size_t round_instances;        /* instances per round */
    uint64_t max_instances;        /* stop once at least this many ran ... */
    double max_seconds;            /* ... or this much time passed */
    litmus_sync sync;              /* how the threads line up for each instance */
    unsigned max_delay;            /* round sync: random 0..max_delay spin hints per thread and round */
} litmus_params;

typedef struct litmus_result {
    uint64_t counts[LITMUS_MAX_OUTCOMES];
    uint64_t invalid;              /* instances whose values decode to no outcome */
    uint64_t instances;
    double seconds;                /* from the first round's release to the last round's end */
    uint64_t late, starts;         /* timebase: instance starts already past, of all starts */
    double period_ns_sum;          /* timebase: the rounds' periods, summed */
    uint64_t rounds;
    litmus_sync sync;
    int threads;
    double *events;                /* threads x counters_event_count(), NaN where not counted */
} litmus_result;

/* Everything the threads of one run share (heap: see litmus_run). */
typedef struct litmus_ctx {
    litmus_params p;
    const litmus_shape_info *info;
    litmus_work work[LITMUS_MAX_THREADS];
    litmus_body_fn body[LITMUS_MAX_THREADS];
    int *regs[LITMUS_MAX_REGS];
    char *mem;
    char *arrive;                  /* instance sync: one PAIRS_LINE block per thread */
    pin_barrier barrier;
    _Atomic int stop;
    uint64_t t_start, t_end;       /* thread 0 only; read after the join */
    char *tb_anchor;               /* timebase: each chunk's start, one PAIRS_LINE block each */
    uint64_t tb_period;            /* timebase: ticks between starts, set by thread 0 between rounds */
    uint64_t late[LITMUS_MAX_THREADS];   /* timebase: each thread's late starts this round */
    litmus_result res;             /* counts: thread 0; events: each thread its own row */
} litmus_ctx;

static void litmus_result_free(litmus_result *r)
{
    free(r->events);
    r->events = NULL;
}

/* Reset the locations thread t owns in every instance, and (thread 0) the
 * chunk starts of timebase sync (relaxed stores: the barrier that follows
 * orders them before the round). */
static void litmus_reset_owned(litmus_ctx *c, int t)
{
    const litmus_work *w = &c->work[t];
    for (int l = 0; l < c->info->locs; l++) {
        if (c->info->loc_owner[l] != t)
            continue;
        for (size_t i = 0; i < w->n; i++)
            atomic_store_explicit(litmus_loc(w, i, l), 0, memory_order_relaxed);
    }
    for (size_t j = 0; t == 0 && c->p.sync == LITMUS_SYNC_TIMEBASE && j <= w->n / LITMUS_TB_CHUNK; j++)
        atomic_store_explicit((_Atomic uint64_t *)(void *)(c->tb_anchor + j * PAIRS_LINE), 0, memory_order_relaxed);
}

/* Thread 0, between timebase rounds: count the late starts and adapt the
 * period: double it when more than 1/4 of the starts were already past
 * (the period is shorter than an instance takes), shorten it by 1/8 when
 * fewer than 1/16 were.  A preempted thread is late for one chunk only. */
static void litmus_adapt_period(litmus_ctx *c)
{
    uint64_t late = 0, starts = (uint64_t)c->work[0].n * (uint64_t)c->info->threads;
    for (int t = 0; t < c->info->threads; t++)
        late += c->late[t];
    c->res.late += late;
    c->res.starts += starts;
    c->res.period_ns_sum += clock_ticks_to_ns(c->tb_period);
    c->res.rounds++;
    uint64_t max = (uint64_t)(LITMUS_TB_MAX_PERIOD_NS / clock_ns_per_tick()) + 1;
    if (late * 4 > starts)
        c->tb_period = c->tb_period * 2 < max ? c->tb_period * 2 : max;
    else if (late * 16 < starts && c->tb_period > 1)
        c->tb_period -= c->tb_period / 8;
}

/* Thread 0, between rounds: decode and count every instance, decide whether
 * to stop. */
static void litmus_tally_round(litmus_ctx *c)
{
    const litmus_shape_info *info = c->info;
    const litmus_work *w = &c->work[0];
    int values[LITMUS_MAX_REGS] = { 0 };
    for (size_t i = 0; i < w->n; i++) {
        for (int k = 0; k < info->regs; k++)
            values[k] = info->final_state
                ? atomic_load_explicit(litmus_loc(w, i, k), memory_order_relaxed)
                : c->regs[k][i];
        int o = litmus_decode(c->p.shape, values);
        if (o < 0)
            c->res.invalid++;
        else
            c->res.counts[o]++;
    }
    c->res.instances += w->n;
    if (c->p.sync == LITMUS_SYNC_TIMEBASE)
        litmus_adapt_period(c);
    c->t_end = clock_now_ns();
    double elapsed = (double)(c->t_end - c->t_start) * 1e-9;
    if (c->res.instances >= c->p.max_instances || elapsed >= c->p.max_seconds || cbench_stop_requested())
        atomic_store_explicit(&c->stop, 1, memory_order_release);
}

static void litmus_delay(uint64_t *rng, unsigned max_delay)
{
    if (!max_delay)
        return;
    for (uint64_t k = rng_next(rng) % (max_delay + 1u); k > 0; k--)
        pin_cpu_relax();
}

static void litmus_thread(void *arg, int t)
{
    litmus_ctx *c = arg;
    litmus_work *w = &c->work[t];
    w->abandon = pin_current_abandon_flag();
    int nev = counters_event_count();
    double *events = c->res.events + (size_t)t * (size_t)nev;
    uint64_t rng = 0x9E3779B97F4A7C15ull * (uint64_t)(t + 1);
    counters_thread *ct = nev ? counters_thread_start() : NULL;
    for (;;) {
        litmus_reset_owned(c, t);
        if (pin_barrier_wait(&c->barrier, w->abandon))
            break;
        if (atomic_load_explicit(&c->stop, memory_order_acquire))
            break;
        if (t == 0 && c->t_start == 0)
            c->t_start = clock_now_ns();
        if (c->p.sync == LITMUS_SYNC_ROUND)
            litmus_delay(&rng, c->p.max_delay);
        w->tb_period = c->tb_period;
        uint64_t late = c->body[t](w);
        if (late == LITMUS_ABANDONED)
            break;
        c->late[t] = late;
        w->ticket += w->n;
        if (pin_barrier_wait(&c->barrier, w->abandon))
            break;
        if (t == 0)
            litmus_tally_round(c);
        if (pin_barrier_wait(&c->barrier, w->abandon))
            break;
    }
    if (ct)
        counters_thread_stop(ct, events);
}

static void litmus_ctx_free(void *ctx)
{
    litmus_ctx *c = ctx;
    free(c->mem);
    free(c->arrive);
    free(c->tb_anchor);
    for (int k = 0; k < LITMUS_MAX_REGS; k++)
        free(c->regs[k]);
    free(c->res.events);
    free(c);
}

/* Lay out memory and each thread's work for one run; NULL without memory. */
static litmus_ctx *litmus_ctx_new(const litmus_params *p)
{
    litmus_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->p = *p;
    c->info = &litmus_shapes[p->shape];
    c->res.threads = c->info->threads;
    int nev = counters_event_count();
    size_t nevents = (size_t)(nev > 0 ? nev : 1) * (size_t)c->info->threads;
    size_t line = PAIRS_LINE, n = p->round_instances;
    c->res.events = malloc(nevents * sizeof(double));
    c->mem = pairs_calloc_lines(n * (size_t)c->info->locs * line);
    c->arrive = pairs_calloc_lines((size_t)c->info->threads * line);
    c->tb_anchor = pairs_calloc_lines((n / LITMUS_TB_CHUNK + 1) * line);
    int ok = c->res.events && c->mem && c->arrive && c->tb_anchor;
    for (int k = 0; ok && k < c->info->regs; k++)
        ok = (c->regs[k] = pairs_calloc_lines(n * sizeof(int))) != NULL;
    if (!ok) {
        litmus_ctx_free(c);
        return NULL;
    }
    for (size_t i = 0; i < nevents; i++)
        c->res.events[i] = NAN;
    for (int t = 0; t < c->info->threads; t++) {
        litmus_work *w = &c->work[t];
        w->mem = c->mem;
        w->stride = line;
        w->locs = c->info->locs;
        w->n = n;
        for (int j = 0; j < 2; j++) {
            w->op[j] = c->info->prog[t][j];
            w->reg[j] = w->op[j].kind == LITMUS_OP_LOAD ? c->regs[w->op[j].reg] : NULL;
        }
        w->thread = t;
        w->threads = c->info->threads;
        for (int u = 0; u < c->info->threads; u++)
            w->arrive[u] = (_Atomic uint64_t *)(void *)(c->arrive + (size_t)u * line);
        w->tb_anchor = c->tb_anchor;
        w->tb_lead = (uint64_t)(LITMUS_TB_LEAD_NS / clock_ns_per_tick());
        c->body[t] = litmus_body_for(w->op, p->variant, p->sync);
    }
    pin_barrier_init(&c->barrier, c->info->threads);
    atomic_init(&c->stop, 0);
    c->tb_period = (uint64_t)(LITMUS_TB_FIRST_PERIOD_NS / clock_ns_per_tick()) + 1;
    return c;
}

/* Run shape/variant on the pinned CPUs until max_instances or max_seconds.
 * 0, or -1 with one line in err (pinning, a thread that stopped answering,
 * no memory).  Free r with litmus_result_free. */
static int litmus_run(const litmus_params *p, litmus_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    litmus_ctx *c = litmus_ctx_new(p);
    if (!c) {
        snprintf(err, errlen, "litmus %s: out of memory for %zu instances per round",
                 litmus_shapes[p->shape].name, p->round_instances);
        return -1;
    }
    if (!pairs_run_shared(p->topo, p->cpus, c->info->threads, litmus_thread, c, litmus_ctx_free,
                          2 * p->max_seconds + 10.0, err, errlen))
        return -1;
    *r = c->res;
    r->sync = p->sync;
    r->seconds = c->t_end > c->t_start ? (double)(c->t_end - c->t_start) * 1e-9 : 0.0;
    c->res.events = NULL;
    litmus_ctx_free(c);
    return 0;
}

/* ------------------------------------------------------------------ */
/* The family: benchmarks, litmus.csv, failures                        */

/* One registered test: a shape and variant on chosen CPUs. */
typedef struct litmus_bench {
    litmus_shape shape;
    litmus_variant variant;
    int cpus[LITMUS_MAX_THREADS];
    char cpus_text[64];
    char pair_class[32];
    int runs;                      /* repetitions done so far */
} litmus_bench;

static litmus_bench litmus_benches[LITMUS_SHAPE_COUNT * LITMUS_VARIANT_COUNT * TOPO_PAIR_CLASS_COUNT];
static int litmus_bench_count;
static double litmus_seconds_per_test;
static uint64_t litmus_instances_per_test;

static long long litmus_opt_instances;
static double litmus_opt_seconds;
static long long litmus_opt_size;
static long long litmus_opt_delay = -1;
static int litmus_opt_all_classes;

static const char *litmus_opt_sync;

/* The options' ranges: what a test of sensible length can use. */
static double litmus_max_instances(void) { return 1e11; }
static double litmus_max_seconds(void) { return 600; }
static double litmus_max_size(void) { return 1e6; }
static double litmus_max_delay(void) { return 4096; }

static const bench_option litmus_options[] = {
    { "litmus-instances", BENCH_OPT_INT, &litmus_opt_instances,
      "litmus: at most N instances per test (default 2e7 with --quick, 2e8; at most 1e11)", 1,
      litmus_max_instances, NULL },
    { "litmus-seconds", BENCH_OPT_DOUBLE, &litmus_opt_seconds,
      "litmus: at most S seconds per test and repetition (default: 6 s with --quick, else 30 s, shared by all; "
      "at most 600)", 0.001, litmus_max_seconds, NULL },
    { "litmus-size", BENCH_OPT_INT, &litmus_opt_size,
      "litmus: instances per round, like litmus7's -s (default 1000; at most 1e6)", 1, litmus_max_size, NULL },
    { "litmus-sync", BENCH_OPT_STRING, &litmus_opt_sync,
      "litmus: how the threads line up: timebase (a common start time per instance, the default), instance "
      "(a flag before every instance, litmus7's -barrier user) or round (once per round)", 0, NULL, litmus_sync_names },
    { "litmus-delay", BENCH_OPT_INT, &litmus_opt_delay,
      "litmus: --litmus-sync round: random 0..N spin hints per thread before each round (default 16; 0 = none; "
      "at most 4096)", 0, litmus_max_delay, NULL },
    { "litmus-all-classes", BENCH_OPT_FLAG, &litmus_opt_all_classes,
      "litmus: run the two-thread tests on one pair per pair class (default: the closest non-SMT pair)", 0, NULL,
      NULL },
    { 0 },
};

/* The sync mode chosen (--litmus-sync; timebase by default). */
static litmus_sync litmus_sync_mode(void)
{
    for (int m = 0; litmus_opt_sync && m < LITMUS_SYNC_COUNT; m++)
        if (strcmp(litmus_opt_sync, litmus_sync_names[m]) == 0)
            return (litmus_sync)m;
    return LITMUS_SYNC_TIMEBASE;
}

/* The pairs the two-thread tests run on: one per pair class present with
 * --litmus-all-classes, else the closest class that is not SMT (SMT only
 * when nothing else is allowed).  Returns the count (0: none); *out is
 * malloc'd (free it). */
static int litmus_pairs(const topo *t, int all_classes, topo_pair **out)
{
    int n = pairs_select(t, 0, out);
    if (n < 1 || all_classes)
        return n;
    int i = 0;
    while (i < n - 1 && (*out)[i].pair_class == TOPO_PAIR_SMT)
        i++;
    (*out)[0] = (*out)[i];
    return 1;
}

/* The four CPUs for IRIW: one per core where there are four cores.  -1
 * when fewer than four CPUs are allowed. */
static int litmus_choose_four(const topo *t, int *cpus)
{
    int by_core = topo_core_count(t) >= 4;
    if (!by_core && topo_pu_count(t) < 4)
        return -1;
    for (int i = 0; i < 4; i++)
        cpus[i] = by_core ? topo_core_pu(t, i) : topo_pu(t, i);
    return 0;
}

static void litmus_bench_fn(cbench_state *st);

/* Register shape/variant on the given CPUs, identified by the arguments
 * cpu_a, cpu_b (and workers for IRIW); --filter may skip it. */
static void litmus_add(const topo *t, litmus_shape s, litmus_variant v, const int *cpus)
{
    char name[96];
    int n = litmus_shapes[s].threads;
    snprintf(name, sizeof name, "litmus/%s_%s", litmus_shapes[s].ident, litmus_variant_names[v]);
    litmus_bench *b = &litmus_benches[litmus_bench_count];
    topo_pair pair = { cpus[0], cpus[1], topo_pair_classify(t, cpus[0], cpus[1]) };
    cbench_bench *cb = n == 2 ? pairs_register(name, litmus_bench_fn, b, &pair)
                              : pairs_register_group(name, litmus_bench_fn, b, cpus, n);
    if (!cb)
        return;
    litmus_bench_count++;
    memset(b, 0, sizeof *b);
    b->shape = s;
    b->variant = v;
    memcpy(b->cpus, cpus, sizeof b->cpus);
    pairs_format_cpus(cpus, n, b->cpus_text, sizeof b->cpus_text);
    snprintf(b->pair_class, sizeof b->pair_class, "%s", topo_pair_class_name(pairs_group_class(t, cpus, n)));
    cbench_unit(cb, CBENCH_MS);
}

static char litmus_skip_why[96];

static void litmus_skip_fn(cbench_state *st)
{
    cbench_skip(st, litmus_skip_why);
}

static const bench_config *litmus_cfg;

static void litmus_register(const bench_config *cfg, char *why, size_t whylen)
{
    litmus_cfg = cfg;
    litmus_bench_count = 0;
    const topo *t = cfg->topo;
    if (pairs_require_cpus(t, 2, why, whylen))
        return;
    topo_pair *pairs;
    int npairs = litmus_pairs(t, litmus_opt_all_classes, &pairs);
    if (npairs < 1) {
        snprintf(why, whylen, "the topology module lists no pair of allowed CPUs");
        free(pairs);
        return;
    }
    int four[LITMUS_MAX_THREADS];
    int have_four = litmus_choose_four(t, four) == 0;

    /* the budget is shared as if on one pair: --litmus-all-classes multiplies it */
    int tests = 4 * LITMUS_VARIANT_COUNT + (have_four ? LITMUS_VARIANT_COUNT : 0);
    litmus_seconds_per_test = litmus_opt_seconds > 0 ? litmus_opt_seconds
        : pairs_share_s(cfg, LITMUS_QUICK_BUDGET_S, LITMUS_DEFAULT_BUDGET_S, tests, 0.02, 60.0);
    litmus_instances_per_test = litmus_opt_instances > 0 ? (uint64_t)litmus_opt_instances
        : cfg->quick ? LITMUS_QUICK_MAX_INSTANCES : LITMUS_DEFAULT_MAX_INSTANCES;

    for (int s = 0; s < LITMUS_SHAPE_COUNT; s++)
        for (int v = 0; v < LITMUS_VARIANT_COUNT; v++) {
            if (s == LITMUS_IRIW) {
                if (have_four)
                    litmus_add(t, s, v, four);
                continue;
            }
            for (int i = 0; i < npairs; i++) {
                int cpus[LITMUS_MAX_THREADS] = { pairs[i].cpu_a, pairs[i].cpu_b, -1, -1 };
                litmus_add(t, s, v, cpus);
            }
        }
    free(pairs);
    if (!have_four) {
        char need[80];
        pairs_require_cpus(t, 4, need, sizeof need);
        snprintf(litmus_skip_why, sizeof litmus_skip_why, "iriw %s", need);
        cbench_bench *cb = cbench_register("litmus/iriw", litmus_skip_fn, NULL);
        if (cb)
            cbench_iterations(cb, 1);
    }
}

/* Instances per round: the option, capped so a round's lines stay small. */
static size_t litmus_round_size(void)
{
    unsigned long long n = litmus_opt_size > 0 ? (unsigned long long)litmus_opt_size : LITMUS_ROUND_INSTANCES;
    unsigned long long per = (unsigned long long)LITMUS_MAX_LOCS * PAIRS_LINE;
    unsigned long long cap = LITMUS_MAX_ROUND_BYTES;
    if (litmus_cfg && litmus_cfg->ram_bytes && litmus_cfg->ram_bytes / 64 < cap)
        cap = litmus_cfg->ram_bytes / 64;
    return (size_t)(n * per > cap ? cap / per : n);
}

/* One litmus.csv row per outcome; returns the number of C11-forbidden
 * outcomes seen (invalid values included). */
static uint64_t litmus_write_rows(const litmus_bench *b, const litmus_result *r, int repetition)
{
    static const char *const columns[] = {
        "test", "variant", "outcome", "count", "per_million", "allowed_c11", "allowed_arch",
        "instances", "instances_per_second", "cpus", "pair_class", "arch", "weak", "repetition", "sync",
    };
    output_table *tab = output_table_get("litmus.csv");
    output_table_columns(tab, columns, (int)(sizeof columns / sizeof columns[0]));
    uint64_t forbidden = r->invalid;
    double ips = r->seconds > 0 ? (double)r->instances / r->seconds : NAN;
    for (int o = 0; o < litmus_outcome_count(b->shape) + (r->invalid ? 1 : 0); o++) {
        int invalid = o == litmus_outcome_count(b->shape);
        char name[64];
        if (invalid)
            snprintf(name, sizeof name, "invalid");
        else
            litmus_outcome_name(b->shape, o, name, sizeof name);
        uint64_t count = invalid ? r->invalid : r->counts[o];
        int c11 = invalid ? 0 : litmus_allowed_c11(b->shape, b->variant, o);
        int arch = invalid ? 0 : litmus_allowed_arch(b->shape, b->variant, o);
        if (!c11 && !invalid)
            forbidden += count;
        output_table_row(tab);
        output_table_set_str(tab, "test", litmus_shapes[b->shape].name);
        output_table_set_str(tab, "variant", litmus_variant_names[b->variant]);
        output_table_set_str(tab, "outcome", name);
        output_table_set_int(tab, "count", (long long)count);
        output_table_set_num(tab, "per_million", r->instances ? 1e6 * (double)count / (double)r->instances : NAN);
        output_table_set_int(tab, "allowed_c11", c11);
        output_table_set_num(tab, "allowed_arch", arch < 0 ? NAN : arch);
        output_table_set_int(tab, "instances", (long long)r->instances);
        output_table_set_num(tab, "instances_per_second", ips);
        output_table_set_str(tab, "cpus", b->cpus_text);
        output_table_set_str(tab, "pair_class", b->pair_class);
        output_table_set_str(tab, "arch", LITMUS_ARCH);
        output_table_set_int(tab, "weak", !invalid && (unsigned)o == litmus_shapes[b->shape].weak);
        output_table_set_int(tab, "repetition", repetition);
        output_table_set_str(tab, "sync", litmus_sync_names[r->sync]);
    }
    return forbidden;
}

/* Shout about a forbidden outcome; note an arch-forbidden one that C11 allows. */
static void litmus_check(cbench_state *st, const litmus_bench *b, const litmus_result *r, uint64_t forbidden)
{
    const litmus_shape_info *info = &litmus_shapes[b->shape];
    uint64_t weak = r->counts[info->weak];
    char name[64];
    litmus_outcome_name(b->shape, (int)info->weak, name, sizeof name);
    if (forbidden) {
        char msg[320];
        snprintf(msg, sizeof msg,
                 "%s %s on CPUs %s: %llu of %llu instances show an outcome the C11 model forbids "
                 "(%s seen %llu times, %llu invalid values)",
                 info->name, litmus_variant_names[b->variant], b->cpus_text, (unsigned long long)forbidden,
                 (unsigned long long)r->instances, name, (unsigned long long)weak,
                 (unsigned long long)r->invalid);
        fprintf(stderr, "LITMUS FAILURE: %s\n", msg);
        cbench_error(st, msg);
        return;
    }
    if (weak && litmus_allowed_arch(b->shape, b->variant, (int)info->weak) == 0)
        fprintf(stderr, "litmus: note: %s %s: %s seen %llu times; C11 allows it but %s forbids it\n",
                info->name, litmus_variant_names[b->variant], name, (unsigned long long)weak, LITMUS_ARCH_MODEL);
}

static void litmus_report(cbench_state *st, const litmus_bench *b, const litmus_result *r)
{
    double weak = (double)r->counts[litmus_shapes[b->shape].weak];
    cbench_tag(st, "sync", litmus_sync_names[r->sync]);
    cbench_set_items_processed(st, (int64_t)r->instances);
    cbench_counter(st, "instances", (double)r->instances, CBENCH_COUNTER_PLAIN);
    cbench_counter(st, "instances_per_second", r->seconds > 0 ? (double)r->instances / r->seconds : 0,
                   CBENCH_COUNTER_PLAIN);
    cbench_counter(st, "weak_count", weak, CBENCH_COUNTER_PLAIN);
    cbench_counter(st, "weak_per_million", r->instances ? 1e6 * weak / (double)r->instances : 0,
                   CBENCH_COUNTER_PLAIN);
    cbench_counter(st, "weak_per_second", r->seconds > 0 ? weak / r->seconds : 0, CBENCH_COUNTER_PLAIN);
    if (r->sync == LITMUS_SYNC_TIMEBASE && r->rounds) {
        cbench_counter(st, "late_fraction", (double)r->late / (double)r->starts, CBENCH_COUNTER_PLAIN);
        cbench_counter(st, "timebase_period_ns", r->period_ns_sum / (double)r->rounds, CBENCH_COUNTER_PLAIN);
    }
    int nev = counters_event_count();
    for (int t = 0; nev > 0 && t < r->threads; t++)
        cbench_add_thread_counters(st, r->events + (size_t)t * (size_t)nev);
}

static void litmus_bench_fn(cbench_state *st)
{
    litmus_bench *b = cbench_user(st);
    litmus_params p = {
        .shape = b->shape,
        .variant = b->variant,
        .topo = litmus_cfg->topo,
        .round_instances = litmus_round_size(),
        .max_instances = litmus_instances_per_test,
        .max_seconds = litmus_seconds_per_test,
        .sync = litmus_sync_mode(),
        .max_delay = litmus_opt_delay >= 0 ? (unsigned)litmus_opt_delay : LITMUS_MAX_DELAY,
    };
    memcpy(p.cpus, b->cpus, sizeof p.cpus);
    /* tags cpus and pair_class, main thread's counters off, one iteration */
    if (pairs_begin_group(st, p.topo, p.cpus, litmus_shapes[b->shape].threads))
        return;
    litmus_result r;
    char err[256];
    if (litmus_run(&p, &r, err, sizeof err)) {
        litmus_result_free(&r);
        cbench_error(st, err);
        return;
    }
    uint64_t forbidden = litmus_write_rows(b, &r, b->runs++);
    litmus_report(st, b, &r);
    litmus_check(st, b, &r, forbidden);
    if (!forbidden)
        pairs_end(st, r.seconds);
    litmus_result_free(&r);
}

/* The control of "<test>_<variant>" is "<test>_relaxed" (relaxed has none). */
static int litmus_control(const char *variant, char *ref, size_t len)
{
    size_t n = strlen(variant);
    for (int v = LITMUS_REL_ACQ; v < LITMUS_VARIANT_COUNT; v++) {
        size_t k = strlen(litmus_variant_names[v]);
        if (n > k + 1 && variant[n - k - 1] == '_' && strcmp(variant + n - k, litmus_variant_names[v]) == 0) {
            snprintf(ref, len, "%.*s_%s", (int)(n - k - 1), variant, litmus_variant_names[LITMUS_RELAXED]);
            return 0;
        }
    }
    return -1;
}

static double litmus_control_rate(const output_table *t, size_t row, size_t ref)
{
    (void)row;
    return rows_number(t, ref, "weak_per_million");
}

/* Every non-relaxed row gets the weak rate of the relaxed variant of its
 * test, same CPUs and repetition (or median): the power behind its zero. */
static void litmus_finish(const bench_config *cfg)
{
    (void)cfg;
    rows_derive(rows_results(), "litmus", "control_weak_per_million", litmus_control, litmus_control_rate);
}

const bench_family bench_family_litmus = {
    .name = "litmus",
    .help = "litmus tests SB, MP, LB, 2+2W, IRIW: which reorderings this CPU shows",
    .description =
        "Litmus tests of the memory model in the manner of litmus7: store buffering (SB), message "
        "passing (MP), load buffering (LB), 2+2W and, with four CPUs, IRIW, each with relaxed, "
        "release/acquire, seq_cst-fenced and seq_cst accesses, run as arrays of independent instances "
        "on pinned threads released together each round. Every outcome is counted (litmus.csv) and "
        "checked against what the C11 model and this architecture's model (x86-TSO, ARMv8) allow; an "
        "outcome C11 forbids fails the run. The weak outcomes show what the hardware reorders: store "
        "buffers on every CPU, loads and stores too on weaker ones.",
    .min_cpus = 2,
    .options = litmus_options,
    .register_benchmarks = litmus_register,
    .finish = litmus_finish,
};

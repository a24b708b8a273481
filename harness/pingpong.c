/*
 * pingpong.c — one cache line passed back and forth between two pinned
 * threads (see pingpong.h): the two protocols, the timed initiator, the
 * responder, and the check that every round trip was answered.  The c2c
 * family reports these runs; the placement probes repeat short ones.
 */
#include "memprobe/pingpong.h"

#include "memprobe/clock.h"

#include <stdio.h>
#include <stdlib.h>

#define PINGPONG_STOP UINT64_MAX           /* initiator -> responder: no more round trips */

static const char *const pingpong_names[PINGPONG_VARIANT_COUNT] = {"load_store", "cas"};

const char *pingpong_variant_name(int variant)
{
    return variant >= 0 && variant < PINGPONG_VARIANT_COUNT ? pingpong_names[variant] : "unknown";
}

/* ---- the two protocols ---- */

/* load_store, initiator: publish seq, wait for its echo.  -1 if abandoned. */
static int pingpong_ls_round_trip(pingpong_run *r, uint64_t seq, const _Atomic int *abandon)
{
    atomic_store_explicit(&r->ping, seq, memory_order_release);
    while (atomic_load_explicit(&r->pong, memory_order_acquire) != seq)
        if (pairs_abandoned(abandon))
            return -1;
    return 0;
}

/* load_store, responder: echo every sequence number until PINGPONG_STOP;
 * returns how many it echoed. */
static uint64_t pingpong_ls_respond(pingpong_run *r, const _Atomic int *abandon)
{
    for (uint64_t expect = 1;; expect++) {
        uint64_t v;
        while ((v = atomic_load_explicit(&r->ping, memory_order_acquire)) != expect)
            if (v == PINGPONG_STOP || pairs_abandoned(abandon))
                return expect - 1;
        atomic_store_explicit(&r->pong, v, memory_order_release);
    }
}

/* cas, initiator: move the line from 2seq-2 to 2seq-1, which succeeds once
 * the responder has answered seq-1.  -1 if abandoned. */
static int pingpong_cas_round_trip(pingpong_run *r, uint64_t seq, const _Atomic int *abandon)
{
    const uint64_t from = 2 * seq - 2;
    uint64_t expected = from;
    while (!atomic_compare_exchange_weak_explicit(&r->ping, &expected, from + 1,
                                                  memory_order_acq_rel, memory_order_acquire)) {
        expected = from;
        if (pairs_abandoned(abandon))
            return -1;
    }
    return 0;
}

/* cas, responder: move the line from 2k-1 to 2k for k = 1, 2, ... until the
 * initiator stores PINGPONG_STOP; returns how many moves it made. */
static uint64_t pingpong_cas_respond(pingpong_run *r, const _Atomic int *abandon)
{
    for (uint64_t from = 1;; from += 2) {
        uint64_t expected = from;
        while (!atomic_compare_exchange_weak_explicit(&r->ping, &expected, from + 1,
                                                      memory_order_acq_rel, memory_order_acquire)) {
            if (expected == PINGPONG_STOP || pairs_abandoned(abandon))
                return from / 2;
            expected = from;
        }
    }
}

/* Wait until the responder answered the last round trip, record the final
 * value, and tell it to stop. */
static void pingpong_finish_initiator(pingpong_run *r, const _Atomic int *abandon)
{
    _Atomic uint64_t *line = r->variant == PINGPONG_CAS ? &r->ping : &r->pong;
    const uint64_t want = r->variant == PINGPONG_CAS ? 2 * r->round_trips : r->round_trips;
    while (atomic_load_explicit(line, memory_order_acquire) != want && !pairs_abandoned(abandon))
        ;
    r->final_value = atomic_load_explicit(line, memory_order_acquire);
    atomic_store_explicit(&r->ping, PINGPONG_STOP, memory_order_release);
}

/* Initiator: batches of PINGPONG_BATCH timed round trips until the budget or
 * the sample array is used up. */
static void pingpong_initiate(pingpong_run *r, const _Atomic int *abandon)
{
    int (*round_trip)(pingpong_run *, uint64_t, const _Atomic int *) =
        r->variant == PINGPONG_CAS ? pingpong_cas_round_trip : pingpong_ls_round_trip;
    uint64_t seq = 0;
    /* cas: the first move only starts the chain; its answer ends round trip 2 */
    if (r->variant == PINGPONG_CAS && round_trip(r, ++seq, abandon) != 0) {
        r->abandoned = 1;
        goto out;
    }
    const uint64_t deadline = clock_now_ns() + r->budget_ns;
    while (r->n_samples < r->max_samples) {
        uint64_t t0 = clock_ticks();
        for (int k = 0; k < PINGPONG_BATCH; k++)
            if (round_trip(r, ++seq, abandon) != 0) {
                r->abandoned = 1;
                goto out;
            }
        uint64_t t1 = clock_ticks();
        r->samples[r->n_samples++] = (double)(t1 - t0) * r->ns_per_tick / (2.0 * PINGPONG_BATCH);
        if (clock_now_ns() >= deadline)
            break;
    }
out:
    r->round_trips = seq - (r->abandoned ? 1 : 0);
    pingpong_finish_initiator(r, abandon);
}

static void pingpong_thread(void *arg, int index)
{
    pingpong_run *r = arg;
    const _Atomic int *abandon = pin_current_abandon_flag();
    pairs_counters_start(&r->counters[index]);
    if (pin_barrier_wait(&r->start, abandon) == 0) {
        if (index == 0)
            pingpong_initiate(r, abandon);
        else   /* counted locally: a shared counter would add traffic to the measurement */
            r->responses = r->variant == PINGPONG_CAS ? pingpong_cas_respond(r, abandon)
                                                      : pingpong_ls_respond(r, abandon);
    }
    pairs_counters_stop(&r->counters[index]);
}

void pingpong_free(pingpong_run *r)
{
    if (!r)
        return;
    pairs_counters_discard(r->counters, 2);
    free(r->samples);
    free(r);
}

static void pingpong_free_run(void *run)
{
    pingpong_free(run);
}

pingpong_run *pingpong_measure(const topo *t, const topo_pair *p, int variant, double budget_s,
                               size_t max_samples, char *err, size_t errlen)
{
    pingpong_run *r = pairs_calloc_lines(sizeof *r);
    double *samples = malloc((max_samples ? max_samples : 1) * sizeof *samples);
    if (!r || !samples) {
        free(r);
        free(samples);
        snprintf(err, errlen, "ping-pong: out of memory for %zu samples", max_samples);
        return NULL;
    }
    r->samples = samples;
    r->variant = variant;
    r->budget_ns = (uint64_t)(budget_s * 1e9);
    r->max_samples = max_samples;
    r->ns_per_tick = clock_ns_per_tick();
    pin_barrier_init(&r->start, 2);
    const int cpus[2] = {p->cpu_a, p->cpu_b};
    return pairs_run_shared(t, cpus, 2, pingpong_thread, r, pingpong_free_run, budget_s + 10.0, err, errlen);
}

int pingpong_verify(const pingpong_run *r, char *err, size_t errlen)
{
    uint64_t want = r->variant == PINGPONG_CAS ? 2 * r->round_trips : r->round_trips;
    if (r->abandoned || r->responses != r->round_trips || r->final_value != want) {
        snprintf(err, errlen, "c2c %s: %llu round trips, %llu answered, final value %llu (expected %llu)%s",
                 pingpong_variant_name(r->variant), (unsigned long long)r->round_trips,
                 (unsigned long long)r->responses, (unsigned long long)r->final_value,
                 (unsigned long long)want, r->abandoned ? ", abandoned" : "");
        return -1;
    }
    return 0;
}

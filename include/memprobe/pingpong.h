/*
 * pingpong.h — one cache line passed back and forth between two pinned
 * threads: the core-to-core latency experiment the c2c family reports and
 * the placement probes (placement.h) repeat during a run.
 *
 *   PINGPONG_LOAD_STORE  the initiator stores a sequence number into `ping`
 *                        (release) and spins on `pong` (acquire) until the
 *                        responder echoes it; the flags sit in separate
 *                        PAIRS_LINE blocks, so a round trip moves two lines
 *   PINGPONG_CAS         both threads compare-and-swap one line: the
 *                        initiator from 2k-2 to 2k-1, the responder from
 *                        2k-1 to 2k
 *
 * The initiator times batches of PINGPONG_BATCH round trips with
 * clock_ticks(); one sample = batch time / (2 * PINGPONG_BATCH), the one-way
 * latency.  The spin loops execute no pause hint (it would add its own
 * latency) but poll the group's abandon flag, so a dead peer cannot hang a
 * run.  Every run can be checked: all round trips answered, the line ends at
 * the value the sequence says.
 */
#ifndef MEMPROBE_PINGPONG_H
#define MEMPROBE_PINGPONG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "memprobe/pairs.h"
#include "memprobe/pin.h"
#include "memprobe/topo.h"

#ifdef __cplusplus
extern "C" {
#endif

enum pingpong_variant { PINGPONG_LOAD_STORE, PINGPONG_CAS, PINGPONG_VARIANT_COUNT };

#define PINGPONG_BATCH 64                  /* round trips per timed sample */

/* "load_store" or "cas". */
const char *pingpong_variant_name(int variant);

/* One experiment: the lines the threads share and what they report. */
typedef struct pingpong_run {
    _Alignas(PAIRS_LINE) _Atomic uint64_t ping;   /* load_store: initiator's flag; cas: the line */
    _Alignas(PAIRS_LINE) _Atomic uint64_t pong;   /* load_store: responder's flag */
    _Alignas(PAIRS_LINE) pin_barrier start;
    int variant;
    uint64_t budget_ns;                 /* the initiator stops sampling after this */
    size_t max_samples;
    double ns_per_tick;
    double *samples;                    /* one-way ns per batch (initiator) */
    size_t n_samples;
    uint64_t round_trips;               /* initiator: round trips started and answered */
    uint64_t responses;                 /* responder: round trips answered (written at its end) */
    uint64_t final_value;               /* load_store: pong; cas: the line (2 * round trips) */
    int abandoned;
    pairs_counters counters[2];         /* initiator's and responder's events */
} pingpong_run;

/* Run variant on pair p for about budget_s seconds (or max_samples
 * batches).  Returns the run, or NULL with one line in err (after a timeout
 * the run is kept alive on purpose: its threads may still touch it). */
pingpong_run *pingpong_measure(const topo *t, const topo_pair *p, int variant, double budget_s,
                               size_t max_samples, char *err, size_t errlen);
/* The protocol's own check: 0, or -1 with one line in err. */
int pingpong_verify(const pingpong_run *r, char *err, size_t errlen);
/* Free a run (NULL is fine); its worker counters are discarded. */
void pingpong_free(pingpong_run *r);

#ifdef __cplusplus
}
#endif
#endif

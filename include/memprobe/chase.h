/*
 * chase.h — dependent pointer chases: slots of a buffer (one pointer each, at
 * byte offsets the caller chooses) linked into random cycles, so that every
 * load's address comes from the load before it and neither the prefetchers
 * nor out-of-order execution can run ahead.  The latency, mlp, tlb and
 * loaded_latency families build their chases here: one cycle over every
 * line of a set, k independent cycles walked together, one slot per page.
 */
#ifndef MEMPROBE_CHASE_H
#define MEMPROBE_CHASE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Link the n slots at byte offsets off[0..n) of buf (each offset aligned to
 * a pointer) into k cycles: the slots are shuffled with seed (the same seed
 * gives the same order), dealt into k runs of n/k (the first n % k runs one
 * longer) and each run closed into a cycle.  heads[j] gets a slot of cycle j.
 * 0, or -1 when k < 1 or k > n. */
int chase_link(void *buf, const size_t *off, size_t n, int k, uint64_t seed, void **heads);

/* Offsets of every line of a bytes-long set (bytes / line of them) into off;
 * returns how many. */
size_t chase_line_offsets(size_t *off, size_t bytes, size_t line);

/* Offsets of one slot per page for pages pages of page bytes: page i's slot
 * sits at line (i mod lines per page) of it, so consecutive pages use
 * different cache sets.  Returns pages. */
size_t chase_page_offsets(size_t *off, size_t pages, size_t page, size_t line);

/* Walk a cycle from p for loads loads; returns where it stopped (keep it:
 * the walk is the measurement). */
static inline void *chase_walk(void *p, size_t loads)
{
    void **q = p;
    for (size_t i = 0; i < loads; i++)
        q = (void **)*q;
    return q;
}

#ifdef __cplusplus
}
#endif
#endif

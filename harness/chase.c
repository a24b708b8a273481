/*
 * chase.c — building the random cycles of chase.h (Sattolo-style: a
 * shuffled order of slots, each pointing at the next in its run).
 */
#include "memprobe/chase.h"

#include <stdlib.h>

#include "memprobe/rng.h"

int chase_link(void *buf, const size_t *off, size_t n, int k, uint64_t seed, void **heads)
{
    if (k < 1 || (size_t)k > n)
        return -1;
    size_t *order = calloc(n, sizeof *order);
    if (!order)
        return -1;
    for (size_t i = 0; i < n; i++)
        order[i] = off[i];
    if (seed == 0)
        seed = 0x9E3779B97F4A7C15ull;   /* xorshift's state must not be 0 */
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = rng_next(&seed) % (i + 1);
        size_t tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
    char *base = buf;
    size_t start = 0;
    for (int c = 0; c < k; c++) {
        size_t len = n / (size_t)k + ((size_t)c < n % (size_t)k);
        if (len == 0 || start + len > n)
            break;   /* cannot happen: the runs add up to n */
        for (size_t i = 0; i < len; i++) {
            size_t next = i + 1 < len ? start + i + 1 : start;
            *(void **)(base + order[start + i]) = base + order[next];
        }
        heads[c] = base + order[start];
        start += len;
    }
    free(order);
    return 0;
}

size_t chase_line_offsets(size_t *off, size_t bytes, size_t line)
{
    size_t n = bytes / line;
    for (size_t i = 0; i < n; i++)
        off[i] = i * line;
    return n;
}

size_t chase_page_offsets(size_t *off, size_t pages, size_t page, size_t line)
{
    size_t lines = page / line;
    for (size_t i = 0; i < pages; i++)
        off[i] = i * page + (i % lines) * line;
    return pages;
}

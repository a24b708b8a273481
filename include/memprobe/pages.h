/*
 * pages.h — anonymous memory mapped with a stated page policy, and what the
 * kernel's huge-page settings are.
 *
 * A family that measures memory whose page size matters (the latency ladder,
 * the cold-touch variants of access; later the TLB and bandwidth families)
 * maps it here instead of calling mmap itself, so the page size is chosen,
 * not inherited from /sys/kernel/mm/transparent_hugepage/enabled:
 *
 *   PAGES_BASE     the base page (4 KiB on x86-64): madvise(MADV_NOHUGEPAGE),
 *                  so transparent huge pages set to "always" cannot step in;
 *   PAGES_THP      transparent huge pages: aligned to the PMD size
 *                  (hpage_pmd_size) and madvise(MADV_HUGEPAGE);
 *   PAGES_HUGETLB  hugetlbfs 2 MiB pages (MAP_HUGETLB): only where pages are
 *                  reserved (/proc/sys/vm/nr_hugepages).
 *
 * A policy that cannot be had says why in one line (never a silent fallback
 * to another page size), and pages_huge_bytes tells afterwards how much of a
 * mapping the kernel really backed with huge pages.
 */
#ifndef MEMPROBE_PAGES_H
#define MEMPROBE_PAGES_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pages_policy { PAGES_BASE, PAGES_THP, PAGES_HUGETLB, PAGES_POLICY_COUNT } pages_policy;

/* The size of a hugetlbfs page PAGES_HUGETLB maps. */
#define PAGES_HUGETLB_BYTES (2ull << 20)

/* One mapping. */
typedef struct pages_map {
    void *p;                 /* bytes usable bytes, aligned to the policy's page size */
    size_t bytes;            /* as asked */
    void *base;              /* what was mapped (munmap'd by pages_unmap) */
    size_t span;
    pages_policy policy;
} pages_map;

/* "base", "thp" or "hugetlb": the value of the rows' page_policy column. */
const char *pages_policy_name(pages_policy policy);

/* The page size a policy maps with: the base page, the PMD size, 2 MiB
 * (0 for THP when the kernel has none). */
size_t pages_policy_bytes(pages_policy policy);

/* Can bytes be mapped with policy here?  0, or -1 with one line in why
 * (THP missing or set to never; too few free 2 MiB hugetlbfs pages, with
 * the command that reserves them). */
int pages_usable(pages_policy policy, size_t bytes, char *why, size_t whylen);

/* Map bytes (> 0) of private anonymous read-write memory with policy; with
 * populate, every page is faulted in before it returns (MADV_POPULATE_WRITE
 * after the advice, so the policy holds for the faults too).  0, or -1 with
 * one line in why and *m zeroed.  Cheap enough for a timed loop: it reads
 * no settings (ask pages_usable once, before the loop). */
int pages_map_memory(pages_map *m, size_t bytes, pages_policy policy, int populate, char *why, size_t whylen);

/* Give a mapping back (a zeroed one is fine); zeroes *m. */
void pages_unmap(pages_map *m);

/* Bytes of the mapping at p the kernel backs with huge pages now
 * (AnonHugePages plus hugetlb pages of the area holding p in
 * /proc/self/smaps), or -1 when that cannot be read.  An area the kernel
 * merged with a neighbour counts the neighbour too, so the result is capped
 * at bytes.  Any memory: a pages_map's p, a large malloc'd block. */
long long pages_huge_bytes(const void *p, size_t bytes);

/* The selected value of /sys/kernel/mm/transparent_hugepage/<file>
 * ("enabled" or "defrag": the word in brackets) into buf.  0, or -1 when
 * the kernel has no THP. */
int pages_thp_setting(const char *file, char *buf, size_t len);

/* One hugetlbfs page size and its pool (/sys/kernel/mm/hugepages). */
typedef struct pages_hugetlb_pool {
    unsigned long long page_bytes;
    long long total_pages;   /* nr_hugepages; -1 when unreadable */
    long long free_pages;    /* free_hugepages; -1 when unreadable */
} pages_hugetlb_pool;

/* The hugetlbfs pools, smallest page first, at most max of them; returns
 * how many were stored (0 when the kernel has none). */
int pages_hugetlb_pools(pages_hugetlb_pool *out, int max);

#ifdef __cplusplus
}
#endif
#endif

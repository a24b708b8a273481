/*
 * pages.c — anonymous mappings with a stated page policy (base pages,
 * transparent huge pages, hugetlbfs 2 MiB pages), how much of a mapping is
 * really backed by huge pages, and the kernel's huge-page settings (see
 * pages.h).
 */
#include "memprobe/pages.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGES_THP_SYSFS "/sys/kernel/mm/transparent_hugepage"
#define PAGES_HUGETLB_SYSFS "/sys/kernel/mm/hugepages"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23   /* Linux 5.14 */
#endif
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif

static const char *const pages_names[PAGES_POLICY_COUNT] = {"base", "thp", "hugetlb"};

const char *pages_policy_name(pages_policy policy)
{
    return policy < PAGES_POLICY_COUNT ? pages_names[policy] : "unknown";
}

/* ---- reading sysfs ---- */

/* A one-line sysfs file into buf (newline dropped).  0, or -1 when it
 * cannot be read or is empty. */
static int pages_read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, len - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    return buf[0] ? 0 : -1;
}

/* A whole number read from path, or -1. */
static long long pages_read_number(const char *path)
{
    char buf[64], *end;
    if (pages_read_line(path, buf, sizeof buf) != 0)
        return -1;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    return end == buf || errno != 0 || v < 0 ? -1 : v;
}

int pages_thp_setting(const char *file, char *buf, size_t len)
{
    char path[128], line[256];
    snprintf(path, sizeof path, PAGES_THP_SYSFS "/%s", file);
    if (pages_read_line(path, line, sizeof line) != 0)
        return -1;
    const char *open = strchr(line, '['), *close = open ? strchr(open, ']') : NULL;
    if (!open || !close)
        return -1;
    snprintf(buf, len, "%.*s", (int)(close - open - 1), open + 1);
    return 0;
}

/* The PMD (transparent huge page) size, 0 when the kernel has no THP. */
static size_t pages_thp_bytes_now(void)
{
    long long v = pages_read_number(PAGES_THP_SYSFS "/hpage_pmd_size");
    return v >= 4096 && (v & (v - 1)) == 0 ? (size_t)v : 0;
}

/* The PMD size, read once per process: pages_map_memory sits in timed
 * loops, where a sysfs read per call would be measured. */
static size_t pages_thp_cached;
static pthread_once_t pages_thp_once = PTHREAD_ONCE_INIT;

static void pages_thp_read(void)
{
    pages_thp_cached = pages_thp_bytes_now();
}

static size_t pages_thp_bytes(void)
{
    pthread_once(&pages_thp_once, pages_thp_read);
    return pages_thp_cached;
}

/* The pool of hugetlbfs pages of size page_bytes. */
static pages_hugetlb_pool pages_pool_of(unsigned long long page_bytes)
{
    char path[160];
    pages_hugetlb_pool p = {.page_bytes = page_bytes};
    snprintf(path, sizeof path, PAGES_HUGETLB_SYSFS "/hugepages-%llukB/nr_hugepages", page_bytes >> 10);
    p.total_pages = pages_read_number(path);
    snprintf(path, sizeof path, PAGES_HUGETLB_SYSFS "/hugepages-%llukB/free_hugepages", page_bytes >> 10);
    p.free_pages = pages_read_number(path);
    return p;
}

int pages_hugetlb_pools(pages_hugetlb_pool *out, int max)
{
    /* the sizes a kernel offers are powers of two from 64 KiB (arm64) to 16 GiB */
    int n = 0;
    for (unsigned long long kb = 64; kb <= (16ull << 20) && n < max; kb *= 2) {
        char path[128];
        snprintf(path, sizeof path, PAGES_HUGETLB_SYSFS "/hugepages-%llukB", kb);
        if (access(path, F_OK) == 0)
            out[n++] = pages_pool_of(kb << 10);
    }
    return n;
}

size_t pages_policy_bytes(pages_policy policy)
{
    switch (policy) {
    case PAGES_THP:
        return pages_thp_bytes();
    case PAGES_HUGETLB:
        return (size_t)PAGES_HUGETLB_BYTES;
    default:
        return (size_t)sysconf(_SC_PAGESIZE);
    }
}

/* ---- usable? ---- */

static size_t pages_round_up(size_t bytes, size_t page)
{
    return (bytes + page - 1) / page * page;
}

static int pages_thp_usable(char *why, size_t whylen)
{
    char mode[64];
    if (pages_thp_setting("enabled", mode, sizeof mode) != 0 || !pages_thp_bytes_now()) {
        snprintf(why, whylen, "transparent huge pages not available (no " PAGES_THP_SYSFS "/enabled)");
        return -1;
    }
    if (strcmp(mode, "never") == 0) {
        snprintf(why, whylen, "transparent huge pages disabled (" PAGES_THP_SYSFS "/enabled is never)");
        return -1;
    }
    return 0;
}

static int pages_hugetlb_usable(size_t bytes, char *why, size_t whylen)
{
    pages_hugetlb_pool pool = pages_pool_of(PAGES_HUGETLB_BYTES);
    long long need = (long long)(pages_round_up(bytes, (size_t)PAGES_HUGETLB_BYTES) / PAGES_HUGETLB_BYTES);
    if (pool.free_pages < 0) {
        snprintf(why, whylen, "no 2 MiB hugetlbfs pages on this kernel (no " PAGES_HUGETLB_SYSFS "/hugepages-2048kB)");
        return -1;
    }
    if (pool.free_pages < need) {
        snprintf(why, whylen,
                 "needs %lld free 2 MiB hugetlbfs pages, %lld free (as root: echo %lld > /proc/sys/vm/nr_hugepages)",
                 need, pool.free_pages, pool.total_pages - pool.free_pages + need);
        return -1;
    }
    return 0;
}

int pages_usable(pages_policy policy, size_t bytes, char *why, size_t whylen)
{
    switch (policy) {
    case PAGES_BASE:
        return 0;
    case PAGES_THP:
        return pages_thp_usable(why, whylen);
    case PAGES_HUGETLB:
        return pages_hugetlb_usable(bytes, why, whylen);
    default:
        snprintf(why, whylen, "unknown page policy %d", (int)policy);
        return -1;
    }
}

/* ---- mapping ---- */

static int pages_fail(pages_map *m, char *why, size_t whylen, const char *what)
{
    snprintf(why, whylen, "%s: %s", what, strerror(errno));
    pages_unmap(m);
    return -1;
}

/* Fault every page of m in.  MADV_POPULATE_WRITE keeps the advice in force
 * for the faults; a kernel before 5.14 lacks it, and then base pages are
 * populated with MAP_POPULATE where THP cannot step in without advice. */
static int pages_populate(pages_map *m, char *why, size_t whylen)
{
    size_t len = m->policy == PAGES_THP ? pages_round_up(m->bytes, pages_thp_bytes()) : m->bytes;
    if (madvise(m->p, len, MADV_POPULATE_WRITE) == 0)
        return 0;
    char mode[64] = "";
    if (errno != EINVAL || m->policy != PAGES_BASE ||
        (pages_thp_setting("enabled", mode, sizeof mode) == 0 && strcmp(mode, "always") == 0)) {
        snprintf(why, whylen, "cannot populate the mapping with %s pages (MADV_POPULATE_WRITE: %s; needs Linux 5.14)",
                 pages_policy_name(m->policy), strerror(errno));
        pages_unmap(m);
        return -1;
    }
    size_t bytes = m->bytes;
    pages_unmap(m);
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED)
        return pages_fail(m, why, whylen, "mmap(MAP_POPULATE)");
    *m = (pages_map){.p = p, .bytes = bytes, .base = p, .span = bytes, .policy = PAGES_BASE};
    return 0;
}

static int pages_map_base(pages_map *m, size_t bytes, char *why, size_t whylen)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return pages_fail(m, why, whylen, "mmap");
    *m = (pages_map){.p = p, .bytes = bytes, .base = p, .span = bytes, .policy = PAGES_BASE};
    /* EINVAL: a kernel without THP, where base pages are all there is */
    if (madvise(p, bytes, MADV_NOHUGEPAGE) != 0 && errno != EINVAL)
        return pages_fail(m, why, whylen, "madvise(MADV_NOHUGEPAGE)");
    return 0;
}

/* Whole huge pages, aligned: a set smaller than one huge page still gets one. */
static int pages_map_thp(pages_map *m, size_t bytes, char *why, size_t whylen)
{
    size_t huge = pages_thp_bytes(), len = pages_round_up(bytes, huge), span = len + huge;
    char *raw = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return pages_fail(m, why, whylen, "mmap");
    char *p = (char *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
    *m = (pages_map){.p = p, .bytes = bytes, .base = raw, .span = span, .policy = PAGES_THP};
    if (madvise(p, len, MADV_HUGEPAGE) != 0)
        return pages_fail(m, why, whylen, "madvise(MADV_HUGEPAGE)");
    return 0;
}

static int pages_map_hugetlb(pages_map *m, size_t bytes, int populate, char *why, size_t whylen)
{
    size_t len = pages_round_up(bytes, (size_t)PAGES_HUGETLB_BYTES);
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (21 << MAP_HUGE_SHIFT) | (populate ? MAP_POPULATE : 0);
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (p == MAP_FAILED)
        return pages_fail(m, why, whylen, "mmap(MAP_HUGETLB, 2 MiB pages)");
    *m = (pages_map){.p = p, .bytes = bytes, .base = p, .span = len, .policy = PAGES_HUGETLB};
    return 0;
}

int pages_map_memory(pages_map *m, size_t bytes, pages_policy policy, int populate, char *why, size_t whylen)
{
    *m = (pages_map){0};
    if (bytes == 0) {
        snprintf(why, whylen, "cannot map 0 bytes");
        return -1;
    }
    if (policy == PAGES_THP && !pages_thp_bytes()) {
        snprintf(why, whylen, "transparent huge pages not available (no " PAGES_THP_SYSFS "/hpage_pmd_size)");
        return -1;
    }
    int rc;
    switch (policy) {
    case PAGES_THP:
        rc = pages_map_thp(m, bytes, why, whylen);
        break;
    case PAGES_HUGETLB:
        return pages_map_hugetlb(m, bytes, populate, why, whylen);
    default:
        rc = pages_map_base(m, bytes, why, whylen);
        break;
    }
    return rc == 0 && populate ? pages_populate(m, why, whylen) : rc;
}

void pages_unmap(pages_map *m)
{
    if (m->base)
        munmap(m->base, m->span);
    *m = (pages_map){0};
}

/* ---- what the kernel did ---- */

/* Does the smaps header line "start-end perms ..." cover address a? */
static int pages_area_covers(const char *line, uintptr_t a)
{
    char *end;
    errno = 0;
    unsigned long long lo = strtoull(line, &end, 16);
    if (end == line || *end != '-' || errno != 0)
        return 0;
    const char *rest = end + 1;
    unsigned long long hi = strtoull(rest, &end, 16);
    return end != rest && *end == ' ' && errno == 0 && a >= lo && a < hi;
}

/* kB of a "Key:   N kB" smaps line when its key is one that counts huge
 * pages, else 0. */
static long long pages_huge_kb(const char *line)
{
    static const char *const keys[] = {"AnonHugePages:", "Private_Hugetlb:", "Shared_Hugetlb:"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        size_t n = strlen(keys[i]);
        if (strncmp(line, keys[i], n) == 0)
            return strtoll(line + n, NULL, 10);
    }
    return 0;
}

long long pages_huge_bytes(const void *p, size_t bytes)
{
    if (!p)
        return -1;
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    char line[512];
    long long kb = 0;
    int inside = 0, found = 0;
    while (fgets(line, sizeof line, f)) {
        /* an area header starts with a hex digit; its fields with a capital */
        if ((line[0] >= '0' && line[0] <= '9') || (line[0] >= 'a' && line[0] <= 'f')) {
            inside = pages_area_covers(line, (uintptr_t)p);
            found |= inside;
        } else if (inside) {
            kb += pages_huge_kb(line);
        }
    }
    fclose(f);
    if (!found)
        return -1;
    long long huge = kb * 1024;
    return huge < (long long)bytes ? huge : (long long)bytes;
}

/*
 * tlb.c — how far the TLBs reach and what huge pages buy.
 *
 * tlb/spread chases one line per 4 KiB page (chase.h: a random cycle; page
 * i's line sits at line i mod 64 of it, so the lines fall in different cache
 * sets) over 16 to 65,536 pages mapped with base pages (MADV_NOHUGEPAGE):
 * every load needs a translation of its own.  tlb/packed, the control,
 * chases the same number of lines packed together (pages * 64 bytes, in as
 * few pages as possible: transparent huge pages where the kernel has them),
 * so the data volume and the cache behaviour match and only the pages
 * differ.  translation_ns, derived on every spread row from the packed row
 * of the same page count and repetition, is the cost of the translation.
 * tlb/spread_thp and tlb/spread_hugetlb chase the same 4 KiB-strided lines
 * on transparent huge pages and on hugetlbfs 2 MiB pages (skipped with the
 * reason where the kernel has none reserved): 512 of the strides share one
 * page, which is what huge pages buy.  The pages column counts 4 KiB
 * strides; mapped_pages the pages of the policy's size the set spans.
 *
 * At the end tlb_steps.csv names, per page policy, the page counts where
 * translation_ns steps up (the reach of a TLB level: the last count before
 * the step) and the cost per level (the median translation_ns of the
 * plateau after it).
 */
#include "memprobe/bench.h"
#include "memprobe/cbench.h"
#include "memprobe/chase.h"
#include "memprobe/measure.h"
#include "memprobe/output.h"
#include "memprobe/pages.h"
#include "memprobe/rows.h"
#include "memprobe/stats.h"
#include "memprobe/topo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TLB_STRIDE 4096u
#define TLB_MIN_PAGES 16
#define TLB_MAX_PAGES 65536
#define TLB_QUICK_MAX_PAGES 16384   /* --quick: past the second-level TLB of current cores, 64 MiB */
#define TLB_STEP_NS 1.0     /* a step rises by at least this much ... */
#define TLB_STEP_RATIO 1.5  /* ... and to at least this times the plateau before it */

typedef enum tlb_variant { TLB_PACKED, TLB_SPREAD, TLB_SPREAD_THP, TLB_SPREAD_HUGETLB, TLB_VARIANT_COUNT } tlb_variant;
static const char *const tlb_names[TLB_VARIANT_COUNT] = {"packed", "spread", "spread_thp", "spread_hugetlb"};
static const pages_policy tlb_spread_policy[TLB_VARIANT_COUNT] = {PAGES_THP, PAGES_BASE, PAGES_THP, PAGES_HUGETLB};
static const tlb_variant tlb_variants[TLB_VARIANT_COUNT] = {TLB_PACKED, TLB_SPREAD, TLB_SPREAD_THP,
                                                            TLB_SPREAD_HUGETLB};

/* The chase being measured: one at a time, kept while the same variant and
 * page count are asked for (calibration and repetitions). */
static struct {
    tlb_variant variant;
    size_t pages;
    pages_map map;
    pages_policy policy;
    void *head;
    unsigned line;
    pages_policy packed_policy;
} tlb;

/* Offsets of the chase: one line per 4 KiB stride, or packed lines. */
static size_t tlb_offsets(tlb_variant v, size_t pages, size_t *off)
{
    if (v == TLB_PACKED)
        return chase_line_offsets(off, pages * tlb.line, tlb.line);
    return chase_page_offsets(off, pages, TLB_STRIDE, tlb.line);
}

static int tlb_prepare(tlb_variant v, size_t pages, char *why, size_t whylen)
{
    if (tlb.head && tlb.variant == v && tlb.pages == pages)
        return 0;
    pages_unmap(&tlb.map);
    tlb.head = NULL;
    pages_policy policy = v == TLB_PACKED ? tlb.packed_policy : tlb_spread_policy[v];
    size_t bytes = v == TLB_PACKED ? pages * tlb.line : pages * TLB_STRIDE;
    if (pages_usable(policy, bytes, why, whylen) != 0 || pages_map_memory(&tlb.map, bytes, policy, 0, why, whylen) != 0)
        return -1;
    size_t *off = malloc(pages * sizeof *off);
    if (!off || chase_link(tlb.map.p, off, tlb_offsets(v, pages, off), 1, 0x746c62ull ^ pages, &tlb.head) != 0) {
        free(off);
        pages_unmap(&tlb.map);
        snprintf(why, whylen, "out of memory for the chase order of %zu pages", pages);
        return -1;
    }
    free(off);
    tlb.variant = v;
    tlb.pages = pages;
    tlb.policy = policy;
    return 0;
}

static void tlb_chase(cbench_state *st)
{
    tlb_variant v = *(const tlb_variant *)cbench_user(st);
    size_t pages = (size_t)cbench_range(st, 0);
    char why[256];
    if (tlb_prepare(v, pages, why, sizeof why) != 0) {
        if (v == TLB_SPREAD || v == TLB_PACKED)
            cbench_error(st, why);
        else
            cbench_skip(st, why);
        return;
    }
    cbench_tag(st, "page_policy", pages_policy_name(tlb.policy));
    void *p = chase_walk(tlb.head, pages);   /* warm: one lap */
    for (int64_t n; (n = cbench_next_batch(st)) > 0;)
        p = chase_walk(p, (size_t)n);
    cbench_do_not_optimize(p);
    size_t page = pages_policy_bytes(tlb.policy);
    if (page) {
        size_t mapped = (tlb.map.bytes + page - 1) / page;
        cbench_counter(st, "mapped_pages", (double)mapped, CBENCH_COUNTER_PLAIN);
    }
    long long huge = pages_huge_bytes(tlb.map.p, tlb.map.bytes);
    if (huge >= 0)
        cbench_counter(st, "huge_page_fraction", (double)huge / (double)tlb.map.bytes, CBENCH_COUNTER_PLAIN);
}

static void tlb_register(const bench_config *cfg, char *why, size_t whylen)
{
    (void)why, (void)whylen;
    char ignored[256];
    tlb.line = topo_cache_line(cfg->topo);
    if (tlb.line < sizeof(void *) || tlb.line > TLB_STRIDE / 2)
        tlb.line = 64;
    tlb.packed_policy = pages_usable(PAGES_THP, 1u << 21, ignored, sizeof ignored) == 0 ? PAGES_THP : PAGES_BASE;
    size_t top = cfg->quick ? TLB_QUICK_MAX_PAGES : TLB_MAX_PAGES;
    while (top > TLB_MIN_PAGES && (unsigned long long)top * TLB_STRIDE > cfg->ram_bytes / 8)
        top /= 2;
    static const char *const names[] = {"pages"};
    for (int v = 0; v < TLB_VARIANT_COUNT; v++) {
        char name[64];
        snprintf(name, sizeof name, "tlb/%s", tlb_names[v]);
        cbench_bench *b = cbench_register(name, tlb_chase, (void *)&tlb_variants[v]);
        if (!b)
            continue;
        cbench_arg_names(b, names, 1);
        for (size_t pages = TLB_MIN_PAGES; pages <= top; pages *= cfg->quick ? 4 : 2)
            cbench_arg(b, (int64_t)pages);
        measure_timing(b, cfg, 0.02, 0.02);
    }
}

/* Every spread variant's reference is packed. */
static int tlb_reference(const char *variant, char *ref, size_t len)
{
    if (strncmp(variant, "spread", 6) != 0)
        return -1;
    snprintf(ref, len, "%s", tlb_names[TLB_PACKED]);
    return 0;
}

static double tlb_translation(const output_table *t, size_t row, size_t ref)
{
    return rows_number(t, row, "real_ns") - rows_number(t, ref, "real_ns");
}

/* Median translation_ns of variant at each page count (NaN where none). */
static size_t tlb_curve(const output_table *t, const char *variant, double *pages, double *ns, size_t max)
{
    size_t n = 0;
    for (size_t p = TLB_MIN_PAGES; p <= TLB_MAX_PAGES && n < max; p *= 2) {
        double x = rows_median_at(t, "tlb", variant, "pages", (double)p, "translation_ns");
        if (!isnan(x)) {
            pages[n] = (double)p;
            ns[n++] = x;
        }
    }
    return n;
}

/* The steps of a translation-cost curve: where it rises by TLB_STEP_NS and
 * TLB_STEP_RATIO over the plateau before it, and stays there at the next
 * point (or it is the last).  reach[i] is the count before step i, cost[i]
 * the median of the plateau after it.  Returns the number of steps. */
static size_t tlb_steps(const double *pages, const double *ns, size_t n, double *reach, double *cost, size_t max)
{
    size_t steps = 0, from = 0;
    if (n > 32)
        n = 32;
    for (size_t i = 1; i < n && steps < max; i++) {
        double base = stats_median((double[]){ns[from], ns[i - 1]}, 2), bar = base * TLB_STEP_RATIO;
        if (bar < base + TLB_STEP_NS)
            bar = base + TLB_STEP_NS;
        if (ns[i] < bar || (i + 1 < n && ns[i + 1] < bar))
            continue;
        reach[steps] = pages[i - 1];
        size_t end = i + 1;
        while (end < n && ns[end] < ns[i] * TLB_STEP_RATIO && ns[end] < ns[i] + 4 * TLB_STEP_NS)
            end++;
        double tmp[32];
        memcpy(tmp, ns + i, (end - i) * sizeof *tmp);
        cost[steps++] = stats_median(tmp, end - i);
        from = i;
        i = end - 1;
    }
    return steps;
}

static void tlb_finish(const bench_config *cfg)
{
    (void)cfg;
    output_table *t = rows_results();
    rows_derive(t, "tlb", "translation_ns", tlb_reference, tlb_translation);
    static const char *const cols[] = {"variant", "step", "reach_pages", "reach_bytes", "translation_ns"};
    output_table *side = NULL;
    for (int v = TLB_SPREAD; v < TLB_VARIANT_COUNT; v++) {
        double pages[32], ns[32], reach[8], cost[8];
        size_t n = tlb_curve(t, tlb_names[v], pages, ns, 32);
        size_t steps = tlb_steps(pages, ns, n, reach, cost, 8);
        for (size_t i = 0; i < steps; i++) {
            rows_side_row(&side, "tlb_steps.csv", cols, 5);
            output_table_set_str(side, "variant", tlb_names[v]);
            output_table_set_int(side, "step", (long long)i + 1);
            output_table_set_int(side, "reach_pages", (long long)reach[i]);
            output_table_set_int(side, "reach_bytes", (long long)reach[i] * TLB_STRIDE);
            output_table_set_num(side, "translation_ns", cost[i]);
        }
    }
    pages_unmap(&tlb.map);
    tlb.head = NULL;
}

const bench_family bench_family_tlb = {
    .name = "tlb",
    .help = "TLB reach: one line per page over 16 to 65,536 pages against a packed control (4 KiB, THP, hugetlb)",
    .description =
        "A dependent chase touching one line per 4 KiB page (the line offset varied so that caches do not alias) "
        "over 16 to 65,536 pages, against a packed control touching as many lines in as few pages as possible; "
        "the difference is the cost of translation. Base pages (MADV_NOHUGEPAGE), then the same strides on "
        "transparent huge pages and hugetlbfs 2 MiB pages where the kernel has them. tlb_steps.csv names the page "
        "counts where the cost steps (each TLB level's reach) and the cost per level.",
    .min_cpus = 1,
    .register_benchmarks = tlb_register,
    .finish = tlb_finish,
};

/*
 * compare.c — match the benchmarks of two run folders, take each side's
 * repetitions, and report medians, B/A, the Mann–Whitney U p-value
 * (compare.py's rule: at least STATS_UTEST_MIN_REPETITIONS per side, alpha
 * 0.05) and per-family geometric means; write compare.csv.
 */
#include "analysis/compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memprobe/output.h"
#include "memprobe/stats.h"
#include "memprobe/xalloc.h"

/* One benchmark's samples on one side. */
typedef struct compare_samples {
    char *key;
    size_t first_row;         /* where it appears first (keeps run order) */
    double *v;
    size_t n;
    int from_aggregate;       /* only an aggregate=median row was found */
} compare_samples;

typedef struct compare_side {
    compare_samples *s;
    size_t n;
} compare_side;

static const char *compare_cell(const output_table *t, size_t r, const char *column)
{
    const char *c = output_table_cell(t, r, column);
    return c ? c : "";
}

static char *compare_key(const output_table *t, size_t r)
{
    const char *parts[] = {"benchmark", "allocator", "runtime", "pair_class"};
    size_t len = 4;
    for (size_t i = 0; i < 4; i++)
        len += strlen(compare_cell(t, r, parts[i])) + 1;
    char *k = xalloc_calloc(1, len);
    for (size_t i = 0; i < 4; i++) {
        strcat(k, compare_cell(t, r, parts[i]));
        strcat(k, "\x1f");
    }
    return k;
}

static compare_samples *compare_side_find(compare_side *side, const char *key)
{
    for (size_t i = 0; i < side->n; i++)
        if (strcmp(side->s[i].key, key) == 0)
            return &side->s[i];
    return NULL;
}

static void compare_side_add(compare_side *side, const output_table *t, size_t r, double v, int aggregate)
{
    char *key = compare_key(t, r);
    compare_samples *s = compare_side_find(side, key);
    if (!s) {
        side->s = xalloc_array(side->s, side->n + 1, sizeof *side->s);
        s = &side->s[side->n++];
        *s = (compare_samples){.key = key, .first_row = r, .from_aggregate = aggregate};
    } else {
        free(key);
        if (s->from_aggregate != aggregate) {
            if (aggregate)
                return;             /* measurements win over an aggregate */
            s->n = 0;
            s->from_aggregate = 0;
        }
    }
    s->v = xalloc_array(s->v, s->n + 1, sizeof *s->v);
    s->v[s->n++] = v;
}

/* Repetitions (iteration rows) per key; aggregate=median rows stand in
 * where a benchmark has no iteration rows. */
static compare_side compare_collect(const output_table *t)
{
    compare_side side = {0};
    for (size_t r = 0; r < output_table_row_count(t); r++) {
        results_row_kind kind = results_row_kind_of(t, r);
        double v;
        if (!results_cell_number(t, r, "real_ns", &v) || !*compare_cell(t, r, "benchmark"))
            continue;
        if (kind == RESULTS_ROW_ITERATION)
            compare_side_add(&side, t, r, v, 0);
        else if (kind == RESULTS_ROW_AGGREGATE && strcmp(compare_cell(t, r, "aggregate"), "median") == 0)
            compare_side_add(&side, t, r, v, 1);
    }
    return side;
}

static void compare_side_free(compare_side *side)
{
    for (size_t i = 0; i < side->n; i++) {
        free(side->s[i].key);
        free(side->s[i].v);
    }
    free(side->s);
}

static double compare_median(const compare_samples *s)
{
    double *copy = xalloc_malloc((s->n + 1) * sizeof *copy);
    memcpy(copy, s->v, s->n * sizeof *copy);
    double m = stats_median(copy, s->n);
    free(copy);
    return m;
}

static compare_row compare_row_from(const output_table *t, size_t r)
{
    compare_row row = {0};
    row.family = xalloc_strdup(compare_cell(t, r, "family"));
    row.benchmark = xalloc_strdup(compare_cell(t, r, "benchmark"));
    row.allocator = xalloc_strdup(compare_cell(t, r, "allocator"));
    row.runtime = xalloc_strdup(compare_cell(t, r, "runtime"));
    row.pair_class = xalloc_strdup(compare_cell(t, r, "pair_class"));
    row.a_ns = row.b_ns = row.ratio = row.p_value = NAN;
    return row;
}

static void compare_test(compare_row *row, const compare_samples *a, const compare_samples *b)
{
    row->a_ns = compare_median(a);
    row->b_ns = compare_median(b);
    row->a_n = a->from_aggregate ? 1 : a->n;
    row->b_n = b->from_aggregate ? 1 : b->n;
    row->ratio = row->a_ns > 0 ? row->b_ns / row->a_ns : NAN;
    if (a->from_aggregate || b->from_aggregate || a->n < STATS_UTEST_MIN_REPETITIONS ||
        b->n < STATS_UTEST_MIN_REPETITIONS) {
        row->verdict = "too few repetitions";
        return;
    }
    row->p_value = stats_mann_whitney_p(a->v, a->n, b->v, b->n, NULL);
    row->verdict = row->p_value < STATS_UTEST_ALPHA ? "significant" : "not significant";
}

static void compare_add_row(compare_result *c, compare_row row)
{
    c->rows = xalloc_array(c->rows, c->nrows + 1, sizeof *c->rows);
    c->rows[c->nrows++] = row;
}

static void compare_family_means(compare_result *c)
{
    for (size_t i = 0; i < c->nrows; i++) {
        const char *fam = c->rows[i].family;
        int seen = 0;
        for (size_t f = 0; f < c->nfamilies && !seen; f++)
            seen = strcmp(c->families[f].family, fam) == 0;
        if (seen)
            continue;
        double *ratios = xalloc_malloc(c->nrows * sizeof *ratios);
        size_t n = 0;
        for (size_t j = i; j < c->nrows; j++)
            if (strcmp(c->rows[j].family, fam) == 0 && c->rows[j].ratio > 0)
                ratios[n++] = c->rows[j].ratio;
        if (n) {
            c->families = xalloc_array(c->families, c->nfamilies + 1, sizeof *c->families);
            c->families[c->nfamilies++] = (compare_family){xalloc_strdup(fam), stats_geomean(ratios, n), n};
        }
        free(ratios);
    }
}

compare_result *compare_runs(runfolder *a, runfolder *b)
{
    const output_table *ta = runfolder_results(a), *tb = runfolder_results(b);
    compare_side sa = compare_collect(ta), sb = compare_collect(tb);
    compare_result *c = xalloc_calloc(1, sizeof *c);
    for (size_t i = 0; i < sa.n; i++) {
        compare_row row = compare_row_from(ta, sa.s[i].first_row);
        compare_samples *other = compare_side_find(&sb, sa.s[i].key);
        if (other) {
            compare_test(&row, &sa.s[i], other);
        } else {
            row.a_ns = compare_median(&sa.s[i]);
            row.a_n = sa.s[i].n;
            row.verdict = "only in A";
        }
        compare_add_row(c, row);
    }
    for (size_t i = 0; i < sb.n; i++) {
        if (compare_side_find(&sa, sb.s[i].key))
            continue;
        compare_row row = compare_row_from(tb, sb.s[i].first_row);
        row.b_ns = compare_median(&sb.s[i]);
        row.b_n = sb.s[i].n;
        row.verdict = "only in B";
        compare_add_row(c, row);
    }
    compare_family_means(c);
    compare_side_free(&sa);
    compare_side_free(&sb);
    return c;
}

void compare_result_free(compare_result *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nrows; i++) {
        compare_row *r = &c->rows[i];
        xalloc_free_strings(5, r->family, r->benchmark, r->allocator, r->runtime, r->pair_class);
    }
    for (size_t i = 0; i < c->nfamilies; i++)
        free(c->families[i].family);
    free(c->rows);
    free(c->families);
    free(c);
}

/* "benchmark [allocator, runtime, pair class]" without empty parts. */
static void compare_label(const compare_row *r, char *buf, size_t len)
{
    snprintf(buf, len, "%s", r->benchmark);
    const char *extra[] = {r->allocator, r->runtime, r->pair_class};
    const char *sep = " [";
    for (size_t i = 0; i < 3; i++)
        if (*extra[i] && !(i == 1 && strcmp(extra[i], "c") == 0)) {
            size_t o = strlen(buf);
            snprintf(buf + o, len - o, "%s%s", sep, extra[i]);
            sep = ",";
        }
    if (strcmp(sep, ",") == 0) {
        size_t o = strlen(buf);
        snprintf(buf + o, len - o, "]");
    }
}

void compare_print(const compare_result *c, const char *name_a, const char *name_b, FILE *out)
{
    fprintf(out, "A: %s\nB: %s\n", name_a, name_b);
    fprintf(out, "%-56s %12s %12s %8s %8s  %s\n", "benchmark", "A ns", "B ns", "B/A", "p", "difference");
    size_t one_sided = 0, few = 0;
    for (size_t i = 0; i < c->nrows; i++) {
        const compare_row *r = &c->rows[i];
        if (isnan(r->ratio)) {
            one_sided++;
            continue;
        }
        char label[512], p[16] = "-";
        compare_label(r, label, sizeof label);
        if (!isnan(r->p_value))
            snprintf(p, sizeof p, "%.4f", r->p_value);
        few += r->a_n < STATS_UTEST_OPTIMAL_REPETITIONS || r->b_n < STATS_UTEST_OPTIMAL_REPETITIONS;
        fprintf(out, "%-56s %12.4g %12.4g %8.3f %8s  %s\n", label, r->a_ns, r->b_ns, r->ratio, p, r->verdict);
    }
    if (few)
        fprintf(out, "note: the U test wants %d+ repetitions per side (memprobe run --repetitions 9); "
                     "%zu benchmarks have fewer\n", STATS_UTEST_OPTIMAL_REPETITIONS, few);
    fprintf(out, "geometric mean of B/A per family:\n");
    for (size_t f = 0; f < c->nfamilies; f++)
        fprintf(out, "  %-20s %8.3f  (%zu benchmarks)\n", c->families[f].family, c->families[f].geomean_ratio,
                c->families[f].n);
    if (c->nfamilies == 0)
        fprintf(out, "  (no benchmark is present in both runs)\n");
    for (int side = 0; side < 2 && one_sided; side++) {
        const char *want = side == 0 ? "only in A" : "only in B";
        size_t n = 0;
        for (size_t i = 0; i < c->nrows; i++)
            n += strcmp(c->rows[i].verdict, want) == 0;
        if (!n)
            continue;
        fprintf(out, "%s (%zu):\n", want, n);
        for (size_t i = 0; i < c->nrows; i++) {
            if (strcmp(c->rows[i].verdict, want) != 0)
                continue;
            char label[512];
            compare_label(&c->rows[i], label, sizeof label);
            fprintf(out, "  %s\n", label);
        }
    }
}

static void compare_num(FILE *f, double v, const char *fmt)
{
    if (!isnan(v))
        fprintf(f, fmt, v);
}

static int compare_write_rows(const compare_result *c, const char *path, char *err, size_t errlen)
{
    output_file *of = output_file_open(path, err, errlen);
    if (!of)
        return -1;
    FILE *f = output_file_stream(of);
    fprintf(f, "family,benchmark,allocator,runtime,pair_class,a_real_ns,b_real_ns,a_repetitions,"
               "b_repetitions,ratio_b_over_a,p_value,difference\n");
    for (size_t i = 0; i < c->nrows; i++) {
        const compare_row *r = &c->rows[i];
        const char *text[] = {r->family, r->benchmark, r->allocator, r->runtime, r->pair_class};
        for (size_t k = 0; k < 5; k++) {
            output_csv_field(f, text[k]);
            fputc(',', f);
        }
        compare_num(f, r->a_ns, "%.17g");
        fputc(',', f);
        compare_num(f, r->b_ns, "%.17g");
        fprintf(f, ",%zu,%zu,", r->a_n, r->b_n);
        compare_num(f, r->ratio, "%.17g");
        fputc(',', f);
        compare_num(f, r->p_value, "%.17g");
        fputc(',', f);
        output_csv_field(f, r->verdict);
        fputc('\n', f);
    }
    return output_file_commit(of, err, errlen);
}

static int compare_write_families(const compare_result *c, const char *path, char *err, size_t errlen)
{
    output_file *of = output_file_open(path, err, errlen);
    if (!of)
        return -1;
    FILE *f = output_file_stream(of);
    fprintf(f, "family,geomean_ratio_b_over_a,benchmarks\n");
    for (size_t i = 0; i < c->nfamilies; i++) {
        output_csv_field(f, c->families[i].family);
        fprintf(f, ",%.17g,%zu\n", c->families[i].geomean_ratio, c->families[i].n);
    }
    return output_file_commit(of, err, errlen);
}

int compare_write_csv(const compare_result *c, const char *dir, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/compare.csv", dir);
    if (compare_write_rows(c, path, err, errlen) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/compare_families.csv", dir);
    return compare_write_families(c, path, err, errlen);
}

/*
 * claims_parse.c — claim files into the model of claims_model.h.  A file is
 * read whole (at most CLAIMS_MAX_FILE_BYTES) and checked to be UTF-8 text
 * before inih sees it; a custom line reader counts lines and notes section
 * headers, so every key is collected with its line first and any error can
 * name file:line.  Then each [claim.ID] is built from its keys and every
 * check and control expression is parsed (the grammar is in the README,
 * "Claim files").  Judging the model against a run is claims.c's.
 */
#include "analysis/claims.h"
#include "analysis/claims_model.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memprobe/counters.h"
#include "memprobe/output.h"
#include "memprobe/xalloc.h"

/* ------------------------------------------------------------- helpers */

void claims_append(char **s, const char *sep, const char *text)
{
    char *n = output_strdupf("%s%s%s", *s ? *s : "", *s && **s ? sep : "", text);
    free(*s);
    *s = n;
}

int claims_filters_mention(const claims_filter *f, size_t n, const char *column)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].column, column) == 0)
            return 1;
    return 0;
}

static void claims_filter_free(claims_filter *f)
{
    xalloc_free_list(f->values, f->nvalues);
    free(f->column);
}

static void claims_filters_free(claims_filters *f)
{
    for (size_t i = 0; i < f->n; i++)
        claims_filter_free(&f->v[i]);
    free(f->v);
    f->v = NULL;
    f->n = 0;
}

void claims_term_free(claims_term *t)
{
    xalloc_free_strings(5, t->stat_name, t->metric, t->metric_x, t->file, t->text);
    claims_filters_free(&t->filters);
}

static void claims_expr_free(claims_expr *e)
{
    claims_term_free(&e->num);
    if (e->has_den)
        claims_term_free(&e->den);
    free(e->by);
}

static void claims_claim_free(claims_claim *c)
{
    xalloc_free_strings(5, c->id, c->document, c->text, c->note, c->file);
    claims_filters_free(&c->where);
    xalloc_free_list(c->families, c->nfamilies);
    xalloc_free_list(c->counters, c->ncounters);
    for (size_t i = 0; i < c->nchecks; i++) {
        claims_check *ch = &c->checks[i];
        free(ch->label);
        claims_expr_free(&ch->expr);
        if (ch->control)
            claims_expr_free(ch->control);
        free(ch->control);
        free(ch->control_reason);
    }
    free(c->checks);
}

void claims_free(claims_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        claims_claim_free(&s->claims[i]);
    free(s->claims);
    free(s);
}

size_t claims_count(const claims_set *s) { return s ? s->n : 0; }

/* -------------------------------------------------- expression parsing */

static int claims_is_name_char(int c)
{
    return isalnum(c) || c == '_' || c == '.' || c == '-';
}

static int claims_is_value_char(int c)
{
    return c && !isspace(c) && c != '}' && c != '|' && c != '{';
}

static void claims_skip_space(const char **p)
{
    while (isspace((unsigned char)**p))
        (*p)++;
}

/* An identifier at *p (letters, digits, _ . -); NULL when none. */
static char *claims_take_name(const char **p)
{
    const char *s = *p;
    while (claims_is_name_char((unsigned char)**p))
        (*p)++;
    return *p > s ? xalloc_strndup(s, (size_t)(*p - s)) : NULL;
}

/* The word at *p equals w, followed by a blank or the end. */
static int claims_at_word(const char *p, const char *w)
{
    size_t n = strlen(w);
    return strncmp(p, w, n) == 0 && (!p[n] || isspace((unsigned char)p[n]));
}

/* One alternative of a filter value, checked: not empty; @max / @min alone. */
static int claims_filter_value(claims_filter *f, const char *s, size_t len, char *err, size_t errlen)
{
    if (len == 0) {
        snprintf(err, errlen, "filter '%s%s' has an empty value; write %s=VALUE (a|b for alternatives)",
                 f->column, f->negate ? "!=" : "=", f->column);
        return -1;
    }
    if (s[0] == '@') {
        int max = len == 4 && strncmp(s, "@max", 4) == 0, min = len == 4 && strncmp(s, "@min", 4) == 0;
        if ((!max && !min) || f->negate || f->nvalues || f->extreme) {
            snprintf(err, errlen, "filter '%s%s%.*s': @max and @min stand alone after '=' (%s=@max)", f->column,
                     f->negate ? "!=" : "=", (int)len, s, f->column);
            return -1;
        }
        f->extreme = max ? 1 : -1;
        return 0;
    }
    if (f->extreme) {
        snprintf(err, errlen, "filter '%s': @max and @min stand alone after '='", f->column);
        return -1;
    }
    f->values = xalloc_array(f->values, f->nvalues + 1, sizeof *f->values);
    f->values[f->nvalues++] = xalloc_strndup(s, len);
    return 0;
}

/* Parse "col=a|b col2!=c ..." up to end or '}'.  0, or -1 with err. */
static int claims_parse_filters(const char **p, claims_filters *out, char *err, size_t errlen)
{
    for (;;) {
        claims_skip_space(p);
        if (!**p || **p == '}')
            return 0;
        const char *at = *p;
        char *column = claims_take_name(p);
        int negate = 0;
        if (column && (*p)[0] == '!' && (*p)[1] == '=') {
            negate = 1;
            *p += 2;
        } else if (column && **p == '=') {
            (*p)++;
        } else {
            snprintf(err, errlen, "expected a filter column=value at '%.30s'", at);
            free(column);
            return -1;
        }
        claims_filter f = {.column = column, .negate = negate};
        int rc = 0;
        do {
            if (**p == '|')
                (*p)++;
            const char *s = *p;
            while (claims_is_value_char((unsigned char)**p))
                (*p)++;
            rc = claims_filter_value(&f, s, (size_t)(*p - s), err, errlen);
        } while (rc == 0 && **p == '|');
        if (rc != 0) {
            claims_filter_free(&f);
            return -1;
        }
        out->v = xalloc_array(out->v, out->n + 1, sizeof *out->v);
        out->v[out->n++] = f;
    }
}

/* Statistic by name: median mean min max sum count slope pNN. */
static int claims_stat_from_name(const char *name, claims_term *t)
{
    static const struct { const char *name; claims_stat stat; } names[] = {
        {"median", CLAIMS_STAT_MEDIAN}, {"mean", CLAIMS_STAT_MEAN}, {"min", CLAIMS_STAT_MIN},
        {"max", CLAIMS_STAT_MAX}, {"sum", CLAIMS_STAT_SUM}, {"count", CLAIMS_STAT_COUNT},
        {"slope", CLAIMS_STAT_SLOPE},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].name) == 0) {
            t->stat = names[i].stat;
            return 0;
        }
    char *end;
    if (name[0] == 'p' && isdigit((unsigned char)name[1])) {
        double q = strtod(name + 1, &end);
        if (!*end && q >= 0 && q <= 100) {
            t->stat = CLAIMS_STAT_PERCENTILE;
            t->percentile = q;
            return 0;
        }
    }
    return -1;
}

/* "stat(metric[, x])" or nothing (median of real_ns) before the '{'. */
static int claims_parse_statistic(const char **p, claims_term *t, char *err, size_t errlen)
{
    char *name = claims_take_name(p);
    claims_skip_space(p);
    if (!name || **p != '(') {
        t->stat = CLAIMS_STAT_MEDIAN;
        t->stat_name = xalloc_strdup("median");
        t->metric = name ? name : xalloc_strdup("real_ns");
        return 0;
    }
    (*p)++;
    if (claims_stat_from_name(name, t) != 0) {
        snprintf(err, errlen, "unknown statistic '%s'; accepted: median, mean, min, max, sum, count, slope, p0..p100", name);
        free(name);
        return -1;
    }
    t->stat_name = name;
    claims_skip_space(p);
    t->metric = claims_take_name(p);
    claims_skip_space(p);
    if (t->stat == CLAIMS_STAT_SLOPE && **p == ',') {
        (*p)++;
        claims_skip_space(p);
        t->metric_x = claims_take_name(p);
        claims_skip_space(p);
    }
    if (!t->metric || **p != ')' || (t->stat == CLAIMS_STAT_SLOPE && !t->metric_x)) {
        snprintf(err, errlen, t->stat == CLAIMS_STAT_SLOPE ? "expected slope(Y_COLUMN, X_COLUMN)"
                                                           : "expected %s(COLUMN)", t->stat_name);
        return -1;
    }
    (*p)++;
    claims_skip_space(p);
    return 0;
}

/* file=NAME.csv picks the table instead of filtering a column. */
static int claims_take_file_filter(claims_term *t, char *err, size_t errlen)
{
    for (size_t i = 0; i < t->filters.n; i++) {
        claims_filter *f = &t->filters.v[i];
        if (strcmp(f->column, "file") != 0)
            continue;
        size_t len = f->nvalues ? strlen(f->values[0]) : 0;
        if (f->negate || f->nvalues != 1 || len < 5 || strcmp(f->values[0] + len - 4, ".csv") != 0) {
            snprintf(err, errlen, "file= names one CSV file of the run folder, e.g. file=gc_pauses.csv");
            return -1;
        }
        if (strchr(f->values[0], '/')) {
            snprintf(err, errlen, "file=%s: a file name inside the run folder is accepted, without '/'",
                     f->values[0]);
            return -1;
        }
        t->file = strcmp(f->values[0], "results.csv") == 0 ? NULL : xalloc_strdup(f->values[0]);
        claims_filter_free(f);
        memmove(f, f + 1, (t->filters.n - i - 1) * sizeof *f);
        t->filters.n--;
        return 0;
    }
    return 0;
}

/* term := [stat "(" metric ["," metric] ")" | metric] "{" filters "}" */
int claims_parse_term(const char **p, claims_term *t, char *err, size_t errlen)
{
    claims_skip_space(p);
    const char *start = *p;
    if (claims_parse_statistic(p, t, err, errlen) != 0)
        return -1;
    if (**p != '{') {
        snprintf(err, errlen, "expected '{' and row filters at '%.30s'", *p);
        return -1;
    }
    (*p)++;
    if (claims_parse_filters(p, &t->filters, err, errlen) != 0)
        return -1;
    if (**p != '}') {
        snprintf(err, errlen, "expected '}' closing the filters of '%.40s'", start);
        return -1;
    }
    (*p)++;
    if (claims_take_file_filter(t, err, errlen) != 0)
        return -1;
    t->text = xalloc_strndup(start, (size_t)(*p - start));
    return 0;
}

static int claims_parse_number(const char **p, double *v, char *err, size_t errlen)
{
    claims_skip_space(p);
    char *end;
    errno = 0;
    *v = strtod(*p, &end);
    if (end == *p || errno || !isfinite(*v)) {
        snprintf(err, errlen, "expected a number at '%.30s'", *p);
        return -1;
    }
    *p = end;
    return 0;
}

/* "LOW..HIGH" after "in ": LOW must not be above HIGH. */
static int claims_parse_range(const char **p, claims_expr *e, char *err, size_t errlen)
{
    const char *dots = strstr(*p, "..");
    if (!dots) {
        snprintf(err, errlen, "expected 'in LOW..HIGH'");
        return -1;
    }
    char *low = xalloc_strndup(*p, (size_t)(dots - *p));   /* "11." must not eat a dot */
    const char *q = low;
    int rc = claims_parse_number(&q, &e->lo, err, errlen);
    claims_skip_space(&q);
    if (rc == 0 && *q) {
        snprintf(err, errlen, "expected 'in LOW..HIGH' at '%.30s'", *p);
        rc = -1;
    }
    free(low);
    *p = dots + 2;
    if (rc != 0 || claims_parse_number(p, &e->hi, err, errlen) != 0)
        return -1;
    if (e->lo > e->hi) {
        snprintf(err, errlen, "in %g..%g: the range is reversed; write in LOW..HIGH with LOW <= HIGH", e->lo, e->hi);
        return -1;
    }
    return 0;
}

/* expr := term ["/" term] OP number | term ["/" term] "in" number ".." number */
static int claims_parse_expr(const char **p, claims_expr *e, char *err, size_t errlen)
{
    if (claims_parse_term(p, &e->num, err, errlen) != 0)
        return -1;
    claims_skip_space(p);
    if (**p == '/') {
        (*p)++;
        e->has_den = 1;
        if (claims_parse_term(p, &e->den, err, errlen) != 0)
            return -1;
        claims_skip_space(p);
    }
    static const struct { const char *text; claims_op op; } ops[] = {
        {"<=", CLAIMS_LE}, {">=", CLAIMS_GE}, {"==", CLAIMS_EQ}, {"!=", CLAIMS_NE},
        {"<", CLAIMS_LT}, {">", CLAIMS_GT}, {"in ", CLAIMS_IN},
    };
    size_t i = 0;
    for (; i < sizeof ops / sizeof ops[0]; i++)
        if (strncmp(*p, ops[i].text, strlen(ops[i].text)) == 0)
            break;
    if (i == sizeof ops / sizeof ops[0]) {
        snprintf(err, errlen, "expected a comparison (<, <=, >, >=, ==, !=, in A..B) at '%.30s'", *p);
        return -1;
    }
    e->op = ops[i].op;
    *p += strlen(ops[i].text);
    if (e->op == CLAIMS_IN ? claims_parse_range(p, e, err, errlen) : claims_parse_number(p, &e->lo, err, errlen))
        return -1;
    claims_skip_space(p);
    return 0;
}

/* check := expr ["by" COLUMN ["all" | "any"]] */
static int claims_parse_check(const char *text, claims_expr *e, char *err, size_t errlen)
{
    const char *p = text;
    if (claims_parse_expr(&p, e, err, errlen) != 0)
        return -1;
    if (claims_at_word(p, "by")) {
        p += 2;
        claims_skip_space(&p);
        e->by = claims_take_name(&p);
        if (!e->by) {
            snprintf(err, errlen, "expected 'by COLUMN [all|any]' at '%.30s'", p);
            return -1;
        }
        claims_skip_space(&p);
        if (claims_at_word(p, "all") || claims_at_word(p, "any")) {
            e->rule = p[1] == 'l' ? CLAIMS_RULE_ALL : CLAIMS_RULE_ANY;
            p += 3;
            claims_skip_space(&p);
        }
    }
    if (*p) {
        snprintf(err, errlen, "unexpected text after the comparison: '%.30s'", p);
        return -1;
    }
    return 0;
}

/* control := expr [":" REASON] */
static int claims_parse_control(const char *text, claims_check *ch, char *err, size_t errlen)
{
    const char *p = text;
    ch->control = xalloc_calloc(1, sizeof *ch->control);
    if (claims_parse_expr(&p, ch->control, err, errlen) != 0)
        return -1;
    if (*p == ':') {
        p++;
        claims_skip_space(&p);
        if (*p)
            ch->control_reason = xalloc_strdup(p);
        return 0;
    }
    if (*p) {
        snprintf(err, errlen, "unexpected text after the control's comparison: '%.30s' (a reason follows ':')", p);
        return -1;
    }
    return 0;
}

/* ----------------------------------------------------- the file as text */

#define CLAIMS_MAX_FILE_BYTES (1u << 20)

/* Length of the UTF-8 sequence at s (at most n bytes), 0 when invalid. */
static size_t claims_utf8_length(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return 1;
    size_t len = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
               : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
    if (len == 0 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    /* no overlong forms, surrogates or code points past U+10FFFF */
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) || (s[0] == 0xf0 && s[1] < 0x90) ||
        (s[0] == 0xf4 && s[1] > 0x8f))
        return 0;
    return len;
}

/* A claim file is UTF-8 text without NUL or other control bytes (tab, CR
 * and LF aside).  0, or -1 with "NAME:LINE: ..." in err. */
static int claims_check_text(const char *name, const char *data, size_t len, char *err, size_t errlen)
{
    const unsigned char *s = (const unsigned char *)data;
    int line = 1;
    for (size_t i = 0; i < len;) {
        size_t n = claims_utf8_length(s + i, len - i);
        if (s[i] == 0) {
            snprintf(err, errlen, "%s:%d: a NUL byte: a claim file is text (UTF-8), not binary data", name, line);
            return -1;
        }
        if (n == 0 || s[i] == 0x7f || (s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')) {
            snprintf(err, errlen, "%s:%d: not text (byte 0x%02x): a claim file is UTF-8 text", name, line, s[i]);
            return -1;
        }
        line += s[i] == '\n';
        i += n;
    }
    return 0;
}

/* Read path whole into a NUL-terminated buffer: a regular file's worth of
 * text, at most CLAIMS_MAX_FILE_BYTES.  NULL with err otherwise. */
static char *claims_read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    err[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read claim file: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = xalloc_malloc(CLAIMS_MAX_FILE_BYTES + 2);
    *len = fread(buf, 1, CLAIMS_MAX_FILE_BYTES + 1, f);
    int failed = ferror(f);
    int saved = errno;
    fclose(f);
    buf[*len] = '\0';
    if (failed) {
        snprintf(err, errlen, "%s: cannot read claim file: %s", path, strerror(saved));
    } else if (claims_check_text(path, buf, *len > CLAIMS_MAX_FILE_BYTES ? CLAIMS_MAX_FILE_BYTES : *len,
                                 err, errlen) == 0 && *len > CLAIMS_MAX_FILE_BYTES) {
        snprintf(err, errlen, "%s: larger than %u KiB: a claim file is a short text", path,
                 CLAIMS_MAX_FILE_BYTES >> 10);
    } else if (!*err) {
        return buf;
    }
    free(buf);
    return NULL;
}

/* ------------------------------------------------------- file parsing */

typedef struct claims_entry {
    char *section, *key, *value;
    int line;
} claims_entry;

typedef struct claims_section_line {
    char *name;
    int line;
} claims_section_line;

/* State shared by the line reader and the inih handler. */
typedef struct claims_reader {
    const char *text;         /* what is left of the file */
    int line;                 /* number of the line last read */
    int continuation;         /* it started with blanks (a multi-line value) */
    int too_long;             /* a line did not fit inih's buffer */
    claims_entry *entries;
    size_t nentries;
    claims_section_line *sections;
    size_t nsections;
} claims_reader;

static char *claims_read_raw(char *str, int num, claims_reader *rd)
{
    if (!*rd->text)
        return NULL;
    int i = 0;
    while (i < num - 1 && rd->text[0]) {
        str[i++] = *rd->text++;
        if (str[i - 1] == '\n')
            break;
    }
    str[i] = '\0';
    return str;
}

/* ini_reader: one line; counts lines and records section headers. */
static char *claims_reader_line(char *str, int num, void *stream)
{
    claims_reader *rd = stream;
    if (rd->too_long || !claims_read_raw(str, num, rd))
        return NULL;
    rd->line++;
    size_t len = strlen(str);
    if (len == (size_t)num - 1 && str[len - 1] != '\n' && *rd->text) {
        rd->too_long = 1;
        return NULL;
    }
    rd->continuation = str[0] == ' ' || str[0] == '\t';
    const char *s = str;
    while (isspace((unsigned char)*s))
        s++;
    const char *close = *s == '[' ? strchr(s, ']') : NULL;
    if (close) {
        rd->sections = xalloc_array(rd->sections, rd->nsections + 1, sizeof *rd->sections);
        rd->sections[rd->nsections++] = (claims_section_line){xalloc_strndup(s + 1, (size_t)(close - s - 1)), rd->line};
    }
    return str;
}

static int claims_handler(void *user, const char *section, const char *name, const char *value)
{
    claims_reader *rd = user;
    claims_entry *last = rd->nentries ? &rd->entries[rd->nentries - 1] : NULL;
    if (rd->continuation && last && strcmp(last->section, section) == 0 && strcmp(last->key, name) == 0) {
        char *joined = output_strdupf("%s %s", last->value, value);
        free(last->value);
        last->value = joined;
        return 1;
    }
    rd->entries = xalloc_array(rd->entries, rd->nentries + 1, sizeof *rd->entries);
    rd->entries[rd->nentries++] = (claims_entry){xalloc_strdup(section), xalloc_strdup(name), xalloc_strdup(value), rd->line};
    return 1;
}

static void claims_reader_free(claims_reader *rd)
{
    for (size_t i = 0; i < rd->nentries; i++)
        xalloc_free_strings(3, rd->entries[i].section, rd->entries[i].key, rd->entries[i].value);
    for (size_t i = 0; i < rd->nsections; i++)
        free(rd->sections[i].name);
    free(rd->entries);
    free(rd->sections);
}

/* Split "a, b c" into words. */
static size_t claims_split_list(const char *s, char ***out)
{
    size_t n = 0;
    *out = NULL;
    while (*s) {
        while (*s == ',' || isspace((unsigned char)*s))
            s++;
        const char *b = s;
        while (*s && *s != ',' && !isspace((unsigned char)*s))
            s++;
        if (s > b) {
            *out = xalloc_array(*out, n + 1, sizeof **out);
            (*out)[n++] = xalloc_strndup(b, (size_t)(s - b));
        }
    }
    return n;
}

/* Append the items of a list value to the list *items of *n (an empty
 * value adds nothing). */
static void claims_extend_list(char ***items, size_t *n, const char *value)
{
    char **add;
    size_t nadd = claims_split_list(value, &add);
    if (nadd == 0)
        return;
    *items = xalloc_array(*items, *n + nadd, sizeof **items);
    memcpy(*items + *n, add, nadd * sizeof *add);
    *n += nadd;
    free(add);
}

/* counters = ...: every name must be a counter column memprobe knows. */
static int claims_check_counter_names(const claims_claim *c, size_t from, char *err, size_t errlen)
{
    for (size_t i = from; i < c->ncounters; i++)
        if (!counters_column_known(c->counters[i])) {
            snprintf(err, errlen, "counters: unknown counter column '%s'; accepted: %s, or a raw event's column "
                     "(papi_..., perf_...)", c->counters[i], counters_known_columns());
            return -1;
        }
    return 0;
}

static claims_claim *claims_find(claims_set *set, const char *id)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->claims[i].id, id) == 0)
            return &set->claims[i];
    return NULL;
}

static claims_check *claims_find_check(claims_claim *c, const char *label)
{
    for (size_t i = 0; i < c->nchecks; i++)
        if (strcmp(c->checks[i].label, label) == 0)
            return &c->checks[i];
    return NULL;
}

static int claims_add_check(claims_claim *c, const claims_entry *e, char *err, size_t errlen)
{
    const char *label = e->key[5] ? e->key + 6 : NULL;
    if (label && claims_find_check(c, label)) {
        snprintf(err, errlen, "check '%s' given twice in [claim.%s]", label, c->id);
        return -1;
    }
    c->checks = xalloc_array(c->checks, c->nchecks + 1, sizeof *c->checks);
    claims_check *ch = &c->checks[c->nchecks++];
    memset(ch, 0, sizeof *ch);
    ch->label = label ? xalloc_strdup(label) : output_strdupf("check %zu", c->nchecks);
    ch->line = e->line;
    char why[256];
    if (claims_parse_check(e->value, &ch->expr, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", e->key, why);
        return -1;
    }
    return 0;
}

/* control.LABEL: the control of check.LABEL (given before or after it). */
static int claims_add_control(claims_claim *c, const claims_entry *e, char *err, size_t errlen)
{
    const char *label = e->key + 8;
    claims_check *ch = claims_find_check(c, label);
    if (!ch) {
        snprintf(err, errlen, "%s: no check.%s in [claim.%s] for it to control", e->key, label, c->id);
        return -1;
    }
    if (ch->control) {
        snprintf(err, errlen, "'%s' given twice in [claim.%s]", e->key, c->id);
        return -1;
    }
    char why[256];
    if (claims_parse_control(e->value, ch, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", e->key, why);
        return -1;
    }
    return 0;
}

/* Apply one key of [claim.ID] to c (control.* keys wait for the checks:
 * claims_build applies them after).  0, or -1 with err (no file:line). */
static int claims_apply_key(claims_claim *c, const claims_entry *e, char *err, size_t errlen)
{
    const char *k = e->key;
    if (strcmp(k, "document") == 0 || strcmp(k, "claim") == 0 || strcmp(k, "note") == 0) {
        char **slot = k[0] == 'd' ? &c->document : k[0] == 'c' ? &c->text : &c->note;
        if (*slot) {
            snprintf(err, errlen, "'%s' given twice in [claim.%s]", k, c->id);
            return -1;
        }
        *slot = xalloc_strdup(e->value);
        return 0;
    }
    if (strcmp(k, "where") == 0) {
        const char *p = e->value;
        if (claims_parse_filters(&p, &c->where, err, errlen) != 0)
            return -1;
        if (*p) {
            snprintf(err, errlen, "where: expected column=value filters separated by blanks");
            return -1;
        }
        return 0;
    }
    if (strcmp(k, "families") == 0) {
        claims_extend_list(&c->families, &c->nfamilies, e->value);
        return 0;
    }
    if (strcmp(k, "counters") == 0) {
        size_t from = c->ncounters;
        claims_extend_list(&c->counters, &c->ncounters, e->value);
        return claims_check_counter_names(c, from, err, errlen);
    }
    if (strcmp(k, "min_cpus") == 0) {
        char *end;
        errno = 0;
        c->min_cpus = strtol(e->value, &end, 10);
        if (errno || end == e->value || *end || c->min_cpus < 1) {
            snprintf(err, errlen, "min_cpus '%s': expected a whole number >= 1", e->value);
            return -1;
        }
        return 0;
    }
    if (strcmp(k, "check") == 0 || strncmp(k, "check.", 6) == 0)
        return claims_add_check(c, e, err, errlen);
    if (strncmp(k, "control.", 8) == 0 && k[8])
        return 0;
    snprintf(err, errlen, "unknown key '%s' in [claim.%s]; accepted: document, claim, note, where, "
             "check, check.LABEL, control.LABEL, families, counters, min_cpus", k, c->id);
    return -1;
}

/* Start a claim for section "claim.ID" declared at line. */
static int claims_begin(claims_set *set, const char *section, int line, const char *file,
                        char *err, size_t errlen)
{
    const char *id = section + 6;
    if (strncmp(section, "claim.", 6) != 0 || !*id) {
        snprintf(err, errlen, "%s:%d: unknown section [%s]; expected [claim.ID]", file, line, section);
        return -1;
    }
    for (const char *p = id; *p; p++)
        if (!claims_is_name_char((unsigned char)*p)) {
            snprintf(err, errlen, "%s:%d: claim id '%s': use letters, digits, '-', '_' and '.'", file, line, id);
            return -1;
        }
    claims_claim *dup = claims_find(set, id);
    if (dup) {
        snprintf(err, errlen, "%s:%d: duplicate claim id '%s' (first at %s:%d)", file, line, id, dup->file, dup->line);
        return -1;
    }
    set->claims = xalloc_array(set->claims, set->n + 1, sizeof *set->claims);
    set->claims[set->n++] = (claims_claim){.id = xalloc_strdup(id), .file = xalloc_strdup(file), .line = line};
    return 0;
}

static int claims_finish(const claims_claim *c, char *err, size_t errlen)
{
    const char *missing = !c->document ? "document" : !c->text ? "claim" : !c->nchecks ? "check" : NULL;
    if (missing) {
        snprintf(err, errlen, "%s:%d: [claim.%s] has no '%s' key (needed: document, claim, at least one check)",
                 c->file, c->line, c->id, missing);
        return -1;
    }
    return 0;
}

/* The keys of the section of c (lines line..end-1) applied, controls last. */
static int claims_build_section(claims_claim *c, const claims_reader *rd, int end, const char *file,
                                char *err, size_t errlen)
{
    for (int controls = 0; controls < 2; controls++)
        for (size_t i = 0; i < rd->nentries; i++) {
            const claims_entry *e = &rd->entries[i];
            if (e->line < c->line || e->line >= end || (strncmp(e->key, "control.", 8) == 0) != controls)
                continue;
            char why[400];
            int rc = controls ? claims_add_control(c, e, why, sizeof why) : claims_apply_key(c, e, why, sizeof why);
            if (rc != 0) {
                snprintf(err, errlen, "%s:%d: %s", file, e->line, why);
                return -1;
            }
        }
    return 0;
}

/* Build claims from what the reader collected. */
static int claims_build(claims_set *set, claims_reader *rd, const char *file, char *err, size_t errlen)
{
    size_t first = set->n;
    for (size_t s = 0; s < rd->nsections; s++) {
        if (claims_begin(set, rd->sections[s].name, rd->sections[s].line, file, err, errlen) != 0)
            return -1;
        int end = s + 1 < rd->nsections ? rd->sections[s + 1].line : 1 << 30;
        if (claims_build_section(&set->claims[set->n - 1], rd, end, file, err, errlen) != 0)
            return -1;
    }
    for (size_t i = 0; i < rd->nentries; i++)
        if (!*rd->entries[i].section) {
            snprintf(err, errlen, "%s:%d: key '%s' outside any [claim.ID] section", file, rd->entries[i].line,
                     rd->entries[i].key);
            return -1;
        }
    for (size_t i = first; i < set->n; i++)
        if (claims_finish(&set->claims[i], err, errlen) != 0)
            return -1;
    if (set->n == first) {
        snprintf(err, errlen, "%s:1: no [claim.ID] section in the file", file);
        return -1;
    }
    return 0;
}

/* Parse the text of one claim file (already checked to be text). */
static int claims_parse_into(claims_set *set, const char *name, const char *text, char *err, size_t errlen)
{
    claims_reader rd = {.text = text};
    int rc = ini_parse_stream(claims_reader_line, &rd, claims_handler, &rd);
    int result = 0;
    if (rd.too_long) {
        snprintf(err, errlen, "%s:%d: line longer than %d characters; continue a value on indented lines",
                 name, rd.line, INI_MAX_LINE - 1);
        result = -1;
    } else if (rc > 0) {
        snprintf(err, errlen, "%s:%d: not an INI line; expected [claim.ID], key = value, or a # comment", name, rc);
        result = -1;
    } else if (rc < 0) {
        snprintf(err, errlen, "%s: cannot be parsed (out of memory)", name);
        result = -1;
    } else {
        result = claims_build(set, &rd, name, err, errlen);
    }
    claims_reader_free(&rd);
    return result;
}

claims_set *claims_load(const char *const *paths, size_t npaths, char *err, size_t errlen)
{
    claims_set *set = xalloc_calloc(1, sizeof *set);
    for (size_t i = 0; i < npaths; i++) {
        size_t len;
        char *text = claims_read_file(paths[i], &len, err, errlen);
        int rc = text ? claims_parse_into(set, paths[i], text, err, errlen) : -1;
        free(text);
        if (rc != 0) {
            claims_free(set);
            return NULL;
        }
    }
    return set;
}

claims_set *claims_load_buffer(const char *name, const char *data, size_t len, char *err, size_t errlen)
{
    if (len > CLAIMS_MAX_FILE_BYTES) {
        snprintf(err, errlen, "%s: larger than %u KiB: a claim file is a short text", name, CLAIMS_MAX_FILE_BYTES >> 10);
        return NULL;
    }
    if (claims_check_text(name, data, len, err, errlen) != 0)
        return NULL;
    char *text = xalloc_strndup(data, len);
    claims_set *set = xalloc_calloc(1, sizeof *set);
    if (claims_parse_into(set, name, text, err, errlen) != 0) {
        claims_free(set);
        set = NULL;
    }
    free(text);
    return set;
}

claims_set *claims_load_string(const char *name, const char *text, char *err, size_t errlen)
{
    return claims_load_buffer(name, text, strlen(text), err, errlen);
}

static int claims_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t claims_list_dir(const char *dir, char ***paths)
{
    *paths = NULL;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 5 || e->d_name[0] == '.' || strcmp(e->d_name + len - 4, ".ini") != 0)
            continue;
        *paths = xalloc_array(*paths, n + 1, sizeof **paths);
        (*paths)[n++] = output_strdupf("%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (n)
        qsort(*paths, n, sizeof **paths, claims_cmp_str);
    return n;
}

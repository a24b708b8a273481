/*
 * claims.c — parse claim files (inih) and evaluate their checks against a
 * run folder.  Parsing collects every key with its line first (a custom
 * reader counts lines and notes section headers, so any error can name
 * file:line), then builds claims and parses check expressions.  Evaluation
 * selects rows by column filters, reduces a metric with a statistic
 * (median by default), optionally divides two such terms, and compares.
 */
#include "analysis/claims.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memprobe/output.h"
#include "memprobe/stats.h"
#include "memprobe/xalloc.h"

/* ------------------------------------------------------------ the model */

typedef struct claims_filter {
    char *column;
    int negate;               /* column!=a|b */
    char **values;            /* alternatives: column=a|b */
    size_t nvalues;
} claims_filter;

typedef struct claims_filters {
    claims_filter *v;
    size_t n;
} claims_filters;

typedef enum claims_stat {
    CLAIMS_STAT_MEDIAN, CLAIMS_STAT_MEAN, CLAIMS_STAT_MIN, CLAIMS_STAT_MAX,
    CLAIMS_STAT_SUM, CLAIMS_STAT_COUNT, CLAIMS_STAT_PERCENTILE, CLAIMS_STAT_SLOPE,
} claims_stat;

typedef struct claims_term {
    claims_stat stat;
    double percentile;        /* for CLAIMS_STAT_PERCENTILE */
    char *stat_name;          /* as written: "median", "p99", ... */
    char *metric;             /* column reduced (y for slope) */
    char *metric_x;           /* x column for slope */
    char *file;               /* side CSV, NULL for results.csv */
    claims_filters filters;
    char *text;               /* the term as written, for evidence */
} claims_term;

typedef enum claims_op { CLAIMS_LT, CLAIMS_LE, CLAIMS_GT, CLAIMS_GE, CLAIMS_EQ, CLAIMS_NE, CLAIMS_IN } claims_op;

typedef struct claims_check {
    char *label;
    claims_term num, den;
    int has_den;
    claims_op op;
    double lo, hi;            /* hi only for CLAIMS_IN */
} claims_check;

typedef struct claims_claim {
    char *id, *document, *text, *note, *file;
    int line;
    claims_filters where;
    char **families, **counters;
    size_t nfamilies, ncounters;
    long min_cpus;
    claims_check *checks;
    size_t nchecks;
} claims_claim;

struct claims_set {
    claims_claim *claims;
    size_t n;
};

static const char *const claims_op_text[] = {"<", "<=", ">", ">=", "==", "!=", "in"};

const char *claims_outcome_name(claims_outcome o)
{
    switch (o) {
    case CLAIMS_HOLDS: return "holds";
    case CLAIMS_DOES_NOT_HOLD: return "does not hold";
    case CLAIMS_PARTLY: return "partly";
    case CLAIMS_NOT_MEASURABLE: return "not measurable here";
    }
    return "?";
}

/* ------------------------------------------------------------- helpers */

/* Append ", "-separated text to a growing string. */
static void claims_append(char **s, const char *sep, const char *text)
{
    char *n = output_strdupf("%s%s%s", *s ? *s : "", *s && **s ? sep : "", text);
    free(*s);
    *s = n;
}

static void claims_filters_free(claims_filters *f)
{
    for (size_t i = 0; i < f->n; i++) {
        for (size_t j = 0; j < f->v[i].nvalues; j++)
            free(f->v[i].values[j]);
        free(f->v[i].values);
        free(f->v[i].column);
    }
    free(f->v);
    f->v = NULL;
    f->n = 0;
}

static void claims_term_free(claims_term *t)
{
    xalloc_free_strings(5, t->stat_name, t->metric, t->metric_x, t->file, t->text);
    claims_filters_free(&t->filters);
}

static void claims_claim_free(claims_claim *c)
{
    xalloc_free_strings(5, c->id, c->document, c->text, c->note, c->file);
    claims_filters_free(&c->where);
    xalloc_free_list(c->families, c->nfamilies);
    xalloc_free_list(c->counters, c->ncounters);
    for (size_t i = 0; i < c->nchecks; i++) {
        free(c->checks[i].label);
        claims_term_free(&c->checks[i].num);
        if (c->checks[i].has_den)
            claims_term_free(&c->checks[i].den);
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
        do {
            if (**p == '|')
                (*p)++;
            const char *s = *p;
            while (claims_is_value_char((unsigned char)**p))
                (*p)++;
            f.values = xalloc_array(f.values, f.nvalues + 1, sizeof *f.values);
            f.values[f.nvalues++] = xalloc_strndup(s, (size_t)(*p - s));
        } while (**p == '|');
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

/* term := [stat "(" metric ["," metric] ")" | metric] "{" filters "}" */
static int claims_parse_term(const char **p, claims_term *t, char *err, size_t errlen)
{
    claims_skip_space(p);
    const char *start = *p;
    char *name = claims_take_name(p);
    claims_skip_space(p);
    if (name && **p == '(') {
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
    } else {
        t->stat = CLAIMS_STAT_MEDIAN;
        t->stat_name = xalloc_strdup("median");
        t->metric = name ? name : xalloc_strdup("real_ns");
    }
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
    /* file=NAME.csv picks the table instead of filtering a column */
    for (size_t i = 0; i < t->filters.n; i++) {
        claims_filter *f = &t->filters.v[i];
        if (strcmp(f->column, "file") != 0)
            continue;
        size_t len = strlen(f->values[0]);
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
        for (size_t j = 0; j < f->nvalues; j++)
            free(f->values[j]);
        free(f->values);
        free(f->column);
        memmove(f, f + 1, (t->filters.n - i - 1) * sizeof *f);
        t->filters.n--;
        break;
    }
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

/* check := term ["/" term] OP number | term ["/" term] "in" number ".." number */
static int claims_parse_check(const char *text, claims_check *c, char *err, size_t errlen)
{
    const char *p = text;
    if (claims_parse_term(&p, &c->num, err, errlen) != 0)
        return -1;
    claims_skip_space(&p);
    if (*p == '/') {
        p++;
        c->has_den = 1;
        if (claims_parse_term(&p, &c->den, err, errlen) != 0)
            return -1;
        claims_skip_space(&p);
    }
    static const struct { const char *text; claims_op op; } ops[] = {
        {"<=", CLAIMS_LE}, {">=", CLAIMS_GE}, {"==", CLAIMS_EQ}, {"!=", CLAIMS_NE},
        {"<", CLAIMS_LT}, {">", CLAIMS_GT}, {"in ", CLAIMS_IN},
    };
    size_t i = 0;
    for (; i < sizeof ops / sizeof ops[0]; i++)
        if (strncmp(p, ops[i].text, strlen(ops[i].text)) == 0)
            break;
    if (i == sizeof ops / sizeof ops[0]) {
        snprintf(err, errlen, "expected a comparison (<, <=, >, >=, ==, !=, in A..B) at '%.30s'", p);
        return -1;
    }
    c->op = ops[i].op;
    p += strlen(ops[i].text);
    if (c->op == CLAIMS_IN) {
        const char *dots = strstr(p, "..");
        if (!dots) {
            snprintf(err, errlen, "expected 'in LOW..HIGH'");
            return -1;
        }
        char *low = xalloc_strndup(p, (size_t)(dots - p));   /* "11." must not eat a dot */
        const char *q = low;
        int rc = claims_parse_number(&q, &c->lo, err, errlen);
        claims_skip_space(&q);
        if (rc == 0 && *q) {
            snprintf(err, errlen, "expected 'in LOW..HIGH' at '%.30s'", p);
            rc = -1;
        }
        free(low);
        p = dots + 2;
        if (rc != 0 || claims_parse_number(&p, &c->hi, err, errlen) != 0)
            return -1;
    } else if (claims_parse_number(&p, &c->lo, err, errlen) != 0) {
        return -1;
    }
    claims_skip_space(&p);
    if (*p) {
        snprintf(err, errlen, "unexpected text after the comparison: '%.30s'", p);
        return -1;
    }
    return 0;
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
    FILE *file;               /* or: */
    const char *text;         /* in-memory source */
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
    if (rd->file)
        return fgets(str, num, rd->file);
    if (!rd->text || !*rd->text)
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
    int at_eof = rd->file ? feof(rd->file) : !*rd->text;
    if (len == (size_t)num - 1 && str[len - 1] != '\n' && !at_eof) {
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

static claims_claim *claims_find(claims_set *set, const char *id)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->claims[i].id, id) == 0)
            return &set->claims[i];
    return NULL;
}

/* Apply one key of [claim.ID] to c.  0, or -1 with err (no file:line). */
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
    if (strcmp(k, "families") == 0 || strcmp(k, "counters") == 0) {
        int families = strcmp(k, "families") == 0;
        claims_extend_list(families ? &c->families : &c->counters, families ? &c->nfamilies : &c->ncounters,
                           e->value);
        return 0;
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
    if (strcmp(k, "check") == 0 || strncmp(k, "check.", 6) == 0) {
        c->checks = xalloc_array(c->checks, c->nchecks + 1, sizeof *c->checks);
        claims_check *ch = &c->checks[c->nchecks++];
        memset(ch, 0, sizeof *ch);
        ch->label = k[5] ? xalloc_strdup(k + 6) : output_strdupf("check %zu", c->nchecks);
        char why[256];
        if (claims_parse_check(e->value, ch, why, sizeof why) != 0) {
            snprintf(err, errlen, "%s: %s", k, why);
            return -1;
        }
        return 0;
    }
    snprintf(err, errlen, "unknown key '%s' in [claim.%s]; accepted: document, claim, note, where, "
             "check, check.LABEL, families, counters, min_cpus", k, c->id);
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

/* Build claims from what the reader collected. */
static int claims_build(claims_set *set, claims_reader *rd, const char *file, char *err, size_t errlen)
{
    size_t first = set->n;
    for (size_t s = 0; s < rd->nsections; s++) {
        if (claims_begin(set, rd->sections[s].name, rd->sections[s].line, file, err, errlen) != 0)
            return -1;
        claims_claim *c = &set->claims[set->n - 1];
        int end = s + 1 < rd->nsections ? rd->sections[s + 1].line : 1 << 30;
        for (size_t i = 0; i < rd->nentries; i++) {
            const claims_entry *e = &rd->entries[i];
            if (e->line < c->line || e->line >= end)
                continue;
            char why[400];
            if (claims_apply_key(c, e, why, sizeof why) != 0) {
                snprintf(err, errlen, "%s:%d: %s", file, e->line, why);
                return -1;
            }
        }
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

static int claims_parse_into(claims_set *set, const char *name, FILE *f, const char *text,
                             char *err, size_t errlen)
{
    claims_reader rd = {.file = f, .text = text};
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
        FILE *f = fopen(paths[i], "r");
        if (!f) {
            snprintf(err, errlen, "%s: cannot read claim file: %s", paths[i], strerror(errno));
            claims_free(set);
            return NULL;
        }
        int rc = claims_parse_into(set, paths[i], f, NULL, err, errlen);
        fclose(f);
        if (rc != 0) {
            claims_free(set);
            return NULL;
        }
    }
    return set;
}

claims_set *claims_load_string(const char *name, const char *text, char *err, size_t errlen)
{
    claims_set *set = xalloc_calloc(1, sizeof *set);
    if (claims_parse_into(set, name, NULL, text, err, errlen) != 0) {
        claims_free(set);
        return NULL;
    }
    return set;
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

/* ----------------------------------------------------------- evaluation */

/* A term reduced to one number, or why it could not be. */
typedef struct claims_value {
    int ok;
    double value;
    size_t nrows;             /* rows whose metric entered the statistic */
    const char *basis;        /* "", or " (aggregate=median rows)" */
    char why[320];
} claims_value;

static int claims_value_matches(const char *cell, const char *want)
{
    const char *c = cell ? cell : "";
    if (strcmp(c, want) == 0)
        return 1;
    char *e1, *e2;
    double a = strtod(c, &e1), b = strtod(want, &e2);
    return *c && *want && !*e1 && !*e2 && a == b;
}

static int claims_row_matches(const output_table *t, size_t r, const claims_filter *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *cell = output_table_cell(t, r, f[i].column);
        int any = 0;
        for (size_t j = 0; j < f[i].nvalues && !any; j++)
            any = claims_value_matches(cell, f[i].values[j]);
        if (any == f[i].negate)
            return 0;
    }
    return 1;
}

static int claims_filters_mention(const claims_filter *f, size_t n, const char *column)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].column, column) == 0)
            return 1;
    return 0;
}

/* The where filters of the claim (results.csv only) under the term's own. */
static size_t claims_effective_filters(const claims_claim *c, const claims_term *t, claims_filter **out)
{
    size_t n = 0;
    *out = xalloc_malloc((c->where.n + t->filters.n + 1) * sizeof **out);
    for (size_t i = 0; !t->file && i < c->where.n; i++)
        if (!claims_filters_mention(t->filters.v, t->filters.n, c->where.v[i].column))
            (*out)[n++] = c->where.v[i];
    for (size_t i = 0; i < t->filters.n; i++)
        (*out)[n++] = t->filters.v[i];
    return n;
}

/* The family a selection names with a single family=X filter, if any. */
static const char *claims_single_family(const claims_filter *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].column, "family") == 0 && !f[i].negate && f[i].nvalues == 1)
            return f[i].values[0];
    return NULL;
}

/* In a file= term, family=X names the family writing the file; it filters
 * only when the file has a family column.  Returns the new filter count. */
static size_t claims_drop_owner_family(const output_table *table, claims_filter *f, size_t nf)
{
    for (size_t c = 0; c < output_table_column_count(table); c++)
        if (strcmp(output_table_column(table, c), "family") == 0)
            return nf;
    size_t kept = 0;
    for (size_t i = 0; i < nf; i++)
        if (strcmp(f[i].column, "family") != 0)
            f[kept++] = f[i];
    return kept;
}

static void claims_why_missing_metric(runfolder *run, const char *metric, const char *table_name,
                                      size_t nrows, claims_value *out)
{
    const char *reason = NULL;
    if (runfolder_counter_state(run, metric, &reason) == 0)
        snprintf(out->why, sizeof out->why, "counters unavailable: %s%s%s%s", metric,
                 reason && *reason ? " (" : "", reason ? reason : "", reason && *reason ? ")" : "");
    else
        snprintf(out->why, sizeof out->why, "rows missing: %s has no value of %s in the %zu matching row%s",
                 table_name, metric, nrows, nrows == 1 ? "" : "s");
}

/* Rows of the selection: measurements first, else median aggregates. */
static size_t claims_select_rows(const output_table *t, int is_results, const claims_filter *f, size_t nf,
                                 size_t *rows, const char **basis, const char **skip_message)
{
    size_t n = 0, nagg = 0;
    int explicit_kind = claims_filters_mention(f, nf, "run_type") || claims_filters_mention(f, nf, "aggregate") ||
                        claims_filters_mention(f, nf, "status");
    size_t total = output_table_row_count(t);
    size_t *agg = xalloc_malloc((total + 1) * sizeof *agg);
    *basis = "";
    *skip_message = NULL;
    for (size_t r = 0; r < total; r++) {
        if (!claims_row_matches(t, r, f, nf))
            continue;
        results_row_kind kind = is_results ? results_row_kind_of(t, r) : RESULTS_ROW_ITERATION;
        if (explicit_kind || kind == RESULTS_ROW_ITERATION) {
            rows[n++] = r;
        } else if (kind == RESULTS_ROW_AGGREGATE) {
            const char *a = output_table_cell(t, r, "aggregate");
            if (a && strcmp(a, "median") == 0)
                agg[nagg++] = r;
        } else if (!*skip_message) {
            const char *m = output_table_cell(t, r, "message");
            *skip_message = m && *m ? m : kind == RESULTS_ROW_SKIPPED ? "skipped" : "error";
        }
    }
    if (n == 0 && nagg > 0) {
        memcpy(rows, agg, nagg * sizeof *agg);
        n = nagg;
        *basis = ", aggregate=median rows";
    }
    free(agg);
    return n;
}

static double claims_reduce(const claims_term *t, double *y, double *x, size_t n)
{
    switch (t->stat) {
    case CLAIMS_STAT_MEDIAN: return stats_median(y, n);
    case CLAIMS_STAT_MEAN: return stats_mean(y, n);
    case CLAIMS_STAT_MIN: return stats_min(y, n);
    case CLAIMS_STAT_MAX: return stats_max(y, n);
    case CLAIMS_STAT_COUNT: return (double)n;
    case CLAIMS_STAT_PERCENTILE: return stats_percentile(y, n, t->percentile);
    case CLAIMS_STAT_SLOPE: return stats_slope(x, y, n);
    case CLAIMS_STAT_SUM: {
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += y[i];
        return s;
    }
    }
    return NAN;
}

static claims_value claims_eval_term(const claims_claim *c, const claims_term *t, runfolder *run)
{
    claims_value out = {0};
    claims_filter *f;
    size_t nf = claims_effective_filters(c, t, &f);
    const char *family = claims_single_family(f, nf);
    const char *table_name = t->file ? t->file : "results.csv";
    char err[256];
    const output_table *table = runfolder_table(run, table_name, err, sizeof err);
    if (!table) {
        if (*err)
            snprintf(out.why, sizeof out.why, "%s", err);
        else if (family && !runfolder_family_present(run, family))
            snprintf(out.why, sizeof out.why, "family %s absent from this run (no %s)", family, table_name);
        else
            snprintf(out.why, sizeof out.why, "%s absent from this run", table_name);
        free(f);
        return out;
    }
    if (t->file)
        nf = claims_drop_owner_family(table, f, nf);
    size_t total = output_table_row_count(table);
    size_t *rows = xalloc_malloc((total + 1) * sizeof *rows);
    const char *skip_message;
    size_t n = claims_select_rows(table, !t->file, f, nf, rows, &out.basis, &skip_message);
    if (n == 0) {
        if (family && !t->file && !runfolder_family_present(run, family))
            snprintf(out.why, sizeof out.why, "family %s absent from this run", family);
        else if (skip_message)
            snprintf(out.why, sizeof out.why, "skipped: %s", skip_message);
        else
            snprintf(out.why, sizeof out.why, "rows missing: no row of %s matches %s", table_name, t->text);
        free(rows);
        free(f);
        return out;
    }
    double *y = xalloc_malloc(n * sizeof *y), *x = xalloc_malloc(n * sizeof *x);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double vy, vx = 0;
        if (results_cell_number(table, rows[i], t->metric, &vy) &&
            (!t->metric_x || results_cell_number(table, rows[i], t->metric_x, &vx))) {
            y[m] = vy;
            x[m++] = vx;
        }
    }
    if (m == 0 || (t->stat == CLAIMS_STAT_SLOPE && m < 2)) {
        claims_why_missing_metric(run, m == 0 ? t->metric : t->metric_x ? t->metric_x : t->metric,
                                  table_name, n, &out);
    } else {
        out.value = claims_reduce(t, y, x, m);
        out.nrows = m;
        out.ok = isfinite(out.value);
        if (!out.ok)
            snprintf(out.why, sizeof out.why, "%s of %s is undefined over %zu rows", t->stat_name, t->metric, m);
    }
    free(x);
    free(y);
    free(rows);
    free(f);
    return out;
}

static int claims_compare(const claims_check *ch, double v)
{
    switch (ch->op) {
    case CLAIMS_LT: return v < ch->lo;
    case CLAIMS_LE: return v <= ch->lo;
    case CLAIMS_GT: return v > ch->lo;
    case CLAIMS_GE: return v >= ch->lo;
    case CLAIMS_EQ: return v == ch->lo;
    case CLAIMS_NE: return v != ch->lo;
    case CLAIMS_IN: return v >= ch->lo && v <= ch->hi;
    }
    return 0;
}

/* "median(real_ns){variant=x} = 12.3 ns (3 rows)" */
static char *claims_describe_value(const claims_term *t, const claims_value *v)
{
    const char *m = t->metric;
    size_t len = strlen(m);
    const char *unit = len > 3 && strcmp(m + len - 3, "_ns") == 0 && t->stat != CLAIMS_STAT_COUNT &&
                               t->stat != CLAIMS_STAT_SLOPE ? " ns" : "";
    return output_strdupf("%s(%s%s%s)%s = %.4g%s (%zu row%s%s)", t->stat_name, m, t->metric_x ? ", " : "",
                         t->metric_x ? t->metric_x : "", strchr(t->text, '{'), v->value, unit, v->nrows,
                         v->nrows == 1 ? "" : "s", v->basis);
}

static claims_check_result claims_eval_check(const claims_claim *c, const claims_check *ch, runfolder *run)
{
    claims_check_result res = {.label = xalloc_strdup(ch->label), .outcome = CLAIMS_NOT_MEASURABLE};
    claims_value a = claims_eval_term(c, &ch->num, run), b = {.ok = 1, .value = 1};
    if (a.ok && ch->has_den)
        b = claims_eval_term(c, &ch->den, run);
    if (!a.ok || !b.ok) {
        res.evidence = xalloc_strdup(!a.ok ? a.why : b.why);
        return res;
    }
    char *da = claims_describe_value(&ch->num, &a);
    char *bound = ch->op == CLAIMS_IN ? output_strdupf("in %g..%g", ch->lo, ch->hi)
                                      : output_strdupf("%s %g", claims_op_text[ch->op], ch->lo);
    if (ch->has_den && b.value == 0) {
        char *db = claims_describe_value(&ch->den, &b);
        res.evidence = output_strdupf("%s / %s: the denominator is 0", da, db);
        free(db);
    } else if (ch->has_den) {
        char *db = claims_describe_value(&ch->den, &b);
        double ratio = a.value / b.value;
        int holds = claims_compare(ch, ratio);
        res.outcome = holds ? CLAIMS_HOLDS : CLAIMS_DOES_NOT_HOLD;
        res.evidence = output_strdupf("%s / %s: ratio %.3g, %s %s", da, db, ratio, holds ? "meets" : "fails", bound);
        free(db);
    } else {
        int holds = claims_compare(ch, a.value);
        res.outcome = holds ? CLAIMS_HOLDS : CLAIMS_DOES_NOT_HOLD;
        res.evidence = output_strdupf("%s, %s %s", da, holds ? "meets" : "fails", bound);
    }
    free(bound);
    free(da);
    return res;
}

/* Requirements of the claim itself; the reasons it cannot be measured. */
static char *claims_unmet_requirements(const claims_claim *c, runfolder *run)
{
    char *reasons = NULL;
    for (size_t i = 0; i < c->nfamilies; i++)
        if (!runfolder_family_present(run, c->families[i])) {
            char *r = output_strdupf("family %s absent from this run", c->families[i]);
            claims_append(&reasons, "; ", r);
            free(r);
        }
    int cpus = runfolder_cpu_count(run);
    if (c->min_cpus > 0 && cpus >= 0 && cpus < c->min_cpus) {
        char *r = output_strdupf("too few CPUs: needs %ld, this run had %d", c->min_cpus, cpus);
        claims_append(&reasons, "; ", r);
        free(r);
    }
    for (size_t i = 0; i < c->ncounters; i++) {
        const char *why = NULL;
        int state = runfolder_counter_state(run, c->counters[i], &why);
        int any = 0;
        const output_table *t = runfolder_results(run);
        for (size_t r = 0; state < 0 && r < output_table_row_count(t) && !any; r++) {
            const char *cell = output_table_cell(t, r, c->counters[i]);
            any = cell && *cell;
        }
        if (state == 0 || (state < 0 && !any)) {
            char *r = output_strdupf("counters unavailable: %s (%s)", c->counters[i],
                                    state == 0 && why && *why ? why : "no values in results.csv");
            claims_append(&reasons, "; ", r);
            free(r);
        }
    }
    return reasons;
}

/* Combine check outcomes into the claim's verdict and its one-line reason. */
static void claims_conclude(claims_verdict *v)
{
    size_t held = 0, failed = 0, unknown = 0;
    char *why = NULL;
    for (size_t i = 0; i < v->ncheck; i++) {
        claims_outcome o = v->checks[i].outcome;
        held += o == CLAIMS_HOLDS;
        failed += o == CLAIMS_DOES_NOT_HOLD;
        if (o == CLAIMS_NOT_MEASURABLE) {
            unknown++;
            if (!why || !strstr(why, v->checks[i].evidence))
                claims_append(&why, "; ", v->checks[i].evidence);
        }
    }
    if (held == v->ncheck) {
        v->outcome = CLAIMS_HOLDS;
        v->reason = xalloc_strdup("");
    } else if (held + failed == 0) {
        v->outcome = CLAIMS_NOT_MEASURABLE;
        v->reason = xalloc_strdup(why ? why : "");
    } else if (held == 0 && unknown == 0) {
        v->outcome = CLAIMS_DOES_NOT_HOLD;
        v->reason = xalloc_strdup("");
    } else {
        v->outcome = held ? CLAIMS_PARTLY : CLAIMS_DOES_NOT_HOLD;
        v->reason = output_strdupf("%zu of %zu checks hold%s%s", held, v->ncheck,
                                  unknown ? "; not measurable: " : "", unknown ? why : "");
    }
    free(why);
}

claims_verdict *claims_evaluate(const claims_set *s, runfolder *run, size_t *n)
{
    *n = s ? s->n : 0;
    claims_verdict *out = xalloc_calloc(*n + 1, sizeof *out);
    for (size_t i = 0; i < *n; i++) {
        const claims_claim *c = &s->claims[i];
        claims_verdict *v = &out[i];
        *v = (claims_verdict){.id = c->id, .document = c->document, .claim = c->text,
                              .note = c->note ? c->note : "", .file = c->file, .line = c->line};
        v->ncheck = c->nchecks;
        v->checks = xalloc_calloc(c->nchecks, sizeof *v->checks);
        char *unmet = claims_unmet_requirements(c, run);
        for (size_t j = 0; j < c->nchecks; j++) {
            if (unmet)
                v->checks[j] = (claims_check_result){xalloc_strdup(c->checks[j].label), CLAIMS_NOT_MEASURABLE, xalloc_strdup(unmet)};
            else
                v->checks[j] = claims_eval_check(c, &c->checks[j], run);
        }
        if (unmet) {
            v->outcome = CLAIMS_NOT_MEASURABLE;
            v->reason = unmet;
        } else {
            claims_conclude(v);
        }
    }
    return out;
}

void claims_verdicts_free(claims_verdict *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < v[i].ncheck; j++)
            xalloc_free_strings(2, v[i].checks[j].label, v[i].checks[j].evidence);
        free(v[i].checks);
        free(v[i].reason);
    }
    free(v);
}

/* ---------------------------------------------------------------- table */

static const char *claims_mark(claims_outcome o)
{
    switch (o) {
    case CLAIMS_HOLDS: return "ok ";
    case CLAIMS_DOES_NOT_HOLD: return "NO ";
    case CLAIMS_PARTLY: return "~  ";
    case CLAIMS_NOT_MEASURABLE: return "-- ";
    }
    return "   ";
}

void claims_print_table(const claims_verdict *v, size_t n, FILE *out)
{
    size_t counts[4] = {0};
    fprintf(out, "%-28s %-20s %s\n", "CLAIM", "VERDICT", "WHAT IT SAYS / EVIDENCE");
    for (size_t i = 0; i < n; i++) {
        counts[v[i].outcome]++;
        fprintf(out, "%-28s %-20s %s\n", v[i].id, claims_outcome_name(v[i].outcome), v[i].claim);
        if (v[i].reason && *v[i].reason)
            fprintf(out, "%-28s %-20s   why: %s\n", "", "", v[i].reason);
        for (size_t j = 0; j < v[i].ncheck; j++)
            fprintf(out, "%-28s %-20s   %s%s: %s\n", "", "", claims_mark(v[i].checks[j].outcome),
                    v[i].checks[j].label, v[i].checks[j].evidence);
    }
    fprintf(out, "%zu claims: %zu hold, %zu do not hold, %zu partly, %zu not measurable here\n", n,
            counts[CLAIMS_HOLDS], counts[CLAIMS_DOES_NOT_HOLD], counts[CLAIMS_PARTLY], counts[CLAIMS_NOT_MEASURABLE]);
}

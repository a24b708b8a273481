/*
 * claims_model.h — the parsed form of a claim file, shared by the two
 * halves of the claims module: claims_parse.c (reading and parsing claim
 * files into this model) and claims.c (judging it against a run folder).
 * Nothing outside the claims module includes it; the module's API is
 * claims.h.
 */
#ifndef MEMPROBE_CLAIMS_MODEL_H
#define MEMPROBE_CLAIMS_MODEL_H

#include <stddef.h>

/* column=a|b (negate: column!=a|b); column=@max / column=@min (extreme +1 /
 * -1): the rows whose value of column is the largest / smallest among the
 * rows the term's other filters select. */
typedef struct claims_filter {
    char *column;
    int negate;
    int extreme;
    char **values;            /* alternatives (none for @max/@min) */
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

/* STAT(COLUMN){FILTERS}: a statistic of one column over the rows selected. */
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

/* How the groups of a `by COLUMN` check decide it. */
typedef enum claims_rule { CLAIMS_RULE_ALL, CLAIMS_RULE_ANY } claims_rule;

/* TERM [/ TERM] OP BOUND [by COLUMN [all|any]] */
typedef struct claims_expr {
    claims_term num, den;
    int has_den;
    claims_op op;
    double lo, hi;            /* hi only for CLAIMS_IN */
    char *by;                 /* group column, NULL when judged whole */
    claims_rule rule;
} claims_expr;

/* check.LABEL, with its control.LABEL when the file gives one. */
typedef struct claims_check {
    char *label;
    claims_expr expr;
    claims_expr *control;     /* must hold for the check to mean anything */
    char *control_reason;     /* said when the control does not hold (may be NULL) */
    int line;                 /* of the check key */
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

/* Append text to *s, after sep when *s is not empty. */
void claims_append(char **s, const char *sep, const char *text);
/* Whether any of the n filters is on column. */
int claims_filters_mention(const claims_filter *f, size_t n, const char *column);
/* Parse one term ("p99(pause_ns){file=gc_pauses.csv heap=gc}") from *p.
 * 0, or -1 with err. */
int claims_parse_term(const char **p, claims_term *t, char *err, size_t errlen);
void claims_term_free(claims_term *t);

#endif

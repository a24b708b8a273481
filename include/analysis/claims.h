/*
 * claims.h — claim files (claims/NAME.ini) and their verdicts against a run.
 *
 * A claim file holds one section per claim, [claim.ID], with the document
 * it comes from, the claim in our own words, and checks over the run's
 * tables (results.csv by default, or a side CSV with file=...).  The format
 * is documented in the README ("Claim files"); in short:
 *
 *   [claim.pointer-10x]
 *   document = Go memory model explainer, level 2
 *   claim    = Returning a pointer that forces a heap allocation costs ~10x a 64-byte copy
 *   where    = family=passing size=64 allocator=glibc
 *   check.malloc = {variant=ptr_malloc} / {variant=by_value} >= 10
 *   check.pause  = p99(pause_ns){file=gc_pauses.csv heap=gc} < 1000000 by live_bytes
 *   control.mp   = sum(count){file=litmus.csv test=mp variant=relaxed weak=1} > 0 : why it matters
 *
 * Several matching rows (repetitions) are reduced with the term's statistic
 * (median by default).  A check holds, does not hold, or is not measurable
 * here (with why); a claim holds when every measurable check holds, does
 * not hold when every one fails, is partly true when they disagree, and is
 * not measurable here when none could be judged.  Coverage ("3 of 6 checks
 * measurable: ...") goes with every verdict.
 *
 * The API for a caller that judges claim files against a run (the report,
 * `memprobe claims`, compare): claims_load, then claims_evaluate; the
 * verdicts own their strings, so the set may be freed before them.
 */
#ifndef MEMPROBE_CLAIMS_H
#define MEMPROBE_CLAIMS_H

#include <stddef.h>
#include <stdio.h>
#include "analysis/runfolder.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum claims_outcome {
    CLAIMS_HOLDS,
    CLAIMS_DOES_NOT_HOLD,
    CLAIMS_PARTLY,
    CLAIMS_NOT_MEASURABLE,
} claims_outcome;

/* The outcome's words: "holds", "does not hold", "partly", "not measurable here". */
const char *claims_outcome_name(claims_outcome o);

/* One check's result: its label, outcome (holds / does not hold / not
 * measurable), evidence (the numbers and the comparison, or why not, with
 * the errored rows it matched) and, when not measurable, why alone. */
typedef struct claims_check_result {
    char *label;
    claims_outcome outcome;
    char *evidence;
    char *why;                /* NULL unless not measurable */
} claims_check_result;

/* One claim's verdict (every string owned by the verdict). */
typedef struct claims_verdict {
    char *id, *document, *claim, *note;
    char *file;               /* claim file and line of [claim.ID] */
    int line;
    claims_outcome outcome;
    char *reason;             /* not measurable: why; partly / does not hold: "K of M measurable checks hold"; else "" */
    size_t nmeasurable;       /* checks that could be judged */
    size_t nheld;             /* of those, the ones that hold */
    char *coverage;           /* "3 of 6 checks measurable: <why the others are not>" */
    claims_check_result *checks;
    size_t ncheck;
} claims_verdict;

typedef struct claims_set claims_set;

/* Parse claim files (each UTF-8 text of at most 1 MiB).  NULL with
 * "file:line: what is wrong" in err. */
claims_set *claims_load(const char *const *paths, size_t npaths, char *err, size_t errlen);
/* Parse one claim file held in memory: len bytes (a NUL among them is an
 * error), or a C string; name is used in messages. */
claims_set *claims_load_buffer(const char *name, const char *data, size_t len, char *err, size_t errlen);
claims_set *claims_load_string(const char *name, const char *text, char *err, size_t errlen);
void claims_free(claims_set *s);
size_t claims_count(const claims_set *s);

/* Evaluate every claim of s against run; *n receives the count. */
claims_verdict *claims_evaluate(const claims_set *s, runfolder *run, size_t *n);
void claims_verdicts_free(claims_verdict *v, size_t n);

/* Print the verdict table with coverage and evidence (console). */
void claims_print_table(const claims_verdict *v, size_t n, FILE *out);

/* Every NAME.ini in dir, sorted (malloc'd array of malloc'd paths: free
 * with xalloc_free_list); 0 when none. */
size_t claims_list_dir(const char *dir, char ***paths);

/* A quantity of the run: one term of the check syntax reduced over its
 * rows, whole or per group. */
typedef struct claims_quantity {
    char *group;              /* the group column's value ("" when not grouped) */
    char *label;              /* the same as a reader says it ("1 MiB" for 1048576 in a *bytes column) */
    double value;
    size_t nrows;             /* rows whose values entered the statistic */
} claims_quantity;

/* Reduce term (the check syntax's TERM, e.g. "p99(pause_ns){file=gc_pauses.csv
 * heap=gc}") over run, per value of column by (sorted, numerically where
 * they are numbers), or whole when by is NULL.  Returns the count (*out:
 * free with claims_quantities_free), or 0 with why in err (a malformed
 * term, or why it is not measurable here). */
size_t claims_measure(runfolder *run, const char *term, const char *by, claims_quantity **out,
                      char *err, size_t errlen);
void claims_quantities_free(claims_quantity *q, size_t n);

#ifdef __cplusplus
}
#endif
#endif

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
 *   check.gc     = median(real_ns){variant=ptr_gc} / {variant=by_value} >= 10
 *   min_cpus = 1
 *
 * Several matching rows (repetitions) are reduced with the term's statistic
 * (median by default).  Verdicts: holds (every check holds), does not hold
 * (no check holds), partly (some hold), not measurable here (with why).
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
 * measurable) and evidence (the numbers and the comparison, or why not). */
typedef struct claims_check_result {
    char *label;
    claims_outcome outcome;
    char *evidence;
} claims_check_result;

/* One claim's verdict. */
typedef struct claims_verdict {
    const char *id, *document, *claim, *note;   /* owned by the claims_set */
    const char *file;                           /* claim file and line of [claim.ID] */
    int line;
    claims_outcome outcome;
    char *reason;             /* for not measurable / partly: why, in one line; else "" */
    claims_check_result *checks;
    size_t ncheck;
} claims_verdict;

typedef struct claims_set claims_set;

/* Parse claim files.  NULL with "file:line: what is wrong" in err. */
claims_set *claims_load(const char *const *paths, size_t npaths, char *err, size_t errlen);
/* Parse one claim file held in memory (name used in messages; tests). */
claims_set *claims_load_string(const char *name, const char *text, char *err, size_t errlen);
void claims_free(claims_set *s);
size_t claims_count(const claims_set *s);

/* Evaluate every claim of s against run; *n receives the count. */
claims_verdict *claims_evaluate(const claims_set *s, runfolder *run, size_t *n);
void claims_verdicts_free(claims_verdict *v, size_t n);

/* Print the verdict table with evidence (console). */
void claims_print_table(const claims_verdict *v, size_t n, FILE *out);

/* Every NAME.ini in dir, sorted (malloc'd array of malloc'd paths: free
 * with xalloc_free_list); 0 when none. */
size_t claims_list_dir(const char *dir, char ***paths);

#ifdef __cplusplus
}
#endif
#endif

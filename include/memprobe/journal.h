/*
 * journal.h — the run's rows on disk as they finish: the one path by which
 * rows reach results.csv and the side CSVs.
 *
 * While a run measures, every row added to one of the run's tables
 * (output_table_get) is appended to RUN/journal.jsonl when the benchmark
 * that made it has finished (one JSON object a line), and the file is
 * fsync'd at each family boundary.  At the end the run writes its CSVs from
 * the journal (journal_write_tables); after a kill (SIGKILL, the OOM killer,
 * a power cut) the same function, called by `memprobe report RUN`, writes
 * them from what the journal holds: a kill loses at most the benchmark in
 * flight.  A last line cut short by the kill is left out and counted.
 *
 * Lines: {"journal":"memprobe","version":1,"counter_columns":[...]} first;
 * then {"table":NAME,"columns":[...]} when a table declares columns (the
 * whole list, in order), {"table":NAME,"row":{"column":"cell",...}} per row
 * (empty cells omitted) and {"table":NAME,"edit":R,"row":{...}} when row R
 * (from 0), journaled before, changed since (a finish hook's derived cells).
 */
#ifndef MEMPROBE_JOURNAL_H
#define MEMPROBE_JOURNAL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define JOURNAL_FILE "journal.jsonl"

typedef struct journal journal;

/* Start run_dir/JOURNAL_FILE, recording results.csv's counter columns (the
 * events, then the derived metrics, in order).  NULL with err. */
journal *journal_create(const char *run_dir, const char *const *counter_columns, size_t n, char *err,
                        size_t errlen);
/* Append what the run's tables gained since the last call; with sync, fsync
 * it (a family boundary, the end).  0, or -1 with err: the first failure
 * (disk full, say), after which nothing more is appended. */
int journal_flush(journal *j, int sync, char *err, size_t errlen);
/* Close the journal (flush first); NULL is fine. */
void journal_close(journal *j);

/* What journal_write_tables found. */
typedef struct journal_summary {
    size_t rows;        /* results.csv rows */
    int cut;            /* 1 when the last line was cut short (a kill mid-write) and left out */
    char **files;       /* the names of the CSVs written */
    size_t nfiles;
} journal_summary;

/* Write run_dir's results.csv (in results.h's column order) and side CSVs
 * from run_dir/JOURNAL_FILE, each atomically; a table without rows is not
 * written.  0, or -1 with err (file:line for a malformed journal).  Free
 * the summary with journal_summary_free either way. */
int journal_write_tables(const char *run_dir, journal_summary *summary, char *err, size_t errlen);
void journal_summary_free(journal_summary *summary);

#ifdef __cplusplus
}
#endif
#endif

/*
 * runfolder.h — reading a finished run folder back: results.csv, the
 * machine fingerprint (machine.json), the families the run's build had
 * (families.json) and the families' side CSVs, with the questions the
 * report, claims and compare ask of them (which families ran, how many CPUs
 * were allowed, which counters were unavailable and why).
 */
#ifndef MEMPROBE_RUNFOLDER_H
#define MEMPROBE_RUNFOLDER_H

#include <stddef.h>
#include "memprobe/output.h"
#include "memprobe/results.h"

#ifdef __cplusplus
extern "C" {
#endif

struct json_object;
typedef struct runfolder runfolder;

/* Open dir: results.csv must exist and parse (numeric columns holding
 * numbers); machine.json and families.json are optional (a malformed one is
 * an error).  NULL with one line in err otherwise.  Only the files the
 * run's machine.json lists are read (a folder of an older memprobe, which
 * listed none, is read whole). */
runfolder *runfolder_open(const char *dir, char *err, size_t errlen);
void runfolder_free(runfolder *r);
const char *runfolder_dir(const runfolder *r);
/* results.csv as read. */
const output_table *runfolder_results(const runfolder *r);
/* A side CSV of the folder (read once, cached); NULL when it is absent or
 * malformed (err says which; err[0] == 0 when simply absent). */
const output_table *runfolder_table(runfolder *r, const char *file_name, char *err, size_t errlen);
/* Whether dir/file_name is a file of the run: listed in its machine.json,
 * and there. */
int runfolder_has_file(const runfolder *r, const char *file_name);
/* The run's files (those runfolder_has_file accepts) into *names (free
 * with xalloc_free_list); their count. */
size_t runfolder_files(const runfolder *r, char ***names);
/* Record names (written into the folder now: plots, the report) in the
 * run's machine.json list.  0, or -1 with err. */
int runfolder_add_files(runfolder *r, char *const *names, size_t n, char *err, size_t errlen);
/* A run killed before it wrote results.csv (machine.json lists its journal,
 * not results.csv): write its CSVs from the journal (journal.h), list them,
 * mark machine.json rebuilt_from_journal (completed stays false), clean the
 * temporaries the dead run left.  1 done (a line for the user in note), 0
 * nothing to do, -1 with err (also: a run is writing into dir right now). */
int runfolder_recover(const char *dir, char *note, size_t notelen, char *err, size_t errlen);

/* machine.json (NULL when absent) and one of its top-level values as text
 * (numbers and booleans formatted; NULL when absent). */
struct json_object *runfolder_machine(const runfolder *r);
const char *runfolder_machine_get(const runfolder *r, const char *key);
/* CPUs the run was allowed to use (from machine.json, else the widest cpus
 * tag in results.csv); -1 when unknown. */
int runfolder_cpu_count(const runfolder *r);
/* Counter column availability from machine.json's counters list:
 * 1 available, 0 unavailable (*reason set, may be ""), -1 not listed. */
int runfolder_counter_state(const runfolder *r, const char *column, const char **reason);
/* 1 when column is one of the run's counter columns: an event in
 * machine.json's counters list (a group's or a raw one given with
 * --counters) or a derived metric (ipc, *_mpki); never one of the fixed
 * columns (status, message, ...), whatever machine.json lists. */
int runfolder_is_counter_column(const runfolder *r, const char *column);
/* Warnings recorded in machine.json ("warnings"), else recomputed from its
 * fields (VM, governor, boost, SMT, unavailable counters). */
size_t runfolder_warning_count(const runfolder *r);
const char *runfolder_warning(const runfolder *r, size_t i);

/* Families with rows in results.csv, in order of first appearance. */
size_t runfolder_family_count(const runfolder *r);
const char *runfolder_family(const runfolder *r, size_t i);
/* Whether family has any row in results.csv (of any status). */
int runfolder_family_present(const runfolder *r, const char *family);
/* The families the build that wrote the run had (families.json), in its
 * order; 0 when the folder has no families.json (an older run). */
size_t runfolder_known_family_count(const runfolder *r);
const char *runfolder_known_family(const runfolder *r, size_t i);
/* What that build said family measures (its description, else its one-line
 * help); NULL when families.json does not name it. */
const char *runfolder_family_description(const runfolder *r, const char *family);
/* The run's settings from families.json ("settings": quick, repetitions);
 * NULL when the folder does not record them (an older run). */
struct json_object *runfolder_settings(const runfolder *r);
/* The value of each of family's options in this run (families.json
 * "options"); NULL when not recorded. */
struct json_object *runfolder_family_options(const runfolder *r, const char *family);

#ifdef __cplusplus
}
#endif
#endif

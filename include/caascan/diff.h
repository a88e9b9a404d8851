/*
 * diff.h -- `caascan diff`: what changed between two runs, keyed by name.
 *
 * Both runs are read with a k-way merge (merge.h) and joined on name, so memory does not grow
 * with the runs and runs with different shard counts compare fine. One output row per changed
 * name, with the most important change kind (precedence, highest first):
 *   ADDED / REMOVED   the name is only in NEW / only in OLD
 *   NEW_FAILURE       OLD status not failing, NEW status failing
 *   RECOVERED         OLD status failing, NEW status not failing
 *   STATUS_CHANGED    any other status change (OK <-> AT_RISK, SERVFAIL -> TIMEOUT, ...)
 *   CAA_CHANGED       same status, the CAA set differs (as a set: order does not count)
 *   PROBLEMS_CHANGED  same status and CAA set, the problem codes differ (as a set)
 * A status is failing when the CA's check fails now or sometimes: every status other than OK and
 * AT_RISK (cs_status_is_failing()).
 */
#ifndef CAASCAN_DIFF_H
#define CAASCAN_DIFF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "caascan/csvout.h"
#include "caascan/error.h"
#include "caascan/problem.h"

typedef enum cs_change {
    CS_CH_NONE = 0,
    CS_CH_ADDED,
    CS_CH_REMOVED,
    CS_CH_NEW_FAILURE,
    CS_CH_RECOVERED,
    CS_CH_STATUS_CHANGED,
    CS_CH_CAA_CHANGED,
    CS_CH_PROBLEMS_CHANGED,
    CS_CH_COUNT
} cs_change;

/* "ADDED", ...; "" for CS_CH_NONE; NULL out of range. */
const char *cs_change_name(cs_change ch);

/* True for statuses with which a CA order fails now or sometimes: all but OK and AT_RISK. */
bool cs_status_is_failing(cs_status st);

/* One name's cells in one run (NULL pointers for a run that does not have the name). */
typedef struct cs_diff_side {
    const char *status, *problems, *caa, *detail;
} cs_diff_side;

/*
 * Classifies the change of one name. old or new may be NULL (name absent). Returns CS_CH_NONE
 * when nothing compared changed; an unknown status name compares as text.
 */
cs_change cs_diff_classify(const cs_diff_side *old, const cs_diff_side *new);

/*
 * Appends the detail sentence of a change to b, e.g.
 *   status OK -> CAA_FORBIDS; CAA changed from 0 issue "a.test" to 0 issue "b.test"
 * CS_OK or CS_ENOMEM.
 */
cs_err cs_diff_detail(cs_strbuf *b, cs_change ch, const cs_diff_side *old, const cs_diff_side *new);

/* Counts of a diff. */
typedef struct cs_diff_stats {
    uint64_t changes[CS_CH_COUNT]; /* rows written per change kind */
    uint64_t old_rows, new_rows;   /* rows read from each run */
} cs_diff_stats;

/* How cs_diff_write() writes the change table. */
typedef struct cs_diff_opts {
    bool allow_incomplete; /* accept runs without manifest.json */
    bool raw;              /* CSV: cells exactly as stored, formulas not neutralised (csvout.h) */
    bool bom;              /* CSV: a UTF-8 byte-order mark first */
    const char *xlsx;      /* write a workbook (xlsx.h) to this file instead of CSV to out */
} cs_diff_opts;

/*
 * Compares run old_dir with run new_dir and writes the change table, header
 *   name,change,old_status,new_status,old_problems,new_problems,old_caa,new_caa,detail,KEPT...
 * where KEPT are the kept input columns (--keep-columns) of NEW, then those only OLD has, with the
 * values of NEW's row (OLD's for a REMOVED name, or a column only OLD has). CSV (csvout.h dialect,
 * for people: neutralised unless o->raw) to out, or, with o->xlsx, a workbook with a "changes"
 * sheet (kept columns first, statuses and change kinds coloured) and a "summary" sheet (the runs,
 * their dates and row counts, rows per change kind). Refuses incomplete runs (CS_EINCOMPLETE)
 * unless o->allow_incomplete, and runs of different schema versions (CS_EMISMATCH). Returns CS_OK
 * or the error, with err saying why; *st is filled.
 */
cs_err cs_diff_write(const char *old_dir, const char *new_dir, const cs_diff_opts *o, FILE *out,
                     cs_diff_stats *st, char *err, size_t errlen);

/* cs_diff_write() as CSV to out, neutralised, without BOM. */
cs_err cs_diff_runs(const char *old_dir, const char *new_dir, bool allow_incomplete, FILE *out,
                    cs_diff_stats *st, char *err, size_t errlen);

#endif

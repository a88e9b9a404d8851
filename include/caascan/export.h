/*
 * export.h -- `caascan export`: the result table of a run as one globally sorted table (CSV or
 * JSON lines), optionally only some statuses. Streams a k-way merge of the shards (merge.h).
 */
#ifndef CAASCAN_EXPORT_H
#define CAASCAN_EXPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "caascan/error.h"
#include "caascan/problem.h"

typedef enum cs_export_format {
    CS_EXPORT_CSV = 0, /* the shards' CSV dialect (csvout.h), one header row */
    CS_EXPORT_JSONL,   /* one JSON object per row; list columns as arrays */
} cs_export_format;

typedef struct cs_export_opts {
    cs_export_format format;
    bool select[CS_ST_COUNT]; /* statuses to export */
    bool allow_incomplete;    /* read a run without manifest.json */
} cs_export_opts;

/*
 * Parses a --status list: comma-separated status names (upper or lower case) and FAIL, which
 * stands for every status other than OK. Sets sel[] accordingly (all false first). Returns CS_OK
 * or CS_EINVAL with err naming the unknown word.
 */
cs_err cs_status_filter_parse(const char *spec, bool sel[CS_ST_COUNT], char *err, size_t errlen);

/*
 * True for the columns exported as JSON arrays: problems, caa, nameservers, sources (a cell
 * holding a ';'-joined list).
 */
bool cs_export_is_list_column(const char *column);

/*
 * Writes the result table of run dir to out. *rows gets the rows written (may be NULL). Returns
 * CS_OK; the errors of cs_merge_open_run() / cs_merge_next(); CS_ECORRUPT for a row whose status
 * is unknown; CS_EIO when writing out fails (errno says why); err says why.
 */
cs_err cs_export_run(const char *dir, const cs_export_opts *o, FILE *out, uint64_t *rows, char *err,
                     size_t errlen);

#endif

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
#include "caascan/result.h"

typedef enum cs_export_format {
    CS_EXPORT_CSV = 0, /* the shards' CSV dialect (csvout.h), one header row, for people */
    CS_EXPORT_JSONL,   /* one JSON object per row; list columns as arrays; exact values */
    CS_EXPORT_XLSX,    /* a workbook (xlsx.h): results, servers and summary sheets */
} cs_export_format;

typedef struct cs_export_opts {
    cs_export_format format;
    bool select[CS_ST_COUNT]; /* statuses to export (result table only) */
    bool allow_incomplete;    /* read a run without manifest.json */
    bool raw;                 /* CSV: cells exactly as stored, formulas not neutralised */
    bool bom;                 /* CSV: a UTF-8 byte-order mark first (for Excel) */
    cs_table table;           /* CS_TABLE_RESULTS (default) or CS_TABLE_SERVERS */
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
 * Index of the first kept input column (--keep-columns) in a result table header of n names: the
 * column after checked_at, the last fixed column; n when there is none.
 */
size_t cs_export_first_kept(const char *const *header, size_t n);

/*
 * Writes the table o->table of run dir to out as CSV (neutralised unless o->raw, with a BOM when
 * o->bom) or JSON lines (exact values). *rows gets the rows written (may be NULL). Returns
 * CS_OK; the errors of cs_merge_open_run() / cs_merge_next(); CS_ECORRUPT for a row whose status
 * is unknown; CS_EIO when writing out fails (errno says why); err says why.
 */
cs_err cs_export_run(const char *dir, const cs_export_opts *o, FILE *out, uint64_t *rows, char *err,
                     size_t errlen);

/*
 * Writes the table of run dir as a workbook at path (xlsx.h): the table's sheet ("results", kept
 * input columns first, the name in Unicode beside an IDN's A-label, statuses coloured, checked_at
 * as date-times; or "servers"), for the result table also the per-server table's sheet, and a
 * "summary" sheet (run, CA, times, options, names per status and per problem code in the whole
 * run). Returns like cs_export_run(), and CS_EINVAL when path is not a file name.
 */
cs_err cs_export_xlsx(const char *dir, const cs_export_opts *o, const char *path, uint64_t *rows,
                      char *err, size_t errlen);

/*
 * Writes one file per value of column (of the exported table) into directory outdir (created if
 * missing): VALUE.csv or VALUE.jsonl, each with the header, or VALUE.xlsx (the rows are spooled
 * per value, then each workbook is written in turn: a sheet laid out as cs_export_xlsx()'s and a
 * summary sheet). A list cell (';'-joined: problems,
 * caa, nameservers, sources and the kept input columns) puts the row into the file of each of its
 * items; an empty cell into "(empty)". File names are made safe (cs_export_safe_name()), and two
 * values that would get the same name (in any case) get "~2", "~3", ... Each file is written as
 * NAME.tmp (workbooks NAME.done.tmp) and renamed when all are complete. *files and *rows (may be
 * NULL) get the counts. Returns like cs_export_run(); CS_EINVAL for an unknown column.
 */
cs_err cs_export_split(const char *dir, const cs_export_opts *o, const char *column,
                       const char *outdir, uint64_t *files, uint64_t *rows, char *err,
                       size_t errlen);

/*
 * A file name for value (len bytes) in buf (size bytes, at least 16): '/', '\\', control
 * characters and  : * ? " < > |  become '_', a leading '.' or '-' becomes '_', the name is cut to
 * 100 bytes (at a UTF-8 boundary), and an empty value gives "(empty)". Returns buf.
 */
char *cs_export_safe_name(const char *value, size_t len, char *buf, size_t size);

#endif

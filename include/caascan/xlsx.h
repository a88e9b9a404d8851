/*
 * xlsx.h -- workbooks for people (`export`, `diff`, `report` with --format xlsx), written with
 * libxlsxwriter in constant-memory mode: rows go to disk as they are added, so memory does not grow
 * with the table.
 *
 * Every cell is written as a string, a number or a date-time, never as a formula: a cell holding
 * "=1+2" is the text "=1+2" (no neutralising quote is needed, unlike CSV). Text that is not valid
 * UTF-8 gets '?' for the bad bytes; text longer than a cell holds (32,767 characters) is cut.
 *
 * A table sheet has a bold header row that stays frozen when scrolling, an autofilter over all its
 * rows, column widths fitted to the content (between 6 and 60 characters), and one kind per column:
 * text, number (written as a number when the whole cell is one), a UTC date-time (RFC 3339
 * "2026-11-23T02:00:00Z" becomes a real date-time shown as yyyy-mm-dd hh:mm:ss) or a status
 * (coloured by severity). A table longer than a sheet holds (1,048,576 rows) continues on sheets
 * "NAME (2)", "NAME (3)", ... with the same header.
 */
#ifndef CAASCAN_XLSX_H
#define CAASCAN_XLSX_H

#include <stdbool.h>
#include <stddef.h>

#include "caascan/error.h"

typedef struct cs_xlsx cs_xlsx;
typedef struct cs_xlsx_sheet cs_xlsx_sheet;

typedef enum cs_xlsx_kind {
    CS_XK_TEXT = 0,
    CS_XK_NUMBER,   /* a cell that parses entirely as a decimal number is written as a number */
    CS_XK_DATETIME, /* RFC 3339 UTC "YYYY-MM-DDTHH:MM:SSZ" as a date-time; anything else as text */
    CS_XK_STATUS,   /* a status name, filled with its severity's colour */
    CS_XK_AUTO,     /* a number or a date-time when the cell is one, else text */
} cs_xlsx_kind;

/*
 * Starts a workbook that cs_xlsx_close() writes to path (through path.tmp and a rename). Returns
 * CS_OK, CS_EINVAL (no path, or "-": a workbook is not written to standard output), CS_ENOMEM or
 * CS_EIO with err saying why.
 */
cs_err cs_xlsx_open(cs_xlsx **out, const char *path, char *err, size_t errlen);

/*
 * Adds a table sheet named name (cut to 31 characters, []:*?/\ replaced) with a header of n
 * columns and their kinds (NULL: all text). Sheets appear in the order they are added; rows may
 * be added to any sheet at any time. Returns the sheet, NULL when out of memory or on a
 * libxlsxwriter error (cs_xlsx_close() then fails and says why).
 */
cs_xlsx_sheet *cs_xlsx_add_table(cs_xlsx *x, const char *name, const char *const *header,
                                 const cs_xlsx_kind *kinds, size_t n);

/* Appends one row of the sheet's n cells (NULL counts as empty). CS_OK, CS_ENOMEM or CS_EIO. */
cs_err cs_xlsx_add_row(cs_xlsx_sheet *s, const char *const *cells);

/* The caller makes the file durable itself (one syncfs() for many workbooks): cs_xlsx_close()
 * renames it into place without an fsync() of its own. */
void cs_xlsx_defer_sync(cs_xlsx *x);

/* Rows added to s (without the header). */
size_t cs_xlsx_rows(const cs_xlsx_sheet *s);

/*
 * Finishes the tables (widths, autofilters), writes the workbook and renames it into place when
 * commit; without commit, removes what was written. Frees x in every case. CS_OK or CS_EIO with
 * err saying why.
 */
cs_err cs_xlsx_close(cs_xlsx *x, bool commit, char *err, size_t errlen);

/* Test hook: at most rows data rows per sheet before a table continues on the next (0: as many
 * as a sheet holds, 1,048,575). Not thread-safe; for tests only. */
void cs_xlsx_test_rows_per_sheet(unsigned rows);

/* Parses RFC 3339 UTC "YYYY-MM-DDTHH:MM:SS[.fff]Z" into its parts; false when s is not one. */
bool cs_xlsx_parse_utc(const char *s, int *year, int *month, int *day, int *hour, int *min,
                       double *sec);

#endif

/*
 * csvout.h -- RFC 4180 CSV output and cell lists for the run tables.
 *
 * Dialect: UTF-8, fields separated by ',', records ended by CRLF. A field is quoted only when it
 * contains ',', '"', CR or LF; a quote inside a quoted field is doubled. Leading and trailing
 * spaces are data (never trimmed).
 *
 * Lists inside a cell are joined with ';'. A CAA value in presentation form may itself contain
 * ';' inside double quotes (0 issue "ca.test; accounturi=..."): cs_list_next() does not split
 * inside double quotes (a backslash escapes the next character there).
 */
#ifndef CAASCAN_CSVOUT_H
#define CAASCAN_CSVOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "caascan/error.h"

/* A growable byte buffer, always NUL-terminated when data is not NULL. Zero-initialize it. */
typedef struct cs_strbuf {
    char *data;
    size_t len;
    size_t cap;
} cs_strbuf;

/* Makes room for extra more bytes (plus the NUL). CS_OK or CS_ENOMEM. */
cs_err cs_strbuf_reserve(cs_strbuf *b, size_t extra);
/* Appends n bytes of s. CS_OK or CS_ENOMEM. */
cs_err cs_strbuf_append(cs_strbuf *b, const char *s, size_t n);
/* Appends the C string s. CS_OK or CS_ENOMEM. */
cs_err cs_strbuf_puts(cs_strbuf *b, const char *s);
/* Appends printf-formatted text. CS_OK or CS_ENOMEM. */
cs_err cs_strbuf_printf(cs_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Empties b, keeping its memory. */
void cs_strbuf_clear(cs_strbuf *b);
/* Frees b's memory and zeroes it. */
void cs_strbuf_free(cs_strbuf *b);

/* True when field s must be quoted in CSV (contains ',', '"', CR or LF). */
bool cs_csv_needs_quotes(const char *s);
/* Appends s as one CSV field (quoted only when needed). CS_OK or CS_ENOMEM. */
cs_err cs_csv_append_field(cs_strbuf *b, const char *s);
/* Appends n fields separated by ',' and the CRLF record end. CS_OK or CS_ENOMEM. */
cs_err cs_csv_append_row(cs_strbuf *b, const char *const *fields, size_t n);

/*
 * CSV for people (export, diff, report): spreadsheets take a cell that begins with '=', '+', '-',
 * '@', tab or CR for a formula (CSV formula injection, OWASP). Such a cell is written as text: a
 * single quote is put in front and the field is quoted ("'=1+2"). Run shards never do this: they
 * keep the exact bytes (cs_csv_append_row()).
 */
#define CS_UTF8_BOM "\xEF\xBB\xBF"

/* True when a spreadsheet would read cell s as a formula (its first byte is = + - @ TAB CR). */
bool cs_csv_formula_risk(const char *s);
/*
 * Appends s as one CSV field for people: neutralised as above unless raw, then quoted only when
 * needed. CS_OK or CS_ENOMEM.
 */
cs_err cs_csv_append_cell(cs_strbuf *b, const char *s, bool raw);
/* Appends n cells (cs_csv_append_cell()) separated by ',' and CRLF. CS_OK or CS_ENOMEM. */
cs_err cs_csv_append_cells(cs_strbuf *b, const char *const *fields, size_t n, bool raw);

/*
 * Iterates over the ';'-separated items of a cell. *pos starts at 0. On each call stores the next
 * item's start in *item and its length in *len (surrounding spaces removed) and returns true;
 * returns false when there are no more. An empty cell has no items; empty items are skipped.
 */
bool cs_list_next(const char *cell, size_t *pos, const char **item, size_t *len);

/* Number of items cs_list_next() yields for cell. */
size_t cs_list_count(const char *cell);

/*
 * True when cells a and b hold the same items, in any order, counting repeats (so that a CAA set
 * or problem list that comes back in a different order is not a change).
 */
bool cs_list_same_set(const char *a, const char *b);

#endif

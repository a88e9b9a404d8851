/*
 * input.h -- streaming readers for inventories: plain lists, customer CSV, crt.sh JSON and CSV.
 *
 * A reader is opened on a path ("-" is stdin) or on a stream, detects the format from the first
 * bytes (unless told), and hands out one record at a time: one name, normalized (see name.h) or
 * with the reason it is invalid, plus where it came from. Memory is bounded by the longest record
 * (a CSV row, a crt.sh object), never by the file. Structural damage (a missing column, a JSON
 * array cut in half, an unterminated quote) is a hard error with a "FILE:LINE: why" message;
 * a bad name is a record with a reason. docs/input.md describes formats and detection.
 */
#ifndef CAASCAN_INPUT_H
#define CAASCAN_INPUT_H

#include "caascan/error.h"
#include "caascan/name.h"

#include <stdint.h>
#include <stdio.h>

typedef enum cs_input_format {
    CS_INPUT_AUTO = 0,   /* detect from the content */
    CS_INPUT_LIST,       /* one name a line */
    CS_INPUT_CSV,        /* customer CSV (RFC 4180) */
    CS_INPUT_CRTSH_JSON, /* crt.sh output=json */
    CS_INPUT_CRTSH_CSV,  /* crt.sh CSV export */
    CS_INPUT_FORMAT_COUNT
} cs_input_format;

/* "auto", "list", "csv", "crtsh-json", "crtsh-csv"; NULL when out of range. */
const char *cs_input_format_name(cs_input_format fmt);
/* Parses a format name; returns CS_INPUT_FORMAT_COUNT when unknown. */
cs_input_format cs_input_format_parse(const char *name);

/* Longest list line kept (longer ones are INVALID name_too_long), and longest customer CSV row
 * (quoted newlines included), crt.sh CSV row or crt.sh JSON object (longer ones are errors). */
#define CS_INPUT_LINE_MAX   (1024 * 1024)
#define CS_INPUT_RECORD_MAX (16 * 1024 * 1024)

/* Reader options; the strings must outlive the reader. */
struct cs_input_options {
    cs_input_format format; /* CS_INPUT_AUTO to detect */
    /*
     * Customer CSV: the name column, by header (case-insensitive) or 1-based number; NULL to find
     * it by the headers domain, hostname, fqdn, san, name (in that order of preference).
     */
    const char *column;
    /* Customer CSV: header names of columns whose values every record carries along. */
    const char *const *keep_columns;
    size_t n_keep;
    /* Customer CSV: the field delimiter (',', ';' or '\t'); 0 to detect it from the first line
     * (see cs_csv_detect_delimiter). */
    char delimiter;
};

/*
 * The delimiter of a customer CSV whose first line (the header, or the first record) is
 * line[0..len) and whose next lines follow in rest[0..rest_len) (may be empty): of ',', ';' and
 * tab, the one that splits the first line into the most fields (quotes respected) and splits the
 * complete lines of rest into as many; 0 when none splits the first line.
 */
char cs_csv_detect_delimiter(const char *line, size_t len, const char *rest, size_t rest_len);

/* The delimiter named by text: ",", ";", "tab" (or a tab character), "comma", "semicolon";
 * 0 when text names none of them. */
char cs_csv_delimiter_parse(const char *text);

/* One record: a name and where it came from. Pointers stay valid until the next call. */
struct cs_input_record {
    struct cs_name name;     /* name.reason is CS_NAME_OK for a valid name */
    const char *original;    /* the text as read (NUL-terminated; may hold other NULs) */
    size_t original_len;     /* its length in bytes */
    unsigned long line;      /* 1-based line where the record (row, object) starts */
    uint64_t crtsh_id;       /* crt.sh certificate id; 0 when not from crt.sh */
    const char *common_name; /* crt.sh: certificate fields, NULL when absent or empty */
    const char *issuer_name;
    const char *not_after;
    /* Customer CSV: the values of options.keep_columns in their order ("" when the row is
     * short); NULL for other formats. */
    const char *const *kept;
};

struct cs_input;

/*
 * Opens path ("-" for stdin) and detects its format. On error returns CS_EIO (errno-based
 * message), CS_EFORMAT (cannot tell), CS_EPARSE (bad header, missing column), CS_ENOMEM or
 * CS_EINVAL, and writes "FILE[:LINE]: why" into err (size errsize); *out is then NULL.
 */
cs_err cs_input_open(struct cs_input **out, const char *path, const struct cs_input_options *opt,
                     char *err, size_t errsize);

/*
 * Same on an open stream (not closed by cs_input_close); label names it in messages and sources.
 */
cs_err cs_input_open_stream(struct cs_input **out, FILE *f, const char *label,
                            const struct cs_input_options *opt, char *err, size_t errsize);

/*
 * Reads the next record. Returns CS_OK with *rec set, CS_OK with *rec NULL at the end of the
 * input, or an error (CS_EIO, CS_EPARSE, CS_ETOOLONG, CS_ENOMEM) whose "FILE:LINE: why" text
 * cs_input_error() gives; after an error the reader returns the same error again.
 */
cs_err cs_input_next(struct cs_input *in, const struct cs_input_record **rec);

/* The message of the last error ("" when none). */
const char *cs_input_error(const struct cs_input *in);
/* The format being read (detected or forced). */
cs_input_format cs_input_format_of(const struct cs_input *in);
/* Physical lines read so far (all of them at the end). */
unsigned long cs_input_lines(const struct cs_input *in);
/* The label used in messages: the path as given, or "-" / the stream label. */
const char *cs_input_label(const struct cs_input *in);

/* Closes the reader (and the file it opened); NULL is fine. */
void cs_input_close(struct cs_input *in);

#endif

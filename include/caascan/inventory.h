/*
 * inventory.h -- the merged, de-duplicated set of names a run scans, with where each came from.
 *
 * Records from any number of inputs (input.h) are added one by one. Valid names are keyed by
 * their normalized text, so "*.example.com" and "example.com" are two entries; every occurrence
 * is kept as a compact source (file and line, crt.sh id, kept column values). Invalid records are
 * entries too (keyed by reason and printable original text), so each one becomes an INVALID
 * result row. Per input file the counts for the run manifest are kept, and counts per reason.
 * Memory grows with distinct names and their sources, never with the size of a file: names and
 * strings live in arenas, file names and repeated values (customer ids, plans, issuers) are
 * interned, a source is 24 bytes.
 *
 * The sources cell convention (other parts of caascan parse it): entries joined by ';', each
 * "FILE:LINE" for a list or customer CSV row (FILE as given on the command line) or "crtsh:ID"
 * for a certificate from a crt.sh export (JSON or CSV).
 */
#ifndef CAASCAN_INVENTORY_H
#define CAASCAN_INVENTORY_H

#include "caascan/error.h"
#include "caascan/input.h"
#include "caascan/name.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cs_inventory;

/* Counts of one input file, as the run manifest reports them. */
struct cs_inventory_file {
    const char *path;         /* as given ("-" for stdin) */
    cs_input_format format;   /* detected or forced */
    unsigned long lines;      /* physical lines read */
    unsigned long names;      /* name records read, valid or not, duplicates included */
    unsigned long invalid;    /* of those, invalid */
    unsigned long duplicates; /* valid records whose name was already in the inventory */
    unsigned long reasons[CS_NAME_REASON_COUNT]; /* invalid records per reason */
};

/* One entry: a distinct valid name or a distinct invalid text. */
struct cs_inventory_entry {
    /*
     * Valid: the normalized name, "*." included for a wildcard. Invalid: the original text made
     * printable (cs_name_display), possibly empty.
     */
    const char *name;
    size_t name_len;
    bool wildcard;
    cs_name_reason reason; /* CS_NAME_OK for a valid name */
    unsigned flags;        /* CS_NAME_FROM_URL when some source was a URL */
    size_t n_sources;
};

/* One occurrence of an entry. */
struct cs_inventory_source {
    const char *file;       /* path as given */
    cs_input_format format; /* its format */
    unsigned long line;     /* 1-based line of the record */
    uint64_t crtsh_id;      /* 0 when not from crt.sh */
    unsigned flags;         /* CS_NAME_FROM_URL */
};

struct cs_inventory_source_iter {
    const struct cs_inventory *inv;
    uint32_t next;
};

/* A certificate seen in a crt.sh export. Strings are NULL when absent. */
struct cs_inventory_cert {
    uint64_t id;
    const char *common_name;
    const char *issuer_name;
    const char *not_after;
};

/*
 * Creates an empty inventory that keeps the values of the named columns (the --keep-columns of
 * customer CSVs; copied). Returns NULL when out of memory.
 */
struct cs_inventory *cs_inventory_new(const char *const *keep_columns, size_t n_keep);
void cs_inventory_free(struct cs_inventory *inv);

/*
 * Registers an input; *file receives its index for cs_inventory_add. CS_ENOSPACE beyond 65535
 * files, CS_ENOMEM.
 */
cs_err cs_inventory_add_file(struct cs_inventory *inv, const char *path, cs_input_format format,
                             size_t *file);
/* Sets the line count of a file (the reader knows it at the end). */
void cs_inventory_set_lines(struct cs_inventory *inv, size_t file, unsigned long lines);

/*
 * Adds one record read from file. rec->kept must hold cs_inventory_keep_count() values or be
 * NULL. Returns CS_OK, CS_ENOMEM, CS_ENOSPACE (more than 4 GiB of names or 2^32 sources),
 * CS_EINVAL (bad file index).
 */
cs_err cs_inventory_add(struct cs_inventory *inv, size_t file, const struct cs_input_record *rec);

/*
 * Reads a whole input (cs_input_open on path, "-" is stdin) into the inventory, with the
 * inventory's keep columns. Errors as cs_input_open/cs_input_next, message in err.
 */
cs_err cs_inventory_read(struct cs_inventory *inv, const char *path,
                         const struct cs_input_options *opt, char *err, size_t errsize);

/* Entries, in the order they were first seen: index 0 .. count-1. */
size_t cs_inventory_count(const struct cs_inventory *inv);
size_t cs_inventory_invalid_count(const struct cs_inventory *inv);
/* Fills *out for entry i (< count). */
void cs_inventory_get(const struct cs_inventory *inv, size_t i, struct cs_inventory_entry *out);
/* Finds a valid entry by its normalized text ("*.example.com" for a wildcard). */
bool cs_inventory_find(const struct cs_inventory *inv, const char *name, size_t *index);

/* Iterates over the sources of entry i in the order they were added. */
void cs_inventory_sources(const struct cs_inventory *inv, size_t i,
                          struct cs_inventory_source_iter *it);
bool cs_inventory_source_next(struct cs_inventory_source_iter *it, struct cs_inventory_source *out);

/*
 * Writes the sources cell of entry i ("a.csv:3;crtsh:123") into buf, NUL-terminated and cut to
 * size; returns the length the whole text needs, like snprintf. Each certificate id appears
 * once (a JSON and a CSV export of the same certificate give one "crtsh:ID").
 */
size_t cs_inventory_format_sources(const struct cs_inventory *inv, size_t i, char *buf,
                                   size_t size);

/* The kept columns: their number and their names (as given to cs_inventory_new). */
size_t cs_inventory_keep_count(const struct cs_inventory *inv);
const char *cs_inventory_keep_name(const struct cs_inventory *inv, size_t k);
/*
 * Writes the distinct non-empty values of kept column k over the sources of entry i, in source
 * order, joined by ';'. Returns the length needed, like snprintf.
 */
size_t cs_inventory_format_kept(const struct cs_inventory *inv, size_t i, size_t k, char *buf,
                                size_t size);

/* Input files and their counts. */
size_t cs_inventory_file_count(const struct cs_inventory *inv);
const struct cs_inventory_file *cs_inventory_file(const struct cs_inventory *inv, size_t file);
/* Invalid records per reason over all files (array of CS_NAME_REASON_COUNT). */
const unsigned long *cs_inventory_reason_counts(const struct cs_inventory *inv);

/* Looks up a crt.sh certificate by id (the first export that named it wins). */
bool cs_inventory_cert(const struct cs_inventory *inv, uint64_t id, struct cs_inventory_cert *out);

#endif

/*
 * shard.h -- result shards of a run directory: the writer that partitions, spools, sorts and
 * writes them, and the streaming reader.
 *
 * Partition: a row goes to shard cs_shard_of(key, nshards), where key is the row's first field
 * (the name for the result table, the zone for the per-server table) and
 *     cs_shard_of(key, n) = FNV-1a-64(key bytes) mod n
 * (offset basis 0xcbf29ce484222325, prime 0x100000001b3). This function never changes between
 * versions: the same name always lands in the same shard number for the same shard count.
 *
 * Writer: rows are appended unsorted to one spool file per shard (PREFIX-NNNN.spool.tmp in the
 * run directory, a sequence of zstd frames of NUL-terminated fields). cs_shard_writer_finish()
 * reads each spool back, sorts its rows by key (ties by the whole row, field by field, bytewise),
 * and writes PREFIX-NNNN.csv.zst.tmp -- zstd (with content checksum) of RFC 4180 CSV with a header
 * row (csvout.h) -- fsync()s it and renames it to PREFIX-NNNN.csv.zst. Memory during finish is
 * bounded by the largest shard; while adding rows by nshards * 64 KiB.
 *
 * Reader: streams one shard file with ZSTD_decompressStream and libcsv; checks the field count of
 * every row against the header, that rows are sorted by key, the zstd checksum, and that the file
 * is complete; a row longer than 1 MiB is refused (a real row is a few KiB), so a small
 * decompression bomb cannot make the reader hold a huge row. Errors are reported as "PATH: row N:
 * why" (row 1 is the first row after the header), never as a crash.
 */
#ifndef CAASCAN_SHARD_H
#define CAASCAN_SHARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caascan/error.h"
#include "caascan/hash.h"

/* Default and largest shard counts (--shards). */
#define CS_SHARDS_DEFAULT 16
#define CS_SHARDS_MAX     1024

/* Shard number of key for nshards shards: cs_fnv1a64(key, strlen(key)) % nshards. */
unsigned cs_shard_of(const char *key, unsigned nshards);

/* Writes "DIR/PREFIX-NNNN.csv.zst" (four digits or more) into buf; returns like snprintf. */
int cs_shard_path(char *buf, size_t size, const char *dir, const char *prefix, unsigned shard);

typedef struct cs_shard_writer cs_shard_writer;

/*
 * Starts a writer for nshards (1..CS_SHARDS_MAX) shards named PREFIX-NNNN.csv.zst in directory
 * dir, with header (ncols names, copied). Returns CS_OK, CS_EINVAL (bad count or no columns) or
 * CS_ENOMEM; *out is NULL on failure.
 */
cs_err cs_shard_writer_open(cs_shard_writer **out, const char *dir, const char *prefix,
                            const char *const *header, size_t ncols, unsigned nshards);

/*
 * Adds one row of ncols fields (NULL counts as empty). The first field must not be empty.
 * Returns CS_OK, CS_EINVAL (empty key), CS_ENOMEM or CS_EIO (spool write failed; see
 * cs_shard_writer_error()).
 */
cs_err cs_shard_writer_add(cs_shard_writer *w, const char *const *fields);

/*
 * Sorts and writes every shard (empty shards get a header-only file), fsync()s the directory and
 * removes the spools. Returns CS_OK, CS_ENOMEM, CS_EIO or CS_ECORRUPT (spool unreadable); on error
 * cs_shard_writer_error() says why and cs_shard_writer_abort() should be called.
 */
cs_err cs_shard_writer_finish(cs_shard_writer *w);

/*
 * cs_shard_writer_finish() in steps, so that a caller can stop between shards: writes shard i
 * (0 <= i < nshards), then cs_shard_writer_sync() fsync()s the directory once all are written.
 */
cs_err cs_shard_writer_finish_shard(cs_shard_writer *w, unsigned i);
cs_err cs_shard_writer_sync(cs_shard_writer *w);

/* Removes the writer's spools and temporary files (final files already renamed stay). */
void cs_shard_writer_abort(cs_shard_writer *w);

/* Rows added to shard (valid at any time). */
uint64_t cs_shard_writer_rows(const cs_shard_writer *w, unsigned shard);
/* Number of shards. */
unsigned cs_shard_writer_nshards(const cs_shard_writer *w);
/* The last error message ("PATH: what: why"), "" when none. */
const char *cs_shard_writer_error(const cs_shard_writer *w);
/* Frees the writer (does not remove files: call abort first to do that). NULL is ignored. */
void cs_shard_writer_free(cs_shard_writer *w);

typedef struct cs_shard_reader cs_shard_reader;

/*
 * Opens the shard file path and reads its header row. Returns CS_OK; CS_EIO (cannot open),
 * CS_ECORRUPT (not zstd, truncated, bad checksum, bad CSV, no header) or CS_ENOMEM, with the
 * message in err ("PATH: why"). *out is NULL on failure.
 */
cs_err cs_shard_reader_open(cs_shard_reader **out, const char *path, char *err, size_t errlen);

/* The header row: *n names, valid until the reader is freed. */
const char *const *cs_shard_reader_header(const cs_shard_reader *r, size_t *n);

/*
 * Reads the next row. On CS_OK with *have true, *fields holds as many strings as the header has
 * names, valid until the next call; *have false means the end of the file. Errors: CS_ECORRUPT
 * (message "PATH: row N: why"), CS_EIO, CS_ENOMEM; the reader then stays in error.
 */
cs_err cs_shard_reader_next(cs_shard_reader *r, bool *have, const char *const **fields);

/* Rows returned so far. */
uint64_t cs_shard_reader_rowno(const cs_shard_reader *r);
/* The last error message, "" when none. */
const char *cs_shard_reader_error(const cs_shard_reader *r);
/* Closes and frees r. NULL is ignored. */
void cs_shard_reader_free(cs_shard_reader *r);

/* Compares two rows of n fields as the shards are sorted: key, then field by field (bytewise). */
int cs_row_compare(const char *const *a, const char *const *b, size_t n);

#endif

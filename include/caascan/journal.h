/*
 * journal.h -- the journal of a run directory: finished rows on disk while the scan goes, so that
 * an interrupted run can be resumed (`caascan scan --resume`). Format: docs/run-format.md.
 *
 * DIR/journal.zst is a sequence of independent zstd frames (content size and checksum set), each
 * appended with one write() and made durable with fdatasync() at a checkpoint, by a thread of
 * the journal's own. A frame holds rows
 * of one table:
 *
 *     "CSJ1"  kind (1 byte: 'R' result rows, 'S' per-server rows)
 *     session (u32 LE)  ncols (u32 LE)  nrows (u32 LE)
 *     nrows x { entry (u64 LE)  ncols x (field bytes, NUL) }
 *
 * entry is the row's index in the run's inventory (result rows; 0 for per-server rows). A frame
 * that is cut short (a crash or a full disk during its write), fails its checksum or its layout
 * is dropped whole: its names are asked again on resume. The reader never trusts a length it has
 * not checked against the bytes it holds.
 */
#ifndef CAASCAN_JOURNAL_H
#define CAASCAN_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caascan/error.h"

#define CS_JOURNAL_FILE   "journal.zst"
#define CS_JOURNAL_RESULT 'R'
#define CS_JOURNAL_SERVER 'S'
/* Largest decompressed frame the reader accepts; the writer stays far below it. */
#define CS_JOURNAL_FRAME_MAX (64u * 1024 * 1024)
/* cs_journal_read() reads the file a piece of this size at a time (more for a longer frame). */
#define CS_JOURNAL_READ_CHUNK (1u << 20)

typedef struct cs_journal cs_journal;

/*
 * Opens DIR/journal.zst for appending rows of session (1 for a new run), cutting it to keep_bytes
 * first (the valid length the reader found; 0 for a new run). Creates the file and fsync()s the
 * directory when it is new. Returns CS_OK, CS_ENOMEM or CS_EIO with err saying why.
 */
cs_err cs_journal_open(cs_journal **out, const char *dir, uint32_t session, uint64_t keep_bytes,
                       char *err, size_t errlen);

/* Buffers one row of ncols fields (NULL counts as empty). CS_OK or CS_ENOMEM. */
cs_err cs_journal_add(cs_journal *j, char kind, uint64_t entry, const char *const *fields,
                      size_t ncols);

/* Bytes of rows buffered and not yet written. */
size_t cs_journal_pending(const cs_journal *j);

/*
 * Checkpoint: compresses the buffered rows into one frame per kind and hands them to the journal's
 * writer thread, which appends them with one write() and fdatasync()s the file (so that a slow
 * fsync never holds up the caller). On a write error the thread cuts the file back to its last
 * complete frame when possible and writes nothing more. Returns CS_OK, CS_ENOMEM, or CS_EIO when
 * an earlier checkpoint failed (cs_journal_error() says why: "PATH: write failed: No space left
 * on device (disk full ...)").
 */
cs_err cs_journal_flush(cs_journal *j);

/* cs_journal_flush(), then waits until every checkpoint is on disk. CS_OK, CS_ENOMEM or CS_EIO. */
cs_err cs_journal_sync(cs_journal *j);

/* Whether a checkpoint failed to be written (safe to ask at any time). */
bool cs_journal_failed(const cs_journal *j);

/* The last error message, "" when none (read it once cs_journal_failed() is true). */
const char *cs_journal_error(const cs_journal *j);

/* Writes what was handed over, stops the writer thread, closes and frees j; rows still buffered
 * (not flushed) are dropped. NULL is ignored. */
void cs_journal_free(cs_journal *j);

/* One row handed to a cs_journal_read() callback; fields valid during the call. */
struct cs_journal_row {
    char kind;        /* CS_JOURNAL_RESULT or CS_JOURNAL_SERVER */
    uint32_t session; /* session that wrote it (1 = the first) */
    uint64_t entry;   /* inventory index (result rows) */
    size_t ncols;
    const char *const *fields;
};

/*
 * Returns CS_OK to go on; CS_JOURNAL_DECLINE (result rows only) to leave the entry unfinished: the
 * row is not counted as taken, and a later copy of the same entry (from a later session) is
 * handed over; any other value stops the read and is returned by it.
 */
#define CS_JOURNAL_DECLINE CS_ENOTFOUND
typedef cs_err (*cs_journal_row_cb)(const struct cs_journal_row *row, void *arg);

struct cs_journal_info {
    uint64_t frames;       /* frames read */
    uint64_t bad_frames;   /* frames dropped: checksum, layout, column count */
    uint64_t rows;         /* rows handed to the callback */
    uint64_t duplicates;   /* result rows dropped: entry already seen */
    uint64_t declined;     /* result rows the callback declined (CS_JOURNAL_DECLINE) */
    uint64_t out_of_range; /* result rows dropped: entry >= nentries */
    uint64_t valid_bytes;  /* length up to the end of the last frame that could be delimited */
    bool torn_tail;        /* the file ends in an incomplete frame (cut off at valid_bytes) */
};

/*
 * Reads a journal held in memory. Result rows must have ncols_results fields and an entry below
 * nentries; each entry is handed over until the callback takes one copy (later copies count as
 * duplicates).
 * Per-server rows must have ncols_servers fields. Damaged frames are skipped; a torn tail ends the
 * read. Returns CS_OK, CS_ENOMEM or what cb returned.
 */
cs_err cs_journal_read_mem(const void *buf, size_t len, size_t ncols_results, size_t ncols_servers,
                           uint64_t nentries, cs_journal_row_cb cb, void *arg,
                           struct cs_journal_info *info);

/*
 * As cs_journal_read_mem() for DIR/journal.zst (a missing file is an empty journal), read a
 * piece at a time: memory for a piece and one frame, whatever the journal's size. CS_EIO with
 * err saying why when the file cannot be read.
 */
cs_err cs_journal_read(const char *dir, size_t ncols_results, size_t ncols_servers,
                       uint64_t nentries, cs_journal_row_cb cb, void *arg,
                       struct cs_journal_info *info, char *err, size_t errlen);

/*
 * Whether a journaled result row with this status and ';'-joined problems stands on --resume.
 * A row that is TIMEOUT, or that carries RESOLVER_TIMEOUT, is asked again: a session stopped by
 * the resolvers' health gate (or by a signal while a resolver was failing) may have journaled such
 * rows while its resolvers were dying, and they would otherwise pass as the customer's fault.
 */
bool cs_journal_row_stands(const char *status, const char *problems);

#endif

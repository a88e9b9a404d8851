/*
 * merge.h -- one table of a run, read in global order: a streaming k-way merge of its sorted
 * shards (a binary heap of shard readers), so memory depends on the number of shards, never on
 * the number of rows. Rows come out ordered as the shards are (cs_row_compare), so runs written
 * with different shard counts read back identically.
 */
#ifndef CAASCAN_MERGE_H
#define CAASCAN_MERGE_H

#include <stdbool.h>
#include <stddef.h>

#include "caascan/error.h"
#include "caascan/manifest.h"
#include "caascan/result.h"

typedef struct cs_merge cs_merge;

/*
 * Opens the n shard files paths (all with the same header). Returns CS_OK; CS_EIO, CS_ECORRUPT
 * (unreadable shard, or headers that differ), CS_EINVAL (n == 0) or CS_ENOMEM with err saying why.
 */
cs_err cs_merge_open(cs_merge **out, const char *const *paths, size_t n, char *err, size_t errlen);

/*
 * Opens table t of the run in dir: its manifest must be complete and readable (CS_EINCOMPLETE,
 * CS_EMISMATCH, ...) unless allow_incomplete, which reads whatever shards are there. When m_out is
 * not NULL it gets the loaded manifest (NULL for an incomplete run) to free by the caller.
 */
cs_err cs_merge_open_run(cs_merge **out, const char *dir, cs_table t, bool allow_incomplete,
                         cs_manifest **m_out, char *err, size_t errlen);

/* The shared header: *n names, valid until cs_merge_free(). */
const char *const *cs_merge_header(const cs_merge *mg, size_t *n);

/*
 * Next row in global order. CS_OK with *have true and *fields (as many as the header) valid until
 * the next call; *have false at the end. Errors as cs_shard_reader_next(), message in err.
 */
cs_err cs_merge_next(cs_merge *mg, bool *have, const char *const **fields, char *err,
                     size_t errlen);

/* Frees mg and closes its shards. NULL is ignored. */
void cs_merge_free(cs_merge *mg);

#endif

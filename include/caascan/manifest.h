/*
 * manifest.h -- manifest.json of a run directory, and the life of a run directory.
 *
 * manifest.json is written last (tmp + fsync + rename): a run directory without it is
 * incomplete (stopped by a signal, a crash or a full disk). Its schema is in docs/run-format.md.
 * The scanner builds it with the cs_manifest_set_* / add_* functions; readers load and validate
 * it with cs_manifest_load().
 *
 * A run being written holds the file RUNNING (its pid) with an exclusive flock(); temporary files
 * end in ".tmp". cs_run_create() prepares the directory, cs_run_finish() writes the manifest and
 * drops RUNNING, cs_run_abort() removes the temporaries and leaves the run without a manifest.
 */
#ifndef CAASCAN_MANIFEST_H
#define CAASCAN_MANIFEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "caascan/error.h"
#include "caascan/problem.h"
#include "caascan/result.h"
#include "caascan/shard.h"

/* Schema version this caascan writes and reads (2: the results' fix column, 3: fail_pct). */
#define CS_MANIFEST_SCHEMA 3
#define CS_MANIFEST_FILE   "manifest.json" /* in the run directory */
#define CS_RUN_LOCK_FILE   "RUNNING"       /* present while a scan writes the run */

typedef struct cs_manifest cs_manifest;

/* Counts of one input file (SPEC.md "Inputs"). */
typedef struct cs_input_counts {
    const char *path;
    const char *format;  /* "list", "csv", "crtsh-json", "crtsh-csv" */
    uint64_t lines;      /* lines (or records) read */
    uint64_t names;      /* names found, valid or not */
    uint64_t invalid;    /* names not scanned because invalid */
    uint64_t duplicates; /* names already seen (in this or an earlier input) */
} cs_input_counts;

/* A new manifest with schema and tool version set, empty otherwise; NULL when out of memory. */
cs_manifest *cs_manifest_new(void);
/* Frees m. NULL is ignored. */
void cs_manifest_free(cs_manifest *m);

/* Sets started_at / finished_at (RFC 3339 UTC). CS_OK or CS_ENOMEM. */
cs_err cs_manifest_set_started(cs_manifest *m, time_t t);
cs_err cs_manifest_set_finished(cs_manifest *m, time_t t);
/* Sets the CA domain (--ca). CS_OK or CS_ENOMEM. */
cs_err cs_manifest_set_ca(cs_manifest *m, const char *ca);
/* Appends one resolver ("IP" or "IP:port"). CS_OK or CS_ENOMEM. */
cs_err cs_manifest_add_resolver(cs_manifest *m, const char *resolver);
/* The "options" object for the scanner to fill with jansson (borrowed, owned by m). */
json_t *cs_manifest_options(cs_manifest *m);
/* Appends an input file's counts; *index (may be NULL) gets its index. CS_OK or CS_ENOMEM. */
cs_err cs_manifest_add_input(cs_manifest *m, const cs_input_counts *in, size_t *index);
/* Adds count to the invalid-name reason of input index. CS_OK, CS_EINVAL or CS_ENOMEM. */
cs_err cs_manifest_add_invalid_reason(cs_manifest *m, size_t index, const char *reason,
                                      uint64_t count);
/* Sets the count of names with status st. CS_OK, CS_EINVAL or CS_ENOMEM. */
cs_err cs_manifest_set_status_count(cs_manifest *m, cs_status st, uint64_t n);
/* Sets member key of the manifest to value (taken over, also on failure). CS_OK or CS_ENOMEM. */
cs_err cs_manifest_set_member(cs_manifest *m, const char *key, json_t *value);
/* Sets the number of DNS queries sent. CS_OK or CS_ENOMEM. */
cs_err cs_manifest_set_queries_sent(cs_manifest *m, uint64_t n);
/*
 * Records table t: its header (ncols names) and, from the finished writer w, every shard's file
 * name and row count. CS_OK or CS_ENOMEM.
 */
cs_err cs_manifest_set_table(cs_manifest *m, cs_table t, const char *const *header, size_t ncols,
                             const cs_shard_writer *w);

/*
 * Writes DIR/manifest.json atomically. Returns CS_OK, CS_ENOMEM, or CS_EIO with err saying why
 * (and that the disk is full when it is); on failure no manifest.json is left.
 */
cs_err cs_manifest_write(const cs_manifest *m, const char *dir, char *err, size_t errlen);

/* Flags of cs_manifest_load(). */
enum {
    CS_MANIFEST_CHECK_FILES = 1, /* every shard file listed must exist */
    CS_MANIFEST_COUNT_ROWS = 2,  /* read every shard: header and row count must match */
};

/*
 * Loads and validates DIR/manifest.json. Returns CS_OK; CS_EINCOMPLETE (no manifest: the run is
 * incomplete or still being written), CS_EMISMATCH (schema version this caascan cannot read),
 * CS_ECORRUPT (not valid JSON, missing or mistyped members, shard files missing or with other
 * row counts), CS_ENOMEM; err says why ("DIR/manifest.json: why").
 */
cs_err cs_manifest_load(cs_manifest **out, const char *dir, unsigned flags, char *err,
                        size_t errlen);

/* Schema version of a loaded manifest. */
int cs_manifest_schema(const cs_manifest *m);
/* Number of shards of table t (0 when the table is absent). */
size_t cs_manifest_nshards(const cs_manifest *m, cs_table t);
/* File name (no directory) and row count of shard i of table t; NULL / 0 when out of range. */
const char *cs_manifest_shard_file(const cs_manifest *m, cs_table t, size_t i);
uint64_t cs_manifest_shard_rows(const cs_manifest *m, cs_table t, size_t i);
/* Total rows of table t. */
uint64_t cs_manifest_rows(const cs_manifest *m, cs_table t);
/* Count of names with status st, 0 when absent. */
uint64_t cs_manifest_status_count(const cs_manifest *m, cs_status st);
/* The whole manifest (borrowed). */
const json_t *cs_manifest_json(const cs_manifest *m);

/*
 * Paths ("DIR/FILE") of the shards of table t: from m when not NULL, otherwise every
 * PREFIX-NNNN.csv.zst in dir (for incomplete runs), in shard order. *paths is a NULL-terminated
 * array to free with cs_paths_free(). CS_OK, CS_EIO or CS_ENOMEM.
 */
cs_err cs_run_table_paths(const char *dir, const cs_manifest *m, cs_table t, char ***paths,
                          size_t *n, char *err, size_t errlen);
/* Frees a path array of cs_run_table_paths(). */
void cs_paths_free(char **paths);

typedef struct cs_run cs_run;

enum {
    CS_RUN_OVERWRITE = 1, /* replace a complete or interrupted run that is already there */
    CS_RUN_RESUME = 2,    /* continue the interrupted run there (keeps journal and run state) */
};

/*
 * Prepares directory dir for a new run: creates it (one level) if needed, refuses a directory
 * another scan is writing, refuses a complete run unless CS_RUN_OVERWRITE (which first removes its
 * manifest, then its shards), refuses an interrupted run (one with run-state.json) unless
 * CS_RUN_OVERWRITE or CS_RUN_RESUME, removes shards and temporaries of an earlier incomplete run
 * (and, unless CS_RUN_RESUME, its journal and run state), and writes and locks RUNNING. With
 * CS_RUN_RESUME the directory must hold an interrupted run. Returns CS_OK, CS_EINVAL (complete
 * run there, interrupted run there, nothing to resume, or being written), CS_EIO or CS_ENOMEM
 * with err saying why.
 */
cs_err cs_run_create(cs_run **out, const char *dir, unsigned flags, char *err, size_t errlen);
/* The run's directory. */
const char *cs_run_dir(const cs_run *run);
/*
 * Completes the run: writes manifest.json (setting finished_at to now when unset), then removes
 * the journal, run-state.json and RUNNING. Frees run in every case; on failure the run is aborted
 * (no manifest). CS_OK, CS_EIO or CS_ENOMEM with err saying why.
 */
cs_err cs_run_finish(cs_run *run, cs_manifest *m, char *err, size_t errlen);
/* Abandons the run: removes temporaries and RUNNING, leaves no manifest, frees run. */
void cs_run_abort(cs_run *run);
/* Removes the temporary files (*.tmp of shards, spools and manifest) in dir. */
void cs_run_remove_temporaries(const char *dir);

/* Formats t as RFC 3339 UTC ("2026-11-23T02:00:00Z") into buf (at least 21 bytes). */
void cs_format_utc(time_t t, char *buf, size_t size);

#endif

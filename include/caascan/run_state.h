/*
 * run_state.h -- run-state.json of a run directory: what an interrupted run must be resumed with
 * (its columns, the options that change results, its inputs and their digest) and its sessions.
 * Written atomically at the start of every session; `scan --resume` compares it with the current
 * command before it reads the journal (journal.h). Format: docs/run-format.md.
 *
 * Also the options in effect of a scan as the manifest records them.
 */
#ifndef CAASCAN_RUN_STATE_H
#define CAASCAN_RUN_STATE_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "caascan/error.h"
#include "caascan/inventory.h"
#include "caascan/scan_run.h"

#define CS_RUN_STATE_FILE    "run-state.json"
#define CS_RUN_STATE_VERSION 1

/*
 * Every option of the scan with the value in effect (defaults included), as a new JSON object;
 * with result_only, only those that change rows (rates, in-flight caps, shards, checkpoints and
 * the display may differ between sessions). NULL when out of memory.
 */
json_t *cs_scan_options_json(const struct cs_scan_run_options *o, const struct cs_inventory *inv,
                             bool result_only);

/* FNV-1a-64 over every inventory entry (name, reason, sources, kept cells), as 16 hex digits. */
void cs_inventory_digest(const struct cs_inventory *inv, char out[17]);

/* The run state of a new run (session 1 started at started). NULL when out of memory. */
json_t *cs_run_state_new(const struct cs_scan_run_options *o, const struct cs_inventory *inv,
                         const char *const *header, size_t ncols, time_t started);

/* Writes DIR/run-state.json atomically (tmp, fsync, rename, directory fsync). CS_OK or CS_EIO. */
cs_err cs_run_state_write(const char *dir, const json_t *state, char *err, size_t errlen);

/*
 * Loads DIR/run-state.json. CS_ENOTFOUND when absent; CS_ECORRUPT when unreadable or of another
 * version; err says why.
 */
cs_err cs_run_state_load(const char *dir, json_t **out, char *err, size_t errlen);

/*
 * Compares the saved state with the current one (cs_run_state_new() of this command): columns,
 * options that change results, inputs, entries, digest. CS_OK, or CS_EMISMATCH with why naming
 * the first difference ("--ca: the interrupted run used letsencrypt.org, this command other.test").
 */
cs_err cs_run_state_compare(const json_t *saved, const json_t *now, char *why, size_t whylen);

/* Appends a session started at t to the state; returns its number (1-based), 0 when out of memory.
 */
unsigned cs_run_state_add_session(json_t *state, time_t t);

#endif

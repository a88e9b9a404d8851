/*
 * scan_run.h -- `caascan scan` as a library call: every entry of an inventory checked and written
 * as one row of a run directory (result shards, per-server table, manifest.json written last).
 *
 * Every entry ends as exactly one row: valid names with their verdict, invalid ones as INVALID
 * with the reason and where they came from. Finished rows also go to the run's journal, made
 * durable at checkpoints (journal.h), so that a run stopped by SIGINT, SIGTERM or SIGHUP, a crash
 * or a write error such as a full disk can be continued with o->resume. A stopped run writes no
 * manifest, so it cannot be mistaken for a complete run.
 */
#ifndef CAASCAN_SCAN_RUN_H
#define CAASCAN_SCAN_RUN_H

#include "caascan/addr.h"
#include "caascan/auth.h"
#include "caascan/caa.h"
#include "caascan/engine.h"
#include "caascan/health.h"
#include "caascan/inventory.h"
#include "caascan/problem.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

enum cs_progress {
    CS_PROGRESS_NONE = 0,
    CS_PROGRESS_BAR,    /* a bar redrawn on a terminal */
    CS_PROGRESS_MINUTE, /* one status line a minute */
};

struct cs_scan_run_options {
    const char *run_dir;
    unsigned shards;
    bool overwrite; /* replace a complete run in run_dir */
    struct cs_caa_policy policy;
    const char *const *other_cas; /* fallback CAs (--ca after the first): an other_cas column */
    size_t n_other_cas;
    unsigned tries; /* CA-side lookups per level (--attempts) */
    bool no_auth;   /* skip the authoritative checks (--no-auth) */
    struct cs_auth_config auth;
    struct cs_engine_config engine;
    const struct cs_addr *resolvers;
    size_t nresolvers;
    enum cs_progress progress;
    unsigned partition_k, partition_n; /* scan only partition k of n (1-based; n <= 1: all) */
    const json_t *options;             /* recorded in the manifest (copied) */
    struct cs_health_config health;    /* the resolvers' health gate (all 0: off) */
    bool resume;                       /* continue the interrupted run in run_dir (--resume) */
    unsigned checkpoint_ms; /* journal checkpoint interval (--checkpoint-interval); 0: none */
};

struct cs_scan_summary {
    uint64_t rows;
    uint64_t status[CS_ST_COUNT];
    uint64_t queries;
    uint64_t levels;
    uint64_t zones;                /* zones whose servers were checked */
    uint64_t servers;              /* rows of the per-server table */
    uint64_t direct_sent;          /* direct queries to authoritative servers */
    uint64_t direct_answered;      /* ... that got a reply */
    uint64_t names_probed;         /* names of climbs asked at every address of their zone */
    uint64_t names_spared;         /* ... and not (--auth-depth sample) */
    struct cs_engine_stats engine; /* the engine's counters at the end */
    double seconds;
    bool interrupted;
    bool unhealthy; /* stopped by the health gate: the resolvers did not answer (no manifest) */
    char held_back[256];   /* what limit held the scan back most, as a sentence (progress.h) */
    int signal;            /* the signal that stopped the scan (SIGINT, SIGTERM, SIGHUP), else 0 */
    uint64_t resumed_rows; /* rows taken from the journal of earlier sessions (--resume) */
    unsigned session;      /* this session's number (1 for a new run) */
};

/*
 * Scans inv into o->run_dir. err receives a message on failure.
 * \retval CS_OK
 * \retval CS_EINVAL  the run directory cannot be used (a complete run there, or being written)
 * \retval CS_EIO     writing the run failed (err says why: a full disk, ...); no manifest
 * \retval CS_EINCOMPLETE  stopped by a signal (sum->signal); no manifest, resumable
 * \retval CS_EMISMATCH    --resume with other inputs or options than the run's (err says which)
 * \retval CS_EIO     with sum->unhealthy: stopped by the health gate (err names the resolvers and
 *                    what they did); no manifest
 * \retval CS_ENOMEM
 */
cs_err cs_scan_run(struct cs_inventory *inv, const struct cs_scan_run_options *o,
                   struct cs_scan_summary *sum, char *err, size_t errlen);

#endif

/*
 * progress.h -- the progress line of a scan and what holds it back, as text a person can plan
 * with: "1,234 of 10,000 names (12 %), 3m20s, 6.2 names/s (40 q/s), about 23m40s left, 41 not OK;
 * held back by --auth-qps 20 at 192.0.2.53:53 (an authoritative server): 4,210 queries waiting".
 *
 * The limiting factor is the limit with the most queries waiting behind it (engine.h,
 * cs_engine_get_limits), named by the option that sets it. Sampled once a second over the run,
 * the limit that held the most queries back for the longest is the one the final summary names.
 * No I/O: the caller prints.
 */
#ifndef CAASCAN_PROGRESS_H
#define CAASCAN_PROGRESS_H

#include "caascan/engine.h"

#include <stddef.h>
#include <stdint.h>

/* What the line says besides the limits. */
struct cs_progress_counts {
    double elapsed_s;
    uint64_t done;    /* names written */
    uint64_t resumed; /* ... of them by earlier sessions (--resume): not in the rate */
    uint64_t total;   /* names the run will write (the partition's, with --partition) */
    uint64_t not_ok;
    uint64_t queries; /* sent so far */
};

/* The limits over a run: how long each was the main one, and its worst moment. */
struct cs_progress_limits {
    double last_s;                                /* time of the last sample */
    double held_s[CS_LIMIT_COUNT];                /* seconds each kind was the main limit */
    struct cs_engine_limit worst[CS_LIMIT_COUNT]; /* the sample with the most waiting */
};

/* The kind of limit holding most queries now (CS_LIMIT_NONE: nothing waits on a limit). */
cs_limit_kind cs_progress_main_limit(const struct cs_engine_limits *now);

/* "held back by --auth-qps 20 at 192.0.2.53:53: 4,210 queries waiting"; "" for CS_LIMIT_NONE. */
size_t cs_progress_limit_text(const struct cs_engine_limit *l, const struct cs_engine_config *cfg,
                              char *buf, size_t size);

/* The progress line (without "caascan: scan: "); now may be NULL. Returns the length. */
size_t cs_progress_format(const struct cs_progress_counts *c, const struct cs_engine_limits *now,
                          const struct cs_engine_config *cfg, char *buf, size_t size);

/* Adds a sample taken at elapsed_s to the run's record. */
void cs_progress_note(struct cs_progress_limits *p, const struct cs_engine_limits *now,
                      double elapsed_s);

/*
 * The final summary's sentence: "held back by --auth-qps 20 at 192.0.2.53:53 for 80 % of the
 * 1m40s run (up to 4,210 queries waiting)", or "no limit held it back". Returns the length.
 */
size_t cs_progress_summary(const struct cs_progress_limits *p, double elapsed_s,
                           const struct cs_engine_config *cfg, char *buf, size_t size);

/* "45s", "3m20s", "1h02m". */
void cs_progress_duration(double s, char *buf, size_t size);
/* 4210 -> "4,210". */
void cs_progress_count(uint64_t n, char *buf, size_t size);

#endif

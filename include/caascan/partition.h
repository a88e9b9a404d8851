/*
 * partition.h -- which partition of a partitioned scan (--partition K/N) a name belongs to, and
 * K/N from the command line or from a job engine's environment (--partition auto).
 *
 * A valid name goes to the partition of its registered domain (libpsl, on the A-label; a name
 * with no registered domain -- a public suffix such as a TLD -- stands for itself), so that all
 * names of a zone are scanned, and that zone's servers probed, by one partition only. An invalid
 * entry goes to the partition of its text as read. Every entry is in exactly one partition.
 */
#ifndef CAASCAN_PARTITION_H
#define CAASCAN_PARTITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CS_PARTITION_RULE "registered-domain" /* recorded in the manifest */
#define CS_PARTITIONS_MAX 100000

/*
 * The 0-based partition (0..n-1) of an entry: valid names (normalized, "*." for a wildcard) by
 * their registered domain, invalid ones (valid false) by their text. n <= 1: always 0.
 */
unsigned cs_partition_of(const char *name, bool valid, unsigned n);

/* The registered domain of a valid normalized name (the name itself, "*." removed, when it has
 * none), as used by cs_partition_of(); a pointer into name or to a static string of libpsl. */
const char *cs_partition_key(const char *name);

/* Whether a zone is a public suffix (a TLD, co.uk, ...): names of many registered domains, in
 * any partition, may have it as their closest zone (a registered domain that does not exist). */
bool cs_partition_is_suffix(const char *zone);

/* Looks up an environment variable (getenv, or a table in tests). */
typedef const char *(*cs_getenv_fn)(const char *name);

/*
 * Parses --partition: "K/N" (1-based, 1 <= K <= N), or "auto" / "auto/N" from the job engine's
 * environment: a Slurm job array (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN, 0-based, of
 * SLURM_ARRAY_TASK_COUNT) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, 0-based, of
 * CAASCAN_PARTITIONS or the N of auto/N). *k gets the 1-based K, *n the count; *engine (may be
 * NULL) "slurm", "kubernetes" or "command line". Returns false with why filled on a malformed
 * argument or a missing or inconsistent variable: never a silent full scan.
 */
bool cs_partition_parse(const char *arg, cs_getenv_fn env, unsigned *k, unsigned *n,
                        const char **engine, char *why, size_t whylen);

/* A whole-job budget's share for one of n partitions: ceil(value / n), at least min(value, floor)
 * (0 -- no limit -- stays 0). */
uint64_t cs_partition_share(uint64_t value, unsigned n, uint64_t floor);

#endif

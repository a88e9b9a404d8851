/*
 * run_merge.h -- `caascan merge`: one run directory from the N partition runs of a partitioned
 * scan (--partition K/N), that diff, export, report and the nightly recipe read as any run.
 *
 * The parts must be all N partitions (K = 1..N once each), complete (manifest.json), of the same
 * inputs (input digest) and of the same result-changing options, and disjoint: a name found in
 * two parts is an error. The parts' sorted shards are merged as streams (merge.h), so memory
 * does not grow with the number of rows.
 */
#ifndef CAASCAN_RUN_MERGE_H
#define CAASCAN_RUN_MERGE_H

#include "caascan/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cs_run_merge_summary {
    unsigned parts;
    uint64_t rows;        /* result rows written */
    uint64_t server_rows; /* servers rows written */
    /* Zone x address rows found in more than one part (written once): [0] all, [1] those of zones
     * that are public suffixes (a TLD: the closest zone of names whose domain does not exist). */
    uint64_t shared[2];
    uint64_t queries; /* queries sent, summed over the parts */
};

/*
 * Merges the runs parts[0..nparts-1] into the new run directory out (refused when a run is there,
 * unless overwrite). Returns CS_OK; CS_EINCOMPLETE (a part without manifest), CS_EMISMATCH (parts
 * missing, twice, of other inputs or options, or not disjoint), CS_ECORRUPT, CS_EINVAL (out holds
 * a run), CS_EIO or CS_ENOMEM, with err naming the part and what is wrong. On failure out holds
 * no manifest.
 */
cs_err cs_run_merge(const char *out, const char *const *parts, size_t nparts, bool overwrite,
                    struct cs_run_merge_summary *sum, char *err, size_t errlen);

#endif

/*
 * run_compare.h -- whether two runs can be compared name by name (caascan diff).
 *
 * Two runs compare when everything that changes a verdict is the same in both manifests: the CA
 * judged for (--ca), the ACME account (--account-uri) and validation method, the partition
 * (--partition: a partition against a full run would report every other name REMOVED), the
 * authoritative checks (--no-auth), the number of lookups of every level (--attempts) and the CA
 * model (--remotes, --allowed-failures, --pass-max-pct, --fail-min-pct: fail_pct, status). Rates,
 * in-flight caps, timeouts, shards and resolvers do not change what a name is found to be and are
 * not compared. An option a manifest does not name has its default.
 */
#ifndef CAASCAN_RUN_COMPARE_H
#define CAASCAN_RUN_COMPARE_H

#include "caascan/error.h"

#include <stddef.h>

/*
 * Compares the manifests of runs old_dir and new_dir. why receives what differs, e.g.
 * "--ca: letsencrypt.org before, other-ca.test now; --partition: none before, 1/4 now".
 * \retval CS_OK           comparable
 * \retval CS_EMISMATCH    not comparable (why says how)
 * \retval CS_EINCOMPLETE  a run has no manifest (why names it): nothing to compare
 * \retval CS_ECORRUPT, CS_ENOMEM, ...  a manifest cannot be read (why says why)
 */
cs_err cs_run_compare(const char *old_dir, const char *new_dir, char *why, size_t whylen);

#endif

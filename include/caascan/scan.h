/*
 * scan.h -- one name's whole check: the RFC 8659 climb through the CA-side lookup, then the
 * verdict. `caascan scan` feeds it the inventory and writes rows; `caascan check` feeds it a few
 * names and explains each step.
 *
 * The levels of a name (the name -- without "*." for a wildcard -- and every parent up to the
 * TLD) are asked for at once: parents are shared with other names and looked up once per run, so
 * asking for them early costs nothing and saves a round trip per level. The name is done when
 * every level is; levels above the relevant one are simply not looked at by the verdict.
 */
#ifndef CAASCAN_SCAN_H
#define CAASCAN_SCAN_H

#include "caascan/auth.h"
#include "caascan/ca_lookup.h"
#include "caascan/caa.h"
#include "caascan/engine.h"
#include "caascan/verdict.h"

#include <stdbool.h>
#include <stddef.h>

/* What the callback of a name receives; valid only during the call. */
struct cs_scan_result {
    const char *name; /* as submitted ("*." included for a wildcard) */
    bool wildcard;
    struct cs_ca_level *const *levels; /* levels[0] is the name, the last the TLD */
    size_t nlevels;
    const struct cs_verdict *verdict;
    const struct cs_auth_result *auth; /* the authoritative checks, NULL when off */
    const char *zone;                  /* apex of the zone holding the name, "" when unknown */
    const char *nameservers;           /* that zone's servers, "ns/ip;...", "" when unknown */
    cs_err error; /* CS_OK, or why the name could not be checked (verdict then NULL) */
};

typedef void (*cs_scan_done_cb)(const struct cs_scan_result *res, void *arg);

struct cs_scanner;

/*
 * Creates a scanner on engine (whose pool is pool), trying every level `tries` times, judging for
 * policy (copied by reference: it must outlive the scanner). With auth (NULL: no authoritative
 * checks), every name's zones are checked after its climb. NULL when out of memory.
 */
struct cs_scanner *cs_scanner_new(struct cs_engine *engine, struct cs_resolver_pool *pool,
                                  unsigned tries, const struct cs_caa_policy *policy,
                                  const struct cs_auth_config *auth);
/* Frees the scanner. Call it only when cs_scanner_pending() is 0. */
void cs_scanner_free(struct cs_scanner *s);

/*
 * Checks name (normalized: lower case A-labels, no trailing dot; "*." first for a wildcard).
 * done runs exactly once -- possibly before this returns, when every level is known already.
 * \retval CS_OK
 * \retval CS_ENOMEM  (done does not run)
 */
cs_err cs_scanner_submit(struct cs_scanner *s, const char *name, cs_scan_done_cb done, void *arg);

/*
 * Tells the scanner that name (as it will be submitted) is coming, before anything is submitted:
 * with every name of a run announced, each climb level is freed, with its authoritative probes,
 * once the last name that uses it is done, so that memory holds the levels still to be used
 * rather than every level of the run. name must stay valid until the scanner is freed (its
 * levels are kept as pointers into it). Without announcements, levels are kept for the run.
 * \retval CS_OK
 * \retval CS_ENOMEM  (from then on nothing is freed before the scanner is)
 */
cs_err cs_scanner_expect(struct cs_scanner *s, const char *name);

/* Names submitted and not yet done. */
size_t cs_scanner_pending(const struct cs_scanner *s);
/* CA-side queries sent so far, and levels looked up. */
uint64_t cs_scanner_queries(const struct cs_scanner *s);
/* The authoritative checks' state (zones and servers), NULL when they are off. */
const struct cs_auth *cs_scanner_auth(const struct cs_scanner *s);
size_t cs_scanner_levels(const struct cs_scanner *s);

/*
 * The fallback CAs (issuer domain names, n of them; the array must outlive the scanner): every
 * verdict also judges the name for each of them (cs_verdict_other_cas), from the same lookups.
 */
void cs_scanner_set_other_cas(struct cs_scanner *s, const char *const *cas, size_t n);

/* Tells health (health.h; NULL: nothing) of every CA-side try and level from now on. */
void cs_scanner_set_health(struct cs_scanner *s, struct cs_health *health);

#endif

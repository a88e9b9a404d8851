/*
 * verdict.h -- a name's result from its RFC 8659 climb: status, issuable, problems, the relevant
 * CAA set and one sentence a person can act on.
 *
 * The climb (levels[0] is the name -- for a wildcard, the name without "*." -- then each parent up
 * to and including the TLD) is judged as a CA judges it: the relevant set is the first level
 * whose tries returned CAA records; NXDOMAIN below the TLD counts as empty; a level at or below
 * the relevant one whose every try failed fails the check (DNSSEC_BOGUS, SERVFAIL or TIMEOUT);
 * levels above the relevant one do not matter. The relevant set is then judged for the CA by
 * cs_caa_evaluate(). Findings of the authoritative checks are added by the caller
 * (cs_verdict_add_auth).
 *
 * How often the CA's check fails is estimated from what each lookup saw (failed, or found a set
 * that forbids the CA), per network view, and from each authoritative server's share of failed
 * or forbidding direct answers, under the multi-perspective model of fail_model.h; the status
 * follows that figure (fail_pct): near certain failure keeps the failing status, near certain
 * success is OK or AT_RISK, anything between is FLAKY (docs/caa.md).
 */
#ifndef CAASCAN_VERDICT_H
#define CAASCAN_VERDICT_H

#include "caascan/ca_lookup.h"
#include "caascan/caa.h"
#include "caascan/problem.h"
#include "caascan/resolver_pool.h"

#include <stdbool.h>
#include <stddef.h>

struct cs_verdict {
    cs_status status;
    const char *issuable; /* "yes", "no" or "unknown" */
    /* How many issuance attempts would fail the CA's CAA check, in percent, rounded to one
     * decimal (the fail_pct column; fail_model.h): estimated from every lookup of the climb and,
     * once added, the authoritative servers' own answers. The status follows it. */
    double fail_pct;
    int model_at; /* where the model's sentence starts in detail, -1 when there is none */
    cs_problems problems;
    int relevant;        /* index of the level holding the relevant set, -1 when none */
    int deciding;        /* index of the level the status comes from (failure or relevant) */
    char caa_owner[256]; /* owner of the relevant set, "" when none */
    char *caa;           /* the relevant set, records as `0 issue "x"` joined by ';' (malloc) */
    char resolver_rcode[256]; /* outcome of each try at the deciding level, ';'-joined */
    char ede[512]; /* "7 Signature Expired: text", "" when none; a longer text is cut at a word */
    char detail[1024];
    char *fix; /* what to do and who must do it (problem.h cs_fix_format), "; "-joined (malloc) */
    struct cs_finding *findings; /* the facts of each finding the fix sentences tell (malloc) */
    size_t nfindings;
    char ca_domain[256];     /* the CA judged for */
    char forbid_server[256]; /* the server whose CAA set forbids, "" when the resolvers' does */
    char forbid_ip[48];
    /* INTERMITTENT is there only because resolvers returned different CAA sets (no try failed):
     * when the servers' own answers show they disagree, that finding replaces it. */
    bool intermittent_from_sets;
    /* The fallback CAs' verdicts (cs_verdict_other_cas), "sectigo.com: yes; pki.goog: no"
     * (malloc); NULL when no fallback CA is judged. */
    char *other_cas;
};

/*
 * Judges a climb. name is the input name (with "*." for a wildcard), levels[0..nlevels) the done
 * levels; pool names the resolvers in the detail sentence (may be NULL).
 * \retval CS_OK
 * \retval CS_EINVAL  no levels, or a level not done
 * \retval CS_ENOMEM
 */
cs_err cs_verdict_compute(const char *name, bool wildcard, struct cs_ca_level *const *levels,
                          size_t nlevels, const struct cs_caa_policy *pol,
                          const struct cs_resolver_pool *pool, struct cs_verdict *out);

/*
 * Adds the authoritative checks of the climb (auth.h) to a computed verdict: their findings join
 * the problems and the detail; a CAA set some server returns at a level up to the relevant one
 * that does not authorize the CA makes the name CAA_FORBIDS (the worst server's data counts);
 * a name that passes with misbehaving servers is AT_RISK.
 */
struct cs_auth_result;
cs_err cs_verdict_add_auth(struct cs_verdict *v, bool wildcard, struct cs_ca_level *const *levels,
                           size_t nlevels, const struct cs_auth_result *ar,
                           const struct cs_caa_policy *pol);

/* The levels (from levels[0]) whose zones matter to a verdict: up to the relevant level, or the
 * failing one, or every level when no CAA set was found. */
size_t cs_verdict_levels_checked(const struct cs_verdict *v, size_t nlevels);

/*
 * Judges the same climb (and authoritative checks, ar may be NULL) for each further CA of cas
 * (n issuer domain names; the account of pol belongs to the first CA, so they are judged without
 * one, with pol's validation method), and writes each CA's issuable into v->other_cas as
 * "CA: yes; CA: no; CA: unknown" in the order given. Nothing is looked up again.
 * \retval CS_OK  (v->other_cas NULL when n is 0)
 * \retval CS_EINVAL  a CA that fails cs_caa_policy_check
 * \retval CS_ENOMEM
 */
cs_err cs_verdict_other_cas(struct cs_verdict *v, const char *name, bool wildcard,
                            struct cs_ca_level *const *levels, size_t nlevels,
                            const struct cs_auth_result *ar, const struct cs_caa_policy *pol,
                            const char *const *cas, size_t n);

/* Frees what cs_verdict_compute allocated. */
void cs_verdict_clear(struct cs_verdict *v);

/* "yes" for OK and AT_RISK, "unknown" for FLAKY, "no" for every other status. */
const char *cs_status_issuable(cs_status st);

#endif

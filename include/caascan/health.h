/*
 * health.h -- the health gate of an unattended scan: whether the recursive resolvers answer the
 * CA-side lookups at all.
 *
 * A lookup (one climb level, with every try of it) counts as answered when at least one try got a
 * NOERROR or NXDOMAIN reply: an answer a CA could judge. Timeouts, REFUSED, SERVFAIL and malformed
 * replies are not answers. The gate fails
 *   - when no lookup was answered for window_s seconds, over at least min_lookups lookups;
 *   - when, over the lookups that ended in the last window_s seconds (at least min_lookups of
 *     them, the window lying wholly after the first lookup ended), fewer than min_answered_pct %
 *     were answered;
 *   - at the end of a run, when fewer than that share of all its lookups got any reply but
 *     REFUSED, or (over at least min_lookups lookups) were answered. A small run of a deep name
 *     in a zone that fails DNSSEC is all SERVFAIL and goes on; one against dead resolvers stops.
 * Once any lookup was answered, the first two hold only while names are still being started and
 * lookups go on ending (cs_health_set_tail()): the end of a healthy run, where only the slow
 * failures are left, is judged at the end. So a short hiccup, or one dead resolver of several (a
 * level's tries go to the others once it rests), does not stop a night; resolvers that answer
 * nothing stop it window_s seconds after the first timeouts.
 *
 * Per resolver it also counts what each try got (no reply, REFUSED, SERVFAIL, ...), so that the
 * error names the resolvers and what they did. No I/O: callers pass the monotonic time.
 */
#ifndef CAASCAN_HEALTH_H
#define CAASCAN_HEALTH_H

#include "caascan/resolver_pool.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cs_health_config {
    unsigned min_answered_pct; /* 0: the gate is off */
    unsigned window_s;         /* default 30 */
    unsigned min_lookups;      /* lookups in the window before it is judged; default 20 */
};

#define CS_HEALTH_MIN_ANSWERED_DEFAULT 20
#define CS_HEALTH_WINDOW_DEFAULT       30
#define CS_HEALTH_MIN_LOOKUPS_DEFAULT  20

struct cs_health;

/* A gate for nresolvers resolvers (pool indices). NULL when out of memory. */
struct cs_health *cs_health_new(const struct cs_health_config *cfg, size_t nresolvers);
void cs_health_free(struct cs_health *h);

/* A try on resolver i got rcode (-1: no reply at all, or a reply that could not be read). */
void cs_health_try(struct cs_health *h, size_t resolver, int rcode);

/* A lookup ended at now_ns; answered as defined above; replied: some try got a reply other than
 * REFUSED (a SERVFAIL included). */
void cs_health_lookup(struct cs_health *h, uint64_t now_ns, bool answered, bool replied);

/* Whether the run should stop now (at_end: the run is over, judge all of it). */
bool cs_health_failing(struct cs_health *h, uint64_t now_ns, bool at_end);
/*
 * Says that every name has been started (tail) or not. Once any lookup was answered, the two rules
 * before the end judge only while names are still starting and unanswered lookups go on ending
 * (some in the last half window): what ends last in a healthy run is what is slow, the timeouts
 * and failures, and a stall (names waiting on the authoritative checks) leaves those last.
 */
void cs_health_set_tail(struct cs_health *h, bool tail);

/* Lookups ended and answered over the whole run. */
void cs_health_totals(const struct cs_health *h, uint64_t *lookups, uint64_t *answered);

/*
 * Writes what each resolver did, "192.0.2.1:53 (40 queries: no reply 40), 192.0.2.2:53 (40
 * queries: REFUSED 40)", into buf; labels come from pool. Returns buf.
 */
const char *cs_health_describe(const struct cs_health *h, const struct cs_resolver_pool *pool,
                               char *buf, size_t size);

#endif

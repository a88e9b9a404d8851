/*
 * resolver_pool.h -- the recursive resolvers a scan spreads its CA-side lookups over.
 *
 * Each resolver carries its health: consecutive failures (timeouts and network errors, charged to
 * the resolver that failed), an RTT estimate, and a rest period. After `fail_threshold`
 * consecutive failures a resolver rests (1 s, doubling on every failed probe up to 60 s); when
 * the rest is over it gets exactly one probe query, and only a success brings it back (the same
 * shape as libevent's evdns nameserver_failed / probe). A retry prefers a resolver the query has
 * not tried yet. When every resolver rests, the one whose rest ends first is used anyway, so a run
 * never stalls and every name still ends with a result.
 *
 * The pool does no I/O; callers pass the monotonic time, so tests use a fake clock.
 */
#ifndef CAASCAN_RESOLVER_POOL_H
#define CAASCAN_RESOLVER_POOL_H

#include "caascan/addr.h"
#include "caascan/rtt.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cs_resolver_state {
    CS_RES_UP = 0,
    CS_RES_RESTING, /* failed; not used until rest_until_ns */
    CS_RES_PROBING, /* rest over; one probe query in flight */
};

struct cs_resolver {
    struct cs_addr addr;
    char label[64]; /* "192.0.2.53:53" */
    enum cs_resolver_state state;
    unsigned consecutive_failures;
    uint64_t rest_until_ns;
    uint32_t rest_ms;
    struct cs_rtt rtt;
    unsigned load; /* queries queued or in flight on it, kept by the engine */
    uint64_t sent, answered, failures;
    void *engine_data; /* the engine's per-destination state */
};

struct cs_resolver_pool {
    struct cs_resolver *v;
    size_t n;
    unsigned fail_threshold; /* default 3 */
    uint32_t rest_min_ms;    /* default 1000 */
    uint32_t rest_max_ms;    /* default 60000 */
};

/* Builds a pool from addrs (copied). Returns CS_ENOMEM or CS_EINVAL (n == 0). */
cs_err cs_pool_init(struct cs_resolver_pool *p, const struct cs_addr *addrs, size_t n,
                    uint32_t initial_rto_ms);
void cs_pool_free(struct cs_resolver_pool *p);

/*
 * Chooses the resolver for the next attempt of a query that already tried tried[0..ntried).
 * Prefers a resolver that is up and untried, with the least load (ties broken at random); then an
 * up resolver already tried; then a resting resolver whose rest is over (it becomes PROBING);
 * and when all rest, the one whose rest ends first. Never fails while the pool is not empty.
 */
size_t cs_pool_pick(struct cs_resolver_pool *p, uint64_t now_ns, const uint32_t *tried,
                    size_t ntried);

/* Records an answer from resolver i (any RCODE: the resolver works) after rtt_us. */
void cs_pool_success(struct cs_resolver_pool *p, size_t i, uint64_t now_ns, uint32_t rtt_us);

/* Records a timeout or network error of resolver i. */
void cs_pool_failure(struct cs_resolver_pool *p, size_t i, uint64_t now_ns);

/* Number of resolvers currently up. */
size_t cs_pool_up_count(const struct cs_resolver_pool *p);

#endif

/* resolver_pool.c -- resolver health and selection (resolver_pool.h). */
#include "caascan/resolver_pool.h"
#include "caascan/random.h"

#include <stdlib.h>
#include <string.h>

cs_err cs_pool_init(struct cs_resolver_pool *p, const struct cs_addr *addrs, size_t n,
                    uint32_t initial_rto_ms)
{
    memset(p, 0, sizeof(*p));
    if (n == 0)
        return CS_EINVAL;
    p->v = calloc(n, sizeof(*p->v));
    if (!p->v)
        return CS_ENOMEM;
    p->n = n;
    p->fail_threshold = 3;
    p->rest_min_ms = 1000;
    p->rest_max_ms = 60000;
    for (size_t i = 0; i < n; i++) {
        struct cs_resolver *r = &p->v[i];
        r->addr = addrs[i];
        cs_addr_format(&r->addr, r->label, sizeof(r->label));
        cs_rtt_init(&r->rtt, initial_rto_ms);
        r->rest_ms = p->rest_min_ms;
    }
    return CS_OK;
}

void cs_pool_free(struct cs_resolver_pool *p)
{
    free(p->v);
    memset(p, 0, sizeof(*p));
}

static bool was_tried(size_t i, const uint32_t *tried, size_t ntried)
{
    for (size_t k = 0; k < ntried; k++)
        if (tried[k] == i)
            return true;
    return false;
}

/* Least-loaded resolver among those accepted by the filter, ties broken at random. */
static size_t least_loaded(struct cs_resolver_pool *p, bool untried_only, const uint32_t *tried,
                           size_t ntried)
{
    size_t best = p->n, ties = 0;
    for (size_t i = 0; i < p->n; i++) {
        const struct cs_resolver *r = &p->v[i];
        if (r->state != CS_RES_UP || (untried_only && was_tried(i, tried, ntried)))
            continue;
        if (best == p->n || r->load < p->v[best].load) {
            best = i;
            ties = 1;
        } else if (r->load == p->v[best].load && cs_random_uniform((uint32_t)++ties) == 0) {
            best = i; /* reservoir sampling over equal loads */
        }
    }
    return best;
}

size_t cs_pool_pick(struct cs_resolver_pool *p, uint64_t now_ns, const uint32_t *tried,
                    size_t ntried)
{
    size_t i = least_loaded(p, true, tried, ntried);
    if (i < p->n)
        return i;
    /* A rested resolver whose rest is over gets its probe before tried resolvers are reused. */
    for (i = 0; i < p->n; i++) {
        struct cs_resolver *r = &p->v[i];
        if (r->state == CS_RES_RESTING && r->rest_until_ns <= now_ns) {
            r->state = CS_RES_PROBING;
            return i;
        }
    }
    i = least_loaded(p, false, tried, ntried);
    if (i < p->n)
        return i;
    /* Nothing is up: use the resolver whose rest ends first rather than stall. */
    size_t best = 0;
    for (i = 1; i < p->n; i++)
        if (p->v[i].rest_until_ns < p->v[best].rest_until_ns)
            best = i;
    return best;
}

void cs_pool_success(struct cs_resolver_pool *p, size_t i, uint64_t now_ns, uint32_t rtt_us)
{
    struct cs_resolver *r = &p->v[i];
    r->answered++;
    r->consecutive_failures = 0;
    r->state = CS_RES_UP;
    r->rest_ms = p->rest_min_ms;
    cs_rtt_sample(&r->rtt, rtt_us);
}

void cs_pool_failure(struct cs_resolver_pool *p, size_t i, uint64_t now_ns)
{
    struct cs_resolver *r = &p->v[i];
    r->failures++;
    r->consecutive_failures++;
    cs_rtt_lost(&r->rtt);
    if (r->state == CS_RES_PROBING) {
        /* The probe failed: rest twice as long. */
        uint64_t next = (uint64_t)r->rest_ms * 2;
        r->rest_ms = next > p->rest_max_ms ? p->rest_max_ms : (uint32_t)next;
        r->state = CS_RES_RESTING;
        r->rest_until_ns = now_ns + (uint64_t)r->rest_ms * 1000000u;
    } else if (r->state == CS_RES_UP && r->consecutive_failures >= p->fail_threshold) {
        r->state = CS_RES_RESTING;
        r->rest_until_ns = now_ns + (uint64_t)r->rest_ms * 1000000u;
    }
}

size_t cs_pool_up_count(const struct cs_resolver_pool *p)
{
    size_t up = 0;
    for (size_t i = 0; i < p->n; i++)
        up += p->v[i].state == CS_RES_UP;
    return up;
}

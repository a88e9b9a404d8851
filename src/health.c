/* health.c -- the health gate of an unattended scan (health.h). */
#include "caascan/health.h"

#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { R_NOREPLY, R_NOERROR, R_NXDOMAIN, R_SERVFAIL, R_REFUSED, R_OTHER, R_COUNT };

struct bucket {
    uint64_t second; /* which second of the run it counts */
    uint64_t lookups, answered;
};

struct cs_health {
    struct cs_health_config cfg;
    size_t nresolvers;
    uint64_t (*by_resolver)[R_COUNT];
    struct bucket *ring; /* window_s buckets of one second */
    bool started;
    uint64_t first_ns; /* when the first lookup ended */
    uint64_t lookups, answered, replied;
    uint64_t streak_ns;      /* when the current run of unanswered lookups began */
    uint64_t streak_count;   /* unanswered lookups since the last answered one */
    uint64_t streak_last_ns; /* when the last of them ended */
    bool tail;               /* every name has been started (cs_health_set_tail()) */
};

struct cs_health *cs_health_new(const struct cs_health_config *cfg, size_t nresolvers)
{
    struct cs_health *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->cfg = *cfg;
    if (h->cfg.window_s == 0)
        h->cfg.window_s = CS_HEALTH_WINDOW_DEFAULT;
    if (h->cfg.min_lookups == 0)
        h->cfg.min_lookups = CS_HEALTH_MIN_LOOKUPS_DEFAULT;
    h->nresolvers = nresolvers;
    h->by_resolver = calloc(nresolvers ? nresolvers : 1, sizeof(*h->by_resolver));
    h->ring = calloc(h->cfg.window_s, sizeof(*h->ring));
    if (!h->by_resolver || !h->ring) {
        cs_health_free(h);
        return NULL;
    }
    return h;
}

void cs_health_free(struct cs_health *h)
{
    if (!h)
        return;
    free(h->by_resolver);
    free(h->ring);
    free(h);
}

void cs_health_try(struct cs_health *h, size_t resolver, int rcode)
{
    if (resolver >= h->nresolvers)
        return;
    int k = rcode < 0                      ? R_NOREPLY
            : rcode == LDNS_RCODE_NOERROR  ? R_NOERROR
            : rcode == LDNS_RCODE_NXDOMAIN ? R_NXDOMAIN
            : rcode == LDNS_RCODE_SERVFAIL ? R_SERVFAIL
            : rcode == LDNS_RCODE_REFUSED  ? R_REFUSED
                                           : R_OTHER;
    h->by_resolver[resolver][k]++;
}

/* The second of the run that t falls in (1-based so that 0 marks an unused bucket). */
static uint64_t second_of(const struct cs_health *h, uint64_t t)
{
    return (t - h->first_ns) / 1000000000u + 1;
}

void cs_health_lookup(struct cs_health *h, uint64_t now_ns, bool answered, bool replied)
{
    if (!h->started) {
        h->started = true;
        h->first_ns = now_ns;
    }
    if (now_ns < h->first_ns)
        now_ns = h->first_ns;
    uint64_t sec = second_of(h, now_ns);
    struct bucket *b = &h->ring[sec % h->cfg.window_s];
    if (b->second != sec)
        *b = (struct bucket){.second = sec};
    b->lookups++;
    b->answered += answered;
    h->lookups++;
    h->answered += answered;
    h->replied += replied || answered;
    if (answered) {
        h->streak_count = 0;
    } else {
        if (h->streak_count++ == 0)
            h->streak_ns = now_ns;
        h->streak_last_ns = now_ns;
    }
}

void cs_health_set_tail(struct cs_health *h, bool tail)
{
    h->tail = tail;
}

static bool below(const struct cs_health *h, uint64_t lookups, uint64_t answered)
{
    return (double)answered * 100.0 < (double)h->cfg.min_answered_pct * (double)lookups;
}

bool cs_health_failing(struct cs_health *h, uint64_t now_ns, bool at_end)
{
    if (h->cfg.min_answered_pct == 0 || !h->started)
        return false;
    if (at_end)
        return h->lookups > 0 &&
               (below(h, h->lookups, h->replied) ||
                (h->lookups >= h->cfg.min_lookups && below(h, h->lookups, h->answered)));
    uint64_t window_ns = (uint64_t)h->cfg.window_s * 1000000000u;
    /* Once the resolvers have answered, what ends last is what is slow: the lookups that time out
     * or fail. So after the last name has started, or while no lookup ends any more (the names
     * wait on the authoritative checks), the failures of the end of a run must not read as dead
     * resolvers: judged live only while unanswered lookups go on ending, else at the end. */
    bool seen_answers = h->answered > 0;
    if (seen_answers && h->tail)
        return false;
    bool live = !seen_answers || h->streak_last_ns + window_ns / 2 >= now_ns;
    /* Nothing answered for a whole window, over enough lookups: the resolvers are gone. */
    if (h->streak_count >= h->cfg.min_lookups && now_ns >= h->streak_ns + window_ns && live)
        return true;
    if (now_ns < h->first_ns + window_ns)
        return false; /* the window would reach back before the first lookup ended */
    /* Over the window, and (once answers were seen) over each half of it: a run whose failures
     * merely end last has its answers in the older half. */
    uint64_t now_sec = second_of(h, now_ns), half = (h->cfg.window_s + 1) / 2;
    uint64_t lookups[2] = {0}, answered[2] = {0};
    for (unsigned i = 0; i < h->cfg.window_s; i++) {
        const struct bucket *b = &h->ring[i];
        if (b->second != 0 && b->second + h->cfg.window_s > now_sec) {
            int k = b->second + half > now_sec;
            lookups[k] += b->lookups;
            answered[k] += b->answered;
        }
    }
    uint64_t all = lookups[0] + lookups[1], all_answered = answered[0] + answered[1];
    if (all < h->cfg.min_lookups || !below(h, all, all_answered))
        return false;
    if (!seen_answers)
        return true;
    unsigned need = (h->cfg.min_lookups + 1) / 2;
    return lookups[0] >= need && lookups[1] >= need && below(h, lookups[0], answered[0]) &&
           below(h, lookups[1], answered[1]);
}

void cs_health_totals(const struct cs_health *h, uint64_t *lookups, uint64_t *answered)
{
    *lookups = h->lookups;
    *answered = h->answered;
}

const char *cs_health_describe(const struct cs_health *h, const struct cs_resolver_pool *pool,
                               char *buf, size_t size)
{
    static const char *const names[R_COUNT] = {"no reply", "NOERROR", "NXDOMAIN",
                                               "SERVFAIL", "REFUSED", "other RCODE"};
    size_t used = 0;
    if (size == 0)
        return buf;
    buf[0] = '\0';
    for (size_t i = 0; i < h->nresolvers && i < pool->n && used < size; i++) {
        uint64_t total = 0;
        for (int k = 0; k < R_COUNT; k++)
            total += h->by_resolver[i][k];
        int w = snprintf(buf + used, size - used, "%s%s (%llu queries", i ? ", " : "",
                         pool->v[i].label, (unsigned long long)total);
        used += w > 0 ? (size_t)w : 0;
        const char *sep = ": ";
        for (int k = 0; k < R_COUNT && used < size; k++) {
            if (!h->by_resolver[i][k])
                continue;
            w = snprintf(buf + used, size - used, "%s%s %llu", sep, names[k],
                         (unsigned long long)h->by_resolver[i][k]);
            used += w > 0 ? (size_t)w : 0;
            sep = ", ";
        }
        if (used < size) {
            w = snprintf(buf + used, size - used, ")");
            used += w > 0 ? (size_t)w : 0;
        }
    }
    return buf;
}

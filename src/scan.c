/* scan.c -- a name's climb and verdict (scan.h). */
#include "caascan/scan.h"
#include "caascan/fail_model.h"
#include "caascan/strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct cs_scanner {
    struct cs_ca_lookup *cl;
    struct cs_auth *auth;
    const struct cs_resolver_pool *pool;
    const struct cs_caa_policy *policy;
    const char *const *other_cas; /* fallback CAs judged besides the policy's */
    size_t n_other_cas;
    size_t pending;
    /* How many announced names use each level name (cs_scanner_expect), as uintptr_t; keys point
     * into the announced names. */
    struct cs_strmap users;
    bool users_incomplete; /* an announcement failed: nothing is freed before the end */
};

struct level_slot;

struct name_task {
    struct cs_scanner *s;
    cs_scan_done_cb done;
    void *arg;
    bool wildcard;
    size_t nlevels;
    size_t waiting;
    cs_err error; /* a level that could not be asked */
    struct cs_verdict v;
    char *name;
    struct cs_ca_level **levels;
    struct level_slot *slots; /* one callback argument per level */
};

struct level_slot {
    struct name_task *task;
    size_t index;
};

struct cs_scanner *cs_scanner_new(struct cs_engine *engine, struct cs_resolver_pool *pool,
                                  unsigned tries, const struct cs_caa_policy *policy,
                                  const struct cs_auth_config *auth)
{
    struct cs_scanner *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->cl = cs_ca_lookup_new(engine, pool ? pool->n : 1, tries);
    if (auth)
        s->auth = cs_auth_new(engine, auth);
    if (!s->cl || (auth && !s->auth)) {
        cs_ca_lookup_free(s->cl);
        free(s);
        return NULL;
    }
    s->pool = pool;
    s->policy = policy;
    cs_ca_lookup_set_sampling(s->cl, CS_FM_SAMPLE_CAP_DEFAULT);
    return s;
}

static cs_err users_add(struct cs_strmap *u, const char *key)
{
    void **n = cs_strmap_slot(u, key);
    if (n) {
        *n = (void *)((uintptr_t)*n + 1);
        return CS_OK;
    }
    return cs_strmap_put(u, key, (void *)(uintptr_t)1);
}

/* The first level of name (the name without its "*." label), then each parent in turn. */
static const char *first_level(const char *name)
{
    return strncmp(name, "*.", 2) == 0 ? name + 2 : name;
}

static const char *next_level(const char *level)
{
    const char *dot = strchr(level, '.');
    return dot ? dot + 1 : NULL;
}

cs_err cs_scanner_expect(struct cs_scanner *s, const char *name)
{
    for (const char *p = first_level(name); p && *p; p = next_level(p))
        if (users_add(&s->users, p) != CS_OK) {
            s->users_incomplete = true; /* a level's count would be short */
            return CS_ENOMEM;
        }
    return CS_OK;
}

/* A name is done: each of its levels that no announced name will use any more is freed. */
static void release_levels(struct cs_scanner *s, struct cs_ca_level **levels, size_t n)
{
    if (!s->users.count || s->users_incomplete)
        return;
    for (size_t i = 0; i < n; i++) {
        struct cs_ca_level *lv = levels[i];
        if (!lv)
            continue;
        if (!lv->users_known) {
            lv->users_known = true;
            lv->users_left = (unsigned)(uintptr_t)cs_strmap_get(&s->users, lv->name);
        }
        if (lv->users_left == 0 || --lv->users_left > 0)
            continue;
        if (s->auth)
            cs_auth_release_name(s->auth, lv->name);
        cs_ca_lookup_release(s->cl, lv);
        levels[i] = NULL;
    }
}

void cs_scanner_free(struct cs_scanner *s)
{
    if (!s)
        return;
    cs_strmap_free(&s->users, NULL);
    cs_auth_free(s->auth);
    cs_ca_lookup_free(s->cl);
    free(s);
}

const struct cs_auth *cs_scanner_auth(const struct cs_scanner *s)
{
    return s->auth;
}

size_t cs_scanner_pending(const struct cs_scanner *s)
{
    return s->pending;
}

uint64_t cs_scanner_queries(const struct cs_scanner *s)
{
    return cs_ca_lookup_queries(s->cl) + (s->auth ? cs_auth_queries(s->auth) : 0);
}

void cs_scanner_set_other_cas(struct cs_scanner *s, const char *const *cas, size_t n)
{
    s->other_cas = cas;
    s->n_other_cas = n;
}

void cs_scanner_set_health(struct cs_scanner *s, struct cs_health *health)
{
    cs_ca_lookup_set_health(s->cl, health);
}

size_t cs_scanner_levels(const struct cs_scanner *s)
{
    return cs_ca_lookup_levels(s->cl);
}

static void task_free(struct name_task *t)
{
    free(t->levels);
    free(t->slots);
    free(t->name);
    free(t);
}

/* Hands the result over; auth is NULL when the authoritative checks are off or failed. */
static void task_report(struct name_task *t, const struct cs_verdict *v,
                        const struct cs_auth_result *auth, cs_err err)
{
    struct cs_scanner *s = t->s;
    if (err == CS_OK && v && s->n_other_cas > 0)
        err = cs_verdict_other_cas(&t->v, t->name, t->wildcard, t->levels, t->nlevels, auth,
                                   s->policy, s->other_cas, s->n_other_cas);
    struct cs_auth_zone *z = auth && auth->nlevels > 0 ? auth->zones[0] : NULL;
    struct cs_scan_result res = {
        .name = t->name,
        .wildcard = t->wildcard,
        .levels = t->levels,
        .nlevels = err == CS_OK ? t->nlevels : 0,
        .verdict = err == CS_OK ? v : NULL,
        .auth = err == CS_OK ? auth : NULL,
        .zone = z ? z->apex : "",
        .nameservers = z && z->nameservers ? z->nameservers : "",
        .error = err,
    };
    s->pending--;
    t->done(&res, t->arg);
    if (v)
        cs_verdict_clear(&t->v);
    release_levels(s, t->levels, t->nlevels);
    task_free(t);
}

static void on_auth_done(const struct cs_auth_result *ar, void *arg)
{
    struct name_task *t = arg;
    /* A server that answers without CAA at the top level checked sends a CA that asks it up the
     * climb, past the level the resolvers found relevant: the level above is checked too (its
     * sets count for the worst server), and so on while some server of the top one has none. */
    size_t n = ar->nlevels;
    if (t->v.relevant >= 0 && t->v.status > CS_ST_CAA_FORBIDS && n > 0 && n < t->nlevels &&
        ar->qnames[n - 1] && ar->qnames[n - 1]->done && ar->qnames[n - 1]->some_without_caa &&
        cs_auth_check(t->s->auth, t->levels, n + 1, on_auth_done, t) == CS_OK)
        return; /* that check reports the name (ar stays valid until this returns) */
    cs_err err = cs_verdict_add_auth(&t->v, t->wildcard, t->levels, t->nlevels, ar, t->s->policy);
    task_report(t, &t->v, ar, err);
}

static void task_finish(struct name_task *t, cs_err err)
{
    struct cs_scanner *s = t->s;
    if (err != CS_OK) {
        task_report(t, NULL, NULL, err);
        return;
    }
    err =
        cs_verdict_compute(t->name, t->wildcard, t->levels, t->nlevels, s->policy, s->pool, &t->v);
    if (err != CS_OK) {
        cs_verdict_clear(&t->v);
        task_report(t, NULL, NULL, err);
        return;
    }
    if (!s->auth) {
        task_report(t, &t->v, NULL, CS_OK);
        return;
    }
    size_t n = cs_verdict_levels_checked(&t->v, t->nlevels);
    err = cs_auth_check(s->auth, t->levels, n, on_auth_done, t);
    if (err != CS_OK) {
        cs_verdict_clear(&t->v);
        task_report(t, NULL, NULL, err);
    }
}

static void on_level(struct cs_ca_level *level, void *arg)
{
    struct level_slot *slot = arg;
    struct name_task *t = slot->task;
    t->levels[slot->index] = level;
    if (--t->waiting == 0)
        task_finish(t, t->error);
}

cs_err cs_scanner_submit(struct cs_scanner *s, const char *name, cs_scan_done_cb done, void *arg)
{
    struct name_task *t = calloc(1, sizeof(*t));
    if (!t)
        return CS_ENOMEM;
    t->s = s;
    t->done = done;
    t->arg = arg;
    t->wildcard = strncmp(name, "*.", 2) == 0;
    t->name = strdup(name);
    const char *base = first_level(name);
    size_t n = 1;
    for (const char *p = base; *p; p++)
        n += *p == '.';
    t->levels = calloc(n, sizeof(*t->levels));
    t->slots = calloc(n, sizeof(*t->slots));
    if (!t->name || !t->levels || !t->slots) {
        free(t->name);
        free(t->levels);
        free(t->slots);
        free(t);
        return CS_ENOMEM;
    }
    t->nlevels = n;
    s->pending++;
    /* One extra count held while asking, so that levels already known cannot finish early. */
    t->waiting = n + 1;
    cs_err failed = CS_OK;
    const char *p = base;
    for (size_t i = 0; i < n; i++) {
        t->slots[i].task = t;
        t->slots[i].index = i;
        cs_err err = cs_ca_lookup_level(s->cl, p, on_level, &t->slots[i]);
        if (err != CS_OK) {
            failed = err;
            t->waiting--;
        }
        const char *up = next_level(p);
        p = up ? up : p + strlen(p);
    }
    /* Some level cannot be asked: the name still ends, with the error, once the levels that were
     * asked are in. */
    t->error = failed;
    if (--t->waiting == 0)
        task_finish(t, t->error);
    return CS_OK;
}

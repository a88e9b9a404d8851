/* ca_lookup.c -- CA-side CAA lookups of climb levels, shared across names (ca_lookup.h). */
#include "caascan/ca_lookup.h"
#include "caascan/fail_model.h"
#include "caascan/random.h"
#include "caascan/strmap.h"
#include "caascan/hash.h"
#include "caascan/health.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct cs_ca_waiter {
    cs_ca_level_cb cb;
    void *arg;
    struct cs_ca_waiter *next;
};

struct cs_ca_lookup {
    struct cs_engine *engine;
    size_t nresolvers;
    unsigned tries;
    unsigned cap;            /* tries a level can reach by sequential sampling (>= tries) */
    unsigned next_resolver;  /* round robin start for the tries of the next level */
    struct cs_strmap levels; /* by name (the level's own) */
    size_t made;             /* levels made in the run */
    uint64_t queries;
    struct cs_health *health; /* told of every try and level, when set */
};

/* One in-flight query of a level: a try, or the CD=1 check of a try. */
struct try_ctx {
    struct cs_ca_lookup *cl;
    struct cs_ca_level *level;
    unsigned index;
    bool cd;
};

const char *cs_try_result_name(cs_try_result r)
{
    static const char *const names[] = {"DATA", "EMPTY", "NXDOMAIN", "ERROR", "TIMEOUT"};
    return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

struct cs_ca_lookup *cs_ca_lookup_new(struct cs_engine *engine, size_t nresolvers, unsigned tries)
{
    struct cs_ca_lookup *cl = calloc(1, sizeof(*cl));
    if (!cl)
        return NULL;
    cl->engine = engine;
    cl->nresolvers = nresolvers ? nresolvers : 1;
    cl->tries = tries < 1 ? 1 : tries > CS_MAX_ATTEMPTS ? CS_MAX_ATTEMPTS : tries;
    cl->cap = cl->tries;
    cl->next_resolver = cs_random_uniform((uint32_t)cl->nresolvers);
    return cl;
}

static void level_free(void *p)
{
    struct cs_ca_level *lv = p;
    struct cs_ca_waiter *w, *next;
    for (w = lv->waiters; w; w = next) {
        next = w->next;
        free(w);
    }
    ldns_rr_list_deep_free(lv->caa);
    for (unsigned i = 0; i < lv->n_other_sets; i++)
        ldns_rr_list_deep_free(lv->other_sets[i]);
    free(lv->other_sets);
    for (unsigned i = 0; i < lv->ntries; i++)
        free(lv->tries[i].ede_text);
    free(lv->caa_owner);
    free(lv->soa_owner);
    free(lv->name);
    free(lv);
}

void cs_ca_lookup_free(struct cs_ca_lookup *cl)
{
    if (!cl)
        return;
    cs_strmap_free(&cl->levels, level_free);
    free(cl);
}

uint64_t cs_ca_lookup_queries(const struct cs_ca_lookup *cl)
{
    return cl->queries;
}

size_t cs_ca_lookup_levels(const struct cs_ca_lookup *cl)
{
    return cl->made;
}

void cs_ca_lookup_release(struct cs_ca_lookup *cl, struct cs_ca_level *lv)
{
    if (!lv->done || lv->outstanding || lv->waiters)
        return;
    cs_strmap_remove(&cl->levels, lv->name);
    level_free(lv);
}

char *cs_dname_text(const ldns_rdf *dname)
{
    char *s = ldns_rdf2str(dname);
    if (!s)
        return NULL;
    size_t l = strlen(s);
    if (l > 0 && s[l - 1] == '.')
        s[l - 1] = '\0';
    for (char *p = s; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return s;
}

bool cs_dname_is(const ldns_rdf *dname, const char *name)
{
    const uint8_t *d = ldns_rdf_data(dname);
    size_t size = ldns_rdf_size(dname), pos = 0;
    const char *n = name;
    while (pos < size && d[pos] != 0) {
        size_t len = d[pos++];
        if (pos + len > size)
            return false;
        if (n != name && *n++ != '.')
            return false;
        for (size_t i = 0; i < len; i++) {
            uint8_t c = d[pos + i];
            /* Bytes that print escaped: compare the way the text form would. */
            if (!(isalnum(c) || c == '-' || c == '_' || c == '*')) {
                char *text = cs_dname_text(dname);
                bool same = text && strcmp(text, name) == 0;
                free(text);
                return same;
            }
            if (tolower(c) != (unsigned char)*n++)
                return false;
        }
        pos += len;
    }
    return *n == '\0';
}

uint64_t cs_caa_set_hash(const ldns_rr_list *answers)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < ldns_rr_list_rr_count(answers); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(answers, i);
        if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CAA)
            continue;
        static const uint8_t end = 0xff; /* after each field */
        uint64_t h = CS_FNV1A64_BASIS;
        for (size_t k = 0; k < ldns_rr_rd_count(rr); k++) {
            const ldns_rdf *f = ldns_rr_rdf(rr, k);
            h = cs_fnv1a64_add(h, ldns_rdf_data(f), ldns_rdf_size(f));
            h = cs_fnv1a64_add(h, &end, 1);
        }
        sum += h;
    }
    return sum;
}

ldns_rr_list *cs_caa_set_copy(const ldns_rr_list *an, char **owner)
{
    ldns_rr_list *list = ldns_rr_list_new();
    for (size_t i = 0; list && i < ldns_rr_list_rr_count(an); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(an, i);
        if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CAA)
            continue;
        if (owner && !*owner)
            *owner = cs_dname_text(ldns_rr_owner(rr));
        ldns_rr_list_push_rr(list, ldns_rr_clone(rr));
    }
    return list;
}

/* Which stored CAA set has this hash: 0 the first set, k + 1 other_sets[k]; -1 when none. The
 * tries answer in any order, so the stored sets, not the try indices, say what was seen. */
static int set_index(const struct cs_ca_level *lv, uint64_t hash)
{
    if (cs_caa_set_hash(lv->caa) == hash)
        return 0;
    for (unsigned i = 0; i < lv->n_other_sets; i++)
        if (cs_caa_set_hash(lv->other_sets[i]) == hash)
            return (int)i + 1;
    return -1;
}

static void level_finish(struct cs_ca_level *lv)
{
    lv->done = true;
    struct cs_ca_waiter *w = lv->waiters;
    lv->waiters = NULL;
    while (w) {
        struct cs_ca_waiter *next = w->next;
        w->cb(lv, w->arg);
        free(w);
        w = next;
    }
}

void cs_ca_lookup_set_sampling(struct cs_ca_lookup *cl, unsigned cap)
{
    cl->cap = cap < cl->tries ? cl->tries : cap > CS_MAX_ATTEMPTS ? CS_MAX_ATTEMPTS : cap;
}

static void send_try(struct cs_ca_lookup *cl, struct cs_ca_level *lv, unsigned index, bool cd);

/* Sequential sampling: tries that disagree get more, up to the cap (fail_model.h). True when more
 * were sent (the level finishes when they are in). */
static bool sample_more(struct cs_ca_lookup *cl, struct cs_ca_level *lv)
{
    if (lv->sampled || lv->ntries >= cl->cap)
        return false;
    unsigned more = cs_fm_more_lookups(lv->n_error + lv->n_timeout, lv->ntries, cl->cap);
    if (more == 0 && lv->n_other_sets > 0)
        more = cl->cap - lv->ntries; /* every try answered, with different sets */
    if (more == 0)
        return false;
    lv->sampled = true;
    unsigned from = lv->ntries;
    for (unsigned i = from; i < from + more; i++) {
        lv->tries[i].resolver = (unsigned)((lv->tries[0].resolver + i) % cl->nresolvers);
        lv->tries[i].rcode = -1;
        lv->tries[i].cd_rcode = -1;
        lv->tries[i].ede = -1;
        lv->tries[i].set = -1;
    }
    lv->ntries = from + more;
    lv->outstanding = more + 1; /* held while sending */
    for (unsigned i = from; i < from + more; i++)
        send_try(cl, lv, i, false);
    return --lv->outstanding > 0;
}

/* A level is done: the health gate hears whether any try got a NOERROR or NXDOMAIN reply. */
static void finish(struct cs_ca_lookup *cl, struct cs_ca_level *lv)
{
    if (sample_more(cl, lv))
        return;
    if (cl->health) {
        bool replied = false;
        for (unsigned i = 0; i < lv->ntries; i++)
            replied |= lv->tries[i].rcode >= 0 && lv->tries[i].rcode != LDNS_RCODE_REFUSED;
        cs_health_lookup(cl->health, cs_now_ns(), lv->n_data + lv->n_empty + lv->n_nxdomain > 0,
                         replied);
    }
    level_finish(lv);
}

void cs_ca_lookup_set_health(struct cs_ca_lookup *cl, struct cs_health *health)
{
    cl->health = health;
}

static void on_try_answer(struct cs_answer *ans, void *arg);

static void send_try(struct cs_ca_lookup *cl, struct cs_ca_level *lv, unsigned index, bool cd)
{
    struct try_ctx *ctx = malloc(sizeof(*ctx));
    struct cs_query_spec spec = {
        .name = lv->name,
        .qtype = LDNS_RR_TYPE_CAA,
        .flags = CS_QF_RD | CS_QF_DO | CS_QF_PIN_RESOLVER | (cd ? CS_QF_CD : 0),
        .resolver = lv->tries[index].resolver,
        .attempts = 1,
        .cb = on_try_answer,
        .arg = ctx,
    };
    cs_err err = ctx ? cs_engine_submit(cl->engine, &spec) : CS_ENOMEM;
    if (err != CS_OK) {
        /* Cannot even be asked (out of memory): the try counts as unanswered. */
        free(ctx);
        if (!cd) {
            lv->tries[index].result = CS_TRY_TIMEOUT;
            lv->n_timeout++;
        }
        if (--lv->outstanding == 0)
            finish(cl, lv);
        return;
    }
    ctx->cl = cl;
    ctx->level = lv;
    ctx->index = index;
    ctx->cd = cd;
    cl->queries++;
}

/* Keeps the owner of the SOA record of a negative answer: the apex of the zone holding the level
 * (an answer that went through an alias names the target's zone instead: callers skip those). */
static void note_soa_owner(struct cs_ca_level *lv, const ldns_pkt *pkt)
{
    if (lv->soa_owner)
        return;
    const ldns_rr_list *an = ldns_pkt_answer(pkt);
    for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
        ldns_rr_type ty = ldns_rr_get_type(ldns_rr_list_rr(an, i));
        if (ty == LDNS_RR_TYPE_CNAME || ty == LDNS_RR_TYPE_DNAME)
            return;
    }
    const ldns_rr_list *ns = ldns_pkt_authority(pkt);
    for (size_t i = 0; i < ldns_rr_list_rr_count(ns); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(ns, i);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA) {
            lv->soa_owner = cs_dname_text(ldns_rr_owner(rr));
            return;
        }
    }
}

static void record_try(struct cs_ca_lookup *cl, struct cs_ca_level *lv, struct cs_ca_try *t,
                       struct cs_answer *ans)
{
    t->resolver = ans->resolver >= 0 ? (unsigned)ans->resolver : t->resolver;
    t->rcode = ans->pkt ? (int)ans->rcode : -1;
    t->case_mismatch = ans->outcome == CS_OUT_CASE_MISMATCH;
    t->truncated = ans->pkt != NULL && ldns_pkt_tc(ans->pkt);
    t->ede = -1;
    t->set = -1;
    if (ans->pkt) {
        struct cs_ede ede[1];
        if (cs_pkt_ede(ans->pkt, ede, 1) > 0) {
            t->ede = ede[0].code;
            free(t->ede_text);
            t->ede_text = ede[0].text[0] ? strdup(ede[0].text) : NULL; /* none without memory */
        }
    }
    if (!ans->pkt) {
        t->result = ans->outcome == CS_OUT_MALFORMED ? CS_TRY_ERROR : CS_TRY_TIMEOUT;
    } else if (ans->outcome == CS_OUT_CASE_MISMATCH) {
        t->result = CS_TRY_ERROR; /* a CA's resolver would drop it */
    } else if (t->truncated) {
        /* TC after the TCP retry (or over TCP at once): the records may be cut off. Boulder
         * refuses a truncated CAA answer, so it is a failed lookup, never an empty set. */
        t->result = CS_TRY_ERROR;
    } else if (ans->rcode == LDNS_RCODE_NXDOMAIN) {
        t->result = CS_TRY_NXDOMAIN;
        note_soa_owner(lv, ans->pkt);
    } else if (ans->rcode != LDNS_RCODE_NOERROR) {
        t->result = CS_TRY_ERROR;
    } else {
        ldns_rr_list *an = ldns_pkt_answer(ans->pkt);
        size_t ncaa = 0;
        for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
            ldns_rr_type ty = ldns_rr_get_type(ldns_rr_list_rr(an, i));
            ncaa += ty == LDNS_RR_TYPE_CAA;
            if (ty == LDNS_RR_TYPE_CNAME || ty == LDNS_RR_TYPE_DNAME)
                lv->alias = true;
        }
        t->result = ncaa ? CS_TRY_DATA : CS_TRY_EMPTY;
        if (!ncaa && !lv->alias)
            note_soa_owner(lv, ans->pkt);
        if (ncaa) {
            if (!lv->caa)
                lv->caa = cs_caa_set_copy(an, &lv->caa_owner);
            else if (set_index(lv, cs_caa_set_hash(an)) < 0) {
                ldns_rr_list **v =
                    realloc(lv->other_sets, (lv->n_other_sets + 1) * sizeof(*lv->other_sets));
                if (v) {
                    lv->other_sets = v;
                    v[lv->n_other_sets++] = cs_caa_set_copy(an, NULL);
                }
            }
            t->set = set_index(lv, cs_caa_set_hash(an));
        }
    }
    switch (t->result) {
    case CS_TRY_DATA:
        lv->n_data++;
        break;
    case CS_TRY_EMPTY:
        lv->n_empty++;
        break;
    case CS_TRY_NXDOMAIN:
        lv->n_nxdomain++;
        break;
    case CS_TRY_ERROR:
        lv->n_error++;
        break;
    case CS_TRY_TIMEOUT:
        lv->n_timeout++;
        break;
    }
    if (cl->health)
        cs_health_try(cl->health, t->resolver, ans->outcome == CS_OUT_ANSWER ? t->rcode : -1);
    if (t->result == CS_TRY_ERROR && t->ede >= 0 && cs_ede_is_dnssec((uint16_t)t->ede)) {
        t->dnssec = true;
        lv->n_dnssec++;
    }
    /* A SERVFAIL not already explained by a DNSSEC EDE: ask again with checking disabled. */
    if (t->rcode == LDNS_RCODE_SERVFAIL && !t->dnssec && !t->case_mismatch) {
        lv->outstanding++;
        send_try(cl, lv, (unsigned)(t - lv->tries), true);
    }
}

static void on_try_answer(struct cs_answer *ans, void *arg)
{
    struct try_ctx *ctx = arg;
    struct cs_ca_lookup *cl = ctx->cl;
    struct cs_ca_level *lv = ctx->level;
    struct cs_ca_try *t = &lv->tries[ctx->index];
    if (ctx->cd) {
        t->cd_checked = true;
        t->cd_rcode = ans->pkt ? (int)ans->rcode : -1;
        if (ans->pkt && ans->outcome == CS_OUT_ANSWER &&
            (ans->rcode == LDNS_RCODE_NOERROR || ans->rcode == LDNS_RCODE_NXDOMAIN)) {
            t->dnssec = true;
            lv->n_dnssec++;
        }
    } else {
        record_try(cl, lv, t, ans);
    }
    free(ctx);
    if (--lv->outstanding == 0)
        finish(cl, lv);
}

cs_err cs_ca_lookup_level(struct cs_ca_lookup *cl, const char *name, cs_ca_level_cb cb, void *arg)
{
    struct cs_ca_level *lv = cs_strmap_get(&cl->levels, name);
    if (lv && lv->done) {
        cb(lv, arg);
        return CS_OK;
    }
    struct cs_ca_waiter *w = malloc(sizeof(*w));
    if (!w)
        return CS_ENOMEM;
    w->cb = cb;
    w->arg = arg;
    if (lv) {
        w->next = lv->waiters;
        lv->waiters = w;
        return CS_OK;
    }
    struct cs_wirequery probe;
    if (cs_query_build(&probe, name, LDNS_RR_TYPE_CAA, LDNS_RR_CLASS_IN, 0) != CS_OK) {
        free(w);
        return CS_EINVAL;
    }
    lv = calloc(1, sizeof(*lv) + cl->cap * sizeof(lv->tries[0]));
    if (!lv || !(lv->name = strdup(name)) || cs_strmap_put(&cl->levels, lv->name, lv) != CS_OK) {
        if (lv)
            free(lv->name);
        free(lv);
        free(w);
        return CS_ENOMEM;
    }
    w->next = NULL;
    lv->waiters = w;
    cl->made++;
    lv->ntries = cl->tries;
    lv->outstanding = cl->tries;
    unsigned start = cl->next_resolver++;
    for (unsigned i = 0; i < cl->tries; i++) {
        lv->tries[i].resolver = (unsigned)((start + i) % cl->nresolvers);
        lv->tries[i].rcode = -1;
        lv->tries[i].cd_rcode = -1;
        lv->tries[i].ede = -1;
        lv->tries[i].set = -1;
    }
    /* Hold one reference while sending so that a synchronous failure cannot finish it early. */
    lv->outstanding++;
    for (unsigned i = 0; i < cl->tries; i++)
        send_try(cl, lv, i, false);
    if (--lv->outstanding == 0)
        finish(cl, lv);
    return CS_OK;
}

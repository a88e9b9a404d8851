/*
 * report.c -- roll-ups of a run by certificate (or input column), zone, nameserver address or
 * registered domain (report.h). One pass over the merged result table, one over the per-server
 * table; groups live in an open-addressing hash table keyed by their text.
 */
#include "caascan/report.h"

#include <errno.h>
#include <libpsl.h>
#include <stdlib.h>
#include <string.h>

#include "caascan/csvout.h"
#include "caascan/diff.h"
#include "caascan/fail_model.h"
#include "caascan/merge.h"
#include "caascan/result.h"
#include "caascan/shard.h"
#include "caascan/xlsx.h"

static const char *const by_names[CS_REPORT_BY_COUNT] = {"certificate", "zone", "nameserver",
                                                         "registered-domain", "party"};

cs_report_by cs_report_by_parse(const char *s)
{
    for (int i = 0; i < CS_REPORT_BY_COUNT; i++)
        if (strcmp(s, by_names[i]) == 0)
            return (cs_report_by)i;
    return CS_REPORT_BY_COUNT;
}

/* One name that drives a group's fail_pct. */
struct driver {
    double pct;
    char *name;
};

struct agg {
    cs_report_group g;
    cs_strbuf fail_ex, risk_ex, hosts, pol_ex;
    size_t nfail_ex, nrisk_ex, npol_ex;
    double ok;              /* product of the rated names' (1 - fail_pct / 100) */
    struct driver *drivers; /* the names with the largest fail_pct, largest first */
    size_t ndrivers;
};

struct groups {
    struct agg *v;
    size_t n, cap;
    size_t *slots; /* index + 1, 0 when empty */
    size_t nslots;
};

static uint64_t key_hash(const char *k, size_t len)
{
    return cs_fnv1a64(k, len);
}

static cs_err slots_grow(struct groups *gs)
{
    size_t ns = gs->nslots ? gs->nslots * 2 : 1024;
    size_t *s = calloc(ns, sizeof(*s));
    if (!s)
        return CS_ENOMEM;
    for (size_t i = 0; i < gs->n; i++) {
        const char *k = gs->v[i].g.key;
        size_t h = (size_t)key_hash(k, strlen(k)) & (ns - 1);
        while (s[h])
            h = (h + 1) & (ns - 1);
        s[h] = i + 1;
    }
    free(gs->slots);
    gs->slots = s;
    gs->nslots = ns;
    return CS_OK;
}

/* The group with key (len bytes), created empty when new; NULL when out of memory. */
static struct agg *group_get(struct groups *gs, const char *key, size_t len)
{
    if ((gs->n + 1) * 10 >= gs->nslots * 7 && slots_grow(gs) != CS_OK)
        return NULL;
    size_t h = (size_t)key_hash(key, len) & (gs->nslots - 1);
    while (gs->slots[h]) {
        struct agg *a = &gs->v[gs->slots[h] - 1];
        if (strlen(a->g.key) == len && memcmp(a->g.key, key, len) == 0)
            return a;
        h = (h + 1) & (gs->nslots - 1);
    }
    if (gs->n == gs->cap) {
        size_t cap = gs->cap ? gs->cap * 2 : 256;
        struct agg *v = realloc(gs->v, cap * sizeof(*v));
        if (!v)
            return NULL;
        gs->v = v;
        gs->cap = cap;
    }
    struct agg *a = &gs->v[gs->n];
    memset(a, 0, sizeof(*a));
    a->g.key = strndup(key, len);
    if (!a->g.key)
        return NULL;
    a->g.worst = CS_ST_COUNT;
    a->ok = 1.0;
    gs->slots[h] = ++gs->n;
    return a;
}

static void groups_free(struct groups *gs)
{
    for (size_t i = 0; i < gs->n; i++) {
        free(gs->v[i].g.key);
        cs_strbuf_free(&gs->v[i].fail_ex);
        cs_strbuf_free(&gs->v[i].risk_ex);
        cs_strbuf_free(&gs->v[i].hosts);
        cs_strbuf_free(&gs->v[i].pol_ex);
        for (size_t k = 0; k < gs->v[i].ndrivers; k++)
            free(gs->v[i].drivers[k].name);
        free(gs->v[i].drivers);
    }
    free(gs->v);
    free(gs->slots);
}

/* Adds host (len bytes) to a's ';'-joined host list unless it is there. */
static cs_err add_host(struct agg *a, const char *host, size_t len)
{
    if (len == 0)
        return CS_OK;
    size_t pos = 0, n;
    const char *item;
    if (a->hosts.data)
        while (cs_list_next(a->hosts.data, &pos, &item, &n))
            if (n == len && memcmp(item, host, len) == 0)
                return CS_OK;
    if (a->hosts.len && cs_strbuf_append(&a->hosts, ";", 1) != CS_OK)
        return CS_ENOMEM;
    return cs_strbuf_append(&a->hosts, host, len);
}

/* Keeps name among the max names with the largest pct (ties: the smaller name first). */
static cs_err add_driver(struct agg *a, const char *name, double pct, size_t max)
{
    size_t at = a->ndrivers;
    while (at > 0 && (a->drivers[at - 1].pct < pct ||
                      (a->drivers[at - 1].pct == pct && strcmp(a->drivers[at - 1].name, name) > 0)))
        at--;
    if (at >= max)
        return CS_OK;
    if (!a->drivers) {
        a->drivers = calloc(max, sizeof(*a->drivers));
        if (!a->drivers)
            return CS_ENOMEM;
    }
    char *copy = strdup(name);
    if (!copy)
        return CS_ENOMEM;
    if (a->ndrivers == max)
        free(a->drivers[--a->ndrivers].name);
    memmove(&a->drivers[at + 1], &a->drivers[at], (a->ndrivers - at) * sizeof(*a->drivers));
    a->drivers[at] = (struct driver){pct, copy};
    a->ndrivers++;
    return CS_OK;
}

/* Counts a name (its fail_pct pct, -1 when it has none) in group a. */
static cs_err count_name(struct agg *a, const char *name, cs_status st, double pct, bool policy,
                         size_t max_names)
{
    a->g.names++;
    if (pct >= 0.0) {
        /* A renewal of the group fails when any of its names fails (cs_fm_combine). */
        a->ok *= 1.0 - pct / 100.0;
        a->g.rated++;
        if (pct > 0.0 && add_driver(a, name, pct, max_names) != CS_OK)
            return CS_ENOMEM;
    }
    if (st < a->g.worst)
        a->g.worst = st;
    cs_strbuf *ex = NULL;
    size_t *nex = NULL;
    if (policy) {
        a->g.caa_policy++;
        ex = &a->pol_ex;
        nex = &a->npol_ex;
    } else if (cs_status_is_failing(st)) {
        a->g.failing++;
        ex = &a->fail_ex;
        nex = &a->nfail_ex;
    } else if (st == CS_ST_AT_RISK) {
        a->g.at_risk++;
        ex = &a->risk_ex;
        nex = &a->nrisk_ex;
    }
    if (!ex || *nex >= max_names)
        return CS_OK;
    (*nex)++;
    return cs_strbuf_printf(ex, "%s%s (%s)", ex->len ? ";" : "", name, cs_status_name(st));
}

/* Keys of one row already counted, so that a repeated list item counts a name once. */
struct seen {
    const char *k[64];
    size_t len[64];
    size_t n;
};

static bool seen_add(struct seen *s, const char *k, size_t len)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->len[i] == len && memcmp(s->k[i], k, len) == 0)
            return false;
    if (s->n < 64) {
        s->k[s->n] = k;
        s->len[s->n++] = len;
    }
    return true;
}

/* A per-server table row with findings, for the party report: the servers of a zone to blame. */
struct party_server {
    char *zone, *host;
    cs_problems findings;
};

struct ctx {
    const cs_report_opts *o;
    struct groups gs;
    struct party_server *ps; /* party report: sorted by zone */
    size_t nps;
    int col_zone;
    const psl_ctx_t *psl;
    int col_name, col_status, col_key, col_problems, col_pct;
    size_t max_names;
    const char *cur_problems; /* problems cell of the row being counted */
    double cur_pct;           /* fail_pct of the row being counted, -1 when it has none */
};

/* A CAA_FORBIDS name whose problems are all CAA record-set codes: its owner's CAA policy forbids
 * the CA, no server misbehaved. */
static bool caa_policy_only(cs_status st, const char *problems)
{
    if (st != CS_ST_CAA_FORBIDS)
        return false;
    size_t pos = 0, len;
    const char *item;
    while (cs_list_next(problems, &pos, &item, &len))
        if (len < 4 || memcmp(item, "CAA_", 4) != 0)
            return false;
    return true;
}

static cs_err add_to(struct ctx *c, struct seen *s, const char *key, size_t len, const char *name,
                     cs_status st, struct agg **out)
{
    if (out)
        *out = NULL;
    if (len == 0 || !seen_add(s, key, len))
        return CS_OK;
    struct agg *a = group_get(&c->gs, key, len);
    if (!a)
        return CS_ENOMEM;
    if (out)
        *out = a;
    bool policy = c->o->by == CS_REPORT_NAMESERVER && c->col_problems >= 0 &&
                  caa_policy_only(st, c->cur_problems);
    return count_name(a, name, st, c->cur_pct, policy, c->max_names);
}

static int party_server_cmp(const void *x, const void *y)
{
    const struct party_server *a = x, *b = y;
    int d = strcmp(a->zone, b->zone);
    return d ? d : strcmp(a->host, b->host);
}

/*
 * The party report's groups of one row: one per party that must act on a code of its problems
 * (problem.h); the DNS provider's codes go to each server of the row's zone whose per-server
 * findings hold one of them ("dns-operator: HOST"), or to the zone's provider when no single
 * server is to blame ("dns-operator: provider of ZONE").
 */
static cs_err party_row(struct ctx *c, struct seen *s, const char *const *f, const char *name,
                        cs_status st)
{
    cs_problems set = cs_problems_parse(f[c->col_key]);
    cs_problems by_party[CS_PARTY_COUNT] = {0};
    for (int pb = 0; pb < CS_PB_COUNT; pb++)
        if (set & CS_PB_BIT(pb))
            by_party[cs_problem_info((cs_problem)pb)->party] |= CS_PB_BIT(pb);
    /* The row's keys stay in place while it is counted (seen keeps pointers to them). */
    char keys[32][320];
    size_t nkeys = 0;
    cs_err rc = CS_OK;
    for (int p = 0; p < CS_PARTY_COUNT && rc == CS_OK; p++) {
        if (!by_party[p])
            continue;
        if (p != CS_PARTY_DNS_OPERATOR) {
            rc = add_to(c, s, cs_party_name((cs_party)p), strlen(cs_party_name((cs_party)p)), name,
                        st, NULL);
            continue;
        }
        const char *zone = c->col_zone >= 0 && f[c->col_zone][0] ? f[c->col_zone] : name;
        bool blamed = false;
        struct party_server probe = {.zone = (char *)zone, .host = ""};
        size_t lo = 0, hi = c->nps;
        while (lo < hi) { /* the first server of the zone */
            size_t mid = lo + (hi - lo) / 2;
            if (party_server_cmp(&c->ps[mid], &probe) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t i = lo; i < c->nps && strcmp(c->ps[i].zone, zone) == 0 && rc == CS_OK; i++) {
            if (!(c->ps[i].findings & by_party[p]))
                continue;
            blamed = true;
            if (nkeys == 32)
                break;
            char *key = keys[nkeys++];
            int n = snprintf(key, sizeof(keys[0]), "dns-operator: %s", c->ps[i].host);
            rc = add_to(c, s, key, n < (int)sizeof(keys[0]) ? (size_t)n : sizeof(keys[0]) - 1, name,
                        st, NULL);
        }
        if (!blamed && rc == CS_OK) {
            char *key = keys[nkeys++];
            int n = snprintf(key, sizeof(keys[0]), "dns-operator: provider of %s", zone);
            rc = add_to(c, s, key, n < (int)sizeof(keys[0]) ? (size_t)n : sizeof(keys[0]) - 1, name,
                        st, NULL);
        }
    }
    return rc;
}

/* Reads the per-server table's rows with findings (party report). */
static cs_err read_party_servers(struct ctx *c, const char *dir, char *err, size_t errlen)
{
    cs_merge *mg;
    cs_err rc =
        cs_merge_open_run(&mg, dir, CS_TABLE_SERVERS, c->o->allow_incomplete, NULL, err, errlen);
    if (rc == CS_ENOTFOUND)
        return CS_OK;
    if (rc != CS_OK)
        return rc;
    size_t n, cap = 0;
    const char *const *h = cs_merge_header(mg, &n);
    int cz = cs_header_find(h, n, "zone"), ch = cs_header_find(h, n, "nameserver"),
        cf = cs_header_find(h, n, "findings");
    if (cz < 0 || ch < 0 || cf < 0) {
        snprintf(err, errlen, "%s: the per-server table lacks zone, nameserver or findings", dir);
        cs_merge_free(mg);
        return CS_ECORRUPT;
    }
    for (;;) {
        bool have;
        const char *const *f;
        if ((rc = cs_merge_next(mg, &have, &f, err, errlen)) != CS_OK || !have)
            break;
        cs_problems set = cs_problems_parse(f[cf]);
        if (!set)
            continue;
        if (c->nps == cap) {
            cap = cap ? cap * 2 : 64;
            struct party_server *v = realloc(c->ps, cap * sizeof(*v));
            if (!v) {
                rc = CS_ENOMEM;
                break;
            }
            c->ps = v;
        }
        struct party_server *ps = &c->ps[c->nps];
        ps->zone = strdup(f[cz]);
        ps->host = strdup(f[ch]);
        ps->findings = set;
        if (!ps->zone || !ps->host) {
            free(ps->zone);
            free(ps->host);
            rc = CS_ENOMEM;
            break;
        }
        c->nps++;
    }
    cs_merge_free(mg);
    if (rc == CS_OK && c->nps)
        qsort(c->ps, c->nps, sizeof(*c->ps), party_server_cmp);
    return rc;
}

static cs_err result_row(struct ctx *c, const char *const *f)
{
    const char *name = f[c->col_name];
    cs_status st = cs_status_parse(f[c->col_status]);
    struct seen s = {.n = 0};
    size_t pos = 0, len;
    const char *item;
    cs_err rc = CS_OK;
    c->cur_problems = c->col_problems >= 0 ? f[c->col_problems] : "";
    /* A run written before fail_pct, or an INVALID row: no figure (a bad cell reads as none). */
    if (c->col_pct < 0 || !cs_fm_parse_pct(f[c->col_pct], &c->cur_pct))
        c->cur_pct = -1.0;
    switch (c->o->by) {
    case CS_REPORT_CERTIFICATE:
        while (rc == CS_OK && cs_list_next(f[c->col_key], &pos, &item, &len)) {
            if (!c->o->group_column) {
                if (len <= 6 || memcmp(item, "crtsh:", 6) != 0)
                    continue;
                item += 6;
                len -= 6;
            }
            rc = add_to(c, &s, item, len, name, st, NULL);
        }
        break;
    case CS_REPORT_ZONE:
        rc = add_to(c, &s, f[c->col_key], strlen(f[c->col_key]), name, st, NULL);
        break;
    case CS_REPORT_NAMESERVER:
        while (rc == CS_OK && cs_list_next(f[c->col_key], &pos, &item, &len)) {
            const char *slash = memrchr(item, '/', len);
            const char *addr = slash ? slash + 1 : item;
            size_t alen = len - (size_t)(addr - item);
            struct agg *a;
            rc = add_to(c, &s, addr, alen, name, st, &a);
            if (rc == CS_OK && a && slash)
                rc = add_host(a, item, (size_t)(slash - item));
        }
        break;
    case CS_REPORT_PARTY:
        rc = party_row(c, &s, f, name, st);
        break;
    case CS_REPORT_REGISTERED_DOMAIN: {
        const char *n = strncmp(name, "*.", 2) == 0 ? name + 2 : name;
        const char *reg = st == CS_ST_INVALID ? NULL : psl_registrable_domain(c->psl, n);
        if (st == CS_ST_INVALID)
            reg = CS_REPORT_INVALID_GROUP;
        else if (!reg)
            reg = n;
        rc = add_to(c, &s, reg, strlen(reg), name, st, NULL);
        break;
    }
    default:
        break;
    }
    return rc;
}

static cs_err server_row(struct ctx *c, const char *const *f, int col_key, int col_host,
                         int col_findings)
{
    const char *key = f[col_key];
    if (!*key)
        return CS_OK;
    struct agg *a = group_get(&c->gs, key, strlen(key));
    if (!a)
        return CS_ENOMEM;
    a->g.findings |= cs_problems_parse(f[col_findings]);
    if (col_host >= 0)
        return add_host(a, f[col_host], strlen(f[col_host]));
    return CS_OK;
}

static int group_cmp(const void *x, const void *y)
{
    const cs_report_group *a = x, *b = y;
    if (a->failing != b->failing)
        return a->failing > b->failing ? -1 : 1;
    if (a->at_risk != b->at_risk)
        return a->at_risk > b->at_risk ? -1 : 1;
    if (a->caa_policy != b->caa_policy)
        return a->caa_policy > b->caa_policy ? -1 : 1;
    if (a->names != b->names)
        return a->names > b->names ? -1 : 1;
    return strcmp(a->key, b->key);
}

/* Certificates: how often their renewal fails first. */
static int cert_cmp(const void *x, const void *y)
{
    const cs_report_group *a = x, *b = y;
    if (a->fail_pct != b->fail_pct)
        return a->fail_pct > b->fail_pct ? -1 : 1;
    return group_cmp(x, y);
}

static cs_err read_servers(struct ctx *c, const char *dir, char *err, size_t errlen)
{
    cs_merge *mg;
    cs_err rc =
        cs_merge_open_run(&mg, dir, CS_TABLE_SERVERS, c->o->allow_incomplete, NULL, err, errlen);
    if (rc == CS_ENOTFOUND)
        return CS_OK; /* a run without a per-server table */
    if (rc != CS_OK)
        return rc;
    size_t n;
    const char *const *h = cs_merge_header(mg, &n);
    bool by_zone = c->o->by == CS_REPORT_ZONE;
    int col_key = cs_header_find(h, n, by_zone ? "zone" : "address");
    int col_host = by_zone ? -1 : cs_header_find(h, n, "nameserver");
    int col_findings = cs_header_find(h, n, "findings");
    if (col_key < 0 || col_findings < 0 || (!by_zone && col_host < 0)) {
        snprintf(err, errlen,
                 "%s: the per-server table lacks zone, nameserver, address or findings", dir);
        cs_merge_free(mg);
        return CS_ECORRUPT;
    }
    for (;;) {
        bool have;
        const char *const *f;
        if ((rc = cs_merge_next(mg, &have, &f, err, errlen)) != CS_OK || !have)
            break;
        if ((rc = server_row(c, f, col_key, col_host, col_findings)) != CS_OK)
            break;
    }
    cs_merge_free(mg);
    return rc;
}

cs_err cs_report_build(const char *dir, const cs_report_opts *o, cs_report **out, char *err,
                       size_t errlen)
{
    *out = NULL;
    if (errlen)
        err[0] = '\0';
    if ((unsigned)o->by >= CS_REPORT_BY_COUNT ||
        (o->group_column && o->by != CS_REPORT_CERTIFICATE)) {
        snprintf(err, errlen, "--group-column goes with --by certificate only");
        return CS_EINVAL;
    }
    struct ctx c = {.o = o, .psl = psl_builtin(), .max_names = o->max_names ? o->max_names : 5};
    cs_report *rep = calloc(1, sizeof(*rep));
    cs_merge *mg = NULL;
    if (!rep)
        return CS_ENOMEM;
    rep->by = o->by;
    cs_err rc =
        cs_merge_open_run(&mg, dir, CS_TABLE_RESULTS, o->allow_incomplete, NULL, err, errlen);
    if (rc != CS_OK)
        goto done;
    size_t n;
    const char *const *h = cs_merge_header(mg, &n);
    static const char *const key_cols[CS_REPORT_BY_COUNT] = {"sources", "zone", "nameservers",
                                                             "name", "problems"};
    static const char *const key_heads[CS_REPORT_BY_COUNT] = {"certificate", "zone", "address",
                                                              "registered_domain", "party"};
    const char *kc = o->group_column ? o->group_column : key_cols[o->by];
    c.col_name = cs_header_find(h, n, "name");
    c.col_status = cs_header_find(h, n, "status");
    c.col_problems = cs_header_find(h, n, "problems");
    c.col_key = cs_header_find(h, n, kc);
    c.col_zone = cs_header_find(h, n, "zone");
    c.col_pct = cs_header_find(h, n, "fail_pct");
    if (o->by == CS_REPORT_PARTY && (rc = read_party_servers(&c, dir, err, errlen)) != CS_OK)
        goto done;
    if (c.col_key < 0) {
        snprintf(err, errlen, "%s: the result table has no column \"%s\"%s", dir, kc,
                 o->group_column ? " (was it kept with --keep-columns?)" : "");
        rc = o->group_column ? CS_EINVAL : CS_ECORRUPT;
        goto done;
    }
    if (c.col_name < 0 || c.col_status < 0) {
        snprintf(err, errlen, "%s: the result table lacks name or status", dir);
        rc = CS_ECORRUPT;
        goto done;
    }
    rep->key_column = strdup(o->group_column ? o->group_column : key_heads[o->by]);
    if (!rep->key_column) {
        rc = CS_ENOMEM;
        goto done;
    }
    if (o->by == CS_REPORT_REGISTERED_DOMAIN && !c.psl) {
        snprintf(err, errlen, "libpsl has no built-in public suffix list");
        rc = CS_ENOTFOUND;
        goto done;
    }
    for (;;) {
        bool have;
        const char *const *f;
        if ((rc = cs_merge_next(mg, &have, &f, err, errlen)) != CS_OK || !have)
            break;
        rep->rows++;
        if (cs_status_parse(f[c.col_status]) == CS_ST_COUNT) {
            snprintf(err, errlen, "%s: name %s: unknown status \"%s\"", dir, f[c.col_name],
                     f[c.col_status]);
            rc = CS_ECORRUPT;
            break;
        }
        if ((rc = result_row(&c, f)) != CS_OK)
            break;
    }
    if (rc == CS_OK && (o->by == CS_REPORT_ZONE || o->by == CS_REPORT_NAMESERVER))
        rc = read_servers(&c, dir, err, errlen);
    if (rc != CS_OK)
        goto done;
    rep->groups = calloc(c.gs.n ? c.gs.n : 1, sizeof(*rep->groups));
    if (!rep->groups) {
        rc = CS_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < c.gs.n; i++) {
        struct agg *a = &c.gs.v[i];
        if (!o->all && !a->g.failing && !a->g.at_risk && !a->g.findings && !a->g.caa_policy)
            continue;
        cs_strbuf ex = {0};
        size_t k = 0;
        if (cs_strbuf_puts(&ex, a->fail_ex.data ? a->fail_ex.data : "") != CS_OK) {
            rc = CS_ENOMEM;
            goto done;
        }
        k = a->nfail_ex;
        size_t pos = 0, len;
        const char *item;
        while (k < c.max_names && a->risk_ex.data &&
               cs_list_next(a->risk_ex.data, &pos, &item, &len)) {
            if ((ex.len && cs_strbuf_append(&ex, ";", 1) != CS_OK) ||
                cs_strbuf_append(&ex, item, len) != CS_OK) {
                cs_strbuf_free(&ex);
                rc = CS_ENOMEM;
                goto done;
            }
            k++;
        }
        cs_report_group *g = &rep->groups[rep->ngroups++];
        *g = a->g;
        a->g.key = NULL; /* moved */
        g->examples = ex.data ? ex.data : strdup("");
        g->nexamples = k;
        g->hosts = a->hosts.data ? strdup(a->hosts.data) : strdup("");
        g->policy_examples = strdup(a->pol_ex.data ? a->pol_ex.data : "");
        g->fail_pct = a->g.rated ? cs_fm_round_pct(100.0 * (1.0 - a->ok)) : -1.0;
        cs_strbuf dr = {0};
        for (size_t d = 0; d < a->ndrivers; d++) {
            char pct[16];
            cs_fm_format_pct(a->drivers[d].pct, pct, sizeof(pct));
            if (cs_strbuf_printf(&dr, "%s%s (%s %%)", d ? ";" : "", a->drivers[d].name, pct) !=
                CS_OK) {
                cs_strbuf_free(&dr);
                dr.data = NULL;
                break;
            }
        }
        g->drivers = dr.data ? dr.data : a->ndrivers ? NULL : strdup("");
        if (!g->examples || !g->hosts || !g->policy_examples || !g->drivers) {
            rc = CS_ENOMEM;
            goto done;
        }
    }
    qsort(rep->groups, rep->ngroups, sizeof(*rep->groups),
          o->by == CS_REPORT_CERTIFICATE ? cert_cmp : group_cmp);
done:
    if (rc == CS_ENOMEM && !err[0])
        snprintf(err, errlen, "out of memory");
    groups_free(&c.gs);
    for (size_t i = 0; i < c.nps; i++) {
        free(c.ps[i].zone);
        free(c.ps[i].host);
    }
    free(c.ps);
    cs_merge_free(mg);
    if (rc != CS_OK) {
        cs_report_free(rep);
        return rc;
    }
    *out = rep;
    return CS_OK;
}

void cs_report_free(cs_report *rep)
{
    if (!rep)
        return;
    for (size_t i = 0; i < rep->ngroups; i++) {
        free(rep->groups[i].key);
        free(rep->groups[i].examples);
        free(rep->groups[i].hosts);
        free(rep->groups[i].policy_examples);
        free(rep->groups[i].drivers);
    }
    free(rep->groups);
    free(rep->key_column);
    free(rep);
}

/* ---------------------------------------------------------------- output */

#define MAXCOLS 10

struct table {
    const char *head[MAXCOLS];
    bool numeric[MAXCOLS];
    size_t ncols;
};

static struct table table_of(const cs_report *rep)
{
    struct table t = {.ncols = 0};
#define COL(name, num)                \
    do {                              \
        t.head[t.ncols] = (name);     \
        t.numeric[t.ncols++] = (num); \
    } while (0)
    COL(rep->key_column, false);
    if (rep->by == CS_REPORT_NAMESERVER)
        COL("nameservers", false);
    COL("names", true);
    COL("failing", true);
    COL("at_risk", true);
    if (rep->by == CS_REPORT_NAMESERVER)
        COL("caa_policy", true);
    if (rep->by == CS_REPORT_CERTIFICATE)
        COL("fail_pct", true);
    if (rep->by == CS_REPORT_CERTIFICATE)
        COL("verdict", false);
    else
        COL("worst_status", false);
    if (rep->by == CS_REPORT_ZONE || rep->by == CS_REPORT_NAMESERVER)
        COL("server_findings", false);
    if (rep->by == CS_REPORT_CERTIFICATE)
        COL("fail_drivers", false);
    COL("names_to_fix", false);
    if (rep->by == CS_REPORT_NAMESERVER)
        COL("policy_names", false);
#undef COL
    return t;
}

/* Cells of group g in table order; numbers and findings go to the scratch buffers. */
static cs_err cells_of(const cs_report *rep, const cs_report_group *g, bool csv, char num[5][24],
                       cs_strbuf *findings, cs_strbuf *ex, cs_strbuf *pol, const char **cell)
{
    size_t k = 0;
    snprintf(num[0], 24, "%llu", (unsigned long long)g->names);
    snprintf(num[1], 24, "%llu", (unsigned long long)g->failing);
    snprintf(num[2], 24, "%llu", (unsigned long long)g->at_risk);
    snprintf(num[3], 24, "%llu", (unsigned long long)g->caa_policy);
    cs_fm_format_pct(g->fail_pct, num[4], 24);
    cell[k++] = g->key;
    if (rep->by == CS_REPORT_NAMESERVER)
        cell[k++] = g->hosts;
    cell[k++] = num[0];
    cell[k++] = num[1];
    cell[k++] = num[2];
    if (rep->by == CS_REPORT_NAMESERVER)
        cell[k++] = num[3];
    if (rep->by == CS_REPORT_CERTIFICATE)
        cell[k++] = num[4];
    if (rep->by == CS_REPORT_CERTIFICATE)
        cell[k++] = g->failing ? "FAILS" : g->at_risk ? "AT_RISK" : "OK";
    else
        cell[k++] = g->worst < CS_ST_COUNT ? cs_status_name(g->worst) : "";
    if (rep->by == CS_REPORT_ZONE || rep->by == CS_REPORT_NAMESERVER) {
        cs_strbuf_clear(findings);
        size_t need = cs_problems_format(g->findings, NULL, 0);
        if (cs_strbuf_reserve(findings, need) != CS_OK)
            return CS_ENOMEM;
        cs_problems_format(g->findings, findings->data, need + 1);
        findings->len = need;
        cell[k++] = findings->data;
    }
    if (rep->by == CS_REPORT_CERTIFICATE)
        cell[k++] = g->drivers;
    cs_strbuf_clear(ex);
    if (cs_strbuf_puts(ex, g->examples) != CS_OK)
        return CS_ENOMEM;
    uint64_t more = g->failing + g->at_risk - g->nexamples;
    if (!csv && more > 0 &&
        cs_strbuf_printf(ex, " (+%llu more)", (unsigned long long)more) != CS_OK)
        return CS_ENOMEM;
    cell[k++] = ex->data;
    if (rep->by == CS_REPORT_NAMESERVER) {
        cs_strbuf_clear(pol);
        if (cs_strbuf_puts(pol, g->policy_examples) != CS_OK)
            return CS_ENOMEM;
        size_t shown = cs_list_count(g->policy_examples);
        if (!csv && g->caa_policy > shown &&
            cs_strbuf_printf(pol, " (+%llu more)", (unsigned long long)(g->caa_policy - shown)) !=
                CS_OK)
            return CS_ENOMEM;
        cell[k++] = pol->data;
    }
    return CS_OK;
}

/* The kinds of the report's columns in a workbook. */
static void kinds_of(const cs_report *rep, const struct table *t, cs_xlsx_kind *kinds)
{
    for (size_t i = 0; i < t->ncols; i++)
        kinds[i] = t->numeric[i] ? CS_XK_NUMBER
                   : strcmp(t->head[i], "worst_status") == 0 || strcmp(t->head[i], "verdict") == 0
                       ? CS_XK_STATUS
                       : CS_XK_TEXT;
    (void)rep;
}

static cs_err write_xlsx(const cs_report *rep, const cs_report_out *o, char *err, size_t errlen)
{
    struct table t = table_of(rep);
    cs_xlsx *x;
    cs_err rc = cs_xlsx_open(&x, o->xlsx, err, errlen);
    if (rc != CS_OK)
        return rc;
    cs_xlsx_kind kinds[MAXCOLS];
    kinds_of(rep, &t, kinds);
    char num[5][24];
    cs_strbuf findings = {0}, ex = {0}, pol = {0};
    const char *cell[MAXCOLS];
    cs_xlsx_sheet *s = cs_xlsx_add_table(x, "report", t.head, kinds, t.ncols);
    rc = s ? CS_OK : CS_EIO;
    for (size_t g = 0; rc == CS_OK && g < rep->ngroups; g++) {
        rc = cells_of(rep, &rep->groups[g], true, num, &findings, &ex, &pol, cell);
        if (rc == CS_OK)
            rc = cs_xlsx_add_row(s, cell);
    }
    static const char *const head[2] = {"item", "value"};
    static const cs_xlsx_kind skinds[2] = {CS_XK_TEXT, CS_XK_AUTO};
    cs_xlsx_sheet *sum = rc == CS_OK ? cs_xlsx_add_table(x, "summary", head, skinds, 2) : NULL;
    if (rc == CS_OK && !sum)
        rc = CS_EIO;
    char n1[24], n2[24];
    snprintf(n1, sizeof(n1), "%llu", (unsigned long long)rep->rows);
    snprintf(n2, sizeof(n2), "%zu", rep->ngroups);
    const char *rows[4][2] = {
        {"run", o->run ? o->run : ""},
        {"grouped by", rep->key_column},
        {"names read", n1},
        {"groups listed", n2},
    };
    for (size_t i = 0; rc == CS_OK && i < 4; i++)
        rc = cs_xlsx_add_row(sum, rows[i]);
    cs_strbuf_free(&findings);
    cs_strbuf_free(&ex);
    cs_strbuf_free(&pol);
    char cerr[1024] = "";
    cs_err crc = cs_xlsx_close(x, rc == CS_OK, cerr, sizeof(cerr));
    if (rc == CS_OK && crc != CS_OK) {
        snprintf(err, errlen, "%s", cerr);
        return crc;
    }
    if (rc != CS_OK && !err[0])
        snprintf(err, errlen, "%s: writing the workbook failed", o->xlsx);
    return rc;
}

cs_err cs_report_write(const cs_report *rep, bool csv, FILE *out)
{
    cs_report_out o = {.format = csv ? CS_REPORT_CSV : CS_REPORT_TEXT};
    char err[256];
    return cs_report_write_to(rep, &o, out, err, sizeof(err));
}

cs_err cs_report_write_to(const cs_report *rep, const cs_report_out *o, FILE *out, char *err,
                          size_t errlen)
{
    if (errlen)
        err[0] = '\0';
    if (o->format == CS_REPORT_XLSX)
        return write_xlsx(rep, o, err, errlen);
    bool csv = o->format == CS_REPORT_CSV;
    struct table t = table_of(rep);
    size_t width[MAXCOLS] = {0};
    char num[5][24];
    cs_strbuf findings = {0}, ex = {0}, pol = {0}, line = {0};
    const char *cell[MAXCOLS];
    cs_err rc = CS_OK;
    for (size_t i = 0; i < t.ncols; i++)
        width[i] = strlen(t.head[i]);
    if (!csv) /* widths: a first pass over the groups */
        for (size_t g = 0; g < rep->ngroups && rc == CS_OK; g++) {
            if ((rc = cells_of(rep, &rep->groups[g], csv, num, &findings, &ex, &pol, cell)) !=
                CS_OK)
                break;
            for (size_t i = 0; i + 1 < t.ncols; i++)
                if (strlen(cell[i]) > width[i])
                    width[i] = strlen(cell[i]);
        }
    if (csv && o->bom && fputs(CS_UTF8_BOM, out) == EOF)
        rc = CS_EIO;
    for (size_t g = 0; rc == CS_OK && g <= rep->ngroups; g++) {
        if (g == 0) {
            for (size_t i = 0; i < t.ncols; i++)
                cell[i] = t.head[i];
        } else if ((rc = cells_of(rep, &rep->groups[g - 1], csv, num, &findings, &ex, &pol,
                                  cell)) != CS_OK) {
            break;
        }
        cs_strbuf_clear(&line);
        if (csv) {
            rc = cs_csv_append_cells(&line, cell, t.ncols, o->raw);
        } else {
            for (size_t i = 0; rc == CS_OK && i < t.ncols; i++) {
                bool last = i + 1 == t.ncols;
                int w = last ? 0 : (int)width[i];
                rc = cs_strbuf_printf(&line, t.numeric[i] && g ? "%*s%s" : "%-*s%s", w, cell[i],
                                      last ? "\n" : "  ");
            }
        }
        if (rc == CS_OK && fwrite(line.data, 1, line.len, out) != line.len)
            rc = CS_EIO;
    }
    if (rc == CS_OK && !csv && rep->ngroups == 0 &&
        fprintf(out, "(no %s with failing or at-risk names)\n", rep->key_column) < 0)
        rc = CS_EIO;
    if (rc == CS_OK && fflush(out) != 0)
        rc = CS_EIO;
    if (rc == CS_ENOMEM)
        snprintf(err, errlen, "out of memory");
    cs_strbuf_free(&findings);
    cs_strbuf_free(&ex);
    cs_strbuf_free(&pol);
    cs_strbuf_free(&line);
    return rc;
}

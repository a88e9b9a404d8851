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
#include "caascan/merge.h"
#include "caascan/result.h"
#include "caascan/shard.h"

static const char *const by_names[CS_REPORT_BY_COUNT] = {"certificate", "zone", "nameserver",
                                                         "registered-domain"};

cs_report_by cs_report_by_parse(const char *s)
{
    for (int i = 0; i < CS_REPORT_BY_COUNT; i++)
        if (strcmp(s, by_names[i]) == 0)
            return (cs_report_by)i;
    return CS_REPORT_BY_COUNT;
}

struct agg {
    cs_report_group g;
    cs_strbuf fail_ex, risk_ex, hosts;
    size_t nfail_ex, nrisk_ex;
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

static cs_err count_name(struct agg *a, const char *name, cs_status st, size_t max_names)
{
    a->g.names++;
    if (st < a->g.worst)
        a->g.worst = st;
    cs_strbuf *ex = NULL;
    size_t *nex = NULL;
    if (cs_status_is_failing(st)) {
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

struct ctx {
    const cs_report_opts *o;
    struct groups gs;
    const psl_ctx_t *psl;
    int col_name, col_status, col_key;
    size_t max_names;
};

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
    return count_name(a, name, st, c->max_names);
}

static cs_err result_row(struct ctx *c, const char *const *f)
{
    const char *name = f[c->col_name];
    cs_status st = cs_status_parse(f[c->col_status]);
    struct seen s = {.n = 0};
    size_t pos = 0, len;
    const char *item;
    cs_err rc = CS_OK;
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
    case CS_REPORT_REGISTERED_DOMAIN: {
        const char *n = strncmp(name, "*.", 2) == 0 ? name + 2 : name;
        const char *reg = psl_registrable_domain(c->psl, n);
        if (!reg)
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
    size_t pos = 0, len;
    const char *item;
    while (cs_list_next(f[col_findings], &pos, &item, &len)) {
        char code[64];
        if (len >= sizeof(code))
            continue;
        memcpy(code, item, len);
        code[len] = '\0';
        cs_problem pb = cs_problem_parse(code);
        if (pb != CS_PB_COUNT)
            a->g.findings |= CS_PB_BIT(pb);
    }
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
    if (a->names != b->names)
        return a->names > b->names ? -1 : 1;
    return strcmp(a->key, b->key);
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
                                                             "name"};
    static const char *const key_heads[CS_REPORT_BY_COUNT] = {"certificate", "zone", "address",
                                                              "registered_domain"};
    const char *kc = o->group_column ? o->group_column : key_cols[o->by];
    c.col_name = cs_header_find(h, n, "name");
    c.col_status = cs_header_find(h, n, "status");
    c.col_key = cs_header_find(h, n, kc);
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
        if (!o->all && !a->g.failing && !a->g.at_risk && !a->g.findings)
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
        if (!g->examples || !g->hosts) {
            rc = CS_ENOMEM;
            goto done;
        }
    }
    qsort(rep->groups, rep->ngroups, sizeof(*rep->groups), group_cmp);
done:
    if (rc == CS_ENOMEM && !err[0])
        snprintf(err, errlen, "out of memory");
    groups_free(&c.gs);
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
    }
    free(rep->groups);
    free(rep->key_column);
    free(rep);
}

/* ---------------------------------------------------------------- output */

#define MAXCOLS 8

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
    if (rep->by == CS_REPORT_CERTIFICATE)
        COL("verdict", false);
    else
        COL("worst_status", false);
    if (rep->by == CS_REPORT_ZONE || rep->by == CS_REPORT_NAMESERVER)
        COL("server_findings", false);
    COL("names_to_fix", false);
#undef COL
    return t;
}

/* Cells of group g in table order; numbers and findings go to the scratch buffers. */
static cs_err cells_of(const cs_report *rep, const cs_report_group *g, bool csv, char num[3][24],
                       cs_strbuf *findings, cs_strbuf *ex, const char **cell)
{
    size_t k = 0;
    snprintf(num[0], 24, "%llu", (unsigned long long)g->names);
    snprintf(num[1], 24, "%llu", (unsigned long long)g->failing);
    snprintf(num[2], 24, "%llu", (unsigned long long)g->at_risk);
    cell[k++] = g->key;
    if (rep->by == CS_REPORT_NAMESERVER)
        cell[k++] = g->hosts;
    cell[k++] = num[0];
    cell[k++] = num[1];
    cell[k++] = num[2];
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
    cs_strbuf_clear(ex);
    if (cs_strbuf_puts(ex, g->examples) != CS_OK)
        return CS_ENOMEM;
    uint64_t more = g->failing + g->at_risk - g->nexamples;
    if (!csv && more > 0 &&
        cs_strbuf_printf(ex, " (+%llu more)", (unsigned long long)more) != CS_OK)
        return CS_ENOMEM;
    cell[k++] = ex->data;
    return CS_OK;
}

cs_err cs_report_write(const cs_report *rep, bool csv, FILE *out)
{
    struct table t = table_of(rep);
    size_t width[MAXCOLS] = {0};
    char num[3][24];
    cs_strbuf findings = {0}, ex = {0}, line = {0};
    const char *cell[MAXCOLS];
    cs_err rc = CS_OK;
    for (size_t i = 0; i < t.ncols; i++)
        width[i] = strlen(t.head[i]);
    if (!csv) /* widths: a first pass over the groups */
        for (size_t g = 0; g < rep->ngroups && rc == CS_OK; g++) {
            if ((rc = cells_of(rep, &rep->groups[g], csv, num, &findings, &ex, cell)) != CS_OK)
                break;
            for (size_t i = 0; i + 1 < t.ncols; i++)
                if (strlen(cell[i]) > width[i])
                    width[i] = strlen(cell[i]);
        }
    for (size_t g = 0; rc == CS_OK && g <= rep->ngroups; g++) {
        if (g == 0) {
            for (size_t i = 0; i < t.ncols; i++)
                cell[i] = t.head[i];
        } else if ((rc = cells_of(rep, &rep->groups[g - 1], csv, num, &findings, &ex, cell)) !=
                   CS_OK) {
            break;
        }
        cs_strbuf_clear(&line);
        if (csv) {
            rc = cs_csv_append_row(&line, cell, t.ncols);
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
    cs_strbuf_free(&findings);
    cs_strbuf_free(&ex);
    cs_strbuf_free(&line);
    return rc;
}

/* verdict.c -- a name's status from its climb and its relevant CAA set (verdict.h). */
#include "caascan/verdict.h"
#include "caascan/auth.h"
#include "caascan/csvout.h"
#include "caascan/fail_model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *cs_status_issuable(cs_status st)
{
    switch (st) {
    case CS_ST_OK:
    case CS_ST_AT_RISK:
        return "yes";
    case CS_ST_FLAKY:
        return "unknown";
    default:
        return "no";
    }
}

/* Appends formatted text to buf (of size) at *len, keeping it terminated. */
static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
    if (*len >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *len, size - *len, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len = *len + (size_t)n >= size ? size - 1 : *len + (size_t)n;
}

static const char *resolver_label(const struct cs_resolver_pool *pool, unsigned i)
{
    return pool && i < pool->n ? pool->v[i].label : "a resolver";
}

static const char *try_word(const struct cs_ca_try *t, char *buf, size_t size)
{
    if (t->result == CS_TRY_TIMEOUT)
        return "TIMEOUT";
    if (t->case_mismatch)
        return "CASE_MISMATCH";
    if (t->truncated)
        return "TRUNCATED";
    if (t->rcode < 0)
        return "MALFORMED";
    return cs_rcode_name((unsigned)t->rcode, buf, size);
}

static void fill_rcodes(const struct cs_ca_level *lv, struct cs_verdict *v)
{
    size_t len = 0;
    char rb[16];
    v->resolver_rcode[0] = '\0';
    for (unsigned i = 0; i < lv->ntries; i++)
        append(v->resolver_rcode, sizeof(v->resolver_rcode), &len, "%s%s", i ? ";" : "",
               try_word(&lv->tries[i], rb, sizeof(rb)));
}

static void fill_ede(const struct cs_ca_level *lv, struct cs_verdict *v)
{
    v->ede[0] = '\0';
    for (unsigned i = 0; i < lv->ntries; i++) {
        const struct cs_ca_try *t = &lv->tries[i];
        if (t->ede < 0)
            continue;
        const char *nm = cs_ede_name((uint16_t)t->ede);
        int n = snprintf(v->ede, sizeof(v->ede), "%d %s%s%s", t->ede, nm ? nm : "Unknown",
                         t->ede_text ? ": " : "", t->ede_text ? t->ede_text : "");
        if (n >= (int)sizeof(v->ede)) {
            /* Too long: cut at the last word that fits, and say so. */
            size_t cut = sizeof(v->ede) - 4;
            while (cut > 0 && v->ede[cut] != ' ')
                cut--;
            memcpy(v->ede + cut, "...", 4);
        }
        return;
    }
}

static bool try_failed(const struct cs_ca_try *t)
{
    return t->result == CS_TRY_ERROR || t->result == CS_TRY_TIMEOUT;
}

/* "2 of 3 lookups of CAA x.test returned SERVFAIL via 127.0.10.1:53, 127.0.10.2:53". */
static void describe_failures(const struct cs_ca_level *lv, const struct cs_resolver_pool *pool,
                              char *buf, size_t size, size_t *len)
{
    unsigned failed = 0;
    for (unsigned i = 0; i < lv->ntries; i++)
        failed += try_failed(&lv->tries[i]);
    append(buf, size, len, "%u of %u lookups of CAA %s", failed, lv->ntries, lv->name);
    bool used[CS_MAX_ATTEMPTS] = {false};
    const char *sep = " ";
    for (unsigned i = 0; i < lv->ntries; i++) {
        const struct cs_ca_try *t = &lv->tries[i];
        if (used[i] || !try_failed(t))
            continue;
        char word[16], rb[16];
        snprintf(word, sizeof(word), "%s", try_word(t, rb, sizeof(rb)));
        if (t->result == CS_TRY_TIMEOUT)
            append(buf, size, len, "%sgot no answer via ", sep);
        else
            append(buf, size, len, "%sreturned %s via ", sep, word);
        /* The tries that failed this way, then their resolvers once each, in the pool's order
         * (the order the tries ended in differs from run to run). */
        bool group[CS_MAX_ATTEMPTS] = {false};
        for (unsigned k = i; k < lv->ntries; k++) {
            if (used[k] || !try_failed(&lv->tries[k]) ||
                strcmp(try_word(&lv->tries[k], rb, sizeof(rb)), word) != 0)
                continue;
            used[k] = true;
            group[k] = true;
        }
        unsigned count = 0, last = 0;
        for (;;) {
            bool any = false;
            unsigned r = 0;
            for (unsigned k = i; k < lv->ntries; k++)
                if (group[k] && (count == 0 || lv->tries[k].resolver > last) &&
                    (!any || lv->tries[k].resolver < r)) {
                    r = lv->tries[k].resolver;
                    any = true;
                }
            if (!any)
                break;
            append(buf, size, len, "%s%s", count++ ? ", " : "", resolver_label(pool, r));
            last = r;
        }
        sep = "; ";
    }
    for (unsigned i = 0; i < lv->ntries; i++) {
        const struct cs_ca_try *t = &lv->tries[i];
        if (!t->dnssec)
            continue;
        if (t->ede >= 0 && cs_ede_is_dnssec((uint16_t)t->ede))
            append(buf, size, len, "; DNSSEC validation fails (EDE %d %s)", t->ede,
                   cs_ede_name((uint16_t)t->ede));
        else
            append(buf, size, len, "; DNSSEC validation fails (with CD=1 the resolver answers)");
        break;
    }
}

static bool level_failed_all(const struct cs_ca_level *lv)
{
    return lv->n_data + lv->n_empty + lv->n_nxdomain == 0;
}

static bool level_failed_some(const struct cs_ca_level *lv)
{
    return lv->n_error + lv->n_timeout > 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The set as `0 issue "x";0 iodef "y"`, records sorted so that the cell does not depend on the
 * order a resolver happened to return them in. */
static cs_err format_set(const ldns_rr_list *set, struct cs_verdict *v)
{
    size_t n = set ? ldns_rr_list_rr_count(set) : 0, k = 0, total = 1;
    char **recs = calloc(n ? n : 1, sizeof(*recs));
    if (!recs)
        return CS_ENOMEM;
    cs_err err = CS_OK;
    for (size_t i = 0; i < n && err == CS_OK; i++) {
        struct cs_caa_record rec;
        if (cs_caa_record_from_rr(ldns_rr_list_rr(set, i), &rec) != CS_OK)
            continue;
        size_t need = cs_caa_format(&rec, NULL, 0);
        if (!(recs[k] = malloc(need + 1))) {
            err = CS_ENOMEM;
            break;
        }
        cs_caa_format(&rec, recs[k], need + 1);
        total += need + 1;
        k++;
    }
    qsort(recs, k, sizeof(*recs), cmp_str);
    char *out = err == CS_OK ? malloc(total) : NULL;
    if (out) {
        size_t len = 0;
        out[0] = '\0';
        for (size_t i = 0; i < k; i++) {
            if (i)
                out[len++] = ';';
            size_t l = strlen(recs[i]);
            memcpy(out + len, recs[i], l + 1);
            len += l;
        }
    } else {
        err = CS_ENOMEM;
    }
    for (size_t i = 0; i < k; i++)
        free(recs[i]);
    free(recs);
    v->caa = out;
    return err;
}

/* Judges one CAA set for the policy. */
static cs_err evaluate_set(const ldns_rr_list *set, bool wildcard, const struct cs_caa_policy *pol,
                           struct cs_caa_verdict *cv)
{
    size_t n = ldns_rr_list_rr_count(set);
    struct cs_caa_record *recs = calloc(n ? n : 1, sizeof(*recs));
    if (!recs)
        return CS_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (cs_caa_record_from_rr(ldns_rr_list_rr(set, i), &recs[k]) == CS_OK)
            k++;
    cs_err err = cs_caa_evaluate(recs, k, wildcard, pol, cv);
    free(recs);
    return err;
}

/* ---- the fix sentences: one finding per code and server, with the facts it was found with -- */

/* Copies a ';'-joined list as ", "-joined (a ';' inside double quotes stays). */
static void list_commas(const char *list, char *out, size_t size)
{
    size_t pos = 0, len, o = 0;
    const char *item;
    out[0] = '\0';
    while (list && cs_list_next(list, &pos, &item, &len)) {
        int n = snprintf(out + o, size - o, "%s%.*s", o ? ", " : "", (int)len, item);
        if (n < 0 || (size_t)n >= size - o)
            break;
        o += (size_t)n;
    }
}

static struct cs_finding *finding_new(struct cs_verdict *v, cs_problem code, size_t *cap)
{
    if (v->nfindings == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        struct cs_finding *nf = realloc(v->findings, nc * sizeof(*nf));
        if (!nf)
            return NULL;
        v->findings = nf;
        *cap = nc;
    }
    struct cs_finding *f = &v->findings[v->nfindings];
    memset(f, 0, sizeof(*f));
    f->code = code;
    return f;
}

/* Keeps the finding just filled unless one with the same code and server is there already. */
static void finding_keep(struct cs_verdict *v)
{
    const struct cs_finding *f = &v->findings[v->nfindings];
    for (size_t i = 0; i < v->nfindings; i++) {
        const struct cs_finding *g = &v->findings[i];
        if (g->code == f->code && strcmp(g->server, f->server) == 0 &&
            strcmp(g->address, f->address) == 0 && (f->server[0] || strcmp(g->name, f->name) == 0))
            return;
    }
    v->nfindings++;
}

/* What server s answered that makes it have code (for the zone's probes or a name's). */
static void server_answer(const struct cs_auth_server *s, cs_problem code, char *out, size_t size)
{
    switch (code) {
    case CS_PB_AUTH_NOTIMP:
    case CS_PB_AUTH_REFUSED:
    case CS_PB_AUTH_SERVFAIL:
    case CS_PB_AUTH_FORMERR:
        snprintf(out, size, "%s", cs_problem_name(code) + 5);
        break;
    case CS_PB_AUTH_TIMEOUT:
        snprintf(out, size, "no reply");
        break;
    case CS_PB_AUTH_NOT_AUTHORITATIVE:
        snprintf(out, size, "without the AA bit");
        break;
    case CS_PB_MISSING_SOA_NEGATIVE:
        snprintf(out, size, "a negative answer without the SOA record");
        break;
    case CS_PB_EMPTY_NOERROR:
        snprintf(out, size, "a completely empty NOERROR (no record, no OPT record)");
        break;
    case CS_PB_CASE_NOT_PRESERVED:
        snprintf(out, size, "the question name in another case");
        break;
    case CS_PB_CASE_SENSITIVE_ANSWER:
        snprintf(out, size, "differently when the name has upper-case letters");
        break;
    case CS_PB_SOA_SERIAL_MISMATCH:
        if (s->has_serial)
            snprintf(out, size, "serial %u", (unsigned)s->serial);
        else
            snprintf(out, size, "another serial");
        break;
    case CS_PB_NS_SET_MISMATCH:
        if (s->ns_set) {
            char l[200];
            list_commas(s->ns_set, l, sizeof(l));
            snprintf(out, size, "NS %s", l);
        }
        break;
    case CS_PB_EDNS_BROKEN: {
        const struct cs_auth_reply *r = s->probes;
        char rb[16];
        if (r && r->rcode >= 0) {
            ldns_lookup_table *lt = ldns_lookup_by_id(ldns_rcodes, r->rcode);
            snprintf(rb, sizeof(rb), "%s", lt ? lt->name : "an error");
            snprintf(out, size, "%s", rb);
        } else {
            snprintf(out, size, "nothing");
        }
        break;
    }
    case CS_PB_TCP_BROKEN:
        snprintf(out, size, "no answer over TCP");
        break;
    case CS_PB_INTERMITTENT:
        snprintf(out, size, "different answers between tries");
        break;
    case CS_PB_NS_NO_ADDRESS:
        snprintf(out, size, "no A or AAAA record");
        break;
    case CS_PB_AUTH_MALFORMED:
        snprintf(out, size, "replies that do not parse");
        break;
    default:
        break;
    }
}

/* The findings of one server: a finding per code of codes. */
static cs_err server_findings(struct cs_verdict *v, size_t *cap, const struct cs_auth_server *s,
                              cs_problems codes, const char *name, const char *zone,
                              const char *qtype, const char *answer_override)
{
    for (int c = 0; c < CS_PB_COUNT; c++) {
        if (!(codes & CS_PB_BIT(c)) || !(v->problems & CS_PB_BIT(c)))
            continue;
        struct cs_finding *f = finding_new(v, (cs_problem)c, cap);
        if (!f)
            return CS_ENOMEM;
        snprintf(f->server, sizeof(f->server), "%s", s->ns ? s->ns : "");
        snprintf(f->address, sizeof(f->address), "%s", s->ip);
        snprintf(f->name, sizeof(f->name), "%s", name);
        snprintf(f->zone, sizeof(f->zone), "%s", zone);
        snprintf(f->qtype, sizeof(f->qtype), "%s", qtype);
        if (c == CS_PB_AUTH_INCONSISTENT_CAA && answer_override)
            snprintf(f->answer, sizeof(f->answer), "%s", answer_override);
        else
            server_answer(s, (cs_problem)c, f->answer, sizeof(f->answer));
        finding_keep(v);
    }
    return CS_OK;
}

/* What the resolvers gave at a level, for code. */
static void level_answer(const struct cs_verdict *v, const struct cs_ca_level *lv, cs_problem code,
                         char *out, size_t size)
{
    unsigned n = lv->ntries;
    switch (code) {
    case CS_PB_RESOLVER_SERVFAIL:
        snprintf(out, size, "SERVFAIL (or another error) to %u of %u tries", lv->n_error, n);
        break;
    case CS_PB_RESOLVER_TIMEOUT:
        snprintf(out, size, "no answer to %u of %u tries", lv->n_timeout, n);
        break;
    case CS_PB_DNSSEC_BOGUS:
        if (v->ede[0])
            snprintf(out, size, "EDE %s", v->ede);
        else
            snprintf(out, size, "SERVFAIL, and the data when checking is disabled");
        break;
    case CS_PB_INTERMITTENT:
        if (lv->n_error + lv->n_timeout + lv->n_dnssec > 0)
            snprintf(out, size, "a failure to %u of %u tries through recursive resolvers",
                     lv->n_error + lv->n_timeout, n);
        else
            snprintf(out, size, "different CAA records to different resolvers");
        break;
    default:
        break;
    }
}

/* The zone of levels[i] in the authoritative results, NULL when unknown. */
static const struct cs_auth_zone *level_zone(const struct cs_auth_result *ar, size_t i)
{
    return ar && i < ar->nlevels ? ar->zones[i] : NULL;
}

static const cs_problems caa_codes =
    CS_PB_BIT(CS_PB_CAA_NOT_AUTHORIZED) | CS_PB_BIT(CS_PB_CAA_EMPTY_ISSUER) |
    CS_PB_BIT(CS_PB_CAA_CRITICAL_UNKNOWN) | CS_PB_BIT(CS_PB_CAA_PARAM_MISMATCH) |
    CS_PB_BIT(CS_PB_CAA_MALFORMED) | CS_PB_BIT(CS_PB_CAA_ISSUER_NONCANONICAL);

/*
 * Collects the findings of v (from the servers of ar when given, else from the resolvers'
 * levels) and writes the fix sentences joined by "; ". Every code of v->problems gets at least
 * one sentence; a server's code gets one sentence per server.
 */
static cs_err build_fix(struct cs_verdict *v, bool wildcard, struct cs_ca_level *const *levels,
                        size_t nlevels, const struct cs_auth_result *ar)
{
    free(v->fix);
    v->fix = NULL;
    free(v->findings);
    v->findings = NULL;
    v->nfindings = 0;
    size_t cap = 0;
    cs_err err = CS_OK;
    size_t n = ar ? (ar->nlevels < nlevels ? ar->nlevels : nlevels) : 0;
    /* The servers: a name's own CAA answers first (the most specific), then its zone's probes. */
    for (size_t i = 0; i < n && err == CS_OK; i++) {
        const struct cs_auth_qname *q = ar->qnames[i];
        if (q && q->done && q->server_probs && q->zone)
            for (size_t k = 0; k < q->zone->nservers && err == CS_OK; k++) {
                const char *differs = q->server_answer ? q->server_answer[k] : NULL;
                err = server_findings(v, &cap, &q->zone->servers[k],
                                      q->server_probs[k] |
                                          (differs ? CS_PB_BIT(CS_PB_AUTH_INCONSISTENT_CAA) : 0),
                                      q->name, q->zone->apex, "CAA", differs);
            }
    }
    for (size_t i = 0; i < n && err == CS_OK; i++) {
        const struct cs_auth_zone *z = ar->zones[i];
        if (!z || !z->done)
            continue;
        for (size_t k = 0; k < z->nservers && err == CS_OK; k++) {
            /* The zone probes ask SOA; a case-sensitive answer shows in CAA at the apex. */
            cs_problems zp = z->servers[k].zone_probs;
            err = server_findings(v, &cap, &z->servers[k],
                                  zp & ~CS_PB_BIT(CS_PB_CASE_SENSITIVE_ANSWER), z->apex, z->apex,
                                  "SOA", NULL);
            if (err == CS_OK)
                err = server_findings(v, &cap, &z->servers[k],
                                      zp & CS_PB_BIT(CS_PB_CASE_SENSITIVE_ANSWER), z->apex, z->apex,
                                      "CAA", NULL);
        }
    }
    /* The rest: from the verdict and the resolvers' levels. */
    size_t deciding = (size_t)(v->deciding >= 0 ? v->deciding : 0);
    if (deciding >= nlevels)
        deciding = 0;
    for (int c = 0; c < CS_PB_COUNT && err == CS_OK; c++) {
        if (!(v->problems & CS_PB_BIT(c)))
            continue;
        bool told = false;
        for (size_t i = 0; i < v->nfindings; i++)
            told |= v->findings[i].code == (cs_problem)c;
        if (told)
            continue;
        struct cs_finding *f = finding_new(v, (cs_problem)c, &cap);
        if (!f) {
            err = CS_ENOMEM;
            break;
        }
        snprintf(f->qtype, sizeof(f->qtype), "CAA");
        const struct cs_auth_zone *z = level_zone(ar, deciding);
        if (CS_PB_BIT(c) & caa_codes) {
            snprintf(f->name, sizeof(f->name), "%s",
                     v->caa_owner[0] ? v->caa_owner : levels[deciding]->name);
            snprintf(f->server, sizeof(f->server), "%s", v->forbid_server);
            snprintf(f->address, sizeof(f->address), "%s", v->forbid_ip);
            char recs[sizeof(f->answer) - 8];
            list_commas(v->caa, recs, sizeof(recs));
            snprintf(f->answer, sizeof(f->answer), "%s", recs[0] ? recs : "no records");
            if (v->relevant >= 0)
                z = level_zone(ar, (size_t)v->relevant);
        } else if (c == CS_PB_TLD_NXDOMAIN) {
            snprintf(f->name, sizeof(f->name), "%s", levels[0]->name);
            snprintf(f->zone, sizeof(f->zone), "%s", levels[nlevels - 1]->name);
            snprintf(f->answer, sizeof(f->answer), "NXDOMAIN");
            z = NULL;
        } else {
            snprintf(f->name, sizeof(f->name), "%s", levels[deciding]->name);
            level_answer(v, levels[deciding], (cs_problem)c, f->answer, sizeof(f->answer));
        }
        if (z) {
            snprintf(f->zone, sizeof(f->zone), "%s", z->apex);
            if (!f->server[0] && z->nameservers) {
                /* The zone's servers, "ns/ip" each. */
                list_commas(z->nameservers, f->server, sizeof(f->server));
            }
        }
        finding_keep(v);
    }
    if (err != CS_OK)
        return err;
    for (size_t i = 0; i < v->nfindings; i++)
        v->findings[i].wildcard = wildcard;
    /* The sentences. */
    size_t total = 1;
    for (size_t i = 0; i < v->nfindings; i++)
        total += cs_fix_format(&v->findings[i], v->ca_domain, NULL, 0) + 2;
    v->fix = malloc(total);
    if (!v->fix)
        return CS_ENOMEM;
    size_t len = 0;
    v->fix[0] = '\0';
    for (size_t i = 0; i < v->nfindings; i++) {
        if (i) {
            memcpy(v->fix + len, "; ", 3);
            len += 2;
        }
        len += cs_fix_format(&v->findings[i], v->ca_domain, v->fix + len, total - len);
    }
    return CS_OK;
}

/* ---- fail_pct: how often the CA's check fails, from everything measured (fail_model.h) ---- */

#define MAX_VIEWS (CS_FM_REMOTES_MAX + 1)

/* The network view the lookups through resolver r stand for (0 without --perspective). */
static unsigned view_of_resolver(const struct cs_fm_perspectives *ps, unsigned nviews, unsigned r)
{
    if (nviews < 2 || r >= ps->nresolvers || ps->of[r] >= nviews)
        return 0;
    return ps->of[r];
}

/* Whether each set of sets[0..n) forbids the CA: forbids[k] (n at most 64 are judged; a set past
 * that counts as forbidding). */
static cs_err judge_sets(const ldns_rr_list *const *sets, size_t n, bool wildcard,
                         const struct cs_caa_policy *pol, bool *forbids)
{
    for (size_t k = 0; k < n && k < 64; k++) {
        struct cs_caa_verdict cv;
        cs_err err = evaluate_set(sets[k], wildcard, pol, &cv);
        if (err != CS_OK)
            return err;
        forbids[k] = !cv.authorized;
    }
    for (size_t k = 64; k < n; k++)
        forbids[k] = true;
    return CS_OK;
}

/* What the resolvers' lookups of lv saw, by view: share[v] for each of nviews views; a view
 * without a lookup of this level gets the shares of all of them. */
static cs_err level_by_views(const struct cs_ca_level *lv, bool wildcard,
                             const struct cs_caa_policy *pol, unsigned nviews,
                             struct cs_fm_level *share)
{
    unsigned nsets = lv->caa ? 1 + lv->n_other_sets : 0;
    const ldns_rr_list *sets[65];
    bool forbids[65] = {false};
    for (unsigned k = 0; k < nsets && k < 65; k++)
        sets[k] = k == 0 ? lv->caa : lv->other_sets[k - 1];
    cs_err err = judge_sets(sets, nsets < 65 ? nsets : 65, wildcard, pol, forbids);
    if (err != CS_OK)
        return err;
    /* [v][0] lookups, [1] failed, [2] forbidding set, [3] no CAA; [nviews] all of them. */
    unsigned c[MAX_VIEWS + 1][4];
    memset(c, 0, sizeof(c));
    for (unsigned i = 0; i < lv->ntries; i++) {
        const struct cs_ca_try *t = &lv->tries[i];
        unsigned v = view_of_resolver(pol ? pol->perspectives : NULL, nviews, t->resolver);
        unsigned what = try_failed(t)               ? 1
                        : t->result != CS_TRY_DATA  ? 3
                        : t->set > 0 && t->set < 65 ? (forbids[t->set] ? 2 : 0)
                        : nsets && forbids[0]       ? 2
                                                    : 0;
        c[v][0]++;
        c[nviews][0]++;
        if (what) {
            c[v][what]++;
            c[nviews][what]++;
        }
    }
    for (unsigned v = 0; v < nviews; v++) {
        const unsigned *k = c[v][0] ? c[v] : c[nviews];
        unsigned answered = k[0] - k[1];
        share[v].err = k[0] ? (double)k[1] / k[0] : 0.0;
        share[v].forbid = answered ? (double)k[2] / answered : 0.0;
        share[v].nocaa = answered ? (double)k[3] / answered : (k[0] ? 0.0 : 1.0);
    }
    return CS_OK;
}

/* What the zone's servers answered when asked directly for one level's CAA. */
struct servers_seen {
    bool asked;    /* some server got a query: err holds */
    bool data;     /* some server answered, without an alias: forbid and nocaa hold */
    double err;    /* a lookup fails when each server it tries fails: the product of shares */
    double forbid; /* of the answers, with a set that forbids the CA (mean over the servers) */
    double nocaa;  /* of the answers, without CAA records (mean over the servers) */
    bool timeouts; /* every failed query got no reply at all */
    unsigned forbidding, answering; /* servers with a forbidding answer, servers that answered */
};

static cs_err level_servers(const struct cs_auth_qname *q, bool wildcard,
                            const struct cs_caa_policy *pol, struct servers_seen *out)
{
    memset(out, 0, sizeof(*out));
    out->timeouts = true;
    if (!q || !q->done || !q->replies || !q->tries || !q->zone)
        return CS_OK; /* a name not asked (--auth-depth sample) has no reply sent either */
    bool *forbids = calloc(q->nsets ? q->nsets : 1, sizeof(bool));
    uint64_t *hash = calloc(q->nsets ? q->nsets : 1, sizeof(uint64_t));
    cs_err err = forbids && hash ? CS_OK : CS_ENOMEM;
    for (unsigned k = 0; err == CS_OK && k < q->nsets; k++) {
        struct cs_caa_verdict cv;
        err = evaluate_set(q->sets[k], wildcard, pol, &cv);
        forbids[k] = err == CS_OK && !cv.authorized;
        hash[k] = cs_caa_set_hash(q->sets[k]);
    }
    double all_fail = 1.0, fsum = 0.0, nsum = 0.0;
    bool alias = false;
    for (size_t k = 0; err == CS_OK && k < q->zone->nservers; k++) {
        unsigned sent = 0, failed = 0, good = 0, f = 0, none = 0;
        for (unsigned t = 0; t < q->tries; t++) {
            const struct cs_auth_reply *r = &q->replies[k * q->tries + t];
            if (r->outcome == CS_OUT_CANCELLED || r->outcome == 0xff)
                continue; /* not asked (--auth-depth sample), or not answered yet */
            sent++;
            /* What a CA's resolver cannot use: no reply, an error, a referral, an empty answer,
             * a name in another case than sent (0x20). */
            if (r->outcome != CS_OUT_ANSWER ||
                (r->shape != CS_SHAPE_ANSWER && r->shape != CS_SHAPE_NODATA &&
                 r->shape != CS_SHAPE_NXDOMAIN)) {
                failed++;
                out->timeouts &= r->outcome == CS_OUT_TIMEOUT;
                continue;
            }
            good++;
            if (r->shape != CS_SHAPE_ANSWER) {
                none++;
            } else if (!r->sig) {
                alias = true; /* the set is elsewhere: the servers cannot tell */
            } else {
                for (unsigned s = 0; s < q->nsets; s++)
                    if (hash[s] == r->sig) {
                        f += forbids[s];
                        break;
                    }
            }
        }
        if (!sent)
            continue;
        out->asked = true;
        all_fail *= (double)failed / sent;
        if (good) {
            fsum += (double)f / good;
            nsum += (double)none / good;
            out->answering++;
            out->forbidding += f > 0;
        }
    }
    free(forbids);
    free(hash);
    out->err = out->asked ? all_fail : 0.0;
    out->data = out->answering > 0 && !alias;
    if (out->data) {
        out->forbid = fsum / out->answering;
        out->nocaa = nsum / out->answering;
    }
    return err;
}

/* The estimate of a climb: per view, each level from the resolvers' lookups and the servers'. */
struct estimate {
    double pct;        /* the check's failure probability, in percent (not rounded) */
    double lookup;     /* one lookup's failure probability at the first view */
    double lookup_res; /* the same from the resolvers' lookups alone */
    bool mixed;        /* some level's lookups (or servers) disagreed */
    bool forbid_led;   /* forbidding sets weigh more than failed lookups */
    bool srv_timeouts; /* failures only the servers showed were all timeouts */
    const char *srv_zone;
    char srv_level[256]; /* the lowest level whose servers' answers raised the estimate */
};

static cs_err estimate(bool wildcard, struct cs_ca_level *const *levels, size_t nlevels,
                       const struct cs_auth_result *ar, const struct cs_caa_policy *pol,
                       const struct cs_fm_config *m, struct estimate *out)
{
    memset(out, 0, sizeof(*out));
    out->srv_timeouts = true;
    const struct cs_fm_perspectives *ps = pol ? pol->perspectives : NULL;
    unsigned nviews = ps && ps->n >= 2 ? (ps->n < MAX_VIEWS ? ps->n : MAX_VIEWS) : 1;
    struct cs_fm_level *per = calloc(nlevels * (nviews + 1), sizeof(*per));
    if (!per)
        return CS_ENOMEM;
    struct cs_fm_level *res0 = per + nlevels * nviews; /* the first view, resolvers alone */
    cs_err err = CS_OK;
    double weigh_err = 0.0, weigh_forbid = 0.0, reach = 1.0;
    for (size_t i = 0; i < nlevels && err == CS_OK; i++) {
        struct cs_fm_level res[MAX_VIEWS];
        struct servers_seen sv;
        err = level_by_views(levels[i], wildcard, pol, nviews, res);
        if (err == CS_OK)
            err = level_servers(ar && i < ar->nlevels ? ar->qnames[i] : NULL, wildcard, pol, &sv);
        if (err != CS_OK)
            break;
        res0[i] = res[0];
        for (unsigned v = 0; v < nviews; v++) {
            struct cs_fm_level *l = &per[v * nlevels + i];
            *l = res[v];
            if (sv.asked && sv.err > l->err)
                l->err = sv.err;
            /* The servers' own answers say how often a resolver gets which data; the resolvers'
             * repeated lookups mostly say what their caches hold. A forbidding set only the
             * resolvers saw (another view of the data) still counts. */
            if (sv.data && (sv.forbid > 0.0 || res[v].forbid == 0.0)) {
                l->forbid = sv.forbid;
                l->nocaa = sv.nocaa;
            }
            out->mixed |= (l->err > 0.0 && l->err < 1.0) || (l->forbid > 0.0 && l->forbid < 1.0);
        }
        const struct cs_fm_level *l0 = &per[i];
        if (reach > 0.0 && !out->srv_level[0] &&
            (l0->err > res[0].err || l0->forbid > res[0].forbid || l0->nocaa != res[0].nocaa) &&
            ar && i < ar->nlevels && ar->qnames[i] && ar->qnames[i]->zone) {
            snprintf(out->srv_level, sizeof(out->srv_level), "%s", levels[i]->name);
            out->srv_zone = ar->qnames[i]->zone->apex;
        }
        if (sv.asked && sv.err > res[0].err)
            out->srv_timeouts &= sv.timeouts;
        weigh_err += reach * l0->err;
        weigh_forbid += reach * (1.0 - l0->err) * l0->forbid;
        reach *= (1.0 - l0->err) * l0->nocaa;
    }
    if (err == CS_OK) {
        double view_p[MAX_VIEWS];
        for (unsigned v = 0; v < nviews; v++)
            view_p[v] = cs_fm_climb_fail_prob(per + v * nlevels, nlevels);
        out->lookup = view_p[0];
        out->lookup_res = cs_fm_climb_fail_prob(res0, nlevels);
        double p = cs_fm_fail_prob_views(view_p, nviews, m->remotes, m->allowed);
        out->pct = p < 0.0 ? 100.0 : 100.0 * p;
        out->forbid_led = weigh_forbid > weigh_err;
    }
    free(per);
    return err;
}

static bool failing_status(cs_status st)
{
    return st == CS_ST_DNSSEC_BOGUS || st == CS_ST_SERVFAIL || st == CS_ST_TIMEOUT ||
           st == CS_ST_CAA_FORBIDS;
}

/*
 * Judges v by the estimate of its climb: fail_pct, and the status that follows from it with the
 * model's thresholds; issuable from the status. When the lookups disagreed (flaky: some lookups
 * of a level failed), the detail ends with the model's sentence, whose start model_at keeps.
 */
static cs_err judge_estimate(struct cs_verdict *v, bool wildcard, struct cs_ca_level *const *levels,
                             size_t nlevels, const struct cs_auth_result *ar,
                             const struct cs_caa_policy *pol, bool flaky)
{
    struct cs_fm_config dflt;
    const struct cs_fm_config *m = pol && pol->model ? pol->model : NULL;
    if (!m) {
        cs_fm_config_default(&dflt);
        m = &dflt;
    }
    struct estimate e;
    cs_err err = estimate(wildcard, levels, nlevels, ar, pol, m, &e);
    if (err != CS_OK)
        return err;
    v->fail_pct = cs_fm_round_pct(e.pct);
    cs_status st = v->status;
    switch (cs_fm_classify(v->fail_pct, m->pass_max_pct, m->fail_min_pct)) {
    case CS_FM_FAIL:
        if (!failing_status(st)) {
            /* The cause that weighs most: a forbidding set, else the lookups' failures. */
            const struct cs_ca_level *lv = NULL;
            for (size_t i = 0; i < nlevels && !lv; i++)
                if (levels[i]->n_error + levels[i]->n_timeout > 0)
                    lv = levels[i];
            st = e.forbid_led   ? CS_ST_CAA_FORBIDS
                 : !lv          ? (e.srv_timeouts ? CS_ST_TIMEOUT : CS_ST_SERVFAIL)
                 : lv->n_dnssec ? CS_ST_DNSSEC_BOGUS
                 : lv->n_error  ? CS_ST_SERVFAIL
                                : CS_ST_TIMEOUT;
        }
        break;
    case CS_FM_FLAKY:
        st = CS_ST_FLAKY;
        break;
    case CS_FM_PASS:
        /* Some lookups failed or found a forbidding set, too rarely to matter. */
        if (st == CS_ST_FLAKY || failing_status(st))
            st = CS_ST_AT_RISK;
        break;
    }
    v->status = st;
    v->issuable = cs_status_issuable(st);
    if (!flaky && !e.mixed)
        return CS_OK;
    char *d = v->detail;
    size_t dsize = sizeof(v->detail), dlen = strlen(d);
    v->model_at = (int)dlen;
    if (e.srv_level[0] && e.lookup > e.lookup_res)
        append(d, dsize, &dlen,
               "; counting what the servers of %s answered when asked directly, a lookup of CAA %s "
               "and up fails or finds a set that forbids %s %.0f %% of the time",
               e.srv_zone, e.srv_level, v->ca_domain, 100.0 * e.lookup);
    append(d, dsize, &dlen,
           "; with a primary and %u remote perspective%s allowing %u failure%s, about %.0f %% of "
           "issuance attempts would fail",
           m->remotes, m->remotes == 1 ? "" : "s", m->allowed, m->allowed == 1 ? "" : "s",
           v->fail_pct);
    return CS_OK;
}

cs_err cs_verdict_compute(const char *name, bool wildcard, struct cs_ca_level *const *levels,
                          size_t nlevels, const struct cs_caa_policy *pol,
                          const struct cs_resolver_pool *pool, struct cs_verdict *out)
{
    memset(out, 0, sizeof(*out));
    out->model_at = -1;
    snprintf(out->ca_domain, sizeof(out->ca_domain), "%s",
             pol && pol->ca_domain ? pol->ca_domain : "");
    out->relevant = -1;
    out->deciding = 0;
    if (nlevels == 0)
        return CS_EINVAL;
    for (size_t i = 0; i < nlevels; i++)
        if (!levels[i]->done)
            return CS_EINVAL;

    cs_status status = CS_ST_OK;
    int failed = -1, flaky = -1;
    for (size_t i = 0; i < nlevels; i++) {
        const struct cs_ca_level *lv = levels[i];
        if (level_failed_all(lv)) {
            failed = (int)i;
            break;
        }
        if (level_failed_some(lv) && flaky < 0)
            flaky = (int)i;
        if (lv->n_data > 0) {
            out->relevant = (int)i;
            break;
        }
    }
    size_t dlen = 0;
    char *d = out->detail;
    size_t dsize = sizeof(out->detail);

    if (failed >= 0) {
        const struct cs_ca_level *lv = levels[failed];
        out->deciding = failed;
        if (lv->n_dnssec > 0) {
            status = CS_ST_DNSSEC_BOGUS;
            out->problems |= CS_PB_BIT(CS_PB_DNSSEC_BOGUS);
        } else if (lv->n_error > 0) {
            status = CS_ST_SERVFAIL;
        } else {
            status = CS_ST_TIMEOUT;
        }
        if (lv->n_error > 0)
            out->problems |= CS_PB_BIT(CS_PB_RESOLVER_SERVFAIL);
        if (lv->n_timeout > 0)
            out->problems |= CS_PB_BIT(CS_PB_RESOLVER_TIMEOUT);
        describe_failures(lv, pool, d, dsize, &dlen);
        fill_rcodes(lv, out);
        fill_ede(lv, out);
        out->status = status;
        out->issuable = cs_status_issuable(status);
        out->fail_pct = 100.0; /* every lookup of a level the check needs failed */
        out->caa = strdup("");
        return out->caa ? build_fix(out, wildcard, levels, nlevels, NULL) : CS_ENOMEM;
    }

    /* The check can be made: judge the relevant set (none means any CA may issue). The rcodes
     * shown are the name's own, unless some tries failed at a level. */
    int deciding = 0;
    out->deciding = out->relevant >= 0 ? out->relevant : 0;
    const struct cs_ca_level *rl = out->relevant >= 0 ? levels[out->relevant] : NULL;
    struct cs_caa_verdict cv;
    memset(&cv, 0, sizeof(cv));
    cv.authorized = true;
    if (rl) {
        /* When resolvers returned different sets, the worst one counts (SPEC.md: the worst
         * server's data). */
        const ldns_rr_list *worst = rl->caa;
        cs_err err = evaluate_set(rl->caa, wildcard, pol, &cv);
        for (unsigned s = 0; err == CS_OK && s < rl->n_other_sets; s++) {
            struct cs_caa_verdict other;
            err = evaluate_set(rl->other_sets[s], wildcard, pol, &other);
            if (err == CS_OK && cv.authorized && !other.authorized) {
                cv = other;
                worst = rl->other_sets[s];
            }
        }
        if (err != CS_OK)
            return err;
        out->problems |= cv.problems;
        snprintf(out->caa_owner, sizeof(out->caa_owner), "%s",
                 rl->caa_owner ? rl->caa_owner : rl->name);
        if (format_set(worst, out) != CS_OK)
            return CS_ENOMEM;
        if (!cv.authorized)
            status = CS_ST_CAA_FORBIDS;
        append(d, dsize, &dlen, "%s (CAA at %s%s%s)", cv.reason, out->caa_owner,
               rl->alias ? ", reached through an alias of " : "", rl->alias ? rl->name : "");
        if (rl->n_other_sets > 0) {
            out->problems |= CS_PB_BIT(CS_PB_INTERMITTENT);
            out->intermittent_from_sets = true;
            append(d, dsize, &dlen, "; resolvers returned different CAA sets for %s", rl->name);
        }
    } else {
        out->caa = strdup("");
        if (!out->caa)
            return CS_ENOMEM;
        append(d, dsize, &dlen, "no CAA records from %s up to %s: any CA may issue",
               levels[0]->name, levels[nlevels - 1]->name);
    }

    if (flaky >= 0) {
        const struct cs_ca_level *lv = levels[flaky];
        out->intermittent_from_sets = false;
        if (status > CS_ST_FLAKY)
            status = CS_ST_FLAKY;
        out->problems |= CS_PB_BIT(CS_PB_INTERMITTENT);
        if (lv->n_error > 0)
            out->problems |= CS_PB_BIT(CS_PB_RESOLVER_SERVFAIL);
        if (lv->n_timeout > 0)
            out->problems |= CS_PB_BIT(CS_PB_RESOLVER_TIMEOUT);
        if (lv->n_dnssec > 0)
            out->problems |= CS_PB_BIT(CS_PB_DNSSEC_BOGUS);
        append(d, dsize, &dlen, "; ");
        describe_failures(lv, pool, d, dsize, &dlen);
        append(d, dsize, &dlen, ", %u answered", lv->n_data + lv->n_empty + lv->n_nxdomain);
        /* The lookups of each network view, when the resolvers stand for several. */
        const struct cs_fm_perspectives *ps = pol ? pol->perspectives : NULL;
        if (ps && ps->n >= 2) {
            bool tfail[CS_MAX_ATTEMPTS];
            unsigned via[CS_MAX_ATTEMPTS];
            for (unsigned i = 0; i < lv->ntries && i < CS_MAX_ATTEMPTS; i++) {
                tfail[i] = try_failed(&lv->tries[i]);
                via[i] = lv->tries[i].resolver;
            }
            char note[256];
            cs_fm_level_fail_prob(tfail, via, lv->ntries, ps, 0, 0, note, sizeof(note));
            if (note[0])
                append(d, dsize, &dlen, "; failed by perspective: %s", note);
        }
        deciding = flaky;
        out->deciding = flaky;
    }

    /* NXDOMAIN: the name itself does not exist (its CAA check may still pass). */
    const struct cs_ca_level *top = levels[nlevels - 1];
    if (top->n_nxdomain > 0 && top->n_data + top->n_empty == 0)
        out->problems |= CS_PB_BIT(CS_PB_TLD_NXDOMAIN);
    if (levels[0]->n_nxdomain > 0 && levels[0]->n_data + levels[0]->n_empty == 0) {
        if (status > CS_ST_NXDOMAIN)
            status = CS_ST_NXDOMAIN;
        if (out->problems & CS_PB_BIT(CS_PB_TLD_NXDOMAIN))
            append(d, dsize, &dlen, "; %s does not exist: the TLD %s does not exist", name,
                   top->name);
        else
            append(d, dsize, &dlen, "; %s does not exist (NXDOMAIN)", levels[0]->name);
    }

    fill_rcodes(levels[deciding], out);
    fill_ede(levels[deciding], out);
    out->status = status;
    cs_err err = judge_estimate(out, wildcard, levels, nlevels, NULL, pol, flaky >= 0);
    return err == CS_OK ? build_fix(out, wildcard, levels, nlevels, NULL) : err;
}

cs_err cs_verdict_other_cas(struct cs_verdict *v, const char *name, bool wildcard,
                            struct cs_ca_level *const *levels, size_t nlevels,
                            const struct cs_auth_result *ar, const struct cs_caa_policy *pol,
                            const char *const *cas, size_t n)
{
    free(v->other_cas);
    v->other_cas = NULL;
    if (n == 0)
        return CS_OK;
    size_t size = 1;
    for (size_t i = 0; i < n; i++)
        size += strlen(cas[i]) + sizeof(": unknown; ");
    char *text = malloc(size);
    if (!text)
        return CS_ENOMEM;
    size_t len = 0;
    text[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        struct cs_caa_policy other = {.ca_domain = cas[i],
                                      .validation_method = pol ? pol->validation_method : NULL,
                                      .perspectives = pol ? pol->perspectives : NULL,
                                      .model = pol ? pol->model : NULL};
        if (cs_caa_policy_check(&other, NULL, 0) != CS_OK) {
            free(text);
            return CS_EINVAL;
        }
        struct cs_verdict ov;
        cs_err err = cs_verdict_compute(name, wildcard, levels, nlevels, &other, NULL, &ov);
        if (err == CS_OK && ar)
            err = cs_verdict_add_auth(&ov, wildcard, levels, nlevels, ar, &other);
        if (err == CS_OK)
            append(text, size, &len, "%s%s: %s", i ? "; " : "", cas[i], ov.issuable);
        cs_verdict_clear(&ov);
        if (err != CS_OK) {
            free(text);
            return err;
        }
    }
    v->other_cas = text;
    return CS_OK;
}

void cs_verdict_clear(struct cs_verdict *v)
{
    free(v->caa);
    v->caa = NULL;
    free(v->other_cas);
    v->other_cas = NULL;
    free(v->fix);
    v->fix = NULL;
    free(v->findings);
    v->findings = NULL;
    v->nfindings = 0;
}

size_t cs_verdict_levels_checked(const struct cs_verdict *v, size_t nlevels)
{
    if (v->relevant >= 0)
        return (size_t)v->relevant + 1;
    if (v->status == CS_ST_DNSSEC_BOGUS || v->status == CS_ST_SERVFAIL ||
        v->status == CS_ST_TIMEOUT)
        return (size_t)v->deciding + 1;
    return nlevels;
}

/* Problems the authoritative checks can find: any of them makes a passing name AT_RISK. */
static const cs_problems auth_codes =
    CS_PB_BIT(CS_PB_AUTH_NOTIMP) | CS_PB_BIT(CS_PB_AUTH_REFUSED) | CS_PB_BIT(CS_PB_AUTH_SERVFAIL) |
    CS_PB_BIT(CS_PB_AUTH_FORMERR) | CS_PB_BIT(CS_PB_AUTH_TIMEOUT) |
    CS_PB_BIT(CS_PB_AUTH_NOT_AUTHORITATIVE) | CS_PB_BIT(CS_PB_MISSING_SOA_NEGATIVE) |
    CS_PB_BIT(CS_PB_EMPTY_NOERROR) | CS_PB_BIT(CS_PB_CASE_NOT_PRESERVED) |
    CS_PB_BIT(CS_PB_CASE_SENSITIVE_ANSWER) | CS_PB_BIT(CS_PB_AUTH_INCONSISTENT_CAA) |
    CS_PB_BIT(CS_PB_SOA_SERIAL_MISMATCH) | CS_PB_BIT(CS_PB_NS_SET_MISMATCH) |
    CS_PB_BIT(CS_PB_EDNS_BROKEN) | CS_PB_BIT(CS_PB_TCP_BROKEN) | CS_PB_BIT(CS_PB_INTERMITTENT) |
    CS_PB_BIT(CS_PB_NS_NO_ADDRESS) | CS_PB_BIT(CS_PB_AUTH_MALFORMED);

cs_err cs_verdict_add_auth(struct cs_verdict *v, bool wildcard, struct cs_ca_level *const *levels,
                           size_t nlevels, const struct cs_auth_result *ar,
                           const struct cs_caa_policy *pol)
{
    size_t n = ar->nlevels < nlevels ? ar->nlevels : nlevels;
    cs_problems found = 0;
    /* The model's sentence ends the detail: it is said again, with the servers counted. */
    if (v->model_at >= 0 && (size_t)v->model_at < sizeof(v->detail))
        v->detail[v->model_at] = '\0';
    v->model_at = -1;
    size_t dlen = strlen(v->detail);
    char *d = v->detail;
    size_t dsize = sizeof(v->detail);

    /* Resolvers saw a forbidding set where the servers disagree: the server that returns it is
     * the one to name. */
    if (v->status == CS_ST_CAA_FORBIDS && !v->forbid_server[0] && v->relevant >= 0 &&
        (size_t)v->relevant < n && v->caa) {
        const struct cs_auth_qname *q = ar->qnames[v->relevant];
        for (unsigned k = 0; q && q->done && q->nsets > 1 && k < q->nsets; k++) {
            struct cs_verdict tmp = {.caa = NULL};
            if (format_set(q->sets[k], &tmp) != CS_OK) {
                free(tmp.caa);
                return CS_ENOMEM;
            }
            bool same = strcmp(tmp.caa, v->caa) == 0;
            free(tmp.caa);
            if (same) {
                const struct cs_auth_server *s = &q->zone->servers[q->set_server[k]];
                snprintf(v->forbid_server, sizeof(v->forbid_server), "%s", s->ns);
                snprintf(v->forbid_ip, sizeof(v->forbid_ip), "%s", s->ip);
                break;
            }
        }
    }
    /* The worst server's data: a set some server returns, up to the relevant level. */
    if (v->status > CS_ST_CAA_FORBIDS) {
        for (size_t i = 0; i < n; i++) {
            const struct cs_auth_qname *q = ar->qnames[i];
            if (!q || !q->done)
                continue;
            for (unsigned k = 0; k < q->nsets; k++) {
                struct cs_caa_verdict cv;
                cs_err err = evaluate_set(q->sets[k], wildcard, pol, &cv);
                if (err != CS_OK)
                    return err;
                if (cv.authorized)
                    continue;
                const struct cs_auth_server *s = &q->zone->servers[q->set_server[k]];
                char *old = v->caa;
                v->caa = NULL;
                if (format_set(q->sets[k], v) != CS_OK) {
                    v->caa = old;
                    return CS_ENOMEM;
                }
                free(old);
                v->status = CS_ST_CAA_FORBIDS;
                v->problems |= cv.problems;
                snprintf(v->forbid_server, sizeof(v->forbid_server), "%s", s->ns);
                snprintf(v->forbid_ip, sizeof(v->forbid_ip), "%s", s->ip);
                v->relevant = (int)i;
                v->deciding = (int)i;
                snprintf(v->caa_owner, sizeof(v->caa_owner), "%s", levels[i]->name);
                char prev[sizeof(v->detail)];
                snprintf(prev, sizeof(prev), "%s", v->detail);
                dlen = 0;
                d[0] = '\0';
                append(d, dsize, &dlen, "%s (CAA at %s from %s (%s)); resolvers saw: %s", cv.reason,
                       levels[i]->name, s->ns, s->ip, prev);
                goto judged;
            }
        }
    }
judged:
    for (size_t i = 0; i < n; i++) {
        const struct cs_auth_zone *z = ar->zones[i];
        bool seen = false;
        for (size_t j = 0; j < i; j++)
            seen |= ar->zones[j] == z;
        if (z && !seen && z->done) {
            found |= z->problems;
            if (z->detail.len)
                append(d, dsize, &dlen, "; %s", z->detail.data);
        }
        const struct cs_auth_qname *q = ar->qnames[i];
        if (q && q->done) {
            found |= q->problems;
            /* A server's clause is told once: skip what its zone's sentence says already. */
            for (size_t k = 0; q->server_detail && k < q->zone->nservers; k++)
                if (q->server_detail[k] &&
                    (q->server_probs[k] & ~q->zone->servers[k].zone_described) != 0)
                    append(d, dsize, &dlen, "; %s", q->server_detail[k]);
            if (q->detail.len)
                append(d, dsize, &dlen, "; %s", q->detail.data);
        }
    }
    /* Resolvers that returned different sets are explained, deterministically, by servers that
     * disagree: the run-to-run luck of which server a resolver asked is not a finding. */
    if (v->intermittent_from_sets && (found & CS_PB_BIT(CS_PB_AUTH_INCONSISTENT_CAA)))
        v->problems &= ~CS_PB_BIT(CS_PB_INTERMITTENT);
    v->problems |= found;
    if (v->status == CS_ST_OK && (found & auth_codes))
        v->status = CS_ST_AT_RISK;
    bool flaky = false;
    for (size_t i = 0; i < nlevels && (int)i <= (v->relevant >= 0 ? v->relevant : (int)i); i++)
        flaky |= level_failed_some(levels[i]) && !level_failed_all(levels[i]);
    cs_err err = judge_estimate(v, wildcard, levels, nlevels, ar, pol, flaky);
    return err == CS_OK ? build_fix(v, wildcard, levels, nlevels, ar) : err;
}

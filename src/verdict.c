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

cs_err cs_verdict_compute(const char *name, bool wildcard, struct cs_ca_level *const *levels,
                          size_t nlevels, const struct cs_caa_policy *pol,
                          const struct cs_resolver_pool *pool, struct cs_verdict *out)
{
    memset(out, 0, sizeof(*out));
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
        if (!cv.authorized) {
            status = CS_ST_CAA_FORBIDS;
            out->fail_pct = 100.0;
        }
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
        if (status == CS_ST_FLAKY) {
            /* How often the CA's multi-perspective check fails at that rate (fail_model.h);
             * near certain failure keeps the failing status. */
            unsigned R = CS_FM_REMOTES_DEFAULT, f = cs_fm_allowed_failures(R);
            bool tfail[CS_MAX_ATTEMPTS];
            unsigned via[CS_MAX_ATTEMPTS];
            for (unsigned i = 0; i < lv->ntries && i < CS_MAX_ATTEMPTS; i++) {
                tfail[i] = try_failed(&lv->tries[i]);
                via[i] = lv->tries[i].resolver;
            }
            char note[256];
            const struct cs_fm_perspectives *ps = pol ? pol->perspectives : NULL;
            double pct = cs_fm_round_pct(100.0 * cs_fm_level_fail_prob(tfail, via, lv->ntries, ps,
                                                                       R, f, note, sizeof(note)));
            out->fail_pct = pct;
            if (note[0])
                append(d, dsize, &dlen, "; failed by perspective: %s", note);
            append(d, dsize, &dlen,
                   "; with a primary and %u remote perspectives allowing %u failure%s, about "
                   "%.0f %% of issuance attempts would fail",
                   R, f, f == 1 ? "" : "s", pct);
            if (cs_fm_classify(pct, CS_FM_PASS_MAX_PCT_DEFAULT, CS_FM_FAIL_MIN_PCT_DEFAULT) ==
                CS_FM_FAIL)
                status = lv->n_dnssec > 0  ? CS_ST_DNSSEC_BOGUS
                         : lv->n_error > 0 ? CS_ST_SERVFAIL
                                           : CS_ST_TIMEOUT;
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
    out->issuable = cs_status_issuable(status);
    return build_fix(out, wildcard, levels, nlevels, NULL);
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
                                      .perspectives = pol ? pol->perspectives : NULL};
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
                v->fail_pct = 100.0;
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
    v->issuable = cs_status_issuable(v->status);
    return build_fix(v, wildcard, levels, nlevels, ar);
}

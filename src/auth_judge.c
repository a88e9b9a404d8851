/*
 * auth_judge.c -- reading the replies of authoritative servers and judging them (auth.h): what
 * each reply says, what each server did wrong to each question, and where servers disagree.
 *
 * A reply's findings: a timeout is AUTH_TIMEOUT (over TCP: TCP_BROKEN), a failed TCP retry of a
 * truncated answer TCP_BROKEN, an unparseable reply AUTH_MALFORMED, an echo in another case
 * CASE_NOT_PRESERVED, the RCODEs NOTIMP, REFUSED, SERVFAIL and FORMERR their AUTH_ codes; a
 * NOERROR or NXDOMAIN answer without AA is AUTH_NOT_AUTHORITATIVE, a negative one without the
 * SOA MISSING_SOA_NEGATIVE, and one with no record at all, OPT included, EMPTY_NOERROR. Replies
 * of one server to one question that differ between tries are INTERMITTENT. A send that fails on
 * this machine (no route, say) is not held against the server.
 */
#include "auth_judge.h"
#include "caascan/caa.h"
#include "caascan/hash.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading --------------------------------------------------------------------------- */

cs_err cs_auth_addr_from_rdf(const ldns_rdf *rdf, struct cs_addr *out)
{
    memset(out, 0, sizeof(*out));
    size_t len = 0;
    struct sockaddr_storage *ss = ldns_rdf2native_sockaddr_storage(rdf, 53, &len);
    if (!ss)
        return CS_EINVAL; /* not an A or AAAA rdata */
    memcpy(&out->ss, ss, len < sizeof(out->ss) ? len : sizeof(out->ss));
    out->len = (socklen_t)len;
    free(ss);
    return CS_OK;
}

bool cs_auth_owner_is(const ldns_rr *rr, const char *name)
{
    return cs_dname_is(ldns_rr_owner(rr), name);
}

void cs_auth_referral_clear(struct auth_referral *ref)
{
    for (size_t i = 0; i < ref->nns; i++)
        free(ref->ns[i]);
    free(ref->ns);
    cs_auth_glue_clear(&ref->glue);
    free(ref->apex);
    ref->ns = NULL;
    ref->apex = NULL;
    ref->nns = 0;
}

cs_err cs_auth_read_referral(const ldns_pkt *pkt, const char *name, const char *parent_apex,
                             struct auth_referral *ref)
{
    ref->kind = AUTH_REF_NONE;
    ldns_pkt_rcode rc = ldns_pkt_get_rcode(pkt);
    if (rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN)
        return CS_OK;
    if (ldns_pkt_aa(pkt)) {
        /* The parent answers for the name itself: no delegation on the way. */
        ref->kind = AUTH_REF_IN_PARENT;
        return CS_OK;
    }
    const ldns_rr_list *ns = ldns_pkt_authority(pkt);
    for (size_t i = 0; i < ldns_rr_list_rr_count(ns); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(ns, i);
        if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS || ldns_rr_rd_count(rr) != 1)
            continue;
        char *owner = cs_dname_text(ldns_rr_owner(rr));
        if (!owner)
            return CS_ENOMEM;
        bool child = owner[0] && strcmp(owner, parent_apex) != 0 && cs_auth_name_in(name, owner) &&
                     cs_auth_name_in(owner, parent_apex);
        if (!child || (ref->apex && strcmp(ref->apex, owner) != 0)) {
            free(owner);
            continue;
        }
        if (!ref->apex)
            ref->apex = owner;
        else
            free(owner);
        char *target = cs_dname_text(ldns_rr_rdf(rr, 0));
        char **v = realloc(ref->ns, (ref->nns + 1) * sizeof(*v));
        if (!target || !v) {
            free(target);
            if (v)
                ref->ns = v;
            return CS_ENOMEM;
        }
        ref->ns = v;
        v[ref->nns++] = target;
    }
    if (!ref->apex)
        return CS_OK;
    ref->kind = AUTH_REF_CHILD;
    const ldns_rr_list *ar = ldns_pkt_additional(pkt);
    for (size_t i = 0; i < ldns_rr_list_rr_count(ar); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(ar, i);
        ldns_rr_type ty = ldns_rr_get_type(rr);
        struct cs_addr ad;
        if ((ty != LDNS_RR_TYPE_A && ty != LDNS_RR_TYPE_AAAA) || ldns_rr_rd_count(rr) != 1 ||
            cs_auth_addr_from_rdf(ldns_rr_rdf(rr, 0), &ad) != CS_OK)
            continue;
        char *owner = cs_dname_text(ldns_rr_owner(rr));
        bool listed = false;
        for (size_t k = 0; owner && k < ref->nns; k++)
            listed |= strcmp(ref->ns[k], owner) == 0;
        if (listed)
            cs_auth_glue_add(&ref->glue, owner, &ad); /* out of memory: that glue is missing */
        else
            free(owner);
    }
    return CS_OK;
}

cs_err cs_auth_glue_add(struct auth_glue *g, char *name, const struct cs_addr *addr)
{
    struct cs_addr *a = realloc(g->addr, (g->n + 1) * sizeof(*a));
    if (a)
        g->addr = a;
    char **nv = a ? realloc(g->name, (g->n + 1) * sizeof(*nv)) : NULL;
    if (!nv) {
        free(name);
        return CS_ENOMEM;
    }
    g->name = nv;
    a[g->n] = *addr;
    nv[g->n++] = name;
    return CS_OK;
}

void cs_auth_glue_clear(struct auth_glue *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->name[i]);
    free(g->name);
    free(g->addr);
    memset(g, 0, sizeof(*g));
}

void cs_auth_read_reply(const struct cs_answer *ans, uint16_t qtype, const char *apex,
                        struct cs_auth_reply *r)
{
    memset(r, 0, sizeof(*r));
    r->outcome = (uint8_t)ans->outcome;
    r->rcode = -1;
    r->truncated = ans->truncated;
    r->rtt_us = ans->pkt ? ans->rtt_us : 0;
    for (size_t i = 0; ans->sent_qname && i < ans->sent_qname_len; i++)
        r->upper |= ans->sent_qname[i] >= 'A' && ans->sent_qname[i] <= 'Z';
    if (!ans->pkt) {
        r->shape = CS_SHAPE_NONE;
        return;
    }
    const ldns_pkt *p = ans->pkt;
    r->rcode = (int16_t)ans->rcode;
    r->aa = ldns_pkt_aa(p);
    const ldns_rr_list *an = ldns_pkt_answer(p), *ns = ldns_pkt_authority(p),
                       *ar = ldns_pkt_additional(p);
    size_t nan = 0, nns_child = 0;
    for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
        ldns_rr_type ty = ldns_rr_get_type(ldns_rr_list_rr(an, i));
        nan += ty == qtype || ty == LDNS_RR_TYPE_CNAME || ty == LDNS_RR_TYPE_DNAME;
    }
    for (size_t i = 0; i < ldns_rr_list_rr_count(ns); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(ns, i);
        ldns_rr_type ty = ldns_rr_get_type(rr);
        if (ty == LDNS_RR_TYPE_SOA)
            r->soa = true;
        else if (ty == LDNS_RR_TYPE_NS && !cs_auth_owner_is(rr, apex))
            nns_child++;
    }
    r->sig = cs_caa_set_hash(an);
    if (ans->rcode == LDNS_RCODE_NXDOMAIN)
        r->shape = CS_SHAPE_NXDOMAIN;
    else if (ans->rcode != LDNS_RCODE_NOERROR)
        r->shape = CS_SHAPE_ERROR;
    else if (nan > 0)
        r->shape = CS_SHAPE_ANSWER;
    else if (ldns_rr_list_rr_count(an) + ldns_rr_list_rr_count(ns) + ldns_rr_list_rr_count(ar) ==
                 0 &&
             !ldns_pkt_edns(p))
        r->shape = CS_SHAPE_EMPTY;
    else if (!r->aa && nns_child > 0)
        r->shape = CS_SHAPE_REFERRAL;
    else
        r->shape = CS_SHAPE_NODATA;
}

int cs_auth_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void cs_auth_note_server_data(struct cs_auth_server *s, const ldns_pkt *pkt, uint16_t qtype,
                              const struct cs_auth_reply *r)
{
    if (r->shape != CS_SHAPE_ANSWER)
        return;
    const ldns_rr_list *an = ldns_pkt_answer(pkt);
    const char *apex = s->zone->apex;
    if (qtype == LDNS_RR_TYPE_SOA && !s->has_serial) {
        for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
            const ldns_rr *rr = ldns_rr_list_rr(an, i);
            if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && ldns_rr_rd_count(rr) >= 3 &&
                cs_auth_owner_is(rr, apex)) {
                s->serial = ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
                s->has_serial = true;
                break;
            }
        }
    } else if (qtype == LDNS_RR_TYPE_NS && !s->has_ns) {
        size_t n = 0;
        char **names = calloc(ldns_rr_list_rr_count(an) + 1, sizeof(*names));
        for (size_t i = 0; names && i < ldns_rr_list_rr_count(an); i++) {
            const ldns_rr *rr = ldns_rr_list_rr(an, i);
            if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NS && ldns_rr_rd_count(rr) == 1 &&
                cs_auth_owner_is(rr, apex) && (names[n] = cs_dname_text(ldns_rr_rdf(rr, 0))))
                n++;
        }
        if (!names)
            return;
        qsort(names, n, sizeof(*names), cs_auth_cmp_str);
        cs_strbuf b = {0};
        static const uint8_t end = 0xff; /* after each name */
        uint64_t h = CS_FNV1A64_BASIS;
        for (size_t i = 0; i < n; i++) {
            if (i > 0 && strcmp(names[i], names[i - 1]) == 0)
                continue;
            cs_strbuf_printf(&b, "%s%s", b.len ? ";" : "", names[i]);
            h = cs_fnv1a64_add(h, names[i], strlen(names[i]));
            h = cs_fnv1a64_add(h, &end, 1);
        }
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        s->ns_set = b.data ? b.data : strdup("");
        s->ns_hash = h;
        s->has_ns = s->ns_set != NULL;
    }
}

bool cs_auth_note_negative_serial(struct cs_auth_server *s, const ldns_pkt *pkt,
                                  const struct cs_auth_reply *r)
{
    if (!r->soa || (r->shape != CS_SHAPE_NODATA && r->shape != CS_SHAPE_NXDOMAIN))
        return false;
    const ldns_rr_list *ns = ldns_pkt_authority(pkt);
    for (size_t i = 0; i < ldns_rr_list_rr_count(ns); i++) {
        const ldns_rr *rr = ldns_rr_list_rr(ns, i);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && ldns_rr_rd_count(rr) >= 3 &&
            cs_auth_owner_is(rr, s->zone->apex)) {
            if (!s->has_serial) {
                s->serial = ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
                s->has_serial = true;
            }
            return true;
        }
    }
    return false;
}

void cs_auth_qname_keep_set(struct cs_auth_qname *q, const ldns_pkt *pkt, unsigned server)
{
    const ldns_rr_list *an = ldns_pkt_answer(pkt);
    uint64_t h = cs_caa_set_hash(an);
    for (unsigned i = 0; i < q->nsets; i++)
        if (cs_caa_set_hash(q->sets[i]) == h)
            return;
    ldns_rr_list **v = realloc(q->sets, (q->nsets + 1) * sizeof(*v));
    if (v)
        q->sets = v;
    unsigned *sv = v ? realloc(q->set_server, (q->nsets + 1) * sizeof(*sv)) : NULL;
    if (sv)
        q->set_server = sv;
    ldns_rr_list *copy = sv ? cs_caa_set_copy(an, NULL) : NULL;
    if (!copy)
        return;
    q->sets[q->nsets] = copy;
    q->set_server[q->nsets++] = server;
}

void cs_auth_take_reply(struct cs_auth_server *s, struct cs_auth_qname *q, uint16_t qtype,
                        const struct cs_answer *ans, struct cs_auth_reply *r)
{
    cs_auth_read_reply(ans, qtype, s->zone->apex, r);
    if (ans->pkt)
        cs_auth_note_server_data(s, ans->pkt, qtype, r);
    if (q && ans->pkt && r->sig)
        cs_auth_qname_keep_set(q, ans->pkt, (unsigned)(s - s->zone->servers));
    if (r->rtt_us && s->nrtt < sizeof(s->rtt_ms) / sizeof(s->rtt_ms[0]))
        s->rtt_ms[s->nrtt++] = (r->rtt_us + 500) / 1000;
}

/* ---- judging one question at one server ------------------------------------------------ */

/* A reply that says something about the server (not a send that failed here, not unsent). */
static bool usable(const struct cs_auth_reply *r)
{
    return r->outcome != CS_OUT_NETERR && r->outcome != CS_OUT_CANCELLED && r->outcome != 0xff;
}

/* NOERROR or NXDOMAIN: an answer a CA's resolver can use (whatever else is wrong with it). */
static bool good(const struct cs_auth_reply *r)
{
    return (r->outcome == CS_OUT_ANSWER || r->outcome == CS_OUT_CASE_MISMATCH) &&
           (r->rcode == LDNS_RCODE_NOERROR || r->rcode == LDNS_RCODE_NXDOMAIN);
}

/* What two replies must share to be "the same answer": the data, or the kind of failure. */
static uint64_t reply_key(const struct cs_auth_reply *r)
{
    if (good(r))
        return ((uint64_t)(r->rcode == LDNS_RCODE_NXDOMAIN) << 63) ^ (r->sig >> 1);
    return 0x4000000000000000ULL | ((uint64_t)r->outcome << 16) | (uint16_t)r->rcode;
}

static cs_problems reply_codes(const struct cs_auth_reply *r, bool over_tcp)
{
    if (!usable(r))
        return 0;
    switch (r->outcome) {
    case CS_OUT_TIMEOUT:
        return CS_PB_BIT(over_tcp ? CS_PB_TCP_BROKEN : CS_PB_AUTH_TIMEOUT);
    case CS_OUT_TCP_FAILED:
        return CS_PB_BIT(CS_PB_TCP_BROKEN);
    case CS_OUT_MALFORMED:
        return CS_PB_BIT(CS_PB_AUTH_MALFORMED);
    default:
        break;
    }
    cs_problems p = r->outcome == CS_OUT_CASE_MISMATCH ? CS_PB_BIT(CS_PB_CASE_NOT_PRESERVED) : 0;
    switch (r->rcode) {
    case LDNS_RCODE_NOERROR:
    case LDNS_RCODE_NXDOMAIN:
        if (r->shape == CS_SHAPE_EMPTY)
            p |= CS_PB_BIT(CS_PB_EMPTY_NOERROR);
        else if ((r->shape == CS_SHAPE_NODATA || r->shape == CS_SHAPE_NXDOMAIN) && !r->soa)
            p |= CS_PB_BIT(CS_PB_MISSING_SOA_NEGATIVE);
        if (!r->aa && r->shape != CS_SHAPE_REFERRAL)
            p |= CS_PB_BIT(CS_PB_AUTH_NOT_AUTHORITATIVE);
        break;
    case LDNS_RCODE_NOTIMPL:
        p |= CS_PB_BIT(CS_PB_AUTH_NOTIMP);
        break;
    case LDNS_RCODE_REFUSED:
        p |= CS_PB_BIT(CS_PB_AUTH_REFUSED);
        break;
    case LDNS_RCODE_FORMERR:
        p |= CS_PB_BIT(CS_PB_AUTH_FORMERR);
        break;
    case 16: /* BADVERS: the server does not take our EDNS version */
        p |= CS_PB_BIT(CS_PB_EDNS_BROKEN);
        break;
    default: /* SERVFAIL and any other error */
        p |= CS_PB_BIT(CS_PB_AUTH_SERVFAIL);
        break;
    }
    return p;
}

/* "192.0.2.53" or "no address" with the nameserver name: "ns1.example.net (192.0.2.53)". */
static void server_label(const struct cs_auth_server *s, cs_strbuf *b)
{
    cs_strbuf_printf(b, "%s (%s)", s->ns ? s->ns : "?", s->ip[0] ? s->ip : "no address");
}

static const char *rcode_text(int rcode, char *buf, size_t size)
{
    return rcode < 0 ? "no answer" : cs_rcode_name((unsigned)rcode, buf, size);
}

/*
 * Judges the n replies of one server to one question (qtype at name) and appends, when something
 * is wrong, "ns (ip) <what it did>" to out. Returns the findings.
 */
static cs_problems judge_question(const struct cs_auth_server *s, const struct cs_auth_reply *rs,
                                  size_t n, const char *qtype, const char *name, cs_strbuf *out,
                                  cs_problems *described)
{
    cs_problems codes = 0;
    unsigned used = 0, timeouts = 0, tcpfail = 0, malformed = 0, caseq = 0, noaa = 0, nosoa = 0,
             empty = 0;
    unsigned nerr = 0;
    int err_rcode[8];
    unsigned err_count[8];
    uint64_t first_key = 0;
    bool differ = false;
    for (size_t i = 0; i < n; i++) {
        const struct cs_auth_reply *r = &rs[i];
        if (!usable(r))
            continue;
        cs_problems p = reply_codes(r, false);
        codes |= p;
        uint64_t k = reply_key(r);
        if (used++ == 0)
            first_key = k;
        else if (k != first_key)
            differ = true;
        timeouts += r->outcome == CS_OUT_TIMEOUT;
        tcpfail += r->outcome == CS_OUT_TCP_FAILED;
        malformed += r->outcome == CS_OUT_MALFORMED;
        caseq += r->outcome == CS_OUT_CASE_MISMATCH;
        noaa += (p & CS_PB_BIT(CS_PB_AUTH_NOT_AUTHORITATIVE)) != 0;
        nosoa += (p & CS_PB_BIT(CS_PB_MISSING_SOA_NEGATIVE)) != 0;
        empty += (p & CS_PB_BIT(CS_PB_EMPTY_NOERROR)) != 0;
        if (r->rcode > 0 && r->rcode != LDNS_RCODE_NXDOMAIN) {
            unsigned k2 = 0;
            while (k2 < nerr && err_rcode[k2] != r->rcode)
                k2++;
            if (k2 == nerr && nerr < 8) {
                err_rcode[nerr] = r->rcode;
                err_count[nerr++] = 0;
            }
            if (k2 < nerr)
                err_count[k2]++;
        }
    }
    if (differ)
        codes |= CS_PB_BIT(CS_PB_INTERMITTENT);
    if (!codes || !out || (described && (codes & ~*described) == 0))
        return codes;
    /* One clause a server: "ns (ip) did this, did that". */
    const char *sep = ", ";
    if (!out->len) {
        server_label(s, out);
        sep = " ";
    }
    if (described)
        *described |= codes;
    char rb[16];
    for (unsigned k = 0; k < nerr; k++) {
        cs_strbuf_printf(out, "%sanswered %s to %u of %u %s queries for %s", sep,
                         rcode_text(err_rcode[k], rb, sizeof(rb)), err_count[k], used, qtype, name);
        sep = ", ";
    }
    if (timeouts) {
        cs_strbuf_printf(out, "%sdid not answer %u of %u %s queries for %s", sep, timeouts, used,
                         qtype, name);
        sep = ", ";
    }
    if (tcpfail) {
        cs_strbuf_printf(out, "%struncated %s %s over UDP and failed over TCP", sep, qtype, name);
        sep = ", ";
    }
    if (malformed) {
        cs_strbuf_printf(out, "%ssent %u malformed replies to %s %s", sep, malformed, qtype, name);
        sep = ", ";
    }
    if (caseq) {
        cs_strbuf_printf(out, "%sdid not echo the 0x20 case of %s %s", sep, qtype, name);
        sep = ", ";
    }
    if (noaa) {
        cs_strbuf_printf(out, "%sanswered %s %s without the AA bit", sep, qtype, name);
        sep = ", ";
    }
    if (nosoa) {
        cs_strbuf_printf(out, "%sgave a negative answer to %s %s without the zone's SOA", sep,
                         qtype, name);
        sep = ", ";
    }
    if (empty) {
        cs_strbuf_printf(out, "%sanswered %s %s with an empty NOERROR (no record, no OPT)", sep,
                         qtype, name);
        sep = ", ";
    }
    if (differ && !nerr && !timeouts && !tcpfail && !malformed)
        cs_strbuf_printf(out, "%sgave different answers to %s %s between tries", sep, qtype, name);
    return codes;
}

/* Adds a server's findings to the per-server table: the clause is kept once per new code. */
static void server_note(struct cs_auth_server *s, cs_problems codes, const char *clause)
{
    bool fresh = (codes & ~s->findings) != 0;
    s->findings |= codes;
    if (!fresh || !clause || !clause[0])
        return;
    /* The clause starts with the server's own label: the table row names it already. */
    size_t skip = strlen(s->ns ? s->ns : "?") + strlen(s->ip[0] ? s->ip : "no address") + 4;
    const char *what = strlen(clause) > skip ? clause + skip : clause;
    if (s->detail.len)
        cs_strbuf_puts(&s->detail, "; ");
    cs_strbuf_puts(&s->detail, what);
}

/* Starts another clause of the same server's sentence: ", " or the label. */
static void clause_next(const struct cs_auth_server *s, cs_strbuf *b)
{
    if (b->len)
        cs_strbuf_puts(b, ",");
    else
        server_label(s, b);
}

/* ---- a zone ---------------------------------------------------------------------------- */

/* Marks the servers whose value differs from the most common one (all of them on a tie), in
 * their findings and, when given, in marked[server]. */
static void mark_minority(struct cs_auth_zone *z, const uint64_t *vals, const bool *has,
                          cs_problem code, bool *marked)
{
    size_t best = 0, best_count = 0;
    bool tie = false;
    for (size_t i = 0; i < z->nservers; i++) {
        if (!has[i])
            continue;
        size_t c = 0;
        for (size_t j = 0; j < z->nservers; j++)
            c += has[j] && vals[j] == vals[i];
        if (c > best_count) {
            best_count = c;
            best = i;
            tie = false;
        } else if (c == best_count && vals[i] != vals[best]) {
            tie = true;
        }
    }
    for (size_t i = 0; i < z->nservers; i++)
        if (has[i] && (tie || vals[i] != vals[best])) {
            z->servers[i].findings |= CS_PB_BIT(code);
            if (marked)
                marked[i] = true;
        }
}

/* Compares one value between servers; appends "what of Z differ: v at ns (ip), ..." */
static bool compare_servers(struct cs_auth_zone *z, const uint64_t *vals, const bool *has,
                            cs_problem code, const char *what, const char *const *texts)
{
    size_t first = z->nservers;
    bool differ = false;
    for (size_t i = 0; i < z->nservers; i++) {
        if (!has[i])
            continue;
        if (first == z->nservers)
            first = i;
        else if (vals[i] != vals[first])
            differ = true;
    }
    if (!differ)
        return false;
    z->problems |= CS_PB_BIT(code);
    mark_minority(z, vals, has, code, NULL);
    if (z->detail.len)
        cs_strbuf_puts(&z->detail, "; ");
    cs_strbuf_printf(&z->detail, "%s of %s differ:", what, z->apex);
    const char *sep = " ";
    for (size_t i = 0; i < z->nservers; i++) {
        if (!has[i])
            continue;
        bool shown = false;
        for (size_t j = 0; j < i; j++)
            shown |= has[j] && vals[j] == vals[i];
        if (shown)
            continue;
        cs_strbuf_printf(&z->detail, "%s%s at ", sep, texts[i]);
        server_label(&z->servers[i], &z->detail);
        for (size_t j = i + 1; j < z->nservers; j++)
            if (has[j] && vals[j] == vals[i]) {
                cs_strbuf_puts(&z->detail, ", ");
                server_label(&z->servers[j], &z->detail);
            }
        sep = "; ";
    }
    return true;
}

/* A server's answers to the questions that belong to the server program rather than to a zone. */
struct wide_in {
    const struct cs_auth_reply *mixed;      /* the apex's CAA in mixed case, `tries` of them */
    const struct cs_auth_reply *edns_first; /* a query with EDNS, for the sentence */
    bool alive;                             /* some query over UDP got a reply */
    bool edns_ok;                           /* some query with EDNS got NOERROR or NXDOMAIN */
    const char *apex;                       /* where they were asked; NULL: "a zone apex" */
};

/*
 * Judges server s's SOA over TCP without EDNS, SOA without EDNS and CAA in lower case at the apex
 * (p: its zone probes) against what its other replies showed (codes; cover: what they tell
 * already). TCP_BROKEN when UDP answers and TCP does not, EDNS_BROKEN when every query with EDNS
 * fails and the one without works, CASE_SENSITIVE_ANSWER when the lower-case CAA differs from the
 * mixed-case ones (which agree), and what the TCP and lower-case replies show on their own. Appends
 * the clauses to clause (what it tells to described) and returns the findings.
 */
static cs_problems judge_wide(const struct cs_auth_server *s, const struct cs_auth_reply *p,
                              const struct wide_in *w, unsigned tries, cs_problems codes,
                              cs_problems cover, cs_problems *described, cs_strbuf *clause)
{
    cs_problems found = 0;
    char rb[16], rb2[16], where[300];
    const char *apex = w->apex ? w->apex : "a zone apex";
    cs_problems before = cover;
    snprintf(where, sizeof(where), "%s%s", apex, w->apex ? "" : " in lower case");
    cs_problems lower =
        judge_question(s, &p[AUTH_PROBE_LOWER(tries)], 1, "CAA", where, clause, &cover);
    found |= lower;
    if (cover != before)
        *described |= lower; /* told here */
    const struct cs_auth_reply *ne = &p[AUTH_PROBE_NOEDNS(tries)];
    const struct cs_auth_reply *tcp = &p[AUTH_PROBE_TCP(tries)];
    if (w->alive && usable(tcp) && tcp->rcode < 0) {
        /* TC, then TCP failed: told already */
        bool told = ((codes | found) & CS_PB_BIT(CS_PB_TCP_BROKEN)) != 0;
        found |= CS_PB_BIT(CS_PB_TCP_BROKEN);
        if (!told) {
            clause_next(s, clause);
            if (w->apex)
                cs_strbuf_printf(clause, " does not answer SOA %s over TCP (%s)", apex,
                                 cs_outcome_name((cs_outcome)tcp->outcome));
            else
                cs_strbuf_printf(clause, " does not answer SOA over TCP (%s)",
                                 cs_outcome_name((cs_outcome)tcp->outcome));
        }
    } else if (tcp->rcode >= 0) {
        /* An answer over TCP is judged like the others (told unless said already). */
        snprintf(where, sizeof(where), "%s over TCP", apex);
        found |= judge_question(s, tcp, 1, "SOA", where, clause, described);
    }
    if (!w->edns_ok && good(ne)) {
        const struct cs_auth_reply *e = w->edns_first;
        found |= CS_PB_BIT(CS_PB_EDNS_BROKEN);
        clause_next(s, clause);
        if (w->apex)
            cs_strbuf_printf(clause, " answers %s to SOA %s with EDNS and %s without",
                             e->rcode >= 0 ? rcode_text(e->rcode, rb, sizeof(rb)) : "nothing", apex,
                             rcode_text(ne->rcode, rb2, sizeof(rb2)));
        else
            cs_strbuf_printf(clause, " answers %s to queries with EDNS and %s to SOA without",
                             e->rcode >= 0 ? rcode_text(e->rcode, rb, sizeof(rb)) : "nothing",
                             rcode_text(ne->rcode, rb2, sizeof(rb2)));
    }
    /* Case: the apex's CAA answers with upper-case letters in the name against the one asked in
     * lower case. */
    const struct cs_auth_reply *lo = &p[AUTH_PROBE_LOWER(tries)];
    if (w->mixed && good(lo)) {
        uint64_t key = 0;
        unsigned seen = 0;
        bool consistent = true;
        for (unsigned t = 0; t < tries; t++) {
            const struct cs_auth_reply *r = &w->mixed[t];
            if (!usable(r))
                continue;
            if (!good(r))
                consistent = false; /* a failure: nothing to compare against */
            if (!good(r) || !r->upper)
                continue;
            if (seen++ == 0)
                key = reply_key(r);
            else if (reply_key(r) != key)
                consistent = false;
        }
        if (seen && consistent && key != reply_key(lo)) {
            const struct cs_auth_reply *r = NULL;
            for (unsigned t = 0; t < tries && !r; t++)
                if (w->mixed[t].upper && good(&w->mixed[t]))
                    r = &w->mixed[t];
            found |= CS_PB_BIT(CS_PB_CASE_SENSITIVE_ANSWER);
            clause_next(s, clause);
            cs_strbuf_printf(clause,
                             " answers CAA %s%s with %s%s when the name has upper-case letters "
                             "and %s%s in lower case",
                             w->apex ? "" : "at ", apex, rcode_text(r->rcode, rb, sizeof(rb)),
                             r->sig ? " and records" : "", rcode_text(lo->rcode, rb2, sizeof(rb2)),
                             lo->sig ? " and records" : "");
        }
    }
    return found;
}

/* The codes that only the questions of judge_wide find. */
static const cs_problems wide_codes = CS_PB_BIT(CS_PB_TCP_BROKEN) | CS_PB_BIT(CS_PB_EDNS_BROKEN) |
                                      CS_PB_BIT(CS_PB_CASE_SENSITIVE_ANSWER);

void cs_auth_judge_address(struct auth_addr *ad, unsigned tries)
{
    struct cs_auth_zone *z = ad->zone;
    const struct cs_auth_server *s = &z->servers[ad->server];
    const struct cs_auth_reply *p = s->probes;
    const struct cs_auth_qname *aq = z->priv ? z->priv->apex_q : NULL;
    const struct cs_auth_reply *mixed = aq && aq->replies ? &aq->replies[ad->server * tries] : NULL;
    const struct cs_auth_reply *ns = &p[AUTH_PROBE_NS(tries)];
    /* What the zone's own queries with EDNS at this address showed: NS and the apex's CAA. */
    bool alive = ns->rcode >= 0 || ns->truncated || p[AUTH_PROBE_NOEDNS(tries)].rcode >= 0;
    bool edns_ok = good(ns);
    for (unsigned t = 0; mixed && t < tries; t++) {
        alive |= mixed[t].rcode >= 0 || mixed[t].truncated;
        edns_ok |= good(&mixed[t]);
    }
    cs_problems base = judge_question(s, ns, 1, "NS", z->apex, NULL, NULL) |
                       (mixed ? judge_question(s, mixed, tries, "CAA", z->apex, NULL, NULL) : 0);
    struct wide_in w = {
        .mixed = mixed, .edns_first = ns, .alive = alive, .edns_ok = edns_ok, .apex = NULL};
    cs_strbuf clause = {0};
    cs_problems described = base;
    cs_problems found = judge_wide(s, p, &w, tries, base, base, &described, &clause);
    /* What the zone's own replies show is the zone's (every zone asks those questions itself);
     * the rest belongs to the address. */
    ad->codes = (found & ~base) | (found & wide_codes);
    free(ad->text);
    ad->text = NULL;
    if (ad->codes && clause.len) {
        /* The clause starts with the server's label: each zone's row puts its own. */
        cs_strbuf label = {0};
        server_label(s, &label);
        size_t skip = label.len + 1;
        ad->text = strdup(clause.len > skip ? clause.data + skip : clause.data);
        cs_strbuf_free(&label);
    }
    cs_strbuf_free(&clause);
}

void cs_auth_judge_zone(struct cs_auth_zone *z, unsigned tries)
{
    if (z->why_unchecked) {
        cs_strbuf_printf(&z->detail, "the servers of %s could not be listed: %s", z->apex,
                         z->why_unchecked);
    }
    size_t n = z->nservers;
    uint64_t *serial = calloc(n + 1, sizeof(*serial)), *nsh = calloc(n + 1, sizeof(*nsh));
    bool *has_serial = calloc(n + 1, sizeof(*has_serial)), *has_ns = calloc(n + 1, sizeof(*has_ns));
    const char **serial_text = calloc(n + 1, sizeof(*serial_text));
    const char **ns_text = calloc(n + 1, sizeof(*ns_text));
    char(*sbuf)[24] = calloc(n + 1, sizeof(*sbuf));
    bool mem = serial && nsh && has_serial && has_ns && serial_text && ns_text && sbuf;
    const struct cs_auth_qname *aq = z->priv ? z->priv->apex_q : NULL;
    cs_strbuf clause = {0};
    for (size_t i = 0; i < n; i++) {
        struct cs_auth_server *s = &z->servers[i];
        cs_strbuf_clear(&clause);
        if (!s->has_addr) {
            /* A nameserver name without an address: the reason is in its detail already. */
            z->problems |= s->zone_probs;
            if (z->detail.len)
                cs_strbuf_puts(&z->detail, "; ");
            cs_strbuf_printf(&z->detail, "%s", s->detail.data ? s->detail.data : s->ns);
            continue;
        }
        if (s->zone_probs & CS_PB_BIT(CS_PB_NS_NO_ADDRESS)) {
            /* The name has no address of its own; the parent's glue gave this one. */
            z->problems |= CS_PB_BIT(CS_PB_NS_NO_ADDRESS);
            if (z->detail.len)
                cs_strbuf_puts(&z->detail, "; ");
            cs_strbuf_printf(&z->detail,
                             "nameserver %s does not resolve; its glue address %s is used", s->ns,
                             s->ip);
        }
        const struct cs_auth_reply *p = s->probes;
        cs_problems described = 0;
        cs_problems codes = judge_question(s, p, tries, "SOA", z->apex, &clause, &described);
        codes |= judge_question(s, &p[AUTH_PROBE_NS(tries)], 1, "NS", z->apex, &clause, &described);
        if (z->priv && z->priv->addr) {
            /* Sampling: the address's own questions were asked once, at some zone's apex. */
            const struct auth_addr *ad = z->priv->addr[i];
            if (ad && ad->done) {
                codes |= ad->codes;
                described |= ad->codes;
                if (ad->text) {
                    clause_next(s, &clause);
                    cs_strbuf_printf(&clause, " %s", ad->text);
                }
            }
        } else {
            bool alive = false, edns_ok = false;
            for (unsigned t = 0; t < tries; t++) {
                alive |= p[t].rcode >= 0 || p[t].truncated;
                edns_ok |= good(&p[t]);
            }
            alive |= p[AUTH_PROBE_NOEDNS(tries)].rcode >= 0 || p[AUTH_PROBE_NS(tries)].rcode >= 0;
            /* The lower-case CAA probe repeats what the apex's own CAA probes tell: only what
             * they do not is said here. */
            cs_problems cover =
                described | (aq && aq->replies ? judge_question(s, &aq->replies[i * tries], tries,
                                                                "CAA", z->apex, NULL, NULL)
                                               : 0);
            struct wide_in w = {
                .mixed = aq && aq->replies ? &aq->replies[i * tries] : NULL,
                .edns_first = &p[0],
                .alive = alive,
                .edns_ok = edns_ok,
                .apex = z->apex,
            };
            codes |= judge_wide(s, p, &w, tries, codes, cover, &described, &clause);
        }
        s->zone_probs |= codes;
        s->zone_described = described | (codes & wide_codes);
        z->problems |= codes;
        server_note(s, codes, clause.data);
        if (clause.len) {
            if (z->detail.len)
                cs_strbuf_puts(&z->detail, "; ");
            cs_strbuf_puts(&z->detail, clause.data);
        }
        if (mem) {
            has_serial[i] = s->has_serial;
            serial[i] = s->serial;
            snprintf(sbuf[i], sizeof(sbuf[i]), "serial %u", (unsigned)s->serial);
            serial_text[i] = sbuf[i];
            has_ns[i] = s->has_ns;
            nsh[i] = s->ns_hash;
            ns_text[i] = s->ns_set;
        }
    }
    if (mem) {
        compare_servers(z, serial, has_serial, CS_PB_SOA_SERIAL_MISMATCH, "SOA serials",
                        serial_text);
        compare_servers(z, nsh, has_ns, CS_PB_NS_SET_MISMATCH, "NS sets", ns_text);
        for (size_t i = 0; i < n; i++)
            z->servers[i].zone_probs |=
                z->servers[i].findings &
                (CS_PB_BIT(CS_PB_SOA_SERIAL_MISMATCH) | CS_PB_BIT(CS_PB_NS_SET_MISMATCH));
    }
    cs_strbuf_free(&clause);
    free(serial);
    free(nsh);
    free(has_serial);
    free(has_ns);
    free(serial_text);
    free(ns_text);
    free(sbuf);
}

/* ---- a name ---------------------------------------------------------------------------- */

/* "NXDOMAIN", "no CAA" or "CAA 0 issue "x", 0 iodef "y"" for a reply. */
static void describe_answer(const struct cs_auth_qname *q, const struct cs_auth_reply *r,
                            cs_strbuf *b)
{
    char rb[16];
    if (!good(r)) {
        cs_strbuf_puts(b, rcode_text(r->rcode, rb, sizeof(rb)));
        return;
    }
    if (r->rcode == LDNS_RCODE_NXDOMAIN) {
        cs_strbuf_puts(b, "NXDOMAIN");
        return;
    }
    const ldns_rr_list *set = NULL;
    for (unsigned i = 0; i < q->nsets && r->sig; i++)
        if (cs_caa_set_hash(q->sets[i]) == r->sig)
            set = q->sets[i];
    if (!set) {
        cs_strbuf_puts(b, "no CAA");
        return;
    }
    cs_strbuf_puts(b, "CAA");
    for (size_t i = 0; i < ldns_rr_list_rr_count(set); i++) {
        struct cs_caa_record rec;
        char text[512];
        if (cs_caa_record_from_rr(ldns_rr_list_rr(set, i), &rec) != CS_OK)
            continue;
        cs_caa_format(&rec, text, sizeof(text));
        cs_strbuf_printf(b, "%s%s", i ? ", " : " ", text);
    }
}

/* True when every try of a name at server s (at address ad) failed (SERVFAIL or no answer) while
 * the server is known to fail now and then, not always: it gave different answers between tries to
 * other questions of the zone, or its address is suspect (cs_auth_addr_suspect) and did so for
 * CS_AUTH_SUSPECT_ZONES zones. Such a name's own tries met only the failing turns (another
 * client's queries fell between them): the server's INTERMITTENT is the name's too. A server that
 * fails one name always and answers the rest of its zone well shows nothing now and then, and
 * the name keeps its SERVFAIL or timeout alone. */
static bool failed_now_and_then(const struct cs_auth_server *s, const struct auth_addr *ad,
                                const struct cs_auth_reply *rs, unsigned tries, cs_problems codes)
{
    const cs_problems failed = CS_PB_BIT(CS_PB_AUTH_SERVFAIL) | CS_PB_BIT(CS_PB_AUTH_TIMEOUT);
    if (!(codes & failed) || (codes & CS_PB_BIT(CS_PB_INTERMITTENT)))
        return false;
    unsigned used = 0;
    for (unsigned t = 0; t < tries; t++) {
        if (!usable(&rs[t]))
            continue;
        if (good(&rs[t]))
            return false;
        used++;
    }
    if (!used)
        return false;
    if (s->findings & CS_PB_BIT(CS_PB_INTERMITTENT))
        return true;
    return cs_auth_addr_suspect(ad) && ad->zones_mixed >= CS_AUTH_SUSPECT_ZONES;
}

/* How an address that fails now and then fails (its mixed_codes), in words. */
static const char *failing_words(cs_problems codes)
{
    bool servfail = (codes & CS_PB_BIT(CS_PB_AUTH_SERVFAIL)) != 0;
    bool timeout = (codes & CS_PB_BIT(CS_PB_AUTH_TIMEOUT)) != 0;
    return servfail && timeout ? "SERVFAIL or no answer" : servfail ? "SERVFAIL" : "no answer";
}

void cs_auth_judge_qname(struct cs_auth_qname *q, unsigned tries)
{
    struct cs_auth_zone *z = q->zone;
    if (!q->replies || !z)
        return;
    size_t n = z->nservers;
    uint64_t *key = calloc(n + 1, sizeof(*key));
    bool *has = calloc(n + 1, sizeof(*has));
    const struct cs_auth_reply **first = calloc(n + 1, sizeof(*first));
    cs_strbuf clause = {0};
    q->server_probs = calloc(n + 1, sizeof(*q->server_probs));
    q->server_detail = calloc(n + 1, sizeof(*q->server_detail));
    for (size_t i = 0; i < n; i++) {
        struct cs_auth_server *s = &z->servers[i];
        if (!s->has_addr)
            continue;
        const struct cs_auth_reply *rs = &q->replies[i * tries];
        for (unsigned t = 0; t < tries; t++)
            q->some_without_caa |= rs[t].shape == CS_SHAPE_NODATA ||
                                   rs[t].shape == CS_SHAPE_NXDOMAIN ||
                                   rs[t].shape == CS_SHAPE_EMPTY;
        cs_strbuf_clear(&clause);
        cs_problems codes = judge_question(s, rs, tries, "CAA", q->name, &clause, NULL);
        /* The server's own findings here; what the name takes from the server's pattern
         * elsewhere (below) is not counted again as the server's. */
        server_note(s, codes, clause.data);
        const struct auth_addr *ad = z->priv && z->priv->addr ? z->priv->addr[i] : NULL;
        if (failed_now_and_then(s, ad, rs, tries, codes)) {
            codes |= CS_PB_BIT(CS_PB_INTERMITTENT);
            cs_strbuf_puts(&clause, ", as it fails now and then for other questions");
        } else if (!(codes & CS_PB_BIT(CS_PB_INTERMITTENT)) && cs_auth_addr_flaky(ad)) {
            /* Its tries here met only good turns of a server that fails for most zones. */
            codes |= CS_PB_BIT(CS_PB_INTERMITTENT) | ad->mixed_codes;
            if (clause.len)
                cs_strbuf_puts(&clause, ", and");
            else
                server_label(s, &clause);
            cs_strbuf_printf(&clause,
                             " fails now and then (%s for %u of the %u zones asked at this "
                             "address)",
                             failing_words(ad->mixed_codes), ad->zones_failing, ad->zones_judged);
        }
        q->problems |= codes;
        if (q->server_probs)
            q->server_probs[i] = codes;
        if (q->server_detail && clause.len)
            q->server_detail[i] = strdup(clause.data);
        for (unsigned t = 0; key && has && first && t < tries; t++)
            if (good(&rs[t]) && !has[i]) {
                has[i] = true;
                key[i] = reply_key(&rs[t]);
                first[i] = &rs[t];
            }
    }
    if (key && has && first) {
        size_t a = n;
        bool differ = false;
        for (size_t i = 0; i < n; i++) {
            if (!has[i])
                continue;
            if (a == n)
                a = i;
            else if (key[i] != key[a])
                differ = true;
        }
        if (differ) {
            q->problems |= CS_PB_BIT(CS_PB_AUTH_INCONSISTENT_CAA);
            bool *marked = calloc(n + 1, sizeof(*marked));
            mark_minority(z, key, has, CS_PB_AUTH_INCONSISTENT_CAA, marked);
            q->server_answer = marked ? calloc(n + 1, sizeof(*q->server_answer)) : NULL;
            for (size_t i = 0; q->server_answer && i < n; i++) {
                if (!has[i] || !marked[i])
                    continue;
                cs_strbuf ab = {0};
                describe_answer(q, first[i], &ab);
                q->server_answer[i] = ab.data ? strdup(ab.data) : NULL;
                cs_strbuf_free(&ab);
            }
            free(marked);
            if (q->detail.len)
                cs_strbuf_puts(&q->detail, "; ");
            cs_strbuf_printf(&q->detail, "servers disagree on CAA %s:", q->name);
            const char *sep = " ";
            for (size_t i = 0; i < n; i++) {
                if (!has[i])
                    continue;
                bool shown = false;
                for (size_t j = 0; j < i; j++)
                    shown |= has[j] && key[j] == key[i];
                if (shown)
                    continue;
                cs_strbuf_puts(&q->detail, sep);
                server_label(&z->servers[i], &q->detail);
                for (size_t j = i + 1; j < n; j++)
                    if (has[j] && key[j] == key[i]) {
                        cs_strbuf_puts(&q->detail, ", ");
                        server_label(&z->servers[j], &q->detail);
                    }
                cs_strbuf_puts(&q->detail, " answered ");
                describe_answer(q, first[i], &q->detail);
                sep = "; ";
            }
        }
    }
    cs_strbuf_free(&clause);
    free(key);
    free(has);
    free(first);
}

const char *cs_reply_shape_name(cs_reply_shape s)
{
    static const char *const names[] = {"NONE",     "ANSWER", "NODATA", "NXDOMAIN",
                                        "REFERRAL", "EMPTY",  "ERROR"};
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/* ---- --auth-depth sample --------------------------------------------------------------- */

bool cs_auth_sample_pick(const char *name, unsigned nth)
{
    if (nth < CS_AUTH_SAMPLE_FIRST)
        return true;
    /* Salted, and its top bits: not the shard hash's low bits, so no shard is all in or out. */
    static const char salt[] = "caascan auth sample:";
    uint64_t h = cs_fnv1a64_add(CS_FNV1A64_BASIS, salt, sizeof(salt) - 1);
    h = cs_fnv1a64_add(h, name, strlen(name));
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return h % CS_AUTH_SAMPLE_ONE_IN == 0;
}

bool cs_auth_level_unclear(const struct cs_ca_level *lv)
{
    if (!lv || !lv->done || lv->ntries == 0)
        return true;
    if (lv->n_error || lv->n_timeout || lv->n_dnssec || lv->n_other_sets)
        return true;
    /* Every try the same kind of answer: all data, all NODATA or all NXDOMAIN. */
    unsigned kinds = (lv->n_data > 0) + (lv->n_empty > 0) + (lv->n_nxdomain > 0);
    return kinds != 1;
}

bool cs_auth_zone_disagrees(const struct cs_auth_zone *z)
{
    const cs_problems differ =
        CS_PB_BIT(CS_PB_SOA_SERIAL_MISMATCH) | CS_PB_BIT(CS_PB_NS_SET_MISMATCH) |
        CS_PB_BIT(CS_PB_AUTH_INCONSISTENT_CAA) | CS_PB_BIT(CS_PB_INTERMITTENT);
    if (!z)
        return true;
    if (z->problems & differ)
        return true;
    for (size_t i = 0; i < z->nservers; i++)
        if (z->servers[i].findings & differ)
            return true;
    return false;
}

bool cs_auth_decide_probe(struct cs_auth_qname *q, bool must_probe, struct auth_zone_priv *zp)
{
    if (must_probe || zp->escalated || cs_auth_zone_disagrees(q->zone))
        return true;
    /* The hash sample first, then the zone's first names outside it: how many names are asked
     * does not depend on the order the scan reaches them. */
    if (cs_auth_sample_pick(q->name, CS_AUTH_SAMPLE_FIRST))
        return true;
    return zp->names_decided++ < CS_AUTH_SAMPLE_FIRST;
}

void cs_auth_addr_note(struct auth_addr *ad, const struct cs_auth_server *s)
{
    const cs_problems now_and_then = CS_PB_BIT(CS_PB_INTERMITTENT) |
                                     CS_PB_BIT(CS_PB_AUTH_SERVFAIL) | CS_PB_BIT(CS_PB_AUTH_TIMEOUT);
    ad->zones_judged++;
    if (s->findings & now_and_then)
        ad->zones_failing++;
    if (s->findings & CS_PB_BIT(CS_PB_INTERMITTENT)) {
        ad->zones_mixed++;
        ad->mixed_codes |= s->findings & now_and_then & ~CS_PB_BIT(CS_PB_INTERMITTENT);
    }
}

bool cs_auth_addr_suspect(const struct auth_addr *ad)
{
    return ad && ad->zones_failing >= CS_AUTH_SUSPECT_ZONES &&
           ad->zones_failing * CS_AUTH_SUSPECT_SHARE >= ad->zones_judged;
}

bool cs_auth_addr_flaky(const struct auth_addr *ad)
{
    return ad && ad->zones_mixed >= CS_AUTH_SUSPECT_ZONES && ad->mixed_codes &&
           ad->zones_failing * 2 > ad->zones_judged;
}

bool cs_auth_qname_shows_problem(const struct cs_auth_qname *q, unsigned tries, unsigned sent)
{
    const struct cs_auth_zone *z = q->zone;
    if (!z || !q->replies)
        return false;
    bool any = false;
    uint64_t first = 0;
    for (size_t i = 0; i < z->nservers; i++)
        for (unsigned t = 0; t < sent && t < tries; t++) {
            const struct cs_auth_reply *r = &q->replies[i * tries + t];
            if (!usable(r))
                continue;
            if (!good(r) || reply_codes(r, false))
                return true;
            if (!any) {
                any = true;
                first = reply_key(r);
            } else if (reply_key(r) != first) {
                return true;
            }
        }
    return false;
}

void cs_auth_judge_spared(struct cs_auth_qname *q, const struct cs_auth_qname *apex_q)
{
    struct cs_auth_zone *z = q->zone;
    if (!z || !apex_q || !apex_q->server_probs || apex_q->zone != z)
        return;
    const cs_problems own = CS_PB_BIT(CS_PB_AUTH_INCONSISTENT_CAA);
    size_t n = z->nservers;
    if (!q->server_probs)
        q->server_probs = calloc(n + 1, sizeof(*q->server_probs));
    if (!q->server_detail)
        q->server_detail = calloc(n + 1, sizeof(*q->server_detail));
    for (size_t i = 0; i < n; i++) {
        cs_problems codes = apex_q->server_probs[i] & ~own;
        if (!codes)
            continue;
        q->problems |= codes;
        if (q->server_probs)
            q->server_probs[i] |= codes;
        if (q->server_detail && !q->server_detail[i] && apex_q->server_detail &&
            apex_q->server_detail[i])
            q->server_detail[i] = strdup(apex_q->server_detail[i]);
    }
}

/*
 * test_auth.c -- the authoritative checks' judging (auth_judge.c) and verdict (verdict.c) from
 * hand-made replies: what one reply says (shape, RCODE, AA, SOA, case), what a parent's referral
 * gives, which findings each server of a zone gets for its answers to a name and to the zone
 * probes, the detail sentences, and how the findings change a name's status.
 *
 * The replies are ldns packets built here and handed over as the engine hands them to auth.c
 * (struct cs_answer), then kept and judged the way auth.c's probe callback does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../src/auth_judge.h"
#include "caascan/hash.h"
#include "caascan/verdict.h"
#include "levels_fixture.h"

#include <stdlib.h>
#include <string.h>

#define TRIES 2
#define APEX  "example.test"
#define NAME  "shop.example.test"

static const struct cs_caa_policy le = {.ca_domain = "letsencrypt.org"};

/* ---- packets --------------------------------------------------------------------------- */

/*
 * A reply to qtype at qname: QR set, the RCODE, AA, an OPT record when edns; then records given
 * as presentation lines prefixed with their section ("an:", "ns:" or "ar:"), NULL-terminated.
 */
static ldns_pkt *mkpkt(const char *qname, ldns_rr_type qt, ldns_pkt_rcode rc, bool aa, bool edns,
                       ...)
{
    ldns_pkt *p = ldns_pkt_new();
    assert_non_null(p);
    char q[300];
    snprintf(q, sizeof(q), "%s. IN %s", qname,
             qt == LDNS_RR_TYPE_CAA   ? "CAA"
             : qt == LDNS_RR_TYPE_SOA ? "SOA"
                                      : "NS");
    ldns_rr *qr = NULL;
    assert_int_equal(ldns_rr_new_question_frm_str(&qr, q, NULL, NULL), LDNS_STATUS_OK);
    ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, qr);
    ldns_pkt_set_qr(p, true);
    ldns_pkt_set_aa(p, aa);
    ldns_pkt_set_rcode(p, (uint8_t)rc);
    if (edns) {
        ldns_pkt_set_edns_udp_size(p, 1232);
        ldns_pkt_set_edns_do(p, true);
    }
    va_list ap;
    va_start(ap, edns);
    for (const char *line; (line = va_arg(ap, const char *)) != NULL;) {
        ldns_pkt_section sec = strncmp(line, "an:", 3) == 0   ? LDNS_SECTION_ANSWER
                               : strncmp(line, "ns:", 3) == 0 ? LDNS_SECTION_AUTHORITY
                                                              : LDNS_SECTION_ADDITIONAL;
        ldns_rr *rr = NULL;
        assert_int_equal(ldns_rr_new_frm_str(&rr, line + 3, 300, NULL, NULL), LDNS_STATUS_OK);
        ldns_pkt_push_rr(p, sec, rr);
    }
    va_end(ap);
    return p;
}

#define SOA_LINE(owner, serial)                                                   \
    "ns:" owner ". 300 IN SOA ns1.example.net. hostmaster.example.test. " #serial \
    " 3600 900 604800 300"

/* CAA at name with one issue record for ca, AA and EDNS. */
static ldns_pkt *caa_pkt(const char *name, const char *ca)
{
    char line[400];
    snprintf(line, sizeof(line), "an:%s. 300 IN CAA 0 issue \"%s\"", name, ca);
    return mkpkt(name, LDNS_RR_TYPE_CAA, LDNS_RCODE_NOERROR, true, true, line, NULL);
}

/* NOERROR without CAA records, with the zone's SOA. */
static ldns_pkt *nodata_pkt(const char *name, ldns_rr_type qt)
{
    return mkpkt(name, qt, LDNS_RCODE_NOERROR, true, true, SOA_LINE(APEX, 1), NULL);
}

/* SOA at the apex, serial given, with EDNS or not. */
static ldns_pkt *soa_pkt(uint32_t serial, bool edns)
{
    char line[300];
    snprintf(line, sizeof(line),
             "an:" APEX ". 300 IN SOA ns1.example.net. hostmaster.example.test. %u 3600 900 "
             "604800 300",
             (unsigned)serial);
    return mkpkt(APEX, LDNS_RR_TYPE_SOA, LDNS_RCODE_NOERROR, true, edns, line, NULL);
}

/* NS at the apex listing ns1..ns<n>.example.net. */
static ldns_pkt *ns_pkt(unsigned n)
{
    ldns_pkt *p = mkpkt(APEX, LDNS_RR_TYPE_NS, LDNS_RCODE_NOERROR, true, true, NULL);
    for (unsigned i = n; i >= 1; i--) {
        char line[200];
        snprintf(line, sizeof(line), APEX ". 300 IN NS ns%u.example.net.", i);
        ldns_rr *rr = NULL;
        assert_int_equal(ldns_rr_new_frm_str(&rr, line, 300, NULL, NULL), LDNS_STATUS_OK);
        ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr);
    }
    return p;
}

static ldns_pkt *rcode_pkt(const char *name, ldns_rr_type qt, ldns_pkt_rcode rc)
{
    return mkpkt(name, qt, rc, false, true, NULL);
}

/* ---- answers as the engine gives them -------------------------------------------------- */

/*
 * Hands the engine's answer (outcome, pkt, the name sent in presentation form) to
 * cs_auth_take_reply, as auth.c's probe callbacks do. Frees pkt.
 */
static void feed(struct cs_auth_server *s, struct cs_auth_qname *q, struct cs_auth_reply *r,
                 uint16_t qtype, cs_outcome out, ldns_pkt *pkt, const char *sent)
{
    ldns_rdf *wire = NULL;
    if (sent)
        assert_int_equal(ldns_str2rdf_dname(&wire, sent), LDNS_STATUS_OK);
    struct cs_answer a = {
        .name = sent,
        .qtype = qtype,
        .outcome = out,
        .pkt = pkt,
        .rcode = pkt ? ldns_pkt_get_rcode(pkt) : 0,
        .rtt_us = 1500,
        .sent_qname = wire ? ldns_rdf_data(wire) : NULL,
        .sent_qname_len = wire ? ldns_rdf_size(wire) : 0,
    };
    cs_auth_take_reply(s, q, qtype, &a, r);
    ldns_rdf_deep_free(wire);
    ldns_pkt_free(pkt);
}

/* A reply read on its own (no server). */
static struct cs_auth_reply read1(cs_outcome out, ldns_pkt *pkt, const char *sent, uint16_t qtype)
{
    struct cs_auth_zone z = {.apex = APEX};
    struct cs_auth_server s = {.zone = &z};
    struct cs_auth_reply r;
    feed(&s, NULL, &r, qtype, out, pkt, sent);
    free(s.ns_set);
    return r;
}

/* ---- a zone and its names, by hand ----------------------------------------------------- */

/* The zone example.test with n servers ns<i+1>.example.net at 192.0.2.<i+1>. */
static struct cs_auth_zone *zone_new(size_t n)
{
    struct cs_auth_zone *z = calloc(1, sizeof(*z));
    z->apex = strdup(APEX);
    z->priv = calloc(1, sizeof(*z->priv));
    z->servers = calloc(n, sizeof(*z->servers));
    z->nservers = n;
    z->ready = true;
    for (size_t i = 0; i < n; i++) {
        struct cs_auth_server *s = &z->servers[i];
        char buf[64];
        s->zone = z;
        snprintf(buf, sizeof(buf), "ns%zu.example.net", i + 1);
        s->ns = strdup(buf);
        snprintf(buf, sizeof(buf), "192.0.2.%zu", i + 1);
        assert_int_equal(cs_addr_parse(buf, 53, &s->addr), CS_OK);
        cs_addr_format_ip(&s->addr, s->ip, sizeof(s->ip));
        s->has_addr = true;
        s->probes = calloc(cs_auth_zone_probe_count(TRIES), sizeof(*s->probes));
    }
    return z;
}

/* A server as auth.c lists a nameserver name without an address. */
static void server_no_address(struct cs_auth_server *s)
{
    s->has_addr = false;
    s->ip[0] = '\0';
    s->findings = s->zone_probs = s->zone_described = CS_PB_BIT(CS_PB_NS_NO_ADDRESS);
    cs_strbuf_printf(&s->detail, "nameserver %s has no address (NXDOMAIN)", s->ns);
}

static struct cs_auth_qname *qname_new(struct cs_auth_zone *z, const char *name)
{
    struct cs_auth_qname *q = calloc(1, sizeof(*q));
    q->priv = calloc(1, sizeof(*q->priv));
    q->name = strdup(name);
    q->zone = z;
    q->replies = calloc(z->nservers * TRIES + 1, sizeof(*q->replies));
    q->tries = TRIES;
    for (size_t i = 0; i < z->nservers * TRIES; i++) {
        q->replies[i].outcome = CS_OUT_CANCELLED;
        q->replies[i].rcode = -1;
    }
    return q;
}

/* A zone made by zone_new, its apex name (when there is one) and its servers. */
static void zone_free(struct cs_auth_zone *z)
{
    if (z->priv->apex_q)
        cs_auth_qname_free(z->priv->apex_q);
    cs_auth_zone_free(z);
}

/* Server i answers every try of CAA at q's name with feed's arguments (pkt made by mk). */
static void name_all(struct cs_auth_qname *q, size_t i, cs_outcome out,
                     ldns_pkt *(*mk)(const char *name, const char *arg), const char *arg,
                     const char *sent)
{
    for (unsigned t = 0; t < TRIES; t++)
        feed(&q->zone->servers[i], q, &q->replies[i * TRIES + t], LDNS_RR_TYPE_CAA, out,
             mk ? mk(q->name, arg) : NULL, sent);
}

static ldns_pkt *mk_caa(const char *name, const char *ca)
{
    return caa_pkt(name, ca);
}

static ldns_pkt *mk_nodata(const char *name, const char *unused)
{
    (void)unused;
    return nodata_pkt(name, LDNS_RR_TYPE_CAA);
}

static ldns_pkt *mk_rcode(const char *name, const char *rc)
{
    return rcode_pkt(name, LDNS_RR_TYPE_CAA, (ldns_pkt_rcode)atoi(rc));
}

/* Every zone probe of server i answered as a good server does: SOA serial, NS ns1..ns<nns>,
 * SOA over TCP and without EDNS, no CAA at the apex; the apex's CAA probes likewise. */
static void server_healthy(struct cs_auth_zone *z, size_t i, uint32_t serial, unsigned nns)
{
    struct cs_auth_server *s = &z->servers[i];
    struct cs_auth_reply *p = s->probes;
    for (unsigned t = 0; t < TRIES; t++)
        feed(s, NULL, &p[t], LDNS_RR_TYPE_SOA, CS_OUT_ANSWER, soa_pkt(serial, true),
             "ExAmple.TesT");
    feed(s, NULL, &p[AUTH_PROBE_NS(TRIES)], LDNS_RR_TYPE_NS, CS_OUT_ANSWER, ns_pkt(nns),
         "eXample.tEst");
    feed(s, NULL, &p[AUTH_PROBE_TCP(TRIES)], LDNS_RR_TYPE_SOA, CS_OUT_ANSWER, soa_pkt(serial, true),
         "examPle.test");
    feed(s, NULL, &p[AUTH_PROBE_NOEDNS(TRIES)], LDNS_RR_TYPE_SOA, CS_OUT_ANSWER,
         soa_pkt(serial, false), "EXample.test");
    feed(s, NULL, &p[AUTH_PROBE_LOWER(TRIES)], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
         nodata_pkt(APEX, LDNS_RR_TYPE_CAA), APEX);
    name_all(z->priv->apex_q, i, CS_OUT_ANSWER, mk_nodata, NULL, "exAMple.TEST");
}

/* A zone of n servers with its apex name probes ready to fill. */
static struct cs_auth_zone *zone_with_apex(size_t n)
{
    struct cs_auth_zone *z = zone_new(n);
    z->priv->apex_q = qname_new(z, APEX);
    return z;
}

static void assert_codes(cs_problems got, cs_problems want)
{
    char g[512], w[512];
    cs_problems_format(got, g, sizeof(g));
    cs_problems_format(want, w, sizeof(w));
    assert_string_equal(g, w);
}

#define PB(c) CS_PB_BIT(CS_PB_##c)

/* ---- one reply ------------------------------------------------------------------------- */

static void test_reply_answer(void **state)
{
    (void)state;
    ldns_pkt *p = caa_pkt(NAME, "letsencrypt.org");
    uint64_t sig = cs_caa_set_hash(ldns_pkt_answer(p));
    struct cs_auth_reply r = read1(CS_OUT_ANSWER, p, "sHop.example.test", LDNS_RR_TYPE_CAA);
    assert_int_equal(r.shape, CS_SHAPE_ANSWER);
    assert_string_equal(cs_reply_shape_name(r.shape), "ANSWER");
    assert_int_equal(r.rcode, LDNS_RCODE_NOERROR);
    assert_int_equal(r.outcome, CS_OUT_ANSWER);
    assert_true(r.aa);
    assert_false(r.soa);
    assert_true(r.upper);
    assert_false(r.truncated);
    assert_int_equal(r.rtt_us, 1500);
    assert_int_not_equal(sig, 0);
    assert_int_equal(r.sig, sig);

    /* The same records in another order: the same set. */
    ldns_pkt *a = mkpkt(NAME, LDNS_RR_TYPE_CAA, LDNS_RCODE_NOERROR, true, true,
                        "an:" NAME ". 300 IN CAA 0 issue \"letsencrypt.org\"",
                        "an:" NAME ". 300 IN CAA 0 iodef \"mailto:x@example.test\"", NULL);
    ldns_pkt *b = mkpkt(NAME, LDNS_RR_TYPE_CAA, LDNS_RCODE_NOERROR, true, true,
                        "an:" NAME ". 300 IN CAA 0 iodef \"mailto:x@example.test\"",
                        "an:" NAME ". 300 IN CAA 0 issue \"letsencrypt.org\"", NULL);
    struct cs_auth_reply ra = read1(CS_OUT_ANSWER, a, NAME, LDNS_RR_TYPE_CAA);
    struct cs_auth_reply rb = read1(CS_OUT_ANSWER, b, NAME, LDNS_RR_TYPE_CAA);
    assert_int_equal(ra.sig, rb.sig);
    assert_int_not_equal(ra.sig, sig);
    assert_false(ra.upper);

    /* An alias is an answer too, without CAA records. */
    ldns_pkt *c = mkpkt(NAME, LDNS_RR_TYPE_CAA, LDNS_RCODE_NOERROR, true, true,
                        "an:" NAME ". 300 IN CNAME shop.cdn.test.", NULL);
    struct cs_auth_reply rc = read1(CS_OUT_ANSWER, c, NAME, LDNS_RR_TYPE_CAA);
    assert_int_equal(rc.shape, CS_SHAPE_ANSWER);
    assert_int_equal(rc.sig, 0);
}

static void test_reply_negative(void **state)
{
    (void)state;
    struct cs_auth_reply r =
        read1(CS_OUT_ANSWER, nodata_pkt(NAME, LDNS_RR_TYPE_CAA), NAME, LDNS_RR_TYPE_CAA);
    assert_int_equal(r.shape, CS_SHAPE_NODATA);
    assert_int_equal(r.rcode, 0);
    assert_true(r.soa);
    assert_true(r.aa);
    assert_int_equal(r.sig, 0);

    /* Records of another type in the answer do not make it an answer. */
    r = read1(CS_OUT_ANSWER,
              mkpkt(NAME, LDNS_RR_TYPE_CAA, LDNS_RCODE_NOERROR, true, true,
                    "an:" NAME ". 300 IN A 192.0.2.80", SOA_LINE(APEX, 1), NULL),
              NAME, LDNS_RR_TYPE_CAA);
    assert_int_equal(r.shape, CS_SHAPE_NODATA);

    r = read1(CS_OUT_ANSWER, mkpkt(NAME, LDNS_RR_TYPE_CAA, LDNS_RCODE_NXDOMAIN, true, true, NULL),
              "SHOP.EXAMPLE.TEST", LDNS_RR_TYPE_CAA);
    assert_int_equal(r.shape, CS_SHAPE_NXDOMAIN);
    assert_int_equal(r.rcode, LDNS_RCODE_NXDOMAIN);
    assert_false(r.soa);
    assert_true(r.upper);

    r = read1(
        CS_OUT_ANSWER,
        mkpkt(NAME, LDNS_RR_TYPE_CAA, LDNS_RCODE_NXDOMAIN, true, true, SOA_LINE(APEX, 1), NULL),
        NAME, LDNS_RR_TYPE_CAA);
    assert_int_equal(r.shape, CS_SHAPE_NXDOMAIN);
    assert_true(r.soa);
}

static void test_reply_empty_or_opt_only(void **state)
{
    (void)state;
    /* Nothing at all, not even OPT. */
    struct cs_auth_reply r =
        read1(CS_OUT_ANSWER, mkpkt(NAME, LDNS_RR_TYPE_CAA, LDNS_RCODE_NOERROR, true, false, NULL),
              NAME, LDNS_RR_TYPE_CAA);
    assert_int_equal(r.shape, CS_SHAPE_EMPTY);
    assert_string_equal(cs_reply_shape_name(r.shape), "EMPTY");
    assert_false(r.soa);
    /* Only the OPT record: a negative answer without the SOA, not an empty one. */
    r = read1(CS_OUT_ANSWER, mkpkt(NAME, LDNS_RR_TYPE_CAA, LDNS_RCODE_NOERROR, true, true, NULL),
              NAME, LDNS_RR_TYPE_CAA);
    assert_int_equal(r.shape, CS_SHAPE_NODATA);
    assert_false(r.soa);
}

static void test_reply_referral(void **state)
{
    (void)state;
    /* The zone's server sends the name on to a child zone. */
    struct cs_auth_reply r = read1(CS_OUT_ANSWER,
                                   mkpkt(NAME, LDNS_RR_TYPE_CAA, LDNS_RCODE_NOERROR, false, true,
                                         "ns:" NAME ". 300 IN NS ns1.shop-dns.test.",
                                         "ns:" NAME ". 300 IN NS ns2.shop-dns.test.", NULL),
                                   NAME, LDNS_RR_TYPE_CAA);
    assert_int_equal(r.shape, CS_SHAPE_REFERRAL);
    assert_false(r.aa);
    assert_false(r.soa);
    /* The apex's own NS set in the authority section is no referral. */
    r = read1(CS_OUT_ANSWER,
              mkpkt(NAME, LDNS_RR_TYPE_CAA, LDNS_RCODE_NOERROR, false, true,
                    "ns:" APEX ". 300 IN NS ns1.example.net.", NULL),
              NAME, LDNS_RR_TYPE_CAA);
    assert_int_equal(r.shape, CS_SHAPE_NODATA);
    /* Nor is a child's NS set with AA. */
    r = read1(CS_OUT_ANSWER,
              mkpkt(NAME, LDNS_RR_TYPE_CAA, LDNS_RCODE_NOERROR, true, true,
                    "ns:" NAME ". 300 IN NS ns1.shop-dns.test.", NULL),
              NAME, LDNS_RR_TYPE_CAA);
    assert_int_equal(r.shape, CS_SHAPE_NODATA);
}

static void test_reply_error_timeout_case(void **state)
{
    (void)state;
    struct cs_auth_reply r = read1(CS_OUT_ANSWER, rcode_pkt(NAME, LDNS_RR_TYPE_CAA, 5),
                                   "shop.example.test", LDNS_RR_TYPE_CAA);
    assert_int_equal(r.shape, CS_SHAPE_ERROR);
    assert_int_equal(r.rcode, LDNS_RCODE_REFUSED);
    assert_false(r.aa);

    r = read1(CS_OUT_TIMEOUT, NULL, "shoP.example.test", LDNS_RR_TYPE_CAA);
    assert_int_equal(r.shape, CS_SHAPE_NONE);
    assert_string_equal(cs_reply_shape_name(r.shape), "NONE");
    assert_int_equal(r.rcode, -1);
    assert_int_equal(r.outcome, CS_OUT_TIMEOUT);
    assert_int_equal(r.rtt_us, 0);
    assert_int_equal(r.sig, 0);
    assert_true(r.upper);

    r = read1(CS_OUT_TIMEOUT, NULL, NULL, LDNS_RR_TYPE_CAA);
    assert_false(r.upper);

    /* The echo came back in another case: the answer is kept, the outcome tells. */
    r = read1(CS_OUT_CASE_MISMATCH, caa_pkt(NAME, "letsencrypt.org"), "ShOp.example.test",
              LDNS_RR_TYPE_CAA);
    assert_int_equal(r.outcome, CS_OUT_CASE_MISMATCH);
    assert_int_equal(r.shape, CS_SHAPE_ANSWER);
    assert_int_not_equal(r.sig, 0);
}

static void test_server_data(void **state)
{
    (void)state;
    struct cs_auth_zone *z = zone_new(1);
    struct cs_auth_server *s = &z->servers[0];
    struct cs_auth_reply r;
    /* Another owner's SOA first is not the zone's serial. */
    feed(s, NULL, &r, LDNS_RR_TYPE_SOA, CS_OUT_ANSWER,
         mkpkt(APEX, LDNS_RR_TYPE_SOA, LDNS_RCODE_NOERROR, true, true,
               "an:other.test. 300 IN SOA a.test. b.test. 77 1 1 1 1",
               "an:EXAMPLE.test. 300 IN SOA a.test. b.test. 2024010101 1 1 1 1", NULL),
         APEX);
    assert_true(s->has_serial);
    assert_int_equal(s->serial, 2024010101u);
    /* The first serial is kept. */
    feed(s, NULL, &r, LDNS_RR_TYPE_SOA, CS_OUT_ANSWER, soa_pkt(5, true), APEX);
    assert_int_equal(s->serial, 2024010101u);
    /* The NS set: sorted, once each, the apex's only, lower case. */
    feed(s, NULL, &r, LDNS_RR_TYPE_NS, CS_OUT_ANSWER,
         mkpkt(APEX, LDNS_RR_TYPE_NS, LDNS_RCODE_NOERROR, true, true,
               "an:" APEX ". 300 IN NS NS2.example.net.", "an:" APEX ". 300 IN NS ns1.example.net.",
               "an:" APEX ". 300 IN NS ns2.example.net.", "an:sub." APEX ". 300 IN NS x.test.",
               NULL),
         APEX);
    assert_true(s->has_ns);
    assert_string_equal(s->ns_set, "ns1.example.net;ns2.example.net");
    uint64_t h = s->ns_hash;
    zone_free(z);

    /* The same names in another order hash the same; a negative answer gives no set. */
    z = zone_new(1);
    s = &z->servers[0];
    feed(s, NULL, &r, LDNS_RR_TYPE_NS, CS_OUT_ANSWER, nodata_pkt(APEX, LDNS_RR_TYPE_NS), APEX);
    assert_false(s->has_ns);
    feed(s, NULL, &r, LDNS_RR_TYPE_SOA, CS_OUT_ANSWER, nodata_pkt(APEX, LDNS_RR_TYPE_SOA), APEX);
    assert_false(s->has_serial);
    feed(s, NULL, &r, LDNS_RR_TYPE_NS, CS_OUT_ANSWER, ns_pkt(2), APEX);
    assert_string_equal(s->ns_set, "ns1.example.net;ns2.example.net");
    assert_int_equal(s->ns_hash, h);
    zone_free(z);
}

/* ---- a parent's referral --------------------------------------------------------------- */

static void test_referral_child(void **state)
{
    (void)state;
    ldns_pkt *p = mkpkt(NAME, LDNS_RR_TYPE_NS, LDNS_RCODE_NOERROR, false, true,
                        "ns:example.test. 300 IN NS ns1.example.net.",
                        "ns:Example.Test. 300 IN NS ns2.example.test.",
                        "ns:other.test. 300 IN NS ns9.other.test.", /* not above the name */
                        "ns:test. 300 IN NS a.nic.test.",           /* the parent itself */
                        "ar:ns2.example.test. 300 IN A 192.0.2.2",
                        "ar:ns2.example.test. 300 IN AAAA 2001:db8::2",
                        "ar:ns9.other.test. 300 IN A 192.0.2.9", /* not listed */
                        "ar:ns1.example.net. 300 IN TXT \"no address\"", NULL);
    struct auth_referral ref = {0};
    assert_int_equal(cs_auth_read_referral(p, NAME, "test", &ref), CS_OK);
    assert_int_equal(ref.kind, AUTH_REF_CHILD);
    assert_string_equal(ref.apex, "example.test");
    assert_int_equal(ref.nns, 2);
    assert_string_equal(ref.ns[0], "ns1.example.net");
    assert_string_equal(ref.ns[1], "ns2.example.test");
    assert_int_equal(ref.glue.n, 2);
    char ip[48];
    assert_string_equal(ref.glue.name[0], "ns2.example.test");
    assert_string_equal(cs_addr_format_ip(&ref.glue.addr[0], ip, sizeof(ip)), "192.0.2.2");
    assert_string_equal(ref.glue.name[1], "ns2.example.test");
    assert_string_equal(cs_addr_format_ip(&ref.glue.addr[1], ip, sizeof(ip)), "2001:db8::2");
    cs_auth_referral_clear(&ref);
    assert_null(ref.apex);
    assert_int_equal(ref.nns, 0);
    ldns_pkt_free(p);
}

static void test_referral_in_parent_and_none(void **state)
{
    (void)state;
    struct auth_referral ref = {0};
    ldns_pkt *p = mkpkt(NAME, LDNS_RR_TYPE_NS, LDNS_RCODE_NOERROR, true, true,
                        "ns:test. 300 IN SOA a.nic.test. h.test. 1 1 1 1 1", NULL);
    assert_int_equal(cs_auth_read_referral(p, NAME, "test", &ref), CS_OK);
    assert_int_equal(ref.kind, AUTH_REF_IN_PARENT);
    assert_null(ref.apex);
    ldns_pkt_free(p);

    p = rcode_pkt(NAME, LDNS_RR_TYPE_NS, LDNS_RCODE_REFUSED);
    assert_int_equal(cs_auth_read_referral(p, NAME, "test", &ref), CS_OK);
    assert_int_equal(ref.kind, AUTH_REF_NONE);
    ldns_pkt_free(p);

    /* Not authoritative and no NS of a zone between: nothing usable. */
    p = mkpkt(NAME, LDNS_RR_TYPE_NS, LDNS_RCODE_NOERROR, false, true,
              "ns:test. 300 IN NS a.nic.test.", NULL);
    assert_int_equal(cs_auth_read_referral(p, NAME, "test", &ref), CS_OK);
    assert_int_equal(ref.kind, AUTH_REF_NONE);
    assert_null(ref.apex);
    assert_int_equal(ref.nns, 0);
    cs_auth_referral_clear(&ref);
    ldns_pkt_free(p);
}

/* Owner names compared without allocating, as their text form would compare. */
static void test_dname_is(void **state)
{
    (void)state;
    static const struct {
        const char *wire_text, *name;
        bool same;
    } cases[] = {
        {"ExAmple.TEST.", "example.test", true},
        {"example.test.", "example.tes", false},
        {"example.test.", "example.test.x", false},
        {"a.example.test.", "example.test", false},
        {"example.test.", "xexample.test", false},
        {".", "", true},
        {".", "test", false},
        {"*._tcp.Example.test.", "*._tcp.example.test", true},
        {"a\\.b.test.", "a\\.b.test", true},
        {"a\\.b.test.", "a.b.test", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ldns_rdf *d = NULL;
        assert_int_equal(ldns_str2rdf_dname(&d, cases[i].wire_text), LDNS_STATUS_OK);
        assert_int_equal(cs_dname_is(d, cases[i].name), cases[i].same);
        ldns_rdf_deep_free(d);
    }
}

static void test_addr_from_rdf(void **state)
{
    (void)state;
    ldns_rdf *a = NULL, *dn = NULL;
    assert_int_equal(ldns_str2rdf_a(&a, "198.51.100.7"), LDNS_STATUS_OK);
    struct cs_addr ad;
    assert_int_equal(cs_auth_addr_from_rdf(a, &ad), CS_OK);
    char buf[64];
    assert_string_equal(cs_addr_format(&ad, buf, sizeof(buf)), "198.51.100.7:53");
    ldns_rdf *aaaa = NULL;
    assert_int_equal(ldns_str2rdf_aaaa(&aaaa, "2001:db8::53"), LDNS_STATUS_OK);
    assert_int_equal(cs_auth_addr_from_rdf(aaaa, &ad), CS_OK);
    assert_string_equal(cs_addr_format(&ad, buf, sizeof(buf)), "[2001:db8::53]:53");
    ldns_rdf_deep_free(aaaa);
    assert_int_equal(ldns_str2rdf_dname(&dn, "ns1.example.net."), LDNS_STATUS_OK);
    assert_int_equal(cs_auth_addr_from_rdf(dn, &ad), CS_EINVAL);
    ldns_rdf_deep_free(a);
    ldns_rdf_deep_free(dn);
}

/* ---- a name at every server ------------------------------------------------------------ */

static void test_name_notimp_at_one_server(void **state)
{
    (void)state;
    struct cs_auth_zone *z = zone_new(3);
    struct cs_auth_qname *q = qname_new(z, NAME);
    name_all(q, 0, CS_OUT_ANSWER, mk_caa, "letsencrypt.org", "sHop.example.test");
    name_all(q, 1, CS_OUT_ANSWER, mk_caa, "letsencrypt.org", "shoP.Example.test");
    name_all(q, 2, CS_OUT_ANSWER, mk_rcode, "4", "SHOP.example.test");
    assert_int_equal(q->nsets, 1);
    assert_int_equal(q->set_server[0], 0);
    cs_auth_judge_qname(q, TRIES);
    assert_false(q->some_without_caa); /* an error RCODE is no answer: a CA does not climb on */
    assert_codes(q->problems, PB(AUTH_NOTIMP));
    assert_codes(q->server_probs[0], 0);
    assert_codes(q->server_probs[1], 0);
    assert_codes(q->server_probs[2], PB(AUTH_NOTIMP));
    assert_null(q->server_detail[0]);
    assert_null(q->server_detail[1]);
    assert_string_equal(q->server_detail[2], "ns3.example.net (192.0.2.3) answered NOTIMP to 2 of "
                                             "2 CAA queries for shop.example.test");
    assert_codes(z->servers[0].findings, 0);
    assert_codes(z->servers[2].findings, PB(AUTH_NOTIMP));
    assert_string_equal(z->servers[2].detail.data,
                        "answered NOTIMP to 2 of 2 CAA queries for shop.example.test");
    assert_int_equal(q->detail.len, 0); /* the others agree; an error is no CAA set */
    cs_auth_qname_free(q);
    zone_free(z);
}

static void test_name_servfail_once(void **state)
{
    (void)state;
    struct cs_auth_zone *z = zone_new(2);
    struct cs_auth_qname *q = qname_new(z, NAME);
    feed(&z->servers[0], q, &q->replies[0], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
         rcode_pkt(NAME, LDNS_RR_TYPE_CAA, LDNS_RCODE_SERVFAIL), "shOp.example.test");
    feed(&z->servers[0], q, &q->replies[1], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
         caa_pkt(NAME, "letsencrypt.org"), "shop.eXample.test");
    name_all(q, 1, CS_OUT_ANSWER, mk_caa, "letsencrypt.org", "shop.exAmple.test");
    cs_auth_judge_qname(q, TRIES);
    assert_codes(q->problems, PB(AUTH_SERVFAIL) | PB(INTERMITTENT));
    assert_codes(q->server_probs[0], PB(AUTH_SERVFAIL) | PB(INTERMITTENT));
    assert_codes(q->server_probs[1], 0);
    assert_string_equal(q->server_detail[0], "ns1.example.net (192.0.2.1) answered SERVFAIL to 1 "
                                             "of 2 CAA queries for shop.example.test");
    assert_null(q->server_detail[1]);
    assert_codes(z->servers[1].findings, 0);
    assert_int_equal(q->detail.len, 0);
    cs_auth_qname_free(q);
    zone_free(z);
}

static void test_name_sets_differ_between_tries(void **state)
{
    (void)state;
    struct cs_auth_zone *z = zone_new(2);
    struct cs_auth_qname *q = qname_new(z, NAME);
    feed(&z->servers[0], q, &q->replies[0], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
         caa_pkt(NAME, "letsencrypt.org"), "shoP.example.test");
    feed(&z->servers[0], q, &q->replies[1], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
         caa_pkt(NAME, "other-ca.test"), "shop.exaMple.test");
    name_all(q, 1, CS_OUT_ANSWER, mk_caa, "letsencrypt.org", "Shop.example.test");
    assert_int_equal(q->nsets, 2); /* both sets are kept, both from ns1 */
    assert_int_equal(q->set_server[0], 0);
    assert_int_equal(q->set_server[1], 0);
    cs_auth_judge_qname(q, TRIES);
    assert_codes(q->problems, PB(INTERMITTENT));
    assert_codes(q->server_probs[0], PB(INTERMITTENT));
    assert_codes(q->server_probs[1], 0);
    assert_string_equal(q->server_detail[0], "ns1.example.net (192.0.2.1) gave different answers "
                                             "to CAA shop.example.test between tries");
    assert_int_equal(q->detail.len, 0); /* the first answers agree */
    cs_auth_qname_free(q);
    zone_free(z);
}

static void test_name_timeouts(void **state)
{
    (void)state;
    struct cs_auth_zone *z = zone_new(2);
    struct cs_auth_qname *q = qname_new(z, NAME);
    name_all(q, 0, CS_OUT_ANSWER, mk_nodata, NULL, "shop.examplE.test");
    name_all(q, 1, CS_OUT_TIMEOUT, NULL, NULL, "shop.examPle.test");
    cs_auth_judge_qname(q, TRIES);
    assert_codes(q->problems, PB(AUTH_TIMEOUT));
    assert_codes(q->server_probs[0], 0);
    assert_codes(q->server_probs[1], PB(AUTH_TIMEOUT));
    assert_string_equal(q->server_detail[1], "ns2.example.net (192.0.2.2) did not answer 2 of 2 "
                                             "CAA queries for shop.example.test");
    cs_auth_qname_free(q);

    /* One try lost: a timeout and an intermittent server. A send that failed here says nothing
     * about the server. */
    q = qname_new(z, "www.example.test");
    name_all(q, 0, CS_OUT_ANSWER, mk_nodata, NULL, "wWw.example.test");
    feed(&z->servers[1], q, &q->replies[2], LDNS_RR_TYPE_CAA, CS_OUT_TIMEOUT, NULL,
         "wwW.example.test");
    feed(&z->servers[1], q, &q->replies[3], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
         nodata_pkt("www.example.test", LDNS_RR_TYPE_CAA), "Www.example.test");
    cs_auth_judge_qname(q, TRIES);
    assert_codes(q->server_probs[1], PB(AUTH_TIMEOUT) | PB(INTERMITTENT));
    assert_string_equal(q->server_detail[1], "ns2.example.net (192.0.2.2) did not answer 1 of 2 "
                                             "CAA queries for www.example.test");
    cs_auth_qname_free(q);

    q = qname_new(z, "ftp.example.test");
    name_all(q, 0, CS_OUT_NETERR, NULL, NULL, "fTp.example.test");
    name_all(q, 1, CS_OUT_ANSWER, mk_nodata, NULL, "ftP.example.test");
    cs_auth_judge_qname(q, TRIES);
    assert_codes(q->problems, 0);
    assert_null(q->server_detail[0]);
    cs_auth_qname_free(q);
    zone_free(z);
}

static void test_name_no_aa_no_soa_empty(void **state)
{
    (void)state;
    struct cs_auth_zone *z = zone_new(3);
    struct cs_auth_qname *q = qname_new(z, NAME);
    name_all(q, 0, CS_OUT_ANSWER, mk_nodata, NULL, "sHOP.example.test");
    for (unsigned t = 0; t < TRIES; t++) {
        /* ns2: NODATA without AA, with the SOA */
        feed(
            &z->servers[1], q, &q->replies[TRIES + t], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
            mkpkt(NAME, LDNS_RR_TYPE_CAA, LDNS_RCODE_NOERROR, false, true, SOA_LINE(APEX, 1), NULL),
            "Shop.example.test");
        /* ns3: NODATA with AA, no SOA */
        feed(&z->servers[2], q, &q->replies[2 * TRIES + t], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
             mkpkt(NAME, LDNS_RR_TYPE_CAA, LDNS_RCODE_NOERROR, true, true, NULL),
             "shop.Example.test");
    }
    cs_auth_judge_qname(q, TRIES);
    assert_codes(q->problems, PB(AUTH_NOT_AUTHORITATIVE) | PB(MISSING_SOA_NEGATIVE));
    assert_codes(q->server_probs[0], 0);
    assert_codes(q->server_probs[1], PB(AUTH_NOT_AUTHORITATIVE));
    assert_codes(q->server_probs[2], PB(MISSING_SOA_NEGATIVE));
    assert_string_equal(q->server_detail[1], "ns2.example.net (192.0.2.2) answered CAA "
                                             "shop.example.test without the AA bit");
    assert_string_equal(q->server_detail[2], "ns3.example.net (192.0.2.3) gave a negative answer "
                                             "to CAA shop.example.test without the zone's SOA");
    assert_int_equal(q->detail.len, 0); /* every one says: no CAA */
    cs_auth_qname_free(q);

    /* A completely empty NOERROR (no AA either, as such servers send it); an NXDOMAIN without
     * the SOA. */
    q = qname_new(z, NAME);
    name_all(q, 0, CS_OUT_ANSWER, mk_nodata, NULL, "shop.exaMple.test");
    for (unsigned t = 0; t < TRIES; t++) {
        feed(&z->servers[1], q, &q->replies[TRIES + t], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
             mkpkt(NAME, LDNS_RR_TYPE_CAA, LDNS_RCODE_NOERROR, false, false, NULL),
             "shop.examplE.test");
        feed(&z->servers[2], q, &q->replies[2 * TRIES + t], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
             mkpkt(NAME, LDNS_RR_TYPE_CAA, LDNS_RCODE_NXDOMAIN, true, true, NULL),
             "shop.example.tesT");
    }
    cs_auth_judge_qname(q, TRIES);
    assert_codes(q->server_probs[1], PB(AUTH_NOT_AUTHORITATIVE) | PB(EMPTY_NOERROR));
    assert_string_equal(q->server_detail[1],
                        "ns2.example.net (192.0.2.2) answered CAA shop.example.test without the AA "
                        "bit, answered CAA shop.example.test with an empty NOERROR (no record, no "
                        "OPT)");
    /* NXDOMAIN against NODATA: the servers disagree about the name; ns2's empty answer is no
     * CAA too, so ns3 is the minority. */
    assert_codes(q->server_probs[2], PB(MISSING_SOA_NEGATIVE));
    assert_codes(q->problems, PB(AUTH_NOT_AUTHORITATIVE) | PB(MISSING_SOA_NEGATIVE) |
                                  PB(EMPTY_NOERROR) | PB(AUTH_INCONSISTENT_CAA));
    assert_codes(z->servers[0].findings & PB(AUTH_INCONSISTENT_CAA), 0);
    assert_codes(z->servers[1].findings & PB(AUTH_INCONSISTENT_CAA), 0);
    assert_codes(z->servers[2].findings & PB(AUTH_INCONSISTENT_CAA), PB(AUTH_INCONSISTENT_CAA));
    assert_string_equal(q->detail.data,
                        "servers disagree on CAA shop.example.test: ns1.example.net (192.0.2.1), "
                        "ns2.example.net (192.0.2.2) answered no CAA; ns3.example.net (192.0.2.3) "
                        "answered NXDOMAIN");
    cs_auth_qname_free(q);
    zone_free(z);
}

static void test_name_case_not_preserved(void **state)
{
    (void)state;
    struct cs_auth_zone *z = zone_new(2);
    struct cs_auth_qname *q = qname_new(z, NAME);
    name_all(q, 0, CS_OUT_ANSWER, mk_caa, "letsencrypt.org", "SHOP.example.test");
    name_all(q, 1, CS_OUT_CASE_MISMATCH, mk_caa, "letsencrypt.org", "shop.EXAMPLE.test");
    cs_auth_judge_qname(q, TRIES);
    assert_codes(q->problems, PB(CASE_NOT_PRESERVED));
    assert_codes(q->server_probs[0], 0);
    assert_codes(q->server_probs[1], PB(CASE_NOT_PRESERVED));
    assert_string_equal(q->server_detail[1], "ns2.example.net (192.0.2.2) did not echo the 0x20 "
                                             "case of CAA shop.example.test");
    assert_int_equal(q->nsets, 1); /* the same set */
    assert_int_equal(q->detail.len, 0);
    cs_auth_qname_free(q);
    zone_free(z);
}

static void test_name_inconsistent_sets(void **state)
{
    (void)state;
    /* Three servers, one with another set: only that one is marked. */
    struct cs_auth_zone *z = zone_new(3);
    struct cs_auth_qname *q = qname_new(z, NAME);
    name_all(q, 0, CS_OUT_ANSWER, mk_caa, "letsencrypt.org", "shop.example.TEST");
    name_all(q, 1, CS_OUT_ANSWER, mk_caa, "other-ca.test", "shop.EXAMPLE.test");
    name_all(q, 2, CS_OUT_ANSWER, mk_caa, "letsencrypt.org", "SHOP.example.test");
    assert_int_equal(q->nsets, 2);
    assert_int_equal(q->set_server[0], 0);
    assert_int_equal(q->set_server[1], 1);
    assert_int_equal(ldns_rr_list_rr_count(q->sets[1]), 1);
    cs_auth_judge_qname(q, TRIES);
    assert_false(q->some_without_caa); /* every server has a set: a CA stops here */
    assert_codes(q->problems, PB(AUTH_INCONSISTENT_CAA));
    assert_codes(z->servers[0].findings, 0);
    assert_codes(z->servers[1].findings, PB(AUTH_INCONSISTENT_CAA));
    assert_codes(z->servers[2].findings, 0);
    for (size_t i = 0; i < 3; i++) {
        assert_codes(q->server_probs[i], 0); /* each server answers the same every time */
        assert_null(q->server_detail[i]);
    }
    assert_string_equal(q->detail.data,
                        "servers disagree on CAA shop.example.test: ns1.example.net (192.0.2.1), "
                        "ns3.example.net (192.0.2.3) answered CAA 0 issue \"letsencrypt.org\"; "
                        "ns2.example.net (192.0.2.2) answered CAA 0 issue \"other-ca.test\"");
    cs_auth_qname_free(q);
    zone_free(z);

    /* One against one: both are marked. */
    z = zone_new(2);
    q = qname_new(z, NAME);
    name_all(q, 0, CS_OUT_ANSWER, mk_nodata, NULL, "shoP.example.test");
    name_all(q, 1, CS_OUT_ANSWER, mk_caa, "other-ca.test", "Shop.example.test");
    cs_auth_judge_qname(q, TRIES);
    assert_true(q->some_without_caa); /* a CA asking ns1 goes on to the parent */
    assert_codes(q->problems, PB(AUTH_INCONSISTENT_CAA));
    assert_codes(z->servers[0].findings, PB(AUTH_INCONSISTENT_CAA));
    assert_codes(z->servers[1].findings, PB(AUTH_INCONSISTENT_CAA));
    assert_int_equal(q->nsets, 1);
    assert_int_equal(q->set_server[0], 1);
    assert_string_equal(q->detail.data,
                        "servers disagree on CAA shop.example.test: ns1.example.net (192.0.2.1) "
                        "answered no CAA; ns2.example.net (192.0.2.2) answered CAA 0 issue "
                        "\"other-ca.test\"");
    cs_auth_qname_free(q);
    zone_free(z);
}

static void test_name_server_without_address(void **state)
{
    (void)state;
    struct cs_auth_zone *z = zone_new(3);
    server_no_address(&z->servers[2]);
    struct cs_auth_qname *q = qname_new(z, NAME);
    name_all(q, 0, CS_OUT_ANSWER, mk_caa, "letsencrypt.org", "shop.Example.test");
    name_all(q, 1, CS_OUT_ANSWER, mk_caa, "letsencrypt.org", "shop.eXample.test");
    cs_auth_judge_qname(q, TRIES);
    assert_codes(q->problems, 0);
    assert_codes(q->server_probs[2], 0);
    assert_null(q->server_detail[2]);
    assert_codes(z->servers[2].findings, PB(NS_NO_ADDRESS));
    cs_auth_qname_free(q);
    zone_free(z);
}

/* ---- the zone probes ------------------------------------------------------------------- */

static void test_zone_healthy(void **state)
{
    (void)state;
    struct cs_auth_zone *z = zone_with_apex(3);
    for (size_t i = 0; i < 3; i++)
        server_healthy(z, i, 7, 3);
    cs_auth_judge_zone(z, TRIES);
    assert_codes(z->problems, 0);
    assert_int_equal(z->detail.len, 0);
    for (size_t i = 0; i < 3; i++) {
        assert_codes(z->servers[i].findings, 0);
        assert_true(z->servers[i].has_serial);
        assert_string_equal(z->servers[i].ns_set,
                            "ns1.example.net;ns2.example.net;ns3.example.net");
    }
    zone_free(z);
}

static void test_zone_serials(void **state)
{
    (void)state;
    struct cs_auth_zone *z = zone_with_apex(3);
    server_healthy(z, 0, 2024, 3);
    server_healthy(z, 1, 2025, 3);
    server_healthy(z, 2, 2024, 3);
    cs_auth_judge_zone(z, TRIES);
    assert_codes(z->problems, PB(SOA_SERIAL_MISMATCH));
    assert_codes(z->servers[0].findings, 0);
    assert_codes(z->servers[1].findings, PB(SOA_SERIAL_MISMATCH));
    assert_codes(z->servers[1].zone_probs, PB(SOA_SERIAL_MISMATCH));
    assert_codes(z->servers[2].findings, 0);
    assert_string_equal(z->detail.data,
                        "SOA serials of example.test differ: serial 2024 at ns1.example.net "
                        "(192.0.2.1), ns3.example.net (192.0.2.3); serial 2025 at ns2.example.net "
                        "(192.0.2.2)");
    zone_free(z);

    /* One against one: both. */
    z = zone_with_apex(2);
    server_healthy(z, 0, 1, 2);
    server_healthy(z, 1, 2, 2);
    cs_auth_judge_zone(z, TRIES);
    assert_codes(z->servers[0].findings, PB(SOA_SERIAL_MISMATCH));
    assert_codes(z->servers[1].findings, PB(SOA_SERIAL_MISMATCH));
    zone_free(z);
}

static void test_zone_ns_sets(void **state)
{
    (void)state;
    struct cs_auth_zone *z = zone_with_apex(3);
    server_healthy(z, 0, 9, 3);
    server_healthy(z, 1, 9, 3);
    server_healthy(z, 2, 9, 2);
    cs_auth_judge_zone(z, TRIES);
    assert_codes(z->problems, PB(NS_SET_MISMATCH));
    assert_codes(z->servers[0].findings, 0);
    assert_codes(z->servers[1].findings, 0);
    assert_codes(z->servers[2].findings, PB(NS_SET_MISMATCH));
    assert_codes(z->servers[2].zone_probs, PB(NS_SET_MISMATCH));
    assert_string_equal(z->detail.data,
                        "NS sets of example.test differ: ns1.example.net;ns2.example.net;"
                        "ns3.example.net at ns1.example.net (192.0.2.1), ns2.example.net "
                        "(192.0.2.2); ns1.example.net;ns2.example.net at ns3.example.net "
                        "(192.0.2.3)");
    zone_free(z);
}

static void test_zone_tcp_broken_and_dead_server(void **state)
{
    (void)state;
    struct cs_auth_zone *z = zone_with_apex(3);
    server_healthy(z, 0, 3, 3);
    server_healthy(z, 1, 3, 3);
    /* ns2 answers over UDP only. */
    feed(&z->servers[1], NULL, &z->servers[1].probes[AUTH_PROBE_TCP(TRIES)], LDNS_RR_TYPE_SOA,
         CS_OUT_TCP_FAILED, NULL, "exAmple.test");
    /* ns3 answers nothing at all. */
    struct cs_auth_server *d = &z->servers[2];
    for (size_t k = 0; k < cs_auth_zone_probe_count(TRIES); k++)
        feed(d, NULL, &d->probes[k],
             k == AUTH_PROBE_NS(TRIES)      ? LDNS_RR_TYPE_NS
             : k == AUTH_PROBE_LOWER(TRIES) ? LDNS_RR_TYPE_CAA
                                            : LDNS_RR_TYPE_SOA,
             CS_OUT_TIMEOUT, NULL, "example.TEST");
    name_all(z->priv->apex_q, 2, CS_OUT_TIMEOUT, NULL, NULL, "Example.test");
    cs_auth_judge_zone(z, TRIES);
    assert_codes(z->problems, PB(AUTH_TIMEOUT) | PB(TCP_BROKEN));
    assert_codes(z->servers[0].findings, 0);
    assert_codes(z->servers[1].findings, PB(TCP_BROKEN));
    assert_codes(z->servers[2].findings, PB(AUTH_TIMEOUT));
    assert_codes(z->servers[1].zone_described, PB(TCP_BROKEN));
    assert_codes(z->servers[2].zone_described, PB(AUTH_TIMEOUT));
    assert_string_equal(z->servers[1].detail.data,
                        "does not answer SOA example.test over TCP (tcp_failed)");
    assert_string_equal(z->detail.data,
                        "ns2.example.net (192.0.2.2) does not answer SOA example.test over TCP "
                        "(tcp_failed); ns3.example.net (192.0.2.3) did not answer 2 of 2 SOA "
                        "queries for example.test");
    zone_free(z);

    /* A TCP timeout while UDP answers is TCP_BROKEN too. */
    z = zone_with_apex(1);
    server_healthy(z, 0, 3, 1);
    feed(&z->servers[0], NULL, &z->servers[0].probes[AUTH_PROBE_TCP(TRIES)], LDNS_RR_TYPE_SOA,
         CS_OUT_TIMEOUT, NULL, "exAmple.test");
    cs_auth_judge_zone(z, TRIES);
    assert_codes(z->problems, PB(TCP_BROKEN));
    assert_string_equal(z->detail.data, "ns1.example.net (192.0.2.1) does not answer SOA "
                                        "example.test over TCP (timeout)");
    zone_free(z);
}

static void test_zone_tcp_error(void **state)
{
    (void)state;
    /* Over TCP the server answers, but with an error: the finding and what it answered. */
    struct cs_auth_zone *z = zone_with_apex(2);
    server_healthy(z, 0, 3, 2);
    server_healthy(z, 1, 3, 2);
    feed(&z->servers[0], NULL, &z->servers[0].probes[AUTH_PROBE_TCP(TRIES)], LDNS_RR_TYPE_SOA,
         CS_OUT_ANSWER, rcode_pkt(APEX, LDNS_RR_TYPE_SOA, LDNS_RCODE_REFUSED), "exaMple.test");
    cs_auth_judge_zone(z, TRIES);
    assert_codes(z->problems, PB(AUTH_REFUSED));
    assert_codes(z->servers[0].findings, PB(AUTH_REFUSED));
    assert_codes(z->servers[0].zone_described, PB(AUTH_REFUSED));
    assert_codes(z->servers[1].findings, 0);
    assert_string_equal(z->detail.data, "ns1.example.net (192.0.2.1) answered REFUSED to 1 of 1 "
                                        "SOA queries for example.test over TCP");
    assert_string_equal(z->servers[0].detail.data,
                        "answered REFUSED to 1 of 1 SOA queries for example.test over TCP");
    zone_free(z);

    /* A server that refuses everything is told once. */
    z = zone_with_apex(1);
    struct cs_auth_server *s = &z->servers[0];
    for (size_t k = 0; k < cs_auth_zone_probe_count(TRIES); k++)
        feed(s, NULL, &s->probes[k], LDNS_RR_TYPE_SOA, CS_OUT_ANSWER,
             rcode_pkt(APEX, LDNS_RR_TYPE_SOA, LDNS_RCODE_REFUSED), "exAmple.test");
    name_all(z->priv->apex_q, 0, CS_OUT_ANSWER, mk_rcode, "5", "examPle.test");
    cs_auth_judge_zone(z, TRIES);
    assert_codes(z->problems, PB(AUTH_REFUSED));
    assert_string_equal(z->detail.data, "ns1.example.net (192.0.2.1) answered REFUSED to 2 of 2 "
                                        "SOA queries for example.test");
    zone_free(z);
}

static void test_zone_edns_broken(void **state)
{
    (void)state;
    struct cs_auth_zone *z = zone_with_apex(2);
    server_healthy(z, 0, 4, 2);
    /* ns2 answers FORMERR to every query with EDNS, and the SOA without. */
    struct cs_auth_server *s = &z->servers[1];
    struct cs_auth_reply *p = s->probes;
    for (unsigned t = 0; t < TRIES; t++)
        feed(s, NULL, &p[t], LDNS_RR_TYPE_SOA, CS_OUT_ANSWER,
             rcode_pkt(APEX, LDNS_RR_TYPE_SOA, LDNS_RCODE_FORMERR), "EXAMPLE.test");
    feed(s, NULL, &p[AUTH_PROBE_NS(TRIES)], LDNS_RR_TYPE_NS, CS_OUT_ANSWER,
         rcode_pkt(APEX, LDNS_RR_TYPE_NS, LDNS_RCODE_FORMERR), "example.TEST");
    feed(s, NULL, &p[AUTH_PROBE_TCP(TRIES)], LDNS_RR_TYPE_SOA, CS_OUT_ANSWER,
         rcode_pkt(APEX, LDNS_RR_TYPE_SOA, LDNS_RCODE_FORMERR), "eXample.test");
    feed(s, NULL, &p[AUTH_PROBE_NOEDNS(TRIES)], LDNS_RR_TYPE_SOA, CS_OUT_ANSWER, soa_pkt(4, false),
         "exAmple.test");
    feed(s, NULL, &p[AUTH_PROBE_LOWER(TRIES)], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
         rcode_pkt(APEX, LDNS_RR_TYPE_CAA, LDNS_RCODE_FORMERR), APEX);
    name_all(z->priv->apex_q, 1, CS_OUT_ANSWER, mk_rcode, "1", "examPle.test");
    cs_auth_judge_zone(z, TRIES);
    assert_codes(z->problems, PB(AUTH_FORMERR) | PB(EDNS_BROKEN));
    assert_codes(z->servers[0].findings, 0);
    assert_codes(z->servers[1].findings, PB(AUTH_FORMERR) | PB(EDNS_BROKEN));
    assert_true(s->has_serial); /* from the answer without EDNS */
    assert_int_equal(s->serial, 4);
    assert_string_equal(z->detail.data,
                        "ns2.example.net (192.0.2.2) answered FORMERR to 2 of 2 SOA queries for "
                        "example.test, answers FORMERR to SOA example.test with EDNS and NOERROR "
                        "without");
    assert_string_equal(s->detail.data, "answered FORMERR to 2 of 2 SOA queries for example.test, "
                                        "answers FORMERR to SOA example.test with EDNS and "
                                        "NOERROR without");
    zone_free(z);
}

static void test_zone_case_sensitive_answer(void **state)
{
    (void)state;
    struct cs_auth_zone *z = zone_with_apex(2);
    server_healthy(z, 0, 1, 2);
    server_healthy(z, 1, 1, 2);
    /* ns1: the apex in mixed case does not exist, in lower case it has a CAA set. */
    struct cs_auth_server *s = &z->servers[0];
    struct cs_auth_qname *aq = z->priv->apex_q;
    for (unsigned t = 0; t < TRIES; t++)
        feed(
            s, aq, &aq->replies[t], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
            mkpkt(APEX, LDNS_RR_TYPE_CAA, LDNS_RCODE_NXDOMAIN, true, true, SOA_LINE(APEX, 1), NULL),
            "ExAmple.test");
    feed(s, NULL, &s->probes[AUTH_PROBE_LOWER(TRIES)], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
         caa_pkt(APEX, "letsencrypt.org"), APEX);
    cs_auth_judge_zone(z, TRIES);
    assert_codes(z->problems, PB(CASE_SENSITIVE_ANSWER));
    assert_codes(z->servers[0].findings, PB(CASE_SENSITIVE_ANSWER));
    assert_codes(z->servers[1].findings, 0);
    assert_string_equal(z->detail.data,
                        "ns1.example.net (192.0.2.1) answers CAA example.test with NXDOMAIN when "
                        "the name has upper-case letters and NOERROR and records in lower case");
    zone_free(z);

    /* Sent without upper-case letters (a name of digits), the answers cannot be compared. */
    z = zone_with_apex(1);
    server_healthy(z, 0, 1, 1);
    aq = z->priv->apex_q;
    for (unsigned t = 0; t < TRIES; t++)
        feed(
            &z->servers[0], aq, &aq->replies[t], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
            mkpkt(APEX, LDNS_RR_TYPE_CAA, LDNS_RCODE_NXDOMAIN, true, true, SOA_LINE(APEX, 1), NULL),
            APEX);
    feed(&z->servers[0], NULL, &z->servers[0].probes[AUTH_PROBE_LOWER(TRIES)], LDNS_RR_TYPE_CAA,
         CS_OUT_ANSWER, caa_pkt(APEX, "letsencrypt.org"), APEX);
    cs_auth_judge_zone(z, TRIES);
    assert_codes(z->problems, 0);
    zone_free(z);
}

static void test_zone_server_without_address(void **state)
{
    (void)state;
    struct cs_auth_zone *z = zone_with_apex(3);
    server_healthy(z, 0, 1, 3);
    server_healthy(z, 1, 1, 3);
    server_no_address(&z->servers[2]);
    cs_auth_judge_zone(z, TRIES);
    assert_codes(z->problems, PB(NS_NO_ADDRESS));
    assert_codes(z->servers[0].findings, 0);
    assert_codes(z->servers[1].findings, 0);
    assert_codes(z->servers[2].findings, PB(NS_NO_ADDRESS));
    assert_string_equal(z->detail.data, "nameserver ns3.example.net has no address (NXDOMAIN)");
    zone_free(z);
}

/* ---- the verdict ----------------------------------------------------------------------- */

/* The verdict of shop.example.test (levels: the name, example.test, test) with the name's
 * probes q (the zone's probes healthy), judged as a scan does. */
static void verdict_with(struct cs_ca_level **lv, struct cs_auth_qname *q, struct cs_verdict *v)
{
    struct cs_auth_zone *z = q->zone;
    assert_int_equal(cs_verdict_compute(NAME, false, lv, 3, &le, NULL, v), CS_OK);
    cs_auth_judge_zone(z, TRIES);
    cs_auth_judge_qname(q, TRIES);
    z->done = q->done = true;
    struct cs_auth_zone *zones[1] = {z};
    struct cs_auth_qname *qnames[1] = {q};
    struct cs_auth_result ar = {.nlevels = 1, .zones = zones, .qnames = qnames};
    assert_int_equal(cs_verdict_add_auth(v, false, lv, 3, &ar, &le), CS_OK);
}

static struct cs_auth_zone *healthy_zone(size_t n)
{
    struct cs_auth_zone *z = zone_with_apex(n);
    for (size_t i = 0; i < n; i++)
        server_healthy(z, i, 1, (unsigned)n);
    return z;
}

static void test_verdict_server_forbids(void **state)
{
    (void)state;
    struct cs_ca_level *lv[3] = {level(NAME, "EE", NULL, NULL), level(APEX, "EE", NULL, NULL),
                                 level("test", "EE", NULL, NULL)};
    struct cs_auth_zone *z = healthy_zone(3);
    struct cs_auth_qname *q = qname_new(z, NAME);
    name_all(q, 0, CS_OUT_ANSWER, mk_nodata, NULL, "shop.example.tEst");
    name_all(q, 1, CS_OUT_ANSWER, mk_nodata, NULL, "shop.exampLe.test");
    name_all(q, 2, CS_OUT_ANSWER, mk_caa, "other-ca.test", "shop.Example.test");
    struct cs_verdict v;
    verdict_with(lv, q, &v);
    /* One server of three forbids: a CA's lookup meets it one time in three; with a primary and
     * 4 remotes allowing 1 failure, 1 - (2/3) * (16 + 32) / 81 = 60.5 % of attempts fail. */
    assert_string_equal(cs_status_name(v.status), "FLAKY");
    assert_string_equal(v.issuable, "unknown");
    assert_true(v.fail_pct == 60.5);
    assert_codes(v.problems, PB(CAA_NOT_AUTHORIZED) | PB(AUTH_INCONSISTENT_CAA));
    assert_string_equal(v.caa, "0 issue \"other-ca.test\"");
    assert_string_equal(v.caa_owner, NAME);
    assert_int_equal(v.relevant, 0);
    assert_string_equal(v.detail,
                        "CAA 0 issue \"other-ca.test\" does not name letsencrypt.org (CAA at "
                        "shop.example.test from ns3.example.net "
                        "(192.0.2.3)); resolvers saw: no CAA records from shop.example.test up to "
                        "test: any CA may issue; servers disagree on CAA shop.example.test: "
                        "ns1.example.net (192.0.2.1), ns2.example.net (192.0.2.2) answered no "
                        "CAA; ns3.example.net (192.0.2.3) answered CAA 0 issue \"other-ca.test\"; "
                        "counting what the servers of example.test answered when asked "
                        "directly, a lookup of CAA shop.example.test and up fails or finds a set "
                        "that forbids letsencrypt.org 33 % of the time; with a primary and 4 "
                        "remote perspectives allowing 1 failure, about 60 % of issuance attempts "
                        "would fail");
    cs_verdict_clear(&v);
    cs_auth_qname_free(q);
    zone_free(z);
    free_levels(lv, 3);
}

/* How often each server fails the name's direct CAA queries: a CA's resolver moves on to another
 * server when one fails, so a lookup fails only when every server it tries fails. */
static void test_verdict_servers_fail_share(void **state)
{
    (void)state;
    static const struct {
        size_t nservers;
        const char *fails; /* per server, per try: 'S' SERVFAIL, 'T' no reply, 'n' NODATA */
        const char *status;
        double pct;
    } cases[] = {
        /* One server fails every query, the other none: the resolver always gets an answer. */
        {2, "SSnn", "AT_RISK", 0.0},
        /* The only server fails one query in two: p = 1/2, 1 - (1/2)(5/16) = 84.4 %. */
        {1, "Sn", "FLAKY", 84.4},
        /* Both fail one in two: p = 1/4, 1 - (3/4)(81 + 108)/256 = 44.6 %. */
        {2, "SnTn", "FLAKY", 44.6},
        /* Both fail every query (one with no reply): the check fails every time. */
        {2, "SSTT", "SERVFAIL", 100.0},
        /* The only server never answers: TIMEOUT. */
        {1, "TT", "TIMEOUT", 100.0},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        print_message("case %zu: %s\n", c, cases[c].fails);
        struct cs_ca_level *lv[3] = {level(NAME, "EE", NULL, NULL), level(APEX, "EE", NULL, NULL),
                                     level("test", "EE", NULL, NULL)};
        struct cs_auth_zone *z = healthy_zone(cases[c].nservers);
        struct cs_auth_qname *q = qname_new(z, NAME);
        for (size_t k = 0; k < cases[c].nservers * TRIES; k++) {
            char f = cases[c].fails[k];
            feed(&z->servers[k / TRIES], q, &q->replies[k], LDNS_RR_TYPE_CAA,
                 f == 'T' ? CS_OUT_TIMEOUT : CS_OUT_ANSWER,
                 f == 'T'   ? NULL
                 : f == 'S' ? mk_rcode(NAME, "2")
                            : mk_nodata(NAME, NULL),
                 "shop.example.tEst");
        }
        struct cs_verdict v;
        verdict_with(lv, q, &v);
        assert_string_equal(cs_status_name(v.status), cases[c].status);
        assert_true(v.fail_pct == cases[c].pct);
        assert_string_equal(v.issuable, cs_status_issuable(v.status));
        cs_verdict_clear(&v);
        cs_auth_qname_free(q);
        zone_free(z);
        free_levels(lv, 3);
    }
}

static void test_verdict_notimp_at_risk(void **state)
{
    (void)state;
    struct cs_ca_level *lv[3] = {level(NAME, "EE", NULL, NULL), level(APEX, "EE", NULL, NULL),
                                 level("test", "EE", NULL, NULL)};
    struct cs_auth_zone *z = healthy_zone(2);
    struct cs_auth_qname *q = qname_new(z, NAME);
    name_all(q, 0, CS_OUT_ANSWER, mk_nodata, NULL, "shop.example.tEst");
    name_all(q, 1, CS_OUT_ANSWER, mk_rcode, "4", "shop.exAmple.test");
    struct cs_verdict v;
    verdict_with(lv, q, &v);
    assert_string_equal(cs_status_name(v.status), "AT_RISK");
    assert_string_equal(v.issuable, "yes");
    assert_codes(v.problems, PB(AUTH_NOTIMP));
    assert_string_equal(v.caa, "");
    assert_string_equal(v.detail,
                        "no CAA records from shop.example.test up to test: any CA may issue; "
                        "ns2.example.net (192.0.2.2) answered NOTIMP to 2 of 2 CAA queries for "
                        "shop.example.test");
    /* The fix: the facts of the finding handed over, one sentence naming the server. */
    assert_int_equal(v.nfindings, 1);
    assert_int_equal(v.findings[0].code, CS_PB_AUTH_NOTIMP);
    assert_string_equal(v.findings[0].server, "ns2.example.net");
    assert_string_equal(v.findings[0].address, "192.0.2.2");
    assert_string_equal(v.findings[0].name, "shop.example.test");
    assert_string_equal(v.findings[0].answer, "NOTIMP");
    assert_string_equal(v.fix, "Ask the operator of ns2.example.net (192.0.2.2) to answer CAA "
                               "queries for shop.example.test with NOERROR: it answers NOTIMP, "
                               "and Let's Encrypt refuses to issue when a CAA lookup fails");
    cs_verdict_clear(&v);
    cs_auth_qname_free(q);
    zone_free(z);

    /* The server's set authorizes the CA: nothing changes but the findings. */
    z = healthy_zone(2);
    q = qname_new(z, NAME);
    name_all(q, 0, CS_OUT_ANSWER, mk_caa, "letsencrypt.org", "shop.example.tEst");
    name_all(q, 1, CS_OUT_ANSWER, mk_caa, "letsencrypt.org", "shop.exAmple.test");
    lv[0]->n_data = 2;
    lv[0]->n_empty = 0;
    lv[0]->tries[0].result = lv[0]->tries[1].result = CS_TRY_DATA;
    lv[0]->caa = cs_caa_set_copy(q->sets[0], &lv[0]->caa_owner);
    verdict_with(lv, q, &v);
    assert_string_equal(cs_status_name(v.status), "OK");
    assert_codes(v.problems, 0);
    assert_string_equal(v.caa, "0 issue \"letsencrypt.org\"");
    assert_int_equal(v.nfindings, 0);
    assert_string_equal(v.fix, "");
    cs_verdict_clear(&v);
    cs_auth_qname_free(q);
    zone_free(z);
    free_levels(lv, 3);
}

static void test_verdict_nxdomain_stays(void **state)
{
    (void)state;
    struct cs_ca_level *lv[3] = {level(NAME, "NN", NULL, NULL), level(APEX, "EE", NULL, NULL),
                                 level("test", "EE", NULL, NULL)};
    struct cs_auth_zone *z = healthy_zone(2);
    struct cs_auth_qname *q = qname_new(z, NAME);
    for (size_t i = 0; i < 2; i++)
        for (unsigned t = 0; t < TRIES; t++)
            feed(&z->servers[i], q, &q->replies[i * TRIES + t], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
                 i == 0 ? mkpkt(NAME, LDNS_RR_TYPE_CAA, LDNS_RCODE_NXDOMAIN, true, true,
                                SOA_LINE(APEX, 1), NULL)
                        : rcode_pkt(NAME, LDNS_RR_TYPE_CAA, LDNS_RCODE_NOTIMPL),
                 "shOP.example.test");
    struct cs_verdict v;
    verdict_with(lv, q, &v);
    assert_string_equal(cs_status_name(v.status), "NXDOMAIN");
    assert_string_equal(v.issuable, "no");
    assert_codes(v.problems, PB(AUTH_NOTIMP));
    assert_string_equal(v.detail,
                        "no CAA records from shop.example.test up to test: any CA may issue; "
                        "shop.example.test does not exist (NXDOMAIN); ns2.example.net (192.0.2.2) "
                        "answered NOTIMP to 2 of 2 CAA queries for shop.example.test");
    cs_verdict_clear(&v);
    cs_auth_qname_free(q);
    zone_free(z);
    free_levels(lv, 3);
}

static void test_verdict_zone_finding_told_once(void **state)
{
    (void)state;
    /* A dead server: the zone's sentence tells it, the name's clause is not repeated. */
    struct cs_ca_level *lv[3] = {level(NAME, "EE", NULL, NULL), level(APEX, "EE", NULL, NULL),
                                 level("test", "EE", NULL, NULL)};
    struct cs_auth_zone *z = zone_with_apex(2);
    server_healthy(z, 0, 1, 2);
    struct cs_auth_server *d = &z->servers[1];
    for (size_t k = 0; k < cs_auth_zone_probe_count(TRIES); k++)
        feed(d, NULL, &d->probes[k], LDNS_RR_TYPE_SOA, CS_OUT_TIMEOUT, NULL, "Example.test");
    name_all(z->priv->apex_q, 1, CS_OUT_TIMEOUT, NULL, NULL, "exAmple.test");
    struct cs_auth_qname *q = qname_new(z, NAME);
    name_all(q, 0, CS_OUT_ANSWER, mk_nodata, NULL, "shop.example.tEst");
    name_all(q, 1, CS_OUT_TIMEOUT, NULL, NULL, "shop.exAmple.test");
    struct cs_verdict v;
    verdict_with(lv, q, &v);
    assert_string_equal(cs_status_name(v.status), "AT_RISK");
    assert_codes(v.problems, PB(AUTH_TIMEOUT));
    assert_string_equal(v.detail,
                        "no CAA records from shop.example.test up to test: any CA may issue; "
                        "ns2.example.net (192.0.2.2) did not answer 2 of 2 SOA queries for "
                        "example.test");
    cs_verdict_clear(&v);
    cs_auth_qname_free(q);
    zone_free(z);
    free_levels(lv, 3);
}

/* ---- --auth-depth sample --------------------------------------------------------------- */

/* The sample: the first CS_AUTH_SAMPLE_FIRST names of a zone always, then about one in
 * CS_AUTH_SAMPLE_ONE_IN, the same names every run. */
static void test_sample_rule(void **state)
{
    (void)state;
    assert_true(cs_auth_sample_pick("a.example.test", 0));
    assert_true(cs_auth_sample_pick("b.example.test", CS_AUTH_SAMPLE_FIRST - 1));
    unsigned picked = 0, n = 16000;
    for (unsigned i = 0; i < n; i++) {
        char name[64];
        snprintf(name, sizeof(name), "host%u.zone%u.test", i % 7, i);
        bool p = cs_auth_sample_pick(name, CS_AUTH_SAMPLE_FIRST + i);
        assert_int_equal(p, cs_auth_sample_pick(name, CS_AUTH_SAMPLE_FIRST + 1000));
        picked += p;
    }
    /* 2,000 expected; 5 standard deviations (1.87 % of 2,000 x 0.875 = 42 each) either way. */
    assert_in_range(picked, 2000 - 210, 2000 + 210);
    /* Not the shard hash's residue: names of one shard are not all in or all out. */
    unsigned in_shard = 0, picked_in_shard = 0;
    for (unsigned i = 0; i < n; i++) {
        char name[64];
        snprintf(name, sizeof(name), "www.z%u.test", i);
        if (cs_fnv1a64_str(name) % 8 != 0)
            continue;
        in_shard++;
        picked_in_shard += cs_auth_sample_pick(name, CS_AUTH_SAMPLE_FIRST);
    }
    assert_true(picked_in_shard > in_shard / 16 && picked_in_shard < in_shard / 4);
}

/* A CA-side lookup that failed or disagreed asks for the name's own probes. */
static void test_sample_level_unclear(void **state)
{
    (void)state;
    struct cs_ca_level *lv[7] = {
        level(NAME, "EE", NULL, NULL),
        level(NAME, "DD", "shop.example.test. CAA 0 issue \"letsencrypt.org\"", NULL),
        level(NAME, "NN", NULL, NULL),
        level(NAME, "ES", NULL, NULL),
        level(NAME, "TE", NULL, NULL),
        level(NAME, "EN", NULL, NULL),
        level(NAME, "BB", NULL, NULL),
    };
    assert_false(cs_auth_level_unclear(lv[0]));
    assert_false(cs_auth_level_unclear(lv[1]));
    assert_false(cs_auth_level_unclear(lv[2]));
    assert_true(cs_auth_level_unclear(lv[3]));
    assert_true(cs_auth_level_unclear(lv[4]));
    assert_true(cs_auth_level_unclear(lv[5]));
    assert_true(cs_auth_level_unclear(lv[6]));
    lv[1]->n_other_sets = 1; /* the resolvers returned two sets */
    assert_true(cs_auth_level_unclear(lv[1]));
    lv[1]->n_other_sets = 0;
    lv[0]->done = false;
    assert_true(cs_auth_level_unclear(lv[0]));
    lv[0]->done = true;
    free_levels(lv, 7);
}

/* Which names below the apex are asked: the sample of a healthy zone, every name of a zone whose
 * servers disagree or that escalated, and a name whose CA-side lookup was unclear. */
static void test_sample_decide(void **state)
{
    (void)state;
    struct cs_auth_zone *z = healthy_zone(2);
    cs_auth_judge_zone(z, TRIES);
    cs_auth_judge_qname(z->priv->apex_q, TRIES);
    z->done = true;
    assert_false(cs_auth_zone_disagrees(z));
    /* Names the hash leaves out once the first ones are taken. */
    const char *out[2] = {NULL, NULL};
    static char names[64][64];
    for (unsigned i = 0, k = 0; i < 64 && k < 2; i++) {
        snprintf(names[i], sizeof(names[i]), "n%u.example.test", i);
        if (!cs_auth_sample_pick(names[i], CS_AUTH_SAMPLE_FIRST))
            out[k++] = names[i];
    }
    assert_non_null(out[1]);
    struct cs_auth_qname *q[CS_AUTH_SAMPLE_FIRST + 2];
    for (unsigned i = 0; i < CS_AUTH_SAMPLE_FIRST; i++) {
        q[i] = qname_new(z, out[0]);
        assert_true(cs_auth_decide_probe(q[i], false, z->priv)); /* the first ones */
    }
    q[CS_AUTH_SAMPLE_FIRST] = qname_new(z, out[0]);
    assert_false(cs_auth_decide_probe(q[CS_AUTH_SAMPLE_FIRST], false, z->priv));
    q[CS_AUTH_SAMPLE_FIRST + 1] = qname_new(z, out[1]);
    assert_true(cs_auth_decide_probe(q[CS_AUTH_SAMPLE_FIRST + 1], true, z->priv)); /* CA side */
    /* A name in the hash sample is asked whenever it comes, and takes no first name's place: how
     * many names are asked does not depend on their order. */
    const char *in = NULL;
    for (unsigned i = 0; i < 64 && !in; i++) {
        snprintf(names[i], sizeof(names[i]), "n%u.example.test", i);
        if (cs_auth_sample_pick(names[i], CS_AUTH_SAMPLE_FIRST))
            in = names[i];
    }
    assert_non_null(in);
    struct cs_auth_qname *hashed = qname_new(z, in);
    assert_true(cs_auth_decide_probe(hashed, false, z->priv));
    cs_auth_qname_free(hashed);
    assert_int_equal(z->priv->names_decided, CS_AUTH_SAMPLE_FIRST + 1);
    z->priv->escalated = true;
    assert_true(cs_auth_decide_probe(q[CS_AUTH_SAMPLE_FIRST], false, z->priv));
    z->priv->escalated = false;
    for (unsigned i = 0; i < CS_AUTH_SAMPLE_FIRST + 2; i++)
        cs_auth_qname_free(q[i]);
    zone_free(z);

    /* Serials differ: every name is asked. */
    z = zone_with_apex(2);
    server_healthy(z, 0, 1, 2);
    server_healthy(z, 1, 2, 2);
    cs_auth_judge_zone(z, TRIES);
    z->done = true;
    assert_true(cs_auth_zone_disagrees(z));
    z->priv->names_decided = 100;
    struct cs_auth_qname *one = qname_new(z, out[0]);
    assert_true(cs_auth_decide_probe(one, false, z->priv));
    cs_auth_qname_free(one);
    zone_free(z);
}

/* A name that was not asked carries what the apex's CAA probes found at each server (NOTIMP at
 * ns2), but not the apex's own disagreement; the verdict names the server. */
static void test_sample_spared_attribution(void **state)
{
    (void)state;
    struct cs_ca_level *lv[3] = {level(NAME, "EE", NULL, NULL), level(APEX, "EE", NULL, NULL),
                                 level("test", "EE", NULL, NULL)};
    struct cs_auth_zone *z = zone_with_apex(3);
    for (size_t i = 0; i < 3; i++)
        server_healthy(z, i, 1, 3);
    /* The apex: ns2 answers NOTIMP, ns3 has a set the others lack. */
    struct cs_auth_qname *aq = z->priv->apex_q;
    for (size_t i = 0; i < 3 * TRIES; i++) {
        aq->replies[i].outcome = CS_OUT_CANCELLED;
        aq->replies[i].rcode = -1;
    }
    name_all(aq, 0, CS_OUT_ANSWER, mk_nodata, NULL, "exAMple.TEST");
    name_all(aq, 1, CS_OUT_ANSWER, mk_rcode, "4", "exAMple.TEST");
    name_all(aq, 2, CS_OUT_ANSWER, mk_caa, "other-ca.test", "exAMple.TEST");
    feed(&z->servers[2], NULL, &z->servers[2].probes[AUTH_PROBE_LOWER(TRIES)], LDNS_RR_TYPE_CAA,
         CS_OUT_ANSWER, caa_pkt(APEX, "other-ca.test"), APEX);
    cs_auth_judge_zone(z, TRIES);
    cs_auth_judge_qname(aq, TRIES);
    assert_codes(aq->problems, PB(AUTH_NOTIMP) | PB(AUTH_INCONSISTENT_CAA));

    struct cs_auth_qname *q = qname_new(z, NAME); /* no replies: not asked */
    cs_auth_judge_qname(q, TRIES);
    assert_codes(q->problems, 0);
    cs_auth_judge_spared(q, aq);
    assert_codes(q->problems, PB(AUTH_NOTIMP));
    assert_codes(q->server_probs[0], 0);
    assert_codes(q->server_probs[1], PB(AUTH_NOTIMP));
    assert_codes(q->server_probs[2], 0);
    assert_null(q->server_answer);
    assert_int_equal(q->nsets, 0);
    assert_false(q->some_without_caa);
    z->done = q->done = true;

    struct cs_verdict v;
    assert_int_equal(cs_verdict_compute(NAME, false, lv, 3, &le, NULL, &v), CS_OK);
    struct cs_auth_zone *zones[1] = {z};
    struct cs_auth_qname *qnames[1] = {q};
    struct cs_auth_result ar = {.nlevels = 1, .zones = zones, .qnames = qnames};
    assert_int_equal(cs_verdict_add_auth(&v, false, lv, 3, &ar, &le), CS_OK);
    assert_string_equal(cs_status_name(v.status), "AT_RISK");
    assert_codes(v.problems, PB(AUTH_NOTIMP));
    assert_string_equal(v.detail,
                        "no CAA records from shop.example.test up to test: any CA may issue; "
                        "ns2.example.net (192.0.2.2) answered NOTIMP to 2 of 2 CAA queries for "
                        "example.test");
    cs_verdict_clear(&v);
    cs_auth_qname_free(q);
    zone_free(z);
    free_levels(lv, 3);
}

/* Sampling: a zone whose slots are those zone_probe_sample leaves (every probe but NS unasked),
 * with its NS answered and the apex's CAA in mixed case answered by mk at server 0. */
static struct cs_auth_zone *sample_zone(ldns_pkt *(*mk)(const char *name, const char *arg),
                                        const char *arg)
{
    struct cs_auth_zone *z = zone_with_apex(1);
    struct cs_auth_server *s = &z->servers[0];
    for (size_t k = 0; k < cs_auth_zone_probe_count(TRIES); k++) {
        s->probes[k].outcome = CS_OUT_CANCELLED;
        s->probes[k].rcode = -1;
    }
    feed(s, NULL, &s->probes[AUTH_PROBE_NS(TRIES)], LDNS_RR_TYPE_NS, CS_OUT_ANSWER, ns_pkt(1),
         "eXample.tEst");
    name_all(z->priv->apex_q, 0, CS_OUT_ANSWER, mk, arg, "exAMple.TEST");
    return z;
}

/* An address's own questions, judged once at the zone where they were asked, and given to
 * another zone served there with a clause that names no zone. */
static void test_sample_address(void **state)
{
    (void)state;
    /* TCP fails while UDP answers: TCP_BROKEN, a fact of the address. */
    struct cs_auth_zone *a = sample_zone(mk_nodata, NULL);
    struct cs_auth_server *s = &a->servers[0];
    feed(s, NULL, &s->probes[AUTH_PROBE_TCP(TRIES)], LDNS_RR_TYPE_SOA, CS_OUT_TCP_FAILED, NULL,
         "exAmple.test");
    feed(s, NULL, &s->probes[AUTH_PROBE_NOEDNS(TRIES)], LDNS_RR_TYPE_SOA, CS_OUT_ANSWER,
         soa_pkt(3, false), "EXample.test");
    feed(s, NULL, &s->probes[AUTH_PROBE_LOWER(TRIES)], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
         nodata_pkt(APEX, LDNS_RR_TYPE_CAA), APEX);
    struct auth_addr ad = {.zone = a, .server = 0};
    cs_auth_judge_address(&ad, TRIES);
    ad.done = true;
    assert_codes(ad.codes, PB(TCP_BROKEN));
    assert_string_equal(ad.text, "does not answer SOA over TCP (tcp_failed)");

    /* Another zone at that address: its own NS and SOA, and the address's finding. */
    struct cs_auth_zone *b = sample_zone(mk_caa, "letsencrypt.org");
    feed(&b->servers[0], NULL, &b->servers[0].probes[0], LDNS_RR_TYPE_SOA, CS_OUT_ANSWER,
         soa_pkt(7, true), "ExAmple.test");
    struct auth_addr *addrs[1] = {&ad};
    b->priv->addr = addrs;
    cs_auth_judge_zone(b, TRIES);
    b->priv->addr = NULL;
    assert_codes(b->problems, PB(TCP_BROKEN));
    assert_codes(b->servers[0].findings, PB(TCP_BROKEN));
    assert_codes(b->servers[0].zone_described, PB(TCP_BROKEN));
    assert_int_equal(b->servers[0].queries, 0); /* the address's queries count where spent */
    assert_string_equal(b->detail.data,
                        "ns1.example.net (192.0.2.1) does not answer SOA over TCP (tcp_failed)");
    zone_free(b);
    free(ad.text);
    zone_free(a);

    /* FORMERR to everything with EDNS: the zone's own replies show AUTH_FORMERR (every zone asks
     * those itself); EDNS_BROKEN is the address's. */
    a = sample_zone(mk_rcode, "1");
    s = &a->servers[0];
    feed(s, NULL, &s->probes[AUTH_PROBE_NS(TRIES)], LDNS_RR_TYPE_NS, CS_OUT_ANSWER,
         rcode_pkt(APEX, LDNS_RR_TYPE_NS, LDNS_RCODE_FORMERR), "example.TEST");
    feed(s, NULL, &s->probes[AUTH_PROBE_TCP(TRIES)], LDNS_RR_TYPE_SOA, CS_OUT_ANSWER,
         soa_pkt(4, false), "eXample.test");
    feed(s, NULL, &s->probes[AUTH_PROBE_NOEDNS(TRIES)], LDNS_RR_TYPE_SOA, CS_OUT_ANSWER,
         soa_pkt(4, false), "exAmple.test");
    feed(s, NULL, &s->probes[AUTH_PROBE_LOWER(TRIES)], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
         rcode_pkt(APEX, LDNS_RR_TYPE_CAA, LDNS_RCODE_FORMERR), APEX);
    ad = (struct auth_addr){.zone = a, .server = 0};
    cs_auth_judge_address(&ad, TRIES);
    assert_codes(ad.codes, PB(EDNS_BROKEN));
    assert_string_equal(ad.text, "answers FORMERR to queries with EDNS and NOERROR to SOA without");
    free(ad.text);
    zone_free(a);

    /* Case: NXDOMAIN in mixed case, a set in lower case. */
    a = zone_with_apex(1);
    s = &a->servers[0];
    server_healthy(a, 0, 1, 1);
    struct cs_auth_qname *aq = a->priv->apex_q;
    for (unsigned t = 0; t < TRIES; t++)
        feed(
            s, aq, &aq->replies[t], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
            mkpkt(APEX, LDNS_RR_TYPE_CAA, LDNS_RCODE_NXDOMAIN, true, true, SOA_LINE(APEX, 1), NULL),
            "ExAmple.test");
    feed(s, NULL, &s->probes[AUTH_PROBE_LOWER(TRIES)], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
         caa_pkt(APEX, "letsencrypt.org"), APEX);
    ad = (struct auth_addr){.zone = a, .server = 0};
    cs_auth_judge_address(&ad, TRIES);
    assert_codes(ad.codes, PB(CASE_SENSITIVE_ANSWER));
    assert_string_equal(ad.text, "answers CAA at a zone apex with NXDOMAIN when the name has "
                                 "upper-case letters and NOERROR and records in lower case");
    free(ad.text);
    zone_free(a);

    /* A zone the server fails (SERVFAIL to its CAA, in any case): the zone's, not the address's.
     * A dead address: nothing to judge. */
    a = sample_zone(mk_rcode, "2");
    s = &a->servers[0];
    feed(s, NULL, &s->probes[AUTH_PROBE_TCP(TRIES)], LDNS_RR_TYPE_SOA, CS_OUT_ANSWER,
         soa_pkt(4, false), "eXample.test");
    feed(s, NULL, &s->probes[AUTH_PROBE_NOEDNS(TRIES)], LDNS_RR_TYPE_SOA, CS_OUT_ANSWER,
         soa_pkt(4, false), "exAmple.test");
    feed(s, NULL, &s->probes[AUTH_PROBE_LOWER(TRIES)], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
         rcode_pkt(APEX, LDNS_RR_TYPE_CAA, LDNS_RCODE_SERVFAIL), APEX);
    ad = (struct auth_addr){.zone = a, .server = 0};
    cs_auth_judge_address(&ad, TRIES);
    assert_codes(ad.codes, 0);
    assert_null(ad.text);
    zone_free(a);
    a = sample_zone(NULL, NULL);
    s = &a->servers[0];
    name_all(a->priv->apex_q, 0, CS_OUT_TIMEOUT, NULL, NULL, "exAMple.TEST");
    for (size_t k = 0; k < cs_auth_zone_probe_count(TRIES); k++)
        if (k >= AUTH_PROBE_NS(TRIES))
            feed(s, NULL, &s->probes[k],
                 k == AUTH_PROBE_NS(TRIES)      ? LDNS_RR_TYPE_NS
                 : k == AUTH_PROBE_LOWER(TRIES) ? LDNS_RR_TYPE_CAA
                                                : LDNS_RR_TYPE_SOA,
                 CS_OUT_TIMEOUT, NULL, "example.TEST");
    ad = (struct auth_addr){.zone = a, .server = 0};
    cs_auth_judge_address(&ad, TRIES);
    assert_codes(ad.codes, 0);
    zone_free(a);
}

/* A negative answer to the apex's CAA carries the zone's SOA: its serial stands for the SOA
 * query; an answer with CAA records does not. */
static void test_sample_negative_serial(void **state)
{
    (void)state;
    struct cs_auth_zone *z = zone_new(1);
    struct cs_auth_server *s = &z->servers[0];
    struct cs_auth_reply r;
    struct cs_answer ans = {.qtype = LDNS_RR_TYPE_CAA, .outcome = CS_OUT_ANSWER};
    ans.pkt = caa_pkt(APEX, "letsencrypt.org");
    cs_auth_take_reply(s, NULL, LDNS_RR_TYPE_CAA, &ans, &r);
    assert_false(cs_auth_note_negative_serial(s, ans.pkt, &r));
    assert_false(s->has_serial);
    ldns_pkt_free(ans.pkt);
    ans.pkt = mkpkt(APEX, LDNS_RR_TYPE_CAA, LDNS_RCODE_NOERROR, true, true,
                    SOA_LINE(APEX, 2026010101), NULL);
    cs_auth_take_reply(s, NULL, LDNS_RR_TYPE_CAA, &ans, &r);
    assert_true(cs_auth_note_negative_serial(s, ans.pkt, &r));
    assert_true(s->has_serial);
    assert_int_equal(s->serial, 2026010101);
    /* A serial the server gave first (its SOA without EDNS, say) stays; the answer still counts. */
    s->serial = 7;
    assert_true(cs_auth_note_negative_serial(s, ans.pkt, &r));
    assert_int_equal(s->serial, 7);
    ldns_pkt_free(ans.pkt);
    /* The SOA of another zone (a parent's) says nothing about this one. */
    s->has_serial = false;
    ans.pkt =
        mkpkt(APEX, LDNS_RR_TYPE_CAA, LDNS_RCODE_NOERROR, true, true, SOA_LINE("test", 9), NULL);
    cs_auth_take_reply(s, NULL, LDNS_RR_TYPE_CAA, &ans, &r);
    assert_false(cs_auth_note_negative_serial(s, ans.pkt, &r));
    assert_false(s->has_serial);
    ldns_pkt_free(ans.pkt);
    cs_auth_zone_free(z);
}

/* An address that fails now and then for a share of its zones makes every name of its zones
 * asked; one failure among many zones (a timeout on a busy day) does not. */
static void test_sample_suspect_address(void **state)
{
    (void)state;
    struct auth_addr ad = {0};
    struct cs_auth_server clean = {0}, flaky = {.findings = PB(INTERMITTENT) | PB(AUTH_SERVFAIL)},
                          slow = {.findings = PB(AUTH_TIMEOUT)},
                          notimp = {.findings = PB(AUTH_NOTIMP)};
    assert_false(cs_auth_addr_suspect(NULL));
    cs_auth_addr_note(&ad, &flaky);
    assert_false(cs_auth_addr_suspect(&ad)); /* one zone is not yet a pattern */
    cs_auth_addr_note(&ad, &flaky);
    assert_true(cs_auth_addr_suspect(&ad));
    for (unsigned i = 0; i < 6; i++)
        cs_auth_addr_note(&ad, &clean);
    assert_true(cs_auth_addr_suspect(&ad)); /* 2 of 8 */
    cs_auth_addr_note(&ad, &clean);
    assert_false(cs_auth_addr_suspect(&ad)); /* 2 of 9 */
    struct auth_addr busy = {0};
    for (unsigned i = 0; i < 1000; i++)
        cs_auth_addr_note(&busy, i % 100 == 0 ? &slow : &clean);
    assert_false(cs_auth_addr_suspect(&busy));
    /* An error every answer gives is found at every zone's apex: not a reason to ask more. */
    struct auth_addr always = {0};
    for (unsigned i = 0; i < 4; i++)
        cs_auth_addr_note(&always, &notimp);
    assert_false(cs_auth_addr_suspect(&always));
}

/* A zone of n servers whose first server sits at address ad (the zone frees its table, not ad). */
static struct cs_auth_zone *zone_at(size_t n, struct auth_addr *ad)
{
    struct cs_auth_zone *z = zone_new(n);
    z->priv->addr = calloc(n, sizeof(*z->priv->addr));
    z->priv->addr[0] = ad;
    return z;
}

/* Judges NAME in z, every try at the first server failed (SERVFAIL, or no answer when timeout),
 * the others answering its CAA; returns what the first server showed, its detail in detail. */
static cs_problems failing_name(struct cs_auth_zone *z, bool timeout, char *detail, size_t size)
{
    struct cs_auth_qname *q = qname_new(z, NAME);
    if (timeout)
        name_all(q, 0, CS_OUT_TIMEOUT, NULL, NULL, "shOp.example.test");
    else
        name_all(q, 0, CS_OUT_ANSWER, mk_rcode, "2", "shOp.example.test");
    for (size_t i = 1; i < z->nservers; i++)
        name_all(q, i, CS_OUT_ANSWER, mk_caa, "letsencrypt.org", "shop.exAmple.test");
    cs_auth_judge_qname(q, TRIES);
    cs_problems codes = q->server_probs[0];
    for (size_t i = 1; i < z->nservers; i++)
        assert_codes(q->server_probs[i], 0);
    snprintf(detail, size, "%s", q->server_detail[0] ? q->server_detail[0] : "");
    cs_auth_qname_free(q);
    zone_free(z);
    return codes;
}

/* A name whose every try at a server met its failing turns is INTERMITTENT there when the server
 * is seen failing now and then: it gave different answers between tries to other questions of the
 * zone, or its address did so for CS_AUTH_SUSPECT_ZONES zones and is suspect. A server that has
 * shown nothing now and then, an address not (or no longer) suspect, or one that fails always,
 * leaves the name its SERVFAIL or timeout alone. */
static void test_name_failed_now_and_then(void **state)
{
    (void)state;
    static const char said[] = "ns1.example.net (192.0.2.1) answered SERVFAIL to 2 of 2 CAA "
                               "queries for shop.example.test, as it fails now and then for other "
                               "questions";
    char detail[512];
    /* The zone's server 1 already gave different answers between tries. */
    struct cs_auth_zone *z = zone_new(2);
    z->servers[0].findings = PB(AUTH_SERVFAIL) | PB(INTERMITTENT);
    assert_codes(failing_name(z, false, detail, sizeof(detail)),
                 PB(AUTH_SERVFAIL) | PB(INTERMITTENT));
    assert_string_equal(detail, said);

    struct auth_addr ad = {0};
    struct cs_auth_server flaky = {.findings = PB(INTERMITTENT) | PB(AUTH_SERVFAIL)}, clean = {0},
                          dead = {.findings = PB(AUTH_TIMEOUT)};
    /* Nothing judged at the address yet, then one mixed zone: not yet a pattern. */
    assert_codes(failing_name(zone_at(2, &ad), false, detail, sizeof(detail)), PB(AUTH_SERVFAIL));
    cs_auth_addr_note(&ad, &flaky);
    assert_codes(failing_name(zone_at(2, &ad), false, detail, sizeof(detail)), PB(AUTH_SERVFAIL));
    /* Two mixed zones of two: the address fails now and then. */
    cs_auth_addr_note(&ad, &flaky);
    assert_codes(failing_name(zone_at(2, &ad), false, detail, sizeof(detail)),
                 PB(AUTH_SERVFAIL) | PB(INTERMITTENT));
    assert_string_equal(detail, said);
    assert_codes(failing_name(zone_at(2, &ad), true, detail, sizeof(detail)),
                 PB(AUTH_TIMEOUT) | PB(INTERMITTENT));
    /* Once most of its zones are clean the address is no longer suspect. */
    for (unsigned i = 0; i < 7; i++)
        cs_auth_addr_note(&ad, &clean);
    assert_codes(failing_name(zone_at(1, &ad), false, detail, sizeof(detail)), PB(AUTH_SERVFAIL));

    /* An address that fails always (every zone failing, none mixed) is not now and then. */
    struct auth_addr always = {0};
    for (unsigned i = 0; i < 4; i++)
        cs_auth_addr_note(&always, &dead);
    assert_true(cs_auth_addr_suspect(&always));
    assert_codes(failing_name(zone_at(1, &always), true, detail, sizeof(detail)), PB(AUTH_TIMEOUT));
}

/* A server that fails now and then for most of the zones at its address makes every name served
 * there INTERMITTENT, with the way it fails, even a name whose own tries all met good turns; the
 * name's row says so, the server's own findings for the zone do not count it. Half the zones is
 * not most; an address that fails always is not now and then. */
static void test_name_at_flaky_address(void **state)
{
    (void)state;
    struct auth_addr ad = {0};
    struct cs_auth_server flaky = {.findings = PB(INTERMITTENT) | PB(AUTH_SERVFAIL)}, clean = {0},
                          dead = {.findings = PB(AUTH_TIMEOUT)};
    for (unsigned i = 0; i < 3; i++)
        cs_auth_addr_note(&ad, &flaky);
    cs_auth_addr_note(&ad, &clean);
    assert_true(cs_auth_addr_flaky(&ad)); /* 3 of 4 */
    struct cs_auth_zone *z = zone_at(2, &ad);
    struct cs_auth_qname *q = qname_new(z, NAME);
    name_all(q, 0, CS_OUT_ANSWER, mk_nodata, NULL, "shOp.example.test");
    name_all(q, 1, CS_OUT_ANSWER, mk_nodata, NULL, "shop.exAmple.test");
    cs_auth_judge_qname(q, TRIES);
    assert_codes(q->problems, PB(AUTH_SERVFAIL) | PB(INTERMITTENT));
    assert_codes(q->server_probs[0], PB(AUTH_SERVFAIL) | PB(INTERMITTENT));
    assert_codes(q->server_probs[1], 0);
    assert_string_equal(q->server_detail[0], "ns1.example.net (192.0.2.1) fails now and then "
                                             "(SERVFAIL for 3 of the 4 zones asked at this "
                                             "address)");
    assert_codes(z->servers[0].findings, 0);
    cs_auth_qname_free(q);

    /* Its own answers wrong as well: both said. */
    q = qname_new(z, "www.example.test");
    name_all(q, 0, CS_OUT_ANSWER, mk_rcode, "4", "wWw.example.test");
    cs_auth_judge_qname(q, TRIES);
    assert_codes(q->server_probs[0], PB(AUTH_NOTIMP) | PB(AUTH_SERVFAIL) | PB(INTERMITTENT));
    assert_string_equal(q->server_detail[0],
                        "ns1.example.net (192.0.2.1) answered NOTIMP to 2 of 2 CAA queries for "
                        "www.example.test, and fails now and then (SERVFAIL for 3 of the 4 zones "
                        "asked at this address)");
    assert_codes(z->servers[0].findings, PB(AUTH_NOTIMP));
    cs_auth_qname_free(q);

    /* Half the zones: not the server's pattern. */
    for (unsigned i = 0; i < 2; i++)
        cs_auth_addr_note(&ad, &clean);
    assert_false(cs_auth_addr_flaky(&ad)); /* 3 of 6 */
    q = qname_new(z, "ftp.example.test");
    name_all(q, 0, CS_OUT_ANSWER, mk_nodata, NULL, "fTp.example.test");
    cs_auth_judge_qname(q, TRIES);
    assert_codes(q->problems, 0);
    cs_auth_qname_free(q);
    zone_free(z);

    /* Failing always, or once: never flaky. */
    struct auth_addr always = {0}, once = {0};
    for (unsigned i = 0; i < 4; i++)
        cs_auth_addr_note(&always, &dead);
    assert_false(cs_auth_addr_flaky(&always));
    cs_auth_addr_note(&once, &flaky);
    assert_false(cs_auth_addr_flaky(&once));
    assert_false(cs_auth_addr_flaky(NULL));
}

/* A name asked once gets its other tries when its answers show something. */
static void test_sample_name_escalates(void **state)
{
    (void)state;
    struct cs_auth_zone *z = zone_new(2);
    struct cs_auth_qname *q = qname_new(z, NAME);
    feed(&z->servers[0], q, &q->replies[0], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
         nodata_pkt(NAME, LDNS_RR_TYPE_CAA), "shop.Example.test");
    feed(&z->servers[1], q, &q->replies[TRIES], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
         nodata_pkt(NAME, LDNS_RR_TYPE_CAA), "shoP.example.test");
    assert_false(cs_auth_qname_shows_problem(q, TRIES, 1));
    /* A failure in a try not sent yet is not looked at. */
    feed(&z->servers[1], q, &q->replies[TRIES + 1], LDNS_RR_TYPE_CAA, CS_OUT_TIMEOUT, NULL,
         "shoP.example.test");
    assert_false(cs_auth_qname_shows_problem(q, TRIES, 1));
    assert_true(cs_auth_qname_shows_problem(q, TRIES, 2));
    /* An error, or servers that disagree. */
    feed(&z->servers[1], q, &q->replies[TRIES], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
         rcode_pkt(NAME, LDNS_RR_TYPE_CAA, LDNS_RCODE_SERVFAIL), "shoP.example.test");
    assert_true(cs_auth_qname_shows_problem(q, TRIES, 1));
    feed(&z->servers[1], q, &q->replies[TRIES], LDNS_RR_TYPE_CAA, CS_OUT_ANSWER,
         caa_pkt(NAME, "letsencrypt.org"), "shoP.example.test");
    assert_true(cs_auth_qname_shows_problem(q, TRIES, 1));
    cs_auth_qname_free(q);
    cs_auth_zone_free(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dname_is),
        cmocka_unit_test(test_reply_answer),
        cmocka_unit_test(test_reply_negative),
        cmocka_unit_test(test_reply_empty_or_opt_only),
        cmocka_unit_test(test_reply_referral),
        cmocka_unit_test(test_reply_error_timeout_case),
        cmocka_unit_test(test_server_data),
        cmocka_unit_test(test_referral_child),
        cmocka_unit_test(test_referral_in_parent_and_none),
        cmocka_unit_test(test_addr_from_rdf),
        cmocka_unit_test(test_name_notimp_at_one_server),
        cmocka_unit_test(test_name_servfail_once),
        cmocka_unit_test(test_name_sets_differ_between_tries),
        cmocka_unit_test(test_name_timeouts),
        cmocka_unit_test(test_name_no_aa_no_soa_empty),
        cmocka_unit_test(test_name_case_not_preserved),
        cmocka_unit_test(test_name_inconsistent_sets),
        cmocka_unit_test(test_name_server_without_address),
        cmocka_unit_test(test_zone_healthy),
        cmocka_unit_test(test_zone_serials),
        cmocka_unit_test(test_zone_ns_sets),
        cmocka_unit_test(test_zone_tcp_broken_and_dead_server),
        cmocka_unit_test(test_zone_tcp_error),
        cmocka_unit_test(test_zone_edns_broken),
        cmocka_unit_test(test_zone_case_sensitive_answer),
        cmocka_unit_test(test_zone_server_without_address),
        cmocka_unit_test(test_verdict_server_forbids),
        cmocka_unit_test(test_verdict_servers_fail_share),
        cmocka_unit_test(test_verdict_notimp_at_risk),
        cmocka_unit_test(test_verdict_nxdomain_stays),
        cmocka_unit_test(test_verdict_zone_finding_told_once),
        cmocka_unit_test(test_sample_rule),
        cmocka_unit_test(test_sample_level_unclear),
        cmocka_unit_test(test_sample_decide),
        cmocka_unit_test(test_sample_spared_attribution),
        cmocka_unit_test(test_sample_address),
        cmocka_unit_test(test_sample_negative_serial),
        cmocka_unit_test(test_sample_name_escalates),
        cmocka_unit_test(test_sample_suspect_address),
        cmocka_unit_test(test_name_failed_now_and_then),
        cmocka_unit_test(test_name_at_flaky_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

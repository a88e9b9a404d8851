/*
 * fuzz_auth_reply.c -- arbitrary bytes as an authoritative server's reply (auth_judge.c): parsed
 * by ldns, then read as the answer to CAA, SOA and NS queries (cs_auth_read_reply), its server
 * data kept (SOA serial, NS set), its CAA set kept for a name, read as a parent's referral for a
 * fixed name and for the name in its own question, and finally judged: the reply stands for
 * every try of both servers of a small zone, for the zone probes and for the name probes, so
 * that the detail sentences (which print the CAA records) are written. Everything is freed.
 */
#include "../../src/auth_judge.h"

#include <stdlib.h>
#include <string.h>

#define TRIES    2
#define NSERVERS 2

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cs_auth_zone zone;
static struct cs_auth_server servers[NSERVERS];
static struct auth_zone_priv zone_priv;
static struct cs_auth_reply probes[NSERVERS][TRIES + 4];

static void setup(void)
{
    zone.apex = "example.test";
    zone.servers = servers;
    zone.nservers = NSERVERS;
    zone.priv = &zone_priv;
    zone.ready = true;
    if (cs_auth_zone_probe_count(TRIES) != TRIES + 4)
        abort();
    for (size_t i = 0; i < NSERVERS; i++) {
        struct cs_auth_server *s = &servers[i];
        s->zone = &zone;
        s->ns = i ? "ns2.example.net" : "ns1.example.net";
        if (cs_addr_parse(i ? "2001:db8::53" : "192.0.2.53", 53, &s->addr) != CS_OK)
            abort();
        cs_addr_format_ip(&s->addr, s->ip, sizeof(s->ip));
        s->has_addr = true;
        s->probes = probes[i];
    }
}

/* Back to a zone nobody asked yet. */
static void reset(void)
{
    zone.problems = 0;
    cs_strbuf_free(&zone.detail);
    for (size_t i = 0; i < NSERVERS; i++) {
        struct cs_auth_server *s = &servers[i];
        s->findings = s->zone_probs = s->zone_described = 0;
        s->has_serial = s->has_ns = false;
        free(s->ns_set);
        s->ns_set = NULL;
        cs_strbuf_free(&s->detail);
    }
}

static void qname_clear(struct cs_auth_qname *q)
{
    for (unsigned i = 0; i < q->nsets; i++)
        ldns_rr_list_deep_free(q->sets[i]);
    free(q->sets);
    free(q->set_server);
    for (size_t i = 0; q->server_detail && i < NSERVERS; i++)
        free(q->server_detail[i]);
    free(q->server_detail);
    free(q->server_probs);
    cs_strbuf_free(&q->detail);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        setup();
        ready = 1;
    }
    ldns_pkt *pkt = NULL;
    if (cs_pkt_from_wire(&pkt, data, size) != LDNS_STATUS_OK) { /* as the engine parses it */
        /* What the engine hands over for a reply it cannot parse. */
        struct cs_answer bad = {.outcome = CS_OUT_MALFORMED};
        struct cs_auth_reply r;
        cs_auth_read_reply(&bad, LDNS_RR_TYPE_CAA, zone.apex, &r);
        if (r.shape != CS_SHAPE_NONE || r.rcode != -1)
            abort();
        return 0;
    }
    /* The name sent is the reply's own question (the engine checked that they match). */
    const ldns_rr *qrr = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
    const ldns_rdf *qname = qrr ? ldns_rr_owner(qrr) : NULL;
    struct cs_answer ans = {
        .name = "shop.example.test",
        .outcome = (data[size - 1] & 1) ? CS_OUT_CASE_MISMATCH : CS_OUT_ANSWER,
        .pkt = pkt,
        .rcode = cs_pkt_rcode(pkt),
        .rtt_us = 1000,
        .truncated = ldns_pkt_tc(pkt),
        .sent_qname = qname ? ldns_rdf_data(qname) : NULL,
        .sent_qname_len = qname ? ldns_rdf_size(qname) : 0,
    };

    reset();
    static const uint16_t qtypes[3] = {LDNS_RR_TYPE_CAA, LDNS_RR_TYPE_SOA, LDNS_RR_TYPE_NS};
    struct cs_auth_reply r[3];
    for (int k = 0; k < 3; k++) {
        ans.qtype = qtypes[k];
        cs_auth_read_reply(&ans, qtypes[k], zone.apex, &r[k]);
        if (r[k].shape > CS_SHAPE_ERROR || r[k].rcode < 0)
            abort();
        if (r[k].shape == CS_SHAPE_ANSWER && r[k].rcode != LDNS_RCODE_NOERROR)
            abort();
        for (size_t i = 0; i < NSERVERS; i++)
            cs_auth_note_server_data(&servers[i], pkt, qtypes[k], &r[k]);
    }
    if (servers[0].has_ns && !servers[0].ns_set)
        abort();

    /* The name and the apex asked at both servers; every try got this reply. */
    struct cs_auth_reply replies[NSERVERS * TRIES], apex_replies[NSERVERS * TRIES];
    struct cs_auth_qname q = {.name = "shop.example.test", .zone = &zone, .replies = replies};
    struct cs_auth_qname aq = {.name = "example.test", .zone = &zone, .replies = apex_replies};
    for (size_t i = 0; i < NSERVERS * TRIES; i++)
        replies[i] = apex_replies[i] = r[0];
    for (unsigned i = 0; i < NSERVERS; i++) {
        if (r[0].sig) {
            cs_auth_qname_keep_set(&q, pkt, i);
            cs_auth_qname_keep_set(&aq, pkt, i);
        }
        for (unsigned t = 0; t < TRIES; t++)
            probes[i][t] = r[1];
        probes[i][AUTH_PROBE_NS(TRIES)] = r[2];
        probes[i][AUTH_PROBE_TCP(TRIES)] = r[1];
        probes[i][AUTH_PROBE_NOEDNS(TRIES)] = r[1];
        probes[i][AUTH_PROBE_LOWER(TRIES)] = r[0];
    }
    if (q.nsets > 1 || (r[0].sig && q.nsets != 1))
        abort();
    zone_priv.apex_q = &aq;
    cs_auth_judge_zone(&zone, TRIES);
    cs_auth_judge_qname(&q, TRIES);
    cs_auth_judge_qname(&aq, TRIES);
    zone_priv.apex_q = NULL;
    qname_clear(&q);
    qname_clear(&aq);

    /* As a parent's answer about a fixed name, and about its own question's name. */
    struct auth_referral ref = {0};
    if (cs_auth_read_referral(pkt, "shop.example.test", "test", &ref) == CS_OK &&
        ref.kind == AUTH_REF_CHILD && (!ref.apex || ref.nns == 0))
        abort();
    cs_auth_referral_clear(&ref);
    char *own = qname ? cs_dname_text(qname) : NULL;
    if (own) {
        const char *dot = strchr(own, '.');
        struct auth_referral ref2 = {0};
        cs_auth_read_referral(pkt, own, dot ? dot + 1 : "", &ref2);
        cs_auth_referral_clear(&ref2);
        free(own);
    }
    reset();
    ldns_pkt_free(pkt);
    return 0;
}

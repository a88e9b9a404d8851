/* query.c -- DNS question on the wire, reply matching, RCODE and EDE helpers (query.h). */
#include "caascan/query.h"
#include "caascan/case0x20.h"
#include "caascan/random.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cs_err cs_query_build(struct cs_wirequery *q, const char *name, uint16_t qtype, uint16_t qclass,
                      unsigned flags)
{
    /* ldns turns the presentation name (escapes included) into wire form; the fixed parts of
     * the message around it are assembled here, which saves building a whole ldns_pkt for
     * every query of a bulk scan. */
    ldns_rdf *dname = NULL;
    if (ldns_str2rdf_dname(&dname, name) != LDNS_STATUS_OK || dname == NULL)
        return CS_EINVAL;
    size_t nlen = ldns_rdf_size(dname);
    if (nlen == 0 || nlen > 255 || cs_wire_name_len(ldns_rdf_data(dname), nlen) != nlen) {
        ldns_rdf_deep_free(dname);
        return CS_EINVAL;
    }
    uint8_t *p = q->buf;
    memset(p, 0, LDNS_HEADER_SIZE);
    if (flags & CS_QF_RD)
        p[2] |= LDNS_RD_MASK;
    if (flags & CS_QF_CD)
        p[3] |= LDNS_CD_MASK;
    ldns_write_uint16(p + LDNS_QDCOUNT_OFF, 1);
    p += LDNS_HEADER_SIZE;
    memcpy(p, ldns_rdf_data(dname), nlen);
    ldns_rdf_deep_free(dname);
    p += nlen;
    ldns_write_uint16(p, qtype);
    ldns_write_uint16(p + 2, qclass);
    p += 4;
    if (!(flags & CS_QF_NOEDNS)) {
        /* OPT: root owner, type 41, class = UDP payload size, TTL = ext-rcode, version, DO. */
        ldns_write_uint16(q->buf + LDNS_ARCOUNT_OFF, 1);
        *p++ = 0;
        ldns_write_uint16(p, LDNS_RR_TYPE_OPT);
        ldns_write_uint16(p + 2, CS_EDNS_BUFSIZE);
        p[4] = 0;
        p[5] = 0;
        ldns_write_uint16(p + 6, (flags & CS_QF_DO) ? 0x8000 : 0);
        ldns_write_uint16(p + 8, 0);
        p += 10;
    }
    q->len = (uint16_t)(p - q->buf);
    q->qname_len = (uint16_t)nlen;
    q->qtype = qtype;
    q->qclass = qclass;
    /* ldns keeps the case it was given: fold it so that the 0x20 bits are ours alone. */
    cs_0x20_apply(q->buf + LDNS_HEADER_SIZE, nlen, NULL, 0);
    cs_query_rearm(q, flags);
    return CS_OK;
}

void cs_query_rearm(struct cs_wirequery *q, unsigned flags)
{
    uint16_t id;
    cs_random_bytes(&id, sizeof(id));
    ldns_write_uint16(q->buf, id);
    if (!(flags & CS_QF_NO0X20))
        cs_0x20_randomize(q->buf + LDNS_HEADER_SIZE, q->qname_len);
}

uint16_t cs_query_id(const struct cs_wirequery *q)
{
    return ldns_read_uint16(q->buf);
}

cs_match cs_query_match(const struct cs_wirequery *q, const uint8_t *pkt, size_t len)
{
    if (len < LDNS_HEADER_SIZE)
        return CS_MATCH_MALFORMED;
    if (LDNS_ID_WIRE(pkt) != cs_query_id(q))
        return CS_MATCH_WRONG_ID;
    if (!LDNS_QR_WIRE(pkt) || LDNS_QDCOUNT(pkt) != 1 ||
        LDNS_OPCODE_WIRE(pkt) != LDNS_OPCODE_WIRE(q->buf))
        return CS_MATCH_WRONG_QUESTION;
    const uint8_t *name = pkt + LDNS_HEADER_SIZE;
    size_t avail = len - LDNS_HEADER_SIZE;
    size_t nlen = cs_wire_name_len(name, avail);
    if (nlen == 0 || nlen + 4 > avail)
        return CS_MATCH_MALFORMED;
    if (ldns_read_uint16(name + nlen) != q->qtype || ldns_read_uint16(name + nlen + 2) != q->qclass)
        return CS_MATCH_WRONG_QUESTION;
    switch (cs_0x20_compare(q->buf + LDNS_HEADER_SIZE, q->qname_len, name, nlen)) {
    case CS_ECHO_EXACT:
        return CS_MATCH_OK;
    case CS_ECHO_CASE_ONLY:
        return CS_MATCH_CASE_ONLY;
    default:
        return CS_MATCH_WRONG_QUESTION;
    }
}

/*
 * The TSIG records ldns_wire2pkt would take from the additional section, counted as it reads
 * them: record by record with ldns_wire2rr, the additional count lowered for each TSIG record.
 */
static unsigned wire_tsig_records(const uint8_t *w, size_t n)
{
    unsigned count[4] = {(unsigned)w[4] << 8 | w[5], (unsigned)w[6] << 8 | w[7],
                         (unsigned)w[8] << 8 | w[9], (unsigned)w[10] << 8 | w[11]};
    size_t pos = 12;
    unsigned tsig = 0;
    for (int sec = LDNS_SECTION_QUESTION; sec <= LDNS_SECTION_ADDITIONAL; sec++) {
        for (unsigned i = 0; i < count[sec]; i++) {
            ldns_rr *rr = NULL;
            if (ldns_wire2rr(&rr, w, n, &pos, (ldns_pkt_section)sec) != LDNS_STATUS_OK)
                return tsig;
            if (sec == LDNS_SECTION_ADDITIONAL && ldns_rr_get_type(rr) == LDNS_RR_TYPE_TSIG) {
                tsig++;
                count[sec]--;
            }
            ldns_rr_free(rr);
        }
    }
    return tsig;
}

ldns_status cs_pkt_from_wire(ldns_pkt **out, const uint8_t *w, size_t n)
{
    *out = NULL;
    /* Only a message with two or more additional records can hold two TSIG records: the usual
     * reply (the OPT record alone) is not read twice. */
    if (n >= 12 && ((unsigned)w[10] << 8 | w[11]) >= 2 && wire_tsig_records(w, n) >= 2)
        return LDNS_STATUS_ERR;
    return ldns_wire2pkt(out, w, n);
}

bool cs_sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
    if (a->sa_family != b->sa_family)
        return false;
    if (a->sa_family == AF_INET) {
        const struct sockaddr_in *x = (const struct sockaddr_in *)a;
        const struct sockaddr_in *y = (const struct sockaddr_in *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a->sa_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
        const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;
        return x->sin6_port == y->sin6_port &&
               memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0 &&
               x->sin6_scope_id == y->sin6_scope_id;
    }
    return false;
}

const char *cs_rcode_name(unsigned rcode, char *buf, size_t size)
{
    static const char *const names[] = {
        "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",   "REFUSED",
        "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE",  "DSOTYPENI",
        NULL,       NULL,      NULL,       NULL,       "BADVERS",  "BADKEY",
        "BADTIME",  "BADMODE", "BADNAME",  "BADALG",   "BADTRUNC", "BADCOOKIE",
    };
    if (rcode < sizeof(names) / sizeof(names[0]) && names[rcode] != NULL)
        return names[rcode];
    snprintf(buf, size, "RCODE%u", rcode);
    return buf;
}

unsigned cs_pkt_rcode(const ldns_pkt *pkt)
{
    unsigned rcode = ldns_pkt_get_rcode(pkt);
    if (ldns_pkt_edns(pkt))
        rcode |= (unsigned)ldns_pkt_edns_extended_rcode(pkt) << 4;
    return rcode;
}

size_t cs_pkt_ede(ldns_pkt *pkt, struct cs_ede *out, size_t max)
{
    if (!ldns_pkt_edns(pkt))
        return 0;
    ldns_edns_option_list *opts = ldns_pkt_edns_get_option_list(pkt);
    if (opts == NULL)
        return 0;
    size_t found = 0;
    size_t count = ldns_edns_option_list_get_count(opts);
    for (size_t i = 0; i < count; i++) {
        ldns_edns_option *opt = ldns_edns_option_list_get_option(opts, i);
        if (opt == NULL || ldns_edns_get_code(opt) != LDNS_EDNS_EDE)
            continue;
        size_t sz = ldns_edns_get_size(opt);
        const uint8_t *d = ldns_edns_get_data(opt);
        if (sz < 2 || d == NULL)
            continue;
        if (found < max) {
            struct cs_ede *e = &out[found];
            e->code = ldns_read_uint16(d);
            size_t tl = sz - 2;
            bool cut = tl > sizeof(e->text) - 1;
            if (cut)
                tl = sizeof(e->text) - 1;
            for (size_t k = 0; k < tl; k++) {
                uint8_t c = d[2 + k];
                e->text[k] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
            }
            if (cut) {
                /* After the last whole word that leaves room for "...". */
                tl = sizeof(e->text) - 4;
                while (tl > 0 && e->text[tl] != ' ')
                    tl--;
                memcpy(e->text + tl, "...", 3);
                tl += 3;
            }
            e->text[tl] = '\0';
        }
        found++;
    }
    return found;
}

const char *cs_ede_name(uint16_t code)
{
    static const char *const names[] = {
        "Other Error",
        "Unsupported DNSKEY Algorithm",
        "Unsupported DS Digest Type",
        "Stale Answer",
        "Forged Answer",
        "DNSSEC Indeterminate",
        "DNSSEC Bogus",
        "Signature Expired",
        "Signature Not Yet Valid",
        "DNSKEY Missing",
        "RRSIGs Missing",
        "No Zone Key Bit Set",
        "NSEC Missing",
        "Cached Error",
        "Not Ready",
        "Blocked",
        "Censored",
        "Filtered",
        "Prohibited",
        "Stale NXDOMAIN Answer",
        "Not Authoritative",
        "Not Supported",
        "No Reachable Authority",
        "Network Error",
        "Invalid Data",
        "Signature Expired before Valid",
        "Too Early",
        "Unsupported NSEC3 Iterations Value",
        "Unable to conform to policy",
        "Synthesized",
    };
    if (code < sizeof(names) / sizeof(names[0]))
        return names[code];
    return NULL;
}

bool cs_ede_is_dnssec(uint16_t code)
{
    return code == 1 || code == 2 || (code >= 5 && code <= 12);
}

/* answer_json.c -- engine answers as JSON objects (answer_json.h). */
#include "caascan/answer_json.h"
#include "caascan/query.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char digits[] = "0123456789";

/* Appends the RFC 1035 escape \DDD of c at out; returns the octets written (4). */
static size_t escape_ddd(char *out, uint8_t c)
{
    out[0] = '\\';
    out[1] = digits[c / 100];
    out[2] = digits[c / 10 % 10];
    out[3] = digits[c % 10];
    return 4;
}

/* Stops the current function at the first generator error. */
#define TRY(expr)                      \
    do {                               \
        yajl_gen_status st_ = (expr);  \
        if (st_ != yajl_gen_status_ok) \
            return st_;                \
    } while (0)

static yajl_gen_status str(yajl_gen g, const char *s)
{
    return yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

/* An integer through yajl_gen_number: yajl_gen_integer formats with sprintf, a cost that shows
 * at six integers a line and 100,000 lines a second. */
static yajl_gen_status integer(yajl_gen g, long long v)
{
    char buf[24];
    size_t o = sizeof(buf);
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        buf[--o] = digits[u % 10];
        u /= 10;
    } while (u);
    if (v < 0)
        buf[--o] = '-';
    return yajl_gen_number(g, buf + o, sizeof(buf) - o);
}

yajl_gen_status cs_json_octets(yajl_gen g, const uint8_t *p, size_t n)
{
    if (n == 0)
        return yajl_gen_string(g, (const unsigned char *)"", 0);
    char stackbuf[1024];
    size_t need = n * 4;
    char *buf = need <= sizeof(stackbuf) ? stackbuf : malloc(need);
    if (!buf)
        return yajl_gen_in_error_state;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
            buf[o++] = (char)p[i];
        else
            o += escape_ddd(buf + o, p[i]);
    }
    yajl_gen_status st = yajl_gen_string(g, (const unsigned char *)buf, o);
    if (buf != stackbuf)
        free(buf);
    return st;
}

void cs_wire_name_str(const uint8_t *wire, size_t len, char *buf, size_t size)
{
    size_t o = 0, off = 0;
    if (size == 0)
        return;
    while (off < len && wire[off] != 0) {
        size_t lab = wire[off];
        for (size_t i = off + 1; i <= off + lab && i < len; i++) {
            uint8_t c = wire[i];
            if (o + 6 > size)
                goto out;
            if (c > 0x20 && c < 0x7f && c != '.' && c != '\\')
                buf[o++] = (char)c;
            else
                o += escape_ddd(buf + o, c);
        }
        if (o + 2 > size)
            goto out;
        buf[o++] = '.';
        off += 1 + lab;
    }
    if (o == 0 && size > 1)
        buf[o++] = '.';
out:
    buf[o] = '\0';
}

const char *cs_rr_type_name(uint16_t type, char *buf, size_t size)
{
    const ldns_rr_descriptor *d = ldns_rr_descript(type);
    if (d && d->_name)
        return d->_name;
    snprintf(buf, size, "TYPE%u", type);
    return buf;
}

/* CAA data as {"flags", "tag", "value"}; yajl_gen_status_ok with *done false when the rdata is
 * not the three fields of a CAA record (then it is printed as text). */
static yajl_gen_status caa_data(const ldns_rr *rr, yajl_gen g, bool *done)
{
    *done = false;
    if (ldns_rr_rd_count(rr) != 3)
        return yajl_gen_status_ok;
    const ldns_rdf *f = ldns_rr_rdf(rr, 0), *t = ldns_rr_rdf(rr, 1), *v = ldns_rr_rdf(rr, 2);
    if (ldns_rdf_size(f) != 1 || ldns_rdf_size(t) < 1)
        return yajl_gen_status_ok;
    const uint8_t *tag = ldns_rdf_data(t);
    size_t taglen = tag[0];
    if (taglen + 1 > ldns_rdf_size(t))
        return yajl_gen_status_ok;
    *done = true;
    TRY(yajl_gen_map_open(g));
    TRY(str(g, "flags"));
    TRY(integer(g, ldns_rdf_data(f)[0]));
    TRY(str(g, "tag"));
    TRY(cs_json_octets(g, tag + 1, taglen));
    TRY(str(g, "value"));
    TRY(cs_json_octets(g, ldns_rdf_data(v), ldns_rdf_size(v)));
    return yajl_gen_map_close(g);
}

/*
 * RFC 3597 generic form "\# LEN HEX" of the rdata, for rdata ldns cannot print safely: ldns 1.8
 * aborts on an assertion when it prints malformed SVCB/HTTPS parameters (found by
 * tests/fuzz/fuzz_reply.c), and an answer from the network must never stop the scanner.
 */
static yajl_gen_status rdata_generic(const ldns_rr *rr, yajl_gen g)
{
    static const char hex[] = "0123456789abcdef";
    size_t len = 0;
    for (size_t i = 0; i < ldns_rr_rd_count(rr); i++)
        len += ldns_rdf_size(ldns_rr_rdf(rr, i));
    char *buf = malloc(32 + 2 * len);
    if (!buf)
        return yajl_gen_in_error_state;
    int o = snprintf(buf, 32, "\\# %zu%s", len, len ? " " : "");
    for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
        const ldns_rdf *f = ldns_rr_rdf(rr, i);
        const uint8_t *d = ldns_rdf_data(f);
        for (size_t k = 0; k < ldns_rdf_size(f); k++) {
            buf[o++] = hex[d[k] >> 4];
            buf[o++] = hex[d[k] & 15];
        }
    }
    yajl_gen_status st = yajl_gen_string(g, (const unsigned char *)buf, (size_t)o);
    free(buf);
    return st;
}

/*
 * Presentation text (already escaped by its printer: "\." in a name, "\"" in a string) as a
 * JSON string. A backslash stays as it is, unlike in cs_json_octets(), which takes raw octets;
 * an octet outside printable ASCII, which a printer should never leave, still becomes \DDD.
 */
static yajl_gen_status presentation(yajl_gen g, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] >= 0x7f)
            return cs_json_octets(g, p, n);
    return yajl_gen_string(g, p, n);
}

/*
 * 0x20 undone: names in a reply carry the case-randomized form of the name sent wherever the
 * server (or resolver) copied it from the question. A name that ends with labels of the name
 * sent, byte for byte, gets those labels back in the case the user asked for, so that
 * `select(.name == "Shop.Example.com.")` matches what was asked. Names that differ from the
 * name sent (other data, another case the zone itself holds) are left as they are.
 */
struct case_undo {
    const char *asked, *sent; /* presentation form with the trailing dot, same length */
    size_t len;
};

static void undo_0x20(char *name, const struct case_undo *u)
{
    if (!u)
        return;
    size_t n = strlen(name), m = 0;
    while (m < n && m < u->len && name[n - 1 - m] == u->sent[u->len - 1 - m])
        m++;
    /* Whole labels only: the suffix starts a label in both names. */
    while (m > 0 &&
           !((m == n || name[n - m - 1] == '.') && (m == u->len || u->sent[u->len - m - 1] == '.')))
        m--;
    if (m > 1 && strncasecmp(u->sent + u->len - m, u->asked + u->len - m, m) == 0)
        memcpy(name + n - m, u->asked + u->len - m, m);
}

/* The fields of the rdata in presentation form, separated by spaces. Names are printed by
 * cs_wire_name_str(), as owner names are (and without ldns's printf call per character: names
 * are most of the text of a bulk lookup, an SOA in every negative answer); the other fields by
 * ldns. */
static yajl_gen_status rdata_text(const ldns_rr *rr, yajl_gen g, const struct case_undo *u)
{
    for (size_t i = 0; i < ldns_rr_rd_count(rr); i++)
        if (ldns_rdf_get_type(ldns_rr_rdf(rr, i)) == LDNS_RDF_TYPE_SVCPARAMS)
            return rdata_generic(rr, g);
    ldns_buffer *b = ldns_buffer_new(256);
    if (!b)
        return yajl_gen_in_error_state;
    char name[1100];
    for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
        const ldns_rdf *f = ldns_rr_rdf(rr, i);
        if (i)
            ldns_buffer_write_char(b, ' '); /* these writers grow the buffer, or mark it failed */
        if (ldns_rdf_get_type(f) == LDNS_RDF_TYPE_DNAME) {
            cs_wire_name_str(ldns_rdf_data(f), ldns_rdf_size(f), name, sizeof(name));
            undo_0x20(name, u);
            ldns_buffer_write_chars(b, name);
        } else {
            ldns_rdf2buffer_str(b, f);
        }
    }
    yajl_gen_status st = ldns_buffer_status_ok(b)
                             ? presentation(g, ldns_buffer_begin(b), ldns_buffer_position(b))
                             : yajl_gen_in_error_state;
    ldns_buffer_free(b);
    return st;
}

static yajl_gen_status rr_json(const ldns_rr *rr, yajl_gen g, const struct case_undo *u)
{
    char owner[1100], tbuf[16];
    const ldns_rdf *o = ldns_rr_owner(rr);
    cs_wire_name_str(ldns_rdf_data(o), ldns_rdf_size(o), owner, sizeof(owner));
    undo_0x20(owner, u);
    TRY(yajl_gen_map_open(g));
    TRY(str(g, "name"));
    TRY(str(g, owner));
    TRY(str(g, "type"));
    TRY(str(g, cs_rr_type_name(ldns_rr_get_type(rr), tbuf, sizeof(tbuf))));
    TRY(str(g, "ttl"));
    TRY(integer(g, ldns_rr_ttl(rr)));
    TRY(str(g, "data"));
    bool done = false;
    if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CAA)
        TRY(caa_data(rr, g, &done));
    if (!done)
        TRY(rdata_text(rr, g, u));
    return yajl_gen_map_close(g);
}

yajl_gen_status cs_rr_json(const ldns_rr *rr, yajl_gen g)
{
    return rr_json(rr, g, NULL);
}

static yajl_gen_status section(const ldns_rr_list *list, yajl_gen g, const struct case_undo *u)
{
    TRY(yajl_gen_array_open(g));
    for (size_t i = 0; list && i < ldns_rr_list_rr_count(list); i++)
        TRY(rr_json(ldns_rr_list_rr(list, i), g, u));
    return yajl_gen_array_close(g);
}

static yajl_gen_status flags(const ldns_pkt *p, yajl_gen g)
{
    TRY(yajl_gen_array_open(g));
    if (ldns_pkt_qr(p))
        TRY(str(g, "qr"));
    if (ldns_pkt_aa(p))
        TRY(str(g, "aa"));
    if (ldns_pkt_tc(p))
        TRY(str(g, "tc"));
    if (ldns_pkt_rd(p))
        TRY(str(g, "rd"));
    if (ldns_pkt_ra(p))
        TRY(str(g, "ra"));
    if (ldns_pkt_ad(p))
        TRY(str(g, "ad"));
    if (ldns_pkt_cd(p))
        TRY(str(g, "cd"));
    return yajl_gen_array_close(g);
}

yajl_gen_status cs_answer_json(const struct cs_answer *ans, yajl_gen g)
{
    char buf[1100], rbuf[16], server[64];
    /* The name as asked and as sent, for undo_0x20(). */
    char asked[1100], sent[1100];
    struct case_undo undo, *u = NULL;
    size_t alen = strlen(ans->name);
    if (ans->sent_qname_len && alen + 2 < sizeof(asked)) {
        snprintf(asked, sizeof(asked), "%s%s", ans->name,
                 alen && ans->name[alen - 1] == '.' ? "" : ".");
        cs_wire_name_str(ans->sent_qname, ans->sent_qname_len, sent, sizeof(sent));
        if (strlen(asked) == strlen(sent) && strcasecmp(asked, sent) == 0) {
            undo = (struct case_undo){.asked = asked, .sent = sent, .len = strlen(sent)};
            u = &undo;
        }
    }
    TRY(yajl_gen_map_open(g));
    TRY(str(g, "name"));
    TRY(cs_json_octets(g, (const uint8_t *)ans->name, strlen(ans->name)));
    TRY(str(g, "type"));
    TRY(str(g, cs_rr_type_name(ans->qtype, rbuf, sizeof(rbuf))));
    TRY(str(g, "outcome"));
    TRY(str(g, cs_outcome_name(ans->outcome)));
    TRY(str(g, "server"));
    TRY(str(g, cs_addr_format(ans->server, server, sizeof(server))));
    if (ans->pkt) {
        TRY(str(g, "rcode"));
        TRY(str(g, cs_rcode_name(ans->rcode, rbuf, sizeof(rbuf))));
        TRY(str(g, "flags"));
        TRY(flags(ans->pkt, g));
        TRY(str(g, "answers"));
        TRY(section(ldns_pkt_answer(ans->pkt), g, u));
        TRY(str(g, "authority"));
        TRY(section(ldns_pkt_authority(ans->pkt), g, u));
        struct cs_ede ede[4];
        size_t n = cs_pkt_ede(ans->pkt, ede, 4);
        TRY(str(g, "ede"));
        TRY(yajl_gen_array_open(g));
        for (size_t i = 0; i < n && i < 4; i++) {
            const char *nm = cs_ede_name(ede[i].code);
            TRY(yajl_gen_map_open(g));
            TRY(str(g, "code"));
            TRY(integer(g, ede[i].code));
            TRY(str(g, "name"));
            TRY(str(g, nm ? nm : "Unknown"));
            TRY(str(g, "text"));
            TRY(str(g, ede[i].text));
            TRY(yajl_gen_map_close(g));
        }
        TRY(yajl_gen_array_close(g));
    }
    TRY(str(g, "attempts"));
    TRY(integer(g, ans->nattempts));
    TRY(str(g, "attempt_log"));
    TRY(yajl_gen_array_open(g));
    for (unsigned i = 0; i < ans->nattempts; i++) {
        const struct cs_attempt *a = &ans->attempts[i];
        TRY(yajl_gen_map_open(g));
        TRY(str(g, "server"));
        /* Mostly the server of the answer: formatted once (inet_ntop and snprintf are not free). */
        bool same = cs_sockaddr_equal((const struct sockaddr *)&a->server.ss,
                                      (const struct sockaddr *)&ans->server->ss);
        TRY(str(g, same ? server : cs_addr_format(&a->server, buf, sizeof(buf))));
        TRY(str(g, "outcome"));
        TRY(str(g, cs_outcome_name(a->outcome)));
        TRY(str(g, "tcp"));
        TRY(yajl_gen_bool(g, a->tcp));
        if (a->rcode >= 0) {
            TRY(str(g, "rcode"));
            TRY(str(g, cs_rcode_name((unsigned)a->rcode, rbuf, sizeof(rbuf))));
            TRY(str(g, "rtt_us"));
            TRY(integer(g, a->rtt_us));
        }
        TRY(yajl_gen_map_close(g));
    }
    TRY(yajl_gen_array_close(g));
    if (ans->pkt) {
        TRY(str(g, "rtt_us"));
        TRY(integer(g, ans->rtt_us));
    }
    TRY(str(g, "case_echoed"));
    TRY(yajl_gen_bool(g, ans->case_echoed));
    cs_wire_name_str(ans->sent_qname, ans->sent_qname_len, buf, sizeof(buf));
    TRY(str(g, "sent_qname"));
    TRY(str(g, buf));
    TRY(str(g, "tcp"));
    TRY(yajl_gen_bool(g, ans->tcp));
    TRY(str(g, "truncated"));
    TRY(yajl_gen_bool(g, ans->truncated));
    return yajl_gen_map_close(g);
}

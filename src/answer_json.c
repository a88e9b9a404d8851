/* answer_json.c -- engine answers as JSON objects (answer_json.h). */
#include "caascan/answer_json.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char digits[] = "0123456789";

/* ---------- the writer ---------- */

void cs_json_init(struct cs_json *w)
{
    memset(w, 0, sizeof(*w));
}

void cs_json_free(struct cs_json *w)
{
    free(w->buf);
    cs_json_init(w);
}

void cs_json_clear(struct cs_json *w)
{
    w->len = 0;
    w->failed = false;
    w->depth = 0;
    w->has_member[0] = false;
    w->after_key = false;
}

/* Room for n more octets; false (and the writer failed) when memory runs out. */
static bool reserve(struct cs_json *w, size_t n)
{
    if (w->len + n <= w->cap)
        return true;
    if (w->failed)
        return false;
    size_t ncap = w->cap ? w->cap : 1024;
    while (ncap < w->len + n)
        ncap *= 2;
    char *nb = realloc(w->buf, ncap);
    if (!nb) {
        w->failed = true;
        return false;
    }
    w->buf = nb;
    w->cap = ncap;
    return true;
}

static void put(struct cs_json *w, const char *s, size_t n)
{
    if (reserve(w, n)) {
        memcpy(w->buf + w->len, s, n);
        w->len += n;
    }
}

static void putc1(struct cs_json *w, char c)
{
    if (reserve(w, 1))
        w->buf[w->len++] = c;
}

/* The comma before a value or a key, where one is due. */
static void before_value(struct cs_json *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->has_member[w->depth])
        putc1(w, ',');
    w->has_member[w->depth] = true;
}

static void open_container(struct cs_json *w, char c)
{
    before_value(w);
    putc1(w, c);
    if (w->depth < CS_JSON_MAX_DEPTH)
        w->depth++;
    else
        w->failed = true;
    w->has_member[w->depth] = false;
}

static void close_container(struct cs_json *w, char c)
{
    putc1(w, c);
    if (w->depth > 0)
        w->depth--;
}

void cs_json_map_open(struct cs_json *w)
{
    open_container(w, '{');
}

void cs_json_map_close(struct cs_json *w)
{
    close_container(w, '}');
}

void cs_json_array_open(struct cs_json *w)
{
    open_container(w, '[');
}

void cs_json_array_close(struct cs_json *w)
{
    close_container(w, ']');
}

/* The string body with JSON escapes, as yajl writes them. */
static void escaped(struct cs_json *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    if (!reserve(w, n * 6 + 2))
        return;
    char *o = w->buf + w->len;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *o++ = (char)c;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '"':
        case '\\':
            *o++ = (char)c;
            break;
        case '\b':
            *o++ = 'b';
            break;
        case '\f':
            *o++ = 'f';
            break;
        case '\n':
            *o++ = 'n';
            break;
        case '\r':
            *o++ = 'r';
            break;
        case '\t':
            *o++ = 't';
            break;
        default:
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
            break;
        }
    }
    *o++ = '"';
    w->len = (size_t)(o - w->buf);
}

void cs_json_key(struct cs_json *w, const char *key)
{
    before_value(w);
    escaped(w, key, strlen(key));
    putc1(w, ':');
    w->after_key = true;
}

void cs_json_string(struct cs_json *w, const char *s, size_t n)
{
    before_value(w);
    escaped(w, s, n);
}

void cs_json_cstring(struct cs_json *w, const char *s)
{
    cs_json_string(w, s, strlen(s));
}

void cs_json_integer(struct cs_json *w, long long v)
{
    char tmp[24];
    size_t n = 0;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[sizeof(tmp) - 1 - n++] = digits[u % 10];
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[sizeof(tmp) - 1 - n++] = '-';
    before_value(w);
    put(w, tmp + sizeof(tmp) - n, n);
}

void cs_json_bool(struct cs_json *w, bool v)
{
    before_value(w);
    if (v)
        put(w, "true", 4);
    else
        put(w, "false", 5);
}

void cs_json_raw(struct cs_json *w, const char *s, size_t n)
{
    put(w, s, n);
}

/* Appends the RFC 1035 escape \DDD of c at out; returns the octets written (4). */
static size_t escape_ddd(char *out, uint8_t c)
{
    out[0] = '\\';
    out[1] = digits[c / 100];
    out[2] = digits[c / 10 % 10];
    out[3] = digits[c % 10];
    return 4;
}

void cs_json_octets(struct cs_json *w, const uint8_t *p, size_t n)
{
    /* The string holds \DDD, which JSON writes as \\DDD: at most 5 octets out for one in. */
    before_value(w);
    if (!reserve(w, n * 5 + 2))
        return;
    char *o = w->buf + w->len;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            if (c == '"')
                *o++ = '\\';
            *o++ = (char)c;
        } else {
            *o++ = '\\';
            o += escape_ddd(o, c);
        }
    }
    *o++ = '"';
    w->len = (size_t)(o - w->buf);
}

/* ---------- names and types ---------- */

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

/* ---------- records parsed by ldns ---------- */

/* CAA data as {"flags", "tag", "value"}; false when the rdata is not the three fields of a CAA
 * record (then it is printed as text). */
static bool caa_data(const ldns_rr *rr, struct cs_json *w)
{
    if (ldns_rr_rd_count(rr) != 3)
        return false;
    const ldns_rdf *f = ldns_rr_rdf(rr, 0), *t = ldns_rr_rdf(rr, 1), *v = ldns_rr_rdf(rr, 2);
    if (ldns_rdf_size(f) != 1 || ldns_rdf_size(t) < 1)
        return false;
    const uint8_t *tag = ldns_rdf_data(t);
    size_t taglen = tag[0];
    if (taglen + 1 > ldns_rdf_size(t))
        return false;
    cs_json_map_open(w);
    cs_json_key(w, "flags");
    cs_json_integer(w, ldns_rdf_data(f)[0]);
    cs_json_key(w, "tag");
    cs_json_octets(w, tag + 1, taglen);
    cs_json_key(w, "value");
    cs_json_octets(w, ldns_rdf_data(v), ldns_rdf_size(v));
    cs_json_map_close(w);
    return true;
}

/*
 * RFC 3597 generic form "\# LEN HEX" of the rdata, for rdata ldns cannot print safely: ldns 1.8
 * aborts on an assertion when it prints malformed SVCB/HTTPS parameters (found by
 * tests/fuzz/fuzz_reply.c), and an answer from the network must never stop the scanner.
 */
static void rdata_generic(const ldns_rr *rr, struct cs_json *w)
{
    static const char hex[] = "0123456789abcdef";
    size_t len = 0;
    for (size_t i = 0; i < ldns_rr_rd_count(rr); i++)
        len += ldns_rdf_size(ldns_rr_rdf(rr, i));
    char *buf = malloc(32 + 2 * len);
    if (!buf) {
        w->failed = true;
        return;
    }
    int o = snprintf(buf, 32, "\\# %zu%s", len, len ? " " : "");
    for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
        const ldns_rdf *f = ldns_rr_rdf(rr, i);
        const uint8_t *d = ldns_rdf_data(f);
        for (size_t k = 0; k < ldns_rdf_size(f); k++) {
            buf[o++] = hex[d[k] >> 4];
            buf[o++] = hex[d[k] & 15];
        }
    }
    cs_json_string(w, buf, (size_t)o);
    free(buf);
}

static void rdata_text(const ldns_rr *rr, struct cs_json *w)
{
    for (size_t i = 0; i < ldns_rr_rd_count(rr); i++)
        if (ldns_rdf_get_type(ldns_rr_rdf(rr, i)) == LDNS_RDF_TYPE_SVCPARAMS) {
            rdata_generic(rr, w);
            return;
        }
    ldns_buffer *b = ldns_buffer_new(256);
    if (!b) {
        w->failed = true;
        return;
    }
    for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
        if (i)
            ldns_buffer_write_u8(b, ' ');
        ldns_rdf2buffer_str(b, ldns_rr_rdf(rr, i));
    }
    cs_json_octets(w, ldns_buffer_begin(b), ldns_buffer_position(b));
    ldns_buffer_free(b);
}

void cs_rr_json(const ldns_rr *rr, struct cs_json *w)
{
    char owner[1100], tbuf[16];
    const ldns_rdf *o = ldns_rr_owner(rr);
    cs_wire_name_str(ldns_rdf_data(o), ldns_rdf_size(o), owner, sizeof(owner));
    cs_json_map_open(w);
    cs_json_key(w, "name");
    cs_json_cstring(w, owner);
    cs_json_key(w, "type");
    cs_json_cstring(w, cs_rr_type_name(ldns_rr_get_type(rr), tbuf, sizeof(tbuf)));
    cs_json_key(w, "ttl");
    cs_json_integer(w, ldns_rr_ttl(rr));
    cs_json_key(w, "data");
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CAA || !caa_data(rr, w))
        rdata_text(rr, w);
    cs_json_map_close(w);
}

static void section(const ldns_rr_list *list, struct cs_json *w)
{
    cs_json_array_open(w);
    for (size_t i = 0; list && i < ldns_rr_list_rr_count(list); i++)
        cs_rr_json(ldns_rr_list_rr(list, i), w);
    cs_json_array_close(w);
}

/* ---------- records read from the wire (cs_reply_scan said yes) ---------- */

/* Text being assembled before it becomes a JSON string. */
struct text {
    char *p;
    size_t n, cap;
};

static void text_put(struct text *t, const char *s, size_t n)
{
    if (t->n + n <= t->cap) {
        memcpy(t->p + t->n, s, n);
        t->n += n;
    }
}

static void text_uint(struct text *t, unsigned long v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[sizeof(tmp) - 1 - n++] = digits[v % 10];
        v /= 10;
    } while (v);
    text_put(t, tmp + sizeof(tmp) - n, n);
}

/* An uncompressed name as ldns_rdf2buffer_str_dname() prints it. */
static void text_dname(struct text *t, const uint8_t *name, size_t len)
{
    if (len == 1) {
        text_put(t, ".", 1);
        return;
    }
    size_t off = 0;
    while (off < len && name[off] != 0) {
        size_t lab = name[off];
        for (size_t i = off + 1; i <= off + lab; i++) {
            uint8_t c = name[i];
            char e[4];
            if (c == '.' || c == ';' || c == '(' || c == ')' || c == '\\') {
                e[0] = '\\';
                e[1] = (char)c;
                text_put(t, e, 2);
            } else if (c < 0x21 || c > 0x7e) {
                text_put(t, e, escape_ddd(e, c));
            } else {
                e[0] = (char)c;
                text_put(t, e, 1);
            }
        }
        off += 1 + lab;
        text_put(t, ".", 1);
    }
}

/* A character string as ldns_rdf2buffer_str_str() prints it: quoted, with escapes. */
static void text_str(struct text *t, const uint8_t *s, size_t n)
{
    text_put(t, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        char e[4];
        if ((c >= 0x20 && c < 0x7f) || c == '\t') {
            if (c == '"' || c == '\\') {
                e[0] = '\\';
                e[1] = (char)c;
                text_put(t, e, 2);
            } else {
                e[0] = (char)c;
                text_put(t, e, 1);
            }
        } else {
            text_put(t, e, escape_ddd(e, c));
        }
    }
    text_put(t, "\"", 1);
}

/* The name at pkt[*pos] as ldns prints it. */
static void text_wire_name(struct text *t, const uint8_t *pkt, size_t len, size_t *pos)
{
    uint8_t name[255];
    size_t n = cs_wire_name_read(pkt, len, pos, name);
    if (n)
        text_dname(t, name, n);
}

/* The presentation text of the RDATA of rr, as ldns prints it, into t. */
static void wire_rdata_text(const uint8_t *pkt, size_t len, const struct cs_wire_rr *rr,
                            struct text *t)
{
    const uint8_t *d = pkt + rr->rdata;
    size_t p = rr->rdata, end = rr->rdata + rr->rdlen;
    char ip[INET6_ADDRSTRLEN];
    switch (rr->type) {
    case LDNS_RR_TYPE_A:
        for (int i = 0; i < 4; i++) {
            if (i)
                text_put(t, ".", 1);
            text_uint(t, d[i]);
        }
        break;
    case LDNS_RR_TYPE_AAAA:
        if (inet_ntop(AF_INET6, d, ip, sizeof(ip)))
            text_put(t, ip, strlen(ip));
        break;
    case LDNS_RR_TYPE_MX:
        text_uint(t, ldns_read_uint16(d));
        text_put(t, " ", 1);
        p += 2;
        text_wire_name(t, pkt, len, &p);
        break;
    case LDNS_RR_TYPE_SOA:
        text_wire_name(t, pkt, len, &p);
        text_put(t, " ", 1);
        text_wire_name(t, pkt, len, &p);
        for (int i = 0; i < 5 && p + 4 <= end; i++, p += 4) {
            text_put(t, " ", 1);
            text_uint(t, ldns_read_uint32(pkt + p));
        }
        break;
    case LDNS_RR_TYPE_TXT:
        while (p < end) {
            size_t l = pkt[p];
            if (p > rr->rdata)
                text_put(t, " ", 1);
            text_str(t, pkt + p + 1, l);
            p += 1 + l;
        }
        break;
    default: /* NS, CNAME, PTR, DNAME */
        text_wire_name(t, pkt, len, &p);
        break;
    }
}

static void wire_rr_json(const uint8_t *pkt, size_t len, const struct cs_wire_rr *rr,
                         struct cs_json *w)
{
    char owner[1100], tbuf[16];
    uint8_t name[255];
    size_t pos = rr->owner;
    size_t n = cs_wire_name_read(pkt, len, &pos, name);
    cs_wire_name_str(name, n, owner, sizeof(owner));
    cs_json_map_open(w);
    cs_json_key(w, "name");
    cs_json_cstring(w, owner);
    cs_json_key(w, "type");
    cs_json_cstring(w, cs_rr_type_name(rr->type, tbuf, sizeof(tbuf)));
    cs_json_key(w, "ttl");
    cs_json_integer(w, rr->ttl);
    cs_json_key(w, "data");
    const uint8_t *d = pkt + rr->rdata;
    if (rr->type == LDNS_RR_TYPE_CAA) {
        size_t taglen = d[1];
        cs_json_map_open(w);
        cs_json_key(w, "flags");
        cs_json_integer(w, d[0]);
        cs_json_key(w, "tag");
        cs_json_octets(w, d + 2, taglen);
        cs_json_key(w, "value");
        cs_json_octets(w, d + 2 + taglen, rr->rdlen - 2 - taglen);
        cs_json_map_close(w);
    } else {
        /* At most 255 names' worth of escapes, or 4 octets out for one in (TXT). */
        char stackbuf[2048];
        struct text t = {stackbuf, 0, sizeof(stackbuf)};
        size_t need = 8 * (size_t)rr->rdlen + 2100;
        if (need > sizeof(stackbuf)) {
            t.p = malloc(need);
            t.cap = need;
            if (!t.p) {
                w->failed = true;
                return;
            }
        }
        wire_rdata_text(pkt, len, rr, &t);
        cs_json_octets(w, (const uint8_t *)t.p, t.n);
        if (t.p != stackbuf)
            free(t.p);
    }
    cs_json_map_close(w);
}

/* The records of one section of a reply read from the wire. */
static void wire_section(const uint8_t *pkt, size_t len, ldns_pkt_section s, struct cs_json *w)
{
    struct cs_reply_iter it;
    struct cs_wire_rr rr;
    cs_json_array_open(w);
    if (cs_reply_iter_init(&it, pkt, len)) {
        while (cs_reply_next(&it, &rr) == 1 && rr.section <= s)
            if (rr.section == s)
                wire_rr_json(pkt, len, &rr, w);
    }
    cs_json_array_close(w);
}

/* ---------- the answer ---------- */

static void flag(struct cs_json *w, bool set, const char *name)
{
    if (set)
        cs_json_cstring(w, name);
}

static void flags(const struct cs_answer *ans, struct cs_json *w)
{
    cs_json_array_open(w);
    if (ans->pkt) {
        const ldns_pkt *p = ans->pkt;
        flag(w, ldns_pkt_qr(p), "qr");
        flag(w, ldns_pkt_aa(p), "aa");
        flag(w, ldns_pkt_tc(p), "tc");
        flag(w, ldns_pkt_rd(p), "rd");
        flag(w, ldns_pkt_ra(p), "ra");
        flag(w, ldns_pkt_ad(p), "ad");
        flag(w, ldns_pkt_cd(p), "cd");
    } else {
        const uint8_t *p = ans->wire;
        flag(w, LDNS_QR_WIRE(p), "qr");
        flag(w, LDNS_AA_WIRE(p), "aa");
        flag(w, LDNS_TC_WIRE(p), "tc");
        flag(w, LDNS_RD_WIRE(p), "rd");
        flag(w, LDNS_RA_WIRE(p), "ra");
        flag(w, LDNS_AD_WIRE(p), "ad");
        flag(w, LDNS_CD_WIRE(p), "cd");
    }
    cs_json_array_close(w);
}

static void ede_list(const struct cs_answer *ans, struct cs_json *w)
{
    cs_json_array_open(w);
    if (ans->pkt) { /* a reply read from the wire has no EDNS options (cs_reply_scan) */
        struct cs_ede ede[4];
        size_t n = cs_pkt_ede(ans->pkt, ede, 4);
        for (size_t i = 0; i < n && i < 4; i++) {
            const char *nm = cs_ede_name(ede[i].code);
            cs_json_map_open(w);
            cs_json_key(w, "code");
            cs_json_integer(w, ede[i].code);
            cs_json_key(w, "name");
            cs_json_cstring(w, nm ? nm : "Unknown");
            cs_json_key(w, "text");
            cs_json_cstring(w, ede[i].text);
            cs_json_map_close(w);
        }
    }
    cs_json_array_close(w);
}

/* The address as text, remembered for the next call: most answers come from one server. */
static void address(struct cs_json *w, const struct cs_addr *a)
{
    if (!cs_sockaddr_equal((const struct sockaddr *)&a->ss,
                           (const struct sockaddr *)&w->last_addr.ss)) {
        cs_addr_format(a, w->last_addr_text, sizeof(w->last_addr_text));
        w->last_addr = *a;
    }
    cs_json_cstring(w, w->last_addr_text);
}

bool cs_answer_json(const struct cs_answer *ans, struct cs_json *w)
{
    char buf[1100], rbuf[16];
    bool reply = ans->pkt != NULL || ans->wire != NULL;
    cs_json_map_open(w);
    cs_json_key(w, "name");
    cs_json_octets(w, (const uint8_t *)ans->name, strlen(ans->name));
    cs_json_key(w, "type");
    cs_json_cstring(w, cs_rr_type_name(ans->qtype, rbuf, sizeof(rbuf)));
    cs_json_key(w, "outcome");
    cs_json_cstring(w, cs_outcome_name(ans->outcome));
    cs_json_key(w, "server");
    address(w, ans->server);
    if (reply) {
        cs_json_key(w, "rcode");
        cs_json_cstring(w, cs_rcode_name(ans->rcode, rbuf, sizeof(rbuf)));
        cs_json_key(w, "flags");
        flags(ans, w);
        cs_json_key(w, "answers");
        if (ans->pkt)
            section(ldns_pkt_answer(ans->pkt), w);
        else
            wire_section(ans->wire, ans->wire_len, LDNS_SECTION_ANSWER, w);
        cs_json_key(w, "authority");
        if (ans->pkt)
            section(ldns_pkt_authority(ans->pkt), w);
        else
            wire_section(ans->wire, ans->wire_len, LDNS_SECTION_AUTHORITY, w);
        cs_json_key(w, "ede");
        ede_list(ans, w);
    }
    cs_json_key(w, "attempts");
    cs_json_integer(w, ans->nattempts);
    cs_json_key(w, "attempt_log");
    cs_json_array_open(w);
    for (unsigned i = 0; i < ans->nattempts; i++) {
        const struct cs_attempt *a = &ans->attempts[i];
        cs_json_map_open(w);
        cs_json_key(w, "server");
        address(w, &a->server);
        cs_json_key(w, "outcome");
        cs_json_cstring(w, cs_outcome_name(a->outcome));
        cs_json_key(w, "tcp");
        cs_json_bool(w, a->tcp);
        if (a->rcode >= 0) {
            cs_json_key(w, "rcode");
            cs_json_cstring(w, cs_rcode_name((unsigned)a->rcode, rbuf, sizeof(rbuf)));
            cs_json_key(w, "rtt_us");
            cs_json_integer(w, a->rtt_us);
        }
        cs_json_map_close(w);
    }
    cs_json_array_close(w);
    if (reply) {
        cs_json_key(w, "rtt_us");
        cs_json_integer(w, ans->rtt_us);
    }
    cs_json_key(w, "case_echoed");
    cs_json_bool(w, ans->case_echoed);
    cs_wire_name_str(ans->sent_qname, ans->sent_qname_len, buf, sizeof(buf));
    cs_json_key(w, "sent_qname");
    cs_json_cstring(w, buf);
    cs_json_key(w, "tcp");
    cs_json_bool(w, ans->tcp);
    cs_json_key(w, "truncated");
    cs_json_bool(w, ans->truncated);
    cs_json_map_close(w);
    return !w->failed;
}

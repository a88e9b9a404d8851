/* answer_json.c -- engine answers as JSON objects (answer_json.h). */
#include "caascan/answer_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Octets as a JSON-safe string: printable ASCII as is, others as \DDD (RFC 1035 escapes). */
static json_t *octets_json(const uint8_t *p, size_t n)
{
    char stackbuf[1024];
    size_t need = n * 4 + 1;
    char *buf = need <= sizeof(stackbuf) ? stackbuf : malloc(need);
    if (!buf)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
            buf[o++] = (char)p[i];
        else
            o += escape_ddd(buf + o, p[i]);
    }
    json_t *j = json_stringn(buf, o);
    if (buf != stackbuf)
        free(buf);
    return j;
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

/* The type's mnemonic ("CAA") from ldns's static table, or "TYPEnnn" in buf. */
static const char *type_name(uint16_t type, char *buf, size_t size)
{
    const ldns_rr_descriptor *d = ldns_rr_descript(type);
    if (d && d->_name)
        return d->_name;
    snprintf(buf, size, "TYPE%u", type);
    return buf;
}

static json_t *caa_data(const ldns_rr *rr)
{
    if (ldns_rr_rd_count(rr) != 3)
        return NULL;
    const ldns_rdf *f = ldns_rr_rdf(rr, 0), *t = ldns_rr_rdf(rr, 1), *v = ldns_rr_rdf(rr, 2);
    if (ldns_rdf_size(f) != 1 || ldns_rdf_size(t) < 1)
        return NULL;
    const uint8_t *tag = ldns_rdf_data(t);
    size_t taglen = tag[0];
    if (taglen + 1 > ldns_rdf_size(t))
        return NULL;
    json_t *j = json_object();
    json_object_set_new_nocheck(j, "flags", json_integer(ldns_rdf_data(f)[0]));
    json_object_set_new_nocheck(j, "tag", octets_json(tag + 1, taglen));
    json_object_set_new_nocheck(j, "value", octets_json(ldns_rdf_data(v), ldns_rdf_size(v)));
    return j;
}

/*
 * RFC 3597 generic form "\# LEN HEX" of the rdata, for rdata ldns cannot print safely: ldns 1.8
 * aborts on an assertion when it prints malformed SVCB/HTTPS parameters (found by
 * tests/fuzz/fuzz_reply.c), and an answer from the network must never stop the scanner.
 */
static json_t *rdata_generic(const ldns_rr *rr)
{
    static const char hex[] = "0123456789abcdef";
    size_t len = 0;
    for (size_t i = 0; i < ldns_rr_rd_count(rr); i++)
        len += ldns_rdf_size(ldns_rr_rdf(rr, i));
    char *buf = malloc(32 + 2 * len);
    if (!buf)
        return NULL;
    int o = snprintf(buf, 32, "\\# %zu%s", len, len ? " " : "");
    for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
        const ldns_rdf *f = ldns_rr_rdf(rr, i);
        const uint8_t *d = ldns_rdf_data(f);
        for (size_t k = 0; k < ldns_rdf_size(f); k++) {
            buf[o++] = hex[d[k] >> 4];
            buf[o++] = hex[d[k] & 15];
        }
    }
    json_t *j = json_stringn(buf, (size_t)o);
    free(buf);
    return j;
}

static json_t *rdata_text(const ldns_rr *rr)
{
    for (size_t i = 0; i < ldns_rr_rd_count(rr); i++)
        if (ldns_rdf_get_type(ldns_rr_rdf(rr, i)) == LDNS_RDF_TYPE_SVCPARAMS)
            return rdata_generic(rr);
    ldns_buffer *b = ldns_buffer_new(256);
    if (!b)
        return NULL;
    for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
        if (i)
            ldns_buffer_write_u8(b, ' ');
        ldns_rdf2buffer_str(b, ldns_rr_rdf(rr, i));
    }
    json_t *j = octets_json(ldns_buffer_begin(b), ldns_buffer_position(b));
    ldns_buffer_free(b);
    return j;
}

json_t *cs_rr_to_json(const ldns_rr *rr)
{
    char owner[1100];
    const ldns_rdf *o = ldns_rr_owner(rr);
    cs_wire_name_str(ldns_rdf_data(o), ldns_rdf_size(o), owner, sizeof(owner));
    char tbuf[16];
    json_t *data = NULL;
    if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CAA)
        data = caa_data(rr);
    if (!data)
        data = rdata_text(rr);
    json_t *j = json_object();
    json_object_set_new_nocheck(j, "name", json_string(owner));
    json_object_set_new_nocheck(j, "type",
                                json_string(type_name(ldns_rr_get_type(rr), tbuf, sizeof(tbuf))));
    json_object_set_new_nocheck(j, "ttl", json_integer((json_int_t)ldns_rr_ttl(rr)));
    json_object_set_new_nocheck(j, "data", data ? data : json_null());
    return j;
}

static json_t *section(const ldns_rr_list *list)
{
    json_t *a = json_array();
    for (size_t i = 0; list && i < ldns_rr_list_rr_count(list); i++)
        json_array_append_new(a, cs_rr_to_json(ldns_rr_list_rr(list, i)));
    return a;
}

static json_t *flags_json(const ldns_pkt *p)
{
    json_t *a = json_array();
    if (ldns_pkt_qr(p))
        json_array_append_new(a, json_string("qr"));
    if (ldns_pkt_aa(p))
        json_array_append_new(a, json_string("aa"));
    if (ldns_pkt_tc(p))
        json_array_append_new(a, json_string("tc"));
    if (ldns_pkt_rd(p))
        json_array_append_new(a, json_string("rd"));
    if (ldns_pkt_ra(p))
        json_array_append_new(a, json_string("ra"));
    if (ldns_pkt_ad(p))
        json_array_append_new(a, json_string("ad"));
    if (ldns_pkt_cd(p))
        json_array_append_new(a, json_string("cd"));
    return a;
}

json_t *cs_answer_to_json(const struct cs_answer *ans)
{
    char buf[1100], rbuf[16];
    json_t *j = json_object();
    json_object_set_new(j, "name", octets_json((const uint8_t *)ans->name, strlen(ans->name)));
    json_object_set_new(j, "type", json_string(type_name(ans->qtype, rbuf, sizeof(rbuf))));
    json_object_set_new(j, "outcome", json_string(cs_outcome_name(ans->outcome)));
    json_object_set_new(j, "server", json_string(cs_addr_format(ans->server, buf, sizeof(buf))));
    if (ans->pkt) {
        json_object_set_new(j, "rcode", json_string(cs_rcode_name(ans->rcode, rbuf, sizeof(rbuf))));
        json_object_set_new(j, "flags", flags_json(ans->pkt));
        json_object_set_new(j, "answers", section(ldns_pkt_answer(ans->pkt)));
        json_object_set_new(j, "authority", section(ldns_pkt_authority(ans->pkt)));
        struct cs_ede ede[4];
        size_t n = cs_pkt_ede(ans->pkt, ede, 4);
        json_t *ea = json_array();
        for (size_t i = 0; i < n && i < 4; i++) {
            const char *nm = cs_ede_name(ede[i].code);
            json_t *o = json_object();
            json_object_set_new_nocheck(o, "code", json_integer(ede[i].code));
            json_object_set_new_nocheck(o, "name", json_string(nm ? nm : "Unknown"));
            json_object_set_new_nocheck(o, "text", json_string(ede[i].text));
            json_array_append_new(ea, o);
        }
        json_object_set_new(j, "ede", ea);
    }
    json_object_set_new(j, "attempts", json_integer(ans->nattempts));
    json_t *log = json_array();
    for (unsigned i = 0; i < ans->nattempts; i++) {
        const struct cs_attempt *a = &ans->attempts[i];
        json_t *o =
            json_pack("{s:s,s:s,s:b}", "server", cs_addr_format(&a->server, buf, sizeof(buf)),
                      "outcome", cs_outcome_name(a->outcome), "tcp", a->tcp);
        if (a->rcode >= 0) {
            json_object_set_new(o, "rcode",
                                json_string(cs_rcode_name((unsigned)a->rcode, rbuf, sizeof(rbuf))));
            json_object_set_new_nocheck(o, "rtt_us", json_integer(a->rtt_us));
        }
        json_array_append_new(log, o);
    }
    json_object_set_new(j, "attempt_log", log);
    if (ans->pkt)
        json_object_set_new(j, "rtt_us", json_integer(ans->rtt_us));
    json_object_set_new(j, "case_echoed", json_boolean(ans->case_echoed));
    cs_wire_name_str(ans->sent_qname, ans->sent_qname_len, buf, sizeof(buf));
    json_object_set_new(j, "sent_qname", json_string(buf));
    json_object_set_new(j, "tcp", json_boolean(ans->tcp));
    json_object_set_new(j, "truncated", json_boolean(ans->truncated));
    return j;
}

/*
 * caa_rr.c -- CAA records in and out: a view of an ldns_rr's rdata, and the presentation form
 * written for people and for the result tables (caa.h).
 *
 * ldns 1.8 parses CAA rdata into three rdfs: INT8 flags, TAG (a length octet, then the tag) and
 * LONG_STR (the value, no length octet). From the wire an empty value gives no third rdf at all.
 * An ldns that does not know the type keeps the rdata as one raw rdf, which is the CAA wire form.
 */
#include "caascan/caa.h"

#include <stdio.h>
#include <string.h>

static const uint8_t empty_value[1] = {0};

static cs_err from_raw(const uint8_t *d, size_t len, struct cs_caa_record *out)
{
    if (d == NULL || len < 2 || (size_t)d[1] + 2 > len)
        return CS_EPARSE;
    out->flags = d[0];
    out->tag = (const char *)d + 2;
    out->tag_len = d[1];
    out->value = len > (size_t)d[1] + 2 ? d + 2 + d[1] : empty_value;
    out->value_len = len - 2 - d[1];
    return CS_OK;
}

cs_err cs_caa_record_from_rr(const ldns_rr *rr, struct cs_caa_record *out)
{
    if (rr == NULL || out == NULL || ldns_rr_get_type(rr) != LDNS_RR_TYPE_CAA)
        return CS_EINVAL;
    memset(out, 0, sizeof(*out));
    size_t n = ldns_rr_rd_count(rr);
    if (n == 1)
        return from_raw(ldns_rdf_data(ldns_rr_rdf(rr, 0)), ldns_rdf_size(ldns_rr_rdf(rr, 0)), out);
    if (n < 2 || n > 3)
        return CS_EPARSE;

    const ldns_rdf *flags = ldns_rr_rdf(rr, 0), *tag = ldns_rr_rdf(rr, 1);
    if (flags == NULL || tag == NULL || ldns_rdf_size(flags) != 1 || ldns_rdf_size(tag) < 1)
        return CS_EPARSE;
    const uint8_t *td = ldns_rdf_data(tag);
    if (td == NULL || (size_t)td[0] + 1 != ldns_rdf_size(tag))
        return CS_EPARSE;
    out->flags = ldns_rdf_data(flags)[0];
    out->tag = (const char *)td + 1;
    out->tag_len = td[0];
    out->value = empty_value;
    out->value_len = 0;
    if (n == 3) {
        const ldns_rdf *value = ldns_rr_rdf(rr, 2);
        if (value == NULL)
            return CS_EPARSE;
        if (ldns_rdf_size(value) > 0) {
            out->value = ldns_rdf_data(value);
            out->value_len = ldns_rdf_size(value);
        }
    }
    return CS_OK;
}

/* Output that counts what it would need and writes what fits (snprintf semantics). */
struct out {
    char *buf;
    size_t size, need;
};

static void put_char(struct out *o, char c)
{
    if (o->need + 1 < o->size)
        o->buf[o->need] = c;
    o->need++;
}

static void put_text(struct out *o, const char *s)
{
    while (*s)
        put_char(o, *s++);
}

static void put_uint(struct out *o, size_t v)
{
    char tmp[24];
    snprintf(tmp, sizeof(tmp), "%zu", v);
    put_text(o, tmp);
}

static bool tag_presentable(const struct cs_caa_record *rec)
{
    if (rec->tag_len == 0 || rec->tag_len > 255 || rec->tag == NULL)
        return false;
    for (size_t i = 0; i < rec->tag_len; i++) {
        unsigned char c = (unsigned char)rec->tag[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
            return false;
    }
    return true;
}

size_t cs_caa_format(const struct cs_caa_record *rec, char *buf, size_t size)
{
    struct out o = {buf, buf ? size : 0, 0};
    if (rec == NULL) {
        if (o.size > 0)
            buf[0] = '\0';
        return 0;
    }
    if (tag_presentable(rec)) {
        put_uint(&o, rec->flags);
        put_char(&o, ' ');
        for (size_t i = 0; i < rec->tag_len; i++)
            put_char(&o, rec->tag[i]);
        put_text(&o, " \"");
        for (size_t i = 0; i < rec->value_len; i++) {
            unsigned char c = rec->value[i];
            if (c == '"' || c == '\\') {
                put_char(&o, '\\');
                put_char(&o, (char)c);
            } else if (c >= 0x20 && c < 0x7f) {
                put_char(&o, (char)c);
            } else {
                char esc[8];
                snprintf(esc, sizeof(esc), "\\%03u", c);
                put_text(&o, esc);
            }
        }
        put_char(&o, '"');
    } else {
        /* RFC 3597: \# length, then the rdata (flags, tag length, tag, value) in hex. */
        static const char hex[] = "0123456789abcdef";
        size_t tag_len = rec->tag_len > 255 ? 255 : rec->tag_len;
        put_text(&o, "\\# ");
        put_uint(&o, 2 + tag_len + rec->value_len);
        put_char(&o, ' ');
        uint8_t head[2] = {rec->flags, (uint8_t)tag_len};
        for (size_t i = 0; i < 2; i++) {
            put_char(&o, hex[head[i] >> 4]);
            put_char(&o, hex[head[i] & 15]);
        }
        for (size_t i = 0; i < tag_len; i++) {
            unsigned char c = (unsigned char)rec->tag[i];
            put_char(&o, hex[c >> 4]);
            put_char(&o, hex[c & 15]);
        }
        for (size_t i = 0; i < rec->value_len; i++) {
            put_char(&o, hex[rec->value[i] >> 4]);
            put_char(&o, hex[rec->value[i] & 15]);
        }
    }
    if (o.size > 0)
        buf[o.need < o.size ? o.need : o.size - 1] = '\0';
    return o.need;
}

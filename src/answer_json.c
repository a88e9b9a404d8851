/*
 * answer_json.c -- engine answers as JSON objects (answer_json.h).
 *
 * A bulk lookup writes a line per query. Built afresh, jansson's tree for one line is about a
 * hundred allocations (a value per key, a table per object), which cost as much CPU as the rest
 * of the line. So a writer builds its tree once and each line updates it in place: strings are
 * set only when their text changed, integers and booleans are set where they are, and arrays
 * are refilled from objects the writer keeps (records, EDEs, attempts) for as long as it lives.
 * The keys that only a reply has are in a second top-level object that shares the values,
 * because jansson keeps keys in insertion order and a key deleted and added again would move.
 */
#include "caascan/answer_json.h"
#include "caascan/query.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ldns/ldns.h>

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

/* Writes the octets made safe into out (room for 4 * n): printable ASCII as is, '\' and other
 * octets as \DDD. Returns the octets written. */
static size_t escape_octets(char *out, const uint8_t *p, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
            out[o++] = (char)p[i];
        else
            o += escape_ddd(out + o, p[i]);
    }
    return o;
}

/* Strings are made with jansson's *_nocheck functions, which skip its UTF-8 check: every string
 * of a line is printable ASCII by construction (names and data go through escapes that leave
 * nothing else; the rest are mnemonics, addresses and EDE texts cs_pkt_ede() has cleaned). */
json_t *cs_json_octets(const uint8_t *p, size_t n)
{
    if (n == 0)
        return json_string_nocheck("");
    char stackbuf[1024];
    char *buf = n * 4 <= sizeof(stackbuf) ? stackbuf : malloc(n * 4);
    if (!buf)
        return NULL;
    json_t *s = json_stringn_nocheck(buf, escape_octets(buf, p, n));
    if (buf != stackbuf)
        free(buf);
    return s;
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

/* Appends the octets made safe (escape_octets()) to b; on failure b's status says so. */
static void put_octets(ldns_buffer *b, const uint8_t *p, size_t n)
{
    if (ldns_buffer_reserve(b, 4 * n))
        ldns_buffer_skip(b, (ssize_t)escape_octets((char *)ldns_buffer_current(b), p, n));
}

/*
 * RFC 3597 generic form "\# LEN HEX" of the rdata, for rdata ldns cannot print safely: ldns 1.8
 * aborts on an assertion when it prints malformed SVCB/HTTPS parameters (found by
 * tests/fuzz/fuzz_reply.c), and an answer from the network must never stop the scanner.
 */
static void put_generic(ldns_buffer *b, const ldns_rr *rr)
{
    static const char hex[] = "0123456789abcdef";
    size_t len = 0;
    for (size_t i = 0; i < ldns_rr_rd_count(rr); i++)
        len += ldns_rdf_size(ldns_rr_rdf(rr, i));
    ldns_buffer_printf(b, "\\# %zu%s", len, len ? " " : "");
    if (!ldns_buffer_reserve(b, 2 * len))
        return;
    char *out = (char *)ldns_buffer_current(b);
    for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
        const ldns_rdf *f = ldns_rr_rdf(rr, i);
        const uint8_t *d = ldns_rdf_data(f);
        for (size_t k = 0; k < ldns_rdf_size(f); k++) {
            *out++ = hex[d[k] >> 4];
            *out++ = hex[d[k] & 15];
        }
    }
    ldns_buffer_skip(b, (ssize_t)(2 * len));
}

/* Appends the decimal form of an integer field (INT8, INT16, INT32 or PERIOD of its own size) to
 * b, as ldns prints it but without its printf call: an SOA, in every negative answer, has five.
 * False for other fields. */
static bool put_integer_field(ldns_buffer *b, const ldns_rdf *f)
{
    const uint8_t *d = ldns_rdf_data(f);
    uint32_t v;
    switch (ldns_rdf_get_type(f)) {
    case LDNS_RDF_TYPE_INT8:
        if (ldns_rdf_size(f) != 1)
            return false;
        v = d[0];
        break;
    case LDNS_RDF_TYPE_INT16:
        if (ldns_rdf_size(f) != 2)
            return false;
        v = ldns_read_uint16(d);
        break;
    case LDNS_RDF_TYPE_INT32:
    case LDNS_RDF_TYPE_PERIOD:
        if (ldns_rdf_size(f) != 4)
            return false;
        v = ldns_read_uint32(d);
        break;
    default:
        return false;
    }
    char buf[10];
    size_t o = sizeof(buf);
    do {
        buf[--o] = digits[v % 10];
        v /= 10;
    } while (v);
    if (ldns_buffer_reserve(b, sizeof(buf) - o)) /* else b's status says it failed */
        ldns_buffer_write(b, buf + o, sizeof(buf) - o);
    return true;
}

/*
 * The fields of the rdata in presentation form, separated by spaces, into b (empty). Names are
 * printed by cs_wire_name_str(), as owner names are (and without ldns's printf call per character:
 * names are most of the text of a bulk lookup, an SOA in every negative answer); the other fields
 * by ldns (integers by put_integer_field()), whose escapes stay as they are ("\." in a name, "\""
 * in a string). An octet outside printable ASCII, which a printer should never leave, still becomes
 * \DDD. False when memory ran out (b's status says the same of its own writers).
 */
static bool put_rdata_text(ldns_buffer *b, const ldns_rr *rr, const struct case_undo *u)
{
    for (size_t i = 0; i < ldns_rr_rd_count(rr); i++)
        if (ldns_rdf_get_type(ldns_rr_rdf(rr, i)) == LDNS_RDF_TYPE_SVCPARAMS) {
            put_generic(b, rr);
            return true;
        }
    char name[1100];
    for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
        const ldns_rdf *f = ldns_rr_rdf(rr, i);
        if (i)
            ldns_buffer_write_char(b, ' '); /* these writers grow the buffer, or mark it failed */
        if (ldns_rdf_get_type(f) == LDNS_RDF_TYPE_DNAME) {
            cs_wire_name_str(ldns_rdf_data(f), ldns_rdf_size(f), name, sizeof(name));
            undo_0x20(name, u);
            ldns_buffer_write_chars(b, name);
        } else if (!put_integer_field(b, f)) {
            ldns_rdf2buffer_str(b, f);
        }
    }
    const uint8_t *p = ldns_buffer_begin(b);
    size_t n = ldns_buffer_position(b);
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] >= 0x7f) {
            uint8_t *copy = malloc(n);
            if (!copy)
                return false;
            memcpy(copy, p, n);
            ldns_buffer_clear(b);
            put_octets(b, copy, n);
            free(copy);
            break;
        }
    return true;
}

/* Sets the string s to text, unless it holds that already (a lookup repeats most values). */
static bool set_string(json_t *s, const char *text, size_t n)
{
    if (json_string_length(s) == n && memcmp(json_string_value(s), text, n) == 0)
        return true;
    return json_string_setn_nocheck(s, text, n) == 0;
}

static bool set_cstr(json_t *s, const char *text)
{
    return set_string(s, text, strlen(text));
}

/* Sets s to the text in b, which is then emptied. */
static bool set_text(json_t *s, ldns_buffer *b)
{
    bool ok = ldns_buffer_status_ok(b) &&
              set_string(s, (const char *)ldns_buffer_begin(b), ldns_buffer_position(b));
    ldns_buffer_clear(b);
    return ok;
}

static bool set_bool(json_t *o, const char *key, bool v)
{
    return json_object_set_nocheck(o, key, json_boolean(v)) == 0;
}

/* Adds key to o with the value v, which its holder keeps a reference to. */
static bool add(json_t *o, const char *key, json_t *v)
{
    return json_object_set_nocheck(o, key, v) == 0;
}

/* A record {"name", "type", "ttl", "data"}, data either text or the CAA object. */
struct rr_slot {
    json_t *obj, *name, *type, *ttl, *text;
    json_t *caa, *flags, *tag, *value; /* {"flags", "tag", "value"} */
    json_t *data;                      /* text or caa: the one in obj now */
};

struct ede_slot {
    json_t *obj, *code, *name, *text; /* {"code", "name", "text"} */
};

/* An attempt, with a reply {"server", "outcome", "tcp", "rcode", "rtt_us"} or without one (the
 * first three); the two objects share their values. */
struct attempt_slot {
    json_t *reply, *noreply, *server, *outcome, *rcode, *rtt;
};

enum { NFLAGS = 7 };
static const char *const flag_names[NFLAGS] = {"qr", "aa", "tc", "rd", "ra", "ad", "cd"};

struct cs_answer_writer {
    char *buf; /* the line */
    size_t cap;
    ldns_buffer *text; /* a string's text while it is made */
    json_t *full;      /* the line of an answer with a reply */
    json_t *bare;      /* without one: no rcode, flags, answers, authority, ede, rtt_us */
    json_t *name, *type, *outcome, *server, *rcode, *flags, *answers, *authority, *ede;
    json_t *attempts, *log, *rtt, *sent;
    json_t *flag[NFLAGS];
    struct ede_slot edes[4];
    struct attempt_slot att[CS_MAX_ATTEMPTS];
    struct rr_slot *rrs; /* records of the sections, as many as the largest reply had */
    size_t nrrs;
    struct cs_addr server_addr; /* the last server, formatted: mostly the same from line to line */
    char server_text[64];
};

static void rr_slot_free(struct rr_slot *s)
{
    json_t *all[] = {s->obj, s->name, s->type, s->ttl, s->text, s->caa, s->flags, s->tag, s->value};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        json_decref(all[i]);
}

/* The slot of record i, made when no reply had that many records yet; NULL when out of memory. */
static struct rr_slot *rr_slot(struct cs_answer_writer *w, size_t i)
{
    if (i < w->nrrs)
        return &w->rrs[i];
    struct rr_slot *rrs = realloc(w->rrs, (i + 1) * sizeof(*rrs));
    if (!rrs)
        return NULL;
    w->rrs = rrs;
    struct rr_slot *s = &rrs[i];
    *s = (struct rr_slot){.obj = json_object(),
                          .name = json_string_nocheck(""),
                          .type = json_string_nocheck(""),
                          .ttl = json_integer(0),
                          .text = json_string_nocheck(""),
                          .caa = json_object(),
                          .flags = json_integer(0),
                          .tag = json_string_nocheck(""),
                          .value = json_string_nocheck("")};
    s->data = s->text;
    if (!(add(s->obj, "name", s->name) && add(s->obj, "type", s->type) &&
          add(s->obj, "ttl", s->ttl) && add(s->obj, "data", s->data) &&
          add(s->caa, "flags", s->flags) && add(s->caa, "tag", s->tag) &&
          add(s->caa, "value", s->value))) {
        rr_slot_free(s);
        return NULL;
    }
    w->nrrs = i + 1;
    return s;
}

/* The three fields of a CAA record, or false when the rdata is not that (then it is text). */
static bool caa_fields(const ldns_rr *rr, uint8_t *flags, const uint8_t **tag, size_t *taglen,
                       const ldns_rdf **value)
{
    if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CAA || ldns_rr_rd_count(rr) != 3)
        return false;
    const ldns_rdf *f = ldns_rr_rdf(rr, 0), *t = ldns_rr_rdf(rr, 1);
    if (ldns_rdf_size(f) != 1 || ldns_rdf_size(t) < 1)
        return false;
    *tag = ldns_rdf_data(t);
    *taglen = (*tag)[0];
    if (*taglen + 1 > ldns_rdf_size(t))
        return false;
    (*tag)++;
    *flags = ldns_rdf_data(f)[0];
    *value = ldns_rr_rdf(rr, 2);
    return true;
}

/* Sets slot s to the record rr. */
static bool fill_rr(struct cs_answer_writer *w, struct rr_slot *s, const ldns_rr *rr,
                    const struct case_undo *u)
{
    char owner[1100], tbuf[16];
    const ldns_rdf *o = ldns_rr_owner(rr);
    cs_wire_name_str(ldns_rdf_data(o), ldns_rdf_size(o), owner, sizeof(owner));
    undo_0x20(owner, u);
    bool ok = set_cstr(s->name, owner) &&
              set_cstr(s->type, cs_rr_type_name(ldns_rr_get_type(rr), tbuf, sizeof(tbuf))) &&
              json_integer_set(s->ttl, ldns_rr_ttl(rr)) == 0;
    uint8_t flags;
    const uint8_t *tag;
    size_t taglen;
    const ldns_rdf *value;
    json_t *data = s->text;
    if (caa_fields(rr, &flags, &tag, &taglen, &value)) {
        data = s->caa;
        ok = ok && json_integer_set(s->flags, flags) == 0;
        put_octets(w->text, tag, taglen);
        ok = ok && set_text(s->tag, w->text);
        put_octets(w->text, ldns_rdf_data(value), ldns_rdf_size(value));
        ok = ok && set_text(s->value, w->text);
    } else {
        ok = ok && put_rdata_text(w->text, rr, u) && set_text(s->text, w->text);
    }
    if (ok && data != s->data) {
        ok = json_object_set_nocheck(s->obj, "data", data) == 0;
        s->data = data;
    }
    ldns_buffer_clear(w->text);
    return ok;
}

static bool section(struct cs_answer_writer *w, json_t *arr, size_t *used, const ldns_rr_list *list,
                    const struct case_undo *u)
{
    for (size_t i = 0; list && i < ldns_rr_list_rr_count(list); i++) {
        struct rr_slot *s = rr_slot(w, (*used)++);
        if (!s || !fill_rr(w, s, ldns_rr_list_rr(list, i), u) || json_array_append(arr, s->obj))
            return false;
    }
    return true;
}

static bool flags(struct cs_answer_writer *w, const ldns_pkt *p)
{
    const bool on[NFLAGS] = {ldns_pkt_qr(p), ldns_pkt_aa(p), ldns_pkt_tc(p), ldns_pkt_rd(p),
                             ldns_pkt_ra(p), ldns_pkt_ad(p), ldns_pkt_cd(p)};
    for (size_t i = 0; i < NFLAGS; i++)
        if (on[i] && json_array_append(w->flags, w->flag[i]) != 0)
            return false;
    return true;
}

static bool ede_list(struct cs_answer_writer *w, ldns_pkt *pkt)
{
    struct cs_ede ede[4];
    size_t n = cs_pkt_ede(pkt, ede, 4);
    for (size_t i = 0; i < n && i < 4; i++) {
        const struct ede_slot *s = &w->edes[i];
        const char *nm = cs_ede_name(ede[i].code);
        if (json_integer_set(s->code, ede[i].code) != 0 ||
            !set_cstr(s->name, nm ? nm : "Unknown") || !set_cstr(s->text, ede[i].text) ||
            json_array_append(w->ede, s->obj) != 0)
            return false;
    }
    return true;
}

static bool attempt_log(struct cs_answer_writer *w, const struct cs_answer *ans, const char *server)
{
    char buf[64], rbuf[16];
    for (unsigned i = 0; i < ans->nattempts && i < CS_MAX_ATTEMPTS; i++) {
        const struct cs_attempt *a = &ans->attempts[i];
        const struct attempt_slot *s = &w->att[i];
        /* Mostly the server of the answer: formatted once (inet_ntop and snprintf are not free). */
        bool same = cs_sockaddr_equal((const struct sockaddr *)&a->server.ss,
                                      (const struct sockaddr *)&ans->server->ss);
        json_t *o = a->rcode >= 0 ? s->reply : s->noreply;
        if (!set_cstr(s->server, same ? server : cs_addr_format(&a->server, buf, sizeof(buf))) ||
            !set_cstr(s->outcome, cs_outcome_name(a->outcome)) || !set_bool(o, "tcp", a->tcp))
            return false;
        if (a->rcode >= 0 &&
            (!set_cstr(s->rcode, cs_rcode_name((unsigned)a->rcode, rbuf, sizeof(rbuf))) ||
             json_integer_set(s->rtt, a->rtt_us) != 0))
            return false;
        if (json_array_append(w->log, o) != 0)
            return false;
    }
    return true;
}

/* Sets the writer's tree to ans; returns the object of the line, or NULL. */
static json_t *fill_answer(struct cs_answer_writer *w, const struct cs_answer *ans)
{
    char buf[1100], rbuf[16];
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
    json_t *arrays[] = {w->flags, w->answers, w->authority, w->ede, w->log};
    for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
        json_array_clear(arrays[i]);
    json_t *j = ans->pkt ? w->full : w->bare;
    if (!w->server_text[0] || !cs_sockaddr_equal((const struct sockaddr *)&ans->server->ss,
                                                 (const struct sockaddr *)&w->server_addr.ss)) {
        cs_addr_format(ans->server, w->server_text, sizeof(w->server_text));
        w->server_addr = *ans->server;
    }
    const char *server = w->server_text;
    ldns_buffer_clear(w->text);
    put_octets(w->text, (const uint8_t *)ans->name, alen);
    bool ok = set_text(w->name, w->text) &&
              set_cstr(w->type, cs_rr_type_name(ans->qtype, rbuf, sizeof(rbuf))) &&
              set_cstr(w->outcome, cs_outcome_name(ans->outcome)) && set_cstr(w->server, server);
    if (ok && ans->pkt) {
        size_t used = 0;
        ok = set_cstr(w->rcode, cs_rcode_name(ans->rcode, rbuf, sizeof(rbuf))) &&
             flags(w, ans->pkt) && section(w, w->answers, &used, ldns_pkt_answer(ans->pkt), u) &&
             section(w, w->authority, &used, ldns_pkt_authority(ans->pkt), u) &&
             ede_list(w, ans->pkt) && json_integer_set(w->rtt, ans->rtt_us) == 0;
    }
    cs_wire_name_str(ans->sent_qname, ans->sent_qname_len, buf, sizeof(buf));
    ok = ok && json_integer_set(w->attempts, ans->nattempts) == 0 && attempt_log(w, ans, server) &&
         set_bool(j, "case_echoed", ans->case_echoed) && set_cstr(w->sent, buf) &&
         set_bool(j, "tcp", ans->tcp) && set_bool(j, "truncated", ans->truncated);
    return ok ? j : NULL;
}

void cs_answer_writer_free(struct cs_answer_writer *w)
{
    if (!w)
        return;
    json_t *all[] = {w->full,   w->bare,     w->name,  w->type,    w->outcome,
                     w->server, w->rcode,    w->flags, w->answers, w->authority,
                     w->ede,    w->attempts, w->log,   w->rtt,     w->sent};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        json_decref(all[i]);
    for (size_t i = 0; i < NFLAGS; i++)
        json_decref(w->flag[i]);
    for (size_t i = 0; i < 4; i++) {
        json_decref(w->edes[i].obj);
        json_decref(w->edes[i].code);
        json_decref(w->edes[i].name);
        json_decref(w->edes[i].text);
    }
    for (size_t i = 0; i < CS_MAX_ATTEMPTS; i++) {
        const struct attempt_slot *s = &w->att[i];
        json_t *att[] = {s->reply, s->noreply, s->server, s->outcome, s->rcode, s->rtt};
        for (size_t k = 0; k < sizeof(att) / sizeof(att[0]); k++)
            json_decref(att[k]);
    }
    for (size_t i = 0; i < w->nrrs; i++)
        rr_slot_free(&w->rrs[i]);
    free(w->rrs);
    if (w->text)
        ldns_buffer_free(w->text);
    free(w->buf);
    free(w);
}

struct cs_answer_writer *cs_answer_writer_new(void)
{
    struct cs_answer_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->cap = 4096;
    w->buf = malloc(w->cap);
    w->text = ldns_buffer_new(256);
    w->full = json_object();
    w->bare = json_object();
    json_t **strings[] = {&w->name, &w->type, &w->outcome, &w->server, &w->rcode, &w->sent};
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
        *strings[i] = json_string_nocheck("");
    json_t **arrays[] = {&w->flags, &w->answers, &w->authority, &w->ede, &w->log};
    for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++)
        *arrays[i] = json_array();
    w->attempts = json_integer(0);
    w->rtt = json_integer(0);
    bool ok = w->buf && w->text;
    /* Keys in the order of the line; bare has those that need no reply. */
    for (int k = 0; k < 2; k++) {
        json_t *j = k ? w->bare : w->full;
        bool reply = k == 0;
        ok = ok && add(j, "name", w->name) && add(j, "type", w->type) &&
             add(j, "outcome", w->outcome) && add(j, "server", w->server);
        ok = ok && (!reply || (add(j, "rcode", w->rcode) && add(j, "flags", w->flags) &&
                               add(j, "answers", w->answers) && add(j, "authority", w->authority) &&
                               add(j, "ede", w->ede)));
        ok = ok && add(j, "attempts", w->attempts) && add(j, "attempt_log", w->log);
        ok = ok && (!reply || add(j, "rtt_us", w->rtt));
        ok = ok && add(j, "case_echoed", json_false()) && add(j, "sent_qname", w->sent) &&
             add(j, "tcp", json_false()) && add(j, "truncated", json_false());
    }
    for (size_t i = 0; i < NFLAGS; i++)
        ok = ok && (w->flag[i] = json_string_nocheck(flag_names[i]));
    for (size_t i = 0; ok && i < 4; i++) {
        struct ede_slot *s = &w->edes[i];
        *s = (struct ede_slot){json_object(), json_integer(0), json_string_nocheck(""),
                               json_string_nocheck("")};
        ok = add(s->obj, "code", s->code) && add(s->obj, "name", s->name) &&
             add(s->obj, "text", s->text);
    }
    for (size_t i = 0; ok && i < CS_MAX_ATTEMPTS; i++) {
        struct attempt_slot *s = &w->att[i];
        *s = (struct attempt_slot){json_object(),           json_object(),
                                   json_string_nocheck(""), json_string_nocheck(""),
                                   json_string_nocheck(""), json_integer(0)};
        for (int k = 0; k < 2; k++) {
            json_t *o = k ? s->noreply : s->reply;
            ok = ok && add(o, "server", s->server) && add(o, "outcome", s->outcome) &&
                 add(o, "tcp", json_false());
        }
        ok = ok && add(s->reply, "rcode", s->rcode) && add(s->reply, "rtt_us", s->rtt);
    }
    if (!ok) {
        cs_answer_writer_free(w);
        return NULL;
    }
    return w;
}

const char *cs_answer_writer_dump(struct cs_answer_writer *w, const json_t *j, size_t *len)
{
    if (!j)
        return NULL;
    size_t n = json_dumpb(j, w->buf, w->cap, JSON_COMPACT);
    if (n >= w->cap) { /* did not fit: now the size is known */
        char *nb = realloc(w->buf, n + 1);
        if (!nb)
            return NULL;
        w->buf = nb;
        w->cap = n + 1;
        n = json_dumpb(j, w->buf, w->cap, JSON_COMPACT);
    }
    if (n == 0 || n >= w->cap)
        return NULL;
    w->buf[n] = '\0';
    *len = n;
    return w->buf;
}

const char *cs_answer_writer_line(struct cs_answer_writer *w, const struct cs_answer *ans,
                                  size_t *len)
{
    return cs_answer_writer_dump(w, fill_answer(w, ans), len);
}

json_t *cs_rr_json(const ldns_rr *rr)
{
    struct cs_answer_writer *w = cs_answer_writer_new();
    struct rr_slot *s = w ? rr_slot(w, 0) : NULL;
    json_t *j = s && fill_rr(w, s, rr, NULL) ? json_incref(s->obj) : NULL;
    cs_answer_writer_free(w);
    return j;
}

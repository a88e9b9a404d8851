/* test_query.c -- building queries and matching replies to them (ID, type, class, 0x20 name). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/addr.h"
#include "caascan/case0x20.h"
#include "caascan/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A reply made from the query: QR set, same ID and question, plus an answer-less body. */
static size_t make_reply(const struct cs_wirequery *q, uint8_t *out)
{
    memcpy(out, q->buf, q->len);
    out[2] |= 0x80; /* QR */
    return q->len;
}

static void test_build_layout(void **state)
{
    struct cs_wirequery q;
    assert_int_equal(
        cs_query_build(&q, "Shop.Example.TEST.", LDNS_RR_TYPE_CAA, 1, CS_QF_RD | CS_QF_DO), CS_OK);
    assert_int_equal(q.qname_len, 19);
    assert_int_equal(q.qtype, 257);
    /* header 12 + name 19 + 4 + OPT 11 */
    assert_int_equal(q.len, 12 + 19 + 4 + 11);
    assert_true(q.buf[2] & LDNS_RD_MASK);
    assert_int_equal(LDNS_QDCOUNT(q.buf), 1);
    assert_int_equal(LDNS_ARCOUNT(q.buf), 1);
    /* OPT: root name, type 41, class = buffer size 1232, TTL flags with DO bit. */
    const uint8_t *opt = q.buf + 12 + 19 + 4;
    assert_int_equal(opt[0], 0);
    assert_int_equal(ldns_read_uint16(opt + 1), 41);
    assert_int_equal(ldns_read_uint16(opt + 3), CS_EDNS_BUFSIZE);
    assert_int_equal(opt[7] & 0x80, 0x80);
    /* The name folds to what was asked. */
    uint8_t lower[19];
    memcpy(lower, q.buf + 12, 19);
    cs_0x20_apply(lower, 19, NULL, 0);
    const uint8_t want[] = {4,   's', 'h', 'o', 'p', 7,   'e', 'x', 'a', 'm',
                            'p', 'l', 'e', 4,   't', 'e', 's', 't', 0};
    assert_memory_equal(lower, want, 19);

    /* ldns reads the assembled message back as the same query. */
    ldns_pkt *parsed = NULL;
    assert_int_equal(ldns_wire2pkt(&parsed, q.buf, q.len), LDNS_STATUS_OK);
    assert_int_equal(ldns_pkt_qdcount(parsed), 1);
    assert_int_equal(ldns_pkt_edns_udp_size(parsed), CS_EDNS_BUFSIZE);
    assert_true(ldns_pkt_edns_do(parsed));
    assert_true(ldns_pkt_rd(parsed));
    assert_false(ldns_pkt_cd(parsed));
    assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(parsed), 0)),
                     LDNS_RR_TYPE_CAA);
    ldns_pkt_free(parsed);

    struct cs_wirequery plain;
    assert_int_equal(cs_query_build(&plain, "x.test", LDNS_RR_TYPE_A, 1, CS_QF_NOEDNS | CS_QF_CD),
                     CS_OK);
    assert_int_equal(LDNS_ARCOUNT(plain.buf), 0);
    assert_false(plain.buf[2] & LDNS_RD_MASK);
    assert_true(plain.buf[3] & LDNS_CD_MASK);
}

static void test_build_rejects_bad_names(void **state)
{
    struct cs_wirequery q;
    assert_int_equal(cs_query_build(&q, "a..b", 1, 1, 0), CS_EINVAL);
    char longlabel[80];
    memset(longlabel, 'a', 70);
    memcpy(longlabel + 70, ".test", 6);
    assert_int_equal(cs_query_build(&q, longlabel, 1, 1, 0), CS_EINVAL);
}

static void test_no0x20_sends_lower_case(void **state)
{
    struct cs_wirequery q;
    assert_int_equal(cs_query_build(&q, "ABC.test", 1, 1, CS_QF_NO0X20), CS_OK);
    const uint8_t want[] = {3, 'a', 'b', 'c', 4, 't', 'e', 's', 't', 0};
    assert_memory_equal(q.buf + 12, want, sizeof(want));
}

static void test_match_outcomes(void **state)
{
    struct cs_wirequery q;
    uint8_t r[CS_QUERY_MAX];
    assert_int_equal(cs_query_build(&q, "shop.example.test", LDNS_RR_TYPE_CAA, 1, CS_QF_RD), CS_OK);
    size_t n = make_reply(&q, r);
    assert_int_equal(cs_query_match(&q, r, n), CS_MATCH_OK);

    /* Not a response. */
    r[2] &= 0x7f;
    assert_int_equal(cs_query_match(&q, r, n), CS_MATCH_WRONG_QUESTION);
    r[2] |= 0x80;
    /* Another ID. */
    r[1] ^= 1;
    assert_int_equal(cs_query_match(&q, r, n), CS_MATCH_WRONG_ID);
    r[1] ^= 1;
    /* Another type. */
    r[12 + q.qname_len] = 0; /* CAA (257) becomes A (1) */
    assert_int_equal(cs_query_match(&q, r, n), CS_MATCH_WRONG_QUESTION);
    n = make_reply(&q, r);
    /* Another class. */
    r[12 + q.qname_len + 3] = 3;
    assert_int_equal(cs_query_match(&q, r, n), CS_MATCH_WRONG_QUESTION);
    n = make_reply(&q, r);
    /* Question echoed in lower case: only a case difference (unless the random case was all lower).
     */
    uint8_t *name = r + 12;
    cs_0x20_apply(name, q.qname_len, NULL, 0);
    cs_match m = cs_query_match(&q, r, n);
    if (memcmp(name, q.buf + 12, q.qname_len) == 0)
        assert_int_equal(m, CS_MATCH_OK);
    else
        assert_int_equal(m, CS_MATCH_CASE_ONLY);
    /* Force a known upper-case letter so the lower-case echo differs for sure. */
    q.buf[13] = 'S';
    assert_int_equal(cs_query_match(&q, r, n), CS_MATCH_CASE_ONLY);
    /* Another name. */
    n = make_reply(&q, r);
    r[14] = 'X';
    assert_int_equal(cs_query_match(&q, r, n), CS_MATCH_WRONG_QUESTION);
    /* Two questions. */
    n = make_reply(&q, r);
    r[5] = 2;
    assert_int_equal(cs_query_match(&q, r, n), CS_MATCH_WRONG_QUESTION);
    /* Truncated packets. */
    n = make_reply(&q, r);
    assert_int_equal(cs_query_match(&q, r, 11), CS_MATCH_MALFORMED);
    assert_int_equal(cs_query_match(&q, r, 12 + q.qname_len + 2), CS_MATCH_MALFORMED);
    /* Compressed question name. */
    r[12] = 0xc0;
    r[13] = 12;
    assert_int_equal(cs_query_match(&q, r, n), CS_MATCH_MALFORMED);
}

static void test_rearm_changes_id(void **state)
{
    struct cs_wirequery q;
    assert_int_equal(cs_query_build(&q, "a.test", 1, 1, 0), CS_OK);
    int changed = 0;
    uint16_t first = cs_query_id(&q);
    for (int i = 0; i < 8; i++) {
        cs_query_rearm(&q, 0);
        changed |= cs_query_id(&q) != first;
    }
    assert_true(changed);
}

static void test_sockaddr_equal(void **state)
{
    struct cs_addr a, b, c, d;
    assert_int_equal(cs_addr_parse("127.0.0.1:53", 53, &a), CS_OK);
    assert_int_equal(cs_addr_parse("127.0.0.1", 53, &b), CS_OK);
    assert_int_equal(cs_addr_parse("127.0.0.1:5353", 53, &c), CS_OK);
    assert_int_equal(cs_addr_parse("[::1]:53", 53, &d), CS_OK);
    assert_true(cs_sockaddr_equal((struct sockaddr *)&a.ss, (struct sockaddr *)&b.ss));
    assert_false(cs_sockaddr_equal((struct sockaddr *)&a.ss, (struct sockaddr *)&c.ss));
    assert_false(cs_sockaddr_equal((struct sockaddr *)&a.ss, (struct sockaddr *)&d.ss));
}

static void test_rcode_names_and_ede(void **state)
{
    char buf[16];
    assert_string_equal(cs_rcode_name(0, buf, sizeof(buf)), "NOERROR");
    assert_string_equal(cs_rcode_name(2, buf, sizeof(buf)), "SERVFAIL");
    assert_string_equal(cs_rcode_name(4, buf, sizeof(buf)), "NOTIMP");
    assert_string_equal(cs_rcode_name(16, buf, sizeof(buf)), "BADVERS");
    assert_string_equal(cs_rcode_name(12, buf, sizeof(buf)), "RCODE12");
    assert_string_equal(cs_ede_name(7), "Signature Expired");
    assert_true(cs_ede_is_dnssec(6));
    assert_true(cs_ede_is_dnssec(1));
    assert_false(cs_ede_is_dnssec(3));
    assert_false(cs_ede_is_dnssec(22));

    /* A reply carrying EDE 7 with text, built with ldns. */
    ldns_pkt *p = ldns_pkt_new();
    ldns_pkt_set_edns_udp_size(p, 1232);
    ldns_edns_option_list *list = ldns_edns_option_list_new();
    uint8_t data[] = {0, 7, 'e', 'x', 'p', 'i', 'r', 'e', 'd', 0x01};
    uint8_t *copy = malloc(sizeof(data));
    memcpy(copy, data, sizeof(data));
    ldns_edns_option_list_push(list, ldns_edns_new(LDNS_EDNS_EDE, sizeof(data), copy));
    ldns_pkt_set_edns_option_list(p, list);
    uint8_t *wire;
    size_t len;
    assert_int_equal(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
    ldns_pkt_free(p);
    ldns_pkt *parsed;
    assert_int_equal(ldns_wire2pkt(&parsed, wire, len), LDNS_STATUS_OK);
    free(wire);
    struct cs_ede ede[2];
    assert_int_equal(cs_pkt_ede(parsed, ede, 2), 1);
    assert_int_equal(ede[0].code, 7);
    assert_string_equal(ede[0].text, "expired?");
    ldns_pkt_free(parsed);

    /* A text longer than the buffer is cut after a whole word, never in the middle of one. */
    p = ldns_pkt_new();
    ldns_pkt_set_edns_udp_size(p, 1232);
    list = ldns_edns_option_list_new();
    char text[400] = "";
    for (int i = 0; strlen(text) < 300; i++)
        snprintf(text + strlen(text), sizeof(text) - strlen(text), "%sword%d", i ? " " : "", i);
    size_t tlen = strlen(text);
    copy = malloc(tlen + 2);
    copy[0] = 0;
    copy[1] = 7;
    memcpy(copy + 2, text, tlen);
    ldns_edns_option_list_push(list, ldns_edns_new(LDNS_EDNS_EDE, tlen + 2, copy));
    ldns_pkt_set_edns_option_list(p, list);
    assert_int_equal(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
    ldns_pkt_free(p);
    assert_int_equal(ldns_wire2pkt(&parsed, wire, len), LDNS_STATUS_OK);
    free(wire);
    assert_int_equal(cs_pkt_ede(parsed, ede, 2), 1);
    size_t got = strlen(ede[0].text);
    assert_true(got < sizeof(ede[0].text) && got > 200);
    assert_string_equal(ede[0].text + got - 3, "...");
    /* What comes before "..." is the start of the text up to the end of a word. */
    assert_int_equal(strncmp(ede[0].text, text, got - 3), 0);
    assert_true(text[got - 3] == ' ');
    ldns_pkt_free(parsed);
}

static size_t read_seed(const char *name, uint8_t *buf, size_t size)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/fuzz/seeds/auth_reply/%s", CAASCAN_TEST_DIR, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, size, f);
    fclose(f);
    return n;
}

/*
 * A reply whose additional section holds `ntsig` TSIG records and then an A record. ldns_wire2pkt
 * lowers the additional count for each TSIG record it reads, so with two of them it reads both
 * (and leaks the first), and with one it stops before the A record.
 */
static size_t reply_with_tsig(unsigned ntsig, uint8_t **wire)
{
    static const uint8_t tsig[] = {
        3,    'k',  'e',  'y',  0,    0x00, 0xfa, 0x00, 0xff, 0,   0,   0,   0,
        0,    29, /* key. TSIG ANY 0 */
        11,   'h',  'm',  'a',  'c',  '-',  's',  'h',  'a',  '2', '5', '6', 0, /* algorithm */
        0,    0,    0x65, 0x53, 0xf1, 0x00,                                     /* time signed */
        0x01, 0x2c, 0,    0,    0x12, 0x34, 0,    0,    0,    0, /* fudge, MAC size 0, ID, error,
                                                                    other 0 */
    };
    static const uint8_t a[] = {3, 'n', 's', '1', 0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1};
    ldns_pkt *p = NULL;
    assert_int_equal(
        ldns_pkt_query_new_frm_str(&p, "shop.example.test", LDNS_RR_TYPE_CAA, LDNS_RR_CLASS_IN, 0),
        LDNS_STATUS_OK);
    ldns_pkt_set_qr(p, true);
    uint8_t *w = NULL;
    size_t len = 0;
    assert_int_equal(ldns_pkt2wire(&w, p, &len), LDNS_STATUS_OK);
    ldns_pkt_free(p);
    w = realloc(w, len + ntsig * sizeof(tsig) + sizeof(a));
    assert_non_null(w);
    for (unsigned i = 0; i < ntsig; i++, len += sizeof(tsig))
        memcpy(w + len, tsig, sizeof(tsig));
    memcpy(w + len, a, sizeof(a));
    len += sizeof(a);
    w[11] = (uint8_t)(ntsig + 1); /* ARCOUNT */
    *wire = w;
    return len;
}

/* Replies with two TSIG records, which ldns_wire2pkt would leak one of, are refused; one TSIG
 * record or other additional records are parsed as before (LeakSanitizer watches this test). */
static void test_pkt_from_wire_refuses_two_tsig(void **state)
{
    uint8_t buf[4096];
    ldns_pkt *p = (ldns_pkt *)buf; /* not NULL: the call must set it */
    static const char *const found[] = {"two_tsig", "two_tsig_compressed"};
    for (size_t i = 0; i < 2; i++) {
        size_t n = read_seed(found[i], buf, sizeof(buf));
        assert_int_equal(cs_pkt_from_wire(&p, buf, n), LDNS_STATUS_ERR);
        assert_null(p);
    }
    for (unsigned ntsig = 0; ntsig <= 2; ntsig++) {
        uint8_t *wire = NULL;
        size_t n = reply_with_tsig(ntsig, &wire);
        ldns_status st = cs_pkt_from_wire(&p, wire, n);
        if (ntsig < 2) {
            assert_int_equal(st, LDNS_STATUS_OK);
            assert_true((ldns_pkt_tsig(p) != NULL) == (ntsig == 1));
            assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_additional(p)), ntsig == 0);
            ldns_pkt_free(p);
        } else {
            assert_int_equal(st, LDNS_STATUS_ERR);
            assert_null(p);
        }
        free(wire);
    }
    /* Too short for a header: ldns's own verdict. */
    assert_int_not_equal(cs_pkt_from_wire(&p, buf, 5), LDNS_STATUS_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_layout),
        cmocka_unit_test(test_build_rejects_bad_names),
        cmocka_unit_test(test_no0x20_sends_lower_case),
        cmocka_unit_test(test_match_outcomes),
        cmocka_unit_test(test_rearm_changes_id),
        cmocka_unit_test(test_sockaddr_equal),
        cmocka_unit_test(test_rcode_names_and_ede),
        cmocka_unit_test(test_pkt_from_wire_refuses_two_tsig),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

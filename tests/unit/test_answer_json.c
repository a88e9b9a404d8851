/*
 * test_answer_json.c -- lookup's JSON lines: CAA as flags/tag/value, escapes, hostile rdata; the
 * writer against yajl's escapes; replies printed from the wire against the same replies parsed by
 * ldns.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/answer_json.h"

#include <jansson.h>
#include <stdio.h>
#include <yajl/yajl_gen.h>
#include <stdlib.h>
#include <string.h>

/* The record as the writer writes it, parsed back by jansson (so it must be valid JSON). */
static json_t *rr_value(const ldns_rr *rr)
{
    struct cs_json w;
    cs_json_init(&w);
    cs_rr_json(rr, &w);
    assert_false(w.failed);
    json_error_t err;
    json_t *j = json_loadb(w.buf, w.len, 0, &err);
    assert_non_null(j);
    cs_json_free(&w);
    return j;
}

static char *rr_json(const char *text)
{
    ldns_rr *rr = NULL;
    assert_int_equal(ldns_rr_new_frm_str(&rr, text, 300, NULL, NULL), LDNS_STATUS_OK);
    json_t *j = rr_value(rr);
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    ldns_rr_free(rr);
    return s;
}

static void test_caa_as_fields(void **state)
{
    char *s = rr_json("Shop.Example.TEST. 300 IN CAA 128 issue \"letsencrypt.org; accounturi=x\"");
    assert_string_equal(s,
                        "{\"data\":{\"flags\":128,\"tag\":\"issue\",\"value\":\"letsencrypt.org; "
                        "accounturi=x\"},\"name\":\"Shop.Example.TEST.\",\"ttl\":300,\"type\":"
                        "\"CAA\"}");
    free(s);
    /* Octets outside printable ASCII become \DDD, so the line stays valid UTF-8 JSON. */
    s = rr_json("x.test. 300 IN CAA 0 issue \"a\\255b\\\\c\"");
    assert_non_null(strstr(s, "\"value\":\"a\\\\255b\\\\092c\""));
    free(s);
}

static void test_other_types_as_text(void **state)
{
    char *s = rr_json("x.test. 60 IN MX 10 mail.x.test.");
    assert_string_equal(s, "{\"data\":\"10 mail.x.test.\",\"name\":\"x.test.\",\"ttl\":60,\"type\":"
                           "\"MX\"}");
    free(s);
}

static void test_hostile_svcb_printed_generically(void **state)
{
    /* The reply the reply fuzzer found: malformed SVCB parameters made ldns abort. */
    FILE *f = fopen(CAASCAN_TEST_DIR "/unit/data/reply-svcparams-crash.bin", "rb");
    assert_non_null(f);
    uint8_t buf[4096];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    ldns_pkt *pkt = NULL;
    assert_int_equal(ldns_wire2pkt(&pkt, buf, n), LDNS_STATUS_OK);
    int generic = 0;
    ldns_rr_list *sections[3] = {ldns_pkt_answer(pkt), ldns_pkt_authority(pkt),
                                 ldns_pkt_additional(pkt)};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < ldns_rr_list_rr_count(sections[k]); i++) {
            json_t *j = rr_value(ldns_rr_list_rr(sections[k], i));
            assert_non_null(j);
            const char *data = json_string_value(json_object_get(j, "data"));
            if (data && strncmp(data, "\\# ", 3) == 0)
                generic++;
            json_decref(j);
        }
    assert_true(generic >= 1);
    ldns_pkt_free(pkt);
}

static void test_wire_name_str(void **state)
{
    const uint8_t n[] = {3, 'W', '.', 'w', 2, 0x01, 'b', 0};
    char buf[64];
    cs_wire_name_str(n, sizeof(n), buf, sizeof(buf));
    assert_string_equal(buf, "W\\046w.\\001b.");
    const uint8_t root[] = {0};
    cs_wire_name_str(root, 1, buf, sizeof(buf));
    assert_string_equal(buf, ".");
    char small[4];
    cs_wire_name_str(n, sizeof(n), small, sizeof(small));
    assert_true(strlen(small) < sizeof(small));
}

/* The writer's strings, numbers and nesting are yajl's, byte for byte (the lines kept their form
 * when the writer replaced yajl's generator). */
static void test_writer_matches_yajl(void **state)
{
    struct cs_json w;
    cs_json_init(&w);
    yajl_gen g = yajl_gen_alloc(NULL);
    const unsigned char *ybuf;
    size_t ylen;
    for (int c = 0; c < 256; c++) {
        char s[3] = {'a', (char)c, 'z'};
        cs_json_clear(&w);
        cs_json_string(&w, s, 3);
        yajl_gen_clear(g);
        yajl_gen_reset(g, NULL);
        assert_int_equal(yajl_gen_string(g, (const unsigned char *)s, 3), yajl_gen_status_ok);
        yajl_gen_get_buf(g, &ybuf, &ylen);
        assert_int_equal(w.len, ylen);
        assert_memory_equal(w.buf, ybuf, ylen);
    }
    cs_json_clear(&w);
    cs_json_map_open(&w);
    cs_json_key(&w, "a");
    cs_json_array_open(&w);
    cs_json_integer(&w, 0);
    cs_json_integer(&w, -9223372036854775807LL - 1);
    cs_json_integer(&w, 4294967295LL);
    cs_json_bool(&w, true);
    cs_json_bool(&w, false);
    cs_json_map_open(&w);
    cs_json_map_close(&w);
    cs_json_array_open(&w);
    cs_json_array_close(&w);
    cs_json_array_close(&w);
    cs_json_key(&w, "b");
    cs_json_cstring(&w, "x");
    cs_json_map_close(&w);
    assert_false(w.failed);
    const char want[] = "{\"a\":[0,-9223372036854775808,4294967295,true,false,{},[]],\"b\":\"x\"}";
    assert_int_equal(w.len, strlen(want));
    assert_memory_equal(w.buf, want, w.len);
    /* \DDD for what is not printable ASCII and for '\', a JSON escape for '"'. */
    cs_json_clear(&w);
    cs_json_octets(&w, (const uint8_t *)"a\"\\\x01\xff", 5);
    const char want2[] = "\"a\\\"\\\\092\\\\001\\\\255\"";
    assert_int_equal(w.len, strlen(want2));
    assert_memory_equal(w.buf, want2, w.len);
    yajl_gen_free(g);
    cs_json_free(&w);
}

/* A reply assembled by ldns (names compressed) from records in presentation form. */
static size_t make_reply(uint8_t *out, size_t cap, unsigned rcode, const char *const *an,
                         const char *const *ns, const char *const *ar, int ext_rcode)
{
    ldns_pkt *p = ldns_pkt_new();
    assert_non_null(p);
    ldns_pkt_set_id(p, 0x1234);
    ldns_pkt_set_qr(p, true);
    ldns_pkt_set_aa(p, true);
    ldns_pkt_set_ad(p, true);
    ldns_pkt_set_rcode(p, (uint8_t)rcode);
    ldns_rr *q = NULL;
    assert_int_equal(ldns_rr_new_question_frm_str(&q, "Shop.Example.TEST. IN CAA", NULL, NULL),
                     LDNS_STATUS_OK);
    ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q);
    const char *const *lists[3] = {an, ns, ar};
    const ldns_pkt_section secs[3] = {LDNS_SECTION_ANSWER, LDNS_SECTION_AUTHORITY,
                                      LDNS_SECTION_ADDITIONAL};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; lists[k] && lists[k][i]; i++) {
            ldns_rr *rr = NULL;
            assert_int_equal(ldns_rr_new_frm_str(&rr, lists[k][i], 300, NULL, NULL),
                             LDNS_STATUS_OK);
            ldns_pkt_push_rr(p, secs[k], rr);
        }
    if (ext_rcode >= 0) {
        ldns_pkt_set_edns_udp_size(p, 1232);
        ldns_pkt_set_edns_extended_rcode(p, (uint8_t)ext_rcode);
    }
    uint8_t *wire = NULL;
    size_t n = 0;
    assert_int_equal(ldns_pkt2wire(&wire, p, &n), LDNS_STATUS_OK);
    assert_true(n <= cap);
    memcpy(out, wire, n);
    free(wire);
    ldns_pkt_free(p);
    return n;
}

/* The JSON line of a reply: from pkt when given, else from the wire. */
static char *answer_line(ldns_pkt *pkt, const uint8_t *wire, size_t len, unsigned rcode)
{
    static const uint8_t sent[] = {4,   's', 'h', 'o', 'p', 7,   'e', 'x', 'a', 'm',
                                   'p', 'l', 'e', 4,   't', 'e', 's', 't', 0};
    struct cs_addr server;
    assert_int_equal(cs_addr_parse("192.0.2.53", 53, &server), CS_OK);
    struct cs_attempt att = {.server = server, .outcome = CS_OUT_ANSWER, .rcode = (int)rcode};
    struct cs_answer ans = {
        .name = "shop.example.test",
        .qtype = LDNS_RR_TYPE_CAA,
        .outcome = CS_OUT_ANSWER,
        .pkt = pkt,
        .rcode = rcode,
        .server = &server,
        .case_echoed = true,
        .nattempts = 1,
        .attempts = &att,
        .sent_qname = sent,
        .sent_qname_len = sizeof(sent),
        .wire = pkt ? NULL : wire,
        .wire_len = pkt ? 0 : len,
    };
    struct cs_json w;
    cs_json_init(&w);
    assert_true(cs_answer_json(&ans, &w));
    char *s = strndup(w.buf, w.len);
    cs_json_free(&w);
    return s;
}

/* cs_reply_scan takes the reply, and the line printed from the wire is the line ldns gives. */
static char *wire_line_checked(const uint8_t *wire, size_t n)
{
    struct cs_reply_info info;
    assert_true(cs_reply_scan(wire, n, &info));
    ldns_pkt *pkt = NULL;
    assert_int_equal(ldns_wire2pkt(&pkt, wire, n), LDNS_STATUS_OK);
    assert_int_equal(info.rcode, cs_pkt_rcode(pkt));
    char *a = answer_line(pkt, NULL, 0, info.rcode);
    char *b = answer_line(NULL, wire, n, info.rcode);
    assert_string_equal(a, b);
    json_error_t err;
    json_t *j = json_loads(b, 0, &err);
    assert_non_null(j);
    json_decref(j);
    ldns_pkt_free(pkt);
    free(a);
    return b;
}

static void test_wire_matches_ldns(void **state)
{
    uint8_t buf[4096];
    const char *const caa[] = {
        "Shop.Example.TEST. 300 IN CAA 0 issue \"letsencrypt.org; accounturi=x\"",
        "Shop.Example.TEST. 300 IN CAA 128 tbs \"a\\255\\\"b\\\\c\"",
        "Shop.Example.TEST. 300 IN CAA 0 iodef \"mailto:x@y\"", NULL};
    const char *const ns[] = {"Example.TEST. 3600 IN NS ns1.example.test.",
                              "Example.TEST. 3600 IN NS a\\.b\\;c\\(d\\)e\\\\f\\032g\\200.test.",
                              NULL};
    const char *const glue[] = {"ns1.example.test. 60 IN A 192.0.2.1",
                                "ns1.example.test. 60 IN AAAA 2001:db8::1", NULL};
    size_t n = make_reply(buf, sizeof(buf), 0, caa, ns, glue, 0);
    char *line = wire_line_checked(buf, n);
    assert_non_null(strstr(line, "\"value\":\"a\\\\255\\\"b\\\\092c\""));
    assert_non_null(strstr(line, "\"data\":\"a\\\\092.b\\\\092;c\\\\092(d\\\\092)e\\\\092\\\\092f"
                                 "\\\\092032g\\\\092200.TEST.\""));
    free(line);

    /* No data: the SOA; EDNS with an extended RCODE (BADVERS = 16). */
    const char *const soa[] = {
        "example.TEST. 300 IN SOA ns1.example.test. host\\.master.example.test. 4294967295 "
        "3600 600 86400 300",
        NULL};
    n = make_reply(buf, sizeof(buf), 0, NULL, soa, NULL, 1);
    line = wire_line_checked(buf, n);
    assert_non_null(strstr(line, "\"rcode\":\"BADVERS\""));
    assert_non_null(strstr(line, "host\\\\092.master.Example.TEST. 4294967295 3600 600 86400 300"));
    free(line);

    const char *const misc[] = {
        "shop.example.test. 5 IN CNAME web.Example.test.",
        "web.example.test. 5 IN A 0.0.0.0",
        "web.example.test. 5 IN AAAA ::ffff:192.0.2.7",
        "web.example.test. 5 IN AAAA ::",
        "example.test. 5 IN MX 10 mail.example.test.",
        "example.test. 5 IN MX 0 .",
        "example.test. 5 IN TXT \"v=spf1 -all\" \"tab\\009quote\\\"back\\\\slash\\255\" \"\"",
        "7.2.0.192.in-addr.arpa. 5 IN PTR web.example.test.",
        "old.example.test. 5 IN DNAME new.example.test.",
        ". 5 IN NS a.root-servers.net.",
        NULL};
    n = make_reply(buf, sizeof(buf), 3, misc, NULL, NULL, -1);
    line = wire_line_checked(buf, n);
    assert_non_null(strstr(line, "\"data\":\"::ffff:192.0.2.7\""));
    assert_non_null(strstr(line, "\"data\":\"0 .\""));
    assert_non_null(strstr(line, "\"rcode\":\"NXDOMAIN\""));
    free(line);
}

/* Replies that ldns reads but cs_reply_scan leaves to ldns, and some that nobody reads. */
static void test_scan_leaves_the_rest_to_ldns(void **state)
{
    uint8_t buf[4096];
    struct cs_reply_info info;
    ldns_pkt *pkt = NULL;
    const char *const hinfo[] = {"x.test. 5 IN HINFO \"cpu\" \"os\"", NULL};
    size_t n = make_reply(buf, sizeof(buf), 0, hinfo, NULL, NULL, -1);
    assert_false(cs_reply_scan(buf, n, &info));
    assert_int_equal(ldns_wire2pkt(&pkt, buf, n), LDNS_STATUS_OK);
    ldns_pkt_free(pkt);

    /* Header, question "x.", then one record of the answer section. */
    static const uint8_t head[] = {0x12, 0x34, 0x84, 0x00, 0, 1, 0, 1, 0, 0,
                                   0,    0,    1,    'x',  0, 0, 1, 0, 1};
    struct {
        const char *what;
        uint8_t rr[40];
        size_t len;
        int ldns_ok;
    } cases[] = {
        {"A with 5 octets", {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 5, 1, 2, 3, 4, 5}, 17, 1},
        {"A with 3 octets", {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 3, 1, 2, 3}, 15, 0},
        {"forward pointer", {0xc0, 35, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 1, 2, 3, 4, 1, 'y', 0}, 19, 1},
        {"pointer into the header", {0xc0, 2, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 1, 2, 3, 4}, 16, -1},
        {"pointer loop", {0xc0, 19, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 1, 2, 3, 4}, 16, 0},
        {"empty TXT", {0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 5, 0, 0}, 12, 1},
        {"TXT running over", {0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 5, 0, 2, 5, 'a'}, 14, 0},
        {"CAA without a value",
         {0xc0, 12, 1, 1, 0, 1, 0, 0, 0, 5, 0, 7, 0, 5, 'i', 's', 's', 'u', 'e'},
         19,
         1},
        {"NS name past RDLENGTH", {0xc0, 12, 0, 2, 0, 1, 0, 0, 0, 5, 0, 1, 1, 'y', 0}, 15, -1},
        {"label type 0x40", {0x41, 'x', 0, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 1, 2, 3, 4}, 17, 0},
        {"cut short", {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 1, 2}, 14, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memcpy(buf, head, sizeof(head));
        memcpy(buf + sizeof(head), cases[i].rr, cases[i].len);
        n = sizeof(head) + cases[i].len;
        if (cs_reply_scan(buf, n, &info))
            fail_msg("cs_reply_scan took: %s", cases[i].what);
        pkt = NULL;
        ldns_status st = ldns_wire2pkt(&pkt, buf, n);
        if (cases[i].ldns_ok >= 0 && (st == LDNS_STATUS_OK) != (cases[i].ldns_ok == 1))
            fail_msg("ldns %s: %s", st == LDNS_STATUS_OK ? "read" : "refused", cases[i].what);
        if (pkt)
            ldns_pkt_free(pkt);
    }

    /* EDNS options (here an Extended DNS Error) are ldns's. */
    static const uint8_t opt_ede[] = {0x12, 0x34, 0x84, 0x02, 0, 1,  0, 0, 0,  0, 0,    1,  1,
                                      'x',  0,    0,    1,    0, 1,  0, 0, 41, 4, 0xd0, 0,  0,
                                      0,    0,    0,    8,    0, 15, 0, 4, 0,  6, 'h',  'i'};
    assert_false(cs_reply_scan(opt_ede, sizeof(opt_ede), &info));
    /* Two OPT records, or OPT outside the additional section. */
    static const uint8_t two_opt[] = {
        0x12, 0x34, 0x84, 0, 0,    1, 0, 0, 0, 0, 0, 2, /* header: 1 question, 2 additional */
        1,    'x',  0,    0, 1,    0, 1,                /* x. A IN */
        0,    0,    41,   4, 0xd0, 0, 0, 0, 0, 0, 0,    /* OPT */
        0,    0,    41,   4, 0xd0, 0, 0, 0, 0, 0, 0,    /* OPT again */
    };
    assert_false(cs_reply_scan(two_opt, sizeof(two_opt), &info));
    static const uint8_t one_opt[] = {0x12, 0x34, 0x84, 0,    0,    1, 0,    0, 0, 0,
                                      0,    1,    1,    'x',  0,    0, 1,    0, 1, 0,
                                      0,    41,   4,    0xd0, 0x01, 0, 0x80, 0, 0, 0};
    assert_true(cs_reply_scan(one_opt, sizeof(one_opt), &info));
    assert_true(info.edns);
    assert_int_equal(info.rcode, 16);
    /* Shorter than a header. */
    assert_false(cs_reply_scan(one_opt, 11, &info));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caa_as_fields),
        cmocka_unit_test(test_other_types_as_text),
        cmocka_unit_test(test_hostile_svcb_printed_generically),
        cmocka_unit_test(test_wire_name_str),
        cmocka_unit_test(test_writer_matches_yajl),
        cmocka_unit_test(test_wire_matches_ldns),
        cmocka_unit_test(test_scan_leaves_the_rest_to_ldns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

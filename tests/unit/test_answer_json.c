/* test_answer_json.c -- lookup's JSON lines: whole lines byte for byte, CAA as flags/tag/value,
 * escapes, hostile rdata. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/answer_json.h"
#include "caascan/query.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A line of the writer parsed back with jansson: it must be valid JSON, and printable ASCII (its
 * strings skip jansson's UTF-8 check). */
static json_t *reparse(const char *line, size_t len)
{
    assert_non_null(line);
    assert_int_equal(strlen(line), len);
    for (size_t i = 0; i < len; i++)
        assert_true(line[i] >= 0x20 && line[i] < 0x7f);
    json_error_t err;
    json_t *j = json_loadb(line, len, 0, &err);
    assert_non_null(j);
    return j;
}

/* The record as the writer dumps it, parsed back. */
static json_t *rr_value(const ldns_rr *rr)
{
    struct cs_answer_writer *w = cs_answer_writer_new();
    assert_non_null(w);
    json_t *rec = cs_rr_json(rr);
    assert_non_null(rec);
    size_t len = 0;
    const char *line = cs_answer_writer_dump(w, rec, &len);
    json_t *j = reparse(line, len);
    json_decref(rec);
    cs_answer_writer_free(w);
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

/* Presentation text keeps its own escapes (a quote in TXT stays \", not \092"); names inside
 * rdata are printed as owner names are, with their case. */
static void test_presentation_text_not_escaped_twice(void **state)
{
    char *s = rr_json("x.test. 60 IN TXT \"say \\\"hi\\\"\"");
    /* JSON of the text "say \"hi\"" (with its quotes). */
    assert_string_equal(s, "{\"data\":\"\\\"say \\\\\\\"hi\\\\\\\"\\\"\",\"name\":\"x.test.\","
                           "\"ttl\":60,\"type\":\"TXT\"}");
    free(s);
    s = rr_json(
        "Dnsprov.TEST. 3600 IN SOA NS1.dnsprov.test. host\\.master.dnsprov.test. 2026112301 "
        "7200 3600 1209600 300");
    assert_string_equal(s, "{\"data\":\"NS1.dnsprov.test. host\\\\046master.dnsprov.test. "
                           "2026112301 7200 3600 1209600 300\",\"name\":\"Dnsprov.TEST.\","
                           "\"ttl\":3600,\"type\":\"SOA\"}");
    free(s);
}

/* Prints every record of the reply in a file of tests/unit/data (each must give JSON); returns how
 * many were printed in the RFC 3597 generic form. */
static int print_reply_file(const char *file)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/unit/data/%s", CAASCAN_TEST_DIR, file);
    FILE *f = fopen(path, "rb");
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
    ldns_pkt_free(pkt);
    return generic;
}

static void test_hostile_svcb_printed_generically(void **state)
{
    /* The reply the reply fuzzer found: malformed SVCB parameters made ldns abort. */
    assert_true(print_reply_file("reply-svcparams-crash.bin") >= 1);
}

static void test_rdata_text_filling_its_buffer(void **state)
{
    /* Found by the reply fuzzer: a name in the data that filled the text buffer to its capacity,
     * then the space before the next field was written past its end. */
    print_reply_file("reply-rdata-text-at-capacity.bin");
}

/* A reply to a CAA query for the 0x20 name Shop.Example.TEST, built with ldns and parsed back
 * from wire form as the engine parses it: qr aa rd ra, a CAA record and an NS record whose owner
 * names repeat the name sent, and an EDE whose text has quotes. */
static ldns_pkt *sample_reply(void)
{
    static const char *const rrs[] = {
        "Shop.Example.TEST. 300 IN CAA 0 issue \"letsencrypt.org\"",
        "Example.TEST. 3600 IN NS ns1.dnsprov.test.",
    };
    ldns_pkt *p = ldns_pkt_new();
    ldns_pkt_set_qr(p, true);
    ldns_pkt_set_aa(p, true);
    ldns_pkt_set_rd(p, true);
    ldns_pkt_set_ra(p, true);
    ldns_rr *q = NULL;
    ldns_rr_new_question_frm_str(&q, "Shop.Example.TEST. IN CAA", NULL, NULL);
    ldns_rr_list_push_rr(ldns_pkt_question(p), q);
    for (int i = 0; i < 2; i++) {
        ldns_rr *rr = NULL;
        ldns_rr_new_frm_str(&rr, rrs[i], 300, NULL, NULL);
        ldns_rr_list_push_rr(i ? ldns_pkt_authority(p) : ldns_pkt_answer(p), rr);
    }
    ldns_pkt_set_qdcount(p, 1);
    ldns_pkt_set_ancount(p, 1);
    ldns_pkt_set_nscount(p, 1);
    ldns_pkt_set_edns_udp_size(p, 1232);
    static const uint8_t ede[] = {0, 15, 0, 10, 0, 22, 's', 'a', 'y', ' ', '"', 'h', 'i', '"'};
    ldns_pkt_set_edns_data(p, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN, sizeof(ede), ede));
    uint8_t *wire = NULL;
    size_t n = 0;
    ldns_pkt *parsed = NULL;
    if (ldns_pkt2wire(&wire, p, &n) != LDNS_STATUS_OK ||
        cs_pkt_from_wire(&parsed, wire, n) != LDNS_STATUS_OK)
        abort();
    free(wire);
    ldns_pkt_free(p);
    return parsed;
}

static const uint8_t sample_sent[] = {4,   'S', 'h', 'o', 'p', 7,   'E', 'x', 'a', 'm',
                                      'p', 'l', 'e', 4,   'T', 'E', 'S', 'T', 0};

/* Two attempts: a timeout at 192.0.2.53, then the reply over TCP from [2001:db8::53]. */
static void sample_answer(struct cs_answer *ans, struct cs_attempt att[2])
{
    memset(att, 0, 2 * sizeof(att[0]));
    cs_addr_parse("192.0.2.53", 53, &att[0].server);
    att[0].outcome = CS_OUT_TIMEOUT;
    att[0].rcode = -1;
    cs_addr_parse("[2001:db8::53]:53", 53, &att[1].server);
    att[1].outcome = CS_OUT_ANSWER;
    att[1].rcode = 0;
    att[1].rtt_us = 1234;
    att[1].tcp = true;
    ldns_pkt *pkt = sample_reply();
    *ans = (struct cs_answer){.name = "shop.example.test",
                              .qtype = LDNS_RR_TYPE_CAA,
                              .outcome = CS_OUT_ANSWER,
                              .pkt = pkt,
                              .rcode = cs_pkt_rcode(pkt),
                              .server = &att[1].server,
                              .resolver = -1,
                              .case_echoed = true,
                              .tcp = true,
                              .truncated = true,
                              .rtt_us = 1234,
                              .nattempts = 2,
                              .attempts = att,
                              .sent_qname = sample_sent,
                              .sent_qname_len = sizeof(sample_sent)};
}

/* No reply: two timeouts, a name asked with octets outside ASCII. */
static void sample_timeout(struct cs_answer *ans, struct cs_attempt att[2])
{
    memset(att, 0, 2 * sizeof(att[0]));
    for (int i = 0; i < 2; i++) {
        cs_addr_parse("192.0.2.53", 53, &att[i].server);
        att[i].outcome = CS_OUT_TIMEOUT;
        att[i].rcode = -1;
    }
    *ans = (struct cs_answer){.name = "Caf\xc3\xa9.test",
                              .qtype = LDNS_RR_TYPE_CAA,
                              .outcome = CS_OUT_TIMEOUT,
                              .server = &att[1].server,
                              .resolver = -1,
                              .nattempts = 2,
                              .attempts = att,
                              .sent_qname = sample_sent,
                              .sent_qname_len = sizeof(sample_sent)};
}

/* The whole lines, key order included, as caascan lookup wrote them with its earlier JSON
 * library; one writer for all of them, so that nothing of a line stays in the next (the lines
 * without a reply have other keys, and an attempt without a reply has no rcode). */
static const char answer_line[] =
    "{\"name\":\"shop.example.test\",\"type\":\"CAA\",\"outcome\":\"answer\","
    "\"server\":\"[2001:db8::53]:53\",\"rcode\":\"NOERROR\",\"flags\":[\"qr\",\"aa\","
    "\"rd\",\"ra\"],\"answers\":[{\"name\":\"shop.example.test.\",\"type\":\"CAA\","
    "\"ttl\":300,\"data\":{\"flags\":0,\"tag\":\"issue\",\"value\":\"letsencrypt.org\"}}],"
    "\"authority\":[{\"name\":\"example.test.\",\"type\":\"NS\",\"ttl\":3600,"
    "\"data\":\"ns1.dnsprov.test.\"}],\"ede\":[{\"code\":22,"
    "\"name\":\"No Reachable Authority\",\"text\":\"say \\\"hi\\\"\"}],\"attempts\":2,"
    "\"attempt_log\":[{\"server\":\"192.0.2.53:53\",\"outcome\":\"timeout\",\"tcp\":false},"
    "{\"server\":\"[2001:db8::53]:53\",\"outcome\":\"answer\",\"tcp\":true,"
    "\"rcode\":\"NOERROR\",\"rtt_us\":1234}],\"rtt_us\":1234,\"case_echoed\":true,"
    "\"sent_qname\":\"Shop.Example.TEST.\",\"tcp\":true,\"truncated\":true}";
static const char timeout_line[] =
    "{\"name\":\"Caf\\\\195\\\\169.test\",\"type\":\"CAA\",\"outcome\":\"timeout\","
    "\"server\":\"192.0.2.53:53\",\"attempts\":2,"
    "\"attempt_log\":[{\"server\":\"192.0.2.53:53\",\"outcome\":\"timeout\",\"tcp\":false},"
    "{\"server\":\"192.0.2.53:53\",\"outcome\":\"timeout\",\"tcp\":false}],"
    "\"case_echoed\":false,\"sent_qname\":\"Shop.Example.TEST.\",\"tcp\":false,"
    "\"truncated\":false}";

static void test_answer_lines_exact(void **state)
{
    struct cs_answer_writer *w = cs_answer_writer_new();
    assert_non_null(w);
    struct cs_answer ans, timeout;
    struct cs_attempt att[2], tatt[2];
    sample_answer(&ans, att);
    sample_timeout(&timeout, tatt);
    const struct cs_answer *order[] = {&ans, &timeout, &ans, &ans, &timeout};
    const char *want[] = {answer_line, timeout_line, answer_line, answer_line, timeout_line};
    for (int i = 0; i < 5; i++) {
        size_t len = 0;
        const char *line = cs_answer_writer_line(w, order[i], &len);
        assert_non_null(line);
        assert_string_equal(line, want[i]);
        json_decref(reparse(line, len));
    }
    ldns_pkt_free(ans.pkt);
    cs_answer_writer_free(w);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caa_as_fields),
        cmocka_unit_test(test_other_types_as_text),
        cmocka_unit_test(test_presentation_text_not_escaped_twice),
        cmocka_unit_test(test_hostile_svcb_printed_generically),
        cmocka_unit_test(test_rdata_text_filling_its_buffer),
        cmocka_unit_test(test_answer_lines_exact),
        cmocka_unit_test(test_wire_name_str),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

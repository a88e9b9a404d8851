/* test_answer_json.c -- lookup's JSON lines: CAA as flags/tag/value, escapes, hostile rdata. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/answer_json.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The record as yajl writes it, parsed back by jansson (so the output must be valid JSON). */
static json_t *rr_value(const ldns_rr *rr)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    assert_int_equal(cs_rr_json(rr, g), yajl_gen_status_ok);
    const unsigned char *buf;
    size_t len;
    assert_int_equal(yajl_gen_get_buf(g, &buf, &len), yajl_gen_status_ok);
    json_error_t err;
    json_t *j = json_loadb((const char *)buf, len, 0, &err);
    assert_non_null(j);
    yajl_gen_free(g);
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
        cmocka_unit_test(test_wire_name_str),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

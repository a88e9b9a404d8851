/* test_problem.c -- status and problem-code names round-trip and format as SPEC.md spells them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/problem.h"

#include <stdbool.h>
#include <string.h>

static void test_status_order_and_names(void **state)
{
    assert_string_equal(cs_status_name(CS_ST_INVALID), "INVALID");
    assert_string_equal(cs_status_name(CS_ST_OK), "OK");
    assert_true(CS_ST_CAA_FORBIDS < CS_ST_FLAKY);
    for (int i = 0; i < CS_ST_COUNT; i++)
        assert_int_equal(cs_status_parse(cs_status_name((cs_status)i)), i);
    assert_int_equal(cs_status_parse("ok"), CS_ST_COUNT);
    assert_null(cs_status_name(CS_ST_COUNT));
}

static void test_problem_round_trip(void **state)
{
    for (int i = 0; i < CS_PB_COUNT; i++)
        assert_int_equal(cs_problem_parse(cs_problem_name((cs_problem)i)), i);
    assert_int_equal(cs_problem_parse("NOPE"), CS_PB_COUNT);
}

static void test_problems_format(void **state)
{
    char buf[256];
    cs_problems set = CS_PB_BIT(CS_PB_AUTH_NOTIMP) | CS_PB_BIT(CS_PB_CAA_NOT_AUTHORIZED) |
                      CS_PB_BIT(CS_PB_INVALID_NAME);
    size_t n = cs_problems_format(set, buf, sizeof(buf));
    assert_string_equal(buf, "CAA_NOT_AUTHORIZED;AUTH_NOTIMP;INVALID_NAME");
    assert_int_equal(n, strlen(buf));
    assert_int_equal(cs_problems_format(0, buf, sizeof(buf)), 0);
    assert_string_equal(buf, "");
    /* Truncation keeps the buffer terminated and still reports the full length. */
    char small[8];
    assert_int_equal(cs_problems_format(set, small, sizeof(small)), n);
    assert_int_equal(strlen(small), 7);
}

/* ---- the fix table ---------------------------------------------------------------------- */

/* Who must act on each code, written down here on its own so that a change of the table shows. */
static const struct {
    cs_problem code;
    cs_party party;
    bool names_server; /* the sentence names the server and its address */
} want_party[] = {
    {CS_PB_CAA_NOT_AUTHORIZED, CS_PARTY_CUSTOMER, false},
    {CS_PB_CAA_EMPTY_ISSUER, CS_PARTY_CUSTOMER, false},
    {CS_PB_CAA_CRITICAL_UNKNOWN, CS_PARTY_CUSTOMER, false},
    {CS_PB_CAA_PARAM_MISMATCH, CS_PARTY_CA_ACCOUNT, false},
    {CS_PB_CAA_MALFORMED, CS_PARTY_CUSTOMER, false},
    {CS_PB_CAA_ISSUER_NONCANONICAL, CS_PARTY_CUSTOMER, false},
    {CS_PB_RESOLVER_SERVFAIL, CS_PARTY_DNS_OPERATOR, true},
    {CS_PB_RESOLVER_TIMEOUT, CS_PARTY_DNS_OPERATOR, true},
    {CS_PB_DNSSEC_BOGUS, CS_PARTY_DNS_OPERATOR, true},
    {CS_PB_AUTH_NOTIMP, CS_PARTY_DNS_OPERATOR, true},
    {CS_PB_AUTH_REFUSED, CS_PARTY_DNS_OPERATOR, true},
    {CS_PB_AUTH_SERVFAIL, CS_PARTY_DNS_OPERATOR, true},
    {CS_PB_AUTH_FORMERR, CS_PARTY_DNS_OPERATOR, true},
    {CS_PB_AUTH_TIMEOUT, CS_PARTY_DNS_OPERATOR, true},
    {CS_PB_AUTH_NOT_AUTHORITATIVE, CS_PARTY_DNS_OPERATOR, true},
    {CS_PB_MISSING_SOA_NEGATIVE, CS_PARTY_DNS_OPERATOR, true},
    {CS_PB_EMPTY_NOERROR, CS_PARTY_DNS_OPERATOR, true},
    {CS_PB_CASE_NOT_PRESERVED, CS_PARTY_DNS_OPERATOR, true},
    {CS_PB_CASE_SENSITIVE_ANSWER, CS_PARTY_DNS_OPERATOR, true},
    {CS_PB_AUTH_INCONSISTENT_CAA, CS_PARTY_DNS_OPERATOR, true},
    {CS_PB_SOA_SERIAL_MISMATCH, CS_PARTY_DNS_OPERATOR, true},
    {CS_PB_NS_SET_MISMATCH, CS_PARTY_DNS_OPERATOR, true},
    {CS_PB_EDNS_BROKEN, CS_PARTY_DNS_OPERATOR, true},
    {CS_PB_TCP_BROKEN, CS_PARTY_DNS_OPERATOR, true},
    {CS_PB_INTERMITTENT, CS_PARTY_DNS_OPERATOR, true},
    {CS_PB_TLD_NXDOMAIN, CS_PARTY_SCANNER, false},
    {CS_PB_INVALID_NAME, CS_PARTY_SCANNER, false},
    {CS_PB_NS_NO_ADDRESS, CS_PARTY_DNS_OPERATOR, false},
    {CS_PB_AUTH_MALFORMED, CS_PARTY_DNS_OPERATOR, true},
};

/* A finding of ns7.provider.example (203.0.113.7) about www.shop.example, answer "ANSWER-X". */
static void finding(struct cs_finding *f, cs_problem code)
{
    memset(f, 0, sizeof(*f));
    f->code = code;
    strcpy(f->server, "ns7.provider.example");
    strcpy(f->address, "203.0.113.7");
    strcpy(f->name, "www.shop.example");
    strcpy(f->zone, "shop.example");
    strcpy(f->answer, "ANSWER-X");
    strcpy(f->qtype, "CAA");
}

/* True when text has a ';' outside double quotes. */
static bool bare_semicolon(const char *text)
{
    bool quoted = false;
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (*p == ';' && !quoted)
            return true;
    }
    return false;
}

static void test_every_code_has_a_fix(void **state)
{
    (void)state;
    assert_int_equal(sizeof(want_party) / sizeof(want_party[0]), CS_PB_COUNT);
    for (size_t i = 0; i < CS_PB_COUNT; i++) {
        cs_problem c = want_party[i].code;
        const struct cs_problem_info *pi = cs_problem_info(c);
        assert_non_null(pi);
        assert_non_null(pi->meaning);
        assert_non_null(pi->fix);
        if (pi->party != want_party[i].party)
            fail_msg("%s: party %s, want %s", cs_problem_name(c), cs_party_name(pi->party),
                     cs_party_name(want_party[i].party));
        struct cs_finding f;
        finding(&f, c);
        char text[2048];
        size_t n = cs_fix_format(&f, "letsencrypt.org", text, sizeof(text));
        assert_int_equal(n, strlen(text));
        /* Every placeholder filled, the facts in it, one sentence without ';'. */
        if (strchr(text, '{') || strchr(text, '}'))
            fail_msg("%s: unfilled: %s", cs_problem_name(c), text);
        if (want_party[i].names_server &&
            !strstr(text, "the operator of ns7.provider.example (203.0.113.7)"))
            fail_msg("%s: the server and address are not named: %s", cs_problem_name(c), text);
        if (c == CS_PB_NS_NO_ADDRESS && !strstr(text, "ns7.provider.example"))
            fail_msg("%s: the server is not named: %s", cs_problem_name(c), text);
        if (c != CS_PB_CAA_EMPTY_ISSUER && !strstr(text, "ANSWER-X"))
            fail_msg("%s: the answer is not in it: %s", cs_problem_name(c), text);
        if (!strstr(text, "www.shop.example") && !strstr(text, "shop.example"))
            fail_msg("%s: the name is not in it: %s", cs_problem_name(c), text);
        if (bare_semicolon(text) || text[n - 1] == '.' || text[0] < 'A' || text[0] > 'Z')
            fail_msg("%s: not one sentence for a cell: %s", cs_problem_name(c), text);
        /* Truncation: terminated, full length still reported. */
        char small[16];
        assert_int_equal(cs_fix_format(&f, "letsencrypt.org", small, sizeof(small)), n);
        assert_int_equal(strlen(small), sizeof(small) - 1);
    }
    for (int p = 0; p < CS_PARTY_COUNT; p++) {
        assert_non_null(cs_party_name((cs_party)p));
        assert_non_null(cs_party_title((cs_party)p));
    }
    assert_null(cs_party_name(CS_PARTY_COUNT));
    assert_null(cs_problem_info(CS_PB_COUNT));
}

static void test_fix_sentences(void **state)
{
    (void)state;
    char text[2048];
    struct cs_finding f;
    /* The example of the issue, word for word. */
    finding(&f, CS_PB_AUTH_NOTIMP);
    strcpy(f.server, "ns1.example.net");
    strcpy(f.address, "192.0.2.53");
    strcpy(f.name, "shop.example.com");
    strcpy(f.answer, "NOTIMP");
    cs_fix_format(&f, "letsencrypt.org", text, sizeof(text));
    assert_string_equal(text, "Ask the operator of ns1.example.net (192.0.2.53) to answer CAA "
                              "queries for shop.example.com with NOERROR: it answers NOTIMP, and "
                              "Let's Encrypt refuses to issue when a CAA lookup fails");
    /* No single server: the zone's DNS provider and its servers. */
    finding(&f, CS_PB_RESOLVER_SERVFAIL);
    strcpy(f.server, "ns1.p.example/192.0.2.1, ns2.p.example/192.0.2.2");
    f.address[0] = '\0';
    strcpy(f.answer, "SERVFAIL (or another error) to 3 of 3 tries");
    cs_fix_format(&f, "pki.goog", text, sizeof(text));
    assert_string_equal(text, "Ask the DNS provider of shop.example (ns1.p.example/192.0.2.1, "
                              "ns2.p.example/192.0.2.2) to make CAA lookups for www.shop.example "
                              "succeed: recursive resolvers answer SERVFAIL (or another error) to "
                              "3 of 3 tries, and Google Trust Services refuses to issue when a CAA "
                              "lookup fails");
    /* The customer's record, with the CA's issuer domain; an unknown CA by its domain. */
    finding(&f, CS_PB_CAA_EMPTY_ISSUER);
    strcpy(f.name, "shop.example");
    cs_fix_format(&f, "ca.example", text, sizeof(text));
    assert_string_equal(text, "Ask the owner of shop.example to replace the CAA record 0 issue "
                              "\";\" at shop.example with 0 issue \"ca.example\": an empty issuer "
                              "forbids every CA, ca.example included");
    /* A wildcard name is authorized by issuewild. */
    finding(&f, CS_PB_CAA_NOT_AUTHORIZED);
    strcpy(f.name, "shop.example");
    strcpy(f.answer, "0 issuewild \"other.example\"");
    f.wildcard = true;
    cs_fix_format(&f, "letsencrypt.org", text, sizeof(text));
    assert_string_equal(text, "Ask the owner of shop.example to add the CAA record 0 issuewild "
                              "\"letsencrypt.org\" at shop.example: the records there (0 issuewild "
                              "\"other.example\") do not authorize Let's Encrypt");
    assert_string_equal(cs_ca_display_name("letsencrypt.org"), "Let's Encrypt");
    assert_string_equal(cs_ca_display_name("ca.example"), "ca.example");
    /* An INVALID input, for the scanner's operator. */
    memset(&f, 0, sizeof(f));
    f.code = CS_PB_INVALID_NAME;
    strcpy(f.name, "a..b");
    strcpy(f.answer, "empty_label (in.csv:3)");
    cs_fix_format(&f, "letsencrypt.org", text, sizeof(text));
    assert_string_equal(text, "Correct or remove a..b in the inventory: empty_label (in.csv:3)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_order_and_names), cmocka_unit_test(test_problem_round_trip),
        cmocka_unit_test(test_problems_format),        cmocka_unit_test(test_every_code_has_a_fix),
        cmocka_unit_test(test_fix_sentences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_caa.c -- CAA record set evaluation (caa.h): every rule of SPEC.md step 3, the examples of
 * RFC 8659 section 4 and RFC 8657, the cases of Boulder's va/caa_test.go, the value parser, the
 * ldns record view and the presentation form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/caa.h"

#include <stdio.h>
#include <string.h>

#define R(f, t, v)                                                   \
    {                                                                \
        (f), (t), sizeof(t) - 1, (const uint8_t *)(v), sizeof(v) - 1 \
    }

#define ACCT      "https://letsencrypt.org/acct/reg/123"
#define ACCT_OTHR "https://letsencrypt.org/acct/reg/321"

/* Boulder's caa_test.go runs with account 123 and http-01. */
static const struct cs_caa_policy le_boulder = {
    "letsencrypt.org", ACCT, "http-01", NULL, 0, NULL, NULL, NULL};
/* A scan without --account-uri and --validation-method. */
static const struct cs_caa_policy le_plain = {
    "letsencrypt.org", NULL, NULL, NULL, 0, NULL, NULL, NULL};
static const struct cs_caa_policy le_http = {
    "letsencrypt.org", NULL, "http-01", NULL, 0, NULL, NULL, NULL};
static const struct cs_caa_policy ca1 = {"ca1.example", NULL, NULL, NULL, 0, NULL, NULL, NULL};

struct eval_case {
    const char *name;
    struct cs_caa_record recs[4];
    size_t n;
    bool wildcard;
    const struct cs_caa_policy *pol;
    bool authorized;
    const char *problems; /* cs_problems_format() of the expected set */
    int deciding;
    unsigned methods;
    const char *reason; /* exact reason, or NULL when another case covers the wording */
};

#define ALL  CS_CAA_METHODS_ALL
#define M(m) (1u << CS_CAA_M_##m)

static void check_cases(const struct eval_case *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const struct eval_case *c = &cases[i];
        struct cs_caa_verdict v;
        char got[256];
        print_message("case: %s\n", c->name);
        assert_int_equal(cs_caa_evaluate(c->recs, c->n, c->wildcard, c->pol, &v), CS_OK);
        cs_problems_format(v.problems, got, sizeof(got));
        assert_string_equal(got, c->problems);
        assert_int_equal(v.authorized, c->authorized);
        assert_int_equal(v.authorized, !(v.problems & CS_PB_BIT(CS_PB_CAA_NOT_AUTHORIZED)));
        assert_int_equal(v.deciding_record, c->deciding);
        assert_int_equal(v.methods, c->methods);
        if (c->reason != NULL)
            assert_string_equal(v.reason, c->reason);
        assert_true(strlen(v.reason) > 0);
    }
}

/* RFC 8659 section 4 examples, for a CA "ca1.example". */
static void test_rfc8659_examples(void **state)
{
    /* clang-format off */
    static const struct eval_case cases[] = {
        {"4: issue with two iodef", {R(0, "issue", "ca1.example"),
         R(0, "iodef", "mailto:security@example.com"), R(0, "iodef", "https://iodef.example.com/")},
         3, false, &ca1, true, "", 0, ALL, "CAA 0 issue \"ca1.example\" authorizes ca1.example"},
        {"4: critical unknown property tbs", {R(0, "issue", "ca1.example"),
         R(128, "tbs", "Unknown")}, 2, false, &ca1, false,
         "CAA_NOT_AUTHORIZED;CAA_CRITICAL_UNKNOWN", 1, 0,
         "CAA 128 tbs \"Unknown\" is an unknown property marked critical: no CA may issue"},
        {"4.2: nocerts ;", {R(0, "issue", ";")}, 1, false, &ca1, false,
         "CAA_NOT_AUTHORIZED;CAA_EMPTY_ISSUER", 0, 0,
         "CAA 0 issue \";\" forbids issuance by every CA"},
        {"4.2: only ca1.example", {R(0, "issue", "ca1.example")}, 1, false, &ca1, true, "", 0, ALL,
         NULL},
        {"4.2: account parameter unknown to the CA is ignored",
         {R(0, "issue", "ca1.example; account=230123")}, 1, false, &ca1, true, "", 0, ALL, NULL},
        {"4.2: another CA", {R(0, "issue", "ca2.example")}, 1, false, &ca1, false,
         "CAA_NOT_AUTHORIZED", 0, 0, "CAA 0 issue \"ca2.example\" does not name ca1.example"},
        {"4.3: issuewild ; forbids wildcards", {R(0, "issue", "ca1.example"),
         R(0, "issuewild", ";")}, 2, true, &ca1, false, "CAA_NOT_AUTHORIZED;CAA_EMPTY_ISSUER", 1, 0,
         "CAA 0 issuewild \";\" forbids issuance by every CA"},
        {"4.3: issuewild ; is ignored for a non-wildcard name", {R(0, "issue", "ca1.example"),
         R(0, "issuewild", ";")}, 2, false, &ca1, true, "", 0, ALL, NULL},
        {"4.3: issuewild names another CA for wildcards", {R(0, "issue", "ca1.example"),
         R(0, "issuewild", "ca2.example")}, 2, true, &ca1, false, "CAA_NOT_AUTHORIZED", 1, 0,
         "CAA 0 issuewild \"ca2.example\" does not name ca1.example"},
        {"4.3: wildcard without issuewild uses issue", {R(0, "issue", "ca1.example")}, 1, true,
         &ca1, true, "", 0, ALL, NULL},
    };
    /* clang-format on */
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* RFC 8657 sections 3-5: accounturi and validationmethods. */
static void test_rfc8657_parameters(void **state)
{
    static const struct cs_caa_policy acct_http = {
        "example.net", "https://example.net/account/1234", "http-01", NULL, 0, NULL, NULL, NULL};
    static const struct cs_caa_policy acct_dns = {
        "example.net", "https://example.net/account/2345", "dns-01", NULL, 0, NULL, NULL, NULL};
    /* clang-format off */
    static const struct eval_case cases[] = {
        {"3: accounturi matches",
         {R(0, "issue", "example.net; accounturi=https://example.net/account/1234")}, 1, false,
         &acct_http, true, "", 0, M(HTTP01), NULL},
        {"3: accounturi of another account",
         {R(0, "issue", "example.net; accounturi=https://example.net/account/1234")}, 1, false,
         &acct_dns, false, "CAA_NOT_AUTHORIZED;CAA_PARAM_MISMATCH", 0, 0,
         "CAA 0 issue \"example.net; accounturi=https://example.net/account/1234\" allows only "
         "the account https://example.net/account/1234, not the configured one"},
        {"4: validationmethods dns-01, order uses http-01",
         {R(0, "issue", "example.net; validationmethods=dns-01")}, 1, false, &acct_http, false,
         "CAA_NOT_AUTHORIZED;CAA_PARAM_MISMATCH", 0, 0,
         "CAA 0 issue \"example.net; validationmethods=dns-01\" does not allow validation method "
         "http-01 (it allows dns-01)"},
        {"4: validationmethods dns-01, order uses dns-01",
         {R(0, "issue", "example.net; validationmethods=dns-01")}, 1, false, &acct_dns, true, "", 0,
         M(DNS01), NULL},
        {"5: both parameters, both must hold",
         {R(0, "issue", "example.net; accounturi=https://example.net/account/2345; "
                        "validationmethods=http-01")},
         1, false, &acct_dns, false, "CAA_NOT_AUTHORIZED;CAA_PARAM_MISMATCH", 0, 0, NULL},
        {"5: two records, the second fits",
         {R(0, "issue", "example.net; accounturi=https://example.net/account/1234"),
          R(0, "issue", "example.net; accounturi=https://example.net/account/2345; "
                        "validationmethods=dns-01")},
         2, false, &acct_dns, true, "", 1, M(DNS01),
         "CAA 0 issue \"example.net; accounturi=https://example.net/account/2345; "
         "validationmethods=dns-01\" authorizes example.net"},
    };
    /* clang-format on */
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* The record sets of Boulder's caaMockDNS, judged as TestCAAChecking expects (account 123,
 * http-01). */
static void test_boulder_caa_checking(void **state)
{
    const struct cs_caa_policy *p = &le_boulder;
    static const char *na = "CAA_NOT_AUTHORIZED";
    /* clang-format off */
    const struct eval_case cases[] = {
        {"reserved", {R(0, "issue", "ca.com")}, 1, false, p, false, na, 0, 0,
         "CAA 0 issue \"ca.com\" does not name letsencrypt.org"},
        {"mixedcase tag", {R(0, "iSsUe", "ca.com")}, 1, false, p, false, na, 0, 0, NULL},
        {"flag 1 on a known tag is not critical", {R(1, "issue", "ca.com")}, 1, false, p, false, na,
         0, 0, NULL},
        {"absent", {{0}}, 0, false, p, true, "", -1, ALL, "no CAA records: any CA may issue"},
        {"present", {R(0, "issue", "letsencrypt.org")}, 1, false, p, true, "", 0, M(HTTP01),
         "CAA 0 issue \"letsencrypt.org\" authorizes letsencrypt.org"},
        {"multiple critical, one matching", {R(1, "issue", "ca.com"),
         R(1, "issue", "letsencrypt.org")}, 2, false, p, true, "", 1, M(HTTP01), NULL},
        {"unknown critical 128", {R(128, "foo", "bar")}, 1, false, p, false,
         "CAA_NOT_AUTHORIZED;CAA_CRITICAL_UNKNOWN", 0, 0, NULL},
        {"unknown critical 1", {R(1, "foo", "bar")}, 1, false, p, false,
         "CAA_NOT_AUTHORIZED;CAA_CRITICAL_UNKNOWN", 0, 0, NULL},
        {"unknown very improper critical 9", {R(9, "unknown", "")}, 1, false, p, false,
         "CAA_NOT_AUTHORIZED;CAA_CRITICAL_UNKNOWN", 0, 0, NULL},
        {"unknown non-critical 0x7e", {R(0x7e, "foo", "bar")}, 1, false, p, true, "", -1, ALL,
         "no issue property in the CAA set: any CA may issue"},
        {"issue with unknown parameters", {R(0, "issue", "  letsencrypt.org  ;foo=bar;baz=bar")}, 1,
         false, p, true, "", 0, M(HTTP01), NULL},
        {"invalid parameter tag", {R(0, "issue", "letsencrypt.org; a_b=123")}, 1, false, p, false,
         "CAA_NOT_AUTHORIZED;CAA_MALFORMED", 0, 0,
         "CAA 0 issue \"letsencrypt.org; a_b=123\" does not parse (a parameter tag has a "
         "character other than a letter or digit), so it authorizes no CA"},
        {"invalid parameter value", {R(0, "issue", "letsencrypt.org; ab=1 2 3")}, 1, false, p,
         false, "CAA_NOT_AUTHORIZED;CAA_MALFORMED", 0, 0, NULL},
        {"dns-01 only, tested with http-01",
         {R(0, "issue", "letsencrypt.org; validationmethods=dns-01")}, 1, false, p, false,
         "CAA_NOT_AUTHORIZED;CAA_PARAM_MISMATCH", 0, 0, NULL},
        {"http-01 only", {R(0, "issue", "letsencrypt.org; validationmethods=http-01")}, 1, false, p,
         true, "", 0, M(HTTP01), NULL},
        {"http-01 or dns-01", {R(0, "issue", "letsencrypt.org; validationmethods=http-01,dns-01")},
         1, false, p, true, "", 0, M(HTTP01), NULL},
        {"correct accounturi", {R(0, "issue", "letsencrypt.org; accounturi=" ACCT)}, 1, false, p,
         true, "", 0, M(HTTP01), NULL},
        {"http-01 and correct accounturi",
         {R(0, "issue", "letsencrypt.org; accounturi=" ACCT "; validationmethods=http-01")}, 1,
         false, p, true, "", 0, M(HTTP01), NULL},
        {"dns-01 and correct accounturi, tested with http-01",
         {R(0, "issue", "letsencrypt.org; accounturi=" ACCT "; validationmethods=dns-01")}, 1,
         false, p, false, "CAA_NOT_AUTHORIZED;CAA_PARAM_MISMATCH", 0, 0, NULL},
        {"http-01 and incorrect accounturi",
         {R(0, "issue", "letsencrypt.org; accounturi=" ACCT_OTHR "; validationmethods=http-01")}, 1,
         false, p, false, "CAA_NOT_AUTHORIZED;CAA_PARAM_MISMATCH", 0, 0, NULL},
        {"incorrect accounturi", {R(0, "issue", "letsencrypt.org; accounturi=" ACCT_OTHR)}, 1,
         false, p, false, "CAA_NOT_AUTHORIZED;CAA_PARAM_MISMATCH", 0, 0, NULL},
        {"multiple accounturi records, one correct",
         {R(0, "issue", "letsencrypt.org; accounturi=" ACCT_OTHR),
         R(0, "issue", "letsencrypt.org; accounturi=" ACCT)}, 2, false, p, true, "", 1, M(HTTP01),
         NULL},
        {"unsatisfiable ;", {R(0, "issue", ";")}, 1, false, p, false,
         "CAA_NOT_AUTHORIZED;CAA_EMPTY_ISSUER", 0, 0, NULL},
        {"unsatisfiable issue, wildcard", {R(0, "issue", ";")}, 1, true, p, false,
         "CAA_NOT_AUTHORIZED;CAA_EMPTY_ISSUER", 0, 0, NULL},
        {"unsatisfiable issuewild, wildcard", {R(0, "issuewild", ";")}, 1, true, p, false,
         "CAA_NOT_AUTHORIZED;CAA_EMPTY_ISSUER", 0, 0, NULL},
        {"unsatisfiable issuewild, non-wildcard ignores it", {R(0, "issuewild", ";")}, 1, false, p,
         true, "", -1, ALL, "no issue property in the CAA set: any CA may issue"},
        {"unsatisfiable wildcard override", {R(0, "issue", "letsencrypt.org"),
         R(0, "issuewild", "ca.com")}, 2, true, p, false, na, 1, 0, NULL},
        {"unsatisfiable wildcard override, non-wildcard", {R(0, "issue", "letsencrypt.org"),
         R(0, "issuewild", "ca.com")}, 2, false, p, true, "", 0, M(HTTP01), NULL},
        {"satisfiable wildcard override", {R(0, "issue", "ca.com"),
         R(0, "issuewild", "letsencrypt.org")}, 2, true, p, true, "", 1, M(HTTP01),
         "CAA 0 issuewild \"letsencrypt.org\" authorizes letsencrypt.org"},
        {"satisfiable wildcard override, non-wildcard", {R(0, "issue", "ca.com"),
         R(0, "issuewild", "letsencrypt.org")}, 2, false, p, false, na, 0, 0, NULL},
        {"multiple issuewild, one satisfiable", {R(0, "issuewild", "ca.com"),
         R(0, "issuewild", "letsencrypt.org")}, 2, true, p, true, "", 1, M(HTTP01), NULL},
        {"satisfiable wildcard", {R(0, "issuewild", "letsencrypt.org")}, 1, true, p, true, "", 0,
         M(HTTP01), NULL},
    };
    /* clang-format on */
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Tags, flags and which properties are relevant. */
static void test_tags_and_flags(void **state)
{
    const struct cs_caa_policy *p = &le_plain;
    /* clang-format off */
    const struct eval_case cases[] = {
        {"tag case ignored", {R(0, "ISSUE", "letsencrypt.org")}, 1, false, p, true, "", 0, ALL,
         "CAA 0 ISSUE \"letsencrypt.org\" authorizes letsencrypt.org"},
        {"issuewild tag case ignored", {R(0, "IssueWild", "letsencrypt.org")}, 1, true, p, true, "",
         0, ALL, NULL},
        {"critical known tag issue", {R(128, "issue", "letsencrypt.org")}, 1, false, p, true, "", 0,
         ALL, NULL},
        {"critical iodef is known", {R(128, "iodef", "mailto:a@b.test")}, 1, false, p, true, "", -1,
         ALL, NULL},
        {"critical issuemail is known to Boulder", {R(129, "issuemail", "mail.test")}, 1, false, p,
         true, "", -1, ALL, NULL},
        {"critical unknown tag beats an authorizing record", {R(0, "issue", "letsencrypt.org"),
         R(128, "TBS", "x")}, 2, false, p, false, "CAA_NOT_AUTHORIZED;CAA_CRITICAL_UNKNOWN", 1, 0,
         NULL},
        {"critical unknown tag forbids wildcards too", {R(0, "issuewild", "letsencrypt.org"),
         R(1, "contactemail", "x@y.test")}, 2, true, p, false,
         "CAA_NOT_AUTHORIZED;CAA_CRITICAL_UNKNOWN", 1, 0, NULL},
        {"critical empty tag is unknown", {{128, "", 0, (const uint8_t *)"x", 1}}, 1, false, p,
         false, "CAA_NOT_AUTHORIZED;CAA_CRITICAL_UNKNOWN", 0, 0,
         "CAA \\# 3 800078 is an unknown property marked critical: no CA may issue"},
        {"critical unknown, malformed issue reported too", {R(0, "issue", "letsencrypt.org; foo"),
         R(128, "x", "")}, 2, false, p, false,
         "CAA_NOT_AUTHORIZED;CAA_CRITICAL_UNKNOWN;CAA_MALFORMED", 1, 0, NULL},
        {"only iodef: any CA", {R(0, "iodef", "mailto:a@b.test")}, 1, false, p, true, "", -1, ALL,
         "no issue property in the CAA set: any CA may issue"},
        {"only iodef, wildcard: any CA", {R(0, "iodef", "mailto:a@b.test")}, 1, true, p, true, "",
         -1, ALL, "no issue or issuewild property in the CAA set: any CA may issue"},
        {"issuewild ignored for non-wildcard, issue decides", {R(0, "issuewild", "letsencrypt.org"),
         R(0, "issue", "other.test")}, 2, false, p, false, "CAA_NOT_AUTHORIZED", 1, 0, NULL},
        {"issue ignored for wildcard once issuewild exists", {R(0, "issue", "letsencrypt.org"),
         R(0, "issuewild", ";")}, 2, true, p, false, "CAA_NOT_AUTHORIZED;CAA_EMPTY_ISSUER", 1, 0,
         NULL},
        {"malformed non-relevant issuewild is not a finding for a non-wildcard name",
         {R(0, "issue", "letsencrypt.org"), R(0, "issuewild", "letsencrypt.org; foo")}, 2, false, p,
         true, "", 0, ALL, NULL},
        {"two other CAs", {R(0, "issue", "a.test"), R(0, "issue", "b.test"),
         R(0, "iodef", "mailto:x@y.test")}, 3, false, p, false, "CAA_NOT_AUTHORIZED", 0, 0,
         "none of the 2 issue properties names letsencrypt.org (first: CAA 0 issue \"a.test\")"},
        {"empty issuer and another CA", {R(0, "issue", "other.test"), R(0, "issue", ";")}, 2, false,
         p, false, "CAA_NOT_AUTHORIZED;CAA_EMPTY_ISSUER", 1, 0, NULL},
        {"empty value is an empty issuer", {R(0, "issue", "")}, 1, false, p, false,
         "CAA_NOT_AUTHORIZED;CAA_EMPTY_ISSUER", 0, 0,
         "CAA 0 issue \"\" forbids issuance by every CA"},
        {"empty issuer with parameters", {R(0, "issue", "; accounturi=x:y")}, 1, false, p, false,
         "CAA_NOT_AUTHORIZED;CAA_EMPTY_ISSUER", 0, 0, NULL},
        {"empty issuer alongside an authorizing record is no finding", {R(0, "issue", ";"),
         R(0, "issue", "letsencrypt.org")}, 2, false, p, true, "", 1, ALL, NULL},
    };
    /* clang-format on */
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* The issuer must equal the CA's exactly; near misses are reported as non-canonical. */
static void test_issuer_comparison(void **state)
{
    const struct cs_caa_policy *p = &le_plain;
    static const char *nc = "CAA_NOT_AUTHORIZED;CAA_ISSUER_NONCANONICAL";
    /* clang-format off */
    const struct eval_case cases[] = {
        {"upper case", {R(0, "issue", "LetsEncrypt.org")}, 1, false, p, false, nc, 0, 0,
         "CAA 0 issue \"LetsEncrypt.org\" names letsencrypt.org only after case folding or "
         "trailing-dot removal; the CA compares exactly"},
        {"trailing dot", {R(0, "issue", "letsencrypt.org.")}, 1, false, p, false, nc, 0, 0, NULL},
        {"both", {R(0, "issue", "LETSENCRYPT.ORG.")}, 1, false, p, false, nc, 0, 0, NULL},
        {"upper case with parameters", {R(0, "issue", "LetsEncrypt.org; validationmethods=dns-01")},
         1, false, p, false, nc, 0, 0, NULL},
        {"upper case, malformed parameters", {R(0, "issue", "LetsEncrypt.org; validationmethods")},
         1, false, p, false, "CAA_NOT_AUTHORIZED;CAA_MALFORMED;CAA_ISSUER_NONCANONICAL", 0, 0,
         NULL},
        {"two trailing dots is malformed, not non-canonical", {R(0, "issue", "letsencrypt.org..")},
         1, false, p, false, "CAA_NOT_AUTHORIZED;CAA_MALFORMED", 0, 0, NULL},
        {"non-canonical alongside the exact name is no finding", {R(0, "issue", "LetsEncrypt.org"),
         R(0, "issue", "letsencrypt.org")}, 2, false, p, true, "", 1, ALL, NULL},
        {"subdomain of the CA", {R(0, "issue", "acme.letsencrypt.org")}, 1, false, p, false,
         "CAA_NOT_AUTHORIZED", 0, 0, NULL},
        {"prefix of the CA", {R(0, "issue", "letsencrypt.or")}, 1, false, p, false,
         "CAA_NOT_AUTHORIZED", 0, 0, NULL},
        {"NUL after the name", {{0, "issue", 5, (const uint8_t *)"letsencrypt.org\0", 16}}, 1,
         false, p, false, "CAA_NOT_AUTHORIZED;CAA_MALFORMED", 0, 0,
         "CAA 0 issue \"letsencrypt.org\\000\" does not name letsencrypt.org"},
        {"blanks around the issuer are allowed", {R(0, "issue", " \tletsencrypt.org\t ")}, 1, false,
         p, true, "", 0, ALL, NULL},
        {"blank inside the issuer", {R(0, "issue", "letsencrypt .org")}, 1, false, p, false,
         "CAA_NOT_AUTHORIZED;CAA_MALFORMED", 0, 0, NULL},
        {"parameter without ; after the issuer",
         {R(0, "issue", "letsencrypt.org validationmethods=dns-01")}, 1, false, p, false,
         "CAA_NOT_AUTHORIZED;CAA_MALFORMED", 0, 0, NULL},
    };
    /* clang-format on */
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Values that do not parse authorize nobody; findings are reported even when another authorizes. */
static void test_malformed_values(void **state)
{
    const struct cs_caa_policy *p = &le_plain;
    static const char *mf = "CAA_NOT_AUTHORIZED;CAA_MALFORMED";
    /* clang-format off */
    const struct eval_case cases[] = {
        {"parameter without =", {R(0, "issue", "letsencrypt.org; foo")}, 1, false, p, false, mf, 0,
         0,
         "CAA 0 issue \"letsencrypt.org; foo\" does not parse (a parameter is not tag=value), so "
         "it authorizes no CA"},
        {"double semicolon", {R(0, "issue", "letsencrypt.org;;")}, 1, false, p, false, mf, 0, 0,
         NULL},
        {"semicolon, blank, semicolon", {R(0, "issue", "letsencrypt.org; ;")}, 1, false, p, false,
         mf, 0, 0, NULL},
        {"trailing semicolon after a parameter", {R(0, "issue", "letsencrypt.org; a=b;")}, 1, false,
         p, false, mf, 0, 0, NULL},
        {"only semicolons", {R(0, "issue", ";;")}, 1, false, p, false, mf, 0, 0, NULL},
        {"blank inside a value", {R(0, "issue", "letsencrypt.org; a= b c")}, 1, false, p, false, mf,
         0, 0, NULL},
        {"non-ASCII value", {R(0, "issue", "letsencrypt.org; a=caf\xc3\xa9")}, 1, false, p, false,
         mf, 0, 0, NULL},
        {"hyphen in a tag: RFC 8659 allows it, Boulder does not",
         {R(0, "issue", "letsencrypt.org; a-b=c")}, 1, false, p, false, mf, 0, 0,
         "CAA 0 issue \"letsencrypt.org; a-b=c\" does not parse (a parameter tag has a hyphen "
         "(RFC 8659 allows it, Boulder does not)), so it authorizes no CA"},
        {"empty tag: Boulder accepts it, RFC 8659 does not", {R(0, "issue", "letsencrypt.org; =x")},
         1, false, p, true, "CAA_MALFORMED", 0, ALL,
         "CAA 0 issue \"letsencrypt.org; =x\" authorizes letsencrypt.org"},
        {"malformed alongside a good record: authorized, finding kept",
         {R(0, "issue", "letsencrypt.org; foo"), R(0, "issue", "letsencrypt.org")}, 2, false, p,
         true, "CAA_MALFORMED", 1, ALL, NULL},
        {"malformed other CA", {R(0, "issue", "other_ca.test")}, 1, false, p, false, mf, 0, 0,
         "CAA 0 issue \"other_ca.test\" does not name letsencrypt.org"},
        {"whitespace variants all fine",
         {R(0, "issue", "letsencrypt.org ;\tvalidationmethods = http-01 ; foo=\t ")}, 1, false, p,
         true, "", 0, M(HTTP01), NULL},
        {"semicolon with blanks only", {R(0, "issue", "letsencrypt.org; \t")}, 1, false, p, true,
         "", 0, ALL, NULL},
        {"value may contain =", {R(0, "issue", "letsencrypt.org; a=b=c")}, 1, false, p, true, "", 0,
         ALL, NULL},
    };
    /* clang-format on */
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* accounturi and validationmethods, including what Boulder does with duplicates and odd lists. */
static void test_parameters(void **state)
{
    static const struct cs_caa_policy acct = {
        "letsencrypt.org", ACCT, NULL, NULL, 0, NULL, NULL, NULL};
    static const char *pm = "CAA_NOT_AUTHORIZED;CAA_PARAM_MISMATCH";
    /* clang-format off */
    const struct eval_case cases[] = {
        {"accounturi, no account configured", {R(0, "issue", "letsencrypt.org; accounturi=" ACCT)},
         1, false, &le_plain, false, pm, 0, 0,
         "CAA 0 issue \"letsencrypt.org; accounturi=" ACCT "\" allows only the account " ACCT
         " and no account URI was given to compare"},
        {"accounturi equal", {R(0, "issue", "letsencrypt.org; accounturi=" ACCT)}, 1, false, &acct,
         true, "", 0, ALL, NULL},
        {"accounturi twice, same value",
         {R(0, "issue", "letsencrypt.org; accounturi=" ACCT "; accounturi=" ACCT)}, 1, false, &acct,
         false, pm, 0, 0,
         "CAA 0 issue \"letsencrypt.org; accounturi=" ACCT "; accounturi=" ACCT
         "\" gives accounturi 2 times, which no account satisfies"},
        {"accounturi empty", {R(0, "issue", "letsencrypt.org; accounturi=")}, 1, false, &acct,
         false, pm, 0, 0, NULL},
        {"accounturi tag compared case-sensitively (ignored when spelled otherwise)",
         {R(0, "issue", "letsencrypt.org; AccountURI=" ACCT_OTHR)}, 1, false, &acct, true, "", 0,
         ALL, NULL},
        {"accounturi compared exactly", {R(0, "issue", "letsencrypt.org; accounturi=" ACCT "/")}, 1,
         false, &acct, false, pm, 0, 0, NULL},
        {"validationmethods twice",
         {R(0, "issue", "letsencrypt.org; validationmethods=http-01; validationmethods=http-01")},
         1, false, &le_http, false, pm, 0, 0,
         "CAA 0 issue \"letsencrypt.org; validationmethods=http-01; validationmethods=http-01\" "
         "gives validationmethods 2 times, which no method satisfies"},
        {"unknown parameter twice is fine", {R(0, "issue", "letsencrypt.org; foo=1; foo=2")}, 1,
         false, &le_http, true, "", 0, M(HTTP01), NULL},
        {"validationmethods empty", {R(0, "issue", "letsencrypt.org; validationmethods=")}, 1,
         false, &le_http, false, pm, 0, 0, NULL},
        {"validationmethods only a comma", {R(0, "issue", "letsencrypt.org; validationmethods=,")},
         1, false, &le_http, false, pm, 0, 0, NULL},
        {"method compared case-sensitively",
         {R(0, "issue", "letsencrypt.org; validationmethods=HTTP-01")}, 1, false, &le_http, false,
         pm, 0, 0, NULL},
        {"unknown method skipped",
         {R(0, "issue", "letsencrypt.org; validationmethods=tls-sni-01,http-01")}, 1, false,
         &le_http, true, "", 0, M(HTTP01), NULL},
        {"bad label after the method: Boulder stops after the match",
         {R(0, "issue", "letsencrypt.org; validationmethods=http-01,!")}, 1, false, &le_http, true,
         "", 0, M(HTTP01), NULL},
        {"bad label before the method: Boulder gives up",
         {R(0, "issue", "letsencrypt.org; validationmethods=!,http-01")}, 1, false, &le_http, false,
         pm, 0, 0, NULL},
        {"trailing comma after the method",
         {R(0, "issue", "letsencrypt.org; validationmethods=http-01,")}, 1, false, &le_http, true,
         "", 0, M(HTTP01), NULL},
        {"leading comma", {R(0, "issue", "letsencrypt.org; validationmethods=,http-01")}, 1, false,
         &le_http, false, pm, 0, 0, NULL},
        {"tls-alpn-01 not in http-01,dns-01",
         {R(0, "issue", "letsencrypt.org; validationmethods=http-01,dns-01")}, 1, false,
         &(const struct cs_caa_policy){"letsencrypt.org", NULL, "tls-alpn-01", NULL, 0, NULL, NULL, NULL}, false, pm, 0, 0,
         NULL},
        {"no method configured: the methods it allows are reported",
         {R(0, "issue", "letsencrypt.org; validationmethods=dns-01,tls-alpn-01")}, 1, false,
         &le_plain, true, "", 0, M(DNS01) | M(TLSALPN01),
         "CAA 0 issue \"letsencrypt.org; validationmethods=dns-01,tls-alpn-01\" authorizes "
         "letsencrypt.org only for validation methods dns-01,tls-alpn-01"},
        {"no method configured, union over records",
         {R(0, "issue", "letsencrypt.org; validationmethods=dns-01"),
         R(0, "issue", "letsencrypt.org; validationmethods=http-01")}, 2, false, &le_plain, true,
         "", 0, M(DNS01) | M(HTTP01), NULL},
        {"no method configured, none known",
         {R(0, "issue", "letsencrypt.org; validationmethods=email-reply-00")}, 1, false, &le_plain,
         false, pm, 0, 0,
         "CAA 0 issue \"letsencrypt.org; validationmethods=email-reply-00\" allows no validation "
         "method letsencrypt.org uses"},
        {"account mismatch reported before method",
         {R(0, "issue", "letsencrypt.org; accounturi=" ACCT_OTHR "; validationmethods=dns-01")}, 1,
         false, &le_boulder, false, pm, 0, 0, NULL},
        {"parameter mismatch preferred as deciding record over another CA",
         {R(0, "issue", "other.test"), R(0, "issue", "letsencrypt.org; validationmethods=dns-01")},
         2, false, &le_http, false, pm, 1, 0, NULL},
    };
    /* clang-format on */
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Boulder's known tags today and RFC 8657 accounturi with the CA's account URI prefixes. */
#define LE_V1  "https://acme-v01.api.letsencrypt.org/acme/reg/"
#define LE_V2  "https://acme-v02.api.letsencrypt.org/acme/acct/"
#define LE_ST1 "https://acme-staging.api.letsencrypt.org/acme/reg/"
#define LE_ST2 "https://acme-staging-v02.api.letsencrypt.org/acme/acct/"

static void test_boulder_parity(void **state)
{
    static const struct cs_caa_policy id_http = {"letsencrypt.org", NULL, "http-01", NULL, 0,
                                                 "123456789",       NULL, NULL};
    static const char *const two[] = {"https://acme.other.test/acct/7",
                                      "https://acme.other.test/acct/8"};
    static const struct cs_caa_policy uris = {
        "letsencrypt.org", NULL, NULL, two, 2, NULL, NULL, NULL};
    static const struct cs_caa_policy uri_and_id = {
        "letsencrypt.org", LE_V2 "1", NULL, NULL, 0, "55", NULL, NULL};
    const struct cs_caa_policy *p = &le_plain;
    /* clang-format off */
    const struct eval_case cases[] = {
        {"critical issuevmc does not block", {R(128, "issuevmc", "vmc.test"),
         R(0, "issue", "letsencrypt.org")}, 2, false, p, true, "", 1, ALL, NULL},
        {"critical issuevmc alone: no relevant property", {R(129, "IssueVmc", "vmc.test")}, 1, true,
         p, true, "", -1, ALL, "no issue or issuewild property in the CAA set: any CA may issue"},
        {"critical issuemail does not block", {R(128, "issuemail", "mail.test"),
         R(0, "issue", "letsencrypt.org")}, 2, false, p, true, "", 1, ALL, NULL},
        {"critical issuevmcx is unknown", {R(128, "issuevmcx", "vmc.test"),
         R(0, "issue", "letsencrypt.org")}, 2, false, p, false,
         "CAA_NOT_AUTHORIZED;CAA_CRITICAL_UNKNOWN", 0, 0, NULL},
        {"id: ACME v2 URI", {R(0, "issue", "letsencrypt.org; accounturi=" LE_V2 "123456789")}, 1,
         false, &id_http, true, "", 0, M(HTTP01), NULL},
        {"id: ACME v1 URI of the same account", {R(0, "issue",
         "letsencrypt.org; accounturi=" LE_V1 "123456789")}, 1, false, &id_http, true, "", 0,
         M(HTTP01), NULL},
        {"id: staging v2", {R(0, "issue", "letsencrypt.org; accounturi=" LE_ST2 "123456789")}, 1,
         false, &id_http, true, "", 0, M(HTTP01), NULL},
        {"id: staging v1", {R(0, "issue", "letsencrypt.org; accounturi=" LE_ST1 "123456789")}, 1,
         false, &id_http, true, "", 0, M(HTTP01), NULL},
        {"id: another account id", {R(0, "issue", "letsencrypt.org; accounturi=" LE_V2 "12345678")},
         1, false, &id_http, false, "CAA_NOT_AUTHORIZED;CAA_PARAM_MISMATCH", 0, 0,
         "CAA 0 issue \"letsencrypt.org; accounturi=" LE_V2 "12345678\" allows only the account "
         LE_V2 "12345678, not the configured one"},
        {"id: a longer id is not a prefix match", {R(0, "issue",
         "letsencrypt.org; accounturi=" LE_V2 "1234567890")}, 1, false, &id_http, false,
         "CAA_NOT_AUTHORIZED;CAA_PARAM_MISMATCH", 0, 0, NULL},
        {"id: the v2 path on the v1 host is no prefix", {R(0, "issue",
         "letsencrypt.org; accounturi=https://acme-v01.api.letsencrypt.org/acme/acct/123456789")},
         1, false, &id_http, false, "CAA_NOT_AUTHORIZED;CAA_PARAM_MISMATCH", 0, 0, NULL},
        {"id: the prefix compared byte for byte (http:)", {R(0, "issue",
         "letsencrypt.org; accounturi=http://acme-v02.api.letsencrypt.org/acme/acct/123456789")},
         1, false, &id_http, false, "CAA_NOT_AUTHORIZED;CAA_PARAM_MISMATCH", 0, 0, NULL},
        {"several URIs: the second", {R(0, "issue",
         "letsencrypt.org; accounturi=https://acme.other.test/acct/8")}, 1, false, &uris, true, "",
         0, ALL, NULL},
        {"several URIs: none", {R(0, "issue",
         "letsencrypt.org; accounturi=https://acme.other.test/acct/9")}, 1, false, &uris, false,
         "CAA_NOT_AUTHORIZED;CAA_PARAM_MISMATCH", 0, 0, NULL},
        {"URI and id: the URI", {R(0, "issue", "letsencrypt.org; accounturi=" LE_V2 "1")}, 1, false,
         &uri_and_id, true, "", 0, ALL, NULL},
        {"URI and id: the id with a prefix", {R(0, "issue",
         "letsencrypt.org; accounturi=" LE_V1 "55")}, 1, false, &uri_and_id, true, "", 0, ALL,
         NULL},
        {"id: two records, one per account form", {R(0, "issue",
         "letsencrypt.org; accounturi=" LE_V2 "999"), R(0, "issue",
         "letsencrypt.org; accounturi=" LE_V1 "123456789")}, 2, false, &id_http, true, "", 1,
         M(HTTP01), NULL},
    };
    /* clang-format on */
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));

    size_t n = 0;
    const char *const *pre = cs_caa_account_prefixes("letsencrypt.org", &n);
    assert_int_equal(n, 4);
    assert_string_equal(pre[0], LE_V1);
    assert_string_equal(pre[1], LE_V2);
    assert_string_equal(pre[2], LE_ST1);
    assert_string_equal(pre[3], LE_ST2);
    assert_null(cs_caa_account_prefixes("sectigo.com", &n));
    assert_int_equal(n, 0);
    assert_false(cs_caa_policy_has_account(&le_plain));
    assert_true(cs_caa_policy_has_account(&id_http));
    assert_true(cs_caa_policy_has_account(&uris));

    /* The account id: digits, no leading zero, for a CA whose prefixes are known. */
    static const char *const no_scheme[] = {"no scheme"};
    static const struct cs_caa_policy bad[] = {
        {"letsencrypt.org", NULL, NULL, NULL, 0, "", NULL, NULL},
        {"letsencrypt.org", NULL, NULL, NULL, 0, "0123", NULL, NULL},
        {"letsencrypt.org", NULL, NULL, NULL, 0, "12a", NULL, NULL},
        {"letsencrypt.org", NULL, NULL, NULL, 0, "-5", NULL, NULL},
        {"letsencrypt.org", NULL, NULL, NULL, 0, "12345678901234567890", NULL, NULL},
        {"sectigo.com", NULL, NULL, NULL, 0, "123", NULL, NULL},
        {"letsencrypt.org", NULL, NULL, NULL, 1, NULL, NULL, NULL},
        {"letsencrypt.org", NULL, NULL, no_scheme, 1, NULL, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char why[256] = "";
        print_message("bad policy %zu\n", i);
        assert_int_equal(cs_caa_policy_check(&bad[i], why, sizeof(why)), CS_EINVAL);
        assert_true(strlen(why) > 0);
    }
    char why[256];
    assert_int_equal(cs_caa_policy_check(&bad[5], why, sizeof(why)), CS_EINVAL);
    assert_string_equal(why,
                        "--account-id: the account URI prefixes of this CA are not known "
                        "(they are for letsencrypt.org): give the full URI with --account-uri");
    const struct cs_caa_policy good = {"letsencrypt.org",     NULL, NULL, two, 2,
                                       "1234567890123456789", NULL, NULL};
    assert_int_equal(cs_caa_policy_check(&good, NULL, 0), CS_OK);
}

static void test_bad_arguments(void **state)
{
    struct cs_caa_verdict v;
    struct cs_caa_record r = R(0, "issue", "letsencrypt.org");
    assert_int_equal(cs_caa_evaluate(&r, 1, false, &le_plain, NULL), CS_EINVAL);
    assert_int_equal(cs_caa_evaluate(&r, 1, false, NULL, &v), CS_EINVAL);
    assert_int_equal(cs_caa_evaluate(NULL, 1, false, &le_plain, &v), CS_EINVAL);
    assert_int_equal(cs_caa_evaluate(NULL, 0, false, &le_plain, &v), CS_OK);
    assert_true(v.authorized);

    static const struct {
        struct cs_caa_policy pol;
        const char *why;
    } bad[] = {
        {{NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL}, "the CA's issuer domain name is empty"},
        {{"", NULL, NULL, NULL, 0, NULL, NULL, NULL}, "the CA's issuer domain name is empty"},
        {{"letsencrypt.org.", NULL, NULL, NULL, 0, NULL, NULL, NULL}, NULL},
        {{"lets_encrypt.org", NULL, NULL, NULL, 0, NULL, NULL, NULL}, NULL},
        {{"-le.org", NULL, NULL, NULL, 0, NULL, NULL, NULL}, NULL},
        {{"le-.org", NULL, NULL, NULL, 0, NULL, NULL, NULL}, NULL},
        {{"a..b", NULL, NULL, NULL, 0, NULL, NULL, NULL}, NULL},
        {{"letsencrypt.org", "no scheme", NULL, NULL, 0, NULL, NULL, NULL}, NULL},
        {{"letsencrypt.org", "https://a.test/acct 1", NULL, NULL, 0, NULL, NULL, NULL},
         "the account URI may hold only printable ASCII without spaces or \";\""},
        {{"letsencrypt.org", "https://a.test/a;b", NULL, NULL, 0, NULL, NULL, NULL}, NULL},
        {{"letsencrypt.org", "https://a.test/%zz", NULL, NULL, 0, NULL, NULL, NULL},
         "the account URI has a \"%\" not followed by two hex digits"},
        {{"letsencrypt.org", "https:", NULL, NULL, 0, NULL, NULL, NULL}, NULL},
        {{"letsencrypt.org", NULL, "tls-sni-01", NULL, 0, NULL, NULL, NULL}, NULL},
        {{"letsencrypt.org", NULL, "HTTP-01", NULL, 0, NULL, NULL, NULL}, NULL},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char why[160] = "";
        assert_int_equal(cs_caa_policy_check(&bad[i].pol, why, sizeof(why)), CS_EINVAL);
        assert_true(strlen(why) > 0);
        if (bad[i].why)
            assert_string_equal(why, bad[i].why);
        assert_int_equal(cs_caa_evaluate(&r, 1, false, &bad[i].pol, &v), CS_EINVAL);
    }
    const struct cs_caa_policy good = {
        "x-1.y2.test", "https://a.test/acct/%2F1", "dns-persist-01", NULL, 0, NULL, NULL, NULL};
    assert_int_equal(cs_caa_policy_check(&good, NULL, 0), CS_OK);
}

/* The issue-value parser on its own, with the cases of Boulder's
 * TestExtractIssuerDomainAndParameters. */
static void test_parse_issue_value(void **state)
{
    static const struct {
        const char *value;
        cs_err ret;
        bool boulder_ok, issuer_rfc_ok, params_rfc_ok;
        const char *issuer;
        const char *params; /* "tag=value|tag=value" */
        const char *defect;
        /* clang-format off */
    } cases[] = {
        {"", CS_OK, true, true, true, "", "", NULL},
        {";", CS_OK, true, true, true, "", "", NULL},
        {" ; ", CS_OK, true, true, true, "", "", NULL},
        {"letsencrypt.org", CS_OK, true, true, true, "letsencrypt.org", "", NULL},
        {"letsencrypt.org;", CS_OK, true, true, true, "letsencrypt.org", "", NULL},
        {"letsencrypt.org;   ", CS_OK, true, true, true, "letsencrypt.org", "", NULL},
        {"  letsencrypt.org\t;foo=bar;baz=bar", CS_OK, true, true, true, "letsencrypt.org",
         "foo=bar|baz=bar", NULL},
        {"\tletsencrypt.org ;foo=bar;baz=bar", CS_OK, true, true, true, "letsencrypt.org",
         "foo=bar|baz=bar", NULL},
        {"letsencrypt.org; foo=; baz =\tbar", CS_OK, true, true, true, "letsencrypt.org",
         "foo=|baz=bar", NULL},
        {"letsencrypt.org; foo=\t; baz =\tbar", CS_OK, true, true, true, "letsencrypt.org",
         "foo=|baz=bar", NULL},
        {"letsencrypt.org; foo=b1,b2,b3\t; baz =\t\ta=b\t", CS_OK, true, true, true,
         "letsencrypt.org", "foo=b1,b2,b3|baz=a=b", NULL},
        {"letsencrypt.org; foo=b1,b2,b3\t; foo= b1,b2,b3\t", CS_OK, true, true, true,
         "letsencrypt.org", "foo=b1,b2,b3|foo=b1,b2,b3", NULL},
        {"letsencrypt.org; foo=b1,b2,b3\t; baz =\t\ta = b\t", CS_EPARSE, false, true, false,
         "letsencrypt.org", "", "a parameter value has a space, control or non-ASCII octet"},
        {"letsencrypt.org; foo=b1,b2,b3\t; baz=a=\tb", CS_EPARSE, false, true, false,
         "letsencrypt.org", "", "a parameter value has a space, control or non-ASCII octet"},
        {"letsencrypt.org; foo=b1,b2,b3\t; baz =\t\ta;b\t", CS_EPARSE, false, true, false,
         "letsencrypt.org", "", "a parameter is not tag=value"},
        {"letsencrypt.org; 1=2; baz=a-b", CS_OK, true, true, true, "letsencrypt.org", "1=2|baz=a-b",
         NULL},
        {"letsencrypt.org; a_b=123", CS_EPARSE, false, true, false, "letsencrypt.org", "",
         "a parameter tag has a character other than a letter or digit"},
        {"letsencrypt.org; ab=1 2 3", CS_EPARSE, false, true, false, "letsencrypt.org", "",
         "a parameter value has a space, control or non-ASCII octet"},
        {"letsencrypt.org; 1=2; a-b=c", CS_EPARSE, false, true, true, "letsencrypt.org", "",
         "a parameter tag has a hyphen (RFC 8659 allows it, Boulder does not)"},
        {"letsencrypt.org; foo=a\xe2\x98\x95" "b", CS_EPARSE, false, true, false, "letsencrypt.org",
         "", "a parameter value has a space, control or non-ASCII octet"},
        {"letsencrypt.org; foo=b1,b2,b3 bar=baz", CS_EPARSE, false, true, false, "letsencrypt.org",
         "", "a parameter value has a space, control or non-ASCII octet"},
        {"letsencrypt.org; foo", CS_EPARSE, false, true, false, "letsencrypt.org", "",
         "a parameter is not tag=value"},
        {"letsencrypt.org;;", CS_EPARSE, false, true, false, "letsencrypt.org", "",
         "a parameter is not tag=value"},
        {"; =x", CS_EPARSE, true, true, false, "", "=x", "a parameter tag is empty"},
        {"letsencrypt.org.", CS_EPARSE, true, false, true, "letsencrypt.org.", "",
         "the issuer domain name is not letter/digit labels separated by dots"},
        {"lets encrypt.org; a=b", CS_EPARSE, true, false, true, "lets encrypt.org", "a=b",
         "the issuer domain name is not letter/digit labels separated by dots"},
        {"bad_ca.test; a=b; =c", CS_EPARSE, true, false, false, "bad_ca.test", "a=b|=c",
         "the issuer domain name is not letter/digit labels separated by dots"},
        {"x-1.y--2.test", CS_OK, true, true, true, "x-1.y--2.test", "", NULL},
        {"bad_ca.test; a_b=1", CS_EPARSE, false, false, false, "bad_ca.test", "",
         "a parameter tag has a character other than a letter or digit"},
    };
    /* clang-format on */
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cs_caa_issue_value iv;
        print_message("value: %s\n", cases[i].value);
        cs_err ret =
            cs_caa_parse_issue_value((const uint8_t *)cases[i].value, strlen(cases[i].value), &iv);
        assert_int_equal(ret, cases[i].ret);
        assert_int_equal(iv.boulder_ok, cases[i].boulder_ok);
        assert_int_equal(iv.issuer_rfc_ok, cases[i].issuer_rfc_ok);
        assert_int_equal(iv.params_rfc_ok, cases[i].params_rfc_ok);
        assert_int_equal(iv.issuer_len, strlen(cases[i].issuer));
        assert_memory_equal(iv.issuer, cases[i].issuer, iv.issuer_len);
        char params[200] = "";
        size_t len = 0;
        for (size_t k = 0; k < iv.nparams; k++)
            len += (size_t)snprintf(params + len, sizeof(params) - len, "%s%.*s=%.*s", k ? "|" : "",
                                    (int)iv.params[k].tag_len, iv.params[k].tag,
                                    (int)iv.params[k].value_len, iv.params[k].value);
        if (iv.boulder_ok)
            assert_string_equal(params, cases[i].params);
        if (cases[i].defect)
            assert_string_equal(iv.defect, cases[i].defect);
        else
            assert_null(iv.defect);
    }

    /* Defect offsets point at the octet. */
    struct cs_caa_issue_value iv;
    const char *v = "letsencrypt.org; ab=1 2";
    assert_int_equal(cs_caa_parse_issue_value((const uint8_t *)v, strlen(v), &iv), CS_EPARSE);
    assert_int_equal(iv.defect_at, 21);
    v = "letsencrypt.org; x=1; y";
    assert_int_equal(cs_caa_parse_issue_value((const uint8_t *)v, strlen(v), &iv), CS_EPARSE);
    assert_int_equal(iv.defect_at, 21);

    /* RFC 8657 parameters counted, beyond the params[] array too. */
    char many[1024];
    size_t len = (size_t)snprintf(many, sizeof(many), "ca.test");
    for (int k = 0; k < 20; k++)
        len += (size_t)snprintf(many + len, sizeof(many) - len, "; p%d=%d", k, k);
    len += (size_t)snprintf(many + len, sizeof(many) - len,
                            "; accounturi=a:1; validationmethods=dns-01; accounturi=a:2");
    assert_int_equal(cs_caa_parse_issue_value((const uint8_t *)many, len, &iv), CS_OK);
    assert_int_equal(iv.nparams, 23);
    assert_int_equal(iv.accounturi_count, 2);
    assert_int_equal(iv.accounturi.value_len, 3);
    assert_memory_equal(iv.accounturi.value, "a:1", 3);
    assert_int_equal(iv.validationmethods_count, 1);
    assert_memory_equal(iv.validationmethods.value, "dns-01", 6);
    assert_memory_equal(iv.params[15].tag, "p15", 3);

    assert_int_equal(cs_caa_parse_issue_value(NULL, 0, &iv), CS_OK);
    assert_int_equal(iv.issuer_len, 0);
    assert_int_equal(cs_caa_parse_issue_value(NULL, 1, &iv), CS_EINVAL);
    assert_int_equal(cs_caa_parse_issue_value((const uint8_t *)"x", 1, NULL), CS_EINVAL);
}

static void test_names(void **state)
{
    assert_int_equal(cs_caa_tag_classify("Issue", 5), CS_CAA_TAG_ISSUE);
    assert_int_equal(cs_caa_tag_classify("ISSUEWILD", 9), CS_CAA_TAG_ISSUEWILD);
    assert_int_equal(cs_caa_tag_classify("iodef", 5), CS_CAA_TAG_IODEF);
    assert_int_equal(cs_caa_tag_classify("issuemail", 9), CS_CAA_TAG_ISSUEMAIL);
    assert_int_equal(cs_caa_tag_classify("issuewild", 5), CS_CAA_TAG_ISSUE);
    assert_int_equal(cs_caa_tag_classify("issuevmc", 8), CS_CAA_TAG_ISSUEVMC);
    assert_int_equal(cs_caa_tag_classify("IssueVMC", 8), CS_CAA_TAG_ISSUEVMC);
    assert_int_equal(cs_caa_tag_classify("issuevm", 7), CS_CAA_TAG_UNKNOWN);
    assert_int_equal(cs_caa_tag_classify("contactemail", 12), CS_CAA_TAG_UNKNOWN);
    assert_int_equal(cs_caa_tag_classify(NULL, 0), CS_CAA_TAG_UNKNOWN);
    assert_true(cs_caa_flags_critical(128));
    assert_true(cs_caa_flags_critical(1));
    assert_true(cs_caa_flags_critical(255));
    assert_false(cs_caa_flags_critical(0x7e));
    for (int m = 0; m < CS_CAA_M_COUNT; m++)
        assert_int_equal(cs_caa_method_parse(cs_caa_method_name((enum cs_caa_method)m)), m);
    assert_null(cs_caa_method_name(CS_CAA_M_COUNT));
    assert_int_equal(cs_caa_method_parse("tls-sni-01"), CS_CAA_M_COUNT);
    char buf[80];
    assert_int_equal(cs_caa_methods_format(0, buf, sizeof(buf)), 4);
    assert_string_equal(buf, "none");
    size_t n = cs_caa_methods_format(CS_CAA_METHODS_ALL, buf, sizeof(buf));
    assert_string_equal(buf, "http-01,dns-01,tls-alpn-01,dns-account-01,dns-persist-01");
    assert_int_equal(n, strlen(buf));
    char small[5];
    assert_int_equal(cs_caa_methods_format(M(DNS01) | M(HTTP01), small, sizeof(small)), 14);
    assert_string_equal(small, "http");
}

static ldns_rr *rr_from(const char *text)
{
    ldns_rr *rr = NULL;
    assert_int_equal(ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL), LDNS_STATUS_OK);
    return rr;
}

static void assert_record(const struct cs_caa_record *r, uint8_t flags, const char *tag,
                          const void *value, size_t value_len)
{
    assert_int_equal(r->flags, flags);
    assert_int_equal(r->tag_len, strlen(tag));
    assert_memory_equal(r->tag, tag, r->tag_len);
    assert_int_equal(r->value_len, value_len);
    if (value_len)
        assert_memory_equal(r->value, value, value_len);
}

static void test_record_from_rr(void **state)
{
    struct cs_caa_record r;
    ldns_rr *rr = rr_from("x.test. 300 IN CAA 0 issue \"letsencrypt.org\"");
    assert_int_equal(cs_caa_record_from_rr(rr, &r), CS_OK);
    assert_record(&r, 0, "issue", "letsencrypt.org", 15);
    ldns_rr_free(rr);

    rr = rr_from("x.test. 300 IN CAA 128 TBS \"a\\\"b\\\\c\\000\"");
    assert_int_equal(cs_caa_record_from_rr(rr, &r), CS_OK);
    assert_record(&r, 128, "TBS", "a\"b\\c\0", 6);
    ldns_rr_free(rr);

    /* The RFC 3597 unknown-type form is parsed into the same rdfs. */
    rr = rr_from("x.test. 300 IN TYPE257 \\# 8 00 05 69 73 73 75 65 3b");
    assert_int_equal(cs_caa_record_from_rr(rr, &r), CS_OK);
    assert_record(&r, 0, "issue", ";", 1);
    ldns_rr_free(rr);

    /* From the wire an empty value leaves out the third rdf. */
    static const uint8_t wire[] = {1, 'x', 4,  't', 'e', 's', 't', 0,   1,   1,   0,   1,  0,
                                   0, 1,   44, 0,   7,   0,   5,   'i', 's', 's', 'u', 'e'};
    size_t pos = 0;
    rr = NULL;
    assert_int_equal(ldns_wire2rr(&rr, wire, sizeof(wire), &pos, LDNS_SECTION_ANSWER),
                     LDNS_STATUS_OK);
    assert_int_equal(ldns_rr_rd_count(rr), 2);
    assert_int_equal(cs_caa_record_from_rr(rr, &r), CS_OK);
    assert_record(&r, 0, "issue", "", 0);
    assert_non_null(r.value);
    struct cs_caa_verdict v;
    assert_int_equal(cs_caa_evaluate(&r, 1, false, &le_plain, &v), CS_OK);
    assert_false(v.authorized);
    assert_int_equal(v.problems,
                     CS_PB_BIT(CS_PB_CAA_NOT_AUTHORIZED) | CS_PB_BIT(CS_PB_CAA_EMPTY_ISSUER));
    ldns_rr_free(rr);

    /* A single raw rdf (an ldns that does not know CAA) is read as CAA wire rdata. */
    static const uint8_t raw[] = {0x80, 3, 't', 'b', 's', 'x'};
    rr = ldns_rr_new();
    ldns_rr_set_type(rr, LDNS_RR_TYPE_CAA);
    ldns_rr_push_rdf(rr, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN, sizeof(raw), raw));
    assert_int_equal(cs_caa_record_from_rr(rr, &r), CS_OK);
    assert_record(&r, 0x80, "tbs", "x", 1);
    ldns_rr_free(rr);

    static const uint8_t short_raw[] = {0, 9, 'i', 's'};
    rr = ldns_rr_new();
    ldns_rr_set_type(rr, LDNS_RR_TYPE_CAA);
    ldns_rr_push_rdf(rr,
                     ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN, sizeof(short_raw), short_raw));
    assert_int_equal(cs_caa_record_from_rr(rr, &r), CS_EPARSE);
    ldns_rr_free(rr);

    /* A tag rdf whose length octet disagrees with its size. */
    static const uint8_t bad_tag[] = {7, 'i', 's'};
    uint8_t zero = 0;
    rr = ldns_rr_new();
    ldns_rr_set_type(rr, LDNS_RR_TYPE_CAA);
    ldns_rr_push_rdf(rr, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT8, 1, &zero));
    ldns_rr_push_rdf(rr, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_TAG, sizeof(bad_tag), bad_tag));
    assert_int_equal(cs_caa_record_from_rr(rr, &r), CS_EPARSE);
    ldns_rr_free(rr);

    rr = ldns_rr_new();
    ldns_rr_set_type(rr, LDNS_RR_TYPE_CAA);
    assert_int_equal(cs_caa_record_from_rr(rr, &r), CS_EPARSE);
    ldns_rr_free(rr);

    rr = rr_from("x.test. 300 IN A 192.0.2.1");
    assert_int_equal(cs_caa_record_from_rr(rr, &r), CS_EINVAL);
    assert_int_equal(cs_caa_record_from_rr(NULL, &r), CS_EINVAL);
    assert_int_equal(cs_caa_record_from_rr(rr, NULL), CS_EINVAL);
    ldns_rr_free(rr);
}

/* format -> ldns parse -> record view gives back the same record. */
static void round_trip(const struct cs_caa_record *in, const char *expected)
{
    char text[512], line[600];
    size_t need = cs_caa_format(in, text, sizeof(text));
    assert_int_equal(need, strlen(text));
    if (expected)
        assert_string_equal(text, expected);
    snprintf(line, sizeof(line), "x.test. 300 IN CAA %s", text);
    ldns_rr *rr = rr_from(line);
    struct cs_caa_record out;
    assert_int_equal(cs_caa_record_from_rr(rr, &out), CS_OK);
    assert_int_equal(out.flags, in->flags);
    assert_int_equal(out.tag_len, in->tag_len);
    if (in->tag_len)
        assert_memory_equal(out.tag, in->tag, in->tag_len);
    assert_int_equal(out.value_len, in->value_len);
    if (in->value_len)
        assert_memory_equal(out.value, in->value, in->value_len);
    ldns_rr_free(rr);
}

static void test_format(void **state)
{
    const struct cs_caa_record recs[] = {
        R(0, "issue", "letsencrypt.org; accounturi=https://a.test/1"),
        R(128, "tbs", "Unknown"),
        R(0, "issue", ""),
        R(0, "issue", ";"),
        R(0, "IsSuE", "a\"b\\c"),
        R(255, "iodef", "mailto:x@y.test\n\t\x7f\xff"),
        {0, "issue", 5, (const uint8_t *)"a\0b", 3},
    };
    const char *expected[] = {
        "0 issue \"letsencrypt.org; accounturi=https://a.test/1\"",
        "128 tbs \"Unknown\"",
        "0 issue \"\"",
        "0 issue \";\"",
        "0 IsSuE \"a\\\"b\\\\c\"",
        "255 iodef \"mailto:x@y.test\\010\\009\\127\\255\"",
        "0 issue \"a\\000b\"",
    };
    for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
        round_trip(&recs[i], expected[i]);

    /* Tags that cannot be written as a word use the RFC 3597 form. */
    const struct cs_caa_record odd[] = {
        {0, "", 0, (const uint8_t *)";", 1},
        R(1, "is-sue", "x"),
    };
    round_trip(&odd[0], "\\# 3 00003b");
    round_trip(&odd[1], "\\# 9 010669732d73756578");

    /* Truncation keeps the buffer terminated and reports the full length. */
    char small[8];
    assert_int_equal(cs_caa_format(&recs[1], small, sizeof(small)), 17);
    assert_string_equal(small, "128 tbs");
    assert_int_equal(cs_caa_format(&recs[1], NULL, 0), 17);
    assert_int_equal(cs_caa_format(NULL, small, sizeof(small)), 0);
    assert_string_equal(small, "");

    /* A long record is cut in the reason, which stays one terminated sentence. */
    char longv[600];
    memset(longv, 'a', sizeof(longv));
    memcpy(longv, "other.test; x=", 14);
    struct cs_caa_record lr = {0, "issue", 5, (const uint8_t *)longv, sizeof(longv)};
    struct cs_caa_verdict v;
    assert_int_equal(cs_caa_evaluate(&lr, 1, false, &le_plain, &v), CS_OK);
    assert_true(strlen(v.reason) < sizeof(v.reason));
    assert_non_null(strstr(v.reason, "... does not name letsencrypt.org"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8659_examples),     cmocka_unit_test(test_rfc8657_parameters),
        cmocka_unit_test(test_boulder_caa_checking), cmocka_unit_test(test_tags_and_flags),
        cmocka_unit_test(test_issuer_comparison),    cmocka_unit_test(test_malformed_values),
        cmocka_unit_test(test_parameters),           cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_parse_issue_value),    cmocka_unit_test(test_names),
        cmocka_unit_test(test_record_from_rr),       cmocka_unit_test(test_format),
        cmocka_unit_test(test_boulder_parity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

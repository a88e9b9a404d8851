/* test_name.c -- every normalization rule and invalid reason of name.c, on real-looking names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/name.h"

#include <stdio.h>
#include <string.h>

struct name_case {
    const char *in;
    const char *text; /* expected normalized text, NULL when invalid */
    cs_name_reason reason;
    unsigned flags;
};

static const struct name_case cases[] = {
    /* trimming, case, trailing dot, BOM, CRLF */
    {"shop.example.com", "shop.example.com", CS_NAME_OK, 0},
    {"  Shop.Example.COM.\r\n", "shop.example.com", CS_NAME_OK, 0},
    {"\xef\xbb\xbfwww.example.org", "www.example.org", CS_NAME_OK, 0},
    {"\tmail.example.net \t", "mail.example.net", CS_NAME_OK, 0},
    {"a-b.c-d.example", "a-b.c-d.example", CS_NAME_OK, 0},
    {"123.example.com", "123.example.com", CS_NAME_OK, 0},
    /* wildcards */
    {"*.example.com", "*.example.com", CS_NAME_OK, 0},
    {"*.Hosting.Example.NET.", "*.hosting.example.net", CS_NAME_OK, 0},
    {"a.*.example.com", NULL, CS_NAME_WILDCARD_POSITION, 0},
    {"*example.com", NULL, CS_NAME_WILDCARD_POSITION, 0},
    {"*.*.example.com", NULL, CS_NAME_WILDCARD_POSITION, 0},
    {"*", NULL, CS_NAME_WILDCARD_POSITION, 0},
    {"*.com", NULL, CS_NAME_SINGLE_LABEL, 0},
    /* IDN: U-labels to A-labels (UTS #46 non-transitional, NFC) */
    {"bücher.example", "xn--bcher-kva.example", CS_NAME_OK, 0},
    {"BÜCHER.Example", "xn--bcher-kva.example", CS_NAME_OK, 0},
    {"*.bücher.example", "*.xn--bcher-kva.example", CS_NAME_OK, 0},
    {"faß.de", "xn--fa-hia.de", CS_NAME_OK, 0}, /* non-transitional: not "fass.de" */
    {"bu\xcc\x88"
     "cher.example",
     "xn--bcher-kva.example", CS_NAME_OK, 0}, /* NFC */
    {"例え.テスト", "xn--r8jz45g.xn--zckzah", CS_NAME_OK, 0},
    {"ＥＸＡＭＰＬＥ.com", "example.com", CS_NAME_OK, 0},
    {"shop.example\xe3\x80\x82", "shop.example", CS_NAME_OK, 0}, /* ideographic full stop */
    {"xn--bcher-kva.example", "xn--bcher-kva.example", CS_NAME_OK, 0},
    {"XN--BCHER-KVA.example", "xn--bcher-kva.example", CS_NAME_OK, 0},
    {"xn--zz.example", NULL, CS_NAME_IDN_INVALID, 0},
    {"xn--.example", NULL, CS_NAME_BAD_HYPHEN, 0},
    {"\xf0\x9f\x92\xa9.example", NULL, CS_NAME_IDN_INVALID, 0}, /* emoji: disallowed */
    {"b\xfc"
     "cher.example",
     NULL, CS_NAME_INVALID_UTF8, 0},                     /* Latin-1 */
    {"\xc0\xae.example", NULL, CS_NAME_INVALID_UTF8, 0}, /* overlong */
    {"bücher_x.example", NULL, CS_NAME_UNDERSCORE, 0},
    /* LDH, hyphens, underscore */
    {"_acme-challenge.example.com", NULL, CS_NAME_UNDERSCORE, 0},
    {"under_score.example.com", NULL, CS_NAME_UNDERSCORE, 0},
    {"shop example.com", NULL, CS_NAME_BAD_CHARACTER, 0},
    {"shop!.example.com", NULL, CS_NAME_BAD_CHARACTER, 0},
    {"shop.example.com:443", NULL, CS_NAME_BAD_CHARACTER, 0},
    {"-shop.example.com", NULL, CS_NAME_BAD_HYPHEN, 0},
    {"shop-.example.com", NULL, CS_NAME_BAD_HYPHEN, 0},
    {"ab--cd.example.com", NULL, CS_NAME_RESERVED_LABEL, 0},
    /* lengths */
    {"", NULL, CS_NAME_EMPTY, 0},
    {"   ", NULL, CS_NAME_EMPTY, 0},
    {".", NULL, CS_NAME_EMPTY, 0},
    {"shop..example.com", NULL, CS_NAME_EMPTY_LABEL, 0},
    {".example.com", NULL, CS_NAME_EMPTY_LABEL, 0},
    {"example.com..", NULL, CS_NAME_EMPTY_LABEL, 0},
    {"localhost", NULL, CS_NAME_SINGLE_LABEL, 0},
    {"com.", NULL, CS_NAME_SINGLE_LABEL, 0},
    /* addresses */
    {"192.0.2.10", NULL, CS_NAME_IP_ADDRESS, 0},
    {"*.192.0.2.10", NULL, CS_NAME_IP_ADDRESS, 0},
    {"2001:db8::10", NULL, CS_NAME_IP_ADDRESS, 0},
    {"[2001:db8::10]", NULL, CS_NAME_IP_ADDRESS, 0},
    {"::ffff:192.0.2.1", NULL, CS_NAME_IP_ADDRESS, 0},
    {"10.0.1", NULL, CS_NAME_NUMERIC_TLD, 0},
    {"shop.example.123", NULL, CS_NAME_NUMERIC_TLD, 0},
    {"admin@example.com", NULL, CS_NAME_EMAIL_ADDRESS, 0},
    {"mailto:admin@example.com", NULL, CS_NAME_EMAIL_ADDRESS, 0},
    /* URLs: the host when unambiguous */
    {"https://shop.example.com/path", "shop.example.com", CS_NAME_OK, CS_NAME_FROM_URL},
    {"HTTP://Shop.Example.com", "shop.example.com", CS_NAME_OK, CS_NAME_FROM_URL},
    {"https://shop.example.com:8443/a?b#c", "shop.example.com", CS_NAME_OK, CS_NAME_FROM_URL},
    {"https://bücher.example/", "xn--bcher-kva.example", CS_NAME_OK, CS_NAME_FROM_URL},
    {"https://user:pw@shop.example.com/", NULL, CS_NAME_URL, 0},
    {"https://shop.example.com:http/", NULL, CS_NAME_URL, 0},
    {"https:///path", NULL, CS_NAME_URL, 0},
    {"://shop.example.com", NULL, CS_NAME_URL, 0},
    {"https://[2001:db8::1]/", NULL, CS_NAME_IP_ADDRESS, 0},
    {"https://192.0.2.1/", NULL, CS_NAME_IP_ADDRESS, CS_NAME_FROM_URL},
    {"shop.example.com/path", NULL, CS_NAME_URL_PATH, 0},
    {"/etc/passwd", NULL, CS_NAME_BAD_CHARACTER, 0},
};

static void test_cases(void **state)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct name_case *c = &cases[i];
        size_t len = strlen(c->in);
        struct cs_name n;
        cs_err err = cs_name_normalize(c->in, len, &n);
        if (n.reason != c->reason || (c->text && strcmp(n.text, c->text) != 0))
            fail_msg("\"%s\": got %s \"%s\", want %s \"%s\"", c->in, cs_name_reason_text(n.reason),
                     n.text, cs_name_reason_text(c->reason), c->text ? c->text : "");
        assert_int_equal(err, c->text ? CS_OK : CS_EPARSE);
        if (c->text) {
            assert_int_equal(n.len, strlen(c->text));
            assert_int_equal(n.wildcard, c->text[0] == '*');
            assert_int_equal(n.flags & CS_NAME_FROM_URL, c->flags & CS_NAME_FROM_URL);
            assert_string_equal(cs_name_dns(&n), c->text + (n.wildcard ? 2 : 0));
        } else {
            assert_string_equal(n.text, "");
        }
    }
}

static void test_nul_inside(void **state)
{
    static const char in[] = "sh\0op.example.com";
    struct cs_name n;
    assert_int_equal(cs_name_normalize(in, sizeof(in) - 1, &n), CS_EPARSE);
    assert_int_equal(n.reason, CS_NAME_BAD_CHARACTER);
}

static void test_lengths(void **state)
{
    char buf[600];
    struct cs_name n;
    /* A 63-octet label is fine, 64 is not. */
    memset(buf, 'a', 63);
    memcpy(buf + 63, ".example", 9);
    assert_int_equal(cs_name_normalize(buf, strlen(buf), &n), CS_OK);
    memset(buf, 'a', 64);
    memcpy(buf + 64, ".example", 9);
    assert_int_equal(cs_name_normalize(buf, strlen(buf), &n), CS_EPARSE);
    assert_int_equal(n.reason, CS_NAME_LABEL_TOO_LONG);

    /* 253 octets: four 61-octet labels and "a.b" -> 4*62 + 5 = 253. */
    size_t o = 0;
    for (int l = 0; l < 4; l++) {
        memset(buf + o, 'a' + l, 61);
        buf[o + 61] = '.';
        o += 62;
    }
    memcpy(buf + o, "ab.cd", 6);
    assert_int_equal(strlen(buf), 253);
    assert_int_equal(cs_name_normalize(buf, 253, &n), CS_OK);
    assert_int_equal(n.len, 253);
    /* With a trailing dot it is still 253 octets. */
    buf[253] = '.';
    assert_int_equal(cs_name_normalize(buf, 254, &n), CS_OK);
    /* One more octet is too long; so is the same name as a wildcard ("*." counts). */
    memcpy(buf + o, "abc.cd", 7);
    assert_int_equal(cs_name_normalize(buf, 254, &n), CS_EPARSE);
    assert_int_equal(n.reason, CS_NAME_NAME_TOO_LONG);
    memmove(buf + 2, buf, 254);
    memcpy(buf, "*.", 2);
    buf[2 + 253 - 1] = 'd';
    assert_int_equal(cs_name_normalize(buf, 255, &n), CS_EPARSE);
    assert_int_equal(n.reason, CS_NAME_NAME_TOO_LONG);

    /* A long Unicode name is judged by its A-label length. */
    char u[1200];
    size_t ulen = 0;
    for (int l = 0; l < 30; l++) {
        memcpy(u + ulen, "bücher.", 8); /* 'ü' is two bytes */
        ulen += 8;
    }
    memcpy(u + ulen, "example", 8);
    assert_int_equal(cs_name_normalize(u, strlen(u), &n), CS_EPARSE);
    assert_int_equal(n.reason, CS_NAME_NAME_TOO_LONG);
}

static void test_reason_texts(void **state)
{
    for (int r = 0; r < CS_NAME_REASON_COUNT; r++) {
        const char *t = cs_name_reason_text((cs_name_reason)r);
        assert_non_null(t);
        assert_int_equal(cs_name_reason_parse(t), r);
        for (const char *p = t; *p; p++)
            assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_');
    }
    assert_string_equal(cs_name_reason_text(CS_NAME_IP_ADDRESS), "ip_address");
    assert_string_equal(cs_name_reason_text(CS_NAME_EMAIL_ADDRESS), "email_address");
    assert_null(cs_name_reason_text(CS_NAME_REASON_COUNT));
    assert_int_equal(cs_name_reason_parse("nope"), CS_NAME_REASON_COUNT);
}

static void test_display(void **state)
{
    char buf[CS_NAME_DISPLAY_MAX + 4];
    assert_int_equal(cs_name_display("bücher\x01\xff.x", 11, buf, sizeof(buf)), 11);
    assert_string_equal(buf, "bücher??.x");
    char big[1000];
    memset(big, 'a', sizeof(big));
    size_t n = cs_name_display(big, sizeof(big), buf, sizeof(buf));
    assert_int_equal(n, CS_NAME_DISPLAY_MAX + 3);
    assert_string_equal(buf + CS_NAME_DISPLAY_MAX, "...");
    /* Cut at a character boundary: 128 two-byte characters fill 256 bytes exactly... */
    char two[400];
    for (int i = 0; i < 200; i++)
        memcpy(two + 2 * i, "\xc3\xbc", 2);
    n = cs_name_display(two, 400, buf, sizeof(buf));
    assert_int_equal(n, 256 + 3);
    /* ...and a 3-byte character that would cross the limit is not split. */
    char three[400];
    memset(three, 'a', 255);
    memcpy(three + 255, "\xe2\x82\xac", 3);
    n = cs_name_display(three, 258, buf, sizeof(buf));
    assert_int_equal(n, 255 + 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),   cmocka_unit_test(test_nul_inside),
        cmocka_unit_test(test_lengths), cmocka_unit_test(test_reason_texts),
        cmocka_unit_test(test_display),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

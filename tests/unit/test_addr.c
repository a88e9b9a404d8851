/* test_addr.c -- server addresses, address lists and resolv.conf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/addr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_parse_forms(void **state)
{
    struct cs_addr a;
    char buf[64];
    assert_int_equal(cs_addr_parse("192.0.2.53", 53, &a), CS_OK);
    assert_string_equal(cs_addr_format(&a, buf, sizeof(buf)), "192.0.2.53:53");
    assert_int_equal(cs_addr_parse("192.0.2.53:5353", 53, &a), CS_OK);
    assert_int_equal(cs_addr_port(&a), 5353);
    assert_int_equal(cs_addr_parse("2001:db8::53", 53, &a), CS_OK);
    assert_string_equal(cs_addr_format(&a, buf, sizeof(buf)), "[2001:db8::53]:53");
    assert_int_equal(cs_addr_parse("[2001:db8::53]:8053", 53, &a), CS_OK);
    assert_string_equal(cs_addr_format(&a, buf, sizeof(buf)), "[2001:db8::53]:8053");
    assert_string_equal(cs_addr_format_ip(&a, buf, sizeof(buf)), "2001:db8::53");
    const char *bad[] = {"",     "ns1.example", "192.0.2.53:0", "192.0.2.53:65536", "1.2.3",
                         "[::1", "[::1]x",      "192.0.2.53:",  "256.1.1.1",        "[::1]:abc"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(cs_addr_parse(bad[i], 53, &a), CS_EINVAL);
}

static void test_list_inline(void **state)
{
    struct cs_addr *v;
    size_t n;
    char err[256];
    assert_int_equal(
        cs_addr_list_parse("127.0.10.1, 127.0.10.2:5300,,[::1]", 53, &v, &n, err, sizeof(err)),
        CS_OK);
    assert_int_equal(n, 3);
    char buf[64];
    assert_string_equal(cs_addr_format(&v[1], buf, sizeof(buf)), "127.0.10.2:5300");
    free(v);
    assert_int_equal(cs_addr_list_parse("127.0.0.1,bogus", 53, &v, &n, err, sizeof(err)),
                     CS_EINVAL);
    assert_null(v);
    assert_string_equal(err, "'bogus' is not an IP address");
    assert_int_equal(cs_addr_list_parse(" , ", 53, &v, &n, err, sizeof(err)), CS_EINVAL);
}

static void test_list_file_and_resolv_conf(void **state)
{
    char path[] = "/tmp/caascan-test-addr-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# resolvers\n127.0.10.1\n\n  127.0.10.2:53  # second\n", f);
    fclose(f);
    char spec[64];
    snprintf(spec, sizeof(spec), "@%s", path);
    struct cs_addr *v;
    size_t n;
    char err[256];
    assert_int_equal(cs_addr_list_parse(spec, 53, &v, &n, err, sizeof(err)), CS_OK);
    assert_int_equal(n, 2);
    free(v);

    f = fopen(path, "w");
    fputs("search example.test\noptions ndots:2\nnameserver 127.0.0.53\nnameserver fe80::1%eth0\n"
          "nameserver\tbad-entry\n",
          f);
    fclose(f);
    assert_int_equal(cs_addr_list_resolv_conf(path, &v, &n, err, sizeof(err)), CS_EINVAL);
    char want[128];
    snprintf(want, sizeof(want), "%s:5: 'bad-entry' is not an IP address", path);
    assert_string_equal(err, want);

    f = fopen(path, "w");
    fputs("nameserver 127.0.0.53\nnameserver fe80::1%eth0\n", f);
    fclose(f);
    assert_int_equal(cs_addr_list_resolv_conf(path, &v, &n, err, sizeof(err)), CS_OK);
    assert_int_equal(n, 2);
    char buf[64];
    assert_string_equal(cs_addr_format(&v[0], buf, sizeof(buf)), "127.0.0.53:53");
    free(v);
    unlink(path);
    assert_int_equal(cs_addr_list_resolv_conf(path, &v, &n, err, sizeof(err)), CS_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_list_inline),
        cmocka_unit_test(test_list_file_and_resolv_conf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_case0x20.c -- 0x20 encoding of query names and the three-way echo check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/case0x20.h"

#include <string.h>

/* "\3www\7example\4test\0" */
static const uint8_t www_example_test[] = {3,   'w', 'w', 'w', 7,   'e', 'x', 'a', 'm',
                                           'p', 'l', 'e', 4,   't', 'e', 's', 't', 0};

static void test_name_len(void **state)
{
    assert_int_equal(cs_wire_name_len(www_example_test, sizeof(www_example_test)), 18);
    /* Cut short: no root label in reach. */
    assert_int_equal(cs_wire_name_len(www_example_test, 17), 0);
    /* A compression pointer is not allowed in a question we compare. */
    const uint8_t ptr[] = {3, 'w', 'w', 'w', 0xc0, 12};
    assert_int_equal(cs_wire_name_len(ptr, sizeof(ptr)), 0);
    const uint8_t root[] = {0};
    assert_int_equal(cs_wire_name_len(root, 1), 1);
    /* Longer than 255 octets. */
    uint8_t big[300];
    memset(big, 0, sizeof(big));
    for (int i = 0; i < 5; i++) {
        big[i * 60] = 59;
        memset(big + i * 60 + 1, 'a', 59);
    }
    big[300 - 1] = 0;
    assert_int_equal(cs_wire_name_len(big, sizeof(big)), 0);
}

static void test_apply_sets_exact_bits(void **state)
{
    uint8_t n[sizeof(www_example_test)];
    memcpy(n, www_example_test, sizeof(n));
    /* Letters: w w w e x a m p l e t e s t (14); bits 0b...: upper for bits 0, 3, 13. */
    uint8_t bits[2] = {0x09, 0x20};
    assert_int_equal(cs_0x20_apply(n, sizeof(n), bits, 16), 14);
    const uint8_t want[] = {3,   'W', 'w', 'w', 7,   'E', 'x', 'a', 'm',
                            'p', 'l', 'e', 4,   't', 'e', 's', 'T', 0};
    assert_memory_equal(n, want, sizeof(want));
    /* No bits: all lower case again; length octets untouched. */
    assert_int_equal(cs_0x20_apply(n, sizeof(n), NULL, 0), 14);
    assert_memory_equal(n, www_example_test, sizeof(n));
}

static void test_digits_and_hyphens_untouched(void **state)
{
    /* "\5a-1_b\0": only 'a' and 'b' are letters. */
    uint8_t n[] = {5, 'a', '-', '1', '_', 'b', 0};
    uint8_t bits[1] = {0xff};
    assert_int_equal(cs_0x20_apply(n, sizeof(n), bits, 8), 2);
    const uint8_t want[] = {5, 'A', '-', '1', '_', 'B', 0};
    assert_memory_equal(n, want, sizeof(want));
}

static void test_randomize_changes_case_only(void **state)
{
    int saw_upper = 0, saw_lower = 0;
    for (int round = 0; round < 64; round++) {
        uint8_t n[sizeof(www_example_test)];
        memcpy(n, www_example_test, sizeof(n));
        assert_int_equal(cs_0x20_randomize(n, sizeof(n)), 14);
        cs_echo e = cs_0x20_compare(www_example_test, sizeof(n), n, sizeof(n));
        assert_true(e == CS_ECHO_EXACT || e == CS_ECHO_CASE_ONLY);
        for (size_t i = 0; i < sizeof(n); i++) {
            saw_upper |= n[i] >= 'A' && n[i] <= 'Z';
            saw_lower |= n[i] >= 'a' && n[i] <= 'z';
        }
        /* Length octets are the same. */
        assert_int_equal(n[0], 3);
        assert_int_equal(n[4], 7);
        assert_int_equal(n[12], 4);
    }
    /* 64 rounds of 14 random bits: both cases appear unless the generator is broken. */
    assert_true(saw_upper && saw_lower);
}

/* A name with letters always leaves with at least one upper-case letter: a one-letter name,
 * 200 times (an unconditioned coin would have left it lower case about 100 times). */
static void test_randomize_never_all_lower(void **state)
{
    for (int i = 0; i < 200; i++) {
        uint8_t n[] = {1, 'a', 2, '4', '2', 0};
        assert_int_equal(cs_0x20_randomize(n, sizeof(n)), 1);
        assert_int_equal(n[1], 'A');
        assert_memory_equal(n + 2,
                            "\002"
                            "42",
                            4);
    }
    /* No letter at all: nothing to change. */
    uint8_t d[] = {2, '4', '2', 0};
    assert_int_equal(cs_0x20_randomize(d, sizeof(d)), 0);
    assert_memory_equal(d,
                        "\002"
                        "42",
                        4);
}

static void test_compare_three_ways(void **state)
{
    const uint8_t sent[] = {3, 'W', 'w', 'W', 4, 't', 'E', 's', 't', 0};
    const uint8_t exact[] = {3, 'W', 'w', 'W', 4, 't', 'E', 's', 't', 0};
    const uint8_t lower[] = {3, 'w', 'w', 'w', 4, 't', 'e', 's', 't', 0};
    const uint8_t other[] = {3, 'w', 'w', 'x', 4, 't', 'e', 's', 't', 0};
    const uint8_t shorter[] = {4, 't', 'e', 's', 't', 0};
    assert_int_equal(cs_0x20_compare(sent, sizeof(sent), exact, sizeof(exact)), CS_ECHO_EXACT);
    assert_int_equal(cs_0x20_compare(sent, sizeof(sent), lower, sizeof(lower)), CS_ECHO_CASE_ONLY);
    assert_int_equal(cs_0x20_compare(sent, sizeof(sent), other, sizeof(other)), CS_ECHO_DIFFERENT);
    assert_int_equal(cs_0x20_compare(sent, sizeof(sent), shorter, sizeof(shorter)),
                     CS_ECHO_DIFFERENT);
}

static void test_compare_length_octets_do_not_fold(void **state)
{
    /* A length octet of 65 ('A') must not equal one of 97 ('a') when folding letters. */
    uint8_t a[67], b[67];
    memset(a, 'x', sizeof(a));
    memset(b, 'x', sizeof(b));
    a[0] = 1;
    a[1] = 'x';
    a[2] = 63;
    a[66] = 0;
    b[0] = 1;
    b[1] = 'X';
    b[2] = 63;
    b[66] = 0;
    assert_int_equal(cs_0x20_compare(a, sizeof(a), b, sizeof(b)), CS_ECHO_CASE_ONLY);
    b[2] = 62;
    assert_int_equal(cs_0x20_compare(a, sizeof(a), b, sizeof(b)), CS_ECHO_DIFFERENT);
    /* Same bytes folded, but one label's length octet is 'A' (65) vs 'a' (97). */
    const uint8_t c[] = {1, 'A', 0};
    const uint8_t d[] = {1, 'a', 0};
    assert_int_equal(cs_0x20_compare(c, 3, d, 3), CS_ECHO_CASE_ONLY);
    const uint8_t e1[] = {65, 0};
    const uint8_t e2[] = {97, 0};
    assert_int_equal(cs_0x20_compare(e1, 2, e2, 2), CS_ECHO_DIFFERENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_len),
        cmocka_unit_test(test_apply_sets_exact_bits),
        cmocka_unit_test(test_digits_and_hyphens_untouched),
        cmocka_unit_test(test_randomize_changes_case_only),
        cmocka_unit_test(test_randomize_never_all_lower),
        cmocka_unit_test(test_compare_three_ways),
        cmocka_unit_test(test_compare_length_octets_do_not_fold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

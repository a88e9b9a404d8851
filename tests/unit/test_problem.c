/* test_problem.c -- status and problem-code names round-trip and format as SPEC.md spells them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/problem.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_order_and_names),
        cmocka_unit_test(test_problem_round_trip),
        cmocka_unit_test(test_problems_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

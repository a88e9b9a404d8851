/* test_fail_model.c -- the multi-perspective failure probability: quorum rule, exact
 * probabilities for chosen rates, per-perspective rates, certificates, thresholds, sampling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/fail_model.h"

#include <math.h>
#include <string.h>

#define EPS               1e-12
#define assert_near(a, b) assert_true(fabs((a) - (b)) < EPS)

static void test_allowed_failures(void **state)
{
    /* Boulder's maxAllowedFailures / BR 3.2.2.9: 2-5 remotes allow 1, 6 or more allow 2. */
    static const unsigned want[] = {0, 0, 1, 1, 1, 1, 2, 2, 2};
    for (unsigned r = 0; r < sizeof(want) / sizeof(want[0]); r++)
        assert_int_equal(cs_fm_allowed_failures(r), want[r]);
    assert_int_equal(cs_fm_allowed_failures(32), 2);
}

static void test_exact_probabilities(void **state)
{
    /* No failure, certain failure. */
    assert_near(cs_fm_fail_prob(0.0, 4, 1), 0.0);
    assert_near(cs_fm_fail_prob(1.0, 4, 1), 1.0);
    /* Primary only: the rate itself. */
    assert_near(cs_fm_fail_prob(0.1, 0, 0), 0.1);
    /* p = 0.1, 4 remotes, 1 allowed: 1 - 0.9 * (0.9^4 + 4 * 0.1 * 0.9^3) = 0.14707. */
    assert_near(cs_fm_fail_prob(0.1, 4, 1), 1.0 - 0.9 * (0.6561 + 0.2916));
    assert_near(cs_fm_fail_prob(0.1, 4, 1), 0.14707);
    /* p = 1/3, 5 remotes, 1 allowed: 1 - (2/3) * (32 + 80) / 243 = 505/729. */
    assert_near(cs_fm_fail_prob(1.0 / 3.0, 5, 1), 505.0 / 729.0);
    /* p = 0.1, 6 remotes, 2 allowed: 1 - 0.9 * (0.531441 + 0.354294 + 0.098415) = 0.114265. */
    assert_near(cs_fm_fail_prob(0.1, 6, 2), 0.114265);
    /* The same rate with nothing allowed: 1 - 0.9^7. */
    assert_near(cs_fm_fail_prob(0.1, 6, 0), 1.0 - pow(0.9, 7));
    /* One failing lookup in ten fails a 1+4 check about 15 % of the time, not 10 %. */
    assert_true(cs_fm_fail_prob(0.1, 4, 1) > 0.1);
    /* Out of range rates are clamped; too many remotes is refused. */
    assert_near(cs_fm_fail_prob(-0.5, 4, 1), 0.0);
    assert_near(cs_fm_fail_prob(7.0, 4, 1), 1.0);
    assert_near(cs_fm_fail_prob(NAN, 4, 1), 0.0);
    assert_true(cs_fm_fail_prob(0.1, CS_FM_REMOTES_MAX + 1, 1) < 0);
}

static void test_per_perspective_rates(void **state)
{
    /* One remote perspective's resolver always sees a forbidding set: allowed once. */
    const double one_bad[4] = {1.0, 0.0, 0.0, 0.0};
    assert_near(cs_fm_fail_prob_each(0.0, one_bad, 4, 1), 0.0);
    /* Two such remotes: more than allowed. */
    const double two_bad[4] = {1.0, 1.0, 0.0, 0.0};
    assert_near(cs_fm_fail_prob_each(0.0, two_bad, 4, 1), 1.0);
    /* The primary decides alone. */
    const double none[4] = {0, 0, 0, 0};
    assert_near(cs_fm_fail_prob_each(1.0, none, 4, 1), 1.0);
    assert_near(cs_fm_fail_prob_each(0.25, none, 4, 1), 0.25);
    /* Mixed: remotes 0.5, 0.5, 0, 0 with 1 allowed: both fail with 0.25. */
    const double mixed[4] = {0.5, 0.5, 0.0, 0.0};
    assert_near(cs_fm_fail_prob_each(0.0, mixed, 4, 1), 0.25);
    /* Equal rates agree with cs_fm_fail_prob. */
    const double eq[5] = {0.2, 0.2, 0.2, 0.2, 0.2};
    assert_near(cs_fm_fail_prob_each(0.2, eq, 5, 1), cs_fm_fail_prob(0.2, 5, 1));
    assert_true(cs_fm_fail_prob_each(0.0, NULL, 2, 1) < 0);
    assert_near(cs_fm_fail_prob_each(0.3, NULL, 0, 0), 0.3);
}

static void test_certificates(void **state)
{
    /* 99 names, three of them failing 30 % of attempts each: 1 - 0.7^3 = 65.7 % of renewals. */
    double q[99] = {0};
    q[10] = q[50] = q[98] = 0.3;
    assert_near(cs_fm_combine(q, 99), 1.0 - 0.343);
    assert_near(cs_fm_combine(q, 0), 0.0);
    double one[1] = {1.0};
    assert_near(cs_fm_combine(one, 1), 1.0);
}

static void test_thresholds(void **state)
{
    double pass = CS_FM_PASS_MAX_PCT_DEFAULT, fail = CS_FM_FAIL_MIN_PCT_DEFAULT;
    assert_int_equal(cs_fm_classify(0.0, pass, fail), CS_FM_PASS);
    assert_int_equal(cs_fm_classify(1.0, pass, fail), CS_FM_PASS);
    assert_int_equal(cs_fm_classify(1.01, pass, fail), CS_FM_FLAKY);
    assert_int_equal(cs_fm_classify(60.5, pass, fail), CS_FM_FLAKY);
    assert_int_equal(cs_fm_classify(98.99, pass, fail), CS_FM_FLAKY);
    assert_int_equal(cs_fm_classify(99.0, pass, fail), CS_FM_FAIL);
    assert_int_equal(cs_fm_classify(100.0, pass, fail), CS_FM_FAIL);
    /* One failed lookup of three (the default --attempts): FLAKY, as today. */
    assert_int_equal(cs_fm_classify(100.0 * cs_fm_fail_prob(1.0 / 3.0, 4, 1), pass, fail),
                     CS_FM_FLAKY);
}

static void test_sequential_sampling(void **state)
{
    assert_int_equal(cs_fm_more_lookups(0, 3, 12), 0);  /* clean: nothing extra */
    assert_int_equal(cs_fm_more_lookups(3, 3, 12), 0);  /* failed everywhere: decided */
    assert_int_equal(cs_fm_more_lookups(1, 3, 12), 9);  /* disagree: up to the cap */
    assert_int_equal(cs_fm_more_lookups(2, 12, 12), 0); /* at the cap */
    assert_int_equal(cs_fm_more_lookups(2, 15, 12), 0);
    assert_int_equal(cs_fm_more_lookups(0, 0, 12), 0);
}

static void test_describe(void **state)
{
    char buf[256];
    size_t n = cs_fm_describe(4, 12, 4, 1, buf, sizeof(buf));
    assert_string_equal(buf, "4 of 12 lookups failed; with a primary and 4 remote perspectives "
                             "allowing 1 failure, about 60 % of issuance attempts would fail");
    assert_int_equal(n, strlen(buf));
    cs_fm_describe(1, 3, 1, 0, buf, sizeof(buf));
    assert_string_equal(buf, "1 of 3 lookups failed; with a primary and 1 remote perspective "
                             "allowing 0 failures, about 56 % of issuance attempts would fail");
    char small[10];
    assert_int_equal(cs_fm_describe(4, 12, 4, 1, small, sizeof(small)), n);
    assert_string_equal(small, "4 of 12 l");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allowed_failures),
        cmocka_unit_test(test_exact_probabilities),
        cmocka_unit_test(test_per_perspective_rates),
        cmocka_unit_test(test_certificates),
        cmocka_unit_test(test_thresholds),
        cmocka_unit_test(test_sequential_sampling),
        cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

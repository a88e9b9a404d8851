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

/* The fail_pct cell: one decimal, no ".0" tail, "" without an estimate; read back exactly. */
static void test_pct_cell(void **state)
{
    static const struct {
        double pct;
        const char *cell;
    } cases[] = {
        {0.0, "0"},
        {0.04, "0"},
        {0.05, "0.1"},
        {0.4, "0.4"},
        {1.0, "1"},
        {14.707, "14.7"},
        {58.44, "58.4"},
        {60.0, "60"},
        {84.375, "84.4"},
        {98.96, "99"},
        {99.94, "99.9"},
        {99.96, "100"},
        {100.0, "100"},
        {150.0, "100"},
        {-1.0, ""},
        {NAN, "0"},
        {100.0 * 505.0 / 729.0, "69.3"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[16];
        size_t n = cs_fm_format_pct(cases[i].pct, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].cell);
        assert_int_equal(n, strlen(cases[i].cell));
        double back;
        if (!cases[i].cell[0]) {
            assert_false(cs_fm_parse_pct(buf, &back));
            assert_true(back < 0);
            continue;
        }
        assert_true(cs_fm_parse_pct(buf, &back));
        assert_true(back == cs_fm_round_pct(cases[i].pct));
    }
    /* Truncated to the buffer like snprintf. */
    char small[3];
    assert_int_equal(cs_fm_format_pct(58.4, small, sizeof(small)), 4);
    assert_string_equal(small, "58");
    /* The reader takes what the writer writes (and a ".0" tail), nothing else. */
    double v;
    assert_true(cs_fm_parse_pct("100.0", &v) && v == 100.0);
    assert_true(cs_fm_parse_pct("7.0", &v) && v == 7.0);
    static const char *const bad[] = {"",    " 1",   "1 ",    "-1",  "+1",  "1.",
                                      ".5",  "1.25", "100.1", "101", "007", "1e2",
                                      "abc", "0x10", "12345", "5%",  "1,5"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(cs_fm_parse_pct(bad[i], &v));
        assert_true(v < 0);
    }
    /* The status is judged on the cell: 1.04 rounds to 1 and passes, 98.96 to 99 and fails. */
    assert_int_equal(cs_fm_classify(cs_fm_round_pct(1.04), 1.0, 99.0), CS_FM_PASS);
    assert_int_equal(cs_fm_classify(cs_fm_round_pct(1.05), 1.0, 99.0), CS_FM_FLAKY);
    assert_int_equal(cs_fm_classify(cs_fm_round_pct(98.96), 1.0, 99.0), CS_FM_FAIL);
}

/* One lookup of a whole climb: a level counts only when every lower one had no CAA records. */
static void test_climb(void **state)
{
    /* The name fails 1 in 12, has no CAA otherwise; the parent fails 1 in 12 and holds the set
     * (authorizing): 1/12 + (11/12)(1/12) = 23/144. */
    const struct cs_fm_level two[3] = {{1.0 / 12, 0, 1}, {1.0 / 12, 0, 0}, {1, 0, 0}};
    assert_near(cs_fm_climb_fail_prob(two, 3), 23.0 / 144.0);
    /* Levels above the set are never reached: the TLD's failures do not count. */
    assert_near(cs_fm_climb_fail_prob(two, 2), 23.0 / 144.0);
    /* Servers that disagree: half the answers at the name have no CAA and send the lookup to the
     * parent, whose set forbids; the other half hold a set that authorizes: 1/2. */
    const struct cs_fm_level up[2] = {{0, 0, 0.5}, {0, 1, 0}};
    assert_near(cs_fm_climb_fail_prob(up, 2), 0.5);
    /* A forbidding set at one answer in three, and one failed lookup in four: 1/4 + (3/4)(1/3). */
    const struct cs_fm_level both[1] = {{0.25, 1.0 / 3, 0}};
    assert_near(cs_fm_climb_fail_prob(both, 1), 0.5);
    assert_near(cs_fm_climb_fail_prob(both, 0), 0.0);
    /* docs/caa.md's worked example: the name fails 2 of 12 lookups and has no CAA; the parent's
     * servers disagree, one of two returning a forbidding set: p = 1/6 + (5/6)(1/2) = 7/12, and
     * the check fails 1 - (5/12)(4125/20736) = 91.7 % of attempts. */
    const struct cs_fm_level example[3] = {{1.0 / 6, 0, 1}, {0, 0.5, 0}, {0, 0, 1}};
    assert_near(cs_fm_climb_fail_prob(example, 3), 7.0 / 12.0);
    assert_near(cs_fm_fail_prob(7.0 / 12.0, 4, 1), 1.0 - (5.0 / 12.0) * 4125.0 / 20736.0);
    assert_true(cs_fm_round_pct(100.0 * cs_fm_fail_prob(7.0 / 12.0, 4, 1)) == 91.7);
    assert_true(cs_fm_round_pct(100.0 * cs_fm_fail_prob(1.0 / 6.0, 4, 1)) == 27.7);
    const struct cs_fm_level clamp[1] = {{-1, 2, 0}};
    assert_near(cs_fm_climb_fail_prob(clamp, 1), 1.0);
}

/* CA perspectives on network views: the primary on the first, the remotes on the others. */
static void test_views(void **state)
{
    assert_int_equal(cs_fm_view_of(0, 3), 0);
    assert_int_equal(cs_fm_view_of(1, 3), 1);
    assert_int_equal(cs_fm_view_of(2, 3), 2);
    assert_int_equal(cs_fm_view_of(3, 3), 1);
    assert_int_equal(cs_fm_view_of(4, 1), 0);
    assert_int_equal(cs_fm_view_of(4, 0), 0);
    const double ab[2] = {1.0, 0.0}, ba[2] = {0.0, 1.0}, eq[3] = {0.2, 0.2, 0.2};
    assert_near(cs_fm_fail_prob_views(ab, 2, 4, 1), 1.0); /* the primary always fails */
    assert_near(cs_fm_fail_prob_views(ba, 2, 4, 1), 1.0); /* all 4 remotes do, 1 allowed */
    assert_near(cs_fm_fail_prob_views(ba, 2, 1, 1), 0.0); /* 1 remote, allowed to fail */
    assert_near(cs_fm_fail_prob_views(eq, 3, 4, 1), cs_fm_fail_prob(0.2, 4, 1));
    assert_near(cs_fm_fail_prob_views(eq, 1, 4, 1), cs_fm_fail_prob(0.2, 4, 1));
    assert_true(cs_fm_fail_prob_views(eq, 3, CS_FM_REMOTES_MAX + 1, 1) < 0);
    struct cs_fm_config c;
    cs_fm_config_default(&c);
    assert_int_equal(c.remotes, 4);
    assert_int_equal(c.allowed, 1);
    assert_true(c.pass_max_pct == 1.0 && c.fail_min_pct == 99.0);
}

/* The model's options: each read alone, then checked together. */
static void test_options(void **state)
{
    double v = -7;
    static const struct {
        const char *text;
        double want;
    } good[] = {{"0", 0},     {"1", 1},         {"99", 99},       {"100", 100},
                {"0.5", 0.5}, {"99.95", 99.95}, {"7.125", 7.125}, {"100.000", 100}};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_true(cs_fm_parse_pct_option(good[i].text, &v));
        assert_true(v == good[i].want);
    }
    static const char *const bad[] = {"",    "-1",  "+1", "1.", ".5", "100.001", "101",
                                      "1e1", "0x1", " 1", "1 ", "5%", "1.2345",  "1000"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        v = -7;
        assert_false(cs_fm_parse_pct_option(bad[i], &v));
        assert_true(v == -7); /* untouched */
    }
    struct cs_fm_config c;
    char why[160];
    cs_fm_config_default(&c);
    assert_true(cs_fm_config_check(&c, why, sizeof(why)));
    assert_string_equal(why, "");
    c.remotes = 6;
    c.allowed = cs_fm_allowed_failures(6);
    assert_true(cs_fm_config_check(&c, NULL, 0));
    c.allowed = 7;
    assert_false(cs_fm_config_check(&c, why, sizeof(why)));
    assert_string_equal(why, "--allowed-failures 7 is more than --remotes 6");
    c.allowed = 0;
    c.remotes = CS_FM_REMOTES_MAX + 1;
    assert_false(cs_fm_config_check(&c, why, sizeof(why)));
    assert_string_equal(why, "--remotes 33 is more than 32");
    cs_fm_config_default(&c);
    c.pass_max_pct = 99;
    assert_false(cs_fm_config_check(&c, why, sizeof(why)));
    assert_string_equal(why, "--pass-max-pct 99 is not below --fail-min-pct 99");
    c.pass_max_pct = 0;
    c.fail_min_pct = 100;
    assert_true(cs_fm_config_check(&c, why, sizeof(why)));
    c.fail_min_pct = 100.5;
    assert_false(cs_fm_config_check(&c, why, sizeof(why)));
    assert_string_equal(why, "--pass-max-pct and --fail-min-pct are percentages (0 to 100)");
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

/* A level's lookups judged by perspective: resolvers 0, 1 are perspective "eu", 2 is "us". */
static void test_level_by_perspective(void **state)
{
    static const char *const names[] = {"eu", "us"};
    static const unsigned of[] = {0, 0, 1};
    const struct cs_fm_perspectives ps = {2, names, of, 3};
    /* us (resolver 2) always fails, eu never: 12 lookups round robin. */
    bool failed[12];
    unsigned via[12];
    for (unsigned i = 0; i < 12; i++) {
        via[i] = i % 3;
        failed[i] = via[i] == 2;
    }
    char note[128];
    /* Pooled: p = 4/12 with 4 remotes allowing 1: 1 - (2/3) * 48/81. */
    assert_near(cs_fm_level_fail_prob(failed, via, 12, NULL, 4, 1, note, sizeof(note)),
                1.0 - 96.0 / 243.0);
    assert_string_equal(note, "");
    /* By perspective: the primary sees eu (0 %), the 4 remotes all see us (100 %): 4 failures
     * where 1 is allowed, the check always fails. */
    assert_near(cs_fm_level_fail_prob(failed, via, 12, &ps, 4, 1, note, sizeof(note)), 1.0);
    assert_string_equal(note, "eu 0 of 8, us 4 of 4");
    /* The other way round (us primary): fails too. */
    static const unsigned of2[] = {1, 1, 0};
    static const char *const names2[] = {"us", "eu"};
    const struct cs_fm_perspectives ps2 = {2, names2, of2, 3};
    assert_near(cs_fm_level_fail_prob(failed, via, 12, &ps2, 4, 1, note, sizeof(note)), 1.0);
    assert_string_equal(note, "us 4 of 4, eu 0 of 8");
    /* Three perspectives a, b, c; b always fails. 4 remotes go b, c, b, c: two certain
     * failures where 1 is allowed. */
    static const char *const n3[] = {"a", "b", "c"};
    static const unsigned of3[] = {0, 1, 2};
    const struct cs_fm_perspectives ps3 = {3, n3, of3, 3};
    bool f3[6] = {false, true, false, false, true, false};
    unsigned v3[6] = {0, 1, 2, 0, 1, 2};
    assert_near(cs_fm_level_fail_prob(f3, v3, 6, &ps3, 4, 1, note, sizeof(note)), 1.0);
    assert_string_equal(note, "a 0 of 2, b 2 of 2, c 0 of 2");
    /* 2 remotes (b, c) with 1 allowed: b's failure is tolerated. */
    assert_near(cs_fm_level_fail_prob(f3, v3, 6, &ps3, 2, 1, note, sizeof(note)), 0.0);
    /* A perspective without lookups gets the share of all: c is the primary here and got none
     * (2 of 6 failed overall); the one remote sees a (never fails): 1 - (1 - 1/3) = 1/3. */
    static const char *const n4[] = {"c", "a", "b"};
    static const unsigned of4[] = {1, 2, 0};
    const struct cs_fm_perspectives ps4 = {3, n4, of4, 3};
    unsigned v4[6] = {0, 1, 0, 0, 1, 0};
    bool f4[6] = {false, true, false, false, true, false};
    assert_near(cs_fm_level_fail_prob(f4, v4, 6, &ps4, 1, 0, note, sizeof(note)), 1.0 / 3.0);
    assert_string_equal(note, "c no lookup, a 0 of 4, b 2 of 2");
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
        cmocka_unit_test(test_pct_cell),
        cmocka_unit_test(test_climb),
        cmocka_unit_test(test_views),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_sequential_sampling),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_level_by_perspective),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

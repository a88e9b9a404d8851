/* test_health.c -- the health gate on a fake clock: dead resolvers fail it within the window, a
 * hiccup or one dead resolver of several does not, the end of a short run is judged as a whole,
 * and the description names each resolver and what it did. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/health.h"

#include <ldns/ldns.h>
#include <string.h>

#define SEC 1000000000ULL

static const struct cs_health_config cfg = {
    .min_answered_pct = 20, .window_s = 30, .min_lookups = 20};

static void test_dead_resolvers_fail_after_window(void **state)
{
    (void)state;
    struct cs_health *h = cs_health_new(&cfg, 2);
    assert_non_null(h);
    uint64_t t0 = 8 * SEC; /* the first lookups end with the first timeouts */
    assert_false(cs_health_failing(h, t0, false));
    /* 10 failed lookups a second: not judged before the window lies after the first one. */
    uint64_t t = t0;
    for (; t < t0 + 30 * SEC; t += SEC / 10) {
        cs_health_lookup(h, t, false, false);
        assert_false(cs_health_failing(h, t, false));
    }
    cs_health_lookup(h, t, false, false);
    assert_true(cs_health_failing(h, t, false));
    cs_health_free(h);
}

static void test_burst_then_silence(void **state)
{
    (void)state;
    /* A small run: every lookup times out at once, then nothing more ends (the names wait on
     * other checks). The gate fails a window after the burst, not at the end of the run. */
    struct cs_health *h = cs_health_new(&cfg, 1);
    for (int i = 0; i < 42; i++)
        cs_health_lookup(h, 8 * SEC, false, false);
    assert_false(cs_health_failing(h, 37 * SEC, false));
    assert_true(cs_health_failing(h, 38 * SEC, false));
    cs_health_free(h);
    /* Fewer lookups than min_lookups: left to the judgement at the end. */
    h = cs_health_new(&cfg, 1);
    for (int i = 0; i < 19; i++)
        cs_health_lookup(h, 8 * SEC, false, false);
    assert_false(cs_health_failing(h, 100 * SEC, false));
    assert_true(cs_health_failing(h, 100 * SEC, true));
    cs_health_free(h);
}

static void test_hiccup_does_not_fail(void **state)
{
    (void)state;
    struct cs_health *h = cs_health_new(&cfg, 1);
    uint64_t t = SEC;
    /* 60 s of good lookups, a 10 s outage, then good again. */
    for (; t < 61 * SEC; t += SEC / 10)
        cs_health_lookup(h, t, true, true);
    for (; t < 71 * SEC; t += SEC / 10) {
        cs_health_lookup(h, t, false, false);
        assert_false(cs_health_failing(h, t, false));
    }
    for (; t < 100 * SEC; t += SEC / 10) {
        cs_health_lookup(h, t, true, true);
        assert_false(cs_health_failing(h, t, false));
    }
    /* An outage as long as the window does stop it. */
    for (; t < 131 * SEC; t += SEC / 10)
        cs_health_lookup(h, t, false, false);
    assert_true(cs_health_failing(h, t, false));
    assert_false(cs_health_failing(h, t, true)); /* the run as a whole answered most */
    cs_health_free(h);
}

static void test_partial_answers(void **state)
{
    (void)state;
    struct cs_health *h = cs_health_new(&cfg, 2);
    /* One lookup in four answered (25 %): above 20 %, goes on. */
    uint64_t t = SEC;
    for (int i = 0; t < 60 * SEC; t += SEC / 10, i++)
        cs_health_lookup(h, t, i % 4 == 0, i % 4 == 0);
    assert_false(cs_health_failing(h, t, false));
    /* One in six (17 %): below. */
    for (int i = 0; t < 120 * SEC; t += SEC / 10, i++)
        cs_health_lookup(h, t, i % 6 == 0, i % 6 == 0);
    assert_true(cs_health_failing(h, t, false));
    cs_health_free(h);
}

static void test_few_lookups_judged_at_end(void **state)
{
    (void)state;
    struct cs_health *h = cs_health_new(&cfg, 1);
    for (int i = 0; i < 5; i++)
        cs_health_lookup(h, (uint64_t)(100 + i) * SEC, false, false);
    /* Too few in the window to judge while running, but the run as a whole answered nothing. */
    assert_false(cs_health_failing(h, 200 * SEC, false));
    assert_true(cs_health_failing(h, 200 * SEC, true));
    uint64_t l, a;
    cs_health_totals(h, &l, &a);
    assert_int_equal(l, 5);
    assert_int_equal(a, 0);
    cs_health_free(h);
    /* A small run all SERVFAIL but one (a deep name in a zone that fails DNSSEC): replies came,
     * too few lookups to judge the answers: it goes on. */
    h = cs_health_new(&cfg, 1);
    cs_health_lookup(h, 100 * SEC, true, true);
    for (int i = 0; i < 5; i++)
        cs_health_lookup(h, 100 * SEC, false, true);
    assert_false(cs_health_failing(h, 200 * SEC, true));
    cs_health_free(h);
    /* The same with enough lookups to judge: 1 of 21 answered is too few. */
    h = cs_health_new(&cfg, 1);
    cs_health_lookup(h, 100 * SEC, true, true);
    for (int i = 0; i < 20; i++)
        cs_health_lookup(h, 100 * SEC, false, true);
    assert_true(cs_health_failing(h, 200 * SEC, true));
    cs_health_free(h);
    /* No lookup at all (every name invalid): nothing to judge. */
    h = cs_health_new(&cfg, 1);
    assert_false(cs_health_failing(h, 200 * SEC, true));
    cs_health_free(h);
}

/* 1,886 answered lookups over the run's first 60 s, in time order. */
static void answer_for_a_minute(struct cs_health *h)
{
    for (int i = 0; i < 1886; i++)
        cs_health_lookup(h, SEC + (uint64_t)i * 60 * SEC / 1886, true, true);
}

/* What ends last in a healthy run is what is slow: the timeouts. A healthy run whose last lookups
 * fail, then stalls (names waiting on the authoritative checks) or has started every name, is not
 * stopped; resolvers that die in the middle of a run, with names still to start, are. */
static void test_slow_end_of_a_healthy_run(void **state)
{
    (void)state;
    /* 1,886 answered over 60 s, then 69 timeouts within 10 s, then nothing ends. */
    struct cs_health *h = cs_health_new(&cfg, 1);
    answer_for_a_minute(h);
    for (int i = 0; i < 69; i++)
        cs_health_lookup(h, (uint64_t)(61 + i % 10) * SEC, false, false);
    for (uint64_t t = 61; t < 400; t++)
        if (cs_health_failing(h, t * SEC, false))
            fail_msg("failing at %llu s", (unsigned long long)t);
    assert_false(cs_health_failing(h, 400 * SEC, true));
    cs_health_free(h);
    /* The same run with every name started: timeouts going on ending are its end, not a death. */
    h = cs_health_new(&cfg, 1);
    answer_for_a_minute(h);
    cs_health_set_tail(h, true);
    for (uint64_t t = 61; t < 120; t++) {
        cs_health_lookup(h, t * SEC, false, false);
        cs_health_lookup(h, t * SEC, false, false);
        assert_false(cs_health_failing(h, t * SEC, false));
    }
    cs_health_free(h);
    /* Resolvers that die in the middle, names still to start: stopped a window after. */
    h = cs_health_new(&cfg, 1);
    answer_for_a_minute(h);
    uint64_t t = 61;
    for (; t < 200 && !cs_health_failing(h, t * SEC, false); t++) {
        cs_health_lookup(h, t * SEC, false, false);
        cs_health_lookup(h, t * SEC, false, false);
    }
    assert_true(t <= 61 + 30);
    cs_health_free(h);
}

static void test_off(void **state)
{
    (void)state;
    struct cs_health_config off = {0};
    struct cs_health *h = cs_health_new(&off, 1);
    for (uint64_t t = SEC; t < 100 * SEC; t += SEC / 10)
        cs_health_lookup(h, t, false, false);
    assert_false(cs_health_failing(h, 100 * SEC, false));
    assert_false(cs_health_failing(h, 100 * SEC, true));
    cs_health_free(h);
}

static void test_describe(void **state)
{
    (void)state;
    struct cs_resolver_pool pool;
    struct cs_addr a[2];
    assert_int_equal(cs_addr_parse("192.0.2.1", 53, &a[0]), CS_OK);
    assert_int_equal(cs_addr_parse("[2001:db8::53]:5353", 53, &a[1]), CS_OK);
    assert_int_equal(cs_pool_init(&pool, a, 2, 1000), CS_OK);
    struct cs_health *h = cs_health_new(&cfg, 2);
    for (int i = 0; i < 4; i++)
        cs_health_try(h, 0, -1);
    for (int i = 0; i < 3; i++)
        cs_health_try(h, 1, LDNS_RCODE_REFUSED);
    cs_health_try(h, 1, LDNS_RCODE_SERVFAIL);
    cs_health_try(h, 1, LDNS_RCODE_NOERROR);
    cs_health_try(h, 7, -1); /* not a resolver of the pool: ignored */
    char buf[512];
    assert_string_equal(cs_health_describe(h, &pool, buf, sizeof(buf)),
                        "192.0.2.1:53 (4 queries: no reply 4), [2001:db8::53]:5353 (5 queries: "
                        "NOERROR 1, SERVFAIL 1, REFUSED 3)");
    /* A short buffer is cut, never overrun. */
    char small[20];
    cs_health_describe(h, &pool, small, sizeof(small));
    assert_int_equal(strlen(small), sizeof(small) - 1);
    cs_health_free(h);
    cs_pool_free(&pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dead_resolvers_fail_after_window),
        cmocka_unit_test(test_burst_then_silence),
        cmocka_unit_test(test_hiccup_does_not_fail),
        cmocka_unit_test(test_partial_answers),
        cmocka_unit_test(test_few_lookups_judged_at_end),
        cmocka_unit_test(test_slow_end_of_a_healthy_run),
        cmocka_unit_test(test_off),
        cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

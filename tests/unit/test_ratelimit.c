/* test_ratelimit.c -- the token bucket against a fake monotonic clock: exact counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/ratelimit.h"

#define MS  1000000ULL
#define SEC 1000000000ULL

/* Takes as many tokens as offered at each step of `step` ns for `dur` ns; returns the total. */
static unsigned drain(struct cs_ratelimit *rl, uint64_t start, uint64_t dur, uint64_t step)
{
    unsigned n = 0;
    for (uint64_t t = start; t < start + dur; t += step)
        while (cs_ratelimit_take(rl, t))
            n++;
    return n;
}

static void test_burst_then_rate(void **state)
{
    struct cs_ratelimit rl;
    cs_ratelimit_init(&rl, 1000 * 1000, 10, 0); /* 1000 q/s, burst 10 */
    /* At t=0 exactly the burst is available. */
    assert_int_equal(drain(&rl, 0, 1, 1), 10);
    assert_false(cs_ratelimit_take(&rl, 0));
    /* One token per millisecond afterwards. */
    assert_int_equal(cs_ratelimit_wait_ns(&rl, 0), 1 * MS);
    assert_false(cs_ratelimit_take(&rl, 1 * MS - 1));
    assert_true(cs_ratelimit_take(&rl, 1 * MS));
    /* Polled every 100 us for a second, the last poll 999.9 ms after the take: 999 more. */
    assert_int_equal(drain(&rl, 1 * MS + 1, SEC, 100000), 999);
}

static void test_window_bound_holds(void **state)
{
    /* In any window of T, tokens <= burst + rate * T. Check sliding windows over 5 s. */
    struct cs_ratelimit rl;
    cs_ratelimit_init(&rl, 250 * 1000, 3, 0); /* 250 q/s, burst 3 */
    static uint64_t times[4000];
    unsigned n = 0;
    for (uint64_t t = 0; t < 5 * SEC && n < 4000; t += 37000) /* odd polling step */
        while (n < 4000 && cs_ratelimit_take(&rl, t))
            times[n++] = t;
    assert_int_equal(n, 3 + 1249); /* burst + 250 * 4.999963 s rounded down */
    for (unsigned i = 0; i < n; i++) {
        unsigned in_window = 0;
        for (unsigned j = i; j < n && times[j] < times[i] + SEC; j++)
            in_window++;
        assert_true(in_window <= 3 + 250);
    }
}

static void test_stall_does_not_flood(void **state)
{
    struct cs_ratelimit rl;
    cs_ratelimit_init(&rl, 100 * 1000, 5, 0); /* 100 q/s, burst 5 */
    drain(&rl, 0, 1, 1);
    /* A one-hour stall gives back only the burst. */
    assert_int_equal(drain(&rl, 3600 * SEC, 1, 1), 5);
    /* A clock that goes backwards takes nothing extra. */
    assert_int_equal(drain(&rl, 3599 * SEC, 1, 1), 0);
}

static void test_fractional_and_unlimited(void **state)
{
    struct cs_ratelimit rl;
    uint64_t mq;
    assert_true(cs_ratelimit_parse("0.5", &mq));
    assert_int_equal(mq, 500);
    cs_ratelimit_init(&rl, mq, 1, 0);
    assert_true(cs_ratelimit_take(&rl, 0));
    assert_int_equal(cs_ratelimit_wait_ns(&rl, 0), 2 * SEC);
    assert_false(cs_ratelimit_take(&rl, 2 * SEC - 1));
    assert_true(cs_ratelimit_take(&rl, 2 * SEC));

    cs_ratelimit_init(&rl, 0, 1, 0);
    for (int i = 0; i < 100000; i++)
        assert_true(cs_ratelimit_take(&rl, 0));
    assert_int_equal(cs_ratelimit_wait_ns(&rl, 0), 0);
}

static void test_high_rate_no_overflow(void **state)
{
    struct cs_ratelimit rl;
    cs_ratelimit_init(&rl, 10000000ULL * 1000, 1000, 0); /* 10 M q/s */
    drain(&rl, 0, 1, 1);
    /* Polls at 1, 1001, ..., 999001 ns: 999.001 us at 10 per us. */
    assert_int_equal(drain(&rl, 1, 1 * MS, 1000), 9990);
    assert_int_equal(drain(&rl, 100 * SEC, 1, 1), 1000);
}

/* A token used late (the query left 30 ms after the take): the next one is due a full interval
 * after the send, not after the take; a send on time changes nothing; a very late one empties
 * the bucket without overflow. */
static void test_defer_to_the_send(void **state)
{
    (void)state;
    struct cs_ratelimit rl;
    cs_ratelimit_init(&rl, 5 * 1000, 1, 0); /* 5 q/s, burst 1 */
    assert_true(cs_ratelimit_take(&rl, 0));
    cs_ratelimit_defer(&rl, 0, 30 * MS);
    assert_false(cs_ratelimit_take(&rl, 200 * MS));
    assert_int_equal(cs_ratelimit_wait_ns(&rl, 200 * MS), 30 * MS);
    assert_false(cs_ratelimit_take(&rl, 230 * MS - 1));
    assert_true(cs_ratelimit_take(&rl, 230 * MS));
    cs_ratelimit_defer(&rl, 230 * MS, 230 * MS);
    assert_true(cs_ratelimit_take(&rl, 430 * MS));
    cs_ratelimit_defer(&rl, 430 * MS, 100 * SEC);
    assert_false(cs_ratelimit_take(&rl, 100 * SEC + 200 * MS - 1));
    assert_true(cs_ratelimit_take(&rl, 100 * SEC + 200 * MS));
    /* A high rate, a late send: no overflow, nothing left. */
    cs_ratelimit_init(&rl, 100000000ULL * 1000, 1000, 0);
    assert_true(cs_ratelimit_take(&rl, 0));
    cs_ratelimit_defer(&rl, 0, 1000 * SEC);
    assert_false(cs_ratelimit_take(&rl, 1000 * SEC));
    /* Unlimited: nothing to withdraw. */
    cs_ratelimit_init(&rl, 0, 1, 0);
    cs_ratelimit_defer(&rl, 0, SEC);
    assert_true(cs_ratelimit_take(&rl, 0));
}

static void test_parse_and_default_burst(void **state)
{
    uint64_t mq;
    assert_true(cs_ratelimit_parse("20", &mq));
    assert_int_equal(mq, 20000);
    assert_true(cs_ratelimit_parse("2500.75", &mq));
    assert_int_equal(mq, 2500750);
    assert_true(cs_ratelimit_parse("1.2345", &mq));
    assert_int_equal(mq, 1234);
    assert_true(cs_ratelimit_parse("0", &mq));
    assert_int_equal(mq, 0);
    assert_false(cs_ratelimit_parse("", &mq));
    assert_false(cs_ratelimit_parse("-1", &mq));
    assert_false(cs_ratelimit_parse("10x", &mq));
    assert_false(cs_ratelimit_parse(".5", &mq));
    assert_false(cs_ratelimit_parse("999999999999", &mq));
    assert_int_equal(cs_ratelimit_default_burst(20000), 1);
    assert_int_equal(cs_ratelimit_default_burst(20000 * 1000), 200);
    assert_int_equal(cs_ratelimit_default_burst(1000000000ULL * 1000), 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_rate),
        cmocka_unit_test(test_window_bound_holds),
        cmocka_unit_test(test_stall_does_not_flood),
        cmocka_unit_test(test_fractional_and_unlimited),
        cmocka_unit_test(test_high_rate_no_overflow),
        cmocka_unit_test(test_parse_and_default_burst),
        cmocka_unit_test(test_defer_to_the_send),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

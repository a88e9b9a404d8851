/* test_resolver_pool.c -- resolver selection, failure charging, rest and probe, RTT timeouts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/resolver_pool.h"

#define SEC 1000000000ULL

static void make_pool(struct cs_resolver_pool *p, size_t n)
{
    struct cs_addr a[4];
    const char *txt[] = {"127.0.10.1", "127.0.10.2", "127.0.10.3:5300", "[::1]:53"};
    for (size_t i = 0; i < n; i++)
        assert_int_equal(cs_addr_parse(txt[i], 53, &a[i]), CS_OK);
    assert_int_equal(cs_pool_init(p, a, n, 1000), CS_OK);
}

static void test_labels_and_empty(void **state)
{
    struct cs_resolver_pool p;
    make_pool(&p, 4);
    assert_string_equal(p.v[0].label, "127.0.10.1:53");
    assert_string_equal(p.v[2].label, "127.0.10.3:5300");
    assert_string_equal(p.v[3].label, "[::1]:53");
    cs_pool_free(&p);
    assert_int_equal(cs_pool_init(&p, NULL, 0, 1000), CS_EINVAL);
}

static void test_pick_avoids_tried_and_loaded(void **state)
{
    struct cs_resolver_pool p;
    make_pool(&p, 3);
    uint32_t tried[2] = {0, 1};
    for (int i = 0; i < 20; i++)
        assert_int_equal(cs_pool_pick(&p, 0, tried, 2), 2);
    /* Least loaded wins. */
    p.v[0].load = 5;
    p.v[1].load = 1;
    p.v[2].load = 3;
    for (int i = 0; i < 20; i++)
        assert_int_equal(cs_pool_pick(&p, 0, NULL, 0), 1);
    /* All tried: reuse the least loaded rather than fail. */
    uint32_t all[3] = {0, 1, 2};
    assert_int_equal(cs_pool_pick(&p, 0, all, 3), 1);
    /* Equal loads: every resolver gets picked sometimes. */
    p.v[0].load = p.v[1].load = p.v[2].load = 0;
    int seen[3] = {0, 0, 0};
    for (int i = 0; i < 300; i++)
        seen[cs_pool_pick(&p, 0, NULL, 0)]++;
    assert_true(seen[0] > 0 && seen[1] > 0 && seen[2] > 0);
    cs_pool_free(&p);
}

static void test_rest_and_probe(void **state)
{
    struct cs_resolver_pool p;
    make_pool(&p, 2);
    /* Two failures: still up; the third rests it for 1 s. */
    cs_pool_failure(&p, 0, 0);
    cs_pool_failure(&p, 0, 0);
    assert_int_equal(p.v[0].state, CS_RES_UP);
    cs_pool_failure(&p, 0, 10);
    assert_int_equal(p.v[0].state, CS_RES_RESTING);
    assert_int_equal(p.v[0].rest_until_ns, 10 + 1 * SEC);
    assert_int_equal(cs_pool_up_count(&p), 1);
    /* While it rests, everything goes to the other one, even if that one was tried. */
    uint32_t tried1[1] = {1};
    for (int i = 0; i < 10; i++)
        assert_int_equal(cs_pool_pick(&p, SEC / 2, tried1, 1), 1);
    /* Rest over: the next pick probes it, once. */
    assert_int_equal(cs_pool_pick(&p, 2 * SEC, tried1, 1), 0);
    assert_int_equal(p.v[0].state, CS_RES_PROBING);
    assert_int_equal(cs_pool_pick(&p, 2 * SEC, tried1, 1), 1);
    /* The probe fails: rest doubles to 2 s. */
    cs_pool_failure(&p, 0, 2 * SEC);
    assert_int_equal(p.v[0].state, CS_RES_RESTING);
    assert_int_equal(p.v[0].rest_until_ns, 4 * SEC);
    /* Next probe succeeds: back up, rest reset. */
    assert_int_equal(cs_pool_pick(&p, 5 * SEC, tried1, 1), 0);
    cs_pool_success(&p, 0, 5 * SEC, 2000);
    assert_int_equal(p.v[0].state, CS_RES_UP);
    assert_int_equal(p.v[0].consecutive_failures, 0);
    assert_int_equal(p.v[0].rest_ms, 1000);
    /* A success between failures resets the count. */
    cs_pool_failure(&p, 1, 6 * SEC);
    cs_pool_failure(&p, 1, 6 * SEC);
    cs_pool_success(&p, 1, 6 * SEC, 1000);
    cs_pool_failure(&p, 1, 6 * SEC);
    assert_int_equal(p.v[1].state, CS_RES_UP);
    cs_pool_free(&p);
}

static void test_all_resting_never_stalls(void **state)
{
    struct cs_resolver_pool p;
    make_pool(&p, 2);
    for (int i = 0; i < 3; i++) {
        cs_pool_failure(&p, 0, 100);
        cs_pool_failure(&p, 1, 50);
    }
    assert_int_equal(cs_pool_up_count(&p), 0);
    /* Resolver 1 rested first (t=50): it ends its rest first and is used. */
    assert_int_equal(cs_pool_pick(&p, 200, NULL, 0), 1);
    cs_pool_free(&p);
}

static void test_rest_capped(void **state)
{
    struct cs_resolver_pool p;
    make_pool(&p, 1);
    uint64_t t = 0;
    for (int i = 0; i < 3; i++)
        cs_pool_failure(&p, 0, t);
    for (int round = 0; round < 10; round++) {
        t = p.v[0].rest_until_ns;
        assert_int_equal(cs_pool_pick(&p, t, NULL, 0), 0);
        assert_int_equal(p.v[0].state, CS_RES_PROBING);
        cs_pool_failure(&p, 0, t);
    }
    assert_int_equal(p.v[0].rest_ms, 60000);
    cs_pool_free(&p);
}

static void test_rtt_timeouts(void **state)
{
    struct cs_rtt r;
    cs_rtt_init(&r, 1000);
    assert_int_equal(cs_rtt_timeout_ms(&r, 50, 4000), 1000);
    cs_rtt_sample(&r, 10000); /* 10 ms: srtt 10, var 5 -> rto 30 ms */
    assert_int_equal(r.srtt_us, 10000);
    assert_int_equal(r.rttvar_us, 5000);
    assert_int_equal(cs_rtt_timeout_ms(&r, 1, 4000), 30);
    assert_int_equal(cs_rtt_timeout_ms(&r, 50, 4000), 50);
    cs_rtt_sample(&r, 30000); /* var = (3*5 + 20)/4 = 8.75; srtt = (70+30)/8 = 12.5 */
    assert_int_equal(r.rttvar_us, 8750);
    assert_int_equal(r.srtt_us, 12500);
    assert_int_equal(cs_rtt_timeout_ms(&r, 1, 4000), 48);
    cs_rtt_lost(&r);
    assert_int_equal(cs_rtt_timeout_ms(&r, 1, 4000), 95);
    for (int i = 0; i < 20; i++)
        cs_rtt_lost(&r);
    assert_int_equal(cs_rtt_timeout_ms(&r, 1, 4000), 4000);
    assert_int_equal(r.rto_us, 120000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_labels_and_empty),
        cmocka_unit_test(test_pick_avoids_tried_and_loaded),
        cmocka_unit_test(test_rest_and_probe),
        cmocka_unit_test(test_all_resting_never_stalls),
        cmocka_unit_test(test_rest_capped),
        cmocka_unit_test(test_rtt_timeouts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

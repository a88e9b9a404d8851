/* test_progress.c -- the progress line (counts, rate, time left, the limit holding the scan
 * back, named by its option) and the final summary's sentence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/progress.h"

#include <string.h>

static struct cs_engine_config cfg(void)
{
    struct cs_engine_config c;
    cs_engine_config_default(&c);
    c.qps_mq = 500000;
    c.auth_qps_mq = 20000;
    c.resolver_qps_mq = 0;
    c.max_inflight = 2000;
    c.resolver_inflight = 128;
    c.auth_inflight = 32;
    return c;
}

static void test_duration_and_count(void **state)
{
    (void)state;
    char b[32];
    cs_progress_duration(0, b, sizeof(b));
    assert_string_equal(b, "0s");
    cs_progress_duration(59.4, b, sizeof(b));
    assert_string_equal(b, "59s");
    cs_progress_duration(200, b, sizeof(b));
    assert_string_equal(b, "3m20s");
    cs_progress_duration(3725, b, sizeof(b));
    assert_string_equal(b, "1h02m");
    cs_progress_duration(-5, b, sizeof(b));
    assert_string_equal(b, "0s");
    cs_progress_count(0, b, sizeof(b));
    assert_string_equal(b, "0");
    cs_progress_count(999, b, sizeof(b));
    assert_string_equal(b, "999");
    cs_progress_count(4210, b, sizeof(b));
    assert_string_equal(b, "4,210");
    cs_progress_count(1234567, b, sizeof(b));
    assert_string_equal(b, "1,234,567");
}

static void test_line(void **state)
{
    (void)state;
    struct cs_engine_config c = cfg();
    struct cs_progress_counts pc = {
        .elapsed_s = 200, .done = 1234, .total = 10000, .not_ok = 41, .queries = 8000};
    char line[512];
    cs_progress_format(&pc, NULL, &c, line, sizeof(line));
    /* 6.17 names/s: 8,766 left take 1,421 s. */
    assert_string_equal(line, "1,234 of 10,000 names (12 %), 3m20s, 6.2 names/s (40 q/s), about "
                              "23m41s left, 41 not OK");
    /* Resumed: 9,000 rows from an earlier session, 500 written by this one in 100 s. The rate
     * and the time left are this session's (5 names/s, 500 left: 100 s), not 95 names/s. */
    struct cs_progress_counts resumed = {
        .elapsed_s = 100, .done = 9500, .resumed = 9000, .total = 10000, .queries = 4000};
    cs_progress_format(&resumed, NULL, &c, line, sizeof(line));
    assert_string_equal(line, "9,500 of 10,000 names (95 %), 1m40s, 5.0 names/s (40 q/s), about "
                              "1m40s left, 0 not OK");
    /* Just resumed, nothing written yet by this session: no guess. */
    resumed.done = resumed.resumed;
    cs_progress_format(&resumed, NULL, &c, line, sizeof(line));
    assert_string_equal(line, "9,000 of 10,000 names (90 %), 1m40s, 0.0 names/s (40 q/s), time "
                              "left unknown, 0 not OK");
    /* Nothing done yet: no rate, no guess. */
    struct cs_progress_counts zero = {.elapsed_s = 3, .total = 50};
    cs_progress_format(&zero, NULL, &c, line, sizeof(line));
    assert_string_equal(
        line, "0 of 50 names (0 %), 3s, 0.0 names/s (0 q/s), time left unknown, 0 not OK");
    struct cs_progress_counts end = {.elapsed_s = 10, .done = 50, .total = 50, .not_ok = 2};
    cs_progress_format(&end, NULL, &c, line, sizeof(line));
    assert_string_equal(line, "50 of 50 names (100 %), 10s, 5.0 names/s (0 q/s), none left, "
                              "2 not OK");
}

static void test_limits(void **state)
{
    (void)state;
    struct cs_engine_config c = cfg();
    struct cs_engine_limits lim;
    memset(&lim, 0, sizeof(lim));
    lim.queued = 4300;
    lim.by_kind[CS_LIMIT_NONE] = (struct cs_engine_limit){.kind = CS_LIMIT_NONE, .waiting = 90};
    lim.by_kind[CS_LIMIT_DEST_QPS] = (struct cs_engine_limit){.kind = CS_LIMIT_DEST_QPS,
                                                              .waiting = 4210,
                                                              .places = 2,
                                                              .top_waiting = 4000,
                                                              .resolver = -1,
                                                              .where = "192.0.2.53:53"};
    lim.by_kind[CS_LIMIT_DEST_INFLIGHT] = (struct cs_engine_limit){.kind = CS_LIMIT_DEST_INFLIGHT,
                                                                   .waiting = 12,
                                                                   .places = 1,
                                                                   .top_waiting = 12,
                                                                   .resolver = 0,
                                                                   .where = "127.0.0.53:5353"};
    assert_int_equal(cs_progress_main_limit(&lim), CS_LIMIT_DEST_QPS);
    struct cs_progress_counts pc = {.elapsed_s = 10, .done = 10, .total = 20, .queries = 100};
    char line[512];
    cs_progress_format(&pc, &lim, &c, line, sizeof(line));
    assert_string_equal(line, "10 of 20 names (50 %), 10s, 1.0 names/s (10 q/s), about 10s left, "
                              "0 not OK; held back by --auth-qps 20 at 192.0.2.53:53 (an "
                              "authoritative server, and 1 more address): 4,210 queries waiting");
    char t[256];
    strcpy(lim.by_kind[CS_LIMIT_DEST_QPS].host, "ns1.example.net");
    cs_progress_limit_text(&lim.by_kind[CS_LIMIT_DEST_QPS], &c, t, sizeof(t));
    assert_string_equal(t, "held back by --auth-qps 20 at 192.0.2.53:53 (ns1.example.net, an "
                           "authoritative server, and 1 more address): 4,210 queries waiting");
    cs_progress_limit_text(&lim.by_kind[CS_LIMIT_DEST_INFLIGHT], &c, t, sizeof(t));
    assert_string_equal(t, "held back by --resolver-inflight 128 at 127.0.0.53:5353 (a "
                           "resolver): 12 queries waiting");
    struct cs_engine_limit g = {.kind = CS_LIMIT_QPS, .waiting = 700, .resolver = -1};
    cs_progress_limit_text(&g, &c, t, sizeof(t));
    assert_string_equal(t, "held back by --qps 500: 700 queries waiting");
    struct cs_engine_limit m = {.kind = CS_LIMIT_INFLIGHT, .waiting = 3, .resolver = -1};
    cs_progress_limit_text(&m, &c, t, sizeof(t));
    assert_string_equal(t, "held back by --max-inflight 2000: 3 queries waiting");
    /* Nothing waits on a limit: nothing said. */
    struct cs_engine_limits none;
    memset(&none, 0, sizeof(none));
    none.by_kind[CS_LIMIT_NONE].waiting = 5;
    assert_int_equal(cs_progress_main_limit(&none), CS_LIMIT_NONE);
    cs_progress_format(&pc, &none, &c, line, sizeof(line));
    assert_null(strstr(line, "held back"));
    /* A short buffer is cut, not overrun. */
    char small[16];
    assert_int_equal(cs_progress_format(&pc, &lim, &c, small, sizeof(small)), 15);
}

static void test_summary(void **state)
{
    (void)state;
    struct cs_engine_config c = cfg();
    struct cs_progress_limits p;
    memset(&p, 0, sizeof(p));
    char s[256];
    cs_progress_summary(&p, 100, &c, s, sizeof(s));
    assert_string_equal(s, "no limit held the scan back");
    struct cs_engine_limits lim;
    memset(&lim, 0, sizeof(lim));
    for (int t = 1; t <= 100; t++) {
        memset(&lim, 0, sizeof(lim));
        if (t <= 80) { /* the per-address rate for 80 s, growing to 800 waiting */
            struct cs_engine_limit *l = &lim.by_kind[CS_LIMIT_DEST_QPS];
            l->kind = CS_LIMIT_DEST_QPS;
            l->waiting = (uint64_t)t * 10;
            l->places = 1;
            l->resolver = -1;
            strcpy(l->where, t == 50 ? "192.0.2.9:53" : "192.0.2.53:53");
        } else { /* then the global rate */
            lim.by_kind[CS_LIMIT_QPS].kind = CS_LIMIT_QPS;
            lim.by_kind[CS_LIMIT_QPS].waiting = 5000;
            lim.by_kind[CS_LIMIT_QPS].resolver = -1;
        }
        cs_progress_note(&p, &lim, t);
    }
    cs_progress_summary(&p, 100, &c, s, sizeof(s));
    assert_string_equal(s, "held back by --auth-qps 20 for 80 % of the 1m40s run, most at "
                           "192.0.2.53:53 (up to 800 queries waiting)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duration_and_count),
        cmocka_unit_test(test_line),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_ca_lookup.c -- the CA-side lookup of one level against a small responder on loopback:
 * how a try is classified when the answer is truncated (TC over UDP, then over TCP as well).
 *
 * A CA refuses a CAA answer that is still truncated over TCP (Boulder treats it as a failed
 * lookup); caascan must count it as an error, never as an empty set that lets any CA issue.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/ca_lookup.h"
#include "caascan/case0x20.h"
#include "caascan/engine.h"
#include "caascan/resolver_pool.h"
#include "caascan/verdict.h"

#include "loopback_fixture.h"

#include <string.h>
#include <unistd.h>

/* What the responder does over TCP after setting TC on every UDP answer; FIRST_SERVFAIL: no TC,
 * SERVFAIL to the first UDP query, NOERROR to every other. */
enum tcp_mode { TCP_FULL, TCP_TC, FIRST_SERVFAIL };

struct responder {
    enum tcp_mode tcp_mode;
    int fd;
    struct event *ev;
    struct evconnlistener *tcp;
    struct lb_tcp tcp_answer;
    struct cs_addr addr;
    unsigned udp_queries, tcp_queries;
};

/* The query turned into a NOERROR reply without records (no OPT), TC when asked. */
static size_t reply(uint8_t *p, size_t n, bool tc)
{
    size_t qlen = cs_wire_name_len(p + 12, n - 12);
    size_t len = 12 + qlen + 4;
    p[2] |= 0x80 | 0x04 | (tc ? 0x02 : 0);
    p[3] &= 0xf0;
    p[6] = p[7] = p[8] = p[9] = p[10] = p[11] = 0;
    return len;
}

static void udp_cb(evutil_socket_t fd, short what, void *arg)
{
    struct responder *r = arg;
    for (;;) {
        uint8_t buf[1500];
        struct sockaddr_storage from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
        if (n < 0)
            return;
        if (n < 17)
            continue;
        r->udp_queries++;
        size_t len = reply(buf, (size_t)n, r->tcp_mode != FIRST_SERVFAIL);
        if (r->tcp_mode == FIRST_SERVFAIL && r->udp_queries == 1)
            buf[3] = (uint8_t)((buf[3] & 0xf0) | 2);
        sendto(fd, buf, len, 0, (const struct sockaddr *)&from, fl);
    }
}

static size_t tcp_answer(void *arg, uint8_t *buf, size_t mlen)
{
    struct responder *r = arg;
    r->tcp_queries++;
    return reply(buf, mlen, r->tcp_mode == TCP_TC);
}

static void responder_start(struct event_base *base, struct responder *r, enum tcp_mode mode)
{
    memset(r, 0, sizeof(*r));
    r->tcp_mode = mode;
    r->fd = lb_udp_socket(&r->addr);
    r->ev = event_new(base, r->fd, EV_READ | EV_PERSIST, udp_cb, r);
    event_add(r->ev, NULL);
    r->tcp_answer = (struct lb_tcp){tcp_answer, r};
    r->tcp = lb_tcp_listen(base, &r->tcp_answer, &r->addr);
}

static void responder_stop(struct responder *r)
{
    for (int i = 0; i < 20; i++) {
        event_base_loop(event_get_base(r->ev), EVLOOP_NONBLOCK);
        usleep(1000);
    }
    event_free(r->ev);
    close(r->fd);
    evconnlistener_free(r->tcp);
}

struct got {
    struct event_base *base;
    struct cs_ca_level *lv;
};

static void level_done(struct cs_ca_level *lv, void *arg)
{
    struct got *g = arg;
    g->lv = lv;
    event_base_loopbreak(g->base);
}

/* Looks up CAA at tc.test through one responder (3 tries); checks the level and its verdict. */
static void run_level_cap(enum tcp_mode mode, unsigned cap,
                          void (*check)(const struct cs_ca_level *lv, const struct responder *r))
{
    struct event_base *base = event_base_new();
    struct responder r;
    responder_start(base, &r, mode);
    struct cs_resolver_pool pool;
    assert_int_equal(cs_pool_init(&pool, &r.addr, 1, 200), CS_OK);
    struct cs_engine_config cfg;
    cs_engine_config_default(&cfg);
    cfg.timeout_ms = 1000;
    cfg.min_timeout_ms = 1000;
    struct cs_engine *e = cs_engine_new(base, &cfg, &pool);
    assert_non_null(e);
    struct cs_ca_lookup *cl = cs_ca_lookup_new(e, 1, 3);
    assert_non_null(cl);
    cs_ca_lookup_set_sampling(cl, cap);
    struct got g = {.base = base};
    assert_int_equal(cs_ca_lookup_level(cl, "tc.test", level_done, &g), CS_OK);
    event_base_dispatch(base);
    assert_non_null(g.lv);
    assert_true(g.lv->done);
    check(g.lv, &r);
    cs_ca_lookup_free(cl);
    cs_engine_free(e);
    responder_stop(&r);
    cs_pool_free(&pool);
    event_base_free(base);
}

static void run_level(enum tcp_mode mode,
                      void (*check)(const struct cs_ca_level *lv, const struct responder *r))
{
    run_level_cap(mode, 0, check);
}

/* Sequential sampling: one of the first three tries failed, so the level gets 12 in all; the
 * responder saw the 12 tries and the CD=1 check of the failed one. */
static void check_sampled(const struct cs_ca_level *lv, const struct responder *r)
{
    assert_true(lv->sampled);
    assert_int_equal(lv->ntries, 12);
    assert_int_equal(lv->n_error, 1);
    assert_int_equal(lv->n_empty, 11);
    assert_int_equal(r->udp_queries, 13);
    assert_int_equal(r->tcp_queries, 0);
}

/* Tries that agree get nothing more, even with sampling on. */
static void check_not_sampled(const struct cs_ca_level *lv, const struct responder *r)
{
    assert_false(lv->sampled);
    assert_int_equal(lv->ntries, 3);
    assert_int_equal(lv->n_empty, 3);
    assert_int_equal(r->tcp_queries, 3);
}

static void test_sampling(void **state)
{
    run_level_cap(FIRST_SERVFAIL, 12, check_sampled);
    run_level_cap(TCP_FULL, 12, check_not_sampled);
}

static void check_still_truncated(const struct cs_ca_level *lv, const struct responder *r)
{
    assert_int_equal(lv->ntries, 3);
    assert_int_equal(lv->n_error, 3);
    assert_int_equal(lv->n_empty, 0);
    assert_int_equal(lv->n_data, 0);
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(lv->tries[i].result, CS_TRY_ERROR);
        assert_true(lv->tries[i].truncated);
        assert_int_equal(lv->tries[i].rcode, 0);
    }
    /* Each try went on over TCP after the truncated UDP answer. */
    assert_int_equal(r->tcp_queries, 3);
    assert_true(r->udp_queries >= 3);

    /* The CA's check fails: SERVFAIL (a failed lookup), never an empty set that allows any CA. */
    struct cs_ca_level *levels[1] = {(struct cs_ca_level *)lv};
    struct cs_caa_policy le = {.ca_domain = "letsencrypt.org"};
    struct cs_verdict v;
    assert_int_equal(cs_verdict_compute("tc.test", false, levels, 1, &le, NULL, &v), CS_OK);
    assert_string_equal(cs_status_name(v.status), "SERVFAIL");
    assert_string_equal(v.issuable, "no");
    char pb[256];
    cs_problems_format(v.problems, pb, sizeof(pb));
    assert_string_equal(pb, "RESOLVER_SERVFAIL");
    assert_string_equal(v.resolver_rcode, "TRUNCATED;TRUNCATED;TRUNCATED");
    assert_string_equal(v.detail,
                        "3 of 3 lookups of CAA tc.test returned TRUNCATED via a resolver");
    cs_verdict_clear(&v);
}

static void check_full_over_tcp(const struct cs_ca_level *lv, const struct responder *r)
{
    assert_int_equal(lv->ntries, 3);
    assert_int_equal(lv->n_error, 0);
    assert_int_equal(lv->n_empty, 3);
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(lv->tries[i].result, CS_TRY_EMPTY);
        assert_false(lv->tries[i].truncated);
    }
    assert_int_equal(r->tcp_queries, 3);
}

static void test_truncated_over_tcp_is_a_failed_lookup(void **state)
{
    run_level(TCP_TC, check_still_truncated);
}

static void test_truncated_over_udp_only_is_an_answer(void **state)
{
    run_level(TCP_FULL, check_full_over_tcp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncated_over_tcp_is_a_failed_lookup),
        cmocka_unit_test(test_truncated_over_udp_only_is_an_answer),
        cmocka_unit_test(test_sampling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_engine.c -- the engine against small responders in the same event loop, on loopback.
 *
 * Each responder is a UDP socket (and optionally a TCP listener) on 127.0.0.1 with a behaviour:
 * echo the question exactly, echo it in lower case, stay silent, spoof before answering, set TC.
 * The tests assert the exact outcome of every query and the engine's counters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "caascan/case0x20.h"
#include "caascan/engine.h"

#include "loopback_fixture.h"

#include <string.h>
#include <unistd.h>

enum mode { ECHO, LOWER, SILENT, SPOOF_FIRST, TC_ALWAYS, SERVFAIL_RCODE };

struct responder {
    enum mode mode;
    int fd;
    int spoof_fd; /* a second socket: replies from the wrong port */
    struct event *ev;
    struct evconnlistener *tcp;
    struct lb_tcp tcp_answer;
    struct cs_addr addr;
    unsigned udp_queries, tcp_queries;
    uint16_t ports[256];    /* source ports of the UDP queries ... */
    unsigned per_port[256]; /* ... and how many came from each */
    unsigned nports;
    uint8_t id_seen[65536 / 8]; /* IDs of the UDP queries ... */
    unsigned id_repeats;        /* ... and how many came again */
};

static void count_port(struct responder *r, const struct sockaddr_storage *from)
{
    uint16_t port = ntohs(((const struct sockaddr_in *)from)->sin_port);
    for (unsigned i = 0; i < r->nports; i++)
        if (r->ports[i] == port) {
            r->per_port[i]++;
            return;
        }
    if (r->nports < 256) {
        r->ports[r->nports] = port;
        r->per_port[r->nports++] = 1;
    }
}

/* Turns a query into its reply in place: QR, AA, the rcode; no records. */
static void make_reply(uint8_t *p, size_t len, int rcode)
{
    p[2] |= 0x80 | 0x04;
    p[3] = (uint8_t)((p[3] & 0xf0) | rcode);
}

static size_t question_end(const uint8_t *p, size_t len)
{
    size_t n = cs_wire_name_len(p + 12, len - 12);
    return 12 + n + 4;
}

/* Answers one UDP query as the mode says. */
static void udp_one(struct responder *r, int fd, uint8_t *buf, size_t n,
                    const struct sockaddr_storage *from, socklen_t fl)
{
    r->udp_queries++;
    count_port(r, from);
    uint16_t id = (uint16_t)(buf[0] << 8 | buf[1]);
    r->id_repeats += (r->id_seen[id / 8] >> (id % 8)) & 1;
    r->id_seen[id / 8] |= (uint8_t)(1 << (id % 8));
    size_t len = question_end(buf, n); /* drop the OPT: answer without EDNS */
    buf[11] = 0;
    switch (r->mode) {
    case SILENT:
        return;
    case ECHO:
        make_reply(buf, len, 0);
        break;
    case SERVFAIL_RCODE:
        make_reply(buf, len, 2);
        break;
    case LOWER:
        make_reply(buf, len, 0);
        cs_0x20_apply(buf + 12, len - 16, NULL, 0);
        break;
    case TC_ALWAYS:
        make_reply(buf, len, 0);
        buf[2] |= 0x02;
        break;
    case SPOOF_FIRST: {
        make_reply(buf, len, 0);
        /* 1: the right reply from the wrong port. */
        sendto(r->spoof_fd, buf, len, 0, (const struct sockaddr *)from, fl);
        /* 2: from the right port with another ID. */
        uint8_t other[1500];
        memcpy(other, buf, len);
        other[0] ^= 0x55;
        sendto(fd, other, len, 0, (const struct sockaddr *)from, fl);
        /* 3: right port and ID, another name. */
        memcpy(other, buf, len);
        other[13] = other[13] == 'z' ? 'y' : 'z';
        sendto(fd, other, len, 0, (const struct sockaddr *)from, fl);
        break;
    }
    }
    sendto(fd, buf, len, 0, (const struct sockaddr *)from, fl);
}

/* Reads every query waiting (the engine sends in batches: one read per wake-up would let the
 * socket's buffer overflow). */
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
        if (n >= 12)
            udp_one(r, fd, buf, (size_t)n, &from, fl);
    }
}

/* A TCP query's reply: NOERROR, the question alone. */
static size_t tcp_answer(void *arg, uint8_t *buf, size_t mlen)
{
    struct responder *r = arg;
    r->tcp_queries++;
    size_t len = question_end(buf, mlen);
    buf[11] = 0;
    make_reply(buf, len, 0);
    return len;
}

static void responder_start(struct event_base *base, struct responder *r, enum mode mode,
                            bool with_tcp)
{
    memset(r, 0, sizeof(*r));
    r->mode = mode;
    r->fd = lb_udp_socket(&r->addr);
    r->spoof_fd = lb_udp_socket(NULL);
    r->ev = event_new(base, r->fd, EV_READ | EV_PERSIST, udp_cb, r);
    event_add(r->ev, NULL);
    if (with_tcp) {
        /* The TCP listener takes the same port number as the UDP socket. */
        r->tcp_answer = (struct lb_tcp){tcp_answer, r};
        r->tcp = lb_tcp_listen(base, &r->tcp_answer, &r->addr);
    }
}

static void responder_stop(struct responder *r)
{
    /* Let the responder's side of TCP connections see the close and free itself. */
    for (int i = 0; i < 20; i++) {
        event_base_loop(event_get_base(r->ev), EVLOOP_NONBLOCK);
        usleep(1000);
    }
    event_free(r->ev);
    close(r->fd);
    close(r->spoof_fd);
    if (r->tcp)
        evconnlistener_free(r->tcp);
}

struct result {
    struct event_base *base;
    struct cs_engine *e;
    unsigned calls;
    unsigned expect;
    cs_outcome outcome[8];
    bool case_echoed[8];
    bool tcp[8];
    bool truncated[8];
    unsigned rcode[8];
    unsigned nattempts[8];
    struct cs_attempt log[8][4];
};

static void on_answer(struct cs_answer *ans, void *arg)
{
    struct result *r = arg;
    unsigned i = r->calls++;
    if (i < 8) {
        r->outcome[i] = ans->outcome;
        r->case_echoed[i] = ans->case_echoed;
        r->tcp[i] = ans->tcp;
        r->truncated[i] = ans->truncated;
        r->rcode[i] = ans->rcode;
        r->nattempts[i] = ans->nattempts;
        for (unsigned k = 0; k < ans->nattempts && k < 4; k++)
            r->log[i][k] = ans->attempts[k];
    }
    if (r->calls == r->expect)
        event_base_loopbreak(r->base);
}

static void run_queries(struct result *res, const struct cs_query_spec *spec, unsigned n)
{
    res->expect = n;
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(cs_engine_submit(res->e, spec), CS_OK);
    event_base_dispatch(res->base);
    assert_int_equal(res->calls, n);
    assert_int_equal(cs_engine_pending(res->e), 0);
}

static struct cs_engine *engine_for(struct event_base *base, struct cs_resolver_pool *pool)
{
    struct cs_engine_config cfg;
    cs_engine_config_default(&cfg);
    cfg.timeout_ms = 200;
    cfg.min_timeout_ms = 200;
    cfg.attempts = 2;
    return cs_engine_new(base, &cfg, pool);
}

/* Two resolvers on loopback, the first behaving as bad, the second echoing; a pool of them. */
static void start_two_resolvers(struct event_base *base, struct responder r[2], enum mode bad,
                                struct cs_resolver_pool *pool)
{
    responder_start(base, &r[0], bad, false);
    responder_start(base, &r[1], ECHO, false);
    struct cs_addr addrs[2] = {r[0].addr, r[1].addr};
    assert_int_equal(cs_pool_init(pool, addrs, 2, 200), CS_OK);
}

static void stop_two_resolvers(struct responder r[2], struct cs_resolver_pool *pool)
{
    cs_pool_free(pool);
    responder_stop(&r[0]);
    responder_stop(&r[1]);
}

static void test_exact_echo_and_counters(void **state)
{
    struct event_base *base = event_base_new();
    struct responder r;
    responder_start(base, &r, ECHO, false);
    struct result res = {.base = base, .e = engine_for(base, NULL)};
    struct cs_query_spec spec = {.name = "Shop.Example.test",
                                 .qtype = LDNS_RR_TYPE_CAA,
                                 .server = &r.addr,
                                 .cb = on_answer,
                                 .arg = &res};
    run_queries(&res, &spec, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(res.outcome[i], CS_OUT_ANSWER);
        assert_true(res.case_echoed[i]);
        assert_int_equal(res.nattempts[i], 1);
        assert_false(res.tcp[i]);
    }
    struct cs_engine_stats st;
    cs_engine_get_stats(res.e, &st);
    assert_int_equal(st.sent_udp, 3);
    assert_int_equal(st.answers, 3);
    assert_int_equal(st.unsolicited + st.wrong_source + st.wrong_question, 0);
    cs_engine_free(res.e);
    responder_stop(&r);
    event_base_free(base);
}

static void test_spoofed_packets_ignored_and_counted(void **state)
{
    struct event_base *base = event_base_new();
    struct responder r;
    responder_start(base, &r, SPOOF_FIRST, false);
    struct result res = {.base = base, .e = engine_for(base, NULL)};
    struct cs_query_spec spec = {.name = "www.example.test",
                                 .qtype = LDNS_RR_TYPE_A,
                                 .server = &r.addr,
                                 .cb = on_answer,
                                 .arg = &res};
    run_queries(&res, &spec, 1);
    assert_int_equal(res.outcome[0], CS_OUT_ANSWER);
    assert_true(res.case_echoed[0]);
    struct cs_engine_stats st;
    cs_engine_get_stats(res.e, &st);
    assert_int_equal(st.wrong_source, 1);
    assert_int_equal(st.unsolicited, 1);
    assert_int_equal(st.wrong_question, 1);
    assert_int_equal(st.answers, 1);
    cs_engine_free(res.e);
    responder_stop(&r);
    event_base_free(base);
}

static void test_case_only_echo_from_fixed_server_is_final(void **state)
{
    struct event_base *base = event_base_new();
    struct responder r;
    responder_start(base, &r, LOWER, false);
    struct result res = {.base = base, .e = engine_for(base, NULL)};
    /* Upper-case letters guaranteed: the name is all letters, 20 of them. */
    struct cs_query_spec spec = {.name = "abcdefghij.klmnopqrst",
                                 .qtype = LDNS_RR_TYPE_CAA,
                                 .server = &r.addr,
                                 .cb = on_answer,
                                 .arg = &res};
    run_queries(&res, &spec, 4);
    unsigned mismatches = 0;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(res.nattempts[i], 1); /* not retried: it is the finding */
        if (res.outcome[i] == CS_OUT_CASE_MISMATCH) {
            assert_false(res.case_echoed[i]);
            mismatches++;
        } else {
            /* Only when all 20 random bits came out lower case (p = 2^-20). */
            assert_int_equal(res.outcome[i], CS_OUT_ANSWER);
        }
    }
    assert_true(mismatches >= 3);
    cs_engine_free(res.e);
    responder_stop(&r);
    event_base_free(base);
}

static void test_truncated_goes_to_tcp(void **state)
{
    struct event_base *base = event_base_new();
    struct responder r;
    responder_start(base, &r, TC_ALWAYS, true);
    struct result res = {.base = base, .e = engine_for(base, NULL)};
    struct cs_query_spec spec = {.name = "big.example.test",
                                 .qtype = LDNS_RR_TYPE_TXT,
                                 .server = &r.addr,
                                 .cb = on_answer,
                                 .arg = &res};
    run_queries(&res, &spec, 1);
    assert_int_equal(res.outcome[0], CS_OUT_ANSWER);
    assert_true(res.tcp[0]);
    assert_true(res.truncated[0]);
    assert_true(res.case_echoed[0]);
    assert_int_equal(res.nattempts[0], 1);
    assert_int_equal(r.udp_queries, 1);
    assert_int_equal(r.tcp_queries, 1);
    struct cs_engine_stats st;
    cs_engine_get_stats(res.e, &st);
    assert_int_equal(st.tcp_fallbacks, 1);
    cs_engine_free(res.e);
    responder_stop(&r);
    event_base_free(base);
}

/* The TCP retry after a truncated answer is a query the server gets: it waits for a token of the
 * address's bucket like any other. At 4 q/s (burst 1) two truncated queries are 4 queries, the
 * last one 750 ms after the first; sent at once, the retries made it 250 ms. */
static void test_truncated_retry_takes_a_token(void **state)
{
    struct event_base *base = event_base_new();
    struct responder r;
    responder_start(base, &r, TC_ALWAYS, true);
    struct cs_engine_config cfg;
    cs_engine_config_default(&cfg);
    cfg.timeout_ms = 2000;
    cfg.min_timeout_ms = 2000;
    cfg.attempts = 1;
    cfg.auth_qps_mq = 4000;
    struct result res = {.base = base, .e = cs_engine_new(base, &cfg, NULL)};
    struct cs_query_spec spec = {.name = "big.example.test",
                                 .qtype = LDNS_RR_TYPE_TXT,
                                 .server = &r.addr,
                                 .cb = on_answer,
                                 .arg = &res};
    uint64_t t0 = cs_now_ns();
    run_queries(&res, &spec, 2);
    uint64_t ms = (cs_now_ns() - t0) / 1000000u;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(res.outcome[i], CS_OUT_ANSWER);
        assert_true(res.tcp[i]);
        assert_true(res.truncated[i]);
    }
    assert_int_equal(r.udp_queries, 2);
    assert_int_equal(r.tcp_queries, 2);
    if (ms < 700 || ms > 1500)
        fail_msg("two truncated queries at 4 q/s took %llu ms, want 750", (unsigned long long)ms);
    cs_engine_free(res.e);
    responder_stop(&r);
    event_base_free(base);
}

static void test_truncated_without_tcp_listener_fails(void **state)
{
    struct event_base *base = event_base_new();
    struct responder r;
    responder_start(base, &r, TC_ALWAYS, false);
    struct result res = {.base = base, .e = engine_for(base, NULL)};
    struct cs_query_spec spec = {.name = "big.example.test",
                                 .qtype = LDNS_RR_TYPE_TXT,
                                 .server = &r.addr,
                                 .cb = on_answer,
                                 .arg = &res,
                                 .attempts = 2};
    run_queries(&res, &spec, 1);
    assert_int_equal(res.outcome[0], CS_OUT_TCP_FAILED);
    assert_int_equal(res.nattempts[0], 2);
    assert_true(res.log[0][0].truncated);
    assert_true(res.log[0][0].tcp);
    assert_int_equal(res.log[0][0].outcome, CS_OUT_TCP_FAILED);
    cs_engine_free(res.e);
    responder_stop(&r);
    event_base_free(base);
}

static void test_silent_server_times_out_with_attempts(void **state)
{
    struct event_base *base = event_base_new();
    struct responder r;
    responder_start(base, &r, SILENT, false);
    struct result res = {.base = base, .e = engine_for(base, NULL)};
    struct cs_query_spec spec = {.name = "x.example.test",
                                 .qtype = LDNS_RR_TYPE_CAA,
                                 .server = &r.addr,
                                 .cb = on_answer,
                                 .arg = &res,
                                 .attempts = 3};
    run_queries(&res, &spec, 1);
    assert_int_equal(res.outcome[0], CS_OUT_TIMEOUT);
    assert_int_equal(res.nattempts[0], 3);
    assert_int_equal(r.udp_queries, 3);
    cs_engine_free(res.e);
    responder_stop(&r);
    event_base_free(base);
}

static void test_retry_moves_to_another_resolver(void **state)
{
    struct event_base *base = event_base_new();
    struct responder r[2];
    struct cs_resolver_pool pool;
    start_two_resolvers(base, r, SILENT, &pool);
    struct result res = {.base = base, .e = engine_for(base, &pool)};
    struct cs_query_spec spec = {.name = "www.example.test",
                                 .qtype = LDNS_RR_TYPE_A,
                                 .flags = CS_QF_RD,
                                 .cb = on_answer,
                                 .arg = &res};
    run_queries(&res, &spec, 8);
    unsigned retried = 0;
    for (int i = 0; i < 8; i++) {
        /* Every query ends answered by the live resolver, on its first or second attempt. */
        assert_int_equal(res.outcome[i], CS_OUT_ANSWER);
        assert_true(res.nattempts[i] == 1 || res.nattempts[i] == 2);
        const struct cs_attempt *last = &res.log[i][res.nattempts[i] - 1];
        assert_true(cs_sockaddr_equal((struct sockaddr *)&last->server.ss,
                                      (struct sockaddr *)&r[1].addr.ss));
        if (res.nattempts[i] == 2) {
            retried++;
            assert_true(cs_sockaddr_equal((struct sockaddr *)&res.log[i][0].server.ss,
                                          (struct sockaddr *)&r[0].addr.ss));
        }
    }
    /* Queries are spread by load, so some started on the dead resolver and moved on. */
    assert_true(retried > 0);
    assert_int_equal(retried, r[0].udp_queries);
    /* The dead resolver was charged for its failures. */
    assert_int_equal(pool.v[0].answered, 0);
    assert_int_equal(pool.v[0].failures, r[0].udp_queries);
    assert_int_equal(pool.v[1].answered, r[1].udp_queries);
    assert_int_equal(pool.v[0].load + pool.v[1].load, 0);
    cs_engine_free(res.e);
    stop_two_resolvers(r, &pool);
    event_base_free(base);
}

static void test_resolver_case_mismatch_retried_elsewhere(void **state)
{
    struct event_base *base = event_base_new();
    struct responder r[2];
    struct cs_resolver_pool pool;
    start_two_resolvers(base, r, LOWER, &pool);
    struct result res = {.base = base, .e = engine_for(base, &pool)};
    struct cs_query_spec spec = {.name = "abcdefghij.klmnopqrst",
                                 .qtype = LDNS_RR_TYPE_A,
                                 .flags = CS_QF_RD,
                                 .cb = on_answer,
                                 .arg = &res};
    run_queries(&res, &spec, 8);
    unsigned retried = 0;
    for (int i = 0; i < 8; i++) {
        assert_int_equal(res.outcome[i], CS_OUT_ANSWER);
        assert_true(res.case_echoed[i]);
        if (res.nattempts[i] == 2) {
            retried++;
            assert_int_equal(res.log[i][0].outcome, CS_OUT_CASE_MISMATCH);
        }
    }
    /* Every query that started on the mangling resolver moved on (20 letters: p = 2^-20 that a
     * random case came out all lower and was echoed exactly). */
    assert_true(retried > 0);
    assert_int_equal(retried, r[0].udp_queries);
    /* A case-mangling resolver is not rested: it answered. */
    assert_int_equal(pool.v[0].failures, 0);
    cs_engine_free(res.e);
    stop_two_resolvers(r, &pool);
    event_base_free(base);
}

static void test_rcode_reported(void **state)
{
    struct event_base *base = event_base_new();
    struct responder r;
    responder_start(base, &r, SERVFAIL_RCODE, false);
    struct result res = {.base = base, .e = engine_for(base, NULL)};
    struct cs_query_spec spec = {.name = "sf.example.test",
                                 .qtype = LDNS_RR_TYPE_CAA,
                                 .server = &r.addr,
                                 .cb = on_answer,
                                 .arg = &res};
    run_queries(&res, &spec, 1);
    assert_int_equal(res.outcome[0], CS_OUT_ANSWER);
    assert_int_equal(res.rcode[0], LDNS_RCODE_SERVFAIL);
    assert_int_equal(res.nattempts[0], 1);
    cs_engine_free(res.e);
    responder_stop(&r);
    event_base_free(base);
}

static void test_cancel_ends_everything_at_once(void **state)
{
    struct event_base *base = event_base_new();
    struct responder r;
    responder_start(base, &r, SILENT, false);
    struct cs_engine_config cfg;
    cs_engine_config_default(&cfg);
    cfg.timeout_ms = cfg.min_timeout_ms = 60000;
    cfg.auth_inflight = 2; /* two in flight, the rest queued */
    struct result res = {.base = base, .e = cs_engine_new(base, &cfg, NULL)};
    struct cs_query_spec spec = {.name = "x.example.test",
                                 .qtype = LDNS_RR_TYPE_CAA,
                                 .server = &r.addr,
                                 .cb = on_answer,
                                 .arg = &res};
    for (int i = 0; i < 5; i++)
        assert_int_equal(cs_engine_submit(res.e, &spec), CS_OK);
    event_base_loop(base, EVLOOP_NONBLOCK);
    assert_int_equal(cs_engine_pending(res.e), 5);
    cs_engine_cancel(res.e);
    assert_int_equal(res.calls, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(res.outcome[i], CS_OUT_CANCELLED);
    assert_int_equal(cs_engine_pending(res.e), 0);
    assert_int_equal(cs_engine_submit(res.e, &spec), CS_EINVAL);
    assert_int_equal(r.udp_queries <= 2, true);
    cs_engine_free(res.e);
    responder_stop(&r);
    event_base_free(base);
}

static void test_invalid_name_rejected_synchronously(void **state)
{
    struct event_base *base = event_base_new();
    struct responder r;
    responder_start(base, &r, ECHO, false);
    struct result res = {.base = base, .e = engine_for(base, NULL)};
    struct cs_query_spec spec = {
        .name = "a..b", .qtype = 1, .server = &r.addr, .cb = on_answer, .arg = &res};
    assert_int_equal(cs_engine_submit(res.e, &spec), CS_EINVAL);
    assert_int_equal(cs_engine_pending(res.e), 0);
    spec.server = NULL; /* no server and no pool */
    spec.name = "ok.test";
    assert_int_equal(cs_engine_submit(res.e, &spec), CS_EINVAL);
    cs_engine_free(res.e);
    responder_stop(&r);
    event_base_free(base);
}

struct batch_count {
    struct event_base *base;
    unsigned calls, answers, parsed, expect;
};

static void on_batch_answer(struct cs_answer *ans, void *arg)
{
    struct batch_count *c = arg;
    c->calls++;
    c->answers += ans->outcome == CS_OUT_ANSWER;
    c->parsed += ans->pkt != NULL;
    if (c->calls == c->expect)
        event_base_loopbreak(c->base);
}

/* An engine without a pool whose fixed servers get `inflight` queries at once from `sockets`
 * sockets, each replaced after `uses` queries. */
static struct cs_engine *engine_on_sockets(struct event_base *base, unsigned sockets, unsigned uses,
                                           unsigned inflight)
{
    struct cs_engine_config cfg;
    cs_engine_config_default(&cfg);
    cfg.udp_sockets = sockets;
    cfg.socket_uses = uses;
    cfg.max_inflight = inflight;
    cfg.auth_inflight = inflight;
    return cs_engine_new(base, &cfg, NULL);
}

/* Queries leave in batches from one socket each, yet no socket sends more than socket_uses
 * queries, and every reply is still matched and parsed. */
static void test_batches_keep_socket_uses(void **state)
{
    struct event_base *base = event_base_new();
    struct responder r;
    responder_start(base, &r, ECHO, false);
    struct cs_engine *e = engine_on_sockets(base, 2, 5, 40);
    struct batch_count c = {.base = base, .expect = 100};
    struct cs_query_spec spec = {.name = "shop.example.test",
                                 .qtype = LDNS_RR_TYPE_CAA,
                                 .server = &r.addr,
                                 .cb = on_batch_answer,
                                 .arg = &c};
    for (int i = 0; i < 100; i++)
        assert_int_equal(cs_engine_submit(e, &spec), CS_OK);
    event_base_dispatch(base);
    assert_int_equal(c.calls, 100);
    assert_int_equal(c.answers, 100);
    assert_int_equal(c.parsed, 100);
    assert_int_equal(r.udp_queries, 100);
    unsigned total = 0;
    for (unsigned i = 0; i < r.nports; i++) {
        assert_true(r.per_port[i] <= 5);
        total += r.per_port[i];
    }
    assert_int_equal(total, 100);
    assert_true(r.nports >= 20);
    struct cs_engine_stats st;
    cs_engine_get_stats(e, &st);
    assert_int_equal(st.sent_udp, 100);
    assert_true(st.sockets_opened >= 20);
    cs_engine_free(e);
    responder_stop(&r);
    event_base_free(base);
}

/* Submits the queries of a test a few hundred per pass of the loop, as `scan` feeds names, so
 * that the responder reads them between batches. */
struct feeder {
    struct cs_engine *e;
    const struct cs_query_spec *spec;
    unsigned left, per_pass;
    struct event *ev;
};

static void feed_cb(evutil_socket_t fd, short what, void *arg)
{
    struct feeder *f = arg;
    for (unsigned i = 0; i < f->per_pass && f->left > 0; i++, f->left--)
        assert_int_equal(cs_engine_submit(f->e, f->spec), CS_OK);
    static const struct timeval zero = {0, 0};
    if (f->left > 0)
        evtimer_add(f->ev, &zero);
}

/* On one socket, the queries in flight never share an ID: 3,000 at once to a silent server from
 * one port would share about 68 by chance. */
static void test_ids_unique_per_socket(void **state)
{
    struct event_base *base = event_base_new();
    struct responder r;
    responder_start(base, &r, SILENT, false);
    struct cs_engine *e = engine_on_sockets(base, 1, 3000, 3000);
    struct batch_count c = {.base = base, .expect = 3000};
    struct cs_query_spec spec = {.name = "shop.example.test",
                                 .qtype = LDNS_RR_TYPE_CAA,
                                 .server = &r.addr,
                                 .attempts = 1,
                                 .timeout_ms = 1000,
                                 .min_timeout_ms = 1000,
                                 .cb = on_batch_answer,
                                 .arg = &c};
    struct feeder f = {.e = e, .spec = &spec, .left = 3000, .per_pass = 100};
    f.ev = evtimer_new(base, feed_cb, &f);
    feed_cb(-1, 0, &f);
    event_base_dispatch(base);
    assert_int_equal(c.calls, 3000);
    assert_int_equal(r.udp_queries, 3000);
    assert_int_equal(r.nports, 1);
    assert_int_equal(r.id_repeats, 0);
    event_free(f.ev);
    cs_engine_free(e);
    responder_stop(&r);
    event_base_free(base);
}

struct outcome_count {
    struct event_base *base;
    unsigned calls, answers, neterrs, expect;
    unsigned neterr_attempts; /* attempts of the queries that ended with a network error */
};

static void on_outcome(struct cs_answer *ans, void *arg)
{
    struct outcome_count *c = arg;
    c->calls++;
    c->answers += ans->outcome == CS_OUT_ANSWER;
    if (ans->outcome == CS_OUT_NETERR) {
        c->neterrs++;
        c->neterr_attempts += ans->nattempts;
    }
    if (c->calls == c->expect)
        event_base_loopbreak(c->base);
}

/* A query the kernel refuses to send (a broadcast address without SO_BROADCAST) in the middle of
 * a batch ends its attempt with a network error, and the queries after it in the batch still
 * leave. */
static void test_send_error_inside_a_batch(void **state)
{
    struct event_base *base = event_base_new();
    struct responder r;
    responder_start(base, &r, ECHO, false);
    struct cs_addr bcast;
    assert_int_equal(cs_addr_parse("255.255.255.255", 53, &bcast), CS_OK);
    struct cs_engine *e = engine_on_sockets(base, 1, 256, 64);
    struct outcome_count c = {.base = base, .expect = 20};
    struct cs_query_spec spec = {.name = "shop.example.test",
                                 .qtype = LDNS_RR_TYPE_CAA,
                                 .attempts = 2,
                                 .cb = on_outcome,
                                 .arg = &c};
    for (int i = 0; i < 20; i++) {
        spec.server = i % 2 ? &bcast : &r.addr;
        assert_int_equal(cs_engine_submit(e, &spec), CS_OK);
    }
    event_base_dispatch(base);
    assert_int_equal(c.calls, 20);
    assert_int_equal(c.answers, 10);
    assert_int_equal(c.neterrs, 10);
    assert_int_equal(c.neterr_attempts, 20); /* each tried twice */
    assert_int_equal(r.udp_queries, 10);
    struct cs_engine_stats st;
    cs_engine_get_stats(e, &st);
    assert_int_equal(st.neterrs, 20);
    cs_engine_free(e);
    responder_stop(&r);
    event_base_free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_echo_and_counters),
        cmocka_unit_test(test_spoofed_packets_ignored_and_counted),
        cmocka_unit_test(test_case_only_echo_from_fixed_server_is_final),
        cmocka_unit_test(test_truncated_goes_to_tcp),
        cmocka_unit_test(test_truncated_retry_takes_a_token),
        cmocka_unit_test(test_truncated_without_tcp_listener_fails),
        cmocka_unit_test(test_silent_server_times_out_with_attempts),
        cmocka_unit_test(test_retry_moves_to_another_resolver),
        cmocka_unit_test(test_resolver_case_mismatch_retried_elsewhere),
        cmocka_unit_test(test_rcode_reported),
        cmocka_unit_test(test_cancel_ends_everything_at_once),
        cmocka_unit_test(test_invalid_name_rejected_synchronously),
        cmocka_unit_test(test_batches_keep_socket_uses),
        cmocka_unit_test(test_ids_unique_per_socket),
        cmocka_unit_test(test_send_error_inside_a_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

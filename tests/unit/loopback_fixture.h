/*
 * loopback_fixture.h -- a DNS server on 127.0.0.1 for the unit tests of the engine and of the
 * CA-side lookups: a UDP socket on a free port and a DNS-over-TCP listener (RFC 1035 4.2.2: each
 * message after its two-byte length) on the same port number. The test turns each TCP query into
 * its reply in place. Include after cmocka.h.
 */
#ifndef CAASCAN_TEST_LOOPBACK_FIXTURE_H
#define CAASCAN_TEST_LOOPBACK_FIXTURE_H

#include "caascan/addr.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

/* Rewrites the query msg (len bytes, room for 1500) into its reply; returns the reply's length. */
typedef size_t (*lb_tcp_answer_fn)(void *arg, uint8_t *msg, size_t len);

struct lb_tcp {
    lb_tcp_answer_fn answer;
    void *arg;
};

static void lb_tcp_read(struct bufferevent *bev, void *arg)
{
    struct lb_tcp *t = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    for (;;) {
        uint8_t lb[2];
        if (evbuffer_get_length(in) < 2)
            return;
        evbuffer_copyout(in, lb, 2);
        size_t mlen = (size_t)lb[0] << 8 | lb[1];
        if (evbuffer_get_length(in) < 2 + mlen)
            return;
        uint8_t buf[1500];
        evbuffer_drain(in, 2);
        if (mlen > sizeof(buf)) {
            evbuffer_drain(in, mlen);
            continue;
        }
        evbuffer_remove(in, buf, mlen);
        size_t len = t->answer(t->arg, buf, mlen);
        uint8_t out[2] = {(uint8_t)(len >> 8), (uint8_t)len};
        bufferevent_write(bev, out, 2);
        bufferevent_write(bev, buf, len);
    }
}

static void lb_tcp_event(struct bufferevent *bev, short what, void *arg)
{
    (void)arg;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
        bufferevent_free(bev);
}

static void lb_tcp_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                          int len, void *arg)
{
    (void)sa;
    (void)len;
    struct bufferevent *bev =
        bufferevent_socket_new(evconnlistener_get_base(l), fd, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(bev, lb_tcp_read, NULL, lb_tcp_event, arg);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
}

/* A non-blocking UDP socket bound to a free port of 127.0.0.1; its address in out (or NULL). */
static inline int lb_udp_socket(struct cs_addr *out)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    if (out) {
        out->len = sizeof(struct sockaddr_in);
        assert_int_equal(getsockname(fd, (struct sockaddr *)&out->ss, &out->len), 0);
    }
    return fd;
}

/* A TCP listener at addr (the UDP socket's address) answering with t; free it with
 * evconnlistener_free. */
static inline struct evconnlistener *lb_tcp_listen(struct event_base *base, struct lb_tcp *t,
                                                   const struct cs_addr *addr)
{
    struct evconnlistener *l =
        evconnlistener_new_bind(base, lb_tcp_accept, t, LEV_OPT_CLOSE_ON_FREE, 16,
                                (const struct sockaddr *)&addr->ss, (int)addr->len);
    assert_non_null(l);
    return l;
}

#endif

/*
 * engine.c -- the asynchronous query engine (engine.h).
 *
 * Design
 * ------
 * Destinations. Every address the engine talks to is a `struct dest`: the resolvers of the pool
 * (made at start) and each authoritative address (made on first use, kept for the run). A dest
 * has its own token bucket and FIFO of queries waiting to be sent. Dests with waiting queries and
 * a token to spend sit on the ready ring; the dispatcher walks the ring round-robin and sends one
 * query per visit while the global bucket and the in-flight cap allow. A dest out of tokens leaves
 * the ring and sets a libevent timer for the moment its next token is due; the global bucket
 * does the same with the dispatcher's own timer. Rates hold whatever the input looks like,
 * because no query is sent anywhere but from the dispatcher.
 *
 * Sockets. UDP queries go out from a pool of unconnected sockets per address family, each bound
 * to a random port. The queries of one dispatch round leave together, up to SEND_BATCH in one
 * sendmmsg() from a socket picked at random for the batch. A socket is retired after
 * `socket_uses` queries and closed when its last reply is in, so the source ports keep changing
 * without a socket() + close() per query.
 *
 * Batches. Replies are read with recvmmsg(); while a socket is read, the dispatcher only notes
 * that it is wanted, and runs in the next pass of the loop (the kick), once every ready socket
 * has been read: on a virtual machine a system call, and waking the server for one packet, cost
 * more than the query.
 *
 * Matching. In-flight UDP queries are in a hash table keyed by (socket, ID), and no two of them
 * share a key (the ID is drawn again when it would). A packet is matched against the query of
 * its key: the source address and port must be the query's server, and
 * the question must be the one sent (query.c). Everything else is counted (unsolicited, wrong
 * source, wrong question) and dropped, never matched by ID alone.
 *
 * Life of a query: QUEUED (in a dest FIFO) -> UDP (in the table, timer running) -> optionally TCP
 * (after TC, or TCP-only) -> finished (callback, freed), or back to QUEUED for the next attempt.
 * After a truncated answer the query goes back to the head of its dest's FIFO and its TCP half
 * leaves from the dispatcher like any query: it takes a token of the dest's bucket and of the
 * global one and a place under the in-flight caps (a server's budget counts TCP queries too).
 */
#include "caascan/engine.h"
#include "caascan/case0x20.h"
#include "caascan/hash.h"
#include "caascan/random.h"
#include "caascan/ratelimit.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event_struct.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum q_state { Q_QUEUED, Q_UDP, Q_TCP };

/* Query blocks for names up to this long and this many attempts are kept for reuse instead of
 * freed. */
#define Q_NAME_POOLED     256
#define Q_ATTEMPTS_POOLED 4

/* UDP queries leave in batches of at most this many, one sendmmsg() per socket. */
#define SEND_BATCH 64

struct dest;
struct udp_sock;

struct cs_q {
    struct cs_engine *e;
    struct cs_q *live_next, *live_prev; /* every query of the engine, for cs_engine_cancel */
    enum q_state state;
    struct cs_q *fifo_next; /* in dest->fifo while QUEUED */
    struct cs_q *hnext;     /* in the match table while UDP */
    struct dest *dest;      /* of the current attempt */
    int resolver;           /* pool index of the current attempt, -1 for a fixed server */
    struct udp_sock *sock;
    struct bufferevent *tcp;
    struct event timer;
    uint64_t sent_ns;
    uint64_t token_ns; /* when it took its destination's token */
    unsigned flags;
    unsigned attempts_max;
    unsigned nattempts;
    uint32_t timeout_ms, min_timeout_ms;
    bool truncated;
    bool tcp_next; /* queued for the TCP half of an attempt whose UDP answer was truncated */
    bool pooled;   /* its block has the pooled size (see q_alloc): reused */
    /* Everything above is zeroed for a new query; what follows is written before it is read. */
    struct cs_attempt *log; /* attempts_max entries, in the same block after the name */
    uint32_t tried[CS_MAX_ATTEMPTS];
    cs_answer_cb cb;
    void *arg;
    struct cs_wirequery wq;
    char name[]; /* as submitted */
};

struct dest {
    struct cs_addr addr;
    struct cs_engine *e;
    struct dest *hnext;     /* in the dest table (fixed servers) */
    struct dest *ring_next; /* on the ready ring */
    struct dest *ring_prev;
    bool on_ring;
    bool sleeping;
    struct cs_q *fifo_head, *fifo_tail;
    unsigned queued;   /* in the FIFO: waiting for this destination's limits or the global ones */
    unsigned inflight; /* sent and unanswered */
    unsigned inflight_cap;
    bool full; /* off the ring until one of its queries ends */
    struct cs_ratelimit rl;
    struct event wake;
    struct cs_rtt rtt;     /* fixed servers: their own estimate */
    int resolver;          /* pool index or -1 */
    uint64_t sec_start_ns; /* per-second send count, for max_dest_per_second */
    uint64_t sec_count;
    uint64_t charged_ns; /* the last send its bucket was brought up to (charge_sent) */
};

struct udp_sock {
    struct cs_engine *e;
    int fd;
    int family;
    uint32_t id; /* unique per socket for the match key */
    unsigned uses;
    unsigned inflight;
    bool retired;
    struct event ev;
};

struct sock_family {
    struct udp_sock **active;
    unsigned nactive;
};

struct cs_engine {
    struct event_base *base;
    struct cs_engine_config cfg;
    struct cs_resolver_pool *pool;
    struct dest **resolver_dests;

    struct dest **dtab; /* fixed servers, by address */
    size_t dtab_size, ndests;

    struct cs_q **mtab; /* in-flight UDP queries, by (socket, ID) */
    size_t mtab_mask;

    struct dest *ring; /* ready ring head */
    struct cs_ratelimit global_rl;
    struct event dispatch_timer;
    struct event kick; /* runs the dispatcher in the next pass of the loop */
    bool dispatching;
    bool dispatch_again;
    unsigned reading;   /* inside a socket's read callback: sending waits for the kick */
    bool dispatch_held; /* the dispatcher was asked for while reading */

    struct cs_q *out[SEND_BATCH]; /* UDP queries of this dispatch round, not yet sent */
    unsigned nout;

    struct sock_family fam4, fam6;
    uint32_t next_sock_id;

    size_t inflight;
    size_t pending;
    struct cs_q *live;  /* every unfinished query */
    struct cs_q *spare; /* finished query blocks kept for reuse, linked by live_next */
    bool cancelled;
    struct cs_engine_stats st;
};

static void dispatch(struct cs_engine *e);
static void flush_sends(struct cs_engine *e);
static void kick(struct cs_engine *e);
static void attempt_done(struct cs_q *q, cs_outcome outcome, const uint8_t *pkt, size_t len,
                         bool case_only);

/* ---------- time and small helpers ---------- */

uint64_t cs_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct timeval ns_to_tv(uint64_t ns)
{
    struct timeval tv;
    tv.tv_sec = (time_t)(ns / 1000000000u);
    tv.tv_usec = (suseconds_t)((ns % 1000000000u + 999) / 1000);
    if (tv.tv_usec >= 1000000) {
        tv.tv_sec++;
        tv.tv_usec -= 1000000;
    }
    return tv;
}

const char *cs_outcome_name(cs_outcome o)
{
    static const char *const names[CS_OUT_COUNT] = {
        "answer",     "case_mismatch", "timeout",   "network_error",
        "tcp_failed", "malformed",     "cancelled",
    };
    return (unsigned)o < CS_OUT_COUNT ? names[o] : "unknown";
}

void cs_engine_config_default(struct cs_engine_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->max_inflight = 2000;
    cfg->resolver_inflight = 128;
    cfg->auth_inflight = 32;
    cfg->attempts = 3;
    cfg->timeout_ms = 4000;
    cfg->min_timeout_ms = 1000;
    cfg->udp_sockets = 64;
    cfg->socket_uses = 256;
}

static uint64_t addr_hash(const struct cs_addr *a)
{
    /* FNV-1a over the address bytes and port. */
    const uint8_t *p;
    size_t n;
    uint16_t port = cs_addr_port(a);
    if (a->ss.ss_family == AF_INET6) {
        p = (const uint8_t *)&((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
        n = 16;
    } else {
        p = (const uint8_t *)&((const struct sockaddr_in *)&a->ss)->sin_addr;
        n = 4;
    }
    const uint8_t pb[2] = {(uint8_t)(port & 0xff), (uint8_t)(port >> 8)};
    return cs_fnv1a64_add(cs_fnv1a64(p, n), pb, 2);
}

/* ---------- destinations ---------- */

static void dest_wake_cb(evutil_socket_t fd, short what, void *arg);

static void ring_add(struct cs_engine *e, struct dest *d)
{
    if (d->on_ring || d->sleeping || d->full || !d->fifo_head)
        return;
    d->on_ring = true;
    if (!e->ring) {
        d->ring_next = d->ring_prev = d;
        e->ring = d;
    } else { /* insert before the head: the tail of the round */
        d->ring_next = e->ring;
        d->ring_prev = e->ring->ring_prev;
        e->ring->ring_prev->ring_next = d;
        e->ring->ring_prev = d;
    }
}

static void ring_remove(struct cs_engine *e, struct dest *d)
{
    if (!d->on_ring)
        return;
    d->on_ring = false;
    if (d->ring_next == d) {
        e->ring = NULL;
    } else {
        d->ring_prev->ring_next = d->ring_next;
        d->ring_next->ring_prev = d->ring_prev;
        if (e->ring == d)
            e->ring = d->ring_next;
    }
    d->ring_next = d->ring_prev = NULL;
}

static struct dest *dest_new(struct cs_engine *e, const struct cs_addr *a, uint64_t rate_mq,
                             int resolver)
{
    struct dest *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->addr = *a;
    d->e = e;
    d->resolver = resolver;
    d->inflight_cap = resolver >= 0 ? e->cfg.resolver_inflight : e->cfg.auth_inflight;
    cs_ratelimit_init(&d->rl, rate_mq, cs_ratelimit_default_burst(rate_mq), cs_now_ns());
    cs_rtt_init(&d->rtt, e->cfg.min_timeout_ms);
    evtimer_assign(&d->wake, e->base, dest_wake_cb, d);
    return d;
}

static cs_err dtab_grow(struct cs_engine *e)
{
    size_t nsize = e->dtab_size ? e->dtab_size * 2 : 256;
    struct dest **nt = calloc(nsize, sizeof(*nt));
    if (!nt)
        return CS_ENOMEM;
    for (size_t i = 0; i < e->dtab_size; i++) {
        struct dest *d = e->dtab[i], *next;
        for (; d; d = next) {
            next = d->hnext;
            size_t b = addr_hash(&d->addr) & (nsize - 1);
            d->hnext = nt[b];
            nt[b] = d;
        }
    }
    free(e->dtab);
    e->dtab = nt;
    e->dtab_size = nsize;
    return CS_OK;
}

static struct dest *dest_fixed(struct cs_engine *e, const struct cs_addr *a)
{
    if (e->dtab_size) {
        for (struct dest *d = e->dtab[addr_hash(a) & (e->dtab_size - 1)]; d; d = d->hnext)
            if (cs_sockaddr_equal((const struct sockaddr *)&d->addr.ss,
                                  (const struct sockaddr *)&a->ss))
                return d;
    }
    if (e->ndests + 1 > e->dtab_size && dtab_grow(e) != CS_OK)
        return NULL;
    struct dest *d = dest_new(e, a, e->cfg.auth_qps_mq, -1);
    if (!d)
        return NULL;
    size_t b = addr_hash(a) & (e->dtab_size - 1);
    d->hnext = e->dtab[b];
    e->dtab[b] = d;
    e->ndests++;
    return d;
}

static void dest_free(struct dest *d)
{
    event_del(&d->wake);
    free(d);
}

static void dest_wake_cb(evutil_socket_t fd, short what, void *arg)
{
    struct dest *d = arg;
    d->sleeping = false;
    ring_add(d->e, d);
    dispatch(d->e);
}

static void dest_enqueue(struct dest *d, struct cs_q *q)
{
    q->state = Q_QUEUED;
    q->dest = d;
    q->fifo_next = NULL;
    if (d->fifo_tail)
        d->fifo_tail->fifo_next = q;
    else
        d->fifo_head = q;
    d->fifo_tail = q;
    d->queued++;
    if (d->resolver >= 0)
        d->e->pool->v[d->resolver].load++;
    ring_add(d->e, d);
}

/* Puts q back at the head of d's FIFO (the rest of an attempt that has begun: not a new load). */
static void dest_push_front(struct dest *d, struct cs_q *q)
{
    q->state = Q_QUEUED;
    q->dest = d;
    q->fifo_next = d->fifo_head;
    d->fifo_head = q;
    if (!d->fifo_tail)
        d->fifo_tail = q;
    d->queued++;
    ring_add(d->e, d);
}

static struct cs_q *dest_dequeue(struct dest *d)
{
    struct cs_q *q = d->fifo_head;
    if (!q)
        return NULL;
    d->fifo_head = q->fifo_next;
    if (!d->fifo_head)
        d->fifo_tail = NULL;
    q->fifo_next = NULL;
    d->queued--;
    return q;
}

/* ---------- UDP sockets ---------- */

static void udp_read_cb(evutil_socket_t fd, short what, void *arg);

static int bind_random_port(int fd, int family)
{
    for (int tries = 0; tries < 10; tries++) {
        uint16_t port = (uint16_t)(1024 + cs_random_uniform(65536 - 1024));
        struct sockaddr_storage ss;
        memset(&ss, 0, sizeof(ss));
        socklen_t len;
        if (family == AF_INET6) {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
            s6->sin6_family = AF_INET6;
            s6->sin6_port = htons(port);
            s6->sin6_addr = in6addr_any;
            len = sizeof(*s6);
        } else {
            struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
            s4->sin_family = AF_INET;
            s4->sin_port = htons(port);
            s4->sin_addr.s_addr = htonl(INADDR_ANY);
            len = sizeof(*s4);
        }
        if (bind(fd, (struct sockaddr *)&ss, len) == 0)
            return 0;
        if (errno != EADDRINUSE && errno != EACCES)
            return -1;
    }
    return -1;
}

static struct udp_sock *udp_sock_open(struct cs_engine *e, int family)
{
    int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return NULL;
    if (family == AF_INET6) {
        int on = 1;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
    }
    int buf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
    if (bind_random_port(fd, family) != 0) {
        close(fd);
        return NULL;
    }
    struct udp_sock *s = calloc(1, sizeof(*s));
    if (!s) {
        close(fd);
        return NULL;
    }
    s->e = e;
    s->fd = fd;
    s->family = family;
    s->id = e->next_sock_id++;
    event_assign(&s->ev, e->base, fd, EV_READ | EV_PERSIST, udp_read_cb, s);
    event_add(&s->ev, NULL);
    e->st.sockets_opened++;
    return s;
}

static void udp_sock_close(struct udp_sock *s)
{
    event_del(&s->ev);
    close(s->fd);
    free(s);
}

static struct sock_family *family_of(struct cs_engine *e, int family)
{
    return family == AF_INET6 ? &e->fam6 : &e->fam4;
}

/* A random socket of the family, replacing worn-out ones. NULL if none can be opened. */
static struct udp_sock *udp_sock_pick(struct cs_engine *e, int family)
{
    struct sock_family *f = family_of(e, family);
    if (!f->active) {
        f->active = calloc(e->cfg.udp_sockets, sizeof(*f->active));
        if (!f->active)
            return NULL;
        f->nactive = e->cfg.udp_sockets;
    }
    unsigned i = cs_random_uniform(f->nactive);
    struct udp_sock *s = f->active[i];
    if (s && s->uses >= e->cfg.socket_uses) {
        s->retired = true;
        if (s->inflight == 0)
            udp_sock_close(s);
        f->active[i] = s = NULL;
    }
    if (!s)
        s = f->active[i] = udp_sock_open(e, family);
    return s;
}

static void udp_sock_release(struct udp_sock *s)
{
    s->inflight--;
    if (s->retired && s->inflight == 0)
        udp_sock_close(s);
}

/* ---------- the match table ---------- */

static size_t mkey(const struct udp_sock *s, uint16_t id, size_t mask)
{
    uint64_t k = ((uint64_t)s->id << 16 | id) * 0x9E3779B97F4A7C15ULL;
    return (size_t)(k >> 20) & mask;
}

static void mtab_insert(struct cs_engine *e, struct cs_q *q)
{
    size_t b = mkey(q->sock, cs_query_id(&q->wq), e->mtab_mask);
    q->hnext = e->mtab[b];
    e->mtab[b] = q;
}

/* True when a query in flight on socket s has the ID id. */
static bool mtab_has(const struct cs_engine *e, const struct udp_sock *s, uint16_t id)
{
    for (const struct cs_q *q = e->mtab[mkey(s, id, e->mtab_mask)]; q; q = q->hnext)
        if (q->sock == s && cs_query_id(&q->wq) == id)
            return true;
    return false;
}

static void mtab_remove(struct cs_engine *e, struct cs_q *q)
{
    size_t b = mkey(q->sock, cs_query_id(&q->wq), e->mtab_mask);
    for (struct cs_q **pp = &e->mtab[b]; *pp; pp = &(*pp)->hnext)
        if (*pp == q) {
            *pp = q->hnext;
            q->hnext = NULL;
            return;
        }
}

/* ---------- sending ---------- */

static void q_timeout_cb(evutil_socket_t fd, short what, void *arg);

static uint32_t q_timeout(const struct cs_q *q)
{
    const struct cs_rtt *rtt = q->resolver >= 0 ? &q->e->pool->v[q->resolver].rtt : &q->dest->rtt;
    return cs_rtt_timeout_ms(rtt, q->min_timeout_ms, q->timeout_ms);
}

static void q_arm_timer(struct cs_q *q)
{
    struct timeval tv = ns_to_tv((uint64_t)q_timeout(q) * 1000000u);
    evtimer_add(&q->timer, &tv);
}

static void begin_attempt_log(struct cs_q *q, bool tcp)
{
    struct cs_attempt *a = &q->log[q->nattempts];
    a->server = q->dest->addr;
    a->outcome = CS_OUT_TIMEOUT;
    a->rcode = -1;
    a->rtt_us = 0;
    a->tcp = tcp;
    a->truncated = false;
}

static void tcp_read_cb(struct bufferevent *bev, void *arg);
static void tcp_event_cb(struct bufferevent *bev, short what, void *arg);

/*
 * q has left at sent_ns: an authoritative address's token counts from then, not from when the
 * dispatcher took it (a UDP query waits for the batch to be sent, and a busy machine can hold the
 * process in between), so that --auth-qps holds on the wire (docs/engine.md). Once per
 * destination and send: the tokens of one batch were taken together.
 */
static void charge_sent(struct cs_q *q, uint64_t sent_ns)
{
    struct dest *d = q->dest;
    if (d->resolver >= 0 || d->charged_ns == sent_ns)
        return;
    d->charged_ns = sent_ns;
    cs_ratelimit_defer(&d->rl, q->token_ns, sent_ns);
}

static void send_tcp(struct cs_q *q)
{
    struct cs_engine *e = q->e;
    q->state = Q_TCP;
    q->log[q->nattempts].tcp = true;
    q->tcp = bufferevent_socket_new(e->base, -1, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    if (!q->tcp) {
        attempt_done(q, CS_OUT_TCP_FAILED, NULL, 0, false);
        return;
    }
    cs_query_rearm(&q->wq, q->flags);
    uint8_t lenbuf[2] = {(uint8_t)(q->wq.len >> 8), (uint8_t)q->wq.len};
    bufferevent_setcb(q->tcp, tcp_read_cb, NULL, tcp_event_cb, q);
    bufferevent_enable(q->tcp, EV_READ);
    bufferevent_write(q->tcp, lenbuf, 2);
    bufferevent_write(q->tcp, q->wq.buf, q->wq.len);
    q->sent_ns = cs_now_ns();
    e->st.sent_tcp++;
    q_arm_timer(q);
    if (bufferevent_socket_connect(q->tcp, (struct sockaddr *)&q->dest->addr.ss,
                                   (int)q->dest->addr.len) != 0)
        attempt_done(q, CS_OUT_TCP_FAILED, NULL, 0, false);
    else
        charge_sent(q, cs_now_ns()); /* the SYN is out */
}

static void count_dest_second(struct cs_engine *e, struct dest *d, uint64_t now)
{
    if (d->resolver >= 0)
        return;
    if (now - d->sec_start_ns >= 1000000000u) {
        d->sec_start_ns = now;
        d->sec_count = 0;
    }
    if (++d->sec_count > e->st.max_dest_per_second)
        e->st.max_dest_per_second = d->sec_count;
}

/*
 * Sends the batched UDP queries: each run of one address family goes out of one random socket of
 * the pool (its uses counted, so that it is still replaced after socket_uses queries) with as few
 * sendmmsg() calls as the kernel allows. A query the kernel refuses ends with a network error.
 */
static void flush_sends(struct cs_engine *e)
{
    struct mmsghdr msgs[SEND_BATCH];
    struct iovec iov[SEND_BATCH];
    struct cs_q *qs[SEND_BATCH];
    while (e->nout > 0) {
        int family = e->out[0]->dest->addr.ss.ss_family;
        struct udp_sock *s = udp_sock_pick(e, family);
        unsigned room = s ? e->cfg.socket_uses - s->uses : SEND_BATCH;
        unsigned k = 0, kept = 0;
        for (unsigned i = 0; i < e->nout; i++) {
            struct cs_q *q = e->out[i];
            if (k < room && q->dest->addr.ss.ss_family == family)
                qs[k++] = q;
            else
                e->out[kept++] = q;
        }
        e->nout = kept;
        if (!s) {
            for (unsigned i = 0; i < k && !e->cancelled; i++)
                attempt_done(qs[i], CS_OUT_NETERR, NULL, 0, false);
            continue;
        }
        for (unsigned i = 0; i < k; i++) {
            struct cs_q *q = qs[i];
            q->sock = s;
            /* A fresh random ID (and case), drawn again while another query in flight on the
             * socket has it: (socket, ID) names one query, or a reply to one could be taken
             * for the other's (the two CAA tries of a name, same case but for the 0x20 bits,
             * are often in one batch). A socket has at most socket_uses queries. */
            do
                cs_query_rearm(&q->wq, q->flags);
            while (mtab_has(e, s, cs_query_id(&q->wq)));
            s->uses++;
            s->inflight++;
            mtab_insert(e, q);
            q_arm_timer(q);
            iov[i].iov_base = q->wq.buf;
            iov[i].iov_len = q->wq.len;
            memset(&msgs[i], 0, sizeof(msgs[i]));
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &q->dest->addr.ss;
            msgs[i].msg_hdr.msg_namelen = q->dest->addr.len;
        }
        e->st.sent_udp += k;
        /* Keep the socket open while its queries are handed to the kernel. */
        s->inflight++;
        unsigned i = 0;
        while (i < k && !e->cancelled) {
            int n = sendmmsg(s->fd, msgs + i, k - i, 0);
            if (n > 0) {
                uint64_t sent = cs_now_ns();
                for (int j = 0; j < n; j++)
                    charge_sent(qs[i + j], sent);
                for (int j = 0; j < n; j++)
                    if (msgs[i + j].msg_len != qs[i + j]->wq.len)
                        attempt_done(qs[i + j], CS_OUT_NETERR, NULL, 0, false);
                i += (unsigned)n;
            } else {
                attempt_done(qs[i], CS_OUT_NETERR, NULL, 0, false);
                i++;
            }
        }
        udp_sock_release(s);
    }
}

/* Sends the current attempt of q, which has just left its dest FIFO (UDP: into the batch). */
static void send_query(struct cs_q *q, uint64_t now)
{
    struct cs_engine *e = q->e;
    struct dest *d = q->dest;
    e->inflight++;
    d->inflight++;
    count_dest_second(e, d, now);
    if (q->tcp_next) {
        /* The TCP half of an attempt whose UDP answer was truncated. */
        q->tcp_next = false;
        send_tcp(q);
        return;
    }
    begin_attempt_log(q, false);
    if (q->resolver >= 0)
        e->pool->v[q->resolver].sent++;
    if (q->flags & CS_QF_TCP_ONLY) {
        send_tcp(q);
        return;
    }
    q->state = Q_UDP;
    q->sock = NULL;
    q->sent_ns = now;
    e->out[e->nout++] = q;
    if (e->nout == SEND_BATCH)
        flush_sends(e);
}

static void dispatch_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    dispatch(arg);
}

static void kick_cb(evutil_socket_t fd, short what, void *arg)
{
    struct cs_engine *e = arg;
    e->dispatch_held = false;
    dispatch(e);
}

/* Runs the dispatcher in the next pass of the loop, after it has polled the sockets. */
static void kick(struct cs_engine *e)
{
    static const struct timeval zero = {0, 0};
    if (!evtimer_pending(&e->kick, NULL))
        evtimer_add(&e->kick, &zero);
}

/*
 * Sends what the limits allow. Re-entrant calls (a callback that submits from inside a send
 * failure) only ask for one more round.
 */
static void dispatch(struct cs_engine *e)
{
    if (e->reading) {
        e->dispatch_held = true;
        return;
    }
    if (e->dispatching) {
        e->dispatch_again = true;
        return;
    }
    e->dispatching = true;
    unsigned sent = 0;
    do {
        e->dispatch_again = false;
        uint64_t now = cs_now_ns();
        while (e->ring && e->inflight < e->cfg.max_inflight) {
            if (sent == SEND_BATCH) {
                /* One batch per call: the rest after the loop has read what came in. */
                kick(e);
                break;
            }
            struct dest *d = e->ring;
            if (d->inflight >= d->inflight_cap) {
                ring_remove(e, d);
                d->full = true;
                continue;
            }
            uint64_t wait = cs_ratelimit_wait_ns(&d->rl, now);
            if (wait > 0) {
                ring_remove(e, d);
                d->sleeping = true;
                struct timeval tv = ns_to_tv(wait);
                evtimer_add(&d->wake, &tv);
                continue;
            }
            wait = cs_ratelimit_wait_ns(&e->global_rl, now);
            if (wait > 0) {
                if (!evtimer_pending(&e->dispatch_timer, NULL)) {
                    struct timeval tv = ns_to_tv(wait);
                    evtimer_add(&e->dispatch_timer, &tv);
                }
                break;
            }
            cs_ratelimit_take(&d->rl, now);
            cs_ratelimit_take(&e->global_rl, now);
            struct cs_q *q = dest_dequeue(d);
            q->token_ns = now;
            e->ring = d->ring_next; /* round robin */
            if (!d->fifo_head)
                ring_remove(e, d);
            send_query(q, now);
            sent++;
        }
        flush_sends(e);
    } while (e->dispatch_again);
    e->dispatching = false;
}

/* ---------- receiving ---------- */

static void handle_udp_packet(struct cs_engine *e, struct udp_sock *s, const uint8_t *pkt,
                              size_t len, const struct sockaddr *from)
{
    e->st.received++;
    if (len < 2) {
        e->st.unsolicited++;
        return;
    }
    uint16_t id = ldns_read_uint16(pkt);
    bool saw_key = false, saw_source = false;
    for (struct cs_q *q = e->mtab[mkey(s, id, e->mtab_mask)]; q; q = q->hnext) {
        if (q->sock != s || cs_query_id(&q->wq) != id)
            continue;
        saw_key = true;
        if (!cs_sockaddr_equal(from, (const struct sockaddr *)&q->dest->addr.ss))
            continue;
        saw_source = true;
        cs_match m = cs_query_match(&q->wq, pkt, len);
        if (m == CS_MATCH_OK || m == CS_MATCH_CASE_ONLY) {
            attempt_done(q, CS_OUT_ANSWER, pkt, len, m == CS_MATCH_CASE_ONLY);
            return;
        }
    }
    if (!saw_key)
        e->st.unsolicited++;
    else if (!saw_source)
        e->st.wrong_source++;
    else
        e->st.wrong_question++;
}

/* Replies read per recvmmsg(): as many as a send batch holds, so that reading the replies of a
 * whole batch (a server at its cap of 32 answers them together) takes one call, not a second
 * one that finds the socket empty. */
#define RECV_BATCH SEND_BATCH

static void udp_read_cb(evutil_socket_t fd, short what, void *arg)
{
    struct udp_sock *s = arg;
    struct cs_engine *e = s->e;
    static uint8_t bufs[RECV_BATCH][4096];
    struct mmsghdr msgs[RECV_BATCH];
    struct iovec iov[RECV_BATCH];
    struct sockaddr_storage from[RECV_BATCH];

    /* Keep the socket alive while its packets are handled: a reply may retire and close it. */
    s->inflight++;
    e->reading++;
    for (int rounds = 0; rounds < 8; rounds++) {
        for (int i = 0; i < RECV_BATCH; i++) {
            iov[i].iov_base = bufs[i];
            iov[i].iov_len = sizeof(bufs[i]);
            memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &from[i];
            msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
        }
        int n = recvmmsg(fd, msgs, RECV_BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0)
            break;
        for (int i = 0; i < n; i++) {
            if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
                e->st.received++;
                e->st.unsolicited++; /* larger than any reply to a 1232-octet EDNS query */
                continue;
            }
            handle_udp_packet(e, s, bufs[i], msgs[i].msg_len, (struct sockaddr *)&from[i]);
        }
        if (n < RECV_BATCH)
            break;
    }
    udp_sock_release(s);
    /* The queries these replies made room for leave together, in the next pass of the loop,
     * once every socket that was ready has been read: fewer system calls, and the server gets
     * a batch instead of one packet per wake-up. */
    if (--e->reading == 0 && e->dispatch_held)
        kick(e);
}

static void tcp_read_cb(struct bufferevent *bev, void *arg)
{
    struct cs_q *q = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    uint8_t lenbuf[2];
    if (evbuffer_get_length(in) < 2)
        return;
    evbuffer_copyout(in, lenbuf, 2);
    size_t mlen = (size_t)lenbuf[0] << 8 | lenbuf[1];
    if (evbuffer_get_length(in) < 2 + mlen)
        return;
    uint8_t *msg = malloc(mlen ? mlen : 1);
    if (!msg) {
        attempt_done(q, CS_OUT_TCP_FAILED, NULL, 0, false);
        return;
    }
    evbuffer_drain(in, 2);
    evbuffer_remove(in, msg, mlen);
    q->e->st.received++;
    cs_match m = cs_query_match(&q->wq, msg, mlen);
    if (m == CS_MATCH_OK || m == CS_MATCH_CASE_ONLY)
        attempt_done(q, CS_OUT_ANSWER, msg, mlen, m == CS_MATCH_CASE_ONLY);
    else {
        /* On a stream nobody else can answer: a wrong reply means the server is broken. */
        q->e->st.wrong_question++;
        attempt_done(q, CS_OUT_TCP_FAILED, NULL, 0, false);
    }
    free(msg);
}

static void tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct cs_q *q = arg;
    if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF))
        attempt_done(q, CS_OUT_TCP_FAILED, NULL, 0, false);
}

static void q_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
    struct cs_q *q = arg;
    attempt_done(q, q->state == Q_TCP ? CS_OUT_TCP_FAILED : CS_OUT_TIMEOUT, NULL, 0, false);
}

/* ---------- finishing ---------- */

/*
 * A zeroed query block with room for a name of nlen octets and the log of `attempts` attempts
 * (most queries have one or two: a block sized for CS_MAX_ATTEMPTS would be mostly log). Blocks
 * of the common sizes all get the pooled size and are reused.
 */
static struct cs_q *q_alloc(struct cs_engine *e, size_t nlen, unsigned attempts)
{
    struct cs_q *q;
    bool pooled = nlen < Q_NAME_POOLED && attempts <= Q_ATTEMPTS_POOLED;
    size_t name_room = pooled ? Q_NAME_POOLED : nlen + 1;
    size_t log_at = offsetof(struct cs_q, name) + name_room;
    log_at = (log_at + _Alignof(struct cs_attempt) - 1) / _Alignof(struct cs_attempt) *
             _Alignof(struct cs_attempt);
    if (pooled && e->spare) {
        q = e->spare;
        e->spare = q->live_next;
    } else {
        q = malloc(log_at + (pooled ? Q_ATTEMPTS_POOLED : attempts) * sizeof(struct cs_attempt));
        if (!q)
            return NULL;
    }
    memset(q, 0, offsetof(struct cs_q, log));
    q->pooled = pooled;
    q->log = (struct cs_attempt *)((char *)q + log_at);
    return q;
}

static void q_release(struct cs_engine *e, struct cs_q *q)
{
    if (q->pooled) {
        q->live_next = e->spare;
        e->spare = q;
    } else {
        free(q);
    }
}

static void q_free(struct cs_q *q)
{
    struct cs_engine *e = q->e;
    event_del(&q->timer);
    if (q->live_prev)
        q->live_prev->live_next = q->live_next;
    else
        e->live = q->live_next;
    if (q->live_next)
        q->live_next->live_prev = q->live_prev;
    q_release(e, q);
}

static void finish(struct cs_q *q, cs_outcome outcome, ldns_pkt *pkt, bool case_only)
{
    struct cs_engine *e = q->e;
    struct cs_attempt *last = &q->log[q->nattempts - 1];
    struct cs_answer ans = {
        .name = q->name,
        .qtype = q->wq.qtype,
        .outcome = outcome,
        .pkt = pkt,
        .rcode = pkt ? cs_pkt_rcode(pkt) : 0,
        .server = &last->server,
        .resolver = q->resolver,
        .case_echoed = pkt != NULL && !case_only,
        .tcp = last->tcp,
        .truncated = q->truncated,
        .rtt_us = last->rtt_us,
        .nattempts = q->nattempts,
        .attempts = q->log,
        .sent_qname = q->wq.buf + LDNS_HEADER_SIZE,
        .sent_qname_len = q->wq.qname_len,
    };
    e->pending--;
    e->st.finished++;
    q->cb(&ans, q->arg);
    if (ans.pkt)
        ldns_pkt_free(ans.pkt);
    q_free(q);
}

/*
 * Ends the current attempt of q with outcome; pkt/len is the matching reply for ANSWER. Either
 * finishes the query or queues its next attempt.
 */
static void attempt_done(struct cs_q *q, cs_outcome outcome, const uint8_t *pkt, size_t len,
                         bool case_only)
{
    struct cs_engine *e = q->e;
    uint64_t now = cs_now_ns();
    struct cs_attempt *a = &q->log[q->nattempts];
    event_del(&q->timer);
    if (q->state == Q_UDP && q->sock) {
        mtab_remove(e, q);
        udp_sock_release(q->sock);
        q->sock = NULL;
    }
    bool via_tcp = q->state == Q_TCP;
    if (q->tcp) {
        bufferevent_free(q->tcp);
        q->tcp = NULL;
    }

    uint32_t rtt_us = (uint32_t)((now - q->sent_ns) / 1000u);
    if (outcome == CS_OUT_ANSWER && !via_tcp && (pkt[2] & LDNS_TC_MASK) &&
        !(q->flags & CS_QF_NO_TCP_FALLBACK)) {
        /* Truncated: the same attempt continues over TCP to the same server. */
        a->truncated = true;
        q->truncated = true;
        e->st.tcp_fallbacks++;
        if (q->resolver >= 0)
            cs_pool_success(e->pool, (size_t)q->resolver, now, rtt_us);
        else
            cs_rtt_sample(&q->dest->rtt, rtt_us);
        /* The TCP query is a query the server receives like any other: it waits at the head of
         * the destination's queue for a token of its bucket and of the global one, and for room
         * under the in-flight caps (sent straight away, it went past --auth-qps and --qps). */
        q->tcp_next = true;
        e->inflight--;
        if (--q->dest->inflight < q->dest->inflight_cap && q->dest->full) {
            q->dest->full = false;
            ring_add(e, q->dest);
        }
        dest_push_front(q->dest, q);
        dispatch(e);
        return;
    }
    e->inflight--;
    if (--q->dest->inflight < q->dest->inflight_cap && q->dest->full) {
        q->dest->full = false;
        ring_add(e, q->dest);
    }

    ldns_pkt *parsed = NULL;
    if (outcome == CS_OUT_ANSWER) {
        if (cs_pkt_from_wire(&parsed, pkt, len) != LDNS_STATUS_OK) {
            parsed = NULL;
            outcome = CS_OUT_MALFORMED;
        } else if (case_only) {
            outcome = CS_OUT_CASE_MISMATCH;
        }
    }
    a->outcome = outcome;
    if (parsed) {
        a->rcode = (int)cs_pkt_rcode(parsed);
        a->rtt_us = rtt_us;
    }
    q->nattempts++;

    switch (outcome) {
    case CS_OUT_ANSWER:
        e->st.answers++;
        break;
    case CS_OUT_CASE_MISMATCH:
        e->st.case_mismatches++;
        break;
    case CS_OUT_TIMEOUT:
        e->st.timeouts++;
        break;
    case CS_OUT_NETERR:
        e->st.neterrs++;
        break;
    case CS_OUT_TCP_FAILED:
        e->st.tcp_failures++;
        break;
    default:
        e->st.malformed++;
        break;
    }

    /* Charge the server. A reply of any kind shows it alive; a case-mangled echo from a resolver
     * is not charged as a failure but does make the query move on. */
    if (parsed || outcome == CS_OUT_MALFORMED) {
        if (q->resolver >= 0)
            cs_pool_success(e->pool, (size_t)q->resolver, now, rtt_us);
        else
            cs_rtt_sample(&q->dest->rtt, rtt_us);
    } else if (outcome == CS_OUT_TIMEOUT || outcome == CS_OUT_NETERR ||
               outcome == CS_OUT_TCP_FAILED) {
        if (q->resolver >= 0)
            cs_pool_failure(e->pool, (size_t)q->resolver, now);
        else
            cs_rtt_lost(&q->dest->rtt);
    }
    if (q->resolver >= 0)
        e->pool->v[q->resolver].load--;

    bool retry = q->nattempts < q->attempts_max;
    if (outcome == CS_OUT_ANSWER)
        retry = false;
    else if (outcome == CS_OUT_CASE_MISMATCH && q->resolver < 0)
        retry = false; /* an authoritative server's echo is the finding itself */

    if (!retry) {
        finish(q, outcome, parsed, case_only);
        dispatch(e);
        return;
    }
    if (parsed)
        ldns_pkt_free(parsed);
    /* Next attempt: another resolver when there is one, the same fixed server otherwise. */
    struct dest *d = q->dest;
    if (q->resolver >= 0) {
        size_t r = cs_pool_pick(e->pool, now, q->tried, q->nattempts);
        q->resolver = (int)r;
        q->tried[q->nattempts] = (uint32_t)r;
        d = e->resolver_dests[r];
    }
    dest_enqueue(d, q);
    dispatch(e);
}

/* ---------- public API ---------- */

struct cs_engine *cs_engine_new(struct event_base *base, const struct cs_engine_config *cfg,
                                struct cs_resolver_pool *pool)
{
    struct cs_engine *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->base = base;
    e->cfg = *cfg;
    struct cs_engine_config def;
    cs_engine_config_default(&def);
    if (!e->cfg.max_inflight)
        e->cfg.max_inflight = def.max_inflight;
    if (!e->cfg.resolver_inflight)
        e->cfg.resolver_inflight = def.resolver_inflight;
    if (!e->cfg.auth_inflight)
        e->cfg.auth_inflight = def.auth_inflight;
    if (!e->cfg.attempts)
        e->cfg.attempts = def.attempts;
    if (e->cfg.attempts > CS_MAX_ATTEMPTS)
        e->cfg.attempts = CS_MAX_ATTEMPTS;
    if (!e->cfg.timeout_ms)
        e->cfg.timeout_ms = def.timeout_ms;
    if (!e->cfg.min_timeout_ms)
        e->cfg.min_timeout_ms = def.min_timeout_ms;
    if (e->cfg.min_timeout_ms > e->cfg.timeout_ms)
        e->cfg.min_timeout_ms = e->cfg.timeout_ms;
    if (!e->cfg.udp_sockets)
        e->cfg.udp_sockets = def.udp_sockets;
    if (!e->cfg.socket_uses)
        e->cfg.socket_uses = def.socket_uses;
    if (e->cfg.socket_uses > 16384)
        e->cfg.socket_uses = 16384; /* IDs of one socket's queries stay unique (flush_sends) */
    e->pool = pool;

    size_t msize = 1024;
    while (msize < 2 * (size_t)e->cfg.max_inflight)
        msize <<= 1;
    e->mtab = calloc(msize, sizeof(*e->mtab));
    e->mtab_mask = msize - 1;
    cs_ratelimit_init(&e->global_rl, e->cfg.qps_mq, cs_ratelimit_default_burst(e->cfg.qps_mq),
                      cs_now_ns());
    evtimer_assign(&e->dispatch_timer, base, dispatch_timer_cb, e);
    evtimer_assign(&e->kick, base, kick_cb, e);
    cs_random_bytes(&e->next_sock_id, sizeof(e->next_sock_id));
    if (!e->mtab)
        goto fail;
    if (pool) {
        e->resolver_dests = calloc(pool->n, sizeof(*e->resolver_dests));
        if (!e->resolver_dests)
            goto fail;
        for (size_t i = 0; i < pool->n; i++) {
            e->resolver_dests[i] = dest_new(e, &pool->v[i].addr, e->cfg.resolver_qps_mq, (int)i);
            if (!e->resolver_dests[i])
                goto fail;
            pool->v[i].engine_data = e->resolver_dests[i];
        }
    }
    return e;
fail:
    cs_engine_free(e);
    errno = ENOMEM;
    return NULL;
}

static void free_family(struct sock_family *f, unsigned n)
{
    if (!f->active)
        return;
    for (unsigned i = 0; i < n; i++)
        if (f->active[i])
            udp_sock_close(f->active[i]);
    free(f->active);
}

void cs_engine_free(struct cs_engine *e)
{
    if (!e)
        return;
    /* TCP connections are freed from deferred callbacks: let the loop run them. */
    event_base_loop(e->base, EVLOOP_NONBLOCK);
    event_del(&e->dispatch_timer);
    event_del(&e->kick);
    if (e->resolver_dests) {
        for (size_t i = 0; i < e->pool->n; i++)
            if (e->resolver_dests[i])
                dest_free(e->resolver_dests[i]);
        free(e->resolver_dests);
    }
    for (size_t i = 0; i < e->dtab_size; i++) {
        struct dest *d = e->dtab[i], *next;
        for (; d; d = next) {
            next = d->hnext;
            dest_free(d);
        }
    }
    free(e->dtab);
    free_family(&e->fam4, e->cfg.udp_sockets);
    free_family(&e->fam6, e->cfg.udp_sockets);
    free(e->mtab);
    while (e->spare) {
        struct cs_q *q = e->spare;
        e->spare = q->live_next;
        free(q);
    }
    free(e);
}

cs_err cs_engine_submit(struct cs_engine *e, const struct cs_query_spec *spec)
{
    if ((!spec->server && !e->pool) || e->cancelled)
        return CS_EINVAL;
    size_t nlen = strlen(spec->name);
    unsigned attempts = spec->attempts ? spec->attempts : e->cfg.attempts;
    if (attempts > CS_MAX_ATTEMPTS)
        attempts = CS_MAX_ATTEMPTS; /* e->cfg.attempts is at least 1 */
    struct cs_q *q = q_alloc(e, nlen, attempts);
    if (!q)
        return CS_ENOMEM;
    memcpy(q->name, spec->name, nlen + 1);
    q->flags = spec->flags;
    cs_err err = cs_query_build(&q->wq, spec->name, spec->qtype, spec->qclass ? spec->qclass : 1,
                                spec->flags);
    if (err != CS_OK) {
        q_release(e, q);
        return err;
    }
    q->e = e;
    q->cb = spec->cb;
    q->arg = spec->arg;
    q->attempts_max = attempts;
    q->timeout_ms = spec->timeout_ms ? spec->timeout_ms : e->cfg.timeout_ms;
    q->min_timeout_ms = spec->min_timeout_ms ? spec->min_timeout_ms : e->cfg.min_timeout_ms;
    if (q->min_timeout_ms > q->timeout_ms)
        q->min_timeout_ms = q->timeout_ms;
    evtimer_assign(&q->timer, e->base, q_timeout_cb, q);

    struct dest *d;
    if (spec->server) {
        d = dest_fixed(e, spec->server);
        if (!d) {
            q_release(e, q);
            return CS_ENOMEM;
        }
        q->resolver = -1;
    } else {
        size_t r;
        if ((spec->flags & CS_QF_PIN_RESOLVER) && spec->resolver < e->pool->n &&
            e->pool->v[spec->resolver].state == CS_RES_UP)
            r = spec->resolver;
        else
            r = cs_pool_pick(e->pool, cs_now_ns(), NULL, 0);
        q->resolver = (int)r;
        q->tried[0] = (uint32_t)r;
        d = e->resolver_dests[r];
    }
    e->pending++;
    e->st.submitted++;
    q->live_next = e->live;
    if (e->live)
        e->live->live_prev = q;
    e->live = q;
    dest_enqueue(d, q);
    dispatch(e);
    return CS_OK;
}

/* Takes q out of its destination's FIFO (it is QUEUED). */
static void dest_unlink(struct dest *d, struct cs_q *q)
{
    struct cs_q *prev = NULL;
    for (struct cs_q *p = d->fifo_head; p; prev = p, p = p->fifo_next) {
        if (p != q)
            continue;
        if (prev)
            prev->fifo_next = q->fifo_next;
        else
            d->fifo_head = q->fifo_next;
        if (d->fifo_tail == q)
            d->fifo_tail = prev;
        q->fifo_next = NULL;
        d->queued--;
        break;
    }
    if (!d->fifo_head)
        ring_remove(d->e, d);
}

/* Adds what waits at d to the limit that holds it back. */
static void limits_add(const struct cs_engine *e, const struct dest *d, bool global_waits,
                       struct cs_engine_limits *out)
{
    if (d->queued == 0)
        return;
    out->queued += d->queued;
    cs_limit_kind k = d->full || d->inflight >= d->inflight_cap ? CS_LIMIT_DEST_INFLIGHT
                      : d->sleeping                             ? CS_LIMIT_DEST_QPS
                      : e->inflight >= e->cfg.max_inflight      ? CS_LIMIT_INFLIGHT
                      : global_waits                            ? CS_LIMIT_QPS
                                                                : CS_LIMIT_NONE;
    struct cs_engine_limit *l = &out->by_kind[k];
    l->kind = k;
    l->waiting += d->queued;
    l->places++;
    if (d->queued > l->top_waiting) {
        l->top_waiting = d->queued;
        l->resolver = d->resolver;
        cs_addr_format(&d->addr, l->where, sizeof(l->where));
    }
}

void cs_engine_get_limits(const struct cs_engine *e, struct cs_engine_limits *out)
{
    memset(out, 0, sizeof(*out));
    bool global_waits = evtimer_pending(&e->dispatch_timer, NULL);
    if (e->resolver_dests)
        for (size_t i = 0; i < e->pool->n; i++)
            if (e->resolver_dests[i])
                limits_add(e, e->resolver_dests[i], global_waits, out);
    for (size_t i = 0; i < e->dtab_size; i++)
        for (const struct dest *d = e->dtab[i]; d; d = d->hnext)
            limits_add(e, d, global_waits, out);
}

void cs_engine_cancel(struct cs_engine *e)
{
    e->cancelled = true;
    e->nout = 0; /* the batch's queries are on the live list, ended below */
    while (e->live) {
        struct cs_q *q = e->live;
        event_del(&q->timer);
        if (q->state == Q_QUEUED) {
            dest_unlink(q->dest, q);
        } else {
            if (q->state == Q_UDP && q->sock) { /* without a socket: still in the batch */
                mtab_remove(e, q);
                udp_sock_release(q->sock);
                q->sock = NULL;
            }
            if (q->tcp) {
                bufferevent_free(q->tcp);
                q->tcp = NULL;
            }
            e->inflight--;
            q->dest->inflight--;
        }
        if (q->resolver >= 0)
            e->pool->v[q->resolver].load--;
        struct cs_attempt *a =
            &q->log[q->nattempts < q->attempts_max ? q->nattempts : q->attempts_max - 1];
        a->server = q->dest->addr;
        a->outcome = CS_OUT_CANCELLED;
        a->rcode = -1;
        if (q->nattempts < q->attempts_max)
            q->nattempts++;
        finish(q, CS_OUT_CANCELLED, NULL, false);
    }
}

size_t cs_engine_pending(const struct cs_engine *e)
{
    return e->pending;
}

void cs_engine_get_stats(const struct cs_engine *e, struct cs_engine_stats *out)
{
    *out = e->st;
}

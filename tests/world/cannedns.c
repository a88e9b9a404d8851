/*
 * cannedns.c -- the canned-answer DNS server of caascan's test world: sockets and main loop.
 *
 *   cannedns -c CONFIG [-p PORT] [-v]
 *
 * Listens on UDP and TCP (unless the address has no-tcp) on every address of the configuration
 * file and answers with canned_answer(); an address with delay=MS sends its UDP answers MS
 * milliseconds later from a timer, without holding up other queries. SIGHUP re-reads the
 * configuration and the zone files (addresses that were not listened on at start are ignored
 * with a warning; a configuration that does not load leaves the old one in place); SIGTERM and
 * SIGINT stop the server cleanly.
 * Every query is logged to stderr with -v. The answer logic is in canned_answer.c.
 */
#include "canned_answer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#define TCP_IDLE_SECONDS 10
#define MAX_TCP_CONNS    256

struct server;

/* One address: its UDP socket and event, and its TCP listener. */
struct listener {
    struct server *srv;
    char address[64];
    evutil_socket_t udp_fd;
    struct event *udp_ev;
    struct evconnlistener *tcp;
};

/* One TCP connection (kept in a list so that shutdown frees them all). */
struct tcp_conn {
    struct listener *lst;
    char client[64];
    struct bufferevent *bev;
    struct tcp_conn *prev, *next;
};

/* A UDP answer waiting for its address's delay (kept in a list so that shutdown frees them). */
struct delayed {
    struct server *srv;
    evutil_socket_t fd;
    struct sockaddr_storage to;
    socklen_t tolen;
    uint8_t *reply;
    size_t rlen;
    struct event *ev;
    struct delayed *prev, *next;
};

struct server {
    const char *config_path;
    struct canned_config *cfg;
    struct event_base *base;
    struct listener *listeners;
    size_t listener_count;
    struct tcp_conn *conns;
    size_t conn_count;
    struct delayed *delayed;
    int verbose;
};

static void log_query(struct listener *lst, const char *proto, const char *client, const uint8_t *q,
                      size_t qlen, const uint8_t *r, size_t rlen)
{
    if (!lst->srv->verbose)
        return;
    char qdesc[300] = "?";
    ldns_pkt *pkt = NULL;
    if (ldns_wire2pkt(&pkt, q, qlen) == LDNS_STATUS_OK &&
        ldns_rr_list_rr_count(ldns_pkt_question(pkt)) == 1) {
        const ldns_rr *qq = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
        char *name = ldns_rdf2str(ldns_rr_owner(qq));
        char *type = ldns_rr_type2str(ldns_rr_get_type(qq));
        snprintf(qdesc, sizeof(qdesc), "%s %s%s", name ? name : "?", type ? type : "?",
                 ldns_pkt_edns(pkt) ? " +edns" : "");
        free(name);
        free(type);
    }
    ldns_pkt_free(pkt);
    const char *rc = "silence";
    char rcbuf[32];
    if (r && rlen >= 12) {
        ldns_lookup_table *lt = ldns_lookup_by_id(ldns_rcodes, r[3] & 0x0f);
        snprintf(rcbuf, sizeof(rcbuf), "%s%s%s", lt ? lt->name : "?", (r[2] & 0x02) ? " TC" : "",
                 (r[2] & 0x04) ? " AA" : "");
        rc = rcbuf;
    }
    fprintf(stderr, "cannedns: %s %s from %s: %s -> %s\n", lst->address, proto, client, qdesc, rc);
}

/* Writes the numeric address of sa into buf (empty when unknown). */
static void client_text(const struct sockaddr *sa, char *buf, size_t size)
{
    buf[0] = '\0';
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)size);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf, (socklen_t)size);
}

static void delayed_free(struct delayed *d)
{
    struct server *srv = d->srv;
    if (d->prev)
        d->prev->next = d->next;
    else
        srv->delayed = d->next;
    if (d->next)
        d->next->prev = d->prev;
    event_free(d->ev);
    free(d->reply);
    free(d);
}

static void delayed_send(evutil_socket_t fd, short what, void *arg)
{
    struct delayed *d = arg;
    if (sendto(d->fd, d->reply, d->rlen, 0, (struct sockaddr *)&d->to, d->tolen) < 0)
        fprintf(stderr, "cannedns: delayed sendto: %s\n", strerror(errno));
    delayed_free(d);
}

/* Sends reply (taken over) to `to` after delay_ms milliseconds; on failure it is dropped. */
static void send_later(struct server *srv, evutil_socket_t fd, const struct sockaddr_storage *to,
                       socklen_t tolen, uint8_t *reply, size_t rlen, unsigned delay_ms)
{
    struct delayed *d = calloc(1, sizeof(*d));
    if (!d || !(d->ev = evtimer_new(srv->base, delayed_send, d))) {
        free(d);
        free(reply);
        return;
    }
    d->srv = srv;
    d->fd = fd;
    d->to = *to;
    d->tolen = tolen;
    d->reply = reply;
    d->rlen = rlen;
    d->next = srv->delayed;
    if (srv->delayed)
        srv->delayed->prev = d;
    srv->delayed = d;
    struct timeval tv = {delay_ms / 1000, (delay_ms % 1000) * 1000};
    evtimer_add(d->ev, &tv);
}

static void udp_read(evutil_socket_t fd, short what, void *arg)
{
    struct listener *lst = arg;
    uint8_t buf[65536];
    for (int i = 0; i < 64; i++) {
        struct sockaddr_storage from;
        socklen_t fromlen = sizeof(from);
        ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
        if (n < 0)
            return; /* EAGAIN: drained */
        char client[64];
        client_text((struct sockaddr *)&from, client, sizeof(client));
        struct canned_site *site = canned_config_site(lst->srv->cfg, lst->address);
        uint8_t *reply = NULL;
        size_t rlen = 0;
        if (site && canned_answer(site, client, buf, (size_t)n, false, &reply, &rlen)) {
            if (site->delay_ms) {
                log_query(lst, "udp", client, buf, (size_t)n, reply, rlen);
                send_later(lst->srv, fd, &from, fromlen, reply, rlen, site->delay_ms);
                continue;
            }
            if (sendto(fd, reply, rlen, 0, (struct sockaddr *)&from, fromlen) < 0)
                fprintf(stderr, "cannedns: %s: sendto: %s\n", lst->address, strerror(errno));
        }
        log_query(lst, "udp", client, buf, (size_t)n, reply, rlen);
        free(reply);
    }
}

static void conn_free(struct tcp_conn *c)
{
    struct server *srv = c->lst->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    srv->conn_count--;
    bufferevent_free(c->bev);
    free(c);
}

static void tcp_read(struct bufferevent *bev, void *arg)
{
    struct tcp_conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    for (;;) {
        uint8_t lenbuf[2];
        if (evbuffer_copyout(in, lenbuf, 2) != 2)
            return;
        size_t len = ((size_t)lenbuf[0] << 8) | lenbuf[1];
        if (evbuffer_get_length(in) < 2 + len)
            return;
        uint8_t *msg = malloc(len ? len : 1);
        if (!msg) {
            conn_free(c);
            return;
        }
        evbuffer_drain(in, 2);
        evbuffer_remove(in, msg, len);
        struct canned_site *site = canned_config_site(c->lst->srv->cfg, c->lst->address);
        uint8_t *reply = NULL;
        size_t rlen = 0;
        if (site && canned_answer(site, c->client, msg, len, true, &reply, &rlen) &&
            rlen <= 65535) {
            uint8_t out[2] = {(uint8_t)(rlen >> 8), (uint8_t)rlen};
            bufferevent_write(bev, out, 2);
            bufferevent_write(bev, reply, rlen);
        }
        log_query(c->lst, "tcp", c->client, msg, len, reply, rlen);
        free(reply);
        free(msg);
    }
}

static void tcp_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
        conn_free(arg);
}

static void tcp_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                       void *arg)
{
    struct listener *lst = arg;
    struct server *srv = lst->srv;
    struct tcp_conn *c = NULL;
    if (srv->conn_count >= MAX_TCP_CONNS || !(c = calloc(1, sizeof(*c)))) {
        evutil_closesocket(fd);
        return;
    }
    c->lst = lst;
    client_text(sa, c->client, sizeof(c->client));
    c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!c->bev) {
        evutil_closesocket(fd);
        free(c);
        return;
    }
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    srv->conn_count++;
    struct timeval idle = {TCP_IDLE_SECONDS, 0};
    bufferevent_set_timeouts(c->bev, &idle, &idle);
    bufferevent_setcb(c->bev, tcp_read, NULL, tcp_event, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* Fills sa from a numeric address and port; returns its length, or 0 when not an address. */
static socklen_t make_sockaddr(const char *address, int port, struct sockaddr_storage *sa)
{
    memset(sa, 0, sizeof(*sa));
    struct sockaddr_in *s4 = (struct sockaddr_in *)sa;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
    if (inet_pton(AF_INET, address, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        return sizeof(*s4);
    }
    if (inet_pton(AF_INET6, address, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        return sizeof(*s6);
    }
    return 0;
}

static int listener_open(struct server *srv, struct listener *lst, const struct canned_site *site,
                         int port)
{
    struct sockaddr_storage sa;
    socklen_t salen = make_sockaddr(site->address, port, &sa);
    lst->srv = srv;
    lst->udp_fd = -1;
    snprintf(lst->address, sizeof(lst->address), "%s", site->address);
    if (salen == 0)
        return -1;
    lst->udp_fd = socket(sa.ss_family, SOCK_DGRAM, 0);
    if (lst->udp_fd < 0 || evutil_make_socket_nonblocking(lst->udp_fd) < 0 ||
        bind(lst->udp_fd, (struct sockaddr *)&sa, salen) < 0) {
        fprintf(stderr, "cannedns: %s port %d udp: %s\n", site->address, port, strerror(errno));
        return -1;
    }
    lst->udp_ev = event_new(srv->base, lst->udp_fd, EV_READ | EV_PERSIST, udp_read, lst);
    if (!lst->udp_ev || event_add(lst->udp_ev, NULL) < 0)
        return -1;
    if (site->no_tcp)
        return 0;
    lst->tcp = evconnlistener_new_bind(srv->base, tcp_accept, lst,
                                       LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 64,
                                       (struct sockaddr *)&sa, (int)salen);
    if (!lst->tcp) {
        fprintf(stderr, "cannedns: %s port %d tcp: %s\n", site->address, port, strerror(errno));
        return -1;
    }
    return 0;
}

static void listeners_close(struct server *srv)
{
    while (srv->delayed)
        delayed_free(srv->delayed);
    while (srv->conns)
        conn_free(srv->conns);
    for (size_t i = 0; i < srv->listener_count; i++) {
        struct listener *lst = &srv->listeners[i];
        if (lst->udp_ev)
            event_free(lst->udp_ev);
        if (lst->udp_fd >= 0)
            close(lst->udp_fd);
        if (lst->tcp)
            evconnlistener_free(lst->tcp);
    }
    free(srv->listeners);
    srv->listeners = NULL;
    srv->listener_count = 0;
}

static void on_hup(evutil_socket_t sig, short what, void *arg)
{
    struct server *srv = arg;
    char err[512];
    struct canned_config *cfg = canned_config_load(srv->config_path, err, sizeof(err));
    if (!cfg) {
        fprintf(stderr, "cannedns: reload failed, keeping the old configuration: %s\n", err);
        return;
    }
    for (size_t i = 0; i < cfg->site_count; i++) {
        bool known = false;
        for (size_t j = 0; j < srv->listener_count; j++)
            known = known || strcmp(srv->listeners[j].address, cfg->sites[i].address) == 0;
        if (!known)
            fprintf(stderr, "cannedns: %s: new address ignored until restart\n",
                    cfg->sites[i].address);
    }
    canned_config_free(srv->cfg);
    srv->cfg = cfg;
    fprintf(stderr, "cannedns: configuration reloaded\n");
}

static void on_term(evutil_socket_t sig, short what, void *arg)
{
    struct server *srv = arg;
    event_base_loopexit(srv->base, NULL);
}

static void usage(FILE *to)
{
    fprintf(to, "usage: cannedns -c CONFIG [-p PORT] [-v]\n"
                "Serves the zones of CONFIG with the misbehaviours it names (see\n"
                "tests/world/README.md). -p: port (default 53), -v: log every query.\n"
                "SIGHUP reloads the configuration and zone files.\n");
}

int main(int argc, char **argv)
{
    struct server srv = {0};
    int port = 53, opt;
    while ((opt = getopt(argc, argv, "c:p:vh")) != -1) {
        switch (opt) {
        case 'c':
            srv.config_path = optarg;
            break;
        case 'p': {
            char *end = NULL;
            long p = strtol(optarg, &end, 10);
            if (!end || *end || p < 1 || p > 65535) {
                fprintf(stderr, "cannedns: -p %s: not a port number\n", optarg);
                return 2;
            }
            port = (int)p;
            break;
        }
        case 'v':
            srv.verbose = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!srv.config_path || optind != argc) {
        usage(stderr);
        return 2;
    }
    char err[512];
    srv.cfg = canned_config_load(srv.config_path, err, sizeof(err));
    if (!srv.cfg) {
        fprintf(stderr, "cannedns: %s\n", err);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int rc = 0;
    srv.base = event_base_new();
    srv.listeners = calloc(srv.cfg->site_count, sizeof(*srv.listeners));
    if (!srv.base || !srv.listeners) {
        fprintf(stderr, "cannedns: out of memory\n");
        rc = 3;
        goto out;
    }
    for (size_t i = 0; i < srv.cfg->site_count; i++) {
        srv.listener_count++;
        if (listener_open(&srv, &srv.listeners[i], &srv.cfg->sites[i], port) < 0) {
            rc = 3;
            goto out;
        }
        fprintf(stderr, "cannedns: listening on %s port %d (%s)\n", srv.cfg->sites[i].address, port,
                srv.cfg->sites[i].no_tcp ? "udp only" : "udp and tcp");
    }
    struct event *hup = evsignal_new(srv.base, SIGHUP, on_hup, &srv);
    struct event *term = evsignal_new(srv.base, SIGTERM, on_term, &srv);
    struct event *intr = evsignal_new(srv.base, SIGINT, on_term, &srv);
    if (!hup || !term || !intr || event_add(hup, NULL) || event_add(term, NULL) ||
        event_add(intr, NULL)) {
        fprintf(stderr, "cannedns: cannot install signal handlers\n");
        rc = 3;
    } else {
        event_base_dispatch(srv.base);
        fprintf(stderr, "cannedns: stopped\n");
    }
    if (hup)
        event_free(hup);
    if (term)
        event_free(term);
    if (intr)
        event_free(intr);
out:
    listeners_close(&srv);
    if (srv.base)
        event_base_free(srv.base);
    canned_config_free(srv.cfg);
    return rc;
}

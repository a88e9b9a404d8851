/*
 * engine.h -- the asynchronous query engine: every DNS query caascan sends goes through here.
 *
 * A query (struct cs_query_spec) goes either to the resolver pool (CA-side lookups, RD=1) or to
 * one fixed address (authoritative probes, RD=0). The engine owns its whole life: it waits in the
 * queue of its destination until the global rate (--qps), the destination's rate (--resolver-qps
 * or --auth-qps) and the in-flight cap allow it; it is sent over UDP from a random socket of a
 * pool of sockets bound to random ports, with a fresh random ID and a fresh 0x20 case on every
 * attempt; a reply is accepted only from the address and port queried, with the same ID, type,
 * class and the question name byte-for-byte as sent; a truncated answer is asked again over TCP;
 * a timeout, a network error or (for a resolver) a case-mangled echo counts against that server
 * and the next attempt goes to another resolver. Every query submitted ends with exactly one call
 * of its callback, whatever happens: an answer, or the reason there is none.
 *
 * Query states (struct cs_q in engine.c): QUEUED -> UDP -> [TCP] -> DONE, with a retry going back
 * to QUEUED. The engine never drops a query: a queue is unbounded; callers bound their own
 * submissions with cs_engine_pending().
 */
#ifndef CAASCAN_ENGINE_H
#define CAASCAN_ENGINE_H

#include "caascan/addr.h"
#include "caascan/error.h"
#include "caascan/query.h"
#include "caascan/resolver_pool.h"

#include <event2/event.h>
#include <ldns/ldns.h>
#include <stdbool.h>
#include <stdint.h>

#define CS_MAX_ATTEMPTS 16

/* Engine-level query flags, next to the wire flags of query.h. */
enum {
    CS_QF_TCP_ONLY = 1 << 8,        /* skip UDP: ask over TCP */
    CS_QF_NO_TCP_FALLBACK = 1 << 9, /* keep a truncated UDP answer as it is */
    CS_QF_PIN_RESOLVER = 1 << 10,   /* first attempt to spec->resolver (unless it rests) */
};

typedef enum cs_outcome {
    CS_OUT_ANSWER = 0,    /* a reply that matched (any RCODE) */
    CS_OUT_CASE_MISMATCH, /* a reply whose question differed from the query in case only */
    CS_OUT_TIMEOUT,       /* no reply in time */
    CS_OUT_NETERR,        /* the packet could not be sent */
    CS_OUT_TCP_FAILED,    /* TCP connect, write or read failed (after TC, or TCP-only) */
    CS_OUT_MALFORMED,     /* a matching reply that ldns cannot parse */
    CS_OUT_CANCELLED,     /* ended by cs_engine_cancel() */
    CS_OUT_COUNT
} cs_outcome;

/* "answer", "case_mismatch", "timeout", "network_error", "tcp_failed", "malformed". */
const char *cs_outcome_name(cs_outcome o);

struct cs_attempt {
    struct cs_addr server;
    cs_outcome outcome;
    int rcode;       /* -1 without a reply */
    uint32_t rtt_us; /* 0 without a reply */
    bool tcp;
    bool truncated; /* the UDP reply of this attempt had TC set */
};

/* What the callback receives: valid only during the call. */
struct cs_answer {
    const char *name; /* as submitted */
    uint16_t qtype;
    cs_outcome outcome; /* of the last attempt */
    /* The parsed reply (ANSWER or CASE_MISMATCH), else NULL; set it to NULL to keep it. */
    ldns_pkt *pkt;
    unsigned rcode;               /* full RCODE when pkt != NULL */
    const struct cs_addr *server; /* the server of the last attempt */
    int resolver;                 /* index in the pool, or -1 for a fixed server */
    bool case_echoed;             /* the last reply repeated the 0x20 name exactly */
    bool tcp;                     /* the last reply came over TCP */
    bool truncated;               /* some UDP reply of this query had TC set */
    uint32_t rtt_us;
    unsigned nattempts;
    const struct cs_attempt *attempts;
    const uint8_t *sent_qname; /* the 0x20 name of the last attempt, wire form */
    size_t sent_qname_len;
};

typedef void (*cs_answer_cb)(struct cs_answer *ans, void *arg);

struct cs_query_spec {
    const char *name; /* presentation form */
    uint16_t qtype;
    uint16_t qclass;              /* 0: IN */
    unsigned flags;               /* CS_QF_* of query.h and engine.h */
    const struct cs_addr *server; /* NULL: the resolver pool */
    unsigned resolver;            /* with CS_QF_PIN_RESOLVER: pool index for the first attempt */
    unsigned attempts;            /* 0: the engine's default */
    uint32_t timeout_ms;          /* 0: the engine's default (upper bound per attempt) */
    uint32_t min_timeout_ms;      /* 0: the engine's default (lower bound per attempt) */
    cs_answer_cb cb;
    void *arg;
};

struct cs_engine_config {
    uint64_t qps_mq;            /* global rate, milli-q/s; 0 unlimited */
    uint64_t resolver_qps_mq;   /* per resolver; 0 unlimited */
    uint64_t auth_qps_mq;       /* per fixed (authoritative) address; 0 unlimited */
    unsigned max_inflight;      /* queries sent and unanswered; default 2000 */
    unsigned resolver_inflight; /* of those, at most this many on one resolver; default 128 */
    unsigned auth_inflight;     /* ... and on one fixed (authoritative) address; default 32 */
    unsigned attempts;          /* default 3 */
    uint32_t timeout_ms;        /* default 4000 */
    uint32_t min_timeout_ms;    /* default 1000 */
    unsigned udp_sockets;       /* sockets per address family; default 64 */
    unsigned socket_uses; /* queries a socket sends before it is replaced; default 256, at most
                           * 16384 */
};

struct cs_engine_stats {
    uint64_t submitted, finished;
    uint64_t sent_udp, sent_tcp, received;
    uint64_t answers, timeouts, neterrs, tcp_failures, malformed;
    uint64_t case_mismatches; /* replies whose echo differed in case only */
    uint64_t unsolicited;     /* packets with an ID nothing is waiting for (or late) */
    uint64_t wrong_source;    /* right socket and ID, wrong address or port */
    uint64_t wrong_question;  /* right source and ID, another question */
    uint64_t tcp_fallbacks;   /* truncated UDP answers retried over TCP */
    uint64_t sockets_opened;
    uint64_t max_dest_per_second; /* most queries any one fixed address got in one second */
};

/*
 * Creates an engine on base. pool may be NULL when every query names its server; the engine
 * keeps a pointer to it and updates its health. Returns NULL on failure (errno set).
 */
struct cs_engine *cs_engine_new(struct event_base *base, const struct cs_engine_config *cfg,
                                struct cs_resolver_pool *pool);

/*
 * Frees the engine and closes its sockets. Call it only when cs_engine_pending() is 0, from
 * outside the event loop: it runs one non-blocking pass of the loop so that TCP connections,
 * which libevent frees from deferred callbacks, are released.
 */
void cs_engine_free(struct cs_engine *e);

/*
 * Submits a query. Its callback runs later, from the event loop, exactly once.
 * \retval CS_OK
 * \retval CS_EINVAL  the name does not parse, or no server and no pool (the callback never runs)
 * \retval CS_ENOMEM
 */
cs_err cs_engine_submit(struct cs_engine *e, const struct cs_query_spec *spec);

/*
 * Ends every query queued or in flight now, each callback running with CS_OUT_CANCELLED; while
 * it runs, and after it, cs_engine_submit() refuses new queries (CS_EINVAL). For a prompt stop on
 * a signal.
 */
void cs_engine_cancel(struct cs_engine *e);

/* Queries submitted and not yet finished. */
size_t cs_engine_pending(const struct cs_engine *e);

void cs_engine_get_stats(const struct cs_engine *e, struct cs_engine_stats *out);

/* The limits that can hold queries back, from the widest to the narrowest. */
typedef enum cs_limit_kind {
    CS_LIMIT_NONE = 0,      /* queued, about to leave */
    CS_LIMIT_QPS,           /* the global rate (--qps) */
    CS_LIMIT_INFLIGHT,      /* queries in flight at most (--max-inflight) */
    CS_LIMIT_DEST_QPS,      /* one address's rate (--auth-qps, --resolver-qps) */
    CS_LIMIT_DEST_INFLIGHT, /* one address's in-flight cap (--auth-inflight, --resolver-inflight) */
    CS_LIMIT_COUNT
} cs_limit_kind;

/* Queries waiting behind one kind of limit, now. */
struct cs_engine_limit {
    cs_limit_kind kind;
    uint64_t waiting;     /* queued behind it, over every address */
    uint64_t places;      /* addresses where it holds queries */
    uint64_t top_waiting; /* at the address with the most */
    int resolver;         /* that address: pool index, or -1 for an authoritative server */
    char where[64];       /* that address, "192.0.2.53:53" */
    char host[64];        /* its name, when the caller knows it ("ns1.example.net"); "" */
};

struct cs_engine_limits {
    uint64_t queued; /* every query queued, not yet sent */
    struct cs_engine_limit by_kind[CS_LIMIT_COUNT];
};

/* What holds the queued queries back, now (a scan of the destinations: for a progress line). */
void cs_engine_get_limits(const struct cs_engine *e, struct cs_engine_limits *out);

/* Fills cfg with the defaults listed in struct cs_engine_config. */
void cs_engine_config_default(struct cs_engine_config *cfg);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t cs_now_ns(void);

#endif

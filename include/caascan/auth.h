/*
 * auth.h -- the authoritative checks of a scan (SPEC.md step 4): for the zones that hold the
 * names of a climb, every nameserver address asked directly, and what each one did wrong.
 *
 * Zone discovery starts from the answers in hand: the SOA of a CA-side negative answer names the
 * zone of its level; other levels are looked up (SOA through the resolvers, with CD=1 so that a
 * DNSSEC failure does not hide the zone); when the resolvers cannot tell (every server of the
 * zone broken), a server of the parent zone is asked for the delegation, whose NS records and
 * glue give the zone's servers. A zone's NS set comes from the resolvers (or that referral), and
 * every IPv4 and IPv6 address of every nameserver name is looked up; a name without an address
 * is a finding (NS_NO_ADDRESS).
 *
 * Each address is then asked directly (RD=0, EDNS0 with DO, 0x20 case). With --auth-depth full:
 * zone probes, once per run for the zone: SOA at the apex `tries` times over UDP, NS at the apex,
 * SOA over TCP, SOA without EDNS, and CAA at the apex in lower case (compared with the mixed-case
 * answers); name probes, once per run for each name of a climb: CAA `tries` times over UDP. With
 * the default, --auth-depth sample: SOA over TCP, SOA without EDNS and CAA in lower case once per
 * run and address, NS and the apex's CAA per zone, SOA only where that gave no serial, and a
 * name's own CAA where it can find something (docs/auth.md, "Depth"). Every reply is
 * judged (RCODE, AA, SOA in negative answers, empty answers, the echoed case), replies to the
 * same question are compared between tries (INTERMITTENT) and between servers (CAA sets, RCODEs,
 * SOA serials, NS sets).
 *
 * Zones, nameserver names, addresses and names are each checked once per run however many
 * names share them; the engine's per-address rate limit (--auth-qps) and in-flight cap keep a
 * provider that serves thousands of the zones from being flooded.
 */
#ifndef CAASCAN_AUTH_H
#define CAASCAN_AUTH_H

#include "caascan/ca_lookup.h"
#include "caascan/csvout.h"
#include "caascan/engine.h"
#include "caascan/problem.h"

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The form of one reply to a direct query. */
typedef enum cs_reply_shape {
    CS_SHAPE_NONE = 0, /* no reply (timeout, network or TCP failure), or malformed */
    CS_SHAPE_ANSWER,   /* NOERROR with records of the type asked for (or an alias) */
    CS_SHAPE_NODATA,   /* NOERROR, no such records */
    CS_SHAPE_NXDOMAIN, /* NXDOMAIN */
    CS_SHAPE_REFERRAL, /* not authoritative, NS records of a child zone in the authority section */
    CS_SHAPE_EMPTY,    /* NOERROR with no record in any section, not even an OPT record */
    CS_SHAPE_ERROR,    /* another RCODE */
} cs_reply_shape;

/* One direct query's outcome, kept compact: a run keeps every one of them. */
struct cs_auth_reply {
    int16_t rcode;   /* -1 without a reply */
    uint8_t outcome; /* cs_outcome; 0xff: not answered yet */
    uint8_t shape;   /* cs_reply_shape */
    bool aa;
    bool soa;       /* an SOA record in the authority section */
    bool upper;     /* the name sent had an upper-case letter */
    bool truncated; /* a UDP reply had TC set (the query went on over TCP) */
    uint32_t rtt_us;
    uint64_t sig; /* order-independent hash of the CAA records of the answer (0: none) */
};

/* One address of one nameserver of one zone: a row of the per-server table. */
struct cs_auth_server {
    struct cs_auth_zone *zone;
    char *ns; /* nameserver host name, lower case, no trailing dot */
    struct cs_addr addr;
    bool has_addr;
    char ip[48];                /* the address without port, "" when none */
    cs_problems findings;       /* everything found at this address for the zone */
    cs_problems zone_probs;     /* of those, what the zone probes found (every name of the zone) */
    cs_problems zone_described; /* of those, what the zone's detail describes */
    bool has_serial;
    uint32_t serial;
    bool has_ns;
    uint64_t ns_hash;
    char *ns_set; /* its NS set at the apex, names sorted and ';'-joined */
    uint64_t queries;
    uint32_t rtt_ms[15]; /* the first round-trip times, for the median */
    unsigned nrtt;
    cs_strbuf detail; /* what it did wrong, clauses joined by "; " */
    /* zone probes: soa[tries], then ns, tcp, noedns, lower (CAA at the apex, lower case) */
    struct cs_auth_reply *probes;
};

struct cs_auth_zone {
    char *apex; /* lower case, no trailing dot */
    bool ready; /* the servers are known (possibly none) */
    bool done;  /* every zone probe answered and judged */
    struct cs_auth_server *servers;
    size_t nservers;
    cs_problems problems; /* zone-wide findings, shared by every name of the zone */
    cs_strbuf detail;     /* their description */
    char *nameservers;    /* "ns1.example.net/192.0.2.53;..." */
    char *why_unchecked;  /* why no server could be listed, NULL otherwise */
    /* private */
    struct auth_zone_priv *priv;
};

/* One name of a climb asked at every address of its zone. */
struct cs_auth_qname {
    char *name;
    struct cs_auth_zone *zone;
    bool done;
    struct cs_auth_reply *replies; /* nservers x tries, server-major */
    unsigned tries;                /* replies per server (those not sent: CS_OUT_CANCELLED) */
    ldns_rr_list **sets;           /* distinct non-empty CAA sets the servers returned */
    unsigned *set_server;          /* for each set, the first server that returned it */
    unsigned nsets;
    cs_problems problems;
    /* Some server answered without CAA records here (NODATA, NXDOMAIN or an empty NOERROR): a CA
     * that asks it goes on to the parent. */
    bool some_without_caa;
    cs_problems *server_probs; /* per server: what its replies to this name showed */
    char **server_detail;      /* per server: "ns (ip) answered ...", NULL when nothing */
    char **server_answer;      /* per server that disagrees with the others (AUTH_INCONSISTENT_CAA
                                  in its findings): its answer ("NXDOMAIN", "no CAA",
                                  "CAA 0 issue ..."); NULL for the others */
    cs_strbuf detail;          /* where the servers disagree */
    /* Asked at every address (false: only its zone's findings apply; --auth-depth sample). */
    bool probed;
    /* private */
    struct auth_qname_priv *priv;
};

/* A name's authoritative picture: for each level of its climb that was checked. */
struct cs_auth_result {
    size_t nlevels;                      /* levels checked (from levels[0] up) */
    struct cs_auth_zone *const *zones;   /* zone of each level, NULL when not found */
    struct cs_auth_qname *const *qnames; /* the level's name probes, NULL without a zone */
};

/* How much per-name probing the authoritative checks do (--auth-depth). */
typedef enum cs_auth_depth {
    CS_AUTH_DEPTH_FULL = 0, /* every name of a climb asked at every address, `tries` times */
    CS_AUTH_DEPTH_SAMPLE,   /* what can differ asked once; per-name CAA where it can find
                               something (docs/auth.md); the default */
} cs_auth_depth;

/* Sampling rule of CS_AUTH_DEPTH_SAMPLE: the first CS_AUTH_SAMPLE_FIRST names of a zone below its
 * apex are asked at every address, each later one when its hash falls in 1/CS_AUTH_SAMPLE_ONE_IN.
 */
#define CS_AUTH_SAMPLE_FIRST  1
#define CS_AUTH_SAMPLE_ONE_IN 8

/* Whether the sampling rule picks `name`, the `nth` (0-based) name below its zone's apex to be
 * decided: the first CS_AUTH_SAMPLE_FIRST always, later ones by a hash of the name. */
bool cs_auth_sample_pick(const char *name, unsigned nth);

struct cs_auth_config {
    cs_auth_depth depth;     /* --auth-depth; default CS_AUTH_DEPTH_SAMPLE */
    unsigned tries;          /* UDP queries per question and address (--auth-tries); default 2 */
    uint32_t timeout_ms;     /* longest wait for a direct query (--auth-timeout); default 3000 */
    uint32_t min_timeout_ms; /* shortest wait, however fast the server; default 1000 */
};

/* Queries a second to one authoritative address unless told otherwise (--auth-qps): a DNS
 * provider serves thousands of the zones from a few addresses. For cs_engine_config.auth_qps_mq. */
#define CS_AUTH_QPS_DEFAULT_MQ 20000

/* Fills cfg with the defaults listed in struct cs_auth_config. */
void cs_auth_config_default(struct cs_auth_config *cfg);

struct cs_auth;

typedef void (*cs_auth_done_cb)(const struct cs_auth_result *res, void *arg);

/* Creates the run-wide state on engine (whose resolver pool answers the discovery lookups). */
struct cs_auth *cs_auth_new(struct cs_engine *engine, const struct cs_auth_config *cfg);
/* Frees every zone, server and name. Call it only when nothing is outstanding. */
void cs_auth_free(struct cs_auth *a);

/*
 * Checks the zones of levels[0..nlevels) (done CA-side levels of one climb, levels[0] the name).
 * cb runs once, possibly before this returns.
 * \retval CS_OK
 * \retval CS_ENOMEM  (cb does not run)
 */
cs_err cs_auth_check(struct cs_auth *a, struct cs_ca_level *const *levels, size_t nlevels,
                     cs_auth_done_cb cb, void *arg);

/*
 * Frees the CAA probes of the name `name` (not a zone's apex) once nobody will ask for them again
 * (the caller knows: cs_scanner_expect); probes with work or waiters left are kept.
 */
void cs_auth_release_name(struct cs_auth *a, const char *name);

/* Zones found so far, and calls fn for each (in no particular order). */
size_t cs_auth_zone_count(const struct cs_auth *a);
void cs_auth_foreach_zone(const struct cs_auth *a, void (*fn)(const struct cs_auth_zone *, void *),
                          void *arg);

/* Direct queries sent, and resolver lookups made for discovery. */
uint64_t cs_auth_queries(const struct cs_auth *a);

/* Direct queries sent to authoritative addresses, and how many of them got a reply: none at all
 * means this machine cannot reach authoritative servers (outbound port 53 blocked, say). */
void cs_auth_direct_counts(const struct cs_auth *a, uint64_t *sent, uint64_t *answered);

/* Names of climbs asked at every address of their zone, and names spared that (they carry their
 * zone's findings and the apex's; --auth-depth sample). */
void cs_auth_name_counts(const struct cs_auth *a, uint64_t *probed, uint64_t *spared);

/* Median of a server's measured round-trip times in ms, -1 when none. */
int cs_auth_server_rtt_ms(const struct cs_auth_server *s);

/* "ANSWER", "NODATA", ... */
const char *cs_reply_shape_name(cs_reply_shape s);

#endif

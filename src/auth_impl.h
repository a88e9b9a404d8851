/*
 * auth_impl.h -- what auth.c (discovery and probes) and auth_judge.c (reading and judging the
 * replies) share. Not part of the library's interface.
 */
#ifndef CAASCAN_AUTH_IMPL_H
#define CAASCAN_AUTH_IMPL_H

#include "caascan/auth.h"
#include "caascan/strmap.h"

/* Zone probes of one address, as indices into cs_auth_server.probes. */
#define AUTH_PROBE_NS(tries)     ((tries) + 0) /* NS at the apex */
#define AUTH_PROBE_TCP(tries)    ((tries) + 1) /* SOA at the apex over TCP */
#define AUTH_PROBE_NOEDNS(tries) ((tries) + 2) /* SOA at the apex without EDNS */
#define AUTH_PROBE_LOWER(tries)  ((tries) + 3) /* CAA at the apex, name in lower case */
static inline size_t cs_auth_zone_probe_count(unsigned tries)
{
    return (size_t)tries + 4;
}

struct auth_waiter {
    void (*cb)(void *arg);
    void *arg;
    struct auth_waiter *next;
};

/* A nameserver name and its addresses. */
struct auth_host {
    char *name;
    bool done;
    bool failed;   /* a lookup got no usable answer */
    bool nxdomain; /* the name does not exist */
    bool from_glue;
    char why[24];
    struct cs_addr *addrs;
    size_t naddrs;
    struct cs_addr *glue; /* from a parent's referral, used when the name does not resolve */
    size_t nglue;
    unsigned outstanding;
    struct auth_waiter *waiters;
};

/* Which zone holds a name. */
struct auth_apex {
    struct cs_auth *a;
    char *name;
    bool done;
    char *apex; /* NULL when it could not be found */
    struct auth_apex *parent;
    struct auth_waiter *waiters;
};

/* Addresses of NS names given in a referral's additional section (glue), by name. */
struct auth_glue {
    struct cs_addr *addr;
    char **name;
    size_t n;
};

/* Adds name (taken: freed here on failure) with addr. CS_ENOMEM leaves g as it was. */
cs_err cs_auth_glue_add(struct auth_glue *g, char *name, const struct cs_addr *addr);
void cs_auth_glue_clear(struct auth_glue *g);

struct auth_zone_priv {
    struct cs_auth *a;
    char **ns; /* NS names */
    size_t nns;
    struct auth_host **hosts; /* one per NS name looked up (nhosts) */
    size_t nhosts, hosts_pending;
    size_t nserved;         /* NS names that have their servers */
    unsigned round_pending; /* NS queries of the current round not answered yet */
    unsigned rounds;
    struct auth_glue glue; /* from a referral */
    unsigned outstanding;  /* zone probes and the apex name, not answered yet */
    struct cs_auth_qname *apex_q;
    struct auth_waiter *ready_waiters, *done_waiters;
};

struct auth_qname_priv {
    struct cs_auth *a;
    unsigned outstanding;
    struct auth_waiter *waiters;
};

/* What a parent zone's server said about a name. */
enum auth_ref_kind {
    AUTH_REF_NONE = 0,  /* nothing usable */
    AUTH_REF_CHILD,     /* a referral: the name is in the child zone `apex` */
    AUTH_REF_IN_PARENT, /* an authoritative answer: the name is in the parent zone */
};

struct auth_referral {
    enum auth_ref_kind kind;
    const char *parent_apex;
    char *apex;
    char **ns;
    size_t nns;
    struct auth_glue glue; /* of the NS names listed */
};

struct cs_auth {
    struct cs_engine *engine;
    unsigned tries;
    uint32_t timeout_ms, min_timeout_ms;
    struct cs_strmap apexes, zones, hosts, qnames; /* keys: the values' own names */
    uint64_t queries;                              /* direct */
    uint64_t answered;                             /* direct queries that got a reply */
    uint64_t lookups;                              /* through the resolvers */
};

/* True when name is apex or below it ("" is the root: every name). */
bool cs_auth_name_in(const char *name, const char *apex);

struct auth_apex *cs_auth_apex_get(struct cs_auth *a, const char *name);
/* The zone with this apex, made (and its discovery started) when new; seed: a referral's NS
 * names and glue to use instead of asking the resolvers. NULL when out of memory. */
struct cs_auth_zone *cs_auth_zone_get(struct cs_auth *a, const char *apex,
                                      const struct auth_referral *seed);
struct cs_auth_qname *cs_auth_qname_get(struct cs_auth *a, const char *name,
                                        struct cs_auth_zone *z);

/* Free a zone (its servers, not its names) and a name; the run's tables use them. */
void cs_auth_zone_free(struct cs_auth_zone *z);
void cs_auth_qname_free(struct cs_auth_qname *q);

/* Asks a server of the zone holding name's parent for NS at name. CS_EINVAL for a TLD. */
cs_err cs_auth_ask_parent(struct cs_auth *a, const char *name,
                          void (*cb)(struct auth_referral *ref, void *arg), void *arg);

/* auth_judge.c */

/* qsort comparator of C strings (char * elements). */
int cs_auth_cmp_str(const void *a, const void *b);

/* True when rr's owner is name (lower case, no trailing dot), compared without case. */
bool cs_auth_owner_is(const ldns_rr *rr, const char *name);

/* Reads a parent server's reply to NS name into ref (kind NONE when it says nothing usable). */
cs_err cs_auth_read_referral(const ldns_pkt *pkt, const char *name, const char *parent_apex,
                             struct auth_referral *ref);
void cs_auth_referral_clear(struct auth_referral *ref);
/* An A or AAAA rdata as an address with port 53. */
cs_err cs_auth_addr_from_rdf(const ldns_rdf *rdf, struct cs_addr *out);

/* Fills r from an answer of the engine to a direct query of qtype in zone apex. */
void cs_auth_read_reply(const struct cs_answer *ans, uint16_t qtype, const char *apex,
                        struct cs_auth_reply *r);
/* Keeps what a reply says about its server: the SOA serial, the NS set at the apex. */
void cs_auth_note_server_data(struct cs_auth_server *s, const ldns_pkt *pkt, uint16_t qtype,
                              const struct cs_auth_reply *r);
/* Keeps the CAA set of a reply when no server returned it before. */
void cs_auth_qname_keep_set(struct cs_auth_qname *q, const ldns_pkt *pkt, unsigned server);

/* Takes a direct query's answer for server s (and, for a name probe, name q; NULL for a zone
 * probe): reads it into r, keeps the server's data, the name's CAA set and the round trip. */
void cs_auth_take_reply(struct cs_auth_server *s, struct cs_auth_qname *q, uint16_t qtype,
                        const struct cs_answer *ans, struct cs_auth_reply *r);

/* Judges the zone probes of every server and compares the servers (zone problems, detail). */
void cs_auth_judge_zone(struct cs_auth_zone *z, unsigned tries);
/* Judges the CAA probes of a name at every server and compares the servers. */
void cs_auth_judge_qname(struct cs_auth_qname *q, unsigned tries);

#endif

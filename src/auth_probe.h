/*
 * auth_probe.h -- the probe types of the authoritative checks: the run-wide state, nameserver
 * hosts, zone apexes, glue, referrals and the private parts of zones and names, which auth.c
 * (discovery and probes) fills and auth_judge.c (auth_judge.h: reading and judging the replies)
 * reads. Their one home: neither file declares anything the other includes. Not part of the
 * library's interface.
 */
#ifndef CAASCAN_AUTH_PROBE_H
#define CAASCAN_AUTH_PROBE_H

#include "caascan/auth.h"
#include "caascan/strmap.h"

#include <string.h>

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

/*
 * An authoritative address's own questions (--auth-depth sample): SOA over TCP without EDNS, SOA
 * without EDNS and CAA at the apex in lower case are facts of the server program at the address,
 * not of a zone. They are asked once per run, at the apex of the first zone that reaches the
 * address (its server `server`), judged once the answers and that zone's apex CAA probes are in,
 * and the findings are given to every zone served there.
 */
struct auth_addr {
    char *ip;                  /* the key */
    struct cs_auth_zone *zone; /* the zone they were asked at */
    size_t server;             /* its server at this address */
    unsigned outstanding;      /* probes and the zone's apex name, not answered yet */
    bool done;
    cs_problems codes; /* what the address does wrong whatever the zone (TCP, EDNS, case, ...) */
    char *text;        /* the clause that says it, without the server's label; NULL: none */
    struct auth_waiter *waiters; /* zones waiting for the findings */
    unsigned zones_judged;       /* zones judged with a server at this address */
    unsigned zones_failing;      /* ... whose server here failed now and then (cs_auth_addr_note) */
    unsigned zones_mixed;        /* ... whose server here answered and failed the same question */
    cs_problems mixed_codes;     /* ... and how it failed (AUTH_SERVFAIL, AUTH_TIMEOUT) */
};

struct auth_zone_priv {
    struct cs_auth *a;
    char **ns; /* NS names */
    size_t nns;
    struct auth_host **hosts; /* one per NS name looked up (nhosts) */
    size_t nhosts, hosts_pending;
    size_t nserved;         /* NS names that have their servers */
    unsigned round_pending; /* NS queries of the current round not answered yet */
    unsigned rounds;
    struct auth_glue glue;   /* from a referral */
    bool glue_asked;         /* the parent was asked for glue of NS names without an address */
    unsigned outstanding;    /* zone probes and the apex name, not answered yet */
    unsigned names_decided;  /* names below the apex the sample took as first (sample mode) */
    bool escalated;          /* a name of the zone showed a finding: ask every later one */
    unsigned sample_pending; /* names below the apex being asked (sample mode) */
    struct auth_waiter *sample_waiters; /* names left out, waiting for those to finish */
    struct cs_auth_qname *apex_q;
    struct auth_addr **addr; /* per server: its address's own findings (sample mode), or NULL */
    bool *soa_in_caa;        /* per server: the apex's CAA answers carried the SOA (sample) */
    struct auth_waiter *ready_waiters, *done_waiters;
};

struct auth_qname_priv {
    struct cs_auth *a;
    bool must_probe; /* a climb's CA-side lookup of the name failed or disagreed */
    bool decided;    /* the sample rule has been applied (sample mode) */
    bool picked;     /* ... and asks the name */
    unsigned sent;   /* tries sent at each address so far */
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
    cs_auth_depth depth;
    uint32_t timeout_ms, min_timeout_ms;
    struct cs_strmap apexes, zones, hosts, qnames; /* keys: the values' own names */
    struct cs_strmap addrs;                        /* address -> struct auth_addr (sample) */
    uint64_t queries;                              /* direct */
    uint64_t answered;                             /* direct queries that got a reply */
    uint64_t lookups;                              /* through the resolvers */
    uint64_t names_probed, names_spared;           /* per-name CAA asked, or not (sample) */
};

/* True when name is apex or below it ("" is the root: every name). */
static inline bool cs_auth_name_in(const char *name, const char *apex)
{
    size_t n = strlen(name), z = strlen(apex);
    if (z == 0)
        return true;
    if (n < z || strcmp(name + n - z, apex) != 0)
        return false;
    return n == z || name[n - z - 1] == '.';
}

/* Free a zone (its servers, not its names) and a name (auth.c); the run's tables use them. */
void cs_auth_zone_free(struct cs_auth_zone *z);
void cs_auth_qname_free(struct cs_auth_qname *q);

#endif

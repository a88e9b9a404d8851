/*
 * ca_lookup.h -- the CA-side CAA lookup of one level of an RFC 8659 climb, shared by every name
 * that climbs through it.
 *
 * A level is one owner name (shop.example.test, example.test, test). Its lookup is `tries`
 * independent CAA queries (RD=1, EDNS0, DO=1, as a CA's resolver asks), each sent to a different
 * resolver of the pool, so that an intermittent failure shows as mixed outcomes. Every try that
 * gets SERVFAIL is asked again with CD=1 at the same resolver: an answer then, or an Extended DNS
 * Error of the DNSSEC family on the SERVFAIL, means DNSSEC validation is what failed.
 *
 * Levels are kept in a table by name, so the zone apex and the TLD that thousands of names
 * climb through are looked up once; a caller that knows nobody will ask for a level again frees
 * it (cs_ca_lookup_release; the scanner does, see cs_scanner_expect). A caller asks for a level
 * and is called back when the level is complete (at once, from inside the call, if it already
 * is).
 */
#ifndef CAASCAN_CA_LOOKUP_H
#define CAASCAN_CA_LOOKUP_H

#include "caascan/engine.h"

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What one try of a level saw. */
typedef enum cs_try_result {
    CS_TRY_DATA = 0, /* NOERROR with CAA records (possibly at the end of an alias chain) */
    CS_TRY_EMPTY,    /* NOERROR without CAA records */
    CS_TRY_NXDOMAIN, /* NXDOMAIN */
    CS_TRY_ERROR,    /* an answer with another RCODE (SERVFAIL, REFUSED, ...), malformed, or still
                      * truncated over TCP (a CA refuses a truncated CAA answer) */
    CS_TRY_TIMEOUT,  /* no answer (timeout, network or TCP failure) */
} cs_try_result;

struct cs_ca_try {
    unsigned resolver; /* pool index */
    cs_try_result result;
    int rcode;          /* -1 without an answer */
    bool case_mismatch; /* the resolver did not echo the 0x20 name */
    bool truncated;     /* the answer had TC set even over TCP: a failed lookup, not an empty set */
    bool dnssec;        /* the failure is a DNSSEC validation failure (EDE or CD=1 answer) */
    bool cd_checked;    /* a CD=1 query was made */
    int cd_rcode;       /* its RCODE, -1 without an answer */
    int ede;            /* first EDE code of the answer, -1 when none */
    char *ede_text;     /* its EXTRA-TEXT (owned), NULL when none or empty: most have none */
    /* The CAA set a DATA try saw: 0 the level's caa, k + 1 its other_sets[k]; -1 otherwise. */
    int set;
};

struct cs_ca_level {
    char *name; /* lower case, no trailing dot */
    bool done;
    unsigned ntries;
    unsigned n_data, n_empty, n_nxdomain, n_error, n_timeout, n_dnssec;
    ldns_rr_list *caa; /* the CAA records of the first DATA try (owned), NULL when none */
    char *caa_owner;   /* their owner name, lower case, no trailing dot */
    /* Other CAA sets that later DATA tries returned (owned, an array of n_other_sets): more than
     * zero exactly when resolvers disagreed. */
    ldns_rr_list **other_sets;
    unsigned n_other_sets;
    bool alias;   /* the name is an alias (CNAME in the answer) */
    bool sampled; /* the first tries disagreed and more were asked (cs_ca_lookup_set_sampling) */
    /* Owner of the SOA record of the first negative answer without an alias (the apex of the
     * zone holding the name, lower case, no trailing dot; "" for the root), NULL when none. */
    char *soa_owner;
    /* For the caller: names still to be reported that use this level (see cs_scanner_expect). */
    unsigned users_left;
    bool users_known;
    /* private */
    unsigned outstanding;
    struct cs_ca_waiter *waiters;
    /* The tries (ntries of them), allocated with the level. */
    struct cs_ca_try tries[];
};

struct cs_ca_lookup;

typedef void (*cs_ca_level_cb)(struct cs_ca_level *level, void *arg);

/*
 * Creates the level table on top of engine, whose resolver pool has nresolvers entries; each
 * level is tried `tries` times (1 to CS_MAX_ATTEMPTS). Returns NULL when out of memory.
 */
struct cs_ca_lookup *cs_ca_lookup_new(struct cs_engine *engine, size_t nresolvers, unsigned tries);
/* Frees every level. Call it only when no lookup is outstanding. */
void cs_ca_lookup_free(struct cs_ca_lookup *cl);

/*
 * Asks for the level `name` (lower case, no trailing dot). cb runs once the level is done: at once
 * when it already is, else later from the event loop.
 * \retval CS_OK
 * \retval CS_EINVAL  the name cannot be queried (cb never runs)
 * \retval CS_ENOMEM
 */
cs_err cs_ca_lookup_level(struct cs_ca_lookup *cl, const char *name, cs_ca_level_cb cb, void *arg);

/*
 * Sequential sampling: a level whose first tries disagree (some failed and some answered, or
 * resolvers returned different CAA sets) gets more tries, round robin over the resolvers, until
 * it has cap in all (cap at most CS_MAX_ATTEMPTS; 0 or no more than the tries: off). Levels whose
 * tries agree cost nothing extra. Call before the first level is asked for.
 */
void cs_ca_lookup_set_sampling(struct cs_ca_lookup *cl, unsigned cap);

/* Queries sent for levels so far (tries and CD=1 checks). */
uint64_t cs_ca_lookup_queries(const struct cs_ca_lookup *cl);
/* Levels made in the run (released ones included). */
size_t cs_ca_lookup_levels(const struct cs_ca_lookup *cl);

/*
 * Frees a done level nobody will ask for again (the caller knows: cs_scanner_expect); asking for
 * its name later starts it anew. A level with work or waiters left is kept.
 */
void cs_ca_lookup_release(struct cs_ca_lookup *cl, struct cs_ca_level *lv);

/* Order-independent hash of the CAA records of a record list (0 when it has none). */
uint64_t cs_caa_set_hash(const ldns_rr_list *rrs);
/* The CAA records of rrs as a new list; *owner (when owner is not NULL and *owner is NULL) gets
 * the first one's owner name, lower case without the trailing dot. NULL when out of memory. */
ldns_rr_list *cs_caa_set_copy(const ldns_rr_list *rrs, char **owner);
/* A domain name as text, lower case, without the trailing dot ("" for the root); malloc'ed. */
char *cs_dname_text(const ldns_rdf *dname);
/* True when dname reads as name (text as cs_dname_text gives it), without allocating. */
bool cs_dname_is(const ldns_rdf *dname, const char *name);

/* "DATA", "EMPTY", "NXDOMAIN", "ERROR", "TIMEOUT". */
const char *cs_try_result_name(cs_try_result r);

struct cs_health;
/* Tells health (NULL: nothing) of every try and every level that ends from now on. */
void cs_ca_lookup_set_health(struct cs_ca_lookup *cl, struct cs_health *health);

#endif

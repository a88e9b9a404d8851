/*
 * canned_answer.h -- the answer logic of cannedns, the canned-answer DNS server of the test world.
 *
 * cannedns serves small zone files authoritatively and misbehaves on purpose, per address, the way
 * broken authoritative servers on the internet do (REFUSED to CAA, silence, answers without SOA,
 * lost 0x20 case, ...). This module holds everything but the sockets: the configuration file, the
 * zone data, and the function that turns one query packet into the reply bytes (or into silence).
 * It never trusts the query: any byte string is a valid input. The file format is described in
 * tests/world/README.md.
 */
#ifndef CANNED_ANSWER_H
#define CANNED_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

/* Behaviours of one (address, zone) binding; bits of canned_zone.behaviours. */
enum canned_behaviour {
    CANNED_NOTIMP_CAA = 1u << 0,     /* NOTIMP to CAA queries */
    CANNED_REFUSED_CAA = 1u << 1,    /* REFUSED to CAA queries */
    CANNED_SERVFAIL_CAA = 1u << 2,   /* SERVFAIL to CAA queries (share_k of every share_n) */
    CANNED_SILENT_CAA = 1u << 3,     /* no reply at all to CAA queries */
    CANNED_NOSOA_NEGATIVE = 1u << 4, /* NODATA and NXDOMAIN answers without the SOA */
    CANNED_EMPTY_CAA = 1u << 5,      /* CAA queries: NOERROR, no record in any section, no OPT */
    CANNED_LOWERCASE_ECHO = 1u << 6, /* question (and owner names) echoed in lower case */
    CANNED_CASE_NXDOMAIN = 1u << 7,  /* NXDOMAIN when the query name has an upper-case letter */
    CANNED_TC_UDP = 1u << 8,         /* every UDP answer is an empty one with TC set */
    CANNED_FORMERR_EDNS = 1u << 9,   /* FORMERR (without OPT) to queries that carry an OPT */
    CANNED_NO_TCP = 1u << 10,        /* no TCP listener on the address (address-wide) */
    CANNED_NO_AA = 1u << 11,         /* AA bit never set */
    CANNED_SILENT_EDNS = 1u << 12,   /* no reply at all to queries that carry an OPT */
    CANNED_TC_CAA = 1u << 13,        /* CAA answers empty with TC set, over UDP and TCP */
};

/* One zone served on one address, with the behaviours of that binding. */
struct canned_zone {
    ldns_rdf *origin;     /* lower-cased apex name */
    ldns_rr *soa;         /* the zone's SOA record */
    ldns_rr_list *rrs;    /* every record of the zone file, owners lower-cased */
    unsigned behaviours;  /* enum canned_behaviour bits */
    unsigned share_k;     /* SERVFAIL the first share_k of every share_n CAA queries */
    unsigned share_n;     /* 1/1 when servfail-caa is given without a share */
    uint64_t caa_queries; /* CAA queries answered so far by this binding */
    char from[4][64];     /* when from_count > 0: behaviours apply to these client addresses only */
    size_t from_count;
    unsigned delay_ms; /* delay=MS: UDP answers of the address leave this late (address-wide) */
};

/* Every zone served on one address. */
struct canned_site {
    char address[64]; /* numeric IPv4 or IPv6 address, as written in the configuration */
    struct canned_zone *zones;
    size_t zone_count;
    bool no_tcp;       /* some binding of this address has no-tcp */
    unsigned delay_ms; /* the largest delay=MS of its bindings: UDP answers wait this long */
};

/* A whole configuration file. */
struct canned_config {
    struct canned_site *sites;
    size_t site_count;
};

/*
 * Reads the configuration file at path and every zone file it names (relative names are relative
 * to the configuration file's directory). Returns the configuration (free with
 * canned_config_free), or NULL with a message "file:line: why" written into err (size errlen).
 */
struct canned_config *canned_config_load(const char *path, char *err, size_t errlen);

/* Frees a configuration from canned_config_load; NULL is allowed. */
void canned_config_free(struct canned_config *cfg);

/* The site for a numeric address (exact text match), or NULL. */
struct canned_site *canned_config_site(struct canned_config *cfg, const char *address);

/*
 * Answers one query (wire format, len bytes, any content) received on site over UDP (tcp false)
 * or TCP (tcp true) from the numeric address client (NULL when unknown). Returns true with a
 * malloc'd reply in *reply / *reply_len, or false when the server stays silent (silent behaviour, a
 * packet with QR set, a packet too short to reply to). The caller frees *reply. Updates the
 * binding's CAA query counter.
 */
bool canned_answer(struct canned_site *site, const char *client, const uint8_t *query, size_t len,
                   bool tcp, uint8_t **reply, size_t *reply_len);

#endif

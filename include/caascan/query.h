/*
 * query.h -- one DNS question on the wire: building it (with ldns), re-arming it for a new attempt
 * (fresh ID, fresh 0x20 case) and deciding whether a received packet is the reply to it.
 *
 * A reply is accepted only when it is a response (QR=1), has the ID sent, exactly one question of
 * the type and class sent, and the question name byte-for-byte as sent. A name that differs only in
 * case is a separate verdict (CS_MATCH_CASE_ONLY). The source address is checked by the engine,
 * which owns the sockets (cs_sockaddr_equal).
 */
#ifndef CAASCAN_QUERY_H
#define CAASCAN_QUERY_H

#include "caascan/error.h"

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Query flags. */
enum {
    CS_QF_RD = 1 << 0,     /* recursion desired */
    CS_QF_CD = 1 << 1,     /* checking disabled */
    CS_QF_DO = 1 << 2,     /* DNSSEC OK (EDNS) */
    CS_QF_NOEDNS = 1 << 3, /* no OPT record */
    CS_QF_NO0X20 = 1 << 4, /* send the name in lower case (for comparisons only) */
};

#define CS_EDNS_BUFSIZE 1232
#define CS_QUERY_MAX    320 /* header 12 + name 255 + type/class 4 + OPT 11, rounded up */

struct cs_wirequery {
    uint8_t buf[CS_QUERY_MAX];
    uint16_t len;       /* octets used in buf */
    uint16_t qname_len; /* the name starts at offset 12 */
    uint16_t qtype;
    uint16_t qclass;
};

/*
 * Builds the query for name (presentation format; a trailing dot is optional) into q.
 * \retval CS_OK
 * \retval CS_EINVAL  the name does not parse as a domain name
 * \retval CS_ENOMEM
 */
cs_err cs_query_build(struct cs_wirequery *q, const char *name, uint16_t qtype, uint16_t qclass,
                      unsigned flags);

/* Gives q a fresh random ID and, unless built with CS_QF_NO0X20, a fresh random case. */
void cs_query_rearm(struct cs_wirequery *q, unsigned flags);

uint16_t cs_query_id(const struct cs_wirequery *q);

typedef enum cs_match {
    CS_MATCH_OK = 0,         /* the reply to q */
    CS_MATCH_CASE_ONLY,      /* the reply to q, but its question differs in case only */
    CS_MATCH_WRONG_ID,       /* another ID */
    CS_MATCH_WRONG_QUESTION, /* not a response, or another name, type or class */
    CS_MATCH_MALFORMED,      /* too short or not parseable up to the question */
} cs_match;

/* Checks whether the packet pkt (len octets) is the reply to q. */
cs_match cs_query_match(const struct cs_wirequery *q, const uint8_t *pkt, size_t len);

/*
 * Parses a reply with ldns_wire2pkt, except one with two or more TSIG records in its additional
 * section, which is refused (LDNS_STATUS_ERR): ldns 1.8.3 keeps the last of them and leaks the
 * others, so a hostile server could grow caascan's memory with every such reply. A reply has
 * no business carrying TSIG records for an unsigned query anyway.
 */
ldns_status cs_pkt_from_wire(ldns_pkt **out, const uint8_t *w, size_t n);

/* True when both addresses have the same family, address and port. */
bool cs_sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b);

/* Mnemonic of a (possibly extended) RCODE: "NOERROR", "SERVFAIL", ...; "RCODE17" when unknown. */
const char *cs_rcode_name(unsigned rcode, char *buf, size_t size);

/* Full RCODE of a parsed reply, including the EDNS extended bits. */
unsigned cs_pkt_rcode(const ldns_pkt *pkt);

/* One Extended DNS Error (RFC 8914) of a reply. */
struct cs_ede {
    uint16_t code;
    /* The EXTRA-TEXT, NUL-terminated, non-printables as '?'; a longer text is cut after its last
     * word that fits and ends with "..." (never mid-word). */
    char text[256];
};

/*
 * Fills out[0..max) with the Extended DNS Errors of pkt (OPT option 15) and returns how many the
 * reply carries (which may exceed max).
 */
size_t cs_pkt_ede(ldns_pkt *pkt, struct cs_ede *out, size_t max);

/* Name of an EDE code per RFC 8914 ("DNSSEC Bogus", "Signature Expired", ...), or NULL. */
const char *cs_ede_name(uint16_t code);

/* True for the EDE codes of the DNSSEC family (1, 2, 5-12). */
bool cs_ede_is_dnssec(uint16_t code);

#endif

/*
 * problem.h -- the result vocabulary of SPEC.md: a name's status and its problem codes.
 *
 * Statuses are ordered worst first: when several hold, the smaller enum value wins. Problem codes
 * are bits of a cs_problems set so that findings from many lookups can be or-ed together; their
 * names are the ones SPEC.md gives and are never renamed (new codes are appended).
 */
#ifndef CAASCAN_PROBLEM_H
#define CAASCAN_PROBLEM_H

#include <stddef.h>
#include <stdint.h>

typedef enum cs_status {
    CS_ST_INVALID = 0,
    CS_ST_DNSSEC_BOGUS,
    CS_ST_SERVFAIL,
    CS_ST_TIMEOUT,
    CS_ST_CAA_FORBIDS,
    CS_ST_FLAKY,
    CS_ST_NXDOMAIN,
    CS_ST_AT_RISK,
    CS_ST_OK,
    CS_ST_COUNT
} cs_status;

typedef enum cs_problem {
    CS_PB_CAA_NOT_AUTHORIZED = 0,
    CS_PB_CAA_EMPTY_ISSUER,
    CS_PB_CAA_CRITICAL_UNKNOWN,
    CS_PB_CAA_PARAM_MISMATCH,
    CS_PB_CAA_MALFORMED,
    CS_PB_CAA_ISSUER_NONCANONICAL,
    CS_PB_RESOLVER_SERVFAIL,
    CS_PB_RESOLVER_TIMEOUT,
    CS_PB_DNSSEC_BOGUS,
    CS_PB_AUTH_NOTIMP,
    CS_PB_AUTH_REFUSED,
    CS_PB_AUTH_SERVFAIL,
    CS_PB_AUTH_FORMERR,
    CS_PB_AUTH_TIMEOUT,
    CS_PB_AUTH_NOT_AUTHORITATIVE,
    CS_PB_MISSING_SOA_NEGATIVE,
    CS_PB_EMPTY_NOERROR,
    CS_PB_CASE_NOT_PRESERVED,
    CS_PB_CASE_SENSITIVE_ANSWER,
    CS_PB_AUTH_INCONSISTENT_CAA,
    CS_PB_SOA_SERIAL_MISMATCH,
    CS_PB_NS_SET_MISMATCH,
    CS_PB_EDNS_BROKEN,
    CS_PB_TCP_BROKEN,
    CS_PB_INTERMITTENT,
    CS_PB_TLD_NXDOMAIN,
    CS_PB_INVALID_NAME,
    /* Codes caascan adds to SPEC.md's set. */
    CS_PB_NS_NO_ADDRESS,  /* a nameserver name of the zone has no address (lame delegation) */
    CS_PB_AUTH_MALFORMED, /* an authoritative server sent a reply that does not parse */
    CS_PB_COUNT
} cs_problem;

/* A set of problem codes: bit (1 << code). */
typedef uint64_t cs_problems;

#define CS_PB_BIT(code) ((cs_problems)1 << (code))

/* "OK", "DNSSEC_BOGUS", ...; NULL for a value out of range. */
const char *cs_status_name(cs_status st);
/* Parses a status name (exact, upper case); returns CS_ST_COUNT when unknown. */
cs_status cs_status_parse(const char *name);
/* "CAA_NOT_AUTHORIZED", ...; NULL for a value out of range. */
const char *cs_problem_name(cs_problem pb);
/* Parses a problem code name; returns CS_PB_COUNT when unknown. */
cs_problem cs_problem_parse(const char *name);

/*
 * Writes the codes of set as "CODE;CODE" in enum order into buf (NUL-terminated, truncated to
 * size). Returns the length the full text needs, like snprintf.
 */
size_t cs_problems_format(cs_problems set, char *buf, size_t size);

#endif

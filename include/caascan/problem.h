/*
 * problem.h -- the result vocabulary of SPEC.md: a name's status and its problem codes, and for
 * every code what it means, who must act and the sentence to send them (the `fix` column).
 *
 * Statuses are ordered worst first: when several hold, the smaller enum value wins. Problem codes
 * are bits of a cs_problems set so that findings from many lookups can be or-ed together; their
 * names are the ones SPEC.md gives and are never renamed (new codes are appended).
 */
#ifndef CAASCAN_PROBLEM_H
#define CAASCAN_PROBLEM_H

#include <stdbool.h>
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
/* The same for the len bytes at name (not NUL-terminated). */
cs_problem cs_problem_parse_n(const char *name, size_t len);
/* The set of the known codes of a ';'-joined cell (unknown codes are left out); 0 for NULL. */
cs_problems cs_problems_parse(const char *cell);

/*
 * Writes the codes of set as "CODE;CODE" in enum order into buf (NUL-terminated, truncated to
 * size). Returns the length the full text needs, like snprintf.
 */
size_t cs_problems_format(cs_problems set, char *buf, size_t size);

/* Who must act on a finding. */
typedef enum cs_party {
    CS_PARTY_CUSTOMER = 0, /* the domain's owner: its CAA records, its registration */
    CS_PARTY_DNS_OPERATOR, /* the DNS provider: the operator of the nameservers named */
    CS_PARTY_CA_ACCOUNT,   /* whoever orders the certificates with the CA account */
    CS_PARTY_SCANNER,      /* the operator of caascan: the inventory it was given */
    CS_PARTY_COUNT
} cs_party;

/* "customer", "dns-operator", "ca-account", "scanner-operator"; NULL when out of range. */
const char *cs_party_name(cs_party p);
/* "the customer (the domain's owner)", ...: for a person; NULL when out of range. */
const char *cs_party_title(cs_party p);

/*
 * The table (the single source of docs/problems.md, the man page's table, `check` and the fix
 * column). fix is a template; its placeholders are filled from a struct cs_finding:
 *   {operator}  "the operator of NS (ADDRESS)" for one server, else "the DNS provider of ZONE
 *               (SERVERS)" -- the finding's zone and its nameservers
 *   {server} {address} {name} {zone} {answer} {qtype}  the finding's fields
 *   {ca}        the CA's display name ("Let's Encrypt"), {ca_domain} its issuer domain
 *   {tag}       the CAA property that authorizes the name: issuewild for a wildcard, else issue
 * A filled sentence has no final period and no ';' outside double quotes: a cell joins several
 * with "; ".
 */
struct cs_problem_info {
    cs_party party;
    const char *meaning; /* one sentence: what was found */
    const char *fix;     /* the template of what to ask for */
};

/* The table entry of pb; NULL when out of range. */
const struct cs_problem_info *cs_problem_info(cs_problem pb);

/* One finding of one row: a code and the facts it was found with. Empty strings when unknown. */
struct cs_finding {
    cs_problem code;
    char server[256]; /* nameserver host name; several "ns/ip" joined by ", " for a zone */
    char address[48]; /* that server's address ("" for several, or none) */
    char name[256];   /* the record (level) name the finding is about */
    char zone[256];   /* the zone holding it */
    char answer[256]; /* what was answered: "NOTIMP", "no reply", "CAA 0 issue ..." */
    char qtype[8];    /* the question: "CAA", "SOA" */
    bool wildcard;    /* the row's name is a wildcard: its CAA property is issuewild */
};

/* The CA's name for people: "Let's Encrypt" for letsencrypt.org, ...; the domain itself when
 * caascan does not know it. */
const char *cs_ca_display_name(const char *ca_domain);

/*
 * Fills the fix template of f->code for CA ca_domain into buf (NUL-terminated, truncated to
 * size). Returns the length the full text needs, like snprintf.
 */
size_t cs_fix_format(const struct cs_finding *f, const char *ca_domain, char *buf, size_t size);

#endif

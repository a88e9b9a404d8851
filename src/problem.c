/* problem.c -- names of statuses and problem codes, and the table of what each code means, who
 * must act and the sentence to send them (problem.h). */
#include "caascan/problem.h"

#include "caascan/csvout.h"

#include <stdio.h>
#include <string.h>

static const char *const status_names[CS_ST_COUNT] = {
    "INVALID", "DNSSEC_BOGUS", "SERVFAIL", "TIMEOUT", "CAA_FORBIDS",
    "FLAKY",   "NXDOMAIN",     "AT_RISK",  "OK",
};

static const char *const problem_names[CS_PB_COUNT] = {
    "CAA_NOT_AUTHORIZED",    "CAA_EMPTY_ISSUER",      "CAA_CRITICAL_UNKNOWN",
    "CAA_PARAM_MISMATCH",    "CAA_MALFORMED",         "CAA_ISSUER_NONCANONICAL",
    "RESOLVER_SERVFAIL",     "RESOLVER_TIMEOUT",      "DNSSEC_BOGUS",
    "AUTH_NOTIMP",           "AUTH_REFUSED",          "AUTH_SERVFAIL",
    "AUTH_FORMERR",          "AUTH_TIMEOUT",          "AUTH_NOT_AUTHORITATIVE",
    "MISSING_SOA_NEGATIVE",  "EMPTY_NOERROR",         "CASE_NOT_PRESERVED",
    "CASE_SENSITIVE_ANSWER", "AUTH_INCONSISTENT_CAA", "SOA_SERIAL_MISMATCH",
    "NS_SET_MISMATCH",       "EDNS_BROKEN",           "TCP_BROKEN",
    "INTERMITTENT",          "TLD_NXDOMAIN",          "INVALID_NAME",
    "NS_NO_ADDRESS",         "AUTH_MALFORMED",
};

const char *cs_status_name(cs_status st)
{
    if ((unsigned)st >= CS_ST_COUNT)
        return NULL;
    return status_names[st];
}

cs_status cs_status_parse(const char *name)
{
    for (int i = 0; i < CS_ST_COUNT; i++)
        if (strcmp(name, status_names[i]) == 0)
            return (cs_status)i;
    return CS_ST_COUNT;
}

const char *cs_problem_name(cs_problem pb)
{
    if ((unsigned)pb >= CS_PB_COUNT)
        return NULL;
    return problem_names[pb];
}

cs_problem cs_problem_parse(const char *name)
{
    return cs_problem_parse_n(name, strlen(name));
}

cs_problem cs_problem_parse_n(const char *name, size_t len)
{
    for (int i = 0; i < CS_PB_COUNT; i++)
        if (strlen(problem_names[i]) == len && memcmp(name, problem_names[i], len) == 0)
            return (cs_problem)i;
    return CS_PB_COUNT;
}

cs_problems cs_problems_parse(const char *cell)
{
    cs_problems set = 0;
    size_t pos = 0, len;
    const char *item;
    while (cell && cs_list_next(cell, &pos, &item, &len)) {
        cs_problem pb = cs_problem_parse_n(item, len);
        if (pb != CS_PB_COUNT)
            set |= CS_PB_BIT(pb);
    }
    return set;
}

size_t cs_problems_format(cs_problems set, char *buf, size_t size)
{
    size_t need = 0;
    if (size > 0)
        buf[0] = '\0';
    for (int i = 0; i < CS_PB_COUNT; i++) {
        if (!(set & CS_PB_BIT(i)))
            continue;
        int n = snprintf(buf ? buf + (need < size ? need : size) : NULL,
                         need < size ? size - need : 0, "%s%s", need ? ";" : "", problem_names[i]);
        need += (size_t)n;
    }
    return need;
}

/* ---- who must act, and what to ask them ------------------------------------------------- */

static const char *const party_names[CS_PARTY_COUNT] = {
    "customer",
    "dns-operator",
    "ca-account",
    "scanner-operator",
};

static const char *const party_titles[CS_PARTY_COUNT] = {
    "the customer (the domain's owner)",
    "the DNS provider (the operator of the nameservers named)",
    "the CA account owner (whoever orders the certificates)",
    "the scanner's operator (the inventory caascan was given)",
};

const char *cs_party_name(cs_party p)
{
    return (unsigned)p < CS_PARTY_COUNT ? party_names[p] : NULL;
}

const char *cs_party_title(cs_party p)
{
    return (unsigned)p < CS_PARTY_COUNT ? party_titles[p] : NULL;
}

#define LOOKUP_FAILS "and {ca} refuses to issue when a CAA lookup fails"

static const struct cs_problem_info problem_table[CS_PB_COUNT] = {
    [CS_PB_CAA_NOT_AUTHORIZED] =
        {CS_PARTY_CUSTOMER, "The relevant CAA record set does not authorize the CA.",
         "Ask the owner of {name} to add the CAA record 0 {tag} \"{ca_domain}\" at {name}: the "
         "records there ({answer}) do not authorize {ca}"},
    [CS_PB_CAA_EMPTY_ISSUER] =
        {CS_PARTY_CUSTOMER,
         "A CAA record with an empty issuer (0 issue \";\") allows no CA at all.",
         "Ask the owner of {name} to replace the CAA record 0 issue \";\" at {name} with 0 issue "
         "\"{ca_domain}\": an empty issuer forbids every CA, {ca} included"},
    [CS_PB_CAA_CRITICAL_UNKNOWN] =
        {CS_PARTY_CUSTOMER,
         "A CAA record has a tag the CA does not know and the critical flag: the CA must refuse.",
         "Ask the owner of {name} to remove the critical flag (or the record) of the CAA tag {ca} "
         "does not know at {name} ({answer}): an unknown critical tag forbids issuance"},
    [CS_PB_CAA_PARAM_MISMATCH] =
        {CS_PARTY_CA_ACCOUNT,
         "The issuer matches, but an accounturi or validationmethods parameter rules out the "
         "account or validation method in use.",
         "Order the certificate for {name} with the ACME account and validation method that the "
         "CAA records at {name} allow ({answer}), or ask the domain's owner to allow the ones "
         "in use"},
    [CS_PB_CAA_MALFORMED] =
        {CS_PARTY_CUSTOMER, "A CAA record does not parse: it authorizes nobody.",
         "Ask the owner of {name} to correct the CAA record at {name} that does not parse "
         "({answer}): {ca} treats it as authorizing no one"},
    [CS_PB_CAA_ISSUER_NONCANONICAL] =
        {CS_PARTY_CUSTOMER,
         "The issuer domain matches the CA's only after case folding or removing a trailing dot.",
         "Ask the owner of {name} to write the issuer in the CAA records at {name} exactly as "
         "\"{ca_domain}\" (lower case, no trailing dot): they read {answer}, which {ca} may not "
         "match"},
    [CS_PB_RESOLVER_SERVFAIL] =
        {CS_PARTY_DNS_OPERATOR,
         "The CA-side CAA lookup through recursive resolvers failed with SERVFAIL (or another "
         "error RCODE).",
         "Ask {operator} to make CAA lookups for {name} succeed: recursive resolvers answer "
         "{answer}, " LOOKUP_FAILS},
    [CS_PB_RESOLVER_TIMEOUT] =
        {CS_PARTY_DNS_OPERATOR, "The CA-side CAA lookup through recursive resolvers timed out.",
         "Ask {operator} to make CAA lookups for {name} answer in time: recursive resolvers get "
         "{answer}, " LOOKUP_FAILS},
    [CS_PB_DNSSEC_BOGUS] =
        {CS_PARTY_DNS_OPERATOR,
         "The CA-side CAA lookup fails DNSSEC validation (signatures or DS records broken).",
         "Ask {operator} to repair the DNSSEC signatures or DS records of {zone}: validating "
         "resolvers reject the CAA answer for {name} ({answer}), " LOOKUP_FAILS},
    [CS_PB_AUTH_NOTIMP] = {CS_PARTY_DNS_OPERATOR, "An authoritative server answers NOTIMP.",
                           "Ask {operator} to answer {qtype} queries for {name} with NOERROR: it "
                           "answers {answer}, " LOOKUP_FAILS},
    [CS_PB_AUTH_REFUSED] = {CS_PARTY_DNS_OPERATOR, "An authoritative server answers REFUSED.",
                            "Ask {operator} to answer {qtype} queries for {name} with NOERROR: it "
                            "answers {answer}, " LOOKUP_FAILS},
    [CS_PB_AUTH_SERVFAIL] = {CS_PARTY_DNS_OPERATOR, "An authoritative server answers SERVFAIL.",
                             "Ask {operator} to answer {qtype} queries for {name} with NOERROR: it "
                             "answers {answer}, " LOOKUP_FAILS},
    [CS_PB_AUTH_FORMERR] = {CS_PARTY_DNS_OPERATOR,
                            "An authoritative server answers FORMERR to a well-formed query.",
                            "Ask {operator} to answer {qtype} queries for {name} with NOERROR: it "
                            "answers {answer}, " LOOKUP_FAILS},
    [CS_PB_AUTH_TIMEOUT] =
        {CS_PARTY_DNS_OPERATOR, "An authoritative server does not answer.",
         "Ask {operator} to answer {qtype} queries for {name}: it gives {answer}, and {ca} "
         "refuses to issue when a CAA lookup times out"},
    [CS_PB_AUTH_NOT_AUTHORITATIVE] =
        {CS_PARTY_DNS_OPERATOR,
         "An authoritative server answers without the AA bit: it does not serve the zone.",
         "Ask {operator} to serve {zone} authoritatively: it answers {qtype} queries for {name} "
         "{answer}, and resolvers do not accept such answers"},
    [CS_PB_MISSING_SOA_NEGATIVE] =
        {CS_PARTY_DNS_OPERATOR,
         "A negative answer (NODATA or NXDOMAIN) comes without the zone's SOA record.",
         "Ask {operator} to put the SOA record of {zone} in negative answers: it answers {qtype} "
         "queries for {name} with {answer}, which resolvers may treat as a failure"},
    [CS_PB_EMPTY_NOERROR] =
        {CS_PARTY_DNS_OPERATOR,
         "An answer is a completely empty NOERROR (no record in any section, no OPT record).",
         "Ask {operator} to answer {qtype} queries for {name} with a proper answer (records, or "
         "NODATA with the SOA of {zone}): it sends {answer}"},
    [CS_PB_CASE_NOT_PRESERVED] =
        {CS_PARTY_DNS_OPERATOR,
         "The question in a reply differs in case from the 0x20-randomized name sent.",
         "Ask {operator} to copy the question name into replies exactly as asked (DNS 0x20): it "
         "returns {answer} for {qtype} {name}, and CAs' resolvers randomize the case"},
    [CS_PB_CASE_SENSITIVE_ANSWER] =
        {CS_PARTY_DNS_OPERATOR,
         "A server answers differently depending on the case of the query name.",
         "Ask {operator} to answer {qtype} queries for {name} the same whatever the case of the "
         "name: it answers {answer}, and CAs' resolvers randomize the case"},
    [CS_PB_AUTH_INCONSISTENT_CAA] =
        {CS_PARTY_DNS_OPERATOR,
         "The authoritative servers of a zone return different CAA records or RCODEs.",
         "Ask {operator} to serve the same CAA records for {name} as the other servers of "
         "{zone}: it answers {answer}, and {ca} may ask any of them"},
    [CS_PB_SOA_SERIAL_MISMATCH] =
        {CS_PARTY_DNS_OPERATOR,
         "The servers of a zone give different SOA serials: a copy is out of date.",
         "Ask {operator} to bring its copy of {zone} up to date with the other servers: it "
         "serves {answer}"},
    [CS_PB_NS_SET_MISMATCH] =
        {CS_PARTY_DNS_OPERATOR, "The servers of a zone give different NS sets at the apex.",
         "Ask {operator} to serve the same NS records for {zone} as the other servers: it lists "
         "{answer}"},
    [CS_PB_EDNS_BROKEN] =
        {CS_PARTY_DNS_OPERATOR, "A server answers without EDNS but not with it.",
         "Ask {operator} to answer queries for {zone} that carry EDNS (an OPT record): it "
         "answers {answer} to them, and resolvers send EDNS"},
    [CS_PB_TCP_BROKEN] =
        {CS_PARTY_DNS_OPERATOR, "A server does not answer over TCP.",
         "Ask {operator} to answer DNS over TCP for {zone}: it gives {answer}, and resolvers "
         "retry over TCP when an answer is truncated"},
    [CS_PB_INTERMITTENT] =
        {CS_PARTY_DNS_OPERATOR, "Tries of the same question got different outcomes.",
         "Ask {operator} to answer {qtype} queries for {name} the same every time: it gave "
         "{answer}, " LOOKUP_FAILS},
    [CS_PB_TLD_NXDOMAIN] =
        {CS_PARTY_SCANNER, "The name's top-level domain does not exist.",
         "Correct or remove {name} in the inventory: its top-level domain {zone} does not exist "
         "(the root answers {answer})"},
    [CS_PB_INVALID_NAME] = {CS_PARTY_SCANNER,
                            "The input is not a valid DNS name; it was not scanned.",
                            "Correct or remove {name} in the inventory: {answer}"},
    [CS_PB_NS_NO_ADDRESS] =
        {CS_PARTY_DNS_OPERATOR, "A nameserver name of the zone has no address (a lame delegation).",
         "Ask the DNS provider of {zone} to give {server} an address or remove it from the NS "
         "records of {zone} (and the delegation): it has {answer}"},
    [CS_PB_AUTH_MALFORMED] =
        {CS_PARTY_DNS_OPERATOR, "A server sent a reply that does not parse.",
         "Ask {operator} to send well-formed replies to {qtype} queries for {name}: it sent "
         "{answer}, " LOOKUP_FAILS},
};

const struct cs_problem_info *cs_problem_info(cs_problem pb)
{
    return (unsigned)pb < CS_PB_COUNT ? &problem_table[pb] : NULL;
}

const char *cs_ca_display_name(const char *ca_domain)
{
    static const struct {
        const char *domain, *name;
    } cas[] = {
        {"letsencrypt.org", "Let's Encrypt"},
        {"pki.goog", "Google Trust Services"},
        {"sectigo.com", "Sectigo"},
        {"digicert.com", "DigiCert"},
        {"amazon.com", "Amazon"},
        {"amazontrust.com", "Amazon"},
        {"globalsign.com", "GlobalSign"},
        {"buypass.com", "Buypass"},
        {"ssl.com", "SSL.com"},
        {"zerossl.com", "ZeroSSL"},
    };
    if (!ca_domain)
        return "the CA";
    for (size_t i = 0; i < sizeof(cas) / sizeof(cas[0]); i++)
        if (strcmp(ca_domain, cas[i].domain) == 0)
            return cas[i].name;
    return ca_domain;
}

/* Appends n bytes of s to buf at *len (counting what does not fit). */
static void put(char *buf, size_t size, size_t *len, const char *s, size_t n)
{
    if (*len < size) {
        size_t room = size - *len - 1;
        memcpy(buf + *len, s, n < room ? n : room);
        buf[*len + (n < room ? n : room)] = '\0';
    }
    *len += n;
}

static void puts_(char *buf, size_t size, size_t *len, const char *s)
{
    put(buf, size, len, s, strlen(s));
}

size_t cs_fix_format(const struct cs_finding *f, const char *ca_domain, char *buf, size_t size)
{
    size_t len = 0;
    if (size > 0)
        buf[0] = '\0';
    const struct cs_problem_info *pi = cs_problem_info(f->code);
    if (!pi)
        return 0;
    const char *zone = f->zone[0] ? f->zone : f->name;
    for (const char *p = pi->fix; *p;) {
        const char *open = strchr(p, '{');
        const char *close = open ? strchr(open, '}') : NULL;
        if (!open || !close) {
            puts_(buf, size, &len, p);
            break;
        }
        put(buf, size, &len, p, (size_t)(open - p));
        size_t kn = (size_t)(close - open - 1);
        const char *k = open + 1;
#define IS(word) (kn == strlen(word) && strncmp(k, word, kn) == 0)
        if (IS("operator")) {
            if (f->server[0] && f->address[0]) {
                puts_(buf, size, &len, "the operator of ");
                puts_(buf, size, &len, f->server);
                puts_(buf, size, &len, " (");
                puts_(buf, size, &len, f->address);
                puts_(buf, size, &len, ")");
            } else {
                puts_(buf, size, &len, "the DNS provider of ");
                puts_(buf, size, &len, zone);
                if (f->server[0]) {
                    puts_(buf, size, &len, " (");
                    puts_(buf, size, &len, f->server);
                    puts_(buf, size, &len, ")");
                }
            }
        } else if (IS("server")) {
            puts_(buf, size, &len, f->server[0] ? f->server : "its nameserver");
        } else if (IS("address")) {
            puts_(buf, size, &len, f->address[0] ? f->address : "no address");
        } else if (IS("name")) {
            puts_(buf, size, &len, f->name);
        } else if (IS("zone")) {
            puts_(buf, size, &len, zone);
        } else if (IS("answer")) {
            puts_(buf, size, &len, f->answer[0] ? f->answer : "an answer it should not give");
        } else if (IS("qtype")) {
            puts_(buf, size, &len, f->qtype[0] ? f->qtype : "CAA");
        } else if (IS("ca")) {
            puts_(buf, size, &len, cs_ca_display_name(ca_domain));
        } else if (IS("tag")) {
            puts_(buf, size, &len, f->wildcard ? "issuewild" : "issue");
        } else if (IS("ca_domain")) {
            puts_(buf, size, &len, ca_domain ? ca_domain : "");
        } else {
            put(buf, size, &len, open, (size_t)(close - open + 1));
        }
#undef IS
        p = close + 1;
    }
    return len;
}

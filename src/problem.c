/* problem.c -- names of statuses and problem codes (problem.h). */
#include "caascan/problem.h"

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
    for (int i = 0; i < CS_PB_COUNT; i++)
        if (strcmp(name, problem_names[i]) == 0)
            return (cs_problem)i;
    return CS_PB_COUNT;
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

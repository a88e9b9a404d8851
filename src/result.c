/* result.c -- column names of the result and per-server tables (result.h). */
#include "caascan/result.h"

#include <string.h>

static const char *const result_cols[CS_RC_COUNT] = {
    "name", "status",      "issuable",       "fail_pct", "problems", "fix",     "caa_owner",  "caa",
    "zone", "nameservers", "resolver_rcode", "ede",      "detail",   "sources", "checked_at",
};

static const char *const server_cols[CS_SC_COUNT] = {
    "zone", "nameserver", "address", "findings", "serial", "rtt_ms", "queries", "detail",
};

const char *cs_result_col_name(cs_result_col col)
{
    if ((unsigned)col >= CS_RC_COUNT)
        return NULL;
    return result_cols[col];
}

const char *cs_server_col_name(cs_server_col col)
{
    if ((unsigned)col >= CS_SC_COUNT)
        return NULL;
    return server_cols[col];
}

const char *const *cs_table_header(cs_table t)
{
    return t == CS_TABLE_SERVERS ? server_cols : result_cols;
}

size_t cs_table_ncols(cs_table t)
{
    return t == CS_TABLE_SERVERS ? CS_SC_COUNT : CS_RC_COUNT;
}

const char *cs_table_prefix(cs_table t)
{
    return t == CS_TABLE_SERVERS ? "servers" : "results";
}

int cs_header_find(const char *const *header, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (header[i] && strcmp(header[i], name) == 0)
            return (int)i;
    return -1;
}

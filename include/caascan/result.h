/*
 * result.h -- the two tables of a run directory (SPEC.md "Output: a run directory"): the result
 * table, one row per input name, and the per-server table, one row per (zone, nameserver
 * address). The scanner, the shard store and the tests share these column definitions.
 *
 * A row is an array of NUL-terminated strings: the fixed columns in enum order, followed by the
 * kept input columns of the run (--keep-columns), whose names the run's header carries. The header
 * is fixed for a run. Lists inside a cell are joined with ';'.
 */
#ifndef CAASCAN_RESULT_H
#define CAASCAN_RESULT_H

#include <stddef.h>

/* Columns of the result table, in file order. */
typedef enum cs_result_col {
    CS_RC_NAME = 0,       /* normalized name (A-labels, lower case, no trailing dot) */
    CS_RC_STATUS,         /* one of the cs_status names */
    CS_RC_ISSUABLE,       /* yes, no or unknown */
    CS_RC_FAIL_PCT,       /* % of issuance attempts failing the CAA check; "" when INVALID */
    CS_RC_PROBLEMS,       /* ';'-joined problem codes */
    CS_RC_FIX,            /* what to do and who must do it: sentences joined by "; " */
    CS_RC_CAA_OWNER,      /* owner name of the relevant CAA set */
    CS_RC_CAA,            /* relevant CAA set, presentation form, ';'-joined */
    CS_RC_ZONE,           /* zone that holds the name */
    CS_RC_NAMESERVERS,    /* ';'-joined name/address of the zone's servers */
    CS_RC_RESOLVER_RCODE, /* RCODE(s) seen from the resolvers */
    CS_RC_EDE,            /* Extended DNS Error code and text */
    CS_RC_DETAIL,         /* one sentence for a person */
    CS_RC_SOURCES,        /* ';'-joined FILE:LINE or crtsh:ID */
    CS_RC_CHECKED_AT,     /* RFC 3339 UTC */
    CS_RC_COUNT
} cs_result_col;

/* Columns of the per-server table, in file order. */
typedef enum cs_server_col {
    CS_SC_ZONE = 0,
    CS_SC_NAMESERVER, /* nameserver host name */
    CS_SC_ADDRESS,    /* IPv4 or IPv6 address */
    CS_SC_FINDINGS,   /* ';'-joined problem codes */
    CS_SC_SERIAL,     /* SOA serial the server gave */
    CS_SC_RTT_MS,     /* median round-trip time in milliseconds */
    CS_SC_QUERIES,    /* queries sent to this server for this zone */
    CS_SC_DETAIL,
    CS_SC_COUNT
} cs_server_col;

/* The two tables of a run. */
typedef enum cs_table { CS_TABLE_RESULTS = 0, CS_TABLE_SERVERS, CS_TABLE_COUNT } cs_table;

/* One row: nfields strings, the fixed columns first. Borrowed pointers unless said otherwise. */
typedef struct cs_row {
    const char *const *fields;
    size_t nfields;
} cs_row;

/* Header name of result column col ("name", "status", ...); NULL when out of range. */
const char *cs_result_col_name(cs_result_col col);
/* Header name of server column col ("zone", "nameserver", ...); NULL when out of range. */
const char *cs_server_col_name(cs_server_col col);
/* The fixed header of table t as a static array of cs_table_ncols(t) names. */
const char *const *cs_table_header(cs_table t);
/* Number of fixed columns of table t (CS_RC_COUNT or CS_SC_COUNT). */
size_t cs_table_ncols(cs_table t);
/* File name prefix of table t's shards: "results" or "servers". */
const char *cs_table_prefix(cs_table t);

/*
 * Finds column name in header (n names); returns its index or -1. Used by readers so that runs
 * with different kept columns still work.
 */
int cs_header_find(const char *const *header, size_t n, const char *name);

#endif

/*
 * report.h -- `caascan report`: roll-ups of a run's result table (and per-server table).
 *
 * A name belongs to one or more groups, and each group counts its names, its failing names
 * (cs_status_is_failing(): every status but OK and AT_RISK) and its at-risk names:
 *   certificate        one group per crt.sh certificate: every "crtsh:ID" item of sources; with
 *                      group_column, one group per ';'-item of that kept input column instead.
 *                      A certificate would fail renewal when any of its names is failing.
 *   zone               the zone column; findings come from the per-server table rows of the zone.
 *   nameserver         every address of the nameservers column ("host/address"); findings and
 *                      host names also from the per-server table rows of that address.
 *   registered-domain  libpsl's registrable domain of the name (psl_builtin(); a leading "*." is
 *                      dropped; a name that is itself a public suffix is its own group).
 * Groups are sorted worst first: failing names, then at-risk names, then names (all descending),
 * then key. Memory grows with the number of groups (and max_names examples each), not with rows.
 */
#ifndef CAASCAN_REPORT_H
#define CAASCAN_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "caascan/error.h"
#include "caascan/problem.h"

typedef enum cs_report_by {
    CS_REPORT_CERTIFICATE = 0,
    CS_REPORT_ZONE,
    CS_REPORT_NAMESERVER,
    CS_REPORT_REGISTERED_DOMAIN,
    CS_REPORT_BY_COUNT
} cs_report_by;

/* Parses "certificate", "zone", "nameserver", "registered-domain"; CS_REPORT_BY_COUNT if unknown.
 */
cs_report_by cs_report_by_parse(const char *s);

typedef struct cs_report_opts {
    cs_report_by by;
    const char *group_column; /* certificate report: group by this kept column instead */
    size_t max_names;         /* failing / at-risk example names kept per group (0: 5) */
    bool all;                 /* list groups without failing or at-risk names or findings too */
    bool allow_incomplete;
} cs_report_opts;

typedef struct cs_report_group {
    char *key;
    uint64_t names, failing, at_risk;
    cs_status worst;
    cs_problems findings; /* per-server table findings (zone and nameserver reports) */
    char *hosts;          /* nameserver report: ';'-joined host names of the address */
    char *examples;       /* ';'-joined "NAME (STATUS)": failing names first, then at-risk */
    size_t nexamples;
} cs_report_group;

typedef struct cs_report {
    cs_report_by by;
    char *key_column; /* header of the key column: "certificate", a kept column, "zone", ... */
    cs_report_group *groups; /* sorted worst first; only listed groups unless opts.all */
    size_t ngroups;
    uint64_t rows; /* result rows read */
} cs_report;

/*
 * Builds the report of run dir. Returns CS_OK; the errors of the merge (CS_EINCOMPLETE, ...);
 * CS_EINVAL (group_column not in the run, or with another report kind); CS_ENOMEM; err says why.
 * Free *out with cs_report_free().
 */
cs_err cs_report_build(const char *dir, const cs_report_opts *o, cs_report **out, char *err,
                       size_t errlen);

/*
 * Writes rep to out as an aligned text table (csv false) or as CSV (csvout.h dialect). Returns
 * CS_OK, CS_ENOMEM or CS_EIO.
 */
cs_err cs_report_write(const cs_report *rep, bool csv, FILE *out);

/* Frees a report. NULL is ignored. */
void cs_report_free(cs_report *rep);

#endif

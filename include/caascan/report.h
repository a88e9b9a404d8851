/*
 * report.h -- `caascan report`: roll-ups of a run's result table (and per-server table).
 *
 * A name belongs to one or more groups, and each group counts its names, its failing names
 * (cs_status_is_failing(): every status but OK and AT_RISK) and its at-risk names:
 *   certificate        one group per crt.sh certificate: every "crtsh:ID" item of sources; with
 *                      group_column, one group per ';'-item of that kept input column instead.
 *                      A certificate would fail renewal when any of its names is failing; how
 *                      often it fails is the combination of its names' fail_pct (a certificate
 *                      fails when any name fails, names independent: 1 - prod(1 - q), as
 *                      cs_fm_combine), and the names with the largest fail_pct drive it.
 *   zone               the zone column; findings come from the per-server table rows of the zone.
 *   nameserver         every address of the nameservers column ("host/address"); findings and
 *                      host names also from the per-server table rows of that address.
 *   registered-domain  libpsl's registrable domain of the name (psl_builtin(); a leading "*." is
 *                      dropped; a name that is itself a public suffix is its own group).
 *   party              who must act on the codes of problems (problem.h): "customer",
 *                      "ca-account", "scanner-operator", and for the DNS provider's codes one group
 *                      per server of the name's zone whose per-server findings hold one of them
 *                      ("dns-operator: HOST"), else "dns-operator: provider of ZONE". INVALID
 *                      names are not domains: they form the group "(invalid names)".
 * In the nameserver report a failing name whose own CAA record set forbids the CA (status
 * CAA_FORBIDS and only CAA_* problems) is the customer's choice, not the server's fault: it is
 * counted in caa_policy (and listed in policy_examples), not in failing.
 * Groups are sorted worst first: failing names, then at-risk names, then names (all descending),
 * then key; certificate reports first by their combined fail_pct (groups without one last).
 * Memory grows with the number of groups (and max_names examples each), not with rows.
 */
#ifndef CAASCAN_REPORT_H
#define CAASCAN_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "caascan/error.h"
#include "caascan/problem.h"

/* The registered-domain group of INVALID names. */
#define CS_REPORT_INVALID_GROUP "(invalid names)"

typedef enum cs_report_by {
    CS_REPORT_CERTIFICATE = 0,
    CS_REPORT_ZONE,
    CS_REPORT_NAMESERVER,
    CS_REPORT_REGISTERED_DOMAIN,
    CS_REPORT_PARTY,
    CS_REPORT_BY_COUNT
} cs_report_by;

/* Parses "certificate", "zone", "nameserver", "registered-domain", "party"; CS_REPORT_BY_COUNT
 * if unknown. */
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
    uint64_t caa_policy; /* nameserver report: failing names whose own CAA set forbids the CA
                            (status CAA_FORBIDS, only CAA_* problems); not counted in failing */
    cs_status worst;
    cs_problems findings; /* per-server table findings (zone and nameserver reports) */
    char *hosts;          /* nameserver report: ';'-joined host names of the address */
    char *examples;       /* ';'-joined "NAME (STATUS)": failing names first, then at-risk */
    size_t nexamples;
    char *policy_examples; /* nameserver report: ';'-joined "NAME (CAA_FORBIDS)" of caa_policy */
    /* How often a renewal of the group fails, in percent rounded as the fail_pct cell (names'
     * fail_pct combined: 1 - prod(1 - q)); -1 when no name of it has a fail_pct (INVALID names,
     * runs written before the column). */
    double fail_pct;
    uint64_t rated; /* names with a fail_pct */
    char *drivers;  /* ';'-joined "NAME (PCT %)" of the max_names names with the largest fail_pct
                       above 0, largest first (ties by name) */
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
 * Writes rep to out as an aligned text table (csv false) or as CSV (csvout.h dialect, for people:
 * formula cells neutralised). Returns CS_OK, CS_ENOMEM or CS_EIO.
 */
cs_err cs_report_write(const cs_report *rep, bool csv, FILE *out);

typedef enum cs_report_format {
    CS_REPORT_TEXT = 0,
    CS_REPORT_CSV,
    CS_REPORT_XLSX
} cs_report_format;

/* How cs_report_write_to() writes a report. */
typedef struct cs_report_out {
    cs_report_format format;
    bool raw;         /* CSV: cells exactly as stored, formulas not neutralised (csvout.h) */
    bool bom;         /* CSV: a UTF-8 byte-order mark first */
    const char *xlsx; /* the workbook file (format xlsx) */
    const char *run;  /* the run directory, for the workbook's summary sheet */
} cs_report_out;

/*
 * Writes rep as text or CSV to out, or as a workbook (xlsx.h) with a "report" sheet (counts as
 * numbers, statuses coloured) and a "summary" sheet (run, grouping, rows read, groups listed).
 * Returns CS_OK, CS_ENOMEM, CS_EINVAL (xlsx without a file) or CS_EIO, with err saying why.
 */
cs_err cs_report_write_to(const cs_report *rep, const cs_report_out *o, FILE *out, char *err,
                          size_t errlen);

/* Frees a report. NULL is ignored. */
void cs_report_free(cs_report *rep);

#endif

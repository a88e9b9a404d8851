/*
 * fail_model.h -- how likely a CA's CAA check fails, from per-lookup failure rates, under the
 * multi-perspective rule of the Baseline Requirements (section 3.2.2.9) as Boulder applies it.
 *
 * The CA checks CAA at its primary perspective and at R remote perspectives; it issues only when
 * the primary passes and at most f remotes fail (Boulder's maxAllowedFailures: f = 0 for fewer
 * than 2 remotes, 1 for 2 to 5, 2 for 6 or more). A lookup at a perspective fails with
 * probability p (an error, a timeout, a truncated answer, or a set that forbids the CA);
 * perspectives fail independently. Pure arithmetic: no network, no allocation. docs/caa.md has
 * the model, its defaults, their sources and a worked example.
 */
#ifndef CAASCAN_FAIL_MODEL_H
#define CAASCAN_FAIL_MODEL_H

#include <stdbool.h>
#include <stddef.h>

/* Let's Encrypt since March 2024: one primary and four remote perspectives. */
#define CS_FM_REMOTES_DEFAULT 4
#define CS_FM_REMOTES_MAX     32

/* Sequential sampling: a level whose first lookups disagree is topped up to this many. */
#define CS_FM_SAMPLE_CAP_DEFAULT 12

/* Status thresholds on fail_pct: at most PASS_MAX passes, at least FAIL_MIN fails, FLAKY between.
 */
#define CS_FM_PASS_MAX_PCT_DEFAULT 1.0
#define CS_FM_FAIL_MIN_PCT_DEFAULT 99.0

/*
 * The model's numbers (scan --remotes, --allowed-failures, --pass-max-pct, --fail-min-pct).
 * remotes at most CS_FM_REMOTES_MAX, allowed at most remotes, 0 <= pass_max_pct < fail_min_pct
 * <= 100.
 */
struct cs_fm_config {
    unsigned remotes;    /* R remote perspectives */
    unsigned allowed;    /* f: remote perspectives allowed to fail */
    double pass_max_pct; /* a fail_pct up to this passes (OK or AT_RISK) */
    double fail_min_pct; /* from this on the check fails (the failing status) */
};

/* Let's Encrypt's numbers: CS_FM_REMOTES_DEFAULT remotes, Boulder's allowed failures for them,
 * the default thresholds. */
void cs_fm_config_default(struct cs_fm_config *c);

/*
 * Whether c holds a model the scan can use: remotes at most CS_FM_REMOTES_MAX, allowed at most
 * remotes, 0 <= pass_max_pct < fail_min_pct <= 100. why (may be NULL) says what is wrong, naming
 * the option ("--allowed-failures 5 is more than --remotes 4").
 */
bool cs_fm_config_check(const struct cs_fm_config *c, char *why, size_t why_size);

/* Reads a percentage option (--pass-max-pct, --fail-min-pct): a decimal number from 0 to 100
 * with at most three decimals ("1", "0.5", "99.95"). False for anything else. */
bool cs_fm_parse_pct_option(const char *text, double *out);

/*
 * The resolvers grouped into the network views they stand for (scan --perspective NAME=IP,...):
 * of[i] is the perspective of pool resolver i (nresolvers of them), names[k] perspective k's
 * name. The CA's primary is modelled as seeing what the first perspective sees, its remote
 * perspectives as the others in turn (remote j: perspective 1 + j % (n - 1)); with one
 * perspective every CA perspective sees the same.
 */
struct cs_fm_perspectives {
    unsigned n;
    const char *const *names;
    const unsigned *of;
    size_t nresolvers;
};

/* Boulder's maxAllowedFailures for R remote perspectives: 0 (R < 2), 1 (2..5), 2 (6 or more). */
unsigned cs_fm_allowed_failures(unsigned remotes);

/*
 * The probability that the check fails when every lookup fails with probability p (clamped to
 * [0, 1]): 1 - (1 - p) * P(at most allowed of remotes fail). remotes at most CS_FM_REMOTES_MAX.
 */
double cs_fm_fail_prob(double p, unsigned remotes, unsigned allowed);

/*
 * The same with a rate per perspective (perspectives that follow different resolvers):
 * p_primary, and p_remote[0..remotes) (Poisson-binomial count of remote failures). Returns -1
 * for remotes above CS_FM_REMOTES_MAX or p_remote NULL with remotes > 0.
 */
double cs_fm_fail_prob_each(double p_primary, const double *p_remote, unsigned remotes,
                            unsigned allowed);

/* A name on a certificate of n names: the certificate fails when any name fails,
 * 1 - prod(1 - q[i]); 0 for n == 0. */
double cs_fm_combine(const double *q, size_t n);

/*
 * The fail_pct cell (result column, docs/run-format.md): a probability in percent rounded to one
 * decimal, written without a trailing ".0": "0", "0.4", "58.4", "100". The status is judged on
 * the rounded value, so that the cell and the status always agree.
 */
/* pct (0 to 100; NaN and out of range clamped) rounded to one decimal. */
double cs_fm_round_pct(double pct);
/* Writes the cell for pct (rounded as cs_fm_round_pct) into buf, "" for pct < 0 (no estimate:
 * INVALID rows); NUL-terminated, truncated to size; returns the length the full text needs. */
size_t cs_fm_format_pct(double pct, char *buf, size_t size);
/* Reads a fail_pct cell: a decimal number from 0 to 100 with at most one decimal written as
 * cs_fm_format_pct writes it (a ".0" tail is taken too). False for an empty cell or anything else
 * (*out then -1). */
bool cs_fm_parse_pct(const char *cell, double *out);

enum cs_fm_class { CS_FM_PASS = 0, CS_FM_FLAKY, CS_FM_FAIL };

/* The class of a failure probability in percent: <= pass_max_pct passes, >= fail_min_pct fails,
 * FLAKY between. */
enum cs_fm_class cs_fm_classify(double fail_pct, double pass_max_pct, double fail_min_pct);

/*
 * The failure probability from the lookups of one level: tries[i] failed or not, made through
 * resolver[i] (n of them). With ps (NULL or fewer than 2 perspectives: one rate for all), each
 * CA perspective gets the share of failed lookups of the perspective it is modelled on; one
 * without lookups gets the share of all. Writes "a 6 of 6, b 0 of 6" into note (may be NULL)
 * when perspectives are used. Returns the probability (0 to 1).
 */
double cs_fm_level_fail_prob(const bool *failed, const unsigned *resolver, unsigned n,
                             const struct cs_fm_perspectives *ps, unsigned remotes,
                             unsigned allowed, char *note, size_t note_size);

/*
 * The network view CA perspective k is modelled on, with nviews views (0 or 1: all the same):
 * the primary (k = 0) on view 0, remote j (k = 1 + j) on view 1 + j mod (nviews - 1).
 */
unsigned cs_fm_view_of(unsigned k, unsigned nviews);

/*
 * The check's failure probability when a lookup fails with probability view_p[v] at view v
 * (nviews of them, at most CS_FM_REMOTES_MAX + 1; 0 or NULL: view_p[0] alone for everyone): each
 * CA perspective gets its view's rate (cs_fm_view_of). -1 for remotes above CS_FM_REMOTES_MAX.
 */
double cs_fm_fail_prob_views(const double *view_p, unsigned nviews, unsigned remotes,
                             unsigned allowed);

/*
 * What the lookups of one level of an RFC 8659 climb showed, as shares: err of the lookups failed
 * (an error, a truncated answer, no answer); of those answered, forbid found a set that forbids
 * the CA and nocaa found no CAA records (the climb goes on to the parent); the rest found a set
 * that authorizes the CA.
 */
struct cs_fm_level {
    double err, forbid, nocaa;
};

/*
 * The probability that one lookup of a whole climb fails: the levels (levels[0] the name, then
 * each parent, n of them) are asked as a CA asks them, and a level matters only when every lower
 * one gave no CAA records: P = sum over levels of reach_i * (err_i + (1 - err_i) * forbid_i), with
 * reach_0 = 1 and reach_(i+1) = reach_i * (1 - err_i) * nocaa_i. Levels are taken as independent.
 */
double cs_fm_climb_fail_prob(const struct cs_fm_level *levels, size_t n);

/*
 * Sequential sampling: how many more lookups a level should get after `lookups` of which
 * `failed` failed, up to cap in all. Lookups that agree (none failed, or all failed) get none,
 * so clean names cost nothing extra; lookups that disagree are topped up to cap.
 */
unsigned cs_fm_more_lookups(unsigned failed, unsigned lookups, unsigned cap);

/*
 * The basis of an estimate as one sentence: "4 of 12 lookups failed; with a primary and 4 remote
 * perspectives allowing 1 failure, about 60 % of issuance attempts would fail". NUL-terminated,
 * truncated to size; returns the length the full text needs (like snprintf).
 */
size_t cs_fm_describe(unsigned failed, unsigned lookups, unsigned remotes, unsigned allowed,
                      char *buf, size_t size);

#endif

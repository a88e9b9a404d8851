/* fail_model.c -- the multi-perspective failure probability (fail_model.h). */
#include "caascan/fail_model.h"

#include <math.h>
#include <stdio.h>

unsigned cs_fm_allowed_failures(unsigned remotes)
{
    /* Boulder va.go maxAllowedFailures, after BR 3.2.2.9's table of allowed non-corroborations. */
    if (remotes < 2)
        return 0;
    if (remotes < 6)
        return 1;
    return 2;
}

static double clamp01(double p)
{
    if (!(p >= 0.0)) /* NaN too */
        return 0.0;
    return p > 1.0 ? 1.0 : p;
}

double cs_fm_fail_prob_each(double p_primary, const double *p_remote, unsigned remotes,
                            unsigned allowed)
{
    if (remotes > CS_FM_REMOTES_MAX || (remotes > 0 && p_remote == NULL))
        return -1.0;
    /* dist[k]: probability that exactly k of the remotes seen so far failed. */
    double dist[CS_FM_REMOTES_MAX + 1] = {1.0};
    for (unsigned i = 0; i < remotes; i++) {
        double p = clamp01(p_remote[i]);
        for (unsigned k = i + 1; k > 0; k--)
            dist[k] = dist[k] * (1.0 - p) + dist[k - 1] * p;
        dist[0] *= 1.0 - p;
    }
    double ok_remotes = 0.0;
    for (unsigned k = 0; k <= allowed && k <= remotes; k++)
        ok_remotes += dist[k];
    double fail = 1.0 - (1.0 - clamp01(p_primary)) * ok_remotes;
    return fail < 0.0 ? 0.0 : fail > 1.0 ? 1.0 : fail;
}

double cs_fm_fail_prob(double p, unsigned remotes, unsigned allowed)
{
    double each[CS_FM_REMOTES_MAX];
    if (remotes > CS_FM_REMOTES_MAX)
        return -1.0;
    for (unsigned i = 0; i < remotes; i++)
        each[i] = p;
    return cs_fm_fail_prob_each(p, each, remotes, allowed);
}

double cs_fm_combine(const double *q, size_t n)
{
    double ok = 1.0;
    for (size_t i = 0; i < n; i++)
        ok *= 1.0 - clamp01(q[i]);
    return 1.0 - ok;
}

enum cs_fm_class cs_fm_classify(double fail_pct, double pass_max_pct, double fail_min_pct)
{
    if (fail_pct <= pass_max_pct)
        return CS_FM_PASS;
    if (fail_pct >= fail_min_pct)
        return CS_FM_FAIL;
    return CS_FM_FLAKY;
}

unsigned cs_fm_more_lookups(unsigned failed, unsigned lookups, unsigned cap)
{
    if (failed == 0 || failed >= lookups || lookups >= cap)
        return 0;
    return cap - lookups;
}

size_t cs_fm_describe(unsigned failed, unsigned lookups, unsigned remotes, unsigned allowed,
                      char *buf, size_t size)
{
    double p = lookups ? (double)failed / (double)lookups : 0.0;
    double pct = 100.0 * cs_fm_fail_prob(p, remotes, allowed);
    int n = snprintf(buf, size,
                     "%u of %u lookups failed; with a primary and %u remote perspective%s "
                     "allowing %u failure%s, about %.0f %% of issuance attempts would fail",
                     failed, lookups, remotes, remotes == 1 ? "" : "s", allowed,
                     allowed == 1 ? "" : "s", pct < 0 ? 0.0 : pct);
    return n < 0 ? 0 : (size_t)n;
}

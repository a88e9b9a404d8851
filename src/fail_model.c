/* fail_model.c -- the multi-perspective failure probability (fail_model.h). */
#include "caascan/fail_model.h"

#include <math.h>
#include <stdio.h>

void cs_fm_config_default(struct cs_fm_config *c)
{
    c->remotes = CS_FM_REMOTES_DEFAULT;
    c->allowed = cs_fm_allowed_failures(CS_FM_REMOTES_DEFAULT);
    c->pass_max_pct = CS_FM_PASS_MAX_PCT_DEFAULT;
    c->fail_min_pct = CS_FM_FAIL_MIN_PCT_DEFAULT;
}

bool cs_fm_config_check(const struct cs_fm_config *c, char *why, size_t why_size)
{
    char buf[160];
    buf[0] = '\0';
    if (c->remotes > CS_FM_REMOTES_MAX)
        snprintf(buf, sizeof(buf), "--remotes %u is more than %u", c->remotes,
                 (unsigned)CS_FM_REMOTES_MAX);
    else if (c->allowed > c->remotes)
        snprintf(buf, sizeof(buf), "--allowed-failures %u is more than --remotes %u", c->allowed,
                 c->remotes);
    else if (!(c->pass_max_pct >= 0.0 && c->fail_min_pct <= 100.0))
        snprintf(buf, sizeof(buf), "--pass-max-pct and --fail-min-pct are percentages (0 to 100)");
    else if (!(c->pass_max_pct < c->fail_min_pct))
        snprintf(buf, sizeof(buf), "--pass-max-pct %g is not below --fail-min-pct %g",
                 c->pass_max_pct, c->fail_min_pct);
    if (why && why_size)
        snprintf(why, why_size, "%s", buf);
    return buf[0] == '\0';
}

bool cs_fm_parse_pct_option(const char *text, double *out)
{
    const char *p = text;
    unsigned long whole = 0, frac = 0, scale = 1;
    size_t digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 3) {
        whole = whole * 10 + (unsigned long)(*p++ - '0');
        digits++;
    }
    if (digits == 0)
        return false;
    if (*p == '.') {
        p++;
        size_t d = 0;
        while (*p >= '0' && *p <= '9' && d < 3) {
            frac = frac * 10 + (unsigned long)(*p++ - '0');
            scale *= 10;
            d++;
        }
        if (d == 0)
            return false;
    }
    if (*p != '\0' || whole * scale + frac > 100 * scale)
        return false;
    *out = (double)whole + (double)frac / (double)scale;
    return true;
}

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

double cs_fm_round_pct(double pct)
{
    if (!(pct >= 0.0)) /* NaN too */
        return 0.0;
    if (pct >= 100.0)
        return 100.0;
    return (double)llround(pct * 10.0) / 10.0;
}

size_t cs_fm_format_pct(double pct, char *buf, size_t size)
{
    int n;
    if (pct < 0.0) {
        n = snprintf(buf, size, "%s", "");
    } else {
        long tenths = llround(cs_fm_round_pct(pct) * 10.0);
        n = tenths % 10 ? snprintf(buf, size, "%ld.%ld", tenths / 10, tenths % 10)
                        : snprintf(buf, size, "%ld", tenths / 10);
    }
    return n < 0 ? 0 : (size_t)n;
}

bool cs_fm_parse_pct(const char *cell, double *out)
{
    *out = -1.0;
    const char *p = cell;
    long whole = 0;
    size_t digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 4) {
        whole = whole * 10 + (*p++ - '0');
        digits++;
    }
    if (digits == 0 || (digits > 1 && cell[0] == '0'))
        return false;
    long tenth = 0;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        tenth = *p++ - '0';
    }
    if (*p != '\0' || whole * 10 + tenth > 1000)
        return false;
    *out = (double)(whole * 10 + tenth) / 10.0;
    return true;
}

enum cs_fm_class cs_fm_classify(double fail_pct, double pass_max_pct, double fail_min_pct)
{
    if (fail_pct <= pass_max_pct)
        return CS_FM_PASS;
    if (fail_pct >= fail_min_pct)
        return CS_FM_FAIL;
    return CS_FM_FLAKY;
}

unsigned cs_fm_view_of(unsigned k, unsigned nviews)
{
    if (nviews < 2 || k == 0)
        return 0;
    return 1 + (k - 1) % (nviews - 1);
}

double cs_fm_fail_prob_views(const double *view_p, unsigned nviews, unsigned remotes,
                             unsigned allowed)
{
    if (remotes > CS_FM_REMOTES_MAX)
        return -1.0;
    if (nviews > CS_FM_REMOTES_MAX + 1)
        nviews = CS_FM_REMOTES_MAX + 1;
    double rem[CS_FM_REMOTES_MAX];
    for (unsigned j = 0; j < remotes; j++)
        rem[j] = view_p[cs_fm_view_of(1 + j, nviews)];
    return cs_fm_fail_prob_each(view_p[0], rem, remotes, allowed);
}

double cs_fm_climb_fail_prob(const struct cs_fm_level *levels, size_t n)
{
    double reach = 1.0, fail = 0.0;
    for (size_t i = 0; i < n && reach > 0.0; i++) {
        double e = clamp01(levels[i].err), f = clamp01(levels[i].forbid);
        fail += reach * (e + (1.0 - e) * f);
        reach *= (1.0 - e) * clamp01(levels[i].nocaa);
    }
    return clamp01(fail);
}

double cs_fm_level_fail_prob(const bool *failed, const unsigned *resolver, unsigned n,
                             const struct cs_fm_perspectives *ps, unsigned remotes,
                             unsigned allowed, char *note, size_t note_size)
{
    unsigned nfail = 0;
    for (unsigned i = 0; i < n; i++)
        nfail += failed[i];
    double pooled = n ? (double)nfail / (double)n : 0.0;
    if (note_size > 0)
        note[0] = '\0';
    if (!ps || ps->n < 2 || remotes > CS_FM_REMOTES_MAX)
        return cs_fm_fail_prob(pooled, remotes, allowed);
    double share[CS_FM_REMOTES_MAX + 1];
    unsigned np = ps->n > CS_FM_REMOTES_MAX + 1 ? CS_FM_REMOTES_MAX + 1 : ps->n;
    size_t len = 0;
    for (unsigned k = 0; k < np; k++) {
        unsigned tries = 0, fails = 0;
        for (unsigned i = 0; i < n; i++)
            if (resolver[i] < ps->nresolvers && ps->of[resolver[i]] == k) {
                tries++;
                fails += failed[i];
            }
        share[k] = tries ? (double)fails / (double)tries : pooled;
        if (note && len < note_size) {
            int w = tries ? snprintf(note + len, note_size - len, "%s%s %u of %u", k ? ", " : "",
                                     ps->names[k], fails, tries)
                          : snprintf(note + len, note_size - len, "%s%s no lookup", k ? ", " : "",
                                     ps->names[k]);
            len = w < 0 ? len : len + (size_t)w;
        }
    }
    return cs_fm_fail_prob_views(share, np, remotes, allowed);
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

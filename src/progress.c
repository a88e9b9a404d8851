/* progress.c -- the progress line of a scan and what holds it back (progress.h). */
#include "caascan/progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cs_progress_duration(double s, char *buf, size_t size)
{
    if (!(s >= 0) || s > 1e9)
        s = 0;
    unsigned long t = (unsigned long)(s + 0.5);
    if (t < 60)
        snprintf(buf, size, "%lus", t);
    else if (t < 3600)
        snprintf(buf, size, "%lum%02lus", t / 60, t % 60);
    else
        snprintf(buf, size, "%luh%02lum", t / 3600, t / 60 % 60);
}

void cs_progress_count(uint64_t n, char *buf, size_t size)
{
    char digits[24], out[32]; /* 20 digits and 6 commas at most */
    int len = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n);
    size_t o = 0;
    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    snprintf(buf, size, "%s", out);
}

cs_limit_kind cs_progress_main_limit(const struct cs_engine_limits *now)
{
    cs_limit_kind best = CS_LIMIT_NONE;
    uint64_t most = 0;
    for (int k = CS_LIMIT_QPS; k < CS_LIMIT_COUNT; k++)
        if (now->by_kind[k].waiting > most) {
            most = now->by_kind[k].waiting;
            best = (cs_limit_kind)k;
        }
    return best;
}

/* The option that sets limit l and its value: "--auth-qps 20". */
static void option_text(const struct cs_engine_limit *l, const struct cs_engine_config *cfg,
                        char *buf, size_t size)
{
    bool resolver = l->resolver >= 0;
    switch (l->kind) {
    case CS_LIMIT_QPS:
        snprintf(buf, size, "--qps %g", (double)cfg->qps_mq / 1000.0);
        break;
    case CS_LIMIT_INFLIGHT:
        snprintf(buf, size, "--max-inflight %u", cfg->max_inflight);
        break;
    case CS_LIMIT_DEST_QPS:
        snprintf(buf, size, "%s %g", resolver ? "--resolver-qps" : "--auth-qps",
                 (double)(resolver ? cfg->resolver_qps_mq : cfg->auth_qps_mq) / 1000.0);
        break;
    case CS_LIMIT_DEST_INFLIGHT:
        snprintf(buf, size, "%s %u", resolver ? "--resolver-inflight" : "--auth-inflight",
                 resolver ? cfg->resolver_inflight : cfg->auth_inflight);
        break;
    default:
        buf[0] = '\0';
    }
}

size_t cs_progress_limit_text(const struct cs_engine_limit *l, const struct cs_engine_config *cfg,
                              char *buf, size_t size)
{
    if (size == 0)
        return 0;
    buf[0] = '\0';
    if (l->kind == CS_LIMIT_NONE || l->waiting == 0)
        return 0;
    char opt[64], waiting[32], places[32];
    option_text(l, cfg, opt, sizeof(opt));
    cs_progress_count(l->waiting, waiting, sizeof(waiting));
    char what[128];
    snprintf(what, sizeof(what), "%s%s%s", l->host, l->host[0] ? ", " : "",
             l->resolver >= 0 ? "a resolver" : "an authoritative server");
    int n;
    if (l->kind == CS_LIMIT_QPS || l->kind == CS_LIMIT_INFLIGHT) {
        n = snprintf(buf, size, "held back by %s: %s queries waiting", opt, waiting);
    } else if (l->places > 1) {
        cs_progress_count(l->places - 1, places, sizeof(places));
        n = snprintf(buf, size,
                     "held back by %s at %s (%s, and %s more address%s): %s queries "
                     "waiting",
                     opt, l->where, what, places, l->places > 2 ? "es" : "", waiting);
    } else {
        n = snprintf(buf, size, "held back by %s at %s (%s): %s queries waiting", opt, l->where,
                     what, waiting);
    }
    return n < 0 ? 0 : (size_t)n >= size ? size - 1 : (size_t)n;
}

size_t cs_progress_format(const struct cs_progress_counts *c, const struct cs_engine_limits *now,
                          const struct cs_engine_config *cfg, char *buf, size_t size)
{
    if (size == 0)
        return 0;
    char done[32], total[32], elapsed[32], left[48], notok[32], limit[256] = "";
    cs_progress_count(c->done, done, sizeof(done));
    cs_progress_count(c->total, total, sizeof(total));
    cs_progress_count(c->not_ok, notok, sizeof(notok));
    cs_progress_duration(c->elapsed_s, elapsed, sizeof(elapsed));
    /* The rate of this session: rows an earlier one wrote took none of its time. */
    uint64_t here = c->done > c->resumed ? c->done - c->resumed : 0;
    double rate = c->elapsed_s > 0 ? (double)here / c->elapsed_s : 0;
    uint64_t remaining = c->total > c->done ? c->total - c->done : 0;
    if (remaining == 0) {
        snprintf(left, sizeof(left), "none left");
    } else if (rate > 0) {
        char d[24];
        cs_progress_duration((double)remaining / rate, d, sizeof(d));
        snprintf(left, sizeof(left), "about %s left", d);
    } else {
        snprintf(left, sizeof(left), "time left unknown");
    }
    if (now) {
        cs_limit_kind k = cs_progress_main_limit(now);
        if (k != CS_LIMIT_NONE) {
            limit[0] = ';';
            limit[1] = ' ';
            cs_progress_limit_text(&now->by_kind[k], cfg, limit + 2, sizeof(limit) - 2);
        }
    }
    double qrate = c->elapsed_s > 0 ? (double)c->queries / c->elapsed_s : 0;
    int n = snprintf(buf, size,
                     "%s of %s names (%.0f %%), %s, %.1f names/s (%.0f q/s), %s, %s not OK%s", done,
                     total, c->total ? 100.0 * (double)c->done / (double)c->total : 100.0, elapsed,
                     rate, qrate, left, notok, limit);
    return n < 0 ? 0 : (size_t)n >= size ? size - 1 : (size_t)n;
}

void cs_progress_note(struct cs_progress_limits *p, const struct cs_engine_limits *now,
                      double elapsed_s)
{
    double dt = elapsed_s - p->last_s;
    p->last_s = elapsed_s;
    if (dt < 0)
        dt = 0;
    cs_limit_kind k = cs_progress_main_limit(now);
    if (k == CS_LIMIT_NONE)
        return;
    p->held_s[k] += dt;
    if (now->by_kind[k].waiting > p->worst[k].waiting)
        p->worst[k] = now->by_kind[k];
}

size_t cs_progress_summary(const struct cs_progress_limits *p, double elapsed_s,
                           const struct cs_engine_config *cfg, char *buf, size_t size)
{
    if (size == 0)
        return 0;
    cs_limit_kind best = CS_LIMIT_NONE;
    for (int k = CS_LIMIT_QPS; k < CS_LIMIT_COUNT; k++)
        if (p->held_s[k] > (best == CS_LIMIT_NONE ? 0 : p->held_s[best]))
            best = (cs_limit_kind)k;
    int n;
    if (best == CS_LIMIT_NONE || elapsed_s <= 0) {
        n = snprintf(buf, size, "no limit held the scan back");
    } else {
        const struct cs_engine_limit *w = &p->worst[best];
        char opt[64], waiting[32], dur[32];
        option_text(w, cfg, opt, sizeof(opt));
        cs_progress_count(w->waiting, waiting, sizeof(waiting));
        cs_progress_duration(elapsed_s, dur, sizeof(dur));
        double pct = 100.0 * p->held_s[best] / elapsed_s;
        if (pct > 100)
            pct = 100;
        if (best == CS_LIMIT_QPS || best == CS_LIMIT_INFLIGHT)
            n = snprintf(buf, size,
                         "held back by %s for %.0f %% of the %s run (up to %s queries waiting)",
                         opt, pct, dur, waiting);
        else
            n = snprintf(buf, size,
                         "held back by %s for %.0f %% of the %s run, most at %s%s%s%s (up to %s "
                         "queries waiting)",
                         opt, pct, dur, w->where, w->host[0] ? " (" : "", w->host,
                         w->host[0] ? ")" : "", waiting);
    }
    return n < 0 ? 0 : (size_t)n >= size ? size - 1 : (size_t)n;
}

/* run_state.c -- run-state.json and the options in effect of a scan (run_state.h). */
#include "caascan/run_state.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caascan/fail_model.h"
#include "caascan/fileio.h"
#include "caascan/hash.h"
#include "caascan/manifest.h"

static json_t *rate(uint64_t mq)
{
    return mq % 1000 ? json_real((double)mq / 1000.0) : json_integer((json_int_t)(mq / 1000));
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* --account-uri: the URI, or all of them joined by spaces when several were given (a URI holds no
 * space), so that runs for other accounts compare as different; null when none. */
static json_t *account_uris(const struct cs_caa_policy *p)
{
    if (!p->account_uri || p->n_account_uris == 0)
        return str_or_null(p->account_uri);
    size_t len = strlen(p->account_uri) + 1;
    for (size_t i = 0; i < p->n_account_uris; i++)
        len += strlen(p->account_uris[i]) + 1;
    char *t = malloc(len);
    if (!t)
        return NULL;
    size_t at = (size_t)snprintf(t, len, "%s", p->account_uri);
    for (size_t i = 0; i < p->n_account_uris; i++)
        at += (size_t)snprintf(t + at, len - at, " %s", p->account_uris[i]);
    json_t *v = json_string(t);
    free(t);
    return v;
}

json_t *cs_scan_options_json(const struct cs_scan_run_options *o, const struct cs_inventory *inv,
                             bool result_only)
{
    json_t *j = json_object(), *res = json_array(), *keep = json_array();
    if (!j || !res || !keep)
        goto oom;
    for (size_t i = 0; i < o->nresolvers; i++) {
        char buf[80];
        if (json_array_append_new(
                res, json_string(cs_addr_format(&o->resolvers[i], buf, sizeof(buf)))) != 0)
            goto oom;
    }
    for (size_t k = 0; inv && k < cs_inventory_keep_count(inv); k++)
        if (json_array_append_new(keep, json_string(cs_inventory_keep_name(inv, k))) != 0)
            goto oom;
    char part[32] = "";
    if (o->partition_n > 1)
        snprintf(part, sizeof(part), "%u/%u", o->partition_k, o->partition_n);
    int bad = 0;
    /* Options that change the rows. */
    bad |= json_object_set_new(j, "resolvers", res);
    res = NULL;
    bad |= json_object_set_new(j, "ca", str_or_null(o->policy.ca_domain));
    bad |= json_object_set_new(j, "account-uri", account_uris(&o->policy));
    bad |= json_object_set_new(j, "account-id", str_or_null(o->policy.account_id));
    json_t *others = o->n_other_cas ? json_array() : json_null();
    for (size_t i = 0; others && i < o->n_other_cas; i++)
        bad |= json_array_append_new(others, json_string(o->other_cas[i]));
    bad |= json_object_set_new(j, "other-cas", others);
    /* --perspective: each resolver's perspective, in the order of "resolvers" (null without). */
    const struct cs_fm_perspectives *ps = o->policy.perspectives;
    json_t *views = ps ? json_array() : json_null();
    for (size_t i = 0; ps && views && i < ps->nresolvers; i++)
        bad |= json_array_append_new(views, json_string(ps->names[ps->of[i]]));
    bad |= json_object_set_new(j, "perspectives", views);
    /* The CA model (fail_model.h): how many perspectives, and where the status changes. */
    struct cs_fm_config dm;
    cs_fm_config_default(&dm);
    const struct cs_fm_config *m = o->policy.model ? o->policy.model : &dm;
    bad |= json_object_set_new(j, "remotes", json_integer(m->remotes));
    bad |= json_object_set_new(j, "allowed-failures", json_integer(m->allowed));
    bad |= json_object_set_new(j, "pass-max-pct", json_real(m->pass_max_pct));
    bad |= json_object_set_new(j, "fail-min-pct", json_real(m->fail_min_pct));
    bad |= json_object_set_new(j, "validation-method", str_or_null(o->policy.validation_method));
    bad |= json_object_set_new(j, "attempts", json_integer(o->tries));
    bad |= json_object_set_new(j, "timeout", json_integer(o->engine.timeout_ms));
    bad |= json_object_set_new(j, "min-timeout", json_integer(o->engine.min_timeout_ms));
    bad |= json_object_set_new(j, "no-auth", json_boolean(o->no_auth));
    bad |= json_object_set_new(j, "auth-tries", json_integer(o->auth.tries));
    bad |= json_object_set_new(
        j, "auth-depth", json_string(o->auth.depth == CS_AUTH_DEPTH_SAMPLE ? "sample" : "full"));
    bad |= json_object_set_new(j, "auth-timeout", json_integer(o->auth.timeout_ms));
    bad |= json_object_set_new(j, "partition", part[0] ? json_string(part) : json_null());
    bad |= json_object_set_new(j, "keep-columns", keep);
    keep = NULL;
    if (!result_only) {
        /* Options that change how fast, not what. */
        bad |= json_object_set_new(j, "qps", rate(o->engine.qps_mq));
        bad |= json_object_set_new(j, "resolver-qps", rate(o->engine.resolver_qps_mq));
        bad |= json_object_set_new(
            j, "max-inflight",
            json_integer(o->engine.max_inflight ? o->engine.max_inflight : 2000));
        bad |=
            json_object_set_new(j, "resolver-inflight", json_integer(o->engine.resolver_inflight));
        bad |= json_object_set_new(j, "auth-qps", rate(o->engine.auth_qps_mq));
        bad |= json_object_set_new(j, "auth-inflight", json_integer(o->engine.auth_inflight));
        bad |= json_object_set_new(j, "shards", json_integer(o->shards));
        bad |= json_object_set_new(j, "checkpoint-interval",
                                   json_real((double)o->checkpoint_ms / 1000.0));
        bad |= json_object_set_new(j, "resume", json_boolean(o->resume));
        bad |= json_object_set_new(j, "min-answered", json_integer(o->health.min_answered_pct));
        bad |= json_object_set_new(j, "health-window", json_integer(o->health.window_s));
    }
    if (bad)
        goto oom;
    return j;
oom:
    json_decref(j);
    json_decref(res);
    json_decref(keep);
    return NULL;
}

void cs_inventory_digest(const struct cs_inventory *inv, char out[17])
{
    uint64_t h = CS_FNV1A64_BASIS;
    size_t n = cs_inventory_count(inv), nkeep = cs_inventory_keep_count(inv);
    char small[512];
    char *buf = small;
    size_t cap = sizeof(small);
    for (size_t i = 0; i < n; i++) {
        struct cs_inventory_entry e;
        cs_inventory_get(inv, i, &e);
        unsigned char reason = (unsigned char)e.reason;
        h = cs_fnv1a64_add(h, e.name, e.name_len);
        h = cs_fnv1a64_add(h, &reason, 1);
        for (size_t k = 0; k <= nkeep; k++) {
            size_t need;
            for (;;) {
                need = k == 0 ? cs_inventory_format_sources(inv, i, buf, cap)
                              : cs_inventory_format_kept(inv, i, k - 1, buf, cap);
                if (need < cap)
                    break;
                char *nb = realloc(buf == small ? NULL : buf, need + 1);
                if (!nb) { /* cannot happen in practice; the digest then covers less */
                    need = 0;
                    break;
                }
                buf = nb;
                cap = need + 1;
            }
            h = cs_fnv1a64_add(h, buf, need);
            h = cs_fnv1a64_add(h, "", 1);
        }
    }
    if (buf != small)
        free(buf);
    snprintf(out, 17, "%016" PRIx64, h);
}

json_t *cs_run_state_new(const struct cs_scan_run_options *o, const struct cs_inventory *inv,
                         const char *const *header, size_t ncols, time_t started)
{
    json_t *st = json_object(), *cols = json_array(), *inputs = json_array();
    json_t *opts = cs_scan_options_json(o, inv, true);
    if (!st || !cols || !inputs || !opts)
        goto oom;
    for (size_t i = 0; i < ncols; i++)
        if (json_array_append_new(cols, json_string(header[i])) != 0)
            goto oom;
    for (size_t f = 0; f < cs_inventory_file_count(inv); f++) {
        const struct cs_inventory_file *file = cs_inventory_file(inv, f);
        if (json_array_append_new(
                inputs,
                json_pack("{s:s, s:s?, s:I, s:I, s:I, s:I}", "path", file->path, "format",
                          cs_input_format_name(file->format), "lines", (json_int_t)file->lines,
                          "names", (json_int_t)file->names, "invalid", (json_int_t)file->invalid,
                          "duplicates", (json_int_t)file->duplicates)) != 0)
            goto oom;
    }
    char digest[17];
    cs_inventory_digest(inv, digest);
    int bad = 0;
    bad |= json_object_set_new(st, "run_state_version", json_integer(CS_RUN_STATE_VERSION));
    bad |= json_object_set_new(st, "tool_version", json_string(CAASCAN_VERSION));
    bad |= json_object_set_new(st, "columns", cols);
    cols = NULL;
    bad |= json_object_set_new(st, "options", opts);
    opts = NULL;
    bad |= json_object_set_new(st, "inputs", inputs);
    inputs = NULL;
    bad |= json_object_set_new(st, "entries", json_integer((json_int_t)cs_inventory_count(inv)));
    bad |= json_object_set_new(st, "input_digest", json_string(digest));
    bad |= json_object_set_new(st, "sessions", json_array());
    if (bad || cs_run_state_add_session(st, started) == 0)
        goto oom;
    return st;
oom:
    json_decref(st);
    json_decref(cols);
    json_decref(inputs);
    json_decref(opts);
    return NULL;
}

unsigned cs_run_state_add_session(json_t *state, time_t t)
{
    json_t *sessions = json_object_get(state, "sessions");
    char when[32];
    cs_format_utc(t, when, sizeof(when));
    if (!json_is_array(sessions) ||
        json_array_append_new(sessions, json_pack("{s:I, s:s}", "session",
                                                  (json_int_t)json_array_size(sessions) + 1,
                                                  "started_at", when)) != 0)
        return 0;
    return (unsigned)json_array_size(sessions);
}

cs_err cs_run_state_write(const char *dir, const json_t *state, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, CS_RUN_STATE_FILE);
    char *text = json_dumps(state, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text) {
        snprintf(err, errlen, "%s: out of memory", path);
        return CS_ENOMEM;
    }
    size_t len = strlen(text);
    cs_err rc = cs_write_file_atomic(path, text, len, err, errlen);
    free(text);
    return rc;
}

cs_err cs_run_state_load(const char *dir, json_t **out, char *err, size_t errlen)
{
    *out = NULL;
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, CS_RUN_STATE_FILE);
    json_error_t je;
    json_t *st = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!st) {
        if (access(path, F_OK) != 0 && errno == ENOENT) {
            snprintf(err, errlen, "%s: no %s", dir, CS_RUN_STATE_FILE);
            return CS_ENOTFOUND;
        }
        snprintf(err, errlen, "%s: line %d: %s", path, je.line, je.text);
        return CS_ECORRUPT;
    }
    if (!json_is_object(st) ||
        json_integer_value(json_object_get(st, "run_state_version")) != CS_RUN_STATE_VERSION ||
        !json_is_array(json_object_get(st, "columns")) ||
        !json_is_object(json_object_get(st, "options")) ||
        !json_is_array(json_object_get(st, "inputs")) ||
        !json_is_array(json_object_get(st, "sessions")) ||
        !json_is_string(json_object_get(st, "input_digest"))) {
        snprintf(err, errlen, "%s: not a run state this caascan can resume (version %d expected)",
                 path, CS_RUN_STATE_VERSION);
        json_decref(st);
        return CS_ECORRUPT;
    }
    *out = st;
    return CS_OK;
}

/* A JSON value as a short text for a message. */
static void show(const json_t *v, char *buf, size_t size)
{
    if (!v || json_is_null(v)) {
        snprintf(buf, size, "(none)");
        return;
    }
    if (json_is_string(v)) {
        snprintf(buf, size, "%s", json_string_value(v));
        return;
    }
    char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    snprintf(buf, size, "%s", t ? t : "?");
    free(t);
}

cs_err cs_run_state_compare(const json_t *saved, const json_t *now, char *why, size_t whylen)
{
    char a[256], b[256];
    if (!json_equal(json_object_get(saved, "columns"), json_object_get(now, "columns"))) {
        show(json_object_get(saved, "columns"), a, sizeof(a));
        show(json_object_get(now, "columns"), b, sizeof(b));
        snprintf(why, whylen, "result columns: the interrupted run has %s, this caascan writes %s",
                 a, b);
        return CS_EMISMATCH;
    }
    const json_t *so = json_object_get(saved, "options"), *no = json_object_get(now, "options");
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)no, key, v)
    {
        const json_t *old = json_object_get(so, key);
        if (!json_equal(old, v) && !(!old && json_is_null(v))) {
            show(old, a, sizeof(a));
            show(v, b, sizeof(b));
            snprintf(why, whylen, "--%s: the interrupted run used %s, this command %s", key, a, b);
            return CS_EMISMATCH;
        }
    }
    json_object_foreach((json_t *)so, key, v)
    {
        if (!json_object_get(no, key) && !json_is_null(v)) {
            show(v, a, sizeof(a));
            snprintf(why, whylen, "--%s: the interrupted run used %s, this command does not", key,
                     a);
            return CS_EMISMATCH;
        }
    }
    const json_t *si = json_object_get(saved, "inputs"), *ni = json_object_get(now, "inputs");
    if (json_array_size(si) != json_array_size(ni)) {
        snprintf(why, whylen, "inputs: the interrupted run read %zu files, this command %zu",
                 json_array_size(si), json_array_size(ni));
        return CS_EMISMATCH;
    }
    static const char *const fields[] = {"path",  "format",  "lines",
                                         "names", "invalid", "duplicates"};
    for (size_t i = 0; i < json_array_size(ni); i++)
        for (size_t f = 0; f < sizeof(fields) / sizeof(*fields); f++) {
            const json_t *x = json_object_get(json_array_get(si, i), fields[f]);
            const json_t *y = json_object_get(json_array_get(ni, i), fields[f]);
            if (!json_equal(x, y)) {
                show(x, a, sizeof(a));
                show(y, b, sizeof(b));
                snprintf(why, whylen, "input %zu (%s): %s was %s, now %s", i + 1,
                         json_string_value(json_object_get(json_array_get(ni, i), "path")),
                         fields[f], a, b);
                return CS_EMISMATCH;
            }
        }
    if (!json_equal(json_object_get(saved, "input_digest"), json_object_get(now, "input_digest"))) {
        snprintf(why, whylen,
                 "inputs: same files and counts, but their names differ (digest %s, now %s)",
                 json_string_value(json_object_get(saved, "input_digest")),
                 json_string_value(json_object_get(now, "input_digest")));
        return CS_EMISMATCH;
    }
    return CS_OK;
}

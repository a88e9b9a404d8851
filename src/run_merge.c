/*
 * run_merge.c -- caascan merge: the partition runs of one job put back together into one run
 */
#include "caascan/run_merge.h"

#include "caascan/manifest.h"
#include "caascan/merge.h"
#include "caascan/partition.h"
#include "caascan/result.h"
#include "caascan/shard.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Options that change the rows: parts that differ in one of them are not one job. */
static const char *const result_options[] = {
    "resolvers",        "ca",
    "account-uri",      "account-id",
    "other-cas",        "validation-method",
    "attempts",         "timeout",
    "min-timeout",      "no-auth",
    "auth-tries",       "auth-timeout",
    "keep-columns",     "auth-depth",
    "perspective",      "remotes",
    "allowed-failures", "pass-max-pct",
    "fail-min-pct",
};

struct part {
    const char *dir;
    cs_manifest *m;
    unsigned k;
    char **paths[CS_TABLE_COUNT];
    size_t npaths[CS_TABLE_COUNT];
};

static char *text_of(const json_t *v)
{
    if (!v)
        return strdup("(none)");
    if (json_is_string(v))
        return strdup(json_string_value(v));
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* Loads and checks every part against the first; err names the part. */
static cs_err check_parts(struct part *p, size_t np, char *err, size_t errlen)
{
    unsigned n = 0;
    const char *rule = NULL, *digest = NULL;
    for (size_t i = 0; i < np; i++) {
        char why[1024];
        cs_err rc = cs_manifest_load(&p[i].m, p[i].dir, CS_MANIFEST_CHECK_FILES, why, sizeof(why));
        if (rc == CS_EINCOMPLETE) {
            snprintf(err, errlen,
                     "%s: not a complete run (no manifest.json): its partition did not finish; "
                     "continue it with scan --resume",
                     p[i].dir);
            return rc;
        }
        if (rc != CS_OK) {
            snprintf(err, errlen, "%s", why);
            return rc;
        }
        const json_t *root = cs_manifest_json(p[i].m);
        const json_t *part = json_object_get(root, "partition");
        const json_t *jk = json_object_get(part, "k"), *jn = json_object_get(part, "n");
        const char *r = json_string_value(json_object_get(part, "rule"));
        if (!json_is_integer(jk) || !json_is_integer(jn) || !r) {
            snprintf(err, errlen,
                     "%s: not a partition of a partitioned scan (its manifest records no "
                     "partition: scanned without --partition K/N, or merged already)",
                     p[i].dir);
            return CS_EMISMATCH;
        }
        json_int_t k = json_integer_value(jk), pn = json_integer_value(jn);
        if (pn < 2 || k < 1 || k > pn || pn > CS_PARTITIONS_MAX) {
            snprintf(err, errlen, "%s: its manifest records partition %lld/%lld", p[i].dir,
                     (long long)k, (long long)pn);
            return CS_ECORRUPT;
        }
        p[i].k = (unsigned)k;
        const char *d = json_string_value(json_object_get(root, "input_digest"));
        if (i == 0) {
            n = (unsigned)pn;
            rule = r;
            digest = d;
        }
        if ((unsigned)pn != n) {
            snprintf(err, errlen, "%s: partition %lld/%lld, but %s is %u/%u: not one job", p[i].dir,
                     (long long)k, (long long)pn, p[0].dir, p[0].k, n);
            return CS_EMISMATCH;
        }
        if (strcmp(r, rule) != 0) {
            snprintf(err, errlen, "%s: partitioned by %s, %s by %s", p[i].dir, r, p[0].dir, rule);
            return CS_EMISMATCH;
        }
        if (!d || !digest || strcmp(d, digest) != 0) {
            snprintf(err, errlen,
                     "%s: scanned other inputs than %s (input digest %s, there %s): not one job",
                     p[i].dir, p[0].dir, d ? d : "none", digest ? digest : "none");
            return CS_EMISMATCH;
        }
        const json_t *o0 = json_object_get(cs_manifest_json(p[0].m), "options");
        const json_t *oi = json_object_get(root, "options");
        for (size_t j = 0; j < sizeof(result_options) / sizeof(result_options[0]); j++) {
            const json_t *a = json_object_get(o0, result_options[j]),
                         *b = json_object_get(oi, result_options[j]);
            if ((a || b) && !(a && b && json_equal(a, b))) {
                char *ta = text_of(a), *tb = text_of(b);
                snprintf(err, errlen, "%s: --%s %s, but %s has --%s %s: not one job", p[i].dir,
                         result_options[j], tb ? tb : "?", p[0].dir, result_options[j],
                         ta ? ta : "?");
                free(ta);
                free(tb);
                return CS_EMISMATCH;
            }
        }
        for (size_t j = 0; j < i; j++)
            if (p[j].k == p[i].k) {
                snprintf(err, errlen, "%s and %s are both partition %u/%u", p[j].dir, p[i].dir,
                         p[i].k, n);
                return CS_EMISMATCH;
            }
    }
    if (np != n) {
        char missing[512] = "";
        size_t used = 0, count = 0;
        for (unsigned k = 1; k <= n; k++) {
            bool have = false;
            for (size_t i = 0; i < np && !have; i++)
                have = p[i].k == k;
            if (!have && used < sizeof(missing) - 32) {
                used += (size_t)snprintf(missing + used, sizeof(missing) - used, "%s%u/%u",
                                         count ? ", " : "", k, n);
                count++;
            }
        }
        snprintf(err, errlen, "%zu of %u partitions given: missing %s", np, n, missing);
        return CS_EMISMATCH;
    }
    return CS_OK;
}

/* The shard paths of table t of every part. */
static cs_err load_paths(struct part *p, size_t np, cs_table t, char *err, size_t errlen)
{
    for (size_t i = 0; i < np; i++) {
        if (cs_manifest_nshards(p[i].m, t) == 0) {
            p[i].npaths[t] = 0;
            continue;
        }
        cs_err rc =
            cs_run_table_paths(p[i].dir, p[i].m, t, &p[i].paths[t], &p[i].npaths[t], err, errlen);
        if (rc != CS_OK)
            return rc;
    }
    return CS_OK;
}

/*
 * Merges table t of the parts into w. When every part has the writer's shard count, shard s of
 * the output is the merge of the parts' shards s (a name is in the same shard everywhere), so
 * only np files are open at once; otherwise all shards of all parts are merged in one.
 * Results: a name twice is an error. Servers: a zone x nameserver x address row found in more
 * than one part is written once (counted in shared[0]; in shared[1] too when its zone is a
 * public suffix).
 */
static cs_err merge_table(struct part *p, size_t np, cs_table t, cs_shard_writer *w, uint64_t *rows,
                          uint64_t shared[2], char *err, size_t errlen)
{
    unsigned ns = cs_shard_writer_nshards(w);
    bool aligned = true;
    size_t total = 0;
    for (size_t i = 0; i < np; i++) {
        aligned &= p[i].npaths[t] == ns;
        total += p[i].npaths[t];
    }
    if (total == 0)
        return CS_OK;
    const char **paths = malloc(total * sizeof(*paths));
    char *prev = NULL;
    size_t prevcap = 0;
    cs_err rc = paths ? CS_OK : CS_ENOMEM;
    size_t keycols = t == CS_TABLE_SERVERS ? 3 : 1;
    for (unsigned g = 0; rc == CS_OK && g < (aligned ? ns : 1); g++) {
        size_t n = 0;
        for (size_t i = 0; i < np; i++)
            for (size_t s = 0; s < p[i].npaths[t]; s++)
                if (!aligned || s == g)
                    paths[n++] = p[i].paths[t][s];
        cs_merge *mg = NULL;
        rc = cs_merge_open(&mg, paths, n, err, errlen);
        size_t have_prev = 0;
        while (rc == CS_OK) {
            bool have;
            const char *const *f;
            rc = cs_merge_next(mg, &have, &f, err, errlen);
            if (rc != CS_OK || !have)
                break;
            /* The key: the name (results), zone, nameserver and address (servers). */
            size_t len = 0;
            for (size_t c = 0; c < keycols; c++)
                len += strlen(f[c]) + 1;
            if (have_prev && len == have_prev) {
                size_t off = 0;
                bool same = true;
                for (size_t c = 0; c < keycols && same; c++) {
                    size_t l = strlen(f[c]) + 1;
                    same = memcmp(prev + off, f[c], l) == 0;
                    off += l;
                }
                if (same && t == CS_TABLE_RESULTS) {
                    snprintf(err, errlen,
                             "%s is in two of the parts: they are not disjoint (partitions of "
                             "different jobs, or a part scanned with other inputs)",
                             f[0]);
                    rc = CS_EMISMATCH;
                    break;
                }
                if (same) {
                    shared[0]++;
                    shared[1] += cs_partition_is_suffix(f[0]);
                    continue;
                }
            }
            if (len > prevcap) {
                char *np2 = realloc(prev, len * 2);
                if (!np2) {
                    rc = CS_ENOMEM;
                    break;
                }
                prev = np2;
                prevcap = len * 2;
            }
            size_t off = 0;
            for (size_t c = 0; c < keycols; c++) {
                size_t l = strlen(f[c]) + 1;
                memcpy(prev + off, f[c], l);
                off += l;
            }
            have_prev = len;
            rc = cs_shard_writer_add(w, f);
            if (rc != CS_OK) {
                snprintf(err, errlen, "%s", cs_shard_writer_error(w));
                break;
            }
            (*rows)++;
        }
        cs_merge_free(mg);
        if (rc == CS_OK && aligned) /* written now: the writer's memory stays one shard's */
            rc = cs_shard_writer_finish_shard(w, g);
        if (rc != CS_OK && !err[0])
            snprintf(err, errlen, "%s", cs_shard_writer_error(w));
    }
    free(paths);
    free(prev);
    return rc;
}

/* The columns of table t as the first part records them (borrowed from its manifest). */
static const char **columns(const cs_manifest *m, cs_table t, size_t *n)
{
    const json_t *cols = json_object_get(
        json_object_get(json_object_get(cs_manifest_json(m), "tables"), cs_table_prefix(t)),
        "columns");
    *n = json_array_size(cols);
    const char **h = *n ? calloc(*n, sizeof(*h)) : NULL;
    for (size_t i = 0; h && i < *n; i++)
        h[i] = json_string_value(json_array_get(cols, i));
    return h;
}

/* The merged run's manifest: the first part's, with the counts summed over all parts, the
 * partition recorded as merged, and its own tables. */
static cs_err build_manifest(cs_manifest *out, struct part *p, size_t np, uint64_t *queries)
{
    const json_t *root = cs_manifest_json(p[0].m);
    const char *key;
    json_t *v;
    cs_err rc = CS_OK;
    json_object_foreach((json_t *)root, key, v)
    {
        if (strcmp(key, "tables") == 0 || strcmp(key, "status_counts") == 0 ||
            strcmp(key, "queries_sent") == 0 || strcmp(key, "partition") == 0 ||
            strcmp(key, "schema_version") == 0 || strcmp(key, "tool") == 0 ||
            strcmp(key, "tool_version") == 0 || strcmp(key, "sessions") == 0 ||
            strcmp(key, "resumed") == 0)
            continue;
        rc = cs_manifest_set_member(out, key, json_deep_copy(v));
        if (rc != CS_OK)
            return rc;
    }
    const char *started = NULL, *finished = NULL;
    bool resumed = false;
    json_t *parts = json_array();
    *queries = 0;
    for (size_t i = 0; i < np && parts; i++) {
        const json_t *r = cs_manifest_json(p[i].m);
        const char *s = json_string_value(json_object_get(r, "started_at"));
        const char *f = json_string_value(json_object_get(r, "finished_at"));
        if (s && (!started || strcmp(s, started) < 0))
            started = s;
        if (f && (!finished || strcmp(f, finished) > 0))
            finished = f;
        resumed |= json_is_true(json_object_get(r, "resumed"));
        json_int_t q = json_integer_value(json_object_get(r, "queries_sent"));
        *queries += q > 0 ? (uint64_t)q : 0;
        json_array_append_new(
            parts, json_pack("{s:i, s:s, s:I, s:I}", "k", (int)p[i].k, "run", p[i].dir, "rows",
                             (json_int_t)cs_manifest_rows(p[i].m, CS_TABLE_RESULTS), "queries", q));
    }
    if (!parts)
        return CS_ENOMEM;
    char merged[64];
    snprintf(merged, sizeof(merged), "1..%zu", np);
    const json_t *p0 = json_object_get(root, "partition");
    rc = cs_manifest_set_member(out, "partition",
                                json_pack("{s:s, s:i, s:O, s:o}", "merged", merged, "n", (int)np,
                                          "rule", json_object_get(p0, "rule"), "parts", parts));
    if (!rc && started)
        rc = cs_manifest_set_member(out, "started_at", json_string(started));
    if (!rc && finished)
        rc = cs_manifest_set_member(out, "finished_at", json_string(finished));
    if (!rc)
        rc = cs_manifest_set_member(out, "resumed", json_boolean(resumed));
    /* A whole run again: diff compares it with unpartitioned runs. */
    if (!rc && json_object_set_new(cs_manifest_options(out), "partition", json_null()) != 0)
        rc = CS_ENOMEM;
    for (int s = 0; !rc && s < CS_ST_COUNT; s++) {
        uint64_t c = 0;
        for (size_t i = 0; i < np; i++)
            c += cs_manifest_status_count(p[i].m, (cs_status)s);
        rc = cs_manifest_set_status_count(out, (cs_status)s, c);
    }
    if (!rc)
        rc = cs_manifest_set_queries_sent(out, *queries);
    return rc;
}

cs_err cs_run_merge(const char *out, const char *const *dirs, size_t np, bool overwrite,
                    struct cs_run_merge_summary *sum, char *err, size_t errlen)
{
    memset(sum, 0, sizeof(*sum));
    err[0] = '\0';
    if (np == 0) {
        snprintf(err, errlen, "no partition runs given");
        return CS_EINVAL;
    }
    struct part *p = calloc(np, sizeof(*p));
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return CS_ENOMEM;
    }
    for (size_t i = 0; i < np; i++)
        p[i].dir = dirs[i];
    cs_err rc = check_parts(p, np, err, errlen);
    for (int t = 0; rc == CS_OK && t < CS_TABLE_COUNT; t++)
        rc = load_paths(p, np, (cs_table)t, err, errlen);
    cs_run *run = NULL;
    if (rc == CS_OK)
        rc = cs_run_create(&run, out, overwrite ? CS_RUN_OVERWRITE : 0, err, errlen);
    cs_manifest *m = rc == CS_OK ? cs_manifest_new() : NULL;
    if (rc == CS_OK && !m)
        rc = CS_ENOMEM;
    cs_shard_writer *w[CS_TABLE_COUNT] = {NULL};
    const char **hdr[CS_TABLE_COUNT] = {NULL};
    size_t ncols[CS_TABLE_COUNT] = {0};
    for (int t = 0; rc == CS_OK && t < CS_TABLE_COUNT; t++) {
        unsigned ns = (unsigned)cs_manifest_nshards(p[0].m, (cs_table)t);
        if (ns == 0)
            continue; /* no servers table (--no-auth) */
        hdr[t] = columns(p[0].m, (cs_table)t, &ncols[t]);
        if (!hdr[t]) {
            rc = CS_ENOMEM;
            break;
        }
        rc = cs_shard_writer_open(&w[t], out, cs_table_prefix((cs_table)t), hdr[t], ncols[t], ns);
        if (rc == CS_OK)
            rc = merge_table(p, np, (cs_table)t, w[t],
                             t == CS_TABLE_RESULTS ? &sum->rows : &sum->server_rows, sum->shared,
                             err, errlen);
        if (rc == CS_OK) {
            bool aligned = true;
            for (size_t i = 0; i < np; i++)
                aligned &= p[i].npaths[t] == ns;
            rc = aligned ? cs_shard_writer_sync(w[t]) : cs_shard_writer_finish(w[t]);
            if (rc != CS_OK)
                snprintf(err, errlen, "%s", cs_shard_writer_error(w[t]));
        }
        if (rc == CS_OK)
            rc = cs_manifest_set_table(m, (cs_table)t, hdr[t], ncols[t], w[t]);
    }
    if (rc == CS_OK)
        rc = build_manifest(m, p, np, &sum->queries);
    if (rc == CS_OK) {
        rc = cs_run_finish(run, m, err, errlen);
        run = NULL;
    }
    if (rc != CS_OK && !err[0])
        snprintf(err, errlen, "%s: %s", out, cs_strerror(rc));
    for (int t = 0; t < CS_TABLE_COUNT; t++) {
        if (rc != CS_OK && w[t])
            cs_shard_writer_abort(w[t]);
        cs_shard_writer_free(w[t]);
        free(hdr[t]);
    }
    if (run)
        cs_run_abort(run);
    cs_manifest_free(m);
    for (size_t i = 0; i < np; i++) {
        cs_manifest_free(p[i].m);
        for (int t = 0; t < CS_TABLE_COUNT; t++)
            cs_paths_free(p[i].paths[t]);
    }
    free(p);
    sum->parts = (unsigned)np;
    return rc;
}

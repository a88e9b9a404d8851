/* run_compare.c -- whether two runs can be compared name by name (run_compare.h). */
#include "caascan/run_compare.h"
#include "caascan/manifest.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* What changes verdicts: the manifest's option name (or top-level member) and its default. */
static const struct {
    const char *key;
    const char *dflt;
    bool top; /* a member of the manifest itself, not of "options" */
} verdict_options[] = {
    {"ca", "letsencrypt.org", true}, {"account-uri", "none", false},
    {"account-id", "none", false},   {"validation-method", "none", false},
    {"partition", "none", false},    {"no-auth", "no", false},
    {"auth-depth", "full", false},   {"attempts", "3", false},
    {"remotes", "4", false},         {"allowed-failures", "1", false},
    {"pass-max-pct", "1", false},    {"fail-min-pct", "99", false},
};

/* The value as text: strings as they are, true as "yes", numbers in decimal, a list (a repeated
 * option) its items joined by ",", a partition object "K/N" (a merged run: a whole run), absent:
 * dflt. */
static void value_text(const json_t *v, const char *dflt, char *buf, size_t size)
{
    if (json_is_array(v) && json_array_size(v) > 0) {
        size_t used = 0, i;
        const json_t *item;
        buf[0] = '\0';
        json_array_foreach(v, i, item)
        {
            char one[256];
            value_text(item, "?", one, sizeof(one));
            int w = snprintf(buf + used, size - used, "%s%s", i ? "," : "", one);
            used += w > 0 ? (size_t)w : 0;
            if (used >= size)
                break;
        }
    } else if (json_is_object(v) && json_is_integer(json_object_get(v, "k")) &&
               json_is_integer(json_object_get(v, "n"))) {
        snprintf(buf, size, "%lld/%lld", (long long)json_integer_value(json_object_get(v, "k")),
                 (long long)json_integer_value(json_object_get(v, "n")));
    } else if (json_is_string(v))
        snprintf(buf, size, "%s", json_string_value(v));
    else if (json_is_true(v))
        snprintf(buf, size, "yes");
    else if (json_is_false(v))
        snprintf(buf, size, "no");
    else if (json_is_integer(v))
        snprintf(buf, size, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf, size, "%g", json_real_value(v));
    else
        snprintf(buf, size, "%s", dflt);
}

static const json_t *option_of(const cs_manifest *m, const char *key, bool top)
{
    const json_t *root = cs_manifest_json(m);
    /* The partition a scan resolved (--partition auto: from the job's index) is the manifest's
     * "partition" member; a merged run's holds "merged" (a whole run, options' partition null). */
    if (strcmp(key, "partition") == 0) {
        const json_t *p = json_object_get(root, "partition");
        if (json_is_object(p) && json_object_get(p, "merged"))
            return NULL;
        if (json_is_object(p) && json_object_get(p, "k"))
            return p;
    }
    return top ? json_object_get(root, key)
               : json_object_get(json_object_get(root, "options"), key);
}

cs_err cs_run_compare(const char *old_dir, const char *new_dir, char *why, size_t whylen)
{
    cs_manifest *a = NULL, *b = NULL;
    cs_err err = cs_manifest_load(&a, old_dir, 0, why, whylen);
    if (err == CS_OK)
        err = cs_manifest_load(&b, new_dir, 0, why, whylen);
    if (err != CS_OK) {
        cs_manifest_free(a);
        return err;
    }
    size_t used = 0;
    why[0] = '\0';
    for (size_t i = 0; i < sizeof(verdict_options) / sizeof(verdict_options[0]); i++) {
        char va[512], vb[512];
        value_text(option_of(a, verdict_options[i].key, verdict_options[i].top),
                   verdict_options[i].dflt, va, sizeof(va));
        value_text(option_of(b, verdict_options[i].key, verdict_options[i].top),
                   verdict_options[i].dflt, vb, sizeof(vb));
        if (strcmp(va, vb) == 0)
            continue;
        err = CS_EMISMATCH;
        if (used < whylen) {
            int w = snprintf(why + used, whylen - used, "%s--%s: %s before, %s now",
                             used ? "; " : "", verdict_options[i].key, va, vb);
            used += w > 0 ? (size_t)w : 0;
        }
    }
    cs_manifest_free(a);
    cs_manifest_free(b);
    return err;
}

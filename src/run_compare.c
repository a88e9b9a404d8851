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
    {"ca", "letsencrypt.org", true},
    {"account-uri", "none", false},
    {"account-id", "none", false},
    {"validation-method", "none", false},
    {"partition", "none", false},
    {"no-auth", "no", false},
    {"auth-depth", "full", false},
    {"attempts", "3", false},
};

/* The value as text: strings as they are, true as "yes", numbers in decimal, absent: dflt. */
static void value_text(const json_t *v, const char *dflt, char *buf, size_t size)
{
    if (json_is_string(v))
        snprintf(buf, size, "%s", json_string_value(v));
    else if (json_is_true(v))
        snprintf(buf, size, "yes");
    else if (json_is_false(v))
        snprintf(buf, size, "no");
    else if (json_is_integer(v))
        snprintf(buf, size, "%lld", (long long)json_integer_value(v));
    else
        snprintf(buf, size, "%s", dflt);
}

static const json_t *option_of(const cs_manifest *m, const char *key, bool top)
{
    const json_t *root = cs_manifest_json(m);
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

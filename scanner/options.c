/* options.c -- option values shared by the subcommands (options.h). */
#include "options.h"
#include "commands.h"

#include "caascan/input.h"
#include "caascan/ratelimit.h"

#include <errno.h>
#include <getopt.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool opt_uint(const char *cmd, const char *opt, const char *text, unsigned long min,
              unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (*text == '\0' || *text == '-' || *end != '\0' || errno || v < min || v > max) {
        fprintf(stderr, "caascan: %s: %s: '%s' is not a whole number from %lu to %lu\n", cmd, opt,
                text, min, max);
        return false;
    }
    *out = v;
    return true;
}

bool opt_delimiter(const char *cmd, const char *text, char *out)
{
    *out = cs_csv_delimiter_parse(text);
    if (!*out)
        fprintf(stderr, "caascan: %s: --delimiter: '%s' is not ',', ';' or tab\n", cmd, text);
    return *out != 0;
}

bool opt_rate(const char *cmd, const char *opt, const char *text, uint64_t *out)
{
    if (!cs_ratelimit_parse(text, out)) {
        fprintf(stderr, "caascan: %s: %s: '%s' is not a rate in queries per second\n", cmd, opt,
                text);
        return false;
    }
    return true;
}

bool opt_qtype(const char *cmd, const char *text, uint16_t *out)
{
    ldns_rr_type t = ldns_get_rr_type_by_name(text);
    if (t == 0) {
        fprintf(stderr, "caascan: %s: -t: '%s' is not a DNS record type\n", cmd, text);
        return false;
    }
    *out = (uint16_t)t;
    return true;
}

/* Whether text names a file (a regular file, a FIFO or a character device: /dev/stdin). */
static bool is_file(const char *text)
{
    struct stat sb;
    return stat(text, &sb) == 0 && !S_ISDIR(sb.st_mode);
}

bool opt_resolvers(const char *cmd, const char *spec, struct cs_addr **out, size_t *n)
{
    char err[512];
    cs_err rc;
    if (spec && spec[0] != '@' && is_file(spec)) {
        /* -r FILE, as massdns and dnsx take it: the file's addresses, one a line. */
        size_t len = strlen(spec) + 2;
        char *at = malloc(len);
        if (!at) {
            fprintf(stderr, "caascan: %s: resolvers: %s\n", cmd, cs_strerror(CS_ENOMEM));
            return false;
        }
        snprintf(at, len, "@%s", spec);
        rc = cs_addr_list_parse(at, 53, out, n, err, sizeof(err));
        free(at);
    } else if (spec && spec[0] != '@' && !strchr(spec, ',') &&
               (strchr(spec, '/') || strspn(spec, "0123456789abcdefABCDEF:.[]") != strlen(spec))) {
        /* Neither a file nor an address list: most likely a file name with a typo. */
        snprintf(err, sizeof(err), "'%s' is neither an address nor a file: %s", spec,
                 strerror(ENOENT));
        rc = CS_EINVAL;
    } else if (spec) {
        rc = cs_addr_list_parse(spec, 53, out, n, err, sizeof(err));
    } else {
        const char *path = getenv("CAASCAN_RESOLV_CONF");
        rc = cs_addr_list_resolv_conf(path ? path : "/etc/resolv.conf", out, n, err, sizeof(err));
    }
    if (rc != CS_OK) {
        fprintf(stderr, "caascan: %s: resolvers: %s\n", cmd, err);
        return false;
    }
    return true;
}

bool opt_auth(const char *cmd, int code, const char *arg, struct cs_engine_config *ecfg,
              struct cs_auth_config *acfg, bool *no_auth, bool *ok)
{
    unsigned long v = 0;
    switch (code) {
    case OPT_AUTH_QPS:
        *ok = opt_rate(cmd, "--auth-qps", arg, &ecfg->auth_qps_mq);
        return true;
    case OPT_AUTH_INFLIGHT:
        *ok = opt_uint(cmd, "--auth-inflight", arg, 1, 1000000, &v);
        ecfg->auth_inflight = (unsigned)v;
        return true;
    case OPT_AUTH_TRIES:
        *ok = opt_uint(cmd, "--auth-tries", arg, 1, CS_MAX_ATTEMPTS, &v);
        acfg->tries = (unsigned)v;
        return true;
    case OPT_AUTH_TIMEOUT:
        *ok = opt_uint(cmd, "--auth-timeout", arg, 1, 600000, &v);
        acfg->timeout_ms = (uint32_t)v;
        return true;
    case OPT_NO_AUTH:
        *no_auth = true;
        return true;
    case OPT_AUTH_DEPTH:
        if (strcmp(arg, "full") == 0)
            acfg->depth = CS_AUTH_DEPTH_FULL;
        else if (strcmp(arg, "sample") == 0)
            acfg->depth = CS_AUTH_DEPTH_SAMPLE;
        else {
            fprintf(stderr, "caascan: %s: --auth-depth: '%s' is neither 'full' nor 'sample'\n", cmd,
                    arg);
            *ok = false;
        }
        return true;
    default:
        return false;
    }
}

bool opt_model(const char *cmd, int code, const char *arg, struct cs_fm_config *m,
               bool *allowed_given, bool *ok)
{
    unsigned long v = 0;
    switch (code) {
    case OPT_REMOTES:
        *ok = opt_uint(cmd, "--remotes", arg, 0, CS_FM_REMOTES_MAX, &v);
        m->remotes = (unsigned)v;
        return true;
    case OPT_ALLOWED_FAILURES:
        *ok = opt_uint(cmd, "--allowed-failures", arg, 0, CS_FM_REMOTES_MAX, &v);
        m->allowed = (unsigned)v;
        *allowed_given = true;
        return true;
    case OPT_PASS_MAX_PCT:
    case OPT_FAIL_MIN_PCT: {
        const char *name = code == OPT_PASS_MAX_PCT ? "--pass-max-pct" : "--fail-min-pct";
        double *to = code == OPT_PASS_MAX_PCT ? &m->pass_max_pct : &m->fail_min_pct;
        *ok = cs_fm_parse_pct_option(arg, to);
        if (!*ok)
            fprintf(stderr, "caascan: %s: %s: '%s' is not a percentage from 0 to 100\n", cmd, name,
                    arg);
        return true;
    }
    default:
        return false;
    }
}

bool opt_model_finish(const char *cmd, struct cs_fm_config *m, bool allowed_given)
{
    if (!allowed_given)
        m->allowed = cs_fm_allowed_failures(m->remotes);
    char why[160];
    if (!cs_fm_config_check(m, why, sizeof(why))) {
        fprintf(stderr, "caascan: %s: %s\n", cmd, why);
        return false;
    }
    return true;
}

int opt_pool(const char *cmd, const char *spec, uint32_t initial_rto_ms,
             struct cs_resolver_pool *pool)
{
    struct cs_addr *addrs;
    size_t n;
    if (!opt_resolvers(cmd, spec, &addrs, &n))
        return CS_EXIT_USAGE;
    cs_err err = cs_pool_init(pool, addrs, n, initial_rto_ms);
    free(addrs);
    if (err != CS_OK) {
        fprintf(stderr, "caascan: %s: resolvers: %s\n", cmd, cs_strerror(err));
        return CS_EXIT_RUNTIME;
    }
    return CS_EXIT_OK;
}

bool opt_split_list(char *s, const char ***out, size_t *n)
{
    size_t count = 1;
    for (char *p = s; *p; p++)
        count += *p == ',';
    const char **v = calloc(count, sizeof(*v));
    if (!v)
        return false;
    size_t k = 0;
    char *p = s, *field;
    while ((field = strsep(&p, ",")) != NULL)
        if (*field)
            v[k++] = field;
    *out = v;
    *n = k;
    return true;
}

/* Levenshtein distance between a and b (short option names: a small table on the stack). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 64;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *opt_suggest(const char *given, const struct option *longopts)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    size_t len = strcspn(given, "=");
    char word[64];
    if (len >= sizeof(word))
        return NULL;
    memcpy(word, given, len);
    word[len] = '\0';
    for (const struct option *lo = longopts; lo->name; lo++) {
        size_t d = edit_distance(word, lo->name);
        if (d < best_d) {
            best_d = d;
            best = lo->name;
        }
    }
    /* Close enough to be a typo: at most 2 edits, and at most half the word. */
    if (best && best_d <= 2 && best_d * 2 <= strlen(best))
        return best;
    return NULL;
}

int opt_fail(const char *cmd, int c, char *const *argv, const struct option *longopts)
{
    /* getopt_long has moved optind past the offending element (and past a missing argument). */
    const char *arg = optind > 0 ? argv[optind - 1] : "";
    if (c == ':') {
        if (strncmp(arg, "--", 2) == 0)
            fprintf(stderr, "caascan: %s: option '%.*s' requires an argument\n", cmd,
                    (int)strcspn(arg, "="), arg);
        else {
            const char *lname = NULL;
            for (const struct option *lo = longopts; !lname && lo->name; lo++)
                if (lo->val == optopt)
                    lname = lo->name;
            if (lname)
                fprintf(stderr, "caascan: %s: option '-%c' (--%s) requires an argument\n", cmd,
                        optopt, lname);
            else
                fprintf(stderr, "caascan: %s: option '-%c' requires an argument\n", cmd, optopt);
        }
    } else if (optopt != 0 && optopt < 256 && strncmp(arg, "--", 2) != 0) {
        fprintf(stderr, "caascan: %s: unknown option '-%c'\n", cmd, optopt);
    } else if (optopt != 0 && strncmp(arg, "--", 2) == 0) {
        /* A known long option given an argument it does not take (--quiet=yes). */
        fprintf(stderr, "caascan: %s: option '%.*s' takes no argument\n", cmd,
                (int)strcspn(arg, "="), arg);
    } else {
        const char *name = strncmp(arg, "--", 2) == 0 ? arg + 2 : arg;
        const char *hint = opt_suggest(name, longopts);
        int len = (int)strcspn(arg, "=");
        if (hint)
            fprintf(stderr, "caascan: %s: unknown option '%.*s' (did you mean '--%s'?)\n", cmd, len,
                    arg, hint);
        else
            fprintf(stderr, "caascan: %s: unknown option '%.*s'\n", cmd, len, arg);
    }
    fprintf(stderr, "Try 'caascan %s --help'.\n", cmd);
    return CS_EXIT_USAGE;
}

int opt_missing(const char *cmd, const char *what)
{
    fprintf(stderr, "caascan: %s: %s\nTry 'caascan %s --help'.\n", cmd, what, cmd);
    return CS_EXIT_USAGE;
}

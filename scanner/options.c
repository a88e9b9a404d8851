/* options.c -- option values shared by the subcommands (options.h). */
#include "options.h"
#include "commands.h"

#include "caascan/ratelimit.h"

#include <errno.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

bool opt_resolvers(const char *cmd, const char *spec, struct cs_addr **out, size_t *n)
{
    char err[512];
    cs_err rc;
    if (spec) {
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
    default:
        return false;
    }
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

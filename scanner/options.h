/* options.h -- option values shared by the subcommands: numbers, rates, resolvers. */
#ifndef CAASCAN_OPTIONS_H
#define CAASCAN_OPTIONS_H

#include "caascan/addr.h"
#include "caascan/auth.h"
#include "caascan/engine.h"
#include "caascan/fail_model.h"

#include <stdbool.h>
#include <stdint.h>

/* Parses a whole number in [min, max] for option opt; prints the error and returns false. */
bool opt_uint(const char *cmd, const char *opt, const char *text, unsigned long min,
              unsigned long max, unsigned long *out);
/* Parses --delimiter (',', ';' or tab) into *out; prints the error and returns false. */
bool opt_delimiter(const char *cmd, const char *text, char *out);
/* Parses a rate in queries per second ("0" = unlimited) into milli-q/s. */
bool opt_rate(const char *cmd, const char *opt, const char *text, uint64_t *out);
/* Parses a DNS type mnemonic ("CAA", "a", "TYPE257"). */
bool opt_qtype(const char *cmd, const char *text, uint16_t *out);

/*
 * Resolvers from -r (list or @file) or, when spec is NULL, from /etc/resolv.conf (or the file in
 * $CAASCAN_RESOLV_CONF). Prints the error and returns false.
 */
bool opt_resolvers(const char *cmd, const char *spec, struct cs_addr **out, size_t *n);

/* The options of the authoritative checks, the same for scan and check. */
enum {
    OPT_AUTH_QPS = 0x1000,
    OPT_AUTH_INFLIGHT,
    OPT_AUTH_TRIES,
    OPT_AUTH_TIMEOUT,
    OPT_NO_AUTH,
    OPT_AUTH_DEPTH,
};
#define OPT_AUTH_LONGOPTS                                           \
    {"auth-qps", required_argument, 0, OPT_AUTH_QPS},               \
        {"auth-inflight", required_argument, 0, OPT_AUTH_INFLIGHT}, \
        {"auth-tries", required_argument, 0, OPT_AUTH_TRIES},       \
        {"auth-timeout", required_argument, 0, OPT_AUTH_TIMEOUT},   \
        {"auth-depth", required_argument, 0, OPT_AUTH_DEPTH},       \
    {                                                               \
        "no-auth", no_argument, 0, OPT_NO_AUTH                      \
    }
#define OPT_AUTH_USAGE                                                                           \
    "      --auth-qps N           query rate per authoritative server address (default 20)\n"    \
    "      --auth-inflight N      queries in flight on one authoritative address (default 32)\n" \
    "      --auth-tries N         direct queries per question and server address (default 2)\n"  \
    "      --auth-timeout MS      longest wait for a direct query (default 3000)\n"              \
    "      --auth-depth full|sample  every name at every address (default), or per-name\n"       \
    "                             probes only where they can find something (docs/auth.md)\n"    \
    "      --no-auth              skip the authoritative checks (CA-side lookups only)\n"

/*
 * Takes option `code` when it is one of the authoritative checks' (returns false otherwise): its
 * value goes to ecfg, acfg or *no_auth; *ok turns false, after a message, when arg is bad.
 */
bool opt_auth(const char *cmd, int code, const char *arg, struct cs_engine_config *ecfg,
              struct cs_auth_config *acfg, bool *no_auth, bool *ok);

/* The CA model's options (fail_model.h, docs/caa.md), the same for scan and check. */
enum {
    OPT_REMOTES = 0x1100,
    OPT_ALLOWED_FAILURES,
    OPT_PASS_MAX_PCT,
    OPT_FAIL_MIN_PCT,
};
#define OPT_MODEL_LONGOPTS                                                \
    {"remotes", required_argument, 0, OPT_REMOTES},                       \
        {"allowed-failures", required_argument, 0, OPT_ALLOWED_FAILURES}, \
        {"pass-max-pct", required_argument, 0, OPT_PASS_MAX_PCT},         \
    {                                                                     \
        "fail-min-pct", required_argument, 0, OPT_FAIL_MIN_PCT            \
    }
#define OPT_MODEL_USAGE                                                                        \
    "      --remotes N            the CA's remote perspectives (default 4, Let's Encrypt's)\n" \
    "      --allowed-failures N   of those, allowed to fail (default Boulder's rule: 1 for\n"  \
    "                             2 to 5 remotes, 2 for 6 or more)\n"                          \
    "      --pass-max-pct P       fail_pct up to P passes: OK or AT_RISK (default 1)\n"        \
    "      --fail-min-pct P       fail_pct from P on fails: the failing status (default 99)\n"

/*
 * Takes option `code` when it is one of the CA model's (returns false otherwise): its value goes
 * to m (*allowed_given set by --allowed-failures); *ok turns false, after a message, when arg is
 * bad.
 */
bool opt_model(const char *cmd, int code, const char *arg, struct cs_fm_config *m,
               bool *allowed_given, bool *ok);

/*
 * After the options: --allowed-failures defaults to Boulder's rule for --remotes, and the model
 * must hold together (cs_fm_config_check). Prints the error and returns false.
 */
bool opt_model_finish(const char *cmd, struct cs_fm_config *m, bool allowed_given);

/*
 * The resolver pool of a command: the resolvers as opt_resolvers() finds them, each starting with
 * a timeout of initial_rto_ms. Returns CS_EXIT_OK, or the exit status after printing why.
 */
int opt_pool(const char *cmd, const char *spec, uint32_t initial_rto_ms,
             struct cs_resolver_pool *pool);

/*
 * Splits s in place at commas into a new array of its non-empty fields (*out, to free; the fields
 * point into s). Returns false when out of memory.
 */
bool opt_split_list(char *s, const char ***out, size_t *n);

struct option;

/*
 * The closest long option to given (the text after "--", up to any '='), when it is near enough
 * to be a typo (Levenshtein distance at most 2); NULL otherwise.
 */
const char *opt_suggest(const char *given, const struct option *longopts);

/*
 * The error for what getopt_long returned as c ('?' or ':' with opterr = 0 and an optstring
 * starting with ':'): "caascan: CMD: unknown option '--ouptut' (did you mean '--output'?)",
 * "option '--output' requires an argument", then "Try 'caascan CMD --help'." Returns
 * CS_EXIT_USAGE.
 */
int opt_fail(const char *cmd, int c, char *const *argv, const struct option *longopts);

/* "caascan: CMD: what" and the --help pointer; returns CS_EXIT_USAGE. */
int opt_missing(const char *cmd, const char *what);

#endif

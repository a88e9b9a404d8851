/* options.h -- option values shared by the subcommands: numbers, rates, resolvers. */
#ifndef CAASCAN_OPTIONS_H
#define CAASCAN_OPTIONS_H

#include "caascan/addr.h"
#include "caascan/engine.h"

#include <stdbool.h>
#include <stdint.h>

/* Parses a whole number in [min, max] for option opt; prints the error and returns false. */
bool opt_uint(const char *cmd, const char *opt, const char *text, unsigned long min,
              unsigned long max, unsigned long *out);
/* Parses a rate in queries per second ("0" = unlimited) into milli-q/s. */
bool opt_rate(const char *cmd, const char *opt, const char *text, uint64_t *out);
/* Parses a DNS type mnemonic ("CAA", "a", "TYPE257"). */
bool opt_qtype(const char *cmd, const char *text, uint16_t *out);

/*
 * Resolvers from -r (list or @file) or, when spec is NULL, from /etc/resolv.conf (or the file in
 * $CAASCAN_RESOLV_CONF). Prints the error and returns false.
 */
bool opt_resolvers(const char *cmd, const char *spec, struct cs_addr **out, size_t *n);

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

#endif

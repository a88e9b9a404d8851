/*
 * strmap.h -- a table from names (NUL-terminated strings) to pointers, for the run-wide tables of
 * the climb (levels), the authoritative checks (apexes, zones, hosts, names) and the scanner
 * (how many names use each level). Chained, doubled when half full; keys are not copied: a key
 * must stay valid while its entry is in the table (usually it is the value's own name).
 * Zero-initialize a map before use.
 */
#ifndef CAASCAN_STRMAP_H
#define CAASCAN_STRMAP_H

#include "caascan/error.h"

#include <stddef.h>

struct cs_strmap_ent {
    const char *key;
    void *val;
    struct cs_strmap_ent *next;
};

struct cs_strmap {
    struct cs_strmap_ent **b;
    size_t size, count; /* count: entries */
};

/* The value under key, NULL when there is none. */
void *cs_strmap_get(const struct cs_strmap *m, const char *key);
/* Where the value under key is kept (to change it in place), NULL when there is none. */
void **cs_strmap_slot(const struct cs_strmap *m, const char *key);
/* Adds val under key, which must not be in the map yet. CS_ENOMEM leaves the map as it was. */
cs_err cs_strmap_put(struct cs_strmap *m, const char *key, void *val);
/* Takes key's entry out (the value stays with the caller); nothing when there is none. */
void cs_strmap_remove(struct cs_strmap *m, const char *key);
/* Calls fn for every value, in no particular order; fn must not change the map. */
void cs_strmap_foreach(const struct cs_strmap *m, void (*fn)(void *val, void *arg), void *arg);
/* Empties the map, calling fn (when not NULL) on every value, and frees its memory. */
void cs_strmap_free(struct cs_strmap *m, void (*fn)(void *val));

#endif

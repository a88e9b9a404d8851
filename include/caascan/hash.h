/*
 * hash.h -- FNV-1a, 64 bit: the one hash of caascan's tables (names, addresses, CAA and NS sets)
 * and of the shard a name goes to, whose values are part of the run format (docs/run-format.md):
 * they never change. Offset basis 0xcbf29ce484222325, prime 0x100000001b3.
 */
#ifndef CAASCAN_HASH_H
#define CAASCAN_HASH_H

#include <stddef.h>
#include <stdint.h>

#define CS_FNV1A64_BASIS 0xcbf29ce484222325ULL

/* Continues hash h over len octets at p (start with CS_FNV1A64_BASIS). */
uint64_t cs_fnv1a64_add(uint64_t h, const void *p, size_t len);
/* The hash of len octets at p. */
uint64_t cs_fnv1a64(const void *p, size_t len);
/* The hash of a NUL-terminated string (its octets, not the NUL). */
uint64_t cs_fnv1a64_str(const char *s);

#endif

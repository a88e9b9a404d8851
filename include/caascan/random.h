/*
 * random.h -- unpredictable numbers for query IDs, 0x20 case bits, source ports and sampling.
 *
 * The bytes come from the kernel's CSPRNG (glibc arc4random_buf, i.e. getrandom()), drawn 4 KiB
 * at a time: one system call serves about a hundred queries instead of three per query. The pool
 * is per process and not fork-safe; caascan does not fork.
 */
#ifndef CAASCAN_RANDOM_H
#define CAASCAN_RANDOM_H

#include <stddef.h>
#include <stdint.h>

/* Fills buf with n unpredictable bytes. */
void cs_random_bytes(void *buf, size_t n);

/* A uniformly distributed number in [0, bound); 0 when bound is 0. */
uint32_t cs_random_uniform(uint32_t bound);

#endif

/* random.c -- a pool of kernel randomness (random.h). */
#include "caascan/random.h"

#include <stdlib.h>
#include <string.h>

static uint8_t pool[4096];
static size_t pool_left;

void cs_random_bytes(void *buf, size_t n)
{
    uint8_t *out = buf;
    while (n > 0) {
        if (pool_left == 0) {
            arc4random_buf(pool, sizeof(pool));
            pool_left = sizeof(pool);
        }
        size_t take = n < pool_left ? n : pool_left;
        uint8_t *src = pool + sizeof(pool) - pool_left;
        memcpy(out, src, take);
        memset(src, 0, take); /* a byte handed out is not kept */
        pool_left -= take;
        out += take;
        n -= take;
    }
}

uint32_t cs_random_uniform(uint32_t bound)
{
    if (bound < 2)
        return 0;
    /* Rejection sampling: drop values of the incomplete last multiple of bound. */
    uint32_t limit = (uint32_t)(-bound) % bound;
    for (;;) {
        uint32_t r;
        cs_random_bytes(&r, sizeof(r));
        if (r >= limit)
            return r % bound;
    }
}

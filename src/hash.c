/* hash.c -- FNV-1a, 64 bit (hash.h). */
#include "caascan/hash.h"

uint64_t cs_fnv1a64_add(uint64_t h, const void *p, size_t len)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < len; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t cs_fnv1a64(const void *p, size_t len)
{
    return cs_fnv1a64_add(CS_FNV1A64_BASIS, p, len);
}

uint64_t cs_fnv1a64_str(const char *s)
{
    uint64_t h = CS_FNV1A64_BASIS;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

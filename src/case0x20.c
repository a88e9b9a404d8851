/* case0x20.c -- 0x20 case randomization and echo check (case0x20.h). */
#include "caascan/case0x20.h"
#include "caascan/random.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int is_alpha(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static uint8_t to_lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c | 0x20) : c;
}

size_t cs_wire_name_len(const uint8_t *p, size_t avail)
{
    size_t off = 0;
    for (;;) {
        if (off >= avail)
            return 0;
        uint8_t lab = p[off];
        if (lab & 0xc0) /* compression pointer or extended label type */
            return 0;
        off += 1 + (size_t)lab;
        if (off > 255)
            return 0;
        if (lab == 0)
            return off;
    }
}

unsigned cs_0x20_apply(uint8_t *name, size_t len, const uint8_t *bits, size_t nbits)
{
    unsigned letters = 0;
    size_t off = 0;
    while (off < len && name[off] != 0) {
        size_t lab = name[off];
        for (size_t i = off + 1; i <= off + lab && i < len; i++) {
            if (!is_alpha(name[i]))
                continue;
            size_t bit = letters++;
            int upper = bit < nbits ? (bits[bit / 8] >> (bit % 8)) & 1 : 0;
            name[i] = upper ? (uint8_t)(name[i] & ~0x20) : (uint8_t)(name[i] | 0x20);
        }
        off += 1 + lab;
    }
    return letters;
}

unsigned cs_0x20_randomize(uint8_t *name, size_t len)
{
    uint8_t bits[32]; /* 255 octets hold at most 253 letters */
    size_t letters = 0;
    for (size_t i = 0; i < len; i++)
        letters += is_alpha(name[i]); /* length octets may count too: a few spare bits */
    size_t nbytes = (letters + 7) / 8;
    if (nbytes > sizeof(bits))
        nbytes = sizeof(bits);
    cs_random_bytes(bits, nbytes);
    unsigned n = cs_0x20_apply(name, len, bits, nbytes * 8);
    /* An all-lower-case draw is not mixed case: an authoritative server that answers a name with
     * an upper-case letter differently (CASE_SENSITIVE_ANSWER) would answer it as it answers the
     * lower-case probe, and its tries would look INTERMITTENT. One letter, drawn at random, is
     * then made upper case. */
    unsigned used = n < nbytes * 8 ? n : (unsigned)(nbytes * 8);
    bool upper = false;
    for (unsigned i = 0; i < used && !upper; i++)
        upper = (bits[i / 8] >> (i % 8)) & 1;
    if (used > 0 && !upper) {
        unsigned k = cs_random_uniform(used);
        bits[k / 8] |= (uint8_t)(1u << (k % 8));
        cs_0x20_apply(name, len, bits, nbytes * 8);
    }
    return n;
}

cs_echo cs_0x20_compare(const uint8_t *sent, size_t sent_len, const uint8_t *got, size_t got_len)
{
    if (sent_len != got_len)
        return CS_ECHO_DIFFERENT;
    if (memcmp(sent, got, sent_len) == 0)
        return CS_ECHO_EXACT;
    /* Walk the labels so that length octets are compared exactly and only letters fold. */
    size_t off = 0;
    while (off < sent_len) {
        uint8_t lab = sent[off];
        if (got[off] != lab || off + 1 + lab > sent_len)
            return CS_ECHO_DIFFERENT;
        for (size_t i = off + 1; i <= off + lab; i++)
            if (to_lower(sent[i]) != to_lower(got[i]))
                return CS_ECHO_DIFFERENT;
        if (lab == 0)
            return off + 1 == sent_len ? CS_ECHO_CASE_ONLY : CS_ECHO_DIFFERENT;
        off += 1 + (size_t)lab;
    }
    return CS_ECHO_DIFFERENT;
}

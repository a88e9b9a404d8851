/*
 * case0x20.h -- 0x20 case randomization of query names and the byte-for-byte check of the echo.
 *
 * CAs' resolvers randomize the case of every query name (draft-vixie-dnsext-dns0x20) and accept a
 * reply only when its question repeats that case exactly. An authoritative server that lower-cases
 * the question is therefore a cause of CA-side failures. The check here keeps the three outcomes
 * apart -- exact echo, same name in another case, another name -- as Unbound's
 * serviced_check_qname() does, because "case only" is a finding, not a transport error.
 *
 * All functions work on uncompressed wire-format names (length-prefixed labels, root label last).
 */
#ifndef CAASCAN_CASE0X20_H
#define CAASCAN_CASE0X20_H

#include <stddef.h>
#include <stdint.h>

typedef enum cs_echo {
    CS_ECHO_EXACT = 0, /* byte-for-byte the name sent */
    CS_ECHO_CASE_ONLY, /* the same name, but the case of at least one letter differs */
    CS_ECHO_DIFFERENT, /* another name, or not a valid name */
} cs_echo;

/*
 * Returns the length in octets of the uncompressed wire name starting at p (including the root
 * label), reading at most avail octets; 0 when the name is malformed, compressed or exceeds 255.
 */
size_t cs_wire_name_len(const uint8_t *p, size_t avail);

/*
 * Flips the case of every ASCII letter of the wire name in place, each with probability 1/2, from
 * the system's cryptographic random source, except that a name with letters always gets at least
 * one in upper case (an all-lower-case draw has one letter, drawn at random, made upper case).
 * Length octets are never touched. Returns the number of letters in the name.
 */
unsigned cs_0x20_randomize(uint8_t *name, size_t len);

/* As cs_0x20_randomize, with the random bits taken from bits (bit i for the i-th letter). */
unsigned cs_0x20_apply(uint8_t *name, size_t len, const uint8_t *bits, size_t nbits);

/* Compares a received question name with the name sent. */
cs_echo cs_0x20_compare(const uint8_t *sent, size_t sent_len, const uint8_t *got, size_t got_len);

#endif

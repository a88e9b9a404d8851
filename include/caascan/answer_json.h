/*
 * answer_json.h -- one engine answer as a JSON object (the lines `caascan lookup` writes).
 *
 * {"name", "type", "outcome", "server", "rcode", "flags", "answers", "authority", "ede",
 *  "attempts", "attempt_log", "rtt_us", "case_echoed", "sent_qname", "tcp", "truncated"}
 * Records are {"name", "type", "ttl", "data"}; CAA data is {"flags", "tag", "value"}, other types
 * carry their presentation text. Octets outside printable ASCII are written as \DDD.
 *
 * A bulk lookup writes one object per query, so the writer is a plain growing buffer (struct
 * cs_json, compact output as yajl's generator would make it), and a reply the engine hands over
 * as wire data (cs_reply_scan() in query.h) is printed straight from the message: the common
 * record types in the same text as ldns prints them, with nothing allocated per record. A reply
 * parsed by ldns (pkt) is printed through ldns. Both give the same line for the same reply
 * (tests/unit/test_answer_json.c and tests/fuzz/fuzz_reply.c compare them).
 */
#ifndef CAASCAN_ANSWER_JSON_H
#define CAASCAN_ANSWER_JSON_H

#include "caascan/engine.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CS_JSON_MAX_DEPTH 32

/* A JSON text being written. Zero it (or cs_json_init) before use. */
struct cs_json {
    char *buf;
    size_t len, cap;
    bool failed;    /* out of memory: the text is incomplete */
    unsigned depth; /* open maps and arrays */
    bool has_member[CS_JSON_MAX_DEPTH + 1];
    bool after_key;           /* a map key was written, its value comes next */
    struct cs_addr last_addr; /* the last server address formatted ... */
    char last_addr_text[64];  /* ... and its text */
};

void cs_json_init(struct cs_json *w);
void cs_json_free(struct cs_json *w);
/* Empties the text (keeps the memory) for the next object. */
void cs_json_clear(struct cs_json *w);

void cs_json_map_open(struct cs_json *w);
void cs_json_map_close(struct cs_json *w);
void cs_json_array_open(struct cs_json *w);
void cs_json_array_close(struct cs_json *w);
/* A map key (ASCII, NUL-terminated). */
void cs_json_key(struct cs_json *w, const char *key);
/* A string, escaped as JSON requires (octets >= 0x80 are copied as they are). */
void cs_json_string(struct cs_json *w, const char *s, size_t n);
void cs_json_cstring(struct cs_json *w, const char *s);
void cs_json_integer(struct cs_json *w, long long v);
void cs_json_bool(struct cs_json *w, bool v);
/* A string made of octets: printable ASCII as is, other octets (and '\') as \DDD. */
void cs_json_octets(struct cs_json *w, const uint8_t *p, size_t n);
/* Appends raw text outside any value (a line end between objects). */
void cs_json_raw(struct cs_json *w, const char *s, size_t n);

/* Writes ans as one JSON object into w. Returns false when memory ran out. */
bool cs_answer_json(const struct cs_answer *ans, struct cs_json *w);

/* One resource record as {"name", "type", "ttl", "data"} into w. */
void cs_rr_json(const ldns_rr *rr, struct cs_json *w);

/* The type's mnemonic ("CAA") from ldns's static table, or "TYPEnnn" written into buf. */
const char *cs_rr_type_name(uint16_t type, char *buf, size_t size);

/* A wire-format name in presentation form with a trailing dot, case kept. */
void cs_wire_name_str(const uint8_t *wire, size_t len, char *buf, size_t size);

#endif

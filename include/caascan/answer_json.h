/*
 * answer_json.h -- one engine answer as a JSON object (the lines `caascan lookup` writes).
 *
 * {"name", "type", "outcome", "server", "rcode", "flags", "answers", "authority", "ede",
 *  "attempts", "attempt_log", "rtt_us", "case_echoed", "sent_qname", "tcp", "truncated"}
 * Records are {"name", "type", "ttl", "data"}; CAA data is {"flags", "tag", "value"} (octets
 * outside printable ASCII, and '\', written as \DDD), other types carry their presentation text
 * (RFC 1035 escapes as the printer wrote them; names, owner or in the data, with \DDD for '.',
 * '\' and octets outside printable ASCII). Case: the labels of a name that repeat the 0x20 name
 * sent byte for byte are written in the case of "name" as asked (0x20 undone); other names keep
 * the case they came with. "sent_qname" keeps the name sent.
 *
 * The lines are jansson objects (keys in insertion order, which jansson keeps since 2.8) dumped
 * compact. A bulk lookup writes one per query, so cs_answer_writer keeps the tree of a line and
 * its output buffer from line to line, and every string is set without jansson's UTF-8 check
 * (they are printable ASCII by construction).
 */
#ifndef CAASCAN_ANSWER_JSON_H
#define CAASCAN_ANSWER_JSON_H

#include "caascan/engine.h"

#include <jansson.h>

/* One resource record as {"name", "type", "ttl", "data"}: a new reference, or NULL. */
json_t *cs_rr_json(const ldns_rr *rr);

/* A JSON string of the octets made safe: printable ASCII as is, '\' and other octets as \DDD.
 * A new reference, or NULL. */
json_t *cs_json_octets(const uint8_t *p, size_t n);

/* Writes the lines of `caascan lookup`, one at a time, into a buffer it keeps. */
struct cs_answer_writer;

/* A new writer, or NULL when memory runs out. */
struct cs_answer_writer *cs_answer_writer_new(void);

/* ans as one compact JSON object, without a newline: *len octets (NUL-terminated), valid until
 * the next call on w; NULL when memory runs out. */
const char *cs_answer_writer_line(struct cs_answer_writer *w, const struct cs_answer *ans,
                                  size_t *len);

/* Any object j (NULL: fails) dumped the same way, for the other lines of a lookup. */
const char *cs_answer_writer_dump(struct cs_answer_writer *w, const json_t *j, size_t *len);

void cs_answer_writer_free(struct cs_answer_writer *w);

/* The type's mnemonic ("CAA") from ldns's static table, or "TYPEnnn" written into buf. */
const char *cs_rr_type_name(uint16_t type, char *buf, size_t size);

/* A wire-format name in presentation form with a trailing dot, case kept. */
void cs_wire_name_str(const uint8_t *wire, size_t len, char *buf, size_t size);

#endif

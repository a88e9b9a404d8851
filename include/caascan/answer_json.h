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
 * The objects are streamed with yajl's generator straight into its buffer: a bulk lookup writes
 * one per query, and building a document tree for each (jansson) cost more CPU than the query.
 */
#ifndef CAASCAN_ANSWER_JSON_H
#define CAASCAN_ANSWER_JSON_H

#include "caascan/engine.h"

#include <yajl/yajl_gen.h>

/* Writes ans as one JSON object into g. Returns the first yajl error, yajl_gen_status_ok. */
yajl_gen_status cs_answer_json(const struct cs_answer *ans, yajl_gen g);

/* One resource record as {"name", "type", "ttl", "data"} into g. */
yajl_gen_status cs_rr_json(const ldns_rr *rr, yajl_gen g);

/* Writes a string made JSON-safe: printable ASCII as is, other octets as \DDD. */
yajl_gen_status cs_json_octets(yajl_gen g, const uint8_t *p, size_t n);

/* The type's mnemonic ("CAA") from ldns's static table, or "TYPEnnn" written into buf. */
const char *cs_rr_type_name(uint16_t type, char *buf, size_t size);

/* A wire-format name in presentation form with a trailing dot, case kept. */
void cs_wire_name_str(const uint8_t *wire, size_t len, char *buf, size_t size);

#endif

/*
 * answer_json.h -- one engine answer as a JSON object (the lines `caascan lookup` writes).
 *
 * {"name", "type", "outcome", "rcode", "server", "flags", "answers", "authority", "ede",
 *  "attempts", "attempt_log", "rtt_ms", "case_echoed", "sent_qname", "tcp", "truncated"}
 * Records are {"name", "type", "ttl", "data"}; CAA data is {"flags", "tag", "value"}, other types
 * carry their presentation text. Octets outside printable ASCII are written as \DDD.
 */
#ifndef CAASCAN_ANSWER_JSON_H
#define CAASCAN_ANSWER_JSON_H

#include "caascan/engine.h"

#include <jansson.h>

/* Returns a new JSON object for ans (NULL when out of memory). */
json_t *cs_answer_to_json(const struct cs_answer *ans);

/* One resource record as {"name", "type", "ttl", "data"}. */
json_t *cs_rr_to_json(const ldns_rr *rr);

/* A wire-format name in presentation form with a trailing dot, case kept. */
void cs_wire_name_str(const uint8_t *wire, size_t len, char *buf, size_t size);

#endif

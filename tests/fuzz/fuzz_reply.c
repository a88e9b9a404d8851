/*
 * fuzz_reply.c -- arbitrary bytes as the reply to a query: the match check (query.c), then what
 * the engine does with an accepted reply: ldns parsing, RCODE, Extended DNS Errors and the JSON
 * line of `caascan lookup` (answer_json.c), which must parse back as JSON.
 */
#include "caascan/answer_json.h"
#include "caascan/query.h"

#include <jansson.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct cs_wirequery q;
    static int built;
    if (!built) {
        if (cs_query_build(&q, "shop.example.test", LDNS_RR_TYPE_CAA, 1, CS_QF_RD | CS_QF_DO) !=
            CS_OK)
            abort();
        built = 1;
    }
    /* Make the ID match half of the time so that the question checks are reached. */
    uint8_t *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);
    if (size >= 2 && (buf[0] & 1))
        memcpy(buf, q.buf, 2);
    cs_query_match(&q, buf, size);

    ldns_pkt *pkt = NULL;
    if (cs_pkt_from_wire(&pkt, buf, size) == LDNS_STATUS_OK) { /* as the engine parses it */
        char rb[16];
        cs_rcode_name(cs_pkt_rcode(pkt), rb, sizeof(rb));
        struct cs_ede ede[4];
        cs_pkt_ede(pkt, ede, 4);
        struct cs_attempt att = {.outcome = CS_OUT_ANSWER, .rcode = (int)cs_pkt_rcode(pkt)};
        struct cs_answer ans = {
            .name = "shop.example.test",
            .qtype = LDNS_RR_TYPE_CAA,
            .outcome = CS_OUT_ANSWER,
            .pkt = pkt,
            .rcode = cs_pkt_rcode(pkt),
            .server = &att.server,
            .nattempts = 1,
            .attempts = &att,
            .sent_qname = q.buf + 12,
            .sent_qname_len = q.qname_len,
        };
        /* The line is always written (the writer fails only when memory runs out), is printable
         * ASCII (its strings skip jansson's UTF-8 check) and parses back as JSON. A writer lives
         * across inputs, as in a lookup, so a line must not depend on the lines before. */
        static struct cs_answer_writer *w;
        if (!w && !(w = cs_answer_writer_new()))
            abort();
        size_t len = 0;
        const char *line = cs_answer_writer_line(w, &ans, &len);
        if (!line)
            abort();
        for (size_t i = 0; i < len; i++)
            if (line[i] < 0x20 || line[i] >= 0x7f)
                abort();
        json_error_t err;
        json_t *j = json_loadb(line, len, 0, &err);
        if (!j)
            abort();
        json_decref(j);
        ldns_pkt_free(pkt);
    }
    free(buf);
    return 0;
}

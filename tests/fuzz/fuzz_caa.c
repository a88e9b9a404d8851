/*
 * fuzz_caa.c -- libFuzzer harness for CAA evaluation (caa.h).
 *
 * The input is one options octet (bit 0: wildcard name; bits 1-2: which policy), then up to eight
 * records as flags(1) taglen(1) tag vlen(2, big-endian) value, each length cut to what is left.
 * The whole input is also parsed as one issue value. Every record is printed with cs_caa_format,
 * read back by ldns and viewed with cs_caa_record_from_rr, and must come back identical; the
 * verdict must keep its invariants. Any violation aborts.
 */
#include <ldns/ldns.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caascan/caa.h"

#define MAX_RECORDS 8

static const struct cs_caa_policy policies[4] = {
    {"letsencrypt.org", NULL, NULL, NULL, 0, NULL, NULL},
    {"letsencrypt.org", "https://acme-v02.api.letsencrypt.org/acme/acct/1", "http-01", NULL, 0,
     NULL, NULL},
    /* the account as an id: every Let's Encrypt account URI prefix followed by 1 */
    {"letsencrypt.org", NULL, NULL, NULL, 0, "1", NULL},
    {"ca1.example", NULL, "dns-01", NULL, 0, NULL, NULL},
};

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_caa: invariant broken: %s\n", what);
        abort();
    }
}

static void round_trip(const struct cs_caa_record *rec)
{
    static char text[70000], line[70100];
    size_t need = cs_caa_format(rec, text, sizeof(text));
    check(need < sizeof(text), "format length");
    check(strlen(text) == need, "format returns its length");
    snprintf(line, sizeof(line), "x.test. 300 IN CAA %s", text);
    ldns_rr *rr = NULL;
    ldns_status st = ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL);
    check(st == LDNS_STATUS_OK, "ldns reads what cs_caa_format writes");
    struct cs_caa_record back;
    check(cs_caa_record_from_rr(rr, &back) == CS_OK, "record view of a parsed rr");
    check(back.flags == rec->flags, "flags round trip");
    check(back.tag_len == rec->tag_len &&
              (rec->tag_len == 0 || memcmp(back.tag, rec->tag, rec->tag_len) == 0),
          "tag round trip");
    check(back.value_len == rec->value_len &&
              (rec->value_len == 0 || memcmp(back.value, rec->value, rec->value_len) == 0),
          "value round trip");
    ldns_rr_free(rr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cs_caa_issue_value iv;
    cs_err err = cs_caa_parse_issue_value(data, size, &iv);
    check(err == CS_OK || err == CS_EPARSE, "parse result");
    check((err == CS_OK) == (iv.boulder_ok && iv.issuer_rfc_ok && iv.params_rfc_ok), "parse flags");
    check(err == CS_OK || (iv.defect != NULL && iv.defect_at <= size), "defect reported");
    check(iv.issuer_len <= size, "issuer inside the value");

    if (size < 1)
        return 0;
    bool wildcard = data[0] & 1;
    const struct cs_caa_policy *pol = &policies[(data[0] >> 1) & 3];
    size_t pos = 1;
    struct cs_caa_record recs[MAX_RECORDS];
    size_t n = 0;
    while (n < MAX_RECORDS && pos + 2 <= size) {
        struct cs_caa_record *r = &recs[n++];
        r->flags = data[pos];
        size_t tl = data[pos + 1];
        pos += 2;
        if (tl > size - pos)
            tl = size - pos;
        r->tag = (const char *)data + pos;
        r->tag_len = tl;
        pos += tl;
        size_t vl = 0;
        if (pos + 2 <= size) {
            vl = (size_t)data[pos] << 8 | data[pos + 1];
            pos += 2;
        } else {
            pos = size;
        }
        if (vl > size - pos)
            vl = size - pos;
        r->value = data + pos;
        r->value_len = vl;
        pos += vl;
    }

    struct cs_caa_verdict v;
    check(cs_caa_evaluate(recs, n, wildcard, pol, &v) == CS_OK, "evaluate succeeds");
    check(v.authorized == !(v.problems & CS_PB_BIT(CS_PB_CAA_NOT_AUTHORIZED)),
          "NOT_AUTHORIZED exactly when denied");
    check((v.problems & ~(cs_problems)0x3f) == 0, "only CAA problem codes");
    check(v.deciding_record >= -1 && v.deciding_record < (int)n, "deciding record index");
    check(v.authorized ? v.methods != 0 : v.methods == 0, "methods agree with the verdict");
    size_t rlen = strnlen(v.reason, sizeof(v.reason));
    check(rlen > 0 && rlen < sizeof(v.reason), "reason is a terminated sentence");

    for (size_t i = 0; i < n; i++)
        round_trip(&recs[i]);
    return 0;
}

/*
 * fuzz_ldns_tsig.h -- for harnesses that hand arbitrary bytes to ldns_wire2pkt: ldns 1.8.3 keeps
 * one TSIG record of the additional section and drops the one before without freeing it, so a
 * reply with two TSIG records there leaks 73 bytes or more inside ldns (not in caascan).
 * Harnesses skip such inputs so that LeakSanitizer keeps watching caascan's own frees.
 */
#ifndef CAASCAN_FUZZ_LDNS_TSIG_H
#define CAASCAN_FUZZ_LDNS_TSIG_H

#include <ldns/ldns.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The TSIG records ldns_wire2pkt would take from the additional section: the records are read
 * with ldns_wire2rr as ldns_wire2pkt reads them (it lowers the additional count for each TSIG
 * record while it reads them), as far as they parse.
 */
static unsigned fuzz_wire_tsig_records(const uint8_t *w, size_t n)
{
    if (n < 12)
        return 0;
    unsigned count[4] = {(unsigned)w[4] << 8 | w[5], (unsigned)w[6] << 8 | w[7],
                         (unsigned)w[8] << 8 | w[9], (unsigned)w[10] << 8 | w[11]};
    size_t pos = 12;
    unsigned tsig = 0;
    for (int sec = LDNS_SECTION_QUESTION; sec <= LDNS_SECTION_ADDITIONAL; sec++) {
        for (unsigned i = 0; i < count[sec]; i++) {
            ldns_rr *rr = NULL;
            if (ldns_wire2rr(&rr, w, n, &pos, (ldns_pkt_section)sec) != LDNS_STATUS_OK)
                return tsig;
            if (sec == LDNS_SECTION_ADDITIONAL && ldns_rr_get_type(rr) == LDNS_RR_TYPE_TSIG) {
                tsig++;
                count[sec]--;
            }
            ldns_rr_free(rr);
        }
    }
    return tsig;
}

#endif

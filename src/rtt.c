/* rtt.c -- smoothed RTT and retransmission timeout (rtt.h). */
#include "caascan/rtt.h"

#define RTT_MAX_US 120000000u

void cs_rtt_init(struct cs_rtt *r, uint32_t initial_ms)
{
    r->srtt_us = 0;
    r->rttvar_us = 0;
    r->rto_us = initial_ms * 1000u;
}

void cs_rtt_sample(struct cs_rtt *r, uint32_t rtt_us)
{
    if (r->srtt_us == 0) {
        r->srtt_us = rtt_us ? rtt_us : 1;
        r->rttvar_us = rtt_us / 2;
    } else {
        uint32_t diff = rtt_us > r->srtt_us ? rtt_us - r->srtt_us : r->srtt_us - rtt_us;
        r->rttvar_us = (3 * r->rttvar_us + diff) / 4;
        r->srtt_us = (7 * r->srtt_us + rtt_us) / 8;
        if (r->srtt_us == 0)
            r->srtt_us = 1;
    }
    uint64_t rto = (uint64_t)r->srtt_us + 4 * (uint64_t)r->rttvar_us;
    r->rto_us = rto > RTT_MAX_US ? RTT_MAX_US : (uint32_t)rto;
}

void cs_rtt_lost(struct cs_rtt *r)
{
    uint64_t rto = (uint64_t)r->rto_us * 2;
    r->rto_us = rto > RTT_MAX_US ? RTT_MAX_US : (uint32_t)rto;
}

uint32_t cs_rtt_timeout_ms(const struct cs_rtt *r, uint32_t min_ms, uint32_t max_ms)
{
    uint32_t ms = (r->rto_us + 999) / 1000;
    if (ms < min_ms)
        ms = min_ms;
    if (ms > max_ms)
        ms = max_ms;
    return ms;
}

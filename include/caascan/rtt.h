/*
 * rtt.h -- round-trip time estimate and retransmission timeout of one server (RFC 6298 style,
 * like Unbound's util/rtt.h): smoothed RTT and variance from each answer, the timeout derived as
 * srtt + 4 * rttvar, doubled after a loss, and clamped by the caller's bounds.
 */
#ifndef CAASCAN_RTT_H
#define CAASCAN_RTT_H

#include <stdint.h>

struct cs_rtt {
    uint32_t srtt_us; /* 0 until the first sample */
    uint32_t rttvar_us;
    uint32_t rto_us;
};

/* Starts with no samples and a timeout of initial_ms. */
void cs_rtt_init(struct cs_rtt *r, uint32_t initial_ms);
/* Adds a measured round trip. */
void cs_rtt_sample(struct cs_rtt *r, uint32_t rtt_us);
/* Records a loss (timeout): the timeout doubles, up to 120 s. */
void cs_rtt_lost(struct cs_rtt *r);
/* The timeout to use now, in milliseconds, within [min_ms, max_ms]. */
uint32_t cs_rtt_timeout_ms(const struct cs_rtt *r, uint32_t min_ms, uint32_t max_ms);

#endif

/*
 * ratelimit.h -- a token bucket on a monotonic clock, exact in integer arithmetic.
 *
 * Used for the global --qps, each resolver's --resolver-qps and each authoritative address's
 * --auth-qps. Time is passed in by the caller (nanoseconds of CLOCK_MONOTONIC), so tests drive it
 * with a fake clock. The bucket holds at most `burst` tokens: after a stall (a paused process, a
 * slow disk) it does not hand out a flood to "catch up" -- the same reasoning as masscan's
 * main-throttle.c -- and over any window of T seconds at most burst + rate * T tokens are taken.
 *
 * Rates are in milli-queries per second so that rates below 1 q/s are exact too.
 */
#ifndef CAASCAN_RATELIMIT_H
#define CAASCAN_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct cs_ratelimit {
    uint64_t rate_mqps; /* 0: unlimited */
    uint64_t cap;       /* burst in credit units */
    uint64_t credit;    /* 1 token = CS_RL_TOKEN credit units */
    uint64_t last_ns;   /* time credit was last brought up to date */
};

#define CS_RL_TOKEN 1000000000000ULL /* 1e9 ns x 1000 (milli-queries) */

/*
 * Sets up rl for rate_mqps (milli-queries per second; 0 means no limit) and a burst of `burst`
 * tokens (at least 1). The bucket starts full at time now_ns.
 */
void cs_ratelimit_init(struct cs_ratelimit *rl, uint64_t rate_mqps, uint32_t burst,
                       uint64_t now_ns);

/* The burst caascan uses for a rate: 10 ms worth of tokens, at least 1, at most 1000. */
uint32_t cs_ratelimit_default_burst(uint64_t rate_mqps);

/* Takes one token at time now_ns if there is one; returns whether it did. */
bool cs_ratelimit_take(struct cs_ratelimit *rl, uint64_t now_ns);

/*
 * A token taken at taken_ns was used at sent_ns (the query left then: a send delayed by a busy
 * machine): the credit that accrued in between is withdrawn, so that the next token is due a full
 * interval after the send, and the queries keep their distance where they are counted, on the
 * wire. It only ever makes the bucket stricter.
 */
void cs_ratelimit_defer(struct cs_ratelimit *rl, uint64_t taken_ns, uint64_t sent_ns);

/* Nanoseconds from now_ns until a token is available (0 when one is available now). */
uint64_t cs_ratelimit_wait_ns(struct cs_ratelimit *rl, uint64_t now_ns);

/* Parses a rate such as "20", "0.5" or "2500.75" (queries per second) into milli-q/s. */
bool cs_ratelimit_parse(const char *text, uint64_t *rate_mqps);

#endif

/* ratelimit.c -- token bucket in integer arithmetic (ratelimit.h). */
#include "caascan/ratelimit.h"

#include <ctype.h>
#include <stdlib.h>

static void refill(struct cs_ratelimit *rl, uint64_t now_ns)
{
    if (now_ns <= rl->last_ns)
        return;
    uint64_t elapsed = now_ns - rl->last_ns;
    rl->last_ns = now_ns;
    uint64_t room = rl->cap - rl->credit;
    /* Bound elapsed first so that elapsed * rate cannot overflow. */
    uint64_t fill_ns = room / rl->rate_mqps + 1;
    if (elapsed >= fill_ns) {
        rl->credit = rl->cap;
        return;
    }
    uint64_t add = elapsed * rl->rate_mqps;
    rl->credit = add >= room ? rl->cap : rl->credit + add;
}

void cs_ratelimit_init(struct cs_ratelimit *rl, uint64_t rate_mqps, uint32_t burst, uint64_t now_ns)
{
    if (burst == 0)
        burst = 1;
    rl->rate_mqps = rate_mqps;
    rl->cap = (uint64_t)burst * CS_RL_TOKEN;
    rl->credit = rl->cap;
    rl->last_ns = now_ns;
}

uint32_t cs_ratelimit_default_burst(uint64_t rate_mqps)
{
    uint64_t b = rate_mqps / 100000; /* 10 ms at rate q/s = rate/100 tokens */
    if (b < 1)
        b = 1;
    if (b > 1000)
        b = 1000;
    return (uint32_t)b;
}

bool cs_ratelimit_take(struct cs_ratelimit *rl, uint64_t now_ns)
{
    if (rl->rate_mqps == 0)
        return true;
    refill(rl, now_ns);
    if (rl->credit < CS_RL_TOKEN)
        return false;
    rl->credit -= CS_RL_TOKEN;
    return true;
}

void cs_ratelimit_defer(struct cs_ratelimit *rl, uint64_t taken_ns, uint64_t sent_ns)
{
    if (rl->rate_mqps == 0 || sent_ns <= taken_ns)
        return;
    refill(rl, sent_ns);
    uint64_t late = sent_ns - taken_ns;
    /* Bound late first so that late * rate cannot overflow: past the time the whole burst takes
     * to fill, every credit accrued since the take goes. */
    if (late >= rl->cap / rl->rate_mqps + 1) {
        rl->credit = 0;
        return;
    }
    uint64_t accrued = late * rl->rate_mqps;
    rl->credit = accrued >= rl->credit ? 0 : rl->credit - accrued;
}

uint64_t cs_ratelimit_wait_ns(struct cs_ratelimit *rl, uint64_t now_ns)
{
    if (rl->rate_mqps == 0)
        return 0;
    refill(rl, now_ns);
    if (rl->credit >= CS_RL_TOKEN)
        return 0;
    uint64_t missing = CS_RL_TOKEN - rl->credit;
    return (missing + rl->rate_mqps - 1) / rl->rate_mqps;
}

bool cs_ratelimit_parse(const char *text, uint64_t *rate_mqps)
{
    const char *p = text;
    uint64_t whole = 0, frac = 0;
    int fdigits = 0;
    if (!isdigit((unsigned char)*p))
        return false;
    while (isdigit((unsigned char)*p)) {
        whole = whole * 10 + (uint64_t)(*p++ - '0');
        if (whole > 100000000) /* 1e8 q/s is far beyond any network */
            return false;
    }
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) {
            if (fdigits < 3) {
                frac = frac * 10 + (uint64_t)(*p - '0');
                fdigits++;
            }
            p++;
        }
    }
    if (*p != '\0')
        return false;
    while (fdigits++ < 3)
        frac *= 10;
    *rate_mqps = whole * 1000 + frac;
    return true;
}

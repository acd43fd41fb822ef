/* clock.h: the monotonic clock every duration in crest is measured with.
 * Wall-clock time is used only for labels (timestamps in output files). */
#ifndef CREST_CLOCK_H
#define CREST_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline double clock_now_s(void)
{
    return (double)clock_now_ns() / 1e9;
}

#endif

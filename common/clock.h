/* clock.h: the monotonic clock every duration in crest is measured with.
 * Wall-clock time is used only for labels (timestamps in output files). */
#ifndef CREST_CLOCK_H
#define CREST_CLOCK_H

#include <stddef.h>
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

/* The wall clock as "2026-11-11T00:00:00Z" (UTC) into BUF: a label for
 * output files, never used to measure anything. */
static inline void clock_wall_iso8601(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

#endif

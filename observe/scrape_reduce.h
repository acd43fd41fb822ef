/* scrape_reduce.h: from one parsed scrape to the values crest keeps.
 *
 * A scrape is first reduced to a snapshot of raw values: the samples of
 * the families the filter selects, with the labels `cpu` and `device`
 * folded away (summed: a host's CPUs, disks and interfaces as one), kept
 * as counters, gauges or histogram buckets. Two consecutive snapshots then
 * give the derived values (scrape_derive):
 *   - a counter becomes its rate per second (a reset gives nothing);
 *   - a gauge stays its value; a gauge X with a sibling gauge X_limit,
 *     X_max, X_maximum or X_capacity (same labels) gets that as its limit;
 *   - a histogram becomes p50/p90/p99 of the observations between the two
 *     scrapes (linear interpolation in the bucket, as histogram_quantile);
 *     a summary's quantile samples are gauges, its _count a counter;
 *   - node_exporter's node_cpu_seconds_total becomes cpu_busy_pct (share
 *     of CPU time not idle or iowait, limit 100) and MemAvailable/MemTotal
 *     become memory_used_pct (limit 100).
 * Pure functions: the scraper thread calls them; unit tests too. */
#ifndef CREST_SCRAPE_REDUCE_H
#define CREST_SCRAPE_REDUCE_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include "observe/exposition.h"

enum scrape_raw_kind { SCRAPE_RAW_COUNTER, SCRAPE_RAW_GAUGE, SCRAPE_RAW_BUCKET };

typedef struct scrape_raw {
    char *key;               /* name{labels} with cpu/device folded (owned) */
    enum scrape_raw_kind kind;
    double le;               /* buckets: upper bound (key excludes le) */
    double value;
} scrape_raw;

typedef struct scrape_snapshot {
    scrape_raw *items;       /* sorted by (key, le) */
    size_t n;
    uint64_t t_ns;           /* CLOCK_MONOTONIC when the answer arrived */
} scrape_snapshot;

/* Reduces D to a snapshot of the families MATCH selects (NULL: all).
 * 0, or -1 when out of memory. Free with scrape_snapshot_free. */
int scrape_snapshot_build(const expo_doc *d, const regex_t *match, uint64_t t_ns,
                          scrape_snapshot *out);
void scrape_snapshot_free(scrape_snapshot *s);

enum scrape_kind { SCRAPE_GAUGE, SCRAPE_RATE, SCRAPE_QUANTILE };

#define SCRAPE_NAME_MAX 160

typedef struct scrape_value {
    char name[SCRAPE_NAME_MAX];  /* "cpu_busy_pct", "x_total{a=\"b\"}", "lat_seconds p99" */
    enum scrape_kind kind;
    char unit[8];            /* "%", "/s", "" */
    double value;
    double limit;            /* NAN: none */
} scrape_value;

/* The values derived from PREV (NULL for the first scrape: gauges only)
 * and CUR into OUT (at most MAX). Returns how many. */
size_t scrape_derive(const scrape_snapshot *prev, const scrape_snapshot *cur, scrape_value *out,
                     size_t max);

/* "CPU 97% busy", "memory 80% used", "NAME 75% of its limit": the human
 * phrase for V's use of its limit, into BUF. */
void scrape_describe_use(const char *series, double value, double limit, char *buf, size_t len);

#endif

/* shard.h: one generator's deterministic part of a fleet run.
 *
 * A fleet runs the same plan on N generators ("shards"), shard I of N
 * taking a fixed part of the work so that the union of the shards is the
 * single-machine plan (docs/fleet.md). Each shard owns WEIGHT_I slots of
 * every cycle of W = sum of weights (equal weights: 1 of N):
 *
 *   open loop, uniform  arrival n (the n-th of the single-machine
 *                       sequence) belongs to the shard owning slot n mod W;
 *                       the shards together produce exactly that sequence
 *   open loop, Poisson  each shard is an independent Poisson stream of
 *                       weight/W of the rate (superposition: the fleet is a
 *                       Poisson process of the full rate)
 *   closed loop         users split by cumulative floors (sums exactly)
 *   feeders             unique/sequential feeders: shard I reads only its
 *                       block of rows, so no row goes to two shards
 *   seeds               derived from the run seed and the shard index
 *
 * The record half (shard_record) is what results.json keeps about a shard
 * (index, count, weights, seeds, host, start and clock) so that `crest
 * merge` can check the shards belong together. */
#ifndef CREST_SHARD_H
#define CREST_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define SHARD_MAX 4096
#define SHARD_MAX_WEIGHT 1000

typedef struct shard_spec {
    unsigned index, count;      /* count <= 1: not sharded */
    uint64_t lo, hi, total;     /* owns slots [lo, hi) of every cycle of TOTAL */
    unsigned *weights;          /* owned, COUNT entries, or NULL (all 1) */
} shard_spec;

/* The unsharded spec (index 0 of 1). */
void shard_spec_none(shard_spec *s);
void shard_spec_free(shard_spec *s);
/* Parses "I/N" or "auto/N" (I taken from AUTO_INDEX, the value of
 * JOB_COMPLETION_INDEX; NULL when unset) and WEIGHTS ("2,1,1", or NULL).
 * 0, or -1 with a message in ERR. */
int shard_spec_parse(const char *text, const char *weights, const char *auto_index,
                     shard_spec *out, char *err, size_t errcap);
int shard_spec_active(const shard_spec *s);
/* This shard's part of the work, 0..1. */
double shard_fraction(const shard_spec *s);
/* This shard's whole part of TOTAL things (users): the parts of all shards sum to TOTAL. */
uint64_t shard_split(const shard_spec *s, uint64_t total);
/* The block [*FIRST, *FIRST + *COUNT) of TOTAL rows this shard owns. */
void shard_block(const shard_spec *s, uint64_t total, uint64_t *first, uint64_t *count);
/* The index in the single-machine sequence of this shard's RANK-th arrival. */
uint64_t shard_global_index(const shard_spec *s, uint64_t rank);
/* The seed of this shard from the run's SEED (SEED itself when unsharded). */
uint64_t shard_seed(const shard_spec *s, uint64_t seed);

/* The host clock as the kernel's NTP discipline knows it (adjtimex). */
typedef struct shard_clock {
    int known;                 /* 0: adjtimex failed */
    int synchronized;          /* the kernel clock is disciplined (not TIME_ERROR) */
    double offset_ms;          /* last measured offset from the time source */
    double max_error_ms, est_error_ms;
} shard_clock;
void shard_clock_read(shard_clock *c);

/* What results.json says about the shard that wrote it ("shard" block). */
typedef struct shard_record {
    unsigned index, count;
    char weights[512];         /* "2,1,1" as given to --weights, "" for equal weights */
    uint64_t run_seed, seed;
    char host[256];            /* gethostname: the pod name on Kubernetes */
    char node[256];            /* the node (CREST_NODE_NAME), or "" */
    double start_at;           /* --start-at, epoch seconds; 0 none */
    double timeline_start;     /* epoch seconds of the timeline's t = 0 */
    double late_s;             /* how late the shard was ready for START_AT (<= 0: on time) */
    char plan_digest[17];      /* hex FNV-1a 64 of the scenario file, "" for ad hoc */
    shard_clock clock;
} shard_record;

/* The "shard" block for R (caller owns the result). */
cJSON *shard_record_to_json(const shard_record *r);
/* Reads the "shard" block of results file FILE's ROOT into OUT. 0; 1 when
 * there is none; -1 after printing an error naming FILE and the field. */
int shard_record_from_json(const char *file, const cJSON *root, shard_record *out);

/* FNV-1a 64 of LEN bytes, as 16 hex digits into OUT[17]. */
void shard_digest(const void *data, size_t len, char out[17]);

/* Parses an absolute time, RFC 3339 ("2026-11-11T00:00:00Z",
 * "...T08:00:00.5+08:00") or epoch seconds ("1794355200", "@1794355200"),
 * into epoch seconds. 0 or -1. */
int shard_parse_time(const char *text, double *epoch_s);

#endif

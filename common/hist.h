/* hist.h: crest's high-dynamic-range histogram of durations.
 *
 * Values are microseconds from 1 us to 1 hour (3.6e9 us) with 3 significant
 * digits (relative error <= 0.1%), in the HdrHistogram layout: recording is
 * a bounds check, an index computation and an increment (constant time, no
 * allocation). Two histograms add exactly (the sum equals the histogram of
 * the union of their values), and a histogram serializes to a compact,
 * lossless string, so that results from several generator threads or
 * machines merge exactly. Values above the range are clamped to the top and
 * counted in `overflow`; values below 1 us count as 1 us. min, max, mean
 * and stddev are exact (of the values after that clamping); stddev is the
 * population standard deviation. hist.c says how the layout and encoding work. */
#ifndef CREST_HIST_H
#define CREST_HIST_H

#include <stddef.h>
#include <stdint.h>

#define HIST_LOWEST_US 1
#define HIST_HIGHEST_US 3600000000LL

typedef struct hist hist;

/* A new empty histogram (about 200 KiB), or NULL when out of memory.
 * Freed with hist_free. */
hist *hist_new(void);
void hist_free(hist *h);
void hist_reset(hist *h);

/* Records VALUE_US once / COUNT times. Constant time. */
void hist_record(hist *h, int64_t value_us);
void hist_record_n(hist *h, int64_t value_us, uint64_t count);

/* DST += SRC, exactly. */
void hist_add(hist *dst, const hist *src);

uint64_t hist_count(const hist *h);
uint64_t hist_overflow(const hist *h);   /* values clamped at the top */
int64_t hist_min(const hist *h);         /* 0 when empty */
int64_t hist_max(const hist *h);         /* 0 when empty */
double hist_mean(const hist *h);         /* 0 when empty */
double hist_stddev(const hist *h);
/* The value at percentile P (0..100]: the smallest recorded value (at its
 * bucket's highest equivalent value, as HdrHistogram reports) such that at
 * least P% of values are <= it. 0 when empty. Never above max (P >= 100
 * gives max exactly); P <= 0 gives min. */
int64_t hist_percentile(const hist *h, double p);
/* Fraction of values <= VALUE_US (0..1); values sharing VALUE_US's counter
 * count as <= it (HdrHistogram's percentile-at-or-below-value). */
double hist_fraction_below(const hist *h, int64_t value_us);

/* Walks the non-zero counters in increasing order: start with *CURSOR = 0;
 * each call returns 1 and the range [LOWEST, HIGHEST] (microseconds) and
 * COUNT of the next one, or 0 when there are no more. */
int hist_next_bucket(const hist *h, size_t *cursor, int64_t *lowest, int64_t *highest,
                     uint64_t *count);

/* VALUE_US clamped to [HIST_LOWEST_US, HIST_HIGHEST_US], and the lowest and
 * highest values that share its counter (what the histogram can tell apart). */
int64_t hist_clamp(int64_t value_us);
int64_t hist_lowest_equivalent(int64_t value_us);
int64_t hist_highest_equivalent(int64_t value_us);

/* The raw counters in HdrHistogram's layout (lowest 1, highest
 * HIST_HIGHEST_US, 3 significant digits; *LEN of them), for encoders of
 * HdrHistogram's own formats (observe/hlog.c). Valid while H lives. */
const uint64_t *hist_counts(const hist *h, size_t *len);

/* Lossless compact text (base64 of zig-zag varint run-length counts).
 * Returns a NUL-terminated string the caller frees, or NULL. */
char *hist_encode(const hist *h);
/* Decodes TEXT from hist_encode into a new histogram; NULL when malformed. */
hist *hist_decode(const char *text);

#endif

/* hist.c: see hist.h. The HdrHistogram layout with the parameters fixed at
 * compile time (lowest 1 us, highest 1 hour, 3 significant digits):
 *
 *   - 3 significant digits need 2 * 10^3 distinct steps per power of two,
 *     rounded up to 2048 sub-buckets (11 bits); the lower half of every
 *     bucket but the first overlaps the bucket below, so each bucket adds
 *     1024 counters.
 *   - Bucket b covers [1024 * 2^b, 2048 * 2^b) with a step of 2^b, so the
 *     step is at most 1/1024 of the value: relative error < 0.1%.
 *   - 22 buckets reach 2048 * 2^21 > 3.6e9; 23 * 1024 = 23552 counters of 8
 *     bytes: 184 KiB.
 *
 * Besides the counters, the exact count, min, max, sum and sum of squares
 * (128-bit integers) are kept, so that mean and standard deviation are
 * exact, and adding two histograms gives exactly the histogram of the union.
 *
 * Encoding: "crest-hist1:" followed by base64 (standard alphabet, padded) of
 * a byte string of unsigned LEB128 varints:
 *   magic 0xC7, counter count (23552), total, overflow, min, max,
 *   sum (low 64 bits, high 64 bits), sum of squares (low, high),
 *   then the counters up to the last non-zero one, as zig-zag varints:
 *   a positive number is a counter, a negative number -k is k zero counters.
 * The decoder checks every invariant (counters add up to total, min and max
 * lie in the first and last non-zero counters, sums are consistent), so a
 * damaged or foreign string is rejected rather than misread. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/hist.h"

#define SUB_BUCKET_BITS 11                          /* 2048 sub-buckets */
#define SUB_BUCKET_COUNT (1 << SUB_BUCKET_BITS)
#define SUB_BUCKET_HALF_BITS (SUB_BUCKET_BITS - 1)
#define SUB_BUCKET_HALF (1 << SUB_BUCKET_HALF_BITS) /* 1024 */
#define BUCKET_COUNT 22                             /* 2048 << 21 > 3.6e9 */
#define COUNTS_LEN ((BUCKET_COUNT + 1) * SUB_BUCKET_HALF)

#define ENCODING_PREFIX "crest-hist1:"
#define ENCODING_MAGIC 0xC7

typedef unsigned __int128 u128;

struct hist {
    uint64_t total;
    uint64_t overflow;
    int64_t min, max;
    u128 sum, sum_sq;
    uint64_t counts[COUNTS_LEN];
};

_Static_assert((int64_t)SUB_BUCKET_COUNT << (BUCKET_COUNT - 1) > HIST_HIGHEST_US,
               "the top bucket must reach HIST_HIGHEST_US");
_Static_assert((int64_t)SUB_BUCKET_COUNT << (BUCKET_COUNT - 2) <= HIST_HIGHEST_US,
               "no bucket beyond what HIST_HIGHEST_US needs");

/* Counter index of VALUE (1 <= VALUE <= HIST_HIGHEST_US). */
static inline size_t index_of(int64_t value)
{
    uint64_t v = (uint64_t)value;
    int pow2ceiling = 64 - __builtin_clzll(v | (SUB_BUCKET_COUNT - 1));
    int bucket = pow2ceiling - (SUB_BUCKET_HALF_BITS + 1);
    size_t sub = (size_t)(v >> bucket);
    return ((size_t)(bucket + 1) << SUB_BUCKET_HALF_BITS) + sub - SUB_BUCKET_HALF;
}

/* Lowest value and width of the range counter INDEX stands for. */
static inline void range_of(size_t index, int64_t *lowest, int64_t *width)
{
    int bucket = (int)(index >> SUB_BUCKET_HALF_BITS) - 1;
    int64_t sub = (int64_t)(index & (SUB_BUCKET_HALF - 1)) + SUB_BUCKET_HALF;
    if (bucket < 0) {
        sub -= SUB_BUCKET_HALF;
        bucket = 0;
    }
    *lowest = sub << bucket;
    *width = (int64_t)1 << bucket;
}

static inline int64_t highest_of(size_t index)
{
    int64_t lo, width;
    range_of(index, &lo, &width);
    return lo + width - 1;
}

int64_t hist_highest_equivalent(int64_t value_us)
{
    return highest_of(index_of(hist_clamp(value_us)));
}

int64_t hist_lowest_equivalent(int64_t value_us)
{
    int64_t lo, width;
    range_of(index_of(hist_clamp(value_us)), &lo, &width);
    return lo;
}

int64_t hist_clamp(int64_t value_us)
{
    if (value_us < HIST_LOWEST_US)
        return HIST_LOWEST_US;
    if (value_us > HIST_HIGHEST_US)
        return HIST_HIGHEST_US;
    return value_us;
}

hist *hist_new(void)
{
    return calloc(1, sizeof(hist));
}

void hist_free(hist *h)
{
    free(h);
}

void hist_reset(hist *h)
{
    memset(h, 0, sizeof *h);
}

void hist_record(hist *h, int64_t value_us)
{
    hist_record_n(h, value_us, 1);
}

void hist_record_n(hist *h, int64_t value_us, uint64_t count)
{
    if (count == 0)
        return;
    if (value_us > HIST_HIGHEST_US)
        h->overflow += count;
    int64_t v = hist_clamp(value_us);
    h->counts[index_of(v)] += count;
    if (h->total == 0 || v < h->min)
        h->min = v;
    if (h->total == 0 || v > h->max)
        h->max = v;
    h->total += count;
    h->sum += (u128)(uint64_t)v * count;
    h->sum_sq += (u128)((uint64_t)v * (uint64_t)v) * count; /* v^2 < 2^64 */
}

void hist_add(hist *dst, const hist *src)
{
    if (src->total == 0)
        return;
    for (size_t i = 0; i < COUNTS_LEN; i++)
        dst->counts[i] += src->counts[i];
    if (dst->total == 0 || src->min < dst->min)
        dst->min = src->min;
    if (dst->total == 0 || src->max > dst->max)
        dst->max = src->max;
    dst->total += src->total;
    dst->overflow += src->overflow;
    dst->sum += src->sum;
    dst->sum_sq += src->sum_sq;
}

uint64_t hist_count(const hist *h)
{
    return h->total;
}

uint64_t hist_overflow(const hist *h)
{
    return h->overflow;
}

int64_t hist_min(const hist *h)
{
    return h->total ? h->min : 0;
}

int64_t hist_max(const hist *h)
{
    return h->total ? h->max : 0;
}

double hist_mean(const hist *h)
{
    if (h->total == 0)
        return 0;
    return (double)((long double)h->sum / (long double)h->total);
}

/* Population standard deviation. With q = floor(mean) and r = sum mod n,
 *   S = sum (v - q)^2 = sum_sq - 2 q sum + n q^2
 * is computed exactly in wrapping 128-bit arithmetic (the true S is <=
 * sum_sq, so it fits), and variance = S / n - (r / n)^2, which loses no
 * precision to cancellation even when the values are large and close. */
double hist_stddev(const hist *h)
{
    if (h->total == 0)
        return 0;
    u128 n = h->total;
    u128 q = h->sum / n;
    u128 r = h->sum % n;
    u128 s = h->sum_sq - 2 * q * h->sum + n * q * q;
    long double frac = (long double)r / (long double)n;
    long double var = (long double)s / (long double)n - frac * frac;
    return var > 0 ? (double)sqrtl(var) : 0.0;
}

int64_t hist_percentile(const hist *h, double p)
{
    if (h->total == 0)
        return 0;
    if (!(p > 0))
        return h->min;
    if (p >= 100)
        return h->max;
    /* The nearest rank: the smallest count c with c >= p% of total. The
     * tiny slack keeps e.g. 0.29 * 100 from rounding up to rank 30. */
    double want = ceil(p / 100.0 * (double)h->total - 1e-9);
    uint64_t rank = want < 1 ? 1 : (uint64_t)want;
    if (rank > h->total)
        rank = h->total;
    uint64_t seen = 0;
    for (size_t i = 0; i < COUNTS_LEN; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            int64_t v = highest_of(i);
            /* The bucket holding max reaches beyond it; max is exact. */
            return v > h->max ? h->max : v;
        }
    }
    return h->max;
}

double hist_fraction_below(const hist *h, int64_t value_us)
{
    if (h->total == 0)
        return 0;
    if (value_us < h->min)
        return 0;
    if (value_us >= h->max)
        return 1;
    size_t last = index_of(hist_clamp(value_us));
    uint64_t below = 0;
    for (size_t i = 0; i <= last; i++)
        below += h->counts[i];
    return (double)below / (double)h->total;
}

int hist_next_bucket(const hist *h, size_t *cursor, int64_t *lowest, int64_t *highest,
                     uint64_t *count)
{
    for (size_t i = *cursor; i < COUNTS_LEN; i++) {
        if (h->counts[i] == 0)
            continue;
        int64_t lo, width;
        range_of(i, &lo, &width);
        *lowest = lo;
        *highest = lo + width - 1;
        *count = h->counts[i];
        *cursor = i + 1;
        return 1;
    }
    *cursor = COUNTS_LEN;
    return 0;
}

/* ---- encoding ---- */

typedef struct byte_buf {
    unsigned char *data;
    size_t len, cap;
} byte_buf;

static int put_varint(byte_buf *b, uint64_t v)
{
    if (b->cap - b->len < 10) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        unsigned char *bigger = realloc(b->data, cap);
        if (!bigger)
            return -1;
        b->data = bigger;
        b->cap = cap;
    }
    do {
        unsigned char byte = v & 0x7f;
        v >>= 7;
        b->data[b->len++] = byte | (v ? 0x80 : 0);
    } while (v);
    return 0;
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

char *hist_encode(const hist *h)
{
    byte_buf b = {0};
    int rc = 0;
    rc |= put_varint(&b, ENCODING_MAGIC);
    rc |= put_varint(&b, COUNTS_LEN);
    rc |= put_varint(&b, h->total);
    rc |= put_varint(&b, h->overflow);
    rc |= put_varint(&b, (uint64_t)hist_min(h));
    rc |= put_varint(&b, (uint64_t)hist_max(h));
    rc |= put_varint(&b, (uint64_t)h->sum);
    rc |= put_varint(&b, (uint64_t)(h->sum >> 64));
    rc |= put_varint(&b, (uint64_t)h->sum_sq);
    rc |= put_varint(&b, (uint64_t)(h->sum_sq >> 64));
    size_t end = COUNTS_LEN;
    while (end > 0 && h->counts[end - 1] == 0)
        end--;
    for (size_t i = 0; i < end && rc == 0;) {
        if (h->counts[i] == 0) {
            size_t run = 0;
            while (h->counts[i + run] == 0) /* stops: counts[end - 1] != 0 */
                run++;
            rc |= put_varint(&b, zigzag(-(int64_t)run));
            i += run;
        } else {
            /* Counters beyond 2^63 would need 2^63 recordings; not a case. */
            rc |= put_varint(&b, zigzag((int64_t)h->counts[i]));
            i++;
        }
    }
    char *text = rc == 0 ? base64_encode(ENCODING_PREFIX, b.data, b.len) : NULL;
    free(b.data);
    return text;
}

typedef struct byte_reader {
    const unsigned char *p, *end;
    int failed;
} byte_reader;

static uint64_t get_varint(byte_reader *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p == r->end)
            break;
        unsigned char byte = *r->p++;
        if (shift == 63 && byte > 1)
            break; /* more than 64 bits */
        v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return v;
    }
    r->failed = 1;
    return 0;
}

static int first_last_nonzero(const hist *h, size_t *first, size_t *last)
{
    size_t i = 0;
    while (i < COUNTS_LEN && h->counts[i] == 0)
        i++;
    if (i == COUNTS_LEN)
        return -1;
    *first = i;
    size_t j = COUNTS_LEN - 1;
    while (h->counts[j] == 0)
        j--;
    *last = j;
    return 0;
}

/* Checks what every histogram hist_record can build satisfies. */
static int consistent(const hist *h)
{
    if (h->total == 0)
        return h->overflow == 0 && h->min == 0 && h->max == 0 && h->sum == 0 &&
               h->sum_sq == 0;
    if (h->overflow > h->total)
        return 0;
    if (h->min < HIST_LOWEST_US || h->max > HIST_HIGHEST_US || h->min > h->max)
        return 0;
    if (h->overflow > 0 && h->max != HIST_HIGHEST_US)
        return 0;
    size_t first, last;
    if (first_last_nonzero(h, &first, &last) != 0)
        return 0;
    if (index_of(h->min) != first || index_of(h->max) != last)
        return 0;
    u128 n = h->total;
    if (h->sum < n * (uint64_t)h->min || h->sum > n * (uint64_t)h->max)
        return 0;
    return 1;
}

hist *hist_decode(const char *text)
{
    if (!text)
        return NULL;
    size_t prefix = strlen(ENCODING_PREFIX);
    if (strncmp(text, ENCODING_PREFIX, prefix) != 0)
        return NULL;
    size_t len;
    unsigned char *bytes = base64_decode(text + prefix, strlen(text + prefix), &len);
    if (!bytes)
        return NULL;
    hist *h = hist_new();
    if (!h) {
        free(bytes);
        return NULL;
    }
    byte_reader r = {bytes, bytes + len, 0};
    int ok = get_varint(&r) == ENCODING_MAGIC && get_varint(&r) == COUNTS_LEN;
    h->total = get_varint(&r);
    h->overflow = get_varint(&r);
    h->min = (int64_t)get_varint(&r);
    h->max = (int64_t)get_varint(&r);
    h->sum = get_varint(&r);
    h->sum |= (u128)get_varint(&r) << 64;
    h->sum_sq = get_varint(&r);
    h->sum_sq |= (u128)get_varint(&r) << 64;
    uint64_t added = 0;
    size_t i = 0;
    while (ok && !r.failed && r.p < r.end) {
        int64_t token = unzigzag(get_varint(&r));
        if (token > 0) {
            if (i >= COUNTS_LEN || added + (uint64_t)token < added)
                ok = 0;
            else {
                h->counts[i++] = (uint64_t)token;
                added += (uint64_t)token;
            }
        } else if (token < 0 && (uint64_t)0 - (uint64_t)token <= COUNTS_LEN - i) {
            i += (size_t)((uint64_t)0 - (uint64_t)token);
        } else {
            ok = 0; /* a zero token, or a run past the end */
        }
    }
    free(bytes);
    if (!ok || r.failed || added != h->total || !consistent(h)) {
        hist_free(h);
        return NULL;
    }
    return h;
}

const uint64_t *hist_counts(const hist *h, size_t *len)
{
    *len = COUNTS_LEN;
    return h->counts;
}

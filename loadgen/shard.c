/* shard.c: a shard's part of a fleet run, its seed, its record in
 * results.json, and the absolute start time parser (see shard.h). The
 * arithmetic is integer so that every shard computes the same split from
 * the same inputs, on any machine. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>
#include <time.h>

#include "common/error.h"
#include "common/jsonio.h"
#include "common/rng.h"
#include "loadgen/shard.h"

void shard_spec_none(shard_spec *s)
{
    memset(s, 0, sizeof *s);
    s->count = 1;
    s->lo = 0;
    s->hi = 1;
    s->total = 1;
}

void shard_spec_free(shard_spec *s)
{
    free(s->weights);
    s->weights = NULL;
}

int shard_spec_active(const shard_spec *s)
{
    return s->count > 1;
}

static int parse_uint(const char *text, size_t len, unsigned long max, unsigned long *out)
{
    if (len == 0 || len > 10)
        return -1;
    unsigned long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)text[i]))
            return -1;
        v = v * 10 + (unsigned long)(text[i] - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_weights(const char *text, shard_spec *s, char *err, size_t errcap)
{
    s->weights = calloc(s->count, sizeof *s->weights);
    if (!s->weights) {
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    const char *p = text;
    unsigned n = 0;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        unsigned long w;
        if (parse_uint(p, len, SHARD_MAX_WEIGHT, &w) != 0 || w == 0) {
            snprintf(err, errcap, "--weights '%s': expected whole numbers 1..%d separated by commas",
                     text, SHARD_MAX_WEIGHT);
            return -1;
        }
        if (n == s->count) {
            snprintf(err, errcap, "--weights '%s': more weights than the %u shards", text,
                     s->count);
            return -1;
        }
        s->weights[n++] = (unsigned)w;
        if (!end)
            break;
        p = end + 1;
    }
    if (n != s->count) {
        snprintf(err, errcap, "--weights '%s': %u weights for %u shards; expected one per shard",
                 text, n, s->count);
        return -1;
    }
    return 0;
}

int shard_spec_parse(const char *text, const char *weights, const char *auto_index,
                     shard_spec *out, char *err, size_t errcap)
{
    shard_spec_none(out);
    const char *slash = strchr(text, '/');
    unsigned long index, count;
    if (!slash || parse_uint(slash + 1, strlen(slash + 1), SHARD_MAX, &count) != 0 || count < 1) {
        snprintf(err, errcap, "--shard '%s': expected I/N or auto/N with N in 1..%d", text,
                 SHARD_MAX);
        return -1;
    }
    if ((size_t)(slash - text) == 4 && strncmp(text, "auto", 4) == 0) {
        if (!auto_index || !*auto_index) {
            snprintf(err, errcap, "--shard '%s': JOB_COMPLETION_INDEX is not set; expected it "
                     "from an Indexed Job, or give the index (--shard I/N)", text);
            return -1;
        }
        if (parse_uint(auto_index, strlen(auto_index), SHARD_MAX, &index) != 0) {
            snprintf(err, errcap, "JOB_COMPLETION_INDEX '%s': expected a whole number", auto_index);
            return -1;
        }
    } else if (parse_uint(text, (size_t)(slash - text), SHARD_MAX, &index) != 0) {
        snprintf(err, errcap, "--shard '%s': expected I/N or auto/N (I a whole number)", text);
        return -1;
    }
    if (index >= count) {
        snprintf(err, errcap, "--shard '%s': index %lu is not below the shard count %lu "
                 "(indexes run 0..N-1)", text, index, count);
        return -1;
    }
    out->index = (unsigned)index;
    out->count = (unsigned)count;
    if (weights && parse_weights(weights, out, err, errcap) != 0) {
        shard_spec_free(out);
        return -1;
    }
    out->total = 0;
    for (unsigned i = 0; i < out->count; i++) {
        unsigned w = out->weights ? out->weights[i] : 1;
        if (i == out->index)
            out->lo = out->total;
        out->total += w;
        if (i == out->index)
            out->hi = out->total;
    }
    return 0;
}

double shard_fraction(const shard_spec *s)
{
    return (double)(s->hi - s->lo) / (double)s->total;
}

/* floor(TOTAL * AT / s->total) without overflow for realistic totals. */
static uint64_t cut(const shard_spec *s, uint64_t total, uint64_t at)
{
    return (uint64_t)(((unsigned __int128)total * at) / s->total);
}

uint64_t shard_split(const shard_spec *s, uint64_t total)
{
    return cut(s, total, s->hi) - cut(s, total, s->lo);
}

void shard_block(const shard_spec *s, uint64_t total, uint64_t *first, uint64_t *count)
{
    *first = cut(s, total, s->lo);
    *count = cut(s, total, s->hi) - *first;
}

uint64_t shard_global_index(const shard_spec *s, uint64_t rank)
{
    uint64_t w = s->hi - s->lo;
    return rank / w * s->total + s->lo + rank % w;
}

uint64_t shard_seed(const shard_spec *s, uint64_t seed)
{
    if (!shard_spec_active(s))
        return seed;
    uint64_t x = seed ^ (0x5851f42d4c957f2dull * ((uint64_t)s->index + 1));
    return rng_splitmix64(&x);
}

void shard_clock_read(shard_clock *c)
{
    struct timex tx;
    memset(c, 0, sizeof *c);
    memset(&tx, 0, sizeof tx);
    int state = adjtimex(&tx);
    if (state < 0)
        return;
    c->known = 1;
    c->synchronized = state != TIME_ERROR && !(tx.status & STA_UNSYNC);
    c->offset_ms = (double)tx.offset / ((tx.status & STA_NANO) ? 1e6 : 1e3);
    c->max_error_ms = (double)tx.maxerror / 1e3;
    c->est_error_ms = (double)tx.esterror / 1e3;
}

void shard_digest(const void *data, size_t len, char out[17])
{
    uint64_t h = 0xcbf29ce484222325ull;
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* ---- the record ---------------------------------------------------------- */

cJSON *shard_record_to_json(const shard_record *r)
{
    cJSON *o = cJSON_CreateObject();
    char seed[32];
    cJSON_AddNumberToObject(o, "index", r->index);
    cJSON_AddNumberToObject(o, "count", r->count);
    cJSON_AddStringToObject(o, "weights", r->weights);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->run_seed);
    cJSON_AddStringToObject(o, "run_seed", seed);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->seed);
    cJSON_AddStringToObject(o, "seed", seed);
    cJSON_AddStringToObject(o, "host", r->host);
    cJSON_AddStringToObject(o, "node", r->node);
    jsonio_add_number_or_null(o, "start_at", r->start_at > 0 ? r->start_at : NAN);
    cJSON_AddNumberToObject(o, "timeline_start", r->timeline_start);
    cJSON_AddNumberToObject(o, "late_ms", r->late_s * 1000.0);
    cJSON_AddStringToObject(o, "plan_digest", r->plan_digest);
    cJSON *c = cJSON_AddObjectToObject(o, "clock");
    cJSON_AddBoolToObject(c, "known", r->clock.known);
    cJSON_AddBoolToObject(c, "synchronized", r->clock.synchronized);
    cJSON_AddNumberToObject(c, "offset_ms", r->clock.offset_ms);
    cJSON_AddNumberToObject(c, "max_error_ms", r->clock.max_error_ms);
    cJSON_AddNumberToObject(c, "est_error_ms", r->clock.est_error_ms);
    return o;
}

static int copy_string(const char *file, const cJSON *o, const char *key, char *out, size_t cap)
{
    const char *s = NULL;
    int rc = jsonio_get_string(file, "shard", o, key, 1, &s);
    if (rc != 0)
        return -1;
    snprintf(out, cap, "%s", s);
    return 0;
}

static int read_seed(const char *file, const cJSON *o, const char *key, uint64_t *out)
{
    const char *s = NULL;
    if (jsonio_get_string(file, "shard", o, key, 1, &s) != 0)
        return -1;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end) {
        crest_error_at(file, 0, "shard.%s: expected a whole number as a string, found \"%s\"",
                       key, s);
        return -1;
    }
    *out = v;
    return 0;
}

int shard_record_from_json(const char *file, const cJSON *root, shard_record *out)
{
    memset(out, 0, sizeof *out);
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "shard");
    if (!o || cJSON_IsNull(o))
        return 1;
    if (!cJSON_IsObject(o)) {
        crest_error_at(file, 0, "shard: expected an object");
        return -1;
    }
    double index, count, late_ms;
    if (jsonio_get_number(file, "shard", o, "index", 1, &index) ||
        jsonio_get_number(file, "shard", o, "count", 1, &count) ||
        copy_string(file, o, "weights", out->weights, sizeof out->weights) ||
        read_seed(file, o, "run_seed", &out->run_seed) || read_seed(file, o, "seed", &out->seed) ||
        copy_string(file, o, "host", out->host, sizeof out->host) ||
        copy_string(file, o, "node", out->node, sizeof out->node) ||
        jsonio_get_number(file, "shard", o, "timeline_start", 1, &out->timeline_start) ||
        jsonio_get_number(file, "shard", o, "late_ms", 1, &late_ms) ||
        copy_string(file, o, "plan_digest", out->plan_digest, sizeof out->plan_digest))
        return -1;
    if (count < 1 || count > SHARD_MAX || index < 0 || index >= count || index != (unsigned)index) {
        crest_error_at(file, 0, "shard: index %g of count %g; expected 0 <= index < count <= %d",
                       index, count, SHARD_MAX);
        return -1;
    }
    out->index = (unsigned)index;
    out->count = (unsigned)count;
    out->late_s = late_ms / 1000.0;
    const cJSON *sa = cJSON_GetObjectItemCaseSensitive(o, "start_at");
    out->start_at = cJSON_IsNumber(sa) ? sa->valuedouble : 0;
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "clock");
    if (cJSON_IsObject(c)) {
        jsonio_get_bool(file, "shard.clock", c, "known", 0, &out->clock.known);
        jsonio_get_bool(file, "shard.clock", c, "synchronized", 0, &out->clock.synchronized);
        jsonio_get_number(file, "shard.clock", c, "offset_ms", 0, &out->clock.offset_ms);
        jsonio_get_number(file, "shard.clock", c, "max_error_ms", 0, &out->clock.max_error_ms);
        jsonio_get_number(file, "shard.clock", c, "est_error_ms", 0, &out->clock.est_error_ms);
    }
    return 0;
}

/* ---- absolute times ------------------------------------------------------ */

static int parse_epoch(const char *text, double *out)
{
    if (*text == '@')
        text++;
    char *end;
    if (!isdigit((unsigned char)*text))
        return -1;
    double v = strtod(text, &end);
    if (*end || v <= 0)
        return -1;
    *out = v;
    return 0;
}

int shard_parse_time(const char *text, double *epoch_s)
{
    if (parse_epoch(text, epoch_s) == 0)
        return 0;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int n = 0;
    if (sscanf(text, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 || n != 19)
        return -1;
    if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
        tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return -1;
    const char *p = text + n;
    double frac = 0;
    if (*p == '.') {
        char *end;
        frac = strtod(p, &end);
        if (end == p + 1)
            return -1;
        p = end;
    }
    long offset_s = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int hh, mm, k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &k) != 2 || k != 5 || hh > 23 || mm > 59)
            return -1;
        offset_s = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;    /* RFC 3339 needs a zone: a bare local time means different instants */
    }
    if (*p)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *epoch_s = (double)t - (double)offset_s + frac;
    return 0;
}

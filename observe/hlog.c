/* hlog.c: HdrHistogram's compressed V2 encoding and the interval log
 * writer (see hlog.h). The byte layout follows HdrHistogram_c's
 * hdr_histogram_log.c: all integers big-endian,
 *   V2 encoding: cookie 0x1c849313, payload length, normalizing index
 *     offset (0), significant figures (3), lowest (int64 1), highest (int64
 *     3.6e9), integer-to-double ratio (double 1.0), payload;
 *   compressed: cookie 0x1c849314, deflated length, zlib stream of the
 *     whole V2 encoding.
 * The queue between the engine hook and the writer thread holds the
 * histograms themselves (swapped, never copied); emptied ones go back to a
 * free list. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "common/error.h"
#include "observe/hlog.h"

#define V2_ENCODING_COOKIE 0x1c849313u
#define V2_COMPRESSED_COOKIE 0x1c849314u
#define V2_HEADER 40
#define SIG_FIGS 3

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* HdrHistogram's LEB128 of a zig-zag int64: 7 bits per byte for 8 bytes,
 * the 9th byte carries the last 8 bits whole. */
static size_t put_zigzag(uint8_t *p, int64_t v)
{
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    size_t n = 0;
    while (n < 8 && z >= 0x80) {
        p[n++] = (uint8_t)(z | 0x80);
        z >>= 7;
    }
    p[n++] = (uint8_t)z;
    return n;
}

static size_t get_zigzag(const uint8_t *p, size_t len, int64_t *v)
{
    uint64_t z = 0;
    size_t n = 0;
    for (;;) {
        if (n >= len)
            return 0;
        uint8_t b = p[n];
        if (n == 8) {
            z |= (uint64_t)b << 56;
            n++;
            break;
        }
        z |= (uint64_t)(b & 0x7f) << (7 * n);
        n++;
        if (!(b & 0x80))
            break;
    }
    *v = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
    return n;
}

/* The uncompressed V2 encoding of H into a new buffer (*LEN bytes). */
static uint8_t *encode_v2(const hist *h, size_t *len)
{
    size_t n;
    const uint64_t *c = hist_counts(h, &n);
    size_t last = 0;
    for (size_t i = 0; i < n; i++)
        if (c[i])
            last = i + 1;
    uint8_t *b = malloc(V2_HEADER + 9 * (last + 1));
    if (!b)
        return NULL;
    size_t p = V2_HEADER;
    for (size_t i = 0; i < last;) {
        if (c[i]) {
            p += put_zigzag(b + p, (int64_t)c[i++]);
            continue;
        }
        int64_t zeros = 0;
        while (i < last && !c[i])
            i++, zeros++;
        p += put_zigzag(b + p, -zeros);
    }
    double ratio = 1.0;
    uint64_t ratio_bits;
    memcpy(&ratio_bits, &ratio, sizeof ratio_bits);
    put32(b, V2_ENCODING_COOKIE);
    put32(b + 4, (uint32_t)(p - V2_HEADER));
    put32(b + 8, 0);
    put32(b + 12, SIG_FIGS);
    put64(b + 16, HIST_LOWEST_US);
    put64(b + 24, (uint64_t)HIST_HIGHEST_US);
    put64(b + 32, ratio_bits);
    *len = p;
    return b;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *base64(const uint8_t *in, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
                     (i + 2 < n ? in[i + 2] : 0);
        *o++ = b64[v >> 18 & 63];
        *o++ = b64[v >> 12 & 63];
        *o++ = i + 1 < n ? b64[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? b64[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

char *hlog_encode(const hist *h)
{
    size_t rawlen;
    uint8_t *raw = encode_v2(h, &rawlen);
    if (!raw)
        return NULL;
    uLongf zlen = compressBound((uLong)rawlen);
    uint8_t *z = malloc(8 + zlen);
    char *text = NULL;
    if (z && compress(z + 8, &zlen, raw, (uLong)rawlen) == Z_OK) {
        put32(z, V2_COMPRESSED_COOKIE);
        put32(z + 4, (uint32_t)zlen);
        text = base64(z, 8 + zlen);
    }
    free(z);
    free(raw);
    return text;
}

static int unbase64(const char *s, uint8_t **out, size_t *len)
{
    size_t n = strlen(s);
    if (n % 4)
        return -1;
    uint8_t *b = malloc(n / 4 * 3 + 1);
    if (!b)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i += 4) {
        uint32_t v = 0;
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            const char *p = s[i + j] ? strchr(b64, s[i + j]) : NULL;
            if (s[i + j] == '=' && i + 4 == n && j >= 2) {
                pad++;
                v <<= 6;
                continue;
            }
            if (!p || pad) {
                free(b);
                return -1;
            }
            v = v << 6 | (uint32_t)(p - b64);
        }
        b[k++] = (uint8_t)(v >> 16);
        if (pad < 2)
            b[k++] = (uint8_t)(v >> 8);
        if (pad < 1)
            b[k++] = (uint8_t)v;
    }
    *out = b;
    *len = k;
    return 0;
}

/* The lowest value of counter INDEX in HdrHistogram's layout with 2048
 * sub-buckets (recording it lands on that counter). */
static int64_t value_of(size_t index)
{
    int bucket = (int)(index >> 10) - 1;
    int64_t sub = (int64_t)(index & 1023) + 1024;
    if (bucket < 0) {
        sub -= 1024;
        bucket = 0;
    }
    return sub << bucket;
}

/* Counts of a V2 encoding RAW (RAWLEN bytes) into a new histogram. */
static hist *decode_v2(const uint8_t *raw, size_t rawlen)
{
    if (rawlen < V2_HEADER || get32(raw) != V2_ENCODING_COOKIE || get32(raw + 8) != 0 ||
        get32(raw + 12) != SIG_FIGS || get64(raw + 16) != HIST_LOWEST_US ||
        get64(raw + 24) != (uint64_t)HIST_HIGHEST_US || get32(raw + 4) != rawlen - V2_HEADER)
        return NULL;
    hist *h = hist_new();
    size_t ncounts, idx = 0;
    hist_counts(h, &ncounts);
    for (size_t p = V2_HEADER; h && p < rawlen;) {
        int64_t v;
        size_t used = get_zigzag(raw + p, rawlen - p, &v);
        if (!used || (v < 0 && (uint64_t)-v > ncounts - idx) || (v >= 0 && idx >= ncounts)) {
            hist_free(h);
            return NULL;
        }
        p += used;
        if (v < 0) {
            idx += (size_t)-v;
            continue;
        }
        if (v > 0)
            hist_record_n(h, value_of(idx), (uint64_t)v);
        idx++;
    }
    return h;
}

hist *hlog_decode(const char *text)
{
    uint8_t *z;
    size_t zl;
    if (unbase64(text, &z, &zl) != 0)
        return NULL;
    hist *h = NULL;
    if (zl >= 8 && get32(z) == V2_COMPRESSED_COOKIE && get32(z + 4) == zl - 8) {
        uLongf rawlen = 1u << 20;
        uint8_t *raw = malloc(rawlen);
        if (raw && uncompress(raw, &rawlen, z + 8, (uLong)(zl - 8)) == Z_OK)
            h = decode_v2(raw, rawlen);
        free(raw);
    }
    free(z);
    return h;
}

/* ---- the interval log writer ------------------------------------------- */

typedef struct queued {
    double start_s;          /* from the log's start */
    long tag;
    char label[96];          /* tag text of a search step's total, or "" */
    hist *h;
} queued;

struct hlog {
    FILE *f;
    char *path;
    char **tags;
    size_t ntags;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    pthread_t thread;
    int stop, write_failed;
    double offset_s;
    char label[96];          /* "" per subsystem, else the tag of the totals */
    queued *queue;           /* FIFO */
    size_t qlen, qcap;
    hist **spare;            /* emptied histograms to hand back */
    size_t nspare, spare_cap;
};

static void write_line(hlog *l, const queued *q)
{
    if (!hist_count(q->h))
        return;   /* an empty second says nothing; readers skip missing lines */
    char *text = hlog_encode(q->h);
    if (!text) {
        l->write_failed = 1;
        return;
    }
    if (q->label[0])
        fprintf(l->f, "Tag=%s,", q->label);
    else if (q->tag >= 0 && (size_t)q->tag < l->ntags)
        fprintf(l->f, "Tag=%s,", l->tags[q->tag]);
    if (fprintf(l->f, "%.3f,%.3f,%.3f,%s\n", q->start_s, 1.0, (double)hist_max(q->h) / 1000.0,
                text) < 0)
        l->write_failed = 1;
    free(text);
}

static void *writer_main(void *arg)
{
    hlog *l = arg;
    pthread_mutex_lock(&l->mu);
    for (;;) {
        while (!l->qlen && !l->stop)
            pthread_cond_wait(&l->wake, &l->mu);
        if (!l->qlen && l->stop)
            break;
        queued q = l->queue[0];
        memmove(l->queue, l->queue + 1, --l->qlen * sizeof *l->queue);
        pthread_mutex_unlock(&l->mu);
        write_line(l, &q);
        hist_reset(q.h);
        pthread_mutex_lock(&l->mu);
        if (l->nspare < l->spare_cap)
            l->spare[l->nspare++] = q.h;
        else
            hist_free(q.h);
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

hlog *hlog_open(const char *path, const char *const *tags, size_t ntags)
{
    hlog *l = calloc(1, sizeof *l);
    if (!l || !(l->path = strdup(path)) || !(l->tags = calloc(ntags + 1, sizeof *l->tags))) {
        crest_error("out of memory");
        goto fail;
    }
    for (size_t i = 0; i < ntags; i++)
        if (!(l->tags[l->ntags++] = strdup(tags[i])))
            goto fail;
    l->spare_cap = 4 * (ntags + 1);
    if (!(l->spare = calloc(l->spare_cap, sizeof *l->spare)))
        goto fail;
    if (!(l->f = fopen(path, "w"))) {
        crest_error("--hlog %s: cannot write: %s", path, strerror(errno));
        goto fail;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char when[64];
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    double start = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
    fprintf(l->f, "#[crest latency: microseconds from the intended send time; one histogram "
                  "per measured second and subsystem]\n"
                  "#[Histogram log format version 1.3]\n"
                  "#[StartTime: %.3f (seconds since epoch), %s]\n"
                  "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
                  "\"Interval_Compressed_Histogram\"\n", start, when);
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->wake, NULL);
    if (pthread_create(&l->thread, NULL, writer_main, l) != 0) {
        crest_error("cannot start the hlog writer thread: %s", strerror(errno));
        fclose(l->f);
        l->f = NULL;
        goto fail;
    }
    return l;
fail:
    if (l) {
        for (size_t i = 0; i < l->ntags; i++)
            free(l->tags[i]);
        free(l->tags);
        free(l->spare);
        free(l->path);
        free(l);
    }
    return NULL;
}

hist *hlog_take_second(hlog *l, size_t sec, long tag, hist *filled)
{
    hist *fresh = NULL;
    pthread_mutex_lock(&l->mu);
    if (l->label[0] && tag >= 0) {   /* a search step logs its total only */
        pthread_mutex_unlock(&l->mu);
        hist_reset(filled);
        return filled;
    }
    if (l->nspare)
        fresh = l->spare[--l->nspare];
    if (l->qlen == l->qcap) {
        size_t n = l->qcap ? l->qcap * 2 : 64;
        queued *q = realloc(l->queue, n * sizeof *q);
        if (q) {
            l->queue = q;
            l->qcap = n;
        }
    }
    int queued_ok = l->qlen < l->qcap;
    if (queued_ok) {
        queued *q = &l->queue[l->qlen++];
        q->start_s = l->offset_s + (double)sec;
        q->tag = tag;
        q->h = filled;
        memcpy(q->label, l->label, sizeof q->label);
        pthread_cond_signal(&l->wake);
    }
    pthread_mutex_unlock(&l->mu);
    if (!queued_ok) {   /* out of memory: this second is lost, the run goes on */
        hist_reset(filled);
        if (fresh)
            hist_free(fresh);
        return filled;
    }
    if (!fresh && !(fresh = hist_new())) {
        /* cannot replace it: keep the run going with the filled one, unlogged */
        pthread_mutex_lock(&l->mu);
        l->qlen--;
        l->write_failed = 1;
        pthread_mutex_unlock(&l->mu);
        hist_reset(filled);
        return filled;
    }
    return fresh;
}

void hlog_set_run(hlog *l, double offset_s, const char *label)
{
    pthread_mutex_lock(&l->mu);
    l->offset_s = offset_s;
    snprintf(l->label, sizeof l->label, "%s", label ? label : "");
    pthread_mutex_unlock(&l->mu);
}

int hlog_close(hlog *l)
{
    if (!l)
        return 0;
    pthread_mutex_lock(&l->mu);
    l->stop = 1;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->mu);
    pthread_join(l->thread, NULL);
    int rc = 0;
    if (fclose(l->f) != 0 || l->write_failed) {
        crest_error("--hlog %s: writing failed (disk full or out of memory)", l->path);
        rc = -1;
    }
    for (size_t i = 0; i < l->nspare; i++)
        hist_free(l->spare[i]);
    for (size_t i = 0; i < l->qlen; i++)
        hist_free(l->queue[i].h);
    for (size_t i = 0; i < l->ntags; i++)
        free(l->tags[i]);
    free(l->tags);
    free(l->spare);
    free(l->queue);
    free(l->path);
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->wake);
    free(l);
    return rc;
}

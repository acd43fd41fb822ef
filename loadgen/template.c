/* template.c: request templates (see template.h). A template compiles once,
 * at scenario load, into a flat array of segments (literal runs and
 * placeholders); rendering walks the segments and appends into the caller's
 * buffer. Rendering never allocates: numbers and UUIDs are formatted into
 * small stack buffers, feeder cells are copied from the loaded table.
 *
 * Placeholders (everything else inside ${...} is an error at compile time,
 * naming the placeholder and the accepted forms):
 *   ${seq}                   the request's sequence number
 *   ${random.int(LO,HI)}     uniform integer in [LO, HI]
 *   ${random.pick(a,b,c)}    one of the listed words, uniformly
 *   ${uuid}                  a version-4 UUID from the request's rng
 *   ${now_ms}                wall-clock milliseconds since the epoch
 *   ${FEEDER.COLUMN}         COLUMN of the request's row of feeder FEEDER
 * "$${" writes a literal "${". */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loadgen/feeder.h"
#include "loadgen/template.h"

enum seg_kind { SEG_LITERAL, SEG_SEQ, SEG_RANDOM_INT, SEG_RANDOM_PICK, SEG_UUID, SEG_NOW_MS,
                SEG_FEEDER };

typedef struct segment {
    enum seg_kind kind;
    size_t off, len;          /* literal: bytes in t->pool */
    int64_t lo, hi;           /* random.int */
    size_t first_choice, nchoices; /* random.pick: indexes into t->choices */
    feeder *feeder;           /* ${feeder.column} */
    size_t feeder_index, column;
} segment;

typedef struct choice {
    size_t off, len;          /* bytes in t->pool */
} choice;

struct template {
    char *source;
    char *pool;               /* literal bytes and pick choices */
    size_t pool_len;
    segment *segs;
    size_t nsegs;
    choice *choices;
    size_t nchoices;
    unsigned feeders_used;
};

static int pool_append(template *t, const char *s, size_t n, size_t *off)
{
    /* The pool is sized up front to the source length, which bounds it. */
    *off = t->pool_len;
    memcpy(t->pool + t->pool_len, s, n);
    t->pool_len += n;
    return 0;
}

static segment *add_seg(template *t, enum seg_kind kind)
{
    segment *s = &t->segs[t->nsegs++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    return s;
}

static void add_literal(template *t, const char *s, size_t n)
{
    if (n == 0)
        return;
    if (t->nsegs > 0 && t->segs[t->nsegs - 1].kind == SEG_LITERAL &&
        t->segs[t->nsegs - 1].off + t->segs[t->nsegs - 1].len == t->pool_len) {
        size_t off;
        pool_append(t, s, n, &off);
        t->segs[t->nsegs - 1].len += n;
        return;
    }
    segment *seg = add_seg(t, SEG_LITERAL);
    pool_append(t, s, n, &seg->off);
    seg->len = n;
}

static int parse_int64(const char *s, size_t n, int64_t *out)
{
    char buf[32];
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

#define EXPECTED_FORMS "${seq}, ${random.int(LO,HI)}, ${random.pick(a,b,...)}, ${uuid}, " \
                       "${now_ms} or ${FEEDER.COLUMN}"

/* ${random.int(LO,HI)}: ARGS[0..ALEN) is "LO,HI)". */
static int compile_random_int(template *t, const char *p, size_t n, const char *args,
                              size_t alen, char *err, size_t errlen)
{
    const char *comma = memchr(args, ',', alen);
    int64_t lo, hi;
    if (p[n - 1] != ')' || !comma || parse_int64(args, (size_t)(comma - args), &lo) != 0 ||
        parse_int64(comma + 1, (size_t)(args + alen - 1 - (comma + 1)), &hi) != 0) {
        snprintf(err, errlen, "placeholder '${%.*s}': expected ${random.int(LO,HI)} with "
                 "two integers", (int)n, p);
        return -1;
    }
    if (lo > hi) {
        snprintf(err, errlen, "placeholder '${%.*s}': expected LO <= HI", (int)n, p);
        return -1;
    }
    segment *s = add_seg(t, SEG_RANDOM_INT);
    s->lo = lo;
    s->hi = hi;
    return 0;
}

/* ${random.pick(a,b,...)}: ARGS[0..ALEN) is "a,b,...)". */
static int compile_random_pick(template *t, const char *p, size_t n, const char *args,
                               size_t alen, char *err, size_t errlen)
{
    if (p[n - 1] != ')' || alen < 2) {
        snprintf(err, errlen, "placeholder '${%.*s}': expected ${random.pick(a,b,...)} "
                 "with at least one choice", (int)n, p);
        return -1;
    }
    alen--; /* drop ')' */
    segment *s = add_seg(t, SEG_RANDOM_PICK);
    s->first_choice = t->nchoices;
    const char *a = args, *end = args + alen;
    for (;;) {
        const char *c = memchr(a, ',', (size_t)(end - a));
        const char *stop = c ? c : end;
        const char *b = a;
        while (b < stop && (*b == ' ' || *b == '\t'))
            b++;
        const char *e = stop;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e == b) {
            snprintf(err, errlen, "placeholder '${%.*s}': empty choice; expected "
                     "${random.pick(a,b,...)} with non-empty words", (int)n, p);
            return -1;
        }
        choice *ch = &t->choices[t->nchoices++];
        pool_append(t, b, (size_t)(e - b), &ch->off);
        ch->len = (size_t)(e - b);
        s->nchoices++;
        if (!c)
            break;
        a = c + 1;
    }
    return 0;
}

/* ${FEEDER.COLUMN}: 1 when P is not of that form, else 0 or -1. */
static int compile_feeder_ref(template *t, const char *p, size_t n, feeder *const *feeders,
                              size_t nfeeders, char *err, size_t errlen)
{
    const char *dot = memchr(p, '.', n);
    if (dot && dot > p && dot + 1 < p + n) {
        size_t flen = (size_t)(dot - p);
        const char *col = dot + 1;
        size_t clen = n - flen - 1;
        for (size_t i = 0; i < nfeeders; i++) {
            const char *fname = feeder_name(feeders[i]);
            if (strlen(fname) != flen || memcmp(fname, p, flen) != 0)
                continue;
            char cname[256];
            int ci = -1;
            if (clen < sizeof cname) {
                memcpy(cname, col, clen);
                cname[clen] = '\0';
                ci = feeder_column(feeders[i], cname);
            }
            if (ci < 0) {
                size_t used = (size_t)snprintf(err, errlen, "placeholder '${%.*s}': feeder '%s' "
                                               "(%s) has no column '%.*s'; expected one of:",
                                               (int)n, p, fname, feeder_path(feeders[i]),
                                               (int)clen, col);
                for (size_t k = 0; k < feeder_columns(feeders[i]) && used < errlen; k++)
                    used += (size_t)snprintf(err + used, errlen - used, "%s %s", k ? "," : "",
                                             feeder_column_name(feeders[i], k));
                return -1;
            }
            segment *s = add_seg(t, SEG_FEEDER);
            s->feeder = feeders[i];
            s->feeder_index = i;
            s->column = (size_t)ci;
            t->feeders_used |= 1u << i;
            return 0;
        }
        if (!(flen == 6 && memcmp(p, "random", 6) == 0)) {
            size_t used = (size_t)snprintf(err, errlen, "placeholder '${%.*s}': no feeder named "
                                           "'%.*s'; expected %s", (int)n, p, (int)flen, p,
                                           EXPECTED_FORMS);
            if (nfeeders && used < errlen)
                used += (size_t)snprintf(err + used, errlen - used, " (feeders:");
            for (size_t i = 0; i < nfeeders && used < errlen; i++)
                used += (size_t)snprintf(err + used, errlen - used, " %s", feeder_name(feeders[i]));
            if (nfeeders && used < errlen)
                snprintf(err + used, errlen - used, ")");
            return -1;
        }
    }
    return 1;
}

/* Compiles the placeholder body P[0..N) (without "${" and "}"). */
static int compile_placeholder(template *t, const char *p, size_t n, feeder *const *feeders,
                               size_t nfeeders, char *err, size_t errlen)
{
    if (n == 3 && memcmp(p, "seq", 3) == 0) {
        add_seg(t, SEG_SEQ);
        return 0;
    }
    if (n == 4 && memcmp(p, "uuid", 4) == 0) {
        add_seg(t, SEG_UUID);
        return 0;
    }
    if (n == 6 && memcmp(p, "now_ms", 6) == 0) {
        add_seg(t, SEG_NOW_MS);
        return 0;
    }
    static const char rint[] = "random.int(", rpick[] = "random.pick(";
    if (n > sizeof rint - 1 && memcmp(p, rint, sizeof rint - 1) == 0)
        return compile_random_int(t, p, n, p + sizeof rint - 1, n - (sizeof rint - 1), err,
                                  errlen);
    if (n > sizeof rpick - 1 && memcmp(p, rpick, sizeof rpick - 1) == 0)
        return compile_random_pick(t, p, n, p + sizeof rpick - 1, n - (sizeof rpick - 1), err,
                                   errlen);
    int rc = compile_feeder_ref(t, p, n, feeders, nfeeders, err, errlen);
    if (rc <= 0)
        return rc;
    snprintf(err, errlen, "unknown placeholder '${%.*s}'; expected %s", (int)n, p, EXPECTED_FORMS);
    return -1;
}

template *template_compile(const char *text, struct feeder *const *feeders, size_t nfeeders,
                           char *err, size_t errlen)
{
    size_t n = strlen(text);
    template *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* Each segment consumes at least one source byte, and every pool byte
     * comes from the source: sizing by the source bounds everything. */
    t->source = strdup(text);
    t->pool = malloc(n + 1);
    t->segs = malloc((n + 1) * sizeof *t->segs);
    t->choices = malloc((n + 1) * sizeof *t->choices);
    if (!t->source || !t->pool || !t->segs || !t->choices) {
        snprintf(err, errlen, "out of memory");
        template_free(t);
        return NULL;
    }
    size_t i = 0, lit = 0;
    while (i < n) {
        if (text[i] == '$' && i + 2 < n && text[i + 1] == '$' && text[i + 2] == '{') {
            add_literal(t, text + lit, i - lit);
            add_literal(t, "${", 2);
            i += 3;
            lit = i;
            continue;
        }
        if (text[i] == '$' && i + 1 < n && text[i + 1] == '{') {
            add_literal(t, text + lit, i - lit);
            const char *close = strchr(text + i + 2, '}');
            if (!close) {
                snprintf(err, errlen, "unterminated placeholder at '%.40s'; expected '}' "
                         "(write $${ for a literal ${)", text + i);
                template_free(t);
                return NULL;
            }
            if (compile_placeholder(t, text + i + 2, (size_t)(close - (text + i + 2)), feeders,
                                    nfeeders, err, errlen) != 0) {
                template_free(t);
                return NULL;
            }
            i = (size_t)(close - text) + 1;
            lit = i;
            continue;
        }
        i++;
    }
    add_literal(t, text + lit, n - lit);
    return t;
}

void template_free(template *t)
{
    if (!t)
        return;
    free(t->source);
    free(t->pool);
    free(t->segs);
    free(t->choices);
    free(t);
}

int template_is_literal(const template *t)
{
    for (size_t i = 0; i < t->nsegs; i++)
        if (t->segs[i].kind != SEG_LITERAL)
            return 0;
    return 1;
}

const char *template_source(const template *t)
{
    return t->source;
}

unsigned template_feeders_used(const template *t)
{
    return t ? t->feeders_used : 0;
}

static int append(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len + n + 1 > cap)
        return -1;
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
    return 0;
}

/* Decimal digits of V into the end of TMP; returns the first byte. */
static char *format_u64(uint64_t v, char *tmp_end)
{
    char *p = tmp_end;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return p;
}

static int append_i64(char *buf, size_t cap, size_t *len, int64_t v)
{
    char tmp[24], *end = tmp + sizeof tmp;
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char *p = format_u64(mag, end);
    if (v < 0)
        *--p = '-';
    return append(buf, cap, len, p, (size_t)(end - p));
}

static int append_u64(char *buf, size_t cap, size_t *len, uint64_t v)
{
    char tmp[24], *end = tmp + sizeof tmp;
    char *p = format_u64(v, end);
    return append(buf, cap, len, p, (size_t)(end - p));
}

static int append_uuid(char *buf, size_t cap, size_t *len, rng *r)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t b[16];
    uint64_t a = rng_next(r), c = rng_next(r);
    memcpy(b, &a, 8);
    memcpy(b + 8, &c, 8);
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    char out[36];
    size_t k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[k++] = '-';
        out[k++] = hex[b[i] >> 4];
        out[k++] = hex[b[i] & 15];
    }
    return append(buf, cap, len, out, sizeof out);
}

int template_render(const template *t, const render_ctx *ctx, char *buf, size_t cap, size_t *len)
{
    size_t start = *len;
    for (size_t i = 0; i < t->nsegs; i++) {
        const segment *s = &t->segs[i];
        int rc = 0;
        switch (s->kind) {
        case SEG_LITERAL:
            rc = append(buf, cap, len, t->pool + s->off, s->len);
            break;
        case SEG_SEQ:
            rc = append_u64(buf, cap, len, ctx->seq);
            break;
        case SEG_RANDOM_INT:
            rc = append_i64(buf, cap, len, rng_range(ctx->rng, s->lo, s->hi));
            break;
        case SEG_RANDOM_PICK: {
            const choice *c = &t->choices[s->first_choice +
                                          (size_t)rng_range(ctx->rng, 0, (int64_t)s->nchoices - 1)];
            rc = append(buf, cap, len, t->pool + c->off, c->len);
            break;
        }
        case SEG_UUID:
            rc = append_uuid(buf, cap, len, ctx->rng);
            break;
        case SEG_NOW_MS: {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            rc = append_i64(buf, cap, len, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
            break;
        }
        case SEG_FEEDER: {
            size_t n;
            long row = ctx->feeder_row[s->feeder_index];
            const char *cell = feeder_cell(s->feeder, row < 0 ? 0 : row, s->column, &n);
            rc = append(buf, cap, len, cell, n);
            break;
        }
        }
        if (rc != 0) {
            /* Leave the buffer as it was: a partial rendering is never sent. */
            *len = start;
            if (cap > start)
                buf[start] = '\0';
            return -1;
        }
    }
    if (cap > *len)
        buf[*len] = '\0';
    else
        return -1;
    return 0;
}

/* replay_feed.c: the engine's arrival feed from a replay stream (see
 * replay_feed.h). The mutex is taken once per arrival (a few hundred ns);
 * parsing happens inside it, in whichever generator thread needs the next
 * arrival, so a log that cannot be read fast enough shows up as loop lag
 * (a generator-limited run), never as a silently slower replay. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "loadgen/feeder.h"
#include "loadgen/template.h"
#include "replay/replay_feed.h"

struct replay_feed {
    pthread_mutex_t mu;
    replay_stream *stream;
    int ended, failed;
};

typedef struct held {
    const char *method;      /* static */
    uint32_t endpoint;
    char *url;
} held;

typedef struct feed_reader {
    replay_feed *f;
    held *ring;
    size_t cap;              /* power of two */
    uint64_t head;           /* number of the oldest arrival still held */
    uint64_t tail;           /* number of the next arrival */
} feed_reader;

replay_feed *replay_feed_new(const replay_config *c)
{
    replay_feed *f = calloc(1, sizeof *f);
    if (!f) {
        crest_error("out of memory");
        return NULL;
    }
    pthread_mutex_init(&f->mu, NULL);
    f->stream = replay_stream_open(c);
    if (!f->stream) {
        pthread_mutex_destroy(&f->mu);
        free(f);
        return NULL;
    }
    return f;
}

void replay_feed_free(replay_feed *f)
{
    if (!f)
        return;
    replay_stream_close(f->stream);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

int replay_feed_failed(const replay_feed *f)
{
    return f->failed;
}

const replay_stats *replay_feed_stats(const replay_feed *f)
{
    return replay_stream_stats(f->stream);
}

const access_format *replay_feed_format(const replay_feed *f)
{
    return replay_stream_format(f->stream);
}

static void *reader_open(void *ctx, unsigned index, unsigned count)
{
    (void)index;
    (void)count;
    feed_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->f = ctx;
    r->cap = 64;
    r->ring = calloc(r->cap, sizeof *r->ring);
    if (!r->ring) {
        free(r);
        return NULL;
    }
    return r;
}

static void reader_close(void *st)
{
    feed_reader *r = st;
    for (uint64_t n = r->head; n < r->tail; n++)
        free(r->ring[n & (r->cap - 1)].url);
    free(r->ring);
    free(r);
}

/* Doubles the ring (only while arrivals wait for connections). */
static int ring_grow(feed_reader *r)
{
    size_t cap = r->cap * 2;
    held *ring = calloc(cap, sizeof *ring);
    if (!ring)
        return -1;
    for (uint64_t n = r->head; n < r->tail; n++)
        ring[n & (cap - 1)] = r->ring[n & (r->cap - 1)];
    free(r->ring);
    r->ring = ring;
    r->cap = cap;
    return 0;
}

static int reader_next(void *st, double *at_s, uint32_t *endpoint)
{
    feed_reader *r = st;
    replay_feed *f = r->f;
    if (r->tail - r->head == r->cap && ring_grow(r) != 0)
        return 0;
    replay_arrival a;
    pthread_mutex_lock(&f->mu);
    int rc = f->ended ? 0 : replay_stream_next(f->stream, &a);
    if (rc <= 0) {
        if (rc < 0)
            f->failed = 1;
        f->ended = 1;
    }
    pthread_mutex_unlock(&f->mu);
    if (rc != 1)
        return 0;
    held *h = &r->ring[r->tail & (r->cap - 1)];
    h->method = replay_method_name(a.method);
    h->endpoint = a.endpoint;
    h->url = a.url;
    r->tail++;
    *at_s = a.at_s;
    *endpoint = a.endpoint;
    return 1;
}

static int render_request(const held *h, const loadplan *p, uint64_t n, rng *rg,
                          rendered_request *out)
{
    const loadplan_endpoint *ep = &p->endpoints[h->endpoint];
    size_t tl = strlen(p->target), ul = strlen(h->url);
    if (tl + ul + 1 > sizeof out->url)
        return -1;
    memcpy(out->url, p->target, tl);
    memcpy(out->url + tl, h->url, ul + 1);
    out->endpoint = h->endpoint;
    out->method = h->method ? h->method : "GET";
    render_ctx ctx = {.seq = n, .rng = rg};
    /* A scenario endpoint's headers and body may read feeders: one row per
     * feeder for the whole request, as loadplan_render does. */
    unsigned used = ep->body ? template_feeders_used(ep->body) : 0;
    for (size_t i = 0; i < ep->nheaders; i++)
        used |= template_feeders_used(ep->headers[i]);
    for (size_t i = 0; i < LOADPLAN_MAX_FEEDERS; i++) {
        ctx.feeder_row[i] = -1;
        if (i < p->nfeeders && (used & (1u << i)) &&
            (ctx.feeder_row[i] = feeder_pick(p->feeders[i], rg)) < 0)
            return -2;
    }
    out->nheaders = 0;
    for (size_t i = 0; i < ep->nheaders; i++) {
        size_t len = 0;
        out->headers[i][0] = '\0';
        if (template_render(ep->headers[i], &ctx, out->headers[i], LOADPLAN_HEADER_CAP, &len) != 0)
            return -1;
        out->nheaders++;
    }
    out->has_body = 0;
    out->body_len = 0;
    out->body[0] = '\0';
    if (ep->body && replay_method_has_body(out->method)) {
        if (template_render(ep->body, &ctx, out->body, LOADPLAN_BODY_CAP, &out->body_len) != 0)
            return -1;
        out->has_body = 1;
    }
    return 0;
}

static int reader_render(void *st, uint64_t n, const loadplan *p, rng *rg, rendered_request *out)
{
    feed_reader *r = st;
    if (n < r->head || n >= r->tail)
        return -1;
    /* Arrivals before N were sent or dropped: release them. */
    for (; r->head < n; r->head++) {
        held *h = &r->ring[r->head & (r->cap - 1)];
        free(h->url);
        h->url = NULL;
    }
    held *h = &r->ring[n & (r->cap - 1)];
    int rc = render_request(h, p, n, rg, out);
    free(h->url);
    h->url = NULL;
    r->head = n + 1;
    return rc;
}

static const loadplan_feed_ops FEED_OPS = {
    .open = reader_open,
    .next = reader_next,
    .render = reader_render,
    .close = reader_close,
};

void replay_feed_attach(replay_feed *f, loadplan *p)
{
    p->feed = &FEED_OPS;
    p->feed_ctx = f;
}

/* engine_seconds.c: the per-second store (see engine_seconds.h). */
#include <stdlib.h>
#include <string.h>

#include "loadgen/engine.h"
#include "loadgen/engine_seconds.h"

int interval_init(interval *iv, size_t ntags)
{
    memset(iv, 0, sizeof *iv);
    iv->sec = -1;
    iv->ntags = ntags;
    iv->tags = calloc(ntags ? ntags : 1, sizeof *iv->tags);
    iv->lat_tags = calloc(ntags ? ntags : 1, sizeof *iv->lat_tags);
    iv->lat_total = hist_new();
    if (!iv->tags || !iv->lat_tags || !iv->lat_total)
        return -1;
    for (size_t i = 0; i < ntags; i++)
        if (!(iv->lat_tags[i] = hist_new()))
            return -1;
    return 0;
}

void interval_free(interval *iv)
{
    if (iv->lat_tags)
        for (size_t i = 0; i < iv->ntags; i++)
            hist_free(iv->lat_tags[i]);
    free(iv->lat_tags);
    free(iv->tags);
    hist_free(iv->lat_total);
    memset(iv, 0, sizeof *iv);
}

void interval_clear(interval *iv)
{
    iv->sec = -1;
    if (hist_count(iv->lat_total) || iv->total.completed) {
        hist_reset(iv->lat_total);
        for (size_t i = 0; i < iv->ntags; i++)
            if (hist_count(iv->lat_tags[i]))
                hist_reset(iv->lat_tags[i]);
    }
    iv->loop_lag_max_us = 0;
    memset(&iv->total, 0, sizeof iv->total);
    memset(iv->tags, 0, iv->ntags * sizeof *iv->tags);
}

int second_store_init(second_store *s, const loadplan *p, double warmup_s, size_t nseconds,
                      int nthreads)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    s->plan = p;
    s->warmup_s = warmup_s;
    s->ntags = p->nsubsystems;
    s->nseconds = nseconds;
    s->nthreads = nthreads;
    s->live_sec = -1;
    s->seconds = calloc(nseconds ? nseconds : 1, sizeof *s->seconds);
    s->tag_seconds = calloc(s->ntags ? s->ntags : 1, sizeof *s->tag_seconds);
    s->done_below = calloc((size_t)nthreads, sizeof *s->done_below);
    if (!s->seconds || !s->tag_seconds || !s->done_below)
        return -1;
    for (size_t t = 0; t < s->ntags; t++)
        if (!(s->tag_seconds[t] = calloc(nseconds ? nseconds : 1, sizeof **s->tag_seconds)))
            return -1;
    for (int i = 0; i < SECONDS_RING; i++)
        if (interval_init(&s->ring[i], s->ntags) != 0)
            return -1;
    const char **names = calloc(s->ntags ? s->ntags : 1, sizeof *names);
    if (!names)
        return -1;
    for (size_t t = 0; t < s->ntags; t++)
        names[t] = p->subsystems[t].name;
    int rc = run_result_init(&s->live, s->ntags, names);
    free(names);
    return rc;
}

void second_store_free(second_store *s)
{
    for (int i = 0; i < SECONDS_RING; i++)
        interval_free(&s->ring[i]);
    if (s->tag_seconds)
        for (size_t t = 0; t < s->ntags; t++)
            free(s->tag_seconds[t]);
    free(s->tag_seconds);
    free(s->seconds);
    free(s->done_below);
    run_result_free(&s->live);
    pthread_mutex_destroy(&s->mu);
    memset(s, 0, sizeof *s);
}

static void add_counts(second_stats *d, const second_stats *a)
{
    d->offered += a->offered;
    d->sent += a->sent;
    d->completed += a->completed;
    d->ok += a->ok;
    d->shed += a->shed;
    d->errors += a->errors;
    d->dropped += a->dropped;
    for (int i = 0; i < NETERR_KINDS; i++)
        d->net[i] += a->net[i];
    for (int i = 0; i < STATUS_CLASSES; i++)
        d->status[i] += a->status[i];
}

static void live_add(counters *c, const second_stats *a)
{
    c->scheduled += a->offered;
    c->sent += a->sent;
    c->completed += a->completed;
    c->ok += a->ok;
    c->shed += a->shed;
    c->errors += a->errors;
    c->dropped += a->dropped;
    for (int i = 0; i < NETERR_KINDS; i++) {
        c->net[i] += a->net[i];
        c->net_errors += a->net[i];
    }
    for (int i = 0; i < STATUS_CLASSES; i++)
        c->status[i] += a->status[i];
}

/* The plan's rate half-way through measured second SEC (0 in closed loop). */
static double target_rate_at(const second_store *s, size_t sec)
{
    double t_in;
    double t = s->warmup_s + (double)sec + 0.5;
    size_t ph = loadplan_phase_at(s->plan, t, &t_in);
    const loadplan_phase *p = &s->plan->phases[ph];
    if (p->connections > 0)
        return 0;
    return rate_curve_at(&p->rate, t_in, p->duration_s) * shard_fraction(&s->plan->shard);
}

static void fill_percentiles(second_stats *d, const hist *h)
{
    d->p50_ms = (double)hist_percentile(h, 50) / 1000.0;
    d->p90_ms = (double)hist_percentile(h, 90) / 1000.0;
    d->p99_ms = (double)hist_percentile(h, 99) / 1000.0;
    d->max_ms = (double)hist_max(h) / 1000.0;
}

/* Makes second s->nfinal final from its ring slot (if it has one). */
static void finalize_next(second_store *s)
{
    size_t sec = s->nfinal;
    interval *slot = &s->ring[sec % SECONDS_RING];
    second_stats *d = &s->seconds[sec];
    if (slot->sec == (int64_t)sec) {
        add_counts(d, &slot->total);
        fill_percentiles(d, slot->lat_total);
        for (size_t t = 0; t < s->ntags; t++) {
            add_counts(&s->tag_seconds[t][sec], &slot->tags[t]);
            fill_percentiles(&s->tag_seconds[t][sec], slot->lat_tags[t]);
        }
        if (s->hooks && s->hooks->on_second) {
            /* hand the filled histograms over, take empty ones back */
            slot->lat_total = s->hooks->on_second(s->hooks->ctx, sec, -1, slot->lat_total);
            for (size_t t = 0; t < s->ntags; t++)
                slot->lat_tags[t] = s->hooks->on_second(s->hooks->ctx, sec, (long)t,
                                                        slot->lat_tags[t]);
        }
        interval_clear(slot);
    }
    d->target_rate = target_rate_at(s, sec);
    s->nfinal++;
}

void second_store_flush(second_store *s, int thread, const interval *iv, uint64_t done_below)
{
    pthread_mutex_lock(&s->mu);
    if (iv->sec >= 0 && (size_t)iv->sec < s->nseconds) {
        size_t sec = (size_t)iv->sec;
        if (iv->sec > s->live_sec) {
            s->live_sec = iv->sec;
            s->live_loop_lag_us = 0;
        }
        if (iv->sec == s->live_sec && iv->loop_lag_max_us > s->live_loop_lag_us)
            s->live_loop_lag_us = iv->loop_lag_max_us;
        live_add(&s->live.total.c, &iv->total);
        hist_add(s->live.total.h.latency, iv->lat_total);
        for (size_t t = 0; t < s->ntags; t++) {
            live_add(&s->live.tags[t].c, &iv->tags[t]);
            hist_add(s->live.tags[t].h.latency, iv->lat_tags[t]);
        }
        interval *slot = &s->ring[sec % SECONDS_RING];
        while (slot->sec >= 0 && slot->sec < (int64_t)sec && sec >= s->nfinal)
            finalize_next(s);   /* ring collision: force older seconds out */
        if (sec < s->nfinal || slot->sec > (int64_t)sec) {
            /* A thread that lagged more than the ring behind the others:
             * its counts still land exactly; this second's percentiles
             * miss its share. */
            add_counts(&s->seconds[sec], &iv->total);
            for (size_t t = 0; t < s->ntags; t++)
                add_counts(&s->tag_seconds[t][sec], &iv->tags[t]);
        } else {
            slot->sec = (int64_t)sec;
            add_counts(&slot->total, &iv->total);
            hist_add(slot->lat_total, iv->lat_total);
            for (size_t t = 0; t < s->ntags; t++) {
                add_counts(&slot->tags[t], &iv->tags[t]);
                hist_add(slot->lat_tags[t], iv->lat_tags[t]);
            }
        }
    }
    s->done_below[thread] = done_below;
    uint64_t low = done_below;
    for (int i = 0; i < s->nthreads; i++)
        if (s->done_below[i] < low)
            low = s->done_below[i];
    if (low > s->nseconds)
        low = s->nseconds;
    while (s->nfinal < low)
        finalize_next(s);
    pthread_mutex_unlock(&s->mu);
}

/* Counters of one tag from its final seconds (so that they agree with the
 * timeseries written beside them). Requests still in flight at the
 * snapshot are counted as cancelled, which keeps the accounting identity
 * scheduled = ok + shed + errors + dropped + cancelled. */
static void counters_from_seconds(counters *c, const second_stats *secs, size_t n)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < n; i++) {
        const second_stats *a = &secs[i];
        live_add(c, a);
        for (int k = 0; k < NETERR_KINDS; k++) {
            c->net[k] += a->net[k];
            c->net_errors += a->net[k];
        }
        for (int k = 0; k < STATUS_CLASSES; k++)
            c->status[k] += a->status[k];
    }
    c->http_errors = c->errors > c->net_errors ? c->errors - c->net_errors : 0;
    uint64_t settled = c->ok + c->shed + c->errors + c->dropped;
    c->cancelled = c->scheduled > settled ? c->scheduled - settled : 0;
}

int second_store_snapshot(second_store *s, run_result *out)
{
    const char **names = calloc(s->ntags ? s->ntags : 1, sizeof *names);
    if (!names)
        return -1;
    for (size_t t = 0; t < s->ntags; t++)
        names[t] = s->live.tags[t].name;
    int rc = run_result_init(out, s->ntags, names);
    free(names);
    if (rc != 0)
        return -1;
    pthread_mutex_lock(&s->mu);
    size_t n = s->nfinal;
    out->seconds = malloc((n ? n : 1) * sizeof *out->seconds);
    out->tag_seconds = calloc(s->ntags ? s->ntags : 1, sizeof *out->tag_seconds);
    int failed = !out->seconds || !out->tag_seconds;
    for (size_t t = 0; !failed && t < s->ntags; t++) {
        out->tag_seconds[t] = malloc((n ? n : 1) * sizeof **out->tag_seconds);
        failed = !out->tag_seconds[t];
        if (!failed) {
            memcpy(out->tag_seconds[t], s->tag_seconds[t], n * sizeof **out->tag_seconds);
            counters_from_seconds(&out->tags[t].c, s->tag_seconds[t], n);
            hist_add(out->tags[t].h.latency, s->live.tags[t].h.latency);
        }
    }
    if (!failed) {
        memcpy(out->seconds, s->seconds, n * sizeof *out->seconds);
        counters_from_seconds(&out->total.c, s->seconds, n);
        hist_add(out->total.h.latency, s->live.total.h.latency);
        out->nseconds = n;
        out->duration_s = (double)n;
        out->partial = 1;
    }
    pthread_mutex_unlock(&s->mu);
    if (failed) {
        run_result_free(out);
        return -1;
    }
    return 0;
}

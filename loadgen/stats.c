/* stats.c: the counters and histograms of a run (see stats.h). Per-thread
 * results are merged here at the end of a run, and results.c reads a run
 * back into the same structure, so everything downstream (thresholds,
 * compare, report) sees one representation. Nothing here runs per request
 * except status_class_of. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen/stats.h"

const char *const status_class_names[STATUS_CLASSES] = {"2xx", "3xx", "4xx", "429", "5xx",
                                                         "other"};
const char *const net_error_names[NETERR_KINDS] = {
    "refused", "reset", "timeout", "dns", "tls", "protocol", "truncated", "unreachable",
    "too_large", "other"};

static void hists_free(latency_hists *h)
{
    hist_free(h->latency);
    hist_free(h->service);
    hist_free(h->send_lag);
    hist_free(h->loop_lag);
    hist_free(h->conn_wait);
    memset(h, 0, sizeof *h);
}

static int hists_init(latency_hists *h)
{
    h->latency = hist_new();
    h->service = hist_new();
    h->send_lag = hist_new();
    h->loop_lag = hist_new();
    h->conn_wait = hist_new();
    if (!h->latency || !h->service || !h->send_lag || !h->loop_lag || !h->conn_wait) {
        hists_free(h);
        return -1;
    }
    return 0;
}

static int tag_init(tag_stats *t, const char *name)
{
    memset(t, 0, sizeof *t);
    t->name = strdup(name);
    if (!t->name)
        return -1;
    if (hists_init(&t->h) != 0) {
        free(t->name);
        t->name = NULL;
        return -1;
    }
    return 0;
}

static void tag_free(tag_stats *t)
{
    free(t->name);
    hists_free(&t->h);
    t->name = NULL;
}

int run_result_init(run_result *r, size_t ntags, const char *const *names)
{
    memset(r, 0, sizeof *r);
    if (tag_init(&r->total, "total") != 0)
        goto err;
    r->tags = calloc(ntags ? ntags : 1, sizeof *r->tags);
    if (!r->tags)
        goto err;
    for (size_t i = 0; i < ntags; i++) {
        if (tag_init(&r->tags[i], names[i]) != 0)
            goto err;
        r->ntags = i + 1;
    }
    r->ntags = ntags;
    return 0;
err:
    run_result_free(r);
    return -1;
}

void run_result_free(run_result *r)
{
    tag_free(&r->total);
    for (size_t i = 0; i < r->ntags; i++)
        tag_free(&r->tags[i]);
    free(r->tags);
    if (r->tag_seconds)
        for (size_t i = 0; i < r->ntags; i++)
            free(r->tag_seconds[i]);
    free(r->tag_seconds);
    free(r->seconds);
    memset(r, 0, sizeof *r);
}

static void counters_add(counters *dst, const counters *src)
{
    dst->scheduled += src->scheduled;
    dst->sent += src->sent;
    dst->completed += src->completed;
    dst->ok += src->ok;
    dst->shed += src->shed;
    dst->errors += src->errors;
    dst->http_errors += src->http_errors;
    dst->net_errors += src->net_errors;
    dst->dropped += src->dropped;
    dst->cancelled += src->cancelled;
    for (int i = 0; i < STATUS_CLASSES; i++)
        dst->status[i] += src->status[i];
    for (int i = 0; i < NETERR_KINDS; i++)
        dst->net[i] += src->net[i];
}

static void tag_merge(tag_stats *dst, const tag_stats *src)
{
    counters_add(&dst->c, &src->c);
    hist_add(dst->h.latency, src->h.latency);
    hist_add(dst->h.service, src->h.service);
    hist_add(dst->h.send_lag, src->h.send_lag);
    hist_add(dst->h.loop_lag, src->h.loop_lag);
    hist_add(dst->h.conn_wait, src->h.conn_wait);
}

static double max_d(double a, double b)
{
    return a > b ? a : b;
}

/* Per-second percentiles cannot be merged exactly from percentiles; the
 * merge keeps the larger of the two (an upper bound) and adds the counts. */
static void second_stats_merge(second_stats *dst, const second_stats *src)
{
    dst->offered += src->offered;
    dst->sent += src->sent;
    dst->completed += src->completed;
    dst->ok += src->ok;
    dst->shed += src->shed;
    dst->errors += src->errors;
    dst->dropped += src->dropped;
    for (int i = 0; i < NETERR_KINDS; i++)
        dst->net[i] += src->net[i];
    for (int i = 0; i < STATUS_CLASSES; i++)
        dst->status[i] += src->status[i];
    dst->p50_ms = max_d(dst->p50_ms, src->p50_ms);
    dst->p90_ms = max_d(dst->p90_ms, src->p90_ms);
    dst->p99_ms = max_d(dst->p99_ms, src->p99_ms);
    dst->max_ms = max_d(dst->max_ms, src->max_ms);
    dst->target_rate += src->target_rate;
}

/* Grows DST's per-second arrays to N seconds (zeroed). 0 or -1. */
static int seconds_grow(run_result *dst, size_t n)
{
    if (n <= dst->nseconds)
        return 0;
    second_stats *s = realloc(dst->seconds, n * sizeof *s);
    if (!s)
        return -1;
    memset(s + dst->nseconds, 0, (n - dst->nseconds) * sizeof *s);
    dst->seconds = s;
    if (!dst->tag_seconds && dst->ntags) {
        dst->tag_seconds = calloc(dst->ntags, sizeof *dst->tag_seconds);
        if (!dst->tag_seconds)
            return -1;
    }
    for (size_t t = 0; t < dst->ntags; t++) {
        second_stats *ts = realloc(dst->tag_seconds[t], n * sizeof *ts);
        if (!ts)
            return -1;
        memset(ts + dst->nseconds, 0, (n - dst->nseconds) * sizeof *ts);
        dst->tag_seconds[t] = ts;
    }
    dst->nseconds = n;
    return 0;
}

void run_result_merge(run_result *dst, const run_result *src)
{
    tag_merge(&dst->total, &src->total);
    for (size_t i = 0; i < dst->ntags && i < src->ntags; i++)
        tag_merge(&dst->tags[i], &src->tags[i]);
    if (src->nseconds && seconds_grow(dst, src->nseconds) == 0) {
        for (size_t s = 0; s < src->nseconds; s++) {
            second_stats_merge(&dst->seconds[s], &src->seconds[s]);
            for (size_t t = 0; src->tag_seconds && t < dst->ntags && t < src->ntags; t++)
                second_stats_merge(&dst->tag_seconds[t][s], &src->tag_seconds[t][s]);
        }
    }
    dst->duration_s = max_d(dst->duration_s, src->duration_s);
    dst->interrupted |= src->interrupted;
    if (!dst->aborted[0] && src->aborted[0])
        memcpy(dst->aborted, src->aborted, sizeof dst->aborted);
    generator_health *g = &dst->generator;
    const generator_health *sg = &src->generator;
    if (!g->limited && sg->limited)
        memcpy(g->reason, sg->reason, sizeof g->reason);
    g->limited |= sg->limited;
    g->cpu_s += sg->cpu_s;
    g->cpu_busiest_thread = max_d(g->cpu_busiest_thread, sg->cpu_busiest_thread);
    g->threads += sg->threads;
    g->connections_requested += sg->connections_requested;
    g->connections_opened += sg->connections_opened;
    /* Percentiles do not add: the merged run shows the worst part's. */
    g->tls_handshakes += sg->tls_handshakes;
    g->tls_resumed += sg->tls_resumed;
    g->tls_handshake_p50_ms = max_d(g->tls_handshake_p50_ms, sg->tls_handshake_p50_ms);
    g->tls_handshake_p99_ms = max_d(g->tls_handshake_p99_ms, sg->tls_handshake_p99_ms);
    g->tls_handshake_max_ms = max_d(g->tls_handshake_max_ms, sg->tls_handshake_max_ms);
    g->loop_lag_p99_ms = max_d(g->loop_lag_p99_ms, sg->loop_lag_p99_ms);
    g->send_batch_ms = max_d(g->send_batch_ms, sg->send_batch_ms);
    g->conn_wait_warning |= sg->conn_wait_warning;
    if (!dst->started_at[0])
        memcpy(dst->started_at, src->started_at, sizeof dst->started_at);
    if (!dst->target[0])
        memcpy(dst->target, src->target, sizeof dst->target);
}

static double rate_of(uint64_t part, const counters *c)
{
    uint64_t finished = c->ok + c->shed + c->errors;
    return finished ? (double)part / (double)finished : 0;
}

double counters_error_rate(const counters *c)
{
    return rate_of(c->errors, c);
}

double counters_shed_rate(const counters *c)
{
    return rate_of(c->shed, c);
}

enum status_class status_class_of(long status)
{
    if (status == 429)
        return STATUS_429;
    if (status >= 200 && status < 300)
        return STATUS_2XX;
    if (status >= 300 && status < 400)
        return STATUS_3XX;
    if (status >= 400 && status < 500)
        return STATUS_4XX;
    if (status >= 500 && status < 600)
        return STATUS_5XX;
    return STATUS_OTHER;
}

void generator_set_tls(generator_health *g, const hist *handshakes, uint64_t resumed)
{
    g->tls_handshakes = hist_count(handshakes);
    g->tls_resumed = resumed;
    g->tls_handshake_p50_ms = (double)hist_percentile(handshakes, 50) / 1000.0;
    g->tls_handshake_p99_ms = (double)hist_percentile(handshakes, 99) / 1000.0;
    g->tls_handshake_max_ms = (double)hist_max(handshakes) / 1000.0;
}

void generator_judge(generator_health *g, double loop_lag_bound_ms, uint64_t dropped_at_cap)
{
    char *r = g->reason;
    size_t left = sizeof g->reason;
    int n = 0;
    r[0] = '\0';
    if (g->loop_lag_p99_ms > loop_lag_bound_ms)
        n += snprintf(r + n, left - (size_t)n, "%sloop lag p99 %.2f ms > bound %.2f ms",
                      n ? "; " : "", g->loop_lag_p99_ms, loop_lag_bound_ms);
    if (g->cpu_busiest_thread > GENERATOR_CPU_BOUND && (size_t)n < left)
        n += snprintf(r + n, left - (size_t)n, "%sa generator thread was %.0f%% busy",
                      n ? "; " : "", g->cpu_busiest_thread * 100);
    if (dropped_at_cap && (size_t)n < left)
        n += snprintf(r + n, left - (size_t)n, "%s%llu requests dropped at --max-in-flight",
                      n ? "; " : "", (unsigned long long)dropped_at_cap);
    g->limited = n > 0;
}

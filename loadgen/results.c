/* results.c: results.json, the one file a run leaves behind
 * (docs/results-format.md). The writer puts every counter, the lossless
 * histograms (hist_encode) and the per-second series in one document,
 * written atomically through jsonio so an interrupted run still leaves a
 * whole file. The reader loads it back into a run_result, histograms
 * decoded, so compare and report work from exactly what the run measured
 * (merging results of several generators stays exact). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/jsonio.h"
#include "common/version.h"
#include "loadgen/results.h"

/* ---- writing ---------------------------------------------------------- */

static double ms(int64_t us)
{
    return (double)us / 1000.0;
}

static cJSON *latency_block(const hist *h)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "min", ms(hist_min(h)));
    cJSON_AddNumberToObject(o, "mean", hist_mean(h) / 1000.0);
    cJSON_AddNumberToObject(o, "p50", ms(hist_percentile(h, 50)));
    cJSON_AddNumberToObject(o, "p90", ms(hist_percentile(h, 90)));
    cJSON_AddNumberToObject(o, "p99", ms(hist_percentile(h, 99)));
    cJSON_AddNumberToObject(o, "p999", ms(hist_percentile(h, 99.9)));
    cJSON_AddNumberToObject(o, "max", ms(hist_max(h)));
    return o;
}

static int add_hist(cJSON *o, const char *key, const hist *h)
{
    char *enc = hist_encode(h);
    if (!enc)
        return -1;
    cJSON_AddStringToObject(o, key, enc);
    free(enc);
    return 0;
}

static cJSON *status_block(const uint64_t *status)
{
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; i < STATUS_CLASSES; i++)
        cJSON_AddNumberToObject(o, status_class_names[i], (double)status[i]);
    return o;
}

static cJSON *net_block(const uint64_t *net)
{
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; i < NETERR_KINDS; i++)
        cJSON_AddNumberToObject(o, net_error_names[i], (double)net[i]);
    return o;
}

static cJSON *summary_block(const tag_stats *t, double duration_s)
{
    const counters *c = &t->c;
    cJSON *o = cJSON_CreateObject();
#define N(k, v) cJSON_AddNumberToObject(o, k, (double)(v))
    N("scheduled", c->scheduled);
    N("sent", c->sent);
    N("completed", c->completed);
    N("ok", c->ok);
    N("shed", c->shed);
    N("errors", c->errors);
    N("http_errors", c->http_errors);
    N("net_errors", c->net_errors);
    N("dropped", c->dropped);
    N("cancelled", c->cancelled);
    N("duration_s", duration_s);
    N("rate", duration_s > 0 ? (double)c->ok / duration_s : 0);
    N("offered_rate", duration_s > 0 ? (double)c->scheduled / duration_s : 0);
    N("error_rate", counters_error_rate(c));
    N("shed_rate", counters_shed_rate(c));
#undef N
    cJSON_AddItemToObject(o, "latency_ms", latency_block(t->h.latency));
    cJSON_AddItemToObject(o, "service_time_ms", latency_block(t->h.service));
    cJSON_AddItemToObject(o, "send_lag_ms", latency_block(t->h.send_lag));
    cJSON_AddItemToObject(o, "loop_lag_ms", latency_block(t->h.loop_lag));
    cJSON_AddItemToObject(o, "connection_wait_ms", latency_block(t->h.conn_wait));
    cJSON_AddItemToObject(o, "status", status_block(c->status));
    cJSON_AddItemToObject(o, "net_errors_by_kind", net_block(c->net));
    cJSON *h = cJSON_AddObjectToObject(o, "histograms");
    if (add_hist(h, "latency", t->h.latency) || add_hist(h, "service_time", t->h.service) ||
        add_hist(h, "send_lag", t->h.send_lag) || add_hist(h, "loop_lag", t->h.loop_lag) ||
        add_hist(h, "connection_wait", t->h.conn_wait)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static void second_fields(cJSON *o, const second_stats *s, int full)
{
#define N(k, v) cJSON_AddNumberToObject(o, k, (double)(v))
    N("offered", s->offered);
    N("sent", s->sent);
    N("completed", s->completed);
    N("ok", s->ok);
    N("shed", s->shed);
    N("errors", s->errors);
    N("dropped", s->dropped);
    N("p50_ms", s->p50_ms);
    N("p90_ms", s->p90_ms);
    N("p99_ms", s->p99_ms);
    N("max_ms", s->max_ms);
#undef N
    if (full) {
        cJSON_AddItemToObject(o, "status", status_block(s->status));
        cJSON_AddItemToObject(o, "net_errors", net_block(s->net));
    }
}

/* generator.tls: the TLS handshakes the transport timed, apart from
 * request latency; null when it timed none (plain HTTP, the curl path). */
static void add_tls(cJSON *gen, const generator_health *g)
{
    if (!g->tls_handshakes) {
        cJSON_AddNullToObject(gen, "tls");
        return;
    }
    cJSON *tls = cJSON_AddObjectToObject(gen, "tls");
    cJSON_AddNumberToObject(tls, "handshakes", (double)g->tls_handshakes);
    cJSON_AddNumberToObject(tls, "resumed", (double)g->tls_resumed);
    cJSON *ms = cJSON_AddObjectToObject(tls, "handshake_ms");
    cJSON_AddNumberToObject(ms, "p50", g->tls_handshake_p50_ms);
    cJSON_AddNumberToObject(ms, "p99", g->tls_handshake_p99_ms);
    cJSON_AddNumberToObject(ms, "max", g->tls_handshake_max_ms);
}

/* The per-second time series: the total and each subsystem, one object
 * per second. */
static void add_timeseries(cJSON *root, const run_result *r)
{
    cJSON *ts = cJSON_AddArrayToObject(root, "timeseries");
    for (size_t s = 0; s < r->nseconds; s++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "t", (double)s);
        cJSON_AddNumberToObject(o, "target_rate", r->seconds[s].target_rate);
        second_fields(o, &r->seconds[s], 1);
        cJSON *so = cJSON_AddObjectToObject(o, "subsystems");
        for (size_t t = 0; r->tag_seconds && t < r->ntags; t++) {
            cJSON *x = cJSON_CreateObject();
            second_fields(x, &r->tag_seconds[t][s], 0);
            cJSON_AddItemToObject(so, r->tags[t].name, x);
        }
        cJSON_AddItemToArray(ts, o);
    }
}

/* The generator's health: the verdict, CPU, threads, transport, TLS. */
static void add_generator(cJSON *root, const run_result *r)
{
    const generator_health *g = &r->generator;
    cJSON *gen = cJSON_AddObjectToObject(root, "generator");
    cJSON_AddBoolToObject(gen, "generator_limited", g->limited);
    jsonio_add_string_or_null(gen, "reason", g->limited ? g->reason : NULL);
    cJSON_AddNumberToObject(gen, "cpu_s", g->cpu_s);
    cJSON_AddNumberToObject(gen, "busiest_thread_cpu", g->cpu_busiest_thread);
    cJSON_AddNumberToObject(gen, "threads", g->threads);
    cJSON_AddStringToObject(gen, "transport", g->transport);
    cJSON_AddNumberToObject(gen, "connections_requested", g->connections_requested);
    cJSON_AddNumberToObject(gen, "connections_opened", (double)g->connections_opened);
    add_tls(gen, g);
    cJSON_AddNumberToObject(gen, "loop_lag_p99_ms", g->loop_lag_p99_ms);
    cJSON_AddNumberToObject(gen, "send_batch_ms", g->send_batch_ms);
    cJSON_AddBoolToObject(gen, "connection_wait_warning", g->conn_wait_warning);
}

/* The gates' verdicts, in the order given. */
static void add_thresholds(cJSON *root, const results_meta *m)
{
    cJSON *th = cJSON_AddArrayToObject(root, "thresholds");
    for (size_t i = 0; i < m->nthresholds; i++) {
        const threshold_result *t = &m->thresholds[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "expr", t->t.expr);
        jsonio_add_string_or_null(o, "tag", t->t.tag);
        cJSON_AddNumberToObject(o, "value", t->value);
        cJSON_AddBoolToObject(o, "pass", t->pass == 1);
        cJSON_AddItemToArray(th, o);
    }
}

cJSON *results_to_json(const run_result *r, const results_meta *m)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", RESULTS_SCHEMA);
    cJSON_AddStringToObject(root, "crest_version", CREST_VERSION);
    cJSON_AddStringToObject(root, "started_at", r->started_at);
    jsonio_add_string_or_null(root, "command", m->command);
    jsonio_add_string_or_null(root, "scenario", m->scenario);
    cJSON_AddStringToObject(root, "target", r->target);
    cJSON_AddBoolToObject(root, "interrupted", r->interrupted);
    cJSON_AddBoolToObject(root, "partial", r->partial);
    jsonio_add_string_or_null(root, "aborted", r->aborted);

    cJSON *set = cJSON_AddObjectToObject(root, "settings");
    cJSON_AddNumberToObject(set, "threads", r->generator.threads);
    cJSON_AddNumberToObject(set, "connections", m->connections);
    cJSON_AddNumberToObject(set, "timeout_s", m->timeout_s);
    cJSON_AddStringToObject(set, "arrivals", m->poisson ? "poisson" : "uniform");
    cJSON_AddBoolToObject(set, "http2", m->http2);
    cJSON *sec = cJSON_AddArrayToObject(set, "secret_headers");
    for (size_t i = 0; i < m->nsecret; i++)
        cJSON_AddItemToArray(sec, cJSON_CreateString(m->secret_headers[i]));

    cJSON *sum = summary_block(&r->total, r->duration_s);
    if (!sum)
        goto err;
    cJSON_AddItemToObject(root, "summary", sum);
    cJSON *subs = cJSON_AddObjectToObject(root, "subsystems");
    for (size_t i = 0; i < r->ntags; i++) {
        cJSON *b = summary_block(&r->tags[i], r->duration_s);
        if (!b)
            goto err;
        if (m->slo_p99_ms && isfinite(m->slo_p99_ms[i]))
            cJSON_AddNumberToObject(b, "slo_p99_ms", m->slo_p99_ms[i]);
        cJSON_AddItemToObject(subs, r->tags[i].name, b);
    }

    add_timeseries(root, r);
    add_generator(root, r);
    add_thresholds(root, m);
    cJSON_AddNullToObject(root, "baseline");
    if (m->shard)
        cJSON_AddItemToObject(root, "shard", shard_record_to_json(m->shard));
    return root;
err:
    cJSON_Delete(root);
    return NULL;
}

int results_write(const char *path, const run_result *r, const results_meta *m)
{
    cJSON *root = results_to_json(r, m);
    if (!root) {
        crest_error("%s: out of memory while building the results", path);
        return -1;
    }
    int rc = jsonio_write_file(path, root);
    cJSON_Delete(root);
    return rc;
}

size_t thresholds_evaluate(const threshold_set *set, const run_result *r, threshold_result *out)
{
    size_t failed = 0;
    for (size_t i = 0; i < set->count; i++) {
        out[i].t = set->items[i];
        out[i].value = 0;
        out[i].pass = threshold_eval(&set->items[i], r, &out[i].value);
        if (out[i].pass != 1)
            failed++;
    }
    return failed;
}

/* ---- reading ---------------------------------------------------------- */

/* Counts read back: exact in a double up to 2^53. */
#define COUNT_MAX 9007199254740992.0

static int get_u64(const char *file, const char *path, const cJSON *o, const char *key,
                   uint64_t *out)
{
    return jsonio_get_count(file, path, o, key, 1, COUNT_MAX, out) == 0 ? 0 : -1;
}

static int read_named_counts(const char *file, const char *path, const cJSON *o,
                             const char *key, const char *const *names, int n, uint64_t *out)
{
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsObject(b)) {
        crest_error_at(file, 0, "%s.%s: expected an object of counts", path, key);
        return -1;
    }
    char sub[256];
    snprintf(sub, sizeof sub, "%s.%s", path, key);
    for (int i = 0; i < n; i++) {
        /* net error kinds added later may be absent from older files */
        if (names == net_error_names && i >= NETERR_FIRST_LATER && i != NETERR_OTHER &&
            !cJSON_GetObjectItemCaseSensitive(b, names[i])) {
            out[i] = 0;
            continue;
        }
        if (get_u64(file, sub, b, names[i], &out[i]) != 0)
            return -1;
    }
    return 0;
}

static int read_hist(const char *file, const char *path, const cJSON *hs, const char *key,
                     hist **slot)
{
    const char *text;
    if (jsonio_get_string(file, path, hs, key, 1, &text) != 0)
        return -1;
    hist *h = hist_decode(text);
    if (!h) {
        crest_error_at(file, 0, "%s.%s: not a valid encoded histogram", path, key);
        return -1;
    }
    hist_free(*slot);
    *slot = h;
    return 0;
}

static int read_summary(const char *file, const char *path, const cJSON *o, tag_stats *t,
                        double *duration)
{
    if (!cJSON_IsObject(o)) {
        crest_error_at(file, 0, "%s: expected a summary object", path);
        return -1;
    }
    counters *c = &t->c;
    if (get_u64(file, path, o, "scheduled", &c->scheduled) ||
        get_u64(file, path, o, "sent", &c->sent) ||
        get_u64(file, path, o, "completed", &c->completed) ||
        get_u64(file, path, o, "ok", &c->ok) || get_u64(file, path, o, "shed", &c->shed) ||
        get_u64(file, path, o, "errors", &c->errors) ||
        get_u64(file, path, o, "http_errors", &c->http_errors) ||
        get_u64(file, path, o, "net_errors", &c->net_errors) ||
        get_u64(file, path, o, "dropped", &c->dropped) ||
        get_u64(file, path, o, "cancelled", &c->cancelled) ||
        read_named_counts(file, path, o, "status", status_class_names, STATUS_CLASSES,
                          c->status) ||
        read_named_counts(file, path, o, "net_errors_by_kind", net_error_names, NETERR_KINDS,
                          c->net))
        return -1;
    if (duration && jsonio_get_number(file, path, o, "duration_s", 1, duration) != 0)
        return -1;
    const cJSON *hs = cJSON_GetObjectItemCaseSensitive(o, "histograms");
    char hp[256];
    snprintf(hp, sizeof hp, "%s.histograms", path);
    if (!cJSON_IsObject(hs)) {
        crest_error_at(file, 0, "%s: expected an object of encoded histograms", hp);
        return -1;
    }
    if (read_hist(file, hp, hs, "latency", &t->h.latency) ||
        read_hist(file, hp, hs, "service_time", &t->h.service) ||
        read_hist(file, hp, hs, "send_lag", &t->h.send_lag) ||
        read_hist(file, hp, hs, "loop_lag", &t->h.loop_lag) ||
        read_hist(file, hp, hs, "connection_wait", &t->h.conn_wait))
        return -1;
    return 0;
}

static int read_second(const char *file, const char *path, const cJSON *o, second_stats *s,
                       int full)
{
    if (get_u64(file, path, o, "offered", &s->offered) ||
        get_u64(file, path, o, "sent", &s->sent) ||
        get_u64(file, path, o, "completed", &s->completed) ||
        get_u64(file, path, o, "ok", &s->ok) || get_u64(file, path, o, "shed", &s->shed) ||
        get_u64(file, path, o, "errors", &s->errors) ||
        get_u64(file, path, o, "dropped", &s->dropped) ||
        jsonio_get_number(file, path, o, "p50_ms", 1, &s->p50_ms) ||
        jsonio_get_number(file, path, o, "p90_ms", 1, &s->p90_ms) ||
        jsonio_get_number(file, path, o, "p99_ms", 1, &s->p99_ms) ||
        jsonio_get_number(file, path, o, "max_ms", 1, &s->max_ms))
        return -1;
    if (full) {
        if (jsonio_get_number(file, path, o, "target_rate", 1, &s->target_rate) ||
            read_named_counts(file, path, o, "status", status_class_names, STATUS_CLASSES,
                              s->status) ||
            read_named_counts(file, path, o, "net_errors", net_error_names, NETERR_KINDS,
                              s->net))
            return -1;
    }
    return 0;
}

/* generator.tls (since 0.3; absent or null: none timed). */
static int read_tls(const char *file, const cJSON *gen, generator_health *g)
{
    const cJSON *tls = cJSON_GetObjectItemCaseSensitive(gen, "tls");
    if (!tls || cJSON_IsNull(tls))
        return 0;
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(tls, "handshake_ms");
    if (!cJSON_IsObject(tls) || !cJSON_IsObject(ms)) {
        crest_error_at(file, 0, "generator.tls: expected an object with handshake_ms");
        return -1;
    }
    if (jsonio_get_count(file, "generator.tls", tls, "handshakes", 1, COUNT_MAX,
                         &g->tls_handshakes) ||
        jsonio_get_count(file, "generator.tls", tls, "resumed", 1, COUNT_MAX, &g->tls_resumed) ||
        jsonio_get_number(file, "generator.tls.handshake_ms", ms, "p50", 1,
                          &g->tls_handshake_p50_ms) ||
        jsonio_get_number(file, "generator.tls.handshake_ms", ms, "p99", 1,
                          &g->tls_handshake_p99_ms) ||
        jsonio_get_number(file, "generator.tls.handshake_ms", ms, "max", 1,
                          &g->tls_handshake_max_ms))
        return -1;
    return 0;
}

static int read_generator(const char *file, const cJSON *root, generator_health *g)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "generator");
    if (!cJSON_IsObject(o)) {
        crest_error_at(file, 0, "generator: expected an object");
        return -1;
    }
    uint64_t threads = 0, req = 0;
    const char *reason = NULL;
    if (jsonio_get_bool(file, "generator", o, "generator_limited", 1, &g->limited) ||
        jsonio_get_number(file, "generator", o, "cpu_s", 1, &g->cpu_s) ||
        jsonio_get_number(file, "generator", o, "busiest_thread_cpu", 1,
                          &g->cpu_busiest_thread) ||
        jsonio_get_count(file, "generator", o, "threads", 1, INT_MAX, &threads) ||
        jsonio_get_count(file, "generator", o, "connections_requested", 1, INT_MAX, &req) ||
        jsonio_get_count(file, "generator", o, "connections_opened", 1, COUNT_MAX,
                         &g->connections_opened) ||
        jsonio_get_number(file, "generator", o, "loop_lag_p99_ms", 1, &g->loop_lag_p99_ms) ||
        jsonio_get_bool(file, "generator", o, "connection_wait_warning", 1,
                        &g->conn_wait_warning))
        return -1;
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "reason");
    if (cJSON_IsString(r))
        reason = r->valuestring;
    snprintf(g->reason, sizeof g->reason, "%s", reason ? reason : "");
    if (jsonio_get_number(file, "generator", o, "send_batch_ms", 0, &g->send_batch_ms) < 0)
        return -1;   /* since 0.3: absent means 0 */
    const cJSON *tr = cJSON_GetObjectItemCaseSensitive(o, "transport");   /* since 0.2 */
    snprintf(g->transport, sizeof g->transport, "%s", cJSON_IsString(tr) ? tr->valuestring : "");
    g->threads = (int)threads;
    g->connections_requested = (int)req;
    return read_tls(file, o, g);
}

/* The flags and strings at the top level: interrupted, partial, aborted,
 * started_at, target. 0 or -1 (said). */
static int read_header(const char *path, const cJSON *root, run_result *out)
{
    int interrupted = 0, partial = 0;
    if (jsonio_get_bool(path, "", root, "interrupted", 1, &interrupted) != 0 ||
        jsonio_get_bool(path, "", root, "partial", 0, &partial) < 0)
        return -1;
    out->interrupted = interrupted;
    out->partial = partial;
    const cJSON *ab = cJSON_GetObjectItemCaseSensitive(root, "aborted");
    if (cJSON_IsString(ab))
        snprintf(out->aborted, sizeof out->aborted, "%s", ab->valuestring);
    const char *s = NULL;
    if (jsonio_get_string(path, "", root, "started_at", 0, &s) == 0 && s)
        snprintf(out->started_at, sizeof out->started_at, "%s", s);
    s = NULL;
    if (jsonio_get_string(path, "", root, "target", 0, &s) == 0 && s)
        snprintf(out->target, sizeof out->target, "%s", s);
    return 0;
}

/* The "timeseries" array into OUT's per-second arrays (total and each of
 * the NTAGS subsystems NAMES). 0 or -1 (said). */
static int read_timeseries(const char *path, const cJSON *root, const char **names,
                           size_t ntags, run_result *out)
{
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(root, "timeseries");
    if (!cJSON_IsArray(ts)) {
        crest_error_at(path, 0, "timeseries: expected an array");
        return -1;
    }
    size_t n = (size_t)cJSON_GetArraySize(ts);
    out->seconds = calloc(n ? n : 1, sizeof *out->seconds);
    out->tag_seconds = calloc(ntags ? ntags : 1, sizeof *out->tag_seconds);
    if (!out->seconds || !out->tag_seconds)
        return -1;
    for (size_t t = 0; t < ntags; t++)
        if (!(out->tag_seconds[t] = calloc(n ? n : 1, sizeof **out->tag_seconds)))
            return -1;
    out->nseconds = n;
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, ts) {
        char p[64];
        snprintf(p, sizeof p, "timeseries[%zu]", i);
        if (read_second(path, p, it, &out->seconds[i], 1) != 0)
            return -1;
        const cJSON *so = cJSON_GetObjectItemCaseSensitive(it, "subsystems");
        for (size_t t = 0; t < ntags; t++) {
            const cJSON *x = cJSON_GetObjectItemCaseSensitive(so, names[t]);
            char q[320];
            snprintf(q, sizeof q, "%s.subsystems.%s", p, names[t]);
            if (!cJSON_IsObject(x)) {
                crest_error_at(path, 0, "%s: expected an object", q);
                return -1;
            }
            if (read_second(path, q, x, &out->tag_seconds[t][i], 0) != 0)
                return -1;
        }
        i++;
    }
    return 0;
}

int results_read(const char *path, run_result *out)
{
    memset(out, 0, sizeof *out);
    cJSON *root = jsonio_read_file(path);
    if (!root)
        return -1;
    const char *schema = NULL;
    const char **names = NULL;
    size_t ntags = 0;
    int rc = -1;
    if (jsonio_get_string(path, "", root, "schema", 1, &schema) != 0)
        goto out;
    if (strcmp(schema, RESULTS_SCHEMA) != 0 && strcmp(schema, "crest.results/1") != 0) {
        crest_error_at(path, 0, "schema: expected \"%s\" (or \"crest.results/1\"), found \"%s\"",
                       RESULTS_SCHEMA, schema);
        goto out;
    }
    const cJSON *subs = cJSON_GetObjectItemCaseSensitive(root, "subsystems");
    if (!cJSON_IsObject(subs)) {
        crest_error_at(path, 0, "subsystems: expected an object");
        goto out;
    }
    ntags = (size_t)cJSON_GetArraySize(subs);
    names = calloc(ntags ? ntags : 1, sizeof *names);
    if (!names)
        goto out;
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, subs) names[i++] = it->string;
    if (run_result_init(out, ntags, names) != 0) {
        crest_error_at(path, 0, "out of memory");
        goto out;
    }
    if (read_summary(path, "summary", cJSON_GetObjectItemCaseSensitive(root, "summary"),
                     &out->total, &out->duration_s) != 0)
        goto out;
    i = 0;
    cJSON_ArrayForEach(it, subs) {
        char p[256];
        snprintf(p, sizeof p, "subsystems.%s", it->string);
        if (read_summary(path, p, it, &out->tags[i++], NULL) != 0)
            goto out;
    }
    if (read_header(path, root, out) != 0 || read_generator(path, root, &out->generator) != 0 ||
        read_timeseries(path, root, names, ntags, out) != 0)
        goto out;
    rc = 0;
out:
    free(names);
    cJSON_Delete(root);
    if (rc != 0 && out->total.name)
        run_result_free(out);
    return rc;
}

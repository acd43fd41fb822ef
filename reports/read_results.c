/* read_results.c: results.json (docs/results-format.md) into rep_results.
 *
 * Tolerant by design: every field is optional, wrong types read as absent,
 * and subsystems that appear only in the per-second series still get a
 * column, so a partial or older file still makes a useful report. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reports/report_json.h"
#include "reports/report_data.h"

static void read_latency(const cJSON *obj, rep_latency *l)
{
    static const char *const p999[] = {"p999", NULL};
    l->min = rj_num(obj, "min");
    l->mean = rj_num(obj, "mean");
    l->p50 = rj_num(obj, "p50");
    l->p90 = rj_num(obj, "p90");
    l->p99 = rj_num(obj, "p99");
    l->p999 = rj_num_any(obj, p999);
    l->max = rj_num(obj, "max");
}

static void read_block(const cJSON *obj, const char *name, rep_block *b)
{
    memset(b, 0, sizeof *b);
    b->name = name;
    b->present = obj != NULL;
    b->scheduled = rj_num(obj, "scheduled");
    b->sent = rj_num(obj, "sent");
    b->completed = rj_num(obj, "completed");
    b->ok = rj_num(obj, "ok");
    b->shed = rj_num(obj, "shed");
    b->errors = rj_num(obj, "errors");
    b->http_errors = rj_num(obj, "http_errors");
    b->net_errors = rj_num(obj, "net_errors");
    b->dropped = rj_num(obj, "dropped");
    b->cancelled = rj_num(obj, "cancelled");
    b->duration_s = rj_num(obj, "duration_s");
    b->rate = rj_num(obj, "rate");
    b->offered_rate = rj_num(obj, "offered_rate");
    b->error_rate = rj_num(obj, "error_rate");
    b->shed_rate = rj_num(obj, "shed_rate");
    read_latency(rj_obj(obj, "latency_ms"), &b->latency);
    b->status = rj_obj(obj, "status");
    b->net_errors_by_kind = rj_obj(obj, "net_errors_by_kind");
    const cJSON *h = rj_obj(obj, "histograms");
    b->latency_hist = rj_str(h, "latency");
    b->slo_p99_ms = rj_num(obj, "slo_p99_ms");
}

static long find_sub(const rep_results *r, const char *name)
{
    for (size_t i = 0; i < r->nsubs; i++)
        if (strcmp(r->subs[i].name, name) == 0)
            return (long)i;
    return -1;
}

static int add_sub(rep_results *r, const cJSON *obj, const char *name)
{
    rep_block *bigger = realloc(r->subs, (r->nsubs + 1) * sizeof *bigger);
    if (!bigger)
        return -1;
    r->subs = bigger;
    read_block(obj, name, &r->subs[r->nsubs++]);
    return 0;
}

/* The subsystem list: the summary's, then any name seen only per second. */
static int read_subsystem_names(rep_results *r, const cJSON *root)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, rj_obj(root, "subsystems")) {
        if (it->string && cJSON_IsObject(it) && find_sub(r, it->string) < 0 &&
            add_sub(r, it, it->string) != 0)
            return -1;
    }
    const cJSON *pt;
    cJSON_ArrayForEach(pt, rj_arr(root, "timeseries")) {
        cJSON_ArrayForEach(it, rj_obj(pt, "subsystems")) {
            if (it->string && cJSON_IsObject(it) && find_sub(r, it->string) < 0 &&
                add_sub(r, NULL, it->string) != 0)
                return -1;
        }
    }
    return 0;
}

static int read_timeseries(rep_results *r, const cJSON *root)
{
    const cJSON *ts = rj_arr(root, "timeseries");
    size_t n = 0;
    const cJSON *pt;
    cJSON_ArrayForEach(pt, ts) {
        if (cJSON_IsObject(pt))
            n++;
    }
    if (n == 0)
        return 0;
    r->points = calloc(n, sizeof *r->points);
    rep_sub_point *subs = calloc(n * (r->nsubs ? r->nsubs : 1), sizeof *subs);
    if (!r->points || !subs) {
        free(subs);
        return -1;
    }
    static const char *const max_keys[] = {"max_ms", NULL};
    cJSON_ArrayForEach(pt, ts) {
        if (!cJSON_IsObject(pt))
            continue;
        rep_point *p = &r->points[r->npoints];
        p->t = rj_num(pt, "t");
        if (isnan(p->t))
            p->t = (double)r->npoints;
        p->target_rate = rj_num(pt, "target_rate");
        p->offered = rj_num(pt, "offered");
        p->sent = rj_num(pt, "sent");
        p->completed = rj_num(pt, "completed");
        p->ok = rj_num(pt, "ok");
        p->shed = rj_num(pt, "shed");
        p->errors = rj_num(pt, "errors");
        p->dropped = rj_num(pt, "dropped");
        p->p50 = rj_num(pt, "p50_ms");
        p->p90 = rj_num(pt, "p90_ms");
        p->p99 = rj_num(pt, "p99_ms");
        p->max = rj_num_any(pt, max_keys);
        p->status = rj_obj(pt, "status");
        p->net_errors = rj_obj(pt, "net_errors");
        p->subs = subs + r->npoints * r->nsubs;
        const cJSON *per = rj_obj(pt, "subsystems");
        for (size_t s = 0; s < r->nsubs; s++) {
            const cJSON *o = rj_obj(per, r->subs[s].name);
            p->subs[s].offered = rj_num(o, "offered");
            p->subs[s].ok = rj_num(o, "ok");
            p->subs[s].shed = rj_num(o, "shed");
            p->subs[s].errors = rj_num(o, "errors");
            p->subs[s].p99 = rj_num(o, "p99_ms");
        }
        r->npoints++;
    }
    if (r->npoints == 0)
        free(subs);
    return 0;
}

static int read_thresholds(rep_results *r, const cJSON *root)
{
    const cJSON *arr = rj_arr(root, "thresholds");
    int n = cJSON_GetArraySize(arr);
    if (n <= 0)
        return 0;
    r->thresholds = calloc((size_t)n, sizeof *r->thresholds);
    if (!r->thresholds)
        return -1;
    const cJSON *t;
    cJSON_ArrayForEach(t, arr) {
        if (!cJSON_IsObject(t))
            continue;
        rep_threshold *th = &r->thresholds[r->nthresholds++];
        th->expr = rj_str(t, "expr");
        th->tag = rj_str(t, "tag");
        th->value = rj_num(t, "value");
        th->pass = rj_bool(t, "pass", -1);
    }
    return 0;
}

static void read_generator(rep_results *r, const cJSON *root)
{
    const cJSON *g = rj_obj(root, "generator");
    rep_generator *gen = &r->generator;
    gen->present = g != NULL;
    gen->limited = rj_bool(g, "generator_limited", 0);
    gen->reason = rj_str(g, "reason");
    gen->cpu_s = rj_num(g, "cpu_s");
    gen->busiest_thread_cpu = rj_num(g, "busiest_thread_cpu");
    gen->threads = rj_num(g, "threads");
    gen->connections_requested = rj_num(g, "connections_requested");
    gen->connections_opened = rj_num(g, "connections_opened");
    gen->loop_lag_p99_ms = rj_num(g, "loop_lag_p99_ms");
    gen->send_batch_ms = rj_num(g, "send_batch_ms");
    gen->connection_wait_warning = rj_bool(g, "connection_wait_warning", 0);
}

static int read_baseline(rep_results *r, const cJSON *root)
{
    const cJSON *b = rj_obj(root, "baseline");
    rep_baseline *base = &r->baseline;
    if (!b)
        return 0;
    base->present = 1;
    base->file = rj_str(b, "baseline");
    base->verdict = rj_str(b, "verdict");
    const cJSON *rows = rj_arr(b, "rows");
    int n = cJSON_GetArraySize(rows);
    if (n <= 0)
        return 0;
    base->rows = calloc((size_t)n, sizeof *base->rows);
    if (!base->rows)
        return -1;
    const cJSON *row;
    cJSON_ArrayForEach(row, rows) {
        if (!cJSON_IsObject(row))
            continue;
        rep_cmp_row *c = &base->rows[base->nrows++];
        c->scope = rj_str(row, "scope");
        c->metric = rj_str(row, "metric");
        c->verdict = rj_str(row, "verdict");
        c->change_kind = rj_str(row, "change_kind");
        c->baseline = rj_num(row, "baseline");
        c->current = rj_num(row, "current");
        c->change = rj_num(row, "change");
        c->allowance = rj_num(row, "allowance");
        c->p_value = rj_num(row, "p_value");
    }
    return 0;
}

/* Authorization and Cookie are always secret; settings.secret_headers adds more. */
static int read_secret_headers(rep_results *r)
{
    const cJSON *list = rj_arr(r->settings, "secret_headers");
    size_t n = 2 + (size_t)(list ? cJSON_GetArraySize(list) : 0);
    r->secret_headers = calloc(n, sizeof *r->secret_headers);
    if (!r->secret_headers)
        return -1;
    r->secret_headers[r->nsecret++] = "Authorization";
    r->secret_headers[r->nsecret++] = "Cookie";
    const cJSON *it;
    cJSON_ArrayForEach(it, list) {
        if (cJSON_IsString(it) && it->valuestring[0])
            r->secret_headers[r->nsecret++] = it->valuestring;
    }
    return 0;
}

int report_read_results(report_inputs *in, const cJSON *root, const char *path)
{
    rep_results *r = calloc(1, sizeof *r);
    if (!r)
        return -1;
    in->results = r;
    r->path = path;
    r->crest_version = rj_str(root, "crest_version");
    r->started_at = rj_str(root, "started_at");
    r->command = rj_str(root, "command");
    r->scenario = rj_str(root, "scenario");
    r->target = rj_str(root, "target");
    r->aborted = rj_str(root, "aborted");
    r->interrupted = rj_bool(root, "interrupted", 0);
    r->partial = rj_bool(root, "partial", 0);
    r->settings = rj_obj(root, "settings");
    read_block(rj_obj(root, "summary"), NULL, &r->total);
    read_generator(r, root);
    if (read_secret_headers(r) != 0 || read_subsystem_names(r, root) != 0 ||
        read_timeseries(r, root) != 0 || read_thresholds(r, root) != 0 ||
        read_baseline(r, root) != 0)
        return -1;
    return 0;
}

/* shadow_diff.c: answer comparison and shadow.json (see shadow_diff.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen/threshold.h"
#include "replay/shadow_diff.h"

int shadow_diff_init(shadow_diff *d, const shadow_view *v, size_t nendpoints, size_t max_samples)
{
    memset(d, 0, sizeof *d);
    pthread_mutex_init(&d->mu, NULL);
    d->view = *v;
    d->nendpoints = nendpoints;
    d->max_samples = max_samples;
    d->per = calloc(nendpoints ? nendpoints : 1, sizeof *d->per);
    d->sampled = calloc(nendpoints ? nendpoints : 1, sizeof *d->sampled);
    d->samples = calloc(max_samples ? max_samples : 1, sizeof *d->samples);
    return d->per && d->sampled && d->samples ? 0 : -1;
}

void shadow_diff_free(shadow_diff *d)
{
    for (size_t i = 0; i < d->nsamples; i++) {
        free(d->samples[i].body[0]);
        free(d->samples[i].body[1]);
    }
    free(d->samples);
    free(d->per);
    free(d->sampled);
    pthread_mutex_destroy(&d->mu);
}

double shadow_mismatch_rate(const shadow_counts *c)
{
    return c->compared ? (double)c->mismatched / (double)c->compared : 0;
}

/* ---- JSON views ------------------------------------------------------- */

/* The item at dotted PATH in ROOT, or NULL; with PARENT, its parent. */
static cJSON *at_path(cJSON *root, const char *path, cJSON **parent, char *last, size_t lastlen)
{
    cJSON *cur = root, *par = NULL;
    const char *p = path;
    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        char key[256];
        if (n >= sizeof key)
            return NULL;
        memcpy(key, p, n);
        key[n] = '\0';
        par = cur;
        cur = cJSON_IsObject(cur) ? cJSON_GetObjectItemCaseSensitive(cur, key) : NULL;
        if (last)
            snprintf(last, lastlen, "%s", key);
        p = dot ? dot + 1 : p + n;
    }
    if (parent)
        *parent = par;
    return cur;
}

/* Removes every member named KEY anywhere under NODE. */
static void drop_everywhere(cJSON *node, const char *key)
{
    if (cJSON_IsObject(node))
        cJSON_DeleteItemFromObjectCaseSensitive(node, key);
    for (cJSON *c = node ? node->child : NULL; c; c = c->next)
        drop_everywhere(c, key);
}

static void drop_ignored(const shadow_view *v, cJSON *doc)
{
    for (size_t i = 0; i < v->nignore; i++) {
        if (!strchr(v->ignore[i], '.')) {
            drop_everywhere(doc, v->ignore[i]);
            continue;
        }
        cJSON *parent = NULL;
        char last[256];
        if (at_path(doc, v->ignore[i], &parent, last, sizeof last) && cJSON_IsObject(parent))
            cJSON_DeleteItemFromObjectCaseSensitive(parent, last);
    }
}

/* -1 when a body is not JSON (the caller compares bytes). */
static int json_views_match(const shadow_view *v, const transport_result *a,
                            const transport_result *b, char *why, size_t whylen)
{
    cJSON *x = cJSON_ParseWithLength(a->body ? a->body : "", a->body_len);
    cJSON *y = cJSON_ParseWithLength(b->body ? b->body : "", b->body_len);
    int rc = -1;
    if (!x || !y)
        goto out;
    drop_ignored(v, x);
    drop_ignored(v, y);
    rc = 1;
    if (v->nfields) {
        for (size_t i = 0; i < v->nfields && rc; i++) {
            cJSON *fx = at_path(x, v->fields[i], NULL, NULL, 0);
            cJSON *fy = at_path(y, v->fields[i], NULL, NULL, 0);
            if ((fx || fy) && (!fx || !fy || !cJSON_Compare(fx, fy, 1))) {
                snprintf(why, whylen, "field '%s' differs", v->fields[i]);
                rc = 0;
            }
        }
    } else if (!cJSON_Compare(x, y, 1)) {
        rc = 0;
        snprintf(why, whylen, "JSON body differs");
        for (cJSON *c = x->child; c && cJSON_IsObject(x); c = c->next) {
            cJSON *o = c->string ? cJSON_GetObjectItemCaseSensitive(y, c->string) : NULL;
            if (!o || !cJSON_Compare(c, o, 1)) {
                snprintf(why, whylen, "field '%s' differs", c->string);
                break;
            }
        }
        for (cJSON *c = y->child; c && cJSON_IsObject(y) && !strcmp(why, "JSON body differs");
             c = c->next)
            if (c->string && !cJSON_GetObjectItemCaseSensitive(x, c->string))
                snprintf(why, whylen, "field '%s' only in the candidate", c->string);
    }
out:
    cJSON_Delete(x);
    cJSON_Delete(y);
    return rc;
}

int shadow_answers_match(const shadow_view *v, const transport_result *a,
                         const transport_result *b, char *why, size_t whylen)
{
    if (a->net_error >= 0 || b->net_error >= 0) {
        if (a->net_error == b->net_error)
            return 1;
        snprintf(why, whylen, "%s vs %s",
                 a->net_error >= 0 ? net_error_names[a->net_error] : "an answer",
                 b->net_error >= 0 ? net_error_names[b->net_error] : "an answer");
        return 0;
    }
    if (a->status != b->status) {
        snprintf(why, whylen, "status %ld vs %ld", a->status, b->status);
        return 0;
    }
    if (v->status_only)
        return 1;
    if (v->nfields || v->nignore) {
        int rc = json_views_match(v, a, b, why, whylen);
        if (rc >= 0)
            return rc;
    }
    if (a->body_len != b->body_len ||
        (a->body_len && memcmp(a->body, b->body, a->body_len) != 0)) {
        snprintf(why, whylen, "body differs (%zu vs %zu bytes)", a->body_len, b->body_len);
        return 0;
    }
    return 1;
}

static char *cut_body(const transport_result *r)
{
    size_t n = r->body_len < SHADOW_SAMPLE_BODY ? r->body_len : SHADOW_SAMPLE_BODY;
    char *s = malloc(n + 1);
    if (s) {
        if (n)
            memcpy(s, r->body, n);
        s[n] = '\0';
    }
    return s;
}

void shadow_diff_compare(void *ctx, uint32_t endpoint, const transport_result *primary,
                         const transport_result *candidate)
{
    shadow_diff *d = ctx;
    char why[160] = "";
    int match = shadow_answers_match(&d->view, primary, candidate, why, sizeof why);
    pthread_mutex_lock(&d->mu);
    shadow_counts *c[2] = {&d->total, endpoint < d->nendpoints ? &d->per[endpoint] : NULL};
    for (int i = 0; i < 2 && c[i]; i++) {
        c[i]->compared++;
        if (match) {
            c[i]->matched++;
            continue;
        }
        c[i]->mismatched++;
        if (primary->net_error >= 0 || candidate->net_error >= 0)
            c[i]->error_differs++;
        else if (primary->status != candidate->status)
            c[i]->status_differs++;
        else
            c[i]->body_differs++;
    }
    if (!match && endpoint < d->nendpoints && d->nsamples < d->max_samples &&
        d->sampled[endpoint] < SHADOW_SAMPLES_PER_ENDPOINT) {
        shadow_sample *s = &d->samples[d->nsamples];
        s->endpoint = endpoint;
        snprintf(s->why, sizeof s->why, "%s", why);
        const transport_result *side[2] = {primary, candidate};
        for (int k = 0; k < 2; k++) {
            s->status[k] = side[k]->status;
            s->body_len[k] = side[k]->body_len;
            s->body[k] = cut_body(side[k]);
        }
        if (s->body[0] && s->body[1]) {
            d->nsamples++;
            d->sampled[endpoint]++;
        } else {
            free(s->body[0]);
            free(s->body[1]);
        }
    }
    pthread_mutex_unlock(&d->mu);
}

/* ---- verdicts and JSON ------------------------------------------------ */

int shadow_slo_pass(const loadplan *p, const run_result *r, char *why, size_t whylen)
{
    char err[128];
    for (size_t i = 0; i < p->nsubsystems; i++) {
        const loadplan_subsystem *s = &p->subsystems[i];
        if (i < r->ntags && r->tags[i].c.scheduled == 0)
            continue;
        char expr[2][192];
        int n = 0;
        if (s->slo_p99_ms > 0)
            snprintf(expr[n++], sizeof expr[0], "%s:p99<%gms", s->name, s->slo_p99_ms);
        if (s->slo_error_rate >= 0)
            snprintf(expr[n++], sizeof expr[0], "%s:errors<=%g", s->name, s->slo_error_rate);
        for (int k = 0; k < n; k++) {
            threshold t;
            double v = 0;
            if (threshold_parse(expr[k], &t, err, sizeof err) == 0 &&
                threshold_eval_slo(&t, r, &v) == 0) {
                snprintf(why, whylen, "SLO %s missed (%g)", expr[k], v);
                return 0;
            }
        }
    }
    for (size_t i = 0; i < p->thresholds.count; i++) {
        double v = 0;
        if (threshold_eval(&p->thresholds.items[i], r, &v) != 1) {
            snprintf(why, whylen, "threshold %s failed (%g)", p->thresholds.items[i].expr, v);
            return 0;
        }
    }
    return 1;
}

static void add_counts(cJSON *o, const shadow_counts *c)
{
    cJSON_AddNumberToObject(o, "compared", (double)c->compared);
    cJSON_AddNumberToObject(o, "matched", (double)c->matched);
    cJSON_AddNumberToObject(o, "mismatched", (double)c->mismatched);
    cJSON_AddNumberToObject(o, "status_differs", (double)c->status_differs);
    cJSON_AddNumberToObject(o, "body_differs", (double)c->body_differs);
    cJSON_AddNumberToObject(o, "error_differs", (double)c->error_differs);
    cJSON_AddNumberToObject(o, "mismatch_rate", shadow_mismatch_rate(c));
}

static cJSON *side_json(const loadplan *p, const char *url, const run_result *r)
{
    cJSON *o = cJSON_CreateObject();
    char why[256] = "";
    cJSON_AddStringToObject(o, "url", url);
    cJSON_AddNumberToObject(o, "ok", (double)r->total.c.ok);
    cJSON_AddNumberToObject(o, "errors", (double)r->total.c.errors);
    cJSON_AddNumberToObject(o, "shed", (double)r->total.c.shed);
    cJSON_AddNumberToObject(o, "p50_ms", (double)hist_percentile(r->total.h.latency, 50) / 1000);
    cJSON_AddNumberToObject(o, "p99_ms", (double)hist_percentile(r->total.h.latency, 99) / 1000);
    int pass = shadow_slo_pass(p, r, why, sizeof why);
    cJSON_AddBoolToObject(o, "slo_pass", pass);
    if (!pass)
        cJSON_AddStringToObject(o, "slo_failure", why);
    cJSON *subs = cJSON_AddObjectToObject(o, "subsystems");
    for (size_t t = 0; t < r->ntags; t++) {
        if (!r->tags[t].c.scheduled)
            continue;
        cJSON *s = cJSON_AddObjectToObject(subs, r->tags[t].name);
        cJSON_AddNumberToObject(s, "p99_ms", (double)hist_percentile(r->tags[t].h.latency, 99) / 1000);
        cJSON_AddNumberToObject(s, "error_rate", counters_error_rate(&r->tags[t].c));
    }
    return o;
}

cJSON *shadow_diff_to_json(const shadow_diff *d, const loadplan *p, const char *primary_url,
                           const char *candidate_url, const run_result *primary,
                           const run_result *candidate, double max_mismatch)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "schema", "crest.shadow/1");
    cJSON *view = cJSON_AddObjectToObject(o, "view");
    cJSON_AddStringToObject(view, "compare", d->view.status_only ? "status"
                                             : d->view.nfields ? "fields"
                                             : d->view.nignore ? "json" : "body");
    cJSON *f = cJSON_AddArrayToObject(view, "fields"), *ig = cJSON_AddArrayToObject(view, "ignore");
    for (size_t i = 0; i < d->view.nfields; i++)
        cJSON_AddItemToArray(f, cJSON_CreateString(d->view.fields[i]));
    for (size_t i = 0; i < d->view.nignore; i++)
        cJSON_AddItemToArray(ig, cJSON_CreateString(d->view.ignore[i]));
    cJSON_AddNumberToObject(o, "max_mismatch", max_mismatch);
    add_counts(cJSON_AddObjectToObject(o, "total"), &d->total);
    cJSON *eps = cJSON_AddArrayToObject(o, "endpoints");
    for (size_t i = 0; i < d->nendpoints; i++) {
        if (!d->per[i].compared)
            continue;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "endpoint", p->endpoints[i].name);
        cJSON_AddStringToObject(e, "subsystem", p->subsystems[p->endpoints[i].subsystem].name);
        add_counts(e, &d->per[i]);
        cJSON_AddItemToArray(eps, e);
    }
    cJSON *sm = cJSON_AddArrayToObject(o, "samples");
    for (size_t i = 0; i < d->nsamples; i++) {
        const shadow_sample *s = &d->samples[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "endpoint", p->endpoints[s->endpoint].name);
        cJSON_AddStringToObject(e, "why", s->why);
        const char *side[2] = {"primary", "candidate"};
        for (int k = 0; k < 2; k++) {
            cJSON *x = cJSON_AddObjectToObject(e, side[k]);
            cJSON_AddNumberToObject(x, "status", (double)s->status[k]);
            cJSON_AddStringToObject(x, "body", s->body[k]);
            cJSON_AddNumberToObject(x, "body_bytes", (double)s->body_len[k]);
        }
        cJSON_AddItemToArray(sm, e);
    }
    cJSON_AddItemToObject(o, "primary", side_json(p, primary_url, primary));
    cJSON_AddItemToObject(o, "candidate", side_json(p, candidate_url, candidate));
    return o;
}

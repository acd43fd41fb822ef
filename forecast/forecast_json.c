/* forecast_json.c: forecast.json both ways (docs/forecast-format.md), and
 * the spreadsheet CSV. Numbers that are not finite (an AICc that is
 * undefined, a MAPE with no backtest) are written as null, never as a
 * made-up value. The reader is lenient about keys it does not use, strict
 * about the ones it does. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/jsonio.h"
#include "common/safefile.h"
#include "common/version.h"
#include "forecast/forecast_file.h"
#include "forecast/forecast_json.h"

/* ---- writing ---- */

static cJSON *time_value(const fc_history *h, double t, const char *key, double v)
{
    char buf[40];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "t", fc_time_format(h->kind, t, buf, sizeof buf));
    jsonio_add_number_or_null(o, key, v);
    return o;
}

static cJSON *point_json(const fc_history *h, const fc_point *p)
{
    cJSON *o = time_value(h, p->t, "mean", p->mean);
    jsonio_add_number_or_null(o, "lo80", p->lo80);
    jsonio_add_number_or_null(o, "hi80", p->hi80);
    jsonio_add_number_or_null(o, "lo95", p->lo95);
    jsonio_add_number_or_null(o, "hi95", p->hi95);
    if (isfinite(p->actual))
        jsonio_add_number_or_null(o, "actual", p->actual);
    return o;
}

static cJSON *model_json(const fc_history *h, const fc_series *s, const fc_model_result *m)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", fc_model_name(m->model));
    if (!m->fitted) {
        cJSON_AddStringToObject(o, "skipped", m->why);
        return o;
    }
    cJSON *params = cJSON_AddObjectToObject(o, "params");
    for (int i = 0; i < m->fit.nparam; i++)
        jsonio_add_number_or_null(params, m->fit.param[i].name, m->fit.param[i].value);
    jsonio_add_number_or_null(o, "mape", m->bt.mape);
    jsonio_add_number_or_null(o, "mase", m->bt.mase);
    jsonio_add_number_or_null(o, "bias_pct", m->bt.bias_pct);
    jsonio_add_number_or_null(o, "aicc", m->aicc);
    jsonio_add_number_or_null(o, "mase_common", m->common_mase);
    cJSON *bt = cJSON_AddObjectToObject(o, "backtest");
    cJSON_AddNumberToObject(bt, "origins", (double)m->bt.norigins);
    cJSON_AddNumberToObject(bt, "failed_origins", (double)m->bt.nfailed);
    cJSON_AddNumberToObject(bt, "forecasts", (double)m->bt.nerr);
    cJSON_AddNumberToObject(bt, "max_step", (double)m->bt.H);
    char buf[40];
    if (m->bt.nerr) {
        const fc_bt_error *w = &m->bt.err[m->bt.worst];
        cJSON *wj = cJSON_AddObjectToObject(bt, "worst");
        cJSON_AddStringToObject(wj, "from", fc_time_format(h->kind, s->t[w->origin - 1], buf, sizeof buf));
        cJSON_AddStringToObject(wj, "t", fc_time_format(h->kind, s->t[w->target], buf, sizeof buf));
        jsonio_add_number_or_null(wj, "forecast", w->forecast);
        jsonio_add_number_or_null(wj, "actual", w->actual);
        jsonio_add_number_or_null(wj, "error_pct", w->actual != 0 ? (w->actual - w->forecast) / fabs(w->actual) * 100 : NAN);
    }
    /* The individual forecasts show where a curve missed; skip them when
     * there are too many to read (daily series). */
    if (m->bt.nerr && m->bt.nerr <= 120) {
        cJSON *arr = cJSON_AddArrayToObject(bt, "points");
        for (size_t i = 0; i < m->bt.nerr; i++) {
            const fc_bt_error *e = &m->bt.err[i];
            cJSON *p = cJSON_CreateObject();
            cJSON_AddStringToObject(p, "from", fc_time_format(h->kind, s->t[e->origin - 1], buf, sizeof buf));
            cJSON_AddStringToObject(p, "t", fc_time_format(h->kind, s->t[e->target], buf, sizeof buf));
            cJSON_AddNumberToObject(p, "step", (double)e->step);
            jsonio_add_number_or_null(p, "forecast", e->forecast);
            jsonio_add_number_or_null(p, "actual", e->actual);
            cJSON_AddItemToArray(arr, p);
        }
    }
    if (m->fit.note[0])
        cJSON_AddStringToObject(o, "note", m->fit.note);
    cJSON_AddNullToObject(o, "skipped");
    return o;
}

static cJSON *series_json(const fc_history *h, const fc_series *s, const fc_result *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", s->id);
    cJSON_AddStringToObject(o, "metric", s->metric);
    cJSON *notes = cJSON_AddArrayToObject(o, "notes");
    if (s->nmissing) {
        char note[160];
        snprintf(note, sizeof note, "%zu empty cells skipped (first on line %ld)", s->nmissing,
                 s->first_missing_line);
        cJSON_AddItemToArray(notes, cJSON_CreateString(note));
    }
    cJSON *hist = cJSON_AddArrayToObject(o, "history");
    for (size_t i = 0; i < s->n; i++)
        cJSON_AddItemToArray(hist, time_value(h, s->t[i], "value", s->y[i]));
    cJSON *models = cJSON_AddArrayToObject(o, "models");
    for (size_t i = 0; i < r->nmodels; i++)
        cJSON_AddItemToArray(models, model_json(h, s, &r->models[i]));
    if (r->selected < 0) {
        cJSON_AddNullToObject(o, "selected");
        cJSON_AddStringToObject(o, "selection_reason", r->reason);
        cJSON_AddNullToObject(o, "interval_method");
        cJSON_AddArrayToObject(o, "fitted");
        cJSON_AddArrayToObject(o, "forecast");
        cJSON_AddNullToObject(o, "peak");
        return o;
    }
    const fc_model_result *sel = &r->models[r->selected];
    cJSON_AddStringToObject(o, "selected", fc_model_name(sel->model));
    cJSON_AddStringToObject(o, "selection_reason", r->reason);
    cJSON_AddStringToObject(o, "interval_method", r->iv.method);
    cJSON *fitted = cJSON_AddArrayToObject(o, "fitted");
    for (size_t i = 0; i < s->n; i++)
        cJSON_AddItemToArray(fitted, time_value(h, s->t[i], "value", sel->fit.fitted[i]));
    cJSON *fc = cJSON_AddArrayToObject(o, "forecast");
    for (size_t i = 0; i < r->npoints; i++)
        cJSON_AddItemToArray(fc, point_json(h, &r->points[i]));
    cJSON_AddItemToObject(o, "peak", point_json(h, &r->points[r->peak]));
    return o;
}

int fc_json_write(const char *path, const fc_history *h, const fc_result *r,
                  const fc_json_meta *meta)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return -1;
    cJSON_AddStringToObject(root, "schema", FORECAST_SCHEMA);
    cJSON_AddStringToObject(root, "crest_version", CREST_VERSION);
    cJSON_AddStringToObject(root, "input", h->path);
    cJSON_AddStringToObject(root, "time", h->time_col);
    cJSON_AddStringToObject(root, "time_kind", fc_time_kind_name(h->kind));
    cJSON_AddStringToObject(root, "unit", h->unit);
    cJSON_AddNumberToObject(root, "unit_seconds", h->unit_seconds);
    cJSON_AddStringToObject(root, "family", meta->family);
    cJSON_AddStringToObject(root, "model", meta->model_arg);
    cJSON_AddNumberToObject(root, "horizon", (double)meta->horizon);
    jsonio_add_string_or_null(root, "at", meta->at);
    if (meta->cap > 0)
        cJSON_AddNumberToObject(root, "cap", meta->cap);
    cJSON *ev = cJSON_AddArrayToObject(root, "events");
    for (size_t i = 0; i < meta->nevents; i++)
        cJSON_AddItemToArray(ev, cJSON_CreateString(meta->event_names[i]));
    cJSON *arr = cJSON_AddArrayToObject(root, "series");
    for (size_t i = 0; i < h->nseries; i++)
        cJSON_AddItemToArray(arr, series_json(h, &h->series[i], &r[i]));
    int rc = jsonio_write_file(path, root);
    cJSON_Delete(root);
    return rc;
}

static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

int fc_csv_write(const char *path, const fc_history *h, const fc_result *r)
{
    safefile sf;
    if (safefile_open(&sf, path) != 0)
        return -1;
    FILE *f = sf.f;
    fprintf(f, "series,t,mean,lo80,hi80,lo95,hi95\n");
    char buf[40];
    for (size_t i = 0; i < h->nseries; i++) {
        for (size_t j = 0; j < r[i].npoints; j++) {
            const fc_point *p = &r[i].points[j];
            csv_field(f, h->series[i].id);
            fprintf(f, ",%s,%.10g,%.10g,%.10g,%.10g,%.10g\n",
                    fc_time_format(h->kind, p->t, buf, sizeof buf), p->mean, p->lo80, p->hi80,
                    p->lo95, p->hi95);
        }
    }
    return safefile_commit(&sf);
}

/* ---- reading ---- */

static int get_time(const char *file, const char *path, const cJSON *o, char *out, size_t len)
{
    const char *t;
    if (jsonio_get_string(file, path, o, "t", 1, &t) != 0)
        return -1;
    snprintf(out, len, "%s", t);
    return 0;
}

/* A number that may be null (written for undefined values): NAN then. */
static int get_number_or_null(const char *file, const char *path, const cJSON *o,
                              const char *key, int required, double *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NAN;
    if (item && cJSON_IsNull(item))
        return 0;
    int rc = jsonio_get_number(file, path, o, key, required, out);
    return rc < 0 ? -1 : 0;
}

static int read_point(const char *file, const char *path, const cJSON *o, forecast_point *p)
{
    if (!cJSON_IsObject(o)) {
        crest_error_at(file, 0, "'%s' must be an object", path);
        return -1;
    }
    if (get_time(file, path, o, p->t, sizeof p->t) != 0 ||
        jsonio_get_number(file, path, o, "mean", 1, &p->mean) != 0)
        return -1;
    return get_number_or_null(file, path, o, "lo80", 0, &p->lo80) ||
           get_number_or_null(file, path, o, "hi80", 0, &p->hi80) ||
           get_number_or_null(file, path, o, "lo95", 0, &p->lo95) ||
           get_number_or_null(file, path, o, "hi95", 0, &p->hi95)
               ? -1
               : 0;
}

static const cJSON *get_array(const char *file, const char *path, const cJSON *o, const char *key)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsArray(a)) {
        crest_error_at(file, 0, "'%s.%s' must be an array", path, key);
        return NULL;
    }
    return a;
}

static int read_values(const char *file, const char *path, const cJSON *o, const char *key,
                       forecast_value **out, size_t *n)
{
    const cJSON *a = get_array(file, path, o, key);
    if (!a)
        return -1;
    size_t cnt = (size_t)cJSON_GetArraySize(a);
    *out = calloc(cnt + 1, sizeof **out);
    if (!*out)
        return -1;
    const cJSON *it;
    char p[160];
    cJSON_ArrayForEach(it, a) {
        snprintf(p, sizeof p, "%s.%s[%zu]", path, key, *n);
        forecast_value *v = &(*out)[*n];
        if (!cJSON_IsObject(it) || get_time(file, p, it, v->t, sizeof v->t) != 0 ||
            jsonio_get_number(file, p, it, "value", 1, &v->value) != 0) {
            if (!cJSON_IsObject(it))
                crest_error_at(file, 0, "'%s' must be an object", p);
            return -1;
        }
        (*n)++;
    }
    return 0;
}

static char *dup_string(const char *file, const char *path, const cJSON *o, const char *key,
                        int nullable, int *failed)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, key);
    if (nullable && item && cJSON_IsNull(item))
        return NULL;
    const char *s;
    if (jsonio_get_string(file, path, o, key, 1, &s) != 0) {
        *failed = 1;
        return NULL;
    }
    char *d = strdup(s);
    if (!d)
        *failed = 1;
    return d;
}

static int read_series(const char *file, const cJSON *o, size_t idx, forecast_file_series *s)
{
    char path[64];
    snprintf(path, sizeof path, "series[%zu]", idx);
    if (!cJSON_IsObject(o)) {
        crest_error_at(file, 0, "'%s' must be an object", path);
        return -1;
    }
    int failed = 0;
    s->id = dup_string(file, path, o, "id", 0, &failed);
    if (!failed)
        s->metric = dup_string(file, path, o, "metric", 0, &failed);
    if (!failed)
        s->selected = dup_string(file, path, o, "selected", 1, &failed);
    if (!failed)
        s->selection_reason = dup_string(file, path, o, "selection_reason", 0, &failed);
    if (failed)
        return -1;
    if (read_values(file, path, o, "history", &s->history, &s->nhistory) != 0 ||
        read_values(file, path, o, "fitted", &s->fitted, &s->nfitted) != 0)
        return -1;
    const cJSON *fc = get_array(file, path, o, "forecast");
    if (!fc)
        return -1;
    s->forecast = calloc((size_t)cJSON_GetArraySize(fc) + 1, sizeof *s->forecast);
    if (!s->forecast)
        return -1;
    const cJSON *it;
    char p[160];
    cJSON_ArrayForEach(it, fc) {
        snprintf(p, sizeof p, "%s.forecast[%zu]", path, s->nforecast);
        if (read_point(file, p, it, &s->forecast[s->nforecast]) != 0)
            return -1;
        s->nforecast++;
    }
    const cJSON *models = get_array(file, path, o, "models");
    if (!models)
        return -1;
    s->models = calloc((size_t)cJSON_GetArraySize(models) + 1, sizeof *s->models);
    if (!s->models)
        return -1;
    cJSON_ArrayForEach(it, models) {
        forecast_model_summary *m = &s->models[s->nmodels];
        snprintf(p, sizeof p, "%s.models[%zu]", path, s->nmodels);
        const char *name;
        if (!cJSON_IsObject(it) || jsonio_get_string(file, p, it, "name", 1, &name) != 0) {
            if (!cJSON_IsObject(it))
                crest_error_at(file, 0, "'%s' must be an object", p);
            return -1;
        }
        snprintf(m->name, sizeof m->name, "%s", name);
        const cJSON *sk = cJSON_GetObjectItemCaseSensitive(it, "skipped");
        if (cJSON_IsString(sk)) {
            m->skipped = 1;
            snprintf(m->why, sizeof m->why, "%s", sk->valuestring);
        }
        if (get_number_or_null(file, p, it, "mape", 0, &m->mape) ||
            get_number_or_null(file, p, it, "mase", 0, &m->mase) ||
            get_number_or_null(file, p, it, "aicc", 0, &m->aicc))
            return -1;
        s->nmodels++;
    }
    const cJSON *peak = cJSON_GetObjectItemCaseSensitive(o, "peak");
    if (peak && !cJSON_IsNull(peak)) {
        snprintf(p, sizeof p, "%s.peak", path);
        if (read_point(file, p, peak, &s->peak) != 0)
            return -1;
        s->has_peak = 1;
    }
    return 0;
}

int forecast_file_read(const char *path, forecast_file *out)
{
    memset(out, 0, sizeof *out);
    cJSON *root = jsonio_read_file(path);
    if (!root)
        return -1;
    int rc = -1, failed = 0;
    const char *schema;
    if (!cJSON_IsObject(root)) {
        crest_error_at(path, 0, "expected a JSON object at the top");
        goto out;
    }
    if (jsonio_get_string(path, "", root, "schema", 1, &schema) != 0)
        goto out;
    if (strcmp(schema, FORECAST_SCHEMA) != 0) {
        crest_error_at(path, 0, "'schema' is '%s'; expected '%s' (written by crest forecast)", schema, FORECAST_SCHEMA);
        goto out;
    }
    out->input = dup_string(path, "", root, "input", 0, &failed);
    if (!failed)
        out->time_kind = dup_string(path, "", root, "time_kind", 0, &failed);
    if (!failed)
        out->unit = dup_string(path, "", root, "unit", 0, &failed);
    if (failed || jsonio_get_number(path, "", root, "unit_seconds", 1, &out->unit_seconds) != 0)
        goto out;
    const cJSON *series = get_array(path, "", root, "series");
    if (!series)
        goto out;
    out->series = calloc((size_t)cJSON_GetArraySize(series) + 1, sizeof *out->series);
    if (!out->series)
        goto out;
    const cJSON *it;
    cJSON_ArrayForEach(it, series) {
        if (read_series(path, it, out->nseries, &out->series[out->nseries]) != 0) {
            out->nseries++; /* so that free releases what was read */
            goto out;
        }
        out->nseries++;
    }
    rc = 0;
out:
    cJSON_Delete(root);
    return rc;
}

void forecast_file_free(forecast_file *f)
{
    for (size_t i = 0; i < f->nseries; i++) {
        forecast_file_series *s = &f->series[i];
        free(s->id);
        free(s->metric);
        free(s->selected);
        free(s->selection_reason);
        free(s->history);
        free(s->fitted);
        free(s->forecast);
        free(s->models);
    }
    free(f->series);
    free(f->input);
    free(f->time_kind);
    free(f->unit);
    memset(f, 0, sizeof *f);
}

const forecast_file_series *forecast_file_find(const forecast_file *f, const char *id)
{
    for (size_t i = 0; i < f->nseries; i++)
        if (strcmp(f->series[i].id, id) == 0)
            return &f->series[i];
    return NULL;
}

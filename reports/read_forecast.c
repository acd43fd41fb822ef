/* read_forecast.c: forecast.json (docs/forecast-format.md) into
 * rep_forecast: per series the history, the in-sample fit, the forecast with
 * its 80/95% bands and the peak.
 *
 * The "t" values are plotted, so they get a numeric position: years stay
 * numbers, dates and datetimes become Unix seconds (a time axis), and
 * anything else falls back to the point's position with its label kept. The
 * choice is made once for the whole file so every chart's axis agrees. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reports/report_json.h"
#include "reports/report_data.h"

/* "2026-11-11", "2026-11-11T20:00", "2026-11-11 20:00:00Z" -> Unix seconds. */
static int parse_time(const char *s, double *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int used = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &used) != 3 || used != 10)
        return -1;
    const char *rest = s + used;
    if (*rest == 'T' || *rest == ' ') {
        int more = 0;
        if (sscanf(rest + 1, "%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &more) != 2)
            return -1;
        rest += 1 + more;
        if (*rest == ':') {
            if (sscanf(rest + 1, "%2d%n", &tm.tm_sec, &more) != 1)
                return -1;
            rest += 1 + more;
        }
        if (*rest == 'Z')
            rest++;
    }
    if (*rest != '\0' || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = (double)timegm(&tm);
    return 0;
}

static int parse_number(const char *s, double *out)
{
    char *end;
    double d = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(d))
        return -1;
    *out = d;
    return 0;
}

/* The "t" of P as text: a string as is, a number printed into SCRATCH
 * (which must outlive the use; numbers are rare and kept in the tree). */
static const char *t_label(const cJSON *p)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(p, "t");
    if (cJSON_IsString(t))
        return t->valuestring;
    if (cJSON_IsNumber(t)) {
        /* Store the printed form in the tree itself so it lives as long. */
        char buf[64];
        snprintf(buf, sizeof buf, "%.15g", t->valuedouble);
        cJSON *label = cJSON_CreateString(buf);
        if (!label)
            return NULL;
        cJSON_AddItemToObject((cJSON *)p, "_t_label", label);
        return label->valuestring;
    }
    return NULL;
}

static int read_points(const cJSON *arr, rep_tv **out, size_t *n, int bands)
{
    int count = cJSON_GetArraySize(arr);
    if (count <= 0)
        return 0;
    rep_tv *v = calloc((size_t)count, sizeof *v);
    if (!v)
        return -1;
    static const char *const value_keys[] = {"value", "mean", NULL};
    const cJSON *p;
    cJSON_ArrayForEach(p, arr) {
        if (!cJSON_IsObject(p))
            continue;
        rep_tv *tv = &v[*n];
        tv->label = t_label(p);
        tv->v = rj_num_any(p, value_keys);
        tv->lo80 = tv->hi80 = tv->lo95 = tv->hi95 = NAN;
        if (bands) {
            tv->lo80 = rj_num(p, "lo80");
            tv->hi80 = rj_num(p, "hi80");
            tv->lo95 = rj_num(p, "lo95");
            tv->hi95 = rj_num(p, "hi95");
        }
        if (!tv->label || isnan(tv->v))
            continue;
        (*n)++;
    }
    *out = v;
    return 0;
}

/* Decides how "t" is plotted, for every point of every series. */
static enum rep_x_kind decide_x_kind(const rep_forecast *f)
{
    int all_number = 1, all_time = 1;
    for (size_t i = 0; i < f->nseries; i++) {
        const rep_series *s = &f->series[i];
        const rep_tv *lists[] = {s->history, s->fitted, s->forecast};
        size_t sizes[] = {s->nhistory, s->nfitted, s->nforecast};
        for (int l = 0; l < 3; l++) {
            for (size_t k = 0; k < sizes[l]; k++) {
                double d;
                if (parse_number(lists[l][k].label, &d) != 0)
                    all_number = 0;
                if (parse_time(lists[l][k].label, &d) != 0)
                    all_time = 0;
            }
        }
    }
    return all_number ? REP_X_NUMBER : all_time ? REP_X_TIME : REP_X_INDEX;
}

/* Positions for labels that are neither numbers nor dates: history first,
 * a fitted point at its history label's position, forecast points after. */
static void index_positions(rep_series *s)
{
    for (size_t k = 0; k < s->nhistory; k++)
        s->history[k].x = (double)k;
    for (size_t k = 0; k < s->nfitted; k++) {
        s->fitted[k].x = (double)k;
        for (size_t h = 0; h < s->nhistory; h++)
            if (strcmp(s->history[h].label, s->fitted[k].label) == 0)
                s->fitted[k].x = (double)h;
    }
    size_t base = s->nhistory > s->nfitted ? s->nhistory : s->nfitted;
    for (size_t k = 0; k < s->nforecast; k++)
        s->forecast[k].x = (double)(base + k);
}

static void assign_x(rep_forecast *f)
{
    f->x_kind = decide_x_kind(f);
    for (size_t i = 0; i < f->nseries; i++) {
        rep_series *s = &f->series[i];
        if (f->x_kind == REP_X_INDEX) {
            index_positions(s);
            continue;
        }
        rep_tv *lists[] = {s->history, s->fitted, s->forecast};
        size_t sizes[] = {s->nhistory, s->nfitted, s->nforecast};
        for (int l = 0; l < 3; l++)
            for (size_t k = 0; k < sizes[l]; k++) {
                if (f->x_kind == REP_X_NUMBER)
                    parse_number(lists[l][k].label, &lists[l][k].x);
                else
                    parse_time(lists[l][k].label, &lists[l][k].x);
            }
    }
}

int report_read_forecast(report_inputs *in, const cJSON *root, const char *path)
{
    rep_forecast *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    in->forecast = f;
    f->path = path;
    f->input = rj_str(root, "input");
    f->time = rj_str(root, "time");
    f->time_kind = rj_str(root, "time_kind");
    f->unit = rj_str(root, "unit");
    const cJSON *arr = rj_arr(root, "series");
    int n = cJSON_GetArraySize(arr);
    if (n > 0) {
        f->series = calloc((size_t)n, sizeof *f->series);
        if (!f->series)
            return -1;
    }
    const cJSON *s;
    cJSON_ArrayForEach(s, arr) {
        if (!cJSON_IsObject(s))
            continue;
        rep_series *se = &f->series[f->nseries++];
        se->id = rj_str(s, "id");
        se->metric = rj_str(s, "metric");
        if (!se->id)
            se->id = se->metric ? se->metric : "series";
        se->selected = rj_str(s, "selected");
        se->selection_reason = rj_str(s, "selection_reason");
        const cJSON *peak = rj_obj(s, "peak");
        se->peak_t = rj_str(peak, "t");
        se->peak_mean = rj_num(peak, "mean");
        se->peak_hi95 = rj_num(peak, "hi95");
        if (read_points(rj_arr(s, "history"), &se->history, &se->nhistory, 0) != 0 ||
            read_points(rj_arr(s, "fitted"), &se->fitted, &se->nfitted, 0) != 0 ||
            read_points(rj_arr(s, "forecast"), &se->forecast, &se->nforecast, 1) != 0)
            return -1;
    }
    assign_x(f);
    return 0;
}

/* replay_result.c: rate tracking and replay.json (see replay_result.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "replay/replay_result.h"

int replay_tracking_compute(const replay_stats *st, double speed, const run_result *r,
                            replay_tracking *out)
{
    memset(out, 0, sizeof *out);
    size_t n = (size_t)ceil((double)st->nseconds / speed) + 1;
    out->planned = calloc(n, sizeof *out->planned);
    if (!out->planned)
        return -1;
    out->nplanned = n;
    for (size_t i = 0; i < st->nseconds; i++) {
        double a = (double)i / speed, b = (double)(i + 1) / speed, c = st->arrivals_per_s[i];
        for (size_t j = (size_t)floor(a); j < n && (double)j < b; j++) {
            double lo = fmax(a, (double)j), hi = fmin(b, (double)(j + 1));
            if (hi > lo)
                out->planned[j] += c * (hi - lo) / (b - a);
        }
    }
    while (out->nplanned && out->planned[out->nplanned - 1] == 0)
        out->nplanned--;
    if (!r)
        return 0;
    /* The last second of the log is usually partial in the run (it ends
     * with the last arrival): compare the whole ones. */
    size_t m = r->nseconds < out->nplanned ? r->nseconds : out->nplanned;
    if (m > 1)
        m--;
    double sum_err = 0, sum_plan = 0, sum_off = 0;
    for (size_t j = 0; j < m; j++) {
        double off = (double)r->seconds[j].offered, d = fabs(off - out->planned[j]);
        sum_err += d;
        sum_plan += out->planned[j];
        sum_off += off;
        if (d > out->max_abs_error)
            out->max_abs_error = d;
    }
    out->compared = m;
    out->mean_abs_error = sum_plan > 0 ? sum_err / sum_plan : 0;
    out->total_error = sum_plan > 0 ? (sum_off - sum_plan) / sum_plan : 0;
    return 0;
}

void replay_tracking_free(replay_tracking *t)
{
    free(t->planned);
    t->planned = NULL;
}

static void iso_utc(double ts, int offset_s, char *buf, size_t len)
{
    time_t t = (time_t)floor(ts + offset_s);
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    int oh = abs(offset_s) / 3600, om = abs(offset_s) % 3600 / 60;
    snprintf(buf + n, len - n, "%c%02d:%02d", offset_s < 0 ? '-' : '+', oh, om);
}

static cJSON *u32_array(const uint32_t *v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
    return a;
}

cJSON *replay_result_to_json(const replay_meta *m, const replay_stats *st,
                             const replay_tracking *t, const run_result *r)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    char when[40];
    cJSON_AddStringToObject(o, "schema", "crest.replay/1");
    cJSON_AddStringToObject(o, "log", m->log);
    cJSON_AddStringToObject(o, "format", m->format ? m->format : "");
    cJSON_AddNumberToObject(o, "speed", m->speed);
    cJSON_AddNumberToObject(o, "scale", m->scale);
    iso_utc(st->origin, st->utc_offset_s, when, sizeof when);
    cJSON_AddStringToObject(o, "origin", when);
    cJSON_AddNumberToObject(o, "origin_epoch", st->origin);
    if (m->from)
        cJSON_AddStringToObject(o, "from", m->from);
    if (m->to)
        cJSON_AddStringToObject(o, "to", m->to);
    cJSON_AddNumberToObject(o, "recorded_span_s", st->last_s);
    cJSON_AddBoolToObject(o, "subsecond_timestamps", st->subsecond);
    cJSON_AddNumberToObject(o, "lines", (double)st->lines);
    cJSON_AddNumberToObject(o, "recorded", (double)st->recorded);
    cJSON_AddNumberToObject(o, "arrivals", (double)st->arrivals);
    cJSON_AddNumberToObject(o, "extras", (double)st->extras);
    cJSON_AddNumberToObject(o, "thinned", (double)st->thinned);
    cJSON_AddNumberToObject(o, "late", (double)st->late);
    cJSON *sk = cJSON_AddObjectToObject(o, "skipped");
    if (sk) {
        cJSON_AddNumberToObject(sk, "bad_line", (double)st->skipped_bad);
        cJSON_AddNumberToObject(sk, "no_body", (double)st->skipped_body);
        cJSON_AddNumberToObject(sk, "method", (double)st->skipped_method);
        cJSON_AddNumberToObject(sk, "outside_window", (double)st->skipped_window);
        cJSON_AddNumberToObject(sk, "url_too_long", (double)st->skipped_long);
        if (st->first_bad_line) {
            cJSON_AddNumberToObject(sk, "first_bad_line", (double)st->first_bad_line);
            cJSON_AddStringToObject(sk, "first_bad_why", st->first_bad);
        }
    }
    cJSON_AddItemToObject(o, "recorded_per_s", u32_array(st->recorded_per_s, st->nseconds));
    cJSON_AddItemToObject(o, "arrivals_per_s", u32_array(st->arrivals_per_s, st->nseconds));
    if (t) {
        cJSON *tr = cJSON_AddObjectToObject(o, "tracking");
        cJSON *pl = cJSON_CreateArray(), *of = cJSON_CreateArray();
        for (size_t j = 0; pl && j < t->nplanned; j++)
            cJSON_AddItemToArray(pl, cJSON_CreateNumber(round(t->planned[j] * 1000) / 1000));
        for (size_t j = 0; r && of && j < r->nseconds; j++)
            cJSON_AddItemToArray(of, cJSON_CreateNumber((double)r->seconds[j].offered));
        if (tr) {
            cJSON_AddItemToObject(tr, "planned_per_s", pl);
            cJSON_AddItemToObject(tr, "offered_per_s", of);
            cJSON_AddNumberToObject(tr, "seconds_compared", (double)t->compared);
            cJSON_AddNumberToObject(tr, "mean_abs_error", t->mean_abs_error);
            cJSON_AddNumberToObject(tr, "max_abs_error", t->max_abs_error);
            cJSON_AddNumberToObject(tr, "total_error", t->total_error);
        } else {
            cJSON_Delete(pl);
            cJSON_Delete(of);
        }
    }
    if (r)
        cJSON_AddNumberToObject(o, "run_duration_s", r->duration_s);
    return o;
}

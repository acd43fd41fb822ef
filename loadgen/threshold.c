/* threshold.c: parsing and evaluating k6-style gate expressions (see
 * threshold.h). Latency metrics read the latency histogram (intended send
 * to completion), so a gate can never pass on coordinated-omission numbers.
 * Used after a run for gates and once per second for abort rules. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/units.h"
#include "loadgen/stats.h"
#include "loadgen/threshold.h"

static const struct {
    const char *name;
    enum threshold_metric metric;
} metric_names[] = {
    {"p50", METRIC_P50},   {"p90", METRIC_P90},       {"p95", METRIC_P95},
    {"p99", METRIC_P99},   {"p999", METRIC_P999},     {"p99.9", METRIC_P999},
    {"max", METRIC_MAX},   {"mean", METRIC_MEAN},     {"errors", METRIC_ERRORS},
    {"shed", METRIC_SHED}, {"rate", METRIC_RATE},     {"dropped", METRIC_DROPPED},
};

static const char *skip_space(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return s;
}

static int is_latency(enum threshold_metric m)
{
    return m <= METRIC_MEAN;
}

/* The left side, [TAG:]METRIC, of OUT->expr up to OP. 0 or -1 (ERR set). */
static int parse_left(threshold *out, const char *op, char *err, size_t errlen)
{
    char left[128];
    size_t llen = (size_t)(op - out->expr);
    memcpy(left, out->expr, llen);
    left[llen] = '\0';
    while (llen && isspace((unsigned char)left[llen - 1]))
        left[--llen] = '\0';
    const char *metric = left;
    char *colon = strchr(left, ':');
    if (colon) {
        *colon = '\0';
        if (colon == left || (size_t)(colon - left) >= sizeof out->tag) {
            snprintf(err, errlen, "threshold '%s': expected a subsystem name before ':'",
                     out->expr);
            return -1;
        }
        for (const char *c = left; *c; c++)
            if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' && *c != '.') {
                snprintf(err, errlen, "threshold '%s': subsystem name '%s' may only contain "
                         "letters, digits, '_', '-' and '.'", out->expr, left);
                return -1;
            }
        strcpy(out->tag, left);
        metric = skip_space(colon + 1);
    }
    for (size_t i = 0; i < sizeof metric_names / sizeof metric_names[0]; i++)
        if (strcmp(metric, metric_names[i].name) == 0) {
            out->metric = metric_names[i].metric;
            return 0;
        }
    snprintf(err, errlen, "threshold '%s': unknown metric '%s'; expected one of p50 p90 p95 "
             "p99 p999 max mean errors shed rate dropped", out->expr, metric);
    return -1;
}

/* The value V in the metric's unit: a duration for latency (bare numbers
 * are milliseconds), a fraction for errors and shed, a number (rate may
 * end in "/s") otherwise. 0 or -1 (ERR set). */
static int parse_value(threshold *out, const char *v, char *err, size_t errlen)
{
    if (is_latency(out->metric)) {
        double sec;
        if (units_parse_duration(v, 0.001, &sec) != 0) {
            snprintf(err, errlen, "threshold '%s': expected a duration such as 250ms or 1.5s, "
                     "found '%s'", out->expr, v);
            return -1;
        }
        out->value = sec * 1000.0;
        return 0;
    }
    if (out->metric == METRIC_ERRORS || out->metric == METRIC_SHED) {
        if (units_parse_fraction(v, &out->value) != 0 || out->value < 0 || out->value > 1) {
            snprintf(err, errlen, "threshold '%s': expected a fraction such as 0.1%% or 0.001, "
                     "found '%s'", out->expr, v);
            return -1;
        }
        return 0;
    }
    char num[64];
    if (strlen(v) >= sizeof num) {
        snprintf(err, errlen, "threshold '%s': expected a number of at most %zu characters",
                 out->expr, sizeof num - 1);
        return -1;
    }
    snprintf(num, sizeof num, "%s", v);
    size_t n = strlen(num);
    if (out->metric == METRIC_RATE && n > 2 && strcmp(num + n - 2, "/s") == 0)
        num[n - 2] = '\0';
    if (units_parse_double(num, &out->value) != 0 || out->value < 0) {
        snprintf(err, errlen, "threshold '%s': expected a non-negative number, found '%s'",
                 out->expr, v);
        return -1;
    }
    return 0;
}

int threshold_parse(const char *expr, threshold *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *s = skip_space(expr);
    size_t elen = strlen(s);
    while (elen && isspace((unsigned char)s[elen - 1]))
        elen--;
    if (elen == 0) {
        snprintf(err, errlen, "empty threshold; expected [TAG:]METRIC OP VALUE, e.g. p99<250ms");
        return -1;
    }
    if (elen >= sizeof out->expr) {
        snprintf(err, errlen, "threshold '%.40s...' is too long (at most %zu characters)", s,
                 sizeof out->expr - 1);
        return -1;
    }
    memcpy(out->expr, s, elen);
    out->expr[elen] = '\0';
    const char *op = strpbrk(out->expr, "<>");
    if (!op) {
        snprintf(err, errlen, "threshold '%s' has no comparison; expected one of < <= > >=",
                 out->expr);
        return -1;
    }
    if (parse_left(out, op, err, errlen) != 0)
        return -1;
    const char *v = op + 1;
    if (op[0] == '<')
        out->op = (*v == '=') ? OP_LE : OP_LT;
    else
        out->op = (*v == '=') ? OP_GE : OP_GT;
    if (*v == '=')
        v++;
    v = skip_space(v);
    if (!*v) {
        snprintf(err, errlen, "threshold '%s': missing value after the comparison", out->expr);
        return -1;
    }
    return parse_value(out, v, err, errlen);
}

int threshold_set_add(threshold_set *set, const char *list, char *err, size_t errlen)
{
    const char *s = list;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        char one[256];
        if (len >= sizeof one) {
            snprintf(err, errlen, "threshold '%.40s...' is too long", s);
            return -1;
        }
        memcpy(one, s, len);
        one[len] = '\0';
        threshold t;
        if (threshold_parse(one, &t, err, errlen) != 0)
            return -1;
        threshold *items = realloc(set->items, (set->count + 1) * sizeof *items);
        if (!items) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        set->items = items;
        set->items[set->count++] = t;
        if (!comma)
            return 0;
        s = comma + 1;
    }
}

void threshold_set_free(threshold_set *set)
{
    free(set->items);
    set->items = NULL;
    set->count = 0;
}

static double percentile_ms(const hist *h, double p)
{
    return (double)hist_percentile(h, p) / 1000.0;
}

static const tag_stats *find_tag(const struct run_result *r, const char *tag)
{
    if (!tag[0])
        return &r->total;
    for (size_t i = 0; i < r->ntags; i++)
        if (strcmp(r->tags[i].name, tag) == 0)
            return &r->tags[i];
    return NULL;
}

int threshold_holds(double v, enum threshold_op op, double limit)
{
    switch (op) {
    case OP_LT: return v < limit;
    case OP_LE: return v <= limit;
    case OP_GT: return v > limit;
    case OP_GE: return v >= limit;
    }
    return 0;
}

int threshold_eval(const threshold *t, const struct run_result *r, double *value)
{
    const tag_stats *ts = find_tag(r, t->tag);
    if (!ts)
        return -1;
    double v = 0;
    switch (t->metric) {
    case METRIC_P50: v = percentile_ms(ts->h.latency, 50); break;
    case METRIC_P90: v = percentile_ms(ts->h.latency, 90); break;
    case METRIC_P95: v = percentile_ms(ts->h.latency, 95); break;
    case METRIC_P99: v = percentile_ms(ts->h.latency, 99); break;
    case METRIC_P999: v = percentile_ms(ts->h.latency, 99.9); break;
    case METRIC_MAX: v = (double)hist_max(ts->h.latency) / 1000.0; break;
    case METRIC_MEAN: v = hist_mean(ts->h.latency) / 1000.0; break;
    case METRIC_ERRORS: v = counters_error_rate(&ts->c); break;
    case METRIC_SHED: v = counters_shed_rate(&ts->c); break;
    case METRIC_RATE: v = r->duration_s > 0 ? (double)ts->c.ok / r->duration_s : 0; break;
    case METRIC_DROPPED: v = (double)ts->c.dropped; break;
    }
    if (value)
        *value = v;
    return threshold_holds(v, t->op, t->value);
}

int threshold_eval_slo(const threshold *t, const struct run_result *r, double *value)
{
    if (t->metric != METRIC_ERRORS)
        return threshold_eval(t, r, value);
    const tag_stats *ts = find_tag(r, t->tag);
    if (!ts)
        return -1;
    const counters *c = &ts->c;
    double finished = (double)(c->ok + c->shed + c->errors);
    double v = finished > 0 ? (double)(c->errors + c->shed) / finished : 0;
    if (value)
        *value = v;
    return threshold_holds(v, t->op, t->value);
}

const char *threshold_format_value(const threshold *t, double v, char *buf, size_t len)
{
    char n[32];
    switch (t->metric) {
    case METRIC_ERRORS:
    case METRIC_SHED: snprintf(buf, len, "%.2f%%", v * 100); break;
    case METRIC_RATE: snprintf(buf, len, "%s/s", units_format_count(v, n, sizeof n)); break;
    case METRIC_DROPPED: snprintf(buf, len, "%s", units_format_count(v, n, sizeof n)); break;
    default: units_format_duration(v / 1000, buf, (int)len); break;
    }
    return buf;
}

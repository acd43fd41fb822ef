/* compare.c: regression-or-noise verdicts between two runs (see compare.h
 * and docs/compare.md).
 *
 * Files are read with the engine's reader (loadgen/results.h: counters,
 * decoded histograms, per-second stats per subsystem); a malformed file is
 * bad input, named by file and JSON path. The statistics are a one-sided
 * Mann-Whitney U test over the per-second values of the two runs: seconds,
 * not requests, are the samples, because requests within a second share
 * their fate (a GC pause slows them all) while seconds are closer to
 * independent. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "common/error.h"
#include "common/hist.h"
#include "common/jsonio.h"
#include "common/units.h"
#include "common/version.h"
#include "loadgen/results.h"
#include "loadgen/stats.h"
#include "reports/compare.h"

enum { M_P50, M_P90, M_P99, M_RATE, M_ERRORS, M_COUNT };
static const char *const metric_names[M_COUNT] = {"p50", "p90", "p99", "rate", "errors"};
static const double latency_percentiles[3] = {50, 90, 99};

/* Per-second values of one metric. */
typedef struct series {
    double *v;
    size_t n;
} series;

/* One scope (total or a subsystem) of one run. */
typedef struct scope_data {
    double value[M_COUNT];     /* NAN when unknown (no request at all) */
    series per_second[M_COUNT];
} scope_data;

const char *compare_verdict_name(compare_verdict v)
{
    static const char *const names[] = {"ok", "improved", "noise", "REGRESSION", "untested",
                                        "info"};
    return (unsigned)v < sizeof names / sizeof names[0] ? names[v] : "?";
}

void compare_allowance_default(compare_allowance *a)
{
    a->p50 = a->p90 = a->p99 = 0.10;
    a->rate = 0.05;
    a->errors = 0.005;
    a->alpha = 0.01;
}

int compare_allowance_parse(const char *spec, compare_allowance *a)
{
    char *copy = strdup(spec ? spec : "");
    if (!copy)
        return -1;
    int rc = 0;
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        double v;
        if (!eq || units_parse_fraction(eq + 1, &v) != 0 || v < 0) {
            crest_error("--max-regression: '%s': expected KEY=VALUE with a value >= 0 such as "
                        "p99=10%% or errors=0.5%%", item);
            rc = -1;
            break;
        }
        *eq = '\0';
        while (*item == ' ')
            item++;
        double *slot = strcmp(item, "p50") == 0      ? &a->p50
                       : strcmp(item, "p90") == 0    ? &a->p90
                       : strcmp(item, "p99") == 0    ? &a->p99
                       : strcmp(item, "rate") == 0   ? &a->rate
                       : strcmp(item, "errors") == 0 ? &a->errors
                       : strcmp(item, "alpha") == 0  ? &a->alpha
                                                     : NULL;
        if (!slot) {
            crest_error("--max-regression: unknown metric '%s'; expected one of: p50, p90, p99, "
                        "rate, errors, alpha", item);
            rc = -1;
            break;
        }
        if (slot == &a->alpha && !(v > 0 && v <= 0.5)) {
            crest_error("--max-regression: alpha must be in (0, 50%%], found '%s'", eq + 1);
            rc = -1;
            break;
        }
        *slot = v;
    }
    free(copy);
    return rc;
}

/* ---- Mann-Whitney U ---------------------------------------------------- */

typedef struct ranked {
    double value;
    int from_cur;
} ranked;

static int by_value(const void *x, const void *y)
{
    double a = ((const ranked *)x)->value, b = ((const ranked *)y)->value;
    return (a > b) - (a < b);
}

int mann_whitney_test(const double *base, size_t nb, const double *cur, size_t nc,
                      mann_whitney *out)
{
    memset(out, 0, sizeof *out);
    if (nb == 0 || nc == 0)
        return -1;
    size_t n = nb + nc;
    ranked *all = malloc(n * sizeof *all);
    if (!all)
        return -1;
    for (size_t i = 0; i < nb; i++)
        all[i] = (ranked){base[i], 0};
    for (size_t i = 0; i < nc; i++)
        all[nb + i] = (ranked){cur[i], 1};
    qsort(all, n, sizeof *all, by_value);
    /* Mid-ranks for ties; the tie term sum(t^3 - t) corrects the variance. */
    double rank_sum_cur = 0, ties = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && all[j + 1].value == all[i].value)
            j++;
        double mid_rank = (double)(i + j) / 2 + 1;
        for (size_t k = i; k <= j; k++)
            if (all[k].from_cur)
                rank_sum_cur += mid_rank;
        double t = (double)(j - i + 1);
        ties += t * t * t - t;
        i = j + 1;
    }
    free(all);
    double dn = (double)n, dnb = (double)nb, dnc = (double)nc;
    out->n_base = nb;
    out->n_cur = nc;
    out->u = rank_sum_cur - dnc * (dnc + 1) / 2;
    double mean = dnb * dnc / 2;
    double var = dnb * dnc / 12 * ((dn + 1) - ties / (dn * (dn - 1)));
    if (!(var > 0)) {
        out->z = 0;
        out->p_greater = out->p_less = 1;
        return 0;
    }
    double sd = sqrt(var);
    out->z = (out->u - mean) / sd;
    out->p_greater = gsl_cdf_ugaussian_Q((out->u - mean - 0.5) / sd);
    out->p_less = gsl_cdf_ugaussian_P((out->u - mean + 0.5) / sd);
    if (out->p_greater > 1)
        out->p_greater = 1;
    if (out->p_less > 1)
        out->p_less = 1;
    return 0;
}

/* ---- from a run_result ------------------------------------------------- */

static void scope_free(scope_data *s)
{
    for (int m = 0; m < M_COUNT; m++)
        free(s->per_second[m].v);
}

/* Fills S from one tag (or the total) of a run: point values from the
 * counters and the full latency histogram, samples from its NSEC seconds.
 * Latency samples come only from seconds in which something completed. */
static int scope_from(const tag_stats *t, const second_stats *secs, size_t nsec,
                      double duration_s, scope_data *s)
{
    memset(s, 0, sizeof *s);
    for (int m = 0; m < M_COUNT; m++) {
        s->value[m] = NAN;
        s->per_second[m].v = malloc((nsec ? nsec : 1) * sizeof(double));
        if (!s->per_second[m].v) {
            crest_error("out of memory");
            scope_free(s);
            return -1;
        }
    }
    if (t->h.latency && hist_count(t->h.latency) > 0)
        for (int i = 0; i < 3; i++)
            s->value[M_P50 + i] =
                (double)hist_percentile(t->h.latency, latency_percentiles[i]) / 1000.0;
    if (duration_s > 0)
        s->value[M_RATE] = (double)t->c.ok / duration_s;
    if (t->c.ok + t->c.shed + t->c.errors > 0)
        s->value[M_ERRORS] = counters_error_rate(&t->c);
    for (size_t i = 0; secs && i < nsec; i++) {
        const second_stats *x = &secs[i];
        if (x->completed > 0) {
            s->per_second[M_P50].v[s->per_second[M_P50].n++] = x->p50_ms;
            s->per_second[M_P90].v[s->per_second[M_P90].n++] = x->p90_ms;
            s->per_second[M_P99].v[s->per_second[M_P99].n++] = x->p99_ms;
        }
        s->per_second[M_RATE].v[s->per_second[M_RATE].n++] = (double)x->ok;
        uint64_t answered = x->ok + x->shed + x->errors;
        if (answered > 0)
            s->per_second[M_ERRORS].v[s->per_second[M_ERRORS].n++] =
                (double)x->errors / (double)answered;
    }
    return 0;
}

/* ---- judging ------------------------------------------------------------ */

static double allowance_of(const compare_allowance *a, int m)
{
    switch (m) {
    case M_P50: return a->p50;
    case M_P90: return a->p90;
    case M_P99: return a->p99;
    case M_RATE: return a->rate;
    default: return a->errors;
    }
}

static void judge(compare_row *row, int m, const scope_data *b, const scope_data *c,
                  const compare_allowance *a)
{
    int higher_is_worse = m != M_RATE;
    row->metric = metric_names[m];
    row->baseline = b->value[m];
    row->current = c->value[m];
    row->allowance = allowance_of(a, m);
    row->p_value = NAN;
    row->n_base = b->per_second[m].n;
    row->n_cur = c->per_second[m].n;
    if (!isfinite(row->baseline) || !isfinite(row->current)) {
        row->change = NAN;
        row->verdict = CMP_INFO;
        return;
    }
    if (m == M_ERRORS)
        row->change = row->current - row->baseline;
    else if (row->baseline > 0)
        row->change = (row->current - row->baseline) / row->baseline;
    else
        row->change = row->current == 0 ? 0 : INFINITY;
    int worse = higher_is_worse ? row->change > row->allowance : row->change < -row->allowance;
    int better = higher_is_worse ? row->change < -row->allowance : row->change > row->allowance;

    mann_whitney mw;
    row->tested = row->n_base >= COMPARE_MIN_SECONDS && row->n_cur >= COMPARE_MIN_SECONDS &&
                  mann_whitney_test(b->per_second[m].v, row->n_base, c->per_second[m].v,
                                    row->n_cur, &mw) == 0;
    double p_worse = NAN, p_better = NAN;
    if (row->tested) {
        p_worse = higher_is_worse ? mw.p_greater : mw.p_less;
        p_better = higher_is_worse ? mw.p_less : mw.p_greater;
    }
    row->p_value = better ? p_better : p_worse;
    if (worse) {
        if (row->tested)
            row->verdict = p_worse < a->alpha ? CMP_REGRESSION : CMP_NOISE;
        else if (row->n_base == 0 && row->n_cur == 0)
            row->verdict = CMP_INFO;   /* this metric has no per-second series at all */
        else
            row->verdict = CMP_UNTESTED;
    } else if (better && row->tested && p_better < a->alpha) {
        row->verdict = CMP_IMPROVED;
    } else {
        row->verdict = CMP_OK;
    }
}

static int add_scope_rows(compare_report *r, const char *name, const scope_data *b,
                          const scope_data *c)
{
    compare_row *grown = realloc(r->rows, (r->nrows + M_COUNT) * sizeof *grown);
    if (!grown) {
        crest_error("out of memory");
        return -1;
    }
    r->rows = grown;
    for (int m = 0; m < M_COUNT; m++) {
        compare_row *row = &r->rows[r->nrows++];
        memset(row, 0, sizeof *row);
        snprintf(row->scope, sizeof row->scope, "%s", name);
        judge(row, m, b, c, &r->allowance);
        r->regressions += row->verdict == CMP_REGRESSION;
        r->untested += row->verdict == CMP_UNTESTED;
    }
    return 0;
}

static int compare_scope(compare_report *r, const char *name, const run_result *base, long bt,
                         const run_result *cur, long ct)
{
    scope_data b, c;
    const tag_stats *btag = bt < 0 ? &base->total : &base->tags[bt];
    const tag_stats *ctag = ct < 0 ? &cur->total : &cur->tags[ct];
    const second_stats *bsec = bt < 0 ? base->seconds : base->tag_seconds ? base->tag_seconds[bt] : NULL;
    const second_stats *csec = ct < 0 ? cur->seconds : cur->tag_seconds ? cur->tag_seconds[ct] : NULL;
    if (scope_from(btag, bsec, base->nseconds, base->duration_s, &b) != 0)
        return -1;
    if (scope_from(ctag, csec, cur->nseconds, cur->duration_s, &c) != 0) {
        scope_free(&b);
        return -1;
    }
    int rc = add_scope_rows(r, name, &b, &c);
    scope_free(&b);
    scope_free(&c);
    return rc;
}

static long tag_index(const run_result *r, const char *name)
{
    for (size_t i = 0; i < r->ntags; i++)
        if (strcmp(r->tags[i].name, name) == 0)
            return (long)i;
    return -1;
}

int compare_run_results(const char *base_name, const run_result *base, const char *cur_name,
                        const run_result *cur, const compare_allowance *a, compare_report *out)
{
    memset(out, 0, sizeof *out);
    out->allowance = *a;
    out->baseline = strdup(base_name);
    out->current = strdup(cur_name);
    if (!out->baseline || !out->current) {
        crest_error("out of memory");
        goto fail;
    }
    out->generator_limited[0] = base->generator.limited;
    out->generator_limited[1] = cur->generator.limited;
    out->partial[0] = base->partial;
    out->partial[1] = cur->partial;
    if (compare_scope(out, "total", base, -1, cur, -1) != 0)
        goto fail;
    for (size_t i = 0; i < base->ntags; i++) {
        long j = tag_index(cur, base->tags[i].name);
        if (j < 0) {
            crest_warn("subsystem '%s' is in %s but not in %s; not compared", base->tags[i].name,
                       base_name, cur_name);
            continue;
        }
        if (compare_scope(out, base->tags[i].name, base, (long)i, cur, j) != 0)
            goto fail;
    }
    for (size_t j = 0; j < cur->ntags; j++)
        if (tag_index(base, cur->tags[j].name) < 0)
            crest_warn("subsystem '%s' is in %s but not in %s; not compared", cur->tags[j].name,
                       cur_name, base_name);
    out->exit_code = out->regressions ? CREST_EXIT_GATE : out->untested ? CREST_EXIT_RUN
                                                                        : CREST_EXIT_OK;
    return 0;
fail:
    compare_report_free(out);
    return -1;
}

int compare_results_paths(const char *baseline, const char *current, const compare_allowance *a,
                          compare_report *out)
{
    run_result base, cur;
    memset(out, 0, sizeof *out);
    if (results_read(baseline, &base) != 0)
        return -1;
    int rc = -1;
    if (results_read(current, &cur) == 0) {
        rc = compare_run_results(baseline, &base, current, &cur, a, out);
        run_result_free(&cur);
    }
    run_result_free(&base);
    return rc;
}

void compare_report_free(compare_report *r)
{
    free(r->baseline);
    free(r->current);
    free(r->rows);
    memset(r, 0, sizeof *r);
}

/* ---- output ------------------------------------------------------------- */

static const char *fmt_value(int is_errors, int is_rate, double v, char *buf, size_t len)
{
    if (!isfinite(v))
        snprintf(buf, len, "-");
    else if (is_errors)
        snprintf(buf, len, "%.3f%%", v * 100);
    else if (is_rate)
        snprintf(buf, len, "%.1f/s", v);
    else
        snprintf(buf, len, "%.3gms", v);
    return buf;
}

void compare_report_print(const compare_report *r, FILE *out)
{
    const compare_allowance *a = &r->allowance;
    fprintf(out, "compare: %s (baseline) vs %s (current)\n", r->baseline, r->current);
    fprintf(out, "allowance: p50 +%g%%, p90 +%g%%, p99 +%g%%, rate -%g%%, errors +%g points; "
                 "significance: one-sided Mann-Whitney U over per-second values, p < %g\n",
            a->p50 * 100, a->p90 * 100, a->p99 * 100, a->rate * 100, a->errors * 100, a->alpha);
    fprintf(out, "%-16s %-7s %12s %12s %10s %10s %9s  %s\n", "scope", "metric", "baseline",
            "current", "change", "allowance", "p-value", "verdict");
    for (size_t i = 0; i < r->nrows; i++) {
        const compare_row *row = &r->rows[i];
        int is_err = strcmp(row->metric, "errors") == 0, is_rate = strcmp(row->metric, "rate") == 0;
        char b[32], c[32], ch[32], al[32], p[32];
        fmt_value(is_err, is_rate, row->baseline, b, sizeof b);
        fmt_value(is_err, is_rate, row->current, c, sizeof c);
        if (!isfinite(row->change))
            snprintf(ch, sizeof ch, isnan(row->change) ? "-" : "+inf");
        else if (is_err)
            snprintf(ch, sizeof ch, "%+.3fpt", row->change * 100);
        else
            snprintf(ch, sizeof ch, "%+.1f%%", row->change * 100);
        snprintf(al, sizeof al, is_err ? "+%.3gpt" : is_rate ? "-%.3g%%" : "+%.3g%%",
                 row->allowance * 100);
        if (row->tested)
            snprintf(p, sizeof p, "%.2g", row->p_value);
        else
            snprintf(p, sizeof p, "n/a");
        fprintf(out, "%-16s %-7s %12s %12s %10s %10s %9s  %s%s\n", row->scope, row->metric, b, c,
                ch, al, p, compare_verdict_name(row->verdict),
                row->verdict == CMP_UNTESTED ? " (too few seconds to test)"
                : row->verdict == CMP_INFO && isfinite(row->change) ? " (no per-second series)"
                : row->verdict == CMP_INFO ? " (missing in one run)" : "");
    }
    for (int i = 0; i < 2; i++)
        if (r->generator_limited[i])
            fprintf(out, "warning: the %s run was generator-limited: its latencies include the "
                         "load generator's own delay\n", i ? "current" : "baseline");
    for (int i = 0; i < 2; i++)
        if (r->partial[i])
            fprintf(out, "warning: the %s results are PARTIAL (a checkpoint of a run that did "
                         "not finish): they cover only its first seconds\n",
                    i ? "current" : "baseline");
    if (r->regressions)
        fprintf(out, "verdict: REGRESSION (%d metric%s worse beyond the allowance, "
                     "significantly)\n", r->regressions, r->regressions == 1 ? "" : "s");
    else if (r->untested)
        fprintf(out, "verdict: inconclusive (%d change%s beyond the allowance could not be "
                     "tested: runs need >= %d seconds)\n",
                r->untested, r->untested == 1 ? "" : "s", COMPARE_MIN_SECONDS);
    else
        fprintf(out, "verdict: pass (no significant regression beyond the allowance)\n");
}


cJSON *compare_report_to_json(const compare_report *r)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    cJSON_AddStringToObject(root, "schema", "crest.compare/1");
    cJSON_AddStringToObject(root, "crest_version", CREST_VERSION);
    cJSON_AddStringToObject(root, "baseline", r->baseline ? r->baseline : "");
    cJSON_AddStringToObject(root, "current", r->current ? r->current : "");
    cJSON *al = cJSON_AddObjectToObject(root, "allowance");
    cJSON_AddNumberToObject(al, "p50", r->allowance.p50);
    cJSON_AddNumberToObject(al, "p90", r->allowance.p90);
    cJSON_AddNumberToObject(al, "p99", r->allowance.p99);
    cJSON_AddNumberToObject(al, "rate", r->allowance.rate);
    cJSON_AddNumberToObject(al, "errors", r->allowance.errors);
    cJSON_AddNumberToObject(al, "alpha", r->allowance.alpha);
    cJSON_AddStringToObject(root, "test", "one-sided Mann-Whitney U over per-second values");
    cJSON *rows = cJSON_AddArrayToObject(root, "rows");
    for (size_t i = 0; i < r->nrows; i++) {
        const compare_row *row = &r->rows[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "scope", row->scope);
        cJSON_AddStringToObject(o, "metric", row->metric);
        jsonio_add_number_or_null(o, "baseline", row->baseline);
        jsonio_add_number_or_null(o, "current", row->current);
        jsonio_add_number_or_null(o, "change", row->change);
        cJSON_AddStringToObject(o, "change_kind",
                                strcmp(row->metric, "errors") == 0 ? "absolute" : "relative");
        cJSON_AddNumberToObject(o, "allowance", row->allowance);
        jsonio_add_number_or_null(o, "p_value", row->tested ? row->p_value : NAN);
        cJSON_AddNumberToObject(o, "seconds_baseline", (double)row->n_base);
        cJSON_AddNumberToObject(o, "seconds_current", (double)row->n_cur);
        cJSON_AddStringToObject(o, "verdict", row->verdict == CMP_REGRESSION
                                                  ? "regression"
                                                  : compare_verdict_name(row->verdict));
        cJSON_AddItemToArray(rows, o);
    }
    cJSON *gl = cJSON_AddObjectToObject(root, "generator_limited");
    cJSON_AddBoolToObject(gl, "baseline", r->generator_limited[0]);
    cJSON_AddBoolToObject(gl, "current", r->generator_limited[1]);
    cJSON *pa = cJSON_AddObjectToObject(root, "partial");
    cJSON_AddBoolToObject(pa, "baseline", r->partial[0]);
    cJSON_AddBoolToObject(pa, "current", r->partial[1]);
    cJSON_AddNumberToObject(root, "regressions", r->regressions);
    cJSON_AddNumberToObject(root, "untested", r->untested);
    cJSON_AddStringToObject(root, "verdict", r->regressions ? "regression"
                                             : r->untested  ? "inconclusive"
                                                            : "pass");
    cJSON_AddNumberToObject(root, "exit_code", r->exit_code);
    return root;
}

int compare_results_files(const char *baseline, const char *current, const char *allowance,
                          FILE *out)
{
    compare_allowance a;
    compare_allowance_default(&a);
    if (allowance && compare_allowance_parse(allowance, &a) != 0)
        return CREST_EXIT_USAGE;
    compare_report r;
    if (compare_results_paths(baseline, current, &a, &r) != 0)
        return CREST_EXIT_USAGE;
    if (out)
        compare_report_print(&r, out);
    int code = r.exit_code;
    compare_report_free(&r);
    return code;
}

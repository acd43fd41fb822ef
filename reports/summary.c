/* summary.c: summary.txt, the report's verdicts as plain text (what the
 * terminal showed): the verdict and why, the run, subsystems, thresholds,
 * capacity per subsystem and the plan table. Aligned columns for humans;
 * every input string passes text_plain (no control characters) after
 * secrets are redacted. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "reports/replay_sections.h"
#include "reports/report.h"
#include "reports/report_text.h"
#include "reports/verdict.h"

/* A small text table: cells are copied, widths computed in characters. */
#define TABLE_MAX_COLS 12

typedef struct table {
    size_t ncols, nrows, cap;
    char **cells;                     /* nrows * ncols, row 0 the header */
} table;

static int table_row(table *t, ...)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 8;
        char **bigger = realloc(t->cells, cap * t->ncols * sizeof *bigger);
        if (!bigger)
            return -1;
        t->cells = bigger;
        t->cap = cap;
    }
    va_list ap;
    va_start(ap, t);
    int rc = 0;
    for (size_t c = 0; c < t->ncols; c++) {
        const char *s = va_arg(ap, const char *);
        char *copy = strdup(s ? s : "");
        if (!copy)
            rc = -1;
        for (char *p = copy; p && *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7F)
                *p = ' ';
        t->cells[t->nrows * t->ncols + c] = copy;
    }
    va_end(ap);
    t->nrows++;
    return rc;
}

static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void table_print(FILE *f, table *t)
{
    size_t width[TABLE_MAX_COLS] = {0};
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = t->cells[r * t->ncols + c];
            size_t w = s ? chars(s) : 0;
            if (w > width[c])
                width[c] = w;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        fputs("  ", f);
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = t->cells[r * t->ncols + c];
            s = s ? s : "";
            fputs(s, f);
            if (c + 1 < t->ncols)
                fprintf(f, "%*s", (int)(width[c] - chars(s) + 2), "");
        }
        fputc('\n', f);
    }
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

/* "label: value" with the value cleaned. */
static void field(FILE *f, const report_inputs *in, const char *label, const char *value)
{
    if (!value)
        return;
    char *clean = report_clean(in, value);
    fprintf(f, "  %-11s ", label);
    text_plain(f, clean ? clean : "");
    fputc('\n', f);
    free(clean);
}

/* The run's identity, totals, latency, generator verdict and flags. */
static void run_overview(FILE *f, const report_inputs *in, const rep_results *r)
{
    char a[32], b[32], c[32], d[32], e[32], g[32], h[32];
    fputs("\nRun\n", f);
    field(f, in, "scenario:", r->scenario);
    field(f, in, "target:", r->target);
    field(f, in, "started:", r->started_at);
    field(f, in, "crest:", r->crest_version);
    const rep_block *t = &r->total;
    fprintf(f, "  duration:   %s s\n", fmt_num(a, t->duration_s, 1));
    fprintf(f, "  requests:   scheduled %s, ok %s, shed %s, errors %s (http %s, network %s), "
               "dropped %s\n", fmt_num(a, t->scheduled, 0), fmt_num(b, t->ok, 0),
            fmt_num(c, t->shed, 0), fmt_num(d, t->errors, 0), fmt_num(e, t->http_errors, 0),
            fmt_num(g, t->net_errors, 0), fmt_num(h, t->dropped, 0));
    fprintf(f, "  rate:       offered %s/s, achieved %s/s; errors %s, shed %s\n",
            fmt_num(a, t->offered_rate, 1), fmt_num(b, t->rate, 1), fmt_pct(c, t->error_rate),
            fmt_pct(d, t->shed_rate));
    fprintf(f, "  latency ms: p50 %s  p90 %s  p99 %s  p99.9 %s  max %s\n",
            fmt_num(a, t->latency.p50, 2), fmt_num(b, t->latency.p90, 2),
            fmt_num(c, t->latency.p99, 2), fmt_num(d, t->latency.p999, 2),
            fmt_num(e, t->latency.max, 2));
    if (r->generator.limited) {
        fputs("  generator:  GENERATOR-LIMITED: ", f);
        text_plain(f, r->generator.reason ? r->generator.reason : "could not keep up");
        fputs(" (results describe the generator, not the target", f);
        if (r->generator.send_batch_ms > 0)
            fprintf(f, "; sends batched every %s ms", fmt_num(c, r->generator.send_batch_ms, 3));
        fputs(")\n", f);
    } else if (r->generator.present) {
        fprintf(f, "  generator:  healthy (busiest thread %s CPU, loop lag p99 %s ms",
                fmt_pct(a, r->generator.busiest_thread_cpu),
                fmt_num(b, r->generator.loop_lag_p99_ms, 2));
        if (r->generator.send_batch_ms > 0)   /* NaN (older files) compares false */
            fprintf(f, ", sends batched every %s ms", fmt_num(c, r->generator.send_batch_ms, 3));
        fputs(")\n", f);
    }
    if (r->aborted)
        field(f, in, "ABORTED:", r->aborted);
    if (r->interrupted)
        fputs("  INTERRUPTED: partial data\n", f);
    if (r->partial)
        fputs("  PARTIAL: a checkpoint of a run that did not finish (killed or still running)\n",
              f);
}

/* One row per subsystem: rate, ok, errors, shed, latency. */
static int subsystem_table(FILE *f, const rep_results *r)
{
    char a[32], b[32], c[32], d[32], e[32], g[32], h[32], m[32];
    if (!r->nsubs)
        return 0;
    fputs("\nSubsystems\n", f);
    table tb = {.ncols = 9};
    if (table_row(&tb, "subsystem", "rate/s", "ok", "errors", "shed", "p50 ms", "p90 ms",
                  "p99 ms", "max ms") != 0)
        return -1;
    for (size_t i = 0; i < r->nsubs; i++) {
        const rep_block *s = &r->subs[i];
        if (table_row(&tb, s->name, fmt_num(a, s->rate, 1), fmt_num(b, s->ok, 0),
                      fmt_pct(c, s->error_rate), fmt_pct(d, s->shed_rate),
                      fmt_num(e, s->latency.p50, 2), fmt_num(g, s->latency.p90, 2),
                      fmt_num(h, s->latency.p99, 2), fmt_num(m, s->latency.max, 2)) != 0)
            return -1;
    }
    table_print(f, &tb);
    return 0;
}

/* The gates' verdicts. */
static int threshold_table(FILE *f, const rep_results *r)
{
    char a[32];
    if (!r->nthresholds)
        return 0;
    fputs("\nThresholds\n", f);
    table tb = {.ncols = 4};
    if (table_row(&tb, "result", "threshold", "tag", "value") != 0)
        return -1;
    for (size_t i = 0; i < r->nthresholds; i++) {
        const rep_threshold *th = &r->thresholds[i];
        if (table_row(&tb, th->pass == 1 ? "PASS" : th->pass == 0 ? "FAIL" : "?", th->expr,
                      th->tag ? th->tag : "", fmt_threshold_value(a, th->expr, th->value)) != 0)
            return -1;
    }
    table_print(f, &tb);
    return 0;
}

/* The comparison with --baseline's run, one row per metric and scope. */
static int baseline_table(FILE *f, const rep_results *r)
{
    char a[32], b[32], c[32];
    const rep_baseline *bl = &r->baseline;
    if (!bl->nrows)
        return 0;
    fputs("\nAgainst the baseline", f);
    if (bl->file) {
        fputs(" ", f);
        text_plain(f, bl->file);
    }
    fputc('\n', f);
    table tb = {.ncols = 6};
    if (table_row(&tb, "scope", "metric", "baseline", "current", "change", "verdict") != 0)
        return -1;
    for (size_t i = 0; i < bl->nrows; i++) {
        const rep_cmp_row *c2 = &bl->rows[i];
        /* errors are fractions, their change absolute points: both as percentages */
        int errors = c2->metric && strcmp(c2->metric, "errors") == 0;
        int absolute = c2->change_kind && strcmp(c2->change_kind, "absolute") == 0;
        if (table_row(&tb, c2->scope, c2->metric,
                      errors ? fmt_pct(a, c2->baseline) : fmt_num(a, c2->baseline, 3),
                      errors ? fmt_pct(b, c2->current) : fmt_num(b, c2->current, 3),
                      absolute && !errors ? fmt_num(c, c2->change, 4) : fmt_pct(c, c2->change),
                      c2->verdict ? c2->verdict : "?") != 0)
            return -1;
    }
    table_print(f, &tb);
    return 0;
}

static int run_section(FILE *f, const report_inputs *in, const rep_results *r)
{
    run_overview(f, in, r);
    if (subsystem_table(f, r) != 0 || threshold_table(f, r) != 0 || baseline_table(f, r) != 0)
        return -1;
    return 0;
}

static int capacity_section(FILE *f, const rep_capacity *c)
{
    char a[40], b[32];
    fputs("\nCapacity\n", f);
    if (c->partial)
        fputs("  PARTIAL: a checkpoint of a search that did not finish (killed or still "
              "running)\n", f);
    table tb = {.ncols = 6};
    if (table_row(&tb, "subsystem", "capacity rps", "first failing rps", "limited by", "SLO",
                  "USL") != 0)
        return -1;
    for (size_t i = 0; i < c->nsubs; i++) {
        const rep_capsub *s = &c->subs[i];
        char cap[48];
        snprintf(cap, sizeof cap, "%s%s%s", s->at_least ? ">= " : "", fmt_num(a, s->capacity_rps, 1),
                 s->generator_limited ? " (generator-limited)" : "");
        char usl[96] = "";
        if (s->usl.present)
            snprintf(usl, sizeof usl, "alpha %.4g beta %.4g gamma %.4g%s", s->usl.alpha,
                     s->usl.beta, s->usl.gamma, s->usl.poor_fit ? " (poor fit)" : "");
        if (table_row(&tb, s->name, cap, fmt_num(b, s->upper_bound_rps, 1),
                      s->limited_by ? s->limited_by : "", s->slo_expr ? s->slo_expr : "",
                      usl) != 0)
            return -1;
    }
    table_print(f, &tb);
    for (size_t i = 0; i < c->nsubs; i++)
        if (c->subs[i].resource_at_capacity) {
            fputs("  ", f);
            text_plain(f, c->subs[i].name);
            fputs(" at capacity, nearest its limit: ", f);
            text_plain(f, c->subs[i].resource_at_capacity);
            fputc('\n', f);
        }
    return 0;
}

static int plan_section(FILE *f, const rep_plan *p)
{
    char a[32], b[32], c[32], d[32], e[32], g[32], h[32];
    fputs("\nPlan", f);
    if (p->metric || p->peak_t) {
        fputs(" (", f);
        text_plain(f, p->metric ? p->metric : "");
        fputs(" at the forecast peak ", f);
        text_plain(f, p->peak_t ? p->peak_t : "");
        fprintf(f, ": mean %s, hi95 %s; peak factor %s, safety margin %s)",
                fmt_num(a, p->peak_mean, 0), fmt_num(b, p->peak_hi95, 0),
                fmt_num(c, p->peak_factor, 2), fmt_num(d, p->safety_margin, 2));
    }
    fputc('\n', f);
    table tb = {.ncols = 9};
    if (table_row(&tb, "subsystem", "status", "demand rps", "demand hi95", "capacity rps",
                  "headroom", "headroom hi95", "instances", "needed") != 0)
        return -1;
    for (size_t i = 0; i < p->nsubs; i++) {
        const rep_plansub *s = &p->subs[i];
        char cap[40], status[24];
        snprintf(cap, sizeof cap, "%s%s", s->capacity_at_least ? ">= " : "",
                 fmt_num(c, s->capacity_rps, 1));
        snprintf(status, sizeof status, "%s", s->status);
        for (char *q = status; *q; q++)
            *q = (char)(*q >= 'a' && *q <= 'z' ? *q - 32 : *q);
        if (table_row(&tb, s->name, status, fmt_num(a, s->demand_rps, 1),
                      fmt_num(b, s->demand_hi95_rps, 1), cap, fmt_num(d, s->headroom, 2),
                      fmt_num(e, s->headroom_hi95, 2), fmt_num(g, s->instances_now, 0),
                      fmt_num(h, s->instances_needed, 0)) != 0)
            return -1;
    }
    table_print(f, &tb);
    for (size_t i = 0; i < p->nsubs; i++) {
        if (!p->subs[i].notes || !p->subs[i].notes[0])
            continue;
        fputs("  ", f);
        text_plain(f, p->subs[i].name);
        fputs(": ", f);
        text_plain(f, p->subs[i].notes);
        fputc('\n', f);
    }
    if (p->verdict) {
        fputs("  plan verdict: ", f);
        text_plain(f, p->verdict);
        fputc('\n', f);
    }
    return 0;
}

int report_summary(FILE *f, const report_inputs *in)
{
    rep_verdict v;
    report_verdict(in, &v);
    char *title = report_title(in, NULL);
    text_plain(f, title ? title : "crest report");
    free(title);
    fprintf(f, "\nVerdict: %s\n", v.word);
    for (size_t i = 0; i < v.nreasons; i++) {
        char *clean = report_clean(in, v.reasons[i]);
        fputs("  - ", f);
        text_plain(f, clean ? clean : v.reasons[i]);
        fputc('\n', f);
        free(clean);
    }
    if ((in->results && run_section(f, in, in->results) != 0) ||
        (in->capacity && capacity_section(f, in->capacity) != 0) ||
        (in->plan && plan_section(f, in->plan) != 0))
        return -1;
    if (in->forecast) {
        char a[32], b[32];
        fputs("\nForecast\n", f);
        for (size_t i = 0; i < in->forecast->nseries; i++) {
            const rep_series *s = &in->forecast->series[i];
            fputs("  ", f);
            text_plain(f, s->id);
            fputs(": model ", f);
            text_plain(f, s->selected ? s->selected : "-");
            fputs(", peak ", f);
            text_plain(f, s->peak_t ? s->peak_t : "-");
            fprintf(f, " mean %s (hi95 %s)\n", fmt_num(a, s->peak_mean, 0),
                    fmt_num(b, s->peak_hi95, 0));
        }
    }
    report_replay_section_text(f, in);
    report_shadow_section_text(f, in);
    fprintf(f, "\nOverall verdict: %s\n", v.word);
    return 0;
}

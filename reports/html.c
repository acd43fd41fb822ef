/* html.c: index.html, the one self-contained page a drill attaches to its
 * review.
 *
 * Inline CSS, charts as inline SVG, no script, no external fetch (a
 * Content-Security-Policy meta tag forbids them, so even a bug cannot make
 * the page load anything). Laid out as a review reads, top-down: the
 * verdict banner with its reasons; the plan (which subsystem is short, by
 * how much, how many instances) with headroom bars; the forecast against
 * the capacity; then the evidence: the capacity search and the festival
 * replay, each opening with what was tested and at what scale; then the
 * run's settings and the input files. Every string from an input goes
 * through report_clean (secret header values removed) and text_html. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/version.h"
#include "reports/charts.h"
#include "reports/replay_sections.h"
#include "reports/report.h"
#include "reports/report_json.h"
#include "reports/report_text.h"
#include "reports/verdict.h"

static const char css[] =
    ":root{--ok:#15803d;--ok-bg:#dcfce7;--tight:#b45309;--tight-bg:#fef3c7;--fail:#b91c1c;"
    "--fail-bg:#fee2e2;--inc:#475569;--inc-bg:#e2e8f0;--ink:#111827;--muted:#6b7280;"
    "--line:#e5e7eb}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:14px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',"
    "Arial,sans-serif;color:var(--ink);background:#f3f4f6}\n"
    "main{max-width:1280px;margin:0 auto;padding:24px}\n"
    ".banner{border-radius:12px;padding:22px 26px;color:#fff;display:flex;gap:28px;"
    "align-items:flex-start;box-shadow:0 2px 6px rgba(0,0,0,.12)}\n"
    ".banner.ok{background:linear-gradient(135deg,#15803d,#166534)}\n"
    ".banner.tight{background:linear-gradient(135deg,#d97706,#b45309)}\n"
    ".banner.fail{background:linear-gradient(135deg,#dc2626,#991b1b)}\n"
    ".banner.inconclusive{background:linear-gradient(135deg,#64748b,#334155)}\n"
    ".verdict{font-size:36px;font-weight:800;letter-spacing:.05em;line-height:1.1;"
    "min-width:250px;flex-shrink:0}\n"
    ".verdict small{display:block;font-size:12px;font-weight:600;letter-spacing:.12em;"
    "opacity:.85}\n"
    ".banner h1{margin:0 0 4px;font-size:21px;word-break:break-word}\n"
    ".banner .sub{opacity:.92;word-break:break-all}\n"
    ".banner ul{margin:8px 0 0;padding-left:18px}\n"
    "section{background:#fff;border-radius:12px;padding:20px 24px;margin-top:20px;"
    "box-shadow:0 1px 3px rgba(0,0,0,.08)}\n"
    "h2{margin:0 0 14px;font-size:19px;border-bottom:2px solid var(--line);padding-bottom:8px}\n"
    "h3{font-size:15px;margin:18px 0 8px}\n"
    ".tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(105px,1fr));gap:10px;"
    "margin-bottom:16px}\n"
    ".tile{border:1px solid var(--line);border-radius:8px;padding:10px 12px;background:#fafafa}\n"
    ".tile .k{color:var(--muted);font-size:11.5px;text-transform:uppercase;letter-spacing:.05em}\n"
    ".tile .v{font-size:21px;font-weight:700;font-variant-numeric:tabular-nums}\n"
    ".tile .k .u{text-transform:none;letter-spacing:0}\n"
    "table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;margin:6px 0 14px}\n"
    "th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:right;"
    "vertical-align:top}\n"
    "th:first-child,td:first-child{text-align:left}\n"
    "th{background:#f9fafb;font-size:11.5px;color:#374151;text-transform:uppercase;"
    "letter-spacing:.04em}\n"
    "td{white-space:nowrap}td.t{text-align:left;word-break:break-word;white-space:normal}"
    "th.t{text-align:left}\n"
    ".badge{display:inline-block;padding:1px 9px;border-radius:999px;font-size:11.5px;"
    "font-weight:700;letter-spacing:.04em;text-transform:uppercase;white-space:nowrap}\n"
    ".badge.ok{background:var(--ok-bg);color:var(--ok)}\n"
    ".badge.tight{background:var(--tight-bg);color:var(--tight)}\n"
    ".badge.fail{background:var(--fail-bg);color:var(--fail)}\n"
    ".badge.inconclusive{background:var(--inc-bg);color:var(--inc)}\n"
    "tr.fail td{background:#fef2f2}tr.tight td{background:#fffbeb}"
    "tr.inconclusive td{background:#f8fafc}\n"
    ".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(540px,1fr));gap:16px;"
    "margin:8px 0 16px}\n"
    "figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:12px 12px 8px}\n"
    "figure.wide{grid-column:1/-1}\n"
    "figure h3{margin:0 0 6px}\n"
    "figure svg{width:100%;height:auto;display:block}\n"
    "figcaption{color:var(--muted);font-size:12.5px;margin-top:4px}\n"
    "details{margin:4px 0 10px}summary{cursor:pointer;color:#1d4ed8;font-weight:600}\n"
    ".missing{color:var(--fail);font-size:13px;padding:24px;background:#fef2f2;border-radius:6px}\n"
    ".alert{border-left:6px solid;padding:12px 16px;border-radius:6px;margin:0 0 14px}\n"
    ".alert.fail{border-color:var(--fail);background:#fef2f2}\n"
    ".alert.warn{border-color:#d97706;background:#fffbeb}\n"
    ".alert.info{border-color:#2563eb;background:#eff6ff}\n"
    ".alert strong{display:block;font-size:15px}\n"
    "table.kv th{text-align:left;width:230px;text-transform:none;font-size:13px;"
    "letter-spacing:0}\n"
    "table.kv td{text-align:left;word-break:break-all}\n"
    "code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}\n"
    ".muted{color:var(--muted)}\n"
    ".tested{background:#f8fafc;border-left:4px solid #94a3b8;padding:8px 12px;margin:0 0 14px;"
    "color:#334155}\n"
    ".hbar{position:relative;height:14px;min-width:150px;background:#f1f5f9;border-radius:3px}\n"
    ".hbar span{position:absolute;left:0;top:0;bottom:0;border-radius:3px}\n"
    ".hbar span.ok{background:#16a34a}.hbar span.tight{background:#d97706}"
    ".hbar span.fail{background:#dc2626}.hbar span.inconclusive{background:#94a3b8}\n"
    ".hbar i{position:absolute;top:-2px;bottom:-2px;border-left:2px solid #111827}\n"
    ".hbar i.m{border-left:2px dashed #6b7280}\n"
    "footer{color:var(--muted);font-size:12px;text-align:center;margin:26px 0 8px}\n"
    "@media print{body{background:#fff}section{box-shadow:none;border:1px solid var(--line)}}\n";

/* Escaped, secrets redacted. */
static void h(FILE *f, const report_inputs *in, const char *s)
{
    if (!s)
        return;
    char *clean = report_clean(in, s);
    text_html(f, clean ? clean : "");
    free(clean);
}

static void cell_num(FILE *f, double v, int decimals)
{
    char b[32];
    fprintf(f, "<td>%s</td>", fmt_num(b, v, decimals));
}

static void cell_pct(FILE *f, double v)
{
    char b[32];
    fprintf(f, "<td>%s</td>", fmt_pct(b, v));
}

static void badge(FILE *f, enum rep_level level, const char *word)
{
    fprintf(f, "<span class=\"badge %s\">", report_level_class(level));
    text_html(f, word);
    fputs("</span>", f);
}

static void tile(FILE *f, const char *key, const char *value, const char *unit)
{
    fprintf(f, "<div class=\"tile\"><div class=\"k\">%s%s%s%s</div><div class=\"v\">%s</div>"
               "</div>\n", key, unit ? " <span class=\"u\">" : "", unit ? unit : "",
            unit ? "</span>" : "", value);
}

static void charts_of(FILE *f, const chart_set *cs, enum chart_section section)
{
    if (!cs || cs->gnuplot_missing)
        return;
    int any = 0;
    for (size_t i = 0; i < cs->n; i++) {
        const chart *c = &cs->items[i];
        if (c->section != section)
            continue;
        if (!any)
            fputs("<div class=\"charts\">\n", f);
        any = 1;
        fprintf(f, "<figure class=\"chart%s\"><h3>", c->wide ? " wide" : "");
        text_html(f, c->title);
        fputs("</h3>\n", f);
        if (c->svg) {
            fputs(c->svg, f);
        } else {
            fputs("<div class=\"missing\">This chart could not be drawn: ", f);
            text_html(f, c->error ? c->error : "unknown error");
            fputs("</div>", f);
        }
        if (c->caption) {
            fputs("\n<figcaption>", f);
            text_html(f, c->caption);
            fputs("</figcaption>", f);
        }
        fputs("</figure>\n", f);
    }
    if (any)
        fputs("</div>\n", f);
}

/* A settings value: scalars as text, arrays joined, objects as k: v with
 * secret header names' values redacted. */
static void setting_value(FILE *f, const report_inputs *in, const cJSON *v, int depth)
{
    char b[32];
    if (cJSON_IsString(v)) {
        h(f, in, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        fputs(fmt_num(b, v->valuedouble, 6), f);
    } else if (cJSON_IsBool(v)) {
        fputs(cJSON_IsTrue(v) ? "true" : "false", f);
    } else if (cJSON_IsNull(v)) {
        fputs("<span class=\"muted\">none</span>", f);
    } else if (depth > 4) {
        fputs("&hellip;", f);
    } else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
        const cJSON *it;
        int first = 1;
        const rep_results *r = in->results;
        fputs(cJSON_IsArray(v) ? "[" : "{", f);
        cJSON_ArrayForEach(it, v) {
            if (!first)
                fputs(", ", f);
            first = 0;
            if (it->string) {
                text_html(f, it->string);
                fputs(": ", f);
                if (r && report_is_secret(it->string, r->secret_headers, r->nsecret)) {
                    fputs("[redacted]", f);
                    continue;
                }
            }
            setting_value(f, in, it, depth + 1);
        }
        fputs(cJSON_IsArray(v) ? "]" : "}", f);
    }
}

static void kv_text(FILE *f, const report_inputs *in, const char *key, const char *value)
{
    if (!value)
        return;
    fprintf(f, "<tr><th>%s</th><td>", key);
    h(f, in, value);
    fputs("</td></tr>\n", f);
}

static void kv_num(FILE *f, const char *key, double v, int decimals, const char *unit)
{
    char b[32];
    if (isnan(v))
        return;
    fprintf(f, "<tr><th>%s</th><td>%s%s%s</td></tr>\n", key, fmt_num(b, v, decimals),
            unit ? " " : "", unit ? unit : "");
}

static enum rep_level cmp_level(const char *verdict)
{
    if (!verdict)
        return REP_LEVEL_INCONCLUSIVE;
    if (strcmp(verdict, "regression") == 0)
        return REP_LEVEL_FAIL;
    if (strcmp(verdict, "untested") == 0 || strcmp(verdict, "info") == 0)
        return REP_LEVEL_INCONCLUSIVE;
    if (strcmp(verdict, "noise") == 0)
        return REP_LEVEL_TIGHT;
    return REP_LEVEL_OK;
}

static void baseline_table(FILE *f, const report_inputs *in, const rep_baseline *b)
{
    char a[32];
    if (!b->present || !b->nrows)
        return;
    fputs("<h3>Against the baseline", f);
    if (b->file) {
        fputs(" <code>", f);
        h(f, in, b->file);
        fputs("</code>", f);
    }
    fputs("</h3>\n<table><tr><th class=\"t\">scope</th><th class=\"t\">metric</th>"
          "<th>baseline</th><th>current</th><th>change</th><th>allowed</th><th>p-value</th>"
          "<th class=\"t\">verdict</th></tr>\n", f);
    for (size_t i = 0; i < b->nrows; i++) {
        const rep_cmp_row *c = &b->rows[i];
        int absolute = c->change_kind && strcmp(c->change_kind, "absolute") == 0;
        enum rep_level l = cmp_level(c->verdict);
        fprintf(f, "<tr class=\"%s\"><td class=\"t\">", l == REP_LEVEL_FAIL ? "fail" : "");
        h(f, in, c->scope);
        fputs("</td><td class=\"t\">", f);
        h(f, in, c->metric);
        fputs("</td>", f);
        int errors = c->metric && strcmp(c->metric, "errors") == 0;
        if (errors) {
            /* error rates are fractions and their change absolute points */
            cell_pct(f, c->baseline);
            cell_pct(f, c->current);
            cell_pct(f, c->change);
            cell_pct(f, c->allowance);
        } else if (absolute) {
            cell_num(f, c->baseline, 3);
            cell_num(f, c->current, 3);
            cell_num(f, c->change, 4);
            cell_num(f, c->allowance, 4);
        } else {
            cell_num(f, c->baseline, 3);
            cell_num(f, c->current, 3);
            cell_pct(f, c->change);
            cell_pct(f, c->allowance);
        }
        fprintf(f, "<td>%s</td><td class=\"t\">", fmt_sig(a, c->p_value));
        badge(f, l, c->verdict ? c->verdict : "?");
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void counts_table(FILE *f, const rep_block *t)
{
    const cJSON *objs[] = {t->status, t->net_errors_by_kind};
    const char *heads[] = {"HTTP status", "Network error"};
    int any = 0;
    for (int o = 0; o < 2; o++) {
        const cJSON *it;
        cJSON_ArrayForEach(it, objs[o]) {
            if (!cJSON_IsNumber(it) || it->valuedouble <= 0 || !it->string)
                continue;
            if (!any)
                fputs("<h3>Responses by kind</h3>\n<table><tr><th>kind</th><th class=\"t\">class</th>"
                      "<th>requests</th></tr>\n", f);
            any = 1;
            fputs("<tr><td>", f);
            text_html(f, it->string);
            fprintf(f, "</td><td class=\"t\">%s</td>", heads[o]);
            cell_num(f, it->valuedouble, 0);
            fputs("</tr>\n", f);
        }
    }
    if (any)
        fputs("</table>\n", f);
}

/* The numbers of one row of the subsystems table, and the row's end. */
static void block_cells(FILE *f, const rep_block *b)
{
    cell_num(f, b->scheduled, 0);
    cell_num(f, b->rate, 1);
    cell_num(f, b->ok, 0);
    cell_pct(f, b->error_rate);
    cell_pct(f, b->shed_rate);
    cell_num(f, b->dropped, 0);
    cell_num(f, b->latency.p50, 2);
    cell_num(f, b->latency.p90, 2);
    cell_num(f, b->latency.p99, 2);
    cell_num(f, b->latency.p999, 2);
    cell_num(f, b->latency.max, 2);
    fputs("</tr>\n", f);
}

/* The total demand at the peak (the full-link row, else the sum). */
static double plan_total_demand(const rep_plan *p)
{
    double sum = 0;
    for (size_t i = 0; i < p->nsubs; i++) {
        if (strcmp(p->subs[i].name, "full-link") == 0 && isfinite(p->subs[i].demand_rps))
            return p->subs[i].demand_rps;
        if (isfinite(p->subs[i].demand_rps))
            sum += p->subs[i].demand_rps;
    }
    return sum > 0 ? sum : NAN;
}

/* The replay's scale against the forecast's: a replay peaking at 3.1k
 * req/s while the festival demand is 15.7k tests the shape of the night,
 * not its scale, and the page says so before its all-green tiles. */
static void run_tested(FILE *f, const report_inputs *in, const rep_results *r)
{
    char a[32], b[32], c[32], d[32];
    double peak = 0;
    for (size_t i = 0; i < r->npoints; i++) {
        double v = isfinite(r->points[i].target_rate) && r->points[i].target_rate > 0
                       ? r->points[i].target_rate : r->points[i].offered;
        if (isfinite(v) && v > peak)
            peak = v;
    }
    fputs("<p class=\"tested\"><strong>What was tested.</strong> ", f);
    if (r->scenario) {
        fputs("The scenario <code>", f);
        h(f, in, r->scenario);
        fputs("</code>", f);
    } else {
        fputs("An ad hoc load", f);
    }
    fprintf(f, " replayed for %s s", fmt_num(a, r->total.duration_s, 0));
    if (r->target) {
        fputs(" against <code>", f);
        h(f, in, r->target);
        fputs("</code>", f);
    }
    fprintf(f, ", peaking at %s req/s (%s req/s offered on average).", fmt_num(b, peak, 0),
            fmt_num(c, r->total.offered_rate, 0));
    double demand = in->plan ? plan_total_demand(in->plan) : NAN;
    if (isfinite(demand) && demand > 0 && peak > 0)
        fprintf(f, " The forecast festival peak asks for %s req/s: the replay ran at %s of "
                   "that scale. It shows how the system takes the shape of the night (ramps, "
                   "the midnight surge, the mix) at that scale; whether the festival peak "
                   "itself is covered is the plan's answer above, from the capacity search.",
                fmt_num(d, demand, 0), fmt_pct(a, peak / demand));
    fputs("</p>\n", f);
}

/* results.json's scrape targets: scrapes, failures by kind and the last
 * error, so a target that could not be read shows (docs/observe.md). */
static void scrape_table(FILE *f, const report_inputs *in)
{
    const cJSON *targets = cJSON_GetObjectItemCaseSensitive(in->roots[REP_RESULTS], "targets");
    if (!cJSON_IsArray(targets) || cJSON_GetArraySize(targets) == 0)
        return;
    char b[32];
    fputs("<h3>Scrape targets</h3>\n<table><tr><th class=\"t\">target</th><th class=\"t\">URL"
          "</th><th>scrapes</th><th>failed</th><th class=\"t\">failures by kind</th>"
          "<th class=\"t\">last error</th></tr>\n", f);
    const cJSON *t;
    cJSON_ArrayForEach(t, targets) {
        double failures = rj_num(t, "failures");
        fprintf(f, "<tr class=\"%s\"><td class=\"t\">",
                failures > 0 ? report_level_class(REP_LEVEL_TIGHT) : "");
        h(f, in, rj_str(t, "name"));
        fputs("</td><td class=\"t\"><code>", f);
        h(f, in, rj_str(t, "url"));
        fputs("</code></td>", f);
        cell_num(f, rj_num(t, "scrapes"), 0);
        cell_num(f, failures, 0);
        fputs("<td class=\"t\">", f);
        const cJSON *kind;
        int first = 1;
        cJSON_ArrayForEach(kind, cJSON_GetObjectItemCaseSensitive(t, "failed")) {
            if (!cJSON_IsNumber(kind) || kind->valuedouble <= 0)
                continue;
            fputs(first ? "" : ", ", f);
            h(f, in, kind->string);
            fprintf(f, " %s", fmt_num(b, kind->valuedouble, 0));
            first = 0;
        }
        fputs("</td><td class=\"t\">", f);
        h(f, in, rj_str(t, "last_error"));
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

/* The warnings a reader must see before any number: generator-limited,
 * aborted, interrupted, partial. */
static void run_alerts(FILE *f, const report_inputs *in, const rep_results *r)
{
    if (r->generator.limited) {
        fputs("<div class=\"alert fail\"><strong>GENERATOR-LIMITED: these numbers describe the "
              "load generator, not the target</strong>", f);
        h(f, in, r->generator.reason ? r->generator.reason : "the generator could not keep up");
        fputs(". The run is inconclusive: add generator threads or machines, or lower the "
              "rate.</div>\n", f);
    }
    if (r->aborted) {
        fputs("<div class=\"alert fail\"><strong>Run aborted</strong>", f);
        h(f, in, r->aborted);
        fputs("</div>\n", f);
    }
    if (r->interrupted)
        fputs("<div class=\"alert warn\"><strong>Run interrupted</strong>The run was stopped "
              "before its end: the data are partial.</div>\n", f);
    if (r->partial)
        fputs("<div class=\"alert warn\"><strong>Partial results</strong>A checkpoint written "
              "while the run lasted: the run was killed (or is still running) and these data "
              "cover only its first seconds.</div>\n", f);
}

/* The gates' verdicts. */
static void threshold_table(FILE *f, const report_inputs *in, const rep_results *r)
{
    char b[32];
    if (!r->nthresholds)
        return;
    fputs("<h3>Thresholds</h3>\n<table><tr><th>threshold</th><th class=\"t\">tag</th><th>value</th>"
          "<th class=\"t\">result</th></tr>\n", f);
    for (size_t i = 0; i < r->nthresholds; i++) {
        const rep_threshold *th = &r->thresholds[i];
        enum rep_level l = th->pass == 1 ? REP_LEVEL_OK
                         : th->pass == 0 ? REP_LEVEL_FAIL : REP_LEVEL_INCONCLUSIVE;
        fprintf(f, "<tr class=\"%s\"><td class=\"t\"><code>", report_level_class(l));
        h(f, in, th->expr);
        fputs("</code></td><td class=\"t\">", f);
        h(f, in, th->tag);
        fputs("</td>", f);
        fprintf(f, "<td>%s</td>", fmt_threshold_value(b, th->expr, th->value));
        fputs("<td class=\"t\">", f);
        badge(f, l, th->pass == 1 ? "pass" : th->pass == 0 ? "fail" : "no verdict");
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

/* One row per subsystem, then the run's total. */
static void subsystem_table(FILE *f, const rep_results *r)
{
    if (!r->nsubs)
        return;
    fputs("<h3>Subsystems</h3>\n<table><tr><th>subsystem</th><th>scheduled</th>"
          "<th>rate/s</th><th>ok</th><th>errors</th><th>shed</th><th>dropped</th>"
          "<th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th>"
          "</tr>\n", f);
    for (size_t i = 0; i < r->nsubs; i++) {
        const rep_block *s = &r->subs[i];
        fputs("<tr><td class=\"t\">", f);
        text_html(f, s->name);
        fputs("</td>", f);
        block_cells(f, s);
    }
    fputs("<tr><td class=\"t\"><strong>all</strong></td>", f);
    block_cells(f, &r->total);
    fputs("</table>\n", f);
}

static void run_section(FILE *f, const report_inputs *in, const chart_set *cs)
{
    const rep_results *r = in->results;
    const rep_block *t = &r->total;
    char b[32], u[48];
    fputs("<section id=\"run\"><h2>Festival replay</h2>\n", f);
    run_tested(f, in, r);
    run_alerts(f, in, r);
    fputs("<div class=\"tiles\">\n", f);
    tile(f, "Offered", fmt_num(b, t->offered_rate, 1), "req/s");
    tile(f, "Achieved", fmt_num(b, t->rate, 1), "req/s");
    double ok_frac = t->scheduled > 0 ? t->ok / t->scheduled : NAN;
    tile(f, "Successful", fmt_pct(b, ok_frac), NULL);
    tile(f, "Errors", fmt_pct(b, t->error_rate), NULL);
    tile(f, "Shed", fmt_pct(b, t->shed_rate), NULL);
    tile(f, "p50", fmt_num(b, t->latency.p50, 2), "ms");
    tile(f, "p99", fmt_num(b, t->latency.p99, 2), "ms");
    tile(f, "p99.9", fmt_num(b, t->latency.p999, 2), "ms");
    tile(f, "Max", fmt_num(b, t->latency.max, 2), "ms");
    snprintf(u, sizeof u, "%s", fmt_num(b, t->duration_s, 1));
    tile(f, "Duration", u, "s");
    fputs("</div>\n", f);
    charts_of(f, cs, CHART_RUN);

    threshold_table(f, in, r);
    subsystem_table(f, r);
    scrape_table(f, in);
    baseline_table(f, in, &r->baseline);
    counts_table(f, t);
    fputs("</section>\n", f);
}

/* The search's steps, folded (a <details> element: no script needed). */
static void steps_table(FILE *f, const report_inputs *in, const rep_capsub *s)
{
    if (!s->nsteps)
        return;
    fprintf(f, "<details><summary>Steps of the search for ");
    text_html(f, s->name);
    fprintf(f, " (%zu)</summary>\n<table><tr><th>rate</th><th>achieved rps</th><th>ok rps</th>"
               "<th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>errors</th><th>shed</th>"
               "<th class=\"t\">result</th><th class=\"t\">why</th></tr>\n", s->nsteps);
    for (size_t k = 0; k < s->nsteps; k++) {
        const rep_step *st = &s->steps[k];
        enum rep_level l = st->pass == 1 ? REP_LEVEL_OK
                         : st->pass == 0 ? REP_LEVEL_FAIL : REP_LEVEL_INCONCLUSIVE;
        fputs("<tr>", f);
        cell_num(f, st->rate, 1);
        cell_num(f, st->achieved_rps, 1);
        cell_num(f, st->ok_rps, 1);
        cell_num(f, st->p50, 2);
        cell_num(f, st->p90, 2);
        cell_num(f, st->p99, 2);
        cell_pct(f, st->error_rate);
        cell_pct(f, st->shed_rate);
        fputs("<td class=\"t\">", f);
        badge(f, st->generator_limited ? REP_LEVEL_INCONCLUSIVE : l,
              st->generator_limited ? "generator-limited" : st->pass == 1 ? "pass"
              : st->pass == 0 ? "fail" : "?");
        fputs("</td><td class=\"t\">", f);
        h(f, in, st->why ? st->why : st->reason);
        fputs("</td></tr>\n", f);
    }
    fputs("</table></details>\n", f);
}

static double setting_number(const cJSON *settings, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(settings, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void capacity_tested(FILE *f, const report_inputs *in, const rep_capacity *c)
{
    char a[32], b[32], d[32], e[32];
    double step = setting_number(c->settings, "step_s");
    double warm = setting_number(c->settings, "warmup_s");
    double tol = setting_number(c->settings, "tolerance");
    double start = setting_number(c->settings, "start_rate");
    fputs("<p class=\"tested\"><strong>What was tested.</strong> Each subsystem alone, at "
          "constant open-loop rates", f);
    if (c->target) {
        fputs(" against <code>", f);
        h(f, in, c->target);
        fputs("</code>", f);
    }
    fprintf(f, ": steps of %s s measured after a %s s warm-up, from %s req/s, doubling until "
               "the subsystem's SLO broke, then narrowing until the highest passing and the "
               "lowest failing rate were within %s; then the whole mix at the scenario's "
               "weights (full-link), every subsystem on its own SLO. The capacity is the "
               "highest rate that met the SLO: the scale the plan holds the forecast "
               "against.</p>\n", fmt_num(a, step, 2), fmt_num(b, warm, 2),
            fmt_num(d, start, 0), fmt_pct(e, tol));
}

static void capacity_section(FILE *f, const report_inputs *in, const chart_set *cs)
{
    const rep_capacity *c = in->capacity;
    char b[32];
    fputs("<section id=\"capacity\"><h2>Capacity search</h2>\n", f);
    capacity_tested(f, in, c);
    fputs("<table><tr><th>subsystem</th><th>capacity rps</th><th>first failing rps</th>"
          "<th class=\"t\">limited by</th><th class=\"t\">SLO</th><th>steps</th><th>USL alpha</th>"
          "<th>USL beta</th><th>USL gamma</th><th>N*</th></tr>\n", f);
    for (size_t i = 0; i < c->nsubs; i++) {
        const rep_capsub *s = &c->subs[i];
        int lower = s->at_least || s->generator_limited;
        fprintf(f, "<tr class=\"%s\"><td class=\"t\">", s->generator_limited ? "inconclusive" : "");
        text_html(f, s->name);
        fprintf(f, "</td><td><strong>%s%s</strong>%s</td>", lower ? "&ge; " : "",
                fmt_num(b, s->capacity_rps, 1),
                s->generator_limited ? " <span class=\"badge inconclusive\">generator-limited"
                                       "</span>" : "");
        cell_num(f, s->upper_bound_rps, 1);
        fputs("<td class=\"t\">", f);
        h(f, in, s->limited_by);
        if (s->resource_at_capacity) {   /* what the targets' metrics say ran out */
            fputs("<br><small>nearest its limit: ", f);
            h(f, in, s->resource_at_capacity);
            fputs("</small>", f);
        }
        fputs("</td><td class=\"t\"><code>", f);
        h(f, in, s->slo_expr);
        fprintf(f, "</code></td><td>%zu</td>", s->nsteps);
        if (s->usl.present) {
            cell_num(f, s->usl.alpha, 5);
            cell_num(f, s->usl.beta, 6);
            cell_num(f, s->usl.gamma, 2);
            cell_num(f, s->usl.n_star, 1);
        } else {
            fputs("<td>-</td><td>-</td><td>-</td><td>-</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    for (size_t i = 0; i < c->nsubs; i++)
        steps_table(f, in, &c->subs[i]);
    for (size_t i = 0; i < c->nsubs; i++)
        if (c->subs[i].usl.present && (c->subs[i].usl.poor_fit || c->subs[i].usl.warning)) {
            fputs("<div class=\"alert warn\"><strong>USL fit of ", f);
            text_html(f, c->subs[i].name);
            fputs(c->subs[i].usl.poor_fit ? ": poor fit</strong>" : "</strong>", f);
            h(f, in, c->subs[i].usl.warning);
            fputs("</div>\n", f);
        }
    charts_of(f, cs, CHART_CAPACITY);
    fputs("</section>\n", f);
}

static void forecast_section(FILE *f, const report_inputs *in, const chart_set *cs)
{
    const rep_forecast *fc = in->forecast;
    char a[32], b[32];
    fputs("<section id=\"forecast\"><h2>Forecast against capacity</h2>\n", f);
    fputs("<table><tr><th>series</th><th class=\"t\">model</th><th>peak at</th><th>peak mean</th>"
          "<th>peak hi95</th><th class=\"t\">why this model</th></tr>\n", f);
    for (size_t i = 0; i < fc->nseries; i++) {
        const rep_series *s = &fc->series[i];
        fputs("<tr><td class=\"t\">", f);
        text_html(f, s->id);
        fputs("</td><td class=\"t\">", f);
        text_html(f, s->selected ? s->selected : "-");
        fputs("</td><td>", f);
        text_html(f, s->peak_t ? s->peak_t : "-");
        fprintf(f, "</td><td>%s</td><td>%s</td><td class=\"t\">", fmt_num(a, s->peak_mean, 0),
                fmt_num(b, s->peak_hi95, 0));
        h(f, in, s->selection_reason);
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
    charts_of(f, cs, CHART_PLAN);
    charts_of(f, cs, CHART_FORECAST);
    fputs("</section>\n", f);
}

/* Headroom as a bar on a 0-3x scale: a solid tick at 1x (demand met), a
 * dashed one at the safety margin; the colour is the row's status. */
static void headroom_bar(FILE *f, double headroom, double margin, enum rep_level l)
{
    const double scale = 3;
    double w = isfinite(headroom) ? fmin(fmax(headroom, 0), scale) / scale * 100 : 0;
    fprintf(f, "<div class=\"hbar\" title=\"headroom\"><span class=\"%s\" style=\"width:%.1f%%\">"
               "</span><i style=\"left:%.1f%%\"></i>", report_level_class(l), w, 100 / scale);
    if (isfinite(margin) && margin > 1 && margin < scale)
        fprintf(f, "<i class=\"m\" style=\"left:%.1f%%\"></i>", margin / scale * 100);
    fputs("</div>", f);
}

static void plan_tested(FILE *f, const report_inputs *in, const rep_plan *p)
{
    char a[32], b[32], c[32], d[32], e[32];
    fputs("<p class=\"tested\"><strong>What was tested.</strong> ", f);
    if (p->metric) {
        fputs("The forecast festival peak of ", f);
        h(f, in, p->metric);
        if (p->peak_t) {
            fputs(" on ", f);
            h(f, in, p->peak_t);
        }
        fprintf(f, " (mean %s per %s, 95%% upper bound %s) ", fmt_num(a, p->peak_mean, 0),
                fmt_unit(c, p->unit_seconds), fmt_num(b, p->peak_hi95, 0));
    } else {
        fputs("The forecast peak ", f);
    }
    fprintf(f, "is turned into requests per second per subsystem (peak factor %s",
            fmt_num(d, p->peak_factor, 2));
    if (p->peak_factor_source) {
        fputs(", from ", f);
        h(f, in, p->peak_factor_source);
    }
    fprintf(f, "; each subsystem's calls per unit from the scenario): %s req/s in all at the "
               "mean. Each is held against the capacity the search measured; headroom = "
               "capacity / demand, and below the safety margin of %sx a subsystem is tight.</p>\n",
            fmt_num(e, plan_total_demand(p), 0), fmt_num(a, p->safety_margin, 2));
}

/* The plan's assumptions, each sentence once with the subsystems it
 * applies to (they are mostly the same sentence). */
static void plan_assumptions(FILE *f, const report_inputs *in, const rep_plan *p)
{
    int any = 0;
    for (size_t i = 0; i < p->nsubs; i++) {
        const char *text = p->subs[i].assumption;
        if (!text)
            continue;
        size_t k;
        for (k = 0; k < i; k++)
            if (p->subs[k].assumption && strcmp(p->subs[k].assumption, text) == 0)
                break;
        if (k < i)
            continue;   /* said already */
        if (!any)
            fputs("<h3>Assumptions</h3>\n<ul>\n", f);
        any = 1;
        fputs("<li><strong>", f);
        int first = 1;
        for (size_t j = i; j < p->nsubs; j++)
            if (p->subs[j].assumption && strcmp(p->subs[j].assumption, text) == 0) {
                fputs(first ? "" : ", ", f);
                text_html(f, p->subs[j].name);
                first = 0;
            }
        fputs("</strong>: ", f);
        h(f, in, text);
        fputs("</li>\n", f);
    }
    if (any)
        fputs("</ul>\n", f);
}

static void plan_row(FILE *f, const report_inputs *in, const rep_plan *p, const rep_plansub *s)
{
    char a[32], b[32], c[32];
    enum rep_level l = report_status_level(s->status);
    fprintf(f, "<tr class=\"%s\"><td class=\"t\">", report_level_class(l));
    text_html(f, s->name);
    fputs("</td><td class=\"t\">", f);
    badge(f, l, s->status);
    fprintf(f, "</td><td><strong>%s</strong></td><td>", fmt_num(b, s->headroom, 2));
    headroom_bar(f, s->headroom, p->safety_margin, l);
    fputs("</td>", f);
    cell_num(f, s->headroom_hi95, 2);
    cell_num(f, s->demand_rps, 0);
    cell_num(f, s->demand_hi95_rps, 0);
    fprintf(f, "<td>%s%s</td>", s->capacity_at_least ? "&ge; " : "",
            fmt_num(a, s->capacity_rps, 0));
    double need = s->instances_needed, now = s->instances_now;
    int more = isfinite(need) && isfinite(now) && need > now;
    fprintf(f, "<td>%s%s &rarr; %s%s</td>", more ? "<strong>" : "", fmt_num(c, now, 0),
            fmt_num(b, need, 0), more ? "</strong>" : "");
    fputs("<td class=\"t\">", f);
    h(f, in, s->scaling_model);
    fputs("</td><td class=\"t\">", f);
    h(f, in, s->notes);
    fputs("</td></tr>\n", f);
}

static void plan_section(FILE *f, const report_inputs *in, const chart_set *cs)
{
    const rep_plan *p = in->plan;
    fputs("<section id=\"plan\"><h2>Capacity plan: which subsystem is short, by how much</h2>\n",
          f);
    plan_tested(f, in, p);
    fputs("<table><tr><th>subsystem</th><th class=\"t\">status</th><th>headroom</th>"
          "<th class=\"t\">headroom (0 to 3x; | 1x, &brvbar; margin)</th><th>headroom hi95</th>"
          "<th>demand rps</th><th>demand hi95</th><th>capacity rps</th><th>instances now "
          "&rarr; needed</th><th class=\"t\">scaling</th><th class=\"t\">notes</th></tr>\n", f);
    for (size_t i = 0; i < p->nsubs; i++)
        plan_row(f, in, p, &p->subs[i]);
    fputs("</table>\n", f);
    plan_assumptions(f, in, p);
    if (!in->forecast)
        charts_of(f, cs, CHART_PLAN);   /* else drawn with the forecast, below */
    fputs("</section>\n", f);
}

static void settings_section(FILE *f, const report_inputs *in)
{
    const rep_results *r = in->results;
    const rep_generator *g = &r->generator;
    fputs("<section id=\"settings\"><h2>Run settings and generator health</h2>\n"
          "<table class=\"kv\">\n", f);
    kv_text(f, in, "scenario", r->scenario);
    kv_text(f, in, "target", r->target);
    kv_text(f, in, "started at", r->started_at);
    kv_text(f, in, "crest version", r->crest_version);
    if (r->command) {
        fputs("<tr><th>command</th><td><code>", f);
        h(f, in, r->command);
        fputs("</code></td></tr>\n", f);
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, r->settings) {
        if (!it->string)
            continue;
        fputs("<tr><th>", f);
        text_html(f, it->string);
        fputs("</th><td>", f);
        if (report_is_secret(it->string, r->secret_headers, r->nsecret))
            fputs("[redacted]", f);
        else
            setting_value(f, in, it, 0);
        fputs("</td></tr>\n", f);
    }
    if (g->present) {
        fprintf(f, "<tr><th>generator</th><td>");
        if (g->limited) {
            badge(f, REP_LEVEL_FAIL, "generator-limited");
            fputs(" ", f);
            h(f, in, g->reason);
        } else {
            badge(f, REP_LEVEL_OK, "healthy");
        }
        fputs("</td></tr>\n", f);
        kv_num(f, "generator CPU", g->cpu_s, 2, "s");
        if (!isnan(g->busiest_thread_cpu)) {
            char b[32];
            fprintf(f, "<tr><th>busiest generator thread</th><td>%s CPU</td></tr>\n",
                    fmt_pct(b, g->busiest_thread_cpu));
        }
        kv_num(f, "generator threads", g->threads, 0, NULL);
        kv_num(f, "connections requested", g->connections_requested, 0, NULL);
        kv_num(f, "connections opened", g->connections_opened, 0, NULL);
        kv_num(f, "event loop lag p99", g->loop_lag_p99_ms, 3, "ms");
        if (g->send_batch_ms > 0)
            kv_num(f, "sends batched every (--send-batch)", g->send_batch_ms, 3, "ms");
        if (g->connection_wait_warning)
            fputs("<tr><th>connection wait</th><td>requests waited for a free connection: "
                  "raise --connections</td></tr>\n", f);
    }
    fputs("</table>\n</section>\n", f);
}

static void banner(FILE *f, const report_inputs *in, const report_options *opt)
{
    rep_verdict v;
    report_verdict(in, &v);
    char *title = report_title(in, opt);
    fprintf(f, "<header class=\"banner %s\"><div class=\"verdict\"><small>VERDICT</small>%s</div>"
               "<div><h1>", report_level_class(v.level), v.word);
    h(f, in, title);
    free(title);
    fputs("</h1><div class=\"sub\">", f);
    const char *scenario = NULL, *target = NULL, *when = NULL;
    if (in->results) {
        scenario = in->results->scenario;
        target = in->results->target;
        when = in->results->started_at;
    } else if (in->capacity) {
        scenario = in->capacity->scenario;
        target = in->capacity->target;
        when = in->capacity->started_at;
    }
    const char *parts[] = {scenario, target, when};
    int first = 1;
    for (int i = 0; i < 3; i++) {
        if (!parts[i])
            continue;
        if (!first)
            fputs(" &middot; ", f);
        first = 0;
        h(f, in, parts[i]);
    }
    fputs("</div>", f);
    if (v.nreasons) {
        fputs("<ul>", f);
        for (size_t i = 0; i < v.nreasons; i++) {
            fputs("<li>", f);
            h(f, in, v.reasons[i]);
            fputs("</li>", f);
        }
        fputs("</ul>", f);
    } else {
        fputs("<ul><li>every gate in the inputs passed</li></ul>", f);
    }
    fputs("</div></header>\n", f);
}

int report_html(FILE *f, const report_inputs *in, const report_options *opt,
                const chart_set *cs)
{
    char *title = report_title(in, opt);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\">\n<title>", f);
    h(f, in, title);
    free(title);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", css);
    banner(f, in, opt);
    if (cs && cs->gnuplot_missing)
        fputs("<section><div class=\"alert warn\"><strong>Charts are missing: gnuplot was not "
              "found</strong>crest draws its charts with gnuplot, which is not on PATH (or "
              "CREST_GNUPLOT names no executable). Install it with <code>apt-get install "
              "gnuplot-nox</code> and run <code>crest report</code> again; the tables below "
              "are complete.</div></section>\n", f);
    if (in->plan)
        plan_section(f, in, cs);
    if (in->forecast)
        forecast_section(f, in, cs);
    if (in->capacity)
        capacity_section(f, in, cs);
    if (in->results)
        run_section(f, in, cs);
    report_replay_section_html(f, in);   /* each renders only when its file is there */
    report_shadow_section_html(f, in);
    if (in->results)
        settings_section(f, in);
    fputs("<footer>Generated by crest " CREST_VERSION " from ", f);
    int first = 1;
    for (int k = 0; k < REP_NKINDS; k++) {
        if (!in->paths[k])
            continue;
        fputs(first ? "<code>" : ", <code>", f);
        first = 0;
        text_html(f, in->paths[k]);
        fputs("</code>", f);
    }
    fputs(". Also written: summary.txt, junit.xml", f);
    if (in->results)
        fputs(", timeseries.csv", f);
    fputs(".</footer>\n</main>\n</body>\n</html>\n", f);
    return 0;
}

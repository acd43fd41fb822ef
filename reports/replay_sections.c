/* replay_sections.c: replay and shadow sections of the report (see
 * replay_sections.h). The files are read tolerantly: a missing number is
 * shown as "-", never guessed. */
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "common/jsonio.h"
#include "reports/replay_sections.h"
#include "reports/report_text.h"

const char *report_inputs_dir(const report_inputs *in, char *buf, size_t len)
{
    buf[0] = '\0';
    if (in->single_dir) {
        snprintf(buf, len, "%s", in->single_dir);
    } else if (in->paths[REP_RESULTS]) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s", in->paths[REP_RESULTS]);
        snprintf(buf, len, "%s", dirname(tmp));
    }
    return buf;
}

/* DIR/NAME parsed, or NULL when absent or unreadable (the report goes on). */
static cJSON *read_beside(const report_inputs *in, const char *name, const char *schema)
{
    char dir[4096], path[4200];
    if (!report_inputs_dir(in, dir, sizeof dir)[0])
        return NULL;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    if (stat(path, &st) != 0)
        return NULL;
    cJSON *root = jsonio_read_file(path);
    const cJSON *s = root ? cJSON_GetObjectItemCaseSensitive(root, "schema") : NULL;
    if (!cJSON_IsString(s) || strcmp(s->valuestring, schema) != 0) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

static double num(const cJSON *o, const char *path)
{
    const cJSON *cur = o;
    char key[128];
    for (const char *p = path; cur && *p;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        snprintf(key, sizeof key, "%.*s", (int)n, p);
        cur = cJSON_GetObjectItemCaseSensitive(cur, key);
        p = dot ? dot + 1 : p + n;
    }
    return cJSON_IsNumber(cur) ? cur->valuedouble : NAN;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- replay ----------------------------------------------------------- */

static void svg_line(FILE *f, const cJSON *arr, size_t n, double ymax, const char *color)
{
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"", color);
    size_t i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, arr) {
        double x = n > 1 ? 40 + 700.0 * (double)i / (double)(n - 1) : 40;
        double y = 190 - 170.0 * (cJSON_IsNumber(v) ? v->valuedouble : 0) / ymax;
        fprintf(f, "%.1f,%.1f ", x, y);
        i++;
    }
    fputs("\"/>\n", f);
}

/* Planned vs offered arrivals per second, as an inline SVG (no gnuplot
 * needed; the page's CSP allows inline SVG). */
static void replay_chart(FILE *f, const cJSON *planned, const cJSON *offered)
{
    size_t n = (size_t)cJSON_GetArraySize(planned), m = (size_t)cJSON_GetArraySize(offered);
    size_t len = n > m ? n : m;
    double ymax = 1;
    const cJSON *v;
    cJSON_ArrayForEach(v, planned)
        ymax = fmax(ymax, v->valuedouble);
    cJSON_ArrayForEach(v, offered)
        ymax = fmax(ymax, v->valuedouble);
    fputs("<svg viewBox=\"0 0 760 220\" width=\"100%\" role=\"img\" "
          "aria-label=\"replayed vs recorded arrivals per second\">\n", f);
    fprintf(f, "<text x=\"4\" y=\"24\" font-size=\"11\">%.0f/s</text>"
               "<text x=\"4\" y=\"194\" font-size=\"11\">0</text>"
               "<text x=\"680\" y=\"214\" font-size=\"11\">%zu s</text>\n", ymax, len);
    fputs("<line x1=\"40\" y1=\"190\" x2=\"740\" y2=\"190\" stroke=\"#999\"/>\n", f);
    svg_line(f, planned, len, ymax, "#999");
    svg_line(f, offered, len, ymax, "#1565c0");
    fputs("<text x=\"60\" y=\"14\" font-size=\"11\" fill=\"#777\">log x scale (planned)</text>"
          "<text x=\"220\" y=\"14\" font-size=\"11\" fill=\"#1565c0\">replayed (offered)</text>"
          "\n</svg>\n", f);
}

void report_replay_section_html(FILE *f, const report_inputs *in)
{
    cJSON *r = read_beside(in, "replay.json", "crest.replay/1");
    if (!r)
        return;
    char a[32], b[32], c[32], d[32], e5[32], g[32];
    fputs("<section id=\"replay\"><h2>Replay vs recorded rate</h2>\n<p>Log <code>", f);
    text_html(f, str(r, "log") ? str(r, "log") : "-");
    fprintf(f, "</code> (%s), origin ", str(r, "format") ? str(r, "format") : "-");
    text_html(f, str(r, "origin") ? str(r, "origin") : "-");
    fprintf(f, ", speed %s, scale %s: %s recorded requests replayed as %s arrivals.</p>\n",
            fmt_num(a, num(r, "speed"), 3), fmt_num(b, num(r, "scale"), 3),
            fmt_num(c, num(r, "recorded"), 0), fmt_num(d, num(r, "arrivals"), 0));
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(r, "tracking");
    if (t) {
        replay_chart(f, cJSON_GetObjectItemCaseSensitive(t, "planned_per_s"),
                     cJSON_GetObjectItemCaseSensitive(t, "offered_per_s"));
        fprintf(f, "<table><tr><th>seconds compared</th><th>mean |offered &minus; planned|</th>"
                   "<th>worst second</th><th>total</th><th>run</th><th>log span</th></tr>"
                   "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s s</td><td>%s s</td>"
                   "</tr></table>\n", fmt_num(a, num(t, "seconds_compared"), 0),
                fmt_pct(b, num(t, "mean_abs_error")), fmt_num(c, num(t, "max_abs_error"), 0),
                fmt_pct(d, num(t, "total_error")), fmt_num(e5, num(r, "run_duration_s"), 2),
                fmt_num(g, num(r, "recorded_span_s"), 2));
    }
    fprintf(f, "<p>Skipped: %s unparseable lines, %s POST/PUT/PATCH without a body template, "
               "%s other methods, %s outside the window; %s lines out of order by more than "
               "2 s.</p>\n</section>\n", fmt_num(a, num(r, "skipped.bad_line"), 0),
            fmt_num(b, num(r, "skipped.no_body"), 0), fmt_num(c, num(r, "skipped.method"), 0),
            fmt_num(d, num(r, "skipped.outside_window"), 0), fmt_num(e5, num(r, "late"), 0));
    cJSON_Delete(r);
}

void report_replay_section_text(FILE *f, const report_inputs *in)
{
    cJSON *r = read_beside(in, "replay.json", "crest.replay/1");
    if (!r)
        return;
    char a[32], b[32], c[32], d[32];
    fputs("\nReplay vs recorded rate\n  log ", f);
    text_plain(f, str(r, "log") ? str(r, "log") : "-");
    fprintf(f, ", speed %s, scale %s, %s arrivals\n", fmt_num(a, num(r, "speed"), 3),
            fmt_num(b, num(r, "scale"), 3), fmt_num(c, num(r, "arrivals"), 0));
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(r, "tracking");
    if (t)
        fprintf(f, "  per second: mean |offered - planned| %s of planned, worst second off by "
                   "%s, total %s over %s s\n", fmt_pct(a, num(t, "mean_abs_error")),
                fmt_num(b, num(t, "max_abs_error"), 0), fmt_pct(c, num(t, "total_error")),
                fmt_num(d, num(t, "seconds_compared"), 0));
    cJSON_Delete(r);
}

/* ---- shadow ----------------------------------------------------------- */

static void shadow_side_row(FILE *f, const char *label, const cJSON *side)
{
    char a[32], b[32], c[32];
    fprintf(f, "<tr><td>%s</td><td><code>", label);
    text_html(f, str(side, "url") ? str(side, "url") : "-");
    fprintf(f, "</code></td><td>%s</td><td>%s</td><td>%s</td><td>", fmt_num(a, num(side, "ok"), 0),
            fmt_num(b, num(side, "errors"), 0), fmt_num(c, num(side, "p99_ms"), 2));
    const cJSON *pass = cJSON_GetObjectItemCaseSensitive(side, "slo_pass");
    if (cJSON_IsTrue(pass)) {
        fputs("met", f);
    } else {
        fputs("<strong>missed</strong> ", f);
        text_html(f, str(side, "slo_failure") ? str(side, "slo_failure") : "");
    }
    fputs("</td></tr>\n", f);
}

static void shadow_samples_html(FILE *f, const cJSON *samples)
{
    const cJSON *s;
    if (!cJSON_GetArraySize(samples))
        return;
    fputs("<h3>Sample mismatching pairs</h3>\n<table><tr><th>endpoint</th><th>why</th>"
          "<th>primary</th><th>candidate</th></tr>\n", f);
    cJSON_ArrayForEach(s, samples) {
        fputs("<tr><td>", f);
        text_html(f, str(s, "endpoint") ? str(s, "endpoint") : "-");
        fputs("</td><td>", f);
        text_html(f, str(s, "why") ? str(s, "why") : "-");
        const char *side[2] = {"primary", "candidate"};
        for (int k = 0; k < 2; k++) {
            const cJSON *x = cJSON_GetObjectItemCaseSensitive(s, side[k]);
            fprintf(f, "</td><td>%.0f <code>", num(x, "status"));
            text_html(f, str(x, "body") ? str(x, "body") : "");
            fputs("</code>", f);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

void report_shadow_section_html(FILE *f, const report_inputs *in)
{
    cJSON *r = read_beside(in, "shadow.json", "crest.shadow/1");
    if (!r)
        return;
    char a[32], b[32], c[32], d[32];
    const cJSON *tot = cJSON_GetObjectItemCaseSensitive(r, "total");
    fprintf(f, "<section id=\"shadow\"><h2>Shadow comparison</h2>\n<p>%s pairs compared by "
               "<code>%s</code>: %s differ (%s; the gate is %s).</p>\n",
            fmt_num(a, num(tot, "compared"), 0),
            str(cJSON_GetObjectItemCaseSensitive(r, "view"), "compare")
                ? str(cJSON_GetObjectItemCaseSensitive(r, "view"), "compare") : "body",
            fmt_num(b, num(tot, "mismatched"), 0), fmt_pct(c, num(tot, "mismatch_rate")),
            fmt_pct(d, num(r, "max_mismatch")));
    fputs("<table><tr><th>endpoint</th><th>subsystem</th><th>compared</th><th>mismatched</th>"
          "<th>rate</th><th>status differs</th><th>body differs</th><th>error differs</th></tr>\n",
          f);
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r, "endpoints")) {
        fputs("<tr><td>", f);
        text_html(f, str(e, "endpoint") ? str(e, "endpoint") : "-");
        fputs("</td><td>", f);
        text_html(f, str(e, "subsystem") ? str(e, "subsystem") : "-");
        fprintf(f, "</td><td>%s</td><td>%s</td><td>%s</td>", fmt_num(a, num(e, "compared"), 0),
                fmt_num(b, num(e, "mismatched"), 0), fmt_pct(c, num(e, "mismatch_rate")));
        fprintf(f, "<td>%s</td><td>%s</td><td>%s</td></tr>\n",
                fmt_num(a, num(e, "status_differs"), 0), fmt_num(b, num(e, "body_differs"), 0),
                fmt_num(c, num(e, "error_differs"), 0));
    }
    fputs("</table>\n<h3>Each side against the SLOs</h3>\n<table><tr><th>side</th><th>URL</th>"
          "<th>ok</th><th>errors</th><th>p99 ms</th><th>SLO</th></tr>\n", f);
    shadow_side_row(f, "primary", cJSON_GetObjectItemCaseSensitive(r, "primary"));
    shadow_side_row(f, "candidate", cJSON_GetObjectItemCaseSensitive(r, "candidate"));
    fputs("</table>\n", f);
    shadow_samples_html(f, cJSON_GetObjectItemCaseSensitive(r, "samples"));
    fputs("</section>\n", f);
    cJSON_Delete(r);
}

void report_shadow_section_text(FILE *f, const report_inputs *in)
{
    cJSON *r = read_beside(in, "shadow.json", "crest.shadow/1");
    if (!r)
        return;
    char a[32], b[32], c[32];
    const cJSON *tot = cJSON_GetObjectItemCaseSensitive(r, "total");
    fprintf(f, "\nShadow comparison: %s pairs, %s differ (%s)\n", fmt_num(a, num(tot, "compared"), 0),
            fmt_num(b, num(tot, "mismatched"), 0), fmt_pct(c, num(tot, "mismatch_rate")));
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r, "endpoints")) {
        fputs("  ", f);
        text_plain(f, str(e, "endpoint") ? str(e, "endpoint") : "-");
        fprintf(f, ": %s compared, %s differ\n", fmt_num(a, num(e, "compared"), 0),
                fmt_num(b, num(e, "mismatched"), 0));
    }
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(r, "samples")) {
        fputs("  sample ", f);
        text_plain(f, str(s, "endpoint") ? str(s, "endpoint") : "-");
        fputs(": ", f);
        text_plain(f, str(s, "why") ? str(s, "why") : "-");
        fputc('\n', f);
    }
    cJSON_Delete(r);
}

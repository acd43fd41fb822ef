/* junit.c: junit.xml, so Jenkins and GitLab show a drill's gates natively.
 *
 * Suites and cases (docs/report.md has the table):
 *   crest.run        "generator health" (error when generator-limited) and
 *                    "run completed" (failure when aborted, error when
 *                    interrupted)                      [with results.json]
 *   crest.thresholds one case per threshold: failure when it failed,
 *                    skipped when the file records no verdict
 *   crest.baseline   one case per compared metric (results.json "baseline"):
 *                    regression fails, untested is skipped
 *   crest.plan       one case per subsystem: ok passes; tight passes with a
 *                    <system-out> note (a warning is not a broken build);
 *                    shortfall is a failure; inconclusive is an error (the
 *                    gate could not be evaluated, which must not look green)
 * Every name and message is XML-escaped (text_xml) and secrets redacted. */
#include <stdlib.h>
#include <string.h>

#include "reports/report.h"
#include "reports/report_text.h"
#include "reports/verdict.h"

enum outcome { PASSED, FAILED, ERRORED, SKIPPED };

typedef struct tcase {
    const char *suite;
    char name[256];
    enum outcome outcome;
    const char *type;                 /* failure/error type attribute */
    char message[512];
    char out[512];
} tcase;

typedef struct tlist {
    tcase *items;
    size_t n, cap;
} tlist;

static tcase *add(tlist *l, const char *suite, const char *name)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        tcase *bigger = realloc(l->items, cap * sizeof *bigger);
        if (!bigger)
            return NULL;
        l->items = bigger;
        l->cap = cap;
    }
    tcase *c = &l->items[l->n++];
    memset(c, 0, sizeof *c);
    c->suite = suite;
    snprintf(c->name, sizeof c->name, "%s", name ? name : "?");
    return c;
}

static int run_cases(tlist *l, const rep_results *r)
{
    tcase *c = add(l, "crest.run", "generator health");
    if (!c)
        return -1;
    if (r->generator.limited) {
        c->outcome = ERRORED;
        c->type = "generator-limited";
        snprintf(c->message, sizeof c->message, "generator-limited: %s",
                 r->generator.reason ? r->generator.reason : "the generator could not keep up");
    } else {
        snprintf(c->out, sizeof c->out, "the generator kept up with the schedule");
    }
    c = add(l, "crest.run", "run completed");
    if (!c)
        return -1;
    if (r->aborted) {
        c->outcome = FAILED;
        c->type = "aborted";
        snprintf(c->message, sizeof c->message, "run aborted: %s", r->aborted);
    } else if (r->partial) {
        c->outcome = ERRORED;
        c->type = "partial";
        snprintf(c->message, sizeof c->message, "run did not finish: partial checkpoint data");
    } else if (r->interrupted) {
        c->outcome = ERRORED;
        c->type = "interrupted";
        snprintf(c->message, sizeof c->message, "run interrupted: partial data");
    }
    char num[32];
    for (size_t i = 0; i < r->nthresholds; i++) {
        const rep_threshold *t = &r->thresholds[i];
        char name[256];
        snprintf(name, sizeof name, "%s%s%s%s", t->expr ? t->expr : "?", t->tag ? " [" : "",
                 t->tag ? t->tag : "", t->tag ? "]" : "");
        c = add(l, "crest.thresholds", name);
        if (!c)
            return -1;
        fmt_threshold_value(num, t->expr, t->value);
        if (t->pass == 0) {
            c->outcome = FAILED;
            c->type = "threshold";
            snprintf(c->message, sizeof c->message, "%s failed: value %s", name, num);
        } else if (t->pass < 0) {
            c->outcome = SKIPPED;
            snprintf(c->message, sizeof c->message, "no pass/fail recorded (value %s)", num);
        } else {
            snprintf(c->out, sizeof c->out, "%s passed: value %s", name, num);
        }
    }
    const rep_baseline *b = &r->baseline;
    for (size_t i = 0; i < b->nrows; i++) {
        const rep_cmp_row *row = &b->rows[i];
        char name[128], change[32], p[32];
        snprintf(name, sizeof name, "%s %s", row->scope ? row->scope : "?",
                 row->metric ? row->metric : "?");
        c = add(l, "crest.baseline", name);
        if (!c)
            return -1;
        fmt_num(change, row->change, 4);
        fmt_sig(p, row->p_value);
        const char *verdict = row->verdict ? row->verdict : "?";
        if (strcmp(verdict, "regression") == 0) {
            c->outcome = FAILED;
            c->type = "regression";
            snprintf(c->message, sizeof c->message, "regression: change %s (p %s)", change, p);
        } else if (strcmp(verdict, "untested") == 0) {
            c->outcome = SKIPPED;
            snprintf(c->message, sizeof c->message, "untested: too few seconds (change %s)",
                     change);
        } else {
            snprintf(c->out, sizeof c->out, "%s: change %s (p %s)", verdict, change, p);
        }
    }
    return 0;
}

static int plan_cases(tlist *l, const rep_plan *p)
{
    char h[32], h95[32], dem[32], cap[32], need[32], margin[32];
    fmt_num(margin, p->safety_margin, 2);
    for (size_t i = 0; i < p->nsubs; i++) {
        const rep_plansub *s = &p->subs[i];
        tcase *c = add(l, "crest.plan", s->name);
        if (!c)
            return -1;
        fmt_num(h, s->headroom, 2);
        fmt_num(h95, s->headroom_hi95, 2);
        fmt_num(dem, s->demand_rps, 1);
        fmt_num(cap, s->capacity_rps, 1);
        fmt_num(need, s->instances_needed, 0);
        char detail[480];
        snprintf(detail, sizeof detail,
                 "status %s: demand %s rps, capacity %s%s rps, headroom %s (hi95 %s, "
                 "safety margin %s), instances needed %s%s%s",
                 s->status, dem, s->capacity_at_least ? ">=" : "", cap, h, h95, margin, need,
                 s->notes ? "; " : "", s->notes ? s->notes : "");
        switch (report_status_level(s->status)) {
        case REP_LEVEL_OK:
            snprintf(c->out, sizeof c->out, "%s", detail);
            break;
        case REP_LEVEL_TIGHT:
            snprintf(c->out, sizeof c->out, "WARNING tight: %s", detail);
            break;
        case REP_LEVEL_FAIL:
            c->outcome = FAILED;
            c->type = "shortfall";
            snprintf(c->message, sizeof c->message, "shortfall: %s", detail);
            break;
        default:
            c->outcome = ERRORED;
            c->type = "inconclusive";
            snprintf(c->message, sizeof c->message, "inconclusive: %s%s%s", detail,
                     s->assumption ? "; " : "", s->assumption ? s->assumption : "");
            break;
        }
    }
    return 0;
}

/* Escaped, with secret header values removed. */
static void esc(FILE *f, const report_inputs *in, const char *s)
{
    char *clean = report_clean(in, s);
    text_xml(f, clean ? clean : "");
    free(clean);
}

static void counts(const tlist *l, const char *suite, size_t c[4], size_t *total)
{
    memset(c, 0, 4 * sizeof *c);
    *total = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (suite && strcmp(l->items[i].suite, suite) != 0)
            continue;
        c[l->items[i].outcome]++;
        (*total)++;
    }
}

int report_junit(FILE *f, const report_inputs *in)
{
    tlist l = {0};
    if ((in->results && run_cases(&l, in->results) != 0) ||
        (in->plan && plan_cases(&l, in->plan) != 0)) {
        free(l.items);
        return -1;
    }
    size_t c[4], total;
    counts(&l, NULL, c, &total);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f, "<testsuites name=\"crest\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
               "skipped=\"%zu\">\n", total, c[FAILED], c[ERRORED], c[SKIPPED]);
    static const char *const suites[] = {"crest.run", "crest.thresholds", "crest.baseline",
                                         "crest.plan"};
    for (size_t s = 0; s < sizeof suites / sizeof suites[0]; s++) {
        counts(&l, suites[s], c, &total);
        if (total == 0)
            continue;
        fprintf(f, "  <testsuite name=\"%s\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
                   "skipped=\"%zu\">\n", suites[s], total, c[FAILED], c[ERRORED], c[SKIPPED]);
        for (size_t i = 0; i < l.n; i++) {
            const tcase *t = &l.items[i];
            if (strcmp(t->suite, suites[s]) != 0)
                continue;
            fprintf(f, "    <testcase classname=\"%s\" name=\"", t->suite);
            esc(f, in, t->name);
            fputs("\" time=\"0\">\n", f);
            static const char *const tags[] = {NULL, "failure", "error", "skipped"};
            if (t->outcome != PASSED) {
                fprintf(f, "      <%s message=\"", tags[t->outcome]);
                esc(f, in, t->message);
                fprintf(f, "\" type=\"%s\">", t->type ? t->type : tags[t->outcome]);
                esc(f, in, t->message);
                fprintf(f, "</%s>\n", tags[t->outcome]);
            }
            if (t->out[0]) {
                fputs("      <system-out>", f);
                esc(f, in, t->out);
                fputs("</system-out>\n", f);
            }
            fputs("    </testcase>\n", f);
        }
        fputs("  </testsuite>\n", f);
    }
    fputs("</testsuites>\n", f);
    free(l.items);
    return 0;
}

/* verdict.c: see verdict.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "reports/report_text.h"
#include "reports/verdict.h"

enum rep_level report_status_level(const char *status)
{
    if (!status)
        return REP_LEVEL_INCONCLUSIVE;
    if (strcmp(status, "ok") == 0 || strcmp(status, "pass") == 0)
        return REP_LEVEL_OK;
    if (strcmp(status, "tight") == 0)
        return REP_LEVEL_TIGHT;
    if (strcmp(status, "shortfall") == 0 || strcmp(status, "fail") == 0)
        return REP_LEVEL_FAIL;
    return REP_LEVEL_INCONCLUSIVE;
}

const char *report_level_class(enum rep_level level)
{
    switch (level) {
    case REP_LEVEL_OK: return "ok";
    case REP_LEVEL_TIGHT: return "tight";
    case REP_LEVEL_INCONCLUSIVE: return "inconclusive";
    default: return "fail";
    }
}

static void add(rep_verdict *v, enum rep_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add(rep_verdict *v, enum rep_level level, const char *fmt, ...)
{
    if (level > v->level)
        v->level = level;
    if (v->nreasons >= REP_MAX_REASONS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->reasons[v->nreasons++], sizeof v->reasons[0], fmt, ap);
    va_end(ap);
}

static void results_reasons(const rep_results *r, rep_verdict *v)
{
    char a[32];
    if (r->aborted)
        add(v, REP_LEVEL_FAIL, "run aborted: %s", r->aborted);
    if (r->interrupted)
        add(v, REP_LEVEL_INCONCLUSIVE, "run interrupted before the end: partial data");
    if (r->partial)
        add(v, REP_LEVEL_INCONCLUSIVE, "partial results: a checkpoint of a run that did not "
                                       "finish (killed, or still running)");
    if (r->generator.limited)
        add(v, REP_LEVEL_INCONCLUSIVE, "generator-limited: %s",
            r->generator.reason ? r->generator.reason : "the load generator could not keep up");
    for (size_t i = 0; i < r->nthresholds; i++) {
        const rep_threshold *t = &r->thresholds[i];
        if (t->pass == 0)
            add(v, REP_LEVEL_FAIL, "threshold %s failed (value %s)", t->expr ? t->expr : "?",
                fmt_threshold_value(a, t->expr, t->value));
    }
    const rep_baseline *b = &r->baseline;
    for (size_t i = 0; i < b->nrows; i++) {
        const rep_cmp_row *c = &b->rows[i];
        if (c->verdict && strcmp(c->verdict, "regression") == 0)
            add(v, REP_LEVEL_FAIL, "regression against the baseline: %s %s (change %s)",
                c->scope ? c->scope : "?", c->metric ? c->metric : "?",
                c->change_kind && strcmp(c->change_kind, "absolute") == 0
                    ? fmt_num(a, c->change, 4) : fmt_pct(a, c->change));
    }
    if (b->verdict && strcmp(b->verdict, "inconclusive") == 0)
        add(v, REP_LEVEL_INCONCLUSIVE, "baseline comparison inconclusive (runs too short to test)");
}

static void plan_reasons(const rep_plan *p, rep_verdict *v)
{
    char h[32];
    for (size_t i = 0; i < p->nsubs; i++) {
        const rep_plansub *s = &p->subs[i];
        enum rep_level l = report_status_level(s->status);
        if (l != REP_LEVEL_OK && s->notes)
            add(v, l, "plan: %s for %s: %s", s->status, s->name, s->notes);
        else if (l != REP_LEVEL_OK)
            add(v, l, "plan: %s for %s (headroom %s)", s->status, s->name,
                fmt_num(h, s->headroom, 2));
    }
    if (p->verdict && report_status_level(p->verdict) > v->level)
        add(v, report_status_level(p->verdict), "plan verdict: %s", p->verdict);
}

void report_verdict(const report_inputs *in, rep_verdict *v)
{
    memset(v, 0, sizeof *v);
    if (in->results)
        results_reasons(in->results, v);
    if (in->capacity && in->capacity->partial)
        add(v, REP_LEVEL_INCONCLUSIVE, "partial capacity: a checkpoint of a search that did "
                                       "not finish (killed, or still running)");
    if (in->plan) {
        plan_reasons(in->plan, v);
    } else if (in->capacity) {
        /* Without a plan, a capacity that is only a lower bound is unknown. */
        for (size_t i = 0; i < in->capacity->nsubs; i++)
            if (in->capacity->subs[i].generator_limited)
                add(v, REP_LEVEL_INCONCLUSIVE, "capacity of %s is a lower bound: generator-limited",
                    in->capacity->subs[i].name);
    }
    int shortfall = 0;
    if (in->plan)
        for (size_t i = 0; i < in->plan->nsubs; i++)
            if (report_status_level(in->plan->subs[i].status) == REP_LEVEL_FAIL)
                shortfall = 1;
    switch (v->level) {
    case REP_LEVEL_OK: v->word = "PASS"; break;
    case REP_LEVEL_TIGHT: v->word = "TIGHT"; break;
    case REP_LEVEL_INCONCLUSIVE: v->word = "INCONCLUSIVE"; break;
    default: v->word = shortfall ? "SHORTFALL" : "FAIL"; break;
    }
}

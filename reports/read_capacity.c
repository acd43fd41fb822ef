/* read_capacity.c: capacity.json (docs/capacity-format.md) into
 * rep_capacity: each searched subsystem with its steps and, when a sweep was
 * measured, its USL fit. Every field is optional; a missing capacity is NAN
 * (the search found none) rather than an error. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reports/report_json.h"
#include "reports/report_data.h"

static int read_steps(rep_capsub *c, const cJSON *arr)
{
    int n = cJSON_GetArraySize(arr);
    if (n <= 0)
        return 0;
    c->steps = calloc((size_t)n, sizeof *c->steps);
    if (!c->steps)
        return -1;
    static const char *const achieved[] = {"achieved_rps", NULL};
    const cJSON *s;
    cJSON_ArrayForEach(s, arr) {
        if (!cJSON_IsObject(s))
            continue;
        rep_step *st = &c->steps[c->nsteps++];
        st->rate = rj_num(s, "rate");
        st->achieved_rps = rj_num_any(s, achieved);
        st->ok_rps = rj_num(s, "ok_rps");
        st->p50 = rj_num(s, "p50_ms");
        st->p90 = rj_num(s, "p90_ms");
        st->p99 = rj_num(s, "p99_ms");
        st->error_rate = rj_num(s, "error_rate");
        st->shed_rate = rj_num(s, "shed_rate");
        st->pass = rj_bool(s, "pass", -1);
        st->generator_limited = rj_bool(s, "generator_limited", 0);
        st->reason = rj_str(s, "reason");
        st->why = rj_str(s, "why");
    }
    return 0;
}

static int read_usl(rep_usl *u, const cJSON *obj)
{
    if (!obj)
        return 0;
    u->present = 1;
    u->alpha = rj_num(obj, "alpha");
    u->beta = rj_num(obj, "beta");
    u->gamma = rj_num(obj, "gamma");
    u->alpha_se = rj_num(obj, "alpha_se");
    u->beta_se = rj_num(obj, "beta_se");
    u->gamma_se = rj_num(obj, "gamma_se");
    u->residual_se = rj_num(obj, "residual_se");
    u->n_star = rj_num(obj, "n_star");
    u->x_max = rj_num(obj, "x_max");
    u->poor_fit = rj_bool(obj, "poor_fit", 0);
    u->warning = rj_str(obj, "warning");
    const cJSON *pts = rj_arr(obj, "points");
    int n = cJSON_GetArraySize(pts);
    if (n <= 0)
        return 0;
    u->n = calloc((size_t)n, sizeof *u->n);
    u->throughput = calloc((size_t)n, sizeof *u->throughput);
    if (!u->n || !u->throughput)
        return -1;
    static const char *const load[] = {"n", NULL};
    static const char *const thr[] = {"throughput", NULL};
    const cJSON *p;
    cJSON_ArrayForEach(p, pts) {
        double x = rj_num_any(p, load), y = rj_num_any(p, thr);
        if (isnan(x) || isnan(y))
            continue;
        u->n[u->npoints] = x;
        u->throughput[u->npoints++] = y;
    }
    return 0;
}

int report_read_capacity(report_inputs *in, const cJSON *root, const char *path)
{
    rep_capacity *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    in->capacity = c;
    c->path = path;
    c->started_at = rj_str(root, "started_at");
    c->partial = rj_bool(root, "partial", 0);
    c->scenario = rj_str(root, "scenario");
    c->target = rj_str(root, "target");
    c->settings = rj_obj(root, "settings");
    const cJSON *arr = rj_arr(root, "subsystems");
    int n = cJSON_GetArraySize(arr);
    if (n <= 0)
        return 0;
    c->subs = calloc((size_t)n, sizeof *c->subs);
    if (!c->subs)
        return -1;
    const cJSON *s;
    cJSON_ArrayForEach(s, arr) {
        if (!cJSON_IsObject(s))
            continue;
        rep_capsub *cs = &c->subs[c->nsubs++];
        cs->name = rj_str(s, "name");
        if (!cs->name)
            cs->name = "?";
        const cJSON *slo = rj_obj(s, "slo");
        cs->slo_p99_ms = rj_num(slo, "p99_ms");
        cs->slo_error_rate = rj_num(slo, "error_rate");
        cs->slo_expr = rj_str(slo, "expr");
        cs->capacity_rps = rj_num(s, "capacity_rps");
        cs->upper_bound_rps = rj_num(s, "upper_bound_rps");
        cs->at_least = rj_bool(s, "at_least", 0);
        cs->limited_by = rj_str(s, "limited_by");
        cs->resource_at_capacity = rj_str(s, "resource_at_capacity");
        cs->generator_limited = rj_bool(s, "generator_limited", 0);
        if (read_steps(cs, rj_arr(s, "steps")) != 0 || read_usl(&cs->usl, rj_obj(s, "usl")) != 0)
            return -1;
    }
    return 0;
}

/* read_plan.c: plan.json (docs/plan-format.md) into rep_plan: the demand
 * at the forecast peak against measured capacity, per subsystem, with the
 * status the report colours by. Every field is optional; a row without a
 * status reads as "inconclusive" rather than as a pass. */
#include <stdlib.h>

#include "reports/report_json.h"
#include "reports/report_data.h"

int report_read_plan(report_inputs *in, const cJSON *root, const char *path)
{
    rep_plan *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    in->plan = p;
    p->path = path;
    p->forecast = rj_str(root, "forecast");
    p->capacity = rj_str(root, "capacity");
    p->scenario = rj_str(root, "scenario");
    p->metric = rj_str(root, "metric");
    p->series = rj_str(root, "series");
    const cJSON *peak = rj_obj(root, "forecast_peak");
    p->peak_t = rj_str(peak, "t");
    p->peak_mean = rj_num(peak, "mean");
    p->peak_hi95 = rj_num(peak, "hi95");
    p->unit_seconds = rj_num(root, "unit_seconds");
    p->peak_factor = rj_num(root, "peak_factor");
    p->peak_factor_source = rj_str(root, "peak_factor_source");
    p->safety_margin = rj_num(root, "safety_margin");
    p->verdict = rj_str(root, "verdict");
    const cJSON *arr = rj_arr(root, "subsystems");
    int n = cJSON_GetArraySize(arr);
    if (n <= 0)
        return 0;
    p->subs = calloc((size_t)n, sizeof *p->subs);
    if (!p->subs)
        return -1;
    const cJSON *s;
    cJSON_ArrayForEach(s, arr) {
        if (!cJSON_IsObject(s))
            continue;
        rep_plansub *ps = &p->subs[p->nsubs++];
        ps->name = rj_str(s, "name");
        if (!ps->name)
            ps->name = "?";
        ps->status = rj_str(s, "status");
        if (!ps->status)
            ps->status = "inconclusive";
        ps->scaling_model = rj_str(s, "scaling_model");
        ps->assumption = rj_str(s, "assumption");
        ps->notes = rj_str(s, "notes");
        ps->calls_per_pv = rj_num(s, "calls_per_pv");
        ps->demand_rps = rj_num(s, "demand_rps");
        ps->demand_hi95_rps = rj_num(s, "demand_hi95_rps");
        ps->capacity_rps = rj_num(s, "capacity_rps");
        ps->capacity_at_least = rj_bool(s, "capacity_at_least", 0);
        ps->headroom = rj_num(s, "headroom");
        ps->headroom_hi95 = rj_num(s, "headroom_hi95");
        ps->instances_now = rj_num(s, "instances_now");
        ps->instances_needed = rj_num(s, "instances_needed");
    }
    return 0;
}

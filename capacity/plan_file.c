/* plan_file.c: plan.json out of the plan's rows (see plan_file.h and
 * docs/plan-format.md). */
#include <math.h>
#include <string.h>

#include "capacity/plan_file.h"
#include "common/jsonio.h"
#include "common/version.h"

static cJSON *plan_json(const plan_file *p)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", "crest.plan/1");
    cJSON_AddStringToObject(root, "crest_version", CREST_VERSION);
    cJSON_AddStringToObject(root, "forecast", p->forecast);
    cJSON_AddStringToObject(root, "capacity", p->capacity);
    cJSON_AddStringToObject(root, "scenario", p->scenario);
    cJSON_AddStringToObject(root, "series", p->series_id ? p->series_id : "");
    cJSON_AddStringToObject(root, "metric", p->metric ? p->metric : "");
    cJSON *peak = cJSON_AddObjectToObject(root, "forecast_peak");
    jsonio_add_string_or_null(peak, "t", p->peak_t);
    cJSON_AddNumberToObject(peak, "mean", p->peak_mean);
    cJSON_AddNumberToObject(peak, "hi95", p->peak_hi95);
    cJSON_AddNumberToObject(root, "unit_seconds", p->unit_seconds);
    cJSON_AddNumberToObject(root, "peak_factor", p->peak_factor);
    cJSON_AddStringToObject(root, "peak_factor_source", p->peak_factor_source);
    cJSON_AddNumberToObject(root, "safety_margin", p->safety_margin);
    cJSON *subs = cJSON_AddArrayToObject(root, "subsystems");
    for (size_t i = 0; i < p->nrows; i++) {
        const headroom_row *r = &p->rows[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", r->name);
        cJSON_AddNumberToObject(o, "calls_per_pv", r->calls_per_pv);
        cJSON_AddNumberToObject(o, "demand_rps", r->demand_rps);
        cJSON_AddNumberToObject(o, "demand_hi95_rps", r->demand_hi95_rps);
        cJSON_AddNumberToObject(o, "target_rps", r->target_rps);
        jsonio_add_number_or_null(o, "capacity_rps", r->capacity_measured ? r->capacity_rps : NAN);
        cJSON_AddBoolToObject(o, "capacity_at_least", r->capacity_at_least);
        cJSON_AddBoolToObject(o, "capacity_measured", r->capacity_measured);
        jsonio_add_number_or_null(o, "headroom", r->headroom);
        jsonio_add_number_or_null(o, "headroom_hi95", r->headroom_hi95);
        cJSON_AddStringToObject(o, "status", headroom_status_name(r->status));
        cJSON_AddNumberToObject(o, "instances_now", r->instances_now);
        jsonio_add_number_or_null(o, "instances_needed",
                                  r->instances_needed > 0 ? (double)r->instances_needed : NAN);
        jsonio_add_string_or_null(o, "scaling_model", r->scaling_model);
        if (r->scaling_model && strcmp(r->scaling_model, "usl") == 0)
            jsonio_add_number_or_null(o, "x_max_rps", r->x_max_rps);
        jsonio_add_string_or_null(o, "assumption", r->assumption);
        cJSON_AddStringToObject(o, "notes", r->notes);
        cJSON_AddItemToArray(subs, o);
    }
    cJSON_AddStringToObject(root, "verdict", headroom_status_name(p->verdict));
    return root;
}

int plan_file_write(const char *path, const plan_file *p)
{
    cJSON *root = plan_json(p);
    int rc = root ? jsonio_write_file(path, root) : -1;
    cJSON_Delete(root);
    return rc;
}

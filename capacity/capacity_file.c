/* capacity_file.c: capacity.json to and from struct capacity_result (see
 * capacity_file.h and docs/capacity-format.md). Writing goes through
 * jsonio_write_file (temp + rename), so an interrupted search never leaves
 * half a file; reading checks keys strictly and names the JSON path of
 * anything wrong, since plan and report trust what they read. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/jsonio.h"
#include "common/version.h"
#include "capacity/capacity_file.h"

#define CAPACITY_SCHEMA "crest.capacity/2"   /* /2: steps' "resources"; /1 still read */

capacity_subsystem *capacity_add_subsystem(capacity_result *c, const char *name)
{
    capacity_subsystem *s = realloc(c->subsystems, (c->nsubsystems + 1) * sizeof *s);
    if (!s)
        return NULL;
    c->subsystems = s;
    s = &s[c->nsubsystems];
    memset(s, 0, sizeof *s);
    s->name = strdup(name);
    if (!s->name)
        return NULL;
    s->slo_p99_ms = s->slo_error_rate = NAN;
    s->capacity_rps = s->upper_bound_rps = NAN;
    c->nsubsystems++;
    return s;
}

static void subsystem_free(capacity_subsystem *s)
{
    free(s->name);
    free(s->slo_expr);
    free(s->limiting_tag);
    free(s->resource_at_capacity);
    free(s->steps);
    free(s->usl.load);
    free(s->usl.throughput);
}

void capacity_result_free(capacity_result *c)
{
    for (size_t i = 0; i < c->nsubsystems; i++)
        subsystem_free(&c->subsystems[i]);
    free(c->subsystems);
    free(c->started_at);
    free(c->scenario);
    free(c->target);
    memset(c, 0, sizeof *c);
}

const capacity_subsystem *capacity_find(const capacity_result *c, const char *name)
{
    for (size_t i = 0; i < c->nsubsystems; i++)
        if (strcmp(c->subsystems[i].name, name) == 0)
            return &c->subsystems[i];
    return NULL;
}

/* ---- writing ---- */

/* Unknown (NAN) and infinite numbers are null: JSON has no NaN; so are
 * absent strings (jsonio_add_*_or_null). */
static cJSON *step_to_json(const search_step *s)
{
    cJSON *o = cJSON_CreateObject();
    jsonio_add_number_or_null(o, "rate", s->rate);
    jsonio_add_number_or_null(o, "sent_rps", s->sent_rps);
    jsonio_add_number_or_null(o, "achieved_rps", s->achieved_rps);
    jsonio_add_number_or_null(o, "ok_rps", s->ok_rps);
    jsonio_add_number_or_null(o, "p50_ms", s->p50_ms);
    jsonio_add_number_or_null(o, "p90_ms", s->p90_ms);
    jsonio_add_number_or_null(o, "p99_ms", s->p99_ms);
    jsonio_add_number_or_null(o, "error_rate", s->error_rate);
    jsonio_add_number_or_null(o, "shed_rate", s->shed_rate);
    cJSON_AddBoolToObject(o, "pass", s->pass);
    cJSON_AddBoolToObject(o, "far_below_slo", s->far_below_slo);
    jsonio_add_string_or_null(o, "reason", s->pass ? NULL : search_limit_name(s->reason));
    jsonio_add_string_or_null(o, "why", s->why);
    jsonio_add_string_or_null(o, "failed_subsystem", s->tag);
    cJSON_AddBoolToObject(o, "generator_limited", s->generator_limited);
    if (s->nresources) {
        cJSON *arr = cJSON_AddArrayToObject(o, "resources");
        for (size_t i = 0; i < s->nresources && i < SEARCH_MAX_RESOURCES; i++) {
            const search_resource *r = &s->resources[i];
            cJSON *ro = cJSON_CreateObject();
            cJSON_AddStringToObject(ro, "target", r->target);
            cJSON_AddStringToObject(ro, "series", r->series);
            cJSON_AddStringToObject(ro, "unit", r->unit);
            jsonio_add_number_or_null(ro, "value", r->value);
            jsonio_add_number_or_null(ro, "limit", r->limit);
            cJSON_AddBoolToObject(ro, "nearest_limit", (int)i == s->nearest_limit);
            cJSON_AddItemToArray(arr, ro);
        }
    }
    return o;
}

static cJSON *usl_to_json(const capacity_usl *u)
{
    if (!u->present)
        return cJSON_CreateNull();
    const usl_fit *f = &u->fit;
    cJSON *o = cJSON_CreateObject();
    jsonio_add_number_or_null(o, "alpha", f->alpha);
    jsonio_add_number_or_null(o, "beta", f->beta);
    jsonio_add_number_or_null(o, "gamma", f->gamma);
    jsonio_add_number_or_null(o, "alpha_se", f->alpha_se);
    jsonio_add_number_or_null(o, "beta_se", f->beta_se);
    jsonio_add_number_or_null(o, "gamma_se", f->gamma_se);
    jsonio_add_number_or_null(o, "residual_se", f->residual_se);
    jsonio_add_number_or_null(o, "r_squared", f->r_squared);
    jsonio_add_number_or_null(o, "n_star", f->n_star);
    jsonio_add_number_or_null(o, "x_max", f->x_max);
    cJSON_AddBoolToObject(o, "poor_fit", f->poor_fit);
    jsonio_add_string_or_null(o, "warning", f->warning);
    cJSON *points = cJSON_AddArrayToObject(o, "points");
    for (size_t i = 0; i < u->npoints; i++) {
        cJSON *p = cJSON_CreateObject();
        jsonio_add_number_or_null(p, "n", u->load[i]);
        jsonio_add_number_or_null(p, "throughput", u->throughput[i]);
        cJSON_AddItemToArray(points, p);
    }
    return o;
}

static cJSON *subsystem_to_json(const capacity_subsystem *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", s->name);
    cJSON *slo = cJSON_AddObjectToObject(o, "slo");
    jsonio_add_number_or_null(slo, "p99_ms", s->slo_p99_ms);
    jsonio_add_number_or_null(slo, "error_rate", s->slo_error_rate);
    jsonio_add_string_or_null(slo, "expr", s->slo_expr);
    jsonio_add_number_or_null(o, "capacity_rps", s->capacity_rps);
    jsonio_add_number_or_null(o, "upper_bound_rps", s->upper_bound_rps);
    cJSON_AddBoolToObject(o, "at_least", s->at_least);
    cJSON_AddStringToObject(o, "limited_by", search_limit_name(s->limited_by));
    jsonio_add_string_or_null(o, "limiting_subsystem", s->limiting_tag);
    jsonio_add_string_or_null(o, "resource_at_capacity", s->resource_at_capacity);
    cJSON_AddBoolToObject(o, "generator_limited", s->generator_limited);
    cJSON_AddBoolToObject(o, "interrupted", s->interrupted);
    jsonio_add_number_or_null(o, "duration_s", s->duration_s);
    cJSON *steps = cJSON_AddArrayToObject(o, "steps");
    for (size_t i = 0; i < s->nsteps; i++)
        cJSON_AddItemToArray(steps, step_to_json(&s->steps[i]));
    cJSON_AddItemToObject(o, "usl", usl_to_json(&s->usl));
    return o;
}

cJSON *capacity_to_json(const capacity_result *c)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    cJSON_AddStringToObject(root, "schema", CAPACITY_SCHEMA);
    cJSON_AddStringToObject(root, "crest_version", CREST_VERSION);
    jsonio_add_string_or_null(root, "started_at", c->started_at);
    jsonio_add_string_or_null(root, "scenario", c->scenario);
    jsonio_add_string_or_null(root, "target", c->target);
    cJSON_AddBoolToObject(root, "interrupted", c->interrupted);
    cJSON_AddBoolToObject(root, "partial", c->partial);
    cJSON *set = cJSON_AddObjectToObject(root, "settings");
    jsonio_add_number_or_null(set, "step_s", c->step_s);
    jsonio_add_number_or_null(set, "warmup_s", c->warmup_s);
    jsonio_add_number_or_null(set, "tolerance", c->tolerance);
    jsonio_add_number_or_null(set, "max_rate", c->max_rate);
    jsonio_add_number_or_null(set, "start_rate", c->start_rate);
    cJSON_AddNumberToObject(set, "connections", c->connections);
    cJSON_AddNumberToObject(set, "threads", c->threads);
    cJSON *subs = cJSON_AddArrayToObject(root, "subsystems");
    for (size_t i = 0; i < c->nsubsystems; i++)
        cJSON_AddItemToArray(subs, subsystem_to_json(&c->subsystems[i]));
    return root;
}

int capacity_write(const char *path, const capacity_result *c)
{
    cJSON *root = capacity_to_json(c);
    if (!root) {
        crest_error("out of memory writing '%s'", path);
        return -1;
    }
    int rc = jsonio_write_file(path, root);
    cJSON_Delete(root);
    return rc;
}

/* ---- reading ---- */

typedef struct reader {
    const char *file;
    char path[160];
} reader;

/* A number or null (NAN); absent is an error. */
static int get_nullable(const reader *rd, const cJSON *obj, const char *key, double *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (item && cJSON_IsNull(item)) {
        *out = NAN;
        return 0;
    }
    return jsonio_get_number(rd->file, rd->path, obj, key, 1, out);
}

/* A string or null (NULL); absent is NULL. Copies. */
static int get_opt_string(const reader *rd, const cJSON *obj, const char *key, char **out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    if (!item || cJSON_IsNull(item))
        return 0;
    const char *s;
    if (jsonio_get_string(rd->file, rd->path, obj, key, 1, &s) != 0)
        return -1;
    *out = strdup(s);
    return *out ? 0 : -1;
}

static int get_limit(const reader *rd, const cJSON *obj, const char *key, int nullable,
                     enum search_limit *out)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (nullable && (!item || cJSON_IsNull(item))) {
        *out = SEARCH_LIMIT_NONE;
        return 0;
    }
    const char *s;
    if (jsonio_get_string(rd->file, rd->path, obj, key, 1, &s) != 0)
        return -1;
    if (search_limit_parse(s, out) != 0) {
        crest_error_at(rd->file, 0, "'%s.%s' is '%s'; expected one of: latency, errors, shed, "
                       "generator, max_rate, none", rd->path, key, s);
        return -1;
    }
    return 0;
}

/* A step's "resources" (scraped metrics at its rate), when present. */
static int read_resources(reader *rd, const cJSON *o, search_step *s)
{
    static const char *const keys[] = {"target", "series", "unit", "value", "limit",
                                       "nearest_limit", NULL};
    s->nearest_limit = -1;
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "resources"), *r;
    if (!arr)
        return 0;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > SEARCH_MAX_RESOURCES) {
        crest_error_at(rd->file, 0, "'%s.resources' must be an array of at most %d readings",
                       rd->path, SEARCH_MAX_RESOURCES);
        return -1;
    }
    size_t base = strlen(rd->path);
    cJSON_ArrayForEach(r, arr) {
        search_resource *x = &s->resources[s->nresources];
        snprintf(rd->path + base, sizeof rd->path - base, ".resources[%zu]", s->nresources);
        const char *t, *se, *u;
        int nearest = 0;
        if (!cJSON_IsObject(r) || jsonio_check_keys(rd->file, rd->path, r, keys) != 0 ||
            jsonio_get_string(rd->file, rd->path, r, "target", 1, &t) != 0 ||
            jsonio_get_string(rd->file, rd->path, r, "series", 1, &se) != 0 ||
            jsonio_get_string(rd->file, rd->path, r, "unit", 1, &u) != 0 ||
            get_nullable(rd, r, "value", &x->value) != 0 ||
            get_nullable(rd, r, "limit", &x->limit) != 0 ||
            jsonio_get_bool(rd->file, rd->path, r, "nearest_limit", 0, &nearest) < 0) {
            if (!cJSON_IsObject(r))
                crest_error_at(rd->file, 0, "'%s' must be an object", rd->path);
            return -1;
        }
        snprintf(x->target, sizeof x->target, "%s", t);
        snprintf(x->series, sizeof x->series, "%s", se);
        snprintf(x->unit, sizeof x->unit, "%s", u);
        if (nearest)
            s->nearest_limit = (int)s->nresources;
        s->nresources++;
    }
    rd->path[base] = '\0';
    return 0;
}

static int read_step(reader *rd, const cJSON *o, search_step *s)
{
    static const char *const keys[] = {"rate", "sent_rps", "achieved_rps", "ok_rps", "p50_ms",
                                       "p90_ms", "p99_ms", "error_rate", "shed_rate", "pass",
                                       "reason", "why", "failed_subsystem", "generator_limited",
                                       "far_below_slo", "resources", NULL};
    if (jsonio_check_keys(rd->file, rd->path, o, keys) != 0)
        return -1;
    memset(s, 0, sizeof *s);
    if (read_resources(rd, o, s) != 0)
        return -1;
    char *why = NULL, *tag = NULL;
    if (jsonio_get_number(rd->file, rd->path, o, "rate", 1, &s->rate) != 0 ||
        get_nullable(rd, o, "sent_rps", &s->sent_rps) != 0 ||
        get_nullable(rd, o, "achieved_rps", &s->achieved_rps) != 0 ||
        get_nullable(rd, o, "ok_rps", &s->ok_rps) != 0 ||
        get_nullable(rd, o, "p50_ms", &s->p50_ms) != 0 ||
        get_nullable(rd, o, "p90_ms", &s->p90_ms) != 0 ||
        get_nullable(rd, o, "p99_ms", &s->p99_ms) != 0 ||
        get_nullable(rd, o, "error_rate", &s->error_rate) != 0 ||
        get_nullable(rd, o, "shed_rate", &s->shed_rate) != 0 ||
        jsonio_get_bool(rd->file, rd->path, o, "pass", 1, &s->pass) != 0 ||
        jsonio_get_bool(rd->file, rd->path, o, "far_below_slo", 0, &s->far_below_slo) < 0 ||
        jsonio_get_bool(rd->file, rd->path, o, "generator_limited", 0, &s->generator_limited) <
            0 ||
        get_limit(rd, o, "reason", 1, &s->reason) != 0 ||
        get_opt_string(rd, o, "why", &why) != 0 ||
        get_opt_string(rd, o, "failed_subsystem", &tag) != 0) {
        free(why);
        return -1;
    }
    if (why)
        snprintf(s->why, sizeof s->why, "%s", why);
    if (tag)
        snprintf(s->tag, sizeof s->tag, "%s", tag);
    free(why);
    free(tag);
    return 0;
}

static int read_usl(reader *rd, const cJSON *o, capacity_usl *u)
{
    static const char *const keys[] = {"alpha", "beta", "gamma", "alpha_se", "beta_se",
                                       "gamma_se", "residual_se", "r_squared", "n_star", "x_max",
                                       "poor_fit", "warning", "points", NULL};
    if (cJSON_IsNull(o))
        return 0;
    if (!cJSON_IsObject(o)) {
        crest_error_at(rd->file, 0, "'%s' must be an object or null", rd->path);
        return -1;
    }
    if (jsonio_check_keys(rd->file, rd->path, o, keys) != 0)
        return -1;
    usl_fit *f = &u->fit;
    char *warning = NULL;
    if (get_nullable(rd, o, "alpha", &f->alpha) != 0 || get_nullable(rd, o, "beta", &f->beta) != 0 ||
        get_nullable(rd, o, "gamma", &f->gamma) != 0 ||
        get_nullable(rd, o, "alpha_se", &f->alpha_se) != 0 ||
        get_nullable(rd, o, "beta_se", &f->beta_se) != 0 ||
        get_nullable(rd, o, "gamma_se", &f->gamma_se) != 0 ||
        get_nullable(rd, o, "residual_se", &f->residual_se) != 0 ||
        get_nullable(rd, o, "r_squared", &f->r_squared) != 0 ||
        get_nullable(rd, o, "n_star", &f->n_star) != 0 ||
        get_nullable(rd, o, "x_max", &f->x_max) != 0 ||
        jsonio_get_bool(rd->file, rd->path, o, "poor_fit", 1, &f->poor_fit) != 0 ||
        get_opt_string(rd, o, "warning", &warning) != 0)
        return -1;
    if (isnan(f->n_star))
        f->n_star = INFINITY; /* null: beta == 0, no peak */
    if (warning)
        snprintf(f->warning, sizeof f->warning, "%s", warning);
    free(warning);
    const cJSON *points = cJSON_GetObjectItemCaseSensitive(o, "points");
    if (!cJSON_IsArray(points)) {
        crest_error_at(rd->file, 0, "'%s.points' must be an array", rd->path);
        return -1;
    }
    size_t n = (size_t)cJSON_GetArraySize(points);
    u->load = calloc(n ? n : 1, sizeof *u->load);
    u->throughput = calloc(n ? n : 1, sizeof *u->throughput);
    if (!u->load || !u->throughput)
        return -1;
    char base[sizeof rd->path];
    snprintf(base, sizeof base, "%s", rd->path);
    const cJSON *p;
    cJSON_ArrayForEach(p, points) {
        snprintf(rd->path, sizeof rd->path, "%.100s.points[%zu]", base, u->npoints);
        if (jsonio_get_number(rd->file, rd->path, p, "n", 1, &u->load[u->npoints]) != 0 ||
            jsonio_get_number(rd->file, rd->path, p, "throughput", 1,
                              &u->throughput[u->npoints]) != 0)
            return -1;
        u->npoints++;
    }
    f->n = u->npoints;
    u->present = 1;
    return 0;
}

static int read_subsystem(reader *rd, const cJSON *o, capacity_subsystem *s)
{
    static const char *const keys[] = {"name", "slo", "capacity_rps", "upper_bound_rps",
                                       "at_least", "limited_by", "limiting_subsystem",
                                       "resource_at_capacity", "generator_limited", "interrupted", "duration_s", "steps",
                                       "usl", NULL};
    static const char *const slo_keys[] = {"p99_ms", "error_rate", "expr", NULL};
    if (!cJSON_IsObject(o)) {
        crest_error_at(rd->file, 0, "'%s' must be an object", rd->path);
        return -1;
    }
    if (jsonio_check_keys(rd->file, rd->path, o, keys) != 0)
        return -1;
    char base[sizeof rd->path];
    snprintf(base, sizeof base, "%s", rd->path);
    if (jsonio_get_number(rd->file, rd->path, o, "duration_s", 0, &s->duration_s) < 0 ||
        get_nullable(rd, o, "capacity_rps", &s->capacity_rps) != 0 ||
        get_nullable(rd, o, "upper_bound_rps", &s->upper_bound_rps) != 0 ||
        jsonio_get_bool(rd->file, rd->path, o, "at_least", 1, &s->at_least) != 0 ||
        jsonio_get_bool(rd->file, rd->path, o, "generator_limited", 0, &s->generator_limited) <
            0 ||
        jsonio_get_bool(rd->file, rd->path, o, "interrupted", 0, &s->interrupted) < 0 ||
        get_limit(rd, o, "limited_by", 0, &s->limited_by) != 0 ||
        get_opt_string(rd, o, "limiting_subsystem", &s->limiting_tag) != 0 ||
        get_opt_string(rd, o, "resource_at_capacity", &s->resource_at_capacity) != 0)
        return -1;
    const cJSON *slo = cJSON_GetObjectItemCaseSensitive(o, "slo");
    if (slo && !cJSON_IsNull(slo)) {
        snprintf(rd->path, sizeof rd->path, "%.100s.slo", base);
        if (!cJSON_IsObject(slo) || jsonio_check_keys(rd->file, rd->path, slo, slo_keys) != 0) {
            if (!cJSON_IsObject(slo))
                crest_error_at(rd->file, 0, "'%s' must be an object", rd->path);
            return -1;
        }
        if (get_nullable(rd, slo, "p99_ms", &s->slo_p99_ms) != 0 ||
            get_nullable(rd, slo, "error_rate", &s->slo_error_rate) != 0 ||
            get_opt_string(rd, slo, "expr", &s->slo_expr) != 0)
            return -1;
    }
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(o, "steps");
    if (steps) {
        if (!cJSON_IsArray(steps)) {
            crest_error_at(rd->file, 0, "'%s.steps' must be an array", base);
            return -1;
        }
        size_t n = (size_t)cJSON_GetArraySize(steps);
        s->steps = calloc(n ? n : 1, sizeof *s->steps);
        if (!s->steps)
            return -1;
        const cJSON *st;
        cJSON_ArrayForEach(st, steps) {
            snprintf(rd->path, sizeof rd->path, "%.100s.steps[%zu]", base, s->nsteps);
            if (read_step(rd, st, &s->steps[s->nsteps]) != 0)
                return -1;
            s->nsteps++;
        }
    }
    const cJSON *usl = cJSON_GetObjectItemCaseSensitive(o, "usl");
    if (usl) {
        snprintf(rd->path, sizeof rd->path, "%.100s.usl", base);
        if (read_usl(rd, usl, &s->usl) != 0)
            return -1;
    }
    snprintf(rd->path, sizeof rd->path, "%s", base);
    return 0;
}

static int read_root(reader *rd, const cJSON *root, capacity_result *out)
{
    static const char *const keys[] = {"schema", "crest_version", "started_at", "scenario",
                                       "target", "interrupted", "partial", "settings", "subsystems",
                                       NULL};
    static const char *const set_keys[] = {"step_s", "warmup_s", "tolerance", "max_rate",
                                           "start_rate", "connections", "threads", NULL};
    if (!cJSON_IsObject(root)) {
        crest_error_at(rd->file, 0, "expected a JSON object at the top level");
        return -1;
    }
    const char *schema;
    if (jsonio_get_string(rd->file, "", root, "schema", 1, &schema) != 0)
        return -1;
    if (strcmp(schema, CAPACITY_SCHEMA) != 0 && strcmp(schema, "crest.capacity/1") != 0) {
        crest_error_at(rd->file, 0, "'schema' is '%s'; expected '%s' (a capacity.json from "
                       "crest search --out)", schema, CAPACITY_SCHEMA);
        return -1;
    }
    if (jsonio_check_keys(rd->file, "", root, keys) != 0)
        return -1;
    rd->path[0] = '\0';
    if (get_opt_string(rd, root, "started_at", &out->started_at) != 0 ||
        get_opt_string(rd, root, "scenario", &out->scenario) != 0 ||
        get_opt_string(rd, root, "target", &out->target) != 0 ||
        jsonio_get_bool(rd->file, "", root, "interrupted", 0, &out->interrupted) < 0 ||
        jsonio_get_bool(rd->file, "", root, "partial", 0, &out->partial) < 0)
        return -1;
    const cJSON *set = cJSON_GetObjectItemCaseSensitive(root, "settings");
    if (set) {
        uint64_t conn = 0, thr = 0;
        if (!cJSON_IsObject(set) || jsonio_check_keys(rd->file, "settings", set, set_keys) != 0) {
            if (!cJSON_IsObject(set))
                crest_error_at(rd->file, 0, "'settings' must be an object");
            return -1;
        }
        if (jsonio_get_number(rd->file, "settings", set, "step_s", 0, &out->step_s) < 0 ||
            jsonio_get_number(rd->file, "settings", set, "warmup_s", 0, &out->warmup_s) < 0 ||
            jsonio_get_number(rd->file, "settings", set, "tolerance", 0, &out->tolerance) < 0 ||
            jsonio_get_number(rd->file, "settings", set, "max_rate", 0, &out->max_rate) < 0 ||
            jsonio_get_number(rd->file, "settings", set, "start_rate", 0, &out->start_rate) < 0 ||
            jsonio_get_count(rd->file, "settings", set, "connections", 0, INT_MAX, &conn) < 0 ||
            jsonio_get_count(rd->file, "settings", set, "threads", 0, INT_MAX, &thr) < 0)
            return -1;
        out->connections = (int)conn;
        out->threads = (int)thr;
    }
    const cJSON *subs = cJSON_GetObjectItemCaseSensitive(root, "subsystems");
    if (!cJSON_IsArray(subs)) {
        crest_error_at(rd->file, 0, "'subsystems' must be an array");
        return -1;
    }
    size_t i = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, subs) {
        snprintf(rd->path, sizeof rd->path, "subsystems[%zu]", i++);
        const char *name;
        if (jsonio_get_string(rd->file, rd->path, o, "name", 1, &name) != 0)
            return -1;
        if (capacity_find(out, name)) {
            crest_error_at(rd->file, 0, "'%s.name': subsystem '%s' appears twice",
                    rd->path, name);
            return -1;
        }
        capacity_subsystem *s = capacity_add_subsystem(out, name);
        if (!s || read_subsystem(rd, o, s) != 0)
            return -1;
    }
    return 0;
}

int capacity_read(const char *path, capacity_result *out)
{
    memset(out, 0, sizeof *out);
    cJSON *root = jsonio_read_file(path);
    if (!root)
        return -1;
    reader rd = {.file = path};
    int rc = read_root(&rd, root, out);
    cJSON_Delete(root);
    if (rc != 0)
        capacity_result_free(out);
    return rc;
}

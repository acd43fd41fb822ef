/* config.c: see config.h. Every check names the file, the JSON path of the
 * offending value and what was expected, since cJSON keeps no positions for
 * values (syntax errors get file:line:col from jsonio). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/jsonio.h"
#include "testbed/config.h"

const char *const testbed_subsystem_names[TESTBED_NSUB + 1] = {
    "member", "product", "inventory", "pricing", "cart",
    "transaction", "order", "cms", "seckill", "coupon", NULL,
};

typedef struct default_row {
    int workers;
    service_dist_kind dist;
    double mean_ms, sigma;
    long queue_limit;
} default_row;

/* Capacities from 4000/s (cms) down to 500/s (seckill): a 2-core machine's
 * load generator can saturate every one of them. Same order as the names. */
static const default_row defaults[TESTBED_NSUB] = {
    {8, SERVICE_LOGNORMAL, 4, 0.5, 1000},     /* member      2000/s */
    {12, SERVICE_LOGNORMAL, 4, 0.5, 1000},    /* product     3000/s */
    {6, SERVICE_EXPONENTIAL, 4, 0, 1000},     /* inventory   1500/s */
    {10, SERVICE_FIXED, 4, 0, 1000},          /* pricing     2500/s */
    {6, SERVICE_LOGNORMAL, 5, 0.6, 1000},     /* cart        1200/s */
    {6, SERVICE_LOGNORMAL, 10, 0.7, 500},     /* transaction  600/s */
    {8, SERVICE_LOGNORMAL, 10, 0.5, 500},     /* order        800/s */
    {16, SERVICE_EXPONENTIAL, 4, 0, 2000},    /* cms         4000/s */
    {4, SERVICE_FIXED, 8, 0, 400},            /* seckill      500/s */
    {5, SERVICE_EXPONENTIAL, 5, 0, 1000},     /* coupon      1000/s */
};

void testbed_config_defaults(testbed_config *c)
{
    memset(c, 0, sizeof *c);
    c->seed = 1;
    c->idle_timeout_s = 60;
    c->header_timeout_s = 10;
    for (int i = 0; i < TESTBED_NSUB; i++) {
        subsystem_config *s = &c->sub[i];
        const default_row *d = &defaults[i];
        s->workers = d->workers;
        service_dist_init(&s->service, d->dist, d->mean_ms / 1000.0, d->sigma);
        s->queue_limit = d->queue_limit;
    }
    /* The flash sale is protected the way a festival plan would protect it:
     * an emergency rate limit just under capacity, and degrade to cached
     * answers if the queue still builds up. */
    subsystem_config *seckill = &c->sub[8];
    seckill->rate_limited = 1;
    seckill->rate = 450;
    seckill->burst = 50;
    seckill->degrade = 1;
    seckill->degrade_above = 100;
}

int testbed_subsystem_index(const char *name, size_t len)
{
    for (int i = 0; i < TESTBED_NSUB; i++)
        if (strlen(testbed_subsystem_names[i]) == len &&
            memcmp(testbed_subsystem_names[i], name, len) == 0)
            return i;
    return -1;
}

double subsystem_capacity(const subsystem_config *s)
{
    return s->workers / s->service.mean_s;
}

static int bad_value(const char *file, const char *path, const char *key, const char *want,
                     double found)
{
    crest_error_at(file, 0, "'%s%s%s' must be %s, found %g", path, *path ? "." : "",
            key, want, found);
    return -1;
}

/* A number at PATH.KEY within [LO, HI] (integral when INTEGER). Same return
 * convention as jsonio_get_number: 0, 1 when absent, -1 after an error. */
static int get_ranged(const char *file, const char *path, const cJSON *obj, const char *key,
                      int integer, double lo, double hi, const char *want, double *out)
{
    double v;
    int rc = jsonio_get_number(file, path, obj, key, 0, &v);
    if (rc != 0)
        return rc;
    if (!isfinite(v) || v < lo || v > hi || (integer && v != floor(v)))
        return bad_value(file, path, key, want, v);
    *out = v;
    return 0;
}

/* A key that is an object, or null/false meaning "off". Returns the object,
 * NULL with *OFF set for null/false, NULL with *OFF clear when absent, and
 * sets *ERR after printing an error for any other type. */
static const cJSON *get_optional_object(const char *file, const char *path, const cJSON *obj,
                                        const char *key, int *off, int *err)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    *off = 0;
    *err = 0;
    if (!item)
        return NULL;
    if (cJSON_IsObject(item))
        return item;
    if (cJSON_IsNull(item) || cJSON_IsFalse(item)) {
        *off = 1;
        return NULL;
    }
    crest_error_at(file, 0, "'%s.%s' must be an object, or null/false to turn it off",
            path, key);
    *err = 1;
    return NULL;
}

static int apply_service_time(const char *file, const char *path, const cJSON *st,
                              subsystem_config *s)
{
    static const char *const keys[] = {"dist", "mean_ms", "sigma", NULL};
    if (jsonio_check_keys(file, path, st, keys) != 0)
        return -1;
    service_dist_kind kind = s->service.kind;
    const char *name;
    int rc = jsonio_get_string(file, path, st, "dist", 0, &name);
    if (rc < 0)
        return -1;
    if (rc == 0 && service_dist_parse(name, &kind) != 0) {
        crest_error_at(file, 0, "'%s.dist' must be one of: fixed, exponential, lognormal; "
                       "found '%s'", path, name);
        return -1;
    }
    double mean_ms = s->service.mean_s * 1000.0;
    if (get_ranged(file, path, st, "mean_ms", 0, 0.001, 3600e3,
                   "a number of milliseconds in [0.001, 3600000]", &mean_ms) < 0)
        return -1;
    double sigma = s->service.kind == SERVICE_LOGNORMAL ? s->service.sigma : 0.5;
    rc = get_ranged(file, path, st, "sigma", 0, 0.0, 3.0, "a number in [0, 3]", &sigma);
    if (rc < 0)
        return -1;
    if (rc == 0 && kind != SERVICE_LOGNORMAL) {
        crest_error_at(file, 0, "'%s.sigma' applies only to \"dist\": \"lognormal\" "
                       "(this one is %s)", path, service_dist_name(kind));
        return -1;
    }
    service_dist_init(&s->service, kind, mean_ms / 1000.0, sigma);
    return 0;
}

static int apply_window(const char *file, const char *path, const cJSON *faults, const char *key,
                        fault_window *w)
{
    int off, err;
    const cJSON *o = get_optional_object(file, path, faults, key, &off, &err);
    if (err)
        return -1;
    if (off) {
        w->every_s = w->for_s = 0;
        return 0;
    }
    if (!o)
        return 0;
    char sub[160];
    snprintf(sub, sizeof sub, "%s.%s", path, key);
    static const char *const keys[] = {"every_s", "for_ms", NULL};
    if (jsonio_check_keys(file, sub, o, keys) != 0)
        return -1;
    double every = 0, for_ms = 0;
    if (jsonio_get_number(file, sub, o, "every_s", 1, &every) < 0 ||
        jsonio_get_number(file, sub, o, "for_ms", 1, &for_ms) < 0)
        return -1;
    if (!isfinite(every) || every <= 0)
        return bad_value(file, sub, "every_s", "a number of seconds > 0", every);
    if (!isfinite(for_ms) || for_ms < 0 || for_ms >= every * 1000)
        return bad_value(file, sub, "for_ms", "a number of milliseconds >= 0 and shorter than "
                         "every_s", for_ms);
    w->every_s = every;
    w->for_s = for_ms / 1000.0;
    return 0;
}

/* "rate_limit": {"rate": R, "burst": B} turns the token bucket on, null
 * or false turns it off, absent keeps the default. 0 or -1. */
static int apply_rate_limit(const char *file, const char *path, const cJSON *o,
                            subsystem_config *s)
{
    int off, err;
    const cJSON *rl = get_optional_object(file, path, o, "rate_limit", &off, &err);
    if (err)
        return -1;
    if (off)
        s->rate_limited = 0;
    if (!rl)
        return 0;
    char sub[128];
    snprintf(sub, sizeof sub, "%s.rate_limit", path);
    static const char *const rl_keys[] = {"rate", "burst", NULL};
    if (jsonio_check_keys(file, sub, rl, rl_keys) != 0)
        return -1;
    double rate = 0;
    if (jsonio_get_number(file, sub, rl, "rate", 1, &rate) < 0)
        return -1;
    if (!isfinite(rate) || rate <= 0)
        return bad_value(file, sub, "rate", "a number of requests per second > 0", rate);
    double burst = rate / 10 > 1 ? rate / 10 : 1;
    if (get_ranged(file, sub, rl, "burst", 0, 1, 1e9, "a number of requests >= 1", &burst) < 0)
        return -1;
    s->rate_limited = 1;
    s->rate = rate;
    s->burst = burst;
    return 0;
}

/* "degrade": {"queue_above": N}, as apply_rate_limit. */
static int apply_degrade(const char *file, const char *path, const cJSON *o, subsystem_config *s)
{
    int off, err;
    const cJSON *dg = get_optional_object(file, path, o, "degrade", &off, &err);
    if (err)
        return -1;
    if (off)
        s->degrade = 0;
    if (!dg)
        return 0;
    char sub[128];
    snprintf(sub, sizeof sub, "%s.degrade", path);
    static const char *const dg_keys[] = {"queue_above", NULL};
    if (jsonio_check_keys(file, sub, dg, dg_keys) != 0)
        return -1;
    double above = 0;
    if (jsonio_get_number(file, sub, dg, "queue_above", 1, &above) < 0)
        return -1;
    if (!isfinite(above) || above < 0 || above != floor(above) || above > 10000000)
        return bad_value(file, sub, "queue_above", "an integer in [0, 10000000]", above);
    s->degrade = 1;
    s->degrade_above = (long)above;
    return 0;
}

/* "faults": {"stall", "error_burst", "reset_fraction"}, as apply_rate_limit. */
static int apply_faults(const char *file, const char *path, const cJSON *o, subsystem_config *s)
{
    int off, err;
    const cJSON *fa = get_optional_object(file, path, o, "faults", &off, &err);
    if (err)
        return -1;
    if (off) {
        memset(&s->stall, 0, sizeof s->stall);
        memset(&s->error_burst, 0, sizeof s->error_burst);
        s->reset_fraction = 0;
    }
    if (!fa)
        return 0;
    char sub[128];
    snprintf(sub, sizeof sub, "%s.faults", path);
    static const char *const fa_keys[] = {"stall", "error_burst", "reset_fraction", NULL};
    if (jsonio_check_keys(file, sub, fa, fa_keys) != 0)
        return -1;
    if (apply_window(file, sub, fa, "stall", &s->stall) != 0 ||
        apply_window(file, sub, fa, "error_burst", &s->error_burst) != 0)
        return -1;
    return get_ranged(file, sub, fa, "reset_fraction", 0, 0, 1, "a fraction in [0, 1]",
                      &s->reset_fraction) < 0 ? -1 : 0;
}

static int apply_subsystem(const char *file, const char *path, const cJSON *o, subsystem_config *s)
{
    static const char *const keys[] = {"workers", "service_time", "queue_limit", "rate_limit",
                                       "degrade", "faults", NULL};
    if (!cJSON_IsObject(o)) {
        crest_error_at(file, 0, "'%s' must be an object", path);
        return -1;
    }
    if (jsonio_check_keys(file, path, o, keys) != 0)
        return -1;
    double v = s->workers;
    if (get_ranged(file, path, o, "workers", 1, 1, 100000, "an integer in [1, 100000]", &v) < 0)
        return -1;
    s->workers = (int)v;
    v = (double)s->queue_limit;
    if (get_ranged(file, path, o, "queue_limit", 1, 0, 10000000, "an integer in [0, 10000000]",
                   &v) < 0)
        return -1;
    s->queue_limit = (long)v;

    const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "service_time");
    if (st) {
        char sub[128];
        snprintf(sub, sizeof sub, "%s.service_time", path);
        if (!cJSON_IsObject(st)) {
            crest_error_at(file, 0, "'%s' must be an object like {\"dist\": \"lognormal\", "
                           "\"mean_ms\": 4, \"sigma\": 0.5}", sub);
            return -1;
        }
        if (apply_service_time(file, sub, st, s) != 0)
            return -1;
    }
    if (apply_rate_limit(file, path, o, s) != 0 || apply_degrade(file, path, o, s) != 0 ||
        apply_faults(file, path, o, s) != 0)
        return -1;
    return 0;
}

/* "alter": {"path": "/cart/view"} and "trace_ids": true (docs/testbed.md). */
static int apply_shadow_demo(const char *file, const cJSON *root, testbed_config *c)
{
    static const char *const alter_keys[] = {"path", NULL};
    const cJSON *alter = cJSON_GetObjectItemCaseSensitive(root, "alter");
    if (alter && !cJSON_IsNull(alter)) {
        const cJSON *path = cJSON_GetObjectItemCaseSensitive(alter, "path");
        if (!cJSON_IsObject(alter) || jsonio_check_keys(file, "alter", alter, alter_keys) != 0 ||
            !cJSON_IsString(path) || path->valuestring[0] != '/' ||
            strlen(path->valuestring) >= sizeof c->alter_path) {
            crest_error_at(file, 0, "'alter' must be {\"path\": \"/prefix\"} (a path starting "
                           "with '/', under %zu characters)", sizeof c->alter_path);
            return -1;
        }
        snprintf(c->alter_path, sizeof c->alter_path, "%s", path->valuestring);
    }
    const cJSON *tr = cJSON_GetObjectItemCaseSensitive(root, "trace_ids");
    if (tr && !cJSON_IsBool(tr)) {
        crest_error_at(file, 0, "'trace_ids' must be true or false");
        return -1;
    }
    if (tr)
        c->trace_ids = cJSON_IsTrue(tr);
    return 0;
}

int testbed_config_apply(const char *file, const cJSON *root, testbed_config *c)
{
    static const char *const keys[] = {"subsystems", "seed", "alter", "trace_ids",
                                       "idle_timeout_s", "header_timeout_s", NULL};
    if (!cJSON_IsObject(root)) {
        crest_error_at(file, 0, "the top level must be an object like {\"subsystems\": {...}, "
                       "\"seed\": 1}");
        return -1;
    }
    if (jsonio_check_keys(file, "", root, keys) != 0)
        return -1;
    double seed = (double)c->seed;
    if (get_ranged(file, "", root, "seed", 1, 0, 9007199254740992.0,
                   "an integer in [0, 2^53]", &seed) < 0)
        return -1;
    c->seed = (uint64_t)seed;
    if (get_ranged(file, "", root, "idle_timeout_s", 0, 0, 86400, "seconds in [0, 86400] (0: off)",
                   &c->idle_timeout_s) < 0 ||
        get_ranged(file, "", root, "header_timeout_s", 0, 0, 86400,
                   "seconds in [0, 86400] (0: off)", &c->header_timeout_s) < 0)
        return -1;
    if (apply_shadow_demo(file, root, c) != 0)
        return -1;
    const cJSON *subs = cJSON_GetObjectItemCaseSensitive(root, "subsystems");
    if (!subs)
        return 0;
    if (!cJSON_IsObject(subs)) {
        crest_error_at(file, 0, "'subsystems' must be an object keyed by subsystem name");
        return -1;
    }
    if (jsonio_check_keys(file, "subsystems", subs, testbed_subsystem_names) != 0)
        return -1;
    const cJSON *item;
    cJSON_ArrayForEach(item, subs) {
        int i = testbed_subsystem_index(item->string, strlen(item->string));
        char path[64];
        snprintf(path, sizeof path, "subsystems.%s", item->string);
        if (apply_subsystem(file, path, item, &c->sub[i]) != 0)
            return -1;
    }
    return 0;
}

int testbed_config_load(const char *path, testbed_config *c)
{
    testbed_config_defaults(c);
    cJSON *root = jsonio_read_file(path);
    if (!root)
        return -1;
    int rc = testbed_config_apply(path, root, c);
    cJSON_Delete(root);
    return rc;
}

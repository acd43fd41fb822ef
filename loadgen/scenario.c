/* scenario.c: loads a scenario file (docs/scenario-format.md) into a
 * loadplan. Everything is checked here, before any traffic: unknown keys,
 * types, ranges, shapes, feeder files and columns, templates, thresholds,
 * and that the rendered requests fit the engine's buffers. Every error
 * names the file and the JSON path (syntax errors: file:line:col from
 * jsonio; CSV errors: file:line from csvio), what was found and what was
 * expected.
 *
 * Loading runs in two passes: the whole file is parsed and checked into
 * the `parsed_subsystem` list (so that a typo in a subsystem that --only
 * leaves out is still an error), then the kept subsystems are moved into
 * the plan and the phase mixes are resolved against them. time_scale and
 * growth are applied here: the engine sees final durations and rates. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/csvio.h"
#include "common/error.h"
#include "common/jsonio.h"
#include "common/units.h"
#include "loadgen/feeder.h"
#include "loadgen/scenario.h"
#include "loadgen/scenario_loader.h"
#include "loadgen/template.h"

/* "FILE: error: PATH: message". Returns -1 for `return scenario_fail(...)`. */
int scenario_fail(const loader *L, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int scenario_fail(const loader *L, const char *path, const char *fmt, ...)
{
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    crest_error_at(L->file, 0, "%s%s%s", path ? path : "", path && *path ? ": " : "", message);
    return -1;
}

/* A short rendering of V for "found ..." (JSON text, truncated). */
const char *scenario_found(const cJSON *v, char *buf, size_t cap)
{
    if (!v)
        return "nothing";
    char *s = cJSON_PrintUnformatted(v);
    snprintf(buf, cap, "%s", s ? s : "?");
    if (s && strlen(s) >= cap && cap > 4)
        memcpy(buf + cap - 4, "...", 4);
    free(s);
    return buf;
}

static void join_path(char *out, size_t cap, const char *base, const char *key)
{
    snprintf(out, cap, "%s%s%s", base, *base ? "." : "", key);
}

/* Typed getters: 0 found, 1 absent (not required), -1 error printed. */
int scenario_get_number(const loader *L, const char *base, const cJSON *obj, const char *key,
                      int required, double lo, double *out)
{
    char path[256], f[96];
    join_path(path, sizeof path, base, key);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return required ? scenario_fail(L, path, "missing; expected a number >= %g", lo) : 1;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return scenario_fail(L, path, "expected a number; found %s",
                             scenario_found(v, f, sizeof f));
    if (v->valuedouble < lo)
        return scenario_fail(L, path, "expected a number >= %g; found %g", lo, v->valuedouble);
    *out = v->valuedouble;
    return 0;
}

int scenario_get_rate(const loader *L, const char *base, const cJSON *obj, const char *key,
                    int required, double *out)
{
    char path[256], f[96];
    join_path(path, sizeof path, base, key);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return required ? scenario_fail(L, path, "missing; expected a rate in requests/s (>= 0)")
                        : 1;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0)
        return scenario_fail(L, path, "expected a rate in requests/s (>= 0); found %s",
                    scenario_found(v, f, sizeof f));
    *out = v->valuedouble;
    return 0;
}

/* A duration: a number of seconds or a string like "250ms", "30s", "2m". */
int scenario_get_duration(const loader *L, const char *base, const cJSON *obj, const char *key,
                        int required, int positive, double *out)
{
    char path[256], f[96];
    join_path(path, sizeof path, base, key);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return required ? scenario_fail(L, path,
                                        "missing; expected a duration (e.g. 30, \"30s\", \"5m\")")
                        : 1;
    double s = -1;
    int ok = cJSON_IsNumber(v)
                 ? (s = v->valuedouble, isfinite(s))
                 : cJSON_IsString(v) && units_parse_duration(v->valuestring, 1, &s) == 0;
    if (!ok || s < 0 || (positive && s <= 0))
        return scenario_fail(L, path,
                             "expected a %sduration (seconds, or a string like \"250ms\", \"30s\", "
                             "\"5m\"); found %s",
                             positive ? "positive " : "", scenario_found(v, f, sizeof f));
    *out = s;
    return 0;
}

int scenario_get_string(const loader *L, const char *base, const cJSON *obj, const char *key,
                      int required, const char **out)
{
    char path[256], f[96];
    join_path(path, sizeof path, base, key);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return required ? scenario_fail(L, path, "missing; expected a string") : 1;
    if (!cJSON_IsString(v))
        return scenario_fail(L, path, "expected a string; found %s",
                             scenario_found(v, f, sizeof f));
    *out = v->valuestring;
    return 0;
}

static int check_unique(const loader *L, const char *path, const cJSON *obj);

/* V must be an object (with at least one entry when NONEMPTY), each key once. */
int scenario_expect_object(const loader *L, const char *path, const cJSON *v, int nonempty)
{
    char f[96];
    if (!cJSON_IsObject(v))
        return scenario_fail(L, path, "expected an object; found %s",
                             scenario_found(v, f, sizeof f));
    if (nonempty && !v->child)
        return scenario_fail(L, path, "empty; expected at least one entry");
    return check_unique(L, path, v);
}

/* cJSON keeps duplicate keys; the first would win silently. */
static int check_unique(const loader *L, const char *path, const cJSON *obj)
{
    for (const cJSON *a = obj ? obj->child : NULL; a; a = a->next)
        for (const cJSON *b = a->next; b; b = b->next)
            if (a->string && b->string && strcmp(a->string, b->string) == 0)
                return scenario_fail(L, path, "duplicate key '%s'; expected each key once",
                                     a->string);
    return 0;
}

/* Unknown keys are errors (a typo must never silently change a drill). */
int scenario_check_keys(const loader *L, const char *path, const cJSON *obj,
                      const char *const *allowed)
{
    if (check_unique(L, path, obj) != 0)
        return -1;
    return jsonio_check_keys(L->file, path, obj, allowed);
}

/* Names that become tags, endpoint names and feeder names: no '.', ':' or
 * ',' since those separate things in templates and thresholds. */
static int check_name(const loader *L, const char *path, const char *name, const char *what)
{
    size_t n = strlen(name);
    int ok = n > 0 && n < 64;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)name[i]) || name[i] == '_' || name[i] == '-';
    if (!ok)
        return scenario_fail(L, path, "%s name '%s': expected 1-63 letters, digits, '_' or '-'",
                             what, name);
    return 0;
}

/* An HTTP field name: a non-empty token (RFC 9110 5.1). */
static int is_header_name(const char *name)
{
    int ok = name[0] != '\0';
    for (const char *c = name; ok && *c; c++)
        ok = isalnum((unsigned char)*c) || strchr("!#$%&'*+-.^_`|~", *c);
    return ok;
}

char *scenario_resolve_path(const loader *L, const char *rel)
{
    if (rel[0] == '/')
        return strdup(rel);
    size_t n = strlen(L->dir) + strlen(rel) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", L->dir, rel);
    return p;
}

/* ---- feeders ----------------------------------------------------------- */

static int load_feeders(loader *L, const cJSON *root)
{
    const cJSON *fs = cJSON_GetObjectItemCaseSensitive(root, "feeders");
    if (!fs)
        return 0;
    if (scenario_expect_object(L, "feeders", fs, 0) != 0)
        return -1;
    static const char *const keys[] = {"file", "mode", NULL};
    const cJSON *f;
    cJSON_ArrayForEach(f, fs) {
        char path[256];
        snprintf(path, sizeof path, "feeders.%s", f->string);
        if (check_name(L, path, f->string, "feeder") != 0)
            return -1;
        if (strcmp(f->string, "random") == 0)
            return scenario_fail(L, path,
                                 "'random' is reserved for ${random.int(...)}; expected another "
                                 "feeder name");
        if (L->plan->nfeeders == LOADPLAN_MAX_FEEDERS)
            return scenario_fail(L, path, "too many feeders; expected at most %d",
                                 LOADPLAN_MAX_FEEDERS);
        if (scenario_expect_object(L, path, f, 0) != 0 ||
            scenario_check_keys(L, path, f, keys) != 0)
            return -1;
        const char *file = NULL, *mode = "sequential";
        if (scenario_get_string(L, path, f, "file", 1, &file) < 0 ||
            scenario_get_string(L, path, f, "mode", 0, &mode) < 0)
            return -1;
        enum feeder_mode m;
        if (feeder_mode_parse(mode, &m) != 0)
            return scenario_fail(
                L, path, "mode: expected one of sequential, random, unique; found \"%s\"", mode);
        char *full = scenario_resolve_path(L, file);
        if (!full)
            return scenario_fail(L, path, "out of memory");
        feeder *fd = feeder_load(f->string, full, m);
        free(full);
        if (!fd)
            return scenario_fail(L, path, "feeder file '%s' could not be loaded (see above)", file);
        L->plan->feeders[L->plan->nfeeders++] = fd;
    }
    return 0;
}

static template *compile(const loader *L, const char *path, const char *text)
{
    char err[512];
    template *t = template_compile(text, L->plan->feeders, L->plan->nfeeders, err, sizeof err);
    if (!t)
        scenario_fail(L, path, "%s", err);
    return t;
}

/* ---- subsystems -------------------------------------------------------- */

static void free_parsed(loader *L)
{
    for (size_t i = 0; i < L->nsubs; i++) {
        for (size_t e = 0; e < L->subs[i].nendpoints; e++) {
            parsed_endpoint *pe = &L->subs[i].endpoints[e];
            template_free(pe->path);
            for (size_t h = 0; h < pe->nheaders; h++)
                template_free(pe->headers[h]);
            template_free(pe->body);
        }
        free(L->subs[i].endpoints);
    }
    free(L->subs);
    L->subs = NULL;
    L->nsubs = 0;
}

static int parse_headers(const loader *L, const char *base, const cJSON *hs, parsed_endpoint *pe)
{
    char path[256], f[96];
    join_path(path, sizeof path, base, "headers");
    if (scenario_expect_object(L, path, hs, 0) != 0)
        return -1;
    const cJSON *h;
    cJSON_ArrayForEach(h, hs) {
        char hpath[320];
        snprintf(hpath, sizeof hpath, "%s.%s", path, h->string);
        if (pe->nheaders == LOADPLAN_MAX_HEADERS)
            return scenario_fail(L, hpath, "too many headers; expected at most %d",
                                 LOADPLAN_MAX_HEADERS);
        if (!is_header_name(h->string))
            return scenario_fail(
                L, hpath, "expected a header name (letters, digits, '-'); found '%s'", h->string);
        if (!cJSON_IsString(h))
            return scenario_fail(L, hpath, "expected a string value; found %s",
                                 scenario_found(h, f, sizeof f));
        size_t n = strlen(h->string) + strlen(h->valuestring) + 3;
        char *line = malloc(n);
        if (!line)
            return scenario_fail(L, hpath, "out of memory");
        snprintf(line, n, "%s: %s", h->string, h->valuestring);
        pe->headers[pe->nheaders] = compile(L, hpath, line);
        free(line);
        if (!pe->headers[pe->nheaders])
            return -1;
        pe->nheaders++;
    }
    return 0;
}

static int parse_endpoint(const loader *L, const char *path, const cJSON *e, parsed_subsystem *s,
                          parsed_endpoint *pe)
{
    static const char *const keys[] = {"name", "method", "path", "headers", "body", "weight", NULL};
    static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD",
                                          "OPTIONS", NULL};
    char f[96], sub[320];
    if (scenario_expect_object(L, path, e, 0) != 0 || scenario_check_keys(L, path, e, keys) != 0)
        return -1;
    const char *name = NULL, *method = "GET", *upath = NULL;
    if (scenario_get_string(L, path, e, "name", 1, &name) < 0)
        return -1;
    snprintf(sub, sizeof sub, "%s.name", path);
    if (check_name(L, sub, name, "endpoint") != 0)
        return -1;
    for (size_t i = 0; i < s->nendpoints; i++)
        if (strcmp(s->endpoints[i].name, name) == 0)
            return scenario_fail(L, sub, "duplicate endpoint name '%s'; expected unique names",
                                 name);
    snprintf(pe->name, sizeof pe->name, "%s", name);
    if (scenario_get_string(L, path, e, "method", 0, &method) < 0)
        return -1;
    int known = 0;
    for (const char *const *m = methods; *m; m++)
        known |= strcmp(*m, method) == 0;
    if (!known)
        return scenario_fail(L, path,
                             "method: expected one of GET, POST, PUT, DELETE, PATCH, HEAD, "
                             "OPTIONS; found \"%s\"",
                             method);
    snprintf(pe->method, sizeof pe->method, "%s", method);
    if (scenario_get_string(L, path, e, "path", 1, &upath) < 0)
        return -1;
    snprintf(sub, sizeof sub, "%s.path", path);
    if (upath[0] != '/')
        return scenario_fail(L, sub, "expected a path starting with '/'; found \"%s\"", upath);
    if (!(pe->path = compile(L, sub, upath)))
        return -1;
    const cJSON *hs = cJSON_GetObjectItemCaseSensitive(e, "headers");
    if (hs && parse_headers(L, path, hs, pe) != 0)
        return -1;
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(e, "body");
    if (body) {
        snprintf(sub, sizeof sub, "%s.body", path);
        char *text = NULL;
        if (cJSON_IsString(body))
            text = strdup(body->valuestring);
        else if (cJSON_IsObject(body) || cJSON_IsArray(body))
            text = cJSON_PrintUnformatted(body);
        else
            return scenario_fail(L, sub, "expected a string or a JSON object/array; found %s",
                        scenario_found(body, f, sizeof f));
        if (!text)
            return scenario_fail(L, sub, "out of memory");
        pe->body = compile(L, sub, text);
        free(text);
        if (!pe->body)
            return -1;
    }
    pe->weight = 1;
    if (scenario_get_number(L, path, e, "weight", 0, 0, &pe->weight) < 0)
        return -1;
    return 0;
}

/* A subsystem's "slo": {"p99_ms", "error_rate" (0..1 or "0.1%")}. */
static int parse_subsystem_slo(loader *L, const char *path, const cJSON *slo,
                               parsed_subsystem *s)
{
    static const char *const slo_keys[] = {"p99_ms", "error_rate", NULL};
    char sub[192], f[96];
    snprintf(sub, sizeof sub, "%s.slo", path);
    if (scenario_expect_object(L, sub, slo, 0) != 0 ||
        scenario_check_keys(L, sub, slo, slo_keys) != 0)
        return -1;
    if (scenario_get_number(L, sub, slo, "p99_ms", 0, 0, &s->slo_p99_ms) < 0)
        return -1;
    const cJSON *er = cJSON_GetObjectItemCaseSensitive(slo, "error_rate");
    if (!er)
        return 0;
    double v = -1;
    int ok = cJSON_IsNumber(er) ? (v = er->valuedouble, 1)
                                : cJSON_IsString(er) &&
                                      units_parse_fraction(er->valuestring, &v) == 0;
    if (!ok || v < 0 || v > 1)
        return scenario_fail(L, sub,
                             "error_rate: expected a fraction 0..1 or a percentage like "
                             "\"0.1%%\"; found %s",
                             scenario_found(er, f, sizeof f));
    s->slo_error_rate = v;
    return 0;
}

/* How a subsystem says "degraded, not ok": "shed" (statuses) and
 * "shed_header" (a response header name). */
static int parse_subsystem_shed(loader *L, const char *path, const cJSON *sj,
                                parsed_subsystem *s)
{
    char sub[192], f[96];
    const cJSON *shed = cJSON_GetObjectItemCaseSensitive(sj, "shed");
    if (shed) {
        snprintf(sub, sizeof sub, "%s.shed", path);
        if (!cJSON_IsArray(shed))
            return scenario_fail(L, sub, "expected an array of HTTP statuses like [429]; found %s",
                        scenario_found(shed, f, sizeof f));
        const cJSON *st;
        cJSON_ArrayForEach(st, shed) {
            if (!cJSON_IsNumber(st) || st->valuedouble != floor(st->valuedouble) ||
                st->valuedouble < 100 || st->valuedouble > 599)
                return scenario_fail(L, sub, "expected HTTP statuses (100-599); found %s",
                            scenario_found(st, f, sizeof f));
            if (s->nshed == MAX_SHED)
                return scenario_fail(L, sub, "too many statuses; expected at most %d", MAX_SHED);
            s->shed[s->nshed++] = (int)st->valuedouble;
        }
    }
    const char *sh;
    int has_sh = scenario_get_string(L, path, sj, "shed_header", 0, &sh);
    if (has_sh < 0)
        return -1;
    if (has_sh == 0) {
        snprintf(sub, sizeof sub, "%s.shed_header", path);
        if (!is_header_name(sh) || strlen(sh) >= sizeof s->shed_header)
            return scenario_fail(L, sub,
                                 "expected a response header name (1-%zu letters, digits or "
                                 "!#$%%&'*+-.^_`|~), e.g. \"X-Degraded\"; found \"%s\"",
                                 sizeof s->shed_header - 1, sh);
        snprintf(s->shed_header, sizeof s->shed_header, "%s", sh);
    }
    return 0;
}

/* A subsystem's "scrape": the URL of its Prometheus metrics. */
static int parse_subsystem_scrape(loader *L, const char *path, const cJSON *sj,
                                  parsed_subsystem *s)
{
    const char *scrape;
    int has_scrape = scenario_get_string(L, path, sj, "scrape", 0, &scrape);
    if (has_scrape != 0)
        return has_scrape < 0 ? -1 : 0;
    char sub[192];
    snprintf(sub, sizeof sub, "%s.scrape", path);
    if ((strncmp(scrape, "http://", 7) != 0 && strncmp(scrape, "https://", 8) != 0) ||
        strlen(scrape) >= sizeof s->scrape || strchr(scrape, ' '))
        return scenario_fail(L, sub, "expected the URL of the subsystem's Prometheus metrics "
                    "(http://host:port/metrics, under %zu characters); found \"%s\"",
                    sizeof s->scrape, scrape);
    snprintf(s->scrape, sizeof s->scrape, "%s", scrape);
    return 0;
}

/* A subsystem's "endpoints": a non-empty array with a positive weight sum. */
static int parse_subsystem_endpoints(loader *L, const char *path, const cJSON *sj,
                                     parsed_subsystem *s)
{
    char sub[192], f[96];
    const cJSON *eps = cJSON_GetObjectItemCaseSensitive(sj, "endpoints");
    snprintf(sub, sizeof sub, "%s.endpoints", path);
    if (!eps)
        return scenario_fail(L, sub, "missing; expected an array of endpoints");
    if (!cJSON_IsArray(eps) || cJSON_GetArraySize(eps) == 0)
        return scenario_fail(L, sub, "expected a non-empty array of endpoints; found %s",
                    scenario_found(eps, f, sizeof f));
    s->endpoints = calloc((size_t)cJSON_GetArraySize(eps), sizeof *s->endpoints);
    if (!s->endpoints)
        return scenario_fail(L, sub, "out of memory");
    const cJSON *e;
    double sum = 0;
    cJSON_ArrayForEach(e, eps) {
        char epath[224];
        snprintf(epath, sizeof epath, "%s[%zu]", sub, s->nendpoints);
        parsed_endpoint *pe = &s->endpoints[s->nendpoints];
        int rc = parse_endpoint(L, epath, e, s, pe);
        s->nendpoints++; /* even on error, so that free_parsed frees its templates */
        if (rc != 0)
            return -1;
        sum += pe->weight;
    }
    if (sum <= 0)
        return scenario_fail(L, sub, "endpoint weights sum to 0; expected a positive sum");
    return 0;
}

static int parse_subsystem(loader *L, const cJSON *sj, parsed_subsystem *s)
{
    static const char *const keys[] = {"description", "weight", "calls_per_pv", "slo", "shed",
                                       "shed_header", "scrape", "thresholds", "abort", "endpoints",
                                       NULL};
    char path[128];
    snprintf(path, sizeof path, "subsystems.%s", sj->string);
    if (check_name(L, path, sj->string, "subsystem") != 0)
        return -1;
    snprintf(s->name, sizeof s->name, "%s", sj->string);
    s->slo_error_rate = -1;
    if (scenario_expect_object(L, path, sj, 0) != 0 || scenario_check_keys(L, path, sj, keys) != 0)
        return -1;
    const char *desc;
    if (scenario_get_string(L, path, sj, "description", 0, &desc) < 0)
        return -1;
    int has_cpv = scenario_get_number(L, path, sj, "calls_per_pv", 0, 0, &s->calls_per_pv);
    if (has_cpv < 0)
        return -1;
    int has_w = scenario_get_number(L, path, sj, "weight", 0, 0, &s->weight);
    if (has_w < 0)
        return -1;
    if (has_w == 1) {
        if (has_cpv == 1)
            return scenario_fail(L, path,
                                 "neither 'weight' nor 'calls_per_pv'; expected one of them "
                                 "(the subsystem's share of the default mix)");
        s->weight = s->calls_per_pv;
    }
    const cJSON *slo = cJSON_GetObjectItemCaseSensitive(sj, "slo");
    if (slo && parse_subsystem_slo(L, path, slo, s) != 0)
        return -1;
    if (parse_subsystem_shed(L, path, sj, s) != 0 || parse_subsystem_scrape(L, path, sj, s) != 0)
        return -1;
    return parse_subsystem_endpoints(L, path, sj, s);
}

parsed_subsystem *scenario_find_sub(const loader *L, const char *name, size_t len)
{
    for (size_t i = 0; i < L->nsubs; i++)
        if (strlen(L->subs[i].name) == len && memcmp(L->subs[i].name, name, len) == 0)
            return &L->subs[i];
    return NULL;
}

void scenario_list_subsystems(const loader *L, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < L->nsubs && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", L->subs[i].name);
}

static int parse_subsystems(loader *L, const cJSON *root)
{
    const cJSON *ss = cJSON_GetObjectItemCaseSensitive(root, "subsystems");
    if (!ss)
        return scenario_fail(L, "subsystems", "missing; expected an object of subsystems");
    if (scenario_expect_object(L, "subsystems", ss, 1) != 0)
        return -1;
    L->subs = calloc((size_t)cJSON_GetArraySize(ss), sizeof *L->subs);
    if (!L->subs)
        return scenario_fail(L, "subsystems", "out of memory");
    const cJSON *sj;
    double total = 0;
    cJSON_ArrayForEach(sj, ss) {
        parsed_subsystem *s = &L->subs[L->nsubs++];
        if (parse_subsystem(L, sj, s) != 0)
            return -1;
        total += s->weight;
    }
    if (total <= 0)
        return scenario_fail(L, "subsystems",
                             "subsystem weights (weight or calls_per_pv) sum to 0; "
                             "expected a positive default mix");
    /* --only: keep the named subsystems. */
    for (size_t i = 0; i < L->nsubs; i++)
        L->subs[i].keep = L->opts->only == NULL;
    for (const char *const *o = L->opts->only; o && *o; o++) {
        parsed_subsystem *s = scenario_find_sub(L, *o, strlen(*o));
        if (!s) {
            char names[512];
            scenario_list_subsystems(L, names, sizeof names);
            crest_error("--only '%s': %s has no such subsystem; expected one of: %s", *o, L->file,
                        names);
            return -1;
        }
        s->keep = 1;
    }
    return 0;
}

/* Moves the kept subsystems and their endpoints into the plan. An
 * endpoint's plan weight is its subsystem's share times its share within
 * the subsystem. */
static void build_subsystems(loader *L)
{
    loadplan *p = L->plan;
    for (size_t i = 0; i < L->nsubs; i++) {
        parsed_subsystem *s = &L->subs[i];
        if (!s->keep)
            continue;
        s->plan_index = loadplan_add_subsystem(p, s->name);
        loadplan_subsystem *ps = &p->subsystems[s->plan_index];
        ps->calls_per_pv = s->calls_per_pv;
        ps->slo_p99_ms = s->slo_p99_ms;
        ps->slo_error_rate = s->slo_error_rate;
        memcpy(ps->shed_status, s->shed, sizeof s->shed);
        ps->nshed = s->nshed;
        if (s->shed_header[0] && !(ps->shed_header = strdup(s->shed_header)))
            abort();   /* as loadplan_add_subsystem: no way on without memory */
        if (s->scrape[0] && !(ps->scrape = strdup(s->scrape)))
            abort();
        double sum = 0;
        for (size_t e = 0; e < s->nendpoints; e++)
            sum += s->endpoints[e].weight;
        for (size_t e = 0; e < s->nendpoints; e++) {
            parsed_endpoint *pe = &s->endpoints[e];
            char name[160];
            snprintf(name, sizeof name, "%s.%s", s->name, pe->name);
            size_t k = loadplan_add_endpoint(p, s->plan_index, name, pe->method, pe->path,
                                         s->weight * pe->weight / sum);
            loadplan_endpoint *ep = &p->endpoints[k];
            memcpy(ep->headers, pe->headers, sizeof pe->headers);
            ep->nheaders = pe->nheaders;
            ep->body = pe->body;
            pe->path = pe->body = NULL; /* owned by the plan now */
            pe->nheaders = 0;
        }
    }
}

/* ---- thresholds -------------------------------------------------------- */

/* Adds the expressions in V (a string with comma-separated expressions, or
 * an array of them) to SET. Inside a subsystem (TAG set), untagged
 * expressions get the tag; at the top, a tag must name a subsystem. Rules
 * for subsystems --only leaves out are dropped. */
static int parse_rule_list(const loader *L, const char *path, const cJSON *v, const char *tag,
                           int keep, threshold_set *set)
{
    char f[96];
    const cJSON *items = v, *one;
    if (!cJSON_IsArray(v) && !cJSON_IsString(v))
        return scenario_fail(L, path,
                             "expected a string or an array of strings like \"p99<250ms\"; "
                             "found %s",
                             scenario_found(v, f, sizeof f));
    int single = cJSON_IsString(v);
    size_t idx = 0;
    for (one = single ? v : items->child; one; one = single ? NULL : one->next, idx++) {
        char ipath[224];
        snprintf(ipath, sizeof ipath, single ? "%s" : "%s[%zu]", path, idx);
        if (!cJSON_IsString(one))
            return scenario_fail(L, ipath, "expected a string like \"p99<250ms\"; found %s",
                        scenario_found(one, f, sizeof f));
        const char *s = one->valuestring;
        while (*s) {
            const char *comma = strchr(s, ',');
            size_t n = comma ? (size_t)(comma - s) : strlen(s);
            char expr[128], err[256], full[200];
            while (n > 0 && isspace((unsigned char)*s)) {
                s++;
                n--;
            }
            while (n > 0 && isspace((unsigned char)s[n - 1]))
                n--;
            if (n == 0 || n >= sizeof expr)
                return scenario_fail(L, ipath,
                                     "expected an expression like \"p99<250ms\"; found \"%s\"",
                                     one->valuestring);
            memcpy(expr, s, n);
            expr[n] = '\0';
            threshold t;
            if (threshold_parse(expr, &t, err, sizeof err) != 0)
                return scenario_fail(L, ipath, "%s", err);
            int rule_keep = keep;
            if (tag) {
                if (t.tag[0] && strcmp(t.tag, tag) != 0)
                    return scenario_fail(L, ipath,
                                         "'%s' names subsystem '%s' inside subsystem '%s'; "
                                         "expected no tag or '%s:'",
                                         expr, t.tag, tag, tag);
                snprintf(full, sizeof full, "%s:%s", tag, t.tag[0] ? strchr(expr, ':') + 1 : expr);
            } else {
                if (t.tag[0]) {
                    const parsed_subsystem *ps = scenario_find_sub(L, t.tag, strlen(t.tag));
                    if (!ps) {
                        char names[512];
                        scenario_list_subsystems(L, names, sizeof names);
                        return scenario_fail(L, ipath,
                                             "'%s' names subsystem '%s'; expected one of: %s", expr,
                                             t.tag, names);
                    }
                    rule_keep = ps->keep;
                }
                snprintf(full, sizeof full, "%s", expr);
            }
            if (rule_keep && threshold_set_add(set, full, err, sizeof err) != 0)
                return scenario_fail(L, ipath, "%s", err);
            s = comma ? comma + 1 : s + strlen(s);
        }
    }
    return 0;
}

static int parse_rules(loader *L, const cJSON *root)
{
    static const char *const kinds[] = {"thresholds", "abort"};
    threshold_set *sets[] = {&L->plan->thresholds, &L->plan->aborts};
    for (int k = 0; k < 2; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, kinds[k]);
        if (v && parse_rule_list(L, kinds[k], v, NULL, 1, sets[k]) != 0)
            return -1;
        const cJSON *ss = cJSON_GetObjectItemCaseSensitive(root, "subsystems"), *sj;
        size_t i = 0;
        cJSON_ArrayForEach(sj, ss) {
            char path[192];
            snprintf(path, sizeof path, "subsystems.%s.%s", sj->string, kinds[k]);
            v = cJSON_GetObjectItemCaseSensitive(sj, kinds[k]);
            if (v && parse_rule_list(L, path, v, sj->string, L->subs[i].keep, sets[k]) != 0)
                return -1;
            i++;
        }
    }
    return 0;
}

/* ---- top level --------------------------------------------------------- */

static int parse_target(loader *L, const cJSON *root)
{
    const char *target = NULL;
    if (scenario_get_string(L, "", root, "target", 0, &target) < 0)
        return -1;
    int from_flag = L->opts->target != NULL;
    if (from_flag)
        target = L->opts->target;
    if (!target || strcmp(target, "testbed") == 0)
        return 0;
    if (strncmp(target, "http://", 7) != 0 && strncmp(target, "https://", 8) != 0) {
        if (from_flag)
            crest_error("--target '%s': expected an http:// or https:// URL", target);
        else
            scenario_fail(L, "target",
                          "expected \"testbed\" or an http:// or https:// URL; found \"%s\"",
                          target);
        return -1;
    }
    char why[160];
    if (loadplan_check_target(target, why, sizeof why) != 0) {
        if (from_flag)
            crest_error("--target '%s': %s", target, why);
        else
            scenario_fail(L, "target", "%s; found \"%s\"", why, target);
        return -1;
    }
    L->plan->target = strdup(target);
    size_t n = strlen(L->plan->target);
    while (n > 0 && L->plan->target[n - 1] == '/')
        L->plan->target[--n] = '\0';
    return 0;
}

static int parse_secrets(loader *L, const cJSON *root)
{
    char f[96];
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "secret_headers"), *h;
    if (v && !cJSON_IsArray(v))
        return scenario_fail(L, "secret_headers", "expected an array of header names; found %s",
                    scenario_found(v, f, sizeof f));
    size_t n = 2 + (size_t)(v ? cJSON_GetArraySize(v) : 0);
    loadplan *p = L->plan;
    p->secret_headers = calloc(n, sizeof *p->secret_headers);
    if (!p->secret_headers)
        return scenario_fail(L, "secret_headers", "out of memory");
    p->secret_headers[p->nsecret++] = strdup("Authorization");
    p->secret_headers[p->nsecret++] = strdup("Cookie");
    size_t i = 0;
    cJSON_ArrayForEach(h, v) {
        char path[64];
        snprintf(path, sizeof path, "secret_headers[%zu]", i++);
        if (!cJSON_IsString(h) || !h->valuestring[0])
            return scenario_fail(L, path, "expected a header name; found %s",
                                 scenario_found(h, f, sizeof f));
        int dup = 0;
        for (size_t k = 0; k < p->nsecret; k++)
            dup |= strcasecmp(p->secret_headers[k], h->valuestring) == 0;
        if (!dup)
            p->secret_headers[p->nsecret++] = strdup(h->valuestring);
    }
    return 0;
}

/* Renders every endpoint once (feeder row 0, no cursor moved) so that a
 * request too big for the engine's buffers is an error now, not a stream of
 * failures mid-drill. */
static int check_render(loader *L)
{
    rendered_request *out = malloc(sizeof *out);
    if (!out)
        return scenario_fail(L, "", "out of memory");
    rng r;
    rng_seed(&r, 1);
    render_ctx ctx = {.seq = 1, .rng = &r};
    int rc = 0;
    const loadplan *p = L->plan;
    for (size_t i = 0; i < p->nendpoints && rc == 0; i++) {
        const loadplan_endpoint *e = &p->endpoints[i];
        size_t len = strlen(p->target ? p->target : "");
        const char *what = NULL;
        if (len >= LOADPLAN_URL_CAP)
            what = "the URL";
        memcpy(out->url, p->target ? p->target : "", len + 1);
        if (!what && template_render(e->path, &ctx, out->url, sizeof out->url, &len) != 0)
            what = "the URL";
        for (size_t h = 0; !what && h < e->nheaders; h++) {
            len = 0;
            if (template_render(e->headers[h], &ctx, out->headers[h], LOADPLAN_HEADER_CAP, &len) !=
                0)
                what = "a header";
        }
        len = 0;
        if (!what && e->body &&
            template_render(e->body, &ctx, out->body, LOADPLAN_BODY_CAP, &len) != 0)
            what = "the body";
        if (what) {
            rc = scenario_fail(L, "subsystems",
                               "endpoint '%s': %s does not fit the request buffers "
                               "(URL %d, header %d, body %d bytes); expected a smaller request",
                               e->name, what, LOADPLAN_URL_CAP, LOADPLAN_HEADER_CAP,
                               LOADPLAN_BODY_CAP);
        }
    }
    free(out);
    return rc;
}

static int load(loader *L, const cJSON *root)
{
    static const char *const keys[] = {"schema", "name", "description", "target", "time_scale",
                                       "growth", "arrivals", "secret_headers", "feeders",
                                       "subsystems", "phases", "thresholds", "abort", NULL};
    char f[96];
    if (!cJSON_IsObject(root))
        return scenario_fail(L, "", "expected a JSON object at the top; found %s",
                             scenario_found(root, f, sizeof f));
    if (scenario_check_keys(L, "", root, keys) != 0)
        return -1;
    const char *schema = NULL, *name = NULL, *desc, *arrivals = "poisson";
    if (scenario_get_string(L, "", root, "schema", 0, &schema) < 0)
        return -1;
    if (schema && strcmp(schema, SCENARIO_SCHEMA) != 0)
        return scenario_fail(L, "schema", "expected \"%s\"; found \"%s\"", SCENARIO_SCHEMA, schema);
    if (scenario_get_string(L, "", root, "name", 0, &name) < 0 ||
        scenario_get_string(L, "", root, "description", 0, &desc) < 0)
        return -1;
    if (name) {
        L->plan->name = strdup(name);
    } else {
        const char *base = strrchr(L->file, '/');
        L->plan->name = strdup(base ? base + 1 : L->file);
        char *dot = strrchr(L->plan->name, '.');
        if (dot && dot != L->plan->name)
            *dot = '\0';
    }
    L->time_scale = 1;
    L->growth = 1;
    if (scenario_get_number(L, "", root, "time_scale", 0, 0, &L->time_scale) < 0 ||
        scenario_get_number(L, "", root, "growth", 0, 0, &L->growth) < 0)
        return -1;
    if (L->time_scale <= 0)
        return scenario_fail(L, "time_scale", "expected a positive number; found %g",
                             L->time_scale);
    if (L->growth <= 0)
        return scenario_fail(L, "growth", "expected a positive multiplier; found %g", L->growth);
    if (L->opts->growth > 0)
        L->growth *= L->opts->growth;
    if (scenario_get_string(L, "", root, "arrivals", 0, &arrivals) < 0)
        return -1;
    if (strcmp(arrivals, "poisson") != 0 && strcmp(arrivals, "uniform") != 0)
        return scenario_fail(L, "arrivals", "expected one of poisson, uniform; found \"%s\"",
                             arrivals);
    L->plan->poisson = strcmp(arrivals, "poisson") == 0;
    if (parse_target(L, root) != 0 || parse_secrets(L, root) != 0 || load_feeders(L, root) != 0 ||
        parse_subsystems(L, root) != 0)
        return -1;
    build_subsystems(L);
    if (scenario_parse_phases(L, root) != 0 || parse_rules(L, root) != 0)
        return -1;
    if (check_render(L) != 0)
        return -1;
    return loadplan_prepare(L->plan);
}

loadplan *scenario_load(const char *path, const scenario_options *opts)
{
    static const scenario_options none = {0};
    loader L = {.file = path, .opts = opts ? opts : &none};
    const char *slash = strrchr(path, '/');
    L.dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
    L.plan = loadplan_new(path);
    cJSON *root = jsonio_read_file(path);
    int rc = (!L.dir || !L.plan || !root) ? -1 : load(&L, root);
    cJSON_Delete(root);
    free_parsed(&L);
    free(L.dir);
    if (rc != 0) {
        loadplan_free(L.plan);
        return NULL;
    }
    return L.plan;
}

/* ---- demand (crest plan) ---- */

int scenario_read_demand(const char *file, scenario_demand **rows, size_t *nrows,
                         int *has_profile)
{
    cJSON *root = jsonio_read_file(file);
    if (!root)
        return -1;
    const cJSON *phases = cJSON_GetObjectItemCaseSensitive(root, "phases"), *ph;
    *has_profile = 0;
    for (ph = cJSON_IsArray(phases) ? phases->child : NULL; ph; ph = ph->next) {
        const cJSON *shape = cJSON_GetObjectItemCaseSensitive(ph, "shape");
        *has_profile |= cJSON_IsString(shape) && strcmp(shape->valuestring, "profile") == 0;
    }
    const cJSON *subs = cJSON_GetObjectItemCaseSensitive(root, "subsystems"), *s;
    int rc = 0;
    if (!cJSON_IsObject(subs)) {
        crest_error_at(file, 0, "'subsystems' must be an object keyed by subsystem name");
        cJSON_Delete(root);
        return -1;
    }
    cJSON_ArrayForEach(s, subs) {
        char path[192];
        snprintf(path, sizeof path, "subsystems.%s", s->string);
        double cpp = 0;
        int got = cJSON_IsObject(s) ? jsonio_get_number(file, path, s, "calls_per_pv", 0, &cpp)
                                    : -1;
        if (got < 0 || (got == 0 && !(cpp >= 0))) {
            if (got == 0 || !cJSON_IsObject(s))
                crest_error_at(file, 0, "'%s%s' must be %s", path,
                               cJSON_IsObject(s) ? ".calls_per_pv" : "",
                               cJSON_IsObject(s) ? "a number >= 0" : "an object");
            rc = -1;
            break;
        }
        if (got == 1 || cpp == 0) {
            crest_warn("%s: '%s' has no calls_per_pv; it is left out of the plan", file, path);
            continue;
        }
        if (strlen(s->string) >= sizeof (*rows)->name) {
            crest_error_at(file, 0, "subsystem name '%s' is too long", s->string);
            rc = -1;
            break;
        }
        scenario_demand *grown = realloc(*rows, (*nrows + 1) * sizeof **rows);
        if (!grown) {
            crest_error("out of memory");
            rc = -1;
            break;
        }
        *rows = grown;
        scenario_demand *r = &grown[(*nrows)++];
        memset(r, 0, sizeof *r);
        snprintf(r->name, sizeof r->name, "%s", s->string);
        r->calls_per_pv = cpp;
    }
    if (rc == 0 && *nrows == 0) {
        crest_error_at(file, 0, "no subsystem has 'calls_per_pv' (requests per unit of the "
                                "forecast metric); plan cannot derive any demand");
        rc = -1;
    }
    cJSON_Delete(root);
    return rc;
}

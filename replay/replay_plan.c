/* replay_plan.c: a replay's plan and request tagging (see replay_plan.h). */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "loadgen/scenario.h"
#include "loadgen/template.h"
#include "replay/replay_plan.h"

#define MAX_PATH_MATCH 4096

static int add_rule(replay_tagger *t, const char *glob, size_t glob_len, const char *method,
                    uint32_t endpoint)
{
    replay_rule *r = realloc(t->rules, (t->nrules + 1) * sizeof *r);
    if (!r)
        return -1;
    t->rules = r;
    r = &t->rules[t->nrules];
    r->glob = strndup(glob, glob_len);
    r->method = method ? strdup(method) : NULL;
    r->endpoint = endpoint;
    if (!r->glob || (method && !r->method))
        return -1;
    t->nrules++;
    return 0;
}

/* A scenario endpoint's path template as a glob: ${...} -> '*', the query
 * dropped (the recorded query varies per request). */
static int rule_from_endpoint(replay_tagger *t, const loadplan_endpoint *ep, uint32_t index)
{
    const char *src = template_source(ep->path);
    char glob[MAX_PATH_MATCH];
    size_t n = 0;
    for (const char *p = src; *p && *p != '?' && n + 2 < sizeof glob; p++) {
        if (p[0] == '$' && p[1] == '{') {
            const char *end = strchr(p, '}');
            if (!end)
                break;
            glob[n++] = '*';
            p = end;
            continue;
        }
        if (*p == '*' || *p == '[' || *p == '\\')
            glob[n++] = '\\';
        glob[n++] = *p;
    }
    return add_rule(t, glob, n, ep->method, index);
}

static size_t find_subsystem(const loadplan *p, const char *name)
{
    for (size_t i = 0; i < p->nsubsystems; i++)
        if (strcmp(p->subsystems[i].name, name) == 0)
            return i;
    return SIZE_MAX;
}

/* One endpoint per subsystem for --map rules and "other"; its path
 * template is never rendered (the recorded URL is sent). */
static uint32_t endpoint_for(loadplan *p, const char *subsystem)
{
    size_t s = find_subsystem(p, subsystem);
    if (s == SIZE_MAX)
        s = loadplan_add_subsystem(p, subsystem);
    char name[256];
    snprintf(name, sizeof name, "%s.replay", subsystem);
    for (size_t i = 0; i < p->nendpoints; i++)
        if (strcmp(p->endpoints[i].name, name) == 0)
            return (uint32_t)i;
    char err[128];
    template *path = template_compile("/", NULL, 0, err, sizeof err);
    if (!path)
        abort();
    return (uint32_t)loadplan_add_endpoint(p, s, name, "GET", path, 1);
}

static int add_map(loadplan *p, replay_tagger *t, const char *spec)
{
    const char *eq = strrchr(spec, '=');
    if (!eq || eq == spec || !eq[1]) {
        crest_error("--map '%s': expected 'GLOB=SUBSYSTEM' (e.g. '/cart/*=cart') or "
                    "'METHOD GLOB=SUBSYSTEM'", spec);
        return -1;
    }
    const char *glob = spec, *sp = memchr(spec, ' ', (size_t)(eq - spec));
    char method[16] = "";
    if (sp && spec[0] != '/') {
        size_t ml = (size_t)(sp - spec);
        if (ml >= sizeof method) {
            crest_error("--map '%s': '%.*s' is not an HTTP method", spec, (int)ml, spec);
            return -1;
        }
        memcpy(method, spec, ml);
        method[ml] = '\0';
        glob = sp + 1;
    }
    if (glob[0] != '/' && glob[0] != '*') {
        crest_error("--map '%s': the pattern must start with '/' or '*'", spec);
        return -1;
    }
    uint32_t ep = endpoint_for(p, eq + 1);
    return add_rule(t, glob, (size_t)(eq - glob), method[0] ? method : NULL, ep);
}

static int add_templates(loadplan *p, const replay_plan_options *o)
{
    char err[256];
    for (size_t i = 0; i < p->nendpoints; i++) {
        loadplan_endpoint *ep = &p->endpoints[i];
        for (size_t h = 0; h < o->nheaders; h++) {
            if (ep->nheaders == LOADPLAN_MAX_HEADERS) {
                crest_error("endpoint '%s': more than %d headers", ep->name,
                            LOADPLAN_MAX_HEADERS);
                return -1;
            }
            template *t = template_compile(o->headers[h], NULL, 0, err, sizeof err);
            if (!t) {
                crest_error("-H '%s': %s", o->headers[h], err);
                return -1;
            }
            ep->headers[ep->nheaders++] = t;
        }
        if (o->body && !ep->body) {
            ep->body = template_compile(o->body, NULL, 0, err, sizeof err);
            if (!ep->body) {
                crest_error("--body: %s", err);
                return -1;
            }
        }
    }
    return 0;
}

loadplan *replay_plan_build(const replay_plan_options *o, replay_tagger *t)
{
    memset(t, 0, sizeof *t);
    loadplan *p;
    if (o->scenario) {
        scenario_options so = {.target = o->target, .only = NULL, .growth = 0};
        p = scenario_load(o->scenario, &so);
        if (!p)
            return NULL;
        loadplan_clear_phases(p);
        for (size_t i = 0; i < p->nendpoints; i++)
            if (rule_from_endpoint(t, &p->endpoints[i], (uint32_t)i) != 0)
                goto oom;
    } else {
        p = loadplan_new("replay");
        if (!p)
            goto oom;
        p->name = strdup("replay");
        if (o->target && !(p->target = strdup(o->target)))
            goto oom;
    }
    for (size_t i = 0; i < o->nmaps; i++)
        if (add_map(p, t, o->maps[i]) != 0) {
            replay_tagger_free(t);
            loadplan_free(p);
            return NULL;
        }
    t->other = endpoint_for(p, "other");
    if (add_templates(p, o) != 0) {
        replay_tagger_free(t);
        loadplan_free(p);
        return NULL;
    }
    if (p->target) {   /* the recorded URL is appended to it */
        size_t n = strlen(p->target);
        while (n && p->target[n - 1] == '/')
            p->target[--n] = '\0';
    }
    t->plan = p;
    return p;
oom:
    crest_error("out of memory");
    replay_tagger_free(t);
    loadplan_free(p);
    return NULL;
}

void replay_tagger_free(replay_tagger *t)
{
    for (size_t i = 0; i < t->nrules; i++) {
        free(t->rules[i].glob);
        free(t->rules[i].method);
    }
    free(t->rules);
    t->rules = NULL;
    t->nrules = 0;
}

uint32_t replay_tagger_tag(void *tagger, const char *method, const char *url, size_t url_len)
{
    replay_tagger *t = tagger;
    char path[MAX_PATH_MATCH];
    const char *q = memchr(url, '?', url_len);
    size_t n = q ? (size_t)(q - url) : url_len;
    uint32_t ep = t->other;
    if (n < sizeof path) {
        memcpy(path, url, n);
        path[n] = '\0';
        for (size_t i = 0; i < t->nrules; i++) {
            const replay_rule *r = &t->rules[i];
            if ((!r->method || strcmp(r->method, method) == 0) && fnmatch(r->glob, path, 0) == 0) {
                ep = r->endpoint;
                break;
            }
        }
    }
    if (replay_method_has_body(method) && !t->plan->endpoints[ep].body)
        return REPLAY_SKIP;
    return ep;
}

int replay_plan_timeline(loadplan *p, const replay_stats *scan, double speed, double bound_s)
{
    loadplan_clear_phases(p);
    if (scan && scan->nseconds) {
        loadplan_phase *ph = loadplan_add_phase(p, "replay", (double)scan->nseconds / speed);
        ph->rate.shape = SHAPE_PROFILE;
        ph->rate.from = 1;
        ph->rate.profile_step_s = 1 / speed;
        ph->rate.profile = malloc(scan->nseconds * sizeof *ph->rate.profile);
        if (!ph->rate.profile) {
            crest_error("out of memory");
            return -1;
        }
        ph->rate.profile_len = scan->nseconds;
        for (size_t i = 0; i < scan->nseconds; i++)
            ph->rate.profile[i] = scan->arrivals_per_s[i] * speed;
    } else {
        loadplan_phase *ph = loadplan_add_phase(p, "replay", bound_s);
        ph->rate.shape = SHAPE_CONSTANT;
        ph->rate.from = 0;
    }
    return loadplan_prepare(p);
}

/* adhoc.c: `crest run --url` flags to a load plan (see adhoc.h). All the
 * checking of those flags happens here, before anything runs, so a bad
 * flag is a usage error (exit 2) that names the flag. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/jsonio.h"
#include "common/units.h"
#include "loadgen/adhoc.h"
#include "loadgen/template.h"

static int parse_rate(const char *s, double *out)
{
    return units_parse_double(s, out) == 0 && *out >= 0 ? 0 : -1;
}

int adhoc_parse_stages(loadplan *p, const char *spec, char *err, size_t errlen)
{
    if (!spec || !*spec) {
        snprintf(err, errlen, "--stages: empty; expected DURATION:RATE or DURATION:FROM-TO, "
                 "comma-separated (e.g. 30s:0-5000,60s:5000)");
        return -1;
    }
    const char *s = spec;
    for (int n = 1;; n++) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        char stage[128];
        if (len == 0 || len >= sizeof stage) {
            snprintf(err, errlen, "--stages: stage %d is %s; expected DURATION:RATE or "
                     "DURATION:FROM-TO", n, len ? "too long" : "empty");
            return -1;
        }
        memcpy(stage, s, len);
        stage[len] = '\0';
        char *colon = strchr(stage, ':');
        if (!colon) {
            snprintf(err, errlen, "--stages: stage %d '%s' has no ':'; expected "
                     "DURATION:RATE or DURATION:FROM-TO", n, stage);
            return -1;
        }
        *colon = '\0';
        double dur;
        if (units_parse_duration(stage, 1, &dur) != 0 || dur <= 0) {
            snprintf(err, errlen, "--stages: stage %d: expected a positive duration such as "
                     "30s before ':', found '%s'", n, stage);
            return -1;
        }
        char *rates = colon + 1;
        /* A '-' after the first character separates FROM and TO. */
        char *dash = strchr(rates + (*rates == '-' ? 1 : 0), '-');
        double from, to;
        if (dash) {
            *dash = '\0';
            if (parse_rate(rates, &from) != 0 || parse_rate(dash + 1, &to) != 0) {
                *dash = '-';
                snprintf(err, errlen, "--stages: stage %d: expected FROM-TO rates >= 0 "
                         "(requests/s) after ':', found '%s'", n, rates);
                return -1;
            }
        } else {
            if (parse_rate(rates, &from) != 0) {
                snprintf(err, errlen, "--stages: stage %d: expected a rate >= 0 (requests/s) "
                         "after ':', found '%s'", n, rates);
                return -1;
            }
            to = from;
        }
        char name[32];
        snprintf(name, sizeof name, "stage%d", n);
        loadplan_phase *ph = loadplan_add_phase(p, name, dur);
        ph->rate.shape = from == to ? SHAPE_CONSTANT : SHAPE_RAMP;
        ph->rate.from = from;
        ph->rate.to = to;
        if (!comma)
            return 0;
        s = comma + 1;
    }
}

/* Splits URL into the plan target (scheme://authority) and the path
 * (at least "/"). 0 or -1 after printing why. */
static int split_url(const char *url, char **target, char **path)
{
    const char *sep = strstr(url, "://");
    if (!sep || !((sep - url == 4 && strncasecmp(url, "http", 4) == 0) ||
                  (sep - url == 5 && strncasecmp(url, "https", 5) == 0))) {
        crest_error("--url '%s': expected http://HOST[:PORT][/PATH] or https://...", url);
        return -1;
    }
    const char *host = sep + 3;
    size_t hlen = strcspn(host, "/?#");
    if (hlen == 0) {
        crest_error("--url '%s': missing host after '://'", url);
        return -1;
    }
    for (const char *c = url; *c; c++)
        if (isspace((unsigned char)*c)) {
            crest_error("--url '%s': URLs cannot contain spaces (encode them as %%20)", url);
            return -1;
        }
    size_t tlen = (size_t)(host - url) + hlen;
    const char *rest = host + hlen;
    *target = strndup(url, tlen);
    char why[160];
    if (*target && loadplan_check_target(*target, why, sizeof why) != 0) {
        crest_error("--url '%s': %s", url, why);
        free(*target);
        *target = NULL;
        return -1;
    }
    if (*rest == '/') {
        *path = strdup(rest);
    } else {
        *path = malloc(strlen(rest) + 2);
        if (*path)
            sprintf(*path, "/%s", rest);
    }
    if (!*target || !*path) {
        free(*target);
        free(*path);
        crest_error("out of memory");
        return -1;
    }
    return 0;
}

static template *compile(const char *what, const char *text)
{
    char err[256];
    template *t = template_compile(text, NULL, 0, err, sizeof err);
    if (!t)
        crest_error("%s: %s", what, err);
    return t;
}

static int is_secret(const char *header)
{
    static const char *const secret[] = {"authorization", "proxy-authorization", "cookie",
                                         "x-api-key"};
    size_t n = strcspn(header, ":");
    for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
        if (strlen(secret[i]) == n && strncasecmp(header, secret[i], n) == 0)
            return 1;
    return 0;
}

static int add_secret(loadplan *p, const char *header)
{
    size_t n = strcspn(header, ":");
    char **s = realloc(p->secret_headers, (p->nsecret + 1) * sizeof *s);
    if (!s)
        return -1;
    p->secret_headers = s;
    s[p->nsecret] = strndup(header, n);
    if (!s[p->nsecret])
        return -1;
    p->nsecret++;
    return 0;
}

/* The timeline: --stages, a constant -R rate, or closed loop with -c. */
static int adhoc_timeline(loadplan *p, const adhoc_options *o)
{
    char err[256];
    if (o->stages) {
        if (o->rate > 0) {
            crest_error("-R/--rate and --stages both set the rate; give one of them");
            return -1;
        }
        if (adhoc_parse_stages(p, o->stages, err, sizeof err) != 0) {
            crest_error("%s", err);
            return -1;
        }
    } else if (o->rate > 0) {
        loadplan_phase *ph = loadplan_add_phase(p, "constant", o->duration_s);
        ph->rate.shape = SHAPE_CONSTANT;
        ph->rate.from = o->rate;
    } else {
        if (o->connections <= 0) {
            crest_error("-c/--connections: expected at least 1 connection");
            return -1;
        }
        loadplan_phase *ph = loadplan_add_phase(p, "closed", o->duration_s);
        ph->connections = o->connections;
        ph->think_s = o->think_s;
    }
    if (o->think_s > 0 && (o->stages || o->rate > 0)) {
        crest_error("--think applies to closed-loop runs (-c without -R or --stages)");
        return -1;
    }
    if (!o->stages && o->duration_s <= 0) {
        crest_error("-d/--duration: expected a positive duration such as 30s");
        return -1;
    }
    return 0;
}

static int adhoc_headers(loadplan *p, loadplan_endpoint *ep, const adhoc_options *o)
{
    if (o->nheaders > LOADPLAN_MAX_HEADERS) {
        crest_error("-H: at most %d headers, found %zu", LOADPLAN_MAX_HEADERS, o->nheaders);
        return -1;
    }
    for (size_t h = 0; h < o->nheaders; h++) {
        const char *colon = strchr(o->headers[h], ':');
        if (!colon || colon == o->headers[h]) {
            crest_error("-H '%s': expected 'Name: value'", o->headers[h]);
            return -1;
        }
        if (!(ep->headers[h] = compile("-H", o->headers[h])))
            return -1;
        ep->nheaders++;
        if (is_secret(o->headers[h]) && add_secret(p, o->headers[h]) != 0)
            return -1;
    }
    return 0;
}

/* --body TEXT or --body @FILE. */
static int adhoc_body(loadplan_endpoint *ep, const adhoc_options *o)
{
    if (!o->body)
        return 0;
    const char *text = o->body;
    char *body = NULL;
    int rc = -1;
    if (o->body[0] == '@') {
        size_t len = 0;
        body = jsonio_slurp(o->body + 1, &len);
        if (!body)
            return -1;
        if (strlen(body) != len) {
            crest_error("--body %s: binary bodies (NUL bytes) are not supported", o->body);
            goto out;
        }
        text = body;
    }
    if (strlen(text) >= LOADPLAN_BODY_CAP) {
        crest_error("--body: %zu bytes; at most %d are supported", strlen(text),
                    LOADPLAN_BODY_CAP - 1);
        goto out;
    }
    if ((ep->body = compile("--body", text)))
        rc = 0;
out:
    free(body);
    return rc;
}

/* The one endpoint, "adhoc.request", of subsystem "adhoc". */
static int adhoc_endpoint(loadplan *p, const adhoc_options *o, const char *path)
{
    size_t sub = loadplan_add_subsystem(p, "adhoc");
    template *tpath = compile("--url", path);
    if (!tpath)
        return -1;
    const char *method = o->method ? o->method : (o->body ? "POST" : "GET");
    for (const char *c = method; *c; c++)
        if (!isupper((unsigned char)*c) && *c != '-' && *c != '_') {
            crest_error("-X '%s': expected an HTTP method in capitals such as GET or POST",
                        method);
            template_free(tpath);
            return -1;
        }
    size_t ei = loadplan_add_endpoint(p, sub, "adhoc.request", method, tpath, 1);
    loadplan_endpoint *ep = &p->endpoints[ei];
    if (adhoc_headers(p, ep, o) != 0 || adhoc_body(ep, o) != 0)
        return -1;
    return 0;
}

loadplan *adhoc_plan(const adhoc_options *o)
{
    if (!o->url) {
        crest_error("no target: give --url URL or a SCENARIO.json");
        return NULL;
    }
    loadplan *p = loadplan_new("adhoc");
    char *path = NULL;
    if (!p) {
        crest_error("out of memory");
        return NULL;
    }
    p->name = strdup("adhoc");
    p->poisson = o->poisson;
    if (split_url(o->url, &p->target, &path) != 0 || adhoc_timeline(p, o) != 0 ||
        adhoc_endpoint(p, o, path) != 0) {
        free(path);
        loadplan_free(p);
        return NULL;
    }
    free(path);
    if (loadplan_prepare(p) != 0) {
        loadplan_free(p);
        return NULL;
    }
    return p;
}

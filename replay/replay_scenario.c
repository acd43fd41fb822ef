/* replay_scenario.c: a log turned into a scenario (see replay_scenario.h).
 * One pass over the log through a replay stream (so --from/--to, --scale
 * and the format detection mean what they mean for a replay), with a
 * tagger that discovers endpoints instead of matching known ones; a
 * first pass finds the span when the phase length is not given. */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "common/error.h"
#include "common/jsonio.h"
#include "replay/replay_scenario.h"

#define MAX_ENDPOINTS 200
#define HASH_SLOTS 1024
#define PLACEHOLDER "${random.int(1,99999)}"

typedef struct found_endpoint {
    char *key;            /* "GET /cart/add?sku=${random.int(1,99999)}" */
    char sub[64];
    uint64_t total;
    uint64_t *per_phase;
} found_endpoint;

typedef struct discover {
    const replay_scenario_options *o;
    found_endpoint eps[MAX_ENDPOINTS];
    size_t neps;
    int slots[HASH_SLOTS];    /* index + 1, 0 empty */
    size_t nphases;
    uint64_t overflow;        /* requests beyond MAX_ENDPOINTS distinct keys */
    int oom;
} discover;

static int whole_number(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

int replay_scenario_key(const char *method, const char *url, size_t url_len, char *buf,
                        size_t cap)
{
    size_t n = (size_t)snprintf(buf, cap, "%s ", method);
    size_t i = 0;
    while (i < url_len) {
        /* a piece: up to the next '/', '?', '&' or '=' */
        size_t j = i;
        while (j < url_len && !strchr("/?&=", url[j]))
            j++;
        const char *piece = url + i;
        size_t len = j - i;
        int number = whole_number(piece, len);
        const char *out = number ? PLACEHOLDER : piece;
        size_t olen = number ? strlen(PLACEHOLDER) : len;
        if (n + olen + 2 > cap)
            return -1;
        memcpy(buf + n, out, olen);
        n += olen;
        if (j < url_len)
            buf[n++] = url[j];
        i = j + 1;
    }
    buf[n] = '\0';
    return 0;
}

static void subsystem_of(const discover *d, const char *url, size_t url_len, char *sub,
                         size_t cap)
{
    char path[2048];
    const char *q = memchr(url, '?', url_len);
    size_t n = q ? (size_t)(q - url) : url_len;
    if (n >= sizeof path)
        n = sizeof path - 1;
    memcpy(path, url, n);
    path[n] = '\0';
    for (size_t i = 0; i < d->o->session.plan.nmaps; i++) {
        const char *m = d->o->session.plan.maps[i], *eq = strrchr(m, '=');
        const char *glob = strchr(m, ' ') && m[0] != '/' ? strchr(m, ' ') + 1 : m;
        char g[1024];
        if (!eq || eq <= glob || (size_t)(eq - glob) >= sizeof g)
            continue;
        memcpy(g, glob, (size_t)(eq - glob));
        g[eq - glob] = '\0';
        if (fnmatch(g, path, 0) == 0) {
            snprintf(sub, cap, "%s", eq + 1);
            return;
        }
    }
    const char *s = path[0] == '/' ? path + 1 : path;
    size_t k = 0;
    while (s[k] && s[k] != '/' && k + 1 < cap) {
        char c = s[k];
        sub[k] = (isalnum((unsigned char)c) || c == '_' || c == '-') ? c : '_';
        k++;
    }
    sub[k] = '\0';
    if (k == 0 || whole_number(sub, k))
        snprintf(sub, cap, "root");
}

static uint32_t fnv(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static uint32_t discover_tag(void *ctx, const char *method, const char *url, size_t url_len)
{
    discover *d = ctx;
    char key[4096];
    if (replay_scenario_key(method, url, url_len, key, sizeof key) != 0)
        snprintf(key, sizeof key, "%s /", method);
    uint32_t h = fnv(key) % HASH_SLOTS;
    for (;;) {
        int slot = d->slots[h];
        if (!slot)
            break;
        if (strcmp(d->eps[slot - 1].key, key) == 0)
            return (uint32_t)(slot - 1);
        h = (h + 1) % HASH_SLOTS;
    }
    if (d->neps == MAX_ENDPOINTS)
        return MAX_ENDPOINTS;   /* counted as overflow */
    found_endpoint *e = &d->eps[d->neps];
    e->key = strdup(key);
    if (!e->key) {
        d->oom = 1;
        return MAX_ENDPOINTS;
    }
    subsystem_of(d, url, url_len, e->sub, sizeof e->sub);
    d->slots[h] = (int)++d->neps;
    return (uint32_t)(d->neps - 1);
}

static int count(discover *d, uint32_t ep, size_t phase)
{
    if (ep >= d->neps) {
        d->overflow++;
        return 0;
    }
    found_endpoint *e = &d->eps[ep];
    if (phase >= d->nphases) {
        size_t n = phase + 1;
        for (size_t i = 0; i < d->neps; i++) {
            uint64_t *v = realloc(d->eps[i].per_phase, n * sizeof *v);
            if (!v)
                return -1;
            memset(v + d->nphases, 0, (n - d->nphases) * sizeof *v);
            d->eps[i].per_phase = v;
        }
        d->nphases = n;
    }
    if (!e->per_phase) {
        e->per_phase = calloc(d->nphases, sizeof *e->per_phase);
        if (!e->per_phase)
            return -1;
    }
    e->per_phase[phase]++;
    e->total++;
    return 0;
}

/* One pass: every arrival counted in its phase. Returns the stream's
 * stats copy in ST (tables owned by the caller) or -1. */
static int pass(discover *d, double phase_s, replay_stats *st)
{
    replay_config c;
    memset(&c, 0, sizeof c);
    const replay_session_options *so = &d->o->session;
    access_format fmt;
    char err[256];
    if ((so->log_format || so->format) &&
        access_format_init(&fmt, so->log_format ? NULL : so->format, so->log_format, err,
                           sizeof err) != 0) {
        crest_error("%s: %s", so->log_format ? "--log-format" : "--format", err);
        return -1;
    }
    c.path = so->log;
    c.format = (so->log_format || so->format) ? &fmt : NULL;
    c.speed = 1;
    c.scale = so->scale > 0 ? so->scale : 1;
    c.from = so->from;
    c.to = so->to;
    c.strict = so->strict;
    c.max_url = 3072;
    c.seed = so->seed;
    c.tag = discover_tag;
    c.tag_ctx = d;
    replay_stream *s = replay_stream_open(&c);
    if (!s)
        return -1;
    replay_arrival a;
    int rc;
    while ((rc = replay_stream_next(s, &a)) == 1) {
        free(a.url);
        if (phase_s > 0 && count(d, a.endpoint, (size_t)(a.recorded_s / phase_s)) != 0) {
            rc = -1;
            crest_error("out of memory");
            break;
        }
    }
    if (rc == 0) {
        *st = *replay_stream_stats(s);
        size_t n = st->nseconds ? st->nseconds : 1;
        st->arrivals_per_s = malloc(n * sizeof *st->arrivals_per_s);
        st->recorded_per_s = NULL;
        if (!st->arrivals_per_s)
            rc = -1;
        else if (st->nseconds)
            memcpy(st->arrivals_per_s, replay_stream_stats(s)->arrivals_per_s,
                   n * sizeof *st->arrivals_per_s);
    }
    replay_stream_close(s);
    return rc == 0 && !d->oom ? 0 : -1;
}

/* "add", "post_add", from the key's last path segment; unique in SUB. */
static void endpoint_name(const discover *d, size_t idx, char *name, size_t cap)
{
    const found_endpoint *e = &d->eps[idx];
    const char *sp = strchr(e->key, ' ');
    const char *path = sp ? sp + 1 : e->key;
    const char *q = strchr(path, '?');
    size_t plen = q ? (size_t)(q - path) : strlen(path);
    size_t k = plen;
    while (k && path[k - 1] == '/')
        k--;
    size_t b = k;
    while (b && path[b - 1] != '/')
        b--;
    char base[64];
    size_t n = 0;
    if (strncmp(e->key, "GET ", 4) != 0)
        for (const char *m = e->key; *m != ' ' && n + 2 < sizeof base; m++)
            base[n++] = (char)tolower((unsigned char)*m);
    if (n)
        base[n++] = '_';
    for (size_t i = b; i < k && n + 1 < sizeof base; i++)
        base[n++] = (isalnum((unsigned char)path[i]) || path[i] == '_' || path[i] == '-') ? path[i] : '_';
    if (n == 0 || base[n - 1] == '_')
        n += (size_t)snprintf(base + n, sizeof base - n, "root");
    base[n] = '\0';
    int dup = 1;
    for (size_t i = 0; i < idx; i++) {
        char other[80];
        if (strcmp(d->eps[i].sub, e->sub) != 0)
            continue;
        endpoint_name(d, i, other, sizeof other);
        if (strncmp(other, base, strlen(base)) == 0)
            dup++;
    }
    if (dup > 1)
        snprintf(name, cap, "%s_%d", base, dup);
    else
        snprintf(name, cap, "%s", base);
}

static cJSON *build_subsystems(const discover *d, char names[][80], const char *body)
{
    cJSON *subs = cJSON_CreateObject();
    for (size_t i = 0; subs && i < d->neps; i++) {
        const found_endpoint *e = &d->eps[i];
        cJSON *s = cJSON_GetObjectItemCaseSensitive(subs, e->sub);
        if (!s) {
            s = cJSON_AddObjectToObject(subs, e->sub);
            uint64_t w = 0;
            for (size_t k = 0; k < d->neps; k++)
                if (strcmp(d->eps[k].sub, e->sub) == 0)
                    w += d->eps[k].total;
            cJSON_AddNumberToObject(s, "weight", (double)w);
            cJSON *slo = cJSON_AddObjectToObject(s, "slo");
            cJSON_AddNumberToObject(slo, "p99_ms", 500);
            cJSON_AddStringToObject(slo, "error_rate", "1%");
            cJSON_AddArrayToObject(s, "endpoints");
        }
        cJSON *ep = cJSON_CreateObject();
        char method[16];
        const char *sp = strchr(e->key, ' ');
        snprintf(method, sizeof method, "%.*s", (int)(sp - e->key), e->key);
        cJSON_AddStringToObject(ep, "name", names[i]);
        cJSON_AddStringToObject(ep, "method", method);
        cJSON_AddStringToObject(ep, "path", sp + 1);
        cJSON_AddNumberToObject(ep, "weight", (double)(e->total ? e->total : 1));
        if (body && (!strcmp(method, "POST") || !strcmp(method, "PUT") || !strcmp(method, "PATCH")))
            cJSON_AddStringToObject(ep, "body", body);
        cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(s, "endpoints"), ep);
    }
    return subs;
}

/* Phase K's mix: every subsystem's and endpoint's count in the phase. */
static cJSON *phase_mix(const discover *d, size_t k, char names[][80])
{
    cJSON *mix = cJSON_CreateObject();
    uint64_t total = 0;
    for (size_t i = 0; i < d->neps; i++) {
        const found_endpoint *e = &d->eps[i];
        uint64_t c = e->per_phase && k < d->nphases ? e->per_phase[k] : 0;
        total += c;
        char key[160];
        snprintf(key, sizeof key, "%s.%s", e->sub, names[i]);
        cJSON_AddNumberToObject(mix, key, (double)c);
        cJSON *s = cJSON_GetObjectItemCaseSensitive(mix, e->sub);
        if (s)
            cJSON_SetNumberValue(s, s->valuedouble + (double)c);
        else
            cJSON_AddNumberToObject(mix, e->sub, (double)c);
    }
    if (total == 0) {
        cJSON_Delete(mix);
        return NULL;
    }
    /* a subsystem silent in this phase keeps its endpoints' weights at 0 */
    return mix;
}

static int write_profile(const char *path, const replay_stats *st, size_t from, size_t n)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        crest_error("cannot write '%s': %m", path);
        return -1;
    }
    fprintf(f, "rate\n");
    for (size_t i = from; i < from + n; i++)
        fprintf(f, "%u\n", i < st->nseconds ? st->arrivals_per_s[i] : 0);
    if (fclose(f) != 0) {
        crest_error("cannot write '%s': %m", path);
        return -1;
    }
    return 0;
}

static int write_scenario(const discover *d, const replay_stats *st, double phase_s)
{
    const replay_scenario_options *o = d->o;
    char dirbuf[4096], basebuf[4096], stem[1024], profdir[4096];
    snprintf(dirbuf, sizeof dirbuf, "%s", o->output);
    snprintf(basebuf, sizeof basebuf, "%s", o->output);
    const char *dir = dirname(dirbuf), *base = basename(basebuf);
    snprintf(stem, sizeof stem, "%s", base);
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem)
        *dot = '\0';
    snprintf(profdir, sizeof profdir, "%s/%s.profiles", dir, stem);
    if (mkdir(profdir, 0777) != 0 && errno != EEXIST) {
        crest_error("cannot create '%s': %m", profdir);
        return -1;
    }
    char (*names)[80] = calloc(d->neps ? d->neps : 1, sizeof *names);
    if (!names)
        return -1;
    for (size_t i = 0; i < d->neps; i++)
        endpoint_name(d, i, names[i], sizeof names[i]);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "schema", "crest.scenario/1");
    cJSON_AddStringToObject(root, "name", stem);
    char desc[1024];
    snprintf(desc, sizeof desc, "Derived by crest replay --to-scenario from %s: %llu requests "
             "over %.0f s, scale %g. SLOs are placeholders (p99 500 ms, 1%% errors): edit them.",
             o->session.log, (unsigned long long)st->arrivals, st->last_s, o->session.scale > 0 ? o->session.scale : 1);
    cJSON_AddStringToObject(root, "description", desc);
    cJSON_AddStringToObject(root, "target", "testbed");
    cJSON_AddStringToObject(root, "arrivals", "uniform");
    if (o->session.speed > 0 && o->session.speed != 1)
        cJSON_AddNumberToObject(root, "time_scale", o->session.speed);
    cJSON_AddItemToObject(root, "subsystems", build_subsystems(d, names, o->session.plan.body));
    cJSON *phases = cJSON_AddArrayToObject(root, "phases");
    size_t span = st->nseconds, per = (size_t)ceil(phase_s), rc = 0;
    for (size_t k = 0; per && k * per < span; k++) {
        size_t n = span - k * per < per ? span - k * per : per;
        char file[4200], rel[2200], pname[32];
        snprintf(pname, sizeof pname, "phase%zu", k + 1);
        snprintf(rel, sizeof rel, "%s.profiles/%s.csv", stem, pname);
        snprintf(file, sizeof file, "%s/%s", dir, rel);
        if (write_profile(file, st, k * per, n) != 0) {
            rc = 1;
            break;
        }
        cJSON *ph = cJSON_CreateObject();
        cJSON_AddStringToObject(ph, "name", pname);
        cJSON_AddNumberToObject(ph, "duration", (double)n);
        cJSON_AddStringToObject(ph, "shape", "profile");
        cJSON_AddStringToObject(ph, "profile", rel);
        cJSON *mix = phase_mix(d, k, names);
        if (mix)
            cJSON_AddItemToObject(ph, "mix", mix);
        cJSON_AddItemToArray(phases, ph);
    }
    free(names);
    if (rc == 0 && jsonio_write_file(o->output, root) != 0)
        rc = 1;
    cJSON_Delete(root);
    return rc ? -1 : 0;
}

int replay_scenario_derive(const replay_scenario_options *o)
{
    discover *d = calloc(1, sizeof *d);
    if (!d) {
        crest_error("out of memory");
        return CREST_EXIT_RUN;
    }
    d->o = o;
    double phase_s = o->phase_s;
    replay_stats st;
    memset(&st, 0, sizeof st);
    int rc = CREST_EXIT_USAGE;
    if (phase_s <= 0) {
        if (replay_path_is_file(o->session.log)) {
            if (pass(d, 0, &st) != 0)
                goto out;
            phase_s = fmax(1, ceil((double)st.nseconds / 10));
            free(st.arrivals_per_s);
            st.arrivals_per_s = NULL;
        } else {
            phase_s = 60;
        }
    }
    if (pass(d, phase_s, &st) != 0)
        goto out;
    if (st.arrivals == 0 || d->neps == 0) {
        crest_error("%s: nothing to derive a scenario from (%llu lines read, none replayable "
                    "inside the window)", o->session.log, (unsigned long long)st.lines);
        goto out;
    }
    if (d->overflow)
        crest_warn("%llu requests had more than %d distinct endpoints before them and are left "
                   "out of the mix", (unsigned long long)d->overflow, MAX_ENDPOINTS);
    if (st.skipped_bad)
        crest_warn("%s: %llu lines could not be parsed and were skipped; the first, line %ld: %s",
                   o->session.log, (unsigned long long)st.skipped_bad, st.first_bad_line,
                   st.first_bad);
    rc = write_scenario(d, &st, phase_s) == 0 ? CREST_EXIT_OK : CREST_EXIT_RUN;
out:
    free(st.arrivals_per_s);
    for (size_t i = 0; i < d->neps; i++) {
        free(d->eps[i].key);
        free(d->eps[i].per_phase);
    }
    free(d);
    return rc;
}

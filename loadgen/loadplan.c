/* loadplan.c: building, preparing and evaluating load plans (see loadplan.h). The
 * per-request functions (loadplan_pick_endpoint, loadplan_render) run on the hot
 * path: they allocate nothing. */
#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "loadgen/feeder.h"
#include "loadgen/loadplan.h"
#include "loadgen/template.h"

loadplan *loadplan_new(const char *source)
{
    loadplan *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->source = strdup(source ? source : "adhoc");
    shard_spec_none(&p->shard);
    return p;
}

static void rate_curve_free(rate_curve *c)
{
    free(c->profile);
}

void loadplan_set_shard(loadplan *p, shard_spec *spec)
{
    shard_spec_free(&p->shard);
    p->shard = *spec;
    spec->weights = NULL;
    for (size_t i = 0; i < p->nfeeders; i++) {
        uint64_t first, count;
        shard_block(&p->shard, feeder_rows(p->feeders[i]), &first, &count);
        feeder_set_block(p->feeders[i], first, count);
    }
}

void loadplan_free(loadplan *p)
{
    if (!p)
        return;
    shard_spec_free(&p->shard);
    for (size_t i = 0; i < p->nsubsystems; i++) {
        free(p->subsystems[i].name);
        free(p->subsystems[i].shed_header);
        free(p->subsystems[i].scrape);
    }
    for (size_t i = 0; i < p->nendpoints; i++) {
        loadplan_endpoint *e = &p->endpoints[i];
        free(e->name);
        free(e->method);
        template_free(e->path);
        for (size_t h = 0; h < e->nheaders; h++)
            template_free(e->headers[h]);
        template_free(e->body);
    }
    for (size_t i = 0; i < p->nphases; i++) {
        free(p->phases[i].name);
        free(p->phases[i].mix);
        free(p->phases[i].mix_cumulative);
        rate_curve_free(&p->phases[i].rate);
    }
    for (size_t i = 0; i < p->nfeeders; i++)
        feeder_free(p->feeders[i]);
    for (size_t i = 0; i < p->nsecret; i++)
        free(p->secret_headers[i]);
    free(p->secret_headers);
    threshold_set_free(&p->thresholds);
    threshold_set_free(&p->aborts);
    free(p->subsystems);
    free(p->endpoints);
    free(p->phases);
    free(p->weights_cumulative);
    free(p->source);
    free(p->name);
    free(p->target);
    free(p);
}

size_t loadplan_add_subsystem(loadplan *p, const char *name)
{
    loadplan_subsystem *s = realloc(p->subsystems, (p->nsubsystems + 1) * sizeof *s);
    if (!s)
        abort();
    p->subsystems = s;
    memset(&s[p->nsubsystems], 0, sizeof *s);
    s[p->nsubsystems].name = strdup(name);
    s[p->nsubsystems].slo_error_rate = -1;
    return p->nsubsystems++;
}

size_t loadplan_add_endpoint(loadplan *p, size_t subsystem, const char *name, const char *method,
                         struct template *path, double weight)
{
    loadplan_endpoint *e = realloc(p->endpoints, (p->nendpoints + 1) * sizeof *e);
    if (!e)
        abort();
    p->endpoints = e;
    memset(&e[p->nendpoints], 0, sizeof *e);
    e[p->nendpoints].name = strdup(name);
    e[p->nendpoints].method = strdup(method);
    e[p->nendpoints].subsystem = subsystem;
    e[p->nendpoints].path = path;
    e[p->nendpoints].weight = weight;
    return p->nendpoints++;
}

loadplan_phase *loadplan_add_phase(loadplan *p, const char *name, double duration_s)
{
    loadplan_phase *ph = realloc(p->phases, (p->nphases + 1) * sizeof *ph);
    if (!ph)
        abort();
    p->phases = ph;
    ph = &p->phases[p->nphases++];
    memset(ph, 0, sizeof *ph);
    ph->name = strdup(name);
    ph->duration_s = duration_s;
    ph->rate.shape = SHAPE_CONSTANT;
    return ph;
}

void loadplan_clear_phases(loadplan *p)
{
    for (size_t i = 0; i < p->nphases; i++) {
        free(p->phases[i].name);
        free(p->phases[i].mix);
        free(p->phases[i].mix_cumulative);
        rate_curve_free(&p->phases[i].rate);
    }
    free(p->phases);
    p->phases = NULL;
    p->nphases = 0;
}

static double *cumulative(const loadplan *p, const double *weights)
{
    double *c = malloc((p->nendpoints ? p->nendpoints : 1) * sizeof *c);
    if (!c)
        return NULL;
    double sum = 0;
    for (size_t i = 0; i < p->nendpoints; i++) {
        sum += weights ? weights[i] : p->endpoints[i].weight;
        c[i] = sum;
    }
    return c;
}

/* Extreme numbers are refused here, before anything sized by them is
 * allocated or looped over (the per-second store, rate_curve_max). */
static int check_bounds(const loadplan *p)
{
    double total = 0;
    for (size_t i = 0; i < p->nphases; i++) {
        double d = p->phases[i].duration_s;
        if (!(d >= 0) || !(d <= LOADPLAN_MAX_DURATION_S)) {
            crest_error_at(p->source, 0, "phase '%s' lasts %gs; expected a duration from 0 to "
                           "24h (a longer soak is several runs)", p->phases[i].name, d);
            return -1;
        }
        total += d;
    }
    if (total > LOADPLAN_MAX_DURATION_S) {
        crest_error_at(p->source, 0, "the plan lasts %gs in all; expected at most 24h (%gs): "
                       "split a longer soak into several runs", total, LOADPLAN_MAX_DURATION_S);
        return -1;
    }
    for (size_t i = 0; i < p->nphases; i++) {
        const loadplan_phase *ph = &p->phases[i];
        if (ph->connections > 0)
            continue;
        double hi = rate_curve_max(&ph->rate, ph->duration_s);
        if (!(hi <= LOADPLAN_MAX_RATE)) {
            crest_error_at(p->source, 0, "phase '%s' asks for up to %g requests/s; expected at "
                           "most %g/s (beyond one generator machine: use several)", ph->name,
                           hi, LOADPLAN_MAX_RATE);
            return -1;
        }
    }
    return 0;
}

int loadplan_prepare(loadplan *p)
{
    if (p->nendpoints == 0) {
        crest_error_at(p->source, 0, "the plan has no endpoints; expected at least one");
        return -1;
    }
    if (p->nphases == 0) {
        crest_error_at(p->source, 0, "the plan has no phases; expected at least one");
        return -1;
    }
    if (check_bounds(p) != 0)
        return -1;
    free(p->weights_cumulative);
    p->weights_cumulative = cumulative(p, NULL);
    if (!p->weights_cumulative || p->weights_cumulative[p->nendpoints - 1] <= 0) {
        crest_error_at(p->source, 0, "endpoint weights sum to 0; expected a positive sum");
        return -1;
    }
    for (size_t i = 0; i < p->nphases; i++) {
        loadplan_phase *ph = &p->phases[i];
        if (p->feed && ph->connections > 0) {
            crest_error_at(p->source, 0, "phase '%s': a replayed log is open loop; expected no "
                           "connections", ph->name);
            return -1;
        }
        free(ph->mix_cumulative);
        ph->mix_cumulative = ph->mix ? cumulative(p, ph->mix) : NULL;
        if (ph->mix && (!ph->mix_cumulative || ph->mix_cumulative[p->nendpoints - 1] <= 0)) {
            crest_error_at(p->source, 0, "phase '%s': mix weights sum to 0; expected a positive sum",
                           ph->name);
            return -1;
        }
    }
    return 0;
}

static double profile_at(const rate_curve *c, double t)
{
    if (c->profile_len == 0)
        return 0;
    double step = c->profile_step_s > 0 ? c->profile_step_s : 1;
    double x = t / step;
    if (x <= 0)
        return c->profile[0];
    size_t i = (size_t)x;
    if (i + 1 >= c->profile_len)
        return c->profile[c->profile_len - 1];
    double frac = x - (double)i;
    return c->profile[i] + (c->profile[i + 1] - c->profile[i]) * frac;
}

double rate_curve_at(const rate_curve *c, double t, double duration_s)
{
    double r = 0;
    switch (c->shape) {
    case SHAPE_CONSTANT:
        r = c->from;
        break;
    case SHAPE_RAMP:
        r = duration_s > 0 ? c->from + (c->to - c->from) * (t / duration_s) : c->from;
        break;
    case SHAPE_STEP: {
        int steps = c->steps > 1 ? c->steps : 2;
        int k = duration_s > 0 ? (int)(t / duration_s * steps) : 0;
        if (k >= steps)
            k = steps - 1;
        r = c->from + (c->to - c->from) * (double)k / (double)(steps - 1);
        break;
    }
    case SHAPE_SPIKE: {
        double u = t - c->spike_at_s;
        if (u < 0)
            r = c->from;
        else if (u < c->rise_s)
            r = c->from + (c->peak - c->from) * (u / c->rise_s);
        else if (u < c->rise_s + c->hold_s)
            r = c->peak;
        else if (u < 2 * c->rise_s + c->hold_s)
            r = c->peak - (c->peak - c->from) * ((u - c->rise_s - c->hold_s) / c->rise_s);
        else
            r = c->from;
        break;
    }
    case SHAPE_SINE:
        r = c->period_s > 0 ? c->from + c->amplitude * sin(2 * M_PI * t / c->period_s) : c->from;
        break;
    case SHAPE_PROFILE:
        r = profile_at(c, t) * (c->from > 0 ? c->from : 1);
        break;
    }
    return r > 0 ? r : 0;
}

/* The curves other than the sine are piecewise linear between known
 * breakpoints; calls FN(a, b) for each linear piece of [0, duration_s]. */
static void for_each_piece(const rate_curve *c, double duration_s,
                           void (*fn)(const rate_curve *, double, double, double, void *),
                           void *arg)
{
    double cuts[8];
    size_t ncuts = 0;
    switch (c->shape) {
    case SHAPE_SPIKE:
        cuts[ncuts++] = c->spike_at_s;
        cuts[ncuts++] = c->spike_at_s + c->rise_s;
        cuts[ncuts++] = c->spike_at_s + c->rise_s + c->hold_s;
        cuts[ncuts++] = c->spike_at_s + 2 * c->rise_s + c->hold_s;
        break;
    case SHAPE_STEP: {
        int steps = c->steps > 1 ? c->steps : 2;
        double prev = 0;
        for (int k = 1; k <= steps; k++) {
            double b = duration_s * k / steps;
            fn(c, prev, b, duration_s, arg);
            prev = b;
        }
        return;
    }
    case SHAPE_PROFILE: {
        double step = c->profile_step_s > 0 ? c->profile_step_s : 1, prev = 0;
        for (size_t k = 1; k < c->profile_len && prev < duration_s; k++) {
            double b = fmin(step * (double)k, duration_s);
            fn(c, prev, b, duration_s, arg);
            prev = b;
        }
        if (prev < duration_s)
            fn(c, prev, duration_s, duration_s, arg);
        return;
    }
    default:
        break;
    }
    double prev = 0;
    for (size_t i = 0; i < ncuts; i++) {
        if (cuts[i] <= prev || cuts[i] >= duration_s)
            continue;
        fn(c, prev, cuts[i], duration_s, arg);
        prev = cuts[i];
    }
    fn(c, prev, duration_s, duration_s, arg);
}

/* A linear piece's integral is its length times its midpoint value (exact,
 * and blind to the jumps at the ends). */
static void add_piece(const rate_curve *c, double a, double b, double duration_s, void *arg)
{
    *(double *)arg += (b - a) * rate_curve_at(c, (a + b) / 2, duration_s);
}

/* A linear piece peaks at one of its ends; just inside them, so that a jump
 * at a breakpoint counts on the side it belongs to. */
static void max_piece(const rate_curve *c, double a, double b, double duration_s, void *arg)
{
    double eps = (b - a) * 1e-9, *m = arg;
    double ra = rate_curve_at(c, a + eps, duration_s), rb = rate_curve_at(c, b - eps, duration_s);
    if (ra > *m)
        *m = ra;
    if (rb > *m)
        *m = rb;
}

double rate_curve_expected(const rate_curve *c, double duration_s)
{
    if (duration_s <= 0)
        return 0;
    if (c->shape == SHAPE_SINE) {
        if (c->period_s <= 0)
            return fmax(c->from, 0) * duration_s;
        if (c->from >= fabs(c->amplitude)) /* never clipped at 0: closed form */
            return c->from * duration_s + c->amplitude * c->period_s / (2 * M_PI) *
                                              (1 - cos(2 * M_PI * duration_s / c->period_s));
        /* Clipped at 0: Simpson's rule on a fine grid. */
        size_t n = (size_t)ceil(duration_s * 200 / fmin(c->period_s, 1)) * 2;
        double h = duration_s / (double)n, sum = 0;
        for (size_t i = 0; i <= n; i++) {
            double w = (i == 0 || i == n) ? 1 : (i % 2 ? 4 : 2);
            sum += w * rate_curve_at(c, (double)i * h, duration_s);
        }
        return sum * h / 3;
    }
    double sum = 0;
    for_each_piece(c, duration_s, add_piece, &sum);
    return sum;
}

double rate_curve_max(const rate_curve *c, double duration_s)
{
    double m = rate_curve_at(c, 0, duration_s);
    if (duration_s <= 0)
        return m;
    if (c->shape == SHAPE_SINE) {
        size_t n = (size_t)ceil(duration_s * 100);
        for (size_t i = 0; i <= n; i++) {
            double r = rate_curve_at(c, duration_s * (double)i / (double)n, duration_s);
            if (r > m)
                m = r;
        }
        if (c->period_s > 0 && duration_s >= c->period_s / 4)
            m = fmax(m, c->from + fabs(c->amplitude));
        return m;
    }
    for_each_piece(c, duration_s, max_piece, &m);
    return m;
}

double loadplan_duration(const loadplan *p)
{
    double d = 0;
    for (size_t i = 0; i < p->nphases; i++)
        d += p->phases[i].duration_s;
    return d;
}

size_t loadplan_phase_at(const loadplan *p, double t_s, double *t_in_phase)
{
    double start = 0;
    for (size_t i = 0; i < p->nphases; i++) {
        if (t_s < start + p->phases[i].duration_s || i + 1 == p->nphases) {
            if (t_in_phase)
                *t_in_phase = t_s - start;
            return i;
        }
        start += p->phases[i].duration_s;
    }
    if (t_in_phase)
        *t_in_phase = 0;
    return 0;
}

size_t loadplan_pick_endpoint(const loadplan *p, size_t phase, rng *r)
{
    const double *cum = p->phases[phase].mix_cumulative ? p->phases[phase].mix_cumulative
                                                        : p->weights_cumulative;
    size_t n = p->nendpoints;
    if (n == 1)
        return 0;
    double x = rng_uniform(r) * cum[n - 1];
    size_t lo = 0, hi = n - 1;
    while (lo < hi) { /* first index with cum > x */
        size_t mid = (lo + hi) / 2;
        if (cum[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* The feeders any template of E reads (bit i: p->feeders[i]). */
static unsigned endpoint_feeders(const loadplan_endpoint *e)
{
    unsigned used = template_feeders_used(e->path) | template_feeders_used(e->body);
    for (size_t h = 0; h < e->nheaders; h++)
        used |= template_feeders_used(e->headers[h]);
    return used;
}

int loadplan_render(const loadplan *p, size_t endpoint, uint64_t seq, rng *r, rendered_request *out)
{
    const loadplan_endpoint *e = &p->endpoints[endpoint];
    render_ctx ctx = {.seq = seq, .rng = r};
    size_t len = 0;
    out->endpoint = endpoint;
    out->method = e->method;
    out->url[0] = '\0';
    /* One row per feeder for the whole request, so that ${user.id} in the
     * path and ${user.token} in a header belong to the same user. */
    unsigned used = endpoint_feeders(e);
    for (size_t i = 0; i < p->nfeeders; i++) {
        ctx.feeder_row[i] = -1;
        if (used & (1u << i)) {
            ctx.feeder_row[i] = feeder_pick(p->feeders[i], r);
            if (ctx.feeder_row[i] < 0)
                return -2;
        }
    }
    const char *target = p->target ? p->target : "";
    size_t tlen = strlen(target);
    if (tlen + 1 >= sizeof out->url)
        return -1;
    memcpy(out->url, target, tlen + 1);
    len = tlen;
    if (template_render(e->path, &ctx, out->url, sizeof out->url, &len) != 0)
        return -1;
    out->nheaders = 0;
    for (size_t h = 0; h < e->nheaders; h++) {
        len = 0;
        out->headers[h][0] = '\0';
        if (template_render(e->headers[h], &ctx, out->headers[h], sizeof out->headers[h], &len) != 0)
            return -1;
        out->nheaders++;
    }
    out->has_body = e->body != NULL;
    out->body_len = 0;
    out->body[0] = '\0';
    if (e->body && template_render(e->body, &ctx, out->body, sizeof out->body, &out->body_len) != 0)
        return -1;
    return 0;
}

int loadplan_is_shed(const loadplan *p, size_t subsystem, long status)
{
    if (subsystem >= p->nsubsystems)
        return 0;
    const loadplan_subsystem *s = &p->subsystems[subsystem];
    for (size_t i = 0; i < s->nshed; i++)
        if (s->shed_status[i] == status)
            return 1;
    return 0;
}

int loadplan_check_target(const char *target, char *err, size_t len)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    int rc = -1;
    if (!u) {
        snprintf(err, len, "out of memory");
        return -1;
    }
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, target, 0);
    if (uc != CURLUE_OK)
        snprintf(err, len, "%s; expected http[s]://HOST[:PORT][/PATH]", curl_url_strerror(uc));
    else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
             (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
        snprintf(err, len, "expected an http:// or https:// URL");
    else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0])
        snprintf(err, len, "missing host; expected http[s]://HOST[:PORT][/PATH]");
    else if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
             strtol(port, NULL, 10) < 1 || strtol(port, NULL, 10) > 65535)
        snprintf(err, len, "bad port; expected 1 to 65535");
    else
        rc = 0;
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return rc;
}

/* scenario_phases.c: the traffic shapes of a scenario (docs/scenario-format.md,
 * "phases"): each phase's rate curve (constant, ramp, step, spike, sine, or a
 * rate profile read from CSV), closed-loop connections and think time, and
 * its endpoint mix resolved against the parsed subsystems. time_scale and
 * growth are applied here: the engine sees final durations and rates. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/csvio.h"
#include "common/error.h"
#include "common/units.h"
#include "loadgen/scenario_loader.h"

/* ---- phases ------------------------------------------------------------ */

static const char *const shape_names[] = {"constant", "ramp", "step", "spike", "sine", "profile"};

/* Keys each shape reads (after the common ones). */
static const char *const shape_keys[][6] = {
    {"rate", NULL},
    {"from", "to", NULL},
    {"from", "to", "steps", NULL},
    {"base", "peak", "rise", "hold", "at", NULL},
    {"mean", "amplitude", "period", NULL},
    {"profile", "scale", NULL},
};

/* The profile's (t, rate) points from table T into TS and RS (T.nrows
 * each), checked: numbers, rates >= 0, times increasing. The smallest gap
 * between times in *MIN_GAP. 0, or -1 after an error naming file:line. */
static int profile_points(const csv_table *t, int tc, int rcol, double *ts, double *rs,
                          double *min_gap)
{
    *min_gap = INFINITY;
    for (size_t i = 0; i < t->nrows; i++) {
        ts[i] = (double)i;
        int nt = tc >= 0 ? csv_table_number(t, i, (size_t)tc, &ts[i]) : 0;
        if (nt != 0) {
            if (nt == 1)
                crest_error_at(t->path, t->line[i], "column 't': expected a number, found nothing");
            return -1;
        }
        int nr = csv_table_number(t, i, (size_t)rcol, &rs[i]);
        if (nr != 0) {
            if (nr == 1)
                crest_error_at(t->path, t->line[i], "column '%s': expected a rate, found nothing",
                               t->header[rcol]);
            return -1;
        }
        if (rs[i] < 0) {
            crest_error_at(t->path, t->line[i], "column '%s': expected a rate >= 0, found %g",
                           t->header[rcol], rs[i]);
            return -1;
        }
        if (i > 0) {
            if (ts[i] <= ts[i - 1]) {
                crest_error_at(t->path, t->line[i], "column 't': expected increasing times, "
                               "found %g after %g", ts[i], ts[i - 1]);
                return -1;
            }
            *min_gap = fmin(*min_gap, ts[i] - ts[i - 1]);
        }
    }
    return 0;
}

/* Resamples the N points (TS, RS) linearly onto an even grid at the
 * smallest gap (the engine reads a profile by index, not by search).
 * 0, or -1 after an error naming PATH. */
static int profile_resample(const char *path, const double *ts, const double *rs, size_t n,
                            double min_gap, rate_curve *c)
{
    double step = n > 1 ? fmax(min_gap, 0.001) : 1;
    double span = ts[n - 1] - ts[0];
    size_t samples = (size_t)floor(span / step + 1e-9) + 1;
    if (samples > PROFILE_MAX_SAMPLES) {
        crest_error_at(path, 0, "profile needs %zu samples at a %gs grid; expected at most %d",
                       samples, step, PROFILE_MAX_SAMPLES);
        return -1;
    }
    c->profile = malloc(samples * sizeof *c->profile);
    if (!c->profile)
        return -1;
    for (size_t k = 0, j = 0; k < samples; k++) {
        double x = ts[0] + step * (double)k;
        while (j + 1 < n && ts[j + 1] <= x)
            j++;
        c->profile[k] = j + 1 < n ? rs[j] + (rs[j + 1] - rs[j]) * (x - ts[j]) / (ts[j + 1] - ts[j])
                                  : rs[j];
    }
    c->profile_len = samples;
    c->profile_step_s = step;
    return 0;
}

/* Reads a rate profile: columns t,rate (t in seconds, increasing; resampled
 * to an even grid at the smallest gap) or one rate per row (one per second). */
static int load_profile(const loader *L, const char *path, const char *rel, rate_curve *c)
{
    char *full = scenario_resolve_path(L, rel);
    if (!full)
        return scenario_fail(L, path, "out of memory");
    csv_table t;
    int rc = csv_table_read(full, &t);
    free(full);
    if (rc != 0)
        return scenario_fail(L, path, "profile '%s' could not be loaded (see above)", rel);
    int tc = csv_table_column(&t, "t"), rcol = csv_table_column(&t, "rate");
    if (rcol < 0 && t.ncols == 1 && tc < 0)
        rcol = 0;
    rc = -1;
    double *ts = NULL, *rs = NULL, min_gap;
    if (rcol < 0) {
        crest_error_at(t.path, 1, "expected a 'rate' column (and optionally 't'), or a single "
                       "column of rates");
    } else if (t.nrows < 1) {
        crest_error_at(t.path, 0, "no rows; expected at least one rate");
    } else if ((ts = malloc(t.nrows * sizeof *ts)) && (rs = malloc(t.nrows * sizeof *rs)) &&
               profile_points(&t, tc, rcol, ts, rs, &min_gap) == 0) {
        rc = profile_resample(t.path, ts, rs, t.nrows, min_gap, c);
    }
    if (rc != 0 && !c->profile)
        scenario_fail(L, path, "profile '%s' is not valid (see above)", rel);
    free(ts);
    free(rs);
    csv_table_free(&t);
    return rc;
}

/* A key another shape reads is a mistake in a phase of shape K: say so
 * rather than ignore it. 0, or -1 after the error. */
static int check_shape_keys(const loader *L, const char *path, const cJSON *ph, int k)
{
    const char *shape = shape_names[k];
    for (int other = 0; other < 6; other++) {
        for (const char *const *key = shape_keys[other]; *key; key++) {
            int mine = 0;
            for (const char *const *m = shape_keys[k]; *m; m++)
                mine |= strcmp(*m, *key) == 0;
            if (!mine && cJSON_GetObjectItemCaseSensitive(ph, *key)) {
                char list[96] = "";
                for (const char *const *m = shape_keys[k]; *m; m++)
                    snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                             m == shape_keys[k] ? "" : ", ", *m);
                return scenario_fail(L, path,
                                     "'%s' is not used by shape '%s'; expected its keys: %s", *key,
                                     shape, list);
            }
        }
    }
    return 0;
}

/* The keys of C's shape (already chosen) into C; a profile sets *DURATION
 * when the phase gives none. 0, or -1 after the error. */
static int parse_shape_values(const loader *L, const char *path, const cJSON *ph, rate_curve *c,
                              double *duration)
{
    char sub[192];
    switch (c->shape) {
    case SHAPE_CONSTANT:
        return scenario_get_rate(L, path, ph, "rate", 1, &c->from) < 0 ? -1 : 0;
    case SHAPE_RAMP:
        if (scenario_get_rate(L, path, ph, "from", 1, &c->from) < 0 ||
            scenario_get_rate(L, path, ph, "to", 1, &c->to) < 0)
            return -1;
        return 0;
    case SHAPE_STEP: {
        double steps = 0;
        if (scenario_get_rate(L, path, ph, "from", 1, &c->from) < 0 ||
            scenario_get_rate(L, path, ph, "to", 1, &c->to) < 0 ||
            scenario_get_number(L, path, ph, "steps", 1, 2, &steps) < 0)
            return -1;
        if (steps != floor(steps) || steps > 10000)
            return scenario_fail(L, path, "steps: expected an integer 2..10000; found %g", steps);
        c->steps = (int)steps;
        return 0;
    }
    case SHAPE_SPIKE:
        if (scenario_get_rate(L, path, ph, "base", 1, &c->from) < 0 ||
            scenario_get_rate(L, path, ph, "peak", 1, &c->peak) < 0 ||
            scenario_get_duration(L, path, ph, "rise", 0, 0, &c->rise_s) < 0 ||
            scenario_get_duration(L, path, ph, "hold", 1, 0, &c->hold_s) < 0 ||
            scenario_get_duration(L, path, ph, "at", 0, 0, &c->spike_at_s) < 0)
            return -1;
        if (c->spike_at_s >= *duration)
            return scenario_fail(L, path,
                                 "at: the spike starts at %gs, after the phase ends (%gs); "
                                 "expected at < duration",
                                 c->spike_at_s, *duration);
        return 0;
    case SHAPE_SINE:
        if (scenario_get_rate(L, path, ph, "mean", 1, &c->from) < 0 ||
            scenario_get_number(L, path, ph, "amplitude", 1, -INFINITY, &c->amplitude) < 0 ||
            scenario_get_duration(L, path, ph, "period", 1, 1, &c->period_s) < 0)
            return -1;
        return 0;
    case SHAPE_PROFILE: {
        const char *file;
        c->from = 1;
        snprintf(sub, sizeof sub, "%s.profile", path);
        if (scenario_get_string(L, path, ph, "profile", 1, &file) < 0 ||
            scenario_get_number(L, path, ph, "scale", 0, 0, &c->from) < 0)
            return -1;
        if (c->from <= 0)
            return scenario_fail(L, path, "scale: expected a positive multiplier; found %g",
                                 c->from);
        if (load_profile(L, sub, file, c) != 0)
            return -1;
        if (*duration <= 0) /* default: the profile's own length */
            *duration = c->profile_step_s * (double)(c->profile_len > 1 ? c->profile_len - 1 : 1);
        return 0;
    }
    }
    return -1;
}

static int parse_shape(const loader *L, const char *path, const cJSON *ph, rate_curve *c,
                       double *duration)
{
    char sub[192];
    const char *shape = "constant";
    if (scenario_get_string(L, path, ph, "shape", 0, &shape) < 0)
        return -1;
    int k = -1;
    for (int i = 0; i < 6; i++)
        if (strcmp(shape, shape_names[i]) == 0)
            k = i;
    snprintf(sub, sizeof sub, "%s.shape", path);
    if (k < 0)
        return scenario_fail(L, sub, "expected one of constant, ramp, step, spike, sine, profile; "
                    "found \"%s\"", shape);
    c->shape = (enum rate_shape)k;
    if (check_shape_keys(L, path, ph, k) != 0)
        return -1;
    return parse_shape_values(L, path, ph, c, duration);
}

/* Reads a phase's mix override into SW (per subsystem) and EW (per
 * endpoint, all subsystems' endpoints in a row), which hold the defaults:
 * a named subsystem gets that share of the mix, SUBSYSTEM.ENDPOINT that
 * weight within its subsystem. 0, or -1 after an error naming SUB.key. */
static int mix_read_overrides(const loader *L, const char *sub, const cJSON *mix, double *sw,
                              double *ew)
{
    char f[96];
    const cJSON *m;
    cJSON_ArrayForEach(m, mix) {
        char mpath[256];
        snprintf(mpath, sizeof mpath, "%s.%s", sub, m->string);
        if (!cJSON_IsNumber(m) || !isfinite(m->valuedouble) || m->valuedouble < 0)
            return scenario_fail(L, mpath, "expected a weight >= 0; found %s",
                                 scenario_found(m, f, sizeof f));
        const char *dot = strchr(m->string, '.');
        size_t slen = dot ? (size_t)(dot - m->string) : strlen(m->string);
        parsed_subsystem *s = scenario_find_sub(L, m->string, slen);
        if (!s) {
            char names[512];
            scenario_list_subsystems(L, names, sizeof names);
            return scenario_fail(L, mpath, "no subsystem '%.*s'; expected a subsystem (one of: "
                                 "%s) or SUBSYSTEM.ENDPOINT", (int)slen, m->string, names);
        }
        size_t si = (size_t)(s - L->subs), base = 0;
        for (size_t i = 0; i < si; i++)
            base += L->subs[i].nendpoints;
        if (!dot) {
            sw[si] = m->valuedouble;
            continue;
        }
        size_t e = 0;
        while (e < s->nendpoints && strcmp(s->endpoints[e].name, dot + 1) != 0)
            e++;
        if (e == s->nendpoints)
            return scenario_fail(L, mpath, "subsystem '%s' has no endpoint '%s'", s->name,
                                 dot + 1);
        ew[base + e] = m->valuedouble;
    }
    return 0;
}

/* Resolves SW/EW into PH's per-endpoint mix over the kept subsystems, in
 * plan order; *KEPT_SHARE is their share of the whole mix. 0 or -1. */
static int mix_resolve(const loader *L, const char *sub, const double *sw, const double *ew,
                       loadplan_phase *ph, double *kept_share)
{
    ph->mix = calloc(L->plan->nendpoints ? L->plan->nendpoints : 1, sizeof *ph->mix);
    if (!ph->mix)
        return scenario_fail(L, sub, "out of memory");
    double total = 0, all = 0;
    for (size_t i = 0, k = 0, pk = 0; i < L->nsubs; i++) {
        const parsed_subsystem *s = &L->subs[i];
        double sum = 0;
        for (size_t e = 0; e < s->nendpoints; e++)
            sum += ew[k + e];
        for (size_t e = 0; e < s->nendpoints; e++, k++) {
            double w = sum > 0 ? sw[i] * ew[k] / sum : 0;
            all += w;
            if (!s->keep)
                continue;
            ph->mix[pk++] = w;
            total += w;
        }
    }
    *kept_share = all > 0 ? total / all : 0;
    if (all <= 0)
        return scenario_fail(L, sub, "weights sum to 0; expected a positive sum");
    if (total <= 0)
        return scenario_fail(L, sub, "weights sum to 0%s; expected a positive sum",
                             L->opts->only ? " for the subsystems selected with --only" : "");
    return 0;
}

/* The per-endpoint weights of a phase's mix override: named subsystems get
 * that share of the mix, named endpoints that weight within their subsystem;
 * everything else keeps its default. */
static int parse_mix(const loader *L, const char *path, const cJSON *mix, loadplan_phase *ph,
                     double *kept_share)
{
    char sub[192];
    snprintf(sub, sizeof sub, "%s.mix", path);
    if (scenario_expect_object(L, sub, mix, 1) != 0)
        return -1;
    size_t nsubs = L->nsubs, total_eps = 0;
    for (size_t i = 0; i < nsubs; i++)
        total_eps += L->subs[i].nendpoints;
    double *sw = malloc(nsubs * sizeof *sw), *ew = malloc((total_eps + 1) * sizeof *ew);
    if (!sw || !ew) {
        free(sw);
        free(ew);
        return scenario_fail(L, sub, "out of memory");
    }
    for (size_t i = 0, k = 0; i < nsubs; i++) {
        sw[i] = L->subs[i].weight;
        for (size_t e = 0; e < L->subs[i].nendpoints; e++)
            ew[k++] = L->subs[i].endpoints[e].weight;
    }
    int rc = mix_read_overrides(L, sub, mix, sw, ew);
    if (rc == 0)
        rc = mix_resolve(L, sub, sw, ew, ph, kept_share);
    free(sw);
    free(ew);
    return rc;
}

/* A closed-loop phase's keys (CONNECTIONS already read) into PH; an
 * open-loop key here is an error. 0 or -1. */
static int parse_closed_loop(const loader *L, const char *path, const cJSON *pj,
                             loadplan_phase *ph, double connections)
{
    char f[96];
    if (connections != floor(connections) || connections > 100000)
        return scenario_fail(
            L, path, "connections: expected an integer 1..100000; found %s",
            scenario_found(cJSON_GetObjectItemCaseSensitive(pj, "connections"), f, sizeof f));
    static const char *const open_keys[] = {"shape", "rate", "from", "to", "steps", "base",
                                            "peak", "rise", "hold", "at", "mean", "amplitude",
                                            "period", "profile", "scale", NULL};
    for (const char *const *k = open_keys; *k; k++)
        if (cJSON_GetObjectItemCaseSensitive(pj, *k))
            return scenario_fail(L, path,
                                 "'%s' is an open-loop key, but the phase is closed-loop "
                                 "(connections); expected only name, duration, connections, "
                                 "think_time, mix",
                                 *k);
    ph->connections = (int)fmax(1, round(connections * L->growth));
    return scenario_get_duration(L, path, pj, "think_time", 0, 0, &ph->think_s) < 0 ? -1 : 0;
}

/* An open-loop phase's rate curve into PH, with time_scale and growth
 * applied (time_scale compresses the curve in time; growth scales its
 * rates). 0 or -1. */
static int parse_open_loop(const loader *L, const char *path, const cJSON *pj,
                           loadplan_phase *ph, double *duration)
{
    if (cJSON_GetObjectItemCaseSensitive(pj, "think_time"))
        return scenario_fail(L, path,
                             "think_time needs a closed-loop phase; expected 'connections' "
                             "with it");
    if (parse_shape(L, path, pj, &ph->rate, duration) != 0)
        return -1;
    rate_curve *c = &ph->rate;
    c->rise_s /= L->time_scale;
    c->hold_s /= L->time_scale;
    c->spike_at_s /= L->time_scale;
    c->period_s /= L->time_scale;
    c->profile_step_s /= L->time_scale;
    c->from *= L->growth;
    c->to *= L->growth;
    c->peak *= L->growth;
    c->amplitude *= L->growth;
    return 0;
}

/* The share of the festival traffic the kept subsystems (--only) get in
 * a phase without a mix override. 0 or -1. */
static int default_kept_share(const loader *L, const char *path, double *kept)
{
    double all = 0, sel = 0;
    for (size_t i = 0; i < L->nsubs; i++) {
        all += L->subs[i].weight;
        sel += L->subs[i].keep ? L->subs[i].weight : 0;
    }
    *kept = sel / all;
    if (sel <= 0)
        return scenario_fail(L, path,
                             "the subsystems selected with --only have no weight in this "
                             "phase's (default) mix; expected a positive share");
    return 0;
}

static int parse_phase(loader *L, size_t index, const cJSON *pj)
{
    static const char *const keys[] = {"name", "duration", "shape", "rate", "from", "to", "steps",
                                       "base", "peak", "rise", "hold", "at", "mean", "amplitude",
                                       "period", "profile", "scale", "connections", "think_time",
                                       "mix", NULL};
    char path[64];
    snprintf(path, sizeof path, "phases[%zu]", index);
    if (scenario_expect_object(L, path, pj, 0) != 0 || scenario_check_keys(L, path, pj, keys) != 0)
        return -1;
    const char *name = NULL;
    char defname[32];
    snprintf(defname, sizeof defname, "phase%zu", index + 1);
    if (scenario_get_string(L, path, pj, "name", 0, &name) < 0)
        return -1;
    double duration = 0, connections = 0;
    const cJSON *prof = cJSON_GetObjectItemCaseSensitive(pj, "profile");
    if (scenario_get_duration(L, path, pj, "duration", !prof, 1, &duration) < 0)
        return -1;
    loadplan_phase *ph = loadplan_add_phase(L->plan, name ? name : defname, duration);
    int rc = scenario_get_number(L, path, pj, "connections", 0, 1, &connections);
    if (rc < 0)
        return -1;
    rc = rc == 0 ? parse_closed_loop(L, path, pj, ph, connections)
                 : parse_open_loop(L, path, pj, ph, &duration);
    if (rc != 0)
        return -1;
    ph->duration_s = duration / L->time_scale;
    const cJSON *mix = cJSON_GetObjectItemCaseSensitive(pj, "mix");
    double kept = 1;
    rc = mix ? parse_mix(L, path, mix, ph, &kept) : default_kept_share(L, path, &kept);
    if (rc != 0)
        return -1;
    /* --only: the kept subsystems get exactly their share of the festival
     * traffic, phase by phase, not the whole rate. */
    if (ph->connections == 0) {
        ph->rate.from *= kept;
        ph->rate.to *= kept;
        ph->rate.peak *= kept;
        ph->rate.amplitude *= kept;
    }
    return 0;
}

int scenario_parse_phases(loader *L, const cJSON *root)
{
    char f[96];
    const cJSON *ps = cJSON_GetObjectItemCaseSensitive(root, "phases");
    if (!ps)
        return scenario_fail(L, "phases", "missing; expected an array of phases");
    if (!cJSON_IsArray(ps) || cJSON_GetArraySize(ps) == 0)
        return scenario_fail(L, "phases", "expected a non-empty array of phases; found %s",
                    scenario_found(ps, f, sizeof f));
    size_t i = 0;
    const cJSON *pj;
    cJSON_ArrayForEach(pj, ps) {
        if (parse_phase(L, i++, pj) != 0)
            return -1;
    }
    return 0;
}


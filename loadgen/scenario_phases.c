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
    double *ts = NULL, *rs = NULL;
    if (rcol < 0) {
        crest_error_at(t.path, 1, "expected a 'rate' column (and optionally 't'), or a single "
                       "column of rates");
        goto out;
    }
    if (t.nrows < 1) {
        crest_error_at(t.path, 0, "no rows; expected at least one rate");
        goto out;
    }
    ts = malloc(t.nrows * sizeof *ts);
    rs = malloc(t.nrows * sizeof *rs);
    if (!ts || !rs)
        goto out;
    double min_gap = INFINITY;
    for (size_t i = 0; i < t.nrows; i++) {
        ts[i] = (double)i;
        int nt = tc >= 0 ? csv_table_number(&t, i, (size_t)tc, &ts[i]) : 0;
        if (nt != 0) {
            if (nt == 1)
                crest_error_at(t.path, t.line[i], "column 't': expected a number, found nothing");
            goto out;
        }
        int nr = csv_table_number(&t, i, (size_t)rcol, &rs[i]);
        if (nr != 0) {
            if (nr == 1)
                crest_error_at(t.path, t.line[i], "column '%s': expected a rate, found nothing",
                               t.header[rcol]);
            goto out;
        }
        if (rs[i] < 0) {
            crest_error_at(t.path, t.line[i], "column '%s': expected a rate >= 0, found %g",
                           t.header[rcol], rs[i]);
            goto out;
        }
        if (i > 0) {
            if (ts[i] <= ts[i - 1]) {
                crest_error_at(t.path, t.line[i], "column 't': expected increasing times, found "
                               "%g after %g", ts[i], ts[i - 1]);
                goto out;
            }
            min_gap = fmin(min_gap, ts[i] - ts[i - 1]);
        }
    }
    double step = t.nrows > 1 ? fmax(min_gap, 0.001) : 1;
    double span = ts[t.nrows - 1] - ts[0];
    size_t n = (size_t)floor(span / step + 1e-9) + 1;
    if (n > PROFILE_MAX_SAMPLES) {
        crest_error_at(t.path, 0, "profile needs %zu samples at a %gs grid; expected at most %d",
                       n, step, PROFILE_MAX_SAMPLES);
        goto out;
    }
    c->profile = malloc(n * sizeof *c->profile);
    if (!c->profile)
        goto out;
    for (size_t k = 0, j = 0; k < n; k++) {
        double x = ts[0] + step * (double)k;
        while (j + 1 < t.nrows && ts[j + 1] <= x)
            j++;
        c->profile[k] = j + 1 < t.nrows
                            ? rs[j] + (rs[j + 1] - rs[j]) * (x - ts[j]) / (ts[j + 1] - ts[j])
                            : rs[j];
    }
    c->profile_len = n;
    c->profile_step_s = step;
    rc = 0;
out:
    if (rc != 0 && !c->profile)
        scenario_fail(L, path, "profile '%s' is not valid (see above)", rel);
    free(ts);
    free(rs);
    csv_table_free(&t);
    return rc;
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
    /* A key another shape reads is a mistake here: say so rather than ignore it. */
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

/* The per-endpoint weights of a phase's mix override: named subsystems get
 * that share of the mix, named endpoints that weight within their subsystem;
 * everything else keeps its default. */
static int parse_mix(const loader *L, const char *path, const cJSON *mix, loadplan_phase *ph,
                     double *kept_share)
{
    char sub[192], f[96];
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
    int rc = -1;
    const cJSON *m;
    cJSON_ArrayForEach(m, mix) {
        char mpath[256];
        snprintf(mpath, sizeof mpath, "%s.%s", sub, m->string);
        if (!cJSON_IsNumber(m) || !isfinite(m->valuedouble) || m->valuedouble < 0) {
            scenario_fail(L, mpath, "expected a weight >= 0; found %s",
                          scenario_found(m, f, sizeof f));
            goto out;
        }
        const char *dot = strchr(m->string, '.');
        size_t slen = dot ? (size_t)(dot - m->string) : strlen(m->string);
        parsed_subsystem *s = scenario_find_sub(L, m->string, slen);
        if (!s) {
            char names[512];
            scenario_list_subsystems(L, names, sizeof names);
            scenario_fail(L, mpath, "no subsystem '%.*s'; expected a subsystem (one of: %s) or "
                 "SUBSYSTEM.ENDPOINT", (int)slen, m->string, names);
            goto out;
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
        if (e == s->nendpoints) {
            scenario_fail(L, mpath, "subsystem '%s' has no endpoint '%s'", s->name, dot + 1);
            goto out;
        }
        ew[base + e] = m->valuedouble;
    }
    /* Resolve against the kept subsystems, in plan order. */
    ph->mix = calloc(L->plan->nendpoints ? L->plan->nendpoints : 1, sizeof *ph->mix);
    if (!ph->mix) {
        scenario_fail(L, sub, "out of memory");
        goto out;
    }
    double total = 0, all = 0;
    for (size_t i = 0, k = 0, pk = 0; i < nsubs; i++) {
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
    if (all <= 0) {
        scenario_fail(L, sub, "weights sum to 0; expected a positive sum");
        goto out;
    }
    if (total <= 0) {
        scenario_fail(L, sub, "weights sum to 0%s; expected a positive sum",
             L->opts->only ? " for the subsystems selected with --only" : "");
        goto out;
    }
    rc = 0;
out:
    free(sw);
    free(ew);
    return rc;
}

static int parse_phase(loader *L, size_t index, const cJSON *pj)
{
    static const char *const keys[] = {"name", "duration", "shape", "rate", "from", "to", "steps",
                                       "base", "peak", "rise", "hold", "at", "mean", "amplitude",
                                       "period", "profile", "scale", "connections", "think_time",
                                       "mix", NULL};
    char path[64], f[96];
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
    int rc = scenario_get_duration(L, path, pj, "duration", !prof, 1, &duration);
    if (rc < 0)
        return -1;
    loadplan_phase *ph = loadplan_add_phase(L->plan, name ? name : defname, duration);
    rc = scenario_get_number(L, path, pj, "connections", 0, 1, &connections);
    if (rc < 0)
        return -1;
    if (rc == 0) { /* closed loop */
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
        if (scenario_get_duration(L, path, pj, "think_time", 0, 0, &ph->think_s) < 0)
            return -1;
    } else {
        if (cJSON_GetObjectItemCaseSensitive(pj, "think_time"))
            return scenario_fail(L, path,
                                 "think_time needs a closed-loop phase; expected 'connections' "
                                 "with it");
        if (parse_shape(L, path, pj, &ph->rate, &duration) != 0)
            return -1;
        rate_curve *c = &ph->rate;
        /* time_scale compresses the curve in time; growth scales its rates. */
        c->rise_s /= L->time_scale;
        c->hold_s /= L->time_scale;
        c->spike_at_s /= L->time_scale;
        c->period_s /= L->time_scale;
        c->profile_step_s /= L->time_scale;
        c->from *= L->growth;
        c->to *= L->growth;
        c->peak *= L->growth;
        c->amplitude *= L->growth;
    }
    ph->duration_s = duration / L->time_scale;
    const cJSON *mix = cJSON_GetObjectItemCaseSensitive(pj, "mix");
    double kept = 1;
    if (mix) {
        if (parse_mix(L, path, mix, ph, &kept) != 0)
            return -1;
    } else {
        double all = 0, sel = 0;
        for (size_t i = 0; i < L->nsubs; i++) {
            all += L->subs[i].weight;
            sel += L->subs[i].keep ? L->subs[i].weight : 0;
        }
        kept = sel / all;
        if (sel <= 0)
            return scenario_fail(L, path,
                                 "the subsystems selected with --only have no weight in this "
                                 "phase's (default) mix; expected a positive share");
    }
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


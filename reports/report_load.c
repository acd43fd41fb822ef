/* report_load.c: finds and parses `crest report`'s inputs.
 *
 * Each argument is a file, recognised by its "schema" (not its name, so
 * `crest report before.json after-plan.json` works), or a directory (a
 * drill's output), where the canonical names results.json, capacity.json,
 * forecast.json and plan.json are read when present. Every problem names the
 * file; the caller exits 2. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/error.h"
#include "common/jsonio.h"
#include "reports/report_json.h"
#include "reports/report.h"
#include "reports/report_data.h"
#include "reports/report_text.h"

static const char *const kind_names[REP_NKINDS] = {"results", "capacity", "forecast", "plan"};

const char *report_kind_name(int kind)
{
    return kind >= 0 && kind < REP_NKINDS ? kind_names[kind] : "?";
}

int report_schema_kind(const char *schema)
{
    if (!schema)
        return -1;
    for (int k = 0; k < REP_NKINDS; k++) {
        char want[48];
        /* results and capacity files are at version 2 (scraped metrics); 1 still reads */
        int newest = k == REP_RESULTS || k == REP_CAPACITY ? 2 : 1;
        for (int v = 1; v <= newest; v++) {
            snprintf(want, sizeof want, "crest.%s/%d", kind_names[k], v);
            if (strcmp(schema, want) == 0)
                return k;
        }
    }
    return -1;
}

/* Parses PATH and files it under its kind. */
static int load_file(report_inputs *in, const char *path)
{
    cJSON *root = jsonio_read_file(path);
    if (!root)
        return -1;
    const char *schema = rj_str(root, "schema");
    int kind = report_schema_kind(schema);
    if (kind < 0) {
        if (schema)
            crest_error_at(path, 0, "unknown schema '%s'; expected one of crest.results/2, "
                           "crest.capacity/2, crest.forecast/1, crest.plan/1", schema);
        else
            crest_error_at(path, 0, "no \"schema\" string at the top level; expected a crest "
                           "results, capacity, forecast or plan file");
        cJSON_Delete(root);
        return -1;
    }
    if (in->roots[kind]) {
        crest_error("two %s files given: '%s' and '%s'; pass one of each kind",
                    kind_names[kind], in->paths[kind], path);
        cJSON_Delete(root);
        return -1;
    }
    in->roots[kind] = root;
    in->paths[kind] = strdup(path);
    if (!in->paths[kind])
        return -1;
    int rc;
    switch (kind) {
    case REP_RESULTS: rc = report_read_results(in, root, in->paths[kind]); break;
    case REP_CAPACITY: rc = report_read_capacity(in, root, in->paths[kind]); break;
    case REP_FORECAST: rc = report_read_forecast(in, root, in->paths[kind]); break;
    default: rc = report_read_plan(in, root, in->paths[kind]); break;
    }
    if (rc != 0)
        crest_error("out of memory reading '%s'", path);
    return rc;
}

static int load_dir(report_inputs *in, const char *dir)
{
    int found = 0;
    for (int k = 0; k < REP_NKINDS; k++) {
        char path[4096];
        int n = snprintf(path, sizeof path, "%s/%s.json", dir, kind_names[k]);
        if (n < 0 || (size_t)n >= sizeof path) {
            crest_error("directory name too long: '%s'", dir);
            return -1;
        }
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (load_file(in, path) != 0)
            return -1;
        found++;
    }
    if (!found) {
        crest_error("'%s' holds none of results.json, capacity.json, forecast.json, plan.json",
                    dir);
        return -1;
    }
    return 0;
}

int report_inputs_load(report_inputs *in, char *const *args, int nargs)
{
    memset(in, 0, sizeof *in);
    int dirs = 0;
    for (int i = 0; i < nargs; i++) {
        struct stat st;
        if (stat(args[i], &st) != 0) {
            crest_error("cannot open '%s': %s", args[i], strerror(errno));
            return -1;
        }
        int rc;
        if (S_ISDIR(st.st_mode)) {
            dirs++;
            rc = load_dir(in, args[i]);
            if (rc == 0 && dirs == 1 && nargs == 1) {
                in->single_dir = strdup(args[i]);
                if (!in->single_dir)
                    rc = -1;
            }
        } else {
            rc = load_file(in, args[i]);
        }
        if (rc != 0)
            return -1;
    }
    if (!in->results && !in->capacity && !in->forecast && !in->plan) {
        crest_error("no input given; expected results.json, capacity.json, forecast.json, "
                    "plan.json or a directory holding them");
        return -1;
    }
    return 0;
}

static void free_results(rep_results *r)
{
    if (!r)
        return;
    free(r->subs);
    if (r->npoints)
        free(r->points[0].subs);
    free(r->points);
    free(r->thresholds);
    free(r->baseline.rows);
    free(r->secret_headers);
    free(r);
}

static void free_capacity(rep_capacity *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nsubs; i++) {
        free(c->subs[i].steps);
        free(c->subs[i].usl.n);
        free(c->subs[i].usl.throughput);
    }
    free(c->subs);
    free(c);
}

static void free_forecast(rep_forecast *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->nseries; i++) {
        free(f->series[i].history);
        free(f->series[i].fitted);
        free(f->series[i].forecast);
    }
    free(f->series);
    free(f);
}

void report_inputs_free(report_inputs *in)
{
    free_results(in->results);
    free_capacity(in->capacity);
    free_forecast(in->forecast);
    if (in->plan)
        free(in->plan->subs);
    free(in->plan);
    for (int k = 0; k < REP_NKINDS; k++) {
        cJSON_Delete(in->roots[k]);
        free(in->paths[k]);
    }
    free(in->single_dir);
    memset(in, 0, sizeof *in);
}

static const char *const default_secrets[] = {"Authorization", "Cookie"};

char *report_clean(const report_inputs *in, const char *s)
{
    if (in->results && in->results->nsecret)
        return report_redact(s, in->results->secret_headers, in->results->nsecret);
    return report_redact(s, default_secrets, 2);
}

char *report_title(const report_inputs *in, const report_options *opt)
{
    if (opt && opt->title)
        return strdup(opt->title);
    const char *what = NULL;
    if (in->results)
        what = in->results->scenario ? in->results->scenario : in->results->target;
    if (!what && in->capacity)
        what = in->capacity->scenario ? in->capacity->scenario : in->capacity->target;
    if (!what && in->plan)
        what = in->plan->scenario;
    if (!what && in->forecast)
        what = in->forecast->input;
    char buf[1024];
    snprintf(buf, sizeof buf, "crest report%s%s", what ? ": " : "", what ? what : "");
    return strdup(buf);
}

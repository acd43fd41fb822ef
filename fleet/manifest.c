/* manifest.c: the Kubernetes objects of a fleet run (see manifest.h).
 * Built with cJSON and written as JSON (a v1 List), which kubectl applies
 * as it does YAML and which needs no quoting rules of its own. The
 * scenario is loaded first (scenario_load): a scenario that `crest run`
 * would refuse never becomes a manifest. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/error.h"
#include "common/jsonio.h"
#include "fleet/manifest.h"
#include "loadgen/loadplan.h"
#include "loadgen/scenario.h"

#define RUN_LABEL "crest.fleet/run"

int fleet_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 52 || !isalnum((unsigned char)name[0]) || !isalnum((unsigned char)name[n - 1]))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)name[i]) || isdigit((unsigned char)name[i]) || name[i] == '-'))
            return 0;
    return 1;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* A ConfigMap key for file number I at relative path REL ([-._a-zA-Z0-9]). */
static void config_key(char *out, size_t cap, size_t i, const char *rel)
{
    int n = snprintf(out, cap, "f%zu-", i);
    for (const char *c = rel; *c && (size_t)n + 1 < cap; c++)
        out[n++] = (isalnum((unsigned char)*c) || *c == '.' || *c == '-' || *c == '_') ? *c : '_';
    out[n] = '\0';
}

/* Adds file REL (relative to the scenario's directory DIR) to DATA and
 * ITEMS; *TOTAL counts the bytes. 0 or -1 (printed). */
static int add_file(const char *scenario, const char *dir, const char *rel, size_t i,
                    cJSON *data, cJSON *items, size_t *total)
{
    if (rel[0] == '/' || strstr(rel, "..")) {
        crest_error_at(scenario, 0, "'%s': a fleet scenario names its files relative to its own "
                       "folder and below it (no absolute paths, no '..'), so the ConfigMap can "
                       "carry them", rel);
        return -1;
    }
    char full[4096], key[256];
    snprintf(full, sizeof full, "%s/%s", dir, rel);
    size_t len = 0;
    char *text = jsonio_slurp(full, &len);
    if (!text)
        return -1;
    if (strlen(text) != len) {
        crest_error_at(full, 0, "contains NUL bytes; expected a text file");
        free(text);
        return -1;
    }
    config_key(key, sizeof key, i, rel);
    cJSON_AddStringToObject(data, key, text);
    free(text);
    *total += len;
    cJSON *item = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "key", key);
    cJSON_AddStringToObject(item, "path", rel);
    cJSON_AddItemToArray(items, item);
    return 0;
}

/* The ConfigMap's data and the volume's items: the scenario and its files. */
static int collect_files(const char *scenario, cJSON *data, cJSON *items)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", scenario);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    cJSON *root = jsonio_read_file(scenario);
    if (!root)
        return -1;
    size_t total = 0, i = 0;
    int rc = add_file(scenario, dir, base_name(scenario), i++, data, items, &total);
    const cJSON *f;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(root, "feeders")) {
        const cJSON *file = cJSON_GetObjectItemCaseSensitive(f, "file");
        if (rc == 0 && cJSON_IsString(file))
            rc = add_file(scenario, dir, file->valuestring, i++, data, items, &total);
    }
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(root, "phases")) {
        const cJSON *file = cJSON_GetObjectItemCaseSensitive(f, "profile");
        if (rc == 0 && cJSON_IsString(file))
            rc = add_file(scenario, dir, file->valuestring, i++, data, items, &total);
    }
    cJSON_Delete(root);
    if (rc == 0 && total > FLEET_CONFIGMAP_MAX) {
        crest_error_at(scenario, 0, "the scenario and its files are %zu bytes; a ConfigMap holds "
                       "at most about 1 MiB: bake large feeders into the image (docs/fleet.md)",
                       total);
        rc = -1;
    }
    return rc;
}

static cJSON *metadata(const fleet_manifest_options *o, const char *name)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "name", name);
    if (o->namespace_)
        cJSON_AddStringToObject(m, "namespace", o->namespace_);
    cJSON *labels = cJSON_AddObjectToObject(m, "labels");
    cJSON_AddStringToObject(labels, "app.kubernetes.io/name", "crest");
    cJSON_AddStringToObject(labels, RUN_LABEL, name);
    return m;
}

static void add_arg(cJSON *cmd, const char *s)
{
    cJSON_AddItemToArray(cmd, cJSON_CreateString(s));
}

/* The pod's command: `crest fleet shard` around this shard's `crest run`. */
static cJSON *pod_command(const fleet_manifest_options *o, long nofile)
{
    cJSON *cmd = cJSON_CreateArray();
    char buf[64];
    add_arg(cmd, "crest");
    add_arg(cmd, "fleet");
    add_arg(cmd, "shard");
    snprintf(buf, sizeof buf, "%ld", nofile);
    add_arg(cmd, "--nofile");
    add_arg(cmd, buf);
    add_arg(cmd, "--");
    add_arg(cmd, base_name(o->scenario));
    add_arg(cmd, "--shard");
    snprintf(buf, sizeof buf, "auto/%u", o->shards);
    add_arg(cmd, buf);
    if (o->weights) {
        add_arg(cmd, "--weights");
        add_arg(cmd, o->weights);
    }
    if (o->start_at > 0) {
        time_t t = (time_t)o->start_at;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
        add_arg(cmd, "--start-at");
        add_arg(cmd, buf);
    }
    if (o->target) {
        add_arg(cmd, "--target");
        add_arg(cmd, o->target);
    }
    snprintf(buf, sizeof buf, "%d", o->connections);
    add_arg(cmd, "-c");
    add_arg(cmd, buf);
    snprintf(buf, sizeof buf, "%d", o->threads);
    add_arg(cmd, "--threads");
    add_arg(cmd, buf);
    add_arg(cmd, "--quiet");
    for (size_t i = 0; i < o->nrun_args; i++)
        add_arg(cmd, o->run_args[i]);
    return cmd;
}

static cJSON *container(const fleet_manifest_options *o, long nofile)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "name", "crest");
    cJSON_AddStringToObject(c, "image", o->image);
    cJSON_AddStringToObject(c, "imagePullPolicy", "IfNotPresent");
    cJSON_AddStringToObject(c, "workingDir", FLEET_MOUNT);
    cJSON_AddItemToObject(c, "command", pod_command(o, nofile));
    cJSON *env = cJSON_AddArrayToObject(c, "env");
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "name", "CREST_NODE_NAME");
    cJSON *ref = cJSON_AddObjectToObject(cJSON_AddObjectToObject(e, "valueFrom"), "fieldRef");
    cJSON_AddStringToObject(ref, "fieldPath", "spec.nodeName");
    cJSON_AddItemToArray(env, e);
    char cpu[32];
    snprintf(cpu, sizeof cpu, "%d", o->threads);
    cJSON *res = cJSON_AddObjectToObject(c, "resources");
    cJSON *req = cJSON_AddObjectToObject(res, "requests");
    cJSON_AddStringToObject(req, "cpu", cpu);
    cJSON_AddStringToObject(req, "memory", o->memory);
    /* A memory limit (an OOM kill is a clear failure); no CPU limit: CFS
     * throttling would make the generator, not the target, the bottleneck. */
    cJSON_AddStringToObject(cJSON_AddObjectToObject(res, "limits"), "memory", o->memory);
    cJSON *mounts = cJSON_AddArrayToObject(c, "volumeMounts");
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "name", "scenario");
    cJSON_AddStringToObject(m, "mountPath", FLEET_MOUNT);
    cJSON_AddBoolToObject(m, "readOnly", 1);
    cJSON_AddItemToArray(mounts, m);
    m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "name", "tmp");
    cJSON_AddStringToObject(m, "mountPath", "/tmp");
    cJSON_AddItemToArray(mounts, m);
    return c;
}

static cJSON *anti_affinity(const char *name)
{
    cJSON *aff = cJSON_CreateObject();
    cJSON *pref = cJSON_AddArrayToObject(cJSON_AddObjectToObject(aff, "podAntiAffinity"),
                                         "preferredDuringSchedulingIgnoredDuringExecution");
    cJSON *term = cJSON_CreateObject();
    cJSON_AddNumberToObject(term, "weight", 100);
    cJSON *pat = cJSON_AddObjectToObject(term, "podAffinityTerm");
    cJSON_AddStringToObject(pat, "topologyKey", "kubernetes.io/hostname");
    cJSON *ml = cJSON_AddObjectToObject(cJSON_AddObjectToObject(pat, "labelSelector"),
                                        "matchLabels");
    cJSON_AddStringToObject(ml, RUN_LABEL, name);
    cJSON_AddItemToArray(pref, term);
    return aff;
}

static cJSON *job(const fleet_manifest_options *o, const char *name, cJSON *items, long nofile,
                  double run_s)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "apiVersion", "batch/v1");
    cJSON_AddStringToObject(j, "kind", "Job");
    cJSON_AddItemToObject(j, "metadata", metadata(o, name));
    cJSON *spec = cJSON_AddObjectToObject(j, "spec");
    cJSON_AddStringToObject(spec, "completionMode", "Indexed");
    cJSON_AddNumberToObject(spec, "completions", o->shards);
    cJSON_AddNumberToObject(spec, "parallelism", o->shards);
    cJSON_AddNumberToObject(spec, "backoffLimit", 0);
    cJSON_AddNumberToObject(spec, "ttlSecondsAfterFinished", 86400);
    cJSON_AddNumberToObject(spec, "activeDeadlineSeconds", (double)(long)ceil(run_s + 900));
    cJSON *tmpl = cJSON_AddObjectToObject(spec, "template");
    cJSON *tm = cJSON_AddObjectToObject(tmpl, "metadata");
    cJSON *labels = cJSON_AddObjectToObject(tm, "labels");
    cJSON_AddStringToObject(labels, "app.kubernetes.io/name", "crest");
    cJSON_AddStringToObject(labels, RUN_LABEL, name);
    cJSON *ps = cJSON_AddObjectToObject(tmpl, "spec");
    cJSON_AddStringToObject(ps, "restartPolicy", "Never");
    cJSON_AddItemToObject(ps, "affinity", anti_affinity(name));
    cJSON *cs = cJSON_AddArrayToObject(ps, "containers");
    cJSON_AddItemToArray(cs, container(o, nofile));
    cJSON *vols = cJSON_AddArrayToObject(ps, "volumes");
    cJSON *v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "name", "scenario");
    cJSON *cm = cJSON_AddObjectToObject(v, "configMap");
    cJSON_AddStringToObject(cm, "name", name);
    cJSON_AddItemToObject(cm, "items", items);
    cJSON_AddItemToArray(vols, v);
    v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "name", "tmp");
    cJSON_AddObjectToObject(v, "emptyDir");
    cJSON_AddItemToArray(vols, v);
    return j;
}

/* Open files one pod needs: its connections (the cap, or its part of the
 * largest closed-loop phase) plus what the engine keeps per thread, rounded
 * up to a multiple of 1024. */
static long nofile_for(const fleet_manifest_options *o, const loadplan *p)
{
    long users = 0;
    for (size_t i = 0; i < p->nphases; i++)
        if (p->phases[i].connections > users)
            users = p->phases[i].connections;
    users = (users + (long)o->shards - 1) / (long)o->shards;
    long conns = users > o->connections ? users : o->connections;
    long need = conns + (long)o->threads * 16 + 64;
    return (need + 1023) / 1024 * 1024;
}

cJSON *fleet_manifest_build(const fleet_manifest_options *o)
{
    const char *name = o->name ? o->name : "crest-fleet";
    if (!fleet_name_ok(name)) {
        crest_error("--name '%s': expected lowercase letters, digits and '-' (a DNS-1123 label "
                    "of at most 52 characters)", name);
        return NULL;
    }
    scenario_options so = {.target = o->target, .only = NULL, .growth = 0};
    loadplan *plan = scenario_load(o->scenario, &so);
    if (!plan)
        return NULL;
    long nofile = nofile_for(o, plan);
    double run_s = loadplan_duration(plan);
    if (!plan->target)
        crest_warn("%s has no target and no --target was given: every pod would start its "
                   "own embedded testbed", o->scenario);
    loadplan_free(plan);

    cJSON *data = cJSON_CreateObject(), *items = cJSON_CreateArray();
    if (collect_files(o->scenario, data, items) != 0) {
        cJSON_Delete(data);
        cJSON_Delete(items);
        return NULL;
    }
    cJSON *list = cJSON_CreateObject();
    cJSON_AddStringToObject(list, "apiVersion", "v1");
    cJSON_AddStringToObject(list, "kind", "List");
    cJSON *arr = cJSON_AddArrayToObject(list, "items");
    cJSON *cm = cJSON_CreateObject();
    cJSON_AddStringToObject(cm, "apiVersion", "v1");
    cJSON_AddStringToObject(cm, "kind", "ConfigMap");
    cJSON_AddItemToObject(cm, "metadata", metadata(o, name));
    cJSON_AddItemToObject(cm, "data", data);
    cJSON_AddItemToArray(arr, cm);
    double wait_s = o->start_at > 0 ? fmax(0, o->start_at - (double)time(NULL)) : 0;
    cJSON_AddItemToArray(arr, job(o, name, items, nofile, wait_s + run_s));
    return list;
}

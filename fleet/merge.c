/* merge.c: shard results into one fleet result (see merge.h). Reading
 * goes through results_read (the same decoder report and compare use), so
 * a merged file is an ordinary results.json; the checks that the files
 * form one fleet run come first, and nothing is merged when they fail. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/jsonio.h"
#include "fleet/merge.h"
#include "loadgen/shard.h"

typedef struct shard_file {
    const char *path;
    cJSON *root;
    run_result r;
    int have_r;
    shard_record rec;
} shard_file;

static int balanced(const counters *c)
{
    return c->scheduled == c->ok + c->shed + c->errors + c->dropped + c->cancelled &&
           c->errors == c->http_errors + c->net_errors;
}

/* The first place R does not balance ("total", a subsystem), or NULL. */
static const char *unbalanced(const run_result *r)
{
    if (!balanced(&r->total.c))
        return "summary";
    for (size_t i = 0; i < r->ntags; i++)
        if (!balanced(&r->tags[i].c))
            return r->tags[i].name;
    return NULL;
}

static int load_shard(shard_file *s)
{
    if (results_read(s->path, &s->r) != 0)
        return CREST_EXIT_USAGE;
    s->have_r = 1;
    s->root = jsonio_read_file(s->path);
    if (!s->root)
        return CREST_EXIT_USAGE;
    int rc = shard_record_from_json(s->path, s->root, &s->rec);
    if (rc < 0)
        return CREST_EXIT_USAGE;
    if (rc == 1) {
        crest_error_at(s->path, 0, "no \"shard\" block: not a shard result; expected a file "
                       "written by `crest run --shard I/N --out FILE`");
        return CREST_EXIT_USAGE;
    }
    const char *where = unbalanced(&s->r);
    if (where) {
        crest_error_at(s->path, 0, "%s: counts do not balance (scheduled = ok + shed + errors + "
                       "dropped + cancelled, errors = http_errors + net_errors)", where);
        return CREST_EXIT_USAGE;
    }
    return 0;
}

static int json_differs(const cJSON *a, const cJSON *b)
{
    if (!a && !b)
        return 0;
    if (!a || !b)
        return 1;
    return !cJSON_Compare(a, b, 1);
}

/* Names the first top-level or settings field where B differs from A
 * (settings.threads may differ: pods may have different cores). */
static const char *settings_difference(const cJSON *a, const cJSON *b)
{
    static const char *const top[] = {"scenario", "target", "thresholds_exprs", NULL};
    for (int i = 0; top[i]; i++)
        if (json_differs(cJSON_GetObjectItemCaseSensitive(a, top[i]),
                         cJSON_GetObjectItemCaseSensitive(b, top[i])))
            return top[i];
    const cJSON *sa = cJSON_GetObjectItemCaseSensitive(a, "settings");
    const cJSON *sb = cJSON_GetObjectItemCaseSensitive(b, "settings");
    static const char *const keys[] = {"connections", "timeout_s", "arrivals", "http2", NULL};
    for (int i = 0; keys[i]; i++)
        if (json_differs(cJSON_GetObjectItemCaseSensitive(sa, keys[i]),
                         cJSON_GetObjectItemCaseSensitive(sb, keys[i])))
            return keys[i];
    return NULL;
}

/* The thresholds as "expr@tag" strings, for comparing shards. */
static cJSON *threshold_exprs(const cJSON *root)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(root, "thresholds")) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(t, "expr");
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(t, "tag");
        char buf[256];
        snprintf(buf, sizeof buf, "%s@%s", cJSON_IsString(e) ? e->valuestring : "?",
                 cJSON_IsString(g) ? g->valuestring : "");
        cJSON_AddItemToArray(out, cJSON_CreateString(buf));
    }
    return out;
}

/* Checks shard S against the first shard F: same fleet and settings. */
static int same_fleet(const shard_file *f, shard_file *s)
{
    const shard_record *a = &f->rec, *b = &s->rec;
    const char *what = NULL;
    char va[128] = "", vb[128] = "";
    if (a->count != b->count) {
        what = "shard count";
        snprintf(va, sizeof va, "%u", a->count);
        snprintf(vb, sizeof vb, "%u", b->count);
    } else if (strcmp(a->plan_digest, b->plan_digest) != 0) {
        what = "scenario contents (plan_digest)";
        snprintf(va, sizeof va, "%s", a->plan_digest);
        snprintf(vb, sizeof vb, "%s", b->plan_digest);
    } else if (strcmp(a->weights, b->weights) != 0) {
        what = "--weights";
        snprintf(va, sizeof va, "'%.100s'", a->weights);
        snprintf(vb, sizeof vb, "'%.100s'", b->weights);
    } else if (a->run_seed != b->run_seed) {
        what = "--seed";
        snprintf(va, sizeof va, "%llu", (unsigned long long)a->run_seed);
        snprintf(vb, sizeof vb, "%llu", (unsigned long long)b->run_seed);
    } else if (a->start_at != b->start_at) {
        what = "--start-at";
        snprintf(va, sizeof va, "%.3f", a->start_at);
        snprintf(vb, sizeof vb, "%.3f", b->start_at);
    } else if (f->r.ntags != s->r.ntags) {
        what = "subsystems";
        snprintf(va, sizeof va, "%zu", f->r.ntags);
        snprintf(vb, sizeof vb, "%zu", s->r.ntags);
    }
    for (size_t i = 0; !what && i < f->r.ntags; i++)
        if (strcmp(f->r.tags[i].name, s->r.tags[i].name) != 0) {
            what = "subsystems";
            snprintf(va, sizeof va, "%.100s", f->r.tags[i].name);
            snprintf(vb, sizeof vb, "%.100s", s->r.tags[i].name);
        }
    if (!what)
        what = settings_difference(f->root, s->root);
    if (!what)
        return 0;
    crest_error("shard %u (%s) and shard %u (%s) are not the same fleet run: they differ in %s"
                "%s%s%s%s%s", a->index, f->path, b->index, s->path, what, va[0] ? " (" : "", va,
                va[0] ? " vs " : "", vb, va[0] ? ")" : "");
    return CREST_EXIT_RUN;
}

/* Every index 0..N-1 exactly once. */
static int whole_fleet(const shard_file *s, size_t n)
{
    unsigned count = s[0].rec.count;
    const shard_file **seen = calloc(count, sizeof *seen);
    if (!seen)
        return CREST_EXIT_RUN;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        unsigned k = s[i].rec.index;
        if (seen[k]) {
            crest_error("shard %u of %u given twice: %s and %s (host %s and %s); expected each "
                        "shard once", k, count, seen[k]->path, s[i].path, seen[k]->rec.host,
                        s[i].rec.host);
            rc = CREST_EXIT_RUN;
        }
        seen[k] = &s[i];
    }
    if (rc == 0) {
        char missing[512] = "";
        size_t len = 0, nmissing = 0;
        for (unsigned k = 0; k < count; k++)
            if (!seen[k]) {
                nmissing++;
                if (len < sizeof missing - 16)
                    len += (size_t)snprintf(missing + len, sizeof missing - len, "%s%u",
                                            len ? ", " : "", k);
            }
        if (nmissing) {
            crest_error("shard%s %s of %u missing (%zu of %u shard files given); the fleet "
                        "result would be partial", nmissing > 1 ? "s" : "", missing, count, n,
                        count);
            rc = CREST_EXIT_RUN;
        }
    }
    free(seen);
    return rc;
}

int fleet_shift_seconds(run_result *r, size_t offset)
{
    if (offset == 0 || r->nseconds == 0)
        return 0;
    size_t n = r->nseconds + offset;
    second_stats *s = realloc(r->seconds, n * sizeof *s);
    if (!s)
        return -1;
    r->seconds = s;
    memmove(s + offset, s, r->nseconds * sizeof *s);
    memset(s, 0, offset * sizeof *s);
    for (size_t t = 0; r->tag_seconds && t < r->ntags; t++) {
        second_stats *ts = realloc(r->tag_seconds[t], n * sizeof *ts);
        if (!ts)
            return -1;
        r->tag_seconds[t] = ts;
        memmove(ts + offset, ts, r->nseconds * sizeof *ts);
        memset(ts, 0, offset * sizeof *ts);
    }
    r->nseconds = n;
    return 0;
}

static int threshold_sets_from(const cJSON *root, threshold_set *set, const char *file)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(root, "thresholds")) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(t, "expr");
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(t, "tag");
        threshold one;
        char err[256];
        if (!cJSON_IsString(e) || threshold_parse(e->valuestring, &one, err, sizeof err) != 0) {
            crest_error_at(file, 0, "thresholds: %s", cJSON_IsString(e) ? err : "expected \"expr\"");
            return -1;
        }
        if (cJSON_IsString(g))
            snprintf(one.tag, sizeof one.tag, "%s", g->valuestring);
        threshold *items = realloc(set->items, (set->count + 1) * sizeof *items);
        if (!items)
            return -1;
        set->items = items;
        set->items[set->count++] = one;
    }
    return 0;
}

static cJSON *shard_entry(const shard_file *s, double offset_s)
{
    cJSON *o = cJSON_CreateObject();
    const generator_health *g = &s->r.generator;
    cJSON_AddNumberToObject(o, "index", s->rec.index);
    cJSON_AddStringToObject(o, "file", s->path);
    cJSON_AddStringToObject(o, "host", s->rec.host);
    cJSON_AddStringToObject(o, "node", s->rec.node);
    cJSON_AddStringToObject(o, "seed", cJSON_GetObjectItemCaseSensitive(
                                           cJSON_GetObjectItemCaseSensitive(s->root, "shard"),
                                           "seed")->valuestring);
    cJSON_AddNumberToObject(o, "timeline_offset_s", offset_s);
    cJSON_AddNumberToObject(o, "late_ms", s->rec.late_s * 1000.0);
    cJSON_AddItemToObject(o, "clock", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
                                          cJSON_GetObjectItemCaseSensitive(s->root, "shard"),
                                          "clock"), 1));
    cJSON_AddBoolToObject(o, "interrupted", s->r.interrupted);
    cJSON_AddNumberToObject(o, "scheduled", (double)s->r.total.c.scheduled);
    cJSON_AddNumberToObject(o, "ok", (double)s->r.total.c.ok);
    cJSON_AddNumberToObject(o, "latency_p99_ms",
                            (double)hist_percentile(s->r.total.h.latency, 99) / 1000.0);
    cJSON *gen = cJSON_AddObjectToObject(o, "generator");
    cJSON_AddBoolToObject(gen, "generator_limited", g->limited);
    jsonio_add_string_or_null(gen, "reason", g->limited ? g->reason : NULL);
    cJSON_AddNumberToObject(gen, "threads", g->threads);
    cJSON_AddNumberToObject(gen, "cpu_s", g->cpu_s);
    cJSON_AddNumberToObject(gen, "busiest_thread_cpu", g->cpu_busiest_thread);
    cJSON_AddNumberToObject(gen, "loop_lag_p99_ms", g->loop_lag_p99_ms);
    cJSON_AddNumberToObject(gen, "connections_opened", (double)g->connections_opened);
    cJSON_AddStringToObject(gen, "transport", g->transport);
    cJSON_AddNumberToObject(gen, "send_batch_ms", g->send_batch_ms);
    /* the shard's own TLS figures as it wrote them (null: none timed) */
    const cJSON *tls = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(s->root, "generator"), "tls");
    cJSON_AddItemToObject(gen, "tls", tls ? cJSON_Duplicate(tls, 1) : cJSON_CreateNull());
    return o;
}

/* Appends "shard K (FILE)[: WHY]" to the list in BUF. */
static void append(char *buf, size_t cap, unsigned k, const char *file, const char *why)
{
    size_t len = strlen(buf);
    if (len + 1 < cap)
        snprintf(buf + len, cap - len, "%sshard %u (%.100s)%s%.150s", len ? "; " : "", k, file,
                 why[0] ? ": " : "", why);
}

/* Adds every shard into OUT->merged, aligned on the earliest timeline start. */
static int merge_all(shard_file *s, size_t n, fleet_merged *out)
{
    double t0 = s[0].rec.timeline_start, late = s[0].rec.late_s;
    for (size_t i = 1; i < n; i++) {
        t0 = fmin(t0, s[i].rec.timeline_start);
        late = fmax(late, s[i].rec.late_s);
    }
    const char **names = calloc(s[0].r.ntags ? s[0].r.ntags : 1, sizeof *names);
    if (!names)
        return -1;
    for (size_t t = 0; t < s[0].r.ntags; t++)
        names[t] = s[0].r.tags[t].name;
    int rc = run_result_init(&out->merged, s[0].r.ntags, names);
    free(names);
    if (rc != 0)
        return -1;
    run_result *m = &out->merged;
    cJSON *list = cJSON_AddArrayToObject(out->fleet, "shards");
    char limited[sizeof m->generator.reason] = "";
    double span = 0;
    for (unsigned k = 0; k < out->count; k++) {
        shard_file *f = NULL;
        for (size_t i = 0; i < n && !f; i++)
            if (s[i].rec.index == k)
                f = &s[i];
        double off = f->rec.timeline_start - t0;
        size_t whole = (size_t)llround(off);
        if (fleet_shift_seconds(&f->r, whole) != 0)
            return -1;
        cJSON_AddItemToArray(list, shard_entry(f, off));
        if (f->r.generator.limited)
            append(limited, sizeof limited, k, f->path, f->r.generator.reason);
        if (f->r.interrupted)
            append(out->interrupted, sizeof out->interrupted, k, f->path, "");
        span = fmax(span, (double)whole + f->r.duration_s);
        run_result_merge(m, &f->r);
    }
    m->duration_s = span;
    m->timeline_start = t0;
    m->late_s = late;
    if (m->generator.limited)
        memcpy(m->generator.reason, limited, sizeof limited);
    if (unbalanced(m))
        return -1;   /* cannot happen: sums of balanced counts balance */
    cJSON_AddNumberToObject(out->fleet, "count", out->count);
    cJSON_AddStringToObject(out->fleet, "weights", s[0].rec.weights);
    jsonio_add_number_or_null(out->fleet, "start_at", s[0].rec.start_at > 0 ? s[0].rec.start_at
                                                                            : NAN);
    cJSON_AddNumberToObject(out->fleet, "timeline_start", t0);
    cJSON_AddNumberToObject(out->fleet, "max_late_ms", late * 1000.0);
    return 0;
}

/* Shard 0's settings with the connection caps of all shards summed. */
static cJSON *fleet_settings(const shard_file *s, size_t n)
{
    cJSON *set = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(s[0].root, "settings"), 1);
    if (!set)
        return NULL;
    double conns = 0;
    for (size_t i = 0; i < n; i++) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(s[i].root, "settings"), "connections");
        conns += cJSON_IsNumber(c) ? c->valuedouble : 0;
    }
    cJSON_ReplaceItemInObjectCaseSensitive(set, "connections", cJSON_CreateNumber(conns));
    return set;
}

static void free_shards(shard_file *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i].have_r)
            run_result_free(&s[i].r);
        cJSON_Delete(s[i].root);
    }
    free(s);
}

int fleet_merge(const char *const *paths, size_t n, fleet_merged *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0) {
        crest_error("no shard files given");
        return CREST_EXIT_USAGE;
    }
    shard_file *s = calloc(n, sizeof *s);
    if (!s)
        return CREST_EXIT_RUN;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        s[i].path = paths[i];
        rc = load_shard(&s[i]);
        if (rc == 0)
            cJSON_AddItemToObject(s[i].root, "thresholds_exprs", threshold_exprs(s[i].root));
    }
    for (size_t i = 1; i < n && rc == 0; i++)
        rc = same_fleet(&s[0], &s[i]);
    if (rc == 0)
        rc = whole_fleet(s, n);
    if (rc == 0) {
        out->count = s[0].rec.count;
        out->fleet = cJSON_CreateObject();
        out->settings = fleet_settings(s, n);
        const cJSON *sc = cJSON_GetObjectItemCaseSensitive(s[0].root, "scenario");
        if (cJSON_IsString(sc))
            out->scenario = strdup(sc->valuestring);
        if (!out->fleet || !out->settings || (cJSON_IsString(sc) && !out->scenario) ||
            threshold_sets_from(s[0].root, &out->thresholds, s[0].path) != 0 ||
            merge_all(s, n, out) != 0) {
            crest_error("could not merge the shards (out of memory or a bad threshold)");
            rc = CREST_EXIT_RUN;
        }
        if (rc != 0)
            fleet_merged_free(out);
    }
    free_shards(s, n);
    return rc;
}

void fleet_merged_free(fleet_merged *m)
{
    if (m->merged.total.name)
        run_result_free(&m->merged);
    threshold_set_free(&m->thresholds);
    free(m->scenario);
    cJSON_Delete(m->settings);
    cJSON_Delete(m->fleet);
    memset(m, 0, sizeof *m);
}

cJSON *fleet_merged_to_json(const fleet_merged *m, const threshold_result *th, size_t nth,
                            const char *command)
{
    const cJSON *http2 = cJSON_GetObjectItemCaseSensitive(m->settings, "http2");
    const cJSON *arrivals = cJSON_GetObjectItemCaseSensitive(m->settings, "arrivals");
    const cJSON *conns = cJSON_GetObjectItemCaseSensitive(m->settings, "connections");
    const cJSON *timeout = cJSON_GetObjectItemCaseSensitive(m->settings, "timeout_s");
    const cJSON *secret = cJSON_GetObjectItemCaseSensitive(m->settings, "secret_headers");
    size_t nsecret = (size_t)cJSON_GetArraySize(secret);
    const char **names = calloc(nsecret ? nsecret : 1, sizeof *names);
    if (!names)
        return NULL;
    size_t k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, secret) if (cJSON_IsString(it)) names[k++] = it->valuestring;
    results_meta meta = {
        .command = command, .scenario = m->scenario,
        .connections = cJSON_IsNumber(conns) && conns->valuedouble >= 0 &&
                               conns->valuedouble <= INT_MAX ? (int)conns->valuedouble : 0,
        .timeout_s = cJSON_IsNumber(timeout) ? timeout->valuedouble : 0,
        .poisson = cJSON_IsString(arrivals) && strcmp(arrivals->valuestring, "poisson") == 0,
        .http2 = cJSON_IsTrue(http2), .secret_headers = names, .nsecret = k,
        .thresholds = th, .nthresholds = nth,
    };
    cJSON *root = results_to_json(&m->merged, &meta);
    free(names);
    if (root)
        cJSON_AddItemToObject(root, "fleet", cJSON_Duplicate(m->fleet, 1));
    return root;
}

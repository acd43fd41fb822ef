/* scrape_reduce.c: see scrape_reduce.h. Snapshots are sorted by (key, le)
 * so that lookups in the previous snapshot are binary searches and a
 * histogram's buckets are adjacent in increasing order. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "observe/scrape_reduce.h"

#define CPU_FAMILY "node_cpu_seconds_total"
#define MEM_AVAILABLE "node_memory_MemAvailable_bytes"
#define MEM_TOTAL "node_memory_MemTotal_bytes"

static const char *const folded_labels[] = {"cpu", "device", NULL};
static const char *const limit_suffixes[] = {"_limit", "_max", "_maximum", "_capacity", NULL};
/* Gauges whose limit is named differently: {value, limit}. */
static const char *const limit_pairs[][2] = {{"node_filefd_allocated", "node_filefd_maximum"},
                                             {NULL, NULL}};

static int is_folded(const char *label)
{
    for (size_t i = 0; folded_labels[i]; i++)
        if (strcmp(label, folded_labels[i]) == 0)
            return 1;
    return 0;
}

/* NAME{labels} without the folded labels (and without SKIP, e.g. "le"),
 * escaped as the exposition format writes it. Caller frees. */
static char *make_key(const expo_doc *d, const expo_sample *s, const char *skip)
{
    size_t cap = strlen(s->name) + 3;
    for (size_t i = 0; i < s->nlabels; i++) {
        const expo_label *l = &d->labels[s->first_label + i];
        cap += strlen(l->name) + 2 * strlen(l->value) + 4;
    }
    char *k = malloc(cap);
    if (!k)
        return NULL;
    size_t n = (size_t)sprintf(k, "%s", s->name);
    int any = 0;
    for (size_t i = 0; i < s->nlabels; i++) {
        const expo_label *l = &d->labels[s->first_label + i];
        if (is_folded(l->name) || (skip && strcmp(l->name, skip) == 0))
            continue;
        n += (size_t)sprintf(k + n, "%s%s=\"", any ? "," : "{", l->name);
        for (const char *v = l->value; *v; v++) {
            if (*v == '"' || *v == '\\' || *v == '\n')
                k[n++] = '\\';
            k[n++] = *v == '\n' ? 'n' : *v;
        }
        k[n++] = '"';
        any = 1;
    }
    if (any)
        k[n++] = '}';
    k[n] = '\0';
    return k;
}

static int raw_cmp(const void *a, const void *b)
{
    const scrape_raw *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    return x->le < y->le ? -1 : x->le > y->le;
}

/* The raw kind of sample S; -1 when crest does not keep it (a _sum). */
static int kind_of(const expo_doc *d, const expo_sample *s, double *le)
{
    size_t fl = strlen(s->family);
    const char *suffix = s->name + fl;
    switch (s->type) {
    case EXPO_COUNTER:
        return SCRAPE_RAW_COUNTER;
    case EXPO_HISTOGRAM:
        if (strcmp(suffix, "_bucket") == 0) {
            const char *v = expo_label_value(d, s, "le");
            if (!v)
                return -1;
            char *end;
            *le = strcmp(v, "+Inf") == 0 ? INFINITY : strtod(v, &end);
            return (v[0] && (isinf(*le) || *end == '\0')) ? SCRAPE_RAW_BUCKET : -1;
        }
        return strcmp(suffix, "_count") == 0 ? SCRAPE_RAW_COUNTER : -1;
    case EXPO_SUMMARY:
        if (*suffix == '\0')
            return SCRAPE_RAW_GAUGE;
        return strcmp(suffix, "_count") == 0 ? SCRAPE_RAW_COUNTER : -1;
    default:
        return SCRAPE_RAW_GAUGE;
    }
}

/* Adds one sample into OUT, summing into an item of the same key. */
static int add_raw(scrape_snapshot *out, size_t *cap, char *key, int kind, double le, double v)
{
    for (size_t i = out->n; i-- > 0;) {   /* folded samples are usually adjacent */
        scrape_raw *r = &out->items[i];
        if ((int)r->kind == kind && r->le == le && strcmp(r->key, key) == 0) {
            r->value += v;
            free(key);
            return 0;
        }
        if (out->n - i > 64)
            break;
    }
    if (out->n == *cap) {
        size_t n = *cap ? *cap * 2 : 64;
        scrape_raw *a = realloc(out->items, n * sizeof *a);
        if (!a) {
            free(key);
            return -1;
        }
        out->items = a;
        *cap = n;
    }
    out->items[out->n++] = (scrape_raw){key, (enum scrape_raw_kind)kind, le, v};
    return 0;
}

int scrape_snapshot_build(const expo_doc *d, const regex_t *match, uint64_t t_ns,
                          scrape_snapshot *out)
{
    memset(out, 0, sizeof *out);
    out->t_ns = t_ns;
    size_t cap = 0;
    for (size_t i = 0; i < d->nsamples; i++) {
        const expo_sample *s = &d->samples[i];
        if (match && regexec(match, s->family, 0, NULL, 0) != 0)
            continue;
        double le = 0;
        int kind = kind_of(d, s, &le);
        if (kind < 0 || isnan(s->value))
            continue;
        char *key = make_key(d, s, kind == SCRAPE_RAW_BUCKET ? "le" : NULL);
        if (!key || add_raw(out, &cap, key, kind, le, s->value) != 0) {
            scrape_snapshot_free(out);
            return -1;
        }
    }
    if (out->n)
        qsort(out->items, out->n, sizeof *out->items, raw_cmp);
    return 0;
}

void scrape_snapshot_free(scrape_snapshot *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->items[i].key);
    free(s->items);
    memset(s, 0, sizeof *s);
}

static const scrape_raw *find(const scrape_snapshot *s, const char *key, int kind, double le)
{
    if (!s || !s->n)
        return NULL;
    scrape_raw probe = {(char *)key, (enum scrape_raw_kind)kind, le, 0};
    const scrape_raw *r = bsearch(&probe, s->items, s->n, sizeof *s->items, raw_cmp);
    return r && (int)r->kind == kind ? r : NULL;
}

/* KEY with SUFFIX inserted before its labels, into BUF. */
static void sibling_key(const char *key, const char *suffix, char *buf, size_t len)
{
    const char *brace = strchr(key, '{');
    size_t nl = brace ? (size_t)(brace - key) : strlen(key);
    snprintf(buf, len, "%.*s%s%s", (int)nl, key, suffix, brace ? brace : "");
}

/* 1 when KEY is the limit sibling of another gauge of CUR. */
static int is_limit_of_other(const scrape_snapshot *cur, const char *key)
{
    for (size_t i = 0; limit_pairs[i][0]; i++)
        if (strcmp(key, limit_pairs[i][1]) == 0 && find(cur, limit_pairs[i][0], SCRAPE_RAW_GAUGE, 0))
            return 1;
    const char *brace = strchr(key, '{');
    size_t nl = brace ? (size_t)(brace - key) : strlen(key);
    for (size_t i = 0; limit_suffixes[i]; i++) {
        size_t sl = strlen(limit_suffixes[i]);
        if (nl <= sl || strncmp(key + nl - sl, limit_suffixes[i], sl) != 0)
            continue;
        char base[512];
        snprintf(base, sizeof base, "%.*s%s", (int)(nl - sl), key, brace ? brace : "");
        if (find(cur, base, SCRAPE_RAW_GAUGE, 0))
            return 1;
    }
    return 0;
}

static double limit_of(const scrape_snapshot *cur, const char *key)
{
    for (size_t i = 0; limit_pairs[i][0]; i++) {
        const scrape_raw *r = strcmp(key, limit_pairs[i][0]) == 0
                                  ? find(cur, limit_pairs[i][1], SCRAPE_RAW_GAUGE, 0) : NULL;
        if (r && r->value > 0)
            return r->value;
    }
    for (size_t i = 0; limit_suffixes[i]; i++) {
        char sib[512];
        sibling_key(key, limit_suffixes[i], sib, sizeof sib);
        const scrape_raw *r = find(cur, sib, SCRAPE_RAW_GAUGE, 0);
        if (r && r->value > 0)
            return r->value;
    }
    return NAN;
}

static int emit(scrape_value *out, size_t max, size_t *n, const char *name, const char *suffix,
                enum scrape_kind kind, const char *unit, double value, double limit)
{
    if (*n >= max || !isfinite(value))
        return -1;
    scrape_value *v = &out[(*n)++];
    if (snprintf(v->name, sizeof v->name, "%s%s", name, suffix) >= (int)sizeof v->name) {
        (*n)--;   /* a name this long is not worth a truncated, ambiguous series */
        return -1;
    }
    v->kind = kind;
    snprintf(v->unit, sizeof v->unit, "%s", unit);
    v->value = value;
    v->limit = limit;
    return 0;
}

/* Quantile Q of the observations in buckets [B, E) (cumulative deltas D,
 * upper bounds from the items), interpolated linearly inside the bucket. */
static double bucket_quantile(const scrape_raw *b, const double *d, size_t n, double q)
{
    double total = d[n - 1], rank = q * total, lower = 0, below = 0;
    for (size_t i = 0; i < n; i++) {
        if (d[i] >= rank) {
            if (isinf(b[i].le))
                return lower;     /* in the +Inf bucket: the highest finite bound */
            double in = d[i] - below;
            return in > 0 ? lower + (b[i].le - lower) * (rank - below) / in : b[i].le;
        }
        lower = b[i].le;
        below = d[i];
    }
    return lower;
}

/* One histogram's buckets CUR[0..N): p50/p90/p99 of the interval. */
static void derive_histogram(const scrape_snapshot *prev, const scrape_raw *cur, size_t n,
                             scrape_value *out, size_t max, size_t *k)
{
    double d[256];
    if (n > 256 || !isinf(cur[n - 1].le))
        return;
    for (size_t i = 0; i < n; i++) {
        const scrape_raw *p = find(prev, cur[i].key, SCRAPE_RAW_BUCKET, cur[i].le);
        if (!p || cur[i].value < p->value)
            return;
        d[i] = cur[i].value - p->value;
    }
    if (d[n - 1] <= 0)
        return;
    /* "lat_bucket{a=\"b\"}" is reported as "lat{a=\"b\"} p99" */
    char name[SCRAPE_NAME_MAX - 8];   /* room for the " p99" */
    const char *brace = strchr(cur[0].key, '{');
    size_t nl = brace ? (size_t)(brace - cur[0].key) : strlen(cur[0].key);
    if (nl > 7 && strncmp(cur[0].key + nl - 7, "_bucket", 7) == 0)
        nl -= 7;
    snprintf(name, sizeof name, "%.*s%s", (int)nl, cur[0].key, brace ? brace : "");
    static const double qs[] = {0.5, 0.9, 0.99};
    static const char *const qn[] = {" p50", " p90", " p99"};
    for (int i = 0; i < 3; i++)
        emit(out, max, k, name, qn[i], SCRAPE_QUANTILE, "", bucket_quantile(cur, d, n, qs[i]),
             NAN);
}

/* node_cpu_seconds_total{mode}: the busy share of CPU time. */
static void derive_cpu(const scrape_snapshot *prev, const scrape_snapshot *cur,
                       scrape_value *out, size_t max, size_t *k)
{
    double all = 0, idle = 0;
    int any = 0;
    for (size_t i = 0; i < cur->n; i++) {
        const scrape_raw *c = &cur->items[i];
        if (c->kind != SCRAPE_RAW_COUNTER || strncmp(c->key, CPU_FAMILY, strlen(CPU_FAMILY)) != 0)
            continue;
        const scrape_raw *p = find(prev, c->key, SCRAPE_RAW_COUNTER, 0);
        if (!p || c->value < p->value)
            continue;
        double dv = c->value - p->value;
        all += dv;
        if (strstr(c->key, "mode=\"idle\"") || strstr(c->key, "mode=\"iowait\""))
            idle += dv;
        any = 1;
    }
    if (any && all > 0)
        emit(out, max, k, "cpu_busy_pct", "", SCRAPE_GAUGE, "%", 100.0 * (all - idle) / all, 100);
}

size_t scrape_derive(const scrape_snapshot *prev, const scrape_snapshot *cur, scrape_value *out,
                     size_t max)
{
    size_t k = 0;
    double dt = prev && cur->t_ns > prev->t_ns ? (double)(cur->t_ns - prev->t_ns) / 1e9 : 0;
    derive_cpu(prev, cur, out, max, &k);
    const scrape_raw *avail = find(cur, MEM_AVAILABLE, SCRAPE_RAW_GAUGE, 0);
    const scrape_raw *total = find(cur, MEM_TOTAL, SCRAPE_RAW_GAUGE, 0);
    if (avail && total && total->value > 0)
        emit(out, max, &k, "memory_used_pct", "", SCRAPE_GAUGE, "%",
             100.0 * (1 - avail->value / total->value), 100);
    for (size_t i = 0; i < cur->n;) {
        const scrape_raw *c = &cur->items[i];
        if (c->kind == SCRAPE_RAW_BUCKET) {
            size_t e = i;
            while (e < cur->n && cur->items[e].kind == SCRAPE_RAW_BUCKET &&
                   strcmp(cur->items[e].key, c->key) == 0)
                e++;
            if (dt > 0)
                derive_histogram(prev, c, e - i, out, max, &k);
            i = e;
            continue;
        }
        i++;
        if (c->kind == SCRAPE_RAW_COUNTER) {
            if (strncmp(c->key, CPU_FAMILY, strlen(CPU_FAMILY)) == 0 || dt <= 0)
                continue;
            const scrape_raw *p = find(prev, c->key, SCRAPE_RAW_COUNTER, 0);
            if (p && c->value >= p->value)
                emit(out, max, &k, c->key, "", SCRAPE_RATE, "/s", (c->value - p->value) / dt, NAN);
        } else if (strcmp(c->key, MEM_TOTAL) != 0 && !is_limit_of_other(cur, c->key)) {
            emit(out, max, &k, c->key, "", SCRAPE_GAUGE, "", c->value, limit_of(cur, c->key));
        }
    }
    return k;
}

void scrape_describe_use(const char *series, double value, double limit, char *buf, size_t len)
{
    if (strcmp(series, "cpu_busy_pct") == 0)
        snprintf(buf, len, "CPU %.0f%% busy", value);
    else if (strcmp(series, "memory_used_pct") == 0)
        snprintf(buf, len, "memory %.0f%% used", value);
    else if (limit > 0)
        snprintf(buf, len, "%s %g of %g (%.0f%%)", series, value, limit, 100.0 * value / limit);
    else
        snprintf(buf, len, "%s %g", series, value);
}

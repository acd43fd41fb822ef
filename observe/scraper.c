/* scraper.c: the scrape threads and the series they fill (see scraper.h).
 *
 * Each target thread owns a libcurl easy handle (reused, so the connection
 * stays open), fetches, parses (observe/exposition.c), reduces against its
 * previous snapshot (observe/scrape_reduce.c) and appends the values to
 * the target's series under the scraper's mutex. Readers (the window
 * means of a search step, the JSON at the end) take the same mutex. The
 * threads sleep on a condition variable bound to CLOCK_MONOTONIC so that
 * scraper_stop wakes them at once. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/jsonio.h"
#include "observe/exposition.h"
#include "observe/scraper.h"

const char *const scrape_failure_names[SCRAPE_FAIL_KINDS] = {"connect", "timeout", "http",
                                                              "parse", "too_large"};

typedef struct point {
    uint64_t t_ns;
    double value;
} point;

typedef struct series {
    char *name;
    enum scrape_kind kind;
    char unit[8];
    double limit;
    point *points;
    size_t n, cap;
} series;

typedef struct target {
    struct scraper *owner;
    scrape_target_spec spec;
    pthread_t thread;
    int started;
    scrape_snapshot prev;
    int have_prev;
    series *series;
    size_t nseries;
    uint64_t dropped_series;
    uint64_t scrapes, failures, failed[SCRAPE_FAIL_KINDS];
    char last_error[256];
    char *body;              /* the answer being received */
    size_t body_len, body_cap;
    int too_large;
} target;

struct scraper {
    target *targets;
    size_t ntargets;
    double interval_s, timeout_s;
    regex_t match;
    int have_match;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    int stop;
    uint64_t anchor_ns;      /* scrapes happen at anchor + k * interval */
    unsigned anchor_gen;     /* bumped by scraper_align */
};

int scrape_target_parse(const char *arg, const char *origin, scrape_target_spec *out)
{
    memset(out, 0, sizeof *out);
    const char *eq = strchr(arg, '=');
    const char *scheme = strstr(arg, "://");
    const char *url = arg;
    if (eq && (!scheme || eq < scheme)) {
        if (eq == arg || (size_t)(eq - arg) >= sizeof out->name) {
            crest_error("%s: '%s': expected NAME=URL with a name of 1 to %zu characters", origin,
                        arg, sizeof out->name - 1);
            return -1;
        }
        snprintf(out->name, sizeof out->name, "%.*s", (int)(eq - arg), arg);
        url = eq + 1;
        scheme = strstr(url, "://");
    }
    if (!scheme || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) ||
        strlen(url) >= sizeof out->url || !scheme[3]) {
        crest_error("%s: '%s': expected [NAME=]URL with an http:// or https:// URL "
                    "(e.g. cart=http://10.0.0.5:9100/metrics)", origin, arg);
        return -1;
    }
    snprintf(out->url, sizeof out->url, "%s", url);
    if (!out->name[0]) {
        const char *host = scheme + 3;
        size_t n = strcspn(host, "/?#");
        snprintf(out->name, sizeof out->name, "%.*s", (int)n, host);
    }
    return 0;
}

/* ---- storing values --------------------------------------------------- */

static series *series_get(target *t, const scrape_value *v)
{
    for (size_t i = 0; i < t->nseries; i++)
        if (strcmp(t->series[i].name, v->name) == 0)
            return &t->series[i];
    if (t->nseries == SCRAPE_MAX_SERIES) {
        t->dropped_series++;
        return NULL;
    }
    if (!(t->nseries % 16)) {
        series *a = realloc(t->series, (t->nseries + 16) * sizeof *a);
        if (!a)
            return NULL;
        t->series = a;
    }
    series *s = &t->series[t->nseries];
    memset(s, 0, sizeof *s);
    if (!(s->name = strdup(v->name)))
        return NULL;
    s->kind = v->kind;
    snprintf(s->unit, sizeof s->unit, "%s", v->unit);
    t->nseries++;
    return s;
}

static void series_append(target *t, const scrape_value *v, uint64_t t_ns)
{
    series *s = series_get(t, v);
    if (!s)
        return;
    if (s->n == s->cap) {
        size_t n = s->cap ? s->cap * 2 : 64;
        point *a = realloc(s->points, n * sizeof *a);
        if (!a)
            return;
        s->points = a;
        s->cap = n;
    }
    s->points[s->n++] = (point){t_ns, v->value};
    if (!isnan(v->limit))
        s->limit = v->limit;
}

static void record_failure(target *t, enum scrape_failure kind, const char *fmt, const char *what)
{
    pthread_mutex_lock(&t->owner->mu);
    t->scrapes++;
    t->failures++;
    t->failed[kind]++;
    snprintf(t->last_error, sizeof t->last_error, fmt, what);
    pthread_mutex_unlock(&t->owner->mu);
}

/* ---- one scrape ------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
    target *t = user;
    size_t n = size * nmemb;
    if (t->body_len + n > SCRAPE_MAX_BODY) {
        t->too_large = 1;
        return 0;
    }
    if (t->body_len + n + 1 > t->body_cap) {
        size_t cap = t->body_cap ? t->body_cap : 65536;
        while (cap < t->body_len + n + 1)
            cap *= 2;
        char *b = realloc(t->body, cap);
        if (!b)
            return 0;
        t->body = b;
        t->body_cap = cap;
    }
    memcpy(t->body + t->body_len, data, n);
    t->body_len += n;
    return n;
}

/* Reduces the answer in T->body and stores its values. */
static void take_answer(target *t, uint64_t now)
{
    expo_doc doc;
    char err[200];
    if (expo_parse(t->body, t->body_len, &doc, err, sizeof err) != 0) {
        expo_doc_free(&doc);
        record_failure(t, SCRAPE_FAIL_PARSE, "not the exposition format: %s", err);
        return;
    }
    scrape_snapshot cur;
    int rc = scrape_snapshot_build(&doc, t->owner->have_match ? &t->owner->match : NULL, now, &cur);
    expo_doc_free(&doc);
    if (rc != 0) {
        record_failure(t, SCRAPE_FAIL_PARSE, "%s", "out of memory reducing the answer");
        return;
    }
    static __thread scrape_value vals[SCRAPE_MAX_SERIES];
    size_t n = scrape_derive(t->have_prev ? &t->prev : NULL, &cur, vals, SCRAPE_MAX_SERIES);
    pthread_mutex_lock(&t->owner->mu);
    t->scrapes++;
    for (size_t i = 0; i < n; i++)
        series_append(t, &vals[i], now);
    pthread_mutex_unlock(&t->owner->mu);
    if (t->have_prev)
        scrape_snapshot_free(&t->prev);
    t->prev = cur;
    t->have_prev = 1;
}

static void scrape_once(target *t, CURL *h)
{
    t->body_len = 0;
    t->too_large = 0;
    CURLcode rc = curl_easy_perform(h);
    uint64_t now = clock_now_ns();
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (t->too_large) {
        record_failure(t, SCRAPE_FAIL_TOO_LARGE, "answer larger than %s", "8 MiB");
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        record_failure(t, SCRAPE_FAIL_TIMEOUT, "%s", "no complete answer within the timeout");
    } else if (rc != CURLE_OK) {
        record_failure(t, SCRAPE_FAIL_CONNECT, "%s", curl_easy_strerror(rc));
    } else if (status != 200) {
        char what[32];
        snprintf(what, sizeof what, "%ld", status);
        record_failure(t, SCRAPE_FAIL_HTTP, "HTTP status %s", what);
    } else {
        take_answer(t, now);
    }
}

static CURL *make_handle(target *t)
{
    CURL *h = curl_easy_init();
    if (!h)
        return NULL;
    long ms = (long)(t->owner->timeout_s * 1000);
    curl_easy_setopt(h, CURLOPT_URL, t->spec.url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms > 0 ? ms : 1000L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms > 0 ? ms : 1000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "crest-scraper");
    static const char accept[] = "Accept: text/plain;version=0.0.4;q=1,*/*;q=0.1";
    struct curl_slist *hdr = curl_slist_append(NULL, accept);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_PRIVATE, hdr);
    return h;
}

/* The first tick of ANCHOR + k * STEP at or after NOW. */
static uint64_t next_tick(uint64_t anchor, uint64_t step, uint64_t now)
{
    if (anchor >= now)
        return anchor - (anchor - now) / step * step;
    return anchor + ((now - anchor + step - 1) / step) * step;
}

static void *target_main(void *arg)
{
    target *t = arg;
    scraper *s = t->owner;
    CURL *h = make_handle(t);
    uint64_t step = (uint64_t)(s->interval_s * 1e9), next = clock_now_ns();
    pthread_mutex_lock(&s->mu);
    unsigned gen = s->anchor_gen;
    while (!s->stop) {
        uint64_t now = clock_now_ns();
        if (gen != s->anchor_gen) {   /* realigned on a run's seconds */
            gen = s->anchor_gen;
            next = next_tick(s->anchor_ns, step, now);
        }
        if (now < next) {
            struct timespec ts = {(time_t)(next / 1000000000ull), (long)(next % 1000000000ull)};
            pthread_cond_timedwait(&s->wake, &s->mu, &ts);
            continue;
        }
        pthread_mutex_unlock(&s->mu);
        if (h)
            scrape_once(t, h);
        else
            record_failure(t, SCRAPE_FAIL_CONNECT, "%s", "libcurl could not make a handle");
        pthread_mutex_lock(&s->mu);
        /* a slow answer skips ticks rather than bunching them */
        next = next_tick(s->anchor_ns, step, clock_now_ns() + 1);
    }
    pthread_mutex_unlock(&s->mu);
    if (h) {
        struct curl_slist *hdr = NULL;
        curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&hdr);
        curl_slist_free_all(hdr);
        curl_easy_cleanup(h);
    }
    return NULL;
}

/* ---- life cycle --------------------------------------------------------- */

scraper *scraper_start(const scrape_config *c)
{
    if (c->ntargets > SCRAPE_MAX_TARGETS) {
        crest_error("%zu scrape targets: expected at most %d", c->ntargets, SCRAPE_MAX_TARGETS);
        return NULL;
    }
    scraper *s = calloc(1, sizeof *s);
    if (!s || !(s->targets = calloc(c->ntargets ? c->ntargets : 1, sizeof *s->targets))) {
        free(s);
        crest_error("out of memory");
        return NULL;
    }
    s->ntargets = c->ntargets;
    s->interval_s = c->interval_s > 0 ? c->interval_s : 1;
    s->timeout_s = c->timeout_s > 0 ? c->timeout_s : s->interval_s;
    const char *re = c->match ? c->match : SCRAPE_DEFAULT_MATCH;
    int rc = regcomp(&s->match, re, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char msg[128];
        regerror(rc, &s->match, msg, sizeof msg);
        crest_error("--scrape-match '%s': %s; expected a POSIX extended regular expression", re,
                    msg);
        free(s->targets);
        free(s);
        return NULL;
    }
    s->have_match = 1;
    s->anchor_ns = clock_now_ns();
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &ca);
    pthread_condattr_destroy(&ca);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    for (size_t i = 0; i < s->ntargets; i++) {
        target *t = &s->targets[i];
        t->owner = s;
        t->spec = c->targets[i];
        if (pthread_create(&t->thread, NULL, target_main, t) != 0) {
            crest_error("cannot start the scrape thread of %s: %s", t->spec.name, strerror(errno));
            scraper_free(s);
            return NULL;
        }
        t->started = 1;
    }
    return s;
}

void scraper_align(scraper *s, uint64_t anchor_ns)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->anchor_ns = anchor_ns;
    s->anchor_gen++;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->mu);
}

void scraper_stop(scraper *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->mu);
    for (size_t i = 0; i < s->ntargets; i++) {
        if (s->targets[i].started)
            pthread_join(s->targets[i].thread, NULL);
        s->targets[i].started = 0;
    }
}

void scraper_free(scraper *s)
{
    if (!s)
        return;
    scraper_stop(s);
    for (size_t i = 0; i < s->ntargets; i++) {
        target *t = &s->targets[i];
        for (size_t k = 0; k < t->nseries; k++) {
            free(t->series[k].name);
            free(t->series[k].points);
        }
        free(t->series);
        free(t->body);
        if (t->have_prev)
            scrape_snapshot_free(&t->prev);
    }
    free(s->targets);
    if (s->have_match)
        regfree(&s->match);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->wake);
    free(s);
}

/* ---- reading ------------------------------------------------------------ */

size_t scraper_ntargets(const scraper *s)
{
    return s ? s->ntargets : 0;
}

void scraper_status_of(scraper *s, size_t i, scrape_status *out)
{
    target *t = &s->targets[i];
    pthread_mutex_lock(&s->mu);
    out->name = t->spec.name;
    out->url = t->spec.url;
    out->scrapes = t->scrapes;
    out->failures = t->failures;
    memcpy(out->failed, t->failed, sizeof out->failed);
    snprintf(out->last_error, sizeof out->last_error, "%s", t->last_error);
    pthread_mutex_unlock(&s->mu);
}

/* Mean of S's points in [FROM, TO); NAN when none. */
static double mean_in(const series *s, uint64_t from, uint64_t to)
{
    double sum = 0;
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++) {   /* points are in time order */
        if (s->points[i].t_ns >= to)
            break;
        if (s->points[i].t_ns >= from) {
            sum += s->points[i].value;
            n++;
        }
    }
    return n ? sum / (double)n : NAN;
}

size_t scraper_window(scraper *s, uint64_t from_ns, uint64_t to_ns, scrape_reading *out,
                      size_t max)
{
    size_t k = 0;
    if (!s)
        return 0;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->ntargets; i++) {
        target *t = &s->targets[i];
        for (size_t j = 0; j < t->nseries && k < max; j++) {
            double m = mean_in(&t->series[j], from_ns, to_ns);
            if (isnan(m))
                continue;
            out[k++] = (scrape_reading){t->spec.name, t->series[j].name, t->series[j].unit, m,
                                        t->series[j].limit > 0 ? t->series[j].limit : NAN};
        }
    }
    pthread_mutex_unlock(&s->mu);
    return k;
}

long scrape_nearest_limit(const scrape_reading *r, size_t n)
{
    long best = -1;
    double use = -1;
    for (size_t i = 0; i < n; i++) {
        if (!(r[i].limit > 0))
            continue;
        double u = r[i].value / r[i].limit;
        if (u > use) {
            use = u;
            best = (long)i;
        }
    }
    return best;
}

static const char *kind_name(enum scrape_kind k)
{
    return k == SCRAPE_RATE ? "rate" : k == SCRAPE_QUANTILE ? "quantile" : "gauge";
}

static cJSON *target_json(const scraper *s, const target *t, uint64_t from_ns, size_t nseconds)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", t->spec.name);
    cJSON_AddStringToObject(o, "url", t->spec.url);
    cJSON_AddNumberToObject(o, "interval_s", s->interval_s);
    cJSON_AddNumberToObject(o, "scrapes", (double)t->scrapes);
    cJSON_AddNumberToObject(o, "failures", (double)t->failures);
    cJSON *kinds = cJSON_AddObjectToObject(o, "failed");
    for (int k = 0; k < SCRAPE_FAIL_KINDS; k++)
        cJSON_AddNumberToObject(kinds, scrape_failure_names[k], (double)t->failed[k]);
    cJSON_AddStringToObject(o, "last_error", t->last_error);
    cJSON_AddNumberToObject(o, "series_dropped", (double)t->dropped_series);
    cJSON *arr = cJSON_AddArrayToObject(o, "series");
    for (size_t j = 0; j < t->nseries; j++) {
        const series *se = &t->series[j];
        cJSON *js = cJSON_CreateObject();
        cJSON_AddStringToObject(js, "name", se->name);
        cJSON_AddStringToObject(js, "kind", kind_name(se->kind));
        cJSON_AddStringToObject(js, "unit", se->unit);
        jsonio_add_number_or_null(js, "limit", se->limit > 0 ? se->limit : NAN);
        cJSON *vals = cJSON_AddArrayToObject(js, "values");
        for (size_t i = 0; i < nseconds; i++) {
            uint64_t a = from_ns + (uint64_t)i * 1000000000ull;
            double m = mean_in(se, a, a + 1000000000ull);
            cJSON_AddItemToArray(vals, isnan(m) ? cJSON_CreateNull() : cJSON_CreateNumber(m));
        }
        cJSON_AddItemToArray(arr, js);
    }
    return o;
}

cJSON *scraper_to_json(scraper *s, uint64_t from_ns, size_t nseconds)
{
    cJSON *arr = cJSON_CreateArray();
    if (!s || !arr)
        return arr;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->ntargets; i++)
        cJSON_AddItemToArray(arr, target_json(s, &s->targets[i], from_ns, nseconds));
    pthread_mutex_unlock(&s->mu);
    return arr;
}

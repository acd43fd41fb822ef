/* replay_stream.c: an access log as a stream of arrivals (see
 * replay_stream.h). Reads with getline into one reused buffer; the lines of
 * the recorded seconds not yet released ("staged") are the only per-line
 * memory, each holding its own copy of the URL. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/error.h"
#include "common/rng.h"
#include "replay/prefetch.h"
#include "replay/replay_stream.h"

#define LOOKAHEAD_S 2     /* a second is released once a line this much later was read */
#define MAX_SECONDS (400u * 24 * 3600)   /* per-second tables cover at most 400 days */

typedef struct staged {
    double t;             /* recorded offset, seconds */
    uint32_t endpoint;
    char method[16];
    char *url;
} staged;

typedef struct vec {
    staged *v;
    size_t n, cap;
} vec;

struct replay_stream {
    replay_config cfg;
    access_format fmt;
    int have_fmt;
    FILE *in;
    int own_in;
    prefetch *ahead;      /* pipes: read ahead in a thread */
    char *line;
    size_t linecap;
    int eof;
    int window_ready;
    double from, to;      /* epoch, NAN when open */
    int64_t cur_sec;      /* next recorded second to release */
    double max_t;         /* latest offset read */
    vec pending;          /* read, not yet released */
    vec ready;            /* released, sorted, handed out from `next` */
    size_t ready_pos;
    rng r;
    replay_stats st;
    size_t seccap;
};

static int vec_push(vec *v, const staged *s)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 256;
        staged *nv = realloc(v->v, cap * sizeof *nv);
        if (!nv)
            return -1;
        v->v = nv;
        v->cap = cap;
    }
    v->v[v->n++] = *s;
    return 0;
}

static void vec_free(vec *v, size_t from)
{
    for (size_t i = from; i < v->n; i++)
        free(v->v[i].url);
    free(v->v);
    v->v = NULL;
    v->n = v->cap = 0;
}

int replay_path_is_file(const char *path)
{
    struct stat sb;
    return strcmp(path, "-") != 0 && stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

replay_stream *replay_stream_open(const replay_config *c)
{
    replay_stream *s = calloc(1, sizeof *s);
    if (!s) {
        crest_error("out of memory");
        return NULL;
    }
    s->cfg = *c;
    if (strcmp(c->path, "-") == 0) {
        s->in = stdin;
    } else {
        s->in = fopen(c->path, "r");
        s->own_in = 1;
        if (!s->in) {
            crest_error("cannot open the log '%s': %m", c->path);
            free(s);
            return NULL;
        }
    }
    if (!replay_path_is_file(c->path)) {
        /* 16 MiB ahead: seconds of a festival log, whatever the producer does */
        s->ahead = prefetch_open(fileno(s->in), 1 << 20, 16);
        if (!s->ahead) {
            crest_error("cannot start reading '%s' ahead: out of memory", c->path);
            if (s->own_in)
                fclose(s->in);
            free(s);
            return NULL;
        }
    }
    if (c->format) {
        s->fmt = *c->format;
        s->have_fmt = 1;
    }
    s->from = s->to = NAN;
    s->max_t = -INFINITY;
    rng_seed(&s->r, c->seed * 0x2545f4914f6cdd1dull + 7);
    return s;
}

void replay_stream_close(replay_stream *s)
{
    if (!s)
        return;
    prefetch_close(s->ahead);
    if (s->own_in && s->in)
        fclose(s->in);
    free(s->line);
    vec_free(&s->pending, 0);
    vec_free(&s->ready, s->ready_pos);
    free(s->st.recorded_per_s);
    free(s->st.arrivals_per_s);
    free(s);
}

const replay_stats *replay_stream_stats(const replay_stream *s)
{
    return &s->st;
}

const access_format *replay_stream_format(const replay_stream *s)
{
    return &s->fmt;
}

/* ---- window ----------------------------------------------------------- */

static int parse_clock(const char *t, int *sec_of_day)
{
    int h, m, sec = 0, n = 0;
    if (sscanf(t, "%2d:%2d%n", &h, &m, &n) != 2)
        return -1;
    if (t[n] == ':') {
        int k = 0;
        if (sscanf(t + n + 1, "%2d%n", &sec, &k) != 1)
            return -1;
        n += 1 + k;
    }
    if (t[n] || h > 23 || m > 59 || sec > 59 || h < 0 || m < 0 || sec < 0)
        return -1;
    *sec_of_day = h * 3600 + m * 60 + sec;
    return 0;
}

int replay_resolve_time(const char *text, double ref, int offset_s, double *out)
{
    size_t n = strlen(text);
    int sub, off, has_off, sod;
    if (access_parse_epoch(text, n, out, &sub) == 0 && strchr(text, ':') == NULL)
        return 0;
    if (access_parse_iso8601(text, n, out, &sub, &off, &has_off) == 0) {
        if (!has_off)
            *out -= offset_s;   /* no zone: the log's own */
        return 0;
    }
    if (parse_clock(text, &sod) != 0)
        return -1;
    double local_ref = ref + offset_s;
    double day = floor(local_ref / 86400) * 86400;
    double cand = day + sod;   /* that time on the log's first day, local */
    if (cand < local_ref - 43200)
        cand += 86400;
    else if (cand >= local_ref + 43200)
        cand -= 86400;
    *out = cand - offset_s;
    return 0;
}

/* Resolves --from/--to at the first parsed line. */
static int setup_window(replay_stream *s, const access_entry *e)
{
    int off = e->has_offset ? e->utc_offset_s : 0;
    s->st.utc_offset_s = off;
    s->st.has_offset = e->has_offset;
    s->st.subsecond = e->subsecond;
    if (s->cfg.from && replay_resolve_time(s->cfg.from, e->ts, off, &s->from) != 0) {
        crest_error("--from '%s': expected epoch seconds, ISO-8601 (2026-11-10T23:55:00+08:00) "
                    "or a time of day HH:MM[:SS]", s->cfg.from);
        return -1;
    }
    double to_ref = isnan(s->from) ? e->ts : s->from;
    if (s->cfg.to && replay_resolve_time(s->cfg.to, to_ref, off, &s->to) != 0) {
        crest_error("--to '%s': expected epoch seconds, ISO-8601 or a time of day HH:MM[:SS]",
                    s->cfg.to);
        return -1;
    }
    if (s->cfg.to && !isnan(s->from) && s->to <= s->from)
        s->to += 86400;   /* 23:55 to 00:15 crosses midnight */
    s->st.origin = isnan(s->from) ? floor(e->ts) : s->from;
    s->window_ready = 1;
    return 0;
}

/* ---- reading ---------------------------------------------------------- */

static int count_second(replay_stream *s, uint32_t **table, int64_t sec)
{
    if (sec < 0 || (uint64_t)sec >= MAX_SECONDS)
        return 0;
    size_t need = (size_t)sec + 1;
    if (need > s->seccap) {
        size_t cap = s->seccap ? s->seccap : 64;
        while (cap < need)
            cap *= 2;
        for (int k = 0; k < 2; k++) {
            uint32_t **tp = k ? &s->st.arrivals_per_s : &s->st.recorded_per_s;
            uint32_t *nt = realloc(*tp, cap * sizeof *nt);
            if (!nt)
                return -1;
            memset(nt + s->seccap, 0, (cap - s->seccap) * sizeof *nt);
            *tp = nt;
        }
        s->seccap = cap;
    }
    if (need > s->st.nseconds)
        s->st.nseconds = need;
    (*table)[sec]++;
    return 0;
}

static const char *const METHODS[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
                                      "OPTIONS", NULL};

const char *replay_method_name(const char *m)
{
    for (size_t i = 0; METHODS[i]; i++)
        if (strcmp(METHODS[i], m) == 0)
            return METHODS[i];
    return NULL;
}

int replay_method_has_body(const char *m)
{
    return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0;
}


/* A bad line: an error in strict mode, else counted (the first one kept
 * for the warning). */
static int bad_line(replay_stream *s, const char *why)
{
    if (s->cfg.strict) {
        crest_error_at(s->cfg.path, (long)s->st.lines, "%s", why);
        return -1;
    }
    if (!s->st.skipped_bad++) {
        s->st.first_bad_line = (long)s->st.lines;
        snprintf(s->st.first_bad, sizeof s->st.first_bad, "%s", why);
    }
    return 0;
}

/* Reads one line into PENDING (or skips it). 1 read something, 0 end of
 * input (or past --to), -1 error. */
static int read_one(replay_stream *s)
{
    FILE *in = s->ahead ? prefetch_stream(s->ahead) : s->in;
    ssize_t n = getline(&s->line, &s->linecap, in);
    if (n < 0) {
        if (ferror(in)) {
            crest_error("reading '%s': %m", s->cfg.path);
            return -1;
        }
        return 0;
    }
    s->st.lines++;
    char err[200];
    access_entry e;
    if (!s->have_fmt) {
        size_t k = 0;
        while (k < (size_t)n && isspace((unsigned char)s->line[k]))
            k++;
        if (k == (size_t)n)
            return 1;
        if (access_format_detect(&s->fmt, s->line, (size_t)n, err, sizeof err) != 0) {
            crest_error_at(s->cfg.path, (long)s->st.lines, "%s", err);
            return -1;
        }
        s->have_fmt = 1;
    }
    int rc = access_format_parse(&s->fmt, s->line, (size_t)n, &e, err, sizeof err);
    if (rc == 1)
        return 1;
    if (rc != 0)
        return bad_line(s, err) == 0 ? 1 : -1;
    if (!s->window_ready && setup_window(s, &e) != 0)
        return -1;
    if (!isnan(s->to) && e.ts >= s->to)
        return 0;   /* past the window: stop reading */
    if (!isnan(s->from) && e.ts < s->from) {
        s->st.skipped_window++;
        return 1;
    }
    if (!replay_method_name(e.method)) {
        s->st.skipped_method++;
        return 1;
    }
    if (s->cfg.max_url && e.url_len > s->cfg.max_url) {
        s->st.skipped_long++;
        return 1;
    }
    uint32_t endpoint = s->cfg.tag(s->cfg.tag_ctx, e.method, e.url, e.url_len);
    if (endpoint == REPLAY_SKIP) {
        s->st.skipped_body++;
        return 1;
    }
    staged r;
    r.t = e.ts - s->st.origin;
    if (r.t < 0)
        r.t = 0;   /* a line before the first second (completion-ordered logs) */
    if (r.t < (double)s->cur_sec) {
        s->st.late++;
        r.t = (double)s->cur_sec;
    }
    memcpy(r.method, e.method, sizeof r.method);
    r.endpoint = endpoint;
    r.url = malloc(e.url_len + 1);
    if (!r.url || vec_push(&s->pending, &r) != 0) {
        free(r.url);
        crest_error("out of memory");
        return -1;
    }
    memcpy(r.url, e.url, e.url_len);
    r.url[e.url_len] = '\0';
    if (r.t > s->max_t)
        s->max_t = r.t;
    if (r.t > s->st.last_s)
        s->st.last_s = r.t;
    s->st.recorded++;
    if (count_second(s, &s->st.recorded_per_s, (int64_t)floor(r.t)) != 0)
        return -1;
    return 1;
}

static int by_time(const void *a, const void *b)
{
    double x = ((const staged *)a)->t, y = ((const staged *)b)->t;
    return (x > y) - (x < y);
}

/* Thinning and extra arrivals for the lines of one recorded second
 * (already in S->ready from FIRST on). */
static int scale_second(replay_stream *s, size_t first, int64_t sec)
{
    double scale = s->cfg.scale;
    size_t n = s->ready.n - first;
    if (scale < 1) {
        size_t w = first;
        for (size_t i = first; i < s->ready.n; i++) {
            if (rng_uniform(&s->r) < scale) {
                s->ready.v[w++] = s->ready.v[i];
            } else {
                free(s->ready.v[i].url);
                s->st.thinned++;
            }
        }
        s->ready.n = w;
        return 0;
    }
    double extra = scale - 1;
    uint64_t whole = (uint64_t)floor(extra);
    double frac = extra - (double)whole;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = whole + (rng_uniform(&s->r) < frac);
        for (uint64_t j = 0; j < k; j++) {
            staged c = s->ready.v[first + (size_t)rng_range(&s->r, 0, (int64_t)n - 1)];
            c.t = (double)sec + rng_uniform(&s->r);
            c.url = strdup(c.url);
            if (!c.url || vec_push(&s->ready, &c) != 0) {
                free(c.url);
                crest_error("out of memory");
                return -1;
            }
            s->st.extras++;
        }
    }
    return 0;
}

/* Moves the lines of recorded second CUR_SEC from PENDING to READY, in
 * time order, with spreading and scaling applied. */
static int release_second(replay_stream *s)
{
    int64_t sec = s->cur_sec;
    size_t first = s->ready.n, w = 0;
    for (size_t i = 0; i < s->pending.n; i++) {
        staged *p = &s->pending.v[i];
        if (p->t < (double)(sec + 1)) {
            if (vec_push(&s->ready, p) != 0) {
                crest_error("out of memory");
                return -1;
            }
        } else {
            s->pending.v[w++] = *p;
        }
    }
    s->pending.n = w;
    size_t n = s->ready.n - first;
    if (n && !s->st.subsecond) {
        /* one-second timestamps: spread the second's lines over it */
        for (size_t i = 0; i < n; i++)
            s->ready.v[first + i].t = (double)sec + ((double)i + 0.5) / (double)n;
    }
    if (n && s->cfg.scale != 1 && scale_second(s, first, sec) != 0)
        return -1;
    qsort(s->ready.v + first, s->ready.n - first, sizeof *s->ready.v, by_time);
    for (size_t i = first; i < s->ready.n; i++)
        if (count_second(s, &s->st.arrivals_per_s, sec) != 0)
            return -1;
    s->st.arrivals += s->ready.n - first;
    s->cur_sec = sec + 1;
    return 0;
}

/* Fills READY with the next released second(s). 1 when READY has
 * something, 0 at the end, -1 error. */
static int refill(replay_stream *s)
{
    /* READY is empty here: reuse its storage from the start. */
    s->ready.n = 0;
    s->ready_pos = 0;
    while (s->ready.n == 0) {
        while (!s->eof && s->max_t < (double)(s->cur_sec + LOOKAHEAD_S)) {
            int rc = read_one(s);
            if (rc < 0)
                return -1;
            if (rc == 0)
                s->eof = 1;
        }
        if (s->pending.n == 0)
            return 0;
        /* jump over silent seconds */
        double lo = INFINITY;
        for (size_t i = 0; i < s->pending.n; i++)
            if (s->pending.v[i].t < lo)
                lo = s->pending.v[i].t;
        if (floor(lo) > (double)s->cur_sec)
            s->cur_sec = (int64_t)floor(lo);
        if (release_second(s) != 0)
            return -1;
    }
    return 1;
}

int replay_stream_next(replay_stream *s, replay_arrival *a)
{
    if (s->ready_pos == s->ready.n) {
        int rc = refill(s);
        if (rc <= 0)
            return rc;
    }
    staged *p = &s->ready.v[s->ready_pos++];
    a->recorded_s = p->t;
    a->at_s = p->t / s->cfg.speed;
    a->endpoint = p->endpoint;
    memcpy(a->method, p->method, sizeof a->method);
    a->url = p->url;
    p->url = NULL;
    return 1;
}

/* access_log.c: access-log line parsers (see access_log.h).
 *
 * A log_format is compiled into tokens: literals and variables. A line is
 * matched left to right: a literal must appear exactly; a variable takes
 * everything up to the next literal (or the end of the line). combined and
 * common are just two log_format strings. JSON lines are parsed with cJSON,
 * CSV lines by hand (three fields, the URL last, optionally quoted). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "replay/access_log.h"

static const char *const COMBINED =
    "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent "
    "\"$http_referer\" \"$http_user_agent\"";
static const char *const COMMON =
    "$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent";

static const struct {
    const char *name;
    enum access_var var;
} VARS[] = {
    {"time_local", AVAR_TIME_LOCAL}, {"time_iso8601", AVAR_TIME_ISO8601}, {"msec", AVAR_MSEC},
    {"request_time", AVAR_REQUEST_TIME}, {"request", AVAR_REQUEST},
    {"request_method", AVAR_METHOD}, {"request_uri", AVAR_REQUEST_URI}, {"uri", AVAR_URI},
    {"args", AVAR_ARGS}, {"query_string", AVAR_ARGS}, {"status", AVAR_STATUS},
};

static int is_var_char(int c)
{
    return isalnum(c) || c == '_';
}

static int add_token(access_format *f, int is_var, const char *s, size_t n, char *err,
                     size_t errlen)
{
    if (n == 0)
        return 0;
    if (f->ntokens == ACCESS_LOG_MAX_TOKENS || n >= sizeof f->tokens[0].text) {
        snprintf(err, errlen, "log_format too long (at most %d parts of %zu characters)",
                 ACCESS_LOG_MAX_TOKENS, sizeof f->tokens[0].text - 1);
        return -1;
    }
    access_token *t = &f->tokens[f->ntokens++];
    t->is_var = is_var;
    memcpy(t->text, s, n);
    t->text[n] = '\0';
    t->var = AVAR_IGNORED;
    if (is_var)
        for (size_t i = 0; i < sizeof VARS / sizeof VARS[0]; i++)
            if (strcmp(VARS[i].name, t->text) == 0)
                t->var = VARS[i].var;
    if (t->var == AVAR_TIME_LOCAL || t->var == AVAR_TIME_ISO8601 || t->var == AVAR_MSEC)
        f->has_time = 1;
    return 0;
}

static int compile_log_format(access_format *f, const char *spec, char *err, size_t errlen)
{
    const char *p = spec, *lit = spec;
    while (*p) {
        if (*p != '$') {
            p++;
            continue;
        }
        if (add_token(f, 0, lit, (size_t)(p - lit), err, errlen) != 0)
            return -1;
        const char *name = p + 1, *end;
        if (*name == '{') {
            end = strchr(name, '}');
            if (!end) {
                snprintf(err, errlen, "log_format: '${' without '}'");
                return -1;
            }
            name++;
            p = end + 1;
        } else {
            end = name;
            while (is_var_char((unsigned char)*end))
                end++;
            p = end;
        }
        if (end == name) {
            snprintf(err, errlen, "log_format: '$' not followed by a variable name");
            return -1;
        }
        if (f->ntokens && f->tokens[f->ntokens - 1].is_var) {
            snprintf(err, errlen, "log_format: variables $%s and $%.*s are not separated by "
                     "any text, so a line cannot be split between them",
                     f->tokens[f->ntokens - 1].text, (int)(end - name), name);
            return -1;
        }
        if (add_token(f, 1, name, (size_t)(end - name), err, errlen) != 0)
            return -1;
        lit = p;
    }
    if (add_token(f, 0, lit, (size_t)(p - lit), err, errlen) != 0)
        return -1;
    int has_url = 0;
    for (size_t i = 0; i < f->ntokens; i++)
        if (f->tokens[i].is_var && (f->tokens[i].var == AVAR_REQUEST ||
                                    f->tokens[i].var == AVAR_REQUEST_URI ||
                                    f->tokens[i].var == AVAR_URI))
            has_url = 1;
    if (!f->has_time || !has_url) {
        snprintf(err, errlen, "log_format needs a time ($msec, $time_iso8601 or $time_local) "
                 "and a URL ($request, $request_uri or $uri)");
        return -1;
    }
    return 0;
}

int access_format_init(access_format *f, const char *name, const char *spec, char *err,
                       size_t errlen)
{
    memset(f, 0, sizeof *f);
    if (!name) {
        f->kind = ACCESS_FORMAT;
        snprintf(f->name, sizeof f->name, "log_format");
        return compile_log_format(f, spec, err, errlen);
    }
    snprintf(f->name, sizeof f->name, "%s", name);
    if (strcmp(name, "json") == 0) {
        f->kind = ACCESS_JSON;
        return 0;
    }
    if (strcmp(name, "csv") == 0) {
        f->kind = ACCESS_CSV;
        return 0;
    }
    f->kind = ACCESS_FORMAT;
    if (strcmp(name, "combined") == 0)
        return compile_log_format(f, COMBINED, err, errlen);
    if (strcmp(name, "common") == 0)
        return compile_log_format(f, COMMON, err, errlen);
    snprintf(err, errlen, "unknown log format '%s'; expected combined, common, json, csv or "
             "--log-format 'STRING'", name);
    return -1;
}

/* ---- timestamps ------------------------------------------------------- */

static int digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static double epoch_of(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return (double)timegm(&tm);
}

/* "+hh:mm", "+hhmm", "Z" at S (N bytes) into seconds east of UTC. */
static int parse_zone(const char *s, size_t n, int *off)
{
    if (n == 1 && (s[0] == 'Z' || s[0] == 'z')) {
        *off = 0;
        return 0;
    }
    int hh, mm;
    if ((n != 6 && n != 5) || (s[0] != '+' && s[0] != '-') || digits(s + 1, 2, &hh) != 0)
        return -1;
    if (n == 6 ? (s[3] != ':' || digits(s + 4, 2, &mm) != 0) : digits(s + 3, 2, &mm) != 0)
        return -1;
    *off = (s[0] == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
    return 0;
}

int access_parse_iso8601(const char *s, size_t len, double *ts, int *sub, int *off, int *has_off)
{
    int y, mo, d, h, mi, se = 0;
    if (len < 16 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') || digits(s + 11, 2, &h) ||
        s[13] != ':' || digits(s + 14, 2, &mi))
        return -1;
    size_t i = 16;
    if (i < len && s[i] == ':') {
        if (i + 3 > len || digits(s + i + 1, 2, &se))
            return -1;
        i += 3;
    }
    double frac = 0;
    *sub = 0;
    if (i < len && (s[i] == '.' || s[i] == ',')) {
        double scale = 0.1;
        size_t j = i + 1;
        while (j < len && isdigit((unsigned char)s[j])) {
            frac += (s[j] - '0') * scale;
            scale /= 10;
            j++;
        }
        if (j == i + 1)
            return -1;
        *sub = 1;
        i = j;
    }
    *off = 0;
    *has_off = 0;
    if (i < len) {
        if (parse_zone(s + i, len - i, off) != 0)
            return -1;
        *has_off = 1;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    *ts = epoch_of(y, mo, d, h, mi, se) + frac - *off;
    return 0;
}

int access_parse_time_local(const char *s, size_t len, double *ts, int *off)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int d, y, h, mi, se;
    /* 10/Oct/2000:13:55:36 -0700 */
    if (len != 26 || digits(s, 2, &d) || s[2] != '/' || s[6] != '/' || digits(s + 7, 4, &y) ||
        s[11] != ':' || digits(s + 12, 2, &h) || s[14] != ':' || digits(s + 15, 2, &mi) ||
        s[17] != ':' || digits(s + 18, 2, &se) || s[20] != ' ' ||
        parse_zone(s + 21, 5, off) != 0)
        return -1;
    const char *m = NULL;
    for (int k = 0; k < 12; k++)
        if (strncmp(months + 3 * k, s + 3, 3) == 0)
            m = months + 3 * k;
    if (!m || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    *ts = epoch_of(y, (int)(m - months) / 3 + 1, d, h, mi, se) - *off;
    return 0;
}

/* A number of seconds since the epoch ("1731254400.123"); values above
 * 1e11 are milliseconds. */
int access_parse_epoch(const char *s, size_t len, double *ts, int *sub)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (*end || !isfinite(v) || v < 0 || !isdigit((unsigned char)buf[0]))
        return -1;
    *sub = strchr(buf, '.') != NULL;
    if (v > 1e11) {
        v /= 1000;
        *sub = 1;
    }
    *ts = v;
    return 0;
}

/* ---- request fields --------------------------------------------------- */

static void set_method(access_entry *e, const char *s, size_t n)
{
    if (n >= sizeof e->method)
        n = sizeof e->method - 1;
    memcpy(e->method, s, n);
    e->method[n] = '\0';
}

/* "http://host/path?q" -> "/path?q"; a path stays as it is. */
static void set_url(access_entry *e, const char *s, size_t n)
{
    const char *scheme = n > 8 ? memchr(s, ':', 8) : NULL;
    if (scheme && scheme + 2 < s + n && scheme[1] == '/' && scheme[2] == '/') {
        const char *host = scheme + 3;
        const char *slash = memchr(host, '/', (size_t)(s + n - host));
        if (!slash) {
            s = "/";
            n = 1;
        } else {
            n -= (size_t)(slash - s);
            s = slash;
        }
    }
    e->url = s;
    e->url_len = n;
}

static int valid_method(const char *m)
{
    if (!m[0])
        return 0;
    for (const char *p = m; *p; p++)
        if (!isupper((unsigned char)*p) && *p != '-' && *p != '_')
            return 0;
    return 1;
}

/* "$request": "GET /cart/add?sku=1 HTTP/1.1". */
static int parse_request(access_entry *e, const char *s, size_t n)
{
    const char *sp = memchr(s, ' ', n);
    if (!sp)
        return -1;
    set_method(e, s, (size_t)(sp - s));
    const char *u = sp + 1;
    const char *ue = memchr(u, ' ', (size_t)(s + n - u));
    if (!ue)
        ue = s + n;
    if (ue == u || (*u != '/' && strncmp(u, "http", 4) != 0))
        return -1;
    set_url(e, u, (size_t)(ue - u));
    return valid_method(e->method) ? 0 : -1;
}

/* Applies one variable's VALUE (N bytes) to E. ARGS collects $args for a
 * later $uri. -1 with ERR when the value is not what the variable holds. */
static int apply_var(enum access_var v, const char *val, size_t n, access_entry *e,
                     double *req_time, const char **args, size_t *args_len, char *err,
                     size_t errlen)
{
    int sub = 0, off = 0, has_off = 0;
    switch (v) {
    case AVAR_TIME_LOCAL:
        if (access_parse_time_local(val, n, &e->ts, &e->utc_offset_s) != 0)
            goto bad;
        e->has_offset = 1;
        return 0;
    case AVAR_TIME_ISO8601:
        if (access_parse_iso8601(val, n, &e->ts, &sub, &off, &has_off) != 0)
            goto bad;
        e->subsecond = sub;
        e->utc_offset_s = off;
        e->has_offset = has_off;
        return 0;
    case AVAR_MSEC:
        if (access_parse_epoch(val, n, &e->ts, &sub) != 0)
            goto bad;
        e->subsecond = 1;
        return 0;
    case AVAR_REQUEST_TIME:
        if (n == 1 && val[0] == '-')
            return 0;
        if (access_parse_epoch(val, n, req_time, &sub) != 0)
            goto bad;
        return 0;
    case AVAR_REQUEST:
        if (parse_request(e, val, n) != 0)
            goto bad;
        return 0;
    case AVAR_METHOD:
        set_method(e, val, n);
        if (!valid_method(e->method))
            goto bad;
        return 0;
    case AVAR_REQUEST_URI:
    case AVAR_URI:
        if (n == 0 || (val[0] != '/' && strncmp(val, "http", 4) != 0))
            goto bad;
        set_url(e, val, n);
        return 0;
    case AVAR_ARGS:
        *args = val;
        *args_len = (n == 1 && val[0] == '-') ? 0 : n;
        return 0;
    case AVAR_STATUS:
        if (digits(val, n < 3 ? n : 3, &e->status) != 0 || n != 3)
            goto bad;
        return 0;
    case AVAR_IGNORED:
        return 0;
    }
    return 0;
bad:
    snprintf(err, errlen, "'%.*s' is not a valid $%s", (int)(n > 60 ? 60 : n), val,
             v == AVAR_TIME_LOCAL ? "time_local (10/Oct/2026:23:59:59 +0800)"
             : v == AVAR_TIME_ISO8601 ? "time_iso8601 (2026-11-10T23:59:59+08:00)"
             : v == AVAR_MSEC ? "msec (epoch seconds, e.g. 1762790399.123)"
             : v == AVAR_REQUEST_TIME ? "request_time (seconds, e.g. 0.012)"
             : v == AVAR_REQUEST ? "request (\"GET /path HTTP/1.1\")"
             : v == AVAR_METHOD ? "request_method (GET, POST, ...)"
             : v == AVAR_STATUS ? "status (3 digits)" : "request_uri (/path?query)");
    return -1;
}

/* Sets the arrival to the request's start when its duration is known and
 * the timestamp is precise enough to make that meaningful. */
static void finish_time(access_entry *e, double req_time)
{
    if (req_time > 0 && e->subsecond)
        e->ts -= req_time;
}

static int parse_tokens(const access_format *f, char *line, size_t len, access_entry *e,
                        char *err, size_t errlen)
{
    const char *p = line, *end = line + len;
    double req_time = 0;
    const char *args = NULL, *uri = NULL;
    size_t args_len = 0, uri_len = 0;
    for (size_t i = 0; i < f->ntokens; i++) {
        const access_token *t = &f->tokens[i];
        if (!t->is_var) {
            size_t n = strlen(t->text);
            if ((size_t)(end - p) < n || memcmp(p, t->text, n) != 0) {
                snprintf(err, errlen, "expected '%s' at column %zu", t->text,
                         (size_t)(p - line) + 1);
                return -1;
            }
            p += n;
            continue;
        }
        const char *vend = end;
        if (i + 1 < f->ntokens) {
            const char *lit = f->tokens[i + 1].text;
            size_t n = strlen(lit);
            /* A quoted value ends at the quote before the next literal's
             * remainder; other values at the literal's first occurrence. */
            vend = NULL;
            for (const char *q = p; q + n <= end; q++)
                if (memcmp(q, lit, n) == 0) {
                    vend = q;
                    if (lit[0] != '"' || q == p || q[-1] != '\\')
                        break;
                    vend = NULL;
                }
            if (!vend) {
                snprintf(err, errlen, "expected '%s' after $%s (column %zu)", lit, t->text,
                         (size_t)(p - line) + 1);
                return -1;
            }
        }
        if (t->var == AVAR_URI) {
            uri = p;
            uri_len = (size_t)(vend - p);
        }
        if (apply_var(t->var, p, (size_t)(vend - p), e, &req_time, &args, &args_len, err,
                      errlen) != 0)
            return -1;
        p = vend;
    }
    if (uri && args_len) {
        /* "$uri?$args" written apart: join them in place when adjacent. */
        if (args == uri + uri_len + 1 && uri[uri_len] == '?')
            e->url_len = uri_len + 1 + args_len;
    }
    if (!e->url) {
        snprintf(err, errlen, "no URL in the line");
        return -1;
    }
    if (!e->method[0])
        snprintf(e->method, sizeof e->method, "GET");
    finish_time(e, req_time);
    return 0;
}

/* ---- JSON lines ------------------------------------------------------- */

static const cJSON *json_first(const cJSON *o, const char *const *keys)
{
    for (; *keys; keys++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, *keys);
        if (v && !cJSON_IsNull(v))
            return v;
    }
    return NULL;
}

static int json_time(const cJSON *v, access_entry *e)
{
    int sub = 0, off = 0, has_off = 0;
    if (cJSON_IsNumber(v)) {
        char buf[64];
        snprintf(buf, sizeof buf, "%.6f", v->valuedouble);
        if (access_parse_epoch(buf, strlen(buf), &e->ts, &sub) != 0)
            return -1;
        e->subsecond = v->valuedouble != floor(v->valuedouble) || v->valuedouble > 1e11;
        return 0;
    }
    if (!cJSON_IsString(v))
        return -1;
    const char *s = v->valuestring;
    size_t n = strlen(s);
    if (access_parse_epoch(s, n, &e->ts, &sub) == 0) {
        e->subsecond = sub;
        return 0;
    }
    if (access_parse_iso8601(s, n, &e->ts, &sub, &off, &has_off) == 0) {
        e->subsecond = sub;
        e->utc_offset_s = off;
        e->has_offset = has_off;
        return 0;
    }
    if (access_parse_time_local(s, n, &e->ts, &off) == 0) {
        e->utc_offset_s = off;
        e->has_offset = 1;
        return 0;
    }
    return -1;
}

/* The URL must outlive the cJSON tree: it is copied over the line (the
 * line is at least as long as any string value in it). */
static int parse_json(char *line, size_t len, access_entry *e, char *err, size_t errlen)
{
    static const char *const TIME[] = {"msec", "timestamp", "time", "ts", "@timestamp",
                                       "time_iso8601", "time_local", NULL};
    static const char *const METHOD[] = {"method", "request_method", "verb", NULL};
    static const char *const URL[] = {"url", "request_uri", "uri", "path", NULL};
    static const char *const REQUEST[] = {"request", NULL};
    static const char *const RTIME[] = {"request_time", "duration", NULL};
    cJSON *o = cJSON_ParseWithLength(line, len);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        snprintf(err, errlen, "expected a JSON object");
        return -1;
    }
    int rc = -1;
    const cJSON *t = json_first(o, TIME), *m = json_first(o, METHOD), *u = json_first(o, URL);
    const cJSON *rq = json_first(o, REQUEST), *rt = json_first(o, RTIME);
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "status");
    if (!t || json_time(t, e) != 0) {
        snprintf(err, errlen, "expected a time under \"msec\", \"timestamp\", \"time\", \"ts\" "
                 "or \"@timestamp\" (epoch seconds or ISO-8601)");
        goto out;
    }
    char url[8192];
    if (cJSON_IsString(u) && strlen(u->valuestring) < sizeof url) {
        snprintf(url, sizeof url, "%s", u->valuestring);
        set_method(e, cJSON_IsString(m) ? m->valuestring : "GET",
                   strlen(cJSON_IsString(m) ? m->valuestring : "GET"));
    } else if (cJSON_IsString(rq) && strlen(rq->valuestring) < sizeof url) {
        snprintf(url, sizeof url, "%s", rq->valuestring);
        if (parse_request(e, url, strlen(url)) != 0) {
            snprintf(err, errlen, "\"request\": expected \"METHOD /path HTTP/x\"");
            goto out;
        }
        const char *sp = strchr(url, ' ');
        memmove(url, sp + 1, strlen(sp + 1) + 1);
        char *sp2 = strchr(url, ' ');
        if (sp2)
            *sp2 = '\0';
    } else {
        snprintf(err, errlen, "expected the URL under \"url\", \"request_uri\", \"uri\", "
                 "\"path\" or \"request\"");
        goto out;
    }
    if (!valid_method(e->method)) {
        snprintf(err, errlen, "\"method\": expected an HTTP method such as GET");
        goto out;
    }
    size_t ulen = strlen(url);
    if (ulen == 0 || (url[0] != '/' && strncmp(url, "http", 4) != 0)) {
        snprintf(err, errlen, "the URL '%.60s' does not start with '/' or http", url);
        goto out;
    }
    memcpy(line, url, ulen);   /* ulen < len: the value was inside the line */
    set_url(e, line, ulen);
    if (cJSON_IsNumber(st))
        e->status = st->valueint;
    double req_time = cJSON_IsNumber(rt) ? rt->valuedouble
                      : cJSON_IsString(rt) ? atof(rt->valuestring) : 0;
    finish_time(e, req_time);
    rc = 0;
out:
    cJSON_Delete(o);
    return rc;
}

/* ---- CSV: timestamp,method,url ---------------------------------------- */

static int csv_field(char **p, char *end, const char **val, size_t *n)
{
    char *s = *p;
    if (s < end && *s == '"') {
        char *w = s + 1, *r = s + 1;
        for (;;) {
            if (r >= end)
                return -1;
            if (*r == '"') {
                if (r + 1 < end && r[1] == '"') {
                    *w++ = '"';
                    r += 2;
                    continue;
                }
                r++;
                break;
            }
            *w++ = *r++;
        }
        *val = s + 1;
        *n = (size_t)(w - (s + 1));
        if (r < end && *r != ',')
            return -1;
        *p = r < end ? r + 1 : end;
        return 0;
    }
    char *c = memchr(s, ',', (size_t)(end - s));
    *val = s;
    *n = (size_t)((c ? c : end) - s);
    *p = c ? c + 1 : end;
    return 0;
}

static int parse_csv(char *line, size_t len, access_entry *e, char *err, size_t errlen)
{
    char *p = line, *end = line + len;
    const char *f[3];
    size_t n[3];
    for (int i = 0; i < 3; i++) {
        if ((i < 2 && p >= end) || csv_field(&p, end, &f[i], &n[i]) != 0) {
            snprintf(err, errlen, "expected three fields: timestamp,method,url");
            return -1;
        }
    }
    if (p < end) {
        /* an unquoted URL may hold commas: it runs to the end of the line */
        n[2] = (size_t)(end - f[2]);
    }
    if ((n[0] == 9 && strncmp(f[0], "timestamp", 9) == 0) || (n[0] == 4 && !strncmp(f[0], "time", 4)) ||
        (n[0] == 2 && strncmp(f[0], "ts", 2) == 0))
        return 1;   /* the header */
    int sub = 0, off = 0, has_off = 0;
    if (access_parse_epoch(f[0], n[0], &e->ts, &sub) == 0) {
        e->subsecond = sub;
    } else if (access_parse_iso8601(f[0], n[0], &e->ts, &sub, &off, &has_off) == 0) {
        e->subsecond = sub;
        e->utc_offset_s = off;
        e->has_offset = has_off;
    } else {
        snprintf(err, errlen, "column 1: expected a timestamp (epoch seconds or ISO-8601), "
                 "found '%.*s'", (int)(n[0] > 40 ? 40 : n[0]), f[0]);
        return -1;
    }
    set_method(e, f[1], n[1]);
    if (!valid_method(e->method)) {
        snprintf(err, errlen, "column 2: expected an HTTP method, found '%.*s'",
                 (int)(n[1] > 20 ? 20 : n[1]), f[1]);
        return -1;
    }
    if (n[2] == 0 || (f[2][0] != '/' && strncmp(f[2], "http", 4) != 0)) {
        snprintf(err, errlen, "column 3: expected a URL starting with '/'");
        return -1;
    }
    set_url(e, f[2], n[2]);
    return 0;
}

int access_format_parse(const access_format *f, char *line, size_t len, access_entry *e,
                        char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
        len--;
    size_t k = 0;
    while (k < len && isspace((unsigned char)line[k]))
        k++;
    if (k == len)
        return 1;
    switch (f->kind) {
    case ACCESS_JSON: return parse_json(line, len, e, err, errlen);
    case ACCESS_CSV: return parse_csv(line, len, e, err, errlen);
    case ACCESS_FORMAT: return parse_tokens(f, line, len, e, err, errlen);
    }
    return -1;
}

int access_format_detect(access_format *f, char *line, size_t len, char *err, size_t errlen)
{
    static const char *const ORDER[] = {"json", "combined", "common", "csv"};
    char copy[8192];
    if (len >= sizeof copy)
        len = sizeof copy - 1;
    for (size_t i = 0; i < 4; i++) {
        if (access_format_init(f, ORDER[i], NULL, err, errlen) != 0)
            return -1;
        memcpy(copy, line, len);
        access_entry e;
        int rc = access_format_parse(f, copy, len, &e, err, errlen);
        if (rc == 0 || (rc == 1 && f->kind == ACCESS_CSV))   /* a CSV header line */
            return 0;
    }
    snprintf(err, errlen, "the line matches none of json, combined, common or csv "
             "(timestamp,method,url); name the format with --format or --log-format");
    return -1;
}

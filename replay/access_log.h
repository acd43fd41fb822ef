/* access_log.h: one access-log line to (time, method, URL). The parsers
 * behind `crest replay` and `crest replay --to-scenario`.
 *
 * Formats:
 *   combined  nginx/Apache combined: '$remote_addr - $remote_user [$time_local]
 *             "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"'
 *   common    the same without referer and user agent
 *   a log_format string with nginx variables, e.g.
 *             '$msec $request_time "$request" $status' (see docs/replay.md)
 *   json      one JSON object per line (keys: see docs/replay.md)
 *   csv       'timestamp,method,url' (a header line naming them is skipped)
 * Timestamps: $msec (epoch with milliseconds), $time_iso8601 (fractions
 * allowed), $time_local, epoch numbers or ISO-8601 in JSON/CSV. With
 * $request_time and a sub-second timestamp the arrival is the request's
 * start (logged time - request_time): nginx logs when a request ends.
 *
 * Parsing never allocates: the entry's URL points into the line. */
#ifndef CREST_ACCESS_LOG_H
#define CREST_ACCESS_LOG_H

#include <stddef.h>

#define ACCESS_LOG_MAX_TOKENS 64

enum access_var {
    AVAR_IGNORED, AVAR_TIME_LOCAL, AVAR_TIME_ISO8601, AVAR_MSEC, AVAR_REQUEST_TIME,
    AVAR_REQUEST, AVAR_METHOD, AVAR_REQUEST_URI, AVAR_URI, AVAR_ARGS, AVAR_STATUS
};

enum access_kind { ACCESS_FORMAT, ACCESS_JSON, ACCESS_CSV };

typedef struct access_token {
    int is_var;
    enum access_var var;
    char text[128];           /* the literal, or the variable's name */
} access_token;

typedef struct access_format {
    enum access_kind kind;
    char name[32];            /* "combined", "common", "log_format", "json", "csv" */
    access_token tokens[ACCESS_LOG_MAX_TOKENS];
    size_t ntokens;
    int has_time;             /* the format carries a timestamp */
} access_format;

typedef struct access_entry {
    double ts;                /* arrival, seconds since the epoch (UTC) */
    int subsecond;            /* ts has sub-second precision */
    int has_offset;           /* utc_offset_s is known (from the timestamp) */
    int utc_offset_s;         /* the log's own zone: local = ts + offset */
    char method[16];
    const char *url;          /* path?query (absolute URLs reduced to it); not terminated */
    size_t url_len;
    int status;               /* 0 when the format has none */
} access_entry;

/* Compiles NAME ("combined", "common", "json", "csv") or, when NAME is
 * NULL, the nginx log_format string SPEC. 0, or -1 with ERR saying what is
 * wrong. */
int access_format_init(access_format *f, const char *name, const char *spec, char *err,
                       size_t errlen);

/* Picks the format of LINE among json, combined, common and csv: 0, or -1
 * when none parses it (ERR says why). */
int access_format_detect(access_format *f, char *line, size_t len, char *err, size_t errlen);

/* Parses LINE (LEN bytes, no newline; may be modified) into E. 0 parsed;
 * 1 a line to ignore (blank, or a CSV header); -1 bad, with ERR saying
 * what was expected. */
int access_format_parse(const access_format *f, char *line, size_t len, access_entry *e,
                        char *err, size_t errlen);

/* Timestamp parsers, exposed for --from/--to and tests. Each returns 0 and
 * sets *TS (epoch seconds), *SUB (has a fraction) and *OFF (UTC offset in
 * seconds; *HAS_OFF 0 when the text has no zone: read as UTC), or -1. */
int access_parse_iso8601(const char *s, size_t len, double *ts, int *sub, int *off, int *has_off);
int access_parse_time_local(const char *s, size_t len, double *ts, int *off);
/* Epoch seconds ("1762790399.123"; values above 1e11 are milliseconds). */
int access_parse_epoch(const char *s, size_t len, double *ts, int *sub);

#endif

/* replay_stream.h: an access log as a time-ordered stream of arrivals,
 * read incrementally (a festival night is gigabytes: memory holds about
 * two recorded seconds of lines, never the whole log).
 *
 * Each accepted line becomes an arrival at its recorded offset from the
 * window's origin (--from, else the first line's second), divided by
 * `speed`. Lines are grouped per recorded second (a second is released
 * once a line two seconds later has been read, so logs written in
 * completion order are put back in arrival order; a line later than that
 * is placed at the start of the current second and counted as late):
 *   - logs with one-second timestamps spread each second's lines evenly
 *     over that second (no burst at every second boundary);
 *   - scale > 1 adds floor(scale - 1) extra arrivals per line, plus one
 *     with probability frac(scale - 1), each a copy of a line drawn at
 *     random from the same second at a random time inside that second, so
 *     the mix and the per-second shape are kept;
 *   - scale < 1 keeps each line with probability scale.
 * Used by the replay feed (replay_feed.h), by `--to-scenario`, and by the
 * file pre-scan that gives a run its length and target rate. */
#ifndef CREST_REPLAY_STREAM_H
#define CREST_REPLAY_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "replay/access_log.h"

#define REPLAY_SKIP UINT32_MAX

/* Endpoint of a request (an index into the caller's plan), or REPLAY_SKIP
 * for a request that cannot be replayed (a POST/PUT/PATCH with no body
 * template: access logs do not record bodies); those are counted as
 * skipped_body. */
typedef uint32_t (*replay_tag_fn)(void *ctx, const char *method, const char *url,
                                  size_t url_len);

typedef struct replay_config {
    const char *path;            /* a file, or "-" for stdin */
    const access_format *format; /* NULL: detected from the first line */
    double speed;                /* > 0: recorded seconds per replayed second */
    double scale;                /* > 0: traffic multiplier */
    const char *from, *to;       /* window or NULL: epoch, ISO-8601, or HH:MM[:SS] in the
                                    log's own zone (the first such time around the log's start) */
    int strict;                  /* 1: a bad line is an error (file:line); 0: skipped, counted */
    size_t max_url;              /* longer URLs are skipped and counted */
    uint64_t seed;
    replay_tag_fn tag;
    void *tag_ctx;
} replay_config;

typedef struct replay_arrival {
    double at_s;                 /* seconds from the origin, speed applied */
    double recorded_s;           /* seconds from the origin in the log's own time */
    uint32_t endpoint;
    char method[16];
    char *url;                   /* malloc'd, NUL-terminated path?query; the receiver frees it */
} replay_arrival;

typedef struct replay_stats {
    uint64_t lines;              /* lines read */
    uint64_t recorded;           /* lines accepted into the replay (inside the window) */
    uint64_t arrivals;           /* arrivals emitted (recorded - thinned + extras) */
    uint64_t extras, thinned, late;
    uint64_t skipped_bad, skipped_body, skipped_method, skipped_window, skipped_long;
    long first_bad_line;         /* 0: none */
    char first_bad[256];         /* what was wrong with it */
    double origin;               /* epoch seconds of offset 0 */
    int utc_offset_s, has_offset;/* the log's own zone, when its timestamps carry one */
    int subsecond;               /* the timestamps have sub-second precision */
    double last_s;               /* latest recorded offset */
    uint32_t *recorded_per_s;    /* accepted lines per recorded second (before scaling) */
    uint32_t *arrivals_per_s;    /* arrivals per recorded second (after scaling) */
    size_t nseconds;
} replay_stats;

typedef struct replay_stream replay_stream;

/* Opens the log. NULL after printing an error (exit 2 material). */
replay_stream *replay_stream_open(const replay_config *c);
/* The next arrival in time order: 1; 0 at the end; -1 after printing an
 * error (a read error, or a bad line in strict mode). */
int replay_stream_next(replay_stream *s, replay_arrival *a);
const replay_stats *replay_stream_stats(const replay_stream *s);
/* The format in use (detected or given); valid once a line was parsed. */
const access_format *replay_stream_format(const replay_stream *s);
void replay_stream_close(replay_stream *s);

/* The static name of an HTTP method replay can send ("GET", ...), or NULL
 * for one it cannot (CONNECT, TRACE, WebDAV verbs: counted as skipped_method). */
const char *replay_method_name(const char *m);
/* 1 for methods whose request has a body (POST, PUT, PATCH). */
int replay_method_has_body(const char *m);

/* 1 when PATH is a regular file (it can be read twice: a pre-scan first). */
int replay_path_is_file(const char *path);

/* Resolves a --from/--to TEXT against REF (epoch seconds of the log's first
 * line, in zone OFFSET_S): epoch, ISO-8601 (no zone: the log's), or
 * HH:MM[:SS] = the occurrence of that time of day within 12 h of REF.
 * 0, or -1 when TEXT is none of these. */
int replay_resolve_time(const char *text, double ref, int offset_s, double *out);

#endif

/* replay_session.c: a replay run's set-up (see replay_session.h). */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "replay/replay_session.h"

#define MAX_URL 3072   /* request URLs longer than this are skipped (the engine's buffer
                          holds 4096 with the target) */

static void stream_config(const replay_session *s, replay_config *c)
{
    memset(c, 0, sizeof *c);
    c->path = s->o.log;
    c->format = s->have_fmt ? &s->fmt : NULL;
    c->speed = s->o.speed;
    c->scale = s->o.scale;
    c->from = s->o.from;
    c->to = s->o.to;
    c->strict = s->o.strict;
    c->max_url = MAX_URL;
    c->seed = s->o.seed;
    c->tag = replay_tagger_tag;
    c->tag_ctx = (void *)&s->tagger;
}

/* Reads the whole file once with the same settings (and seed) as the run,
 * keeping only the counts. */
static int prescan(replay_session *s)
{
    replay_config c;
    stream_config(s, &c);
    replay_stream *st = replay_stream_open(&c);
    if (!st)
        return -1;
    replay_arrival a;
    int rc;
    while ((rc = replay_stream_next(st, &a)) == 1)
        free(a.url);
    if (rc == 0) {
        const replay_stats *k = replay_stream_stats(st);
        s->scan = *k;
        size_t n = k->nseconds ? k->nseconds : 1;
        s->scan.recorded_per_s = calloc(n, sizeof *s->scan.recorded_per_s);
        s->scan.arrivals_per_s = calloc(n, sizeof *s->scan.arrivals_per_s);
        if (!s->scan.recorded_per_s || !s->scan.arrivals_per_s) {
            crest_error("out of memory");
            rc = -1;
        } else if (k->nseconds) {
            memcpy(s->scan.recorded_per_s, k->recorded_per_s, n * sizeof *k->recorded_per_s);
            memcpy(s->scan.arrivals_per_s, k->arrivals_per_s, n * sizeof *k->arrivals_per_s);
        }
        if (!s->have_fmt && rc == 0 && k->lines) {
            s->fmt = *replay_stream_format(st);
            s->have_fmt = 1;
        }
    }
    replay_stream_close(st);
    s->scanned = rc == 0;
    return rc;
}

static int nothing_to_replay(const replay_session *s, const replay_stats *k)
{
    if (k->skipped_bad && k->first_bad_line)
        crest_error_at(s->o.log, k->first_bad_line, "%s (and no line of the log could be "
                       "replayed: is --format/--log-format right?)", k->first_bad);
    else
        crest_error("%s: nothing to replay: %llu lines read, none inside the window with a "
                    "replayable method%s", s->o.log, (unsigned long long)k->lines,
                    k->skipped_body ? " (POST/PUT/PATCH need --body)" : "");
    return CREST_EXIT_USAGE;
}

int replay_session_open(const replay_session_options *o, replay_session *s)
{
    memset(s, 0, sizeof *s);
    s->o = *o;
    if (s->o.speed <= 0)
        s->o.speed = 1;
    if (s->o.scale <= 0)
        s->o.scale = 1;
    if (s->o.max_duration_s <= 0)
        s->o.max_duration_s = 3600;
    char err[256];
    if (o->log_format || o->format) {
        if (access_format_init(&s->fmt, o->log_format ? NULL : o->format, o->log_format, err,
                               sizeof err) != 0) {
            crest_error("%s: %s", o->log_format ? "--log-format" : "--format", err);
            return CREST_EXIT_USAGE;
        }
        s->have_fmt = 1;
    }
    s->plan = replay_plan_build(&o->plan, &s->tagger);
    if (!s->plan)
        return CREST_EXIT_USAGE;
    if (replay_path_is_file(o->log)) {
        if (prescan(s) != 0) {
            replay_session_close(s);
            return CREST_EXIT_USAGE;
        }
        if (s->scan.arrivals == 0) {
            nothing_to_replay(s, &s->scan);
            replay_session_close(s);
            return CREST_EXIT_USAGE;
        }
    }
    double bound = s->o.max_duration_s;
    if (replay_plan_timeline(s->plan, s->scanned ? &s->scan : NULL, s->o.speed, bound) != 0) {
        replay_session_close(s);
        return CREST_EXIT_USAGE;
    }
    replay_config c;
    stream_config(s, &c);
    s->feed = replay_feed_new(&c);
    if (!s->feed) {
        replay_session_close(s);
        return CREST_EXIT_USAGE;
    }
    replay_feed_attach(s->feed, s->plan);
    return CREST_EXIT_OK;
}

const replay_stats *replay_session_stats(const replay_session *s)
{
    return s->feed ? replay_feed_stats(s->feed) : &s->scan;
}

void replay_session_close(replay_session *s)
{
    replay_feed_free(s->feed);
    s->feed = NULL;
    loadplan_free(s->plan);
    s->plan = NULL;
    replay_tagger_free(&s->tagger);
    free(s->scan.recorded_per_s);
    free(s->scan.arrivals_per_s);
    s->scan.recorded_per_s = s->scan.arrivals_per_s = NULL;
}

void replay_session_warn(const replay_session *s)
{
    const replay_stats *k = replay_session_stats(s);
    if (k->skipped_bad)
        crest_warn("%s: %llu lines could not be parsed and were skipped; the first, line %ld: %s",
                   s->o.log, (unsigned long long)k->skipped_bad, k->first_bad_line, k->first_bad);
    if (k->skipped_body)
        crest_warn("%llu POST/PUT/PATCH requests skipped: access logs hold no bodies; give "
                   "--body TEMPLATE (or a scenario endpoint with a body) to replay them",
                   (unsigned long long)k->skipped_body);
    if (k->skipped_method)
        crest_warn("%llu requests with methods replay does not send (CONNECT, TRACE, ...) skipped",
                   (unsigned long long)k->skipped_method);
    if (k->skipped_long)
        crest_warn("%llu requests with URLs longer than %d bytes skipped",
                   (unsigned long long)k->skipped_long, MAX_URL);
    if (k->late)
        crest_warn("%llu lines came more than 2 s out of time order; sent at the start of the "
                   "second being replayed", (unsigned long long)k->late);
}

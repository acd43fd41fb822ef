/* replay_options.c: the flags shared by `crest replay` and `crest shadow`
 * (see replay_options.h). */
#include <stdlib.h>
#include <string.h>

#include "cli/options.h"
#include "cli/replay_options.h"
#include "common/error.h"
#include "common/jsonio.h"

void replay_flags_init(replay_flags *f)
{
    memset(f, 0, sizeof *f);
    engine_options_init(&f->eng);
    f->s.speed = 1;
    f->s.scale = 1;
    f->s.seed = 1;
}

static int ok(int rc)
{
    return rc == 0 ? 1 : -1;
}

/* The engine's flags. */
static int parse_engine(int c, const char *arg, replay_flags *f)
{
    long n;
    double d;
    switch (c) {
    case 'c':
        if (option_count("-c/--connections", arg, 1, 1000000000L, &n) != 0)
            return -1;
        f->eng.connections = (int)n;
        return 1;
    case ROPT_THREADS:
        if (option_count("--threads", arg, 1, 4096, &n) != 0)
            return -1;
        f->eng.threads = (int)n;
        return 1;
    case ROPT_TIMEOUT: return ok(option_duration("--timeout", arg, 0, &f->eng.timeout_s));
    case ROPT_MAX_INFLIGHT:
        if (option_count("--max-in-flight", arg, 1, 1000000000L, &n) != 0)
            return -1;
        f->eng.max_in_flight = (uint64_t)n;
        return 1;
    case ROPT_MAX_LAG:
        if (option_duration("--max-loop-lag", arg, 0, &d) != 0)
            return -1;
        f->eng.loop_lag_bound_ms = d * 1000;
        return 1;
    case ROPT_SEND_BATCH:
        return ok(option_send_batch("--send-batch", arg, &f->eng.send_batch_s));
    case ROPT_GRACE: return ok(option_duration("--grace", arg, 1, &f->eng.grace_s));
    case ROPT_SEED:
        if (option_count("--seed", arg, 0, 1000000000L, &n) != 0)
            return -1;
        f->eng.seed = (uint64_t)n;
        f->s.seed = (uint64_t)n;
        return 1;
    case ROPT_QUIET: f->eng.quiet = 1; return 1;
    }
    return 0;
}

int replay_flags_parse(int c, const char *arg, replay_flags *f)
{
    switch (c) {
    case ROPT_FORMAT: f->s.format = arg; return 1;
    case ROPT_LOG_FORMAT: f->s.log_format = arg; return 1;
    case ROPT_FROM: f->s.from = arg; return 1;
    case ROPT_TO: f->s.to = arg; return 1;
    case ROPT_STRICT: f->s.strict = 1; return 1;
    case ROPT_SPEED: return ok(option_positive("--speed", arg, &f->s.speed));
    case ROPT_SCALE: return ok(option_positive("--scale", arg, &f->s.scale));
    case ROPT_MAP: return ok(option_push(f->maps, &f->s.plan.nmaps, REPLAY_MAX_LIST, "--map", arg));
    case ROPT_SCENARIO: f->s.plan.scenario = arg; return 1;
    case ROPT_TARGET: f->s.plan.target = arg; return 1;
    case 'H':
        return ok(option_push(f->headers, &f->s.plan.nheaders, REPLAY_MAX_LIST, "-H/--header", arg));
    case ROPT_BODY: f->body_arg = arg; return 1;
    case ROPT_MAX_DURATION:
        return ok(option_duration("--max-duration", arg, 0, &f->s.max_duration_s));
    }
    return parse_engine(c, arg, f);
}

int replay_flags_finish(replay_flags *f)
{
    f->s.plan.maps = f->maps;
    f->s.plan.headers = f->headers;
    if (f->s.format && f->s.log_format) {
        crest_error("give --format or --log-format, not both");
        return -1;
    }
    if (!f->body_arg)
        return 0;
    if (f->body_arg[0] != '@') {
        f->s.plan.body = f->body_arg;
        return 0;
    }
    size_t len;
    f->body_owned = jsonio_slurp(f->body_arg + 1, &len);
    if (!f->body_owned) {
        crest_error("--body '%s': cannot read the file", f->body_arg);
        return -1;
    }
    f->s.plan.body = f->body_owned;
    return 0;
}

void replay_flags_free(replay_flags *f)
{
    free(f->body_owned);
    f->body_owned = NULL;
}

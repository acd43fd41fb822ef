/* cmd_replay.c: `crest replay LOG`: replays a recorded access log open loop
 * (each line at its recorded offset, --speed, --scale, --from/--to) with
 * latency from the intended time, and `crest replay --to-scenario LOG`,
 * which turns a log into an editable scenario. The work is in replay/;
 * this file parses flags, runs the engine, prints and writes the results.
 *
 * Exit codes: 0 done and every gate passed; 1 a gate failed; 2 bad usage,
 * an unreadable log or (with --strict) a bad line; 3 could not run,
 * interrupted, or generator-limited. */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "common/error.h"
#include "common/jsonio.h"
#include "loadgen/engine.h"
#include "loadgen/progress.h"
#include "loadgen/results.h"
#include "loadgen/run_verdict.h"
#include "replay/replay_scenario.h"
#include "replay/replay_session.h"
#include "testbed/embed.h"

#define MAX_LIST 64

static void usage(FILE *out)
{
    fprintf(out,
        "usage: crest replay LOG [--target URL] [options]     (LOG '-' reads stdin)\n"
        "       crest replay --to-scenario LOG -o SCENARIO.json [--map ...] [--phase D]\n\n"
        "Log:\n"
        "      --format F        combined, common, json or csv (timestamp,method,url);\n"
        "                        default: detected from the first line\n"
        "      --log-format S    an nginx log_format, e.g. '$msec $request_time \"$request\" $status'\n"
        "      --from T, --to T  window: epoch, ISO-8601 or HH:MM[:SS] in the log's zone\n"
        "      --strict          a line that does not parse is an error (default: skipped,\n"
        "                        counted and warned about)\n"
        "Replay:\n"
        "      --speed F         F recorded seconds per second (default 1)\n"
        "      --scale F         traffic x F: extra arrivals from the same second's mix\n"
        "                        (F >= 1), or each line kept with probability F (F < 1)\n"
        "      --map 'GLOB=SUB'  tag requests whose path matches GLOB as subsystem SUB\n"
        "                        (repeatable; 'POST /cart/*=cart' limits the method)\n"
        "      --scenario FILE   tag by this scenario's endpoints; its subsystems, SLOs,\n"
        "                        gates, headers, bodies and target apply\n"
        "      --target URL      where to send (default: the scenario's, else the testbed)\n"
        "  -H, --header 'K: V'   added to every request (repeatable)\n"
        "      --body @FILE|TEXT body template for POST/PUT/PATCH (logs hold no bodies;\n"
        "                        without one they are skipped and counted)\n"
        "      --max-duration D  a piped log's run is at most D (default 1h)\n"
        "Engine: -c/--connections N (64), --threads N, --timeout D, --max-in-flight N,\n"
        "        --max-loop-lag D, --grace D, --seed N, --quiet\n"
        "Output and gates:\n"
        "      --out FILE        results.json\n"
        "      --replay-out FILE replay.json (default: replay.json beside --out)\n"
        "      --threshold EXPR  gate, repeatable (as crest run)\n"
        "To scenario:\n"
        "      --to-scenario     derive a scenario instead of replaying\n"
        "  -o, --output FILE     the scenario (its profile CSV goes beside it)\n"
        "      --phase D         phase length for the endpoint mix (default: 10 phases)\n\n"
        "exit: 0 done, 1 a gate failed, 2 bad usage or log, 3 could not run/inconclusive\n");
}

enum {
    OPT_FORMAT = 256, OPT_LOG_FORMAT, OPT_FROM, OPT_TO, OPT_STRICT, OPT_SPEED, OPT_SCALE,
    OPT_MAP, OPT_SCENARIO, OPT_TARGET, OPT_BODY, OPT_MAX_DURATION, OPT_THREADS, OPT_TIMEOUT,
    OPT_MAX_INFLIGHT, OPT_MAX_LAG, OPT_GRACE, OPT_SEED, OPT_QUIET, OPT_OUT, OPT_REPLAY_OUT,
    OPT_THRESHOLD, OPT_TO_SCENARIO, OPT_PHASE, OPT_HELP
};

static const struct option long_opts[] = {
    {"format", required_argument, NULL, OPT_FORMAT},
    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"speed", required_argument, NULL, OPT_SPEED},
    {"scale", required_argument, NULL, OPT_SCALE},
    {"map", required_argument, NULL, OPT_MAP},
    {"scenario", required_argument, NULL, OPT_SCENARIO},
    {"target", required_argument, NULL, OPT_TARGET},
    {"header", required_argument, NULL, 'H'},
    {"body", required_argument, NULL, OPT_BODY},
    {"max-duration", required_argument, NULL, OPT_MAX_DURATION},
    {"connections", required_argument, NULL, 'c'},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"max-in-flight", required_argument, NULL, OPT_MAX_INFLIGHT},
    {"max-loop-lag", required_argument, NULL, OPT_MAX_LAG},
    {"grace", required_argument, NULL, OPT_GRACE},
    {"seed", required_argument, NULL, OPT_SEED},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"out", required_argument, NULL, OPT_OUT},
    {"replay-out", required_argument, NULL, OPT_REPLAY_OUT},
    {"threshold", required_argument, NULL, OPT_THRESHOLD},
    {"to-scenario", no_argument, NULL, OPT_TO_SCENARIO},
    {"output", required_argument, NULL, 'o'},
    {"phase", required_argument, NULL, OPT_PHASE},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

typedef struct replay_args {
    replay_session_options s;
    engine_options eng;
    const char *maps[MAX_LIST], *headers[MAX_LIST], *thresholds[MAX_LIST];
    size_t nthresholds;
    const char *out, *replay_out, *output, *body_arg;
    int to_scenario;
    double phase_s;
} replay_args;

/* Flags shared with `crest shadow --replay`. 1 when C was one of them
 * (handled), 0 when not, -1 on a bad value (printed). */
static int parse_common(int c, replay_args *a)
{
    long n;
    double d;
    switch (c) {
    case OPT_FORMAT: a->s.format = optarg; return 1;
    case OPT_LOG_FORMAT: a->s.log_format = optarg; return 1;
    case OPT_FROM: a->s.from = optarg; return 1;
    case OPT_TO: a->s.to = optarg; return 1;
    case OPT_STRICT: a->s.strict = 1; return 1;
    case OPT_SPEED: return option_positive("--speed", optarg, &a->s.speed) == 0 ? 1 : -1;
    case OPT_SCALE: return option_positive("--scale", optarg, &a->s.scale) == 0 ? 1 : -1;
    case OPT_MAP:
        return option_push(a->maps, &a->s.plan.nmaps, MAX_LIST, "--map", optarg) == 0 ? 1 : -1;
    case OPT_SCENARIO: a->s.plan.scenario = optarg; return 1;
    case OPT_TARGET: a->s.plan.target = optarg; return 1;
    case 'H':
        return option_push(a->headers, &a->s.plan.nheaders, MAX_LIST, "-H/--header", optarg) == 0
                   ? 1 : -1;
    case OPT_BODY: a->body_arg = optarg; return 1;
    case OPT_MAX_DURATION:
        return option_duration("--max-duration", optarg, 0, &a->s.max_duration_s) == 0 ? 1 : -1;
    case 'c':
        if (option_count("-c/--connections", optarg, 1, 1000000000L, &n) != 0)
            return -1;
        a->eng.connections = (int)n;
        return 1;
    case OPT_THREADS:
        if (option_count("--threads", optarg, 1, 4096, &n) != 0)
            return -1;
        a->eng.threads = (int)n;
        return 1;
    case OPT_TIMEOUT: return option_duration("--timeout", optarg, 0, &a->eng.timeout_s) == 0 ? 1 : -1;
    case OPT_MAX_INFLIGHT:
        if (option_count("--max-in-flight", optarg, 1, 1000000000L, &n) != 0)
            return -1;
        a->eng.max_in_flight = (uint64_t)n;
        return 1;
    case OPT_MAX_LAG:
        if (option_duration("--max-loop-lag", optarg, 0, &d) != 0)
            return -1;
        a->eng.loop_lag_bound_ms = d * 1000;
        return 1;
    case OPT_GRACE: return option_duration("--grace", optarg, 1, &a->eng.grace_s) == 0 ? 1 : -1;
    case OPT_SEED:
        if (option_count("--seed", optarg, 0, 1000000000L, &n) != 0)
            return -1;
        a->eng.seed = (uint64_t)n;
        a->s.seed = (uint64_t)n;
        return 1;
    case OPT_QUIET: a->eng.quiet = 1; return 1;
    }
    return 0;
}

/* --body @FILE is read here (cli owns files named on the command line). */
static int load_body(replay_args *a, char **owned)
{
    *owned = NULL;
    if (!a->body_arg)
        return 0;
    if (a->body_arg[0] != '@') {
        a->s.plan.body = a->body_arg;
        return 0;
    }
    size_t len;
    *owned = jsonio_slurp(a->body_arg + 1, &len);
    if (!*owned) {
        crest_error("--body '%s': cannot read the file", a->body_arg);
        return -1;
    }
    a->s.plan.body = *owned;
    return 0;
}

static int parse_args(int argc, char **argv, replay_args *a)
{
    memset(a, 0, sizeof *a);
    engine_options_init(&a->eng);
    a->s.speed = 1;
    a->s.scale = 1;
    a->s.seed = 1;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:H:o:h", long_opts, NULL)) != -1) {
        int r = parse_common(c, a);
        if (r < 0)
            return -1;
        if (r > 0)
            continue;
        switch (c) {
        case OPT_OUT: a->out = optarg; break;
        case OPT_REPLAY_OUT: a->replay_out = optarg; break;
        case OPT_THRESHOLD:
            if (option_push(a->thresholds, &a->nthresholds, MAX_LIST, "--threshold", optarg) != 0)
                return -1;
            break;
        case OPT_TO_SCENARIO: a->to_scenario = 1; break;
        case 'o': a->output = optarg; break;
        case OPT_PHASE:
            if (option_duration("--phase", optarg, 0, &a->phase_s) != 0)
                return -1;
            break;
        case 'h':
        case OPT_HELP: return 1;
        case ':':
            crest_error("option '%s' needs a value", argv[optind - 1]);
            return -1;
        default:
            crest_error("unknown option '%s' (see crest replay --help)", argv[optind - 1]);
            return -1;
        }
    }
    if (optind >= argc) {
        crest_error("no log given: crest replay LOG (or '-' for stdin); see crest replay --help");
        return -1;
    }
    a->s.log = argv[optind++];
    if (optind < argc) {
        crest_error("unexpected argument '%s'; expected one LOG", argv[optind]);
        return -1;
    }
    if (a->s.format && a->s.log_format) {
        crest_error("give --format or --log-format, not both");
        return -1;
    }
    if (a->to_scenario && !a->output) {
        crest_error("--to-scenario needs -o SCENARIO.json");
        return -1;
    }
    a->s.plan.maps = a->maps;
    a->s.plan.headers = a->headers;
    return 0;
}

static void print_stats(const replay_session *s, const replay_tracking *t, const run_result *r)
{
    const replay_stats *k = replay_session_stats(s);
    printf("\nReplay: %llu lines, %llu recorded requests replayed as %llu arrivals "
           "(scale %g: +%llu extra, -%llu thinned) at speed %g; log span %.1f s, run %.2f s\n",
           (unsigned long long)k->lines, (unsigned long long)k->recorded,
           (unsigned long long)k->arrivals, s->o.scale, (unsigned long long)k->extras,
           (unsigned long long)k->thinned, s->o.speed, k->last_s, r->duration_s);
    printf("Skipped: %llu unparseable, %llu without a body, %llu other methods, %llu outside "
           "the window, %llu URL too long\n", (unsigned long long)k->skipped_bad,
           (unsigned long long)k->skipped_body, (unsigned long long)k->skipped_method,
           (unsigned long long)k->skipped_window, (unsigned long long)k->skipped_long);
    if (t->compared)
        printf("Rate tracking over %zu s: mean |offered - planned| %.2f%% of planned, worst "
               "second off by %.0f, total %+.3f%%\n", t->compared, t->mean_abs_error * 100,
               t->max_abs_error, t->total_error * 100);
}

static int write_replay_json(const replay_args *a, const replay_session *s,
                             const replay_tracking *t, const run_result *r)
{
    char path[4096];
    const char *dest = a->replay_out;
    if (!dest && a->out) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s", a->out);
        snprintf(path, sizeof path, "%s/replay.json", dirname(tmp));
        dest = path;
    }
    if (!dest)
        return 0;
    replay_meta m = {.log = a->s.log, .format = s->have_fmt ? s->fmt.name : NULL,
                     .speed = s->o.speed, .scale = s->o.scale, .from = a->s.from, .to = a->s.to};
    if (!m.format && replay_feed_format(s->feed)->name[0])
        m.format = replay_feed_format(s->feed)->name;
    cJSON *doc = replay_result_to_json(&m, replay_session_stats(s), t, r);
    int rc = doc ? jsonio_write_file(dest, doc) : -1;
    cJSON_Delete(doc);
    return rc;
}

static int add_gates(loadplan *p, const replay_args *a)
{
    char err[256];
    for (size_t i = 0; i < a->nthresholds; i++)
        if (threshold_set_add(&p->thresholds, a->thresholds[i], err, sizeof err) != 0) {
            crest_error("--threshold: %s", err);
            return -1;
        }
    return 0;
}

/* Runs the session's plan; prints, judges and writes. */
static int run_replay(replay_args *a, replay_session *s, int argc, char **argv)
{
    testbed_process tb;
    int have_tb = 0;
    if (!s->plan->target) {
        if (testbed_spawn(NULL, &tb) != 0)
            return CREST_EXIT_RUN;
        have_tb = 1;
        s->plan->target = strdup(tb.url);
        if (!a->eng.quiet)
            printf("crest: no target given; replaying against the embedded testbed at %s\n",
                   tb.url);
    }
    engine_install_signal_handlers();
    run_result r;
    int rc = engine_run(&a->eng, s->plan, &r);
    if (have_tb)
        testbed_stop(&tb);
    if (rc != CREST_EXIT_OK)
        return rc;
    if (replay_feed_failed(s->feed)) {
        run_result_free(&r);
        return CREST_EXIT_USAGE;   /* the bad line was reported with file:line */
    }
    const loadplan *p = s->plan;
    threshold_result *th = calloc(p->thresholds.count + 1, sizeof *th);
    replay_tracking t;
    if (!th || replay_tracking_compute(replay_session_stats(s), s->o.speed, &r, &t) != 0) {
        free(th);
        run_result_free(&r);
        crest_error("out of memory");
        return CREST_EXIT_RUN;
    }
    size_t failed = thresholds_evaluate(&p->thresholds, &r, th);
    progress_summary(stdout, &r, th, p->thresholds.count);
    print_stats(s, &t, &r);
    replay_session_warn(s);
    run_verdict v;
    run_verdict_judge(&r, failed, p->thresholds.count, &v);
    int exit_code = v.exit_code;
    if (v.why[0])
        crest_error("%s", v.why);
    if (a->out) {
        results_meta m = {.command = argc ? argv[0] : "replay", .scenario = a->s.plan.scenario,
                          .connections = a->eng.connections, .timeout_s = a->eng.timeout_s,
                          .secret_headers = (const char *const *)p->secret_headers,
                          .nsecret = p->nsecret, .thresholds = th,
                          .nthresholds = p->thresholds.count};
        if (results_write(a->out, &r, &m) != 0 && exit_code == CREST_EXIT_OK)
            exit_code = CREST_EXIT_RUN;
    }
    if (write_replay_json(a, s, &t, &r) != 0 && exit_code == CREST_EXIT_OK)
        exit_code = CREST_EXIT_RUN;
    replay_tracking_free(&t);
    free(th);
    run_result_free(&r);
    return exit_code;
}

int cmd_replay(int argc, char **argv)
{
    replay_args a;
    int pr = parse_args(argc, argv, &a);
    if (pr == 1) {
        usage(stdout);
        return CREST_EXIT_OK;
    }
    char *body = NULL;
    if (pr != 0 || load_body(&a, &body) != 0)
        return CREST_EXIT_USAGE;
    if (a.to_scenario) {
        replay_scenario_options so = {.session = a.s, .output = a.output, .phase_s = a.phase_s};
        int rc = replay_scenario_derive(&so);
        if (rc == CREST_EXIT_OK)
            printf("crest: wrote %s (check it with: crest validate %s)\n", a.output, a.output);
        free(body);
        return rc;
    }
    replay_session s;
    int rc = replay_session_open(&a.s, &s);
    if (rc == CREST_EXIT_OK && add_gates(s.plan, &a) != 0)
        rc = CREST_EXIT_USAGE;
    if (rc == CREST_EXIT_OK)
        rc = run_replay(&a, &s, argc, argv);
    if (s.plan || s.feed)
        replay_session_close(&s);
    free(body);
    return rc;
}

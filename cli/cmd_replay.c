/* cmd_replay.c: `crest replay LOG`: replays a recorded access log open loop
 * (each line at its recorded offset, --speed, --scale, --from/--to) with
 * latency from the intended time, and `crest replay --to-scenario LOG`,
 * which turns a log into an editable scenario. The work is in replay/;
 * this file parses flags, runs the engine, prints and writes the results.
 *
 * Exit codes: 0 done and every gate passed; 1 a gate failed; 2 bad usage,
 * an unreadable log or (with --strict) a bad line; 3 could not run,
 * interrupted, or generator-limited. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "cli/embedded_target.h"
#include "cli/optable.h"
#include "cli/options.h"
#include "cli/replay_options.h"
#include "common/error.h"
#include "common/jsonio.h"
#include "loadgen/engine.h"
#include "cli/progress.h"
#include "cli/run_output.h"
#include "loadgen/results.h"
#include "replay/replay_scenario.h"
#include "replay/replay_session.h"


static const cli_option replay_cli_options[] = {
    {"format", 0, "F", 0, "combined, common, json or csv (timestamp,method,url);\n"
     "default: detected from the first line", "Log"},
    {"log-format", 0, "S", 0, "an nginx log_format, e.g. '$msec $request_time \"$request\" $status'", 0},
    {"from", 0, "T", 0, "window start: epoch, ISO-8601 or HH:MM[:SS] in the log's zone", 0},
    {"to", 0, "T", 0, "window end, as --from", 0},
    {"strict", 0, NULL, 0, "a line that does not parse is an error (default: skipped,\n"
     "counted and warned about)", 0},
    {"speed", 0, "F", 0, "F recorded seconds per second (default 1)", "Replay"},
    {"scale", 0, "F", 0, "traffic x F: extra arrivals from the same second's mix\n"
     "(F >= 1), or each line kept with probability F (F < 1)", 0},
    {"map", 0, "'GLOB=SUB'", 0, "tag requests whose path matches GLOB as subsystem SUB\n"
     "(repeatable; 'POST /cart/*=cart' limits the method)", 0},
    {"scenario", 0, "FILE", 0, "tag by this scenario's endpoints; its subsystems, SLOs,\n"
     "gates, headers, bodies and target apply", 0},
    {"target", 0, "URL", 0, "where to send (default: the scenario's, else the testbed)", 0},
    {"header", 'H', "'K: V'", 'H', "added to every request (repeatable)", 0},
    {"body", 0, "@FILE|TEXT", 0, "body template for POST/PUT/PATCH (logs hold no bodies;\n"
     "without one they are skipped and counted)", 0},
    {"max-duration", 0, "DUR", 0, "a piped log's run is at most DUR (default 1h)", 0},
    {"connections", 'c', "N", 'c', "connection cap (default 64)", "Engine"},
    {"threads", 0, "N", 0, "generator threads", 0},
    {"timeout", 0, "DUR", 0, "per request", 0},
    {"max-in-flight", 0, "N", 0, "requests outstanding at most", 0},
    {"max-loop-lag", 0, "DUR", 0, "loop lag bound (generator-limited above it)", 0},
    {"send-batch", 0, "DUR", 0, "send due arrivals in batches every DUR (as crest run)", 0},
    {"grace", 0, "DUR", 0, "time given to requests in flight at the end", 0},
    {"seed", 0, "N", 0, "random seed", 0},
    {"quiet", 0, NULL, 0, "no live progress", 0},
    {"out", 0, "FILE", 0, "results.json", "Output and gates"},
    {"replay-out", 0, "FILE", 0, "replay.json (default: replay.json beside --out)", 0},
    {"threshold", 0, "EXPR", 0, "gate, repeatable (as crest run)", 0},
    {"to-scenario", 0, NULL, 0, "derive a scenario instead of replaying", "To scenario"},
    {"output", 'o', "FILE", 'o', "the scenario (its profile CSV goes beside it)", 0},
    {"phase", 0, "DUR", 0, "phase length for the endpoint mix (default: 10 phases)", 0},
    {"help", 'h', NULL, 'h', "this help", 0},
};

const cli_command replay_command = {
    .name = "replay",
    .summary = "replay a recorded access log (or derive a scenario from it)",
    .synopsis = "crest replay LOG [--target URL] [options]     (LOG '-' reads stdin)\n"
                "crest replay --to-scenario LOG -o SCENARIO.json [--map ...] [--phase D]",
    .options = replay_cli_options,
    .noptions = sizeof replay_cli_options / sizeof replay_cli_options[0],
    .footer = "exit: 0 done, 1 a gate failed, 2 bad usage or log, 3 could not run/inconclusive",
    .positional = "file",
};

enum { OPT_OUT = ROPT_NEXT, OPT_REPLAY_OUT, OPT_THRESHOLD, OPT_TO_SCENARIO, OPT_PHASE, OPT_HELP };

static const struct option long_opts[] = {
    REPLAY_LONG_OPTIONS,
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
    replay_flags f;
    const char *thresholds[REPLAY_MAX_LIST];
    size_t nthresholds;
    const char *out, *replay_out, *output;
    int to_scenario;
    double phase_s;
} replay_args;

static int parse_args(int argc, char **argv, replay_args *a)
{
    memset(a, 0, sizeof *a);
    replay_flags_init(&a->f);
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:H:o:h", long_opts, NULL)) != -1) {
        int r = replay_flags_parse(c, optarg, &a->f);
        if (r < 0)
            return -1;
        if (r > 0)
            continue;
        switch (c) {
        case OPT_OUT: a->out = optarg; break;
        case OPT_REPLAY_OUT: a->replay_out = optarg; break;
        case OPT_THRESHOLD:
            if (option_push(a->thresholds, &a->nthresholds, REPLAY_MAX_LIST, "--threshold",
                            optarg) != 0)
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
    a->f.s.log = argv[optind++];
    if (optind < argc) {
        crest_error("unexpected argument '%s'; expected one LOG", argv[optind]);
        return -1;
    }
    if (a->to_scenario && !a->output) {
        crest_error("--to-scenario needs -o SCENARIO.json");
        return -1;
    }
    return replay_flags_finish(&a->f);
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
    replay_meta m = {.log = a->f.s.log, .format = s->have_fmt ? s->fmt.name : NULL,
                     .speed = s->o.speed, .scale = s->o.scale, .from = a->f.s.from, .to = a->f.s.to};
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

/* The directory of --out is created when missing (one level), as report does. */
static void make_parent_dir(const char *out)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", out);
    if (mkdir(dirname(dir), 0777) != 0 && errno != EEXIST)
        crest_warn("cannot create the directory of '%s': %s", out, strerror(errno));
}

/* Runs the session's plan; prints, judges and writes. */
static int run_replay(replay_args *a, replay_session *s, int argc, char **argv)
{
    testbed_process tb;
    int have_tb = embedded_target_start(s->plan, "replaying", a->f.eng.quiet, &tb);
    if (have_tb < 0)
        return CREST_EXIT_RUN;
    engine_install_signal_handlers();
    progress_attach(&a->f.eng);
    run_result r;
    int rc = engine_run(&a->f.eng, s->plan, &r);
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
    int exit_code = run_output_verdict(&r, failed, p->thresholds.count, NULL);
    make_parent_dir(a->out);
    if (a->out) {
        results_meta m = {.command = argc ? argv[0] : "replay", .scenario = a->f.s.plan.scenario,
                          .connections = a->f.eng.connections, .timeout_s = a->f.eng.timeout_s,
                          .secret_headers = (const char *const *)p->secret_headers,
                          .nsecret = p->nsecret, .thresholds = th,
                          .nthresholds = p->thresholds.count};
        exit_code = run_output_write(a->out, results_to_json(&r, &m), NULL, exit_code);
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
        cli_print_help(stdout, &replay_command);
        return CREST_EXIT_OK;
    }
    if (pr != 0) {
        replay_flags_free(&a.f);
        return CREST_EXIT_USAGE;
    }
    if (a.to_scenario) {
        replay_scenario_options so = {.session = a.f.s, .output = a.output, .phase_s = a.phase_s};
        int rc = replay_scenario_derive(&so);
        if (rc == CREST_EXIT_OK)
            printf("crest: wrote %s (check it with: crest validate %s)\n", a.output, a.output);
        replay_flags_free(&a.f);
        return rc;
    }
    replay_session s;
    int rc = replay_session_open(&a.f.s, &s);
    if (rc == CREST_EXIT_OK && add_gates(s.plan, &a) != 0)
        rc = CREST_EXIT_USAGE;
    if (rc == CREST_EXIT_OK)
        rc = run_replay(&a, &s, argc, argv);
    if (s.plan || s.feed)
        replay_session_close(&s);
    replay_flags_free(&a.f);
    return rc;
}

/* cmd_drill.c: `crest drill`, the main job. Runs the stages of a capacity drill
 * in order, each as a child `crest <stage>` process writing its file into
 * the output directory (so any stage can be re-run alone, and a crash or a
 * signal in one stage cannot corrupt another's state):
 *
 *   search   -> DIR/capacity.json   per-subsystem capacity under its SLO
 *   run      -> DIR/results.json    the festival replay of the scenario
 *   forecast -> DIR/forecast.json   the history projected to the festival
 *   plan     -> DIR/plan.json       demand vs capacity, shortfalls flagged
 *   report   -> DIR/index.html, summary.txt, junit.xml, timeseries.csv
 *
 * With no target, one embedded testbed serves every stage. The exit code is
 * the plan's (0 ok, 1 shortfall, 3 inconclusive), or 2/3 when a stage could
 * not run at all. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/observe_options.h"
#include "cli/optable.h"
#include "cli/options.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/outpath.h"
#include "reports/verdict.h"
#include "common/jsonio.h"
#include "loadgen/results.h"

#include "testbed/embed.h"

#define DRILL_MAX_ARGS 64

typedef struct drill_args {
    const char *scenario;
    const char *history;
    const char *out_dir;
    const char *target;
    const char *testbed_config;
    const char *forecast_args[16]; /* passed through to `crest forecast` */
    int nforecast_args;
    const char *search_args[16];   /* passed through to `crest search` */
    int nsearch_args;
    const char *plan_args[16];     /* passed through to `crest plan` */
    int nplan_args;
    const char *time_column;       /* forecast --time */
    const char *value_column;      /* forecast --value, plan --metric */
    const char *at;                /* forecast --at */
    const char *events[8];         /* forecast --event */
    int nevents;
    const char *peak_factor;       /* plan --peak-factor */
    int skip_replay;
    int quiet;                     /* --quiet to the search and the replay */
    const char *threads;           /* --threads to the search and the replay */
    const char *replay_results;    /* --results: the replay ran elsewhere (a fleet) */
    char observe_args[16][1100];   /* --scrape=..., --metrics-listen=...: to search and replay */
    int nobserve_args;
    observe_options obs;           /* the same, parsed: checked before any stage runs */
} drill_args;

typedef struct argv_builder {
    char *argv[DRILL_MAX_ARGS + 1];
    int argc;
    char storage[DRILL_MAX_ARGS][1100];
} argv_builder;

static volatile sig_atomic_t drill_interrupted;

static void on_signal(int sig)
{
    (void)sig;
    drill_interrupted = 1; /* the stage child got the signal too and saves its work */
}

static void argv_add(argv_builder *b, const char *fmt, const char *value)
{
    if (b->argc >= DRILL_MAX_ARGS)
        return;
    snprintf(b->storage[b->argc], sizeof b->storage[b->argc], fmt, value);
    b->argv[b->argc] = b->storage[b->argc];
    b->argc++;
    b->argv[b->argc] = NULL;
}

static void argv_add_all(argv_builder *b, const char *const *values, int n)
{
    for (int i = 0; i < n; i++)
        argv_add(b, "%s", values[i]);
}

/* The replay measured elsewhere (a fleet's merged results): checked, then
 * copied to DIR/results.json, where the plan and the report read it. */
static int use_results(const char *from, const char *to)
{
    run_result r;
    if (results_read(from, &r) != 0)
        return CREST_EXIT_USAGE;
    printf("\n== festival replay: from %s (%llu scheduled, %llu ok, %.0f s)\n", from,
           (unsigned long long)r.total.c.scheduled, (unsigned long long)r.total.c.ok,
           r.duration_s);
    run_result_free(&r);
    size_t len = 0;
    char *text = jsonio_slurp(from, &len);
    if (!text)
        return CREST_EXIT_USAGE;
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp", to);
    FILE *f = fopen(tmp, "w");
    int ok = f && fwrite(text, 1, len, f) == len;
    ok = (f && fclose(f) == 0) && ok && rename(tmp, to) == 0;
    free(text);
    if (!ok) {
        crest_error("%s: cannot write: %s", to, strerror(errno));
        return CREST_EXIT_RUN;
    }
    return CREST_EXIT_OK;
}

enum {
    OPT_HISTORY = 256, OPT_TARGET, OPT_TESTBED_CONFIG, OPT_FORECAST_ARG, OPT_SEARCH_ARG,
    OPT_PLAN_ARG, OPT_NO_REPLAY, OPT_RESULTS, OPT_TIME, OPT_VALUE, OPT_AT, OPT_EVENT, OPT_PEAK_FACTOR
};

static const cli_option drill_options[] = {
    {"history", 0, "FILE.csv", OPT_HISTORY, "history to forecast (required)", 0},
    {"out", 'o', "DIR", 'o', "where every stage writes its file (required; checked first)", 0},
    {"target", 0, "URL", OPT_TARGET, "system under test (default: the embedded testbed)", 0},
    {"testbed-config", 0, "FILE", OPT_TESTBED_CONFIG, "configuration of the embedded testbed", 0},
    {"time", 0, "COL", OPT_TIME, "history's time column (forecast --time)", 0},
    {"value", 0, "COL", OPT_VALUE, "metric to forecast and plan with (forecast --value,\n"
     "plan --metric), e.g. pv", 0},
    {"at", 0, "DATE", OPT_AT, "the festival day (forecast --at), e.g. 2026-11-11", 0},
    {"event", 0, "MM-DD", OPT_EVENT, "a recurring festival day (forecast --event, repeatable)", 0},
    {"peak-factor", 0, "F", OPT_PEAK_FACTOR,
     "busiest second over the day's mean (plan --peak-factor)", 0},
    {"threads", 't', "N", 't', "generator threads for the search and the replay", 0},
    {"quiet", 'q', NULL, 'q', "no live progress in the stages", 0},
    {"forecast-arg", 0, "ARG", OPT_FORECAST_ARG, "pass ARG to `crest forecast` (repeatable),\n"
     "e.g. --forecast-arg=--at --forecast-arg=2026-11-11", 0},
    {"search-arg", 0, "ARG", OPT_SEARCH_ARG, "pass ARG to `crest search` (repeatable)", 0},
    {"plan-arg", 0, "ARG", OPT_PLAN_ARG, "pass ARG to `crest plan` (repeatable)", 0},
    {"no-replay", 0, NULL, OPT_NO_REPLAY, "skip the festival replay", 0},
    {"results", 0, "FILE", OPT_RESULTS, "the festival replay's results.json, measured elsewhere\n"
     "(e.g. `crest merge` of a fleet run): used instead of\nreplaying here (docs/fleet.md)", 0},
    OBSERVE_CLI_SCRAPE("scrape a Prometheus endpoint during search and replay\n"
                       "(repeatable; the embedded testbed's /metrics always)"),
    {"help", 'h', NULL, 'h', "this help", 0},
};

const cli_command drill_command = {
    .name = "drill",
    .summary = "search, replay, forecast, plan and report in one go",
    .synopsis = "crest drill SCENARIO.json --history FILE.csv -o DIR [options]",
    .description = "Runs the capacity search of every subsystem (and the full-link mix), the "
                   "festival\nreplay of the scenario, the forecast of the history, the plan "
                   "and the report.",
    .options = drill_options,
    .noptions = sizeof drill_options / sizeof drill_options[0],
    .footer = "The exit code is the report's overall verdict: 0 PASS or TIGHT, 1 FAIL (a\n"
              "shortfall, a failed replay threshold), 2 bad input, 3 INCONCLUSIVE or a stage\n"
              "that could not run.",
    .positional = "file",
};

static int push_arg(const char **list, int *n, int cap, const char *flag, const char *v)
{
    size_t k = (size_t)*n;
    int rc = option_push(list, &k, (size_t)cap, flag, v);
    *n = (int)k;
    return rc;
}

/* --scrape and --metrics-listen: checked here, passed on to the stages. */
static int observe_pass_on(int c, const char *v, drill_args *a)
{
    if (observe_flag(&a->obs, c, v) != 0)
        return -1;
    if (a->nobserve_args == 16) {
        crest_error("--scrape, --metrics-listen: at most 16 in all");
        return -1;
    }
    snprintf(a->observe_args[a->nobserve_args++], sizeof a->observe_args[0], "--%s=%s",
             c == OBSERVE_OPT_SCRAPE ? "scrape" : "metrics-listen", v);
    return 0;
}

/* One flag into A: 0, or -1 (printed). */
static int drill_flag(int c, const char *v, drill_args *a)
{
    switch (c) {
    case OBSERVE_OPT_SCRAPE:
    case OBSERVE_OPT_METRICS_LISTEN: return observe_pass_on(c, v, a);
    case OPT_HISTORY: a->history = v; return 0;
    case 'o': a->out_dir = v; return 0;
    case OPT_TARGET: a->target = v; return 0;
    case OPT_TESTBED_CONFIG: a->testbed_config = v; return 0;
    case OPT_NO_REPLAY: a->skip_replay = 1; return 0;
    case OPT_RESULTS: a->replay_results = v; return 0;
    case OPT_TIME: a->time_column = v; return 0;
    case OPT_VALUE: a->value_column = v; return 0;
    case OPT_AT: a->at = v; return 0;
    case OPT_PEAK_FACTOR: a->peak_factor = v; return 0;
    case 'q': a->quiet = 1; return 0;
    case 't': {
        long n;
        if (option_count("-t/--threads", v, 1, 4096, &n) != 0)
            return -1;
        a->threads = v;
        return 0;
    }
    case OPT_EVENT: return push_arg(a->events, &a->nevents, 8, "--event", v);
    case OPT_FORECAST_ARG:
        return push_arg(a->forecast_args, &a->nforecast_args, 16, "--forecast-arg", v);
    case OPT_SEARCH_ARG: return push_arg(a->search_args, &a->nsearch_args, 16, "--search-arg", v);
    case OPT_PLAN_ARG: return push_arg(a->plan_args, &a->nplan_args, 16, "--plan-arg", v);
    default: return -1;
    }
}

static int parse_args(int argc, char **argv, drill_args *a)
{
    struct option longs[CLI_MAX_OPTIONS + 1];
    char shorts[64];
    cli_getopt_spec(&drill_command, ":", longs, shorts, sizeof shorts);
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        if (c == 'h') {
            cli_print_help(stdout, &drill_command);
            return -2;
        }
        if (c == ':' || c == '?')
            return cli_bad_option(&drill_command, c, argc, argv);
        if (drill_flag(c, optarg, a) != 0)
            return -1;
    }
    if (optind + 1 != argc) {
        crest_error("drill: expected exactly one SCENARIO.json argument");
        return -1;
    }
    a->scenario = argv[optind];
    if (!a->history || !a->out_dir) {
        crest_error("drill: --history FILE.csv and -o/--out DIR are required");
        return -1;
    }
    return outpath_check_dir("-o/--out", a->out_dir);
}

/* Runs `crest ARGV...` (this binary) and returns its exit code, or
 * CREST_EXIT_RUN when it could not be started or died by a signal. */
static int run_stage(const char *name, argv_builder *b)
{
    printf("\n=== drill: %s ===\n", name);
    fflush(stdout);
    double started = clock_now_s();
    pid_t pid = fork();
    if (pid < 0) {
        crest_error("drill: cannot start stage %s: %s", name, strerror(errno));
        return CREST_EXIT_RUN;
    }
    if (pid == 0) {
        execv("/proc/self/exe", b->argv);
        crest_error("cannot exec stage %s: %s", name, strerror(errno));
        _exit(CREST_EXIT_RUN);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            crest_error("drill: lost stage %s: %s", name, strerror(errno));
            return CREST_EXIT_RUN;
        }
    }
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : CREST_EXIT_RUN;
    printf("=== drill: %s finished in %.1fs (exit %d) ===\n", name, clock_now_s() - started, rc);
    fflush(stdout);
    return rc;
}

/* Prints the plan's table (the shortfalls) and the overall verdict from the
 * report's summary.txt, so the drill ends with its answer on the terminal. */
static void print_verdict(const char *summary_path)
{
    FILE *f = fopen(summary_path, "r");
    if (!f)
        return;
    char line[2048];
    int in_plan = 0;
    printf("\n");
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "Plan (", 6) == 0)
            in_plan = 1;
        if (in_plan || strncmp(line, "Overall verdict", 15) == 0)
            fputs(line, stdout);
        if (in_plan && strstr(line, "plan verdict:"))
            in_plan = 0;
    }
    fclose(f);
}

static void stage_argv(argv_builder *b, const char *stage)
{
    memset(b, 0, sizeof *b);
    argv_add(b, "%s", "crest");
    argv_add(b, "%s", stage);
}

/* The files of a drill, all in the output directory. */
typedef struct drill_paths {
    char capacity[1024], results[1024], forecast[1024], plan[1024], summary[1024];
} drill_paths;

/* The stage exit codes; -1 for a stage not run. */
typedef struct drill_codes {
    int search, replay, forecast, plan, report;
} drill_codes;

/* What the search and the replay share: target, threads, quiet. */
/* TESTBED_URL: the embedded testbed's, whose own /metrics is then scraped
 * beside latency; NULL for a target of the user's. */
static void add_load_flags(argv_builder *b, const drill_args *a, const char *target,
                           const char *testbed_url)
{
    argv_add(b, "--target=%s", target);
    if (a->threads)
        argv_add(b, "--threads=%s", a->threads);
    if (a->quiet)
        argv_add(b, "%s", "--quiet");
    if (testbed_url)
        argv_add(b, "--scrape=testbed=%s/metrics", testbed_url);
    for (int i = 0; i < a->nobserve_args; i++)
        argv_add(b, "%s", a->observe_args[i]);
}

/* Search and replay, on TARGET. */
static void run_load_stages(const drill_args *a, const char *target, const char *testbed_url,
                            const drill_paths *p, drill_codes *rc)
{
    argv_builder b;
    stage_argv(&b, "search");
    argv_add(&b, "%s", a->scenario);
    add_load_flags(&b, a, target, testbed_url);
    argv_add(&b, "--out=%s", p->capacity);
    argv_add_all(&b, a->search_args, a->nsearch_args);
    rc->search = run_stage("capacity search", &b);
    if (!drill_interrupted && a->replay_results) {
        rc->replay = use_results(a->replay_results, p->results);
        return;
    }
    if (drill_interrupted || a->skip_replay)
        return;
    stage_argv(&b, "run");
    argv_add(&b, "%s", a->scenario);
    add_load_flags(&b, a, target, testbed_url);
    argv_add(&b, "--out=%s", p->results);
    rc->replay = run_stage("festival replay", &b);
}

static void run_forecast_plan(const drill_args *a, const drill_paths *p, drill_codes *rc)
{
    argv_builder b;
    if (drill_interrupted)
        return;
    stage_argv(&b, "forecast");
    argv_add(&b, "%s", a->history);
    argv_add(&b, "--out=%s", p->forecast);
    if (a->time_column)
        argv_add(&b, "--time=%s", a->time_column);
    if (a->value_column)
        argv_add(&b, "--value=%s", a->value_column);
    if (a->at)
        argv_add(&b, "--at=%s", a->at);
    for (int i = 0; i < a->nevents; i++)
        argv_add(&b, "--event=%s", a->events[i]);
    argv_add_all(&b, a->forecast_args, a->nforecast_args);
    rc->forecast = run_stage("forecast", &b);
    if (drill_interrupted || rc->forecast != CREST_EXIT_OK || access(p->capacity, R_OK) != 0)
        return;
    stage_argv(&b, "plan");
    argv_add(&b, "--forecast=%s", p->forecast);
    argv_add(&b, "--capacity=%s", p->capacity);
    argv_add(&b, "--scenario=%s", a->scenario);
    argv_add(&b, "--out=%s", p->plan);
    if (a->value_column)
        argv_add(&b, "--metric=%s", a->value_column);
    if (a->peak_factor)
        argv_add(&b, "--peak-factor=%s", a->peak_factor);
    argv_add_all(&b, a->plan_args, a->nplan_args);
    rc->plan = run_stage("plan", &b);
}

/* The verdict the report printed, recomputed from the same files by the
 * same function (reports/verdict.c), so the exit code cannot disagree
 * with "Overall verdict". -1 when the inputs cannot be read. */
static int report_level(const char *dir)
{
    report_inputs in;
    char *args[1] = {(char *)dir};
    memset(&in, 0, sizeof in);
    int level = -1;
    if (report_inputs_load(&in, args, 1) == 0) {
        rep_verdict v;
        report_verdict(&in, &v);
        level = (int)v.level;
    }
    report_inputs_free(&in);
    return level;
}

/* The drill's exit code: bad input first, then the overall verdict (FAIL
 * 1, INCONCLUSIVE 3), then a stage that could not run (3), else 0. */
static int drill_exit(const drill_args *a, const drill_codes *rc)
{
    if (drill_interrupted) {
        crest_error("drill: interrupted; results so far are in %s", a->out_dir);
        return CREST_EXIT_RUN;
    }
    if (rc->forecast == CREST_EXIT_USAGE || rc->search == CREST_EXIT_USAGE ||
        rc->replay == CREST_EXIT_USAGE || rc->plan == CREST_EXIT_USAGE)
        return CREST_EXIT_USAGE;
    int level = rc->report == CREST_EXIT_OK ? report_level(a->out_dir) : -1;
    if (level == REP_LEVEL_FAIL)
        return CREST_EXIT_GATE;
    if (level == REP_LEVEL_INCONCLUSIVE || level < 0)
        return CREST_EXIT_RUN;
    if (rc->plan != CREST_EXIT_OK && rc->plan != CREST_EXIT_GATE) {
        crest_error("drill: the plan could not be made (exit %d): inconclusive", rc->plan);
        return CREST_EXIT_RUN;
    }
    return CREST_EXIT_OK;
}

static int check_inputs(const drill_args *a)
{
    if (access(a->scenario, R_OK) != 0) {
        crest_error("drill: cannot read scenario '%s': %s", a->scenario, strerror(errno));
        return -1;
    }
    if (access(a->history, R_OK) != 0) {
        crest_error("drill: cannot read history '%s': %s", a->history, strerror(errno));
        return -1;
    }
    if (strlen(a->out_dir) > 900 || strlen(a->scenario) > 1000 || strlen(a->history) > 1000) {
        crest_error("drill: paths longer than 900 characters are not supported");
        return -1;
    }
    return 0;
}

int cmd_drill(int argc, char **argv)
{
    drill_args a = {0};
    observe_options_init(&a.obs);
    int prc = parse_args(argc, argv, &a);
    if (prc == -2)
        return CREST_EXIT_OK;
    if (prc != 0 || check_inputs(&a) != 0)
        return CREST_EXIT_USAGE;
    if (mkdir(a.out_dir, 0755) != 0 && errno != EEXIST) {
        crest_error("drill: cannot create '%s': %s", a.out_dir, strerror(errno));
        return CREST_EXIT_USAGE;
    }
    /* Validate first, against the target the drill will use: a broken
     * scenario must fail before any traffic. */
    argv_builder b;
    stage_argv(&b, "validate");
    argv_add(&b, "%s", a.scenario);
    if (a.target)
        argv_add(&b, "--target=%s", a.target);
    if (a.quiet)
        argv_add(&b, "%s", "--quiet");
    int rc = run_stage("validate", &b);
    if (rc != CREST_EXIT_OK)
        return rc;

    if (a.replay_results) {   /* bad input stops the drill before any traffic */
        run_result check;
        if (results_read(a.replay_results, &check) != 0)
            return CREST_EXIT_USAGE;
        run_result_free(&check);
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    drill_paths p;
    snprintf(p.capacity, sizeof p.capacity, "%s/capacity.json", a.out_dir);
    snprintf(p.results, sizeof p.results, "%s/results.json", a.out_dir);
    snprintf(p.forecast, sizeof p.forecast, "%s/forecast.json", a.out_dir);
    snprintf(p.plan, sizeof p.plan, "%s/plan.json", a.out_dir);
    snprintf(p.summary, sizeof p.summary, "%s/summary.txt", a.out_dir);
    drill_codes codes = {-1, -1, -1, -1, -1};

    testbed_process tb = {0};
    const char *target = a.target;
    if (!target) {
        if (testbed_spawn(a.testbed_config, &tb) != 0)
            return CREST_EXIT_RUN;
        printf("drill: embedded testbed at %s\n", tb.url);
        target = tb.url;
    }
    run_load_stages(&a, target, tb.pid ? tb.url : NULL, &p, &codes);
    testbed_stop(&tb);
    run_forecast_plan(&a, &p, &codes);

    /* The report is written whatever happened before: partial results are
     * still worth reading, and the report says what is missing. */
    stage_argv(&b, "report");
    argv_add(&b, "%s", a.out_dir);
    argv_add(&b, "--out=%s", a.out_dir);
    codes.report = run_stage("report", &b);
    if (codes.report == CREST_EXIT_OK)
        print_verdict(p.summary);

    printf("\ndrill: stages: search %d, replay %d, forecast %d, plan %d, report %d "
           "(-1: not run)\n", codes.search, codes.replay, codes.forecast, codes.plan,
           codes.report);
    printf("drill: report at %s/index.html (summary: %s)\n", a.out_dir, p.summary);
    return drill_exit(&a, &codes);
}

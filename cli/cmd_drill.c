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
#include "common/clock.h"
#include "common/error.h"
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
    const char *observe_args[16];  /* --scrape, --metrics-listen: to search and replay */
    int nobserve_args;
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

static void usage(FILE *out)
{
    fprintf(out,
            "usage: crest drill SCENARIO.json --history FILE.csv --out DIR [options]\n"
            "\n"
            "Runs the capacity search of every subsystem (and the full-link mix), the festival\n"
            "replay of the scenario, the forecast of the history, the plan and the report.\n"
            "\n"
            "  --history FILE.csv      history to forecast (required)\n"
            "  --out DIR               where every stage writes its file (required)\n"
            "  --target URL            system under test (default: the embedded testbed)\n"
            "  --testbed-config FILE   configuration of the embedded testbed\n"
            "  --time COL              history's time column (forecast --time)\n"
            "  --value COL             metric to forecast and plan with (forecast --value,\n"
            "                          plan --metric), e.g. pv\n"
            "  --at DATE               the festival day (forecast --at), e.g. 2026-11-11\n"
            "  --event MM-DD           a recurring festival day (forecast --event, repeatable)\n"
            "  --peak-factor F         busiest second over the day's mean (plan --peak-factor)\n"
            "  --forecast-arg ARG      pass ARG to `crest forecast` (repeatable),\n"
            "                          e.g. --forecast-arg=--at --forecast-arg=2026-11-11\n"
            "  --search-arg ARG        pass ARG to `crest search` (repeatable)\n"
            "  --plan-arg ARG          pass ARG to `crest plan` (repeatable)\n"
            "  --no-replay             skip the festival replay\n"
            "  --scrape [NAME=]URL     scrape a Prometheus endpoint during search and replay\n"
            "                          (repeatable; the embedded testbed's /metrics always)\n"
            "  --metrics-listen ADDR:PORT  crest's live metrics during search and replay\n"
            "\n"
            "exit: 0 every subsystem covers the peak, 1 a shortfall, 2 bad input,\n"
            "      3 could not run or inconclusive (generator-limited capacity)\n");
}

static int parse_args(int argc, char **argv, drill_args *a)
{
    static const struct option options[] = {
        {"history", required_argument, NULL, 'H'},
        {"out", required_argument, NULL, 'o'},
        {"target", required_argument, NULL, 't'},
        {"testbed-config", required_argument, NULL, 'T'},
        {"forecast-arg", required_argument, NULL, 'F'},
        {"search-arg", required_argument, NULL, 'S'},
        {"plan-arg", required_argument, NULL, 'P'},
        {"no-replay", no_argument, NULL, 'n'},
        {"time", required_argument, NULL, 'm'},
        {"value", required_argument, NULL, 'v'},
        {"at", required_argument, NULL, 'a'},
        {"event", required_argument, NULL, 'e'},
        {"peak-factor", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {"scrape", required_argument, NULL, 's'},
        {"metrics-listen", required_argument, NULL, 'M'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
        if ((c == 's' || c == 'M') && a->nobserve_args < 15) {
            static char flags[16][1100];   /* "--scrape=URL": the stages parse them */
            snprintf(flags[a->nobserve_args], sizeof flags[0], "--%s=%s",
                     c == 's' ? "scrape" : "metrics-listen", optarg);
            a->observe_args[a->nobserve_args] = flags[a->nobserve_args];
            a->nobserve_args++;
            continue;
        }
        switch (c) {
        case 'H': a->history = optarg; break;
        case 'o': a->out_dir = optarg; break;
        case 't': a->target = optarg; break;
        case 'T': a->testbed_config = optarg; break;
        case 'n': a->skip_replay = 1; break;
        case 'm': a->time_column = optarg; break;
        case 'v': a->value_column = optarg; break;
        case 'a': a->at = optarg; break;
        case 'p': a->peak_factor = optarg; break;
        case 'e':
            if (a->nevents < 8)
                a->events[a->nevents++] = optarg;
            break;
        case 'F':
            if (a->nforecast_args < 16)
                a->forecast_args[a->nforecast_args++] = optarg;
            break;
        case 'S':
            if (a->nsearch_args < 16)
                a->search_args[a->nsearch_args++] = optarg;
            break;
        case 'P':
            if (a->nplan_args < 16)
                a->plan_args[a->nplan_args++] = optarg;
            break;
        case 'h': usage(stdout); return -2;
        default: usage(stderr); return -1;
        }
    }
    if (optind + 1 != argc) {
        crest_error("drill: expected exactly one SCENARIO.json argument");
        return -1;
    }
    a->scenario = argv[optind];
    if (!a->history || !a->out_dir) {
        crest_error("drill: --history FILE.csv and --out DIR are required");
        return -1;
    }
    return 0;
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

int cmd_drill(int argc, char **argv)
{
    drill_args a = {0};
    int prc = parse_args(argc, argv, &a);
    if (prc == -2)
        return CREST_EXIT_OK;
    if (prc != 0)
        return CREST_EXIT_USAGE;
    if (access(a.scenario, R_OK) != 0) {
        crest_error("drill: cannot read scenario '%s': %s", a.scenario, strerror(errno));
        return CREST_EXIT_USAGE;
    }
    if (access(a.history, R_OK) != 0) {
        crest_error("drill: cannot read history '%s': %s", a.history, strerror(errno));
        return CREST_EXIT_USAGE;
    }
    if (strlen(a.out_dir) > 900 || strlen(a.scenario) > 1000 || strlen(a.history) > 1000) {
        crest_error("drill: paths longer than 900 characters are not supported");
        return CREST_EXIT_USAGE;
    }
    if (strlen(a.out_dir) > 900 || strlen(a.scenario) > 1000 || strlen(a.history) > 1000) {
        crest_error("drill: paths longer than 900 characters are not supported");
        return CREST_EXIT_USAGE;
    }
    if (mkdir(a.out_dir, 0755) != 0 && errno != EEXIST) {
        crest_error("drill: cannot create '%s': %s", a.out_dir, strerror(errno));
        return CREST_EXIT_RUN;
    }

    /* Validate first: a broken scenario must fail before any traffic. */
    argv_builder b;
    stage_argv(&b, "validate");
    argv_add(&b, "%s", a.scenario);
    int rc = run_stage("validate", &b);
    if (rc != CREST_EXIT_OK)
        return rc;

    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    testbed_process tb = {0};
    const char *target = a.target;
    if (!target) {
        if (testbed_spawn(a.testbed_config, &tb) != 0)
            return CREST_EXIT_RUN;
        printf("drill: embedded testbed at %s\n", tb.url);
        target = tb.url;
    }

    char capacity[1024], results[1024], forecast[1024], plan[1024];
    snprintf(capacity, sizeof capacity, "%s/capacity.json", a.out_dir);
    snprintf(results, sizeof results, "%s/results.json", a.out_dir);
    snprintf(forecast, sizeof forecast, "%s/forecast.json", a.out_dir);
    snprintf(plan, sizeof plan, "%s/plan.json", a.out_dir);

    int search_rc, run_rc = CREST_EXIT_OK, forecast_rc, plan_rc = CREST_EXIT_RUN, report_rc;
    stage_argv(&b, "search");
    argv_add(&b, "%s", a.scenario);
    argv_add(&b, "--target=%s", target);
    argv_add(&b, "--out=%s", capacity);
    if (tb.pid)   /* the embedded testbed's own metrics beside latency */
        argv_add(&b, "--scrape=testbed=%s/metrics", tb.url);
    argv_add_all(&b, a.observe_args, a.nobserve_args);
    argv_add_all(&b, a.search_args, a.nsearch_args);
    search_rc = run_stage("capacity search", &b);

    if (!drill_interrupted && !a.skip_replay) {
        stage_argv(&b, "run");
        argv_add(&b, "%s", a.scenario);
        argv_add(&b, "--target=%s", target);
        argv_add(&b, "--out=%s", results);
        if (tb.pid)
            argv_add(&b, "--scrape=testbed=%s/metrics", tb.url);
        argv_add_all(&b, a.observe_args, a.nobserve_args);
        run_rc = run_stage("festival replay", &b);
    }
    testbed_stop(&tb);

    forecast_rc = CREST_EXIT_RUN;
    if (!drill_interrupted) {
        stage_argv(&b, "forecast");
        argv_add(&b, "%s", a.history);
        argv_add(&b, "--out=%s", forecast);
        if (a.time_column)
            argv_add(&b, "--time=%s", a.time_column);
        if (a.value_column)
            argv_add(&b, "--value=%s", a.value_column);
        if (a.at)
            argv_add(&b, "--at=%s", a.at);
        for (int i = 0; i < a.nevents; i++)
            argv_add(&b, "--event=%s", a.events[i]);
        argv_add_all(&b, a.forecast_args, a.nforecast_args);
        forecast_rc = run_stage("forecast", &b);
    }
    if (!drill_interrupted && forecast_rc == CREST_EXIT_OK && access(capacity, R_OK) == 0) {
        stage_argv(&b, "plan");
        argv_add(&b, "--forecast=%s", forecast);
        argv_add(&b, "--capacity=%s", capacity);
        argv_add(&b, "--scenario=%s", a.scenario);
        argv_add(&b, "--out=%s", plan);
        if (a.value_column)
            argv_add(&b, "--metric=%s", a.value_column);
        if (a.peak_factor)
            argv_add(&b, "--peak-factor=%s", a.peak_factor);
        argv_add_all(&b, a.plan_args, a.nplan_args);
        plan_rc = run_stage("plan", &b);
    }

    /* The report is written whatever happened before: partial results are
     * still worth reading, and the report says what is missing. */
    stage_argv(&b, "report");
    argv_add(&b, "%s", a.out_dir);
    argv_add(&b, "--out=%s", a.out_dir);
    report_rc = run_stage("report", &b);

    char summary[1024];
    snprintf(summary, sizeof summary, "%s/summary.txt", a.out_dir);
    if (report_rc == CREST_EXIT_OK)
        print_verdict(summary);

    printf("\ndrill: stages: search %d, replay %d, forecast %d, plan %d, report %d\n", search_rc,
           run_rc, forecast_rc, plan_rc, report_rc);
    printf("drill: report at %s/index.html (summary: %s/summary.txt)\n", a.out_dir, a.out_dir);
    if (drill_interrupted) {
        crest_error("drill: interrupted; results so far are in %s", a.out_dir);
        return CREST_EXIT_RUN;
    }
    if (forecast_rc == CREST_EXIT_USAGE || search_rc == CREST_EXIT_USAGE)
        return CREST_EXIT_USAGE;
    if (plan_rc == CREST_EXIT_GATE || plan_rc == CREST_EXIT_OK)
        return plan_rc;
    return CREST_EXIT_RUN;
}

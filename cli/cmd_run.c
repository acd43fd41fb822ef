/* cmd_run.c: `crest run`: generate load and measure it, either ad hoc
 * (`--url` flags, built into a plan by adhoc.c) or from a scenario file
 * (scenario.c). Runs the plan on the engine, prints the summary, evaluates
 * the gates and writes results.json. A scenario without a target runs
 * against the embedded testbed, started here and stopped afterwards.
 *
 * Exit codes: 0 every gate passed; 1 a threshold failed or an abort rule
 * stopped the run; 2 bad usage or input; 3 could not run, was interrupted
 * (SIGINT/SIGTERM: the results so far are still written, marked
 * "interrupted"), or is inconclusive because the generator was the limit
 * (this wins over a pass and over a failure). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/progress.h"
#include "common/error.h"
#include "common/jsonio.h"
#include "common/units.h"
#include "loadgen/adhoc.h"
#include "loadgen/engine.h"
#include "loadgen/results.h"
#include "loadgen/run_verdict.h"
#include "loadgen/scenario.h"
#include "observe/session.h"
#include "reports/compare.h"
#include "testbed/embed.h"

#define MAX_LIST 64

static void usage(FILE *out)
{
    fprintf(out,
        "usage: crest run --url URL [options]\n"
        "       crest run SCENARIO.json [--target URL] [--only NAME]... [options]\n\n"
        "Load model (ad hoc):\n"
        "  -c, --connections N   closed loop: N connections, one request in flight each\n"
        "                        (default 64); open loop: the connection cap\n"
        "      --think D         closed loop: pause between an answer and the next request\n"
        "  -R, --rate R          open loop: R arrivals per second\n"
        "      --stages SPEC     open loop: DUR:RATE or DUR:FROM-TO, comma-separated\n"
        "                        (e.g. 30s:0-5000,60s:5000,10s:5000-20000)\n"
        "      --arrivals KIND   uniform (default) or poisson\n"
        "  -d, --duration D      how long (default 10s; --stages sets its own)\n"
        "      --warmup D        the first D of the timeline is not measured (default 0s)\n"
        "Request (ad hoc):\n"
        "      --url URL         http[s]://host[:port]/path?query\n"
        "  -X, --method M        default GET (POST with --body)\n"
        "  -H, --header 'K: V'   repeatable\n"
        "      --body @FILE|TEXT request body\n"
        "Scenario:\n"
        "      --target URL      override the scenario's target\n"
        "      --only NAME       keep only this subsystem (repeatable)\n"
        "Connection:\n"
        "      --timeout D       per request, connecting included (default 5s)\n"
        "      --http2           HTTP/2 (ALPN on https, prior knowledge on http)\n"
        "      --insecure        do not verify TLS certificates\n"
        "      --cacert F, --cert F, --key F   TLS files\n"
        "Generator:\n"
        "      --threads N       generator threads (default: number of cores)\n"
        "      --max-in-flight N requests outstanding at most; beyond: dropped (inconclusive)\n"
        "      --max-loop-lag D  loop lag p99 above D marks the run generator-limited (5ms)\n"
        "      --grace D         time given to requests in flight at the end (default 2s)\n"
        "      --seed N          random seed (default 1)\n"
        "Output and gates:\n"
        "      --out FILE        results.json (written also when interrupted or aborted)\n"
        "      --threshold EXPR  gate, repeatable: p99<250ms, errors<0.1%%, rate>1000,\n"
        "                        cart:p99<300ms (metrics p50 p90 p95 p99 p999 max mean\n"
        "                        errors shed rate dropped)\n"
        "      --abort EXPR      stop the run within a second once EXPR holds (errors>5%%)\n"
        "      --quiet           no live progress, one-line verdict\n"
        "      --baseline FILE   compare with an earlier results.json at the end; a real\n"
        "                        regression (beyond the allowance and significant) exits 1\n"
        "      --max-regression SPEC  allowance, e.g. 'p99=10%%,rate=5%%,errors=0.5%%'\n"
        OBSERVE_USAGE "\n"
        "exit: 0 all gates pass, 1 a gate failed or an abort rule fired, 2 bad usage,\n"
        "      3 could not run, interrupted, or inconclusive (generator-limited)\n");
}

enum {
    OPT_URL = 256, OPT_STAGES, OPT_ARRIVALS, OPT_THINK, OPT_BODY, OPT_TIMEOUT, OPT_THREADS,
    OPT_OUT, OPT_THRESHOLD, OPT_ABORT, OPT_QUIET, OPT_SEED, OPT_WARMUP, OPT_HTTP2,
    OPT_INSECURE, OPT_CACERT, OPT_CERT, OPT_KEY, OPT_MAX_INFLIGHT, OPT_MAX_LAG, OPT_GRACE,
    OPT_TARGET, OPT_ONLY, OPT_HELP, OPT_BASELINE, OPT_MAX_REGRESSION
};

static const struct option long_opts[] = {
    OBSERVE_LONG_OPTIONS,
    {"url", required_argument, NULL, OPT_URL},
    {"connections", required_argument, NULL, 'c'},
    {"duration", required_argument, NULL, 'd'},
    {"rate", required_argument, NULL, 'R'},
    {"stages", required_argument, NULL, OPT_STAGES},
    {"arrivals", required_argument, NULL, OPT_ARRIVALS},
    {"think", required_argument, NULL, OPT_THINK},
    {"method", required_argument, NULL, 'X'},
    {"header", required_argument, NULL, 'H'},
    {"body", required_argument, NULL, OPT_BODY},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"out", required_argument, NULL, OPT_OUT},
    {"threshold", required_argument, NULL, OPT_THRESHOLD},
    {"abort", required_argument, NULL, OPT_ABORT},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"seed", required_argument, NULL, OPT_SEED},
    {"warmup", required_argument, NULL, OPT_WARMUP},
    {"http2", no_argument, NULL, OPT_HTTP2},
    {"insecure", no_argument, NULL, OPT_INSECURE},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"cert", required_argument, NULL, OPT_CERT},
    {"key", required_argument, NULL, OPT_KEY},
    {"max-in-flight", required_argument, NULL, OPT_MAX_INFLIGHT},
    {"max-loop-lag", required_argument, NULL, OPT_MAX_LAG},
    {"grace", required_argument, NULL, OPT_GRACE},
    {"target", required_argument, NULL, OPT_TARGET},
    {"only", required_argument, NULL, OPT_ONLY},
    {"baseline", required_argument, NULL, OPT_BASELINE},
    {"max-regression", required_argument, NULL, OPT_MAX_REGRESSION},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

typedef struct run_args {
    adhoc_options adhoc;
    engine_options eng;
    const char *headers[MAX_LIST];
    const char *thresholds[MAX_LIST], *aborts[MAX_LIST], *only[MAX_LIST + 1];
    size_t nthresholds, naborts, nonly;
    const char *scenario, *target, *out;
    const char *baseline, *max_regression;
    int duration_set;
    observe_options obs;
} run_args;

static int bad(const char *flag, const char *value, const char *expected)
{
    crest_error("%s '%s': expected %s", flag, value, expected);
    return -1;
}

/* Parses ARGV into A. 0, 1 for --help, -1 on bad usage (printed). */
static int parse_args(int argc, char **argv, run_args *a)
{
    memset(a, 0, sizeof *a);
    engine_options_init(&a->eng);
    observe_options_init(&a->obs);
    a->adhoc.duration_s = 10;
    a->adhoc.connections = 64;
    long n;
    double d;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:d:R:X:H:h", long_opts, NULL)) != -1) {
        switch (c) {
        case OPT_URL: a->adhoc.url = optarg; break;
        case 'c':
            if (option_count("-c/--connections", optarg, 1, 1000000000L, &n) != 0)
                return -1;
            a->adhoc.connections = (int)n;
            a->eng.connections = (int)n;
            break;
        case 'd':
            if (option_duration("-d/--duration", optarg, 1, &a->adhoc.duration_s) != 0)
                return -1;
            a->duration_set = 1;
            break;
        case 'R':
            if (units_parse_double(optarg, &d) != 0 || d <= 0)
                return bad("-R/--rate", optarg, "a rate > 0 (requests per second)");
            a->adhoc.rate = d;
            break;
        case OPT_STAGES: a->adhoc.stages = optarg; break;
        case OPT_ARRIVALS:
            if (strcmp(optarg, "uniform") == 0)
                a->adhoc.poisson = 0;
            else if (strcmp(optarg, "poisson") == 0)
                a->adhoc.poisson = 1;
            else
                return bad("--arrivals", optarg, "uniform or poisson");
            break;
        case OPT_THINK:
            if (option_duration("--think", optarg, 1, &a->adhoc.think_s) != 0)
                return -1;
            break;
        case 'X': a->adhoc.method = optarg; break;
        case 'H':
            if (option_push(a->headers, &a->adhoc.nheaders, MAX_LIST, "-H/--header", optarg) != 0)
                return -1;
            break;
        case OPT_BODY: a->adhoc.body = optarg; break;
        case OPT_TIMEOUT:
            if (option_duration("--timeout", optarg, 1, &a->eng.timeout_s) != 0)
                return -1;
            if (a->eng.timeout_s < 0.001)
                return bad("--timeout", optarg, "at least 1ms");
            break;
        case OPT_THREADS:
            if (option_count("--threads", optarg, 1, 1000000000L, &n) != 0)
                return -1;
            a->eng.threads = (int)n;
            break;
        case OPT_OUT: a->out = optarg; break;
        case OPT_THRESHOLD:
            if (option_push(a->thresholds, &a->nthresholds, MAX_LIST, "--threshold", optarg) != 0)
                return -1;
            break;
        case OPT_ABORT:
            if (option_push(a->aborts, &a->naborts, MAX_LIST, "--abort", optarg) != 0)
                return -1;
            break;
        case OPT_QUIET: a->eng.quiet = 1; break;
        case OPT_SEED:
            if (option_count("--seed", optarg, 0, 1000000000L, &n) != 0)
                return -1;
            a->eng.seed = (uint64_t)n;
            break;
        case OPT_WARMUP:
            if (option_duration("--warmup", optarg, 1, &a->eng.warmup_s) != 0)
                return -1;
            break;
        case OPT_HTTP2: a->eng.http2 = 1; break;
        case OPT_INSECURE: a->eng.insecure = 1; break;
        case OPT_CACERT: a->eng.cacert = optarg; break;
        case OPT_CERT: a->eng.cert = optarg; break;
        case OPT_KEY: a->eng.key = optarg; break;
        case OPT_MAX_INFLIGHT:
            if (option_count("--max-in-flight", optarg, 1, 1000000000L, &n) != 0)
                return -1;
            a->eng.max_in_flight = (uint64_t)n;
            break;
        case OPT_MAX_LAG:
            if (option_duration("--max-loop-lag", optarg, 1, &d) != 0)
                return -1;
            a->eng.loop_lag_bound_ms = d * 1000;
            break;
        case OPT_GRACE:
            if (option_duration("--grace", optarg, 1, &a->eng.grace_s) != 0)
                return -1;
            break;
        case OPT_TARGET: a->target = optarg; break;
        case OPT_ONLY:
            if (option_push(a->only, &a->nonly, MAX_LIST, "--only", optarg) != 0)
                return -1;
            break;
        case OPT_BASELINE: a->baseline = optarg; break;
        case OPT_MAX_REGRESSION: a->max_regression = optarg; break;
        case 'h':
        case OPT_HELP: return 1;
        case ':':
            crest_error("option '%s' needs a value", argv[optind - 1]);
            return -1;
        default: {
            int taken = observe_option(&a->obs, c, optarg);
            if (taken == 0)
                break;
            if (taken < 0)
                return -1;
            crest_error("unknown option '%s' (see crest run --help)", argv[optind - 1]);
            return -1;
        }
        }
    }
    if (optind < argc)
        a->scenario = argv[optind++];
    if (optind < argc) {
        crest_error("unexpected argument '%s'; expected at most one SCENARIO.json", argv[optind]);
        return -1;
    }
    a->adhoc.headers = a->headers;
    if (a->scenario) {
        if (a->adhoc.url) {
            crest_error("give either --url or a SCENARIO.json, not both");
            return -1;
        }
        if (a->adhoc.rate > 0 || a->adhoc.stages || a->adhoc.nheaders || a->adhoc.body ||
            a->adhoc.method || a->duration_set || a->adhoc.think_s > 0) {
            crest_error("-R, --stages, -d, --think, -X, -H and --body describe ad hoc runs; "
                        "a scenario defines its own load and requests");
            return -1;
        }
    } else {
        if (!a->adhoc.url) {
            crest_error("nothing to run: give --url URL or a SCENARIO.json (crest run --help)");
            return -1;
        }
        if (a->target || a->nonly) {
            crest_error("--target and --only apply to scenarios");
            return -1;
        }
        if (a->adhoc.stages && a->duration_set) {
            crest_error("--stages sets the duration; drop -d");
            return -1;
        }
    }
    return 0;
}

/* Adds the command line's gates to the plan and checks every tag names a
 * subsystem of the plan. 0 or -1 (printed). */
static int add_gates(loadplan *p, const run_args *a)
{
    char err[256];
    for (size_t i = 0; i < a->nthresholds; i++)
        if (threshold_set_add(&p->thresholds, a->thresholds[i], err, sizeof err) != 0) {
            crest_error("--threshold: %s", err);
            return -1;
        }
    for (size_t i = 0; i < a->naborts; i++)
        if (threshold_set_add(&p->aborts, a->aborts[i], err, sizeof err) != 0) {
            crest_error("--abort: %s", err);
            return -1;
        }
    const threshold_set *sets[2] = {&p->thresholds, &p->aborts};
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < sets[s]->count; i++) {
            const threshold *t = &sets[s]->items[i];
            if (!t->tag[0])
                continue;
            size_t k;
            for (k = 0; k < p->nsubsystems; k++)
                if (strcmp(p->subsystems[k].name, t->tag) == 0)
                    break;
            if (k == p->nsubsystems) {
                crest_error("%s '%s': no subsystem named '%s' in this run",
                            s ? "--abort" : "--threshold", t->expr, t->tag);
                return -1;
            }
        }
    return 0;
}

static char *join_command(int argc, char **argv)
{
    size_t len = 16;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 3;
    char *s = malloc(len);
    if (!s)
        return NULL;
    strcpy(s, "crest");
    for (int i = 0; i < argc; i++) {
        strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

/* results.json, with the baseline verdict under "baseline" when there is one. */
static int write_results(const char *path, const run_result *r, const results_meta *m,
                         const compare_report *regression, observe_session *obs)
{
    cJSON *root = results_to_json(r, m);
    cJSON *verdict = regression ? compare_report_to_json(regression) : cJSON_CreateObject();
    if (root)
        observe_add_results(obs, r, root);
    if (!regression) {
        cJSON_Delete(verdict);
        verdict = NULL;
        if (!root) {
            crest_error("out of memory writing '%s'", path);
            return -1;
        }
        int wrc = jsonio_write_file(path, root);
        cJSON_Delete(root);
        return wrc;
    }
    if (!root || !verdict) {
        cJSON_Delete(root);
        cJSON_Delete(verdict);
        crest_error("out of memory writing '%s'", path);
        return -1;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(root, "baseline");
    cJSON_AddItemToObject(root, "baseline", verdict);
    int rc = jsonio_write_file(path, root);
    cJSON_Delete(root);
    return rc;
}

/* The scrape targets (flags, the scenario's subsystems, the embedded
 * testbed TB's own /metrics), the metrics server and the hlog. NULL after
 * saying why. */
static observe_session *start_observing(run_args *a, const loadplan *plan,
                                        const testbed_process *tb)
{
    if (observe_add_plan_targets(&a->obs, plan) != 0)
        return NULL;
    if (tb) {
        char arg[128];
        snprintf(arg, sizeof arg, "testbed=%s/metrics", tb->url);
        if (observe_add_target(&a->obs, arg, "the embedded testbed") != 0)
            return NULL;
    }
    observe_session *obs = observe_start(&a->obs);
    if (obs && observe_prepare_plan(obs, plan) != 0) {
        observe_finish(obs);
        return NULL;
    }
    return obs;
}

/* One line per scrape target: how many scrapes, which failed and why. */
static void print_scrape_status(observe_session *obs)
{
    for (size_t i = 0; i < observe_ntargets(obs); i++) {
        char line[600];
        observe_target_line(obs, i, line, sizeof line);
        printf("%s\n", line);
    }
}

int cmd_run(int argc, char **argv)
{
    run_args a;
    int pr = parse_args(argc, argv, &a);
    if (pr == 1) {
        usage(stdout);
        return CREST_EXIT_OK;
    }
    if (pr != 0)
        return CREST_EXIT_USAGE;

    /* The baseline is read before any traffic: a bad file is bad input. */
    compare_allowance allowance;
    compare_allowance_default(&allowance);
    run_result baseline;
    int have_baseline = 0;
    if (a.max_regression && compare_allowance_parse(a.max_regression, &allowance) != 0)
        return CREST_EXIT_USAGE;
    if (a.baseline) {
        if (results_read(a.baseline, &baseline) != 0)
            return CREST_EXIT_USAGE;
        have_baseline = 1;
    }

    loadplan *plan;
    if (a.scenario) {
        a.only[a.nonly] = NULL;
        scenario_options so = {.target = a.target, .only = a.nonly ? a.only : NULL, .growth = 0};
        plan = scenario_load(a.scenario, &so);
    } else {
        plan = adhoc_plan(&a.adhoc);
    }
    if (!plan || add_gates(plan, &a) != 0) {
        loadplan_free(plan);
        if (have_baseline)
            run_result_free(&baseline);
        return CREST_EXIT_USAGE;
    }

    testbed_process tb;
    int have_tb = 0;
    if (!plan->target) {
        if (testbed_spawn(NULL, &tb) != 0) {
            loadplan_free(plan);
            if (have_baseline)
                run_result_free(&baseline);
            return CREST_EXIT_RUN;
        }
        have_tb = 1;
        plan->target = strdup(tb.url);
        if (!a.eng.quiet)
            printf("crest: no target given; running against the embedded testbed at %s\n",
                   tb.url);
    }

    observe_session *obs = start_observing(&a, plan, have_tb ? &tb : NULL);
    if (!obs) {
        if (have_tb)
            testbed_stop(&tb);
        loadplan_free(plan);
        if (have_baseline)
            run_result_free(&baseline);
        return CREST_EXIT_USAGE;
    }
    a.eng.hooks = observe_hooks(obs);
    engine_install_signal_handlers();
    progress_attach(&a.eng);
    run_result r;
    int rc = engine_run(&a.eng, plan, &r);
    if (rc == CREST_EXIT_OK)
        observe_run_done(obs, &r);
    if (have_tb)
        testbed_stop(&tb);
    if (rc != CREST_EXIT_OK) {
        observe_finish(obs);
        loadplan_free(plan);
        if (have_baseline)
            run_result_free(&baseline);
        return rc;
    }

    threshold_result *th = calloc(plan->thresholds.count ? plan->thresholds.count : 1, sizeof *th);
    char *command = join_command(argc, argv);
    compare_report regression = {0};
    int have_regression = 0;
    if (have_baseline) {
        have_regression = compare_run_results(a.baseline, &baseline, "this run", &r, &allowance,
                                              &regression) == 0;
        run_result_free(&baseline);
    }
    if (!th || !command || (have_baseline && !have_regression)) {
        crest_error("out of memory");
        compare_report_free(&regression);
        free(th);
        free(command);
        run_result_free(&r);
        loadplan_free(plan);
        observe_finish(obs);
        return CREST_EXIT_RUN;
    }
    size_t failed = thresholds_evaluate(&plan->thresholds, &r, th);

    if (a.eng.quiet) {
        printf("crest run: %llu ok, %llu errors, %.1f ok/s, p99 %.2f ms%s%s\n",
               (unsigned long long)r.total.c.ok, (unsigned long long)r.total.c.errors,
               r.duration_s > 0 ? (double)r.total.c.ok / r.duration_s : 0,
               (double)hist_percentile(r.total.h.latency, 99) / 1000.0,
               r.generator.limited ? "; GENERATOR-LIMITED: " : "",
               r.generator.limited ? r.generator.reason : "");
    } else {
        progress_summary(stdout, &r, th, plan->thresholds.count);
    }

    print_scrape_status(obs);
    if (have_regression) {
        printf("\nBaseline comparison (%s):\n", a.baseline);
        compare_report_print(&regression, stdout);
    }

    run_verdict verdict;
    run_verdict_judge(&r, failed, plan->thresholds.count, &verdict);
    int exit_code = verdict.exit_code;
    if (verdict.why[0]) {
        crest_error("%s", verdict.why);
    } else if (have_regression && regression.exit_code != CREST_EXIT_OK) {
        crest_error("%s", regression.exit_code == CREST_EXIT_GATE
                              ? "regression against the baseline"
                              : "a change beyond the allowance could not be tested (run too short)");
        exit_code = regression.exit_code;
    }

    if (a.out) {
        results_meta m = {
            .command = command, .scenario = a.scenario, .connections = a.eng.connections,
            .timeout_s = a.eng.timeout_s, .poisson = plan->poisson, .http2 = a.eng.http2,
            .secret_headers = (const char *const *)plan->secret_headers,
            .nsecret = plan->nsecret, .thresholds = th, .nthresholds = plan->thresholds.count,
        };
        if (write_results(a.out, &r, &m, have_regression ? &regression : NULL, obs) != 0 &&
            exit_code == CREST_EXIT_OK)
            exit_code = CREST_EXIT_RUN;
    }
    compare_report_free(&regression);
    free(th);
    free(command);
    run_result_free(&r);
    loadplan_free(plan);
    if (observe_finish(obs) != 0 && exit_code == CREST_EXIT_OK)
        exit_code = CREST_EXIT_RUN;
    return exit_code;
}

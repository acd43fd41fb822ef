/* cmd_run.c: `crest run`: generate load and measure it, either ad hoc
 * (a URL, as wrk takes it, built into a plan by adhoc.c) or from a
 * scenario file (scenario.c). Checks the output path, runs the plan on the
 * engine, prints the summary, evaluates the gates and writes results.json.
 * A scenario without a target runs against the embedded testbed, started
 * here and stopped afterwards.
 *
 * Exit codes (decided by loadgen/run_verdict.c): 0 every gate passed; 1 a
 * threshold failed, an abort rule stopped the run, nothing succeeded, or
 * (with no threshold at all) errors above 1%; 2 bad usage or input (an
 * unwritable --out included, before any traffic); 3 could not run (the
 * target never answered), was interrupted (SIGINT/SIGTERM: the results so
 * far are still written, marked "interrupted"), or is inconclusive because
 * the generator was the limit (this wins over a pass and over a failure). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/embedded_target.h"
#include "cli/observe_options.h"
#include "cli/optable.h"
#include "cli/options.h"
#include "cli/progress.h"
#include "cli/run_output.h"
#include "common/error.h"
#include "common/jsonio.h"
#include "common/outpath.h"
#include "common/safefile.h"
#include "common/units.h"
#include "loadgen/adhoc.h"
#include "loadgen/engine.h"
#include "loadgen/results.h"
#include "loadgen/scenario.h"
#include "loadgen/shard.h"
#include "reports/compare.h"

#define MAX_LIST 64

enum {
    OPT_URL = 256, OPT_STAGES, OPT_ARRIVALS, OPT_THINK, OPT_BODY, OPT_TIMEOUT,
    OPT_THRESHOLD, OPT_ABORT, OPT_SEED, OPT_WARMUP, OPT_HTTP2,
    OPT_CACERT, OPT_CERT, OPT_KEY, OPT_MAX_INFLIGHT, OPT_MAX_LAG, OPT_SEND_BATCH, OPT_GRACE,
    OPT_TARGET, OPT_ONLY, OPT_BASELINE, OPT_MAX_REGRESSION, OPT_SHARD, OPT_WEIGHTS,
    OPT_START_AT, OPT_TRANSPORT, OPT_MAX_HEADER, OPT_CHECKPOINT, OPT_NO_TLS_RESUME
};

static const cli_option run_options[] = {
    {"connections", 'c', "N", 'c', "closed loop: N connections, one request in flight each\n"
     "(default 64); open loop: the connection cap", "Load model (ad hoc)"},
    {"think", 0, "DUR", OPT_THINK, "closed loop: pause between an answer and the next request", 0},
    {"rate", 'R', "R", 'R', "open loop: R arrivals per second", 0},
    {"stages", 0, "SPEC", OPT_STAGES, "open loop: DUR:RATE or DUR:FROM-TO, comma-separated\n"
     "(e.g. 30s:0-5000,60s:5000,10s:5000-20000)", 0},
    {"arrivals", 0, "KIND", OPT_ARRIVALS, "uniform (default) or poisson", 0},
    {"duration", 'd', "DUR", 'd', "how long (default 10s; 1m30s works; --stages sets its own)", 0},
    {"warmup", 0, "DUR", OPT_WARMUP, "the first DUR of the timeline is not measured (default 0s)",
     0},
    {"url", 0, "URL", OPT_URL, "http[s]://host[:port]/path?query (or give it as the operand)",
     "Request (ad hoc)"},
    {"method", 'X', "M", 'X', "default GET (POST with --body)", 0},
    {"header", 'H', "'K: V'", 'H', "repeatable", 0},
    {"body", 0, "@FILE|TEXT", OPT_BODY, "request body", 0},
    {"target", 0, "URL", OPT_TARGET, "override the scenario's target", "Scenario"},
    {"only", 0, "NAME", OPT_ONLY, "keep only this subsystem (repeatable)", 0},
    {"timeout", 0, "DUR", OPT_TIMEOUT, "per request, connecting included (default 5s)",
     "Connection"},
    {"transport", 0, "T", OPT_TRANSPORT, "auto (default: native, curl for --http2 and\n"
     "client certificates), native or curl", 0},
    {"max-header-size", 0, "S", OPT_MAX_HEADER, "response header blocks above S are errors (64k)",
     0},
    {"http2", 0, NULL, OPT_HTTP2, "HTTP/2 (ALPN on https, prior knowledge on http)", 0},
    {"insecure", 'k', NULL, 'k', "do not verify TLS certificates", 0},
    {"cacert", 0, "FILE", OPT_CACERT, "CA certificates to verify the server with", 0},
    {"cert", 0, "FILE", OPT_CERT, "client certificate", 0},
    {"key", 0, "FILE", OPT_KEY, "client certificate's key", 0},
    {"no-tls-resume", 0, NULL, OPT_NO_TLS_RESUME, "every new TLS connection makes a full\n"
     "handshake (default: resume the slot's last session)", 0},
    {"threads", 't', "N", 't', "generator threads (default: number of cores)", "Generator"},
    {"max-in-flight", 0, "N", OPT_MAX_INFLIGHT,
     "requests outstanding at most; beyond: dropped (inconclusive)", 0},
    {"max-loop-lag", 0, "DUR", OPT_MAX_LAG,
     "loop lag p99 above DUR marks the run generator-limited (5ms)", 0},
    {"send-batch", 0, "DUR", OPT_SEND_BATCH, "send due arrivals in batches every DUR (e.g. 1ms,\n"
     "as wrk2 and h2load pace): less CPU per request at high rates, up\n"
     "to DUR more loop lag, counted in latency; the lag bound grows by\n"
     "DUR (default: off)", 0},
    {"grace", 0, "DUR", OPT_GRACE, "time given to requests in flight at the end (default 2s)", 0},
    {"seed", 0, "N", OPT_SEED, "random seed (default 1)", 0},
    {"shard", 0, "I/N", OPT_SHARD, "run shard I (0..N-1) of N: a deterministic 1/N of the plan;\n"
     "auto/N takes the index from JOB_COMPLETION_INDEX (Kubernetes)", "Fleet (docs/fleet.md)"},
    {"weights", 0, "W,...", OPT_WEIGHTS, "uneven shards: shard I takes W_I / sum(W) of the work", 0},
    {"start-at", 0, "TIME", OPT_START_AT, "start the timeline at TIME (RFC 3339 or epoch seconds)\n"
     "on every shard; a late shard's lateness counts in latency", 0},
    {"out", 'o', "FILE", 'o', "results.json, or - for stdout (the human output then goes to\n"
     "stderr); checked before any traffic, written also when interrupted", "Output and gates"},
    {"checkpoint", 0, "DUR", OPT_CHECKPOINT, "while the run lasts, rewrite --out every DUR with the\n"
     "results so far, marked \"partial\" (default 10s; 0 turns it off)", 0},
    {"threshold", 0, "EXPR", OPT_THRESHOLD,
     "gate, repeatable: p99<250ms, errors<0.1%, rate>1000,\n"
     "cart:p99<300ms (metrics p50 p90 p95 p99 p999 max mean\nerrors shed rate dropped)", 0},
    {"abort", 0, "EXPR", OPT_ABORT, "stop the run within a second once EXPR holds (errors>5%)", 0},
    {"quiet", 'q', NULL, 'q', "no live progress, one-line verdict", 0},
    {"baseline", 0, "FILE", OPT_BASELINE,
     "compare with an earlier results.json at the end; a real\n"
     "regression (beyond the allowance and significant) exits 1", 0},
    {"max-regression", 0, "SPEC", OPT_MAX_REGRESSION,
     "allowance, e.g. 'p99=10%,rate=5%,errors=0.5%' (needs --baseline)", 0},
    OBSERVE_CLI_OPTIONS,
    {"help", 'h', NULL, 'h', "this help", 0},
};

const cli_command run_command = {
    .name = "run",
    .summary = "generate load (ad hoc URL or SCENARIO.json) and measure it",
    .synopsis = "crest run [options] URL\n"
                "crest run SCENARIO.json [--target URL] [--only NAME]... [options]",
    .options = run_options,
    .noptions = sizeof run_options / sizeof run_options[0],
    .footer = "Without any --threshold a run fails (exit 1) when errors exceed 1% of the\n"
              "answers; a run where nothing succeeded fails; a run the target never answered\n"
              "could not run (exit 3).\n"
              "exit: 0 all gates pass, 1 a gate failed or an abort rule fired, 2 bad usage,\n"
              "      3 could not run, interrupted, or inconclusive (generator-limited)",
    .positional = "file",
};

typedef struct run_args {
    adhoc_options adhoc;
    engine_options eng;
    const char *headers[MAX_LIST];
    const char *thresholds[MAX_LIST], *aborts[MAX_LIST], *only[MAX_LIST + 1];
    size_t nthresholds, naborts, nonly;
    const char *scenario, *target, *out;
    const char *baseline, *max_regression;
    const char *shard, *weights;
    int duration_set;
    observe_options obs;
} run_args;

static int bad(const char *flag, const char *value, const char *expected)
{
    crest_error("%s '%s': expected %s", flag, value, expected);
    return -1;
}

/* The load model's flags. 0 handled, -1 bad value (printed), 1 not one. */
static int parse_load_flag(int c, const char *v, run_args *a)
{
    long n;
    double d;
    switch (c) {
    case 'c':
        if (option_count("-c/--connections", v, 1, 1000000000L, &n) != 0)
            return -1;
        a->adhoc.connections = (int)n;
        a->eng.connections = (int)n;
        return 0;
    case 'd':
        a->duration_set = 1;
        return option_duration("-d/--duration", v, 1, &a->adhoc.duration_s);
    case 'R':
        if (units_parse_double(v, &d) != 0 || d <= 0)
            return bad("-R/--rate", v, "a rate > 0 (requests per second)");
        a->adhoc.rate = d;
        return 0;
    case OPT_STAGES: a->adhoc.stages = v; return 0;
    case OPT_ARRIVALS:
        if (strcmp(v, "uniform") != 0 && strcmp(v, "poisson") != 0)
            return bad("--arrivals", v, "uniform or poisson");
        a->adhoc.poisson = strcmp(v, "poisson") == 0;
        return 0;
    case OPT_THINK: return option_duration("--think", v, 1, &a->adhoc.think_s);
    case OPT_WARMUP: return option_duration("--warmup", v, 1, &a->eng.warmup_s);
    case OPT_URL: a->adhoc.url = v; return 0;
    case 'X': a->adhoc.method = v; return 0;
    case 'H': return option_push(a->headers, &a->adhoc.nheaders, MAX_LIST, "-H/--header", v);
    case OPT_BODY: a->adhoc.body = v; return 0;
    case OPT_TARGET: a->target = v; return 0;
    case OPT_ONLY: return option_push(a->only, &a->nonly, MAX_LIST, "--only", v);
    default: return 1;
    }
}

/* The generator's and the connection's flags, as parse_load_flag. */
static int parse_engine_flag(int c, const char *v, run_args *a)
{
    long n;
    double d;
    switch (c) {
    case OPT_TIMEOUT:
        if (option_duration("--timeout", v, 1, &a->eng.timeout_s) != 0)
            return -1;
        return a->eng.timeout_s < 0.001 ? bad("--timeout", v, "at least 1ms") : 0;
    case 't':
        if (option_count("-t/--threads", v, 1, 1000000000L, &n) != 0)
            return -1;
        a->eng.threads = (int)n;
        return 0;
    case OPT_SEED:
        if (option_count("--seed", v, 0, 1000000000L, &n) != 0)
            return -1;
        a->eng.seed = (uint64_t)n;
        return 0;
    case OPT_TRANSPORT:
        if (strcmp(v, "auto") != 0 && strcmp(v, "native") != 0 && strcmp(v, "curl") != 0)
            return bad("--transport", v, "auto, native or curl");
        a->eng.transport = v;
        return 0;
    case OPT_MAX_HEADER: {
        double sz;
        if (units_parse_size(v, &sz) != 0 || sz < 256)
            return bad("--max-header-size", v, "a size of at least 256 bytes such as 64k");
        a->eng.max_header_bytes = (size_t)sz;
        return 0;
    }
    case OPT_HTTP2: a->eng.http2 = 1; return 0;
    case 'k': a->eng.insecure = 1; return 0;
    case OPT_NO_TLS_RESUME: a->eng.tls_no_resume = 1; return 0;
    case OPT_CACERT:
        if (access(v, R_OK) != 0)
            return bad("--cacert", v, "a readable PEM file of CA certificates");
        a->eng.cacert = v;
        return 0;
    case OPT_CERT: a->eng.cert = v; return 0;
    case OPT_KEY: a->eng.key = v; return 0;
    case OPT_MAX_INFLIGHT:
        if (option_count("--max-in-flight", v, 1, 1000000000L, &n) != 0)
            return -1;
        a->eng.max_in_flight = (uint64_t)n;
        return 0;
    case OPT_MAX_LAG:
        if (option_duration("--max-loop-lag", v, 1, &d) != 0)
            return -1;
        a->eng.loop_lag_bound_ms = d * 1000;
        return 0;
    case OPT_SEND_BATCH: return option_send_batch("--send-batch", v, &a->eng.send_batch_s);
    case OPT_GRACE: return option_duration("--grace", v, 1, &a->eng.grace_s);
    default: return 1;
    }
}

/* A fleet's flags, as parse_load_flag. */
static int parse_fleet_flag(int c, const char *v, run_args *a)
{
    switch (c) {
    case OPT_SHARD: a->shard = v; return 0;
    case OPT_WEIGHTS: a->weights = v; return 0;
    case OPT_START_AT:
        if (shard_parse_time(v, &a->eng.start_at) != 0)
            return bad("--start-at", v, "an absolute time: RFC 3339 with a zone "
                       "(2026-11-11T00:00:00Z, 2026-11-11T08:00:00+08:00) or epoch seconds");
        return 0;
    default: return 1;
    }
}

/* Output and gates, as parse_load_flag. */
static int parse_output_flag(int c, const char *v, run_args *a)
{
    switch (c) {
    case 'o': a->out = v; return 0;
    case OPT_THRESHOLD:
        return option_push(a->thresholds, &a->nthresholds, MAX_LIST, "--threshold", v);
    case OPT_ABORT: return option_push(a->aborts, &a->naborts, MAX_LIST, "--abort", v);
    case 'q': a->eng.quiet = 1; return 0;
    case OPT_BASELINE: a->baseline = v; return 0;
    case OPT_MAX_REGRESSION: a->max_regression = v; return 0;
    case OPT_CHECKPOINT: return option_checkpoint("--checkpoint", v, &a->eng.checkpoint_s);
    default: return 1;
    }
}

/* The operand: a URL (wrk's `crest run http://host/path`) or a scenario. */
static int take_operands(int argc, char **argv, run_args *a)
{
    if (optind < argc) {
        const char *op = argv[optind++];
        if (option_is_url(op)) {
            if (a->adhoc.url)
                return bad("URL operand", op, "one URL: --url was given too");
            a->adhoc.url = op;
        } else {
            a->scenario = op;
        }
    }
    if (optind < argc) {
        crest_error("unexpected argument '%s'; expected at most one URL or SCENARIO.json",
                    argv[optind]);
        return -1;
    }
    return 0;
}

/* Flags that only make sense together. 0 or -1 (printed). */
static int check_combinations(run_args *a)
{
    if (a->weights && !a->shard) {
        crest_error("--weights needs --shard I/N");
        return -1;
    }
    if (a->max_regression && !a->baseline) {
        crest_error("--max-regression needs --baseline FILE (the run to compare with)");
        return -1;
    }
    if (a->scenario) {
        if (a->adhoc.url) {
            crest_error("give either a URL or a SCENARIO.json, not both");
            return -1;
        }
        if (a->adhoc.rate > 0 || a->adhoc.stages || a->adhoc.nheaders || a->adhoc.body ||
            a->adhoc.method || a->duration_set || a->adhoc.think_s > 0) {
            crest_error("-R, --stages, -d, --think, -X, -H and --body describe ad hoc runs; "
                        "a scenario defines its own load and requests");
            return -1;
        }
        return 0;
    }
    if (!a->adhoc.url) {
        crest_error("nothing to run: give a URL or a SCENARIO.json (crest run --help)");
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
    return 0;
}

/* Parses ARGV into A. 0, 1 for --help, -1 on bad usage (printed). */
static int parse_args(int argc, char **argv, run_args *a)
{
    memset(a, 0, sizeof *a);
    engine_options_init(&a->eng);
    observe_options_init(&a->obs);
    a->eng.checkpoint_s = 10;
    a->adhoc.duration_s = 10;
    a->adhoc.connections = 64;
    struct option longs[CLI_MAX_OPTIONS + 1];
    char shorts[128];
    cli_getopt_spec(&run_command, ":", longs, shorts, sizeof shorts);
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        if (c == 'h')
            return 1;
        int rc = parse_load_flag(c, optarg, a);
        if (rc == 1)
            rc = parse_engine_flag(c, optarg, a);
        if (rc == 1)
            rc = parse_output_flag(c, optarg, a);
        if (rc == 1)
            rc = parse_fleet_flag(c, optarg, a);
        if (rc == 1)
            rc = observe_flag(&a->obs, c, optarg);
        if (rc == 1)
            return cli_bad_option(&run_command, c, argc, argv);
        if (rc != 0)
            return -1;
    }
    a->adhoc.headers = a->headers;
    if (take_operands(argc, argv, a) != 0 || check_combinations(a) != 0)
        return -1;
    if (a->out && outpath_check("-o/--out", a->out) != 0)
        return -1;
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

/* results.json, with the baseline verdict under "baseline" when there is one
 * and the scraped targets' series under "targets" (observe/). The exit
 * code EXIT_CODE becomes (run_output_write). */
static int write_results(const char *path, const run_result *r, const results_meta *m,
                         const compare_report *regression, observe_session *obs, int exit_code)
{
    cJSON *root = results_to_json(r, m);
    if (root)
        observe_add_results(obs, r, root);
    return run_output_write(path, root, regression, exit_code);
}

/* What a checkpoint needs to write the partial results. */
typedef struct run_checkpoint {
    const char *path;
    results_meta meta;
    int failed;     /* the last write failed (said once, not every 10 s) */
} run_checkpoint;

/* engine_options.checkpoint: the run so far into --out, marked partial. A
 * failed write (disk full, directory gone) is said once and the run goes
 * on; the final write then finds a place that works (outpath_write). */
static void write_checkpoint(const run_result *so_far, void *ctx)
{
    run_checkpoint *cp = ctx;
    cJSON *root = results_to_json(so_far, &cp->meta);
    char *text = root ? jsonio_print(root, cp->path) : NULL;
    cJSON_Delete(root);
    int rc = text ? safefile_write(cp->path, text, strlen(text)) : -1;
    free(text);
    if (rc != 0 && !cp->failed)
        crest_warn("checkpoint: could not write '%s'; the run goes on measuring and the "
                   "final results will be written wherever possible", cp->path);
    if (rc == 0 && cp->failed)
        crest_warn("checkpoint: '%s' is writable again", cp->path);
    cp->failed = rc != 0;
}

/* Makes PLAN this run's shard (--shard/--weights). 0 or -1 (printed). */
static int apply_shard(loadplan *plan, const run_args *a)
{
    if (!a->shard)
        return 0;
    shard_spec spec;
    char err[256];
    if (shard_spec_parse(a->shard, a->weights, getenv("JOB_COMPLETION_INDEX"), &spec, err,
                         sizeof err) != 0) {
        crest_error("%s", err);
        return -1;
    }
    loadplan_set_shard(plan, &spec);
    return 0;
}

/* What results.json records about this shard (host, start, clock). */
static void fill_shard_record(shard_record *rec, const run_args *a, const loadplan *plan,
                              const run_result *r)
{
    memset(rec, 0, sizeof *rec);
    rec->index = plan->shard.index;
    rec->count = plan->shard.count;
    snprintf(rec->weights, sizeof rec->weights, "%s", a->weights ? a->weights : "");
    rec->run_seed = a->eng.seed;
    rec->seed = shard_seed(&plan->shard, a->eng.seed);
    if (gethostname(rec->host, sizeof rec->host - 1) != 0)
        rec->host[0] = '\0';
    const char *node = getenv("CREST_NODE_NAME");
    snprintf(rec->node, sizeof rec->node, "%s", node ? node : "");
    rec->start_at = a->eng.start_at;
    rec->timeline_start = r->timeline_start;
    rec->late_s = r->late_s;
    if (a->scenario) {
        size_t len = 0;
        char *text = jsonio_slurp(a->scenario, &len);
        if (text)
            shard_digest(text, len, rec->plan_digest);
        free(text);
    }
    shard_clock_read(&rec->clock);
}

/* Everything one `crest run` holds between its stages. */
typedef struct run_state {
    run_args a;
    compare_allowance allowance;
    run_result baseline;
    int have_baseline;
    loadplan *plan;
    run_result r;
    int have_result;
    char *command;      /* the command line, as results.json records it */
    observe_session *obs;     /* scrapers, metrics server, hlog: while the run lasts */
} run_state;

static void run_state_free(run_state *s)
{
    observe_finish(s->obs);
    if (s->have_baseline)
        run_result_free(&s->baseline);
    if (s->have_result)
        run_result_free(&s->r);
    loadplan_free(s->plan);
    free(s->command);
}

/* Reads the baseline and builds the plan with its gates: all before any
 * traffic, so bad input costs nothing. 0 or an exit code. */
static int prepare(run_state *s)
{
    compare_allowance_default(&s->allowance);
    if (s->a.max_regression && compare_allowance_parse(s->a.max_regression, &s->allowance) != 0)
        return CREST_EXIT_USAGE;
    if (s->a.baseline) {
        if (results_read(s->a.baseline, &s->baseline) != 0)
            return CREST_EXIT_USAGE;
        s->have_baseline = 1;
    }
    if (s->a.scenario) {
        s->a.only[s->a.nonly] = NULL;
        scenario_options so = {.target = s->a.target, .only = s->a.nonly ? s->a.only : NULL,
                               .growth = 0};
        s->plan = scenario_load(s->a.scenario, &so);
    } else {
        s->plan = adhoc_plan(&s->a.adhoc);
    }
    if (!s->plan || add_gates(s->plan, &s->a) != 0 || apply_shard(s->plan, &s->a) != 0)
        return CREST_EXIT_USAGE;
    return 0;
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

/* Runs the plan, on the embedded testbed when it names no target. */
static int execute(run_state *s)
{
    testbed_process tb;
    int have_tb = embedded_target_start(s->plan, "running", s->a.eng.quiet, &tb);
    if (have_tb < 0)
        return CREST_EXIT_RUN;
    s->obs = start_observing(&s->a, s->plan, have_tb ? &tb : NULL);
    if (!s->obs) {
        if (have_tb)
            testbed_stop(&tb);
        return CREST_EXIT_USAGE;
    }
    engine_install_signal_handlers();
    run_checkpoint cp = {
        .path = s->a.out,
        .meta = {.command = s->command, .scenario = s->a.scenario,
                 .connections = s->a.eng.connections, .timeout_s = s->a.eng.timeout_s,
                 .poisson = s->plan->poisson, .http2 = s->a.eng.http2,
                 .secret_headers = (const char *const *)s->plan->secret_headers,
                 .nsecret = s->plan->nsecret},
    };
    struct stat out_st;
    int out_special = s->a.out && (outpath_is_stdout(s->a.out) ||
                                   (stat(s->a.out, &out_st) == 0 && !S_ISREG(out_st.st_mode)));
    if (s->a.out && s->a.eng.checkpoint_s > 0 && !out_special) { /* never into a pipe */
        s->a.eng.checkpoint = write_checkpoint;
        s->a.eng.checkpoint_ctx = &cp;
    }
    progress_attach(&s->a.eng);
    engine_options eng = s->a.eng;
    eng.hooks = observe_hooks(s->obs);
    eng.seed = shard_seed(&s->plan->shard, s->a.eng.seed);
    if (shard_spec_active(&s->plan->shard) && !s->a.eng.quiet)
        printf("crest: shard %u of %u (%.4g%% of the plan, seed %llu)\n", s->plan->shard.index,
               s->plan->shard.count, shard_fraction(&s->plan->shard) * 100,
               (unsigned long long)eng.seed);
    int rc = engine_run(&eng, s->plan, &s->r);
    if (rc == CREST_EXIT_OK)
        observe_run_done(s->obs, &s->r);
    if (have_tb)
        testbed_stop(&tb);
    s->have_result = rc == CREST_EXIT_OK;
    return rc;
}

static void print_outcome(const run_state *s, const threshold_result *th,
                          const compare_report *regression)
{
    const run_result *r = &s->r;
    if (s->a.eng.quiet) {
        char ok[32], p99[32];
        printf("crest run: %s ok, %llu errors, %.1f ok/s, p99 %s%s%s\n",
               units_format_count((double)r->total.c.ok, ok, sizeof ok),
               (unsigned long long)r->total.c.errors,
               r->duration_s > 0 ? (double)r->total.c.ok / r->duration_s : 0,
               units_format_duration((double)hist_percentile(r->total.h.latency, 99) / 1e6,
                                     p99, sizeof p99),
               r->generator.limited ? "; GENERATOR-LIMITED: " : "",
               r->generator.limited ? r->generator.reason : "");
    } else {
        progress_summary(stdout, r, th, s->plan->thresholds.count);
    }
    print_scrape_status(s->obs);
    if (regression && !s->a.eng.quiet) {
        printf("\nBaseline comparison (%s):\n", s->a.baseline);
        compare_report_print(regression, stdout);
    }
    fflush(stdout);
}

/* Judges the run, prints it and writes results.json. The exit code. */
static int conclude(run_state *s)
{
    const loadplan *plan = s->plan;
    threshold_result *th = calloc(plan->thresholds.count ? plan->thresholds.count : 1, sizeof *th);
    const char *command = s->command;
    compare_report regression = {0};
    int have_regression = 0;
    if (s->have_baseline)
        have_regression = compare_run_results(s->a.baseline, &s->baseline, "this run", &s->r,
                                              &s->allowance, &regression) == 0;
    if (!th || !command || (s->have_baseline && !have_regression)) {
        crest_error("out of memory");
        compare_report_free(&regression);
        free(th);
        return CREST_EXIT_RUN;
    }
    size_t failed = thresholds_evaluate(&plan->thresholds, &s->r, th);
    if (s->a.eng.start_at > 0 && s->r.late_s > 0.001)
        crest_warn("started %.3f s late for --start-at; the lateness counts in latency (the "
                   "intended times are the shared timeline's)", s->r.late_s);
    print_outcome(s, th, have_regression ? &regression : NULL);

    int exit_code = run_output_verdict(&s->r, failed, plan->thresholds.count, NULL);
    if (exit_code == CREST_EXIT_OK && have_regression && regression.exit_code != CREST_EXIT_OK) {
        crest_error("%s", regression.exit_code == CREST_EXIT_GATE
                              ? "regression against the baseline"
                              : "a change beyond the allowance could not be tested (run too short)");
        exit_code = regression.exit_code;
    }
    double *slo = calloc(s->r.ntags ? s->r.ntags : 1, sizeof *slo);
    for (size_t i = 0; slo && i < s->r.ntags; i++) {
        slo[i] = NAN;
        for (size_t k = 0; k < plan->nsubsystems; k++)
            if (strcmp(plan->subsystems[k].name, s->r.tags[i].name) == 0 &&
                plan->subsystems[k].slo_p99_ms > 0)
                slo[i] = plan->subsystems[k].slo_p99_ms;
    }
    if (s->a.out) {
        results_meta m = {
            .command = command, .scenario = s->a.scenario, .connections = s->a.eng.connections,
            .timeout_s = s->a.eng.timeout_s, .poisson = plan->poisson, .http2 = s->a.eng.http2,
            .secret_headers = (const char *const *)plan->secret_headers,
            .nsecret = plan->nsecret, .thresholds = th, .nthresholds = plan->thresholds.count,
            .slo_p99_ms = slo,
        };
        shard_record rec;
        if (s->a.shard || s->a.eng.start_at > 0) {
            fill_shard_record(&rec, &s->a, plan, &s->r);
            m.shard = &rec;
        }
        exit_code = write_results(s->a.out, &s->r, &m, have_regression ? &regression : NULL,
                                  s->obs, exit_code);
    }
    compare_report_free(&regression);
    free(slo);
    free(th);
    return exit_code;
}

int cmd_run(int argc, char **argv)
{
    run_state s;
    memset(&s, 0, sizeof s);
    int pr = parse_args(argc, argv, &s.a);
    if (pr == 1) {
        cli_print_help(stdout, &run_command);
        return CREST_EXIT_OK;
    }
    if (pr != 0)
        return CREST_EXIT_USAGE;
    /* `-o -`: results.json owns stdout, everything human goes to stderr. */
    if (outpath_is_stdout(s.a.out) && outpath_claim_stdout() != 0)
        return CREST_EXIT_RUN;
    s.command = run_output_command(argc, argv);
    int rc = s.command ? prepare(&s) : CREST_EXIT_RUN;
    if (rc == 0)
        rc = execute(&s);
    if (rc == 0)
        rc = conclude(&s);
    /* lingers for Prometheus (--metrics-linger), then writes the hlog out */
    if (observe_finish(s.obs) != 0 && rc == CREST_EXIT_OK)
        rc = CREST_EXIT_RUN;
    s.obs = NULL;
    run_state_free(&s);
    return rc;
}

/* cmd_shadow.c: `crest shadow --primary URL --candidate URL`: every request
 * of a scenario or of a replayed log goes to both targets at the same
 * intended time; their answers are compared (replay/shadow_diff.h) and each
 * side's latency is judged against the SLOs. The engine pairs the requests
 * (engine_shadow in loadgen/engine.h).
 *
 * Exit codes: 0 the mismatch rate is within --max-mismatch and both sides
 * meet their SLOs; 1 either does not; 2 bad usage or input; 3 could not
 * run, interrupted or generator-limited. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "cli/optable.h"
#include "cli/options.h"
#include "cli/progress.h"
#include "cli/run_output.h"
#include "cli/replay_options.h"
#include "common/error.h"
#include "common/jsonio.h"
#include "common/units.h"
#include "loadgen/results.h"
#include "loadgen/run_verdict.h"
#include "loadgen/scenario.h"
#include "replay/shadow_diff.h"

static const cli_option shadow_cli_options[] = {
    {"primary", 0, "URL", 0, "the version in production", 0},
    {"candidate", 0, "URL", 0, "the version to compare with it", 0},
    {"fields", 0, "A,B", 0, "compare only these JSON fields (dotted paths, repeatable)",
     "Comparison"},
    {"ignore", 0, "A,B", 0, "drop these JSON fields first (a bare name anywhere, or a\n"
     "dotted path), e.g. --ignore trace_id,served_at", 0},
    {"status-only", 0, NULL, 0, "compare statuses only (default: status and whole body)", 0},
    {"max-mismatch", 0, "F", 0, "exit 1 when mismatches/compared exceeds F (default 0)", 0},
    {"samples", 0, "N", 0, "mismatching pairs kept for the report (default 20)", 0},
    {"body-cap", 0, "BYTES", 0, "response bytes kept per side (default 65536)", 0},
    {"replay", 0, "LOG", 0, "load from a recorded log, with the options of crest replay\n"
     "(--format, --log-format, --speed, --scale, --map, --scenario,\n"
     "--from, --to, --body, -H)", "Load: a SCENARIO.json (its phases, mix, SLOs), or"},
    {"connections", 'c', "N", 'c', "connection cap", "Engine"},
    {"threads", 0, "N", 0, "generator threads", 0},
    {"timeout", 0, "DUR", 0, "per request", 0},
    {"seed", 0, "N", 0, "random seed", 0},
    {"quiet", 0, NULL, 0, "no live progress", 0},
    {"out", 0, "FILE", 0, "shadow.json (counts, samples, both sides' latency and SLOs),\n"
     "and the primary's results.json beside it (crest report DIR)", "Output"},
    {"help", 'h', NULL, 'h', "this help", 0},
};

const cli_command shadow_command = {
    .name = "shadow",
    .summary = "send the same traffic to two versions and compare answers",
    .synopsis = "crest shadow --primary URL --candidate URL SCENARIO.json [options]\n"
                "crest shadow --primary URL --candidate URL --replay LOG [replay options]",
    .description = "Every request goes to both targets at the same intended time; answers are "
                   "compared.",
    .options = shadow_cli_options,
    .noptions = sizeof shadow_cli_options / sizeof shadow_cli_options[0],
    .footer = "exit: 0 answers agree and both sides meet their SLOs, 1 mismatches above the\n"
              "      threshold (even on a generator-limited run) or an SLO missed, 2 bad usage,\n"
              "      3 could not run/inconclusive",
    .positional = "file",
};

enum { OPT_PRIMARY = ROPT_NEXT, OPT_CANDIDATE, OPT_REPLAY, OPT_FIELDS, OPT_IGNORE,
       OPT_STATUS_ONLY, OPT_MAX_MISMATCH, OPT_SAMPLES, OPT_BODY_CAP, OPT_OUT, OPT_HELP };

static const struct option long_opts[] = {
    REPLAY_LONG_OPTIONS,
    {"primary", required_argument, NULL, OPT_PRIMARY},
    {"candidate", required_argument, NULL, OPT_CANDIDATE},
    {"replay", required_argument, NULL, OPT_REPLAY},
    {"fields", required_argument, NULL, OPT_FIELDS},
    {"ignore", required_argument, NULL, OPT_IGNORE},
    {"status-only", no_argument, NULL, OPT_STATUS_ONLY},
    {"max-mismatch", required_argument, NULL, OPT_MAX_MISMATCH},
    {"samples", required_argument, NULL, OPT_SAMPLES},
    {"body-cap", required_argument, NULL, OPT_BODY_CAP},
    {"out", required_argument, NULL, OPT_OUT},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

typedef struct shadow_args {
    replay_flags f;
    const char *primary, *candidate, *replay, *scenario, *out;
    shadow_view view;
    char *lists[2];              /* --fields / --ignore text, split in place */
    double max_mismatch;
    long samples, body_cap;
} shadow_args;

/* Splits "a,b" into LIST (appending). */
static int split_fields(char *text, const char **list, size_t *n, const char *flag)
{
    for (char *tok = strtok(text, ","); tok; tok = strtok(NULL, ",")) {
        while (*tok == ' ')
            tok++;
        if (!*tok)
            continue;
        if (*n == SHADOW_MAX_FIELDS) {
            crest_error("%s: at most %d fields", flag, SHADOW_MAX_FIELDS);
            return -1;
        }
        list[(*n)++] = tok;
    }
    return 0;
}

static int parse_own(int c, shadow_args *a)
{
    switch (c) {
    case OPT_PRIMARY: a->primary = optarg; return 0;
    case OPT_CANDIDATE: a->candidate = optarg; return 0;
    case OPT_REPLAY: a->replay = optarg; return 0;
    case OPT_FIELDS:
    case OPT_IGNORE: {
        char *copy = strdup(optarg);
        if (!copy)
            return -1;
        int k = c == OPT_IGNORE;
        free(a->lists[k]);   /* the last one wins; earlier pointers would dangle */
        a->lists[k] = copy;
        if (k)
            a->view.nignore = 0;
        else
            a->view.nfields = 0;
        return split_fields(copy, k ? a->view.ignore : a->view.fields,
                            k ? &a->view.nignore : &a->view.nfields, k ? "--ignore" : "--fields");
    }
    case OPT_STATUS_ONLY: a->view.status_only = 1; return 0;
    case OPT_MAX_MISMATCH:
        if (units_parse_fraction(optarg, &a->max_mismatch) != 0 || a->max_mismatch < 0 ||
            a->max_mismatch > 1) {
            crest_error("--max-mismatch '%s': expected a fraction such as 0.1%% or 0", optarg);
            return -1;
        }
        return 0;
    case OPT_SAMPLES: return option_count("--samples", optarg, 0, 10000, &a->samples);
    case OPT_BODY_CAP: return option_count("--body-cap", optarg, 1, 16L << 20, &a->body_cap);
    case OPT_OUT: a->out = optarg; return 0;
    }
    crest_error("unknown option (see crest shadow --help)");
    return -1;
}

static int parse_args(int argc, char **argv, shadow_args *a)
{
    memset(a, 0, sizeof *a);
    replay_flags_init(&a->f);
    a->samples = 20;
    a->body_cap = 65536;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:H:h", long_opts, NULL)) != -1) {
        if (c == 'h' || c == OPT_HELP)
            return 1;
        if (c == ':') {
            crest_error("option '%s' needs a value", argv[optind - 1]);
            return -1;
        }
        if (c == '?') {
            crest_error("unknown option '%s' (see crest shadow --help)", argv[optind - 1]);
            return -1;
        }
        int r = replay_flags_parse(c, optarg, &a->f);
        if (r < 0 || (r == 0 && parse_own(c, a) != 0))
            return -1;
    }
    if (optind < argc)
        a->scenario = argv[optind++];
    if (optind < argc) {
        crest_error("unexpected argument '%s'", argv[optind]);
        return -1;
    }
    if (!a->primary || !a->candidate) {
        crest_error("crest shadow needs --primary URL and --candidate URL");
        return -1;
    }
    if (!a->scenario == !a->replay) {
        crest_error("give either a SCENARIO.json or --replay LOG");
        return -1;
    }
    if (a->view.status_only && (a->view.nfields || a->view.nignore)) {
        crest_error("--status-only compares no bodies; drop --fields/--ignore");
        return -1;
    }
    a->f.s.log = a->replay;
    a->f.s.plan.target = a->primary;
    return replay_flags_finish(&a->f);
}

static void trim_slash(char *s)
{
    size_t n = strlen(s);
    while (n && s[n - 1] == '/')
        s[--n] = '\0';
}

static void print_diff(const shadow_diff *d, const loadplan *p)
{
    printf("\nShadow comparison: %llu pairs, %llu match, %llu differ (%.3f%%)\n",
           (unsigned long long)d->total.compared, (unsigned long long)d->total.matched,
           (unsigned long long)d->total.mismatched, shadow_mismatch_rate(&d->total) * 100);
    printf("  %-28s %10s %10s %10s %8s\n", "endpoint", "compared", "mismatch", "rate", "status");
    for (size_t i = 0; i < d->nendpoints; i++)
        if (d->per[i].compared)
            printf("  %-28s %10llu %10llu %9.3f%% %8llu\n", p->endpoints[i].name,
                   (unsigned long long)d->per[i].compared,
                   (unsigned long long)d->per[i].mismatched,
                   shadow_mismatch_rate(&d->per[i]) * 100,
                   (unsigned long long)d->per[i].status_differs);
    for (size_t i = 0; i < d->nsamples && i < 3; i++) {
        const shadow_sample *s = &d->samples[i];
        int n0 = (int)strcspn(s->body[0], "\r\n"), n1 = (int)strcspn(s->body[1], "\r\n");
        printf("  sample %s: %s\n    primary   %ld %.*s\n    candidate %ld %.*s\n",
               p->endpoints[s->endpoint].name, s->why, s->status[0], n0 < 120 ? n0 : 120,
               s->body[0], s->status[1], n1 < 120 ? n1 : 120, s->body[1]);
    }
}

/* The directory of --out is created when missing (one level), as report does. */
static void make_parent_dir(const char *out)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", out);
    if (mkdir(dirname(dir), 0777) != 0 && errno != EEXIST)
        crest_warn("cannot create the directory of '%s': %s", out, strerror(errno));
}

/* Runs PLAN in shadow mode and judges it. */
static int run_shadow(shadow_args *a, loadplan *p)
{
    char cand[1024];
    snprintf(cand, sizeof cand, "%s", a->candidate);
    trim_slash(cand);
    shadow_diff d;
    if (shadow_diff_init(&d, &a->view, p->nendpoints, (size_t)a->samples) != 0) {
        shadow_diff_free(&d);
        crest_error("out of memory");
        return CREST_EXIT_RUN;
    }
    run_result prim, candr;
    memset(&candr, 0, sizeof candr);
    engine_shadow sh = {.candidate = cand, .body_cap = (size_t)a->body_cap,
                        .compare = shadow_diff_compare, .ctx = &d, .candidate_out = &candr};
    a->f.eng.shadow = &sh;
    engine_install_signal_handlers();
    progress_attach(&a->f.eng);
    int rc = engine_run(&a->f.eng, p, &prim);
    if (rc != CREST_EXIT_OK) {
        shadow_diff_free(&d);
        return rc;
    }
    print_diff(&d, p);
    char why[2][256] = {"", ""};
    int slo[2] = {shadow_slo_pass(p, &prim, why[0], sizeof why[0]),
                  shadow_slo_pass(p, &candr, why[1], sizeof why[1])};
    printf("Latency p99: primary %.2f ms, candidate %.2f ms; SLOs: primary %s, candidate %s\n",
           (double)hist_percentile(prim.total.h.latency, 99) / 1000,
           (double)hist_percentile(candr.total.h.latency, 99) / 1000,
           slo[0] ? "met" : why[0], slo[1] ? "met" : why[1]);
    run_verdict v;
    run_verdict_judge(&prim, 0, 0, &v);
    int exit_code = v.exit_code;
    double rate = shadow_mismatch_rate(&d.total);
    if (rate > a->max_mismatch) {
        /* differing answers are a finding even when the generator was the
         * limit: they do not depend on timing */
        exit_code = CREST_EXIT_GATE;
        crest_error("the candidate's answers differ more than --max-mismatch allows "
                    "(%.3f%% > %.3f%%)", rate * 100, a->max_mismatch * 100);
    } else if (exit_code == CREST_EXIT_OK && (!slo[0] || !slo[1])) {
        exit_code = CREST_EXIT_GATE;
        crest_error("a side missed its SLO");
    } else if (v.why[0]) {
        crest_error("%s", v.why);
    }
    make_parent_dir(a->out);
    if (a->out) {
        exit_code = run_output_write(
            a->out, shadow_diff_to_json(&d, p, p->target, cand, &prim, &candr, a->max_mismatch),
            NULL, exit_code);
        /* the primary's results.json beside it, so `crest report DIR` shows both */
        char dir[4096], path[4200];
        snprintf(dir, sizeof dir, "%s", a->out);
        snprintf(path, sizeof path, "%s/results.json", dirname(dir));
        results_meta m = {.command = "crest shadow", .scenario = a->scenario,
                          .connections = a->f.eng.connections, .timeout_s = a->f.eng.timeout_s};
        exit_code = run_output_write(path, results_to_json(&prim, &m), NULL, exit_code);
    }
    run_result_free(&prim);
    run_result_free(&candr);
    shadow_diff_free(&d);
    return exit_code;
}

int cmd_shadow(int argc, char **argv)
{
    shadow_args a;
    int pr = parse_args(argc, argv, &a);
    int rc = CREST_EXIT_USAGE;
    if (pr == 1) {
        cli_print_help(stdout, &shadow_command);
        rc = CREST_EXIT_OK;
    } else if (pr == 0 && a.scenario) {
        scenario_options so = {.target = a.primary, .only = NULL, .growth = 0};
        loadplan *p = scenario_load(a.scenario, &so);
        if (p) {
            trim_slash(p->target);
            rc = run_shadow(&a, p);
        }
        loadplan_free(p);
    } else if (pr == 0) {
        replay_session s;
        rc = replay_session_open(&a.f.s, &s);
        if (rc == CREST_EXIT_OK) {
            rc = run_shadow(&a, s.plan);
            if (replay_feed_failed(s.feed))
                rc = CREST_EXIT_USAGE;
            replay_session_warn(&s);
        }
        replay_session_close(&s);
    }
    free(a.lists[0]);
    free(a.lists[1]);
    replay_flags_free(&a.f);
    return rc;
}

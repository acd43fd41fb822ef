/* cmd_compare.c: `crest compare BASELINE.json CURRENT.json`, a CI gate on
 * regressions between two runs. Argument handling only; the comparison
 * and its statistics live in reports/compare.c. */
#include <getopt.h>
#include <stdio.h>

#include "cli/commands.h"
#include "cli/optable.h"
#include "common/outpath.h"
#include "common/error.h"
#include "common/jsonio.h"
#include "reports/compare.h"

static const cli_option compare_options[] = {
    {"max-regression", 0, "SPEC", 'r', "allowances, e.g. 'p99=10%,rate=5%,errors=0.5%,alpha=1%'\n"
     "(defaults: p50=10%,p90=10%,p99=10%,rate=5%,errors=0.5%,alpha=1%;\n"
     "latency and rate are relative, errors absolute points)", 0},
    {"out", 'o', "FILE", 'o', "also write the verdicts as JSON (schema crest.compare/1);\n"
     "- for stdout", 0},
    {"json", 0, "FILE", 'j', "the same as --out (kept for older scripts)", 0},
    {"quiet", 'q', NULL, 'q', "no table, only the verdict line", 0},
    {"help", 'h', NULL, 'h', "this help", 0},
};

const cli_command compare_command = {
    .name = "compare",
    .summary = "compare two runs and gate on regressions",
    .synopsis = "crest compare BASELINE.json CURRENT.json [--max-regression SPEC] [-o FILE]",
    .description =
        "Compares two runs (results.json) in total and per subsystem on p50/p90/p99 latency,\n"
        "ok rate and error rate. A metric regresses only when its change is beyond the\n"
        "allowance AND the per-second values differ significantly (one-sided Mann-Whitney U\n"
        "over the runs' seconds, p < alpha): noise alone never fails the gate.",
    .options = compare_options,
    .noptions = sizeof compare_options / sizeof compare_options[0],
    .footer = "exit: 0 pass, 1 a significant regression beyond the allowance, 2 bad input,\n"
              "      3 a change beyond the allowance could not be tested (too few seconds)",
    .positional = "file",
};

int cmd_compare(int argc, char **argv)
{
    struct option options[CLI_MAX_OPTIONS + 1];
    char shorts[32];
    cli_getopt_spec(&compare_command, ":", options, shorts, sizeof shorts);
    int quiet = 0;
    compare_allowance a;
    compare_allowance_default(&a);
    const char *json_out = NULL;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shorts, options, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (compare_allowance_parse(optarg, &a) != 0)
                return CREST_EXIT_USAGE;
            break;
        case 'o':
        case 'j': json_out = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': cli_print_help(stdout, &compare_command); return CREST_EXIT_OK;
        default:
            cli_bad_option(&compare_command, c, argc, argv);
            return CREST_EXIT_USAGE;
        }
    }
    if (argc - optind != 2) {
        crest_error("compare: expected BASELINE.json and CURRENT.json (see crest compare --help)");
        return CREST_EXIT_USAGE;
    }
    if (json_out && outpath_check("-o/--out", json_out) != 0)
        return CREST_EXIT_USAGE;
    if (outpath_is_stdout(json_out) && outpath_claim_stdout() != 0)
        return CREST_EXIT_RUN;
    compare_report r;
    if (compare_results_paths(argv[optind], argv[optind + 1], &a, &r) != 0)
        return CREST_EXIT_USAGE;
    if (quiet)
        printf("compare: %s\n", r.exit_code == CREST_EXIT_OK     ? "pass"
                               : r.exit_code == CREST_EXIT_GATE ? "REGRESSION"
                                                                : "untestable (too few seconds)");
    else
        compare_report_print(&r, stdout);
    int code = r.exit_code;
    if (json_out) {
        cJSON *doc = compare_report_to_json(&r);
        if (!doc || jsonio_write_file(json_out, doc) != 0)
            code = CREST_EXIT_RUN;
        cJSON_Delete(doc);
    }
    compare_report_free(&r);
    return code;
}

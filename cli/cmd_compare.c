/* cmd_compare.c: `crest compare BASELINE.json CURRENT.json`, a CI gate on
 * regressions between two runs. Argument handling only; the comparison
 * and its statistics live in reports/compare.c. */
#include <getopt.h>
#include <stdio.h>

#include "cli/commands.h"
#include "common/error.h"
#include "common/jsonio.h"
#include "reports/compare.h"

static void usage(FILE *out)
{
    fprintf(out,
        "usage: crest compare BASELINE.json CURRENT.json [--max-regression SPEC] [--json FILE]\n\n"
        "Compares two runs (results.json) in total and per subsystem on p50/p90/p99 latency,\n"
        "ok rate and error rate. A metric regresses only when its change is beyond the\n"
        "allowance AND the per-second values differ significantly (one-sided Mann-Whitney U\n"
        "over the runs' seconds, p < alpha): noise alone never fails the gate.\n\n"
        "  --max-regression SPEC  allowances, e.g. 'p99=10%%,rate=5%%,errors=0.5%%,alpha=1%%'\n"
        "                         (defaults: p50=10%%,p90=10%%,p99=10%%,rate=5%%,errors=0.5%%,alpha=1%%;\n"
        "                         latency and rate are relative, errors absolute points)\n"
        "  --json FILE            also write the verdicts as JSON (schema crest.compare/1)\n\n"
        "exit: 0 pass, 1 a significant regression beyond the allowance, 2 bad input,\n"
        "      3 a change beyond the allowance could not be tested (fewer than %d seconds)\n",
        COMPARE_MIN_SECONDS);
}

int cmd_compare(int argc, char **argv)
{
    static const struct option options[] = {
        {"max-regression", required_argument, NULL, 'r'},
        {"json", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    compare_allowance a;
    compare_allowance_default(&a);
    const char *json_out = NULL;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (compare_allowance_parse(optarg, &a) != 0)
                return CREST_EXIT_USAGE;
            break;
        case 'j': json_out = optarg; break;
        case 'h': usage(stdout); return CREST_EXIT_OK;
        default:
            crest_error("compare: unknown or incomplete option '%s' (see crest compare --help)",
                        argv[optind - 1]);
            return CREST_EXIT_USAGE;
        }
    }
    if (argc - optind != 2) {
        crest_error("compare: expected BASELINE.json and CURRENT.json (see crest compare --help)");
        return CREST_EXIT_USAGE;
    }
    compare_report r;
    if (compare_results_paths(argv[optind], argv[optind + 1], &a, &r) != 0)
        return CREST_EXIT_USAGE;
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

/* cmd_report.c: `crest report INPUTS... [--out DIR]`: renders a drill's
 * files into index.html, summary.txt, junit.xml and timeseries.csv
 * (report.h). Exit codes: 0 written, 2 bad usage or input (the file is
 * named), 3 the output could not be written. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/optable.h"
#include "common/outpath.h"
#include "common/error.h"
#include "reports/report.h"

static const cli_option report_options_table[] = {
    {"out", 'o', "DIR", 'o', "where to write (created when missing); defaults to the\n"
     "directory when exactly one directory is given", 0},
    {"title", 0, "TEXT", 'T', "the report's title (default: from the scenario or target)", 0},
    {"no-charts", 0, NULL, 'n', "tables only, do not run gnuplot", 0},
    {"quiet", 'q', NULL, 'q', "do not list the files written", 0},
    {"help", 'h', NULL, 'h', "this help", 0},
};

const cli_command report_command = {
    .name = "report",
    .summary = "render HTML, text, JUnit and CSV reports",
    .synopsis = "crest report INPUT... [-o DIR] [--title TEXT] [--no-charts]",
    .description =
        "Renders a drill's results into a review-ready report.\n"
        "INPUT is results.json, capacity.json, forecast.json or plan.json (recognised by\n"
        "their \"schema\"), or a directory holding them (a drill's output directory).",
    .options = report_options_table,
    .noptions = sizeof report_options_table / sizeof report_options_table[0],
    .footer = "Writes DIR/index.html (self-contained: inline CSS and SVG charts drawn by\n"
              "gnuplot), DIR/summary.txt, DIR/junit.xml and, with results.json,\n"
              "DIR/timeseries.csv. Charts need gnuplot (apt-get install gnuplot-nox; or set\n"
              "CREST_GNUPLOT to its path); without it the report says so and keeps its tables.\n"
              "Exit codes: 0 written, 2 bad usage or input, 3 could not write.",
    .positional = "dir",
};

int cmd_report(int argc, char **argv)
{
    struct option longopts[CLI_MAX_OPTIONS + 1];
    char shorts[32];
    cli_getopt_spec(&report_command, "+:", longopts, shorts, sizeof shorts);
    const char *out = NULL;
    report_options opt = {0};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'T': opt.title = optarg; break;
        case 'n': opt.no_charts = 1; break;
        case 'q': opt.quiet = 1; break;
        case 'h': cli_print_help(stdout, &report_command); return CREST_EXIT_OK;
        default:
            cli_bad_option(&report_command, c, argc, argv);
            return CREST_EXIT_USAGE;
        }
    }
    /* Options may also follow the inputs: collect the rest by hand. */
    char **inputs = argv + optind;
    int ninputs = 0;
    for (int i = optind; i < argc; i++) {
        if ((strcmp(argv[i], "--out") == 0 || strcmp(argv[i], "-o") == 0) && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(argv[i], "--title") == 0 && i + 1 < argc) {
            opt.title = argv[++i];
        } else if (strncmp(argv[i], "--out=", 6) == 0) {
            out = argv[i] + 6;
        } else if (strcmp(argv[i], "--no-charts") == 0) {
            opt.no_charts = 1;
        } else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
            opt.quiet = 1;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            cli_print_help(stdout, &report_command);
            return CREST_EXIT_OK;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            crest_error("report: unknown or incomplete option '%s'; see crest report --help",
                        argv[i]);
            return CREST_EXIT_USAGE;
        } else {
            inputs[ninputs++] = argv[i];
        }
    }
    if (ninputs == 0) {
        crest_error("report: no input given; expected results.json, capacity.json, "
                    "forecast.json, plan.json or a drill directory (see crest report --help)");
        return CREST_EXIT_USAGE;
    }
    report_inputs in;
    if (report_inputs_load(&in, inputs, ninputs) != 0) {
        report_inputs_free(&in);
        return CREST_EXIT_USAGE;
    }
    if (!out)
        out = in.single_dir;
    if (!out) {
        crest_error("report: --out DIR is required unless the only input is a directory");
        report_inputs_free(&in);
        return CREST_EXIT_USAGE;
    }
    if (outpath_check_dir("-o/--out", out) != 0) {
        report_inputs_free(&in);
        return CREST_EXIT_USAGE;
    }
    report_outcome outcome;
    int rc = report_write(&in, out, &opt, &outcome);
    for (size_t i = 0; !opt.quiet && i < outcome.nwritten; i++)
        printf("wrote %s\n", outcome.written[i]);
    if (rc == CREST_EXIT_OK && !opt.quiet)
        printf("charts: %zu drawn%s%s\n", outcome.charts_drawn,
               outcome.charts_failed ? ", failed: " : "", outcome.charts_failed ? "see warnings" : "");
    report_inputs_free(&in);
    return rc;
}

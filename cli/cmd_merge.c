/* cmd_merge.c: `crest merge SHARD.json... --out results.json`: the shards
 * of a fleet run (`crest run --shard I/N`) into one results.json, judged
 * exactly as `crest run` judges a run (cli/run_output.h) on the merged
 * measurements. The merge itself lives in fleet/merge.c.
 *
 * Exit codes: 0 every gate passed on the merged result; 1 a threshold
 * failed or an abort rule stopped a shard; 2 bad usage or a shard file
 * that cannot be read; 3 the files are not one whole fleet run (a missing
 * or duplicate shard, different scenarios or settings: named), a shard was
 * interrupted, or a shard was generator-limited (inconclusive). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/optable.h"
#include "common/error.h"
#include "fleet/merge.h"
#include "cli/progress.h"
#include "cli/run_output.h"

static const cli_option merge_options[] = {
    {"out", 'o', "FILE", 'o', "the merged results.json (crest report / compare read it)", 0},
    {"quiet", 'q', NULL, 'q', "one line instead of the summary", 0},
    {"help", 'h', NULL, 'h', "this help", 0},
};

const cli_command merge_command = {
    .name = "merge",
    .summary = "merge the shard results of a fleet run into one",
    .synopsis = "crest merge SHARD.json... -o results.json [--quiet]",
    .description =
        "Merges the shard results of a fleet run (crest run --shard I/N, one file per shard)\n"
        "into the result one generator would have measured: histograms added exactly (total\n"
        "and per subsystem), counts summed and checked, per-second series aligned on the\n"
        "shared start, generator health kept per shard, and the shards' thresholds\n"
        "re-evaluated on the merged result.",
    .options = merge_options,
    .noptions = sizeof merge_options / sizeof merge_options[0],
    .footer = "exit: 0 all gates pass, 1 a gate failed, 2 bad usage or an unreadable shard file,\n"
              "      3 not one whole fleet run (missing/duplicate shard, different scenario or\n"
              "      settings), a shard interrupted, or a shard generator-limited (inconclusive)",
    .positional = "file",
};

static void print_fleet(const fleet_merged *m)
{
    printf("\nFleet: %u shards\n  %-5s %-24s %10s %10s %10s %9s  %s\n", m->count, "shard", "host",
           "scheduled", "ok", "p99 ms", "late ms", "generator");
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(m->fleet, "shards")) {
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(s, "generator");
        const cJSON *reason = cJSON_GetObjectItemCaseSensitive(g, "reason");
        printf("  %-5d %-24.24s %10.0f %10.0f %10.2f %9.1f  %s%s\n",
               cJSON_GetObjectItemCaseSensitive(s, "index")->valueint,
               cJSON_GetObjectItemCaseSensitive(s, "host")->valuestring,
               cJSON_GetObjectItemCaseSensitive(s, "scheduled")->valuedouble,
               cJSON_GetObjectItemCaseSensitive(s, "ok")->valuedouble,
               cJSON_GetObjectItemCaseSensitive(s, "latency_p99_ms")->valuedouble,
               cJSON_GetObjectItemCaseSensitive(s, "late_ms")->valuedouble,
               cJSON_IsString(reason) ? "LIMITED: " : "ok",
               cJSON_IsString(reason) ? reason->valuestring : "");
    }
}

int cmd_merge(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL;
    int quiet = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': cli_print_help(stdout, &merge_command); return CREST_EXIT_OK;
        case ':': crest_error("option '%s' needs a value", argv[optind - 1]); return CREST_EXIT_USAGE;
        default:
            crest_error("unknown option '%s' (see crest merge --help)", argv[optind - 1]);
            return CREST_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        crest_error("no shard files given; expected crest merge SHARD.json... --out FILE");
        return CREST_EXIT_USAGE;
    }
    fleet_merged m;
    int rc = fleet_merge((const char *const *)argv + optind, (size_t)(argc - optind), &m);
    if (rc != 0)
        return rc;
    const run_result *r = &m.merged;
    threshold_result *th = calloc(m.thresholds.count ? m.thresholds.count : 1, sizeof *th);
    char *command = run_output_command(argc, argv);
    if (!th || !command) {
        crest_error("out of memory");
        free(th);
        free(command);
        fleet_merged_free(&m);
        return CREST_EXIT_RUN;
    }
    size_t failed = thresholds_evaluate(&m.thresholds, r, th);
    if (quiet) {
        printf("crest merge: %u shards, %llu ok, %llu errors, %.1f ok/s, p99 %.2f ms\n", m.count,
               (unsigned long long)r->total.c.ok, (unsigned long long)r->total.c.errors,
               r->duration_s > 0 ? (double)r->total.c.ok / r->duration_s : 0,
               (double)hist_percentile(r->total.h.latency, 99) / 1000.0);
    } else {
        progress_summary(stdout, r, th, m.thresholds.count);
        print_fleet(&m);
    }
    if (m.interrupted[0])
        crest_error("interrupted shard%s: %s", strchr(m.interrupted, ';') ? "s" : "",
                    m.interrupted);
    int exit_code = run_output_verdict(r, failed, m.thresholds.count, "fleet");
    if (out)
        exit_code = run_output_write(out, fleet_merged_to_json(&m, th, m.thresholds.count, command),
                                     NULL, exit_code);
    free(th);
    free(command);
    fleet_merged_free(&m);
    return exit_code;
}

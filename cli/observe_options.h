/* observe_options.h: the observability flags `crest run` and `crest search`
 * share (--scrape, --scrape-interval, --scrape-match, --metrics-listen,
 * --metrics-linger, --hlog; docs/observe.md), so a flag means the same in
 * both and is listed the same in help, man page and completion. A command
 * splices OBSERVE_CLI_OPTIONS into its cli_option table and hands each
 * option to observe_flag before calling it unknown. */
#ifndef CREST_CLI_OBSERVE_OPTIONS_H
#define CREST_CLI_OBSERVE_OPTIONS_H

#include "observe/session.h"

/* Option ids far from any command's own (they count up from 256). */
enum {
    OBSERVE_OPT_SCRAPE = 0x4f00, OBSERVE_OPT_SCRAPE_INTERVAL, OBSERVE_OPT_SCRAPE_MATCH,
    OBSERVE_OPT_METRICS_LISTEN, OBSERVE_OPT_METRICS_LINGER, OBSERVE_OPT_HLOG
};

#define OBSERVE_SECTION "Observability (docs/observe.md)"

/* The --scrape and --metrics-listen entries (what `crest drill` passes on
 * to its stages too); HELP_SCRAPE is --scrape's help text. */
#define OBSERVE_CLI_SCRAPE(HELP_SCRAPE)                                                   \
    {"scrape", 0, "[NAME=]URL", OBSERVE_OPT_SCRAPE, HELP_SCRAPE, OBSERVE_SECTION},        \
    {"metrics-listen", 0, "ADDR:PORT", OBSERVE_OPT_METRICS_LISTEN,                          \
     "serve crest's live metrics for Prometheus at ADDR:PORT", 0}

#define OBSERVE_CLI_OPTIONS                                                                 \
    OBSERVE_CLI_SCRAPE("scrape a Prometheus endpoint during the run (repeatable;\n"          \
                       "a scenario subsystem's \"scrape\" adds one per subsystem)"),         \
    {"scrape-interval", 0, "DUR", OBSERVE_OPT_SCRAPE_INTERVAL, "default 1s (at least 50ms)", \
     0},                                                                                     \
    {"scrape-match", 0, "RE", OBSERVE_OPT_SCRAPE_MATCH,                                      \
     "metric families kept (POSIX ERE; default: node_exporter's\n"                           \
     "CPU/memory/load/network/disk/TCP set and the testbed's)", 0},                         \
    {"metrics-linger", 0, "DUR", OBSERVE_OPT_METRICS_LINGER,                                 \
     "keep serving the final values DUR after the run (default 0s)", 0},                    \
    {"hlog", 0, "FILE", OBSERVE_OPT_HLOG, "HdrHistogram interval log of latency, per second", 0}

/* Option C with argument ARG into O: 0 taken, -1 bad value (printed), 1 not
 * an observability flag. */
int observe_flag(observe_options *o, int c, const char *arg);

#endif

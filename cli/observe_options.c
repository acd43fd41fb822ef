/* observe_options.c: the observability flags of run and search (see
 * observe_options.h); values go through the shared parsers of options.h. */
#include "cli/observe_options.h"
#include "cli/options.h"
#include "common/error.h"

int observe_flag(observe_options *o, int c, const char *arg)
{
    switch (c) {
    case OBSERVE_OPT_SCRAPE:
        return observe_add_target(o, arg, "--scrape");
    case OBSERVE_OPT_SCRAPE_INTERVAL:
        if (option_duration("--scrape-interval", arg, 0, &o->scrape_interval_s) != 0)
            return -1;
        if (o->scrape_interval_s < 0.05) {
            crest_error("--scrape-interval '%s': expected at least 50ms", arg);
            return -1;
        }
        return 0;
    case OBSERVE_OPT_SCRAPE_MATCH:
        return observe_set_match(o, arg);
    case OBSERVE_OPT_METRICS_LISTEN:
        o->metrics_listen = arg;
        return 0;
    case OBSERVE_OPT_METRICS_LINGER:
        return option_duration("--metrics-linger", arg, 1, &o->metrics_linger_s);
    case OBSERVE_OPT_HLOG:
        o->hlog_path = arg;
        return 0;
    default:
        return 1;
    }
}

/* cmd_validate.c: `crest validate FILE`: loads a scenario exactly as `crest
 * run` would (scenario_load: every check, feeders and profiles read),
 * sends nothing, and prints the resolved timeline: per phase its start,
 * duration, rate range, expected requests and mix shares per subsystem,
 * then the totals. Exit 0 when valid, 2 when not (the errors say where). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/optable.h"
#include "common/error.h"
#include "common/units.h"
#include "loadgen/feeder.h"
#include "loadgen/loadplan.h"
#include "loadgen/scenario.h"
#include "loadgen/template.h"

#define MAX_ONLY 64

static const cli_option validate_options[] = {
    {"target", 0, "URL", 0, "the target `crest run` would use (overrides the file's)", 0},
    {"only", 0, "NAME", 0, "keep only subsystem NAME (repeatable, or NAME,NAME)", 0},
    {"growth", 0, "X", 0, "multiply every rate by X, on top of the file's growth", 0},
    {"quiet", 'q', NULL, 'q', "print nothing when the scenario is valid", 0},
    {"help", 'h', NULL, 'h', "this help", 0},
};

const cli_command validate_command = {
    .name = "validate",
    .summary = "check a scenario and print its resolved timeline",
    .synopsis = "crest validate SCENARIO.json [--target URL] [--only NAME]... [--growth X]",
    .description =
        "Checks a scenario without sending anything (unknown keys, shapes, rates, mixes,\n"
        "templates, feeder files and columns, thresholds) and prints the resolved timeline:\n"
        "per phase its start, duration, rate range, expected requests and mix shares per\n"
        "subsystem, and the total expected number of requests.",
    .options = validate_options,
    .noptions = sizeof validate_options / sizeof validate_options[0],
    .footer = "exit: 0 valid, 2 invalid (each error names the file and line or JSON path)",
    .positional = "file",
};

/* Lowest rate of a phase's curve (sampled; the curves are piecewise linear
 * or a sine, so a fine grid finds it). */
static double curve_min(const rate_curve *c, double duration)
{
    double m = INFINITY;
    size_t n = (size_t)fmin(fmax(ceil(duration * 100), 100), 1e6);
    for (size_t i = 0; i <= n; i++)
        m = fmin(m, rate_curve_at(c, duration * (double)i / (double)n, duration));
    return m;
}

static unsigned endpoint_feeders(const loadplan_endpoint *e)
{
    unsigned used = template_feeders_used(e->path) | template_feeders_used(e->body);
    for (size_t h = 0; h < e->nheaders; h++)
        used |= template_feeders_used(e->headers[h]);
    return used;
}

/* Share of the phase's traffic per subsystem into SHARE (nsubsystems). */
static void phase_shares(const loadplan *p, const loadplan_phase *ph, double *share)
{
    double total = 0;
    for (size_t s = 0; s < p->nsubsystems; s++)
        share[s] = 0;
    for (size_t e = 0; e < p->nendpoints; e++) {
        double w = ph->mix ? ph->mix[e] : p->endpoints[e].weight;
        share[p->endpoints[e].subsystem] += w;
        total += w;
    }
    for (size_t s = 0; s < p->nsubsystems; s++)
        share[s] = total > 0 ? share[s] / total : 0;
}

static void print_rules(const char *label, const threshold_set *set)
{
    if (set->count == 0)
        return;
    printf("%s:", label);
    for (size_t i = 0; i < set->count; i++)
        printf("%s %s", i ? "," : "", set->items[i].expr);
    printf("\n");
}

static void print_header(const loadplan *p, const char *const *only)
{
    printf("scenario %s (%s): valid\n", p->name, p->source);
    if (only) {
        printf("only:");
        for (const char *const *o = only; *o; o++)
            printf(" %s", *o);
        printf(" (rates scaled to their share of each phase)\n");
    }
    printf("target: %s\n", p->target ? p->target : "embedded testbed (started by crest run)");
    printf("arrivals: %s\n", p->poisson ? "poisson" : "uniform");
    for (size_t i = 0; i < p->nfeeders; i++)
        printf("feeder %s: %s, %s, %zu rows\n", feeder_name(p->feeders[i]),
               feeder_path(p->feeders[i]), feeder_mode_name(feeder_get_mode(p->feeders[i])),
               feeder_rows(p->feeders[i]));
}

static void print_subsystems(const loadplan *p)
{
    printf("\nsubsystems (%zu):\n  %-14s %9s %9s %9s %10s %s\n", p->nsubsystems, "name",
           "endpoints", "calls/pv", "slo p99", "slo errors", "shed");
    for (size_t s = 0; s < p->nsubsystems; s++) {
        const loadplan_subsystem *ps = &p->subsystems[s];
        size_t n = 0;
        for (size_t e = 0; e < p->nendpoints; e++)
            n += p->endpoints[e].subsystem == s;
        char slo[24] = "-", err[24] = "-", shed[192] = "-";
        if (ps->slo_p99_ms > 0)
            snprintf(slo, sizeof slo, "%gms", ps->slo_p99_ms);
        if (ps->slo_error_rate >= 0)
            snprintf(err, sizeof err, "%g%%", ps->slo_error_rate * 100);
        size_t used = 0;
        for (size_t k = 0; k < ps->nshed && used < sizeof shed; k++)
            used += (size_t)snprintf(shed + used, sizeof shed - used, "%s%d", k ? "," : "",
                                     ps->shed_status[k]);
        if (ps->shed_header && used < sizeof shed)   /* degraded answers marked by a header */
            snprintf(shed + used, sizeof shed - used, "%shdr:%s", used ? "," : "",
                     ps->shed_header);
        printf("  %-14s %9zu %9g %9s %10s %s\n", ps->name, n, ps->calls_per_pv, slo, err, shed);
    }

}

/* Prints each phase with its mix, and adds to FEEDER_NEED the rows each
 * feeder will be asked for (unique feeders must have enough). Returns the
 * expected open-loop requests; *PEAK, *CLOSED and *SECONDS describe the
 * timeline. */
static double print_timeline(const loadplan *p, double *share, double *feeder_need,
                             double *peak, int *closed, double *seconds)
{
    char b1[32], b2[32];
    printf("\ntimeline:\n  %-16s %9s %9s  %-8s %-22s %12s\n", "phase", "start", "duration",
           "shape", "rate/s (min-max)", "expected");
    static const char *const shapes[] = {"constant", "ramp", "step", "spike", "sine", "profile"};
    double start = 0, total = 0;
    *peak = 0;
    *closed = 0;
    for (size_t i = 0; i < p->nphases; i++) {
        const loadplan_phase *ph = &p->phases[i];
        char range[48], expected[32];
        double exp = 0;
        if (ph->connections > 0) {
            *closed = 1;
            snprintf(range, sizeof range, "%d connections", ph->connections);
            if (ph->think_s > 0) {
                exp = ph->connections * ph->duration_s / ph->think_s;
                snprintf(expected, sizeof expected, "<= %.0f", exp);
            } else {
                snprintf(expected, sizeof expected, "(closed loop)");
            }
        } else {
            double lo = curve_min(&ph->rate, ph->duration_s);
            double hi = rate_curve_max(&ph->rate, ph->duration_s);
            *peak = fmax(*peak, hi);
            exp = rate_curve_expected(&ph->rate, ph->duration_s);
            total += exp;
            snprintf(range, sizeof range, "%.0f - %.0f", lo, hi);
            snprintf(expected, sizeof expected, "%.0f", exp);
        }
        printf("  %-16s %9s %9s  %-8s %-22s %12s\n", ph->name,
               start > 0 ? units_format_duration(start, b1, sizeof b1) : "0s",
               units_format_duration(ph->duration_s, b2, sizeof b2),
               ph->connections > 0 ? "closed" : shapes[ph->rate.shape], range, expected);
        phase_shares(p, ph, share);
        printf("      mix:");
        for (size_t s = 0; s < p->nsubsystems; s++)
            printf(" %s %.1f%%", p->subsystems[s].name, share[s] * 100);
        printf("\n");
        /* Rows a feeder will be asked for (unique feeders must have enough). */
        double wsum = 0;
        for (size_t e = 0; e < p->nendpoints; e++)
            wsum += ph->mix ? ph->mix[e] : p->endpoints[e].weight;
        for (size_t e = 0; e < p->nendpoints && wsum > 0; e++) {
            unsigned used = endpoint_feeders(&p->endpoints[e]);
            double w = (ph->mix ? ph->mix[e] : p->endpoints[e].weight) / wsum;
            for (size_t f = 0; f < p->nfeeders; f++)
                if (used & (1u << f))
                    feeder_need[f] += exp * w;
        }
        start += ph->duration_s;
    }
    *seconds = start;
    return total;
}

static void print_plan(const loadplan *p, const char *const *only)
{
    print_header(p, only);
    print_subsystems(p);
    double *share = calloc(p->nsubsystems, sizeof *share);
    double *feeder_need = calloc(LOADPLAN_MAX_FEEDERS, sizeof *feeder_need);
    if (!share || !feeder_need) {
        free(share);
        free(feeder_need);
        return;
    }
    char b1[32];
    double peak, start;
    int closed;
    double total = print_timeline(p, share, feeder_need, &peak, &closed, &start);
    printf("\ntotal: %s, expected requests %.0f%s, peak %.0f req/s\n",
           units_format_duration(start, b1, sizeof b1), total,
           closed ? " (open-loop phases; closed-loop phases depend on latency)" : "", peak);
    print_rules("thresholds", &p->thresholds);
    print_rules("abort", &p->aborts);
    for (size_t f = 0; f < p->nfeeders; f++) {
        if (feeder_get_mode(p->feeders[f]) == FEEDER_UNIQUE &&
            feeder_need[f] > (double)feeder_rows(p->feeders[f]))
            crest_warn("unique feeder '%s' has %zu rows but about %.0f requests use it: the "
                       "rest will be dropped (counted as 'dropped')",
                       feeder_name(p->feeders[f]), feeder_rows(p->feeders[f]), feeder_need[f]);
    }
    free(share);
    free(feeder_need);
}

int cmd_validate(int argc, char **argv)
{
    const char *file = NULL, *only[MAX_ONLY + 1] = {0};
    char *only_buf[MAX_ONLY] = {0};
    size_t nonly = 0, nbuf = 0;
    scenario_options opts = {0};
    int rc = CREST_EXIT_USAGE, quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cli_print_help(stdout, &validate_command);
            rc = CREST_EXIT_OK;
            goto out;
        }
        if ((strcmp(a, "--target") == 0 || strcmp(a, "--only") == 0 ||
             strcmp(a, "--growth") == 0) && i + 1 >= argc) {
            crest_error("%s needs a value", a);
            goto out;
        }
        if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = 1;
        } else if (strncmp(a, "--target=", 9) == 0) {
            opts.target = a + 9;
        } else if (strcmp(a, "--target") == 0) {
            opts.target = argv[++i];
        } else if (strcmp(a, "--growth") == 0) {
            if (units_parse_double(argv[++i], &opts.growth) != 0 || opts.growth <= 0) {
                crest_error("--growth: expected a positive number; found '%s'", argv[i]);
                goto out;
            }
        } else if (strcmp(a, "--only") == 0) {
            char *list = strdup(argv[++i]), *save = NULL;
            if (!list || nbuf == MAX_ONLY)
                goto out;
            only_buf[nbuf++] = list;
            for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                if (nonly == MAX_ONLY) {
                    crest_error("--only: at most %d names", MAX_ONLY);
                    goto out;
                }
                only[nonly++] = tok;
            }
        } else if (a[0] == '-' && a[1]) {
            crest_error("validate: unknown option '%s'; expected --target, --only, --growth, "
                        "--quiet, --help", a);
            goto out;
        } else if (file) {
            crest_error("validate: one scenario file expected; found '%s' and '%s'", file, a);
            goto out;
        } else {
            file = a;
        }
    }
    if (!file) {
        cli_print_help(stderr, &validate_command);
        goto out;
    }
    opts.only = nonly ? only : NULL;
    loadplan *p = scenario_load(file, &opts);
    if (!p)
        goto out;
    if (!quiet)
        print_plan(p, opts.only);
    loadplan_free(p);
    rc = CREST_EXIT_OK;
out:
    for (size_t i = 0; i < nbuf; i++)
        free(only_buf[i]);
    return rc;
}

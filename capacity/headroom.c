/* headroom.c: demand, headroom, status and instances needed for
 * `crest plan` (see headroom.h). Pure arithmetic: no files, no output. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "capacity/headroom.h"
#include "common/units.h"

/* Float slack when comparing a computed capacity with a target, so that
 * 2 x 500 >= 1000 holds although 1000 came out of a division. */
#define HEADROOM_EPS 1e-9

/* Scale-out search stops here; beyond it the answer is "unreachable". */
#define HEADROOM_MAX_INSTANCES 1000000L

const char *headroom_status_name(headroom_status s)
{
    switch (s) {
    case HEADROOM_OK: return "ok";
    case HEADROOM_TIGHT: return "tight";
    case HEADROOM_INCONCLUSIVE: return "inconclusive";
    case HEADROOM_SHORTFALL: return "shortfall";
    }
    return "?";
}

double headroom_demand_rps(double peak_value, double unit_seconds, double peak_factor,
                       double calls_per_pv)
{
    if (unit_seconds <= 0)
        return 0;
    return peak_value / unit_seconds * peak_factor * calls_per_pv;
}

double headroom_unit_seconds(const char *unit)
{
    static const struct { const char *name; double seconds; } units[] = {
        {"second", 1}, {"minute", 60}, {"hour", 3600}, {"day", 86400}, {"date", 86400},
        {"week", 7 * 86400}, {"month", 30 * 86400}, {"year", 365 * 86400},
    };
    if (!unit)
        return 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        size_t n = strlen(units[i].name);
        /* "day" and "days" both name the unit. */
        if (strncmp(unit, units[i].name, n) == 0 && (unit[n] == '\0' || strcmp(unit + n, "s") == 0))
            return units[i].seconds;
    }
    return 0;
}

double headroom_peak_factor_of_profile(const double *samples, size_t n)
{
    if (n == 0)
        return 0;
    double peak = samples[0], area = 0;
    for (size_t i = 0; i < n; i++) {
        if (samples[i] > peak)
            peak = samples[i];
        if (i + 1 < n)
            area += (samples[i] + samples[i + 1]) / 2;
    }
    double mean = n == 1 ? samples[0] : area / (double)(n - 1);
    return mean > 0 ? peak / mean : 0;
}

/* Throughput of N instances in units of the measured capacity: the USL curve
 * scaled so that X(1) equals what one measured deployment serves under its
 * SLO (the sweep's raw throughput usually exceeds the SLO-bound capacity). */
static double usl_scaled(const usl_fit *usl, double capacity_rps, long n)
{
    double x1 = usl_throughput(usl, 1);
    if (!(x1 > 0))
        return 0;
    return capacity_rps * usl_throughput(usl, (double)n) / x1;
}

long headroom_usl_instances(const usl_fit *usl, double capacity_rps, double target_rps,
                        double *x_max_rps)
{
    /* X(N) rises to its peak at N* = sqrt((1 - alpha) / beta) and falls
     * after it; with beta == 0 it rises towards gamma / alpha for ever. */
    long limit = HEADROOM_MAX_INSTANCES;
    double asymptote = INFINITY;
    if (usl->beta > 0) {
        double n_star = sqrt(fmax(0, 1 - usl->alpha) / usl->beta);
        limit = n_star + 2 < (double)HEADROOM_MAX_INSTANCES ? (long)ceil(n_star) + 1
                                                         : HEADROOM_MAX_INSTANCES;
    } else if (usl->alpha > 0) {
        asymptote = capacity_rps / usl->alpha;
    }
    double best = 0;
    long found = -1;
    for (long n = 1; n <= limit; n++) {
        double x = usl_scaled(usl, capacity_rps, n);
        if (x > best)
            best = x;
        if (x >= target_rps * (1 - HEADROOM_EPS)) {
            found = n;
            break;
        }
        /* Levelling off below the target: no N will do. */
        if (usl->beta <= 0 && target_rps >= asymptote * (1 - HEADROOM_EPS))
            break;
    }
    if (x_max_rps) {
        if (usl->beta > 0)
            *x_max_rps = fmax(best, usl_scaled(usl, capacity_rps, limit));
        else
            *x_max_rps = asymptote;   /* INFINITY when alpha == 0 too: linear */
    }
    return found;
}

/* Appends to ROW's notes, "; "-separated. */
static void add_note(headroom_row *row, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_note(headroom_row *row, const char *fmt, ...)
{
    size_t used = strlen(row->notes);
    if (used + 3 >= sizeof row->notes)
        return;
    if (used) {
        strcpy(row->notes + used, "; ");
        used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(row->notes + used, sizeof row->notes - used, fmt, ap);
    va_end(ap);
}

/* The status the rules give for a known capacity. */
static headroom_status status_of(double headroom, double headroom_hi95, double margin)
{
    if (headroom < 1)
        return HEADROOM_SHORTFALL;
    if (headroom < margin || headroom_hi95 < 1)
        return HEADROOM_TIGHT;
    return HEADROOM_OK;
}

static double ratio(double capacity, double demand)
{
    return demand > 0 ? capacity / demand : INFINITY;
}

static void instances_needed(headroom_row *row, const headroom_capacity *cap)
{
    if (!(row->capacity_rps > 0)) {
        row->instances_needed = -1;
        row->scaling_model = NULL;
        add_note(row, "scale-out cannot be sized from a capacity of 0");
        return;
    }
    if (cap->has_usl && !cap->usl.poor_fit) {
        row->scaling_model = "usl";
        row->instances_needed =
            headroom_usl_instances(&cap->usl, row->capacity_rps, row->target_rps, &row->x_max_rps);
        if (row->instances_needed < 0) {
            char x[32], t[32];
            add_note(row, "cannot reach with scale-out: X_max = %s rps < %s rps needed",
                     units_format_count(row->x_max_rps, x, sizeof x),
                     units_format_count(row->target_rps, t, sizeof t));
        }
        return;
    }
    row->scaling_model = "linear";
    snprintf(row->assumption, sizeof row->assumption, "%s",
             cap->has_usl ? "linear scaling assumed: the USL fit is poor"
                          : "linear scaling assumed: no USL sweep measured");
    double n = ceil(row->target_rps / row->capacity_rps * (1 - HEADROOM_EPS));
    row->instances_needed = n < 1 ? 1 : n > HEADROOM_MAX_INSTANCES ? -1 : (long)n;
}

void headroom_judge(headroom_row *row, const headroom_capacity *cap, double margin)
{
    row->notes[0] = '\0';
    row->assumption[0] = '\0';
    row->instances_now = 1;
    row->instances_needed = 0;
    row->x_max_rps = 0;
    row->scaling_model = NULL;
    row->capacity_measured = cap->measured;
    row->capacity_at_least = cap->measured && cap->at_least;
    row->capacity_rps = cap->measured && cap->passed ? cap->capacity_rps : 0;
    row->target_rps = fmax(row->demand_rps * margin, row->demand_hi95_rps);
    if (!cap->measured) {
        row->headroom = row->headroom_hi95 = NAN;
        row->status = HEADROOM_INCONCLUSIVE;
        add_note(row, "no capacity measured for this subsystem");
        return;
    }
    row->headroom = ratio(row->capacity_rps, row->demand_rps);
    row->headroom_hi95 = ratio(row->capacity_rps, row->demand_hi95_rps);
    headroom_status s = status_of(row->headroom, row->headroom_hi95, margin);
    if (row->capacity_at_least) {
        /* Only a lower bound: it can prove "enough", never "not enough". */
        if (s == HEADROOM_OK) {
            add_note(row, "capacity is a lower bound (limited by %s) but already covers "
                          "demand x margin",
                     cap->limited_by ? cap->limited_by : "the generator");
        } else {
            s = HEADROOM_INCONCLUSIVE;
            char c[32], t[32];
            add_note(row, "capacity is only a lower bound (%s rps, limited by %s): "
                          "cannot tell whether %s rps fit",
                     units_format_count(row->capacity_rps, c, sizeof c),
                     cap->limited_by ? cap->limited_by : "the generator",
                     units_format_count(row->target_rps, t, sizeof t));
        }
    } else if (!cap->passed) {
        add_note(row, "no tested rate passed the SLO");
    } else if (s == HEADROOM_SHORTFALL) {
        add_note(row, "mean demand exceeds capacity by %.0f%%",
                 (1 / row->headroom - 1) * 100);
    } else if (s == HEADROOM_TIGHT && row->headroom < margin) {
        add_note(row, "headroom %.2fx below the %.2fx safety margin", row->headroom, margin);
    } else if (s == HEADROOM_TIGHT) {
        add_note(row, "upper 95%% demand exceeds capacity (hi95 headroom %.2fx)",
                 row->headroom_hi95);
    }
    row->status = s;
    instances_needed(row, cap);
    if (row->capacity_at_least && row->instances_needed > 1)
        add_note(row, "instances sized from the lower bound: at most %ld", row->instances_needed);
}

headroom_status headroom_verdict(const headroom_row *rows, size_t n)
{
    int any[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < n; i++)
        any[rows[i].status] = 1;
    if (any[HEADROOM_SHORTFALL])
        return HEADROOM_SHORTFALL;
    if (any[HEADROOM_INCONCLUSIVE])
        return HEADROOM_INCONCLUSIVE;
    if (any[HEADROOM_TIGHT])
        return HEADROOM_TIGHT;
    return HEADROOM_OK;
}

int headroom_exit_code(headroom_status verdict)
{
    switch (verdict) {
    case HEADROOM_SHORTFALL: return 1;
    case HEADROOM_INCONCLUSIVE: return 3;
    default: return 0;
    }
}

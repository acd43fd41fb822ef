/* headroom.h: the capacity plan arithmetic of `crest plan` (demand vs
 * measured capacity, headroom, instances), kept apart from file
 * reading and printing (cli/cmd_plan.c) so it can be unit-tested.
 *
 * A forecast peak (say PV per day) becomes a per-second demand on each
 * subsystem, which is held against the capacity `crest search` measured:
 *
 *   demand_rps = peak_value / unit_seconds * peak_factor * calls_per_pv
 *
 * computed once for the forecast's mean and once for its upper 95% bound.
 * headroom = capacity / demand. The status rules, the instances needed and
 * the verdict are described at each function and in docs/plan-format.md.
 *
 * Not to be confused with loadgen/plan.h (a load plan: what the generator
 * sends); the names here all start with `plan_` + demand/judge/status. */
#ifndef CREST_CAPACITY_HEADROOM_H
#define CREST_CAPACITY_HEADROOM_H

#include <stddef.h>

#include "capacity/usl.h"

typedef enum headroom_status {
    HEADROOM_OK,            /* headroom >= margin and the hi95 demand fits too */
    HEADROOM_TIGHT,         /* 1 <= headroom < margin, or the hi95 demand does not fit */
    HEADROOM_INCONCLUSIVE,  /* capacity unknown or only a lower bound that does not settle it */
    HEADROOM_SHORTFALL      /* headroom < 1: the mean demand exceeds capacity */
} headroom_status;

/* "ok", "tight", "inconclusive", "shortfall". */
const char *headroom_status_name(headroom_status s);

/* Requests per second a subsystem sees at the peak second. PEAK_VALUE is
 * the forecast's value for one time unit of UNIT_SECONDS seconds (a day's
 * PV: 86400), PEAK_FACTOR the peak second's rate over that unit's average,
 * CALLS_PER_PV the subsystem's requests per page view. */
double headroom_demand_rps(double peak_value, double unit_seconds, double peak_factor,
                       double calls_per_pv);

/* Seconds in one forecast time unit ("day" -> 86400, "hour" -> 3600,
 * "minute", "second", "week", "month" (30 days), "year" (365 days)); 0 for
 * an unknown unit. */
double headroom_unit_seconds(const char *unit);

/* The peak factor of a traffic profile: its highest sample over its mean,
 * the profile being N equally spaced samples joined linearly (as a
 * scenario's profile phase plays them), so the mean is the trapezoid
 * average. 0 when N == 0 or the mean is not positive. */
double headroom_peak_factor_of_profile(const double *samples, size_t n);

/* What `crest search` measured for one subsystem (capacity.json). */
typedef struct headroom_capacity {
    int measured;              /* 0: no row for this subsystem in capacity.json */
    int passed;                /* 0: capacity_rps was null (no rate passed the SLO) */
    double capacity_rps;       /* highest passing rate (a lower bound when at_least) */
    int at_least;              /* 1: generator-limited or max_rate reached */
    const char *limited_by;    /* as in capacity.json, or NULL; borrowed */
    int has_usl;               /* 1: `usl` below comes from a sweep of this subsystem */
    usl_fit usl;               /* N = instances; only alpha, beta, gamma, poor_fit used */
} headroom_capacity;

/* One subsystem's line of the plan. Strings are inline; no allocation. */
typedef struct headroom_row {
    char name[128];
    double calls_per_pv;
    double demand_rps, demand_hi95_rps;
    double capacity_rps;       /* 0 when not measured or nothing passed */
    int capacity_measured, capacity_at_least;
    double headroom, headroom_hi95;   /* capacity / demand; INFINITY when demand is 0 */
    headroom_status status;
    int instances_now;         /* 1: the deployment that was measured is the unit */
    long instances_needed;     /* to serve max(demand x margin, hi95 demand); -1: unreachable,
                                  0: unknown (no capacity measured) */
    double target_rps;         /* max(demand x margin, hi95 demand) */
    double x_max_rps;          /* USL: the most scale-out can give (capacity units); 0 otherwise */
    const char *scaling_model; /* "usl", "linear", or NULL (not computed); static string */
    char assumption[160];      /* why linear was assumed, or "" */
    char notes[512];           /* human explanation of the status */
} headroom_row;

/* Fills ROW's headroom, status, instances and notes from its demand fields
 * (name, calls_per_pv, demand_rps, demand_hi95_rps set by the caller) and
 * CAP, with safety MARGIN (> 1, e.g. 1.3). Rules:
 *   - not measured                 -> inconclusive ("no capacity measured")
 *   - nothing passed the SLO       -> shortfall (capacity 0)
 *   - headroom < 1                 -> shortfall
 *   - headroom < margin            -> tight
 *   - hi95 headroom < 1            -> tight (the upper bound of the forecast does not fit)
 *   - otherwise                    -> ok
 *   - at_least (lower bound only): ok when the rules above give ok even for
 *     the lower bound; otherwise inconclusive (the true capacity may suffice).
 * Instances needed: the smallest N with capacity * X(N)/X(1) >= target from
 * the USL when measured (and not a poor fit), else linear
 * ceil(target / capacity), flagged in `assumption`. */
void headroom_judge(headroom_row *row, const headroom_capacity *cap, double margin);

/* The smallest instance count N >= 1 whose USL throughput scaled to the
 * measured capacity, capacity_rps * X(N) / X(1), reaches TARGET_RPS; -1 when
 * no N does (X peaks at N* or levels off at gamma/alpha below the target).
 * *X_MAX_RPS receives the highest scaled throughput scale-out can reach. */
long headroom_usl_instances(const usl_fit *usl, double capacity_rps, double target_rps,
                        double *x_max_rps);

/* The overall verdict: shortfall if any row is short, else inconclusive if
 * any is, else tight if any is, else ok. OK for zero rows. */
headroom_status headroom_verdict(const headroom_row *rows, size_t n);

/* crest exit code of a verdict: shortfall 1, inconclusive 3, ok/tight 0. */
int headroom_exit_code(headroom_status verdict);

#endif

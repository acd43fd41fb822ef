/* engine_arrivals.c: open-loop arrival times (see engine_arrivals.h).
 *
 * Constant and ramp phases are linear in time, so Lambda is a quadratic
 * inside them and an arrival time is the root of that quadratic: exact,
 * one step per phase, no drift over millions of arrivals (positions are
 * computed from the phase start, never accumulated per arrival). Other
 * shapes are integrated on a 10 ms grid with the trapezoid rule, linear
 * inside a grid step. */
#include <math.h>
#include <stdlib.h>

#include "loadgen/engine_arrivals.h"

#define GRID_S 0.01

int arrival_clock_init(arrival_clock *c, const loadplan *p, int poisson, unsigned index,
                       unsigned count, rng *r)
{
    c->plan = p;
    c->phase_start = malloc((p->nphases ? p->nphases : 1) * sizeof *c->phase_start);
    if (!c->phase_start)
        return -1;
    double s = 0;
    for (size_t i = 0; i < p->nphases; i++) {
        c->phase_start[i] = s;
        s += p->phases[i].duration_s;
    }
    c->end_s = s;
    c->phase = 0;
    c->t = 0;
    c->lam = 0;
    c->poisson = poisson;
    c->r = r;
    c->count = count ? count : 1;
    c->stride = c->count / shard_fraction(&p->shard);
    c->rank = index;
    if (poisson)
        c->next = rng_exponential(r, c->stride);
    else   /* mid-unit: no arrival lands on a phase edge */
        c->next = (double)shard_global_index(&p->shard, c->rank) + 0.5;
    return 0;
}

void arrival_clock_free(arrival_clock *c)
{
    free(c->phase_start);
    c->phase_start = NULL;
}

/* Smallest x in [0, h] with lam + r0 x + (r1 - r0) x^2 / (2h) = target,
 * in the form that is stable for rising, falling and flat rates. */
static double solve_step(double need, double r0, double r1, double h)
{
    if (need <= 0)
        return 0;
    double a = (r1 - r0) / (2 * h);
    double disc = r0 * r0 + 4 * a * need;
    if (disc < 0)
        disc = 0;
    double den = r0 + sqrt(disc);
    double x = den > 0 ? 2 * need / den : h;
    if (x < 0)
        x = 0;
    if (x > h)
        x = h;
    return x;
}

/* Finds where Lambda reaches TARGET, moving the cursor forward over whole
 * steps only. -1 past the end of the plan. */
static double advance_to(arrival_clock *c, double target)
{
    const loadplan *p = c->plan;
    while (c->phase < p->nphases) {
        const loadplan_phase *ph = &p->phases[c->phase];
        double start = c->phase_start[c->phase];
        double end = start + ph->duration_s;
        if (ph->connections > 0 || c->t >= end) {
            c->phase++;
            if (c->phase < p->nphases)
                c->t = c->phase_start[c->phase];
            continue;
        }
        int linear = ph->rate.shape == SHAPE_CONSTANT || ph->rate.shape == SHAPE_RAMP;
        double h = linear ? end - c->t : fmin(GRID_S, end - c->t);
        double tin = c->t - start;
        double r0 = rate_curve_at(&ph->rate, tin, ph->duration_s);
        double r1 = rate_curve_at(&ph->rate, tin + h, ph->duration_s);
        double inc = (r0 + r1) / 2 * h;
        if (c->lam + inc >= target && inc > 0) {
            double at = c->t + solve_step(target - c->lam, r0, r1, h);
            return at < c->end_s ? at : -1;
        }
        c->lam += inc;
        c->t = (h == end - c->t) ? end : c->t + h;
    }
    return -1;
}

double arrival_clock_next(arrival_clock *c)
{
    double at = advance_to(c, c->next);
    if (at < 0)
        return -1;
    if (c->poisson) {
        c->next += rng_exponential(c->r, c->stride);
    } else {
        c->rank += c->count;
        c->next = (double)shard_global_index(&c->plan->shard, c->rank) + 0.5;
    }
    return at;
}

/* engine_arrivals.h: the open-loop arrival timeline of a plan, for one of
 * COUNT generator threads. Internal to the engine (and its unit tests).
 *
 * The expected number of arrivals up to time t is the integral of the
 * plan's rate, Lambda(t), over its open-loop phases (closed-loop phases add
 * nothing). Uniform arrivals happen where Lambda reaches n + 1/2 (the middle
 * of each unit, so a whole number of expected arrivals gives exactly that
 * many, and none lands on a phase edge); thread k of COUNT takes n = k,
 * k+COUNT, ... so the threads together produce exactly the uniform
 * sequence. Poisson arrivals are exponential
 * gaps in "operational time" (Lambda), mean COUNT per thread, so that the
 * superposition of the threads is a Poisson process of the plan's rate.
 *
 * In a fleet (plan->shard, loadgen/shard.h) the unit n above is numbered in
 * the single-machine sequence: a shard owns the units of its slots (n mod
 * W in [lo, hi)), and its threads split those by rank (rank = k, k+COUNT,
 * ...), so every unit goes to exactly one thread of one shard. Poisson
 * gaps get mean COUNT / fraction, the shard's part of the rate. */
#ifndef CREST_ENGINE_ARRIVALS_H
#define CREST_ENGINE_ARRIVALS_H

#include "common/rng.h"
#include "loadgen/loadplan.h"

typedef struct arrival_clock {
    const loadplan *plan;
    double *phase_start;   /* owned: start of each phase, seconds */
    double end_s;          /* plan duration */
    size_t phase;          /* phase of the integration cursor */
    double t;              /* integration cursor: seconds from plan start */
    double lam;            /* Lambda(t) */
    double next;           /* Lambda value of the next arrival */
    double stride;         /* Poisson: mean gap in Lambda units */
    uint64_t rank;         /* uniform: this thread's next rank among the shard's units */
    unsigned count;        /* uniform: rank step (threads) */
    int poisson;
    rng *r;
} arrival_clock;

/* 0, or -1 when out of memory. R is used for Poisson gaps only (may be
 * NULL for uniform). Free with arrival_clock_free. */
int arrival_clock_init(arrival_clock *c, const loadplan *p, int poisson, unsigned index,
                       unsigned count, rng *r);
void arrival_clock_free(arrival_clock *c);

/* Seconds from the plan start of the next arrival of this thread, or -1
 * when there is none before the plan ends. Arrivals come in order. */
double arrival_clock_next(arrival_clock *c);

#endif

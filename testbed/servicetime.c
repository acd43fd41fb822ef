/* servicetime.c: see servicetime.h. */
#include <math.h>
#include <string.h>

#include "testbed/servicetime.h"

void service_dist_init(service_dist *d, service_dist_kind kind, double mean_s, double sigma)
{
    d->kind = kind;
    d->mean_s = mean_s;
    d->sigma = kind == SERVICE_LOGNORMAL ? sigma : 0;
    d->mu = kind == SERVICE_LOGNORMAL ? log(mean_s) - sigma * sigma / 2 : 0;
}

double service_dist_sample(const service_dist *d, rng *r)
{
    double s;
    switch (d->kind) {
    case SERVICE_EXPONENTIAL:
        s = rng_exponential(r, d->mean_s);
        break;
    case SERVICE_LOGNORMAL:
        s = exp(d->mu + d->sigma * rng_normal(r));
        break;
    case SERVICE_FIXED:
    default:
        s = d->mean_s;
        break;
    }
    /* A zero draw (u = 0 for the exponential) would make a timer of zero
     * length, which is harmless but would be a service time nobody has. */
    return s > 1e-9 ? s : 1e-9;
}

static const char *const dist_names[] = {"fixed", "exponential", "lognormal"};

const char *service_dist_name(service_dist_kind kind)
{
    return (unsigned)kind < 3 ? dist_names[kind] : "?";
}

int service_dist_parse(const char *name, service_dist_kind *out)
{
    for (int i = 0; i < 3; i++) {
        if (strcmp(name, dist_names[i]) == 0) {
            *out = (service_dist_kind)i;
            return 0;
        }
    }
    return -1;
}

void token_bucket_init(token_bucket *b, double rate, double burst, double now)
{
    b->rate = rate;
    b->burst = burst;
    b->tokens = burst;
    b->last = now;
}

int token_bucket_take(token_bucket *b, double now)
{
    if (now > b->last) {
        b->tokens += (now - b->last) * b->rate;
        if (b->tokens > b->burst)
            b->tokens = b->burst;
        b->last = now;
    }
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        return 1;
    }
    return 0;
}

double fault_window_end(const fault_window *w, double t)
{
    if (w->every_s <= 0 || w->for_s <= 0 || t < w->every_s)
        return -1;
    double k = floor(t / w->every_s);
    double start = k * w->every_s;
    return t < start + w->for_s ? start + w->for_s : -1;
}

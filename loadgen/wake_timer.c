/* wake_timer.c: one-shot or ticking timerfd for the engine's scheduler
 * (see wake_timer.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "loadgen/wake_timer.h"

#define NS 1000000000ull

int wake_timer_init(wake_timer *t, uint64_t granularity_ns, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->granularity_ns = granularity_ns ? granularity_ns : 1;
    t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (t->fd < 0) {
        snprintf(err, errlen, "timerfd_create: %s", strerror(errno));
        return -1;
    }
    return 0;
}

void wake_timer_close(wake_timer *t)
{
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
}

wake_action wake_timer_plan(const wake_timer *t, uint64_t now, uint64_t next, int exact)
{
    int armed = t->ticking || t->oneshot_ns;
    if (next == WAKE_TIMER_NEVER)
        return exact && armed ? WAKE_DISARM : WAKE_KEEP;
    int dense = next <= now || next - now <= t->granularity_ns;
    if (t->ticking)   /* the next tick is at most a granularity away */
        return dense ? WAKE_KEEP : exact ? WAKE_ONESHOT : WAKE_KEEP;
    if (dense)
        return WAKE_TICK;
    if (t->oneshot_ns == next || (!exact && t->oneshot_ns && t->oneshot_ns <= next))
        return WAKE_KEEP;
    return WAKE_ONESHOT;
}

static void settime(wake_timer *t, uint64_t at, uint64_t interval)
{
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    if (at) {
        its.it_value.tv_sec = (time_t)(at / NS);
        its.it_value.tv_nsec = (long)(at % NS);
    }
    its.it_interval.tv_sec = (time_t)(interval / NS);
    its.it_interval.tv_nsec = (long)(interval % NS);
    timerfd_settime(t->fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void apply(wake_timer *t, wake_action a, uint64_t at)
{
    switch (a) {
    case WAKE_KEEP:
        return;
    case WAKE_ONESHOT:
        settime(t, at, 0);
        t->oneshot_ns = at;
        t->ticking = 0;
        return;
    case WAKE_TICK:
        settime(t, at ? at : 1, t->granularity_ns);   /* a past instant fires at once */
        t->oneshot_ns = 0;
        t->ticking = 1;
        return;
    case WAKE_DISARM:
        settime(t, 0, 0);
        t->oneshot_ns = 0;
        t->ticking = 0;
        return;
    }
}

void wake_timer_next(wake_timer *t, uint64_t now, uint64_t next)
{
    apply(t, wake_timer_plan(t, now, next, 1), next);
}

void wake_timer_also(wake_timer *t, uint64_t now, uint64_t at)
{
    apply(t, wake_timer_plan(t, now, at, 0), at);
}

void wake_timer_ack(wake_timer *t)
{
    uint64_t expirations;
    if (read(t->fd, &expirations, sizeof expirations) == (ssize_t)sizeof expirations &&
        !t->ticking)
        t->oneshot_ns = 0;
}

void wake_timer_stop(wake_timer *t)
{
    apply(t, WAKE_DISARM, 0);
}

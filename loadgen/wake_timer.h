/* wake_timer.h: when the engine's scheduler wakes up. Internal to the
 * engine (and its unit tests).
 *
 * The scheduler sends every arrival whose intended time has passed each
 * time it wakes, so waking once per arrival is never needed: at 30,000
 * arrivals/s a one-shot timer re-armed for each (a timerfd_settime, which
 * reprograms the CPU's timer, plus a read and a loop turn) cost more CPU
 * than the request itself. A wake timer has two modes:
 *   - one-shot, at the exact nanosecond of the next thing due, when that is
 *     more than GRANULARITY away (sparse arrivals keep their precision);
 *   - ticking every GRANULARITY, armed once, when things are due closer
 *     together than that (dense arrivals go out in small batches, with no
 *     timer syscall per arrival and at most GRANULARITY of extra lag).
 * Lateness is never hidden: the engine still measures each request from its
 * intended time (send lag, loop lag, latency), so a batch's lag is counted.
 * wrk2 paces each connection with millisecond timers and h2load --rps
 * sends the requests due on a periodic timer: the same idea, coarser.
 *
 * The fd is a CLOCK_MONOTONIC timerfd (absolute deadlines in ns, as
 * clock_now_ns), for the caller's event loop to watch for reading. */
#ifndef CREST_WAKE_TIMER_H
#define CREST_WAKE_TIMER_H

#include <stddef.h>
#include <stdint.h>

#define WAKE_TIMER_NEVER UINT64_MAX

typedef struct wake_timer {
    int fd;
    uint64_t granularity_ns;
    uint64_t oneshot_ns;       /* the one-shot deadline armed; 0: none */
    int ticking;               /* armed to fire every granularity_ns */
} wake_timer;

/* What wake_timer_plan decides; exposed for the unit tests. */
typedef enum wake_action {
    WAKE_KEEP,                 /* what is armed already wakes in time */
    WAKE_ONESHOT,              /* arm a one-shot at the deadline */
    WAKE_TICK,                 /* start ticking, first at the deadline */
    WAKE_DISARM,               /* nothing is due any more */
} wake_action;

/* Opens the timerfd (non-blocking, disarmed). 0, or -1 with ERR filled. */
int wake_timer_init(wake_timer *t, uint64_t granularity_ns, char *err, size_t errlen);
void wake_timer_close(wake_timer *t);

/* The decision, without touching the fd. EXACT: NEXT is the earliest thing
 * due (after a wakeup handled everything due at NOW), so a one-shot armed
 * for an earlier instant is replaced; otherwise NEXT is one more thing due
 * and only an earlier wake than what is armed matters. */
wake_action wake_timer_plan(const wake_timer *t, uint64_t now, uint64_t next, int exact);

/* After a wakeup: the earliest thing due is NEXT (WAKE_TIMER_NEVER: none). */
void wake_timer_next(wake_timer *t, uint64_t now, uint64_t next);
/* Something more is due at AT: make sure the timer wakes by then (within
 * the granularity when ticking). */
void wake_timer_also(wake_timer *t, uint64_t now, uint64_t at);
/* Consumes the expirations that made the fd readable; a one-shot is spent. */
void wake_timer_ack(wake_timer *t);
/* Disarms it (no more ticks). */
void wake_timer_stop(wake_timer *t);

#endif

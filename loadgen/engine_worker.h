/* engine_worker.h: what the engine's two halves share. Internal to the
 * engine (engine.c sets a run up and watches it; engine_worker.c is the
 * generator thread's hot path). Not part of the loadgen contract: callers
 * use engine.h.
 *
 * An engine is one run: the plan, the options, the resolved target, the
 * prerendered requests, the shared per-second store and the threads. A
 * worker is one generator thread: its libev loop, its transport instance,
 * its share of the connection budget as slots, its queue, its arrival
 * clock or closed-loop users, and its own results (no sharing on the hot
 * path). */
#ifndef CREST_ENGINE_WORKER_H
#define CREST_ENGINE_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "common/rng.h"
#include "loadgen/engine.h"
#include "loadgen/engine_arrivals.h"
#include "loadgen/engine_seconds.h"
#include "loadgen/template.h"
#include "loadgen/transport.h"
#include "loadgen/wake_timer.h"

#define NS 1000000000ull
#define HOUSEKEEPING_S 0.02
#define BATCH 256            /* arrivals handled per wakeup before I/O gets a turn */
/* Things due closer together than this are sent in batches from a timer
 * ticking at this period (wake_timer.h): the most a batch adds to loop lag. */
#define GRANULARITY_NS (250 * 1000ull)


/* A request between scheduling and sending. */
typedef struct pending {
    uint64_t intended_ns, handled_ns, seq;
    uint32_t endpoint;
    int32_t user;            /* closed-loop user, or -1 */
    uint8_t measured;
} pending;

typedef struct slot {
    pending req;
    uint64_t sent_ns;
    int busy;
    rendered_request *render;     /* NULL when every endpoint is literal */
    const char *hdr[LOADPLAN_MAX_HEADERS];
    /* shadow runs only: the candidate's copy goes out on transport slot
     * (this slot + nslots); the slot is free once both sides ended */
    char *cand_url;
    uint8_t side_busy[2];         /* primary, candidate in flight */
    int have_first;               /* the side that ended first, kept for the comparison */
    transport_result first;
} slot;

typedef struct wake {             /* a closed-loop user's next send */
    uint64_t at_ns;
    uint32_t user;
} wake;

struct engine;

typedef struct worker {
    struct engine *eng;
    int id;
    pthread_t thread;
    struct ev_loop *loop;
    transport *tr;
    int setup_failed;
    char setup_err[256];

    slot *slots;
    size_t nslots;
    size_t *free_slots;
    size_t nfree;
    size_t inflight;

    pending *queue;               /* ring */
    size_t qcap, qhead, qlen;
    uint64_t max_outstanding;     /* 0: unlimited */

    arrival_clock arrivals;
    uint64_t next_arrival_ns;     /* UINT64_MAX: none */
    void *feed;                   /* the plan's feed reader of this thread, or NULL */
    uint32_t feed_endpoint;       /* endpoint of the next arrival from the feed */
    int feed_done;                /* the feed has no more arrivals for this thread */

    uint8_t *user_active;         /* per closed-loop user of this thread */
    size_t nusers;                /* capacity */
    wake *heap;
    size_t nheap;
    size_t phase_now;
    size_t phase_seen;            /* phase users_update last ran for, SIZE_MAX none */

    wake_timer timer;
    ev_io timer_io;
    ev_prepare prepare;
    ev_timer house;
    ev_timer grace;

    /* Separate streams, so that a request depends only on the seed and its
     * place in the sequence, never on timing (--seed reproduces the request
     * sequence): arrival times; endpoint picks (one draw per request, in
     * sequence order); template values, from a stream seeded per request
     * with its sequence number (requests are rendered when they are sent,
     * in an order that depends on the connections). */
    rng arrival_rng, pick_rng;
    uint64_t render_seed;
    uint64_t seq;
    run_result res;
    run_result cres;              /* shadow runs: the candidate side */
    interval iv;
    uint64_t cur_sec, next_sec_ns;

    int stopping, finished;
    uint64_t stop_ns;
    uint64_t dropped_limit;       /* dropped because max_outstanding was reached */
    uint64_t waited;              /* requests that waited for a connection */
    double cpu_s, wall_s;
} worker;

typedef struct engine {
    const loadplan *plan;
    engine_options o;
    const transport_ops *tops;
    int nthreads;
    worker *workers;
    int budget;                   /* connection budget */
    uint64_t t0_ns, end_ns, measure_ns;
    double duration_s, warmup_s;
    uint64_t *phase_start_ns;     /* nphases + 1 entries (last = end) */
    rendered_request *literal;    /* per endpoint, prerendered when literal; NULL entries otherwise */
    const char ***literal_hdr;
    int *is_literal;
    int any_dynamic;
    transport_target target;      /* parsed and resolved once */
    second_store store;
    int store_ready;
    atomic_int stop;              /* abort rule crossed */
    atomic_int nfinished;
} engine;

/* TOTAL split over NTHREADS: thread ID's share (the first ones get one
 * more when it does not divide). */
size_t engine_share(uint64_t total, int nthreads, int id);

/* Allocates W's slots, queue, users' heap, loop, timers and transport
 * instance (W->eng, id and max_outstanding set). 0, or -1 with the reason
 * in W->setup_err. */
int engine_worker_setup(worker *w, size_t nslots, size_t nusers);
/* Frees what engine_worker_setup made (also after a partial setup). */
void engine_worker_teardown(worker *w);
/* The generator thread (pthread start routine; ARG is its worker): runs
 * the loop from the engine's t0 until its share of the plan has ended. */
void *engine_worker_main(void *arg);

#endif

/* stats_endpoint.c: see stats_endpoint.h. Not a hot path: built with cJSON per request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "testbed/stats_endpoint.h"

static void add_counters(cJSON *o, const sim_counters *n, long in_flight, long queued, long busy)
{
    cJSON_AddNumberToObject(o, "requests", (double)n->requests);
    cJSON_AddNumberToObject(o, "served", (double)n->served);
    cJSON_AddNumberToObject(o, "degraded", (double)n->degraded);
    cJSON_AddNumberToObject(o, "rejected_503", (double)n->rejected_503);
    cJSON_AddNumberToObject(o, "rejected_429", (double)n->rejected_429);
    cJSON_AddNumberToObject(o, "errors_500", (double)n->errors_500);
    cJSON_AddNumberToObject(o, "resets", (double)n->resets);
    cJSON_AddNumberToObject(o, "abandoned", (double)n->abandoned);
    cJSON_AddNumberToObject(o, "stalled", (double)n->stalled);
    cJSON_AddNumberToObject(o, "queue_high_water", (double)n->queue_high_water);
    cJSON_AddNumberToObject(o, "in_flight", (double)in_flight);
    cJSON_AddNumberToObject(o, "queued", (double)queued);
    cJSON_AddNumberToObject(o, "busy_workers", (double)busy);
}

cJSON *testbed_stats_json(sim_subsystem *const *subs, int nsubs,
                          const testbed_other_counters *other, double uptime_s)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *by_name = cJSON_AddObjectToObject(doc, "subsystems");
    cJSON *total = cJSON_CreateObject();
    if (!by_name || !total) {
        cJSON_Delete(total);
        cJSON_Delete(doc);
        return NULL;
    }
    cJSON_AddStringToObject(doc, "schema", "crest.testbed-stats/1");
    cJSON_AddNumberToObject(doc, "uptime_s", uptime_s);
    sim_counters sum = {0};
    long sum_flight = 0, sum_queued = 0, sum_busy = 0;
    for (int i = 0; i < nsubs; i++) {
        const sim_subsystem *s = subs[i];
        const sim_counters *n = sim_get_counters(s);
        const subsystem_config *cfg = sim_config(s);
        cJSON *o = cJSON_AddObjectToObject(by_name, sim_name(s));
        if (!o)
            continue;
        add_counters(o, n, sim_in_flight(s), sim_queue_length(s), sim_busy_workers(s));
        cJSON_AddNumberToObject(o, "workers", cfg->workers);
        cJSON_AddNumberToObject(o, "mean_service_ms", cfg->service.mean_s * 1000.0);
        cJSON_AddNumberToObject(o, "capacity_rps", subsystem_capacity(cfg));
        sum.requests += n->requests;
        sum.served += n->served;
        sum.degraded += n->degraded;
        sum.rejected_503 += n->rejected_503;
        sum.rejected_429 += n->rejected_429;
        sum.errors_500 += n->errors_500;
        sum.resets += n->resets;
        sum.abandoned += n->abandoned;
        sum.stalled += n->stalled;
        if (n->queue_high_water > sum.queue_high_water)
            sum.queue_high_water = n->queue_high_water;
        sum_flight += sim_in_flight(s);
        sum_queued += sim_queue_length(s);
        sum_busy += sim_busy_workers(s);
    }
    add_counters(total, &sum, sum_flight, sum_queued, sum_busy);
    cJSON_AddItemToObject(doc, "total", total);
    cJSON *o = cJSON_AddObjectToObject(doc, "other");
    if (o) {
        cJSON_AddNumberToObject(o, "ping", (double)other->ping);
        cJSON_AddNumberToObject(o, "stats", (double)other->stats);
        cJSON_AddNumberToObject(o, "not_found", (double)other->not_found);
        cJSON_AddNumberToObject(o, "bad_requests", (double)other->bad_requests);
        cJSON_AddNumberToObject(o, "connections_accepted", (double)other->connections_accepted);
        cJSON_AddNumberToObject(o, "header_timeouts", (double)other->header_timeouts);
        cJSON_AddNumberToObject(o, "idle_closed", (double)other->idle_closed);
    }
    return doc;
}

char *testbed_metrics_text(sim_subsystem *const *subs, int nsubs,
                           const testbed_other_counters *other)
{
    strbuf b;
    strbuf_init(&b, 8192);
    static const struct {
        const char *name, *type, *help;
    } fam[] = {
        {"crest_testbed_requests_total", "counter", "Requests that reached the subsystem."},
        {"crest_testbed_served_total", "counter", "Requests served (degraded included)."},
        {"crest_testbed_degraded_total", "counter", "Requests served degraded (X-Degraded)."},
        {"crest_testbed_rejected_total", "counter", "Requests rejected (queue full 503, rate 429)."},
        {"crest_testbed_errors_total", "counter", "Injected 500s and connection resets."},
        {"crest_testbed_busy_workers", "gauge", "Workers serving a request now."},
        {"crest_testbed_busy_workers_limit", "gauge", "Workers configured."},
        {"crest_testbed_queue_length", "gauge", "Requests waiting for a worker."},
        {"crest_testbed_queue_length_limit", "gauge", "Waiting requests allowed (more: 503)."},
        {"crest_testbed_in_flight", "gauge", "Requests accepted and not answered."},
    };
    for (size_t f = 0; f < sizeof fam / sizeof fam[0]; f++) {
        strbuf_printf(&b, "# HELP %s %s\n# TYPE %s %s\n", fam[f].name, fam[f].help, fam[f].name,
             fam[f].type);
        for (int i = 0; i < nsubs; i++) {
            const sim_subsystem *s = subs[i];
            const sim_counters *n = sim_get_counters(s);
            const subsystem_config *cfg = sim_config(s);
            const char *sub = sim_name(s);
            unsigned long long v[] = {n->requests, n->served, n->degraded, 0,
                                      n->errors_500 + n->resets, (unsigned long long)sim_busy_workers(s),
                                      (unsigned long long)cfg->workers,
                                      (unsigned long long)sim_queue_length(s),
                                      (unsigned long long)cfg->queue_limit,
                                      (unsigned long long)sim_in_flight(s)};
            if (f == 3) {
                strbuf_printf(&b, "%s{subsystem=\"%s\",reason=\"503\"} %llu\n", fam[f].name, sub,
                     (unsigned long long)n->rejected_503);
                strbuf_printf(&b, "%s{subsystem=\"%s\",reason=\"429\"} %llu\n", fam[f].name, sub,
                     (unsigned long long)n->rejected_429);
            } else if (f != 8 || cfg->queue_limit > 0) {
                strbuf_printf(&b, "%s{subsystem=\"%s\"} %llu\n", fam[f].name, sub, v[f]);
            }
        }
    }
    strbuf_printf(&b, "# HELP crest_testbed_connections_accepted_total Connections accepted.\n"
             "# TYPE crest_testbed_connections_accepted_total counter\n"
             "crest_testbed_connections_accepted_total %llu\n",
         (unsigned long long)other->connections_accepted);
    return strbuf_take(&b);
}

/* manifest.h: a fleet run as Kubernetes objects (stock API only: a
 * ConfigMap and an Indexed Job; no operator, no CRD). See docs/fleet.md.
 *
 * The ConfigMap carries the scenario and every file it names (feeders,
 * profiles), mounted with the scenario's own relative layout, so the pods
 * run the scenario unchanged. The Job has completionMode Indexed,
 * completions = parallelism = shards, restartPolicy Never and no retries
 * (a retried shard would start late and silently change the run; a failed
 * one shows up as a missing shard in `crest merge`), resource requests,
 * preferred pod anti-affinity on the node (one generator per node where the
 * cluster has room), and runs `crest fleet shard`, which raises the
 * open-file limit the connection count needs, runs its shard
 * (JOB_COMPLETION_INDEX) and prints the result framed on stdout
 * (fleet/frame.h) for `crest fleet collect`. */
#ifndef CREST_FLEET_MANIFEST_H
#define CREST_FLEET_MANIFEST_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define FLEET_CONFIGMAP_MAX (1000 * 1000)   /* below the API server's 1 MiB object limit */
#define FLEET_MOUNT "/etc/crest/scenario"

typedef struct fleet_manifest_options {
    const char *scenario;          /* SCENARIO.json */
    unsigned shards;
    const char *image;
    const char *name;              /* Job / ConfigMap name (default "crest-fleet") */
    const char *namespace_;        /* NULL: the kubectl context's */
    const char *target;            /* --target for the pods, or NULL (the scenario's) */
    const char *weights;           /* --weights, or NULL */
    double start_at;               /* epoch seconds, 0: shards start when they are ready */
    int threads;                   /* generator threads per pod = CPU request */
    int connections;               /* -c per pod */
    const char *memory;            /* memory request and limit, e.g. "1Gi" */
    const char *const *run_args;   /* extra `crest run` arguments */
    size_t nrun_args;
} fleet_manifest_options;

/* The manifest (a v1 List of the ConfigMap and the Job) for O, or NULL
 * after printing an error naming the scenario, file or option. Caller
 * owns the result. */
cJSON *fleet_manifest_build(const fleet_manifest_options *o);

/* 1 when NAME is a DNS-1123 label of at most 52 characters (the Job's pods
 * add "-INDEX-xxxxx" to it). */
int fleet_name_ok(const char *name);

#endif

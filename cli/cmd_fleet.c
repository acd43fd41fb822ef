/* cmd_fleet.c: `crest fleet manifest|shard|collect`: running one drill on
 * many generator machines (docs/fleet.md).
 *
 *   manifest  SCENARIO.json -> a ConfigMap + Indexed Job (fleet/manifest.c)
 *   shard     what each pod runs: raises the open-file limit, runs `crest
 *             run` for its shard, prints the result framed on stdout
 *   collect   pod logs (kubectl logs, ssh/pdsh/Slurm output) -> one
 *             results file per shard, for `crest merge`
 *
 * Exit codes: 0 done; 2 bad usage or input; 3 could not run, or (collect)
 * a shard missing or its frame broken. `fleet shard` exits 0 once its
 * result is printed, whatever the shard's own gates said: the fleet's
 * verdict is `crest merge`'s. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/optable.h"
#include "cli/options.h"
#include "common/error.h"
#include "common/jsonio.h"
#include "fleet/frame.h"
#include "fleet/manifest.h"
#include "loadgen/shard.h"

#define MAX_RUN_ARGS 64

static const cli_option fleet_options[] = {
    {"shards", 0, "N", 0, "pods (completions = parallelism = N); collect: how many to expect",
     "manifest: a ConfigMap and an Indexed Job, one shard per pod (docs/fleet.md)"},
    {"image", 0, "IMAGE", 0, "the crest image (see Containerfile)", 0},
    {"start-in", 0, "DUR", 0, "shared start DUR after now (default 60s; 0s: no shared start)", 0},
    {"start-at", 0, "TIME", 0, "shared start at TIME (RFC 3339 or epoch seconds)", 0},
    {"namespace", 0, "NS", 0, "namespace of the objects (default: kubectl's)", 0},
    {"name", 0, "NAME", 0, "Job/ConfigMap name and run label (default crest-fleet)", 0},
    {"target", 0, "URL", 0, "the system under test, as the pods reach it", 0},
    {"weights", 0, "W,...", 0, "uneven shards (crest run --weights)", 0},
    {"threads", 0, "N", 0, "generator threads = CPU request per pod (default 2)", 0},
    {"connections", 'c', "N", 'c', "connection cap per pod (default 64)", 0},
    {"memory", 0, "Q", 0, "memory request and limit per pod (default 512Mi)", 0},
    {"run-arg", 0, "ARG", 0, "one more crest run argument for the pods (repeatable)", 0},
    {"out", 'o', "FILE", 'o', "write the manifest to FILE (default stdout)", 0},
    {"nofile", 0, "N", 0, "shard: raise the open-file limit to N first (exit 3 if it cannot)",
     "shard: runs `crest run RUN-ARGS --out TMP` and prints TMP framed on stdout"},
    {"dir", 0, "DIR", 0, "collect: where shard-I.json files go (created)",
     "collect: reads framed shard results from logs (stdin when none) into DIR"},
    {"help", 'h', NULL, 'h', "this help", 0},
};

const cli_command fleet_command = {
    .name = "fleet",
    .summary = "Kubernetes manifest, shard runner and log collector for fleets",
    .synopsis = "crest fleet manifest SCENARIO.json --shards N --image IMAGE [options]\n"
                "crest fleet shard [--nofile N] -- RUN-ARGS...\n"
                "crest fleet collect [LOG...] --dir DIR [--shards N]",
    .options = fleet_options,
    .noptions = sizeof fleet_options / sizeof fleet_options[0],
    .footer = "exit: 0 done, 2 bad usage or input, 3 could not run, or a shard missing or broken",
    .positional = "file",
};

/* ---- manifest ------------------------------------------------------------ */

typedef struct manifest_args {
    fleet_manifest_options o;
    const char *run_args[MAX_RUN_ARGS];
    const char *out;
    double start_in, start_at;
} manifest_args;

/* Parses `fleet manifest` flags into A. 0, 1 for --help, -1 (printed). */
static int parse_manifest_args(int argc, char **argv, manifest_args *a)
{
    enum { O_SHARDS = 256, O_IMAGE, O_START_IN, O_START_AT, O_NS, O_NAME, O_TARGET, O_WEIGHTS,
           O_THREADS, O_MEMORY, O_RUN_ARG };
    static const struct option opts[] = {
        {"shards", required_argument, NULL, O_SHARDS}, {"image", required_argument, NULL, O_IMAGE},
        {"start-in", required_argument, NULL, O_START_IN},
        {"start-at", required_argument, NULL, O_START_AT},
        {"namespace", required_argument, NULL, O_NS}, {"name", required_argument, NULL, O_NAME},
        {"target", required_argument, NULL, O_TARGET},
        {"weights", required_argument, NULL, O_WEIGHTS},
        {"threads", required_argument, NULL, O_THREADS},
        {"connections", required_argument, NULL, 'c'},
        {"memory", required_argument, NULL, O_MEMORY},
        {"run-arg", required_argument, NULL, O_RUN_ARG},
        {"out", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    fleet_manifest_options *o = &a->o;
    long n;
    int c, rc = 0;
    optind = 1;
    opterr = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, ":c:o:h", opts, NULL)) != -1) {
        switch (c) {
        case O_SHARDS:
            rc = option_count("--shards", optarg, 1, SHARD_MAX, &n);
            o->shards = (unsigned)n;
            break;
        case O_IMAGE: o->image = optarg; break;
        case O_START_IN: rc = option_duration("--start-in", optarg, 1, &a->start_in); break;
        case O_START_AT:
            if ((rc = shard_parse_time(optarg, &a->start_at)) != 0)
                crest_error("--start-at '%s': expected RFC 3339 with a zone or epoch seconds",
                            optarg);
            break;
        case O_NS: o->namespace_ = optarg; break;
        case O_NAME: o->name = optarg; break;
        case O_TARGET: o->target = optarg; break;
        case O_WEIGHTS: o->weights = optarg; break;
        case O_THREADS: rc = option_int("--threads", optarg, 1, 1024, &o->threads); break;
        case 'c': rc = option_int("-c/--connections", optarg, 1, 1000000, &o->connections); break;
        case O_MEMORY: o->memory = optarg; break;
        case O_RUN_ARG:
            rc = option_push(a->run_args, &o->nrun_args, MAX_RUN_ARGS, "--run-arg", optarg);
            break;
        case 'o': a->out = optarg; break;
        case 'h': return 1;
        case ':': crest_error("option '%s' needs a value", argv[optind - 1]); return -1;
        default:
            crest_error("unknown option '%s' (see crest fleet --help)", argv[optind - 1]);
            return -1;
        }
    }
    if (rc != 0)
        return -1;
    if (optind + 1 != argc || !o->shards || !o->image) {
        crest_error("expected crest fleet manifest SCENARIO.json --shards N --image IMAGE");
        return -1;
    }
    o->scenario = argv[optind];
    o->run_args = a->run_args;
    return 0;
}

static int fleet_manifest(int argc, char **argv)
{
    manifest_args a = {.o = {.threads = 2, .connections = 64, .memory = "512Mi"},
                       .start_in = 60};
    int pr = parse_manifest_args(argc, argv, &a);
    if (pr == 1) {
        cli_print_help(stdout, &fleet_command);
        return CREST_EXIT_OK;
    }
    if (pr != 0)
        return CREST_EXIT_USAGE;
    fleet_manifest_options *o = &a.o;
    if (o->weights) {
        shard_spec spec;
        char err[256], text[32];
        snprintf(text, sizeof text, "0/%u", o->shards);
        if (shard_spec_parse(text, o->weights, NULL, &spec, err, sizeof err) != 0) {
            crest_error("%s", err);
            return CREST_EXIT_USAGE;
        }
        shard_spec_free(&spec);
    }
    o->start_at = a.start_at > 0 ? a.start_at
                  : a.start_in > 0 ? (double)time(NULL) + a.start_in : 0;
    cJSON *doc = fleet_manifest_build(o);
    if (!doc)
        return CREST_EXIT_USAGE;
    int rc = CREST_EXIT_OK;
    if (a.out) {
        rc = jsonio_write_file(a.out, doc) == 0 ? CREST_EXIT_OK : CREST_EXIT_RUN;
    } else {
        char *text = cJSON_Print(doc);
        if (!text || printf("%s\n", text) < 0)
            rc = CREST_EXIT_RUN;
        free(text);
    }
    cJSON_Delete(doc);
    return rc;
}

/* ---- shard --------------------------------------------------------------- */

static int raise_nofile(long want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    if (rl.rlim_cur >= (rlim_t)want)
        return 0;
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (rlim_t)want) {
        crest_error("the open-file hard limit here is %llu; this shard needs %ld (raise the "
                    "container runtime's nofile limit, or lower -c)",
                    (unsigned long long)rl.rlim_max, want);
        return -1;
    }
    rl.rlim_cur = (rlim_t)want;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        crest_error("raising the open-file limit to %ld failed: %s", want, strerror(errno));
        return -1;
    }
    return 0;
}

/* Prints the results file PATH framed; 0, or -1 when there is none. */
static int emit_result(const char *path)
{
    size_t len = 0;
    char *text = jsonio_slurp(path, &len);
    if (!text)
        return -1;
    cJSON *root = jsonio_parse(path, text);
    shard_record rec;
    int rc = root && shard_record_from_json(path, root, &rec) == 0 ? 0 : -1;
    if (rc != 0)
        crest_error("%s: the run wrote no shard result (was --shard given?)", path);
    else
        rc = fleet_frame_write(stdout, rec.index, rec.count, text, len);
    cJSON_Delete(root);
    free(text);
    return rc;
}

static int fleet_shard(int argc, char **argv)
{
    long nofile = 0;
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--nofile") == 0 && i + 1 < argc) {
            if (option_count("--nofile", argv[++i], 64, 100000000L, &nofile) != 0)
                return CREST_EXIT_USAGE;
        } else {
            crest_error("fleet shard: unexpected '%s'; expected [--nofile N] -- RUN-ARGS...",
                        argv[i]);
            return CREST_EXIT_USAGE;
        }
    }
    if (i >= argc || argc - i - 1 > MAX_RUN_ARGS) {
        crest_error("fleet shard: expected -- and the crest run arguments (at most %d)",
                    MAX_RUN_ARGS);
        return CREST_EXIT_USAGE;
    }
    if (nofile && raise_nofile(nofile) != 0)
        return CREST_EXIT_RUN;
    const char *dir = getenv("TMPDIR");
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s/crest-shard-XXXXXX.json", dir && *dir ? dir : "/tmp");
    int fd = mkstemps(tmp, 5);
    if (fd < 0) {
        crest_error("cannot create a temporary file in %s: %s", dir && *dir ? dir : "/tmp",
                    strerror(errno));
        return CREST_EXIT_RUN;
    }
    close(fd);
    char *run_argv[MAX_RUN_ARGS + 4];
    int k = 0;
    run_argv[k++] = "run";
    for (int j = i + 1; j < argc; j++)
        run_argv[k++] = argv[j];
    run_argv[k++] = "--out";
    run_argv[k++] = tmp;
    run_argv[k] = NULL;
    int rc = cmd_run(k, run_argv);
    fflush(stdout);
    struct stat st;
    if (stat(tmp, &st) == 0 && st.st_size > 0)
        rc = emit_result(tmp) == 0 ? CREST_EXIT_OK : CREST_EXIT_RUN;
    else if (rc == CREST_EXIT_OK)
        rc = CREST_EXIT_RUN;
    unlink(tmp);
    return rc;
}

/* ---- collect ------------------------------------------------------------- */

static char *read_stream(FILE *f)
{
    size_t len = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0)
            break;
        if (cap - len < 2) {
            char *p = realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                return NULL;
            }
            buf = p;
            cap *= 2;
        }
    }
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* Writes frame F to DIR/shard-I.json (or shard-I.K.json when another frame
 * of the same shard with different bytes came first). 0 or -1. */
static int write_frame(const char *dir, const fleet_frames *all, size_t at)
{
    const fleet_frame *f = &all->items[at];
    size_t same = 0;
    for (size_t i = 0; i < at; i++) {
        if (all->items[i].index != f->index)
            continue;
        if (all->items[i].len == f->len && memcmp(all->items[i].data, f->data, f->len) == 0)
            return 0;   /* the same log read twice */
        same++;
    }
    char path[4096];
    if (same)
        snprintf(path, sizeof path, "%s/shard-%u.%zu.json", dir, f->index, same);
    else
        snprintf(path, sizeof path, "%s/shard-%u.json", dir, f->index);
    FILE *out = fopen(path, "w");
    if (!out || fwrite(f->data, 1, f->len, out) != f->len || fclose(out) != 0) {
        crest_error("%s: %s", path, strerror(errno));
        return -1;
    }
    if (same)
        crest_warn("shard %u appears twice with different results (a retried pod?): kept both, "
                   "%s is the second; crest merge will refuse the pair", f->index, path);
    return 0;
}

static int report_missing(const fleet_frames *fr, unsigned count)
{
    int missing = 0;
    for (unsigned k = 0; k < count; k++) {
        size_t i;
        for (i = 0; i < fr->n && fr->items[i].index != k; i++)
            ;
        if (i == fr->n) {
            crest_error("shard %u of %u: no result in the logs (pod failed, or logs gone?)", k,
                        count);
            missing++;
        }
    }
    return missing;
}

static int fleet_collect(int argc, char **argv)
{
    const char *dir = NULL;
    long expect = 0;
    const char *logs[256];
    size_t nlogs = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (strcmp(argv[i], "--shards") == 0 && i + 1 < argc) {
            if (option_count("--shards", argv[++i], 1, SHARD_MAX, &expect) != 0)
                return CREST_EXIT_USAGE;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            crest_error("fleet collect: unknown option '%s'", argv[i]);
            return CREST_EXIT_USAGE;
        } else if (option_push(logs, &nlogs, 256, "LOG", argv[i]) != 0) {
            return CREST_EXIT_USAGE;
        }
    }
    if (!dir) {
        crest_error("fleet collect: expected --dir DIR");
        return CREST_EXIT_USAGE;
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        crest_error("%s: %s", dir, strerror(errno));
        return CREST_EXIT_USAGE;
    }
    if (nlogs == 0)
        logs[nlogs++] = "-";
    fleet_frames fr = {0};
    int rc = CREST_EXIT_OK;
    for (size_t i = 0; i < nlogs && rc == CREST_EXIT_OK; i++) {
        int use_stdin = strcmp(logs[i], "-") == 0;
        char *text = use_stdin ? read_stream(stdin) : jsonio_slurp(logs[i], NULL);
        if (!text || fleet_frames_scan(use_stdin ? "<stdin>" : logs[i], text, &fr) != 0)
            rc = text ? CREST_EXIT_RUN : CREST_EXIT_USAGE;
        free(text);
    }
    for (size_t i = 0; i < fr.n && rc == CREST_EXIT_OK; i++)
        if (write_frame(dir, &fr, i) != 0)
            rc = CREST_EXIT_RUN;
    if (rc == CREST_EXIT_OK) {
        unsigned count = expect ? (unsigned)expect : fr.n ? fr.items[0].count : 0;
        int missing = count ? report_missing(&fr, count) : 0;
        printf("crest fleet collect: %zu shard result%s into %s", fr.n, fr.n == 1 ? "" : "s", dir);
        if (count)
            printf(" (%u expected, %d missing, %zu broken)", count, missing, fr.broken);
        printf("\n");
        if (fr.n == 0)
            crest_error("no framed shard results found");
        if (fr.n == 0 || missing || fr.broken)
            rc = CREST_EXIT_RUN;
    }
    fleet_frames_free(&fr);
    return rc;
}

int cmd_fleet(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cli_print_help(argc < 2 ? stderr : stdout, &fleet_command);
        return argc < 2 ? CREST_EXIT_USAGE : CREST_EXIT_OK;
    }
    if (strcmp(argv[1], "manifest") == 0)
        return fleet_manifest(argc - 1, argv + 1);
    if (strcmp(argv[1], "shard") == 0)
        return fleet_shard(argc - 1, argv + 1);
    if (strcmp(argv[1], "collect") == 0)
        return fleet_collect(argc - 1, argv + 1);
    crest_error("fleet: unknown subcommand '%s'; expected manifest, shard or collect", argv[1]);
    return CREST_EXIT_USAGE;
}

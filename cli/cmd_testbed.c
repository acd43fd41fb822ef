/* cmd_testbed.c: `crest testbed`, the simulated Double-11 mall backend that
 * commands use as their default target. Parses the options, loads the
 * config, runs the server (server.c) on libev's default loop until SIGINT
 * or SIGTERM, then frees everything and exits 0. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli/commands.h"
#include "cli/optable.h"
#include "common/error.h"
#include "testbed/config.h"
#include "testbed/server.h"

static const cli_option testbed_options[] = {
    {"listen", 0, "HOST:PORT", 0, "IPv4 address and port (default 127.0.0.1:8080; port 0\n"
     "picks a free one). Prints 'listening on http://HOST:PORT'.", 0},
    {"config", 0, "FILE.json", 0, "override the defaults (see docs/testbed.md)", 0},
    {"help", 'h', NULL, 'h', "this help", 0},
};

const cli_command testbed_command = {
    .name = "testbed",
    .summary = "serve the simulated Double-11 mall backend",
    .synopsis = "crest testbed [--listen HOST:PORT] [--config FILE.json]",
    .description =
        "Serves a simulated mall backend: /member /product /inventory /pricing /cart\n"
        "/transaction /order /cms /seckill /coupon, each with its own capacity model\n"
        "(workers, service time, queue limit, rate limit, degrade mode, faults).\n"
        "Plain routes: GET /__ping, GET /__stats, POST /__stats/reset.",
    .options = testbed_options,
    .noptions = sizeof testbed_options / sizeof testbed_options[0],
    .footer = "Stops cleanly on SIGINT or SIGTERM (exit 0). Bad config: exit 2.",
    .positional = NULL,
};

/* "HOST:PORT" into HOST (at most HOSTLEN bytes) and PORT. 0 or -1. */
static int parse_listen(const char *arg, char *host, size_t hostlen, int *port)
{
    const char *colon = strrchr(arg, ':');
    if (!colon || colon == arg || (size_t)(colon - arg) >= hostlen)
        return -1;
    char *end;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (errno || end == colon + 1 || *end || p < 0 || p > 65535)
        return -1;
    memcpy(host, arg, (size_t)(colon - arg));
    host[colon - arg] = '\0';
    *port = (int)p;
    return 0;
}

static void on_stop_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
    (void)w;
    (void)revents;
    ev_break(loop, EVBREAK_ALL);
}

/* Many concurrent clients need many descriptors; take what we may. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int cmd_testbed(int argc, char **argv)
{
    const char *listen_arg = "127.0.0.1:8080";
    const char *config_path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cli_print_help(stdout, &testbed_command);
            return CREST_EXIT_OK;
        } else if ((strcmp(a, "--listen") == 0 || strcmp(a, "--config") == 0) && i + 1 < argc) {
            if (a[2] == 'l')
                listen_arg = argv[++i];
            else
                config_path = argv[++i];
        } else if (strncmp(a, "--listen=", 9) == 0) {
            listen_arg = a + 9;
        } else if (strncmp(a, "--config=", 9) == 0) {
            config_path = a + 9;
        } else {
            crest_error("testbed: unknown or incomplete option '%s'; expected --listen HOST:PORT, "
                        "--config FILE.json or --help", a);
            cli_print_help(stderr, &testbed_command);
            return CREST_EXIT_USAGE;
        }
    }
    char host[64];
    int port;
    struct in_addr ignored;
    if (parse_listen(listen_arg, host, sizeof host, &port) != 0 ||
        inet_pton(AF_INET, host, &ignored) != 1) {
        crest_error("--listen: '%s' is not IPV4-ADDRESS:PORT; expected e.g. 127.0.0.1:8080 "
                    "(port 0..65535, 0 picks a free port)", listen_arg);
        return CREST_EXIT_USAGE;
    }

    testbed_config cfg;
    if (config_path) {
        if (testbed_config_load(config_path, &cfg) != 0)
            return CREST_EXIT_USAGE;
    } else {
        testbed_config_defaults(&cfg);
    }

    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();
    struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO);
    if (!loop) {
        crest_error("testbed: cannot initialise libev");
        return CREST_EXIT_RUN;
    }
    testbed_server *srv = testbed_server_new(loop, &cfg, host, port);
    if (!srv) {
        ev_loop_destroy(loop);
        return CREST_EXIT_RUN;
    }
    ev_signal sigint, sigterm;
    ev_signal_init(&sigint, on_stop_signal, SIGINT);
    ev_signal_init(&sigterm, on_stop_signal, SIGTERM);
    ev_signal_start(loop, &sigint);
    ev_signal_start(loop, &sigterm);

    /* start_testbed (tests) and testbed_spawn (embed.c) wait for this line. */
    printf("listening on http://%s:%d\n", host, testbed_server_port(srv));
    fflush(stdout);

    ev_run(loop, 0);

    /* Stopping the watchers restores the default action; a second signal
     * during the (short) clean-up must not turn a clean stop into a kill. */
    ev_signal_stop(loop, &sigint);
    ev_signal_stop(loop, &sigterm);
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    testbed_server_free(srv);
    ev_loop_destroy(loop);
    return CREST_EXIT_OK;
}

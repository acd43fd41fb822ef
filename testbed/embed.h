/* embed.h: starts the embedded testbed as a child process on a free
 * loopback port, for commands run without a target (run, search, drill),
 * and stops it afterwards. */
#ifndef CREST_TESTBED_EMBED_H
#define CREST_TESTBED_EMBED_H

#include <sys/types.h>

typedef struct testbed_process {
    pid_t pid;
    int port;
    char url[64];              /* "http://127.0.0.1:PORT" */
} testbed_process;

/* Runs this binary's `testbed --listen 127.0.0.1:0 [--config CONFIG]`, waits
 * until it listens (5 s at most). CONFIG may be NULL (defaults). 0, or -1
 * after printing why. */
int testbed_spawn(const char *config, testbed_process *out);
/* SIGTERM, wait (2 s), then SIGKILL. Safe to call twice. */
void testbed_stop(testbed_process *tb);

#endif

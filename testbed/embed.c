/* embed.c: see embed.h. The testbed runs as a child process (this very
 * binary, via /proc/self/exe) rather than in a thread, so that a load test
 * measures it the way it would measure any server: over sockets, on its
 * own CPU time, with its own event loop. The child announces its port on
 * stdout ("listening on http://127.0.0.1:PORT"), read here through a pipe.
 *
 * CREST_TESTBED_EXE, when set, names the binary to run instead of
 * /proc/self/exe (for tests whose binary is not crest). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/error.h"
#include "testbed/embed.h"

#define SPAWN_TIMEOUT_S 5.0
#define STOP_GRACE_S 2.0

static void describe_exit(int status, char *buf, size_t len)
{
    if (WIFEXITED(status))
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, len, "was killed by signal %d", WTERMSIG(status));
    else
        snprintf(buf, len, "stopped");
}

/* The port in a "listening on http://HOST:PORT" line of TEXT, or -1. */
static int port_from_output(const char *text)
{
    const char *line = strstr(text, "listening on ");
    if (!line)
        return -1;
    const char *eol = strchr(line, '\n');
    if (!eol)
        return -1;    /* not complete yet */
    const char *colon = NULL;
    for (const char *p = line; p < eol; p++)
        if (*p == ':')
            colon = p;
    if (!colon)
        return -1;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || port <= 0 || port > 65535)
        return -1;
    return (int)port;
}

static void reap(pid_t pid)
{
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

/* In the child: becomes `crest testbed` with its stdout on WRITE_FD. */
static void exec_testbed(const char *exe, const char *config, pid_t parent, int write_fd)
    __attribute__((noreturn));
static void exec_testbed(const char *exe, const char *config, pid_t parent, int write_fd)
{
    /* The testbed must not outlive a crest that crashed or was killed. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(3);
    if (dup2(write_fd, STDOUT_FILENO) < 0)
        _exit(3);
    char *argv[] = {"crest", "testbed", "--listen", "127.0.0.1:0",
                    config ? "--config" : NULL, (char *)config, NULL};
    execv(exe, argv);
    crest_error("cannot run %s: %s", exe, strerror(errno));
    _exit(3);
}

/* Reads the child's "listening on http://127.0.0.1:PORT" from FD within
 * SPAWN_TIMEOUT_S. The port, or -1 with *WHY set. */
static int read_port(int fd, const char **why)
{
    char buf[512];
    size_t used = 0;
    int port = -1;
    double deadline = clock_now_s() + SPAWN_TIMEOUT_S;
    while (port < 0) {
        double left = deadline - clock_now_s();
        if (left <= 0) {
            *why = "did not report its port within 5 s";
            return -1;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = poll(&pfd, 1, (int)(left * 1000) + 1);
        if (r == 0 || (r < 0 && errno == EINTR))
            continue;    /* the deadline check above ends the wait */
        if (r < 0) {
            *why = "could not be watched (poll failed)";
            return -1;
        }
        ssize_t n = read(fd, buf + used, sizeof buf - 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *why = "closed its output before reporting a port";
            return -1;
        }
        used += (size_t)n;
        buf[used] = '\0';
        port = port_from_output(buf);
        if (port < 0 && used == sizeof buf - 1) {
            *why = "printed something other than 'listening on http://127.0.0.1:PORT'";
            return -1;
        }
    }
    return port;
}

/* Says why the child gave no port. A child that closed its output is
 * exiting (bad config: status 2, its message already on stderr); it gets a
 * moment to be reaped, else it is killed. */
static void report_failed_start(pid_t pid, const char *exe, const char *config, const char *why)
{
    int status;
    pid_t done = 0;
    for (int i = 0; i < 100 && done == 0; i++) {
        done = waitpid(pid, &status, WNOHANG);
        if (done == 0) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    if (done == pid) {
        char desc[64];
        describe_exit(status, desc, sizeof desc);
        crest_error("the embedded testbed (%s testbed%s%s) %s", exe, config ? " --config " : "",
                    config ? config : "", desc);
    } else {
        crest_error("the embedded testbed (%s testbed) %s", exe, why);
        reap(pid);
    }
}

int testbed_spawn(const char *config, testbed_process *out)
{
    memset(out, 0, sizeof *out);
    out->pid = -1;
    const char *exe = getenv("CREST_TESTBED_EXE");
    if (!exe || !*exe)
        exe = "/proc/self/exe";
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        crest_error("cannot start the embedded testbed: pipe: %s", strerror(errno));
        return -1;
    }
    pid_t parent = getpid();
    fflush(NULL);    /* the child must not replay our buffered output */
    pid_t pid = fork();
    if (pid < 0) {
        crest_error("cannot start the embedded testbed: fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0)
        exec_testbed(exe, config, parent, fds[1]);
    close(fds[1]);
    const char *why = NULL;
    int port = read_port(fds[0], &why);
    close(fds[0]);
    if (port < 0) {
        report_failed_start(pid, exe, config, why);
        return -1;
    }
    out->pid = pid;
    out->port = port;
    snprintf(out->url, sizeof out->url, "http://127.0.0.1:%d", port);
    return 0;
}

void testbed_stop(testbed_process *tb)
{
    if (!tb || tb->pid <= 0)
        return;
    pid_t pid = tb->pid;
    tb->pid = -1;
    kill(pid, SIGTERM);
    double deadline = clock_now_s() + STOP_GRACE_S;
    for (;;) {
        pid_t r = waitpid(pid, NULL, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            return;
        if (clock_now_s() >= deadline)
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    crest_warn("the embedded testbed did not stop within 2 s of SIGTERM; killing it");
    reap(pid);
}

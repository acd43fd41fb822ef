/* gnuplot_run.c: finding gnuplot and running it as a child process, and
 * making its SVG fit inline in an HTML page (charts.h has the contract).
 *
 * fork + execv with the script's path as the only argument: no shell ever
 * sees a string, the SVG arrives on the child's stdout (redirected to a
 * file in a private mkdtemp directory) and its complaints on stderr (kept for
 * the error message). A child that hangs is killed after 60 s. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/jsonio.h"
#include "reports/charts.h"
#include "reports/report_text.h"

#define GNUPLOT_TIMEOUT_S 60

static int executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

char *charts_find_gnuplot(void)
{
    const char *forced = getenv("CREST_GNUPLOT");
    if (forced && *forced)
        return executable(forced) ? strdup(forced) : NULL;
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    char *found = NULL, *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        char candidate[4096];
        int n = snprintf(candidate, sizeof candidate, "%s/gnuplot", *dir ? dir : ".");
        if (n > 0 && (size_t)n < sizeof candidate && executable(candidate))
            found = strdup(candidate);
    }
    free(copy);
    return found;
}

static char *fail(char **error, const char *fmt, const char *detail)
{
    char buf[600];
    snprintf(buf, sizeof buf, fmt, detail ? detail : "");
    *error = strdup(buf);
    return NULL;
}

static int write_all(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    return close(fd);
}

/* Waits for PID at most GNUPLOT_TIMEOUT_S; kills it after. Returns the wait
 * status, or -1 when it had to be killed. */
static int wait_bounded(pid_t pid)
{
    struct timespec tick = {0, 5 * 1000 * 1000};
    for (long i = 0; i < GNUPLOT_TIMEOUT_S * 200L; i++) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (r < 0 && errno != EINTR)
            return -1;
        nanosleep(&tick, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

/* The first non-empty line of LOG (in place). */
static const char *first_line(char *log)
{
    if (!log)
        return "";
    char *p = log;
    while (*p == '\n' || *p == ' ')
        p++;
    /* gnuplot echoes the failing line, then "line N: message": keep both. */
    for (char *q = p; *q; q++)
        if (*q == '\n')
            *q = ' ';
    if (strlen(p) > 400)
        p[400] = '\0';
    return p;
}

char *charts_run_gnuplot(const char *gnuplot, const char *script, char **error)
{
    *error = NULL;
    const char *tmp = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/crest-chart.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return fail(error, "cannot create a temp directory: %s", strerror(errno));
    char gp[4200], svgpath[4200], logpath[4200];
    snprintf(gp, sizeof gp, "%s/chart.gp", dir);
    snprintf(svgpath, sizeof svgpath, "%s/chart.svg", dir);
    snprintf(logpath, sizeof logpath, "%s/gnuplot.log", dir);
    char *svg = NULL, *log = NULL;
    int status = -1;
    if (write_all(gp, script) != 0) {
        fail(error, "cannot write the chart script: %s", strerror(errno));
        goto out;
    }
    int out = open(svgpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int err = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || err < 0 || in < 0) {
        fail(error, "cannot create chart files: %s", strerror(errno));
        if (out >= 0) close(out);
        if (err >= 0) close(err);
        if (in >= 0) close(in);
        goto out;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
            _exit(126);
        execl(gnuplot, gnuplot, gp, (char *)NULL);
        _exit(127);
    }
    close(out);
    close(err);
    close(in);
    if (pid < 0) {
        fail(error, "cannot start gnuplot: %s", strerror(errno));
        goto out;
    }
    status = wait_bounded(pid);
    log = jsonio_slurp(logpath, NULL);
    if (status == -1) {
        fail(error, "gnuplot did not finish within 60 s and was stopped%s", "");
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        fail(error, "cannot run gnuplot ('%s')", gnuplot);
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fail(error, "gnuplot failed: %s", first_line(log));
    } else {
        svg = jsonio_slurp(svgpath, NULL);
        if (svg && !strstr(svg, "</svg>")) {
            free(svg);
            svg = NULL;
            fail(error, "gnuplot wrote no complete SVG: %s", first_line(log));
        }
    }
out:
    free(log);
    if (!getenv("CREST_KEEP_TMP")) {
        unlink(gp);
        unlink(svgpath);
        unlink(logpath);
        rmdir(dir);
    }
    return svg;
}

/* ---- inlining ---- */

typedef struct buf {
    char *p;
    size_t len, cap;
    int oom;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *bigger = realloc(b->p, cap);
        if (!bigger) {
            b->oom = 1;
            return;
        }
        b->p = bigger;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

char *charts_inline_svg(const char *svg, int chart_no, const char *title)
{
    if (!svg || strcasestr(svg, "<script") || strcasestr(svg, "<foreignObject"))
        return NULL;
    const char *start = strstr(svg, "<svg");
    const char *end = strstr(svg, "</svg>");
    if (!start || !end || end < start)
        return NULL;
    end += strlen("</svg>");
    char prefix[32];
    snprintf(prefix, sizeof prefix, "c%d_", chart_no);
    buf b = {0};
    /* The root element: add role and label right after "<svg". */
    puts_(&b, "<svg role=\"img\" aria-label=\"");
    char *label = NULL;
    size_t label_len = 0;
    FILE *lf = open_memstream(&label, &label_len);
    if (lf) {
        text_html(lf, title ? title : "chart");
        fclose(lf);
    }
    puts_(&b, label ? label : "chart");
    free(label);
    puts_(&b, "\"");
    const char *p = start + 4;
    static const char *const refs[] = {"id='", "id=\"", "href='#", "href=\"#", "url(#"};
    while (p < end) {
        if (strncmp(p, "<title>", 7) == 0 || strncmp(p, "<desc>", 6) == 0) {
            const char *close = strstr(p, p[1] == 't' ? "</title>" : "</desc>");
            if (close && close < end) {
                p = close + (p[1] == 't' ? 8 : 7);
                continue;
            }
        }
        int matched = 0;
        for (size_t r = 0; r < sizeof refs / sizeof refs[0]; r++) {
            size_t n = strlen(refs[r]);
            if (strncmp(p, refs[r], n) == 0 && (p == start || p[-1] == ' ' || p[-1] == ':' ||
                                                 p[-1] == '\t' || p[-1] == '\n' || r == 4)) {
                put(&b, p, n);
                puts_(&b, prefix);
                p += n;
                matched = 1;
                break;
            }
        }
        if (!matched)
            put(&b, p++, 1);
    }
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

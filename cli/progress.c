/* progress.c: what `crest run` shows a human: live progress lines and the
 * final summary (see progress.h). The engine hands a snapshot per second
 * to progress_attach's callbacks; it never prints itself. On a terminal
 * the progress line is rewritten in place ("\r" and clear to end of line);
 * otherwise each second is a plain line, so logs of CI runs read well. The
 * summary follows wrk's layout (a percentile spectrum, then totals) and
 * adds what wrk cannot say: per-subsystem results, the generator's health
 * and the gates. */
#include <string.h>
#include <unistd.h>

#include "common/units.h"
#include "cli/progress.h"

static const char *fmt_ms(double ms, char *buf, int len)
{
    return units_format_duration(ms / 1000.0, buf, len);
}

void progress_print(FILE *out, const char *label, const progress_snapshot *s, int tty)
{
    char el[32], tot[32], p99[32], target[48], rate[32], grace[32];
    units_format_duration(s->elapsed_s, el, sizeof el);
    units_format_duration(s->total_s, tot, sizeof tot);
    fmt_ms(s->p99_ms, p99, sizeof p99);
    if (s->closed_connections > 0)
        snprintf(target, sizeof target, "closed %d conns", s->closed_connections);
    else
        snprintf(target, sizeof target, "target %s/s",
                 units_format_count(s->target_rate, rate, sizeof rate));
    fprintf(out, "%s%s%s", tty ? "\r\033[K" : "", label ? label : "", label ? "  " : "");
    if (s->draining) {
        fprintf(out, "%s/%s  %-10.10s  plan done; waiting up to %s for %llu in flight", el, tot,
                "grace", units_format_duration(s->grace_s, grace, sizeof grace),
                (unsigned long long)s->in_flight);
    } else if (!s->has_rate) {
        fprintf(out, "%s/%s  %-10.10s  %s  warm-up (not measured)", el, tot,
                s->phase ? s->phase : "", target);
    } else {
        fprintf(out, "%s/%s  %-10.10s  %s  done %s/s  p99 %s  errors %llu%s", el, tot,
                s->phase ? s->phase : "", target,
                units_format_count(s->achieved_rate, rate, sizeof rate), p99,
                (unsigned long long)s->errors, s->dropped ? "  dropped yes" : "");
    }
    if (!tty)
        fputc('\n', out);
    fflush(out);
}

void progress_end(FILE *out, int tty)
{
    if (tty) {
        fputc('\n', out);
        fflush(out);
    }
}

static void spectrum(FILE *out, const char *title, const hist *h)
{
    static const double ps[] = {50, 75, 90, 99, 99.9, 99.99, 100};
    char buf[32];
    fprintf(out, "  %s (%llu timed)\n", title, (unsigned long long)hist_count(h));
    if (hist_count(h) == 0) {
        fprintf(out, "    no answers timed: no latency to show\n");
        return;
    }
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        double ms = (double)hist_percentile(h, ps[i]) / 1000.0;
        fprintf(out, "    %7.2f%%  %10s\n", ps[i], fmt_ms(ms, buf, sizeof buf));
    }
}

static void subsystem_row(FILE *out, const tag_stats *t, double duration_s)
{
    char p50[32], p99[32], mx[32];
    fmt_ms((double)hist_percentile(t->h.latency, 50) / 1000.0, p50, sizeof p50);
    fmt_ms((double)hist_percentile(t->h.latency, 99) / 1000.0, p99, sizeof p99);
    fmt_ms((double)hist_max(t->h.latency) / 1000.0, mx, sizeof mx);
    fprintf(out, "  %-14.14s %10llu %10.1f %9s %9s %9s %7.3f%% %7.3f%% %8llu %8llu\n", t->name,
            (unsigned long long)t->c.scheduled,
            duration_s > 0 ? (double)t->c.ok / duration_s : 0, p50, p99, mx,
            counters_error_rate(&t->c) * 100, counters_shed_rate(&t->c) * 100,
            (unsigned long long)t->c.dropped, (unsigned long long)t->c.cancelled);
}

void progress_summary(FILE *out, const run_result *r, const threshold_result *th, size_t nth)
{
    const counters *c = &r->total.c;
    char buf[32], buf2[32];
    fprintf(out, "\ncrest run against %s: %s measured%s%s%s\n", r->target,
            units_format_duration(r->duration_s, buf, sizeof buf),
            r->interrupted ? ", INTERRUPTED" : "", r->aborted[0] ? ", ABORTED by " : "",
            r->aborted);
    spectrum(out, "Latency from intended send time", r->total.h.latency);
    fprintf(out, "  Service time (sent -> answered): p50 %s  p99 %s\n",
            fmt_ms((double)hist_percentile(r->total.h.service, 50) / 1000.0, buf, sizeof buf),
            fmt_ms((double)hist_percentile(r->total.h.service, 99) / 1000.0, buf2, sizeof buf2));
    fprintf(out, "  Send lag: loop lag p99 %s, connection wait p99 %s\n",
            fmt_ms((double)hist_percentile(r->total.h.loop_lag, 99) / 1000.0, buf, sizeof buf),
            fmt_ms((double)hist_percentile(r->total.h.conn_wait, 99) / 1000.0, buf2,
                   sizeof buf2));
    fprintf(out, "\n  %llu scheduled, %llu sent, %llu ok, %llu shed, %llu errors (%llu http, "
                 "%llu network), %llu dropped, %llu cancelled\n",
            (unsigned long long)c->scheduled, (unsigned long long)c->sent,
            (unsigned long long)c->ok, (unsigned long long)c->shed,
            (unsigned long long)c->errors, (unsigned long long)c->http_errors,
            (unsigned long long)c->net_errors, (unsigned long long)c->dropped,
            (unsigned long long)c->cancelled);
    fprintf(out, "  Requests/sec: %.2f ok (%.2f offered)\n",
            r->duration_s > 0 ? (double)c->ok / r->duration_s : 0,
            r->duration_s > 0 ? (double)c->scheduled / r->duration_s : 0);
    fprintf(out, "  Status:");
    for (int i = 0; i < STATUS_CLASSES; i++)
        if (c->status[i])
            fprintf(out, " %s=%llu", status_class_names[i], (unsigned long long)c->status[i]);
    if (c->net_errors) {
        fprintf(out, "  network:");
        for (int i = 0; i < NETERR_KINDS; i++)
            if (c->net[i])
                fprintf(out, " %s=%llu", net_error_names[i], (unsigned long long)c->net[i]);
    }
    fputc('\n', out);
    if (r->ntags > 1 || (r->ntags == 1 && strcmp(r->tags[0].name, "adhoc") != 0)) {
        fprintf(out, "\n  %-14s %10s %10s %9s %9s %9s %8s %8s %8s %8s\n", "subsystem",
                "scheduled", "ok/s", "p50", "p99", "max", "errors", "shed", "dropped",
                "cancel");
        for (size_t i = 0; i < r->ntags; i++)
            subsystem_row(out, &r->tags[i], r->duration_s);
    }
    const generator_health *g = &r->generator;
    fprintf(out, "\n  Generator: %d threads, %d connections requested, %llu connection attempts "
                 "(reconnects included), busiest thread %.0f%% CPU, loop lag p99 %.2f ms\n",
            g->threads, g->connections_requested, (unsigned long long)g->connections_opened,
            g->cpu_busiest_thread * 100, g->loop_lag_p99_ms);
    if (g->tls_handshakes)
        fprintf(out, "  TLS: %llu handshakes (%llu resumed), p50 %.2f ms, p99 %.2f ms, max %.2f ms "
                     "(TCP connected -> TLS ready; counted in request latency too)\n",
                (unsigned long long)g->tls_handshakes, (unsigned long long)g->tls_resumed,
                g->tls_handshake_p50_ms, g->tls_handshake_p99_ms, g->tls_handshake_max_ms);
    if (g->limited)
        fprintf(out, "  !!! GENERATOR-LIMITED: %s\n  !!! these results describe crest, not "
                     "the target: INCONCLUSIVE\n", g->reason);
    if (g->conn_wait_warning)
        fprintf(out, "  warning: requests waited for a free connection (all %d in use); their "
                     "latency counts from the intended time. Raise -c to offer the plan's "
                     "load.\n", g->connections_requested);
    if (nth) {
        char val[32];
        fprintf(out, "\n  Thresholds:\n");
        for (size_t i = 0; i < nth; i++) {
            const threshold_result *t = &th[i];
            if (t->pass < 0)
                fprintf(out, "    ?    %-24s unknown subsystem\n", t->t.expr);
            else
                fprintf(out, "    %s %-24s (measured %s)\n", t->pass ? "pass" : "FAIL",
                        t->t.expr, threshold_format_value(&t->t, t->value, val, sizeof val));
        }
    }
    fflush(out);
}

static void print_second(void *user, const char *label, const progress_snapshot *s)
{
    (void)user;
    progress_print(stdout, label, s, isatty(STDOUT_FILENO));
}

static void print_end(void *user)
{
    (void)user;
    progress_end(stdout, isatty(STDOUT_FILENO));
}

void progress_attach(engine_options *eng)
{
    eng->on_second = print_second;
    eng->on_end = print_end;
    eng->progress_user = NULL;
}

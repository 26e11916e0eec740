/* cogscope watch: follow a run log while it is written (HDF5 SWMR, via
 * cs_runlog_refresh): step, epoch, loss, accuracy, PI and a sparkline of PI,
 * redrawn in place on a terminal and as plain lines otherwise. Ends when the
 * writer closes the file (or is gone). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cogscope/json.h"
#include "cogscope/runlog.h"
#include "commands.h"

static const char *const CMD = "watch";

typedef struct {
    int once, json;
    double interval, wait;
    size_t spark;
} watch_opts;

static const cli_opt opts[] = {
    {"once", CLI_FLAG, offsetof(watch_opts, once), NULL, .help = "print the current state once and exit"},
    {"interval", CLI_DOUBLE, offsetof(watch_opts, interval), "S", .help = "seconds between refreshes", .def = "1",
     .min = 0.05, .max = 3600, .range = CLI_MIN | CLI_MAX},
    {"wait", CLI_DOUBLE, offsetof(watch_opts, wait), "S",
     .help = "wait up to S seconds for the file to appear and become a\nreadable run log (0: fail at once)",
     .def = "0", .min = 0, .max = 86400, .range = CLI_MIN | CLI_MAX},
    {"spark", CLI_SIZE, offsetof(watch_opts, spark), "N", .help = "steps in the PI sparkline", .def = "40", .min = 1,
     .max = 64},
    {"json", CLI_FLAG, offsetof(watch_opts, json), NULL, .help = "with --once: the state as one JSON object"},
    {0},
};

static const cli_command spec = {
    .cmd = CMD,
    .usage = "usage: cogscope watch RUN.h5 [--once] [--interval S] [--wait S]\n"
             "\n"
             "Follow a run log while `cogscope train` writes it: step, epoch, loss, batch and\n"
             "held-out accuracy, PI and a sparkline of the recent PI. On a terminal the lines\n"
             "are redrawn in place; otherwise one plain line is printed whenever new steps\n"
             "arrive. Ends when the writer closes the file (or its process is gone).\n"
             "\n",
    .opts = opts,
    .footer = "\nExit codes: 0 success, 1 failure while running, 2 bad usage.\n",
    .positional = 1,
    .min_pos = 1,
    .max_pos = 1,
    .missing = "missing the run log (cogscope watch RUN.h5)",
    .help_col = 17,
};

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

typedef struct {
    size_t steps;
    double step, epoch, loss, acc, pi;
    double test_acc, test_epoch;
    char spark[256]; /* UTF-8 block characters */
} state;

/* Last value of a series read whole (small enough at watch rates). */
static cs_status read_tail(const cs_runlog *r, int eval, const char *name, size_t want, double *dst, size_t *got)
{
    double *v;
    size_t n;
    cs_status st = eval ? cs_runlog_read_eval(r, name, &v, &n) : cs_runlog_read_steps(r, name, &v, &n);
    if (st != CS_OK)
        return st;
    size_t k = n < want ? n : want;
    memcpy(dst, v + (n - k), k * sizeof *dst);
    *got = k;
    free(v);
    return CS_OK;
}

static void make_spark(const double *v, size_t n, char *out, size_t cap)
{
    static const char *const bars[8] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            lo = fmin(lo, v[i]);
            hi = fmax(hi, v[i]);
        }
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && o + 4 < cap; i++) {
        if (!isfinite(v[i])) {
            out[o++] = ' ';
            out[o] = '\0';
            continue;
        }
        int b = hi > lo ? (int)floor((v[i] - lo) / (hi - lo) * 7.999) : 3;
        o += (size_t)snprintf(out + o, cap - o, "%s", bars[b]);
    }
}

static cs_status read_state(const cs_runlog *r, size_t spark_n, state *s)
{
    const cs_runlog_info *in = cs_runlog_get_info(r);
    memset(s, 0, sizeof *s);
    s->steps = in->steps;
    s->step = s->epoch = s->loss = s->acc = s->pi = s->test_acc = s->test_epoch = NAN;
    if (in->steps) {
        double buf[64], pis[64];
        size_t got;
        const char *names[5] = {"step", "epoch", "loss", "batch_acc", "pi"};
        double *dst[5] = {&s->step, &s->epoch, &s->loss, &s->acc, &s->pi};
        for (int i = 0; i < 5; i++) {
            cs_status st = read_tail(r, 0, names[i], 1, buf, &got);
            if (st != CS_OK)
                return st;
            if (got)
                *dst[i] = buf[0];
        }
        cs_status st = read_tail(r, 0, "pi", spark_n, pis, &got);
        if (st != CS_OK)
            return st;
        make_spark(pis, got, s->spark, sizeof s->spark);
    }
    if (in->evals) {
        double v;
        size_t got;
        cs_status st = read_tail(r, 1, "acc", 1, &v, &got);
        if (st == CS_OK && got)
            s->test_acc = v;
        if (st == CS_OK)
            st = read_tail(r, 1, "epoch", 1, &v, &got);
        if (st != CS_OK)
            return st;
        if (got)
            s->test_epoch = v;
    }
    return CS_OK;
}

static const char *status_word(const cs_runlog_info *in)
{
    return in->live ? "live" : in->interrupted ? "interrupted" : in->end_state[0] ? in->end_state : "finished";
}

static void fmt_num(char *buf, size_t n, const char *fmt, double v)
{
    if (isfinite(v))
        snprintf(buf, n, fmt, v);
    else
        snprintf(buf, n, "-");
}

static void plain_line(FILE *out, const cs_runlog_info *in, const state *s)
{
    char loss[32], acc[32], tacc[32], pi[32];
    fmt_num(loss, sizeof loss, "%.4f", s->loss);
    fmt_num(acc, sizeof acc, "%.4f", s->acc);
    fmt_num(tacc, sizeof tacc, "%.4f", s->test_acc);
    fmt_num(pi, sizeof pi, "%.4f", s->pi);
    fprintf(out, "%s step %.0f epoch %.0f of %zu loss %s batch_acc %s test_acc %s pi %s %s\n", status_word(in),
            isfinite(s->step) ? s->step : -1, isfinite(s->epoch) ? s->epoch : 0, in->epochs, loss, acc, tacc, pi,
            s->spark);
    fflush(out);
}

/* The terminal block: three lines, redrawn in place. */
static void draw_block(FILE *out, const char *path, const cs_runlog_info *in, const state *s, int redraw)
{
    if (redraw)
        fputs("\033[3A", out);
    char loss[32], acc[32], tacc[32], pi[32];
    fmt_num(loss, sizeof loss, "%.4f", s->loss);
    fmt_num(acc, sizeof acc, "%.3f", s->acc);
    fmt_num(tacc, sizeof tacc, "%.4f", s->test_acc);
    fmt_num(pi, sizeof pi, "%.4f", s->pi);
    fprintf(out, "\033[2K%s  %s on %s  [%s]\n", path, in->rule, in->dataset, status_word(in));
    fprintf(out, "\033[2Kstep %.0f  epoch %.0f (of %zu)  loss %s  batch acc %s  test acc %s",
            isfinite(s->step) ? s->step : -1, isfinite(s->epoch) ? s->epoch : 0, in->epochs, loss, acc, tacc);
    if (isfinite(s->test_epoch))
        fprintf(out, " (epoch %.0f)", s->test_epoch);
    fputc('\n', out);
    fprintf(out, "\033[2KPI %s  %s\n", pi, s->spark);
    fflush(out);
}

static void json_state(const char *path, const cs_runlog_info *in, const state *s)
{
    cs_json j;
    cs_json_init(&j, stdout);
    cs_json_begin_object(&j);
    cs_json_kv_string(&j, "run", path);
    cs_json_kv_string(&j, "status", status_word(in));
    cs_json_kv_string(&j, "rule", in->rule);
    cs_json_kv_string(&j, "dataset", in->dataset);
    cs_json_kv_int(&j, "steps", (long long)s->steps);
    cs_json_kv_number(&j, "step", s->step);
    cs_json_kv_number(&j, "epoch", s->epoch);
    cs_json_kv_int(&j, "epochs", (long long)in->epochs);
    cs_json_kv_number(&j, "loss", s->loss);
    cs_json_kv_number(&j, "batch_acc", s->acc);
    cs_json_kv_number(&j, "test_acc", s->test_acc);
    cs_json_kv_number(&j, "pi", s->pi);
    cs_json_kv_int(&j, "snapshots", (long long)in->snapshots);
    cs_json_end_object(&j);
}

/* Open the run log, waiting up to o->wait seconds for it to appear. */
static cs_status open_waiting(const char *path, const watch_opts *o, cs_runlog **r)
{
    double t0 = cs_time_now();
    cs_status st;
    int kind;
    for (;;) {
        if ((st = cli_h5_check(path, &kind)) != CS_OK)
            return st; /* a damaged file */
        if ((st = cs_runlog_open(path, r)) == CS_OK)
            return CS_OK;
        /* With --wait, the writer may not have created (or finished
         * creating) the file yet: retry until the time is up. */
        if (cs_time_now() - t0 >= o->wait)
            return st;
        sleep_s(fmin(o->interval, 0.2));
    }
}

/* Print the state until the writer closes the log (once with --once). */
static cs_status follow(const char *path, const watch_opts *o, cs_runlog *r)
{
    int tty = isatty(STDOUT_FILENO) && !o->json;
    state s;
    size_t last_steps = (size_t)-1;
    int drawn = 0;
    cs_status st;
    for (;;) {
        const cs_runlog_info *in = cs_runlog_get_info(r);
        if ((st = read_state(r, o->spark, &s)) != CS_OK)
            return st;
        if (o->once) {
            if (o->json)
                json_state(path, in, &s);
            else if (tty)
                draw_block(stdout, path, in, &s, 0);
            else
                plain_line(stdout, in, &s);
            return CS_OK;
        }
        if (tty) {
            draw_block(stdout, path, in, &s, drawn);
            drawn = 1;
        } else if (s.steps != last_steps || !in->live) {
            plain_line(stdout, in, &s);
        }
        last_steps = s.steps;
        if (!in->live)
            return CS_OK;
        sleep_s(o->interval);
        if ((st = cs_runlog_refresh(r)) != CS_OK)
            return st;
    }
}

int cmd_watch(int argc, char **argv)
{
    watch_opts o = {0};
    cli_args a;
    int rc = cli_parse(&spec, argc, argv, &o, &a);
    if (rc >= 0)
        return rc;
    if (o.json && !o.once)
        return cli_usage_error(CMD, "--json needs --once (a followed run prints lines)");
    const char *path = a.pos[0];
    cs_runlog *r = NULL;
    cs_status st = open_waiting(path, &o, &r);
    if (st != CS_OK)
        return cli_fail(CMD, st);
    st = follow(path, &o, r);
    cs_runlog_close_reader(r);
    return st == CS_OK ? CLI_OK : cli_fail(CMD, st);
}

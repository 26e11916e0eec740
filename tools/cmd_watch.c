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

enum { OPT_ONCE = 256, OPT_INTERVAL, OPT_WAIT, OPT_JSON, OPT_WIDTH };

static const struct option long_opts[] = {
    {"once", no_argument, 0, OPT_ONCE},
    {"interval", required_argument, 0, OPT_INTERVAL},
    {"wait", required_argument, 0, OPT_WAIT},
    {"json", no_argument, 0, OPT_JSON},
    {"spark", required_argument, 0, OPT_WIDTH},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: cogscope watch RUN.h5 [--once] [--interval S] [--wait S]\n"
                 "\n"
                 "Follow a run log while `cogscope train` writes it: step, epoch, loss, batch and\n"
                 "held-out accuracy, PI and a sparkline of the recent PI. On a terminal the lines\n"
                 "are redrawn in place; otherwise one plain line is printed whenever new steps\n"
                 "arrive. Ends when the writer closes the file (or its process is gone).\n"
                 "\n"
                 "  --once         print the current state once and exit\n"
                 "  --interval S   seconds between refreshes (default 1)\n"
                 "  --wait S       wait up to S seconds for the file to appear and become a\n"
                 "                 readable run log (default 0: fail at once)\n"
                 "  --spark N      steps in the PI sparkline (default 40)\n"
                 "  --json         with --once: the state as one JSON object\n"
                 "  -h, --help     this text\n"
                 "\nExit codes: 0 success, 1 failure while running, 2 bad usage.\n");
}

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
    fprintf(out, "\033[2Kstep %.0f  epoch %.0f (of %zu)  loss %s  batch acc %s  test acc %s", isfinite(s->step) ? s->step : -1,
            isfinite(s->epoch) ? s->epoch : 0, in->epochs, loss, acc, tacc);
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

int cmd_watch(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_OK;
    }
    int once = 0, json = 0, c, rc = 0;
    double interval = 1.0, wait = 0.0;
    long spark_n = 40;
    while ((c = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
        switch (c) {
        case OPT_ONCE: once = 1; break;
        case OPT_JSON: json = 1; break;
        case OPT_INTERVAL:
            if (!(rc = cli_parse_double(CMD, "--interval", optarg, &interval)) && !(interval >= 0.05 && interval <= 3600))
                return cli_usage_error(CMD, "--interval %g must be in [0.05, 3600] seconds", interval);
            break;
        case OPT_WAIT:
            if (!(rc = cli_parse_double(CMD, "--wait", optarg, &wait)) && !(wait >= 0 && wait <= 86400))
                return cli_usage_error(CMD, "--wait %g must be in [0, 86400] seconds", wait);
            break;
        case OPT_WIDTH: rc = cli_parse_int(CMD, "--spark", optarg, 1, 64, &spark_n); break;
        case 'h': usage(stdout); return CLI_OK;
        default: return cli_getopt_error(CMD, argc, argv, c);
        }
        if (rc)
            return rc;
    }
    if (optind >= argc)
        return cli_usage_error(CMD, "missing the run log (cogscope watch RUN.h5)");
    if (optind + 1 < argc)
        return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind + 1]);
    if (json && !once)
        return cli_usage_error(CMD, "--json needs --once (a followed run prints lines)");
    const char *path = argv[optind];

    cs_runlog *r = NULL;
    double t0 = cs_time_now();
    cs_status st;
    int kind;
    for (;;) {
        if ((st = cli_h5_check(path, &kind)) != CS_OK)
            return cli_fail(CMD, st); /* a damaged file */
        if ((st = cs_runlog_open(path, &r)) == CS_OK)
            break;
        /* With --wait, the writer may not have created (or finished
         * creating) the file yet: retry until the time is up. */
        if (cs_time_now() - t0 >= wait)
            return cli_fail(CMD, st);
        sleep_s(fmin(interval, 0.2));
    }
    int tty = isatty(STDOUT_FILENO) && !json;
    state s;
    size_t last_steps = (size_t)-1;
    int drawn = 0;
    for (;;) {
        const cs_runlog_info *in = cs_runlog_get_info(r);
        if ((st = read_state(r, (size_t)spark_n, &s)) != CS_OK)
            break;
        if (once) {
            if (json)
                json_state(path, in, &s);
            else if (tty)
                draw_block(stdout, path, in, &s, 0);
            else
                plain_line(stdout, in, &s);
            break;
        }
        if (tty) {
            draw_block(stdout, path, in, &s, drawn);
            drawn = 1;
        } else if (s.steps != last_steps || !in->live) {
            plain_line(stdout, in, &s);
        }
        last_steps = s.steps;
        if (!in->live)
            break;
        sleep_s(interval);
        if ((st = cs_runlog_refresh(r)) != CS_OK)
            break;
    }
    cs_runlog_close_reader(r);
    return st == CS_OK ? CLI_OK : cli_fail(CMD, st);
}

/* cogscope report: many runs and their analyses, grouped (seeds pooled),
 * as text, JSON, long-format CSV or an offline HTML file (cogscope/report.h,
 * docs/report.md). The numbers come from the report model (cs_report_create)
 * and, for the per-run text detail, cs_summary_compute; this file parses the
 * command line, opens the files and picks the writer. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cogscope/json.h"
#include "cogscope/observe.h"
#include "cogscope/report.h"
#include "cogscope/runlog.h"
#include "cogscope/summary.h"
#include "commands.h"
#include "runlog_text.h"

static const char *const CMD = "report";

static const char *state_of(const cs_runlog_info *in)
{
    return in->live ? "live" : in->interrupted ? "interrupted" : in->end_state[0] ? in->end_state : "closed";
}

/* ---- text --------------------------------------------------------------- */

static void num(FILE *out, const char *fmt, double v, int width)
{
    if (isnan(v))
        fprintf(out, "%*s", width, "-");
    else
        fprintf(out, fmt, width, v);
}

static void pct(FILE *out, double v, int width)
{
    if (isnan(v))
        fprintf(out, "%*s", width, "-");
    else
        fprintf(out, "%*.2f%%", width - 1, 100.0 * v);
}

static void print_text(FILE *out, const char *path, const cs_summary *s, const cs_runlog *run)
{
    const cs_runlog_info *in = &s->info;
    fprintf(out, "%s: rule ", path);
    cli_rule_text(out, run);
    fprintf(out, ", dataset %s, layers ", cli_or_unrecorded(in->dataset));
    cli_layers_text(out, run, "-");
    fprintf(out, " (%s)\n", in->activation[0] ? in->activation : "activation not recorded");
    if (!cli_epochs_recorded(run))
        fprintf(out, "epochs not recorded");
    else if (in->epochs)
        fprintf(out, "%zu of %zu epochs done", in->epochs_done, in->epochs);
    else
        fprintf(out, "%zu epochs done", in->epochs_done);
    fprintf(out, ", %zu steps, %zu evaluations (%s)\n", in->steps, s->n_evals, state_of(in));
    fprintf(out, "\nbest test accuracy   ");
    if (isnan(s->best_test_acc))
        fprintf(out, "- (no evaluation yet)\n");
    else
        fprintf(out, "%.2f %% (epoch %" PRId64 ", step %" PRId64 ")\n", 100 * s->best_test_acc, s->best_epoch,
                s->best_step);
    fprintf(out, "final test           ");
    if (s->final.test_epoch < 0)
        fprintf(out, "- (no evaluation yet)\n");
    else
        fprintf(out, "accuracy %.2f %%, loss %.4g nats (epoch %" PRId64 ")\n", 100 * s->final.test_acc,
                s->final.test_loss, s->final.test_epoch);
    fprintf(out, "final training       ");
    if (s->final.epoch < 0) {
        fprintf(out, "- (no steps yet)\n");
    } else {
        /* "-" where the log has no such series (schema v2 makes each optional) */
        const char *lab[5] = {"loss ", " nats; epsilon ", " nats, tau ", " nats, S ", ", PI "};
        double val[5] = {s->final.train_loss, s->final.epsilon, s->final.tau, s->final.surprise, s->final.pi};
        for (int i = 0; i < 5; i++) {
            fputs(lab[i], out);
            num(out, "%*.4g", val[i], 1);
        }
        fprintf(out, "\n                     (means over epoch %" PRId64 ")\n", s->final.epoch);
    }
    const char *conv[] = {"loss", "tau", "surprise", "pi", "batch_acc"};
    int said = 0;
    for (size_t i = 0; i < sizeof conv / sizeof conv[0]; i++)
        if (!cs_runlog_find(run, CS_RUNLOG_STEP_SERIES, 0, conv[i]))
            fprintf(out, "%s%s", said++ ? ", " : "not in the log       per-step ", conv[i]);
    if (!cs_runlog_find(run, CS_RUNLOG_EVAL_SERIES, 0, "acc"))
        fprintf(out, "%s", said++ ? "; no held-out evaluation" : "not in the log       held-out evaluation");
    if (said)
        fprintf(out, " (docs/schema.md: what each enables)\n");
    if (!s->n_epochs)
        return;
    fprintf(out, "\n%6s %7s %11s %10s %9s %10s %10s %10s %8s\n", "epoch", "steps", "train_loss", "test_loss",
            "test_acc", "epsilon", "tau", "S", "PI");
    for (size_t i = 0; i < s->n_epochs; i++) {
        const cs_summary_epoch *e = &s->epochs[i];
        fprintf(out, "%6" PRId64 " %7zu", e->epoch, e->steps);
        num(out, " %*.4g", e->train_loss, 11);
        num(out, " %*.4g", e->test_loss, 10);
        fputc(' ', out);
        pct(out, e->test_acc, 9);
        num(out, " %*.4g", e->epsilon, 10);
        num(out, " %*.4g", e->tau, 10);
        num(out, " %*.4g", e->surprise, 10);
        num(out, " %*.4g", e->pi, 8);
        fputc('\n', out);
    }
    fprintf(out,
            "(epsilon, tau in nats; S = gradient norm; PI in (0, 1]; test values from the epoch's evaluation)\n");
}

/* The analysis of run `path`: the explicit file, or RUN.metrics.h5 when it
 * exists. A metrics file of another run is an error when explicit and is
 * skipped with a warning otherwise. 0, or an exit code. */
static int load_metrics(const char *path, const cs_runlog *r, const char *explicit_path, cs_metrics **m, char *mpath,
                        size_t n)
{
    *m = NULL;
    if (explicit_path)
        snprintf(mpath, n, "%s", explicit_path);
    else if (cs_obs_default_metrics_path(path, mpath, n) != CS_OK || access(mpath, F_OK) != 0)
        return 0;
    int kind;
    cs_status st = cli_h5_check(mpath, &kind);
    if (st == CS_OK)
        st = cs_metrics_read(mpath, m);
    if (st != CS_OK) {
        if (explicit_path)
            return cli_fail(CMD, st);
        fprintf(stderr, "cogscope %s: warning: %s; reporting %s without its analysis\n", CMD, cs_last_error(), path);
        return 0;
    }
    /* The run id decides; `created` (one-second resolution) only for metrics
     * files written before run ids existed. */
    const cs_runlog_info *in = cs_runlog_get_info(r);
    const char *made_from = cs_metrics_attr(*m, "run_created"), *made_from_id = cs_metrics_attr(*m, "run_id");
    const char *created = in->created;
    int same = made_from_id && made_from_id[0] && in->run_id[0] ? !strcmp(made_from_id, in->run_id)
                                                                : made_from && !strcmp(made_from, created);
    if (!same) {
        char msg[1024];
        snprintf(msg, sizeof msg,
                 "%s was computed from another run (created %s; %s was created %s): run cogscope "
                 "analyze %s again",
                 mpath, made_from ? made_from : "?", path, created, path);
        cs_metrics_destroy(*m);
        *m = NULL;
        if (explicit_path) {
            fprintf(stderr, "cogscope %s: %s\n", CMD, msg);
            return CLI_FAIL;
        }
        fprintf(stderr, "cogscope %s: warning: %s\n", CMD, msg);
    }
    return 0;
}

enum { TEXT, JSON, CSV, HTML };

typedef struct {
    int format; /* TEXT, JSON, CSV, HTML */
    int no_metrics, force;
    long smooth; /* --smooth as given */
    const char *outpath;
    const char **mfiles; /* --metrics, in order */
    size_t n_mfiles;
    const char **files, **groups; /* the runs: positional, then --label files */
    size_t n, cap;
    char **owned; /* strdup'ed --label arguments */
    size_t n_owned;
    cs_report_options opt;
} report_args;

static void args_free(report_args *a)
{
    for (size_t i = 0; i < a->n_owned; i++)
        free(a->owned[i]);
    free(a->owned);
    free(a->mfiles);
    free(a->files);
    free(a->groups);
}

/* Add a run (a file given twice keeps its first place; a label names its group). */
static int add_run(report_args *a, const char *file, const char *group)
{
    for (size_t i = 0; i < a->n; i++)
        if (!strcmp(a->files[i], file)) {
            if (group && a->groups[i] && strcmp(a->groups[i], group))
                return cli_usage_error(CMD, "--label: %s is in two groups ('%s' and '%s')", file, a->groups[i],
                                       group);
            if (group)
                a->groups[i] = group;
            return CLI_OK;
        }
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 16;
        const char **f = realloc(a->files, cap * sizeof *f), **g = f ? realloc(a->groups, cap * sizeof *g) : NULL;
        if (f)
            a->files = f;
        if (!f || !g)
            return cli_usage_error(CMD, "out of memory");
        a->groups = g;
        a->cap = cap;
    }
    a->files[a->n] = file;
    a->groups[a->n++] = group;
    return CLI_OK;
}

/* --label NAME=FILE[,FILE...] */
static int parse_label(report_args *a, const char *arg)
{
    char *copy = strdup(arg), **o = copy ? realloc(a->owned, (a->n_owned + 1) * sizeof *o) : NULL;
    if (!o) {
        free(copy);
        return cli_usage_error(CMD, "out of memory");
    }
    a->owned = o;
    a->owned[a->n_owned++] = copy;
    char *eq = strchr(copy, '=');
    if (!eq || eq == copy || !eq[1])
        return cli_usage_error(CMD, "--label: '%s' is not NAME=FILE[,FILE...]", arg);
    *eq = 0;
    int rc = CLI_OK;
    for (char *save = NULL, *f = strtok_r(eq + 1, ",", &save); f && rc == CLI_OK; f = strtok_r(NULL, ",", &save))
        rc = add_run(a, f, copy);
    return rc;
}

static int parse_label_opt(const char *cmd, const cli_opt *o, const char *arg, void *f, void *all)
{
    (void)cmd, (void)o, (void)f;
    return parse_label(all, arg);
}

static int parse_metrics_opt(const char *cmd, const cli_opt *o, const char *arg, void *f, void *all)
{
    report_args *a = all;
    (void)cmd, (void)o, (void)f;
    a->mfiles[a->n_mfiles++] = arg;
    return CLI_OK;
}

static int parse_group_by(const char *cmd, const cli_opt *o, const char *arg, void *f, void *all)
{
    (void)o, (void)all;
    if (!arg[0] || arg[0] == ',' || strstr(arg, ",,") || arg[strlen(arg) - 1] == ',')
        return cli_usage_error(cmd, "--group-by: '%s' is not a comma-separated list of keys", arg);
    *(const char **)f = arg;
    return CLI_OK;
}

static const cli_choice formats[] = {{"text", TEXT}, {"json", JSON}, {"csv", CSV}, {"html", HTML}, {NULL, 0}};
static const cli_choice axes[] = {{"epochs", CS_REPORT_X_EPOCHS},
                                  {"samples", CS_REPORT_X_SAMPLES},
                                  {"steps", CS_REPORT_X_STEPS},
                                  {NULL, 0}};

static const cli_opt opts[] = {
    {"group-by", CLI_CUSTOM, offsetof(report_args, opt.group_by), "KEYS", .parse = parse_group_by,
     .help = "comma-separated configuration keys (rule, lr, batch, activation,\n"
             "any /config key; seed makes one group per seed); default: runs\n"
             "whose configuration is equal except for the seed form a group"},
    {"label", CLI_CUSTOM, 0, "NAME=FILE[,FILE...]", .parse = parse_label_opt,
     .help = "put the files in group NAME (repeatable; the files\nare added to the runs)"},
    {"reference", CLI_STRING, offsetof(report_args, opt.reference), "G",
     .help = "the group Δ columns compare with (default: the bp group, else\nthe first)"},
    {"x", CLI_ENUM, offsetof(report_args, opt.x), "AXIS", .choices = axes,
     .help = "x of training-time charts: epochs (default), samples (steps x\nbatch) or steps"},
    {"smooth", CLI_INT, offsetof(report_args, smooth), "N", .min = 0, .max = 1000000000L,
     .help = "EMA span in steps for per-step series; 0: none (default: a\nquarter of an epoch)"},
    {"plane-metric", CLI_STRING, offsetof(report_args, opt.plane_metric), "M",
     .help = "per-layer metric on the Omega axis of the PI x Omega plane\n"
             "(default " CS_REPORT_PLANE_METRIC ", the layer Omega of analyze;\n"
             "omega_mean: the mean over the top unit pairs)"},
    {"plane-pi", CLI_DOUBLE, offsetof(report_args, opt.plane_pi), "T", .min = 0, .max = 1,
     .range = CLI_MIN | CLI_MAX | CLI_MIN_OPEN | CLI_MAX_OPEN,
     .help = "high PI: training PI >= T (default 0.5; in (0, 1))"},
    {"plane-omega", CLI_DOUBLE, offsetof(report_args, opt.plane_omega), "T", .min = 0, .max = 1,
     .range = CLI_MIN | CLI_MAX,
     .help = "low Omega: Omega < T (default 0.5; in [0, 1]); a run ending\n"
             "with high PI and low Omega in some layer is flagged\n"
             "(\"clever idiot\", docs/ipwt.md)"},
    {"format", CLI_ENUM, offsetof(report_args, format), "F", .choices = formats,
     .help = "text (default): summary table, configuration table, then each\n"
             "run's detail; json: one object, format_version 2\n"
             "(docs/report.schema.json); csv: long format run, group, label,\n"
             "rule, seed, step, epoch, samples, layer, metric, value, units,\n"
             "flag; html: one self-contained offline page with SVG charts"},
    {"json", CLI_FLAG, offsetof(report_args, format), NULL, .value = JSON, .help = "same as --format json"},
    {"metrics", CLI_CUSTOM, 0, "M.h5", .parse = parse_metrics_opt,
     .help = "the analysis of a run (repeat, in the order of the runs: the\n"
             "positional ones, then those of --label); by default\n"
             "RUN.metrics.h5 is used when it exists"},
    {"no-metrics", CLI_FLAG, offsetof(report_args, no_metrics), NULL,
     .help = "ignore analyses, report the runs only"},
    {"output", CLI_FILE, offsetof(report_args, outpath), "FILE", .short_name = 'o',
     .help = "write the report to FILE instead of stdout (written under a\n"
             "temporary name and renamed when complete; never one of the\n"
             "inputs; an existing run log only with --force)"},
    {"force", CLI_FLAG, offsetof(report_args, force), NULL, .help = "let -o replace an existing run log"},
    {0},
};

static const cli_command spec = {
    .cmd = CMD,
    .usage = "usage: cogscope report RUN.h5 [MORE.h5 ...] [--label NAME=FILE[,FILE...] ...]\n"
             "                       [--group-by KEYS] [--reference GROUP] [--x epochs|samples|steps]\n"
             "                       [--smooth STEPS] [--metrics M.h5 ...] [--no-metrics]\n"
             "                       [--plane-metric M] [--plane-pi T] [--plane-omega T]\n"
             "                       [--format text|json|csv|html] [--json] [-o FILE]\n"
             "\n"
             "Compare training runs and their analyses (cogscope analyze). Runs are grouped and\n"
             "every table and chart shows each group's mean with a 95% t interval across its\n"
             "runs (seeds), the number of runs, and the difference from a reference group\n"
             "(docs/report.md). Works on live and killed runs (up to their last flush).\n"
             "\n",
    .opts = opts,
    .footer = "\n"
              "Exit codes: 0 success, 1 a file is missing, unreadable, not a run log or a metrics\n"
              "file of another run, 2 bad usage (also an unknown --group-by key or --reference\n"
              "group).\n",
    .positional = 1,
    .help_col = 17,
};

static int parse_args(report_args *a, int argc, char **argv)
{
    memset(a, 0, sizeof *a);
    cs_report_options_default(&a->opt);
    if (!(a->mfiles = calloc((size_t)argc + 1, sizeof *a->mfiles)))
        return cli_usage_error(CMD, "out of memory");
    cli_args ca;
    int rc = cli_parse(&spec, argc, argv, a, &ca);
    if (rc >= 0)
        return rc == CLI_OK ? -1 : rc; /* -1: --help printed */
    rc = CLI_OK;
    if (cli_given(&ca, "smooth"))
        a->opt.smooth = (double)a->smooth;
    /* positional runs first, in their order; labelled ones after */
    size_t nl = a->n;
    const char **lf = a->files, **lg = a->groups;
    a->files = a->groups = NULL;
    a->n = a->cap = 0;
    for (int i = 0; i < ca.npos && rc == CLI_OK; i++)
        rc = add_run(a, ca.pos[i], NULL);
    for (size_t i = 0; i < nl && rc == CLI_OK; i++)
        rc = add_run(a, lf[i], lg[i]);
    free(lf);
    free(lg);
    if (rc != CLI_OK)
        return rc;
    if (!a->n)
        return cli_usage_error(CMD, "no run log given");
    if (a->n_mfiles > a->n)
        return cli_usage_error(CMD, "%zu --metrics files for %zu run%s", a->n_mfiles, a->n, a->n == 1 ? "" : "s");
    if (a->no_metrics && a->n_mfiles)
        return cli_usage_error(CMD, "--metrics and --no-metrics contradict each other");
    return CLI_OK;
}

/* Text: the summary and configuration tables, then every run in detail. */
static int write_text(FILE *out, const report_args *a, const cs_report *rep, cs_runlog **runs, cs_metrics **ms,
                      char (*mpaths)[4096])
{
    cs_status st = cs_report_write_summary_text(out, rep);
    for (size_t k = 0; k < a->n && st == CS_OK; k++) {
        cs_summary s;
        if ((st = cs_summary_compute(runs[k], &s)) != CS_OK)
            break;
        fputs("\n", out);
        print_text(out, a->files[k], &s, runs[k]);
        cs_summary_free(&s);
        if (ms[k]) {
            fprintf(out, "\n%s: ", mpaths[k]);
            st = cs_report_metrics_text(out, ms[k]);
        }
    }
    return st == CS_OK ? CLI_OK : cli_fail(CMD, st);
}

static int write_report(const report_args *a, cs_runlog **runs, cs_metrics **ms, char (*mpaths)[4096])
{
    cs_report_run *rr = calloc(a->n, sizeof *rr);
    if (!rr)
        return cli_usage_error(CMD, "out of memory");
    for (size_t k = 0; k < a->n; k++)
        rr[k] = (cs_report_run){runs[k], ms[k], NULL, a->groups[k], ms[k] ? mpaths[k] : NULL};
    cs_report *rep = NULL;
    cs_status st = cs_report_create(rr, a->n, &a->opt, &rep);
    free(rr);
    if (st != CS_OK) /* a bad --group-by key or --reference group is a usage error */
        return st == CS_EINVAL ? cli_usage_error(CMD, "%s", cs_last_error()) : cli_fail(CMD, st);
    FILE *out = stdout;
    cli_out file = {0};
    if (a->outpath) {
        if (cli_out_open(CMD, a->outpath, &file)) {
            cs_report_destroy(rep);
            return CLI_FAIL;
        }
        out = file.f;
    }
    int rc = CLI_OK;
    errno = 0;
    switch (a->format) {
    case HTML: st = cs_report_write_html(out, rep); break;
    case JSON: st = cs_report_write_json(out, rep); break;
    case CSV: st = cs_report_write_csv(out, rep); break;
    default: rc = write_text(out, a, rep, runs, ms, mpaths); break;
    }
    int err = errno;
    if (st == CS_EIO && ferror(out)) { /* a full disk: say so, in the system's words */
        fprintf(stderr, "cogscope %s: writing %s failed: %s\n", CMD, a->outpath ? a->outpath : "standard output",
                err ? strerror(err) : "a write error");
        rc = CLI_FAIL;
    } else if (st != CS_OK) {
        rc = cli_fail(CMD, st);
    }
    /* -o: renamed into place only when complete; stdout: checked at exit */
    if (out != stdout) {
        if (rc == CLI_OK)
            rc = cli_out_commit(CMD, &file);
        else
            cli_out_discard(&file);
    }
    cs_report_destroy(rep);
    return rc;
}

/* -o may not name an input (a run, an explicit metrics file, a run's default
 * RUN.metrics.h5) nor, without --force, an existing run log. 0, 1 or 2. */
static int guard_output(const report_args *a)
{
    const char **in = calloc(3 * a->n + 1, sizeof *in);
    char(*defm)[4096] = calloc(a->n + 1, sizeof *defm);
    int rc = in && defm ? CLI_OK : cli_usage_error(CMD, "out of memory");
    size_t ni = 0;
    for (size_t k = 0; rc == CLI_OK && k < a->n; k++) {
        in[ni++] = a->files[k];
        if (k < a->n_mfiles)
            in[ni++] = a->mfiles[k];
        if (cs_obs_default_metrics_path(a->files[k], defm[k], sizeof defm[k]) == CS_OK)
            in[ni++] = defm[k];
    }
    if (rc == CLI_OK)
        rc = cli_out_guard(CMD, "-o", a->outpath, in, ni, a->force);
    free(in);
    free(defm);
    return rc;
}

int cmd_report(int argc, char **argv)
{
    report_args a;
    int rc = parse_args(&a, argc, argv);
    if (rc != CLI_OK) {
        args_free(&a);
        return rc < 0 ? CLI_OK : rc; /* -1: --help was printed */
    }
    size_t nr = a.n, opened = 0;
    if (a.outpath && (rc = guard_output(&a)) != CLI_OK) {
        args_free(&a);
        return rc;
    }
    cs_runlog **runs = calloc(nr, sizeof *runs);
    cs_metrics **ms = calloc(nr, sizeof *ms);
    char(*mpaths)[4096] = calloc(nr, sizeof *mpaths);
    if (!runs || !ms || !mpaths)
        rc = cli_usage_error(CMD, "out of memory");
    for (size_t k = 0; k < nr && rc == CLI_OK; k++) {
        int kind;
        cs_status st = cli_h5_check(a.files[k], &kind);
        if (st == CS_OK)
            st = cs_runlog_open(a.files[k], &runs[k]);
        if (st != CS_OK) {
            rc = cli_fail(CMD, st);
            break;
        }
        opened++;
        if (!a.no_metrics)
            rc = load_metrics(a.files[k], runs[k], k < a.n_mfiles ? a.mfiles[k] : NULL, &ms[k], mpaths[k],
                              sizeof mpaths[k]);
    }
    if (rc == CLI_OK)
        rc = write_report(&a, runs, ms, mpaths);
    for (size_t k = 0; ms && k < nr; k++)
        cs_metrics_destroy(ms[k]);
    for (size_t k = 0; k < opened; k++)
        cs_runlog_close_reader(runs[k]);
    free(runs);
    free(ms);
    free(mpaths);
    args_free(&a);
    return rc;
}

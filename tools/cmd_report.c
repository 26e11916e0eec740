/* cogscope report: the summary of one or more runs (cogscope/summary.h) and
 * their analyses (cogscope/observe.h metrics files) as text, JSON or an
 * offline HTML file (cogscope/report.h). The numbers come from
 * cs_summary_compute and the metrics files; this file only formats them. */
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

enum { OPT_JSON = 256, OPT_FORMAT, OPT_METRICS, OPT_NO_METRICS };

static const struct option long_opts[] = {
    {"json", no_argument, 0, OPT_JSON},
    {"format", required_argument, 0, OPT_FORMAT},
    {"output", required_argument, 0, 'o'},
    {"metrics", required_argument, 0, OPT_METRICS},
    {"no-metrics", no_argument, 0, OPT_NO_METRICS},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cogscope report RUN.h5 [MORE.h5 ...] [--metrics M.h5 ...] [--format text|json|html]\n"
            "                       [--json] [-o FILE]\n"
            "\n"
            "Summarise training runs from their logs: best and final test accuracy, test and\n"
            "training loss, and the means of the sigma-pi quantities per epoch and at the end:\n"
            "epsilon (batch cross-entropy, nats), tau (entropy of the softmax output, nats),\n"
            "S (gradient norm) and PI (predictive integrity). \"At the end\" = the means over\n"
            "the last epoch with steps; the final test values are the last evaluation.\n"
            "Works on live runs and on runs that were killed (up to their last flush).\n"
            "With an analysis (cogscope analyze) the report includes it.\n"
            "\n"
            "  --format F     text (default), json or html\n"
            "  --json         same as --format json: one JSON object with rule, dataset,\n"
            "                 layers, epochs_done, best_test_acc, final{...}, per_epoch[...]\n"
            "                 (accuracies as fractions in [0,1]; missing values are null) and,\n"
            "                 when analysed, analysis{attributes, notes, arrays{PATH: values}};\n"
            "                 several runs: {\"runs\": [...]}\n"
            "  html           one self-contained offline file with SVG charts: training series,\n"
            "                 information plane, integration and synergy, spectra, PhiID; several\n"
            "                 runs are overlaid and compared (rule against rule)\n"
            "  --metrics M.h5 the analysis of a run (repeat in the order of the runs); by\n"
            "                 default RUN.metrics.h5 is used when it exists\n"
            "  --no-metrics   ignore analyses, report the runs only\n"
            "  -o, --output FILE  write the report to FILE instead of stdout\n"
            "  -h, --help     this text\n"
            "\n"
            "Exit codes: 0 success, 1 a file is missing, unreadable, not a run log or a metrics\n"
            "file of another run, 2 bad usage.\n");
}

static const char *state_of(const cs_runlog_info *in)
{
    return in->live ? "live" : in->interrupted ? "interrupted" : "closed";
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
    fprintf(out, "%s: rule %s, dataset %s, layers ", path, in->rule[0] ? in->rule : "?",
            in->dataset[0] ? in->dataset : "?");
    cli_layers_text(out, run, "-");
    fprintf(out, " (%s)\n", in->activation[0] ? in->activation : "?");
    fprintf(out, "%zu of %zu epochs done, %zu steps, %zu evaluations (%s)\n", in->epochs_done, in->epochs, in->steps,
            s->n_evals, state_of(in));
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
    if (s->final.epoch < 0)
        fprintf(out, "- (no steps yet)\n");
    else
        fprintf(out,
                "loss %.4g nats; epsilon %.4g nats, tau %.4g nats, S %.4g, PI %.4g\n"
                "                     (means over epoch %" PRId64 ")\n",
                s->final.train_loss, s->final.epsilon, s->final.tau, s->final.surprise, s->final.pi, s->final.epoch);
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
    fprintf(out, "(epsilon, tau in nats; S = gradient norm; PI in (0, 1]; test values from the epoch's evaluation)\n");
}

/* ---- JSON --------------------------------------------------------------- */

/* One run's object; `m` (may be NULL) adds "analysis". */
static void print_json_run(cs_json *jp, const char *path, const cs_summary *s, const cs_metrics *m,
                           const char *mpath, const cs_runlog *run)
{
    const cs_runlog_info *in = &s->info;
    cs_json j = *jp;
    cs_json_begin_object(&j);
    cs_json_kv_string(&j, "file", path);
    cs_json_kv_string(&j, "state", state_of(in));
    cs_json_kv_string(&j, "rule", in->rule);
    cs_json_kv_string(&j, "dataset", in->dataset);
    cs_json_key(&j, "layers");
    cli_layers_json(&j, run);
    cs_json_kv_string(&j, "activation", in->activation);
    cs_json_kv_int(&j, "epochs", (long long)in->epochs);
    cs_json_kv_int(&j, "epochs_done", (long long)in->epochs_done);
    cs_json_kv_int(&j, "steps", (long long)in->steps);
    cs_json_kv_int(&j, "evals", (long long)s->n_evals);
    cs_json_kv_number(&j, "best_test_acc", s->best_test_acc);
    cs_json_key(&j, "best_epoch");
    if (s->best_epoch >= 0)
        cs_json_int(&j, s->best_epoch);
    else
        cs_json_null(&j);

    cs_json_key(&j, "final");
    cs_json_begin_object(&j);
    cs_json_kv_number(&j, "test_acc", s->final.test_acc);
    cs_json_kv_number(&j, "test_loss", s->final.test_loss);
    cs_json_kv_number(&j, "train_loss", s->final.train_loss);
    cs_json_kv_number(&j, "epsilon", s->final.epsilon);
    cs_json_kv_number(&j, "tau", s->final.tau);
    cs_json_kv_number(&j, "surprise", s->final.surprise);
    cs_json_kv_number(&j, "pi", s->final.pi);
    cs_json_kv_number(&j, "batch_acc", s->final.batch_acc);
    cs_json_kv_number(&j, "test_tau", s->final.test_tau);
    cs_json_kv_number(&j, "test_surprise", s->final.test_surprise);
    cs_json_kv_number(&j, "test_pi", s->final.test_pi);
    cs_json_key(&j, "epoch");
    if (s->final.epoch >= 0)
        cs_json_int(&j, s->final.epoch);
    else
        cs_json_null(&j);
    cs_json_key(&j, "test_epoch");
    if (s->final.test_epoch >= 0)
        cs_json_int(&j, s->final.test_epoch);
    else
        cs_json_null(&j);
    cs_json_end_object(&j);

    cs_json_key(&j, "per_epoch");
    cs_json_begin_array(&j);
    for (size_t i = 0; i < s->n_epochs; i++) {
        const cs_summary_epoch *e = &s->epochs[i];
        cs_json_begin_object(&j);
        cs_json_kv_int(&j, "epoch", e->epoch);
        cs_json_kv_int(&j, "steps", (long long)e->steps);
        cs_json_kv_number(&j, "train_loss", e->train_loss);
        cs_json_kv_number(&j, "test_loss", e->test_loss);
        cs_json_kv_number(&j, "test_acc", e->test_acc);
        cs_json_kv_number(&j, "epsilon", e->epsilon);
        cs_json_kv_number(&j, "tau", e->tau);
        cs_json_kv_number(&j, "surprise", e->surprise);
        cs_json_kv_number(&j, "pi", e->pi);
        cs_json_kv_number(&j, "batch_acc", e->batch_acc);
        cs_json_kv_number(&j, "test_pi", e->test_pi);
        cs_json_end_object(&j);
    }
    cs_json_end_array(&j);
    cs_json_key(&j, "units");
    cs_json_begin_object(&j);
    cs_json_kv_string(&j, "epsilon", "nats");
    cs_json_kv_string(&j, "tau", "nats");
    cs_json_kv_string(&j, "train_loss", "nats");
    cs_json_kv_string(&j, "test_loss", "nats");
    cs_json_kv_string(&j, "test_acc", "fraction");
    cs_json_end_object(&j);
    if (m) {
        cs_json_key(&j, "analysis");
        cs_json_begin_object(&j);
        cs_json_kv_string(&j, "file", mpath);
        cs_report_metrics_json(&j, m);
        cs_json_end_object(&j);
    }
    cs_json_end_object(&j);
    *jp = j;
}

/* The analysis of run `path`: the explicit file, or RUN.metrics.h5 when it
 * exists. A metrics file of another run is an error when explicit and is
 * skipped with a warning otherwise. 0, or an exit code. */
static int load_metrics(const char *path, const cs_runlog *r, const char *explicit_path, cs_metrics **m,
                        char *mpath, size_t n)
{
    *m = NULL;
    if (explicit_path)
        snprintf(mpath, n, "%s", explicit_path);
    else if (cs_obs_default_metrics_path(path, mpath, n) != CS_OK || access(mpath, F_OK) != 0)
        return 0;
    cs_status st = cs_metrics_read(mpath, m);
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
        snprintf(msg, sizeof msg, "%s was computed from another run (created %s; %s was created %s): run cogscope "
                 "analyze %s again", mpath, made_from ? made_from : "?", path, created, path);
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

int cmd_report(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_OK;
    }
    enum { TEXT, JSON, HTML } format = TEXT;
    int c, no_metrics = 0;
    const char *outpath = NULL;
    const char **mfiles = calloc((size_t)argc + 1, sizeof *mfiles);
    size_t n_mfiles = 0;
    if (!mfiles)
        return cli_usage_error(CMD, "out of memory");
    while ((c = getopt_long(argc, argv, ":ho:", long_opts, NULL)) != -1) {
        switch (c) {
        case OPT_JSON: format = JSON; break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "json"))
                format = JSON;
            else if (!strcmp(optarg, "text"))
                format = TEXT;
            else if (!strcmp(optarg, "html"))
                format = HTML;
            else {
                free(mfiles);
                return cli_usage_error(CMD, "--format: '%s' is not one of text, json, html", optarg);
            }
            break;
        case 'o': outpath = optarg; break;
        case OPT_METRICS: mfiles[n_mfiles++] = optarg; break;
        case OPT_NO_METRICS: no_metrics = 1; break;
        default: free(mfiles); return cli_getopt_error(CMD, argc, argv, c);
        }
    }
    if (optind >= argc) {
        free(mfiles);
        return cli_usage_error(CMD, "no run log given");
    }
    size_t nr = (size_t)(argc - optind);
    if (n_mfiles > nr || (no_metrics && n_mfiles)) {
        free(mfiles);
        return n_mfiles > nr ? cli_usage_error(CMD, "%zu --metrics files for %zu run%s", n_mfiles, nr, nr == 1 ? "" : "s")
                             : cli_usage_error(CMD, "--metrics and --no-metrics contradict each other");
    }

    cs_runlog **runs = calloc(nr, sizeof *runs);
    cs_summary *sums = calloc(nr, sizeof *sums);
    cs_metrics **ms = calloc(nr, sizeof *ms);
    char (*mpaths)[4096] = calloc(nr, sizeof *mpaths);
    int rc = CLI_OK;
    size_t opened = 0, summed = 0;
    if (!runs || !sums || !ms || !mpaths)
        rc = cli_usage_error(CMD, "out of memory");
    for (size_t k = 0; k < nr && rc == CLI_OK; k++) {
        const char *path = argv[optind + (int)k];
        cs_status st = cs_runlog_open(path, &runs[k]);
        if (st != CS_OK) {
            rc = cli_fail(CMD, st);
            break;
        }
        opened++;
        if ((st = cs_summary_compute(runs[k], &sums[k])) != CS_OK) {
            rc = cli_fail(CMD, st);
            break;
        }
        summed++;
        if (!no_metrics)
            rc = load_metrics(path, runs[k], k < n_mfiles ? mfiles[k] : NULL, &ms[k], mpaths[k], sizeof mpaths[k]);
    }

    FILE *out = stdout;
    if (rc == CLI_OK && outpath && !(out = fopen(outpath, "w"))) {
        fprintf(stderr, "cogscope %s: cannot write %s: %s\n", CMD, outpath, strerror(errno));
        out = stdout;
        rc = CLI_FAIL;
    }
    if (rc == CLI_OK) {
        if (format == HTML) {
            cs_report_run *rr = calloc(nr, sizeof *rr);
            cs_status st = rr ? CS_OK : cs_error_set(CS_ENOMEM, "out of memory");
            for (size_t k = 0; rr && k < nr; k++)
                rr[k] = (cs_report_run){runs[k], ms[k], NULL};
            if (st == CS_OK)
                st = cs_report_html(out, rr, nr);
            free(rr);
            if (st != CS_OK)
                rc = cli_fail(CMD, st);
        } else if (format == JSON) {
            cs_json j;
            cs_json_init(&j, out);
            if (nr > 1) {
                cs_json_begin_object(&j);
                cs_json_key(&j, "runs");
                cs_json_begin_array(&j);
            }
            for (size_t k = 0; k < nr; k++)
                print_json_run(&j, argv[optind + (int)k], &sums[k], ms[k], mpaths[k], runs[k]);
            if (nr > 1) {
                cs_json_end_array(&j);
                cs_json_end_object(&j);
            }
        } else {
            for (size_t k = 0; k < nr; k++) {
                if (k)
                    fputs("\n", out);
                print_text(out, argv[optind + (int)k], &sums[k], runs[k]);
                if (ms[k]) {
                    fprintf(out, "\n%s: ", mpaths[k]);
                    cs_report_metrics_text(out, ms[k]);
                }
            }
        }
        int bad = fflush(out) != 0 || ferror(out);
        if (out != stdout)
            bad |= fclose(out) != 0;
        if (bad && rc == CLI_OK) {
            fprintf(stderr, "cogscope %s: writing %s failed\n", CMD, outpath ? outpath : "the output");
            rc = CLI_FAIL;
        }
    } else if (out != stdout) {
        fclose(out);
    }
    for (size_t k = 0; k < summed; k++)
        cs_summary_free(&sums[k]);
    for (size_t k = 0; ms && k < nr; k++)
        cs_metrics_destroy(ms[k]);
    for (size_t k = 0; k < opened; k++)
        cs_runlog_close_reader(runs[k]);
    free(runs);
    free(sums);
    free(ms);
    free(mpaths);
    free(mfiles);
    return rc;
}

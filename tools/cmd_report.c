/* cogscope report: the summary of a run (cogscope/summary.h) as text or JSON.
 * The numbers come from cs_summary_compute; this file only formats them. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cogscope/json.h"
#include "cogscope/runlog.h"
#include "cogscope/summary.h"
#include "commands.h"

static const char *const CMD = "report";

enum { OPT_JSON = 256, OPT_FORMAT };

static const struct option long_opts[] = {
    {"json", no_argument, 0, OPT_JSON},
    {"format", required_argument, 0, OPT_FORMAT},
    {"output", required_argument, 0, 'o'},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cogscope report RUN.h5 [--format text|json] [--json] [-o FILE]\n"
            "\n"
            "Summarise a training run from its log: best and final test accuracy, test and\n"
            "training loss, and the means of the sigma-pi quantities per epoch and at the end:\n"
            "epsilon (batch cross-entropy, nats), tau (entropy of the softmax output, nats),\n"
            "S (gradient norm) and PI (predictive integrity). \"At the end\" = the means over\n"
            "the last epoch with steps; the final test values are the last evaluation.\n"
            "Works on live runs and on runs that were killed (up to their last flush).\n"
            "\n"
            "  --format F     text (default) or json\n"
            "  --json         same as --format json: one JSON object with rule, dataset,\n"
            "                 layers, epochs_done, best_test_acc, final{...}, per_epoch[...]\n"
            "                 (accuracies as fractions in [0,1]; missing values are null)\n"
            "  -o, --output FILE  write the report to FILE instead of stdout\n"
            "  -h, --help     this text\n"
            "\n"
            "Exit codes: 0 success, 1 the file is missing, unreadable or not a run log,\n"
            "2 bad usage.\n");
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

static void print_text(FILE *out, const char *path, const cs_summary *s)
{
    const cs_runlog_info *in = &s->info;
    fprintf(out, "%s: rule %s, dataset %s, layers ", path, in->rule, in->dataset);
    for (size_t i = 0; i < in->n_layers; i++)
        fprintf(out, "%s%zu", i ? "-" : "", in->layers[i]);
    fprintf(out, " (%s)\n", in->activation);
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

static void print_json(FILE *out, const char *path, const cs_summary *s)
{
    const cs_runlog_info *in = &s->info;
    cs_json j;
    cs_json_init(&j, out);
    cs_json_begin_object(&j);
    cs_json_kv_string(&j, "file", path);
    cs_json_kv_string(&j, "state", state_of(in));
    cs_json_kv_string(&j, "rule", in->rule);
    cs_json_kv_string(&j, "dataset", in->dataset);
    cs_json_key(&j, "layers");
    cs_json_begin_array(&j);
    for (size_t i = 0; i < in->n_layers; i++)
        cs_json_int(&j, (long long)in->layers[i]);
    cs_json_end_array(&j);
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
    cs_json_end_object(&j);
}

int cmd_report(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_OK;
    }
    int json = 0, c;
    const char *outpath = NULL;
    while ((c = getopt_long(argc, argv, ":ho:", long_opts, NULL)) != -1) {
        switch (c) {
        case OPT_JSON: json = 1; break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "json"))
                json = 1;
            else if (!strcmp(optarg, "text"))
                json = 0;
            else
                return cli_usage_error(CMD, "--format: '%s' is not one of text, json", optarg);
            break;
        case 'o': outpath = optarg; break;
        default: return cli_getopt_error(CMD, argc, argv, c);
        }
    }
    if (optind >= argc)
        return cli_usage_error(CMD, "no run log given");
    if (optind + 1 < argc)
        return cli_usage_error(CMD, "one run log at a time ('%s' is extra)", argv[optind + 1]);
    const char *path = argv[optind];

    cs_runlog *r;
    cs_status st = cs_runlog_open(path, &r);
    if (st != CS_OK)
        return cli_fail(CMD, st);
    cs_summary s;
    st = cs_summary_compute(r, &s);
    cs_runlog_close_reader(r);
    if (st != CS_OK)
        return cli_fail(CMD, st);

    FILE *out = stdout;
    if (outpath && !(out = fopen(outpath, "w"))) {
        cs_summary_free(&s);
        fprintf(stderr, "cogscope %s: cannot write %s: %s\n", CMD, outpath, strerror(errno));
        return CLI_FAIL;
    }
    if (json)
        print_json(out, path, &s);
    else
        print_text(out, path, &s);
    cs_summary_free(&s);
    int bad = fflush(out) != 0 || ferror(out);
    if (out != stdout)
        bad |= fclose(out) != 0;
    if (bad) {
        fprintf(stderr, "cogscope %s: writing %s failed\n", CMD, outpath ? outpath : "the output");
        return CLI_FAIL;
    }
    return CLI_OK;
}

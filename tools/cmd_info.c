/* cogscope info: what a run log holds (docs/schema.md). */
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cogscope/json.h"
#include "cogscope/runlog.h"
#include "commands.h"

static const char *const CMD = "info";

enum { OPT_JSON = 256 };

static const struct option long_opts[] = {
    {"json", no_argument, 0, OPT_JSON},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: cogscope info RUN.h5 [--json]\n"
                 "\n"
                 "Say what a run log holds: rule, network, data set, configuration, how many\n"
                 "steps, probe snapshots and epochs it has logged, every dataset with its shape,\n"
                 "and whether the run is still being written (live), was closed normally, or\n"
                 "was interrupted (its writer was killed; the log keeps every flushed step).\n"
                 "\n"
                 "  --json     one JSON object on stdout: schema_version, rule, layers, dataset,\n"
                 "             steps, snapshots, epochs_done, state, config, datasets, ...\n"
                 "  -h, --help this text\n"
                 "\n"
                 "Exit codes: 0 success, 1 the file is missing, unreadable or not a run log,\n"
                 "2 bad usage.\n");
}

static const char *state_of(const cs_runlog_info *in)
{
    return in->live ? "live" : in->interrupted ? "interrupted" : "closed";
}

static void layers_text(FILE *out, const cs_runlog_info *in)
{
    for (size_t i = 0; i < in->n_layers; i++)
        fprintf(out, "%s%zu", i ? "-" : "", in->layers[i]);
}

static void print_text(FILE *out, const cs_runlog *r, const cs_runlog_dataset *ds, size_t nd)
{
    const cs_runlog_info *in = cs_runlog_get_info(r);
    fprintf(out, "%s\n", cs_runlog_path(r));
    if (in->live)
        fprintf(out, "  state        live (a writer has the file open)\n");
    else if (in->interrupted)
        fprintf(out, "  state        interrupted (the writer stopped without closing the file; the log holds\n"
                     "               every step of its last flush)\n");
    else
        fprintf(out, "  state        closed\n");
    fprintf(out, "  schema       %s version %d, written by cogscope %s, created %s\n", CS_RUNLOG_SCHEMA,
            in->schema_version, in->cogscope_version[0] ? in->cogscope_version : "?",
            in->created[0] ? in->created : "?");
    fprintf(out, "  rule         %s", in->rule);
    size_t np = cs_runlog_config_param_count(r);
    for (size_t i = 0; i < np; i++) {
        double v = 0;
        const char *name = cs_runlog_config_param_name(r, i);
        cs_runlog_config_param(r, name, &v);
        fprintf(out, "%s%s=%g", i ? ", " : " (", name, v);
    }
    fprintf(out, "%s\n", np ? ")" : "");
    fprintf(out, "  network      ");
    layers_text(out, in);
    fprintf(out, " units, %s\n", in->activation);
    fprintf(out, "  dataset      %s\n", in->dataset);
    fprintf(out, "  training     %s, lr %g, momentum %g, batch %zu, %zu epochs, seed %" PRIu64 "\n",
            in->optimizer[0] ? in->optimizer : "?", in->lr, in->momentum, in->batch, in->epochs, in->seed);
    fprintf(out, "  sigma-pi     alpha %g, gamma %g\n", in->pi_alpha, in->pi_gamma);
    fprintf(out, "  steps        %zu logged, %zu epochs done, %zu evaluations\n", in->steps, in->epochs_done, in->evals);
    fprintf(out, "  snapshots    %zu (every %zu steps) of %zu probe samples\n", in->snapshots, in->log_every,
            in->probe_size);
    if (in->relax_iterations)
        fprintf(out, "  relaxation   %zu snapshots of %zu iterations x %zu samples\n", in->relax_snapshots,
                in->relax_iterations, in->relax_samples);
    else
        fprintf(out, "  relaxation   none\n");
    if (in->n_layer_series) {
        fprintf(out, "  layer series");
        for (size_t i = 0; i < in->n_layer_series; i++)
            fprintf(out, "%s%s", i ? ", " : " ", in->layer_series[i]);
        fprintf(out, " (besides weight_norm, update_norm, bp_angle_deg)\n");
    }
    if (isfinite(in->last_flush_time)) {
        time_t t = (time_t)in->last_flush_time;
        struct tm tm;
        char when[32];
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        fprintf(out, "  last flush   %s\n", when);
    }
    fprintf(out, "  datasets\n");
    for (size_t i = 0; i < nd; i++) {
        fprintf(out, "    %-28s %-8s [", ds[i].path, ds[i].type);
        for (int k = 0; k < ds[i].rank; k++)
            fprintf(out, "%s%" PRIu64, k ? " x " : "", ds[i].dims[k]);
        fprintf(out, "]\n");
    }
}

static void print_json(FILE *out, const cs_runlog *r, const cs_runlog_dataset *ds, size_t nd)
{
    const cs_runlog_info *in = cs_runlog_get_info(r);
    cs_json j;
    cs_json_init(&j, out);
    cs_json_begin_object(&j);
    cs_json_kv_string(&j, "file", cs_runlog_path(r));
    cs_json_kv_string(&j, "schema", CS_RUNLOG_SCHEMA);
    cs_json_kv_int(&j, "schema_version", in->schema_version);
    cs_json_kv_string(&j, "cogscope_version", in->cogscope_version);
    cs_json_kv_string(&j, "created", in->created);
    cs_json_kv_string(&j, "state", state_of(in));
    cs_json_key(&j, "live");
    cs_json_bool(&j, in->live);
    cs_json_key(&j, "interrupted");
    cs_json_bool(&j, in->interrupted);
    cs_json_kv_string(&j, "rule", in->rule);
    cs_json_key(&j, "layers");
    cs_json_begin_array(&j);
    for (size_t i = 0; i < in->n_layers; i++)
        cs_json_int(&j, (long long)in->layers[i]);
    cs_json_end_array(&j);
    cs_json_kv_string(&j, "dataset", in->dataset);
    cs_json_kv_int(&j, "steps", (long long)in->steps);
    cs_json_kv_int(&j, "snapshots", (long long)in->snapshots);
    cs_json_kv_int(&j, "epochs_done", (long long)in->epochs_done);
    cs_json_kv_int(&j, "evals", (long long)in->evals);
    cs_json_kv_int(&j, "relax_snapshots", (long long)in->relax_snapshots);
    cs_json_kv_number(&j, "last_flush_time", in->last_flush_time);

    cs_json_key(&j, "config");
    cs_json_begin_object(&j);
    cs_json_kv_string(&j, "activation", in->activation);
    cs_json_kv_string(&j, "optimizer", in->optimizer);
    cs_json_key(&j, "seed");
    if (in->seed <= (uint64_t)LLONG_MAX)
        cs_json_int(&j, (long long)in->seed);
    else
        cs_json_number(&j, (double)in->seed);
    cs_json_kv_number(&j, "lr", in->lr);
    cs_json_kv_number(&j, "momentum", in->momentum);
    cs_json_kv_int(&j, "batch", (long long)in->batch);
    cs_json_kv_int(&j, "epochs", (long long)in->epochs);
    cs_json_kv_int(&j, "log_every", (long long)in->log_every);
    cs_json_kv_int(&j, "probe_size", (long long)in->probe_size);
    cs_json_kv_number(&j, "pi_alpha", in->pi_alpha);
    cs_json_kv_number(&j, "pi_gamma", in->pi_gamma);
    cs_json_kv_int(&j, "relax_iterations", (long long)in->relax_iterations);
    cs_json_kv_int(&j, "relax_samples", (long long)in->relax_samples);
    cs_json_key(&j, "layer_series");
    cs_json_begin_array(&j);
    for (size_t i = 0; i < in->n_layer_series; i++)
        cs_json_string(&j, in->layer_series[i]);
    cs_json_end_array(&j);
    cs_json_key(&j, "params");
    cs_json_begin_object(&j);
    for (size_t i = 0; i < cs_runlog_config_param_count(r); i++) {
        double v = NAN;
        const char *name = cs_runlog_config_param_name(r, i);
        cs_runlog_config_param(r, name, &v);
        cs_json_kv_number(&j, name, v);
    }
    cs_json_end_object(&j);
    cs_json_end_object(&j);

    cs_json_key(&j, "datasets");
    cs_json_begin_array(&j);
    for (size_t i = 0; i < nd; i++) {
        cs_json_begin_object(&j);
        cs_json_kv_string(&j, "path", ds[i].path);
        cs_json_kv_string(&j, "type", ds[i].type);
        cs_json_key(&j, "shape");
        cs_json_begin_array(&j);
        for (int k = 0; k < ds[i].rank; k++)
            cs_json_int(&j, (long long)ds[i].dims[k]);
        cs_json_end_array(&j);
        cs_json_end_object(&j);
    }
    cs_json_end_array(&j);
    cs_json_end_object(&j);
}

int cmd_info(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_OK;
    }
    int json = 0, c;
    while ((c = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
        switch (c) {
        case OPT_JSON: json = 1; break;
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
    cs_runlog_dataset *ds = NULL;
    size_t nd = 0;
    if ((st = cs_runlog_list_datasets(r, &ds, &nd)) != CS_OK) {
        cs_runlog_close_reader(r);
        return cli_fail(CMD, st);
    }
    if (json)
        print_json(stdout, r, ds, nd);
    else
        print_text(stdout, r, ds, nd);
    free(ds);
    cs_runlog_close_reader(r);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "cogscope %s: writing the output failed\n", CMD);
        return CLI_FAIL;
    }
    return CLI_OK;
}

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
#include "cogscope/report.h"
#include "cogscope/runlog.h"
#include "commands.h"
#include "runlog_text.h"

static const char *const CMD = "info";

typedef struct {
    int json;
} info_opts;

static const cli_opt opts[] = {
    {"json", CLI_FLAG, offsetof(info_opts, json), NULL,
     .help = "one JSON object on stdout: schema_version, rule, layers, dataset,\n"
             "steps, snapshots, epochs_done, state, config, datasets, ..."},
    {0},
};

static const cli_command spec = {
    .cmd = CMD,
    .usage = "usage: cogscope info RUN.h5|METRICS.h5 [--json]\n"
             "\n"
             "Say what a run log holds: rule, network, data set, configuration, how many\n"
             "steps, probe snapshots and epochs it has logged, every dataset with its shape,\n"
             "and whether the run is still being written (live), was closed normally, or\n"
             "was interrupted (its writer was killed; the log keeps every flushed step).\n"
             "For a metrics file (cogscope analyze): every array with its shape, units and\n"
             "meaning (the metric table, docs/architecture.md), the flag that can mark it,\n"
             "and the analysis notes.\n"
             "\n",
    .opts = opts,
    .footer = "\n"
              "Exit codes: 0 success, 1 the file is missing, unreadable or not a run log\n"
              "or metrics file, 2 bad usage.\n",
    .positional = 1,
    .min_pos = 1,
    .max_pos = 1,
    .missing = "no run log given",
    .extra = "one run log at a time ('%s' is extra)",
    .help_col = 13,
};

static const char *state_of(const cs_runlog_info *in)
{
    return in->live ? "live" : in->interrupted ? "interrupted" : in->end_state[0] ? in->end_state : "closed";
}

/* /config entries printed on lines of their own (text) or as "config" keys
 * (JSON); every other metadata entry goes under "metadata". */
static int shown_elsewhere(const char *name)
{
    static const char *const fixed[] = {
        "rule",          "activation",   "dataset",        "optimizer", "layers",
        "seed",          "lr",           "momentum",       "batch",     "epochs",
        "log_every",     "probe_size",   "pi_alpha",       "pi_gamma",  "relax_iterations",
        "relax_samples", "layer_series", "flush_interval", NULL};
    for (size_t k = 0; fixed[k]; k++)
        if (!strcmp(name, fixed[k]))
            return 1;
    return 0;
}

static int is_param(const cs_runlog *r, const char *name)
{
    for (size_t i = 0; i < cs_runlog_config_param_count(r); i++)
        if (!strcmp(cs_runlog_config_param_name(r, i), name))
            return 1;
    return 0;
}

static void meta_text(FILE *out, const cs_runlog_meta *m)
{
    for (size_t k = 0; k < m->count && k < 8; k++) {
        if (m->is_string)
            fprintf(out, "%s%s", k ? ", " : "", m->strings[k]);
        else
            fprintf(out, "%s%.10g", k ? ", " : "", m->values[k]);
    }
    if (m->count > 8)
        fprintf(out, ", ... (%zu values)", m->count);
}

static const char *kind_text(cs_runlog_kind k)
{
    switch (k) {
    case CS_RUNLOG_STEP_SERIES: return "per step";
    case CS_RUNLOG_LAYER_SERIES: return "per step";
    case CS_RUNLOG_SNAPSHOT: return "snapshot";
    case CS_RUNLOG_EVAL_SERIES: return "per evaluation";
    case CS_RUNLOG_RELAX_STATES:
    case CS_RUNLOG_RELAX_ENERGY: return "relaxation";
    }
    return "?";
}

/* The lines from "state" to the metadata entries: what was run, and how. */
static void text_setup(FILE *out, const cs_runlog *r)
{
    const cs_runlog_info *in = cs_runlog_get_info(r);
    if (in->live)
        fprintf(out, "  state        live (a writer has the file open)\n");
    else if (in->interrupted)
        fprintf(out, "  state        interrupted (the writer stopped without closing the file; the log holds\n"
                     "               every step of its last flush)\n");
    else if (in->end_state[0])
        fprintf(out, "  state        %s (%s)\n", in->end_state, cli_or_unrecorded(in->end_reason));
    else
        fprintf(out, "  state        closed\n");
    fprintf(out, "  schema       %s version %d, written by cogscope %s, created %s\n", CS_RUNLOG_SCHEMA,
            in->schema_version, cli_or_unrecorded(in->cogscope_version), cli_or_unrecorded(in->created));
    fprintf(out, "  rule         ");
    cli_rule_text(out, r);
    size_t np = cs_runlog_config_param_count(r);
    for (size_t i = 0; i < np; i++) {
        double v = 0;
        const char *name = cs_runlog_config_param_name(r, i);
        cs_runlog_config_param(r, name, &v);
        fprintf(out, "%s%s=%g", i ? ", " : " (", name, v);
    }
    fprintf(out, "%s\n", np ? ")" : "");
    fprintf(out, "  network      ");
    cli_layers_text(out, r, "-");
    fprintf(out, " units, %s\n", in->activation[0] ? in->activation : "activation not recorded");
    fprintf(out, "  dataset      %s\n", cli_or_unrecorded(in->dataset));
    /* the training settings the log gives (cogscope train gives all) */
    if (in->optimizer[0] || in->batch || in->epochs || !isnan(in->lr) || !isnan(in->momentum)) {
        fprintf(out, "  training     %s", cli_or_unrecorded(in->optimizer));
        if (!isnan(in->lr))
            fprintf(out, ", lr %g", in->lr);
        if (!isnan(in->momentum))
            fprintf(out, ", momentum %g", in->momentum);
        if (in->batch)
            fprintf(out, ", batch %zu", in->batch);
        if (in->epochs)
            fprintf(out, ", %zu epochs", in->epochs);
        if (cs_runlog_meta_find(r, "seed"))
            fprintf(out, ", seed %" PRIu64, in->seed);
        fputc('\n', out);
    }
    if (!isnan(in->pi_alpha) || !isnan(in->pi_gamma))
        fprintf(out, "  sigma-pi     alpha %g, gamma %g\n", in->pi_alpha, in->pi_gamma);
    for (size_t i = 0; i < cs_runlog_meta_count(r); i++) {
        const cs_runlog_meta *m = cs_runlog_meta_at(r, i);
        if (shown_elsewhere(m->name) || is_param(r, m->name))
            continue;
        fprintf(out, "  %-12s ", m->name);
        meta_text(out, m);
        fputc('\n', out);
    }
}

/* The lines from "steps" to "layers": what the log holds. */
static void text_contents(FILE *out, const cs_runlog *r)
{
    const cs_runlog_info *in = cs_runlog_get_info(r);
    fprintf(out, "  steps        %zu logged, ", in->steps);
    if (cli_epochs_recorded(r))
        fprintf(out, "%zu epochs done", in->epochs_done);
    else
        fprintf(out, "epochs not recorded");
    fprintf(out, ", %zu evaluations\n", in->evals);
    fprintf(out, "  snapshots    %zu", in->snapshots);
    if (in->log_every)
        fprintf(out, " (every %zu steps)", in->log_every);
    if (in->probe_size)
        fprintf(out, "; probe set of %zu samples x %zu inputs%s", in->probe_size, in->probe_dim,
                in->probe_labels ? " with labels" : ", no labels");
    else
        fprintf(out, "; no probe set");
    fputc('\n', out);
    if (in->relax_iterations)
        fprintf(out, "  relaxation   %zu snapshots of %zu iterations x %zu samples\n", in->relax_snapshots,
                in->relax_iterations, in->relax_samples);
    else
        fprintf(out, "  relaxation   none\n");
    fprintf(out, "  series      ");
    size_t shown = 0;
    for (size_t i = 0; i < cs_runlog_item_count(r); i++) {
        const cs_runlog_item *it = cs_runlog_item_at(r, i);
        if (it->kind == CS_RUNLOG_STEP_SERIES)
            fprintf(out, "%s%s", shown++ ? ", " : " ", it->name);
    }
    fprintf(out, "%s (per step)\n", shown ? "" : " none");
    fprintf(out, "  layers       %zu\n", in->layer_count);
    for (size_t l = 0; l < in->layer_count; l++) {
        fprintf(out, "    %s: %zu units;", cs_runlog_layer_name(r, l), cs_runlog_layer_units(r, l));
        size_t k = 0;
        for (size_t i = 0; i < cs_runlog_item_count(r); i++) {
            const cs_runlog_item *it = cs_runlog_item_at(r, i);
            if (it->layer != l)
                continue;
            fprintf(out, "%s%s", k++ ? ", " : " ", it->name);
            if (it->rank) {
                fputs(" [", out);
                for (int d = 0; d < it->rank; d++)
                    fprintf(out, "%s%" PRIu64, d ? " x " : "", it->shape[d]);
                fputs("]", out);
            }
            fprintf(out, " (%s)", kind_text(it->kind));
        }
        fputc('\n', out);
    }
}

static void print_text(FILE *out, const cs_runlog *r, const cs_runlog_dataset *ds, size_t nd)
{
    const cs_runlog_info *in = cs_runlog_get_info(r);
    fprintf(out, "%s\n", cs_runlog_path(r));
    text_setup(out, r);
    text_contents(out, r);
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

static void json_meta(cs_json *j, const cs_runlog_meta *m)
{
    int array = m->count != 1;
    if (array)
        cs_json_begin_array(j);
    for (size_t k = 0; k < m->count; k++) {
        if (m->is_string)
            cs_json_string(j, m->strings[k]);
        else
            cs_json_number(j, m->values[k]);
    }
    if (array)
        cs_json_end_array(j);
}

/* "config": the training settings as the reader understands them. */
static void json_config(cs_json *j, const cs_runlog *r)
{
    const cs_runlog_info *in = cs_runlog_get_info(r);
    cs_json_key(j, "config");
    cs_json_begin_object(j);
    cs_json_kv_string(j, "activation", in->activation);
    cs_json_kv_string(j, "optimizer", in->optimizer);
    cs_json_key(j, "seed");
    if (in->seed <= (uint64_t)LLONG_MAX)
        cs_json_int(j, (long long)in->seed);
    else
        cs_json_number(j, (double)in->seed);
    cs_json_kv_number(j, "lr", in->lr);
    cs_json_kv_number(j, "momentum", in->momentum);
    cs_json_kv_int(j, "batch", (long long)in->batch);
    cs_json_kv_int(j, "epochs", (long long)in->epochs);
    cs_json_kv_int(j, "log_every", (long long)in->log_every);
    cs_json_kv_int(j, "probe_size", (long long)in->probe_size);
    cs_json_kv_number(j, "pi_alpha", in->pi_alpha);
    cs_json_kv_number(j, "pi_gamma", in->pi_gamma);
    cs_json_kv_int(j, "relax_iterations", (long long)in->relax_iterations);
    cs_json_kv_int(j, "relax_samples", (long long)in->relax_samples);
    cs_json_key(j, "params");
    cs_json_begin_object(j);
    for (size_t i = 0; i < cs_runlog_config_param_count(r); i++) {
        double v = NAN;
        const char *name = cs_runlog_config_param_name(r, i);
        cs_runlog_config_param(r, name, &v);
        cs_json_kv_number(j, name, v);
    }
    cs_json_end_object(j);
    cs_json_end_object(j);
}

/* "metadata", "layer_detail" and "items": what the log holds. */
static void json_contents(cs_json *j, const cs_runlog *r)
{
    const cs_runlog_info *in = cs_runlog_get_info(r);
    /* every /config entry as written */
    cs_json_key(j, "metadata");
    cs_json_begin_object(j);
    for (size_t i = 0; i < cs_runlog_meta_count(r); i++) {
        const cs_runlog_meta *m = cs_runlog_meta_at(r, i);
        cs_json_key(j, m->name);
        json_meta(j, m);
    }
    cs_json_end_object(j);

    /* what the log holds, as the reader understands it */
    cs_json_key(j, "layer_detail");
    cs_json_begin_array(j);
    for (size_t l = 0; l < in->layer_count; l++) {
        cs_json_begin_object(j);
        cs_json_kv_string(j, "name", cs_runlog_layer_name(r, l));
        cs_json_kv_int(j, "units", (long long)cs_runlog_layer_units(r, l));
        cs_json_end_object(j);
    }
    cs_json_end_array(j);
    cs_json_key(j, "items");
    cs_json_begin_array(j);
    for (size_t i = 0; i < cs_runlog_item_count(r); i++) {
        const cs_runlog_item *it = cs_runlog_item_at(r, i);
        cs_json_begin_object(j);
        cs_json_kv_string(j, "path", it->path);
        cs_json_kv_string(j, "name", it->name);
        cs_json_kv_string(j, "kind", kind_text(it->kind));
        if (it->layer != (size_t)-1)
            cs_json_kv_string(j, "layer", cs_runlog_layer_name(r, it->layer));
        cs_json_kv_int(j, "length", (long long)it->length);
        cs_json_key(j, "entry_shape");
        cs_json_begin_array(j);
        for (int d = 0; d < it->rank; d++)
            cs_json_int(j, (long long)it->shape[d]);
        cs_json_end_array(j);
        cs_json_end_object(j);
    }
    cs_json_end_array(j);
}

static void json_datasets(cs_json *j, const cs_runlog_dataset *ds, size_t nd)
{
    cs_json_key(j, "datasets");
    cs_json_begin_array(j);
    for (size_t i = 0; i < nd; i++) {
        cs_json_begin_object(j);
        cs_json_kv_string(j, "path", ds[i].path);
        cs_json_kv_string(j, "type", ds[i].type);
        cs_json_key(j, "shape");
        cs_json_begin_array(j);
        for (int k = 0; k < ds[i].rank; k++)
            cs_json_int(j, (long long)ds[i].dims[k]);
        cs_json_end_array(j);
        cs_json_end_object(j);
    }
    cs_json_end_array(j);
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
    cli_layers_json(&j, r);
    cs_json_kv_string(&j, "dataset", in->dataset);
    cs_json_kv_int(&j, "steps", (long long)in->steps);
    cs_json_kv_int(&j, "snapshots", (long long)in->snapshots);
    cs_json_kv_int(&j, "epochs_done", (long long)in->epochs_done);
    cs_json_kv_int(&j, "evals", (long long)in->evals);
    cs_json_kv_int(&j, "relax_snapshots", (long long)in->relax_snapshots);
    cs_json_kv_int(&j, "probe_size", (long long)in->probe_size);
    cs_json_kv_number(&j, "last_flush_time", in->last_flush_time);
    json_config(&j, r);
    json_contents(&j, r);
    json_datasets(&j, ds, nd);
    cs_json_end_object(&j);
}

/* A metrics file (cogscope analyze): its arrays with their meanings from
 * the metric table (cs_report_metrics_list). */
static cs_status info_metrics(const char *path, int json)
{
    cs_metrics *m;
    cs_status st = cs_metrics_read(path, &m);
    if (st == CS_OK)
        st = cs_report_metrics_list(stdout, m, json);
    cs_metrics_destroy(m);
    return st;
}

int cmd_info(int argc, char **argv)
{
    info_opts o = {0};
    cli_args a;
    int rc = cli_parse(&spec, argc, argv, &o, &a);
    if (rc >= 0)
        return rc;
    const char *path = a.pos[0];

    cs_runlog *r;
    int kind;
    cs_status st = cli_h5_check(path, &kind);
    if (st == CS_OK && kind == CLI_H5_METRICS) {
        if ((st = info_metrics(path, o.json)) != CS_OK)
            return cli_fail(CMD, st);
    } else {
        if (st == CS_OK)
            st = cs_runlog_open(path, &r);
        if (st != CS_OK)
            return cli_fail(CMD, st);
        cs_runlog_dataset *ds = NULL;
        size_t nd = 0;
        if ((st = cs_runlog_list_datasets(r, &ds, &nd)) != CS_OK) {
            cs_runlog_close_reader(r);
            return cli_fail(CMD, st);
        }
        if (o.json)
            print_json(stdout, r, ds, nd);
        else
            print_text(stdout, r, ds, nd);
        free(ds);
        cs_runlog_close_reader(r);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "cogscope %s: writing the output failed\n", CMD);
        return CLI_FAIL;
    }
    return CLI_OK;
}

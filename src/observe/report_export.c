/* Tidy exports of the report model: long-format CSV and versioned JSON
 * (docs/report.md; the JSON Schema is docs/report.schema.json). Every string
 * from a file goes through one escaping function per format: cs_json's
 * writer for JSON, rm_csv_field (report_csv.c) for CSV. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

#ifndef COGSCOPE_VERSION
#define COGSCOPE_VERSION "unknown"
#endif

#define REPORT_FORMAT_VERSION 2

static const char *const kind_names[] = {"step", "epoch", "snapshot", "index", "frequency", "scalar"};

static int tidy(const rm_series *s)
{
    return !(s->def->draw & RM_NO_CSV) &&
           (s->kind == RM_STEP || s->kind == RM_EPOCH || s->kind == RM_SNAPSHOT || s->kind == RM_SCALAR);
}

cs_status cs_report_write_csv(FILE *out, const cs_report *rep)
{
    if (!out || !rep)
        return cs_error_set(CS_EINVAL, "cs_report_write_csv: output and report must be given");
    fputs("run,group,label,rule,seed,step,epoch,samples,layer,metric,value,units,flag\n", out);
    for (size_t k = 0; k < rep->nr; k++) {
        const rm_run *r = &rep->runs[k];
        for (size_t q = 0; q < r->ns; q++) {
            const rm_series *s = &r->s[q];
            if (!tidy(s))
                continue;
            for (size_t i = 0; i < s->n; i++)
                rm_csv_row(out, rep, r, s->kind == RM_SCALAR ? NAN : s->x[i], s->layer, s->metric, s->y[i], s->units,
                           s->flag && s->flag[i] ? s->flag_name : "");
        }
    }
    cs_status st = rm_plane_csv(out, rep);
    return st != CS_OK ? st : ferror(out) ? cs_error_set(CS_EIO, "writing the CSV failed") : CS_OK;
}

/* ---- JSON ---- */

/* Values nested by rank (1..CS_METRICS_MAX_RANK = 3), row-major. */
static void json_values(cs_json *j, const cs_metrics_array *a)
{
    if (a->rank == 1) {
        cs_json_numbers(j, a->data, a->dims[0]);
        return;
    }
    size_t d1 = a->dims[1], d2 = a->rank == 3 ? a->dims[2] : 1;
    cs_json_begin_array(j);
    for (size_t i = 0; i < a->dims[0]; i++) {
        if (a->rank == 2) {
            cs_json_numbers(j, a->data + i * d1, d1);
            continue;
        }
        cs_json_begin_array(j);
        for (size_t k = 0; k < d1; k++)
            cs_json_numbers(j, a->data + (i * d1 + k) * d2, d2);
        cs_json_end_array(j);
    }
    cs_json_end_array(j);
}

/* A configuration value: a JSON number when the text is one, else a string. */
static void json_value_text(cs_json *j, const char *v)
{
    char *end;
    double d = strtod(v, &end);
    if (*v && !*end && isfinite(d))
        cs_json_number(j, d);
    else
        cs_json_string(j, v);
}

static void json_sizes(cs_json *j, const char *key, const size_t *v, size_t n)
{
    cs_json_key(j, key);
    cs_json_begin_array(j);
    for (size_t i = 0; i < n; i++)
        cs_json_int(j, (long long)v[i]);
    cs_json_end_array(j);
}

static void json_layer(cs_json *j, const rm_run *r, size_t layer)
{
    cs_json_key(j, "layer");
    if (layer)
        cs_json_string(j, rm_layer_name(r, layer));
    else
        cs_json_null(j);
}

static void json_series(cs_json *j, const rm_run *r, const rm_series *s)
{
    cs_json_begin_object(j);
    cs_json_kv_string(j, "metric", s->metric);
    json_layer(j, r, s->layer);
    cs_json_kv_string(j, "kind", kind_names[s->kind]);
    cs_json_kv_string(j, "units", s->units);
    cs_json_kv_string(j, "description", s->description);
    double *tmp = malloc((s->n ? s->n : 1) * sizeof *tmp);
    if (s->kind == RM_STEP || s->kind == RM_EPOCH || s->kind == RM_SNAPSHOT) {
        cs_json_key(j, "step");
        cs_json_numbers(j, s->x, s->n);
        for (int pass = 0; pass < 2 && tmp; pass++) {
            for (size_t i = 0; i < s->n; i++)
                tmp[i] = pass ? rm_samples_of(r, s->x[i]) : rm_epoch_of(r, s->x[i]);
            cs_json_key(j, pass ? "samples" : "epoch");
            cs_json_numbers(j, tmp, s->n);
        }
    } else {
        cs_json_key(j, "x");
        cs_json_numbers(j, s->x, s->n);
    }
    free(tmp);
    cs_json_key(j, "value");
    cs_json_numbers(j, s->y, s->n);
    if (s->flag) {
        cs_json_key(j, "flag");
        cs_json_begin_array(j);
        for (size_t i = 0; i < s->n; i++)
            cs_json_bool(j, s->flag[i]);
        cs_json_end_array(j);
        cs_json_kv_string(j, "flag_name", s->flag_name);
    }
    cs_json_end_object(j);
}

static void json_analysis(cs_json *j, const rm_run *r)
{
    const cs_metrics *m = r->m;
    cs_json_key(j, "analysis");
    if (!m) {
        cs_json_null(j);
        return;
    }
    cs_json_begin_object(j);
    cs_json_kv_string(j, "file", r->mfile);
    rm_json_attributes_notes(j, m);
    /* means over values that may be NaN, with how many were valid */
    rm_within ag[256];
    size_t na = rm_within_run_aggregates(m, ag, 256);
    cs_json_key(j, "aggregates");
    cs_json_begin_object(j);
    for (size_t i = 0; i < na; i++) {
        cs_json_key(j, ag[i].name);
        cs_json_begin_object(j);
        cs_json_kv_number(j, "mean", ag[i].mean);
        cs_json_kv_int(j, "valid", (long long)ag[i].valid);
        cs_json_kv_int(j, "total", (long long)ag[i].total);
        cs_json_kv_string(j, "of", ag[i].of);
        cs_json_end_object(j);
    }
    cs_json_end_object(j);
    /* Arrays that are not series (per-pair and per-multiplet values, unit
     * indices, spectra axes and fits), keyed by their path below /analysis. */
    cs_json_key(j, "arrays");
    cs_json_begin_object(j);
    for (size_t i = 0; i < cs_metrics_count(m); i++) {
        const cs_metrics_array *a = cs_metrics_at(m, i);
        if (a->rank == 1 && !rm_is_axis(strrchr(a->path, '/') + 1))
            continue;
        cs_json_key(j, !strncmp(a->path, "/analysis/", 10) ? a->path + 10 : a->path);
        cs_json_begin_object(j);
        cs_json_kv_string(j, "units", a->units);
        cs_json_kv_string(j, "description", a->description);
        json_sizes(j, "dims", a->dims, a->rank);
        cs_json_key(j, "values");
        json_values(j, a);
        cs_json_end_object(j);
    }
    cs_json_end_object(j);
    cs_json_end_object(j);
}

static void json_int_or_null(cs_json *j, const char *key, int64_t v)
{
    cs_json_key(j, key);
    if (v >= 0)
        cs_json_int(j, v);
    else
        cs_json_null(j);
}

/* The run summary (cogscope/summary.h): best and final accuracy, the
 * per-epoch means of the training series and each epoch's evaluation. */
static void json_summary(cs_json *j, const cs_summary *s)
{
    cs_json_key(j, "summary");
    cs_json_begin_object(j);
    cs_json_kv_number(j, "best_test_acc", s->best_test_acc);
    json_int_or_null(j, "best_epoch", s->best_epoch);
    cs_json_key(j, "final");
    cs_json_begin_object(j);
    const struct {
        const char *k;
        double v;
    } fin[] = {{"test_acc", s->final.test_acc},
               {"test_loss", s->final.test_loss},
               {"train_loss", s->final.train_loss},
               {"epsilon", s->final.epsilon},
               {"tau", s->final.tau},
               {"surprise", s->final.surprise},
               {"pi", s->final.pi},
               {"batch_acc", s->final.batch_acc},
               {"test_tau", s->final.test_tau},
               {"test_surprise", s->final.test_surprise},
               {"test_pi", s->final.test_pi}};
    for (size_t i = 0; i < sizeof fin / sizeof fin[0]; i++)
        cs_json_kv_number(j, fin[i].k, fin[i].v);
    json_int_or_null(j, "epoch", s->final.epoch);
    json_int_or_null(j, "test_epoch", s->final.test_epoch);
    cs_json_end_object(j);
    cs_json_key(j, "per_epoch");
    cs_json_begin_array(j);
    for (size_t i = 0; i < s->n_epochs; i++) {
        const cs_summary_epoch *e = &s->epochs[i];
        cs_json_begin_object(j);
        cs_json_kv_int(j, "epoch", e->epoch);
        cs_json_kv_int(j, "steps", (long long)e->steps);
        const struct {
            const char *k;
            double v;
        } ep[] = {{"train_loss", e->train_loss},
                  {"test_loss", e->test_loss},
                  {"test_acc", e->test_acc},
                  {"epsilon", e->epsilon},
                  {"tau", e->tau},
                  {"surprise", e->surprise},
                  {"pi", e->pi},
                  {"batch_acc", e->batch_acc},
                  {"test_pi", e->test_pi}};
        for (size_t q = 0; q < sizeof ep / sizeof ep[0]; q++)
            cs_json_kv_number(j, ep[q].k, ep[q].v);
        cs_json_end_object(j);
    }
    cs_json_end_array(j);
    cs_json_end_object(j);
}

static void json_run(cs_json *j, const cs_report *rep, const rm_run *r)
{
    const cs_runlog_info *in = &r->info;
    cs_json_begin_object(j);
    cs_json_kv_string(j, "file", r->file);
    cs_json_kv_string(j, "label", r->label);
    cs_json_kv_string(j, "group", rep->groups[r->group].name);
    cs_json_kv_string(j, "rule", in->rule);
    cs_json_kv_string(j, "dataset", in->dataset);
    /* the trainer's unit counts (input first) when the log has them, else the layer names */
    const cs_runlog_meta *ml = cs_runlog_meta_find(r->log, "layers");
    cs_json_key(j, "layers");
    cs_json_begin_array(j);
    if (ml && !ml->is_string)
        for (size_t i = 0; i < ml->count; i++)
            cs_json_number(j, ml->values[i]);
    else
        for (size_t i = 0; i < in->layer_count; i++)
            cs_json_string(j, cs_runlog_layer_name(r->log, i));
    cs_json_end_array(j);
    cs_json_kv_int(j, "seed", (long long)in->seed);
    cs_json_kv_string(j, "run_id", in->run_id);
    cs_json_kv_string(j, "state",
                      in->live           ? "live"
                      : in->interrupted  ? "interrupted"
                      : in->end_state[0] ? in->end_state
                                         : "closed");
    cs_json_kv_int(j, "steps", (long long)in->steps);
    cs_json_kv_int(j, "epochs_done", (long long)in->epochs_done);
    json_summary(j, &r->sum);
    cs_json_key(j, "config");
    cs_json_begin_object(j);
    for (size_t i = 0; i < r->ncfg; i++) {
        cs_json_key(j, r->cfg[i].key);
        json_value_text(j, r->cfg[i].value);
    }
    cs_json_end_object(j);
    cs_json_key(j, "series");
    cs_json_begin_array(j);
    for (size_t q = 0; q < r->ns; q++)
        if (r->s[q].kind != RM_SCALAR)
            json_series(j, r, &r->s[q]);
    cs_json_end_array(j);
    cs_json_key(j, "scalars");
    cs_json_begin_array(j);
    for (size_t q = 0; q < r->ns; q++) {
        const rm_series *s = &r->s[q];
        if (s->kind != RM_SCALAR)
            continue;
        cs_json_begin_object(j);
        cs_json_kv_string(j, "metric", s->metric);
        json_layer(j, r, s->layer);
        cs_json_kv_number(j, "value", s->n ? s->y[0] : NAN);
        cs_json_kv_string(j, "units", s->units);
        cs_json_kv_string(j, "description", s->description);
        cs_json_key(j, "flag");
        if (s->flag && s->flag[0])
            cs_json_string(j, s->flag_name);
        else
            cs_json_null(j);
        cs_json_end_object(j);
    }
    cs_json_end_array(j);
    json_analysis(j, r);
    cs_json_end_object(j);
}

static void json_group(cs_json *j, const cs_report *rep, size_t g, const rm_col *cols, size_t nc)
{
    const rm_group *gr = &rep->groups[g];
    cs_json_begin_object(j);
    cs_json_kv_string(j, "name", gr->name);
    cs_json_kv_int(j, "n_runs", (long long)gr->n);
    cs_json_key(j, "runs");
    cs_json_begin_array(j);
    for (size_t k = 0; k < gr->n; k++)
        cs_json_int(j, (long long)gr->members[k]);
    cs_json_end_array(j);
    cs_json_key(j, "summary");
    cs_json_begin_array(j);
    for (size_t c = 0; c < nc; c++) {
        rm_pooled p, ref;
        rm_pool(rep, g, cols[c].d, cols[c].d->name, cols[c].layer, &p);
        rm_pool(rep, rep->reference, cols[c].d, cols[c].d->name, cols[c].layer, &ref);
        cs_json_begin_object(j);
        cs_json_kv_string(j, "metric", cols[c].d->name);
        json_layer(j, &rep->runs[gr->members[0]], cols[c].layer);
        cs_json_kv_string(j, "title", cols[c].title);
        cs_json_kv_string(j, "statistic",
                          cols[c].d->summary == RM_SUM_LAST   ? "last"
                          : cols[c].d->summary == RM_SUM_MEAN ? "mean"
                                                              : "scalar");
        cs_json_kv_number(j, "mean", p.mean);
        cs_json_kv_number(j, "ci_low", p.lo);
        cs_json_kv_number(j, "ci_high", p.hi);
        cs_json_kv_number(j, "sd", p.sd);
        cs_json_kv_int(j, "n", (long long)p.n);
        cs_json_kv_int(j, "of", (long long)p.of);
        cs_json_kv_number(j, "delta", g == rep->reference ? NAN : p.mean - ref.mean);
        cs_json_kv_number(j, "p_welch", g == rep->reference ? NAN : rm_welch_p(&p, &ref));
        cs_json_end_object(j);
    }
    cs_json_end_array(j);
    cs_json_end_object(j);
}

cs_status cs_report_write_json(FILE *out, const cs_report *rep)
{
    if (!out || !rep)
        return cs_error_set(CS_EINVAL, "cs_report_write_json: output and report must be given");
    rm_col cols[64];
    size_t nc = rm_summary_columns(rep, cols, 64);
    cs_json j;
    cs_json_init(&j, out);
    cs_json_begin_object(&j);
    cs_json_kv_int(&j, "format_version", REPORT_FORMAT_VERSION);
    cs_json_kv_string(&j, "generator", "cogscope " COGSCOPE_VERSION);
    cs_json_kv_string(&j, "x_axis",
                      rep->opt.x == CS_REPORT_X_STEPS     ? "steps"
                      : rep->opt.x == CS_REPORT_X_SAMPLES ? "samples"
                                                          : "epochs");
    cs_json_kv_string(&j, "interval", "95% t interval of the mean across a group's runs");
    cs_json_kv_string(&j, "reference_group", rep->groups[rep->reference].name);
    cs_json_key(&j, "groups");
    cs_json_begin_array(&j);
    for (size_t g = 0; g < rep->ng; g++)
        json_group(&j, rep, g, cols, nc);
    cs_json_end_array(&j);
    cs_json_key(&j, "runs");
    cs_json_begin_array(&j);
    for (size_t k = 0; k < rep->nr; k++)
        json_run(&j, rep, &rep->runs[k]);
    cs_json_end_array(&j);
    cs_status st = rm_plane_json(&j, rep);
    cs_json_end_object(&j);
    return st != CS_OK ? st : ferror(out) ? cs_error_set(CS_EIO, "writing the JSON failed") : CS_OK;
}

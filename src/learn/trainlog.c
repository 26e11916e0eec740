/* The MLP trainer's run log, a client of the open recorder (contract in
 * include/cogscope/trainlog.h). It declares exactly what the trainer logs
 * and appends it record by record; the numbers, names and types are those
 * of the version 1 logs (docs/schema.md, "cogscope train logs"). */
#include "cogscope/trainlog.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/blas.h"

/* The trainer's fixed per-step and per-evaluation series, in column order;
 * "step" is the recorder's own column. */
static const char *const step_names[] = {"epoch", "loss", "tau", "surprise", "pi", "log_pi", "batch_acc", "lr"};
static const char *const eval_names[] = {"epoch", "loss", "acc", "tau", "surprise", "pi", "log_pi"};
static const char *const layer_std[] = {"weight_norm", "update_norm", "bp_angle_deg"};
#define N_STEP (sizeof step_names / sizeof step_names[0])
#define N_EVAL (sizeof eval_names / sizeof eval_names[0])
#define N_LSTD (sizeof layer_std / sizeof layer_std[0])

/* /config attributes the trainer sets itself: no rule parameter may take
 * one of these names. */
static const char *const trainer_attrs[] = {
    "rule",          "activation",   "dataset",     "optimizer",      "layers",
    "seed",          "lr",           "momentum",    "batch",          "epochs",
    "log_every",     "probe_size",   "pi_alpha",    "pi_gamma",       "relax_iterations",
    "relax_samples", "layer_series", "step_series", "flush_interval", "trainer"};
#define N_TRAINER_ATTRS (sizeof trainer_attrs / sizeof trainer_attrs[0])

struct cs_trainlog {
    cs_runlog_writer *w;
    size_t nl, n_extra, n_step_extra;
    cs_runlog_handle step[N_STEP], eval[N_EVAL];
    cs_runlog_handle *layer;      /* nl x (N_LSTD + n_extra), layer-major */
    cs_runlog_handle *step_extra; /* n_step_extra */
    cs_runlog_handle *act, *err, *relax, energy;
    cs_runlog_handle *ref; /* reference_errors (spec.reference_errors), else NULL */
    int relax_on;
    /* The snapshot being assembled: ended by the next record of any kind, so
     * that a relaxation appended after it lands in the same snapshot. */
    int pending;
    int64_t pending_step;
    int relaxed;    /* the pending snapshot has its relaxation */
    int referenced; /* ... and its reference_errors */
};

static int in_list(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        if (!strcmp(name, list[i]))
            return 1;
    return 0;
}

/* Names must be distinct from each other and from the n_taken in `taken`. */
static cs_status check_names(const char *path, const char *what, const char *const *names, size_t n,
                             const char *const *taken, size_t n_taken)
{
    if (n && !names)
        return cs_error_set(CS_EINVAL, "%s: spec.%s has %zu entries but is NULL", path, what, n);
    for (size_t i = 0; i < n; i++) {
        const char *s = names[i];
        if (!s || !*s || strlen(s) > CS_RUNLOG_NAME_MAX || strchr(s, '/'))
            return cs_error_set(CS_EINVAL, "%s: spec.%s[%zu] = '%s' is not a valid name", path, what, i,
                                s ? s : "(null)");
        if (in_list(s, taken, n_taken) || in_list(s, names, i) || !strcmp(s, "activations") || !strcmp(s, "errors") ||
            !strcmp(s, "reference_errors") || !strcmp(s, "step"))
            return cs_error_set(CS_EINVAL, "%s: spec.%s[%zu] = '%s' repeats a name the log already has", path, what,
                                i, s);
    }
    return CS_OK;
}

static cs_status check_spec(const char *path, const cs_trainlog_spec *s)
{
    if (!s->rule || !*s->rule || !s->activation || !s->dataset)
        return cs_error_set(CS_EINVAL, "%s: spec.rule, spec.activation and spec.dataset must be set", path);
    if (s->n_layers < 2 || !s->layers)
        return cs_error_set(CS_EINVAL, "%s: spec.n_layers = %zu must be >= 2 with spec.layers set", path,
                            s->n_layers);
    for (size_t i = 0; i < s->n_layers; i++)
        if (s->layers[i] < 1 || s->layers[i] > (1u << 24))
            return cs_error_set(CS_EINVAL, "%s: spec.layers[%zu] = %zu must be in [1, 2^24]", path, i, s->layers[i]);
    if (s->probe_size < 1 || !s->probe_inputs || !s->probe_labels)
        return cs_error_set(CS_EINVAL,
                            "%s: spec.probe_size = %zu must be >= 1 with probe_inputs and probe_labels set", path,
                            s->probe_size);
    size_t n_out = s->layers[s->n_layers - 1];
    for (size_t i = 0; i < s->probe_size; i++)
        if (s->probe_labels[i] < 0 || (size_t)s->probe_labels[i] >= n_out)
            return cs_error_set(CS_EINVAL, "%s: spec.probe_labels[%zu] = %d is outside [0, %zu)", path, i,
                                (int)s->probe_labels[i], n_out);
    if ((s->relax_iterations == 0) != (s->relax_samples == 0))
        return cs_error_set(CS_EINVAL,
                            "%s: spec.relax_iterations = %zu and relax_samples = %zu must both be 0 or both >= 1",
                            path, s->relax_iterations, s->relax_samples);
    if (s->relax_samples > s->probe_size)
        return cs_error_set(CS_EINVAL, "%s: spec.relax_samples = %zu exceeds probe_size = %zu", path,
                            s->relax_samples, s->probe_size);
    cs_status st;
    if ((st = check_names(path, "layer_series", s->layer_series, s->n_layer_series, layer_std, N_LSTD)) != CS_OK ||
        (st = check_names(path, "step_series", s->step_series, s->n_step_series, step_names, N_STEP)) != CS_OK ||
        (st = check_names(path, "param_names", s->param_names, s->n_params, trainer_attrs, N_TRAINER_ATTRS)) != CS_OK)
        return st;
    if (s->n_params && !s->param_values)
        return cs_error_set(CS_EINVAL, "%s: spec.n_params = %zu but param_values is not set", path, s->n_params);
    return CS_OK;
}

/* /config: the trainer's settings, as version 1 logs had them. */
static cs_status put_metadata(cs_runlog_writer *w, const cs_trainlog_spec *s)
{
    int64_t *layers = malloc(s->n_layers * sizeof *layers);
    if (!layers)
        return cs_error_set(CS_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->n_layers; i++)
        layers[i] = (int64_t)s->layers[i];
    uint64_t seed = s->seed;
    /* the kernels decide the last bits of every product (docs/install.md) */
    cs_blas_kernels blas;
    cs_blas_kernels_get(&blas);
    cs_status st;
    if ((st = cs_runlog_set_string(w, "trainer", "cogscope train")) != CS_OK ||
        (st = cs_runlog_set_string(w, "blas_kernels", blas.kernel)) != CS_OK ||
        (st = cs_runlog_set_string(w, "rule", s->rule)) != CS_OK ||
        (st = cs_runlog_set_string(w, "activation", s->activation)) != CS_OK ||
        (st = cs_runlog_set_string(w, "dataset", s->dataset)) != CS_OK ||
        (st = cs_runlog_set_string(w, "optimizer", s->optimizer ? s->optimizer : "")) != CS_OK ||
        (st = cs_runlog_set_numbers(w, "layers", CS_RUNLOG_I64, layers, s->n_layers, 0)) != CS_OK ||
        (st = cs_runlog_set_numbers(w, "seed", CS_RUNLOG_U64, &seed, 1, 1)) != CS_OK ||
        (st = cs_runlog_set_number(w, "lr", s->lr)) != CS_OK ||
        (st = cs_runlog_set_number(w, "momentum", s->momentum)) != CS_OK ||
        (st = cs_runlog_set_int(w, "batch", (int64_t)s->batch)) != CS_OK ||
        (st = cs_runlog_set_int(w, "epochs", (int64_t)s->epochs)) != CS_OK ||
        (st = cs_runlog_set_int(w, "log_every", (int64_t)s->log_every)) != CS_OK ||
        (st = cs_runlog_set_int(w, "probe_size", (int64_t)s->probe_size)) != CS_OK ||
        (st = cs_runlog_set_number(w, "pi_alpha", s->pi_alpha)) != CS_OK ||
        (st = cs_runlog_set_number(w, "pi_gamma", s->pi_gamma)) != CS_OK ||
        (!s->relax_iterations && ((st = cs_runlog_set_int(w, "relax_iterations", 0)) != CS_OK ||
                                  (st = cs_runlog_set_int(w, "relax_samples", 0)) != CS_OK)) ||
        (s->n_layer_series &&
         (st = cs_runlog_set_strings(w, "layer_series", s->layer_series, s->n_layer_series)) != CS_OK) ||
        (s->n_step_series &&
         (st = cs_runlog_set_strings(w, "step_series", s->step_series, s->n_step_series)) != CS_OK)) {
        free(layers);
        return st;
    }
    free(layers);
    for (size_t i = 0; i < s->n_params; i++)
        if ((st = cs_runlog_set_number(w, s->param_names[i], s->param_values[i])) != CS_OK)
            return st;
    return CS_OK;
}

/* Layers, series, snapshots, relaxation, probe, evaluation. */
static cs_status declare(cs_trainlog *t, const cs_trainlog_spec *s)
{
    cs_runlog_writer *w = t->w;
    cs_status st = CS_OK;
    size_t per = N_LSTD + t->n_extra;
    for (size_t k = 0; k < N_STEP && st == CS_OK; k++)
        st = cs_runlog_declare_series(w, step_names[k], k == 0 ? CS_RUNLOG_I32 : CS_RUNLOG_F64, &t->step[k]);
    for (size_t k = 0; k < t->n_step_extra && st == CS_OK; k++)
        st = cs_runlog_declare_series(w, s->step_series[k], CS_RUNLOG_F64, &t->step_extra[k]);
    char name[32];
    for (size_t l = 0; l < t->nl && st == CS_OK; l++) {
        snprintf(name, sizeof name, "%zu", l + 1);
        if ((st = cs_runlog_add_layer(w, name, NULL)) != CS_OK)
            break;
        for (size_t k = 0; k < per && st == CS_OK; k++)
            st = cs_runlog_declare_layer_series(w, l, k < N_LSTD ? layer_std[k] : s->layer_series[k - N_LSTD],
                                                &t->layer[l * per + k]);
        size_t shape[2] = {s->probe_size, s->layers[l + 1]};
        if (st == CS_OK)
            st = cs_runlog_declare_snapshot(w, l, "activations", 2, shape, &t->act[l]);
        if (st == CS_OK)
            st = cs_runlog_declare_snapshot(w, l, "errors", 2, shape, &t->err[l]);
        if (st == CS_OK && t->ref)
            st = cs_runlog_declare_snapshot(w, l, "reference_errors", 2, shape, &t->ref[l]);
    }
    if (st == CS_OK)
        st = cs_runlog_set_probe(w, s->probe_inputs, s->probe_size, s->layers[0], s->probe_labels);
    if (st == CS_OK && s->relax_iterations) {
        st = cs_runlog_declare_relax(w, s->relax_iterations, s->relax_samples, &t->energy);
        for (size_t l = 0; l < t->nl && st == CS_OK; l++)
            st = cs_runlog_declare_relax_states(w, l, s->layers[l + 1], &t->relax[l]);
        t->relax_on = 1;
    }
    for (size_t k = 0; k < N_EVAL && st == CS_OK; k++)
        st = cs_runlog_declare_eval(w, eval_names[k], k == 0 ? CS_RUNLOG_I32 : CS_RUNLOG_F64, &t->eval[k]);
    return st == CS_OK ? cs_runlog_start(w) : st;
}

static void trainlog_free(cs_trainlog *t)
{
    free(t->layer);
    free(t->step_extra);
    free(t->act);
    free(t->err);
    free(t->relax);
    free(t->ref);
    free(t);
}

cs_status cs_trainlog_create(const char *path, const cs_trainlog_spec *spec, cs_trainlog **out)
{
    if (!out)
        return cs_error_set(CS_EINVAL, "cs_trainlog_create: out is NULL");
    *out = NULL;
    if (!path || !*path || !spec)
        return cs_error_set(CS_EINVAL, "cs_trainlog_create: path and spec must be given");
    cs_status st = check_spec(path, spec);
    if (st != CS_OK)
        return st;
    cs_trainlog *t = calloc(1, sizeof *t);
    if (!t)
        return cs_error_set(CS_ENOMEM, "%s: out of memory", path);
    t->nl = spec->n_layers - 1;
    t->n_extra = spec->n_layer_series;
    t->n_step_extra = spec->n_step_series;
    t->layer = malloc(t->nl * (N_LSTD + t->n_extra) * sizeof *t->layer);
    t->step_extra = malloc((t->n_step_extra ? t->n_step_extra : 1) * sizeof *t->step_extra);
    t->act = malloc(t->nl * sizeof *t->act);
    t->err = malloc(t->nl * sizeof *t->err);
    t->relax = malloc(t->nl * sizeof *t->relax);
    t->ref = spec->reference_errors ? malloc(t->nl * sizeof *t->ref) : NULL;
    if (!t->layer || !t->step_extra || !t->act || !t->err || !t->relax || (spec->reference_errors && !t->ref)) {
        trainlog_free(t);
        return cs_error_set(CS_ENOMEM, "%s: out of memory", path);
    }
    cs_runlog_options o = {.flush_interval = spec->flush_interval, .snapshot_deflate = spec->snapshot_deflate};
    int made = (st = cs_runlog_create(path, &o, &t->w)) == CS_OK;
    if (made && (st = put_metadata(t->w, spec)) == CS_OK)
        st = declare(t, spec);
    if (st != CS_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", cs_last_error());
        cs_runlog_close(t->w);
        trainlog_free(t);
        if (made)
            remove(path); /* a half-made log would only mislead */
        return cs_error_set(st, "%s", msg);
    }
    *out = t;
    return CS_OK;
}

/* Ends the snapshot being assembled, if any. */
static cs_status settle(cs_trainlog *t)
{
    if (!t->pending)
        return CS_OK;
    t->pending = 0;
    return cs_runlog_end_snapshot(t->w, t->pending_step);
}

cs_status cs_trainlog_append_step(cs_trainlog *t, const cs_trainlog_step *rec)
{
    if (!t)
        return cs_error_set(CS_EINVAL, "cs_trainlog_append_step: log is NULL");
    if (!rec || !rec->weight_norm || !rec->update_norm || (t->n_extra && !rec->layer_series) ||
        (t->n_step_extra && !rec->step_series))
        return cs_error_set(CS_EINVAL, "step record needs weight_norm, update_norm%s%s",
                            t->n_extra ? ", layer_series" : "", t->n_step_extra ? ", step_series" : "");
    cs_status st = settle(t);
    const double v[N_STEP] = {rec->epoch, rec->loss,   rec->tau,       rec->surprise,
                              rec->pi,    rec->log_pi, rec->batch_acc, rec->lr};
    for (size_t k = 0; k < N_STEP && st == CS_OK; k++)
        st = cs_runlog_put(t->w, t->step[k], v[k]);
    for (size_t k = 0; k < t->n_step_extra && st == CS_OK; k++)
        st = cs_runlog_put(t->w, t->step_extra[k], rec->step_series[k]);
    size_t per = N_LSTD + t->n_extra;
    for (size_t l = 0; l < t->nl && st == CS_OK; l++) {
        const cs_runlog_handle *h = &t->layer[l * per];
        if ((st = cs_runlog_put(t->w, h[0], rec->weight_norm[l])) != CS_OK ||
            (st = cs_runlog_put(t->w, h[1], rec->update_norm[l])) != CS_OK ||
            (st = cs_runlog_put(t->w, h[2], rec->bp_angle_deg ? rec->bp_angle_deg[l] : NAN)) != CS_OK)
            break;
        for (size_t k = 0; k < t->n_extra && st == CS_OK; k++)
            st = cs_runlog_put(t->w, h[N_LSTD + k], rec->layer_series[k * t->nl + l]);
    }
    return st == CS_OK ? cs_runlog_end_step(t->w, rec->step) : st;
}

cs_status cs_trainlog_append_eval(cs_trainlog *t, const cs_trainlog_eval *rec)
{
    if (!t || !rec)
        return cs_error_set(CS_EINVAL, "cs_trainlog_append_eval: log and record must be given");
    cs_status st = settle(t);
    const double v[N_EVAL] = {rec->epoch, rec->loss, rec->acc, rec->tau, rec->surprise, rec->pi, rec->log_pi};
    for (size_t k = 0; k < N_EVAL && st == CS_OK; k++)
        st = cs_runlog_put(t->w, t->eval[k], v[k]);
    return st == CS_OK ? cs_runlog_end_eval(t->w, rec->step) : st;
}

cs_status cs_trainlog_append_snapshot(cs_trainlog *t, int64_t step, const float *const *activations,
                                      const float *const *errors)
{
    if (!t)
        return cs_error_set(CS_EINVAL, "cs_trainlog_append_snapshot: log is NULL");
    if (!activations || !errors)
        return cs_error_set(CS_EINVAL, "snapshot at step %lld: activations and errors must be given",
                            (long long)step);
    for (size_t l = 0; l < t->nl; l++)
        if (!activations[l] || !errors[l])
            return cs_error_set(CS_EINVAL, "snapshot at step %lld: layer %zu has no %s array", (long long)step, l + 1,
                                activations[l] ? "errors" : "activations");
    cs_status st = settle(t);
    for (size_t l = 0; l < t->nl && st == CS_OK; l++)
        if ((st = cs_runlog_put_snapshot(t->w, t->act[l], activations[l])) == CS_OK)
            st = cs_runlog_put_snapshot(t->w, t->err[l], errors[l]);
    if (st == CS_OK) {
        t->pending = 1;
        t->relaxed = t->referenced = 0;
        t->pending_step = step;
    }
    return st;
}

cs_status cs_trainlog_append_reference_errors(cs_trainlog *t, const float *const *reference)
{
    if (!t)
        return cs_error_set(CS_EINVAL, "cs_trainlog_append_reference_errors: log is NULL");
    if (!t->ref)
        return cs_error_set(CS_EINVAL,
                            "this run log was created without reference errors (spec.reference_errors = 0)");
    if (!t->pending || t->referenced)
        return cs_error_set(CS_EINVAL, "reference errors need a snapshot of their own (append a snapshot first; "
                                       "one set per snapshot)");
    for (size_t l = 0; l < t->nl; l++)
        if (!reference || !reference[l])
            return cs_error_set(CS_EINVAL, "reference errors: layer %zu has no array", l + 1);
    cs_status st = CS_OK;
    for (size_t l = 0; l < t->nl && st == CS_OK; l++)
        st = cs_runlog_put_snapshot(t->w, t->ref[l], reference[l]);
    if (st == CS_OK)
        t->referenced = 1;
    return st;
}

cs_status cs_trainlog_append_relax(cs_trainlog *t, const float *const *states, const double *energy)
{
    if (!t)
        return cs_error_set(CS_EINVAL, "cs_trainlog_append_relax: log is NULL");
    if (!t->relax_on)
        return cs_error_set(CS_EINVAL,
                            "this run log was created without a relaxation phase (spec.relax_iterations = 0)");
    if (!t->pending || t->relaxed)
        return cs_error_set(CS_EINVAL, "relaxation needs a snapshot of its own (append a snapshot first; one "
                                       "relaxation per snapshot)");
    if (!states || !energy)
        return cs_error_set(CS_EINVAL, "relaxation: states and energy must be given");
    for (size_t l = 0; l < t->nl; l++)
        if (!states[l])
            return cs_error_set(CS_EINVAL, "relaxation: layer %zu has no states array", l + 1);
    cs_status st = CS_OK;
    for (size_t l = 0; l < t->nl && st == CS_OK; l++)
        st = cs_runlog_put_snapshot(t->w, t->relax[l], states[l]);
    if (st == CS_OK && (st = cs_runlog_put_snapshot_f64(t->w, t->energy, energy)) == CS_OK)
        t->relaxed = 1;
    return st;
}

cs_status cs_trainlog_flush(cs_trainlog *t)
{
    if (!t)
        return cs_error_set(CS_EINVAL, "cs_trainlog_flush: log is NULL");
    cs_status st = settle(t);
    return st == CS_OK ? cs_runlog_flush(t->w) : st;
}

cs_status cs_trainlog_close(cs_trainlog *t) { return cs_trainlog_close_marked(t, NULL, NULL); }

cs_status cs_trainlog_close_marked(cs_trainlog *t, const char *end_state, const char *end_reason)
{
    if (!t)
        return CS_OK;
    cs_status st = settle(t);
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", st != CS_OK ? cs_last_error() : "");
    cs_status cst = end_state ? cs_runlog_close_marked(t->w, end_state, end_reason) : cs_runlog_close(t->w);
    trainlog_free(t);
    if (st != CS_OK)
        return cs_error_set(st, "%s", msg);
    return cst;
}

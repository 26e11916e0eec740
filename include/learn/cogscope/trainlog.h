/* The run log of cogscope's own MLP trainer: one client of the open recorder
 * (runlog.h). It declares the trainer's metadata and series -- ΣPI inputs per
 * step, weight/update norms and BP angles per layer, probe snapshots of
 * activations and teaching signals, relaxation trajectories of the
 * energy-based rules, one evaluation per epoch -- like any other training
 * loop would, and appends them record by record. Layers are named "1".."n-1"
 * (layer L maps layers[L-1] units to layers[L]; its activations are the
 * post-activation values of the layers[L] units). Layout: docs/schema.md. */
#ifndef COGSCOPE_TRAINLOG_H
#define COGSCOPE_TRAINLOG_H

#include <stdint.h>

#include "cogscope/runlog.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a run will log; everything the writer must declare up front. */
typedef struct {
    const char *rule;       /* "bp", "fa", ... */
    const char *activation; /* "tanh", "relu", "sigmoid", ... */
    const char *dataset;    /* "digits", "fashion-mnist", a file name, ... */
    const char *optimizer;  /* "sgd", "adam" */
    const size_t *layers;   /* unit counts, input first: {64, 100, 10} */
    size_t n_layers;        /* >= 2 */
    uint64_t seed;
    double lr, momentum;
    size_t batch, epochs, log_every;
    double pi_alpha, pi_gamma;
    /* Rule hyper-parameters, stored as numeric attributes of /config. */
    size_t n_params;
    const char *const *param_names;
    const double *param_values;
    /* Fixed probe set: probe_size samples x layers[0] inputs, labels in
     * [0, layers[n_layers-1]). Stored once at creation. */
    size_t probe_size;
    const float *probe_inputs;
    const int32_t *probe_labels;
    /* Relaxation trajectories (EP, PC): per snapshot, every iteration's state
     * of `relax_samples` probe samples for each layer, and the energy per
     * iteration. 0 = the run has no relaxation phase (no /relax group). */
    size_t relax_iterations, relax_samples;
    /* Extra per-step, per-layer series beyond weight_norm, update_norm and
     * bp_angle_deg, e.g. {"goodness_pos", "goodness_neg"} for FF. */
    size_t n_layer_series;
    const char *const *layer_series;
    /* Extra per-step scalar series beyond step, epoch, loss, tau, surprise,
     * pi, batch_acc, lr (float64). */
    size_t n_step_series;
    const char *const *step_series;
    /* 1: each layer also has a `reference_errors` snapshot dataset (backprop's
     * delta on the probe set, logged beside a non-bp rule's own `errors`;
     * cs_trainlog_append_reference_errors). */
    int reference_errors;
    double flush_interval; /* seconds between automatic flushes; <= 0 means 1 */
    int snapshot_deflate;  /* cs_runlog_options.snapshot_deflate */
} cs_trainlog_spec;

/* One training step. Per-layer arrays have n_layers-1 entries (layer 1 first);
 * bp_angle_deg entries are NaN when not measured at this step (NULL: all NaN). */
typedef struct {
    int64_t step;
    int32_t epoch;
    double loss, tau, surprise, pi, batch_acc, lr;
    double log_pi; /* ln PI from the log domain (finite where PI underflows to 0) */
    const double *weight_norm;
    const double *update_norm;
    const double *bp_angle_deg;
    const double *layer_series; /* n_layer_series x (n_layers-1), row-major; NULL if none */
    const double *step_series;  /* n_step_series values; NULL if none */
} cs_trainlog_step;

/* One held-out evaluation (each epoch). */
typedef struct {
    int64_t step;
    int32_t epoch;
    double loss, acc, tau, surprise, pi;
    double log_pi; /* ln of pi, from the batches' ln PI (log-sum-exp): finite where pi underflows */
} cs_trainlog_eval;

typedef struct cs_trainlog cs_trainlog;

cs_status cs_trainlog_create(const char *path, const cs_trainlog_spec *spec, cs_trainlog **out);
cs_status cs_trainlog_append_step(cs_trainlog *t, const cs_trainlog_step *rec);
cs_status cs_trainlog_append_eval(cs_trainlog *t, const cs_trainlog_eval *rec);
/* activations[L-1], errors[L-1]: probe_size x layers[L] floats, for L = 1..n_layers-1. */
cs_status cs_trainlog_append_snapshot(cs_trainlog *t, int64_t step, const float *const *activations,
                                      const float *const *errors);
/* reference[L-1]: probe_size x layers[L] floats, the `reference_errors` of
 * the snapshot appended last (spec.reference_errors = 1; once per snapshot,
 * before the next step, evaluation or snapshot; its relaxation may come
 * before or after). */
cs_status cs_trainlog_append_reference_errors(cs_trainlog *t, const float *const *reference);
/* states[L-1]: relax_iterations x relax_samples x layers[L] floats; energy:
 * relax_iterations doubles. Belongs to the most recent snapshot. */
cs_status cs_trainlog_append_relax(cs_trainlog *t, const float *const *states, const double *energy);
cs_status cs_trainlog_flush(cs_trainlog *t);
/* Flushes, closes and frees; safe on NULL. Returns the first error seen. */
cs_status cs_trainlog_close(cs_trainlog *t);
/* As cs_trainlog_close, marking the log as ended in `end_state` (e.g.
 * "diverged") with a reason (cs_runlog_close_marked). */
cs_status cs_trainlog_close_marked(cs_trainlog *t, const char *end_state, const char *end_reason);

#ifdef __cplusplus
}
#endif
#endif

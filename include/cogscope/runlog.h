/* The HDF5 run log: writer (used by training) and reader (used by info,
 * report, analyze, watch). Layout and units: docs/schema.md.
 *
 * Writer life cycle: cs_runlog_create() makes every dataset the run will use
 * (SWMR forbids creating datasets later), then switches to SWMR write mode;
 * appends go to chunked, compressed, extendible datasets; cs_runlog_flush()
 * runs on its own at most every `flush_interval` seconds, so a reader can
 * follow a live run and a killed run leaves a readable file with every
 * flushed row. Layers are numbered 1..n_layers-1 (layer L is the weight layer
 * from units layers[L-1] to layers[L]; its activations are the post-activation
 * values of layers[L] units).
 *
 * Reader: cs_runlog_open() validates the schema name, version, required
 * datasets and shapes, and rejects anything else with a message naming the
 * file and the dataset. Series of a run that was killed may differ in length
 * by the rows of one unflushed append; the reader reports the consistent
 * (minimum) length. */
#ifndef COGSCOPE_RUNLOG_H
#define COGSCOPE_RUNLOG_H

#include <stdint.h>

#include "cogscope/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CS_RUNLOG_SCHEMA "cogscope-run"
#define CS_RUNLOG_SCHEMA_VERSION 1

/* What a run will log; everything the writer must create up front. */
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
    double flush_interval; /* seconds between automatic flushes; <= 0 means 1 */
    /* Deflate level (1..9, with the byte shuffle) of the snapshot and
     * relaxation datasets; 0 = uncompressed, the default: deflating float32
     * snapshots costs ~50x the write for ~25% smaller files (docs/schema.md
     * has the measurements). Per-step series are always compressed. */
    int snapshot_deflate;
} cs_runlog_spec;

/* One training step. Per-layer arrays have n_layers-1 entries (layer 1 first);
 * bp_angle_deg entries are NaN when not measured at this step. */
typedef struct {
    int64_t step;
    int32_t epoch;
    double loss, tau, surprise, pi, batch_acc, lr;
    const double *weight_norm;
    const double *update_norm;
    const double *bp_angle_deg;
    const double *layer_series; /* n_layer_series x (n_layers-1), row-major; NULL if none */
} cs_runlog_step;

/* One held-out evaluation (each epoch). */
typedef struct {
    int64_t step;
    int32_t epoch;
    double loss, acc, tau, surprise, pi;
} cs_runlog_eval;

typedef struct cs_runlog_writer cs_runlog_writer;

cs_status cs_runlog_create(const char *path, const cs_runlog_spec *spec, cs_runlog_writer **out);
cs_status cs_runlog_append_step(cs_runlog_writer *w, const cs_runlog_step *rec);
cs_status cs_runlog_append_eval(cs_runlog_writer *w, const cs_runlog_eval *rec);
/* activations[L-1], errors[L-1]: probe_size x layers[L] floats, for L = 1..n_layers-1. */
cs_status cs_runlog_append_snapshot(cs_runlog_writer *w, int64_t step, const float *const *activations,
                                    const float *const *errors);
/* states[L-1]: relax_iterations x relax_samples x layers[L] floats; energy:
 * relax_iterations doubles. Belongs to the most recent snapshot. */
cs_status cs_runlog_append_relax(cs_runlog_writer *w, const float *const *states, const double *energy);
cs_status cs_runlog_flush(cs_runlog_writer *w);
/* Flushes, closes and frees; safe on NULL. Returns the first error seen. */
cs_status cs_runlog_close(cs_runlog_writer *w);

/* ---- reader ---- */

typedef struct {
    int schema_version;
    char rule[32], activation[32], dataset[256], optimizer[32], created[64], cogscope_version[32];
    char run_id[40]; /* 32 hex digits; "" in logs written before run_id existed */
    size_t layers[16];
    size_t n_layers;
    uint64_t seed;
    double lr, momentum, pi_alpha, pi_gamma;
    size_t batch, epochs, log_every, probe_size;
    size_t steps;      /* consistent number of logged steps */
    size_t snapshots;  /* consistent number of probe snapshots */
    size_t evals;      /* number of evaluations */
    size_t epochs_done; /* epochs with an evaluation */
    size_t relax_iterations, relax_samples, relax_snapshots;
    int live;          /* 1 while the writer still has the file open (SWMR) */
    /* 1 when the writer never closed the file and its process is gone (a
     * killed run); the log then holds every row of the writer's last flush.
     * live and interrupted are never both 1; both 0 = closed normally. */
    int interrupted;
    double last_flush_time; /* Unix seconds of the writer's last completed flush */
    /* Extra per-layer series (spec.layer_series), e.g. FF's goodness. */
    size_t n_layer_series;
    char layer_series[16][32];
} cs_runlog_info;

typedef struct cs_runlog cs_runlog;

cs_status cs_runlog_open(const char *path, cs_runlog **out);
void cs_runlog_close_reader(cs_runlog *r);
/* Re-read extents of a live file (SWMR refresh), updating cs_runlog_get_info. */
cs_status cs_runlog_refresh(cs_runlog *r);
const cs_runlog_info *cs_runlog_get_info(const cs_runlog *r);
/* The path the reader was opened with. */
const char *cs_runlog_path(const cs_runlog *r);

/* Numeric attribute of /config (rule hyper-parameter); CS_EINVAL if absent. */
cs_status cs_runlog_config_param(const cs_runlog *r, const char *name, double *value);
/* The rule hyper-parameters: names i = 0..count-1 (NULL past the end). */
size_t cs_runlog_config_param_count(const cs_runlog *r);
const char *cs_runlog_config_param_name(const cs_runlog *r, size_t i);

/* Every dataset in the file (also ones this schema does not define), with its
 * current extent; `*list` is a new array of `*n` entries (free()). */
typedef struct {
    char path[128];
    int rank;
    uint64_t dims[4]; /* first `rank` entries; rank > 4 is reported as 4 */
    char type[16];    /* "float32", "float64", "int32", "int64", "uint64", "string", ... */
} cs_runlog_dataset;
cs_status cs_runlog_list_datasets(const cs_runlog *r, cs_runlog_dataset **list, size_t *n);

/* A whole 1-D series as doubles into a new array (free() it), length `*n`:
 * /steps/NAME ("step", "epoch", "loss", "tau", "surprise", "pi", "batch_acc", "lr"),
 * /eval/NAME ("step", "epoch", "loss", "acc", "tau", "surprise", "pi"),
 * /probe/step, or /layers/L/NAME. Errors name the file and dataset. */
cs_status cs_runlog_read_steps(const cs_runlog *r, const char *name, double **values, size_t *n);
cs_status cs_runlog_read_eval(const cs_runlog *r, const char *name, double **values, size_t *n);
cs_status cs_runlog_read_snapshot_steps(const cs_runlog *r, double **values, size_t *n);
cs_status cs_runlog_read_layer_series(const cs_runlog *r, size_t layer, const char *name,
                                      double **values, size_t *n);

/* The matrices below are allocated by the call (cs_matrix_free them).
 * Probe inputs (probe_size x layers[0]) and labels (probe_size ints; free()). */
cs_status cs_runlog_read_probe(const cs_runlog *r, cs_matrix *inputs, int32_t **labels);

/* One snapshot of one layer: probe_size x layers[L] as doubles.
 * which: "activations" or "errors". */
cs_status cs_runlog_read_snapshot(const cs_runlog *r, size_t layer, size_t snapshot,
                                  const char *which, cs_matrix *out);

/* Relaxation of one snapshot: states of `layer` as a matrix of
 * (relax_iterations * relax_samples) x layers[L], iteration-major; energy as
 * relax_iterations doubles (free()). */
cs_status cs_runlog_read_relax(const cs_runlog *r, size_t layer, size_t snapshot, cs_matrix *states,
                               double **energy);

#ifdef __cplusplus
}
#endif
#endif

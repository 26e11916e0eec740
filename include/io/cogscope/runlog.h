/* The HDF5 run log, schema version 2: an open recorder any training loop can
 * write to, and the reader that info, report, analyze and watch are built on.
 * Layout, units and which datasets are required: docs/schema.md.
 *
 * Writer life cycle (SWMR forbids creating objects once readers may follow
 * the file, so everything is declared first):
 *
 *   cs_runlog_create()                      the file, root attributes
 *   cs_runlog_set_string/number/...()       free-form metadata (/config)
 *   cs_runlog_add_layer()                   named layers, in order, any number
 *   cs_runlog_declare_*()                   per-step series, per-step per-layer
 *                                           series, snapshot datasets of any
 *                                           shape per layer, evaluation series,
 *                                           relaxation trajectories; each
 *                                           returns a handle
 *   cs_runlog_set_probe()                   optional fixed probe inputs/labels
 *   cs_runlog_start()                       switch to SWMR (also done by the
 *                                           first put/end call)
 *   loop: cs_runlog_put(h, v) ... cs_runlog_end_step(step)
 *         cs_runlog_put_snapshot(h, data) ... cs_runlog_end_snapshot(step)
 *         cs_runlog_put(h, v) ... cs_runlog_end_eval(step)
 *   cs_runlog_close()
 *
 * Values of a row that were not put read as NaN (float series) or -1
 * (integer series); a snapshot dataset not put at a snapshot reads as NaN
 * there. Everything never declared is simply absent from the file, and the
 * analysis computes what the log allows (saying what it skipped and why).
 *
 * Per-step and per-evaluation rows are buffered and appended in blocks;
 * cs_runlog_flush() runs on its own at most every `flush_interval` seconds,
 * so a reader can follow a live run and a killed run leaves a readable file
 * with every flushed row (the row counts of the last completed flush are
 * kept in /committed).
 *
 * Reader: cs_runlog_open() accepts schema versions 1 and 2, discovers what
 * the file holds (layers, series, snapshot datasets, probe, evaluation,
 * relaxation) and describes each as a cs_runlog_item. Only the root
 * attributes `schema` and `schema_version` are required. Series of a run that
 * was killed may differ in length by the rows of one unflushed append; the
 * reader reports the consistent (minimum) length.
 *
 * Names (metadata, layers, series, datasets) are 1..127 bytes of printable
 * characters other than '/'; "." and ".." are refused. Strings are stored as
 * fixed-length UTF-8 (NUL-padded); readers accept every string form h5py
 * writes. Layers are indexed 0..layer_count-1 in the order they were added. */
#ifndef COGSCOPE_RUNLOG_H
#define COGSCOPE_RUNLOG_H

#include <stdint.h>

#include "cogscope/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CS_RUNLOG_SCHEMA "cogscope-run"
#define CS_RUNLOG_SCHEMA_VERSION 2
/* Longest name (bytes, without the NUL) of metadata, layers and datasets. */
#define CS_RUNLOG_NAME_MAX 127
/* Highest rank of one snapshot entry (the dataset adds the snapshot axis). */
#define CS_RUNLOG_ENTRY_RANK_MAX 7

/* Element types of declared series (file and the values' meaning). Values
 * are always passed as double to cs_runlog_put; integer series round them
 * toward zero. */
typedef enum {
    CS_RUNLOG_F64 = 0,
    CS_RUNLOG_F32 = 1,
    CS_RUNLOG_I64 = 2,
    CS_RUNLOG_I32 = 3,
    CS_RUNLOG_U64 = 4 /* metadata only */
} cs_runlog_dtype;

/* ---- writer ---- */

typedef struct cs_runlog_writer cs_runlog_writer;
/* A declared series or dataset of one writer (>= 0). */
typedef int cs_runlog_handle;

typedef struct {
    double flush_interval; /* seconds between automatic flushes; <= 0 means 1 */
    /* Deflate level (1..9, with the byte shuffle) of snapshot and relaxation
     * datasets and of the probe inputs; 0 = uncompressed, the default: deflating float32 snapshots
     * costs ~50x the write for ~25% smaller files (docs/schema.md). Per-step
     * series are always compressed. */
    int snapshot_deflate;
} cs_runlog_options;

/* Creates (truncates) `path` and writes the root attributes. opt may be NULL
 * (defaults). */
cs_status cs_runlog_create(const char *path, const cs_runlog_options *opt, cs_runlog_writer **out);

/* Free-form metadata: attributes of /config (before cs_runlog_start). Names
 * with a conventional meaning: docs/schema.md ("rule", "dataset", "model",
 * "pi_alpha", "pi_gamma", ...). Setting a name twice replaces it. */
cs_status cs_runlog_set_string(cs_runlog_writer *w, const char *name, const char *value);
cs_status cs_runlog_set_strings(cs_runlog_writer *w, const char *name, const char *const *values, size_t n);
cs_status cs_runlog_set_number(cs_runlog_writer *w, const char *name, double value); /* float64 */
cs_status cs_runlog_set_int(cs_runlog_writer *w, const char *name, int64_t value);   /* int64 */
/* n values of `dtype` (double, float, int64_t, int32_t or uint64_t in
 * memory, stored as that type); a scalar when scalar != 0 (then n == 1),
 * else a 1-D array of n. */
cs_status cs_runlog_set_numbers(cs_runlog_writer *w, const char *name, cs_runlog_dtype dtype, const void *values,
                                size_t n, int scalar);

/* A named layer (/layers/NAME); *index (may be NULL) gets its index. */
cs_status cs_runlog_add_layer(cs_runlog_writer *w, const char *name, size_t *index);

/* A per-step scalar series /steps/NAME (F64, F32, I64 or I32). "step" is
 * reserved: cs_runlog_end_step writes it. Conventional names that analyze
 * and report understand: loss, tau, surprise, pi, epoch, lr, batch_acc. */
cs_status cs_runlog_declare_series(cs_runlog_writer *w, const char *name, cs_runlog_dtype dtype, cs_runlog_handle *h);
/* n series at once: cs_runlog_declare_series(names[i], dtype, &h[i]) for
 * i < n, stopping at the first failure (its message names the series; the
 * handles before it are declared). */
cs_status cs_runlog_declare_series_n(cs_runlog_writer *w, size_t n, const char *const *names, cs_runlog_dtype dtype,
                                     cs_runlog_handle *h);
/* A per-step float64 series of one layer: /layers/LAYER/NAME. */
cs_status cs_runlog_declare_layer_series(cs_runlog_writer *w, size_t layer, const char *name, cs_runlog_handle *h);
/* A float32 snapshot dataset of one layer, /layers/LAYER/NAME of shape
 * [snapshot, shape[0], ..., shape[rank-1]], 1 <= rank <= 7. The analysis
 * reads "activations" (and "errors") as [snapshot, sample, unit]; units may
 * differ per layer. */
cs_status cs_runlog_declare_snapshot(cs_runlog_writer *w, size_t layer, const char *name, int rank,
                                     const size_t *shape, cs_runlog_handle *h);
/* A per-evaluation series /eval/NAME ("step" reserved: cs_runlog_end_eval
 * writes it). Conventional names: loss, acc, tau, surprise, pi, epoch. */
cs_status cs_runlog_declare_eval(cs_runlog_writer *w, const char *name, cs_runlog_dtype dtype, cs_runlog_handle *h);
/* Relaxation trajectories (energy-based rules): once per log, iterations and
 * samples >= 1; *energy gets the handle of /relax/energy [snapshot,
 * iterations] (float64). Then per layer: /relax/LAYER/states [snapshot,
 * iterations, samples, units] (float32). Both are written with
 * cs_runlog_put_snapshot* at the snapshot being assembled. */
cs_status cs_runlog_declare_relax(cs_runlog_writer *w, size_t iterations, size_t samples, cs_runlog_handle *energy);
cs_status cs_runlog_declare_relax_states(cs_runlog_writer *w, size_t layer, size_t units, cs_runlog_handle *h);
/* The fixed probe set: inputs samples x dim (row-major), labels (samples
 * values >= 0, or NULL for none). Written at once. */
cs_status cs_runlog_set_probe(cs_runlog_writer *w, const float *inputs, size_t samples, size_t dim,
                              const int32_t *labels);

/* Ends the declarations and switches the file to SWMR. Idempotent. */
cs_status cs_runlog_start(cs_runlog_writer *w);

/* The value of series h in the row being assembled (per-step, per-layer or
 * evaluation series). */
cs_status cs_runlog_put(cs_runlog_writer *w, cs_runlog_handle h, double value);
/* Appends the step row (with /steps/step = step); unset values read NaN/-1. */
cs_status cs_runlog_end_step(cs_runlog_writer *w, int64_t step);
/* cs_runlog_put(h[i], values[i]) for i < n, then cs_runlog_end_step(step):
 * one call per step for loops that cross a language boundary (the Python
 * Observer). Nothing is put when a handle is bad. */
cs_status cs_runlog_append_step(cs_runlog_writer *w, int64_t step, size_t n, const cs_runlog_handle *h,
                                const double *values);
/* Appends the evaluation row (with /eval/step = step). */
cs_status cs_runlog_end_eval(cs_runlog_writer *w, int64_t step);
/* One entry (the declared shape, row-major) of snapshot dataset h at the
 * snapshot being assembled; written to the file at once. */
cs_status cs_runlog_put_snapshot(cs_runlog_writer *w, cs_runlog_handle h, const float *data);
cs_status cs_runlog_put_snapshot_f64(cs_runlog_writer *w, cs_runlog_handle h, const double *data);
/* Completes the snapshot: /snapshots/step gets `step`. */
cs_status cs_runlog_end_snapshot(cs_runlog_writer *w, int64_t step);

cs_status cs_runlog_flush(cs_runlog_writer *w);
/* Flushes, closes and frees; safe on NULL. Returns the first error seen. */
cs_status cs_runlog_close(cs_runlog_writer *w);

/* As cs_runlog_close, then marks how the run ended in root attributes
 * "end_state" (e.g. "diverged") and "end_reason" (a sentence), written by
 * reopening the closed file (an SWMR writer cannot add attributes). A log
 * closed by cs_runlog_close has no end_state: it finished normally. */
cs_status cs_runlog_close_marked(cs_runlog_writer *w, const char *end_state, const char *end_reason);

/* ---- reader ---- */

typedef struct {
    int schema_version; /* 1 or 2 */
    char created[64], cogscope_version[32];
    char run_id[40]; /* 32 hex digits; "" when absent */
    /* Conventional /config metadata ("" / 0 / NaN when absent). */
    char rule[32], activation[32], dataset[256], optimizer[32];
    uint64_t seed;
    double lr, momentum, pi_alpha, pi_gamma;
    size_t batch, epochs, log_every;
    size_t layer_count; /* named layers */
    size_t probe_size;  /* 0 = no /probe/inputs */
    size_t probe_dim;   /* columns of /probe/inputs */
    int probe_labels;   /* 1 when /probe/labels exists */
    size_t steps;       /* consistent number of logged steps */
    size_t snapshots;   /* consistent number of snapshots */
    size_t evals;       /* number of evaluations */
    size_t epochs_done; /* epochs with an evaluation */
    size_t relax_iterations, relax_samples, relax_snapshots;
    int live; /* 1 while the writer still has the file open (SWMR) */
    /* 1 when the writer never closed the file and its process is gone (a
     * killed run); the log then holds every row of the writer's last flush.
     * live and interrupted are never both 1; both 0 = closed normally. */
    int interrupted;
    double last_flush_time; /* Unix seconds of the writer's last completed flush; NaN if unknown */
    /* How a closed run ended when it did not finish normally (root attribute
     * "end_state", cs_runlog_close_marked): "diverged", ...; "" otherwise. */
    char end_state[32], end_reason[256];
} cs_runlog_info;

/* What the log holds, one item per dataset the schema gives a meaning to. */
typedef enum {
    CS_RUNLOG_STEP_SERIES = 1,  /* /steps/NAME            [steps] */
    CS_RUNLOG_LAYER_SERIES = 2, /* /layers/LAYER/NAME     [steps] */
    CS_RUNLOG_SNAPSHOT = 3,     /* /layers/LAYER/NAME     [snapshots, ...] */
    CS_RUNLOG_EVAL_SERIES = 4,  /* /eval/NAME             [evals] */
    CS_RUNLOG_RELAX_STATES = 5, /* /relax/LAYER/states    [relax, I, R, units] */
    CS_RUNLOG_RELAX_ENERGY = 6  /* /relax/energy          [relax, I] */
} cs_runlog_kind;

typedef struct {
    cs_runlog_kind kind;
    const char *name;                         /* dataset name: "loss", "activations", "states", ... */
    const char *path;                         /* "/layers/fc1/activations" */
    size_t layer;                             /* layer index for per-layer kinds, else (size_t)-1 */
    int rank;                                 /* rank of one entry: 0 for series */
    uint64_t shape[CS_RUNLOG_ENTRY_RANK_MAX]; /* shape of one entry */
    size_t length;                            /* readable entries now (steps, snapshots, evals or relaxations) */
    char dtype[16];                           /* "float32", "float64", "int32", "int64", ... */
} cs_runlog_item;

typedef struct cs_runlog cs_runlog;

cs_status cs_runlog_open(const char *path, cs_runlog **out);
void cs_runlog_close_reader(cs_runlog *r);
/* Re-read extents of a live file (SWMR refresh), updating the info and the
 * items' lengths (item pointers stay valid). */
cs_status cs_runlog_refresh(cs_runlog *r);
const cs_runlog_info *cs_runlog_get_info(const cs_runlog *r);
/* The path the reader was opened with. */
const char *cs_runlog_path(const cs_runlog *r);

/* Layers: name and units (last axis of "activations", else of the layer's
 * first snapshot dataset, else of its relaxation states; for v1 logs the
 * /config layers entry; 0 when nothing says). NULL / 0 past the end. */
const char *cs_runlog_layer_name(const cs_runlog *r, size_t layer);
size_t cs_runlog_layer_units(const cs_runlog *r, size_t layer);
/* Index of the layer named `name`, or (size_t)-1. */
size_t cs_runlog_layer_find(const cs_runlog *r, const char *name);

/* Items, in a stable order (steps, layers in order, eval, relax). */
size_t cs_runlog_item_count(const cs_runlog *r);
const cs_runlog_item *cs_runlog_item_at(const cs_runlog *r, size_t i);
/* The item of `kind` named `name` (of `layer` for per-layer kinds; layer is
 * ignored otherwise), or NULL. */
const cs_runlog_item *cs_runlog_find(const cs_runlog *r, cs_runlog_kind kind, size_t layer, const char *name);

/* Metadata: every /config attribute (and the v1 fixed ones), strings or
 * numbers, scalars or 1-D arrays. */
typedef struct {
    const char *name;
    int is_string;
    size_t count;               /* elements */
    const char *const *strings; /* count strings when is_string */
    const double *values;       /* count numbers otherwise */
} cs_runlog_meta;
size_t cs_runlog_meta_count(const cs_runlog *r);
const cs_runlog_meta *cs_runlog_meta_at(const cs_runlog *r, size_t i);
const cs_runlog_meta *cs_runlog_meta_find(const cs_runlog *r, const char *name);

/* Numeric scalar /config attribute `name`; CS_EINVAL if absent. */
cs_status cs_runlog_config_param(const cs_runlog *r, const char *name, double *value);
/* The numeric scalar /config attributes without a conventional meaning
 * (a learning rule's hyper-parameters): names i = 0..count-1. */
size_t cs_runlog_config_param_count(const cs_runlog *r);
const char *cs_runlog_config_param_name(const cs_runlog *r, size_t i);

/* Every dataset in the file (also ones this schema does not define), with its
 * current extent; `*list` is a new array of `*n` entries (free()). */
typedef struct {
    char path[256];
    int rank;
    uint64_t dims[4]; /* first `rank` entries; rank > 4 is reported as 4 */
    char type[16];    /* "float32", "float64", "int32", "int64", "uint64", "string", ... */
} cs_runlog_dataset;
cs_status cs_runlog_list_datasets(const cs_runlog *r, cs_runlog_dataset **list, size_t *n);

/* A series item (step, layer or eval series) as `item->length` doubles into
 * a new array (free()). Errors name the file and dataset. */
cs_status cs_runlog_read_series(const cs_runlog *r, const cs_runlog_item *item, double **values, size_t *n);
/* Entry `index` (< item->length) of a snapshot, relaxation-states or energy
 * item as a matrix (allocated; cs_matrix_free): rows = product of all but
 * the entry's last axis, cols = its last axis; [P, U] -> P x U, [I, R, U] ->
 * (I*R) x U iteration-major, [I] -> 1 x I. */
cs_status cs_runlog_read_entry(const cs_runlog *r, const cs_runlog_item *item, size_t index, cs_matrix *out);

/* Conveniences over the items. Each fails with CS_EINVAL naming the file and
 * the missing series when the log has none of that name. */
cs_status cs_runlog_read_steps(const cs_runlog *r, const char *name, double **values, size_t *n);
cs_status cs_runlog_read_eval(const cs_runlog *r, const char *name, double **values, size_t *n);
/* The step of each snapshot (/snapshots/step; /probe/step in v1 logs); when
 * the log has none, the snapshot indices 0..snapshots-1. */
cs_status cs_runlog_read_snapshot_steps(const cs_runlog *r, double **values, size_t *n);
/* Snapshot `snapshot` of dataset `name` ("activations", "errors", ...) of
 * layer `layer` as a matrix (see cs_runlog_read_entry). */
cs_status cs_runlog_read_layer_snapshot(const cs_runlog *r, size_t layer, const char *name, size_t snapshot,
                                        cs_matrix *out);
/* Probe inputs (probe_size x probe_dim) and labels (probe_size ints; free();
 * *labels = NULL when the log has no labels). CS_EINVAL when no probe. */
cs_status cs_runlog_read_probe(const cs_runlog *r, cs_matrix *inputs, int32_t **labels);
/* Relaxation `snapshot` of layer `layer`: states (relax_iterations *
 * relax_samples) x units, iteration-major; energy relax_iterations doubles
 * (free()). */
cs_status cs_runlog_read_relaxation(const cs_runlog *r, size_t layer, size_t snapshot, cs_matrix *states,
                                    double **energy);

#ifdef __cplusplus
}
#endif
#endif

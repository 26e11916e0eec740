/* The metric table (metric_table.c): every metric `cogscope analyze`
 * computes, one entry each, and the run-log series the report draws beside
 * them. Not a public header: cogscope/observe.h gives a read-only view
 * (cs_obs_metric_info) to the CLI and the bindings.
 *
 * An entry says what a metric is (name, HDF5 path, shape, units, one-line
 * meaning, the flag that can mark its values, what a within-run mean of it
 * counts), which computation writes it (the task, and for snapshot tasks
 * the field of the task's row its values go to), and how reports present it
 * (title, section, drawing, summary column). The analysis allocates and
 * writes its arrays by walking the table; the metrics-file writer takes the
 * units and description from it; report (text, JSON, CSV, HTML) and info
 * look names, units, meanings and flags up in it. docs/architecture.md, "The
 * metric table", says how to add one. */
#ifndef COGSCOPE_METRIC_TABLE_H
#define COGSCOPE_METRIC_TABLE_H

#include <stddef.h>

#include "cogscope/observe.h"

/* The layout of a metric's values (its dataset's dims). S: snapshots, R:
 * relaxations; the others are analysis parameters or data sizes. */
typedef enum {
    OBS_SHAPE_SCALAR = 0,      /* [1] */
    OBS_SHAPE_TWO,             /* [2] (a range, two counts) */
    OBS_SHAPE_STEPS,           /* [steps] one per logged training step */
    OBS_SHAPE_EPOCHS,          /* [epochs] */
    OBS_SHAPE_WINDOWS,         /* [windows] ∫PI windows */
    OBS_SHAPE_FREQS,           /* [frequencies] */
    OBS_SHAPE_FIT,             /* [fitted frequencies] */
    OBS_SHAPE_PEAKS,           /* [peaks, 3] */
    OBS_SHAPE_SNAP,            /* [S] */
    OBS_SHAPE_SNAP_UNITS,      /* [S, unit cap] */
    OBS_SHAPE_SNAP_MULTIPLETS, /* [S, multiplets] */
    OBS_SHAPE_SNAP_SUMMARY,    /* [S, 6]: mean, q05, median, q95, fraction < 0, count */
    OBS_SHAPE_SNAP_PAIRS,      /* [S, pid_pairs] */
    OBS_SHAPE_SNAP_PAIR_UNITS, /* [S, pid_pairs, 2] */
    OBS_SHAPE_SNAP_ATOMS,      /* [S, 16] PhiID atoms */
    OBS_SHAPE_RELAX,           /* [R] */
    OBS_SHAPE_RELAX_ATOMS,     /* [R, 16] */
    OBS_SHAPE_RELAX_FREQS,     /* [R, frequencies] */
    OBS_SHAPE_LOG,             /* a run-log series (not in the metrics file) */
    OBS_SHAPE_VIEW             /* a series the report derives from another metric */
} obs_shape;

/* When a metric is written beyond its group being asked for. */
enum { OBS_WHEN_SURROGATES = 1u << 0 /* only with --surrogates N > 0 */ };

/* Report drawing (the `draw` bits). */
enum {
    RM_SMOOTH = 1u << 0,  /* per-step and noisy: drawn smoothed over a faint raw trace */
    RM_LOG_TOO = 1u << 1, /* drawn a second time on a log y axis */
    RM_LOGY = 1u << 2,    /* drawn on a log y axis only */
    RM_PVALUE = 1u << 3,  /* a p-value: log y axis with the 0.05 line */
    RM_HIDDEN = 1u << 4,  /* exported, not charted (bookkeeping: unit counts, sizes) */
    RM_NO_CSV = 1u << 5,  /* not a tidy row (frequency-domain, relaxation trajectories) */
    RM_LOGX = 1u << 6,    /* spectra: log-log */
    RM_BAND_Q = 1u << 7,  /* quantile band: q05..q95 around the median (metric NAME_median) */
};

/* Summary column statistics of one run's series. */
typedef enum { RM_SUM_NONE = 0, RM_SUM_LAST, RM_SUM_MEAN, RM_SUM_SCALAR } rm_sum;

typedef struct obs_task obs_task;

typedef struct obs_metric {
    /* what it is */
    const char *name; /* key in reports, CSV, JSON: "ixt", "sigmapi.integral",
                         "spectra.{series}.exponent" ({...}: one per series, pair) */
    const char *path; /* dataset below /analysis/: "layers/{layer}/ixt"; NULL: not
                         in the metrics file (a run-log series, a report view) */
    obs_shape shape;
    const char *units;       /* the dataset's "units" attribute */
    const char *description; /* one line: the dataset's "description" attribute */
    const char *flag;        /* the flag metric that can mark its values ("binned_saturated") */
    const char *flag_word;   /* a flag metric: what it says in a word ("saturated") ... */
    const char *flag_says;   /* ... and in a phrase, for the text report */
    const char *within;      /* a within-run mean of it (NaN-aware, "n valid of n") counts
                                these ("top pairs"); rank 2: over the last snapshot's row */
    const char *within_key;  /* that mean's name in reports ("omega_mean_last"; per layer:
                                "layers/L/" + it) */
    /* what computes it */
    unsigned group;       /* CS_OBS_* groups that write it (any of them) */
    unsigned when;        /* OBS_WHEN_* */
    const obs_task *task; /* the computation (obs_tasks.h) */
    size_t field;         /* snapshot tasks: offset of its pointer in the task's row */
    /* how reports present it (title NULL: the file's description, generic drawing) */
    const char *title;
    const char *section; /* HTML section id (metric_table.c lists them in order) */
    unsigned draw;       /* RM_* */
    rm_sum summary;      /* summary-table statistic (RM_SUM_NONE: not a summary column) */
    const char *summary_title;
    int higher_is; /* +1 higher is better, -1 lower, 0 neither (the Δ colour) */
} obs_metric;

typedef struct {
    const char *id, *title, *explain;
} rm_section;

/* Entries in table order; NULL past the end. */
const obs_metric *obs_metric_at(size_t i);
size_t obs_metric_count(void);
/* The entry whose name is `name` (placeholders match any text without '.'
 * or '/'); NULL if none. */
const obs_metric *obs_metric_find(const char *name);
/* The entry whose path pattern matches `path` (absolute, "/analysis/..."),
 * and the text its placeholder stands for (sub, may be NULL); NULL if none. */
const obs_metric *obs_metric_of_path(const char *path, char *sub, size_t n);
/* "/analysis/" + the entry's path with its placeholder replaced by `sub`. */
cs_status obs_metric_path(const obs_metric *e, const char *sub, char *out, size_t n);

/* Store values of entry e (its units and description; desc != NULL
 * replaces the description when the text depends on the parameters). */
cs_status obs_put(cs_metrics *m, const obs_metric *e, const char *sub, size_t rank, const size_t *dims,
                  const double *v, const char *desc);
/* The same for the entry named `name` (exactly, placeholders included);
 * CS_EINVAL if the table has no such entry (a metric computed but not
 * declared). obs_put1: rank 1, n values. */
cs_status obs_put_named(cs_metrics *m, const char *name, const char *sub, size_t rank, const size_t *dims,
                        const double *v);
cs_status obs_put1(cs_metrics *m, const char *name, const char *sub, size_t n, const double *v);
/* The array of entry `name` in m (sub for its placeholder); NULL if absent. */
const cs_metrics_array *obs_metric_get(const cs_metrics *m, const char *name, const char *sub);

/* The per-step series whose spectra the analysis computes, in order. */
extern const char *const obs_spectra_series[4];

/* ---- the report's view of the table ---- */

/* The entry of a report metric key with a title; a generic entry (by the
 * key's form: p-values, spectra, coherence, ...; section "other" otherwise)
 * for keys without one: never NULL. */
const obs_metric *rm_table_find(const char *name);
/* The same for a series of the run log: unknown names are per-layer
 * training series (section "layers", smoothed). */
const obs_metric *rm_table_find_log(const char *name);
/* Entries in table order (charts, summary columns); NULL past the end. */
const obs_metric *rm_table_at(size_t i);
const rm_section *rm_section_at(size_t i);

#endif

/* The report model behind every report format (text, JSON, CSV, HTML).
 *
 * cs_report_create reads each run log and its metrics file once into tidy
 * series: one rm_series per (run, metric, layer), each a list of (x, value,
 * flag) with the metric's units. Which metrics exist, how they are titled,
 * drawn and summarised comes from the metric table (metric_table.c):
 * known names get their entry, any other dataset of a metrics file gets a
 * generic one, so a metric added to `analyze` shows up in every format with
 * no report code. The writers only walk the model. */
#ifndef COGSCOPE_REPORT_INTERNAL_H
#define COGSCOPE_REPORT_INTERNAL_H

#include "cogscope/report.h"
#include "cogscope/summary.h"
#include "metric_table.h"

/* What the x of a series is. */
typedef enum {
    RM_STEP = 0, /* one value per logged training step; x = step */
    RM_EPOCH,    /* one value per evaluation (end of an epoch); x = step of the evaluation */
    RM_SNAPSHOT, /* one value per probe snapshot; x = snapshot step */
    RM_INDEX,    /* x = 0, 1, ... (relaxation iteration, relaxation number) */
    RM_FREQ,     /* x = frequency (spectra, coherence) */
    RM_SCALAR    /* one value for the whole run; x = NaN */
} rm_kind;

/* The report's entries of the metric table (metric_table.h): title,
 * section, drawing, summary column. */
typedef obs_metric rm_def;

typedef struct {
    char metric[96]; /* plain key */
    size_t layer;    /* 1 + the log's layer index for a layer's metric; 0: the whole network */
    rm_kind kind;
    size_t n;
    double *x;           /* n: see rm_kind (NULL for RM_SCALAR) */
    double *y;           /* n values; NaN = not computed */
    unsigned char *flag; /* n or NULL: nonzero = flagged by the analysis */
    char flag_name[48];  /* what the flag says ("saturated", ...) */
    char units[24];
    char description[240];
    const rm_def *def;
} rm_series;

typedef struct {
    char key[48], value[96];
} rm_kv;

typedef struct {
    const cs_runlog *log;
    const cs_metrics *m;
    cs_runlog_info info;
    char file[512], mfile[512], label[160];
    size_t group;
    double *step, *epoch; /* n_steps: the /steps/step and /steps/epoch map (x conversions) */
    double *xepoch;       /* n_steps: fractional epochs completed after each step */
    size_t n_steps;
    rm_series *s;
    size_t ns, cap;
    cs_summary sum; /* best and final accuracy (cogscope/summary.h) */
    rm_kv *cfg;     /* every hyper-parameter as text (seed excluded) */
    size_t ncfg;
} rm_run;

typedef struct {
    char name[160];
    size_t *members;
    size_t n;
} rm_group;

struct cs_report {
    cs_report_options opt;
    char plane_metric[96]; /* opt.plane_metric, copied */
    rm_run *runs;
    size_t nr;
    rm_group *groups;
    size_t ng;
    size_t reference; /* group differences are taken against */
};

/* ---- model (report_model.c) ---- */
cs_status rm_run_load(rm_run *r, const cs_report_run *in);
void rm_run_free(rm_run *r);
/* Metrics arrays that are the x of others (step, epoch, freq, *_freq, ...). */
int rm_is_axis(const char *leaf);
const rm_series *rm_run_find(const rm_run *r, const char *metric, size_t layer);
/* The log's name of layer index `layer` (1-based, as rm_series.layer); "" for 0. */
const char *rm_layer_name(const rm_run *r, size_t layer);
/* Highest layer number in any series of the report. */
size_t rm_max_layer(const cs_report *rep);

/* ---- groups (report_group.c; the report itself, report.c, loads the runs
 * with the model, then groups them) ---- */
cs_status rm_group_runs(cs_report *rep, const cs_report_run *in);
/* x of a run's training step in the report's axis (epochs: fractional epochs
 * completed; samples: (step + 1) * batch; steps: the step). */
double rm_axis(const cs_report *rep, const rm_run *r, double step);
const char *rm_axis_label(const cs_report *rep);

/* A group's series: mean over the runs with a 95 % t interval, on the
 * x grid of the group's first run that has the series (in axis units). */
typedef struct {
    size_t n;
    double *x, *mean, *lo, *hi, *raw; /* raw: mean of the unsmoothed values (smoothed series only) */
    size_t *count;                    /* runs with a value at each x */
    unsigned char *flag;              /* any run flagged there */
    size_t runs;                      /* runs that have the series */
    char flag_name[48];
    char units[24];
} rm_agg;
cs_status rm_aggregate(const cs_report *rep, size_t group, const char *metric, size_t layer, int smooth, rm_agg *out);
void rm_agg_free(rm_agg *a);

/* One number per run (the table's statistic) pooled over a group. */
typedef struct {
    double mean, lo, hi, sd;
    size_t n, of;       /* valid values, runs */
    size_t flagged;     /* runs whose value the analysis flagged (rm_pool) */
    char flag_name[48]; /* what the flag says ("no_power_law", ...) */
} rm_pooled;
void rm_pool(const cs_report *rep, size_t group, const rm_def *d, const char *metric, size_t layer, rm_pooled *out);
/* The per-run statistic: last finite value, mean of finite values, or the scalar. */
double rm_run_stat(const rm_run *r, const rm_def *d, const char *metric, size_t layer);
/* Means within one run over values that may be NaN, with their counts (the
 * ΣPI mean over steps, Φ_R over relaxations, the last Ω over the top pairs,
 * the last triplet O-informations): for the text detail and the JSON's
 * "aggregates". Returns how many were written (at most max). */
typedef struct {
    char name[96];
    double mean;
    size_t valid, total;
    const char *of; /* what is counted */
} rm_within;
size_t rm_within_run_aggregates(const cs_metrics *m, rm_within *out, size_t max);

/* ---- statistics (report_stats.c) ---- */
/* Mean of the finite values among v[0], v[stride], ... (n of them); NaN if none. */
double rm_finite_mean(const double *v, size_t n, size_t stride);
/* Mean ± t_{0.975,n-1} s / sqrt(n) over the finite values of v[0..n). */
void rm_mean_ci(const double *v, size_t n, rm_pooled *out);
/* Welch's two-sided t test p-value of two pooled groups (NaN when n < 2). */
double rm_welch_p(const rm_pooled *a, const rm_pooled *b);
/* EMA of span w steps (alpha = 2 / (w + 1)), bias-corrected at the start;
 * NaN values are skipped and stay NaN. */
void rm_ema(const double *y, size_t n, double span, double *out);
/* ---- more of the grouping (report_group.c) ---- */
/* The smoothing span (steps) of a run: opt.smooth, or a quarter of its mean
 * steps per epoch when opt.smooth < 0. */
double rm_span(const cs_report *rep, const rm_run *r);

/* The summary columns: the table's summary entries that some run has,
 * one per layer for layer metrics. */
typedef struct {
    const rm_def *d;
    size_t layer;
    char title[96];
    int pct; /* a fraction shown in % */
} rm_col;
size_t rm_summary_columns(const cs_report *rep, rm_col *cols, size_t max);

/* ---- shared text helpers ---- */
/* "0.9621 ± 0.0040" (or "–"); n_of appended as " (n 3)" when n < of. */
void rm_fmt_pooled(char *buf, size_t n, const rm_pooled *p, int pct);
/* "+1.23*": group minus reference mean, * when Welch's p < 0.05. */
void rm_fmt_delta(char *buf, size_t n, const rm_pooled *g, const rm_pooled *ref, int pct);
/* Configuration keys of any run (first-seen order) and whether a key's
 * value differs between the runs compared. */
size_t rm_config_keys(const cs_report *rep, const char **keys, size_t max);
int rm_config_differs(const cs_report *rep, const char *key);
/* The value of configuration key (or "seed") in group g: one value, or
 * "a|b" when its runs differ; "–" for runs without the key. */
void rm_group_value(const cs_report *rep, size_t g, const char *key, char *buf, size_t n);
/* "attributes": {...}, "notes": [...] of an analysis (report_metrics.c). */
void rm_json_attributes_notes(cs_json *j, const cs_metrics *m);
/* ---- the CSV row (report_csv.c) ---- */
/* The logged epoch of a training step (of the last logged step at or
 * before it), and the samples seen by its end; NaN for a NaN step. */
double rm_epoch_of(const rm_run *r, double step);
double rm_samples_of(const rm_run *r, double step);
/* Write a CSV field (quoted when it holds , " or a line break). */
void rm_csv_field(FILE *out, const char *s);
/* One CSV row of run r: step (NaN: run-level), layer (0: none), metric,
 * value (NaN: empty and flagged not_computed unless flag is given), units,
 * flag ("" for none). */
void rm_csv_row(FILE *out, const cs_report *rep, const rm_run *r, double step, size_t layer, const char *metric,
                double value, const char *units, const char *flag);

/* ---- the PI x Omega plane (report_plane.c) ---- */
/* Quadrants of the plane at the report's thresholds (high PI: PI >= plane_pi;
 * low Omega: Omega < plane_omega); RM_Q_NONE when a coordinate is missing. */
enum { RM_Q_NONE = 0, RM_Q_INTEGRATED, RM_Q_CLEVER_IDIOT, RM_Q_UNLEARNED, RM_Q_INTEGRATING };
int rm_plane_quadrant(double omega, double pi, double omega_thr, double pi_thr);
const char *rm_plane_quadrant_name(int q);
/* One run's trajectory at one layer: the snapshots of its Omega series,
 * with the training and held-out PI at the same steps; the end point is the
 * last snapshot with both Omega and training PI. n = 0: no plane. */
typedef struct {
    size_t n;
    double *step, *omega, *pi, *pi_eval; /* n each (one allocation: step) */
    double end_step, end_omega, end_pi, end_eval, end_gap;
    int quadrant; /* of the end point */
} rm_plane;
cs_status rm_plane_of(const cs_report *rep, const rm_run *r, size_t layer, rm_plane *out);
void rm_plane_free(rm_plane *p);
/* The plane in each format: a text block (end points, flags, trajectories),
 * the JSON object "plane", CSV rows of the end points, the HTML flags
 * (a warning paragraph per flagged run) and the charts of the section. */
cs_status rm_plane_text(FILE *out, const cs_report *rep);
cs_status rm_plane_json(cs_json *j, const cs_report *rep);
cs_status rm_plane_csv(FILE *out, const cs_report *rep);
cs_status rm_plane_html_flags(FILE *out, const cs_report *rep);
cs_status rm_plane_html(FILE *out, const cs_report *rep);

#endif

/* Internals of cs_obs_analyze (analyze*.c): the computations ("tasks") the
 * metric table names, the per-layer result store the table lays out, and
 * the pieces the serial analysis and the distributed jobs share. Not a
 * public header.
 *
 * The run is analysed in this order (notes follow it): ΣPI and the spectra
 * of the per-step series; snapshot by snapshot, for every layer, the
 * snapshot tasks of obs_snapshot_tasks (in parallel); the coherence across
 * snapshots; relaxation by relaxation (EP, PC) PhiID, PSD and coherence. */
#ifndef COGSCOPE_ANALYZE_INTERNAL_H
#define COGSCOPE_ANALYZE_INTERNAL_H

#include <stdint.h>

#include "cogscope/omega.h"
#include "metric_table.h"
#include "observe_internal.h"

/* ---- the computations ---- */

typedef enum { OBS_SCOPE_RUN = 0, OBS_SCOPE_SNAPSHOT, OBS_SCOPE_RELAX } obs_scope;

/* What a snapshot task gets: one layer at one snapshot. */
typedef struct {
    const obs_probe *probe; /* inputs and labels (information plane, PID) */
    cs_matrix act, prev;    /* the layer at this snapshot (N x units) and at the one before */
    cs_matrix err, ref;     /* its `errors` and `reference_errors` (N x units) when the teaching
                               group is asked for and the log has them; else 0 x 0 */
    cs_matrix next;         /* the next analysed layer at this snapshot (tasks with needs_next;
                               0 x 0 for the last layer) */
    const size_t *order;    /* the layer's units in preference order (the run's one unit set) */
    size_t cap;             /* units used at most: the width of OBS_SHAPE_SNAP_UNITS */
    const cs_obs_params *p;
    uint64_t stream; /* random stream id of (layer, snapshot, task) */
} obs_snap_in;

/* A snapshot task writes its metrics' values at this snapshot through its
 * row: a struct of `double *`, one per table entry of the task (the entry's
 * `field`), each pointing at that metric's [width] values of the snapshot.
 * A failure other than CS_ENOMEM becomes a note, not an error; note (n
 * bytes) may receive a remark on success too. */
typedef cs_status (*obs_snap_fn)(const obs_snap_in *in, void *row, char *note, size_t n);

struct obs_task {
    const char *name;     /* as notes name it ("information plane") */
    const char *function; /* the function that computes it (docs, `cogscope info --metrics`) */
    unsigned group;       /* CS_OBS_* groups that run it */
    obs_scope scope;
    /* snapshot tasks */
    obs_snap_fn run;
    size_t row_size; /* sizeof its row */
    int from_second; /* needs the previous snapshot: runs from snapshot 1 on */
    int needs_next;  /* reads the next analysed layer at the same snapshot (obs_snap_in.next) */
};

/* Rows of the snapshot tasks (analyze_tasks.c). */
typedef struct {
    double *ixt_binned, *ity_binned, *ixt, *ity, *saturated, *bins, *states, *clamped, *ixt_p, *ity_p;
} obs_ip_row;
typedef struct {
    double *tc, *dtc, *oinfo, *sinfo, *tse, *n_units, *n_tse_units, *units, *tc_p, *dtc_p, *oinfo_p;
    double *o3, *o4, *o3_summary, *o4_summary;
} obs_integ_row;
typedef struct {
    double *pairs, *mi, *redundancy, *unique1, *unique2, *synergy, *omega, *omega_mean, *synergy_mean;
} obs_pid_row;
typedef struct {
    double *phi_wms, *phi_r, *atoms;
} obs_phiid_row;
typedef struct {
    double *ity, *itd, *ref_mi, *zero, *ref_same, *clamped, *dims, *ity_p, *itd_p, *ref_p;
    double *pid_mi, *pid_red, *pid_unq_act, *pid_unq_err, *pid_syn, *pid_omega, *pid_bad, *pid_flags, *pid_syn_p;
    double *om, *om_syn, *om_mi, *om_bad, *om_flags, *om_p;
} obs_teach_row;

/* The teaching-signal measures of one layer at one snapshot (teaching.c). */
typedef struct {
    double ity, itd, ref_mi;    /* I(δ;Y), I(T;δ), I(δ;δ_BP), nats; NaN when not measured */
    double ity_p, itd_p, ref_p; /* permutation p-values (with surrogates) */
    int zero;                   /* δ has no variance: nothing measured */
    int ref_same;               /* δ_BP is δ to float32 precision: I(δ;δ_BP) not a comparison, NaN */
    int ity_clamped;            /* the mixed I(δ;Y) left [0, H(Y)] and is the bound */
    size_t err_dims;            /* principal components of δ used */
    cs_omega_result pid;        /* PID of (T, δ) about Y: sources A = T, B = δ */
    cs_omega_result omega;      /* Ω of δ about Y (the error signal as a layer) */
    int pid_done;               /* pid and omega were computed */
    char note[400];             /* the measures the data made impossible, and why ("" none) */
} obs_teaching_result;
/* act, err (N x units; err 0 x 0: none logged, an error), ref (N x units or
 * 0 x 0: no reference) of one layer against the probe's labels. */
cs_status obs_teaching(const obs_probe *pr, cs_matrix act, cs_matrix err, cs_matrix ref, const cs_obs_params *p,
                       uint64_t stream, obs_teaching_result *out);
/* Snapshot s of the layer's `errors` and `reference_errors` into err, ref
 * (freed first; 0 x 0 when the log has none); a bp run's reference is a
 * copy of its errors. */
cs_status obs_read_errors(const cs_runlog *run, size_t layer, size_t s, cs_matrix *err, cs_matrix *ref);

/* Omega of the whole layer (layer_omega.c): about the label, about the next layer's state. */
typedef struct {
    double *omega, *synergy, *mi, *p, *flags, *next_omega, *next_synergy, *next_mi, *next_p, *next_flags;
} obs_omega_row;

/* Snapshot tasks (analyze_tasks.c), in the order they run for each layer;
 * the index seeds each task's random stream, so new tasks go at the end. */
extern const obs_task obs_task_infoplane, obs_task_integration, obs_task_pid, obs_task_phiid, obs_task_teaching,
    obs_task_omega;
extern const obs_task *const obs_snapshot_tasks[];
extern const size_t obs_n_snapshot_tasks;
/* Run-level and relaxation tasks (analyze_tasks.c too; their functions:
 * the task's `function`). */
extern const obs_task obs_task_sigmapi, obs_task_spectra, obs_task_snapshots, obs_task_coherence,
    obs_task_relax_phiid, obs_task_relax_psd, obs_task_relax_coherence;

/* ---- shared by the analysis and the jobs (analyze_common.c) ---- */

/* p->progress, if set, hears done of total. */
void obs_report_progress(const cs_obs_params *p, size_t done, size_t total);
/* The layers with [sample, unit] activation snapshots (*L of them, indices
 * into the run's layers in lay[]), their sample count *N and the snapshot
 * count *S all of them have. */
cs_status obs_snapshot_layers(const cs_runlog *run, size_t **lay, size_t *L, size_t *N, size_t *S);
/* The metrics of `asked` the log can give, its analysed layers being L; a
 * sentence per metric dropped into skipped[(*n_skipped)++] (room for 4). */
unsigned obs_possible_metrics(const cs_runlog *run, unsigned asked, size_t L, char skipped[][400], size_t *n_skipped);

/* NaN-filled arrays freed together. */

typedef struct {
    double **ptr;
    size_t *len; /* entries of each array */
    size_t n, cap;
} obs_arena;

double *obs_arena_nan(obs_arena *a, size_t count);
void obs_arena_free(obs_arena *a);

/* Per-layer results of the snapshot tasks. */

typedef struct {
    size_t units;    /* layer width */
    size_t cap;      /* units used at most */
    size_t *order;   /* seeded preference order of the units (then the one unit set) */
    double **v;      /* per table entry of a snapshot task: [S x width] values; else NULL */
    double *meanact; /* [S x N] mean over units per probe sample (coherence) */
    size_t fixed;    /* units of the run's one unit set (obs_fix_units) */
} obs_layer_store;

/* One task of one layer at one snapshot. */
typedef struct {
    size_t kind;  /* index in obs_snapshot_tasks */
    size_t layer; /* 1-based index of the run's layer (seeds the task's random stream) */
    size_t slot;  /* index in the analysed layers */
    cs_status st;
    char note[512];
} obs_task_run;

/* Whether a table entry is written by a snapshot task. */
int obs_is_snapshot_metric(const obs_metric *e);
/* Values per snapshot of a snapshot metric (its shape's width). */
size_t obs_snap_width(const obs_metric *e, const obs_layer_store *ls, const cs_obs_params *p);
cs_status obs_alloc_layer(obs_arena *a, obs_layer_store *ls, size_t units, size_t S, size_t N, const cs_obs_params *p,
                          size_t layer);
void obs_layer_store_free(obs_layer_store *ls);
cs_status obs_fix_units(const cs_runlog *run, obs_layer_store *ls, size_t layer, size_t S, const cs_obs_params *p);
/* The tasks of snapshot s, in the order they are numbered (and their notes
 * recorded): for each analysed layer (lay[0..L)), the tasks asked for. */
size_t obs_snapshot_task_list(unsigned mk, size_t L, const size_t *lay, size_t s, obs_task_run *tasks);
/* The layer's data at one snapshot: activations, the previous snapshot's,
 * errors and reference errors, the next analysed layer's activations (0 x 0
 * when not read). */
typedef struct {
    cs_matrix act, prev, err, ref, next;
} obs_layer_data;
void obs_run_task(obs_task_run *t, obs_layer_store *ls, size_t s, const obs_probe *pr, const obs_layer_data *d,
                  const cs_obs_params *p);

/* ---- the snapshot loop (analyze_snapshots.c), called by analyze.c ---- */

/* What the snapshot loop works on: the analysed layers (lay[0..L) index the
 * run's layers), probe samples N, snapshots S, threads. */
typedef struct {
    size_t L;
    const size_t *lay;
    size_t N, S;
    int nthreads;
} obs_snap_plan;
/* cs_obs_analyze_merge: the jobs' results, and the next job to take. */
typedef struct {
    const double *const *results;
    const size_t *lens;
    size_t n_results, job;
} obs_merge;
/* Snapshot steps, the snapshot tasks of every layer (run here, or taken
 * from `merge` when not NULL), their metrics, the coherence across
 * snapshots; progress after each snapshot. */
cs_status obs_analyze_snapshots(const cs_runlog *run, cs_metrics *m, const cs_obs_params *p, const obs_snap_plan *pl,
                                obs_merge *merge, size_t *done, size_t total);
/* Every snapshot metric of one layer into m, in table order. */
cs_status obs_store_layer(cs_metrics *m, const obs_layer_store *ls, const char *layer, size_t S,
                          const cs_obs_params *p);

/* ---- the run's steps (analyze_sigmapi.c, analyze_relax.c), called by analyze.c ---- */

/* ΣPI and the spectra of the per-step series. */
cs_status obs_analyze_steps(const cs_runlog *run, cs_metrics *m, const cs_obs_params *p, double alpha, double gamma);
cs_status obs_analyze_relax(const cs_runlog *run, cs_metrics *m, const cs_obs_params *p, int nthreads, size_t *done,
                            size_t total);
/* IPWT (analyze_ipwt.c): training and evaluation PI per snapshot and their
 * gap ("plane." entries); each analysed layer's error-norm and activation-
 * variance series over the snapshots, their spectra and the coherence of
 * every pair of layers' error-norm series. */
extern const obs_task obs_task_plane, obs_task_teach_osc;
cs_status obs_analyze_plane(const cs_runlog *run, cs_metrics *m);
cs_status obs_analyze_teach_osc(const cs_runlog *run, cs_metrics *m, const size_t *lay, size_t L, size_t S);

/* The job result of analyze_jobs.c applied to a merging analysis. */
cs_status obs_job_apply(obs_task_run *t, obs_arena *a, const double *r, size_t len);

/* OpenBLAS's own thread count (its pthread pool). */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

#endif

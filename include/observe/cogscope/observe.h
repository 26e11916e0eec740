/* The analysis pipeline over run logs (`cogscope analyze`): for every probe
 * snapshot and layer the information plane, integration (TC, DTC, TSE),
 * synergy (O-information and its distribution over random multiplets, PID of
 * neuron pairs about the label), PhiID of relaxation dynamics and of
 * consecutive snapshots; spectra of the per-step series; ΣPI recomputed with
 * variants, per-epoch means and ∫PI. Formulas: docs/metrics.md, "Analysis
 * pipeline"; the /analysis file layout: docs/schema.md; usage: docs/observe.md.
 *
 * Results go into a cs_metrics (cogscope/metrics.h: named double arrays
 * with units and a description, attributes and notes, read and written as
 * one HDF5 file by the io layer). Which arrays the analysis writes, with
 * their paths, shapes, units and meanings, is the metric table below
 * (cs_obs_metric_at); reports read the table and the file, so every number
 * the analysis computes is reachable by its path ("/analysis/layers/1/oinfo").
 *
 * The pipeline never stops on a measure that cannot be computed for one
 * snapshot (a singular covariance, a fit that does not converge): the value
 * is NaN and a note naming the measure, layer and snapshot and the reason is
 * added. It fails (returns an error) only for what makes the whole request
 * impossible: unreadable logs, bad parameters, no probe snapshots when a
 * snapshot measure was asked for.
 *
 * All information values are in nats. Randomness (unit subsampling, random
 * multiplets, surrogates, KSG tie-breaking noise) comes from
 * cs_rng_create_stream(seed, id) with a fixed id per use, so results depend on
 * the seed only, not on the thread count. The library never prints: progress
 * is reported through a callback. */
#ifndef COGSCOPE_OBSERVE_H
#define COGSCOPE_OBSERVE_H

#include <stdint.h>

#include "cogscope/core.h"
#include "cogscope/estimator.h"
#include "cogscope/metrics.h"
#include "cogscope/pid.h"
#include "cogscope/runlog.h"
#include "cogscope/surrogate.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- analysis parameters ------------------------------------------------ */

/* The estimator of the continuous information-plane values and of the
 * synergy and integration measures is a cs_info_estimator of the estimator
 * registry (cogscope/estimator.h): gcopula, gaussian, ksg1 ("ksg") or
 * discrete ("binned"); docs/metrics.md says which measure each one maps to
 * when the library has no such estimator (e.g. no KSG O-information). The
 * analysis spells it cs_info_estimator_label (the alias) in its outputs. */

/* Metric groups (--metrics LIST): bit flags. */
enum {
    CS_OBS_INFOPLANE = 1u << 0,   /* I(X;T), I(T;Y): binned and continuous */
    CS_OBS_INTEGRATION = 1u << 1, /* TC, DTC, O-information, S-information, TSE of each layer */
    CS_OBS_OINFO = 1u << 2,       /* O-information over random multiplets of orders 3 and 4 */
    CS_OBS_PID = 1u << 3,         /* PID of the top neuron pairs about the label, mean Omega */
    CS_OBS_PHIID = 1u << 4,       /* Phi_WMS, Phi_R of relaxation and of consecutive snapshots */
    CS_OBS_SPECTRA = 1u << 5,     /* Welch PSD + aperiodic fits, relaxation PSD, coherence */
    CS_OBS_SIGMAPI = 1u << 6,     /* PI variants, per-epoch means, ∫PI */
    CS_OBS_TEACHING = 1u << 7,    /* the teaching signal: I(δ;Y), I(T;δ), I(δ;δ_BP), PID and Ω of δ */
    CS_OBS_ALL = (1u << 8) - 1,
    /* What analyze computes unless told (--metrics): every group (each one
     * computes what the log allows and notes what it skipped). */
    CS_OBS_DEFAULT = CS_OBS_ALL
};
/* The measures that need probe snapshots. */
#define CS_OBS_NEEDS_SNAPSHOTS                                                                                       \
    (CS_OBS_INFOPLANE | CS_OBS_INTEGRATION | CS_OBS_OINFO | CS_OBS_PID | CS_OBS_PHIID | CS_OBS_TEACHING)

/* Parse a comma-separated list of "infoplane", "integration", "oinfo", "pid",
 * "phiid", "spectra", "sigmapi", "teaching", "synergy" (= oinfo,pid),
 * "default" (every group but teaching) and "all". An unknown name gives
 * CS_EINVAL naming it and listing the known ones. */
cs_status cs_obs_metrics_parse(const char *list, unsigned *mask);
/* The name of one flag ("infoplane", ...); NULL for anything else. */
const char *cs_obs_metric_name(unsigned flag);

/* ---- the metric table ----------------------------------------------------
 * Every metric cs_obs_analyze writes, one entry each, and the run-log series
 * reports draw beside them: the one table (src/observe/metric_table.c) the
 * analysis writes its arrays from and reports, `cogscope info` and the
 * bindings read names, units and meanings from. docs/architecture.md says
 * how to add a metric. A read-only view: */
typedef struct {
    const char *name;        /* key in reports, CSV and JSON: "ixt", "sigmapi.integral",
                                "spectra.{series}.exponent" ({...}: one per series or layer pair) */
    const char *path;        /* dataset below /analysis/ in the metrics file: "layers/{layer}/ixt";
                                NULL: not in the metrics file (a run-log series, a series the
                                report derives from another metric) */
    const char *shape;       /* its dims in words: "[snapshot]", "[snapshot, pid_pairs, 2]", ... */
    const char *units;       /* NULL when not in the metrics file */
    const char *description; /* one line: what it means (the dataset's description) */
    const char *flag;        /* the flag metric that can mark its values ("binned_saturated"), or NULL */
    const char *within;      /* reports give a NaN-aware mean of it over these, with "n valid of
                                n" ("top pairs"), or NULL */
    unsigned groups;         /* the CS_OBS_* groups (--metrics) that compute it; 0: run log */
    int needs_surrogates;    /* written only with surrogates > 0 */
    const char *computed_by; /* the function that computes it; NULL for run-log series */
    const char *title;       /* the report's title, or NULL (the description is used) */
} cs_obs_metric_info;

/* Entries in table order. cs_obs_metric_get: CS_EINVAL past the end. */
size_t cs_obs_metric_count(void);
cs_status cs_obs_metric_get(size_t i, cs_obs_metric_info *out);
/* The entry of a metrics-file dataset ("/analysis/layers/1/ixt"); CS_EINVAL
 * (naming the path) when the table has none (a file from another version). */
cs_status cs_obs_metric_of_path(const char *path, cs_obs_metric_info *out);

/* ΣPI variants (docs/metrics.md, "PI variants", with their sources):
 *   sigmapi  exp(-alpha ((1 - gamma) eps / (tau + 1e-9) + gamma S))  (SigmaPI, the logged PI)
 *   ipwt     exp(-alpha (eps / (tau + 1e-9) + gamma S))              (IPWT, one channel)
 *   ars      exp(-(alpha tau + gamma S)), optionally EMA-smoothed     (dmf-archive/ARS) */
typedef enum { CS_PI_SIGMAPI = 0, CS_PI_IPWT, CS_PI_ARS } cs_pi_variant;
const char *cs_pi_variant_name(cs_pi_variant v);
cs_status cs_pi_variant_parse(const char *name, cs_pi_variant *out);

typedef struct {
    unsigned metrics;                 /* CS_OBS_* flags (default CS_OBS_DEFAULT) */
    cs_info_estimator estimator;      /* default gcopula; not ksg2 */
    uint64_t seed;                    /* default 1 */
    int threads;                      /* <= 0: all cores */
    size_t surrogates;                /* permutation surrogates per scalar measure (default 0 = none) */
    size_t bins;                      /* equal-width bins per unit for binned values; 0 (default):
                                         adaptive, cs_obs_adaptive_bins */
    size_t ip_dims;                   /* principal components kept of X and T for continuous
                                         information-plane values (default 10) */
    size_t max_units;                 /* units per layer for TC/DTC/O/S, O multiplets and PID pairs:
                                         at most this many, and at most probe_size / 4 (default 64) */
    size_t tse_units;                 /* units for TSE (2^k subsets; default 12, at most 24) */
    size_t multiplets;                /* random multiplets per order (3 and 4) (default 200) */
    size_t pid_pairs;                 /* top pairs by joint MI decomposed (default 8) */
    cs_pid_redundancy pid_redundancy; /* default mmi */
    int ksg_k;                        /* KSG neighbours (default 4) */
    int gc_mixture;                   /* I(.;Y) and PID with gcopula/gaussian: 1 the
                                         Gaussian-mixture form (gcmi_mixture_cd, default),
                                         0 the class model (gcmi_model_cd) */
    cs_pi_variant pi_variant;         /* default sigmapi */
    double pi_alpha, pi_gamma;        /* NaN (default): the run's /config values */
    double pi_delta;                  /* ∫PI variance penalty (default 1) */
    size_t pi_window;                 /* ∫PI window in steps; 0 (default): one window per epoch */
    double pi_ema;                    /* ars: EMA factor in [0, 1) of the smoothing (default 0: none) */
    size_t nperseg;                   /* Welch segment of the per-step series; 0 (default): min(256, n) */
    /* Called from the calling thread after each unit of work; may be NULL. */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
} cs_obs_params;

void cs_obs_params_default(cs_obs_params *p);

/* Check every parameter: CS_EINVAL naming the bad one. */
cs_status cs_obs_params_check(const cs_obs_params *p);

/* Analyse a run log (opened with cs_runlog_open; a live one is analysed as
 * far as it is flushed). *out is a new cs_metrics (cs_metrics_destroy it).
 * Parallel over (layer x measure) tasks with p->threads OpenMP threads;
 * OpenBLAS is set to one thread for the call (its small BLAS calls inside
 * the tasks would otherwise oversubscribe the cores) and restored after, as
 * the training loop does: two analyses on two threads share that setting.
 * Errors: bad parameters (CS_EINVAL), a snapshot measure asked for but no
 * probe snapshot yet (CS_EINVAL naming the file), read failures, CS_ENOMEM. */
cs_status cs_obs_analyze(const cs_runlog *run, const cs_obs_params *p, cs_metrics **out);

/* ---- distributed analysis (docs/distributed.md) ----------------------
 * The snapshot measures of cs_obs_analyze (information plane, integration,
 * PID, PhiID of one layer at one snapshot) as independent jobs, numbered as
 * cs_obs_analyze runs them: snapshot by snapshot, layer by layer, measure by
 * measure. Any process may run any job (it reads that snapshot from the log
 * itself); cs_obs_analyze_merge then builds the metrics from all results as
 * cs_obs_analyze would have, bit for bit, with the same parameters. */
typedef struct cs_obs_jobs cs_obs_jobs;

/* Plan the jobs of a run: reads the probe set and the snapshot count. */
cs_status cs_obs_jobs_create(const cs_runlog *run, const cs_obs_params *p, cs_obs_jobs **out);
size_t cs_obs_jobs_count(const cs_obs_jobs *jobs);

/* Run job j (< count): *result = a new array of *len doubles (free it)
 * holding what the job contributes (values and note). Not thread-safe: one
 * jobs plan per thread. Errors: reading the snapshot, CS_ENOMEM. */
cs_status cs_obs_jobs_run(cs_obs_jobs *jobs, size_t j, double **result, size_t *len);
void cs_obs_jobs_destroy(cs_obs_jobs *jobs); /* NULL is fine */

/* cs_obs_analyze with the snapshot jobs' results (results[j], lens[j] from
 * cs_obs_jobs_run of job j, for every j < n_results = the job count) instead
 * of computing them. CS_EINVAL for a count or a result that does not fit. */
cs_status cs_obs_analyze_merge(const cs_runlog *run, const cs_obs_params *p, const double *const *results,
                               const size_t *lens, size_t n_results, cs_metrics **out);

/* The default metrics file of a run: RUN.h5 -> RUN.metrics.h5 (any other
 * name: NAME.metrics.h5). Writes at most n bytes; CS_EINVAL if too long. */
cs_status cs_obs_default_metrics_path(const char *run_path, char *out, size_t n);

/* ---- building blocks on in-memory arrays ----------------------------- */

/* PI of one step under a variant (NaN in, NaN out), and its natural log
 * computed in the log domain (finite where PI underflows to 0). */
double cs_obs_pi(cs_pi_variant v, double epsilon, double tau, double surprise, double alpha, double gamma);
double cs_obs_log_pi(cs_pi_variant v, double epsilon, double tau, double surprise, double alpha, double gamma);

/* PI series of n steps: pi[i] from eps[i], tau[i], s[i]; for ars with
 * 0 < ema < 1 the bias-corrected exponential moving average
 * m_i = ema m_{i-1} + (1 - ema) PI_i, pi[i] = m_i / (1 - ema^(i+1)), as
 * dmf-archive/ARS's PICalculator (NaN steps are skipped by the average and
 * keep NaN). log_pi (may be NULL) receives ln PI from the log domain (for
 * the EMA, ln of the average). */
cs_status cs_obs_pi_series(cs_pi_variant v, const double *eps, const double *tau, const double *s, size_t n,
                           double alpha, double gamma, double ema, double *pi, double *log_pi);

/* ∫PI of a window: mean(PI) * exp(-delta * Var(PI)), Var with divisor n
 * (the population variance of the window's values, as the IPWT integral
 * over the window). NaN values are skipped; none left gives NaN. mean and
 * var (may be NULL) receive the two factors' inputs. */
double cs_obs_pi_integral(const double *pi, size_t n, double delta, double *mean, double *var);

/* Information plane of one layer. x: N x dx inputs, t: N x dt layer values,
 * labels: N class labels (any integers). Binned: each unit in b equal-width
 * bins between its min and max (b = `bins`, or with bins = 0 the adaptive
 * b = cs_obs_adaptive_bins(N, dt, 1)), the layer's binned pattern one joint
 * symbol T; X the identity of the input pattern (equal rows share a
 * symbol); plug-in I(X;T) (= H(T), T being a function of X) and I(T;Y).
 * Saturated (flag) when T occupies more than N/5 states: H(T) is then near
 * ln N whatever the layer does, and I(T;Y) near H(Y). Continuous: X and T
 * reduced to their first `ip_dims` principal components; I(X;T) with the
 * estimator's MI (gaussian, gcopula, or KSG with k = ksg_k), I(T;Y) with
 * its mixed continuous-discrete form (cogscope/mixed.h; gcopula/gaussian:
 * the mixture or class model per gc_mixture), 1e-8 sd seeded tie-breaking
 * noise for KSG and for I(T;Y). ity_clamped: the mixed estimate hit a bound
 * (0 or H(Y)) and is reported as the bound. binned: the continuous values
 * are the binned ones. With surrogates > 0, permutation p-values of the
 * continuous values (X rows, resp. labels, shuffled). */
typedef struct {
    double ixt_binned, ity_binned;    /* nats */
    double ixt, ity;                  /* nats, continuous estimator */
    size_t x_dims, t_dims;            /* principal components used */
    cs_significance ixt_sig, ity_sig; /* filled when surrogates > 0 */
    size_t bins;                      /* bins per unit of the binned values */
    size_t t_states;                  /* occupied states of the binned T */
    int binned_saturated;             /* t_states > N / 5 */
    int ity_clamped;                  /* continuous I(T;Y) at a bound */
} cs_obs_infoplane_result;

/* Adaptive bins per unit for a plug-in estimate over `dims` binned units
 * (and a discrete partner of `partner_states` states) from N samples: the
 * largest b >= 2 with b^dims * partner_states <= N / 5, i.e. at least 5
 * samples per joint cell if every cell were used; 2 when even that is too
 * many (the estimate will then usually be flagged saturated). */
size_t cs_obs_adaptive_bins(size_t n, size_t dims, size_t partner_states);

cs_status cs_obs_infoplane(cs_matrix x, cs_matrix t, const int32_t *labels, const cs_obs_params *p, uint64_t stream,
                           cs_obs_infoplane_result *out);

/* Integration and synergy of one layer t (N x n): TC, DTC, O, S of the
 * units used (in the order unit_order, the units that are non-constant and,
 * except for binned, not a linear function of those before them (of their
 * copula transform for gcopula and ksg), at most max_units and N / 4), TSE of the first tse_units of them, and (when
 * mask has CS_OBS_OINFO) O-information of `multiplets` random triplets and
 * quadruplets of them. Estimator: gaussian -> Gaussian; gcopula and ksg ->
 * Gaussian copula with bias correction; binned -> plug-in over `bins`
 * equal-width bins. `unit_order` (n entries, a permutation of 0..n-1) fixes
 * which units are preferred; NULL: 0..n-1. */
typedef struct {
    double tc, dtc, oinfo, sinfo, tse; /* nats */
    size_t n_units, n_tse_units;
    size_t *units;   /* n_units layer indices (owned) */
    double *o3, *o4; /* `multiplets` values each (owned; NaN if fewer exist) */
    size_t n_multiplets;
    cs_significance tc_sig, dtc_sig, oinfo_sig; /* oinfo: two-sided on |O| */
    char note[512];                             /* non-empty when a value could not be computed */
} cs_obs_integration_result;

cs_status cs_obs_integration(cs_matrix t, const size_t *unit_order, unsigned mask, const cs_obs_params *p,
                             uint64_t stream, cs_obs_integration_result *out);
void cs_obs_integration_result_free(cs_obs_integration_result *r);

/* PID of neuron pairs about the label: every pair of the units used (as
 * cs_obs_integration), ranked by joint MI I(Xi,Xj;Y) (ties: lexicographic),
 * the top pid_pairs decomposed with pid_redundancy. gaussian/gcopula/ksg:
 * Gaussian (gcopula and ksg on copula-normalised units and one-hot label);
 * binned: discrete over `bins` bins. mean_omega: mean of the pairs' Omega
 * (pairs with I = 0 skipped). */
typedef struct {
    size_t n_pairs;
    size_t (*pairs)[2];                                            /* layer unit indices (owned) */
    double *mi, *redundancy, *unique1, *unique2, *synergy, *omega; /* n_pairs each (owned) */
    double mean_omega, mean_synergy;
    char note[512];
} cs_obs_pid_result;

cs_status cs_obs_pid_pairs(cs_matrix t, const int32_t *labels, const size_t *unit_order, const cs_obs_params *p,
                           cs_obs_pid_result *out);
void cs_obs_pid_result_free(cs_obs_pid_result *r);

/* PhiID (tau = 1) of two principal components: `a` holds the earlier states
 * and `b` the later ones (both rows x units, row i of b follows row i of a).
 * The first two principal components are fitted on a and b stacked; Gaussian
 * (estimator gaussian) or Gaussian-copula PhiID with MMI redundancy. */
cs_status cs_obs_phiid_pcs(cs_matrix a, cs_matrix b, const cs_obs_params *p, double *phi_wms, double *phi_r,
                           double atoms[16]);

#ifdef __cplusplus
}
#endif
#endif

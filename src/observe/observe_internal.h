/* Internals of the analysis pipeline (src/observe/): shared preprocessing of
 * the probe set, principal components, unit selection. Not a public header. */
#ifndef COGSCOPE_OBSERVE_INTERNAL_H
#define COGSCOPE_OBSERVE_INTERNAL_H

#include "cogscope/observe.h"

/* What every information-plane evaluation of a run shares: the input
 * identity codes, the input principal components and the label coding. */
typedef struct {
    size_t n;         /* probe samples */
    int32_t *x_codes; /* n: identity of each input pattern (equal rows share a code) */
    size_t x_states;
    cs_matrix x_pcs;    /* n x x_dims: first principal components of the inputs */
    int32_t *y_codes;   /* n: labels recoded 0..classes-1 */
    size_t classes;     /* distinct labels present */
    cs_matrix y_onehot; /* n x (classes - 1): one-hot of all classes but the last */
} obs_probe;

/* Build the shared pieces from inputs x (n x d) and labels (n). */
cs_status obs_probe_init(cs_matrix x, const int32_t *labels, size_t ip_dims, obs_probe *out);
void obs_probe_free(obs_probe *pr);

/* Information plane of layer values t against a prepared probe. */
cs_status obs_infoplane(const obs_probe *pr, cs_matrix t, const cs_obs_params *p, uint64_t stream,
                        cs_obs_infoplane_result *out);

/* A seed for (seed, stream): splitmix64-decorrelated. */
uint64_t obs_derive_seed(uint64_t seed, uint64_t stream);

/* I(a;b) in nats with estimator e (one thread), the permutation test when
 * p->surrogates > 0 (into sig), whether a mixed estimate was clamped to a
 * bound (clamped may be NULL); b_discrete: b holds class codes, and the
 * continuous estimators use their mixed forms (cogscope/mixed.h). */
cs_status obs_mi_with(cs_info_estimator e, cs_matrix a, cs_matrix b, int b_discrete, const cs_obs_params *p,
                      uint64_t seed, double *value, cs_significance *sig, int *clamped);

/* PID of neuron pairs against a prepared probe's labels. */
cs_status obs_pid_pairs(const obs_probe *pr, cs_matrix t, const size_t *unit_order, const cs_obs_params *p,
                        cs_obs_pid_result *out);

/* Principal components: the first k (at most k_max, and only components
 * with variance above 1e-12 of the largest) of the columns of x, as scores
 * (x.rows x k, new matrix). Centred; not scaled. */
cs_status obs_pca_scores(cs_matrix x, size_t k_max, cs_matrix *scores, size_t *k);

/* Fit the first k_max principal axes of x: mean (d) and axes (d x k, column
 * j = axis j), both new arrays; *k the number kept (as obs_pca_scores). */
cs_status obs_pca_fit(cs_matrix x, size_t k_max, double **mean, double **axes, size_t *k);

/* Project the rows of x on axes (d x k) after subtracting mean: out n x k. */
void obs_pca_project(cs_matrix x, const double *mean, const double *axes, size_t k, cs_matrix out);

/* The units to use of t (n columns), at most `max`, in the order of
 * unit_order (NULL: 0..n-1): non-constant columns that (except for the
 * binned estimator) are not, to 1e-6 of their variance, a linear function of
 * the units taken before them (after copula normalisation for gcopula and
 * ksg). units: caller array of n. */
size_t obs_select_units(cs_matrix t, const size_t *unit_order, size_t max, cs_info_estimator est, size_t *units);

/* Reads snapshot s of one layer into *out (a new matrix, N x units). */
typedef cs_status (*obs_snapshot_reader)(void *ctx, size_t s, cs_matrix *out);

/* The one unit set of a layer for the whole run: the units, in the seeded
 * preference order `order` (n_units entries), that obs_select_units accepts
 * at EVERY one of the S snapshots, at most `cap` of them. A unit constant or
 * linearly dependent at any snapshot is left out everywhere, so TC, DTC, O,
 * TSE and PID follow the same variables from the first snapshot to the last
 * (their trends are not partly trends of the unit count). Each snapshot is
 * read once per pass; passes repeat until no unit is removed (usually 2).
 * units: caller array of n_units; *k the count. */
cs_status obs_units_fixed(obs_snapshot_reader read, void *ctx, size_t S, const size_t *order, size_t n_units,
                          size_t cap, cs_info_estimator est, size_t *units, size_t *k);

/* How many units the dependence measures use for N samples: min(max_units, N / 4). */
size_t obs_unit_cap(const cs_obs_params *p, size_t n);

/* Dense identity codes of the rows of x (equal rows share a code). */
cs_status obs_row_codes(cs_matrix x, int32_t *codes, size_t *states);

/* I(A;B) in nats of two dense code vectors of length n (plug-in). */
cs_status obs_discrete_mi(const int32_t *a, size_t na, const int32_t *b, size_t nb, size_t n, double *mi);

#endif

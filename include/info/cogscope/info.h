/* Information measures with any estimator: entropy, conditional entropy, MI,
 * CMI, transfer entropy (TE) and active information storage (AIS), in nats.
 *
 * Written once over the estimator registry (cogscope/estimator.h); the
 * roles, estimators and options of each measure are the measure table
 * (cogscope/measure.h), which cs_info_create / cs_info_set_observations
 * validate against. One life cycle for every measure and estimator (as JIDT):
 *     set properties   cs_info_params_default + fields, cs_info_create
 *     observations     cs_info_set_observations (samples) or
 *                      cs_info_set_covariance (Gaussian, exact)
 *     values           cs_info_average, cs_info_local
 *     significance     cs_info_surrogates (permutation), cs_info_analytic (chi^2)
 * and, for one-off calls, Inform-style pairs cs_info_<measure> /
 * cs_info_local_<measure> that do all four steps.
 *
 * Roles of the matrices (rows = samples or time steps, columns = the
 * components of a multivariate variable; every role may have several columns):
 *     entropy              H(X)              x
 *     conditional entropy  H(X|Y)            x, y
 *     mi                   I(X;Y)            x, y
 *     cmi                  I(X;Y|Z)          x, y, z
 *     te                   TE(X -> Y | Z)    x = source, y = destination, z = optional
 *                                            conditioning series (conditional TE)
 *     ais                  AIS(X)            x
 * TE and AIS embed their series as cogscope/embed.h documents (JIDT's
 * conventions: history k, source history l, delay u); then
 *     TE  = I(source ; future | past, cond),   AIS = I(past ; future).
 *
 * Local values: one per usable sample (n rows; for TE and AIS one per
 * embedded time point, n - 1 - t_first rows, in time order, see
 * cs_info_times). Their mean equals the average exactly (up to rounding) for
 * every estimator, bias corrections included (a correction is a constant
 * shift of every local value).
 *
 * Estimators:
 *   discrete  plug-in entropies of joint symbols (cogscope/discrete.h);
 *             optional Miller-Madow; alphabet inferred or given; or bins > 0
 *             to bin continuous data first (equal-width or equal-frequency).
 *   gaussian  Gaussian entropies from the maximum-likelihood covariance
 *             (cogscope/gaussian.h; ddof 0, see there why); optional analytic
 *             bias correction; or an exact covariance via cs_info_set_covariance.
 *   gcopula   every variable copula-normalised (cogscope/gcopula.h) over the
 *             samples used (after embedding for TE/AIS), then gaussian;
 *             bias-corrected by default. Entropy is refused: the copula
 *             discards the marginals, so it does not estimate H(X).
 *   ksg1/ksg2 Kraskov-Stoegbauer-Grassberger (cogscope/ksg.h) for MI, CMI, TE
 *             and AIS; entropy is refused. With normalize on, MI/CMI columns
 *             are z-scored by the KSG plan; for TE/AIS each whole input series
 *             is z-scored (sample std) before embedding, as JIDT and TRENTOOL
 *             do, so that all lagged copies of a series share one scale.
 *
 * Significance: permutation surrogates shuffle the rows of the first
 * variable against the rest (MI, CMI: X; TE: the source embedding vectors;
 * AIS: the past vectors), as JIDT does. Structures that do not depend on the
 * shuffled variable are built once: discrete joint codes of (Y), (Y,Z), (Z);
 * the Gaussian covariance blocks other than the X cross block; the KSG
 * marginal structures. Surrogate s uses cs_rng_create_stream(seed, s), so
 * results depend only on the seed, not on the thread count.
 * p = (1 + #{surrogate >= observed}) / (1 + n_surrogates).
 *
 * Analytic null (likelihood-ratio chi^2): 2 N I (nats, the plug-in value
 * without bias corrections) ~ chi^2(df) under independence, with
 *   gaussian  df = dim(X) dim(Y)        (TE: l dx dy; AIS: k dx dx)
 *   discrete  df = (|X| - 1)(|Y| - 1)|Z| with |.| the product of the
 *             alphabets of a variable's columns (TE: |Z| covers the past and
 *             the conditioning), as JIDT.
 *
 * Calculators are not shared between threads; two calculators may run at
 * once. The library never prints. */
#ifndef COGSCOPE_INFO_H
#define COGSCOPE_INFO_H

#include <stdint.h>

#include "cogscope/core.h"
#include "cogscope/rng.h"
#include "cogscope/discrete.h"
#include "cogscope/embed.h"
#include "cogscope/estimator.h"
#include "cogscope/measure.h"
#include "cogscope/surrogate.h"

#ifdef __cplusplus
extern "C" {
#endif

/* cs_info_measure, the measure names and the measure table:
 * cogscope/measure.h; cs_info_estimator, the estimator names and registry,
 * cs_var_type: cogscope/estimator.h. */

typedef struct {
    cs_info_measure measure;
    cs_embed_params embed; /* TE: k, k_tau, l, l_tau, u (+ m, m_tau, w with z);
                              AIS: k, k_tau. Default all 1. */
    /* variable types, indexed CS_ROLE_X/Y/Z (default all continuous). With
     * the discrete estimator a discrete variable is used as symbols, never
     * binned. With gaussian, gcopula or ksg1, MI and CMI with a discrete
     * variable use the mixed estimators of cogscope/mixed.h:
     *   I(X;Y)    X continuous, Y discrete (or the reverse): cs_mixed_mi;
     *             both discrete: plug-in.
     *   I(X;Y|Z)  Z discrete: sum_z p(z) I(X;Y | Z=z), each stratum with the
     *             estimator the types of X, Y call for;
     *             Z continuous, one of X, Y discrete (say Y):
     *             I(X,Z;Y) - I(Z;Y) (chain rule), clamped at 0;
     *             Z continuous with X and Y both discrete: CS_EINVAL.
     * ksg2, entropy, TE and AIS with a discrete variable: CS_EINVAL. Local
     * values: mixed MI with ksg1 only. */
    cs_var_type types[3];
    /* The estimator and its options, owned by cogscope/estimator.h (the one
     * definition: est.estimator, est.bins, est.knn, est.noise_sd, ...).
     * With KSG and normalize on, MI/CMI columns are z-scored by the KSG
     * estimator; for TE/AIS each whole input series is z-scored (sample std)
     * before embedding. noise_sd (KSG, and the mixed estimators with
     * gaussian/gcopula) is Gaussian noise in units of each column's standard
     * deviation after z-scoring, to break ties (JIDT's choice). threads:
     * KSG and surrogates. */
    cs_estimator_params est;
} cs_info_params;

/* Defaults as listed above for `measure` and `estimator`. */
void cs_info_params_default(cs_info_measure measure, cs_info_estimator estimator, cs_info_params *p);

typedef struct cs_info cs_info;

/* Check the parameters (CS_EINVAL naming the bad one, e.g. entropy with ksg,
 * Miller-Madow with gaussian) and make a calculator. */
cs_status cs_info_create(const cs_info_params *p, cs_info **out);
void cs_info_destroy(cs_info *c); /* NULL is fine */

/* Supply samples: x (n x dx), y (n x dy), z (n x dz). Matrices a measure does
 * not use must be empty (rows == 0 or data == NULL); z is optional for TE.
 * Data are copied. Replaces earlier observations. Errors: CS_ESHAPE (row
 * counts differ: names both), CS_ENONFINITE (names the variable, row and
 * column), CS_EINVAL (too few samples for the histories, k >= samples for
 * KSG, non-integer discrete data, a constant column the estimator cannot
 * use), CS_ESINGULAR (Gaussian: singular covariance). */
cs_status cs_info_set_observations(cs_info *c, cs_matrix x, cs_matrix y, cs_matrix z);

/* Gaussian only: evaluate from a covariance (d x d, row-major, symmetric)
 * exactly. x, y, z index its rows (0-based) in the roles above; for TE the
 * caller has already embedded: x = source past rows, y = destination future
 * rows, z = destination past and conditioning rows (TE is then the CMI); for
 * AIS x = past rows, y = future rows (then the MI). n_samples > 0 enables the
 * bias correction (for a covariance with divisor n_samples - 1, the usual
 * unbiased one) and the chi^2 null for a covariance estimated from that many
 * samples; 0 means exact (no correction, no null). Errors: index out of
 * range (CS_EINVAL naming the role and index), an index used twice,
 * asymmetric or non-finite matrix, singular block (CS_ESINGULAR). */
cs_status cs_info_set_covariance(cs_info *c, const double *cov, size_t d, const size_t *x, size_t nx, const size_t *y,
                                 size_t ny, const size_t *z, size_t nz, size_t n_samples);

/* Number of samples (local values) of the current observations; for
 * cs_info_set_covariance the n_samples given. */
size_t cs_info_count(const cs_info *c);

/* Time index of each local value (cs_info_count entries; for TE/AIS the row
 * of the input holding the future value, otherwise the row itself); NULL
 * before observations or after cs_info_set_covariance. Owned by c. */
const size_t *cs_info_times(const cs_info *c);

/* Average value (nats). */
cs_status cs_info_average(cs_info *c, double *value);

/* Fraction of the observation rows that share a value with another row in
 * some column (cogscope/columns.h), measured before any noise; NaN before
 * observations or for a covariance. What KSG counts are sensitive to. */
double cs_info_tied_fraction(const cs_info *c);

/* Discrete estimator only: 1 when the estimate is saturated, i.e. the joint
 * of all the variables has more occupied states than N/5 (fewer than 5
 * samples per occupied state on average): the plug-in entropies are then
 * limited by ln N rather than by the data (H(joint) >= ln(N/5) ... ln N), and
 * MI/CMI values are mostly bias. *occupied (may be NULL) receives the
 * occupied joint states. 0 for the other estimators. */
int cs_info_saturated(const cs_info *c, size_t *occupied);

/* 1 when the last cs_info_average of a mixed MI/CMI (cogscope/mixed.h) hit
 * a bound: MI outside [0, H(Y)] or CMI below 0, reported as the bound. */
int cs_info_clamped(const cs_info *c);

/* Local values (cs_info_count entries, caller-owned), nats; *average (if not
 * NULL) receives their mean. Needs samples (not a covariance). */
cs_status cs_info_local(cs_info *c, double *local, double *average);

typedef cs_significance cs_info_significance; /* cogscope/surrogate.h */

/* Permutation test with n_surrogates >= 1 surrogates (see above). values:
 * NULL or n_surrogates entries receiving each surrogate estimate. Not for
 * entropy (nothing to shuffle against) nor for a covariance. */
cs_status cs_info_surrogates(cs_info *c, size_t n_surrogates, uint64_t seed, cs_info_significance *out,
                             double *values);

/* The values of surrogates first..first+n-1 of the test cs_info_surrogates
 * runs (surrogate s from the stream (seed, s)), into values[0..n): a share of
 * a permutation test (distributed runs); cs_significance_summarise of all of
 * them, in order, against cs_info_average gives cs_info_surrogates' result
 * exactly. n = 0 does nothing. */
cs_status cs_info_surrogate_values(cs_info *c, size_t first, size_t n, uint64_t seed, double *values);

typedef struct {
    double statistic; /* 2 N I, I the plug-in estimate in nats */
    double df;        /* degrees of freedom */
    double p_value;   /* P(chi^2_df >= statistic) */
} cs_info_chi2;

/* The chi^2 null for discrete and gaussian estimators (CS_EINVAL otherwise,
 * or for entropy, or for a covariance without n_samples). */
cs_status cs_info_analytic(cs_info *c, cs_info_chi2 *out);

/* Inform-style one-shot pairs: p->measure is overridden by the function's
 * measure. The local forms write cs_info_count values into `local`: n rows
 * for entropy/mi/cmi, cs_embed_te_count / cs_embed_ais_count rows for te/ais;
 * *count (if not NULL) receives that number. */
cs_status cs_info_entropy(const cs_info_params *p, cs_matrix x, double *value);
cs_status cs_info_local_entropy(const cs_info_params *p, cs_matrix x, double *local, size_t *count);
cs_status cs_info_centropy(const cs_info_params *p, cs_matrix x, cs_matrix y, double *value);
cs_status cs_info_local_centropy(const cs_info_params *p, cs_matrix x, cs_matrix y, double *local, size_t *count);
cs_status cs_info_mi(const cs_info_params *p, cs_matrix x, cs_matrix y, double *value);
cs_status cs_info_local_mi(const cs_info_params *p, cs_matrix x, cs_matrix y, double *local, size_t *count);
cs_status cs_info_cmi(const cs_info_params *p, cs_matrix x, cs_matrix y, cs_matrix z, double *value);
cs_status cs_info_local_cmi(const cs_info_params *p, cs_matrix x, cs_matrix y, cs_matrix z, double *local,
                            size_t *count);
cs_status cs_info_te(const cs_info_params *p, cs_matrix src, cs_matrix dst, cs_matrix cond, double *value);
cs_status cs_info_local_te(const cs_info_params *p, cs_matrix src, cs_matrix dst, cs_matrix cond, double *local,
                           size_t *count);
cs_status cs_info_ais(const cs_info_params *p, cs_matrix x, double *value);
cs_status cs_info_local_ais(const cs_info_params *p, cs_matrix x, double *local, size_t *count);

#ifdef __cplusplus
}
#endif
#endif

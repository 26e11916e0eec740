/* Gaussian information estimators: sample covariance, log-determinants and
 * entropies of covariance sub-blocks, MI and CMI from a covariance, local
 * (pointwise) entropies, and the analytic bias correction of Gaussian entropy.
 *
 * All results are in nats. Plan then execute: compute one covariance of all
 * the variables (cs_gaussian_cov, one dsyrk), then evaluate any number of
 * sub-blocks (cs_gaussian_entropy with an index set): each costs one small
 * Cholesky factorisation, O(m^3) for m indices, independent of the number of
 * samples. Higher-order measures (TC, DTC, O-information, PID, PhiID) are sums
 * of such entropies.
 *
 *   H(X)     = 0.5 * ( m ln(2 pi e) + ln det S_X )
 *   I(X;Y)   = H(X) + H(Y) - H(X,Y)
 *   I(X;Y|Z) = H(X,Z) + H(Y,Z) - H(Z) - H(X,Y,Z)
 *
 * Covariance divisor. cs_gaussian_cov takes numpy's `ddof`: the divisor is
 * n - ddof. The measure layer (cogscope/info.h) uses ddof = 0, the maximum-
 * likelihood covariance, because then the mean of the local entropies
 * -ln N(x_i; mean, S) is exactly H (the mean Mahalanobis distance is exactly
 * m). MI, CMI, TE and AIS do not depend on the divisor (it cancels), and the
 * bias-corrected entropy does not either (cs_gaussian_entropy_bias accounts
 * for it); only the uncorrected entropy differs from the ddof = 1 value, by
 * (m/2) ln(n/(n-1)) ~ m/(2n).
 *
 * Example (MI between columns {0} and {1,2} of data x, n x 3):
 *     double cov[9], mi;  size_t a[] = {0}, b[] = {1, 2};
 *     cs_gaussian_cov(x, NULL, 0, 0, cov, NULL);
 *     cs_gaussian_mi(cov, 3, a, 1, b, 2, NULL, &mi);
 */
#ifndef COGSCOPE_GAUSSIAN_H
#define COGSCOPE_GAUSSIAN_H

#include "cogscope/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A Cholesky pivot (the variance a variable keeps after regressing out the
 * ones before it) at or below this fraction of the variable's variance means
 * it is, to double precision, a linear function of them: every Cholesky of a
 * covariance in the library (the sub-blocks here, the multivariate measures,
 * the mixed estimator's class covariances) calls such a block singular rather
 * than return an information value made of rounding noise, whose sign and
 * size would differ from machine to machine. */
#define CS_GAUSS_PIVOT_TOL 1e-12

/* Sample covariance of the columns cols[0..ncols) of x (x.rows samples);
 * cols == NULL means every column (ncols is then ignored). cov is d x d
 * row-major (d = number of selected columns), divisor x.rows - ddof
 * (ddof 0 or 1, x.rows > ddof). mean (d entries) is written when non-NULL.
 * Centres a copy and calls cblas_dsyrk: O(n d^2). Out-of-range column:
 * CS_EINVAL; NaN/Inf: CS_ENONFINITE naming row and column. */
cs_status cs_gaussian_cov(cs_matrix x, const size_t *cols, size_t ncols, int ddof, double *cov, double *mean);

/* ln det of the sub-block cov[idx, idx] (m x m) of a covariance stored
 * row-major with leading dimension ld (idx == NULL: the leading m x m block).
 * scratch: m*m doubles, or NULL to allocate internally (pass one to loop over
 * many sub-blocks without allocating). A block that is not positive definite
 * (singular, e.g. a constant or duplicated variable) gives CS_ESINGULAR with
 * a message naming `name` ("covariance of --x") and the failing pivot. */
cs_status cs_gaussian_logdet(const double *cov, size_t ld, const size_t *idx, size_t m, double *scratch,
                             const char *name, double *logdet);

/* Entropy 0.5 (m ln(2 pi e) + ln det cov[idx, idx]) in nats; m == 0 gives 0. */
cs_status cs_gaussian_entropy(const double *cov, size_t ld, const size_t *idx, size_t m, double *scratch,
                              const char *name, double *h);

/* I(A;B) and I(A;B|C) from one covariance (ld x ld) and disjoint index sets. */
cs_status cs_gaussian_mi(const double *cov, size_t ld, const size_t *a, size_t na, const size_t *b, size_t nb,
                         const char *name, double *mi);
cs_status cs_gaussian_cmi(const double *cov, size_t ld, const size_t *a, size_t na, const size_t *b, size_t nb,
                          const size_t *c, size_t nc, const char *name, double *cmi);

/* Bias of the plug-in Gaussian entropy of m variables estimated from n
 * samples with covariance divisor n - ddof: E[H_plugin] - H. The corrected
 * entropy is H_plugin - cs_gaussian_entropy_bias(m, n, ddof). With ddof = 1
 * this is GCMI's correction (as in ../shared/reference/gaussian_analytic.json):
 *     bias = m (ln 2 - ln(n - 1)) / 2 + sum_{i=1..m} psi((n - i) / 2) / 2
 * and in general ln(n - 1) becomes ln(n - ddof). Exact for Gaussian data
 * (from the Wishart distribution of the scatter matrix). Needs n > m. */
double cs_gaussian_entropy_bias(size_t m, size_t n, int ddof);

/* Local entropies h_i = -ln N(x_i[idx]; mean[idx], cov[idx, idx]) for every
 * row of x (x.rows entries in local). x has ld columns; mean (ld) and cov
 * (ld x ld) describe all of them; idx (m entries) picks the variables.
 * One Cholesky and one triangular solve (cblas_dtrsm) over all rows. */
cs_status cs_gaussian_local_entropy(cs_matrix x, const double *mean, const double *cov, size_t ld, const size_t *idx,
                                    size_t m, const char *name, double *local);

#ifdef __cplusplus
}
#endif
#endif

/* Gaussian-copula normalisation (Ince et al. 2017, GCMI): each column is
 * replaced by the standard-normal quantile of its empirical CDF,
 *
 *     c_i = Phi^{-1}( r_i / (n + 1) ),   r_i in 1..n the rank of x_i,
 *
 * after which the Gaussian estimators of cogscope/gaussian.h give the
 * Gaussian-copula MI/CMI/TE/AIS: a lower bound on the true MI that is robust
 * to the marginals (any monotone transform of a column leaves it unchanged).
 *
 * Ties: tied values get the average of their ranks (scipy's rankdata
 * "average"), so equal inputs always map to equal outputs and the result does
 * not depend on row order. (GCMI's argsort-of-argsort breaks ties by position.)
 * A constant column therefore maps to a constant column, which the Gaussian
 * estimators reject as singular; cs_gcopula_normalise reports it first. */
#ifndef COGSCOPE_GCOPULA_H
#define COGSCOPE_GCOPULA_H

#include "cogscope/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Copula-normalise every column of x (n x d) into out (n x d, may be the same
 * storage as x). n >= 2. NaN/Inf give CS_ENONFINITE naming row and column; a
 * constant column gives CS_EINVAL naming it (it carries no information and
 * would make the covariance singular). O(d n log n). */
cs_status cs_gcopula_normalise(cs_matrix x, cs_matrix out);

/* Copula-normalise one column: values v (n entries, stride `stride`) into
 * out (n entries, stride `out_stride`). No constant-column check. */
cs_status cs_gcopula_normalise_column(const double *v, size_t n, size_t stride, double *out, size_t out_stride);

#ifdef __cplusplus
}
#endif
#endif

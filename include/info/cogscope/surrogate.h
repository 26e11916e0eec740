/* Significance helpers shared by the information estimators: the surrogate
 * permutations, summarising a permutation test, and the chi-squared
 * likelihood-ratio null.
 *
 * Permutation p-values count the observed value as one of the draws
 * (Phipson & Smyth 2010), so they are never 0:
 *     p = (1 + #{surrogate >= observed}) / (1 + n_surrogates).
 * The smallest reachable p is 1 / (1 + n_surrogates). */
#ifndef COGSCOPE_SURROGATE_H
#define COGSCOPE_SURROGATE_H

#include "cogscope/core.h"
#include "cogscope/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double observed;       /* the estimate on the real pairing */
    double p_value;        /* (1 + n_greater_equal) / (1 + n_surrogates) */
    double surrogate_mean; /* mean of the surrogate estimates */
    double surrogate_std;  /* their sample standard deviation (divisor n - 1; 0 if n == 1) */
    size_t n_surrogates;
    size_t n_greater_equal; /* #{surrogate >= observed} */
} cs_significance;

/* The row permutation of surrogate number s of a permutation test seeded by
 * `seed`: perm[0..n) = a shuffle of 0..n-1 from the independent stream
 * cs_rng_create_stream(seed, s). Every estimator draws its surrogates this
 * way, so a seed gives the same surrogates whatever the estimator, the
 * thread count or the order in which surrogates are computed. */
cs_status cs_surrogate_permutation(uint64_t seed, size_t s, size_t *perm, size_t n);

/* Summarise n >= 1 surrogate values (NaN values are an error: CS_EINTERNAL). */
cs_status cs_significance_summarise(double observed, const double *values, size_t n, cs_significance *out);

/* Upper tail P(chi^2_df >= statistic) of the chi-squared distribution
 * (GSL's gsl_cdf_chisq_Q); df > 0. */
double cs_chi2_upper_tail(double statistic, double df);

#ifdef __cplusplus
}
#endif
#endif

/* Surrogate permutations, permutation-test summaries and the chi-squared null
 * (cogscope/surrogate.h). */
#include "cogscope/surrogate.h"

#include <math.h>

#include <gsl/gsl_cdf.h>
#include "gsl_setup.h"

cs_status cs_surrogate_permutation(uint64_t seed, size_t s, size_t *perm, size_t n)
{
    cs_rng *rng;
    cs_status st = cs_rng_create_stream(seed, s, &rng);
    if (st)
        return st;
    cs_rng_permutation(rng, perm, n);
    cs_rng_destroy(rng);
    return CS_OK;
}

cs_status cs_significance_summarise(double observed, const double *values, size_t n, cs_significance *out)
{
    if (n == 0)
        return cs_error_set(CS_EINVAL, "a permutation test needs at least one surrogate");
    double mean = 0;
    size_t ge = 0;
    for (size_t s = 0; s < n; s++) {
        if (isnan(values[s]))
            return cs_error_set(CS_EINTERNAL, "surrogate %zu gave NaN", s);
        mean += values[s];
        ge += values[s] >= observed;
    }
    mean /= (double)n;
    double ss = 0; /* two-pass variance: no cancellation for values far from 0 */
    for (size_t s = 0; s < n; s++)
        ss += (values[s] - mean) * (values[s] - mean);
    out->observed = observed;
    out->n_surrogates = n;
    out->n_greater_equal = ge;
    out->p_value = (1.0 + (double)ge) / (1.0 + (double)n);
    out->surrogate_mean = mean;
    out->surrogate_std = n > 1 ? sqrt(ss / (double)(n - 1)) : 0.0;
    return CS_OK;
}

double cs_chi2_upper_tail(double statistic, double df)
{
    info_gsl_setup();
    if (!(df > 0))
        return NAN;
    if (statistic <= 0)
        return 1.0;
    return gsl_cdf_chisq_Q(statistic, df);
}

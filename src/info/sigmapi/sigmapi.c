/* ΣPI (predictive integrity): epsilon, tau and S of a batch, and PI.
 * Formula and units in include/cogscope/sigmapi.h and docs/metrics.md. */
#include "cogscope/sigmapi.h"

#include <math.h>

double cs_sigmapi_log_pi(double epsilon, double tau, double surprise, double alpha, double gamma)
{
    double normalized_error = epsilon / (tau + CS_SIGMAPI_TAU_EPS);
    double cost = (1.0 - gamma) * normalized_error + gamma * surprise;
    return -alpha * cost;
}

double cs_sigmapi_pi(double epsilon, double tau, double surprise, double alpha, double gamma)
{
    return exp(cs_sigmapi_log_pi(epsilon, tau, surprise, alpha, gamma));
}

cs_status cs_sigmapi_batch(const double *logits, const int32_t *labels, size_t rows, size_t classes, double *epsilon,
                           double *tau, size_t *correct)
{
    if (rows == 0)
        return cs_error_set(CS_EINVAL, "sigmapi: empty batch");
    if (classes < 2)
        return cs_error_set(CS_EINVAL, "sigmapi: %zu classes; need >= 2", classes);
    double ce = 0.0, ent = 0.0;
    size_t ok = 0;
    for (size_t r = 0; r < rows; r++) {
        const double *z = logits + r * classes;
        int32_t y = labels[r];
        if (y < 0 || (size_t)y >= classes)
            return cs_error_set(CS_EINVAL, "sigmapi: label %d of row %zu is outside [0, %zu)", (int)y, r, classes);
        size_t arg = 0;
        for (size_t j = 1; j < classes; j++)
            if (z[j] > z[arg])
                arg = j;
        double mx = z[arg], s = 0.0, sz = 0.0;
        /* With u_j = z_j - max, p_j = e^{u_j}/s and
         * H = -sum p_j log p_j = log s - (sum e^{u_j} u_j) / s,
         * exact without forming log p of underflowed probabilities. */
        for (size_t j = 0; j < classes; j++) {
            double u = z[j] - mx, e = exp(u);
            s += e;
            sz += e * u;
        }
        double lse = log(s);
        ce += lse - (z[y] - mx);
        ent += lse - sz / s;
        ok += arg == (size_t)y;
    }
    if (epsilon)
        *epsilon = ce / (double)rows;
    if (tau)
        *tau = ent / (double)rows;
    if (correct)
        *correct = ok;
    return CS_OK;
}

static double norm_scaled(const double *g, size_t n)
{
    double scale = 0.0, ssq = 1.0;
    /* The LAPACK dnrm2 recurrence: no overflow for huge values, no underflow
     * to 0 for tiny ones. */
    for (size_t i = 0; i < n; i++) {
        double a = fabs(g[i]);
        if (a == 0.0)
            continue;
        if (scale < a) {
            ssq = 1.0 + ssq * (scale / a) * (scale / a);
            scale = a;
        } else {
            ssq += (a / scale) * (a / scale);
        }
    }
    return scale * sqrt(ssq);
}

double cs_sigmapi_norm(const double *g, size_t n)
{
    /* The plain sum of squares (vectorised; this runs every training step
     * over all parameters) is exact enough unless it overflows or the values
     * are so small that their squares are subnormal: then rescale. */
    double ssq = 0.0;
    /* A SIMD reduction: the summation order is fixed by the compiled vector
     * width, so results are reproducible run to run (not bit-equal to a
     * scalar loop). */
#pragma omp simd reduction(+ : ssq)
    for (size_t i = 0; i < n; i++)
        ssq += g[i] * g[i];
    if (isnan(ssq))
        return NAN;
    if (isinf(ssq) || (ssq < 1e-280 && ssq >= 0.0))
        return norm_scaled(g, n);
    return sqrt(ssq);
}

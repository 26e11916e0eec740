/* Statistics of the report (report_internal.h): NaN-aware means, the 95 %
 * t interval of a mean, Welch's t test and the EMA smoothing. Plain numbers
 * in and out: the report model and the grouping both use them, neither is
 * needed here. */
#include <gsl/gsl_cdf.h>
#include <math.h>

#include "report_internal.h"

double rm_finite_mean(const double *v, size_t n, size_t stride)
{
    double s = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i * stride])) {
            s += v[i * stride];
            k++;
        }
    return k ? s / (double)k : NAN;
}

void rm_mean_ci(const double *v, size_t n, rm_pooled *out)
{
    double s = 0, ss = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            s += v[i];
            k++;
        }
    out->n = k;
    out->of = n;
    out->flagged = 0;
    out->flag_name[0] = 0;
    out->mean = k ? s / (double)k : NAN;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]))
            ss += (v[i] - out->mean) * (v[i] - out->mean);
    out->sd = k > 1 ? sqrt(ss / (double)(k - 1)) : NAN;
    double half = k > 1 ? gsl_cdf_tdist_Pinv(0.975, (double)(k - 1)) * out->sd / sqrt((double)k) : NAN;
    out->lo = out->mean - half;
    out->hi = out->mean + half;
}

double rm_welch_p(const rm_pooled *a, const rm_pooled *b)
{
    if (a->n < 2 || b->n < 2)
        return NAN;
    double va = a->sd * a->sd / (double)a->n, vb = b->sd * b->sd / (double)b->n, se2 = va + vb;
    if (!(se2 > 0))
        return NAN;
    double t = (a->mean - b->mean) / sqrt(se2);
    double df = se2 * se2 / (va * va / (double)(a->n - 1) + vb * vb / (double)(b->n - 1));
    return 2 * gsl_cdf_tdist_Q(fabs(t), df);
}

void rm_ema(const double *y, size_t n, double span, double *out)
{
    double a = 2 / (span + 1), m = 0, w = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i])) {
            out[i] = y[i];
            continue;
        }
        m = (1 - a) * m + a * y[i];
        w = (1 - a) * w + a; /* the weight the start-up has: 1 - (1 - a)^k */
        out[i] = m / w;
    }
}

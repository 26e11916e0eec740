/* ΣPI variants over a run's per-step series, and ∫PI of a window
 * (docs/metrics.md, "Analysis pipeline: PI variants"). */
#include "cogscope/observe.h"
#include "cogscope/sigmapi.h"

#include <math.h>

double cs_obs_log_pi(cs_pi_variant v, double epsilon, double tau, double surprise, double alpha, double gamma)
{
    switch (v) {
    case CS_PI_SIGMAPI:
        /* The function the training loop logs with: the logged PI is its exp. */
        return cs_sigmapi_log_pi(epsilon, tau, surprise, alpha, gamma);
    case CS_PI_IPWT:
        /* IPWT manuscript §3.3.1 with one channel (N_k = 1): the error term is
         * not weighted by (1 - gamma). */
        if (isnan(epsilon) || isnan(tau) || isnan(surprise))
            return NAN;
        return -alpha * (epsilon / (tau + CS_SIGMAPI_TAU_EPS) + gamma * surprise);
    case CS_PI_ARS:
        /* dmf-archive/ARS utils/metrics.py: exp(-(alpha * entropy + gamma * grad_norm)). */
        if (isnan(tau) || isnan(surprise))
            return NAN;
        return -(alpha * tau + gamma * surprise);
    }
    return NAN;
}

double cs_obs_pi(cs_pi_variant v, double epsilon, double tau, double surprise, double alpha, double gamma)
{
    return exp(cs_obs_log_pi(v, epsilon, tau, surprise, alpha, gamma));
}

cs_status cs_obs_pi_series(cs_pi_variant v, const double *eps, const double *tau, const double *s, size_t n,
                           double alpha, double gamma, double ema, double *pi, double *log_pi)
{
    if (n && (!eps || !tau || !s || !pi))
        return cs_error_set(CS_EINVAL, "cs_obs_pi_series: input and output arrays must be given");
    if (!cs_pi_variant_name(v))
        return cs_error_set(CS_EINVAL, "cs_obs_pi_series: unknown PI variant %d", (int)v);
    if (!(ema >= 0 && ema < 1))
        return cs_error_set(CS_EINVAL, "PI EMA factor %g must be in [0, 1)", ema);
    for (size_t i = 0; i < n; i++) {
        double lp = cs_obs_log_pi(v, eps[i], tau[i], s[i], alpha, gamma);
        pi[i] = exp(lp);
        if (log_pi)
            log_pi[i] = lp;
    }
    if (v == CS_PI_ARS && ema > 0) {
        /* Bias-corrected EMA as ARS's PICalculator; its step counter counts
         * the values averaged, so a NaN step neither updates nor counts. */
        double m = 0, corr = 1;
        for (size_t i = 0; i < n; i++) {
            if (isnan(pi[i]))
                continue;
            m = ema * m + (1 - ema) * pi[i];
            corr *= ema;
            pi[i] = m / (1 - corr);
            if (log_pi)
                log_pi[i] = log(pi[i]);
        }
    }
    return CS_OK;
}

double cs_obs_pi_integral(const double *pi, size_t n, double delta, double *mean, double *var)
{
    /* Two passes (mean, then squared deviations) keep the variance accurate
     * when PI sits close to a constant. */
    double sum = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(pi[i])) {
            sum += pi[i];
            k++;
        }
    double mu = k ? sum / (double)k : NAN, ss = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(pi[i]))
            ss += (pi[i] - mu) * (pi[i] - mu);
    double v = k ? ss / (double)k : NAN;
    if (mean)
        *mean = mu;
    if (var)
        *var = v;
    return k ? mu * exp(-delta * v) : NAN;
}

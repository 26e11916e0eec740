/* Parameterising a power spectrum as an aperiodic (1/f-like) component plus
 * Gaussian peaks, following specparam/FOOOF 1.x (Donoghue et al. 2020,
 * fooof/objs/fit.py) step by step:
 *
 *  1. work on log10 power over [fmin, fmax] (f = 0 is skipped);
 *  2. robust aperiodic fit: an initial least-squares fit, then a refit on the
 *     points at or below the 0.025th percentile of the clipped residual;
 *  3. flatten (log power minus that fit) and find peaks iteratively: take the
 *     maximum, stop if it is <= peak_threshold standard deviations of the
 *     flattened spectrum or <= min_peak_height, estimate its width from the
 *     half-maximum on the nearer side, subtract a Gaussian, repeat (at most
 *     max_n_peaks);
 *  4. drop guesses within one standard deviation of the range edges and the
 *     lower of two guesses overlapping within 0.75 standard deviations;
 *  5. fit all Gaussians jointly to the flattened spectrum (centres within
 *     +-3 guess-SDs of the guess and the range, heights >= 0, SDs within half
 *     the peak width limits);
 *  6. refit the aperiodic component to the spectrum with the peaks removed.
 *
 * Aperiodic models (log10 power): 'fixed' offset - log10(f^exponent) and
 * 'knee' offset - log10(knee + f^exponent). Nonlinear least squares by GSL's
 * trust-region Levenberg-Marquardt (gsl_multifit_nlinear); bounds of step 5
 * are kept by a smooth change of variables (sin for two-sided, sqrt(u^2+1)
 * for one-sided bounds, as MINUIT does) instead of scipy's bounded 'trf'.
 *
 * Example:
 *
 *     cs_aperiodic_params p;
 *     cs_aperiodic_params_default(&p);
 *     p.fmin = 1; p.fmax = 40;
 *     cs_aperiodic_result r;
 *     if (cs_aperiodic_fit(f, psd, nf, &p, &r)) return fail();
 *     printf("exponent %g, %zu peaks\n", r.exponent, r.n_peaks);
 *     cs_aperiodic_result_free(&r);
 */
#ifndef COGSCOPE_APERIODIC_H
#define COGSCOPE_APERIODIC_H

#include "cogscope/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { CS_APERIODIC_FIXED = 0, CS_APERIODIC_KNEE } cs_aperiodic_mode;

typedef struct {
    cs_aperiodic_mode mode; /* default fixed */
    double fmin, fmax;      /* fitting range, inclusive (default 0, +inf: all) */
    double peak_width_min;  /* peak width (2 SD) limits in Hz (default 0.5, 12) */
    double peak_width_max;
    size_t max_n_peaks;     /* default SIZE_MAX (FOOOF: inf); 0: aperiodic only */
    double min_peak_height; /* absolute, log10 power above the aperiodic fit (default 0) */
    double peak_threshold;  /* relative, SDs of the flattened spectrum (default 2) */
} cs_aperiodic_params;

void cs_aperiodic_params_default(cs_aperiodic_params *p);

/* A peak as FOOOF reports it: centre frequency (Hz), power (log10 power of
 * the peak model above the aperiodic fit at the frequency nearest the centre)
 * and bandwidth (2 SD of the Gaussian, Hz). `height` and `sd` are the raw
 * Gaussian parameters. */
typedef struct {
    double center, power, width;
    double height, sd;
} cs_peak;

typedef struct {
    double offset, exponent;
    double knee;      /* NaN in fixed mode */
    double knee_freq; /* knee^(1/exponent) Hz, NaN in fixed mode or knee <= 0 */
    double r_squared; /* squared correlation of log10 power and the model */
    double error;     /* mean absolute error of the model (log10 power) */
    size_t n_peaks;
    cs_peak *peaks;    /* n_peaks, ascending centre (owned; cs_aperiodic_result_free) */
    size_t nfit;       /* frequencies fitted */
    double *freqs;     /* nfit frequencies (owned) */
    double *log_power; /* nfit: log10 of the input power */
    double *model;     /* nfit: aperiodic + peaks, log10 */
    double *aperiodic; /* nfit: aperiodic component, log10 */
} cs_aperiodic_result;

/* Fit the spectrum power[0..n) at frequencies f[0..n) (ascending, Hz).
 * CS_EINVAL: too few frequencies in range (fewer than 3 for fixed, 4 for
 * knee), non-positive power or frequencies not ascending, bad limits;
 * CS_ENONFINITE: NaN/Inf; CS_ENOCONV: a fit did not converge. On failure
 * *res holds nothing to free. */
cs_status cs_aperiodic_fit(const double *f, const double *power, size_t n, const cs_aperiodic_params *p,
                           cs_aperiodic_result *res);

void cs_aperiodic_result_free(cs_aperiodic_result *res);

/* The aperiodic model in log10 power at frequency f: params are (offset,
 * exponent) for fixed and (offset, knee, exponent) for knee. */
double cs_aperiodic_eval(cs_aperiodic_mode mode, const double *params, double f);

/* ---- how much a fit says ---------------------------------------------------- */

/* Below this R^2 (of log10 power against the model) the log-log spectrum is
 * not close to a line: callers report "no power law" instead of an exponent.
 * 0.8: a straight line then explains 80 % of the log-power variance. */
#define CS_APERIODIC_R2_MIN 0.8

/* Equivalent degrees of freedom of a Welch PSD estimate averaged over
 * `nsegments` Hann-windowed segments with 50 % overlap (the analysis'
 * settings): nu = 36 K^2 / (19 K - 1) (Welch 1967; Percival & Walden 1993,
 * eq. 292b), from 2 for one segment to ~1.89 K. Each PSD value is then
 * P(f) chi^2_nu / nu. */
double cs_welch_hann50_dof(size_t nsegments);

/* Peak significance against the aperiodic component: with ratio = PSD /
 * aperiodic power at each fitted frequency, scaled so that its median over
 * the fit equals the median of chi^2_nu / nu (the robust fit hugs the lower
 * part of the spectrum, so the raw ratio is not centred), a peak is kept
 * when the scaled ratio at the frequency nearest its centre exceeds the
 * chi^2 quantile q_nu(1 - alpha / nfit) / q_nu(1/2): a one-sided test at
 * family-wise level alpha over the nfit fitted frequencies (Bonferroni).
 * keep[i] (r->n_peaks entries) receives 1 or 0; *threshold (may be NULL)
 * the scaled ratio a peak had to exceed.
 * CS_EINVAL for dof <= 0 or alpha outside (0, 1). */
cs_status cs_aperiodic_peak_test(const cs_aperiodic_result *r, double dof, double alpha, int *keep,
                                 double *threshold);

#ifdef __cplusplus
}
#endif
#endif

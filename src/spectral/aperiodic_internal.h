/* What the aperiodic fit (aperiodic.c) and its peak fit (aperiodic_peaks.c)
 * share: the iteration limits and tolerances of their least-squares fits
 * and the peak fit itself. Internal to src/spectral. */
#ifndef COGSCOPE_SPECTRAL_APERIODIC_INTERNAL_H
#define COGSCOPE_SPECTRAL_APERIODIC_INTERNAL_H

#include "cogscope/aperiodic.h"

#define MAX_ITER 5000 /* FOOOF's evaluations */
#define XTOL 1e-10
#define GTOL 1e-10
#define FTOL 1e-14
#define NLS_MAXP (3 * 64) /* parameters of up to 64 Gaussians */

/* FOOOF's _fit_peaks on the flattened spectrum flat [n] at f [n] (f[0] and
 * f[n-1] the range): the parameters (centre, height, sd) into g [3 x
 * max_n_peaks, at most NLS_MAXP] sorted by centre, their count to *npk. */
cs_status spectral_fit_peaks(const cs_aperiodic_params *p, const double *f, const double *flat, size_t n,
                             double frange_lo, double frange_hi, double *g, size_t *npk);

#endif

/* Multitaper power spectral density with discrete prolate spheroidal
 * sequences (DPSS, Slepian tapers), as MNE's psd_array_multitaper, and the
 * tapers themselves as scipy.signal.windows.dpss.
 *
 * Life cycle: cs_multitaper_params_default(), set fs/nw/..., then
 * cs_multitaper_plan_create() for a series length (computes the tapers, their
 * concentration ratios and the FFTW plan once) and cs_multitaper_psd() on any
 * number of n x C arrays.
 *
 * Example: the MNE-default multitaper PSD (NW = 4, tapers with concentration
 * > 0.9, eigenvalue weights) of 4 channels of 2,000 samples at 500 Hz.
 *
 *     cs_multitaper_params p;
 *     cs_multitaper_params_default(&p);
 *     p.fs = 500.0;
 *     cs_multitaper_plan *plan;
 *     if (cs_multitaper_plan_create(&p, 2000, &plan)) return fail();
 *     size_t nf = cs_multitaper_plan_nfreq(plan);
 *     double *psd = malloc(4 * nf * sizeof *psd);
 *     cs_multitaper_psd(plan, cs_matrix_view(data, 2000, 4), psd, NULL);
 *     cs_multitaper_plan_destroy(plan);
 */
#ifndef COGSCOPE_MULTITAPER_H
#define COGSCOPE_MULTITAPER_H

#include "cogscope/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The k DPSS tapers of length n and half-bandwidth nw (W = nw / n), as
 * scipy.signal.windows.dpss(n, nw, k, sym=!periodic, norm=2,
 * return_ratios=True): eigenvectors of Slepian's symmetric tridiagonal matrix
 * for its k largest eigenvalues (LAPACK dstebz bisection + dstein inverse
 * iteration, the routines scipy uses), unit 2-norm (before the periodic
 * version drops its last point), signs by Percival & Walden's convention
 * (even tapers sum positive, odd tapers start with a positive lobe).
 * tapers: k x n (row-major); ratios[0..k): the concentration of each taper's
 * energy in [-W, W] (may be NULL). Needs n >= 2, 0 < nw < n/2, 1 <= k <= n. */
cs_status cs_dpss(size_t n, double nw, size_t k, int periodic, double *tapers, double *ratios);

typedef enum {
    CS_MT_NORM_LENGTH = 0, /* MNE's default 'length': density x fs (units^2 per
                              cycle/sample); equals Welch's density when fs = 1 */
    CS_MT_NORM_FULL        /* MNE's 'full': divided by fs, units^2/Hz like Welch */
} cs_mt_normalization;

typedef struct {
    double fs;                         /* sampling frequency, > 0 (default 1) */
    double nw;                         /* time-half-bandwidth product NW (default 4, MNE's);
                                          MNE's `bandwidth` B Hz is NW = B n / (2 fs) */
    size_t k;                          /* tapers computed: 0 = floor(2 NW) (MNE) */
    int low_bias;                      /* keep only tapers with concentration > 0.9 (default 1) */
    int adaptive;                      /* Thomson's adaptive weights (default 0); MNE switches
                                          them off with fewer than 3 tapers, as does this */
    size_t max_iter;                   /* adaptive iterations (default 150, MNE's) */
    cs_mt_normalization normalization; /* default CS_MT_NORM_LENGTH (MNE's) */
    double fmin, fmax;                 /* frequencies kept, inclusive (default 0, +inf) */
    int threads;                       /* OpenMP threads over channels; 0 = all cores */
} cs_multitaper_params;

void cs_multitaper_params_default(cs_multitaper_params *p);

typedef struct cs_multitaper_plan cs_multitaper_plan;

/* Plan for series of n samples: validates (fs > 0, n >= 2, NW >= 0.5 as MNE
 * requires, NW < n/2, fmin <= fmax), computes the tapers and ratios, drops
 * low-concentration tapers, plans the FFT. */
cs_status cs_multitaper_plan_create(const cs_multitaper_params *p, size_t n, cs_multitaper_plan **out);
void cs_multitaper_plan_destroy(cs_multitaper_plan *plan);

size_t cs_multitaper_plan_nfreq(const cs_multitaper_plan *plan);                     /* frequencies kept */
size_t cs_multitaper_plan_ntapers(const cs_multitaper_plan *plan);                   /* tapers used */
int cs_multitaper_plan_adaptive(const cs_multitaper_plan *plan);                     /* adaptive weighting in use */
void cs_multitaper_plan_freqs(const cs_multitaper_plan *plan, double *f);            /* nfreq, Hz */
void cs_multitaper_plan_eigenvalues(const cs_multitaper_plan *plan, double *lambda); /* ntapers */
void cs_multitaper_plan_tapers(const cs_multitaper_plan *plan, double *tapers);      /* ntapers x n */

/* One-sided multitaper PSD of every channel: x is n x C, psd is C x nfreq.
 * Each channel's mean is removed; DC and Nyquist are not doubled. Fixed
 * weights sqrt(lambda_k), or Thomson's adaptive weights iterated as MNE's
 * _psd_from_mt_adaptive (stop when the largest over frequencies of the
 * mean-square weight change is < 1e-10). *not_converged (may be NULL) gets the
 * number of channels whose adaptive iteration hit max_iter (MNE warns). */
cs_status cs_multitaper_psd(const cs_multitaper_plan *plan, cs_matrix x, double *psd, size_t *not_converged);

#ifdef __cplusplus
}
#endif
#endif

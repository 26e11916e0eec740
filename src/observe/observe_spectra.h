/* Spectral pieces of the analysis pipeline (spectra.c). Not a public header. */
#ifndef COGSCOPE_OBSERVE_SPECTRA_H
#define COGSCOPE_OBSERVE_SPECTRA_H

#include "cogscope/observe.h"

/* Welch PSD (fs = 1 per step, segment nperseg or min(256, n)) and aperiodic
 * fit of one per-step series x (n values) into /analysis/spectra/NAME/...
 * A series with NaN/Inf, too short, or a fit that fails adds a note; only
 * allocation failures are errors. */
cs_status obs_series_spectrum(cs_metrics *m, const char *name, const double *x, size_t n, size_t nperseg);
/* The same for a series sampled fs times per step (snapshot series: fs =
 * 1 / snapshot spacing), frequencies still in cycles per step. */
cs_status obs_series_spectrum_fs(cs_metrics *m, const char *name, const double *x, size_t n, size_t nperseg,
                                 double fs);

/* Mean over channels of the one-segment Welch PSD (hann, constant detrend)
 * of x (n samples x channels): f and mean_psd receive n/2 + 1 values. */
cs_status obs_channel_psd(const double *x, size_t n, size_t channels, double *f, double *mean_psd, size_t *nf);

/* Segment length used for coherence over n time points: 16 (n >= 32), 8
 * (n >= 16), 4 (n >= 8), 0 (too short). */
size_t obs_coherence_nperseg(size_t n);

/* Mean over channels of the magnitude-squared coherence of x and y (both
 * n x channels), linear detrend, segment obs_coherence_nperseg(n), 50 %
 * overlap. f and coh receive *nf values (at most 9). */
cs_status obs_mean_coherence(const double *x, const double *y, size_t n, size_t channels, double fs, double *f,
                             double *coh, size_t *nf, size_t *nseg);

/* The coherence a value must exceed to be significant at family-wise level
 * alpha over ntests frequencies (Bonferroni) when it is a Welch average of
 * nseg Hann segments with 50 % overlap: 1 - (alpha/ntests)^(1/(K-1)),
 * K = cs_welch_hann50_dof(nseg) / 2. NaN when K <= 1 (a single segment's
 * coherence is 1 whatever the data). */
double obs_coherence_threshold(size_t nseg, double alpha, size_t ntests);

#endif

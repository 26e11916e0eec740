/* Spectral pieces of the analysis pipeline (spectra.c). Not a public header. */
#ifndef COGSCOPE_OBSERVE_SPECTRA_H
#define COGSCOPE_OBSERVE_SPECTRA_H

#include "cogscope/observe.h"

/* Welch PSD (fs = 1 per step, segment nperseg or min(256, n)) and aperiodic
 * fit of one per-step series x (n values) into /analysis/spectra/NAME/...
 * A series with NaN/Inf, too short, or a fit that fails adds a note; only
 * allocation failures are errors. */
cs_status obs_series_spectrum(cs_metrics *m, const char *name, const double *x, size_t n, size_t nperseg);

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

#endif

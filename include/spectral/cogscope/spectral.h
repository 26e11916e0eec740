/* Spectra of sampled series: Welch power spectral density, cross spectral
 * density, magnitude-squared coherence, periodogram, spectrogram, band power.
 *
 * The numbers are scipy.signal's (welch, csd, coherence, periodogram,
 * spectrogram) with the same options and defaults; docs/spectral.md lists the
 * few deliberate differences (an explicit nperseg longer than the series is an
 * error, not a warning).
 *
 * Life cycle (plan, then execute, as FFTW): fill a cs_welch_params (start from
 * cs_welch_params_default() or one of its siblings), make a plan for a series
 * length with cs_welch_plan_create(), then run it on any number of arrays of
 * that length. The plan owns the window, the FFTW plan and the segment layout;
 * executing it is thread-safe and parallel over channels (OpenMP).
 *
 * Data layout: x is samples x channels (row-major cs_matrix, DESIGN.md §2);
 * every channel is analysed independently. Outputs are caller-owned,
 * channel-major: psd[c * nfreq + k] is channel c at frequency f[k].
 *
 * Example: the mean Welch PSD of 8 channels of 10,000 samples at 250 Hz.
 *
 *     cs_welch_params p;
 *     cs_welch_params_default(&p);
 *     p.fs = 250.0; p.nperseg = 512;
 *     cs_welch_plan *plan;
 *     if (cs_welch_plan_create(&p, 10000, &plan)) return fail();
 *     size_t nf = cs_welch_plan_nfreq(plan);
 *     double *f = malloc(nf * sizeof *f), *psd = malloc(8 * nf * sizeof *psd);
 *     cs_welch_plan_freqs(plan, f);
 *     cs_welch_psd(plan, cs_matrix_view(data, 10000, 8), psd);
 *     cs_welch_plan_destroy(plan);
 */
#ifndef COGSCOPE_SPECTRAL_H
#define COGSCOPE_SPECTRAL_H

#include "cogscope/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Windows, as scipy.signal.get_window names them. */
typedef enum {
    CS_WINDOW_HANN = 0,
    CS_WINDOW_HAMMING,
    CS_WINDOW_BLACKMAN,
    CS_WINDOW_BOXCAR,
    CS_WINDOW_TUKEY, /* parameter: alpha in [0, 1] (taper fraction) */
    CS_WINDOW_BARTLETT,
    CS_WINDOW_FLATTOP,
    CS_WINDOW_USER /* values supplied by the caller */
} cs_window_kind;

typedef enum { CS_DETREND_NONE = 0, CS_DETREND_CONSTANT, CS_DETREND_LINEAR } cs_detrend;
typedef enum { CS_SCALING_DENSITY = 0, CS_SCALING_SPECTRUM } cs_scaling;
typedef enum { CS_AVERAGE_MEAN = 0, CS_AVERAGE_MEDIAN } cs_average;

/* Parse a window name: "hann", "hamming", "blackman", "boxcar" (or "rect",
 * "rectangular", "ones"), "bartlett", "flattop", "tukey" (alpha 0.5, scipy's
 * default) or "tukey:ALPHA". CS_EINVAL names the unknown window. */
cs_status cs_window_parse(const char *text, cs_window_kind *kind, double *param);

/* The name of a window kind ("hann", ...). */
const char *cs_window_name(cs_window_kind kind);

/* Fill w[0..n) with window `kind` (not CS_WINDOW_USER). periodic != 0 gives
 * the DFT-even window for spectral analysis (scipy's sym=False, what
 * get_window returns); periodic == 0 the symmetric one. `param` is Tukey's
 * alpha and ignored otherwise. Values agree with scipy.signal.windows to a
 * few ulp (the same formulas, evaluated in the same order). */
cs_status cs_window_fill(cs_window_kind kind, double param, int periodic, size_t n, double *w);

/* Options of every segment-based estimator, named and defaulted as in
 * scipy.signal. Zero/negative sentinels mean "scipy's default". */
typedef struct {
    double fs;                   /* sampling frequency, > 0 (default 1) */
    cs_window_kind window;       /* default hann (welch/csd/coherence) */
    double window_param;         /* Tukey alpha */
    const double *window_values; /* CS_WINDOW_USER: nperseg values, copied by the plan */
    size_t window_len;           /* CS_WINDOW_USER: number of values */
    size_t nperseg;              /* 0: 256 capped at the series length (or the
                                    user window's length); an explicit value
                                    longer than the series is an error */
    long noverlap;               /* < 0: nperseg/2 (welch), nperseg/8 (spectrogram) */
    size_t nfft;                 /* 0: nperseg; otherwise >= nperseg (zero padding) */
    cs_detrend detrend;          /* default constant (segment mean removed) */
    cs_scaling scaling;          /* density (units^2/Hz, default) or spectrum (units^2) */
    cs_average average;          /* mean (default) or median with scipy's bias correction */
    int onesided;                /* 1 (default): frequencies 0..fs/2, doubled power;
                                    0: all nfft frequencies in numpy's fftfreq order */
    int threads;                 /* OpenMP threads over channels; 0 = all cores */
} cs_welch_params;

/* scipy.signal.welch / csd / coherence defaults: fs 1, hann, nperseg 256
 * (capped), noverlap nperseg/2, nfft nperseg, constant detrend, density, mean,
 * one-sided. */
void cs_welch_params_default(cs_welch_params *p);

/* scipy.signal.spectrogram defaults: as Welch but window tukey(0.25) and
 * noverlap nperseg/8. */
void cs_spectrogram_params_default(cs_welch_params *p);

/* scipy.signal.periodogram defaults: boxcar window over the whole series,
 * constant detrend, density, one-sided. */
void cs_periodogram_params_default(cs_welch_params *p);

typedef struct cs_welch_plan cs_welch_plan;

/* Plan Welch/CSD/coherence for series of `n` samples: validates every
 * parameter (fs > 0, nperseg <= n, 0 <= noverlap < nperseg, nfft >= nperseg,
 * window alpha in [0,1], user window length), builds the window and the FFTW
 * plan. CS_EINVAL names the offending parameter. */
cs_status cs_welch_plan_create(const cs_welch_params *p, size_t n, cs_welch_plan **out);

/* As cs_welch_plan_create but with scipy.signal.spectrogram's default overlap
 * (nperseg/8) when p->noverlap < 0. */
cs_status cs_spectrogram_plan_create(const cs_welch_params *p, size_t n, cs_welch_plan **out);

/* scipy.signal.periodogram's rules: one segment, no overlap; nfft == 0 or
 * nfft >= n uses the whole series (zero padded to nfft); nfft < n uses only
 * the first nfft samples. p->nperseg must be 0 and p->noverlap < 0 (the
 * periodogram has neither); the user window, if any, must have the segment's
 * length. */
cs_status cs_periodogram_plan_create(const cs_welch_params *p, size_t n, cs_welch_plan **out);

void cs_welch_plan_destroy(cs_welch_plan *plan);

size_t cs_welch_plan_nfreq(const cs_welch_plan *plan);     /* frequencies in the output */
size_t cs_welch_plan_nsegments(const cs_welch_plan *plan); /* segments averaged */
size_t cs_welch_plan_nperseg(const cs_welch_plan *plan);   /* after defaults */
size_t cs_welch_plan_noverlap(const cs_welch_plan *plan);  /* after defaults */
size_t cs_welch_plan_nfft(const cs_welch_plan *plan);      /* after defaults */
size_t cs_welch_plan_nsamples(const cs_welch_plan *plan);  /* series length planned for */

/* 1 when the default nperseg (256) was longer than the series and was capped
 * to its length: the case where scipy warns "nperseg = 256 is greater than
 * input length". The CLI prints that warning. */
int cs_welch_plan_capped(const cs_welch_plan *plan);

/* The plan's window values, w[0..nperseg). */
void cs_welch_plan_window(const cs_welch_plan *plan, double *w);

/* Frequencies f[0..nfreq) in Hz: rfftfreq(nfft, 1/fs) when one-sided,
 * fftfreq(nfft, 1/fs) (0, positive, then negative) when two-sided. */
void cs_welch_plan_freqs(const cs_welch_plan *plan, double *f);

/* Segment centre times t[0..nsegments) in seconds (scipy's spectrogram t). */
void cs_welch_plan_times(const cs_welch_plan *plan, double *t);

/* Power spectral density of every channel: x is n x C (n = the planned
 * length), psd is C x nfreq. Welch with the plan's averaging; for a plan made
 * by cs_periodogram_plan_create this is the periodogram. CS_ENONFINITE names
 * the row and column of a NaN/Inf; CS_ESHAPE a wrong number of rows. */
cs_status cs_welch_psd(const cs_welch_plan *plan, cs_matrix x, double *psd);

/* Cross spectral density of channel pairs (x column j, y column j), as
 * scipy.signal.csd(x_j, y_j): mean (or median of real and imaginary parts
 * separately, bias-corrected) of conj(X) Y. x and y are n x C; re and im are
 * C x nfreq. */
cs_status cs_welch_csd(const cs_welch_plan *plan, cs_matrix x, cs_matrix y, double *re, double *im);

/* Magnitude-squared coherence |Pxy|^2 / (Pxx Pyy) of channel pairs, as
 * scipy.signal.coherence: always mean-averaged (the plan's `average` and
 * `scaling` are not used; scaling cancels). x, y are n x C; coh is C x nfreq,
 * each value in [0, 1] (a frequency where Pxx or Pyy is 0 gives NaN, as scipy). */
cs_status cs_welch_coherence(const cs_welch_plan *plan, cs_matrix x, cs_matrix y, double *coh);

/* Spectrogram (power mode) as scipy.signal.spectrogram: the spectrum of every
 * segment, no averaging. x is n x C; sxx is C x nfreq x nsegments
 * (sxx[(c * nfreq + k) * nseg + s], scipy's [..., freq, time] layout). */
cs_status cs_welch_spectrogram(const cs_welch_plan *plan, cs_matrix x, double *sxx);

/* Integral of a density over [flo, fhi] by the trapezoidal rule over the
 * frequencies inside the band (inclusive), f ascending with n >= 2 points.
 * A band containing fewer than two frequencies gives CS_EINVAL naming it. */
cs_status cs_spectral_band_power(const double *f, const double *psd, size_t n, double flo, double fhi, double *power);

/* scipy's bias of the median of n periodograms relative to their mean
 * (FINDCHIRP, Allen et al. 2012, appendix B): 1 + sum_{i=1}^{(n-1)/2}
 * (1/(2i+1) - 1/(2i)). */
double cs_spectral_median_bias(size_t n);

#ifdef __cplusplus
}
#endif
#endif

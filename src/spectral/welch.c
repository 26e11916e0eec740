/* Welch PSD, CSD, coherence, periodogram and spectrogram on FFTW, with
 * scipy.signal's semantics (scipy/signal/_spectral_py.py: _spectral_helper,
 * _fft_helper, _triage_segments, _median_bias).
 *
 * One engine serves every estimator: for each channel (pair) and each segment
 * it gathers the segment, detrends it, multiplies by the window, zero-pads to
 * nfft and runs one real-to-complex FFT, then accumulates (mean), stores
 * (median, spectrogram) or combines (coherence) the products. The FFTW plan
 * and the window are made once per cs_welch_plan; all execution buffers are
 * per thread, so a plan can be executed from several threads at once. */
#include "cogscope/spectral.h"

#include <fftw3.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "fft_plan.h"

struct cs_welch_plan {
    double fs;
    cs_detrend detrend;
    cs_scaling scaling;
    cs_average average;
    int onesided;
    int threads;
    int capped;
    size_t n;      /* series length planned for */
    size_t n_used; /* samples used (< n only for a truncating periodogram) */
    size_t nperseg, noverlap, step, nseg, nfft;
    size_t nhalf; /* nfft / 2 + 1: bins of the real-to-complex transform */
    size_t nfreq; /* output bins: nhalf (one-sided) or nfft (two-sided) */
    double scale; /* 1/(fs sum w^2) for density, 1/(sum w)^2 for spectrum */
    double *win;  /* nperseg */
    double *tc;   /* nperseg: t - mean(t), for linear detrending */
    double stt;   /* sum tc^2 */
    fftw_plan fwd;
};

void cs_welch_params_default(cs_welch_params *p)
{
    memset(p, 0, sizeof *p);
    p->fs = 1.0;
    p->window = CS_WINDOW_HANN;
    p->nperseg = 0;
    p->noverlap = -1;
    p->nfft = 0;
    p->detrend = CS_DETREND_CONSTANT;
    p->scaling = CS_SCALING_DENSITY;
    p->average = CS_AVERAGE_MEAN;
    p->onesided = 1;
    p->threads = 0;
}

void cs_spectrogram_params_default(cs_welch_params *p)
{
    cs_welch_params_default(p);
    p->window = CS_WINDOW_TUKEY;
    p->window_param = 0.25;
}

void cs_periodogram_params_default(cs_welch_params *p)
{
    cs_welch_params_default(p);
    p->window = CS_WINDOW_BOXCAR;
}

double cs_spectral_median_bias(size_t n)
{
    double bias = 1.0;
    for (size_t i = 1; i <= (n > 0 ? (n - 1) / 2 : 0); i++) {
        double ii2 = 2.0 * (double)i;
        bias += 1.0 / (ii2 + 1.0) - 1.0 / ii2;
    }
    return bias;
}

enum plan_kind { PLAN_WELCH, PLAN_SPECTROGRAM, PLAN_PERIODOGRAM };

void cs_welch_plan_destroy(cs_welch_plan *plan)
{
    if (!plan)
        return;
    if (plan->fwd)
        fftw_destroy_plan(plan->fwd);
    free(plan->win);
    free(plan->tc);
    free(plan);
}

/* The parameters' kinds and values that do not depend on the series. */
static cs_status check_params(const cs_welch_params *p, size_t n)
{
    if (!p)
        return cs_error_set(CS_EINVAL, "spectral parameters are NULL");
    if (!(isfinite(p->fs) && p->fs > 0.0))
        return cs_error_set(CS_EINVAL, "fs = %g: the sampling frequency must be > 0", p->fs);
    if (n == 0)
        return cs_error_set(CS_EINVAL, "the series is empty (0 samples)");
    if ((unsigned)p->window > CS_WINDOW_USER)
        return cs_error_set(CS_EINVAL, "window: unknown kind %d", (int)p->window);
    if ((unsigned)p->detrend > CS_DETREND_LINEAR)
        return cs_error_set(CS_EINVAL, "detrend: unknown kind %d", (int)p->detrend);
    if ((unsigned)p->scaling > CS_SCALING_SPECTRUM)
        return cs_error_set(CS_EINVAL, "scaling: unknown kind %d", (int)p->scaling);
    if ((unsigned)p->average > CS_AVERAGE_MEDIAN)
        return cs_error_set(CS_EINVAL, "average: unknown kind %d", (int)p->average);
    if (p->window == CS_WINDOW_TUKEY && !(p->window_param >= 0.0 && p->window_param <= 1.0))
        return cs_error_set(CS_EINVAL, "window: Tukey alpha = %g is outside [0, 1]", p->window_param);
    if (p->window == CS_WINDOW_USER) {
        if (!p->window_values || p->window_len == 0)
            return cs_error_set(CS_EINVAL, "window: a user window needs at least one value");
        for (size_t i = 0; i < p->window_len; i++)
            if (!isfinite(p->window_values[i]))
                return cs_error_set(CS_EINVAL, "window: value %zu is not finite", i);
    }
    return CS_OK;
}

/* The segmentation of an n-sample series: samples used, segment length,
 * FFT length, overlap, and whether the default segment was capped at n. */
typedef struct {
    size_t n_used, nperseg, nfft;
    long noverlap;
    int capped;
} seg_shape;

/* The periodogram's one segment: the whole series, or its first nfft
 * samples when nfft < n (scipy.signal.periodogram truncates). */
static cs_status periodogram_shape(const cs_welch_params *p, size_t n, seg_shape *g)
{
    if (p->nperseg != 0)
        return cs_error_set(CS_EINVAL, "nperseg: the periodogram uses one segment of the whole "
                                       "series (set nfft to shorten or pad it)");
    if (p->noverlap >= 0)
        return cs_error_set(CS_EINVAL, "noverlap: the periodogram has a single segment");
    if (g->nfft == 0 || g->nfft >= n) {
        g->nperseg = n;
    } else {
        g->n_used = g->nfft;
        g->nperseg = g->nfft;
    }
    g->noverlap = 0;
    if (p->window == CS_WINDOW_USER && p->window_len != g->nperseg)
        return cs_error_set(CS_EINVAL,
                            "window: the user window has %zu values but the periodogram "
                            "segment has %zu samples",
                            p->window_len, g->nperseg);
    return CS_OK;
}

/* Segment length of Welch and the spectrogram: the user window's, else
 * p->nperseg, else 256 (capped at n as scipy does, with a warning). */
static cs_status segment_length(const cs_welch_params *p, size_t n, seg_shape *g)
{
    if (p->window == CS_WINDOW_USER) {
        if (p->window_len > n)
            return cs_error_set(CS_EINVAL,
                                "window: the user window (%zu values) is longer than "
                                "the series (%zu samples)",
                                p->window_len, n);
        if (g->nperseg == 0)
            g->nperseg = p->window_len;
        else if (g->nperseg != p->window_len)
            return cs_error_set(CS_EINVAL, "nperseg = %zu differs from the user window's length %zu", g->nperseg,
                                p->window_len);
    } else if (g->nperseg == 0) {
        g->nperseg = 256;
        if (g->nperseg > n) { /* scipy warns and uses the series length */
            g->nperseg = n;
            g->capped = 1;
        }
    } else if (g->nperseg > n) {
        return cs_error_set(CS_EINVAL, "nperseg = %zu is larger than the series (%zu samples)", g->nperseg, n);
    }
    return CS_OK;
}

/* The segmentation for `kind` (seg_shape), checked: nfft >= nperseg, one
 * FFT's size, noverlap < nperseg (default nperseg/2, spectrogram /8). */
static cs_status plan_shape(const cs_welch_params *p, size_t n, enum plan_kind kind, seg_shape *g)
{
    *g = (seg_shape){.n_used = n, .nperseg = p->nperseg, .nfft = p->nfft, .noverlap = p->noverlap};
    cs_status st = kind == PLAN_PERIODOGRAM ? periodogram_shape(p, n, g) : segment_length(p, n, g);
    if (st != CS_OK)
        return st;
    if (g->nfft == 0)
        g->nfft = g->nperseg;
    if (g->nfft < g->nperseg)
        return cs_error_set(CS_EINVAL, "nfft = %zu must be >= nperseg = %zu", g->nfft, g->nperseg);
    if (g->nfft > (size_t)INT32_MAX)
        return cs_error_set(CS_EINVAL, "nfft = %zu is too large for one FFT", g->nfft);
    if (g->noverlap < 0)
        g->noverlap = (long)(kind == PLAN_SPECTROGRAM ? g->nperseg / 8 : g->nperseg / 2);
    if ((size_t)g->noverlap >= g->nperseg)
        return cs_error_set(CS_EINVAL, "noverlap = %ld must be less than nperseg = %zu", g->noverlap, g->nperseg);
    return CS_OK;
}

/* The plan's window win[nperseg] (the user's or cs_window_fill's), its
 * scale 1/(fs sum w^2) (density) or 1/(sum w)^2 (spectrum), and the
 * centred times tc[nperseg] with stt = sum tc^2 for linear detrending. */
static cs_status plan_window(cs_welch_plan *plan, const cs_welch_params *p)
{
    size_t nperseg = plan->nperseg;
    plan->win = malloc(nperseg * sizeof *plan->win);
    plan->tc = malloc(nperseg * sizeof *plan->tc);
    if (!plan->win || !plan->tc)
        return cs_error_set(CS_ENOMEM, "cannot allocate a window of %zu values", nperseg);
    if (p->window == CS_WINDOW_USER) {
        memcpy(plan->win, p->window_values, nperseg * sizeof *plan->win);
    } else {
        cs_status st = cs_window_fill(p->window, p->window_param, 1, nperseg, plan->win);
        if (st)
            return st;
    }
    double sw = 0.0, sw2 = 0.0;
    for (size_t i = 0; i < nperseg; i++) {
        sw += plan->win[i];
        sw2 += plan->win[i] * plan->win[i];
    }
    double denom = plan->scaling == CS_SCALING_DENSITY ? p->fs * sw2 : sw * sw;
    if (!(denom > 0.0) || !isfinite(denom))
        return cs_error_set(CS_EINVAL, "window: its %s is zero, so the spectrum cannot be scaled",
                            p->scaling == CS_SCALING_DENSITY ? "energy" : "sum");
    plan->scale = 1.0 / denom;
    double tbar = ((double)nperseg - 1.0) / 2.0;
    plan->stt = 0.0;
    for (size_t i = 0; i < nperseg; i++) {
        plan->tc[i] = (double)i - tbar;
        plan->stt += plan->tc[i] * plan->tc[i];
    }
    return CS_OK;
}

/* A plan of `kind` for n-sample series: parameters checked, segmentation,
 * window and the FFTW real-to-complex plan of nfft points. */
static cs_status plan_create(const cs_welch_params *p, size_t n, enum plan_kind kind, cs_welch_plan **out)
{
    *out = NULL;
    spectral_gsl_setup();
    seg_shape g;
    cs_status st = check_params(p, n);
    if (st == CS_OK)
        st = plan_shape(p, n, kind, &g);
    if (st != CS_OK)
        return st;
    cs_welch_plan *plan = calloc(1, sizeof *plan);
    if (!plan)
        return cs_error_set(CS_ENOMEM, "cannot allocate a spectral plan");
    plan->fs = p->fs;
    plan->detrend = p->detrend;
    plan->scaling = p->scaling;
    plan->average = p->average;
    plan->onesided = p->onesided != 0;
    plan->threads = cs_threads_resolve(p->threads);
    plan->capped = g.capped;
    plan->n = n;
    plan->n_used = g.n_used;
    plan->nperseg = g.nperseg;
    plan->noverlap = (size_t)g.noverlap;
    plan->step = g.nperseg - (size_t)g.noverlap;
    plan->nseg = (g.n_used - (size_t)g.noverlap) / plan->step;
    plan->nfft = g.nfft;
    plan->nhalf = g.nfft / 2 + 1;
    plan->nfreq = plan->onesided ? plan->nhalf : g.nfft;
    if ((st = plan_window(plan, p)) == CS_OK && !(plan->fwd = spectral_plan_r2c(g.nfft)))
        st = cs_error_set(CS_EINTERNAL, "FFTW could not plan a transform of %zu points", g.nfft);
    if (st != CS_OK) {
        cs_welch_plan_destroy(plan);
        return st;
    }
    *out = plan;
    return CS_OK;
}

cs_status cs_welch_plan_create(const cs_welch_params *p, size_t n, cs_welch_plan **out)
{
    return plan_create(p, n, PLAN_WELCH, out);
}

cs_status cs_spectrogram_plan_create(const cs_welch_params *p, size_t n, cs_welch_plan **out)
{
    return plan_create(p, n, PLAN_SPECTROGRAM, out);
}

cs_status cs_periodogram_plan_create(const cs_welch_params *p, size_t n, cs_welch_plan **out)
{
    return plan_create(p, n, PLAN_PERIODOGRAM, out);
}

size_t cs_welch_plan_nfreq(const cs_welch_plan *plan) { return plan->nfreq; }
size_t cs_welch_plan_nsegments(const cs_welch_plan *plan) { return plan->nseg; }
size_t cs_welch_plan_nperseg(const cs_welch_plan *plan) { return plan->nperseg; }
size_t cs_welch_plan_noverlap(const cs_welch_plan *plan) { return plan->noverlap; }
size_t cs_welch_plan_nfft(const cs_welch_plan *plan) { return plan->nfft; }
size_t cs_welch_plan_nsamples(const cs_welch_plan *plan) { return plan->n; }
int cs_welch_plan_capped(const cs_welch_plan *plan) { return plan->capped; }

void cs_welch_plan_window(const cs_welch_plan *plan, double *w) { memcpy(w, plan->win, plan->nperseg * sizeof *w); }

void cs_welch_plan_freqs(const cs_welch_plan *plan, double *f)
{
    /* numpy's rfftfreq/fftfreq: k * (1 / (n * d)) with d = 1/fs. */
    double val = 1.0 / ((double)plan->nfft * (1.0 / plan->fs));
    if (plan->onesided) {
        for (size_t k = 0; k < plan->nhalf; k++)
            f[k] = (double)k * val;
        return;
    }
    size_t npos = (plan->nfft - 1) / 2 + 1;
    for (size_t k = 0; k < npos; k++)
        f[k] = (double)k * val;
    for (size_t k = npos; k < plan->nfft; k++)
        f[k] = -(double)(plan->nfft - k) * val;
}

void cs_welch_plan_times(const cs_welch_plan *plan, double *t)
{
    for (size_t s = 0; s < plan->nseg; s++)
        t[s] = ((double)plan->nperseg / 2.0 + (double)(s * plan->step)) / plan->fs;
}

/* ---- execution ------------------------------------------------------------ */

enum est_kind { EST_PSD, EST_CSD, EST_COH, EST_SPECGRAM };

/* Per-thread buffers for a block of up to `nb` channels. */
typedef struct {
    size_t nb;
    double **xin, **yin;         /* nb segments of nfft reals (aligned) */
    fftw_complex **xout, **yout; /* nb spectra of nhalf bins (aligned) */
    double *acc;                 /* nb x 4 x nhalf accumulators */
    double *store;               /* median: nb x 2 x nhalf x nseg */
    double xsum[8], ysum[8];     /* segment sums (nb <= 8) */
} workspace;

static void ws_free(workspace *w)
{
    for (size_t b = 0; b < w->nb; b++) {
        if (w->xin)
            fftw_free(w->xin[b]);
        if (w->yin)
            fftw_free(w->yin[b]);
        if (w->xout)
            fftw_free(w->xout[b]);
        if (w->yout)
            fftw_free(w->yout[b]);
    }
    free(w->xin);
    free(w->yin);
    free(w->xout);
    free(w->yout);
    free(w->acc);
    free(w->store);
}

static int ws_alloc(workspace *w, const cs_welch_plan *p, size_t nb, int pair, int median)
{
    memset(w, 0, sizeof *w);
    w->nb = nb;
    w->xin = calloc(nb, sizeof *w->xin);
    w->yin = calloc(nb, sizeof *w->yin);
    w->xout = calloc(nb, sizeof *w->xout);
    w->yout = calloc(nb, sizeof *w->yout);
    w->acc = calloc(nb * 4 * p->nhalf, sizeof *w->acc);
    if (!w->xin || !w->yin || !w->xout || !w->yout || !w->acc)
        return 0;
    for (size_t b = 0; b < nb; b++) {
        w->xin[b] = fftw_malloc(p->nfft * sizeof(double));
        w->xout[b] = fftw_malloc(p->nhalf * sizeof(fftw_complex));
        if (!w->xin[b] || !w->xout[b])
            return 0;
        if (pair) {
            w->yin[b] = fftw_malloc(p->nfft * sizeof(double));
            w->yout[b] = fftw_malloc(p->nhalf * sizeof(fftw_complex));
            if (!w->yin[b] || !w->yout[b])
                return 0;
        }
    }
    if (median) {
        if (p->nseg > SIZE_MAX / sizeof(double) / 2 / p->nhalf / nb)
            return 0;
        w->store = malloc(nb * 2 * p->nhalf * p->nseg * sizeof *w->store);
        if (!w->store)
            return 0;
    }
    return 1;
}

/* Detrend and window one gathered segment in place; zero the padding.
 * `sum` is the segment's sum, accumulated while gathering. */
static void prepare_segment(const cs_welch_plan *p, double *s, double sum)
{
    size_t m = p->nperseg;
    double mean = sum / (double)m;
    if (p->detrend == CS_DETREND_CONSTANT) {
        for (size_t i = 0; i < m; i++)
            s[i] = (s[i] - mean) * p->win[i];
    } else if (p->detrend == CS_DETREND_LINEAR) {
        double sxt = 0.0;
        for (size_t i = 0; i < m; i++)
            sxt += p->tc[i] * (s[i] - mean);
        double slope = p->stt > 0.0 ? sxt / p->stt : 0.0;
        for (size_t i = 0; i < m; i++)
            s[i] = (s[i] - mean - slope * p->tc[i]) * p->win[i];
    } else {
        for (size_t i = 0; i < m; i++)
            s[i] *= p->win[i];
    }
    if (p->nfft > m)
        memset(s + m, 0, (p->nfft - m) * sizeof *s);
}

/* Gather segment `seg` of channels [c0, c0 + nb) of x into bufs[b]: one pass
 * over the rows, reading nb adjacent values per row (a cache line for 8
 * channels) instead of nb strided passes. Also sums each channel's segment
 * (for detrending) into sums[b]; a NaN or Inf anywhere makes a sum
 * non-finite, which is how the data is checked without a separate pass. */
static void gather(const cs_welch_plan *p, cs_matrix x, size_t c0, size_t nb, size_t seg, double **bufs, double *sums)
{
    size_t start = seg * p->step;
    for (size_t b = 0; b < nb; b++)
        sums[b] = 0.0;
    for (size_t i = 0; i < p->nperseg; i++) {
        const double *row = x.data + (start + i) * x.stride + c0;
        for (size_t b = 0; b < nb; b++) {
            bufs[b][i] = row[b];
            sums[b] += row[b];
        }
    }
}

/* True when rows [r0, rows) of x are all finite (the samples after the last
 * segment, which gather() does not see). */
static int tail_finite(cs_matrix x, size_t r0)
{
    for (size_t i = r0; i < x.rows; i++)
        for (size_t j = 0; j < x.cols; j++)
            if (!isfinite(x.data[i * x.stride + j]))
                return 0;
    return 1;
}

/* The factor on bin k of a one-sided spectrum: 2 except DC and (even nfft)
 * Nyquist, which have no mirror image. */
static inline double side_factor(const cs_welch_plan *p, size_t k)
{
    if (!p->onesided || k == 0 || (p->nfft % 2 == 0 && k == p->nhalf - 1))
        return 1.0;
    return 2.0;
}

/* Write a half spectrum (re, im over nhalf bins) into the plan's output
 * layout: one-sided copies; two-sided mirrors bin k to nfft - k with the
 * imaginary part negated (the spectrum of real data is Hermitian). */
static void emit(const cs_welch_plan *p, const double *re_half, const double *im_half, double *re_out, double *im_out)
{
    for (size_t k = 0; k < p->nhalf; k++) {
        re_out[k] = re_half[k];
        if (im_out)
            im_out[k] = im_half[k];
    }
    if (p->onesided)
        return;
    for (size_t k = p->nhalf; k < p->nfft; k++) {
        re_out[k] = re_half[p->nfft - k];
        if (im_out)
            im_out[k] = -im_half[p->nfft - k];
    }
}

static double median_of(double *v, size_t n) { return gsl_stats_median(v, 1, n); }

/* One estimate over a plan: the inputs x (n x channels; y paired column by
 * column for CSD and coherence), what is estimated, and the outputs o1, o2
 * (channels x nfreq; the spectrogram channels x nfreq x nseg). */
typedef struct {
    const cs_welch_plan *p;
    cs_matrix x, y;
    enum est_kind kind;
    int pair, median; /* CSD/coherence; median average of PSD/CSD */
    double bias;      /* the median's bias (1 for the mean) */
    double *o1, *o2;
} run_job;

/* The shapes of x and y against the plan. */
static cs_status check_inputs(const cs_welch_plan *p, cs_matrix x, cs_matrix y, int pair)
{
    if (x.rows != p->n)
        return cs_error_set(CS_ESHAPE, "x has %zu samples but the plan is for %zu", x.rows, p->n);
    if (pair && (y.rows != p->n || y.cols != x.cols))
        return cs_error_set(CS_ESHAPE,
                            "y is %zu x %zu but x is %zu x %zu (pairs are x column j "
                            "with y column j)",
                            y.rows, y.cols, x.rows, x.cols);
    if (x.cols == 0)
        return cs_error_set(CS_EINVAL, "x has no channels");
    return CS_OK;
}

/* Segment s of channels c0 .. c0+cnt-1, gathered into w: each channel's
 * FFT (and its pair's), then the products |X|^2 or conj(X) Y into the
 * spectrogram (o1, scaled), the median store (w->store, per segment) or the
 * sums (w->acc: Re, Im, and for coherence |X|^2, |Y|^2; 4 x nhalf per
 * channel). tmp_re: 2 x nhalf scratch. */
static void segment_products(const run_job *j, workspace *w, double *tmp_re, size_t c0, size_t cnt, size_t s)
{
    const cs_welch_plan *p = j->p;
    size_t nh = p->nhalf, nf = p->nfreq, nseg = p->nseg;
    for (size_t b = 0; b < cnt; b++) {
        prepare_segment(p, w->xin[b], w->xsum[b]);
        fftw_execute_dft_r2c(p->fwd, w->xin[b], w->xout[b]);
        const fftw_complex *X = w->xout[b];
        double *acc = w->acc + b * 4 * nh;
        if (!j->pair) {
            if (j->kind == EST_SPECGRAM) {
                double *dst = j->o1 + (c0 + b) * nf * nseg;
                for (size_t k = 0; k < nh; k++)
                    tmp_re[k] = (X[k][0] * X[k][0] + X[k][1] * X[k][1]) * p->scale * side_factor(p, k);
                /* [freq][time]; two-sided bins k >= nhalf mirror nfft - k */
                for (size_t k = 0; k < nf; k++)
                    dst[k * nseg + s] = tmp_re[k < nh ? k : p->nfft - k];
            } else if (j->median) {
                double *st0 = w->store + b * 2 * nh * nseg;
                for (size_t k = 0; k < nh; k++)
                    st0[k * nseg + s] = X[k][0] * X[k][0] + X[k][1] * X[k][1];
            } else {
                for (size_t k = 0; k < nh; k++)
                    acc[k] += X[k][0] * X[k][0] + X[k][1] * X[k][1];
            }
            continue;
        }
        prepare_segment(p, w->yin[b], w->ysum[b]);
        fftw_execute_dft_r2c(p->fwd, w->yin[b], w->yout[b]);
        const fftw_complex *Y = w->yout[b];
        if (j->median) {
            double *sr = w->store + b * 2 * nh * nseg, *si = sr + nh * nseg;
            for (size_t k = 0; k < nh; k++) {
                sr[k * nseg + s] = X[k][0] * Y[k][0] + X[k][1] * Y[k][1];
                si[k * nseg + s] = X[k][0] * Y[k][1] - X[k][1] * Y[k][0];
            }
            continue;
        }
        for (size_t k = 0; k < nh; k++) {
            /* conj(X) Y */
            acc[k] += X[k][0] * Y[k][0] + X[k][1] * Y[k][1];
            acc[nh + k] += X[k][0] * Y[k][1] - X[k][1] * Y[k][0];
            if (j->kind == EST_COH) {
                acc[2 * nh + k] += X[k][0] * X[k][0] + X[k][1] * X[k][1];
                acc[3 * nh + k] += Y[k][0] * Y[k][0] + Y[k][1] * Y[k][1];
            }
        }
    }
}

/* The PSD, CSD or coherence of channels c0 .. c0+cnt-1 from their sums
 * (mean over segments) or stored products (median / bias), scaled, into
 * o1 (and the CSD's imaginary part into o2), nfreq values per channel. */
static void block_spectra(const run_job *j, workspace *w, double *tmp_re, size_t c0, size_t cnt)
{
    const cs_welch_plan *p = j->p;
    size_t nh = p->nhalf, nf = p->nfreq, nseg = p->nseg;
    for (size_t b = 0; b < cnt; b++) {
        size_t c = c0 + b;
        double *acc = w->acc + b * 4 * nh;
        double *re = tmp_re, *im = tmp_re + nh;
        if (j->kind == EST_COH) {
            /* |Pxy|^2 / (Pxx Pyy): scale, side factor and 1/nseg cancel. */
            for (size_t k = 0; k < nh; k++)
                re[k] = (acc[k] * acc[k] + acc[nh + k] * acc[nh + k]) / acc[2 * nh + k] / acc[3 * nh + k];
            emit(p, re, NULL, j->o1 + c * nf, NULL);
            continue;
        }
        for (size_t k = 0; k < nh; k++) {
            double f = p->scale * side_factor(p, k);
            if (j->median) {
                double *sr = w->store + b * 2 * nh * nseg;
                re[k] = median_of(sr + k * nseg, nseg) / j->bias * f;
                im[k] = j->kind == EST_CSD ? median_of(sr + (nh + k) * nseg, nseg) / j->bias * f : 0.0;
            } else {
                re[k] = acc[k] * f / (double)nseg;
                im[k] = j->kind == EST_CSD ? acc[nh + k] * f / (double)nseg : 0.0;
            }
        }
        emit(p, re, im, j->o1 + c * nf, j->kind == EST_CSD ? j->o2 + c * nf : NULL);
    }
}

/* Channels c0 .. c0+cnt-1, segment by segment, then their spectra. A
 * segment with NaN/Inf sets *nonfinite (shared by the threads), and every
 * thread stops at its next segment. */
static void run_block(const run_job *j, workspace *w, double *tmp_re, size_t c0, size_t cnt, int *nonfinite)
{
    memset(w->acc, 0, cnt * 4 * j->p->nhalf * sizeof *w->acc);
    for (size_t s = 0; s < j->p->nseg; s++) {
        gather(j->p, j->x, c0, cnt, s, w->xin, w->xsum);
        if (j->pair)
            gather(j->p, j->y, c0, cnt, s, w->yin, w->ysum);
        int finite = 1;
        for (size_t b = 0; b < cnt; b++)
            finite &= isfinite(w->xsum[b]) && (!j->pair || isfinite(w->ysum[b]));
        if (!finite) {
#pragma omp atomic write
            *nonfinite = 1;
        }
        int stop;
#pragma omp atomic read
        stop = *nonfinite;
        if (stop)
            return; /* the caller gets an error; stop early */
        segment_products(j, w, tmp_re, c0, cnt, s);
    }
    if (j->kind != EST_SPECGRAM)
        block_spectra(j, w, tmp_re, c0, cnt);
}

/* Estimate `kind` of x (and y) into o1 (and o2), the channels in blocks of
 * up to 8 over the plan's threads, each thread with its own buffers. */
static cs_status run(const cs_welch_plan *p, cs_matrix x, cs_matrix y, enum est_kind kind, double *o1, double *o2)
{
    if (!p)
        return cs_error_set(CS_EINVAL, "spectral plan is NULL");
    int pair = kind == EST_CSD || kind == EST_COH;
    cs_status st = check_inputs(p, x, y, pair);
    if (st != CS_OK)
        return st;
    /* NaN/Inf: found while gathering (segments) or here (the unused tail);
     * the exact row and column are then located by cs_matrix_check_finite. */
    size_t covered = (p->nseg - 1) * p->step + p->nperseg;
    int nonfinite = !tail_finite(x, covered) || (pair && !tail_finite(y, covered));

    size_t nch = x.cols, nseg = p->nseg, nh = p->nhalf;
    int threads = p->threads;
    if ((size_t)threads > nch)
        threads = (int)nch;
    /* Channel blocks of up to 8 (one cache line of a row), enough blocks to
     * keep every thread busy. */
    size_t nb = nch / (size_t)threads;
    nb = nb < 1 ? 1 : nb > 8 ? 8 : nb;
    size_t nblocks = (nch + nb - 1) / nb;
    int median = (kind == EST_PSD || kind == EST_CSD) && p->average == CS_AVERAGE_MEDIAN && nseg > 1;
    run_job job = {p, x, y, kind, pair, median, median ? cs_spectral_median_bias(nseg) : 1.0, o1, o2};
    int failed = 0;
    if (nonfinite)
        nblocks = 0; /* NaN/Inf in the tail: report it without computing */

#pragma omp parallel num_threads(threads)
    {
        workspace w;
        int ok = ws_alloc(&w, p, nb, pair, median);
        double *tmp_re = malloc(2 * nh * sizeof *tmp_re);
        if (!tmp_re)
            ok = 0;
        if (!ok) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (size_t blk = 0; blk < nblocks; blk++) {
            size_t c0 = blk * nb;
            if (ok)
                run_block(&job, &w, tmp_re, c0, nch - c0 < nb ? nch - c0 : nb, &nonfinite);
        }
        ws_free(&w);
        free(tmp_re);
    }
    if (nonfinite) {
        st = cs_matrix_check_finite(x, "x");
        if (!st && pair)
            st = cs_matrix_check_finite(y, "y");
        return st ? st : cs_error_set(CS_EINTERNAL, "non-finite intermediate spectrum");
    }
    if (failed)
        return cs_error_set(CS_ENOMEM,
                            "cannot allocate spectral work buffers (%zu segments of %zu "
                            "points)",
                            nseg, p->nfft);
    return CS_OK;
}

cs_status cs_welch_psd(const cs_welch_plan *plan, cs_matrix x, double *psd)
{
    return run(plan, x, x, EST_PSD, psd, NULL);
}

cs_status cs_welch_csd(const cs_welch_plan *plan, cs_matrix x, cs_matrix y, double *re, double *im)
{
    return run(plan, x, y, EST_CSD, re, im);
}

cs_status cs_welch_coherence(const cs_welch_plan *plan, cs_matrix x, cs_matrix y, double *coh)
{
    return run(plan, x, y, EST_COH, coh, NULL);
}

cs_status cs_welch_spectrogram(const cs_welch_plan *plan, cs_matrix x, double *sxx)
{
    return run(plan, x, x, EST_SPECGRAM, sxx, NULL);
}

cs_status cs_spectral_band_power(const double *f, const double *psd, size_t n, double flo, double fhi, double *power)
{
    if (!(flo < fhi))
        return cs_error_set(CS_EINVAL, "band [%g, %g]: the lower edge must be below the upper", flo, fhi);
    double sum = 0.0;
    size_t count = 0, prev = 0;
    for (size_t k = 0; k < n; k++) {
        if (f[k] < flo || f[k] > fhi)
            continue;
        if (count > 0)
            sum += 0.5 * (psd[prev] + psd[k]) * (f[k] - f[prev]);
        prev = k;
        count++;
    }
    if (count < 2)
        return cs_error_set(CS_EINVAL, "band [%g, %g] holds %zu frequencies; at least 2 are needed", flo, fhi, count);
    *power = sum;
    return CS_OK;
}

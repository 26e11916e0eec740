/* Spectral estimators (src/spectral/welch.c, window.c) against scipy.signal,
 * closed-form properties, bad input, and the `cogscope estimate` CLI.
 *
 * References:
 * - tests/data/spectral_scipy.json + welch_signals.txt: scipy.signal 1.10's
 *   welch, csd and coherence with default options on a fixed two-column
 *   signal (copied from the project's shared reference set).
 * - tests/data/spectral_scipy_cases.json + spectral_signals.txt: scipy.signal
 *   1.10.1 for other options, written by tests/data/gen_spectral_scipy.py.
 *
 * Tolerance 1e-10 relative for every scipy comparison (the bar): both
 * sides compute the same sums in double precision with FFTs of O(log n)
 * rounding growth, so agreement is expected near 1e-14; 1e-10 leaves room for
 * a different FFT algorithm without hiding a wrong formula (a wrong scale,
 * window or detrend changes values by far more). */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>

#include "cogscope/core.h"
#include "cogscope/rng.h"
#include "cogscope/spectral.h"
#include "cogscope/table.h"
#include "spectral_testutil.h"
#include "testutil.h"

#define DATA COGSCOPE_TEST_DATA
#define RTOL 1e-10

static char *slurp_data(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", DATA, name);
    char *t = tu_slurp(path);
    cr_assert(t != NULL, "cannot read %s", path);
    return t;
}

static cs_matrix read_table(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", DATA, name);
    cs_matrix m;
    cr_assert_eq(cs_table_read(path, &m), CS_OK, "%s", cs_last_error());
    return m;
}

/* Compare `got` with the reference array `key` of `section`: every value
 * within `rtol` relative error, except that values below 1e-14 of the
 * array's largest are compared absolutely at that level. Those are bins that
 * are zero in exact arithmetic (the DC bin of a boxcar-windowed segment whose
 * mean or trend was removed), where both sides hold only rounding residue
 * (~1e-30) and a relative comparison would compare noise. */
static void expect_ref(const char *text, const char *section, const char *key, const double *got, size_t n,
                       double rtol)
{
    size_t m;
    double *ref = stu_json_array(text, section, key, &m);
    cr_assert(ref != NULL, "%s.%s missing", section, key);
    cr_assert_eq(m, n, "%s.%s: %zu reference values, %zu computed", section, key, m, n);
    double big = 0.0, err = 0.0;
    for (size_t i = 0; i < n; i++)
        big = fabs(ref[i]) > big ? fabs(ref[i]) : big;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(got[i] - ref[i]);
        double e = fabs(ref[i]) > 1e-14 * big ? d / fabs(ref[i]) : d / (1e-14 * big + 1e-300) * rtol;
        err = e > err || isnan(got[i]) != isnan(ref[i]) ? (isnan(e) ? INFINITY : e) : err;
    }
    cr_expect(err <= rtol, "%s.%s: max relative error %.3g > %.1g", section, key, err, rtol);
    if (getenv("COGSCOPE_TEST_VERBOSE")) /* the achieved agreement, for the docs */
        fprintf(stderr, "%s.%s: max relative error %.3g\n", section, key, err);
    free(ref);
}

/* ---- the shared scipy reference (defaults) -------------------------------- */

Test(spectral_ref, welch_csd_coherence_defaults_match_scipy)
{
    char *json = slurp_data("spectral_scipy.json");
    cs_matrix xy = read_table("welch_signals.txt");
    cr_assert_eq(xy.cols, 2);
    cs_matrix x, y;
    size_t c0 = 0, c1 = 1;
    cs_matrix_select_cols(xy, &c0, 1, &x);
    cs_matrix_select_cols(xy, &c1, 1, &y);

    cs_welch_params p;
    cs_welch_params_default(&p);
    cs_welch_plan *plan;
    cr_assert_eq(cs_welch_plan_create(&p, xy.rows, &plan), CS_OK, "%s", cs_last_error());
    size_t nf = cs_welch_plan_nfreq(plan);
    cr_expect_eq(nf, 129);
    cr_expect_eq(cs_welch_plan_nperseg(plan), 256);
    cr_expect_eq(cs_welch_plan_noverlap(plan), 128);
    double *f = malloc(nf * sizeof *f), *a = malloc(nf * sizeof *a), *b = malloc(nf * sizeof *b);
    cs_welch_plan_freqs(plan, f);
    expect_ref(json, "welch_default_x", "f", f, nf, 0.0);

    cr_assert_eq(cs_welch_psd(plan, x, a), CS_OK);
    expect_ref(json, "welch_default_x", "psd", a, nf, RTOL);

    cr_assert_eq(cs_welch_csd(plan, x, y, a, b), CS_OK);
    expect_ref(json, "csd_default_xy", "re", a, nf, RTOL);
    expect_ref(json, "csd_default_xy", "im", b, nf, RTOL);

    cr_assert_eq(cs_welch_coherence(plan, x, y, a), CS_OK);
    expect_ref(json, "coherence_default_xy", "coh", a, nf, RTOL);

    cs_welch_plan_destroy(plan);
    free(f), free(a), free(b);
    cs_matrix_free(&x), cs_matrix_free(&y), cs_matrix_free(&xy);
    free(json);
}

/* ---- generated scipy cases ------------------------------------------------ */

enum { K_WELCH, K_CSD, K_COH, K_PERIODOGRAM, K_SPECGRAM };

typedef struct {
    const char *name;
    int kind;
    double fs;
    const char *window; /* NULL: the estimator's default; "user": the generator's user_win */
    size_t nperseg;
    long noverlap;
    size_t nfft;
    cs_detrend detrend;
    cs_scaling scaling;
    cs_average average;
    int onesided;
    size_t rows;   /* 0: all 1500 */
    size_t cx, cy; /* columns for CSD/coherence; 9 in cx: all columns (PSD kinds) */
} scase;

#define ALL 9
/* Mirrors tests/data/gen_spectral_scipy.py case by case. */
static const scase cases[] = {
    {"welch_hamming_linear_spectrum", K_WELCH, 100, "hamming", 200, 50, 256, CS_DETREND_LINEAR, CS_SCALING_SPECTRUM,
     CS_AVERAGE_MEAN, 1, 0, ALL, 0},
    {"welch_blackman_median_none", K_WELCH, 250, "blackman", 128, -1, 0, CS_DETREND_NONE, CS_SCALING_DENSITY,
     CS_AVERAGE_MEDIAN, 1, 0, ALL, 0},
    {"welch_tukey_twosided_oddnfft", K_WELCH, 2, "tukey:0.3", 100, -1, 101, CS_DETREND_CONSTANT, CS_SCALING_DENSITY,
     CS_AVERAGE_MEAN, 0, 0, ALL, 0},
    {"welch_boxcar_nooverlap_oddnfft", K_WELCH, 1, "boxcar", 256, 0, 511, CS_DETREND_CONSTANT, CS_SCALING_DENSITY,
     CS_AVERAGE_MEAN, 1, 0, ALL, 0},
    {"welch_user_window", K_WELCH, 1, "user", 0, 16, 0, CS_DETREND_CONSTANT, CS_SCALING_DENSITY, CS_AVERAGE_MEAN, 1,
     0, ALL, 0},
    {"welch_flattop_median_even", K_WELCH, 1, "flattop", 300, 0, 0, CS_DETREND_CONSTANT, CS_SCALING_DENSITY,
     CS_AVERAGE_MEDIAN, 1, 0, ALL, 0},
    {"welch_bartlett_twosided_median", K_WELCH, 1, "bartlett", 64, -1, 0, CS_DETREND_CONSTANT, CS_SCALING_SPECTRUM,
     CS_AVERAGE_MEDIAN, 0, 0, ALL, 0},
    {"welch_default_short", K_WELCH, 1, NULL, 0, -1, 0, CS_DETREND_CONSTANT, CS_SCALING_DENSITY, CS_AVERAGE_MEAN, 1,
     100, ALL, 0},
    {"csd_hamming_median_linear", K_CSD, 10, "hamming", 128, -1, 0, CS_DETREND_LINEAR, CS_SCALING_DENSITY,
     CS_AVERAGE_MEDIAN, 1, 0, 0, 2},
    {"csd_hann_twosided_spectrum", K_CSD, 1, NULL, 100, 75, 0, CS_DETREND_CONSTANT, CS_SCALING_SPECTRUM,
     CS_AVERAGE_MEAN, 0, 0, 0, 2},
    {"coherence_blackman", K_COH, 100, "blackman", 128, 96, 0, CS_DETREND_CONSTANT, CS_SCALING_DENSITY,
     CS_AVERAGE_MEAN, 1, 0, 0, 2},
    {"coherence_hann_linear_pad", K_COH, 1, NULL, 200, -1, 300, CS_DETREND_LINEAR, CS_SCALING_DENSITY,
     CS_AVERAGE_MEAN, 1, 0, 0, 1},
    {"periodogram_default", K_PERIODOGRAM, 50, NULL, 0, -1, 0, CS_DETREND_CONSTANT, CS_SCALING_DENSITY,
     CS_AVERAGE_MEAN, 1, 0, ALL, 0},
    {"periodogram_hann_truncate", K_PERIODOGRAM, 1, "hann", 0, -1, 1000, CS_DETREND_CONSTANT, CS_SCALING_SPECTRUM,
     CS_AVERAGE_MEAN, 1, 0, ALL, 0},
    {"periodogram_pad_twosided", K_PERIODOGRAM, 1, NULL, 0, -1, 2048, CS_DETREND_LINEAR, CS_SCALING_DENSITY,
     CS_AVERAGE_MEAN, 0, 0, ALL, 0},
    {"spectrogram_default", K_SPECGRAM, 100, NULL, 0, -1, 0, CS_DETREND_CONSTANT, CS_SCALING_DENSITY, CS_AVERAGE_MEAN,
     1, 0, ALL, 0},
    {"spectrogram_hann_twosided", K_SPECGRAM, 1, "hann", 64, 32, 0, CS_DETREND_CONSTANT, CS_SCALING_SPECTRUM,
     CS_AVERAGE_MEAN, 0, 0, 1, 0},
};

static void run_case(const scase *c, const char *json, cs_matrix all, const double *user_win, size_t user_len)
{
    cs_welch_params p;
    if (c->kind == K_PERIODOGRAM)
        cs_periodogram_params_default(&p);
    else if (c->kind == K_SPECGRAM)
        cs_spectrogram_params_default(&p);
    else
        cs_welch_params_default(&p);
    p.fs = c->fs;
    if (c->window && !strcmp(c->window, "user")) {
        p.window = CS_WINDOW_USER;
        p.window_values = user_win;
        p.window_len = user_len;
    } else if (c->window) {
        cr_assert_eq(cs_window_parse(c->window, &p.window, &p.window_param), CS_OK);
    }
    p.nperseg = c->nperseg;
    p.noverlap = c->noverlap;
    p.nfft = c->nfft;
    p.detrend = c->detrend;
    p.scaling = c->scaling;
    p.average = c->average;
    p.onesided = c->onesided;

    size_t rows = c->rows ? c->rows : all.rows;
    cs_matrix x = {all.data, rows, all.cols, all.stride}, y = x;
    cs_matrix sx, sy;
    int pair = c->kind == K_CSD || c->kind == K_COH;
    if (pair) {
        cs_matrix_select_cols(all, &c->cx, 1, &sx);
        cs_matrix_select_cols(all, &c->cy, 1, &sy);
        x = sx, y = sy;
    } else if (c->cx != ALL) {
        cs_matrix_select_cols(all, &c->cx, 1, &sx);
        x = sx;
    }

    cs_welch_plan *plan;
    cs_status st = c->kind == K_PERIODOGRAM ? cs_periodogram_plan_create(&p, rows, &plan)
                   : c->kind == K_SPECGRAM  ? cs_spectrogram_plan_create(&p, rows, &plan)
                                            : cs_welch_plan_create(&p, rows, &plan);
    cr_assert_eq(st, CS_OK, "%s: %s", c->name, cs_last_error());
    size_t nf = cs_welch_plan_nfreq(plan), ns = cs_welch_plan_nsegments(plan);
    double *f = malloc(nf * sizeof *f);
    cs_welch_plan_freqs(plan, f);
    expect_ref(json, c->name, "f", f, nf, 1e-15);
    size_t total = x.cols * nf * (c->kind == K_SPECGRAM ? ns : 1);
    double *a = malloc(total * sizeof *a), *b = malloc(total * sizeof *b);
    switch (c->kind) {
    case K_WELCH:
    case K_PERIODOGRAM:
        cr_assert_eq(cs_welch_psd(plan, x, a), CS_OK, "%s", cs_last_error());
        expect_ref(json, c->name, "psd", a, total, RTOL);
        break;
    case K_CSD:
        cr_assert_eq(cs_welch_csd(plan, x, y, a, b), CS_OK, "%s", cs_last_error());
        expect_ref(json, c->name, "re", a, total, RTOL);
        expect_ref(json, c->name, "im", b, total, RTOL);
        break;
    case K_COH:
        cr_assert_eq(cs_welch_coherence(plan, x, y, a), CS_OK, "%s", cs_last_error());
        expect_ref(json, c->name, "coh", a, total, RTOL);
        break;
    case K_SPECGRAM: {
        double *t = malloc(ns * sizeof *t);
        cs_welch_plan_times(plan, t);
        expect_ref(json, c->name, "t", t, ns, 1e-15);
        free(t);
        cr_assert_eq(cs_welch_spectrogram(plan, x, a), CS_OK, "%s", cs_last_error());
        expect_ref(json, c->name, "sxx", a, total, RTOL);
        break;
    }
    }
    cs_welch_plan_destroy(plan);
    free(f), free(a), free(b);
    if (pair) {
        cs_matrix_free(&sx);
        cs_matrix_free(&sy);
    } else if (c->cx != ALL) {
        cs_matrix_free(&sx);
    }
}

Test(spectral_ref, option_combinations_match_scipy)
{
    char *json = slurp_data("spectral_scipy_cases.json");
    cs_matrix all = read_table("spectral_signals.txt");
    cr_assert_eq(all.rows, 1500);
    cr_assert_eq(all.cols, 3);
    size_t nw;
    double *user_win = stu_json_array(json, NULL, "user_win", &nw);
    cr_assert_eq(nw, 64);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i], json, all, user_win, nw);
    free(user_win);
    cs_matrix_free(&all);
    free(json);
}

Test(spectral_ref, windows_match_scipy_get_window)
{
    char *json = slurp_data("spectral_scipy_cases.json");
    const char *names[] = {"hann",    "hamming",    "blackman",  "boxcar",  "bartlett",
                           "flattop", "tukey:0.25", "tukey:0.5", "tukey:1", "tukey:0"};
    const char *labels[] = {"hann",    "hamming",    "blackman",  "boxcar",  "bartlett",
                            "flattop", "tukey_0.25", "tukey_0.5", "tukey_1", "tukey_0"};
    const size_t lens[] = {1, 2, 7, 64};
    for (size_t i = 0; i < 10; i++) {
        cs_window_kind kind;
        double param;
        cr_assert_eq(cs_window_parse(names[i], &kind, &param), CS_OK, "%s", names[i]);
        for (size_t j = 0; j < 4; j++) {
            for (int periodic = 0; periodic <= 1; periodic++) {
                char section[128];
                snprintf(section, sizeof section, "window_%s_%zu_%s", labels[i], lens[j],
                         periodic ? "periodic" : "symmetric");
                double w[64];
                cr_assert_eq(cs_window_fill(kind, param, periodic, lens[j], w), CS_OK);
                size_t m;
                double *ref = stu_json_array(json, section, "w", &m);
                cr_assert(ref && m == lens[j], "%s", section);
                /* Same formulas in the same order: a few ulp of values <= 1. */
                cr_expect(stu_max_abs(w, ref, m) <= 1e-15, "%s: %.3g", section, stu_max_abs(w, ref, m));
                free(ref);
            }
        }
    }
    free(json);
}

/* ---- closed-form properties ---------------------------------------------- */

static double *gaussian_noise(size_t n, size_t ch, double sd, uint64_t seed)
{
    double *x = malloc(n * ch * sizeof *x);
    cs_rng *rng;
    cs_rng_create(seed, &rng);
    for (size_t i = 0; i < n * ch; i++)
        x[i] = cs_rng_gaussian(rng, sd);
    cs_rng_destroy(rng);
    return x;
}

Test(spectral_props, parseval_periodogram_is_exact)
{
    /* Boxcar periodogram with the mean removed: sum_k P_k df equals the
     * (population) variance exactly (Parseval), for even and odd n and with
     * zero padding (padding changes the grid, not the integral of the
     * one-sided density: df shrinks as the bins multiply). Rounding only:
     * 1e-12 relative. */
    const size_t lens[] = {1000, 999};
    for (size_t li = 0; li < 2; li++) {
        size_t n = lens[li];
        double *x = gaussian_noise(n, 1, 1.7, 3 + li), fs = 37.0;
        double mean = 0, var = 0;
        for (size_t i = 0; i < n; i++)
            mean += x[i];
        mean /= (double)n;
        for (size_t i = 0; i < n; i++)
            var += (x[i] - mean) * (x[i] - mean);
        var /= (double)n;
        for (int pad = 0; pad <= 1; pad++) {
            cs_welch_params p;
            cs_periodogram_params_default(&p);
            p.fs = fs;
            p.nfft = pad ? 2048 : 0;
            cs_welch_plan *plan;
            cr_assert_eq(cs_periodogram_plan_create(&p, n, &plan), CS_OK, "%s", cs_last_error());
            size_t nf = cs_welch_plan_nfreq(plan), nfft = cs_welch_plan_nfft(plan);
            double *psd = malloc(nf * sizeof *psd), sum = 0;
            cr_assert_eq(cs_welch_psd(plan, cs_matrix_view(x, n, 1), psd), CS_OK);
            for (size_t k = 0; k < nf; k++)
                sum += psd[k];
            /* zero padding: the segment energy is spread over nfft bins, but
             * the density was normalised by the n-point window energy */
            double integral = sum * fs / (double)nfft;
            cr_expect(fabs(integral / var - 1) < 1e-12, "n %zu pad %d: %.17g vs %.17g", n, pad, integral, var);
            cs_welch_plan_destroy(plan);
            free(psd);
        }
        free(x);
    }
}

Test(spectral_props, white_noise_density_and_welch_variance)
{
    /* White noise of variance s2 at fs: one-sided density 2 s2 / fs at every
     * frequency, for any window (the density scaling divides by the window
     * energy). Mean and median averages both estimate it. n = 2^16, nperseg
     * 256: the mean over the interior bins has a relative standard error of
     * ~sqrt(2/n) = 0.55% (it is essentially the sample variance), so 3% is
     * > 5 standard errors; Welch's integral of the density is the variance
     * to the same precision (Parseval on average). */
    size_t n = 1 << 16, ch = 2;
    double s2 = 4.0, fs = 500.0;
    double *x = gaussian_noise(n, ch, 2.0, 21);
    const char *windows[] = {"hann", "hamming", "blackman", "tukey:0.5", "boxcar"};
    for (size_t w = 0; w < 5; w++) {
        for (int avg = 0; avg <= 1; avg++) {
            cs_welch_params p;
            cs_welch_params_default(&p);
            p.fs = fs;
            cs_window_parse(windows[w], &p.window, &p.window_param);
            p.average = avg ? CS_AVERAGE_MEDIAN : CS_AVERAGE_MEAN;
            cs_welch_plan *plan;
            cr_assert_eq(cs_welch_plan_create(&p, n, &plan), CS_OK);
            size_t nf = cs_welch_plan_nfreq(plan);
            double *psd = malloc(ch * nf * sizeof *psd);
            cr_assert_eq(cs_welch_psd(plan, cs_matrix_view(x, n, ch), psd), CS_OK);
            for (size_t c = 0; c < ch; c++) {
                double mean = 0;
                for (size_t k = 1; k + 1 < nf; k++)
                    mean += psd[c * nf + k];
                mean /= (double)(nf - 2);
                cr_expect(fabs(mean / (2 * s2 / fs) - 1) < 0.03, "%s %s ch %zu: %g vs %g", windows[w],
                          avg ? "median" : "mean", c, mean, 2 * s2 / fs);
                double integral;
                double *f = malloc(nf * sizeof *f);
                cs_welch_plan_freqs(plan, f);
                cr_assert_eq(cs_spectral_band_power(f, psd + c * nf, nf, 0, fs / 2, &integral), CS_OK);
                cr_expect(fabs(integral / s2 - 1) < 0.03, "%s integral %g vs %g", windows[w], integral, s2);
                free(f);
            }
            free(psd);
            cs_welch_plan_destroy(plan);
        }
    }
    free(x);
}

Test(spectral_props, sinusoid_peak_position_and_height)
{
    /* A sinusoid on a bin centre (f0 = 126 fs / nperseg) under a periodic
     * Hann window: spectrum scaling gives exactly A^2/2 at f0 (the RMS^2;
     * the window's transform has no leakage onto other bin centres beyond
     * the neighbours), and the band power of the density around f0 is the
     * sinusoid's power A^2/2. An off-bin frequency peaks at the nearest bin. */
    size_t n = 16384, nperseg = 1024;
    double fs = 1000.0, A = 3.0, f0 = 126.0 * fs / (double)nperseg, f1 = 77.7;
    double *x = malloc(2 * n * sizeof *x);
    for (size_t i = 0; i < n; i++) {
        x[2 * i] = A * sin(2 * M_PI * f0 * (double)i / fs + 0.3);
        x[2 * i + 1] = A * sin(2 * M_PI * f1 * (double)i / fs);
    }
    for (int sc = 0; sc <= 1; sc++) {
        cs_welch_params p;
        cs_welch_params_default(&p);
        p.fs = fs;
        p.nperseg = nperseg;
        p.scaling = sc ? CS_SCALING_SPECTRUM : CS_SCALING_DENSITY;
        cs_welch_plan *plan;
        cr_assert_eq(cs_welch_plan_create(&p, n, &plan), CS_OK);
        size_t nf = cs_welch_plan_nfreq(plan);
        double *f = malloc(nf * sizeof *f), *psd = malloc(2 * nf * sizeof *psd);
        cs_welch_plan_freqs(plan, f);
        cr_assert_eq(cs_welch_psd(plan, cs_matrix_view(x, n, 2), psd), CS_OK);
        for (int c = 0; c < 2; c++) {
            size_t best = 0;
            for (size_t k = 1; k < nf; k++)
                if (psd[c * nf + k] > psd[c * nf + best])
                    best = k;
            double target = c == 0 ? f0 : f1, df = fs / (double)nperseg;
            cr_expect(fabs(f[best] - target) <= df / 2, "peak at %g, expected %g", f[best], target);
        }
        if (sc) {
            cr_expect(fabs(psd[126] / (A * A / 2) - 1) < 1e-9, "spectrum at f0: %.17g", psd[126]);
        } else {
            double bp;
            cr_assert_eq(cs_spectral_band_power(f, psd, nf, f0 - 5 * fs / nperseg, f0 + 5 * fs / nperseg, &bp),
                         CS_OK);
            cr_expect(fabs(bp / (A * A / 2) - 1) < 1e-6, "band power %.10g vs %g", bp, A * A / 2);
        }
        free(f), free(psd);
        cs_welch_plan_destroy(plan);
    }
    free(x);
}

Test(spectral_props, coherence_of_delayed_noisy_copy)
{
    /* y(t) = x(t - 3) + e(t), x and e white with variances 1 and 0.25: the
     * true coherence is 1 / (1 + 0.25) = 0.8 at every frequency (a pure delay
     * does not change |Pxy|; Welch's segment misalignment lowers it by about
     * (1 - 3/256)^2 = 0.977). Independent noise has coherence ~1/K for K
     * effective segments: < 0.05 on average. */
    size_t n = 1 << 15, d = 3;
    double *x = gaussian_noise(n, 1, 1.0, 5), *e = gaussian_noise(n, 1, 0.5, 6);
    double *xy = malloc(2 * n * sizeof *xy), *zz = malloc(2 * n * sizeof *zz);
    for (size_t i = 0; i < n; i++) {
        xy[2 * i] = x[i];
        xy[2 * i + 1] = (i >= d ? x[i - d] : 0.0) + e[i];
        zz[2 * i] = x[i];
        zz[2 * i + 1] = e[i];
    }
    cs_welch_params p;
    cs_welch_params_default(&p);
    cs_welch_plan *plan;
    cr_assert_eq(cs_welch_plan_create(&p, n, &plan), CS_OK);
    size_t nf = cs_welch_plan_nfreq(plan);
    double *coh = malloc(nf * sizeof *coh), mean = 0, mean_ind = 0;
    cs_matrix m = cs_matrix_view(xy, n, 2);
    cs_matrix a = {m.data, n, 1, 2}, b = {m.data + 1, n, 1, 2};
    cr_assert_eq(cs_welch_coherence(plan, a, b, coh), CS_OK);
    for (size_t k = 0; k < nf; k++) {
        cr_expect(coh[k] >= 0.0 && coh[k] <= 1.0, "coherence %g at bin %zu", coh[k], k);
        mean += coh[k];
    }
    mean /= (double)nf;
    cr_expect(mean > 0.75 && mean < 0.82, "mean coherence %g, expected ~0.78", mean);
    cs_matrix za = {zz, n, 1, 2}, zb = {zz + 1, n, 1, 2};
    cr_assert_eq(cs_welch_coherence(plan, za, zb, coh), CS_OK);
    for (size_t k = 0; k < nf; k++)
        mean_ind += coh[k];
    mean_ind /= (double)nf;
    cr_expect(mean_ind < 0.05, "independent coherence %g", mean_ind);
    cs_welch_plan_destroy(plan);
    free(x), free(e), free(xy), free(zz), free(coh);
}

Test(spectral_props, channels_independent_of_threads_and_layout)
{
    /* Each channel's spectrum does not depend on the thread count, the
     * channel-block size or the neighbouring channels: bitwise equal. */
    size_t n = 5000, ch = 11;
    double *x = gaussian_noise(n, ch, 1.0, 9);
    double *one = malloc(n * sizeof *one);
    cs_welch_params p;
    cs_welch_params_default(&p);
    p.nperseg = 300;
    p.average = CS_AVERAGE_MEDIAN;
    size_t nf = 151;
    double *a = malloc(ch * nf * sizeof *a), *b = malloc(ch * nf * sizeof *b), *s = malloc(nf * sizeof *s);
    for (int med = 0; med <= 1; med++) {
        p.average = med ? CS_AVERAGE_MEDIAN : CS_AVERAGE_MEAN;
        cs_welch_plan *p1, *p2;
        p.threads = 1;
        cr_assert_eq(cs_welch_plan_create(&p, n, &p1), CS_OK);
        p.threads = 2;
        cr_assert_eq(cs_welch_plan_create(&p, n, &p2), CS_OK);
        cr_assert_eq(cs_welch_plan_nfreq(p1), nf);
        cr_assert_eq(cs_welch_psd(p1, cs_matrix_view(x, n, ch), a), CS_OK);
        cr_assert_eq(cs_welch_psd(p2, cs_matrix_view(x, n, ch), b), CS_OK);
        cr_expect_eq(memcmp(a, b, ch * nf * sizeof *a), 0);
        for (size_t i = 0; i < n; i++)
            one[i] = x[i * ch + 7];
        cr_assert_eq(cs_welch_psd(p1, cs_matrix_view(one, n, 1), s), CS_OK);
        cr_expect_eq(memcmp(s, a + 7 * nf, nf * sizeof *s), 0);
        cs_welch_plan_destroy(p1);
        cs_welch_plan_destroy(p2);
    }
    free(x), free(one), free(a), free(b), free(s);
}

/* Plans made and destroyed from several threads at once, as analysis code
 * running one channel set per thread does. FFTW's planner is global and not
 * thread-safe: without the planner lock (src/spectral/fft_plan.c) this
 * corrupts FFTW's plan tables and crashes or gives wrong spectra. Each thread
 * plans every length in turn (odd and even, some with large prime factors,
 * so FFTW builds different plans) and must reproduce the single-thread PSD
 * bitwise. */
#define PLAN_THREADS 8
#define PLAN_LENGTHS 12
static const size_t plan_len[PLAN_LENGTHS] = {64, 96, 127, 128, 250, 256, 300, 331, 384, 500, 512, 997};

typedef struct {
    const double *x;
    size_t n;
    const double *want; /* PLAN_LENGTHS spectra of (len / 2 + 1) bins, back to back */
    int failures;
} plan_job;

static void *plan_worker(void *arg)
{
    plan_job *job = arg;
    double buf[997 / 2 + 1];
    for (int rep = 0; rep < 3; rep++)
        for (size_t k = 0, off = 0; k < PLAN_LENGTHS; off += plan_len[k] / 2 + 1, k++) {
            cs_welch_params p;
            cs_welch_params_default(&p);
            p.nperseg = plan_len[k];
            p.threads = 1;
            cs_welch_plan *plan;
            if (cs_welch_plan_create(&p, job->n, &plan) != CS_OK) {
                job->failures++;
                continue;
            }
            if (cs_welch_psd(plan, cs_matrix_view((double *)job->x, job->n, 1), buf) != CS_OK ||
                memcmp(buf, job->want + off, (plan_len[k] / 2 + 1) * sizeof *buf))
                job->failures++;
            cs_welch_plan_destroy(plan);
        }
    return NULL;
}

Test(spectral_props, plans_from_many_threads)
{
    size_t n = 4000, total = 0;
    for (size_t k = 0; k < PLAN_LENGTHS; k++)
        total += plan_len[k] / 2 + 1;
    double *x = gaussian_noise(n, 1, 1.0, 4), *want = malloc(total * sizeof *want);
    for (size_t k = 0, off = 0; k < PLAN_LENGTHS; off += plan_len[k] / 2 + 1, k++) {
        cs_welch_params p;
        cs_welch_params_default(&p);
        p.nperseg = plan_len[k];
        p.threads = 1;
        cs_welch_plan *plan;
        cr_assert_eq(cs_welch_plan_create(&p, n, &plan), CS_OK, "%s", cs_last_error());
        cr_assert_eq(cs_welch_psd(plan, cs_matrix_view(x, n, 1), want + off), CS_OK);
        cs_welch_plan_destroy(plan);
    }
    pthread_t th[PLAN_THREADS];
    plan_job jobs[PLAN_THREADS];
    for (int t = 0; t < PLAN_THREADS; t++) {
        jobs[t] = (plan_job){x, n, want, 0};
        cr_assert_eq(pthread_create(&th[t], NULL, plan_worker, &jobs[t]), 0);
    }
    for (int t = 0; t < PLAN_THREADS; t++) {
        pthread_join(th[t], NULL);
        cr_expect_eq(jobs[t].failures, 0, "thread %d: %d plans failed or differed", t, jobs[t].failures);
    }
    free(x), free(want);
}

Test(spectral_props, median_bias_matches_scipy_formula)
{
    /* scipy's _median_bias(n) values (computed by hand from its formula). */
    cr_expect_eq(cs_spectral_median_bias(1), 1.0);
    cr_expect_eq(cs_spectral_median_bias(2), 1.0);
    cr_expect(fabs(cs_spectral_median_bias(3) - (1 + 1.0 / 3 - 1.0 / 2)) < 1e-15);
    cr_expect(fabs(cs_spectral_median_bias(5) - (1 + 1.0 / 3 - 1.0 / 2 + 1.0 / 5 - 1.0 / 4)) < 1e-15);
    /* The bias tends to ln 2 (median of an exponential / its mean). */
    cr_expect(fabs(cs_spectral_median_bias(100001) - log(2.0)) < 1e-5);
}

Test(spectral_props, band_power_of_flat_density)
{
    double f[11], psd[11], bp;
    for (int i = 0; i < 11; i++)
        f[i] = i, psd[i] = 2.5;
    cr_assert_eq(cs_spectral_band_power(f, psd, 11, 2, 6, &bp), CS_OK);
    cr_expect(fabs(bp - 10.0) < 1e-14);
    cr_assert_eq(cs_spectral_band_power(f, psd, 11, 1.5, 3.5, &bp), CS_OK); /* bins 2, 3 */
    cr_expect(fabs(bp - 2.5) < 1e-14);
    cr_expect_eq(cs_spectral_band_power(f, psd, 11, 2.2, 2.8, &bp), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "holds 0 frequencies") != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_spectral_band_power(f, psd, 11, 5, 4, &bp), CS_EINVAL);
}

/* ---- bad input ------------------------------------------------------------ */

Test(spectral_bad, parameters_give_clear_errors)
{
    cs_welch_params p;
    cs_welch_plan *plan = NULL;
    cs_welch_params_default(&p);
    p.nperseg = 500;
    cr_expect_eq(cs_welch_plan_create(&p, 400, &plan), CS_EINVAL);
    cr_expect_str_eq(cs_last_error(), "nperseg = 500 is larger than the series (400 samples)");
    cr_expect_eq(plan, NULL);

    cs_welch_params_default(&p);
    p.nperseg = 100;
    p.noverlap = 100;
    cr_expect_eq(cs_welch_plan_create(&p, 400, &plan), CS_EINVAL);
    cr_expect_str_eq(cs_last_error(), "noverlap = 100 must be less than nperseg = 100");

    cs_welch_params_default(&p);
    p.fs = 0;
    cr_expect_eq(cs_welch_plan_create(&p, 400, &plan), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "fs = 0") != NULL);
    p.fs = -3;
    cr_expect_eq(cs_welch_plan_create(&p, 400, &plan), CS_EINVAL);
    p.fs = NAN;
    cr_expect_eq(cs_welch_plan_create(&p, 400, &plan), CS_EINVAL);

    cs_welch_params_default(&p);
    p.nperseg = 128;
    p.nfft = 100;
    cr_expect_eq(cs_welch_plan_create(&p, 400, &plan), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "nfft = 100") != NULL);

    cs_welch_params_default(&p);
    cr_expect_eq(cs_welch_plan_create(&p, 0, &plan), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "empty") != NULL);

    cs_welch_params_default(&p);
    p.window = CS_WINDOW_TUKEY;
    p.window_param = 1.5;
    cr_expect_eq(cs_welch_plan_create(&p, 400, &plan), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "alpha") != NULL);

    double w[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, z[4] = {0, 0, 0, 0};
    cs_welch_params_default(&p);
    p.window = CS_WINDOW_USER;
    p.window_values = w;
    p.window_len = 10;
    p.nperseg = 12;
    cr_expect_eq(cs_welch_plan_create(&p, 400, &plan), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "user window") != NULL, "%s", cs_last_error());
    p.nperseg = 0;
    cr_expect_eq(cs_welch_plan_create(&p, 5, &plan), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "longer than the series") != NULL, "%s", cs_last_error());
    p.window_values = z;
    p.window_len = 4;
    cr_expect_eq(cs_welch_plan_create(&p, 400, &plan), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "zero") != NULL, "%s", cs_last_error());

    cs_periodogram_params_default(&p);
    p.nperseg = 64;
    cr_expect_eq(cs_periodogram_plan_create(&p, 400, &plan), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "nperseg") != NULL);

    cs_window_kind k;
    double a;
    cr_expect_eq(cs_window_parse("kaiser", &k, &a), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "unknown window 'kaiser'") != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_window_parse("tukey:2", &k, &a), CS_EINVAL);
    cr_expect_eq(cs_window_parse("hann:0.3", &k, &a), CS_EINVAL);
    cr_expect_eq(cs_window_parse("tukey:0.1", &k, &a), CS_OK);
    cr_expect_eq(k, CS_WINDOW_TUKEY);
    cr_expect_eq(a, 0.1);
}

Test(spectral_bad, default_nperseg_is_capped_like_scipy)
{
    cs_welch_params p;
    cs_welch_plan *plan;
    cs_welch_params_default(&p);
    cr_assert_eq(cs_welch_plan_create(&p, 100, &plan), CS_OK);
    cr_expect_eq(cs_welch_plan_nperseg(plan), 100);
    cr_expect_eq(cs_welch_plan_noverlap(plan), 50);
    cr_expect_eq(cs_welch_plan_nsegments(plan), 1);
    cr_expect(cs_welch_plan_capped(plan));
    cs_welch_plan_destroy(plan);
    cr_assert_eq(cs_welch_plan_create(&p, 300, &plan), CS_OK);
    cr_expect(!cs_welch_plan_capped(plan));
    cs_welch_plan_destroy(plan);
}

Test(spectral_bad, data_errors)
{
    cs_welch_params p;
    cs_welch_plan *plan;
    cs_welch_params_default(&p);
    p.nperseg = 16;
    cr_assert_eq(cs_welch_plan_create(&p, 64, &plan), CS_OK);
    double x[64 * 2] = {0}, y[64 * 3] = {0}, out[9 * 8], out2[9 * 8];
    x[2 * 17 + 1] = NAN;
    cr_expect_eq(cs_welch_psd(plan, cs_matrix_view(x, 64, 2), out), CS_ENONFINITE);
    cr_expect_str_eq(cs_last_error(), "x: NaN at row 17, column 1");
    x[2 * 17 + 1] = -INFINITY;
    cr_expect_eq(cs_welch_psd(plan, cs_matrix_view(x, 64, 2), out), CS_ENONFINITE);
    cr_expect_str_eq(cs_last_error(), "x: Inf at row 17, column 1");
    x[2 * 17 + 1] = 0;
    y[5] = NAN;
    cr_expect_eq(cs_welch_csd(plan, cs_matrix_view(x, 64, 2), cs_matrix_view(y, 64, 3), out, out2), CS_ESHAPE);
    cr_expect_eq(cs_welch_coherence(plan, cs_matrix_view(x, 64, 2), cs_matrix_view(y, 64, 2), out), CS_ENONFINITE);
    cr_expect(strstr(cs_last_error(), "y: NaN") != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_welch_psd(plan, cs_matrix_view(x, 63, 2), out), CS_ESHAPE);
    cr_expect(strstr(cs_last_error(), "63 samples") != NULL);
    cs_welch_plan_destroy(plan);

    /* 70 samples, segments of 16 every 8: the last segment ends at row 63;
     * a NaN after it (unused by the estimate) is still reported. */
    cr_assert_eq(cs_welch_plan_create(&p, 70, &plan), CS_OK);
    double z[70] = {0};
    z[67] = NAN;
    cr_expect_eq(cs_welch_psd(plan, cs_matrix_view(z, 70, 1), out), CS_ENONFINITE);
    cr_expect_str_eq(cs_last_error(), "x: NaN at row 67, column 0");
    z[67] = 0;
    z[3] = INFINITY; /* inside the first segment */
    cr_expect_eq(cs_welch_spectrogram(plan, cs_matrix_view(z, 70, 1), out), CS_ENONFINITE);
    cr_expect_str_eq(cs_last_error(), "x: Inf at row 3, column 0");
    cs_welch_plan_destroy(plan);
}

/* ---- CLI ------------------------------------------------------------------ */

#define SIG "--input '" DATA "/welch_signals.txt'"

Test(spectral_cli, psd_json_matches_reference)
{
    char *out = NULL, *err = NULL;
    cr_assert_eq(tu_cli("estimate psd " SIG " --cols 0 --json", &out, &err), 0, "%s", err);
    char *json = slurp_data("spectral_scipy.json");
    size_t n, m;
    double *psd = stu_json_array(out, NULL, "psd", &n), *f = stu_json_array(out, NULL, "f", &m);
    cr_assert(psd && f && n == 129 && m == 129, "%s", out);
    /* JSON numbers carry 17 digits: the round trip is exact. */
    expect_ref(json, "welch_default_x", "psd", psd, n, RTOL);
    expect_ref(json, "welch_default_x", "f", f, m, 0.0);
    cr_expect(strstr(out, "\"units\":\"input^2/Hz\"") != NULL);
    free(psd), free(f), free(out), free(err);

    /* Two columns: an array of arrays; CSD "re"/"im"; coherence. */
    cr_assert_eq(tu_cli("estimate psd " SIG " --json", &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "\"psd\":[[") != NULL);
    free(out), free(err);
    cr_assert_eq(tu_cli("estimate csd " SIG " --json", &out, &err), 0, "%s", err);
    double *re = stu_json_array(out, NULL, "re", &n), *im = stu_json_array(out, NULL, "im", &m);
    expect_ref(json, "csd_default_xy", "re", re, n, RTOL);
    expect_ref(json, "csd_default_xy", "im", im, m, RTOL);
    free(re), free(im), free(out), free(err);
    cr_assert_eq(tu_cli("estimate coherence " SIG " --x 0 --y 1 --json", &out, &err), 0, "%s", err);
    double *coh = stu_json_array(out, NULL, "coherence", &n);
    expect_ref(json, "coherence_default_xy", "coh", coh, n, RTOL);
    free(coh), free(out), free(err), free(json);
}

Test(spectral_cli, text_output_and_other_measures)
{
    char *out = NULL, *err = NULL;
    cr_assert_eq(tu_cli("estimate psd " SIG " --fs 100 --nperseg 128 --window hamming --detrend linear"
                        " --scaling spectrum --average median --bands 5-10,10-20",
                        &out, &err),
                 0, "%s", err);
    cr_expect(strstr(out, "# f psd[0] psd[1]\n0 ") != NULL, "%s", out);
    cr_expect(strstr(out, "# band_power 5-10 ") != NULL);
    /* 65 frequency rows */
    int rows = 0;
    for (char *l = out; (l = strchr(l, '\n')); l++)
        if (l[1] && l[1] != '#')
            rows++;
    cr_expect_eq(rows, 65);
    free(out), free(err);

    const char *ok[] = {
        "estimate periodogram " SIG " --nfft 8192 --twosided --json",
        "estimate spectrogram " SIG " --cols 1 --nperseg 512 --json",
        "estimate spectrogram " SIG " --nperseg 512",
        "estimate multitaper " SIG " --nw 3 --adaptive --normalization full --json",
        "estimate multitaper " SIG " --bandwidth 0.01 --fmin 0.1 --fmax 0.2",
        "estimate aperiodic " SIG " --fmin 0.01 --fmax 0.4 --max-peaks 3 --json",
        "estimate aperiodic " SIG " --cols 0 --mode knee --peak-width-limits 0.01,0.1",
        "estimate csd " SIG " --twosided --scaling spectrum",
        "estimate psd --help",
        "estimate aperiodic --help",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        cr_expect_eq(tu_cli(ok[i], &out, &err), 0, "%s: %s", ok[i], err);
        cr_expect(out && strlen(out) > 0, "%s: no output", ok[i]);
        free(out), free(err);
    }
    cr_assert_eq(tu_cli("estimate spectrogram " SIG " --cols 1 --nperseg 512 --json", &out, &err), 0);
    cr_expect(strstr(out, "\"t\":[256,704,") != NULL, "%s", out);
    cr_expect(strstr(out, "\"spectrogram\":[[") != NULL);
    free(out), free(err);
    cr_assert_eq(tu_cli("estimate aperiodic " SIG " --cols 0 --fmin 0.01 --fmax 0.4 --json", &out, &err), 0);
    cr_expect(strstr(out, "\"exponent\":") && strstr(out, "\"knee\":null") && strstr(out, "\"peaks\":["), "%s", out);
    free(out), free(err);
}

Test(spectral_cli, aperiodic_from_a_spectrum_file)
{
    /* A noiseless power law written as (f, power) rows: exponent and offset
     * come back to solver precision. */
    char *dir = tu_tmpdir(), path[512], args[1024], *out = NULL, *err = NULL;
    snprintf(path, sizeof path, "%s/spec.txt", dir);
    FILE *fp = fopen(path, "w");
    for (int i = 1; i <= 80; i++) {
        double f = 0.5 * i;
        fprintf(fp, "%.17g %.17g\n", f, pow(10.0, 0.7) * pow(f, -1.3));
    }
    fclose(fp);
    snprintf(args, sizeof args, "estimate aperiodic --input '%s' --freq-col 0 --max-peaks 0 --json", path);
    cr_assert_eq(tu_cli(args, &out, &err), 0, "%s", err);
    size_t n;
    double *e = stu_json_array(out, NULL, "exponent", &n);
    cr_expect(e == NULL); /* a scalar for one column, not an array */
    char *p = strstr(out, "\"exponent\":");
    cr_assert(p);
    cr_expect(fabs(strtod(p + 11, NULL) - 1.3) < 1e-9, "%s", out);
    p = strstr(out, "\"offset\":");
    cr_expect(fabs(strtod(p + 9, NULL) - 0.7) < 1e-9, "%s", out);
    free(out), free(err);
    unlink(path);
    rmdir(dir);
    free(dir);
}

Test(spectral_cli, bad_input_exit_codes_and_messages)
{
    char *dir = tu_tmpdir(), nanfile[512], shortfile[512], args[2048], *out = NULL, *err = NULL;
    snprintf(nanfile, sizeof nanfile, "%s/nan.txt", dir);
    snprintf(shortfile, sizeof shortfile, "%s/short.txt", dir);
    tu_write(nanfile, "1 2\n3 4\n5 nan\n7 8\n9 10\n");
    tu_write(shortfile, "1\n2\n3\n");
    struct {
        const char *args;
        int code;
        const char *msg;
    } cases[] = {
        {"estimate psd " SIG " --nperseg 5000", 1, "nperseg = 5000 is larger than the series (4096 samples)"},
        {"estimate psd " SIG " --nperseg 256 --noverlap 256", 1, "noverlap = 256 must be less than nperseg = 256"},
        {"estimate psd " SIG " --fs 0", 2, "--fs: 0 must be > 0"},
        {"estimate psd " SIG " --fs -2", 2, "must be > 0"},
        {"estimate psd " SIG " --window kaiser", 2, "unknown window 'kaiser'"},
        {"estimate psd " SIG " --detrend quadratic", 2, "--detrend"},
        {"estimate psd " SIG " --bogus", 2, "unknown option '--bogus'"},
        {"estimate psd " SIG " --nperseg", 2, "needs a value"},
        {"estimate psd " SIG " --nw 3", 2, "does not apply to psd"},
        {"estimate psd " SIG " --cols 5", 1, "column 5 is out of range"},
        {"estimate psd", 2, "--input FILE is required"},
        {"estimate psd --input /nonexistent/x.txt", 1, "/nonexistent/x.txt"},
        {"estimate coherence --input '" DATA "/spectral_signals.txt'", 2, "needs a pair"},
        {"estimate csd " SIG " --x 0,1 --y 1", 2, "pairs"},
        {"estimate aperiodic " SIG " --fmin 0.4 --fmax 0.41", 1, "the fixed fit needs at least 3"},
        {"estimate multitaper " SIG " --nw 0.1", 1, "NW = 0.1"},
        {"estimate psd " SIG " --bands 8-4", 2, "--bands"},
        {"estimate multitaper " SIG " --nw 3 --bandwidth 0.01", 2, "not both"},
        {"estimate coherence " SIG " --average median", 2, "does not apply to coherence"},
        {"estimate periodogram " SIG " --nperseg 64", 2, "does not apply to periodogram"},
        /* A knee fit that diverges (scipy's curve_fit in FOOOF's procedure
         * also exhausts its 5000 evaluations on this column). */
        {"estimate aperiodic " SIG " --cols 1 --mode knee --peak-width-limits 0.01,0.1", 1,
         "column 1: robust aperiodic fit: no convergence"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int code = tu_cli(cases[i].args, &out, &err);
        cr_expect_eq(code, cases[i].code, "%s: exit %d (%s)", cases[i].args, code, err);
        cr_expect(err && strstr(err, cases[i].msg), "%s: stderr '%s' lacks '%s'", cases[i].args, err, cases[i].msg);
        free(out), free(err);
    }
    snprintf(args, sizeof args, "estimate psd --input '%s'", nanfile);
    cr_expect_eq(tu_cli(args, &out, &err), 1);
    cr_expect(strstr(err, "nan.txt: NaN at data row 2, column 1 (--cols)") != NULL, "%s", err);
    free(out), free(err);
    snprintf(args, sizeof args, "estimate psd --input '%s' --cols 0", nanfile); /* NaN column unused */
    cr_expect_eq(tu_cli(args, &out, &err), 0, "%s", err);
    free(out), free(err);
    snprintf(args, sizeof args, "estimate psd --input '%s'", shortfile); /* default nperseg capped */
    cr_expect_eq(tu_cli(args, &out, &err), 0, "%s", err);
    cr_expect(strstr(err, "warning: nperseg = 256 is greater than input length = 3") != NULL, "%s", err);
    free(out), free(err);
    unlink(nanfile);
    unlink(shortfile);
    rmdir(dir);
    free(dir);
}

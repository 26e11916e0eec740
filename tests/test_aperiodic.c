/* Aperiodic + peak parameterisation (src/spectral/aperiodic.c): recovery of
 * known parameters from synthetic spectra (closed-form ground truth, built as
 * fooof.sim.gen_power_spectrum does: log10 power = aperiodic + Gaussians +
 * Gaussian noise) and from a synthetic 1/f^chi time series through Welch;
 * bad input. */
#include <criterion/criterion.h>
#include <fftw3.h>
#include <math.h>
#include <gsl/gsl_cdf.h>
#include <stdint.h>

#include "cogscope/aperiodic.h"
#include "cogscope/core.h"
#include "cogscope/rng.h"
#include "cogscope/spectral.h"

/* FOOOF-style synthetic spectrum on f = f0, f0 + df, ..., f1. ap: (offset,
 * exponent) or (offset, knee, exponent); peaks: (centre, height, sd) x npk;
 * noise: SD of the Gaussian noise added to log10 power. */
static size_t synth(double f0, double f1, double df, cs_aperiodic_mode mode, const double *ap, const double *peaks,
                    size_t npk, double noise, uint64_t seed, double **f, double **pw)
{
    size_t n = (size_t)llround((f1 - f0) / df) + 1;
    *f = malloc(n * sizeof **f);
    *pw = malloc(n * sizeof **pw);
    cs_rng *rng;
    cs_rng_create(seed, &rng);
    for (size_t i = 0; i < n; i++) {
        double fr = f0 + df * (double)i, y = cs_aperiodic_eval(mode, ap, fr);
        for (size_t j = 0; j < npk; j++) {
            double d = fr - peaks[3 * j];
            y += peaks[3 * j + 1] * exp(-d * d / (2 * peaks[3 * j + 2] * peaks[3 * j + 2]));
        }
        (*f)[i] = fr;
        (*pw)[i] = pow(10.0, y + cs_rng_gaussian(rng, noise));
    }
    cs_rng_destroy(rng);
    return n;
}

Test(aperiodic, fixed_mode_recovers_exponent_and_peaks)
{
    /* Several seeds and exponents: the bar is the exponent within
     * 0.05; with FOOOF's typical noise level (0.005-0.02 in log10 power) the
     * least-squares error is far smaller, so 0.05 is a safe but meaningful
     * bound (a missed or spurious peak biases the exponent by ~0.1). */
    const double exps[] = {0.8, 1.5, 2.2};
    for (size_t e = 0; e < 3; e++) {
        for (uint64_t seed = 1; seed <= 3; seed++) {
            double ap[2] = {1.0, exps[e]};
            double peaks[] = {10.0, 0.6, 1.0, 22.0, 0.35, 2.0};
            double *f, *pw;
            size_t n = synth(1.0, 50.0, 0.25, CS_APERIODIC_FIXED, ap, peaks, 2, 0.01, seed, &f, &pw);
            cs_aperiodic_params p;
            cs_aperiodic_params_default(&p);
            p.min_peak_height = 0.1; /* ignore noise bumps (0.01 SD) */
            cs_aperiodic_result r;
            cr_assert_eq(cs_aperiodic_fit(f, pw, n, &p, &r), CS_OK, "%s", cs_last_error());
            cr_expect(fabs(r.exponent - exps[e]) < 0.05, "chi %g seed %llu: exponent %g", exps[e],
                      (unsigned long long)seed, r.exponent);
            cr_expect(fabs(r.offset - 1.0) < 0.05, "offset %g", r.offset);
            cr_expect(isnan(r.knee));
            cr_assert_eq(r.n_peaks, 2, "chi %g seed %llu: %zu peaks", exps[e], (unsigned long long)seed, r.n_peaks);
            /* Centres to a fraction of the 0.25 Hz resolution; widths (2 SD)
             * and heights to 10%. */
            cr_expect(fabs(r.peaks[0].center - 10.0) < 0.1, "cf %g", r.peaks[0].center);
            cr_expect(fabs(r.peaks[1].center - 22.0) < 0.2, "cf %g", r.peaks[1].center);
            cr_expect(fabs(r.peaks[0].width / 2.0 - 1.0) < 0.1, "bw %g", r.peaks[0].width);
            cr_expect(fabs(r.peaks[1].width / 4.0 - 1.0) < 0.1, "bw %g", r.peaks[1].width);
            cr_expect(fabs(r.peaks[0].power / 0.6 - 1.0) < 0.1, "pw %g", r.peaks[0].power);
            cr_expect(fabs(r.peaks[1].power / 0.35 - 1.0) < 0.1, "pw %g", r.peaks[1].power);
            /* The noise (0.01) bounds the residual: MAE ~ 0.008, R^2 near 1. */
            cr_expect(r.error < 0.012, "error %g", r.error);
            cr_expect(r.r_squared > 0.99, "r2 %g", r.r_squared);
            cr_expect_eq(r.nfit, n);
            cs_aperiodic_result_free(&r);
            free(f), free(pw);
        }
    }
}

Test(aperiodic, noiseless_fixed_fit_is_exact)
{
    /* Without noise and peaks the model is exact: least squares must return
     * the generating parameters to solver precision. */
    double ap[2] = {-0.3, 1.7}, *f, *pw;
    size_t n = synth(2.0, 40.0, 0.5, CS_APERIODIC_FIXED, ap, NULL, 0, 0.0, 1, &f, &pw);
    cs_aperiodic_params p;
    cs_aperiodic_params_default(&p);
    p.max_n_peaks = 0;
    cs_aperiodic_result r;
    cr_assert_eq(cs_aperiodic_fit(f, pw, n, &p, &r), CS_OK, "%s", cs_last_error());
    cr_expect(fabs(r.exponent - 1.7) < 1e-9, "%.17g", r.exponent);
    cr_expect(fabs(r.offset + 0.3) < 1e-9, "%.17g", r.offset);
    cr_expect(r.error < 1e-9);
    cr_expect_eq(r.n_peaks, 0);
    cs_aperiodic_result_free(&r);
    free(f), free(pw);
}

Test(aperiodic, knee_mode_recovers_knee)
{
    double ap[3] = {2.0, 50.0, 2.0}; /* knee frequency 50^(1/2) = 7.07 Hz */
    double peaks[] = {12.0, 0.4, 1.5};
    double *f, *pw;
    size_t n = synth(1.0, 80.0, 0.5, CS_APERIODIC_KNEE, ap, peaks, 1, 0.005, 4, &f, &pw);
    cs_aperiodic_params p;
    cs_aperiodic_params_default(&p);
    p.mode = CS_APERIODIC_KNEE;
    p.min_peak_height = 0.05;
    cs_aperiodic_result r;
    cr_assert_eq(cs_aperiodic_fit(f, pw, n, &p, &r), CS_OK, "%s", cs_last_error());
    cr_expect(fabs(r.exponent - 2.0) < 0.05, "exponent %g", r.exponent);
    cr_expect(fabs(r.offset - 2.0) < 0.05, "offset %g", r.offset);
    cr_expect(fabs(r.knee / 50.0 - 1.0) < 0.1, "knee %g", r.knee);
    cr_expect(fabs(r.knee_freq - sqrt(50.0)) < 0.3, "knee freq %g", r.knee_freq);
    cr_assert_eq(r.n_peaks, 1);
    cr_expect(fabs(r.peaks[0].center - 12.0) < 0.1);
    cs_aperiodic_result_free(&r);
    free(f), free(pw);
}

Test(aperiodic, welch_of_power_law_noise_recovers_exponent)
{
    /* Gaussian noise shaped to power ~ 1/f^chi in the frequency domain plus a
     * 10 Hz oscillation, through Welch, then the fit over 2-40 Hz: the
     * exponent must come back within 0.05 (the bar). */
    const size_t n = 1 << 16;
    const double fs = 250.0, chis[] = {1.0, 2.0};
    for (size_t ci = 0; ci < 2; ci++) {
        double chi = chis[ci];
        double *x = fftw_malloc(n * sizeof *x);
        fftw_complex *X = fftw_malloc((n / 2 + 1) * sizeof *X);
        fftw_plan inv = fftw_plan_dft_c2r_1d((int)n, X, x, FFTW_ESTIMATE);
        cs_rng *rng;
        cs_rng_create(100 + ci, &rng);
        X[0][0] = X[0][1] = 0.0;
        for (size_t k = 1; k <= n / 2; k++) {
            double fr = (double)k * fs / (double)n, a = pow(fr, -chi / 2.0);
            X[k][0] = a * cs_rng_gaussian(rng, 1.0);
            X[k][1] = k == n / 2 ? 0.0 : a * cs_rng_gaussian(rng, 1.0);
        }
        cs_rng_destroy(rng);
        fftw_execute(inv);
        fftw_destroy_plan(inv);
        double ss = 0.0;
        for (size_t i = 0; i < n; i++)
            ss += x[i] * x[i];
        double sd = sqrt(ss / (double)n);
        for (size_t i = 0; i < n; i++)
            x[i] = x[i] / sd + 0.5 * sin(2 * M_PI * 10.0 * (double)i / fs);

        cs_welch_params wp;
        cs_welch_params_default(&wp);
        wp.fs = fs;
        wp.nperseg = 1000;
        cs_welch_plan *plan;
        cr_assert_eq(cs_welch_plan_create(&wp, n, &plan), CS_OK);
        size_t nf = cs_welch_plan_nfreq(plan);
        double *f = malloc(nf * sizeof *f), *psd = malloc(nf * sizeof *psd);
        cs_welch_plan_freqs(plan, f);
        cr_assert_eq(cs_welch_psd(plan, cs_matrix_view(x, n, 1), psd), CS_OK);
        cs_welch_plan_destroy(plan);

        cs_aperiodic_params p;
        cs_aperiodic_params_default(&p);
        p.fmin = 2.0;
        p.fmax = 40.0;
        p.min_peak_height = 0.1;
        cs_aperiodic_result r;
        cr_assert_eq(cs_aperiodic_fit(f, psd, nf, &p, &r), CS_OK, "%s", cs_last_error());
        cr_expect(fabs(r.exponent - chi) < 0.05, "chi %g: exponent %g", chi, r.exponent);
        int found10 = 0;
        for (size_t j = 0; j < r.n_peaks; j++)
            found10 |= fabs(r.peaks[j].center - 10.0) < 0.25;
        cr_expect(found10, "chi %g: no peak at 10 Hz among %zu", chi, r.n_peaks);
        cr_expect_eq(r.freqs[0], 2.0);
        cr_expect_eq(r.freqs[r.nfit - 1], 40.0);
        cs_aperiodic_result_free(&r);
        free(f), free(psd);
        fftw_free(x);
        fftw_free(X);
    }
}

Test(aperiodic, bad_input)
{
    double f[6] = {0, 1, 2, 3, 4, 5}, pw[6] = {1, 1, 0.5, 0.3, 0.25, 0.2};
    cs_aperiodic_params p;
    cs_aperiodic_params_default(&p);
    cs_aperiodic_result r;
    /* Too few points to fit: f = 0 is skipped, range [4, 5] holds 2. */
    p.fmin = 4;
    cr_expect_eq(cs_aperiodic_fit(f, pw, 6, &p, &r), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "at least 3") != NULL, "%s", cs_last_error());
    p.fmin = 2;
    p.mode = CS_APERIODIC_KNEE; /* 4 points in [2, 5]: enough for knee's 3 parameters */
    cr_expect_eq(cs_aperiodic_fit(f, pw, 6, &p, &r), CS_OK, "%s", cs_last_error());
    cs_aperiodic_result_free(&r);
    p.fmin = 3;
    cr_expect_eq(cs_aperiodic_fit(f, pw, 6, &p, &r), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "knee") != NULL);
    cs_aperiodic_params_default(&p);
    pw[3] = 0.0;
    cr_expect_eq(cs_aperiodic_fit(f, pw, 6, &p, &r), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "not positive") != NULL, "%s", cs_last_error());
    pw[3] = NAN;
    cr_expect_eq(cs_aperiodic_fit(f, pw, 6, &p, &r), CS_ENONFINITE);
    cr_expect(strstr(cs_last_error(), "index 3") != NULL, "%s", cs_last_error());
    pw[3] = 0.3;
    f[4] = 2.5;
    cr_expect_eq(cs_aperiodic_fit(f, pw, 6, &p, &r), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "ascend") != NULL);
    f[4] = 4;
    p.fmin = 10, p.fmax = 5;
    cr_expect_eq(cs_aperiodic_fit(f, pw, 6, &p, &r), CS_EINVAL);
    cs_aperiodic_params_default(&p);
    p.peak_width_min = 3, p.peak_width_max = 1;
    cr_expect_eq(cs_aperiodic_fit(f, pw, 6, &p, &r), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "width") != NULL);
    cr_expect_eq(r.peaks, NULL); /* nothing to free after a failure */
}

/* ---- against FOOOF's procedure ------------------------------------------ */

#include "cogscope/table.h"
#include "spectral_testutil.h"
#include "testutil.h"

Test(aperiodic, matches_fooof_procedure_on_scipy)
{
    /* Reference: tests/data/aperiodic_fooof_port.json, written by
     * tests/data/fooof_port.py, a line-by-line transcription of FOOOF 1.1's
     * fit on numpy and scipy.optimize.curve_fit (MINPACK lm, bounded trf) -
     * the fooof package itself cannot be installed here. Input: Welch PSDs
     * (fs 100, nperseg 128) of tests/data/spectral_signals.txt; cogscope's
     * Welch equals scipy's to 1e-10 (test_spectral.c). Different solvers stop
     * at the same minimum within their tolerances: measured differences are
     * <= 2e-5 in exponent/offset/knee, 1e-4 in peak power, 0.03 Hz in peak
     * centre (a shoulder peak whose width is not identifiable: equal cost);
     * the bounds below are 5-10x those. */
    char *json = tu_slurp(COGSCOPE_TEST_DATA "/aperiodic_fooof_port.json");
    cr_assert(json);
    cs_matrix x;
    cr_assert_eq(cs_table_read(COGSCOPE_TEST_DATA "/spectral_signals.txt", &x), CS_OK);
    cs_welch_params wp;
    cs_welch_params_default(&wp);
    wp.fs = 100.0;
    wp.nperseg = 128;
    cs_welch_plan *plan;
    cr_assert_eq(cs_welch_plan_create(&wp, x.rows, &plan), CS_OK);
    size_t nf = cs_welch_plan_nfreq(plan);
    double *f = malloc(nf * sizeof *f), *psd = malloc(3 * nf * sizeof *psd);
    cs_welch_plan_freqs(plan, f);
    cr_assert_eq(cs_welch_psd(plan, x, psd), CS_OK);
    cs_welch_plan_destroy(plan);

    struct {
        const char *name;
        size_t col;
        cs_aperiodic_mode mode;
        double fmin, fmax, max_peaks, min_height, threshold, wmin, wmax;
    } cases[] = {
        {"fixed_x0", 0, CS_APERIODIC_FIXED, 1, 45, -1, 0, 2, 0.5, 12},
        {"fixed_x1", 1, CS_APERIODIC_FIXED, 1, 45, -1, 0, 2, 0.5, 12},
        {"fixed_x1_maxpk2_height", 1, CS_APERIODIC_FIXED, 2, 40, 2, 0.05, 2, 0.5, 12},
        {"knee_x1", 1, CS_APERIODIC_KNEE, 1, 49, -1, 0.1, 2, 0.5, 12},
        {"fixed_x2_threshold", 2, CS_APERIODIC_FIXED, 3, 48, -1, 0, 1.5, 1, 8},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cs_aperiodic_params p;
        cs_aperiodic_params_default(&p);
        p.mode = cases[i].mode;
        p.fmin = cases[i].fmin;
        p.fmax = cases[i].fmax;
        if (cases[i].max_peaks >= 0)
            p.max_n_peaks = (size_t)cases[i].max_peaks;
        p.min_peak_height = cases[i].min_height;
        p.peak_threshold = cases[i].threshold;
        p.peak_width_min = cases[i].wmin;
        p.peak_width_max = cases[i].wmax;
        cs_aperiodic_result r;
        cr_assert_eq(cs_aperiodic_fit(f, psd + cases[i].col * nf, nf, &p, &r), CS_OK, "%s: %s", cases[i].name,
                     cs_last_error());
        size_t na, npk, n1, n2;
        double *ap = stu_json_array(json, cases[i].name, "aperiodic", &na);
        double *pk = stu_json_array(json, cases[i].name, "peaks", &npk);
        double *r2 = stu_json_array(json, cases[i].name, "r_squared", &n1);
        double *err = stu_json_array(json, cases[i].name, "error", &n2);
        cr_assert(ap && pk && r2 && err);
        const char *nm = cases[i].name;
        cr_expect(fabs(r.offset - ap[0]) < 2e-4, "%s offset %.8g vs %.8g", nm, r.offset, ap[0]);
        cr_expect(fabs(r.exponent - ap[na - 1]) < 2e-4, "%s exponent %.8g vs %.8g", nm, r.exponent, ap[na - 1]);
        if (p.mode == CS_APERIODIC_KNEE)
            cr_expect(fabs(r.knee / ap[1] - 1) < 1e-3, "%s knee %.8g vs %.8g", nm, r.knee, ap[1]);
        cr_expect(fabs(r.r_squared - r2[0]) < 1e-5, "%s r2 %.8g vs %.8g", nm, r.r_squared, r2[0]);
        cr_expect(fabs(r.error - err[0]) < 1e-5, "%s error %.8g vs %.8g", nm, r.error, err[0]);
        cr_assert_eq(r.n_peaks, npk / 3, "%s: %zu peaks vs %zu", nm, r.n_peaks, npk / 3);
        for (size_t j = 0; j < r.n_peaks; j++) {
            cr_expect(fabs(r.peaks[j].center - pk[3 * j]) < 0.1, "%s peak %zu cf %g vs %g", nm, j, r.peaks[j].center,
                      pk[3 * j]);
            cr_expect(fabs(r.peaks[j].power - pk[3 * j + 1]) < 1e-3, "%s peak %zu pw %g vs %g", nm, j,
                      r.peaks[j].power, pk[3 * j + 1]);
        }
        free(ap), free(pk), free(r2), free(err);
        cs_aperiodic_result_free(&r);
    }
    free(f), free(psd), free(json);
    cs_matrix_free(&x);
}

/* ---- how much a fit says: R^2 threshold, chi^2 peak test ------------------------ */

/* A Welch PSD of K segments: the true spectrum times chi^2_nu / nu, nu the
 * equivalent degrees of freedom, drawn here as a sum of squared normals
 * (rounded nu: the test only needs the right spread). */
static void welch_like(const double *truth, size_t n, size_t K, uint64_t seed, double *psd)
{
    double nu = cs_welch_hann50_dof(K);
    int inu = (int)lround(nu);
    cs_rng *rng;
    cs_rng_create(seed, &rng);
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (int q = 0; q < inu; q++) {
            double g = cs_rng_gaussian(rng, 1.0);
            s += g * g;
        }
        psd[i] = truth[i] * s / inu;
    }
    cs_rng_destroy(rng);
}

Test(aperiodic, welch_dof_closed_form)
{
    /* one segment: a periodogram, 2 dof; many: 36 K / 19 per segment */
    cr_expect_float_eq(cs_welch_hann50_dof(1), 2.0, 1e-12);
    cr_expect_float_eq(cs_welch_hann50_dof(10), 3600.0 / 189.0, 1e-12);
    cr_expect_float_eq(cs_welch_hann50_dof(1000) / 1000, 36.0 / 19.0, 1e-3);
}

/* The finding: "peaks" were listed with no significance. On a power law
 * with chi^2 estimation noise (K = 20 segments), no peak survives the test
 * at family-wise 5 %; a bump 10x the aperiodic power at one frequency does.
 * A flat (white) spectrum has no power law (R^2 below the threshold). */
Test(aperiodic, peaks_only_where_significant)
{
    size_t n = 128, K = 20;
    double f[128], truth[128], psd[128];
    for (size_t i = 0; i < n; i++) {
        f[i] = 0.5 * (double)(i + 1) / (double)n;
        truth[i] = 3.0 * pow(f[i], -1.5);
    }
    cs_aperiodic_params p;
    cs_aperiodic_params_default(&p);
    p.peak_width_min = 2 * (f[1] - f[0]);
    p.peak_width_max = 0.25;
    p.max_n_peaks = 4;
    double thr;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        welch_like(truth, n, K, seed, psd);
        cs_aperiodic_result r;
        cr_assert_eq(cs_aperiodic_fit(f, psd, n, &p, &r), CS_OK, "%s", cs_last_error());
        cr_expect_geq(r.r_squared, CS_APERIODIC_R2_MIN, "power law with noise: R^2 %g", r.r_squared);
        int keep[64];
        cr_assert_eq(cs_aperiodic_peak_test(&r, cs_welch_hann50_dof(K), 0.05, keep, &thr), CS_OK);
        for (size_t i = 0; i < r.n_peaks; i++)
            cr_expect_eq(keep[i], 0, "seed %llu: noise peak at %g kept (ratio threshold %g)",
                         (unsigned long long)seed, r.peaks[i].center, thr);
        cs_aperiodic_result_free(&r);
    }
    /* a narrow bump 10x above the law at f = 0.2 */
    welch_like(truth, n, K, 9, psd);
    size_t b = 50;
    psd[b] *= 10, psd[b - 1] *= 4, psd[b + 1] *= 4;
    cs_aperiodic_result r;
    cr_assert_eq(cs_aperiodic_fit(f, psd, n, &p, &r), CS_OK, "%s", cs_last_error());
    int keep[64], found = 0;
    cr_assert_eq(cs_aperiodic_peak_test(&r, cs_welch_hann50_dof(K), 0.05, keep, &thr), CS_OK);
    for (size_t i = 0; i < r.n_peaks; i++)
        found |= keep[i] && fabs(r.peaks[i].center - f[b]) < 0.01;
    cr_expect(found, "the 10x bump at %g was not kept (threshold %g)", f[b], thr);
    /* threshold = chi^2 quantile(1 - 0.05 / nfit) / its median, from GSL's inverses */
    double nu = cs_welch_hann50_dof(K);
    cr_expect_float_eq(thr, gsl_cdf_chisq_Qinv(0.05 / (double)r.nfit, nu) / gsl_cdf_chisq_Pinv(0.5, nu), 1e-12);
    cs_aperiodic_result_free(&r);
    /* white noise: flat, R^2 far below the power-law threshold */
    for (size_t i = 0; i < n; i++)
        truth[i] = 1.0;
    welch_like(truth, n, K, 4, psd);
    cr_assert_eq(cs_aperiodic_fit(f, psd, n, &p, &r), CS_OK, "%s", cs_last_error());
    cr_expect_lt(r.r_squared, CS_APERIODIC_R2_MIN, "white noise R^2 %g", r.r_squared);
    cs_aperiodic_result_free(&r);
}

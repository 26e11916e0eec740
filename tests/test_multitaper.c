/* DPSS tapers and the multitaper PSD (src/spectral/multitaper.c) against
 * scipy.signal.windows.dpss and MNE's psd_array_multitaper.
 *
 * Reference: tests/data/multitaper_mne.json, written by
 * tests/data/gen_multitaper_mne.py (MNE 1.3.0, scipy 1.10.1) on
 * tests/data/spectral_signals.txt. */
#include <criterion/criterion.h>
#include <math.h>

#include "cogscope/core.h"
#include "cogscope/multitaper.h"
#include "cogscope/rng.h"
#include "cogscope/table.h"
#include "spectral_testutil.h"
#include "testutil.h"

#define DATA COGSCOPE_TEST_DATA

static char *json_text(void)
{
    char *t = tu_slurp(DATA "/multitaper_mne.json");
    cr_assert(t != NULL, "cannot read multitaper_mne.json");
    return t;
}

static cs_matrix signals(void)
{
    cs_matrix m;
    cr_assert_eq(cs_table_read(DATA "/spectral_signals.txt", &m), CS_OK, "%s", cs_last_error());
    return m;
}

Test(dpss, tapers_and_ratios_match_scipy)
{
    char *json = json_text();
    struct {
        size_t n;
        double nw;
        size_t k;
        int periodic;
        const char *name;
    } cases[] = {
        {64, 2.5, 4, 0, "dpss_64_2.5_4_sym"},
        {64, 2.5, 4, 1, "dpss_64_2.5_4_periodic"},
        {513, 4.0, 7, 1, "dpss_513_4_7_periodic"},
        {300, 3.0, 5, 0, "dpss_300_3_5_sym"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = cases[i].n, k = cases[i].k, m;
        double *tap = malloc(n * k * sizeof *tap), ratios[16];
        cr_assert_eq(cs_dpss(n, cases[i].nw, k, cases[i].periodic, tap, ratios), CS_OK, "%s", cs_last_error());
        double *ref = stu_json_array(json, cases[i].name, "tapers", &m);
        cr_assert(ref && m == n * k, "%s", cases[i].name);
        /* Unit-norm eigenvectors from the same LAPACK routines: agreement to
         * ~1e-14; 1e-12 absolute still catches any sign or order slip (values
         * are ~1/sqrt(n) >= 0.04). */
        double err = stu_max_abs(tap, ref, n * k);
        cr_expect(err < 1e-12, "%s tapers: max abs error %.3g", cases[i].name, err);
        if (getenv("COGSCOPE_TEST_VERBOSE"))
            fprintf(stderr, "%s tapers: max abs error %.3g\n", cases[i].name, err);
        free(ref);
        ref = stu_json_array(json, cases[i].name, "ratios", &m);
        cr_assert(ref && m == k);
        /* Ratios are sums of ~n products of the tapers' autocorrelation: 1e-12. */
        err = stu_max_abs(ratios, ref, k);
        cr_expect(err < 1e-12, "%s ratios: max abs error %.3g", cases[i].name, err);
        if (getenv("COGSCOPE_TEST_VERBOSE"))
            fprintf(stderr, "%s ratios: max abs error %.3g\n", cases[i].name, err);
        free(ref);
        free(tap);
    }
    free(json);
}

Test(dpss, tapers_are_orthonormal_and_concentrated)
{
    size_t n = 256, k = 7;
    double *tap = malloc(n * k * sizeof *tap), ratios[7];
    cr_assert_eq(cs_dpss(n, 4.0, k, 0, tap, ratios), CS_OK);
    for (size_t a = 0; a < k; a++) {
        for (size_t b = 0; b < k; b++) {
            double s = 0.0;
            for (size_t i = 0; i < n; i++)
                s += tap[a * n + i] * tap[b * n + i];
            cr_expect(fabs(s - (a == b)) < 1e-12, "<v%zu, v%zu> = %.17g", a, b, s);
        }
        /* Concentration decreases with order and stays in (0, 1); for NW = 4
         * the first 2NW - 1 = 7 tapers are > 0.9 concentrated. */
        cr_expect(ratios[a] > 0.9 && ratios[a] < 1.0, "ratio %zu = %g", a, ratios[a]);
        if (a > 0)
            cr_expect(ratios[a] < ratios[a - 1]);
    }
    free(tap);
}

struct mtcase {
    const char *name;
    double fs, nw, bandwidth, fmin, fmax;
    int low_bias, adaptive, full;
    size_t rows;
};

static void run_mt(const struct mtcase *c, const char *json, cs_matrix all)
{
    cs_multitaper_params p;
    cs_multitaper_params_default(&p);
    size_t rows = c->rows ? c->rows : all.rows;
    p.fs = c->fs;
    /* MNE: half_nbw = bandwidth * n / (2 fs); default 4. */
    p.nw = c->bandwidth > 0 ? c->bandwidth * (double)rows / (2.0 * c->fs) : 4.0;
    p.low_bias = c->low_bias;
    p.adaptive = c->adaptive;
    p.normalization = c->full ? CS_MT_NORM_FULL : CS_MT_NORM_LENGTH;
    p.fmin = c->fmin;
    p.fmax = c->fmax;
    cs_multitaper_plan *plan;
    cr_assert_eq(cs_multitaper_plan_create(&p, rows, &plan), CS_OK, "%s: %s", c->name, cs_last_error());
    size_t nf = cs_multitaper_plan_nfreq(plan), m;
    double *f = malloc(nf * sizeof *f), *psd = malloc(all.cols * nf * sizeof *psd);
    cs_multitaper_plan_freqs(plan, f);
    double *ref = stu_json_array(json, c->name, "f", &m);
    cr_assert(ref && m == nf, "%s: %zu frequencies, MNE %zu", c->name, nf, m);
    cr_expect(stu_max_rel(f, ref, nf) <= 1e-15, "%s f", c->name);
    free(ref);
    size_t nc = 99;
    cs_matrix x = {all.data, rows, all.cols, all.stride};
    cr_assert_eq(cs_multitaper_psd(plan, x, psd, &nc), CS_OK, "%s", cs_last_error());
    cr_expect_eq(nc, 0, "%s: %zu channels did not converge", c->name, nc);
    ref = stu_json_array(json, c->name, "psd", &m);
    cr_assert(ref && m == all.cols * nf);
    /* The same arithmetic as MNE up to summation order and FFT algorithm:
     * 1e-10 relative (adaptive weights converge to the same fixed point in
     * the same number of iterations; a different count would show as ~1e-6). */
    double err = stu_max_rel(psd, ref, m);
    cr_expect(err <= 1e-10, "%s psd: max relative error %.3g", c->name, err);
    if (getenv("COGSCOPE_TEST_VERBOSE"))
        fprintf(stderr, "%s psd: max relative error %.3g\n", c->name, err);
    free(ref);
    free(f);
    free(psd);
    cs_multitaper_plan_destroy(plan);
}

Test(multitaper, matches_mne_psd_array_multitaper)
{
    char *json = json_text();
    cs_matrix all = signals();
    const struct mtcase cases[] = {
        {"mt_default", 100, 4, 0, 0, INFINITY, 1, 0, 0, 0},
        {"mt_adaptive", 100, 4, 0, 0, INFINITY, 1, 1, 0, 0},
        {"mt_bw2_full", 100, 0, 2.0, 0, INFINITY, 1, 0, 1, 0},
        {"mt_nolowbias_band", 100, 4, 0, 5, 20, 0, 0, 0, 0},
        {"mt_adaptive_band_odd", 250, 0, 3.0, 1, 60, 1, 1, 0, 1499},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_mt(&cases[i], json, all);
    cs_matrix_free(&all);
    free(json);
}

Test(multitaper, white_noise_level_and_thread_invariance)
{
    /* White noise of variance s2: one-sided density 2 s2 / fs with
     * normalization 'full' (s2 * 2 with MNE's 'length'). The mean over bins
     * is essentially the sample variance, whose relative standard error is
     * sqrt(2/n) = 1.1% for n = 16384: 5% is > 4 standard errors. Against the
     * channel's own sample variance the level must agree much more closely
     * (2%: only the tapers' finite bandwidth at the band edges differs). */
    size_t n = 16384, nch = 3;
    double s2 = 2.25, fs = 50.0;
    double *x = malloc(n * nch * sizeof *x);
    cs_rng *rng;
    cs_rng_create(11, &rng);
    for (size_t i = 0; i < n * nch; i++)
        x[i] = cs_rng_gaussian(rng, sqrt(s2));
    cs_rng_destroy(rng);
    cs_multitaper_params p;
    cs_multitaper_params_default(&p);
    p.fs = fs;
    p.normalization = CS_MT_NORM_FULL;
    for (int adaptive = 0; adaptive <= 1; adaptive++) {
        p.adaptive = adaptive;
        p.threads = 1;
        cs_multitaper_plan *plan;
        cr_assert_eq(cs_multitaper_plan_create(&p, n, &plan), CS_OK);
        cr_expect_eq(cs_multitaper_plan_ntapers(plan), 7);
        size_t nf = cs_multitaper_plan_nfreq(plan);
        double *a = malloc(nch * nf * sizeof *a), *b = malloc(nch * nf * sizeof *b);
        cr_assert_eq(cs_multitaper_psd(plan, cs_matrix_view(x, n, nch), a, NULL), CS_OK);
        cs_multitaper_plan_destroy(plan);
        p.threads = 2;
        cr_assert_eq(cs_multitaper_plan_create(&p, n, &plan), CS_OK);
        cr_assert_eq(cs_multitaper_psd(plan, cs_matrix_view(x, n, nch), b, NULL), CS_OK);
        cs_multitaper_plan_destroy(plan);
        cr_expect_eq(memcmp(a, b, nch * nf * sizeof *a), 0, "threads change the result");
        for (size_t c = 0; c < nch; c++) {
            double mean = 0.0;
            for (size_t k = 1; k + 1 < nf; k++)
                mean += a[c * nf + k];
            mean /= (double)(nf - 2);
            double m1 = 0.0, m2 = 0.0;
            for (size_t i = 0; i < n; i++)
                m1 += x[i * nch + c];
            m1 /= (double)n;
            for (size_t i = 0; i < n; i++)
                m2 += (x[i * nch + c] - m1) * (x[i * nch + c] - m1);
            m2 /= (double)n;
            cr_expect(fabs(mean / (2 * s2 / fs) - 1) < 0.05, "adaptive %d channel %zu: %g vs %g", adaptive, c, mean,
                      2 * s2 / fs);
            cr_expect(fabs(mean / (2 * m2 / fs) - 1) < 0.02, "adaptive %d channel %zu: %g vs %g", adaptive, c, mean,
                      2 * m2 / fs);
        }
        free(a), free(b);
    }
    free(x);
}

Test(multitaper, bad_input)
{
    cs_multitaper_params p;
    cs_multitaper_plan *plan;
    cs_multitaper_params_default(&p);
    p.fs = 0;
    cr_expect_eq(cs_multitaper_plan_create(&p, 100, &plan), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "fs") != NULL);
    cs_multitaper_params_default(&p);
    p.nw = 0.25;
    cr_expect_eq(cs_multitaper_plan_create(&p, 100, &plan), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "NW") != NULL);
    p.nw = 60;
    cr_expect_eq(cs_multitaper_plan_create(&p, 100, &plan), CS_EINVAL);
    cs_multitaper_params_default(&p);
    cr_expect_eq(cs_multitaper_plan_create(&p, 1, &plan), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "at least 2") != NULL);
    p.fmin = 0.3, p.fmax = 0.2;
    cr_expect_eq(cs_multitaper_plan_create(&p, 100, &plan), CS_EINVAL);
    p.fmin = 0.6, p.fmax = 0.7; /* above Nyquist (fs = 1): no frequency */
    cr_expect_eq(cs_multitaper_plan_create(&p, 100, &plan), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "no frequency") != NULL);

    cs_multitaper_params_default(&p);
    cr_assert_eq(cs_multitaper_plan_create(&p, 100, &plan), CS_OK);
    double x[100 * 2] = {0}, psd[2 * 51];
    x[2 * 40 + 1] = NAN;
    cr_expect_eq(cs_multitaper_psd(plan, cs_matrix_view(x, 100, 2), psd, NULL), CS_ENONFINITE);
    cr_expect(strstr(cs_last_error(), "row 40, column 1") != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_multitaper_psd(plan, cs_matrix_view(x, 99, 2), psd, NULL), CS_ESHAPE);
    cs_multitaper_plan_destroy(plan);

    double tap[10];
    cr_expect_eq(cs_dpss(10, 5.0, 1, 0, tap, NULL), CS_EINVAL);
    cr_expect_eq(cs_dpss(10, 2.0, 0, 0, tap, NULL), CS_EINVAL);
    cr_expect_eq(cs_dpss(1, 0.2, 1, 0, tap, NULL), CS_EINVAL);
}

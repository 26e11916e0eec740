/* Gaussian and Gaussian-copula estimators against closed forms
 * (tests/data/gaussian_analytic.json, copied from ../shared/reference: analytic
 * values), the bias correction against GCMI's formula and against the truth
 * by Monte Carlo, local values, surrogates and the chi-squared null. */
#include <criterion/criterion.h>
#include <math.h>

#include <gsl/gsl_sf_psi.h>

#include "cogscope/gaussian.h"
#include "cogscope/gcopula.h"
#include "cogscope/info.h"
#include "cogscope/rng.h"
#include "info_testutil.h"

static const cs_matrix none = {NULL, 0, 0, 0};

/* ---- exact, from a covariance ------------------------------------------------------- */

Test(gaussian, covariance_by_hand)
{
    double d[] = {1, 2, 2, 1, 3, 6, 4, 5}; /* 4 x 2 */
    double cov[4], mean[2];
    cr_assert_eq(cs_gaussian_cov(cs_matrix_view(d, 4, 2), NULL, 0, 1, cov, mean), CS_OK);
    /* col0 1,2,3,4 mean 2.5 var 5/3; col1 2,1,6,5 mean 3.5 var 17/3; cov (sum of
     * (-1.5)(-1.5) + (-.5)(-2.5) + (.5)(2.5) + (1.5)(1.5)) / 3 = 7 / 3 */
    cr_expect(fabs(mean[0] - 2.5) < 1e-15 && fabs(mean[1] - 3.5) < 1e-15);
    cr_expect(fabs(cov[0] - 5.0 / 3) < 1e-14);
    cr_expect(fabs(cov[3] - 17.0 / 3) < 1e-14);
    cr_expect(fabs(cov[1] - 7.0 / 3) < 1e-14 && cov[1] == cov[2]);
    size_t one[] = {1};
    cr_assert_eq(cs_gaussian_cov(cs_matrix_view(d, 4, 2), one, 1, 0, cov, NULL), CS_OK);
    cr_expect(fabs(cov[0] - 17.0 / 4) < 1e-14);
    size_t bad[] = {2};
    cr_expect_eq(cs_gaussian_cov(cs_matrix_view(d, 4, 2), bad, 1, 0, cov, NULL), CS_EINVAL);
}

Test(gaussian, mi_and_entropy_from_covariance_are_exact)
{
    char *ref = itu_data_file("gaussian_analytic.json");
    cr_assert_not_null(ref);
    double rho[3], mi[3], h1 = 0;
    cr_assert_eq(itu_json_numbers(ref, "rho", 0, rho, 3), 3);
    cr_assert_eq(itu_json_numbers(ref, "mi", 0, mi, 3), 3);
    itu_json_numbers(ref, "entropy_standard_normal", 0, &h1, 1);
    cs_info_params p;
    cs_info_params_default(CS_INFO_MI, CS_EST_GAUSSIAN, &p);
    size_t x[] = {0}, y[] = {1};
    for (int i = 0; i < 3; i++) {
        double cov[4] = {1, rho[i], rho[i], 1}, v;
        cs_info *c;
        cr_assert_eq(cs_info_create(&p, &c), CS_OK);
        cr_assert_eq(cs_info_set_covariance(c, cov, 2, x, 1, y, 1, NULL, 0, 0), CS_OK);
        cr_assert_eq(cs_info_average(c, &v), CS_OK);
        /* reference printed to 12 digits */
        cr_expect(fabs(v - mi[i]) < 1e-11, "rho %g: %.15g vs %.12f", rho[i], v, mi[i]);
        cr_log_info("cov MI rho %g error %.1e", rho[i], v - mi[i]);
        cs_info_destroy(c);
    }
    double one = 1, h;
    cr_assert_eq(cs_gaussian_entropy(&one, 1, NULL, 1, NULL, "cov", &h), CS_OK);
    cr_expect(fabs(h - h1) < 1e-10, "%.15g vs %.10f", h, h1); /* 10 digits */
    free(ref);
}

/* Stationary covariance of the coupled AR(1) in gaussian_analytic.json:
 * X_t = a X_{t-1} + e, Y_t = b Y_{t-1} + c X_{t-1} + e', so S = A S A^T + I
 * with A = [[a, 0], [c, b]]; iterate to the fixed point (contraction 0.25). */
static void ar1_stationary(double a, double b, double c, double S[2][2])
{
    double s00 = 1, s01 = 0, s11 = 1;
    for (int it = 0; it < 200; it++) {
        double n00 = a * a * s00 + 1;
        double n01 = a * (c * s00 + b * s01);
        double n11 = c * c * s00 + 2 * b * c * s01 + b * b * s11 + 1;
        s00 = n00, s01 = n01, s11 = n11;
    }
    S[0][0] = s00, S[0][1] = S[1][0] = s01, S[1][1] = s11;
}

Test(gaussian, te_of_coupled_ar1_from_lagged_covariance)
{
    char *ref = itu_data_file("gaussian_analytic.json");
    cr_assert_not_null(ref);
    double a = 0, b = 0, c = 0, te_xy = 0, te_yx = 0;
    itu_json_numbers(ref, "a", 0, &a, 1);
    itu_json_numbers(ref, "b", 0, &b, 1);
    itu_json_numbers(ref, "c", 0, &c, 1);
    itu_json_numbers(ref, "te_x_to_y", 0, &te_xy, 1);
    itu_json_numbers(ref, "te_y_to_x", 0, &te_yx, 1);
    double S[2][2];
    ar1_stationary(a, b, c, S);
    /* rows: 0 X_t, 1 Y_t, 2 Y_{t+1}, 3 X_{t+1} */
    double cov[16] = {0};
#define C(i, j, v)                                                                                                   \
    do {                                                                                                             \
        cov[(i)*4 + (j)] = (v);                                                                                      \
        cov[(j)*4 + (i)] = (v);                                                                                      \
    } while (0)
    C(0, 0, S[0][0]);
    C(1, 1, S[1][1]);
    C(0, 1, S[0][1]);
    C(2, 2, S[1][1]);
    C(3, 3, S[0][0]);
    C(2, 0, c * S[0][0] + b * S[0][1]);           /* Cov(Y_{t+1}, X_t) */
    C(2, 1, c * S[0][1] + b * S[1][1]);           /* Cov(Y_{t+1}, Y_t) */
    C(3, 0, a * S[0][0]);                         /* Cov(X_{t+1}, X_t) */
    C(3, 1, a * S[0][1]);                         /* Cov(X_{t+1}, Y_t) */
    C(3, 2, a * (c * S[0][0] + b * S[0][1]) + 0); /* Cov(X_{t+1}, Y_{t+1}) = a Cov(X_t, Y_{t+1}) */
#undef C
    cs_info_params p;
    cs_info_params_default(CS_INFO_TE, CS_EST_GAUSSIAN, &p);
    cs_info *calc;
    cr_assert_eq(cs_info_create(&p, &calc), CS_OK);
    /* TE x->y = I(Y_{t+1}; X_t | Y_t): source past row 0, future row 2, past row 1 */
    size_t src[] = {0}, fut[] = {2}, past[] = {1};
    double v;
    cr_assert_eq(cs_info_set_covariance(calc, cov, 4, src, 1, fut, 1, past, 1, 0), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_info_average(calc, &v), CS_OK);
    cr_expect(fabs(v - te_xy) < 1e-10, "%.15g vs %.10f", v, te_xy); /* 10 digits */
    cr_log_info("cov TE error %.1e", v - te_xy);
    /* TE y->x = I(X_{t+1}; Y_t | X_t) = 0 */
    size_t src2[] = {1}, fut2[] = {3}, past2[] = {0};
    cr_assert_eq(cs_info_set_covariance(calc, cov, 4, src2, 1, fut2, 1, past2, 1, 0), CS_OK);
    cr_assert_eq(cs_info_average(calc, &v), CS_OK);
    cr_expect(fabs(v - te_yx) < 1e-14, "%.3g", v);
    cs_info_destroy(calc);
    free(ref);
}

/* ---- from 1e5 simulated samples ---------------------------------------------------------- */

enum { NS = 100000 };

static void bivariate(size_t n, double rho, uint64_t seed, double *xy)
{
    cs_rng *r;
    cs_rng_create(seed, &r);
    for (size_t i = 0; i < n; i++) {
        double u = cs_rng_gaussian(r, 1), w = cs_rng_gaussian(r, 1);
        xy[2 * i] = u;
        xy[2 * i + 1] = rho * u + sqrt(1 - rho * rho) * w;
    }
    cs_rng_destroy(r);
}

static void ar1(size_t n, double a, double b, double c, uint64_t seed, double *xy)
{
    cs_rng *r;
    cs_rng_create(seed, &r);
    double x = 0, y = 0;
    for (size_t i = 0; i < n + 100; i++) { /* 100 steps of burn-in: 0.5^100 */
        double nx = a * x + cs_rng_gaussian(r, 1);
        double ny = b * y + c * x + cs_rng_gaussian(r, 1);
        x = nx, y = ny;
        if (i >= 100) {
            xy[2 * (i - 100)] = x;
            xy[2 * (i - 100) + 1] = y;
        }
    }
    cs_rng_destroy(r);
}

/* Tolerances are 4-5 standard errors of the estimator at N = 1e5, so a
 * correct estimator fails with probability < 1e-4 per seed, while a wrong
 * formula (e.g. a missing factor 1/2, or the wrong lag) is off by far more:
 *   MI (rho = 0.6): se ~ rho / sqrt(N) = 1.9e-3 (measured over 200 numpy
 *                   replicates: 2.05e-3)                -> tol 1e-2
 *   H of N(0,1):    se = sqrt(1/(2N)) = 2.24e-3 (measured 2.24e-3) -> tol 1e-2
 *   TE of the AR(1): se measured 1.19e-3 (200 replicates at 2e4, scaled) -> tol 5e-3 */
Test(gaussian, simulated_samples_match_closed_forms)
{
    char *ref = itu_data_file("gaussian_analytic.json");
    double mi[3] = {0}, h1 = 0, te_xy = 0;
    itu_json_numbers(ref, "mi", 0, mi, 3);
    itu_json_numbers(ref, "entropy_standard_normal", 0, &h1, 1);
    itu_json_numbers(ref, "te_x_to_y", 0, &te_xy, 1);
    free(ref);
    double *xy = malloc(2 * NS * sizeof *xy);
    bivariate(NS, 0.6, 1, xy);
    cs_matrix X = {xy, NS, 1, 2}, Y = {xy + 1, NS, 1, 2};
    cs_info_params p;
    cs_info_params_default(CS_INFO_MI, CS_EST_GAUSSIAN, &p);
    double v;
    cr_assert_eq(cs_info_mi(&p, X, Y, &v), CS_OK);
    cr_expect(fabs(v - mi[1]) < 1e-2, "MI %.6f vs %.6f", v, mi[1]);
    cr_log_info("N=1e5: gaussian MI error %.2e", v - mi[1]);
    cr_assert_eq(cs_info_entropy(&p, X, &v), CS_OK);
    cr_expect(fabs(v - h1) < 1e-2, "H %.6f vs %.6f", v, h1);
    cr_log_info("N=1e5: gaussian H error %.2e", v - h1);
    /* gcopula on a Gaussian pair estimates the same MI */
    cs_info_params_default(CS_INFO_MI, CS_EST_GCOPULA, &p);
    cr_assert_eq(cs_info_mi(&p, X, Y, &v), CS_OK);
    cr_expect(fabs(v - mi[1]) < 1e-2, "gcopula MI %.6f vs %.6f", v, mi[1]);
    cr_log_info("N=1e5: gcopula MI error %.2e", v - mi[1]);

    ar1(NS, 0.5, 0.5, 0.4, 2, xy);
    cs_info_params_default(CS_INFO_TE, CS_EST_GAUSSIAN, &p);
    cr_assert_eq(cs_info_te(&p, X, Y, none, &v), CS_OK);
    cr_expect(fabs(v - te_xy) < 5e-3, "TE %.6f vs %.6f", v, te_xy);
    cr_log_info("N=1e5: gaussian TE error %.2e", v - te_xy);
    cr_assert_eq(cs_info_te(&p, Y, X, none, &v), CS_OK);
    cr_expect(fabs(v) < 5e-3, "reverse TE %.6f", v);
    cr_log_info("N=1e5: gaussian reverse TE %.2e", v);
    /* AIS of X (an AR(1) with a = 0.5): I(X_t; X_{t+1}) = -0.5 ln(1 - a^2) */
    cs_info_params_default(CS_INFO_AIS, CS_EST_GAUSSIAN, &p);
    cr_assert_eq(cs_info_ais(&p, X, &v), CS_OK);
    cr_expect(fabs(v + 0.5 * log(1 - 0.25)) < 1e-2, "AIS %.6f", v);
    cr_log_info("N=1e5: gaussian AIS error %.2e", v + 0.5 * log(1 - 0.25));
    free(xy);
}

/* ---- bias correction ---------------------------------------------------------------------- */

Test(gaussian, bias_formula_matches_gcmi)
{
    /* GCMI's ent_g correction (divisor N-1), evaluated with scipy.special.psi:
     *   d (ln 2 - ln(N-1)) / 2 + sum_{i=1..d} psi((N-i)/2) / 2 */
    cr_expect(fabs(cs_gaussian_entropy_bias(1, 100, 1) - -0.005067509424136141) < 1e-14);
    cr_expect(fabs(cs_gaussian_entropy_bias(3, 10, 1) - -0.3820434774461243) < 1e-14);
    cr_expect(fabs(cs_gaussian_entropy_bias(2, 50, 1) - -0.031072121281373377) < 1e-14);
    /* divisor N instead of N-1 shifts ln det by d ln((N-1)/N) */
    double d0 = cs_gaussian_entropy_bias(3, 10, 0), d1 = cs_gaussian_entropy_bias(3, 10, 1);
    cr_expect(fabs((d0 - d1) - 1.5 * log(9.0 / 10.0)) < 1e-14);
}

Test(gaussian, bias_correction_removes_the_bias)
{
    /* 2000 data sets of N = 10 samples of the 3-variable Gaussian of case 1 in
     * gaussian_analytic.json. The plug-in entropy is biased by about -0.38
     * nats; the corrected one is unbiased (exact for Gaussian data). The
     * standard error of the mean over replicates is ~0.01. */
    double cov[9] = {1, 0.4, 0.3, 0.4, 1, 0.2, 0.3, 0.2, 1}, L[9];
    double H;
    cr_assert_eq(cs_gaussian_entropy(cov, 3, NULL, 3, NULL, "cov", &H), CS_OK);
    /* Cholesky by hand for sampling */
    L[0] = 1, L[1] = L[2] = 0;
    L[3] = 0.4, L[4] = sqrt(1 - 0.16), L[5] = 0;
    L[6] = 0.3, L[7] = (0.2 - 0.3 * 0.4) / L[4], L[8] = sqrt(1 - L[6] * L[6] - L[7] * L[7]);
    enum { R = 2000, N = 10 };
    cs_rng *r;
    cs_rng_create(99, &r);
    double s_bc = 0, s2_bc = 0, s_pl = 0, d[N * 3];
    cs_info_params p;
    cs_info_params_default(CS_INFO_ENTROPY, CS_EST_GAUSSIAN, &p);
    for (int k = 0; k < R; k++) {
        for (int i = 0; i < N; i++) {
            double e[3] = {cs_rng_gaussian(r, 1), cs_rng_gaussian(r, 1), cs_rng_gaussian(r, 1)};
            for (int a = 0; a < 3; a++)
                d[i * 3 + a] = L[a * 3] * e[0] + L[a * 3 + 1] * e[1] + L[a * 3 + 2] * e[2];
        }
        double hb, hp;
        p.est.bias_correct = 1;
        cr_assert_eq(cs_info_entropy(&p, cs_matrix_view(d, N, 3), &hb), CS_OK);
        p.est.bias_correct = 0;
        cr_assert_eq(cs_info_entropy(&p, cs_matrix_view(d, N, 3), &hp), CS_OK);
        s_bc += hb, s2_bc += hb * hb, s_pl += hp;
    }
    cs_rng_destroy(r);
    double m_bc = s_bc / R, m_pl = s_pl / R;
    double se = sqrt((s2_bc / R - m_bc * m_bc) / R);
    cr_log_info("bias MC: corrected %.4f, plug-in %.4f, true %.4f, se %.4f", m_bc, m_pl, H, se);
    cr_expect(fabs(m_bc - H) < 4 * se, "corrected mean %.4f vs H %.4f (se %.4f)", m_bc, H, se);
    cr_expect(m_pl - H < -20 * se, "plug-in mean %.4f should be well below H %.4f", m_pl, H);
}

Test(gaussian, gcopula_is_rank_invariant_and_corrected_by_default)
{
    enum { N = 5000 };
    double *xy = malloc(2 * N * sizeof *xy), *t = malloc(2 * N * sizeof *t);
    bivariate(N, 0.5, 4, xy);
    for (int i = 0; i < N; i++) { /* strictly increasing transforms of each column */
        t[2 * i] = exp(xy[2 * i]);
        t[2 * i + 1] = pow(xy[2 * i + 1], 3) + xy[2 * i + 1];
    }
    cs_info_params p;
    cs_info_params_default(CS_INFO_MI, CS_EST_GCOPULA, &p);
    double v1, v2, v_nobc;
    cr_assert_eq(cs_info_mi(&p, (cs_matrix){xy, N, 1, 2}, (cs_matrix){xy + 1, N, 1, 2}, &v1), CS_OK);
    cr_assert_eq(cs_info_mi(&p, (cs_matrix){t, N, 1, 2}, (cs_matrix){t + 1, N, 1, 2}, &v2), CS_OK);
    cr_expect(fabs(v1 - v2) < 1e-13, "%.17g vs %.17g", v1, v2);
    p.est.bias_correct = 0;
    cr_assert_eq(cs_info_mi(&p, (cs_matrix){t, N, 1, 2}, (cs_matrix){t + 1, N, 1, 2}, &v_nobc), CS_OK);
    /* default = corrected: I_bc = I - [b(1) + b(1) - b(2)], b from the digamma formula */
    double b1 = 0.5 * (log(2.0) - log((double)N)) + 0.5 * gsl_sf_psi((N - 1) / 2.0);
    double b2 = (log(2.0) - log((double)N)) + 0.5 * (gsl_sf_psi((N - 1) / 2.0) + gsl_sf_psi((N - 2) / 2.0));
    cr_expect(fabs((v_nobc - v2) - (2 * b1 - b2)) < 1e-12, "%.3g vs %.3g", v_nobc - v2, 2 * b1 - b2);
    free(xy);
    free(t);
}

Test(gaussian, copula_ties_get_average_ranks)
{
    /* values 3, 1, 2, 2 (n = 4): ranks 4, 1, 2.5, 2.5 -> Phi^-1(r / 5) */
    double v[] = {3, 1, 2, 2}, out[4];
    cr_assert_eq(cs_gcopula_normalise_column(v, 4, 1, out, 1), CS_OK);
    cr_expect(fabs(out[0] - 0.8416212335729143) < 1e-12); /* Phi^-1(0.8) */
    cr_expect(fabs(out[1] + 0.8416212335729143) < 1e-12); /* Phi^-1(0.2) */
    cr_expect(out[2] == out[3] && fabs(out[2]) < 1e-15);  /* Phi^-1(0.5) = 0 */
    double c[] = {1, 5, 1, 6, 1, 7};
    cr_expect_eq(cs_gcopula_normalise(cs_matrix_view(c, 3, 2), cs_matrix_view(c, 3, 2)), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "column 0 is constant") != NULL, "%s", cs_last_error());
}

/* ---- locals, surrogates, chi2 --------------------------------------------------------------- */

Test(gaussian, locals_average_to_average)
{
    enum { N = 4000 };
    double *xy = malloc(2 * N * sizeof *xy), *three = malloc(3 * N * sizeof *three);
    double *local = malloc(N * sizeof *local);
    ar1(N, 0.5, 0.5, 0.4, 8, xy);
    for (int i = 0; i < N; i++) {
        three[3 * i] = xy[2 * i];
        three[3 * i + 1] = xy[2 * i + 1];
        three[3 * i + 2] = xy[2 * i] * 0.3 + sin(i);
    }
    cs_matrix S = {xy, N, 1, 2}, D = {xy + 1, N, 1, 2};
    cs_matrix a = {three, N, 1, 3}, b = {three + 1, N, 1, 3}, c = {three + 2, N, 1, 3};
    for (int est = CS_EST_GAUSSIAN; est <= CS_EST_GCOPULA; est++)
        for (int bc = 0; bc < 2; bc++)
            for (int m = 0; m <= CS_INFO_CALC_LAST; m++) {
                if (est == CS_EST_GCOPULA && (m == CS_INFO_ENTROPY || m == CS_INFO_CENTROPY))
                    continue;
                cs_info_params p;
                cs_info_params_default((cs_info_measure)m, (cs_info_estimator)est, &p);
                p.est.bias_correct = bc;
                p.embed.k = 2;
                p.embed.l = 2;
                p.embed.u = 2;
                cs_info *calc;
                cr_assert_eq(cs_info_create(&p, &calc), CS_OK);
                cs_matrix x = a, y = none, z = none;
                if (m == CS_INFO_CENTROPY || m == CS_INFO_MI || m == CS_INFO_CMI)
                    y = b;
                if (m == CS_INFO_CMI)
                    z = c;
                if (m == CS_INFO_TE)
                    x = S, y = D, z = c;
                cr_assert_eq(cs_info_set_observations(calc, x, y, z), CS_OK, "%s", cs_last_error());
                double avg, lavg, s = 0;
                cr_assert_eq(cs_info_average(calc, &avg), CS_OK);
                cr_assert_eq(cs_info_local(calc, local, &lavg), CS_OK);
                size_t n = cs_info_count(calc);
                for (size_t i = 0; i < n; i++)
                    s += local[i];
                /* exact up to rounding of n terms of size ~1 */
                cr_expect(fabs(s / (double)n - avg) < 1e-11, "est %d bc %d measure %d: %.15g vs %.15g", est, bc, m,
                          s / (double)n, avg);
                cs_info_destroy(calc);
            }
    free(xy);
    free(three);
    free(local);
}

Test(gaussian, surrogates_and_chi2)
{
    enum { N = 5000, S = 200 };
    double *xy = malloc(2 * N * sizeof *xy), vals[S], vals2[S];
    cs_matrix X = {xy, N, 1, 2}, Y = {xy + 1, N, 1, 2};
    for (int coupled = 1; coupled >= 0; coupled--) {
        ar1(N, 0.5, 0.5, coupled ? 0.4 : 0.0, 12, xy);
        cs_info_params p;
        cs_info_params_default(CS_INFO_TE, CS_EST_GAUSSIAN, &p);
        p.est.threads = 1;
        cs_info *c;
        cr_assert_eq(cs_info_create(&p, &c), CS_OK);
        cr_assert_eq(cs_info_set_observations(c, X, Y, none), CS_OK);
        cs_info_significance sig;
        cr_assert_eq(cs_info_surrogates(c, S, 3, &sig, vals), CS_OK, "%s", cs_last_error());
        cs_info_chi2 chi;
        cr_assert_eq(cs_info_analytic(c, &chi), CS_OK);
        double te;
        cs_info_average(c, &te);
        cr_expect_eq(chi.df, 1);
        cr_expect(fabs(chi.statistic - 2.0 * (N - 1) * te) < 1e-9);
        if (coupled) {
            cr_expect_eq(sig.n_greater_equal, 0);
            cr_expect(fabs(sig.p_value - 1.0 / (S + 1)) < 1e-15);
            cr_expect(chi.p_value < 1e-10);
        } else {
            cr_expect(sig.p_value > 0.05, "p = %g", sig.p_value);
            cr_expect(chi.p_value > 0.05, "chi2 p = %g", chi.p_value);
        }
        /* under the null 2 N I ~ chi2(1): surrogate mean 1/(2N); 30% slack for S = 200 draws
         * (the relative se of a chi2(1) mean over 200 draws is sqrt(2/200) = 10%) */
        cr_expect(fabs(sig.surrogate_mean * 2 * (N - 1) - 1) < 0.3, "%g", sig.surrogate_mean * 2 * (N - 1));
        cs_info_destroy(c);
        p.est.threads = 2;
        cr_assert_eq(cs_info_create(&p, &c), CS_OK);
        cr_assert_eq(cs_info_set_observations(c, X, Y, none), CS_OK);
        cs_info_significance sig2;
        cr_assert_eq(cs_info_surrogates(c, S, 3, &sig2, vals2), CS_OK);
        for (int s = 0; s < S; s++)
            cr_expect_eq(vals[s], vals2[s]);
        cs_info_destroy(c);
    }
    free(xy);
}

Test(gaussian, chi2_null_is_calibrated)
{
    /* 400 independent data sets of N = 400: 2-dim X and 3-dim Y independent, so
     * 2 N I ~ chi2(6) and the p-values are uniform: the fraction below 0.05
     * has mean 0.05 and sd sqrt(0.05 * 0.95 / 400) = 0.011. */
    enum { R = 400, N = 400 };
    double *d = malloc(N * 5 * sizeof *d);
    cs_rng *r;
    cs_rng_create(2024, &r);
    int below = 0;
    for (int k = 0; k < R; k++) {
        for (int i = 0; i < N * 5; i++)
            d[i] = cs_rng_gaussian(r, 1);
        cs_info_params p;
        cs_info_params_default(CS_INFO_MI, CS_EST_GAUSSIAN, &p);
        cs_info *c;
        cs_info_create(&p, &c);
        cr_assert_eq(cs_info_set_observations(c, (cs_matrix){d, N, 2, 5}, (cs_matrix){d + 2, N, 3, 5}, none), CS_OK);
        cs_info_chi2 chi;
        cr_assert_eq(cs_info_analytic(c, &chi), CS_OK);
        cr_assert_eq(chi.df, 6);
        below += chi.p_value < 0.05;
        cs_info_destroy(c);
    }
    cs_rng_destroy(r);
    cr_expect(below >= 0.05 * R - 3 * 0.011 * R && below <= 0.05 * R + 3 * 0.011 * R, "%d of %d below 0.05", below,
              R);
    cr_log_info("chi2 calibration: %d of %d p-values below 0.05", below, R);
    free(d);
}

/* ---- errors ------------------------------------------------------------------------------------ */

Test(gaussian, singular_and_bad_covariances)
{
    double d[] = {1, 2, 2, 4, 3, 6.0, 5, 10}; /* column 1 = 2 * column 0 */
    cs_info_params p;
    cs_info_params_default(CS_INFO_MI, CS_EST_GAUSSIAN, &p);
    double v;
    cr_expect_eq(cs_info_mi(&p, (cs_matrix){d, 4, 1, 2}, (cs_matrix){d + 1, 4, 1, 2}, &v), CS_ESINGULAR);
    cr_expect(strstr(cs_last_error(), "singular") != NULL, "%s", cs_last_error());
    cs_info *c;
    cr_assert_eq(cs_info_create(&p, &c), CS_OK);
    size_t x[] = {0}, y[] = {1}, y_bad[] = {2}, y_dup[] = {0};
    double notpd[4] = {1, 2, 2, 1};
    cr_expect_eq(cs_info_set_covariance(c, notpd, 2, x, 1, y, 1, NULL, 0, 0), CS_ESINGULAR);
    cr_expect(strstr(cs_last_error(), "not positive definite") != NULL, "%s", cs_last_error());
    double asym[4] = {1, 0.5, 0.4, 1};
    cr_expect_eq(cs_info_set_covariance(c, asym, 2, x, 1, y, 1, NULL, 0, 0), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "not symmetric") != NULL);
    double ok[4] = {1, 0.5, 0.5, 1};
    cr_expect_eq(cs_info_set_covariance(c, ok, 2, x, 1, y_bad, 1, NULL, 0, 0), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "row 2 is out of range") != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_info_set_covariance(c, ok, 2, x, 1, y_dup, 1, NULL, 0, 0), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "used twice") != NULL);
    ok[1] = NAN;
    cr_expect_eq(cs_info_set_covariance(c, ok, 2, x, 1, y, 1, NULL, 0, 0), CS_ENONFINITE);
    double loc[4];
    ok[1] = 0.5;
    cr_assert_eq(cs_info_set_covariance(c, ok, 2, x, 1, y, 1, NULL, 0, 0), CS_OK);
    cr_expect_eq(cs_info_local(c, loc, NULL), CS_EINVAL);
    cs_info_significance sig;
    cr_expect_eq(cs_info_surrogates(c, 10, 1, &sig, NULL), CS_EINVAL);
    cs_info_chi2 chi;
    cr_expect_eq(cs_info_analytic(c, &chi), CS_EINVAL); /* no n_samples */
    cs_info_destroy(c);
    /* a constant column */
    double k[] = {1, 3, 1, 4, 1, 2, 1, 9};
    cr_expect_eq(cs_info_mi(&p, (cs_matrix){k, 4, 1, 2}, (cs_matrix){k + 1, 4, 1, 2}, &v), CS_ESINGULAR);
}

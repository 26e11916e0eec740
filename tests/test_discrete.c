/* Discrete estimators: symbols, joint codes, plug-in and Miller-Madow
 * entropies, TE against Inform, local values, surrogates, chi-squared null. */
#include <criterion/criterion.h>
#include <math.h>

#include "cogscope/discrete.h"
#include "cogscope/info.h"
#include "cogscope/rng.h"
#include "info_testutil.h"

#define LN2 0.69314718055994530942

/* ---- symbols and codes ------------------------------------------------------ */

Test(discrete, infer_recodes_sorted_distinct_values)
{
    double d[] = {5, -1, -1, 7, 5, 7, 2, 7};
    cs_symbols s;
    cr_assert_eq(cs_discrete_from_matrix(cs_matrix_view(d, 4, 2), 0, &s), CS_OK);
    /* column 0: 5, -1, 5, 2 -> distinct {-1, 2, 5} -> codes 2, 0, 2, 1 */
    cr_expect_eq(s.alphabet[0], 3);
    cr_expect_eq(s.data[0], 2);
    cr_expect_eq(s.data[2], 0);
    cr_expect_eq(s.data[4], 2);
    cr_expect_eq(s.data[6], 1);
    /* column 1: -1, 7, 7, 7 -> {-1, 7} */
    cr_expect_eq(s.alphabet[1], 2);
    cr_expect_eq(s.data[1], 0);
    cr_expect_eq(s.data[3], 1);
    cs_symbols_free(&s);
}

Test(discrete, given_alphabet_and_bad_values)
{
    double d[] = {0, 1, 2, 3};
    cs_symbols s;
    cr_assert_eq(cs_discrete_from_matrix(cs_matrix_view(d, 4, 1), 4, &s), CS_OK);
    cr_expect_eq(s.alphabet[0], 4);
    cr_expect_eq(s.data[3], 3);
    cs_symbols_free(&s);
    cr_expect_eq(cs_discrete_from_matrix(cs_matrix_view(d, 4, 1), 3, &s), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "row 3, column 0") != NULL, "%s", cs_last_error());
    d[1] = 0.5;
    cr_expect_eq(cs_discrete_from_matrix(cs_matrix_view(d, 2, 2), 0, &s), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "row 0, column 1 is not an integer") != NULL, "%s", cs_last_error());
    d[1] = NAN;
    cr_expect_eq(cs_discrete_from_matrix(cs_matrix_view(d, 2, 2), 0, &s), CS_ENONFINITE);
    cr_expect(strstr(cs_last_error(), "row 0, column 1") != NULL, "%s", cs_last_error());
}

Test(discrete, joint_codes_are_lexicographic)
{
    /* rows (a, b): (1,0) (0,1) (1,0) (0,0) (1,1) -> order (0,0)=0 (0,1)=1 (1,0)=2 (1,1)=3 */
    double d[] = {1, 0, 0, 1, 1, 0, 0, 0, 1, 1};
    cs_symbols s;
    cr_assert_eq(cs_discrete_from_matrix(cs_matrix_view(d, 5, 2), 2, &s), CS_OK);
    int32_t codes[5];
    size_t m;
    size_t cols[] = {0, 1};
    cr_assert_eq(cs_discrete_joint(&s, cols, 2, codes, &m), CS_OK);
    cr_expect_eq(m, 4);
    int32_t want[] = {2, 1, 2, 0, 3};
    for (int i = 0; i < 5; i++)
        cr_expect_eq(codes[i], want[i], "row %d", i);
    /* reversed column order: (b, a) */
    size_t rev[] = {1, 0};
    cr_assert_eq(cs_discrete_joint(&s, rev, 2, codes, &m), CS_OK);
    int32_t want_rev[] = {1, 2, 1, 0, 3}; /* (0,1)=1 (1,0)=2 (0,0)=0 (1,1)=3 */
    for (int i = 0; i < 5; i++)
        cr_expect_eq(codes[i], want_rev[i], "row %d", i);
    size_t bad[] = {2};
    cr_expect_eq(cs_discrete_joint(&s, bad, 1, codes, &m), CS_EINVAL);
    cs_symbols_free(&s);
}

Test(discrete, joint_codes_never_overflow)
{
    /* Five columns with alphabets of 2^30: the product 2^150 overflows every
     * integer type, so the pairwise path must keep codes dense. Rows are
     * chosen so that exactly 3 distinct joint states occur. */
    enum { R = 6, C = 5 };
    cs_symbols s;
    cr_assert_eq(cs_symbols_alloc(R, C, &s), CS_OK);
    int32_t big = 1 << 30;
    for (int j = 0; j < C; j++)
        s.alphabet[j] = big;
    int32_t rows[3][C] = {{big - 1, 0, big - 1, 5, big - 1}, {0, 0, 0, 0, 0}, {big - 1, 0, big - 1, 5, 7}};
    int pick[R] = {0, 1, 2, 0, 1, 0};
    for (int i = 0; i < R; i++)
        memcpy(s.data + i * C, rows[pick[i]], sizeof rows[0]);
    int32_t codes[R];
    size_t m;
    size_t cols[C] = {0, 1, 2, 3, 4};
    cr_assert_eq(cs_discrete_joint(&s, cols, C, codes, &m), CS_OK);
    cr_expect_eq(m, 3);
    /* lexicographic: rows[1] < rows[2] < rows[0] */
    int32_t want[R] = {2, 0, 1, 2, 0, 2};
    for (int i = 0; i < R; i++)
        cr_expect_eq(codes[i], want[i]);
    double h;
    cr_assert_eq(cs_discrete_entropy(&s, cols, C, 0, &h), CS_OK);
    /* counts 3, 2, 1 of 6 */
    double want_h = -(0.5 * log(0.5) + (2.0 / 6) * log(2.0 / 6) + (1.0 / 6) * log(1.0 / 6));
    cr_expect(fabs(h - want_h) < 1e-15, "%.17g vs %.17g", h, want_h);
    cs_symbols_free(&s);
}

Test(discrete, miller_madow_hand_computed)
{
    /* Sample 0,0,1,1,1,2 (N = 6): p = (2/6, 3/6, 1/6).
     * H = (1/3) ln 3 + (1/2) ln 2 + (1/6) ln 6            = 1.0114042647073518 nats
     * Miller-Madow adds (m - 1) / (2N) = (3 - 1) / 12 = 1/6 -> 1.1780709313740185 nats */
    int32_t codes[] = {0, 0, 1, 1, 1, 2};
    double h, hmm, local[6];
    cr_assert_eq(cs_discrete_entropy_codes(codes, 6, 3, 0, &h), CS_OK);
    cr_assert_eq(cs_discrete_entropy_codes(codes, 6, 3, 1, &hmm), CS_OK);
    double hand = log(3) / 3 + log(2) / 2 + log(6) / 6;
    cr_expect(fabs(h - 1.0114042647073518) < 1e-15, "%.17g", h);
    cr_expect(fabs(h - hand) < 1e-15);
    cr_expect(fabs(hmm - (hand + 1.0 / 6)) < 1e-15, "%.17g", hmm);
    /* a state with zero count does not count towards m */
    cr_assert_eq(cs_discrete_entropy_codes(codes, 6, 5, 1, &hmm), CS_OK);
    cr_expect(fabs(hmm - (hand + 1.0 / 6)) < 1e-15);
    cr_assert_eq(cs_discrete_local_entropy_codes(codes, 6, 3, 1, local), CS_OK);
    cr_expect(fabs(local[0] - (log(3) + 1.0 / 6)) < 1e-15);
    cr_expect(fabs(local[5] - (log(6) + 1.0 / 6)) < 1e-15);
    double s = 0;
    for (int i = 0; i < 6; i++)
        s += local[i];
    cr_expect(fabs(s / 6 - hmm) < 1e-15);
}

Test(discrete, binning)
{
    double d[] = {0.0, 1.0, 2.0, 3.0, 10.0, 3.0};
    cs_symbols s;
    /* equal width over [0, 10], 4 bins of 2.5: 0,0,0,1,3(max in last),1 */
    cr_assert_eq(cs_discrete_bin(cs_matrix_view(d, 6, 1), 4, CS_BIN_EQUAL_WIDTH, &s), CS_OK);
    int32_t w[] = {0, 0, 0, 1, 3, 1};
    for (int i = 0; i < 6; i++)
        cr_expect_eq(s.data[i], w[i], "row %d", i);
    cr_expect_eq(s.alphabet[0], 4);
    cs_symbols_free(&s);
    /* equal frequency, 3 bins: sorted 0,1,2,3,3,10 with ranks 0,1,2,3,3(tie -> 3),5;
     * bin = floor(r*3/6): 0,0,1,1,1,2 -> both 3.0 share bin 1 */
    cr_assert_eq(cs_discrete_bin(cs_matrix_view(d, 6, 1), 3, CS_BIN_EQUAL_FREQ, &s), CS_OK);
    int32_t f[] = {0, 0, 1, 1, 2, 1};
    for (int i = 0; i < 6; i++)
        cr_expect_eq(s.data[i], f[i], "row %d", i);
    cs_symbols_free(&s);
    double c[] = {2, 2, 2};
    cr_assert_eq(cs_discrete_bin(cs_matrix_view(c, 3, 1), 5, CS_BIN_EQUAL_WIDTH, &s), CS_OK);
    cr_expect_eq(s.data[0] + s.data[1] + s.data[2], 0);
    cs_symbols_free(&s);
    cr_expect_eq(cs_discrete_bin(cs_matrix_view(c, 3, 1), 0, CS_BIN_EQUAL_WIDTH, &s), CS_EINVAL);
}

/* ---- TE against Inform ---------------------------------------------------------- */

/* tests/data/te_discrete.json: plug-in discrete TE in bits, k = 2, copied from
 * ../shared/reference; source: Inform's C unit tests (ELIFE-ASU/Inform). */
Test(discrete, te_equals_inform)
{
    char *ref = itu_data_file("te_discrete.json");
    cr_assert_not_null(ref);
    double tol;
    itu_json_numbers(ref, "tolerance", 0, &tol, 1);
    cr_assert(tol > 0 && tol <= 1e-6);
    for (int c = 0; c < 2; c++) {
        double src[16], dst[16], k = 0, te = 0, rev = 0;
        size_t n = itu_json_numbers(ref, "src", c, src, 16);
        cr_assert_eq(itu_json_numbers(ref, "dst", c, dst, 16), n);
        itu_json_numbers(ref, "k", c, &k, 1);
        itu_json_numbers(ref, "te", c, &te, 1);
        itu_json_numbers(ref, "te_reverse", c, &rev, 1);
        cs_info_params p;
        cs_info_params_default(CS_INFO_TE, CS_EST_DISCRETE, &p);
        p.embed.k = (size_t)k;
        double v, vr, local[16];
        size_t count;
        cs_matrix none = {0};
        cr_assert_eq(cs_info_te(&p, cs_matrix_view(src, n, 1), cs_matrix_view(dst, n, 1), none, &v), CS_OK, "%s",
                     cs_last_error());
        cr_assert_eq(cs_info_te(&p, cs_matrix_view(dst, n, 1), cs_matrix_view(src, n, 1), none, &vr), CS_OK);
        cr_expect(fabs(v / LN2 - te) < tol, "case %d: %.9f vs Inform %.6f", c, v / LN2, te);
        cr_expect(fabs(vr / LN2 - rev) < tol, "case %d reverse: %.9f vs %.6f", c, vr / LN2, rev);
        /* with a given base-2 alphabet (as Inform is called) the value is the same */
        p.est.alphabet = 2;
        cr_assert_eq(cs_info_te(&p, cs_matrix_view(src, n, 1), cs_matrix_view(dst, n, 1), none, &v), CS_OK);
        cr_expect(fabs(v / LN2 - te) < tol);
        /* Inform's local TE averages to its TE, and so do ours */
        cr_assert_eq(cs_info_local_te(&p, cs_matrix_view(src, n, 1), cs_matrix_view(dst, n, 1), none, local, &count),
                     CS_OK);
        cr_expect_eq(count, n - (size_t)k);
        double s = 0;
        for (size_t i = 0; i < count; i++)
            s += local[i];
        cr_expect(fabs(s / (double)count / LN2 - te) < tol);
    }
    free(ref);
}

/* ---- measures ---------------------------------------------------------------------- */

/* Balanced data: all 16 combinations of (a, b) in {0..3}^2 once, and y = a:
 * I(a; y) = H(a) = 2 bits exactly, I(b; y) = 0, H(a, b) = 4 bits. */
Test(discrete, exact_values_on_balanced_data)
{
    double x[32], y[16];
    for (int i = 0; i < 16; i++) {
        x[2 * i] = i / 4;
        x[2 * i + 1] = i % 4;
        y[i] = i / 4;
    }
    cs_info_params p;
    cs_info_params_default(CS_INFO_MI, CS_EST_DISCRETE, &p);
    cs_matrix X = cs_matrix_view(x, 16, 2), Y = cs_matrix_view(y, 16, 1), none = {0};
    cs_matrix a = {x, 16, 1, 2}, b = {x + 1, 16, 1, 2};
    double v;
    cr_assert_eq(cs_info_mi(&p, a, Y, &v), CS_OK);
    cr_expect(fabs(v - 2 * LN2) < 1e-14);
    cr_assert_eq(cs_info_mi(&p, b, Y, &v), CS_OK);
    cr_expect(fabs(v) < 1e-14);
    cr_assert_eq(cs_info_mi(&p, X, Y, &v), CS_OK);
    cr_expect(fabs(v - 2 * LN2) < 1e-14);
    cr_assert_eq(cs_info_entropy(&p, X, &v), CS_OK);
    cr_expect(fabs(v - 4 * LN2) < 1e-14);
    cr_assert_eq(cs_info_centropy(&p, X, Y, &v), CS_OK); /* H(a,b | a) = H(b) = 2 bits */
    cr_expect(fabs(v - 2 * LN2) < 1e-14);
    cr_assert_eq(cs_info_cmi(&p, b, Y, a, &v), CS_OK); /* I(b; y | a) = 0 */
    cr_expect(fabs(v) < 1e-14);
    (void)none;
}

/* A noisy copy: dst_{t+1} = src_t with 10% flips; src i.i.d. fair bits. */
static void coupled_bits(size_t n, uint64_t seed, double *src, double *dst, int couple)
{
    cs_rng *r;
    cs_rng_create(seed, &r);
    for (size_t t = 0; t < n; t++)
        src[t] = (double)cs_rng_below(r, 2);
    dst[0] = 0;
    for (size_t t = 1; t < n; t++) {
        double base = couple ? src[t - 1] : (double)cs_rng_below(r, 2);
        dst[t] = cs_rng_uniform(r) < 0.1 ? 1 - base : base;
    }
    cs_rng_destroy(r);
}

Test(discrete, locals_average_to_average_for_every_measure)
{
    enum { N = 3000 };
    static double src[N], dst[N], three[3 * N];
    coupled_bits(N, 7, src, dst, 1);
    for (size_t i = 0; i < N; i++) {
        three[3 * i] = src[i];
        three[3 * i + 1] = dst[i];
        three[3 * i + 2] = (double)((i * 7919) % 3);
    }
    static double local[N];
    cs_matrix S = cs_matrix_view(src, N, 1), D = cs_matrix_view(dst, N, 1), none = {0};
    cs_matrix a = {three, N, 1, 3}, b = {three + 1, N, 1, 3}, c = {three + 2, N, 1, 3};
    for (int mm = 0; mm < 2; mm++)
        for (int m = 0; m <= CS_INFO_CALC_LAST; m++) {
            cs_info_params p;
            cs_info_params_default((cs_info_measure)m, CS_EST_DISCRETE, &p);
            p.est.miller_madow = mm;
            p.embed.k = 2;
            p.embed.l = 2;
            cs_info *calc;
            cr_assert_eq(cs_info_create(&p, &calc), CS_OK);
            cs_matrix x = a, y = none, z = none;
            if (m == CS_INFO_CENTROPY || m == CS_INFO_MI || m == CS_INFO_CMI)
                y = b;
            if (m == CS_INFO_CMI)
                z = c;
            if (m == CS_INFO_TE)
                x = S, y = D;
            cr_assert_eq(cs_info_set_observations(calc, x, y, z), CS_OK, "%s", cs_last_error());
            double avg, lavg;
            cr_assert_eq(cs_info_average(calc, &avg), CS_OK);
            cr_assert_eq(cs_info_local(calc, local, &lavg), CS_OK);
            double s = 0;
            for (size_t i = 0; i < cs_info_count(calc); i++)
                s += local[i];
            cr_expect(fabs(s / (double)cs_info_count(calc) - avg) < 1e-12, "measure %d mm %d: %.15g vs %.15g", m, mm,
                      s / (double)cs_info_count(calc), avg);
            cr_expect(fabs(lavg - avg) < 1e-12);
            cs_info_destroy(calc);
        }
}

/* ---- significance ------------------------------------------------------------------ */

Test(discrete, surrogates_separate_coupled_from_independent)
{
    enum { N = 2000, S = 200 };
    static double src[N], dst[N], vals[S], vals2[S];
    cs_info_params p;
    cs_info_params_default(CS_INFO_TE, CS_EST_DISCRETE, &p);
    cs_matrix none = {0};
    cs_info_significance sig, sig2;
    for (int couple = 1; couple >= 0; couple--) {
        coupled_bits(N, 11, src, dst, couple);
        cs_info *c;
        p.est.threads = 1;
        cr_assert_eq(cs_info_create(&p, &c), CS_OK);
        cr_assert_eq(cs_info_set_observations(c, cs_matrix_view(src, N, 1), cs_matrix_view(dst, N, 1), none), CS_OK);
        cr_assert_eq(cs_info_surrogates(c, S, 5, &sig, vals), CS_OK, "%s", cs_last_error());
        if (couple) {
            /* TE ~ 1 - H2(0.1) = 0.53 bits, far above any shuffle: p is the floor 1/(S+1) */
            cr_expect(sig.observed > 0.3, "%g", sig.observed);
            cr_expect_eq(sig.n_greater_equal, 0);
            cr_expect(fabs(sig.p_value - 1.0 / (S + 1)) < 1e-15);
        } else {
            cr_expect(sig.p_value > 0.05, "independent data: p = %g", sig.p_value);
        }
        /* Surrogates of plug-in TE on binary data are ~ chi2(df)/(2N) with df = (2-1)(2-1)2 = 2:
         * mean df/(2N) = 5e-4 nats; allow 50% for the finite number of surrogates. */
        cr_expect(fabs(sig.surrogate_mean - 2.0 / (2 * N)) < 0.5 * 2.0 / (2 * N), "%g", sig.surrogate_mean);
        cs_info_destroy(c);
        /* the same seed with 2 threads gives the same surrogates */
        p.est.threads = 2;
        cr_assert_eq(cs_info_create(&p, &c), CS_OK);
        cr_assert_eq(cs_info_set_observations(c, cs_matrix_view(src, N, 1), cs_matrix_view(dst, N, 1), none), CS_OK);
        cr_assert_eq(cs_info_surrogates(c, S, 5, &sig2, vals2), CS_OK);
        for (int s = 0; s < S; s++)
            cr_expect_eq(vals[s], vals2[s]);
        cs_info_destroy(c);
    }
}

Test(discrete, chi2_null_is_the_g_test)
{
    /* A 2 x 3 contingency table; the G-test statistic 2 sum O ln(O/E) computed
     * here from the counts must equal 2 N I, with df = (2-1)(3-1) = 2. */
    int counts[2][3] = {{30, 10, 20}, {15, 25, 20}};
    double x[120], y[120];
    size_t n = 0;
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 3; b++)
            for (int k = 0; k < counts[a][b]; k++)
                x[n] = a, y[n] = b, n++;
    double G = 0;
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 3; b++) {
            double ra = 0, cb = 0;
            for (int q = 0; q < 3; q++)
                ra += counts[a][q];
            for (int q = 0; q < 2; q++)
                cb += counts[q][b];
            double E = ra * cb / (double)n;
            G += 2 * counts[a][b] * log(counts[a][b] / E);
        }
    cs_info_params p;
    cs_info_params_default(CS_INFO_MI, CS_EST_DISCRETE, &p);
    p.est.miller_madow = 1; /* the null uses the plug-in value whatever the correction */
    cs_info *c;
    cr_assert_eq(cs_info_create(&p, &c), CS_OK);
    cr_assert_eq(cs_info_set_observations(c, cs_matrix_view(x, n, 1), cs_matrix_view(y, n, 1), (cs_matrix){0}),
                 CS_OK);
    cs_info_chi2 chi;
    cr_assert_eq(cs_info_analytic(c, &chi), CS_OK);
    cr_expect(fabs(chi.statistic - G) < 1e-10, "%.15g vs G %.15g", chi.statistic, G);
    cr_expect_eq(chi.df, 2);
    /* chi2 with 2 df has the closed-form tail exp(-x/2) */
    cr_expect(fabs(chi.p_value - exp(-G / 2)) < 1e-12, "%g vs %g", chi.p_value, exp(-G / 2));
    cs_info_destroy(c);
}

Test(discrete, chi2_df_for_te_follows_jidt)
{
    /* binary source and destination, k = 2, l = 1: df = (2^1 - 1)(2 - 1) 2^2 = 4 */
    enum { N = 500 };
    static double src[N], dst[N];
    coupled_bits(N, 3, src, dst, 0);
    cs_info_params p;
    cs_info_params_default(CS_INFO_TE, CS_EST_DISCRETE, &p);
    p.embed.k = 2;
    cs_info *c;
    cr_assert_eq(cs_info_create(&p, &c), CS_OK);
    cr_assert_eq(cs_info_set_observations(c, cs_matrix_view(src, N, 1), cs_matrix_view(dst, N, 1), (cs_matrix){0}),
                 CS_OK);
    cs_info_chi2 chi;
    cr_assert_eq(cs_info_analytic(c, &chi), CS_OK);
    cr_expect_eq(chi.df, 4);
    double te;
    cs_info_average(c, &te);
    cr_expect(fabs(chi.statistic - 2.0 * (N - 2) * te) < 1e-12);
    cs_info_destroy(c);
}

Test(discrete, parameter_errors)
{
    cs_info_params p;
    cs_info *c;
    cs_info_params_default(CS_INFO_MI, CS_EST_GAUSSIAN, &p);
    p.est.miller_madow = 1;
    cr_expect_eq(cs_info_create(&p, &c), CS_EINVAL);
    cs_info_params_default(CS_INFO_ENTROPY, CS_EST_KSG1, &p);
    cr_expect_eq(cs_info_create(&p, &c), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "entropy") != NULL);
    cs_info_params_default(CS_INFO_MI, CS_EST_DISCRETE, &p);
    cr_assert_eq(cs_info_create(&p, &c), CS_OK);
    double x[4] = {0, 1, 0, 1}, y[3] = {0, 1, 1};
    cr_expect_eq(cs_info_set_observations(c, cs_matrix_view(x, 4, 1), cs_matrix_view(y, 3, 1), (cs_matrix){0}),
                 CS_ESHAPE);
    cr_expect(strstr(cs_last_error(), "4 vs 3") != NULL, "%s", cs_last_error());
    cr_expect_eq(cs_info_set_observations(c, cs_matrix_view(x, 4, 1), (cs_matrix){0}, (cs_matrix){0}), CS_EINVAL);
    double avg;
    cr_expect_eq(cs_info_average(c, &avg), CS_EINVAL);
    cs_info_destroy(c);
}

/* Multivariate measures (TC, DTC, O-/S-information, TSE) and all-multiplet
 * scans: against closed forms and dit's discrete values, against brute-force
 * definitions, multiplets vs one-set, top-K vs a full sort, thread-count
 * independence, bad input (library and CLI). */
#include <criterion/criterion.h>
#include <math.h>

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_linalg.h>

#include "cogscope/discrete.h"
#include "cogscope/gaussian.h"
#include "cogscope/gcopula.h"
#include "cogscope/multivariate.h"
#include "cogscope/rng.h"
#include "testutil.h"

#define DATA COGSCOPE_TEST_DATA

/* The gaussian or gcopula estimator prepared for the measures, the bias
 * correction on or off. */
static cs_status mv_gauss(cs_matrix x, cs_info_estimator est, int bias, const size_t *labels, cs_estimator **out)
{
    cs_estimator_params p;
    cs_estimator_params_default(est, &p);
    p.bias_correct = bias;
    return cs_mv_estimator_create(&p, x, labels, out);
}

static const cs_mv_measure ALL[5] = {CS_MV_TC, CS_MV_DTC, CS_MV_OINFO, CS_MV_SINFO, CS_MV_TSE};

/* ---- reference files -------------------------------------------------------- */

/* The number after "key": at or after `from` (NAN if absent). */
static double json_after(const char *from, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(from, pat);
    return p ? strtod(p + strlen(pat), NULL) : NAN;
}

/* A Gaussian case of multivariate_gaussian_hp.txt or gaussian_analytic.json. */
typedef struct {
    size_t n, N;
    double cov[36];
    double v[5]; /* tc dtc oinfo sinfo tse */
} gcase;

/* tests/data/multivariate_gaussian_hp.txt, written by gen_multivariate_ref.py
 * (mpmath, 40 digits, every entropy from an explicit sub-determinant). */
static size_t read_hp(gcase *cases, size_t max)
{
    FILE *f = fopen(DATA "/multivariate_gaussian_hp.txt", "r");
    cr_assert(f, "missing multivariate_gaussian_hp.txt");
    char line[4096];
    size_t nc = 0;
    while (nc < max && fgets(line, sizeof line, f)) {
        gcase *c = &cases[nc];
        if (sscanf(line, "case %zu %zu", &c->n, &c->N) != 2)
            continue;
        for (size_t i = 0; i < c->n * c->n; i++)
            cr_assert_eq(fscanf(f, "%lf", &c->cov[i]), 1);
        for (size_t i = 0; i < 5; i++)
            cr_assert_eq(fscanf(f, "%lf", &c->v[i]), 1);
        nc++;
    }
    fclose(f);
    return nc;
}

/* The three "cases" of tests/data/gaussian_analytic.json (copied from
 * ../shared/reference: closed-form values, 10 decimals). */
static size_t read_analytic(gcase *cases)
{
    char *text = tu_slurp(DATA "/gaussian_analytic.json");
    cr_assert(text);
    const char *p = strstr(text, "\"cases\"");
    size_t nc = 0;
    while (p && (p = strstr(p, "\"cov\":"))) {
        gcase *c = &cases[nc];
        const char *q = p + 6;
        size_t count = 0, rows = 0;
        int depth = 0;
        while (*q) {
            if (*q == '[') {
                depth++;
                q++;
            } else if (*q == ']') {
                if (depth == 2)
                    rows++;
                if (--depth == 0)
                    break;
                q++;
            } else if (*q == '-' || (*q >= '0' && *q <= '9')) {
                char *end;
                c->cov[count++] = strtod(q, &end);
                q = end;
            } else {
                q++;
            }
        }
        c->n = rows;
        c->N = 0;
        cr_assert_eq(count, rows * rows);
        const char *keys[5] = {"tc", "dtc", "o", "s", "tse"};
        for (int k = 0; k < 5; k++)
            c->v[k] = json_after(q, keys[k]);
        p = q;
        nc++;
    }
    free(text);
    cr_assert_eq(nc, 3);
    return nc;
}

/* ---- helpers ------------------------------------------------------------------ */

/* N x n samples whose maximum-likelihood covariance (divisor N) is exactly
 * `cov` up to rounding: centred seeded normals Z with ML covariance S = L_S L_S^T,
 * then X = Z L_S^{-T} L_C^T. */
static double *samples_with_cov(const double *cov, size_t n, size_t N, uint64_t seed)
{
    double *x = malloc(N * n * sizeof *x), S[64], Lc[64];
    cs_rng *rng;
    cs_rng_create(seed, &rng);
    for (size_t i = 0; i < N * n; i++)
        x[i] = cs_rng_gaussian(rng, 1.0);
    cs_rng_destroy(rng);
    for (size_t j = 0; j < n; j++) {
        double m = 0;
        for (size_t i = 0; i < N; i++)
            m += x[i * n + j];
        m /= (double)N;
        for (size_t i = 0; i < N; i++)
            x[i * n + j] -= m;
    }
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, (int)n, (int)N, 1.0 / (double)N, x, (int)n, 0.0, S, (int)n);
    memcpy(Lc, cov, n * n * sizeof *Lc);
    gsl_matrix_view vs = gsl_matrix_view_array(S, n, n), vc = gsl_matrix_view_array(Lc, n, n);
    cr_assert_eq(gsl_linalg_cholesky_decomp1(&vs.matrix), 0);
    cr_assert_eq(gsl_linalg_cholesky_decomp1(&vc.matrix), 0);
    cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)N, (int)n, 1.0, S, (int)n, x,
                (int)n);
    cblas_dtrmm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)N, (int)n, 1.0, Lc, (int)n, x,
                (int)n);
    return x;
}

/* Seeded correlated data: N x n, x = z A with A random (so every subset is
 * correlated and O-information takes both signs). */
static double *mixed_data(size_t N, size_t n, uint64_t seed)
{
    double *z = malloc(N * n * sizeof *z), *a = malloc(n * n * sizeof *a), *x = calloc(N * n, sizeof *x);
    cs_rng *rng;
    cs_rng_create(seed, &rng);
    for (size_t i = 0; i < N * n; i++)
        z[i] = cs_rng_gaussian(rng, 1.0);
    for (size_t i = 0; i < n * n; i++)
        a[i] = cs_rng_gaussian(rng, 1.0) + (i % (n + 1) == 0 ? 1.5 : 0);
    cs_rng_destroy(rng);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)N, (int)n, (int)n, 1.0, z, (int)n, a, (int)n, 0.0, x,
                (int)n);
    free(z);
    free(a);
    return x;
}

static void expect_close(double got, double want, double tol, const char *what)
{
    cr_expect(fabs(got - want) <= tol, "%s: got %.17g, want %.17g (|diff| %.3g > %.3g)", what, got, want,
              fabs(got - want), tol);
}

/* ---- Gaussian against closed forms -------------------------------------------- */

Test(multivariate, gaussian_closed_forms_from_covariance)
{
    /* gaussian_analytic.json gives 10 decimals: 1e-10 is its own rounding. */
    gcase c[3];
    read_analytic(c);
    for (size_t k = 0; k < 3; k++) {
        cs_estimator *p;
        cr_assert_eq(cs_mv_estimator_create_cov(c[k].cov, c[k].n, c[k].n, NULL, &p), CS_OK, "%s", cs_last_error());
        size_t vars[6] = {0, 1, 2, 3, 4, 5};
        for (int m = 0; m < 5; m++) {
            double v;
            cr_assert_eq(cs_mv_compute(p, ALL[m], vars, c[k].n, &v), CS_OK, "%s", cs_last_error());
            char what[64];
            snprintf(what, sizeof what, "analytic case %zu %s", k, cs_mv_measure_name(ALL[m]));
            expect_close(v, c[k].v[m], 1e-10, what);
        }
        cs_estimator_destroy(p);
    }
}

Test(multivariate, gaussian_high_precision_definitions)
{
    /* 20-digit references from the definitions; the shortcut (one Cholesky +
     * inverse diagonal) must agree to rounding: values are O(1), the
     * factorisations are of well-conditioned 4..6-variable blocks, so 1e-12. */
    gcase c[8];
    size_t nc = read_hp(c, 8);
    cr_assert_geq(nc, 4);
    for (size_t k = 0; k < nc; k++) {
        if (c[k].N)
            continue;
        cs_estimator *p;
        cr_assert_eq(cs_mv_estimator_create_cov(c[k].cov, c[k].n, c[k].n, NULL, &p), CS_OK);
        size_t vars[6] = {0, 1, 2, 3, 4, 5};
        for (int m = 0; m < 5; m++) {
            double v;
            cr_assert_eq(cs_mv_compute(p, ALL[m], vars, c[k].n, &v), CS_OK, "%s", cs_last_error());
            char what[64];
            snprintf(what, sizeof what, "hp case %zu %s", k, cs_mv_measure_name(ALL[m]));
            expect_close(v, c[k].v[m], 1e-12, what);
        }
        cs_estimator_destroy(p);
    }
}

Test(multivariate, gaussian_from_samples_with_exact_covariance)
{
    /* Samples built so that their ML covariance is the reference matrix: the
     * data path (dsyrk covariance) must give the closed forms to ~1e-12 (the
     * covariance is reproduced to ~1e-15 relative). The N > 0 case checks the
     * bias correction against GCMI's formula evaluated in mpmath. */
    gcase c[8];
    size_t nc = read_hp(c, 8);
    for (size_t k = 0; k < nc; k++) {
        size_t N = c[k].N ? c[k].N : 5000, n = c[k].n;
        double *x = samples_with_cov(c[k].cov, n, N, 100 + k);
        cs_estimator *p;
        cr_assert_eq(mv_gauss(cs_matrix_view(x, N, n), CS_EST_GAUSSIAN, c[k].N > 0, NULL, &p), CS_OK, "%s",
                     cs_last_error());
        cr_expect_eq(cs_estimator_rows(p), N);
        size_t vars[6] = {0, 1, 2, 3, 4, 5};
        for (int m = 0; m < 5; m++) {
            double v;
            cr_assert_eq(cs_mv_compute(p, ALL[m], vars, n, &v), CS_OK, "%s", cs_last_error());
            char what[64];
            snprintf(what, sizeof what, "samples case %zu (N=%zu) %s", k, c[k].N, cs_mv_measure_name(ALL[m]));
            expect_close(v, c[k].v[m], 1e-11, what);
        }
        cs_estimator_destroy(p);
        free(x);
    }
}

Test(multivariate, gaussian_simulated_oinfo_close_to_truth)
{
    /* Plain random samples (not whitened) from the 6-variable reference
     * (O < 0, synergy-dominated): with N = 1e5 the O-information's sampling
     * sd is 2.6e-3 nats (measured with numpy over 40 seeds), so 0.015 (~6 sd)
     * does not flake; the sign must be right. */
    gcase c[8];
    size_t nc = read_hp(c, 8), k = 2;
    cr_assert_geq(nc, 3);
    cr_assert_eq(c[k].n, 6);
    size_t n = 6, N = 100000;
    double L[36];
    memcpy(L, c[k].cov, sizeof L);
    gsl_matrix_view v = gsl_matrix_view_array(L, n, n);
    cr_assert_eq(gsl_linalg_cholesky_decomp1(&v.matrix), 0);
    double *x = calloc(N * n, sizeof *x);
    cs_rng *rng;
    cs_rng_create(7, &rng);
    for (size_t i = 0; i < N; i++) {
        double z[6];
        for (size_t a = 0; a < n; a++)
            z[a] = cs_rng_gaussian(rng, 1.0);
        for (size_t a = 0; a < n; a++)
            for (size_t b = 0; b <= a; b++)
                x[i * n + a] += L[a * n + b] * z[b];
    }
    cs_rng_destroy(rng);
    cs_estimator *p;
    cr_assert_eq(mv_gauss(cs_matrix_view(x, N, n), CS_EST_GAUSSIAN, 0, NULL, &p), CS_OK);
    size_t vars[6] = {0, 1, 2, 3, 4, 5};
    double o;
    cr_assert_eq(cs_mv_compute(p, CS_MV_OINFO, vars, n, &o), CS_OK);
    expect_close(o, c[k].v[2], 0.015, "simulated O-information");
    cr_expect_lt(o, 0);
    cs_estimator_destroy(p);
    free(x);
}

Test(multivariate, gaussian_large_set_uses_blocked_path)
{
    /* 40 variables: above the hand-written kernel's size, GSL's Cholesky runs.
     * DTC against the definition with 40 separate leave-one-out Choleskys
     * (cs_gaussian_logdet); the two paths differ in rounding only: 1e-10. */
    size_t n = 40, N = 400;
    double *x = mixed_data(N, n, 5);
    double *cov = malloc(n * n * sizeof *cov);
    cr_assert_eq(cs_gaussian_cov(cs_matrix_view(x, N, n), NULL, 0, 0, cov, NULL), CS_OK);
    cs_estimator *p;
    cr_assert_eq(mv_gauss(cs_matrix_view(x, N, n), CS_EST_GAUSSIAN, 0, NULL, &p), CS_OK);
    size_t vars[40], loo[39];
    for (size_t i = 0; i < n; i++)
        vars[i] = i;
    double ld_all, sum_loo = 0, sum_var = 0;
    cr_assert_eq(cs_gaussian_logdet(cov, n, NULL, n, NULL, "cov", &ld_all), CS_OK);
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        for (size_t j = 0; j < n; j++)
            if (j != i)
                loo[k++] = j;
        double ld;
        cr_assert_eq(cs_gaussian_logdet(cov, n, loo, n - 1, NULL, "cov", &ld), CS_OK);
        sum_loo += ld;
        sum_var += log(cov[i * n + i]);
    }
    double dtc_def = 0.5 * (sum_loo - (double)(n - 1) * ld_all), tc_def = 0.5 * (sum_var - ld_all);
    double dtc, tc;
    cr_assert_eq(cs_mv_compute(p, CS_MV_DTC, vars, n, &dtc), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_mv_compute(p, CS_MV_TC, vars, n, &tc), CS_OK);
    expect_close(dtc, dtc_def, 1e-10 * fmax(1, fabs(dtc_def)), "DTC of 40 variables");
    expect_close(tc, tc_def, 1e-10 * fmax(1, fabs(tc_def)), "TC of 40 variables");
    cs_estimator_destroy(p);
    free(cov);
    free(x);
}

Test(multivariate, gcopula_is_rank_invariant_and_gaussian_on_copula)
{
    /* Gaussian-copula values depend only on ranks: a monotone transform of a
     * column changes nothing (bit-identical: same ranks, same normal scores).
     * And they equal the Gaussian estimator on cs_gcopula_normalise'd data. */
    size_t n = 4, N = 500;
    double *x = mixed_data(N, n, 9), *y = malloc(N * n * sizeof *y), *z = malloc(N * n * sizeof *z);
    for (size_t i = 0; i < N * n; i++)
        y[i] = i % n == 1 ? exp(x[i]) : i % n == 2 ? x[i] * x[i] * x[i] : x[i];
    cr_assert_eq(cs_gcopula_normalise(cs_matrix_view(x, N, n), cs_matrix_view(z, N, n)), CS_OK);
    cs_estimator *px, *py, *pz;
    cr_assert_eq(mv_gauss(cs_matrix_view(x, N, n), CS_EST_GCOPULA, 1, NULL, &px), CS_OK);
    cr_assert_eq(mv_gauss(cs_matrix_view(y, N, n), CS_EST_GCOPULA, 1, NULL, &py), CS_OK);
    cr_assert_eq(mv_gauss(cs_matrix_view(z, N, n), CS_EST_GAUSSIAN, 1, NULL, &pz), CS_OK);
    size_t vars[4] = {0, 1, 2, 3};
    for (int m = 0; m < 5; m++) {
        double a, b, c;
        cr_assert_eq(cs_mv_compute(px, ALL[m], vars, n, &a), CS_OK);
        cr_assert_eq(cs_mv_compute(py, ALL[m], vars, n, &b), CS_OK);
        cr_assert_eq(cs_mv_compute(pz, ALL[m], vars, n, &c), CS_OK);
        cr_expect_eq(a, b, "%s: %.17g vs %.17g", cs_mv_measure_name(ALL[m]), a, b);
        expect_close(a, c, 1e-14, cs_mv_measure_name(ALL[m]));
    }
    cs_estimator_destroy(px);
    cs_estimator_destroy(py);
    cs_estimator_destroy(pz);
    free(x);
    free(y);
    free(z);
}

/* ---- discrete against dit ---------------------------------------------------- */

/* The distributions named in multivariate_discrete.json, as samples whose
 * empirical distribution is exactly the named one (each outcome once). */
static size_t build_discrete(const char *name, double *x, size_t *nvars)
{
    size_t rows = 0;
    if (!strncmp(name, "XOR3", 4)) {
        *nvars = 3;
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++, rows++) {
                x[rows * 3] = a, x[rows * 3 + 1] = b, x[rows * 3 + 2] = a ^ b;
            }
    } else if (!strncmp(name, "4-bit even parity", 17)) {
        *nvars = 4;
        for (int v = 0; v < 8; v++, rows++) {
            int a = v & 1, b = v >> 1 & 1, c = v >> 2 & 1;
            x[rows * 4] = a, x[rows * 4 + 1] = b, x[rows * 4 + 2] = c, x[rows * 4 + 3] = a ^ b ^ c;
        }
    } else if (!strncmp(name, "giant bit", 9)) {
        *nvars = 3;
        for (int a = 0; a < 2; a++, rows++)
            x[rows * 3] = x[rows * 3 + 1] = x[rows * 3 + 2] = a;
    } else if (!strncmp(name, "3 independent bits", 18)) {
        *nvars = 3;
        for (int v = 0; v < 8; v++, rows++)
            x[rows * 3] = v & 1, x[rows * 3 + 1] = v >> 1 & 1, x[rows * 3 + 2] = v >> 2 & 1;
    }
    return rows;
}

Test(multivariate, discrete_matches_dit)
{
    /* Integer bit values: plug-in entropies of uniform outcome lists are exact
     * logs, so only rounding separates us from dit: 1e-12 bits. */
    char *text = tu_slurp(DATA "/multivariate_discrete.json");
    cr_assert(text);
    const char *keys[5] = {"TC", "DTC", "O", "S", "TSE"};
    int ncases = 0;
    for (const char *p = strstr(text, "\"name\":"); p; p = strstr(p + 1, "\"name\":")) {
        const char *name = strchr(p + 7, '"') + 1;
        double x[64];
        size_t nv = 0, rows = build_discrete(name, x, &nv);
        cr_assert_gt(rows, 0, "unknown case %.20s", name);
        cr_assert_eq((double)nv, json_after(p, "n"));
        cs_symbols s;
        cr_assert_eq(cs_discrete_from_matrix(cs_matrix_view(x, rows, nv), 0, &s), CS_OK);
        cs_estimator *plan;
        cr_assert_eq(cs_mv_estimator_create_symbols(&s, 0, NULL, &plan), CS_OK);
        size_t vars[4] = {0, 1, 2, 3};
        double h;
        cr_assert_eq(cs_mv_entropy(plan, vars, nv, &h), CS_OK);
        expect_close(h / M_LN2, json_after(p, "H"), 1e-12, "H");
        for (int m = 0; m < 5; m++) {
            double v;
            cr_assert_eq(cs_mv_compute(plan, ALL[m], vars, nv, &v), CS_OK);
            char what[96];
            snprintf(what, sizeof what, "%.12s %s", name, keys[m]);
            expect_close(v / M_LN2, json_after(p, keys[m]), 1e-12, what);
        }
        cs_estimator_destroy(plan);
        cs_symbols_free(&s);
        ncases++;
    }
    cr_expect_eq(ncases, 4);
    free(text);
}

Test(multivariate, discrete_miller_madow_shifts_each_entropy)
{
    /* Miller-Madow adds (K-1)/(2N) per entropy. XOR3 with each outcome twice
     * (N = 8): singles K=2, pairs K=4, triple K=4, so
     * TC_MM = TC + 3 (1/16) - 3/16 = TC, DTC_MM = DTC + 3 (3/16) - 2 (3/16). */
    double x[24];
    size_t nv, rows = build_discrete("XOR3", x, &nv);
    memcpy(x + rows * 3, x, rows * 3 * sizeof *x);
    rows *= 2;
    cs_symbols s;
    cr_assert_eq(cs_discrete_from_matrix(cs_matrix_view(x, rows, 3), 0, &s), CS_OK);
    cs_estimator *plan;
    cr_assert_eq(cs_mv_estimator_create_symbols(&s, 1, NULL, &plan), CS_OK);
    size_t vars[3] = {0, 1, 2};
    double tc, dtc;
    cr_assert_eq(cs_mv_compute(plan, CS_MV_TC, vars, 3, &tc), CS_OK);
    cr_assert_eq(cs_mv_compute(plan, CS_MV_DTC, vars, 3, &dtc), CS_OK);
    expect_close(tc, M_LN2, 1e-14, "TC Miller-Madow");
    expect_close(dtc, 2 * M_LN2 + 3.0 / 16, 1e-14, "DTC Miller-Madow");
    cs_estimator_destroy(plan);
    cs_symbols_free(&s);
}

/* Discrete TSE (built depth-first from each subset's parent codes) against
 * its definition, Σ_k [⟨H(X^k)⟩ − (k/n) H(X)], with every subset entropy
 * from cs_mv_entropy (joint codes from scratch): 10 variables, 1023 subsets,
 * with and without Miller-Madow. Same entropies, so 1e-12 allows for
 * summation order only. */
Test(multivariate, discrete_tse_equals_definition)
{
    size_t N = 300, n = 10;
    double *x = mixed_data(N, n, 77);
    cs_symbols s;
    cr_assert_eq(cs_discrete_bin(cs_matrix_view(x, N, n), 5, CS_BIN_EQUAL_FREQ, &s), CS_OK);
    for (int mm = 0; mm < 2; mm++) {
        cs_estimator *p;
        cr_assert_eq(cs_mv_estimator_create_symbols(&s, mm, NULL, &p), CS_OK);
        size_t all[10], sub[10];
        for (size_t j = 0; j < n; j++)
            all[j] = j;
        double hs, level[11] = {0}, tse;
        cr_assert_eq(cs_mv_entropy(p, all, n, &hs), CS_OK);
        for (unsigned mask = 1; mask + 1 < 1u << n; mask++) {
            size_t k = 0;
            for (size_t j = 0; j < n; j++)
                if (mask >> j & 1)
                    sub[k++] = j;
            double h;
            cr_assert_eq(cs_mv_entropy(p, sub, k, &h), CS_OK);
            level[k] += h;
        }
        double want = 0;
        for (size_t k = 1; k < n; k++)
            want += level[k] / cs_mv_binomial(n, k) - (double)k / (double)n * hs;
        cr_assert_eq(cs_mv_compute(p, CS_MV_TSE, all, n, &tse), CS_OK, "%s", cs_last_error());
        cr_expect(fabs(tse - want) <= 1e-12, "miller-madow %d: %.17g vs %.17g", mm, tse, want);
        cs_estimator_destroy(p);
    }
    cs_symbols_free(&s);
    free(x);
}

Test(multivariate, discrete_joint_alphabet_beyond_64_bits)
{
    /* 30 columns of 8 symbols: a joint alphabet of 2^90, beyond any counting
     * array or 64-bit code. Dense renumbering of the occurring symbols needs
     * O(N) memory, so this works: 100 distinct rows give H = ln 100 exactly,
     * and TC = sum of the marginal entropies - ln 100. */
    size_t N = 100, n = 30;
    double *x = malloc(N * n * sizeof *x);
    cs_rng *rng;
    cs_rng_create(3, &rng);
    for (size_t i = 0; i < N * n; i++)
        x[i] = (double)cs_rng_below(rng, 8);
    for (size_t i = 0; i < N; i++)
        x[i * n] = (double)(i % 8), x[i * n + 1] = (double)(i / 8 % 8), x[i * n + 2] = (double)(i / 64);
    cs_rng_destroy(rng);
    cs_symbols s;
    cr_assert_eq(cs_discrete_from_matrix(cs_matrix_view(x, N, n), 8, &s), CS_OK);
    cs_estimator *plan;
    cr_assert_eq(cs_mv_estimator_create_symbols(&s, 0, NULL, &plan), CS_OK);
    size_t vars[30];
    for (size_t i = 0; i < n; i++)
        vars[i] = i;
    double h, tc, sum1 = 0;
    cr_assert_eq(cs_mv_entropy(plan, vars, n, &h), CS_OK, "%s", cs_last_error());
    expect_close(h, log((double)N), 1e-12, "H of 100 distinct rows");
    for (size_t i = 0; i < n; i++) {
        double hi;
        cr_assert_eq(cs_mv_entropy(plan, &vars[i], 1, &hi), CS_OK);
        sum1 += hi;
    }
    cr_assert_eq(cs_mv_compute(plan, CS_MV_TC, vars, n, &tc), CS_OK);
    expect_close(tc, sum1 - log((double)N), 1e-11, "TC");
    cs_estimator_destroy(plan);
    cs_symbols_free(&s);
    free(x);
}

Test(multivariate, discrete_multiplets_with_huge_declared_alphabets)
{
    /* Issue 4 asked for an error when a discrete joint alphabet is too large
     * for memory. No multivariate path allocates by alphabet: joint symbols
     * are renumbered to those that occur (O(N)), and the multiplet tables are
     * indexed by subset rank. Here every column declares an alphabet of 2^30
     * (joint 2^90), through the multiplet scan with its shared table.
     * Closed form: a, b uniform on 0..15 with every pair once (N = 256), and
     * c = (a + b) mod 16, each scaled by 2^25 (symbols up to 15 * 2^25 < 2^30):
     * every single H = ln 16 and every pair or triple H = ln 256, so each pair
     * has O = TC - DTC = I - I = 0, and the triple TC = ln 16, DTC = ln 256,
     * O = -ln 16. */
    size_t N = 256, n = 3;
    double *x = malloc(N * n * sizeof *x), K = 33554432.0; /* 2^25 */
    for (size_t i = 0; i < N; i++) {
        size_t a = i % 16, b = i / 16;
        x[i * n] = (double)a * K, x[i * n + 1] = (double)b * K;
        x[i * n + 2] = (double)((a + b) % 16) * K;
    }
    cs_symbols s, inferred;
    cr_assert_eq(cs_discrete_from_matrix(cs_matrix_view(x, N, n), 1 << 30, &s), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_discrete_from_matrix(cs_matrix_view(x, N, n), 0, &inferred), CS_OK);
    cr_expect_eq(s.alphabet[0], 1 << 30);
    cs_estimator *plan, *plan_inferred;
    cr_assert_eq(cs_mv_estimator_create_symbols(&s, 0, NULL, &plan), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_mv_estimator_create_symbols(&inferred, 0, NULL, &plan_inferred), CS_OK);
    cs_mv_multiplet_opts o;
    cs_mv_multiplet_opts_default(&o);
    o.order_min = 2, o.order_max = 3;
    cs_mv_estimate est, est_inferred;
    cr_assert_eq(cs_mv_multiplets_check(plan, CS_MV_OINFO, &o, &est), CS_OK, "%s", cs_last_error());
    cr_assert_eq(cs_mv_multiplets_check(plan_inferred, CS_MV_OINFO, &o, &est_inferred), CS_OK);
    /* the memory a run needs does not depend on the alphabet */
    cr_expect_eq(est.bytes, est_inferred.bytes);
    cr_assert_eq(est.count, 4);
    double v[4];
    cr_assert_eq(cs_mv_multiplets(plan, CS_MV_OINFO, &o, v, NULL, NULL, NULL, NULL), CS_OK, "%s", cs_last_error());
    /* tolerance: a few entropies of ~5.5 nats, each a sum of 256 terms */
    const double want[4] = {0, 0, 0, -log(16.0)};
    for (size_t i = 0; i < 4; i++)
        expect_close(v[i], want[i], 1e-12, "O-information of a multiplet");
    cs_estimator_destroy(plan);
    cs_estimator_destroy(plan_inferred);
    cs_symbols_free(&s);
    cs_symbols_free(&inferred);
    free(x);
}

/* ---- combinatorics ------------------------------------------------------------ */

Test(multivariate, combinations_rank_and_next_agree)
{
    cr_expect_eq(cs_mv_binomial(20, 5), 15504);
    cr_expect_eq(cs_mv_binomial(128, 3), 341376);
    cr_expect_eq(cs_mv_binomial(5, 6), 0);
    cr_expect_eq(cs_mv_binomial(200, 100), UINT64_MAX);
    size_t n = 9, k = 4, c[4], u[4];
    cr_assert_eq(cs_mv_combination_unrank(0, k, n, c), CS_OK);
    uint64_t r = 0;
    do {
        cr_assert_eq(cs_mv_combination_unrank(r, k, n, u), CS_OK);
        cr_assert_arr_eq(c, u, sizeof c, "rank %llu", (unsigned long long)r);
        for (size_t i = 1; i < k; i++)
            cr_assert_lt(c[i - 1], c[i]);
        r++;
    } while (cs_mv_combination_next(c, k, n));
    cr_expect_eq(r, cs_mv_binomial(n, k));
    cr_expect_eq(cs_mv_combination_unrank(r, k, n, u), CS_EINVAL);
}

/* ---- multiplets --------------------------------------------------------------- */

typedef struct {
    cs_estimator *p;
    const char *name;
} named_plan;

/* Three plans over the same 7 seeded variables: gaussian (bias-corrected),
 * gcopula, discrete (4 equal-frequency bins). */
static void three_plans(named_plan out[3], size_t N, size_t n)
{
    double *x = mixed_data(N, n, 21);
    cr_assert_eq(mv_gauss(cs_matrix_view(x, N, n), CS_EST_GAUSSIAN, 1, NULL, &out[0].p), CS_OK);
    cr_assert_eq(mv_gauss(cs_matrix_view(x, N, n), CS_EST_GCOPULA, 1, NULL, &out[1].p), CS_OK);
    cs_symbols s;
    cr_assert_eq(cs_discrete_bin(cs_matrix_view(x, N, n), 4, CS_BIN_EQUAL_FREQ, &s), CS_OK);
    cr_assert_eq(cs_mv_estimator_create_symbols(&s, 1, NULL, &out[2].p), CS_OK);
    cs_symbols_free(&s);
    out[0].name = "gaussian";
    out[1].name = "gcopula";
    out[2].name = "discrete";
    free(x);
}

Test(multivariate, multiplets_equal_one_set_and_definition)
{
    /* Every multiplet value equals cs_mv_compute on the same subset (the scan
     * shares entropies through its table; the one-set path recomputes them:
     * same numbers, 1e-12 allows for summation order only). For the Gaussian
     * shortcut, DTC is also checked against leave-one-out log-determinants. */
    size_t N = 600, n = 7;
    named_plan pl[3];
    three_plans(pl, N, n);
    for (int e = 0; e < 3; e++)
        for (int m = 0; m < 5; m++) {
            cs_mv_multiplet_opts o;
            cs_mv_multiplet_opts_default(&o);
            o.order_min = 2;
            o.order_max = 5;
            o.threads = 2;
            cs_mv_estimate est;
            cr_assert_eq(cs_mv_multiplets_check(pl[e].p, ALL[m], &o, &est), CS_OK);
            cr_assert_eq(est.count, 21 + 35 + 35 + 21);
            double *v = malloc(est.count * sizeof *v);
            cr_assert_eq(cs_mv_multiplets(pl[e].p, ALL[m], &o, v, NULL, NULL, NULL, NULL), CS_OK, "%s",
                         cs_last_error());
            size_t idx = 0, comb[5];
            for (size_t k = 2; k <= 5; k++) {
                cs_mv_combination_unrank(0, k, n, comb);
                do {
                    double one;
                    cr_assert_eq(cs_mv_compute(pl[e].p, ALL[m], comb, k, &one), CS_OK);
                    cr_expect(fabs(one - v[idx]) <= 1e-12, "%s %s order %zu #%zu: %.17g vs %.17g", pl[e].name,
                              cs_mv_measure_name(ALL[m]), k, idx, v[idx], one);
                    idx++;
                } while (cs_mv_combination_next(comb, k, n));
            }
            cr_assert_eq(idx, est.count);
            free(v);
        }
    for (int e = 0; e < 3; e++)
        cs_estimator_destroy(pl[e].p);
}

Test(multivariate, gaussian_shortcut_matches_leave_one_out_logdets)
{
    size_t N = 800, n = 8;
    double *x = mixed_data(N, n, 33), cov[64];
    cr_assert_eq(cs_gaussian_cov(cs_matrix_view(x, N, n), NULL, 0, 0, cov, NULL), CS_OK);
    cs_estimator *p;
    cr_assert_eq(mv_gauss(cs_matrix_view(x, N, n), CS_EST_GAUSSIAN, 0, NULL, &p), CS_OK);
    cs_mv_multiplet_opts o;
    cs_mv_multiplet_opts_default(&o);
    o.order_min = 3;
    o.order_max = 6;
    cs_mv_estimate est;
    cr_assert_eq(cs_mv_multiplets_check(p, CS_MV_OINFO, &o, &est), CS_OK);
    double *v = malloc(est.count * sizeof *v);
    cr_assert_eq(cs_mv_multiplets(p, CS_MV_OINFO, &o, v, NULL, NULL, NULL, NULL), CS_OK);
    size_t idx = 0, comb[6], loo[5];
    double maxerr = 0;
    for (size_t k = 3; k <= 6; k++) {
        cs_mv_combination_unrank(0, k, n, comb);
        do {
            double ld, sum_loo = 0, sum_var = 0;
            cr_assert_eq(cs_gaussian_logdet(cov, n, comb, k, NULL, "c", &ld), CS_OK);
            for (size_t i = 0; i < k; i++) {
                size_t j = 0;
                for (size_t a = 0; a < k; a++)
                    if (a != i)
                        loo[j++] = comb[a];
                double l;
                cr_assert_eq(cs_gaussian_logdet(cov, n, loo, k - 1, NULL, "c", &l), CS_OK);
                sum_loo += l;
                sum_var += log(cov[comb[i] * (n + 1)]);
            }
            double o_def = 0.5 * (sum_var - ld) - 0.5 * (sum_loo - (double)(k - 1) * ld);
            maxerr = fmax(maxerr, fabs(o_def - v[idx++]));
        } while (cs_mv_combination_next(comb, k, n));
    }
    /* Values O(0.1..1) from well-conditioned 3..6 blocks: 1e-12. */
    cr_expect_leq(maxerr, 1e-12, "max |O - definition| = %.3g", maxerr);
    free(v);
    free(x);
    cs_estimator_destroy(p);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

Test(multivariate, top_k_and_threads)
{
    /* The top-K lists equal the K smallest/largest of the full value list,
     * and every output is bit-identical for 1 and 2 threads. */
    size_t N = 400, n = 12;
    double *x = mixed_data(N, n, 44);
    cs_estimator *p;
    cr_assert_eq(mv_gauss(cs_matrix_view(x, N, n), CS_EST_GCOPULA, 1, NULL, &p), CS_OK);
    for (int m = 0; m < 5; m += 2) { /* tc, oinfo, tse */
        cs_mv_multiplet_opts o;
        cs_mv_multiplet_opts_default(&o);
        o.order_min = 3;
        o.order_max = 5;
        cs_mv_estimate est;
        cr_assert_eq(cs_mv_multiplets_check(p, ALL[m], &o, &est), CS_OK);
        size_t count = (size_t)est.count, K = 17;
        double *v1 = malloc(count * sizeof *v1), *v2 = malloc(count * sizeof *v2);
        cs_mv_hit l1[17], h1[17], l2[17], h2[17];
        size_t nl1, nh1, nl2, nh2;
        o.top_k = K;
        o.threads = 1;
        cr_assert_eq(cs_mv_multiplets(p, ALL[m], &o, v1, l1, &nl1, h1, &nh1), CS_OK);
        o.threads = 2;
        cr_assert_eq(cs_mv_multiplets(p, ALL[m], &o, v2, l2, &nl2, h2, &nh2), CS_OK);
        cr_assert_eq(nl1, K);
        cr_assert_eq(nh1, K);
        cr_expect_eq(memcmp(v1, v2, count * sizeof *v1), 0, "values differ across threads");
        cr_expect_eq(memcmp(l1, l2, sizeof l1), 0, "lowest differ across threads");
        cr_expect_eq(memcmp(h1, h2, sizeof h1), 0, "highest differ across threads");
        double *sorted = malloc(count * sizeof *sorted);
        memcpy(sorted, v1, count * sizeof *sorted);
        qsort(sorted, count, sizeof *sorted, cmp_double);
        for (size_t i = 0; i < K; i++) {
            cr_expect_eq(l1[i].value, sorted[i], "%s lowest #%zu", cs_mv_measure_name(ALL[m]), i);
            cr_expect_eq(h1[i].value, sorted[count - 1 - i], "%s highest #%zu", cs_mv_measure_name(ALL[m]), i);
            /* the (order, rank) points at that very value */
            uint64_t base = 0;
            for (size_t k = 3; k < l1[i].order; k++)
                base += cs_mv_binomial(n, k);
            cr_expect_eq(v1[base + l1[i].rank], l1[i].value);
            base = 0;
            for (size_t k = 3; k < h1[i].order; k++)
                base += cs_mv_binomial(n, k);
            cr_expect_eq(v1[base + h1[i].rank], h1[i].value);
        }
        free(sorted);
        free(v1);
        free(v2);
    }
    /* K larger than the count: every multiplet, sorted. */
    cs_mv_multiplet_opts o;
    cs_mv_multiplet_opts_default(&o);
    o.order_min = o.order_max = 11;
    o.top_k = 50;
    cs_mv_hit lo[50], hi[50];
    size_t nl, nh;
    cr_assert_eq(cs_mv_multiplets(p, CS_MV_OINFO, &o, NULL, lo, &nl, hi, &nh), CS_OK);
    cr_expect_eq(nl, 12);
    cr_expect_eq(nh, 12);
    for (size_t i = 1; i < nl; i++) {
        cr_expect_leq(lo[i - 1].value, lo[i].value);
        cr_expect_geq(hi[i - 1].value, hi[i].value);
    }
    cs_estimator_destroy(p);
    free(x);
}

Test(multivariate, discrete_multiplets_threads_identical)
{
    size_t N = 500, n = 9;
    double *x = mixed_data(N, n, 55);
    cs_symbols s;
    cr_assert_eq(cs_discrete_bin(cs_matrix_view(x, N, n), 3, CS_BIN_EQUAL_WIDTH, &s), CS_OK);
    cs_estimator *p;
    cr_assert_eq(cs_mv_estimator_create_symbols(&s, 0, NULL, &p), CS_OK);
    cs_mv_multiplet_opts o;
    cs_mv_multiplet_opts_default(&o);
    o.order_min = 3;
    o.order_max = 4;
    size_t count = 84 + 126;
    double *a = malloc(count * sizeof *a), *b = malloc(count * sizeof *b);
    o.threads = 1;
    cr_assert_eq(cs_mv_multiplets(p, CS_MV_OINFO, &o, a, NULL, NULL, NULL, NULL), CS_OK);
    o.threads = 2;
    cr_assert_eq(cs_mv_multiplets(p, CS_MV_OINFO, &o, b, NULL, NULL, NULL, NULL), CS_OK);
    cr_expect_eq(memcmp(a, b, count * sizeof *a), 0);
    free(a);
    free(b);
    cs_estimator_destroy(p);
    cs_symbols_free(&s);
    free(x);
}

/* ---- bad input: library ----------------------------------------------------------- */

Test(multivariate, singular_and_non_pd_covariances)
{
    cs_estimator *p;
    double sing[9] = {1, 1, 0, 1, 1, 0, 0, 0, 1};                /* X1 = X0 */
    double notpd[9] = {1, 0.9, 0.9, 0.9, 1, -0.9, 0.9, -0.9, 1}; /* eigenvalue < 0 */
    double asym[4] = {1, 0.5, 0.4, 1};
    double nan_[4] = {1, NAN, NAN, 1};
    double negvar[4] = {-1, 0, 0, 1};
    cr_expect_eq(cs_mv_estimator_create_cov(sing, 3, 3, NULL, &p), CS_ESINGULAR);
    cr_expect(strstr(cs_last_error(), "singular") || strstr(cs_last_error(), "positive definite"), "%s",
              cs_last_error());
    cr_expect_eq(cs_mv_estimator_create_cov(notpd, 3, 3, NULL, &p), CS_ESINGULAR);
    cr_expect_eq(cs_mv_estimator_create_cov(asym, 2, 2, NULL, &p), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "symmetric"), "%s", cs_last_error());
    cr_expect_eq(cs_mv_estimator_create_cov(nan_, 2, 2, NULL, &p), CS_ENONFINITE);
    cr_expect_eq(cs_mv_estimator_create_cov(negvar, 2, 2, NULL, &p), CS_ESINGULAR);
    cr_expect_eq(cs_mv_estimator_create_cov(sing, 0, 3, NULL, &p), CS_ESHAPE);
    cr_expect_null(p);
}

Test(multivariate, singular_multiplet_in_data_names_variables)
{
    /* Column 3 duplicates column 1: data plan is fine (PD checked per query),
     * multiplets not holding both are fine, those holding both fail, naming them. */
    size_t N = 200, n = 5;
    double *x = mixed_data(N, n, 66);
    for (size_t i = 0; i < N; i++)
        x[i * n + 3] = x[i * n + 1];
    size_t labels[5] = {10, 11, 12, 13, 14};
    cs_estimator *p;
    cr_assert_eq(mv_gauss(cs_matrix_view(x, N, n), CS_EST_GAUSSIAN, 0, labels, &p), CS_OK);
    size_t ok[3] = {0, 1, 2}, bad[3] = {0, 1, 3};
    double v;
    cr_expect_eq(cs_mv_compute(p, CS_MV_OINFO, ok, 3, &v), CS_OK);
    cr_expect_eq(cs_mv_compute(p, CS_MV_OINFO, bad, 3, &v), CS_ESINGULAR);
    cr_expect(strstr(cs_last_error(), "{10, 11, 13}"), "%s", cs_last_error());
    cr_expect_eq(cs_mv_compute(p, CS_MV_TSE, bad, 3, &v), CS_ESINGULAR);
    cs_mv_multiplet_opts o;
    cs_mv_multiplet_opts_default(&o);
    o.threads = 2;
    double vals[10];
    cr_expect_eq(cs_mv_multiplets(p, CS_MV_OINFO, &o, vals, NULL, NULL, NULL, NULL), CS_ESINGULAR);
    cr_expect(strstr(cs_last_error(), "singular"), "%s", cs_last_error());
    cs_estimator_destroy(p);
    free(x);
}

Test(multivariate, bad_data_and_arguments)
{
    size_t N = 50, n = 4;
    double *x = mixed_data(N, n, 77);
    size_t labels[4] = {3, 5, 7, 9};
    cs_estimator *p;
    x[17 * n + 2] = NAN;
    cr_expect_eq(mv_gauss(cs_matrix_view(x, N, n), CS_EST_GAUSSIAN, 0, labels, &p), CS_ENONFINITE);
    cr_expect(strstr(cs_last_error(), "row 17, column 7"), "%s", cs_last_error());
    x[17 * n + 2] = INFINITY;
    cr_expect_eq(mv_gauss(cs_matrix_view(x, N, n), CS_EST_GCOPULA, 1, labels, &p), CS_ENONFINITE);
    x[17 * n + 2] = 0;
    for (size_t i = 0; i < N; i++)
        x[i * n + 1] = 2.5;
    cr_expect_eq(mv_gauss(cs_matrix_view(x, N, n), CS_EST_GAUSSIAN, 0, labels, &p), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "column 5 is constant"), "%s", cs_last_error());
    cr_expect_eq(mv_gauss(cs_matrix_view(x, N, n), CS_EST_GCOPULA, 1, labels, &p), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "column 5 is constant"), "%s", cs_last_error());
    cr_expect_eq(mv_gauss(cs_matrix_view(x, 1, n), CS_EST_GAUSSIAN, 0, NULL, &p), CS_ESHAPE);
    free(x);

    x = mixed_data(N, n, 78);
    cr_assert_eq(mv_gauss(cs_matrix_view(x, N, n), CS_EST_GAUSSIAN, 1, NULL, &p), CS_OK);
    size_t vars[4] = {0, 1, 2, 3}, dup[2] = {1, 1}, out[2] = {0, 4};
    double v;
    cr_expect_eq(cs_mv_compute(p, CS_MV_TC, vars, 1, &v), CS_EINVAL);
    cr_expect_eq(cs_mv_compute(p, CS_MV_TC, dup, 2, &v), CS_EINVAL);
    cr_expect_eq(cs_mv_compute(p, CS_MV_TC, out, 2, &v), CS_EINVAL);
    cr_expect_eq(cs_mv_compute(p, (cs_mv_measure)17, vars, 2, &v), CS_EINVAL);
    cs_mv_multiplet_opts o;
    cs_mv_multiplet_opts_default(&o);
    cs_mv_estimate est;
    o.order_min = 1;
    o.order_max = 2;
    cr_expect_eq(cs_mv_multiplets_check(p, CS_MV_OINFO, &o, &est), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "below 2"), "%s", cs_last_error());
    o.order_min = 3;
    o.order_max = 5;
    cr_expect_eq(cs_mv_multiplets_check(p, CS_MV_OINFO, &o, &est), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "larger than the number of variables (4)"), "%s", cs_last_error());
    o.order_min = 4;
    o.order_max = 3;
    cr_expect_eq(cs_mv_multiplets_check(p, CS_MV_OINFO, &o, &est), CS_EINVAL);
    cs_estimator_destroy(p);
    free(x);

    /* bias correction needs more samples than variables */
    x = mixed_data(5, 5, 79);
    cr_assert_eq(mv_gauss(cs_matrix_view(x, 5, 5), CS_EST_GAUSSIAN, 1, NULL, &p), CS_OK);
    size_t five[5] = {0, 1, 2, 3, 4};
    cr_expect_eq(cs_mv_compute(p, CS_MV_TC, five, 4, &v), CS_OK);
    cr_expect_eq(cs_mv_compute(p, CS_MV_TC, five, 5, &v), CS_ESHAPE);
    cs_estimator_destroy(p);
    free(x);
}

Test(multivariate, limits_refuse_with_count_time_and_memory)
{
    size_t n = 128;
    double *cov = calloc(n * n, sizeof *cov);
    for (size_t i = 0; i < n; i++)
        cov[i * (n + 1)] = 1;
    cs_estimator *p;
    cr_assert_eq(cs_mv_estimator_create_cov(cov, n, n, NULL, &p), CS_OK);
    cs_mv_multiplet_opts o;
    cs_mv_multiplet_opts_default(&o);
    cs_mv_estimate est;
    o.order_min = 3;
    o.order_max = 6; /* 4.3e9 multiplets */
    cr_expect_eq(cs_mv_multiplets_check(p, CS_MV_OINFO, &o, &est), CS_ELIMIT);
    cr_expect_eq(est.count,
                 cs_mv_binomial(n, 3) + cs_mv_binomial(n, 4) + cs_mv_binomial(n, 5) + cs_mv_binomial(n, 6));
    const char *msg = cs_last_error();
    cr_expect(strstr(msg, "exceed the limit of 100000000") && strstr(msg, " s on one thread") && strstr(msg, "GiB"),
              "%s", msg);
    double v;
    cr_expect_eq(cs_mv_multiplets(p, CS_MV_OINFO, &o, &v, NULL, NULL, NULL, NULL), CS_ELIMIT);
    /* a configurable limit */
    o.order_max = 3;
    o.max_count = 1000;
    cr_expect_eq(cs_mv_multiplets_check(p, CS_MV_OINFO, &o, &est), CS_ELIMIT);
    cr_expect(strstr(cs_last_error(), "341376 multiplets"), "%s", cs_last_error());
    /* memory: every value of 341,376 triplets is 2.6 MiB; top-K needs little */
    o.max_count = 0;
    o.max_bytes = 1 << 20;
    cr_expect_eq(cs_mv_multiplets_check(p, CS_MV_OINFO, &o, &est), CS_ELIMIT);
    cr_expect(strstr(cs_last_error(), "memory"), "%s", cs_last_error());
    o.top_k = 10;
    o.threads = 2;
    cr_expect_eq(cs_mv_multiplets_check(p, CS_MV_OINFO, &o, &est), CS_OK, "%s", cs_last_error());
    /* TSE over too many variables */
    size_t vars[25];
    for (size_t i = 0; i < 25; i++)
        vars[i] = i;
    cr_expect_eq(cs_mv_compute(p, CS_MV_TSE, vars, 25, &v), CS_ELIMIT);
    cs_estimator_destroy(p);
    free(cov);
}

Test(multivariate, independent_gaussians_are_zero)
{
    /* identity covariance: every measure is exactly 0 for every multiplet */
    size_t n = 10;
    double cov[100] = {0};
    for (size_t i = 0; i < n; i++)
        cov[i * 11] = 1.0 + (double)i;
    cs_estimator *p;
    cr_assert_eq(cs_mv_estimator_create_cov(cov, n, n, NULL, &p), CS_OK);
    for (int m = 0; m < 5; m++) {
        cs_mv_multiplet_opts o;
        cs_mv_multiplet_opts_default(&o);
        o.order_min = 2;
        o.order_max = 4;
        double v[120 + 210 + 45];
        cr_assert_eq(cs_mv_multiplets(p, ALL[m], &o, v, NULL, NULL, NULL, NULL), CS_OK);
        for (size_t i = 0; i < 375; i++)
            cr_expect(fabs(v[i]) < 1e-14, "%s #%zu = %g", cs_mv_measure_name(ALL[m]), i, v[i]);
    }
    cs_estimator_destroy(p);
}

/* ---- CLI ----------------------------------------------------------------------------- */

static char *write_tmp(const char *dir, const char *name, const char *text)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    tu_write(path, text);
    return path;
}

Test(multivariate_cli, values_json_and_multiplets)
{
    char *dir = tu_tmpdir(), *out = NULL, *err = NULL, args[1024];
    char *cov = write_tmp(dir, "c.txt", "1 0.4 0.3\n0.4 1 0.2\n0.3 0.2 1\n");
    char * xor = write_tmp(dir, "x.txt", "# XOR3\n0 0 0\n0 1 1\n1 0 1\n1 1 0\n");
    snprintf(args, sizeof args, "estimate tc --cov %s --estimator gaussian --json", cov);
    cr_assert_eq(tu_cli(args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "\"measure\":\"tc\""), "%s", out);
    cr_expect(strstr(out, "\"units\":\"nats\""), "%s", out);
    expect_close(json_after(out, "value"), 0.1385359467, 1e-10, "CLI tc"); /* gaussian_analytic.json */
    free(out), free(err);
    snprintf(args, sizeof args, "estimate oinfo --input %s --estimator discrete --json", xor);
    cr_assert_eq(tu_cli(args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "\"units\":\"bits\""), "%s", out);
    expect_close(json_after(out, "value"), -1.0, 1e-12, "CLI oinfo XOR");
    free(out), free(err);
    snprintf(args, sizeof args, "estimate oinfo --input %s --estimator discrete --units nats --multiplets 2-3 --json",
             xor);
    cr_assert_eq(tu_cli(args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "\"count\":4"), "%s", out);
    cr_expect(strstr(out, "{\"vars\":[0,1,2],\"value\":-0.69314718055994"), "%s", out);
    cr_expect(strstr(out, "{\"vars\":[0,1],\"value\":0}"), "%s", out);
    free(out), free(err);
    /* --x picks columns and the multiplet vars are the data's column numbers */
    snprintf(args, sizeof args,
             "estimate tc --cov %s --estimator gaussian --x 2,0,1 --multiplets 2 --top 1 --json "
             "--threads 2",
             cov);
    cr_assert_eq(tu_cli(args, &out, &err), 0, "%s", err);
    /* TC of a pair is -ln(1 - rho^2)/2: smallest for rho = 0.2 (columns 2, 1, in
     * --x order), largest for rho = 0.4 (columns 0, 1) */
    cr_expect(strstr(out, "\"lowest\":[{\"vars\":[2,1]"), "%s", out);
    cr_expect(strstr(out, "\"highest\":[{\"vars\":[0,1]"), "%s", out);
    free(out), free(err);
    /* oinfo names its lists by synergy and redundancy */
    snprintf(args, sizeof args, "estimate oinfo --cov %s --estimator gaussian --multiplets 2-3 --top 1 --json", cov);
    cr_assert_eq(tu_cli(args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "\"most_synergistic\":[{\"vars\":[0,1],\"value\":0}"), "%s", out);
    cr_expect(strstr(out, "\"most_redundant\":[{\"vars\":[0,1,2],\"value\":0.0162070"), "%s", out);
    free(out), free(err);
    snprintf(args, sizeof args, "estimate tse --cov %s --estimator gaussian --multiplets 2-3 --top 2", cov);
    cr_assert_eq(tu_cli(args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "# highest\n0,1,2\t0.08695493"), "%s", out);
    free(out), free(err);
    cr_expect_eq(tu_cli("estimate oinfo --help", &out, &err), 0);
    cr_expect(strstr(out, "--multiplets"));
    free(out), free(err);
    free(cov), free(xor);
    free(dir);
}

Test(multivariate_cli, bad_input_exit_codes)
{
    char *dir = tu_tmpdir(), *out = NULL, *err = NULL, args[1024];
    char *sing = write_tmp(dir, "s.txt", "1 1 0\n1 1 0\n0 0 1\n");
    char *rect = write_tmp(dir, "r.txt", "1 0 0\n0 1 0\n");
    char *data = write_tmp(dir, "d.txt", "1 2 3\n2 1 5\n3 7 4\n4 2 2\n5 9 1\n6 1 8\n");
    char *nan_ = write_tmp(dir, "n.txt", "1 2 3\n2 1 5\n3 nan 4\n4 2 2\n");
    char *frac = write_tmp(dir, "f.txt", "1 2 3\n2 1.5 5\n3 2 4\n");
    struct {
        const char *fmt;
        const char *file;
        int code;
        const char *msg;
    } cases[] = {
        {"estimate oinfo --cov %s --estimator gaussian", sing, 1, "not positive definite"},
        {"estimate oinfo --cov %s --estimator gaussian", rect, 1, "square"},
        {"estimate oinfo --input %s --estimator gaussian --x 0,5", data, 1, "out of range"},
        {"estimate oinfo --input %s --estimator gaussian --multiplets 4", data, 1,
         "larger than the number of variables"},
        {"estimate oinfo --input %s --estimator gaussian --multiplets 1-3", data, 2, "at least 2"},
        {"estimate oinfo --input %s --estimator gaussian --multiplets 3-2", data, 2, "exceeds"},
        {"estimate oinfo --input %s --estimator gaussian --multiplets x", data, 2, "not an order"},
        {"estimate oinfo --input %s --estimator gaussian --multiplets 2-3 --max-multiplets 3", data, 1,
         "exceed the limit of 3"},
        {"estimate oinfo --input %s --estimator gaussian", nan_, 1, "NaN at data row 2, column 1 (--x)"},
        {"estimate oinfo --input %s --estimator discrete", frac, 1, "not an integer"},
        {"estimate oinfo --input %s --estimator discrete", nan_, 1, "NaN at data row 2, column 1 (--x)"},
        {"estimate oinfo --input %s --estimator ksg1", data, 2, "--estimator"},
        {"estimate oinfo --input %s", data, 2, "--estimator is required"},
        {"estimate oinfo --input %s --estimator gaussian --top 3", data, 2, "--multiplets"},
        {"estimate oinfo --input %s --estimator gaussian --bogus", data, 2, "unknown option"},
        {"estimate oinfo --input %s --estimator gaussian --threads", data, 2, "needs a value"},
        {"estimate oinfo --input %s --estimator gaussian --x 1", data, 1, "at least 2"},
        {"estimate oinfo --input %s --estimator gaussian --x 1,1", data, 2, "twice"},
        {"estimate oinfo --cov %s --estimator gcopula", sing, 2, "--cov is not an option of the gcopula estimator"},
        {"estimate oinfo --input %s/missing.txt --estimator gaussian", dir, 1, "missing.txt"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(args, sizeof args, cases[i].fmt, cases[i].file);
        int code = tu_cli(args, &out, &err);
        cr_expect_eq(code, cases[i].code, "'%s': exit %d, stderr %s", args, code, err);
        cr_expect(err && strstr(err, cases[i].msg), "'%s': stderr lacks '%s': %s", args, cases[i].msg, err);
        free(out), free(err);
    }
    free(sing), free(rect), free(data), free(nan_), free(frac);
    free(dir);
}

/* KSG estimators (MI, CMI, TE as CMI) and their kd-tree.
 *
 * Reference values (tests/data/ksg.json, copied from the shared reference set):
 *  - KSG-2 MI on 2randomCols-1.txt for k = 1..6, 10, 15: values of Kraskov's
 *    own MILCA code (`MIxnyn <file> 1 1 3000 k 0`), as asserted by JIDT's
 *    MutualInfoMultiVariateTester.testUnivariateMIforRandomVariablesFromFile
 *    (jlizier/jidt, java/unittests/.../kraskov/), to 1e-7. JIDT there uses
 *    MutualInfoCalculatorMultiVariateKraskov2 with its defaults: max-norm and
 *    each column normalised to mean 0, std 1.
 *  - KSG-1 TE on 2coupledRandomCols-1.txt (both directions): TRENTOOL values
 *    (`TEvalues(source, dest, 1, 1, 1, kraskovK, 0)`) as asserted by JIDT's
 *    TransferEntropyTester.testUnivariateTEforCoupledVariablesFromFile, to
 *    1e-6. JIDT's settings there: TransferEntropyCalculatorKraskov (KSG
 *    algorithm 1 by default), k = 4 neighbours, destination history 1, source
 *    history 1, delay 1, embedding lag 1, no dynamic-correlation exclusion
 *    (Theiler 0); each whole series (all 100 values) is normalised BEFORE
 *    embedding and the calculator's own normalisation is switched off
 *    (PROP_NORMALISE = false); 99 observations. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_psi.h>

#include "cogscope/core.h"
#include "cogscope/ksg.h"
#include "cogscope/rng.h"
#include "cogscope/table.h"
#include "info/estimators/kdtree.h"
#include "testutil.h"

#define DATA(f) COGSCOPE_TEST_DATA "/" f

/* Numbers of the JSON array "key": [ ... ] inside object "section" of a
 * small reference file. Returns the count (0 if absent). */
static size_t json_array(const char *text, const char *section, const char *key, double *out, size_t max)
{
    const char *s = strstr(text, section);
    if (!s)
        return 0;
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\": [", key);
    const char *p = strstr(s, pat);
    if (!p)
        return 0;
    p += strlen(pat);
    size_t n = 0;
    while (n < max) {
        char *end;
        double v = strtod(p, &end);
        if (end == p)
            break;
        out[n++] = v;
        p = end;
        while (*p == ',' || *p == ' ' || *p == '\n')
            p++;
    }
    return n;
}

static double json_number(const char *text, const char *section, const char *key)
{
    const char *s = strstr(text, section);
    cr_assert(s, "section %s", section);
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(s, pat);
    cr_assert(p, "key %s", key);
    return strtod(p + strlen(pat), NULL);
}

static cs_matrix column(cs_matrix m, size_t c)
{
    cs_matrix v = {m.data + c, m.rows, 1, m.stride};
    return v;
}

static double ksg_mi(cs_matrix x, cs_matrix y, const cs_ksg_params *p)
{
    cs_ksg *plan = NULL;
    cs_status st = cs_ksg_mi_create(x, y, p, &plan);
    cr_assert_eq(st, CS_OK, "%s", cs_last_error());
    double v = NAN;
    cr_assert_eq(cs_ksg_average(plan, &v), CS_OK, "%s", cs_last_error());
    cs_ksg_destroy(plan);
    return v;
}

static double ksg_cmi(cs_matrix x, cs_matrix y, cs_matrix z, const cs_ksg_params *p)
{
    cs_ksg *plan = NULL;
    cs_status st = cs_ksg_cmi_create(x, y, z, p, &plan);
    cr_assert_eq(st, CS_OK, "%s", cs_last_error());
    double v = NAN;
    cr_assert_eq(cs_ksg_average(plan, &v), CS_OK, "%s", cs_last_error());
    cs_ksg_destroy(plan);
    return v;
}

/* ---- reference values ------------------------------------------------------ */

Test(ksg, mi_alg2_matches_milca)
{
    char *ref = tu_slurp(DATA("ksg.json"));
    cr_assert(ref);
    double ks[16], expect[16];
    size_t nk = json_array(ref, "mi_algorithm2_milca", "k", ks, 16);
    size_t nv = json_array(ref, "mi_algorithm2_milca", "mi", expect, 16);
    cr_assert(nk == 8 && nv == 8, "read %zu k and %zu values", nk, nv);
    double tol = json_number(ref, "mi_algorithm2_milca", "tolerance");
    cr_assert_eq(tol, 1e-7);
    free(ref);

    cs_matrix d;
    cr_assert_eq(cs_table_read(DATA("2randomCols-1.txt"), &d), CS_OK, "%s", cs_last_error());
    cr_assert_eq(d.rows, 3000);
    cs_ksg_params p;
    cs_ksg_params_default(&p);
    p.algorithm = 2;
    for (size_t i = 0; i < nk; i++) {
        p.k = (int)ks[i];
        double mi = ksg_mi(column(d, 0), column(d, 1), &p);
        cr_log_info("MILCA k=%d: diff %.2e", p.k, mi - expect[i]);
        cr_expect(fabs(mi - expect[i]) <= tol, "k=%d: %.10f vs MILCA %.8f (diff %.2e)", p.k, mi, expect[i],
                  mi - expect[i]);
    }
    cs_matrix_free(&d);
}

/* TE(src -> dst) with k = l = u = 1 as the KSG CMI I(src_{t-1}; dst_t | dst_{t-1}),
 * embedded here directly, after z-scoring each whole series (sample std). */
static double te_trentool_setup(cs_matrix d, size_t src, size_t dst, int alg)
{
    size_t n = d.rows;
    double *s = malloc(n * sizeof *s), *t = malloc(n * sizeof *t);
    for (size_t i = 0; i < n; i++) {
        s[i] = cs_matrix_get(d, i, src);
        t[i] = cs_matrix_get(d, i, dst);
    }
    double *cols[2] = {s, t};
    for (int c = 0; c < 2; c++) {
        double m = 0, v = 0;
        for (size_t i = 0; i < n; i++)
            m += cols[c][i];
        m /= (double)n;
        for (size_t i = 0; i < n; i++)
            v += (cols[c][i] - m) * (cols[c][i] - m);
        double sd = sqrt(v / (double)(n - 1));
        for (size_t i = 0; i < n; i++)
            cols[c][i] = (cols[c][i] - m) / sd;
    }
    /* rows t = 1..n-1 */
    cs_matrix x = {s, n - 1, 1, 1};     /* source at t-1 */
    cs_matrix y = {t + 1, n - 1, 1, 1}; /* destination at t */
    cs_matrix z = {t, n - 1, 1, 1};     /* destination at t-1 */
    cs_ksg_params p;
    cs_ksg_params_default(&p);
    p.algorithm = alg;
    p.k = 4;
    p.normalize = 0;
    double te = ksg_cmi(x, y, z, &p);
    free(s);
    free(t);
    return te;
}

Test(ksg, te_alg1_matches_trentool)
{
    char *ref = tu_slurp(DATA("ksg.json"));
    cr_assert(ref);
    double e01 = json_number(ref, "te_algorithm1_trentool", "te_col0_to_col1");
    double e10 = json_number(ref, "te_algorithm1_trentool", "te_col1_to_col0");
    double tol = json_number(ref, "te_algorithm1_trentool", "tolerance");
    cr_assert_eq(json_number(ref, "te_algorithm1_trentool", "k_neighbours"), 4);
    free(ref);
    cs_matrix d;
    cr_assert_eq(cs_table_read(DATA("2coupledRandomCols-1.txt"), &d), CS_OK, "%s", cs_last_error());
    cr_assert_eq(d.rows, 100);
    double te01 = te_trentool_setup(d, 0, 1, 1);
    double te10 = te_trentool_setup(d, 1, 0, 1);
    cr_log_info("TRENTOOL: diff 0->1 %.2e, 1->0 %.2e", te01 - e01, te10 - e10);
    cr_expect(fabs(te01 - e01) <= tol, "0->1: %.9f vs TRENTOOL %.7f", te01, e01);
    cr_expect(fabs(te10 - e10) <= tol, "1->0: %.9f vs TRENTOOL %.7f", te10, e10);
    cs_matrix_free(&d);
}

/* ---- independent checks: closed forms -------------------------------------- */

/* Bivariate Gaussian, corr rho: x = a, y = rho a + sqrt(1 - rho^2) b. */
static void gaussian_pair(uint64_t seed, size_t n, double rho, double *x, double *y)
{
    cs_rng *rng;
    cr_assert_eq(cs_rng_create(seed, &rng), CS_OK);
    for (size_t i = 0; i < n; i++) {
        double a = cs_rng_gaussian(rng, 1), b = cs_rng_gaussian(rng, 1);
        x[i] = a;
        y[i] = rho * a + sqrt(1 - rho * rho) * b;
    }
    cs_rng_destroy(rng);
}

/* Tolerance for N = 1e4, k = 4: the spread of the estimator itself. Measured
 * over 100 independent data sets (seeds 1000..1099) the estimates of
 * I = -0.5 ln(1 - 0.36) = 0.22314 nats had sd 0.0078 (KSG-1) and 0.0084
 * (KSG-2) with mean bias below 0.001 (KSG is nearly unbiased for Gaussians,
 * Kraskov et al. 2004, Fig. 4), matching ksg.json's "within ~0.01" note for
 * one draw. 4 sd = 0.035 makes a false failure a < 1e-4 event while an error
 * in a digamma term (>= 1/k = 0.25 or psi(N) vs psi(N - k)) still fails. */
#define GAUSS_TOL 0.035

Test(ksg, gaussian_mi_closed_form)
{
    size_t n = 10000;
    double rho = 0.6, truth = -0.5 * log(1 - rho * rho);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    gaussian_pair(7, n, rho, x, y);
    cs_ksg_params p;
    cs_ksg_params_default(&p);
    for (int alg = 1; alg <= 2; alg++) {
        p.algorithm = alg;
        double mi = ksg_mi(cs_matrix_view(x, n, 1), cs_matrix_view(y, n, 1), &p);
        cr_log_info("Gaussian MI alg %d: %.5f (truth %.5f)", alg, mi, truth);
        cr_expect(fabs(mi - truth) < GAUSS_TOL, "alg %d: %.5f vs %.5f", alg, mi, truth);
    }
    free(x);
    free(y);
}

Test(ksg, independent_mi_near_zero_and_negative_not_clipped)
{
    size_t n = 10000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    gaussian_pair(11, n, 0.0, x, y);
    cs_ksg_params p;
    cs_ksg_params_default(&p);
    for (int alg = 1; alg <= 2; alg++) {
        p.algorithm = alg;
        /* spread of the null estimate at N = 1e4: sd 0.0062 (KSG-1), 0.0073 (KSG-2) */
        double mi = ksg_mi(cs_matrix_view(x, n, 1), cs_matrix_view(y, n, 1), &p);
        cr_expect(fabs(mi) < 0.03, "alg %d: %.5f", alg, mi);
    }
    free(x);
    free(y);
    /* MILCA's reference values include negatives; they must come back as such */
    cs_matrix d;
    cr_assert_eq(cs_table_read(DATA("2randomCols-1.txt"), &d), CS_OK);
    p.algorithm = 2;
    p.k = 1;
    cr_expect_lt(ksg_mi(column(d, 0), column(d, 1), &p), -0.05);
    cs_matrix_free(&d);
}

/* X = Z + U, Y = Z + rho U + sqrt(1 - rho^2) V: the partial correlation of X
 * and Y given Z is rho, so I(X;Y|Z) = -0.5 ln(1 - rho^2) while I(X;Y) is
 * larger (the shared Z). */
Test(ksg, gaussian_cmi_closed_form)
{
    size_t n = 10000;
    double rho = 0.6, truth = -0.5 * log(1 - rho * rho);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *z = malloc(n * sizeof *z);
    cs_rng *rng;
    cs_rng_create(2024, &rng);
    for (size_t i = 0; i < n; i++) {
        double zz = cs_rng_gaussian(rng, 1), u = cs_rng_gaussian(rng, 1), v = cs_rng_gaussian(rng, 1);
        z[i] = zz;
        x[i] = zz + u;
        y[i] = zz + rho * u + sqrt(1 - rho * rho) * v;
    }
    cs_rng_destroy(rng);
    cs_ksg_params p;
    cs_ksg_params_default(&p);
    cs_matrix X = cs_matrix_view(x, n, 1), Y = cs_matrix_view(y, n, 1), Z = cs_matrix_view(z, n, 1);
    /* KSG-1: over 50 data sets (seeds 2000..2049) mean 0.2266, sd 0.0081 */
    double c1 = ksg_cmi(X, Y, Z, &p);
    cr_log_info("Gaussian CMI alg 1: %.5f (truth %.5f)", c1, truth);
    cr_expect(fabs(c1 - truth) < GAUSS_TOL, "alg 1: %.5f vs %.5f", c1, truth);
    /* KSG-2 CMI (Wibral et al.'s adaptation, as JIDT) carries a known positive
     * bias in 3-D: measured mean 0.2431 (bias +0.020), sd 0.0096 over the same
     * 50 data sets. Tolerance: bias + 4 sd. */
    p.algorithm = 2;
    double c2 = ksg_cmi(X, Y, Z, &p);
    cr_log_info("Gaussian CMI alg 2: %.5f (truth %.5f)", c2, truth);
    cr_expect(fabs(c2 - truth) < 0.020 + 0.04, "alg 2: %.5f vs %.5f", c2, truth);
    /* and the conditioning matters: I(X;Y) = 0.5 ln(det) closed form, here
     * corr(X,Y) = (1 + rho) / sqrt(2 * 2) = 0.8, I = -0.5 ln(0.36) = 0.5108 */
    p.algorithm = 1;
    double mi = ksg_mi(X, Y, &p);
    cr_expect(fabs(mi - (-0.5 * log(1 - 0.64))) < GAUSS_TOL, "MI %.5f", mi);
    free(x);
    free(y);
    free(z);
}

/* ---- search structures against a brute-force scan --------------------------- */

static void fill_uniform(cs_rng *rng, double *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        a[i] = cs_rng_uniform(rng);
}

Test(kdtree, knn_and_counts_match_brute_force_with_duplicates)
{
    cs_rng *rng;
    cs_rng_create(5, &rng);
    size_t n = 400;
    for (size_t d = 1; d <= 4; d++) {
        double *pts = malloc(n * d * sizeof *pts);
        fill_uniform(rng, pts, n * d);
        /* exact duplicates: rows 300.. repeat rows 0..; and a coarse grid column */
        for (size_t i = 300; i < n; i++)
            memcpy(pts + i * d, pts + (i - 300) * d, d * sizeof *pts);
        for (size_t i = 0; i < n; i++)
            pts[i * d] = floor(pts[i * d] * 8) / 8;
        int64_t *times = malloc(n * sizeof *times);
        for (size_t i = 0; i < n; i++)
            times[i] = (int64_t)i;
        kdtree *t;
        cr_assert_eq(kdtree_create(pts, n, d, d, 2, &t), CS_OK);
        size_t k = 5;
        double dist[5], r[4];
        size_t idx[5];
        double *all = malloc(n * sizeof *all);
        for (size_t i = 0; i < n; i += 7) {
            int64_t w = (i % 2) ? 3 : 0;
            kdtree_exclusion ex = {i, times, (int64_t)i, w};
            size_t m = kdtree_knn(t, pts + i * d, k, &ex, dist, idx);
            cr_assert_eq(m, k);
            size_t na = 0;
            for (size_t j = 0; j < n; j++) {
                long dt = (long)j - (long)i;
                if (j == i || (w > 0 && labs(dt) <= w))
                    continue;
                double g = 0;
                for (size_t c = 0; c < d; c++)
                    g = fmax(g, fabs(pts[j * d + c] - pts[i * d + c]));
                all[na++] = g;
            }
            /* sorted k smallest distances must match */
            for (size_t a = 0; a < k; a++) {
                size_t best = a;
                for (size_t b = a + 1; b < na; b++)
                    if (all[b] < all[best])
                        best = b;
                double tmp = all[a];
                all[a] = all[best];
                all[best] = tmp;
                cr_expect_eq(dist[a], all[a], "d=%zu row %zu neighbour %zu", d, i, a);
                long dt = (long)idx[a] - (long)i;
                cr_expect(idx[a] != i && !(w > 0 && labs(dt) <= w), "excluded row returned");
            }
            /* range counts, strict and not, at a neighbour distance (ties!) */
            for (int strict = 0; strict <= 1; strict++) {
                for (size_t c = 0; c < d; c++)
                    r[c] = dist[k - 1] * (c % 2 ? 1.0 : 0.5) + (c == 1 ? 0.01 : 0);
                size_t bf = 0;
                for (size_t j = 0; j < n; j++) {
                    size_t c;
                    for (c = 0; c < d; c++) {
                        double g = fabs(pts[j * d + c] - pts[i * d + c]);
                        if (strict ? !(g < r[c]) : !(g <= r[c]))
                            break;
                    }
                    bf += c == d;
                }
                cr_expect_eq(kdtree_count(t, pts + i * d, r, strict), bf, "d=%zu row %zu strict %d", d, i, strict);
            }
        }
        kdtree_destroy(t);
        free(all);
        free(times);
        free(pts);
    }
    cs_rng_destroy(rng);
}

Test(kdtree, all_points_identical_is_fast_and_exact)
{
    size_t n = 20000, d = 2;
    double *pts = calloc(n * d, sizeof *pts);
    kdtree *t;
    cr_assert_eq(kdtree_create(pts, n, d, d, 2, &t), CS_OK);
    double dist[3], r[2] = {0, 0};
    size_t idx[3];
    double t0 = cs_time_now();
    for (size_t i = 0; i < n; i++) {
        kdtree_exclusion ex = {i, NULL, 0, 0};
        cr_assert_eq(kdtree_knn(t, pts + i * d, 3, &ex, dist, idx), 3);
        cr_assert_eq(dist[2], 0.0);
        cr_assert_eq(kdtree_count(t, pts + i * d, r, 1), 0);
        cr_assert_eq(kdtree_count(t, pts + i * d, r, 0), n);
    }
    /* O(log n) per query even with every point tied; a quadratic search would
     * take ~n^2 = 4e8 distance evaluations here (seconds, minutes under ASan) */
    cr_log_info("identical points: %.3f s", cs_time_now() - t0);
    kdtree_destroy(t);
    free(pts);
}

/* Brute-force KSG local value of row i on the joint matrix J (n x D = x|y|z),
 * written from the formulas in ksg.h, with the Theiler window on row indices.
 * Ties between distinct points at the k-th distance make KSG-2 ambiguous, so
 * callers use it for KSG-2 only on data whose only ties are exact duplicate
 * rows (any choice among identical rows gives the same radii). */
static double bf_local(const double *J, size_t n, size_t dx, size_t dy, size_t dz, int alg, size_t k, long w,
                       size_t i)
{
    size_t D = dx + dy + dz;
    double *jd = malloc(n * sizeof *jd), *mx = malloc(n * sizeof *mx), *my = malloc(n * sizeof *my),
           *mz = malloc(n * sizeof *mz);
    size_t *cand = malloc(n * sizeof *cand), nc = 0;
    for (size_t j = 0; j < n; j++) {
        long dt = (long)j - (long)i;
        if (j == i || (w > 0 && labs(dt) <= w))
            continue;
        double a = 0, b = 0, c = 0;
        for (size_t q = 0; q < D; q++) {
            double g = fabs(J[j * D + q] - J[i * D + q]);
            if (q < dx)
                a = fmax(a, g);
            else if (q < dx + dy)
                b = fmax(b, g);
            else
                c = fmax(c, g);
        }
        mx[j] = a;
        my[j] = b;
        mz[j] = c;
        jd[j] = fmax(a, fmax(b, c));
        cand[nc++] = j;
    }
    for (size_t a = 0; a < k; a++) { /* selection of the k nearest */
        size_t best = a;
        for (size_t b = a + 1; b < nc; b++)
            if (jd[cand[b]] < jd[cand[best]])
                best = b;
        size_t tmp = cand[a];
        cand[a] = cand[best];
        cand[best] = tmp;
    }
    double ex = jd[cand[k - 1]], ey = ex, ez = ex;
    int strict = alg == 1;
    if (alg == 2) {
        ex = ey = ez = 0;
        for (size_t a = 0; a < k; a++) {
            ex = fmax(ex, mx[cand[a]]);
            ey = fmax(ey, my[cand[a]]);
            ez = fmax(ez, mz[cand[a]]);
        }
    }
#define IN(g, r) (strict ? (g) < (r) : (g) <= (r))
    size_t na = 0, nb = 0, nz = 0;
    for (size_t a = 0; a < nc; a++) {
        size_t j = cand[a];
        int zin = dz == 0 || IN(mz[j], ez);
        nz += zin;
        na += zin && IN(mx[j], ex);
        nb += zin && IN(my[j], ey);
    }
#undef IN
    double v;
    double K = (double)k;
    if (alg == 1 && dz == 0)
        v = gsl_sf_psi_int((int)k) - gsl_sf_psi_int((int)na + 1) - gsl_sf_psi_int((int)nb + 1) +
            gsl_sf_psi_int((int)n);
    else if (alg == 1)
        v = gsl_sf_psi_int((int)k) - gsl_sf_psi_int((int)na + 1) - gsl_sf_psi_int((int)nb + 1) +
            gsl_sf_psi_int((int)nz + 1);
    else if (dz == 0)
        v = gsl_sf_psi_int((int)k) - 1 / K - gsl_sf_psi_int((int)na) - gsl_sf_psi_int((int)nb) +
            gsl_sf_psi_int((int)n);
    else
        v = gsl_sf_psi_int((int)k) - 2 / K + gsl_sf_psi_int((int)nz) - gsl_sf_psi_int((int)na) + 1.0 / (double)na -
            gsl_sf_psi_int((int)nb) + 1.0 / (double)nb;
    free(jd);
    free(mx);
    free(my);
    free(mz);
    free(cand);
    return v;
}

/* Plan with normalize off on J's blocks and compare every local value. */
static void check_vs_brute_force(double *J, size_t n, size_t dx, size_t dy, size_t dz, int alg, int k, size_t w,
                                 const char *what)
{
    size_t D = dx + dy + dz;
    cs_matrix x = {J, n, dx, D}, y = {J + dx, n, dy, D}, z = {J + dx + dy, n, dz, D};
    if (dz == 0)
        z.data = NULL;
    cs_ksg_params p;
    cs_ksg_params_default(&p);
    p.algorithm = alg;
    p.k = k;
    p.normalize = 0;
    p.theiler = w;
    p.threads = 2;
    cs_ksg *plan;
    cr_assert_eq(cs_ksg_cmi_create(x, y, z, &p, &plan), CS_OK, "%s", cs_last_error());
    double *loc = malloc(n * sizeof *loc), avg;
    cr_assert_eq(cs_ksg_local(plan, loc, &avg), CS_OK);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        double b = bf_local(J, n, dx, dy, dz, alg, (size_t)k, (long)w, i);
        if (fabs(b - loc[i]) > 1e-12) {
            if (bad++ < 3)
                cr_log_error("%s alg %d k %d w %zu dims %zu/%zu/%zu row %zu: %.15g vs brute %.15g", what, alg, k, w,
                             dx, dy, dz, i, loc[i], b);
        }
    }
    cr_expect_eq(bad, 0, "%s alg %d k %d w %zu dims %zu/%zu/%zu: %zu rows differ", what, alg, k, w, dx, dy, dz, bad);
    free(loc);
    cs_ksg_destroy(plan);
}

Test(ksg, matches_brute_force_any_dimension_theiler_duplicates)
{
    static const size_t dims[][3] = {{1, 1, 0}, {2, 1, 0}, {2, 3, 0}, {1, 1, 1}, {2, 1, 2}, {1, 2, 1}, {3, 3, 3}};
    size_t n = 260;
    cs_rng *rng;
    cs_rng_create(99, &rng);
    for (size_t c = 0; c < sizeof dims / sizeof dims[0]; c++) {
        size_t dx = dims[c][0], dy = dims[c][1], dz = dims[c][2], D = dx + dy + dz;
        double *J = malloc(n * D * sizeof *J);
        /* correlated blocks, then rows 220.. duplicate rows 0.. exactly */
        for (size_t i = 0; i < n; i++) {
            double common = cs_rng_gaussian(rng, 1);
            for (size_t q = 0; q < D; q++)
                J[i * D + q] = 0.7 * common + cs_rng_gaussian(rng, 1);
        }
        for (size_t i = 220; i < n; i++)
            memcpy(J + i * D, J + (i - 220) * D, D * sizeof *J);
        for (int alg = 1; alg <= 2; alg++)
            for (int k = 1; k <= 4; k += 3)
                for (size_t w = 0; w <= 5; w += 5)
                    check_vs_brute_force(J, n, dx, dy, dz, alg, k, w, "gaussian+dups");
        free(J);
    }
    cs_rng_destroy(rng);
}

Test(ksg, heavy_ties_discrete_values)
{
    /* values on a 4-level grid: massive ties at every distance. KSG-1 depends
     * on the k-th distance only, so it must match the brute force exactly. */
    size_t n = 300, D = 3;
    cs_rng *rng;
    cs_rng_create(3, &rng);
    double *J = malloc(n * D * sizeof *J);
    for (size_t i = 0; i < n * D; i++)
        J[i] = (double)cs_rng_below(rng, 4);
    cs_rng_destroy(rng);
    check_vs_brute_force(J, n, 1, 1, 0, 1, 4, 0, "grid");
    check_vs_brute_force(J, n, 1, 1, 1, 1, 4, 2, "grid");
    /* KSG-2 with such ties is ambiguous (which tied neighbours count) but must
     * stay finite; seeded noise breaks the ties */
    cs_matrix x = {J, n, 1, D}, y = {J + 1, n, 1, D}, z = {J + 2, n, 1, D};
    cs_ksg_params p;
    cs_ksg_params_default(&p);
    p.algorithm = 2;
    double v = ksg_cmi(x, y, z, &p);
    cr_expect(isfinite(v));
    p.noise_sd = 1e-6;
    p.noise_seed = 1;
    double v1 = ksg_cmi(x, y, z, &p), v2 = ksg_cmi(x, y, z, &p);
    cr_expect(isfinite(v1));
    cr_expect_eq(v1, v2, "same noise seed, same result");
    free(J);
}

/* ---- locals, threads, Theiler window ---------------------------------------- */

Test(ksg, locals_average_to_average_and_threads_do_not_matter)
{
    size_t n = 3000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *z = malloc(n * sizeof *z);
    gaussian_pair(21, n, 0.5, x, y);
    gaussian_pair(22, n, 0.3, z, z + 0); /* z: any other column */
    for (size_t i = 0; i < n; i++)
        y[i] += 0.5 * z[i];
    cs_matrix X = cs_matrix_view(x, n, 1), Y = cs_matrix_view(y, n, 1), Z = cs_matrix_view(z, n, 1);
    double *l1 = malloc(n * sizeof *l1), *l2 = malloc(n * sizeof *l2);
    for (int alg = 1; alg <= 2; alg++) {
        for (int cond = 0; cond <= 1; cond++) {
            double avg[3];
            for (int th = 1; th <= 3; th++) {
                cs_ksg_params p;
                cs_ksg_params_default(&p);
                p.algorithm = alg;
                p.threads = th;
                p.theiler = 2;
                cs_ksg *plan;
                cr_assert_eq(cond ? cs_ksg_cmi_create(X, Y, Z, &p, &plan) : cs_ksg_mi_create(X, Y, &p, &plan), CS_OK,
                             "%s", cs_last_error());
                double *loc = th == 1 ? l1 : l2;
                cr_assert_eq(cs_ksg_local(plan, loc, &avg[th - 1]), CS_OK);
                double direct;
                cr_assert_eq(cs_ksg_average(plan, &direct), CS_OK);
                cr_expect_eq(direct, avg[th - 1], "average equals the locals' mean");
                double s = 0;
                for (size_t i = 0; i < n; i++)
                    s += loc[i];
                cr_expect(fabs(s / (double)n - direct) < 1e-12, "mean of locals %.15g vs %.15g", s / (double)n,
                          direct);
                if (th > 1)
                    cr_expect(memcmp(l1, l2, n * sizeof *l1) == 0, "alg %d cond %d: %d threads give different locals",
                              alg, cond, th);
                cs_ksg_destroy(plan);
            }
            cr_expect_eq(avg[0], avg[1]);
            cr_expect_eq(avg[0], avg[2]);
        }
    }
    free(l1);
    free(l2);
    free(x);
    free(y);
    free(z);
}

Test(ksg, theiler_window_removes_temporal_neighbours)
{
    /* Independent x and y, but the first 200 samples come in temporal twins
     * (x_{2m+1} = x_{2m} + 1e-9 u, same for y): a strong short-range temporal
     * correlation in 5% of the series. Without a Theiler window a twinned
     * row's nearest joint neighbour is its twin, close in both marginals at
     * once, so with k = 1 its local value is psi(1) - psi(1) - psi(2) + psi(N)
     * = 7.87 nats, and those 200 rows alone lift the average by ~0.39. With
     * w = 1 the twins cannot be neighbours and the estimate falls back to the
     * null level of independent data. */
    size_t n = 4000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    cs_rng *rng;
    cs_rng_create(77, &rng);
    for (size_t i = 0; i < n; i++) {
        x[i] = cs_rng_gaussian(rng, 1);
        y[i] = cs_rng_gaussian(rng, 1);
        if (i < 200 && i % 2) {
            x[i] = x[i - 1] + 1e-9 * cs_rng_uniform(rng);
            y[i] = y[i - 1] + 1e-9 * cs_rng_uniform(rng);
        }
    }
    cs_rng_destroy(rng);
    cs_ksg_params p;
    cs_ksg_params_default(&p);
    cs_matrix X = cs_matrix_view(x, n, 1), Y = cs_matrix_view(y, n, 1);
    p.k = 1;
    double mi0 = ksg_mi(X, Y, &p);
    p.theiler = 1;
    double mi1 = ksg_mi(X, Y, &p);
    cr_log_info("twinned independent pair: MI w=0 %.4f, w=1 %.4f", mi0, mi1);
    /* null spread of KSG-1, k = 1 at N = 4000: sd 0.025 (100 data sets), so
     * 0.1 is 4 sd, and 0.39 - 0.3 is 3.6 sd */
    cr_expect_gt(mi0, 0.3);
    cr_expect_lt(fabs(mi1), 0.1);
    /* explicit time indices: times 10*i with window 10 is the same exclusion */
    int64_t *times = malloc(n * sizeof *times);
    for (size_t i = 0; i < n; i++)
        times[i] = 10 * (int64_t)i;
    p.times = times;
    p.theiler = 10;
    cr_expect_eq(ksg_mi(X, Y, &p), mi1);
    p.theiler = 9;
    cr_expect_eq(ksg_mi(X, Y, &p), mi0);
    free(times);
    free(x);
    free(y);
}

/* ---- permutation surrogates ------------------------------------------------- */

static cs_ksg_significance mi_significance(const double *x, const double *y, size_t n, size_t ns, uint64_t seed)
{
    cs_ksg_params p;
    cs_ksg_params_default(&p);
    cs_ksg *plan;
    cr_assert_eq(cs_ksg_mi_create(cs_matrix_view((double *)x, n, 1), cs_matrix_view((double *)y, n, 1), &p, &plan),
                 CS_OK);
    cs_ksg_significance sig;
    cr_assert_eq(cs_ksg_surrogates(plan, ns, seed, &sig, NULL), CS_OK, "%s", cs_last_error());
    double avg;
    cs_ksg_average(plan, &avg);
    cr_expect_eq(sig.observed, avg, "surrogates leave the observed value alone");
    cr_expect_eq(sig.n_surrogates, ns);
    cs_ksg_destroy(plan);
    return sig;
}

Test(ksg, surrogates_detect_coupling_not_independence)
{
    size_t n = 500, ns = 99;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    gaussian_pair(31, n, 0.6, x, y);
    cs_ksg_significance sig = mi_significance(x, y, n, ns, 5);
    cr_log_info("coupled: MI %.4f p %.3f surrogate mean %.4f sd %.4f", sig.observed, sig.p_value, sig.surrogate_mean,
                sig.surrogate_std);
    /* the null of shuffled data is centred near 0 with the estimator's spread
     * at N = 500 (~0.03); I = 0.22 nats is ~7 null sd away: no surrogate
     * reaches it, so p is the smallest possible, 1 / (1 + 99) */
    cr_expect_lt(fabs(sig.surrogate_mean), 0.02);
    cr_expect(sig.surrogate_std > 0.01 && sig.surrogate_std < 0.06, "sd %g", sig.surrogate_std);
    cr_expect_eq(sig.n_greater_equal, 0);
    cr_expect_eq(sig.p_value, 1.0 / 100.0);

    /* Independent data: p is uniform on the grid k/100. Over 10 data sets at
     * most 3 may fall <= 0.05 (binomial tail P(> 3) = 1e-3) and the mean p
     * must lie in (0.2, 0.8) (3.3 sd of a mean of 10 uniforms). */
    int small = 0;
    double sum_p = 0;
    for (uint64_t d = 0; d < 10; d++) {
        gaussian_pair(100 + d, n, 0.0, x, y);
        sig = mi_significance(x, y, n, ns, 1000 + d);
        small += sig.p_value <= 0.05;
        sum_p += sig.p_value;
    }
    cr_log_info("independent: %d of 10 p <= 0.05, mean p %.3f", small, sum_p / 10);
    cr_expect_leq(small, 3);
    cr_expect(sum_p / 10 > 0.2 && sum_p / 10 < 0.8, "mean p %.3f", sum_p / 10);
    free(x);
    free(y);
}

/* Each surrogate must equal a from-scratch estimate on data whose x rows are
 * permuted by the same permutation: this checks that the reused structures
 * (MI: both marginals with a row map; CMI: the (y,z) and z spaces) give the
 * same answer as rebuilding everything, Theiler window included. */
Test(ksg, surrogates_equal_estimates_on_permuted_data)
{
    size_t n = 400, ns = 4;
    double *J = malloc(n * 4 * sizeof *J), *Jp = malloc(n * 4 * sizeof *Jp);
    cs_rng *rng;
    cs_rng_create(8, &rng);
    for (size_t i = 0; i < n; i++) {
        double c = cs_rng_gaussian(rng, 1);
        for (size_t q = 0; q < 4; q++)
            J[i * 4 + q] = c + cs_rng_gaussian(rng, 1);
    }
    cs_rng_destroy(rng);
    size_t *perm = malloc(n * sizeof *perm);
    /* layouts: x = 2 columns (kd-tree marginal) or 1 (sorted array) */
    for (size_t dx = 1; dx <= 2; dx++) {
        for (size_t dz = 0; dz <= 1; dz++) {
            size_t dy = 1;
            for (int alg = 1; alg <= 2; alg++) {
                cs_ksg_params p;
                cs_ksg_params_default(&p);
                p.algorithm = alg;
                p.normalize = 0; /* so permuting rows cannot change the data's scaling */
                p.theiler = 3;
                cs_matrix X = {J, n, dx, 4}, Y = {J + dx, n, dy, 4}, Z = {J + dx + dy, n, dz, 4};
                if (!dz)
                    Z.data = NULL;
                cs_ksg *plan;
                cr_assert_eq(cs_ksg_cmi_create(X, Y, Z, &p, &plan), CS_OK);
                double vals[4];
                cs_ksg_significance sig;
                cr_assert_eq(cs_ksg_surrogates(plan, ns, 123, &sig, vals), CS_OK);
                cs_ksg_destroy(plan);
                for (size_t s = 0; s < ns; s++) {
                    cs_rng_create_stream(123, s, &rng);
                    cs_rng_permutation(rng, perm, n);
                    cs_rng_destroy(rng);
                    for (size_t i = 0; i < n; i++) {
                        memcpy(Jp + i * 4, J + perm[i] * 4, dx * sizeof *J);
                        memcpy(Jp + i * 4 + dx, J + i * 4 + dx, (4 - dx) * sizeof *J);
                    }
                    cs_matrix Xp = {Jp, n, dx, 4}, Yp = {Jp + dx, n, dy, 4}, Zp = {Jp + dx + dy, n, dz, 4};
                    if (!dz)
                        Zp.data = NULL;
                    double direct = ksg_cmi(Xp, Yp, Zp, &p);
                    cr_expect_eq(vals[s], direct, "dx %zu dz %zu alg %d surrogate %zu: %.15g vs %.15g", dx, dz, alg,
                                 s, vals[s], direct);
                }
            }
        }
    }
    free(perm);
    free(J);
    free(Jp);
}

Test(ksg, surrogates_are_seeded)
{
    size_t n = 300;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    gaussian_pair(41, n, 0.2, x, y);
    cs_ksg_params p;
    cs_ksg_params_default(&p);
    cs_ksg *plan;
    cr_assert_eq(cs_ksg_mi_create(cs_matrix_view(x, n, 1), cs_matrix_view(y, n, 1), &p, &plan), CS_OK);
    double a[5], b[5], c[5];
    cs_ksg_significance sig;
    cr_assert_eq(cs_ksg_surrogates(plan, 5, 1, &sig, a), CS_OK);
    cr_assert_eq(cs_ksg_surrogates(plan, 5, 1, &sig, b), CS_OK);
    cr_assert_eq(cs_ksg_surrogates(plan, 5, 2, &sig, c), CS_OK);
    cr_expect(memcmp(a, b, sizeof a) == 0, "same seed, same surrogates");
    cr_expect(memcmp(a, c, sizeof a) != 0, "another seed, other surrogates");
    cr_expect_eq(cs_ksg_surrogates(plan, 0, 1, &sig, NULL), CS_EINVAL);
    cs_ksg_destroy(plan);
    free(x);
    free(y);
}

/* ---- bad input --------------------------------------------------------------- */

Test(ksg, bad_input_gives_clear_errors)
{
    double x[6] = {1, 2, 3, 4, 5, 6}, y[6] = {2, 1, 4, 3, 6, 5}, c[6] = {3, 3, 3, 3, 3, 3};
    cs_ksg_params p;
    cs_ksg_params_default(&p);
    cs_ksg *plan = (cs_ksg *)0x1;
    cs_matrix X = cs_matrix_view(x, 6, 1), Y = cs_matrix_view(y, 6, 1);

    p.k = 6; /* k >= n */
    cr_expect_eq(cs_ksg_mi_create(X, Y, &p, &plan), CS_EINVAL);
    cr_expect_null(plan);
    cr_expect(strstr(cs_last_error(), "k = 6") && strstr(cs_last_error(), "6"), "%s", cs_last_error());
    p.k = 5; /* k = n - 1 is the largest usable */
    cr_expect_eq(cs_ksg_mi_create(X, Y, &p, &plan), CS_OK);
    cs_ksg_destroy(plan);
    p.k = 0;
    cr_expect_eq(cs_ksg_mi_create(X, Y, &p, &plan), CS_EINVAL);
    p.k = 2;
    p.theiler = 2; /* a middle row keeps only 6 - 5 = 1 candidate */
    cr_expect_eq(cs_ksg_mi_create(X, Y, &p, &plan), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "Theiler"), "%s", cs_last_error());
    p.theiler = 0;
    p.algorithm = 3;
    cr_expect_eq(cs_ksg_mi_create(X, Y, &p, &plan), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "algorithm"), "%s", cs_last_error());
    p.algorithm = 1;
    p.noise_sd = -1;
    cr_expect_eq(cs_ksg_mi_create(X, Y, &p, &plan), CS_EINVAL);
    p.noise_sd = NAN;
    cr_expect_eq(cs_ksg_mi_create(X, Y, &p, &plan), CS_EINVAL);
    p.noise_sd = 0;

    y[3] = NAN;
    cr_expect_eq(cs_ksg_mi_create(X, Y, &p, &plan), CS_ENONFINITE);
    cr_expect_str_eq(cs_last_error(), "y: NaN at row 3, column 0");
    y[3] = 3;
    x[5] = INFINITY;
    cr_expect_eq(cs_ksg_mi_create(X, Y, &p, &plan), CS_ENONFINITE);
    cr_expect_str_eq(cs_last_error(), "x: Inf at row 5, column 0");
    x[5] = 6;

    /* constant column: an error with z-scoring, allowed without */
    cs_matrix C = cs_matrix_view(c, 6, 1);
    cr_expect_eq(cs_ksg_cmi_create(X, Y, C, &p, &plan), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "z column 0 is constant"), "%s", cs_last_error());
    p.normalize = 0;
    cr_expect_eq(cs_ksg_cmi_create(X, Y, C, &p, &plan), CS_OK, "%s", cs_last_error());
    double v;
    cr_expect_eq(cs_ksg_average(plan, &v), CS_OK);
    cr_expect(isfinite(v));
    cs_ksg_destroy(plan);
    p.normalize = 1;

    /* mismatched rows, empty input */
    cs_matrix Y5 = cs_matrix_view(y, 5, 1);
    cr_expect_eq(cs_ksg_mi_create(X, Y5, &p, &plan), CS_ESHAPE);
    cr_expect(strstr(cs_last_error(), "y has 5 rows but x has 6"), "%s", cs_last_error());
    cr_expect_eq(cs_ksg_cmi_create(X, Y, Y5, &p, &plan), CS_ESHAPE);
    cs_matrix E = {x, 0, 1, 1};
    cr_expect_eq(cs_ksg_mi_create(E, E, &p, &plan), CS_ESHAPE);
    cs_matrix none = {NULL, 6, 0, 0};
    cr_expect_eq(cs_ksg_mi_create(X, none, &p, &plan), CS_ESHAPE);
    cr_expect(strstr(cs_last_error(), "y has no columns"), "%s", cs_last_error());
}

/* ---- TE and AIS through cogscope/embed.h ----------------------------------- */

Test(ksg, te_via_embedding_matches_trentool)
{
    cs_matrix d;
    cr_assert_eq(cs_table_read(DATA("2coupledRandomCols-1.txt"), &d), CS_OK);
    size_t n = d.rows;
    /* TRENTOOL's convention: z-score each whole series, then embed */
    for (size_t c = 0; c < 2; c++) {
        double m = 0, v = 0;
        for (size_t i = 0; i < n; i++)
            m += d.data[i * 2 + c];
        m /= (double)n;
        for (size_t i = 0; i < n; i++)
            v += (d.data[i * 2 + c] - m) * (d.data[i * 2 + c] - m);
        for (size_t i = 0; i < n; i++)
            d.data[i * 2 + c] = (d.data[i * 2 + c] - m) / sqrt(v / (double)(n - 1));
    }
    const double expect[2] = {0.3058006, -0.0029744}; /* ksg.json, TRENTOOL via JIDT */
    for (size_t dir = 0; dir < 2; dir++) {
        cs_matrix src = column(d, dir), dst = column(d, 1 - dir), none = {NULL, 0, 0, 0};
        cs_embed_params ep;
        cs_embed_params_default(&ep);
        cs_embedding e;
        cr_assert_eq(cs_embed_te(src, dst, none, &ep, &e), CS_OK, "%s", cs_last_error());
        cr_assert_eq(e.n, 99);
        cs_ksg_params p;
        cs_ksg_params_default(&p);
        p.normalize = 0;
        cs_ksg *plan;
        cr_assert_eq(cs_ksg_embedding_create(&e, &p, &plan), CS_OK, "%s", cs_last_error());
        double te;
        cs_ksg_average(plan, &te);
        cr_expect(fabs(te - expect[dir]) < 1e-6, "dir %zu: %.9f vs %.7f", dir, te, expect[dir]);
        cs_ksg_destroy(plan);
        cs_embedding_free(&e);
    }
    cs_matrix_free(&d);
}

/* X_t = a X_{t-1} + e_x, Y_t = b Y_{t-1} + c X_{t-1} + e_y (unit noise):
 * closed-form TE in tests/data/gaussian_analytic.json ("te_ar1", analytic),
 * and AIS of X with history 1 = -0.5 ln(1 - a^2). */
Test(ksg, te_and_ais_of_coupled_ar1_closed_form)
{
    char *ref = tu_slurp(DATA("gaussian_analytic.json"));
    cr_assert(ref);
    double a = json_number(ref, "te_ar1", "a"), b = json_number(ref, "te_ar1", "b"),
           c = json_number(ref, "te_ar1", "c");
    double te_xy = json_number(ref, "te_ar1", "te_x_to_y"), te_yx = json_number(ref, "te_ar1", "te_y_to_x");
    free(ref);
    size_t n = 10001, burn = 1000;
    cs_matrix xy;
    cr_assert_eq(cs_matrix_alloc(n, 2, &xy), CS_OK);
    cs_rng *rng;
    cs_rng_create(4242, &rng);
    double x = 0, y = 0;
    for (size_t t = 0; t < n + burn; t++) {
        double xn = a * x + cs_rng_gaussian(rng, 1);
        double yn = b * y + c * x + cs_rng_gaussian(rng, 1);
        x = xn;
        y = yn;
        if (t >= burn) {
            xy.data[(t - burn) * 2] = x;
            xy.data[(t - burn) * 2 + 1] = y;
        }
    }
    cs_rng_destroy(rng);
    cs_matrix none = {NULL, 0, 0, 0};
    cs_embed_params ep;
    cs_embed_params_default(&ep);
    cs_ksg_params p;
    cs_ksg_params_default(&p);
    double got[2];
    for (size_t dir = 0; dir < 2; dir++) {
        cs_embedding e;
        cr_assert_eq(cs_embed_te(column(xy, dir), column(xy, 1 - dir), none, &ep, &e), CS_OK);
        cs_ksg *plan;
        cr_assert_eq(cs_ksg_embedding_create(&e, &p, &plan), CS_OK, "%s", cs_last_error());
        cs_ksg_average(plan, &got[dir]);
        cs_ksg_destroy(plan);
        cs_embedding_free(&e);
    }
    /* tolerance: KSG-1 CMI in 3-D at N = 1e4 has sd 0.008 and bias < +0.004
     * (the CMI closed-form test above), so 0.035 */
    cr_log_info("TE x->y %.4f (analytic %.4f), y->x %.4f (analytic %.4f)", got[0], te_xy, got[1], te_yx);
    cr_expect(fabs(got[0] - te_xy) < GAUSS_TOL, "TE x->y %.4f vs %.4f", got[0], te_xy);
    cr_expect(fabs(got[1] - te_yx) < GAUSS_TOL, "TE y->x %.4f vs %.4f", got[1], te_yx);

    cs_embedding e;
    cr_assert_eq(cs_embed_ais(column(xy, 0), 1, 1, &e), CS_OK);
    cs_ksg *plan;
    cr_assert_eq(cs_ksg_embedding_create(&e, &p, &plan), CS_OK, "%s", cs_last_error());
    double ais, truth = -0.5 * log(1 - a * a);
    cs_ksg_average(plan, &ais);
    cr_log_info("AIS %.4f (analytic %.4f)", ais, truth);
    cr_expect(fabs(ais - truth) < GAUSS_TOL, "AIS %.4f vs %.4f", ais, truth);
    cs_ksg_destroy(plan);
    cs_embedding_free(&e);
    cs_matrix_free(&xy);
}

Test(ksg, conditional_te_embedding_equals_manual_cmi)
{
    /* TE(x -> y | z) through cs_ksg_embedding_create gathers the conditioning
     * set (past | cond) from the embedding; it must equal the CMI planned by
     * hand from the same blocks (JIDT's ConditionalTransferEntropy layout). */
    size_t n = 600;
    cs_matrix s;
    cr_assert_eq(cs_matrix_alloc(n, 3, &s), CS_OK);
    cs_rng *rng;
    cs_rng_create(9, &rng);
    for (size_t t = 0; t < n; t++) {
        double z = cs_rng_gaussian(rng, 1);
        double x = (t ? 0.5 * s.data[(t - 1) * 3] : 0) + cs_rng_gaussian(rng, 1);
        double y = (t ? 0.4 * s.data[(t - 1) * 3] + 0.4 * s.data[(t - 1) * 3 + 2] : 0) + cs_rng_gaussian(rng, 1);
        s.data[t * 3] = x;
        s.data[t * 3 + 1] = y;
        s.data[t * 3 + 2] = z;
    }
    cs_rng_destroy(rng);
    cs_embed_params ep;
    cs_embed_params_default(&ep);
    ep.k = 2;
    cs_embedding e;
    cr_assert_eq(cs_embed_te(column(s, 0), column(s, 1), column(s, 2), &ep, &e), CS_OK, "%s", cs_last_error());
    cr_assert(e.d_cond == 1 && e.d_past == 2 && e.d_source == 1);
    for (int alg = 1; alg <= 2; alg++) {
        cs_ksg_params p;
        cs_ksg_params_default(&p);
        p.algorithm = alg;
        p.theiler = 2;
        cs_ksg *plan;
        cr_assert_eq(cs_ksg_embedding_create(&e, &p, &plan), CS_OK, "%s", cs_last_error());
        double te_e;
        cs_ksg_average(plan, &te_e);
        cs_ksg_destroy(plan);
        double *cond = malloc(e.n * 3 * sizeof *cond);
        for (size_t i = 0; i < e.n; i++) {
            const double *r = cs_matrix_row(e.data, i);
            cond[i * 3] = r[e.past];
            cond[i * 3 + 1] = r[e.past + 1];
            cond[i * 3 + 2] = r[e.cond];
        }
        cs_matrix src = {e.data.data + e.source, e.n, 1, e.data.stride},
                  fut = {e.data.data + e.future, e.n, 1, e.data.stride}, Z = cs_matrix_view(cond, e.n, 3);
        double te_m = ksg_cmi(src, fut, Z, &p);
        cr_expect_eq(te_e, te_m, "alg %d: %.15g vs %.15g", alg, te_e, te_m);
        free(cond);
    }
    cs_embedding_free(&e);
    cs_matrix_free(&s);
}

Test(ksg, large_plan_parallel_build_is_thread_independent)
{
    /* above 40000 rows the trees are built with OpenMP tasks and the
     * marginal structures concurrently: the answer must not change */
    size_t n = 45000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    gaussian_pair(55, n, 0.6, x, y);
    double *l1 = malloc(n * sizeof *l1), *l2 = malloc(n * sizeof *l2), a1, a2;
    for (int th = 1; th <= 2; th++) {
        cs_ksg_params p;
        cs_ksg_params_default(&p);
        p.threads = th;
        cs_ksg *plan;
        cr_assert_eq(cs_ksg_mi_create(cs_matrix_view(x, n, 1), cs_matrix_view(y, n, 1), &p, &plan), CS_OK);
        cr_assert_eq(cs_ksg_local(plan, th == 1 ? l1 : l2, th == 1 ? &a1 : &a2), CS_OK);
        cs_ksg_destroy(plan);
    }
    cr_expect_eq(a1, a2);
    cr_expect(memcmp(l1, l2, n * sizeof *l1) == 0);
    free(l1);
    free(l2);
    free(x);
    free(y);
}

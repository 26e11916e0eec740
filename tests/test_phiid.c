/* PhiID: Gaussian MMI atoms of a 2-node VAR(1) against phyid's exact values,
 * Gaussian CCS against brute-force Monte Carlo, discrete systems with known
 * decompositions, the atom identities, the series paths, bad input and the
 * `cogscope estimate phiid` command.
 *
 * Reference values (copied into tests/data with their sources):
 *   phiid_gaussian.json  exact Gaussian PhiID-MMI of X_t = A X_{t-1} + eps,
 *                        A = [[.4,.4],[.4,.4]], eps ~ N(0, I), tau = 1: phyid's
 *                        pipeline on the exact covariance (shared reference set)
 *   pid_ccs_mc.json      PhiID-CCS atoms by brute-force Monte Carlo (2e7 samples
 *                        of the exact Gaussian through phyid's CCS rules,
 *                        tests/data/gen_pid_ccs_mc.py), with standard errors */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/phiid.h"
#include "cogscope/rng.h"
#include "testutil.h"

#define DATA(f) COGSCOPE_TEST_DATA "/" f
#define LN2 0.69314718055994530942

static const char *find_key(const char *text, const char *key)
{
    char q[128];
    snprintf(q, sizeof q, "\"%s\"", key);
    const char *p = strstr(text, q);
    cr_assert(p, "key %s missing", key);
    return p + strlen(q) + 1; /* past the ':' */
}

static double num(const char *text, const char *key) { return strtod(find_key(text, key), NULL); }

/* Stationary covariance of X_t = A X_{t-1} + eps (2 nodes), eps ~ N(0, Q),
 * and the covariance of (X1_t, X2_t, X1_{t+1}, X2_{t+1}). The fixed-point
 * iteration S <- A S A^T + Q converges geometrically (spectral radius < 1). */
static void var_cov(const double A[4], const double Q[4], double C[16])
{
    double S[4] = {Q[0], Q[1], Q[2], Q[3]};
    for (int it = 0; it < 5000; it++) {
        double AS[4], N[4];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
                AS[i * 2 + j] = A[i * 2] * S[j] + A[i * 2 + 1] * S[2 + j];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
                N[i * 2 + j] = AS[i * 2] * A[j * 2] + AS[i * 2 + 1] * A[j * 2 + 1] + Q[i * 2 + j];
        memcpy(S, N, sizeof S);
    }
    double AS[4]; /* Cov(X_{t+1}, X_t) = A S */
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            AS[i * 2 + j] = A[i * 2] * S[j] + A[i * 2 + 1] * S[2 + j];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            C[i * 4 + j] = S[i * 2 + j];
            C[(i + 2) * 4 + j + 2] = S[i * 2 + j];
            C[(i + 2) * 4 + j] = AS[i * 2 + j];
            C[i * 4 + j + 2] = AS[j * 2 + i];
        }
}

/* phyid's knowns_to_atoms matrix (rows: rtr, R_xyta, R_xytb, R_xytab, R_abtx,
 * R_abty, R_abtxy, I_xta, I_xtb, I_yta, I_ytb, I_xyta, I_xytb, I_xtab, I_ytab,
 * I_xytab), transcribed from phyid/calculate.py: every known is the sum of
 * its atoms. The library inverts it; here it checks the result. */
static const int M[16][16] = {
    {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, {1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
    {1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, {1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
    {1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, {1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0},
    {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0}, {1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
    {1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}, {1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0},
    {1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0}, {1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0},
    {1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0}, {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0},
    {1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}};

/* MIs of the Gaussian covariance, directly from log-determinants. */
static double gauss_mi(const double *C, const int *a, int na, const int *b, int nb)
{
    int all[4];
    memcpy(all, a, na * sizeof *a);
    memcpy(all + na, b, nb * sizeof *b);
    /* tiny symmetric determinants (<= 4 x 4) by Gaussian elimination */
    double det[3];
    const int *sets[3] = {a, b, all};
    int ns[3] = {na, nb, na + nb};
    for (int s = 0; s < 3; s++) {
        double m[16];
        int n = ns[s];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                m[i * n + j] = C[sets[s][i] * 4 + sets[s][j]];
        double dd = 1;
        for (int k = 0; k < n; k++) {
            dd *= m[k * n + k];
            for (int i = k + 1; i < n; i++) {
                double f = m[i * n + k] / m[k * n + k];
                for (int j = k; j < n; j++)
                    m[i * n + j] -= f * m[k * n + j];
            }
        }
        det[s] = dd;
    }
    return 0.5 * log(det[0] * det[1] / det[2]);
}

/* The 16 knowns reproduced from the atoms must equal the MIs of the
 * covariance (and the atoms sum to tdmi): checks the library's inversion. */
static void check_forward(const cs_phiid_result *r, const double *C)
{
    int p1[1] = {0}, p2[1] = {1}, t1[1] = {2}, t2[1] = {3}, pp[2] = {0, 1}, tt[2] = {2, 3};
    double I[9] = {gauss_mi(C, p1, 1, t1, 1), gauss_mi(C, p1, 1, t2, 1), gauss_mi(C, p2, 1, t1, 1),
                   gauss_mi(C, p2, 1, t2, 1), gauss_mi(C, pp, 2, t1, 1), gauss_mi(C, pp, 2, t2, 1),
                   gauss_mi(C, p1, 1, tt, 2), gauss_mi(C, p2, 1, tt, 2), gauss_mi(C, pp, 2, tt, 2)};
    for (int k = 7; k < 16; k++) {
        double v = 0;
        for (int a = 0; a < 16; a++)
            v += M[k][a] * r->atoms[a];
        cr_expect(fabs(v - I[k - 7]) < 1e-10, "known %d: %.12f vs MI %.12f", k, v, I[k - 7]);
    }
    double s = 0;
    for (int a = 0; a < 16; a++)
        s += r->atoms[a];
    cr_expect(fabs(s - r->tdmi) < 1e-12);
    cr_expect(fabs(r->tdmi - I[8]) < 1e-10);
    cr_expect(fabs(r->phi_wms - (I[8] - I[0] - I[3])) < 1e-10);
    cr_expect(fabs(r->phi_r - r->phi_wms - r->atoms[CS_PHIID_RTR]) < 1e-14);
}

/* PhiID of series with the registry's estimator e at its defaults. */
static cs_status phiid_series(cs_info_estimator e, cs_matrix x1, cs_matrix x2, size_t tau, const cs_pid_params *par,
                              cs_phiid_result *r)
{
    cs_estimator_params p;
    cs_estimator_params_default(e, &p);
    return cs_phiid_estimate(&p, x1, x2, tau, par, r);
}

Test(phiid, gaussian_mmi_reference)
{
    char *ref = tu_slurp(DATA("phiid_gaussian.json"));
    cr_assert(ref);
    double A[4], Q[4] = {1, 0, 0, 1}, C[16];
    /* "A": [[0.4, 0.4], [0.4, 0.4]] */
    const char *p = strchr(find_key(ref, "A"), '[');
    for (int k = 0; k < 4; k++) {
        while (*p && !(*p == '-' || (*p >= '0' && *p <= '9')))
            p++;
        char *end;
        A[k] = strtod(p, &end);
        p = end;
    }
    var_cov(A, Q, C);
    cs_pid_params par;
    cs_pid_params_default(&par);
    cs_phiid_result r;
    cr_assert_eq(cs_phiid_gaussian_cov(C, 1, 1, &par, &r), CS_OK, "%s", cs_last_error());
    double tol = num(ref, "tolerance"); /* 1e-5: values printed with 6 decimals */
    cr_expect(fabs(r.tdmi - num(ref, "tdmi")) < tol, "tdmi %.7f", r.tdmi);
    cr_expect(fabs(r.phi_wms - num(ref, "phi_wms")) < tol, "phi_wms %.7f", r.phi_wms);
    cr_expect(fabs(r.phi_r - num(ref, "phi_r")) < tol, "phi_r %.7f", r.phi_r);
    const char *named[4] = {"rtr", "rts", "str", "sts"};
    const int idx[4] = {CS_PHIID_RTR, CS_PHIID_RTS, CS_PHIID_STR, CS_PHIID_STS};
    const char *atoms = strstr(ref, "\"atoms\"");
    for (int k = 0; k < 4; k++)
        cr_expect(fabs(r.atoms[idx[k]] - num(atoms, named[k])) < tol, "%s %.7f", named[k], r.atoms[idx[k]]);
    double others = num(atoms, "others");
    for (int a = 0; a < CS_PHIID_NATOMS; a++)
        if (a != CS_PHIID_RTR && a != CS_PHIID_RTS && a != CS_PHIID_STR && a != CS_PHIID_STS)
            cr_expect(fabs(r.atoms[a] - others) < tol, "%s = %g", cs_phiid_atom_name(a), r.atoms[a]);
    check_forward(&r, C);
    free(ref);
}

Test(phiid, atom_names_follow_phyid)
{
    const char *names[16] = {"rtr", "rtx", "rty", "rts", "xtr", "xtx", "xty", "xts",
                             "ytr", "ytx", "yty", "yts", "str", "stx", "sty", "sts"};
    for (int a = 0; a < 16; a++)
        cr_expect_str_eq(cs_phiid_atom_name(a), names[a]);
    cr_expect_null(cs_phiid_atom_name(16));
    cr_expect_null(cs_phiid_atom_name(-1));
}

/* Monte Carlo case: covariance (4 x 4) and the atoms with standard errors. */
static void mc_case(const char *ref, const char *name, double *C, double *atoms, double *se)
{
    const char *c = find_key(ref, name);
    const char *p = strchr(find_key(c, "cov"), '[');
    for (int i = 0; i < 4; i++) {
        p = strchr(p + 1, '[');
        char *end;
        const char *q = p + 1;
        for (int j = 0; j < 4; j++) {
            C[i * 4 + j] = strtod(q, &end);
            q = end;
            while (*q == ',' || *q == ' ' || *q == '\n')
                q++;
        }
    }
    const char *a = find_key(c, "atoms"), *s = find_key(c, "stderr");
    for (int k = 0; k < 16; k++) {
        atoms[k] = num(a, cs_phiid_atom_name(k));
        se[k] = num(s, cs_phiid_atom_name(k));
    }
}

/* CCS integration against 2e7-sample Monte Carlo: within 4.5 combined
 * standard errors for every one of the 16 atoms (with 32 comparisons a
 * 4.5-sigma bound keeps false alarms below 1e-4). */
Test(phiid, gaussian_ccs_vs_monte_carlo)
{
    char *ref = tu_slurp(DATA("pid_ccs_mc.json"));
    cr_assert(ref);
    const char *cases[2] = {"phiid_var", "phiid_asym"};
    for (int k = 0; k < 2; k++) {
        double C[16], atoms[16], se[16];
        mc_case(ref, cases[k], C, atoms, se);
        cs_pid_params par;
        cs_pid_params_default(&par);
        par.redundancy = CS_PID_CCS;
        par.ccs_points = 32768;
        cs_phiid_result r;
        cr_assert_eq(cs_phiid_gaussian_cov(C, 1, 1, &par, &r), CS_OK, "%s", cs_last_error());
        for (int a = 0; a < 16; a++) {
            double tol = 4.5 * sqrt(se[a] * se[a] + r.atom_stderr[a] * r.atom_stderr[a]);
            cr_expect(fabs(r.atoms[a] - atoms[a]) <= tol, "%s %s: %.6f vs Monte Carlo %.6f (tol %.2g)", cases[k],
                      cs_phiid_atom_name(a), r.atoms[a], atoms[a], tol);
            cr_expect(r.atom_stderr[a] <= r.ccs_stderr && r.ccs_stderr < 1e-4);
        }
        check_forward(&r, C);
    }
    free(ref);
}

/* Two independent AR(1) processes (X_{t+1} = 0.5 X_t + noise each): all the
 * information is each process's own storage, I = -1/2 ln(1 - 0.5^2) nats.
 * CCS must give xtx = yty = I and exactly 0 elsewhere (every cross local MI
 * vanishes identically, so every filtered redundancy is 0 on every sample);
 * MMI shows the same artefact as for the discrete copy system. */
Test(phiid, gaussian_independent_processes)
{
    double v = 4.0 / 3, l = 0.5 * 4.0 / 3; /* stationary variance, lag-1 covariance */
    double C[16] = {v, 0, l, 0, 0, v, 0, l, l, 0, v, 0, 0, l, 0, v};
    double I = -0.5 * log(1 - 0.25);
    cs_pid_params par;
    cs_pid_params_default(&par);
    cs_phiid_result r;
    par.redundancy = CS_PID_CCS;
    cr_assert_eq(cs_phiid_gaussian_cov(C, 1, 1, &par, &r), CS_OK, "%s", cs_last_error());
    for (int a = 0; a < 16; a++) {
        double e = (a == CS_PHIID_XTX || a == CS_PHIID_YTY) ? I : 0;
        cr_expect(fabs(r.atoms[a] - e) < 1e-12, "ccs %s = %.15f", cs_phiid_atom_name(a), r.atoms[a]);
    }
    cr_expect(fabs(r.phi_wms) < 1e-12 && fabs(r.phi_r) < 1e-12);
    par.redundancy = CS_PID_MMI;
    cr_assert_eq(cs_phiid_gaussian_cov(C, 1, 1, &par, &r), CS_OK);
    const double em[16] = {0, 0, 0, I, 0, I, 0, -I, 0, 0, I, -I, I, -I, -I, 2 * I};
    for (int a = 0; a < 16; a++)
        cr_expect(fabs(r.atoms[a] - em[a]) < 1e-12, "mmi %s = %.15f", cs_phiid_atom_name(a), r.atoms[a]);
    check_forward(&r, C);
}

/* ---- discrete systems with known decompositions ---- */

static size_t ix(size_t a, size_t b, size_t c, size_t d) { return ((a * 2 + b) * 2 + c) * 2 + d; }

/* Every atom (bits) for mmi (em) and ccs (ec). */
static void expect_atoms(const double *p, const double em[16], const double ec[16], const char *what)
{
    size_t dims[4] = {2, 2, 2, 2};
    cs_pid_redundancy reds[2] = {CS_PID_MMI, CS_PID_CCS};
    for (int m = 0; m < 2; m++) {
        const double *expect = m ? ec : em;
        cs_pid_params par;
        cs_pid_params_default(&par);
        par.redundancy = reds[m];
        cs_phiid_result r;
        cr_assert_eq(cs_phiid_table(p, dims, &par, &r), CS_OK, "%s", cs_last_error());
        double s = 0;
        for (int a = 0; a < 16; a++) {
            cr_expect(fabs(r.atoms[a] / LN2 - expect[a]) < 1e-12, "%s (%s): %s = %.15f bits", what,
                      cs_pid_redundancy_name(reds[m]), cs_phiid_atom_name(a), r.atoms[a] / LN2);
            s += r.atoms[a];
        }
        cr_expect(fabs(s - r.tdmi) < 1e-12);
    }
}

/* Four textbook systems (cf. Mediano et al. 2021, "Towards an extended
 * taxonomy of information dynamics via integrated information decomposition"),
 * with the pasts p1, p2 and futures t1, t2 as uniform bits:
 *   copy      t1 = p1, t2 = p2 (independent): storage, xtx = yty = 1 bit
 *   swap      t1 = p2, t2 = p1: transfer, xty = ytx = 1 bit
 *   xor-down  t1 = t2 = p1 xor p2: synergy becoming redundancy, str = 1 bit
 *   redundant p1 = p2 = t1 = t2: redundant storage, rtr = 1 bit
 * CCS gives exactly these. MMI agrees on the last two but, for independent
 * sources, calls I(p1; t1,t2) = I(p2; t1,t2) = 1 bit redundant (its known
 * artefact), which leaves +-1 bits on rts, str, xts, yts, stx, sty, sts. The
 * expected values were computed independently with phyid's definitions
 * (tests/data/gen_phiid_textbook.py). */
Test(phiid, discrete_textbook_systems)
{
    double p[16], em[16], ec[16];
    memset(p, 0, sizeof p), memset(em, 0, sizeof em), memset(ec, 0, sizeof ec);
    for (size_t a = 0; a < 2; a++)
        for (size_t b = 0; b < 2; b++)
            p[ix(a, b, a, b)] = 0.25;
    ec[CS_PHIID_XTX] = ec[CS_PHIID_YTY] = 1;
    em[CS_PHIID_XTX] = em[CS_PHIID_YTY] = 1;
    em[CS_PHIID_RTS] = em[CS_PHIID_STR] = 1;
    em[CS_PHIID_XTS] = em[CS_PHIID_YTS] = em[CS_PHIID_STX] = em[CS_PHIID_STY] = -1;
    em[CS_PHIID_STS] = 2;
    expect_atoms(p, em, ec, "copy");

    memset(p, 0, sizeof p), memset(em, 0, sizeof em), memset(ec, 0, sizeof ec);
    for (size_t a = 0; a < 2; a++)
        for (size_t b = 0; b < 2; b++)
            p[ix(a, b, b, a)] = 0.25;
    ec[CS_PHIID_XTY] = ec[CS_PHIID_YTX] = 1;
    em[CS_PHIID_XTY] = em[CS_PHIID_YTX] = 1;
    em[CS_PHIID_RTS] = em[CS_PHIID_STR] = 1;
    em[CS_PHIID_XTS] = em[CS_PHIID_YTS] = em[CS_PHIID_STX] = em[CS_PHIID_STY] = -1;
    em[CS_PHIID_STS] = 2;
    expect_atoms(p, em, ec, "swap");

    memset(p, 0, sizeof p), memset(em, 0, sizeof em), memset(ec, 0, sizeof ec);
    for (size_t a = 0; a < 2; a++)
        for (size_t b = 0; b < 2; b++)
            p[ix(a, b, a ^ b, a ^ b)] = 0.25;
    em[CS_PHIID_STR] = ec[CS_PHIID_STR] = 1;
    expect_atoms(p, em, ec, "xor-down");

    memset(p, 0, sizeof p), memset(em, 0, sizeof em), memset(ec, 0, sizeof ec);
    p[ix(0, 0, 0, 0)] = p[ix(1, 1, 1, 1)] = 0.5;
    em[CS_PHIID_RTR] = ec[CS_PHIID_RTR] = 1;
    expect_atoms(p, em, ec, "redundant");
}

/* The series path equals the table path on the lagged empirical table, here
 * counted independently; tau = 2 and two-column X2 exercise the plumbing. */
Test(phiid, discrete_series_match_table)
{
    size_t T = 3000, tau = 2;
    double *x1 = malloc(T * sizeof *x1), *x2 = malloc(2 * T * sizeof *x2);
    cs_rng *rng;
    cs_rng_create(21, &rng);
    double a = 0, b0 = 0, b1 = 0;
    for (size_t t = 0; t < T; t++) {
        /* a noisy binary network: X1 copies X2's xor, X2 keeps a memory of X1 */
        double na = cs_rng_uniform(rng) < 0.1 ? 1 - ((int)b0 ^ (int)b1) : (double)((int)b0 ^ (int)b1);
        double nb0 = cs_rng_uniform(rng) < 0.2 ? 1 - a : a;
        double nb1 = cs_rng_uniform(rng) < 0.5;
        a = na, b0 = nb0, b1 = nb1;
        x1[t] = a, x2[2 * t] = b0, x2[2 * t + 1] = b1;
    }
    cs_rng_destroy(rng);
    /* the lagged table: X2's symbol = 2 b0 + b1 (lexicographic, as the library) */
    double p[2 * 4 * 2 * 4] = {0};
    size_t n = T - tau;
    for (size_t t = 0; t < n; t++) {
        size_t k = (size_t)x1[t];
        k = k * 4 + (size_t)(2 * x2[2 * t] + x2[2 * t + 1]);
        k = k * 2 + (size_t)x1[t + tau];
        k = k * 4 + (size_t)(2 * x2[2 * (t + tau)] + x2[2 * (t + tau) + 1]);
        p[k] += 1.0 / (double)n;
    }
    size_t dims[4] = {2, 4, 2, 4};
    for (int m = 0; m < 2; m++) {
        cs_pid_params par;
        cs_pid_params_default(&par);
        par.redundancy = m ? CS_PID_CCS : CS_PID_MMI;
        cs_phiid_result rs, rt;
        cr_assert_eq(phiid_series(CS_EST_DISCRETE, cs_matrix_view(x1, T, 1), cs_matrix_view(x2, T, 2), tau, &par,
                                  &rs),
                     CS_OK, "%s", cs_last_error());
        cr_assert_eq(cs_phiid_table(p, dims, &par, &rt), CS_OK, "%s", cs_last_error());
        cr_expect_eq(rs.n, n);
        for (int k = 0; k < 16; k++)
            cr_expect(fabs(rs.atoms[k] - rt.atoms[k]) < 1e-12, "%s", cs_phiid_atom_name(k));
        cr_expect(fabs(rs.tdmi - rt.tdmi) < 1e-12);
    }
    free(x1), free(x2);
}

/* Simulated VAR(1) series: the Gaussian and Gaussian-copula series paths
 * recover the exact MMI atoms. With N = 2e5 lagged samples the MIs (<= 0.51
 * nats) have standard deviations below 2.5e-3, so 0.012 is ~5 sigma. */
Test(phiid, gaussian_series_recover_exact)
{
    size_t T = 200001;
    double A[4] = {0.6, 0.1, 0.3, 0.2}, Q[4] = {1, 0, 0, 1}, C[16];
    var_cov(A, Q, C);
    double *x = malloc(2 * T * sizeof *x);
    cs_rng *rng;
    cs_rng_create(8, &rng);
    double s0 = 0, s1 = 0;
    for (int burn = 0; burn < 1000; burn++) {
        double n0 = A[0] * s0 + A[1] * s1 + cs_rng_gaussian(rng, 1);
        double n1 = A[2] * s0 + A[3] * s1 + cs_rng_gaussian(rng, 1);
        s0 = n0, s1 = n1;
    }
    for (size_t t = 0; t < T; t++) {
        double n0 = A[0] * s0 + A[1] * s1 + cs_rng_gaussian(rng, 1);
        double n1 = A[2] * s0 + A[3] * s1 + cs_rng_gaussian(rng, 1);
        s0 = n0, s1 = n1;
        x[t] = s0, x[T + t] = s1;
    }
    cs_rng_destroy(rng);
    cs_pid_params par;
    cs_pid_params_default(&par);
    cs_phiid_result exact, g, gc;
    cr_assert_eq(cs_phiid_gaussian_cov(C, 1, 1, &par, &exact), CS_OK);
    cs_matrix m1 = cs_matrix_view(x, T, 1), m2 = cs_matrix_view(x + T, T, 1);
    cr_assert_eq(phiid_series(CS_EST_GAUSSIAN, m1, m2, 1, &par, &g), CS_OK, "%s", cs_last_error());
    cr_assert_eq(phiid_series(CS_EST_GCOPULA, m1, m2, 1, &par, &gc), CS_OK, "%s", cs_last_error());
    cr_expect_eq(g.n, T - 1);
    for (int a = 0; a < 16; a++) {
        cr_expect(fabs(g.atoms[a] - exact.atoms[a]) < 0.012, "gaussian %s: %.5f vs %.5f", cs_phiid_atom_name(a),
                  g.atoms[a], exact.atoms[a]);
        cr_expect(fabs(gc.atoms[a] - exact.atoms[a]) < 0.02, "gcopula %s: %.5f vs %.5f", cs_phiid_atom_name(a),
                  gc.atoms[a], exact.atoms[a]);
    }
    cr_expect(fabs(g.phi_r - exact.phi_r) < 0.012);
    free(x);
}

/* ---- bad input ---- */

Test(phiid, bad_input)
{
    cs_pid_params par;
    cs_pid_params_default(&par);
    cs_phiid_result r;
    double x[10] = {0, 1, 0, 1, 1, 0, 0, 1, 1, 0}, y[10] = {1, 1, 0, 0, 1, 0, 1, 0, 1, 1};
    cs_matrix mx = cs_matrix_view(x, 10, 1), my = cs_matrix_view(y, 10, 1);
    /* tau too long */
    cr_expect_eq(phiid_series(CS_EST_DISCRETE, mx, my, 9, &par, &r), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "tau = 9") != NULL, "%s", cs_last_error());
    cr_expect_eq(phiid_series(CS_EST_GAUSSIAN, mx, my, 10, &par, &r), CS_EINVAL);
    cr_expect_eq(phiid_series(CS_EST_GAUSSIAN, mx, my, 0, &par, &r), CS_EINVAL);
    /* lengths differ */
    cr_expect_eq(phiid_series(CS_EST_DISCRETE, mx, cs_matrix_view(y, 9, 1), 1, &par, &r), CS_ESHAPE);
    /* NaN */
    y[3] = NAN;
    cr_expect_eq(phiid_series(CS_EST_GCOPULA, mx, my, 1, &par, &r), CS_ENONFINITE);
    cr_expect(strstr(cs_last_error(), "X2: NaN at row 3") != NULL, "%s", cs_last_error());
    y[3] = 0;
    /* wb/broja are not PhiID redundancies */
    par.redundancy = CS_PID_BROJA;
    cr_expect_eq(phiid_series(CS_EST_DISCRETE, mx, my, 1, &par, &r), CS_EINVAL);
    par.redundancy = CS_PID_MMI;
    /* singular and non-positive-definite covariances */
    double C[16] = {1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    cr_expect_eq(cs_phiid_gaussian_cov(C, 1, 1, &par, &r), CS_ESINGULAR);
    double D[16] = {1, 0.9, 0.9, 0, 0.9, 1, -0.9, 0, 0.9, -0.9, 1, 0, 0, 0, 0, 1};
    par.redundancy = CS_PID_CCS;
    cr_expect_eq(cs_phiid_gaussian_cov(D, 1, 1, &par, &r), CS_ESINGULAR);
    /* a constant series cannot be Gaussian */
    double c[10] = {2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
    par.redundancy = CS_PID_MMI;
    cr_expect_neq(phiid_series(CS_EST_GAUSSIAN, mx, cs_matrix_view(c, 10, 1), 1, &par, &r), CS_OK);
    /* joint alphabet too large: 300 states each -> 8.1e9 cells */
    size_t T = 300;
    double *u = malloc(2 * T * sizeof *u);
    for (size_t t = 0; t < T; t++)
        u[t] = (double)t, u[T + t] = (double)((t * 7) % T);
    cr_expect_eq(phiid_series(CS_EST_DISCRETE, cs_matrix_view(u, T, 1), cs_matrix_view(u + T, T, 1), 1, &par, &r),
                 CS_ENOMEM);
    cr_expect(strstr(cs_last_error(), "too large") != NULL, "%s", cs_last_error());
    free(u);
    /* table entries */
    double p[16] = {0};
    size_t dims[4] = {2, 2, 2, 2};
    p[0] = 0.5, p[15] = 0.6;
    cr_expect_eq(cs_phiid_table(p, dims, &par, &r), CS_EINVAL);
    p[15] = NAN;
    cr_expect_eq(cs_phiid_table(p, dims, &par, &r), CS_EINVAL);
}

/* ---- the command line ---- */

Test(phiid, cli)
{
    char *dir = tu_tmpdir(), cpath[512], spath[512], args[2048], *out = NULL, *err = NULL;
    double A[4] = {0.4, 0.4, 0.4, 0.4}, Q[4] = {1, 0, 0, 1}, C[16];
    var_cov(A, Q, C);
    snprintf(cpath, sizeof cpath, "%s/cov.txt", dir);
    FILE *f = fopen(cpath, "w");
    for (int i = 0; i < 4; i++)
        fprintf(f, "%.17g %.17g %.17g %.17g\n", C[i * 4], C[i * 4 + 1], C[i * 4 + 2], C[i * 4 + 3]);
    fclose(f);
    snprintf(args, sizeof args, "estimate phiid --cov %s --estimator gaussian --json", cpath);
    cr_assert_eq(tu_cli(args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "\"measure\":\"phiid\"") && strstr(out, "\"atoms\":{\"rtr\":") && strstr(out, "\"sts\":") &&
                  strstr(out, "\"phi_wms\":") && strstr(out, "\"tdmi\":") && strstr(out, "\"units\":\"nats\""),
              "%s", out);
    double rtr = strtod(strstr(out, "\"rtr\":") + 6, NULL);
    double phir = strtod(strstr(out, "\"phi_r\":") + 8, NULL);
    cr_expect(fabs(rtr - 0.21234) < 1e-5 && fabs(phir - 0.298486) < 1e-5, "%s", out);
    free(out), free(err);
    /* --x/--y reorder the rows: swapping the sources swaps xtx and yty */
    snprintf(args, sizeof args, "estimate phiid --cov %s --x 1 --y 0 --estimator gaussian --json", cpath);
    cr_expect_eq(tu_cli(args, NULL, NULL), 0);
    /* a series: the xor-down system, bits by default */
    snprintf(spath, sizeof spath, "%s/series.txt", dir);
    f = fopen(spath, "w");
    cs_rng *rng;
    cs_rng_create(2, &rng);
    for (int t = 0; t < 400; t++)
        fprintf(f, "%d %d\n", (int)cs_rng_below(rng, 2), (int)cs_rng_below(rng, 2));
    cs_rng_destroy(rng);
    fclose(f);
    snprintf(args, sizeof args,
             "estimate phiid --input %s --x 0 --y 1 --tau 1 --estimator discrete --redundancy ccs --json", spath);
    cr_assert_eq(tu_cli(args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "\"units\":\"bits\"") && strstr(out, "\"n\":399") && strstr(out, "\"tau\":1"), "%s", out);
    free(out), free(err);
    /* usage errors and failures */
    cr_expect_eq(tu_cli("estimate phiid --help", &out, NULL), 0);
    cr_expect(strstr(out, "--tau") != NULL);
    free(out);
    snprintf(args, sizeof args, "estimate phiid --input %s --x 0 --y 1 --target 1 --estimator discrete", spath);
    cr_expect_eq(tu_cli(args, NULL, NULL), 2);
    snprintf(args, sizeof args, "estimate phiid --input %s --x 0 --y 1 --estimator discrete --redundancy wb", spath);
    cr_expect_eq(tu_cli(args, NULL, NULL), 2);
    snprintf(args, sizeof args, "estimate phiid --input %s --x 0 --y 1 --tau 399 --estimator gaussian", spath);
    cr_expect_eq(tu_cli(args, NULL, &err), 1);
    cr_expect(strstr(err, "--tau 399") != NULL, "%s", err);
    free(err);
    snprintf(args, sizeof args, "estimate phiid --cov %s --x 2 --y 0 --estimator gaussian", cpath);
    cr_expect_eq(tu_cli(args, NULL, &err), 1);
    cr_expect(strstr(err, "first half") != NULL, "%s", err);
    free(err);
    unlink(cpath), unlink(spath), rmdir(dir);
    free(dir);
}

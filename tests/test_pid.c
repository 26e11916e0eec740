/* PID: discrete I_min, I_mmi, I_ccs, I_broja on tables and samples; Gaussian
 * and Gaussian-copula I_mmi and I_ccs; the BROJA solver's convergence; bad
 * input; the `cogscope estimate pid` command.
 *
 * Reference values (copied into tests/data with their sources):
 *   pid_discrete.json    all four measures on XOR, AND, COPY, RDN, UNQ, SUM, in
 *                        bits, computed with dit's PID classes (shared reference set)
 *   pid_dit_tests.json   gband (I_ccs) and diff (I_broja), values asserted by
 *                        dit's own tests (test_iccs.py, test_ibroja.py)
 *   gaussian_analytic.json  closed-form Gaussian MMI-PID (shared reference set)
 *   pid_ccs_mc.json      Gaussian I_ccs by brute-force Monte Carlo (2e7 samples,
 *                        tests/data/gen_pid_ccs_mc.py: Ince's Iccs_mvn_P2 rule on
 *                        exact Gaussian samples), with standard errors */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/pid.h"
#include "cogscope/rng.h"
#include "testutil.h"

#define DATA(f) COGSCOPE_TEST_DATA "/" f
#define LN2 0.69314718055994530942

/* ---- tiny readers for the reference JSON files ---- */

/* Parse n numbers of the first [...] after `from`. */
static size_t read_numbers(const char *from, double *out, size_t max)
{
    const char *p = strchr(from, '[');
    size_t n = 0;
    if (!p)
        return 0;
    p++;
    while (n < max) {
        char *end;
        double v = strtod(p, &end);
        if (end == p)
            break;
        out[n++] = v;
        p = end;
        while (*p == ' ' || *p == ',' || *p == '\n')
            p++;
        if (*p == ']')
            break;
    }
    return n;
}

/* The section of `text` that starts at "key" (quoted) after `after` (or the start). */
static const char *find_key(const char *text, const char *after, const char *key)
{
    char q[128];
    snprintf(q, sizeof q, "\"%s\"", key);
    const char *start = text;
    if (after) {
        start = strstr(text, after);
        cr_assert(start, "section %s missing", after);
    }
    const char *p = strstr(start, q);
    cr_assert(p, "key %s missing", key);
    return p + strlen(q);
}

/* Outcome strings "x0 x1 y" of a distribution: a table of uniform weights. */
typedef struct {
    char out[16][4];
    size_t n;
    size_t dims[3];
} outcomes;

static void read_outcomes(const char *from, outcomes *o)
{
    const char *p = strchr(from, '[');
    const char *end = strchr(p, ']');
    o->n = 0;
    memset(o->dims, 0, sizeof o->dims);
    while ((p = strchr(p + 1, '"')) && p < end) {
        cr_assert(o->n < 16);
        memcpy(o->out[o->n], p + 1, 3);
        o->out[o->n][3] = 0;
        for (int v = 0; v < 3; v++) {
            size_t s = (size_t)(o->out[o->n][v] - '0') + 1;
            if (s > o->dims[v])
                o->dims[v] = s;
        }
        o->n++;
        p = strchr(p + 1, '"'); /* closing quote */
    }
}

static void outcome_table(const outcomes *o, double *p)
{
    memset(p, 0, o->dims[0] * o->dims[1] * o->dims[2] * sizeof *p);
    for (size_t k = 0; k < o->n; k++) {
        size_t i = o->out[k][0] - '0', j = o->out[k][1] - '0', y = o->out[k][2] - '0';
        p[(i * o->dims[1] + j) * o->dims[2] + y] += 1.0 / (double)o->n;
    }
}

/* Samples whose empirical distribution is exactly the outcome list: each
 * outcome `reps` times, interleaved (row r = outcome r % n). */
static void outcome_samples(const outcomes *o, size_t reps, double *x1, double *x2, double *y)
{
    for (size_t r = 0; r < o->n * reps; r++) {
        const char *s = o->out[r % o->n];
        x1[r] = s[0] - '0', x2[r] = s[1] - '0', y[r] = s[2] - '0';
    }
}

static const char *const dists[] = {"XOR", "AND", "COPY", "RDN", "UNQ", "SUM"};
static const char *const measures[] = {"PID_WB", "PID_MMI", "PID_CCS", "PID_BROJA"};
static const cs_pid_redundancy reds[] = {CS_PID_WB, CS_PID_MMI, CS_PID_CCS, CS_PID_BROJA};

static void expect_atoms(const cs_pid_result *r, const double *ref_bits, double tol, const char *what)
{
    double got[4] = {r->redundancy / LN2, r->unique[0] / LN2, r->unique[1] / LN2, r->synergy / LN2};
    const char *names[4] = {"redundancy", "unique X1", "unique X2", "synergy"};
    for (int a = 0; a < 4; a++)
        cr_expect(fabs(got[a] - ref_bits[a]) <= tol, "%s %s: %.9f bits, reference %.9f", what, names[a], got[a],
                  ref_bits[a]);
    /* the atoms always add up to the joint MI */
    cr_expect(fabs(r->redundancy + r->unique[0] + r->unique[1] + r->synergy - r->mi_joint) < 1e-12,
              "%s: atoms do not sum to I(X1,X2;Y)", what);
}

/* The references are printed with 6 decimals (rounding <= 5e-7 bits) and the
 * solvers are converged to 1e-10 nats, so 1e-6 bits is a tight bound (the
 * reference file's own tolerance is 1e-4). */
#define REF_TOL 1e-6

/* PID of samples with the registry's estimator e at its defaults. */
static cs_status pid_samples(cs_info_estimator e, cs_matrix x1, cs_matrix x2, cs_matrix y, const cs_pid_params *par,
                             cs_pid_result *r)
{
    cs_estimator_params p;
    cs_estimator_params_default(e, &p);
    return cs_pid_estimate(&p, x1, x2, y, par, r);
}

Test(pid, reference_tables)
{
    char *ref = tu_slurp(DATA("pid_discrete.json"));
    cr_assert(ref);
    for (size_t d = 0; d < 6; d++) {
        outcomes o;
        read_outcomes(find_key(ref, "\"distributions\"", dists[d]), &o);
        double p[64];
        outcome_table(&o, p);
        for (int m = 0; m < 4; m++) {
            char sect[64];
            snprintf(sect, sizeof sect, "\"%s\"", measures[m]);
            double expect[4];
            cr_assert_eq(read_numbers(find_key(ref, sect, dists[d]), expect, 4), 4);
            cs_pid_params par;
            cs_pid_params_default(&par);
            par.redundancy = reds[m];
            cs_pid_result r;
            cr_assert_eq(cs_pid_table(p, o.dims[0], o.dims[1], o.dims[2], &par, &r), CS_OK, "%s %s: %s", dists[d],
                         measures[m], cs_last_error());
            char what[64];
            snprintf(what, sizeof what, "%s %s (table)", dists[d], measures[m]);
            expect_atoms(&r, expect, REF_TOL, what);
        }
    }
    free(ref);
}

Test(pid, reference_samples)
{
    char *ref = tu_slurp(DATA("pid_discrete.json"));
    cr_assert(ref);
    for (size_t d = 0; d < 6; d++) {
        outcomes o;
        read_outcomes(find_key(ref, "\"distributions\"", dists[d]), &o);
        size_t reps = 25, n = o.n * reps;
        double *x1 = malloc(n * sizeof *x1), *x2 = malloc(n * sizeof *x2), *y = malloc(n * sizeof *y);
        outcome_samples(&o, reps, x1, x2, y);
        for (int m = 0; m < 4; m++) {
            char sect[64];
            snprintf(sect, sizeof sect, "\"%s\"", measures[m]);
            double expect[4];
            read_numbers(find_key(ref, sect, dists[d]), expect, 4);
            cs_pid_params par;
            cs_pid_params_default(&par);
            par.redundancy = reds[m];
            cs_pid_result r;
            cr_assert_eq(pid_samples(CS_EST_DISCRETE, cs_matrix_view(x1, n, 1), cs_matrix_view(x2, n, 1),
                                     cs_matrix_view(y, n, 1), &par, &r),
                         CS_OK, "%s: %s", dists[d], cs_last_error());
            char what[64];
            snprintf(what, sizeof what, "%s %s (samples)", dists[d], measures[m]);
            expect_atoms(&r, expect, REF_TOL, what);
        }
        free(x1), free(x2), free(y);
    }
    free(ref);
}

Test(pid, dit_test_values)
{
    char *ref = tu_slurp(DATA("pid_dit_tests.json"));
    cr_assert(ref);
    const char *names[2] = {"gband", "diff"}, *keys[2] = {"gband_ccs", "diff_broja"};
    cs_pid_redundancy r2[2] = {CS_PID_CCS, CS_PID_BROJA};
    for (int k = 0; k < 2; k++) {
        outcomes o;
        read_outcomes(find_key(ref, "\"distributions\"", names[k]), &o);
        double p[64], expect[4];
        outcome_table(&o, p);
        read_numbers(find_key(ref, "\"values\"", keys[k]), expect, 4);
        cs_pid_params par;
        cs_pid_params_default(&par);
        par.redundancy = r2[k];
        par.tol = 1e-12;
        cs_pid_result r;
        cr_assert_eq(cs_pid_table(p, o.dims[0], o.dims[1], o.dims[2], &par, &r), CS_OK, "%s", cs_last_error());
        /* dit's values are given to 16 digits; our solvers are converged to 1e-12 nats */
        expect_atoms(&r, expect, 1e-9, keys[k]);
    }
    free(ref);
}

/* Random tables with some zero cells (x^3 skews them; `zero` of the cells are 0). */
static void random_table(cs_rng *rng, size_t n, double zero, double *p)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double u = cs_rng_uniform(rng);
        p[i] = u < zero ? 0 : pow(cs_rng_uniform(rng), 3);
        s += p[i];
    }
    for (size_t i = 0; i < n; i++)
        p[i] /= s;
}

/* I(X1,X2;Y) of a table, straight from the definition. */
static double joint_mi(const double *q, size_t n1, size_t n2, size_t ny)
{
    double *pxy = calloc(n1 * n2, sizeof *pxy), *py = calloc(ny, sizeof *py), mi = 0;
    for (size_t c = 0; c < n1 * n2 * ny; c++)
        pxy[c / ny] += q[c], py[c % ny] += q[c];
    for (size_t c = 0; c < n1 * n2 * ny; c++)
        if (q[c] > 0)
            mi += q[c] * log(q[c] / (pxy[c / ny] * py[c % ny]));
    free(pxy), free(py);
    return mi;
}

/* BROJA on random tables: the certified gap reaches 1e-12 nats in a few
 * iterations, and no member of Delta_P found by an independent search (random
 * tables rescaled onto the marginals, then improved by random pairwise
 * transfers that keep the marginals) has a smaller I(X1,X2;Y). */
Test(pid, broja_convergence)
{
    cs_rng *rng;
    cs_rng_create(7, &rng);
    const size_t shapes[5][3] = {{2, 2, 2}, {3, 4, 3}, {4, 4, 2}, {5, 5, 5}, {8, 8, 4}};
    for (int s = 0; s < 5; s++) {
        size_t n1 = shapes[s][0], n2 = shapes[s][1], ny = shapes[s][2], n = n1 * n2 * ny;
        double *p = malloc(n * sizeof *p), *q = malloc(n * sizeof *q);
        random_table(rng, n, s % 2 ? 0.3 : 0.0, p);
        cs_pid_params par;
        cs_pid_params_default(&par);
        par.redundancy = CS_PID_BROJA;
        par.tol = 1e-12;
        cs_pid_result r;
        cr_assert_eq(cs_pid_table(p, n1, n2, ny, &par, &r), CS_OK, "%s", cs_last_error());
        cr_expect(r.solver_gap <= 1e-12, "gap %g", r.solver_gap);
        cr_expect(r.solver_iterations < 100, "%d iterations", r.solver_iterations);
        /* BROJA's atoms are non-negative (up to the gap) and R <= min_i I(X_i;Y) */
        cr_expect(r.unique[0] >= -1e-11 && r.unique[1] >= -1e-11 && r.synergy >= -1e-11,
                  "shape %zu: U %g %g S %g R %g I1 %g I2 %g", n1, r.unique[0], r.unique[1], r.synergy, r.redundancy,
                  r.mi_sources[0], r.mi_sources[1]);
        cr_expect(r.redundancy <= fmin(r.mi_sources[0], r.mi_sources[1]) + 1e-11);
        double min_i = r.mi_joint - r.synergy; /* the solver's min over Delta_P */
        /* independent search: start from p and from the conditionally independent
         * table, apply random marginal-preserving 2x2 transfers, keep improvements */
        double *py = calloc(ny, sizeof *py), *p1y = calloc(n1 * ny, sizeof *p1y), *p2y = calloc(n2 * ny, sizeof *p2y);
        for (size_t c = 0; c < n; c++) {
            size_t i = c / (n2 * ny), j = (c / ny) % n2, k = c % ny;
            py[k] += p[c], p1y[i * ny + k] += p[c], p2y[j * ny + k] += p[c];
        }
        for (int start = 0; start < 2; start++) {
            for (size_t c = 0; c < n; c++) {
                size_t i = c / (n2 * ny), j = (c / ny) % n2, k = c % ny;
                q[c] = start == 0 ? p[c] : (py[k] > 0 ? p1y[i * ny + k] * p2y[j * ny + k] / py[k] : 0);
            }
            double best = joint_mi(q, n1, n2, ny);
            cr_expect(best >= min_i - 1e-12, "a starting point beats the solver: %.15g < %.15g", best, min_i);
            for (int it = 0; it < 20000; it++) {
                size_t k = cs_rng_below(rng, ny), i = cs_rng_below(rng, n1), i2 = cs_rng_below(rng, n1),
                       j = cs_rng_below(rng, n2), j2 = cs_rng_below(rng, n2);
                if (i == i2 || j == j2)
                    continue;
                double *a = &q[(i * n2 + j) * ny + k], *b = &q[(i * n2 + j2) * ny + k],
                       *c2 = &q[(i2 * n2 + j) * ny + k], *d = &q[(i2 * n2 + j2) * ny + k];
                double room = fmin(*b, *c2);
                if (!(room > 0))
                    continue;
                double t = room * cs_rng_uniform(rng);
                *a += t, *d += t, *b -= t, *c2 -= t;
                double v = joint_mi(q, n1, n2, ny);
                if (v <= best)
                    best = v;
                else
                    *a -= t, *d -= t, *b += t, *c2 += t;
            }
            cr_expect(best >= min_i - 1e-12, "the search found %.15g < solver %.15g (shape %zu)", best, min_i, n1);
        }
        free(py), free(p1y), free(p2y), free(p), free(q);
    }
    cs_rng_destroy(rng);
}

Test(pid, broja_reports_nonconvergence)
{
    cs_rng *rng;
    cs_rng_create(3, &rng);
    double p[5 * 5 * 5];
    random_table(rng, 125, 0.3, p);
    cs_rng_destroy(rng);
    cs_pid_params par;
    cs_pid_params_default(&par);
    par.redundancy = CS_PID_BROJA;
    par.tol = 1e-300; /* unreachable */
    par.max_iter = 3;
    cs_pid_result r;
    cr_expect_eq(cs_pid_table(p, 5, 5, 5, &par, &r), CS_ENOCONV);
    cr_expect(strstr(cs_last_error(), "certified gap") != NULL, "%s", cs_last_error());
}

/* Identities on random tables for every measure. */
Test(pid, atom_identities)
{
    cs_rng *rng;
    cs_rng_create(11, &rng);
    for (int t = 0; t < 6; t++) {
        size_t n1 = 2 + t % 3, n2 = 3, ny = 2 + t % 2, n = n1 * n2 * ny;
        double p[64];
        random_table(rng, n, t % 2 ? 0.25 : 0, p);
        double red[4];
        for (int m = 0; m < 4; m++) {
            cs_pid_params par;
            cs_pid_params_default(&par);
            par.redundancy = reds[m];
            cs_pid_result r;
            cr_assert_eq(cs_pid_table(p, n1, n2, ny, &par, &r), CS_OK, "%s", cs_last_error());
            cr_expect(fabs(r.redundancy + r.unique[0] + r.unique[1] + r.synergy - r.mi_joint) < 1e-12);
            cr_expect(fabs(r.redundancy + r.unique[0] - r.mi_sources[0]) < 1e-12);
            cr_expect(fabs(r.omega - r.synergy / r.mi_joint) < 1e-12);
            red[m] = r.redundancy;
        }
        /* I_min, I_broja <= I_mmi (each is at most min_i I(X_i;Y)) */
        cr_expect(red[0] <= red[1] + 1e-12 && red[3] <= red[1] + 1e-10);
    }
    cs_rng_destroy(rng);
}

/* ---- Gaussian ---- */

static double json_num(const char *text, const char *section, const char *key)
{
    return strtod(find_key(text, section, key) + 1, NULL); /* skip ':' */
}

Test(pid, gaussian_mmi_analytic)
{
    /* gaussian_analytic.json "pid_mmi_gaussian": X1, X2 ~ N(0,1) independent,
     * Y = X1 + X2 + e, Var(e) = 0.25 -> cov [[1,0,1],[0,1,1],[1,1,2.25]] */
    char *ref = tu_slurp(DATA("gaussian_analytic.json"));
    cr_assert(ref);
    double cov[9] = {1, 0, 1, 0, 1, 1, 1, 1, 2.25};
    cs_pid_params par;
    cs_pid_params_default(&par);
    par.redundancy = CS_PID_MMI;
    cs_pid_result r;
    cr_assert_eq(cs_pid_gaussian_cov(cov, 1, 1, 1, &par, &r), CS_OK, "%s", cs_last_error());
    const char *sec = "\"pid_mmi_gaussian\"";
    /* closed forms printed with 10 decimals */
    cr_expect(fabs(r.mi_sources[0] - json_num(ref, sec, "I_Y_Xi")) < 1e-9);
    cr_expect(fabs(r.mi_joint - json_num(ref, sec, "I_Y_X1X2")) < 1e-9);
    cr_expect(fabs(r.redundancy - json_num(ref, sec, "redundancy")) < 1e-9);
    cr_expect(fabs(r.unique[0] - json_num(ref, sec, "unique")) < 1e-9);
    cr_expect(fabs(r.unique[1] - json_num(ref, sec, "unique")) < 1e-9);
    cr_expect(fabs(r.synergy - json_num(ref, sec, "synergy")) < 1e-9);
    free(ref);
}

static void mc_case(const char *ref, const char *name, double *cov, size_t *d, double *red, double *se)
{
    const char *c = find_key(ref, NULL, name);
    size_t dd[3];
    double tmp[3];
    read_numbers(find_key(c, NULL, "d"), tmp, 3);
    for (int k = 0; k < 3; k++)
        dd[k] = (size_t)tmp[k], d[k] = dd[k];
    size_t D = dd[0] + dd[1] + dd[2];
    /* "cov": [[...], [...]]: read row by row */
    const char *p = find_key(c, NULL, "cov");
    p = strchr(p, '[');
    for (size_t i = 0; i < D; i++) {
        p = strchr(p + 1, '[');
        read_numbers(p, cov + i * D, D);
    }
    *red = strtod(find_key(c, NULL, "redundancy") + 1, NULL);
    *se = strtod(find_key(c, NULL, "stderr") + 1, NULL);
}

/* The integration against brute-force Monte Carlo: the difference must be
 * within 4 combined standard errors (both are unbiased estimates). */
Test(pid, gaussian_ccs_vs_monte_carlo)
{
    char *ref = tu_slurp(DATA("pid_ccs_mc.json"));
    cr_assert(ref);
    const char *cases[2] = {"pid_sum", "pid_multi"};
    for (int k = 0; k < 2; k++) {
        double cov[16], red, se;
        size_t d[3];
        mc_case(ref, cases[k], cov, d, &red, &se);
        cs_pid_params par;
        cs_pid_params_default(&par);
        par.redundancy = CS_PID_CCS;
        par.ccs_points = 16384;
        cs_pid_result r;
        cr_assert_eq(cs_pid_gaussian_cov(cov, d[0], d[1], d[2], &par, &r), CS_OK, "%s", cs_last_error());
        double tol = 4 * sqrt(se * se + r.ccs_stderr * r.ccs_stderr);
        cr_expect(fabs(r.redundancy - red) <= tol, "%s: %.7f vs Monte Carlo %.7f (tol %.2g)", cases[k], r.redundancy,
                  red, tol);
        cr_expect(r.ccs_stderr > 0 && r.ccs_stderr < 1e-4, "stderr %g", r.ccs_stderr);
        cr_expect(fabs(r.redundancy + r.unique[0] + r.unique[1] + r.synergy - r.mi_joint) < 1e-12);
    }
    free(ref);
}

Test(pid, gaussian_ccs_deterministic_across_threads)
{
    double cov[9] = {1, 0, 1, 0, 1, 1, 1, 1, 2.25};
    cs_pid_params par;
    cs_pid_params_default(&par);
    par.redundancy = CS_PID_CCS;
    par.ccs_points = 1024;
    cs_pid_result a, b, c;
    par.threads = 1;
    cr_assert_eq(cs_pid_gaussian_cov(cov, 1, 1, 1, &par, &a), CS_OK);
    par.threads = 2;
    cr_assert_eq(cs_pid_gaussian_cov(cov, 1, 1, 1, &par, &b), CS_OK);
    cr_expect_eq(a.redundancy, b.redundancy);
    cr_expect_eq(a.ccs_stderr, b.ccs_stderr);
    par.seed = 99; /* another seed: another (statistically equivalent) estimate */
    cr_assert_eq(cs_pid_gaussian_cov(cov, 1, 1, 1, &par, &c), CS_OK);
    cr_expect(a.redundancy != c.redundancy);
    cr_expect(fabs(a.redundancy - c.redundancy) < 6 * sqrt(2) * a.ccs_stderr);
}

/* Samples of the analytic system: MMI-PID within sampling error. With
 * N = 1e5 the standard deviation of a Gaussian MI estimate is about
 * sqrt(1 - e^{-2I}) / sqrt(N) < 3.2e-3 nats, so 0.015 is ~5 sigma. */
Test(pid, gaussian_and_gcopula_samples)
{
    size_t n = 100000;
    double *x1 = malloc(n * sizeof *x1), *x2 = malloc(n * sizeof *x2), *y = malloc(n * sizeof *y);
    cs_rng *rng;
    cs_rng_create(5, &rng);
    for (size_t i = 0; i < n; i++) {
        x1[i] = cs_rng_gaussian(rng, 1);
        x2[i] = cs_rng_gaussian(rng, 1);
        y[i] = x1[i] + x2[i] + cs_rng_gaussian(rng, 0.5);
    }
    cs_rng_destroy(rng);
    cs_pid_params par;
    cs_pid_params_default(&par);
    cs_pid_result r;
    cs_matrix m1 = cs_matrix_view(x1, n, 1), m2 = cs_matrix_view(x2, n, 1), my = cs_matrix_view(y, n, 1);
    cr_assert_eq(pid_samples(CS_EST_GAUSSIAN, m1, m2, my, &par, &r), CS_OK, "%s", cs_last_error());
    cr_expect(fabs(r.redundancy - 0.2938933325) < 0.015, "R %g", r.redundancy);
    cr_expect(fabs(r.synergy - 0.8047189562) < 0.015, "S %g", r.synergy);
    cr_expect(fabs(r.mi_joint - 1.0986122887) < 0.015);
    /* gcopula is invariant to monotone transforms of each column */
    for (size_t i = 0; i < n; i++)
        x1[i] = x1[i] * x1[i] * x1[i], y[i] = exp(y[i] / 2);
    cs_pid_result rc;
    cr_assert_eq(pid_samples(CS_EST_GCOPULA, m1, m2, my, &par, &rc), CS_OK, "%s", cs_last_error());
    cr_expect(fabs(rc.redundancy - 0.2938933325) < 0.015, "gcopula R %g", rc.redundancy);
    cr_expect(fabs(rc.mi_joint - 1.0986122887) < 0.03, "gcopula I %g", rc.mi_joint);
    free(x1), free(x2), free(y);
}

/* ---- bad input ---- */

Test(pid, bad_tables)
{
    cs_pid_params par;
    cs_pid_params_default(&par);
    cs_pid_result r;
    double p[8] = {0.25, 0, 0.25, 0, 0.25, 0, 0, 0.25};
    p[3] = NAN;
    cr_expect_eq(cs_pid_table(p, 2, 2, 2, &par, &r), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "x1 = 0, x2 = 1, y = 1") != NULL, "%s", cs_last_error());
    p[3] = -0.1;
    cr_expect_eq(cs_pid_table(p, 2, 2, 2, &par, &r), CS_EINVAL);
    p[3] = 0.1;
    cr_expect_eq(cs_pid_table(p, 2, 2, 2, &par, &r), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "sum to") != NULL);
    /* a target with one value: nothing to decompose */
    double one[8] = {0.25, 0, 0.25, 0, 0.25, 0, 0.25, 0};
    for (int m = 0; m < 4; m++) {
        par.redundancy = reds[m];
        cr_expect_eq(cs_pid_table(one, 2, 2, 2, &par, &r), CS_EINVAL);
        cr_expect(strstr(cs_last_error(), "single value") != NULL, "%s", cs_last_error());
    }
    /* too large for the convex solvers: 40 x 40 x 40 has 3160 constraints */
    size_t n = 40 * 40 * 40;
    double *big = malloc(n * sizeof *big);
    for (size_t c = 0; c < n; c++)
        big[c] = 1.0 / (double)n;
    par.redundancy = CS_PID_BROJA;
    cr_expect_eq(cs_pid_table(big, 40, 40, 40, &par, &r), CS_ELIMIT);
    cr_expect(strstr(cs_last_error(), "limit") != NULL, "%s", cs_last_error());
    par.redundancy = CS_PID_CCS;
    cr_expect_eq(cs_pid_table(big, 40, 40, 40, &par, &r), CS_ELIMIT);
    par.redundancy = CS_PID_MMI; /* no solver: fine */
    cr_expect_eq(cs_pid_table(big, 40, 40, 40, &par, &r), CS_OK);
    free(big);
}

Test(pid, bad_samples)
{
    cs_pid_params par;
    cs_pid_params_default(&par);
    cs_pid_result r;
    double a[6] = {0, 1, 0, 1, 0, 1}, b[6] = {0, 0, 1, 1, 0, 1}, y[6] = {0, 1, 1, 0, 0, 0};
    cs_matrix ma = cs_matrix_view(a, 6, 1), mb = cs_matrix_view(b, 6, 1), my = cs_matrix_view(y, 6, 1);
    cr_expect_eq(pid_samples(CS_EST_DISCRETE, ma, cs_matrix_view(b, 5, 1), my, &par, &r), CS_ESHAPE);
    cr_expect(strstr(cs_last_error(), "differ in length") != NULL);
    b[4] = NAN;
    cr_expect_eq(pid_samples(CS_EST_DISCRETE, ma, mb, my, &par, &r), CS_ENONFINITE);
    cr_expect(strstr(cs_last_error(), "X2: NaN at row 4, column 0") != NULL, "%s", cs_last_error());
    b[4] = INFINITY;
    cr_expect_eq(pid_samples(CS_EST_GAUSSIAN, ma, mb, my, &par, &r), CS_ENONFINITE);
    b[4] = 0.5; /* not a symbol */
    cr_expect_eq(pid_samples(CS_EST_DISCRETE, ma, mb, my, &par, &r), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "X2") != NULL, "%s", cs_last_error());
    b[4] = 0;
    /* a constant target */
    double yc[6] = {1, 1, 1, 1, 1, 1};
    cr_expect_eq(pid_samples(CS_EST_DISCRETE, ma, mb, cs_matrix_view(yc, 6, 1), &par, &r), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "single value") != NULL);
    cr_expect_neq(pid_samples(CS_EST_GAUSSIAN, ma, mb, cs_matrix_view(yc, 6, 1), &par, &r), CS_OK);
    cr_expect_neq(pid_samples(CS_EST_GCOPULA, ma, mb, cs_matrix_view(yc, 6, 1), &par, &r), CS_OK);
    /* wb and broja are discrete-only */
    par.redundancy = CS_PID_BROJA;
    cr_expect_eq(pid_samples(CS_EST_GAUSSIAN, ma, mb, my, &par, &r), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "discrete") != NULL);
    /* a joint alphabet too large for memory: 500 states each = 1.25e8 cells */
    size_t n = 500;
    double *u = malloc(3 * n * sizeof *u);
    for (size_t i = 0; i < n; i++)
        u[i] = (double)i, u[n + i] = (double)((i * 7) % n), u[2 * n + i] = (double)((i * 13) % n);
    par.redundancy = CS_PID_MMI;
    cr_expect_eq(pid_samples(CS_EST_DISCRETE, cs_matrix_view(u, n, 1), cs_matrix_view(u + n, n, 1),
                             cs_matrix_view(u + 2 * n, n, 1), &par, &r),
                 CS_ENOMEM);
    cr_expect(strstr(cs_last_error(), "joint alphabet is too large") != NULL, "%s", cs_last_error());
    free(u);
}

Test(pid, bad_covariances)
{
    cs_pid_params par;
    cs_pid_params_default(&par);
    cs_pid_result r;
    double sing[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1}; /* rank 1 */
    cr_expect_eq(cs_pid_gaussian_cov(sing, 1, 1, 1, &par, &r), CS_ESINGULAR);
    double neg[9] = {1, 0.9, 0.9, 0.9, 1, -0.9, 0.9, -0.9, 1}; /* not positive definite */
    cr_expect_eq(cs_pid_gaussian_cov(neg, 1, 1, 1, &par, &r), CS_ESINGULAR);
    par.redundancy = CS_PID_CCS;
    cr_expect_eq(cs_pid_gaussian_cov(neg, 1, 1, 1, &par, &r), CS_ESINGULAR);
    double asym[9] = {1, 0.2, 0, 0.3, 1, 0, 0, 0, 1};
    cr_expect_eq(cs_pid_gaussian_cov(asym, 1, 1, 1, &par, &r), CS_EINVAL);
    cr_expect(strstr(cs_last_error(), "symmetric") != NULL);
    double nan[9] = {1, 0, 0, 0, NAN, 0, 0, 0, 1};
    cr_expect_eq(cs_pid_gaussian_cov(nan, 1, 1, 1, &par, &r), CS_ENONFINITE);
    par.redundancy = CS_PID_WB;
    double ok[9] = {1, 0, 0.5, 0, 1, 0.5, 0.5, 0.5, 1};
    cr_expect_eq(cs_pid_gaussian_cov(ok, 1, 1, 1, &par, &r), CS_EINVAL);
}

Test(pid, names)
{
    cs_pid_redundancy r;
    for (int k = 0; k < CS_PID_REDUNDANCY_COUNT; k++) {
        cr_expect_eq(cs_pid_redundancy_parse(cs_pid_redundancy_name((cs_pid_redundancy)k), &r), CS_OK);
        cr_expect_eq((int)r, k);
    }
    cr_expect_eq(cs_pid_redundancy_parse("imin", &r), CS_EINVAL);
    cr_expect_null(cs_pid_redundancy_name(CS_PID_REDUNDANCY_COUNT));
}

/* ---- the command line ---- */

Test(pid, cli)
{
    char *dir = tu_tmpdir(), path[512], cpath[512], args[2048], *out = NULL, *err = NULL;
    snprintf(path, sizeof path, "%s/and.txt", dir);
    /* AND gate, each outcome 3 times */
    tu_write(path, "# x1 x2 y\n0 0 0\n0 1 0\n1 0 0\n1 1 1\n0 0 0\n0 1 0\n1 0 0\n1 1 1\n"
                   "0 0 0\n0 1 0\n1 0 0\n1 1 1\n");
    snprintf(args, sizeof args,
             "estimate pid --input %s --x 0 --y 1 --target 2 --estimator discrete --redundancy broja "
             "--json",
             path);
    cr_assert_eq(tu_cli(args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "\"measure\":\"pid\"") && strstr(out, "\"units\":\"bits\"") &&
                  strstr(out, "\"redundancy_measure\":\"broja\"") && strstr(out, "\"unique\":[") &&
                  strstr(out, "\"omega\":") && strstr(out, "\"mi_joint\":") && strstr(out, "\"n\":12"),
              "%s", out);
    double red = strtod(strstr(out, "\"redundancy\":") + 13, NULL);
    cr_expect(fabs(red - 0.311278) < 1e-6, "%s", out);
    free(out), free(err);
    /* nats on request */
    snprintf(args, sizeof args,
             "estimate pid --input %s --x 0 --y 1 --target 2 --estimator discrete --redundancy ccs "
             "--units nats --json",
             path);
    cr_assert_eq(tu_cli(args, &out, &err), 0, "%s", err);
    red = strtod(strstr(out, "\"redundancy\":") + 13, NULL);
    cr_expect(fabs(red - 0.103759 * LN2) < 1e-6, "%s", out);
    free(out), free(err);
    /* Gaussian from a covariance */
    snprintf(cpath, sizeof cpath, "%s/cov.txt", dir);
    tu_write(cpath, "1 0 1\n0 1 1\n1 1 2.25\n");
    snprintf(args, sizeof args, "estimate pid --cov %s --x 0 --y 1 --target 2 --estimator gaussian --json", cpath);
    cr_assert_eq(tu_cli(args, &out, &err), 0, "%s", err);
    cr_expect(strstr(out, "\"units\":\"nats\"") && strstr(out, "\"n\":null"), "%s", out);
    double syn = strtod(strstr(out, "\"synergy\":") + 10, NULL);
    cr_expect(fabs(syn - 0.8047189562) < 1e-9, "%s", out);
    free(out), free(err);
    /* help, usage errors (2), run-time failures (1) */
    cr_expect_eq(tu_cli("estimate pid --help", &out, NULL), 0);
    cr_expect(strstr(out, "--redundancy") != NULL);
    free(out);
    snprintf(args, sizeof args, "estimate pid --input %s --x 0 --y 1 --estimator discrete", path);
    cr_expect_eq(tu_cli(args, NULL, NULL), 2); /* no --target */
    snprintf(args, sizeof args, "estimate pid --input %s --x 0 --y 1 --target 2 --estimator ksg1", path);
    cr_expect_eq(tu_cli(args, NULL, NULL), 2);
    snprintf(args, sizeof args,
             "estimate pid --input %s --x 0 --y 1 --target 2 --estimator gaussian --redundancy broja", path);
    cr_expect_eq(tu_cli(args, NULL, NULL), 2);
    snprintf(args, sizeof args, "estimate pid --input %s --x 0 --y 1 --target 2 --estimator discrete --bogus", path);
    cr_expect_eq(tu_cli(args, NULL, &err), 2);
    cr_expect(strstr(err, "--bogus") != NULL);
    free(err);
    snprintf(args, sizeof args, "estimate pid --input %s --x 0 --y 1 --target 7 --estimator discrete", path);
    cr_expect_eq(tu_cli(args, NULL, &err), 1);
    cr_expect(strstr(err, "--target: column 7 is out of range") != NULL, "%s", err);
    free(err);
    /* NaN in the data: named by file, row and column */
    tu_write(path, "0 0 0\n0 1 nan\n1 0 0\n1 1 1\n");
    snprintf(args, sizeof args, "estimate pid --input %s --x 0 --y 1 --target 2 --estimator gaussian", path);
    cr_expect_eq(tu_cli(args, NULL, &err), 1);
    cr_expect(strstr(err, "NaN at data row 1, column 2 (--target)") != NULL, "%s", err);
    free(err);
    /* a constant target */
    tu_write(path, "0 0 1\n0 1 1\n1 0 1\n1 1 1\n");
    snprintf(args, sizeof args, "estimate pid --input %s --x 0 --y 1 --target 2 --estimator discrete", path);
    cr_expect_eq(tu_cli(args, NULL, &err), 1);
    cr_expect(strstr(err, "single value") != NULL, "%s", err);
    free(err);
    /* a singular covariance */
    tu_write(cpath, "1 1 1\n1 1 1\n1 1 1\n");
    snprintf(args, sizeof args, "estimate pid --cov %s --x 0 --y 1 --target 2 --estimator gaussian", cpath);
    cr_expect_eq(tu_cli(args, NULL, &err), 1);
    cr_expect(strstr(err, "positive definite") != NULL || strstr(err, "singular") != NULL, "%s", err);
    free(err);
    /* a joint alphabet too large for the dense table: 500 states each (issue 4) */
    FILE *f = fopen(path, "w");
    cr_assert(f);
    for (int i = 0; i < 500; i++)
        fprintf(f, "%d %d %d\n", i, (i * 7) % 500, (i * 13) % 500);
    fclose(f);
    snprintf(args, sizeof args, "estimate pid --input %s --x 0 --y 1 --target 2 --estimator discrete", path);
    cr_expect_eq(tu_cli(args, NULL, &err), 1);
    cr_expect(strstr(err, "joint alphabet is too large") && strstr(err, "--bins"), "%s", err);
    free(err);
    unlink(path), unlink(cpath), rmdir(dir);
    free(dir);
}

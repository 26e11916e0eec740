/* Gaussian I_ccs: expectations of sign-filtered local information over
 * z ~ N(0, Sigma), by randomised quasi-Monte Carlo over directions with the
 * radial integral done exactly.
 *
 * With Sigma = L L^T and z = L w, w = sqrt(s) u (u uniform on the unit
 * sphere, s ~ chi^2_d, independent), the local entropy of a subset S is
 *     h_S = 1/2 ln det Sigma_S + 1/2 s |G_S u|^2,   G_S = C_S^-1 L_S,
 * with C_S the Cholesky factor of Sigma_S and L_S the rows S of L. Every
 * local MI and co-information is therefore c + a(u) s, affine in s. For one
 * direction, the zeros of all of them cut (0, inf) into intervals on which
 * every sign is fixed, so each filtered quantity is affine (or 0) there and
 *     int_lo^hi (c + a s) dF_d(s) = c [F_d]_lo^hi + a d [F_{d+2}]_lo^hi
 * (s f_d(s) = d f_{d+2}(s) for the chi^2 densities). What is left is an
 * integral over the sphere of a continuous, piecewise smooth function:
 * Sobol points (Halton beyond 40 dimensions), each shifted modulo 1 by one
 * of R seeded uniform vectors (Cranley-Patterson), mapped to N(0, I) by the
 * inverse normal CDF and normalised. The R shift means are independent
 * unbiased estimates: their mean is returned, their spread gives the
 * standard error. */
#include "pid_ccs.h"

#include "cogscope/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_qrng.h>
#include <gsl/gsl_sf_gamma.h>

#include "gsl_setup.h"

#ifdef _OPENMP
#include <omp.h>
#endif

typedef struct {
    double c, a;
} aff;

typedef struct {
    size_t d;
    const pid_ccs_spec *spec;
    double *G; /* stacked G_S rows, each d long */
    size_t off[PID_CCS_MAX_SUB + 1];
    double hc[PID_CCS_MAX_SUB];  /* 1/2 ln det Sigma_S */
    double mi_c[PID_CCS_MAX_MI]; /* constants of the MIs (the average MIs) */
    double co_c[PID_CCS_MAX_RED];
    double lg; /* lgamma(d/2 + 1) */
} ccs_integrand;

/* F_d(s) and F_{d+2}(s), the chi^2 CDFs; s may be +inf. They are regularised
 * lower incomplete gammas P(a, x), a = d/2, x = s/2, with
 * P(a+1, x) = P(a, x) - x^a e^-x / Gamma(a+1). For d <= 64 the recurrence is
 * run up from P(1, x) = 1 - e^-x or P(1/2, x) = erf(sqrt x) (each step adds an
 * absolute rounding error of ~1e-16, which is all the integration needs, and
 * it is several times faster than the general routine); beyond, GSL's. */
static void chi2_pair(const ccs_integrand *P, double s, double *f0, double *f2)
{
    if (!(s > 0)) {
        *f0 = *f2 = 0;
        return;
    }
    if (isinf(s)) {
        *f0 = *f2 = 1;
        return;
    }
    double x = 0.5 * s, ex = exp(-x), p, a, term;
    if (P->d <= 64) {
        if (P->d % 2 == 0) {
            a = 1, p = 1 - ex, term = x * ex; /* term = x^a e^-x / Gamma(a+1) */
        } else {
            double rx = sqrt(x);
            a = 0.5, p = erf(rx), term = rx * ex / 0.88622692545275801365; /* Gamma(3/2) */
        }
        for (; a < 0.5 * (double)P->d; a += 1) {
            p -= term;
            term *= x / (a + 1);
        }
    } else {
        gsl_sf_result r;
        a = 0.5 * (double)P->d;
        p = gsl_sf_gamma_inc_P_e(a, x, &r) == GSL_SUCCESS ? r.val : (x > a ? 1.0 : 0.0);
        term = exp(a * log(x) - x - P->lg);
    }
    *f0 = p > 0 ? p : 0;
    *f2 = p - term > 0 ? p - term : 0;
}

static inline int sgn_aff(aff f, double s)
{
    if (f.c == 0 && f.a == 0)
        return 0;
    double v = f.c + f.a * s;
    return v > 0 ? 1 : v < 0 ? -1 : 0;
}

/* Snap a difference of terms that cancel in exact arithmetic to 0. */
static inline double snap(double v, double mag) { return fabs(v) <= 1e-12 * mag ? 0.0 : v; }

typedef struct {
    double s, f0, f2;
} bpoint;

static double weight(const ccs_integrand *P, aff f, const bpoint *lo, const bpoint *hi)
{
    return f.c * (hi->f0 - lo->f0) + f.a * (double)P->d * (hi->f2 - lo->f2);
}

/* The local terms along direction u, each affine in s (the chi^2 radius):
 * the local MIs mi[nmi] from the subsets' local entropies, and the local
 * co-informations co[nred] of the redundancies. */
static void direction_terms(const ccs_integrand *P, const double *u, aff *mi, aff *co)
{
    const pid_ccs_spec *sp = P->spec;
    size_t d = P->d;
    double hs[PID_CCS_MAX_SUB];
    for (size_t S = 0; S < sp->nsub; S++) {
        double acc = 0;
        for (size_t r = P->off[S]; r < P->off[S + 1]; r++) {
            const double *g = P->G + r * d;
            double v = 0;
            for (size_t k = 0; k < d; k++)
                v += g[k] * u[k];
            acc += v * v;
        }
        hs[S] = 0.5 * acc;
    }
    for (size_t m = 0; m < sp->nmi; m++) {
        const int *s3 = sp->mi_sub[m];
        double a = hs[s3[0]] + hs[s3[1]] - hs[s3[2]];
        mi[m].c = P->mi_c[m];
        mi[m].a = snap(a, hs[s3[0]] + hs[s3[1]] + hs[s3[2]]);
    }
    for (size_t r = 0; r < sp->nred; r++) {
        const int *m3 = sp->red_mi[r];
        double a = mi[m3[0]].a + mi[m3[1]].a - mi[m3[2]].a;
        co[r].c = P->co_c[r];
        co[r].a = snap(a, fabs(mi[m3[0]].a) + fabs(mi[m3[1]].a) + fabs(mi[m3[2]].a));
    }
}

/* The radii where a term changes sign, with 0 and infinity, sorted, each
 * with its chi^2 CDF pair; returns their count. */
static size_t breakpoints(const ccs_integrand *P, const aff *mi, const aff *co, bpoint *bp)
{
    const pid_ccs_spec *sp = P->spec;
    size_t nbp = 0;
    bp[nbp++].s = 0;
    for (size_t m = 0; m < sp->nmi + sp->nred; m++) {
        aff f = m < sp->nmi ? mi[m] : co[m - sp->nmi];
        if (f.a != 0) {
            double s = -f.c / f.a;
            if (s > 0 && isfinite(s))
                bp[nbp++].s = s;
        }
    }
    bp[nbp++].s = INFINITY;
    for (size_t i = 1; i < nbp; i++) { /* insertion sort: a handful of points */
        double v = bp[i].s;
        size_t j = i;
        while (j > 0 && bp[j - 1].s > v) {
            bp[j].s = bp[j - 1].s;
            j--;
        }
        bp[j].s = v;
    }
    for (size_t i = 0; i < nbp; i++)
        chi2_pair(P, bp[i].s, &bp[i].f0, &bp[i].f2);
    return nbp;
}

/* Add to *out the double co-information's integral over the interval
 * [lo, hi] (mid its test point) where the four filter MIs agree in sign s0,
 * given the redundancies active there (each piece added to *out in turn, so
 * the sum keeps its order). */
static void double_interval(const ccs_integrand *P, const aff *mi, const aff *co, const int *active, double mid,
                            int s0, const bpoint *lo, const bpoint *hi, double *out)
{
    const pid_ccs_spec *sp = P->spec;
    aff dc = {0, 0};
    double mag = 0;
    for (size_t m = 0; m < sp->nmi; m++)
        if (sp->dc_mi[m] != 0) {
            dc.c += sp->dc_mi[m] * mi[m].c;
            dc.a += sp->dc_mi[m] * mi[m].a;
            mag += fabs(mi[m].c) + fabs(mi[m].a) * mid;
        }
    for (size_t r = 0; r < sp->nred; r++)
        if (sp->dc_red[r] != 0 && active[r]) {
            dc.c += sp->dc_red[r] * co[r].c;
            dc.a += sp->dc_red[r] * co[r].a;
            mag += fabs(co[r].c) + fabs(co[r].a) * mid;
        }
    /* the double co-information may change sign inside the interval */
    double root = dc.a != 0 ? -dc.c / dc.a : NAN;
    if (root > lo->s && root < hi->s) {
        bpoint b;
        b.s = root;
        chi2_pair(P, root, &b.f0, &b.f2);
        if (sgn_aff(dc, 0.5 * (lo->s + root)) == s0)
            *out += weight(P, dc, lo, &b);
        double mid2 = isinf(hi->s) ? 2 * root + 1 : 0.5 * (root + hi->s);
        if (sgn_aff(dc, mid2) == s0)
            *out += weight(P, dc, &b, hi);
    } else {
        double v = dc.c + dc.a * mid;
        if (fabs(v) > 1e-12 * (mag + 1e-300) && (v > 0 ? 1 : -1) == s0)
            *out += weight(P, dc, lo, hi);
    }
}

/* Integral over s of every output for the unit direction u; out: nred (+1). */
static void eval_direction(const ccs_integrand *P, const double *u, double *out)
{
    const pid_ccs_spec *sp = P->spec;
    aff mi[PID_CCS_MAX_MI], co[PID_CCS_MAX_RED];
    direction_terms(P, u, mi, co);
    bpoint bp[PID_CCS_MAX_MI + PID_CCS_MAX_RED + 2];
    size_t nbp = breakpoints(P, mi, co, bp);
    size_t nout = sp->nred + (sp->has_double ? 1 : 0);
    for (size_t o = 0; o < nout; o++)
        out[o] = 0;
    for (size_t iv = 0; iv + 1 < nbp; iv++) {
        const bpoint *lo = &bp[iv], *hi = &bp[iv + 1];
        if (!(hi->s > lo->s))
            continue;
        double mid = isinf(hi->s) ? 2 * lo->s + 1 : 0.5 * (lo->s + hi->s);
        int smi[PID_CCS_MAX_MI], active[PID_CCS_MAX_RED];
        for (size_t m = 0; m < sp->nmi; m++)
            smi[m] = sgn_aff(mi[m], mid);
        for (size_t r = 0; r < sp->nred; r++) {
            const int *m3 = sp->red_mi[r];
            int sc = sgn_aff(co[r], mid);
            active[r] = sc != 0 && smi[m3[0]] == sc && smi[m3[1]] == sc && smi[m3[2]] == sc;
            if (active[r])
                out[r] += weight(P, co[r], lo, hi);
        }
        if (!sp->has_double)
            continue;
        int s0 = smi[sp->dfilter[0]];
        if (s0 == 0 || smi[sp->dfilter[1]] != s0 || smi[sp->dfilter[2]] != s0 || smi[sp->dfilter[3]] != s0)
            continue;
        double_interval(P, mi, co, active, mid, s0, lo, hi, &out[sp->nred]);
    }
}

/* The integrand of cov (d x d) for spec: the Cholesky factor L of cov, each
 * subset's G_S = C_S^-1 L_S (stacked in P->G, allocated here; the caller
 * frees it) and 1/2 ln det, and the constant parts of the MIs and
 * redundancies. CS_ESINGULAR when cov or a sub-block is not positive
 * definite. */
static cs_status integrand_prepare(const double *cov, size_t d, const pid_ccs_spec *spec, ccs_integrand *P)
{
    memset(P, 0, sizeof *P);
    P->d = d;
    P->spec = spec;
    P->lg = lgamma(0.5 * (double)d + 1);
    cs_status st = CS_OK;
    double *L = malloc(d * d * sizeof *L), *C = malloc(d * d * sizeof *C);
    size_t rows = 0;
    for (size_t S = 0; S < spec->nsub; S++)
        rows += spec->sub_len[S];
    P->G = calloc((rows ? rows : 1) * d, sizeof *P->G);
    if (!L || !C || !P->G) {
        st = cs_error_set(CS_ENOMEM, "I_ccs integration: out of memory");
        goto out;
    }
    memcpy(L, cov, d * d * sizeof *L);
    gsl_matrix_view Lm = gsl_matrix_view_array(L, d, d);
    if (gsl_linalg_cholesky_decomp1(&Lm.matrix) != GSL_SUCCESS) {
        st = cs_error_set(CS_ESINGULAR, "the covariance (%zu x %zu) is not positive definite", d, d);
        goto out;
    }
    for (size_t i = 0; i < d; i++) /* keep the lower triangle only */
        for (size_t j = i + 1; j < d; j++)
            L[i * d + j] = 0;
    size_t r0 = 0;
    for (size_t S = 0; S < spec->nsub; S++) {
        size_t m = spec->sub_len[S];
        const size_t *idx = spec->sub_idx[S];
        P->off[S] = r0;
        for (size_t a = 0; a < m; a++)
            for (size_t b = 0; b < m; b++)
                C[a * m + b] = cov[idx[a] * d + idx[b]];
        gsl_matrix_view Cm = gsl_matrix_view_array(C, m, m);
        if (gsl_linalg_cholesky_decomp1(&Cm.matrix) != GSL_SUCCESS) {
            st = cs_error_set(CS_ESINGULAR,
                              "a %zu x %zu block of the covariance is not positive "
                              "definite",
                              m, m);
            goto out;
        }
        double ld = 0;
        for (size_t a = 0; a < m; a++)
            ld += log(C[a * m + a]);
        P->hc[S] = ld; /* 1/2 ln det = sum ln diag(C) */
        /* G_S = C_S^-1 L_S by forward substitution, column by column of L_S */
        double *G = P->G + r0 * d;
        for (size_t col = 0; col < d; col++)
            for (size_t a = 0; a < m; a++) {
                double v = L[idx[a] * d + col];
                for (size_t b = 0; b < a; b++)
                    v -= C[a * m + b] * G[b * d + col];
                G[a * d + col] = v / C[a * m + a];
            }
        r0 += m;
    }
    P->off[spec->nsub] = r0;
    for (size_t m = 0; m < spec->nmi; m++) {
        const int *s3 = spec->mi_sub[m];
        double v = P->hc[s3[0]] + P->hc[s3[1]] - P->hc[s3[2]];
        P->mi_c[m] = snap(v, fabs(P->hc[s3[0]]) + fabs(P->hc[s3[1]]) + fabs(P->hc[s3[2]]) + 1);
    }
    for (size_t r = 0; r < spec->nred; r++) {
        const int *m3 = spec->red_mi[r];
        double v = P->mi_c[m3[0]] + P->mi_c[m3[1]] - P->mi_c[m3[2]];
        P->co_c[r] = snap(v, fabs(P->mi_c[m3[0]]) + fabs(P->mi_c[m3[1]]) + fabs(P->mi_c[m3[2]]) + 1);
    }
out:
    free(L);
    free(C);
    return st;
}

/* The mean over N quasi-random directions of every output (nout of them),
 * the points shifted modulo 1 by shift[0..d): means[0..nout). Returns 0
 * when out of memory. */
static int integrate_shift(const ccs_integrand *P, const double *shift, size_t N, size_t nout, double *means)
{
    size_t d = P->d;
    const gsl_qrng_type *T = d <= 40 ? gsl_qrng_sobol : gsl_qrng_halton;
    gsl_qrng *q = gsl_qrng_alloc(T, (unsigned)d);
    double *v = malloc(3 * d * sizeof *v), *o = malloc((nout ? nout : 1) * 2 * sizeof *o);
    int ok = q && v && o;
    if (ok) {
        double *u = v + d, *g = v + 2 * d, *sum = o + nout;
        for (size_t k = 0; k < nout; k++)
            sum[k] = 0;
        for (size_t n = 0; n < N; n++) {
            gsl_qrng_get(q, v);
            double norm = 0;
            for (size_t k = 0; k < d; k++) {
                double x = v[k] + shift[k];
                x -= floor(x);
                if (x < 1e-16)
                    x = 1e-16;
                if (x > 1 - 1e-16)
                    x = 1 - 1e-16;
                g[k] = gsl_cdf_ugaussian_Pinv(x);
                norm += g[k] * g[k];
            }
            norm = sqrt(norm);
            if (!(norm > 0))
                continue;
            for (size_t k = 0; k < d; k++)
                u[k] = g[k] / norm;
            eval_direction(P, u, o);
            for (size_t k = 0; k < nout; k++)
                sum[k] += o[k];
        }
        for (size_t k = 0; k < nout; k++)
            means[k] = sum[k] / (double)N;
    }
    if (q)
        gsl_qrng_free(q);
    free(v);
    free(o);
    return ok;
}

cs_status pid_ccs_integrate(const double *cov, size_t d, const pid_ccs_spec *spec, const cs_pid_params *par,
                            double *values, double *stderr_out, double *shift_means)
{
    info_gsl_setup();
    if (d == 0 || d > 1229)
        return cs_error_set(CS_ELIMIT,
                            "I_ccs integration: %zu variables (the quasi-random "
                            "sequences support 1..1229)",
                            d);
    size_t R = pid_ccs_shifts(par);
    size_t N = par->ccs_points ? par->ccs_points : 8192;
    size_t nout = spec->nred + (spec->has_double ? 1 : 0);
    ccs_integrand P;
    cs_status st = integrand_prepare(cov, d, spec, &P);
    double *means = calloc(R * (nout ? nout : 1), sizeof *means);
    double *shifts = malloc(R * d * sizeof *shifts);
    if (!st && (!means || !shifts))
        st = cs_error_set(CS_ENOMEM, "I_ccs integration: out of memory");
    for (size_t r = 0; !st && r < R; r++) {
        cs_rng *rng;
        if ((st = cs_rng_create_stream(par->seed, r, &rng)))
            break;
        for (size_t k = 0; k < d; k++)
            shifts[r * d + k] = cs_rng_uniform(rng);
        cs_rng_destroy(rng);
    }
    if (st)
        goto out;
    int nthreads = cs_threads_resolve(par->threads);
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nthreads)
    for (size_t r = 0; r < R; r++)
        if (!integrate_shift(&P, shifts + r * d, N, nout, means + r * nout)) {
#pragma omp atomic write
            failed = 1;
        }
    if (failed) {
        st = cs_error_set(CS_ENOMEM, "I_ccs integration: out of memory");
        goto out;
    }
    double worst = 0;
    for (size_t k = 0; k < nout; k++) {
        double m = 0;
        for (size_t r = 0; r < R; r++)
            m += means[r * nout + k];
        m /= (double)R;
        double var = 0;
        for (size_t r = 0; r < R; r++)
            var += (means[r * nout + k] - m) * (means[r * nout + k] - m);
        if (R > 1)
            worst = fmax(worst, sqrt(var / (double)(R - 1) / (double)R));
        values[k] = m;
    }
    *stderr_out = worst;
    if (shift_means)
        memcpy(shift_means, means, R * nout * sizeof *means);
out:
    free(means);
    free(shifts);
    free(P.G);
    return st;
}

/* The Gaussian peaks of FOOOF 1.x's _fit_peaks (fooof/objs/fit.py) on a
 * spectrum flattened by its aperiodic fit: guesses from the highest points,
 * dropped near the edges and when overlapping, then one bounded joint
 * least-squares fit (gauss_fit, an interior Levenberg-Marquardt in the
 * spirit of scipy's 'trf'). FOOOF's settings: centre bound 1.5 (x2)
 * guess-SDs, edge drop 1 SD, overlap 0.75 SD. */
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aperiodic_internal.h"

#define CF_BOUND 1.5
#define BW_STD_EDGE 1.0
#define GAUSS_OVERLAP 0.75
#define STEP_BACK 0.995

/* Residuals r = sum of Gaussians g(x) - y and, if J != NULL, the Jacobian
 * (n x p row-major) at parameters g (centre, height, sd per peak). */
static double gauss_residuals(const double *g, size_t p, const double *x, const double *y, size_t n, double *r,
                              double *J)
{
    double cost = 0.0;
    for (size_t i = 0; i < n; i++) {
        double v = 0.0;
        for (size_t j = 0; j < p / 3; j++) {
            double c = g[3 * j], h = g[3 * j + 1], sd = g[3 * j + 2], d = x[i] - c;
            double e = exp(-d * d / (2.0 * sd * sd));
            v += h * e;
            if (J) {
                J[i * p + 3 * j] = h * e * d / (sd * sd);
                J[i * p + 3 * j + 1] = e;
                J[i * p + 3 * j + 2] = h * e * d * d / (sd * sd * sd);
            }
        }
        r[i] = v - y[i];
        cost += r[i] * r[i];
    }
    return 0.5 * cost;
}

/* The work of one bounded Gaussian fit (gauss_fit): n points (x, y), p
 * parameters with bounds lo, hi, and its buffers: residuals r, rn [n],
 * Jacobian J [n x p], normal matrix A [p x p], gradient gr, step d, trial
 * point xn, damping diagonal diag, Coleman-Li scales sv and cl [p each]. */
typedef struct {
    const double *x, *y, *lo, *hi;
    size_t n, p;
    double *r, *rn, *J, *A, *gr, *d, *xn, *diag, *sv, *cl;
} gauss_work;

static void gw_free(gauss_work *w)
{
    free(w->r), free(w->rn), free(w->J), free(w->A), free(w->gr), free(w->d), free(w->xn), free(w->diag);
    free(w->sv), free(w->cl);
}

static cs_status gw_alloc(gauss_work *w)
{
    size_t n = w->n, p = w->p;
    w->r = malloc(n * sizeof *w->r), w->rn = malloc(n * sizeof *w->rn), w->J = malloc(n * p * sizeof *w->J);
    w->A = malloc(p * p * sizeof *w->A), w->gr = malloc(p * sizeof *w->gr), w->d = malloc(p * sizeof *w->d);
    w->xn = malloc(p * sizeof *w->xn), w->diag = malloc(p * sizeof *w->diag);
    w->sv = malloc(p * sizeof *w->sv), w->cl = malloc(p * sizeof *w->cl);
    if (!w->r || !w->rn || !w->J || !w->A || !w->gr || !w->d || !w->xn || !w->diag || !w->sv || !w->cl)
        return cs_error_set(CS_ENOMEM, "peak fit: out of memory");
    return CS_OK;
}

/* At g (with w->r, w->J current): the gradient gr = J^T r, the normal
 * matrix A = J^T J, the Coleman-Li scales sv, cl and the damping diagonal
 * diag; returns the largest projected gradient |gr_a sv_a|. */
static double gw_normal(gauss_work *w, const double *g)
{
    size_t n = w->n, p = w->p;
    const double *J = w->J, *r = w->r, *lo = w->lo, *hi = w->hi;
    double *A = w->A, *sv = w->sv, *cl = w->cl;
    double pg = 0.0;
    for (size_t a = 0; a < p; a++) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += J[i * p + a] * r[i];
        w->gr[a] = s;
        /* Coleman-Li scaling (as scipy's 'trf'): v is the distance to
         * the bound the gradient step heads for (1 if unbounded), and
         * the step in variable a is scaled by sqrt(v), so variables
         * close to a bound move less instead of sticking on it. */
        if (s < 0 && isfinite(hi[a])) {
            sv[a] = hi[a] - g[a];
            cl[a] = -s; /* g * dv with dv = -1 */
        } else if (s > 0 && isfinite(lo[a])) {
            sv[a] = g[a] - lo[a];
            cl[a] = s;
        } else {
            sv[a] = 1.0;
            cl[a] = 0.0;
        }
        pg = fmax(pg, fabs(s * sv[a]));
        for (size_t b = 0; b <= a; b++) {
            double t = 0.0;
            for (size_t i = 0; i < n; i++)
                t += J[i * p + a] * J[i * p + b];
            A[a * p + b] = A[b * p + a] = t;
        }
    }
    for (size_t a = 0; a < p; a++)
        w->diag[a] = fmax(A[a * p + a] * sv[a] + cl[a], 1e-300);
    return pg;
}

/* The damped step from g: (J^T J + mu D) d = -gr in the scaled variables
 * (Cholesky; *bad when it fails), the trial point xn stopped short of the
 * bounds (STEP_BACK), d the step actually taken; *dn = |d|^2, *xnorm =
 * |g|^2 and *pred the reduction the Gauss-Newton model predicts for d. */
static cs_status gw_step(gauss_work *w, const double *g, double mu, int *bad, double *pred, double *dn, double *xnorm)
{
    size_t p = w->p;
    const double *A = w->A, *sv = w->sv, *lo = w->lo, *hi = w->hi;
    double *d = w->d, *xn = w->xn;
    gsl_matrix *M = gsl_matrix_alloc(p, p);
    gsl_vector *rhs = gsl_vector_alloc(p);
    if (!M || !rhs) {
        gsl_matrix_free(M);
        gsl_vector_free(rhs);
        return cs_error_set(CS_ENOMEM, "peak fit: out of memory");
    }
    for (size_t a = 0; a < p; a++) {
        for (size_t b = 0; b < p; b++)
            gsl_matrix_set(M, a, b,
                           sqrt(sv[a]) * A[a * p + b] * sqrt(sv[b]) + (a == b ? w->cl[a] + mu * w->diag[a] : 0.0));
        gsl_vector_set(rhs, a, -sqrt(sv[a]) * w->gr[a]);
    }
    *bad = gsl_linalg_cholesky_decomp1(M) || gsl_linalg_cholesky_svx(M, rhs);
    for (size_t a = 0; a < p; a++)
        d[a] = sqrt(sv[a]) * gsl_vector_get(rhs, a);
    gsl_matrix_free(M);
    gsl_vector_free(rhs);
    *pred = *dn = *xnorm = 0.0;
    for (size_t a = 0; a < p && !*bad; a++) {
        xn[a] = g[a] + d[a];
        if (xn[a] < lo[a])
            xn[a] = g[a] + STEP_BACK * (lo[a] - g[a]);
        else if (xn[a] > hi[a])
            xn[a] = g[a] + STEP_BACK * (hi[a] - g[a]);
        d[a] = xn[a] - g[a]; /* the projected step actually taken */
        *dn += d[a] * d[a];
        *xnorm += g[a] * g[a];
    }
    if (!*bad) {
        /* predicted reduction of the Gauss-Newton model for d */
        for (size_t a = 0; a < p; a++) {
            double Ad = 0.0;
            for (size_t b = 0; b < p; b++)
                Ad += A[a * p + b] * d[b];
            *pred -= w->gr[a] * d[a] + 0.5 * d[a] * Ad;
        }
    }
    return CS_OK;
}

/* One iteration: damped steps from g, the damping mu raised (nu) until a
 * step lowers the cost; then g, *cost, r and J move there and mu falls
 * (Nielsen). *converged when the step or the cost change is below XTOL /
 * FTOL, or no step lowers the cost. */
static cs_status gw_iterate(gauss_work *w, double *g, double *cost, double *mu, double *nu, int *converged)
{
    size_t p = w->p;
    for (;;) {
        int bad = 1;
        double pred = 0.0, dn = 0.0, xnorm = 0.0;
        cs_status st = gw_step(w, g, *mu, &bad, &pred, &dn, &xnorm);
        if (st != CS_OK)
            return st;
        double cn = bad ? INFINITY : gauss_residuals(w->xn, p, w->x, w->y, w->n, w->rn, NULL);
        if (!bad && cn < *cost && pred > 0) {
            double rho = (*cost - cn) / pred, t = 2.0 * rho - 1.0;
            *mu *= fmax(1.0 / 3.0, 1.0 - t * t * t);
            *nu = 2.0;
            double old = *cost;
            memcpy(g, w->xn, p * sizeof *g);
            *cost = gauss_residuals(g, p, w->x, w->y, w->n, w->r, w->J);
            if (sqrt(dn) <= XTOL * (sqrt(xnorm) + XTOL) || old - *cost <= FTOL * old)
                *converged = 1;
            return CS_OK;
        }
        if (!bad && sqrt(dn) <= XTOL * (sqrt(xnorm) + XTOL)) {
            *converged = 1; /* no step, however short, lowers the cost */
            return CS_OK;
        }
        *mu *= *nu;
        *nu *= 2.0;
        if (!(*mu < 1e300)) {
            *converged = 1; /* damping exhausted: a minimum to working precision */
            return CS_OK;
        }
    }
}

/* Bounded least squares for the Gaussians (FOOOF: scipy's bounded 'trf').
 * GSL's nonlinear least squares has no bounds, and a change of variables
 * stalls when a bound is active at the optimum (as FOOOF's width limits
 * often are), so this is a small interior Levenberg-Marquardt in the spirit
 * of 'trf': Coleman-Li scaling of each variable by the distance to the bound
 * its gradient heads for, steps that stop at 99.5% of the way to a bound
 * (iterates stay strictly feasible, so a Gaussian whose height approaches 0
 * can still recover), Marquardt's diagonal damping with Nielsen's update,
 * Cholesky solves of the p x p normal equations (GSL). On the multi-peak
 * spectra of tests/data/aperiodic_fooof_port.json it reaches the same minima
 * as scipy's trf (equal or lower cost). Shapes: x, y [n]; lo, hi, g [p]
 * (centre, height, sd per peak; g the start, then the fit). */
static cs_status gauss_fit(const double *x, const double *y, size_t n, size_t p, const double *lo, const double *hi,
                           double *g)
{
    if (n < p)
        return cs_error_set(CS_EINVAL, "peak fit: %zu points cannot determine %zu parameters", n, p);
    gauss_work w = {.x = x, .y = y, .lo = lo, .hi = hi, .n = n, .p = p};
    cs_status st = gw_alloc(&w);
    if (st != CS_OK) {
        gw_free(&w);
        return st;
    }
    for (size_t k = 0; k < p; k++)
        g[k] = g[k] < lo[k] ? lo[k] : g[k] > hi[k] ? hi[k] : g[k];
    double cost = gauss_residuals(g, p, x, y, n, w.r, w.J), mu = -1.0, nu = 2.0;
    int converged = 0, iter;
    for (iter = 0; iter < MAX_ITER && !converged && st == CS_OK; iter++) {
        double pg = gw_normal(&w, g);
        if (pg <= GTOL * fmax(1.0, cost)) /* projected gradient vanishes */
            break;
        if (mu < 0) {
            mu = 0.0;
            for (size_t a = 0; a < p; a++)
                mu = fmax(mu, w.diag[a]);
            mu *= 1e-3;
        }
        st = gw_iterate(&w, g, &cost, &mu, &nu, &converged);
    }
    if (st == CS_OK && iter >= MAX_ITER && !converged)
        st = cs_error_set(CS_ENOCONV, "peak fit: no convergence in %d iterations", MAX_ITER);
    for (size_t a = 0; a < p && !st; a++)
        if (!isfinite(g[a]))
            st = cs_error_set(CS_ENOCONV, "peak fit: non-finite parameters");
    gw_free(&w);
    return st;
}

/* Guesses (centre, height, sd) by centre. */
static int cmp_peak_cf(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The sd of a peak guess at it[imax] = hmax from its full width at half
 * maximum (the nearer half-height crossing, FOOOF's _fit_peaks), within
 * [std_lo, std_hi]; the middle of that range when neither side crosses. */
static double guess_width(const double *it, size_t n, size_t imax, double hmax, double freq_res, double std_lo,
                          double std_hi)
{
    double half = 0.5 * hmax;
    long le = -1, ri = -1;
    for (long i = (long)imax - 1; i > 0; i--) /* FOOOF stops before index 0 */
        if (it[i] <= half) {
            le = i;
            break;
        }
    for (size_t i = imax + 1; i < n; i++)
        if (it[i] <= half) {
            ri = (long)i;
            break;
        }
    double gstd;
    if (le < 0 && ri < 0) {
        gstd = (std_lo + std_hi) / 2.0;
    } else {
        long dl = le >= 0 ? (long)imax - le : LONG_MAX, dr = ri >= 0 ? ri - (long)imax : LONG_MAX;
        double fwhm = (double)(dl < dr ? dl : dr) * 2.0 * freq_res;
        gstd = fwhm / (2.0 * sqrt(2.0 * log(2.0)));
    }
    if (gstd < std_lo)
        gstd = std_lo;
    if (gstd > std_hi)
        gstd = std_hi;
    return gstd;
}

/* Up to maxpk peak guesses (centre, height, sd) into g [3 x maxpk], each
 * the highest point of `it` [n] (the flattened spectrum, modified: each
 * guess's Gaussian is subtracted) while it stands above peak_threshold sd
 * of `it` and above min_peak_height; returns how many. */
static size_t guess_peaks(const cs_aperiodic_params *p, const double *f, double *it, size_t n, size_t maxpk,
                          double *g)
{
    double std_lo = p->peak_width_min / 2.0, std_hi = p->peak_width_max / 2.0;
    size_t k = 0;
    while (k < maxpk) {
        size_t imax = 0;
        for (size_t i = 1; i < n; i++)
            if (it[i] > it[imax])
                imax = i;
        double mean = 0.0, var = 0.0;
        for (size_t i = 0; i < n; i++)
            mean += it[i];
        mean /= (double)n;
        for (size_t i = 0; i < n; i++)
            var += (it[i] - mean) * (it[i] - mean);
        double sd = sqrt(var / (double)n), hmax = it[imax];
        if (hmax <= p->peak_threshold * sd)
            break;
        if (!(hmax > p->min_peak_height))
            break;
        double gstd = guess_width(it, n, imax, hmax, f[1] - f[0], std_lo, std_hi);
        double *q = g + 3 * k;
        q[0] = f[imax];
        q[1] = hmax;
        q[2] = gstd;
        for (size_t i = 0; i < n; i++) {
            double d = f[i] - q[0];
            it[i] -= q[1] * exp(-d * d / (2.0 * gstd * gstd));
        }
        k++;
    }
    return k;
}

/* The k guesses of g [3 x k] without those too close to the edges of the
 * range and, of two overlapping ones, the lower (FOOOF compares neighbours
 * after sorting by centre; every pair is judged on the sorted list); the
 * kept ones sorted by centre at the front of g; returns how many. */
static size_t drop_guesses(double *g, size_t k, double frange_lo, double frange_hi)
{
    size_t kept = 0;
    for (size_t j = 0; j < k; j++) {
        double *q = g + 3 * j, bw = q[2] * BW_STD_EDGE;
        if (fabs(q[0] - frange_lo) > bw && fabs(q[0] - frange_hi) > bw) {
            memmove(g + 3 * kept, q, 3 * sizeof *g);
            kept++;
        }
    }
    k = kept;
    qsort(g, k, 3 * sizeof *g, cmp_peak_cf);
    unsigned char drop[NLS_MAXP] = {0};
    for (size_t j = 0; j + 1 < k; j++) {
        double *a = g + 3 * j, *b = g + 3 * (j + 1);
        if (a[0] + a[2] * GAUSS_OVERLAP > b[0] - b[2] * GAUSS_OVERLAP)
            drop[a[1] <= b[1] ? j : j + 1] = 1; /* np.argmin: the first on ties */
    }
    kept = 0;
    for (size_t j = 0; j < k; j++)
        if (!drop[j]) {
            memmove(g + 3 * kept, g + 3 * j, 3 * sizeof *g);
            kept++;
        }
    return kept;
}

/* FOOOF's _fit_peaks on the flattened spectrum flat [n] at f [n]: guesses,
 * then one bounded joint fit of their Gaussians (centre within 2 CF_BOUND
 * sd of the guess and the range, height >= 0, sd within the width limits);
 * the parameters (centre, height, sd) go to g [3 x max_n_peaks] sorted by
 * centre, their count to *npk. */
cs_status spectral_fit_peaks(const cs_aperiodic_params *p, const double *f, const double *flat, size_t n,
                             double frange_lo, double frange_hi, double *g, size_t *npk)
{
    size_t maxpk = p->max_n_peaks;
    /* The joint fit needs n >= 3 * peaks points (and a bounded parameter count). */
    size_t cap = n / 3 < NLS_MAXP / 3 ? n / 3 : NLS_MAXP / 3;
    if (maxpk > cap)
        maxpk = cap;
    double *it = malloc(n * sizeof *it);
    if (!it)
        return cs_error_set(CS_ENOMEM, "peak fit: out of memory");
    memcpy(it, flat, n * sizeof *it);
    size_t k = guess_peaks(p, f, it, n, maxpk, g);
    free(it);
    k = drop_guesses(g, k, frange_lo, frange_hi);
    *npk = k;
    if (k == 0)
        return CS_OK;

    double lo[NLS_MAXP], hi[NLS_MAXP];
    for (size_t j = 0; j < k; j++) {
        double *q = g + 3 * j;
        lo[3 * j] = q[0] - 2.0 * CF_BOUND * q[2];
        hi[3 * j] = q[0] + 2.0 * CF_BOUND * q[2];
        if (!(lo[3 * j] > frange_lo))
            lo[3 * j] = frange_lo;
        if (!(hi[3 * j] < frange_hi))
            hi[3 * j] = frange_hi;
        lo[3 * j + 1] = 0.0;
        hi[3 * j + 1] = INFINITY;
        lo[3 * j + 2] = p->peak_width_min / 2.0;
        hi[3 * j + 2] = p->peak_width_max / 2.0;
    }
    cs_status st = gauss_fit(f, flat, n, 3 * k, lo, hi, g);
    if (st)
        return st;
    qsort(g, k, 3 * sizeof *g, cmp_peak_cf);
    return CS_OK;
}

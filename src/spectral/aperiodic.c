/* Aperiodic + Gaussian-peak parameterisation of a power spectrum in the
 * manner of FOOOF 1.x (fooof/objs/fit.py); see include/cogscope/aperiodic.h
 * for the procedure. FOOOF's internal settings are kept: percentile 0.025 for
 * the robust fit, centre bound 1.5 (x2) guess-SDs, edge drop 1 SD, overlap
 * 0.75 SD, 5000 evaluations. */
#include "cogscope/aperiodic.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>
#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fft_plan.h"

#define AP_PERCENTILE 0.025
#define CF_BOUND 1.5
#define BW_STD_EDGE 1.0
#define GAUSS_OVERLAP 0.75
#define MAX_ITER 5000
#define XTOL 1e-10
#define GTOL 1e-10
#define FTOL 1e-14
#define STEP_BACK 0.995

void cs_aperiodic_params_default(cs_aperiodic_params *p)
{
    p->mode = CS_APERIODIC_FIXED;
    p->fmin = 0.0;
    p->fmax = INFINITY;
    p->peak_width_min = 0.5;
    p->peak_width_max = 12.0;
    p->max_n_peaks = SIZE_MAX;
    p->min_peak_height = 0.0;
    p->peak_threshold = 2.0;
}

void cs_aperiodic_result_free(cs_aperiodic_result *res)
{
    if (!res)
        return;
    free(res->peaks);
    free(res->freqs);
    free(res->log_power);
    free(res->model);
    free(res->aperiodic);
    memset(res, 0, sizeof *res);
}

double cs_aperiodic_eval(cs_aperiodic_mode mode, const double *a, double f)
{
    if (mode == CS_APERIODIC_KNEE)
        return a[0] - log10(a[1] + pow(f, a[2]));
    return a[0] - log10(pow(f, a[1]));
}

static double gauss_sum(const double *g, size_t npk, double f)
{
    double s = 0.0;
    for (size_t j = 0; j < npk; j++) {
        double d = f - g[3 * j];
        s += g[3 * j + 1] * exp(-d * d / (2.0 * g[3 * j + 2] * g[3 * j + 2]));
    }
    return s;
}

/* ---- nonlinear least squares ---------------------------------------------- */

#define NLS_MAXP (3 * 64) /* up to 64 Gaussians */

/* The aperiodic fits are unbounded (FOOOF's default bounds are infinite, so
 * scipy uses MINPACK's Levenberg-Marquardt): GSL's trust-region LM. */
typedef struct {
    cs_aperiodic_mode mode;
    size_t n;
    const double *x, *y;
} ap_data;

static int ap_f(const gsl_vector *u, void *data, gsl_vector *r)
{
    const ap_data *s = data;
    double a[3] = {gsl_vector_get(u, 0), gsl_vector_get(u, 1), 0.0};
    if (s->mode == CS_APERIODIC_KNEE)
        a[2] = gsl_vector_get(u, 2);
    for (size_t i = 0; i < s->n; i++) {
        double v;
        if (s->mode == CS_APERIODIC_KNEE) {
            double arg = a[1] + pow(s->x[i], a[2]);
            /* log10 of a non-positive argument: a huge residual makes the
             * trust region reject the step instead of propagating NaN. */
            v = arg > 0.0 ? a[0] - log10(arg) : 1e10;
        } else {
            v = a[0] - a[1] * log10(s->x[i]);
        }
        gsl_vector_set(r, i, v - s->y[i]);
    }
    return GSL_SUCCESS;
}

static int ap_df(const gsl_vector *u, void *data, gsl_matrix *J)
{
    const ap_data *s = data;
    for (size_t i = 0; i < s->n; i++) {
        double f = s->x[i];
        gsl_matrix_set(J, i, 0, 1.0);
        if (s->mode == CS_APERIODIC_KNEE) {
            double fe = pow(f, gsl_vector_get(u, 2)), arg = gsl_vector_get(u, 1) + fe;
            if (!(arg > 0.0))
                arg = 1e-300;
            gsl_matrix_set(J, i, 1, -1.0 / (arg * M_LN10));
            gsl_matrix_set(J, i, 2, -fe * log(f) / (arg * M_LN10));
        } else {
            gsl_matrix_set(J, i, 1, -log10(f));
        }
    }
    return GSL_SUCCESS;
}

/* Fit the aperiodic model to (x, y) from the start a (offset, [knee,]
 * exponent), result in a. */
static cs_status ap_nls(cs_aperiodic_mode mode, const double *x, const double *y, size_t n, double *a,
                        const char *what)
{
    size_t p = mode == CS_APERIODIC_KNEE ? 3 : 2;
    if (n < p)
        return cs_error_set(CS_EINVAL, "%s: %zu points cannot determine %zu parameters", what, n, p);
    ap_data s = {mode, n, x, y};
    gsl_multifit_nlinear_parameters par = gsl_multifit_nlinear_default_parameters();
    gsl_multifit_nlinear_workspace *w = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &par, n, p);
    if (!w)
        return cs_error_set(CS_ENOMEM, "%s: cannot allocate the least-squares workspace", what);
    gsl_vector_view a0 = gsl_vector_view_array(a, p);
    gsl_multifit_nlinear_fdf fdf = {0};
    fdf.f = ap_f;
    fdf.df = ap_df;
    fdf.n = n;
    fdf.p = p;
    fdf.params = &s;
    int info = 0;
    int gs = gsl_multifit_nlinear_init(&a0.vector, &fdf, w);
    if (!gs)
        gs = gsl_multifit_nlinear_driver(MAX_ITER, XTOL, GTOL, FTOL, NULL, NULL, &info, w);
    const gsl_vector *sol = gsl_multifit_nlinear_position(w);
    int finite = 1;
    for (size_t i = 0; i < p; i++) {
        a[i] = gsl_vector_get(sol, i);
        finite &= isfinite(a[i]);
    }
    gsl_multifit_nlinear_free(w);
    /* GSL_ENOPROG: no step reduces the cost any further, i.e. a minimum to
     * working precision; accepted like success. */
    if (gs == GSL_EMAXITER)
        return cs_error_set(CS_ENOCONV, "%s: no convergence in %d iterations", what, MAX_ITER);
    if ((gs && gs != GSL_ENOPROG) || !finite)
        return cs_error_set(CS_ENOCONV, "%s: the least-squares fit failed (%s)", what,
                            gs ? gsl_strerror(gs) : "non-finite parameters");
    return CS_OK;
}

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

/* ---- the FOOOF procedure ------------------------------------------------- */

static size_t ap_nparams(cs_aperiodic_mode m) { return m == CS_APERIODIC_KNEE ? 3 : 2; }

/* FOOOF's _simple_ap_fit: start from offset = first log power, knee = 0,
 * exponent = |slope between the end points| of the *input* spectrum. */
static cs_status simple_ap_fit(cs_aperiodic_mode mode, const double *f, const double *y, size_t n, const double *spec,
                               size_t nspec, const double *fspec, double *a)
{
    double exp_guess = fabs((spec[nspec - 1] - spec[0]) / (log10(fspec[nspec - 1]) - log10(fspec[0])));
    a[0] = spec[0];
    if (mode == CS_APERIODIC_KNEE) {
        a[1] = 0.0;
        a[2] = exp_guess;
    } else {
        a[1] = exp_guess;
    }
    return ap_nls(mode, f, y, n, a, "aperiodic fit");
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* numpy.percentile with linear interpolation. */
static double percentile(double *v, size_t n, double q)
{
    qsort(v, n, sizeof *v, cmp_double);
    double idx = q / 100.0 * (double)(n - 1);
    size_t lo = (size_t)floor(idx), hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (v[hi] - v[lo]) * (idx - (double)lo);
}

static cs_status robust_ap_fit(cs_aperiodic_mode mode, const double *f, const double *y, size_t n, double *a)
{
    cs_status st = simple_ap_fit(mode, f, y, n, y, n, f, a);
    if (st)
        return st;
    double *flat = malloc(n * sizeof *flat), *tmp = malloc(n * sizeof *tmp);
    double *fx = malloc(n * sizeof *fx), *fy = malloc(n * sizeof *fy);
    if (!flat || !tmp || !fx || !fy) {
        free(flat), free(tmp), free(fx), free(fy);
        return cs_error_set(CS_ENOMEM, "aperiodic fit: out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        flat[i] = y[i] - cs_aperiodic_eval(mode, a, f[i]);
        if (flat[i] < 0)
            flat[i] = 0;
        tmp[i] = flat[i];
    }
    double thresh = percentile(tmp, n, AP_PERCENTILE);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (flat[i] <= thresh) {
            fx[m] = f[i];
            fy[m++] = y[i];
        }
    /* FOOOF refits on these points; with fewer points than parameters (a
     * spectrum lying almost wholly above its own fit) the initial fit stands. */
    if (m >= ap_nparams(mode)) {
        st = ap_nls(mode, fx, fy, m, a, "robust aperiodic fit");
    }
    free(flat), free(tmp), free(fx), free(fy);
    return st;
}

static int cmp_peak_cf(const void *a, const void *b)
{
    return cmp_double(a, b); /* first member of a 3-double guess is the centre */
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
static cs_status fit_peaks(const cs_aperiodic_params *p, const double *f, const double *flat, size_t n,
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

/* The parameters, and f, power [n]: finite, f ascending. */
static cs_status check_fit_inputs(const double *f, const double *power, size_t n, const cs_aperiodic_params *p)
{
    if (!p)
        return cs_error_set(CS_EINVAL, "aperiodic parameters are NULL");
    if ((unsigned)p->mode > CS_APERIODIC_KNEE)
        return cs_error_set(CS_EINVAL, "aperiodic: unknown mode %d", (int)p->mode);
    if (isnan(p->fmin) || isnan(p->fmax) || !(p->fmin < p->fmax))
        return cs_error_set(CS_EINVAL, "aperiodic: fmin = %g must be below fmax = %g", p->fmin, p->fmax);
    if (!(p->peak_width_min > 0.0 && p->peak_width_min <= p->peak_width_max && isfinite(p->peak_width_max)))
        return cs_error_set(CS_EINVAL, "aperiodic: peak width limits [%g, %g] must satisfy 0 < min <= max",
                            p->peak_width_min, p->peak_width_max);
    if (!isfinite(p->peak_threshold) || !isfinite(p->min_peak_height))
        return cs_error_set(CS_EINVAL, "aperiodic: peak_threshold and min_peak_height must be finite");
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(f[i]) || !isfinite(power[i]))
            return cs_error_set(CS_ENONFINITE, "aperiodic: %s at frequency index %zu",
                                isnan(f[i]) || isnan(power[i]) ? "NaN" : "Inf", i);
        if (i > 0 && !(f[i] > f[i - 1]))
            return cs_error_set(CS_EINVAL, "aperiodic: frequencies must ascend (index %zu: %g after %g)", i, f[i],
                                f[i - 1]);
    }
    return CS_OK;
}

/* The fitted range: the *m frequencies from index *i0 in [fmin, fmax] with
 * f > 0 (log10 of 0 skipped, as FOOOF does), enough for the mode's fit, at
 * positive power. */
static cs_status fit_range(const double *f, const double *power, size_t n, const cs_aperiodic_params *p, size_t *i0,
                           size_t *m)
{
    size_t i1 = 0;
    *i0 = n;
    for (size_t i = 0; i < n; i++)
        if (f[i] > 0.0 && f[i] >= p->fmin && f[i] <= p->fmax) {
            if (*i0 == n)
                *i0 = i;
            i1 = i + 1;
        }
    size_t need = ap_nparams(p->mode) + 1;
    *m = *i0 < i1 ? i1 - *i0 : 0;
    if (*m < need)
        return cs_error_set(CS_EINVAL,
                            "aperiodic: %zu frequencies in [%g, %g] (f > 0); the %s fit needs at least %zu", *m,
                            p->fmin, p->fmax, p->mode == CS_APERIODIC_KNEE ? "knee" : "fixed", need);
    for (size_t i = *i0; i < i1; i++)
        if (!(power[i] > 0.0))
            return cs_error_set(CS_EINVAL, "aperiodic: power %g at %g Hz is not positive (log10 needed)", power[i],
                                f[i]);
    return CS_OK;
}

/* The fit into r (r->freqs, r->log_power [nfit] given): the aperiodic
 * component (parameters a) and the model with the npk Gaussians g
 * [3 x npk] at every frequency, R^2 of model against log power (squared
 * correlation) and the mean absolute error, the mode's parameters. */
static void fit_model(cs_aperiodic_result *r, cs_aperiodic_mode mode, const double *a, const double *g, size_t npk)
{
    size_t m = r->nfit;
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, mae = 0;
    for (size_t i = 0; i < m; i++) {
        r->aperiodic[i] = cs_aperiodic_eval(mode, a, r->freqs[i]);
        r->model[i] = r->aperiodic[i] + gauss_sum(g, npk, r->freqs[i]);
        sx += r->log_power[i];
        sy += r->model[i];
        mae += fabs(r->log_power[i] - r->model[i]);
    }
    double mx = sx / (double)m, my = sy / (double)m;
    for (size_t i = 0; i < m; i++) {
        double dx = r->log_power[i] - mx, dy = r->model[i] - my;
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    r->r_squared = sxy * sxy / (sxx * syy);
    r->error = mae / (double)m;
    r->offset = a[0];
    if (mode == CS_APERIODIC_KNEE) {
        r->knee = a[1];
        r->exponent = a[2];
        r->knee_freq = a[1] > 0.0 ? pow(a[1], 1.0 / a[2]) : NAN;
    } else {
        r->exponent = a[1];
    }
}

/* r->peaks [npk] from the Gaussians g [3 x npk]: centre, width 2 sd,
 * height, sd, and the power above the aperiodic component at the fitted
 * frequency nearest the centre. */
static cs_status fit_peak_list(cs_aperiodic_result *r, const double *g, size_t npk)
{
    r->n_peaks = npk;
    r->peaks = calloc(npk > 0 ? npk : 1, sizeof *r->peaks);
    if (!r->peaks)
        return cs_error_set(CS_ENOMEM, "aperiodic: out of memory");
    for (size_t j = 0; j < npk; j++) {
        size_t near = 0;
        for (size_t i = 1; i < r->nfit; i++)
            if (fabs(r->freqs[i] - g[3 * j]) < fabs(r->freqs[near] - g[3 * j]))
                near = i;
        r->peaks[j].center = g[3 * j];
        r->peaks[j].power = r->model[near] - r->aperiodic[near];
        r->peaks[j].width = 2.0 * g[3 * j + 2];
        r->peaks[j].height = g[3 * j + 1];
        r->peaks[j].sd = g[3 * j + 2];
    }
    return CS_OK;
}

/* FOOOF's fit of r->log_power at r->freqs [nfit]: a robust aperiodic fit,
 * the peaks of what it leaves (Gaussians into g [NLS_MAXP], their count
 * *npk), then the aperiodic component refitted without the peaks (a).
 * flat: nfit scratch. */
static cs_status fit_components(const cs_aperiodic_params *p, const cs_aperiodic_result *r, double *flat, double *g,
                                size_t *npk, double *a)
{
    size_t m = r->nfit;
    cs_status st = robust_ap_fit(p->mode, r->freqs, r->log_power, m, a);
    if (st)
        return st;
    for (size_t i = 0; i < m; i++)
        flat[i] = r->log_power[i] - cs_aperiodic_eval(p->mode, a, r->freqs[i]);
    *npk = 0;
    if (p->max_n_peaks > 0 && m >= 2) {
        st = fit_peaks(p, r->freqs, flat, m, r->freqs[0], r->freqs[m - 1], g, npk);
        if (st)
            return st;
    }
    /* Refit the aperiodic component with the peaks removed. */
    for (size_t i = 0; i < m; i++)
        flat[i] = r->log_power[i] - gauss_sum(g, *npk, r->freqs[i]);
    return simple_ap_fit(p->mode, r->freqs, flat, m, r->log_power, m, r->freqs, a);
}

cs_status cs_aperiodic_fit(const double *f, const double *power, size_t n, const cs_aperiodic_params *p,
                           cs_aperiodic_result *res)
{
    memset(res, 0, sizeof *res);
    res->knee = res->knee_freq = NAN;
    spectral_gsl_setup();
    size_t i0, m;
    cs_status st = check_fit_inputs(f, power, n, p);
    if (st == CS_OK)
        st = fit_range(f, power, n, p, &i0, &m);
    if (st != CS_OK)
        return st;
    cs_aperiodic_result r = {0};
    r.knee = r.knee_freq = NAN;
    r.nfit = m;
    r.freqs = malloc(m * sizeof *r.freqs);
    r.log_power = malloc(m * sizeof *r.log_power);
    r.model = malloc(m * sizeof *r.model);
    r.aperiodic = malloc(m * sizeof *r.aperiodic);
    double *flat = malloc(m * sizeof *flat), *g = malloc(NLS_MAXP * sizeof *g), a[3];
    size_t npk = 0;
    if (!r.freqs || !r.log_power || !r.model || !r.aperiodic || !flat || !g)
        st = cs_error_set(CS_ENOMEM, "aperiodic: out of memory");
    for (size_t i = 0; i < m && st == CS_OK; i++) {
        r.freqs[i] = f[i0 + i];
        r.log_power[i] = log10(power[i0 + i]);
    }
    if (st == CS_OK)
        st = fit_components(p, &r, flat, g, &npk, a);
    if (st == CS_OK) {
        fit_model(&r, p->mode, a, g, npk);
        st = fit_peak_list(&r, g, npk);
    }
    free(flat);
    free(g);
    if (st != CS_OK) {
        cs_aperiodic_result_free(&r);
        return st;
    }
    *res = r;
    return CS_OK;
}

double cs_welch_hann50_dof(size_t nsegments)
{
    double k = (double)(nsegments ? nsegments : 1);
    return 36.0 * k * k / (19.0 * k - 1.0);
}

cs_status cs_aperiodic_peak_test(const cs_aperiodic_result *r, double dof, double alpha, int *keep, double *threshold)
{
    spectral_gsl_setup();
    if (!(dof > 0) || !(alpha > 0 && alpha < 1))
        return cs_error_set(CS_EINVAL, "peak test: degrees of freedom %g must be > 0 and alpha %g in (0, 1)", dof,
                            alpha);
    size_t m = r->nfit ? r->nfit : 1;
    double thr = gsl_cdf_chisq_Qinv(alpha / (double)m, dof) / gsl_cdf_chisq_Pinv(0.5, dof);
    if (threshold)
        *threshold = thr;
    /* The robust aperiodic fit follows the lower part of the spectrum, so
     * PSD / aperiodic is not centred on 1: its median over the fitted
     * frequencies is matched to the median of chi^2_nu / nu instead. */
    double *ratio = malloc(m * sizeof *ratio);
    if (!ratio)
        return cs_error_set(CS_ENOMEM, "out of memory for the peak test");
    for (size_t j = 0; j < r->nfit; j++)
        ratio[j] = pow(10.0, r->log_power[j] - r->aperiodic[j]);
    double scale = 1;
    if (r->nfit) {
        double *s = malloc(r->nfit * sizeof *s);
        if (!s) {
            free(ratio);
            return cs_error_set(CS_ENOMEM, "out of memory for the peak test");
        }
        memcpy(s, ratio, r->nfit * sizeof *s);
        gsl_sort(s, 1, r->nfit);
        scale = gsl_stats_median_from_sorted_data(s, 1, r->nfit);
        free(s);
    }
    for (size_t i = 0; i < r->n_peaks; i++) {
        size_t best = 0;
        for (size_t j = 1; j < r->nfit; j++)
            if (fabs(r->freqs[j] - r->peaks[i].center) < fabs(r->freqs[best] - r->peaks[i].center))
                best = j;
        keep[i] = r->nfit && scale > 0 && ratio[best] / scale > thr;
    }
    free(ratio);
    return CS_OK;
}

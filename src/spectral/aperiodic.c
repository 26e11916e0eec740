/* Aperiodic + Gaussian-peak parameterisation of a power spectrum in the
 * manner of FOOOF 1.x (fooof/objs/fit.py); see include/cogscope/aperiodic.h
 * for the procedure. FOOOF's internal settings are kept: percentile 0.025 for
 * the robust fit, centre bound 1.5 (x2) guess-SDs, edge drop 1 SD, overlap
 * 0.75 SD, 5000 evaluations. */
#include "cogscope/aperiodic.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define AP_PERCENTILE 0.025
#define CF_BOUND 1.5
#define BW_STD_EDGE 1.0
#define GAUSS_OVERLAP 0.75
#define MAX_ITER 5000

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

/* ---- bounded nonlinear least squares on GSL ------------------------------ */

enum model { M_FIXED, M_KNEE, M_GAUSS };
enum bound { B_NONE, B_BOTH, B_LOWER };

typedef struct {
    enum model model;
    size_t n;
    const double *x, *y;
    size_t p;
    const enum bound *bt; /* per parameter (NULL: unbounded) */
    const double *lo, *hi;
} nls;

/* Parameter from the unconstrained variable u, and dp/du. */
static double to_param(const nls *s, size_t i, double u, double *deriv)
{
    enum bound b = s->bt ? s->bt[i] : B_NONE;
    if (b == B_BOTH) {
        *deriv = (s->hi[i] - s->lo[i]) * cos(u) / 2.0;
        return s->lo[i] + (s->hi[i] - s->lo[i]) * (sin(u) + 1.0) / 2.0;
    }
    if (b == B_LOWER) {
        double r = sqrt(u * u + 1.0);
        *deriv = u / r;
        return s->lo[i] - 1.0 + r;
    }
    *deriv = 1.0;
    return u;
}

/* Inverse of to_param, starting strictly inside the bounds (at a bound the
 * transform's derivative vanishes and the parameter could never move). */
static double to_free(const nls *s, size_t i, double p)
{
    enum bound b = s->bt ? s->bt[i] : B_NONE;
    if (b == B_BOTH) {
        double z = 2.0 * (p - s->lo[i]) / (s->hi[i] - s->lo[i]) - 1.0;
        z = z < -1.0 + 1e-4 ? -1.0 + 1e-4 : z > 1.0 - 1e-4 ? 1.0 - 1e-4 : z;
        return asin(z);
    }
    if (b == B_LOWER) {
        double d = p - s->lo[i] + 1.0;
        d = d < 1.0 + 1e-4 ? 1.0 + 1e-4 : d;
        return sqrt(d * d - 1.0);
    }
    return p;
}

#define NLS_MAXP (3 * 64 + 3) /* up to 64 Gaussians */

static int nls_f(const gsl_vector *u, void *data, gsl_vector *r)
{
    const nls *s = data;
    double a[NLS_MAXP], da;
    for (size_t i = 0; i < s->p; i++)
        a[i] = to_param(s, i, gsl_vector_get(u, i), &da);
    for (size_t i = 0; i < s->n; i++) {
        double f = s->x[i], v;
        if (s->model == M_GAUSS) {
            v = gauss_sum(a, s->p / 3, f);
        } else if (s->model == M_KNEE) {
            double arg = a[1] + pow(f, a[2]);
            /* log10 of a non-positive argument: a huge residual makes the
             * trust region reject the step instead of propagating NaN. */
            v = arg > 0.0 ? a[0] - log10(arg) : 1e10;
        } else {
            v = a[0] - a[1] * log10(f);
        }
        gsl_vector_set(r, i, v - s->y[i]);
    }
    return GSL_SUCCESS;
}

static int nls_df(const gsl_vector *u, void *data, gsl_matrix *J)
{
    const nls *s = data;
    double a[NLS_MAXP], d[NLS_MAXP];
    for (size_t i = 0; i < s->p; i++)
        a[i] = to_param(s, i, gsl_vector_get(u, i), &d[i]);
    for (size_t i = 0; i < s->n; i++) {
        double f = s->x[i];
        if (s->model == M_GAUSS) {
            for (size_t j = 0; j < s->p / 3; j++) {
                double c = a[3 * j], h = a[3 * j + 1], sd = a[3 * j + 2], df = f - c;
                double e = exp(-df * df / (2.0 * sd * sd));
                gsl_matrix_set(J, i, 3 * j, h * e * df / (sd * sd) * d[3 * j]);
                gsl_matrix_set(J, i, 3 * j + 1, e * d[3 * j + 1]);
                gsl_matrix_set(J, i, 3 * j + 2, h * e * df * df / (sd * sd * sd) * d[3 * j + 2]);
            }
        } else if (s->model == M_KNEE) {
            double fe = pow(f, a[2]), arg = a[1] + fe;
            if (!(arg > 0.0))
                arg = 1e-300;
            gsl_matrix_set(J, i, 0, 1.0);
            gsl_matrix_set(J, i, 1, -1.0 / (arg * M_LN10));
            gsl_matrix_set(J, i, 2, -fe * log(f) / (arg * M_LN10));
        } else {
            gsl_matrix_set(J, i, 0, 1.0);
            gsl_matrix_set(J, i, 1, -log10(f));
        }
    }
    return GSL_SUCCESS;
}

/* Least squares of model s from the start a[0..p) (natural parameters),
 * result in a. */
static cs_status nls_fit(const nls *s, double *a, const char *what)
{
    if (s->n < s->p)
        return cs_error_set(CS_EINVAL, "%s: %zu points cannot determine %zu parameters", what, s->n,
                            s->p);
    gsl_multifit_nlinear_parameters par = gsl_multifit_nlinear_default_parameters();
    gsl_multifit_nlinear_workspace *w =
        gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &par, s->n, s->p);
    if (!w)
        return cs_error_set(CS_ENOMEM, "%s: cannot allocate the least-squares workspace", what);
    double u[NLS_MAXP];
    for (size_t i = 0; i < s->p; i++)
        u[i] = to_free(s, i, a[i]);
    gsl_vector_view u0 = gsl_vector_view_array(u, s->p);
    gsl_multifit_nlinear_fdf fdf = {0};
    fdf.f = nls_f;
    fdf.df = nls_df;
    fdf.fvv = NULL;
    fdf.n = s->n;
    fdf.p = s->p;
    fdf.params = (void *)s;
    cs_status st = CS_OK;
    int info = 0;
    int gs = gsl_multifit_nlinear_init(&u0.vector, &fdf, w);
    if (!gs)
        gs = gsl_multifit_nlinear_driver(MAX_ITER, 1e-12, 1e-12, 0.0, NULL, NULL, &info, w);
    const gsl_vector *x = gsl_multifit_nlinear_position(w);
    double da;
    int finite = 1;
    for (size_t i = 0; i < s->p; i++) {
        a[i] = to_param(s, i, gsl_vector_get(x, i), &da);
        finite &= isfinite(a[i]);
    }
    /* GSL_ENOPROG: no step reduces the cost any further, i.e. a minimum to
     * working precision; accepted like success. */
    if (gs == GSL_EMAXITER)
        st = cs_error_set(CS_ENOCONV, "%s: no convergence in %d iterations", what, MAX_ITER);
    else if ((gs && gs != GSL_ENOPROG) || !finite)
        st = cs_error_set(CS_ENOCONV, "%s: the least-squares fit failed (%s)", what,
                          gs ? gsl_strerror(gs) : "non-finite parameters");
    gsl_multifit_nlinear_free(w);
    return st;
}

/* ---- the FOOOF procedure ------------------------------------------------- */

static size_t ap_nparams(cs_aperiodic_mode m) { return m == CS_APERIODIC_KNEE ? 3 : 2; }

/* FOOOF's _simple_ap_fit: start from offset = first log power, knee = 0,
 * exponent = |slope between the end points| of the *input* spectrum. */
static cs_status simple_ap_fit(cs_aperiodic_mode mode, const double *f, const double *y, size_t n,
                               const double *spec, size_t nspec, const double *fspec, double *a)
{
    double exp_guess = fabs((spec[nspec - 1] - spec[0]) / (log10(fspec[nspec - 1]) - log10(fspec[0])));
    a[0] = spec[0];
    if (mode == CS_APERIODIC_KNEE) {
        a[1] = 0.0;
        a[2] = exp_guess;
    } else {
        a[1] = exp_guess;
    }
    nls s = {mode == CS_APERIODIC_KNEE ? M_KNEE : M_FIXED, n, f, y, ap_nparams(mode), NULL, NULL, NULL};
    return nls_fit(&s, a, "aperiodic fit");
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

static cs_status robust_ap_fit(cs_aperiodic_mode mode, const double *f, const double *y, size_t n,
                               double *a)
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
        nls s = {mode == CS_APERIODIC_KNEE ? M_KNEE : M_FIXED, m, fx, fy, ap_nparams(mode), NULL,
                 NULL, NULL};
        st = nls_fit(&s, a, "robust aperiodic fit");
    }
    free(flat), free(tmp), free(fx), free(fy);
    return st;
}

static int cmp_peak_cf(const void *a, const void *b)
{
    return cmp_double(a, b); /* first member of a 3-double guess is the centre */
}

/* FOOOF's _fit_peaks on the flattened spectrum; Gaussian parameters
 * (centre, height, sd) go to g, their count to *npk. */
static cs_status fit_peaks(const cs_aperiodic_params *p, const double *f, const double *flat,
                           size_t n, double frange_lo, double frange_hi, double *g, size_t *npk)
{
    double std_lo = p->peak_width_min / 2.0, std_hi = p->peak_width_max / 2.0;
    double freq_res = f[1] - f[0];
    size_t maxpk = p->max_n_peaks;
    /* The joint fit needs n >= 3 * peaks points (and a bounded parameter count). */
    size_t cap = n / 3 < (NLS_MAXP - 3) / 3 ? n / 3 : (NLS_MAXP - 3) / 3;
    if (maxpk > cap)
        maxpk = cap;
    double *it = malloc(n * sizeof *it);
    if (!it)
        return cs_error_set(CS_ENOMEM, "peak fit: out of memory");
    memcpy(it, flat, n * sizeof *it);
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
    free(it);

    /* Drop guesses too close to the edges of the range. */
    size_t kept = 0;
    for (size_t j = 0; j < k; j++) {
        double *q = g + 3 * j, bw = q[2] * BW_STD_EDGE;
        if (fabs(q[0] - frange_lo) > bw && fabs(q[0] - frange_hi) > bw) {
            memmove(g + 3 * kept, q, 3 * sizeof *g);
            kept++;
        }
    }
    k = kept;
    /* Drop the lower of two overlapping guesses (FOOOF compares neighbours
     * after sorting by centre; every pair is judged on the sorted list). */
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
    k = kept;
    *npk = k;
    if (k == 0)
        return CS_OK;

    double lo[NLS_MAXP], hi[NLS_MAXP];
    enum bound bt[NLS_MAXP];
    for (size_t j = 0; j < k; j++) {
        double *q = g + 3 * j;
        lo[3 * j] = q[0] - 2.0 * CF_BOUND * q[2];
        hi[3 * j] = q[0] + 2.0 * CF_BOUND * q[2];
        if (!(lo[3 * j] > frange_lo))
            lo[3 * j] = frange_lo;
        if (!(hi[3 * j] < frange_hi))
            hi[3 * j] = frange_hi;
        bt[3 * j] = B_BOTH;
        lo[3 * j + 1] = 0.0;
        hi[3 * j + 1] = INFINITY;
        bt[3 * j + 1] = B_LOWER;
        lo[3 * j + 2] = std_lo;
        hi[3 * j + 2] = std_hi;
        bt[3 * j + 2] = std_hi > std_lo ? B_BOTH : B_NONE;
    }
    nls s = {M_GAUSS, n, f, flat, 3 * k, bt, lo, hi};
    cs_status st = nls_fit(&s, g, "peak fit");
    if (st)
        return st;
    qsort(g, k, 3 * sizeof *g, cmp_peak_cf);
    return CS_OK;
}

cs_status cs_aperiodic_fit(const double *f, const double *power, size_t n,
                           const cs_aperiodic_params *p, cs_aperiodic_result *res)
{
    memset(res, 0, sizeof *res);
    res->knee = res->knee_freq = NAN;
    cs_init();
    if (!p)
        return cs_error_set(CS_EINVAL, "aperiodic parameters are NULL");
    if ((unsigned)p->mode > CS_APERIODIC_KNEE)
        return cs_error_set(CS_EINVAL, "aperiodic: unknown mode %d", (int)p->mode);
    if (isnan(p->fmin) || isnan(p->fmax) || !(p->fmin < p->fmax))
        return cs_error_set(CS_EINVAL, "aperiodic: fmin = %g must be below fmax = %g", p->fmin, p->fmax);
    if (!(p->peak_width_min > 0.0 && p->peak_width_min <= p->peak_width_max &&
          isfinite(p->peak_width_max)))
        return cs_error_set(CS_EINVAL, "aperiodic: peak width limits [%g, %g] must satisfy 0 < min <= max",
                            p->peak_width_min, p->peak_width_max);
    if (!isfinite(p->peak_threshold) || !isfinite(p->min_peak_height))
        return cs_error_set(CS_EINVAL, "aperiodic: peak_threshold and min_peak_height must be finite");
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(f[i]) || !isfinite(power[i]))
            return cs_error_set(CS_ENONFINITE, "aperiodic: %s at frequency index %zu",
                                isnan(f[i]) || isnan(power[i]) ? "NaN" : "Inf", i);
        if (i > 0 && !(f[i] > f[i - 1]))
            return cs_error_set(CS_EINVAL, "aperiodic: frequencies must ascend (index %zu: %g after %g)",
                                i, f[i], f[i - 1]);
    }
    /* The range, f = 0 skipped (log10 of 0), as FOOOF does. */
    size_t i0 = n, i1 = 0;
    for (size_t i = 0; i < n; i++)
        if (f[i] > 0.0 && f[i] >= p->fmin && f[i] <= p->fmax) {
            if (i0 == n)
                i0 = i;
            i1 = i + 1;
        }
    size_t m = i0 < i1 ? i1 - i0 : 0, need = ap_nparams(p->mode) + 1;
    if (m < need)
        return cs_error_set(CS_EINVAL,
                            "aperiodic: %zu frequencies in [%g, %g] (f > 0); the %s fit needs at least %zu",
                            m, p->fmin, p->fmax, p->mode == CS_APERIODIC_KNEE ? "knee" : "fixed", need);
    for (size_t i = i0; i < i1; i++)
        if (!(power[i] > 0.0))
            return cs_error_set(CS_EINVAL, "aperiodic: power %g at %g Hz is not positive (log10 needed)",
                                power[i], f[i]);

    cs_aperiodic_result r = {0};
    r.knee = r.knee_freq = NAN;
    r.nfit = m;
    r.freqs = malloc(m * sizeof *r.freqs);
    r.log_power = malloc(m * sizeof *r.log_power);
    r.model = malloc(m * sizeof *r.model);
    r.aperiodic = malloc(m * sizeof *r.aperiodic);
    double *flat = malloc(m * sizeof *flat), *g = malloc(NLS_MAXP * sizeof *g);
    cs_status st = CS_OK;
    if (!r.freqs || !r.log_power || !r.model || !r.aperiodic || !flat || !g) {
        st = cs_error_set(CS_ENOMEM, "aperiodic: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < m; i++) {
        r.freqs[i] = f[i0 + i];
        r.log_power[i] = log10(power[i0 + i]);
    }
    double flo = r.freqs[0], fhi = r.freqs[m - 1];
    double a[3];
    st = robust_ap_fit(p->mode, r.freqs, r.log_power, m, a);
    if (st)
        goto fail;
    for (size_t i = 0; i < m; i++)
        flat[i] = r.log_power[i] - cs_aperiodic_eval(p->mode, a, r.freqs[i]);
    size_t npk = 0;
    if (p->max_n_peaks > 0 && m >= 2) {
        st = fit_peaks(p, r.freqs, flat, m, flo, fhi, g, &npk);
        if (st)
            goto fail;
    }
    /* Refit the aperiodic component with the peaks removed. */
    for (size_t i = 0; i < m; i++)
        flat[i] = r.log_power[i] - gauss_sum(g, npk, r.freqs[i]);
    st = simple_ap_fit(p->mode, r.freqs, flat, m, r.log_power, m, r.freqs, a);
    if (st)
        goto fail;

    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, mae = 0;
    for (size_t i = 0; i < m; i++) {
        r.aperiodic[i] = cs_aperiodic_eval(p->mode, a, r.freqs[i]);
        r.model[i] = r.aperiodic[i] + gauss_sum(g, npk, r.freqs[i]);
        sx += r.log_power[i];
        sy += r.model[i];
        mae += fabs(r.log_power[i] - r.model[i]);
    }
    double mx = sx / (double)m, my = sy / (double)m;
    for (size_t i = 0; i < m; i++) {
        double dx = r.log_power[i] - mx, dy = r.model[i] - my;
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    r.r_squared = sxy * sxy / (sxx * syy);
    r.error = mae / (double)m;
    r.offset = a[0];
    if (p->mode == CS_APERIODIC_KNEE) {
        r.knee = a[1];
        r.exponent = a[2];
        r.knee_freq = a[1] > 0.0 ? pow(a[1], 1.0 / a[2]) : NAN;
    } else {
        r.exponent = a[1];
    }
    r.n_peaks = npk;
    r.peaks = calloc(npk > 0 ? npk : 1, sizeof *r.peaks);
    if (!r.peaks) {
        st = cs_error_set(CS_ENOMEM, "aperiodic: out of memory");
        goto fail;
    }
    for (size_t j = 0; j < npk; j++) {
        size_t near = 0;
        for (size_t i = 1; i < m; i++)
            if (fabs(r.freqs[i] - g[3 * j]) < fabs(r.freqs[near] - g[3 * j]))
                near = i;
        r.peaks[j].center = g[3 * j];
        r.peaks[j].power = r.model[near] - r.aperiodic[near];
        r.peaks[j].width = 2.0 * g[3 * j + 2];
        r.peaks[j].height = g[3 * j + 1];
        r.peaks[j].sd = g[3 * j + 2];
    }
    free(flat);
    free(g);
    *res = r;
    return CS_OK;
fail:
    free(flat);
    free(g);
    cs_aperiodic_result_free(&r);
    return st;
}

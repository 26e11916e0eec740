/* Aperiodic + Gaussian-peak parameterisation of a power spectrum in the
 * manner of FOOOF 1.x (fooof/objs/fit.py); see include/cogscope/aperiodic.h
 * for the procedure. The peaks are found and fitted in aperiodic_peaks.c. FOOOF's internal settings are kept:
 * percentile 0.025 for the robust fit, centre bound 1.5 (x2) guess-SDs, edge drop 1 SD, overlap 0.75 SD, 5000
 * evaluations. */
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
#include "aperiodic_internal.h"
#include "fft_plan.h"

#define AP_PERCENTILE 0.025

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
        st = spectral_fit_peaks(p, r->freqs, flat, m, r->freqs[0], r->freqs[m - 1], g, npk);
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

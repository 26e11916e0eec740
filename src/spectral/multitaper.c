/* DPSS tapers (scipy.signal.windows.dpss) and the multitaper PSD (MNE's
 * psd_array_multitaper, mne/time_frequency/multitaper.py).
 *
 * The tapers are the eigenvectors of Slepian's symmetric tridiagonal matrix
 * (Percival & Walden 1993, §8.3): diagonal ((M-1-2t)/2)^2 cos(2 pi W),
 * off-diagonal t(M-t)/2. Only the K largest eigenpairs are needed, so LAPACK's
 * bisection (dstebz) finds those eigenvalues and inverse iteration (dstein)
 * their vectors in O(M K) work, as scipy does; GSL's symmetric eigensolvers
 * work on dense matrices (O(M^3)), far too slow for tapers of 10^4-10^5
 * points. LAPACK comes with OpenBLAS, which the project links already. */
#include "cogscope/multitaper.h"

#include <fftw3.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "fft_plan.h"

/* LAPACK (Fortran interface, provided by OpenBLAS). The trailing size_t
 * arguments are gfortran's hidden lengths of the character arguments. */
extern void dstebz_(const char *range, const char *order, const int *n, const double *vl, const double *vu,
                    const int *il, const int *iu, const double *abstol, const double *d, const double *e, int *m,
                    int *nsplit, double *w, int *iblock, int *isplit, double *work, int *iwork, int *info,
                    size_t len_range, size_t len_order);
extern void dstein_(const int *n, const double *d, const double *e, const int *m, const double *w, const int *iblock,
                    const int *isplit, double *z, const int *ldz, double *work, int *iwork, int *ifail, int *info);

/* Concentration ratios of unit-norm tapers v (k x m) in [-W, W]: lambda =
 * sum_j rxx[j] r[j] with rxx the one-sided autocorrelation and r[0] = 2W,
 * r[j] = 4W sinc(2Wj) (Percival & Walden p. 390; scipy's dpss). The
 * autocorrelation comes from one zero-padded FFT pair per taper. */
static cs_status concentration(const double *v, size_t k, size_t m, double w, double *ratios)
{
    size_t len = 2 * m; /* >= 2m - 1: no circular wrap-around */
    size_t nh = len / 2 + 1;
    double *buf = fftw_malloc(len * sizeof *buf);
    fftw_complex *spec = fftw_malloc(nh * sizeof *spec);
    fftw_plan fwd = NULL, inv = NULL;
    cs_status st = CS_OK;
    if (buf && spec) {
        spectral_fftw_setup();
        fwd = fftw_plan_dft_r2c_1d((int)len, buf, spec, FFTW_ESTIMATE);
        inv = fftw_plan_dft_c2r_1d((int)len, spec, buf, FFTW_ESTIMATE);
    }
    if (!fwd || !inv) {
        st = cs_error_set(CS_ENOMEM, "dpss: cannot plan the %zu-point autocorrelation FFT", len);
        goto done;
    }
    for (size_t t = 0; t < k; t++) {
        memcpy(buf, v + t * m, m * sizeof *buf);
        memset(buf + m, 0, (len - m) * sizeof *buf);
        fftw_execute(fwd);
        for (size_t j = 0; j < nh; j++) {
            spec[j][0] = spec[j][0] * spec[j][0] + spec[j][1] * spec[j][1];
            spec[j][1] = 0.0;
        }
        fftw_execute(inv); /* unnormalised: divide by len */
        double lam = 2.0 * w * buf[0] / (double)len;
        for (size_t j = 1; j < m; j++) {
            double x = 2.0 * w * (double)j;
            lam += buf[j] / (double)len * 4.0 * w * (sin(M_PI * x) / (M_PI * x));
        }
        ratios[t] = lam;
    }
done:
    if (fwd)
        fftw_destroy_plan(fwd);
    if (inv)
        fftw_destroy_plan(inv);
    fftw_free(buf);
    fftw_free(spec);
    return st;
}

/* The k largest eigenvalues (ev, descending within LAPACK's one block) and
 * their eigenvectors (z, k x m, one per column of LAPACK's layout) of
 * Slepian's m x m tridiagonal matrix for half-bandwidth w: bisection
 * (dstebz) and inverse iteration (dstein). ev: m doubles. */
static cs_status slepian_eigen(size_t m, size_t k, double w, double *ev, double *z)
{
    double c = cos(2.0 * M_PI * w);
    int mi = (int)m, ki = (int)k;
    double *d = malloc(m * sizeof *d), *e = malloc(m * sizeof *e), *work = malloc(5 * m * sizeof *work);
    int *iblock = malloc(m * sizeof *iblock), *isplit = malloc(m * sizeof *isplit);
    int *iwork = malloc(3 * m * sizeof *iwork), *ifail = malloc(k * sizeof *ifail);
    cs_status st = CS_OK;
    if (!d || !e || !work || !iblock || !isplit || !iwork || !ifail) {
        st = cs_error_set(CS_ENOMEM, "dpss: cannot allocate work space for n = %zu", m);
        goto done;
    }
    for (size_t t = 0; t < m; t++) {
        double a = ((double)m - 1.0 - 2.0 * (double)t) / 2.0;
        d[t] = a * a * c;
        e[t] = t + 1 < m ? (double)(t + 1) * (double)(m - t - 1) / 2.0 : 0.0;
    }
    /* The k largest eigenvalues: indices m-k+1 .. m (1-based, ascending). */
    int il = mi - ki + 1, iu = mi, found = 0, nsplit = 0, info = 0;
    double vl = 0.0, vu = 0.0, abstol = 0.0;
    dstebz_("I", "B", &mi, &vl, &vu, &il, &iu, &abstol, d, e, &found, &nsplit, ev, iblock, isplit, work, iwork, &info,
            1, 1);
    if (info != 0 || found != ki) {
        st = cs_error_set(CS_ENOCONV, "dpss: LAPACK dstebz failed (info %d, %d of %d eigenvalues)", info, found, ki);
        goto done;
    }
    dstein_(&mi, d, e, &found, ev, iblock, isplit, z, &mi, work, iwork, ifail, &info);
    if (info != 0)
        st = cs_error_set(CS_ENOCONV, "dpss: LAPACK dstein: %d eigenvectors did not converge", info);
done:
    free(d), free(e), free(work), free(iblock), free(isplit), free(iwork), free(ifail);
    return st;
}

/* The k eigenvectors z (k x m) into v (k x m) by descending eigenvalue ev,
 * each signed as scipy's dpss: symmetric tapers (even t) with a positive
 * sum, antisymmetric ones with their first point above the noise positive.
 * order: k scratch. dstebz's ORDER='B' (what dstein needs) sorts within
 * split-off blocks; the matrix has no zero off-diagonal, so there is one
 * block, but the tapers are ordered by eigenvalue explicitly all the same. */
static void order_tapers(const double *z, const double *ev, size_t k, size_t m, size_t *order, double *v)
{
    for (size_t t = 0; t < k; t++) { /* insertion sort, descending eigenvalue */
        size_t j = t;
        for (; j > 0 && ev[order[j - 1]] < ev[t]; j--)
            order[j] = order[j - 1];
        order[j] = t;
    }
    for (size_t t = 0; t < k; t++) {
        const double *col = z + order[t] * m;
        double *row = v + t * m;
        memcpy(row, col, m * sizeof *row);
        double sign = 1.0;
        if (t % 2 == 0) { /* symmetric tapers: positive average */
            double s = 0.0;
            for (size_t i = 0; i < m; i++)
                s += row[i];
            if (s < 0)
                sign = -1.0;
        } else { /* antisymmetric: the first point above the noise is positive */
            double thresh = fmax(1e-7, 1.0 / (double)m);
            for (size_t i = 0; i < m; i++)
                if (row[i] * row[i] > thresh) {
                    if (row[i] < 0)
                        sign = -1.0;
                    break;
                }
        }
        if (sign < 0)
            for (size_t i = 0; i < m; i++)
                row[i] = -row[i];
    }
}

cs_status cs_dpss(size_t n, double nw, size_t k, int periodic, double *tapers, double *ratios)
{
    spectral_gsl_setup();
    if (n < 2)
        return cs_error_set(CS_EINVAL, "dpss: n = %zu, need at least 2 samples", n);
    if (k < 1 || k > n)
        return cs_error_set(CS_EINVAL, "dpss: k = %zu tapers must be in [1, n = %zu]", k, n);
    if (!(isfinite(nw) && nw > 0.0))
        return cs_error_set(CS_EINVAL, "dpss: NW = %g must be positive", nw);
    if (nw >= (double)n / 2.0)
        return cs_error_set(CS_EINVAL, "dpss: NW = %g must be less than n/2 = %g", nw, (double)n / 2.0);
    if (n > (size_t)INT32_MAX / 2)
        return cs_error_set(CS_EINVAL, "dpss: n = %zu is too long", n);

    size_t m = periodic ? n + 1 : n; /* periodic: the symmetric taper of n+1, truncated */
    double w = nw / (double)m;
    double *ev = malloc(m * sizeof *ev), *z = malloc(m * k * sizeof *z), *v = malloc(k * m * sizeof *v);
    size_t *order = malloc(k * sizeof *order);
    cs_status st = CS_OK;
    if (!ev || !z || !v || !order)
        st = cs_error_set(CS_ENOMEM, "dpss: cannot allocate %zu tapers of %zu points", k, n);
    if (st == CS_OK)
        st = slepian_eigen(m, k, w, ev, z);
    if (st == CS_OK) {
        order_tapers(z, ev, k, m, order, v);
        if (ratios)
            st = concentration(v, k, m, w, ratios);
    }
    for (size_t t = 0; t < k && !st; t++)
        memcpy(tapers + t * n, v + t * m, n * sizeof *tapers);
    free(ev), free(z), free(v), free(order);
    return st;
}

/* ---- multitaper PSD --------------------------------------------------------- */

struct cs_multitaper_plan {
    double fs;
    size_t n, nhalf, ntapers, kmin, kmax; /* output bins kmin..kmax-1 of nhalf */
    int adaptive;
    size_t max_iter;
    double norm; /* 1 or 1/fs */
    int threads;
    double *tapers; /* ntapers x n */
    double *lambda; /* ntapers */
    fftw_plan fwd;
};

void cs_multitaper_params_default(cs_multitaper_params *p)
{
    memset(p, 0, sizeof *p);
    p->fs = 1.0;
    p->nw = 4.0;
    p->k = 0;
    p->low_bias = 1;
    p->adaptive = 0;
    p->max_iter = 150;
    p->normalization = CS_MT_NORM_LENGTH;
    p->fmin = 0.0;
    p->fmax = INFINITY;
    p->threads = 0;
}

void cs_multitaper_plan_destroy(cs_multitaper_plan *plan)
{
    if (!plan)
        return;
    if (plan->fwd)
        fftw_destroy_plan(plan->fwd);
    free(plan->tapers);
    free(plan->lambda);
    free(plan);
}

static double rfreq(const cs_multitaper_plan *p, size_t k)
{
    return (double)k * (1.0 / ((double)p->n * (1.0 / p->fs))); /* numpy's rfftfreq */
}

/* The parameters for n-sample series, and the number of tapers asked for
 * (*kmax: p->k, else 2 NW, at least 1). */
static cs_status check_mt_params(const cs_multitaper_params *p, size_t n, size_t *kmax)
{
    if (!(isfinite(p->fs) && p->fs > 0.0))
        return cs_error_set(CS_EINVAL, "fs = %g: the sampling frequency must be > 0", p->fs);
    if (n < 2)
        return cs_error_set(CS_EINVAL, "multitaper: the series has %zu samples, need at least 2", n);
    if (!(isfinite(p->nw) && p->nw >= 0.5))
        return cs_error_set(CS_EINVAL,
                            "multitaper: NW = %g; the half-bandwidth must be at least 0.5 (MNE's "
                            "bound), i.e. bandwidth >= fs/n",
                            p->nw);
    if (p->nw >= (double)n / 2.0)
        return cs_error_set(CS_EINVAL, "multitaper: NW = %g must be less than n/2 = %g", p->nw, (double)n / 2.0);
    if ((unsigned)p->normalization > CS_MT_NORM_FULL)
        return cs_error_set(CS_EINVAL, "multitaper: unknown normalization %d", (int)p->normalization);
    if (isnan(p->fmin) || isnan(p->fmax) || p->fmin > p->fmax)
        return cs_error_set(CS_EINVAL, "multitaper: fmin = %g must be <= fmax = %g", p->fmin, p->fmax);
    if (p->adaptive && p->max_iter < 1)
        return cs_error_set(CS_EINVAL, "multitaper: max_iter must be >= 1");
    *kmax = p->k ? p->k : (size_t)(2.0 * p->nw);
    if (*kmax < 1)
        *kmax = 1;
    if (*kmax > n)
        return cs_error_set(CS_EINVAL, "multitaper: k = %zu tapers exceed n = %zu samples", *kmax, n);
    if (n > (size_t)INT32_MAX / 2)
        return cs_error_set(CS_EINVAL, "multitaper: n = %zu is too long", n);
    return CS_OK;
}

/* The plan's kmax periodic DPSS tapers (MNE computes periodic, sym=False,
 * tapers for spectral estimation) and, with low_bias, only those with
 * concentration > 0.9 (none: MNE keeps the lowest-bias one); sets
 * ntapers. */
static cs_status plan_tapers(cs_multitaper_plan *plan, const cs_multitaper_params *p, size_t kmax)
{
    size_t n = plan->n;
    plan->tapers = malloc(kmax * n * sizeof *plan->tapers);
    plan->lambda = malloc(kmax * sizeof *plan->lambda);
    if (!plan->tapers || !plan->lambda)
        return cs_error_set(CS_ENOMEM, "multitaper: cannot allocate %zu tapers of %zu points", kmax, n);
    cs_status st = cs_dpss(n, p->nw, kmax, 1, plan->tapers, plan->lambda);
    if (st)
        return st;
    size_t kept = kmax;
    if (p->low_bias) {
        size_t best = 0;
        kept = 0;
        for (size_t t = 0; t < kmax; t++) {
            if (plan->lambda[t] > plan->lambda[best])
                best = t;
            if (plan->lambda[t] > 0.9) {
                memmove(plan->tapers + kept * n, plan->tapers + t * n, n * sizeof *plan->tapers);
                plan->lambda[kept++] = plan->lambda[t];
            }
        }
        if (kept == 0) { /* MNE: keep the lowest-bias taper */
            memmove(plan->tapers, plan->tapers + best * n, n * sizeof *plan->tapers);
            plan->lambda[0] = plan->lambda[best];
            kept = 1;
        }
    }
    plan->ntapers = kept;
    return CS_OK;
}

cs_status cs_multitaper_plan_create(const cs_multitaper_params *p, size_t n, cs_multitaper_plan **out)
{
    *out = NULL;
    spectral_gsl_setup();
    size_t kmax = 0;
    cs_status st = check_mt_params(p, n, &kmax);
    if (st != CS_OK)
        return st;
    cs_multitaper_plan *plan = calloc(1, sizeof *plan);
    if (!plan)
        return cs_error_set(CS_ENOMEM, "cannot allocate a multitaper plan");
    plan->fs = p->fs;
    plan->n = n;
    plan->nhalf = n / 2 + 1;
    plan->max_iter = p->max_iter;
    plan->norm = p->normalization == CS_MT_NORM_FULL ? 1.0 / p->fs : 1.0;
    plan->threads = cs_threads_resolve(p->threads);
    if ((st = plan_tapers(plan, p, kmax)) != CS_OK) {
        cs_multitaper_plan_destroy(plan);
        return st;
    }
    plan->adaptive = p->adaptive && plan->ntapers >= 3;
    /* the output bins: frequencies in [fmin, fmax] */
    plan->kmin = plan->nhalf;
    plan->kmax = 0;
    for (size_t k = 0; k < plan->nhalf; k++) {
        double f = rfreq(plan, k);
        if (f >= p->fmin && f <= p->fmax) {
            if (plan->kmin == plan->nhalf)
                plan->kmin = k;
            plan->kmax = k + 1;
        }
    }
    if (plan->kmax <= plan->kmin)
        st = cs_error_set(CS_EINVAL, "multitaper: no frequency in [fmin, fmax] = [%g, %g]", p->fmin, p->fmax);
    else if (!(plan->fwd = spectral_plan_r2c(n)))
        st = cs_error_set(CS_EINTERNAL, "FFTW could not plan a transform of %zu points", n);
    if (st != CS_OK) {
        cs_multitaper_plan_destroy(plan);
        return st;
    }
    *out = plan;
    return CS_OK;
}

size_t cs_multitaper_plan_nfreq(const cs_multitaper_plan *plan) { return plan->kmax - plan->kmin; }
size_t cs_multitaper_plan_ntapers(const cs_multitaper_plan *plan) { return plan->ntapers; }
int cs_multitaper_plan_adaptive(const cs_multitaper_plan *plan) { return plan->adaptive; }

void cs_multitaper_plan_freqs(const cs_multitaper_plan *plan, double *f)
{
    for (size_t k = plan->kmin; k < plan->kmax; k++)
        f[k - plan->kmin] = rfreq(plan, k);
}

void cs_multitaper_plan_eigenvalues(const cs_multitaper_plan *plan, double *lambda)
{
    memcpy(lambda, plan->lambda, plan->ntapers * sizeof *lambda);
}

void cs_multitaper_plan_tapers(const cs_multitaper_plan *plan, double *tapers)
{
    memcpy(tapers, plan->tapers, plan->ntapers * plan->n * sizeof *tapers);
}

/* MNE's _psd_from_mt at bin k: 2 sum_t |w_t X_t|^2 / sum_t w_t^2, with the
 * tapered powers |X_t|^2 in pw[t * stride + k]. */
static double psd_from_mt(const double *pw, size_t stride, size_t k, const double *wt, size_t wstride, size_t ntap)
{
    double num = 0.0, den = 0.0;
    for (size_t t = 0; t < ntap; t++) {
        double w = wt[t * wstride];
        num += w * w * pw[t * stride + k];
        den += w * w;
    }
    return num * 2.0 / den;
}

/* The eigenvalue-weighted PSD at bin k of the first ntap tapers: 2 sum_t
 * l_t |X_t|^2 / sum_t l_t, with |X_t|^2 in pw[t * stride + k]. */
static double eigen_weighted(const double *pw, size_t stride, size_t k, const double *lam, size_t ntap)
{
    double num = 0.0, den = 0.0;
    for (size_t t = 0; t < ntap; t++) {
        num += lam[t] * pw[t * stride + k];
        den += lam[t];
    }
    return num * 2.0 / den;
}

/* Thomson's adaptive weights for one channel, MNE's iteration verbatim:
 * start from the first two tapers, d_t = sqrt(l_t) S / (l_t S + (1 - l_t)
 * var), stop when max_f mean_t (d_t - d_t_prev)^2 < 1e-10. pw is ntap x
 * nhalf; writes the nb = kmax - kmin bins to psd. Returns 1 if converged. */
static int adaptive_psd(const cs_multitaper_plan *p, const double *pw, double var, double *psd, double *dk,
                        double *err)
{
    size_t nt = p->ntapers, nb = p->kmax - p->kmin, k0 = p->kmin, nh = p->nhalf;
    const double *lam = p->lambda;
    for (size_t b = 0; b < nb; b++)
        psd[b] = eigen_weighted(pw, nh, k0 + b, lam, 2);
    memset(err, 0, nt * nb * sizeof *err);
    for (size_t it = 0; it < p->max_iter; it++) {
        for (size_t t = 0; t < nt; t++)
            for (size_t b = 0; b < nb; b++) {
                double s = psd[b];
                double d = s / (lam[t] * s + (1.0 - lam[t]) * var) * sqrt(lam[t]);
                dk[t * nb + b] = d;
                err[t * nb + b] -= d;
            }
        double worst = 0.0;
        for (size_t b = 0; b < nb; b++) {
            double ms = 0.0;
            for (size_t t = 0; t < nt; t++)
                ms += err[t * nb + b] * err[t * nb + b];
            ms /= (double)nt;
            worst = ms > worst ? ms : worst;
        }
        if (worst < 1e-10)
            return 1;
        for (size_t b = 0; b < nb; b++)
            psd[b] = psd_from_mt(pw + k0 + b, nh, 0, dk + b, nb, nt);
        memcpy(err, dk, nt * nb * sizeof *err);
    }
    return 0;
}

/* Channel c of x, demeaned (xc [n]), times each taper (in [n]), its
 * one-sided FFT (o [nhalf]) and powers into pw [ntapers x nhalf]; MNE
 * divides the DC (and even-n Nyquist) coefficient by sqrt(2) before the
 * one-sided doubling. */
static void tapered_powers(const cs_multitaper_plan *plan, cs_matrix x, size_t c, double *xc, double *in,
                           fftw_complex *o, double *pw)
{
    size_t n = plan->n, nh = plan->nhalf;
    double sqrt_half = 1.0 / sqrt(2.0);
    double mean = 0.0;
    for (size_t i = 0; i < n; i++)
        mean += x.data[i * x.stride + c];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        xc[i] = x.data[i * x.stride + c] - mean;
    for (size_t t = 0; t < plan->ntapers; t++) {
        const double *tp = plan->tapers + t * n;
        for (size_t i = 0; i < n; i++)
            in[i] = xc[i] * tp[i];
        fftw_execute_dft_r2c(plan->fwd, in, o);
        for (size_t k = 0; k < nh; k++) {
            double re = o[k][0], im = o[k][1];
            if (k == 0 || (n % 2 == 0 && k == nh - 1))
                re *= sqrt_half, im *= sqrt_half;
            pw[t * nh + k] = re * re + im * im;
        }
    }
}

/* One channel's PSD over the plan's bins (out [kmax - kmin], normalised)
 * from its tapered powers pw: eigenvalue weights, or Thomson's adaptive
 * weights (dk: 2 x ntapers x bins scratch) started from the series
 * variance; returns 0 when the adaptive weights did not converge. */
static int channel_psd(const cs_multitaper_plan *plan, const double *pw, double *out, double *dk)
{
    size_t nh = plan->nhalf, nt = plan->ntapers, nb = plan->kmax - plan->kmin;
    if (!plan->adaptive) {
        for (size_t b = 0; b < nb; b++)
            out[b] = eigen_weighted(pw, nh, plan->kmin + b, plan->lambda, nt) * plan->norm;
        return 1;
    }
    /* The series variance from the fixed-weight PSD over all bins,
     * MNE's np.trapz(psd, dx=pi/nhalf) / (2 pi). */
    double tr = 0.0, first = 0.0, last = 0.0;
    for (size_t k = 0; k < nh; k++) {
        double s = eigen_weighted(pw, nh, k, plan->lambda, nt);
        tr += s;
        if (k == 0)
            first = s;
        last = s;
    }
    double var = (M_PI / (double)nh) * (tr - 0.5 * (first + last)) / (2.0 * M_PI);
    int converged = adaptive_psd(plan, pw, var, out, dk, dk + nt * nb);
    for (size_t b = 0; b < nb; b++)
        out[b] *= plan->norm;
    return converged;
}

cs_status cs_multitaper_psd(const cs_multitaper_plan *plan, cs_matrix x, double *psd, size_t *not_converged)
{
    if (!plan)
        return cs_error_set(CS_EINVAL, "multitaper plan is NULL");
    if (x.rows != plan->n)
        return cs_error_set(CS_ESHAPE, "x has %zu samples but the plan is for %zu", x.rows, plan->n);
    if (x.cols == 0)
        return cs_error_set(CS_EINVAL, "x has no channels");
    cs_status st = cs_matrix_check_finite(x, "x");
    if (st)
        return st;
    size_t n = plan->n, nh = plan->nhalf, nt = plan->ntapers, nb = plan->kmax - plan->kmin;
    size_t nch = x.cols, bad = 0;
    int threads = plan->threads < (int)nch ? plan->threads : (int)nch;
    int failed = 0;

#pragma omp parallel num_threads(threads) reduction(+ : bad)
    {
        double *xc = fftw_malloc(n * sizeof *xc), *in = fftw_malloc(n * sizeof *in);
        fftw_complex *o = fftw_malloc(nh * sizeof *o);
        double *pw = malloc(nt * nh * sizeof *pw);
        double *dk = plan->adaptive ? malloc(2 * nt * nb * sizeof *dk) : NULL;
        int ok = xc && in && o && pw && (!plan->adaptive || dk);
        if (!ok) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (size_t c = 0; c < nch; c++) {
            if (!ok)
                continue;
            tapered_powers(plan, x, c, xc, in, o, pw);
            if (!channel_psd(plan, pw, psd + c * nb, dk))
                bad++;
        }
        fftw_free(xc);
        fftw_free(in);
        fftw_free(o);
        free(pw);
        free(dk);
    }
    if (failed)
        return cs_error_set(CS_ENOMEM, "multitaper: cannot allocate work buffers");
    if (not_converged)
        *not_converged = bad;
    return CS_OK;
}

/* Preprocessing shared by the analysis measures: principal components (a
 * small adapter over cogscope/gaussian.h's covariance and LAPACK's symmetric
 * eigensolver), identity codes of input patterns, unit selection. */
#define _GNU_SOURCE
#include "observe_internal.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cblas.h>
#include <lapacke.h>

#include "cogscope/discrete.h"
#include "cogscope/gaussian.h"
#include "cogscope/gcopula.h"

/* The axes (d x k, descending eigenvalue) from dsyevr's kk eigenpairs
 * (w ascending, z d x kk), keeping the k with variance above 1e-12 of the
 * largest: components with no variance (constant or linearly dependent
 * columns) would make every covariance downstream singular. Sign
 * convention: the largest-magnitude loading is positive, so the axes do not
 * flip between runs of the eigensolver. */
static cs_status pca_axes(const double *w, const double *z, size_t d, size_t kk, double **axes_out, size_t *k_out)
{
    double top = w[kk - 1];
    size_t k = 0;
    while (k < kk && top > 0 && w[kk - 1 - k] > 1e-12 * top)
        k++;
    if (k == 0)
        return cs_error_set(CS_EINVAL, "principal components: every column is constant");
    double *axes = malloc(d * k * sizeof *axes);
    if (!axes)
        return cs_error_set(CS_ENOMEM, "out of memory for principal components");
    for (size_t c = 0; c < d; c++)
        for (size_t j = 0; j < k; j++)
            axes[c * k + j] = z[c * kk + (kk - 1 - j)]; /* descending eigenvalue */
    for (size_t j = 0; j < k; j++) {
        size_t arg = 0;
        for (size_t c = 1; c < d; c++)
            if (fabs(axes[c * k + j]) > fabs(axes[arg * k + j]))
                arg = c;
        if (axes[arg * k + j] < 0)
            for (size_t c = 0; c < d; c++)
                axes[c * k + j] = -axes[c * k + j];
    }
    *axes_out = axes;
    *k_out = k;
    return CS_OK;
}

/* The top k_max eigenpairs of the d x d covariance of x (samples x d): mean
 * (d), axes (d x k, row-major, column j = j-th component), k = the number of
 * components with variance above 1e-12 of the largest.
 *
 * LAPACK's dsyevr (MRRR, through LAPACKE; OpenBLAS provides LAPACK): GSL's
 * symmv was seen to loop forever on a finite 100 x 100 covariance when GSL
 * runs on OpenBLAS's CBLAS. Non-finite data are refused before any of it. */
cs_status obs_pca_fit(cs_matrix x, size_t k_max, double **mean_out, double **axes_out, size_t *k_out)
{
    size_t d = x.cols;
    *mean_out = *axes_out = NULL;
    *k_out = 0;
    if (x.rows < 2 || d == 0)
        return cs_error_set(CS_ESHAPE, "principal components need >= 2 samples and >= 1 column (got %zu x %zu)",
                            x.rows, d);
    if (d > INT_MAX / 2)
        return cs_error_set(CS_ELIMIT, "principal components of %zu columns: too many for LAPACK", d);
    cs_status st = cs_matrix_check_finite(x, "principal components input");
    if (st != CS_OK)
        return st;
    size_t kk = k_max < d ? k_max : d;
    if (kk == 0)
        return cs_error_set(CS_EINVAL, "principal components: k_max is 0");
    double *cov = malloc(d * d * sizeof *cov), *mean = malloc(d * sizeof *mean);
    double *w = malloc(d * sizeof *w), *z = malloc(d * kk * sizeof *z), *axes = NULL;
    lapack_int *isuppz = malloc(2 * d * sizeof *isuppz);
    if (!cov || !mean || !w || !z || !isuppz) {
        st = cs_error_set(CS_ENOMEM, "out of memory for principal components of %zu columns", d);
        goto done;
    }
    if ((st = cs_gaussian_cov(x, NULL, 0, 0, cov, mean)) != CS_OK)
        goto done;
    for (size_t i = 0; i < d * d; i++)
        if (!isfinite(cov[i])) {
            st = cs_error_set(CS_ENONFINITE,
                              "principal components: the covariance of %zu columns "
                              "overflows (values too large for double precision)",
                              d);
            goto done;
        }
    /* The kk largest eigenvalues, ascending: indices d-kk+1 .. d (1-based). */
    lapack_int m = 0, n = (lapack_int)d;
    lapack_int info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', n, cov, n, 0.0, 0.0, n - (lapack_int)kk + 1, n,
                                     0.0, &m, w, z, (lapack_int)kk, isuppz);
    if (info != 0 || m != (lapack_int)kk) {
        st = cs_error_set(CS_ENOCONV,
                          "principal components: LAPACK dsyevr failed on a %zu x %zu "
                          "covariance (info %d)",
                          d, d, (int)info);
        goto done;
    }
    size_t k = 0;
    if ((st = pca_axes(w, z, d, kk, &axes, &k)) != CS_OK)
        goto done;
    *axes_out = axes;
    *mean_out = mean;
    mean = NULL;
    *k_out = k;
done:
    free(cov);
    free(mean);
    free(w);
    free(z);
    free(isuppz);
    return st;
}

void obs_pca_project(cs_matrix x, const double *mean, const double *axes, size_t k, cs_matrix out)
{
    size_t n = x.rows, d = x.cols;
    for (size_t i = 0; i < n; i++) {
        const double *r = cs_matrix_row(x, i);
        double *o = cs_matrix_row(out, i);
        for (size_t j = 0; j < k; j++)
            o[j] = 0;
        for (size_t c = 0; c < d; c++) {
            double v = r[c] - mean[c];
            if (v != 0)
                cblas_daxpy((int)k, v, axes + c * k, 1, o, 1);
        }
    }
}

cs_status obs_pca_scores(cs_matrix x, size_t k_max, cs_matrix *scores, size_t *k)
{
    double *mean, *axes;
    cs_status st = obs_pca_fit(x, k_max, &mean, &axes, k);
    if (st != CS_OK)
        return st;
    if ((st = cs_matrix_alloc(x.rows, *k, scores)) == CS_OK)
        obs_pca_project(x, mean, axes, *k, *scores);
    free(mean);
    free(axes);
    return st;
}

typedef struct {
    cs_matrix x;
} rowcmp_ctx;

static int rowcmp(const void *a, const void *b, void *arg)
{
    const rowcmp_ctx *c = arg;
    const double *ra = cs_matrix_row(c->x, *(const size_t *)a), *rb = cs_matrix_row(c->x, *(const size_t *)b);
    for (size_t j = 0; j < c->x.cols; j++) {
        if (ra[j] < rb[j])
            return -1;
        if (ra[j] > rb[j])
            return 1;
    }
    return 0;
}

cs_status obs_row_codes(cs_matrix x, int32_t *codes, size_t *states)
{
    size_t n = x.rows;
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx)
        return cs_error_set(CS_ENOMEM, "out of memory coding %zu input patterns", n);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    rowcmp_ctx c = {x};
    qsort_r(idx, n, sizeof *idx, rowcmp, &c);
    size_t s = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && rowcmp(&idx[i - 1], &idx[i], &c) != 0)
            s++;
        codes[idx[i]] = (int32_t)s;
    }
    *states = n ? s + 1 : 0;
    free(idx);
    return CS_OK;
}

cs_status obs_discrete_mi(const int32_t *a, size_t na, const int32_t *b, size_t nb, size_t n, double *mi)
{
    int32_t *ab = malloc((n ? n : 1) * sizeof *ab);
    if (!ab)
        return cs_error_set(CS_ENOMEM, "out of memory for a joint code of %zu samples", n);
    size_t nab;
    double ha, hb, hab;
    cs_status st = cs_discrete_pair(a, na, b, nb, n, ab, &nab);
    if (st == CS_OK)
        st = cs_discrete_entropy_codes(a, n, na, 0, &ha);
    if (st == CS_OK)
        st = cs_discrete_entropy_codes(b, n, nb, 0, &hb);
    if (st == CS_OK)
        st = cs_discrete_entropy_codes(ab, n, nab, 0, &hab);
    free(ab);
    if (st == CS_OK)
        *mi = fmax(0.0, ha + hb - hab); /* plug-in MI is >= 0; rounding can give -1e-16 */
    return st;
}

size_t obs_unit_cap(const cs_obs_params *p, size_t n)
{
    size_t cap = n / 4;
    return p->max_units < cap ? p->max_units : cap;
}

size_t obs_select_units(cs_matrix t, const size_t *unit_order, size_t max, cs_info_estimator est, size_t *units)
{
    size_t n = t.rows, k = 0;
    /* Orthonormal basis of the accepted (centred, possibly copula-normalised)
     * columns, for the linear-independence test. */
    int linear = est != CS_EST_DISCRETE;
    double *basis = linear ? malloc((max ? max : 1) * n * sizeof *basis) : NULL;
    double *v = linear ? malloc((n ? n : 1) * sizeof *v) : NULL;
    if (linear && (!basis || !v)) {
        free(basis);
        free(v);
        linear = 0; /* out of memory: fall back to the constant test; the
                       measures then report any singular block themselves */
    }
    for (size_t r = 0; r < t.cols && k < max; r++) {
        size_t j = unit_order ? unit_order[r] : r;
        if (j >= t.cols)
            continue;
        double lo = cs_matrix_get(t, 0, j), hi = lo;
        for (size_t i = 1; i < n; i++) {
            double x = cs_matrix_get(t, i, j);
            lo = x < lo ? x : lo;
            hi = x > hi ? x : hi;
        }
        if (!(hi > lo))
            continue;
        if (linear) {
            /* A unit that is (to 1e-6 of its variance) a linear function of
             * the units already taken, e.g. two ReLU units active on the same
             * single sample, would make every covariance block holding both
             * singular: it is skipped. For the copula estimators the test is
             * on the copula-normalised column, as the measures see it. */
            if (est == CS_EST_GAUSSIAN)
                for (size_t i = 0; i < n; i++)
                    v[i] = cs_matrix_get(t, i, j);
            else
                cs_gcopula_normalise_column(cs_matrix_row(t, 0) + j, n, t.stride, v, 1);
            double mean = 0, s0 = 0;
            for (size_t i = 0; i < n; i++)
                mean += v[i] / (double)n;
            for (size_t i = 0; i < n; i++) {
                v[i] -= mean;
                s0 += v[i] * v[i];
            }
            for (int pass = 0; pass < 2; pass++) /* Gram-Schmidt, reorthogonalised */
                for (size_t q = 0; q < k; q++) {
                    double d = cblas_ddot((int)n, basis + q * n, 1, v, 1);
                    cblas_daxpy((int)n, -d, basis + q * n, 1, v, 1);
                }
            double s1 = cblas_ddot((int)n, v, 1, v, 1);
            if (!(s1 > 1e-6 * s0))
                continue;
            double inv = 1.0 / sqrt(s1);
            for (size_t i = 0; i < n; i++)
                basis[k * n + i] = v[i] * inv;
        }
        units[k++] = j;
    }
    free(basis);
    free(v);
    return k;
}

void obs_probe_free(obs_probe *pr)
{
    if (!pr)
        return;
    free(pr->x_codes);
    free(pr->y_codes);
    cs_matrix_free(&pr->x_pcs);
    cs_matrix_free(&pr->y_onehot);
    memset(pr, 0, sizeof *pr);
}

cs_status obs_probe_init(cs_matrix x, const int32_t *labels, size_t ip_dims, obs_probe *pr)
{
    memset(pr, 0, sizeof *pr);
    size_t n = x.rows;
    if (n < 4)
        return cs_error_set(CS_ESHAPE, "the probe set has %zu samples; the analysis needs at least 4", n);
    cs_status st = cs_matrix_check_finite(x, "probe inputs");
    if (st != CS_OK)
        return st;
    pr->n = n;
    pr->x_codes = malloc(n * sizeof *pr->x_codes);
    pr->y_codes = malloc(n * sizeof *pr->y_codes);
    if (!pr->x_codes || !pr->y_codes) {
        obs_probe_free(pr);
        return cs_error_set(CS_ENOMEM, "out of memory preparing the probe set");
    }
    if ((st = obs_row_codes(x, pr->x_codes, &pr->x_states)) != CS_OK)
        goto fail;
    /* Labels: dense codes in increasing label order. */
    cs_matrix lab;
    if ((st = cs_matrix_alloc(n, 1, &lab)) != CS_OK)
        goto fail;
    for (size_t i = 0; i < n; i++)
        lab.data[i] = labels[i];
    st = obs_row_codes(lab, pr->y_codes, &pr->classes);
    cs_matrix_free(&lab);
    if (st != CS_OK)
        goto fail;
    size_t k = 0;
    if ((st = obs_pca_scores(x, ip_dims, &pr->x_pcs, &k)) != CS_OK) {
        cs_error_prefix("probe inputs: ");
        goto fail;
    }
    if (pr->classes >= 2) {
        if ((st = cs_matrix_alloc(n, pr->classes - 1, &pr->y_onehot)) != CS_OK)
            goto fail;
        for (size_t i = 0; i < n; i++)
            for (size_t c = 0; c + 1 < pr->classes; c++)
                pr->y_onehot.data[i * (pr->classes - 1) + c] = pr->y_codes[i] == (int32_t)c ? 1.0 : 0.0;
    }
    return CS_OK;
fail:
    obs_probe_free(pr);
    return st;
}

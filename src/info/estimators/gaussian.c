/* Gaussian estimators: covariance, Cholesky log-determinants, entropies, MI,
 * CMI, local entropies, bias correction (API in cogscope/gaussian.h). */
#include "cogscope/gaussian.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_sf_psi.h>
#include "gsl_setup.h"

cs_status cs_gaussian_cov(cs_matrix x, const size_t *cols, size_t ncols, int ddof, double *cov, double *mean)
{
    size_t d = cols ? ncols : x.cols, n = x.rows;
    if (ddof < 0 || ddof > 1)
        return cs_error_set(CS_EINVAL, "ddof = %d must be 0 or 1", ddof);
    if (n <= (size_t)ddof || n == 0)
        return cs_error_set(CS_EINVAL, "a covariance needs more than %d samples (got %zu)", ddof, n);
    if (d == 0)
        return cs_error_set(CS_EINVAL, "a covariance needs at least one variable");
    if (cols)
        for (size_t c = 0; c < d; c++)
            if (cols[c] >= x.cols)
                return cs_error_set(CS_EINVAL, "column %zu is out of range (the data has %zu columns)", cols[c],
                                    x.cols);
    double *xc = malloc(n * d * sizeof *xc);
    double *mu = calloc(d, sizeof *mu);
    if (!xc || !mu) {
        free(xc);
        free(mu);
        return cs_error_set(CS_ENOMEM, "out of memory for the covariance of %zu x %zu", n, d);
    }
    for (size_t i = 0; i < n; i++) {
        const double *r = cs_matrix_row(x, i);
        for (size_t c = 0; c < d; c++) {
            double v = r[cols ? cols[c] : c];
            if (!isfinite(v)) {
                free(xc);
                free(mu);
                return cs_error_set(CS_ENONFINITE, "%s at row %zu, column %zu", isnan(v) ? "NaN" : "Inf", i,
                                    cols ? cols[c] : c);
            }
            xc[i * d + c] = v;
            mu[c] += v;
        }
    }
    for (size_t c = 0; c < d; c++)
        mu[c] /= (double)n;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < d; c++)
            xc[i * d + c] -= mu[c];
    /* cov = xc^T xc / (n - ddof): upper triangle from dsyrk, then mirrored. */
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)n, 1.0 / (double)(n - ddof), xc, (int)d, 0.0, cov,
                (int)d);
    for (size_t a = 0; a < d; a++)
        for (size_t b = 0; b < a; b++)
            cov[a * d + b] = cov[b * d + a];
    if (mean)
        memcpy(mean, mu, d * sizeof *mu);
    free(xc);
    free(mu);
    return CS_OK;
}

/* Cholesky of cov[idx, idx] into scratch (lower triangle = L). */
static cs_status cholesky_sub(const double *cov, size_t ld, const size_t *idx, size_t m, double *L, const char *name)
{
    for (size_t a = 0; a < m; a++) {
        size_t ia = idx ? idx[a] : a;
        for (size_t b = 0; b < m; b++)
            L[a * m + b] = cov[ia * ld + (idx ? idx[b] : b)];
    }
    for (size_t a = 0; a < m; a++)
        if (!isfinite(L[a * m + a]) || !(L[a * m + a] > 0))
            return cs_error_set(CS_ESINGULAR,
                                "%s is singular: variable %zu has variance %g (a constant "
                                "column?)",
                                name ? name : "covariance", idx ? idx[a] : a, L[a * m + a]);
    gsl_matrix_view v = gsl_matrix_view_array(L, m, m);
    int rc = gsl_linalg_cholesky_decomp1(&v.matrix);
    int bad = rc != GSL_SUCCESS;
    size_t pivot = 0;
    for (size_t a = 0; !bad && a < m; a++) {
        /* L_aa^2 is the variance of variable a left after regressing out the earlier ones. */
        double var = cov[(idx ? idx[a] : a) * (ld + 1)];
        if (!(L[a * m + a] * L[a * m + a] > CS_GAUSS_PIVOT_TOL * var)) {
            bad = 1;
            pivot = a;
        }
    }
    if (bad) {
        if (rc != GSL_SUCCESS)
            return cs_error_set(CS_ESINGULAR,
                                "%s (%zu x %zu) is not positive definite: some variables are "
                                "linearly dependent or the matrix is not a covariance",
                                name ? name : "covariance", m, m);
        return cs_error_set(CS_ESINGULAR,
                            "%s (%zu x %zu) is singular: variable %zu is a linear function of "
                            "the variables before it",
                            name ? name : "covariance", m, m, idx ? idx[pivot] : pivot);
    }
    return CS_OK;
}

cs_status cs_gaussian_logdet(const double *cov, size_t ld, const size_t *idx, size_t m, double *scratch,
                             const char *name, double *logdet)
{
    info_gsl_setup();
    if (m == 0) {
        *logdet = 0;
        return CS_OK;
    }
    double *L = scratch ? scratch : malloc(m * m * sizeof *L);
    if (!L)
        return cs_error_set(CS_ENOMEM, "out of memory for a %zu x %zu Cholesky factor", m, m);
    cs_status st = cholesky_sub(cov, ld, idx, m, L, name);
    if (!st) {
        double s = 0;
        for (size_t a = 0; a < m; a++)
            s += log(L[a * m + a]);
        *logdet = 2 * s;
    }
    if (!scratch)
        free(L);
    return st;
}

cs_status cs_gaussian_entropy(const double *cov, size_t ld, const size_t *idx, size_t m, double *scratch,
                              const char *name, double *h)
{
    double ld_ = 0;
    cs_status st = cs_gaussian_logdet(cov, ld, idx, m, scratch, name, &ld_);
    if (st)
        return st;
    *h = 0.5 * ((double)m * log(2 * M_PI * M_E) + ld_);
    return CS_OK;
}

/* Entropy of the union of up to three index sets. */
static cs_status h_union(const double *cov, size_t ld, const size_t *a, size_t na, const size_t *b, size_t nb,
                         const size_t *c, size_t nc, const char *name, double *h)
{
    size_t m = na + nb + nc;
    size_t *idx = malloc((m ? m : 1) * sizeof *idx);
    double *scratch = malloc((m ? m * m : 1) * sizeof *scratch);
    if (!idx || !scratch) {
        free(idx);
        free(scratch);
        return cs_error_set(CS_ENOMEM, "out of memory");
    }
    if (na)
        memcpy(idx, a, na * sizeof *idx);
    if (nb)
        memcpy(idx + na, b, nb * sizeof *idx);
    if (nc)
        memcpy(idx + na + nb, c, nc * sizeof *idx);
    cs_status st = cs_gaussian_entropy(cov, ld, idx, m, scratch, name, h);
    free(idx);
    free(scratch);
    return st;
}

cs_status cs_gaussian_mi(const double *cov, size_t ld, const size_t *a, size_t na, const size_t *b, size_t nb,
                         const char *name, double *mi)
{
    double ha, hb, hab;
    cs_status st;
    if ((st = h_union(cov, ld, a, na, NULL, 0, NULL, 0, name, &ha)) ||
        (st = h_union(cov, ld, b, nb, NULL, 0, NULL, 0, name, &hb)) ||
        (st = h_union(cov, ld, a, na, b, nb, NULL, 0, name, &hab)))
        return st;
    *mi = ha + hb - hab;
    return CS_OK;
}

cs_status cs_gaussian_cmi(const double *cov, size_t ld, const size_t *a, size_t na, const size_t *b, size_t nb,
                          const size_t *c, size_t nc, const char *name, double *cmi)
{
    double hac, hbc, hc, habc;
    cs_status st;
    if ((st = h_union(cov, ld, a, na, c, nc, NULL, 0, name, &hac)) ||
        (st = h_union(cov, ld, b, nb, c, nc, NULL, 0, name, &hbc)) ||
        (st = h_union(cov, ld, c, nc, NULL, 0, NULL, 0, name, &hc)) ||
        (st = h_union(cov, ld, a, na, b, nb, c, nc, name, &habc)))
        return st;
    *cmi = hac + hbc - hc - habc;
    return CS_OK;
}

double cs_gaussian_entropy_bias(size_t m, size_t n, int ddof)
{
    if (m == 0)
        return 0;
    double bias = (double)m * (log(2.0) - log((double)n - ddof)) / 2.0;
    for (size_t i = 1; i <= m; i++)
        bias += gsl_sf_psi(((double)n - (double)i) / 2.0) / 2.0;
    return bias;
}

cs_status cs_gaussian_local_entropy(cs_matrix x, const double *mean, const double *cov, size_t ld, const size_t *idx,
                                    size_t m, const char *name, double *local)
{
    info_gsl_setup();
    size_t n = x.rows;
    if (m == 0) {
        memset(local, 0, n * sizeof *local);
        return CS_OK;
    }
    double *L = malloc(m * m * sizeof *L);
    double *v = malloc((n ? n : 1) * m * sizeof *v);
    if (!L || !v) {
        free(L);
        free(v);
        return cs_error_set(CS_ENOMEM, "out of memory for local entropies of %zu x %zu", n, m);
    }
    cs_status st = cholesky_sub(cov, ld, idx, m, L, name);
    if (!st) {
        double logdet = 0;
        for (size_t a = 0; a < m; a++)
            logdet += 2 * log(L[a * m + a]);
        for (size_t i = 0; i < n; i++) {
            const double *r = cs_matrix_row(x, i);
            for (size_t a = 0; a < m; a++) {
                size_t ia = idx ? idx[a] : a;
                v[i * m + a] = r[ia] - mean[ia];
            }
        }
        /* Rows v_i = L w_i  <=>  V = W L^T: solve W = V L^{-T}; |w_i|^2 is the Mahalanobis distance. */
        if (n)
            cblas_dtrsm(CblasRowMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, (int)n, (int)m, 1.0, L,
                        (int)m, v, (int)m);
        double c0 = 0.5 * ((double)m * log(2 * M_PI) + logdet);
        for (size_t i = 0; i < n; i++) {
            double q = 0;
            for (size_t a = 0; a < m; a++)
                q += v[i * m + a] * v[i * m + a];
            local[i] = c0 + 0.5 * q;
        }
    }
    free(L);
    free(v);
    return st;
}

/* The parts of a layer for Omega (omega_internal.h): standardised columns,
 * principal components of a block and the minimum-information bipartition
 * of the units (exhaustive over balanced splits for small layers, spectral
 * bisection for large ones). */
#include "omega_internal.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cblas.h>
#include <lapacke.h>

#include "cogscope/columns.h"
#include "cogscope/gaussian.h"
#include "cogscope/gcopula.h"
#include "cogscope/rng.h"

/* Ridge added to the correlation matrix before the bipartition's
 * log-determinants: duplicated or collinear units keep a finite (large)
 * I(A;B) when split, so the search keeps them together. */
#define OMEGA_RIDGE 1e-6

void omega_block_free(omega_block *b)
{
    free(b->z);
    free(b->eval);
    free(b->evec);
    memset(b, 0, sizeof *b);
}

/* z-score column j of x into out (stride ld): sample mean and sd (n - 1). */
static void zscore_column(cs_matrix x, size_t j, double *out, size_t ld)
{
    size_t n = x.rows;
    double mean, ss;
    cs_columns_mean_ss(x, j, &mean, &ss);
    double sd = sqrt(ss / (double)(n - 1));
    for (size_t i = 0; i < n; i++)
        out[i * ld] = (cs_matrix_get(x, i, j) - mean) / sd;
}

/* Copula-normalise column j of x into out (stride ld) after adding seeded
 * noise of 1e-8 of the column's sd, so that tied values (a ReLU unit's
 * zeros, a saturated unit's ones) get random ranks as in GCMI's argsort
 * instead of one average rank: a unit constant within a class would
 * otherwise make that class's covariance singular. tmp: n doubles. */
static cs_status copula_column(cs_matrix x, size_t j, uint64_t seed, double *tmp, double *out, size_t ld)
{
    size_t n = x.rows;
    double mean, ss;
    cs_columns_mean_ss(x, j, &mean, &ss);
    double sd = 1e-8 * sqrt(ss / (double)(n - 1));
    cs_rng *rng;
    cs_status st = cs_rng_create_stream(seed, ((uint64_t)1 << 40) + j, &rng);
    if (st != CS_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        tmp[i] = cs_matrix_get(x, i, j) + cs_rng_gaussian(rng, sd);
    cs_rng_destroy(rng);
    return cs_gcopula_normalise_column(tmp, n, 1, out, ld);
}

cs_status omega_standardise(cs_matrix x, int copula, uint64_t seed, omega_block *b, unsigned char *keep)
{
    memset(b, 0, sizeof *b);
    size_t n = x.rows, m = 0;
    for (size_t j = 0; j < x.cols; j++) {
        int k = !cs_columns_constant(x, j);
        m += (size_t)k;
        if (keep)
            keep[j] = (unsigned char)k;
    }
    b->n = n;
    b->m = m;
    if (m == 0)
        return CS_OK;
    double *tmp = malloc(n * sizeof *tmp);
    if (!(b->z = malloc(n * m * sizeof *b->z)) || !tmp) {
        free(tmp);
        return cs_error_set(CS_ENOMEM, "out of memory standardising %zu x %zu values", n, m);
    }
    cs_status st = CS_OK;
    for (size_t j = 0, c = 0; j < x.cols && st == CS_OK; j++) {
        if (cs_columns_constant(x, j))
            continue;
        if (copula)
            st = copula_column(x, j, seed, tmp, b->z + c, m);
        else
            zscore_column(x, j, b->z + c, m);
        c++;
    }
    free(tmp);
    return st;
}

cs_status omega_block_select(const double *z, size_t n, size_t ld, const size_t *cols, size_t m, omega_block *b)
{
    memset(b, 0, sizeof *b);
    b->n = n;
    b->m = m;
    if (!(b->z = malloc((n * m > 0 ? n * m : 1) * sizeof *b->z)))
        return cs_error_set(CS_ENOMEM, "out of memory copying %zu x %zu values", n, m);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++)
            b->z[i * m + j] = z[i * ld + cols[j]];
    return CS_OK;
}

/* Eigen-decomposition of the symmetric m x m matrix a (destroyed): w
 * ascending, v row-major with column j the eigenvector of w[j]. LAPACK's
 * dsyevr (GSL's symmv was seen to loop on OpenBLAS: src/observe/prep.c). */
static cs_status sym_eigen(double *a, size_t m, double *w, double *v)
{
    if (m > INT_MAX / 2)
        return cs_error_set(CS_ELIMIT, "an eigen-decomposition of %zu columns is too large for LAPACK", m);
    lapack_int *isuppz = malloc(2 * m * sizeof *isuppz), found = 0;
    if (!isuppz)
        return cs_error_set(CS_ENOMEM, "out of memory for an eigen-decomposition of %zu columns", m);
    lapack_int info = LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'A', 'U', (lapack_int)m, a, (lapack_int)m, 0.0, 0.0, 0, 0,
                                     0.0, &found, w, v, (lapack_int)m, isuppz);
    free(isuppz);
    if (info != 0 || found != (lapack_int)m)
        return cs_error_set(CS_ENOCONV, "LAPACK dsyevr failed on a %zu x %zu matrix (info %d)", m, m, (int)info);
    return CS_OK;
}

cs_status omega_block_eigen(omega_block *b)
{
    size_t m = b->m;
    double *cov = malloc(m * m * sizeof *cov), *w = malloc(m * sizeof *w), *v = malloc(m * m * sizeof *v);
    b->eval = malloc(m * sizeof *b->eval);
    b->evec = malloc(m * m * sizeof *b->evec);
    cs_status st = CS_OK;
    if (!cov || !w || !v || !b->eval || !b->evec) {
        st = cs_error_set(CS_ENOMEM, "out of memory for the principal components of %zu columns", m);
        goto done;
    }
    if ((st = cs_gaussian_cov(cs_matrix_view(b->z, b->n, m), NULL, 0, 1, cov, NULL)) != CS_OK ||
        (st = sym_eigen(cov, m, w, v)) != CS_OK)
        goto done;
    /* Descending order; the sign makes each axis' largest loading positive,
     * so the scores do not flip between eigensolver runs. */
    for (size_t j = 0; j < m; j++) {
        size_t src = m - 1 - j, arg = 0;
        b->eval[j] = w[src];
        for (size_t c = 0; c < m; c++)
            if (fabs(v[c * m + src]) > fabs(v[arg * m + src]))
                arg = c;
        double sign = v[arg * m + src] < 0 ? -1.0 : 1.0;
        for (size_t c = 0; c < m; c++)
            b->evec[c * m + j] = sign * v[c * m + src];
    }
    b->rank = 0;
    while (b->rank < m && b->eval[0] > 0 && b->eval[b->rank] > 1e-10 * b->eval[0])
        b->rank++;
done:
    free(cov);
    free(w);
    free(v);
    return st;
}

void omega_block_project(const omega_block *b, size_t k, double *out, size_t ld)
{
    if (k == 0)
        return;
    /* out (n x k, stride ld) = z (n x m) . evec[:, 0..k) (m x k, stride m) */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)b->n, (int)k, (int)b->m, 1.0, b->z, (int)b->m,
                b->evec, (int)b->m, 0.0, out, (int)ld);
    for (size_t j = 0; j < k; j++) {
        double s = 1.0 / sqrt(b->eval[j]);
        for (size_t i = 0; i < b->n; i++)
            out[i * ld + j] *= s;
    }
}

/* The correlation matrix (m x m) of the standardised columns, plus the ridge. */
static cs_status correlation(const double *z, size_t n, size_t m, double *r)
{
    cs_status st = cs_gaussian_cov(cs_matrix_view((double *)z, n, m), NULL, 0, 1, r, NULL);
    if (st != CS_OK)
        return st;
    double *sd = malloc(m * sizeof *sd);
    if (!sd)
        return cs_error_set(CS_ENOMEM, "out of memory for a correlation matrix of %zu columns", m);
    for (size_t j = 0; j < m; j++)
        sd[j] = sqrt(r[j * m + j]);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m; j++)
            r[i * m + j] = r[i * m + j] / (sd[i] * sd[j]) + (i == j ? OMEGA_RIDGE : 0.0);
    free(sd);
    return CS_OK;
}

/* 2 I(A;B) + ln det R of the split in_b: ln det R_A + ln det R_B. */
static cs_status split_logdet(const double *r, size_t m, const unsigned char *in_b, size_t *idx, double *scratch,
                              double *out)
{
    double sum = 0;
    for (int side = 0; side < 2; side++) {
        size_t k = 0;
        for (size_t j = 0; j < m; j++)
            if (in_b[j] == side)
                idx[k++] = j;
        double ld;
        cs_status st = cs_gaussian_logdet(r, m, idx, k, scratch, "the units' correlation matrix", &ld);
        if (st != CS_OK)
            return st;
        sum += ld;
    }
    *out = sum;
    return CS_OK;
}

/* Exhaustive search: every balanced split with column 0 in A (Gosper's
 * hack over the masks of B's h2 = m - floor(m/2) columns among 1..m-1 when
 * m is even, among all m columns with A of size floor(m/2) when m is odd). */
static cs_status exact_split(const double *r, size_t m, unsigned char *in_b, size_t *idx, double *scratch,
                             double *best)
{
    size_t hb = m - m / 2; /* |B| */
    uint64_t full = ((uint64_t)1 << m) - 1;
    unsigned char *cur = malloc(m);
    if (!cur)
        return cs_error_set(CS_ENOMEM, "out of memory for a bipartition of %zu units", m);
    *best = INFINITY;
    cs_status st = CS_OK;
    for (uint64_t mask = ((uint64_t)1 << hb) - 1; mask <= full;) {
        if (!(mask & 1)) { /* column 0 stays in A */
            for (size_t j = 0; j < m; j++)
                cur[j] = (unsigned char)((mask >> j) & 1);
            double v;
            if ((st = split_logdet(r, m, cur, idx, scratch, &v)) != CS_OK)
                break;
            if (v < *best) {
                *best = v;
                memcpy(in_b, cur, m);
            }
        }
        uint64_t c = mask & -mask, next = mask + c;
        if (next == 0 || next > full)
            break;
        mask = (((next ^ mask) >> 2) / c) | next;
    }
    free(cur);
    return st;
}

/* Spectral bisection: units sorted by the Fiedler vector u = D^-1/2 v2 of
 * the normalised Laplacian of w_ij = -ln(1 - rho_ij^2) / 2 (v2 the second
 * largest eigenvector of D^-1/2 W D^-1/2); A = the floor(m/2) first. */
static int cmp_key(const void *a, const void *b)
{
    const double *x = a, *y = b;
    if (x[0] != y[0])
        return x[0] < y[0] ? -1 : 1;
    return (x[1] > y[1]) - (x[1] < y[1]);
}

static cs_status spectral_split(const double *r, size_t m, unsigned char *in_b)
{
    double *w = malloc(m * m * sizeof *w), *v = malloc(m * m * sizeof *v), *ev = malloc(m * sizeof *ev);
    double *deg = malloc(m * sizeof *deg), *key = malloc(2 * m * sizeof *key);
    cs_status st = CS_OK;
    if (!w || !v || !ev || !deg || !key) {
        st = cs_error_set(CS_ENOMEM, "out of memory for a spectral bisection of %zu units", m);
        goto done;
    }
    for (size_t i = 0; i < m; i++) {
        deg[i] = 1e-12; /* isolated units keep a finite degree */
        for (size_t j = 0; j < m; j++) {
            double rho = i == j ? 0.0 : r[i * m + j] / (1.0 + OMEGA_RIDGE);
            double r2 = fmin(rho * rho, 1.0 - 1e-12);
            w[i * m + j] = -0.5 * log1p(-r2);
            deg[i] += w[i * m + j];
        }
    }
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m; j++)
            w[i * m + j] /= sqrt(deg[i] * deg[j]);
    if ((st = sym_eigen(w, m, ev, v)) != CS_OK)
        goto done;
    for (size_t j = 0; j < m; j++) {
        key[2 * j] = v[j * m + (m - 2)] / sqrt(deg[j]);
        key[2 * j + 1] = (double)j;
    }
    qsort(key, m, 2 * sizeof *key, cmp_key);
    for (size_t q = 0; q < m; q++)
        in_b[(size_t)key[2 * q + 1]] = q >= m / 2;
    if (in_b[0]) /* column 0 in A, as the exhaustive search */
        for (size_t j = 0; j < m; j++)
            in_b[j] = !in_b[j];
done:
    free(w);
    free(v);
    free(ev);
    free(deg);
    free(key);
    return st;
}

cs_status omega_bipartition(const double *z, size_t n, size_t m, size_t exact_max, unsigned char *in_b, int *exact,
                            double *mi_ab)
{
    if (m < 2)
        return cs_error_set(CS_EINVAL, "a bipartition needs at least 2 units (got %zu)", m);
    double *r = malloc(m * m * sizeof *r), *scratch = malloc(m * m * sizeof *scratch);
    size_t *idx = malloc(m * sizeof *idx);
    cs_status st = CS_OK;
    if (!r || !scratch || !idx) {
        st = cs_error_set(CS_ENOMEM, "out of memory for a bipartition of %zu units", m);
        goto done;
    }
    if ((st = correlation(z, n, m, r)) != CS_OK)
        goto done;
    *exact = m <= exact_max && m < 63;
    double split = 0, whole = 0;
    if (*exact)
        st = exact_split(r, m, in_b, idx, scratch, &split);
    else if ((st = spectral_split(r, m, in_b)) == CS_OK)
        st = split_logdet(r, m, in_b, idx, scratch, &split);
    if (st == CS_OK)
        st = cs_gaussian_logdet(r, m, NULL, m, scratch, "the units' correlation matrix", &whole);
    if (st == CS_OK)
        *mi_ab = 0.5 * (split - whole);
done:
    free(r);
    free(scratch);
    free(idx);
    return st;
}

/* Mutual information between a continuous X and a discrete Y: Gaussian
 * class-conditional model and mixture (Ince et al. 2017), and Ross's (2014)
 * nearest-neighbour estimator. Conventions in cogscope/mixed.h. */
#include "cogscope/mixed.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sf_psi.h>

#include "cogscope/columns.h"
#include "cogscope/discrete.h"
#include "cogscope/gaussian.h"
#include "cogscope/gcopula.h"
#include "kdtree.h"
#include "gsl_setup.h"

void cs_mixed_params_default(cs_mixed_estimator e, cs_mixed_params *p)
{
    memset(p, 0, sizeof *p);
    p->estimator = e;
    p->bias_correct = 1;
    p->knn = 4;
    p->normalize = 1;
    p->clamp = 1;
}

cs_status cs_mixed_codes(cs_matrix y, int32_t *codes, size_t *classes)
{
    cs_symbols s;
    cs_status st = cs_discrete_from_matrix(y, 0, &s);
    if (st != CS_OK)
        return st;
    st = cs_discrete_joint_all(&s, codes, classes);
    cs_symbols_free(&s);
    return st;
}

/* Class sizes of y (C entries), checking every code is in range and used. */
static cs_status class_counts(const int32_t *y, size_t n, size_t C, size_t *cnt)
{
    memset(cnt, 0, C * sizeof *cnt);
    for (size_t i = 0; i < n; i++) {
        if (y[i] < 0 || (size_t)y[i] >= C)
            return cs_error_set(CS_EINVAL, "label %d of row %zu is outside [0, %zu)", (int)y[i], i, C);
        cnt[y[i]]++;
    }
    for (size_t c = 0; c < C; c++)
        if (!cnt[c])
            return cs_error_set(CS_EINVAL, "label code %zu of [0, %zu) never occurs", c, C);
    return CS_OK;
}

/* Rows of x whose label is c, as a new n_c x d matrix. */
static cs_status class_rows(cs_matrix x, const int32_t *y, int32_t c, size_t nc, cs_matrix *out)
{
    cs_status st = cs_matrix_alloc(nc, x.cols, out);
    for (size_t i = 0, r = 0; st == CS_OK && i < x.rows; i++)
        if (y[i] == c)
            memcpy(out->data + (r++) * x.cols, cs_matrix_row(x, i), x.cols * sizeof(double));
    return st;
}

/* ---- Gaussian class-conditional model (gcmi_model_cd) ---------------------- */

/* 0.5 ln det of the (n - 1)-divisor covariance of x, bias-corrected. */
static cs_status half_logdet(cs_matrix x, int correct, const char *what, double *h)
{
    size_t d = x.cols;
    double *cov = malloc(d * d * sizeof *cov);
    if (!cov)
        return cs_error_set(CS_ENOMEM, "out of memory");
    double ld = 0;
    cs_status st = cs_gaussian_cov(x, NULL, 0, 1, cov, NULL);
    if (st == CS_OK)
        st = cs_gaussian_logdet(cov, d, NULL, d, NULL, what, &ld);
    free(cov);
    *h = 0.5 * ld - (correct ? cs_gaussian_entropy_bias(d, x.rows, 1) : 0);
    return st;
}

static cs_status model_mi(cs_matrix x, const int32_t *y, size_t C, const size_t *cnt, int correct, double *mi)
{
    size_t n = x.rows, d = x.cols;
    double h;
    cs_status st = half_logdet(x, correct, "covariance of X", &h);
    for (size_t c = 0; c < C && st == CS_OK; c++) {
        if (cnt[c] <= d + (correct ? 1 : 0))
            return cs_error_set(CS_EINVAL,
                                "class %zu has %zu samples: the Gaussian class model of %zu dimensions "
                                "needs more than %zu",
                                c, cnt[c], d, d + (correct ? 1 : 0));
        cs_matrix xc;
        if ((st = class_rows(x, y, (int32_t)c, cnt[c], &xc)) != CS_OK)
            break;
        char what[64];
        snprintf(what, sizeof what, "covariance of X in class %zu", c);
        double hc;
        st = half_logdet(xc, correct, what, &hc);
        cs_matrix_free(&xc);
        h -= (double)cnt[c] / (double)n * hc;
    }
    *mi = h;
    return st;
}

/* ---- Gaussian mixture with the unscented transform (gcmi_mixture_cd) ------ */

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_dbl);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Each column of a class copula-normalised, then placed at the class's
 * median with a scale of 1.4826 x its median absolute deviation (the
 * Gaussian-consistent robust scale): GCMI's robust fit of each mixture
 * component. In place on xc (n_c x d). */
static cs_status robust_copula(cs_matrix xc)
{
    size_t n = xc.rows;
    double *v = malloc(n * sizeof *v), *cp = malloc(n * sizeof *cp);
    cs_status st = v && cp ? CS_OK : cs_error_set(CS_ENOMEM, "out of memory");
    for (size_t j = 0; j < xc.cols && st == CS_OK; j++) {
        for (size_t i = 0; i < n; i++)
            v[i] = cs_matrix_get(xc, i, j);
        if ((st = cs_gcopula_normalise_column(xc.data + j, n, xc.stride, cp, 1)) != CS_OK)
            break;
        double med = median(v, n);
        for (size_t i = 0; i < n; i++)
            v[i] = fabs(v[i] - med);
        double mad = median(v, n);
        for (size_t i = 0; i < n; i++)
            xc.data[i * xc.stride + j] = cp[i] * 1.482602218505602 * mad + med;
    }
    free(v);
    free(cp);
    return st;
}

/* Lower Cholesky factor of a d x d covariance in place (row-major); 0 when
 * a pivot is not above CS_GAUSS_PIVOT_TOL of its variable's variance (a
 * class whose values are collinear up to rounding: its pivot's sign, and so
 * a value or NaN, would otherwise depend on the machine's last bits). */
static int cholesky(double *a, size_t d)
{
    for (size_t j = 0; j < d; j++) {
        double s = a[j * d + j];
        for (size_t k = 0; k < j; k++)
            s -= a[j * d + k] * a[j * d + k];
        if (!(s > CS_GAUSS_PIVOT_TOL * a[j * d + j]))
            return 0;
        a[j * d + j] = sqrt(s);
        for (size_t i = j + 1; i < d; i++) {
            double t = a[i * d + j];
            for (size_t k = 0; k < j; k++)
                t -= a[i * d + k] * a[j * d + k];
            a[i * d + j] = t / a[j * d + j];
        }
        for (size_t k = j + 1; k < d; k++)
            a[j * d + k] = 0;
    }
    return 1;
}

/* ln N(p; m, L L^T) with L lower-triangular (d x d). */
static double log_normal(const double *p, const double *m, const double *L, size_t d, double *z)
{
    double q = 0, ld = 0;
    for (size_t i = 0; i < d; i++) {
        double s = p[i] - m[i];
        for (size_t k = 0; k < i; k++)
            s -= L[i * d + k] * z[k];
        z[i] = s / L[i * d + i];
        q += z[i] * z[i];
        ld += log(L[i * d + i]);
    }
    return -0.5 * q - ld - 0.5 * (double)d * log(2 * M_PI);
}

static cs_status mixture_mi(cs_matrix x, const int32_t *y, size_t C, const size_t *cnt, int copula, double *mi)
{
    size_t n = x.rows, d = x.cols;
    double *mean = calloc(C * d, sizeof *mean), *L = malloc(C * d * d * sizeof *L);
    double *w = malloc(C * sizeof *w), *hc = malloc(C * sizeof *hc), *z = malloc(d * sizeof *z);
    double *pt = malloc(d * sizeof *pt), *ll = malloc(C * sizeof *ll);
    cs_status st = mean && L && w && hc && z && pt && ll ? CS_OK : cs_error_set(CS_ENOMEM, "out of memory");
    for (size_t c = 0; c < C && st == CS_OK; c++) {
        if (cnt[c] <= d)
            st = cs_error_set(CS_EINVAL,
                              "class %zu has %zu samples: a mixture component of %zu dimensions needs more "
                              "than %zu",
                              c, cnt[c], d, d);
        cs_matrix xc = {0};
        if (st == CS_OK)
            st = class_rows(x, y, (int32_t)c, cnt[c], &xc);
        if (st == CS_OK && copula)
            st = robust_copula(xc);
        if (st == CS_OK)
            st = cs_gaussian_cov(xc, NULL, 0, 1, L + c * d * d, mean + c * d);
        cs_matrix_free(&xc);
        if (st == CS_OK && !cholesky(L + c * d * d, d))
            st = cs_error_set(CS_ESINGULAR,
                              "covariance of X in class %zu is singular (constant or "
                              "collinear values in that class)",
                              c);
        if (st != CS_OK)
            break;
        w[c] = (double)cnt[c] / (double)n;
        double ld = 0;
        for (size_t i = 0; i < d; i++)
            ld += log(L[c * d * d + i * d + i]);
        hc[c] = ld + 0.5 * (double)d * (log(2 * M_PI) + 1);
    }
    if (st == CS_OK) {
        /* H(mixture) ~ -sum_c w_c mean over the 2d sigma points of class c of
         * ln sum_m w_m N(point; m). */
        double hmix = 0, hcond = 0, sq = sqrt((double)d);
        for (size_t c = 0; c < C; c++) {
            const double *Lc = L + c * d * d;
            double acc = 0;
            for (size_t j = 0; j < 2 * d; j++) {
                size_t col = j % d;
                double sign = j < d ? 1.0 : -1.0;
                for (size_t i = 0; i < d; i++)
                    pt[i] = mean[c * d + i] + sign * sq * Lc[i * d + col];
                double top = -INFINITY;
                for (size_t m = 0; m < C; m++) {
                    ll[m] = log(w[m]) + log_normal(pt, mean + m * d, L + m * d * d, d, z);
                    top = fmax(top, ll[m]);
                }
                double s = 0;
                for (size_t m = 0; m < C; m++)
                    s += exp(ll[m] - top);
                acc += top + log(s);
            }
            hmix -= w[c] * acc / (double)(2 * d);
            hcond += w[c] * hc[c];
        }
        *mi = hmix - hcond;
    }
    free(mean);
    free(L);
    free(w);
    free(hc);
    free(z);
    free(pt);
    free(ll);
    return st;
}

/* ---- Ross 2014 nearest neighbours ------------------------------------------ */

static cs_status ross_mi(cs_matrix x, const int32_t *y, size_t C, const size_t *cnt, int k, double *mi, double *local)
{
    size_t n = x.rows, d = x.cols;
    /* Samples of classes with >= 2 members, grouped by class. */
    size_t *start = calloc(C + 1, sizeof *start), *rows = malloc(n * sizeof *rows);
    double *pts = malloc(n * d * sizeof *pts), *radius = malloc(n * sizeof *radius);
    kdtree **trees = calloc(C, sizeof *trees);
    kdtree *all = NULL;
    cs_status st = start && rows && pts && radius && trees ? CS_OK : cs_error_set(CS_ENOMEM, "out of memory");
    size_t N = 0;
    for (size_t c = 0; c < C && st == CS_OK; c++) {
        start[c] = N;
        if (cnt[c] < 2)
            continue;
        for (size_t i = 0; i < n; i++)
            if (y[i] == (int32_t)c) {
                rows[N] = i;
                memcpy(pts + N * d, cs_matrix_row(x, i), d * sizeof *pts);
                N++;
            }
        st = kdtree_create(pts + start[c] * d, N - start[c], d, d, 1, &trees[c]);
    }
    if (st == CS_OK) {
        start[C] = N;
        if (N < 2)
            st = cs_error_set(CS_EINVAL, "no class has two samples: nearest neighbours are undefined");
    }
    if (st == CS_OK)
        st = kdtree_create(pts, N, d, d, 1, &all);
    if (st == CS_OK) {
        double sum = 0;
        if (local)
            memset(local, 0, n * sizeof *local);
        double *dist = malloc((size_t)k * sizeof *dist), *r = malloc(d * sizeof *r);
        size_t *idx = malloc((size_t)k * sizeof *idx);
        if (!dist || !r || !idx)
            st = cs_error_set(CS_ENOMEM, "out of memory");
        for (size_t c = 0; c < C && st == CS_OK; c++) {
            if (cnt[c] < 2)
                continue;
            size_t kc = (size_t)k < cnt[c] - 1 ? (size_t)k : cnt[c] - 1;
            double base = gsl_sf_psi((double)N) + gsl_sf_psi((double)kc) - gsl_sf_psi((double)cnt[c]);
            for (size_t q = start[c]; q < start[c + 1]; q++) {
                kdtree_exclusion ex = {.self = q - start[c]};
                const double *p = pts + q * d;
                size_t got = kdtree_knn(trees[c], p, kc, &ex, dist, idx);
                /* sklearn: radius = nextafter(r_k, 0), counted with <=, i.e.
                 * every sample strictly closer than the k-th neighbour. */
                double rad = nextafter(dist[got - 1], 0);
                for (size_t j = 0; j < d; j++)
                    r[j] = rad;
                size_t m = kdtree_count(all, p, r, 0);
                double v = base - gsl_sf_psi((double)m);
                sum += v;
                if (local)
                    local[rows[q]] = v;
            }
        }
        free(dist);
        free(r);
        free(idx);
        *mi = sum / (double)N;
    }
    for (size_t c = 0; trees && c < C; c++)
        kdtree_destroy(trees[c]);
    kdtree_destroy(all);
    free(trees);
    free(start);
    free(rows);
    free(pts);
    free(radius);
    return st;
}

/* z-score every column (sample std) of a copy, then add the noise. */
static cs_status ksg_prepare(const cs_mixed_params *p, cs_matrix x, cs_matrix *out)
{
    cs_status st = cs_matrix_alloc(x.rows, x.cols, out);
    if (st != CS_OK)
        return st;
    for (size_t i = 0; i < x.rows; i++)
        memcpy(out->data + i * x.cols, cs_matrix_row(x, i), x.cols * sizeof(double));
    if (p->normalize && x.rows > 1)
        for (size_t j = 0; j < x.cols; j++) {
            double mean = 0, ss = 0;
            for (size_t i = 0; i < x.rows; i++)
                mean += out->data[i * x.cols + j];
            mean /= (double)x.rows;
            for (size_t i = 0; i < x.rows; i++)
                ss += (out->data[i * x.cols + j] - mean) * (out->data[i * x.cols + j] - mean);
            double sd = sqrt(ss / (double)(x.rows - 1));
            if (!(sd > 0)) {
                cs_matrix_free(out);
                return cs_error_set(CS_EINVAL, "column %zu of X is constant: it cannot be z-scored", j);
            }
            for (size_t i = 0; i < x.rows; i++)
                out->data[i * x.cols + j] = (out->data[i * x.cols + j] - mean) / sd;
        }
    if ((st = cs_columns_jitter(*out, p->noise_sd, p->noise_seed)) != CS_OK)
        cs_matrix_free(out);
    return st;
}

cs_status cs_mixed_mi(const cs_mixed_params *p, cs_matrix x, const int32_t *y, size_t classes, double *value,
                      double *local, int *clamped)
{
    info_gsl_setup();
    *value = NAN;
    if (clamped)
        *clamped = 0;
    if (x.rows < 2 || x.cols == 0 || !y)
        return cs_error_set(CS_EINVAL, "I(X;Y): need X with at least 2 rows and 1 column, and labels");
    if (classes < 1)
        return cs_error_set(CS_EINVAL, "I(X;Y): no classes");
    if (p->estimator == CS_MIXED_KSG && p->knn < 1)
        return cs_error_set(CS_EINVAL, "nearest-neighbour count k = %d must be >= 1", p->knn);
    if (local && p->estimator != CS_MIXED_KSG)
        return cs_error_set(CS_EINVAL, "local values of I(continuous; discrete) exist for ksg1 only: the "
                                       "Gaussian class model is not a mean of per-sample terms");
    cs_status st = cs_matrix_check_finite(x, "x");
    if (st != CS_OK)
        return st;
    size_t C = classes, *cnt = malloc(C * sizeof *cnt);
    if (!cnt)
        return cs_error_set(CS_ENOMEM, "out of memory");
    if ((st = class_counts(y, x.rows, C, cnt)) != CS_OK) {
        free(cnt);
        return st;
    }
    cs_matrix w = {0};
    double mi = 0;
    if (C == 1) {
        mi = 0; /* one class: Y is constant, nothing to learn about it */
        if (local)
            memset(local, 0, x.rows * sizeof *local);
    } else if (p->estimator == CS_MIXED_KSG) {
        if ((st = ksg_prepare(p, x, &w)) == CS_OK)
            st = ross_mi(w, y, C, cnt, p->knn, &mi, local);
    } else {
        int copula = p->estimator == CS_MIXED_GCOPULA;
        if ((st = cs_matrix_alloc(x.rows, x.cols, &w)) == CS_OK) {
            for (size_t i = 0; i < x.rows; i++)
                memcpy(w.data + i * x.cols, cs_matrix_row(x, i), x.cols * sizeof(double));
            /* Seeded tie-breaking (GCMI breaks ties by row position): a tie
             * block then spreads over its ranks instead of one shared value. */
            st = cs_columns_jitter(w, p->noise_sd, p->noise_seed);
            if (st == CS_OK && copula && !p->gc_mixture)
                st = cs_gcopula_normalise(w, w);
        }
        if (st == CS_OK)
            st = p->gc_mixture ? mixture_mi(w, y, C, cnt, copula, &mi) : model_mi(w, y, C, cnt, p->bias_correct, &mi);
    }
    cs_matrix_free(&w);
    if (st != CS_OK) {
        free(cnt);
        return st;
    }
    /* The bound of any mixture: I(X;Y) <= H(Y), the plug-in entropy of the
     * class weights. The Gaussian class model can exceed it (tight classes
     * in many dimensions); the others only by sampling noise. */
    double hy = 0;
    for (size_t c = 0; c < C; c++) {
        double pc = (double)cnt[c] / (double)x.rows;
        hy -= pc * log(pc);
    }
    free(cnt);
    int low = mi<0, high = mi> hy;
    if (clamped)
        *clamped = p->clamp && (low || high);
    if (p->clamp)
        mi = low ? 0 : high ? hy : mi;
    *value = mi;
    return CS_OK;
}

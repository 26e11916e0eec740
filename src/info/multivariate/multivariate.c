/* Multivariate measures of one set of variables: plans, entropies of subsets,
 * the Gaussian Cholesky kernel, TC/DTC/O/S/TSE (API in cogscope/multivariate.h;
 * all multiplets at once are in multiplets.c). */
#include "multivariate_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>

#include "cogscope/gaussian.h"
#include "cogscope/measure.h"
#include "gsl_setup.h"

/* Up to this order the hand-written Cholesky runs (no call overhead, which
 * dominates for the 3..5-variable blocks of multiplet scans); above it GSL's
 * recursive, BLAS-3 Cholesky is faster. */
#define MV_SMALL 32

static const char *const measure_names[CS_MV_MEASURE_COUNT] = {"tc", "dtc", "oinfo", "sinfo", "tse"};

const char *cs_mv_measure_name(cs_mv_measure m)
{
    return (unsigned)m < CS_MV_MEASURE_COUNT ? measure_names[m] : NULL;
}

cs_status cs_mv_measure_parse(const char *name, cs_mv_measure *out)
{
    for (int i = 0; i < CS_MV_MEASURE_COUNT; i++)
        if (name && !strcmp(name, measure_names[i])) {
            *out = (cs_mv_measure)i;
            return CS_OK;
        }
    return cs_error_set(CS_EINVAL, "unknown multivariate measure '%s' (tc, dtc, oinfo, sinfo, tse)",
                        name ? name : "(null)");
}

/* ---- estimators prepared for the measures ------------------------------------- */

/* The measures' caches on a prepared estimator: labels, the bias table
 * (zero unless corrected) and h1 (and ln_var for a covariance). */
static cs_status mv_cache(cs_estimator *e, const size_t *labels)
{
    size_t n = e->D;
    e->labels = malloc(n * sizeof *e->labels);
    e->h1 = malloc(n * sizeof *e->h1);
    e->bias = calloc(n + 1, sizeof *e->bias);
    if (e->p.estimator != CS_EST_DISCRETE)
        e->ln_var = malloc(n * sizeof *e->ln_var);
    if (!e->labels || !e->h1 || !e->bias || (e->p.estimator != CS_EST_DISCRETE && !e->ln_var))
        return cs_error_set(CS_ENOMEM, "out of memory for the measures of %zu variables", n);
    for (size_t i = 0; i < n; i++)
        e->labels[i] = labels ? labels[i] : i;
    cs_status st = CS_OK;
    if (e->p.estimator == CS_EST_DISCRETE) {
        for (size_t i = 0; !st && i < n; i++)
            st = e->ops->entropy(e, &i, 1, &e->h1[i]);
        return st;
    }
    if (e->bias_correct)
        for (size_t d = 1; d <= n && d < e->n; d++)
            e->bias[d] = cs_gaussian_entropy_bias(d, e->n, 0);
    double c = 0.5 * log(2 * M_PI * M_E);
    for (size_t i = 0; i < n; i++) {
        double v = e->cov[i * (n + 1)];
        if (!isfinite(v) || !(v > 0))
            return cs_error_set(CS_ESINGULAR,
                                "variable %zu has variance %g: the covariance is "
                                "singular (a constant column?)",
                                e->labels[i], v);
        e->ln_var[i] = log(v);
        e->h1[i] = c + 0.5 * e->ln_var[i] - e->bias[1];
    }
    return CS_OK;
}

/* Finish an estimator made by est_create_owned: prepare it, checking
 * covariances per subset, and build the caches; destroyed on failure. */
static cs_status mv_finish(cs_estimator *e, const size_t *labels, cs_estimator **out)
{
    e->subset_checks = 1;
    cs_status st = e->ops->prepare(e);
    if (!st)
        st = mv_cache(e, labels);
    if (st) {
        cs_estimator_destroy(e);
        return st;
    }
    *out = e;
    return CS_OK;
}

/* Samples a covariance is made from: finite (named by label) and no column
 * constant (named here rather than as a singular block later or as an
 * unnamed copula failure). */
static cs_status check_gauss_data(cs_matrix data, const size_t *labels)
{
    size_t n = data.cols, N = data.rows;
    if (n == 0 || N < 2)
        return cs_error_set(CS_ESHAPE,
                            "Gaussian estimates need at least 2 samples and 1 variable (got %zu x "
                            "%zu)",
                            N, n);
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < n; j++) {
            double v = cs_matrix_get(data, i, j);
            if (!isfinite(v))
                return cs_error_set(CS_ENONFINITE, "%s at row %zu, column %zu", isnan(v) ? "NaN" : "Inf", i,
                                    labels ? labels[j] : j);
        }
    for (size_t j = 0; j < n; j++) {
        double first = cs_matrix_get(data, 0, j);
        size_t i = 1;
        while (i < N && cs_matrix_get(data, i, j) == first)
            i++;
        if (i == N)
            return cs_error_set(CS_EINVAL,
                                "column %zu is constant (%g): it carries no information "
                                "and makes every covariance holding it singular",
                                labels ? labels[j] : j, first);
    }
    return CS_OK;
}

cs_status cs_mv_estimator_create(const cs_estimator_params *p, cs_matrix data, const size_t *labels,
                                 cs_estimator **out)
{
    info_gsl_setup();
    *out = NULL;
    cs_measure_request r = {CS_INFO_TC, p->estimator, 0, 0, {CS_VAR_CONTINUOUS}};
    cs_status st = cs_measure_validate(&r);
    if (st)
        return st;
    if (p->estimator != CS_EST_DISCRETE && (st = check_gauss_data(data, labels)))
        return st;
    if (p->estimator == CS_EST_DISCRETE && (data.rows == 0 || data.cols == 0))
        return cs_error_set(CS_ESHAPE,
                            "discrete estimates need at least 1 sample and 1 variable "
                            "(got %zu x %zu)",
                            data.rows, data.cols);
    size_t N = data.rows, n = data.cols;
    double *W = malloc(N * n * sizeof *W);
    if (!W)
        return cs_error_set(CS_ENOMEM, "out of memory for %zu x %zu samples", N, n);
    for (size_t i = 0; i < N; i++)
        memcpy(W + i * n, cs_matrix_row(data, i), n * sizeof *W);
    cs_estimator *e;
    if ((st = est_create_owned(p, W, N, n, NULL, &e)))
        return st;
    return mv_finish(e, labels, out);
}

cs_status cs_mv_estimator_create_cov(const double *cov, size_t n, size_t ld, const size_t *labels, cs_estimator **out)
{
    info_gsl_setup();
    *out = NULL;
    if (n == 0)
        return cs_error_set(CS_ESHAPE, "the covariance matrix is empty");
    if (ld < n)
        return cs_error_set(CS_EINVAL, "leading dimension %zu < %zu", ld, n);
    double *c = malloc(n * n * sizeof *c);
    if (!c)
        return cs_error_set(CS_ENOMEM, "out of memory for a %zu x %zu covariance", n, n);
    cs_status st = CS_OK;
    for (size_t a = 0; !st && a < n; a++)
        for (size_t b = 0; !st && b < n; b++) {
            double v = cov[a * ld + b];
            if (!isfinite(v))
                st = cs_error_set(CS_ENONFINITE, "covariance: %s at row %zu, column %zu", isnan(v) ? "NaN" : "Inf", a,
                                  b);
            c[a * n + b] = v;
        }
    for (size_t a = 0; !st && a < n; a++)
        for (size_t b = 0; !st && b < a; b++) {
            double x = c[a * n + b], y = c[b * n + a];
            if (fabs(x - y) > 1e-12 * fmax(fabs(x), fabs(y)))
                st = cs_error_set(CS_EINVAL,
                                  "covariance is not symmetric: entry (%zu, %zu) = %.17g "
                                  "but (%zu, %zu) = %.17g",
                                  a, b, x, b, a, y);
        }
    cs_estimator_params p;
    cs_estimator_params_default(CS_EST_GAUSSIAN, &p);
    cs_estimator *e = NULL;
    if (st || (st = est_create_owned(&p, NULL, 0, n, NULL, &e))) {
        free(c);
        return st;
    }
    e->have = 2; /* exact: no samples, no bias correction */
    e->cov = c;
    if ((st = mv_cache(e, labels))) {
        cs_estimator_destroy(e);
        return st;
    }
    /* A user's matrix must be a covariance as a whole: check it once here. */
    double logdet;
    if ((st = cs_gaussian_logdet(c, n, NULL, n, NULL, "the covariance matrix", &logdet))) {
        cs_estimator_destroy(e);
        return st;
    }
    *out = e;
    return CS_OK;
}

cs_status cs_mv_estimator_create_symbols(const cs_symbols *s, int miller_madow, const size_t *labels,
                                         cs_estimator **out)
{
    *out = NULL;
    if (s->rows == 0 || s->cols == 0)
        return cs_error_set(CS_ESHAPE,
                            "discrete estimates need at least 1 sample and 1 variable "
                            "(got %zu x %zu)",
                            s->rows, s->cols);
    cs_estimator_params p;
    cs_estimator_params_default(CS_EST_DISCRETE, &p);
    p.miller_madow = miller_madow;
    cs_symbols copy;
    cs_status st = cs_symbols_alloc(s->rows, s->cols, &copy);
    if (st)
        return st;
    memcpy(copy.data, s->data, s->rows * s->cols * sizeof *s->data);
    memcpy(copy.alphabet, s->alphabet, s->cols * sizeof *s->alphabet);
    cs_estimator *e;
    if ((st = est_create_symbols(&p, &copy, NULL, &e))) {
        cs_symbols_free(&copy);
        return st;
    }
    if ((st = mv_cache(e, labels))) {
        cs_estimator_destroy(e);
        return st;
    }
    *out = e;
    return CS_OK;
}

cs_status mv_data_of(const cs_estimator *e, mv_data *p)
{
    if (!e->h1)
        return cs_error_set(CS_EINVAL, "the multivariate measures need an estimator prepared by "
                                       "cs_mv_estimator_create (discrete, gaussian or gcopula)");
    int disc = e->p.estimator == CS_EST_DISCRETE;
    *p = (mv_data){.e = e,
                   .kind = disc ? MV_DISCRETE : MV_GAUSS,
                   .n = e->D,
                   .nsamples = e->have == 2 ? 0 : e->n,
                   .labels = e->labels,
                   .h1 = e->h1,
                   .bias = e->bias,
                   .bias_correct = !disc && e->bias_correct,
                   .cov = e->cov,
                   .ln_var = e->ln_var,
                   .sym = &e->sym,
                   .miller_madow = e->p.miller_madow};
    return CS_OK;
}

/* ---- scratch, entropies, the Gaussian kernel ---------------------------------- */

cs_status mv_ws_init(mv_ws *ws, size_t cap)
{
    memset(ws, 0, sizeof *ws);
    if (cap == 0)
        cap = 1;
    ws->cap = cap;
    ws->a = malloc(cap * cap * sizeof *ws->a);
    ws->w = malloc(cap * cap * sizeof *ws->w);
    ws->d = malloc(cap * sizeof *ws->d);
    ws->idx = malloc(cap * sizeof *ws->idx);
    if (!ws->a || !ws->w || !ws->d || !ws->idx) {
        mv_ws_free(ws);
        return cs_error_set(CS_ENOMEM, "out of memory for %zu x %zu scratch", cap, cap);
    }
    return CS_OK;
}

void mv_ws_free(mv_ws *ws)
{
    free(ws->a);
    free(ws->w);
    free(ws->d);
    free(ws->idx);
    memset(ws, 0, sizeof *ws);
}

void mv_format_set(const mv_data *p, const size_t *S, size_t m, char *buf, size_t len)
{
    size_t used = 0;
    used += (size_t)snprintf(buf, len, "{");
    for (size_t i = 0; i < m && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%zu", i ? ", " : "", p->labels[S[i]]);
    if (used < len)
        snprintf(buf + used, len - used, "}");
}

/* Bias correction of a d-variable entropy needs d < N. */
static cs_status check_bias_dim(const mv_data *p, size_t m)
{
    if (p->bias_correct && m >= p->nsamples)
        return cs_error_set(CS_ESHAPE,
                            "the Gaussian bias correction of a %zu-variable entropy "
                            "needs more than %zu samples (got %zu)",
                            m, m, p->nsamples);
    return CS_OK;
}

cs_status mv_entropy(const mv_data *p, const size_t *idx, size_t m, mv_ws *ws, double *h)
{
    if (m == 1) {
        *h = p->h1[idx[0]];
        return CS_OK;
    }
    (void)ws;
    /* the estimator's entropy query (bias-corrected as it says) */
    cs_status st = p->e->ops->entropy(p->e, idx, m, h);
    if (st && p->kind == MV_GAUSS) {
        char set[256];
        mv_format_set(p, idx, m, set, sizeof set);
        return cs_error_prefix("variables %s: ", set);
    }
    return st;
}

/* A running product kept as mantissa * 2^exp, so m factors cost one log at
 * the end instead of m, without under- or overflow. */
typedef struct {
    double mant;
    long exp;
} logprod;

static inline void lp_mul(logprod *p, double x)
{
    p->mant *= x;
    if (p->mant > 0x1p500 || p->mant < 0x1p-500) {
        int e;
        p->mant = frexp(p->mant, &e);
        p->exp += e;
    }
}

static inline double lp_log(logprod p) { return log(p.mant) + (double)p.exp * M_LN2; }

static cs_status singular_block(const mv_data *p, const size_t *S, size_t m, size_t j)
{
    char set[256];
    mv_format_set(p, S, m, set, sizeof set);
    /* n samples span at most n - 1 dimensions around their mean: that, not
     * the data, is the cause when m >= n. */
    if (p->nsamples && m >= p->nsamples)
        return cs_error_set(CS_ESINGULAR,
                            "too few samples (%zu) for the covariance of %zu variables %s: it needs "
                            "at least %zu",
                            p->nsamples, m, set, m + 1);
    return cs_error_set(CS_ESINGULAR,
                        "the covariance of variables %s is singular: variable %zu is (to double "
                        "precision) a linear function of the others",
                        set, p->labels[S[j]]);
}

cs_status mv_gauss_tc_dtc(const mv_data *p, const size_t *S, size_t m, mv_ws *ws, double *tc, double *dtc)
{
    const double *C = p->cov;
    size_t n = p->n;
    double *L = ws->a, *W = ws->w, *dg = ws->d;
    logprod det = {1, 0}, inv = {1, 0};
    for (size_t a = 0; a < m; a++)
        for (size_t b = 0; b < (m <= MV_SMALL ? a + 1 : m); b++)
            L[a * m + b] = C[S[a] * n + S[b]];
    if (m <= MV_SMALL) {
        /* Cholesky, row-major lower triangle, in place. */
        for (size_t j = 0; j < m; j++) {
            double s = L[j * m + j];
            for (size_t k = 0; k < j; k++)
                s -= L[j * m + k] * L[j * m + k];
            if (!(s > CS_GAUSS_PIVOT_TOL * C[S[j] * (n + 1)]))
                return singular_block(p, S, m, j);
            lp_mul(&det, s);
            double d = sqrt(s), r = 1.0 / d;
            L[j * m + j] = d;
            for (size_t i = j + 1; i < m; i++) {
                double t = L[i * m + j];
                for (size_t k = 0; k < j; k++)
                    t -= L[i * m + k] * L[j * m + k];
                L[i * m + j] = t * r;
            }
        }
    } else {
        gsl_matrix_view v = gsl_matrix_view_array(L, m, m);
        if (gsl_linalg_cholesky_decomp1(&v.matrix) != GSL_SUCCESS) {
            char set[256];
            mv_format_set(p, S, m, set, sizeof set);
            return cs_error_set(CS_ESINGULAR,
                                "the covariance of variables %s is not positive "
                                "definite",
                                set);
        }
        for (size_t j = 0; j < m; j++) {
            double s = L[j * m + j] * L[j * m + j];
            if (!(s > CS_GAUSS_PIVOT_TOL * C[S[j] * (n + 1)]))
                return singular_block(p, S, m, j);
            lp_mul(&det, s);
        }
    }
    /* W = L^{-1} row by row (row i of W is a combination of earlier rows, so
     * the inner loops run along contiguous rows); then
     * (Sigma^{-1})_jj = sum_i W_ij^2 = 1 / Var(X_j | the others). */
    for (size_t j = 0; j < m; j++)
        dg[j] = 0;
    for (size_t i = 0; i < m; i++) {
        double *wi = W + i * m;
        for (size_t j = 0; j <= i; j++)
            wi[j] = 0;
        for (size_t k = 0; k < i; k++) {
            double lik = L[i * m + k];
            const double *wk = W + k * m;
            for (size_t j = 0; j <= k; j++)
                wi[j] += lik * wk[j];
        }
        double r = 1.0 / L[i * m + i];
        for (size_t j = 0; j < i; j++) {
            wi[j] *= -r;
            dg[j] += wi[j] * wi[j];
        }
        wi[i] = r;
        dg[i] += r * r;
    }
    double sum_ln_var = 0;
    for (size_t j = 0; j < m; j++) {
        lp_mul(&inv, dg[j]);
        sum_ln_var += p->ln_var[S[j]];
    }
    double logdet = lp_log(det), sum_ln_inv = lp_log(inv);
    const double *b = p->bias;
    *tc = 0.5 * (sum_ln_var - logdet) + b[m] - (double)m * b[1];
    *dtc = 0.5 * (logdet + sum_ln_inv) + (double)(m - 1) * b[m] - (double)m * b[m - 1];
    if (m == 2)
        *dtc = *tc; /* both are I(X_0; X_1): exact, where the two formulas differ in rounding */
    return CS_OK;
}

/* ---- one set ------------------------------------------------------------------ */

/* Indices of a query: each in range and, for a set (`distinct`), once. */
static cs_status check_vars(const mv_data *p, const size_t *vars, size_t m, int distinct)
{
    for (size_t i = 0; i < m; i++) {
        if (vars[i] >= p->n)
            return cs_error_set(CS_EINVAL, "variable index %zu is out of range (the estimator has %zu)", vars[i],
                                p->n);
        for (size_t j = 0; distinct && j < i; j++)
            if (vars[j] == vars[i])
                return cs_error_set(CS_EINVAL, "variable %zu appears twice in the set", p->labels[vars[i]]);
    }
    return CS_OK;
}

cs_status cs_mv_entropy(const cs_estimator *e, const size_t *vars, size_t m, double *h)
{
    if (m == 0)
        return cs_error_set(CS_EINVAL, "an entropy needs at least one variable");
    mv_data d, *p = &d;
    cs_status st;
    if ((st = mv_data_of(e, p)) || (st = check_vars(p, vars, m, 0)) || (st = check_bias_dim(p, m)))
        return st;
    mv_ws ws;
    if ((st = mv_ws_init(&ws, m)))
        return st;
    st = mv_entropy(p, vars, m, &ws, h);
    mv_ws_free(&ws);
    return st;
}

/* ---- discrete subsets from joint codes ----------------------------------------
 * Entropies of many related subsets (all subsets for TSE, all leave-one-out
 * sets for DTC) are built by combining joint codes two at a time instead of
 * from every column of each subset. Only the partition of the samples into
 * joint states matters for an entropy, so states are numbered in order of
 * first occurrence: O(n) per combination through a scratch map that is
 * all -1 between calls, where cs_discrete_pair's lexicographic numbering
 * costs O(n + na nb). The entropies equal cs_discrete_entropy's up to the
 * order of summation. */

/* Largest na * nb served by the map (16 MiB); beyond it cs_discrete_pair. */
#define MV_PAIR_MAP_MAX ((size_t)1 << 22)

typedef struct {
    int32_t *map; /* cap entries, all -1 between calls */
    size_t cap;
} mv_pairer;

static void mv_pairer_free(mv_pairer *pr)
{
    free(pr->map);
    pr->map = NULL;
    pr->cap = 0;
}

/* out[n] = joint codes of (a[i] in [0, na), b[i] in [0, nb)), *n_out states;
 * out must not alias a or b. */
static cs_status mv_pair(mv_pairer *pr, const int32_t *a, size_t na, const int32_t *b, size_t nb, size_t n,
                         int32_t *out, size_t *n_out)
{
    if (na > MV_PAIR_MAP_MAX / (nb ? nb : 1))
        return cs_discrete_pair(a, na, b, nb, n, out, n_out);
    size_t range = na * nb;
    if (range > pr->cap) {
        int32_t *map = realloc(pr->map, range * sizeof *map);
        if (!map)
            return cs_error_set(CS_ENOMEM, "out of memory combining %zu x %zu states", na, nb);
        memset(map + pr->cap, 0xff, (range - pr->cap) * sizeof *map);
        pr->map = map;
        pr->cap = range;
    }
    int32_t next = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t *slot = &pr->map[(size_t)a[i] * nb + (size_t)b[i]];
        if (*slot < 0)
            *slot = next++;
        out[i] = *slot;
    }
    for (size_t i = 0; i < n; i++)
        pr->map[(size_t)a[i] * nb + (size_t)b[i]] = -1;
    *n_out = (size_t)(next ? next : 1);
    return CS_OK;
}

/* Dense codes of each variable S[j] as columns col[j * n ...], alphabet[j]. */
static cs_status mv_columns(const mv_data *p, const size_t *S, size_t m, int32_t *col, size_t *alphabet)
{
    cs_status st = CS_OK;
    for (size_t j = 0; !st && j < m; j++)
        st = cs_discrete_joint(p->sym, &S[j], 1, col + j * p->sym->rows, &alphabet[j]);
    return st;
}

/* TC and DTC of a discrete set from its entropies H(S), H(S \ i), H(i):
 * the leave-one-out codes are pair(prefix before i, suffix after i), so
 * 3m combinations give all m + 1 joint entropies. */
static cs_status discrete_tc_dtc_codes(const mv_data *p, const size_t *S, size_t m, double *tc, double *dtc)
{
    size_t n = p->sym->rows;
    int32_t *col = malloc(m * n * sizeof *col), *pre = malloc((m + 1) * n * sizeof *pre),
            *suf = malloc((m + 1) * n * sizeof *suf), *loo = malloc(n * sizeof *loo);
    size_t *alpha = malloc(m * sizeof *alpha), *npre = malloc((m + 1) * sizeof *npre),
           *nsuf = malloc((m + 1) * sizeof *nsuf);
    mv_pairer pr = {0};
    cs_status st = CS_OK;
    if (!col || !pre || !suf || !loo || !alpha || !npre || !nsuf)
        st = cs_error_set(CS_ENOMEM, "out of memory for the joint codes of %zu variables", m);
    if (!st)
        st = mv_columns(p, S, m, col, alpha);
    if (!st) { /* pre[i]: variables 0..i-1; suf[i]: variables i..m-1; the empty set has 1 state */
        memset(pre, 0, n * sizeof *pre);
        memset(suf + m * n, 0, n * sizeof *suf);
        npre[0] = nsuf[m] = 1;
    }
    for (size_t i = 0; !st && i < m; i++)
        st = mv_pair(&pr, pre + i * n, npre[i], col + i * n, alpha[i], n, pre + (i + 1) * n, &npre[i + 1]);
    for (size_t i = m; !st && i-- > 0;)
        st = mv_pair(&pr, col + i * n, alpha[i], suf + (i + 1) * n, nsuf[i + 1], n, suf + i * n, &nsuf[i]);
    double hs = 0, sum1 = 0, sum_loo = 0, h;
    if (!st)
        st = cs_discrete_entropy_codes(pre + m * n, n, npre[m], p->miller_madow, &hs);
    for (size_t i = 0; !st && i < m; i++) {
        sum1 += p->h1[S[i]];
        size_t nloo;
        if (!(st = mv_pair(&pr, pre + i * n, npre[i], suf + (i + 1) * n, nsuf[i + 1], n, loo, &nloo)) &&
            !(st = cs_discrete_entropy_codes(loo, n, nloo, p->miller_madow, &h)))
            sum_loo += h;
    }
    mv_pairer_free(&pr);
    free(col);
    free(pre);
    free(suf);
    free(loo);
    free(alpha);
    free(npre);
    free(nsuf);
    if (st)
        return st;
    *tc = mv_tc_of(sum1, hs);
    *dtc = mv_dtc_of(sum_loo, m, hs);
    return CS_OK;
}

/* Depth-first walk over the subsets of a discrete set that extend the
 * subset coded by codes[depth] (depth variables, nstates[depth] states) with
 * variables from col[from..m): each child's codes are its parent's paired
 * with one column, O(n) (mv_pair). Adds each proper subset's entropy to
 * level[its size]. codes: (m + 1) rows of n; col: m dense columns of n. */
typedef struct {
    const mv_data *p;
    size_t m, n;
    int32_t *codes, *col;
    size_t *nstates, *alphabet;
    double *level;
    mv_pairer pr;
} tse_walk;

static cs_status tse_visit(tse_walk *w, size_t depth, size_t from)
{
    if (depth + 1 == w->m) /* every child would be the full set, not part of the levels */
        return CS_OK;
    for (size_t j = from; j < w->m; j++) {
        int32_t *child = w->codes + (depth + 1) * w->n;
        double h;
        cs_status st = mv_pair(&w->pr, w->codes + depth * w->n, w->nstates[depth], w->col + j * w->n, w->alphabet[j],
                               w->n, child, &w->nstates[depth + 1]);
        if (st || (st = cs_discrete_entropy_codes(child, w->n, w->nstates[depth + 1], w->p->miller_madow, &h)) ||
            (st = tse_visit(w, depth + 1, j + 1)))
            return st;
        w->level[depth + 1] += h;
    }
    return CS_OK;
}

/* level[k] = sum of H over the k-subsets of the discrete set S, k < m. */
static cs_status tse_discrete_levels(const mv_data *p, const size_t *S, size_t m, double *level)
{
    size_t n = p->sym->rows;
    tse_walk w = {.p = p, .m = m, .n = n, .level = level};
    w.codes = malloc((m + 1) * n * sizeof *w.codes);
    w.col = malloc(m * n * sizeof *w.col);
    w.nstates = calloc(m + 1, sizeof *w.nstates);
    w.alphabet = malloc(m * sizeof *w.alphabet);
    cs_status st = CS_OK;
    if (!w.codes || !w.col || !w.nstates || !w.alphabet)
        st = cs_error_set(CS_ENOMEM, "out of memory for the subset codes of %zu variables", m);
    if (!st && !(st = mv_columns(p, S, m, w.col, w.alphabet))) {
        memset(w.codes, 0, n * sizeof *w.codes); /* the empty set: one state */
        w.nstates[0] = 1;
        st = tse_visit(&w, 0, 0);
    }
    mv_pairer_free(&w.pr);
    free(w.codes);
    free(w.col);
    free(w.nstates);
    free(w.alphabet);
    return st;
}

/* level[k] = sum of H over the k-subsets of the Gaussian set S, k < m: one
 * log-determinant per subset. */
static cs_status tse_gauss_levels(const mv_data *p, const size_t *S, size_t m, mv_ws *ws, double *level)
{
    uint32_t full = (uint32_t)((UINT64_C(1) << m) - 1);
    cs_status st = CS_OK;
    for (uint32_t mask = 1; !st && mask < full; mask++) {
        size_t k = 0;
        for (size_t j = 0; j < m; j++)
            if (mask >> j & 1)
                ws->idx[k++] = S[j];
        double h;
        st = mv_entropy(p, ws->idx, k, ws, &h);
        level[k] += h;
    }
    return st;
}

/* TSE of the set S (m <= CS_MV_TSE_MAX_VARS): every proper subset's entropy. */
static cs_status tse_direct(const mv_data *p, const size_t *S, size_t m, mv_ws *ws, double *tse)
{
    double level[CS_MV_TSE_MAX_VARS + 1] = {0}, hs;
    cs_status st = mv_entropy(p, S, m, ws, &hs);
    if (!st)
        st = p->kind == MV_DISCRETE ? tse_discrete_levels(p, S, m, level) : tse_gauss_levels(p, S, m, ws, level);
    if (st)
        return st;
    *tse = mv_tse_of(level, m, hs);
    return CS_OK;
}

cs_status cs_mv_compute(const cs_estimator *e, cs_mv_measure measure, const size_t *vars, size_t m, double *value)
{
    if ((unsigned)measure >= CS_MV_MEASURE_COUNT)
        return cs_error_set(CS_EINVAL, "unknown multivariate measure %d", (int)measure);
    if (m < 2)
        return cs_error_set(CS_EINVAL, "%s needs at least 2 variables (got %zu)", measure_names[measure], m);
    mv_data d, *p = &d;
    cs_status st;
    if ((st = mv_data_of(e, p)) || (st = check_vars(p, vars, m, 1)))
        return st;
    if (measure == CS_MV_TSE && m > CS_MV_TSE_MAX_VARS)
        return cs_error_set(CS_ELIMIT,
                            "TSE complexity of %zu variables needs the entropies of all 2^%zu "
                            "subsets; the limit is %d variables",
                            m, m, CS_MV_TSE_MAX_VARS);
    if ((st = check_bias_dim(p, m)))
        return st;
    mv_ws ws;
    if ((st = mv_ws_init(&ws, m)))
        return st;
    double tc, dtc;
    if (measure == CS_MV_TSE)
        st = tse_direct(p, vars, m, &ws, value);
    else if (p->kind == MV_GAUSS)
        st = mv_gauss_tc_dtc(p, vars, m, &ws, &tc, &dtc);
    else
        st = discrete_tc_dtc_codes(p, vars, m, &tc, &dtc);
    if (!st && measure != CS_MV_TSE)
        *value = mv_from_tc_dtc(measure, tc, dtc);
    mv_ws_free(&ws);
    return st;
}

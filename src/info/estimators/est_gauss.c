/* The gaussian and gcopula estimators: W (n x D) copula-normalised
 * (gcopula) and centred, with its ML covariance; entropies of column
 * subsets from log-determinants (cogscope/gaussian.h); surrogates replace
 * only the cross-covariance block of X with the rest. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cblas.h>

#include "cogscope/gaussian.h"
#include "cogscope/gcopula.h"
#include "estimator_impl.h"

static const char *est_label(const cs_estimator *e)
{
    return e->p.estimator == CS_EST_GCOPULA ? "gcopula" : "gaussian";
}

/* A singular covariance: name the first column that is a linear function of
 * those before it, by the calculator's role when it gave one. */
static cs_status singular_message(const cs_estimator *e)
{
    size_t m = e->D, bad = 0;
    double ld;
    if (e->n <= m)
        /* n samples span at most n - 1 dimensions around their mean. */
        return cs_error_set(CS_ESINGULAR,
                            "%s: too few samples (%zu) for a covariance of %zu variables%s: it needs "
                            "at least %zu",
                            est_label(e), e->n, m,
                            e->what && (!strcmp(e->what, "te") || !strcmp(e->what, "ais"))
                                ? " (history embeddings included)"
                                : "",
                            m + 1);
    while (bad < m && !cs_gaussian_logdet(e->cov, e->D, NULL, bad + 1, NULL, "", &ld))
        bad++;
    int te = e->what && !strcmp(e->what, "te"), ais = e->what && !strcmp(e->what, "ais");
    size_t na = e->roles[0], nb = e->roles[1];
    if (!e->what)
        return cs_error_set(CS_ESINGULAR,
                            "%s: the sample covariance is singular: column %zu is (to rounding) a "
                            "linear function of the columns before it (duplicated or constant data?)",
                            est_label(e), bad < m ? bad : 0);
    const char *role = bad < na        ? (te    ? "source history"
                                          : ais ? "past"
                                                : "x")
                       : bad < na + nb ? (te || ais ? "future" : "y")
                                       : (te ? "destination past / conditioning" : "z");
    size_t col = bad < na ? bad : bad < na + nb ? bad - na : bad - na - nb;
    return cs_error_set(CS_ESINGULAR,
                        "%s: the sample covariance is singular: %s column %zu is (to rounding) "
                        "a linear function of the variables before it (duplicated or constant "
                        "data?)",
                        est_label(e), role, bad < m ? col : 0);
}

static cs_status gauss_prepare(cs_estimator *e)
{
    cs_status st;
    cs_matrix W = cs_matrix_view(e->W, e->n, e->D);
    if (e->p.estimator == CS_EST_GCOPULA && (st = cs_gcopula_normalise(W, W)))
        return st;
    if (e->bias_correct && e->n <= e->D + 1 && !e->subset_checks)
        return cs_error_set(CS_EINVAL, "the bias correction needs more samples (%zu) than variables + 1 (%zu)", e->n,
                            e->D + 1);
    e->mean = malloc(e->D * sizeof *e->mean);
    e->cov = malloc(e->D * e->D * sizeof *e->cov);
    if (!e->mean || !e->cov)
        return cs_error_set(CS_ENOMEM, "out of memory for a %zu x %zu covariance", e->D, e->D);
    if ((st = cs_gaussian_cov(W, NULL, 0, 0, e->cov, e->mean)))
        return st;
    for (size_t i = 0; i < e->n; i++)
        for (size_t j = 0; j < e->D; j++)
            e->W[i * e->D + j] -= e->mean[j];
    if (e->subset_checks)
        return CS_OK;
    /* Fail here, not at the first query, if any block is singular: the full
     * block is positive definite iff every sub-block is. */
    double ld;
    st = cs_gaussian_logdet(e->cov, e->D, NULL, e->D, NULL, "sample covariance of the variables", &ld);
    return st == CS_ESINGULAR ? singular_message(e) : st;
}

static cs_status gauss_entropy(const cs_estimator *e, const size_t *idx, size_t m, double *h)
{
    double *scratch = malloc((m ? m * m : 1) * sizeof *scratch); /* the m x m Cholesky factor */
    if (!scratch)
        return cs_error_set(CS_ENOMEM, "out of memory");
    *h = 0;
    cs_status st = cs_gaussian_entropy(e->cov, e->D, idx, m, scratch, "covariance", h);
    if (!st && e->bias_correct && e->n > 0)
        *h -= cs_gaussian_entropy_bias(m, e->n, e->have == 2 ? 1 : 0);
    free(scratch);
    return st;
}

cs_status est_gauss_value(const cs_estimator *e, const est_sets *s, const est_term *t, size_t nt, const double *cov,
                          int correct, double *value)
{
    size_t D = s->n[0] + s->n[1] + s->n[2];
    size_t idx[D ? D : 1];
    double *scratch = malloc((D ? D * D : 1) * sizeof *scratch);
    if (!scratch)
        return cs_error_set(CS_ENOMEM, "out of memory");
    /* cov is D x D in the order X | Y | Z: index the sets by position. */
    size_t pos0[3] = {0, s->n[0], s->n[0] + s->n[1]}, pidx[3][D ? D : 1];
    est_sets ps = {{pidx[0], pidx[1], pidx[2]}, {s->n[0], s->n[1], s->n[2]}};
    for (int k = 0; k < 3; k++)
        for (size_t j = 0; j < s->n[k]; j++)
            pidx[k][j] = pos0[k] + j;
    double v = 0;
    cs_status st = CS_OK;
    for (size_t k = 0; k < nt && !st; k++) {
        size_t m = est_union(&ps, t[k].mask, idx);
        double h = 0;
        if ((st = cs_gaussian_entropy(cov, D, idx, m, scratch, "covariance", &h)))
            break;
        if (correct)
            h -= cs_gaussian_entropy_bias(m, e->n, e->have == 2 ? 1 : 0);
        v += t[k].sign * h;
    }
    free(scratch);
    *value = v;
    return st;
}

static cs_status gauss_local_entropy(const cs_estimator *e, const size_t *idx, size_t m, double *tmp, double *shift)
{
    if (e->have == 2)
        return cs_error_set(CS_EINVAL, "local values need samples, not a covariance matrix");
    double *zero = calloc(e->D ? e->D : 1, sizeof *zero);
    if (!zero)
        return cs_error_set(CS_ENOMEM, "out of memory");
    /* W is already centred, so the mean passed is zero. */
    cs_matrix W = cs_matrix_view(e->W, e->n, e->D);
    cs_status st = cs_gaussian_local_entropy(W, zero, e->cov, e->D, idx, m, "covariance", tmp);
    *shift = e->bias_correct ? cs_gaussian_entropy_bias(m, e->n, 0) : 0;
    free(zero);
    return st;
}

/* The covariance of the sets in the order X | Y | Z (a copy of its block). */
static double *sets_cov(const cs_estimator *e, const est_sets *s, size_t *D)
{
    size_t d = s->n[0] + s->n[1] + s->n[2], all[d ? d : 1];
    est_union(s, EST_X | EST_Y | EST_Z, all);
    double *cov = malloc((d ? d * d : 1) * sizeof *cov);
    if (cov)
        for (size_t a = 0; a < d; a++)
            for (size_t b = 0; b < d; b++)
                cov[a * d + b] = e->cov[all[a] * e->D + all[b]];
    *D = d;
    return cov;
}

/* What a Gaussian surrogate keeps fixed: the covariance of the sets in the
 * order X | Y | Z (D x D) and the centred columns R of Y and Z (n x nr). */
typedef struct {
    const cs_estimator *e;
    const est_sets *s;
    const est_term *t;
    size_t nt, D, na, nr;
    const size_t *all; /* the columns X | Y | Z */
    const double *base, *R;
} gauss_surr;

/* One surrogate: only the cross-covariance block of X with the rest changes. */
static cs_status gauss_surr_value(const void *ctx, void *scratch, const size_t *perm, double *value)
{
    const gauss_surr *c = ctx;
    const cs_estimator *e = c->e;
    size_t n = e->n, na = c->na, nr = c->nr, D = c->D;
    double *Ap = scratch, *cov = Ap + n * na, *cross = cov + D * D; /* n x na, D x D, na x nr */
    for (size_t i = 0; i < n; i++) {                                /* a loop, not memcpy: rows are ~1-10 values */
        const double *src = e->W + perm[i] * e->D;
        for (size_t a = 0; a < na; a++)
            Ap[i * na + a] = src[c->all[a]];
    }
    /* cross = Ap^T R / n (ML divisor, as the observed covariance) */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)na, (int)nr, (int)n, 1.0 / (double)n, Ap, (int)na, c->R,
                (int)nr, 0.0, cross, (int)nr);
    memcpy(cov, c->base, D * D * sizeof *cov);
    for (size_t a = 0; a < na; a++)
        for (size_t b = 0; b < nr; b++)
            cov[a * D + na + b] = cov[(na + b) * D + a] = cross[a * nr + b];
    return est_gauss_value(e, c->s, c->t, c->nt, cov, e->bias_correct, value);
}

static cs_status gauss_surrogates(cs_estimator *e, const est_sets *s, const est_term *t, size_t nt, size_t first,
                                  size_t ns, uint64_t seed, double *vals)
{
    if (e->have == 2)
        return cs_error_set(CS_EINVAL, "surrogates need samples, not a covariance matrix");
    size_t n = e->n, D, na = s->n[0];
    double *base = sets_cov(e, s, &D);
    size_t nr = D - na, all[D ? D : 1];
    est_union(s, EST_X | EST_Y | EST_Z, all);
    /* R = the centred columns of Y and Z (fixed); only cov[X, R] changes. */
    double *R = malloc(n * (nr ? nr : 1) * sizeof *R);
    if (!R || !base) {
        free(R);
        free(base);
        return cs_error_set(CS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        for (size_t r = 0; r < nr; r++)
            R[i * nr + r] = e->W[i * e->D + all[na + r]];
    gauss_surr c = {e, s, t, nt, D, na, nr, all, base, R};
    size_t bytes = (n * na + D * D + na * nr) * sizeof(double);
    cs_status st = est_surrogate_loop(gauss_surr_value, &c, bytes, n, e->p.threads, first, ns, seed, vals);
    free(R);
    free(base);
    return st;
}

cs_status est_gauss_set_covariance(cs_estimator *e, double *cov, size_t D, size_t n_samples)
{
    e->have = 2;
    e->n = n_samples;
    e->D = D;
    e->cov = cov;
    double ld;
    cs_status st = cs_gaussian_logdet(e->cov, e->D, NULL, e->D, NULL, "covariance block of the x, y, z rows", &ld);
    if (!st && e->bias_correct && n_samples && n_samples <= e->D + 1)
        st = cs_error_set(CS_EINVAL, "the bias correction needs more samples (%zu) than variables + 1 (%zu)",
                          n_samples, e->D + 1);
    return st;
}

static void gauss_clear(cs_estimator *e)
{
    free(e->mean);
    free(e->cov);
    e->mean = e->cov = NULL;
}

const est_ops est_gauss_ops = {gauss_prepare,    gauss_entropy, gauss_local_entropy, NULL,
                               gauss_surrogates, NULL,          gauss_clear};

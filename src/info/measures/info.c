/* Information measures over the discrete, Gaussian, Gaussian-copula and KSG
 * estimators (API and conventions in cogscope/info.h).
 *
 * Every measure is reduced to three groups of columns of one work matrix W
 * (n x D, columns [A | B | C]) and a signed sum of joint entropies of unions
 * of the groups:
 *     entropy H(A)               +A
 *     conditional H(A|B)         +AB -B
 *     mi, ais  I(A;B)            +A +B -AB
 *     cmi, te  I(A;B|C)          +AC +BC -C -ABC
 * The estimators only need "entropy of a union of groups" (and its local
 * form), so one code path serves all measures; the KSG estimator, which is not
 * a sum of entropies, takes A, B, C directly. Surrogates shuffle the rows of
 * A; terms without A are computed once. */
#include "cogscope/info.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cblas.h>
#include <omp.h>

#include "cogscope/columns.h"
#include "cogscope/gaussian.h"
#include "cogscope/gcopula.h"
#include "cogscope/ksg.h"
#include "info_mixed.h"
#include "par_error.h"

enum { GA = 1, GB = 2, GC = 4 };

typedef struct {
    int mask;
    double sign;
} term;

static const term terms_entropy[] = {{GA, 1}};
static const term terms_centropy[] = {{GA | GB, 1}, {GB, -1}};
static const term terms_mi[] = {{GA, 1}, {GB, 1}, {GA | GB, -1}};
static const term terms_cmi[] = {{GA | GC, 1}, {GB | GC, 1}, {GC, -1}, {GA | GB | GC, -1}};

static const char *const measure_names[CS_INFO_MEASURE_COUNT] = {"entropy", "centropy", "mi",
                                                                 "cmi",     "te",       "ais"};
static const char *const estimator_names[CS_EST_COUNT] = {"discrete", "gaussian", "gcopula", "ksg1",
                                                          "ksg2"};

const char *cs_info_measure_name(cs_info_measure m)
{
    return (unsigned)m < CS_INFO_MEASURE_COUNT ? measure_names[m] : NULL;
}

const char *cs_info_estimator_name(cs_info_estimator e)
{
    return (unsigned)e < CS_EST_COUNT ? estimator_names[e] : NULL;
}

cs_status cs_info_measure_parse(const char *name, cs_info_measure *out)
{
    for (int i = 0; i < CS_INFO_MEASURE_COUNT; i++)
        if (!strcmp(name, measure_names[i])) {
            *out = (cs_info_measure)i;
            return CS_OK;
        }
    return cs_error_set(CS_EINVAL, "unknown measure '%s'", name);
}

cs_status cs_info_estimator_parse(const char *name, cs_info_estimator *out)
{
    for (int i = 0; i < CS_EST_COUNT; i++)
        if (!strcmp(name, estimator_names[i])) {
            *out = (cs_info_estimator)i;
            return CS_OK;
        }
    return cs_error_set(CS_EINVAL,
                        "unknown estimator '%s' (discrete, gaussian, gcopula, ksg1 or ksg2)", name);
}

void cs_info_params_default(cs_info_measure measure, cs_info_estimator estimator,
                            cs_info_params *p)
{
    memset(p, 0, sizeof *p);
    p->measure = measure;
    p->estimator = estimator;
    cs_embed_params_default(&p->embed);
    p->binning = CS_BIN_EQUAL_WIDTH;
    p->bias_correct = -1;
    p->knn = 4;
    p->normalize = 1;
    /* JIDT's default noise level: ties (ReLU zeros, saturated units, rounded
     * data) otherwise make the strict KSG counts ill-defined and inflate the
     * estimate. */
    p->noise_sd = estimator == CS_EST_KSG1 || estimator == CS_EST_KSG2 ? 1e-8 : 0;
}

struct cs_info {
    cs_info_params p;
    int bias_correct;
    int have;         /* 0 nothing, 1 samples, 2 covariance */
    size_t n;         /* samples (rows of W), or n_samples of a covariance */
    size_t na, nb, nc, D;
    size_t *times;
    double *W;        /* n x D: samples (gaussian: centred; gcopula: copula, centred) */
    double *mean;     /* D (gaussian, before centring) */
    double *cov;      /* D x D (gaussian; ML covariance or the given one) */
    cs_symbols sym;   /* n x D (discrete) */
    cs_ksg *ksg;
    info_mixed *mixed; /* a discrete variable with a continuous estimator */
    double tied;      /* tied fraction of the rows, before noise */
    int clamped;      /* mixed: last average was clamped at 0 */
};

static int is_ksg(cs_info_estimator e) { return e == CS_EST_KSG1 || e == CS_EST_KSG2; }
static int is_gauss(cs_info_estimator e) { return e == CS_EST_GAUSSIAN || e == CS_EST_GCOPULA; }

static void terms_of(cs_info_measure m, const term **t, size_t *nt)
{
    switch (m) {
    case CS_INFO_ENTROPY:
        *t = terms_entropy;
        *nt = 1;
        break;
    case CS_INFO_CENTROPY:
        *t = terms_centropy;
        *nt = 2;
        break;
    case CS_INFO_MI:
    case CS_INFO_AIS:
        *t = terms_mi;
        *nt = 3;
        break;
    default:
        *t = terms_cmi;
        *nt = 4;
        break;
    }
}

static void clear_observations(cs_info *c)
{
    free(c->times);
    free(c->W);
    free(c->mean);
    free(c->cov);
    cs_symbols_free(&c->sym);
    cs_ksg_destroy(c->ksg);
    info_mixed_destroy(c->mixed);
    c->mixed = NULL;
    c->tied = NAN;
    c->clamped = 0;
    c->times = NULL;
    c->W = c->mean = c->cov = NULL;
    c->ksg = NULL;
    c->have = 0;
    c->n = c->na = c->nb = c->nc = c->D = 0;
}

cs_status cs_info_create(const cs_info_params *p, cs_info **out)
{
    *out = NULL;
    if (!cs_info_measure_name(p->measure))
        return cs_error_set(CS_EINVAL, "unknown measure %d", (int)p->measure);
    if (!cs_info_estimator_name(p->estimator))
        return cs_error_set(CS_EINVAL, "unknown estimator %d", (int)p->estimator);
    const char *mname = cs_info_measure_name(p->measure), *ename = cs_info_estimator_name(p->estimator);
    int entropy_like = p->measure == CS_INFO_ENTROPY || p->measure == CS_INFO_CENTROPY;
    if (entropy_like && (is_ksg(p->estimator) || p->estimator == CS_EST_GCOPULA))
        return cs_error_set(CS_EINVAL,
                            "%s is not available with the %s estimator (it estimates dependence, "
                            "not entropy): use discrete or gaussian",
                            mname, ename);
    if (p->miller_madow && p->estimator != CS_EST_DISCRETE)
        return cs_error_set(CS_EINVAL, "Miller-Madow correction is for the discrete estimator");
    if ((p->bins || p->alphabet) && p->estimator != CS_EST_DISCRETE)
        return cs_error_set(CS_EINVAL, "bins and alphabet are for the discrete estimator");
    if (p->bins && p->alphabet)
        return cs_error_set(CS_EINVAL, "give either bins (to bin continuous data) or an alphabet, "
                                       "not both");
    if (p->alphabet < 0)
        return cs_error_set(CS_EINVAL, "alphabet %d must be >= 1 (0 = infer)", p->alphabet);
    if (p->bias_correct > 0 && !is_gauss(p->estimator))
        return cs_error_set(CS_EINVAL, "the analytic bias correction is for the gaussian and "
                                       "gcopula estimators");
    if (is_ksg(p->estimator) && p->knn < 1)
        return cs_error_set(CS_EINVAL, "KSG neighbour count k = %d must be >= 1", p->knn);
    if (p->noise_sd < 0 || !isfinite(p->noise_sd))
        return cs_error_set(CS_EINVAL, "noise standard deviation %g must be >= 0", p->noise_sd);
    for (int r = 0; r < 3; r++)
        if (p->types[r] != CS_VAR_CONTINUOUS && p->types[r] != CS_VAR_DISCRETE)
            return cs_error_set(CS_EINVAL, "type %d of variable %c is neither continuous nor discrete",
                                (int)p->types[r], "xyz"[r]);
    if (p->gc_mixture && !is_gauss(p->estimator))
        return cs_error_set(CS_EINVAL, "the Gaussian mixture model is for the gaussian and gcopula estimators");
    cs_info *c = calloc(1, sizeof *c);
    if (!c)
        return cs_error_set(CS_ENOMEM, "out of memory");
    c->p = *p;
    c->bias_correct = p->bias_correct >= 0 ? p->bias_correct : p->estimator == CS_EST_GCOPULA;
    c->tied = NAN;
    *out = c;
    return CS_OK;
}

void cs_info_destroy(cs_info *c)
{
    if (!c)
        return;
    clear_observations(c);
    free(c);
}

size_t cs_info_count(const cs_info *c) { return c->n; }
const size_t *cs_info_times(const cs_info *c) { return c->have == 1 ? c->times : NULL; }

/* Indices of the union of groups `mask` (columns [A | B | C] of W) into idx. */
static size_t mask_indices(const cs_info *c, int mask, size_t *idx)
{
    size_t m = 0;
    if (mask & GA)
        for (size_t j = 0; j < c->na; j++)
            idx[m++] = j;
    if (mask & GB)
        for (size_t j = 0; j < c->nb; j++)
            idx[m++] = c->na + j;
    if (mask & GC)
        for (size_t j = 0; j < c->nc; j++)
            idx[m++] = c->na + c->nb + j;
    return m;
}

/* ---- observations ---------------------------------------------------------- */

static int present(cs_matrix m) { return m.data != NULL && m.rows > 0; }

/* Discrete pre-processing of one variable: symbols (binned or checked/recoded)
 * written back as exact small-integer doubles, plus per-column alphabets. */
static cs_status to_symbols(const cs_info *c, cs_matrix x, const char *role, int discrete_type,
                            cs_matrix *out, int32_t **alph)
{
    cs_symbols s;
    /* A variable declared discrete is used as symbols, never binned. */
    cs_status st = c->p.bins && !discrete_type ? cs_discrete_bin(x, c->p.bins, c->p.binning, &s)
                                               : cs_discrete_from_matrix(x, c->p.alphabet, &s);
    if (st)
        return cs_error_prefix("%s: ", role);
    st = cs_matrix_alloc(x.rows, x.cols, out);
    if (!st) {
        for (size_t i = 0; i < x.rows * x.cols; i++)
            out->data[i] = s.data[i];
        *alph = s.alphabet;
        s.alphabet = NULL;
    }
    cs_symbols_free(&s);
    return st;
}

/* A view of one block of columns of a contiguous matrix. */
static cs_matrix block(cs_matrix m, size_t col, size_t cols)
{
    cs_matrix v = {m.data + col, m.rows, cols, m.stride};
    return v;
}

/* Copy `src` columns [col, col+cols) into W columns starting at `dst`. */
static void put_block(double *W, size_t D, cs_matrix src, size_t col, size_t cols, size_t dst)
{
    for (size_t i = 0; i < src.rows; i++)
        memcpy(W + i * D + dst, cs_matrix_row(src, i) + col, cols * sizeof *W);
}

/* Copy of m with every column at mean 0 and sample (n - 1) standard deviation 1. */
static cs_status zscore_copy(cs_matrix m, const char *role, cs_matrix *out)
{
    if (m.rows < 2)
        return cs_error_set(CS_EINVAL, "%s: z-scoring needs at least 2 rows", role);
    cs_status st = cs_matrix_alloc(m.rows, m.cols, out);
    if (st)
        return st;
    for (size_t j = 0; j < m.cols; j++) {
        double mean = 0, ss = 0;
        for (size_t i = 0; i < m.rows; i++)
            mean += cs_matrix_get(m, i, j);
        mean /= (double)m.rows;
        for (size_t i = 0; i < m.rows; i++) {
            double d = cs_matrix_get(m, i, j) - mean;
            ss += d * d;
        }
        double sd = sqrt(ss / (double)(m.rows - 1));
        if (!(sd > 0)) {
            cs_matrix_free(out);
            return cs_error_set(CS_EINVAL, "%s: column %zu is constant: KSG cannot z-score it", role, j);
        }
        for (size_t i = 0; i < m.rows; i++)
            out->data[i * m.cols + j] = (cs_matrix_get(m, i, j) - mean) / sd;
    }
    return CS_OK;
}

static cs_status prepare_discrete(cs_info *c, int32_t *const alph_of_col)
{
    cs_status st = cs_symbols_alloc(c->n, c->D, &c->sym);
    if (st)
        return st;
    for (size_t i = 0; i < c->n * c->D; i++)
        c->sym.data[i] = (int32_t)c->W[i];
    memcpy(c->sym.alphabet, alph_of_col, c->D * sizeof *alph_of_col);
    free(c->W);
    c->W = NULL;
    return CS_OK;
}

static cs_status prepare_gauss(cs_info *c)
{
    cs_status st;
    cs_matrix W = cs_matrix_view(c->W, c->n, c->D);
    if (c->p.estimator == CS_EST_GCOPULA && (st = cs_gcopula_normalise(W, W)))
        return st;
    if (c->bias_correct && c->n <= c->D + 1)
        return cs_error_set(CS_EINVAL,
                            "the bias correction needs more samples (%zu) than variables + 1 (%zu)",
                            c->n, c->D + 1);
    c->mean = malloc(c->D * sizeof *c->mean);
    c->cov = malloc(c->D * c->D * sizeof *c->cov);
    if (!c->mean || !c->cov)
        return cs_error_set(CS_ENOMEM, "out of memory for a %zu x %zu covariance", c->D, c->D);
    if ((st = cs_gaussian_cov(W, NULL, 0, 0, c->cov, c->mean)))
        return st;
    for (size_t i = 0; i < c->n; i++)
        for (size_t j = 0; j < c->D; j++)
            c->W[i * c->D + j] -= c->mean[j];
    /* Fail here, not at the first query, if any block is singular: the full
     * block is positive definite iff every sub-block is. */
    size_t *idx = malloc(c->D * sizeof *idx);
    if (!idx)
        return cs_error_set(CS_ENOMEM, "out of memory");
    size_t m = mask_indices(c, GA | GB | GC, idx);
    double ld;
    st = cs_gaussian_logdet(c->cov, c->D, idx, m, NULL, "sample covariance of the variables", &ld);
    if (st == CS_ESINGULAR && c->n <= m) {
        /* n samples span at most n - 1 dimensions around their mean. */
        st = cs_error_set(CS_ESINGULAR,
                          "%s: too few samples (%zu) for a covariance of %zu variables%s: it needs "
                          "at least %zu",
                          c->p.estimator == CS_EST_GCOPULA ? "gcopula" : "gaussian", c->n, m,
                          c->p.measure == CS_INFO_TE || c->p.measure == CS_INFO_AIS
                              ? " (history embeddings included)"
                              : "",
                          m + 1);
    } else if (st == CS_ESINGULAR) {
        /* Name the first variable that is a linear function of those before it. */
        size_t bad = 0;
        while (bad < m && !cs_gaussian_logdet(c->cov, c->D, idx, bad + 1, NULL, "", &ld))
            bad++;
        int te = c->p.measure == CS_INFO_TE, ais = c->p.measure == CS_INFO_AIS;
        const char *role = bad < c->na   ? (te ? "source history" : ais ? "past" : "x")
                           : bad < c->na + c->nb ? (te || ais ? "future" : "y")
                                                 : (te ? "destination past / conditioning" : "z");
        size_t col = bad < c->na ? bad : bad < c->na + c->nb ? bad - c->na : bad - c->na - c->nb;
        st = cs_error_set(CS_ESINGULAR,
                          "%s: the sample covariance is singular: %s column %zu is (to rounding) "
                          "a linear function of the variables before it (duplicated or constant "
                          "data?)",
                          c->p.estimator == CS_EST_GCOPULA ? "gcopula" : "gaussian", role,
                          bad < m ? col : 0);
    }
    free(idx);
    return st;
}

static cs_status prepare_ksg(cs_info *c)
{
    cs_ksg_params kp;
    cs_ksg_params_default(&kp);
    kp.algorithm = c->p.estimator == CS_EST_KSG1 ? 1 : 2;
    kp.k = c->p.knn;
    /* TE/AIS series were z-scored whole before embedding (see set_observations) */
    kp.normalize = c->p.normalize && c->p.measure != CS_INFO_TE && c->p.measure != CS_INFO_AIS;
    kp.theiler = c->p.theiler;
    kp.noise_sd = c->p.noise_sd;
    kp.noise_seed = c->p.noise_seed;
    kp.threads = c->p.threads;
    int64_t *t = malloc(c->n * sizeof *t);
    if (!t)
        return cs_error_set(CS_ENOMEM, "out of memory");
    for (size_t i = 0; i < c->n; i++)
        t[i] = (int64_t)c->times[i];
    kp.times = t;
    cs_matrix W = cs_matrix_view(c->W, c->n, c->D);
    cs_matrix a = block(W, 0, c->na), b = block(W, c->na, c->nb), z = block(W, c->na + c->nb, c->nc);
    if (!c->nc)
        z.data = NULL, z.rows = 0;
    cs_status st = cs_ksg_cmi_create(a, b, z, &kp, &c->ksg);
    free(t);
    if (!st) {
        free(c->W);
        c->W = NULL;
    }
    return st;
}

cs_status cs_info_set_observations(cs_info *c, cs_matrix x, cs_matrix y, cs_matrix z)
{
    clear_observations(c);
    cs_info_measure m = c->p.measure;
    const char *mname = cs_info_measure_name(m);
    int need_y = m == CS_INFO_CENTROPY || m == CS_INFO_MI || m == CS_INFO_CMI || m == CS_INFO_TE;
    int need_z = m == CS_INFO_CMI, allow_z = need_z || m == CS_INFO_TE;
    if (!present(x) || x.cols == 0)
        return cs_error_set(CS_EINVAL, "%s needs x (at least one row and one column)", mname);
    if (need_y && (!present(y) || y.cols == 0))
        return cs_error_set(CS_EINVAL, "%s needs y (at least one row and one column)", mname);
    if (!need_y && present(y))
        return cs_error_set(CS_EINVAL, "%s takes no y", mname);
    if (need_z && (!present(z) || z.cols == 0))
        return cs_error_set(CS_EINVAL, "%s needs z (at least one row and one column)", mname);
    if (!allow_z && present(z))
        return cs_error_set(CS_EINVAL, "%s takes no z", mname);
    if (!present(y))
        y.rows = y.cols = 0, y.data = NULL;
    if (!present(z))
        z.rows = z.cols = 0, z.data = NULL;
    if (present(y) && y.rows != x.rows)
        return cs_error_set(CS_ESHAPE, "x and y differ in length: %zu vs %zu rows", x.rows, y.rows);
    if (present(z) && z.rows != x.rows)
        return cs_error_set(CS_ESHAPE, "x and z differ in length: %zu vs %zu rows", x.rows, z.rows);
    cs_status st;
    if ((st = cs_matrix_check_finite(x, "x")) || (present(y) && (st = cs_matrix_check_finite(y, "y"))) ||
        (present(z) && (st = cs_matrix_check_finite(z, "z"))))
        return st;

    int discrete = c->p.estimator == CS_EST_DISCRETE;
    const cs_var_type *ty = c->p.types;
    int typed = ty[CS_ROLE_X] == CS_VAR_DISCRETE || (present(y) && ty[CS_ROLE_Y] == CS_VAR_DISCRETE) ||
                (present(z) && ty[CS_ROLE_Z] == CS_VAR_DISCRETE);
    if (typed && !discrete) {
        if ((st = info_mixed_create(&c->p, x, y, z, &c->mixed)) != CS_OK)
            return st;
        c->n = x.rows;
        c->na = x.cols, c->nb = y.cols, c->nc = present(z) ? z.cols : 0;
        c->D = c->na + c->nb + c->nc;
        c->tied = info_mixed_tied_fraction(c->mixed);
        c->times = malloc((c->n ? c->n : 1) * sizeof *c->times);
        if (!c->times) {
            clear_observations(c);
            return cs_error_set(CS_ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < c->n; i++)
            c->times[i] = i;
        c->have = 1;
        return CS_OK;
    }
    if (is_ksg(c->p.estimator)) {
        /* Ties before any z-scoring or noise: what the noise is there for. */
        double f, tied = 0;
        cs_matrix vs[3] = {x, y, z};
        for (int r = 0; r < 3 && !st; r++)
            if (present(vs[r]) && !(st = cs_columns_tied_fraction(vs[r], &f)) && f > tied)
                tied = f;
        if (st)
            return st;
        c->tied = tied;
    }
    cs_matrix xs = {0}, ys = {0}, zs = {0};
    int32_t *ax = NULL, *ay = NULL, *az = NULL, *alph = NULL;
    cs_embedding e = {0};
    if (discrete) {
        if ((st = to_symbols(c, x, "x", ty[CS_ROLE_X], &xs, &ax)) ||
            (present(y) && (st = to_symbols(c, y, "y", ty[CS_ROLE_Y], &ys, &ay))) ||
            (present(z) && (st = to_symbols(c, z, "z", ty[CS_ROLE_Z], &zs, &az))))
            goto done;
        x = xs;
        if (present(ys))
            y = ys;
        if (present(zs))
            z = zs;
    }

    if (is_ksg(c->p.estimator) && c->p.normalize && (m == CS_INFO_TE || m == CS_INFO_AIS)) {
        /* JIDT/TRENTOOL convention: z-score each whole series before embedding
         * (then the KSG plan's own normalisation is switched off), so every
         * lagged copy of a series shares one scale. */
        if ((st = zscore_copy(x, "x", &xs)) || (present(y) && (st = zscore_copy(y, "y", &ys))) ||
            (present(z) && (st = zscore_copy(z, "z", &zs))))
            goto done;
        x = xs;
        if (present(ys))
            y = ys;
        if (present(zs))
            z = zs;
    }

    /* Work matrix W = [A | B | C] and the alphabet of each of its columns. */
    cs_matrix srcs[4];
    size_t col0[4], ncol[4], nblk = 0;
    int32_t *blk_alph[4];
    const size_t *origin = NULL;
    if (m == CS_INFO_TE || m == CS_INFO_AIS) {
        st = m == CS_INFO_TE ? cs_embed_te(x, y, z, &c->p.embed, &e)
                             : cs_embed_ais(x, c->p.embed.k, c->p.embed.k_tau, &e);
        if (st)
            goto done;
        c->n = e.n;
        origin = e.origin;
        if (m == CS_INFO_TE) {
            /* A = source, B = future, C = past (+ conditioning) */
            srcs[0] = e.data, col0[0] = e.source, ncol[0] = e.d_source, blk_alph[0] = ax;
            srcs[1] = e.data, col0[1] = e.future, ncol[1] = e.d_future, blk_alph[1] = ay;
            srcs[2] = e.data, col0[2] = e.past, ncol[2] = e.d_past, blk_alph[2] = ay;
            srcs[3] = e.data, col0[3] = e.cond, ncol[3] = e.d_cond, blk_alph[3] = az;
            nblk = 4;
            c->na = e.d_source, c->nb = e.d_future, c->nc = e.d_past + e.d_cond;
        } else {
            srcs[0] = e.data, col0[0] = e.past, ncol[0] = e.d_past, blk_alph[0] = ax;
            srcs[1] = e.data, col0[1] = e.future, ncol[1] = e.d_future, blk_alph[1] = ax;
            nblk = 2;
            c->na = e.d_past, c->nb = e.d_future, c->nc = 0;
        }
        c->times = e.time;
        e.time = NULL;
    } else {
        c->n = x.rows;
        srcs[0] = x, col0[0] = 0, ncol[0] = x.cols, blk_alph[0] = ax;
        srcs[1] = y, col0[1] = 0, ncol[1] = y.cols, blk_alph[1] = ay;
        srcs[2] = z, col0[2] = 0, ncol[2] = z.cols, blk_alph[2] = az;
        nblk = 3;
        c->na = x.cols, c->nb = y.cols, c->nc = z.cols;
        c->times = malloc((c->n ? c->n : 1) * sizeof *c->times);
        if (!c->times) {
            st = cs_error_set(CS_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < c->n; i++)
            c->times[i] = i;
    }
    c->D = c->na + c->nb + c->nc;
    c->W = malloc(c->n * c->D * sizeof *c->W);
    alph = malloc(c->D * sizeof *alph);
    if (!c->W || !alph) {
        st = cs_error_set(CS_ENOMEM, "out of memory for %zu x %zu samples", c->n, c->D);
        goto done;
    }
    for (size_t b = 0, dst = 0; b < nblk; dst += ncol[b], b++) {
        if (!ncol[b])
            continue;
        put_block(c->W, c->D, srcs[b], col0[b], ncol[b], dst);
        for (size_t j = 0; j < ncol[b]; j++) {
            size_t oc = origin ? origin[col0[b] + j] : j;
            alph[dst + j] = blk_alph[b] ? blk_alph[b][oc] : 1;
        }
    }
    c->have = 1;
    if (discrete)
        st = prepare_discrete(c, alph);
    else if (is_gauss(c->p.estimator))
        st = prepare_gauss(c);
    else
        st = prepare_ksg(c);
done:
    if (st)
        clear_observations(c);
    cs_matrix_free(&xs);
    cs_matrix_free(&ys);
    cs_matrix_free(&zs);
    free(ax);
    free(ay);
    free(az);
    free(alph);
    cs_embedding_free(&e);
    return st;
}

cs_status cs_info_set_covariance(cs_info *c, const double *cov, size_t d, const size_t *x,
                                 size_t nx, const size_t *y, size_t ny, const size_t *z, size_t nz,
                                 size_t n_samples)
{
    clear_observations(c);
    if (c->p.estimator != CS_EST_GAUSSIAN)
        return cs_error_set(CS_EINVAL, "a covariance matrix can only be used with the gaussian "
                                       "estimator");
    cs_info_measure m = c->p.measure;
    const char *mname = cs_info_measure_name(m);
    int need_y = m != CS_INFO_ENTROPY;
    int need_z = m == CS_INFO_CMI || m == CS_INFO_TE;
    if (!nx)
        return cs_error_set(CS_EINVAL, "%s needs x rows of the covariance", mname);
    if (need_y && !ny)
        return cs_error_set(CS_EINVAL, "%s needs y rows of the covariance%s", mname,
                            m == CS_INFO_AIS ? " (the future)" : "");
    if (!need_y && ny)
        return cs_error_set(CS_EINVAL, "%s takes no y", mname);
    if (need_z && !nz)
        return cs_error_set(CS_EINVAL, "%s needs z rows of the covariance%s", mname,
                            m == CS_INFO_TE ? " (the destination past)" : "");
    if (!need_z && nz)
        return cs_error_set(CS_EINVAL, "%s takes no z", mname);
    if (d == 0)
        return cs_error_set(CS_EINVAL, "empty covariance matrix");
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double a = cov[i * d + j], b = cov[j * d + i];
            if (!isfinite(a))
                return cs_error_set(CS_ENONFINITE, "covariance: %s at row %zu, column %zu",
                                    isnan(a) ? "NaN" : "Inf", i, j);
            if (fabs(a - b) > 1e-9 * (fabs(a) + fabs(b)) + 1e-300)
                return cs_error_set(CS_EINVAL,
                                    "covariance is not symmetric: row %zu, column %zu holds %g "
                                    "but row %zu, column %zu holds %g",
                                    i, j, a, j, i, b);
        }
    const size_t *sets[3] = {x, y, z};
    size_t counts[3] = {nx, ny, nz};
    const char *roles[3] = {"x", "y", "z"};
    unsigned char *used = calloc(d, 1);
    if (!used)
        return cs_error_set(CS_ENOMEM, "out of memory");
    for (int r = 0; r < 3; r++)
        for (size_t j = 0; j < counts[r]; j++) {
            size_t i = sets[r][j];
            if (i >= d) {
                free(used);
                return cs_error_set(CS_EINVAL,
                                    "%s: row %zu is out of range (the covariance is %zu x %zu)",
                                    roles[r], i, d, d);
            }
            if (used[i]) {
                free(used);
                return cs_error_set(CS_EINVAL, "%s: row %zu of the covariance is used twice", roles[r],
                                    i);
            }
            used[i] = 1;
        }
    free(used);
    c->na = nx, c->nb = ny, c->nc = nz, c->D = nx + ny + nz;
    c->n = n_samples;
    c->cov = malloc(c->D * c->D * sizeof *c->cov);
    if (!c->cov)
        return cs_error_set(CS_ENOMEM, "out of memory");
    size_t *all = malloc(c->D * sizeof *all);
    if (!all) {
        free(c->cov);
        c->cov = NULL;
        return cs_error_set(CS_ENOMEM, "out of memory");
    }
    if (nx)
        memcpy(all, x, nx * sizeof *all);
    if (ny)
        memcpy(all + nx, y, ny * sizeof *all);
    if (nz)
        memcpy(all + nx + ny, z, nz * sizeof *all);
    for (size_t a = 0; a < c->D; a++)
        for (size_t b = 0; b < c->D; b++)
            c->cov[a * c->D + b] = cov[all[a] * d + all[b]];
    double ld;
    cs_status st = cs_gaussian_logdet(c->cov, c->D, NULL, c->D, NULL,
                                      "covariance block of the x, y, z rows", &ld);
    if (!st && c->bias_correct && n_samples && n_samples <= c->D + 1)
        st = cs_error_set(CS_EINVAL,
                          "the bias correction needs more samples (%zu) than variables + 1 (%zu)",
                          n_samples, c->D + 1);
    free(all);
    if (st) {
        clear_observations(c);
        return st;
    }
    c->have = 2;
    return CS_OK;
}

/* ---- values -------------------------------------------------------------------- */

static cs_status need(const cs_info *c)
{
    if (!c->have)
        return cs_error_set(CS_EINVAL, "no observations: call cs_info_set_observations first");
    return CS_OK;
}

/* Gaussian: sum of signed (bias-corrected) entropies from a D x D covariance. */
static cs_status gauss_value(const cs_info *c, const double *cov, int correct, double *value)
{
    const term *t;
    size_t nt;
    terms_of(c->p.measure, &t, &nt);
    size_t idx[c->D ? c->D : 1];
    double *scratch = malloc((c->D ? c->D * c->D : 1) * sizeof *scratch);
    if (!scratch)
        return cs_error_set(CS_ENOMEM, "out of memory");
    double v = 0;
    cs_status st = CS_OK;
    for (size_t k = 0; k < nt && !st; k++) {
        size_t m = mask_indices(c, t[k].mask, idx);
        double h = 0;
        if ((st = cs_gaussian_entropy(cov, c->D, idx, m, scratch, "covariance", &h)))
            break;
        if (correct)
            h -= cs_gaussian_entropy_bias(m, c->n, c->have == 2 ? 1 : 0);
        v += t[k].sign * h;
    }
    free(scratch);
    *value = v;
    return st;
}

/* Discrete: joint codes of the union of groups `mask`. */
static cs_status disc_codes(const cs_info *c, int mask, int32_t *codes, size_t *states)
{
    size_t idx[c->D ? c->D : 1];
    size_t m = mask_indices(c, mask, idx);
    return cs_discrete_joint(&c->sym, idx, m, codes, states);
}

static cs_status disc_value(const cs_info *c, int mm, double *value)
{
    const term *t;
    size_t nt;
    terms_of(c->p.measure, &t, &nt);
    int32_t *codes = malloc(c->n * sizeof *codes);
    if (!codes)
        return cs_error_set(CS_ENOMEM, "out of memory");
    double v = 0;
    cs_status st = CS_OK;
    for (size_t k = 0; k < nt && !st; k++) {
        size_t states;
        double h = 0;
        if (!(st = disc_codes(c, t[k].mask, codes, &states)))
            st = cs_discrete_entropy_codes(codes, c->n, states, mm, &h);
        v += t[k].sign * h;
    }
    free(codes);
    *value = v;
    return st;
}

cs_status cs_info_average(cs_info *c, double *value)
{
    cs_status st = need(c);
    if (st)
        return st;
    if (c->mixed)
        return info_mixed_value(c->mixed, NULL, value, NULL, &c->clamped);
    if (c->p.estimator == CS_EST_DISCRETE)
        return disc_value(c, c->p.miller_madow, value);
    if (is_gauss(c->p.estimator))
        return gauss_value(c, c->cov, c->bias_correct && c->n > 0, value);
    return cs_ksg_average(c->ksg, value);
}

cs_status cs_info_local(cs_info *c, double *local, double *average)
{
    cs_status st = need(c);
    if (st)
        return st;
    if (c->have == 2)
        return cs_error_set(CS_EINVAL, "local values need samples, not a covariance matrix");
    if (c->mixed) {
        double unused;
        if ((st = info_mixed_value(c->mixed, NULL, &unused, local, NULL)) != CS_OK)
            return st;
        if (average) {
            double s = 0;
            for (size_t i = 0; i < c->n; i++)
                s += local[i];
            *average = s / (double)c->n;
        }
        return CS_OK;
    }
    if (is_ksg(c->p.estimator))
        return cs_ksg_local(c->ksg, local, average);
    const term *t;
    size_t nt;
    terms_of(c->p.measure, &t, &nt);
    double *tmp = malloc(c->n * sizeof *tmp);
    int32_t *codes = malloc(c->n * sizeof *codes);
    size_t idx[c->D ? c->D : 1];
    if (!tmp || !codes) {
        free(tmp);
        free(codes);
        return cs_error_set(CS_ENOMEM, "out of memory");
    }
    memset(local, 0, c->n * sizeof *local);
    cs_matrix W = cs_matrix_view(c->W, c->n, c->D);
    double *zero = NULL;
    if (c->W && !(zero = calloc(c->D, sizeof *zero)))
        st = cs_error_set(CS_ENOMEM, "out of memory");
    for (size_t k = 0; k < nt && !st; k++) {
        double shift = 0;
        if (c->p.estimator == CS_EST_DISCRETE) {
            size_t states;
            if (!(st = disc_codes(c, t[k].mask, codes, &states)))
                st = cs_discrete_local_entropy_codes(codes, c->n, states, c->p.miller_madow, tmp);
        } else {
            size_t m = mask_indices(c, t[k].mask, idx);
            /* W is already centred, so the mean passed is zero. */
            st = cs_gaussian_local_entropy(W, zero, c->cov, c->D, idx, m, "covariance", tmp);
            if (c->bias_correct)
                shift = cs_gaussian_entropy_bias(m, c->n, 0);
        }
        if (st)
            break;
        for (size_t i = 0; i < c->n; i++)
            local[i] += t[k].sign * (tmp[i] - shift);
    }
    free(zero);
    free(tmp);
    free(codes);
    if (!st && average) {
        double s = 0;
        for (size_t i = 0; i < c->n; i++)
            s += local[i];
        *average = s / (double)c->n;
    }
    return st;
}

/* ---- significance ---------------------------------------------------------------- */

static cs_status disc_surrogates(const cs_info *c, size_t first, size_t ns, uint64_t seed, double *vals)
{
    const term *t;
    size_t nt;
    terms_of(c->p.measure, &t, &nt);
    size_t n = c->n;
    /* Codes of every term with A removed (fixed under the shuffle), and of A. */
    int32_t *rest[4] = {NULL}, *codeA = malloc(n * sizeof *codeA);
    size_t rest_states[4] = {0}, statesA = 0;
    double fixed = 0;
    cs_status st = codeA ? disc_codes(c, GA, codeA, &statesA) : cs_error_set(CS_ENOMEM, "out of memory");
    for (size_t k = 0; k < nt && !st; k++) {
        rest[k] = malloc(n * sizeof *rest[k]);
        if (!rest[k]) {
            st = cs_error_set(CS_ENOMEM, "out of memory");
            break;
        }
        st = disc_codes(c, t[k].mask & ~GA, rest[k], &rest_states[k]);
        if (!st && !(t[k].mask & GA)) {
            double h;
            st = cs_discrete_entropy_codes(rest[k], n, rest_states[k], c->p.miller_madow, &h);
            fixed += t[k].sign * h;
        }
    }
    par_error err = PAR_ERROR_INIT;
    if (!st) {
#pragma omp parallel num_threads(cs_threads_resolve(c->p.threads))
        {
            size_t *perm = malloc(n * sizeof *perm);
            int32_t *pa = malloc(n * sizeof *pa), *joint = malloc(n * sizeof *joint);
            if (!perm || !pa || !joint)
                par_error_record(&err, cs_error_set(CS_ENOMEM, "out of memory"));
#pragma omp for schedule(dynamic)
            for (size_t s = 0; s < ns; s++) {
                if (par_error_seen(&err))
                    continue;
                cs_status e = cs_surrogate_permutation(seed, first + s, perm, n);
                if (e) {
                    par_error_record(&err, e);
                    continue;
                }
                for (size_t i = 0; i < n; i++)
                    pa[i] = codeA[perm[i]];
                double v = fixed;
                for (size_t k = 0; k < nt && !e; k++) {
                    if (!(t[k].mask & GA))
                        continue;
                    size_t js;
                    double h;
                    if (!(e = cs_discrete_pair(pa, statesA, rest[k], rest_states[k], n, joint, &js)))
                        e = cs_discrete_entropy_codes(joint, n, js, c->p.miller_madow, &h);
                    v += t[k].sign * h;
                }
                if (e)
                    par_error_record(&err, e);
                vals[s] = v;
            }
            free(perm);
            free(pa);
            free(joint);
        }
        st = par_error_raise(&err);
    }
    free(codeA);
    for (size_t k = 0; k < 4; k++)
        free(rest[k]);
    return st;
}

static cs_status gauss_surrogates(const cs_info *c, size_t first, size_t ns, uint64_t seed, double *vals)
{
    size_t n = c->n, D = c->D, na = c->na, nr = D - na;
    /* R = the centred columns of B and C (fixed); only cov[A, R] changes. */
    double *R = malloc(n * (nr ? nr : 1) * sizeof *R);
    if (!R)
        return cs_error_set(CS_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        memcpy(R + i * nr, c->W + i * D + na, nr * sizeof *R);
    par_error err = PAR_ERROR_INIT;
#pragma omp parallel num_threads(cs_threads_resolve(c->p.threads))
    {
        size_t *perm = malloc(n * sizeof *perm);
        double *Ap = malloc(n * na * sizeof *Ap), *cov = malloc(D * D * sizeof *cov);
        double *cross = malloc(na * (nr ? nr : 1) * sizeof *cross);
        if (!perm || !Ap || !cov || !cross)
            par_error_record(&err, cs_error_set(CS_ENOMEM, "out of memory"));
#pragma omp for schedule(dynamic)
        for (size_t s = 0; s < ns; s++) {
            if (par_error_seen(&err))
                continue;
            cs_status e = cs_surrogate_permutation(seed, first + s, perm, n);
            if (e) {
                par_error_record(&err, e);
                continue;
            }
            for (size_t i = 0; i < n; i++) { /* a loop, not memcpy: rows are ~1-10 values */
                const double *src = c->W + perm[i] * D;
                for (size_t a = 0; a < na; a++)
                    Ap[i * na + a] = src[a];
            }
            /* cross = Ap^T R / n (ML divisor, as the observed covariance) */
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)na, (int)nr, (int)n,
                        1.0 / (double)n, Ap, (int)na, R, (int)nr, 0.0, cross, (int)nr);
            memcpy(cov, c->cov, D * D * sizeof *cov);
            for (size_t a = 0; a < na; a++)
                for (size_t r = 0; r < nr; r++)
                    cov[a * D + na + r] = cov[(na + r) * D + a] = cross[a * nr + r];
            if ((e = gauss_value(c, cov, c->bias_correct, &vals[s])))
                par_error_record(&err, e);
        }
        free(perm);
        free(Ap);
        free(cov);
        free(cross);
    }
    free(R);
    return par_error_raise(&err);
}

/* Mixed estimates: surrogate first + s recomputes with the rows of X
 * permuted by cs_surrogate_permutation(seed, first + s). */
static cs_status mixed_surrogates(const cs_info *c, size_t first, size_t ns, uint64_t seed, double *vals)
{
    size_t n = c->n;
    par_error err = PAR_ERROR_INIT;
#pragma omp parallel num_threads(cs_threads_resolve(c->p.threads))
    {
        size_t *perm = malloc(n * sizeof *perm);
        if (!perm)
            par_error_record(&err, cs_error_set(CS_ENOMEM, "out of memory"));
#pragma omp for schedule(dynamic)
        for (size_t s = 0; s < ns; s++) {
            if (par_error_seen(&err))
                continue;
            cs_status e = cs_surrogate_permutation(seed, first + s, perm, n);
            if (!e)
                e = info_mixed_value(c->mixed, perm, &vals[s], NULL, NULL);
            if (e)
                par_error_record(&err, e);
        }
        free(perm);
    }
    return par_error_raise(&err);
}

/* What a permutation test needs of the calculator. */
static cs_status surrogates_check(cs_info *c, size_t n_surrogates)
{
    cs_status st = need(c);
    if (st)
        return st;
    if (c->p.measure == CS_INFO_ENTROPY || c->p.measure == CS_INFO_CENTROPY)
        return cs_error_set(CS_EINVAL, "surrogates test dependence: they are for mi, cmi, te and "
                                       "ais, not %s",
                            cs_info_measure_name(c->p.measure));
    if (c->have == 2)
        return cs_error_set(CS_EINVAL, "surrogates need samples, not a covariance matrix");
    if (n_surrogates < 1)
        return cs_error_set(CS_EINVAL, "the number of surrogates must be >= 1");
    return CS_OK;
}

cs_status cs_info_surrogate_values(cs_info *c, size_t first, size_t n, uint64_t seed, double *values)
{
    if (n == 0)
        return need(c);
    cs_status st = surrogates_check(c, n);
    if (st)
        return st;
    if (c->mixed)
        return mixed_surrogates(c, first, n, seed, values);
    if (is_ksg(c->p.estimator))
        return cs_ksg_surrogate_values(c->ksg, first, n, seed, values);
    return c->p.estimator == CS_EST_DISCRETE ? disc_surrogates(c, first, n, seed, values)
                                             : gauss_surrogates(c, first, n, seed, values);
}

cs_status cs_info_surrogates(cs_info *c, size_t n_surrogates, uint64_t seed,
                             cs_info_significance *out, double *values)
{
    cs_status st = surrogates_check(c, n_surrogates);
    if (st)
        return st;
    if (is_ksg(c->p.estimator) && !c->mixed)
        return cs_ksg_surrogates(c->ksg, n_surrogates, seed, out, values);
    double observed;
    if ((st = cs_info_average(c, &observed)))
        return st;
    double *vals = values ? values : malloc(n_surrogates * sizeof *vals);
    if (!vals)
        return cs_error_set(CS_ENOMEM, "out of memory for %zu surrogates", n_surrogates);
    st = c->mixed                             ? mixed_surrogates(c, 0, n_surrogates, seed, vals)
         : c->p.estimator == CS_EST_DISCRETE ? disc_surrogates(c, 0, n_surrogates, seed, vals)
                                             : gauss_surrogates(c, 0, n_surrogates, seed, vals);
    if (!st)
        st = cs_significance_summarise(observed, vals, n_surrogates, out);
    if (!values)
        free(vals);
    return st;
}

cs_status cs_info_analytic(cs_info *c, cs_info_chi2 *out)
{
    cs_status st = need(c);
    if (st)
        return st;
    cs_info_measure m = c->p.measure;
    if (m == CS_INFO_ENTROPY || m == CS_INFO_CENTROPY)
        return cs_error_set(CS_EINVAL, "the chi-squared null is for mi, cmi, te and ais, not %s",
                            cs_info_measure_name(m));
    if ((c->p.estimator != CS_EST_DISCRETE && c->p.estimator != CS_EST_GAUSSIAN) || c->mixed)
        return cs_error_set(CS_EINVAL, "the chi-squared null exists for the discrete and gaussian "
                                       "estimators only (and not for a gaussian estimate with a discrete "
                                       "variable)");
    if (c->n == 0)
        return cs_error_set(CS_EINVAL, "the chi-squared null needs the number of samples behind "
                                       "the covariance");
    double I;
    if (c->p.estimator == CS_EST_DISCRETE) {
        if ((st = disc_value(c, 0, &I)))
            return st;
        size_t idx[c->D];
        size_t k = mask_indices(c, GA, idx);
        double pa = cs_discrete_alphabet_product(&c->sym, idx, k);
        k = mask_indices(c, GB, idx);
        double pb = cs_discrete_alphabet_product(&c->sym, idx, k);
        k = mask_indices(c, GC, idx);
        double pc = cs_discrete_alphabet_product(&c->sym, idx, k);
        out->df = (pa - 1) * (pb - 1) * pc;
    } else {
        if ((st = gauss_value(c, c->cov, 0, &I)))
            return st;
        out->df = (double)c->na * (double)c->nb;
    }
    out->statistic = 2.0 * (double)c->n * I;
    if (!(out->df > 0))
        return cs_error_set(CS_EINVAL, "the chi-squared null has no degrees of freedom: a variable "
                                       "takes a single value");
    out->p_value = cs_chi2_upper_tail(out->statistic, out->df);
    return CS_OK;
}

double cs_info_tied_fraction(const cs_info *c) { return c->have == 1 ? c->tied : NAN; }

int cs_info_clamped(const cs_info *c) { return c->clamped; }

int cs_info_saturated(const cs_info *c, size_t *occupied)
{
    if (occupied)
        *occupied = 0;
    if (c->have != 1 || c->p.estimator != CS_EST_DISCRETE || c->mixed)
        return 0;
    int32_t *codes = malloc((c->n ? c->n : 1) * sizeof *codes);
    size_t states = 0;
    if (!codes || disc_codes(c, GA | GB | GC, codes, &states) != CS_OK) {
        free(codes);
        return 0;
    }
    free(codes);
    if (occupied)
        *occupied = states;
    return (double)states > (double)c->n / 5.0;
}

/* ---- one-shot pairs ---------------------------------------------------------------- */

static cs_status one_shot(const cs_info_params *p0, cs_info_measure m, cs_matrix x, cs_matrix y,
                          cs_matrix z, double *value, double *local, size_t *count)
{
    cs_info_params p = *p0;
    p.measure = m;
    cs_info *c;
    cs_status st = cs_info_create(&p, &c);
    if (st)
        return st;
    if (!(st = cs_info_set_observations(c, x, y, z))) {
        if (count)
            *count = c->n;
        st = local ? cs_info_local(c, local, value) : cs_info_average(c, value);
    }
    cs_info_destroy(c);
    return st;
}

static const cs_matrix none = {NULL, 0, 0, 0};

cs_status cs_info_entropy(const cs_info_params *p, cs_matrix x, double *value)
{
    return one_shot(p, CS_INFO_ENTROPY, x, none, none, value, NULL, NULL);
}
cs_status cs_info_local_entropy(const cs_info_params *p, cs_matrix x, double *local, size_t *count)
{
    return one_shot(p, CS_INFO_ENTROPY, x, none, none, NULL, local, count);
}
cs_status cs_info_centropy(const cs_info_params *p, cs_matrix x, cs_matrix y, double *value)
{
    return one_shot(p, CS_INFO_CENTROPY, x, y, none, value, NULL, NULL);
}
cs_status cs_info_local_centropy(const cs_info_params *p, cs_matrix x, cs_matrix y, double *local,
                                 size_t *count)
{
    return one_shot(p, CS_INFO_CENTROPY, x, y, none, NULL, local, count);
}
cs_status cs_info_mi(const cs_info_params *p, cs_matrix x, cs_matrix y, double *value)
{
    return one_shot(p, CS_INFO_MI, x, y, none, value, NULL, NULL);
}
cs_status cs_info_local_mi(const cs_info_params *p, cs_matrix x, cs_matrix y, double *local,
                           size_t *count)
{
    return one_shot(p, CS_INFO_MI, x, y, none, NULL, local, count);
}
cs_status cs_info_cmi(const cs_info_params *p, cs_matrix x, cs_matrix y, cs_matrix z, double *value)
{
    return one_shot(p, CS_INFO_CMI, x, y, z, value, NULL, NULL);
}
cs_status cs_info_local_cmi(const cs_info_params *p, cs_matrix x, cs_matrix y, cs_matrix z,
                            double *local, size_t *count)
{
    return one_shot(p, CS_INFO_CMI, x, y, z, NULL, local, count);
}
cs_status cs_info_te(const cs_info_params *p, cs_matrix src, cs_matrix dst, cs_matrix cond,
                     double *value)
{
    return one_shot(p, CS_INFO_TE, src, dst, cond, value, NULL, NULL);
}
cs_status cs_info_local_te(const cs_info_params *p, cs_matrix src, cs_matrix dst, cs_matrix cond,
                           double *local, size_t *count)
{
    return one_shot(p, CS_INFO_TE, src, dst, cond, NULL, local, count);
}
cs_status cs_info_ais(const cs_info_params *p, cs_matrix x, double *value)
{
    return one_shot(p, CS_INFO_AIS, x, none, none, value, NULL, NULL);
}
cs_status cs_info_local_ais(const cs_info_params *p, cs_matrix x, double *local, size_t *count)
{
    return one_shot(p, CS_INFO_AIS, x, none, none, NULL, local, count);
}

/* The information-measure calculator cs_info (cogscope/info.h) written once
 * over the estimator registry (cogscope/estimator.h): every measure is three
 * column sets X | Y | Z of one work matrix W (n x D) and, for estimators
 * with entropy, a signed sum of entropies of their unions:
 *     entropy H(X)               +X
 *     conditional H(X|Y)         +XY -Y
 *     mi, ais  I(X;Y)            +X +Y -XY
 *     cmi, te  I(X;Y|Z)          +XZ +YZ -Z -XYZ
 * (est_terms_* in estimators/estimator_impl.h); KSG and the mixed
 * estimators answer I(X;Y|Z) directly. TE and AIS embed their series first
 * (cogscope/embed.h): TE X = source history, Y = future, Z = past (+
 * conditioning); AIS X = past, Y = future. */
#include "cogscope/info.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/columns.h"
#include "../estimators/estimator_impl.h"
#include "embed_internal.h"

void cs_info_params_default(cs_info_measure measure, cs_info_estimator estimator, cs_info_params *p)
{
    memset(p, 0, sizeof *p);
    p->measure = measure;
    cs_embed_params_default(&p->embed);
    cs_estimator_params_default(estimator, &p->est);
}

/* The estimator's parameters for the calculator's measure. */
static void estimator_params(const cs_info_params *p, cs_estimator_params *ep)
{
    *ep = p->est;
    /* TE/AIS series are z-scored whole before embedding (set_observations) */
    ep->normalize = p->est.normalize && p->measure != CS_INFO_TE && p->measure != CS_INFO_AIS;
}

struct cs_info {
    cs_info_params p;
    cs_estimator *e;
    int have; /* 0 nothing, 1 samples, 2 covariance */
    size_t n; /* samples (rows of W), or n_samples of a covariance */
    size_t na, nb, nc, D;
    size_t *times;
    size_t *idx; /* 0..D-1: the sets X | Y | Z are consecutive */
    double tied; /* tied fraction of the rows, before noise */
    int clamped; /* mixed: last average was clamped */
};

static int is_ksg(cs_info_estimator e) { return e == CS_EST_KSG1 || e == CS_EST_KSG2; }

static void terms_of(cs_info_measure m, const est_term **t, size_t *nt)
{
    switch (m) {
    case CS_INFO_ENTROPY:
        *t = est_terms_entropy;
        *nt = 1;
        break;
    case CS_INFO_CENTROPY:
        *t = est_terms_centropy;
        *nt = 2;
        break;
    case CS_INFO_MI:
    case CS_INFO_AIS:
        *t = est_terms_mi;
        *nt = 3;
        break;
    default:
        *t = est_terms_cmi;
        *nt = 4;
        break;
    }
}

static est_sets sets_of(const cs_info *c)
{
    est_sets s = {{c->idx, c->idx + c->na, c->idx + c->na + c->nb}, {c->na, c->nb, c->nc}};
    return s;
}

static void clear_observations(cs_info *c)
{
    cs_estimator_destroy(c->e);
    free(c->times);
    free(c->idx);
    c->e = NULL;
    c->tied = NAN;
    c->clamped = 0;
    c->times = NULL;
    c->idx = NULL;
    c->have = 0;
    c->n = c->na = c->nb = c->nc = c->D = 0;
}

cs_status cs_info_create(const cs_info_params *p, cs_info **out)
{
    *out = NULL;
    if (p->measure == CS_INFO_OMEGA)
        return cs_error_set(CS_EINVAL,
                            "omega has its own entry points (cs_omega_layer, cs_omega_pid: cogscope/omega.h)");
    if ((unsigned)p->measure > CS_INFO_CALC_LAST && cs_info_measure_name(p->measure))
        return cs_error_set(CS_EINVAL,
                            "%s is not a measure of the cs_info calculator (cogscope/measure.h says where it is)",
                            cs_info_measure_name(p->measure));
    cs_measure_request r = {p->measure, p->est.estimator, 0, 0, {CS_VAR_CONTINUOUS}};
    cs_status st = cs_measure_validate(&r);
    cs_estimator_params ep;
    if (!st) {
        estimator_params(p, &ep);
        st = est_check_params(&ep);
    }
    for (int k = 0; k < 3 && !st; k++)
        if (p->types[k] != CS_VAR_CONTINUOUS && p->types[k] != CS_VAR_DISCRETE)
            st = cs_error_set(CS_EINVAL, "type %d of variable %c is neither continuous nor discrete",
                              (int)p->types[k], "xyz"[k]);
    if (st)
        return st;
    cs_info *c = calloc(1, sizeof *c);
    if (!c)
        return cs_error_set(CS_ENOMEM, "out of memory");
    c->p = *p;
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

/* ---- observations ---------------------------------------------------------- */

static int present(cs_matrix m) { return m.data != NULL && m.rows > 0; }

/* Discrete pre-processing of one variable: symbols (binned or checked/recoded)
 * written back as exact small-integer doubles, plus per-column alphabets. */
static cs_status role_symbols(const cs_info *c, cs_matrix x, const char *role, int discrete_type, cs_symbols *s)
{
    /* A variable declared discrete is used as symbols, never binned. */
    cs_status st = c->p.est.bins && !discrete_type ? cs_discrete_bin(x, c->p.est.bins, c->p.est.binning, s)
                                                   : cs_discrete_from_matrix(x, c->p.est.alphabet, s);
    return st ? cs_error_prefix("%s: ", role) : CS_OK;
}

/* The same as exact small-integer doubles (to be embedded) and the alphabets. */
static cs_status to_symbols(const cs_info *c, cs_matrix x, const char *role, int discrete_type, cs_matrix *out,
                            int32_t **alph)
{
    cs_symbols s;
    cs_status st = role_symbols(c, x, role, discrete_type, &s);
    if (st)
        return st;
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

/* Fill times 0..n-1 and the set indices 0..D-1 of samples that are not embedded. */
static cs_status plain_layout(cs_info *c)
{
    c->times = malloc((c->n ? c->n : 1) * sizeof *c->times);
    c->idx = malloc((c->D ? c->D : 1) * sizeof *c->idx);
    if (!c->times || !c->idx)
        return cs_error_set(CS_ENOMEM, "out of memory");
    for (size_t i = 0; i < c->n; i++)
        c->times[i] = i;
    for (size_t j = 0; j < c->D; j++)
        c->idx[j] = j;
    return CS_OK;
}

/* Discrete estimator, samples not embedded: each role's symbols go straight
 * into the estimator's n x D symbol table (the data's one copy). */
static cs_status discrete_direct(cs_info *c, const cs_matrix v[3])
{
    const char *names[3] = {"x", "y", "z"};
    cs_symbols rs[3] = {{0}}, S = {0};
    cs_var_type *types = NULL;
    cs_status st = CS_OK;
    for (int k = 0; k < 3 && !st; k++)
        if (present(v[k]))
            st = role_symbols(c, v[k], names[k], c->p.types[k], &rs[k]);
    c->n = v[0].rows;
    c->na = rs[0].cols, c->nb = rs[1].cols, c->nc = rs[2].cols;
    c->D = c->na + c->nb + c->nc;
    if (!st && !(st = plain_layout(c)) && !(st = cs_symbols_alloc(c->n, c->D, &S)) &&
        !(types = malloc(c->D * sizeof *types)))
        st = cs_error_set(CS_ENOMEM, "out of memory");
    for (int k = 0, dst = 0; k < 3 && !st; dst += (int)rs[k].cols, k++)
        for (size_t j = 0; j < rs[k].cols; j++) {
            for (size_t i = 0; i < c->n; i++)
                S.data[i * c->D + dst + j] = rs[k].data[i * rs[k].cols + j];
            S.alphabet[dst + j] = rs[k].alphabet[j];
            types[dst + j] = c->p.types[k];
        }
    for (int k = 0; k < 3; k++)
        cs_symbols_free(&rs[k]);
    if (!st) {
        cs_estimator_params ep;
        estimator_params(&c->p, &ep);
        st = est_create_symbols(&ep, &S, types, &c->e);
    }
    cs_symbols_free(&S);
    free(types);
    return st;
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
        double mean, ss;
        cs_columns_mean_ss(m, j, &mean, &ss);
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

/* Hand W (and, discrete, the column alphabets) to the estimator, prepare
 * it and bind the direct structures to the sets X | Y | Z. */
static cs_status estimator_on(cs_info *c, double *W, int32_t *alph, const cs_var_type *types)
{
    cs_estimator_params ep;
    estimator_params(&c->p, &ep);
    cs_status st = est_create_owned(&ep, W, c->n, c->D, types, &c->e);
    if (st) {
        free(alph);
        return st;
    }
    cs_estimator *e = c->e;
    if (ep.estimator == CS_EST_DISCRETE)
        e->alph = alph;
    else
        free(alph);
    e->times = c->times;
    e->release_samples = 1; /* the calculator queries its one set of columns */
    e->what = cs_info_measure_name(c->p.measure);
    e->roles[0] = c->na, e->roles[1] = c->nb, e->roles[2] = c->nc;
    if ((st = est_prepare(e)))
        return st;
    if (e->ops->cmi) {
        est_sets s = sets_of(c);
        if ((st = est_bind(e, &s)))
            return st;
        if (e->mixed)
            c->tied = est_mixed_tied_fraction(e->mixed);
    }
    return CS_OK;
}

/* The roles and types given, checked against the measure table. */
static cs_status check_request(const cs_info *c, cs_matrix x, cs_matrix y, cs_matrix z)
{
    cs_measure_request r = {c->p.measure, c->p.est.estimator, 0, 0, {CS_VAR_CONTINUOUS}};
    cs_matrix v[3] = {x, y, z};
    for (int k = 0; k < 3; k++) {
        if (present(v[k]) && v[k].cols > 0)
            r.roles |= 1u << k;
        r.types[k] = c->p.types[k];
    }
    /* x is required by every measure: without it, name x (not "no roles"). */
    if (!(r.roles & CS_ROLE_BIT_X))
        return cs_error_set(CS_EINVAL, "%s needs --x (at least one row and one column)",
                            cs_info_measure_name(c->p.measure));
    /* A role with rows but no columns counts as given for "takes no". */
    for (int k = 1; k < 3; k++)
        if (present(v[k]))
            r.roles |= 1u << k;
    cs_status st = cs_measure_validate(&r);
    if (st)
        return st;
    for (int k = 1; k < 3; k++)
        if (present(v[k]) && v[k].cols == 0)
            return cs_error_set(CS_EINVAL, "%s needs --%c (at least one row and one column)",
                                cs_info_measure_name(c->p.measure), "xyz"[k]);
    return CS_OK;
}

/* The work matrix's column blocks X | Y | Z: block k is ncol[k] columns of
 * srcs[k] from col0[k], with its columns' alphabets (or NULL) and type;
 * origin: the input column of each embedded column (TE/AIS), else NULL. */
typedef struct {
    cs_matrix srcs[4];
    size_t col0[4], ncol[4], nblk;
    int32_t *alph[4];
    cs_var_type type[4];
    const size_t *origin;
} work_blocks;

/* TE/AIS inputs before embedding: discrete ones become symbols (own[k],
 * alphabets alph[k]); with KSG and normalize each whole series is z-scored
 * (JIDT/TRENTOOL: then the estimator's own normalisation is off, so every
 * lagged copy of a series shares one scale). x, y, z then point at them. */
static cs_status series_prepared(const cs_info *c, cs_matrix *x, cs_matrix *y, cs_matrix *z, cs_matrix own[3],
                                 int32_t *alph[3])
{
    const cs_var_type *ty = c->p.types;
    cs_matrix *v[3] = {x, y, z};
    cs_status st = CS_OK;
    if (c->p.est.estimator == CS_EST_DISCRETE) {
        if ((st = to_symbols(c, *x, "x", ty[CS_ROLE_X], &own[0], &alph[0])) ||
            (present(*y) && (st = to_symbols(c, *y, "y", ty[CS_ROLE_Y], &own[1], &alph[1]))) ||
            (present(*z) && (st = to_symbols(c, *z, "z", ty[CS_ROLE_Z], &own[2], &alph[2]))))
            return st;
    } else if (is_ksg(c->p.est.estimator) && c->p.est.normalize) {
        if ((st = zscore_copy(*x, "x", &own[0])) || (present(*y) && (st = zscore_copy(*y, "y", &own[1]))) ||
            (present(*z) && (st = zscore_copy(*z, "z", &own[2]))))
            return st;
    }
    for (int k = 0; k < 3; k++)
        if (k == 0 ? own[k].data != NULL : present(own[k]))
            *v[k] = own[k];
    return CS_OK;
}

/* The blocks of the work matrix: TE/AIS embedded straight in the order
 * X | Y | Z (the embedding e is the work matrix), else the inputs. Sets the
 * calculator's n, role widths and times. */
static cs_status blocks_of(cs_info *c, cs_matrix x, cs_matrix y, cs_matrix z, int32_t *const al[3], cs_embedding *e,
                           work_blocks *b)
{
    cs_info_measure m = c->p.measure;
    const cs_var_type *ty = c->p.types;
    if (m != CS_INFO_TE && m != CS_INFO_AIS) {
        c->n = x.rows;
        cs_matrix v[3] = {x, y, z};
        for (int k = 0; k < 3; k++)
            b->srcs[k] = v[k], b->col0[k] = 0, b->ncol[k] = v[k].cols, b->alph[k] = al[k], b->type[k] = ty[k];
        b->nblk = 3;
        c->na = x.cols, c->nb = y.cols, c->nc = z.cols;
        c->D = c->na + c->nb + c->nc;
        return plain_layout(c);
    }
    cs_status st = m == CS_INFO_TE ? embed_te_ordered(x, y, z, &c->p.embed, 1, e)
                                   : embed_ais_ordered(x, c->p.embed.k, c->p.embed.k_tau, 1, e);
    if (st)
        return st;
    c->n = e->n;
    b->origin = e->origin;
    for (int k = 0; k < 4; k++)
        b->srcs[k] = e->data;
    if (m == CS_INFO_TE) {
        /* X = source, Y = future, Z = past (+ conditioning) */
        b->col0[0] = e->source, b->ncol[0] = e->d_source, b->alph[0] = al[0];
        b->col0[1] = e->future, b->ncol[1] = e->d_future, b->alph[1] = al[1];
        b->col0[2] = e->past, b->ncol[2] = e->d_past, b->alph[2] = al[1];
        b->col0[3] = e->cond, b->ncol[3] = e->d_cond, b->alph[3] = al[2];
        b->type[0] = ty[CS_ROLE_X], b->type[1] = b->type[2] = ty[CS_ROLE_Y], b->type[3] = ty[CS_ROLE_Z];
        b->nblk = 4;
        c->na = e->d_source, c->nb = e->d_future, c->nc = e->d_past + e->d_cond;
    } else {
        b->col0[0] = e->past, b->ncol[0] = e->d_past, b->alph[0] = al[0];
        b->col0[1] = e->future, b->ncol[1] = e->d_future, b->alph[1] = al[0];
        b->type[0] = b->type[1] = ty[CS_ROLE_X];
        b->nblk = 2;
        c->na = e->d_past, c->nb = e->d_future, c->nc = 0;
    }
    c->times = e->time;
    e->time = NULL;
    return CS_OK;
}

/* The work matrix W (n x D: the embedding taken from e, or the blocks
 * copied) and the alphabet and type of each of its columns. */
static cs_status work_matrix(cs_info *c, cs_embedding *e, const work_blocks *b, double **W, int32_t **alph,
                             cs_var_type **types)
{
    if (e->data.data) { /* the embedding, already X | Y | Z */
        *W = e->data.data;
        e->data.data = NULL;
    } else {
        *W = malloc((c->n * c->D > 0 ? c->n * c->D : 1) * sizeof **W);
    }
    *alph = malloc((c->D ? c->D : 1) * sizeof **alph);
    *types = malloc((c->D ? c->D : 1) * sizeof **types);
    if (!c->idx && (c->idx = malloc((c->D ? c->D : 1) * sizeof *c->idx)))
        for (size_t j = 0; j < c->D; j++)
            c->idx[j] = j;
    if (!*W || !*alph || !*types || !c->idx)
        return cs_error_set(CS_ENOMEM, "out of memory for %zu x %zu samples", c->n, c->D);
    for (size_t k = 0, dst = 0; k < b->nblk; dst += b->ncol[k], k++) {
        if (!b->ncol[k])
            continue;
        if (!b->origin)
            put_block(*W, c->D, b->srcs[k], b->col0[k], b->ncol[k], dst);
        for (size_t j = 0; j < b->ncol[k]; j++) {
            size_t oc = b->origin ? b->origin[b->col0[k] + j] : j;
            (*alph)[dst + j] = b->alph[k] ? b->alph[k][oc] : 1;
            (*types)[dst + j] = b->type[k];
        }
    }
    return CS_OK;
}

/* Ties before any z-scoring or noise (KSG): what the noise is there for. */
static cs_status ksg_ties(cs_info *c, cs_matrix x, cs_matrix y, cs_matrix z)
{
    double f, tied = 0;
    cs_matrix vs[3] = {x, y, z};
    cs_status st = CS_OK;
    for (int r = 0; r < 3 && !st; r++)
        if (present(vs[r]) && !(st = cs_columns_tied_fraction(vs[r], &f)) && f > tied)
            tied = f;
    if (!st)
        c->tied = tied;
    return st;
}

cs_status cs_info_set_observations(cs_info *c, cs_matrix x, cs_matrix y, cs_matrix z)
{
    clear_observations(c);
    cs_info_measure m = c->p.measure;
    cs_status st = check_request(c, x, y, z);
    if (st)
        return st;
    if (!present(y))
        y.rows = y.cols = 0, y.data = NULL;
    if (!present(z))
        z.rows = z.cols = 0, z.data = NULL;
    if (present(y) && y.rows != x.rows)
        return cs_error_set(CS_ESHAPE, "x and y differ in length: %zu vs %zu rows", x.rows, y.rows);
    if (present(z) && z.rows != x.rows)
        return cs_error_set(CS_ESHAPE, "x and z differ in length: %zu vs %zu rows", x.rows, z.rows);
    if ((st = cs_matrix_check_finite(x, "x")) || (present(y) && (st = cs_matrix_check_finite(y, "y"))) ||
        (present(z) && (st = cs_matrix_check_finite(z, "z"))))
        return st;
    if (is_ksg(c->p.est.estimator) && (st = ksg_ties(c, x, y, z)))
        return st;
    cs_matrix own[3] = {{0}};
    int32_t *al[3] = {NULL}, *alph = NULL;
    cs_var_type *types = NULL;
    double *W = NULL;
    cs_embedding e = {0};
    work_blocks b = {0};
    if (c->p.est.estimator == CS_EST_DISCRETE && m != CS_INFO_TE && m != CS_INFO_AIS) {
        cs_matrix v[3] = {x, y, z};
        st = discrete_direct(c, v);
        goto done;
    }
    if ((m == CS_INFO_TE || m == CS_INFO_AIS) && (st = series_prepared(c, &x, &y, &z, own, al)))
        goto done;
    if ((st = blocks_of(c, x, y, z, al, &e, &b)))
        goto done;
    c->D = c->na + c->nb + c->nc;
    if ((st = work_matrix(c, &e, &b, &W, &alph, &types)))
        goto done;
    st = estimator_on(c, W, alph, types);
    W = NULL;
    alph = NULL;
done:
    if (st)
        clear_observations(c);
    else
        c->have = 1;
    free(W);
    free(alph);
    free(types);
    for (int k = 0; k < 3; k++) {
        cs_matrix_free(&own[k]);
        free(al[k]);
    }
    cs_embedding_free(&e);
    return st;
}

cs_status cs_info_set_covariance(cs_info *c, const double *cov, size_t d, const size_t *x, size_t nx, const size_t *y,
                                 size_t ny, const size_t *z, size_t nz, size_t n_samples)
{
    clear_observations(c);
    if (c->p.est.estimator != CS_EST_GAUSSIAN)
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
                return cs_error_set(CS_ENONFINITE, "covariance: %s at row %zu, column %zu", isnan(a) ? "NaN" : "Inf",
                                    i, j);
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
                return cs_error_set(CS_EINVAL, "%s: row %zu is out of range (the covariance is %zu x %zu)", roles[r],
                                    i, d, d);
            }
            if (used[i]) {
                free(used);
                return cs_error_set(CS_EINVAL, "%s: row %zu of the covariance is used twice", roles[r], i);
            }
            used[i] = 1;
        }
    free(used);
    c->na = nx, c->nb = ny, c->nc = nz, c->D = nx + ny + nz;
    c->n = n_samples;
    double *sub = malloc(c->D * c->D * sizeof *sub);
    size_t *all = malloc(c->D * sizeof *all);
    c->idx = malloc(c->D * sizeof *c->idx);
    if (!sub || !all || !c->idx) {
        free(sub);
        free(all);
        clear_observations(c);
        return cs_error_set(CS_ENOMEM, "out of memory");
    }
    if (nx)
        memcpy(all, x, nx * sizeof *all);
    if (ny)
        memcpy(all + nx, y, ny * sizeof *all);
    if (nz)
        memcpy(all + nx + ny, z, nz * sizeof *all);
    for (size_t a = 0; a < c->D; a++) {
        c->idx[a] = a;
        for (size_t b = 0; b < c->D; b++)
            sub[a * c->D + b] = cov[all[a] * d + all[b]];
    }
    free(all);
    cs_estimator_params ep;
    estimator_params(&c->p, &ep);
    cs_status st = est_create_owned(&ep, NULL, 0, c->D, NULL, &c->e);
    if (st)
        free(sub);
    else
        st = est_gauss_set_covariance(c->e, sub, c->D, n_samples);
    if (st) {
        clear_observations(c);
        return st;
    }
    c->n = n_samples;
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

cs_status cs_info_average(cs_info *c, double *value)
{
    cs_status st = need(c);
    if (st)
        return st;
    if (c->e->mixed)
        return est_mixed_value(c->e->mixed, NULL, value, NULL, &c->clamped);
    if (c->e->ksg)
        return cs_ksg_average(c->e->ksg, value);
    const est_term *t;
    size_t nt;
    terms_of(c->p.measure, &t, &nt);
    est_sets s = sets_of(c);
    return est_terms_value(c->e, &s, t, nt, value);
}

cs_status cs_info_local(cs_info *c, double *local, double *average)
{
    cs_status st = need(c);
    if (st)
        return st;
    if (c->have == 2)
        return cs_error_set(CS_EINVAL, "local values need samples, not a covariance matrix");
    if (c->e->ksg)
        return cs_ksg_local(c->e->ksg, local, average);
    if (c->e->mixed) {
        double unused;
        st = est_mixed_value(c->e->mixed, NULL, &unused, local, NULL);
    } else {
        const est_term *t;
        size_t nt;
        terms_of(c->p.measure, &t, &nt);
        est_sets s = sets_of(c);
        st = est_terms_local(c->e, &s, t, nt, local);
    }
    if (!st && average) {
        double sum = 0;
        for (size_t i = 0; i < c->n; i++)
            sum += local[i];
        *average = sum / (double)c->n;
    }
    return st;
}

/* ---- significance ---------------------------------------------------------------- */

/* What a permutation test needs of the calculator. */
static cs_status surrogates_check(cs_info *c, size_t n_surrogates)
{
    cs_status st = need(c);
    if (st)
        return st;
    if (!cs_measure_lookup(c->p.measure)->dependence)
        return cs_error_set(CS_EINVAL,
                            "surrogates test dependence: they are for mi, cmi, te and "
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
    const est_term *t;
    size_t nt;
    terms_of(c->p.measure, &t, &nt);
    est_sets s = sets_of(c);
    return c->e->ops->surrogates(c->e, &s, t, nt, first, n, seed, values);
}

cs_status cs_info_surrogates(cs_info *c, size_t n_surrogates, uint64_t seed, cs_info_significance *out,
                             double *values)
{
    cs_status st = surrogates_check(c, n_surrogates);
    if (st)
        return st;
    double observed;
    if ((st = cs_info_average(c, &observed)))
        return st;
    double *vals = values ? values : malloc(n_surrogates * sizeof *vals);
    if (!vals)
        return cs_error_set(CS_ENOMEM, "out of memory for %zu surrogates", n_surrogates);
    if (!(st = cs_info_surrogate_values(c, 0, n_surrogates, seed, vals)))
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
    if (!cs_measure_lookup(m)->dependence)
        return cs_error_set(CS_EINVAL, "the chi-squared null is for mi, cmi, te and ais, not %s",
                            cs_info_measure_name(m));
    if (!(cs_estimator_lookup(c->p.est.estimator)->options & CS_OPT_ANALYTIC) || c->e->mixed)
        return cs_error_set(CS_EINVAL, "the chi-squared null exists for the discrete and gaussian "
                                       "estimators only (and not for a gaussian estimate with a discrete "
                                       "variable)");
    if (c->n == 0)
        return cs_error_set(CS_EINVAL, "the chi-squared null needs the number of samples behind "
                                       "the covariance");
    const est_term *t;
    size_t nt;
    terms_of(m, &t, &nt);
    est_sets s = sets_of(c);
    double I;
    if (c->p.est.estimator == CS_EST_DISCRETE) {
        /* the plug-in value, without Miller-Madow */
        int mm = c->e->p.miller_madow;
        c->e->p.miller_madow = 0;
        st = est_terms_value(c->e, &s, t, nt, &I);
        c->e->p.miller_madow = mm;
        if (st)
            return st;
        double pa = est_disc_alphabet_product(c->e, s.idx[0], s.n[0]);
        double pb = est_disc_alphabet_product(c->e, s.idx[1], s.n[1]);
        double pc = est_disc_alphabet_product(c->e, s.idx[2], s.n[2]);
        out->df = (pa - 1) * (pb - 1) * pc;
    } else {
        if ((st = est_gauss_value(c->e, &s, t, nt, c->e->cov, 0, &I)))
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
    if (c->have != 1 || c->p.est.estimator != CS_EST_DISCRETE)
        return 0;
    int32_t *codes = malloc((c->n ? c->n : 1) * sizeof *codes);
    size_t states = 0;
    if (!codes || est_disc_codes(c->e, c->idx, c->D, codes, &states) != CS_OK) {
        free(codes);
        return 0;
    }
    free(codes);
    if (occupied)
        *occupied = states;
    return (double)states > (double)c->n / 5.0;
}

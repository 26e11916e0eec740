/* The estimator life cycle (cogscope/estimator.h): create = copy the data
 * once and prepare it with the entry's ops; queries = signed entropy sums
 * (estimators with entropy) or a direct I(X;Y|Z) (KSG, mixed). */
#include "cogscope/estimator.h"

#include <stdlib.h>
#include <string.h>

#include "estimator_impl.h"

const est_term est_terms_entropy[1] = {{EST_X, 1}};
const est_term est_terms_centropy[2] = {{EST_X | EST_Y, 1}, {EST_Y, -1}};
const est_term est_terms_mi[3] = {{EST_X, 1}, {EST_Y, 1}, {EST_X | EST_Y, -1}};
const est_term est_terms_cmi[4] = {{EST_X | EST_Z, 1}, {EST_Y | EST_Z, 1}, {EST_Z, -1}, {EST_X | EST_Y | EST_Z, -1}};

static const est_ops *ops_of(cs_info_estimator e)
{
    switch (e) {
    case CS_EST_DISCRETE: return &est_discrete_ops;
    case CS_EST_GAUSSIAN:
    case CS_EST_GCOPULA: return &est_gauss_ops;
    default: return &est_ksg_ops;
    }
}

size_t est_union(const est_sets *s, int mask, size_t *idx)
{
    size_t m = 0;
    for (int k = 0; k < 3; k++)
        if (mask & (1 << k))
            for (size_t j = 0; j < s->n[k]; j++)
                idx[m++] = s->idx[k][j];
    return m;
}

static void unbind(cs_estimator *e)
{
    if (e->ops && e->ops->unbind)
        e->ops->unbind(e);
    free(e->bound);
    e->bound = NULL;
    memset(e->bound_n, 0, sizeof e->bound_n);
}

void cs_estimator_destroy(cs_estimator *e)
{
    if (!e)
        return;
    unbind(e);
    if (e->ops && e->ops->clear)
        e->ops->clear(e);
    free(e->W);
    free(e->alph);
    free(e->types);
    free(e->labels);
    free(e->h1);
    free(e->ln_var);
    free(e->bias);
    free(e);
}

cs_status est_create_owned(const cs_estimator_params *p, double *W, size_t n, size_t D, const cs_var_type *types,
                           cs_estimator **out)
{
    *out = NULL;
    cs_status st = est_check_params(p);
    cs_estimator *e = st ? NULL : calloc(1, sizeof *e);
    if (!st && !e)
        st = cs_error_set(CS_ENOMEM, "out of memory");
    if (st) {
        free(W);
        return st;
    }
    e->p = *p;
    e->ops = ops_of(p->estimator);
    e->bias_correct = p->bias_correct >= 0 ? p->bias_correct : p->estimator == CS_EST_GCOPULA;
    e->have = 1;
    e->n = n;
    e->D = D;
    e->W = W;
    e->types = calloc(D ? D : 1, sizeof *e->types);
    if (!e->types) {
        cs_estimator_destroy(e);
        return cs_error_set(CS_ENOMEM, "out of memory");
    }
    for (size_t j = 0; types && j < D; j++) {
        if (types[j] != CS_VAR_CONTINUOUS && types[j] != CS_VAR_DISCRETE) {
            cs_estimator_destroy(e);
            return cs_error_set(CS_EINVAL, "type %d of column %zu is neither continuous nor discrete", (int)types[j],
                                j);
        }
        e->types[j] = types[j];
        if (types[j] == CS_VAR_DISCRETE && p->estimator != CS_EST_DISCRETE)
            e->mixed_mode = 1;
    }
    if (e->mixed_mode)
        e->ops = &est_mixed_ops;
    *out = e;
    return CS_OK;
}

/* Prepare after est_create_owned (the caller may set times/what first). */
cs_status est_prepare(cs_estimator *e) { return e->ops->prepare(e); }

cs_status cs_estimator_create(const cs_estimator_params *p, cs_matrix data, const cs_var_type *types,
                              cs_estimator **out)
{
    *out = NULL;
    if (!data.data || data.rows == 0 || data.cols == 0)
        return cs_error_set(CS_EINVAL, "the estimator needs data (at least one row and one column)");
    cs_status st = cs_matrix_check_finite(data, "data");
    if (st)
        return st;
    double *W = malloc(data.rows * data.cols * sizeof *W);
    if (!W)
        return cs_error_set(CS_ENOMEM, "out of memory for %zu x %zu samples", data.rows, data.cols);
    for (size_t i = 0; i < data.rows; i++)
        memcpy(W + i * data.cols, cs_matrix_row(data, i), data.cols * sizeof *W);
    cs_estimator *e;
    if ((st = est_create_owned(p, W, data.rows, data.cols, types, &e)))
        return st;
    if ((st = est_prepare(e))) {
        cs_estimator_destroy(e);
        return st;
    }
    *out = e;
    return CS_OK;
}

size_t cs_estimator_rows(const cs_estimator *e) { return e->n; }

size_t cs_estimator_columns(const cs_estimator *e) { return e->D; }

cs_status est_terms_value(const cs_estimator *e, const est_sets *s, const est_term *t, size_t nt, double *value)
{
    size_t idx[e->D ? e->D : 1];
    double v = 0;
    cs_status st = CS_OK;
    for (size_t k = 0; k < nt && !st; k++) {
        size_t m = est_union(s, t[k].mask, idx);
        double h = 0;
        st = e->ops->entropy(e, idx, m, &h);
        v += t[k].sign * h;
    }
    *value = v;
    return st;
}

cs_status est_terms_local(const cs_estimator *e, const est_sets *s, const est_term *t, size_t nt, double *local)
{
    double *tmp = malloc((e->n ? e->n : 1) * sizeof *tmp);
    size_t idx[e->D ? e->D : 1];
    if (!tmp)
        return cs_error_set(CS_ENOMEM, "out of memory");
    memset(local, 0, e->n * sizeof *local);
    cs_status st = CS_OK;
    for (size_t k = 0; k < nt && !st; k++) {
        size_t m = est_union(s, t[k].mask, idx);
        double shift = 0;
        if ((st = e->ops->local_entropy(e, idx, m, tmp, &shift)))
            break;
        for (size_t i = 0; i < e->n; i++)
            local[i] += t[k].sign * (tmp[i] - shift);
    }
    free(tmp);
    return st;
}

static int same_sets(const cs_estimator *e, const est_sets *s)
{
    if (!e->bound)
        return 0;
    size_t off = 0;
    for (int k = 0; k < 3; k++) {
        if (s->n[k] != e->bound_n[k])
            return 0;
        if (s->n[k] && memcmp(s->idx[k], e->bound + off, s->n[k] * sizeof(size_t)))
            return 0;
        off += s->n[k];
    }
    return 1;
}

cs_status est_bind(cs_estimator *e, const est_sets *s)
{
    if (same_sets(e, s))
        return CS_OK;
    unbind(e);
    size_t total = s->n[0] + s->n[1] + s->n[2];
    e->bound = malloc((total ? total : 1) * sizeof *e->bound);
    if (!e->bound)
        return cs_error_set(CS_ENOMEM, "out of memory");
    est_union(s, EST_X | EST_Y | EST_Z, e->bound);
    memcpy(e->bound_n, s->n, sizeof e->bound_n);
    cs_status st = e->ops->cmi ? e->ops->cmi(e, s, NULL, NULL) : CS_OK;
    if (st)
        unbind(e);
    return st;
}

/* Check a query's sets: in range, disjoint, X and Y given. */
static cs_status check_sets(const cs_estimator *e, const est_sets *s)
{
    unsigned char *used = calloc(e->D ? e->D : 1, 1);
    if (!used)
        return cs_error_set(CS_ENOMEM, "out of memory");
    cs_status st = CS_OK;
    for (int k = 0; k < 3 && !st; k++) {
        if (k < 2 && !s->n[k])
            st = cs_error_set(CS_EINVAL, "%c: the set of columns is empty", "xyz"[k]);
        for (size_t j = 0; j < s->n[k] && !st; j++) {
            size_t c = s->idx[k][j];
            if (c >= e->D)
                st = cs_error_set(CS_EINVAL, "%c: column %zu is out of range (%zu columns)", "xyz"[k], c, e -> D);
            else if (used[c]++)
                st = cs_error_set(CS_EINVAL, "%c: column %zu is used twice", "xyz"[k], c);
        }
    }
    free(used);
    return st;
}

cs_status cs_estimator_entropy(cs_estimator *e, const size_t *cols, size_t m, double *h)
{
    if (!m)
        return cs_error_set(CS_EINVAL, "entropy of an empty set of columns");
    for (size_t j = 0; j < m; j++)
        if (cols[j] >= e->D)
            return cs_error_set(CS_EINVAL, "column %zu is out of range (%zu columns)", cols[j], e->D);
    if (!e->ops->entropy || e->mixed_mode)
        return cs_error_set(CS_EINVAL, "the %s estimator has no entropy%s", cs_info_estimator_name(e->p.estimator),
                            e->mixed_mode ? " with columns typed discrete" : "");
    est_sets s = {{cols, NULL, NULL}, {m, 0, 0}};
    return est_terms_value(e, &s, est_terms_entropy, 1, h);
}

cs_status cs_estimator_cmi(cs_estimator *e, const size_t *x, size_t nx, const size_t *y, size_t ny, const size_t *z,
                           size_t nz, double *value, double *local)
{
    est_sets s = {{x, y, z}, {nx, ny, nz}};
    cs_status st = check_sets(e, &s);
    if (st)
        return st;
    if (e->ops->cmi) {
        if ((st = est_bind(e, &s)))
            return st;
        return e->ops->cmi(e, &s, value, local);
    }
    const est_term *t = nz ? est_terms_cmi : est_terms_mi;
    size_t nt = nz ? 4 : 3;
    if (local) {
        if ((st = est_terms_local(e, &s, t, nt, local)))
            return st;
        double sum = 0;
        for (size_t i = 0; i < e->n; i++)
            sum += local[i];
        *value = sum / (double)e->n;
        return CS_OK;
    }
    return est_terms_value(e, &s, t, nt, value);
}

cs_status cs_estimator_surrogate_values(cs_estimator *e, const size_t *x, size_t nx, const size_t *y, size_t ny,
                                        const size_t *z, size_t nz, size_t first, size_t n, uint64_t seed,
                                        double *values)
{
    est_sets s = {{x, y, z}, {nx, ny, nz}};
    cs_status st = check_sets(e, &s);
    if (st || n == 0)
        return st;
    if (e->ops->cmi && (st = est_bind(e, &s)))
        return st;
    return e->ops->surrogates(e, &s, nz ? est_terms_cmi : est_terms_mi, nz ? 4 : 3, first, n, seed, values);
}

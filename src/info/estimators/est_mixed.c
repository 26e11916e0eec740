/* A continuous estimator (gaussian, gcopula, ksg1) with columns typed
 * discrete: I(X;Y) and I(X;Y|Z) by the rules of cogscope/info.h
 * (cs_info_params.types), with the estimators of cogscope/mixed.h. The
 * continuous sets are views of the estimator's samples (no copy); the
 * discrete ones become dense codes. Values can be asked for with the rows of
 * X permuted (surrogates), from several threads at once. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/columns.h"
#include "cogscope/mixed.h"
#include "estimator_impl.h"

typedef struct {
    int discrete;
    int view;       /* m is a view of the estimator's samples (not owned) */
    cs_matrix m;    /* continuous: n x d */
    int32_t *codes; /* discrete: n dense codes */
    size_t states;
} role;

struct est_mixed {
    cs_estimator_params p;
    cs_mixed_params mp;
    size_t n;
    int cmi;
    role r[3];
    double tied;
};

static void role_free(role *r)
{
    if (!r->view)
        cs_matrix_free(&r->m);
    free(r->codes);
    memset(r, 0, sizeof *r);
}

static void mixed_destroy(est_mixed *m)
{
    if (!m)
        return;
    for (int i = 0; i < 3; i++)
        role_free(&m->r[i]);
    free(m);
}

static cs_status role_set(role *r, cs_matrix v, int discrete, const char *name)
{
    r->discrete = discrete;
    if (discrete) {
        r->codes = malloc(v.rows * sizeof *r->codes);
        if (!r->codes)
            return cs_error_set(CS_ENOMEM, "out of memory");
        cs_status st = cs_mixed_codes(v, r->codes, &r->states);
        return st == CS_OK ? st : cs_error_prefix("%s (declared discrete): ", name);
    }
    r->m = v;
    r->view = 1;
    return CS_OK;
}

/* The columns of one set as a matrix: a view when consecutive, else a copy. */
static cs_status set_view(const cs_estimator *e, const size_t *idx, size_t m, cs_matrix *out, int *view)
{
    int consecutive = 1;
    for (size_t j = 1; j < m; j++)
        consecutive &= idx[j] == idx[0] + j;
    *view = consecutive;
    if (consecutive) {
        *out = (cs_matrix){e->W + idx[0], e->n, m, e->D};
        return CS_OK;
    }
    return cs_matrix_select_cols(cs_matrix_view(e->W, e->n, e->D), idx, m, out);
}

/* 1 if every column of the set is typed discrete, 0 if none, -1 if mixed. */
static int set_type(const cs_estimator *e, const size_t *idx, size_t m)
{
    size_t d = 0;
    for (size_t j = 0; j < m; j++)
        d += e->types[idx[j]] == CS_VAR_DISCRETE;
    return d == 0 ? 0 : d == m ? 1 : -1;
}

static cs_status mixed_create(const cs_estimator *e, const est_sets *s, est_mixed **out)
{
    *out = NULL;
    const cs_estimator_params *p = &e->p;
    const char *ename = cs_info_estimator_name(p->estimator);
    if (p->estimator == CS_EST_KSG2)
        return cs_error_set(CS_EINVAL, "ksg2 has no form for a discrete variable: use ksg1 (Ross 2014)");
    int cmi = s->n[2] > 0, ty[3];
    for (int k = 0; k < 3; k++)
        if ((ty[k] = set_type(e, s->idx[k], s->n[k])) < 0)
            return cs_error_set(CS_EINVAL,
                                "%c mixes columns typed discrete and continuous: a variable "
                                "is one or the other",
                                "xyz"[k]);
    int dx = ty[0], dy = ty[1], dz = cmi && ty[2];
    if (cmi && !dz && dx && dy)
        return cs_error_set(CS_EINVAL,
                            "I(X;Y|Z) with X and Y discrete and Z continuous is not available with "
                            "the %s estimator: use --estimator discrete with --bins",
                            ename);
    est_mixed *m = calloc(1, sizeof *m);
    if (!m)
        return cs_error_set(CS_ENOMEM, "out of memory");
    m->p = *p;
    m->n = e->n;
    m->cmi = cmi;
    cs_mixed_estimator me = p->estimator == CS_EST_GAUSSIAN  ? CS_MIXED_GAUSSIAN
                            : p->estimator == CS_EST_GCOPULA ? CS_MIXED_GCOPULA
                                                             : CS_MIXED_KSG;
    cs_mixed_params_default(me, &m->mp);
    m->mp.gc_mixture = p->gc_mixture;
    m->mp.bias_correct = p->bias_correct != 0;
    m->mp.knn = p->knn;
    m->mp.normalize = p->normalize;
    m->mp.noise_sd = p->noise_sd;
    m->mp.noise_seed = p->noise_seed;
    m->mp.clamp = 0; /* clamped once, at the end */
    int dis[3] = {dx, dy, dz};
    cs_status st = CS_OK;
    for (int k = 0; k < (cmi ? 3 : 2) && st == CS_OK; k++) {
        cs_matrix v;
        int view;
        if ((st = set_view(e, s->idx[k], s->n[k], &v, &view)) != CS_OK)
            break;
        char name[2] = {"xyz"[k], 0};
        st = role_set(&m->r[k], v, dis[k], name);
        if (dis[k] || !view) {
            if (!dis[k])
                m->r[k].view = 0; /* the copy is the role's own */
            else if (!view)
                cs_matrix_free(&v);
        }
    }
    /* Ties of the continuous roles, before any noise. */
    double tied = 0;
    for (int i = 0; i < 3 && st == CS_OK; i++)
        if (m->r[i].m.data) {
            double f;
            if ((st = cs_columns_tied_fraction(m->r[i].m, &f)) == CS_OK && f > tied)
                tied = f;
        }
    m->tied = tied;
    if (st != CS_OK) {
        mixed_destroy(m);
        return st;
    }
    *out = m;
    return CS_OK;
}

double est_mixed_tied_fraction(const est_mixed *m) { return m->tied; }

/* The rows `rows` (nr; NULL = all) of role r, with X's permutation applied
 * when perm is given, as a new role (codes recoded densely). */
static cs_status role_take(const role *r, const size_t *perm, const size_t *rows, size_t nr, role *out)
{
    memset(out, 0, sizeof *out);
    out->discrete = r->discrete;
    if (r->discrete) {
        int32_t *map = malloc((r->states ? r->states : 1) * sizeof *map);
        out->codes = malloc((nr ? nr : 1) * sizeof *out->codes);
        if (!map || !out->codes) {
            free(map);
            return cs_error_set(CS_ENOMEM, "out of memory");
        }
        for (size_t s = 0; s < r->states; s++)
            map[s] = -1;
        size_t k = 0;
        for (size_t i = 0; i < nr; i++) {
            size_t src = rows ? rows[i] : i;
            int32_t c = r->codes[perm ? perm[src] : src];
            if (map[c] < 0)
                map[c] = (int32_t)k++;
            out->codes[i] = map[c];
        }
        out->states = k;
        free(map);
        return CS_OK;
    }
    size_t d = r->m.cols;
    cs_status st = cs_matrix_alloc(nr, d, &out->m);
    for (size_t i = 0; st == CS_OK && i < nr; i++) {
        size_t src = rows ? rows[i] : i;
        memcpy(out->m.data + i * d, cs_matrix_row(r->m, perm ? perm[src] : src), d * sizeof(double));
    }
    return st;
}

/* I(A;B) of two continuous matrices with the continuous estimator of p (all
 * columns continuous): what the mixed estimator uses inside strata. */
static cs_status continuous_mi(const cs_estimator_params *p, cs_matrix a, cs_matrix b, double *v)
{
    size_t n = a.rows, da = a.cols, db = b.cols, D = da + db;
    double *W = malloc((n * D > 0 ? n * D : 1) * sizeof *W);
    if (!W)
        return cs_error_set(CS_ENOMEM, "out of memory for %zu x %zu samples", n, D);
    for (size_t i = 0; i < n; i++) {
        memcpy(W + i * D, cs_matrix_row(a, i), da * sizeof *W);
        memcpy(W + i * D + da, cs_matrix_row(b, i), db * sizeof *W);
    }
    size_t idx[D ? D : 1];
    for (size_t j = 0; j < D; j++)
        idx[j] = j;
    cs_estimator *e;
    cs_status st = est_create_owned(p, W, n, D, NULL, &e);
    if (st)
        return st;
    if (!(st = est_prepare(e)))
        st = cs_estimator_cmi(e, idx, da, idx + da, db, NULL, 0, v, NULL);
    cs_estimator_destroy(e);
    return st;
}

/* Plug-in MI of two code vectors. */
static cs_status codes_mi(const role *a, const role *b, size_t n, double *v)
{
    int32_t *joint = malloc((n ? n : 1) * sizeof *joint);
    if (!joint)
        return cs_error_set(CS_ENOMEM, "out of memory");
    size_t js;
    double ha, hb, hab;
    cs_status st = cs_discrete_entropy_codes(a->codes, n, a->states, 0, &ha);
    if (st == CS_OK)
        st = cs_discrete_entropy_codes(b->codes, n, b->states, 0, &hb);
    if (st == CS_OK)
        st = cs_discrete_pair(a->codes, a->states, b->codes, b->states, n, joint, &js);
    if (st == CS_OK)
        st = cs_discrete_entropy_codes(joint, n, js, 0, &hab);
    free(joint);
    *v = ha + hb - hab;
    return st;
}

/* I(a;b) of two roles over n rows, unclamped. */
static cs_status pair_mi(const est_mixed *m, const role *a, const role *b, size_t n, double *v, double *local)
{
    if (a->discrete && b->discrete) {
        if (local)
            return cs_error_set(CS_EINVAL, "local values of a plug-in MI inside a mixed estimate are not offered");
        return codes_mi(a, b, n, v);
    }
    if (a->discrete != b->discrete) {
        const role *c = a->discrete ? b : a, *d = a->discrete ? a : b;
        return cs_mixed_mi(&m->mp, c->m, d->codes, d->states, v, local, NULL);
    }
    if (local)
        return cs_error_set(CS_EINVAL, "local values inside a stratified mixed estimate are not offered");
    return continuous_mi(&m->p, a->m, b->m, v);
}

/* [a | c] of two continuous roles. */
static cs_status hstack(const role *a, const role *c, role *out)
{
    memset(out, 0, sizeof *out);
    size_t n = a->m.rows, da = a->m.cols, dc = c->m.cols;
    cs_status st = cs_matrix_alloc(n, da + dc, &out->m);
    for (size_t i = 0; st == CS_OK && i < n; i++) {
        memcpy(out->m.data + i * (da + dc), cs_matrix_row(a->m, i), da * sizeof(double));
        memcpy(out->m.data + i * (da + dc) + da, cs_matrix_row(c->m, i), dc * sizeof(double));
    }
    return st;
}

/* I(A;B|Z) with Z discrete: strata of Z weighted by their share. */
static cs_status cmi_strata(const est_mixed *m, const role *A, double *v)
{
    const role *Z = &m->r[2];
    size_t n = m->n, *rows = malloc(n * sizeof *rows);
    if (!rows)
        return cs_error_set(CS_ENOMEM, "out of memory");
    cs_status st = CS_OK;
    double sum = 0;
    for (size_t s = 0; s < Z->states && st == CS_OK; s++) {
        size_t nr = 0;
        for (size_t i = 0; i < n; i++)
            if (Z->codes[i] == (int32_t)s)
                rows[nr++] = i;
        role a, b;
        double vs = 0;
        if ((st = role_take(A, NULL, rows, nr, &a)) == CS_OK &&
            (st = role_take(&m->r[1], NULL, rows, nr, &b)) == CS_OK)
            st = pair_mi(m, &a, &b, nr, &vs, NULL);
        if (st != CS_OK)
            cs_error_prefix("stratum %zu of z (%zu samples): ", s, nr);
        role_free(&a);
        role_free(&b);
        sum += (double)nr / (double)n * vs;
    }
    free(rows);
    *v = sum;
    return st;
}

/* I(A;B|Z) with Z continuous and one of A, B discrete: I(cont,Z; disc) - I(Z; disc). */
static cs_status cmi_chain(const est_mixed *m, const role *A, double *v)
{
    const role *B = &m->r[1], *Z = &m->r[2];
    const role *cont = A->discrete ? B : A, *disc = A->discrete ? A : B;
    role cz;
    double joint = 0, zonly = 0;
    cs_status st = hstack(cont, Z, &cz);
    if (st == CS_OK)
        st = pair_mi(m, &cz, disc, m->n, &joint, NULL);
    if (st == CS_OK)
        st = pair_mi(m, Z, disc, m->n, &zonly, NULL);
    role_free(&cz);
    *v = joint - zonly;
    return st;
}

cs_status est_mixed_value(const est_mixed *m, const size_t *perm, double *value, double *local, int *clamped)
{
    if (local && (m->cmi || m->p.estimator != CS_EST_KSG1))
        return cs_error_set(CS_EINVAL, "local values with a discrete variable exist for mi with ksg1 only");
    role A;
    cs_status st = role_take(&m->r[0], perm, NULL, m->n, &A);
    double v = NAN;
    if (st == CS_OK) {
        if (!m->cmi && A.discrete != m->r[1].discrete) {
            /* One mixed MI: its own bounds [0, H(Y)] (cogscope/mixed.h). */
            cs_mixed_params mp = m->mp;
            mp.clamp = 1;
            const role *c = A.discrete ? &m->r[1] : &A, *d = A.discrete ? &A : &m->r[1];
            int cl = 0;
            st = cs_mixed_mi(&mp, c->m, d->codes, d->states, &v, local, &cl);
            role_free(&A);
            if (clamped)
                *clamped = cl;
            *value = v;
            return st;
        }
        if (!m->cmi)
            st = pair_mi(m, &A, &m->r[1], m->n, &v, local);
        else if (m->r[2].discrete)
            st = cmi_strata(m, &A, &v);
        else
            st = cmi_chain(m, &A, &v);
    }
    role_free(&A);
    if (clamped)
        *clamped = st == CS_OK && v < 0;
    *value = st == CS_OK && v < 0 ? 0 : v;
    return st;
}

static cs_status mixed_surr_value(const void *ctx, void *scratch, const size_t *perm, double *value)
{
    (void)scratch;
    return est_mixed_value(ctx, perm, value, NULL, NULL);
}

/* ---- the registry's table for columns typed discrete ---- */

static cs_status mixed_prepare(cs_estimator *e)
{
    (void)e; /* the raw samples stay: every query goes through the mixed estimators */
    return CS_OK;
}

/* Bound by est_bind (value == NULL) or queried after it. */
static cs_status mixed_cmi(cs_estimator *e, const est_sets *s, double *value, double *local)
{
    if (!value)
        return mixed_create(e, s, &e->mixed);
    return est_mixed_value(e->mixed, NULL, value, local, &e->clamped);
}

static cs_status mixed_surrogates(cs_estimator *e, const est_sets *s, const est_term *t, size_t nt, size_t first,
                                  size_t ns, uint64_t seed, double *vals)
{
    (void)s, (void)t, (void)nt;
    return est_surrogate_loop(mixed_surr_value, e->mixed, 0, e->mixed->n, e->p.threads, first, ns, seed, vals);
}

static void mixed_unbind(cs_estimator *e)
{
    mixed_destroy(e->mixed);
    e->mixed = NULL;
}

const est_ops est_mixed_ops = {mixed_prepare, NULL, NULL, mixed_cmi, mixed_surrogates, mixed_unbind, NULL};

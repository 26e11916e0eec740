/* MI and CMI of cs_info with discrete variables and a continuous estimator
 * (rules in cogscope/info.h; estimators in cogscope/mixed.h). */
#include "info_mixed.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/columns.h"
#include "cogscope/mixed.h"

typedef struct {
    int discrete;
    cs_matrix m;    /* continuous: n x d copy */
    int32_t *codes; /* discrete: n dense codes */
    size_t states;
} role;

struct info_mixed {
    cs_info_params p;
    cs_mixed_params mp;
    size_t n;
    int cmi;
    role r[3];
    double tied;
};

static void role_free(role *r)
{
    cs_matrix_free(&r->m);
    free(r->codes);
    memset(r, 0, sizeof *r);
}

void info_mixed_destroy(info_mixed *m)
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
    cs_status st = cs_matrix_alloc(v.rows, v.cols, &r->m);
    for (size_t i = 0; st == CS_OK && i < v.rows; i++)
        memcpy(r->m.data + i * v.cols, cs_matrix_row(v, i), v.cols * sizeof(double));
    return st;
}

cs_status info_mixed_create(const cs_info_params *p, cs_matrix x, cs_matrix y, cs_matrix z, info_mixed **out)
{
    *out = NULL;
    const char *ename = cs_info_estimator_name(p->estimator);
    if (p->measure != CS_INFO_MI && p->measure != CS_INFO_CMI)
        return cs_error_set(CS_EINVAL,
                            "%s with a discrete variable needs the discrete estimator (the %s estimator handles "
                            "discrete variables in mi and cmi only)",
                            cs_info_measure_name(p->measure), ename);
    if (p->estimator == CS_EST_KSG2)
        return cs_error_set(CS_EINVAL, "ksg2 has no form for a discrete variable: use ksg1 (Ross 2014)");
    int cmi = p->measure == CS_INFO_CMI;
    int dx = p->types[CS_ROLE_X] == CS_VAR_DISCRETE, dy = p->types[CS_ROLE_Y] == CS_VAR_DISCRETE,
        dz = cmi && p->types[CS_ROLE_Z] == CS_VAR_DISCRETE;
    if (cmi && !dz && dx && dy)
        return cs_error_set(CS_EINVAL, "I(X;Y|Z) with X and Y discrete and Z continuous is not available with "
                                       "the %s estimator: use --estimator discrete with --bins",
                            ename);
    info_mixed *m = calloc(1, sizeof *m);
    if (!m)
        return cs_error_set(CS_ENOMEM, "out of memory");
    m->p = *p;
    m->n = x.rows;
    m->cmi = cmi;
    cs_mixed_estimator me = p->estimator == CS_EST_GAUSSIAN ? CS_MIXED_GAUSSIAN
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
    cs_status st = role_set(&m->r[0], x, dx, "x");
    if (st == CS_OK)
        st = role_set(&m->r[1], y, dy, "y");
    if (st == CS_OK && cmi)
        st = role_set(&m->r[2], z, dz, "z");
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
        info_mixed_destroy(m);
        return st;
    }
    *out = m;
    return CS_OK;
}

double info_mixed_tied_fraction(const info_mixed *m) { return m->tied; }

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
static cs_status pair_mi(const info_mixed *m, const role *a, const role *b, size_t n, double *v, double *local)
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
    cs_info_params p = m->p;
    memset(p.types, 0, sizeof p.types);
    return cs_info_mi(&p, a->m, b->m, v);
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
static cs_status cmi_strata(const info_mixed *m, const role *A, double *v)
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
        if ((st = role_take(A, NULL, rows, nr, &a)) == CS_OK && (st = role_take(&m->r[1], NULL, rows, nr, &b)) == CS_OK)
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
static cs_status cmi_chain(const info_mixed *m, const role *A, double *v)
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

cs_status info_mixed_value(const info_mixed *m, const size_t *perm, double *value, double *local, int *clamped)
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

/* The KSG estimators (ksg1, ksg2) in the registry: no entropy; a query
 * I(X;Y|Z) builds the KSG search structures (cogscope/ksg.h) for its column
 * sets once and keeps them while the sets stay the same. */
#include <stdlib.h>
#include <string.h>

#include "cogscope/ksg.h"
#include "estimator_impl.h"
#include "ksg_internal.h"

static cs_status ksg_prepare(cs_estimator *e)
{
    (void)e; /* everything depends on the sets of the first query */
    return CS_OK;
}

/* A view of the columns idx[0..m) of W when they are consecutive, else a
 * gathered copy (*owned set). */
static cs_status set_matrix(const cs_estimator *e, const size_t *idx, size_t m, cs_matrix *out, cs_matrix *owned)
{
    memset(owned, 0, sizeof *owned);
    memset(out, 0, sizeof *out);
    if (!m)
        return CS_OK;
    int consecutive = 1;
    for (size_t j = 1; j < m; j++)
        consecutive &= idx[j] == idx[0] + j;
    if (consecutive) {
        *out = (cs_matrix){e->W + idx[0], e->n, m, e->D};
        return CS_OK;
    }
    cs_status st = cs_matrix_select_cols(cs_matrix_view(e->W, e->n, e->D), idx, m, owned);
    *out = *owned;
    return st;
}

static cs_status ksg_build(cs_estimator *e, const est_sets *s)
{
    if (!e->W)
        return cs_error_set(CS_EINVAL, "the KSG estimator was bound to other columns and released "
                                       "its samples");
    cs_ksg_params kp;
    cs_ksg_params_default(&kp);
    kp.algorithm = e->p.estimator == CS_EST_KSG1 ? 1 : 2;
    kp.k = e->p.knn;
    kp.normalize = e->p.normalize;
    kp.theiler = e->p.theiler;
    kp.noise_sd = e->p.noise_sd;
    kp.noise_seed = e->p.noise_seed;
    kp.threads = e->p.threads;
    int64_t *t = NULL;
    if (e->times) {
        if (!(t = malloc((e->n ? e->n : 1) * sizeof *t)))
            return cs_error_set(CS_ENOMEM, "out of memory");
        for (size_t i = 0; i < e->n; i++)
            t[i] = (int64_t)e->times[i];
        kp.times = t;
    }
    cs_matrix v[3], own[3];
    cs_status st = CS_OK;
    size_t D = s->n[0] + s->n[1] + s->n[2], all = 1;
    for (size_t j = 0, k = 0; k < 3; k++)
        for (size_t q = 0; q < s->n[k]; q++, j++)
            all &= s->idx[k][q] == j;
    if (all && D == e->D && e->release_samples) {
        /* X | Y | Z is W itself: the KSG normalises it in place and keeps it */
        st = ksg_cmi_create_owned(e->W, e->n, s->n[0], s->n[1], s->n[2], &kp, &e->ksg);
        e->W = NULL;
        free(t);
        return st;
    }
    for (int k = 0; k < 3 && !st; k++)
        st = set_matrix(e, s->idx[k], s->n[k], &v[k], &own[k]);
    if (!st)
        st = cs_ksg_cmi_create(v[0], v[1], v[2], &kp, &e->ksg);
    for (int k = 0; k < 3; k++)
        cs_matrix_free(&own[k]);
    free(t);
    return st;
}

/* Bound by est_bind (value == NULL) or queried after it. */
static cs_status ksg_cmi(cs_estimator *e, const est_sets *s, double *value, double *local)
{
    if (!value)
        return ksg_build(e, s);
    return local ? cs_ksg_local(e->ksg, local, value) : cs_ksg_average(e->ksg, value);
}

static cs_status ksg_surrogates(cs_estimator *e, const est_sets *s, const est_term *t, size_t nt, size_t first,
                                size_t ns, uint64_t seed, double *vals)
{
    (void)s, (void)t, (void)nt;
    return cs_ksg_surrogate_values(e->ksg, first, ns, seed, vals);
}

static void ksg_unbind(cs_estimator *e)
{
    cs_ksg_destroy(e->ksg);
    e->ksg = NULL;
}

const est_ops est_ksg_ops = {ksg_prepare, NULL, NULL, ksg_cmi, ksg_surrogates, ksg_unbind, NULL};

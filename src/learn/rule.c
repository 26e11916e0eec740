/* Rule instances (vtable + state) with the default paths for optional
 * callbacks. The option-parsing helpers rules use in create() are in
 * rule_options.c (rules call them; this file calls the rules). */
#include "cogscope/rule.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cogscope/sigmapi.h"

cs_status cs_rule_create(const cs_rule_vtable *vt, const cs_mlp *m, const cs_rule_option *opts, size_t n_opts,
                         uint64_t seed, size_t max_rows, cs_rule **out)
{
    *out = NULL;
    if (!vt || !vt->create || !vt->step || !vt->teaching_signal)
        return cs_error_set(CS_EINVAL, "rule '%s' lacks a required callback", vt && vt->name ? vt->name : "(null)");
    if (max_rows == 0)
        return cs_error_set(CS_EINVAL, "a rule needs max_rows >= 1");
    cs_status st = cs_rule_check_options(vt, opts, n_opts);
    if (st)
        return st;
    cs_rule *r = calloc(1, sizeof *r);
    if (!r)
        return cs_error_set(CS_ENOMEM, "cannot allocate rule %s", vt->name);
    r->vt = vt;
    r->max_rows = max_rows;
    st = cs_mlp_cache_create(m, max_rows, &r->cache);
    if (!st)
        st = vt->create(m, opts, n_opts, seed, max_rows, &r->state);
    if (st) {
        cs_mlp_cache_destroy(r->cache);
        free(r);
        return st;
    }
    *out = r;
    return CS_OK;
}

void cs_rule_destroy(cs_rule *r)
{
    if (!r)
        return;
    if (r->vt->destroy)
        r->vt->destroy(r->state);
    cs_mlp_cache_destroy(r->cache);
    free(r);
}

void cs_rule_describe(const cs_rule *r, cs_rule_logspec *spec)
{
    memset(spec, 0, sizeof *spec);
    if (r->vt->describe)
        r->vt->describe(r->state, spec);
}

cs_status cs_rule_step(cs_rule *r, const cs_mlp *m, cs_rule_batch *b)
{
    if (b->rows == 0 || b->rows > r->max_rows)
        return cs_error_set(CS_ELIMIT, "rule %s: batch of %zu rows outside 1..%zu", r->vt->name, b->rows,
                            r->max_rows);
    b->surprise = NAN;
    b->is_reference_gradient = 0;
    b->direction_f32 = NULL;
    cs_status st = r->vt->step(r->state, m, b);
    if (st)
        return st;
    if (isnan(b->surprise) && b->direction_f32)
        return cs_error_set(CS_EINVAL, "rule %s: a float direction comes with its norm (surprise)", r->vt->name);
    if (isnan(b->surprise))
        b->surprise = cs_sigmapi_norm(b->direction, m->n_params);
    return CS_OK;
}

float *cs_rule_mirror_f32(cs_rule *r) { return r->vt->mirror_f32 ? r->vt->mirror_f32(r->state) : NULL; }

cs_status cs_rule_teaching_signal(cs_rule *r, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                                  double *const *errors)
{
    if (rows == 0 || rows > r->max_rows)
        return cs_error_set(CS_ELIMIT, "rule %s: %zu rows outside 1..%zu", r->vt->name, rows, r->max_rows);
    return r->vt->teaching_signal(r->state, m, x, labels, rows, errors);
}

cs_status cs_rule_activations(cs_rule *r, const cs_mlp *m, const double *x, size_t rows, double *const *acts)
{
    if (rows == 0 || rows > r->max_rows)
        return cs_error_set(CS_ELIMIT, "rule %s: %zu rows outside 1..%zu", r->vt->name, rows, r->max_rows);
    if (r->vt->activations)
        return r->vt->activations(r->state, m, x, rows, acts);
    cs_status st = cs_mlp_forward(m, x, rows, r->cache);
    if (st)
        return st;
    for (size_t k = 0; k < cs_mlp_depth(m); k++)
        memcpy(acts[k], r->cache->a[k], rows * m->sizes[k + 1] * sizeof(double));
    return CS_OK;
}

cs_status cs_rule_snapshot(cs_rule *r, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                           double *const *acts, double *const *errors)
{
    if (rows == 0 || rows > r->max_rows)
        return cs_error_set(CS_ELIMIT, "rule %s: %zu rows outside 1..%zu", r->vt->name, rows, r->max_rows);
    if (r->vt->snapshot)
        return r->vt->snapshot(r->state, m, x, labels, rows, acts, errors);
    cs_status st = cs_rule_activations(r, m, x, rows, acts);
    return st ? st : cs_rule_teaching_signal(r, m, x, labels, rows, errors);
}

cs_status cs_rule_snapshot_f32(cs_rule *r, const cs_mlp *m, const float *x, const int32_t *labels, size_t rows,
                               float *const *acts, float *const *errors)
{
    if (!r->vt->snapshot_f32)
        return cs_error_set(CS_EINVAL, "rule %s has no float snapshot", r->vt->name);
    if (rows == 0 || rows > r->max_rows)
        return cs_error_set(CS_ELIMIT, "rule %s: %zu rows outside 1..%zu", r->vt->name, rows, r->max_rows);
    return r->vt->snapshot_f32(r->state, m, x, labels, rows, acts, errors);
}

cs_status cs_rule_relax(cs_rule *r, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                        double *const *states, double *energy)
{
    if (!r->vt->relax)
        return cs_error_set(CS_EINVAL, "rule %s has no relaxation phase", r->vt->name);
    return r->vt->relax(r->state, m, x, labels, rows, states, energy);
}

cs_status cs_rule_reference_gradient(cs_rule *r, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                                     double *grad)
{
    if (rows == 0 || rows > r->max_rows)
        return cs_error_set(CS_ELIMIT, "rule %s: %zu rows outside 1..%zu", r->vt->name, rows, r->max_rows);
    if (r->vt->reference_gradient)
        return r->vt->reference_gradient(r->state, m, x, labels, rows, grad);
    return cs_mlp_gradient(m, r->cache, x, labels, rows, grad, NULL);
}

cs_status cs_rule_predict(cs_rule *r, const cs_mlp *m, const double *x, size_t rows, double *logits)
{
    if (!r->vt->predict)
        return cs_mlp_predict(m, r->cache, x, rows, logits, NULL);
    size_t C = m->sizes[m->n_layers - 1], D = m->sizes[0];
    for (size_t r0 = 0; r0 < rows; r0 += r->max_rows) {
        size_t n = rows - r0 < r->max_rows ? rows - r0 : r->max_rows;
        cs_status st = r->vt->predict(r->state, m, x + r0 * D, n, logits + r0 * C);
        if (st)
            return st;
    }
    return CS_OK;
}

/* The vtable entries fa.c and dfa.c share (feedback_internal.h). */
#include <math.h>
#include <stdlib.h>

#include "feedback_internal.h"

cs_status fb_create(const cs_mlp *m, size_t max_rows, uint64_t seed, uint64_t stream, const char *rule,
                    fb_pass_fn pass, const size_t *fan_a, const size_t *fan_b, void **state)
{
    *state = NULL;
    fb_state *s = calloc(1, sizeof *s);
    if (!s)
        return cs_error_set(CS_ENOMEM, "cannot allocate rule %s", rule);
    s->pass = pass;
    size_t total = 0;
    for (size_t k = 0; k < CS_MLP_MAX_LAYERS - 1; k++)
        total += fan_a[k] * fan_b[k];
    cs_status st = cs_mlp_cache_create(m, max_rows, &s->cache);
    if (!st && total) {
        s->feedback = malloc(total * sizeof(double));
        if (!s->feedback)
            st = cs_error_set(CS_ENOMEM, "rule %s: cannot allocate %zu feedback weights", rule, total);
    }
    cs_rng *rng = NULL;
    if (!st)
        st = cs_rng_create_stream(seed, stream, &rng);
    if (st) {
        fb_destroy(s);
        return st;
    }
    double *p = s->feedback;
    for (size_t k = 0; k < CS_MLP_MAX_LAYERS - 1; k++) {
        size_t a = fan_a[k], b = fan_b[k];
        if (a * b == 0)
            continue;
        double lim = sqrt(6.0 / (double)(a + b));
        s->M[k] = p;
        cs_mlp_uniform_fill(p, a * b, lim, rng);
        p += a * b;
    }
    cs_rng_destroy(rng);
    *state = s;
    return CS_OK;
}

void fb_destroy(void *state)
{
    fb_state *s = state;
    if (!s)
        return;
    cs_mlp_cache_destroy(s->cache);
    free(s->feedback);
    free(s);
}

/* Forward pass, output delta, then the rule's backward (s->pass). */
static cs_status fb_run(fb_state *s, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                        double *grad)
{
    cs_status st = cs_mlp_forward(m, x, rows, s->cache);
    if (st)
        return st;
    size_t depth = cs_mlp_depth(m);
    cs_softmax_ce_backward(s->cache->delta[depth - 1], s->cache->a[depth - 1], labels, rows, m->sizes[depth]);
    s->pass(s, m, x, rows, grad);
    return CS_OK;
}

cs_status fb_step(void *state, const cs_mlp *m, cs_rule_batch *b)
{
    fb_state *s = state;
    cs_status st = fb_run(s, m, b->x, b->labels, b->rows, b->direction);
    if (st)
        return st;
    cs_mlp_copy_logits(m, s->cache, b->rows, b->logits);
    return CS_OK;
}

cs_status fb_teaching_signal(void *state, const cs_mlp *m, const double *x, const int32_t *labels, size_t rows,
                             double *const *errors)
{
    fb_state *s = state;
    cs_status st = fb_run(s, m, x, labels, rows, NULL);
    if (st)
        return st;
    cs_mlp_copy_deltas(m, s->cache, rows, errors);
    return CS_OK;
}

/* Backpropagation: the update direction is the exact gradient of the mean
 * cross-entropy; the teaching signal is delta_k = d CE_i / d z_k. */
#include <stdlib.h>
#include <string.h>

#include "cogscope/rule.h"

typedef struct {
    cs_mlp_cache *cache;
} bp_state;

static cs_status bp_create(const cs_mlp *m, const cs_rule_option *opts, size_t n_opts, uint64_t seed,
                           size_t max_rows, void **state)
{
    bp_state *s = calloc(1, sizeof *s);
    if (!s)
        return cs_error_set(CS_ENOMEM, "cannot allocate rule bp");
    cs_status st = cs_mlp_cache_create(m, max_rows, &s->cache);
    if (st) {
        free(s);
        return st;
    }
    *state = s;
    return CS_OK;
}

static void bp_destroy(void *state)
{
    bp_state *s = state;
    if (!s)
        return;
    cs_mlp_cache_destroy(s->cache);
    free(s);
}

static cs_status bp_step(void *state, const cs_mlp *m, cs_rule_batch *b)
{
    bp_state *s = state;
    cs_status st = cs_mlp_gradient(m, s->cache, b->x, b->labels, b->rows, b->direction, NULL);
    if (st)
        return st;
    size_t last = cs_mlp_depth(m) - 1;
    memcpy(b->logits, s->cache->z[last], b->rows * m->sizes[last + 1] * sizeof(double));
    return CS_OK;
}

static cs_status bp_teaching_signal(void *state, const cs_mlp *m, const double *x,
                                    const int32_t *labels, size_t rows, double *const *errors)
{
    bp_state *s = state;
    cs_status st = cs_mlp_forward(m, x, rows, s->cache);
    if (st)
        return st;
    cs_mlp_backward(m, s->cache, labels, NULL);
    for (size_t k = 0; k < cs_mlp_depth(m); k++)
        memcpy(errors[k], s->cache->delta[k], rows * m->sizes[k + 1] * sizeof(double));
    return CS_OK;
}

static cs_status bp_snapshot(void *state, const cs_mlp *m, const double *x, const int32_t *labels,
                             size_t rows, double *const *acts, double *const *errors)
{
    bp_state *s = state;
    cs_status st = cs_mlp_forward(m, x, rows, s->cache);
    if (st)
        return st;
    cs_mlp_backward(m, s->cache, labels, NULL);
    for (size_t k = 0; k < cs_mlp_depth(m); k++) {
        size_t n = rows * m->sizes[k + 1];
        memcpy(acts[k], s->cache->a[k], n * sizeof(double));
        memcpy(errors[k], s->cache->delta[k], n * sizeof(double));
    }
    return CS_OK;
}

const cs_rule_vtable cs_rule_bp = {
    .name = "bp",
    .summary = "backpropagation: the exact gradient of the mean cross-entropy",
    .options = NULL,
    /* Chosen from sweeps (docs/training.md). digits 64-100-10, 30 epochs,
     * seeds 1..40 (split, init and order all follow --seed): mean final test
     * accuracy 97.65%, >= 97% for 32 of 40. Larger steps do better on digits
     * (lr 0.1: 36/40) but wreck Fashion-MNIST (784 inputs: lr 0.05 ends at
     * 85%, 0.1 diverges); lr 0.03 reaches 88.7% there in 15 epochs. */
    .defaults = {.epochs = 30, .batch = 16, .lr = 0.03, .momentum = 0.9, .optimizer = "sgd",
                 .activation = "relu", .schedule = "cosine"},
    .create = bp_create,
    .destroy = bp_destroy,
    .step = bp_step,
    .teaching_signal = bp_teaching_signal,
    .snapshot = bp_snapshot,
};

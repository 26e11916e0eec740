/* Feedback alignment (Lillicrap et al. 2016, Nat. Commun. 7:13276).
 *
 * The forward pass is the MLP's. The backward pass is backprop's except that
 * the error travels down through fixed random matrices B_k in place of the
 * transposed forward weights:
 *     delta_last = softmax(z_last) - onehot(y)                (as BP)
 *     delta_{k-1} = (delta_k B_k) .* f'(z_{k-1})               (BP: delta_k W_k)
 *     dW_k = mean_rows delta_k^T a_{k-1},  db_k = mean_rows delta_k
 * B_k has W_k's shape (sizes[k+1] x sizes[k]) and is drawn once, from the
 * rule's own seeded stream, uniform in +-sqrt(6 / (fan_in + fan_out)) (the
 * Glorot range of the forward weights), so error magnitudes start out like
 * BP's. Learning works because W_k comes to align with B_k^T, which the angle
 * between this update and the BP gradient (bp_angle_deg) shows falling from
 * about 90 degrees. The output layer's update equals BP's exactly. */
#include <math.h>
#include <stdlib.h>

#include "cogscope/rule.h"

#include "feedback_internal.h"

/* State: fb_state (feedback_internal.h), M[k] = B_k for k >= 1, sizes[k+1] x
 * sizes[k]; M[0] unused. */
static void fa_pass(fb_state *s, const cs_mlp *m, const double *x, size_t rows, double *grad);

static cs_status fa_create(const cs_mlp *m, const cs_rule_option *opts, size_t n_opts, uint64_t seed, size_t max_rows,
                           void **state)
{
    /* B_k (k >= 1) has W_k's shape: sizes[k+1] x sizes[k], fan_in + fan_out its
     * Glorot range. Stream 0xFA: independent of the stream that initialises
     * the network. */
    size_t out[CS_MLP_MAX_LAYERS - 1] = {0}, in[CS_MLP_MAX_LAYERS - 1] = {0};
    size_t depth = cs_mlp_depth(m);
    for (size_t k = 1; k < depth; k++) {
        out[k] = m->sizes[k + 1];
        in[k] = m->sizes[k];
    }
    (void)opts;
    (void)n_opts;
    return fb_create(m, max_rows, seed, 0xFA, "fa", fa_pass, in, out, state);
}

/* FA backward on `rows` samples (after fb_run's forward pass and output
 * delta); fills the hidden cache deltas and, if grad is not NULL, the
 * update direction (batch mean). */
static void fa_pass(fb_state *s, const cs_mlp *m, const double *x, size_t rows, double *grad)
{
    cs_mlp_cache *c = s->cache;
    size_t depth = cs_mlp_depth(m);
    cs_mlp_tensors g;
    if (grad)
        cs_mlp_tensors_of(m, grad, &g);
    for (size_t k = depth; k-- > 0;) {
        size_t I = m->sizes[k], O = m->sizes[k + 1];
        if (grad)
            cs_layer_linear_backward_params(g.W[k], g.b[k], c->delta[k], k ? c->a[k - 1] : x, rows, I, O,
                                            1.0 / (double)rows);
        if (k > 0) {
            cs_layer_linear_backward_input(c->delta[k - 1], c->delta[k], s->M[k], rows, I, O);
            cs_act_backward(m->act, c->delta[k - 1], c->delta[k - 1], c->z[k - 1], c->a[k - 1], rows * I);
        }
    }
}

const cs_rule_vtable cs_rule_fa = {
    .name = "fa",
    .summary = "feedback alignment: fixed random feedback matrices replace W^T in the backward pass",
    .options = NULL,
    .defaults = {.epochs = 50,
                 .batch = 16,
                 .lr = 0.1,
                 .momentum = 0.9,
                 .optimizer = "sgd",
                 .activation = "relu",
                 .schedule = "cosine"},
    .create = fa_create,
    .destroy = fb_destroy,
    .step = fb_step,
    .teaching_signal = fb_teaching_signal,
};

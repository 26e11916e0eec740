/* Direct feedback alignment (Nøkland 2016, NeurIPS).
 *
 * The output error e = softmax(z_last) - onehot(y) is sent straight to every
 * hidden layer through a fixed random matrix D_k (classes x sizes[k+1]):
 *     delta_last = e
 *     delta_k    = (e D_k) .* f'(z_k)          for hidden layers k < depth-1
 *     dW_k = mean_rows delta_k^T a_{k-1},  db_k = mean_rows delta_k
 * No layer waits for the one above it, and no weight is transported. D_k is
 * drawn once from the rule's seeded stream, uniform in +-sqrt(6 / (classes +
 * sizes[k+1])) (a Glorot range), so the hidden errors start at the scale of
 * BP's. The output layer's update equals BP's exactly. */
#include <math.h>
#include <stdlib.h>

#include "cogscope/rule.h"

#include "feedback_internal.h"

/* State: fb_state (feedback_internal.h), M[k] = D_k for hidden k only,
 * classes x sizes[k+1]. */
static void dfa_pass(fb_state *s, const cs_mlp *m, const double *x, size_t rows, double *grad);

static cs_status dfa_create(const cs_mlp *m, const cs_rule_option *opts, size_t n_opts, uint64_t seed,
                            size_t max_rows, void **state)
{
    /* D_k (hidden k) is classes x sizes[k+1]. Stream 0xDFA: independent of the
     * init stream. */
    size_t cls[CS_MLP_MAX_LAYERS - 1] = {0}, n[CS_MLP_MAX_LAYERS - 1] = {0};
    size_t depth = cs_mlp_depth(m);
    for (size_t k = 0; k + 1 < depth; k++) {
        cls[k] = m->sizes[depth];
        n[k] = m->sizes[k + 1];
    }
    (void)opts;
    (void)n_opts;
    return fb_create(m, max_rows, seed, 0xDFA, "dfa", dfa_pass, cls, n, state);
}

/* DFA errors on `rows` samples (after fb_run's forward pass and output
 * delta); fills the hidden cache deltas and, if grad is not NULL, the
 * update direction (batch mean). */
static void dfa_pass(fb_state *s, const cs_mlp *m, const double *x, size_t rows, double *grad)
{
    cs_mlp_cache *c = s->cache;
    size_t depth = cs_mlp_depth(m), C = m->sizes[depth];
    const double *e = c->delta[depth - 1];
    for (size_t k = 0; k + 1 < depth; k++) {
        size_t n = m->sizes[k + 1];
        cs_layer_linear_backward_input(c->delta[k], e, s->M[k], rows, n, C);
        cs_act_backward(m->act, c->delta[k], c->delta[k], c->z[k], c->a[k], rows * n);
    }
    if (grad) {
        cs_mlp_tensors g;
        cs_mlp_tensors_of(m, grad, &g);
        for (size_t k = 0; k < depth; k++)
            cs_layer_linear_backward_params(g.W[k], g.b[k], c->delta[k], k ? c->a[k - 1] : x, rows, m->sizes[k],
                                            m->sizes[k + 1], 1.0 / (double)rows);
    }
}

const cs_rule_vtable cs_rule_dfa = {
    .name = "dfa",
    .summary = "direct feedback alignment: the output error reaches each hidden layer through a "
               "fixed random matrix",
    .options = NULL,
    .defaults = {.epochs = 50,
                 .batch = 16,
                 .lr = 0.1,
                 .momentum = 0.9,
                 .optimizer = "sgd",
                 .activation = "relu",
                 .schedule = "cosine"},
    .create = dfa_create,
    .destroy = fb_destroy,
    .step = fb_step,
    .teaching_signal = fb_teaching_signal,
};

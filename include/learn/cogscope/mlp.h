/* A multilayer perceptron: the network every learning rule trains.
 *
 * Shapes. `sizes[0..n_layers)` are unit counts, input first: {64, 100, 10}.
 * Weight layer k (k = 0 .. n_layers-2; the run log calls it layer L = k+1)
 * maps sizes[k] units to sizes[k+1] units:
 *     z_k = a_{k-1} W_k^T + b_k      W_k: sizes[k+1] x sizes[k] (out x in, row-major)
 *     a_k = f(z_k)                   hidden layers: tanh / relu / sigmoid / ...
 *     a_last = softmax(z_last)       output layer; z_last are the logits
 * with a_{-1} = x, the input batch (rows x sizes[0]). Batches are row-major,
 * samples x units, as everywhere in cogscope.
 *
 * Precision. Parameters and activations are double. Learning rules such as
 * equilibrium propagation compare nudged and free states that differ by
 * O(beta), and the finite-difference gradient test needs 1e-6 relative
 * accuracy; float32 would cost both. All layer products go through cblas_dgemm
 * (OpenBLAS). Rule bp alone has a float32 twin of these kernels (internal,
 * src/learn/mlp_f32.h) for --bp-precision float32 and for its probe
 * snapshots, which the run log stores in float32 anyway.
 *
 * Memory. All parameters live in ONE allocation (`params`, n_params doubles),
 * laid out as W_0, b_0, W_1, b_1, ... (as llm.c). Any buffer of n_params
 * doubles with the same layout (gradients, update directions, optimizer
 * moments) can be viewed per layer with cs_mlp_tensors_of().
 *
 * The per-batch state (pre-activations, activations, deltas) lives in a
 * cs_mlp_cache owned by the caller, so several caches (a training batch, a
 * probe set, a rule's private copy) can share one network. The cs_mlp itself
 * is not changed by forward/backward: two threads may run forward passes of
 * one network on two caches. */
#ifndef COGSCOPE_MLP_H
#define COGSCOPE_MLP_H

#include <stdint.h>

#include "cogscope/core.h"
#include "cogscope/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CS_MLP_MAX_LAYERS 16 /* unit layers, input included */

typedef enum {
    CS_ACT_TANH = 0,
    CS_ACT_RELU,
    CS_ACT_SIGMOID,
    CS_ACT_HARDSIGMOID, /* clamp(x, 0, 1), the rho of equilibrium propagation */
    CS_ACT_IDENTITY,
    CS_ACT_COUNT
} cs_activation;

/* "tanh", "relu", "sigmoid", "hardsigmoid", "identity". */
const char *cs_activation_name(cs_activation act);
/* CS_EINVAL naming the text if it is not one of the names above. */
cs_status cs_activation_parse(const char *text, cs_activation *out);

/* The network. Fields are public so learning rules can read them; change
 * parameters only through `params` (or the pointers into it). */
typedef struct {
    size_t n_layers;                        /* unit layers incl. input, 2..CS_MLP_MAX_LAYERS */
    size_t sizes[CS_MLP_MAX_LAYERS];        /* unit counts, input first */
    cs_activation act;                      /* hidden-layer activation (output is softmax) */
    size_t n_params;                        /* total number of parameters */
    double *params;                         /* the one allocation: W_0, b_0, W_1, b_1, ... */
    double *W[CS_MLP_MAX_LAYERS - 1];       /* W[k]: sizes[k+1] x sizes[k], into params */
    double *b[CS_MLP_MAX_LAYERS - 1];       /* b[k]: sizes[k+1], into params */
    size_t w_offset[CS_MLP_MAX_LAYERS - 1]; /* offsets of W[k] and b[k] in params */
    size_t b_offset[CS_MLP_MAX_LAYERS - 1];
} cs_mlp;

/* Per-layer view of any parameter-shaped buffer (n_params doubles). */
typedef struct {
    double *W[CS_MLP_MAX_LAYERS - 1]; /* sizes[k+1] x sizes[k] */
    double *b[CS_MLP_MAX_LAYERS - 1]; /* sizes[k+1] */
} cs_mlp_tensors;

/* A network with the given unit counts and hidden activation; parameters are
 * zero until cs_mlp_init(). CS_EINVAL if n_layers < 2, > CS_MLP_MAX_LAYERS or
 * a size is 0; the output layer needs >= 2 units (softmax over classes). */
cs_status cs_mlp_create(const size_t *sizes, size_t n_layers, cs_activation act, cs_mlp **out);
void cs_mlp_destroy(cs_mlp *m);
/* Parameters copied from `src` (same shape; CS_ESHAPE otherwise). */
cs_status cs_mlp_copy_params(cs_mlp *dst, const cs_mlp *src);

/* Number of weight layers, n_layers - 1. */
static inline size_t cs_mlp_depth(const cs_mlp *m) { return m->n_layers - 1; }
/* Parameters of weight layer k (weights and biases). */
static inline size_t cs_mlp_layer_params(const cs_mlp *m, size_t k)
{
    return m->sizes[k + 1] * m->sizes[k] + m->sizes[k + 1];
}

/* Per-layer pointers into `flat` (n_params doubles laid out as m->params). */
void cs_mlp_tensors_of(const cs_mlp *m, double *flat, cs_mlp_tensors *t);

/* Initialise: biases 0; hidden ReLU layers W_k ~ N(0, 2/fan_in) (He et al.
 * 2015); every other layer (tanh, sigmoid, hardsigmoid, identity hidden
 * layers, and the softmax output layer) Glorot uniform
 * U(+-sqrt(6/(fan_in+fan_out))), times 4 for sigmoid and hardsigmoid, whose
 * slope at 0 is 1/4 instead of 1. Deterministic for a given rng state. */
void cs_mlp_init(cs_mlp *m, cs_rng *rng);
/* n values uniform in (-lim, lim), drawn in order from rng: the Glorot draw
 * of cs_mlp_init, also used for the fixed feedback matrices of FA and DFA. */
void cs_mlp_uniform_fill(double *p, size_t n, double lim, cs_rng *rng);

/* ---- per-batch state ---- */

typedef struct {
    size_t capacity;                      /* max rows */
    size_t rows;                          /* rows of the last forward pass */
    const double *input;                  /* rows x sizes[0], not owned (last forward) */
    double *z[CS_MLP_MAX_LAYERS - 1];     /* z[k]: capacity x sizes[k+1] pre-activations */
    double *a[CS_MLP_MAX_LAYERS - 1];     /* a[k]: post-activations; a[last] = softmax probs */
    double *delta[CS_MLP_MAX_LAYERS - 1]; /* delta[k] = d loss_i / d z[k], per sample */
    double *scratch;                      /* capacity x max(sizes) for backward */
    double *memory;                       /* the one allocation behind all of the above */
} cs_mlp_cache;

cs_status cs_mlp_cache_create(const cs_mlp *m, size_t capacity, cs_mlp_cache **out);
void cs_mlp_cache_destroy(cs_mlp_cache *c);

/* Forward pass of `rows` samples x (rows x sizes[0]) through every layer,
 * filling c->z and c->a. `x` must stay valid until backward (it is read
 * again for the first layer's weight gradient). CS_ELIMIT if rows >
 * c->capacity. */
cs_status cs_mlp_forward(const cs_mlp *m, const double *x, size_t rows, cs_mlp_cache *c);

/* After a forward pass: mean cross-entropy over the rows (nats) given labels
 * in [0, classes) and the number of rows whose arg-max prediction equals the
 * label. Either out pointer may be NULL. */
void cs_mlp_loss(const cs_mlp *m, const cs_mlp_cache *c, const int32_t *labels, double *loss, size_t *correct);

/* After a forward pass of `rows` rows: the logits z_last into
 * logits[rows x classes], and the per-sample deltas of a backward pass into
 * errors[k][rows x sizes[k+1]] for every layer k (the teaching signal of
 * BP-like rules). */
void cs_mlp_copy_logits(const cs_mlp *m, const cs_mlp_cache *c, size_t rows, double *logits);
void cs_mlp_copy_deltas(const cs_mlp *m, const cs_mlp_cache *c, size_t rows, double *const *errors);

/* Backpropagation after a forward pass: fills c->delta[k] for every layer
 * (delta_last = softmax - onehot, per sample: NOT divided by rows, so a
 * snapshot of deltas does not depend on the batch size) and, if `grad` is
 * not NULL, the gradient of the MEAN loss over the rows with respect to
 * every parameter (n_params doubles, laid out as m->params). */
void cs_mlp_backward(const cs_mlp *m, cs_mlp_cache *c, const int32_t *labels, double *grad);

/* The BP gradient of the mean cross-entropy on a batch, as one call:
 * forward + backward into `grad` (n_params). `loss` may be NULL. This is what
 * the training loop uses to measure bp_angle_deg for any rule. */
cs_status cs_mlp_gradient(const cs_mlp *m, cs_mlp_cache *c, const double *x, const int32_t *labels, size_t rows,
                          double *grad, double *loss);

/* Logits (rows x classes) and/or predicted classes of a batch, in chunks of
 * c->capacity rows, so any number of rows can be classified. */
cs_status cs_mlp_predict(const cs_mlp *m, cs_mlp_cache *c, const double *x, size_t rows, double *logits,
                         int32_t *predicted);

/* ---- layer primitives (plain functions; rules build on them) ----
 * Every function works on row-major batches of B rows. */

/* z[B x O] = x[B x I] W^T + b;  W: O x I, b: O. */
void cs_layer_linear_forward(double *z, const double *x, const double *W, const double *b, size_t B, size_t I,
                             size_t O);
/* Weight/bias gradient of the batch mean: dW[O x I] = scale * delta^T x,
 * db[O] = scale * sum_rows delta, with delta: B x O, x: B x I. Usually
 * scale = 1/B. Overwrites dW and db (either may be NULL to skip it). */
void cs_layer_linear_backward_params(double *dW, double *db, const double *delta, const double *x, size_t B, size_t I,
                                     size_t O, double scale);
/* Error sent to the layer below: dx[B x I] = delta[B x O] F, F: O x I.
 * With F = W this is backprop; feedback alignment passes its fixed random
 * matrix instead. */
void cs_layer_linear_backward_input(double *dx, const double *delta, const double *F, size_t B, size_t I, size_t O);
/* a[n] = f(z[n]) elementwise. a may alias z. */
void cs_act_forward(cs_activation act, double *a, const double *z, size_t n);
/* dz[n] = da[n] * f'(z[n]), using z and/or a = f(z) (whichever is cheaper).
 * dz may alias da. */
void cs_act_backward(cs_activation act, double *dz, const double *da, const double *z, const double *a, size_t n);
/* f'(z) elementwise into d[n]. */
void cs_act_derivative(cs_activation act, double *d, const double *z, const double *a, size_t n);
/* p[B x C] = softmax(z[B x C]) row by row (max-shifted, so large logits are safe). */
void cs_softmax_forward(double *p, const double *z, size_t B, size_t C);
/* delta[B x C] = p - onehot(labels): d CE_i / d z_i per sample. */
void cs_softmax_ce_backward(double *delta, const double *p, const int32_t *labels, size_t B, size_t C);

#ifdef __cplusplus
}
#endif
#endif

/* Float32 twin of the MLP kernels, for rule bp's `--bp-precision float32`
 * (internal: not public API).
 *
 * The functions below are the cs_* functions of include/cogscope/mlp.h with
 * float data, the prefix f32_ instead of cs_ (private names) and the same
 * shapes and contracts; both are compiled from one source,
 * src/learn/mlp_kernels.inc, so they cannot drift apart. Products go
 * through cblas_sgemm (twice dgemm's throughput), activations through
 * tanhf/expf.
 *
 * Mixed precision: the double cs_mlp stays the master copy of the
 * parameters (the optimizer updates it in double); a f32_mlp is a float
 * shadow of the same shape, refreshed from the master by f32_mlp_load
 * before each float pass (one pass over n_params), as PyTorch AMP keeps
 * float32 master weights for float16 compute. */
#ifndef COGSCOPE_MLP_F32_H
#define COGSCOPE_MLP_F32_H

#include <stdint.h>

#include "cogscope/mlp.h"
#include "team.h"
#include "update.h"

/* A float network: the shape of a cs_mlp (same field names, so the shared
 * kernels read either) with float parameters in one allocation. */
typedef struct {
    size_t n_layers;
    size_t sizes[CS_MLP_MAX_LAYERS];
    cs_activation act;
    size_t n_params;
    float *params;                   /* W_0, b_0, W_1, b_1, ... as cs_mlp.params */
    float *W[CS_MLP_MAX_LAYERS - 1]; /* sizes[k+1] x sizes[k] */
    float *b[CS_MLP_MAX_LAYERS - 1]; /* sizes[k+1] */
    size_t w_offset[CS_MLP_MAX_LAYERS - 1];
    size_t b_offset[CS_MLP_MAX_LAYERS - 1];
} f32_mlp;

/* cs_mlp_cache with float data. */
typedef struct {
    size_t capacity;
    size_t rows;
    const float *input;
    float *z[CS_MLP_MAX_LAYERS - 1];
    float *a[CS_MLP_MAX_LAYERS - 1];
    float *delta[CS_MLP_MAX_LAYERS - 1];
    float *scratch;
    float *memory;
} f32_mlp_cache;

/* A float network of the shape of `shape` (parameters zero until
 * f32_mlp_load). */
cs_status f32_mlp_create(const cs_mlp *shape, f32_mlp **out);
void f32_mlp_destroy(f32_mlp *m);
/* dst->params = (float)src->params, rounded to nearest; shapes must match
 * (dst made from src or a network of its shape). */
void f32_mlp_load(f32_mlp *dst, const cs_mlp *src);

/* dst[n] = (float)src[n] (round to nearest) and dst[n] = src[n] widened
 * (exact). */
void f32_from_f64(float *dst, const double *src, size_t n);
void f64_from_f32(double *dst, const float *src, size_t n);

/* As the cs_* functions of the same name (include/cogscope/mlp.h). */
cs_status f32_mlp_cache_create(const f32_mlp *m, size_t capacity, f32_mlp_cache **out);
void f32_mlp_cache_destroy(f32_mlp_cache *c);
void f32_layer_linear_forward(float *z, const float *x, const float *W, const float *b, size_t B, size_t I, size_t O);
void f32_layer_linear_backward_params(float *dW, float *db, const float *delta, const float *x, size_t B, size_t I,
                                      size_t O, float scale);
void f32_layer_linear_backward_input(float *dx, const float *delta, const float *F, size_t B, size_t I, size_t O);
void f32_act_forward(cs_activation act, float *a, const float *z, size_t n);
void f32_act_derivative(cs_activation act, float *d, const float *z, const float *a, size_t n);
void f32_act_backward(cs_activation act, float *dz, const float *da, const float *z, const float *a, size_t n);
void f32_softmax_forward(float *p, const float *z, size_t B, size_t C);
void f32_softmax_ce_backward(float *delta, const float *p, const int32_t *labels, size_t B, size_t C);
/* Forward, then backward when `labels` is not NULL (grad NULL: deltas only),
 * on the threads of `team` (NULL: the calling thread alone). A large pass
 * runs in two fixed parts (of the batch's rows, then of the gradient's
 * units), one per thread, and gives the gradient's sum of squares in
 * *grad_ssq (NAN when not computed; may be NULL): the same values at any
 * thread count (src/learn/mlp_kernels.inc, "one pass in fixed parts"). A
 * small pass is cs/f32_mlp_forward and _backward, bit for bit. The caller
 * keeps OpenBLAS single-threaded meanwhile. `upd` (may be NULL): the
 * optimizer's update, which a large pass with a gradient runs on each part
 * of it (update.h; upd->applied says whether it did). */
cs_status f64_mlp_pass(const cs_mlp *m, const double *x, size_t rows, const int32_t *labels, cs_mlp_cache *c,
                       double *grad, double *grad_ssq, learn_team *team, learn_update *upd);
cs_status f32_mlp_pass(const f32_mlp *m, const float *x, size_t rows, const int32_t *labels, f32_mlp_cache *c,
                       float *grad, double *grad_ssq, learn_team *team, learn_update *upd);
cs_status f32_mlp_forward(const f32_mlp *m, const float *x, size_t rows, f32_mlp_cache *c);
void f32_mlp_backward(const f32_mlp *m, f32_mlp_cache *c, const int32_t *labels, float *grad);

#endif

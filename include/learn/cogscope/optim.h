/* Optimizers over a flat parameter vector (cs_mlp.params): SGD with
 * momentum and Adam. They apply any rule's update direction (gradient sign
 * convention: the direction points uphill, the step goes against it).
 *
 *   SGD:  v <- mu v + d + wd p;       p <- p - lr v        (PyTorch's SGD; mu = 0: plain)
 *   Adam: m <- b1 m + (1-b1) d;  s <- b2 s + (1-b2) d^2;
 *         p <- p - lr * (m / (1-b1^t)) / (sqrt(s / (1-b2^t)) + eps) - lr wd p
 *   (Kingma & Ba; weight decay decoupled as in AdamW, Loshchilov & Hutter)
 *
 * The update actually applied (new p - old p) can be written out, for the
 * per-layer update norms of the run log. */
#ifndef COGSCOPE_OPTIM_H
#define COGSCOPE_OPTIM_H

#include "cogscope/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { CS_OPTIM_SGD = 0, CS_OPTIM_ADAM } cs_optim_kind;

/* "sgd" / "adam"; CS_EINVAL naming the text otherwise. */
cs_status cs_optim_parse(const char *text, cs_optim_kind *out);
const char *cs_optim_name(cs_optim_kind kind);

typedef struct {
    cs_optim_kind kind;
    double momentum;     /* SGD, in [0, 1) */
    double beta1, beta2; /* Adam, in [0, 1); 0.9, 0.999 */
    double eps;          /* Adam, > 0; 1e-8 */
    double weight_decay; /* >= 0; 0 */
} cs_optim_config;

/* Defaults: SGD, momentum 0, Adam betas 0.9/0.999, eps 1e-8. */
void cs_optim_config_default(cs_optim_config *c);

typedef struct cs_optim cs_optim;

/* An optimizer for n parameters; CS_EINVAL names a hyper-parameter out of range. */
cs_status cs_optim_create(const cs_optim_config *c, size_t n, cs_optim **out);
void cs_optim_destroy(cs_optim *o);
/* One step: params[n] updated from direction[n] with learning rate lr.
 * `applied` (n, may be NULL) receives the change made to params. */
void cs_optim_step(cs_optim *o, double *params, const double *direction, double lr, double *applied);
/* The same step, also returning per-segment sums of squares of the new
 * parameters and of the applied change, in the same pass over memory (the
 * training loop logs per-layer weight and update norms every step; a
 * separate pass would cost ~10% of a Fashion-MNIST step). Segment k is
 * [seg_end[k-1], seg_end[k]) with seg_end[-1] = 0 and seg_end[n_seg-1] = n. */
void cs_optim_step_norms(cs_optim *o, double *params, const double *direction, double lr, const size_t *seg_end,
                         size_t n_seg, double *param_sq, double *update_sq);
/* Mixed precision (rule bp --bp-precision float32): the same step from a
 * direction in float -- the update is cs_optim_step_norms's with the
 * direction widened exactly, bit for bit -- also writing mirror[n] =
 * (float)params after the update in the same pass, the float copy the next
 * float pass reads (one pass over memory instead of three). SGD only, with
 * segments covering all n: returns 0 without doing anything otherwise
 * (Adam, or segments that end early), 1 when it stepped. */
int cs_optim_step_norms_mixed(cs_optim *o, double *params, const float *direction, double lr, const size_t *seg_end,
                              size_t n_seg, double *param_sq, double *update_sq, float *mirror);

#ifdef __cplusplus
}
#endif
#endif

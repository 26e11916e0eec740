/* The optimizer's update run inside a pass in parts (internal to learn).
 *
 * Why: the SGD pass streams velocity, parameters and the gradient, ~40
 * bytes a parameter (9 MB a step for Fashion-MNIST's 235,000), after the
 * pass that wrote the gradient. A pass in parts (mlp_kernels.inc, "one pass
 * in fixed parts") computes each layer's gradient in parts of units; run
 * right after a part's rows of dW_k and db_k, the update reads them from
 * the core's cache instead of a second sweep, and the step has one fork
 * and join fewer.
 *
 * How: the training loop offers the update of the step it runs
 * (learn_update_offer, a per-thread offer as learn_team_enter's team) around
 * the rule's step; a rule whose pass computes the whole gradient in parts
 * takes it (learn_update_current) and hands it to the pass, which updates
 * each part's parameters (sgd_wide_body, src/learn/optim.c) and says so in
 * `applied`. The parameters, momentum and float mirror are those of the
 * separate pass bit for bit (the update is element-wise); the per-layer
 * sums of squares are each part's in part order, each in eight lanes,
 * fixed by the shapes alone (the same at any thread count and in any
 * build), and differ from the separate pass's in the last bits. Only SGD
 * runs this way; a step whose pass is not cut, or another optimizer,
 * leaves `applied` 0 and the loop updates as before. */
#ifndef COGSCOPE_LEARN_UPDATE_H
#define COGSCOPE_LEARN_UPDATE_H

#include "cogscope/optim.h"

typedef struct {
    cs_optim *o;       /* SGD (else the offer is not taken) */
    double *params;    /* the master parameters the optimizer updates */
    float *mirror;     /* float copy of the new parameters to write, or NULL */
    double lr;         /* this step's rate */
    double *weight_sq; /* OUT depth: sum of squares of each layer's new parameters */
    double *update_sq; /* OUT depth: ... of each layer's change */
    int applied;       /* OUT: 1 when the pass ran the update */
} learn_update;

/* The calling thread's offer for the next step (NULL: none); returns the
 * one it replaces. */
learn_update *learn_update_offer(learn_update *u);
learn_update *learn_update_current(void);

/* Whether `u` can run in a pass (SGD); if so, counts the step (o->t) as
 * cs_optim_step_norms does. */
int learn_update_begin(learn_update *u);

/* SGD over params[lo, hi) from the gradient g (double) or gf (float,
 * widened exactly; writing the mirror when u->mirror is set), indexed as
 * params; the sums of squares of the new parameters, of the change and of
 * the gradient into *psq, *usq, *gsq (sgd_wide_body's order; *gsq is the
 * pass's sum_sq of g[lo, hi), bit for bit). */
void learn_update_range_f64(const learn_update *u, const double *g, size_t lo, size_t hi, double *psq, double *usq,
                            double *gsq);
void learn_update_range_f32(const learn_update *u, const float *gf, size_t lo, size_t hi, double *psq, double *usq,
                            double *gsq);

#endif
